//! `vectors/tlog.json`: the transparency log's hashes, text forms, tile paths, stored
//! hash numbering, proofs and tile contents (`golang.org/x/mod/sumdb/tlog`), one
//! tally per table; then a differential test of the same functions, and of the
//! client's authenticated tile reads, against Go's own `tlog` package.

use crate::support::oracle::{self, Rng};
use crate::support::{self, Tally, bytes_field, cases, str_of};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gomodfetch::sumdb::tlog::{
    EMPTY_TREE_HASH, Hash, Tile, TlogError, Tree, check_record, check_tree, format_record,
    format_tree, hash_from_tile, new_tiles, parse_record, parse_tree, prove_record, prove_tree,
    read_tile_data, record_hash, split_stored_hash_index, stored_hash_count, stored_hash_index,
    stored_hashes, tile_for_index, tiles_for_hashes, tree_hash, verify_tiles,
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

// ---------------------------------------------------------------------------------
// Differential test against Go's own `tlog` package.
//
// The driver below is built with the `sumdb/tlog` sources of the installed toolchain
// (see `support::oracle`). Both sides keep one log whose record i is `leaf <i>`; a
// request names a tree size as a prefix of it. The `read` op runs Go's
// `TileHashReader.ReadHashes` over a tile reader that serves `ReadTileData` of that
// tree, optionally corrupted, and reports the tiles it was asked for and the result;
// ours runs `tiles_for_hashes`, `read_tile_data` and `verify_tiles` the same way.

const GO_DRIVER: &str = r#"package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

type hashes []tlog.Hash

func (h hashes) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(h)) {
			return nil, fmt.Errorf("index out of range [%d] with length %d", x, len(h))
		}
		out[i] = h[x]
	}
	return out, nil
}

var log hashes
var records int64

func view(n int64) hashes {
	for records < n {
		add, err := tlog.StoredHashes(records, []byte(fmt.Sprintf("leaf %d", records)), log)
		if err != nil {
			panic(err)
		}
		log = append(log, add...)
		records++
	}
	return log[:tlog.StoredHashCount(n)]
}

type reader struct {
	h       int
	view    hashes
	asked   []string
	corrupt []string
}

func (r *reader) Height() int { return r.h }

func (r *reader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	var out [][]byte
	for i, t := range tiles {
		r.asked = append(r.asked, t.Path())
		data, err := tlog.ReadTileData(t, r.view)
		if err != nil {
			return nil, err
		}
		if len(r.corrupt) == 3 && atoi(r.corrupt[1]) == int64(i) {
			b := atoi(r.corrupt[2]) % int64(len(data))
			switch r.corrupt[0] {
			case "flip":
				data[b] ^= 1
			case "cut":
				data = data[:b]
			}
		}
		out = append(out, data)
	}
	return out, nil
}

func (r *reader) SaveTiles([]tlog.Tile, [][]byte) {}

func atoi(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return n
}

func list(hs []tlog.Hash) string {
	var s []string
	for _, h := range hs {
		s = append(s, h.String())
	}
	return strings.Join(s, ",")
}

func result(s string, err error) string {
	if err != nil {
		return "err " + err.Error()
	}
	return "ok " + s
}

