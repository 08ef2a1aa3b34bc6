//! Signed notes (the checksum database's tree heads), against one fixed key pair (Go's
//! `PeterNeumann` test key). No input panics, and:
//! - a note that opens (or fails only as unverified, which still carries the note)
//!   signs with no new signer to a message that opens to the same note;
//! - a text the note format allows, signed with the key, opens with one signature;
//! - a verifier key that parses prints as a key that parses to the same verifier.

#![no_main]

use gomodfetch::sumdb::note::{self, Note, NoteError, Signer, Verifier, VerifierList};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const SKEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

fn keys() -> &'static (VerifierList, Signer) {
    static KEYS: OnceLock<(VerifierList, Signer)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let v = Verifier::new(VKEY).expect("the fixed verifier key");
        let s = Signer::new(SKEY).expect("the fixed signer key");
        (VerifierList::new([v]), s)
    })
}

fuzz_target!(|data: &[u8]| {
    let (known, signer) = keys();
    match note::open(data, known) {
        Ok(n) => resign_opens_the_same(&n),
        Err(NoteError::Unverified(n)) => resign_opens_the_same(&n),
        Err(_) => {}
    }

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.ends_with('\n') && !text.bytes().any(|b| b < b' ' && b != b'\n') {
        let n = Note {
            text: text.to_string(),
            ..Note::default()
        };
        let msg = note::sign(&n, &[signer]).expect("signing a well-formed text");
        let opened = note::open(&msg, known).expect("a note we signed opens");
        assert_eq!(opened.text, text);
        assert_eq!(opened.sigs.len(), 1);
        assert!(opened.unverified_sigs.is_empty());
    }
    if let Ok(v) = Verifier::new(text) {
        assert_eq!(Verifier::new(&v.to_string()).as_ref(), Ok(&v));
    }
    let _ = Signer::new(text);
});

/// Signing `n` with no new signer writes its signatures back; opening that gives `n`.
fn resign_opens_the_same(n: &Note) {
    let (known, _) = keys();
    let msg = note::sign::<Signer>(n, &[]).expect("an opened note signs");
    let again = match note::open(&msg, known) {
        Ok(a) => a,
        Err(NoteError::Unverified(a)) => *a,
        Err(e) => panic!("re-signed note does not open: {e}"),
    };
    assert_eq!(&again, n);
}
