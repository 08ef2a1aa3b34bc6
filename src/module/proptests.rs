//! Property tests for semver and the module layer: nothing panics on any input, and the
//! algebra Go's callers rely on holds (canonical forms are fixed points, comparison is a
//! total preorder consistent with sorting, escaping round-trips, the path checks nest).

use super::*;
use crate::semver;
use proptest::prelude::*;
use std::cmp::Ordering;

/// Strings shaped like versions, so that many are valid and the rest fail late.
fn version_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "v(0|[1-9][0-9]{0,3}|0[0-9])(\\.(0|[1-9][0-9]{0,2}|01)){0,2}(-[0-9A-Za-z.-]{0,8})?(\\+[0-9A-Za-z.-]{0,8})?",
        "v[0-9]\\.[0-9]\\.[0-9](-(pre|rc|0|1|01|a)(\\.(0|1|[a-z]+)){0,2})?(\\+incompatible)?",
        ".{0,12}",
    ]
}

/// Strings shaped like module paths.
fn path_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9.-]{1,8}\\.[a-z]{1,3}(/[A-Za-z0-9._~-]{1,6}){0,3}(/v[0-9]{1,2})?",
        "gopkg\\.in/[a-zA-Z.]{1,6}\\.v[0-9]{1,2}(-unstable)?",
        "[A-Za-z0-9./!~+_-]{0,16}",
        ".{0,16}",
    ]
}

