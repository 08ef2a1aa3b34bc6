//! The errors of a code repository, in go's words, with the one distinction callers
//! decide on: whether the failure means "does not exist" (an unknown revision, a
//! version whose tree holds no module), which Go tests with `errors.Is(err,
//! fs.ErrNotExist)` through its wrappers.

use crate::module;
use crate::revinfo::Origin;
use crate::vcs::codehost::VcsError;

/// A failure of [`CodeRepo`](super::CodeRepo); `Display` is go's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct CodeRepoError {
    not_exist: bool,
    detail: Detail,
    /// The origin go returns beside the error (see [`VcsError::origin`]).
    origin: Option<Box<Origin>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum Detail {
    /// Go's `module.ModuleError` around an `InvalidVersionError` (`path@v: invalid
    /// version: …`).
    #[error("{0}")]
    Module(module::Error),
    /// Any other text (a code-host error, `module path: …`, a `findDir` message).
    #[error("{0}")]
    Text(String),
}

impl CodeRepoError {
    /// Whether go would treat this as "does not exist".
    pub fn is_not_exist(&self) -> bool {
        self.not_exist
    }

    /// The module error this is, when it is one (`path@version: invalid …`).
    pub fn module_error(&self) -> Option<&module::Error> {
        match &self.detail {
            Detail::Module(e) => Some(e),
            Detail::Text(_) => None,
        }
    }

    /// The origin go returns beside this error, if any.
    pub fn origin(&self) -> Option<&Origin> {
        self.origin.as_deref()
    }

    /// The error with the origin go returns beside it.
    pub(super) fn with_origin(mut self, origin: Option<Box<Origin>>) -> CodeRepoError {
        self.origin = origin;
        self
    }

    /// A plain message (not "not exist").
    pub(super) fn text(message: impl Into<String>) -> CodeRepoError {
        CodeRepoError {
            not_exist: false,
            detail: Detail::Text(message.into()),
            origin: None,
        }
    }

    /// A code-host error as it is (keeps its "not exist" kind).
    pub(super) fn vcs(err: VcsError) -> CodeRepoError {
        CodeRepoError {
            not_exist: err.is_not_exist(),
            detail: Detail::Text(err.message),
            origin: err.origin,
        }
    }

    /// Go's `&module.ModuleError{Path: path, Err: err}` for an error without a
    /// version: `module <path>: <err>`.
    pub(super) fn for_module(path: &str, err: VcsError) -> CodeRepoError {
        CodeRepoError {
            not_exist: err.is_not_exist(),
            detail: Detail::Text(format!("module {path}: {}", err.message)),
            origin: None,
        }
    }

    /// Go's `ModuleError{path, InvalidVersionError{version, pseudo, reason}}`:
    /// `path@version: invalid version: reason`.
    pub(super) fn invalid_version(
        path: &str,
        version: &str,
        pseudo: bool,
        reason: impl Into<String>,
        not_exist: bool,
    ) -> CodeRepoError {
        let inner = module::Error::invalid_version(
            version,
            pseudo,
            module::VersionReason::Other(reason.into()),
        );
        CodeRepoError {
            not_exist,
            detail: Detail::Module(module::Error::module(path, "", inner)),
            origin: None,
        }
    }

    /// A `module::Error` from the pseudo-version parsers, wrapped as Go's
    /// `ModuleError{Path: path, Err: err}`.
    pub(super) fn module(path: &str, err: module::Error) -> CodeRepoError {
        CodeRepoError {
            not_exist: false,
            detail: Detail::Module(module::Error::module(path, "", err)),
            origin: None,
        }
    }
}
