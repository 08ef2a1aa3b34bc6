//! The module cache (GOMODCACHE), laid out, locked and written exactly as the go
//! command does it, so that `go` and gomodfetch can share one cache at the same time
//! and each takes the other's work as its own (spec §1–2; Go's
//! `cmd/go/internal/modfetch/{cache,fetch}.go` and `cmd/go/internal/lockedfile`).
//!
//! # What it guarantees
//! * **Layout**: the same paths and `!` escapes ([`VersionPaths`]), with Go's checks
//!   and messages before any path is formed (not `go`/`toolchain`, semver,
//!   canonical).
//! * **Locks**: `flock(2)` on the very files Go locks — `E(v).lock` per version
//!   ([`VersionLock`]), `list` while it is rewritten, `.ziphash` while it is written
//!   or read, `M/cache/lock` and go.sum itself around go.sum edits
//!   ([`Store::update_go_sum`]). See [`lockedfile`].
//! * **Atomic publication**: `.info`/`.mod` by temp file and rename, then the `list`
//!   rewrite; the zip into `E(v).zip<N>.tmp`, the `.ziphash` written before the
//!   rename to `E(v).zip` ([`ZipTemp`]); the tree extracted under a `.partial` marker
//!   that is removed before the directories become read-only ([`Extraction`]).
//! * **Completeness as Go judges it**: [`Store::zip_state`], [`Store::download_dir`]
//!   (Go's `DownloadDir`, including the `golang.org/fips140` exception),
//!   [`Store::read_info`] (present = parses as JSON), [`Store::read_mod`] (absent if it
//!   starts with `//vgo 0.0.`), [`Store::read_ziphash`] (trimmed, NUL and length
//!   checks). Whatever a crash leaves behind is classified as Go classifies it and
//!   repaired the way Go repairs it (spec §2.7), under the lock.
//! * **Modes**: cache files 0666 and directories 0777 before the umask; extracted
//!   directories lose their write bits unless `-modcacherw`; [`remove_all`] makes
//!   directories writable before deleting.
//!
//! # Error model
//! One [`Error`]; its `Display` is the go command's text. Decisions use predicates:
//! [`Error::is_not_found`] (extracted tree missing or partial: extract it),
//! [`Error::is_partial`], [`Error::is_uncacheable`] (Go silently skips caching such
//! versions). The store never prints; it logs through `tracing` (lock waits at info
//! level, clean-ups at debug).
//!
//! # How the engine calls it
//! Every function blocks (file I/O and `flock` waits), so the engine calls them from
//! blocking threads (`tokio::task::spawn_blocking` or a dedicated pool), never on the
//! async runtime. All returned guards are owned and `Send`. One download, as Go does
//! it (`modfetch.Download`), with the zip streamed and extracted in one pass:
//!
//! ```no_run
//! # use gomodfetch::store::*;
//! # use gomodfetch::module::ModuleVersion;
//! # fn h1_of_streamed_zip(_: &ZipTemp, _: &Extraction) -> String { String::new() }
//! # fn run() -> Result<(), Error> {
//! let store = Store::open("/home/me/go/pkg/mod", StoreOptions::default())?;
//! let m = ModuleVersion::new("example.com/m", "v1.0.0");
//! store.write_info(&m, br#"{"Version":"v1.0.0","Time":"2024-01-01T00:00:00Z"}"#)?;
//! store.write_mod(&m, b"module example.com/m\n")?;       // also rewrites `list`
//! if store.download_dir(&m).is_err() {                   // not complete (or error)
//!     let lock = store.lock_version(&m)?;                // may wait for a `go` process
//!     let zip = lock.begin_zip()?;                       // re-check, clean stale temps
//!     let ext = lock.begin_extract()?;                   // re-check, clean, `.partial`
//!     if let (ZipStart::Download(tmp), ExtractStart::Extract(ext)) = (zip, ext) {
//!         // stream the zip into tmp.file() and extract into ext.dir() …
//!         let h1 = h1_of_streamed_zip(&tmp, &ext);       // … then verify it (go.sum)
//!         tmp.commit(&lock, &h1)?;                       // `.ziphash`, then rename
//!         ext.commit(&lock)?;                            // drop `.partial`, read-only
//!     }                                                  // (other cases: see docs)
//! }                                                      // lock released here
//! let sum = store.sum(&m);                               // `Sum` of the -json record
//! # let _ = sum; Ok(()) }
//! ```
//!
//! `Store` is cheap to clone and holds no open files; locks are only held by the
//! guards it returns.
//!
//! Locks are **not re-entrant**: `flock` locks of two opens of one file exclude each
//! other even inside one process, so locking a version whose [`VersionLock`] this
//! process already holds waits forever (or until the timeout). Do everything for a
//! version under the one guard.
//!
//! Not reproduced: on reading an `.info` whose re-encoding differs from its bytes, Go
//! rewrites the file with the same bytes (temp file and rename); the content never
//! changes, so the store leaves the file alone.

