//! The go.mod parser (the grammar half of Go's `modfile/read.go`): tokens to a
//! [`FileSyntax`], with every comment attached where Go attaches it.
//!
//! Grammar: a file is a sequence of statements, whole-line comments and blank lines.
//! A statement is a line of tokens, or a block `tokens (` newline … `)` newline whose
//! lines are tokens each; `tokens ()` on one line is an empty block, and a `(` with
//! more tokens after it on the line is an ordinary token. Whole-line comments go
//! *before* the next statement (or into a comment block when a blank line follows
//! them); inside a block a blank line is kept as an empty comment. End-of-line
//! comments are attached afterwards to the last node that ends before them on the
//! same line; any left over go before the file.

use super::error::{Error, Errors, SyntaxError};
use super::lex::{Kind, Lexer, Token};
use super::syntax::{
    Comment, CommentBlock, Comments, FileSyntax, Line, LineBlock, Paren, Position, Stmt,
};

/// Parses a go.mod or go.work file into its syntax tree without interpreting any
/// directive (Go's unexported `parse`). `file` names the file in errors.
pub fn parse_syntax(file: &str, data: &[u8]) -> Result<FileSyntax, Errors> {
    let lexer = Lexer::new(file, data)?;
    let mut p = Parser {
        lx: lexer,
        file: FileSyntax::default(),
    };
    p.parse_file()?;
    let mut fs = p.file;
    fs.name = file.to_string();
    assign_suffix_comments(&mut fs, p.lx.comments);
    Ok(fs)
}

struct Parser<'a> {
    lx: Lexer<'a>,
    file: FileSyntax,
}

