//! The go.sum bookkeeping of one `go` run (`modfetch.sumState` with `checkModSum`,
//! `addModSumLocked`, `WriteGoSum` and `tidyGoSum`), minus the locking and file I/O.
//!
//! Protocol, as Go runs it:
//! 1. Read the main sum file (go.sum, or go.work.sum in a workspace) and, in a
//!    workspace, every module's go.sum: [`SumState::new`].
//! 2. For each downloaded `.mod`/`.zip`: [`SumState::check`]. A recorded match is done; a
//!    conflicting `h1:` hash is a fatal [`Error::ChecksumMismatch`]; otherwise the caller
//!    consults the checksum database and then [`SumState::record`]s the hash.
//! 3. At the end: [`SumState::needs_write`] with the keys worth keeping. Only if it says
//!    so, re-read the file under its lock and write [`SumState::tidy`]'s bytes, so that
//!    sums other processes added meanwhile survive; then [`SumState::written`].
//!
//! Every sum this run checked (recorded or not) is merged into the re-read file, but a
//! newly added one is written only when its key is kept; existing lines are never
//! removed. Keys that a workspace module's go.sum holds never go into go.work.sum.

use super::{Error, GoSum, Key};
use crate::module::ModuleVersion;
use std::collections::BTreeMap;
use std::fmt;

/// What Go appends to the unknown-hash-algorithm warning.
const HASH_VERSION_MISMATCH: &str = "

SECURITY WARNING
This download is listed in go.sum, but using an unknown hash algorithm.
The download cannot be verified.

For more information, see 'go help module-auth'.

";

/// The outcome of [`SumState::check`] when no mismatch was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// The hash is recorded in the main or a workspace sum file: verified.
    Recorded,
    /// No sum file records it: consult the checksum database, then
    /// [`SumState::record`] it.
    Unrecorded,
}

/// Go's warning when a key only had hashes of algorithms it does not know (Go prints it
/// to stderr as is, with no `go: ` prefix). `Display` is Go's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownHashesWarning {
    pub path: String,
    /// May end in `/go.mod`.
    pub version: String,
    /// The hashes already recorded, in file order.
    pub recorded: Vec<String>,
    /// The hash being added.
    pub added: String,
}

impl fmt::Display for UnknownHashesWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "warning: verifying {}@{}: unknown hashes in go.sum: {}; adding {}{HASH_VERSION_MISMATCH}",
            self.path,
            self.version,
            self.recorded.join(", "),
            self.added
        )
    }
}

/// What this run did with one (key, hash) pair (Go's `modSumStatus`).
#[derive(Debug, Clone, Copy, Default)]
struct Status {
    /// A download was checked against it.
    used: bool,
    /// It was added this run (not in the file when checked).
    dirty: bool,
}

/// The bytes [`SumState::tidy`] produced, and the warnings Go would have printed while
/// merging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tidied {
    pub bytes: Vec<u8>,
    pub warnings: Vec<UnknownHashesWarning>,
}

/// The main sum file, the workspace modules' go.sum files, and what this run checked
/// and added.
#[derive(Debug, Clone)]
pub struct SumState {
    main: GoSum,
    workspace: Vec<GoSum>,
    status: BTreeMap<(Key, Box<[u8]>), Status>,
}

impl SumState {
    /// `main` is go.sum, or go.work.sum in a workspace; `workspace` are the workspace
    /// modules' go.sum files (empty outside a workspace).
    pub fn new(main: GoSum, workspace: Vec<GoSum>) -> SumState {
        SumState {
            main,
            workspace,
            status: BTreeMap::new(),
        }
    }

    /// The main sum file's current content, with the sums recorded so far.
    pub fn main(&self) -> &GoSum {
        &self.main
    }

    /// Checks a computed hash against every sum file (Go's `haveModSumLocked`) and notes
    /// that this run used it. `m.version` ends in `/go.mod` for a go.mod hash.
    pub fn check(&mut self, m: &ModuleVersion, hash: &str) -> Result<Checked, Error> {
        let key = Key::of(m);
        let found = self.have(&key, hash.as_bytes())?;
        self.status
            .entry((key, hash.as_bytes().into()))
            .or_default()
            .used = true;
        Ok(if found {
            Checked::Recorded
        } else {
            Checked::Unrecorded
        })
    }

    /// Adds a hash that [`SumState::check`] found unrecorded and the checksum database
    /// accepted (or was not consulted for). Returns Go's warning when the key already had
    /// hashes, necessarily of other algorithms.
    pub fn record(
        &mut self,
        m: &ModuleVersion,
        hash: &str,
    ) -> Result<Option<UnknownHashesWarning>, Error> {
        let key = Key::of(m);
        let warning = self.add(&key, hash.as_bytes())?;
        let status = self
            .status
            .entry((key, hash.as_bytes().into()))
            .or_default();
        status.used = true;
        status.dirty = true;
        Ok(warning)
    }