mod atomic;
mod error;
mod extract;
mod goos;
mod layout;
mod list;
mod lock;
pub mod lockedfile;
mod tree;
mod zip;

pub use error::{Error, PartialReason};
pub use extract::{ExtractStart, Extraction};
pub use layout::VersionPaths;
pub use list::list_content;
pub use lock::VersionLock;
pub use lockedfile::{LockKind, LockedFile, Locker};
pub use tree::{make_dirs_read_only, remove_all};
pub use zip::{ZipStart, ZipState, ZipTemp, Ziphash, is_valid_sum};

use crate::module::ModuleVersion;
use crate::modzip::os_err;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The prefix of go.mod files written by the prototype `vgo`; such cached files
/// are treated as absent.
const OLD_VGO_PREFIX: &[u8] = b"//vgo 0.0.";

/// How a [`Store`] behaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreOptions {
    /// `-modcacherw`: leave extracted directories writable.
    pub modcacherw: bool,
    /// Give up waiting for a lock after this long (`None`: wait as `go` does, for
    /// as long as it takes, after logging that we wait).
    pub lock_timeout: Option<Duration>,
}

/// A module cache root and how to use it. See the module docs.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    locker: Locker,
    modcacherw: bool,
}

impl Store {
    /// Go's `checkCacheDir` on `gomodcache` (the GOMODCACHE value): it must be
    /// non-empty and absolute; it is created (0777) when missing and must be a
    /// directory. Paths are then formed from its `filepath.Clean`ed form.
    pub fn open(gomodcache: impl AsRef<OsStr>, options: StoreOptions) -> Result<Store, Error> {
        let raw = Path::new(gomodcache.as_ref());
        if raw.as_os_str().is_empty() {
            return Err(Error::NoCacheDir);
        }
        if !raw.is_absolute() {
            return Err(Error::RelativeCacheDir {
                root: raw.to_path_buf(),
            });
        }
        let create_err = |source| Error::CreateCacheDir {
            root: raw.to_path_buf(),
            source,
        };
        match std::fs::metadata(raw) {
            Ok(md) if md.is_dir() => {}
            Ok(_) => {
                return Err(Error::CacheDirNotDir {
                    root: raw.to_path_buf(),
                });
            }
            Err(e) if goos::is_not_exist(&e) => {
                goos::mkdir_all(raw, 0o777).map_err(create_err)?;
            }
            Err(e) => return Err(create_err(os_err("stat", raw, e))),
        }
        Ok(Store {
            root: layout::clean_root(raw),
            locker: match options.lock_timeout {
                Some(t) => Locker::with_timeout(t),
                None => Locker::wait_forever(),
            },
            modcacherw: options.modcacherw,
        })
    }

    /// The cache root (cleaned).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// How this store waits for locks (also for go.sum reads by the engine).
    pub fn locker(&self) -> &Locker {
        &self.locker
    }

    /// Whether extracted trees stay writable (`-modcacherw`).
    pub fn modcacherw(&self) -> bool {
        self.modcacherw
    }

    /// `M/cache/download/E(path)/@v` (Go's `cacheDir`).
    pub fn cache_dir(&self, path: &str) -> Result<PathBuf, Error> {
        layout::cache_dir(&self.root, path)
    }

    /// Every path of `m`, after Go's `CachePath` checks.
    pub fn paths(&self, m: &ModuleVersion) -> Result<VersionPaths, Error> {
        VersionPaths::new(&self.root, m)
    }

