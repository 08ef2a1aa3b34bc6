//! `vectors/tlog.json`: the transparency log's hashes, text forms, tile paths, stored
//! hash numbering, proofs and tile contents (`golang.org/x/mod/sumdb/tlog`), one
//! tally per table. (`tlog_go_diff` compares the same functions with Go's own code.)

use crate::support::{self, Tally, bytes_field, cases, str_of};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gomodfetch::sumdb::tlog::{
    EMPTY_TREE_HASH, Hash, Tile, TlogError, Tree, check_record, check_tree, format_record,
    format_tree, new_tiles, parse_record, parse_tree, prove_record, prove_tree, read_tile_data,
    record_hash, split_stored_hash_index, stored_hash_count, stored_hash_index, stored_hashes,
    tree_hash,
};
use serde_json::Value;

fn u64_of(c: &Value, key: &str) -> u64 {
    c[key]
        .as_u64()
        .unwrap_or_else(|| panic!("vector has no unsigned field {key:?}: {c}"))
}

fn hash_of(c: &Value, key: &str) -> Hash {
    Hash::parse(str_of(c, key)).unwrap_or_else(|e| panic!("{key}: {e}: {c}"))
}

fn hashes_of(c: &Value, key: &str) -> Vec<Hash> {
    cases(c, key)
        .iter()
        .map(|h| Hash::parse(h.as_str().expect("hash string")).expect("hash"))
        .collect()
}

fn ok_of(c: &Value) -> bool {
    c["ok"].as_bool().unwrap_or(true)
}

/// When a failing case names its error, the text must be Go's.
fn check_error(c: &Value, err: &TlogError) -> Result<(), String> {
    match c.get("error").and_then(Value::as_str) {
        Some(want) if err.to_string() != want => Err(format!("error {err:?}, want {want:?}")),
        _ => Ok(()),
    }
}

/// The stored hashes of a log whose record i is `format` with `%d` replaced by i.
fn build_log(format: &str, n: u64) -> Vec<Hash> {
    let mut hashes = Vec::new();
    for i in 0..n {
        let data = format.replace("%d", &i.to_string());
        let add = stored_hashes(i, data.as_bytes(), &hashes).expect("stored hashes");
        hashes.extend(add);
    }
    hashes
}