func answer(op string, a []string) string {
	switch op {
	case "parse_tree":
		t, err := tlog.ParseTree([]byte(a[0]))
		return result(fmt.Sprintf("%d %v", t.N, t.Hash), err)
	case "parse_record":
		id, text, rest, err := tlog.ParseRecord([]byte(a[0]))
		return result(fmt.Sprintf("%d %x %x", id, text, rest), err)
	case "format_record":
		msg, err := tlog.FormatRecord(atoi(a[0]), []byte(a[1]))
		return result(fmt.Sprintf("%x", msg), err)
	case "split":
		l, n := tlog.SplitStoredHashIndex(atoi(a[0]))
		return fmt.Sprintf("%d %d", l, n)
	case "count":
		return fmt.Sprint(tlog.StoredHashCount(atoi(a[0])))
	case "tile_for_index":
		return tlog.TileForIndex(int(atoi(a[0])), atoi(a[1])).Path()
	case "new_tiles":
		var s []string
		for _, t := range tlog.NewTiles(int(atoi(a[0])), atoi(a[1]), atoi(a[2])) {
			s = append(s, t.Path())
		}
		return strings.Join(s, ",")
	case "hash_from_tile":
		t, err := tlog.ParseTilePath(a[0])
		if err != nil {
			return "err " + err.Error()
		}
		data := []byte(strings.Repeat("Z", int(atoi(a[1]))))
		h, err := tlog.HashFromTile(t, data, atoi(a[2]))
		return result(h.String(), err)
	case "prove_record":
		t, n := atoi(a[0]), atoi(a[1])
		p, err := tlog.ProveRecord(t, n, view(t))
		return result(list(p), err)
	case "prove_tree":
		t, n := atoi(a[0]), atoi(a[1])
		p, err := tlog.ProveTree(t, n, view(t))
		return result(list(p), err)
	case "read":
		h, n := int(atoi(a[0])), atoi(a[1])
		v := view(n)
		th, err := tlog.TreeHash(n, v)
		if err != nil {
			return "err " + err.Error()
		}
		if a[3] == "tree" {
			th[0] ^= 1
		}
		var idx []int64
		for _, f := range strings.Fields(a[2]) {
			idx = append(idx, atoi(f))
		}
		r := &reader{h: h, view: v, corrupt: strings.Fields(a[3])}
		got, err := tlog.TileHashReader(tlog.Tree{N: n, Hash: th}, r).ReadHashes(idx)
		return strings.Join(r.asked, ",") + " " + result(list(got), err)
	}
	return "unknown op " + op
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, 1<<24)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		f := strings.Split(in.Text(), "\t")
		var a []string
		for _, x := range f[1:] {
			b, err := hex.DecodeString(x)
			if err != nil {
				panic(err)
			}
			a = append(a, string(b))
		}
		fmt.Fprintf(out, "%x\n", answer(f[0], a))
	}
}
"#;

/// One question to both sides.
struct Ask {
    op: &'static str,
    args: Vec<Vec<u8>>,
}

impl Ask {
    fn new(op: &'static str, args: &[&[u8]]) -> Ask {
        Ask {
            op,
            args: args.iter().map(|a| a.to_vec()).collect(),
        }
    }

    fn text(op: &'static str, args: &[String]) -> Ask {
        Ask {
            op,
            args: args.iter().map(|a| a.as_bytes().to_vec()).collect(),
        }
    }

    fn request(&self) -> String {
        let mut r = self.op.to_string();
        for a in &self.args {
            r.push('\t');
            r.push_str(&oracle::hex(a));
        }
        r
    }

    fn label(&self) -> String {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|a| format!("{:.60?}", String::from_utf8_lossy(a)))
            .collect();
        format!("{}({})", self.op, args.join(", "))
    }
}

fn result<T>(r: Result<T, TlogError>, f: impl FnOnce(T) -> String) -> String {
    match r {
        Ok(v) => format!("ok {}", f(v)),
        Err(e) => format!("err {e}"),
    }
}

fn hex_of(b: &[u8]) -> String {
    oracle::hex(b)
}

fn list(hashes: &[Hash]) -> String {
    let s: Vec<String> = hashes.iter().map(Hash::to_string).collect();
    s.join(",")
}

