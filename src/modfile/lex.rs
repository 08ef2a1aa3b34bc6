//! The go.mod lexer (the scanning half of Go's `modfile/read.go`).
//!
//! Tokens are identifiers (runs of printable non-space runes other than the
//! punctuation below), quoted strings (`"…"` with backslash escapes, or `` `…` ``; neither
//! may span a line), the single-byte tokens `\n ( ) [ ] { } ,`, and `//` comments.
//! A comment alone on its line is a token of its own; a comment after other text on
//! the line ends that line and is saved for attachment to the syntax tree.
//!
//! Positions count runes as Go does (an invalid byte is one rune), and the first
//! error stops the scan with Go's message and position.

use super::error::{Error, ErrorKind, SyntaxError};
use super::syntax::{Comment, Position};
use super::text;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Eof,
    /// A comment after other tokens on its line.
    EolComment,
    Ident,
    String,
    /// A comment alone on its line.
    Comment,
    /// `\n`, `(`, `)`, `[`, `]`, `{`, `}` or `,`.
    Punct(u8),
}

impl Kind {
    pub(super) fn is_comment(self) -> bool {
        matches!(self, Kind::Comment | Kind::EolComment)
    }

    /// Whether the token ends a line.
    pub(super) fn is_eol(self) -> bool {
        matches!(self, Kind::Eof | Kind::EolComment | Kind::Punct(b'\n'))
    }
}

/// A token: its kind, where it starts and ends, and its text as a range of the input.
#[derive(Debug, Clone, Copy)]
pub(super) struct Token {
    pub kind: Kind,
    pub pos: Position,
    pub end_pos: Position,
    start: usize,
    end: usize,
}

/// Scans one input, one token ahead of the parser.
pub(super) struct Lexer<'a> {
    filename: &'a str,
    data: &'a [u8],
    pos: Position,
    token_start: usize,
    token: Token,
    /// End-of-line comments seen so far, for attachment after parsing.
    pub comments: Vec<Comment>,
}

impl<'a> Lexer<'a> {
    /// A lexer with its first token read (Go primes the lexer the same way).
    pub fn new(filename: &'a str, data: &'a [u8]) -> Result<Lexer<'a>, Error> {
        let start = Position {
            line: 1,
            line_rune: 1,
            byte: 0,
        };
        let mut lx = Lexer {
            filename,
            data,
            pos: start,
            token_start: 0,
            token: Token {
                kind: Kind::Eof,
                pos: start,
                end_pos: start,
                start: 0,
                end: 0,
            },
            comments: Vec::new(),
        };
        lx.read_token()?;
        Ok(lx)
    }

    pub fn filename(&self) -> &'a str {
        self.filename
    }

    /// The text of a token.
    pub fn text(&self, tok: &Token) -> &'a [u8] {
        let text = &self.data[tok.start..tok.end];
        if !tok.kind.is_comment() {
            return text;
        }
        // A comment token ends with the newline it consumed; drop it (and a CR
        // before it).
        text.strip_suffix(b"\r\n")
            .or_else(|| text.strip_suffix(b"\n"))
            .unwrap_or(text)
    }

    /// The kind of the next token.
    pub fn peek(&self) -> Kind {
        self.token.kind
    }

    /// Returns the next token and scans the one after it.
    pub fn lex(&mut self) -> Result<Token, Error> {
        let tok = self.token;
        self.read_token()?;
        Ok(tok)
    }

    /// An error at the current position.
    pub fn error(&self, e: SyntaxError) -> Error {
        Error::at(self.filename, self.pos, ErrorKind::Syntax(e))
    }

    fn eof(&self) -> bool {
        self.pos.byte >= self.data.len()
    }

    fn remaining(&self) -> &'a [u8] {
        &self.data[self.pos.byte.min(self.data.len())..]
    }

    /// The next rune, or NUL at the end of the input.
    fn peek_rune(&self) -> char {
        let (c, n) = text::decode_rune(self.remaining());
        if n == 0 { '\0' } else { c }
    }

    fn peek_prefix(&self, prefix: &[u8]) -> bool {
        self.remaining().starts_with(prefix)
    }

    fn read_rune(&mut self) -> char {
        let (c, n) = text::decode_rune(self.remaining());
        if n == 0 {
            return '\0';
        }
        if c == '\n' {
            self.pos.line += 1;
            self.pos.line_rune = 1;
        } else {
            self.pos.line_rune += 1;
        }
        self.pos.byte += n;
        c
    }

    fn start_token(&mut self) {
        self.token_start = self.pos.byte;
        self.token.pos = self.pos;
    }

    fn end_token(&mut self, kind: Kind) {
        self.token.kind = kind;
        self.token.start = self.token_start;
        self.token.end = self.pos.byte;
        self.token.end_pos = self.pos;
    }

    fn read_token(&mut self) -> Result<(), Error> {
        // Skip spaces; hand over comments.
        while !self.eof() {
            let c = self.peek_rune();
            if c == ' ' || c == '\t' || c == '\r' {
                self.read_rune();
                continue;
            }
            if self.peek_prefix(b"//") {
                self.start_token();
                // A comment is a suffix comment when other text precedes it on its line.
                let here = self.pos.byte;
                let line_start = self.data[..here]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                let suffix = !text::trim_space(&self.data[line_start..here]).is_empty();
                self.read_rune();
                self.read_rune();
                while !self.eof() && self.read_rune() != '\n' {}
                if !suffix {
                    self.end_token(Kind::Comment);
                    return Ok(());
                }
                self.end_token(Kind::EolComment);
                let tok = self.token;
                self.comments.push(Comment {
                    start: tok.pos,
                    token: self.text(&tok).to_vec(),
                    suffix: true,
                });
                return Ok(());
            }
            if self.peek_prefix(b"/*") {
                return Err(self.error(SyntaxError::BlockComment));
            }
            break;
        }

        self.start_token();
        if self.eof() {
            self.end_token(Kind::Eof);
            return Ok(());
        }

        let c = self.peek_rune();
        match c {
            '\n' | '(' | ')' | '[' | ']' | '{' | '}' | ',' => {
                self.read_rune();
                self.end_token(Kind::Punct(c as u8));
                return Ok(());
            }
            '"' | '`' => {
                let quote = c;
                self.read_rune();
                loop {
                    if self.eof() {
                        self.pos = self.token.pos;
                        return Err(self.error(SyntaxError::EofInString));
                    }
                    if self.peek_rune() == '\n' {
                        return Err(self.error(SyntaxError::NewlineInString));
                    }
                    let c = self.read_rune();
                    if c == quote {
                        break;
                    }
                    if c == '\\' && quote != '`' {
                        if self.eof() {
                            self.pos = self.token.pos;
                            return Err(self.error(SyntaxError::EofInString));
                        }
                        self.read_rune();
                    }
                }
                self.end_token(Kind::String);
                return Ok(());
            }
            _ => {}
        }

        if !is_ident(c) {
            return Err(self.error(SyntaxError::UnexpectedChar(c)));
        }
        while is_ident(self.peek_rune()) {
            if self.peek_prefix(b"//") {
                break;
            }
            if self.peek_prefix(b"/*") {
                return Err(self.error(SyntaxError::BlockComment));
            }
            self.read_rune();
        }
        self.end_token(Kind::Ident);
        Ok(())
    }
}

