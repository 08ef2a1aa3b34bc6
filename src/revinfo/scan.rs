//! Go's `encoding/json` syntax check (`checkValid`), with its exact error texts.
//!
//! `json.Unmarshal` scans the whole input before decoding anything and reports the
//! first syntax error as a `*json.SyntaxError`, whose text a proxy user sees inside
//! `invalid response from proxy "<url>": <err>`. This is Go's byte-at-a-time state
//! machine (`encoding/json/scanner.go`), so the same input fails at the same byte with
//! the same words: `invalid character 'x' looking for beginning of value`,
//! `… after object key`, `… after object key:value pair`, `… in string literal`,
//! `unexpected end of JSON input`, and the rest. It is iterative (nesting is bounded
//! at Go's 10000 levels by an explicit stack), so no input can overflow ours.

use crate::gostr;

/// Go's `maxNestingDepth`.
const MAX_DEPTH: usize = 10_000;

/// Go's `*json.SyntaxError`: `Display` is its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{msg}")]
pub struct SyntaxError {
    msg: String,
    /// Bytes read when the error was found (Go's `Offset`).
    pub offset: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    BeginValueOrEmpty,
    BeginValue,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    /// `\u` seen; the number is how many hex digits so far.
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    /// Inside `true`/`false`/`null`: the literal and how many bytes matched.
    Literal(&'static [u8], usize),
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parse {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

/// What a step reports (only the outcomes `checkValid` distinguishes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Continue,
    End,
    Error,
}

struct Scanner {
    step: Step,
    end_top: bool,
    parse: Vec<Parse>,
    err: Option<SyntaxError>,
    bytes: u64,
}

/// Go's `checkValid`: `Ok` when `data` is exactly one JSON value (surrounded by
/// optional white space), else Go's first syntax error.
pub fn check_valid(data: &[u8]) -> Result<(), SyntaxError> {
    let mut s = Scanner {
        step: Step::BeginValue,
        end_top: false,
        parse: Vec::new(),
        err: None,
        bytes: 0,
    };
    for &c in data {
        s.bytes += 1;
        if s.step(c) == Op::Error {
            return Err(s.take_err());
        }
    }
    if s.eof() == Op::Error {
        return Err(s.take_err());
    }
    Ok(())
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Go's `quoteChar`: the byte taken as a rune (so 0xFF prints as `'ÿ'`).
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => r"'\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => {
            let q = gostr::quote(char::from(c).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

impl Scanner {
    fn take_err(&mut self) -> SyntaxError {
        self.err.take().unwrap_or(SyntaxError {
            msg: "unexpected end of JSON input".into(),
            offset: self.bytes,
        })
    }

    fn error(&mut self, c: u8, context: &str) -> Op {
        self.step = Step::Error;
        self.err = Some(SyntaxError {
            msg: format!("invalid character {} {context}", quote_char(c)),
            offset: self.bytes,
        });
        Op::Error
    }

    fn eof(&mut self) -> Op {
        if self.err.is_some() {
            return Op::Error;
        }
        if self.end_top {
            return Op::End;
        }
        self.step(b' ');
        if self.end_top {
            return Op::End;
        }
        if self.err.is_none() {
            self.err = Some(SyntaxError {
                msg: "unexpected end of JSON input".into(),
                offset: self.bytes,
            });
        }
        Op::Error
    }

    fn push(&mut self, c: u8, p: Parse) -> Op {
        self.parse.push(p);
        if self.parse.len() <= MAX_DEPTH {
            Op::Continue
        } else {
            self.error(c, "exceeded max depth")
        }
    }

    fn pop(&mut self) {
        self.parse.pop();
        if self.parse.is_empty() {
            self.step = Step::EndTop;
            self.end_top = true;
        } else {
            self.step = Step::EndValue;
        }
    }

    fn step(&mut self, c: u8) -> Op {
        match self.step {
            Step::BeginValueOrEmpty => {
                if is_space(c) {
                    Op::Continue
                } else if c == b']' {
                    self.end_value(c)
                } else {
                    self.begin_value(c)
                }
            }
            Step::BeginValue => self.begin_value(c),
            Step::BeginStringOrEmpty => {
                if is_space(c) {
                    return Op::Continue;
                }
                if c == b'}' {
                    if let Some(top) = self.parse.last_mut() {
                        *top = Parse::ObjectValue;
                    }
                    return self.end_value(c);
                }
                self.begin_string(c)
            }
            Step::BeginString => self.begin_string(c),
            Step::EndValue => self.end_value(c),
            Step::EndTop => {
                if !is_space(c) {
                    self.error(c, "after top-level value");
                }
                Op::End
            }
            Step::InString => {
                match c {
                    b'"' => self.step = Step::EndValue,
                    b'\\' => self.step = Step::InStringEsc,
                    c if c < 0x20 => return self.error(c, "in string literal"),
                    _ => {}
                }
                Op::Continue
            }
            Step::InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                    self.step = Step::InString;
                    Op::Continue
                }
                b'u' => {
                    self.step = Step::InStringEscU(0);
                    Op::Continue
                }
                _ => self.error(c, "in string escape code"),
            },
            Step::InStringEscU(n) => {
                if c.is_ascii_hexdigit() {
                    self.step = if n == 3 {
                        Step::InString
                    } else {
                        Step::InStringEscU(n + 1)
                    };
                    Op::Continue
                } else {
                    self.error(c, "in \\u hexadecimal character escape")
                }
            }
            Step::Neg => match c {
                b'0' => {
                    self.step = Step::Zero;
                    Op::Continue
                }
                b'1'..=b'9' => {
                    self.step = Step::One;
                    Op::Continue
                }
                _ => self.error(c, "in numeric literal"),
            },
            Step::One => {
                if c.is_ascii_digit() {
                    Op::Continue
                } else {
                    self.zero(c)
                }
            }
            Step::Zero => self.zero(c),
            Step::Dot => {
                if c.is_ascii_digit() {
                    self.step = Step::Dot0;
                    Op::Continue
                } else {
                    self.error(c, "after decimal point in numeric literal")
                }
            }
            Step::Dot0 => {
                if c.is_ascii_digit() {
                    Op::Continue
                } else if c == b'e' || c == b'E' {
                    self.step = Step::E;
                    Op::Continue
                } else {
                    self.end_value(c)
                }
            }
            Step::E => {
                if c == b'+' || c == b'-' {
                    self.step = Step::ESign;
                    Op::Continue
                } else {
                    self.e_sign(c)
                }
            }
            Step::ESign => self.e_sign(c),
            Step::E0 => {
                if c.is_ascii_digit() {
                    Op::Continue
                } else {
                    self.end_value(c)
                }
            }
            Step::Literal(word, n) => {
                if c == word[n] {
                    self.step = if n + 1 == word.len() {
                        Step::EndValue
                    } else {
                        Step::Literal(word, n + 1)
                    };
                    Op::Continue
                } else {
                    let name = String::from_utf8_lossy(word);
                    let want = char::from(word[n]);
                    self.error(c, &format!("in literal {name} (expecting '{want}')"))
                }
            }
            Step::Error => Op::Error,
        }
    }

    fn begin_value(&mut self, c: u8) -> Op {
        if is_space(c) {
            return Op::Continue;
        }
        match c {
            b'{' => {
                self.step = Step::BeginStringOrEmpty;
                self.push(c, Parse::ObjectKey)
            }
            b'[' => {
                self.step = Step::BeginValueOrEmpty;
                self.push(c, Parse::ArrayValue)
            }
            b'"' => {
                self.step = Step::InString;
                Op::Continue
            }
            b'-' => {
                self.step = Step::Neg;
                Op::Continue
            }
            b'0' => {
                self.step = Step::Zero;
                Op::Continue
            }
            b't' => {
                self.step = Step::Literal(b"true", 1);
                Op::Continue
            }
            b'f' => {
                self.step = Step::Literal(b"false", 1);
                Op::Continue
            }
            b'n' => {
                self.step = Step::Literal(b"null", 1);
                Op::Continue
            }
            b'1'..=b'9' => {
                self.step = Step::One;
                Op::Continue
            }
            _ => self.error(c, "looking for beginning of value"),
        }
    }

    fn begin_string(&mut self, c: u8) -> Op {
        if is_space(c) {
            return Op::Continue;
        }
        if c == b'"' {
            self.step = Step::InString;
            return Op::Continue;
        }
        self.error(c, "looking for beginning of object key string")
    }

    fn zero(&mut self, c: u8) -> Op {
        match c {
            b'.' => {
                self.step = Step::Dot;
                Op::Continue
            }
            b'e' | b'E' => {
                self.step = Step::E;
                Op::Continue
            }
            _ => self.end_value(c),
        }
    }

    fn e_sign(&mut self, c: u8) -> Op {
        if c.is_ascii_digit() {
            self.step = Step::E0;
            Op::Continue
        } else {
            self.error(c, "in exponent of numeric literal")
        }
    }

    fn end_value(&mut self, c: u8) -> Op {
        let Some(&top) = self.parse.last() else {
            self.step = Step::EndTop;
            self.end_top = true;
            if !is_space(c) {
                self.error(c, "after top-level value");
            }
            return Op::End;
        };
        if is_space(c) {
            self.step = Step::EndValue;
            return Op::Continue;
        }
        match top {
            Parse::ObjectKey => {
                if c == b':' {
                    if let Some(t) = self.parse.last_mut() {
                        *t = Parse::ObjectValue;
                    }
                    self.step = Step::BeginValue;
                    return Op::Continue;
                }
                self.error(c, "after object key")
            }
            Parse::ObjectValue => {
                if c == b',' {
                    if let Some(t) = self.parse.last_mut() {
                        *t = Parse::ObjectKey;
                    }
                    self.step = Step::BeginString;
                    return Op::Continue;
                }
                if c == b'}' {
                    self.pop();
                    return Op::Continue;
                }
                self.error(c, "after object key:value pair")
            }
            Parse::ArrayValue => {
                if c == b',' {
                    self.step = Step::BeginValue;
                    return Op::Continue;
                }
                if c == b']' {
                    self.pop();
                    return Op::Continue;
                }
                self.error(c, "after array element")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &[u8]) -> String {
        check_valid(s).map_or_else(|e| e.to_string(), |()| "ok".into())
    }

    #[test]
    fn go_texts() {
        assert_eq!(
            err(b"invalid"),
            "invalid character 'i' looking for beginning of value"
        );
        assert_eq!(err(b"{\"a\" 1}"), "invalid character '1' after object key");
        assert_eq!(
            err(b"{\"a\":1 2}"),
            "invalid character '2' after object key:value pair"
        );
        assert_eq!(
            err(b"\"a\x01\""),
            r"invalid character '\x01' in string literal"
        );
        assert_eq!(err(b"{\"a\":"), "unexpected end of JSON input");
        assert_eq!(err(b""), "unexpected end of JSON input");
        assert_eq!(err(b"  "), "unexpected end of JSON input");
        assert_eq!(err(b"{} x"), "invalid character 'x' after top-level value");
        assert_eq!(err(b"{}x"), "invalid character 'x' after top-level value");
        assert_eq!(
            err(b"tru"),
            "invalid character ' ' in literal true (expecting 'e')"
        );
        assert_eq!(
            err(b"trux"),
            "invalid character 'x' in literal true (expecting 'e')"
        );
        assert_eq!(
            err(b"nul1"),
            "invalid character '1' in literal null (expecting 'l')"
        );
        assert_eq!(
            err(b"[1,]"),
            "invalid character ']' looking for beginning of value"
        );
        assert_eq!(
            err(b"{,}"),
            "invalid character ',' looking for beginning of object key string"
        );
        assert_eq!(
            err(b"\"\\x\""),
            "invalid character 'x' in string escape code"
        );
        assert_eq!(
            err(b"\"\\u12g4\""),
            r"invalid character 'g' in \u hexadecimal character escape"
        );
        assert_eq!(err(b"-x"), "invalid character 'x' in numeric literal");
        assert_eq!(
            err(b"1.x"),
            "invalid character 'x' after decimal point in numeric literal"
        );
        assert_eq!(
            err(b"1ex"),
            "invalid character 'x' in exponent of numeric literal"
        );
        assert_eq!(err(b"[1 2]"), "invalid character '2' after array element");
        assert_eq!(
            err(b"\xff"),
            "invalid character 'ÿ' looking for beginning of value"
        );
        assert_eq!(
            err(b"'"),
            r"invalid character '\'' looking for beginning of value"
        );
        assert_eq!(
            err(b"\x85"),
            r"invalid character '\u0085' looking for beginning of value"
        );
        assert_eq!(
            err(b" {\"a\":[1,2.5e-3,true,false,null,\"\\u00e9\"]} "),
            "ok"
        );
        assert_eq!(err(b"01"), "invalid character '1' after top-level value");
    }

    #[test]
    fn depth_limit() {
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(
            err(deep.as_bytes()),
            "invalid character '[' exceeded max depth"
        );
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(err(ok.as_bytes()), "ok");
    }
}
