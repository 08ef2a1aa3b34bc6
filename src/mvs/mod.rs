//! Minimal Version Selection, as `cmd/go/internal/mvs` implements it.
//!
//! # What it guarantees
//!
//! * The algorithms are pure and sequential: no I/O, no async, no threads. They pull a
//!   requirement graph through the [`Reqs`] traits, which a caller backs with go.mod
//!   files it has already loaded (or loads on demand). The loader in the engine drives
//!   the incremental [`Graph`] directly instead, pushing requirements as go.mod files
//!   arrive.
//! * Results are Go's, in Go's order: [`build_list`] starts with the targets, then every
//!   other selected module sorted by path; [`req`] is sorted by path. Version strings
//!   are opaque except for `none` ("no version": it contributes no requirements and
//!   is never listed) — [`Reqs::max`] supplies the order, and must rank the targets
//!   (the main module's empty version, for the go command) above everything.
//!   [`cmp_version`] and [`max_version`] are that order as the go command defines it.
//! * Failures are values: a requirement that cannot be loaded becomes a
//!   [`BuildListError`] whose message shows the requirement path to it, exactly as Go
//!   prints it. Misbehaving [`Reqs`] (a `max` that lets something beat a target) are an
//!   [`Error`], not a panic. Deep graphs cannot overflow the stack: every walk keeps
//!   its own stack.
//!
//! Go runs `Required` calls concurrently while building a list; the result does not
//! depend on the order, so doing them one after another gives the same lists and errors.

mod build;
mod downgrade;
mod errors;
mod graph;

pub use build::{build_list, req, upgrade, upgrade_all};
pub use downgrade::downgrade;
pub use errors::{BuildListError, ErrorDetail, InvalidVersionParts, ModuleErrorParts};
pub use graph::{Graph, GraphError};

use crate::module::ModuleVersion;
use std::cmp::Ordering;
use std::fmt;

/// The requirement graph MVS works on (Go's `mvs.Reqs`).
pub trait Reqs {
    /// Why a module's requirements could not be loaded.
    type Error;

    /// The module versions `m` itself requires (its go.mod `require` lines, after
    /// whatever replacement and exclusion the caller applies). Building a list never
    /// asks about `none`, but [`req`] may (the go command answers "nothing").
    fn required(&self, m: &ModuleVersion) -> Result<Vec<ModuleVersion>, Self::Error>;

    /// The larger of two versions of the module `path`; returns one of its arguments.
    /// `max(v, "none")` must be `v`, and a target's version must beat every other
    /// version of its path.
    fn max<'a>(&self, path: &str, v1: &'a str, v2: &'a str) -> &'a str;
}

/// A [`Reqs`] that knows the latest version of a module (Go's `mvs.UpgradeReqs`).
pub trait UpgradeReqs: Reqs {
    /// The version `m` should be upgraded to (`m` itself to keep it). `m.version` is
    /// `none` for a module not yet in the build.
    fn upgrade(&self, m: &ModuleVersion) -> Result<ModuleVersion, Self::Error>;
}

/// A [`Reqs`] that knows the version before a version (Go's `mvs.DowngradeReqs`).
pub trait DowngradeReqs: Reqs {
    /// The version of `m.path` just below `m.version`, or `none` if there is none.
    fn previous(&self, m: &ModuleVersion) -> Result<ModuleVersion, Self::Error>;
}

/// Why an MVS operation failed.
#[derive(Debug)]
pub enum Error<E> {
    /// Loading some module's requirements (or its upgrade) failed while walking the
    /// graph; the error carries the requirement path from the target.
    BuildList(BuildListError<E>),
    /// A [`Reqs`] method failed outside the graph walk: the target's own requirements
    /// in [`upgrade`], any requirements in [`req`], a previous version in [`downgrade`].
    Reqs(E),
    /// [`Reqs::max`] let another version beat a target, so the build list did not
    /// start with the targets. Go panics here ("mistake: chose versions …").
    TargetNotSelected {
        targets: Vec<ModuleVersion>,
        chose: Vec<ModuleVersion>,
    },
}

impl<E: ErrorDetail> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BuildList(e) => e.fmt(f),
            Error::Reqs(e) => e.fmt(f),
            Error::TargetNotSelected { targets, chose } => {
                // Go's `%+v` of a []module.Version.
                let list = |l: &[ModuleVersion]| {
                    l.iter()
                        .map(|m| format!("{{Path:{} Version:{}}}", m.path, m.version))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                write!(
                    f,
                    "mistake: chose versions [{}] instead of targets [{}]",
                    list(chose),
                    list(targets)
                )
            }
        }
    }
}

impl<E: ErrorDetail + std::error::Error + 'static> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::BuildList(e) => Some(e),
            Error::Reqs(e) => Some(e),
            Error::TargetNotSelected { .. } => None,
        }
    }
}

impl<E> From<BuildListError<E>> for Error<E> {
    fn from(e: BuildListError<E>) -> Self {
        Error::BuildList(e)
    }
}

/// The order the go command's MVS uses for versions of `path` (`modload.cmpVersion`):
/// the empty version (a main module's) beats everything; otherwise Go-version order for
/// the `go` and `toolchain` pseudo-modules and semver for every other module, where
/// `none` (not valid semver) is below every real version.
pub fn cmp_version(path: &str, v1: &str, v2: &str) -> Ordering {
    match (v1.is_empty(), v2.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => crate::gover::mod_compare(path, v1, v2),
    }
}

/// The go command's [`Reqs::max`] (`modload.mvsReqs.Max`): `v2` if it is higher by
/// [`cmp_version`], else `v1`.
pub fn max_version<'a>(path: &str, v1: &'a str, v2: &'a str) -> &'a str {
    if cmp_version(path, v1, v2) == Ordering::Less {
        v2
    } else {
        v1
    }
}

/// Go's comparison derived from a `Max` method: below when `max(v1, v2)` is not `v1`,
/// above when `max(v2, v1)` is not `v2`.
fn cmp_by_max<R: Reqs + ?Sized>(reqs: &R, path: &str, v1: &str, v2: &str) -> Ordering {
    if reqs.max(path, v1, v2) != v1 {
        Ordering::Less
    } else if reqs.max(path, v2, v1) != v2 {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// The version string Go uses for "no version".
pub const NONE: &str = "none";

#[cfg(test)]
mod tests;
