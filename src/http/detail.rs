//! The `server response:` detail of an HTTP error (`cmd/go/internal/web/api.go`).
//!
//! Go keeps a summary of an error body only when the response says it is plain text in
//! UTF-8 or ASCII (`text/plain` with no charset, `utf-8` or `us-ascii`, media type
//! parsed as `mime.ParseMediaType` does), and only if the captured text is valid UTF-8
//! made of graphic characters and white space. The summary is the lines up to the first
//! blank one, at most 8 lines and 648 bytes, joined with `\n\t`, with
//! `[Truncated: too many lines.]` / `[Truncated: too long.]` markers.
//!
//! Go captures "the first read" of a body (in practice the whole body of a short error
//! page); we capture the first [`DETAIL_CAPTURE_LIMIT`] bytes, then stop reading (Go
//! drains the body to its end, which an endless error page would never reach).

use crate::gounicode;

/// How much of an error body is read for its detail.
pub const DETAIL_CAPTURE_LIMIT: usize = 64 * 1024;

const MAX_LINES: usize = 8;
const MAX_BYTES: usize = MAX_LINES * 81;

fn is_token_char(c: u8) -> bool {
    c > 0x20 && c < 0x7f && !b"()<>@,;:\\\"/[]?=".contains(&c)
}

fn consume_token(v: &str) -> (&str, &str) {
    let i = v.bytes().position(|c| !is_token_char(c)).unwrap_or(v.len());
    v.split_at(i)
}

/// Go's `mime.ParseMediaType`, reduced to what the detail rule needs: the lower-cased
/// media type (empty when invalid) and the `charset` parameter (empty when absent or
/// when the parameters do not parse).
fn media_type_and_charset(v: &str) -> (String, String) {
    let base = v.split(';').next().unwrap_or_default();
    let media = base.to_ascii_lowercase().trim().to_string();
    let (ty, rest) = consume_token(&media);
    let valid = !ty.is_empty()
        && (rest.is_empty()
            || rest
                .strip_prefix('/')
                .map(consume_token)
                .is_some_and(|(sub, r)| !sub.is_empty() && r.is_empty()));
    if !valid {
        return (String::new(), String::new());
    }
    let mut charset = String::new();
    let mut rest = &v[base.len()..];
    let mut seen: Vec<(String, String)> = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let Some(r) = rest.strip_prefix(';') else {
            return (media, String::new());
        };
        let r = r.trim_start();
        let (key, r) = consume_token(r);
        let key = key.to_ascii_lowercase();
        let r = r.trim_start();
        let param = if key.is_empty() {
            None
        } else {
            r.strip_prefix('=')
                .and_then(|r| consume_value(r.trim_start()))
        };
        let Some((value, after)) = param else {
            if rest.trim() == ";" {
                break;
            }
            return (media, String::new());
        };
        if seen.iter().any(|(k, old)| *k == key && *old != value) {
            return (String::new(), String::new());
        }
        if key == "charset" {
            charset = value.clone();
        }
        seen.push((key, value));
        rest = after;
    }
    (media, charset)
}

/// A parameter value: a token or a quoted string; `None` when neither.
fn consume_value(v: &str) -> Option<(String, &str)> {
    if let Some(q) = v.strip_prefix('"') {
        let b = q.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'"' => return Some((String::from_utf8_lossy(&out).into_owned(), &q[i + 1..])),
                b'\\' if i + 1 < b.len() && b"()<>@,;:\\\"/[]?=".contains(&b[i + 1]) => {
                    out.push(b[i + 1]);
                    i += 2;
                    continue;
                }
                b'\r' | b'\n' => return None,
                c => out.push(c),
            }
            i += 1;
        }
        return None;
    }
    let (tok, rest) = consume_token(v);
    (!tok.is_empty()).then(|| (tok.to_string(), rest))
}

/// Whether Go collects error detail for a response with this `Content-Type`.
pub fn wants_detail(content_type: Option<&str>) -> bool {
    let (media, charset) = media_type_and_charset(content_type.unwrap_or_default());
    media == "text/plain"
        && matches!(
            charset.to_ascii_lowercase().as_str(),
            "" | "utf-8" | "us-ascii"
        )
}

/// Go's `unicode.IsGraphic(r) || unicode.IsSpace(r)`.
fn graphic_or_space(c: char) -> bool {
    gounicode::is_print(c)
        || matches!(
            c,
            '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | '\u{85}' | '\u{a0}' | '\u{1680}' | '\u{2000}'
                ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
        )
}

/// Go's `formatErrorDetail` of the captured body text.
pub fn format_detail(captured: &[u8]) -> String {
    let Ok(s) = std::str::from_utf8(captured) else {
        return String::new();
    };
    if !s.chars().all(graphic_or_space) {
        return String::new();
    }
    let mut detail = String::new();
    for (i, line) in s.split('\n').enumerate() {
        if line
            .trim_matches(|c: char| c.is_whitespace() || c == '\u{85}')
            .is_empty()
        {
            break;
        }
        if i > 0 {
            detail.push_str("\n\t");
        }
        if i >= MAX_LINES {
            detail.push_str("[Truncated: too many lines.]");
            break;
        }
        if detail.len() + line.len() > MAX_BYTES {
            detail.push_str("[Truncated: too long.]");
            break;
        }
        detail.push_str(line);
    }
    detail
}

/// The captured prefix without a trailing partial UTF-8 sequence (a body cut at
/// [`DETAIL_CAPTURE_LIMIT`] must not look invalid because of where it was cut).
pub fn trim_partial_utf8(b: &[u8]) -> &[u8] {
    let start = b.len().saturating_sub(3);
    for i in (start..b.len()).rev() {
        let c = b[i];
        if c & 0xc0 == 0xc0 {
            let need = if c >= 0xf0 {
                4
            } else if c >= 0xe0 {
                3
            } else {
                2
            };
            return if b.len() - i < need { &b[..i] } else { b };
        }
        if c & 0x80 == 0 {
            return b;
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert!(wants_detail(Some("text/plain")));
        assert!(wants_detail(Some("text/plain; charset=utf-8")));
        assert!(wants_detail(Some("TEXT/Plain; Charset=\"US-ASCII\"")));
        assert!(wants_detail(Some("text/plain; charset=utf-8;")));
        assert!(wants_detail(Some("text/plain; charset")));
        assert!(!wants_detail(Some("text/plain; charset=latin1")));
        assert!(!wants_detail(Some("text/html")));
        assert!(!wants_detail(Some("application/json")));
        assert!(!wants_detail(None));
        assert!(!wants_detail(Some("text/plain; a=1; a=2")));
    }

    #[test]
    fn formatting() {
        assert_eq!(format_detail(b"not found: x\n"), "not found: x");
        assert_eq!(format_detail(b"a\nb\n\nc"), "a\n\tb");
        assert_eq!(format_detail(b"\nb"), "");
        assert_eq!(format_detail(b"a\x01"), "");
        assert_eq!(format_detail(b"a\xff"), "");
        let many: String = (0..10).map(|i| format!("l{i}\n")).collect();
        assert_eq!(
            format_detail(many.as_bytes()),
            "l0\n\tl1\n\tl2\n\tl3\n\tl4\n\tl5\n\tl6\n\tl7\n\t[Truncated: too many lines.]"
        );
        let long = "x".repeat(700);
        assert_eq!(format_detail(long.as_bytes()), "[Truncated: too long.]");
        assert_eq!(trim_partial_utf8("aé".as_bytes()), "aé".as_bytes());
        assert_eq!(trim_partial_utf8(&"aé".as_bytes()[..2]), b"a");
    }
}
