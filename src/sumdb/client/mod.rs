//! The checksum-database client (Go's `golang.org/x/mod/sumdb.Client`): authenticated
//! lookups of go.sum lines, with the signed tree head kept in a config file and the
//! lookups and tiles cached on disk.
//!
//! # What it guarantees
//! A [`Client::lookup`] returns lines only from a record that is proven, through tiles,
//! to be in a tree whose head is signed by the configured key and which extends every
//! tree this client (or any client sharing the config file, the real `go` included)
//! has accepted before. A server showing two trees that do not extend each other is
//! caught: [`ClientError::Security`] carries Go's `SECURITY ERROR` report, and the
//! caller must stop at once, as the go command does.
//!
//! # How it works
//! A lookup reads `<name>/lookup/<path>@<version>` from the cache or the server, parses
//! the record and the tree head that comes with it, merges that head into `latest`
//! (proving consistency with the tree known so far: the older tree's hash is recomputed
//! from tiles of the newer one), then proves the record's inclusion by reading its leaf
//! hash from tiles of `latest`. Tiles are read in parallel, each from the cache if it
//! (or the full tile a partial one is a prefix of) is there, else from the server, and
//! cached once authenticated. Lookups and tile reads are de-duplicated per process.
//!
//! This is the sources layer: the pure log arithmetic is [`crate::sumdb::tlog`], the
//! signatures [`crate::sumdb::note`]; all I/O goes through [`ClientOps`].

mod ops;
mod tiles;

pub use ops::{ClientOps, WriteConfigError};

use crate::oncemap::OnceMap;
use crate::sumdb::note;
use crate::sumdb::tlog::{self, EMPTY_TREE_HASH, Tile, Tree};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// The tile height of Go's checksum database (and the go command's default).
pub const DEFAULT_TILE_HEIGHT: u32 = 8;

/// Why a lookup failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The path matches GONOSUMDB (only when the client was given patterns).
    #[error("skipped (listed in GONOSUMDB)")]
    Skipped,
    /// The server misbehaved provably (Go's `SecurityError`): the text is the whole
    /// report, and the go command exits with it.
    #[error("{0}")]
    Security(String),
    /// Anything else, in Go's words (already prefixed with `<path>@<version>: `).
    #[error("{0}")]
    Failed(String),
}

/// Where a tree head stands against the one the client holds (Go's msgPast/Now/Future).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    Past,
    Now,
    Future,
}

/// The newest verified tree and the signed note it came in.
#[derive(Debug, Clone)]
struct Latest {
    tree: Tree,
    note: Arc<Vec<u8>>,
}

/// A checksum-database client. Share it behind an `Arc`.
pub struct Client<O: ClientOps> {
    ops: O,
    verifier_key: String,
    height: u32,
    nosumdb: String,
    /// The verifier (and its name) once `<name>/latest` has been read and merged.
    init: OnceCell<Result<Arc<note::VerifierList>, String>>,
    name: Mutex<String>,
    latest: Mutex<Latest>,
    records: OnceMap<String, Result<Arc<Vec<u8>>, ClientError>>,
    tiles: OnceMap<Tile, Result<Arc<Vec<u8>>, String>>,
    /// Tiles that are on disk already (read from, or written to, the cache).
    saved: Mutex<HashSet<Tile>>,
}

impl<O: ClientOps> Client<O> {
    /// A client trusting `verifier_key` (`<name>+<hash>+<key>`), with Go's tile height.
    pub fn new(ops: O, verifier_key: &str) -> Client<O> {
        Client {
            ops,
            verifier_key: verifier_key.trim().to_string(),
            height: DEFAULT_TILE_HEIGHT,
            nosumdb: String::new(),
            init: OnceCell::new(),
            name: Mutex::new(String::new()),
            latest: Mutex::new(Latest {
                tree: Tree {
                    n: 0,
                    hash: EMPTY_TREE_HASH,
                },
                note: Arc::new(Vec::new()),
            }),
            records: OnceMap::new(),
            tiles: OnceMap::new(),
            saved: Mutex::new(HashSet::new()),
        }
    }

    /// Reads tiles of another height (tests; Go's `SetTileHeight`).
    pub fn with_tile_height(mut self, height: u32) -> Client<O> {
        self.height = height.clamp(1, 30);
        self
    }

    /// Skips paths matching these GONOSUMDB-style patterns (Go's `SetGONOSUMDB`).
    pub fn with_gonosumdb(mut self, patterns: &str) -> Client<O> {
        self.nosumdb = patterns.to_string();
        self
    }

    /// The ops, for callers that keep state in them.
    pub fn ops(&self) -> &O {
        &self.ops
    }

