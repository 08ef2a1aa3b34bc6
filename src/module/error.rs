//! The errors of the module layer, shaped like Go's `module.ModuleError`,
//! `module.InvalidVersionError` and `module.InvalidPathError` so that their `Display`
//! is Go's exact `Error()` text and callers can still decide on structure (which kind,
//! which path or version) instead of matching messages.

use crate::gostr::{quote, quote_rune};
use std::fmt;

/// Which validator rejected a path: Go's `InvalidPathError.Kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathKind {
    /// `CheckPath`: module paths (`malformed module path`).
    Module,
    /// `CheckImportPath`: package import paths (`malformed import path`).
    Import,
    /// `CheckFilePath`: file names inside a module (`malformed file path`).
    File,
}

impl PathKind {
    /// The word Go uses in messages: `module`, `import` or `file`.
    pub fn as_str(self) -> &'static str {
        match self {
            PathKind::Module => "module",
            PathKind::Import => "import",
            PathKind::File => "file",
        }
    }
}

impl fmt::Display for PathKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a path failed a check (the error an `InvalidPathError` wraps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathReason {
    InvalidUtf8,
    EmptyString,
    LeadingDash,
    DoubleSlash,
    TrailingSlash,
    EmptyElement,
    /// An element made only of dots (`.`, `..`, …).
    DotsOnly(String),
    LeadingDot,
    TrailingDot,
    InvalidChar(char),
    /// The part of an element before its first dot is a reserved Windows device name.
    WindowsReserved(String),
    TrailingTildeDigits,
    /// Module paths only: the path starts with `/`.
    LeadingSlash,
    MissingDotInFirstElement,
    LeadingDashInFirstElement,
    InvalidCharInFirstElement(char),
    /// Module paths only: the `/vN` or gopkg.in `.vN` suffix is malformed.
    InvalidVersionSuffix,
}

impl fmt::Display for PathReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathReason::InvalidUtf8 => f.write_str("invalid UTF-8"),
            PathReason::EmptyString => f.write_str("empty string"),
            PathReason::LeadingDash => f.write_str("leading dash"),
            PathReason::DoubleSlash => f.write_str("double slash"),
            PathReason::TrailingSlash => f.write_str("trailing slash"),
            PathReason::EmptyElement => f.write_str("empty path element"),
            PathReason::DotsOnly(e) => write!(f, "invalid path element {}", quote(e)),
            PathReason::LeadingDot => f.write_str("leading dot in path element"),
            PathReason::TrailingDot => f.write_str("trailing dot in path element"),
            PathReason::InvalidChar(c) => write!(f, "invalid char {}", quote_rune(*c)),
            PathReason::WindowsReserved(s) => write!(
                f,
                "{} disallowed as path element component on Windows",
                quote(s)
            ),
            PathReason::TrailingTildeDigits => {
                f.write_str("trailing tilde and digits in path element")
            }
            PathReason::LeadingSlash => f.write_str("leading slash"),
            PathReason::MissingDotInFirstElement => {
                f.write_str("missing dot in first path element")
            }
            PathReason::LeadingDashInFirstElement => {
                f.write_str("leading dash in first path element")
            }
            PathReason::InvalidCharInFirstElement(c) => {
                write!(f, "invalid char {} in first path element", quote_rune(*c))
            }
            PathReason::InvalidVersionSuffix => f.write_str("invalid version"),
        }
    }
}

/// Why a version was rejected (the error an `InvalidVersionError` wraps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionReason {
    /// `module.Check`: the version is not valid semver.
    NotSemver,
    /// The version's major does not match the path's: `should be <want>, not <got>`,
    /// where `want` is e.g. `v2` or `v0 or v1`.
    WrongMajor { want: String, got: String },
    /// `EscapeVersion`: not a valid file-path element, or contains `!`.
    Disallowed,
    /// Not of a pseudo-version's shape (`syntax error`).
    PseudoSyntax,
    /// A pseudo-version whose timestamp is not a real time.
    MalformedTime(String),
    /// `vX.0.0-<ts>-<rev>+build`: no base, yet build metadata.
    LacksBaseWithBuild(String),
    /// `vX.Y.0-0.<ts>-<rev>`: the base would be `vX.Y.-1`. Carries `vX.Y.0`.
    NegativePatch(String),
    /// Any other reason, for callers that validate versions further (e.g. comparing a
    /// pseudo-version with the commit it names). The text is used verbatim.
    Other(String),
}

