//! The `.zip` and `.ziphash` of a module version (`modfetch/fetch.go`: DownloadZip,
//! downloadZip, hashZip, checkMod, Sum, isValidSum).
//!
//! # State
//! The zip is complete when `E(v).zip` **and** `E(v).ziphash` exist ([`ZipState`]).
//! A zip without its ziphash is re-hashed, not downloaded again; anything else
//! (including a ziphash without its zip) is downloaded.
//!
//! # Download protocol (under the version lock)
//! [`VersionLock::begin_zip`](super::VersionLock::begin_zip) re-checks the state,
//! creates the download directory, removes stale `E(v).zip*.tmp` files (best
//! effort: their writers are gone, we hold the lock), and then either reports
//! [`ZipStart::Rehash`] or creates the exclusive temp file `E(v).zip<N>.tmp` (0666)
//! of [`ZipStart::Download`]. The caller writes the zip into [`ZipTemp::file`]
//! (rewinding with [`ZipTemp::reset`] before trying another proxy), checks it,
//! verifies its hash, then [`ZipTemp::commit`]s: the `.ziphash` is written first
//! (`lockedfile.Create`: exclusive lock, truncate, extend to 47 bytes, write at 0),
//! then the temp file is renamed to `E(v).zip`. A temp file that is dropped
//! uncommitted is removed.
//!
//! # Reading the ziphash
//! Under a shared lock; the content is trimmed of white space, and a NUL byte or a
//! length other than 47 makes it invalid (a torn write: re-hash the zip). A valid
//! length without the `h1:` prefix is an error.

use super::atomic;
use super::error::Error;
use super::goos;
use super::layout::VersionPaths;
use super::lock::VersionLock;
use super::lockedfile::Locker;
use crate::modzip::os_err;
use std::fs::{self, File};
use std::io::{self, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Length of `"h1:" + base64(sha256)`.
const SUM_LEN: usize = 47;

/// What exists of a version's zip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZipState {
    /// `.zip` and `.ziphash` both exist.
    Complete,
    /// `.zip` exists, `.ziphash` does not: hash the zip again, no download.
    ZiphashMissing,
    /// No `.zip` (whatever the `.ziphash`): download.
    ZipMissing,
}

impl ZipState {
    /// Both files exist.
    pub fn is_complete(self) -> bool {
        self == ZipState::Complete
    }

    /// Not complete: work is needed under the lock.
    pub fn is_not_found(self) -> bool {
        !self.is_complete()
    }
}

/// `os.Stat` of the zip and the ziphash (any error counts as absent, as in Go).
pub(crate) fn zip_state(paths: &VersionPaths) -> ZipState {
    let zip = fs::metadata(paths.zip()).is_ok();
    let hash = fs::metadata(paths.ziphash()).is_ok();
    match (zip, hash) {
        (true, true) => ZipState::Complete,
        (true, false) => ZipState::ZiphashMissing,
        (false, _) => ZipState::ZipMissing,
    }
}

/// What [`VersionLock::begin_zip`](super::VersionLock::begin_zip) found.
#[derive(Debug)]
pub enum ZipStart {
    /// Zip and ziphash exist (perhaps written while we waited for the lock).
    Complete(PathBuf),
    /// The zip exists without its ziphash: hash it (`dirhash::hash_zip`), verify,
    /// then [`VersionLock::write_ziphash`](super::VersionLock::write_ziphash).
    Rehash(PathBuf),
    /// Download into this temp file.
    Download(ZipTemp),
}

/// Go's `downloadZip` up to the download.
pub(crate) fn begin(paths: &VersionPaths, lock_path: &Path) -> Result<ZipStart, Error> {
    let zip = paths.zip();
    let state = zip_state(paths);
    if state.is_complete() {
        return Ok(ZipStart::Complete(zip));
    }
    let dir = paths.download_dir();
    goos::mkdir_all(dir, 0o777)?;
    let base = format!("{}.zip", paths.escaped_version());
    remove_stale_temps(dir, &base);
    if state == ZipState::ZiphashMissing {
        return Ok(ZipStart::Rehash(zip));
    }
    let (file, path) = atomic::temp_file(dir, &base, 0o666)?;
    Ok(ZipStart::Download(ZipTemp {
        file,
        temp: TempPath(path),
        zip,
        ziphash: paths.ziphash(),
        lock_path: lock_path.to_path_buf(),
    }))
}

/// Removes `<dir>/<base>*.tmp` (Go's glob), best effort.
fn remove_stale_temps(dir: &Path, base: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.len() >= base.len() + 4 && name.starts_with(base) && name.ends_with(".tmp") {
            tracing::debug!(file = %dir.join(name).display(), "removing a stale zip temp file");
            let _ = goos::remove(&dir.join(name));
        }
    }
}

/// The temp file a zip is downloaded into; see the module docs.
#[derive(Debug)]
pub struct ZipTemp {
    // Declared before `temp`, so the file is closed before it is removed.
    file: File,
    temp: TempPath,
    zip: PathBuf,
    ziphash: PathBuf,
    lock_path: PathBuf,
}

/// A path removed on drop unless [`TempPath::keep`] was called.
#[derive(Debug)]
struct TempPath(PathBuf);

impl TempPath {
    fn keep(mut self) {
        self.0 = PathBuf::new();
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if !self.0.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.0);
        }
    }
}

