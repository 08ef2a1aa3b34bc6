//! The test checksum database of the test proxy: Go's `cmd/go` test sumdb
//! (conformance README §4.4), with tamper modes for the failures a client must catch.
//!
//! ```no_run
//! use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
//! use gomodfetch::testkit::sumdb::{Tamper, TestSumdb, Trigger, VERIFIER_KEY};
//! use gomodfetch::testkit::universe::Universe;
//! let universe = Universe::from_txtar_dir("proxy_modules")?;
//! let db = TestSumdb::builder(&universe)
//!     .tamper(Tamper::Fork { module: None })
//!     .trigger(Trigger::Manual)
//!     .build()?;
//! let proxy = TestProxy::start(ProxyConfig::new(universe).sumdb(db.clone()))?;
//! // GOPROXY=<proxy.goproxy_url()>, GOSUMDB=VERIFIER_KEY (through the proxy), or
//! // GOSUMDB=db.gosumdb_direct(&proxy.goproxy_url()) (the database's own URL).
//! db.set_tampering(true); // from now on the fork is served
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What it serves
//! * Name [`NAME`], signed with [`SIGNER_KEY`]; clients verify with [`VERIFIER_KEY`].
//! * When built, every module version the universe holds in memory is looked up once,
//!   in `modList` order (txtar files in file-name order, then builder packages as
//!   published), so record ids are predictable; over Go's `cmd/go/testdata/mod` files
//!   the tree is exactly Go's test proxy's. A record is the module's two go.sum lines
//!   (see [`record`]).
//! * Later lookups behave as Go's `sumdb.TestServer`: a version the universe has but the
//!   log does not (published after the build, or served by a non-memory source) is
//!   looked up and appended then; a version the universe does not have is a 404
//!   `file does not exist`, and no record.
//! * Mounts ([`SumdbMount`]): `<GOPROXY>/sumdb/<NAME>/supported` answers 200 and
//!   `<GOPROXY>/sumdb/<NAME>/<rest>` is the database's `/<rest>`; `<GOPROXY>/sumdb-direct/`
//!   is the same database at its own URL (no `supported` there); `<GOPROXY>/sumdb-wrong/`
//!   is a second, separate log that records `h1:wrong` for whatever is looked up.
//! * Endpoints and error answers: see [`serve`].
//!
//! # Layers
//! [`log`] is the honest, pure log (records, stored hashes, tiles); [`serve`] is the
//! HTTP protocol over a small operations trait; this module keeps the logs behind one
//! lock and decides, per request, whether the [`Tamper`] mode applies and what it
//! changes. The trigger counts only responses that carry a signed tree head.

pub mod log;
pub mod record;
pub mod serve;
pub mod tamper;

pub use record::{SumLine, SumRecord};
pub use tamper::{BadSignature, Tamper, TamperSyntaxError, Trigger};

use crate::sumdb::note::{self, Note, NoteError, NoteSigner, Signer};
use crate::sumdb::tlog::{self, Tile, TlogError, Tree};
use crate::testkit::proxy::{HookReply, SumdbHandler, SumdbMount};
use crate::testkit::universe::Universe;
use log::{Log, TileError};
use serve::{LookupError, Ops, Request};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The test database's name.
pub const NAME: &str = "localhost.localdev/sumdb";
/// What `GOSUMDB` is set to: the database's verifier key.
pub const VERIFIER_KEY: &str =
    "localhost.localdev/sumdb+00000c67+AcTrnkbUA+TU4heY3hkjiSES/DSQniBqIeQ/YppAUtK6";
/// The key the database signs its tree heads with.
pub const SIGNER_KEY: &str =
    "PRIVATE+KEY+localhost.localdev/sumdb+00000c67+AXu6+oaVaOYuQOFrf1V59JK1owcFlJcHwwXHDfDGxSPk";

