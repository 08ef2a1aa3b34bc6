//! Go string literals: `strconv.Quote`, `strconv.QuoteRune` and `strconv.Unquote`.
//!
//! Go's error messages quote paths, versions and file names with `%q`, and go.mod
//! accepts interpreted (`"…"`) and raw (`` `…` ``) string literals. Both must match Go
//! byte for byte, including for input that is not valid UTF-8, so quoting takes bytes.

use crate::gounicode;
use std::fmt::Write as _;

/// Go's `strconv.Quote` of a byte string (what `%q` prints for a Go string).
pub fn quote(s: impl AsRef<[u8]>) -> String {
    let mut out = String::with_capacity(s.as_ref().len() + 2);
    out.push('"');
    for chunk in s.as_ref().utf8_chunks() {
        for c in chunk.valid().chars() {
            push_escaped(&mut out, c, '"');
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.QuoteRune` (what `%q` prints for a rune), e.g. `'\''`.
pub fn quote_rune(c: char) -> String {
    let mut out = String::from("'");
    push_escaped(&mut out, c, '\'');
    out.push('\'');
    out
}

fn push_escaped(out: &mut String, c: char, quote: char) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if gounicode::is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if c < ' ' || c == '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

/// Why [`unquote`] rejected its input; Go reports every case as `invalid syntax`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid syntax")]
pub struct UnquoteError;

/// Go's `strconv.Unquote` for `"…"`, `` `…` `` and `'…'` literals. The result is bytes
/// because `\x` and octal escapes can produce any byte sequence.
pub fn unquote(s: &str) -> Result<Vec<u8>, UnquoteError> {
    let b = s.as_bytes();
    if b.len() < 2 {
        return Err(UnquoteError);
    }
    let quote = b[0];
    if b[b.len() - 1] != quote {
        return Err(UnquoteError);
    }
    let body = &s[1..s.len() - 1];
    match quote {
        b'`' => {
            if body.contains('`') {
                return Err(UnquoteError);
            }
            Ok(body.bytes().filter(|&c| c != b'\r').collect())
        }
        b'"' | b'\'' => unquote_interpreted(body, quote),
        _ => Err(UnquoteError),
    }
}

fn unquote_interpreted(mut rest: &str, quote: u8) -> Result<Vec<u8>, UnquoteError> {
    let mut out = Vec::with_capacity(rest.len());
    let mut runes = 0;
    while !rest.is_empty() {
        let first = rest.as_bytes()[0];
        if first == b'\n' || first == quote {
            return Err(UnquoteError);
        }
        let (piece, tail) = unquote_char(rest, quote)?;
        match piece {
            Piece::Byte(v) => out.push(v),
            Piece::Rune(c) => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
        rest = tail;
        runes += 1;
    }
    if quote == b'\'' && runes != 1 {
        return Err(UnquoteError);
    }
    Ok(out)
}

enum Piece {
    Byte(u8),
    Rune(char),
}

/// One character or escape sequence of an interpreted literal (Go's `UnquoteChar`).
fn unquote_char(s: &str, quote: u8) -> Result<(Piece, &str), UnquoteError> {
    let mut chars = s.chars();
    let c = chars.next().ok_or(UnquoteError)?;
    if c != '\\' {
        return Ok((Piece::Rune(c), chars.as_str()));
    }
    let esc = chars.next().ok_or(UnquoteError)?;
    let rest = chars.as_str();
    let simple = |b: u8| Ok((Piece::Byte(b), rest));
    match esc {
        'a' => simple(7),
        'b' => simple(8),
        'f' => simple(12),
        'n' => simple(b'\n'),
        'r' => simple(b'\r'),
        't' => simple(b'\t'),
        'v' => simple(11),
        '\\' => simple(b'\\'),
        '\'' | '"' if esc as u32 == quote as u32 => simple(esc as u8),
        'x' | 'u' | 'U' => {
            let n = match esc {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let digits = rest.get(..n).ok_or(UnquoteError)?;
            if !digits.bytes().all(|d| d.is_ascii_hexdigit()) {
                return Err(UnquoteError);
            }
            let v = u32::from_str_radix(digits, 16).map_err(|_| UnquoteError)?;
            let rest = &rest[n..];
            if esc == 'x' {
                return Ok((Piece::Byte(v as u8), rest));
            }
            let c = char::from_u32(v).ok_or(UnquoteError)?;
            Ok((Piece::Rune(c), rest))
        }
        '0'..='7' => {
            let digits = s.get(1..4).ok_or(UnquoteError)?;
            if !digits.bytes().all(|d| (b'0'..=b'7').contains(&d)) {
                return Err(UnquoteError);
            }
            let v = u32::from_str_radix(digits, 8).map_err(|_| UnquoteError)?;
            if v > 255 {
                return Err(UnquoteError);
            }
            Ok((Piece::Byte(v as u8), &s[4..]))
        }
        _ => Err(UnquoteError),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_go() {
        assert_eq!(quote("abc"), r#""abc""#);
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("tab\there\n"), r#""tab\there\n""#);
        assert_eq!(quote(b"\xff"), r#""\xff""#);
        assert_eq!(quote("\u{7f}\u{1}"), r#""\x7f\x01""#);
        assert_eq!(quote("é語"), "\"é語\"");
        assert_eq!(quote("\u{a0}\u{2028}"), r#""\u00a0\u2028""#);
        assert_eq!(quote("\u{e0001}"), r#""\U000e0001""#);
        assert_eq!(quote("\u{fffd}"), "\"\u{fffd}\"");
        assert_eq!(quote(b"a\xe2\x82b"), r#""a\xe2\x82b""#);
    }

    #[test]
    fn quote_rune_matches_go() {
        assert_eq!(quote_rune('\''), r"'\''");
        assert_eq!(quote_rune('"'), "'\"'");
        assert_eq!(quote_rune('*'), "'*'");
        assert_eq!(quote_rune('\n'), r"'\n'");
    }

    #[test]
    fn unquote_matches_go() {
        assert_eq!(unquote(r#""abc""#).unwrap(), b"abc");
        assert_eq!(
            unquote(r#""a\tb\x41\101\u00e9""#).unwrap(),
            "a\tbAAé".as_bytes()
        );
        assert_eq!(unquote(r#""\xff""#).unwrap(), b"\xff");
        assert_eq!(unquote("`a\\n\r`").unwrap(), b"a\\n");
        assert_eq!(unquote("'x'").unwrap(), b"x");
        assert_eq!(unquote(r#""\'""#), Err(UnquoteError));
        assert_eq!(unquote(r"'\''").unwrap(), b"'");
        assert_eq!(unquote("\"a\nb\""), Err(UnquoteError));
        assert_eq!(unquote(r#""a"b""#), Err(UnquoteError));
        assert_eq!(unquote(r#""\400""#), Err(UnquoteError));
        assert_eq!(unquote(r#""\ud800""#), Err(UnquoteError));
        assert_eq!(unquote("\""), Err(UnquoteError));
        assert_eq!(unquote("'ab'"), Err(UnquoteError));
        assert_eq!(unquote("abc"), Err(UnquoteError));
    }

    #[test]
    fn roundtrip() {
        for s in ["", "plain", "quote\"d", "nl\n", "ctl\u{1}", "é", "\u{2028}"] {
            assert_eq!(unquote(&quote(s)).unwrap(), s.as_bytes(), "{s:?}");
        }
    }
}
