//! Semantic versions (Go's `golang.org/x/mod/semver`) and the module path and version
//! checks built on them (`golang.org/x/mod/module`). The input is up to three strings
//! separated by `\n`. No input panics, and:
//! - `canonical` is "" exactly for invalid versions, is idempotent, gives a valid
//!   version equal to the input under `compare`, and keeps the prerelease;
//! - `major` and `major_minor` of a valid version are valid prefixes of its precedence;
//! - `compare` is antisymmetric and, with `by_version`, transitive; `max` is the
//!   canonical form of one of its arguments and no less than either;
//! - a valid module path escapes and unescapes to itself, and so does a version that
//!   escapes; `split_path_version` splits a path into a prefix and a suffix that join
//!   back to it.

#![no_main]

use gomodfetch::module;
use gomodfetch::semver::{self, by_version, canonical, compare, is_valid, major, major_minor};
use libfuzzer_sys::fuzz_target;
use std::cmp::Ordering;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\n');
    let v = parts.next().unwrap_or("");
    let w = parts.next().unwrap_or("");
    let x = parts.next().unwrap_or("");
    for s in [v, w, x] {
        one_version(s);
        module_checks(s);
    }

    assert_eq!(compare(v, w), compare(w, v).reverse(), "{v:?} {w:?}");
    assert_eq!(by_version(v, w), by_version(w, v).reverse(), "{v:?} {w:?}");
    for cmp in [compare, by_version] {
        if cmp(v, w) != Ordering::Greater && cmp(w, x) != Ordering::Greater {
            assert_ne!(cmp(v, x), Ordering::Greater, "{v:?} {w:?} {x:?}");
        }
    }
    let m = semver::max(v, w);
    assert!(
        m == canonical(v) || m == canonical(w),
        "max({v:?}, {w:?}) = {m:?}"
    );
    assert_ne!(compare(&m, v), Ordering::Less);
    assert_ne!(compare(&m, w), Ordering::Less);

    let _ = module::check(v, w);
    let _ = module::check_path_major(v, w);
    let _ = module::match_path_major(v, w);
});

fn one_version(v: &str) {
    let c = canonical(v);
    assert_eq!(c.is_empty(), !is_valid(v), "{v:?}");
    if c.is_empty() {
        assert_eq!(major(v), "");
        assert_eq!(major_minor(v), "");
        assert_eq!(semver::prerelease(v), "");
        assert_eq!(semver::build(v), "");
        return;
    }
    assert_eq!(canonical(&c), c, "{v:?}");
    assert_eq!(compare(v, &c), Ordering::Equal, "{v:?}");
    assert_eq!(semver::build(&c), "");
    assert_eq!(semver::prerelease(&c), semver::prerelease(v));
    assert!(v.ends_with(semver::build(v)));
    let (mj, mm) = (major(v), major_minor(v));
    assert!(is_valid(mj) && is_valid(&mm), "{v:?}: {mj:?} {mm:?}");
    assert!(
        v.starts_with(mj) && c.starts_with(&mm),
        "{v:?}: {mj:?} {mm:?}"
    );
    // v1.2.3-pre sorts below v1.2.3 but above v1.2 (= v1.2.0) only without prerelease.
    if semver::prerelease(v).is_empty() {
        assert_ne!(compare(v, &mm), Ordering::Less);
        assert_ne!(compare(&mm, mj), Ordering::Less);
    }
}

fn module_checks(s: &str) {
    if module::check_path(s).is_ok() {
        let e = module::escape_path(s).expect("a valid path escapes");
        assert_eq!(module::unescape_path(&e).as_deref(), Ok(s));
    }
    if let Ok(e) = module::escape_version(s) {
        assert_eq!(module::unescape_version(&e).as_deref(), Ok(s));
    }
    if let Some((prefix, major)) = module::split_path_version(s) {
        assert_eq!(format!("{prefix}{major}"), s);
    }
    let _ = module::check_import_path(s);
    let _ = module::check_file_path(s);
    let _ = module::unescape_path(s);
    let _ = module::unescape_version(s);
    let _ = module::canonical_version(s);
    if module::is_pseudo_version(s) {
        let _ = module::pseudo_version_time(s);
        let _ = module::pseudo_version_rev(s);
        let _ = module::pseudo_version_base(s);
    }
}