impl Parser<'_> {
    fn text(&self, tok: &Token) -> Vec<u8> {
        self.lx.text(tok).to_vec()
    }

    fn new_line(
        &mut self,
        start: Position,
        token: Vec<Vec<u8>>,
        end: Position,
        in_block: bool,
    ) -> Line {
        Line {
            id: self.file.new_id(),
            comments: Comments::default(),
            start,
            token,
            in_block,
            end,
        }
    }

    fn parse_file(&mut self) -> Result<(), Error> {
        let mut cb: Option<CommentBlock> = None;
        loop {
            match self.lx.peek() {
                Kind::Punct(b'\n') => {
                    self.lx.lex()?;
                    if let Some(c) = cb.take() {
                        self.file.stmt.push(Stmt::Comments(c));
                    }
                }
                Kind::Comment => {
                    let tok = self.lx.lex()?;
                    let token = self.text(&tok);
                    let c = cb.get_or_insert_with(|| CommentBlock {
                        comments: Comments::default(),
                        start: tok.pos,
                    });
                    c.comments.before.push(Comment {
                        start: tok.pos,
                        token,
                        suffix: false,
                    });
                }
                Kind::Eof => {
                    if let Some(c) = cb.take() {
                        self.file.stmt.push(Stmt::Comments(c));
                    }
                    return Ok(());
                }
                _ => {
                    self.parse_stmt()?;
                    if let Some(c) = cb.take()
                        && let Some(last) = self.file.stmt.last_mut()
                    {
                        last.comments_mut().before = c.comments.before;
                    }
                }
            }
        }
    }

    fn parse_stmt(&mut self) -> Result<(), Error> {
        let tok = self.lx.lex()?;
        let start = tok.pos;
        let mut end = tok.end_pos;
        let mut tokens = vec![self.text(&tok)];
        loop {
            let tok = self.lx.lex()?;
            if tok.kind.is_eol() {
                let line = self.new_line(start, tokens, end, false);
                self.file.stmt.push(Stmt::Line(line));
                return Ok(());
            }
            if tok.kind == Kind::Punct(b'(') {
                let next = self.lx.peek();
                if next.is_eol() {
                    // Start of a block: nothing more on this line.
                    let block = self.parse_line_block(start, tokens, &tok)?;
                    self.file.stmt.push(Stmt::Block(block));
                    return Ok(());
                } else if next == Kind::Punct(b')') {
                    let rparen = self.lx.lex()?;
                    if self.lx.peek().is_eol() {
                        // An empty block.
                        self.lx.lex()?;
                        self.file.stmt.push(Stmt::Block(LineBlock {
                            comments: Comments::default(),
                            start,
                            lparen: Paren {
                                comments: Comments::default(),
                                pos: tok.pos,
                            },
                            token: tokens,
                            line: Vec::new(),
                            rparen: Paren {
                                comments: Comments::default(),
                                pos: rparen.pos,
                            },
                        }));
                        return Ok(());
                    }
                    // `( )` in the middle of a line is not a block.
                    tokens.push(self.text(&tok));
                    tokens.push(self.text(&rparen));
                } else {
                    // Neither is `(` in the middle of a line.
                    tokens.push(self.text(&tok));
                }
                continue;
            }
            tokens.push(self.text(&tok));
            end = tok.end_pos;
        }
    }

    fn parse_line_block(
        &mut self,
        start: Position,
        token: Vec<Vec<u8>>,
        lparen: &Token,
    ) -> Result<LineBlock, Error> {
        let mut x = LineBlock {
            comments: Comments::default(),
            start,
            lparen: Paren {
                comments: Comments::default(),
                pos: lparen.pos,
            },
            token,
            line: Vec::new(),
            rparen: Paren::default(),
        };
        let mut comments: Vec<Comment> = Vec::new();
        loop {
            match self.lx.peek() {
                Kind::EolComment => {
                    // Attached later with the other end-of-line comments.
                    self.lx.lex()?;
                }
                Kind::Punct(b'\n') => {
                    // A blank line: keep it as an empty comment, at most one in a row
                    // and not before the first line.
                    self.lx.lex()?;
                    let last_is_text = comments.last().is_some_and(|c| !c.token.is_empty());
                    if (comments.is_empty() && !x.line.is_empty()) || last_is_text {
                        comments.push(Comment::default());
                    }
                }
                Kind::Comment => {
                    let tok = self.lx.lex()?;
                    comments.push(Comment {
                        start: tok.pos,
                        token: self.text(&tok),
                        suffix: false,
                    });
                }
                Kind::Eof => {
                    return Err(self.lx.error(SyntaxError::UnterminatedBlock {
                        file: self.lx.filename().to_string(),
                        line: x.start.line,
                        col: x.start.line_rune,
                    }));
                }
                Kind::Punct(b')') => {
                    let rparen = self.lx.lex()?;
                    // A blank line just before `)` is not kept.
                    if comments.len() == 1 && comments[0] == Comment::default() {
                        comments.clear();
                    }
                    x.rparen.comments.before = comments;
                    x.rparen.pos = rparen.pos;
                    if !self.lx.peek().is_eol() {
                        return Err(self.lx.error(SyntaxError::NewlineAfterParen));
                    }
                    self.lx.lex()?;
                    return Ok(x);
                }
                _ => {
                    let mut l = self.parse_line()?;
                    l.comments.before = std::mem::take(&mut comments);
                    x.line.push(l);
                }
            }
        }
    }

    fn parse_line(&mut self) -> Result<Line, Error> {
        let tok = self.lx.lex()?;
        let start = tok.pos;
        let mut end = tok.end_pos;
        let mut tokens = vec![self.text(&tok)];
        loop {
            let tok = self.lx.lex()?;
            if tok.kind.is_eol() {
                return Ok(self.new_line(start, tokens, end, true));
            }
            tokens.push(self.text(&tok));
            end = tok.end_pos;
        }
    }
}

/// A node that end-of-line comments can attach to.
#[derive(Debug, Clone, Copy)]
enum Node {
    Stmt(usize),
    LParen(usize),
    RParen(usize),
    BlockLine(usize, usize),
}

fn node_comments(fs: &mut FileSyntax, n: Node) -> Option<&mut Comments> {
    match (n, fs.stmt.get_mut(n.stmt())?) {
        (Node::Stmt(_), s) => Some(s.comments_mut()),
        (Node::LParen(_), Stmt::Block(b)) => Some(&mut b.lparen.comments),
        (Node::RParen(_), Stmt::Block(b)) => Some(&mut b.rparen.comments),
        (Node::BlockLine(_, j), Stmt::Block(b)) => b.line.get_mut(j).map(|l| &mut l.comments),
        _ => None,
    }
}

impl Node {
    fn stmt(self) -> usize {
        match self {
            Node::Stmt(i) | Node::LParen(i) | Node::RParen(i) | Node::BlockLine(i, _) => i,
        }
    }
}

