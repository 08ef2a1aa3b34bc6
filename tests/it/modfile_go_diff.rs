//! Differential test of go.mod and go.work parsing, formatting and JSON against the
//! real `go`: for every input, our strict parse (then `SortBlocks` and `Cleanup`, as
//! `go mod edit` does) printed as JSON must equal `go mod edit -json` and formatted
//! must equal `go mod edit -print`, byte for byte; where `go` rejects the file, we
//! must reject it with the same `file:line:col: message` lines.
//!
//! Inputs: the conformance formatting fixtures (go.work ones through `go work edit`),
//! every `.mod` file of the conformance test-proxy archives, and the real go.mod files
//! that `tests/setup/real-gomods.sh` downloads into
//! `target/real-gomods/gopath/pkg/mod/cache/download` (or `$GOMODFETCH_REAL_GOMODS`).
//! `go` runs with the file's directory as working directory and its base name as
//! argument, so both sides name the file the same way in messages. Four threads run
//! `go` concurrently.

use crate::support::{self, Go, Tally};
use gomodfetch::{modfile, txtar};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

/// At least this many real go.mod files must be compared.
const MIN_REAL: usize = 50;
const THREADS: usize = 4;

struct Input {
    label: String,
    dir: PathBuf,
    name: String,
    work: bool,
}

fn input(label: String, path: &Path, work: bool) -> Input {
    Input {
        label,
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        work,
    }
}

fn run_go(go: &Go, home: &Path, inp: &Input, flag: &str) -> Result<Output, String> {
    let sub = if inp.work { "work" } else { "mod" };
    go.command(&inp.dir, home)
        .args([sub, "edit", flag, &inp.name])
        .output()
        .map_err(|e| format!("running go {sub} edit {flag}: {e}"))
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Our result for a file: (JSON, formatted text) after SortBlocks and Cleanup, or the
/// parse errors.
fn ours(inp: &Input, data: &[u8]) -> Result<(String, Vec<u8>), modfile::Errors> {
    if inp.work {
        let mut f = modfile::parse_work(&inp.name, data, None)?;
        f.sort_blocks();
        f.cleanup();
        Ok((modfile::work_json(&f), modfile::format(&f.syntax)))
    } else {
        let mut f = modfile::parse(&inp.name, data, None)?;
        f.sort_blocks();
        f.cleanup();
        Ok((modfile::mod_json(&f), f.format()))
    }
}

fn compare(go: &Go, home: &Path, inp: &Input) -> Result<(), String> {
    let path = inp.dir.join(&inp.name);
    let data = std::fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let json = run_go(go, home, inp, "-json")?;
    match (json.status.success(), ours(inp, &data)) {
        (true, Ok((our_json, our_text))) => {
            if our_json.as_bytes() != json.stdout {
                return Err(format!(
                    "-json differs:\n--- go\n{}--- ours\n{our_json}",
                    lossy(&json.stdout)
                ));
            }
            let print = run_go(go, home, inp, "-print")?;
            if !print.status.success() {
                return Err(format!("go -print failed: {}", lossy(&print.stderr)));
            }
            if our_text != print.stdout {
                return Err(format!(
                    "-print differs:\n--- go\n{}\n--- ours\n{}",
                    lossy(&print.stdout),
                    lossy(&our_text)
                ));
            }
            Ok(())
        }
        (false, Err(e)) => {
            // go: "go: errors parsing NAME:\n" [+ "errors parsing go.work:\n"] + errors.
            let stderr = lossy(&json.stderr);
            let rest = stderr
                .strip_prefix("go: errors parsing ")
                .and_then(|s| s.split_once(":\n"))
                .map(|(_, rest)| rest)
                .ok_or_else(|| format!("go failed otherwise: {stderr}"))?;
            let rest = if inp.work {
                rest.strip_prefix("errors parsing go.work:\n")
                    .unwrap_or(rest)
            } else {
                rest
            };
            let ours = e.to_string();
            if rest.trim_end_matches('\n') == ours {
                Ok(())
            } else {
                Err(format!("errors differ:\n--- go\n{rest}--- ours\n{ours}"))
            }
        }
        (true, Err(e)) => Err(format!("go accepts the file, we reject it:\n{e}")),
        (false, Ok(_)) => Err(format!(
            "go rejects the file, we accept it:\n{}",
            lossy(&json.stderr)
        )),
    }
}

/// Compares every input, `THREADS` at a time; results in input order.
fn compare_all(go: &Go, home: &Path, inputs: &[&Input]) -> Vec<Result<(), String>> {
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<Result<(), String>>> = (0..inputs.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(inp) = inputs.get(i) else { break };
                        done.push((i, compare(go, home, inp)));
                    }
                    done
                })
            })
            .collect();
        for w in workers {
            for (i, r) in w.join().unwrap_or_default() {
                results[i] = Some(r);
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("not compared (worker panicked)".into())))
        .collect()
}

