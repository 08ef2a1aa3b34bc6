//! Go toolchain and language versions as written on go.mod `go` and `toolchain` lines
//! (`cmd/go/internal/gover` over `internal/gover`, and [`go_version`] for the standard
//! library's `go/version` API over `go`-prefixed names).
//!
//! These are not semver: there is no `v`, prereleases are spelled `1.21rc1`, and since
//! Go 1.21 the bare `1.N` is the *language* version, ordered before every release of
//! it (`1.21 < 1.21rc1 < 1.21.0`), while for older versions `1.N` means `1.N.0`.
//! Numbers are compared as decimal strings of any length, never parsed into integers,
//! so nothing overflows. As in semver, malformed versions are not errors here: they
//! compare equal to each other and below every valid version.
//!
//! The `go` and `toolchain` pseudo-modules of the module graph use these rules instead
//! of semver; see [`mod_compare`] and its siblings.

pub mod go_version;
mod modules;

pub use modules::{
    from_toolchain, is_toolchain, mod_compare, mod_is_prefix, mod_is_prerelease, mod_is_valid,
    mod_major_minor, mod_sort,
};

use std::cmp::Ordering;

/// The go version assumed for a go.mod without a `go` line (Go's
/// `gover.DefaultGoModVersion`; it must stay 1.16, before graph pruning).
pub const DEFAULT_GO_MOD_VERSION: &str = "1.16";
/// The go version assumed for a go.work without a `go` line.
pub const DEFAULT_GO_WORK_VERSION: &str = "1.18";
/// From this version on, module graphs are pruned (go.mod lists every module that
/// provides an imported package).
pub const EXPLICIT_INDIRECT_VERSION: &str = "1.17";
/// From this version on, `go` lines are strict: a module needs a Go at least that new.
pub const GO_STRICT_VERSION: &str = "1.21";

/// A parsed Go version `major[.minor[.patch]][kind[pre]]`. The numbers stay decimal
/// strings; a missing minor or patch that Go treats as `0` is filled in as `"0"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Version<'a> {
    pub major: &'a str,
    /// Decimal or `""` (a 1.21+ language version has no patch; see [`is_lang`]).
    pub minor: &'a str,
    pub patch: &'a str,
    /// `""`, `alpha`, `beta`, `rc`, or any lower-case word (`1.999testmod`).
    pub kind: &'a str,
    pub pre: &'a str,
}

impl<'a> Version<'a> {
    /// Go's `gover.Parse`: `None` for a malformed version (Go's zero `Version`).
    pub fn parse(x: &'a str) -> Option<Version<'a>> {
        let mut v = Version::default();
        let (major, x) = cut_int(x)?;
        v.major = major;
        if x.is_empty() {
            v.minor = "0";
            v.patch = "0";
            return Some(v);
        }
        let (minor, x) = cut_int(x.strip_prefix('.')?)?;
        v.minor = minor;
        if x.is_empty() {
            // Before 1.21, `1.N` is `1.N.0`; from 1.21 on it is the language version.
            if cmp_int(minor, "21") == Ordering::Less {
                v.patch = "0";
            }
            return Some(v);
        }
        if let Some(rest) = x.strip_prefix('.') {
            // Patch releases have no prereleases.
            let (patch, rest) = cut_int(rest)?;
            v.patch = patch;
            return rest.is_empty().then_some(v);
        }
        let letters = x.bytes().take_while(|b| !b.is_ascii_digit()).count();
        let (kind, x) = x.split_at(letters);
        if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        v.kind = kind;
        if x.is_empty() {
            return Some(v);
        }
        let (pre, rest) = cut_int(x)?;
        v.pre = pre;
        rest.is_empty().then_some(v)
    }
}

/// A leading decimal number without superfluous leading zeros, and the rest.
fn cut_int(x: &str) -> Option<(&str, &str)> {
    let n = x.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || (n > 1 && x.starts_with('0')) {
        return None;
    }
    Some(x.split_at(n))
}

fn parse_or_zero(x: &str) -> Version<'_> {
    Version::parse(x).unwrap_or_default()
}

/// Go's `gover.CmpInt`: compares decimal strings (without leading zeros) by value.
pub fn cmp_int(x: &str, y: &str) -> Ordering {
    x.len().cmp(&y.len()).then_with(|| x.cmp(y))
}

/// Go's `gover.DecInt`: the decimal minus one, or `""` for zero.
pub fn dec_int(decimal: &str) -> String {
    crate::module::dec_decimal(decimal)
}

