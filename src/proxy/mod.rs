//! The GOPROXY protocol client: Go's `modfetch` proxy repository and `TryProxies`.
//!
//! # What it guarantees
//! * The requests `go` makes, built as `go` builds them ([`ProxyRepo`]): `@v/list`,
//!   `@latest` (with the list-with-times fallback on 404/410), `@v/<rev>.info`,
//!   `@v/<v>.mod`, `@v/<v>.zip`, with `net/url` escaping (`!` → `%21`).
//! * Go's checks on the answers: `.info` decoded as `json.Unmarshal` does
//!   ([`crate::revinfo`]), a canonical version must come back unchanged, lists filtered
//!   (valid semver, no pseudo-versions), zips over 500 MiB refused.
//! * Go's walk over the GOPROXY list ([`Proxies::try_proxies`]): `,` falls through on
//!   "not found" only, `|` on any error, and the error reported is ranked as Go ranks it.
//! * Go's error texts ([`ProxyError`]), wrapped as `proxyRepo.versionError` wraps them:
//!   `<path>@<version>: reading <url>: 404 Not Found`, `module <path>: …`,
//!   `<path>@<rev>: invalid version: …`. Only retried failures differ, by a trailing
//!   ` (after N attempts)` on their first line.
//!
//! # How the engine calls it
//! Build one [`Proxies`] per run (an [`crate::http::Client`], the parsed
//! [`crate::config::goproxy::ProxyList`] and GONOPROXY), clone it into tasks, and call
//! [`Proxies::stat`], [`Proxies::go_mod`], [`Proxies::zip`] / [`Proxies::zip_with`],
//! [`Proxies::list`], [`Proxies::latest`]. Each call is stateless: de-duplicating
//! identical requests and caching answers are the engine's job. Everything is async.
//!
//! `direct` entries (and GONOPROXY paths) fail with
//! [`LookupError::DirectUnsupported`], which is *not* "not found" (see [`error`]).
//! The special `go`/`toolchain` module paths fail with
//! [`LookupError::ToolchainUnsupported`].

pub mod direct;
pub mod error;
mod repo;
mod walk;
mod zip;

pub use error::{DirectFailure, Failure, LookupError, ProxyError};
pub use repo::{Limits, MAX_ZIP_FILE, ProxyRepo, VersionList, filter_list, latest_from_list};
pub use walk::{Proxies, Repo};
pub use zip::ZipDownload;
