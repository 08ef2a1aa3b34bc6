//! `vectors/note.json`: signed-note keys, signing, opening and verifier lists
//! (`golang.org/x/mod/sumdb/note`). Every table is read generically: each field the
//! conformance README describes is honoured wherever it appears.

use crate::support::{self, Tally, bytes_field, cases, str_of};
use gomodfetch::sumdb::note::{
    self, Note, NoteError, NoteSigner, Signature, Signer, Verifier, VerifierList, Verifiers,
};
use serde_json::Value;

#[test]
fn note_json() {
    let Some(v) = support::vectors("note_json", "note.json") else {
        return;
    };
    keys(&v);
    verifier_key_invalid(&v);
    key_mangling(&v);
    sign(&v);
    open(&v);
    verifier_list(&v);
    example_open_output(&v);
}

/// `keys[]`: both halves of each pair parse to the name and hash given, the signer's
/// public half is the verifier key, and what one signs the other verifies.
fn keys(v: &Value) {
    let mut t = Tally::new("note.json/keys");
    for c in cases(v, "keys") {
        t.check(str_of(c, "name"), || {
            let want = (str_of(c, "name"), hash_of(&c["key_hash"])?);
            let vk = Verifier::new(str_of(c, "verifier_key")).map_err(|e| format!("{e}"))?;
            let sk = Signer::new(str_of(c, "signer_key")).map_err(|e| format!("{e}"))?;
            expect("verifier", (vk.name(), vk.key_hash()), want)?;
            expect("signer", (sk.name(), sk.key_hash()), want)?;
            expect(
                "signer's verifier key",
                sk.verifier_key().as_str(),
                str_of(c, "verifier_key"),
            )?;
            let text = Note {
                text: "a text to sign\n".into(),
                ..Note::default()
            };
            let msg = note::sign(&text, &[&sk]).map_err(|e| format!("sign: {e}"))?;
            let opened = note::open(&msg, &VerifierList::new([vk])).map_err(|e| format!("{e}"))?;
            expect("opened text", opened.text, text.text)
        });
    }
    t.finish();
}

/// `verifier_key_invalid[]`: keys that must be rejected (with Go's text when given).
fn verifier_key_invalid(v: &Value) {
    let mut t = Tally::new("note.json/verifier_key_invalid");
    for c in cases(v, "verifier_key_invalid") {
        let key = str_of(c, "key");
        t.check(key, || match parse_any_key(key) {
            Ok(()) => Err("accepted".into()),
            Err(e) => match c.get("error").and_then(Value::as_str) {
                Some(want) => expect("error", e.to_string().as_str(), want),
                None => Ok(()),
            },
        });
    }
    t.finish();
}

/// `key_mangling_rule`: every proper substring and every one-byte increment of each
/// valid key is rejected.
fn key_mangling(v: &Value) {
    let mut t = Tally::new("note.json/key_mangling_rule");
    let Some(rule) = v.get("key_mangling_rule") else {
        t.finish();
        return;
    };
    for field in ["verifier_key", "signer_key"] {
        let Some(key) = rule.get(field).and_then(Value::as_str) else {
            continue;
        };
        let bytes = key.as_bytes();
        // The key itself is valid (otherwise the rule says nothing).
        t.check(format!("{field} {key}"), || {
            parse_any_key(key).map_err(|e| e.to_string())
        });
        let mut mangled = Vec::new();
        for i in 0..bytes.len() {
            for j in i + 1..=bytes.len() {
                if (i, j) != (0, bytes.len()) {
                    mangled.push((format!("{field}[{i}:{j}]"), bytes[i..j].to_vec()));
                }
            }
            let mut inc = bytes.to_vec();
            inc[i] = inc[i].wrapping_add(1);
            mangled.push((format!("{field} with byte {i} incremented"), inc));
        }
        for (label, m) in mangled {
            t.check(label, || match std::str::from_utf8(&m) {
                // Not UTF-8: no key text can hold it (Go rejects it as a bad name or
                // bad base64).
                Err(_) => Ok(()),
                Ok(s) if parse_any_key(s).is_ok() => Err(format!("accepted {s:?}")),
                Ok(_) => Ok(()),
            });
        }
    }
    t.finish();
}

/// A signer (`PRIVATE+KEY+…`) or verifier key, parsed by the matching constructor.
fn parse_any_key(key: &str) -> Result<(), NoteError> {
    if key.starts_with("PRIVATE+") {
        Signer::new(key).map(drop)
    } else {
        Verifier::new(key).map(drop)
    }
}

/// A signer that reports another name (`signer_name_override`).
struct Renamed<'a> {
    signer: &'a Signer,
    name: &'a str,
}