/// Why a database could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("test checksum database signer key: {0}")]
    SignerKey(#[from] NoteError),
    #[error("test checksum database log: {0}")]
    Log(#[from] TlogError),
}

/// Sets up a [`TestSumdb`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until built"]
pub struct Builder {
    universe: Universe,
    signer_key: String,
    tamper: Option<Tamper>,
    trigger: Trigger,
}

impl Builder {
    /// The misbehaviour (default: none).
    pub fn tamper(mut self, tamper: Tamper) -> Builder {
        self.tamper = Some(tamper);
        self
    }

    /// When the misbehaviour starts (default: [`Trigger::Start`]).
    pub fn trigger(mut self, trigger: Trigger) -> Builder {
        self.trigger = trigger;
        self
    }

    /// Another signer key (default [`SIGNER_KEY`]); its name is the database's name.
    pub fn signer_key(mut self, skey: &str) -> Builder {
        self.signer_key = skey.to_string();
        self
    }

    /// Looks up every in-memory module version of the universe, in list order.
    pub fn build(self) -> Result<Arc<TestSumdb>, BuildError> {
        let signer = Signer::new(&self.signer_key)?;
        let other_signer = match self.tamper {
            Some(Tamper::BadSignature(BadSignature::OtherKey)) => {
                tamper::other_key_signer(signer.name())
            }
            _ => None,
        };
        // Go's test proxy ignores the modules whose record fails (a file name with a
        // newline), so do we.
        let initial: Vec<SumRecord> = self
            .universe
            .modules()
            .iter()
            .filter_map(|m| record::module_record(m).ok())
            .collect();
        let fork = match &self.tamper {
            Some(Tamper::Fork { module }) => Some(Fork {
                log: Log::new(),
                target: module
                    .clone()
                    .or_else(|| initial.last().map(SumRecord::key)),
            }),
            _ => None,
        };
        let mut state = State {
            main: Log::new(),
            fork,
            wrong: Log::new(),
            heads: 0,
            tampering: self.trigger == Trigger::Start,
        };
        for r in initial {
            state.add(&r, self.tamper.as_ref())?;
        }
        Ok(Arc::new(TestSumdb {
            universe: self.universe,
            signer,
            other_signer,
            tamper: self.tamper,
            trigger: self.trigger,
            state: Mutex::new(state),
        }))
    }
}

/// The test checksum database; a [`SumdbHandler`] for the test proxy.
pub struct TestSumdb {
    universe: Universe,
    signer: Signer,
    other_signer: Option<Signer>,
    tamper: Option<Tamper>,
    trigger: Trigger,
    state: Mutex<State>,
}

impl std::fmt::Debug for TestSumdb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.lock();
        f.debug_struct("TestSumdb")
            .field("name", &self.name())
            .field("records", &s.main.len())
            .field("tamper", &self.tamper)
            .field("trigger", &self.trigger)
            .field("tampering", &s.tampering)
            .finish()
    }
}

/// The forked log of [`Tamper::Fork`], kept in step with the main one.
struct Fork {
    log: Log,
    /// The key whose record differs (the first record appended when `None`).
    target: Option<String>,
}

/// Everything that changes while serving.
struct State {
    main: Log,
    fork: Option<Fork>,
    wrong: Log,
    /// Responses carrying a signed tree head so far.
    heads: u64,
    tampering: bool,
}

impl State {
    /// Appends a record to the main log (and the fork), spoiled where the tamper
    /// mode says so.
    fn add(&mut self, r: &SumRecord, tamper: Option<&Tamper>) -> Result<u64, TlogError> {
        let key = r.key();
        let text = match tamper {
            Some(Tamper::WrongHash { module, line }) if *module == key => r.spoiled(*line).text(),
            _ => r.text(),
        };
        if let Some(fork) = &mut self.fork {
            let target = fork.target.get_or_insert_with(|| key.clone());
            let fork_text = if *target == key {
                r.spoiled(SumLine::Zip).text()
            } else {
                text.clone()
            };
            fork.log.append(&key, fork_text)?;
        }
        self.main.append(&key, text)
    }
}

impl TestSumdb {
    /// A builder over `universe` (signer [`SIGNER_KEY`], honest).
    pub fn builder(universe: &Universe) -> Builder {
        Builder {
            universe: universe.clone(),
            signer_key: SIGNER_KEY.to_string(),
            tamper: None,
            trigger: Trigger::Start,
        }
    }

