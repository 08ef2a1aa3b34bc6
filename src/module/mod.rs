//! Module paths and versions as `golang.org/x/mod/module` defines them.
//!
//! What this layer guarantees:
//!
//! * [`check_path`], [`check_import_path`] and [`check_file_path`] accept exactly the
//!   paths Go accepts, and reject the rest with Go's message (`malformed module path
//!   "x": missing dot in first path element`). The `_bytes` variants take names that
//!   may not be UTF-8 (zip entries) and report them as Go does (`invalid UTF-8`, bytes
//!   quoted as `\xff`).
//! * [`check`] ties a version to a path: valid semver whose major matches the path's
//!   `/vN` (or gopkg.in `.vN`) suffix, with Go's `+incompatible` and gopkg.in
//!   exceptions.
//! * [`escape_path`]/[`escape_version`] give the case-safe names used in the cache and
//!   proxy URLs, and the `unescape_` functions invert them, accepting only what escaping
//!   can produce from a valid path or version.
//! * Pseudo-versions are built and taken apart as in Go ([`pseudo_version`] and friends).
//! * [`match_prefix_patterns`] is the GOPRIVATE-style glob matcher.
//! * [`ModulePath`] carries a path that has been checked, so it escapes infallibly.
//!
//! No function panics on any input; errors are [`Error`], whose `Display` is Go's text.

mod error;
mod escape;
mod major;
mod module_path;
mod path;
mod pattern;
#[cfg(test)]
mod proptests;
mod pseudo;

use std::cmp::Ordering;
use std::fmt;

pub use error::{
    Error, InvalidPathError, InvalidVersionError, PathKind, PathReason, VersionReason,
};
pub use escape::{escape_path, escape_version, unescape_path, unescape_version};
pub use major::{
    canonical_version, check, check_path_major, match_path_major, path_major_prefix,
    split_path_version,
};
pub use module_path::ModulePath;
pub use path::{
    check_file_path, check_file_path_bytes, check_import_path, check_path, check_path_bytes,
};
pub use pattern::match_prefix_patterns;
pub use pseudo::{
    dec_decimal, inc_decimal, is_pseudo_version, is_zero_pseudo_version, pseudo_version,
    pseudo_version_base, pseudo_version_rev, pseudo_version_time, zero_pseudo_version,
};

/// A module path and version (`module.Version`). For the main module the version is
/// empty; `/go.mod` may be appended to the version for go.sum keys; during MVS `none`
/// stands for "no version".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ModuleVersion {
    pub path: String,
    pub version: String,
}

impl ModuleVersion {
    /// A module version from its parts (no validation: see [`ModuleVersion::check`]).
    pub fn new(path: impl Into<String>, version: impl Into<String>) -> ModuleVersion {
        ModuleVersion {
            path: path.into(),
            version: version.into(),
        }
    }

    /// [`check`] of this path and version.
    pub fn check(&self) -> Result<(), Error> {
        check(&self.path, &self.version)
    }

    /// Wraps `err` as Go's `module.VersionError(m, err)` does.
    pub fn error(&self, err: Error) -> Error {
        Error::module(&self.path, &self.version, err)
    }
}

impl fmt::Display for ModuleVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.version.is_empty() {
            f.write_str(&self.path)
        } else {
            write!(f, "{}@{}", self.path, self.version)
        }
    }
}

/// Go's `module.Sort`: by path, then by version as semver. A version may carry a
/// `/file` suffix (`v1.0.0/go.mod`, as in go.sum); the suffixes break ties by string
/// order. Stable, so entries Go considers equal keep their order.
pub fn sort(list: &mut [ModuleVersion]) {
    list.sort_by(|a, b| compare_entries(a, b, crate::semver::compare));
}

/// The order of [`sort`], with the version comparison left to the caller (the
/// `go`/`toolchain` pseudo-modules compare differently; see `gover::mod_sort`).
pub(crate) fn compare_entries(
    a: &ModuleVersion,
    b: &ModuleVersion,
    compare_versions: impl Fn(&str, &str) -> Ordering,
) -> Ordering {
    if a.path != b.path {
        return a.path.cmp(&b.path);
    }
    let (va, fa) = split_file_suffix(&a.version);
    let (vb, fb) = split_file_suffix(&b.version);
    if va != vb {
        return compare_versions(va, vb);
    }
    fa.cmp(fb)
}

/// `v1.0.0/go.mod` → (`v1.0.0`, `/go.mod`).
fn split_file_suffix(v: &str) -> (&str, &str) {
    match v.find('/') {
        Some(k) => v.split_at(k),
        None => (v, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display() {
        assert_eq!(
            ModuleVersion::new("a.b/c", "v1.0.0").to_string(),
            "a.b/c@v1.0.0"
        );
        assert_eq!(ModuleVersion::new("a.b/c", "").to_string(), "a.b/c");
    }

    #[test]
    fn sorting() {
        let mut list: Vec<ModuleVersion> = [
            ("z.y/a", "v1.0.0"),
            ("a.b/c", "v1.10.0"),
            ("a.b/c", "v1.2.0/go.mod"),
            ("a.b/c", "v1.2.0"),
            ("a.b/c", "v1.9.0"),
        ]
        .into_iter()
        .map(|(p, v)| ModuleVersion::new(p, v))
        .collect();
        sort(&mut list);
        let got: Vec<String> = list.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "a.b/c@v1.2.0",
                "a.b/c@v1.2.0/go.mod",
                "a.b/c@v1.9.0",
                "a.b/c@v1.10.0",
                "z.y/a@v1.0.0"
            ]
        );
    }
}
