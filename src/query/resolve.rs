//! Go's `queryProxy`: resolving a query against one module's repository, which is
//! reached only through the [`Repo`] trait (no I/O here).

use super::error::{Disallowed, Error};
use super::matcher::{Matcher, Plan, plan};
use crate::gover;
use crate::module;
use crate::revinfo::{GoTime, Origin, RevInfo, merge_origins};
use std::future::Future;

/// What a query reads: one module's versions (Go's `versionRepo`), with the
/// `allowed` predicate and `versionHasGoMod` of the caller's context.
///
/// The futures must be `Send`; implementations may cache, and should, since the
/// same Stat or go.mod can be asked for more than once.
pub trait Repo: Sync {
    /// The repository's failure (e.g. the proxy's, or a go.sum mismatch).
    type Error: Send;

    /// The listed versions with `prefix`, semver-sorted, without pseudo-versions,
    /// and their origin (Go's `Versions`).
    fn versions(&self, prefix: &str) -> impl Future<Output = Result<Versions, Self::Error>> + Send;

    /// What the repository knows of a revision (`Stat`).
    fn stat(&self, rev: &str) -> impl Future<Output = Result<RevInfo, Self::Error>> + Send;

    /// The repository's own idea of its latest version (`Latest`).
    fn latest(&self) -> impl Future<Output = Result<RevInfo, Self::Error>> + Send;

    /// Whether `version` has a go.mod of its own, not the synthesized `module <path>`
    /// (Go's `versionHasGoMod`).
    fn has_go_mod(&self, version: &str) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// Go's `AllowedFunc`: `Some(reason)` when `version` is disallowed. A failure to
    /// decide (retractions that cannot be loaded) counts as allowed, as in Go; `Err`
    /// is for failures that must end the query all the same (a fatal one).
    fn allowed(
        &self,
        version: &str,
    ) -> impl Future<Output = Result<Option<Disallowed>, Self::Error>> + Send;

    /// Whether the failure is "not found" (`errors.Is(err, fs.ErrNotExist)`).
    fn is_not_found(err: &Self::Error) -> bool;

    /// The origin a failed Stat or Latest reported beside its error (Go returns a
    /// `RevInfo` holding only an `Origin` with the error, to make it checkable).
    fn error_origin(_err: &Self::Error) -> Option<Origin> {
        None
    }
}

/// Go's `modfetch.Versions`: a version list and what makes it checkable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Versions {
    pub list: Vec<String>,
    pub origin: Option<Origin>,
}

/// Why a query failed: the query's own error, or the repository's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure<E> {
    Query(Error),
    Repo(E),
}

impl<E> From<Error> for Failure<E> {
    fn from(e: Error) -> Self {
        Failure::Query(e)
    }
}

/// A failed query: why, and the origin Go returns beside the error (what it had
/// read before failing, so that the failure can be checked again later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed<E> {
    pub failure: Failure<E>,
    pub origin: Option<Origin>,
}

impl<E> Failed<E> {
    fn new(failure: impl Into<Failure<E>>, origin: Option<Origin>) -> Failed<E> {
        Failed {
            failure: failure.into(),
            origin,
        }
    }
}

impl<E> From<Failure<E>> for Failed<E> {
    fn from(failure: Failure<E>) -> Self {
        Failed {
            failure,
            origin: None,
        }
    }
}

impl<E> From<Error> for Failed<E> {
    fn from(e: Error) -> Self {
        Failure::Query(e).into()
    }
}

/// `queryProxy`'s checks before the repository is read: the current version, the
/// standard library, the module path (Go's `lookupRepo`).
pub fn check(path: &str, query: &str, current: &str) -> Result<(), Error> {
    if !current.is_empty() && current != "none" && !gover::mod_is_valid(path, current) {
        return Err(Error::InvalidPrevious {
            path: path.to_string(),
            current: current.to_string(),
        });
    }
    if path == "std" || path == "cmd" {
        return Err(Error::StandardLibrary {
            path: path.to_string(),
            query: query.to_string(),
        });
    }
    if !gover::is_toolchain(path) {
        module::check_path(path).map_err(Error::Path)?;
    }
    Ok(())
}

