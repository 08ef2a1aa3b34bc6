//! The real `go` against the test checksum database, through the proxy
//! (`GOSUMDB=<key>`) and at its own URL (`GOSUMDB="<key> <proxy>/mod/sumdb-direct"`):
//! honest runs succeed and leave go's sumdb cache and `latest`; every tamper mode makes
//! go fail with the exact message pinned here (paths normalised to `$GOMODCACHE`, the
//! proxy's URL to `$PROXY`), exit status 1, and nothing of the failing module published.
//! Expected texts are assembled from the database's own heads and records, so they hold
//! for any fixture set.

use super::{Served, escaped, get, serve};
use crate::support::{self, Sandbox};
use gomodfetch::testkit::gocmd::{DownloadRecord, Go, Run};
use gomodfetch::testkit::sumdb::{self, BadSignature, SumLine, Tamper, Trigger};
use std::path::{Path, PathBuf};

const TEST: &str = "testdb::with_go";

/// The text go appends to a checksum mismatch (`sumdbMismatch` in modfetch).
const MISMATCH: &str = "\n\nSECURITY ERROR\nThis download does NOT match the one reported by \
the checksum server.\nThe bits may have been replaced on the origin server, or an attacker \
may\nhave intercepted the download attempt.\n\nFor more information, see 'go help \
module-auth'.\n";

/// Modules every honest run downloads (all in `proxy_modules/`).
const MODULES: [&str; 6] = [
    "golang.org/x/text@v0.0.0-20170915032832-14c0d48ead0c",
    "golang.org/x/text@v0.3.0",
    "rsc.io/quote@v1.5.2",
    "rsc.io/quote/v3@v3.0.0",
    "rsc.io/sampler@v1.3.0",
    "rsc.io/sampler@v1.99.99",
];
/// The module the single-module scenarios download first.
const A: (&str, &str) = ("rsc.io/quote", "v1.5.2");
/// A module listed before `A` (a lower record id).
const LOWER: (&str, &str) = ("golang.org/x/text", "v0.3.0");
/// A module listed after `A` (a higher record id).
const HIGHER: (&str, &str) = ("rsc.io/sampler", "v1.3.0");

fn key((path, version): (&str, &str)) -> String {
    format!("{path}@{version}")
}

struct Ctx {
    go: Go,
    dir: PathBuf,
}

fn ctx() -> Option<Ctx> {
    let dir = support::conformance(TEST, "proxy_modules")?;
    let go = support::go(TEST)?;
    Some(Ctx { go, dir })
}

/// A sandbox using the database through the proxy (or `gosumdb` when given).
fn sandbox(s: &Served, gosumdb: Option<&str>) -> Sandbox {
    let mut sb = support::sandbox();
    sb.goproxy(s.proxy.goproxy_url())
        .gosumdb(gosumdb.unwrap_or(sumdb::VERIFIER_KEY))
        .gonosumdb("")
        .goprivate("");
    sb
}

/// One `go mod download` and what it left.
struct Outcome {
    run: Run,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn records(&self) -> Vec<DownloadRecord> {
        self.run.download_records().expect("-json stream")
    }

    /// The one record's error (normalised).
    fn error(&self) -> String {
        let recs = self.records();
        assert_eq!(recs.len(), 1, "{}", self.run);
        recs[0].error.clone().unwrap_or_default()
    }
}

fn download(c: &Ctx, s: &Served, sb: &Sandbox, json: bool, modules: &[String]) -> Outcome {
    let flags: &[&str] = if json { &["-json"] } else { &[] };
    let run =
        c.go.mod_download(sb, sb.work_dir(), flags, modules)
            .expect("running go");
    let mut n = sb.normalizer();
    n.text(s.proxy.base_url(), "$PROXY");
    Outcome {
        stdout: n.apply_str(&run.stdout_text()),
        stderr: n.apply_str(&run.stderr_text()),
        run: Run {
            stdout: n.apply(&run.stdout),
            ..run
        },
    }
}

/// Every file under the sumdb cache (`cache/…`) and the sumdb config (`config/…`).
fn sumdb_files(sb: &Sandbox) -> Vec<String> {
    let mut out = Vec::new();
    for (label, root) in [
        ("cache", sb.gomodcache().join("cache/download/sumdb")),
        ("config", sb.gopath().join("pkg/sumdb")),
    ] {
        walk(&root, &root, label, &mut out);
    }
    out.sort();
    out
}