/// Every single-bit flip of every proof hash must make `check` fail.
fn bit_flips_fail(proof: &[Hash], check: impl Fn(&[Hash]) -> bool) -> Result<(), String> {
    for i in 0..proof.len() {
        for bit in 0..256 {
            let mut bad = proof.to_vec();
            bad[i].0[bit / 8] ^= 1 << (bit % 8);
            if check(&bad) {
                return Err(format!(
                    "proof still checks with bit {bit} of hash {i} flipped"
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn tlog_json() {
    let Some(v) = support::vectors("tlog_json", "tlog.json") else {
        return;
    };

    let mut t = Tally::new("tlog.json/record_hash");
    for c in cases(&v, "record_hash") {
        let data = bytes_field(c, "data").expect("data");
        t.eq(str_of(c, "hash"), record_hash(&data), hash_of(c, "hash"));
    }
    t.finish();

    let mut t = Tally::new("tlog.json/empty_tree_hash");
    if let Some(want) = v.get("empty_tree_hash").and_then(Value::as_str) {
        t.check(want, || {
            let want = Hash::parse(want).map_err(|e| e.to_string())?;
            let got = tree_hash(0, &[] as &[Hash]).map_err(|e| e.to_string())?;
            if got == want && EMPTY_TREE_HASH == want {
                Ok(())
            } else {
                Err(format!("got {got}, want {want}"))
            }
        });
    }
    t.finish();

    let mut t = Tally::new("tlog.json/format_tree");
    for c in cases(&v, "format_tree") {
        t.check(str_of(c, "text").escape_debug(), || {
            let hash = hash_of(c, "hash");
            if let Some(data) = c.get("hash_of_record").and_then(Value::as_str)
                && record_hash(data.as_bytes()) != hash
            {
                return Err(format!("hash is not the record hash of {data:?}"));
            }
            let got = format_tree(Tree {
                n: u64_of(c, "n"),
                hash,
            });
            let want = bytes_field(c, "text").expect("text");
            if got == want {
                Ok(())
            } else {
                Err(format!("got {:?}", String::from_utf8_lossy(&got)))
            }
        });
    }
    t.finish();

    let mut t = Tally::new("tlog.json/parse_tree");
    for c in cases(&v, "parse_tree") {
        let text = bytes_field(c, "text").expect("text");
        t.check(String::from_utf8_lossy(&text).escape_debug(), || {
            match (parse_tree(&text), ok_of(c)) {
                (Ok(tree), true) => {
                    let want = Tree {
                        n: u64_of(c, "n"),
                        hash: hash_of(c, "hash"),
                    };
                    (tree == want)
                        .then_some(())
                        .ok_or(format!("got {tree:?}, want {want:?}"))
                }
                (Err(e), false) => check_error(c, &e),
                (got, _) => Err(format!("got {got:?}, want ok={}", ok_of(c))),
            }
        });
    }
    t.finish();

    let mut t = Tally::new("tlog.json/format_record");
    for c in cases(&v, "format_record") {
        let text = bytes_field(c, "text").expect("text");
        t.check(String::from_utf8_lossy(&text).escape_debug(), || {
            match (format_record(u64_of(c, "id"), &text), ok_of(c)) {
                (Ok(got), true) => {
                    let want = bytes_field(c, "record").expect("record");
                    (got == want)
                        .then_some(())
                        .ok_or(format!("got {:?}", String::from_utf8_lossy(&got)))
                }
                (Err(e), false) => check_error(c, &e),
                (got, _) => Err(format!("got {got:?}, want ok={}", ok_of(c))),
            }
        });
    }
    t.finish();

    let mut t = Tally::new("tlog.json/parse_record");
    for c in cases(&v, "parse_record") {
        let input = bytes_field(c, "input").expect("input");
        t.check(String::from_utf8_lossy(&input).escape_debug(), || {
            match (parse_record(&input), ok_of(c)) {
                (Ok((id, text, rest)), true) => {
                    let want = (
                        c["id"].as_i64().expect("id"),
                        bytes_field(c, "text").expect("text"),
                        bytes_field(c, "rest").unwrap_or_default(),
                    );
                    let got = (id, text.to_vec(), rest.to_vec());
                    (got == want)
                        .then_some(())
                        .ok_or(format!("got {got:?}, want {want:?}"))
                }
                (Err(e), false) => check_error(c, &e),
                (got, _) => Err(format!("got {got:?}, want ok={}", ok_of(c))),
            }
        });
    }
    t.finish();

    let mut t = Tally::new("tlog.json/tile_paths");
    for c in cases(&v, "tile_paths") {
        let path = str_of(c, "path");
        t.check(path, || {
            let got = Tile::parse_path(path);
            if !ok_of(c) {
                return match got {
                    Err(e) if e.to_string() == format!("malformed tile path {path:?}") => Ok(()),
                    other => Err(format!("got {other:?}, want malformed tile path")),
                };
            }
            let w = &c["tile"];
            let want = Tile {
                h: w["H"].as_u64().expect("H") as u32,
                l: w["L"].as_i64().expect("L") as i32,
                n: w["N"].as_u64().expect("N"),
                w: w["W"].as_u64().expect("W") as u32,
            };
            if got.as_ref() != Ok(&want) {
                return Err(format!("got {got:?}, want {want:?}"));
            }
            if c["format_roundtrip"].as_bool() == Some(true) && want.path() != path {
                return Err(format!("formats as {}", want.path()));
            }
            Ok(())
        });
    }
    t.finish();

    let mut t = Tally::new("tlog.json/new_tiles");
    for c in cases(&v, "new_tiles") {
        let (h, old, new) = (
            u64_of(c, "height") as u32,
            u64_of(c, "old_size"),
            u64_of(c, "new_size"),
        );
        t.check(format!("h={h} {old}->{new}"), || {
            let got: Vec<String> = new_tiles(h, old, new).iter().map(Tile::path).collect();
            let want: Vec<&str> = cases(c, "tiles")
                .iter()
                .map(|p| p.as_str().expect("path"))
                .collect();
            if got != want || got.len() as u64 != u64_of(c, "count") {
                return Err(format!("got {got:?}, want {want:?}"));
            }
            Ok(())
        });
    }
    t.finish();

    let mut t = Tally::new("tlog.json/stored_hash_index");
    for c in cases(&v, "stored_hash_index") {
        let (level, n, index) = (
            u64_of(c, "level") as u32,
            u64_of(c, "n"),
            u64_of(c, "index"),
        );
        t.eq(
            format!("({level}, {n})"),
            (stored_hash_index(level, n), split_stored_hash_index(index)),
            (index, (level, n)),
        );
    }
    t.finish();

    let mut t = Tally::new("tlog.json/stored_hash_count");
    for c in cases(&v, "stored_hash_count") {
        let n = u64_of(c, "n");
        t.eq(n, stored_hash_count(n), u64_of(c, "count"));
    }
    t.finish();

    // The remaining tables are about one log of records "leaf <i>".
    let leaf = &v["tree_of_leaf_n"];
    let format = leaf["leaf_data_format"].as_str().unwrap_or("leaf %d");
    let leaf_data = |i: u64| format.replace("%d", &i.to_string());
    let mut size = 0;
    for c in cases(leaf, "tree_hashes") {
        size = size.max(u64_of(c, "size"));
    }
    for c in cases(&v, "record_proofs") {
        size = size.max(u64_of(c, "tree_size"));
    }
    for c in cases(&v, "tree_proofs") {
        size = size.max(u64_of(c, "new_size"));
    }
    let size100 = 100;
    size = size.max(size100);
    let log = build_log(format, size);
    let log = log.as_slice();

    let mut t = Tally::new("tlog.json/tree_of_leaf_n");
    for c in cases(leaf, "tree_hashes") {
        let n = u64_of(c, "size");
        t.check(n, || {
            let got =
                tree_hash(n, &log[..stored_hash_count(n) as usize]).map_err(|e| e.to_string())?;
            (got == hash_of(c, "hash"))
                .then_some(())
                .ok_or(format!("got {got}"))
        });
    }
    t.finish();

    let mut t = Tally::new("tlog.json/record_proofs");
    for c in cases(&v, "record_proofs") {
        let (size, index) = (u64_of(c, "tree_size"), u64_of(c, "index"));
        t.check(format!("record {index} in {size}"), || {
            let (leaf_hash, th, want) = (
                hash_of(c, "leaf_hash"),
                hash_of(c, "tree_hash"),
                hashes_of(c, "proof"),
            );
            if record_hash(leaf_data(index).as_bytes()) != leaf_hash {
                return Err("leaf_hash is not the record's hash".into());
            }
            let view = &log[..stored_hash_count(size) as usize];
            if tree_hash(size, view).ok() != Some(th) {
                return Err("tree_hash differs from ours".into());
            }
            let got = prove_record(size, index, view).map_err(|e| e.to_string())?;
            if got != want {
                return Err(format!("proved {got:?}"));
            }
            check_record(&want, size, th, index, leaf_hash).map_err(|e| e.to_string())?;
            bit_flips_fail(&want, |p| {
                check_record(p, size, th, index, leaf_hash).is_ok()
            })
        });
    }
    t.finish();

    let mut t = Tally::new("tlog.json/tree_proofs");
    for c in cases(&v, "tree_proofs") {
        let (new, old) = (u64_of(c, "new_size"), u64_of(c, "old_size"));
        t.check(format!("{old} -> {new}"), || {
            let (new_hash, old_hash, want) = (
                hash_of(c, "new_hash"),
                hash_of(c, "old_hash"),
                hashes_of(c, "proof"),
            );
            let view = &log[..stored_hash_count(new) as usize];
            if tree_hash(new, view).ok() != Some(new_hash)
                || tree_hash(old, view).ok() != Some(old_hash)
            {
                return Err("tree hashes differ from ours".into());
            }
            let got = prove_tree(new, old, view).map_err(|e| e.to_string())?;
            if got != want {
                return Err(format!("proved {got:?}"));
            }
            check_tree(&want, new, new_hash, old, old_hash).map_err(|e| e.to_string())?;
            bit_flips_fail(&want, |p| {
                check_tree(p, new, new_hash, old, old_hash).is_ok()
            })
        });
    }
    t.finish();

    let mut t = Tally::new("tlog.json/tiles_h2_size100");
    let view = &log[..stored_hash_count(size100) as usize];
    let published = new_tiles(2, 0, size100);
    for c in cases(&v, "tiles_h2_size100") {
        let path = str_of(c, "path");
        t.check(path, || {
            let tile = Tile::parse_path(path).map_err(|e| e.to_string())?;
            if !published.contains(&tile) {
                return Err("not among new_tiles(2, 0, 100)".into());
            }
            let got = read_tile_data(tile, view).map_err(|e| e.to_string())?;
            let want = STANDARD
                .decode(str_of(c, "data_b64"))
                .map_err(|e| e.to_string())?;
            (got == want)
                .then_some(())
                .ok_or(format!("got {}", STANDARD.encode(&got)))
        });
    }
    t.finish();
}
