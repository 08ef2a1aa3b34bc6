//! Go's `modfetch.Fetcher` for one run: `.info` (Stat), `.mod` (GoMod) and the
//! per-module steps of `modcmd.DownloadModule`, each de-duplicated inside the process
//! (Go's `par.Cache`s) and bounded by the run's [`Concurrency`].
//!
//! Every result, error included, is computed once per key and shared: Stat per
//! (path, revision), go.mod per module version, zip and tree per module version
//! ([`super::zip`]). The disk cache is consulted before the network exactly where Go
//! consults it, and written where Go writes it.

use super::concurrency::Concurrency;
use super::error::{Error, Shared, SumdbError, SumdbFailure};
use super::record::{Record, path_string};
use super::report::Reporter;
use super::sumdb::{Lookup, SumDb};
use super::sums::Sums;
use super::zip::ZipDone;
use crate::config::{Config, GoProxyError};
use crate::dirhash;
use crate::gover;
use crate::module::ModuleVersion;
use crate::oncemap::OnceMap;
use crate::proxy::Proxies;
use crate::revinfo::RevInfo;
use crate::store::{self, Store};
use std::path::PathBuf;
use std::sync::Arc;

/// The state of one run's fetching. Shared by all tasks (`Arc`).
pub struct Fetcher {
    pub(super) config: Config,
    pub(super) proxies: Result<Proxies, GoProxyError>,
    pub(super) store: Result<Store, Arc<store::Error>>,
    pub(super) sums: Sums,
    pub(super) sumdb: Arc<SumDb>,
    pub(super) conc: Concurrency,
    pub(super) reporter: Arc<dyn Reporter>,
    stats: OnceMap<(String, String), Result<RevInfo, Shared>>,
    mods: OnceMap<ModuleVersion, Result<Arc<Vec<u8>>, Shared>>,
    pub(super) zips: OnceMap<ModuleVersion, Result<ZipDone, Shared>>,
    pub(super) dirs: OnceMap<ModuleVersion, Result<PathBuf, Shared>>,
    /// Version lists, `Latest` answers and retractions ([`super::query`]).
    pub(super) query_cache: super::query::QueryCache,
    /// Directories created for trees whose zip then failed (see
    /// [`Fetcher::remove_unused_dirs`]).
    pub(super) unused_dirs: std::sync::Mutex<Vec<PathBuf>>,
    /// Where `-x` notes go.
    pub(super) trace: Option<Arc<dyn crate::http::Trace>>,
    /// Requests shared with the other fetchers of a `prewarm` (one per project).
    pub(super) net_share: Option<Arc<NetShare>>,
    /// `prewarm --zips-only`: zips are downloaded and verified, never extracted.
    pub(super) zips_only: bool,
}

/// Single-flight `.info` and `.mod` requests across the fetchers of one `prewarm`:
/// each project has its own fetcher (its own go.sum to verify against), but a module
/// many projects need is asked of the proxies once. Only the proxies' answers are
/// shared; every fetcher still checks them against its go.sum and writes the cache
/// as it would alone.
#[derive(Default)]
pub struct NetShare {
    stats: OnceMap<(String, String), Result<RevInfo, Shared>>,
    mods: OnceMap<ModuleVersion, Result<Arc<Vec<u8>>, Shared>>,
}

/// Runs blocking work (file I/O, locks) off the async runtime.
pub async fn blocking<T, F>(f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("a blocking task failed: {e}")))
}

/// Runs a small read of the module cache on the calling task rather than through
/// [`blocking`]: a stat, or reading a `.info`, `.mod`, `.ziphash` or extracted go.mod
/// of a few hundred bytes (at most under a shared lock a writer holds for a moment).
///
/// Why: a hop to the blocking pool and back costs two thread wake-ups, far more than
/// such a read, and a run makes several per module. A no-op `download` of an
/// 844-module project (perf, strace) spent most of its time in those hand-offs —
/// 106 000 futex calls — and was twice as slow as `go`'s. Whatever can wait for long
/// (version locks, downloads, hashing a zip, extraction, writes) stays on [`blocking`].
pub fn cache_read<T>(f: impl FnOnce() -> T) -> T {
    f()
}

impl Fetcher {
    pub fn new(
        config: Config,
        proxies: Result<Proxies, GoProxyError>,
        store: Result<Store, Arc<store::Error>>,
        sums: Sums,
        sumdb: Arc<SumDb>,
        conc: Concurrency,
        reporter: Arc<dyn Reporter>,
    ) -> Fetcher {
        Fetcher {
            config,
            proxies,
            store,
            sums,
            sumdb,
            conc,
            reporter,
            stats: OnceMap::new(),
            mods: OnceMap::new(),
            zips: OnceMap::new(),
            dirs: OnceMap::new(),
            query_cache: Default::default(),
            unused_dirs: std::sync::Mutex::new(Vec::new()),
            trace: None,
            net_share: None,
            zips_only: false,
        }
    }

