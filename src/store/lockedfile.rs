//! Go's `cmd/go/internal/lockedfile`: files whose contents change only under an
//! advisory lock, with the exact locks the go command takes, so that a `go` process
//! and gomodfetch working on one cache exclude each other.
//!
//! # The lock
//! `flock(2)` on the open file description (`LOCK_EX` when the file is opened for
//! writing, `LOCK_SH` when read-only), retried on `EINTR`: the BSD locks Go uses on
//! Linux, macOS and the BSDs. Not `fcntl` record locks, which `flock` does not see.
//! Because the lock belongs to the open file description, two opens of one file in
//! this process exclude each other just as two processes do, so no in-process mutex
//! is needed. Dropping a [`LockedFile`] unlocks and closes it; a killed process's
//! locks are released by the kernel.
//!
//! # Waiting
//! Every acquisition first tries without blocking. If the lock is held, it logs (via
//! `tracing`, at info level) that it waits, naming the lock file, then either blocks
//! until it gets the lock ([`Locker::wait_forever`], Go's behaviour) or polls until a
//! deadline and fails with [`Error::LockTimeout`] ([`Locker::with_timeout`]). All of
//! this blocks the calling thread: call it from a blocking thread
//! (`tokio::task::spawn_blocking`), never from an async task.
//!
//! # Operations (Go's names)
//! * [`Locker::read`]: open read-only, flock-S, read everything (`Read`).
//! * [`Locker::write`]: open write-only/create, flock-X, truncate, write (`Write`).
//! * [`Locker::create`]: read-write/create, 0666, flock-X, truncate (`Create`).
//! * [`Locker::edit`]: read-write/create, 0666, flock-X, no truncation (`Edit`).
//! * [`Locker::transform`]: `Edit`, read, compute, write back (`Transform`). Unlike
//!   Go, which rewrites in place, the new contents go to a temp file beside the
//!   target that is renamed over it while the lock is held, so a process killed
//!   mid-write leaves the old file or the new one, never a torn mix (see
//!   [`LockedFile::replace`]).
//! * [`Locker::mutex`]: the `lockedfile.Mutex` protocol: `Edit` of a lock file that is
//!   never written and never deleted.
//!
//! Truncation happens after the lock is taken, as in Go (the file is opened without
//! `O_TRUNC`). Errors are worded as Go's: `open <path>: …`, `Lock <path>: …`,
//! `write <path>: …`.

use super::error::Error;
use crate::modzip::os_err;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[cfg(unix)]
use std::os::unix::fs::{FileExt, OpenOptionsExt};

/// Shared (read) or exclusive (write) lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    Shared,
    Exclusive,
}

impl LockKind {
    /// Go's name for the operation in errors (`filelock.lockType.String`).
    fn op(self) -> &'static str {
        match self {
            LockKind::Shared => "RLock",
            LockKind::Exclusive => "Lock",
        }
    }
}

/// How an acquisition waits for a lock someone else holds. See the module docs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Locker {
    timeout: Option<Duration>,
}

/// An open file holding a `flock`. Dropping it unlocks and closes the file.
#[derive(Debug)]
pub struct LockedFile {
    file: File,
    path: PathBuf,
    kind: LockKind,
}

impl LockedFile {
    /// The open file (read, write and seek through `&File`).
    pub fn file(&self) -> &File {
        &self.file
    }

    /// The path it was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock held.
    pub fn kind(&self) -> LockKind {
        self.kind
    }

    /// `ReadAll` from the current offset, with Go's error wording.
    pub fn read_all(&self) -> io::Result<Vec<u8>> {
        let mut data = Vec::new();
        (&self.file)
            .read_to_end(&mut data)
            .map_err(|e| os_err("read", &self.path, e))?;
        Ok(data)
    }

    /// `Truncate(size)`, with Go's error wording.
    pub fn truncate(&self, size: u64) -> io::Result<()> {
        self.file
            .set_len(size)
            .map_err(|e| os_err("truncate", &self.path, e))
    }

    /// `WriteAt(data, offset)`: all of `data` at `offset`, with Go's error wording.
    pub fn write_at(&self, data: &[u8], offset: u64) -> io::Result<()> {
        #[cfg(unix)]
        let r = self.file.write_all_at(data, offset);
        #[cfg(not(unix))]
        let r = {
            use std::io::{Seek, SeekFrom, Write};
            (&self.file)
                .seek(SeekFrom::Start(offset))
                .and_then(|_| (&self.file).write_all(data))
        };
        r.map_err(|e| os_err("write", &self.path, e))
    }
}

impl Drop for LockedFile {
    fn drop(&mut self) {
        // Unlock while the descriptor is still valid, then close (as Go's closeFile).
        let _ = sys::unlock(&self.file);
    }
}

