//! `h1` from contents hashed as they went by, in the order Go's `HashZip` would have
//! met any failure.
//!
//! `HashZip` lists every entry name (duplicates too), sorts the list byte-wise, and for
//! each name refuses a newline, then opens the last entry of that name and hashes it;
//! the first failure in that order is its error. Entries are hashed here in file order
//! instead, each result kept, and the same walk over the sorted names picks the same
//! failure. An earlier entry of a duplicated name is never consulted, as in Go.

use crate::dirhash::{self, H1};
use std::collections::HashMap;

/// Why no `h1` could be computed: the first failing name in Go's order.
#[derive(Debug)]
pub(crate) enum Failure<'a, E> {
    /// A name with a newline (`dirhash: filenames with newlines are not supported`).
    Newline(&'a [u8]),
    /// Reading the contents of the entry hashed for this name failed.
    Entry(&'a E),
}

/// One entry's name, and its contents' SHA-256 or why reading them failed.
pub(crate) type Hashed<E> = (Vec<u8>, Result<[u8; 32], E>);

/// The `h1` of entries given in file order.
pub(crate) fn h1<E>(entries: &[Hashed<E>]) -> Result<H1, Failure<'_, E>> {
    let mut last: HashMap<&[u8], usize> = HashMap::with_capacity(entries.len());
    for (i, (name, _)) in entries.iter().enumerate() {
        last.insert(name, i);
    }
    let mut sorted: Vec<&[u8]> = entries.iter().map(|(n, _)| n.as_slice()).collect();
    sorted.sort_unstable();
    let mut files = Vec::with_capacity(sorted.len());
    for name in sorted {
        if name.contains(&b'\n') {
            return Err(Failure::Newline(name));
        }
        let index = last.get(name).copied().unwrap_or_default();
        match &entries[index].1 {
            Ok(digest) => files.push((name, *digest)),
            Err(e) => return Err(Failure::Entry(e)),
        }
    }
    // Names were checked above, so hashing cannot fail; keep Go's text if it did.
    dirhash::hash1_digests(files).map_err(|_| Failure::Newline(b"\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn d(data: &[u8]) -> [u8; 32] {
        Sha256::digest(data).into()
    }

    #[test]
    fn same_as_hash1_with_duplicates() {
        let entries: Vec<Hashed<()>> = vec![
            (b"m@v1/b".to_vec(), Ok(d(b"old"))),
            (b"m@v1/a".to_vec(), Ok(d(b"a"))),
            (b"m@v1/b".to_vec(), Ok(d(b"new"))),
        ];
        let want = dirhash::hash1(["m@v1/b", "m@v1/a", "m@v1/b"], |name| {
            Ok(if name == b"m@v1/a" {
                &b"a"[..]
            } else {
                &b"new"[..]
            })
        })
        .unwrap();
        assert_eq!(h1(&entries).unwrap(), want);
    }

    #[test]
    fn first_failure_in_sorted_order() {
        let entries: Vec<Hashed<&str>> = vec![
            (b"m@v1/z".to_vec(), Err("z broken")),
            (b"m@v1/b\n".to_vec(), Ok(d(b""))),
            (b"m@v1/a".to_vec(), Err("a broken")),
        ];
        assert!(matches!(h1(&entries), Err(Failure::Entry(&"a broken"))));
        let entries = &entries[..2];
        assert!(matches!(h1(entries), Err(Failure::Newline(b"m@v1/b\n"))));
        // An earlier duplicate's failure does not count.
        let entries: Vec<Hashed<&str>> = vec![
            (b"m@v1/x/".to_vec(), Err("declares a size")),
            (b"m@v1/x/".to_vec(), Ok(d(b""))),
        ];
        assert!(h1(&entries).is_ok());
    }
}
