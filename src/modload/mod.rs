//! The module graph's rules, as `cmd/go/internal/modload` applies them, without I/O.
//!
//! The engine loads go.mod files (over the network, from the module cache, or from
//! replacement directories) and hands the bytes here; everything that decides what
//! they mean lives in this module:
//!
//! * [`Summary`]: what one dependency's go.mod contributes to the graph (Go's
//!   `goModSummary`): its requirements after the main module's exclusions, its `go`
//!   line and pruning, and the checks of its `module` line.
//! * [`Replacer`]: the main module's `replace` and `exclude` lines (Go's
//!   `Replacement` and `CheckExclusions`).
//! * [`Requirements`]: the roots of the graph (the main go.mod's `require` lines plus
//!   the `go` and `toolchain` pseudo-modules), which modules are direct, and the
//!   pruning mode.
//! * [`gomod`]: the go.mod file Go writes back from a set of requirements, and whether
//!   the change is one Go calls "dirty".
//! * [`keep_sums`]: which go.sum lines Go keeps after a graph was loaded.
//!
//! The graph itself is [`crate::mvs::Graph`]; the concurrent loader that fills it is
//! in the engine (`engine::graph`).

pub mod gomod;
mod keep;
mod pattern;
mod replace;
mod requirements;
mod summary;

pub use keep::keep_sums;
pub use pattern::match_pattern;
pub use replace::Replacer;
pub use requirements::{Pruning, Requirements};
pub use summary::{Summary, SummaryError, summarize, toolchain_summary};

/// Go's `gover.ExplicitIndirectVersion` (and `SeparateIndirectVersion`): from this `go`
/// line on, go.mod lists every module that provides a package, and module graphs
/// are pruned.
pub const PRUNING_VERSION: &str = "1.17";

/// Go's `gover.GoStrictVersion`: from this `go` line on, a module's `go` line is a
/// requirement on the `go` pseudo-module.
pub const GO_STRICT_VERSION: &str = "1.21";

/// Go's `gover.DefaultGoModVersion`: the language version of a go.mod without a `go`
/// line.
pub const DEFAULT_GO_MOD_VERSION: &str = "1.16";
