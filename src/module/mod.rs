//! Module paths and versions as `golang.org/x/mod/module` defines them.
//!
//! STUB: the signatures below are the contract other modules code against; the
//! implementation is being written (issue 2). Keep these names and types.

#![allow(unused_variables)]

use std::fmt;

/// A module path and version (`module.Version`). For the main module the version is
/// empty; `/go.mod` may be appended to the version for go.sum keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ModuleVersion {
    pub path: String,
    pub version: String,
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

/// A path or version failed a check; `Display` is Go's exact message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Error(pub String);

/// `module.CheckPath`.
pub fn check_path(path: &str) -> Result<(), Error> {
    todo!()
}
/// `module.CheckPath` for bytes that may not be UTF-8 (`invalid UTF-8` error).
pub fn check_path_bytes(path: &[u8]) -> Result<&str, Error> {
    todo!()
}
/// `module.CheckImportPath`.
pub fn check_import_path(path: &str) -> Result<(), Error> {
    todo!()
}
/// `module.CheckFilePath`.
pub fn check_file_path(path: &str) -> Result<(), Error> {
    todo!()
}
/// `module.CheckFilePath` for bytes that may not be UTF-8 (`invalid UTF-8` error).
pub fn check_file_path_bytes(path: &[u8]) -> Result<&str, Error> {
    todo!()
}
/// `module.Check(path, version)`.
pub fn check(path: &str, version: &str) -> Result<(), Error> {
    todo!()
}
/// `module.CanonicalVersion`: semver canonical form keeping `+incompatible`.
pub fn canonical_version(v: &str) -> String {
    todo!()
}
/// `module.SplitPathVersion`: `(prefix, path_major)`, `None` when not ok.
pub fn split_path_version(path: &str) -> Option<(&str, &str)> {
    todo!()
}
/// `module.CheckPathMajor`.
pub fn check_path_major(v: &str, path_major: &str) -> Result<(), Error> {
    todo!()
}
/// `module.MatchPathMajor`.
pub fn match_path_major(v: &str, path_major: &str) -> bool {
    todo!()
}
/// `module.PathMajorPrefix`.
pub fn path_major_prefix(path_major: &str) -> &str {
    todo!()
}
/// `module.EscapePath`.
pub fn escape_path(path: &str) -> Result<String, Error> {
    todo!()
}
/// `module.EscapeVersion`.
pub fn escape_version(v: &str) -> Result<String, Error> {
    todo!()
}
/// `module.UnescapePath`.
pub fn unescape_path(escaped: &str) -> Result<String, Error> {
    todo!()
}
/// `module.UnescapeVersion`.
pub fn unescape_version(escaped: &str) -> Result<String, Error> {
    todo!()
}
/// `module.MatchPrefixPatterns` (GOPRIVATE/GONOPROXY/GONOSUMDB globs).
pub fn match_prefix_patterns(globs: &str, target: &str) -> bool {
    todo!()
}
/// `module.IsPseudoVersion`.
pub fn is_pseudo_version(v: &str) -> bool {
    todo!()
}
/// `module.Sort`: by path, then by semver (ties by string; `/go.mod` suffix after).
pub fn sort(list: &mut [ModuleVersion]) {
    todo!()
}