proptest! {
    #[test]
    fn semver_never_panics_and_is_consistent(v in version_like()) {
        let c = semver::canonical(&v);
        prop_assert_eq!(semver::is_valid(&v), !c.is_empty());
        prop_assert_eq!(semver::canonical(&c), c.clone());
        let _ = (semver::major(&v), semver::major_minor(&v), semver::prerelease(&v), semver::build(&v));
        if semver::is_valid(&v) {
            prop_assert_eq!(semver::compare(&v, &c), Ordering::Equal);
            prop_assert!(semver::is_valid(&c));
        }
        let cv = canonical_version(&v);
        prop_assert_eq!(canonical_version(&cv), cv);
    }

    #[test]
    fn semver_compare_is_a_total_preorder(a in version_like(), b in version_like(), c in version_like()) {
        let ab = semver::compare(&a, &b);
        prop_assert_eq!(ab, semver::compare(&b, &a).reverse());
        prop_assert_eq!(semver::compare(&a, &a), Ordering::Equal);
        if ab != Ordering::Greater && semver::compare(&b, &c) != Ordering::Greater {
            prop_assert_ne!(semver::compare(&a, &c), Ordering::Greater);
        }
        let mut list = vec![a, b, c];
        semver::sort(&mut list);
        for w in list.windows(2) {
            prop_assert_ne!(semver::compare(&w[0], &w[1]), Ordering::Greater);
            prop_assert_ne!(semver::by_version(&w[0], &w[1]), Ordering::Greater);
        }
    }

    #[test]
    fn path_checks_never_panic_and_nest(p in path_like()) {
        let module_ok = check_path(&p).is_ok();
        let import_ok = check_import_path(&p).is_ok();
        let file_ok = check_file_path(&p).is_ok();
        // Every module path is an import path, and every import path a file path.
        prop_assert!(!module_ok || import_ok);
        prop_assert!(!import_ok || file_ok);
        let (prefix, major) = split_path_version(&p).unwrap_or((&p, ""));
        prop_assert_eq!(format!("{prefix}{major}"), p.clone());
        let _ = path_major_prefix(major);
    }

    #[test]
    fn byte_path_checks_never_panic(b in proptest::collection::vec(any::<u8>(), 0..24)) {
        let m = check_path_bytes(&b);
        let f = check_file_path_bytes(&b);
        if std::str::from_utf8(&b).is_err() {
            prop_assert!(m.unwrap_err().to_string().ends_with(": invalid UTF-8"));
            prop_assert!(f.unwrap_err().to_string().ends_with(": invalid UTF-8"));
        }
    }

    #[test]
    fn escaping_round_trips(p in path_like(), v in version_like()) {
        match escape_path(&p) {
            Ok(e) => {
                prop_assert!(check_path(&p).is_ok());
                prop_assert!(!e.bytes().any(|b| b.is_ascii_uppercase()));
                prop_assert_eq!(unescape_path(&e).ok(), Some(p.clone()));
            }
            Err(_) => prop_assert!(check_path(&p).is_err()),
        }
        // Escaped forms are canonical: whatever unescapes escapes back to itself.
        if let Ok(u) = unescape_path(&p) {
            prop_assert_eq!(escape_path(&u).ok(), Some(p.clone()));
        }
        if let Ok(e) = escape_version(&v) {
            prop_assert_eq!(unescape_version(&e).ok(), Some(v.clone()));
        }
        if let Ok(u) = unescape_version(&v) {
            prop_assert_eq!(escape_version(&u).ok(), Some(v.clone()));
        }
    }

    #[test]
    fn check_implies_its_parts(p in path_like(), v in version_like()) {
        if check(&p, &v).is_ok() {
            prop_assert!(check_path(&p).is_ok());
            prop_assert!(semver::is_valid(&v));
        }
    }

    #[test]
    fn prefix_patterns_never_panic(globs in "[a-z*?\\[\\]^\\\\,/.-]{0,12}", target in path_like()) {
        let _ = match_prefix_patterns(&globs, &target);
        // Every target matches its own first element (when that is a plain word).
        if let Some(first) = target.split('/').next()
            && !first.is_empty()
            && first.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
        {
            prop_assert!(match_prefix_patterns(first, &target));
        }
    }

    #[test]
    fn pseudo_versions_take_apart(
        older in version_like(),
        major in "v(0|[1-9][0-9]?)",
        secs in -62_135_596_800i64..253_402_300_800,
        rev in "[0-9a-zA-Z]{1,12}",
    ) {
        let t = jiff::Timestamp::from_second(secs).expect("in range");
        let v = pseudo_version(&major, &older, t, &rev);
        prop_assert!(is_pseudo_version(&v), "{}", v);
        prop_assert_eq!(pseudo_version_rev(&v).ok(), Some(rev.as_str()));
        prop_assert_eq!(pseudo_version_time(&v).ok(), Some(t));
        let base = pseudo_version_base(&v);
        let canonical = semver::canonical(&older);
        if canonical.is_empty() {
            prop_assert_eq!(base.ok(), Some(String::new()));
            prop_assert_eq!(semver::major(&v), major.as_str());
        } else {
            prop_assert_eq!(base.ok(), Some(format!("{canonical}{}", semver::build(&older))));
            prop_assert_eq!(semver::compare(&v, &older), Ordering::Greater);
        }
        prop_assert!(!is_zero_pseudo_version(&v) || secs == -62_135_596_800);
    }

    #[test]
    fn pseudo_parsers_never_panic(v in version_like()) {
        let (time, rev, base) = (pseudo_version_time(&v), pseudo_version_rev(&v), pseudo_version_base(&v));
        if !is_pseudo_version(&v) {
            prop_assert!(time.is_err() && rev.is_err() && base.is_err());
        }
        let _ = is_zero_pseudo_version(&v);
    }

    #[test]
    fn decimals_invert(n in 0u128..10_000_000_000_000_000_000_000) {
        let d = n.to_string();
        prop_assert_eq!(inc_decimal(&d), (n + 1).to_string());
        prop_assert_eq!(dec_decimal(&inc_decimal(&d)), d.clone());
        let want = if n == 0 { String::new() } else { (n - 1).to_string() };
        prop_assert_eq!(dec_decimal(&d), want);
    }

    #[test]
    fn decimals_never_panic(s in ".{0,6}") {
        let _ = (inc_decimal(&s), dec_decimal(&s));
    }
}
