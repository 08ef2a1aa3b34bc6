//! [`BuildListError`]: a requirement-loading error with the requirement path that led
//! to it (Go's `mvs.BuildListError`), printed exactly as Go prints it.
//!
//! Go's message looks inside the wrapped error for a `module.ModuleError` or
//! `module.InvalidVersionError`. Our requirement errors are the caller's type, so the
//! caller says what is inside through [`ErrorDetail`].

use crate::module::{self, ModuleVersion};
use std::convert::Infallible;
use std::fmt;

/// What [`BuildListError`] needs to see inside a requirement-loading error.
pub trait ErrorDetail: fmt::Display {
    /// The parts of this error when it is a `module.ModuleError`.
    fn module_error(&self) -> Option<ModuleErrorParts<'_>> {
        None
    }

    /// The parts of this error when it is a `module.InvalidVersionError`.
    fn invalid_version(&self) -> Option<InvalidVersionParts<'_>> {
        None
    }

    /// Whether this error is, or wraps anywhere in its chain, a `module.ModuleError`
    /// for exactly `m` (Go's `errors.As` in `module.VersionError`).
    fn wraps_module_error_for(&self, m: &ModuleVersion) -> bool {
        self.module_error()
            .is_some_and(|e| e.path == m.path && e.version == m.version)
    }
}

/// A `module.ModuleError`: an error about `path@version`.
pub struct ModuleErrorParts<'a> {
    pub path: &'a str,
    pub version: &'a str,
    /// The wrapped error.
    pub err: &'a dyn fmt::Display,
    /// The version of the wrapped error when that is a `module.InvalidVersionError`
    /// (Go then names that version rather than `version`).
    pub invalid_version: Option<&'a str>,
}

/// A `module.InvalidVersionError`: `version` is invalid because of `err`.
pub struct InvalidVersionParts<'a> {
    pub version: &'a str,
    /// Whether it was taken for a pseudo-version (the noun Go prints).
    pub pseudo: bool,
    /// The reason.
    pub err: &'a dyn fmt::Display,
}

impl ErrorDetail for module::Error {
    fn module_error(&self) -> Option<ModuleErrorParts<'_>> {
        match self {
            module::Error::Module { path, version, err } => Some(ModuleErrorParts {
                path,
                version,
                err: &**err,
                invalid_version: match &**err {
                    module::Error::InvalidVersion(iv) => Some(&iv.version),
                    _ => None,
                },
            }),
            _ => None,
        }
    }

    fn invalid_version(&self) -> Option<InvalidVersionParts<'_>> {
        match self {
            module::Error::InvalidVersion(iv) => Some(InvalidVersionParts {
                version: &iv.version,
                pseudo: iv.pseudo,
                err: &iv.reason,
            }),
            _ => None,
        }
    }

    fn wraps_module_error_for(&self, m: &ModuleVersion) -> bool {
        match self {
            module::Error::Module { path, version, err } => {
                (*path == m.path && *version == m.version) || err.wraps_module_error_for(m)
            }
            module::Error::InvalidEscapedPath { cause: Some(c), .. } => c.wraps_module_error_for(m),
            _ => false,
        }
    }
}

/// A plain message: neither a module error nor an invalid-version error.
impl ErrorDetail for String {}

impl ErrorDetail for &str {}

impl ErrorDetail for Infallible {}

/// A requirement-loading error and the requirement path to the module where it
/// happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildListError<E> {
    err: E,
    /// Each module on the path, with why it leads to the next one (`requires` or
    /// `updating to`); the last has no reason.
    stack: Vec<(ModuleVersion, &'static str)>,
}

impl<E> BuildListError<E> {
    /// Go's `NewBuildListError`: `err` happened at the last module of `path` (which
    /// should not be empty). `is_version_change(from, to)` says whether a step is an
    /// explicit upgrade or downgrade rather than a go.mod requirement.
    pub fn new(
        err: E,
        path: Vec<ModuleVersion>,
        is_version_change: impl Fn(&ModuleVersion, &ModuleVersion) -> bool,
    ) -> Self {
        let reasons: Vec<&'static str> = path
            .windows(2)
            .map(|w| {
                if is_version_change(&w[0], &w[1]) {
                    "updating to"
                } else {
                    "requires"
                }
            })
            .chain(std::iter::once(""))
            .collect();
        BuildListError {
            err,
            stack: path.into_iter().zip(reasons).collect(),
        }
    }

    /// The module where the error happened (`None` for an empty path).
    pub fn module(&self) -> Option<&ModuleVersion> {
        self.stack.last().map(|(m, _)| m)
    }

    /// The requirement path, from a target to [`BuildListError::module`].
    pub fn path(&self) -> impl Iterator<Item = &ModuleVersion> {
        self.stack.iter().map(|(m, _)| m)
    }

    /// The wrapped error.
    pub fn err(&self) -> &E {
        &self.err
    }

    /// The wrapped error, by value.
    pub fn into_err(self) -> E {
        self.err
    }
}

impl<E: ErrorDetail> fmt::Display for BuildListError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Modules without a version at the start of the path are the main module or a
        // synthetic target: Go leaves them out.
        let skip = self
            .stack
            .iter()
            .take_while(|(m, _)| m.version.is_empty())
            .count();
        let stack = &self.stack[skip..];
        let Some(((m, _), init)) = stack.split_last() else {
            return self.err.fmt(f);
        };
        for (elem, reason) in init {
            write!(f, "{elem} {reason}\n\t")?;
        }
        if let Some(me) = self.err.module_error() {
            let actual = ModuleVersion::new(me.path, me.invalid_version.unwrap_or(me.version));
            if actual == *m {
                self.err.fmt(f)
            } else {
                write!(f, "{m} (replaced by {actual}): {}", me.err)
            }
        } else if self.err.wraps_module_error_for(m) {
            self.err.fmt(f)
        } else if let Some(iv) = self.err.invalid_version() {
            let noun = if iv.pseudo {
                "pseudo-version"
            } else {
                "version"
            };
            write!(f, "{}@{}: invalid {noun}: {}", m.path, iv.version, iv.err)
        } else if !m.version.is_empty() {
            write!(f, "{}@{}: {}", m.path, m.version, self.err)
        } else {
            write!(f, "module {}: {}", m.path, self.err)
        }
    }
}

impl<E: ErrorDetail + std::error::Error + 'static> std::error::Error for BuildListError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.err)
    }
}
