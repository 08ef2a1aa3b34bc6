//! Which repository holds a module path, and whether go's policy lets us use it
//! (Go's `cmd/go/internal/vcs`: RepoRootForImportPath in module mode, GOVCS).
//!
//! Layers:
//! - [`statics`]: Go's table of known hosts and its special cases (pure).
//! - [`meta`] over [`xmlscan`]: `go-import` meta tags of a `?go-get=1` page, read with
//!   Go's lenient XML tokenizer, the choice of the tag for a path, and the checks of the
//!   chosen tag's repository URL and subdirectory (pure).
//! - [`govcs`]: the GOVCS policy (pure).
//! - [`fetch`]: the order go applies them in, with the HTTP GETs (`https` first, `http`
//!   only for GOINSECURE paths), the per-process, de-duplicated fetch of a tag's prefix
//!   page, and the scheme probe of `<host>/<path>.<vcs>` paths through a
//!   [`SchemeProbe`] the caller provides (it runs the VCS).
//!
//! Every error's `Display` is go's text for the same failure.

pub mod fetch;
pub mod govcs;
pub mod meta;
pub mod statics;
pub mod vcskind;
mod xmlname;
pub mod xmlscan;

pub use fetch::{Discovery, DynamicError, PageError, Policy, PrefixError, SchemeProbe};
pub use govcs::{Govcs, GovcsError};
pub use meta::{MatchError, MetaImport, match_go_import, parse_meta_go_imports};
pub use statics::{StaticRepo, StaticRoot, static_repo_root};
pub use vcskind::{VCS_LIST, VcsKind, vcs_by_cmd};

use crate::gostr::quote;

/// Go's `web.SecurityMode` for discovery: `Insecure` when the path matches GOINSECURE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    SecureOnly,
    Insecure,
}

/// Where a module path's code is (Go's `vcs.RepoRoot`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoRoot {
    /// `git`, `hg`, `svn`, `bzr`, `fossil`, or `mod` (fetch with the proxy protocol
    /// from `repo`).
    pub vcs: String,
    /// The repository URL, with its scheme.
    pub repo: String,
    /// The import-path prefix the repository's root (or `subdir`) corresponds to.
    pub root: String,
    /// The directory in the repository that `root` names (meta tag's 4th field).
    pub subdir: String,
    /// Found through meta tags rather than the static table.
    pub is_custom: bool,
}

/// Why no repository was found for a path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryError {
    #[error("no modules on example.net")]
    ExampleNet,
    #[error("rsc.io is not a module")]
    RscIo,
    /// A path starting with `http:` or `https:`.
    #[error("{} not allowed in import path", quote(format!("{scheme}//")))]
    SchemeInPath { scheme: String },
    /// A known host's prefix with a path its pattern rejects.
    #[error("invalid {prefix} import path {}", quote(.path))]
    InvalidImportPath { prefix: String, path: String },
    /// A known host's repository named like `x.git` (`prefix` ends in `/`).
    #[error("invalid version control suffix in {prefix} path")]
    VcsSuffix { prefix: String },
    #[error("unknown version control system {}", quote(.vcs))]
    UnknownVcsSystem { vcs: String },
    #[error(transparent)]
    Govcs(#[from] GovcsError),
    /// No scheme of the VCS answered for a scheme-less repository.
    #[error("no {}protocol found for repository", if *.secure { "secure " } else { "" })]
    NoProtocol { secure: bool, repo: String },
    /// Dynamic discovery failed.
    #[error("unrecognized import path {}: {source}", quote(.path))]
    Unrecognized {
        path: String,
        source: Box<DynamicError>,
    },
    #[error("cannot expand ... in {}", quote(.path))]
    Wildcard { path: String },
}
