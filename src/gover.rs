//! Go toolchain/language versions as on `go` and `toolchain` lines
//! (`cmd/go/internal/gover`, and `go/version` for the `go`-prefixed forms).
//!
//! STUB: signatures are the contract; implementation in progress (issue 2).

#![allow(unused_variables)]

use std::cmp::Ordering;

/// `gover.Compare` of versions like `1.21`, `1.21rc1`, `1.21.0` (no `go` prefix).
pub fn compare(x: &str, y: &str) -> Ordering {
    todo!()
}
/// `gover.Lang`: the language version (`1.21.3` → `1.21`).
pub fn lang(x: &str) -> String {
    todo!()
}
/// `gover.IsValid`.
pub fn is_valid(x: &str) -> bool {
    todo!()
}

/// The standard library's `go/version` API over `go`-prefixed names (`go1.21rc1`).
pub mod go_version {
    use std::cmp::Ordering;

    /// `version.Compare`.
    pub fn compare(x: &str, y: &str) -> Ordering {
        todo!("{x}{y}")
    }
    /// `version.Lang`.
    pub fn lang(x: &str) -> String {
        todo!("{x}")
    }
    /// `version.IsValid`.
    pub fn is_valid(x: &str) -> bool {
        todo!("{x}")
    }
}
