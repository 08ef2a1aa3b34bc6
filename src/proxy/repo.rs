//! One module at one proxy: Go's `modfetch.proxyRepo`.
//!
//! URLs are built as Go builds them: `<base>/<escaped path>/@v/<escaped version>.info`
//! with `net/url` escaping (`!` travels as `%21`) and `path.Join` semantics. Each
//! operation is one stateless request (plus, for [`ProxyRepo::latest`], Go's fallback
//! to the version list); the caller de-duplicates and caches.
//!
//! | operation | request | checks (Go's) |
//! |---|---|---|
//! | [`ProxyRepo::list`] | `@v/list` | keep valid semver, not pseudo-versions, with the prefix; sorted |
//! | [`ProxyRepo::latest`] | `@latest` | on 404/410: the newest of the list by its times, then `stat` |
//! | [`ProxyRepo::stat`] | `@v/<rev>.info` | JSON as `json.Unmarshal`; a valid canonical `rev` must come back unchanged |
//! | [`ProxyRepo::go_mod`] | `@v/<v>.mod` | the bytes as served |
//! | [`ProxyRepo::zip`] | `@v/<v>.zip` | streamed; more than 500 MiB fails |
//!
//! One difference of shape, on purpose: Go's `Versions` also computes (once per
//! repository) the list-based latest, which `stat`s the newest listed pseudo-version or
//! timestamped version — an extra `.info` request after some `@v/list` requests. Here
//! [`ProxyRepo::list`] returns the lines and [`latest_from_list`] is separate, so the
//! query layer decides whether to reproduce that request.

use super::error::{Failure, LookupError, ProxyError};
use super::zip::ZipDownload;
use crate::http::{self, Client, GoUrl, RedactedUrl};
use crate::module;
use crate::revinfo::{GoTime, Origin, RevInfo};
use crate::semver;
use std::time::Duration;

/// Go's `codehost.MaxZipFile`: a proxy zip larger than this is refused.
pub const MAX_ZIP_FILE: u64 = 500 << 20;

/// Size and time bounds for the bodies read into memory (Go has none; these keep a
/// hostile proxy from costing unbounded memory or time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `.info` and `@latest` bodies.
    pub info_bytes: u64,
    /// `.mod` bodies (Go's `MaxGoMod`, 16 MiB).
    pub mod_bytes: u64,
    /// `@v/list` bodies.
    pub list_bytes: u64,
    /// The longest time to read one of these bodies.
    pub small_body_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            info_bytes: 4 << 20,
            mod_bytes: 16 << 20,
            list_bytes: 64 << 20,
            small_body_deadline: Duration::from_secs(300),
        }
    }
}

/// The versions a proxy lists for a path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionList {
    /// Valid semantic versions with the requested prefix, no pseudo-versions,
    /// semver-sorted (Go's `Versions.List`).
    pub versions: Vec<String>,
    /// The body's lines, as the `@latest` fallback reads them ([`latest_from_list`]).
    pub lines: Vec<String>,
    /// What makes the list checkable (a code repository's tags); a proxy's list has
    /// none.
    pub origin: Option<Origin>,
}

/// Go's filtering of an `@v/list` body (`proxyRepo.Versions`).
pub fn filter_list(lines: &[String], prefix: &str) -> Vec<String> {
    let mut list: Vec<String> = lines
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|v| semver::is_valid(v) && v.starts_with(prefix) && !module::is_pseudo_version(v))
        .map(str::to_string)
        .collect();
    semver::sort(&mut list);
    list
}

/// Go's `latestFromList` choice: among lines whose first field is valid semver, the one
/// with the latest time — the second field parsed as RFC 3339 (zero time if it does not
/// parse), else a pseudo-version's own time; other lines are skipped. Ties keep the
/// first. `None` when nothing qualifies.
pub fn latest_from_list(lines: &[String]) -> Option<String> {
    let mut best: Option<(GoTime, &str)> = None;
    for line in lines {
        let mut fields = line.split_whitespace();
        let Some(v) = fields.next().filter(|v| semver::is_valid(v)) else {
            continue;
        };
        let t = if let Some(ts) = fields.next() {
            GoTime::parse(ts).unwrap_or(GoTime::ZERO)
        } else if module::is_pseudo_version(v) {
            module::pseudo_version_time(v).map_or(GoTime::ZERO, GoTime::from_timestamp)
        } else {
            continue;
        };
        let best_time = best.map_or(GoTime::ZERO, |(t, _)| t);
        if best_time.before(&t) {
            best = Some((t, v));
        }
    }
    best.map(|(_, v)| v.to_string())
}