/// `gover.Compare` of versions like `1.21`, `1.21rc1`, `1.21.0` (no `go` prefix).
pub fn compare(x: &str, y: &str) -> Ordering {
    let (a, b) = (parse_or_zero(x), parse_or_zero(y));
    cmp_int(a.major, b.major)
        .then_with(|| cmp_int(a.minor, b.minor))
        .then_with(|| cmp_int(a.patch, b.patch))
        // "" < alpha < beta < rc: plain string order.
        .then_with(|| a.kind.cmp(b.kind))
        .then_with(|| cmp_int(a.pre, b.pre))
}

/// `gover.Max`: the larger of `x` and `y`; `x` when they compare equal.
pub fn max<'a>(x: &'a str, y: &'a str) -> &'a str {
    if compare(x, y) == Ordering::Less {
        y
    } else {
        x
    }
}

/// `gover.IsLang`: whether `x` names a language version (`1.21`) rather than a
/// release. Only 1.21 and later have language versions distinct from releases.
pub fn is_lang(x: &str) -> bool {
    Version::parse(x).is_some_and(|v| v.patch.is_empty() && v.kind.is_empty() && v.pre.is_empty())
}

/// `gover.Lang`: the language version (`1.21.3` → `1.21`, `1.0.2` → `1`); `""` for a
/// malformed version.
pub fn lang(x: &str) -> String {
    let v = parse_or_zero(x);
    if v.minor.is_empty() || (v.major == "1" && v.minor == "0") {
        return v.major.to_string();
    }
    format!("{}.{}", v.major, v.minor)
}

/// `gover.IsPrerelease`: whether `x` is an alpha, beta, rc (or other named) release.
pub fn is_prerelease(x: &str) -> bool {
    !parse_or_zero(x).kind.is_empty()
}

/// `gover.Prev`: the major release before `x` (`1.3rc4` → `1.2`), or `x`'s major when
/// there is none (`1`, `1.1` → `1`; malformed → `""`).
pub fn prev(x: &str) -> String {
    let v = parse_or_zero(x);
    if cmp_int(v.minor, "1") != Ordering::Greater {
        return v.major.to_string();
    }
    format!("{}.{}", v.major, dec_int(v.minor))
}

/// `gover.IsValid`.
pub fn is_valid(x: &str) -> bool {
    Version::parse(x).is_some()
}

/// Go's `gover.GoModLookup`: the value of the first line of a go.mod or go.work that
/// starts with `key` followed by a space or tab (comments stripped, trimmed), or `""`.
/// A cheap look at `go` and `toolchain` lines without a full parse.
pub fn go_mod_lookup(gomod: &[u8], key: &str) -> String {
    gomod
        .split(|&b| b == b'\n')
        .find_map(|line| parse_key(trim_space(line), key))
        .unwrap_or_default()
}

fn parse_key(line: &[u8], key: &str) -> Option<String> {
    let rest = line.strip_prefix(key.as_bytes())?;
    if !matches!(rest.first(), Some(b' ' | b'\t')) {
        return None;
    }
    let value = match rest.windows(2).position(|w| w == b"//") {
        Some(i) => &rest[..i],
        None => rest,
    };
    Some(String::from_utf8_lossy(trim_space(value)).into_owned())
}

