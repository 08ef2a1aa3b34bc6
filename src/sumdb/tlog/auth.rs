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