/// A module path at one proxy base URL.
#[derive(Debug, Clone)]
pub struct ProxyRepo {
    client: Client,
    limits: Limits,
    path: String,
    /// The base URL joined with the escaped module path.
    url: GoUrl,
    redacted_base: RedactedUrl,
}

impl ProxyRepo {
    /// Go's `newProxyRepo`: checks the base URL (`http`, `https`, or a `file:` URL made
    /// of a path only) and appends the escaped module path.
    pub fn new(
        client: &Client,
        limits: Limits,
        base: &str,
        path: &str,
    ) -> Result<ProxyRepo, ProxyError> {
        let invalid = |msg: String| ProxyError::Lookup(LookupError::InvalidProxyUrl(msg));
        let base_url = GoUrl::parse(base).map_err(|e| invalid(e.to_string()))?;
        let redacted_base = base_url.redacted();
        match base_url.scheme() {
            "http" | "https" => {}
            "file" if base_url.is_scheme_and_path_only() => {}
            "file" => {
                return Err(invalid(format!(
                    "invalid file:// proxy URL with non-path elements: {redacted_base}"
                )));
            }
            "" => {
                return Err(invalid(format!(
                    "invalid proxy URL missing scheme: {redacted_base}"
                )));
            }
            _ => {
                return Err(invalid(format!(
                    "invalid proxy URL scheme (must be https, http, file): {redacted_base}"
                )));
            }
        }
        let escaped =
            module::escape_path(path).map_err(|e| ProxyError::Lookup(LookupError::Path(e)))?;
        Ok(ProxyRepo {
            client: client.clone(),
            limits,
            path: path.to_string(),
            url: base_url.with_appended_module_path(&escaped),
            redacted_base,
        })
    }

    pub fn module_path(&self) -> &str {
        &self.path
    }

    /// The proxy base URL, redacted (as in `invalid response from proxy "<base>"`).
    pub fn redacted_base(&self) -> &RedactedUrl {
        &self.redacted_base
    }

    /// The URL of a request relative to the module (`@v/list`, `@latest`, …).
    pub fn url_of(&self, rel: &str) -> GoUrl {
        self.url.joined(rel)
    }

    fn err(&self, version: &str, failure: Failure) -> ProxyError {
        ProxyError::version(&self.path, version, failure)
    }

    async fn get_bytes(&self, rel: &str, limit: u64) -> Result<Vec<u8>, http::Error> {
        self.client
            .get_bytes(
                &self.url_of(rel),
                limit,
                Some(self.limits.small_body_deadline),
            )
            .await
    }

    /// `@v/list`: the proxy's versions with `prefix` (see [`VersionList`]).
    pub async fn list(&self, prefix: &str) -> Result<VersionList, ProxyError> {
        let data = self
            .get_bytes("@v/list", self.limits.list_bytes)
            .await
            .map_err(|e| self.err("", Failure::Http(e)))?;
        let lines: Vec<String> = String::from_utf8_lossy(&data)
            .split('\n')
            .map(str::to_string)
            .collect();
        Ok(VersionList {
            versions: filter_list(&lines, prefix),
            lines,
            origin: None,
        })
    }

    /// `@latest`; when the proxy has no such endpoint (404/410), the newest version of
    /// the list by time ([`latest_from_list`]), stat'ed.
    pub async fn latest(&self) -> Result<RevInfo, ProxyError> {
        self.latest_listed(None).await
    }

