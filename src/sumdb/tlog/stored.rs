//! Stored hashes: how the log numbers every hash of its tree, and the tree hash.
//!
//! The hashes of all levels live in one sequence in the order a server appends them:
//! record n adds its record hash and then the hash of every subtree it completes
//! (Crosby and Wallach's ordering, §3.3 of "Efficient Data Structures for
//! Tamper-Evident Logging"). Tiles, proofs and the client's authenticated reads all
//! address hashes by this *stored hash index*, so the numbering is Go's exactly.
//!
//! Sizes are `u64`; Go's are `int64`, so every tree Go can describe fits. Arithmetic
//! on indexes no real tree reaches wraps instead of panicking.

use super::{EMPTY_TREE_HASH, Hash, TlogError, node_hash, record_hash};

/// Reads stored hashes by stored hash index (see [`stored_hash_index`]).
///
/// An answer holds exactly one hash per index, in order, or is an error; callers
/// check the count. Readers may be faster when the indexes are increasing, which
/// every caller in this module arranges.
pub trait HashReader {
    /// The hashes at `indexes`.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, TlogError>;
}

/// A server's hash store: every stored hash in stored-index order (what Go's test
/// server keeps in memory). An index past the end is an error, not a panic.
impl HashReader for [Hash] {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, TlogError> {
        indexes
            .iter()
            .map(|&index| {
                usize::try_from(index)
                    .ok()
                    .and_then(|i| self.get(i))
                    .copied()
                    .ok_or(TlogError::IndexOutOfRange {
                        index,
                        len: self.len(),
                    })
            })
            .collect()
    }
}

impl HashReader for Vec<Hash> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, TlogError> {
        self.as_slice().read_hashes(indexes)
    }
}

impl<R: HashReader + ?Sized> HashReader for &R {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, TlogError> {
        (**self).read_hashes(indexes)
    }
}

/// Reads `indexes` and checks that the reader answered each one.
pub(crate) fn read_exact<R: HashReader + ?Sized>(
    r: &R,
    indexes: &[u64],
) -> Result<Vec<Hash>, TlogError> {
    let hashes = r.read_hashes(indexes)?;
    if hashes.len() != indexes.len() {
        return Err(TlogError::ShortRead {
            want: indexes.len(),
            got: hashes.len(),
        });
    }
    Ok(hashes)
}

/// `x << s`, 0 once every bit is shifted out (Go's shift semantics).
pub(crate) fn shl(x: u64, s: u64) -> u64 {
    u32::try_from(s)
        .ok()
        .and_then(|s| x.checked_shl(s))
        .unwrap_or(0)
}

/// `x >> s`, 0 once every bit is shifted out (Go's shift semantics).
pub(crate) fn shr(x: u64, s: u64) -> u64 {
    u32::try_from(s)
        .ok()
        .and_then(|s| x.checked_shr(s))
        .unwrap_or(0)
}

/// The stored hash index of the `n`th hash at tree level `level` (level 0 holds the
/// record hashes).
pub fn stored_hash_index(level: u32, n: u64) -> u64 {
    // The level-L node n is stored right after the last leaf below it, leaf
    // (n+1)·2^L − 1, and after the L−1 subtree hashes that leaf completes first.
    let leaf = shl(n.wrapping_add(1), u64::from(level)).wrapping_sub(1);
    // Leaf m is stored at m + m/2 + m/4 + … = 2m − popcount(m).
    leaf.wrapping_mul(2)
        .wrapping_sub(u64::from(leaf.count_ones()))
        .wrapping_add(u64::from(level))
}

/// The inverse of [`stored_hash_index`]: the (level, n) stored at `index`.
pub fn split_stored_hash_index(index: u64) -> (u32, u64) {
    // The record that stored `index` is in [index/2, index/2 + log₂ index]:
    // start below it and add records while their hashes end at or before `index`.
    let mut n = index / 2;
    let mut start = stored_hash_index(0, n);
    loop {
        let added = 1 + u64::from(n.wrapping_add(1).trailing_zeros());
        match start.checked_add(added) {
            Some(next) if next <= index => {
                n += 1;
                start = next;
            }
            _ => break,
        }
    }
    // Record n stored (0, n), (1, n/2), (2, n/4), … in that order.
    let level = index - start;
    (u32::try_from(level).unwrap_or(u32::MAX), shr(n, level))
}

