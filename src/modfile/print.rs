//! The go.mod printer (Go's `modfile/print.go`): a syntax tree to canonical text.
//!
//! Statements are separated by blank lines only where the source had them (comment
//! blocks end at blank lines), blocks are indented with one tab per level, tokens are
//! separated by single spaces except around brackets and commas, comments are trimmed,
//! and trailing blank lines are dropped. The output is byte-for-byte what Go prints.

use super::syntax::{Comment, CommentBlock, FileSyntax, Line, LineBlock, Paren, Stmt};
use super::text;

/// Formats a syntax tree in the standard style (Go's `modfile.Format`).
pub fn format(f: &FileSyntax) -> Vec<u8> {
    let mut p = Printer::default();
    p.file(f);
    let mut b = p.out;
    while b.last() == Some(&b'\n') && (b.len() == 1 || b[b.len() - 2] == b'\n') {
        b.pop();
    }
    b
}

#[derive(Default)]
struct Printer {
    out: Vec<u8>,
    /// End-of-line comments waiting for the end of the current line.
    comment: Vec<Comment>,
    /// The indentation, in tabs.
    margin: usize,
}

/// A node the printer visits.
enum Expr<'a> {
    Comments(&'a CommentBlock),
    LParen(&'a Paren),
    RParen(&'a Paren),
    Line(&'a Line),
    Block(&'a LineBlock),
}

impl Expr<'_> {
    fn comments(&self) -> &super::syntax::Comments {
        match self {
            Expr::Comments(c) => &c.comments,
            Expr::LParen(p) | Expr::RParen(p) => &p.comments,
            Expr::Line(l) => &l.comments,
            Expr::Block(b) => &b.comments,
        }
    }
}

impl Printer {
    fn put_comment(&mut self, c: &Comment) {
        self.out.extend_from_slice(text::trim_space(&c.token));
    }

    fn tabs(&mut self) {
        for _ in 0..self.margin {
            self.out.push(b'\t');
        }
    }

    /// The column of the end of the output, in bytes.
    fn indent(&self) -> usize {
        self.out.iter().rev().take_while(|&&b| b != b'\n').count()
    }

    /// Ends the current line, flushing end-of-line comments, and indents the next.
    fn newline(&mut self) {
        if !self.comment.is_empty() {
            self.out.push(b' ');
            let pending = std::mem::take(&mut self.comment);
            for (i, com) in pending.iter().enumerate() {
                if i > 0 {
                    self.trim();
                    self.out.push(b'\n');
                    self.tabs();
                }
                self.put_comment(com);
            }
        }
        self.trim();
        let b = &self.out;
        let n = b.len();
        // No blank line at the top of the file or after a blank line.
        if !(n == 0 || (n >= 2 && b[n - 1] == b'\n' && b[n - 2] == b'\n')) {
            self.out.push(b'\n');
        }
        self.tabs();
    }

    /// Removes trailing spaces and tabs from the current line.
    fn trim(&mut self) {
        while matches!(self.out.last(), Some(b' ' | b'\t')) {
            self.out.pop();
        }
    }

    fn file(&mut self, f: &FileSyntax) {
        for com in &f.comments.before {
            self.put_comment(com);
            self.newline();
        }
        for (i, stmt) in f.stmt.iter().enumerate() {
            match stmt {
                Stmt::Comments(c) => self.expr(Expr::Comments(c)),
                Stmt::Line(l) => {
                    self.expr(Expr::Line(l));
                    self.newline();
                }
                Stmt::Block(b) => {
                    self.expr(Expr::Block(b));
                    self.newline();
                }
            }
            for com in &stmt.comments().after {
                self.put_comment(com);
                self.newline();
            }
            if i + 1 < f.stmt.len() {
                self.newline();
            }
        }
    }

    fn expr(&mut self, x: Expr<'_>) {
        // Whole-line comments before the node, at the current margin.
        let before = &x.comments().before;
        if !before.is_empty() {
            self.trim();
            if self.indent() > 0 {
                self.out.push(b'\n');
            }
            self.tabs();
            for com in before {
                self.put_comment(com);
                self.newline();
            }
        }

        match x {
            Expr::Comments(_) => {}
            Expr::LParen(_) => self.out.push(b'('),
            Expr::RParen(_) => self.out.push(b')'),
            Expr::Line(l) => self.tokens(&l.token),
            Expr::Block(b) => {
                self.tokens(&b.token);
                self.out.push(b' ');
                self.expr(Expr::LParen(&b.lparen));
                self.margin += 1;
                for l in &b.line {
                    self.newline();
                    self.expr(Expr::Line(l));
                }
                self.margin -= 1;
                self.newline();
                self.expr(Expr::RParen(&b.rparen));
            }
        }

        // End-of-line comments wait for the end of the line.
        self.comment.extend(x.comments().suffix.iter().cloned());
    }

    fn tokens(&mut self, tokens: &[Vec<u8>]) {
        let mut sep: &[u8] = b"";
        for t in tokens {
            if matches!(t.as_slice(), b"," | b")" | b"]" | b"}") {
                sep = b"";
            }
            self.out.extend_from_slice(sep);
            self.out.extend_from_slice(t);
            sep = b" ";
            if matches!(t.as_slice(), b"(" | b"[" | b"{") {
                sep = b"";
            }
        }
    }
}
