//! Configuration resolved exactly as the go command resolves it (spec §3.1–3.3,
//! §3.7, §8.1), once, into immutable values.
//!
//! # What this layer guarantees
//!
//! * The environment is injected ([`Env`]): nothing here reads `std::env`, except
//!   [`Env::from_process`], which the binary calls once.
//! * Each variable is looked up in Go's order — process environment if non-empty,
//!   the user's go env file, `$GOROOT/go.env`, built-in default ([`GoEnv`]) — with
//!   GOROOT found as Go finds it (from the `go` on `PATH` when `$GOROOT` is unset)
//!   and the emulated Go version read from `$GOROOT/VERSION`.
//! * No proxy address is ever invented: when no layer sets GOPROXY,
//!   [`Config::goproxy`] is an error telling the user to set it.
//! * Errors are typed and display Go's exact texts, and each carries the failing
//!   input. Those Go reports at start-up come out of [`load`] as a
//!   [`StartupError`] with Go's exit status and stderr text; those Go reports later
//!   stay in the [`Config`] as `Result`s for the layer that uses the setting.
//! * Nothing panics on any input; no I/O happens after resolution except on
//!   explicit request ([`Config::load_netrc`]).
//!
//! # How the binary and engine use it (all blocking, no async)
//!
//! ```no_run
//! use gomodfetch::config::{self, Env};
//!
//! let env = Env::from_process()?;
//! let argv: Vec<_> = std::env::args_os().skip(1).collect();
//! let start = match config::load(&env, &argv) {
//!     Ok(s) => s,
//!     Err(e) => {
//!         eprint!("{}", e.stderr_text());
//!         std::process::exit(e.exit_code());
//!     }
//! };
//! for w in start.config.warnings() {
//!     eprintln!("{w}");
//! }
//! // Per module: walk the GOPROXY list (an error here is reported for the module,
//! // as `go: <path>@<version>: <error>`).
//! let list = start.config.goproxy();
//! // Route each entry, then fetch; the cache root may also be an error per module.
//! let cache = start.config.gomodcache();
//! # let _ = (list, cache);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Pieces
//!
//! * [`env`]: the snapshot. [`goenv`]: the layers and env-file syntax. [`goroot`]:
//!   GOROOT discovery and the emulated version. [`paths`]: GOPATH, GOMODCACHE, sumdb
//!   directory.
//! * [`goproxy`]: the GOPROXY list and per-entry routing (pure). [`gourl`]: Go's
//!   `net/url`, for Go-exact URL validation, re-serialisation and redaction.
//!   [`fileurl`]: `file://` URL ↔ path for Unix and Windows rules.
//! * [`goflags`]: GOFLAGS splitting and validation, and the table of every flag any
//!   go subcommand defines. [`cmdline`]: argv shapes, `-C`, Go's flag semantics,
//!   [`DownloadArgs`].
//! * [`goauth`]: GOAUTH validation, `.netrc` parsing and credential lookup by URL
//!   prefix. [`netenv`]: TLS roots, HTTP proxies, git child variables.
//! * [`resolved`]: [`Config`]. [`startup`]: [`load`] and [`StartupError`].

pub mod cmdline;
pub mod env;
pub mod fileurl;
pub mod goauth;
pub mod goenv;
pub mod goflags;
pub mod goproxy;
pub mod goroot;
pub mod gourl;
pub mod netenv;
mod oserr;
pub mod paths;
pub mod resolved;
pub mod startup;

pub use cmdline::{CommandShape, DownloadArgs, Invocation, USAGE, UsageError};
pub use env::Env;
pub use goenv::{GoEnv, Lookup, Source};
pub use goproxy::{GoProxyError, ProxyEntry, ProxyKind, ProxyList, Route, RouteError};
pub use oserr::PathError;
pub use resolved::{Config, GoWork, GoWorkError, ModulesError};
pub use startup::{Startup, StartupError, load};
