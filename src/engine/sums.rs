//! Verification of downloaded `.mod` and `.zip` hashes (Go's `checkModSum`,
//! `checkSumDB`'s gate `useSumDB`, `WriteGoSum`), over the pure [`SumState`].
//!
//! Inside a module, go.sum is read (under its lock) the first time a hash is checked,
//! as Go reads it lazily: a malformed go.sum is fatal then, not at start-up. A hash
//! that differs from a recorded `h1:` is Go's fatal `SECURITY ERROR`; an unrecorded
//! one is added (and written back at the end of the run if Go keeps it).
//!
//! Between the two steps ([`Sums::check_go_sum`], [`Sums::record`]) the fetcher asks
//! the checksum database when [`Sums::use_sumdb`] says so, outside the go.sum lock, so
//! lookups run in parallel (as Go releases its lock around `checkSumDB`).

use super::error::{Error, Fatal};
use crate::gosum::{Checked, GoSum, SumState};
use crate::module::ModuleVersion;
use crate::store::{Locker, Store};
use std::path::PathBuf;
use std::sync::Mutex;

/// The module that Go always checks against the checksum database.
const TOOLCHAIN_MODULE: &str = "golang.org/toolchain";

/// go.sum, as far as this run has read and changed it.
enum Loaded {
    /// Not read yet.
    NotYet,
    /// Read (possibly missing, then empty).
    Ready(SumState),
    /// Reading failed with an error (not a syntax error): reported per check.
    Unreadable(String),
}

/// The verification state of one run.
pub struct Sums {
    /// The main module's go.sum, when there is a main module.
    file: Option<PathBuf>,
    locker: Locker,
    state: Mutex<Loaded>,
    sumdb: SumdbGate,
}

/// What GOSUMDB and GOPROXY say about the checksum database.
#[derive(Debug, Clone)]
struct SumdbGate {
    /// The GOSUMDB value.
    gosumdb: String,
    /// The GONOSUMDB patterns.
    gonosumdb: String,
    /// GOPROXY is a single `file://` URL (Go's first exception for the toolchain).
    goproxy_single_file: bool,
}

impl Sums {
    /// `go_sum` is the main module's go.sum (`None` outside a module).
    pub fn new(
        go_sum: Option<PathBuf>,
        locker: Locker,
        gosumdb: &str,
        gonosumdb: &str,
        goproxy: &str,
    ) -> Sums {
        Sums {
            file: go_sum,
            locker,
            state: Mutex::new(Loaded::NotYet),
            sumdb: SumdbGate {
                gosumdb: gosumdb.to_string(),
                gonosumdb: gonosumdb.to_string(),
                goproxy_single_file: goproxy.starts_with("file://")
                    && !goproxy.contains([',', '|']),
            },
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Loaded> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether go.sum is in memory (read, or found unreadable): from then on every
    /// method is a lookup under a mutex held for a moment, cheap enough to call on
    /// an async task (see `Fetcher::with_sums`). `false` while another thread reads it.
    pub fn is_loaded(&self) -> bool {
        match self.state.try_lock() {
            Ok(st) => !matches!(*st, Loaded::NotYet),
            Err(std::sync::TryLockError::Poisoned(p)) => !matches!(*p.into_inner(), Loaded::NotYet),
            Err(std::sync::TryLockError::WouldBlock) => false,
        }
    }

    /// Go's `initGoSum` (blocking: reads go.sum under its lock).
    fn init<'a>(&self, st: &'a mut Loaded) -> Result<Option<&'a mut SumState>, Error> {
        let Some(file) = &self.file else {
            return Ok(None);
        };
        if let Loaded::NotYet = st {
            let data = match self.locker.read(file) {
                Ok(d) => Ok(d),
                Err(crate::store::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                    Ok(Vec::new())
                }
                Err(e) => Err(e.to_string()),
            };
            *st = match data {
                Ok(data) => {
                    let name =
                        String::from_utf8_lossy(&crate::modzip::path_bytes(file)).into_owned();
                    match GoSum::parse(name, &data) {
                        Ok(sum) => Loaded::Ready(SumState::new(sum, Vec::new())),
                        // `readGoSum` calls base.Fatalf.
                        Err(e) => return Err(Fatal::new(e.to_string()).into()),
                    }
                }
                Err(e) => Loaded::Unreadable(e),
            };
        }
        match st {
            Loaded::Ready(s) => Ok(Some(s)),
            Loaded::Unreadable(e) => Err(Error::GoSumRead(e.clone())),
            Loaded::NotYet => Ok(None),
        }
    }

