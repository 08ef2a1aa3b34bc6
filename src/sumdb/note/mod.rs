//! Signed notes, as Go's `golang.org/x/mod/sumdb/note` defines them: the format in
//! which a checksum database signs its tree heads.
//!
//! A signed note is a text ending in `\n`, a blank line, and one or more signature lines
//! `— <name> <base64(key hash ‖ signature)>\n` (an em dash, U+2014). The whole message
//! must be UTF-8 without control characters other than `\n`. A signature is Ed25519
//! over exactly the text (its final newline included, the blank line not).
//!
//! [`open`] parses a message and checks each signature against the known
//! [`Verifiers`]: a signature by a known key must verify or the note is rejected; one by
//! an unknown key is kept aside as unverified; a note without any verified signature is
//! rejected with [`NoteError::Unverified`], which still carries the parsed note. At most
//! 100 signature lines are read. [`sign`] writes a note with new signatures after the
//! ones it already has. Both follow Go's rules and report Go's error texts, because the
//! client shows them and because a tree head we sign must open in the real `go`.
//!
//! Keys ([`Verifier`], [`Signer`]) and their encodings are in [`key`].

pub(crate) mod gobase64;
mod key;

pub use key::{NoteSigner, Signer, Verifier, VerifierList, Verifiers, key_pair_from_seed};

use std::collections::HashSet;

/// A note's text and signatures (Go's `note.Note`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Note {
    /// The signed text, ending in `\n`.
    pub text: String,
    /// Signatures by known keys that verified, in message order.
    pub sigs: Vec<Signature>,
    /// Signatures by unknown keys, in message order, repeated lines dropped.
    pub unverified_sigs: Vec<Signature>,
}

/// One signature line of a note, verified or not (Go's `note.Signature`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The name of the key that made it.
    pub name: String,
    /// The key hash (the first four bytes of the decoded signature).
    pub hash: u32,
    /// The signature as written: base64 of the key hash and the signature bytes.
    pub base64: String,
}

/// Why a key did not parse or a note did not open or sign. Each `Display` is Go's text.
///
/// Key errors carry nothing: a signer key is a secret, and Go's messages do not show a
/// verifier key either.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// A key's text is not `<name>+<8 hex digits>+<base64>` (signer keys with
    /// `PRIVATE+KEY+` in front), or its key has the wrong length.
    #[error("malformed verifier id")]
    MalformedKey,
    /// A key's algorithm byte is not Ed25519's.
    #[error("unknown verifier algorithm")]
    UnknownAlgorithm,
    /// A key's hash does not match its name and key.
    #[error("invalid verifier hash")]
    KeyHashMismatch,
    /// No known verifier has this name and key hash.
    #[error("unknown key {name}+{hash:08x}")]
    UnknownKey { name: String, hash: u32 },
    /// More than one known verifier has this name and key hash.
    #[error("ambiguous key {name}+{hash:08x}")]
    AmbiguousKey { name: String, hash: u32 },
    /// The message is not a well-formed signed note (or a note to sign has no final
    /// newline, or carries a malformed signature).
    #[error("malformed note")]
    MalformedNote,
    /// A signer's name is not a valid key name.
    #[error("invalid signer")]
    InvalidSigner,
    /// The verifier looked up for a signature has another name or key hash.
    #[error("verifier name or hash doesn't match signature")]
    MismatchedVerifier,
    /// A known key's signature does not verify.
    #[error("invalid signature for key {name}+{hash:08x}")]
    InvalidSignature { name: String, hash: u32 },
    /// The note is well formed but no known key signed it. The parsed note (its text
    /// and unverified signatures) is here for callers that want to look at it.
    #[error("note has no verifiable signatures")]
    Unverified(Box<Note>),
}

/// The separator between a note's text and its signatures.
const SIG_SPLIT: &str = "\n\n";
/// The start of every signature line: an em dash and a space.
const SIG_PREFIX: &str = "\u{2014} ";
/// The most signature lines [`open`] reads.
const MAX_SIGNATURES: usize = 100;

