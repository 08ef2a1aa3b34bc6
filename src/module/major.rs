//! Major-version suffixes and how they constrain versions (semantic import versioning).
//!
//! A module whose major version is 2 or more carries it in its path: `example.com/m/v2`,
//! or `gopkg.in/yaml.v2` for the gopkg.in service (whose `.vN` form also exists for v0
//! and v1, and may end in `-unstable`). [`split_path_version`] separates the suffix,
//! [`check_path_major`] says whether a version fits it, and [`check`] combines both with
//! path and semver validity. `+incompatible` versions (v2+ from before modules) are
//! accepted for paths without a suffix.

use super::check_path;
use super::error::{Error, InvalidVersionError, VersionReason};
use crate::semver;

/// Go's `module.SplitPathVersion`: `(prefix, path_major)` with `prefix + path_major ==
/// path`, where `path_major` is empty, `/vN` (N ≥ 2) or, for gopkg.in, `.vN` or
/// `.vN-unstable`. `None` when the final element looks like a major suffix but is
/// malformed (`/v1`, `/v0`, `/v02`, `/v2.1`) or a gopkg.in path lacks one.
pub fn split_path_version(path: &str) -> Option<(&str, &str)> {
    if path.starts_with("gopkg.in/") {
        return split_gopkg_in(path);
    }
    let b = path.as_bytes();
    let mut i = b.len();
    let mut dot = false;
    while i > 0 && (b[i - 1].is_ascii_digit() || b[i - 1] == b'.') {
        dot |= b[i - 1] == b'.';
        i -= 1;
    }
    if i <= 1 || i == b.len() || b[i - 1] != b'v' || b[i - 2] != b'/' {
        return Some((path, ""));
    }
    let (prefix, major) = path.split_at(i - 2);
    let mb = major.as_bytes();
    if dot || mb.len() <= 2 || mb[2] == b'0' || major == "/v1" {
        return None;
    }
    Some((prefix, major))
}

/// gopkg.in paths must end in `.vN` (optionally `-unstable`), N without leading zeros
/// except `.v0` itself.
fn split_gopkg_in(path: &str) -> Option<(&str, &str)> {
    let b = path.as_bytes();
    let mut i = b.len();
    if path.ends_with("-unstable") {
        i -= "-unstable".len();
    }
    while i > 0 && b[i - 1].is_ascii_digit() {
        i -= 1;
    }
    if i <= 1 || b[i - 1] != b'v' || b[i - 2] != b'.' {
        return None;
    }
    let (prefix, major) = path.split_at(i - 2);
    let mb = major.as_bytes();
    if mb.len() <= 2 || (mb[2] == b'0' && major != ".v0") {
        return None;
    }
    Some((prefix, major))
}

/// Go's `module.CheckPathMajor`: whether version `v` may be used with a path whose
/// major suffix is `path_major` (as returned by [`split_path_version`]).
pub fn check_path_major(v: &str, path_major: &str) -> Result<(), Error> {
    let mut want = path_major;
    if want.starts_with(".v")
        && let Some(stable) = want.strip_suffix("-unstable")
    {
        want = stable;
    }
    // gopkg.in once generated v0.0.0 pseudo-versions for .v1 paths; they live on in
    // go.mod files, so they stay acceptable.
    if v.starts_with("v0.0.0-") && want == ".v1" {
        return Ok(());
    }
    let m = semver::major(v);
    let want = if want.is_empty() {
        if m == "v0" || m == "v1" || semver::build(v) == "+incompatible" {
            return Ok(());
        }
        "v0 or v1"
    } else if want.starts_with('/') || want.starts_with('.') {
        if m == &want[1..] {
            return Ok(());
        }
        &want[1..]
    } else {
        want
    };
    Err(Error::InvalidVersion(InvalidVersionError {
        version: v.to_string(),
        pseudo: false,
        reason: VersionReason::WrongMajor {
            want: want.to_string(),
            got: m.to_string(),
        },
    }))
}

/// Go's `module.MatchPathMajor`: [`check_path_major`] as a boolean.
pub fn match_path_major(v: &str, path_major: &str) -> bool {
    check_path_major(v, path_major).is_ok()
}

/// Go's `module.PathMajorPrefix`: the tag prefix a major suffix implies (`/v2` → `v2`,
/// `.v1-unstable` → `v1`, `""` → `""`, meaning v0 or v1). Go panics on a suffix that is
/// not of that shape; this returns `""` instead.
pub fn path_major_prefix(path_major: &str) -> &str {
    let Some(rest) = path_major
        .strip_prefix('/')
        .or_else(|| path_major.strip_prefix('.'))
    else {
        return "";
    };
    let m = if path_major.starts_with(".v") {
        rest.strip_suffix("-unstable").unwrap_or(rest)
    } else {
        rest
    };
    if semver::major(m) == m { m } else { "" }
}

