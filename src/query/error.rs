//! The failures of a version query that come from the query itself (not from the
//! repository it reads), each with the go command's exact text.

use crate::gostr::quote;
use std::fmt;

/// Why a query failed before or after reading the repository.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// `current` is not a valid version of the module.
    #[error("invalid previous version {path}@{current}")]
    InvalidPrevious { path: String, current: String },
    /// `std` and `cmd` have no versions to query.
    #[error(
        "can't query specific version ({}) of standard-library module {}",
        quote(.query),
        quote(.path)
    )]
    StandardLibrary { path: String, query: String },
    /// The module path is invalid (Go's `lookupRepo` check).
    #[error("{0}")]
    Path(crate::module::Error),
    /// A range whose version is not valid for the module.
    #[error("invalid semantic version {} in range {}", quote(.version), quote(.query))]
    InvalidRangeVersion { version: String, query: String },
    /// `<=v1.2` or `>v1.2`: a prefix would make the bound ambiguous.
    #[error("ambiguous semantic version {} in range {}", quote(.version), quote(.query))]
    AmbiguousRangeVersion { version: String, query: String },
    /// `patch` without a current version (Go's `NoPatchBaseError`).
    #[error("can't query version \"patch\" of module {path}: no existing version is required")]
    NoPatchBase { path: String },
    /// No allowed version matches (Go's `NoMatchingVersionError`).
    #[error("{}", no_matching(.query, .current))]
    NoMatchingVersion { query: String, current: String },
    /// The version was found but may not be used (Go's `module.VersionError` around
    /// an error that `Is(ErrDisallowed)`).
    #[error("{path}@{version}: {reason}")]
    Disallowed {
        path: String,
        version: String,
        reason: Disallowed,
    },
}

impl Error {
    /// Whether the text already names the module (Go's `module.ModuleError`), so
    /// `modinfoError` does not wrap it again.
    pub fn has_module_context(&self) -> bool {
        matches!(self, Error::Disallowed { .. })
    }

    /// Go's `NoMatchingVersionError`, which `modinfoError` wraps with the module path
    /// only (the text names the query already).
    pub fn is_no_matching_version(&self) -> bool {
        matches!(self, Error::NoMatchingVersion { .. })
    }
}

fn no_matching(query: &str, current: &str) -> String {
    let mut s = format!("no matching versions for query {}", quote(query));
    if matches!(query, "upgrade" | "patch") && !current.is_empty() && current != "none" {
        s.push_str(&format!(" (current version is {current})"));
    }
    s
}

/// Why a version is not allowed (Go's errors that are `ErrDisallowed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disallowed {
    /// An `exclude` directive of the main module (`excluded by go.mod`).
    Excluded,
    /// A `retract` directive of the module's latest go.mod (Go's
    /// `ModuleRetractedError`), with the rationales of every interval that covers the
    /// version, in file order.
    Retracted { rationale: Vec<String> },
}

impl fmt::Display for Disallowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const RETRACTED: &str = "retracted by module author";
        match self {
            Disallowed::Excluded => f.write_str("excluded by go.mod"),
            Disallowed::Retracted { rationale } => match rationale.first() {
                None => f.write_str(RETRACTED),
                Some(r) => write!(f, "{RETRACTED}: {}", short_message(r, RETRACTED)),
            },
        }
    }
}

/// Go's `modload.ShortMessage`: a go.mod message (retraction rationale, deprecation)
/// made safe for a terminal: its first line, trimmed; `empty_default` when that is
/// empty; a fixed text when it is longer than 500 bytes or holds a character that is
/// neither graphic nor space.
pub fn short_message(message: &str, empty_default: &str) -> String {
    let first = message.split('\n').next().unwrap_or_default().trim();
    if first.is_empty() {
        return empty_default.to_string();
    }
    if first.len() > 500 {
        return "(message omitted: too long)".to_string();
    }
    // unicode.IsGraphic is IsPrint plus the Zs spaces, all of which IsSpace accepts;
    // Rust's White_Space is Go's IsSpace.
    if first
        .chars()
        .any(|c| !crate::gounicode::is_print(c) && !c.is_whitespace())
    {
        return "(message omitted: contains non-printable characters)".to_string();
    }
    first.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        let e = Error::NoMatchingVersion {
            query: "upgrade".into(),
            current: "v1.0.0".into(),
        };
        assert_eq!(
            e.to_string(),
            "no matching versions for query \"upgrade\" (current version is v1.0.0)"
        );
        let e = Error::NoMatchingVersion {
            query: "<v2".into(),
            current: "v1.0.0".into(),
        };
        assert_eq!(e.to_string(), "no matching versions for query \"<v2\"");
        let e = Error::NoMatchingVersion {
            query: "patch".into(),
            current: "none".into(),
        };
        assert_eq!(e.to_string(), "no matching versions for query \"patch\"");
        let e = Error::Disallowed {
            path: "a.b/c".into(),
            version: "v1.0.0".into(),
            reason: Disallowed::Retracted {
                rationale: vec!["\n  bad  \nmore".into(), "second".into()],
            },
        };
        // The first line of the first rationale, trimmed: empty → the default.
        assert_eq!(
            e.to_string(),
            "a.b/c@v1.0.0: retracted by module author: retracted by module author"
        );
        assert_eq!(
            Error::StandardLibrary {
                path: "std".into(),
                query: "latest".into()
            }
            .to_string(),
            "can't query specific version (\"latest\") of standard-library module \"std\""
        );
    }

    #[test]
    fn short_messages() {
        assert_eq!(short_message("  why \nnot", "d"), "why");
        assert_eq!(short_message("", "d"), "d");
        assert_eq!(short_message(&"x".repeat(500), "d"), "x".repeat(500));
        assert_eq!(
            short_message(&"é".repeat(251), "d"),
            "(message omitted: too long)"
        );
        assert_eq!(
            short_message("a\u{7}b", "d"),
            "(message omitted: contains non-printable characters)"
        );
        assert_eq!(
            short_message("a\u{a0}b\u{3000}c\td", "d"),
            "a\u{a0}b\u{3000}c\td"
        );
        assert_eq!(
            short_message("a\u{200b}b", "d"),
            "(message omitted: contains non-printable characters)"
        );
    }
}