    /// Go's `DownloadDir`: `Ok(dir)` when the extracted tree is complete; an error
    /// with [`Error::is_not_found`] when it is missing or partial (the directory is
    /// [`Error::dir`]); any other error otherwise.
    pub fn download_dir(&self, m: &ModuleVersion) -> Result<PathBuf, Error> {
        extract::download_dir(&self.paths(m)?)
    }

    /// Whether the zip and its ziphash exist (no lock taken, as in Go).
    pub fn zip_state(&self, m: &ModuleVersion) -> Result<ZipState, Error> {
        Ok(zip::zip_state(&self.paths(m)?))
    }

    /// Locks `E(v).lock` (blocking; see [`Locker`]).
    pub fn lock_version(&self, m: &ModuleVersion) -> Result<VersionLock, Error> {
        VersionLock::acquire(self.paths(m)?, self.locker, self.modcacherw)
    }

    /// The cached `.info` bytes, if the file exists and parses as JSON (the
    /// engine decodes it; Go also requires the fields to have the right types).
    /// Any failure is a miss, as in Go.
    pub fn read_info(&self, m: &ModuleVersion) -> Option<Vec<u8>> {
        let data = self.read_cache_file(m, "info")?;
        is_json(&data).then_some(data)
    }

    /// The cached `.mod` bytes, unless missing, unreadable or from `vgo` (starting
    /// with `//vgo 0.0.`). Its hash is the engine's to verify on every read.
    pub fn read_mod(&self, m: &ModuleVersion) -> Option<Vec<u8>> {
        let data = self.read_cache_file(m, "mod")?;
        if data.starts_with(OLD_VGO_PREFIX) {
            return None;
        }
        if let Ok(paths) = self.paths(m) {
            self.ensure_listed(&paths);
        }
        Some(data)
    }

    /// Repairs `@v/list` when a cached `.mod` is missing from it: a process killed
    /// between writing the `.mod` and rewriting `list` (Go's order too) leaves it
    /// stale or absent, and Go rewrites it only with the next new `.mod`, so a cache
    /// served as a `file://` GOPROXY would go on hiding the version. One small read
    /// per hit; versions `list` never holds (non-canonical escaped names) are skipped.
    fn ensure_listed(&self, paths: &VersionPaths) {
        let v = paths.escaped_version();
        if crate::module::canonical_version(v) != v {
            return;
        }
        let listed = std::fs::read(paths.list())
            .is_ok_and(|l| l.split(|b| *b == b'\n').any(|line| line == v.as_bytes()));
        if listed {
            return;
        }
        if let Err(e) = list::rewrite_version_list(&self.locker, paths.download_dir()) {
            tracing::debug!(list = %paths.list().display(), "repairing the version list: {e}");
        }
    }

    fn read_cache_file(&self, m: &ModuleVersion, suffix: &str) -> Option<Vec<u8>> {
        let file = self.paths(m).ok()?.cache_file(suffix);
        match std::fs::read(&file) {
            Ok(data) => Some(data),
            Err(e) => {
                tracing::trace!(file = %file.display(), "cache miss: {e}");
                None
            }
        }
    }