    /// An honest database over `universe`.
    pub fn new(universe: &Universe) -> Result<Arc<TestSumdb>, BuildError> {
        TestSumdb::builder(universe).build()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every state change is a whole append or a flag; nothing is left half done.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The database name.
    pub fn name(&self) -> &str {
        self.signer.name()
    }

    /// The verifier key clients put in `GOSUMDB`.
    pub fn verifier_key(&self) -> String {
        self.signer.verifier_key()
    }

    /// `GOSUMDB` for reaching this database at its own URL under the proxy
    /// (`<key> <goproxy>/sumdb-direct`), not through the proxy's `sumdb/` route.
    pub fn gosumdb_direct(&self, goproxy_url: &str) -> String {
        format!("{} {goproxy_url}/sumdb-direct", self.verifier_key())
    }

    /// `GOSUMDB` for the `h1:wrong` database (`<key> <goproxy>/sumdb-wrong`).
    pub fn gosumdb_wrong(&self, goproxy_url: &str) -> String {
        format!("{} {goproxy_url}/sumdb-wrong", self.verifier_key())
    }

    pub fn tamper(&self) -> Option<&Tamper> {
        self.tamper.as_ref()
    }

    /// Starts (or stops) the tamper mode now, whatever the trigger.
    pub fn set_tampering(&self, on: bool) {
        self.lock().tampering = on;
    }

    /// Whether the tamper mode currently applies.
    pub fn is_tampering(&self) -> bool {
        self.tamper.is_some() && self.lock().tampering
    }

    /// How many responses carrying a signed tree head were served.
    pub fn heads_served(&self) -> u64 {
        self.lock().heads
    }

    /// The honest tree head of the main log now.
    pub fn tree(&self) -> Result<Tree, TlogError> {
        let s = self.lock();
        s.main.tree(s.main.len())
    }

    /// The honest signed tree head of the main log now (what `/latest` serves when
    /// not tampering).
    pub fn signed_head(&self) -> Result<Vec<u8>, NoteError> {
        let s = self.lock();
        sign_tree(&s.main, s.main.len(), &self.signer)
    }

    /// The main log's records, `(path@version, text)` in id order.
    pub fn records(&self) -> Vec<(String, Vec<u8>)> {
        self.lock()
            .main
            .records()
            .map(|(k, t)| (k.to_string(), t.to_vec()))
            .collect()
    }

    /// Looks `path@version` up as a `/lookup` would (appending its record if the
    /// universe has it), and returns its id in the main log.
    pub fn lookup(&self, path: &str, version: &str) -> Result<u64, LookupError> {
        let mut s = self.lock();
        self.ensure(&mut s, path, version)
    }

    /// The id of `path@version`'s record, appended first if need be.
    fn ensure(&self, s: &mut State, path: &str, version: &str) -> Result<u64, LookupError> {
        if let Some(id) = s.main.id(&format!("{path}@{version}")) {
            return Ok(id);
        }
        let r = record::universe_record(&self.universe, path, version)
            .map_err(|e| LookupError::Other(e.to_string()))?
            .ok_or(LookupError::NotExist)?;
        s.add(&r, self.tamper.as_ref())
            .map_err(|e| LookupError::Other(e.to_string()))
    }

    /// Answers a path of the main database (`/latest`, `/lookup/…`, `/tile/…`).
    pub fn serve(&self, path: &str) -> HookReply {
        let request = match serve::parse(path) {
            Ok(r) => r,
            Err(reply) => return reply,
        };
        let mut s = self.lock();
        let carries_head = matches!(request, Request::Latest | Request::Lookup { .. });
        if carries_head
            && let Trigger::AfterHeads(n) = self.trigger
            && s.heads >= n
        {
            s.tampering = true;
        }
        let tamper = self.tamper.as_ref().filter(|_| s.tampering);
        let mut view = MainView {
            db: self,
            state: &mut s,
            tamper,
        };
        let reply = serve::answer(&mut view, &request);
        // Only an answer that carries a head counts (a failed lookup does not).
        if carries_head && reply.status == 200 {
            s.heads += 1;
        }
        reply
    }

    /// Answers a path of the `h1:wrong` database.
    pub fn serve_wrong(&self, path: &str) -> HookReply {
        let request = match serve::parse(path) {
            Ok(r) => r,
            Err(reply) => return reply,
        };
        let mut s = self.lock();
        let mut view = WrongView {
            log: &mut s.wrong,
            signer: &self.signer,
        };
        serve::answer(&mut view, &request)
    }
}

impl SumdbHandler for TestSumdb {
    fn handle(&self, mount: SumdbMount, path: &str) -> Option<HookReply> {
        match mount {
            SumdbMount::Proxied => {
                let rest = path.strip_prefix(self.name())?;
                if rest == "/supported" {
                    return Some(serve::reply(200, "text/plain; charset=utf-8", ""));
                }
                rest.starts_with('/').then(|| self.serve(rest))
            }
            SumdbMount::Direct => Some(self.serve(path)),
            SumdbMount::Wrong => Some(self.serve_wrong(path)),
        }
    }
}

/// The signed head of `log`'s first `n` records.
fn sign_tree<S: NoteSigner + ?Sized>(log: &Log, n: u64, signer: &S) -> Result<Vec<u8>, NoteError> {
    // `n` never exceeds the log, so the tree hash cannot fail; a failure would be a
    // broken log and reads as a malformed note.
    let tree = log.tree(n).map_err(|_| NoteError::MalformedNote)?;
    let note = Note {
        text: String::from_utf8_lossy(&tlog::format_tree(tree)).into_owned(),
        ..Note::default()
    };
    note::sign(&note, &[signer])
}

/// The main database as one request sees it: honest, or changed by the tamper mode.
struct MainView<'a> {
    db: &'a TestSumdb,
    state: &'a mut State,
    tamper: Option<&'a Tamper>,
}

