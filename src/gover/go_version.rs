//! The standard library's `go/version` API: Go versions in toolchain-name syntax
//! (`go1.21`, `go1.21rc1`, `go1.21.0-custom`). A `-suffix` is ignored; names without
//! the `go` prefix (including the bare `1.21`) are invalid.

use std::cmp::Ordering;

/// `go1.21-custom` → `1.21`; `""` (an invalid version) without the `go` prefix.
fn strip_go(v: &str) -> &str {
    let v = v.split('-').next().unwrap_or_default();
    v.strip_prefix("go").unwrap_or_default()
}

/// `version.Compare`: invalid versions (including `""`) compare equal to each other
/// and below every valid one.
pub fn compare(x: &str, y: &str) -> Ordering {
    super::compare(strip_go(x), strip_go(y))
}

/// `version.Lang`: the language version (`go1.21rc2` → `go1.21`, `go1` → `go1`), or
/// `""` when `x` is invalid.
pub fn lang(x: &str) -> String {
    let v = super::lang(strip_go(x));
    if v.is_empty() {
        return String::new();
    }
    format!("go{v}")
}

/// `version.IsValid`.
pub fn is_valid(x: &str) -> bool {
    super::is_valid(strip_go(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_examples() {
        // From go/version's tests.
        for (x, want) in [
            ("bad", ""),
            ("go1.21rc2", "go1.21"),
            ("go1.21.2", "go1.21"),
            ("go1.21", "go1.21"),
            ("go1", "go1"),
            ("1.21", ""),
            ("go1.21-bigcorp", "go1.21"),
            ("go1.19", "go1.19"),
            ("go1.0.3", "go1"),
            ("go2", "go2.0"),
        ] {
            assert_eq!(lang(x), want, "lang {x}");
        }
        assert_eq!(compare("go1.21rc1", "go1.21"), Ordering::Greater);
        assert_eq!(compare("go1.21", "go1.21.0"), Ordering::Less);
        assert_eq!(compare("", "bad"), Ordering::Equal);
        assert_eq!(compare("1.21", "go1.0"), Ordering::Less);
        assert_eq!(compare("go1.21.0-bigcorp", "go1.21.0"), Ordering::Equal);
        assert!(is_valid("go1.21rc1-x") && !is_valid("1.21") && !is_valid("go") && !is_valid(""));
    }
}