/// How a file is opened before it is locked.
#[derive(Debug, Clone, Copy)]
struct Open {
    read: bool,
    write: bool,
    create: bool,
    truncate: bool,
    perm: u32,
}

impl Locker {
    /// Wait as long as it takes (the go command's behaviour), after logging.
    pub fn wait_forever() -> Locker {
        Locker { timeout: None }
    }

    /// Give up with [`Error::LockTimeout`] after `timeout` of waiting.
    pub fn with_timeout(timeout: Duration) -> Locker {
        Locker {
            timeout: Some(timeout),
        }
    }

    /// The configured limit, if any.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// `lockedfile.Read`: the contents of `path`, read under a shared lock.
    pub fn read(&self, path: &Path) -> Result<Vec<u8>, Error> {
        let f = self.open(path, Open::read_only())?;
        Ok(f.read_all()?)
    }

    /// `lockedfile.Write`: replaces the contents of `path` (created with `perm`)
    /// under an exclusive lock. Not atomic for readers that open it meanwhile: they
    /// may see it empty (Go treats empty sumdb cache files as absent for that reason).
    pub fn write(&self, path: &Path, data: &[u8], perm: u32) -> Result<(), Error> {
        let f = self.open(
            path,
            Open {
                read: false,
                write: true,
                create: true,
                truncate: true,
                perm,
            },
        )?;
        f.write_at(data, 0)?;
        Ok(())
    }

    /// `lockedfile.Create`: `path` opened read-write, created 0666, exclusively
    /// locked, then truncated.
    pub fn create(&self, path: &Path) -> Result<LockedFile, Error> {
        self.open(
            path,
            Open {
                truncate: true,
                ..Open::edit()
            },
        )
    }

    /// `lockedfile.Edit`: `path` opened read-write, created 0666, exclusively locked,
    /// contents kept.
    pub fn edit(&self, path: &Path) -> Result<LockedFile, Error> {
        self.open(path, Open::edit())
    }

    /// [`Locker::edit`] of the file `path` names once the lock is held: a writer
    /// that [replaced](LockedFile::replace) the file while this one waited leaves
    /// the lock on an inode no path names any more, so the open is retried.
    pub fn edit_current(&self, path: &Path) -> Result<LockedFile, Error> {
        loop {
            let f = self.edit(path)?;
            if same_file(&f.file, path) {
                return Ok(f);
            }
        }
    }

    /// Sets the contents of the cache file `path` to what `make` returns, so that
    /// the file goes from absent or its old contents to the new ones at once. An
    /// existing file is locked and [replaced](LockedFile::replace) (unchanged
    /// contents are left alone), `make` running under the lock. A missing one is not
    /// created empty to be locked (Go's way, which a kill turns into an empty file):
    /// it is written whole to a temp file and linked into place only if the name is
    /// still free; if another writer created it meanwhile (or the file system has no
    /// hard links), the locked path runs, so the last writer's `make` sees every
    /// earlier writer's work (`@v/list` is recomputed from the directory).
    pub fn put(&self, path: &Path, make: impl Fn() -> Result<Vec<u8>, Error>) -> Result<(), Error> {
        if std::fs::symlink_metadata(path).is_err() {
            let data = make()?;
            if super::atomic::create_whole(path, &data)? {
                return Ok(());
            }
        }
        let f = self.edit_current(path)?;
        let old = f.read_all()?;
        let new = make()?;
        if new != old {
            f.replace(&old, &new)?;
        }
        Ok(())
    }

    /// `lockedfile.Mutex.Lock` on the lock file `path` (never written, never
    /// deleted): held until the returned file is dropped.
    pub fn mutex(&self, path: &Path) -> Result<LockedFile, Error> {
        self.edit(path)
    }

