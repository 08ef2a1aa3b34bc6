//! `json.Unmarshal(data, &modfetch.RevInfo{})`, reproduced rule for rule.
//!
//! What Go's decoder does with a `.info` body, and therefore what this does:
//! * the whole input is syntax-checked first ([`super::scan`]); a syntax error is the
//!   result and nothing is decoded;
//! * keys match fields exactly or, failing that, case-insensitively with Unicode simple
//!   folding (`"version"`, `"VERSION"`, `"Vcſ"` for `VCS`); unknown keys (including
//!   `Name` and `Short`, which are `json:"-"`) are skipped; a repeated key overwrites;
//! * `null` leaves a string or the time unchanged and sets `Origin` to nil; a second
//!   `Origin` object is decoded into the first one (fields merge);
//! * a value of the wrong kind is a `*json.UnmarshalTypeError`
//!   (`json: cannot unmarshal number into Go struct field RevInfo.Version of type
//!   string`); decoding goes on and the first such error is returned at the end;
//! * `Time` is decoded by `time.Time.UnmarshalJSON` on the raw bytes, whose error ends
//!   decoding at once and wins over an earlier type error;
//! * strings are unescaped as Go does: invalid UTF-8 and lone surrogates become U+FFFD,
//!   one per bad byte.

use super::gotime::{GoTime, TimeParseError};
use super::scan::{SyntaxError, check_valid};
use super::{Origin, RevInfo};
use crate::gounicode;

/// Why a `.info` body did not decode; `Display` is Go's `json.Unmarshal` error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The body is not JSON.
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
    /// A value of the wrong kind (`*json.UnmarshalTypeError`).
    #[error("{}", type_error_text(.value, .context.as_ref(), .go_type))]
    Type {
        /// `string`, `number`, `bool`, `array` or `object`.
        value: &'static str,
        /// The struct and the field path, when the value was a field.
        context: Option<(&'static str, String)>,
        /// The Go type, e.g. `string`, `modfetch.RevInfo`.
        go_type: &'static str,
    },
    /// `Time` was a string that does not parse.
    #[error(transparent)]
    Time(#[from] TimeParseError),
    /// `Time` was not a string (nor `null`).
    #[error("Time.UnmarshalJSON: input is not a JSON string")]
    TimeNotString,
}

fn type_error_text(value: &str, context: Option<&(&str, String)>, go_type: &str) -> String {
    match context {
        Some((strct, field)) => format!(
            "json: cannot unmarshal {value} into Go struct field {strct}.{field} of type {go_type}"
        ),
        None => format!("json: cannot unmarshal {value} into Go value of type {go_type}"),
    }
}

/// Decodes a `.info` body as Go does (see the module docs).
pub fn decode(data: &[u8]) -> Result<RevInfo, DecodeError> {
    check_valid(data)?;
    let mut d = Decoder {
        data,
        pos: 0,
        saved: None,
    };
    let mut info = RevInfo::default();
    d.skip_space();
    match d.peek() {
        b'{' => d.revinfo_object(&mut info)?,
        b'n' => {
            d.skip_value();
        }
        _ => {
            let kind = d.skip_value();
            d.save(kind, None, "modfetch.RevInfo");
        }
    }
    match d.saved {
        Some(e) => Err(e),
        None => Ok(info),
    }
}

/// The fields the decoder knows, by their folded names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Version,
    Time,
    Origin,
}

struct Decoder<'a> {
    /// Valid JSON (checked before decoding starts).
    data: &'a [u8],
    pos: usize,
    saved: Option<DecodeError>,
}

