//! The module zip from a git commit (spec §6.6 B–F): what `git archive` emits for the
//! commit with go's settings, narrowed to the module directory, then zipped by
//! [`crate::modzip`] under go's rules.
//!
//! [`export_tree`] is `git -c core.autocrlf=input -c core.eol=lf archive --format=zip
//! --prefix=prefix/ <commit> [-- <subdir>]` after go's `ensureGitAttributes` (which
//! makes `* -export-subst -export-ignore` the last line of `info/attributes`, so neither
//! feature ever applies): the same files in the same order with the same bytes, read
//! through libgit2 without running git. Verified against the real git archive
//! (tests/it/vcs_archive.rs).
//!
//! Where the result depends on the user's environment rather than the repository, the
//! answer is git's with a default configuration: no smudge filter drivers (a
//! `filter=lfs` file is emitted as its stored pointer, as with Git LFS not installed),
//! no global or system attribute files, `core.ignorecase=false`. Not emulated:
//! `working-tree-encoding` (re-encoding through iconv; the stored UTF-8 is emitted);
//! paths that are not valid UTF-8 are carried lossily (U+FFFD), which only changes the
//! wording of the `malformed file path` error such a file leads to.

mod attr;
mod convert;
mod export;
mod select;
mod wildmatch;
mod zipsize;

pub use export::export_tree_capped;
pub use select::{BuildError, build_module_zip, module_files, module_zip};

use crate::modzip::MAX_ZIP_FILE;
use crate::vcs::codehost::ArchiveFile;

/// A failed export.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// The pathspec matched nothing (git: `did not match any files`); go reports
    /// `fs.ErrNotExist`.
    #[error("file does not exist")]
    NotExist { subdir: String },
    /// git's zip would exceed 500 MiB (go's cap on the download).
    #[error("downloaded zip file too large")]
    TooLarge,
    /// A tree entry whose mode is no file, directory, link or submodule.
    #[error("tree entry {path} has unknown mode {mode:o}")]
    BadMode { path: String, mode: u32 },
    /// libgit2 failed (a missing object, a corrupt repository).
    #[error("{message}")]
    Git { message: String },
}

impl ArchiveError {
    /// Whether the failure means "does not exist" (go's `fs.ErrNotExist`).
    pub fn is_not_exist(&self) -> bool {
        matches!(self, ArchiveError::NotExist { .. })
    }
}

/// The files `git archive` emits for `commit`, limited to `subdir` ("" = all) by
/// pathspec, with go's settings; fails like go when git's zip would be over 500 MiB.
pub fn export_tree(
    repo: &git2::Repository,
    commit: git2::Oid,
    subdir: &str,
) -> Result<Vec<ArchiveFile>, ArchiveError> {
    export_tree_capped(repo, commit, subdir, MAX_ZIP_FILE)
}