    /// [`ProxyRepo::latest`], whose fallback reads `listed` when given: the lines of
    /// an `@v/list` this repository answered earlier (Go's `proxyRepo` keeps the
    /// first list it reads for that fallback instead of asking again).
    pub async fn latest_listed(&self, listed: Option<&[String]>) -> Result<RevInfo, ProxyError> {
        match self.get_bytes("@latest", self.limits.info_bytes).await {
            Ok(data) => RevInfo::from_proxy_json(&data).map_err(|err| {
                self.err(
                    "",
                    Failure::InvalidResponse {
                        base: self.redacted_base.clone(),
                        err,
                    },
                )
            }),
            Err(e) if !e.is_not_found() => Err(self.err("", Failure::Http(e))),
            Err(_) => {
                let fetched;
                let lines = match listed {
                    Some(lines) => lines,
                    None => {
                        fetched = self.list("").await?;
                        &fetched.lines[..]
                    }
                };
                match latest_from_list(lines) {
                    Some(v) => self.stat(&v).await,
                    None => Err(self.err("", Failure::NoCommits)),
                }
            }
        }
    }

    /// `@v/<rev>.info`: what the proxy knows of a revision (a version, a branch, a hash).
    pub async fn stat(&self, rev: &str) -> Result<RevInfo, ProxyError> {
        let enc = module::escape_version(rev).map_err(|e| self.err(rev, Failure::Module(e)))?;
        let data = self
            .get_bytes(&format!("@v/{enc}.info"), self.limits.info_bytes)
            .await
            .map_err(|e| self.err(rev, Failure::Http(e)))?;
        let info = RevInfo::from_proxy_json(&data).map_err(|err| {
            self.err(
                rev,
                Failure::InvalidResponse {
                    base: self.redacted_base.clone(),
                    err,
                },
            )
        })?;
        if info.version != rev
            && rev == module::canonical_version(rev)
            && module::check(&self.path, rev).is_ok()
        {
            return Err(self.err(rev, Failure::WrongVersion { got: info.version }));
        }
        Ok(info)
    }

    /// `@v/<version>.mod`: the go.mod bytes as served.
    pub async fn go_mod(&self, version: &str) -> Result<Vec<u8>, ProxyError> {
        if version != module::canonical_version(version) {
            return Err(self.err(version, Failure::NotCanonical { op: "GoMod" }));
        }
        let enc =
            module::escape_version(version).map_err(|e| self.err(version, Failure::Module(e)))?;
        self.get_bytes(&format!("@v/{enc}.mod"), self.limits.mod_bytes)
            .await
            .map_err(|e| self.err(version, Failure::Http(e)))
    }

    /// `@v/<version>.zip`, streamed (see [`ZipDownload`]).
    pub async fn zip(&self, version: &str) -> Result<ZipDownload, ProxyError> {
        if version != module::canonical_version(version) {
            return Err(self.err(version, Failure::NotCanonical { op: "Zip" }));
        }
        let enc =
            module::escape_version(version).map_err(|e| self.err(version, Failure::Module(e)))?;
        let dl = self
            .client
            .download(&self.url_of(&format!("@v/{enc}.zip")))
            .await
            .map_err(|e| self.err(version, Failure::Http(e)))?;
        Ok(ZipDownload::new(&self.path, version, dl))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<String> {
        s.split('\n').map(str::to_string).collect()
    }

    #[test]
    fn list_filtering() {
        let l = lines(
            "v1.2.0\nv1.10.0 2019-01-01T00:00:00Z extra\nbad\n\nv0.0.0-20200101000000-abcdefabcdef\n  v1.3.0-pre  \nv2.0.0+incompatible\nv1.1\n",
        );
        assert_eq!(
            filter_list(&l, ""),
            [
                "v1.1",
                "v1.2.0",
                "v1.3.0-pre",
                "v1.10.0",
                "v2.0.0+incompatible"
            ]
        );
        assert_eq!(filter_list(&l, "v1.1"), ["v1.1", "v1.10.0"]);
    }

    #[test]
    fn latest_by_time() {
        let l = lines(
            "v1.0.0\nv0.0.0-20200101000000-abcdefabcdef\nv0.0.0-20190101000000-abcdefabcdef\n",
        );
        assert_eq!(
            latest_from_list(&l).as_deref(),
            Some("v0.0.0-20200101000000-abcdefabcdef")
        );
        let l = lines("v1.0.0 2021-01-01T00:00:00Z\nv1.1.0 2020-01-01T00:00:00Z\nv1.2.0 garbage\n");
        assert_eq!(latest_from_list(&l).as_deref(), Some("v1.0.0"));
        assert_eq!(latest_from_list(&lines("v1.0.0\nv1.1.0\n")), None);
        assert_eq!(latest_from_list(&lines("")), None);
    }
}