impl Decoder<'_> {
    fn peek(&self) -> u8 {
        self.data.get(self.pos).copied().unwrap_or(0)
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), b' ' | b'\t' | b'\r' | b'\n') {
            self.pos += 1;
        }
    }

    /// Go's `saveError`: keeps the first type error.
    fn save(
        &mut self,
        value: &'static str,
        context: Option<(&'static str, String)>,
        ty: &'static str,
    ) {
        if self.saved.is_none() {
            self.saved = Some(DecodeError::Type {
                value,
                context,
                go_type: ty,
            });
        }
    }

    /// Skips one value (iteratively: nesting depth is unbounded here) and returns
    /// its kind as Go names it in type errors.
    fn skip_value(&mut self) -> &'static str {
        let kind = match self.peek() {
            b'{' => "object",
            b'[' => "array",
            b'"' => "string",
            b't' | b'f' => "bool",
            b'n' => "null",
            _ => "number",
        };
        match kind {
            "object" | "array" => {
                let mut depth = 0usize;
                while self.pos < self.data.len() {
                    match self.data[self.pos] {
                        b'"' => {
                            self.skip_string();
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
            }
            "string" => self.skip_string(),
            _ => {
                while self.pos < self.data.len()
                    && !matches!(
                        self.data[self.pos],
                        b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n'
                    )
                {
                    self.pos += 1;
                }
            }
        }
        kind
    }

    /// Skips a string literal starting at the opening quote.
    fn skip_string(&mut self) {
        self.pos += 1;
        while self.pos < self.data.len() {
            match self.data[self.pos] {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    return;
                }
                _ => self.pos += 1,
            }
        }
    }

    /// The raw bytes of the next value.
    fn raw_value(&mut self) -> (&'static str, std::ops::Range<usize>) {
        let start = self.pos;
        let kind = self.skip_value();
        (kind, start..self.pos)
    }

    /// Walks an object's members, calling `member(self, key)` with the position at the
    /// value; `member` must consume the value.
    fn members(
        &mut self,
        mut member: impl FnMut(&mut Self, Vec<u8>) -> Result<(), DecodeError>,
    ) -> Result<(), DecodeError> {
        self.pos += 1; // '{'
        loop {
            self.skip_space();
            match self.peek() {
                b'}' => {
                    self.pos += 1;
                    return Ok(());
                }
                b',' => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            let (_, range) = self.raw_value();
            let key = unquote(&self.data[range]);
            self.skip_space();
            self.pos += 1; // ':'
            self.skip_space();
            member(self, key)?;
        }
    }

    fn revinfo_object(&mut self, info: &mut RevInfo) -> Result<(), DecodeError> {
        self.members(|d, key| {
            let field = match_field(
                &key,
                &[
                    ("Version", Field::Version),
                    ("Time", Field::Time),
                    ("Origin", Field::Origin),
                ],
            );
            match field {
                None => {
                    d.skip_value();
                }
                Some(Field::Version) => {
                    let ctx = || Some(("RevInfo", "Version".to_string()));
                    d.string_into(&mut info.version, ctx);
                }
                Some(Field::Time) => {
                    let (kind, range) = d.raw_value();
                    match kind {
                        "null" => {}
                        "string" => {
                            let raw = &d.data[range.start + 1..range.end - 1];
                            info.time = GoTime::parse_rfc3339(raw)?;
                        }
                        _ => return Err(DecodeError::TimeNotString),
                    }
                }
                Some(Field::Origin) => match d.peek() {
                    b'n' => {
                        d.skip_value();
                        info.origin = None;
                    }
                    b'{' => {
                        let origin = info.origin.get_or_insert_with(Origin::default);
                        d.origin_object(origin);
                    }
                    _ => {
                        info.origin.get_or_insert_with(Origin::default);
                        let kind = d.skip_value();
                        d.save(kind, Some(("RevInfo", "Origin".into())), "codehost.Origin");
                    }
                },
            }
            Ok(())
        })
    }

    fn origin_object(&mut self, o: &mut Origin) {
        // Errors inside Origin are only type errors, which are saved, never returned.
        let _ = self.members(|d, key| {
            let names = [
                ("VCS", 0),
                ("URL", 1),
                ("Subdir", 2),
                ("Hash", 3),
                ("TagPrefix", 4),
                ("TagSum", 5),
                ("Ref", 6),
                ("RepoSum", 7),
            ];
            let Some(i) = match_field(&key, &names) else {
                d.skip_value();
                return Ok(());
            };
            let name = names[i].0;
            let slot = match i {
                0 => &mut o.vcs,
                1 => &mut o.url,
                2 => &mut o.subdir,
                3 => &mut o.hash,
                4 => &mut o.tag_prefix,
                5 => &mut o.tag_sum,
                6 => &mut o.ref_,
                _ => &mut o.repo_sum,
            };
            d.string_into(slot, || Some(("Origin", format!("Origin.{name}"))));
            Ok(())
        });
    }

    /// Decodes a value into a Go `string` field.
    fn string_into(
        &mut self,
        slot: &mut String,
        context: impl FnOnce() -> Option<(&'static str, String)>,
    ) {
        let (kind, range) = self.raw_value();
        match kind {
            "string" => *slot = go_string(&unquote(&self.data[range])),
            "null" => {}
            _ => self.save(kind, context(), "string"),
        }
    }
}

/// Matches a key against field names as Go does: exactly, else by folded name.
fn match_field<T: Copy>(key: &[u8], fields: &[(&str, T)]) -> Option<T> {
    if let Some((_, f)) = fields.iter().find(|(n, _)| n.as_bytes() == key) {
        return Some(*f);
    }
    let folded = fold_name(&go_string(key));
    fields
        .iter()
        .find(|(n, _)| fold_name(n) == folded)
        .map(|(_, f)| *f)
}

/// Go's `foldName`: ASCII upper-cased, other runes to the smallest of their fold orbit.
fn fold_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_ascii_uppercase()
            } else {
                gounicode::fold_min(c)
            }
        })
        .collect()
}

