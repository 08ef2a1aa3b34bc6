//! The part of Go's `encoding/xml` decoder that `go` runs over `?go-get=1` pages:
//! `Decoder.RawToken` with `Strict = false`, no entity map, no auto-closing, and a
//! charset reader that accepts only UTF-8 and ASCII.
//!
//! Go stops at the first error and keeps the tags found before it, so which HTML a page
//! may contain before its `go-import` tags, and the error reported when there are
//! none, depend on this scanner's exact byte-level behaviour: the one-byte look-ahead,
//! the line counting of `XML syntax error on line N`, the lenient forms (attributes
//! without `=` take their name as value, unquoted values of `[A-Za-z0-9_:-]`, unknown
//! entities kept as written), the UTF-8 and character-range checks of text, and the
//! comment, CDATA, directive and processing-instruction syntax. Only what the caller
//! needs is kept: element names and attributes; text and other tokens are skipped
//! (but still checked).

use super::xmlname::is_name;
use crate::gostr::quote;

/// A decoding failure, displayed as Go's decoder reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// Go's `*xml.SyntaxError`.
    #[error("XML syntax error on line {line}: {msg}")]
    Syntax { msg: String, line: u64 },
    /// `<?xml version="…"?>` other than 1.0.
    #[error("xml: unsupported version {}; only version 1.0 is supported", quote(.0))]
    Version(String),
    /// `<?xml encoding="…"?>` other than UTF-8 or ASCII (cmd/go's charset reader).
    #[error(
        "xml: opening charset {}: can't decode XML document using charset {}",
        quote(.0),
        quote(.0)
    )]
    Charset(String),
}

/// An element name or attribute name: Go's `xml.Name` (prefix, local part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub space: String,
    pub local: String,
}

/// The tokens the caller distinguishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Start {
        name: Name,
        attrs: Vec<(Name, String)>,
    },
    End {
        name: Name,
    },
    /// Text, comment, directive or processing instruction.
    Other,
}

/// Why the scanner stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    Eof,
    Error(XmlError),
}

/// A raw-token scanner over an in-memory page.
pub struct Scanner<'a> {
    input: &'a [u8],
    pos: usize,
    line: u64,
    stop: Option<Stop>,
    /// The end half of a self-closing element, returned by the next call.
    pending_end: Option<Name>,
}

const ENTITIES: [(&[u8], char); 5] = [
    (b"lt", '<'),
    (b"gt", '>'),
    (b"amp", '&'),
    (b"apos", '\''),
    (b"quot", '"'),
];

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'.' | b'-')
}

