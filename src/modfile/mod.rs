//! go.mod and go.work files exactly as `golang.org/x/mod/modfile` reads, checks and
//! writes them.
//!
//! - [`parse`] reads the main module's go.mod strictly; [`parse_lax`] reads a
//!   dependency's go.mod, ignoring directives that only matter to a main module (and
//!   any it does not know); [`parse_work`] reads go.work. Errors are [`Errors`] whose
//!   `Display` is Go's `file:line:col: message` list, word for word.
//! - The result keeps the full syntax tree ([`FileSyntax`]) with every comment, so
//!   [`format()`] reproduces Go's canonical formatting byte for byte and edits
//!   ([`File::add_require`], [`File::set_require_separate_indirect`], …, then
//!   [`File::cleanup`]) keep the file's layout as `go` does.
//! - [`mod_json`] and [`work_json`] print `go mod edit -json` / `go work edit -json`.
//!
//! The input is bytes and need not be UTF-8: the lexer decodes runes as Go does
//! (an invalid byte is U+FFFD of width one), tokens and comments are kept as the
//! bytes read so printing is exact, and interpreted values ([`File`] fields) are text
//! in which invalid bytes became U+FFFD. No input makes the parser panic.

mod comments;
mod edit;
mod error;
mod json;
mod lex;
mod parse;
mod print;
mod quote;
mod require_blocks;
mod rule;
mod syntax;
mod text;
mod version;
mod work;

#[cfg(test)]
mod proptests;

pub use error::{Error, ErrorKind, Errors, IntervalError, QuoteError, SyntaxError, VersionReason};
pub use json::{mod_json, work_json};
pub use parse::parse_syntax;
pub use print::format;
pub use quote::{auto_quote, auto_quote_str, is_directory_path, module_path, must_quote};
pub use rule::{
    Exclude, File, Go, Godebug, Ignore, Module, Replace, Require, Retract, Tool, Toolchain, parse,
    parse_lax, parse_lax_with_fix,
};
pub use syntax::{
    Comment, CommentBlock, Comments, FileSyntax, Line, LineBlock, LineId, Paren, Placement,
    Position, Stmt,
};
pub use version::{
    FixError, VersionFixer, VersionInterval, is_go_version, is_toolchain_name, lax_go_version,
};
pub use work::{Use, WorkFile, parse_work};