/// Go's `bytes.TrimSpace` for the ASCII white space that can occur in go.mod lines.
fn trim_space(mut b: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = b
        && is_space(*first)
    {
        b = rest;
    }
    while let [rest @ .., last] = b
        && is_space(*last)
    {
        b = rest;
    }
    b
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(o: Ordering) -> i32 {
        o as i32
    }

    #[test]
    fn go_compare_table() {
        // Go's gover_test.go compareTests.
        let cases = [
            ("", "", 0),
            ("x", "x", 0),
            ("", "x", 0),
            ("1", "1.1", -1),
            ("1.5", "1.6", -1),
            ("1.5", "1.10", -1),
            ("1.6", "1.6.1", -1),
            ("1.19", "1.19.0", 0),
            ("1.19rc1", "1.19", -1),
            ("1.20", "1.20.0", 0),
            ("1.20rc1", "1.20", -1),
            ("1.21", "1.21.0", -1),
            ("1.21", "1.21rc1", -1),
            ("1.21rc1", "1.21.0", -1),
            ("1.6", "1.19", -1),
            ("1.19", "1.19.1", -1),
            ("1.19rc1", "1.19.1", -1),
            ("1.19rc1", "1.19rc2", -1),
            ("1.19.0", "1.19.1", -1),
            ("1.19rc1", "1.19.0", -1),
            ("1.19alpha3", "1.19beta2", -1),
            ("1.19beta2", "1.19rc1", -1),
            ("1.1", "1.99999999999999998", -1),
            ("1.99999999999999998", "1.99999999999999999", -1),
        ];
        for (x, y, want) in cases {
            assert_eq!(sign(compare(x, y)), want, "{x} {y}");
            assert_eq!(sign(compare(y, x)), -want, "{y} {x}");
        }
        assert_eq!(max("1.21", "1.21rc1"), "1.21rc1");
        assert_eq!(max("1.20", "1.20.0"), "1.20");
    }

    #[test]
    fn lang_prev_valid() {
        for (x, want) in [
            ("1.2rc3", "1.2"),
            ("1.2.3", "1.2"),
            ("1.2", "1.2"),
            ("1", "1"),
            ("1.999testmod", "1.999"),
            ("1.0.1", "1"),
            ("2", "2.0"),
            ("bad", ""),
        ] {
            assert_eq!(lang(x), want, "lang {x}");
        }
        for (x, want) in [
            ("1.2rc3", false),
            ("1.2.3", false),
            ("1.999testmod", false),
            ("1.22", true),
            ("1.21", true),
            ("1.20", false),
            ("1.19", false),
            ("1.3", false),
            ("1.2", false),
            ("1", false),
            ("", false),
        ] {
            assert_eq!(is_lang(x), want, "is_lang {x}");
        }
        for (x, want) in [
            ("", ""),
            ("0", "0"),
            ("1.3rc4", "1.2"),
            ("1.3.5", "1.2"),
            ("1.3", "1.2"),
            ("1", "1"),
            ("1.99999999999999999", "1.99999999999999998"),
            ("1.40000000000000000", "1.39999999999999999"),
        ] {
            assert_eq!(prev(x), want, "prev {x}");
        }
        for (x, want) in [
            ("1.2rc3", true),
            ("1.2.3", true),
            ("1.999testmod", true),
            ("1.600+auto", false),
            ("1.22", true),
            ("1.21.0", true),
            ("1.21rc2", true),
            ("1.21", true),
            ("1.20.0", true),
            ("1.20", true),
            ("1.19", true),
            ("1.3", true),
            ("1.2", true),
            ("1", true),
            ("1.02", false),
            ("01", false),
            ("1.2.3rc1", false),
            ("1.2RC1", false),
            ("1.", false),
            (".1", false),
        ] {
            assert_eq!(is_valid(x), want, "is_valid {x}");
        }
        assert!(is_prerelease("1.21rc1") && !is_prerelease("1.21.0") && !is_prerelease("x"));
    }

    #[test]
    fn lookup() {
        let gomod = b"module m\n\n  go\t1.21 // comment\ntoolchain go1.22.1\r\ngopher 1\n";
        assert_eq!(go_mod_lookup(gomod, "go"), "1.21");
        assert_eq!(go_mod_lookup(gomod, "toolchain"), "go1.22.1");
        assert_eq!(go_mod_lookup(gomod, "godebug"), "");
        assert_eq!(go_mod_lookup(b"go\n", "go"), "");
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        fn gover_like() -> impl Strategy<Value = String> {
            prop_oneof![
                "(0|1|2|01)(\\.(0|1|20|21|22|99999999999999999)){0,2}((rc|beta|alpha|x)[0-9]{0,2})?",
                "[0-9a-z.+ -]{0,10}",
                ".{0,8}",
            ]
        }

        proptest! {
            #[test]
            fn compare_is_a_total_preorder(a in gover_like(), b in gover_like(), c in gover_like()) {
                prop_assert_eq!(compare(&a, &b), compare(&b, &a).reverse());
                prop_assert_eq!(compare(&a, &a), Ordering::Equal);
                if compare(&a, &b) != Ordering::Greater && compare(&b, &c) != Ordering::Greater {
                    prop_assert_ne!(compare(&a, &c), Ordering::Greater);
                }
                prop_assert_eq!(max(&a, &b), if compare(&a, &b) == Ordering::Less { b.as_str() } else { a.as_str() });
            }

            #[test]
            fn derived_versions_are_consistent(x in gover_like()) {
                let l = lang(&x);
                prop_assert_eq!(is_valid(&x), !l.is_empty());
                if is_valid(&x) {
                    prop_assert!(is_valid(&l));
                    // Not `lang(x) <= x`: before 1.21, `1.19` (= 1.19.0) > `1.19rc1`.
                    prop_assert_eq!(lang(&l), l.clone());
                    prop_assert!(is_valid(&prev(&x)));
                    prop_assert_eq!(from_toolchain(&format!("go{x}")), x.clone());
                }
                if !x.contains('-') {
                    prop_assert_eq!(is_valid(&x), go_version::is_valid(&format!("go{x}")));
                }
                let _ = (is_lang(&x), is_prerelease(&x), mod_major_minor("toolchain", &x), mod_is_prefix("go", &x));
            }
        }
    }
}
