//! The module store the test proxy serves: every module version a test can download.
//!
//! A [`Universe`] combines, in any mix:
//! 1. directories of Go test-proxy txtar archives ([`Universe::add_txtar_dir`], format
//!    in [`txtar_dir`]),
//! 2. modules built in test code ([`Package`]),
//! 3. GOPROXY-layout directory trees served as they are ([`Universe::add_tree`]),
//! 4. any other [`Source`] (e.g. a lazy synthetic universe for benchmarks).
//!
//! Txtar and builder modules live in one in-memory store, in insertion order (Go's
//! `modList`), with each zip built once and held as [`Bytes`]. A request is answered
//! by the in-memory store if it knows the answer, else by the other sources in the
//! order they were added; the first one that has the file wins.
//!
//! # Answers of the in-memory store
//! * `@v/list`: one `version\n` per version of the path, in insertion order, leaving
//!   out pseudo-versions and versions that fail `module.Check` (Go's test proxy
//!   does the same). A known path without such versions gets an empty body.
//! * `@v/<v>.info|.mod|.zip`: the stored bytes; a missing part is "not found". An
//!   all-hex `<v>` (a commit hash) is first mapped to the semver-highest version whose
//!   revision (pseudo-version suffix, or `.info` `Short`) starts with it or is a
//!   prefix of it.
//! * `@latest`: the `.info` of the version [`LatestMode`] picks. The default,
//!   [`LatestMode::Highest`], is what a real proxy answers; [`LatestMode::GoTestProxy`]
//!   reproduces Go's test proxy exactly, quirks included.
//!
//! The universe is cheap to clone and shared: publishing while a proxy runs is seen
//! by the next request.

mod builder;
mod memory;
mod tree;
pub mod txtar_dir;
mod zipfile;

pub use builder::{DEFAULT_TIME, Package};
pub use memory::StoredModule;
pub use tree::TreeSource;
pub use txtar_dir::TxtarLoad;

use bytes::Bytes;
use memory::MemoryStore;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

/// What a GOPROXY request asks for, with the module path and version already
/// unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `<path>/@v/list`
    List,
    /// `<path>/@latest`
    Latest,
    /// `<path>/@v/<version>.info`
    Info(String),
    /// `<path>/@v/<version>.mod`
    Mod(String),
    /// `<path>/@v/<version>.zip`
    Zip(String),
}

impl Endpoint {
    /// The version named in the request, if any.
    pub fn version(&self) -> Option<&str> {
        match self {
            Endpoint::Info(v) | Endpoint::Mod(v) | Endpoint::Zip(v) => Some(v),
            Endpoint::List | Endpoint::Latest => None,
        }
    }

    /// The `Content-Type` a proxy sends for this kind of answer.
    pub fn content_type(&self) -> &'static str {
        match self {
            Endpoint::Info(_) | Endpoint::Latest => "application/json",
            Endpoint::Zip(_) => "application/zip",
            Endpoint::List | Endpoint::Mod(_) => "text/plain; charset=utf-8",
        }
    }
}

/// Which version `@latest` names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LatestMode {
    /// What a real proxy answers: among versions valid for the path, the highest
    /// release, else the highest prerelease, else the highest pseudo-version. Not
    /// found when there is none.
    #[default]
    Highest,
    /// Exactly Go's `cmd/go/proxy_test.go`, whose comparisons run the wrong way: it
    /// keeps the lowest version of a class, and considers invalid versions too.
    GoTestProxy,
}

/// A place module files come from. Implementations are called from blocking threads
/// and may do file I/O.
pub trait Source: Send + Sync + 'static {
    /// The body answering `endpoint` for `path`; `Ok(None)` when this source does not
    /// have it (the proxy then asks the next source, and answers 404 after the last).
    fn get(&self, path: &str, endpoint: &Endpoint) -> io::Result<Option<Bytes>>;

    /// A different but valid zip for the version, for the proxy's `other-zip` fault;
    /// `None` when the source cannot make one.
    fn other_zip(&self, _path: &str, _version: &str) -> Option<Bytes> {
        None
    }

    /// A short description for logs and `--help`-style listings.
    fn describe(&self) -> String;
}

