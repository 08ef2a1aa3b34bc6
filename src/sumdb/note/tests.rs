use super::*;
use proptest::prelude::*;

const PETER_V: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_S: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_V: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const ENOCH_S: &str = "PRIVATE+KEY+EnochRoot+af0cfe78+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
const PETER_SIG: &str =
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";
const ENOCH_SIG: &str =
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=";

fn line(name: &str, b64: &str) -> String {
    format!("\u{2014} {name} {b64}\n")
}

fn peter_msg() -> String {
    format!("{TEXT}\n{}", line("PeterNeumann", PETER_SIG))
}

fn list(keys: &[&str]) -> VerifierList {
    VerifierList::new(keys.iter().map(|k| Verifier::new(k).unwrap()))
}

fn sig(name: &str, hash: u32, b64: &str) -> Signature {
    Signature {
        name: name.into(),
        hash,
        base64: b64.into(),
    }
}

fn text_note() -> Note {
    Note {
        text: TEXT.into(),
        ..Note::default()
    }
}

#[test]
fn sign_matches_go_example() {
    let s = Signer::new(PETER_S).unwrap();
    assert_eq!(sign(&text_note(), &[&s]).unwrap(), peter_msg().into_bytes());
}

#[test]
fn sign_appends_after_existing_and_replaces_own() {
    let peter = Signer::new(PETER_S).unwrap();
    let enoch = Signer::new(ENOCH_S).unwrap();
    let n = open(peter_msg().as_bytes(), &list(&[PETER_V])).unwrap();
    let both = format!(
        "{TEXT}\n{}{}",
        line("PeterNeumann", PETER_SIG),
        line("EnochRoot", ENOCH_SIG)
    );
    assert_eq!(sign(&n, &[&enoch]).unwrap(), both.as_bytes());
    // Re-signing by Peter drops his old line and writes the new one last.
    let n = open(both.as_bytes(), &list(&[PETER_V, ENOCH_V])).unwrap();
    let reordered = format!(
        "{TEXT}\n{}{}",
        line("EnochRoot", ENOCH_SIG),
        line("PeterNeumann", PETER_SIG)
    );
    assert_eq!(sign(&n, &[&peter]).unwrap(), reordered.as_bytes());
    // Unverified signatures are kept too, after the verified ones.
    let n = Note {
        text: TEXT.into(),
        sigs: vec![],
        unverified_sigs: vec![sig("EnochRoot", 0xaf0cfe78, ENOCH_SIG)],
    };
    let msg = format!(
        "{TEXT}\n{}{}",
        line("EnochRoot", ENOCH_SIG),
        line("PeterNeumann", PETER_SIG)
    );
    assert_eq!(sign(&n, &[&peter]).unwrap(), msg.as_bytes());
}

#[test]
fn sign_errors() {
    let peter = Signer::new(PETER_S).unwrap();
    let no_newline = Note {
        text: "abc".into(),
        ..Note::default()
    };
    assert_eq!(sign(&no_newline, &[&peter]), Err(NoteError::MalformedNote));
    for bad in [
        sig("PeterNeumann", 0xc74f20a3, "BADHASH="),
        sig("PeterNeumann", 0xc74f20a3, "!!"),
        sig("PeterNeumann", 0xc74f20a4, PETER_SIG),
        sig("Peter Neumann", 0xc74f20a3, PETER_SIG),
        sig("PeterNeumann", 0xc74f20a3, "xw=="),
    ] {
        let n = Note {
            sigs: vec![bad.clone()],
            ..text_note()
        };
        assert_eq!(
            sign::<Signer>(&n, &[]),
            Err(NoteError::MalformedNote),
            "{bad:?}"
        );
    }
    // A malformed existing signature replaced by a new one is never checked...
    let n = Note {
        sigs: vec![sig("PeterNeumann", 0xc74f20a3, "BADHASH=")],
        ..text_note()
    };
    assert_eq!(sign(&n, &[&peter]).unwrap(), peter_msg().as_bytes());
    // ...but its name is.
    let n = Note {
        sigs: vec![sig("", 0xc74f20a3, "BADHASH=")],
        ..text_note()
    };
    assert_eq!(sign(&n, &[&peter]), Err(NoteError::MalformedNote));

    struct Renamed<'a>(&'a Signer, &'a str);
    impl NoteSigner for Renamed<'_> {
        fn name(&self) -> &str {
            self.1
        }
        fn key_hash(&self) -> u32 {
            self.0.key_hash()
        }
        fn sign_bytes(&self, msg: &[u8]) -> Vec<u8> {
            self.0.sign_bytes(msg)
        }
    }
    let renamed = Renamed(&peter, "bad name");
    assert_eq!(
        sign::<dyn NoteSigner>(&text_note(), &[&peter, &renamed]),
        Err(NoteError::InvalidSigner)
    );
}