/// Compares the inputs and reports one case per input. Files with the same kind and
/// content are compared once: the outcome does not depend on the file name, which
/// both sides print the same way.
fn tally(label: &str, go: &Go, home: &Path, inputs: &[Input]) -> usize {
    let mut first: HashMap<(bool, Vec<u8>), usize> = HashMap::new();
    let mut unique: Vec<&Input> = Vec::new();
    let mut group = Vec::with_capacity(inputs.len());
    for inp in inputs {
        let data = std::fs::read(inp.dir.join(&inp.name)).unwrap_or_default();
        let next = unique.len();
        let g = *first.entry((inp.work, data)).or_insert(next);
        if g == next {
            unique.push(inp);
        }
        group.push(g);
    }
    let results = compare_all(go, home, &unique);
    let mut t = Tally::new(label);
    for (inp, g) in inputs.iter().zip(group) {
        t.check(&inp.label, || results[g].clone());
    }
    eprintln!("{label}: {} files, {} distinct", inputs.len(), unique.len());
    let n = t.passed();
    t.finish();
    n
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn files_with(dir: &Path, pred: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| p.is_file() && p.file_name().is_some_and(|n| pred(&n.to_string_lossy())));
    out.sort();
    out
}

#[test]
fn modfile_go_diff_fixtures() {
    let test = "modfile_go_diff_fixtures";
    let (Some(go), Some(dir)) = (support::go(test), support::conformance(test, "modfile")) else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let fixture = |n: &str| n.ends_with(".in") || n.ends_with(".golden");
    let mut inputs: Vec<Input> = files_with(&dir, fixture)
        .iter()
        .map(|p| input(format!("modfile/{}", file_name(p)), p, false))
        .collect();
    inputs.extend(
        files_with(&dir.join("work"), fixture)
            .iter()
            .map(|p| input(format!("modfile/work/{}", file_name(p)), p, true)),
    );
    tally("go mod edit vs modfile fixtures", &go, home.path(), &inputs);
}

#[test]
fn modfile_go_diff_proxy_modules() {
    let test = "modfile_go_diff_proxy_modules";
    let (Some(go), Some(dir)) = (
        support::go(test),
        support::conformance(test, "proxy_modules"),
    ) else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    let mods = tempfile::tempdir().expect("tempdir");
    let mut inputs = Vec::new();
    for p in files_with(&dir, |_| true) {
        let data = std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()));
        let archive = txtar::Archive::parse(&data);
        let stem = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (k, f) in archive
            .files
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name == b".mod")
        {
            let path = mods.path().join(format!("{stem}.{k}.mod"));
            std::fs::write(&path, &f.data).expect("writing a .mod section");
            inputs.push(input(format!("{stem} .mod"), &path, false));
        }
    }
    tally(
        "go mod edit vs proxy_modules .mod",
        &go,
        home.path(),
        &inputs,
    );
}

