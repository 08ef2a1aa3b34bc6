//! `vectors/module_paths.json`: path validity, path/version agreement, major-version
//! suffixes, case escaping and GOPRIVATE-style prefix globs of
//! `golang.org/x/mod/module`.

use crate::support::{self, Tally, bytes_of, cases, str_of};
use gomodfetch::module;
use serde_json::Value;

fn bool_of(c: &Value, key: &str) -> bool {
    c[key]
        .as_bool()
        .unwrap_or_else(|| panic!("vector has no bool field {key:?}: {c}"))
}

/// The validity of `path` (which may not be UTF-8) under one checker; like Go, a path
/// that is not UTF-8 is invalid for every kind.
fn valid_as(path: &[u8], check: fn(&str) -> Result<(), module::Error>) -> bool {
    std::str::from_utf8(path).is_ok_and(|s| check(s).is_ok())
}

#[test]
fn module_paths_json() {
    let Some(v) = support::vectors("module_paths_json", "module_paths.json") else {
        return;
    };

    let mut t = Tally::new("module_paths.json/check_path");
    for c in cases(&v, "check_path") {
        let path = bytes_of(c, "path");
        t.check(gomodfetch::gostr::quote(&path), || {
            let got = (
                module::check_path_bytes(&path).is_ok(),
                valid_as(&path, module::check_import_path),
                module::check_file_path_bytes(&path).is_ok(),
            );
            let want = (
                bool_of(c, "module_ok"),
                bool_of(c, "import_ok"),
                bool_of(c, "file_ok"),
            );
            if got != want {
                return Err(format!(
                    "(module, import, file) ok: got {got:?}, want {want:?}"
                ));
            }
            // A path that is not UTF-8 cannot even be passed to the &str functions
            // below, which is how Rust enforces what Go checks at run time.
            let Ok(path) = std::str::from_utf8(&path) else {
                return Ok(());
            };
            if !want.0 {
                if let Ok(e) = module::escape_path(path) {
                    return Err(format!("escape_path of an invalid path gave {e:?}"));
                }
                if let Ok(u) = module::unescape_path(path) {
                    return Err(format!("unescape_path of an invalid path gave {u:?}"));
                }
            }
            let (prefix, major) = module::split_path_version(path).unwrap_or((path, ""));
            if format!("{prefix}{major}") != path {
                return Err(format!("split_path_version gave {prefix:?} + {major:?}"));
            }
            Ok(())
        });
    }
    t.finish();

    let mut t = Tally::new("module_paths.json/check_module_version");
    for c in cases(&v, "check_module_version") {
        let (path, version) = (str_of(c, "path"), str_of(c, "version"));
        t.check(format!("{path}@{version}"), || {
            let got = module::check(path, version);
            match (got, bool_of(c, "ok")) {
                (Ok(()), true) => Ok(()),
                (Err(e), false) if e.to_string().is_empty() => Err("empty message".into()),
                (Err(_), false) => Ok(()),
                (got, _) => Err(format!("got {got:?}")),
            }
        });
    }
    t.finish();

    let mut t = Tally::new("module_paths.json/split_path_version");
    for c in cases(&v, "split_path_version") {
        let input = str_of(c, "input");
        let got = module::split_path_version(input);
        let want = bool_of(c, "ok").then(|| (str_of(c, "prefix"), str_of(c, "path_major")));
        t.eq(input, got, want);
    }
    t.finish();

    let mut t = Tally::new("module_paths.json/escape");
    for c in cases(&v, "escape") {
        let (path, escaped) = (str_of(c, "path"), str_of(c, "escaped"));
        t.check(path, || {
            let e = module::escape_path(path).map_err(|e| format!("escape: {e}"))?;
            if e != escaped {
                return Err(format!("escape gave {e:?}, want {escaped:?}"));
            }
            let u = module::unescape_path(escaped).map_err(|e| format!("unescape: {e}"))?;
            if u != path {
                return Err(format!("unescape gave {u:?}, want {path:?}"));
            }
            Ok(())
        });
    }
    t.finish();

    let mut t = Tally::new("module_paths.json/unescape_invalid");
    for c in cases(&v, "unescape_invalid") {
        let escaped = c.as_str().unwrap_or_else(|| panic!("not a string: {c}"));
        t.check(escaped, || match module::unescape_path(escaped) {
            Ok(p) => Err(format!("accepted as {p:?}")),
            Err(_) => Ok(()),
        });
    }
    t.finish();

    let mut t = Tally::new("module_paths.json/match_path_major");
    for c in cases(&v, "match_path_major") {
        let (version, major) = (str_of(c, "version"), str_of(c, "path_major"));
        t.eq(
            format!("{version} {major:?}"),
            module::match_path_major(version, major),
            bool_of(c, "match"),
        );
    }
    t.finish();

    let mut t = Tally::new("module_paths.json/match_prefix_patterns");
    for c in cases(&v, "match_prefix_patterns") {
        let (globs, target) = (str_of(c, "globs"), str_of(c, "target"));
        t.eq(
            format!("{globs:?} {target:?}"),
            module::match_prefix_patterns(globs, target),
            bool_of(c, "match"),
        );
    }
    t.finish();
}
