//! go.mod and go.work files as `golang.org/x/mod/modfile` reads and writes them.
//!
//! STUB: the names below are the contract other modules code against (`modzip` reads
//! the root go.mod's `go` line through `parse_lax`); implementation in progress.

#![allow(unused_variables)]

/// A parsed go.mod file.
#[derive(Debug, Clone, Default)]
pub struct File {
    /// The `go` directive, if any.
    pub go: Option<Go>,
}

/// A `go` directive.
#[derive(Debug, Clone, Default)]
pub struct Go {
    /// The version as written, e.g. `1.21` or `1.22rc1`.
    pub version: String,
}

/// Parse errors; `Display` prints one `file:line:col: message` per line as Go does.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct Errors(pub String);

/// `modfile.ParseLax`: parses a dependency's go.mod, ignoring what `go` ignores there.
pub fn parse_lax(file: &str, data: &[u8]) -> Result<File, Errors> {
    todo!()
}
