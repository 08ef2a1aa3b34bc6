//! Property tests over random logs: proofs verify and break under any bit flip, and
//! tile reads accept honest tiles and reject any corrupted byte.

use super::stored::tests::build;
use super::*;
use proptest::prelude::*;

/// One log shared by every case (record i is `leaf <i>`); sizes are prefixes of it.
fn log() -> &'static [Hash] {
    static LOG: std::sync::OnceLock<Vec<Hash>> = std::sync::OnceLock::new();
    LOG.get_or_init(|| build(MAX))
}

const MAX: u64 = 700;

fn view(n: u64) -> &'static [Hash] {
    &log()[..stored_hash_count(n) as usize]
}

fn flip(p: &[Hash], which: usize, bit: usize) -> Vec<Hash> {
    let mut p = p.to_vec();
    if !p.is_empty() {
        let i = which % p.len();
        p[i].0[bit / 8] ^= 1 << (bit % 8);
    }
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn record_proofs_check_and_break(t in 1..=MAX, n_frac in 0.0..1.0f64, which in any::<usize>(), bit in 0..256usize) {
        let n = ((t as f64 * n_frac) as u64).min(t - 1);
        let th = tree_hash(t, view(t)).unwrap();
        let leaf = record_hash(format!("leaf {n}").as_bytes());
        let p = prove_record(t, n, view(t)).unwrap();
        prop_assert!(check_record(&p, t, th, n, leaf).is_ok());
        if !p.is_empty() {
            prop_assert!(check_record(&flip(&p, which, bit), t, th, n, leaf).is_err());
        }
        let mut wrong_leaf = leaf;
        wrong_leaf.0[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(check_record(&p, t, th, n, wrong_leaf).is_err());
        prop_assert!(check_record(&p[..p.len().saturating_sub(1)], t, th, n, leaf).is_err() || p.is_empty());
    }

    #[test]
    fn tree_proofs_check_and_break(t in 1..=MAX, n_frac in 0.0..=1.0f64, which in any::<usize>(), bit in 0..256usize) {
        let n = ((t as f64 * n_frac) as u64).clamp(1, t);
        let (th, h) = (tree_hash(t, view(t)).unwrap(), tree_hash(n, view(t)).unwrap());
        let p = prove_tree(t, n, view(t)).unwrap();
        prop_assert!(check_tree(&p, t, th, n, h).is_ok());
        if !p.is_empty() {
            prop_assert!(check_tree(&flip(&p, which, bit), t, th, n, h).is_err());
        }
        let mut wrong = h;
        wrong.0[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(check_tree(&p, t, th, n, wrong).is_err());
    }

    #[test]
    fn tile_reads_accept_honest_tiles_and_reject_any_corrupt_byte(
        h in 1..=4u32,
        n in 1..=MAX,
        picks in prop::collection::vec(any::<u64>(), 0..4),
        tile_pick in any::<usize>(),
        byte_pick in any::<usize>(),
        bit in 0..8u32,
    ) {
        let tree = Tree { n, hash: tree_hash(n, view(n)).unwrap() };
        let stored = stored_hash_index(0, n);
        let indexes: Vec<u64> = picks.iter().map(|p| p % stored).collect();
        let tiles = tiles_for_hashes(h, tree, &indexes).unwrap();
        let data: Vec<Vec<u8>> = tiles.iter().map(|&t| read_tile_data(t, view(n)).unwrap()).collect();
        let got = verify_tiles(h, tree, &indexes, &tiles, &data).unwrap();
        let want: Vec<Hash> = indexes.iter().map(|&i| log()[i as usize]).collect();
        prop_assert_eq!(got, want);

        let mut bad = data.clone();
        let t = tile_pick % bad.len();
        let b = byte_pick % bad[t].len();
        bad[t][b] ^= 1 << bit;
        prop_assert!(matches!(
            verify_tiles(h, tree, &indexes, &tiles, &bad),
            Err(TlogError::InconsistentTile)
        ));
    }

    #[test]
    fn numbering_round_trips(index in any::<u64>()) {
        let index = index >> 2; // beyond any real log, within u64 arithmetic
        let (level, n) = split_stored_hash_index(index);
        prop_assert_eq!(stored_hash_index(level, n), index);
    }

    #[test]
    fn parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_tree(&bytes);
        let _ = parse_record(&bytes);
        let mut head = b"go.sum database tree\n".to_vec();
        head.extend_from_slice(&bytes);
        let _ = parse_tree(&head);
        if let Ok(path) = std::str::from_utf8(&bytes) {
            let _ = Tile::parse_path(path);
        }
    }

    #[test]
    fn formats_round_trip(n in 0..=i64::MAX as u64, id in 0..=i64::MAX as u64, seed in any::<[u8; 32]>()) {
        let tree = Tree { n, hash: Hash(seed) };
        prop_assert_eq!(parse_tree(&format_tree(tree)).ok(), Some(tree));
        let text = b"example.com/m v1.0.0 h1:abc=\nexample.com/m v1.0.0/go.mod h1:def=\n";
        let msg = format_record(id, text).unwrap();
        let (pid, ptext, rest) = parse_record(&msg).unwrap();
        prop_assert_eq!((pid as u64, ptext, rest), (id, &text[..], &b""[..]));
    }
}