    /// The database name, once the first lookup has initialised the client.
    pub fn name(&self) -> String {
        lock(&self.name).clone()
    }

    /// The go.sum lines the database holds for `path` at `version` (which may end in
    /// `/go.mod`): the record's lines that start with `<path> <version> `.
    pub async fn lookup(
        self: &Arc<Self>,
        path: &str,
        version: &str,
    ) -> Result<Vec<String>, ClientError> {
        if crate::module::match_prefix_patterns(&self.nosumdb, path) {
            return Err(ClientError::Skipped);
        }
        let wrap = |e: String| ClientError::Failed(format!("{path}@{version}: {e}"));
        let verifiers = self.initialize().await.map_err(wrap)?;
        let epath = crate::module::escape_path(path).map_err(|e| wrap(e.to_string()))?;
        let evers = crate::module::escape_version(version.trim_end_matches("/go.mod"))
            .map_err(|e| wrap(e.to_string()))?;
        let remote = format!("/lookup/{epath}@{evers}");
        let file = format!("{}{remote}", self.name());
        let me = Arc::clone(self);
        let text = self
            .records
            .get_or_run(&file.clone(), || async move {
                me.fetch_record(&verifiers, &file, &remote).await
            })
            .await
            .map_err(|e| match e {
                ClientError::Failed(m) => wrap(m),
                other => other,
            })?;
        let prefix = format!("{path} {version} ");
        Ok(String::from_utf8_lossy(&text)
            .split('\n')
            .filter(|l| l.starts_with(&prefix))
            .map(str::to_string)
            .collect())
    }

    /// One record, authenticated; its text. Errors are not yet prefixed.
    async fn fetch_record(
        self: &Arc<Self>,
        verifiers: &note::VerifierList,
        file: &str,
        remote: &str,
    ) -> Result<Arc<Vec<u8>>, ClientError> {
        let (data, from_network) = match self.ops.read_cache(file).await {
            Some(d) => (d, false),
            None => (
                self.ops
                    .read_remote(remote)
                    .await
                    .map_err(ClientError::Failed)?,
                true,
            ),
        };
        let (id, text, tree_note) =
            tlog::parse_record(&data).map_err(|e| ClientError::Failed(e.to_string()))?;
        self.merge_latest(verifiers, tree_note).await?;
        self.check_record(id, text).await?;
        let text = Arc::new(text.to_vec());
        if from_network {
            self.ops.write_cache(file, &data).await;
        }
        Ok(text)
    }

    /// Go's `initWork`: the verifier, then `<name>/latest` merged into memory.
    async fn initialize(self: &Arc<Self>) -> Result<Arc<note::VerifierList>, String> {
        let me = Arc::clone(self);
        self.init
            .get_or_init(|| async move {
                me.initialize_once()
                    .await
                    .map_err(|e| format!("initializing sumdb.Client: {e}"))
            })
            .await
            .clone()
    }

    async fn initialize_once(self: &Arc<Self>) -> Result<Arc<note::VerifierList>, String> {
        let verifier = note::Verifier::new(&self.verifier_key).map_err(|e| e.to_string())?;
        *lock(&self.name) = verifier.name().to_string();
        let verifiers = Arc::new(note::VerifierList::new(vec![verifier]));
        let data = self
            .ops
            .read_config(&format!("{}/latest", self.name()))
            .await?;
        self.merge_latest(&verifiers, &data)
            .await
            .map_err(|e| e.to_string())?;
        Ok(verifiers)
    }

    /// Go's `mergeLatest`: authenticates `msg` against the tree held so far and, when
    /// it is newer, installs it and records it in `<name>/latest` (compare-and-swap,
    /// merging with whatever another process wrote meanwhile).
    async fn merge_latest(
        self: &Arc<Self>,
        verifiers: &note::VerifierList,
        msg: &[u8],
    ) -> Result<(), ClientError> {
        if self.merge_latest_mem(verifiers, msg).await? != When::Future {
            return Ok(());
        }
        let file = format!("{}/latest", self.name());
        loop {
            let on_disk = self
                .ops
                .read_config(&file)
                .await
                .map_err(ClientError::Failed)?;
            if self.merge_latest_mem(verifiers, &on_disk).await? != When::Past {
                return Ok(());
            }
            let ours = Arc::clone(&lock(&self.latest).note);
            match self.ops.write_config(&file, &on_disk, &ours).await {
                Err(WriteConfigError::Conflict) => continue,
                Err(WriteConfigError::Failed(e)) => return Err(ClientError::Failed(e)),
                Ok(()) => return Ok(()),
            }
        }
    }

