use super::*;
use crate::sumdb::note::{Verifier, VerifierList};
use crate::testkit::universe::Package;

fn universe(n: usize) -> Universe {
    let u = Universe::new();
    for i in 0..n {
        Package::new(format!("example.com/m{i}"), "v1.0.0")
            .file("m.go", format!("package m{i}\n"))
            .publish(&u);
    }
    u
}

fn verifiers() -> VerifierList {
    VerifierList::new([Verifier::new(VERIFIER_KEY).unwrap()])
}

/// Opens a signed head with the test key.
fn open_head(msg: &[u8]) -> Result<Tree, NoteError> {
    let note = note::open(msg, &verifiers())?;
    Ok(tlog::parse_tree(note.text.as_bytes()).unwrap())
}

fn get(db: &TestSumdb, path: &str) -> HookReply {
    db.handle(SumdbMount::Direct, path).unwrap()
}

/// A lookup's id, record text and signed head.
fn lookup(db: &TestSumdb, key: &str) -> (i64, Vec<u8>, Vec<u8>) {
    let r = get(db, &format!("/lookup/{key}"));
    assert_eq!(r.status, 200, "{key}: {:?}", r.body);
    let (id, text, rest) = tlog::parse_record(&r.body).unwrap();
    (id, text.to_vec(), rest.to_vec())
}

#[test]
fn keys_are_gos_test_keys() {
    let s = Signer::new(SIGNER_KEY).unwrap();
    assert_eq!(s.verifier_key(), VERIFIER_KEY);
    assert_eq!(s.name(), NAME);
}

#[test]
fn honest_database_serves_records_in_list_order() {
    let u = universe(3);
    let db = TestSumdb::new(&u).unwrap();
    let records = db.records();
    let keys: Vec<&str> = records.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "example.com/m0@v1.0.0",
            "example.com/m1@v1.0.0",
            "example.com/m2@v1.0.0"
        ]
    );
    let latest = get(&db, "/latest");
    assert_eq!(latest.status, 200);
    assert_eq!(latest.content_type, "text/plain; charset=UTF-8");
    assert_eq!(latest.body.as_ref(), db.signed_head().unwrap());
    let tree = open_head(&latest.body).unwrap();
    assert_eq!(tree, db.tree().unwrap());
    assert_eq!(tree.n, 3);

    let (id, text, head) = lookup(&db, "example.com/m1@v1.0.0");
    assert_eq!(id, 1);
    assert_eq!(text, records[1].1);
    assert_eq!(head, latest.body.to_vec());
    let want = record::module_record(&u.module("example.com/m1", "v1.0.0").unwrap()).unwrap();
    assert_eq!(text, want.text());
}

#[test]
fn unknown_versions_are_not_found_and_later_publishes_are_appended() {
    let u = universe(2);
    let db = TestSumdb::new(&u).unwrap();
    let r = get(&db, "/lookup/example.com/m9@v1.0.0");
    assert_eq!(
        (r.status, r.body.as_ref()),
        (404, &b"file does not exist\n"[..])
    );
    assert_eq!(db.tree().unwrap().n, 2);
    Package::new("example.com/m9", "v1.0.0").publish(&u);
    let (id, _, head) = lookup(&db, "example.com/m9@v1.0.0");
    assert_eq!(id, 2);
    assert_eq!(open_head(&head).unwrap().n, 3);
    // Looking it up again finds the same record.
    assert_eq!(lookup(&db, "example.com/m9@v1.0.0").0, 2);
    assert_eq!(db.tree().unwrap().n, 3);
}

#[test]
fn modules_of_other_sources_get_their_zips_hash() {
    let dir = tempfile::tempdir().unwrap();
    let src = Universe::new();
    let m = Package::new("example.com/tree", "v1.0.0")
        .file("a.go", "package a\n")
        .publish(&src);
    let at = dir.path().join("example.com/tree/@v");
    std::fs::create_dir_all(&at).unwrap();
    std::fs::write(at.join("v1.0.0.zip"), m.zip().unwrap()).unwrap();
    std::fs::write(at.join("v1.0.0.mod"), m.gomod().unwrap()).unwrap();
    std::fs::write(at.join("v1.0.0.info"), m.info().unwrap()).unwrap();
    let u = Universe::new();
    u.add_tree(dir.path());
    let db = TestSumdb::new(&u).unwrap();
    assert_eq!(db.tree().unwrap().n, 0);
    let (id, text, _) = lookup(&db, "example.com/tree@v1.0.0");
    assert_eq!(id, 0);
    assert_eq!(text, record::module_record(&m).unwrap().text());
}

