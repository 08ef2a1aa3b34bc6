//! The proxy client's errors, worded and wrapped exactly as `modfetch` does.
//!
//! A proxy operation's failure is wrapped by Go's `proxyRepo.versionError` into a
//! `module.ModuleError`: `<path>@<version>: <err>` for a canonical version,
//! `<path>@<rev>: invalid version: <err>` (or `invalid pseudo-version`) for anything
//! else, and `module <path>: <err>` when no version is involved (`list`, `@latest`).
//! Routing failures (`GOPROXY=off`, GONOPROXY) are returned bare, as Go's `lookup`
//! returns them; the caller adds `<path>@<version>: ` as `go mod download` does for
//! errors that carry no module context ([`ProxyError::has_module_context`]).
//!
//! "Not found" ([`ProxyError::is_not_found`]) is Go's `errors.Is(err, fs.ErrNotExist)`:
//! HTTP 404/410 (including missing `file://` files), `no commits` from an empty
//! `@latest` fallback, and the routing errors (`GOPROXY=off`, `disabled by
//! GOPRIVATE/GONOPROXY`, `path does not match GOPRIVATE/GONOPROXY`). A `direct` entry,
//! which this version cannot serve yet, fails with an error that is *not* "not found":
//! it names a missing capability, not a missing module, so it must not make a query
//! conclude that the module does not exist.

use crate::config::goproxy::RouteError;
use crate::http;
use crate::module;
use crate::revinfo::{DecodeError, Origin};
use std::fmt;

/// What went wrong inside a proxy operation (the error `versionError` wraps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The request or its body failed.
    Http(http::Error),
    /// The version could not be escaped for the URL.
    Module(module::Error),
    /// `invalid response from proxy "<base>": <json error>`.
    InvalidResponse {
        base: http::RedactedUrl,
        err: DecodeError,
    },
    /// `proxy returned info for version <got> instead of requested version`.
    WrongVersion { got: String },
    /// `internal error: version passed to <op> is not canonical`.
    NotCanonical { op: &'static str },
    /// `downloaded zip file too large`.
    ZipTooLarge,
    /// `no commits`: the `@latest` fallback found no usable version in the list.
    NoCommits,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Http(e) => e.fmt(f),
            Failure::Module(e) => e.fmt(f),
            Failure::InvalidResponse { base, err } => write!(
                f,
                "invalid response from proxy {}: {err}",
                crate::gostr::quote(base.as_str())
            ),
            Failure::WrongVersion { got } => write!(
                f,
                "proxy returned info for version {got} instead of requested version"
            ),
            Failure::NotCanonical { op } => {
                write!(f, "internal error: version passed to {op} is not canonical")
            }
            Failure::ZipTooLarge => f.write_str("downloaded zip file too large"),
            Failure::NoCommits => f.write_str("no commits"),
        }
    }
}

/// Why a GOPROXY entry gave no repository for a path (Go's `lookup` errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// Go's routing errors: `module lookup disabled by GOPROXY=off`, `disabled by
    /// GOPRIVATE/GONOPROXY`, `path does not match GOPRIVATE/GONOPROXY`.
    Route(RouteError),
    /// `direct` (or a GONOPROXY path): version-control fetching is not implemented yet.
    DirectUnsupported,
    /// The `go` and `toolchain` pseudo-modules (served from `golang.org/toolchain`).
    ToolchainUnsupported,
    /// The entry's URL is not a usable proxy URL (Go's `newProxyRepo` errors).
    InvalidProxyUrl(String),
    /// The module path cannot be escaped (Go's `module.EscapePath` error).
    Path(module::Error),
    /// The GOPROXY list has no entries.
    EmptyList,
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::Route(e) => e.fmt(f),
            LookupError::DirectUnsupported => f.write_str(
                "direct version-control fetching (GOPROXY=direct, GONOPROXY, GOPRIVATE) is not supported yet",
            ),
            LookupError::ToolchainUnsupported => {
                f.write_str("the go and toolchain modules are not supported yet")
            }
            LookupError::InvalidProxyUrl(e) => f.write_str(e),
            LookupError::Path(e) => e.fmt(f),
            LookupError::EmptyList => {
                f.write_str("GOPROXY list is not the empty string, but contains no entries")
            }
        }
    }
}

/// A proxy client error (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyError {
    /// Go's `versionError(version, failure)` for module `path`.
    Module {
        path: String,
        version: String,
        failure: Box<Failure>,
    },
    /// A routing failure, unwrapped.
    Lookup(LookupError),
    /// Direct mode failed (discovery, the repository, the module in it): go's text.
    Direct(DirectFailure),
}

/// A direct-mode failure in go's words, with what the walk and the engine decide on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectFailure {
    pub message: String,
    /// Go's `errors.Is(err, fs.ErrNotExist)`.
    pub not_found: bool,
    /// go reports the text as it is: it starts with the module (`<path>@<version>:
    /// …`), or go adds none (a direct zip's `create zip: …`).
    pub module_context: bool,
    /// The origin go reports beside the failure (an unknown revision's `RepoSum`).
    /// Boxed: it is rare, and an `Origin` is large.
    pub origin: Option<Box<Origin>>,
}

impl ProxyError {
    pub(crate) fn version(path: &str, version: &str, failure: Failure) -> ProxyError {
        ProxyError::Module {
            path: path.to_string(),
            version: version.to_string(),
            failure: Box::new(failure),
        }
    }