#[derive(Default)]
struct Inner {
    memory: MemoryStore,
    latest_mode: LatestMode,
    sources: Vec<Arc<dyn Source>>,
    descriptions: Vec<String>,
}

/// The shared module store. Clones see the same modules.
#[derive(Clone, Default)]
pub struct Universe {
    inner: Arc<RwLock<Inner>>,
}

impl std::fmt::Debug for Universe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.read();
        f.debug_struct("Universe")
            .field("modules", &inner.memory.modules().len())
            .field("latest_mode", &inner.latest_mode)
            .field("sources", &inner.descriptions)
            .finish()
    }
}

impl Universe {
    pub fn new() -> Universe {
        Universe::default()
    }

    /// A universe holding the archives of one txtar directory.
    pub fn from_txtar_dir(dir: impl AsRef<Path>) -> io::Result<Universe> {
        let u = Universe::new();
        u.add_txtar_dir(dir)?;
        Ok(u)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        // The store holds no invariant a panicking writer could break halfway.
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Loads every archive of a Go test-proxy directory (see [`txtar_dir`]).
    pub fn add_txtar_dir(&self, dir: impl AsRef<Path>) -> io::Result<TxtarLoad> {
        let dir = dir.as_ref();
        let (modules, report) = txtar_dir::load_dir(dir).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("loading txtar modules from {}: {e}", dir.display()),
            )
        })?;
        let mut inner = self.write();
        for m in modules {
            inner.memory.insert(m);
        }
        inner.descriptions.push(format!("txtar {}", dir.display()));
        Ok(report)
    }

    /// Serves a GOPROXY-layout directory as it is (see [`TreeSource`]).
    pub fn add_tree(&self, dir: impl Into<PathBuf>) {
        self.add_source(Arc::new(TreeSource::new(dir)));
    }

    /// Adds a source, asked after the in-memory modules and earlier sources.
    pub fn add_source(&self, source: Arc<dyn Source>) {
        let mut inner = self.write();
        inner.descriptions.push(source.describe());
        inner.sources.push(source);
    }

    pub(crate) fn insert(&self, m: StoredModule) {
        self.write().memory.insert(m);
    }

    /// How `@latest` is answered for in-memory modules.
    pub fn set_latest_mode(&self, mode: LatestMode) {
        self.write().latest_mode = mode;
    }

    pub fn latest_mode(&self) -> LatestMode {
        self.read().latest_mode
    }

    /// One in-memory module version.
    pub fn module(&self, path: &str, version: &str) -> Option<Arc<StoredModule>> {
        self.read().memory.module(path, version).cloned()
    }

    /// The in-memory module versions in list order (Go's `modList`).
    pub fn modules(&self) -> Vec<Arc<StoredModule>> {
        self.read().memory.modules().to_vec()
    }

    /// The version `@latest` names for an in-memory path under the current mode.
    pub fn latest(&self, path: &str) -> Option<String> {
        let inner = self.read();
        inner.memory.latest(path, inner.latest_mode)
    }

    /// What the sources answer; `Ok(None)` is "not found".
    pub fn get(&self, path: &str, endpoint: &Endpoint) -> io::Result<Option<Bytes>> {
        let sources = {
            let inner = self.read();
            if let Some(b) = inner.memory.get(path, endpoint, inner.latest_mode) {
                return Ok(Some(b));
            }
            inner.sources.clone()
        };
        for s in sources {
            if let Some(b) = s.get(path, endpoint)? {
                return Ok(Some(b));
            }
        }
        Ok(None)
    }

    /// A different but valid zip for a version (see [`StoredModule::other_zip`]).
    pub fn other_zip(&self, path: &str, version: &str) -> Option<Bytes> {
        let (module, sources) = {
            let inner = self.read();
            (
                inner.memory.module(path, version).cloned(),
                inner.sources.clone(),
            )
        };
        if let Some(m) = module {
            return m.other_zip().ok();
        }
        sources.iter().find_map(|s| s.other_zip(path, version))
    }

    /// Descriptions of the sources, in the order they are asked.
    pub fn describe(&self) -> Vec<String> {
        self.read().descriptions.clone()
    }
}