/// Hand-written go.mod files that reach every directive rule and error message.
const EDGE_MODS: &[&str] = &[
    "",
    "module m",
    "module \"example.com/m\"\n",
    "module `example.com/m`\n",
    "module m\nmodule n\n",
    "module\n",
    "module a b\n",
    "module \"a\\qb\"\n",
    "module m\ngo 1.21\ngo 1.22\n",
    "module m\ngo\n",
    "module m\ngo v1.21\n",
    "module m\ngo 1.21.0 extra\n",
    "module m\ngo 1.21rc1\ntoolchain go1.21.0\ntoolchain default\n",
    "module m\ntoolchain local\n",
    "module m\ntoolchain\n",
    "module m\ngodebug x=1\ngodebug (\n\ty=2\n\tz\n)\n",
    "module m\ngodebug \"x=1\"\n",
    "module m\ngodebug a,b=1\n",
    "module m\nrequire example.com/a v1.2\nrequire example.com/b v1.0.0 // indirect\n",
    "module m\nrequire example.com/a\n",
    "module m\nrequire example.com/a v1.0.0 extra\n",
    "module m\nrequire example.com/a master\n",
    "module m\nrequire example.com/a v2.0.0\n",
    "module m\nrequire example.com/a/v2 v1.0.0\n",
    "module m\nrequire example.com/a/v2 v2.0.0+incompatible\n",
    "module m\nrequire example.com/a v2.0.0+incompatible\n",
    "module m\nrequire example.com/a/v0 v0.1.0\n",
    "module m\nrequire gopkg.in/yaml.v2 v2.4.0\nrequire gopkg.in/check.v1 v0.0.0-20161208181325-20d25e280405\n",
    "module m\nrequire gopkg.in/yaml.v2 v3.0.0\n",
    "module m\nrequire gopkg.in/yaml v1.0.0\n",
    "module m\nrequire \"example.com/a\" \"v1.0.0\"\n",
    "module m\nrequire example.com/a \"v1\\q\"\n",
    "module m\nrequire example.com/a 'v1'\n",
    "module m\nrequire \"example.com/a b\" v1.0.0\n",
    "module m\nrequire (\n\texample.com/a v1.0.0 // indirect; because\n\texample.com/b v1.0.0 //indirect\n\texample.com/c v1.0.0 // indirect for c\n)\n",
    "module m\nrequire (\n\texample.com/z v1.0.0\n\n\t// comment\n\texample.com/a v1.0.0\n)\n",
    "module m\nrequire (\n\texample.com/a v1.0.0\n)\n",
    "module m\nrequire (\n)\nexclude ()\n",
    "module m\nexclude example.com/a v1.0.0\nexclude example.com/a v1.0.0\nexclude (\n\texample.com/a v1.10.0\n\texample.com/a v1.9.0\n\texample.com/a v1.0.0\n)\n",
    "module m\ngo 1.21\nexclude (\n\texample.com/a v1.10.0\n\texample.com/a v1.9.0\n)\n",
    "module m\nexclude example.com/a\n",
    "module m\nreplace example.com/a => ../a\nreplace example.com/a => ../b\n",
    "module m\nreplace example.com/a v1.0.0 => example.com/b v1.1.0\n",
    "module m\nreplace example.com/a v1.0.0 => example.com/b\n",
    "module m\nreplace example.com/a => example.com/b@v1.0.0\n",
    "module m\nreplace example.com/a => ./b v1.0.0\n",
    "module m\nreplace example.com/a => C:\\b\n",
    "module m\nreplace example.com/a => .\\b\n",
    "module m\nreplace example.com/a\n",
    "module m\nreplace example.com/a v1 v2 => x\n",
    "module m\nreplace x/v0 => ../x\n",
    "module m\nreplace example.com/a v2.0.0 => ../x\n",
    "module m\nreplace (\n\texample.com/b => ../b\n\texample.com/a => ../a\n)\n",
    "module m\nretract v1.0.0\nretract [v1.0.0, v1.1.0]\nretract (\n\t// why\n\tv1.2.0\n\t[v1.3.0, v1.4.0] // because\n)\n",
    "module m\nretract\n",
    "module m\nretract (v1.0.0, v1.1.0]\n",
    "module m\nretract [\n",
    "module m\nretract [v1.0.0\n",
    "module m\nretract [v1.0.0,\n",
    "module m\nretract [v1.0.0, v1.1.0\n",
    "module m\nretract v1.0.0 v1.1.0\n",
    "module m\nretract \"a b\"\n",
    "module m\nretract not-a-version\n",
    "module m\nretract \"\\q\"\n",
    "retract v1.0.0\n",
    "module m\ntool example.com/a/cmd\ntool example.com/a/cmd\ntool (\n\texample.com/z\n\texample.com/b\n)\n",
    "module m\ntool\nignore a b\n",
    "module m\nignore ./vendor\nignore \"./x y\"\nignore ./vendor\n",
    "module m\nfoo bar\n",
    "module m\nfoo (\n\tbar\n)\n",
    "module m\nrequire x (\n)\n",
    "module m\ngo (\n\t1.21\n)\n",
    "module m\nuse ./x\n",
    "// Deprecated: use n\nmodule m\n",
    "// Deprecated: a\n// b\n//\n// c\nmodule m // trailing\n",
    "module m // Deprecated: <tag> & \u{2028} \"x\"\n",
    "module (\n\t// Deprecated: in block\n\tm\n)\n",
    "module m\n\n// free comment\n\nrequire example.com/a v1.0.0 // a\n// after\n",
    "module m\r\nrequire example.com/a v1.0.0\r\n",
    "module m\n/* block */\n",
    "module m\nrequire example.com/a v1.0.0/*x*/\n",
    "module m\nrequire \"example.com/a\n",
    "module m\nrequire \"example.com/a",
    "module m\nrequire (\n\texample.com/a v1.0.0\n",
    "module m\nrequire (\n\texample.com/a v1.0.0\n) x\n",
    "module m\n\u{b}\n",
    "module m\nrequire example.com/\u{e9} v1.0.0\n",
    "module m\nblock4 \"x\" ( ) \"y\"\nblock5 ( \"z\"\n",
    "  module m\n\trequire example.com/a v2\n",
    "module m\nrequire (\n\texample.com/a v2.0.0\n\texample.com/b\n)\nexclude example.com/c bad\n",
];

