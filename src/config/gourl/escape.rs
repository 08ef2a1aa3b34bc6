//! Percent-encoding as Go's `net/url` does it, per URL component ("encoding mode").
//!
//! Which bytes stay literal differs by component: `/` in a path but not in a path
//! segment, `:` `[` `]` in a host, sub-delimiters in a fragment. Decoding is stricter
//! in hosts (no `%`-encoded ASCII except `%25`) and zones. These rules decide both
//! what `String()` prints and whether a parsed path keeps its raw spelling.

use super::ParseReason;

/// The URL component being encoded or decoded: Go's `encoding` modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Path,
    PathSegment,
    Host,
    Zone,
    UserPassword,
    QueryComponent,
    Fragment,
}

/// Bytes a host (or zone) may hold literally besides letters and digits: RFC 3986
/// sub-delimiters, `:` for the port, `[` `]` for IPv6, and `<` `>` `"`, which Go
/// accepts because it could not escape them anyway.
const HOST_LITERAL: &[u8] = b"!$&'()*+,;=:[]<>\"";

/// Bytes `validEncoded` accepts in any component, escaped or not.
const ENCODED_LITERAL: &[u8] = b"!$&'()*+,;=:@[]%";

/// Go's `shouldEscape`: whether `c` must be percent-encoded in component `mode`.
fn should_escape(c: u8, mode: Encoding) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Encoding::Host | Encoding::Zone) && HOST_LITERAL.contains(&c) {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Encoding::Path => c == b'?',
                Encoding::PathSegment => matches!(c, b'/' | b';' | b',' | b'?'),
                Encoding::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Encoding::QueryComponent => true,
                Encoding::Fragment => false,
                // Host and zone fall through to "everything else".
                Encoding::Host | Encoding::Zone => true,
            };
        }
        _ => {}
    }
    if mode == Encoding::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn unhex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

/// Go's `unescape`: decodes `%XX` (and `+` in query components), with the
/// per-component checks and error texts of `net/url`.
pub(super) fn unescape(s: &str, mode: Encoding) -> Result<Vec<u8>, ParseReason> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                if i + 2 >= b.len()
                    || !b[i + 1].is_ascii_hexdigit()
                    || !b[i + 2].is_ascii_hexdigit()
                {
                    let end = (i + 3).min(b.len());
                    return Err(ParseReason::Escape(b[i..end].to_vec()));
                }
                let esc = &b[i..i + 3];
                if mode == Encoding::Host && unhex(b[i + 1]) < 8 && esc != b"%25" {
                    return Err(ParseReason::Escape(esc.to_vec()));
                }
                if mode == Encoding::Zone {
                    let v = unhex(b[i + 1]) << 4 | unhex(b[i + 2]);
                    if esc != b"%25" && v != b' ' && should_escape(v, Encoding::Host) {
                        return Err(ParseReason::Escape(esc.to_vec()));
                    }
                }
                i += 3;
            }
            c => {
                if matches!(mode, Encoding::Host | Encoding::Zone)
                    && c < 0x80
                    && should_escape(c, mode)
                {
                    return Err(ParseReason::HostCharacter(vec![c]));
                }
                i += 1;
            }
        }
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                out.push(unhex(b[i + 1]) << 4 | unhex(b[i + 2]));
                i += 3;
            }
            b'+' if mode == Encoding::QueryComponent => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Go's `escape`: percent-encodes (upper-case hex) what component `mode` does not
/// allow literally; spaces become `+` in query components. The result is ASCII.
pub(super) fn escape(s: &[u8], mode: Encoding) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &c in s {
        if c == b' ' && mode == Encoding::QueryComponent {
            out.push('+');
        } else if should_escape(c, mode) {
            out.push('%');
            out.push(char::from(HEX[usize::from(c >> 4)]));
            out.push(char::from(HEX[usize::from(c & 15)]));
        } else {
            out.push(char::from(c));
        }
    }
    out
}

/// Go's `validEncoded`: whether `s` is an acceptable encoded spelling in `mode`.
pub(super) fn valid_encoded(s: &str, mode: Encoding) -> bool {
    s.bytes()
        .all(|c| ENCODED_LITERAL.contains(&c) || !should_escape(c, mode))
}

/// `url.PathEscape`: encodes `s` for use as one path segment.
pub fn path_escape(s: &str) -> String {
    escape(s.as_bytes(), Encoding::PathSegment)
}

/// `url.PathUnescape`.
pub fn path_unescape(s: &str) -> Result<Vec<u8>, ParseReason> {
    unescape(s, Encoding::PathSegment)
}

/// `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    escape(s.as_bytes(), Encoding::QueryComponent)
}