fn walk(root: &Path, dir: &Path, label: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(root, &p, label, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.push(format!("{label}/{}", rel.display()));
        }
    }
}

/// Asserts that nothing of `m` but what `allowed` names (`info`, `mod`) is in the
/// module cache.
fn assert_unpublished(sb: &Sandbox, (path, version): (&str, &str), allowed: &[&str]) {
    let esc = escaped(path, version);
    let (epath, ever) = esc.split_once('@').expect("escaped key");
    let dl = sb.gomodcache().join(format!("cache/download/{epath}/@v"));
    for ext in ["info", "mod", "zip", "ziphash"] {
        let f = dl.join(format!("{ever}.{ext}"));
        assert_eq!(
            f.exists(),
            allowed.contains(&ext),
            "{path}@{version}: {}",
            f.display()
        );
    }
    let extracted = sb.gomodcache().join(&esc);
    assert!(!extracted.exists(), "{} exists", extracted.display());
}

/// What the database serves at `path` (below the proxy's `sumdb/<name>/`).
fn served(s: &Served, path: &str) -> Vec<u8> {
    let (status, body) = get(
        s.proxy.addr(),
        &format!("/mod/sumdb/localhost.localdev/sumdb/{path}"),
    );
    assert_eq!(status, 200, "{path}");
    body
}

/// Go's indentation of a note inside a security report.
fn indent(note: &[u8]) -> String {
    String::from_utf8_lossy(note).replace('\n', "\n\t")
}

/// An honest run of [`MODULES`] and the cache it leaves: every lookup and tile file is
/// what the database serves, `latest` is its signed head. Returns the paths go asked
/// the proxy for.
fn honest_run(c: &Ctx, s: &Served, sb: &Sandbox) -> Vec<String> {
    let args: Vec<String> = MODULES.iter().map(|m| m.to_string()).collect();
    let out = download(c, s, sb, true, &args);
    let asked = s.proxy.log().into_iter().map(|r| r.path).collect();
    assert!(out.run.success(), "{}", out.run);
    assert_eq!(out.stderr, "");
    let records = s.db.records();
    for r in out.records() {
        let (path, version) = (r.path.unwrap(), r.version.unwrap());
        assert_eq!(r.error, None, "{path}@{version}");
        let want = &records
            .iter()
            .find(|(k, _)| *k == format!("{path}@{version}"))
            .expect("a record")
            .1;
        let text = format!(
            "{path} {version} {}\n{path} {version}/go.mod {}\n",
            r.sum.unwrap(),
            r.go_mod_sum.unwrap()
        );
        assert_eq!(text.as_bytes(), want, "{path}@{version}");
    }
    let files = sumdb_files(sb);
    let mut want: Vec<String> = MODULES
        .iter()
        .map(|m| {
            let (p, v) = m.split_once('@').unwrap();
            format!("cache/localhost.localdev/sumdb/lookup/{}", escaped(p, v))
        })
        .collect();
    let n = s.db.tree().unwrap().n;
    want.push(format!("cache/localhost.localdev/sumdb/tile/8/0/000.p/{n}"));
    want.push("config/localhost.localdev/sumdb/latest".into());
    want.sort();
    assert_eq!(files, want);
    let cache = sb.gomodcache().join("cache/download/sumdb");
    for f in &files {
        let Some(rel) = f.strip_prefix("cache/localhost.localdev/sumdb/") else {
            continue;
        };
        let on_disk = std::fs::read(cache.join("localhost.localdev/sumdb").join(rel)).unwrap();
        assert_eq!(on_disk, served(s, rel), "{f}");
    }
    let latest = std::fs::read(
        sb.gopath()
            .join("pkg/sumdb/localhost.localdev/sumdb/latest"),
    );
    assert_eq!(latest.unwrap(), s.db.signed_head().unwrap());
    asked
}

#[test]
fn honest_through_the_proxy() {
    let Some(c) = ctx() else { return };
    let s = serve(&c.dir, None, Trigger::Start);
    let sb = sandbox(&s, None);
    honest_run(&c, &s, &sb);
    // A second run finds everything cached and asks the database nothing.
    s.proxy.clear_log();
    let again = download(&c, &s, &sb, true, &[key(A)]);
    assert!(again.run.success(), "{}", again.run);
    let asked: Vec<String> = s.proxy.log().into_iter().map(|r| r.path).collect();
    assert!(asked.iter().all(|p| !p.contains("sumdb")), "{asked:?}");
}

