//! Shared ground for the integration tests: where the conformance fixtures are, the
//! real `go` command in an isolated environment, and a tally that reports how many
//! cases of a vector file ran.
//!
//! Missing prerequisites (the fixtures in `../shared/conformance`, or `go` on PATH)
//! skip a test with a loud message on a developer machine, but fail it when `CI=true`,
//! so CI can never pass by skipping.

#![allow(dead_code)] // Each test module uses a different subset of these helpers.

use serde_json::Value;
use std::fmt::Display;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// A count from the environment variable `name` (a long run's knob), else `default`.
pub fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Whether we run under CI, where skipping is failing.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Reports a missing prerequisite: a loud skip locally, a failure in CI.
pub fn skip(test: &str, why: &str) {
    let msg = format!("SKIPPED {test}: {why}");
    if in_ci() {
        panic!("{msg} (CI=true: a missing prerequisite is a failure)");
    }
    eprintln!("\n{bar}\n{msg}\n{bar}\n", bar = "!".repeat(78));
    write_report(test, &format!("{msg}\n"));
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The conformance fixtures: `$GOMODFETCH_CONFORMANCE`, else `../shared/conformance`
/// next to the repository. `None` (after [`skip`]) when absent.
pub fn conformance_root(test: &str) -> Option<PathBuf> {
    let dir = match std::env::var_os("GOMODFETCH_CONFORMANCE") {
        Some(d) => PathBuf::from(d),
        None => repo_root().join("../shared/conformance"),
    };
    if dir.join("README.md").is_file() {
        Some(dir)
    } else {
        skip(
            test,
            &format!("conformance fixtures not found at {}", dir.display()),
        );
        None
    }
}

/// A path inside the conformance fixtures, e.g. `zip/create` or `modfile`.
pub fn conformance(test: &str, rel: &str) -> Option<PathBuf> {
    let p = conformance_root(test)?.join(rel);
    if p.exists() {
        Some(p)
    } else {
        skip(
            test,
            &format!("{} is missing from the conformance fixtures", p.display()),
        );
        None
    }
}

/// A vector file from `conformance/vectors`, parsed.
pub fn vectors(test: &str, file: &str) -> Option<Value> {
    let path = conformance(test, &format!("vectors/{file}"))?;
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    Some(
        serde_json::from_slice(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display())),
    )
}

/// The cases of a vector table (`obj[key]`), or an empty list when the key is absent.
pub fn cases<'a>(obj: &'a Value, key: &str) -> &'a [Value] {
    obj.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A string-or-bytes field following the vectors' conventions: `key` as a string,
/// `key_hex` as hex, or `key: {"hex": …}`.
pub fn bytes_field(obj: &Value, key: &str) -> Option<Vec<u8>> {
    if let Some(h) = obj.get(format!("{key}_hex")).and_then(Value::as_str) {
        return Some(decode_hex(h));
    }
    match obj.get(key)? {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Object(o) => o.get("hex").and_then(Value::as_str).map(decode_hex),
        _ => None,
    }
}

/// Like [`bytes_field`] but panics when the field is missing.
pub fn bytes_of(obj: &Value, key: &str) -> Vec<u8> {
    bytes_field(obj, key).unwrap_or_else(|| panic!("vector has no field {key:?}: {obj}"))
}

/// A string field; panics when missing.
pub fn str_of<'a>(obj: &'a Value, key: &str) -> &'a str {
    obj.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("vector has no string field {key:?}: {obj}"))
}

pub fn decode_hex(h: &str) -> Vec<u8> {
    assert!(h.len().is_multiple_of(2), "odd hex length: {h}");
    (0..h.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&h[i..i + 2], 16).unwrap_or_else(|e| panic!("bad hex {h}: {e}"))
        })
        .collect()
}

/// Counts the cases of one table and reports them. Every case runs even when an
/// earlier one fails or panics; `finish` fails the test if any failed or none ran.
pub struct Tally {
    label: String,
    passed: usize,
    failures: Vec<String>,
}

