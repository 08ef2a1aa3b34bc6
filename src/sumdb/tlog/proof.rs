//! RFC 6962 proofs: that a tree holds a record (inclusion, §2.1.1, "Merkle audit
//! path") and that a tree extends an older one (consistency, §2.1.2).
//!
//! Proof hashes are ordered bottom-up, as RFC 6962 lists them, so proofs interoperate
//! with Certificate Transparency. Building a proof reads the stored hashes it needs in
//! one call; checking one needs no reader at all and rejects a proof with missing or
//! extra hashes as firmly as one with a wrong hash.

use super::stored::{Cursor, read_exact, split_point, subtree_hash, subtree_indexes};
use super::{Hash, HashReader, TlogError, node_hash};

/// The hashes proving that a tree holds a record, bottom-up.
pub type RecordProof = Vec<Hash>;

/// The hashes proving that a tree extends an older tree, bottom-up.
pub type TreeProof = Vec<Hash>;

/// The proof that the tree of `t` records holds record `n`.
pub fn prove_record<R: HashReader + ?Sized>(
    t: u64,
    n: u64,
    r: &R,
) -> Result<RecordProof, TlogError> {
    if n >= t {
        return Err(TlogError::InvalidInputs("ProveRecord"));
    }
    prove(&proof_ranges(Proof::Record, t, n), r, "ProveRecord")
}

/// Which statement a proof makes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Proof {
    /// The tree holds record n.
    Record,
    /// The tree extends the tree of its first n records.
    Tree,
}

/// One subtree whose hash goes into a proof, and how deep in the descent it was met
/// (the proof lists the deepest first).
struct Range {
    depth: u32,
    lo: u64,
    hi: u64,
}

/// The subtrees whose hashes make up a proof about `n` in the tree of `t` records, in
/// the order Go reads their stored hashes.
fn proof_ranges(kind: Proof, t: u64, n: u64) -> Vec<Range> {
    let mut out = Vec::new();
    descend(kind, 0, t, n, 0, &mut out);
    out
}

/// RFC 6962's descent from the subtree `[lo, hi)` toward `n`: at each step the
/// subtree not taken is part of the proof.
fn descend(kind: Proof, lo: u64, hi: u64, n: u64, depth: u32, out: &mut Vec<Range>) {
    match kind {
        // Reached the record: the verifier knows its hash.
        Proof::Record if hi - lo <= 1 => return,
        // Reached the old tree's edge: the verifier knows the old root itself.
        Proof::Tree if n == hi => {
            if lo != 0 {
                out.push(Range { depth, lo, hi });
            }
            return;
        }
        _ => {}
    }
    let mid = lo + split_point(hi - lo).0;
    let left = match kind {
        Proof::Record => n < mid,
        Proof::Tree => n <= mid,
    };
    if left {
        descend(kind, lo, mid, n, depth + 1, out);
        out.push(Range { depth, lo: mid, hi });
    } else {
        out.push(Range { depth, lo, hi: mid });
        descend(kind, mid, hi, n, depth + 1, out);
    }
}

/// The stored hash indexes a proof over `ranges` reads.
fn range_indexes(ranges: &[Range]) -> Vec<u64> {
    let mut need = Vec::new();
    for r in ranges {
        subtree_indexes(r.lo, r.hi, &mut need);
    }
    need
}

/// Reads the hashes of `ranges` and lists them deepest first.
fn prove<R: HashReader + ?Sized>(
    ranges: &[Range],
    r: &R,
    func: &str,
) -> Result<Vec<Hash>, TlogError> {
    let indexes = range_indexes(ranges);
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = read_exact(r, &indexes)?;
    let mut cursor = Cursor::new(&hashes);
    let mut proof = Vec::with_capacity(ranges.len());
    for range in ranges {
        proof.push((range.depth, subtree_hash(range.lo, range.hi, &mut cursor)?));
    }
    cursor.finish(func)?;
    proof.sort_by_key(|&(depth, _)| std::cmp::Reverse(depth));
    Ok(proof.into_iter().map(|(_, h)| h).collect())
}

/// Checks that `proof` shows the tree of `t` records with hash `th` holding record
/// `n` with hash `h`.
pub fn check_record(proof: &[Hash], t: u64, th: Hash, n: u64, h: Hash) -> Result<(), TlogError> {
    if n >= t {
        return Err(TlogError::InvalidInputs("CheckRecord"));
    }
    if run_record_proof(proof, 0, t, n, h)? == th {
        Ok(())
    } else {
        Err(TlogError::ProofFailed)
    }
}

/// The root of `[lo, hi)` implied by `proof` for record `n` with hash `leaf`.
fn run_record_proof(
    proof: &[Hash],
    lo: u64,
    hi: u64,
    n: u64,
    leaf: Hash,
) -> Result<Hash, TlogError> {
    if hi - lo <= 1 {
        // At the record: the proof must be used up exactly.
        return if proof.is_empty() {
            Ok(leaf)
        } else {
            Err(TlogError::ProofFailed)
        };
    }
    let (&sibling, below) = proof.split_last().ok_or(TlogError::ProofFailed)?;
    let k = split_point(hi - lo).0;
    if n < lo + k {
        let h = run_record_proof(below, lo, lo + k, n, leaf)?;
        Ok(node_hash(h, sibling))
    } else {
        let h = run_record_proof(below, lo + k, hi, n, leaf)?;
        Ok(node_hash(sibling, h))
    }
}