#[test]
fn mounts() {
    let db = TestSumdb::new(&universe(1)).unwrap();
    let supported = db
        .handle(SumdbMount::Proxied, "localhost.localdev/sumdb/supported")
        .unwrap();
    assert_eq!((supported.status, supported.body.len()), (200, 0));
    let latest = db
        .handle(SumdbMount::Proxied, "localhost.localdev/sumdb/latest")
        .unwrap();
    assert_eq!(latest.body.as_ref(), db.signed_head().unwrap());
    assert!(
        db.handle(SumdbMount::Proxied, "other.example/sumdb/supported")
            .is_none()
    );
    assert!(
        db.handle(SumdbMount::Proxied, "localhost.localdev/sumdbx/latest")
            .is_none()
    );
    assert!(
        db.handle(SumdbMount::Proxied, "localhost.localdev/sumdb")
            .is_none()
    );
    assert_eq!(get(&db, "/supported").status, 404);
    assert_eq!(get(&db, "/latest").body, latest.body);
}

#[test]
fn tiles_hold_the_stored_hashes_and_records() {
    let db = TestSumdb::new(&universe(5)).unwrap();
    let records = db.records();
    let t = get(&db, "/tile/8/0/000.p/5");
    assert_eq!(t.status, 200);
    assert_eq!(t.content_type, "application/octet-stream");
    let want: Vec<u8> = records
        .iter()
        .flat_map(|(_, text)| tlog::record_hash(text).0)
        .collect();
    assert_eq!(t.body.as_ref(), want);
    // Height 1: the level-1 tile of 2 hashes is the node hashes of pairs.
    let l1 = get(&db, "/tile/1/1/000");
    let h = |i: usize| tlog::record_hash(&records[i].1);
    assert_eq!(&l1.body[..32], &tlog::node_hash(h(0), h(1)).0[..]);
    let data = get(&db, "/tile/8/data/000.p/2");
    assert_eq!(data.content_type, "text/plain; charset=UTF-8");
    let mut want = records[0].1.clone();
    want.push(b'\n');
    want.extend_from_slice(&records[1].1);
    want.push(b'\n');
    assert_eq!(data.body.as_ref(), want);
    // Beyond the tree.
    assert_eq!(get(&db, "/tile/8/0/000.p/6").status, 404);
    assert_eq!(get(&db, "/tile/8/0/000").status, 404);
    let missing = get(&db, "/tile/8/data/000.p/6");
    assert_eq!(
        (missing.status, missing.body.as_ref()),
        (500, &b"missing records\n"[..])
    );
    assert_eq!(get(&db, "/tile/8/0/000.p/0").status, 400);
}

#[test]
fn wrong_database_records_wrong_hashes_on_demand() {
    let db = TestSumdb::new(&universe(2)).unwrap();
    let latest = db.handle(SumdbMount::Wrong, "/latest").unwrap();
    assert_eq!(open_head(&latest.body).unwrap().n, 0);
    let r = db
        .handle(SumdbMount::Wrong, "/lookup/not.in/universe@v1.2.3")
        .unwrap();
    let (id, text, head) = tlog::parse_record(&r.body).unwrap();
    assert_eq!(id, 0);
    assert_eq!(
        text,
        b"not.in/universe v1.2.3 h1:wrong\nnot.in/universe v1.2.3/go.mod h1:wrong\n"
    );
    assert_eq!(open_head(head).unwrap().n, 1);
    // The main database is untouched.
    assert_eq!(db.tree().unwrap().n, 2);
}

