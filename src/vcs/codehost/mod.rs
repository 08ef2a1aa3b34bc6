//! A code host: one repository, as the module layer needs it (Go's `codehost.Repo`).
//!
//! The trait is blocking: libgit2 is, and the callers run it on the blocking pool with
//! bounded concurrency. Every error is a [`VcsError`] whose `Display` is go's text and
//! whose kind says whether it means "does not exist" (an unknown revision, a missing
//! file), which the module layer turns into Go's not-found errors.

use crate::revinfo::Origin;

/// A commit as the module layer sees it (Go's `codehost.RevInfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevInfo {
    /// Where the answer came from (for `-reuse` and `.info`).
    pub origin: Origin,
    /// The full commit hash.
    pub name: String,
    /// Its first 12 hex digits (Go's `ShortenSHA1`).
    pub short: String,
    /// The revision as it was asked for.
    pub version: String,
    /// The committer time, Unix seconds (UTC).
    pub time: i64,
    /// The tags on that commit, sorted and de-duplicated.
    pub tags: Vec<String>,
}

/// A tag and the commit it points to (annotated tags peeled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub name: String,
    pub hash: String,
}

/// The tags with a prefix, and the origin that makes the list checkable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tags {
    pub origin: Origin,
    pub list: Vec<Tag>,
}

/// What kind of file `git archive` emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Regular,
    Executable,
    /// `data` is the link target.
    Symlink,
}

/// One file of a tree export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveFile {
    /// Repository-relative, `/`-separated.
    pub path: String,
    pub kind: FileKind,
    pub data: Vec<u8>,
}

/// Whether a failure means "does not exist".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcsErrorKind {
    /// An unknown revision, a missing file or directory.
    NotExist,
    Other,
}

/// A code-host failure in go's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct VcsError {
    pub kind: VcsErrorKind,
    pub message: String,
    /// What go returns beside the error so that the failure can be checked later:
    /// for an unknown revision, the repository's refs as a `RepoSum`. Boxed: rare
    /// and large.
    pub origin: Option<Box<Origin>>,
}

impl VcsError {
    pub fn not_exist(message: impl Into<String>) -> VcsError {
        VcsError {
            kind: VcsErrorKind::NotExist,
            message: message.into(),
            origin: None,
        }
    }

    pub fn other(message: impl Into<String>) -> VcsError {
        VcsError {
            kind: VcsErrorKind::Other,
            message: message.into(),
            origin: None,
        }
    }

    /// The error with the origin go reports beside it.
    pub fn with_origin(mut self, origin: Option<Origin>) -> VcsError {
        self.origin = origin.map(Box::new);
        self
    }

    pub fn is_not_exist(&self) -> bool {
        self.kind == VcsErrorKind::NotExist
    }
}

/// One repository (Go's `codehost.Repo`), blocking.
pub trait CodeHost: Send + Sync {
    /// The tags starting with `prefix`, sorted by name.
    fn tags(&self, prefix: &str) -> Result<Tags, VcsError>;
    /// A revision (tag, branch, hash or hash prefix, `HEAD`) → its commit.
    fn stat(&self, rev: &str) -> Result<RevInfo, VcsError>;
    /// The default branch's head.
    fn latest(&self) -> Result<RevInfo, VcsError>;
    /// The file `file` at commit `rev` (a full hash); `NotExist` when absent.
    fn read_file(&self, rev: &str, file: &str, max_size: u64) -> Result<Vec<u8>, VcsError>;
    /// Go's `RecentTag`: the highest tag with `prefix` on `rev` or an ancestor that
    /// `allowed` accepts (given the whole tag name); empty when none.
    fn recent_tag(
        &self,
        rev: &str,
        prefix: &str,
        allowed: &dyn Fn(&str) -> bool,
    ) -> Result<String, VcsError>;
    /// Whether `tag` is an ancestor of (or is) commit `rev`.
    fn descends_from(&self, rev: &str, tag: &str) -> Result<bool, VcsError>;
    /// The files at commit `rev` under `subdir` ("" = all) as `git archive` emits them
    /// with go's settings.
    fn archive(&self, rev: &str, subdir: &str) -> Result<Vec<ArchiveFile>, VcsError>;
}

pub mod cancel;
pub mod git;
pub mod workdir;