    /// Shares `.info` and `.mod` requests with other fetchers (`prewarm`).
    pub(super) fn with_net_share(mut self, share: Option<Arc<NetShare>>) -> Fetcher {
        self.net_share = share;
        self
    }

    /// Never extracts zips (`prewarm --zips-only`).
    pub(super) fn with_zips_only(mut self, zips_only: bool) -> Fetcher {
        self.zips_only = zips_only;
        self
    }

    /// Sends `-x` notes to `trace`.
    pub fn with_trace(mut self, trace: Option<Arc<dyn crate::http::Trace>>) -> Fetcher {
        self.trace = trace;
        self
    }

    /// Once every module is done: removes the directories created for trees whose
    /// zip failed before extraction (Go creates a tree's parents only after its zip
    /// is verified), deepest first, each only if empty — another module may have
    /// extracted into it meanwhile. Best effort.
    pub(super) async fn remove_unused_dirs(&self) {
        let mut dirs = std::mem::take(
            &mut *self
                .unused_dirs
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if dirs.is_empty() {
            return;
        }
        dirs.sort_by(|a, b| {
            let depth = |d: &PathBuf| d.components().count();
            depth(b).cmp(&depth(a)).then_with(|| a.cmp(b))
        });
        dirs.dedup();
        let _ = blocking(move || {
            for d in dirs {
                let _ = std::fs::remove_dir(d);
            }
        })
        .await;
    }

    /// The store, or Go's `CachePath` error (GOMODCACHE unusable).
    pub(super) fn store(&self) -> Result<&Store, Error> {
        self.store
            .as_ref()
            .map_err(|e| Error::CacheRoot(Arc::clone(e)))
    }

    /// Go's `TryProxies` first step: GOPROXY must be usable.
    pub(super) fn proxies_ready(&self) -> Result<(), Error> {
        self.proxies().map(drop)
    }

    pub(super) fn proxies(&self) -> Result<&Proxies, Error> {
        self.proxies.as_ref().map_err(|e| Error::GoProxy(e.clone()))
    }

    /// Runs `f` on the run's go.sum state: on this task once go.sum is in memory (a
    /// lookup), on a blocking thread while it may still have to be read.
    pub(super) async fn with_sums<T, F>(self: &Arc<Self>, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Sums, &dyn Reporter) -> T + Send + 'static,
    {
        if self.sums.is_loaded() {
            return Ok(f(&self.sums, self.reporter.as_ref()));
        }
        let me = Arc::clone(self);
        blocking(move || f(&me.sums, me.reporter.as_ref())).await
    }

    /// Go's `checkModSum`: go.sum first, then, for a hash it does not hold, the
    /// checksum database (in parallel with other lookups), then the hash is recorded.
    pub(super) async fn check_sum(
        self: &Arc<Self>,
        key: ModuleVersion,
        h: String,
    ) -> Result<(), Error> {
        let (k, hh) = (key.clone(), h.clone());
        if self
            .with_sums(move |sums, _| sums.check_go_sum(&k, &hh))
            .await??
        {
            return Ok(());
        }
        if self.sums.use_sumdb(&key.path) {
            self.check_sumdb(&key, &h).await?;
        }
        self.with_sums(move |sums, reporter| sums.record(&key, &h, &|w| reporter.message(w)))
            .await?
    }

    /// Go's `checkSumDB`: the database must hold exactly `h` for `key`.
    async fn check_sumdb(&self, key: &ModuleVersion, h: &str) -> Result<(), Error> {
        let (version, noun) = match key.version.strip_suffix("/go.mod") {
            Some(v) => (v, "go.mod"),
            None => (key.version.as_str(), "module"),
        };
        let fail = |cause| {
            Error::Sumdb(Box::new(SumdbError {
                module: ModuleVersion::new(key.path.clone(), version),
                noun,
                cause,
            }))
        };
        let (db, lines) = match self.sumdb.lookup(&key.path, &key.version).await? {
            Lookup::Lines { db, lines } => (db, lines),
            Lookup::Failed(e) => return Err(fail(SumdbFailure::Lookup(e))),
        };
        let have = format!("{} {} {h}", key.path, key.version);
        let prefix = format!("{} {} h1:", key.path, key.version);
        for line in &lines {
            if *line == have {
                return Ok(());
            }
            if line.starts_with(&prefix) {
                return Err(fail(SumdbFailure::Mismatch {
                    downloaded: h.to_string(),
                    db,
                    theirs: line[prefix.len() - "h1:".len()..].to_string(),
                }));
            }
        }
        Err(fail(SumdbFailure::Absent))
    }

    /// Go's `cachingRepo.Stat` behind `TryProxies`: the cached `.info` if present
    /// (with GOPROXY=off, a pseudo-version by commit hash), else the proxies; a
    /// proxy's answer is written to the cache under the version it names.
    pub async fn stat(self: &Arc<Self>, path: &str, rev: &str) -> Result<RevInfo, Shared> {
        let key = (path.to_string(), rev.to_string());
        let me = Arc::clone(self);
        let (p, r) = key.clone();
        self.stats
            .get_or_run(
                &key,
                || async move { Box::pin(me.stat_uncached(&p, &r)).await },
            )
            .await
    }

    async fn stat_uncached(self: &Arc<Self>, path: &str, rev: &str) -> Result<RevInfo, Shared> {
        let shared = |e: Error| e.shared();
        if !gover::is_toolchain(path)
            && let Some(info) = self.stat_from_disk(path, rev).await.map_err(shared)?
        {
            return Ok(info);
        }
        let info = match &self.net_share {
            Some(share) => {
                let key = (path.to_string(), rev.to_string());
                share
                    .stats
                    .get_or_run(&key, || Box::pin(self.proxy_stat(path, rev)))
                    .await?
            }
            None => self.proxy_stat(path, rev).await?,
        };
        if info.version != rev {
            let seeded = info.clone();
            self.stats
                .get_or_run(&(path.to_string(), info.version.clone()), || async move {
                    Ok(seeded)
                })
                .await
                .ok();
        }
        self.write_info(path, &info).await;
        Ok(info)
    }

    /// The proxies' `.info` for `rev`, within the network bound.
    async fn proxy_stat(&self, path: &str, rev: &str) -> Result<RevInfo, Shared> {
        let proxies = self.proxies().map_err(Error::shared)?;
        let _permit = self.conc.network.acquire().await;
        proxies
            .stat(path, rev)
            .await
            .map_err(|e| Error::Proxy(e).shared())
    }

    /// The proxies' `.mod` for `m`, within the network bound.
    async fn proxy_go_mod(&self, m: &ModuleVersion) -> Result<Vec<u8>, Error> {
        let proxies = self.proxies()?;
        let _permit = self.conc.network.acquire().await;
        Ok(proxies.go_mod(&m.path, &m.version).await?)
    }

    /// What Go's `cachingRepo.Latest` does with its answer: the Stat cache learns it
    /// (unless it knows the version already) and the `.info` is written unless the
    /// cache has one.
    pub(super) async fn remember_stat(&self, path: &str, info: &RevInfo) {
        let seeded = info.clone();
        let _ = self
            .stats
            .get_or_run(&(path.to_string(), info.version.clone()), || async move {
                Ok(seeded)
            })
            .await;
        if matches!(self.stat_from_disk(path, &info.version).await, Ok(None)) {
            self.write_info(path, info).await;
        }
    }

    /// `readDiskStat`: a miss is `Ok(None)`.
    async fn stat_from_disk(&self, path: &str, rev: &str) -> Result<Option<RevInfo>, Error> {
        let Ok(store) = self.store() else {
            return Ok(None);
        };
        let store = store.clone();
        let m = ModuleVersion::new(path, rev);
        let by_hash = self.config.goproxy_text() == "off";
        Ok(cache_read(move || {
            if let Some(info) = store
                .read_info(&m)
                .and_then(|data| RevInfo::from_proxy_json(&data).ok())
            {
                return Some(info);
            }
            if by_hash && let Some((_, data)) = store.info_by_hash(&m.path, &m.version) {
                return RevInfo::from_proxy_json(&data).ok();
            }
            None
        }))
    }

    /// `writeDiskStat` under the resolved version; failures are reported as Go
    /// reports them (`go: writing stat cache: …`) and otherwise ignored.
    async fn write_info(&self, path: &str, info: &RevInfo) {
        let Ok(store) = self.store() else { return };
        let store = store.clone();
        let m = ModuleVersion::new(path, info.version.clone());
        let bytes = info.cache_info_bytes();
        let reporter = Arc::clone(&self.reporter);
        let _ = blocking(move || {
            let result =
                bytes
                    .map_err(|e| e.to_string())
                    .and_then(|b| match store.write_info(&m, &b) {
                        Err(e) if e.is_uncacheable() => Ok(()),
                        other => other.map(drop).map_err(|e| e.to_string()),
                    });
            if let Err(e) = result {
                reporter.message(&format!("go: writing stat cache: {e}"));
            }
        })
        .await;
    }

    /// Go's `GoMod` for a valid version: the cached `.mod` (verified against go.sum)
    /// or the proxies' (verified, then cached with the `list` rewrite).
    pub async fn go_mod(self: &Arc<Self>, m: &ModuleVersion) -> Result<Arc<Vec<u8>>, Shared> {
        let me = Arc::clone(self);
        let key = m.clone();
        self.mods
            .get_or_run(m, || async move {
                Box::pin(me.go_mod_uncached(&key))
                    .await
                    .map_err(Error::shared)
            })
            .await
    }

    async fn go_mod_uncached(self: &Arc<Self>, m: &ModuleVersion) -> Result<Arc<Vec<u8>>, Error> {
        if !gover::is_toolchain(&m.path)
            && let Ok(store) = self.store()
        {
            let (store, key) = (store.clone(), m.clone());
            if let Some(data) = cache_read(move || store.read_mod(&key)) {
                self.check_go_mod(m, &data).await?;
                return Ok(Arc::new(data));
            }
        }
        let data = match &self.net_share {
            Some(share) => {
                let fetched = share
                    .mods
                    .get_or_run(m, || {
                        Box::pin(async {
                            self.proxy_go_mod(m)
                                .await
                                .map(Arc::new)
                                .map_err(Error::shared)
                        })
                    })
                    .await;
                Arc::unwrap_or_clone(fetched.map_err(Error::Shared)?)
            }
            None => self.proxy_go_mod(m).await?,
        };
        self.check_go_mod(m, &data).await?;
        if let Ok(store) = self.store() {
            let (store, key, bytes) = (store.clone(), m.clone(), data.clone());
            let reporter = Arc::clone(&self.reporter);
            blocking(move || match store.write_mod(&key, &bytes) {
                Err(e) if !e.is_uncacheable() => {
                    reporter.message(&format!("go: writing go.mod cache: {e}"));
                }
                _ => {}
            })
            .await?;
        }
        Ok(Arc::new(data))
    }

    /// Go's `checkGoMod`.
    async fn check_go_mod(self: &Arc<Self>, m: &ModuleVersion, data: &[u8]) -> Result<(), Error> {
        let h = dirhash::hash_go_mod(data);
        let key = ModuleVersion::new(m.path.clone(), format!("{}/go.mod", m.version));
        self.check_sum(key, h.to_string()).await
    }

    /// `modcmd.DownloadModule`: fills `rec` field by field in Go's order; the first
    /// error stops it (the fields filled so far stay).
    pub async fn download_module(self: &Arc<Self>, rec: &mut Record) -> Result<(), Shared> {
        let m = ModuleVersion::new(rec.path.clone(), rec.version.clone());
        let invalid = || Error::InvalidVersion(m.version.clone()).shared();
        // InfoFile
        if !gover::mod_is_valid(&m.path, &m.version) {
            return Err(invalid());
        }
        self.stat(&m.path, &m.version).await?;
        let paths = self
            .store()
            .and_then(|s| s.paths(&m).map_err(Error::Store))
            .map_err(Error::shared)?;
        rec.info = path_string(&paths.info());
        // GoModFile, GoModSum
        let data = self.go_mod(&m).await?;
        rec.go_mod = path_string(&paths.gomod());
        rec.go_mod_sum = dirhash::hash_go_mod(&data).to_string();
        // DownloadZip
        let zip = self.download_zip(&m).await?;
        rec.zip = path_string(&zip.zip);
        // Sum
        let store = self.store().map_err(Error::shared)?.clone();
        let key = m.clone();
        rec.sum = cache_read(move || store.sum(&key)).unwrap_or_default();
        if self.zips_only {
            return Ok(());
        }
        // Download
        let dir = self.download(&m).await?;
        self.check_go_version(&m, &dir, !rec.newer_go_ok)
            .await
            .map_err(Error::shared)?;
        rec.dir = path_string(&dir);
        Ok(())
    }
}

/// Go's `errors.Is(err, fs.ErrNotExist)` for a shared error.
pub(super) fn is_not_found(e: &Error) -> bool {
    match e {
        Error::Proxy(p) => p.is_not_found(),
        // A proxy answer shared between fetchers (`prewarm`).
        Error::Shared(inner) => is_not_found(inner),
        _ => false,
    }
}
