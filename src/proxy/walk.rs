//! The GOPROXY list walk: Go's `modfetch.TryProxies` with its error ranking, and the
//! per-entry routing of Go's `modfetch.lookup`.
//!
//! Each operation walks the list from the start (Go remembers nothing between
//! operations). An entry is tried; success ends the walk. After a failure the walk goes
//! on to the next entry when the failure is "not found" (404/410, …) or when the entry
//! was followed by `|`; otherwise it stops. The error reported is the most useful one
//! seen: a `direct`/`noproxy` error first, then a proxy error that is not "not found",
//! then a "not found" one (the last such seen).

use super::direct::{DirectModule, DirectModules, DirectRepo};
use super::error::{LookupError, ProxyError};
use super::repo::{Limits, ProxyRepo, VersionList};
use super::zip::ZipDownload;
use crate::config::goproxy::{ProxyEntry, ProxyKind, ProxyList, Route, route};
use crate::http::Client;
use crate::revinfo::RevInfo;
use std::future::Future;
use std::ops::ControlFlow;
use std::sync::Arc;

/// The proxy client for a whole GOPROXY list. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Proxies {
    client: Client,
    list: Arc<ProxyList>,
    gonoproxy: Arc<str>,
    limits: Limits,
    /// Direct mode; without it a `direct` route fails as not supported.
    direct: Option<Arc<dyn DirectModules>>,
}

impl std::fmt::Debug for dyn DirectModules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DirectModules")
    }
}

/// The repository one GOPROXY entry offers for a module path (a proxy repository is
/// boxed: it is large and short-lived).
pub enum Repo {
    Proxy(Box<ProxyRepo>),
    Direct(Arc<dyn DirectModule>),
}

impl Repo {
    pub async fn list(&self, prefix: &str) -> Result<VersionList, ProxyError> {
        match self {
            Repo::Proxy(r) => r.list(prefix).await,
            Repo::Direct(r) => r.list(prefix).await,
        }
    }

    pub async fn latest_listed(&self, listed: Option<&[String]>) -> Result<RevInfo, ProxyError> {
        match self {
            Repo::Proxy(r) => r.latest_listed(listed).await,
            Repo::Direct(r) => r.latest().await,
        }
    }

    pub async fn stat(&self, rev: &str) -> Result<RevInfo, ProxyError> {
        match self {
            Repo::Proxy(r) => r.stat(rev).await,
            Repo::Direct(r) => r.stat(rev).await,
        }
    }

    pub async fn go_mod(&self, version: &str) -> Result<Vec<u8>, ProxyError> {
        match self {
            Repo::Proxy(r) => r.go_mod(version).await,
            Repo::Direct(r) => r.go_mod(version).await,
        }
    }

    pub async fn zip(&self, version: &str) -> Result<ZipDownload, ProxyError> {
        match self {
            Repo::Proxy(r) => r.zip(version).await,
            Repo::Direct(r) => r.zip(version).await,
        }
    }
}

const NOT_EXIST_RANK: u8 = 0;
const PROXY_RANK: u8 = 1;
const DIRECT_RANK: u8 = 2;

impl Proxies {
    /// `list` as parsed from GOPROXY (with the implicit `noproxy` entry when GONOPROXY
    /// is set), `gonoproxy` the GONOPROXY patterns.
    pub fn new(client: Client, list: ProxyList, gonoproxy: &str) -> Proxies {
        Proxies {
            client,
            list: Arc::new(list),
            gonoproxy: gonoproxy.into(),
            limits: Limits::default(),
            direct: None,
        }
    }

    /// Serves `direct` routes with `direct`.
    pub fn with_direct(mut self, direct: Arc<dyn DirectModules>) -> Proxies {
        self.direct = Some(direct);
        self
    }