    /// The first half of Go's `checkModSum(mod, h)`: whether go.sum already holds `h`
    /// for `key` (`key.version` ends in `/go.mod` for a go.mod hash), marking it used.
    /// Another recorded `h1:` is Go's fatal `SECURITY ERROR`. Blocking (may read go.sum).
    pub fn check_go_sum(&self, key: &ModuleVersion, h: &str) -> Result<bool, Error> {
        let mut st = self.lock();
        let Some(state) = self.init(&mut st)? else {
            return Ok(false);
        };
        match state.check(key, h) {
            Ok(Checked::Recorded) => Ok(true),
            Ok(Checked::Unrecorded) => Ok(false),
            // `haveModSumLocked` calls base.Fatalf with the SECURITY ERROR text.
            Err(mismatch) => Err(Fatal::new(mismatch.to_string()).into()),
        }
    }

    /// Go's `useSumDB`: GOSUMDB is not `off` and GONOSUMDB does not match the path;
    /// `golang.org/toolchain` always needs the database unless GOPROXY is a single
    /// `file://` URL.
    pub fn use_sumdb(&self, path: &str) -> bool {
        let gate = &self.sumdb;
        if path == TOOLCHAIN_MODULE && !gate.goproxy_single_file {
            return true;
        }
        gate.gosumdb != "off" && !crate::module::match_prefix_patterns(&gate.gonosumdb, path)
    }

    /// The second half of `checkModSum`: records a verified, unrecorded hash (go.sum
    /// only; written back at the end of the run if Go keeps it). `warn` gets Go's
    /// unknown-hash warning, if any. Blocking.
    pub fn record(&self, key: &ModuleVersion, h: &str, warn: &dyn Fn(&str)) -> Result<(), Error> {
        let mut st = self.lock();
        if let Some(state) = self.init(&mut st)? {
            match state.record(key, h) {
                Ok(Some(warning)) => warn(warning.to_string().trim_end_matches('\n')),
                Ok(None) => {}
                Err(mismatch) => return Err(Fatal::new(mismatch.to_string()).into()),
            }
        }
        Ok(())
    }

    /// Go's `RecordedSum` (and, as `is_some`, `HaveSum`): a hash of `key` that go.sum
    /// held before this run. Blocking (may read go.sum); `None` outside a module.
    pub fn recorded(&self, key: &ModuleVersion) -> Result<Option<String>, Error> {
        let mut st = self.lock();
        Ok(self.init(&mut st)?.and_then(|state| state.recorded(key)))
    }

    /// Go's `WriteGoSum` after a run with explicit arguments: when a hash added this
    /// run belongs to a key `keep` keeps, go.sum is rewritten under its lock (blocking).
    /// Errors read `updating go.sum: …`.
    /// With `readonly` (Go's `-mod=readonly`), a needed rewrite is Go's
    /// `ErrGoSumDirty` instead.
    pub fn write(
        &self,
        store: &Store,
        keep: &dyn Fn(&ModuleVersion) -> bool,
        readonly: bool,
        warn: &dyn Fn(&str),
    ) -> Result<(), String> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let mut st = self.lock();
        let Loaded::Ready(state) = &mut *st else {
            return Ok(());
        };
        if !state.needs_write(keep) {
            return Ok(());
        }
        if readonly {
            return Err("updates to go.sum needed, disabled by -mod=readonly".to_string());
        }
        let mut warnings = Vec::new();
        let result = store.update_go_sum(file, |current| {
            state.tidy(current, keep).map(|t| {
                warnings = t.warnings;
                t.bytes
            })
        });
        for w in &warnings {
            warn(w.to_string().trim_end_matches('\n'));
        }
        result.map_err(|e| e.to_string())?;
        state.written();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_loaded` decides whether go.sum lookups may run on an async task: only once
    /// the file is in memory (read, or found missing or unreadable).
    #[test]
    fn loaded_only_after_the_first_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("go.sum");
        std::fs::write(&file, "example.com/a v1.0.0/go.mod h1:AAAA\n").expect("write go.sum");
        let sums = Sums::new(Some(file), Locker::wait_forever(), "off", "", "off");
        assert!(!sums.is_loaded());
        let key = ModuleVersion::new("example.com/a", "v1.0.0/go.mod");
        assert_eq!(
            sums.recorded(&key).expect("lookup").as_deref(),
            Some("h1:AAAA")
        );
        assert!(sums.is_loaded());

        let missing = Sums::new(
            Some(dir.path().join("absent/go.sum")),
            Locker::wait_forever(),
            "off",
            "",
            "off",
        );
        assert_eq!(missing.recorded(&key).expect("lookup"), None);
        assert!(missing.is_loaded());
    }
}