impl NoteSigner for Renamed<'_> {
    fn name(&self) -> &str {
        self.name
    }
    fn key_hash(&self) -> u32 {
        self.signer.key_hash()
    }
    fn sign_bytes(&self, msg: &[u8]) -> Vec<u8> {
        self.signer.sign_bytes(msg)
    }
}

/// `sign[]`: text, signers and existing signatures → exact output or error.
fn sign(v: &Value) {
    let mut t = Tally::new("note.json/sign");
    for c in cases(v, "sign") {
        t.check(str_of(c, "desc"), || {
            let text = utf8(bytes_field(c, "text").ok_or("no text")?)?;
            let note = Note {
                text,
                sigs: signatures(c.get("existing_sigs"))?,
                unverified_sigs: Vec::new(),
            };
            let signers = strings(c.get("signers"))?
                .iter()
                .map(|k| Signer::new(k).map_err(|e| format!("signer key {k}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            let override_name = c.get("signer_name_override").and_then(Value::as_str);
            let renamed: Vec<Renamed> = signers
                .iter()
                .map(|s| Renamed {
                    signer: s,
                    name: override_name.unwrap_or(s.name()),
                })
                .collect();
            let dyn_signers: Vec<&dyn NoteSigner> =
                renamed.iter().map(|r| r as &dyn NoteSigner).collect();
            let got = note::sign(&note, &dyn_signers);
            match (got, bytes_field(c, "output"), c.get("error")) {
                (Ok(msg), Some(want), _) if msg == want => Ok(()),
                (Ok(msg), Some(want), _) => Err(format!(
                    "output: got {:?}, want {:?}",
                    lossy(&msg),
                    lossy(&want)
                )),
                (Err(e), _, Some(want)) => {
                    expect("error", e.to_string().as_str(), want.as_str().unwrap_or(""))
                }
                (got, _, _) => Err(format!("unexpected result {got:?}")),
            }
        });
    }
    t.finish();
}

/// A lookup that answers every (name, hash) with one verifier (`fixed_verifier`).
struct Fixed(Verifier);

impl Verifiers for Fixed {
    fn verifier(&self, _: &str, _: u32) -> Result<&Verifier, NoteError> {
        Ok(&self.0)
    }
}

/// `open[]`: a message and known verifiers → the note, or an error (of a kind).
fn open(v: &Value) {
    let mut t = Tally::new("note.json/open");
    for c in cases(v, "open") {
        t.check(str_of(c, "desc"), || {
            let msg = message(c)?;
            let got = match c.get("fixed_verifier").and_then(Value::as_str) {
                Some(key) => {
                    let fixed = Fixed(Verifier::new(key).map_err(|e| format!("{key}: {e}"))?);
                    note::open(&msg, &fixed)
                }
                None => note::open(&msg, &verifiers(c.get("verifiers"))?),
            };
            let want_error = c.get("error").and_then(Value::as_str);
            let want_kind = c.get("error_kind").and_then(Value::as_str);
            match got {
                Ok(n) if want_error.is_none() && want_kind.is_none() => expect_note(c, &n),
                Ok(n) => Err(format!("opened {n:?}, want an error")),
                Err(e) if want_error.is_none() && want_kind.is_none() => {
                    Err(format!("error {e:?}, want a note"))
                }
                Err(e) => {
                    if let Some(want) = want_error {
                        expect("error", e.to_string().as_str(), want)?;
                    }
                    if let Some(want) = want_kind {
                        let kinds = kind_names(&e);
                        if !kinds.contains(&want) {
                            return Err(format!("error {e:?} is of kind {kinds:?}, want {want}"));
                        }
                    }
                    match e {
                        NoteError::Unverified(n) if c.get("text").is_some() => expect_note(c, &n),
                        _ => Ok(()),
                    }
                }
            }
        });
    }
    t.finish();
}

/// The names an `error_kind` may give each error (Go's error types and values).
fn kind_names(e: &NoteError) -> &'static [&'static str] {
    match e {
        NoteError::Unverified(_) => &["unverified_note"],
        NoteError::MismatchedVerifier => &["mismatched_verifier"],
        NoteError::InvalidSignature { .. } => &["invalid_signature"],
        NoteError::UnknownKey { .. } => &["unknown_verifier", "unknown_key"],
        NoteError::AmbiguousKey { .. } => &["ambiguous_verifier", "ambiguous_key"],
        NoteError::MalformedNote => &["malformed_note"],
        NoteError::InvalidSigner => &["invalid_signer"],
        NoteError::MalformedKey => &["malformed_verifier_id", "verifier_id"],
        NoteError::UnknownAlgorithm => &["unknown_verifier_algorithm", "verifier_alg"],
        NoteError::KeyHashMismatch => &["invalid_verifier_hash", "verifier_hash"],
    }
}

/// The case's message: `msg`, `msg_hex`, or `msg_repeat` (`prefix` + `count` × `unit`
/// + optional `suffix`).
fn message(c: &Value) -> Result<Vec<u8>, String> {
    if let Some(m) = bytes_field(c, "msg") {
        return Ok(m);
    }
    let r = c.get("msg_repeat").ok_or("no msg, msg_hex or msg_repeat")?;
    let part = |key: &str| bytes_field(r, key).unwrap_or_default();
    let count = r["count"].as_u64().ok_or("msg_repeat without count")?;
    let mut msg = part("prefix");
    for _ in 0..count {
        msg.extend(part("unit"));
    }
    msg.extend(part("suffix"));
    Ok(msg)
}

/// Compares a note with the case's `text`, `sigs` and `unverified_sigs`.
fn expect_note(c: &Value, n: &Note) -> Result<(), String> {
    if let Some(text) = bytes_field(c, "text") {
        expect("text", n.text.as_str(), utf8(text)?.as_str())?;
    }
    expect("sigs", &n.sigs, &signatures(c.get("sigs"))?)?;
    expect(
        "unverified_sigs",
        &n.unverified_sigs,
        &signatures(c.get("unverified_sigs"))?,
    )
}

/// `verifier_list[]`: (name, hash) looked up in a list of keys → the key or an error.
fn verifier_list(v: &Value) {
    let mut t = Tally::new("note.json/verifier_list");
    for c in cases(v, "verifier_list") {
        let name = str_of(c, "name");
        t.check(format!("{name}+{}", c["hash"]), || {
            let list = verifiers(c.get("list"))?;
            let got = list.verifier(name, hash_of(&c["hash"])?);
            match (got, c.get("result").and_then(Value::as_str), c.get("error")) {
                (Ok(found), Some(want), _) => {
                    let want = Verifier::new(want).map_err(|e| format!("{want}: {e}"))?;
                    expect("verifier", found, &want)
                }
                (Err(e), _, Some(want)) => {
                    expect("error", e.to_string().as_str(), want.as_str().unwrap_or(""))
                }
                (got, _, _) => Err(format!("unexpected result {got:?}")),
            }
        });
    }
    t.finish();
}

/// `example_open_output`: the Go example's `"%s (%08x):\n%s"` of the first signature
/// and the text.
fn example_open_output(v: &Value) {
    let mut t = Tally::new("note.json/example_open_output");
    let examples = match v.get("example_open_output") {
        Some(Value::Array(a)) => a.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    for c in &examples {
        t.check("example", || {
            let n = note::open(&message(c)?, &verifiers(c.get("verifiers"))?)
                .map_err(|e| e.to_string())?;
            let first = n.sigs.first().ok_or("no signature")?;
            let printed = format!("{} ({:08x}):\n{}", first.name, first.hash, n.text);
            expect(
                "printed",
                printed,
                utf8(bytes_field(c, "printed").ok_or("no printed")?)?,
            )
        });
    }
    t.finish();
}

fn verifiers(list: Option<&Value>) -> Result<VerifierList, String> {
    let keys = strings(list)?;
    let parsed = keys
        .iter()
        .map(|k| Verifier::new(k).map_err(|e| format!("verifier key {k}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(VerifierList::new(parsed))
}

/// Each element of an optional JSON list (absent = empty), converted by `f`.
fn list_of<T>(
    list: Option<&Value>,
    f: impl Fn(&Value) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    match list {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(f).collect(),
        Some(other) => Err(format!("not a list: {other}")),
    }
}

fn strings(list: Option<&Value>) -> Result<Vec<String>, String> {
    list_of(list, |s| {
        s.as_str()
            .map(str::to_string)
            .ok_or(format!("not a string: {s}"))
    })
}

fn signatures(list: Option<&Value>) -> Result<Vec<Signature>, String> {
    list_of(list, |s| {
        Ok(Signature {
            name: str_of(s, "name").to_string(),
            hash: hash_of(&s["hash"])?,
            base64: str_of(s, "base64").to_string(),
        })
    })
}

/// A key hash: eight hex digits, or a number.
fn hash_of(v: &Value) -> Result<u32, String> {
    match v {
        Value::String(s) => u32::from_str_radix(s, 16).map_err(|e| format!("hash {s}: {e}")),
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or(format!("hash {n}")),
        other => Err(format!("no hash: {other}")),
    }
}

fn utf8(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn expect<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}
