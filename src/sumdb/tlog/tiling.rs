//! Which tile holds which stored hash, what a tile's bytes are, and which tiles a
//! growing log publishes.
//!
//! A tile of height H at level L, number N, holds the hashes of tree level L·H from
//! N·2^H on; its bytes are those hashes concatenated, 32 bytes each. Because a tile is
//! the bottom row of a complete subtree of height H, every hash of levels L·H …
//! L·H+H−1 above that row can be recomputed from it, which is how a tile of level L
//! vouches for the hashes of level L·H+H that its parent tile holds.

use super::stored::{read_exact, shl, shr, split_stored_hash_index, stored_hash_index};
use super::{Hash, HashReader, Tile, TlogError, node_hash};

/// Bytes per hash in tile data.
pub(crate) const HASH_SIZE: usize = 32;

/// Tile heights this module handles (Go documents 1 ≤ H ≤ 30).
pub(crate) const HEIGHTS: std::ops::RangeInclusive<u32> = 1..=30;

/// The tile of height `h` and least width that holds stored hash `index`.
///
/// # Panics
/// If `h` is not in 1..=30. The height is a property of the log (the Go checksum
/// database uses 8), never of data a server sends, so this is a programming error,
/// as in Go (which panics for h ≤ 0).
pub fn tile_for_index(h: u32, index: u64) -> Tile {
    assert!(HEIGHTS.contains(&h), "tile_for_index: invalid height {h}");
    locate(h, index).0
}

/// The least tile of height `h` (in 1..=30) holding `index`, and the byte range of
/// its data whose tile hash is that stored hash.
fn locate(h: u32, index: u64) -> (Tile, usize, usize) {
    let (level, n) = split_stored_hash_index(index);
    let tile_level = level / h;
    let sub = level - tile_level * h; // the hash's level inside the tile
    let tile_n = shr(shl(n, u64::from(sub)), u64::from(h));
    let first = shr(shl(tile_n, u64::from(h)), u64::from(sub));
    let within = n.wrapping_sub(first); // < 2^(h−sub)
    let start = shl(within, u64::from(sub));
    let end = shl(within + 1, u64::from(sub));
    let tile = Tile {
        h,
        l: i32::try_from(tile_level).unwrap_or(i32::MAX),
        n: tile_n,
        w: u32::try_from(end).unwrap_or(u32::MAX),
    };
    let bytes = |x: u64| usize::try_from(x).unwrap_or(usize::MAX / 2) * HASH_SIZE;
    (tile, bytes(start), bytes(end))
}

/// Whether `t` is a hash tile with valid coordinates (Go's `HashFromTile` checks).
fn valid_hash_tile(t: Tile) -> bool {
    HEIGHTS.contains(&t.h) && (0..64).contains(&t.l) && t.w >= 1 && t.w <= 1 << t.h
}

/// The stored hash `index` from tile `t`'s `data`, where `t` is
/// `tile_for_index(t.h, index)` or a wider tile at the same coordinates.
pub fn hash_from_tile(t: Tile, data: &[u8], index: u64) -> Result<Hash, TlogError> {
    if !valid_hash_tile(t) {
        return Err(TlogError::InvalidTile(t));
    }
    let width_bytes = t.w as usize * HASH_SIZE;
    if data.len() < width_bytes {
        return Err(TlogError::ShortTileData {
            len: data.len(),
            tile: t,
        });
    }
    let (holder, start, end) = locate(t.h, index);
    if t.l != holder.l || t.n != holder.n || t.w < holder.w {
        return Err(TlogError::IndexNotInTile {
            index,
            holder,
            tile: t,
        });
    }
    data.get(start..end)
        .and_then(tile_hash)
        .ok_or_else(|| TlogError::BadMath(format!("bad math in tileHash for index {index}")))
}

/// The root of the complete subtree whose bottom row is `data` (2^k hashes), or
/// `None` when `data` is not a power-of-two number of hashes.
pub(crate) fn tile_hash(data: &[u8]) -> Option<Hash> {
    let count = data.len() / HASH_SIZE;
    if !data.len().is_multiple_of(HASH_SIZE) || !count.is_power_of_two() {
        return None;
    }
    let mut row: Vec<Hash> = data
        .chunks_exact(HASH_SIZE)
        .filter_map(Hash::from_slice)
        .collect();
    while row.len() > 1 {
        row = row
            .chunks_exact(2)
            .map(|pair| node_hash(pair[0], pair[1]))
            .collect();
    }
    row.first().copied()
}