/// Our answer, in the driver's format.
fn ours(log: &[Hash], ask: &Ask) -> String {
    let a: Vec<String> = ask
        .args
        .iter()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    let num = |i: usize| -> u64 { a[i].parse().expect("number") };
    let view = |n: u64| &log[..stored_hash_count(n) as usize];
    match ask.op {
        "parse_tree" => result(parse_tree(&ask.args[0]), |t| format!("{} {}", t.n, t.hash)),
        "parse_record" => result(parse_record(&ask.args[0]), |(id, text, rest)| {
            format!("{id} {} {}", hex_of(text), hex_of(rest))
        }),
        "format_record" => result(format_record(num(0), &ask.args[1]), |m| hex_of(&m)),
        "split" => {
            let (l, n) = split_stored_hash_index(num(0));
            format!("{l} {n}")
        }
        "count" => stored_hash_count(num(0)).to_string(),
        "tile_for_index" => tile_for_index(num(0) as u32, num(1)).path(),
        "new_tiles" => {
            let paths: Vec<String> = new_tiles(num(0) as u32, num(1), num(2))
                .iter()
                .map(Tile::path)
                .collect();
            paths.join(",")
        }
        "hash_from_tile" => match Tile::parse_path(&a[0]) {
            Err(e) => format!("err {e}"),
            Ok(t) => {
                let data = vec![b'Z'; num(1) as usize];
                result(hash_from_tile(t, &data, num(2)), |h| h.to_string())
            }
        },
        "prove_record" => result(prove_record(num(0), num(1), view(num(0))), |p| list(&p)),
        "prove_tree" => result(prove_tree(num(0), num(1), view(num(0))), |p| list(&p)),
        "read" => {
            let (h, n) = (num(0) as u32, num(1));
            let indexes: Vec<u64> = a[2]
                .split_whitespace()
                .map(|x| x.parse().expect("index"))
                .collect();
            let corrupt: Vec<&str> = a[3].split_whitespace().collect();
            let mut tree = Tree {
                n,
                hash: tree_hash(n, view(n)).expect("tree hash"),
            };
            if a[3] == "tree" {
                tree.hash.0[0] ^= 1;
            }
            let tiles = match tiles_for_hashes(h, tree, &indexes) {
                Ok(tiles) => tiles,
                Err(e) => return format!(" err {e}"),
            };
            let mut data: Vec<Vec<u8>> = Vec::new();
            for (i, &t) in tiles.iter().enumerate() {
                let mut d = read_tile_data(t, view(n)).expect("tile data");
                if let [how, at, byte] = corrupt[..]
                    && at.parse::<usize>() == Ok(i)
                {
                    let b = byte.parse::<usize>().expect("byte") % d.len();
                    match how {
                        "flip" => d[b] ^= 1,
                        _ => d.truncate(b),
                    }
                }
                data.push(d);
            }
            let paths: Vec<String> = tiles.iter().map(Tile::path).collect();
            let got = verify_tiles(h, tree, &indexes, &tiles, &data);
            format!("{} {}", paths.join(","), result(got, |hs| list(&hs)))
        }
        op => format!("unknown op {op}"),
    }
}

