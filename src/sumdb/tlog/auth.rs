//! A client's authenticated read of stored hashes through tiles (Go's
//! `TileHashReader`), split into a pure plan and a pure check around the I/O.
//!
//! Tiles come from an untrusted server (or a cache filled from one), so none is
//! believed on its own. The plan, [`tiles_for_hashes`], names the tiles that hold the
//! roots of the signed tree's complete subtrees, then for each wanted hash its tile and
//! as many parent tiles as it takes to reach a tile already planned, parents before
//! children, in Go's order (the fetch order and the tiles cached are Go's). The check,
//! [`verify_tiles`], recomputes the tree hash from the first group and compares it with
//! the signed one, so those tiles are authentic; then each further tile, which is
//! full, must hash to the entry its parent holds for it. Only then are the wanted
//! hashes read out, and only then may the caller cache the tiles. Any byte changed in
//! any tile makes the check fail with Go's "downloaded inconsistent tile".
//!
//! See <https://research.swtch.com/tlog#authenticating_tiles>.

use super::error::{go_indexes, go_tile};
use super::stored::tree_hash_indexes;
use super::tiling::{HASH_SIZE, HEIGHTS, tile_hash, tile_parent};
use super::{
    Hash, HashReader, Tile, TlogError, Tree, hash_from_tile, node_hash, stored_hash_index,
    tile_for_index,
};
use std::collections::HashMap;

/// The tiles to fetch, in Go's order, to read the stored hashes `indexes` of `tree`
/// authenticated, with tiles of height `h`. Partial tiles are cut to the tree's width.
///
/// Errors: [`TlogError::IndexesNotInTree`] when an index is not yet stored in
/// `tree`, [`TlogError::InvalidHeight`] for a height outside 1..=30.
pub fn tiles_for_hashes(h: u32, tree: Tree, indexes: &[u64]) -> Result<Vec<Tile>, TlogError> {
    Ok(Plan::new(h, tree, indexes)?.tiles)
}

/// Authenticates `data`, the contents of the planned `tiles` (exactly what
/// [`tiles_for_hashes`] returned for the same `h`, `tree` and `indexes`), against the
/// signed `tree`, and returns the hashes at `indexes`.
///
/// Errors: a tile of the wrong length ([`TlogError::BadTileData`]), data that do not
/// hash up to the tree or to a parent tile ([`TlogError::InconsistentTile`]), and
/// the planning errors.
pub fn verify_tiles<D: AsRef<[u8]>>(
    h: u32,
    tree: Tree,
    indexes: &[u64],
    tiles: &[Tile],
    data: &[D],
) -> Result<Vec<Hash>, TlogError> {
    let plan = Plan::new(h, tree, indexes)?;
    if tiles != plan.tiles.as_slice() {
        return Err(TlogError::TilesNotPlanned { tree_n: tree.n });
    }
    if data.len() != tiles.len() {
        return Err(TlogError::BadTileCount {
            got: data.len(),
            want: tiles.len(),
        });
    }
    let data: Vec<&[u8]> = data.iter().map(AsRef::as_ref).collect();
    for (&tile, d) in tiles.iter().zip(&data) {
        let want = tile.w as usize * HASH_SIZE;
        if d.len() != want {
            return Err(TlogError::BadTileData {
                tile,
                len: d.len(),
                want,
            });
        }
    }
    plan.authenticate(&data)?;
    plan.extract(&data)
}

/// Which tiles a read needs, and where each hash involved is found.
struct Plan<'a> {
    tree: Tree,
    indexes: &'a [u64],
    /// The roots of the tree's complete subtrees (what the tree hash is made of).
    roots: Vec<u64>,
    /// The tiles, parents before children; the root tiles come first.
    tiles: Vec<Tile>,
    /// Position of each tile in `tiles`.
    order: HashMap<Tile, usize>,
    /// `tiles[root_tile[i]]` holds `roots[i]`.
    root_tile: Vec<usize>,
    /// `tiles[index_tile[i]]` holds `indexes[i]`.
    index_tile: Vec<usize>,
}