    /// `lockedfile.Transform`: under an exclusive lock on `path` (created if
    /// missing), passes the current contents to `t` and writes back what it returns
    /// (nothing when unchanged), atomically where the directory allows: see
    /// [`LockedFile::replace`].
    pub fn transform<F, E>(&self, path: &Path, t: F) -> Result<(), Error>
    where
        F: FnOnce(&[u8]) -> Result<Vec<u8>, E>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let f = self.edit_current(path)?;
        let old = f.read_all()?;
        let new = t(&old).map_err(|e| Error::Transform(e.into()))?;
        if new != old {
            rewrite(&f, &old, &new, true)?;
        }
        Ok(())
    }

    fn open(&self, path: &Path, how: Open) -> Result<LockedFile, Error> {
        let file = how.open(path).map_err(|e| os_err("open", path, e))?;
        let kind = if how.write {
            LockKind::Exclusive
        } else {
            LockKind::Shared
        };
        self.acquire(&file, path, kind)?;
        let locked = LockedFile {
            file,
            path: path.to_path_buf(),
            kind,
        };
        if how.truncate {
            // Go ignores the failure for files that are not regular (devices, pipes).
            if let Err(e) = locked.file.set_len(0)
                && locked.file.metadata().map_or(true, |m| m.is_file())
            {
                return Err(os_err("truncate", path, e).into());
            }
        }
        Ok(locked)
    }

    /// Try, then log and wait (blocking, or polling up to the timeout).
    fn acquire(&self, file: &File, path: &Path, kind: LockKind) -> Result<(), Error> {
        let lock_err = |e: io::Error| Error::Io(os_err(kind.op(), path, e));
        if sys::try_lock(file, kind).map_err(lock_err)? {
            return Ok(());
        }
        let start = Instant::now();
        match self.timeout {
            None => tracing::info!(
                lock = %path.display(),
                "waiting for the file lock on {} (held by another process)",
                path.display()
            ),
            Some(t) => tracing::info!(
                lock = %path.display(),
                "waiting up to {}s for the file lock on {} (held by another process)",
                t.as_secs_f64(),
                path.display()
            ),
        }
        match self.timeout {
            None => sys::lock(file, kind).map_err(lock_err)?,
            Some(limit) => {
                let mut pause = Duration::from_millis(1);
                loop {
                    if sys::try_lock(file, kind).map_err(lock_err)? {
                        break;
                    }
                    let waited = start.elapsed();
                    if waited >= limit {
                        tracing::warn!(lock = %path.display(), "gave up waiting for the file lock");
                        return Err(Error::LockTimeout {
                            path: path.to_path_buf(),
                            waited,
                        });
                    }
                    std::thread::sleep(pause.min(limit - waited));
                    pause = (pause * 2).min(Duration::from_millis(100));
                }
            }
        }
        tracing::info!(
            lock = %path.display(),
            "acquired the file lock on {} after {:.1}s",
            path.display(),
            start.elapsed().as_secs_f64()
        );
        Ok(())
    }
}

impl LockedFile {
    /// Replaces the contents `old` of this exclusively locked file (opened with
    /// [`Locker::edit_current`]) by `new`, so that no reader and no later run ever
    /// sees a mix of the two, even if this process is killed midway.
    ///
    /// Go rewrites go.sum, go.mod, `.ziphash` and `@v/list` in place, so a process
    /// killed mid-write leaves a torn file. Here the new bytes go to
    /// `.<name>.<N>.tmp` in the directory of the file the path finally names (a
    /// symlinked go.sum stays a symlink), with the old file's permissions, synced,
    /// then renamed over it. Our writers re-check after locking that the path still
    /// names the locked inode ([`Locker::edit_current`]); Go's writers of these
    /// files are excluded by the lock each also holds (the side lock for go.sum and
    /// go.mod, the version lock for `.ziphash`) or only lose a `list` update, which
    /// the next `.mod` write redoes, as Go's own comment on `list` allows. Temp files
    /// a killed writer left are removed first (only a holder of this lock makes
    /// them). Where no temp file can be made (a read-only directory holding a
    /// writable file), the in-place rewrite is the fallback.
    ///
    /// Cache files are not synced to disk (as Go's are not); go.sum and go.mod
    /// ([`Locker::transform`]) are.
    pub fn replace(&self, old: &[u8], new: &[u8]) -> io::Result<()> {
        rewrite(self, old, new, false)
    }
}

/// Whether the open `file` is the file `path` names now.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, _: &Path) -> bool {
    true
}

/// See [`LockedFile::replace`]; `sync` makes the new contents durable before the
/// rename.
fn rewrite(f: &LockedFile, old: &[u8], new: &[u8], sync: bool) -> io::Result<()> {
    let Some((dir, name)) = rename_target(&f.path) else {
        return rewrite_in_place(f, old, new);
    };
    let prefix = format!(".{name}.");
    remove_stale_temps(&dir, &prefix);
    let perm = f
        .file
        .metadata()
        .map(|m| permissions_of(&m))
        .unwrap_or(0o666);
    let Ok((mut tmp, tmp_path)) = super::atomic::temp_file(&dir, &prefix, perm) else {
        return rewrite_in_place(f, old, new);
    };
    let written = (|| {
        use std::io::Write;
        tmp.write_all(new)
            .map_err(|e| os_err("write", &tmp_path, e))?;
        set_permissions(&tmp, perm).map_err(|e| os_err("chmod", &tmp_path, e))?;
        if sync {
            tmp.sync_all().map_err(|e| os_err("sync", &tmp_path, e))?;
        }
        drop(tmp);
        std::fs::rename(&tmp_path, dir.join(&name)).map_err(|e| os_err("rename", &tmp_path, e))
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp_path);
    }
    written
}