#[test]
fn wrong_hash_is_in_the_log() {
    let u = universe(3);
    let honest = TestSumdb::new(&u).unwrap();
    let db = TestSumdb::builder(&u)
        .tamper(Tamper::WrongHash {
            module: "example.com/m1@v1.0.0".into(),
            line: SumLine::GoMod,
        })
        .build()
        .unwrap();
    let (h, t) = (honest.records(), db.records());
    assert_eq!(h[0], t[0]);
    assert_ne!(h[1], t[1]);
    assert_eq!(h[2], t[2]);
    let first_line = |r: &[u8]| r.split(|&b| b == b'\n').next().unwrap().to_vec();
    assert_eq!(first_line(&h[1].1), first_line(&t[1].1));
    // Properly signed: the lookup opens.
    let (_, text, head) = lookup(&db, "example.com/m1@v1.0.0");
    assert_eq!(text, t[1].1);
    assert_eq!(open_head(&head).unwrap(), db.tree().unwrap());
}

#[test]
fn fork_serves_another_tree_of_the_same_size_once_triggered() {
    let u = universe(4);
    let db = TestSumdb::builder(&u)
        .tamper(Tamper::Fork { module: None })
        .trigger(Trigger::Manual)
        .build()
        .unwrap();
    let before = open_head(&get(&db, "/latest").body).unwrap();
    let tile_before = get(&db, "/tile/8/0/000.p/4").body;
    assert_eq!(before, db.tree().unwrap());
    assert!(!db.is_tampering());
    db.set_tampering(true);
    let after = open_head(&get(&db, "/latest").body).unwrap();
    assert_eq!(after.n, before.n);
    assert_ne!(after.hash, before.hash);
    // The fork differs in the last record only.
    let (id, text, _) = lookup(&db, "example.com/m3@v1.0.0");
    assert_eq!(id, 3);
    assert_ne!(text, db.records()[3].1);
    assert_eq!(lookup(&db, "example.com/m0@v1.0.0").1, db.records()[0].1);
    let tile_after = get(&db, "/tile/8/0/000.p/4").body;
    assert_eq!(tile_after[..96], tile_before[..96]);
    assert_ne!(tile_after[96..], tile_before[96..]);
    // New records go to both logs.
    Package::new("example.com/late", "v1.0.0").publish(&u);
    let (id, _, head) = lookup(&db, "example.com/late@v1.0.0");
    assert_eq!(id, 4);
    assert_eq!(open_head(&head).unwrap().n, 5);
    db.set_tampering(false);
    assert_eq!(
        open_head(&get(&db, "/latest").body).unwrap(),
        db.tree().unwrap()
    );
}

#[test]
fn bad_signatures() {
    let u = universe(2);
    let corrupt = TestSumdb::builder(&u)
        .tamper(Tamper::BadSignature(BadSignature::Corrupt))
        .build()
        .unwrap();
    let err = open_head(&get(&corrupt, "/latest").body).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid signature for key localhost.localdev/sumdb+00000c67"
    );
    let (_, _, head) = lookup(&corrupt, "example.com/m0@v1.0.0");
    assert!(open_head(&head).is_err());

    let other = TestSumdb::builder(&u)
        .tamper(Tamper::BadSignature(BadSignature::OtherKey))
        .build()
        .unwrap();
    let err = open_head(&get(&other, "/latest").body).unwrap_err();
    assert_eq!(err.to_string(), "note has no verifiable signatures");
}

#[test]
fn corrupt_tiles_differ_in_one_byte() {
    let u = universe(3);
    let honest = TestSumdb::new(&u).unwrap();
    let db = TestSumdb::builder(&u)
        .tamper(Tamper::CorruptTile)
        .build()
        .unwrap();
    for path in ["/tile/8/0/000.p/3", "/tile/1/0/000", "/tile/8/data/000.p/3"] {
        let (a, b) = (get(&honest, path).body, get(&db, path).body);
        assert_eq!(a.len(), b.len());
        let diff = a.iter().zip(b.iter()).filter(|(x, y)| x != y).count();
        assert_eq!(diff, 1, "{path}");
    }
    // Heads and records are honest.
    assert_eq!(get(&db, "/latest").body, get(&honest, "/latest").body);
}