impl MainView<'_> {
    /// The log this request is served from.
    fn log(&self) -> &Log {
        match (self.tamper, &self.state.fork) {
            (Some(Tamper::Fork { .. }), Some(fork)) => &fork.log,
            _ => &self.state.main,
        }
    }

    /// The tree size records and tiles come from.
    fn size(&self) -> u64 {
        match self.tamper {
            Some(Tamper::Rollback { size }) => (*size).min(self.log().len()),
            _ => self.log().len(),
        }
    }
}

impl Ops for MainView<'_> {
    fn signed(&mut self) -> Result<Vec<u8>, String> {
        let log = self.log();
        let n = match self.tamper {
            Some(Tamper::StaleHead { size } | Tamper::Rollback { size }) => (*size).min(log.len()),
            _ => log.len(),
        };
        let signed = match self.tamper {
            Some(Tamper::BadSignature(BadSignature::Corrupt)) => {
                sign_tree(log, n, &tamper::CorruptSigner(&self.db.signer))
            }
            Some(Tamper::BadSignature(BadSignature::OtherKey)) => {
                let signer = self.db.other_signer.as_ref().unwrap_or(&self.db.signer);
                sign_tree(log, n, signer)
            }
            _ => sign_tree(log, n, &self.db.signer),
        };
        signed.map_err(|e| e.to_string())
    }

    fn lookup(&mut self, path: &str, version: &str) -> Result<u64, LookupError> {
        let id = self.db.ensure(self.state, path, version)?;
        if id >= self.size() {
            return Err(LookupError::NotExist);
        }
        Ok(id)
    }

    fn record(&mut self, id: u64) -> Result<Vec<u8>, String> {
        self.log()
            .record(id)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| "missing records".to_string())
    }

    fn tile(&mut self, t: Tile) -> Result<Vec<u8>, TileError> {
        let (log, size) = (self.log(), self.size());
        let mut data = if t.l == -1 {
            log.data_tile(t, size)?
        } else {
            log.hash_tile(t, size)?
        };
        if matches!(self.tamper, Some(Tamper::CorruptTile)) && !data.is_empty() {
            let mid = data.len() / 2;
            data[mid] ^= 0xff;
        }
        Ok(data)
    }
}

/// The `h1:wrong` database: every lookup appends a record of wrong hashes.
struct WrongView<'a> {
    log: &'a mut Log,
    signer: &'a Signer,
}

impl Ops for WrongView<'_> {
    fn signed(&mut self) -> Result<Vec<u8>, String> {
        sign_tree(self.log, self.log.len(), self.signer).map_err(|e| e.to_string())
    }

    fn lookup(&mut self, path: &str, version: &str) -> Result<u64, LookupError> {
        let r = SumRecord::wrong(path, version);
        self.log
            .append(&r.key(), r.text())
            .map_err(|e| LookupError::Other(e.to_string()))
    }

    fn record(&mut self, id: u64) -> Result<Vec<u8>, String> {
        self.log
            .record(id)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| "missing records".to_string())
    }

    fn tile(&mut self, t: Tile) -> Result<Vec<u8>, TileError> {
        let size = self.log.len();
        if t.l == -1 {
            self.log.data_tile(t, size)
        } else {
            self.log.hash_tile(t, size)
        }
    }
}

#[cfg(test)]
mod tests;