/// How many hashes a tree of `n` records stores.
pub fn stored_hash_count(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let last = n - 1;
    // Up to and including the last record's hash, then the subtrees it completes.
    stored_hash_index(0, last)
        .wrapping_add(1)
        .wrapping_add(u64::from(last.trailing_ones()))
}

/// The hashes a server appends when it adds record `n` with `data` to a tree of `n`
/// records (stored from index `stored_hash_index(0, n)` on). Reads up to log₂ n earlier
/// hashes from `r` for the subtrees the record completes.
pub fn stored_hashes<R: HashReader + ?Sized>(
    n: u64,
    data: &[u8],
    r: &R,
) -> Result<Vec<Hash>, TlogError> {
    stored_hashes_for_record_hash(n, record_hash(data), r)
}

/// [`stored_hashes`] given the record's hash instead of its data.
pub fn stored_hashes_for_record_hash<R: HashReader + ?Sized>(
    n: u64,
    record: Hash,
    r: &R,
) -> Result<Vec<Hash>, TlogError> {
    // Each trailing one bit of n completes a subtree whose left half is already
    // stored; read those left halves, lowest level last (increasing indexes).
    let completed = n.wrapping_add(1).trailing_zeros();
    let indexes: Vec<u64> = (0..completed)
        .rev()
        .map(|level| stored_hash_index(level, shr(n, u64::from(level)).wrapping_sub(1)))
        .collect();
    let lefts = read_exact(r, &indexes)?;
    let mut hashes = Vec::with_capacity(lefts.len() + 1);
    let mut h = record;
    hashes.push(h);
    for left in lefts.iter().rev() {
        h = node_hash(*left, h);
        hashes.push(h);
    }
    Ok(hashes)
}

/// The hash of the tree of the first `n` records, from at most 1 + log₂ n stored
/// hashes read in one call.
pub fn tree_hash<R: HashReader + ?Sized>(n: u64, r: &R) -> Result<Hash, TlogError> {
    if n == 0 {
        return Ok(EMPTY_TREE_HASH);
    }
    let indexes = tree_hash_indexes(n);
    let hashes = read_exact(r, &indexes)?;
    let mut cursor = Cursor::new(&hashes);
    let h = subtree_hash(0, n, &mut cursor)?;
    cursor.finish("TreeHash")?;
    Ok(h)
}

/// The stored hash indexes [`tree_hash`] reads for a tree of `n` records: the roots
/// of its maximal complete subtrees, left to right.
pub fn tree_hash_indexes(n: u64) -> Vec<u64> {
    let mut need = Vec::new();
    subtree_indexes(0, n, &mut need);
    need
}

/// The largest power of two not above `d` (d ≥ 1), and its log₂.
pub(crate) fn pow2_at_most(d: u64) -> (u64, u32) {
    let level = d.max(1).ilog2();
    (1u64 << level, level)
}

/// The largest power of two strictly below `d` (d ≥ 2; 1 below that), and its log₂:
/// where RFC 6962 splits a subtree of `d` leaves.
pub(crate) fn split_point(d: u64) -> (u64, u32) {
    pow2_at_most(d.saturating_sub(1))
}

/// Appends the indexes of the complete subtrees covering records `[lo, hi)`.
pub(crate) fn subtree_indexes(mut lo: u64, hi: u64, need: &mut Vec<u64>) {
    while lo < hi {
        let (k, level) = pow2_at_most(hi - lo);
        need.push(stored_hash_index(level, shr(lo, u64::from(level))));
        lo += k;
    }
}

/// Hashes read for a computation, consumed in the order their indexes were planned.
pub(crate) struct Cursor<'a> {
    hashes: &'a [Hash],
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(hashes: &'a [Hash]) -> Self {
        Cursor { hashes }
    }

    fn take(&mut self, count: usize) -> Result<&'a [Hash], TlogError> {
        if self.hashes.len() < count {
            return Err(TlogError::BadMath(
                "tlog: bad index math in subTreeHash".to_string(),
            ));
        }
        let (taken, rest) = self.hashes.split_at(count);
        self.hashes = rest;
        Ok(taken)
    }

    /// Checks that every hash was used (the index plan and its use agree).
    pub(crate) fn finish(&self, func: &str) -> Result<(), TlogError> {
        if self.hashes.is_empty() {
            Ok(())
        } else {
            Err(TlogError::BadMath(format!(
                "tlog: bad index math in {func}"
            )))
        }
    }
}

