//! go.mod errors, printed exactly as `golang.org/x/mod/modfile` prints them.
//!
//! Each [`Error`] carries the file name, the position of the offending line (or, for
//! scanner errors, of the offending character), the directive and module path it is
//! about, and what went wrong. `Display` is Go's `file:line:col: verb path: message`
//! (the column only when it is not 1). [`Errors`] is Go's `ErrorList`: the errors of
//! one parse, one per line.

use super::syntax::Position;
use crate::gostr;
use std::fmt;

/// One go.mod error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub filename: String,
    /// Zero when the error is not about a place in a file (e.g. from an edit).
    pub pos: Position,
    /// The directive, when the error is about a module path or version in it.
    pub verb: &'static str,
    /// The module path the error is about, if any.
    pub mod_path: String,
    pub kind: Box<ErrorKind>,
}

impl Error {
    pub(super) fn at(filename: &str, pos: Position, kind: ErrorKind) -> Error {
        Error {
            filename: filename.to_string(),
            pos,
            verb: "",
            mod_path: String::new(),
            kind: Box::new(kind),
        }
    }

    /// Whether the file could not be tokenized or parsed at all.
    pub fn is_syntax(&self) -> bool {
        matches!(*self.kind, ErrorKind::Syntax(_))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.pos;
        if p.line_rune > 1 {
            write!(f, "{}:{}:{}: ", self.filename, p.line, p.line_rune)?;
        } else if p.line > 0 {
            write!(f, "{}:{}: ", self.filename, p.line)?;
        } else if !self.filename.is_empty() {
            write!(f, "{}: ", self.filename)?;
        }
        if !self.mod_path.is_empty() {
            write!(f, "{} {}: ", self.verb, self.mod_path)?;
        } else if !self.verb.is_empty() {
            write!(f, "{}: ", self.verb)?;
        }
        write!(f, "{}", self.kind)
    }
}

impl std::error::Error for Error {}

/// What went wrong; `Display` is Go's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
    #[error("unknown directive: {0}")]
    UnknownDirective(String),
    #[error("unknown block type: {0}")]
    UnknownBlockType(String),
    /// `go`, `toolchain` or `module` given twice.
    #[error("repeated {0} statement")]
    Repeated(&'static str),
    /// `go`, `toolchain`, `tool` or `ignore` without exactly one argument.
    #[error("{0} directive expects exactly one argument")]
    ExpectsOneArgument(&'static str),
    /// Wrong arguments; the text is Go's usage line.
    #[error("usage: {0}")]
    Usage(String),
    #[error("invalid go version '{0}': must match format 1.23.0")]
    InvalidGoVersion(String),
    #[error("invalid toolchain version '{0}': must match format go1.23.0 or default")]
    InvalidToolchainVersion(String),
    #[error("invalid quoted string: {0}")]
    InvalidQuotedString(QuoteError),
    /// `module.InvalidVersionError`: the version as written and why it is invalid.
    #[error("version {} invalid: {reason}", gostr::quote(.version))]
    InvalidVersion {
        version: String,
        reason: VersionReason,
    },
    /// A module path whose major-version suffix is malformed.
    #[error("invalid module path")]
    InvalidModulePath,
    /// A check of the module layer failed (e.g. `module.CheckPathMajor`); its message.
    #[error("{0}")]
    Module(String),
    #[error("replacement module must match format 'path version', not 'path@version'")]
    ReplacementAtVersion,
    #[error(
        "replacement module without version must be directory path (rooted or starting with . or ..)"
    )]
    ReplacementNotDirectory,
    #[error("replacement directory appears to be Windows path (on a non-windows system)")]
    ReplacementWindowsPath,
    #[error("replacement module directory path {} cannot have version", gostr::quote(.0))]
    ReplacementDirectoryVersion(String),
    /// A malformed `retract` version interval.
    #[error("{0}")]
    Interval(IntervalError),
    #[error("unexpected token after version: {}", gostr::quote(.0))]
    TokenAfterVersion(String),
    #[error("no module directive found, so retract cannot be used")]
    RetractWithoutModule,
    /// An edit asked for a `go` version that is not valid.
    #[error("invalid language version {}", gostr::quote(.0))]
    InvalidLanguageVersion(String),
    /// An edit asked for a toolchain name that is not valid.
    #[error("invalid toolchain name {}", gostr::quote(.0))]
    InvalidToolchainName(String),
    /// An edit asked for two versions of one module.
    #[error("SetRequire called with conflicting versions for path {path} ({a} and {b})")]
    ConflictingRequire { path: String, a: String, b: String },
    /// An error from the caller's version fixer, as it printed it.
    #[error("{0}")]
    Fix(String),
}

/// Errors of the lexer and parser.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyntaxError {
    #[error("mod files must use // comments (not /* */ comments)")]
    BlockComment,
    #[error("unexpected EOF in string")]
    EofInString,
    #[error("unexpected newline in string")]
    NewlineInString,
    #[error("unexpected input character {}", gostr::quote_rune(*.0))]
    UnexpectedChar(char),
    #[error("syntax error (unterminated block started at {file}:{line}:{col})")]
    UnterminatedBlock {
        file: String,
        line: usize,
        col: usize,
    },
    #[error("syntax error (expected newline after closing paren)")]
    NewlineAfterParen,
}

/// Why a string argument was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// `strconv.Unquote` failed.
    #[error("invalid syntax")]
    Syntax,
    #[error("unquoted string cannot contain quote")]
    QuoteInUnquoted,
}

/// Why a version was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionReason {
    #[error(transparent)]
    Quote(#[from] QuoteError),
    /// Not a semantic version (`prefix` is `v` or the path's major prefix like `v2`).
    #[error("must be of the form {prefix}.2.3", prefix = if .0.is_empty() { "v1" } else { .0 })]
    NotCanonical(String),
    /// A major version the module path cannot have, e.g. `v2.0.0` without `/v2`.
    #[error("should be {version}+incompatible (or module {path}/{major})")]
    NeedsIncompatible {
        version: String,
        path: String,
        major: String,
    },
}

/// A malformed `retract` interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IntervalError {
    #[error("expected '[' or version")]
    ExpectedBracketOrVersion,
    #[error("expected version after '['")]
    ExpectedVersionAfterBracket,
    #[error("expected ',' after version")]
    ExpectedComma,
    #[error("expected version after ','")]
    ExpectedVersionAfterComma,
    #[error("expected ']' after version")]
    ExpectedCloseBracket,
}

/// The errors of one parse (Go's `ErrorList`); `Display` prints one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors(pub Vec<Error>);

impl Errors {
    /// Whether the file could not be tokenized or parsed at all.
    pub fn is_syntax(&self) -> bool {
        self.0.iter().any(Error::is_syntax)
    }
}

impl From<Error> for Errors {
    fn from(e: Error) -> Errors {
        Errors(vec![e])
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}