#[test]
fn open_go_example() {
    let n = open(peter_msg().as_bytes(), &list(&[PETER_V])).unwrap();
    assert_eq!(n.text, TEXT);
    assert_eq!(n.sigs, [sig("PeterNeumann", 0xc74f20a3, PETER_SIG)]);
    assert!(n.unverified_sigs.is_empty());
}

#[test]
fn open_keeps_unknown_signatures_aside_once() {
    let msg = format!(
        "{TEXT}\n{}{}{}{}",
        line("EnochRoot", ENOCH_SIG),
        line("PeterNeumann", PETER_SIG),
        line("EnochRoot", ENOCH_SIG),
        line("PeterNeumann", PETER_SIG),
    );
    let n = open(msg.as_bytes(), &list(&[PETER_V])).unwrap();
    assert_eq!(n.sigs, [sig("PeterNeumann", 0xc74f20a3, PETER_SIG)]);
    assert_eq!(n.unverified_sigs, [sig("EnochRoot", 0xaf0cfe78, ENOCH_SIG)]);

    let err = open(msg.as_bytes(), &VerifierList::default()).unwrap_err();
    assert_eq!(err.to_string(), "note has no verifiable signatures");
    let NoteError::Unverified(n) = err else {
        panic!("{err:?}")
    };
    assert_eq!(n.text, TEXT);
    assert!(n.sigs.is_empty());
    assert_eq!(
        n.unverified_sigs,
        [
            sig("EnochRoot", 0xaf0cfe78, ENOCH_SIG),
            sig("PeterNeumann", 0xc74f20a3, PETER_SIG)
        ]
    );
}

#[test]
fn open_limits_signature_lines_to_100() {
    let unit = line("PeterNeumann", PETER_SIG);
    let msg = |count| format!("{TEXT}\n{}", unit.repeat(count));
    let known = list(&[PETER_V]);
    assert_eq!(open(msg(100).as_bytes(), &known).unwrap().sigs.len(), 1);
    assert_eq!(
        open(msg(101).as_bytes(), &known),
        Err(NoteError::MalformedNote)
    );
}

#[test]
fn open_rejects_malformed_messages() {
    let known = list(&[PETER_V]);
    let good = line("PeterNeumann", PETER_SIG);
    let cases = [
        TEXT.to_string(),
        format!("{TEXT}\n"),
        format!("\u{1}{TEXT}\n{good}"),
        format!("{TEXT}\r\n{good}"),
        format!("{TEXT}\n{}", good.trim_end()),
        format!("{TEXT}\n{good}Unexpected line.\n"),
        format!("{TEXT}\n{good}\n"),
        format!("{TEXT}\n\u{2014} Bad Name {PETER_SIG}\n"),
        format!("{TEXT}\n\u{2014} PeterNeumann\n"),
        format!("{TEXT}\n\u{2014} PeterNeumann \n"),
        format!("{TEXT}\n\u{2014} PeterNeumann AAAAAA==\n"),
        format!("{TEXT}\n\u{2014}  {PETER_SIG}\n"),
        format!("{TEXT}\n- PeterNeumann {PETER_SIG}\n"),
        format!("{TEXT}\n\u{2014} PeterNeumann {PETER_SIG} \n"),
        format!("{TEXT}\n\u{2014} Peter+Neumann {PETER_SIG}\n"),
    ];
    for msg in cases {
        assert_eq!(
            open(msg.as_bytes(), &known),
            Err(NoteError::MalformedNote),
            "{msg:?}"
        );
    }
    let mut bad_utf8 = peter_msg().into_bytes();
    bad_utf8[3] = 0xff;
    assert_eq!(open(&bad_utf8, &known), Err(NoteError::MalformedNote));
}