/// The proof that the tree of `t` records extends the tree of its first `n`.
pub fn prove_tree<R: HashReader + ?Sized>(t: u64, n: u64, r: &R) -> Result<TreeProof, TlogError> {
    if t < 1 || n < 1 || n > t {
        return Err(TlogError::InvalidInputs("ProveTree"));
    }
    prove(&proof_ranges(Proof::Tree, t, n), r, "ProveTree")
}

/// The stored hash indexes [`prove_record`] reads to prove that the tree of `t`
/// records holds record `n` (n < t; empty otherwise).
pub fn record_proof_indexes(t: u64, n: u64) -> Vec<u64> {
    if n >= t {
        return Vec::new();
    }
    range_indexes(&proof_ranges(Proof::Record, t, n))
}

/// The stored hash indexes [`prove_tree`] reads to prove that the tree of `t`
/// records extends the tree of its first `n` (1 ≤ n ≤ t; empty otherwise).
pub fn tree_proof_indexes(t: u64, n: u64) -> Vec<u64> {
    if n < 1 || n > t {
        return Vec::new();
    }
    range_indexes(&proof_ranges(Proof::Tree, t, n))
}

/// Checks that `proof` shows the tree of `t` records with hash `th` extending the
/// tree of its first `n` records with hash `h`.
pub fn check_tree(proof: &[Hash], t: u64, th: Hash, n: u64, h: Hash) -> Result<(), TlogError> {
    if t < 1 || n < 1 || n > t {
        return Err(TlogError::InvalidInputs("CheckTree"));
    }
    let (old, new) = run_tree_proof(proof, 0, t, n, h)?;
    if new == th && old == h {
        Ok(())
    } else {
        Err(TlogError::ProofFailed)
    }
}

/// The (old, new) roots of `[lo, hi)` implied by `proof`, where `old` is the hash of
/// the old tree of `n` records.
fn run_tree_proof(
    proof: &[Hash],
    lo: u64,
    hi: u64,
    n: u64,
    old: Hash,
) -> Result<(Hash, Hash), TlogError> {
    if n == hi {
        return match (lo, proof) {
            (0, []) => Ok((old, old)),
            (1.., [h]) => Ok((*h, *h)),
            _ => Err(TlogError::ProofFailed),
        };
    }
    let (&sibling, below) = proof.split_last().ok_or(TlogError::ProofFailed)?;
    let k = split_point(hi - lo).0;
    if n <= lo + k {
        let (o, t) = run_tree_proof(below, lo, lo + k, n, old)?;
        Ok((o, node_hash(t, sibling)))
    } else {
        let (o, t) = run_tree_proof(below, lo + k, hi, n, old)?;
        Ok((node_hash(sibling, o), node_hash(sibling, t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sumdb::tlog::stored::tests::build;
    use crate::sumdb::tlog::{record_hash, tree_hash};

    #[test]
    fn every_record_and_tree_proof_checks_up_to_64() {
        let hashes = build(64);
        let r = hashes.as_slice();
        for t in 1..=64u64 {
            let th = tree_hash(t, r).unwrap();
            for n in 0..t {
                let leaf = record_hash(format!("leaf {n}").as_bytes());
                let p = prove_record(t, n, r).unwrap();
                assert_eq!(check_record(&p, t, th, n, leaf).ok(), Some(()), "{t} {n}");
                let other = record_hash(b"other");
                assert!(check_record(&p, t, th, n, other).is_err());
                if n + 1 < t {
                    assert!(check_record(&p, t, th, n + 1, leaf).is_err());
                }
            }
            for n in 1..=t {
                let h = tree_hash(n, r).unwrap();
                let p = prove_tree(t, n, r).unwrap();
                assert_eq!(check_tree(&p, t, th, n, h).ok(), Some(()), "{t} {n}");
                if n < t {
                    assert!(check_tree(&p, t, th, n, th).is_err());
                }
                let mut longer = p.clone();
                longer.push(h);
                assert!(check_tree(&longer, t, th, n, h).is_err());
            }
        }
    }

    #[test]
    fn invalid_inputs_read_as_go() {
        let hashes = build(4);
        let z = Hash::default();
        let msg = |e: TlogError| e.to_string();
        assert_eq!(
            msg(prove_record(4, 4, hashes.as_slice()).unwrap_err()),
            "tlog: invalid inputs in ProveRecord"
        );
        assert_eq!(
            msg(check_record(&[], 0, z, 0, z).unwrap_err()),
            "tlog: invalid inputs in CheckRecord"
        );
        assert_eq!(
            msg(prove_tree(4, 0, hashes.as_slice()).unwrap_err()),
            "tlog: invalid inputs in ProveTree"
        );
        assert_eq!(
            msg(check_tree(&[], 3, z, 4, z).unwrap_err()),
            "tlog: invalid inputs in CheckTree"
        );
        assert_eq!(
            msg(check_record(&[z], 1, z, 0, z).unwrap_err()),
            "invalid transparency proof"
        );
        assert_eq!(prove_tree(4, 4, hashes.as_slice()).ok(), Some(vec![]));
        assert_eq!(prove_record(1, 0, &[] as &[Hash]).ok(), Some(vec![]));
    }
}
