//! The cache's mutexes (`modfetch/cache.go`: lockVersion, SideLock): the per-version
//! `E(v).lock`, and `M/cache/lock`, the side lock taken around go.sum edits.
//!
//! A [`VersionLock`] is held while a version's zip is downloaded or hashed and while
//! its tree is extracted, exactly where the go command holds the same file, so the
//! two never write one version at the same time. Everything that must happen under
//! the lock is a method of the guard ([`VersionLock::begin_zip`],
//! [`VersionLock::write_ziphash`], [`VersionLock::begin_extract`]), and publishing
//! ([`ZipTemp::commit`](super::ZipTemp::commit),
//! [`Extraction::commit`](super::Extraction::commit)) takes the guard as a witness.

use super::error::Error;
use super::extract::{self, ExtractStart};
use super::layout::VersionPaths;
use super::lockedfile::{LockedFile, Locker};
use super::zip::{self, ZipStart, ZipState};
use std::path::Path;

/// The exclusive `flock` on `E(v).lock`, released on drop. Owned and `Send`, so it
/// can travel into the blocking task that does the work.
#[derive(Debug)]
pub struct VersionLock {
    file: LockedFile,
    paths: VersionPaths,
    locker: Locker,
    modcacherw: bool,
}

impl VersionLock {
    /// `lockVersion`: creates the download directory (0777) and locks `E(v).lock`
    /// (created 0666, never deleted). Blocks; see [`Locker`].
    pub(crate) fn acquire(
        paths: VersionPaths,
        locker: Locker,
        modcacherw: bool,
    ) -> Result<VersionLock, Error> {
        super::goos::mkdir_all(paths.download_dir(), 0o777)?;
        let file = locker.mutex(&paths.lock())?;
        Ok(VersionLock {
            file,
            paths,
            locker,
            modcacherw,
        })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The paths of the locked version.
    pub fn paths(&self) -> &VersionPaths {
        &self.paths
    }

    pub(crate) fn locker(&self) -> &Locker {
        &self.locker
    }

    /// The zip state as seen now, under the lock.
    pub fn zip_state(&self) -> ZipState {
        zip::zip_state(&self.paths)
    }

    /// `downloadZip` up to the download: see [`ZipStart`].
    pub fn begin_zip(&self) -> Result<ZipStart, Error> {
        zip::begin(&self.paths, self.path())
    }

    /// `hashZip`'s write, for a zip that is already in place: the verified `h1`
    /// goes to `E(v).ziphash` (exclusive lock, truncate, write).
    pub fn write_ziphash(&self, h1: &str) -> Result<(), Error> {
        zip::write_ziphash(&self.locker, &self.paths.ziphash(), h1)
    }

    /// `DownloadDir` as seen now, under the lock.
    pub fn download_dir(&self) -> Result<std::path::PathBuf, Error> {
        extract::download_dir(&self.paths)
    }

    /// `unzip` up to the extraction: see [`ExtractStart`].
    pub fn begin_extract(&self) -> Result<ExtractStart, Error> {
        extract::begin(&self.paths, self.path(), self.modcacherw)
    }
}

/// `SideLock`: creates `M/cache` and locks `M/cache/lock`.
pub(crate) fn side_lock(root: &Path, locker: &Locker) -> Result<LockedFile, Error> {
    let dir = root.join("cache");
    super::goos::mkdir_all(&dir, 0o777)?;
    locker.mutex(&dir.join("lock"))
}