/// Go's `queryProxy` (without `-reuse`, and for a module that is not the main
/// module: the caller answers `<main>@upgrade` and `<main>@patch` itself).
///
/// `current` is the selected version: `""` unknown, `"none"` not required. The
/// result's `Origin`, and the one beside a failure, are Go's: a Stat's own for a
/// revision or complete version; for a version chosen from the list, the list's
/// merged with every Stat and `Latest` read on the way ([`merge_origins`]), so a
/// proxy's answer (whose list has none) carries none.
pub async fn query<R: Repo>(
    repo: &R,
    path: &str,
    query: &str,
    current: &str,
) -> Result<RevInfo, Failed<R::Error>> {
    check(path, query, current)?;
    match plan(path, query, current)? {
        Plan::Stat => stat_query(repo, path, query).await,
        Plan::Versions(m) => list_query(repo, path, query, current, &m).await,
    }
}

/// A query that chooses among the listed versions.
async fn list_query<R: Repo>(
    repo: &R,
    path: &str,
    query: &str,
    current: &str,
    m: &Matcher,
) -> Result<RevInfo, Failed<R::Error>> {
    let listed = repo.versions(&m.prefix).await.map_err(Failure::Repo)?;
    let mut origin = listed.origin;
    let (releases, prereleases) = filter_versions(repo, m, &listed.list)
        .await
        .map_err(|f| Failed::new(f, origin.clone()))?;
    let pick = if m.prefer_lower {
        releases.first().or(prereleases.first())
    } else {
        releases.last().or(prereleases.last())
    };
    if let Some(v) = pick {
        return lookup(repo, path, query, current, v, origin).await;
    }
    if m.may_use_latest {
        match repo.latest().await {
            Ok(latest) => {
                origin = merge_origins(origin.as_ref(), latest.origin.as_ref());
                let allowed = allows_version(repo, m, &latest.version)
                    .await
                    .map_err(|f| Failed::new(f, origin.clone()))?;
                if allowed {
                    return lookup(repo, path, query, current, &latest.version, origin).await;
                }
            }
            Err(e) => {
                if let Some(o) = R::error_origin(&e) {
                    origin = merge_origins(origin.as_ref(), Some(&o));
                }
                if !R::is_not_found(&e) {
                    return Err(Failed::new(Failure::Repo(e), origin));
                }
            }
        }
    }
    if matches!(query, "upgrade" | "patch") && !current.is_empty() && current != "none" {
        // Staying on the current version, if it is allowed.
        if let Err(f) = disallow(repo, path, current).await {
            return Err(Failed::new(f, origin));
        }
        return lookup(repo, path, query, current, current, origin).await;
    }
    let none = Error::NoMatchingVersion {
        query: query.to_string(),
        current: current.to_string(),
    };
    Err(Failed::new(none, origin))
}

/// A revision or complete version: its Stat, then, if that fails and the canonical
/// form differs (`+metadata`), the canonical form's, keeping the first error unless
/// the second is not "not found"; then the allowed check. A failure carries the
/// origin of the last Stat, as Go's.
async fn stat_query<R: Repo>(
    repo: &R,
    path: &str,
    query: &str,
) -> Result<RevInfo, Failed<R::Error>> {
    let info = match repo.stat(query).await {
        Ok(info) => info,
        Err(first) => {
            let canonical = module::canonical_version(query);
            if canonical.is_empty() || canonical == query {
                let origin = R::error_origin(&first);
                return Err(Failed::new(Failure::Repo(first), origin));
            }
            match repo.stat(&canonical).await {
                Ok(info) => info,
                Err(e) => {
                    let origin = R::error_origin(&e);
                    let keep = if R::is_not_found(&e) { first } else { e };
                    return Err(Failed::new(Failure::Repo(keep), origin));
                }
            }
        }
    };
    disallow(repo, path, &info.version).await?;
    Ok(info)
}

