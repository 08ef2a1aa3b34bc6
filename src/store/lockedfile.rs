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
//! * [`Locker::transform`]: `Edit`, read, compute, rewrite in place, restoring the old
//!   contents on a failed write (`Transform`).
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

    /// `lockedfile.Mutex.Lock` on the lock file `path` (never written, never
    /// deleted): held until the returned file is dropped.
    pub fn mutex(&self, path: &Path) -> Result<LockedFile, Error> {
        self.edit(path)
    }

    /// `lockedfile.Transform`: under an exclusive lock on `path` (created if
    /// missing), passes the current contents to `t` and writes back what it returns,
    /// in place. A growing file gets its new tail first; on a failed overwrite the
    /// old contents are restored (best effort); a shrinking file is truncated last.
    pub fn transform<F, E>(&self, path: &Path, t: F) -> Result<(), Error>
    where
        F: FnOnce(&[u8]) -> Result<Vec<u8>, E>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let f = self.edit(path)?;
        let old = f.read_all()?;
        let new = t(&old).map_err(|e| Error::Transform(e.into()))?;
        rewrite_in_place(&f, &old, &new)?;
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

/// The write half of `Transform`.
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