#[test]
fn open_reports_bad_signatures_and_lookup_errors() {
    let corrupted = peter_msg().replace("ElZIn", "ElZIABCDn");
    assert_eq!(
        open(corrupted.as_bytes(), &list(&[PETER_V]))
            .unwrap_err()
            .to_string(),
        "invalid signature for key PeterNeumann+c74f20a3"
    );
    // Five bytes: a key hash and a one-byte signature, which never verifies.
    let short = format!("{TEXT}\n{}", line("PeterNeumann", "x08go/8="));
    assert_eq!(
        open(short.as_bytes(), &list(&[PETER_V])),
        Err(NoteError::InvalidSignature {
            name: "PeterNeumann".into(),
            hash: 0xc74f20a3
        })
    );
    assert_eq!(
        open(peter_msg().as_bytes(), &list(&[PETER_V, PETER_V]))
            .unwrap_err()
            .to_string(),
        "ambiguous key PeterNeumann+c74f20a3"
    );

    struct Always(Verifier);
    impl Verifiers for Always {
        fn verifier(&self, _: &str, _: u32) -> Result<&Verifier, NoteError> {
            Ok(&self.0)
        }
    }
    let always = Always(Verifier::new(PETER_V).unwrap());
    let other_hash = peter_msg().replace("x08g", "xxxx");
    assert_eq!(
        open(other_hash.as_bytes(), &always)
            .unwrap_err()
            .to_string(),
        "verifier name or hash doesn't match signature"
    );
}

#[test]
fn open_checks_a_known_key_once() {
    // A second line from the same key is skipped, even with different bytes.
    let msg = format!(
        "{TEXT}\n{}{}",
        line("PeterNeumann", PETER_SIG),
        line("PeterNeumann", "x08go/8="),
    );
    let n = open(msg.as_bytes(), &list(&[PETER_V])).unwrap();
    assert_eq!(n.sigs, [sig("PeterNeumann", 0xc74f20a3, PETER_SIG)]);
}

proptest! {
    #[test]
    fn open_never_panics(msg in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = open(&msg, &list(&[PETER_V]));
    }

    #[test]
    fn open_never_panics_on_note_shaped_input(
        text in "[a-z\n]{0,20}",
        sigs in proptest::collection::vec("[\u{2014} A-Za-z0-9+/=]{0,30}", 0..4),
    ) {
        let msg = format!("{text}\n\n{}\n", sigs.join("\n"));
        let _ = open(msg.as_bytes(), &list(&[PETER_V]));
    }

    #[test]
    fn signed_text_opens_to_itself(text in "[^\u{0}-\u{1f}]{0,40}(\n[^\u{0}-\u{1f}]{0,40}){0,3}") {
        let text = format!("{text}\n");
        let n = Note { text: text.clone(), ..Note::default() };
        let msg = sign(&n, &[&Signer::new(PETER_S).unwrap()]).unwrap();
        let opened = open(&msg, &list(&[PETER_V]));
        // A text containing a blank line splits elsewhere, as in Go.
        if !text.contains("\n\n") {
            prop_assert_eq!(opened.unwrap().text, text);
        }
    }
}
