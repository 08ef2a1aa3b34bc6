//! `vectors/modfile.json`: quick module-path extraction, strict and lax `go` and
//! `toolchain` lines, tokenization, lax tolerance, retract rationales, deprecation
//! messages, version fixing and the editing API's version validation of
//! `golang.org/x/mod/modfile`.

use crate::support::{self, Tally, bytes_field, bytes_of, cases, str_of};
use gomodfetch::modfile::{self, FixError, Stmt, VersionInterval};
use serde_json::Value;

fn bool_of(c: &Value, key: &str) -> bool {
    c[key]
        .as_bool()
        .unwrap_or_else(|| panic!("vector has no bool field {key:?}: {c}"))
}

/// The case's label: its `desc` when it has one, else its input.
fn label(c: &Value, input: &str) -> String {
    match c.get("desc").and_then(Value::as_str) {
        Some(d) => format!("{d} {input:?}"),
        None => format!("{input:?}"),
    }
}

/// The fixer of Go's `TestFixVersion` as `fix_version_fixer` describes it.
fn fix_v(path: &str, vers: &str) -> Result<String, FixError> {
    if path == "example.com/m" {
        Ok(format!("v{vers}"))
    } else {
        Err(FixError::Other("module path must be example.com/m".into()))
    }
}

/// The tokens of every statement, with a block written as `<tokens> ( <lines> )`.
fn tokens(f: &modfile::FileSyntax) -> String {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for s in &f.stmt {
        match s {
            Stmt::Line(l) => out.extend(l.token.iter().cloned()),
            Stmt::Block(b) => {
                out.extend(b.token.iter().cloned());
                out.push(b"(".to_vec());
                for l in &b.line {
                    out.extend(l.token.iter().cloned());
                }
                out.push(b")".to_vec());
            }
            Stmt::Comments(_) => {}
        }
    }
    String::from_utf8_lossy(&out.join(&b' ')).into_owned()
}