fn in_character_range(c: char) -> bool {
    matches!(c as u32, 0x09 | 0x0A | 0x0D | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

impl<'a> Scanner<'a> {
    pub fn new(input: &'a [u8]) -> Scanner<'a> {
        Scanner {
            input,
            pos: 0,
            line: 1,
            stop: None,
            pending_end: None,
        }
    }

    fn syntax(&mut self, msg: impl Into<String>) {
        self.stop = Some(Stop::Error(XmlError::Syntax {
            msg: msg.into(),
            line: self.line,
        }));
    }

    fn fail<T>(&mut self, msg: impl Into<String>) -> Option<T> {
        self.syntax(msg);
        None
    }

    fn getc(&mut self) -> Option<u8> {
        if self.stop.is_some() {
            return None;
        }
        let Some(&b) = self.input.get(self.pos) else {
            self.stop = Some(Stop::Eof);
            return None;
        };
        self.pos += 1;
        if b == b'\n' {
            self.line += 1;
        }
        Some(b)
    }

    fn mustgetc(&mut self) -> Option<u8> {
        let b = self.getc();
        if b.is_none() && self.stop == Some(Stop::Eof) {
            self.syntax("unexpected EOF");
        }
        b
    }

    /// Pushes back the byte just read.
    fn ungetc(&mut self, b: u8) {
        if b == b'\n' {
            self.line -= 1;
        }
        self.pos -= 1;
    }

    fn space(&mut self) {
        while let Some(b) = self.getc() {
            if !matches!(b, b' ' | b'\r' | b'\n' | b'\t') {
                self.ungetc(b);
                return;
            }
        }
    }

    /// The next token, or why there is none (then every later call says the same).
    pub fn next_token(&mut self) -> Result<Token, Stop> {
        match self.token() {
            Some(t) => Ok(t),
            None => Err(self.stop.clone().unwrap_or(Stop::Eof)),
        }
    }

    fn token(&mut self) -> Option<Token> {
        if self.stop.is_some() {
            return None;
        }
        if let Some(name) = self.pending_end.take() {
            return Some(Token::End { name });
        }
        let b = self.getc()?;
        if b != b'<' {
            self.ungetc(b);
            self.text(None, false)?;
            return Some(Token::Other);
        }
        let b = self.mustgetc()?;
        match b {
            b'/' => {
                let Some(name) = self.nsname() else {
                    return self.expected("expected element name after </");
                };
                self.space();
                if self.mustgetc()? != b'>' {
                    let msg = format!("invalid characters between </{} and >", name.local);
                    return self.fail(msg);
                }
                Some(Token::End { name })
            }
            b'?' => self.proc_inst(),
            b'!' => self.bang(),
            _ => {
                self.ungetc(b);
                self.start_element()
            }
        }
    }

    /// Go's "let the caller provide context": a name that was missing (not invalid).
    fn expected<T>(&mut self, msg: &str) -> Option<T> {
        if self.stop.is_none() {
            self.syntax(msg);
        }
        None
    }

    fn proc_inst(&mut self) -> Option<Token> {
        let Some(target) = self.name() else {
            return self.expected("expected target name after <?");
        };
        self.space();
        let start = self.pos;
        let mut prev = 0u8;
        loop {
            let b = self.mustgetc()?;
            if prev == b'?' && b == b'>' {
                break;
            }
            prev = b;
        }
        if target != "xml" {
            return Some(Token::Other);
        }
        let content = String::from_utf8_lossy(&self.input[start..self.pos - 2]).into_owned();
        let version = proc_inst_param("version", &content);
        if !version.is_empty() && version != "1.0" {
            self.stop = Some(Stop::Error(XmlError::Version(version.to_string())));
            return None;
        }
        let encoding = proc_inst_param("encoding", &content);
        if !encoding.is_empty() && !encoding.eq_ignore_ascii_case("utf-8") {
            let lowered: String = encoding
                .chars()
                .map(|c| match c {
                    '\u{130}' => 'i',
                    c => c.to_ascii_lowercase(),
                })
                .collect();
            if lowered != "utf-8" && lowered != "ascii" {
                self.stop = Some(Stop::Error(XmlError::Charset(encoding.to_string())));
                return None;
            }
        }
        Some(Token::Other)
    }

    /// After `<!`: a comment, a CDATA section or a directive.
    fn bang(&mut self) -> Option<Token> {
        let b = self.mustgetc()?;
        match b {
            b'-' => {
                if self.mustgetc()? != b'-' {
                    return self.fail("invalid sequence <!- not part of <!--");
                }
                let (mut b0, mut b1) = (0u8, 0u8);
                loop {
                    let b = self.mustgetc()?;
                    if b0 == b'-' && b1 == b'-' {
                        if b != b'>' {
                            return self.fail(r#"invalid sequence "--" not allowed in comments"#);
                        }
                        return Some(Token::Other);
                    }
                    (b0, b1) = (b1, b);
                }
            }
            b'[' => {
                for &want in b"CDATA[" {
                    if self.mustgetc()? != want {
                        return self.fail("invalid <![ sequence");
                    }
                }
                self.text(None, true)?;
                Some(Token::Other)
            }
            _ => self.directive(),
        }
    }

    /// `<!DOCTYPE …>` and the like: nested `<…>` counted, quotes respected, comments
    /// inside skipped.
    fn directive(&mut self) -> Option<Token> {
        let mut in_quote = 0u8;
        let mut depth = 0i64;
        loop {
            let mut b = self.mustgetc()?;
            if in_quote == 0 && b == b'>' && depth == 0 {
                return Some(Token::Other);
            }
            'handle: loop {
                if b == in_quote {
                    in_quote = 0;
                } else if in_quote != 0 {
                } else if b == b'\'' || b == b'"' {
                    in_quote = b;
                } else if b == b'>' {
                    depth -= 1;
                } else if b == b'<' {
                    for &want in b"!--" {
                        b = self.mustgetc()?;
                        if b != want {
                            depth += 1;
                            continue 'handle;
                        }
                    }
                    let (mut b0, mut b1) = (0u8, 0u8);
                    loop {
                        let c = self.mustgetc()?;
                        if b0 == b'-' && b1 == b'-' && c == b'>' {
                            break;
                        }
                        (b0, b1) = (b1, c);
                    }
                }
                break;
            }
        }
    }

    fn start_element(&mut self) -> Option<Token> {
        let Some(name) = self.nsname() else {
            return self.expected("expected element name after <");
        };
        let mut attrs = Vec::new();
        loop {
            self.space();
            let b = self.mustgetc()?;
            if b == b'/' {
                if self.mustgetc()? != b'>' {
                    return self.fail("expected /> in element");
                }
                self.pending_end = Some(name.clone());
                break;
            }
            if b == b'>' {
                break;
            }
            self.ungetc(b);
            let Some(attr) = self.nsname() else {
                return self.expected("expected attribute name in element");
            };
            self.space();
            let b = self.mustgetc()?;
            let value = if b != b'=' {
                self.ungetc(b);
                attr.local.clone()
            } else {
                self.space();
                self.attr_value()?
            };
            attrs.push((attr, value));
        }
        Some(Token::Start { name, attrs })
    }

    fn attr_value(&mut self) -> Option<String> {
        let b = self.mustgetc()?;
        if b == b'"' || b == b'\'' {
            return self.text(Some(b), false);
        }
        self.ungetc(b);
        let mut value = String::new();
        loop {
            let b = self.mustgetc()?;
            if b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'-') {
                value.push(char::from(b));
            } else {
                self.ungetc(b);
                return Some(value);
            }
        }
    }

    /// Go's `nsname`: a name with at most one colon; `a:b` splits into prefix and
    /// local part when both are non-empty.
    fn nsname(&mut self) -> Option<Name> {
        let s = self.name()?;
        if s.matches(':').count() > 1 {
            return None;
        }
        Some(match s.split_once(':') {
            Some((space, local)) if !space.is_empty() && !local.is_empty() => Name {
                space: space.to_string(),
                local: local.to_string(),
            },
            _ => Name {
                space: String::new(),
                local: s,
            },
        })
    }

    /// Go's `name`: `None` without an error when no name byte follows.
    fn name(&mut self) -> Option<String> {
        let mut buf = Vec::new();
        if !self.read_name(&mut buf) {
            return None;
        }
        if !is_name(&buf) {
            let msg = format!("invalid XML name: {}", String::from_utf8_lossy(&buf));
            return self.fail(msg);
        }
        String::from_utf8(buf).ok()
    }

    /// Appends name bytes (ASCII name bytes and any non-ASCII byte) to `dst`; false
    /// when the input failed or no name byte came first.
    fn read_name(&mut self, dst: &mut Vec<u8>) -> bool {
        let mut first = true;
        loop {
            let Some(b) = self.mustgetc() else {
                return false;
            };
            if b < 0x80 && !is_name_byte(b) {
                self.ungetc(b);
                return !first;
            }
            dst.push(b);
            first = false;
        }
    }

    /// Go's `text`: character data up to `<` (or the closing quote, or `]]>` in
    /// CDATA), entities decoded where known, `\r\n` and `\r` as `\n`, then checked
    /// for UTF-8 and the XML character range.
    fn text(&mut self, quote: Option<u8>, cdata: bool) -> Option<String> {
        let mut out: Vec<u8> = Vec::new();
        let (mut b0, mut b1) = (0u8, 0u8);
        let mut trunc = 0;
        loop {
            let Some(b) = self.getc() else {
                if cdata {
                    if self.stop == Some(Stop::Eof) {
                        self.syntax("unexpected EOF in CDATA section");
                    }
                    return None;
                }
                if matches!(self.stop, Some(Stop::Error(_))) {
                    return None;
                }
                break;
            };
            if quote.is_none() && b0 == b']' && b1 == b']' && b == b'>' {
                if cdata {
                    trunc = 2;
                    break;
                }
                return self.fail("unescaped ]]> not in CDATA section");
            }
            if b == b'<' && !cdata {
                if quote.is_some() {
                    return self.fail("unescaped < inside quoted string");
                }
                self.ungetc(b);
                break;
            }
            if quote == Some(b) {
                break;
            }
            if b == b'&' && !cdata {
                self.entity(&mut out)?;
                (b0, b1) = (0, 0);
                continue;
            }
            if b == b'\r' {
                out.push(b'\n');
            } else if !(b1 == b'\r' && b == b'\n') {
                out.push(b);
            }
            (b0, b1) = (b1, b);
        }
        out.truncate(out.len() - trunc);
        // Go checks rune by rune: an illegal character before the first bad byte wins.
        let (valid, bad) = match std::str::from_utf8(&out) {
            Ok(s) => (s, false),
            Err(e) => (
                std::str::from_utf8(&out[..e.valid_up_to()]).unwrap_or_default(),
                true,
            ),
        };
        if let Some(c) = valid.chars().find(|&c| !in_character_range(c)) {
            return self.fail(format!("illegal character code U+{:04X}", c as u32));
        }
        if bad {
            return self.fail("invalid UTF-8");
        }
        Some(valid.to_string())
    }

    /// After `&`: a known or numeric entity is replaced; anything else stays as
    /// written (the lenient decoder's rule).
    fn entity(&mut self, out: &mut Vec<u8>) -> Option<()> {
        let before = out.len();
        out.push(b'&');
        let mut b = self.mustgetc()?;
        let mut text: Option<char> = None;
        if b == b'#' {
            out.push(b);
            b = self.mustgetc()?;
            let mut base = 10;
            if b == b'x' {
                base = 16;
                out.push(b);
                b = self.mustgetc()?;
            }
            let start = out.len();
            while b.is_ascii_digit() || base == 16 && b.is_ascii_hexdigit() {
                out.push(b);
                b = self.mustgetc()?;
            }
            if b != b';' {
                self.ungetc(b);
            } else {
                let digits = String::from_utf8_lossy(&out[start..]).into_owned();
                out.push(b';');
                text = u64::from_str_radix(&digits, base)
                    .ok()
                    .filter(|&n| n <= 0x10FFFF)
                    .map(|n| char::from_u32(n as u32).unwrap_or('\u{FFFD}'));
            }
        } else {
            self.ungetc(b);
            if !self.read_name(out) && self.stop.is_some() {
                return None;
            }
            let b = self.mustgetc()?;
            if b != b';' {
                self.ungetc(b);
            } else {
                let name = out[before + 1..].to_vec();
                out.push(b';');
                if is_name(&name) {
                    text = ENTITIES.iter().find(|(n, _)| *n == name).map(|&(_, c)| c);
                }
            }
        }
        if let Some(c) = text {
            out.truncate(before);
            let mut utf8 = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        }
        Some(())
    }
}

/// Go's `procInst`: the value of `param="…"` (or `'…'`) in a processing
/// instruction's content, by its simple textual search.
fn proc_inst_param<'s>(param: &str, s: &'s str) -> &'s str {
    let param = format!("{param}=");
    let lenp = param.len();
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut sep = 0u8;
    while i < bytes.len() {
        let sub = &bytes[i..];
        let Some(k) = find(sub, param.as_bytes()) else {
            return "";
        };
        if lenp + k >= sub.len() {
            return "";
        }
        i += lenp + k + 1;
        let c = sub[lenp + k];
        if c == b'\'' || c == b'"' {
            sep = c;
            break;
        }
    }
    if sep == 0 {
        return "";
    }
    match bytes[i..].iter().position(|&b| b == sep) {
        Some(j) => s.get(i..i + j).unwrap_or(""),
        None => "",
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests;