#[test]
fn honest_at_its_own_url() {
    let Some(c) = ctx() else { return };
    let s = serve(&c.dir, None, Trigger::Start);
    let gosumdb = s.db.gosumdb_direct(&s.proxy.goproxy_url());
    let sb = sandbox(&s, Some(&gosumdb));
    let asked = honest_run(&c, &s, &sb);
    assert!(
        asked
            .iter()
            .any(|p| p.starts_with("/mod/sumdb-direct/lookup/"))
    );
    assert!(
        asked.iter().all(|p| !p.starts_with("/mod/sumdb/")),
        "{asked:?}"
    );
}

/// One failing download of `m` in a fresh sandbox, with and without `-json`: the exit
/// status, the record's error, go's stderr, and the sumdb files left.
fn failing(c: &Ctx, s: &Served, gosumdb: Option<&str>, m: (&str, &str)) -> (String, Vec<String>) {
    let sb = sandbox(s, gosumdb);
    let out = download(c, s, &sb, true, &[key(m)]);
    assert_eq!(out.run.code(), Some(1), "{}", out.run);
    assert_eq!(out.stderr, "", "-json puts the error in the record");
    let error = out.error();
    let plain = download(c, s, &sandbox(s, gosumdb), false, &[key(m)]);
    assert_eq!(plain.run.code(), Some(1), "{}", plain.run);
    assert_eq!(plain.stdout, "");
    // log.Printf: a newline unless the message ends in one.
    let nl = if error.ends_with('\n') { "" } else { "\n" };
    assert_eq!(plain.stderr, format!("go: {error}{nl}"));
    (error, sumdb_files(&sb))
}

/// The line of `text` for `m` (`/go.mod` selects the go.mod line): its hash.
fn hash_in(text: &[u8], line_prefix: &str) -> String {
    String::from_utf8_lossy(text)
        .lines()
        .find_map(|l| l.strip_prefix(line_prefix).map(str::to_string))
        .expect("record line")
}

fn record_of(s: &Served, m: (&str, &str)) -> Vec<u8> {
    s.db.records()
        .into_iter()
        .find(|(k, _)| *k == key(m))
        .expect("record")
        .1
}

#[test]
fn wrong_hash_in_the_log() {
    let Some(c) = ctx() else { return };
    let honest = serve(&c.dir, None, Trigger::Start);
    let good = record_of(&honest, A);
    for (line, noun, suffix) in [
        (SumLine::Zip, "module", ""),
        (SumLine::GoMod, "go.mod", "/go.mod"),
    ] {
        let s = serve(
            &c.dir,
            Some(Tamper::WrongHash {
                module: key(A),
                line,
            }),
            Trigger::Start,
        );
        let prefix = format!("{} {}{suffix} ", A.0, A.1);
        let (downloaded, recorded) = (hash_in(&good, &prefix), hash_in(&record_of(&s, A), &prefix));
        assert_ne!(downloaded, recorded);
        let (error, files) = failing(&c, &s, None, A);
        assert_eq!(
            error,
            format!(
                "{}: verifying {noun}: checksum mismatch\n\tdownloaded: {downloaded}\n\t\
                 localhost.localdev/sumdb: {recorded}{MISMATCH}",
                key(A)
            )
        );
        let n = s.db.tree().unwrap().n;
        assert_eq!(
            files,
            [
                format!(
                    "cache/localhost.localdev/sumdb/lookup/{}",
                    escaped(A.0, A.1)
                ),
                format!("cache/localhost.localdev/sumdb/tile/8/0/000.p/{n}"),
                "config/localhost.localdev/sumdb/latest".into(),
            ]
        );
        let sb = sandbox(&s, None);
        download(&c, &s, &sb, true, &[key(A)]);
        let allowed: &[&str] = if line == SumLine::Zip {
            &["info", "mod"]
        } else {
            &["info"]
        };
        assert_unpublished(&sb, A, allowed);
    }
}

