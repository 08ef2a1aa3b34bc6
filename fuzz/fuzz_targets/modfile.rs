//! go.mod and go.work parsing: no input panics; a file that parses (strict, lax, or as
//! go.work) formats to text that parses again to the same content (`go mod edit -json`)
//! and formats to itself; and `go mod edit -fmt` (sort, clean up, format) writes a file
//! that parses and whose formatting is then stable. (Not that a second `-fmt` changes
//! nothing: Go's does not promise that, see `fmt_is_not_idempotent_as_in_go` in
//! src/modfile/proptests.rs.) The same properties the unit proptests check, searched
//! for by coverage.
//!
//! Except, as in Go, for a file whose `retract` versions need quotes: Go's parser
//! rewrites a retract version token to its unquoted text (its `dontFixRetract` fixer
//! bypasses the re-quoting), so `retract "a b"` formats as `retract a b`, and
//! `retract "ab"` as a line that does not lex. `go mod edit -fmt` writes such
//! files too (a fuzzing find, checked with go 1.26; see
//! `parsing_rewrites_tokens_like_go` in src/modfile/rule.rs).

#![no_main]

use gomodfetch::modfile::{
    Errors, File, FileSyntax, Stmt, format, mod_json, module_path, must_quote, parse, parse_lax,
    parse_syntax, parse_work, work_json,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = module_path(data);
    syntax_round_trip(data);
    if let Ok(f) = parse("go.mod", data, None) {
        mod_round_trip(f, |text| parse("go.mod", text, None), true);
    }
    if let Ok(f) = parse_lax("go.mod", data) {
        mod_round_trip(f, |text| parse_lax("go.mod", text), false);
    }
    if let Ok(w) = parse_work("go.work", data, None) {
        let text = format(&w.syntax);
        let again = parse_work("go.work", &text, None)
            .unwrap_or_else(|e| panic!("formatted go.work does not parse: {e}\n{}", lossy(&text)));
        assert_eq!(work_json(&again), work_json(&w), "{}", lossy(&text));
        assert_eq!(format(&again.syntax), text);
    }
});

/// The syntax tree alone: formatting is idempotent.
fn syntax_round_trip(data: &[u8]) {
    let Ok(tree) = parse_syntax("f", data) else {
        return;
    };
    let once = format(&tree);
    let again = parse_syntax("f", &once)
        .unwrap_or_else(|e| panic!("formatted syntax does not parse: {e}\n{}", lossy(&once)));
    assert_eq!(format(&again), once);
}

/// Whether a `retract` token needs quotes, which Go's formatting then leaves off.
fn retract_needs_quotes(f: &FileSyntax) -> bool {
    let retract = |t: &[Vec<u8>]| t.first().is_some_and(|v| v == b"retract");
    let quoted = |t: &[Vec<u8>]| t.iter().any(must_quote);
    f.stmt.iter().any(|s| match s {
        Stmt::Line(l) => retract(&l.token) && quoted(&l.token),
        Stmt::Block(b) => retract(&b.token) && b.line.iter().any(|l| quoted(&l.token)),
        Stmt::Comments(_) => false,
    })
}

/// `f`, formatted and parsed again by the same `parse`, has the same content; and with
/// `fmt`, the `-fmt` rewrite parses, to a file that formats to that text again.
///
/// Not for lax parses: `go mod edit -fmt` parses strictly, and a block lax parsing
/// ignores (`go 1 (` … `)`) becomes a single line when cleaned up with one line left,
/// which need not parse (Go's `Cleanup` does the same; a fuzzing find, checked with
/// golang.org/x/mod v0.43.0's `ParseLax`, `SortBlocks`, `Cleanup`, `Format`).
fn mod_round_trip(mut f: File, parse: impl Fn(&[u8]) -> Result<File, Errors>, fmt: bool) {
    if retract_needs_quotes(&f.syntax) {
        let _ = f.format();
        return;
    }
    let text = f.format();
    let g = parse(&text)
        .unwrap_or_else(|e| panic!("formatted go.mod does not parse: {e}\n{}", lossy(&text)));
    assert_eq!(mod_json(&g), mod_json(&f), "{}", lossy(&text));
    assert_eq!(g.format(), text);
    if !fmt {
        return;
    }

    f.sort_blocks();
    f.cleanup();
    let fmt = f.format();
    let once = parse(&fmt)
        .unwrap_or_else(|e| panic!("-fmt output does not parse: {e}\n{}", lossy(&fmt)))
        .format();
    let again = parse(&once).unwrap_or_else(|e| {
        panic!(
            "formatted -fmt output does not parse: {e}\n{}",
            lossy(&once)
        )
    });
    assert_eq!(again.format(), once);
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