/// Whether `c` can be part of an identifier: printable, not space, not punctuation.
fn is_ident(c: char) -> bool {
    match c {
        ' ' | '(' | ')' | '[' | ']' | '{' | '}' | ',' => false,
        c => !text::is_space(c) && crate::gounicode::is_print(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, String)> {
        let mut lx = Lexer::new("x", src.as_bytes()).expect("lex");
        let mut out = Vec::new();
        loop {
            let t = lx.lex().expect("lex");
            out.push((t.kind, String::from_utf8_lossy(lx.text(&t)).into_owned()));
            if t.kind == Kind::Eof {
                return out;
            }
        }
    }

    #[test]
    fn tokens_and_comments() {
        let got = kinds("a \"b c\" `d`//e\n// f\r\n(x,y)");
        let want = [
            (Kind::Ident, "a"),
            (Kind::String, "\"b c\""),
            (Kind::String, "`d`"),
            (Kind::EolComment, "//e"),
            (Kind::Comment, "// f"),
            (Kind::Punct(b'('), "("),
            (Kind::Ident, "x"),
            (Kind::Punct(b','), ","),
            (Kind::Ident, "y"),
            (Kind::Punct(b')'), ")"),
            (Kind::Eof, ""),
        ];
        let want: Vec<_> = want.iter().map(|(k, s)| (*k, s.to_string())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn errors_have_go_positions() {
        let err = |src: &str| match Lexer::new("f", src.as_bytes()).and_then(|mut lx| {
            while lx.lex()?.kind != Kind::Eof {}
            Ok(())
        }) {
            Ok(()) => String::new(),
            Err(e) => e.to_string(),
        };
        assert_eq!(
            err("a /* b */"),
            "f:1:3: mod files must use // comments (not /* */ comments)"
        );
        assert_eq!(err("a\n  \"bc"), "f:2:3: unexpected EOF in string");
        assert_eq!(err("\"b\nc\""), "f:1:3: unexpected newline in string");
        assert_eq!(err("a \u{b}"), "f:1:3: unexpected input character '\\v'");
        assert_eq!(
            err("é\u{a0}"),
            "f:1:2: unexpected input character '\\u00a0'"
        );
    }
}