/// The questions: hand-picked edge cases and a deterministic random corpus.
fn corpus(max_n: u64) -> Vec<Ask> {
    let mut rng = Rng(0x7106_5eed);
    let mut asks = Vec::new();

    // Tree heads from fragments.
    let heads = [
        "go.sum database tree\n",
        "go.sum database tree\r\n",
        "go.sum tree\n",
        "",
    ];
    let counts = [
        "0",
        "5",
        "123456789012",
        "+5",
        "-1",
        "007",
        "-0",
        " 5",
        "0x1",
        "",
        "9223372036854775807",
        "9223372036854775808",
        "5\r",
    ];
    let hashes = [
        "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=",
        "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb1=",
        "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\r",
        "Tszz\rRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=",
        "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0",
        "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0==",
        "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=",
        "TszzRgjTG6xce-z2AG31kAXYKBgQVtCSCE40HmuwBb0=",
        "AAAA",
        "",
    ];
    let tails = ["\n", "\nJOE", "\nJOE\n", "", "\r\n", "\n\n"];
    // Mostly one fragment off a valid head, so that both outcomes are common.
    let sometimes = |rng: &mut Rng, frags: &[&'static str]| {
        if rng.chance(70) {
            frags[0]
        } else {
            rng.pick(frags)
        }
    };
    for _ in 0..600 {
        let text = format!(
            "{}{}\n{}{}",
            sometimes(&mut rng, &heads),
            sometimes(&mut rng, &counts[1..]),
            sometimes(&mut rng, &hashes),
            sometimes(&mut rng, &tails)
        );
        asks.push(Ask::new("parse_tree", &[text.as_bytes()]));
    }

    // Records from fragments, as bytes (invalid UTF-8 included).
    let ids: [&[u8]; 9] = [
        b"123",
        b"+7",
        b"-5",
        b"007",
        b"0x1",
        b"",
        b" 1",
        b"9223372036854775808",
        b"not-1",
    ];
    let frags: [&[u8]; 11] = [
        b"hello",
        b"\n",
        b"\n\n",
        b"\x01",
        b"\xff",
        "é".as_bytes(),
        b"\x7f",
        b"\t",
        b" ",
        "\u{fffd}".as_bytes(),
        b"\xed\xa0\x80",
    ];
    for _ in 0..800 {
        let mut text = Vec::new();
        for _ in 0..1 + rng.below(6) {
            text.extend_from_slice(rng.pick(&frags));
        }
        let mut msg = rng.pick(&ids).to_vec();
        msg.push(b'\n');
        msg.extend_from_slice(&text);
        if rng.chance(50) {
            msg.extend_from_slice(b"\nrest\x00\xff");
        }
        asks.push(Ask::new("parse_record", &[&msg]));
        asks.push(Ask::new("format_record", &[b"42", &text]));
    }

    // Numbering and tiles.
    for _ in 0..400 {
        let x = rng.next() >> rng.below(64);
        let x = x.min(i64::MAX as u64 / 4);
        asks.push(Ask::text("split", &[x.to_string()]));
        asks.push(Ask::text("count", &[(x / 2).to_string()]));
        let h = rng.pick(&[1u64, 2, 3, 4, 8, 10, 30]);
        asks.push(Ask::text("tile_for_index", &[h.to_string(), x.to_string()]));
        // At most ~2^10 tiles per level, whatever the height.
        let span = 1u64 << (h.min(40) + 10);
        let (old, new) = (rng.next() % span, rng.next() % span);
        asks.push(Ask::text(
            "new_tiles",
            &[h.to_string(), old.to_string(), new.to_string()],
        ));
        let index = rng.below(200) as u64;
        let t = tile_for_index(h.min(4) as u32, index);
        let t = Tile {
            w: (t.w + rng.below(3) as u32).saturating_sub(1),
            n: t.n + u64::from(rng.chance(10)),
            ..t
        };
        let path = if rng.chance(10) {
            Tile { l: -1, ..t }.path()
        } else {
            t.path()
        };
        let len = (t.w as usize * 32).saturating_sub(rng.below(2) * 5);
        asks.push(Ask::text(
            "hash_from_tile",
            &[path, len.to_string(), index.to_string()],
        ));
    }

    // Proofs, including invalid arguments.
    for _ in 0..300 {
        let t = rng.below(max_n as usize + 1) as u64;
        let n = rng.below(t as usize + 2) as u64;
        asks.push(Ask::text("prove_record", &[t.to_string(), n.to_string()]));
        asks.push(Ask::text("prove_tree", &[t.to_string(), n.to_string()]));
    }

    // Authenticated reads, honest and tampered.
    for _ in 0..1500 {
        let h = rng.pick(&[1u64, 2, 3, 4, 8]);
        let n = match rng.below(4) {
            0 => rng.below(20) as u64,
            1 => 1 << rng.below(12),
            _ => rng.below(max_n as usize + 1) as u64,
        };
        let stored = stored_hash_index(0, n);
        let mut idx = Vec::new();
        for _ in 0..rng.below(5) {
            let x = if stored > 0 && !rng.chance(5) {
                rng.next() % stored
            } else {
                stored + rng.below(3) as u64
            };
            idx.push(x.to_string());
        }
        let corrupt = match rng.below(10) {
            0 => "tree".to_string(),
            1..=3 => format!("flip {} {}", rng.below(6), rng.next() % 100_000),
            4 => format!("cut {} {}", rng.below(6), rng.next() % 100_000),
            _ => String::new(),
        };
        asks.push(Ask::text(
            "read",
            &[h.to_string(), n.to_string(), idx.join(" "), corrupt],
        ));
    }
    asks
}

#[test]
fn tlog_matches_go() {
    const TEST: &str = "tlog_matches_go";
    let Some(go) = support::go(TEST) else {
        return;
    };
    let sb = support::sandbox();
    let build = || -> Result<std::path::PathBuf, String> {
        let src = oracle::goroot(&go, &sb)?.join("src/cmd/vendor/golang.org/x/mod/sumdb/tlog");
        let m = sb.root().join("xmod");
        oracle::copy_package(&src, &m.join("sumdb/tlog"))?;
        oracle::build(&go, &sb, &m, "tlogoracle", GO_DRIVER)
    };
    let bin = build().unwrap_or_else(|e| panic!("{e}"));

    let max_n = 2048;
    let log = build_log("leaf %d", max_n);
    let asks = corpus(max_n);
    let requests: Vec<String> = asks.iter().map(Ask::request).collect();
    let answers = oracle::ask(&bin, &requests);

    let mut tallies: std::collections::BTreeMap<&str, Tally> = Default::default();
    for (ask, go_says) in asks.iter().zip(&answers) {
        tallies
            .entry(ask.op)
            .or_insert_with(|| Tally::new(format!("tlog-go-diff/{}", ask.op)))
            .eq(ask.label(), ours(&log, ask), go_says.clone());
    }
    let failed = tallies
        .into_values()
        .map(|t| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.finish())))
        .filter(Result::is_err)
        .count();
    assert_eq!(
        failed, 0,
        "{failed} operations disagree with Go (see above)"
    );
}