/// The directory and name of the file `path` finally names, following symlinks;
/// `None` if that cannot be told (then the file is rewritten in place).
fn rename_target(path: &Path) -> Option<(PathBuf, String)> {
    let real = std::fs::canonicalize(path).ok()?;
    let name = real.file_name()?.to_str()?.to_string();
    Some((real.parent()?.to_path_buf(), name))
}

/// Removes `<prefix><digits>.tmp` files in `dir`: what a writer killed between
/// making its temp file and renaming it left behind.
fn remove_stale_temps(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .and_then(|r| r.strip_suffix(".tmp"))
        else {
            continue;
        };
        if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(unix)]
fn permissions_of(m: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    m.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn permissions_of(_: &std::fs::Metadata) -> u32 {
    0o666
}

#[cfg(unix)]
fn set_permissions(f: &File, perm: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    f.set_permissions(std::fs::Permissions::from_mode(perm))
}

#[cfg(not(unix))]
fn set_permissions(_: &File, _: u32) -> io::Result<()> {
    Ok(())
}

/// The in-place rewrite (Go's): a growing file gets its new tail first; on a failed
/// overwrite the old contents are restored (best effort); a shrinking file is
/// truncated last.
fn rewrite_in_place(f: &LockedFile, old: &[u8], new: &[u8]) -> io::Result<()> {
    let old_len = old.len() as u64;
    if new.len() > old.len() {
        // Grow first: running out of space shows before the old contents are touched.
        if let Err(e) = f.write_at(&new[old.len()..], old_len) {
            let _ = f.truncate(old_len);
            return Err(e);
        }
    }
    let result = if new.len() >= old.len() {
        f.write_at(&new[..old.len()], 0)
    } else {
        // Shrink after writing, so the old contents still fit if the write fails.
        f.write_at(new, 0)
            .and_then(|()| f.truncate(new.len() as u64))
    };
    if result.is_err() && f.write_at(old, 0).is_ok() {
        let _ = f.truncate(old_len);
    }
    result
}

impl Open {
    fn read_only() -> Open {
        Open {
            read: true,
            write: false,
            create: false,
            truncate: false,
            perm: 0,
        }
    }

    fn edit() -> Open {
        Open {
            read: true,
            write: true,
            create: true,
            truncate: false,
            perm: 0o666,
        }
    }

    /// Opens without `O_TRUNC` (truncation waits for the lock).
    fn open(&self, path: &Path) -> io::Result<File> {
        let mut o = std::fs::OpenOptions::new();
        o.read(self.read).write(self.write).create(self.create);
        #[cfg(unix)]
        o.mode(self.perm);
        o.open(path)
    }
}

#[cfg(unix)]
mod sys {
    use super::LockKind;
    use rustix::fs::{FlockOperation, flock};
    use rustix::io::Errno;
    use std::fs::File;
    use std::io;

    fn flock_retrying(file: &File, op: FlockOperation) -> Result<(), Errno> {
        loop {
            match flock(file, op) {
                Err(Errno::INTR) => continue,
                r => return r,
            }
        }
    }

    fn to_io(e: Errno) -> io::Error {
        io::Error::from_raw_os_error(e.raw_os_error())
    }

    /// `Ok(false)` when someone else holds a conflicting lock.
    pub(super) fn try_lock(file: &File, kind: LockKind) -> io::Result<bool> {
        let op = match kind {
            LockKind::Shared => FlockOperation::NonBlockingLockShared,
            LockKind::Exclusive => FlockOperation::NonBlockingLockExclusive,
        };
        match flock_retrying(file, op) {
            Ok(()) => Ok(true),
            Err(Errno::WOULDBLOCK) => Ok(false),
            Err(e) => Err(to_io(e)),
        }
    }

    pub(super) fn lock(file: &File, kind: LockKind) -> io::Result<()> {
        let op = match kind {
            LockKind::Shared => FlockOperation::LockShared,
            LockKind::Exclusive => FlockOperation::LockExclusive,
        };
        flock_retrying(file, op).map_err(to_io)
    }

    pub(super) fn unlock(file: &File) -> io::Result<()> {
        flock_retrying(file, FlockOperation::Unlock).map_err(to_io)
    }
}

#[cfg(not(unix))]
mod sys {
    //! No flock: this platform is not supported by the store yet (Go uses
    //! `LockFileEx` on Windows).
    use super::LockKind;
    use std::fs::File;
    use std::io;

    fn unsupported() -> io::Error {
        io::Error::new(
            io::ErrorKind::Unsupported,
            "file locking is only implemented on Unix",
        )
    }

    pub(super) fn try_lock(_: &File, _: LockKind) -> io::Result<bool> {
        Err(unsupported())
    }

    pub(super) fn lock(_: &File, _: LockKind) -> io::Result<()> {
        Err(unsupported())
    }

    pub(super) fn unlock(_: &File) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
#[path = "lockedfile_tests.rs"]
mod tests;
