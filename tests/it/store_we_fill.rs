//! Interop, us → `go`: a cache filled through the store's API (driven as the engine
//! will drive it, see `store_support::engine_download`) is taken by the real `go` as
//! its own.
//!
//! * With zips built by `modzip::create`, `go mod download -json` of the same modules
//!   makes **zero** requests, reports our paths and sums, and `go mod verify` passes.
//! * With the proxy's zip bytes, the whole tree — every path, byte and permission
//!   bit, `list` and `.lock` files included — equals the one `go` leaves after
//!   downloading the same modules, with and without `-modcacherw`, whatever order
//!   the `.mod` files were written in.

use crate::store_support as ss;
use crate::support::{self, Tally};
use gomodfetch::dirhash;
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::tree::{SnapshotOptions, assert_same};
use gomodfetch::testkit::universe::{StoredModule, Universe};
use std::path::Path;
use std::sync::Arc;

const TEST: &str = "store_we_fill";

/// Fills `store` with `mods` through the engine flow, with zips from `zip_of`.
fn fill(
    store: &gomodfetch::store::Store,
    mods: &[Arc<StoredModule>],
    zip_of: &dyn Fn(&StoredModule) -> Vec<u8>,
) -> Vec<ss::Record> {
    mods.iter()
        .map(|m| {
            let mut fetched = Vec::new();
            let rec = ss::engine_download(store, m, &|| zip_of(m), &mut fetched)
                .unwrap_or_else(|e| panic!("{}@{}: {e}", m.path(), m.version()));
            assert_eq!(
                fetched,
                ["info", "mod", "zip"],
                "a cold cache fetches all three"
            );
            rec
        })
        .collect()
}

#[test]
fn go_takes_our_cache_without_a_request() {
    let Some(go) = support::go(TEST) else { return };
    let u = Universe::new();
    let mods = ss::publish_modules(&u);
    let proxy = TestProxy::start(ProxyConfig::new(u)).expect("proxy");
    let mut sb = ss::sandbox(&proxy, false);
    let store = ss::store(&sb, false);
    let ours = fill(&store, &mods, &|m| ss::zip_by_modzip(m));

    let run = ss::go_download(&go, &sb, &ss::args(&mods));
    assert!(run.success(), "{run}");
    let log = proxy.log();
    assert!(
        log.is_empty(),
        "go made requests: {:?}",
        ss::request_kinds(&log)
    );
    let recs = run.download_records().expect("-json records");
    let mut t = Tally::new(format!("{TEST}/go_download_records"));
    for ((m, ours), rec) in mods.iter().zip(&ours).zip(&recs) {
        t.check(format!("{}@{}", m.path(), m.version()), || {
            let p = |s: &Option<String>| s.as_deref().map(Path::new).map(Path::to_path_buf);
            let got = (
                p(&rec.info),
                p(&rec.go_mod),
                p(&rec.zip),
                p(&rec.dir),
                rec.sum.clone(),
            );
            let want = (
                Some(ours.info.clone()),
                Some(ours.go_mod.clone()),
                Some(ours.zip.clone()),
                Some(ours.dir.clone()),
                ours.sum.clone(),
            );
            if got != want {
                return Err(format!("go {got:?}, ours {want:?}"));
            }
            let gomod = dirhash::hash_go_mod(m.gomod().expect("mod"));
            if rec.go_mod_sum.as_deref() != Some(gomod.as_str()) {
                return Err(format!("GoModSum {:?}", rec.go_mod_sum));
            }
            Ok(())
        });
    }
    t.finish();

    // `go mod verify` hashes our zips and trees against our ziphashes, offline.
    sb.goproxy("off");
    let mut t = Tally::new(format!("{TEST}/go_mod_verify"));
    for m in &mods {
        t.check(format!("{}@{}", m.path(), m.version()), || {
            let main = sb
                .main_module(
                    &format!(
                        "module example.com/main\n\ngo 1.21\n\nrequire {} {}\n",
                        m.path(),
                        m.version()
                    ),
                    Some(&ss::go_sum(std::slice::from_ref(m))),
                )
                .map_err(|e| e.to_string())?;
            let run = go.mod_verify(&sb, &main).map_err(|e| e.to_string())?;
            if run.success() && run.stdout_text() == "all modules verified\n" {
                Ok(())
            } else {
                Err(run.to_string())
            }
        });
    }
    t.finish();
}

#[test]
fn our_tree_equals_gos_tree() {
    let Some(go) = support::go(TEST) else { return };
    for rw in [false, true] {
        let u = Universe::new();
        let mods = ss::publish_modules(&u);
        let proxy = TestProxy::start(ProxyConfig::new(u)).expect("proxy");
        let go_sb = ss::sandbox(&proxy, rw);
        let run = ss::go_download(&go, &go_sb, &ss::args(&mods));
        assert!(run.success(), "{run}");

        // The same modules through the store, `.mod` files in the reverse order.
        let our_sb = ss::sandbox(&proxy, rw);
        let store = ss::store(&our_sb, rw);
        let mut reversed = mods.clone();
        reversed.reverse();
        fill(&store, &reversed, &|m| m.zip().expect("zip").to_vec());

        let opts = SnapshotOptions::default();
        let theirs = go_sb.cache_snapshot(&opts).expect("snapshot");
        let ours = our_sb.cache_snapshot(&opts).expect("snapshot");
        assert_same(&theirs, &ours, ("go", "store"));
        let list = theirs
            .get("cache/download/example.com/hello/@v/list")
            .expect("list");
        eprintln!(
            "{TEST}: modcacherw={rw}: {} entries identical (list {} bytes, mode {:04o})",
            theirs.len(),
            list.size,
            list.mode
        );
        let dir_mode = theirs.get("example.com/hello@v1.0.0").expect("dir").mode;
        assert_eq!(dir_mode & 0o222 == 0, !rw, "mode {dir_mode:o}");
        let file_mode = theirs
            .get("example.com/hello@v1.0.0/go.mod")
            .expect("go.mod")
            .mode;
        assert_eq!(file_mode, 0o444);
    }
}