/// The disallowed error for `version`, if it is.
async fn disallow<R: Repo>(repo: &R, path: &str, version: &str) -> Result<(), Failure<R::Error>> {
    match repo.allowed(version).await.map_err(Failure::Repo)? {
        None => Ok(()),
        Some(reason) => Err(Failure::Query(Error::Disallowed {
            path: path.to_string(),
            version: version.to_string(),
            reason,
        })),
    }
}

/// Go's `allowsVersion`: the matcher, then the allowed predicate.
async fn allows_version<R: Repo>(
    repo: &R,
    m: &Matcher,
    v: &str,
) -> Result<bool, Failure<R::Error>> {
    if !m.matches(v) {
        return Ok(false);
    }
    Ok(repo.allowed(v).await.map_err(Failure::Repo)?.is_none())
}

/// Go's `filterVersions`: the allowed versions, split into releases and
/// prereleases, in list order. `+incompatible` versions stop the scan when the last
/// allowed compatible version before them has a go.mod, unless they are preferred.
pub async fn filter_versions<R: Repo>(
    repo: &R,
    m: &Matcher,
    versions: &[String],
) -> Result<(Vec<String>, Vec<String>), Failure<R::Error>> {
    let mut need_incompatible = m.prefer_incompatible;
    let mut last_compatible: Option<&str> = None;
    let (mut releases, mut prereleases) = (Vec::new(), Vec::new());
    for v in versions {
        if !allows_version(repo, m, v).await? {
            continue;
        }
        if !need_incompatible {
            if !v.ends_with("+incompatible") {
                last_compatible = Some(v);
            } else if let Some(compatible) = last_compatible {
                // A go.mod in the highest compatible version means its author
                // supports modules: later (+incompatible) majors are not candidates.
                if repo.has_go_mod(compatible).await.map_err(Failure::Repo)? {
                    break;
                }
                need_incompatible = true;
            }
        }
        if gover::mod_is_prerelease(m.path(), v) {
            prereleases.push(v.clone());
        } else {
            releases.push(v.clone());
        }
    }
    Ok((releases, prereleases))
}

/// The chosen version's Stat, with the query's origin merged into its own.
/// `upgrade` and `patch` from a pseudo-version never move to a chronologically
/// older commit: the current version is kept instead.
async fn lookup<R: Repo>(
    repo: &R,
    path: &str,
    query: &str,
    current: &str,
    v: &str,
    mut origin: Option<Origin>,
) -> Result<RevInfo, Failed<R::Error>> {
    let mut rev = stat_merged(repo, v, &mut origin).await?;
    if matches!(query, "upgrade" | "patch")
        && module::is_pseudo_version(current)
        && !rev.time.is_zero()
        && let Ok(t) = module::pseudo_version_time(current)
        && rev.time.before(&GoTime::from_timestamp(t))
    {
        if let Err(f) = disallow(repo, path, current).await {
            return Err(Failed::new(f, origin));
        }
        rev = stat_merged(repo, current, &mut origin).await?;
    }
    rev.origin = origin;
    Ok(rev)
}

/// A Stat whose origin (or its failure's) is merged into `origin`.
async fn stat_merged<R: Repo>(
    repo: &R,
    v: &str,
    origin: &mut Option<Origin>,
) -> Result<RevInfo, Failed<R::Error>> {
    match repo.stat(v).await {
        Ok(rev) => {
            *origin = merge_origins(origin.as_ref(), rev.origin.as_ref());
            Ok(rev)
        }
        Err(e) => {
            if let Some(o) = R::error_origin(&e) {
                *origin = merge_origins(origin.as_ref(), Some(&o));
            }
            Err(Failed::new(Failure::Repo(e), origin.clone()))
        }
    }
}