#[test]
fn wrong_database() {
    let Some(c) = ctx() else { return };
    let s = serve(&c.dir, None, Trigger::Start);
    let gosumdb = s.db.gosumdb_wrong(&s.proxy.goproxy_url());
    let good = record_of(&s, A);
    let downloaded = hash_in(&good, &format!("{} {}/go.mod ", A.0, A.1));
    let (error, files) = failing(&c, &s, Some(&gosumdb), A);
    assert_eq!(
        error,
        format!(
            "{}: verifying go.mod: checksum mismatch\n\tdownloaded: {downloaded}\n\t\
             localhost.localdev/sumdb: h1:wrong{MISMATCH}",
            key(A)
        )
    );
    assert_eq!(
        files,
        [
            format!(
                "cache/localhost.localdev/sumdb/lookup/{}",
                escaped(A.0, A.1)
            ),
            "cache/localhost.localdev/sumdb/tile/8/0/000.p/1".into(),
            "config/localhost.localdev/sumdb/latest".into(),
        ]
    );
}

#[test]
fn bad_signatures() {
    let Some(c) = ctx() else { return };
    for (kind, why) in [
        (
            BadSignature::Corrupt,
            "invalid signature for key localhost.localdev/sumdb+00000c67",
        ),
        (BadSignature::OtherKey, "note has no verifiable signatures"),
    ] {
        let s = serve(&c.dir, Some(Tamper::BadSignature(kind)), Trigger::Start);
        let head = served(&s, "latest");
        let (error, files) = failing(&c, &s, None, A);
        assert_eq!(
            error,
            format!(
                "{k}: verifying go.mod: {k}/go.mod: reading tree note: {why}\nnote:\n{}",
                String::from_utf8_lossy(&head),
                k = key(A)
            ),
            "{kind:?}"
        );
        assert!(files.is_empty(), "{files:?}");
        let sb = sandbox(&s, None);
        download(&c, &s, &sb, true, &[key(A)]);
        assert_unpublished(&sb, A, &["info"]);
    }
}

#[test]
fn corrupt_tile() {
    let Some(c) = ctx() else { return };
    let s = serve(&c.dir, Some(Tamper::CorruptTile), Trigger::Start);
    let (error, files) = failing(&c, &s, None, A);
    assert_eq!(
        error,
        format!(
            "{k}: verifying go.mod: {k}/go.mod: downloaded inconsistent tile",
            k = key(A)
        )
    );
    // The head was trusted (checked against the empty tree) before the tile was read.
    assert_eq!(files, ["config/localhost.localdev/sumdb/latest"]);
    let sb = sandbox(&s, None);
    download(&c, &s, &sb, true, &[key(A)]);
    assert_unpublished(&sb, A, &["info"]);
}

#[test]
fn forked_tree() {
    let Some(c) = ctx() else { return };
    // The first head-carrying response is honest, the rest come from the fork.
    let s = serve(
        &c.dir,
        Some(Tamper::Fork { module: None }),
        Trigger::AfterHeads(1),
    );
    let sb = sandbox(&s, None);
    let honest_head = s.db.signed_head().unwrap();
    let first = download(&c, &s, &sb, true, &[key(A)]);
    assert!(first.run.success(), "{}", first.run);
    assert!(!s.db.is_tampering());
    let fork_head = served(&s, "latest");
    assert!(s.db.is_tampering());
    let tree = s.db.tree().unwrap();

    // The client trusts the honest head and has its tile cached: the fork's head of
    // the same size is proof of misbehaviour, and go stops at once.
    let second = download(&c, &s, &sb, true, &[key(HIGHER)]);
    assert_eq!(second.run.code(), Some(1), "{}", second.run);
    assert_eq!(second.stdout, "");
    assert_eq!(
        second.stderr,
        format!(
            "SECURITY ERROR\ngo.sum database server misbehavior detected!\n\n\
             old database:\n\t{}\nnew database:\n\t{}\nproof of misbehavior:\n\t{}\n",
            indent(&fork_head),
            indent(&honest_head),
            tree.hash
        )
    );
    assert_unpublished(&sb, HIGHER, &["info"]);

    // Without the cached tile, the fork's tiles fail to authenticate the trusted head.
    sb.clean_modcache().unwrap();
    let third = download(&c, &s, &sb, true, &[key(LOWER)]);
    assert_eq!(third.run.code(), Some(1), "{}", third.run);
    assert_eq!(
        third.error(),
        format!(
            "{k}: verifying go.mod: {k}/go.mod: initializing sumdb.Client: checking tree#{n}: \
             downloaded inconsistent tile",
            k = key(LOWER),
            n = tree.n
        )
    );
    assert_eq!(sumdb_files(&sb), ["config/localhost.localdev/sumdb/latest"]);
    assert_unpublished(&sb, LOWER, &["info"]);
}