impl fmt::Display for VersionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionReason::NotSemver => f.write_str("not a semantic version"),
            VersionReason::WrongMajor { want, got } => write!(f, "should be {want}, not {got}"),
            VersionReason::Disallowed => f.write_str("disallowed version string"),
            VersionReason::PseudoSyntax => f.write_str("syntax error"),
            VersionReason::MalformedTime(ts) => write!(f, "malformed time {}", quote(ts)),
            VersionReason::LacksBaseWithBuild(b) => {
                write!(f, "lacks base version, but has build metadata {}", quote(b))
            }
            VersionReason::NegativePatch(base) => {
                write!(f, "version before {base} would have negative patch number")
            }
            VersionReason::Other(s) => f.write_str(s),
        }
    }
}

/// Go's `module.InvalidVersionError`: `version "v" invalid: reason` (or
/// `pseudo-version "v" invalid: reason`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidVersionError {
    pub version: String,
    /// Whether the version was taken to be a pseudo-version (changes the noun).
    pub pseudo: bool,
    pub reason: VersionReason,
}

impl InvalidVersionError {
    /// `version` or `pseudo-version`.
    pub fn noun(&self) -> &'static str {
        if self.pseudo {
            "pseudo-version"
        } else {
            "version"
        }
    }
}

impl fmt::Display for InvalidVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} invalid: {}",
            self.noun(),
            quote(&self.version),
            self.reason
        )
    }
}

/// Go's `module.InvalidPathError`: `malformed <kind> path "p": reason`. The path is
/// kept as bytes because the byte-level checks report paths that are not UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPathError {
    pub kind: PathKind,
    pub path: Vec<u8>,
    pub reason: PathReason,
}

impl fmt::Display for InvalidPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "malformed {} path {}: {}",
            self.kind,
            quote(&self.path),
            self.reason
        )
    }
}

/// A path or version failed a check; `Display` is Go's exact message.
///
/// The variants mirror Go's error types; use the predicates ([`Error::is_invalid_path`],
/// [`Error::is_invalid_version`], …) and accessors rather than the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Go's `ModuleError`: an error about one module (and maybe one version).
    Module {
        path: String,
        /// Empty when the error is about the module as a whole.
        version: String,
        err: Box<Error>,
    },
    /// Go's `InvalidVersionError`.
    InvalidVersion(InvalidVersionError),
    /// Go's `InvalidPathError`.
    InvalidPath(InvalidPathError),
    /// `UnescapePath`: the escaped form is malformed (`cause` is `None`) or names an
    /// invalid module path (`cause` is the `CheckPath` error).
    InvalidEscapedPath {
        escaped: String,
        cause: Option<Box<Error>>,
    },
    /// `UnescapeVersion`: the escaped form is malformed (`cause` is `None`; `version` is
    /// then the escaped text) or unescapes to a disallowed version (`version` is then the
    /// unescaped text, as Go reports it).
    InvalidEscapedVersion {
        version: String,
        cause: Option<PathReason>,
    },
    /// Escaping met `!` or non-ASCII after validation; unreachable, but reported
    /// rather than panicking.
    EscapeInconsistency,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Module { path, version, err } => match err.as_ref() {
                Error::InvalidVersion(v) => write!(
                    f,
                    "{path}@{}: invalid {}: {}",
                    v.version,
                    v.noun(),
                    v.reason
                ),
                err if !version.is_empty() => write!(f, "{path}@{version}: {err}"),
                err => write!(f, "module {path}: {err}"),
            },
            Error::InvalidVersion(e) => e.fmt(f),
            Error::InvalidPath(e) => e.fmt(f),
            Error::InvalidEscapedPath { escaped, cause } => {
                write!(f, "invalid escaped module path {}", quote(escaped))?;
                match cause {
                    Some(c) => write!(f, ": {c}"),
                    None => Ok(()),
                }
            }
            Error::InvalidEscapedVersion { version, cause } => {
                write!(f, "invalid escaped version {}", quote(version))?;
                match cause {
                    Some(c) => write!(f, ": {c}"),
                    None => Ok(()),
                }
            }
            Error::EscapeInconsistency => {
                f.write_str("internal error: inconsistency in EscapePath")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Module { err, .. } => Some(err.as_ref()),
            Error::InvalidEscapedPath { cause: Some(c), .. } => Some(c.as_ref()),
            _ => None,
        }
    }
}

impl From<InvalidVersionError> for Error {
    fn from(e: InvalidVersionError) -> Error {
        Error::InvalidVersion(e)
    }
}