/// Attaches each end-of-line comment to the node that ends before it on the same
/// line, visiting nodes from last to first in post-order (Go's `assignComments`;
/// whole-line comments were already placed by the grammar). A node spanning several
/// lines takes none. Comments left over go before the file.
fn assign_suffix_comments(fs: &mut FileSyntax, mut suffix: Vec<Comment>) {
    let mut post: Vec<(Node, Position, Position)> = Vec::new();
    for (i, s) in fs.stmt.iter().enumerate() {
        if let Stmt::Block(b) = s {
            post.push((Node::LParen(i), b.lparen.pos, b.lparen.pos.after(b")")));
            for (j, l) in b.line.iter().enumerate() {
                post.push((Node::BlockLine(i, j), l.start, l.end));
            }
            post.push((Node::RParen(i), b.rparen.pos, b.rparen.pos.after(b")")));
        }
        let (start, end) = s.span();
        post.push((Node::Stmt(i), start, end));
    }

    for &(node, start, end) in post.iter().rev() {
        if start.line != end.line {
            continue;
        }
        let Some(com) = node_comments(fs, node) else {
            continue;
        };
        let first = com.suffix.len();
        while let Some(last) = suffix.last() {
            if end.byte > last.start.byte {
                break;
            }
            if let Some(c) = suffix.pop() {
                com.suffix.push(c);
            }
        }
        // They were taken in reverse.
        com.suffix[first..].reverse();
    }

    fs.comments.before.extend(suffix);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go's `TestComments` rendering: where every comment went.
    fn describe(src: &str) -> String {
        let fs = parse_syntax("go.mod", src.as_bytes()).expect("parse");
        let mut out = String::new();
        let mut put = |prefix: &str, c: &Comments| {
            for (kind, list) in [
                ("before", &c.before),
                ("suffix", &c.suffix),
                ("after", &c.after),
            ] {
                for com in list {
                    out += &format!("{prefix} {kind} {}\n", crate::gostr::quote(&com.token));
                }
            }
        };
        put("file", &fs.comments);
        for s in &fs.stmt {
            match s {
                Stmt::Comments(c) => put("comments", &c.comments),
                Stmt::Line(l) => put("line", &l.comments),
                Stmt::Block(b) => {
                    put("block", &b.comments);
                    put("lparen", &b.lparen.comments);
                    for l in &b.line {
                        put("blockline", &l.comments);
                    }
                    put("rparen", &b.rparen.comments);
                }
            }
        }
        out
    }

    #[test]
    fn comment_attachment_matches_go() {
        assert_eq!(
            describe("\n// a\n// b\n"),
            "comments before \"// a\"\ncomments before \"// b\"\n"
        );
        assert_eq!(
            describe("\n// a\n\n// b\nmodule m // c\n// d\n\n// e\n"),
            "comments before \"// a\"\nline before \"// b\"\nline suffix \"// c\"\n\
             comments before \"// d\"\ncomments before \"// e\"\n"
        );
        assert_eq!(
            describe(
                "\n// a\n\n// b\nblock ( // c\n\t// d\n\n\t// e\n\tx // f\n\t// g\n\n\t// h\n) // i\n// j\n\n// k\n"
            ),
            "comments before \"// a\"\nblock before \"// b\"\nlparen suffix \"// c\"\n\
             blockline before \"// d\"\nblockline before \"\"\nblockline before \"// e\"\n\
             blockline suffix \"// f\"\nrparen before \"// g\"\nrparen before \"\"\n\
             rparen before \"// h\"\nrparen suffix \"// i\"\ncomments before \"// j\"\n\
             comments before \"// k\"\n"
        );
        assert_eq!(describe("// a\r\r\n"), "comments before \"// a\\r\"\n");
    }

    #[test]
    fn punctuation_and_blocks() {
        let fs = parse_syntax("go.mod", b"require ()\nx ( ) y\nz (a\n").expect("parse");
        assert!(matches!(&fs.stmt[0], Stmt::Block(b) if b.line.is_empty()));
        assert!(matches!(&fs.stmt[1], Stmt::Line(l) if l.token.len() == 4));
        assert!(matches!(&fs.stmt[2], Stmt::Line(l) if l.token.len() == 3));
    }

    #[test]
    fn syntax_errors() {
        let err = |s: &str| {
            parse_syntax("f", s.as_bytes())
                .map(|_| ())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("require (\n\ta v1\n"),
            "f:3: syntax error (unterminated block started at f:1:1)"
        );
        assert_eq!(
            err("require (\n) x\n"),
            "f:2:4: syntax error (expected newline after closing paren)"
        );
    }
}