#[test]
fn stale_heads_and_rollbacks() {
    let u = universe(5);
    let stale = TestSumdb::builder(&u)
        .tamper(Tamper::StaleHead { size: 2 })
        .build()
        .unwrap();
    let head = open_head(&get(&stale, "/latest").body).unwrap();
    assert_eq!(head.n, 2);
    assert_eq!(head.hash, tlog_tree_of(&stale, 2));
    // Records and tiles of the whole log are still served.
    let (id, _, head) = lookup(&stale, "example.com/m4@v1.0.0");
    assert_eq!((id, open_head(&head).unwrap().n), (4, 2));
    assert_eq!(get(&stale, "/tile/8/0/000.p/5").status, 200);

    let rolled = TestSumdb::builder(&u)
        .tamper(Tamper::Rollback { size: 2 })
        .build()
        .unwrap();
    assert_eq!(open_head(&get(&rolled, "/latest").body).unwrap().n, 2);
    let (id, _, head) = lookup(&rolled, "example.com/m1@v1.0.0");
    assert_eq!((id, open_head(&head).unwrap().n), (1, 2));
    assert_eq!(get(&rolled, "/lookup/example.com/m4@v1.0.0").status, 404);
    assert_eq!(get(&rolled, "/tile/8/0/000.p/2").status, 200);
    assert_eq!(get(&rolled, "/tile/8/0/000.p/3").status, 404);
    assert_eq!(get(&rolled, "/tile/8/data/000.p/3").status, 500);
    // A size beyond the log is the whole log.
    let big = TestSumdb::builder(&u)
        .tamper(Tamper::Rollback { size: 99 })
        .build()
        .unwrap();
    assert_eq!(open_head(&get(&big, "/latest").body).unwrap().n, 5);
}

fn tlog_tree_of(db: &TestSumdb, n: usize) -> tlog::Hash {
    let records = db.records();
    let hashes: Vec<tlog::Hash> = records[..n]
        .iter()
        .map(|(_, t)| tlog::record_hash(t))
        .collect();
    // Two or fewer records: the tree hash is the node over the leaves.
    match hashes.len() {
        0 => tlog::EMPTY_TREE_HASH,
        1 => hashes[0],
        2 => tlog::node_hash(hashes[0], hashes[1]),
        _ => unreachable!("only small trees here"),
    }
}

#[test]
fn triggers_count_heads() {
    let u = universe(2);
    let db = TestSumdb::builder(&u)
        .tamper(Tamper::StaleHead { size: 1 })
        .trigger(Trigger::AfterHeads(2))
        .build()
        .unwrap();
    let n = |db: &TestSumdb, p: &str| {
        let r = get(db, p);
        open_head(tlog::parse_record(&r.body).map_or(&r.body[..], |(_, _, rest)| rest))
            .unwrap()
            .n
    };
    assert_eq!(n(&db, "/latest"), 2);
    // Tiles and failed lookups do not count; a lookup does.
    get(&db, "/tile/8/0/000.p/2");
    assert_eq!(get(&db, "/lookup/example.com/none@v1.0.0").status, 404);
    assert_eq!(n(&db, "/lookup/example.com/m0@v1.0.0"), 2);
    assert!(!db.is_tampering());
    assert_eq!(n(&db, "/latest"), 1);
    assert!(db.is_tampering());
    assert_eq!(db.heads_served(), 3);

    let manual = TestSumdb::builder(&u)
        .tamper(Tamper::StaleHead { size: 1 })
        .trigger(Trigger::Manual)
        .build()
        .unwrap();
    assert_eq!(n(&manual, "/latest"), 2);
    manual.set_tampering(true);
    assert_eq!(n(&manual, "/latest"), 1);
}

proptest::proptest! {
    #[test]
    fn never_panics(
        mount in 0..3u8,
        path in "(localhost.localdev/sumdb)?/(lookup/|tile/[0-9]{1,2}/(data|[0-9]{1,3})/|latest|supported)?[a-z0-9./@!+x-]{0,30}",
    ) {
        let db = TestSumdb::builder(&universe(3)).tamper(Tamper::CorruptTile).build().unwrap();
        let mount = [SumdbMount::Proxied, SumdbMount::Direct, SumdbMount::Wrong][mount as usize];
        let _ = db.handle(mount, &path);
    }
}

#[test]
fn proxy_config_takes_an_honest_database() {
    let config = crate::testkit::proxy::ProxyConfig::new(universe(1))
        .with_test_sumdb()
        .unwrap();
    let db = config.sumdb.expect("a database");
    let r = db
        .handle(SumdbMount::Proxied, "localhost.localdev/sumdb/latest")
        .unwrap();
    assert_eq!(open_head(&r.body).unwrap().n, 1);
}
