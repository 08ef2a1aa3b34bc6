//! `vectors/gover.json`: Go toolchain/language versions (`cmd/go/internal/gover`) and
//! the `go`/`toolchain` pseudo-modules.

use crate::support::{self, Tally, cases, str_of};
use gomodfetch::gover;
use gomodfetch::module::ModuleVersion;
use serde_json::Value;
use std::cmp::Ordering;

fn int_of(c: &Value, key: &str) -> i64 {
    c[key]
        .as_i64()
        .unwrap_or_else(|| panic!("vector has no integer field {key:?}: {c}"))
}

fn bool_of(c: &Value, key: &str) -> bool {
    c[key]
        .as_bool()
        .unwrap_or_else(|| panic!("vector has no bool field {key:?}: {c}"))
}

fn sign(o: Ordering) -> i64 {
    o as i64
}

/// The `mod_sort` notation: `path version` entries separated by `;` (Go's `mvl`).
fn module_list(s: &str) -> Vec<ModuleVersion> {
    s.split(';')
        .map(|f| {
            let f = f.trim();
            let (path, version) = f.split_once(' ').unwrap_or((f, ""));
            ModuleVersion::new(path, version)
        })
        .collect()
}

/// A `{"in": …, "out": …}` table of a string function.
fn string_table(v: &Value, table: &str, f: impl Fn(&str) -> String) {
    let mut t = Tally::new(format!("gover.json/{table}"));
    for c in cases(v, table) {
        let input = str_of(c, "in");
        t.eq(format!("{input:?}"), f(input), str_of(c, "out").to_string());
    }
    t.finish();
}

/// A `{"in": …, "out": bool}` table of a predicate.
fn bool_table(v: &Value, table: &str, f: impl Fn(&str) -> bool) {
    let mut t = Tally::new(format!("gover.json/{table}"));
    for c in cases(v, table) {
        let input = str_of(c, "in");
        t.eq(format!("{input:?}"), f(input), bool_of(c, "out"));
    }
    t.finish();
}

#[test]
fn gover_json() {
    let Some(v) = support::vectors("gover_json", "gover.json") else {
        return;
    };

    let mut t = Tally::new("gover.json/compare");
    for c in cases(&v, "compare") {
        let (a, b) = (str_of(c, "a"), str_of(c, "b"));
        let want = int_of(c, "cmp");
        t.check(format!("{a:?} vs {b:?}"), || {
            let (ab, ba) = (sign(gover::compare(a, b)), sign(gover::compare(b, a)));
            if (ab, ba) == (want, -want) {
                Ok(())
            } else {
                Err(format!(
                    "compare(a, b) = {ab}, compare(b, a) = {ba}, want {want}"
                ))
            }
        });
    }
    t.finish();

    string_table(&v, "lang", gover::lang);
    bool_table(&v, "is_lang", gover::is_lang);
    string_table(&v, "prev", gover::prev);
    bool_table(&v, "is_valid", gover::is_valid);
    string_table(&v, "from_toolchain", gover::from_toolchain);
    bool_table(&v, "is_toolchain_path", gover::is_toolchain);

    let mut t = Tally::new("gover.json/mod_compare");
    for c in cases(&v, "mod_compare") {
        let (path, a, b) = (str_of(c, "path"), str_of(c, "a"), str_of(c, "b"));
        t.eq(
            format!("{path} {a:?} vs {b:?}"),
            sign(gover::mod_compare(path, a, b)),
            int_of(c, "cmp"),
        );
    }
    t.finish();

    let mut t = Tally::new("gover.json/mod_is_valid");
    for c in cases(&v, "mod_is_valid") {
        let (path, version) = (str_of(c, "path"), str_of(c, "version"));
        t.eq(
            format!("{path} {version:?}"),
            gover::mod_is_valid(path, version),
            bool_of(c, "out"),
        );
    }
    t.finish();

    let mut t = Tally::new("gover.json/mod_sort");
    for c in cases(&v, "mod_sort") {
        let input = str_of(c, "in");
        let mut list = module_list(input);
        gover::mod_sort(&mut list);
        t.eq(input, list, module_list(str_of(c, "out")));
    }
    t.finish();
}