/// The hash of the subtree over records `[lo, hi)` from the hashes that
/// [`subtree_indexes`] planned for it.
pub(crate) fn subtree_hash(mut lo: u64, hi: u64, cur: &mut Cursor<'_>) -> Result<Hash, TlogError> {
    let mut count = 0;
    while lo < hi {
        lo += pow2_at_most(hi - lo).0;
        count += 1;
    }
    let roots = cur.take(count)?;
    let Some((&last, rest)) = roots.split_last() else {
        return Err(TlogError::BadMath(
            "tlog: bad math in subTreeHash".to_string(),
        ));
    };
    Ok(rest.iter().rev().fold(last, |h, &left| node_hash(left, h)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds the stored hashes of `n` records `leaf <i>`, as a server appends them.
    pub(crate) fn build(n: u64) -> Vec<Hash> {
        let mut hashes = Vec::new();
        for i in 0..n {
            let add = stored_hashes(i, format!("leaf {i}").as_bytes(), &hashes).unwrap();
            hashes.extend(add);
        }
        hashes
    }

    /// RFC 6962 Merkle tree hash, straight from the definition.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => EMPTY_TREE_HASH,
            1 => leaves[0],
            n => {
                let k = split_point(n as u64).0 as usize;
                node_hash(mth(&leaves[..k]), mth(&leaves[k..]))
            }
        }
    }

    #[test]
    fn index_table_matches_go() {
        // (level, n, index) pairs from Go's TestStoredHashIndex.
        for (level, n, index) in [
            (0, 0, 0),
            (0, 1, 1),
            (1, 0, 2),
            (0, 2, 3),
            (0, 3, 4),
            (1, 1, 5),
            (2, 0, 6),
            (0, 4, 7),
            (3, 0, 14),
            (3, 6, 108),
        ] {
            assert_eq!(stored_hash_index(level, n), index, "({level}, {n})");
            assert_eq!(split_stored_hash_index(index), (level, n), "{index}");
        }
    }

    #[test]
    fn split_inverts_index_everywhere_small() {
        let mut expect = 0;
        for n in 0..2000u64 {
            // Record n stores (0, n) then one hash per completed subtree.
            for level in 0..=n.wrapping_add(1).trailing_zeros() {
                if level > 0 && (n + 1) % (1 << level) != 0 {
                    break;
                }
                let i = stored_hash_index(level, n >> level);
                assert_eq!(i, expect, "({level}, {})", n >> level);
                assert_eq!(split_stored_hash_index(i), (level, n >> level));
                expect += 1;
            }
            assert_eq!(stored_hash_count(n + 1), expect, "count {n}");
        }
    }

    #[test]
    fn extreme_indexes_do_not_panic() {
        for i in [u64::MAX, u64::MAX - 1, 1 << 63, (1 << 63) - 1] {
            let (level, n) = split_stored_hash_index(i);
            assert_eq!(stored_hash_index(level, n), i, "{i}");
        }
        let _ = stored_hash_index(u32::MAX, u64::MAX);
        let _ = stored_hash_count(u64::MAX);
        assert_eq!(tree_hash_indexes(u64::MAX).len(), 64);
    }

    #[test]
    fn tree_hash_is_rfc6962() {
        let hashes = build(100);
        assert_eq!(hashes.len() as u64, stored_hash_count(100));
        let leaves: Vec<Hash> = (0..100)
            .map(|i| record_hash(format!("leaf {i}").as_bytes()))
            .collect();
        for n in 0..=100u64 {
            let got = tree_hash(n, hashes.as_slice()).unwrap();
            assert_eq!(got, mth(&leaves[..n as usize]), "{n}");
        }
    }

    #[test]
    fn readers_report_short_answers_and_missing_indexes() {
        let hashes = build(3);
        let err = tree_hash(4, hashes.as_slice()).unwrap_err();
        assert_eq!(err.to_string(), "index out of range [6] with length 4");

        struct Short;
        impl HashReader for Short {
            fn read_hashes(&self, _: &[u64]) -> Result<Vec<Hash>, TlogError> {
                Ok(vec![])
            }
        }
        let err = tree_hash(3, &Short).unwrap_err();
        assert_eq!(err.to_string(), "tlog: ReadHashes(2 indexes) = 0 hashes");
        let err = stored_hashes(3, b"x", &Short).unwrap_err();
        assert_eq!(err.to_string(), "tlog: ReadHashes(2 indexes) = 0 hashes");
        let dynamic: &dyn HashReader = &hashes;
        assert!(tree_hash(3, dynamic).is_ok());
    }
}
