//! Verification of downloaded `.mod` and `.zip` hashes (Go's `checkModSum`,
//! `checkSumDB`'s gate `useSumDB`, `WriteGoSum`), over the pure [`SumState`].
//!
//! Inside a module, go.sum is read (under its lock) the first time a hash is checked,
//! as Go reads it lazily: a malformed go.sum is fatal then, not at start-up. A hash
//! that differs from a recorded `h1:` is Go's fatal `SECURITY ERROR`; an unrecorded
//! one is added (and written back at the end of the run if Go keeps it).
//!
//! The checksum database is not consulted yet (its own issue): the engine behaves as
//! with `GOSUMDB=off` for every module, except `golang.org/toolchain`, for which Go
//! requires the database whatever GOSUMDB says (a lone `file://` GOPROXY excepted), and
//! which therefore fails as Go fails with `GOSUMDB=off`.

use super::error::{Error, Fatal, SumdbOff};
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
    /// GOPROXY is a single `file://` URL (Go's first exception for the toolchain).
    goproxy_single_file: bool,
}

impl Sums {
    /// `go_sum` is the main module's go.sum (`None` outside a module).
    pub fn new(go_sum: Option<PathBuf>, locker: Locker, gosumdb: &str, goproxy: &str) -> Sums {
        Sums {
            file: go_sum,
            locker,
            state: Mutex::new(Loaded::NotYet),
            sumdb: SumdbGate {
                gosumdb: gosumdb.to_string(),
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

    /// Go's `checkModSum(mod, h)`: `key.version` ends in `/go.mod` for a go.mod hash.
    /// Blocking (may read go.sum). `warn` gets Go's unknown-hash warning, if any.
    pub fn check(&self, key: &ModuleVersion, h: &str, warn: &dyn Fn(&str)) -> Result<(), Error> {
        {
            let mut st = self.lock();
            if let Some(state) = self.init(&mut st)? {
                match state.check(key, h) {
                    Ok(Checked::Recorded) => return Ok(()),
                    Ok(Checked::Unrecorded) => {}
                    // `haveModSumLocked` calls base.Fatalf with the SECURITY ERROR text.
                    Err(mismatch) => return Err(Fatal::new(mismatch.to_string()).into()),
                }
            }
        }
        self.sumdb.check(key)?;
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
    pub fn write(
        &self,
        store: &Store,
        keep: &dyn Fn(&ModuleVersion) -> bool,
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

impl SumdbGate {
    /// Go's `useSumDB` and, where it is true, the lookup we cannot make yet.
    fn check(&self, key: &ModuleVersion) -> Result<(), Error> {
        if key.path != TOOLCHAIN_MODULE || self.goproxy_single_file {
            // Every other module: as with GOSUMDB=off (the engine says so under -x).
            return Ok(());
        }
        let (version, noun) = match key.version.strip_suffix("/go.mod") {
            Some(v) => (v, "go.mod"),
            None => (key.version.as_str(), "module"),
        };
        let cause = if self.gosumdb == "off" {
            SumdbOff::Disabled
        } else {
            SumdbOff::Unsupported(self.gosumdb.clone())
        };
        Err(Error::Sumdb {
            module: ModuleVersion::new(key.path.clone(), version),
            noun,
            cause,
        })
    }
}
