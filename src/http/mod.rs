//! The one HTTP client of gomodfetch: TLS, HTTP/2, redirects, credentials, retries,
//! `file://` URLs and the `-x` trace, with Go's messages.
//!
//! # Guarantees
//! * **Go's behaviour per request** ([`Client`]): the go command's redirect policy
//!   (≤ 10, never `https` → `http`), `.netrc` credentials only on `https` and only for
//!   the matching `host[:port]/path` prefix (the config layer's [`Credentials`]),
//!   its one retry of an
//!   `https` 4xx, `file://` URLs with synthesized 404/403 (paths as the config layer's `fileurl`
//!   converts them), and TLS roots
//!   loaded exactly as Go loads them on Linux, `SSL_CERT_FILE`/`SSL_CERT_DIR` included
//!   ([`RootSource`]).
//! * **Go's texts** ([`Error`]): `reading <url>: 404 Not Found` with the
//!   `server response:` detail rules, `Get "<url>": …`, `read "<url>": …`; URLs are
//!   built and printed as `net/url` does ([`GoUrl`], on the config layer's port) and
//!   always redacted.
//! * **Retries** ([`RetryPolicy`]), beyond Go: transient failures are retried with
//!   backoff and jitter, in two layers — the request ([`Client::get`]) and the body
//!   ([`Download::restart`]); [`Error::is_not_found`] (404/410, "try the next proxy")
//!   and [`Error::is_transient`] are the predicates callers decide on.
//! * **Bounded**: every wait has a time-out ([`ClientConfig::idle_timeout`]), bodies read
//!   into memory have a size limit ([`Body::read_to_end`]), error bodies are sampled,
//!   not drained.
//!
//! # How the engine uses it
//! Build one [`Client`] per run from a [`ClientConfig`] (roots and proxy settings from
//! the environment, credentials from the config layer's `.netrc`, a [`Trace`] for
//! `-x`), clone it freely into tasks (clones share the connection pool), and bound the
//! number of requests in flight itself. Everything is async on tokio; nothing blocks
//! except [`Client::new`] (it reads the certificate files).
//! Small bodies: [`Client::get_bytes`]. Large ones: [`Client::download`], then
//! [`Download::chunk`] until `None`, calling [`Download::restart`] on a failure and
//! starting over when it returns `Ok`.

mod body;
mod client;
mod detail;
mod error;
mod file;
mod gourl;
mod retry;
mod status;
mod tls;
mod trace;
mod transport;

pub use crate::config::goauth::{Credentials, NetrcEntry};
pub use body::{Body, Download};
pub use client::{BuildError, Client, ClientConfig, ProxyEnv, Response, pool_builder};
pub use error::{Cause, CauseKind, Error, ErrorKind, StatusError, errno_text};
pub use gourl::{GoUrl, RedactedUrl, UrlParseError, proxy_path_escape};
pub use retry::{RetryPolicy, parse_retry_after};
pub use status::{go_status_line, go_status_text};
pub use tls::{RootSource, TlsConfigError};
pub use trace::{Trace, TraceBuffer};
