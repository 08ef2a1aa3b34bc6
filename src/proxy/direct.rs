//! Where a `direct` GOPROXY entry (or a GONOPROXY path's `noproxy`) sends a module:
//! the interface the GOPROXY walk uses for direct mode, implemented by
//! [`crate::vcs::direct`]. Keeping it a trait here keeps the proxy layer free of
//! version-control code: the walk only needs the five module operations.
//!
//! Go's `lookupDirect` ends in one of two repositories: a `mod` meta tag names a
//! proxy base URL (served by [`ProxyRepo`](super::ProxyRepo)), anything else is a
//! code repository.

use super::error::ProxyError;
use super::repo::VersionList;
use super::zip::ZipDownload;
use crate::revinfo::RevInfo;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A boxed future (the trait objects below are called from the walk's generic code).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What direct mode found for a module path.
pub enum DirectRepo {
    /// A `mod` meta tag: the GOPROXY protocol at this base URL.
    Proxy(String),
    /// A code repository.
    Code(Arc<dyn DirectModule>),
}

/// Direct mode for a whole run (Go's `lookupDirect`, cached per module path).
pub trait DirectModules: Send + Sync {
    fn lookup<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<DirectRepo, ProxyError>>;
}

/// One module served from its code repository (Go's `codeRepo` behind the cache).
pub trait DirectModule: Send + Sync {
    fn list<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<VersionList, ProxyError>>;
    fn latest(&self) -> BoxFuture<'_, Result<RevInfo, ProxyError>>;
    fn stat<'a>(&'a self, rev: &'a str) -> BoxFuture<'a, Result<RevInfo, ProxyError>>;
    fn go_mod<'a>(&'a self, version: &'a str) -> BoxFuture<'a, Result<Vec<u8>, ProxyError>>;
    /// The module zip, built from the repository.
    fn zip<'a>(&'a self, version: &'a str) -> BoxFuture<'a, Result<ZipDownload, ProxyError>>;
}
