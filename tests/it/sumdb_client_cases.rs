//! The checksum-database client in the situations Go's own client tests set up
//! (`golang.org/x/mod/sumdb/client_test.go`: bad tiles, a bad starting head, a forked
//! log, lines a head's note smuggles in, concurrent writers of `latest`), over a log
//! of tile height 2 built here with the test database's log and key. Go's expected
//! messages are asserted whole; for the fork, the signatures and the proof are the
//! ones Go's test prints (the same key, records and order give the same bytes).

use crate::sumdb_client_vectors::{MemOps, Network, World};
use gomodfetch::sumdb::client::{Client, ClientError, ClientOps, WriteConfigError};
use gomodfetch::sumdb::note::{self, Note, Signer};
use gomodfetch::sumdb::tlog::{self, Hash, Tree};
use gomodfetch::testkit::sumdb::log::Log;
use gomodfetch::testkit::sumdb::{NAME, SIGNER_KEY, VERIFIER_KEY};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const HEIGHT: u32 = 2;

/// A server: the log, its files in a [`World`], and the signer.
struct Server {
    log: Log,
    signer: Signer,
    world: Arc<Mutex<World>>,
}

impl Server {
    /// Go's test setup: four records, and a config trusting the tree of one.
    fn new() -> Server {
        let mut s = Server {
            log: Log::new(),
            signer: Signer::new(SIGNER_KEY).expect("test signer key"),
            world: Arc::new(Mutex::new(World::default())),
        };
        s.add(
            "rsc.io/quote@v1.5.2",
            "rsc.io/quote v1.5.2 h1:w5fcysjrx7yqtD/aO+QwRjYZOKnaM9Uh2b40tElTs3Y=\n\
             rsc.io/quote v1.5.2/go.mod h1:LzX7hefJvL54yjefDEDHNONDjII0t9xZLPXsUe+TKr0=\n\
             rsc.io/quote v1.5.2 h2:xyzzy\n",
        );
        s.add(
            "golang.org/x/text@v0.0.0-20170915032832-14c0d48ead0c",
            "golang.org/x/text v0.0.0-20170915032832-14c0d48ead0c h1:qgOY6WgZOaTkIIMiVjBQcw93ERBE4m30iBm00nkL0i8=\n\
             golang.org/x/text v0.0.0-20170915032832-14c0d48ead0c/go.mod h1:NqM8EUOU14njkJ3fqMW+pc6Ldnwhi/IjpwHt7yyuwOQ=\n",
        );
        s.add(
            "rsc.io/sampler@v1.3.0",
            "rsc.io/sampler v1.3.0 h1:7uVkIFmeBqHfdjD+gZwtXXI+RODJ2Wc4O7MPEh/QiW4=\n\
             rsc.io/sampler v1.3.0/go.mod h1:T1hPZKmBbMNahiBKFy5HrXp6adAjACjK9JXDnKaTXpA=\n",
        );
        let head = s.sign(1);
        s.world().config.insert(latest_file(), head);
        s.add(
            "rsc.io/!quote@v1.5.2",
            "rsc.io/Quote v1.5.2 h1:uppercase!=\n",
        );
        s
    }

    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().expect("world lock")
    }

    /// Appends a record under the escaped `key`, serving its lookup (with the head of
    /// the tree it completes) and the tiles it adds.
    fn add(&mut self, key: &str, text: &str) {
        let old = self.log.len();
        let id = self
            .log
            .append(key, text.as_bytes().to_vec())
            .expect("append");
        let mut body = tlog::format_record(id, text.as_bytes()).expect("record");
        body.extend(self.sign(self.log.len()));
        let tiles: Vec<(String, Vec<u8>)> = tlog::new_tiles(HEIGHT, old, self.log.len())
            .into_iter()
            .map(|t| {
                let data = self.log.hash_tile(t, self.log.len()).expect("tile");
                (format!("/{}", t.path()), data)
            })
            .collect();
        let mut w = self.world();
        w.remote.insert(format!("/lookup/{key}"), body);
        w.remote.extend(tiles);
    }

    fn sign_text(&self, text: String) -> Vec<u8> {
        note::sign(
            &Note {
                text,
                ..Note::default()
            },
            &[&self.signer],
        )
        .expect("signing")
    }

    fn sign(&self, n: u64) -> Vec<u8> {
        let tree = self.log.tree(n).expect("tree");
        self.sign_text(String::from_utf8_lossy(&tlog::format_tree(tree)).into_owned())
    }

    /// A separate server with the same history (Go's `fork`).
    fn fork(&self) -> Server {
        let mut log = Log::new();
        for (k, t) in self.log.records() {
            log.append(k, t.to_vec()).expect("append");
        }
        Server {
            log,
            signer: Signer::new(SIGNER_KEY).expect("test signer key"),
            world: Arc::new(Mutex::new(self.world().clone())),
        }
    }

    /// A new client (fresh memory, same config and cache).
    fn client(&self) -> Arc<Client<MemOps>> {
        let ops = MemOps {
            world: Arc::clone(&self.world),
            network: Network::On,
        };
        Arc::new(Client::new(ops, VERIFIER_KEY).with_tile_height(HEIGHT))
    }

    /// Flips every bit of every served tile.
    fn flip_tiles(&self) {
        for (path, data) in self.world().remote.iter_mut() {
            if path.contains("/tile/") {
                data.iter_mut().for_each(|b| *b ^= 0x80);
            }
        }
    }
}

