//! Differential test of `sumdb::note` against Go's own `golang.org/x/mod/sumdb/note`.
//!
//! The vendored package is copied from the installed toolchain into a throw-away module
//! with a small driver (see `support::oracle`), which answers the same questions as we
//! do: parse verifier and signer keys (and sign with the latter), and open messages
//! against lists of verifiers. The corpus is deterministic: mutations of the valid keys
//! and of signed messages with fragments that sit on the format's edges (dashes,
//! spaces, blank lines, control characters, base64 padding and newlines, non-UTF-8).
//! Every answer, error text included, must be Go's.

use crate::support::oracle::{self, Rng};
use crate::support::{self, Tally};
use gomodfetch::sumdb::note::{self, Note, NoteError, Signer, Verifier, VerifierList};

const PETER_V: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_S: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_V: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const ENOCH_S: &str = "PRIVATE+KEY+EnochRoot+af0cfe78+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// The driver: `vkey`/`skey <key>` and `open <msg> <keys, newline-separated>`.
const DRIVER: &str = r#"package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

func sigs(list []note.Signature) string {
	var b strings.Builder
	for _, s := range list {
		fmt.Fprintf(&b, "%s %08x %s;", s.Name, s.Hash, s.Base64)
	}
	return b.String()
}

func dump(n *note.Note) string {
	return n.Text + "\x00" + sigs(n.Sigs) + "\x00" + sigs(n.UnverifiedSigs)
}

func answer(op string, args [][]byte) string {
	switch op {
	case "vkey":
		v, err := note.NewVerifier(string(args[0]))
		if err != nil {
			return "err " + err.Error()
		}
		return fmt.Sprintf("ok %s %08x", v.Name(), v.KeyHash())
	case "skey":
		s, err := note.NewSigner(string(args[0]))
		if err != nil {
			return "err " + err.Error()
		}
		msg, err := note.Sign(&note.Note{Text: "t\n"}, s)
		if err != nil {
			return "err sign: " + err.Error()
		}
		return fmt.Sprintf("ok %s %08x %s", s.Name(), s.KeyHash(), msg)
	case "open":
		var list []note.Verifier
		for _, k := range strings.Split(string(args[1]), "\n") {
			if k == "" {
				continue
			}
			v, err := note.NewVerifier(k)
			if err != nil {
				return "bad key " + k
			}
			list = append(list, v)
		}
		n, err := note.Open(args[0], note.VerifierList(list...))
		if u, ok := err.(*note.UnverifiedNoteError); ok {
			return "err " + err.Error() + " " + dump(u.Note)
		}
		if err != nil {
			return "err " + err.Error()
		}
		return "ok " + dump(n)
	}
	return "unknown op " + op
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		fields := strings.Split(in.Text(), "\t")
		var args [][]byte
		for _, f := range fields[1:] {
			b, _ := hex.DecodeString(f)
			args = append(args, b)
		}
		fmt.Fprintln(out, hex.EncodeToString([]byte(answer(fields[0], args))))
	}
}
"#;

#[test]
fn note_matches_go() {
    let Some(go) = support::go("note_matches_go") else {
        return;
    };
    let sb = support::sandbox();
    let bin = match build_oracle(&go, &sb) {
        Ok(b) => b,
        Err(e) => panic!("building the note oracle: {e}"),
    };
    let requests = corpus();
    let lines: Vec<String> = requests
        .iter()
        .map(|(op, args)| {
            let hexed: Vec<String> = args.iter().map(|a| oracle::hex(a)).collect();
            format!("{op}\t{}", hexed.join("\t"))
        })
        .collect();
    let answers = oracle::ask(&bin, &lines);

    for op in ["vkey", "skey", "open"] {
        let mut t = Tally::new(format!("note-go-diff/{op}"));
        for ((_, args), want) in requests.iter().zip(&answers).filter(|((o, _), _)| *o == op) {
            let label = String::from_utf8_lossy(&args[0]).into_owned();
            t.check(format!("{label:?}"), || {
                let got = ours(op, args);
                if &got == want {
                    Ok(())
                } else {
                    Err(format!("\n   got {got:?}\n    go {want:?}"))
                }
            });
        }
        t.finish();
    }
}

fn build_oracle(go: &support::Go, sb: &support::Sandbox) -> Result<std::path::PathBuf, String> {
    let src = oracle::goroot(go, sb)?.join("src/cmd/vendor/golang.org/x/mod/sumdb/note");
    let m = sb.root().join("m");
    oracle::copy_package(&src, &m.join("sumdb/note"))?;
    oracle::build(go, sb, &m, "noteoracle", DRIVER)
}