impl From<InvalidPathError> for Error {
    fn from(e: InvalidPathError) -> Error {
        Error::InvalidPath(e)
    }
}

impl Error {
    /// Go's `module.VersionError`: wraps `err` as a module error for `path@version`,
    /// unless it already is one for exactly that module and version.
    pub fn module(path: &str, version: &str, err: Error) -> Error {
        if let Error::Module {
            path: p,
            version: v,
            ..
        } = &err
            && p == path
            && v == version
        {
            return err;
        }
        Error::Module {
            path: path.to_string(),
            version: version.to_string(),
            err: Box::new(err),
        }
    }

    /// A new `InvalidVersionError`.
    pub fn invalid_version(version: &str, pseudo: bool, reason: VersionReason) -> Error {
        Error::InvalidVersion(InvalidVersionError {
            version: version.to_string(),
            pseudo,
            reason,
        })
    }

    /// The innermost error of a [`Error::Module`] chain (`self` for other variants).
    pub fn innermost(&self) -> &Error {
        match self {
            Error::Module { err, .. } => err.innermost(),
            e => e,
        }
    }

    /// Whether this is, or wraps, an `InvalidVersionError` (`errors.As` in Go).
    pub fn is_invalid_version(&self) -> bool {
        self.as_invalid_version().is_some()
    }

    /// The `InvalidVersionError` this is or wraps.
    pub fn as_invalid_version(&self) -> Option<&InvalidVersionError> {
        match self.innermost() {
            Error::InvalidVersion(e) => Some(e),
            _ => None,
        }
    }

    /// Whether this is, or wraps, an `InvalidPathError`.
    pub fn is_invalid_path(&self) -> bool {
        self.as_invalid_path().is_some()
    }

    /// The `InvalidPathError` this is or wraps.
    pub fn as_invalid_path(&self) -> Option<&InvalidPathError> {
        match self.innermost() {
            Error::InvalidPath(e) => Some(e),
            Error::InvalidEscapedPath { cause: Some(c), .. } => c.as_invalid_path(),
            _ => None,
        }
    }

    /// Whether the input was a malformed escaped path or version (from
    /// [`unescape_path`](super::unescape_path) or
    /// [`unescape_version`](super::unescape_version)).
    pub fn is_invalid_escape(&self) -> bool {
        matches!(
            self.innermost(),
            Error::InvalidEscapedPath { .. } | Error::InvalidEscapedVersion { .. }
        )
    }

    /// The module path a [`Error::Module`] is about.
    pub fn module_path(&self) -> Option<&str> {
        match self {
            Error::Module { path, .. } => Some(path),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_error_texts() {
        let v = Error::invalid_version(
            "v2.0.0",
            false,
            VersionReason::WrongMajor {
                want: "v0 or v1".into(),
                got: "v2".into(),
            },
        );
        assert_eq!(
            v.to_string(),
            r#"version "v2.0.0" invalid: should be v0 or v1, not v2"#
        );
        let m = Error::module("example.com/m", "", v);
        assert_eq!(
            m.to_string(),
            "example.com/m@v2.0.0: invalid version: should be v0 or v1, not v2"
        );
        assert!(m.is_invalid_version());
        assert_eq!(m.module_path(), Some("example.com/m"));

        let other = Error::InvalidEscapedPath {
            escaped: "x".into(),
            cause: None,
        };
        assert_eq!(
            Error::module("a.b/c", "v1.0.0", other.clone()).to_string(),
            r#"a.b/c@v1.0.0: invalid escaped module path "x""#
        );
        assert_eq!(
            Error::module("a.b/c", "", other).to_string(),
            r#"module a.b/c: invalid escaped module path "x""#
        );
    }

    #[test]
    fn version_error_is_not_rewrapped() {
        let inner = Error::module("a.b/c", "v1.0.0", Error::EscapeInconsistency);
        let again = Error::module("a.b/c", "v1.0.0", inner.clone());
        assert_eq!(again, inner);
        let other = Error::module("a.b/c", "v1.0.1", inner.clone());
        assert_ne!(other, inner);
    }

    #[test]
    fn path_error_quotes_bytes() {
        let e = InvalidPathError {
            kind: PathKind::File,
            path: b"x.y/\xffz".to_vec(),
            reason: PathReason::InvalidUtf8,
        };
        assert_eq!(
            e.to_string(),
            r#"malformed file path "x.y/\xffz": invalid UTF-8"#
        );
    }
}
