//! The pure transparent log behind the test checksum database: record texts, the
//! stored hashes Go's server keeps (every level interleaved, see
//! [`crate::sumdb::tlog::stored_hash_index`]) and a key → record id index. No I/O, no
//! HTTP, no tampering: everything here is what an honest server holds.
//!
//! Every read takes the tree size it answers for, so one log can also answer as any
//! of its earlier trees (a rolled-back server): a tile or record exists in the tree of
//! `n` records exactly when every hash or record it holds does. The log only grows,
//! so the answers for a size never change.

use crate::sumdb::tlog::{self, Hash, Tile, TlogError, Tree};
use std::collections::HashMap;

/// Why a tile cannot be read from a tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// The tree does not (yet) hold every hash of this hash tile.
    #[error("tile {} not in tree of size {size}", .tile.path())]
    NotInTree { tile: Tile, size: u64 },
    /// The tree does not hold every record of this data tile (Go's test server's
    /// `ReadRecords` error).
    #[error("missing records")]
    MissingRecords,
}

/// An append-only log of records.
#[derive(Debug, Clone, Default)]
pub struct Log {
    /// (key, text) in id order.
    records: Vec<(String, Vec<u8>)>,
    hashes: Vec<Hash>,
    ids: HashMap<String, u64>,
}

impl Log {
    pub fn new() -> Log {
        Log::default()
    }

    /// The number of records.
    pub fn len(&self) -> u64 {
        self.records.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The id of the record stored under `key`.
    pub fn id(&self, key: &str) -> Option<u64> {
        self.ids.get(key).copied()
    }

    /// Appends a record under `key` and returns its id; a key already present keeps
    /// its record and id (a log never rewrites).
    pub fn append(&mut self, key: &str, text: Vec<u8>) -> Result<u64, TlogError> {
        if let Some(id) = self.id(key) {
            return Ok(id);
        }
        let id = self.len();
        let added = tlog::stored_hashes(id, &text, &self.hashes)?;
        self.hashes.extend(added);
        self.records.push((key.to_string(), text));
        self.ids.insert(key.to_string(), id);
        Ok(id)
    }

    /// Record `id`'s text.
    pub fn record(&self, id: u64) -> Option<&[u8]> {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.records.get(i))
            .map(|(_, text)| text.as_slice())
    }

    /// The records (key, text) in id order.
    pub fn records(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.records.iter().map(|(k, t)| (k.as_str(), t.as_slice()))
    }

    /// The stored hashes of the tree of `n` records (`n` ≤ [`Log::len`]).
    fn hashes_of(&self, n: u64) -> &[Hash] {
        let count = tlog::stored_hash_count(n.min(self.len()));
        let end = usize::try_from(count).unwrap_or(usize::MAX);
        &self.hashes[..end.min(self.hashes.len())]
    }

    /// The tree head of the first `n` records (`n` is capped at [`Log::len`]).
    pub fn tree(&self, n: u64) -> Result<Tree, TlogError> {
        let n = n.min(self.len());
        Ok(Tree {
            n,
            hash: tlog::tree_hash(n, self.hashes_of(n))?,
        })
    }

    /// Hash tile `t` (level ≥ 0) of the tree of `size` records: its hashes, 32 bytes
    /// each.
    pub fn hash_tile(&self, t: Tile, size: u64) -> Result<Vec<u8>, TileError> {
        let not_in_tree = || TileError::NotInTree { tile: t, size };
        // The hashes the tree has at level l·h, before any tile data is gathered (a
        // width of 2^30 must not allocate first and fail later).
        let level = u32::try_from(t.l)
            .ok()
            .and_then(|l| l.checked_mul(t.h))
            .ok_or_else(not_in_tree)?;
        let have = size.min(self.len()).checked_shr(level).unwrap_or(0);
        let end =
            t.n.checked_shl(t.h)
                .filter(|start| start >> t.h == t.n)
                .and_then(|start| start.checked_add(u64::from(t.w)))
                .ok_or_else(not_in_tree)?;
        if t.w == 0 || end > have {
            return Err(not_in_tree());
        }
        tlog::read_tile_data(t, self.hashes_of(size)).map_err(|_| not_in_tree())
    }