    /// Go's `RecordedSum`: the first `h1:` hash of `m` that a sum file held before this
    /// run (hashes added by this run do not count), workspace files first.
    pub fn recorded(&self, m: &ModuleVersion) -> Option<String> {
        let key = Key::of(m);
        let files = self.workspace.iter().chain(std::iter::once(&self.main));
        for file in files {
            for h in file.hashes_of(&key) {
                let dirty = self
                    .status
                    .get(&(key.clone(), h.into()))
                    .is_some_and(|s| s.dirty);
                if h.starts_with(b"h1:") && !dirty {
                    return Some(String::from_utf8_lossy(h).into_owned());
                }
            }
        }
        None
    }

    /// Whether the main sum file must be rewritten (Go's `WriteGoSum` test): some hash
    /// added this run belongs to a key that `keep` keeps. `keep` gets zip keys and
    /// `/go.mod` keys alike.
    pub fn needs_write(&self, keep: impl Fn(&ModuleVersion) -> bool) -> bool {
        self.status.iter().any(|((key, hash), st)| {
            st.dirty
                && (!st.used || keep(&key.to_module_version()))
                && self.main.hashes_of(key).any(|h| h == &**hash)
        })
    }

    /// The new content of the main sum file, given its `current` bytes re-read under
    /// the lock: `current` plus every sum this run checked, minus added sums whose key
    /// `keep` drops, minus keys held by workspace go.sum files, in Go's format. The
    /// re-read content becomes the state's main file.
    pub fn tidy(
        &mut self,
        current: &[u8],
        keep: impl Fn(&ModuleVersion) -> bool,
    ) -> Result<Tidied, Error> {
        self.main = GoSum::parse(self.main.file.clone(), current)?;
        let mut warnings = Vec::new();
        let used: Vec<(Key, Box<[u8]>)> = self
            .status
            .iter()
            .filter(|((key, _), st)| st.used && !self.in_workspace(key))
            .map(|(k, _)| k.clone())
            .collect();
        for (key, hash) in used {
            warnings.extend(self.add(&key, &hash)?);
        }
        let bytes = self.main.write_filtered(&self.workspace, |key, hash| {
            // A lookup needs an owned key; the map is small (one entry per check).
            let st = self
                .status
                .get(&(key.clone(), hash.into()))
                .copied()
                .unwrap_or_default();
            !st.dirty || (st.used && keep(&key.to_module_version()))
        });
        Ok(Tidied { bytes, warnings })
    }

    /// Forgets what was checked and added, after the caller wrote [`SumState::tidy`]'s
    /// bytes (as Go does after a successful write).
    pub fn written(&mut self) {
        self.status.clear();
    }

    fn in_workspace(&self, key: &Key) -> bool {
        self.workspace.iter().any(|w| w.entries.contains_key(key))
    }

    /// Go's `haveModSumLocked`: whether the pair is recorded, or the mismatch error when
    /// an `h1:` hash for the key differs. The main file is read in file order and stops
    /// at the first match; every workspace file is read in full.
    fn have(&self, key: &Key, hash: &[u8]) -> Result<bool, Error> {
        let main_name = if self.main.file.ends_with("go.work.sum") {
            "go.work.sum"
        } else {
            "go.sum"
        };
        for recorded in self.main.hashes_of(key) {
            if recorded == hash {
                return Ok(true);
            }
            if recorded.starts_with(b"h1:") {
                return Err(mismatch(key, hash, main_name, recorded));
            }
        }
        let mut found = false;
        for w in &self.workspace {
            for recorded in w.hashes_of(key) {
                if recorded == hash {
                    found = true;
                } else if recorded.starts_with(b"h1:") {
                    return Err(mismatch(key, hash, &w.file, recorded));
                }
            }
        }
        Ok(found)
    }

    /// Go's `addModSumLocked`.
    fn add(&mut self, key: &Key, hash: &[u8]) -> Result<Option<UnknownHashesWarning>, Error> {
        if self.have(key, hash)? {
            return Ok(None);
        }
        let recorded: Vec<String> = self
            .main
            .hashes_of(key)
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        self.main.insert_key(key.clone(), hash);
        if recorded.is_empty() {
            return Ok(None);
        }
        let m = key.to_module_version();
        Ok(Some(UnknownHashesWarning {
            path: m.path,
            version: m.version,
            recorded,
            added: String::from_utf8_lossy(hash).into_owned(),
        }))
    }
}

fn mismatch(key: &Key, downloaded: &[u8], file: &str, recorded: &[u8]) -> Error {
    let m = key.to_module_version();
    Error::ChecksumMismatch {
        path: m.path,
        version: m.version,
        downloaded: String::from_utf8_lossy(downloaded).into_owned(),
        file: file.to_string(),
        recorded: String::from_utf8_lossy(recorded).into_owned(),
    }
}