impl Tally {
    pub fn new(label: impl Into<String>) -> Tally {
        Tally {
            label: label.into(),
            passed: 0,
            failures: Vec::new(),
        }
    }

    /// Runs one case. `Err(why)` or a panic counts as a failure.
    pub fn check(&mut self, case: impl Display, f: impl FnOnce() -> Result<(), String>) {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(Ok(())) => self.passed += 1,
            Ok(Err(why)) => self.failures.push(format!("{case}: {why}")),
            Err(panic) => {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                self.failures.push(format!("{case}: panicked: {why}"));
            }
        }
    }

    /// Compares two values for a case.
    pub fn eq<T: PartialEq + std::fmt::Debug>(&mut self, case: impl Display, got: T, want: T) {
        self.check(case, || {
            if got == want {
                Ok(())
            } else {
                Err(format!("got {got:?}, want {want:?}"))
            }
        });
    }

    pub fn passed(&self) -> usize {
        self.passed
    }

    /// Prints and records the counts; panics on any failure or on zero cases.
    pub fn finish(self) {
        let total = self.passed + self.failures.len();
        let line = format!("{}: {} of {} passed\n", self.label, self.passed, total);
        eprint!("conformance {line}");
        write_report(&self.label, &line);
        assert!(total > 0, "{}: no cases ran", self.label);
        assert!(
            self.failures.is_empty(),
            "{}: {} of {} failed:\n  {}",
            self.label,
            self.failures.len(),
            total,
            self.failures.join("\n  ")
        );
    }
}

/// Prints a result worth keeping (a count, an observed protocol pattern) and records
/// it with the conformance report, so `.ci/run` shows it after the tests.
pub fn note(label: &str, text: &str) {
    eprintln!("{label}: {text}");
    write_report(label, &format!("{label}: {text}\n"));
}

/// Writes `<target tmp>/conformance-report/<label>.txt`; `.ci/run` prints them all
/// after the tests.
fn write_report(label: &str, line: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance-report");
    let _ = std::fs::create_dir_all(&dir);
    let name: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let _ = std::fs::write(dir.join(format!("{name}.txt")), line);
}

pub mod oracle;

pub use gomodfetch::testkit::gocmd::{Go, Sandbox};

/// Finds the real `go` (`$GOMODFETCH_GO`, else PATH). `None` after [`skip`] when
/// absent. Run it in a [`Sandbox`] (see [`sandbox`]).
pub fn go(test: &str) -> Option<Go> {
    match Go::find() {
        Ok(go) => Some(go),
        Err(why) => {
            skip(test, &why.to_string());
            None
        }
    }
}

/// A fresh isolated environment for `go` (and our binary): a temporary GOPATH,
/// module cache, build cache and HOME, no env file, no network (`GOPROXY=off`), no
/// checksum database, no toolchain switching, and `GOFLAGS=-modcacherw`. Tests change
/// single settings through its setters; see `gomodfetch::testkit::gocmd::Sandbox`.
pub fn sandbox() -> Sandbox {
    let mut sb = Sandbox::new().unwrap_or_else(|e| panic!("creating a sandbox: {e}"));
    sb.modcacherw(true);
    sb
}

/// The served fixture modules as `path@version` arguments, in `proxy_modules.json`
/// order, and the directory of their txtar files. `None` after a skip.
pub fn served_fixtures(test: &str) -> Option<(PathBuf, Vec<String>)> {
    let dir = conformance(test, "proxy_modules")?;
    let json = conformance(test, "proxy_modules.json")?;
    let doc: Value = serde_json::from_slice(&std::fs::read(&json).expect("read")).expect("parse");
    let args = cases(&doc, "modules")
        .iter()
        .filter(|m| m["served"].as_bool() == Some(true))
        .map(|m| format!("{}@{}", str_of(m, "path"), str_of(m, "version")))
        .collect();
    Some((dir, args))
}
