//! `modfile/*.in|golden` and `modfile/work/*.in|golden`: Go's formatting fixtures
//! (section 3 of the conformance README, Go's `TestPrintParse`, `TestPrintGolden`
//! and `TestWorkPrintParse`).
//!
//! For every file: the syntax tree survives format and re-parse; the strict parse
//! succeeds unless `strict_parse_failures_expected_for_testdata` lists the file, and
//! then survives format and re-parse too; `X.in` formats to `X.golden` (through the
//! strict parse when it succeeds, since parsing rewrites quoting and versions); and
//! every `.golden` formats to itself.

use crate::support::{self, Tally, cases};
use gomodfetch::modfile::{self, Comments, FileSyntax, Stmt};
use std::path::Path;

/// The tree without positions, line ids and comments (Go's `eqchecker` ignores
/// positions and comment assignment).
fn shape(f: &FileSyntax) -> String {
    let mut out = String::new();
    let toks = |t: &[Vec<u8>]| {
        let t: Vec<String> = t.iter().map(gomodfetch::gostr::quote).collect();
        t.join(" ")
    };
    for s in &f.stmt {
        match s {
            Stmt::Comments(_) => out += "comments\n",
            Stmt::Line(l) => out += &format!("line[{}] {}\n", l.in_block, toks(&l.token)),
            Stmt::Block(b) => {
                out += &format!("block {}\n", toks(&b.token));
                for l in &b.line {
                    out += &format!("\tline[{}] {}\n", l.in_block, toks(&l.token));
                }
            }
        }
    }
    out
}

/// Every non-empty comment text, trimmed, sorted: formatting may move comments
/// between nodes but must never lose or invent one.
fn comment_texts(f: &FileSyntax) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut add = |c: &Comments| {
        for com in c.before.iter().chain(&c.suffix).chain(&c.after) {
            let t = com.token.trim_ascii();
            if !t.is_empty() {
                out.push(t.to_vec());
            }
        }
    };
    add(&f.comments);
    for s in &f.stmt {
        add(s.comments());
        if let Stmt::Block(b) = s {
            add(&b.lparen.comments);
            add(&b.rparen.comments);
            for l in &b.line {
                add(&l.comments);
            }
        }
    }
    out.sort();
    out
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// One parser flavour: go.mod (strict `parse`) or go.work (`parse_work`), reduced to
/// a comparable value (interpreted fields plus tree shape) and its syntax.
type Flavour = fn(&str, &[u8]) -> Result<(String, FileSyntax), modfile::Errors>;

fn mod_strict(name: &str, data: &[u8]) -> Result<(String, FileSyntax), modfile::Errors> {
    let f = modfile::parse(name, data, None)?;
    let value = modfile::mod_json(&f) + &shape(&f.syntax);
    Ok((value, f.syntax))
}

fn work_strict(name: &str, data: &[u8]) -> Result<(String, FileSyntax), modfile::Errors> {
    let f = modfile::parse_work(name, data, None)?;
    let extra = format!(
        "toolchain {:?}\ngodebug {:?}\n",
        f.toolchain.as_ref().map(|t| &t.name),
        f.godebug
            .iter()
            .map(|g| (&g.key, &g.value))
            .collect::<Vec<_>>()
    );
    let value = modfile::work_json(&f) + &extra + &shape(&f.syntax);
    Ok((value, f.syntax))
}

fn check_file(
    dir: &Path,
    name: &str,
    flavour: Flavour,
    expect_strict_failure: bool,
) -> Result<(), String> {
    let path = dir.join(name);
    let data = std::fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let base = format!("testdata/{name}");

    // Syntax only: parse → format → parse gives the same tree and the same comments.
    let f = modfile::parse_syntax(&base, &data).map_err(|e| format!("parsing original: {e}"))?;
    let mut ndata = modfile::format(&f);
    let f2 =
        modfile::parse_syntax(&base, &ndata).map_err(|e| format!("parsing reformatted: {e}"))?;
    if shape(&f) != shape(&f2) {
        return Err(format!(
            "not equal (parse/Format/parse):\n{}\nvs\n{}",
            shape(&f),
            shape(&f2)
        ));
    }
    if comment_texts(&f) != comment_texts(&f2) {
        return Err("comments changed by parse/Format/parse".into());
    }

    // Strict parsing, and the same round trips through it.
    match flavour(&base, &data) {
        Err(e) if expect_strict_failure => {
            let _ = e;
        }
        Err(e) => return Err(format!("should parse strictly: {e}")),
        Ok(_) if expect_strict_failure => {
            return Err("strict parse succeeded; the vectors expect it to fail".into());
        }
        Ok((pf1, syntax1)) => {
            let (pf2, _) =
                flavour(&base, &ndata).map_err(|e| format!("Parsing reformatted: {e}"))?;
            if pf1 != pf2 {
                return Err(format!("not equal (parse/Format/Parse):\n{pf1}\nvs\n{pf2}"));
            }
            let ndata2 = modfile::format(&syntax1);
            let (pf3, _) =
                flavour(&base, &ndata2).map_err(|e| format!("Parsing reformatted2: {e}"))?;
            if pf1 != pf3 {
                return Err(format!("not equal (Parse/Format/Parse):\n{pf1}\nvs\n{pf3}"));
            }
            ndata = ndata2;
        }
    }

    if let Some(stem) = name.strip_suffix(".in") {
        let golden_path = dir.join(format!("{stem}.golden"));
        let golden = std::fs::read(&golden_path)
            .map_err(|e| format!("reading {}: {e}", golden_path.display()))?;
        if ndata != golden {
            return Err(format!(
                "formatted incorrectly:\n--- golden\n{}\n--- ours\n{}",
                show(&golden),
                show(&ndata)
            ));
        }
    }
    if name.ends_with(".golden") {
        let formatted = modfile::format(&f);
        if formatted != data {
            return Err(format!(
                "golden is not a fixed point:\n--- golden\n{}\n--- ours\n{}",
                show(&data),
                show(&formatted)
            ));
        }
    }
    Ok(())
}

fn run_folder(test: &str, rel: &str, label: &str, flavour: Flavour, failures: &[String]) {
    let Some(dir) = support::conformance(test, rel) else {
        return;
    };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".in") || n.ends_with(".golden"))
        .collect();
    names.sort();
    let mut t = Tally::new(label);
    for name in &names {
        let expect_failure = failures.contains(name);
        t.check(name, || check_file(&dir, name, flavour, expect_failure));
    }
    t.finish();
}

#[test]
fn modfile_fixtures() {
    let Some(v) = support::vectors("modfile_fixtures", "modfile.json") else {
        return;
    };
    // The list names files of the go.mod folder; go.work files must all parse.
    let failures: Vec<String> = cases(&v, "strict_parse_failures_expected_for_testdata")
        .iter()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect();
    run_folder(
        "modfile_fixtures",
        "modfile",
        "modfile/*.in,golden",
        mod_strict,
        &failures,
    );
}

#[test]
fn modfile_work_fixtures() {
    run_folder(
        "modfile_work_fixtures",
        "modfile/work",
        "modfile/work/*.in,golden",
        work_strict,
        &[],
    );
}
