//! Differential test of `sumdb::tlog` against Go's own `tlog` package.
//!
//! The driver in `tlog_go_diff/oracle.go` is built with the `sumdb/tlog` sources of
//! the installed toolchain (see `support::oracle`). Both sides keep one log whose
//! record i is `leaf <i>`; a request names a tree size as a prefix of it. The `read`
//! op runs Go's `TileHashReader.ReadHashes` over a tile reader that serves
//! `ReadTileData` of that tree, optionally corrupted (a flipped byte, a cut tile, a
//! wrong signed hash), and reports the tiles it was asked for, in order, and the
//! result; ours runs `tiles_for_hashes`, `read_tile_data` and `verify_tiles` the same
//! way. The other ops compare formats, numbering, tile arithmetic and proofs, error
//! texts included.

use crate::support::oracle::{self, Rng};
use crate::support::{self, Tally};
use gomodfetch::sumdb::tlog::{
    Hash, Tile, TlogError, Tree, format_record, hash_from_tile, new_tiles, parse_record,
    parse_tree, prove_record, prove_tree, read_tile_data, split_stored_hash_index,
    stored_hash_count, stored_hash_index, stored_hashes, tile_for_index, tiles_for_hashes,
    tree_hash, verify_tiles,
};

const GO_DRIVER: &str = include_str!("tlog_go_diff/oracle.go");

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
    let log = build_log(max_n);
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

/// The stored hashes of a log whose record i is `leaf <i>`.
fn build_log(n: u64) -> Vec<Hash> {
    let mut hashes = Vec::new();
    for i in 0..n {
        let add = stored_hashes(i, format!("leaf {i}").as_bytes(), &hashes).expect("stored hashes");
        hashes.extend(add);
    }
    hashes
}