fn latest_file() -> String {
    format!("{NAME}/latest")
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("runtime")
}

fn lookup(c: &Arc<Client<MemOps>>, path: &str, version: &str) -> Result<String, ClientError> {
    rt().block_on(c.lookup(path, version)).map(|l| l.join("\n"))
}

fn failed(r: Result<String, ClientError>) -> String {
    match r {
        Err(ClientError::Failed(m)) => m,
        other => panic!("want a failure, got {other:?}"),
    }
}

const SAMPLER: &str = "rsc.io/sampler v1.3.0 h1:7uVkIFmeBqHfdjD+gZwtXXI+RODJ2Wc4O7MPEh/QiW4=";

#[test]
fn bad_tiles() {
    let s = Server::new();
    // Bad tiles in the first download: the trusted head cannot be checked.
    s.flip_tiles();
    assert_eq!(
        failed(lookup(&s.client(), "rsc.io/sampler", "v1.3.0")),
        "rsc.io/sampler@v1.3.0: initializing sumdb.Client: checking tree#1: downloaded inconsistent tile"
    );
    s.flip_tiles();
    let c = s.client();
    assert_eq!(lookup(&c, "rsc.io/sampler", "v1.3.0").unwrap(), SAMPLER);

    // Bad tiles later: the newer head cannot be checked against the trusted one.
    s.flip_tiles();
    assert_eq!(
        failed(lookup(&c, "rsc.io/Quote", "v1.5.2")),
        "rsc.io/Quote@v1.5.2: checking tree#3 against tree#4: downloaded inconsistent tile"
    );
    s.flip_tiles();
    assert_eq!(
        lookup(&s.client(), "rsc.io/Quote", "v1.5.2").unwrap(),
        "rsc.io/Quote v1.5.2 h1:uppercase!="
    );
}

#[test]
fn bad_starting_head_looks_like_bad_tiles() {
    let s = Server::new();
    let bogus = Tree {
        n: 1,
        hash: Hash::default(),
    };
    let head = s.sign_text(String::from_utf8_lossy(&tlog::format_tree(bogus)).into_owned());
    s.world().config.insert(latest_file(), head);
    assert_eq!(
        failed(lookup(&s.client(), "rsc.io/sampler", "v1.3.0")),
        "rsc.io/sampler@v1.3.0: initializing sumdb.Client: checking tree#1: downloaded inconsistent tile"
    );
}

#[test]
fn lookups_then_cache() {
    let s = Server::new();
    let c = s.client();
    assert_eq!(lookup(&c, "rsc.io/sampler", "v1.3.0").unwrap(), SAMPLER);
    let size = |s: &Server| {
        let w = s.world();
        let latest = String::from_utf8_lossy(&w.config[&latest_file()]).into_owned();
        latest.lines().nth(1).map(str::to_string)
    };
    assert_eq!(size(&s).as_deref(), Some("3"));
    // Everything is cached now: no request for the record or its /go.mod line.
    let before = s.world().requests.len();
    let c = s.client();
    assert_eq!(lookup(&c, "rsc.io/sampler", "v1.3.0").unwrap(), SAMPLER);
    assert_eq!(
        lookup(&c, "rsc.io/sampler", "v1.3.0/go.mod").unwrap(),
        "rsc.io/sampler v1.3.0/go.mod h1:T1hPZKmBbMNahiBKFy5HrXp6adAjACjK9JXDnKaTXpA="
    );
    assert_eq!(s.world().requests.len(), before, "{:?}", s.world().requests);
    // Several lines for one version.
    assert_eq!(
        lookup(&c, "rsc.io/quote", "v1.5.2").unwrap(),
        "rsc.io/quote v1.5.2 h1:w5fcysjrx7yqtD/aO+QwRjYZOKnaM9Uh2b40tElTs3Y=\nrsc.io/quote v1.5.2 h2:xyzzy"
    );
    assert_eq!(size(&s).as_deref(), Some("3"));
}

