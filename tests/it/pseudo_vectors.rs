//! `vectors/pseudo.json`: building and taking apart pseudo-versions
//! (`golang.org/x/mod/module/pseudo.go`).

use crate::support::{self, Tally, cases, str_of};
use gomodfetch::module;
use jiff::Timestamp;

#[test]
fn pseudo_json() {
    let Some(v) = support::vectors("pseudo_json", "pseudo.json") else {
        return;
    };

    let mut t = Tally::new("pseudo.json/pseudo_versions");
    for c in cases(&v, "pseudo_versions") {
        let (major, older, time, rev, version) = (
            str_of(c, "major"),
            str_of(c, "older"),
            str_of(c, "time"),
            str_of(c, "rev"),
            str_of(c, "version"),
        );
        t.check(version, || {
            let time: Timestamp = time.parse().map_err(|e| format!("bad time {time}: {e}"))?;
            let got = module::pseudo_version(major, older, time, rev);
            if got != version {
                return Err(format!("pseudo_version gave {got:?}"));
            }
            if !module::is_pseudo_version(version) {
                return Err("is_pseudo_version(version) is false".into());
            }
            if module::is_pseudo_version(older) {
                return Err("is_pseudo_version(older) is true".into());
            }
            match module::pseudo_version_time(version) {
                Ok(got) if got == time => {}
                got => return Err(format!("pseudo_version_time(version) gave {got:?}")),
            }
            if let Ok(got) = module::pseudo_version_time(older) {
                return Err(format!("pseudo_version_time(older) gave {got}"));
            }
            match module::pseudo_version_rev(version) {
                Ok(got) if got == rev => {}
                got => return Err(format!("pseudo_version_rev(version) gave {got:?}")),
            }
            if let Ok(got) = module::pseudo_version_rev(older) {
                return Err(format!("pseudo_version_rev(older) gave {got:?}"));
            }
            match module::pseudo_version_base(version) {
                Ok(got) if got == older => Ok(()),
                got => Err(format!("pseudo_version_base(version) gave {got:?}")),
            }
        });
    }
    t.finish();

    let mut t = Tally::new("pseudo.json/invalid_pseudo_base");
    for c in cases(&v, "invalid_pseudo_base") {
        let version = c.as_str().unwrap_or_else(|| panic!("not a string: {c}"));
        t.check(version, || match module::pseudo_version_base(version) {
            Ok(base) => Err(format!("accepted with base {base:?}")),
            Err(e) if e.to_string().is_empty() => Err("empty message".into()),
            Err(_) => Ok(()),
        });
    }
    t.finish();

    let mut t = Tally::new("pseudo.json/invalid_pseudo_time");
    for c in cases(&v, "invalid_pseudo_time") {
        let version = c.as_str().unwrap_or_else(|| panic!("not a string: {c}"));
        t.check(version, || match module::pseudo_version_time(version) {
            Ok(time) => Err(format!("accepted as {time}")),
            Err(_) => Ok(()),
        });
    }
    t.finish();

    for (table, f) in [
        ("inc_decimal", module::inc_decimal as fn(&str) -> String),
        ("dec_decimal", module::dec_decimal),
    ] {
        let mut t = Tally::new(format!("pseudo.json/{table}"));
        for c in cases(&v, table) {
            let input = str_of(c, "in");
            t.eq(format!("{input:?}"), f(input), str_of(c, "out").to_string());
        }
        t.finish();
    }
}