/// The record id of `m` in the fixtures' database.
fn id_of(c: &Ctx, m: (&str, &str)) -> u64 {
    let s = serve(&c.dir, None, Trigger::Start);
    s.db.lookup(m.0, m.1).expect("a fixture module")
}

#[test]
fn stale_head() {
    let Some(c) = ctx() else { return };
    let size = id_of(&c, A) + 1;
    assert!(id_of(&c, LOWER) < size && id_of(&c, HIGHER) >= size);
    let s = serve(&c.dir, Some(Tamper::StaleHead { size }), Trigger::Manual);
    let sb = sandbox(&s, None);
    let first = download(&c, &s, &sb, true, &[key(A)]);
    assert!(first.run.success(), "{}", first.run);
    s.db.set_tampering(true);
    let trusted = s.db.signed_head().unwrap();
    let latest = sb
        .gopath()
        .join("pkg/sumdb/localhost.localdev/sumdb/latest");

    // A client that trusts the newer head checks the older one against it and keeps
    // working, for records inside and outside the older tree.
    for m in [LOWER, HIGHER] {
        let out = download(&c, &s, &sb, true, &[key(m)]);
        assert!(out.run.success(), "{}", out.run);
        assert_eq!(std::fs::read(&latest).unwrap(), trusted);
    }
    // A new client believes the stale head, and cannot check a record past it.
    let fresh = sandbox(&s, None);
    let out = download(&c, &s, &fresh, true, &[key(HIGHER)]);
    assert_eq!(out.run.code(), Some(1), "{}", out.run);
    assert_eq!(
        out.error(),
        format!(
            "{k}: verifying go.mod: {k}/go.mod: cannot validate record {id} in tree of size {size}",
            k = key(HIGHER),
            id = id_of(&c, HIGHER)
        )
    );
    assert_unpublished(&fresh, HIGHER, &["info"]);
    let ok = download(&c, &s, &fresh, true, &[key(LOWER)]);
    assert!(ok.run.success(), "{}", ok.run);
}

#[test]
fn rolled_back_server() {
    let Some(c) = ctx() else { return };
    let size = id_of(&c, A) + 1;
    let s = serve(&c.dir, Some(Tamper::Rollback { size }), Trigger::Manual);
    let sb = sandbox(&s, None);
    let first = download(&c, &s, &sb, true, &[key(A)]);
    assert!(first.run.success(), "{}", first.run);
    let n = s.db.tree().unwrap().n;
    s.db.set_tampering(true);
    let trusted = s.db.signed_head().unwrap();
    let latest = sb
        .gopath()
        .join("pkg/sumdb/localhost.localdev/sumdb/latest");

    // Records the old tree holds still verify (the old head is consistent with the
    // trusted one), and the trusted head stays.
    let lower = download(&c, &s, &sb, true, &[key(LOWER)]);
    assert!(lower.run.success(), "{}", lower.run);
    assert_eq!(std::fs::read(&latest).unwrap(), trusted);
    // Later records are gone from the server.
    let higher = download(&c, &s, &sb, true, &[key(HIGHER)]);
    assert_eq!(higher.run.code(), Some(1), "{}", higher.run);
    assert_eq!(
        higher.error(),
        format!(
            "{k}: verifying go.mod: {k}/go.mod: reading \
             $PROXY/mod/sumdb/localhost.localdev/sumdb/lookup/{e}: 404 Not Found\n\t\
             server response: file does not exist",
            k = key(HIGHER),
            e = escaped(HIGHER.0, HIGHER.1)
        )
    );
    assert_unpublished(&sb, HIGHER, &["info"]);
    // Without the cached tile the trusted head cannot be checked at all.
    sb.clean_modcache().unwrap();
    let cold = download(&c, &s, &sb, true, &[key(LOWER)]);
    assert_eq!(cold.run.code(), Some(1), "{}", cold.run);
    assert_eq!(
        cold.error(),
        format!(
            "{k}: verifying go.mod: {k}/go.mod: initializing sumdb.Client: checking tree#{n}: \
             reading $PROXY/mod/sumdb/localhost.localdev/sumdb/tile/8/0/000.p/{n}: \
             404 Not Found\n\tserver response: tile tile/8/0/000.p/{n} not in tree of size {size}",
            k = key(LOWER)
        )
    );
    assert_unpublished(&sb, LOWER, &["info"]);
}