/// Our answer, in the driver's format.
fn ours(op: &str, args: &[Vec<u8>]) -> String {
    // Keys in the corpus are UTF-8; Go rejects the others anyway.
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap_or_default();
    match op {
        "vkey" => match Verifier::new(&text(&args[0])) {
            Ok(v) => format!("ok {} {:08x}", v.name(), v.key_hash()),
            Err(e) => format!("err {e}"),
        },
        "skey" => match Signer::new(&text(&args[0])) {
            Ok(s) => {
                let t = Note {
                    text: "t\n".into(),
                    ..Note::default()
                };
                match note::sign(&t, &[&s]) {
                    Ok(msg) => format!(
                        "ok {} {:08x} {}",
                        s.name(),
                        s.key_hash(),
                        String::from_utf8_lossy(&msg)
                    ),
                    Err(e) => format!("err sign: {e}"),
                }
            }
            Err(e) => format!("err {e}"),
        },
        "open" => {
            let keys = text(&args[1]);
            let mut list = Vec::new();
            for k in keys.split('\n').filter(|k| !k.is_empty()) {
                match Verifier::new(k) {
                    Ok(v) => list.push(v),
                    Err(_) => return format!("bad key {k}"),
                }
            }
            match note::open(&args[0], &VerifierList::new(list)) {
                Ok(n) => format!("ok {}", dump(&n)),
                Err(NoteError::Unverified(n)) => {
                    format!("err note has no verifiable signatures {}", dump(&n))
                }
                Err(e) => format!("err {e}"),
            }
        }
        _ => format!("unknown op {op}"),
    }
}

fn dump(n: &Note) -> String {
    let sigs = |list: &[note::Signature]| -> String {
        list.iter()
            .map(|s| format!("{} {:08x} {};", s.name, s.hash, s.base64))
            .collect()
    };
    format!(
        "{}\0{}\0{}",
        n.text,
        sigs(&n.sigs),
        sigs(&n.unverified_sigs)
    )
}

/// Fragments spliced into keys and messages.
const FRAGS: &[&str] = &[
    "\n",
    "\n\n",
    "\r",
    "\t",
    " ",
    "\u{a0}",
    "\u{2014}",
    "\u{2014} ",
    "+",
    "=",
    "==",
    "/",
    "A",
    "x08g",
    "AAAA",
    "\u{1}",
    "\u{7f}",
    "\u{fffd}",
    "\u{85}",
    "c74f20a3",
    "C74F20A3",
    "é",
];

/// Replaces, inserts or deletes a few pieces of `base`.
fn mutate(rng: &mut Rng, base: &[u8], allow_bad_utf8: bool) -> Vec<u8> {
    let mut b = base.to_vec();
    for _ in 0..1 + rng.below(3) {
        // Mostly near the end, where the signatures are.
        let at = if rng.chance(60) {
            b.len().saturating_sub(rng.below(120))
        } else {
            rng.below(b.len() + 1)
        };
        match rng.below(4) {
            0 => {
                let end = (at + 1 + rng.below(8)).min(b.len());
                b.drain(at..end);
            }
            1 if allow_bad_utf8 => b.insert(at, 0xff),
            _ => {
                let frag = rng.pick(FRAGS).as_bytes();
                b.splice(at..at, frag.iter().copied());
            }
        }
    }
    b
}

/// Duplicates, drops or swaps whole lines of `base` (mostly signature lines).
fn shuffle_lines(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut lines: Vec<&[u8]> = base.split_inclusive(|&b| b == b'\n').collect();
    for _ in 0..1 + rng.below(3) {
        let n = lines.len();
        let (i, j) = (rng.below(n), n - 1 - rng.below(n.min(4)));
        match rng.below(3) {
            0 => lines.insert(j, lines[j]),
            1 if n > 1 => {
                lines.remove(j);
            }
            _ => lines.swap(i, j),
        }
    }
    lines.concat()
}

fn corpus() -> Vec<(&'static str, Vec<Vec<u8>>)> {
    let mut rng = Rng(0x6e6f7465);
    let mut reqs: Vec<(&'static str, Vec<Vec<u8>>)> = Vec::new();
    for key in [PETER_V, ENOCH_V] {
        reqs.push(("vkey", vec![key.into()]));
        for _ in 0..300 {
            let m = mutate(&mut rng, key.as_bytes(), false);
            if String::from_utf8(m.clone()).is_ok() {
                reqs.push(("vkey", vec![m]));
            }
        }
    }
    for key in [PETER_S, ENOCH_S] {
        reqs.push(("skey", vec![key.into()]));
        for _ in 0..300 {
            let m = mutate(&mut rng, key.as_bytes(), false);
            if String::from_utf8(m.clone()).is_ok() {
                reqs.push(("skey", vec![m]));
            }
        }
    }

    let text = "If you think cryptography is the answer to your problem,\n\
                then you don't know what your problem is.\n";
    let peter = Signer::new(PETER_S).expect("Peter's key");
    let enoch = Signer::new(ENOCH_S).expect("Enoch's key");
    let signed = |signers: &[&Signer]| {
        let n = Note {
            text: text.into(),
            ..Note::default()
        };
        note::sign(&n, signers).expect("signing the example")
    };
    let bases = [
        signed(&[&peter]),
        signed(&[&enoch]),
        signed(&[&peter, &enoch]),
        signed(&[&enoch, &peter, &enoch]),
    ];
    let lists = [
        "",
        PETER_V,
        ENOCH_V,
        &format!("{PETER_V}\n{ENOCH_V}"),
        &format!("{PETER_V}\n{PETER_V}"),
        &format!("{ENOCH_V}\n{PETER_V}\n{ENOCH_V}"),
    ]
    .map(String::from);
    for base in &bases {
        for list in &lists {
            reqs.push(("open", vec![base.clone(), list.clone().into_bytes()]));
        }
        for _ in 0..400 {
            let msg = if rng.chance(40) {
                shuffle_lines(&mut rng, base)
            } else {
                mutate(&mut rng, base, true)
            };
            let list = lists[rng.below(lists.len())].clone().into_bytes();
            reqs.push(("open", vec![msg, list]));
        }
    }
    reqs
}
