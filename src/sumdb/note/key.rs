//! Verifier and signer keys, their text encodings and key hashes, and lookup of a
//! verifier by (name, key hash).
//!
//! A verifier key is `<name>+<hash>+<base64(alg ‖ public key)>`, a signer key the same
//! with `PRIVATE+KEY+` in front and the Ed25519 seed in place of the public key. The
//! hash is eight hex digits: the first four bytes of SHA-256(name ‖ `\n` ‖ alg ‖ key),
//! so a key names the server it belongs to and a swapped name or key is detected.
//! The only algorithm is Ed25519 (alg byte 1).
//!
//! Parsing checks exactly what Go's `NewVerifier`/`NewSigner` check, in the same order,
//! so a bad key fails with the same one of Go's three messages. A public key that is
//! not a point on the curve is accepted here and simply never verifies (as in Go,
//! which decodes the point only when verifying).

use super::{NoteError, gobase64};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;

/// The algorithm byte of Ed25519 keys.
const ALG_ED25519: u8 = 1;

/// Whether `name` can name a key: non-empty, no Unicode white space, no `+`.
pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(|c: char| c.is_whitespace() || c == '+')
}

/// The key hash of `name` and an encoded public key (algorithm byte included).
pub(crate) fn key_hash(name: &str, key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update(key);
    let sum = h.finalize();
    u32::from_be_bytes([sum[0], sum[1], sum[2], sum[3]])
}

/// The common part of both key forms: `<name>+<hash>+<base64>` → name, hash, key
/// bytes (algorithm byte first), or Go's "malformed verifier id".
fn split_key(text: &str) -> Result<(&str, u32, Vec<u8>), NoteError> {
    let (name, rest) = text.split_once('+').unwrap_or((text, ""));
    let (hash16, key64) = rest.split_once('+').unwrap_or((rest, ""));
    let hash = (hash16.len() == 8 && hash16.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u32::from_str_radix(hash16, 16).ok())
        .flatten();
    let key = gobase64::decode(key64);
    match (hash, key) {
        (Some(hash), Some(key)) if is_valid_name(name) && !key.is_empty() => Ok((name, hash, key)),
        _ => Err(NoteError::MalformedKey),
    }
}

/// A public key that verifies one server's signatures (Go's `note.NewVerifier`).
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    hash: u32,
    /// The Ed25519 public key as encoded (decoded as a point only to verify).
    key: [u8; 32],
}

impl Verifier {
    /// Parses a verifier key `<name>+<hash>+<base64 key>`.
    pub fn new(vkey: &str) -> Result<Verifier, NoteError> {
        let (name, hash, key) = split_key(vkey)?;
        if hash != key_hash(name, &key) {
            return Err(NoteError::KeyHashMismatch);
        }
        if key[0] != ALG_ED25519 {
            return Err(NoteError::UnknownAlgorithm);
        }
        let key = <[u8; 32]>::try_from(&key[1..]).map_err(|_| NoteError::MalformedKey)?;
        Ok(Verifier {
            name: name.to_string(),
            hash,
            key,
        })
    }

    /// The server name the key belongs to.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key hash.
    pub fn key_hash(&self) -> u32 {
        self.hash
    }

    /// Whether `sig` is a valid Ed25519 signature of `msg` by this key (the check of
    /// Go's `crypto/ed25519.Verify`: cofactorless, canonical `S`).
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = ed25519_dalek::Signature::from_slice(sig) else {
            return false;
        };
        VerifyingKey::from_bytes(&self.key).is_ok_and(|k| k.verify(msg, &sig).is_ok())
    }
}

impl fmt::Display for Verifier {
    /// The verifier key text, `<name>+<hash>+<base64 key>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut encoded = vec![ALG_ED25519];
        encoded.extend_from_slice(&self.key);
        let key = gobase64::encode(&encoded);
        write!(f, "{}+{:08x}+{key}", self.name, self.hash)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Verifier({self})")
    }
}

/// Something that signs note texts: what [`sign`](super::sign) needs of a signer (Go's
/// `note.Signer` interface). [`Signer`] is the implementation backed by a signer key.
pub trait NoteSigner {
    /// The server name the key belongs to.
    fn name(&self) -> &str;
    /// The key hash.
    fn key_hash(&self) -> u32;
    /// The signature of `msg`.
    fn sign_bytes(&self, msg: &[u8]) -> Vec<u8>;
}

/// A private key that signs notes for one server (Go's `note.NewSigner`). Anyone who
/// has the key can sign as that server, so `Debug` shows only its name and hash.
#[derive(Clone)]
pub struct Signer {
    name: String,
    hash: u32,
    key: SigningKey,
}

