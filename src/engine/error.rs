//! The engine's errors: per-module failures (the `Error` of a `-json` record, printed as
//! `go: <error>` without `-json`) and [`Fatal`] failures, which end the whole run at
//! once as Go's `base.Fatalf` does.
//!
//! Every `Display` is the go command's text for the same failure; the variants keep the
//! typed error of the layer that failed, so decisions never look at messages. Results
//! are shared between the tasks that asked for the same work (the engine's once-maps),
//! hence [`Shared`].

use crate::config::GoProxyError;
use crate::module::ModuleVersion;
use crate::proxy::ProxyError;
use crate::revinfo::Origin;
use crate::{modzip, store, zipstream};
use std::fmt;
use std::sync::Arc;

/// A per-module error, shared by every task that waited for the same work.
pub type Shared = Arc<Error>;

/// Why one module could not be resolved or downloaded.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The proxy client failed (Go's wrapping included).
    #[error("{0}")]
    Proxy(ProxyError),
    /// The module cache failed.
    #[error("{0}")]
    Store(store::Error),
    /// GOMODCACHE is unusable (reported by every use of the cache, as Go's
    /// `CachePath` reports it).
    #[error("{0}")]
    CacheRoot(Arc<store::Error>),
    /// GOPROXY is unusable (reported by every lookup, as Go's `TryProxies` does).
    #[error("{0}")]
    GoProxy(GoProxyError),
    /// The module path is invalid (Go's `lookupRepo` check).
    #[error("{0}")]
    Module(crate::module::Error),
    /// The zip could not be stored (downloaded, checked or hashed).
    #[error("{0}")]
    Zip(zipstream::Error),
    /// The zip could not be extracted (`unzip <zip>: <cause>`).
    #[error("{0}")]
    Unzip(modzip::Error),
    /// The checksum database did not vouch for a hash (boxed: it is the largest
    /// variant and rare).
    #[error("{0}")]
    Sumdb(Box<SumdbError>),
    /// go.sum could not be read (not a syntax error: those are fatal).
    #[error("{0}")]
    GoSumRead(String),
    /// Go's `gover.TooNewError`.
    #[error("{what} requires go >= {need} (running go {running}{explain})")]
    TooNew {
        what: String,
        need: String,
        running: String,
        /// `; GOTOOLCHAIN=<value>` when the setting is neither empty nor `auto`.
        explain: String,
    },
    /// `InfoFile`, `GoModFile`, `GoModSum`: a version that is not valid for the path.
    #[error("invalid version {}", crate::gostr::quote(.0))]
    InvalidVersion(String),
    /// The `go` and `toolchain` pseudo-modules have no cache entries (Go's
    /// `modfetch.ErrToolchain`).
    #[error("internal error: invalid operation on toolchain module")]
    Toolchain,
    /// Go's `modinfoError`: a query failure without module context, wrapped as
    /// `module.ModuleError` (`<path>@<query>: <err>`).
    #[error("{}", module_error(.path, .version, .source))]
    Query {
        path: String,
        version: String,
        source: Shared,
    },
    /// A version query failed for a reason of its own (Go's `modload.Query` errors:
    /// no matching versions, an invalid range, a disallowed version…).
    #[error("{0}")]
    VersionQuery(crate::query::Error),
    /// The error of work another task did (a once-map result).
    #[error("{0}")]
    Shared(Shared),
    /// An argument form this version does not implement yet (module-graph queries).
    #[error("{0}")]
    Unsupported(String),
    /// Waiting for a blocking task failed (it panicked): a bug, reported as such.
    #[error("internal error: {0}")]
    Internal(String),
    /// A failure that ends the run (see [`Fatal`]); kept in the once-maps like any
    /// other result so every waiting task sees it.
    #[error("{0}")]
    Fatal(Fatal),
}

/// Go's `module.ModuleError` text for an error that carries no module context.
fn module_error(path: &str, version: &str, err: &Error) -> String {
    if version.is_empty() {
        format!("module {path}: {err}")
    } else {
        format!("{path}@{version}: {err}")
    }
}

impl Error {
    /// The fatal failure inside, if this is one.
    pub fn fatal(&self) -> Option<&Fatal> {
        match self {
            Error::Fatal(f) => Some(f),
            Error::Query { source, .. } | Error::Shared(source) => source.fatal(),
            _ => None,
        }
    }

    /// Whether Go's error is a `module.ModuleError` already (so `modinfoError` does not
    /// wrap it again).
    pub fn has_module_context(&self) -> bool {
        match self {
            Error::Proxy(e) => e.has_module_context(),
            Error::Sumdb(_) | Error::Query { .. } => true,
            Error::VersionQuery(e) => e.has_module_context(),
            Error::Shared(e) => e.has_module_context(),
            _ => false,
        }
    }

