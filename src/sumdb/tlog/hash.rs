//! Hashes of the log: 32-byte SHA-256 values, RFC 6962 style.

use crate::sumdb::note::gobase64;
use sha2::{Digest, Sha256};
use std::fmt;

/// One hash in the log (a record hash, an interior node or a tree hash).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Hash(pub [u8; 32]);

/// The hash of the tree with no records: SHA-256 of the empty string.
pub const EMPTY_TREE_HASH: Hash = Hash([
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);

/// A hash in its text form could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed hash")]
pub struct HashError;

impl Hash {
    /// Decodes standard base64 of exactly 32 bytes (the form in tree heads), as Go's
    /// `base64.StdEncoding` does: padding is required, `\r` and `\n` anywhere are
    /// skipped, and the unused low bits of the last symbol are ignored (Go's decoder
    /// is not in strict mode), so a tree head Go accepts is accepted here.
    pub fn parse(text: &str) -> Result<Hash, HashError> {
        let bytes = gobase64::decode(text).ok_or(HashError)?;
        Hash::from_slice(&bytes).ok_or(HashError)
    }

    /// The hash held by a 32-byte slice (tile entries), or `None` at any other length.
    pub fn from_slice(bytes: &[u8]) -> Option<Hash> {
        <[u8; 32]>::try_from(bytes).ok().map(Hash)
    }
}

impl fmt::Display for Hash {
    /// Standard base64 with padding, as Go's `Hash.String`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&gobase64::encode(&self.0))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({self})")
    }
}

/// The hash of a record's data: SHA-256 of a zero byte followed by the data.
pub fn record_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    Hash(h.finalize().into())
}

/// The hash of an interior node: SHA-256 of a one byte, the left and the right hash.
pub fn node_hash(left: Hash, right: Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left.0);
    h.update(right.0);
    Hash(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tree_hash_is_sha256_of_nothing() {
        let want: [u8; 32] = Sha256::digest(b"").into();
        assert_eq!(EMPTY_TREE_HASH.0, want);
    }

    #[test]
    fn text_form_round_trips_and_rejects_wrong_lengths() {
        let h = record_hash(b"hello");
        assert_eq!(Hash::parse(&h.to_string()), Ok(h));
        assert_eq!(Hash::parse("AAAA"), Err(HashError));
        assert_eq!(Hash::parse("not base64!"), Err(HashError));
    }

    #[test]
    fn parse_is_as_lenient_as_go() {
        let h = record_hash(b"hello world");
        let text = h.to_string();
        assert_eq!(text, "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=");
        for ok in [
            "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb1=",
            "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\r",
            "Tszz\r\nRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=",
        ] {
            assert_eq!(Hash::parse(ok), Ok(h), "{ok:?}");
        }
        for bad in [
            "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0",
            "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0==",
            "TszzRgjTG6xce-z2AG31kAXYKBgQVtCSCE40HmuwBb0=",
        ] {
            assert_eq!(Hash::parse(bad), Err(HashError), "{bad:?}");
        }
    }

    #[test]
    fn node_hash_orders_its_inputs() {
        let (a, b) = (record_hash(b"a"), record_hash(b"b"));
        assert_ne!(node_hash(a, b), node_hash(b, a));
    }
}
