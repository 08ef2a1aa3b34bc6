//! The text forms the checksum database signs and serves: tree heads and records.
//!
//! A tree head is three lines, `go.sum database tree`, the record count in decimal and
//! the tree hash in base64; lines after the third are ignored (room for
//! backwards-compatible additions), and the count must be written canonically so that
//! one tree has one text. A record is its id in decimal, a newline, the record text
//! (valid UTF-8, no control characters but `\n`, no blank lines, ending in `\n`) and a
//! terminating blank line; a lookup response is a record followed by the signed tree
//! head. Parsing accepts exactly what Go's parser accepts, down to its integer syntax.

use super::{Hash, TlogError};

/// A tree head: the number of records and the hash of the tree over them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Tree {
    /// The number of records in the tree.
    pub n: u64,
    /// The tree hash (RFC 6962 Merkle tree hash of the records).
    pub hash: Hash,
}

/// The first line of every tree head.
const TREE_PREFIX: &[u8] = b"go.sum database tree\n";

/// Go refuses tree notes above 1e6 bytes.
const MAX_TREE_TEXT: usize = 1_000_000;

/// The tree head text that the database signs.
pub fn format_tree(tree: Tree) -> Vec<u8> {
    format!("go.sum database tree\n{}\n{}\n", tree.n, tree.hash).into_bytes()
}

/// Parses a tree head; anything after the third line is ignored.
///
/// The count must be canonical decimal (no sign, no leading zeros) and at most
/// 2^63−1, Go's `int64`. The hash is decoded as Go's `base64.StdEncoding` does (see
/// [`Hash::parse`]).
pub fn parse_tree(text: &[u8]) -> Result<Tree, TlogError> {
    if !text.starts_with(TREE_PREFIX)
        || text.iter().filter(|&&b| b == b'\n').count() < 3
        || text.len() > MAX_TREE_TEXT
    {
        return Err(TlogError::MalformedTree);
    }
    let mut lines = text.splitn(4, |&b| b == b'\n').skip(1);
    let (Some(count), Some(hash)) = (lines.next(), lines.next()) else {
        return Err(TlogError::MalformedTree);
    };
    let count = std::str::from_utf8(count).map_err(|_| TlogError::MalformedTree)?;
    let n = parse_go_int64(count)
        .filter(|&n| n >= 0 && n.to_string() == count)
        .ok_or(TlogError::MalformedTree)?;
    let hash = std::str::from_utf8(hash).map_err(|_| TlogError::MalformedTree)?;
    let hash = Hash::parse(hash).map_err(|_| TlogError::MalformedTree)?;
    Ok(Tree {
        n: n.unsigned_abs(),
        hash,
    })
}

/// Formats a record as a lookup response starts: `<id>\n<text>\n`.
///
/// The text must be valid record text (see the module docs), else
/// [`TlogError::MalformedRecord`].
pub fn format_record(id: u64, text: &[u8]) -> Result<Vec<u8>, TlogError> {
    if !is_valid_record_text(text) {
        return Err(TlogError::MalformedRecord);
    }
    let mut msg = format!("{id}\n").into_bytes();
    msg.extend_from_slice(text);
    msg.push(b'\n');
    Ok(msg)
}

/// Parses the record at the start of `msg`: its id, its text (ending in `\n`) and
/// everything after the terminating blank line.
///
/// The id is Go's `int64` with Go's `strconv.ParseInt` syntax, so a leading sign or
/// zeros are accepted and a server can send a negative id. Go's client passes such an
/// id on unchanged: its record check then reads stored hash 0 (`StoredHashIndex(0, n)`
/// is 0 for n < 0) and fails with "cannot authenticate record data in server
/// response"; callers that want the same outcome can map a negative id to index 0.
pub fn parse_record(msg: &[u8]) -> Result<(i64, &[u8], &[u8]), TlogError> {
    let nl = msg
        .iter()
        .position(|&b| b == b'\n')
        .ok_or(TlogError::MalformedRecord)?;
    let id = std::str::from_utf8(&msg[..nl])
        .ok()
        .and_then(parse_go_int64)
        .ok_or(TlogError::MalformedRecord)?;
    let body = &msg[nl + 1..];
    let end = body
        .windows(2)
        .position(|w| w == b"\n\n")
        .ok_or(TlogError::MalformedRecord)?;
    let (text, rest) = (&body[..end + 1], &body[end + 2..]);
    if !is_valid_record_text(text) {
        return Err(TlogError::MalformedRecord);
    }
    Ok((id, text, rest))
}

/// Whether `text` is record text: non-empty valid UTF-8 ending in `\n`, with no blank
/// line and no control character below U+0020 other than `\n`.
pub fn is_valid_record_text(text: &[u8]) -> bool {
    std::str::from_utf8(text).is_ok()
        && text.last() == Some(&b'\n')
        && !text.iter().any(|&b| b < 0x20 && b != b'\n')
        && !text.windows(2).any(|w| w == b"\n\n")
}

