//! Authenticated hash reads through tiles (Go's `TileHashReader` over the client's
//! tile reader), asynchronous: the tiles one read needs are fetched in parallel.

use super::{Client, ClientOps, lock};
use crate::sumdb::tlog::{self, Hash, HashReader, Tile, TlogError, Tree};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How many rounds [`Client::read_through`] allows a computation to ask for more
/// hashes; the tlog computations ask once, so this only bounds a surprise.
const MAX_ROUNDS: usize = 8;

impl<O: ClientOps> Client<O> {
    /// Go's `TileHashReader(tree).ReadHashes(indexes)`: the stored hashes at
    /// `indexes`, proven to belong to `tree` (whose hash is signed).
    pub(super) async fn read_hashes(
        self: &Arc<Self>,
        tree: Tree,
        indexes: &[u64],
    ) -> Result<Vec<Hash>, String> {
        let tiles =
            tlog::tiles_for_hashes(self.height, tree, indexes).map_err(|e| e.to_string())?;
        let mut tasks = tokio::task::JoinSet::new();
        for (i, tile) in tiles.iter().enumerate() {
            let (me, tile) = (Arc::clone(self), *tile);
            tasks.spawn(async move { (i, me.read_tile(tile).await) });
        }
        let mut data: Vec<Option<Arc<Vec<u8>>>> = vec![None; tiles.len()];
        let mut first_error: Option<(usize, String)> = None;
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((i, Ok(d))) => data[i] = Some(d),
                Ok((i, Err(e))) => {
                    // Go reports the error of the first tile in request order.
                    if first_error.as_ref().is_none_or(|(j, _)| i < *j) {
                        first_error = Some((i, e));
                    }
                }
                Err(e) => return Err(format!("reading tiles: {e}")),
            }
        }
        if let Some((_, e)) = first_error {
            return Err(e);
        }
        let data: Vec<Vec<u8>> = data
            .into_iter()
            .map(|d| d.map(|d| d.to_vec()).unwrap_or_default())
            .collect();
        let hashes = tlog::verify_tiles(self.height, tree, indexes, &tiles, &data)
            .map_err(|e| e.to_string())?;
        self.save_tiles(&tiles, &data).await;
        Ok(hashes)
    }

    /// Runs a pure tlog computation (which reads hashes synchronously) over hashes
    /// authenticated against `tree`: a first pass records which hashes it asks for,
    /// they are read through tiles, and it runs again with them.
    pub(super) async fn read_through<T>(
        self: &Arc<Self>,
        tree: Tree,
        compute: impl Fn(&dyn HashReader) -> Result<T, TlogError>,
    ) -> Result<T, String> {
        let mut known: BTreeMap<u64, Hash> = BTreeMap::new();
        for _ in 0..MAX_ROUNDS {
            let reader = Known {
                known: &known,
                missing: RefCell::new(Vec::new()),
            };
            let result = compute(&reader);
            let mut missing = reader.missing.into_inner();
            if missing.is_empty() {
                return result.map_err(|e| e.to_string());
            }
            missing.sort_unstable();
            missing.dedup();
            let hashes = self.read_hashes(tree, &missing).await?;
            known.extend(missing.into_iter().zip(hashes));
        }
        Err("reading hashes: too many rounds".to_string())
    }

    /// Go's `readTile`: the cache (the exact tile, or the full tile a partial one is a
    /// prefix of), else the server (the exact tile, or for a partial tile the full one).
    async fn read_tile(self: &Arc<Self>, tile: Tile) -> Result<Arc<Vec<u8>>, String> {
        let me = Arc::clone(self);
        self.tiles
            .get_or_run(&tile, || async move { me.read_tile_once(tile).await })
            .await
    }

    async fn read_tile_once(&self, tile: Tile) -> Result<Arc<Vec<u8>>, String> {
        let name = self.name();
        if let Some(d) = self
            .ops
            .read_cache(&format!("{name}/{}", tile.path()))
            .await
        {
            lock(&self.saved).insert(tile);
            return Ok(Arc::new(d));
        }
        let full = Tile {
            w: 1 << tile.h,
            ..tile
        };
        if tile != full
            && let Some(d) = self
                .ops
                .read_cache(&format!("{name}/{}", full.path()))
                .await
        {
            // The full tile is on disk: never write the partial one.
            lock(&self.saved).insert(tile);
            return Ok(Arc::new(prefix(&d, full, tile)));
        }
        let err = match self.ops.read_remote(&format!("/{}", tile.path())).await {
            Ok(d) => return Ok(Arc::new(d)),
            Err(e) => e,
        };
        if tile != full
            && let Ok(d) = self.ops.read_remote(&format!("/{}", full.path())).await
        {
            return Ok(Arc::new(prefix(&d, full, tile)));
        }
        Err(err)
    }

    /// Go's `SaveTiles`: caches each authenticated tile not on disk yet.
    async fn save_tiles(&self, tiles: &[Tile], data: &[Vec<u8>]) {
        let to_save: Vec<usize> = {
            let mut saved = lock(&self.saved);
            (0..tiles.len())
                .filter(|&i| saved.insert(tiles[i]))
                .collect()
        };
        let name = self.name();
        for i in to_save {
            self.ops
                .write_cache(&format!("{name}/{}", tiles[i].path()), &data[i])
                .await;
        }
    }
}

/// The first `tile.w` hashes of the data of `full` (Go slices the same way; a short
/// full tile yields short data, which authentication then rejects).
fn prefix(data: &[u8], full: Tile, tile: Tile) -> Vec<u8> {
    let per = data.len() / (full.w as usize).max(1);
    let end = (per * tile.w as usize).min(data.len());
    data[..end].to_vec()
}

/// A hash reader over hashes already authenticated; it notes the ones it lacks
/// (answering zeros for them, so the computation runs to the end and asks for all).
struct Known<'a> {
    known: &'a BTreeMap<u64, Hash>,
    missing: RefCell<Vec<u64>>,
}

impl HashReader for Known<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, TlogError> {
        Ok(indexes
            .iter()
            .map(|i| match self.known.get(i) {
                Some(h) => *h,
                None => {
                    self.missing.borrow_mut().push(*i);
                    Hash::default()
                }
            })
            .collect())
    }
}