    /// Go's `readDiskStatByHash`, the fallback the go command uses for a commit-hash
    /// query when `GOPROXY=off`: among the cached `.info` files of `path` named
    /// `<pseudo-version ending in -<first 12 hex digits of rev>>.info`, the
    /// semver-highest, read as [`Store::read_info`] reads. `rev` must be at least
    /// 12 lower-case hex digits. Returns the version and the `.info` bytes.
    pub fn info_by_hash(&self, path: &str, rev: &str) -> Option<(String, Vec<u8>)> {
        let all_hex = rev
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
        if !all_hex || rev.len() < 12 {
            return None;
        }
        let suffix = format!("-{}.info", &rev[..12]);
        let dir = self.cache_dir(path).ok()?;
        let best = std::fs::read_dir(dir)
            .ok()?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(&suffix))
            .filter_map(|name| name.strip_suffix(".info").map(str::to_string))
            .filter(|v| crate::module::is_pseudo_version(v))
            .max_by(|a, b| crate::semver::compare(a, b))?;
        let info = self.read_info(&ModuleVersion::new(path, best.as_str()))?;
        Some((best, info))
    }

    /// Writes `E(v).info` (the bytes `revinfo` produced) by temp file and rename.
    pub fn write_info(&self, m: &ModuleVersion, info: &[u8]) -> Result<PathBuf, Error> {
        let file = self.paths(m)?.info();
        atomic::write_file(&file, info)?;
        Ok(file)
    }

    /// Writes `E(v).mod` (verified go.mod bytes) by temp file and rename, then
    /// rewrites `list`. A failed `list` rewrite is logged and ignored, as in Go.
    pub fn write_mod(&self, m: &ModuleVersion, gomod: &[u8]) -> Result<PathBuf, Error> {
        let paths = self.paths(m)?;
        let file = paths.gomod();
        atomic::write_file(&file, gomod)?;
        if let Err(e) = list::rewrite_version_list(&self.locker, paths.download_dir()) {
            tracing::warn!(list = %paths.list().display(), "rewriting the version list: {e}");
        }
        Ok(file)
    }

    /// `checkMod`'s read of `E(v).ziphash` (shared lock). An unreadable file is
    /// [`Error::ReadZiphash`]; a valid length without `h1:` is
    /// [`Error::UnexpectedZiphash`]; a torn file is [`Ziphash::Invalid`] (re-hash the
    /// zip under the version lock and [`VersionLock::write_ziphash`]).
    pub fn read_ziphash(&self, m: &ModuleVersion) -> Result<Ziphash, Error> {
        zip::read_ziphash(&self.locker, &self.paths(m)?)
    }

    /// `checkMod`'s repair of a torn ziphash: writes the verified `h1` of the
    /// existing zip to `E(v).ziphash` under the ziphash's own lock only, as Go does
    /// (no version lock; use [`VersionLock::write_ziphash`] when holding it).
    pub fn repair_ziphash(&self, m: &ModuleVersion, h1: &str) -> Result<(), Error> {
        zip::write_ziphash(&self.locker, &self.paths(m)?.ziphash(), h1)
    }

    /// Go's `Sum`: the ziphash for the `-json` `Sum` field, `None` when it cannot be
    /// read or is not valid.
    pub fn sum(&self, m: &ModuleVersion) -> Option<String> {
        zip::sum(&self.locker, &self.paths(m).ok()?)
    }

    /// Go's `WriteGoSum` file protocol: a best-effort exclusive lock on
    /// `M/cache/lock` (the side lock, failures ignored), then `lockedfile.Transform`
    /// of `go_sum` with `merge`, which gets the file's current contents (re-read
    /// under the lock, so sums other processes added meanwhile can be merged) and
    /// returns the new contents. Errors read `updating go.sum: …`.
    pub fn update_go_sum<F, E>(&self, go_sum: &Path, merge: F) -> Result<(), Error>
    where
        F: FnOnce(&[u8]) -> Result<Vec<u8>, E>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        self.transform_side_locked(go_sum, merge)
            .map_err(|e| Error::UpdateGoSum {
                path: go_sum.to_path_buf(),
                source: Box::new(e),
            })
    }

    /// `commitRequirements`' go.mod write: the side lock (best effort), then
    /// `lockedfile.Transform` of `go_mod` with `edit`. Errors are the lock's or
    /// `edit`'s; the caller words them (`updating go.mod: …`).
    pub fn update_go_mod<F, E>(&self, go_mod: &Path, edit: F) -> Result<(), Error>
    where
        F: FnOnce(&[u8]) -> Result<Vec<u8>, E>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        self.transform_side_locked(go_mod, edit)
    }

    fn transform_side_locked<F, E>(&self, file: &Path, f: F) -> Result<(), Error>
    where
        F: FnOnce(&[u8]) -> Result<Vec<u8>, E>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let _side = match lock::side_lock(&self.root, &self.locker) {
            Ok(guard) => Some(guard),
            Err(e) => {
                tracing::debug!("side lock not taken (best effort): {e}");
                None
            }
        };
        self.locker.transform(file, f)
    }
}

/// Whether `data` is one JSON value. Go's decoder replaces invalid UTF-8 inside
/// strings instead of failing, so the check does too.
fn is_json(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok()
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
