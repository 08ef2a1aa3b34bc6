//! The go.mod syntax tree: statements, blocks and the comments attached to them.
//!
//! This is the concrete syntax `modfile` reads and prints (Go's `FileSyntax`). It keeps
//! every comment where Go attaches it so that printing reproduces Go's formatting and
//! an edited file keeps its comments. Tokens and comment texts are bytes, exactly as
//! read: go.mod files need not be UTF-8, and printing writes them back unchanged.
//!
//! The interpreted [`File`](super::File) refers to lines by [`LineId`] (Go keeps
//! pointers); ids are unique within one tree and survive edits and [`FileSyntax::cleanup`].

use super::text;

/// A position in the input: line (from 1), rune in the line (from 1), byte offset
/// (from 0). Lines made by edits have the zero position.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub line_rune: usize,
    pub byte: usize,
}

impl Position {
    /// The position just after `s` when `s` starts here (Go's `Position.add`).
    pub fn after(self, s: &[u8]) -> Position {
        let mut p = self;
        p.byte += s.len();
        let mut rest = s;
        if let Some(last_nl) = s.iter().rposition(|&b| b == b'\n') {
            p.line += s.iter().filter(|&&b| b == b'\n').count();
            rest = &s[last_nl + 1..];
            p.line_rune = 1;
        }
        p.line_rune += text::rune_count(rest);
        p
    }
}

/// One `//` comment. `token` is the text from `//` to the end of the line (without
/// the newline); a blank line inside a block is kept as an empty comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comment {
    pub start: Position,
    pub token: Vec<u8>,
    /// An end-of-line comment (after tokens on the same line).
    pub suffix: bool,
}

impl Comment {
    /// A whole-line comment made by an edit (`token` should start with `//`).
    pub fn new(token: impl Into<Vec<u8>>) -> Comment {
        Comment {
            token: token.into(),
            ..Comment::default()
        }
    }
}

/// The comments attached to a syntax node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comments {
    /// Whole-line comments before the node.
    pub before: Vec<Comment>,
    /// End-of-line comments after the node.
    pub suffix: Vec<Comment>,
    /// Whole-line comments after the node (top-level statements only).
    pub after: Vec<Comment>,
}

/// Identifies a [`Line`] within its [`FileSyntax`]. The default, 0, names no line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineId(pub u32);

/// A whole go.mod or go.work file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSyntax {
    /// The file name used in error messages.
    pub name: String,
    pub comments: Comments,
    pub stmt: Vec<Stmt>,
    /// The last [`LineId`] given out.
    pub(crate) next_id: u32,
}

/// A top-level statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stmt {
    /// Comments standing alone, separated from any statement by a blank line.
    Comments(CommentBlock),
    Line(Line),
    Block(LineBlock),
}

/// A run of whole-line comments that belongs to no statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommentBlock {
    pub comments: Comments,
    pub start: Position,
}

/// One line of tokens: a top-level statement (first token is the verb) or a line in
/// a block (`in_block`, tokens without the verb).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    pub id: LineId,
    pub comments: Comments,
    pub start: Position,
    /// The tokens as written (quoted strings keep their quotes). Empty once the line
    /// is marked removed by an edit; [`FileSyntax::cleanup`] then drops it.
    pub token: Vec<Vec<u8>>,
    pub in_block: bool,
    pub end: Position,
}

/// A factored block: `verb (` newline, lines, `)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineBlock {
    pub comments: Comments,
    pub start: Position,
    pub lparen: Paren,
    pub token: Vec<Vec<u8>>,
    pub line: Vec<Line>,
    pub rparen: Paren,
}

/// The opening or closing parenthesis of a block, where comments can attach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paren {
    pub comments: Comments,
    pub pos: Position,
}

impl Stmt {
    /// The comments attached to the statement itself.
    pub fn comments(&self) -> &Comments {
        match self {
            Stmt::Comments(c) => &c.comments,
            Stmt::Line(l) => &l.comments,
            Stmt::Block(b) => &b.comments,
        }
    }