    /// Go's `mergeLatestMem`: where `msg` stands against the tree held in memory,
    /// installing it there when it is newer and consistent.
    async fn merge_latest_mem(
        self: &Arc<Self>,
        verifiers: &note::VerifierList,
        msg: &[u8],
    ) -> Result<When, ClientError> {
        if msg.is_empty() {
            return Ok(if lock(&self.latest).tree.n == 0 {
                When::Now
            } else {
                When::Past
            });
        }
        let opened = note::open(msg, verifiers).map_err(|e| {
            ClientError::Failed(format!(
                "reading tree note: {e}\nnote:\n{}",
                String::from_utf8_lossy(msg)
            ))
        })?;
        let tree = tlog::parse_tree(opened.text.as_bytes()).map_err(|e| {
            ClientError::Failed(format!("reading tree: {e}\ntree:\n{}", opened.text))
        })?;
        let msg = Arc::new(msg.to_vec());
        let mut held = lock(&self.latest).clone();
        loop {
            if tree.n <= held.tree.n {
                self.check_trees(tree, &msg, held.tree, &held.note).await?;
                return Ok(if tree.n < held.tree.n {
                    When::Past
                } else {
                    When::Now
                });
            }
            self.check_trees(held.tree, &held.note, tree, &msg).await?;
            let mut latest = lock(&self.latest);
            if latest.tree == held.tree {
                *latest = Latest {
                    tree,
                    note: Arc::clone(&msg),
                };
                return Ok(When::Future);
            }
            // Another lookup installed a newer tree meanwhile: compare with that one.
            held = latest.clone();
        }
    }

    /// Go's `checkTrees`: `older` must be a prefix of `newer`, proven by recomputing
    /// its hash from tiles of `newer`. A mismatch is a fork: [`ClientError::Security`].
    async fn check_trees(
        self: &Arc<Self>,
        older: Tree,
        older_note: &[u8],
        newer: Tree,
        newer_note: &[u8],
    ) -> Result<(), ClientError> {
        let h = self
            .read_through(newer, |r| tlog::tree_hash(older.n, r))
            .await
            .map_err(|e| {
                ClientError::Failed(if older.n == newer.n {
                    format!("checking tree#{}: {e}", older.n)
                } else {
                    format!("checking tree#{} against tree#{}: {e}", older.n, newer.n)
                })
            })?;
        if h == older.hash {
            return Ok(());
        }
        let indent = |b: &[u8]| String::from_utf8_lossy(b).replace('\n', "\n\t");
        let mut report =
            String::from("SECURITY ERROR\ngo.sum database server misbehavior detected!\n\n");
        let _ = writeln!(report, "old database:\n\t{}", indent(older_note));
        let _ = writeln!(report, "new database:\n\t{}", indent(newer_note));
        let _ = write!(report, "proof of misbehavior:\n\t{h}");
        match self
            .read_through(newer, |r| tlog::prove_tree(newer.n, older.n, r))
            .await
        {
            Err(e) => {
                let _ = writeln!(report, "\tinternal error: {e}");
            }
            Ok(proof) => {
                if tlog::check_tree(&proof, newer.n, newer.hash, older.n, h).is_err() {
                    report.push_str("\tinternal error: generated inconsistent proof\n");
                } else {
                    for p in &proof {
                        let _ = write!(report, "\n\t{p}");
                    }
                }
            }
        }
        Err(ClientError::Security(report))
    }

    /// Go's `checkRecord`: record `id`'s leaf hash, read from tiles of `latest`, must
    /// be the hash of `data`.
    async fn check_record(self: &Arc<Self>, id: i64, data: &[u8]) -> Result<(), ClientError> {
        let latest = lock(&self.latest).tree;
        if u64::try_from(id).is_ok_and(|id| id >= latest.n) {
            return Err(ClientError::Failed(format!(
                "cannot validate record {id} in tree of size {}",
                latest.n
            )));
        }
        // Go's StoredHashIndex(0, id) is 0 for a negative id: such a record is then
        // compared with record 0 and (almost surely) fails to authenticate.
        let index = tlog::stored_hash_index(0, u64::try_from(id).unwrap_or(0));
        let hashes = self
            .read_hashes(latest, &[index])
            .await
            .map_err(ClientError::Failed)?;
        if hashes.first() == Some(&tlog::record_hash(data)) {
            Ok(())
        } else {
            Err(ClientError::Failed(
                "cannot authenticate record data in server response".to_string(),
            ))
        }
    }
}

/// A lock whose poisoning (a panic elsewhere) leaves the data usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