/// Parses the signed message `msg` and verifies its signatures against `known` (Go's
/// `note.Open`).
///
/// A signature whose key `known` reports as [`NoteError::UnknownKey`] is recorded as
/// unverified (each distinct line once); any other lookup error is returned. A known
/// key's repeated signatures are checked once. Returns [`NoteError::Unverified`] when no
/// signature verified.
pub fn open(msg: &[u8], known: &dyn Verifiers) -> Result<Note, NoteError> {
    let msg = std::str::from_utf8(msg).map_err(|_| NoteError::MalformedNote)?;
    if msg.bytes().any(|b| b < b' ' && b != b'\n') {
        return Err(NoteError::MalformedNote);
    }
    let split = msg.rfind(SIG_SPLIT).ok_or(NoteError::MalformedNote)?;
    let (text, sigs) = (&msg[..split + 1], &msg[split + 2..]);
    let Some(lines) = sigs.strip_suffix('\n') else {
        return Err(NoteError::MalformedNote);
    };

    let mut note = Note {
        text: text.to_string(),
        ..Note::default()
    };
    let mut seen: HashSet<(&str, u32)> = HashSet::new();
    let mut seen_unverified: HashSet<&str> = HashSet::new();
    for (index, line) in lines.split('\n').enumerate() {
        let line = line
            .strip_prefix(SIG_PREFIX)
            .ok_or(NoteError::MalformedNote)?;
        let (name, b64) = line.split_once(' ').unwrap_or((line, ""));
        let raw = gobase64::decode(b64).ok_or(NoteError::MalformedNote)?;
        if !key::is_valid_name(name) || b64.is_empty() || raw.len() < 5 {
            return Err(NoteError::MalformedNote);
        }
        let hash = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        if index >= MAX_SIGNATURES {
            return Err(NoteError::MalformedNote);
        }
        let signature = Signature {
            name: name.to_string(),
            hash,
            base64: b64.to_string(),
        };

        let verifier = match known.verifier(name, hash) {
            Err(NoteError::UnknownKey { .. }) => {
                if seen_unverified.insert(line) {
                    note.unverified_sigs.push(signature);
                }
                continue;
            }
            other => other?,
        };
        if verifier.name() != name || verifier.key_hash() != hash {
            return Err(NoteError::MismatchedVerifier);
        }
        if !seen.insert((name, hash)) {
            continue;
        }
        if !verifier.verify(text.as_bytes(), &raw[4..]) {
            return Err(NoteError::InvalidSignature {
                name: name.to_string(),
                hash,
            });
        }
        note.sigs.push(signature);
    }

    if note.sigs.is_empty() {
        return Err(NoteError::Unverified(Box::new(note)));
    }
    Ok(note)
}

/// Signs `note` with `signers` and returns the encoded message (Go's `note.Sign`).
///
/// The note's existing signatures (verified, then unverified) come first, except those
/// of a key that signs again now; then one new signature per signer, in order. Fails
/// with [`NoteError::MalformedNote`] when the text does not end in `\n` or an existing
/// signature is malformed (bad name, or base64 that does not start with its key hash),
/// and with [`NoteError::InvalidSigner`] when a signer's name is invalid.
pub fn sign<S: NoteSigner + ?Sized>(note: &Note, signers: &[&S]) -> Result<Vec<u8>, NoteError> {
    if !note.text.ends_with('\n') {
        return Err(NoteError::MalformedNote);
    }
    let mut replaced: HashSet<(&str, u32)> = HashSet::new();
    let mut new_lines = String::new();
    for signer in signers {
        let (name, hash) = (signer.name(), signer.key_hash());
        replaced.insert((name, hash));
        if !key::is_valid_name(name) {
            return Err(NoteError::InvalidSigner);
        }
        let mut raw = hash.to_be_bytes().to_vec();
        raw.extend(signer.sign_bytes(note.text.as_bytes()));
        push_line(&mut new_lines, name, &gobase64::encode(&raw));
    }

    let mut msg = note.text.clone();
    msg.push('\n');
    for sig in note.sigs.iter().chain(&note.unverified_sigs) {
        if !key::is_valid_name(&sig.name) {
            return Err(NoteError::MalformedNote);
        }
        if replaced.contains(&(sig.name.as_str(), sig.hash)) {
            continue;
        }
        match gobase64::decode(&sig.base64) {
            Some(raw) if raw.len() >= 4 && raw[..4] == sig.hash.to_be_bytes() => {}
            _ => return Err(NoteError::MalformedNote),
        }
        push_line(&mut msg, &sig.name, &sig.base64);
    }
    msg.push_str(&new_lines);
    Ok(msg.into_bytes())
}

/// Appends one signature line.
fn push_line(out: &mut String, name: &str, b64: &str) {
    out.push_str(SIG_PREFIX);
    out.push_str(name);
    out.push(' ');
    out.push_str(b64);
    out.push('\n');
}

#[cfg(test)]
mod tests;
