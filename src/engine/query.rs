//! Version queries in a run: Go's `modload.Query` (`queryProxy` behind
//! `TryProxies`) over the run's proxies and module cache. The rules are
//! [`crate::query`]'s; this file is the repository they read ([`query::Repo`]) and
//! the caches Go keeps per process.
//!
//! # Calling it
//! [`Fetcher::query_module`] resolves one `path@query` (async, like the rest of the
//! engine). `current` follows Go: `""` when the selected version is unknown or does
//! not matter (outside a module), `"none"` when the module is not in the build list,
//! else the selected version (`upgrade`, `patch` and the `+incompatible` preference
//! depend on it). [`Allow`] is Go's `allowed` argument: [`Allow::All`] for revision
//! queries (Go's `listModules` passes `nil` when [`query::is_revision_query`]) and
//! for `-retracted`; [`Allow::Checked`] is `CheckAllowed`, with the main module's
//! exclusions as a predicate. The main module itself (`<main>@upgrade`, `@patch`)
//! is the caller's to answer: it has no repository. Errors are shared like every
//! engine result; wrap them for a record with [`modinfo_error`].
//!
//! # What it reads and writes, as Go does
//! * The version list per (path, prefix) (`@v/list`, never cached on disk) and the
//!   repository's `Latest` per path (`@latest`, with the list fallback reading the
//!   path's first list again rather than asking for it, as Go does), once per run.
//! * Stat through [`Fetcher::stat`] (the cached `.info` first; a proxy's answer is
//!   written to the cache); `Latest` writes the `.info` of its answer unless the
//!   cache has one, and seeds the Stat cache with it.
//! * go.mod files through [`Fetcher::go_mod`] (verified, cached, `list` updated): the
//!   highest compatible candidate's when `+incompatible` versions follow it, and,
//!   for [`Allow::Checked`] queries that meet a candidate not excluded, the latest
//!   version's (Go's `queryLatestVersionIgnoringRetractions`, itself a `latest`
//!   query with everything allowed), whose `retract` lines are loaded once per path.
//!   Failing to load them allows every version, as in Go; fatal failures (a go.sum
//!   mismatch) still end the run.
//!
//! # Not yet
//! The GOPROXY list is walked per request, not per query: Go runs the whole query
//! against one proxy and moves to the next only when it fails with "not found", so
//! with several proxies that disagree the answers may differ. Replacements (Go's
//! `replacementRepo`, and retractions read from a replaced latest version) are the
//! module graph's, not handled here.

use super::error::{Error, Shared};
use super::fetch::{Fetcher, is_not_found};
use crate::module::ModuleVersion;
use crate::oncemap::OnceMap;
use crate::query::{self, Disallowed, Failed, Failure, Retractions};
use crate::revinfo::{Origin, RevInfo};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

/// Go's `allowed` argument of `Query`.
#[derive(Clone, Copy)]
pub enum Allow<'a> {
    /// Every version (Go's `nil`).
    All,
    /// Go's `CheckAllowed`: not excluded by the main module (`excluded(path,
    /// version)`) and not retracted by the module's latest go.mod.
    Checked {
        excluded: &'a (dyn Fn(&str, &str) -> bool + Send + Sync),
    },
}

/// A version list as a query reads it.
type Listed = Result<Arc<query::Versions>, Shared>;

/// A failed query: the error, and the origin Go prints beside it in a record (what
/// a code repository reported; never anything for a proxy's answers).
#[derive(Debug, Clone)]
pub struct QueryError {
    pub error: Shared,
    pub origin: Option<Origin>,
}

/// The per-run caches of queries (Go's `cachingRepo.versionsCache`, `latestCache` and
/// `latestVersionIgnoringRetractionsCache`).
#[derive(Default)]
pub(super) struct QueryCache {
    /// Per (path, prefix).
    versions: OnceMap<(String, String), Listed>,
    latest: OnceMap<String, Result<RevInfo, Shared>>,
    /// The lines of the first `@v/list` read per path, for `Latest`'s fallback.
    lines: Mutex<HashMap<String, Arc<Vec<String>>>>,
    retractions: OnceMap<String, Result<Arc<Retractions>, Shared>>,
}

impl Fetcher {
    /// Go's `modload.Query(path, query, current, allowed)` for a module that is not
    /// the main module (see the module docs for `current` and `allow`).
    pub async fn query_module(
        self: &Arc<Self>,
        path: &str,
        query: &str,
        current: &str,
        allow: Allow<'_>,
    ) -> Result<RevInfo, QueryError> {
        // TryProxies: an unusable GOPROXY comes first.
        if let Err(e) = self.proxies_ready() {
            return Err(QueryError {
                error: e.shared(),
                origin: None,
            });
        }
        let repo = CacheRepo {
            f: self,
            path,
            allow,
        };
        query::query(&repo, path, query, current)
            .await
            .map_err(|Failed { failure, origin }| QueryError {
                error: match failure {
                    Failure::Query(e) => Error::VersionQuery(e).shared(),
                    Failure::Repo(e) => e,
                },
                origin,
            })
    }