/// The tiles of height `h` to publish when the log grows from `old` to `new`
/// records, level by level, full tiles first and then the new partial tile of each
/// level. A tree of size 0 has no tiles.
///
/// # Panics
/// If `h` is not in 1..=30 (see [`tile_for_index`]).
pub fn new_tiles(h: u32, old: u64, new: u64) -> Vec<Tile> {
    assert!(HEIGHTS.contains(&h), "new_tiles: invalid height {h}");
    let h64 = u64::from(h);
    let mut tiles = Vec::new();
    let mut level = 0u32;
    while shr(new, h64 * u64::from(level)) > 0 {
        let old_n = shr(old, h64 * u64::from(level));
        let new_n = shr(new, h64 * u64::from(level));
        let l = i32::try_from(level).unwrap_or(i32::MAX);
        if old_n != new_n {
            for n in (old_n >> h)..(new_n >> h) {
                tiles.push(Tile { h, l, n, w: 1 << h });
            }
            let n = new_n >> h;
            let w = new_n - (n << h);
            if w > 0 {
                tiles.push(Tile {
                    h,
                    l,
                    n,
                    w: u32::try_from(w).unwrap_or(u32::MAX),
                });
            }
        }
        level += 1;
    }
    tiles
}

/// The bytes of hash tile `t`, read from a server's stored hashes. A width of 0
/// means a full tile. Data tiles (level −1) are record text, not hashes, and are
/// rejected here.
pub fn read_tile_data<R: HashReader + ?Sized>(t: Tile, r: &R) -> Result<Vec<u8>, TlogError> {
    let full = Tile {
        w: 1 << t.h.min(30),
        ..t
    };
    let t = if t.w == 0 { full } else { t };
    if !valid_hash_tile(t) {
        return Err(TlogError::InvalidTile(t));
    }
    let level = t.h * t.l.unsigned_abs();
    let start = shl(t.n, u64::from(t.h));
    let indexes: Vec<u64> = (0..u64::from(t.w))
        .map(|i| stored_hash_index(level, start.wrapping_add(i)))
        .collect();
    let hashes = read_exact(r, &indexes)?;
    Ok(hashes.iter().flat_map(|h| h.0).collect())
}

