//! Go's view of byte strings, as the go.mod reader and printer need it.
//!
//! go.mod files come from the network and need not be UTF-8. Go's `string` is a byte
//! string and its text functions decode it rune by rune, turning every byte that does
//! not start a valid UTF-8 sequence into U+FFFD of width 1. The lexer, the printer and
//! the comment helpers use these functions so that positions, trimming and splitting
//! agree with Go on every input, valid UTF-8 or not.

use std::borrow::Cow;

/// The replacement rune Go's decoder yields for a byte that is not valid UTF-8.
pub const RUNE_ERROR: char = '\u{FFFD}';

/// Go's `utf8.DecodeRune`: the first rune of `b` and its width in bytes. An invalid
/// byte decodes to U+FFFD of width 1; empty input gives U+FFFD of width 0.
pub fn decode_rune(b: &[u8]) -> (char, usize) {
    let head = &b[..b.len().min(4)];
    match head.utf8_chunks().next() {
        Some(chunk) => match chunk.valid().chars().next() {
            Some(c) => (c, c.len_utf8()),
            None => (RUNE_ERROR, 1),
        },
        None => (RUNE_ERROR, 0),
    }
}

/// The number of runes Go counts in `b` (`utf8.RuneCount`).
pub fn rune_count(b: &[u8]) -> usize {
    b.utf8_chunks()
        .map(|c| c.valid().chars().count() + c.invalid().len())
        .sum()
}

/// Go's `unicode.IsSpace`.
pub fn is_space(c: char) -> bool {
    // For Latin-1 Go lists the ASCII spaces plus U+0085 and U+00A0; above it uses the
    // White_Space property, which is exactly what Rust's `is_whitespace` tests.
    c.is_whitespace()
}

/// Go's `bytes.TrimSpace`: drops leading and trailing runes that are [`is_space`].
/// Invalid UTF-8 is never space.
pub fn trim_space(mut b: &[u8]) -> &[u8] {
    loop {
        let (c, n) = decode_rune(b);
        if n == 0 || !(c != RUNE_ERROR && is_space(c)) {
            break;
        }
        b = &b[n..];
    }
    while let Some((c, n)) = last_rune(b) {
        if !is_space(c) {
            break;
        }
        b = &b[..b.len() - n];
    }
    b
}

/// The last rune of `b` when it is valid UTF-8 (invalid bytes are never space, so the
/// trimming loop may stop at them).
fn last_rune(b: &[u8]) -> Option<(char, usize)> {
    let start = b.len().saturating_sub(4);
    for i in (start..b.len()).rev() {
        if let Ok(s) = std::str::from_utf8(&b[i..]) {
            let c = s.chars().next()?;
            return (c.len_utf8() == b.len() - i).then_some((c, b.len() - i));
        }
    }
    None
}

/// Go's `strings.Fields`: the non-empty runs of non-space runes.
pub fn fields(b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = None;
    let mut i = 0;
    while i < b.len() {
        let (c, n) = decode_rune(&b[i..]);
        let space = c != RUNE_ERROR && is_space(c);
        match (space, start) {
            (true, Some(s)) => {
                out.push(&b[s..i]);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
        i += n;
    }
    if let Some(s) = start {
        out.push(&b[s..]);
    }
    out
}

/// `b` as text the way Go's decoder sees it: every byte that is not valid UTF-8
/// becomes U+FFFD (one per byte, as ranging over a Go string yields them).
pub fn lossy(b: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(b) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(b.len() + 8);
    for chunk in b.utf8_chunks() {
        out.push_str(chunk.valid());
        for _ in chunk.invalid() {
            out.push(RUNE_ERROR);
        }
    }
    Cow::Owned(out)
}

/// Whether `b` contains `needle`.
pub fn contains(b: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || b.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_matches_go() {
        assert_eq!(decode_rune(b""), (RUNE_ERROR, 0));
        assert_eq!(decode_rune(b"a"), ('a', 1));
        assert_eq!(decode_rune("é!".as_bytes()), ('é', 2));
        assert_eq!(decode_rune(b"\xe2\x82"), (RUNE_ERROR, 1));
        assert_eq!(decode_rune(b"\xed\xa0\x80"), (RUNE_ERROR, 1)); // surrogate
        assert_eq!(rune_count(b"a\xe2\x82b"), 4);
    }

    #[test]
    fn trim_and_fields() {
        assert_eq!(trim_space(b" \t x y \r\n"), b"x y");
        assert_eq!(trim_space("\u{a0}x\u{3000}".as_bytes()), b"x");
        assert_eq!(trim_space(b"\xff "), b"\xff");
        assert_eq!(trim_space(b"  "), b"");
        assert_eq!(fields(b" indirect;  x "), vec![&b"indirect;"[..], b"x"]);
        assert!(fields(b"   ").is_empty());
    }

    #[test]
    fn lossy_is_per_byte() {
        assert_eq!(lossy(b"a\xe2\x82b"), "a\u{fffd}\u{fffd}b");
        assert_eq!(lossy(b"ok"), "ok");
    }
}