/// Hand-written go.work files.
const EDGE_WORKS: &[&str] = &[
    "",
    "go 1.21\nuse ./a\nuse (\n\t./c\n\t./b\n)\n",
    "go 1.21\ngo 1.22\n",
    "go v1.21.0\n",
    "toolchain go1.22.0\ntoolchain go1.22.1\n",
    "godebug x=1\ngodebug (\n\ty=2\n)\n",
    "use\n",
    "use a b\n",
    "use \"./a b\"\n",
    "replace example.com/a => ../a\nreplace example.com/a => ../b\n",
    "replace example.com/a v1.0 => example.com/b v1.1\n",
    "module m\n",
    "require example.com/a v1.0.0\n",
    "use (\n\t./a\n)\nfoo (\n)\n",
    "go 1.21\n// c\nuse ./a // x\n",
];

#[test]
fn modfile_go_diff_edge_cases() {
    let test = "modfile_go_diff_edge_cases";
    let Some(go) = support::go(test) else { return };
    let home = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let mut inputs = Vec::new();
    for (work, list) in [(false, EDGE_MODS), (true, EDGE_WORKS)] {
        for (i, text) in list.iter().enumerate() {
            let name = if work {
                format!("w{i}.work")
            } else {
                format!("m{i}.mod")
            };
            let path = files.path().join(&name);
            std::fs::write(&path, text).expect("writing an edge case");
            inputs.push(input(format!("{name} {text:?}"), &path, work));
        }
    }
    tally("go mod/work edit vs edge cases", &go, home.path(), &inputs);
}

/// Every `*.mod` file under `dir`, recursively.
fn mod_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.filter_map(|e| e.ok()) {
        let p = e.path();
        if p.is_dir() {
            mod_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "mod") {
            out.push(p);
        }
    }
}

#[test]
fn modfile_go_diff_real_gomods() {
    let test = "modfile_go_diff_real_gomods";
    let Some(go) = support::go(test) else { return };
    let dir = match std::env::var_os("GOMODFETCH_REAL_GOMODS") {
        Some(d) => PathBuf::from(d),
        None => support::repo_root().join("target/real-gomods/gopath/pkg/mod/cache/download"),
    };
    if !dir.is_dir() {
        support::skip(
            test,
            &format!(
                "no real go.mod files at {} (run tests/setup/real-gomods.sh)",
                dir.display()
            ),
        );
        return;
    }
    let mut paths = Vec::new();
    mod_files(&dir, &mut paths);
    paths.sort();
    let inputs: Vec<Input> = paths
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(&dir).unwrap_or(p);
            input(rel.display().to_string(), p, false)
        })
        .collect();
    let home = tempfile::tempdir().expect("tempdir");
    let n = tally(
        "go mod edit vs real go.mod files",
        &go,
        home.path(),
        &inputs,
    );
    assert!(
        n >= MIN_REAL,
        "only {n} real go.mod files compared (want at least {MIN_REAL})"
    );
}
