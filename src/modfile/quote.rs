//! The syntax of string arguments in go.mod: quoting, unquoting, directory paths, and
//! the quick module-path extraction that works even on files that do not parse.

use super::error::QuoteError;
use super::text;
use crate::{gostr, gounicode};

/// Whether `s` must be quoted to be a single go.mod token (Go's `MustQuote`): it is
/// empty, contains a space, a quote, a non-printable rune, `//` or `/*`, or is longer
/// than one byte and contains punctuation.
pub fn must_quote(s: impl AsRef<[u8]>) -> bool {
    let s = s.as_ref();
    let mut i = 0;
    while i < s.len() {
        let (r, n) = text::decode_rune(&s[i..]);
        match r {
            ' ' | '"' | '\'' | '`' => return true,
            '(' | ')' | '[' | ']' | '{' | '}' | ',' => {
                if s.len() > 1 {
                    return true;
                }
            }
            r => {
                if !gounicode::is_print(r) {
                    return true;
                }
            }
        }
        i += n;
    }
    s.is_empty() || text::contains(s, b"//") || text::contains(s, b"/*")
}

/// `s`, quoted with Go's `strconv.Quote` when [`must_quote`] says so (Go's `AutoQuote`).
pub fn auto_quote(s: impl AsRef<[u8]>) -> Vec<u8> {
    let s = s.as_ref();
    if must_quote(s) {
        gostr::quote(s).into_bytes()
    } else {
        s.to_vec()
    }
}

/// Like [`auto_quote`], for text.
pub fn auto_quote_str(s: &str) -> String {
    if must_quote(s) {
        gostr::quote(s)
    } else {
        s.to_string()
    }
}

/// Reads a string argument: unquotes a `"…"` token, rejects other quote characters,
/// and rewrites the token in its canonical quoting (Go's `parseString`). Backquoted
/// strings are not accepted here.
pub(super) fn parse_string(tok: &mut Vec<u8>) -> Result<Vec<u8>, QuoteError> {
    let t = if tok.starts_with(b"\"") {
        gostr::unquote(&text::lossy(tok)).map_err(|_| QuoteError::Syntax)?
    } else if tok.iter().any(|b| matches!(b, b'"' | b'\'' | b'`')) {
        return Err(QuoteError::QuoteInUnquoted);
    } else {
        tok.clone()
    };
    *tok = auto_quote(&t);
    Ok(t)
}

/// Whether a replacement target is a directory rather than a module path: `.` or
/// `..` (alone or followed by a slash or backslash), rooted (`/` or `\`), or starting
/// with a drive letter. Both Unix and Windows forms count on every system, since
/// go.mod files move between them.
pub fn is_directory_path(ns: &str) -> bool {
    let b = ns.as_bytes();
    ns == "."
        || ns.starts_with("./")
        || ns.starts_with(".\\")
        || ns == ".."
        || ns.starts_with("../")
        || ns.starts_with("..\\")
        || ns.starts_with('/')
        || ns.starts_with('\\')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// The module path of a go.mod file, found without parsing it (Go's `ModulePath`):
/// the argument of the first line that starts with `module` followed by a space,
/// unquoted if quoted. Empty when there is none or it is malformed. Tolerates any
/// other problem in the file.
pub fn module_path(data: &[u8]) -> String {
    for line in data.split(|&b| b == b'\n') {
        let line = match line.windows(2).position(|w| w == b"//") {
            Some(i) => &line[..i],
            None => line,
        };
        let line = text::trim_space(line);
        let Some(rest) = line.strip_prefix(b"module") else {
            continue;
        };
        let arg = text::trim_space(rest);
        if arg.len() == rest.len() || arg.is_empty() {
            continue;
        }
        if arg[0] == b'"' || arg[0] == b'`' {
            return match gostr::unquote(&text::lossy(arg)) {
                Ok(p) => text::lossy(&p).into_owned(),
                Err(_) => String::new(),
            };
        }
        return text::lossy(arg).into_owned();
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        for (s, want) in [
            ("", true),
            ("a b", true),
            ("a\"b", true),
            ("(", false),
            ("a(", true),
            ("a//b", true),
            ("a/*", true),
            ("\u{7f}", true),
            ("example.com/m", false),
            ("é", false),
        ] {
            assert_eq!(must_quote(s), want, "{s:?}");
        }
        assert_eq!(auto_quote("/tmp/my dir"), b"\"/tmp/my dir\"");
        assert_eq!(auto_quote(b"\xff"), b"\xff");
    }

    #[test]
    fn parse_string_rewrites_token() {
        let mut tok = b"\"abc\"".to_vec();
        assert_eq!(parse_string(&mut tok).as_deref(), Ok(&b"abc"[..]));
        assert_eq!(tok, b"abc");
        let mut tok = b"\"a b\"".to_vec();
        assert_eq!(parse_string(&mut tok).as_deref(), Ok(&b"a b"[..]));
        assert_eq!(tok, b"\"a b\"");
        assert_eq!(
            parse_string(&mut b"`x`".to_vec()),
            Err(QuoteError::QuoteInUnquoted)
        );
        assert_eq!(
            parse_string(&mut b"\"\\q\"".to_vec()),
            Err(QuoteError::Syntax)
        );
    }

    #[test]
    fn directory_paths() {
        for p in [
            ".", "..", "./x", "../x", ".\\x", "..\\x", "/x", "\\x", "c:x", "Z:\\",
        ] {
            assert!(is_directory_path(p), "{p}");
        }
        for p in ["", ".x", "..x", "x/y", "1:", "example.com/m"] {
            assert!(!is_directory_path(p), "{p}");
        }
    }
}