#[test]
fn modfile_json() {
    let Some(v) = support::vectors("modfile_json", "modfile.json") else {
        return;
    };

    let mut t = Tally::new("modfile.json/module_path");
    for c in cases(&v, "module_path") {
        let input = bytes_of(c, "input");
        let want = str_of(c, "expected").to_string();
        t.eq(
            label(c, &String::from_utf8_lossy(&input)),
            modfile::module_path(&input),
            want,
        );
    }
    t.finish();

    // As in Go's TestParseVersions, `lax_ok` only relaxes: lax parsing must fail when
    // both flags are false and succeed when `strict_ok` is true; with `lax_ok` alone
    // either outcome is allowed (the table has `go v1.2` once with each flag, and Go's
    // lax regexp does reject it).
    let mut t = Tally::new("modfile.json/parse_versions");
    for c in cases(&v, "parse_versions") {
        let input = bytes_of(c, "input");
        t.check(label(c, &String::from_utf8_lossy(&input)), || {
            let (strict_ok, lax_ok) = (bool_of(c, "strict_ok"), bool_of(c, "lax_ok"));
            let strict = modfile::parse("go.mod", &input, None);
            if strict.is_ok() != strict_ok {
                return Err(format!("strict: got {strict:?}, want ok={strict_ok}"));
            }
            let lax = modfile::parse_lax("go.mod", &input);
            if lax.is_ok() && !(strict_ok || lax_ok) {
                return Err("lax: unexpected success".into());
            }
            if let Err(e) = lax
                && strict_ok
            {
                return Err(format!("lax: unexpected error: {e}"));
            }
            Ok(())
        });
    }
    t.finish();

    let mut t = Tally::new("modfile.json/punctuation_tokens");
    for c in cases(&v, "punctuation_tokens") {
        let src = bytes_of(c, "src");
        t.check(label(c, &String::from_utf8_lossy(&src)), || {
            let f = modfile::parse_syntax("go.mod", &src).map_err(|e| e.to_string())?;
            let got = tokens(&f);
            let want = str_of(c, "tokens");
            if got == want {
                Ok(())
            } else {
                Err(format!("got {got:?}, want {want:?}"))
            }
        });
    }
    t.finish();

    let mut t = Tally::new("modfile.json/parse_lax_tolerates");
    for c in cases(&v, "parse_lax_tolerates") {
        let input = bytes_of(c, "input");
        t.check(label(c, ""), || {
            let f = modfile::parse_lax("file", &input).map_err(|e| format!("ParseLax: {e}"))?;
            let module = f.module.as_ref().map(|m| m.path.clone());
            let want_module = c.get("module").and_then(Value::as_str).map(str::to_string);
            if module != want_module {
                return Err(format!("module: got {module:?}, want {want_module:?}"));
            }
            let requires: Vec<String> = f
                .require
                .iter()
                .map(|r| format!("{} {}", r.module.path, r.module.version))
                .collect();
            let want: Vec<String> = cases(c, "requires")
                .iter()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect();
            if requires != want {
                return Err(format!("requires: got {requires:?}, want {want:?}"));
            }
            Ok(())
        });
    }
    t.finish();

    let mut t = Tally::new("modfile.json/retract_rationale");
    for c in cases(&v, "retract_rationale") {
        let input = bytes_of(c, "in");
        t.check(label(c, ""), || {
            let f = modfile::parse("in", &input, None).map_err(|e| e.to_string())?;
            let [r] = f.retract.as_slice() else {
                return Err(format!("want 1 retract, got {}", f.retract.len()));
            };
            let want = str_of(c, "want");
            if r.rationale == want {
                Ok(())
            } else {
                Err(format!("got {:?}, want {want:?}", r.rationale))
            }
        });
    }
    t.finish();

    let mut t = Tally::new("modfile.json/module_deprecated");
    for c in cases(&v, "module_deprecated") {
        let input = bytes_of(c, "in");
        t.check(label(c, ""), || {
            let f = modfile::parse("in", &input, None).map_err(|e| e.to_string())?;
            let got = f.module.map(|m| m.deprecated).unwrap_or_default();
            let want = str_of(c, "want");
            if got == want {
                Ok(())
            } else {
                Err(format!("got {got:?}, want {want:?}"))
            }
        });
    }
    t.finish();

    let mut t = Tally::new("modfile.json/fix_version");
    for c in cases(&v, "fix_version") {
        let input = bytes_of(c, "in");
        t.check(label(c, ""), || {
            let got = modfile::parse("in", &input, Some(&mut fix_v));
            if let Some(want_err) = c.get("want_error_contains").and_then(Value::as_str) {
                return match got {
                    Ok(_) => Err(format!("parsed; want an error containing {want_err:?}")),
                    Err(e) if e.to_string().contains(want_err) => Ok(()),
                    Err(e) => Err(format!(
                        "error {:?} does not contain {want_err:?}",
                        e.to_string()
                    )),
                };
            }
            let got = got.map_err(|e| format!("unexpected error: {e}"))?.format();
            let want =
                bytes_field(c, "want").ok_or("vector has neither want nor want_error_contains")?;
            let want = modfile::parse("out", &want, None)
                .map_err(|e| format!("parsing want: {e}"))?
                .format();
            if got == want {
                Ok(())
            } else {
                Err(format!(
                    "got\n{}\nwant\n{}",
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(&want)
                ))
            }
        });
    }
    t.finish();

    let mut t = Tally::new("modfile.json/add_retract_validate_version");
    for c in cases(&v, "add_retract_validate_version") {
        t.check(label(c, ""), || {
            let mut f = modfile::File::default();
            let path = str_of(c, "module_path");
            if !path.is_empty() {
                f.add_module_stmt(path);
            }
            let vi = VersionInterval {
                low: str_of(c, "low").to_string(),
                high: str_of(c, "high").to_string(),
            };
            expect_error(f.add_retract(&vi, ""), str_of(c, "error"))
        });
    }
    t.finish();

    let mut t = Tally::new("modfile.json/add_exclude_validate_version");
    for c in cases(&v, "add_exclude_validate_version") {
        t.check(label(c, ""), || {
            let mut f = modfile::File::default();
            let r = f.add_exclude(str_of(c, "path"), str_of(c, "version"));
            expect_error(r, str_of(c, "error"))
        });
    }
    t.finish();
}

fn expect_error(r: Result<(), modfile::Error>, want: &str) -> Result<(), String> {
    match r {
        Ok(()) => Err(format!("no error; want {want:?}")),
        Err(e) if e.to_string() == want => Ok(()),
        Err(e) => Err(format!("got error {:?}, want {want:?}", e.to_string())),
    }
}