impl<'a> Plan<'a> {
    fn new(h: u32, tree: Tree, indexes: &'a [u64]) -> Result<Plan<'a>, TlogError> {
        if !HEIGHTS.contains(&h) {
            return Err(TlogError::InvalidHeight(h));
        }
        let mut plan = Plan {
            tree,
            indexes,
            roots: tree_hash_indexes(tree.n),
            tiles: Vec::new(),
            order: HashMap::new(),
            root_tile: Vec::new(),
            index_tile: Vec::new(),
        };
        for i in 0..plan.roots.len() {
            let x = plan.roots[i];
            let tile = tile_parent(tile_for_index(h, x), 0, tree.n)
                .ok_or_else(|| plan.bad_math_full(x, Tile::default()))?;
            let j = plan.add_once(tile);
            plan.root_tile.push(j);
        }
        let stored = stored_hash_index(0, tree.n);
        for &x in indexes {
            if x >= stored {
                return Err(TlogError::IndexesNotInTree);
            }
            let tile = tile_for_index(h, x);
            // Climb to the first ancestor already planned: it will be authenticated.
            let found = (0..=u32::BITS * 2)
                .find_map(|k| {
                    let j = *plan.order.get(&tile_parent(tile, k, tree.n)?)?;
                    Some((k, j))
                })
                .ok_or_else(|| plan.bad_math_full(x, Tile::default()))?;
            let mut at = found.1;
            // Come back down, planning each child after its parent. Tiles with a
            // parent are full by construction.
            for k in (0..found.0).rev() {
                let p = tile_parent(tile, k, tree.n).unwrap_or_default();
                if u64::from(p.w) != 1u64 << p.h {
                    return Err(plan.bad_math_full(x, p));
                }
                at = plan.tiles.len();
                plan.order.insert(p, at);
                plan.tiles.push(p);
            }
            plan.index_tile.push(at);
        }
        Ok(plan)
    }

    /// Plans `tile` unless it already is; its position either way.
    fn add_once(&mut self, tile: Tile) -> usize {
        *self.order.entry(tile).or_insert_with(|| {
            self.tiles.push(tile);
            self.tiles.len() - 1
        })
    }

    fn bad_math_full(&self, x: u64, p: Tile) -> TlogError {
        TlogError::BadMath(format!(
            "bad math in tileHashReader: {} {} {}",
            self.tree.n,
            x,
            go_tile(p)
        ))
    }

    fn bad_math(&self, what: String) -> TlogError {
        TlogError::BadMath(format!(
            "bad math in tileHashReader {} {}: {what}",
            self.tree.n,
            go_indexes(self.indexes)
        ))
    }

    /// Checks the root tiles against the signed tree hash, then every later tile
    /// against its parent.
    fn authenticate(&self, data: &[&[u8]]) -> Result<(), TlogError> {
        let mut th = Hash::default();
        for (i, (&x, &j)) in self.roots.iter().zip(&self.root_tile).enumerate().rev() {
            let h = hash_from_tile(self.tiles[j], data[j], x)?;
            th = if i + 1 == self.roots.len() {
                h
            } else {
                node_hash(h, th)
            };
        }
        if th != self.tree.hash {
            return Err(TlogError::InconsistentTile);
        }
        let first = self.root_tile.last().map_or(0, |&j| j + 1);
        for (i, &tile) in self.tiles.iter().enumerate().skip(first) {
            let lost_parent = || self.bad_math(format!("lost parent of {}", go_tile(tile)));
            let p = tile_parent(tile, 1, self.tree.n).ok_or_else(lost_parent)?;
            let &j = self.order.get(&p).ok_or_else(lost_parent)?;
            let level = p.h * p.l.unsigned_abs();
            let want = hash_from_tile(p, data[j], stored_hash_index(level, tile.n))
                .map_err(|e| self.bad_math(format!("lost hash of {}: {e}", go_tile(tile))))?;
            if tile_hash(data[i]) != Some(want) {
                return Err(TlogError::InconsistentTile);
            }
        }
        Ok(())
    }

    /// Reads the wanted hashes out of authenticated tiles.
    fn extract(&self, data: &[&[u8]]) -> Result<Vec<Hash>, TlogError> {
        self.indexes
            .iter()
            .zip(&self.index_tile)
            .map(|(&x, &j)| {
                hash_from_tile(self.tiles[j], data[j], x)
                    .map_err(|e| self.bad_math(format!("lost hash {x}: {e}")))
            })
            .collect()
    }
}

/// A synchronous source of tiles (Go's `TileReader`): a cache, a server, or both.
pub trait TileReader {
    /// The height of the tiles it serves.
    fn height(&self) -> u32;