/// Go's `strconv.ParseInt(s, 10, 64)`: optional sign, ASCII digits, in `int64` range.
/// Rust's integer parser accepts exactly that syntax for base 10.
fn parse_go_int64(s: &str) -> Option<i64> {
    s.parse::<i64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sumdb::tlog::record_hash;

    const GOLDEN: &str =
        "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n";

    fn golden_tree() -> Tree {
        Tree {
            n: 123456789012,
            hash: record_hash(b"hello world"),
        }
    }

    #[test]
    fn tree_round_trips_and_ignores_trailing_lines() {
        assert_eq!(format_tree(golden_tree()), GOLDEN.as_bytes());
        for extra in ["", "JOE", "JOE\n", &"JOE\n".repeat(1000)] {
            let text = format!("{GOLDEN}{extra}");
            assert_eq!(
                parse_tree(text.as_bytes()).ok(),
                Some(golden_tree()),
                "{extra:?}"
            );
        }
    }

    #[test]
    fn tree_rejects_what_go_rejects() {
        let bad = [
            format!("not-{GOLDEN}"),
            GOLDEN.replace("123456789012", "0xabcdef"),
            GOLDEN.replace("Bb0=", "BTOOBIG="),
            GOLDEN.replace("123456789012", "+123456789012"),
            GOLDEN.replace("123456789012", "0123456789012"),
            GOLDEN.replace("123456789012", "-1"),
            GOLDEN.replace("123456789012", "9223372036854775808"),
            GOLDEN.replace("123456789012", ""),
            "go.sum database tree\n1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=".to_string(),
            format!("{GOLDEN}{}", "x".repeat(MAX_TREE_TEXT)),
        ];
        for text in bad {
            assert!(
                matches!(parse_tree(text.as_bytes()), Err(TlogError::MalformedTree)),
                "{text:.80?}"
            );
        }
        assert_eq!(TlogError::MalformedTree.to_string(), "malformed tree note");
    }

    #[test]
    fn tree_hash_decodes_like_go_base64() {
        // Go's decoder skips '\r' and ignores the unused low bits of the last symbol.
        for (from, to) in [("Bb0=", "Bb0=\r"), ("Bb0=", "Bb1="), ("Tszz", "Ts\rzz")] {
            let text = GOLDEN.replace(from, to);
            assert_eq!(
                parse_tree(text.as_bytes()).ok(),
                Some(golden_tree()),
                "{text:?}"
            );
        }
        let max = GOLDEN.replace("123456789012", "9223372036854775807");
        assert_eq!(
            parse_tree(max.as_bytes()).map(|t| t.n).ok(),
            Some(i64::MAX as u64)
        );
    }

    #[test]
    fn record_format_and_validity() {
        assert_eq!(
            format_record(123456789012, b"hello, world\n").ok(),
            Some(b"123456789012\nhello, world\n\n".to_vec())
        );
        for bad in [
            &b""[..],
            b"hello\nworld",
            b"hello\n\nworld\n",
            b"hello\x01world\n",
            b"hello\xffworld\n",
            b"tab\there\n",
        ] {
            assert!(
                matches!(format_record(1, bad), Err(TlogError::MalformedRecord)),
                "{bad:?}"
            );
        }
        // A lone newline is a record; DEL, C1 controls and U+FFFD itself are allowed.
        assert_eq!(format_record(1, b"\n").ok(), Some(b"1\n\n\n".to_vec()));
        assert!(is_valid_record_text(
            "a\u{7f}\u{85}\u{fffd}\nb\n".as_bytes()
        ));
    }

    #[test]
    fn record_parse() {
        let (id, text, rest) =
            parse_record(b"123456789012\nhello, world\n\njunk on end\x01\xff").unwrap();
        assert_eq!(
            (id, text, rest),
            (
                123456789012,
                &b"hello, world\n"[..],
                &b"junk on end\x01\xff"[..]
            )
        );
        let (_, _, rest) = parse_record(b"123456789012\nhello, world\n\n").unwrap();
        assert!(rest.is_empty());
        // Go's ParseInt syntax: signs and leading zeros pass.
        assert_eq!(parse_record(b"+007\na\n\n").map(|r| r.0).ok(), Some(7));
        assert_eq!(parse_record(b"-5\na\n\n").map(|r| r.0).ok(), Some(-5));
        assert_eq!(
            parse_record(b"1\n\n\nx").ok(),
            Some((1, &b"\n"[..], &b"x"[..]))
        );
        for bad in [
            &b"not-123456789012\nhello, world\n\n"[..],
            b"123\nhello\x01world\n\n",
            b"123\nhello\xffworld\n\n",
            b"123\nhello world\n",
            b"0x123\nhello world\n\n",
            b"123",
            b"\nhello\n\n",
            b"9223372036854775808\nhello\n\n",
        ] {
            assert!(
                matches!(parse_record(bad), Err(TlogError::MalformedRecord)),
                "{bad:?}"
            );
        }
        assert_eq!(
            TlogError::MalformedRecord.to_string(),
            "malformed record data"
        );
    }
}
