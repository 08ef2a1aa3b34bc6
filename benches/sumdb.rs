//! Criterion micro-benchmarks of checksum-database verification, on a log built here
//! (deterministic: a key from a fixed seed, 100 000 go.sum-shaped records):
//! opening a signed tree note (an Ed25519 check), checking a record's inclusion proof
//! and a tree's consistency proof, and hashing a full data tile (256 records) the way
//! a client checks the tiles it downloads. Run with `cargo bench --bench sumdb`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gomodfetch::sumdb::note::{self, Note, Signer, Verifier, VerifierList, key_pair_from_seed};
use gomodfetch::sumdb::tlog::{
    Hash, Tree, check_record, check_tree, format_tree, prove_record, prove_tree, record_hash,
    stored_hashes, tree_hash,
};
use std::hint::black_box;

const RECORDS: u64 = 100_000;

/// A go.sum-shaped record text for record `i`.
fn record(i: u64) -> Vec<u8> {
    format!(
        "example.com/mod{i}/v2 v2.{}.{} h1:{:043}=\nexample.com/mod{i}/v2 v2.{}.{}/go.mod h1:{:043}=\n",
        i % 17,
        i % 5,
        i,
        i % 17,
        i % 5,
        i + 1
    )
    .into_bytes()
}

/// The stored hashes of a log of `n` records (Go's server-side layout).
fn build_log(n: u64) -> Vec<Hash> {
    let mut hashes: Vec<Hash> = Vec::new();
    for i in 0..n {
        let new = stored_hashes(i, &record(i), &hashes).expect("stored hashes");
        hashes.extend(new);
    }
    hashes
}

fn bench_note(c: &mut Criterion) {
    let (skey, vkey) = key_pair_from_seed("sum.example.test", &[7u8; 32]);
    let signer = Signer::new(&skey).expect("signer");
    let verifier = Verifier::new(&vkey).expect("verifier");
    let text = String::from_utf8(format_tree(Tree {
        n: RECORDS,
        hash: Hash([3u8; 32]),
    }))
    .expect("tree note text");
    let signed = note::sign(
        &Note {
            text,
            sigs: Vec::new(),
            unverified_sigs: Vec::new(),
        },
        &[&signer],
    )
    .expect("sign");
    let known = VerifierList::new([verifier]);
    c.bench_function("sumdb/open signed tree note (Ed25519)", |b| {
        b.iter(|| note::open(black_box(&signed), &known).expect("open"))
    });
}

fn bench_proofs(c: &mut Criterion) {
    let hashes = build_log(RECORDS);
    let th = tree_hash(RECORDS, &hashes).expect("tree hash");
    let old = RECORDS / 3;
    let old_hash = tree_hash(old, &hashes).expect("old tree hash");
    let leaf = RECORDS / 2 + 7;
    let proof = prove_record(RECORDS, leaf, &hashes).expect("record proof");
    let leaf_hash = record_hash(&record(leaf));
    c.bench_function(
        "sumdb/check record inclusion proof (100k-record log)",
        |b| {
            b.iter(|| check_record(black_box(&proof), RECORDS, th, leaf, leaf_hash).expect("proof"))
        },
    );
    let tproof = prove_tree(RECORDS, old, &hashes).expect("tree proof");
    c.bench_function("sumdb/check tree consistency proof (33k -> 100k)", |b| {
        b.iter(|| check_tree(black_box(&tproof), RECORDS, th, old, old_hash).expect("proof"))
    });
    let tile: Vec<Vec<u8>> = (0..256).map(record).collect();
    let bytes: u64 = tile.iter().map(|r| r.len() as u64).sum();
    let mut g = c.benchmark_group("sumdb");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function(
        "hash a full data tile (256 records) to its subtree hash",
        |b| {
            b.iter(|| {
                let mut sub: Vec<Hash> = Vec::new();
                for (i, r) in tile.iter().enumerate() {
                    sub.extend(stored_hashes(i as u64, black_box(r), &sub).expect("hashes"));
                }
                tree_hash(256, &sub).expect("subtree hash")
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench_note, bench_proofs);
criterion_main!(benches);