impl Signer {
    /// Parses a signer key `PRIVATE+KEY+<name>+<hash>+<base64 seed>`. The hash names the
    /// public key, so it is checked after deriving that key from the seed.
    pub fn new(skey: &str) -> Result<Signer, NoteError> {
        let rest = skey
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::MalformedKey)?;
        let (name, hash, key) = split_key(rest)?;
        if key[0] != ALG_ED25519 {
            return Err(NoteError::UnknownAlgorithm);
        }
        let seed = <[u8; 32]>::try_from(&key[1..]).map_err(|_| NoteError::MalformedKey)?;
        let signer = Signer {
            name: name.to_string(),
            hash,
            key: SigningKey::from_bytes(&seed),
        };
        if hash != key_hash(name, &signer.encoded_public_key()) {
            return Err(NoteError::KeyHashMismatch);
        }
        Ok(signer)
    }

    /// The server name the key belongs to.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key hash.
    pub fn key_hash(&self) -> u32 {
        self.hash
    }

    /// The verifier key of the same key pair, `<name>+<hash>+<base64 public key>`.
    pub fn verifier_key(&self) -> String {
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.hash,
            gobase64::encode(&self.encoded_public_key())
        )
    }

    /// The public key with its algorithm byte, as hashed and encoded.
    fn encoded_public_key(&self) -> Vec<u8> {
        let mut encoded = vec![ALG_ED25519];
        encoded.extend_from_slice(self.key.verifying_key().as_bytes());
        encoded
    }
}

impl NoteSigner for Signer {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_hash(&self) -> u32 {
        self.hash
    }

    fn sign_bytes(&self, msg: &[u8]) -> Vec<u8> {
        self.key.sign(msg).to_bytes().to_vec()
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer({}+{:08x})", self.name, self.hash)
    }
}

/// The signer and verifier keys of the Ed25519 key pair with this 32-byte `seed`, for
/// server `name`: what Go's `note.GenerateKey` returns when its random source yields
/// `seed`. Like Go, the name is not validated here (a bad name makes keys that do not
/// parse).
pub fn key_pair_from_seed(name: &str, seed: &[u8; 32]) -> (String, String) {
    let public = SigningKey::from_bytes(seed).verifying_key();
    let mut encoded_public = vec![ALG_ED25519];
    encoded_public.extend_from_slice(public.as_bytes());
    let mut encoded_seed = vec![ALG_ED25519];
    encoded_seed.extend_from_slice(seed);
    let hash = key_hash(name, &encoded_public);
    let skey = format!(
        "PRIVATE+KEY+{name}+{hash:08x}+{}",
        gobase64::encode(&encoded_seed)
    );
    let vkey = format!("{name}+{hash:08x}+{}", gobase64::encode(&encoded_public));
    (skey, vkey)
}

/// A collection of known verifiers, looked up by server name and key hash (Go's
/// `note.Verifiers`). Return [`NoteError::UnknownKey`] for a key that is not known:
/// [`open`](super::open) records such signatures as unverified; any other error fails
/// the open.
pub trait Verifiers {
    fn verifier(&self, name: &str, hash: u32) -> Result<&Verifier, NoteError>;
}

/// The standard [`Verifiers`]: a fixed list (Go's `note.VerifierList`). A (name, hash)
/// listed more than once is ambiguous and fails every lookup of it: a list with two
/// different keys of the same hash means someone has tampered with it.
#[derive(Debug, Clone, Default)]
pub struct VerifierList {
    by_key: HashMap<(String, u32), Vec<Verifier>>,
}

impl VerifierList {
    pub fn new(list: impl IntoIterator<Item = Verifier>) -> VerifierList {
        let mut by_key: HashMap<(String, u32), Vec<Verifier>> = HashMap::new();
        for v in list {
            by_key.entry((v.name.clone(), v.hash)).or_default().push(v);
        }
        VerifierList { by_key }
    }
}

