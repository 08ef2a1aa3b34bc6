//! The I/O of discovery, in go's order (`vcs.go` RepoRootForImportPath,
//! repoRootForImportDynamic, metaImportsForPrefix, `web.Get`).
//!
//! Guarantees:
//! - the static table first; its GOVCS check before the scheme probe;
//! - otherwise `https://<path>?go-get=1` (then `http://` only in
//!   [`Security::Insecure`]), any status accepted when the page has tags;
//! - a tag for a shorter prefix is confirmed by the prefix's own page, fetched once per
//!   [`Discovery`] (concurrent callers share the fetch, results and errors are kept);
//! - the launchpad.net rule last, when everything else failed;
//! - go's error texts, wrapped as go wraps them.
//!
//! GOINSECURE paths: `https` pages through the client given with
//! [`Discovery::with_insecure_client`] (certificates not verified, as go's), then
//! `http`. Not mirrored: the `server response:` detail of a non-200 page without
//! tags is left out.

use super::meta::{
    MatchError, MetaImport, RepoRootError, SubdirError, match_go_import, parse_meta_go_imports,
    validate_repo_root, validate_repo_subdir,
};
use super::statics::{self, StaticRepo, StaticRoot};
use super::vcskind::vcs_by_cmd;
use super::xmlscan::XmlError;
use super::{DiscoveryError, Govcs, GovcsError, RepoRoot, Security};
use crate::config::gourl::Url;
use crate::gostr::quote;
use crate::http::{Client, Error as HttpError, ErrorKind, GoUrl, Response, StatusError};
use crate::oncemap::OnceMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The largest `?go-get=1` page read (go reads until `<body>`; pages are small).
const PAGE_LIMIT: u64 = 16 << 20;

/// Checks whether a repository answers on a scheme (go runs `git ls-remote
/// <scheme>://<repo>`, `hg identify`, …): `true` if it does.
pub trait SchemeProbe: Send + Sync {
    fn ping(
        &self,
        vcs: &'static str,
        scheme: &'static str,
        repo: &str,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'static>>;
}

/// The settings discovery reads from the environment.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub govcs: Govcs,
    /// GOPRIVATE, which decides `private`/`public` for GOVCS.
    pub goprivate: String,
    /// `GIT_ALLOW_PROTOCOL`, which decides which git schemes are secure.
    pub git_allow_protocol: Option<String>,
}

/// A page that could not be read: its XML, or its body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error(transparent)]
    Read(HttpError),
}

/// Why a tag's prefix page did not confirm anything (go's metaImportsForPrefix).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrefixError {
    #[error("import path does not begin with hostname")]
    NoHostname,
    #[error("fetching {prefix}: {err}")]
    Fetch { prefix: String, err: HttpError },
    /// A non-200 page without tags.
    #[error(transparent)]
    Status(HttpError),
    #[error("parsing {url}: {err}")]
    Parse { url: String, err: PageError },
    #[error("fetching {prefix}: no go-import meta tag found in {url}")]
    NoTags { prefix: String, url: String },
}

/// Why dynamic discovery failed (wrapped in `unrecognized import path "<p>": …`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DynamicError {
    #[error("import path does not begin with hostname")]
    NoHostname,
    #[error("{}https fetch: {err}", if *.insecure { "http/" } else { "" })]
    Fetch { insecure: bool, err: HttpError },
    /// A non-200 page without tags.
    #[error(transparent)]
    Status(HttpError),
    #[error("parsing {path}: {err}")]
    Parse { path: String, err: PageError },
    /// `url` is the page fetched.
    #[error("parse {url}: no go-import meta tags ({source})")]
    NoMatch { url: String, source: MatchError },
    /// `url` is go's scheme-less form of the page (`//host/path?go-get=1`).
    #[error("parse {url}: {source}")]
    Multiple { url: String, source: MatchError },
    #[error(transparent)]
    Prefix(PrefixError),
    #[error("{page} and {prefix_page} disagree about go-import for {prefix}")]
    Disagree {
        page: String,
        prefix_page: String,
        prefix: String,
    },
    #[error("{url}: invalid subdirectory {}: {reason}", quote(.subdir))]
    Subdir {
        url: String,
        subdir: String,
        reason: SubdirError,
    },
    #[error("{url}: invalid repo root {}: {reason}", quote(.repo))]
    RepoRoot {
        url: String,
        repo: String,
        reason: RepoRootError,
    },
    #[error("{url}: unknown vcs {}", quote(.vcs))]
    UnknownVcs { url: String, vcs: String },
    #[error(transparent)]
    Govcs(GovcsError),
}

type PrefixResult = Result<(String, Vec<MetaImport>), (Option<String>, PrefixError)>;

/// Discovery for one run: the HTTP client, the policy, the scheme probe and the cache
/// of prefix pages.
pub struct Discovery {
    http: Client,
    /// For `https` pages of GOINSECURE paths: certificates not verified, as go's
    /// `impatientInsecureHTTPClient` (without it, `http` is the fallback).
    insecure_http: Option<Client>,
    policy: Policy,
    probe: Arc<dyn SchemeProbe>,
    prefixes: OnceMap<String, PrefixResult>,
}

