//! One `gomodfetch download` run: which modules, in what order, how many at once;
//! de-duplicated fetches; verification before publication. The engine is Go's
//! `modcmd.runDownload` with `modload.listModules` and `modfetch` underneath, over the
//! components below it: [`crate::proxy`] (the GOPROXY protocol), [`crate::store`] (the
//! module cache, Go's locks and layout), [`crate::zipstream`] (the one pass over a
//! zip), [`crate::gosum`] (go.sum), all configured by [`crate::config`].
//!
//! # What it guarantees
//! * **Go's results**: the same cache files (paths, bytes, modes), the same `-json`
//!   records ([`Record`]) in argument order, the same error texts, and Go's fatal
//!   failures ([`Fatal`]: a go.sum mismatch prints Go's `SECURITY ERROR` and ends the
//!   run at once) — see `run` for the order of the steps.
//! * **Nothing published before verification**: a zip is streamed once into the
//!   cache's temp file and, in the same pass, extracted under `.partial`; the `.ziphash`
//!   and the rename come only after its hash is checked against go.sum ([`zip`]).
//! * **Go's locks**: `E(v).lock` is held (flock) for the zip download and the
//!   extraction, exactly where `go` holds it, so a `go` process sharing the cache
//!   never sees our partial work, nor we its.
//! * **Bounded and de-duplicated**: one [`Concurrency`] value bounds network requests
//!   and CPU work; identical work (Stat per path and revision, go.mod and zip per
//!   version) runs once ([`crate::oncemap::OnceMap`]).
//! * The no-op path: a module whose `.info`, `.mod`, `.zip`, `.ziphash` and tree are
//!   in the cache costs no request.
//!
//! # Calling it
//! [`run`] is async (tokio, multi-threaded runtime): give it the resolved
//! [`crate::config::Config`], the parsed [`crate::config::DownloadArgs`], the working
//! directory and [`Options`] (retry policy, `-x` trace, a [`Reporter`] for progress
//! and for the stderr lines Go prints during a run). It returns the records
//! ([`Outcome`]) or a [`Fatal`] failure; the caller prints them (see `crate::cli`).
//! The engine itself never prints.
//!
//! # Not yet (later issues)
//! Workspaces, `-reuse`, direct VCS fetches.

mod args;
pub mod bridge;
mod commit;
mod concurrency;
mod error;
mod fetch;
mod graph;
mod list;
mod listing;
mod mainmod;
mod prewarm;
mod query;
mod record;
mod report;
mod run;
mod sumdb;
mod sums;
mod toolchain;
mod verify;
mod zip;

pub use concurrency::{Concurrency, DEFAULT_JOBS, blocking_threads};
pub use error::{Error, Fatal, SumdbError, SumdbFailure};
pub use list::{ListOutcome, list};
pub use listing::ModInfo;
pub use prewarm::{Event, ModuleResult, PrewarmJob, PrewarmOutcome, ProjectResult, prewarm};
pub use query::{Allow, QueryError, modinfo_error};
pub use record::Record;
pub use report::{Reporter, Silent};
pub use run::{NothingToDo, Options, Outcome, run};
pub use verify::{ModuleCheck, State, VerifyJob, VerifyOutcome, verify};