    /// Replaces the body size and time limits.
    pub fn with_limits(mut self, limits: Limits) -> Proxies {
        self.limits = limits;
        self
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The repository an entry offers for `path`, or why it offers none.
    async fn repo_for(&self, entry: &ProxyEntry, path: &str) -> Result<Repo, ProxyError> {
        // The config layer's routing (Go's `modfetch.lookup`).
        match route(entry, path, &self.gonoproxy) {
            Route::Proxy(base) => ProxyRepo::new(&self.client, self.limits, &base, path)
                .map(|r| Repo::Proxy(Box::new(r))),
            Route::Direct => match &self.direct {
                None => Err(ProxyError::Lookup(LookupError::DirectUnsupported)),
                Some(d) => match d.lookup(path).await? {
                    DirectRepo::Proxy(base) => {
                        ProxyRepo::new(&self.client, self.limits, &base, path)
                            .map(|r| Repo::Proxy(Box::new(r)))
                    }
                    DirectRepo::Code(m) => Ok(Repo::Direct(m)),
                },
            },
            Route::Toolchain => Err(ProxyError::Lookup(LookupError::ToolchainUnsupported)),
            Route::NotFound(e) => Err(ProxyError::Lookup(LookupError::Route(e))),
        }
    }

    /// Go's `TryProxies`: runs `op` against each entry's repository for `path` until
    /// one succeeds (see the module docs for the fallback and ranking rules).
    pub async fn try_proxies<T, F, Fut>(&self, path: &str, mut op: F) -> Result<T, ProxyError>
    where
        F: FnMut(Repo) -> Fut,
        Fut: Future<Output = Result<T, ProxyError>>,
    {
        let mut ranking = Ranking::default();
        for entry in &self.list.0 {
            let result = match self.repo_for(entry, path).await {
                Ok(repo) => op(repo).await,
                Err(e) => Err(e),
            };
            if let ControlFlow::Break(done) = ranking.settle(entry, result) {
                return done;
            }
        }
        Err(ranking.finish())
    }

    /// `@v/list` through the list.
    pub async fn list(&self, path: &str, prefix: &str) -> Result<VersionList, ProxyError> {
        self.try_proxies(path, |r| async move { r.list(prefix).await })
            .await
    }

    /// `@latest` (with Go's list fallback) through the list.
    pub async fn latest(&self, path: &str) -> Result<RevInfo, ProxyError> {
        self.try_proxies(path, |r| async move { r.latest_listed(None).await })
            .await
    }

    /// [`Proxies::latest`] whose list fallback reads `listed` (see
    /// [`ProxyRepo::latest_listed`]).
    pub async fn latest_listed(
        &self,
        path: &str,
        listed: Option<&[String]>,
    ) -> Result<RevInfo, ProxyError> {
        self.try_proxies(path, |r| async move { r.latest_listed(listed).await })
            .await
    }

    /// `.info` through the list.
    pub async fn stat(&self, path: &str, rev: &str) -> Result<RevInfo, ProxyError> {
        self.try_proxies(path, |r| async move { r.stat(rev).await })
            .await
    }

    /// `.mod` through the list.
    pub async fn go_mod(&self, path: &str, version: &str) -> Result<Vec<u8>, ProxyError> {
        self.try_proxies(path, |r| async move { r.go_mod(version).await })
            .await
    }

    /// `.zip` through the list: the first entry that answers with 200 serves the whole
    /// body (a body failure does not move on to the next entry; see [`Proxies::zip_with`]).
    pub async fn zip(&self, path: &str, version: &str) -> Result<ZipDownload, ProxyError> {
        self.try_proxies(path, |r| async move { r.zip(version).await })
            .await
    }

    /// `.zip` through the list exactly as Go walks it: `consume` reads the whole body of
    /// one entry's response (restarting it as it sees fit); if it fails, the walk
    /// continues as for any other failure of that entry. `consume` must therefore be
    /// ready to start over.
    pub async fn zip_with<T, F, Fut>(
        &self,
        path: &str,
        version: &str,
        mut consume: F,
    ) -> Result<T, ProxyError>
    where
        F: FnMut(ZipDownload) -> Fut,
        Fut: Future<Output = Result<T, ProxyError>>,
    {
        let mut ranking = Ranking::default();
        for entry in &self.list.0 {
            let result = match self.repo_for(entry, path).await {
                Ok(repo) => match repo.zip(version).await {
                    Ok(dl) => consume(dl).await,
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            if let ControlFlow::Break(done) = ranking.settle(entry, result) {
                return done;
            }
        }
        Err(ranking.finish())
    }
}

/// The error TryProxies reports: the best-ranked one seen.
#[derive(Default)]
struct Ranking {
    best: Option<ProxyError>,
    rank: u8,
}

impl Ranking {
    /// Settles one entry's result: success ends the walk; a failure is ranked, and
    /// ends the walk (with the best error) unless the entry falls through.
    fn settle<T>(
        &mut self,
        entry: &ProxyEntry,
        result: Result<T, ProxyError>,
    ) -> ControlFlow<Result<T, ProxyError>> {
        match result {
            Ok(v) => ControlFlow::Break(Ok(v)),
            Err(e) => {
                if self.record(entry, e) {
                    ControlFlow::Continue(())
                } else {
                    ControlFlow::Break(Err(std::mem::take(self).finish()))
                }
            }
        }
    }

    /// Records `err` from `entry`; returns whether the walk goes on.
    fn record(&mut self, entry: &ProxyEntry, err: ProxyError) -> bool {
        let not_exist = err.is_not_found();
        let direct = matches!(entry.kind, ProxyKind::Direct)
            || (matches!(entry.kind, ProxyKind::NoProxy) && !err.is_use_proxy());
        if direct {
            self.best = Some(err);
            self.rank = DIRECT_RANK;
        } else if self.rank <= PROXY_RANK && !not_exist {
            self.best = Some(err);
            self.rank = PROXY_RANK;
        } else if self.rank == NOT_EXIST_RANK {
            self.best = Some(err);
        }
        entry.fallback_on_error || not_exist
    }

    fn finish(self) -> ProxyError {
        self.best
            .unwrap_or(ProxyError::Lookup(LookupError::EmptyList))
    }
}