/// Go's urlForImportPath: `//host/path?go-get=1` (no scheme yet).
fn url_for_import_path(path: &str) -> Option<Url> {
    let (host, rest) = match path.find('/') {
        Some(i) => path.split_at(i),
        None => (path, ""),
    };
    if !host.contains('.') {
        return None;
    }
    Some(Url {
        host: host.as_bytes().to_vec(),
        path: if rest.is_empty() {
            b"/".to_vec()
        } else {
            rest.as_bytes().to_vec()
        },
        raw_query: "go-get=1".to_string(),
        ..Url::default()
    })
}

/// A page: where it came from, its status and its tags (or why it has none).
struct Page {
    url: String,
    resp_status: (u16, String),
    imports: Result<Vec<MetaImport>, PageError>,
}

impl Page {
    /// Go's `resp.Err()` when the page has no tags and the status is not 200.
    fn status_error(&self) -> Option<HttpError> {
        let has_tags = matches!(&self.imports, Ok(v) if !v.is_empty());
        if has_tags || self.resp_status.0 == 200 {
            return None;
        }
        Some(HttpError::new(ErrorKind::Status(StatusError {
            url: crate::http::RedactedUrl(self.url.clone()),
            code: self.resp_status.0,
            status: self.resp_status.1.clone(),
            detail: String::new(),
            file_error: None,
            retry_after: None,
        })))
    }
}

impl Discovery {
    pub fn new(http: Client, policy: Policy, probe: Arc<dyn SchemeProbe>) -> Discovery {
        Discovery {
            http,
            insecure_http: None,
            policy,
            probe,
            prefixes: OnceMap::new(),
        }
    }

    /// The client for `https` pages of GOINSECURE paths (see the field).
    pub fn with_insecure_client(mut self, client: Client) -> Discovery {
        self.insecure_http = Some(client);
        self
    }

    /// Go's RepoRootForImportPath in module mode.
    pub async fn repo_root_for_path(
        &self,
        path: &str,
        security: Security,
    ) -> Result<RepoRoot, DiscoveryError> {
        let mut result =
            match statics::static_repo_root(path) {
                Some(found) => match found {
                    Ok(sr) => self.finish_static(sr, security).await,
                    Err(e) => Err(e),
                },
                None => self.dynamic(path, security).await.map_err(|source| {
                    DiscoveryError::Unrecognized {
                        path: path.to_string(),
                        source: Box::new(source),
                    }
                }),
            };
        if result.is_err()
            && let Ok(rr) = self.launchpad(path, security).await
        {
            result = Ok(rr);
        }
        let rr = result?;
        if path.contains("...") && rr.root.contains("...") {
            return Err(DiscoveryError::Wildcard {
                path: path.to_string(),
            });
        }
        Ok(rr)
    }

    async fn launchpad(&self, path: &str, security: Security) -> Result<RepoRoot, ()> {
        let exists = match statics::launchpad_probe(path) {
            Some(probe) => match GoUrl::parse(&probe.url()) {
                Ok(url) => self.http.get_bytes(&url, PAGE_LIMIT, None).await.is_ok(),
                Err(_) => false,
            },
            None => false,
        };
        match statics::launchpad_repo_root(path, exists) {
            Some(Ok(sr)) => self.finish_static(sr, security).await.map_err(|_| ()),
            _ => Err(()),
        }
    }

    /// GOVCS, then the repository URL (probing schemes for a scheme-less one).
    async fn finish_static(
        &self,
        sr: StaticRoot,
        security: Security,
    ) -> Result<RepoRoot, DiscoveryError> {
        self.policy
            .govcs
            .check(sr.vcs.cmd, &sr.root, &self.policy.goprivate)?;
        let repo = match sr.repo {
            StaticRepo::Url(u) => u,
            StaticRepo::Schemeless(repo) => {
                let allow = self.policy.git_allow_protocol.as_deref();
                let mut chosen = None;
                for &scheme in sr.vcs.schemes {
                    if security == Security::SecureOnly && !sr.vcs.is_secure_scheme(scheme, allow) {
                        continue;
                    }
                    if !sr.vcs.pings || self.probe.ping(sr.vcs.cmd, scheme, &repo).await {
                        chosen = Some(scheme);
                        break;
                    }
                }
                match chosen {
                    Some(scheme) => format!("{scheme}://{repo}"),
                    None => {
                        return Err(DiscoveryError::NoProtocol {
                            secure: security == Security::SecureOnly,
                            repo,
                        });
                    }
                }
            }
        };
        Ok(RepoRoot {
            vcs: sr.vcs.cmd.to_string(),
            repo,
            root: sr.root,
            subdir: String::new(),
            is_custom: false,
        })
    }