    /// The version list with `prefix`, once per run.
    async fn versions(
        self: &Arc<Self>,
        path: &str,
        prefix: &str,
    ) -> Result<Arc<query::Versions>, Shared> {
        let key = (path.to_string(), prefix.to_string());
        let (me, p, pre) = (Arc::clone(self), key.0.clone(), key.1.clone());
        self.query_cache
            .versions
            .get_or_run(&key, || async move {
                let proxies = me.proxies().map_err(Error::shared)?;
                let _permit = me.conc.network.acquire().await;
                let list = proxies
                    .list(&p, &pre)
                    .await
                    .map_err(|e| Error::Proxy(e).shared())?;
                me.query_cache
                    .lines
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .entry(p)
                    .or_insert_with(|| Arc::new(list.lines));
                Ok(Arc::new(query::Versions {
                    list: list.versions,
                    origin: list.origin,
                }))
            })
            .await
    }

    /// Go's `cachingRepo.Latest`: once per run; the answer is remembered as a Stat
    /// and written to the cache unless it has that `.info` already.
    async fn latest(self: &Arc<Self>, path: &str) -> Result<RevInfo, Shared> {
        let (me, p) = (Arc::clone(self), path.to_string());
        self.query_cache
            .latest
            .get_or_run(&path.to_string(), || async move {
                let proxies = me.proxies().map_err(Error::shared)?;
                let listed = me
                    .query_cache
                    .lines
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(&p)
                    .cloned();
                let info = {
                    let _permit = me.conc.network.acquire().await;
                    proxies
                        .latest_listed(&p, listed.as_deref().map(Vec::as_slice))
                        .await
                        .map_err(|e| Error::Proxy(e).shared())?
                };
                me.remember_stat(&p, &info).await;
                Ok(info)
            })
            .await
    }

    /// Go's `CheckRetractions` data: the `retract` lines of the latest version's
    /// go.mod, once per path. An error means they could not be loaded.
    async fn retractions(self: &Arc<Self>, path: &str) -> Result<Arc<Retractions>, Shared> {
        let (me, p) = (Arc::clone(self), path.to_string());
        self.query_cache
            .retractions
            .get_or_run(&path.to_string(), || async move {
                let latest = me.latest_ignoring_retractions(p.clone()).await?;
                let data = me.go_mod(&ModuleVersion::new(p, latest.version)).await?;
                // A go.mod that does not parse retracts nothing (Go ignores the error).
                Ok(Arc::new(
                    Retractions::from_go_mod(&data).unwrap_or_default(),
                ))
            })
            .await
    }

    /// Go's `queryLatestVersionIgnoringRetractions`: a `latest` query with every
    /// version allowed. Boxed: it is a query inside a query.
    fn latest_ignoring_retractions(
        self: &Arc<Self>,
        path: String,
    ) -> Pin<Box<dyn Future<Output = Result<RevInfo, Shared>> + Send>> {
        let me = Arc::clone(self);
        Box::pin(async move {
            me.query_module(&path, "latest", "", Allow::All)
                .await
                .map_err(|e| e.error)
        })
    }
}

/// One module's repository as a query sees it.
struct CacheRepo<'a> {
    f: &'a Arc<Fetcher>,
    path: &'a str,
    allow: Allow<'a>,
}

impl query::Repo for CacheRepo<'_> {
    type Error = Shared;

    async fn versions(&self, prefix: &str) -> Result<query::Versions, Shared> {
        Ok(self.f.versions(self.path, prefix).await?.as_ref().clone())
    }

    async fn stat(&self, rev: &str) -> Result<RevInfo, Shared> {
        self.f.stat(self.path, rev).await
    }

    async fn latest(&self) -> Result<RevInfo, Shared> {
        self.f.latest(self.path).await
    }

    async fn has_go_mod(&self, version: &str) -> Result<bool, Shared> {
        let data = self
            .f
            .go_mod(&ModuleVersion::new(self.path, version))
            .await?;
        Ok(*data != query::legacy_go_mod(self.path))
    }

    async fn allowed(&self, version: &str) -> Result<Option<Disallowed>, Shared> {
        let Allow::Checked { excluded } = self.allow else {
            return Ok(None);
        };
        if excluded(self.path, version) {
            return Ok(Some(Disallowed::Excluded));
        }
        match self.f.retractions(self.path).await {
            Ok(r) => Ok(r.check(self.path, version)),
            Err(e) if e.fatal().is_some() => Err(e),
            // Retractions that cannot be loaded allow the version.
            Err(_) => Ok(None),
        }
    }

    fn is_not_found(err: &Shared) -> bool {
        is_not_found(err)
    }

    fn error_origin(err: &Shared) -> Option<Origin> {
        err.origin().cloned()
    }
}

/// Go's `modinfoError`: a query's error as a record shows it. "No matching
/// versions" names the module only (the text has the query); errors that name the
/// module already stay as they are; the others get `<path>@<query>: `.
pub fn modinfo_error(path: &str, query: &str, e: Shared) -> Error {
    let version = if is_no_matching_version(&e) {
        ""
    } else if e.has_module_context() {
        return Error::Shared(e);
    } else {
        query
    };
    Error::Query {
        path: path.to_string(),
        version: version.to_string(),
        source: e,
    }
}

fn is_no_matching_version(e: &Error) -> bool {
    match e {
        Error::VersionQuery(q) => q.is_no_matching_version(),
        Error::Shared(e) => is_no_matching_version(e),
        _ => false,
    }
}