/// Tile `t`'s `k`th ancestor among the tiles of a tree of `n` records, its width cut
/// to the hashes that tree has; `None` when the tree has no such tile.
pub(crate) fn tile_parent(t: Tile, k: u32, n: u64) -> Option<Tile> {
    let h = u64::from(t.h);
    let l = t.l.checked_add(i32::try_from(k).ok()?)?;
    let tile_n = shr(t.n, u64::from(k) * h);
    let first = shl(tile_n, h);
    let have = shr(n, u64::from(l.unsigned_abs()) * h); // hashes at level l·h
    let mut w: u64 = 1 << t.h;
    if first.wrapping_add(w) >= have {
        if first >= have {
            return None;
        }
        w = have - first;
    }
    Some(Tile {
        h: t.h,
        l,
        n: tile_n,
        w: u32::try_from(w).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sumdb::tlog::stored::tests::build;
    use crate::sumdb::tlog::{stored_hash_count, tree_hash};

    fn tile(h: u32, l: i32, n: u64, w: u32) -> Tile {
        Tile { h, l, n, w }
    }

    #[test]
    fn tile_for_index_finds_least_width() {
        // The leaf hashes of records 0..4 at height 2, and the level-2 node over them.
        assert_eq!(tile_for_index(2, stored_hash_index(0, 0)), tile(2, 0, 0, 1));
        assert_eq!(tile_for_index(2, stored_hash_index(0, 3)), tile(2, 0, 0, 4));
        assert_eq!(tile_for_index(2, stored_hash_index(1, 1)), tile(2, 0, 0, 4));
        assert_eq!(tile_for_index(2, stored_hash_index(2, 0)), tile(2, 1, 0, 1));
        assert_eq!(tile_for_index(2, stored_hash_index(0, 5)), tile(2, 0, 1, 2));
        assert_eq!(tile_for_index(8, stored_hash_index(9, 3)), tile(8, 1, 0, 8));
    }

    #[test]
    fn every_stored_hash_comes_back_from_its_tile() {
        let hashes = build(70);
        for h in 1..=4 {
            for index in 0..hashes.len() as u64 {
                let t = tile_for_index(h, index);
                let data = read_tile_data(t, hashes.as_slice()).unwrap();
                assert_eq!(data.len(), t.w as usize * HASH_SIZE);
                assert_eq!(
                    hash_from_tile(t, &data, index).unwrap(),
                    hashes[index as usize],
                    "h={h} index={index}"
                );
                // A wider tile at the same place holds it too.
                let wide = Tile { w: 1 << h, ..t };
                if let Ok(data) = read_tile_data(wide, hashes.as_slice()) {
                    assert_eq!(
                        hash_from_tile(wide, &data, index).unwrap(),
                        hashes[index as usize]
                    );
                }
            }
        }
    }

    #[test]
    fn hash_from_tile_errors_read_as_go() {
        let t = tile(2, 0, 1, 2);
        let data = vec![0u8; 64];
        assert_eq!(
            hash_from_tile(tile(2, 0, 1, 5), &data, 0)
                .unwrap_err()
                .to_string(),
            "invalid tile tile/2/0/001.p/5"
        );
        assert_eq!(
            hash_from_tile(tile(2, -1, 1, 2), &data, 0)
                .unwrap_err()
                .to_string(),
            "invalid tile tile/2/data/001.p/2"
        );
        assert_eq!(
            hash_from_tile(t, &data[..63], 0).unwrap_err().to_string(),
            "data len 63 too short for tile tile/2/0/001.p/2"
        );
        assert_eq!(
            hash_from_tile(t, &data, 0).unwrap_err().to_string(),
            "index 0 is in tile/2/0/000.p/1 not tile/2/0/001.p/2"
        );
        assert_eq!(
            hash_from_tile(tile(2, 0, 1, 1), &data, stored_hash_index(0, 5))
                .unwrap_err()
                .to_string(),
            "index 8 is in tile/2/0/001.p/2 not tile/2/0/001.p/1"
        );
    }

    #[test]
    fn new_tiles_matches_go() {
        let paths = |h, old, new| -> Vec<String> {
            new_tiles(h, old, new).iter().map(Tile::path).collect()
        };
        assert!(paths(10, 1, 1).is_empty());
        assert!(paths(10, 0, 0).is_empty());
        assert_eq!(
            paths(10, 1023, 1025),
            ["tile/10/0/000", "tile/10/0/001.p/1", "tile/10/1/000.p/1"]
        );
        assert_eq!(paths(10, 1030, 2000), ["tile/10/0/001.p/976"]);
        assert_eq!(
            paths(2, 0, 5),
            ["tile/2/0/000", "tile/2/0/001.p/1", "tile/2/1/000.p/1"]
        );
        // Shrinking (never done by a server) still only names the new partial tiles.
        assert_eq!(paths(2, 5, 3), ["tile/2/0/000.p/3"]);
        assert_eq!(new_tiles(30, u64::MAX - 5, u64::MAX).len(), 1);
    }

    #[test]
    fn published_tiles_cover_the_tree() {
        // Tiles published on the way from 0 to n, replaced by later versions, end up
        // as exactly new_tiles(h, 0, n), and their bytes rebuild the tree hash.
        let hashes = build(100);
        for h in 1..=3 {
            let mut latest = std::collections::BTreeMap::new();
            for n in 1..=100u64 {
                for t in new_tiles(h, n - 1, n) {
                    latest.insert((t.l, t.n), t);
                }
            }
            let mut want: Vec<Tile> = new_tiles(h, 0, 100);
            want.sort_by_key(|t| (t.l, t.n));
            let got: Vec<Tile> = latest.into_values().collect();
            assert_eq!(got, want, "h={h}");
        }
        let n = 100;
        let sz = stored_hash_count(n);
        assert_eq!(sz as usize, hashes.len());
        assert!(tree_hash(n, hashes.as_slice()).is_ok());
    }

    #[test]
    fn read_tile_data_refuses_data_tiles_and_missing_hashes() {
        let hashes = build(5);
        assert!(matches!(
            read_tile_data(tile(2, -1, 0, 4), hashes.as_slice()),
            Err(TlogError::InvalidTile(_))
        ));
        assert!(matches!(
            read_tile_data(tile(2, 0, 1, 4), hashes.as_slice()),
            Err(TlogError::IndexOutOfRange { .. })
        ));
        let full = read_tile_data(tile(2, 0, 0, 0), hashes.as_slice()).unwrap();
        assert_eq!(full.len(), 4 * HASH_SIZE);
    }

    #[test]
    fn tile_parent_trims_to_the_tree() {
        // Go's example: h = 2, N = 15.
        assert_eq!(tile_parent(tile(2, 0, 3, 1), 0, 15), Some(tile(2, 0, 3, 3)));
        assert_eq!(tile_parent(tile(2, 0, 0, 1), 1, 15), Some(tile(2, 1, 0, 3)));
        assert_eq!(tile_parent(tile(2, 0, 0, 1), 2, 15), None);
        assert_eq!(tile_parent(tile(2, 0, 0, 4), 0, 16), Some(tile(2, 0, 0, 4)));
        assert_eq!(tile_parent(tile(2, 0, 0, 4), 40, 16), None);
    }

    #[test]
    fn tile_hash_needs_a_power_of_two() {
        assert_eq!(tile_hash(&[]), None);
        assert_eq!(tile_hash(&[0; 96]), None);
        assert_eq!(tile_hash(&[0; 33]), None);
        assert_eq!(tile_hash(&[7; 32]), Some(Hash([7; 32])));
    }
}