    /// Data tile `t` (level −1) of the tree of `size` records: each record's text
    /// followed by a blank line (a lookup response's record without its id line).
    pub fn data_tile(&self, t: Tile, size: u64) -> Result<Vec<u8>, TileError> {
        let start =
            t.n.checked_shl(t.h)
                .filter(|start| start >> t.h == t.n)
                .ok_or(TileError::MissingRecords)?;
        let end = start
            .checked_add(u64::from(t.w))
            .filter(|&end| end <= size.min(self.len()))
            .ok_or(TileError::MissingRecords)?;
        let mut data = Vec::new();
        for id in start..end {
            let text = self.record(id).ok_or(TileError::MissingRecords)?;
            data.extend_from_slice(text);
            data.push(b'\n');
        }
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_of(n: u64) -> Log {
        let mut log = Log::new();
        for i in 0..n {
            log.append(&format!("k{i}"), format!("leaf {i}\n").into_bytes())
                .unwrap();
        }
        log
    }

    fn tile(h: u32, l: i32, n: u64, w: u32) -> Tile {
        Tile { h, l, n, w }
    }

    #[test]
    fn appends_and_indexes() {
        let mut log = log_of(3);
        assert_eq!(log.len(), 3);
        assert_eq!(log.id("k1"), Some(1));
        assert_eq!(log.record(2), Some(&b"leaf 2\n"[..]));
        // A key already present keeps its record.
        assert_eq!(log.append("k1", b"other\n".to_vec()).unwrap(), 1);
        assert_eq!(log.len(), 3);
        assert_eq!(log.record(1), Some(&b"leaf 1\n"[..]));
        assert_eq!(log.record(3), None);
    }

    #[test]
    fn tree_of_every_prefix_is_the_merkle_tree_hash() {
        let log = log_of(20);
        for n in 0..=20 {
            let want = rfc6962(&(0..n).map(|i| format!("leaf {i}\n")).collect::<Vec<_>>());
            assert_eq!(log.tree(n).unwrap().hash, want, "n={n}");
        }
        assert_eq!(log.tree(99).unwrap().n, 20);
    }

    /// RFC 6962's recursive definition, straight from the text.
    fn rfc6962(leaves: &[String]) -> Hash {
        match leaves.len() {
            0 => tlog::EMPTY_TREE_HASH,
            1 => tlog::record_hash(leaves[0].as_bytes()),
            n => {
                let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
                tlog::node_hash(rfc6962(&leaves[..k]), rfc6962(&leaves[k..]))
            }
        }
    }

    #[test]
    fn hash_tiles_exist_only_within_the_tree() {
        let log = log_of(10);
        // Height 2: level-0 tiles hold 4 record hashes.
        let t = log.hash_tile(tile(2, 0, 0, 4), 10).unwrap();
        assert_eq!(t.len(), 4 * 32);
        assert_eq!(&t[..32], &tlog::record_hash(b"leaf 0\n").0[..]);
        assert!(log.hash_tile(tile(2, 0, 2, 2), 10).is_ok());
        assert!(log.hash_tile(tile(2, 0, 2, 3), 10).is_err());
        assert!(log.hash_tile(tile(2, 0, 2, 2), 9).is_err());
        // Level 1 (tree level 2) holds 10>>2 = 2 hashes.
        assert!(log.hash_tile(tile(2, 1, 0, 2), 10).is_ok());
        assert!(log.hash_tile(tile(2, 1, 0, 3), 10).is_err());
        assert!(log.hash_tile(tile(2, 2, 0, 1), 10).is_err());
        // Huge coordinates fail without allocating.
        assert!(log.hash_tile(tile(30, 0, 0, 1 << 30), 10).is_err());
        assert!(log.hash_tile(tile(30, 3, u64::MAX, 1), 10).is_err());
        assert!(log.hash_tile(tile(8, i32::MAX, 0, 1), 10).is_err());
    }

    #[test]
    fn data_tiles_are_records_with_blank_lines() {
        let log = log_of(5);
        assert_eq!(log.data_tile(tile(2, -1, 1, 1), 5).unwrap(), b"leaf 4\n\n");
        assert_eq!(
            log.data_tile(tile(2, -1, 0, 2), 5).unwrap(),
            b"leaf 0\n\nleaf 1\n\n"
        );
        assert_eq!(
            log.data_tile(tile(2, -1, 1, 2), 5),
            Err(TileError::MissingRecords)
        );
        assert_eq!(
            log.data_tile(tile(2, -1, 0, 4), 3),
            Err(TileError::MissingRecords)
        );
        assert!(log.data_tile(tile(30, -1, u64::MAX, 1), 5).is_err());
    }
}
