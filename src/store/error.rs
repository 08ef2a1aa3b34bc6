//! The store's one error type. Every `Display` is the text the go command prints for
//! the same failure (file-system errors in Go's `op path: reason` form), and each
//! variant keeps the path or module it is about, so the engine decides on structure
//! (`is_not_found`, `is_partial`, `is_uncacheable`) and never on messages.

use crate::gostr::quote;
use crate::module::{self, ModuleVersion};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A failed store operation; see the module docs for the error model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Neither GOMODCACHE nor GOPATH gave a cache root (the root is empty).
    #[error("module cache not found: neither GOMODCACHE nor GOPATH is set")]
    NoCacheDir,
    /// The cache root is not absolute. Go's message ends with a period and a newline.
    #[error("GOMODCACHE entry is relative; must be absolute path: {}.\n", quote_path(.root))]
    RelativeCacheDir { root: PathBuf },
    /// The cache root exists and is not a directory.
    #[error("could not create module cache: {} is not a directory", quote_path(.root))]
    CacheDirNotDir { root: PathBuf },
    /// Stat or MkdirAll of the cache root failed (`source` is worded as Go's).
    #[error("could not create module cache: {source}")]
    CreateCacheDir {
        root: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A cache operation on the `go` or `toolchain` pseudo-module (Go's
    /// `ErrToolchain`).
    #[error("internal error: invalid operation on toolchain module")]
    Toolchain { path: String },
    /// The module path or version cannot be escaped (`malformed module path …`,
    /// `disallowed version string`, …).
    #[error("{source}")]
    Escape {
        module: ModuleVersion,
        #[source]
        source: Box<module::Error>,
    },
    /// The version is not valid semver.
    #[error("non-semver module version {}", quote(&.module.version))]
    NonSemver { module: ModuleVersion },
    /// The version is valid semver but not in canonical form.
    #[error("non-canonical module version {}", quote(&.module.version))]
    NonCanonical { module: ModuleVersion },
    /// `DownloadDir`: the extracted directory does not exist. `source` is Go's
    /// `stat <dir>: no such file or directory`.
    #[error("{source}")]
    DirNotExist {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    /// `DownloadDir`: the extracted directory exists but is not completely populated
    /// (Go's `DownloadDirPartialError`).
    #[error("{}: {reason}", .dir.display())]
    DirPartial { dir: PathBuf, reason: PartialReason },
    /// The `.ziphash` could not be read (`verifying <m>: open …`); fatal in Go.
    #[error("verifying {module}: {source}")]
    ReadZiphash {
        module: ModuleVersion,
        #[source]
        source: io::Error,
    },
    /// The `.ziphash` holds 47 bytes that do not start with `h1:`; fatal in Go.
    #[error("verifying {module}: unexpected ziphash: {}", quote(.hash))]
    UnexpectedZiphash {
        module: ModuleVersion,
        hash: Vec<u8>,
    },
    /// `WriteGoSum`: the in-place rewrite of go.sum failed.
    #[error("updating go.sum: {source}")]
    UpdateGoSum {
        path: PathBuf,
        #[source]
        source: Box<Error>,
    },
    /// The function given to `lockedfile.Transform` failed (its own message).
    #[error("{0}")]
    Transform(Box<dyn std::error::Error + Send + Sync>),
    /// A lock was not obtained within the configured time (gomodfetch only; the go
    /// command waits forever).
    #[error("timed out after {}s waiting for the file lock on {}", .waited.as_secs(), .path.display())]
    LockTimeout { path: PathBuf, waited: Duration },
    /// A [`super::ZipTemp`] or [`super::Extraction`] was committed with the lock of
    /// another module version: a bug in the caller, reported instead of publishing.
    #[error("internal error: {what} committed under the lock of {held}")]
    WrongLock { what: PathBuf, held: PathBuf },
    /// A file-system operation failed; the message is Go's `*fs.PathError` or
    /// `*os.LinkError` text.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Why `DownloadDir` considers an existing directory incomplete (the `Err` of Go's
/// `DownloadDirPartialError`).
#[derive(Debug, thiserror::Error)]
pub enum PartialReason {
    /// Stat failed with something other than "no such file" (Go's text, e.g.
    /// `stat <dir>: not a directory`).
    #[error("{0}")]
    Stat(io::Error),
    /// The path exists and is not a directory.
    #[error("not a directory")]
    NotADirectory,
    /// `<v>.partial` exists: an extraction started and did not finish.
    #[error("not completely extracted")]
    NotCompletelyExtracted,
    /// `<v>.ziphash` is missing.
    #[error("ziphash file is missing")]
    ZiphashMissing,
}

impl Error {
    /// Go's `errors.Is(err, fs.ErrNotExist)` for `DownloadDir`: the extracted
    /// directory is missing or incomplete, so it must be (re-)extracted.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::DirNotExist { .. } | Error::DirPartial { .. })
    }

    /// The directory exists but is incomplete (Go's `DownloadDirPartialError`): it
    /// will be removed before extraction.
    pub fn is_partial(&self) -> bool {
        matches!(self, Error::DirPartial { .. })
    }

    /// The module version has no place in the cache (toolchain pseudo-module,
    /// unescapable, non-semver or non-canonical). Go silently skips caching `.info`
    /// and `.mod` files in that case and treats reads as misses.
    pub fn is_uncacheable(&self) -> bool {
        matches!(
            self,
            Error::Toolchain { .. }
                | Error::Escape { .. }
                | Error::NonSemver { .. }
                | Error::NonCanonical { .. }
        )
    }

    /// The directory an error of `DownloadDir` is about.
    pub fn dir(&self) -> Option<&Path> {
        match self {
            Error::DirNotExist { dir, .. } | Error::DirPartial { dir, .. } => Some(dir),
            _ => None,
        }
    }
}

/// Go's `%q` of a path held as a Go string (bytes on Unix).
pub(crate) fn quote_path(p: &Path) -> String {
    quote(crate::modzip::path_bytes(p))
}
