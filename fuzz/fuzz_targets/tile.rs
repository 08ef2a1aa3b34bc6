//! The transparent log's formats and checks (Go's `sumdb/tlog`). Every input is tried
//! as a whole as a tree head, a record and a tile path, then read as numbers and hashes
//! for the checks a client makes on what a server sends: inclusion and consistency
//! proofs, hashes from tiles, and authenticated tile reads (both against arbitrary
//! bytes, and against an honest log of up to 300 records with one byte of its tiles
//! changed where the input says). No input panics, and:
//! - a tree head, record or tile path that parses formats to text that parses to the
//!   same value (a tile path formats to exactly itself);
//! - the tile `tile_for_index` names holds the index, and its path parses back to it;
//! - an honest log's tiles verify and give its stored hashes; a changed byte fails.

#![no_main]

use gomodfetch::sumdb::tlog::{
    Hash, Tile, TlogError, Tree, check_record, check_tree, format_record, format_tree,
    hash_from_tile, parse_record, parse_tree, read_tile_data, record_hash, stored_hash_count,
    stored_hash_index, stored_hashes, tile_for_index, tiles_for_hashes, tree_hash, verify_tiles,
};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// Records in the honest log.
const MAX: u64 = 300;

/// Every stored hash of the log whose record i is `leaf <i>`.
fn log() -> &'static [Hash] {
    static LOG: OnceLock<Vec<Hash>> = OnceLock::new();
    LOG.get_or_init(|| {
        let mut hashes = Vec::new();
        for i in 0..MAX {
            let new = stored_hashes(i, format!("leaf {i}").as_bytes(), &hashes)
                .expect("building the log");
            hashes.extend(new);
        }
        hashes
    })
}

/// The input read as numbers and hashes, zeros once it runs out.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        let n = N.min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        out
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.bytes())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.bytes())
    }
    fn u8(&mut self) -> u8 {
        self.bytes::<1>()[0]
    }
    fn hash(&mut self) -> Hash {
        Hash(self.bytes())
    }
    /// The rest, as whole hashes.
    fn hashes(&mut self) -> Vec<Hash> {
        let n = self.0.len() / 32;
        (0..n).map(|_| self.hash()).collect()
    }
    fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }
}

fuzz_target!(|data: &[u8]| {
    texts(data);
    let mut input = Input(data);
    let (h, index) = (1 + u32::from(input.u8()) % 30, input.u64());
    let t = tile_for_index(h, index);
    assert_eq!(Tile::parse_path(&t.path()), Ok(t));
    if t.w <= 1024 {
        let zeros = vec![0; t.w as usize * 32];
        assert!(
            hash_from_tile(t, &zeros, index).is_ok(),
            "{t:?} for {index}"
        );
    }
    let tile = Tile {
        h: input.u32(),
        l: input.u32() as i32,
        n: input.u64(),
        w: input.u32(),
    };
    let _ = hash_from_tile(tile, input.take(4096), input.u64());

    honest_log(&mut Input(data));
    arbitrary_tiles(&mut Input(data));

    let (t, n, th, hh) = (input.u64(), input.u64(), input.hash(), input.hash());
    let proof = input.hashes();
    let _ = check_record(&proof, t, th, n, hh);
    let _ = check_tree(&proof, t, th, n, hh);
});

/// The input as a tree head, a record and a tile path.
fn texts(data: &[u8]) {
    if let Ok(tree) = parse_tree(data) {
        assert_eq!(parse_tree(&format_tree(tree)).ok(), Some(tree));
    }
    if let Ok((id, text, _)) = parse_record(data)
        && let Ok(id) = u64::try_from(id)
    {
        let msg = format_record(id, text).expect("a parsed record formats");
        let (id2, text2, rest) = parse_record(&msg).expect("a formatted record parses");
        assert_eq!((id2 as u64, text2, rest), (id, text, &b""[..]));
    }
    if let Ok(path) = std::str::from_utf8(data)
        && let Ok(t) = Tile::parse_path(path)
    {
        assert_eq!(t.path(), path);
    }
}

/// Authenticated reads from the honest log of `n` records; one byte of one tile
/// flipped must fail them.
fn honest_log(input: &mut Input<'_>) {
    let h = 1 + u32::from(input.u8()) % 4;
    let n = 1 + input.u64() % MAX;
    let view = &log()[..stored_hash_count(n) as usize];
    let tree = Tree {
        n,
        hash: tree_hash(n, view).expect("tree hash"),
    };
    let stored = stored_hash_index(0, n);
    let count = input.u8() % 4;
    let indexes: Vec<u64> = (0..count).map(|_| input.u64() % stored).collect();
    let tiles = tiles_for_hashes(h, tree, &indexes).expect("planning an honest read");
    let data: Vec<Vec<u8>> = tiles
        .iter()
        .map(|&t| read_tile_data(t, view).expect("an honest tile"))
        .collect();
    let got = verify_tiles(h, tree, &indexes, &tiles, &data).expect("honest tiles verify");
    let want: Vec<Hash> = indexes.iter().map(|&i| view[i as usize]).collect();
    assert_eq!(got, want);

    // Leaves are record hashes of `leaf <i>`: check one against the tree.
    let leaf = input.u64() % n;
    assert_eq!(
        view[stored_hash_index(0, leaf) as usize],
        record_hash(format!("leaf {leaf}").as_bytes())
    );

    let (which, at, bit) = (input.u64(), input.u64(), input.u8() % 8);
    let mut bad = data;
    let t = which as usize % bad.len();
    let b = at as usize % bad[t].len();
    bad[t][b] ^= 1 << bit;
    assert!(matches!(
        verify_tiles(h, tree, &indexes, &tiles, &bad),
        Err(TlogError::InconsistentTile)
    ));
}

/// A read planned for an arbitrary tree, checked against tiles of arbitrary bytes.
fn arbitrary_tiles(input: &mut Input<'_>) {
    let h = input.u32() % 32;
    let tree = Tree {
        n: input.u64(),
        hash: input.hash(),
    };
    let count = input.u8() % 4;
    let indexes: Vec<u64> = (0..count).map(|_| input.u64()).collect();
    let Ok(tiles) = tiles_for_hashes(h, tree, &indexes) else {
        return;
    };
    let data: Vec<&[u8]> = tiles
        .iter()
        .map(|t| input.take(t.w as usize * 32))
        .collect();
    let _ = verify_tiles(h, tree, &indexes, &tiles, &data);
}