    /// Go's web.Get with a scheme-less URL: `https`, then `http` if insecure.
    async fn get(&self, url: &Url, security: Security) -> Result<Response, HttpError> {
        let with_scheme = |scheme: &str| {
            GoUrl::from_url(Url {
                scheme: scheme.to_string(),
                ..url.clone()
            })
        };
        let https = match (&self.insecure_http, security) {
            (Some(insecure), Security::Insecure) => insecure,
            _ => &self.http,
        };
        match https.get_any_status(&with_scheme("https")).await {
            Ok(resp) => Ok(resp),
            Err(e) if security == Security::SecureOnly => Err(e),
            Err(_) => self.http.get_any_status(&with_scheme("http")).await,
        }
    }

    async fn page(&self, resp: Response) -> Page {
        let url = resp.url().as_str().to_string();
        let resp_status = (resp.status(), resp.status_line().to_string());
        let imports = match resp.into_body().read_to_end(PAGE_LIMIT, None).await {
            Ok(body) => parse_meta_go_imports(&body, true).map_err(PageError::Xml),
            Err(e) => Err(PageError::Read(e)),
        };
        Page {
            url,
            resp_status,
            imports,
        }
    }

    /// Go's repoRootForImportDynamic.
    async fn dynamic(&self, path: &str, security: Security) -> Result<RepoRoot, DynamicError> {
        let url = url_for_import_path(path).ok_or(DynamicError::NoHostname)?;
        let resp = self
            .get(&url, security)
            .await
            .map_err(|err| DynamicError::Fetch {
                insecure: security == Security::Insecure,
                err,
            })?;
        let page = self.page(resp).await;
        if let Some(e) = page.status_error() {
            return Err(DynamicError::Status(e));
        }
        let imports = page.imports.map_err(|err| DynamicError::Parse {
            path: path.to_string(),
            err,
        })?;
        let mmi = match_go_import(&imports, path).map_err(|source| match source {
            MatchError::Mismatch { .. } => DynamicError::NoMatch {
                url: page.url.clone(),
                source,
            },
            MatchError::Multiple { .. } => DynamicError::Multiple {
                url: url.to_string(),
                source,
            },
        })?;
        if mmi.prefix != path {
            let (prefix_page, imports) = self
                .meta_imports_for_prefix(&mmi.prefix, security)
                .await
                .map_err(|(_, e)| DynamicError::Prefix(e))?;
            if match_go_import(&imports, path).ok().as_ref() != Some(&mmi) {
                return Err(DynamicError::Disagree {
                    page: page.url,
                    prefix_page,
                    prefix: mmi.prefix,
                });
            }
        }
        validate_repo_subdir(&mmi.subdir).map_err(|reason| DynamicError::Subdir {
            url: page.url.clone(),
            subdir: mmi.subdir.clone(),
            reason,
        })?;
        validate_repo_root(&mmi.repo_root).map_err(|reason| DynamicError::RepoRoot {
            url: page.url.clone(),
            repo: mmi.repo_root.clone(),
            reason,
        })?;
        if mmi.vcs != "mod" {
            if vcs_by_cmd(&mmi.vcs).is_none() {
                return Err(DynamicError::UnknownVcs {
                    url: page.url,
                    vcs: mmi.vcs,
                });
            }
            self.policy
                .govcs
                .check(&mmi.vcs, &mmi.prefix, &self.policy.goprivate)
                .map_err(DynamicError::Govcs)?;
        }
        Ok(RepoRoot {
            vcs: mmi.vcs,
            repo: mmi.repo_root,
            root: mmi.prefix,
            subdir: mmi.subdir,
            is_custom: true,
        })
    }

    /// Go's metaImportsForPrefix: the prefix's page (go's scheme-less URL of it) and its
    /// tags; fetched once per prefix.
    async fn meta_imports_for_prefix(&self, prefix: &str, security: Security) -> PrefixResult {
        let key = prefix.to_string();
        self.prefixes
            .get_or_run(&key, || async {
                let url = url_for_import_path(prefix).ok_or((None, PrefixError::NoHostname))?;
                let shown = url.to_string();
                let fail = |e| (Some(shown.clone()), e);
                let resp = self.get(&url, security).await.map_err(|err| {
                    fail(PrefixError::Fetch {
                        prefix: prefix.to_string(),
                        err,
                    })
                })?;
                let page = self.page(resp).await;
                if let Some(e) = page.status_error() {
                    return Err(fail(PrefixError::Status(e)));
                }
                let imports = page.imports.map_err(|err| {
                    fail(PrefixError::Parse {
                        url: page.url.clone(),
                        err,
                    })
                })?;
                if imports.is_empty() {
                    return Err(fail(PrefixError::NoTags {
                        prefix: prefix.to_string(),
                        url: page.url,
                    }));
                }
                Ok((shown, imports))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_for_import_path_is_gos() {
        let u = |p: &str| url_for_import_path(p).map(|u| u.to_string());
        assert_eq!(
            u("example.com/a/b").as_deref(),
            Some("//example.com/a/b?go-get=1")
        );
        assert_eq!(u("example.com").as_deref(), Some("//example.com/?go-get=1"));
        assert_eq!(u("localhost/a"), None);
    }
}