    /// When Go's error is a `module.ModuleError`, the text of the error it wraps (what
    /// go.mod's parser reports after `<verb> <path>: `); `None` otherwise.
    pub fn module_error_detail(&self) -> Option<String> {
        match self {
            Error::Proxy(e) => e.module_error_detail(),
            Error::Query { source, .. } => Some(source.to_string()),
            Error::Shared(e) => e.module_error_detail(),
            _ => None,
        }
    }

    /// The origin the repository reported beside the failure (direct mode: an
    /// unknown revision's `RepoSum`), which a query merges into its own.
    pub fn origin(&self) -> Option<&Origin> {
        match self {
            Error::Proxy(e) => e.origin(),
            Error::Shared(e) => e.origin(),
            _ => None,
        }
    }

    pub fn shared(self) -> Shared {
        Arc::new(self)
    }
}

impl From<ProxyError> for Error {
    fn from(e: ProxyError) -> Error {
        Error::Proxy(e)
    }
}

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Error {
        Error::Store(e)
    }
}

impl From<Fatal> for Error {
    fn from(f: Fatal) -> Error {
        Error::Fatal(f)
    }
}

/// Go's `<module>@<version>: verifying <noun>: <cause>` for a hash the checksum database
/// did not vouch for.
#[derive(Debug, thiserror::Error)]
#[error("{module}: verifying {noun}: {cause}")]
pub struct SumdbError {
    pub module: ModuleVersion,
    /// `module` or `go.mod`.
    pub noun: &'static str,
    pub cause: SumdbFailure,
}

/// Why the checksum database did not vouch for a hash (Go's `checkSumDB` errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SumdbFailure {
    /// Dialling or the lookup failed (Go's text, e.g. `checksum database disabled by
    /// GOSUMDB=off`, `invalid GOSUMDB: …`, `<path>@<v>: reading <url>: …`).
    Lookup(String),
    /// The database holds another hash.
    Mismatch {
        downloaded: String,
        db: String,
        theirs: String,
    },
    /// The database answered, without a line for this hash's key.
    Absent,
}

/// Go's `sumdbMismatch` trailer.
const SUMDB_MISMATCH: &str = "\n\nSECURITY ERROR\nThis download does NOT match the one reported by the checksum server.\nThe bits may have been replaced on the origin server, or an attacker may\nhave intercepted the download attempt.\n\nFor more information, see 'go help module-auth'.\n";

/// Go's `sumdbAbsent` trailer.
const SUMDB_ABSENT: &str = "\n\nSECURITY ERROR\nThis download does NOT match one reported by the checksum server.\nThe checksum server has provided checksums, but the checksums do\nnot contain an entry for the download.\nThe checksum server may be malfunctioning, or an attacker may have\nintercepted the checksum request.\nThe download cannot be verified.\n\nFor more information, see 'go help module-auth'.\n";

impl fmt::Display for SumdbFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SumdbFailure::Lookup(e) => f.write_str(e),
            SumdbFailure::Mismatch {
                downloaded,
                db,
                theirs,
            } => write!(
                f,
                "checksum mismatch\n\tdownloaded: {downloaded}\n\t{db}: {theirs}{SUMDB_MISMATCH}"
            ),
            SumdbFailure::Absent => {
                write!(f, "checksum missing from sumdb response{SUMDB_ABSENT}")
            }
        }
    }
}

/// A failure that ends the run at once: the go command prints it (`base.Fatalf`) and
/// exits with status 1, even under `-json` and with other downloads in flight.
/// `text` is exactly what goes to stderr, newline-terminated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fatal {
    text: String,
}

impl Fatal {
    /// `text` as `log.Print` writes it: a newline is added unless it ends with one.
    pub fn new(text: impl Into<String>) -> Fatal {
        let mut text = text.into();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        Fatal { text }
    }

    /// `go: <text>`, as `base.Fatalf("go: %v", err)` prints it.
    pub fn go(err: impl fmt::Display) -> Fatal {
        Fatal::new(format!("go: {err}"))
    }

    /// Exactly what goes to stderr.
    pub fn stderr_text(&self) -> &str {
        &self.text
    }

    /// The go command's exit status.
    pub fn exit_code(&self) -> i32 {
        1
    }
}

impl fmt::Display for Fatal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text.trim_end_matches('\n'))
    }
}

impl std::error::Error for Fatal {}
