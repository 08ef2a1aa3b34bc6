//! Version queries: Go's `modload/query.go` for `path@query` (`latest`, `upgrade`,
//! `patch`, `v1`, `v1.2`, `<v1.2.3`, `<=`, `>`, `>=`, complete versions, revisions).
//!
//! # What it guarantees
//! * Go's meaning of every query form ([`plan`], Go's `newQueryMatcher`), with Go's
//!   error texts ([`Error`]): ambiguous and invalid ranges, `patch` without a current
//!   version, `no matching versions for query …` (with ` (current version is …)` for
//!   `upgrade`/`patch`), the standard library, an invalid current version.
//! * Go's choice among the listed versions ([`query`], Go's `queryProxy` and
//!   `filterVersions`): releases before prereleases; the highest match, or the lowest
//!   for `>`/`>=`; `+incompatible` versions skipped once the highest allowed
//!   compatible version has a go.mod of its own, unless the current version is
//!   `+incompatible` or the query names a major the path lacks; the repository's
//!   `Latest` when nothing is listed (`latest`, `upgrade` from none or a
//!   pseudo-version); `upgrade`/`patch` never below the current version, nor to a
//!   commit older than a pseudo-version current; the `+metadata` fallback of a Stat.
//! * Go's "allowed" rule is the caller's ([`Repo::allowed`]): exclusions of the main
//!   module and [`Retractions`] read from the go.mod of the module's latest version.
//!   Revision queries ([`is_revision_query`]) are never filtered by the go command;
//!   that is also the caller's choice (pass an allow-all repository).
//!
//! # Purity
//! Nothing here does I/O: the repository is the [`Repo`] trait, whose async methods
//! the engine implements over the proxy client and the module cache
//! (`crate::engine`), and unit tests over an in-memory table.

mod error;
mod matcher;
mod resolve;
mod retract;

pub use error::{Disallowed, Error, short_message};
pub use matcher::{Matcher, Plan, is_revision_query, plan};
pub use resolve::{Failed, Failure, Repo, Versions, check, filter_versions, query};
pub use retract::{ParseError, Retractions, legacy_go_mod};

#[cfg(test)]
mod tests;