impl Verifiers for VerifierList {
    fn verifier(&self, name: &str, hash: u32) -> Result<&Verifier, NoteError> {
        match self
            .by_key
            .get(&(name.to_string(), hash))
            .map(Vec::as_slice)
        {
            Some([one]) => Ok(one),
            Some([_, _, ..]) => Err(NoteError::AmbiguousKey {
                name: name.to_string(),
                hash,
            }),
            _ => Err(NoteError::UnknownKey {
                name: name.to_string(),
                hash,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

    #[test]
    fn parses_both_halves_of_a_pair() {
        let v = Verifier::new(VKEY).unwrap();
        assert_eq!((v.name(), v.key_hash()), ("PeterNeumann", 0xc74f20a3));
        assert_eq!(v.to_string(), VKEY);
        let s = Signer::new(SKEY).unwrap();
        assert_eq!((s.name(), s.key_hash()), ("PeterNeumann", 0xc74f20a3));
        assert_eq!(s.verifier_key(), VKEY);
        assert_eq!(format!("{s:?}"), "Signer(PeterNeumann+c74f20a3)");
    }

    #[test]
    fn upper_case_hash_digits_are_accepted() {
        let v = Verifier::new(&VKEY.replace("c74f20a3", "C74F20A3")).unwrap();
        assert_eq!(v.to_string(), VKEY);
    }

    #[test]
    fn go_error_for_each_kind_of_bad_key() {
        let cases = [
            ("", "malformed verifier id"),
            ("PeterNeumann", "malformed verifier id"),
            ("PeterNeumann+c74f20a3+", "malformed verifier id"),
            ("+c74f20a3+ARpc", "malformed verifier id"),
            ("Peter Neumann+c74f20a3+AQ==", "malformed verifier id"),
            ("PeterNeumann+c74f20a+ARpc", "malformed verifier id"),
            ("PeterNeumann+-74f20a3+AQ==", "malformed verifier id"),
            ("PeterNeumann+c74f20a3+AQ=", "malformed verifier id"),
            // Hash checked before the algorithm and the length.
            ("PeterNeumann+00000000+AQ==", "invalid verifier hash"),
            (VKEY.trim_end_matches('W'), "malformed verifier id"),
        ];
        for (key, want) in cases {
            assert_eq!(Verifier::new(key).unwrap_err().to_string(), want, "{key:?}");
        }
        // A right hash over a wrong algorithm, then over a short key.
        let h = key_hash("n", &[2, 0]);
        let key = format!("n+{h:08x}+AgA=");
        assert_eq!(
            Verifier::new(&key).unwrap_err(),
            NoteError::UnknownAlgorithm
        );
        let h = key_hash("n", &[1, 0]);
        let key = format!("n+{h:08x}+AQA=");
        assert_eq!(Verifier::new(&key).unwrap_err(), NoteError::MalformedKey);
    }

    #[test]
    fn signer_checks_algorithm_before_hash() {
        assert_eq!(
            Signer::new("PRIVATE+KEY+n+00000000+AgA=").unwrap_err(),
            NoteError::UnknownAlgorithm
        );
        assert_eq!(
            Signer::new("PRIVATE+KEY+n+00000000+AQA=").unwrap_err(),
            NoteError::MalformedKey
        );
        assert_eq!(
            Signer::new(&SKEY.replace("c74f20a3", "c74f20a4")).unwrap_err(),
            NoteError::KeyHashMismatch
        );
        assert_eq!(Signer::new(VKEY).unwrap_err(), NoteError::MalformedKey);
        assert_eq!(
            Signer::new(&SKEY.replace("PRIVATE", "private")).unwrap_err(),
            NoteError::MalformedKey
        );
    }

    #[test]
    fn names_exclude_white_space_and_plus() {
        for bad in ["", "a b", "a\u{a0}b", "a\u{3000}", "a\u{85}", "a+b", "\t"] {
            assert!(!is_valid_name(bad), "{bad:?}");
        }
        for good in ["a", "host/path", "a\u{200b}b", "\u{1}", "é"] {
            assert!(is_valid_name(good), "{good:?}");
        }
    }

    #[test]
    fn a_key_that_is_not_a_point_parses_and_never_verifies() {
        // y = 2 has no x on the curve.
        let mut encoded = vec![ALG_ED25519, 2];
        encoded.extend([0u8; 31]);
        let hash = key_hash("n", &encoded);
        let v = Verifier::new(&format!("n+{hash:08x}+{}", gobase64::encode(&encoded))).unwrap();
        assert!(!v.verify(b"msg", &[0; 64]));
    }

    #[test]
    fn key_pair_from_zero_seed_is_go_generate_key_over_zero_bytes() {
        let (skey, vkey) = key_pair_from_seed("EnochRoot", &[0; 32]);
        assert_eq!(
            skey,
            "PRIVATE+KEY+EnochRoot+af0cfe78+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        );
        assert_eq!(
            vkey,
            "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
        );
    }

    #[test]
    fn verifier_list_lookups() {
        let v = Verifier::new(VKEY).unwrap();
        let list = VerifierList::new([v.clone()]);
        assert_eq!(list.verifier("PeterNeumann", 0xc74f20a3), Ok(&v));
        assert_eq!(
            list.verifier("PeterNeumann", 1).unwrap_err().to_string(),
            "unknown key PeterNeumann+00000001"
        );
        let list = VerifierList::new([v.clone(), v]);
        assert_eq!(
            list.verifier("PeterNeumann", 0xc74f20a3)
                .unwrap_err()
                .to_string(),
            "ambiguous key PeterNeumann+c74f20a3"
        );
    }
}
