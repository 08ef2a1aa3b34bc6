//! The database's endpoints over HTTP through the test proxy: mounts, errors, and tiles
//! of every height that authenticate against the signed head with the client-side tile
//! check of `sumdb::tlog` (Go's `TileHashReader`).

use super::{escaped, get, serve};
use crate::support::{self, Tally};
use gomodfetch::sumdb::note::{self, Verifier, VerifierList};
use gomodfetch::sumdb::tlog::{self, Tile, Tree};
use gomodfetch::testkit::sumdb::{self, Trigger};

const TEST: &str = "testdb::http";

/// Opens a signed tree head with the test key.
fn open_tree(msg: &[u8]) -> Result<Tree, String> {
    let known = VerifierList::new([Verifier::new(sumdb::VERIFIER_KEY).map_err(|e| e.to_string())?]);
    let n = note::open(msg, &known).map_err(|e| e.to_string())?;
    tlog::parse_tree(n.text.as_bytes()).map_err(|e| e.to_string())
}

#[test]
fn mounts_and_errors() {
    let Some(dir) = support::conformance(TEST, "proxy_modules") else {
        return;
    };
    let served = serve(&dir, None, Trigger::Start);
    let addr = served.proxy.addr();
    let mut t = Tally::new("testdb/http mounts and errors");
    let text = |s: &str| s.as_bytes().to_vec();
    for (path, want) in [
        (
            "/mod/sumdb/localhost.localdev/sumdb/supported",
            (200, vec![]),
        ),
        (
            "/mod/sumdb-direct/supported",
            (404, text("404 page not found\n")),
        ),
        (
            "/mod/sumdb-direct/nothing",
            (404, text("404 page not found\n")),
        ),
        (
            "/mod/sumdb-503/sumdb/localhost.localdev/sumdb/supported",
            (503, vec![]),
        ),
        (
            "/mod/sumdb/localhost.localdev/sumdb/lookup/rsc.io/quote@v1.5",
            (400, text("invalid module@version syntax\n")),
        ),
        (
            "/mod/sumdb-direct/lookup/rsc.io/quote@v1.5.2@v1.0.0",
            (400, text("invalid module@version syntax\n")),
        ),
        (
            "/mod/sumdb-direct/lookup/rsc.io/quote@v9.9.9",
            (404, text("file does not exist\n")),
        ),
        (
            "/mod/sumdb-direct/lookup/not.here/at.all@v1.0.0",
            (404, text("file does not exist\n")),
        ),
        (
            "/mod/sumdb-direct/tile/8/0/0000",
            (400, text("invalid tile syntax\n")),
        ),
        (
            "/mod/sumdb-direct/tile/8/0/000.p/256",
            (400, text("invalid tile syntax\n")),
        ),
        (
            "/mod/sumdb-direct/tile/8/data/001",
            (500, text("missing records\n")),
        ),
    ] {
        t.eq(path, get(addr, path), want);
    }
    t.check("unknown database name", || {
        match get(addr, "/mod/sumdb/other.example/sumdb/supported").0 {
            404 => Ok(()),
            s => Err(format!("status {s}")),
        }
    });
    t.check("escaping error", || {
        let (status, body) = get(addr, "/mod/sumdb-direct/lookup/rsc.io/Quote@v1.0.0");
        let want = gomodfetch::module::unescape_path("rsc.io/Quote")
            .expect_err("upper case is not an escaped path")
            .to_string();
        if (status, body.as_slice()) != (500, format!("{want}\n").as_bytes()) {
            return Err(format!("{status} {:?}", String::from_utf8_lossy(&body)));
        }
        Ok(())
    });
    // The h1:wrong database: any module, its own tree, filled on demand.
    t.check("sumdb-wrong", || {
        let before = open_tree(&get(addr, "/mod/sumdb-wrong/latest").1)?;
        let (status, body) = get(addr, "/mod/sumdb-wrong/lookup/any.where/x@v1.2.3");
        if status != 200 {
            return Err(format!("lookup status {status}"));
        }
        let (id, text, head) = tlog::parse_record(&body).map_err(|e| e.to_string())?;
        let want: &[u8] = b"any.where/x v1.2.3 h1:wrong\nany.where/x v1.2.3/go.mod h1:wrong\n";
        let tree = open_tree(head)?;
        if (before.n, id, text, tree.n) != (0, 0, want, 1) {
            return Err(format!("{id} {:?} {tree:?}", String::from_utf8_lossy(text)));
        }
        Ok(())
    });
    t.finish();
}

#[test]
fn tiles_of_every_height_authenticate() {
    let Some(dir) = support::conformance(TEST, "proxy_modules") else {
        return;
    };
    let served = serve(&dir, None, Trigger::Start);
    let addr = served.proxy.addr();
    let base = "/mod/sumdb/localhost.localdev/sumdb/";
    let tree = open_tree(&get(addr, &format!("{base}latest")).1).expect("signed head");
    let records = served.db.records();
    assert_eq!(tree.n, records.len() as u64);
    let leaves: Vec<u64> = (0..tree.n).map(|i| tlog::stored_hash_index(0, i)).collect();
    let mut t = Tally::new("testdb/http tiles by height");
    for h in 1..=12u32 {
        t.check(format!("height {h}"), || {
            // Hash tiles, as a client plans and checks them.
            let tiles = tlog::tiles_for_hashes(h, tree, &leaves).map_err(|e| e.to_string())?;
            let mut data = Vec::new();
            for tile in &tiles {
                let (status, body) = get(addr, &format!("{base}{}", tile.path()));
                if status != 200 {
                    return Err(format!("{}: status {status}", tile.path()));
                }
                data.push(body);
            }
            let hashes =
                tlog::verify_tiles(h, tree, &leaves, &tiles, &data).map_err(|e| e.to_string())?;
            for (i, (hash, (key, text))) in hashes.iter().zip(&records).enumerate() {
                if *hash != tlog::record_hash(text) {
                    return Err(format!("leaf {i} ({key}) hash differs"));
                }
            }
            // Data tiles: every full tile and the partial one hold the records in order.
            let mut all = Vec::new();
            let width = 1u64 << h;
            for n in 0..tree.n.div_ceil(width) {
                let w = (tree.n - n * width).min(width) as u32;
                let tile = Tile { h, l: -1, n, w };
                let (status, body) = get(addr, &format!("{base}{}", tile.path()));
                if status != 200 {
                    return Err(format!("{}: status {status}", tile.path()));
                }
                all.extend(body);
            }
            let want: Vec<u8> = records
                .iter()
                .flat_map(|(_, text)| text.iter().copied().chain([b'\n']))
                .collect();
            if all != want {
                return Err("data tiles differ from the records".into());
            }
            // Nothing past the tree.
            let past = Tile {
                h,
                l: 0,
                n: tree.n >> h,
                w: (tree.n % width) as u32 + 1,
            };
            if past.w as u64 <= width && get(addr, &format!("{base}{}", past.path())).0 != 404 {
                return Err(format!("{} is served", past.path()));
            }
            Ok(())
        });
    }
    t.finish();
    // The lookup key of every record is its escaped path@version.
    let (status, _) = get(
        addr,
        &format!("{base}lookup/{}", escaped("rsc.io/quote", "v1.5.2")),
    );
    assert_eq!(status, 200);
}
