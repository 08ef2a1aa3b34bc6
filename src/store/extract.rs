//! The extracted tree: Go's completeness predicate (`modfetch/cache.go`: DownloadDir)
//! and the extraction protocol (`modfetch/fetch.go`: unzip).
//!
//! # Complete
//! [`download_dir`] checks, in Go's order: the directory exists (missing →
//! [`Error::DirNotExist`]; another stat error or not a directory →
//! [`Error::DirPartial`]); no `E(v).partial` (→ partial, "not completely
//! extracted"); for `golang.org/fips140` that is enough; `E(v).ziphash` exists (→
//! partial, "ziphash file is missing"). Both errors satisfy [`Error::is_not_found`].
//! A stat error of the marker files other than "no such file" is a plain error.
//!
//! # Extracting (under the version lock)
//! [`begin`] re-checks completeness; if the tree is incomplete it removes leftovers of
//! pre-1.16 extractors (`<dir>.tmp-*`, chmod then remove, best effort), removes a
//! partial directory (an error here fails), creates the parent (0777) and writes the
//! empty `E(v).partial` (0666). The caller extracts into [`Extraction::dir`] (files
//! 0444, created exclusively), then calls [`Extraction::commit`] — which, unless
//! `-modcacherw`, clears the directories' write bits and then removes `.partial` (an
//! error fails; Go's order is the reverse, see there) — or [`Extraction::abort`],
//! which removes the directory and, only if that worked, `.partial`. Dropping an uncommitted extraction aborts.
//!
//! Rule (spec §2.11): the directory never exists without `.partial` before the
//! `.ziphash` does, so a concurrent `go` never takes a half-written tree for complete;
//! the version lock keeps it from deleting ours while we write.

use super::error::{Error, PartialReason};
use super::goos;
use super::layout::VersionPaths;
use super::lock::VersionLock;
use super::tree;
use crate::modzip::os_err;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The module that ships in GOROOT and needs no `.ziphash`.
const FIPS140_MODULE: &str = "golang.org/fips140";

/// Go's `DownloadDir` predicate over already-checked paths: `Ok(dir)` when complete.
pub(crate) fn download_dir(paths: &VersionPaths) -> Result<PathBuf, Error> {
    let dir = paths.extracted_dir();
    match fs::metadata(dir) {
        Err(e) if goos::is_not_exist(&e) => {
            return Err(Error::DirNotExist {
                dir: dir.to_path_buf(),
                source: os_err("stat", dir, e),
            });
        }
        Err(e) => return Err(partial(dir, PartialReason::Stat(os_err("stat", dir, e)))),
        Ok(md) if !md.is_dir() => return Err(partial(dir, PartialReason::NotADirectory)),
        Ok(_) => {}
    }
    if marker_exists(&paths.partial())? {
        return Err(partial(dir, PartialReason::NotCompletelyExtracted));
    }
    if paths.module().path == FIPS140_MODULE {
        return Ok(dir.to_path_buf());
    }
    if !marker_exists(&paths.ziphash())? {
        return Err(partial(dir, PartialReason::ZiphashMissing));
    }
    Ok(dir.to_path_buf())
}

fn partial(dir: &Path, reason: PartialReason) -> Error {
    Error::DirPartial {
        dir: dir.to_path_buf(),
        reason,
    }
}

/// Whether `path` exists (stat); errors other than "no such file" are errors.
fn marker_exists(path: &Path) -> Result<bool, Error> {
    match fs::metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if goos::is_not_exist(&e) => Ok(false),
        Err(e) => Err(os_err("stat", path, e).into()),
    }
}

/// What [`VersionLock::begin_extract`] found.
#[derive(Debug)]
pub enum ExtractStart {
    /// Someone completed the tree meanwhile: nothing to do.
    Complete(PathBuf),
    /// The tree is to be written: `.partial` exists, the directory does not.
    Extract(Extraction),
}

/// An extraction in progress; see the module docs.
#[derive(Debug)]
pub struct Extraction {
    dir: PathBuf,
    partial: PathBuf,
    lock_path: PathBuf,
    modcacherw: bool,
    finished: bool,
}

/// Go's `unzip` up to the call of the extractor.
pub(crate) fn begin(
    paths: &VersionPaths,
    lock_path: &Path,
    modcacherw: bool,
) -> Result<ExtractStart, Error> {
    let dir = paths.extracted_dir();
    // Go proceeds on any other error as if the directory did not exist.
    let dir_exists = match download_dir(paths) {
        Ok(dir) => return Ok(ExtractStart::Complete(dir)),
        Err(e) => e.is_partial(),
    };
    if let Some(parent) = dir.parent() {
        remove_legacy_temp_dirs(parent, dir);
    }
    if dir_exists {
        tree::remove_all(dir)?;
    }
    if let Some(parent) = dir.parent() {
        goos::mkdir_all(parent, 0o777)?;
    }
    let partial = paths.partial();
    goos::write_empty(&partial, 0o666)?;
    Ok(ExtractStart::Extract(Extraction {
        dir: dir.to_path_buf(),
        partial,
        lock_path: lock_path.to_path_buf(),
        modcacherw,
        finished: false,
    }))
}

/// Removes `<parent>/<base(dir)>.tmp-*` (pre-1.16 extraction directories), best effort.
fn remove_legacy_temp_dirs(parent: &Path, dir: &Path) {
    let Some(base) = dir.file_name() else {
        return;
    };
    let prefix = crate::modzip::path_bytes(Path::new(base)).into_owned();
    let prefix = [prefix.as_slice(), b".tmp-"].concat();
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        if crate::modzip::path_bytes(Path::new(&name)).starts_with(&prefix) {
            let _ = tree::remove_all(&parent.join(name));
        }
    }
}

impl Extraction {
    /// The directory to extract into (it does not exist yet; its parent does).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The `.partial` marker.
    pub fn partial(&self) -> &Path {
        &self.partial
    }

    /// Publishes the tree: (unless `-modcacherw`) makes the directories read-only,
    /// then removes `.partial`. Go does these the other way round, so a `go` killed
    /// between the two leaves a complete tree with writable directories, which no
    /// later run corrects; in this order a kill leaves a partial tree, which the next
    /// run (ours or go's) removes, read-only directories and all, and extracts
    /// again. `lock` must be the version lock the extraction began under. Returns
    /// the directory.
    pub fn commit(mut self, lock: &VersionLock) -> Result<PathBuf, Error> {
        if lock.path() != self.lock_path {
            return Err(Error::WrongLock {
                what: self.dir.clone(),
                held: lock.path().to_path_buf(),
            });
        }
        // From here on Go leaves whatever happens in place for the next run.
        self.finished = true;
        if !self.modcacherw {
            tree::make_dirs_read_only(&self.dir);
        }
        goos::remove(&self.partial)?;
        Ok(std::mem::take(&mut self.dir))
    }

    /// Gives up: removes the directory, then (only if that worked) `.partial`.
    pub fn abort(mut self) -> io::Result<()> {
        self.finished = true;
        self.remove()
    }

    fn remove(&self) -> io::Result<()> {
        tree::remove_all(&self.dir)?;
        let _ = goos::remove(&self.partial);
        Ok(())
    }
}

impl Drop for Extraction {
    fn drop(&mut self) {
        if !self.finished
            && let Err(e) = self.remove()
        {
            tracing::warn!(dir = %self.dir.display(), "removing an abandoned extraction: {e}");
        }
    }
}