impl ZipTemp {
    /// The temp file's path (`E(v).zip<N>.tmp`).
    pub fn path(&self) -> &Path {
        &self.temp.0
    }

    /// Where the zip will be published.
    pub fn zip_path(&self) -> &Path {
        &self.zip
    }

    /// The open temp file (read-write; `&File` implements `Read`, `Write`, `Seek`).
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Empties the file and rewinds it, for another attempt (Go does this before
    /// falling back to the next proxy).
    pub fn reset(&mut self) -> io::Result<()> {
        let path = &self.temp.0;
        (&self.file)
            .seek(SeekFrom::Start(0))
            .map_err(|e| os_err("seek", path, e))?;
        self.file
            .set_len(0)
            .map_err(|e| os_err("truncate", path, e))
    }

    /// Publishes the zip whose verified hash is `h1`: writes the `.ziphash`, then
    /// renames the temp file to `E(v).zip`. On failure the temp file is removed.
    /// `lock` must be the version lock the download began under.
    pub fn commit(self, lock: &VersionLock, h1: &str) -> Result<PathBuf, Error> {
        let ZipTemp {
            file,
            temp,
            zip,
            ziphash,
            lock_path,
        } = self;
        if lock.path() != lock_path {
            return Err(Error::WrongLock {
                what: zip,
                held: lock.path().to_path_buf(),
            });
        }
        drop(file);
        write_ziphash(lock.locker(), &ziphash, h1)?;
        goos::rename(&temp.0, &zip)?;
        temp.keep();
        Ok(zip)
    }
}

/// `hashZip`'s write, under the ziphash's own lock as Go's `lockedfile.Write`, but
/// never torn: see [`LockedFile::replace`](super::lockedfile::LockedFile::replace).
pub(crate) fn write_ziphash(locker: &Locker, path: &Path, h1: &str) -> Result<(), Error> {
    locker.put(path, || Ok(h1.as_bytes().to_vec()))
}

/// The content of a `.ziphash`, as `checkMod` judges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ziphash {
    /// A 47-byte `h1:` hash (trimmed).
    Valid(String),
    /// NUL bytes or the wrong length: recompute it from the zip.
    Invalid(Vec<u8>),
}

/// `checkMod`'s read of the ziphash.
pub(crate) fn read_ziphash(locker: &Locker, paths: &VersionPaths) -> Result<Ziphash, Error> {
    let module = paths.module().clone();
    let data = locker.read(&paths.ziphash()).map_err(|e| match e {
        Error::Io(source) => Error::ReadZiphash {
            module: module.clone(),
            source,
        },
        other => other,
    })?;
    let data = trim_space(&data);
    if !is_valid_sum(data) {
        return Ok(Ziphash::Invalid(data.to_vec()));
    }
    if !data.starts_with(b"h1:") {
        return Err(Error::UnexpectedZiphash {
            module,
            hash: data.to_vec(),
        });
    }
    Ok(Ziphash::Valid(String::from_utf8_lossy(data).into_owned()))
}

/// Go's `Sum`: the trimmed ziphash when it is valid, else `None` (no prefix check).
pub(crate) fn sum(locker: &Locker, paths: &VersionPaths) -> Option<String> {
    let data = locker.read(&paths.ziphash()).ok()?;
    let data = trim_space(&data);
    is_valid_sum(data).then(|| String::from_utf8_lossy(data).into_owned())
}

/// `isValidSum`: no NUL byte, exactly 47 bytes.
pub fn is_valid_sum(data: &[u8]) -> bool {
    !data.contains(&0) && data.len() == SUM_LEN
}

/// Go's `bytes.TrimSpace`: leading and trailing Unicode white space (Go's
/// `unicode.IsSpace` is the White_Space property, as Rust's `char::is_whitespace`);
/// bytes that are not valid UTF-8 are never space.
fn trim_space(b: &[u8]) -> &[u8] {
    let lead = b.utf8_chunks().next().map_or(0, |c| {
        let v = c.valid();
        v.len() - v.trim_start().len()
    });
    let b = &b[lead..];
    let trail = match b.utf8_chunks().last() {
        Some(c) if c.invalid().is_empty() => {
            let v = c.valid();
            v.len() - v.trim_end().len()
        }
        _ => 0,
    };
    &b[..b.len() - trail]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_space_is_gos() {
        assert_eq!(trim_space(b" \t\nabc\r\n"), b"abc");
        assert_eq!(trim_space("\u{a0}abc\u{85}\u{3000}".as_bytes()), b"abc");
        assert_eq!(trim_space(b"\xffabc \xff"), b"\xffabc \xff");
        assert_eq!(trim_space(b" \xff "), b"\xff");
        assert_eq!(trim_space(b"   "), b"");
        assert_eq!(trim_space(b""), b"");
    }

    #[test]
    fn valid_sum() {
        let h = "h1:6fJa6E+wGadANKkUMlZ0DhXFpoKlslOQDCo259XtdIE=";
        assert!(is_valid_sum(h.as_bytes()));
        assert!(!is_valid_sum(&h.as_bytes()[..46]));
        let mut nul = h.as_bytes().to_vec();
        nul[10] = 0;
        assert!(!is_valid_sum(&nul));
        assert!(is_valid_sum(
            b"xx:6fJa6E+wGadANKkUMlZ0DhXFpoKlslOQDCo259XtdIE="
        ));
    }
}