/// Go's `module.CanonicalVersion`: [`semver::canonical`] but keeping a
/// `+incompatible` build suffix, which is meaningful to modules.
pub fn canonical_version(v: &str) -> String {
    let mut cv = semver::canonical(v);
    if semver::build(v) == "+incompatible" {
        cv.push_str("+incompatible");
    }
    cv
}

/// Go's `module.Check`: `path` is a valid module path, `version` is valid semver, and
/// the version's major matches the path's suffix.
pub fn check(path: &str, version: &str) -> Result<(), Error> {
    check_path(path)?;
    if !semver::is_valid(version) {
        return Err(Error::module(
            path,
            "",
            Error::invalid_version(version, false, VersionReason::NotSemver),
        ));
    }
    let path_major = split_path_version(path).map_or("", |(_, m)| m);
    check_path_major(version, path_major).map_err(|e| Error::module(path, "", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split() {
        assert_eq!(split_path_version("x.y/z"), Some(("x.y/z", "")));
        assert_eq!(split_path_version("x.y/z/v2"), Some(("x.y/z", "/v2")));
        assert_eq!(split_path_version("x.y/z/v10"), Some(("x.y/z", "/v10")));
        assert_eq!(split_path_version("x.y/z/v1"), None);
        assert_eq!(split_path_version("x.y/z/v02"), None);
        assert_eq!(split_path_version("x.y/z/v2.0"), None);
        assert_eq!(split_path_version("x.y/zv2"), Some(("x.y/zv2", "")));
        assert_eq!(split_path_version("v2"), Some(("v2", "")));
        assert_eq!(split_path_version("/v2"), Some(("", "/v2")));
        assert_eq!(split_path_version(""), Some(("", "")));
        assert_eq!(
            split_path_version("gopkg.in/yaml.v2-unstable"),
            Some(("gopkg.in/yaml", ".v2-unstable"))
        );
        assert_eq!(
            split_path_version("gopkg.in/yaml.v0"),
            Some(("gopkg.in/yaml", ".v0"))
        );
        assert_eq!(split_path_version("gopkg.in/yaml.v01"), None);
        assert_eq!(split_path_version("gopkg.in/yaml"), None);
        assert_eq!(split_path_version("gopkg.in/-unstable"), None);
    }

    #[test]
    fn path_major() {
        assert!(match_path_major("v1.2.3", ""));
        assert!(match_path_major("v2.0.0+incompatible", ""));
        assert!(match_path_major("v2.0.0", "/v2"));
        assert!(match_path_major("v2.0.0", ".v2-unstable"));
        assert!(match_path_major("v0.0.0-2019-abc", ".v1"));
        assert!(!match_path_major("v0.0.0-2019-abc", "/v1"));
        assert_eq!(
            check_path_major("v3.0.0", "/v2").unwrap_err().to_string(),
            r#"version "v3.0.0" invalid: should be v2, not v3"#
        );
        assert_eq!(
            check_path_major("bad", "").unwrap_err().to_string(),
            r#"version "bad" invalid: should be v0 or v1, not "#
        );
        assert_eq!(
            check_path_major("v1.0.0", "x").unwrap_err().to_string(),
            r#"version "v1.0.0" invalid: should be x, not v1"#
        );
        assert_eq!(path_major_prefix(""), "");
        assert_eq!(path_major_prefix("/v2"), "v2");
        assert_eq!(path_major_prefix(".v1-unstable"), "v1");
        assert_eq!(path_major_prefix("v2"), "");
        assert_eq!(path_major_prefix("/v2.1"), "");
    }

    #[test]
    fn check_messages() {
        assert!(check("example.com/m/v2", "v2.1.0").is_ok());
        assert_eq!(
            check("example.com/m", "v2.0.0").unwrap_err().to_string(),
            "example.com/m@v2.0.0: invalid version: should be v0 or v1, not v2"
        );
        assert_eq!(
            check("example.com/m", "1.0.0").unwrap_err().to_string(),
            "example.com/m@1.0.0: invalid version: not a semantic version"
        );
        assert_eq!(
            check("example", "v1.0.0").unwrap_err().to_string(),
            r#"malformed module path "example": missing dot in first path element"#
        );
        assert_eq!(
            canonical_version("v2.0.0+incompatible"),
            "v2.0.0+incompatible"
        );
        assert_eq!(canonical_version("v2+incompatible"), "");
        assert_eq!(canonical_version("v2.0.0+meta"), "v2.0.0");
    }
}
