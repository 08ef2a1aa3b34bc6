//! `gomodfetch publish`: the module cache (or part of it) as a static GOPROXY tree,
//! in a directory or an S3 bucket, that any static file server or bucket serves to
//! plain `go` clients (`GOPROXY=https://host/prefix`, or `file:///dir`).
//!
//! # The tree
//! The GOPROXY protocol's files (`go help goproxy`), with Go's `!` escaping:
//!
//! ```text
//! <escaped path>/@v/<escaped version>.info   as cached (JSON, checked to name its version)
//! <escaped path>/@v/<escaped version>.mod    as cached
//! <escaped path>/@v/<escaped version>.zip    as cached, only when complete and verified
//! <escaped path>/@v/list                     release and prerelease versions, merged
//! sumdb/<name>/supported                     with --sumdb: empty; says "proxied here"
//! sumdb/<name>/lookup/<path>@<version>       with --sumdb: the cached lookup answers
//! sumdb/<name>/tile/…                        with --sumdb: the cached tiles
//! ```
//!
//! No `@latest` is written: `go` asks for it only when `@v/list` offers no release or
//! prerelease (`modload/query.go`), i.e. for a module published with pseudo-versions
//! only, and a static answer would have to be replaced as versions arrive. Such
//! modules are still served by exact version.
//!
//! # What it guarantees
//! * **Never a corrupt zip**: a zip is published only when its `.ziphash` is beside
//!   it (Go's mark of a finished download), and only if the zip hashes (h1) to that
//!   value, hashed from the same memory mapping that is uploaded. A mismatch fails
//!   that version; the run goes on and exits 1.
//! * **Immutable objects**: everything but `@v/list` is created only if absent
//!   ([`dest`]). An existing object is left alone; it counts as "already there" when
//!   it is equivalent to ours ([`rules`]: same bytes; same `Version` and `Time` for
//!   `.info`; same record for a sumdb lookup) and as a refusal otherwise.
//! * **Lists only grow**, updated after a module's objects, with compare-and-swap (a
//!   file lock in a directory, ETags on S3), so concurrent publishers end with the
//!   union of their versions.
//! * **Checksum database** (`--sumdb`): the lookups and tiles the cache holds, as Go
//!   cached them, so `go` verifies through the tree (`GOSUMDB=<name>+<key>`, no other
//!   network access: it asks for `sumdb/<name>/supported`, then `lookup/…` and
//!   `tile/…`, never `latest`). Only what some client fetched is there: if the
//!   database grew between the cache's lookups, a client may need a tile no one
//!   fetched and then fails to verify (its error names the tile).
//!
//! # Layers
//! [`select`] (the arguments) and [`rules`] (lists, equivalence, fitness) are pure;
//! [`scan`] walks the cache; [`dest`] and [`s3`] talk to the destination; [`run`]
//! puts them together. The CLI (`cli::publish`) parses flags and prints.

pub mod dest;
pub mod rules;
mod run;
pub mod s3;
pub mod scan;
pub mod select;

pub use dest::{DestError, Destination};
pub use run::{Options, Problem, Report, Severity, run};
pub use select::{SelectError, Selector};