/// Bytes that are valid UTF-8 after [`unquote`] as a `String` (never lossy in practice;
/// kept total for safety).
fn go_string(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Go's `utf8.DecodeRune`: the rune and its length, `(None, 1)` for an invalid byte.
fn decode_rune(s: &[u8]) -> (Option<char>, usize) {
    let Some(&b0) = s.first() else {
        return (None, 0);
    };
    let len = match b0 {
        0x00..=0x7f => return (Some(char::from(b0)), 1),
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return (None, 1),
    };
    match s.get(..len).and_then(|b| std::str::from_utf8(b).ok()) {
        Some(t) => (t.chars().next(), len),
        None => (None, 1),
    }
}

/// Four hex digits after `\u` at `s[0..6]`, as Go's `getu4`.
fn getu4(s: &[u8]) -> Option<u32> {
    if s.len() < 6 || s[0] != b'\\' || s[1] != b'u' {
        return None;
    }
    let hex = std::str::from_utf8(&s[2..6]).ok()?;
    u32::from_str_radix(hex, 16)
        .ok()
        .filter(|_| hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Go's `unquoteBytes` of a scanned (so well-formed) string literal, quotes included.
fn unquote(lit: &[u8]) -> Vec<u8> {
    let s = lit.get(1..lit.len().saturating_sub(1)).unwrap_or_default();
    let mut out = Vec::with_capacity(s.len());
    let push = |out: &mut Vec<u8>, c: char| {
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    };
    let mut r = 0;
    while r < s.len() {
        let c = s[r];
        if c == b'\\' && r + 1 < s.len() {
            let e = s[r + 1];
            let simple = match e {
                b'"' | b'\\' | b'/' | b'\'' => Some(e),
                b'b' => Some(0x08),
                b'f' => Some(0x0c),
                b'n' => Some(b'\n'),
                b'r' => Some(b'\r'),
                b't' => Some(b'\t'),
                _ => None,
            };
            if let Some(b) = simple {
                out.push(b);
                r += 2;
                continue;
            }
            let Some(u) = getu4(&s[r..]) else {
                // Unreachable for scanned input.
                r += 1;
                continue;
            };
            r += 6;
            if (0xd800..0xe000).contains(&u) {
                let second = getu4(&s[r..]);
                if (0xd800..0xdc00).contains(&u)
                    && let Some(lo) = second.filter(|lo| (0xdc00..0xe000).contains(lo))
                {
                    let combined = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                    push(&mut out, char::from_u32(combined).unwrap_or('\u{fffd}'));
                    r += 6;
                    continue;
                }
                push(&mut out, '\u{fffd}');
                continue;
            }
            push(&mut out, char::from_u32(u).unwrap_or('\u{fffd}'));
            continue;
        }
        let (rune, n) = decode_rune(&s[r..]);
        push(&mut out, rune.unwrap_or('\u{fffd}'));
        r += n.max(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        decode(s.as_bytes()).map_or_else(|e| e.to_string(), |i| format!("{i:?}"))
    }

    #[test]
    fn type_errors() {
        assert_eq!(
            err(r#"{"Version":5}"#),
            "json: cannot unmarshal number into Go struct field RevInfo.Version of type string"
        );
        assert_eq!(
            err(r#"{"Origin":{"VCS":true}}"#),
            "json: cannot unmarshal bool into Go struct field Origin.Origin.VCS of type string"
        );
        assert_eq!(
            err(r#"{"Origin":"x"}"#),
            "json: cannot unmarshal string into Go struct field RevInfo.Origin of type codehost.Origin"
        );
        assert_eq!(
            err("[1]"),
            "json: cannot unmarshal array into Go value of type modfetch.RevInfo"
        );
        assert_eq!(
            err(r#"{"Version":[],"Time":"bad"}"#),
            r#"parsing time "bad" as "2006-01-02T15:04:05Z07:00": cannot parse "bad" as "2006""#
        );
        assert_eq!(
            err(r#"{"Time":5}"#),
            "Time.UnmarshalJSON: input is not a JSON string"
        );
    }

    #[test]
    fn go_semantics() {
        let i = decode(br#"{"version":"v1","VERSION":"v2","Name":"x","Origin":{"vcs":"git"},"Origin":{"URL":"u"}}"#).unwrap();
        assert_eq!(i.version, "v2");
        let o = i.origin.unwrap();
        assert_eq!((o.vcs.as_str(), o.url.as_str()), ("git", "u"));
        let i = decode(br#"{"Version":"v1","Version":null,"Origin":{},"Origin":null}"#).unwrap();
        assert_eq!(i.version, "v1");
        assert!(i.origin.is_none());
        let mut body = "{\"Vcſ\":1, \"Version\":\"a\\ud800b\\ud83d\\ude00"
            .as_bytes()
            .to_vec();
        body.extend_from_slice(b"\xff\"}");
        let i = decode(&body).unwrap();
        assert_eq!(i.version, "a\u{fffd}b\u{1f600}\u{fffd}");
        let i = decode(r#"{"Origin":{"VCſ":"git"}}"#.as_bytes()).unwrap();
        assert_eq!(i.origin.unwrap().vcs, "git");
        assert_eq!(decode(b"null").unwrap(), RevInfo::default());
        assert_eq!(
            decode(b"\xe2\x82").unwrap_err().to_string(),
            "invalid character 'â' looking for beginning of value"
        );
    }
}