    /// The contents of each tile, in order. Data from a server is suspect until
    /// [`save_tiles`](TileReader::save_tiles) is called for it.
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, TlogError>;

    /// Told that `tiles` were authenticated and may be cached.
    fn save_tiles(&self, tiles: &[Tile], data: &[Vec<u8>]);
}

/// A [`HashReader`] over a signed tree's tiles: every hash it returns is proven to
/// be in `tree` (Go's `tlog.TileHashReader`).
pub struct TileHashReader<'r, T: TileReader + ?Sized> {
    tree: Tree,
    reader: &'r T,
}

impl<'r, T: TileReader + ?Sized> TileHashReader<'r, T> {
    /// Reads hashes of `tree` through `reader`.
    pub fn new(tree: Tree, reader: &'r T) -> Self {
        TileHashReader { tree, reader }
    }
}

impl<T: TileReader + ?Sized> HashReader for TileHashReader<'_, T> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, TlogError> {
        let h = self.reader.height();
        let tiles = tiles_for_hashes(h, self.tree, indexes)?;
        let data = self.reader.read_tiles(&tiles)?;
        let hashes = verify_tiles(h, self.tree, indexes, &tiles, &data)?;
        self.reader.save_tiles(&tiles, &data);
        Ok(hashes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sumdb::tlog::stored::tests::build;
    use crate::sumdb::tlog::{read_tile_data, tree_hash};

    fn tree_of(hashes: &[Hash], n: u64) -> Tree {
        Tree {
            n,
            hash: tree_hash(n, hashes).unwrap(),
        }
    }

    fn paths(tiles: &[Tile]) -> Vec<String> {
        tiles.iter().map(Tile::path).collect()
    }

    fn fetch(hashes: &[Hash], tiles: &[Tile]) -> Vec<Vec<u8>> {
        tiles
            .iter()
            .map(|&t| read_tile_data(t, hashes).unwrap())
            .collect()
    }

    #[test]
    fn plan_follows_gos_example() {
        // Go's comment in TileHashReader.ReadHashes: h = 2, N = 15, index (0, 1).
        let hashes = build(15);
        let tree = tree_of(&hashes, 15);
        let x = stored_hash_index(0, 1);
        let tiles = tiles_for_hashes(2, tree, &[x]).unwrap();
        assert_eq!(
            paths(&tiles),
            ["tile/2/1/000.p/3", "tile/2/0/003.p/3", "tile/2/0/000"]
        );
        let data = fetch(&hashes, &tiles);
        assert_eq!(
            verify_tiles(2, tree, &[x], &tiles, &data).unwrap(),
            [hashes[x as usize]]
        );
    }

    #[test]
    fn plan_rejects_hashes_outside_the_tree() {
        let hashes = build(15);
        let tree = tree_of(&hashes, 15);
        let err = tiles_for_hashes(2, tree, &[stored_hash_index(0, 15)]).unwrap_err();
        assert_eq!(err.to_string(), "indexes not in tree");
        assert!(matches!(
            tiles_for_hashes(0, tree, &[]),
            Err(TlogError::InvalidHeight(0))
        ));
    }

    #[test]
    fn verify_reports_gos_errors() {
        let hashes = build(40);
        let tree = tree_of(&hashes, 40);
        let x = [stored_hash_index(0, 3), stored_hash_index(1, 9)];
        let tiles = tiles_for_hashes(2, tree, &x).unwrap();
        let good = fetch(&hashes, &tiles);

        let err = |data: &[Vec<u8>]| {
            verify_tiles(2, tree, &x, &tiles, data)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(&good[1..]),
            format!(
                "TileReader returned bad result slice (len={}, want {})",
                tiles.len() - 1,
                tiles.len()
            )
        );
        let mut short = good.clone();
        short[0].pop();
        assert_eq!(
            err(&short),
            format!(
                "TileReader returned bad result slice ({} len={}, want {})",
                tiles[0].path(),
                good[0].len() - 1,
                good[0].len()
            )
        );
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i][7] ^= 0x80;
            assert_eq!(err(&bad), "downloaded inconsistent tile", "tile {i}");
        }
        let forked = Tree {
            hash: hashes[0],
            ..tree
        };
        assert_eq!(
            verify_tiles(2, forked, &x, &tiles, &good)
                .unwrap_err()
                .to_string(),
            "downloaded inconsistent tile"
        );
        assert!(matches!(
            verify_tiles(2, tree, &x, &tiles[1..], &good[1..]),
            Err(TlogError::TilesNotPlanned { tree_n: 40 })
        ));
    }

    #[test]
    fn empty_tree_needs_no_tiles_but_has_no_hashes() {
        let tree = Tree {
            n: 0,
            hash: crate::sumdb::tlog::EMPTY_TREE_HASH,
        };
        assert_eq!(tiles_for_hashes(8, tree, &[]).unwrap(), []);
        // Go compares the (zero) hash of no tiles with the signed hash.
        let none: [Vec<u8>; 0] = [];
        assert!(matches!(
            verify_tiles(8, tree, &[], &[], &none),
            Err(TlogError::InconsistentTile)
        ));
        assert!(matches!(
            tiles_for_hashes(8, tree, &[0]),
            Err(TlogError::IndexesNotInTree)
        ));
    }

    /// A tile server over stored hashes that records what it was asked and saved.
    struct Server<'a> {
        hashes: &'a [Hash],
        saved: std::cell::RefCell<Vec<Tile>>,
    }

    impl TileReader for Server<'_> {
        fn height(&self) -> u32 {
            3
        }
        fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, TlogError> {
            Ok(fetch(self.hashes, tiles))
        }
        fn save_tiles(&self, tiles: &[Tile], _: &[Vec<u8>]) {
            self.saved.borrow_mut().extend_from_slice(tiles);
        }
    }

    #[test]
    fn tile_hash_reader_serves_proofs() {
        use crate::sumdb::tlog::{check_record, check_tree, prove_record, prove_tree, record_hash};
        let hashes = build(300);
        let server = Server {
            hashes: &hashes,
            saved: Default::default(),
        };
        let tree = tree_of(&hashes, 300);
        let r = TileHashReader::new(tree, &server);
        assert_eq!(tree_hash(300, &r).unwrap(), tree.hash);
        let old = tree_hash(123, &r).unwrap();
        assert_eq!(old, tree_hash(123, hashes.as_slice()).unwrap());
        let p = prove_tree(300, 123, &r).unwrap();
        check_tree(&p, 300, tree.hash, 123, old).unwrap();
        let p = prove_record(300, 77, &r).unwrap();
        check_record(&p, 300, tree.hash, 77, record_hash(b"leaf 77")).unwrap();
        assert!(!server.saved.borrow().is_empty());
    }
}