    pub fn comments_mut(&mut self) -> &mut Comments {
        match self {
            Stmt::Comments(c) => &mut c.comments,
            Stmt::Line(l) => &mut l.comments,
            Stmt::Block(b) => &mut b.comments,
        }
    }

    /// The span of the statement (start, end), without comments.
    pub fn span(&self) -> (Position, Position) {
        match self {
            Stmt::Comments(c) => (c.start, c.start),
            Stmt::Line(l) => (l.start, l.end),
            Stmt::Block(b) => (b.start, b.rparen.pos.after(b")")),
        }
    }
}

impl Line {
    /// Marks the line (and its end-of-line comment) for removal by
    /// [`FileSyntax::cleanup`].
    pub fn mark_removed(&mut self) {
        self.token.clear();
        self.comments.suffix.clear();
    }
}

impl FileSyntax {
    /// A fresh line id.
    pub(crate) fn new_id(&mut self) -> LineId {
        // Ids start at 1: the default id 0 (of entries cleared by edits) is no line.
        self.next_id += 1;
        LineId(self.next_id)
    }

    /// Every line, top-level or in a block, in file order.
    pub fn lines(&self) -> impl Iterator<Item = &Line> {
        self.stmt
            .iter()
            .flat_map(|s| -> Box<dyn Iterator<Item = &Line> + '_> {
                match s {
                    Stmt::Line(l) => Box::new(std::iter::once(l)),
                    Stmt::Block(b) => Box::new(b.line.iter()),
                    Stmt::Comments(_) => Box::new(std::iter::empty()),
                }
            })
    }

    /// The line with this id.
    pub fn line(&self, id: LineId) -> Option<&Line> {
        self.lines().find(|l| l.id == id)
    }

    /// The line with this id, for editing.
    pub fn line_mut(&mut self, id: LineId) -> Option<&mut Line> {
        for s in &mut self.stmt {
            match s {
                Stmt::Line(l) if l.id == id => return Some(l),
                Stmt::Block(b) => {
                    if let Some(l) = b.line.iter_mut().find(|l| l.id == id) {
                        return Some(l);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Replaces the tokens of a line (`tokens` starts with the verb, which is
    /// dropped for a line inside a block). Go's `updateLine`.
    pub fn update_line(&mut self, id: LineId, tokens: Vec<Vec<u8>>) {
        if let Some(line) = self.line_mut(id) {
            line.token = if line.in_block {
                tokens.into_iter().skip(1).collect()
            } else {
                tokens
            };
        }
    }

    /// Marks a line for removal (see [`Line::mark_removed`]).
    pub fn mark_removed(&mut self, id: LineId) {
        if let Some(line) = self.line_mut(id) {
            line.mark_removed();
        }
    }

    /// Removes the lines marked removed, drops blocks left empty and turns a block
    /// left with one line (and no comment before its `)`) back into a single line.
    /// Go's `FileSyntax.Cleanup`.
    pub fn cleanup(&mut self) {
        let stmts = std::mem::take(&mut self.stmt);
        for stmt in stmts {
            match stmt {
                Stmt::Line(l) if l.token.is_empty() => {}
                Stmt::Block(mut b) => {
                    b.line.retain(|l| !l.token.is_empty());
                    if b.line.is_empty() {
                        continue;
                    }
                    if b.line.len() == 1 && b.rparen.comments.before.is_empty() {
                        let Some(only) = b.line.pop() else { continue };
                        let mut token = b.token;
                        token.extend(only.token);
                        self.stmt.push(Stmt::Line(Line {
                            id: only.id,
                            comments: Comments {
                                before: concat(b.comments.before, only.comments.before),
                                suffix: concat(only.comments.suffix, b.comments.suffix),
                                after: concat(only.comments.after, b.comments.after),
                            },
                            token,
                            ..Line::default()
                        }));
                        continue;
                    }
                    self.stmt.push(Stmt::Block(b));
                }
                other => self.stmt.push(other),
            }
        }
    }

    /// Adds a line with `tokens` (verb first) where `placement` says, and returns its
    /// id (Go's `addLine`):
    ///
    /// - [`Placement::Near`] a line whose verb matches: into that line's block, after
    ///   it (a single line becomes a block holding both). Near a line whose verb
    ///   differs: after that line's statement.
    /// - [`Placement::SameVerb`]: at the end of the last statement with the same verb
    ///   (a single line becomes a block), or at the end of the file.
    /// - [`Placement::End`], or near a line that does not exist: at the end of the file.
    pub fn add_line(&mut self, placement: Placement, tokens: Vec<Vec<u8>>) -> LineId {
        let id = self.new_id();
        let verb = tokens.first().cloned().unwrap_or_default();
        let hint = match placement {
            Placement::End => None,
            Placement::Near(h) => Some(Hint::Line(h)),
            Placement::SameVerb => self
                .stmt
                .iter()
                .enumerate()
                .rev()
                .find_map(|(i, s)| match s {
                    Stmt::Line(l) if l.token.first() == Some(&verb) => Some(Hint::Stmt(i)),
                    Stmt::Block(b) if b.token.first() == Some(&verb) => Some(Hint::Stmt(i)),
                    _ => None,
                }),
        };
        let new_line = |token: Vec<Vec<u8>>, in_block: bool| Line {
            id,
            token,
            in_block,
            ..Line::default()
        };
        let rest = || tokens.iter().skip(1).cloned().collect::<Vec<_>>();

        if let Some(hint) = hint {
            for i in 0..self.stmt.len() {
                let stmt = &mut self.stmt[i];
                match stmt {
                    Stmt::Line(l) if hint.is_stmt(i, l.id) => {
                        if l.token.first() != Some(&verb) {
                            self.stmt.insert(i + 1, Stmt::Line(new_line(tokens, false)));
                            return id;
                        }
                        // Turn the line into a block holding it and the new line.
                        let mut first = std::mem::take(l);
                        let block_token = vec![first.token.remove(0)];
                        first.in_block = true;
                        *stmt = Stmt::Block(LineBlock {
                            token: block_token,
                            line: vec![first, new_line(rest(), true)],
                            ..LineBlock::default()
                        });
                        return id;
                    }
                    Stmt::Block(b) => {
                        let same_verb = b.token.first() == Some(&verb);
                        if hint == Hint::Stmt(i) {
                            if !same_verb {
                                self.stmt.insert(i + 1, Stmt::Line(new_line(tokens, false)));
                                return id;
                            }
                            b.line.push(new_line(rest(), true));
                            return id;
                        }
                        if let Hint::Line(h) = hint
                            && let Some(j) = b.line.iter().position(|l| l.id == h)
                        {
                            if !same_verb {
                                self.stmt.insert(i + 1, Stmt::Line(new_line(tokens, false)));
                                return id;
                            }
                            b.line.insert(j + 1, new_line(rest(), true));
                            return id;
                        }
                    }
                    _ => {}
                }
            }
        }
        self.stmt.push(Stmt::Line(new_line(tokens, false)));
        id
    }
}

/// Where [`FileSyntax::add_line`] puts a new line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// With the last statement of the same verb (Go's `addLine` with a nil hint).
    SameVerb,
    /// With this line (Go's `addLine` with a hint).
    Near(LineId),
    /// At the end of the file. (Go's `AddExclude` and `AddReplace` pass a nil `*Line`
    /// as hint when they find no related line; as a non-nil interface it matches no
    /// statement, so the line goes at the end.)
    End,
}

/// Where [`FileSyntax::add_line`] adds: after a given line, or in a given statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hint {
    Line(LineId),
    Stmt(usize),
}

impl Hint {
    fn is_stmt(self, i: usize, line: LineId) -> bool {
        self == Hint::Stmt(i) || self == Hint::Line(line)
    }
}

fn concat(mut a: Vec<Comment>, b: Vec<Comment>) -> Vec<Comment> {
    a.extend(b);
    a
}