#[test]
fn fork_is_a_security_error_with_go_report() {
    let mut a = Server::new();
    let mut b = a.fork();
    a.add("rsc.io/pkg1@v1.5.2", "rsc.io/pkg1 v1.5.2 h1:hash!=\n");
    a.add("rsc.io/pkg1@v1.5.4", "rsc.io/pkg1 v1.5.4 h1:hash!=\n");
    assert_eq!(
        lookup(&a.client(), "rsc.io/pkg1", "v1.5.2").unwrap(),
        "rsc.io/pkg1 v1.5.2 h1:hash!="
    );
    b.add("rsc.io/pkg1@v1.5.3", "rsc.io/pkg1 v1.5.3 h1:hash!=\n");
    b.add("rsc.io/pkg1@v1.5.4", "rsc.io/pkg1 v1.5.4 h1:hash!=\n");
    let bc = b.client();
    assert_eq!(
        lookup(&bc, "rsc.io/pkg1", "v1.5.4").unwrap(),
        "rsc.io/pkg1 v1.5.4 h1:hash!="
    );
    // b's server now answers with a's record and head.
    let key = "/lookup/rsc.io/pkg1@v1.5.2".to_string();
    let theirs = a.world().remote[&key].clone();
    b.world().remote.insert(key, theirs);
    let report = match lookup(&bc, "rsc.io/pkg1", "v1.5.2") {
        Err(ClientError::Security(r)) => r,
        other => panic!("want a security error, got {other:?}"),
    };
    for want in [
        "SECURITY ERROR\ngo.sum database server misbehavior detected!\n\n",
        "old database:\n\tgo.sum database tree\n\t5\n",
        "— localhost.localdev/sumdb AAAMZ5/2FVAd",
        "new database:\n\tgo.sum database tree\n\t6\n",
        "— localhost.localdev/sumdb AAAMZ6oRNswl",
        "proof of misbehavior:\n\tT7i+H/8ER4nXOiw4Bj0k",
    ] {
        assert!(report.contains(want), "{want:?} not in:\n{report}");
    }
}

#[test]
fn lines_in_the_head_note_are_not_records() {
    let mut s = Server::new();
    let good = "golang.org/x/good v1.0.0 h1:7uVkIFmeBqHfdjD+gZwtXXI+RODJ2Wc4O7MPEh/QiW4=\n";
    s.add("golang.org/x/good@v1.0.0", good);
    let id = s.log.len() - 1;
    let tree = s.log.tree(s.log.len()).expect("tree");
    let mut text = String::from_utf8_lossy(&tlog::format_tree(tree)).into_owned();
    text.push_str("golang.org/x/bad v1.0.0 h1:7uVkIFmeBqHfdjD+gZwtXXI+RODJ2Wc4O7MPEh/QiW4=\n");
    let mut body = tlog::format_record(id, good.as_bytes()).expect("record");
    body.extend(s.sign_text(text));
    s.world()
        .remote
        .insert("/lookup/golang.org/x/bad@v1.0.0".into(), body);
    assert_eq!(
        lookup(&s.client(), "golang.org/x/bad", "v1.0.0").unwrap(),
        ""
    );
}

/// Ops whose first `latest` write loses a race: another process stored a newer head
/// just before.
struct Racing {
    inner: MemOps,
    newer: Vec<u8>,
    raced: AtomicBool,
}

impl ClientOps for Racing {
    async fn read_remote(&self, path: &str) -> Result<Vec<u8>, String> {
        self.inner.read_remote(path).await
    }
    async fn read_config(&self, file: &str) -> Result<Vec<u8>, String> {
        self.inner.read_config(file).await
    }
    async fn write_config(
        &self,
        file: &str,
        old: &[u8],
        new: &[u8],
    ) -> Result<(), WriteConfigError> {
        if !self.raced.swap(true, Ordering::SeqCst) {
            self.inner
                .world()
                .config
                .insert(file.to_string(), self.newer.clone());
        }
        self.inner.write_config(file, old, new).await
    }
    async fn read_cache(&self, file: &str) -> Option<Vec<u8>> {
        self.inner.read_cache(file).await
    }
    async fn write_cache(&self, file: &str, data: &[u8]) {
        self.inner.write_cache(file, data).await
    }
}

#[test]
fn a_newer_latest_written_meanwhile_wins() {
    let s = Server::new();
    let newer = s.sign(4);
    let ops = Racing {
        inner: MemOps {
            world: Arc::clone(&s.world),
            network: Network::On,
        },
        newer: newer.clone(),
        raced: AtomicBool::new(false),
    };
    let c = Arc::new(Client::new(ops, VERIFIER_KEY).with_tile_height(HEIGHT));
    // The lookup's head (tree#3) loses the compare-and-swap to tree#4, which the
    // client then checks and keeps; the record still verifies.
    let got = rt().block_on(c.lookup("rsc.io/sampler", "v1.3.0"));
    assert_eq!(got.map(|l| l.join("\n")).unwrap(), SAMPLER);
    assert_eq!(s.world().config[&latest_file()], newer);
    assert!(c.ops().raced.load(Ordering::SeqCst));
}