    /// Go's `errors.Is(err, fs.ErrNotExist)` (see the module docs).
    pub fn is_not_found(&self) -> bool {
        match self {
            ProxyError::Module { failure, .. } => match failure.as_ref() {
                Failure::Http(e) => e.is_not_found(),
                Failure::NoCommits => true,
                _ => false,
            },
            ProxyError::Lookup(LookupError::Route(e)) => e.is_not_found(),
            ProxyError::Lookup(_) => false,
            ProxyError::Direct(d) => d.not_found,
        }
    }

    /// The origin reported beside the failure (direct mode only).
    pub fn origin(&self) -> Option<&Origin> {
        match self {
            ProxyError::Direct(d) => d.origin.as_deref(),
            _ => None,
        }
    }

    /// Whether a retry may succeed (a transient HTTP failure).
    pub fn is_transient(&self) -> bool {
        self.http_error().is_some_and(http::Error::is_transient)
    }

    /// The HTTP error inside, if the failure was one.
    pub fn http_error(&self) -> Option<&http::Error> {
        match self {
            ProxyError::Module { failure, .. } => match failure.as_ref() {
                Failure::Http(e) => Some(e),
                _ => None,
            },
            ProxyError::Lookup(_) | ProxyError::Direct(_) => None,
        }
    }

    /// The failure inside a module error.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            ProxyError::Module { failure, .. } => Some(failure),
            ProxyError::Lookup(_) | ProxyError::Direct(_) => None,
        }
    }

    /// Whether Go's error carries a `module.ModuleError` (so `go mod download` prints
    /// it as is instead of prefixing `<path>@<version>: `).
    pub fn has_module_context(&self) -> bool {
        match self {
            ProxyError::Module { .. } => true,
            ProxyError::Direct(d) => d.module_context,
            ProxyError::Lookup(_) => false,
        }
    }

    /// The text of the error Go's `module.ModuleError` wraps (a `Module` error only):
    /// an `InvalidVersionError` (`version "v" invalid: …`) for a version that is not
    /// canonical or is invalid, else the failure.
    pub fn module_error_detail(&self) -> Option<String> {
        let ProxyError::Module {
            version, failure, ..
        } = self
        else {
            return None;
        };
        if let Failure::Module(module::Error::InvalidVersion(v)) = failure.as_ref()
            && version.is_empty()
        {
            return Some(format!(
                "{} {} invalid: {}",
                v.noun(),
                crate::gostr::quote(&v.version),
                v.reason
            ));
        }
        if !version.is_empty() && *version != module::canonical_version(version) {
            let noun = if module::is_pseudo_version(version) {
                "pseudo-version"
            } else {
                "version"
            };
            return Some(format!(
                "{noun} {} invalid: {failure}",
                crate::gostr::quote(version)
            ));
        }
        Some(failure.to_string())
    }

    /// Whether this is Go's `errUseProxy` (ranked lowest by TryProxies).
    pub(crate) fn is_use_proxy(&self) -> bool {
        matches!(self, ProxyError::Lookup(LookupError::Route(e)) if e.is_use_proxy())
    }
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::Lookup(e) => e.fmt(f),
            ProxyError::Direct(d) => f.write_str(&d.message),
            ProxyError::Module {
                path,
                version,
                failure,
            } => {
                // versionError wraps an empty version's escape error (an
                // InvalidVersionError) directly in the ModuleError, whose text then
                // comes from that error: `<path>@: invalid version: <reason>`.
                if let Failure::Module(module::Error::InvalidVersion(v)) = failure.as_ref()
                    && version.is_empty()
                {
                    write!(
                        f,
                        "{path}@{}: invalid {}: {}",
                        v.version,
                        v.noun(),
                        v.reason
                    )
                } else if !version.is_empty() && *version != module::canonical_version(version) {
                    let noun = if module::is_pseudo_version(version) {
                        "pseudo-version"
                    } else {
                        "version"
                    };
                    write!(f, "{path}@{version}: invalid {noun}: {failure}")
                } else if !version.is_empty() {
                    write!(f, "{path}@{version}: {failure}")
                } else {
                    write!(f, "module {path}: {failure}")
                }
            }
        }
    }
}

impl std::error::Error for ProxyError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_version_that_does_not_escape() {
        let err = module::escape_version("").unwrap_err();
        let e = ProxyError::version("rsc.io/quote", "", Failure::Module(err));
        assert_eq!(
            e.to_string(),
            "rsc.io/quote@: invalid version: disallowed version string"
        );
    }

    #[test]
    fn version_error_forms() {
        let e = ProxyError::version("example.com/m", "v1.0.0", Failure::ZipTooLarge);
        assert_eq!(
            e.to_string(),
            "example.com/m@v1.0.0: downloaded zip file too large"
        );
        let e = ProxyError::version("example.com/m", "master", Failure::NoCommits);
        assert_eq!(
            e.to_string(),
            "example.com/m@master: invalid version: no commits"
        );
        let e = ProxyError::version(
            "example.com/m",
            "v0.0.0-20200101000000-abcdefabcdef+x",
            Failure::NoCommits,
        );
        assert_eq!(
            e.to_string(),
            "example.com/m@v0.0.0-20200101000000-abcdefabcdef+x: invalid pseudo-version: no commits"
        );
        let e = ProxyError::version("example.com/m", "", Failure::NoCommits);
        assert_eq!(e.to_string(), "module example.com/m: no commits");
        assert!(e.is_not_found());
        assert!(ProxyError::Lookup(LookupError::Route(RouteError::ProxyOff)).is_not_found());
        assert!(!ProxyError::Lookup(LookupError::DirectUnsupported).is_not_found());
    }
}
