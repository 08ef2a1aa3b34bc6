//! Go's `queryProxy`: resolving a query against one module's repository, which is
//! reached only through the [`Repo`] trait (no I/O here).

use super::error::{Disallowed, Error};
use super::matcher::{Matcher, Plan, plan};
use crate::gover;
use crate::module;
use crate::revinfo::{GoTime, RevInfo};
use std::future::Future;

/// What a query reads: one module's versions (Go's `versionRepo`), with the
/// `allowed` predicate and `versionHasGoMod` of the caller's context.
///
/// The futures must be `Send`; implementations may cache, and should, since the
/// same Stat or go.mod can be asked for more than once.
pub trait Repo: Sync {
    /// The repository's failure (e.g. the proxy's, or a go.sum mismatch).
    type Error: Send;

    /// The listed versions with `prefix`, semver-sorted, without pseudo-versions
    /// (`Versions.List`).
    fn versions(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<String>, Self::Error>> + Send;

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
/// `current` is the selected version: `""` unknown, `"none"` not required. For a
/// version chosen from the list the result carries no `Origin` (a proxy's list has
/// none, so Go's merge drops it); for a Stat it is the repository's answer.
pub async fn query<R: Repo>(
    repo: &R,
    path: &str,
    query: &str,
    current: &str,
) -> Result<RevInfo, Failure<R::Error>> {
    check(path, query, current)?;
    let m = match plan(path, query, current)? {
        Plan::Stat => return stat_query(repo, path, query).await,
        Plan::Versions(m) => m,
    };
    let versions = repo.versions(&m.prefix).await.map_err(Failure::Repo)?;
    let (releases, prereleases) = filter_versions(repo, &m, &versions).await?;
    let pick = if m.prefer_lower {
        releases.first().or(prereleases.first())
    } else {
        releases.last().or(prereleases.last())
    };
    if let Some(v) = pick {
        return lookup(repo, path, query, current, v).await;
    }
    if m.may_use_latest {
        match repo.latest().await {
            Ok(latest) => {
                if allows_version(repo, &m, &latest.version).await? {
                    return lookup(repo, path, query, current, &latest.version).await;
                }
            }
            Err(e) if !R::is_not_found(&e) => return Err(Failure::Repo(e)),
            Err(_) => {}
        }
    }
    if matches!(query, "upgrade" | "patch") && !current.is_empty() && current != "none" {
        // Staying on the current version, if it is allowed.
        disallow(repo, path, current).await?;
        return lookup(repo, path, query, current, current).await;
    }
    Err(Failure::Query(Error::NoMatchingVersion {
        query: query.to_string(),
        current: current.to_string(),
    }))
}

/// A revision or complete version: its Stat, then, if that fails and the canonical
/// form differs (`+metadata`), the canonical form's, keeping the first error unless
/// the second is not "not found"; then the allowed check.
async fn stat_query<R: Repo>(
    repo: &R,
    path: &str,
    query: &str,
) -> Result<RevInfo, Failure<R::Error>> {
    let info = match repo.stat(query).await {
        Ok(info) => info,
        Err(first) => {
            let canonical = module::canonical_version(query);
            if canonical.is_empty() || canonical == query {
                return Err(Failure::Repo(first));
            }
            match repo.stat(&canonical).await {
                Ok(info) => info,
                Err(e) if !R::is_not_found(&e) => return Err(Failure::Repo(e)),
                Err(_) => return Err(Failure::Repo(first)),
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

/// The chosen version's Stat. `upgrade` and `patch` from a pseudo-version never move
/// to a chronologically older commit: the current version is kept instead.
async fn lookup<R: Repo>(
    repo: &R,
    path: &str,
    query: &str,
    current: &str,
    v: &str,
) -> Result<RevInfo, Failure<R::Error>> {
    let mut rev = repo.stat(v).await.map_err(Failure::Repo)?;
    if matches!(query, "upgrade" | "patch")
        && module::is_pseudo_version(current)
        && !rev.time.is_zero()
        && let Ok(t) = module::pseudo_version_time(current)
        && rev.time.before(&GoTime::from_timestamp(t))
    {
        disallow(repo, path, current).await?;
        rev = repo.stat(current).await.map_err(Failure::Repo)?;
    }
    rev.origin = None;
    Ok(rev)
}
