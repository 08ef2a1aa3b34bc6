//! The one HTTP client: requests as the go command makes them, plus retries.
//!
//! Per GET ([`Client::get`]), as `cmd/go/internal/web` does:
//! * `file:` URLs are read locally ([`super::file`]); other schemes than `http`/`https`
//!   fail (`unsupported scheme`), and an `http` URL carrying user info is refused
//!   (`refusing to pass credentials to insecure URL`);
//! * `https` requests get `.netrc` credentials by URL prefix, and an `https` answer
//!   with a 4xx status is requested once more (Go's GOAUTH retry);
//! * redirects are followed by hand with Go's rules: at most 10 (`stopped after 10
//!   redirects`), never from `https` to another scheme, `Location` resolved as
//!   `net/url` does, credentials dropped when the host changes to one that is not a
//!   subdomain; messages keep naming the URL first requested;
//! * the `-x` trace gets `# get <url>` and the outcome line ([`super::Trace`]).
//!
//! Then, beyond Go, transient failures are retried ([`super::RetryPolicy`]); the final
//! error says how many attempts were made.
//!
//! A [`Client`] is cheap to clone and shares one connection pool (HTTP/2 by ALPN,
//! keep-alive for HTTP/1.1). All methods are async (tokio).
//!
//! The first `https` request to an origin goes alone: the others wait until it has
//! its headers (or has failed). Until ALPN has said whether the server speaks HTTP/2,
//! the pool cannot know that one connection will carry everything, so a burst of
//! concurrent first requests would each open a TCP+TLS connection, all but one of them
//! wasted (the download benchmark saw 32 opened and 1 used). The wait costs the burst
//! nothing it would not spend on its own handshakes.

use super::body::{Body, Download};
use super::detail::{DETAIL_CAPTURE_LIMIT, format_detail, trim_partial_utf8, wants_detail};
use super::error::{Cause, CauseKind, Error, ErrorKind, StatusError};
use super::file::get_file;
use super::gourl::{GoUrl, RedactedUrl};
use super::retry::{RetryPolicy, parse_retry_after};
use super::status::go_status_line;
use super::tls::{RootSource, TlsConfigError, client_config};
use super::trace::{self, Trace};
use super::transport;
use crate::config::goauth::Credentials;
use crate::config::netenv::NetEnv;
use base64::Engine as _;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The outbound proxy settings of Go's `http.ProxyFromEnvironment` (`HTTPS_PROXY`,
/// `HTTP_PROXY`, `NO_PROXY`; loopback hosts are never proxied).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyEnv {
    pub http_proxy: Option<String>,
    pub https_proxy: Option<String>,
    pub no_proxy: Option<String>,
}

impl From<&NetEnv> for ProxyEnv {
    fn from(n: &NetEnv) -> ProxyEnv {
        ProxyEnv {
            http_proxy: n.http_proxy.clone(),
            https_proxy: n.https_proxy.clone(),
            no_proxy: n.no_proxy.clone(),
        }
    }
}

/// How to build a [`Client`].
#[derive(Clone)]
pub struct ClientConfig {
    pub roots: RootSource,
    pub credentials: Credentials,
    pub retry: RetryPolicy,
    pub trace: Option<Arc<dyn Trace>>,
    pub proxy: ProxyEnv,
    /// TCP connect limit (Go: 30 s).
    pub connect_timeout: Duration,
    /// The longest wait for response headers; and the window in which a body must
    /// deliver at least [`MIN_PROGRESS`](super::body::MIN_PROGRESS) bytes (or end), so
    /// that neither a stalled nor a dripping body holds a download forever.
    pub idle_timeout: Duration,
    pub user_agent: String,
    /// Go's GOINSECURE client: `https` certificates are not verified (see
    /// [`super::tls::skip_verify_client_config`]).
    pub skip_verify: bool,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("roots", &self.roots)
            .field("credentials", &!self.credentials.is_empty())
            .field("retry", &self.retry)
            .field("trace", &self.trace.is_some())
            .field("proxy", &self.proxy)
            .field("connect_timeout", &self.connect_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("skip_verify", &self.skip_verify)
            .finish()
    }
}

impl ClientConfig {
    /// The settings Go takes from the process environment (TLS roots, proxies) and
    /// `.netrc` credentials; everything else as [`ClientConfig::default`].
    pub fn from_net_env(net: &NetEnv, credentials: Credentials) -> ClientConfig {
        ClientConfig {
            roots: RootSource::from(net),
            proxy: ProxyEnv::from(net),
            credentials,
            ..ClientConfig::default()
        }
    }
}

impl Default for ClientConfig {
    fn default() -> ClientConfig {
        ClientConfig {
            roots: RootSource::default(),
            credentials: Credentials::default(),
            retry: RetryPolicy::default(),
            trace: None,
            proxy: ProxyEnv::default(),
            connect_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            user_agent: concat!("gomodfetch/", env!("CARGO_PKG_VERSION")).to_string(),
            skip_verify: false,
        }
    }
}

/// Why a client could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Tls(#[from] TlsConfigError),
    #[error("invalid proxy URL {0}")]
    Proxy(String),
    #[error("building the HTTP client: {0}")]
    Client(String),
}

struct Inner {
    /// Built at the first request ([`Client::new`] says why).
    http: std::sync::OnceLock<Result<reqwest::Client, String>>,
    config: ClientConfig,
    /// `config`'s outbound proxies, checked when the client was made.
    proxies: Vec<reqwest::Proxy>,
    /// Per `https` origin, set once its first request has been answered or failed.
    warmed: std::sync::Mutex<HashMap<String, Arc<tokio::sync::OnceCell<()>>>>,
}

/// The HTTP client (see the module docs). Clones share everything.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("retry", &self.inner.config.retry)
            .finish_non_exhaustive()
    }
}

/// A response (status 200 from [`Client::get`]; any status from
/// [`Client::get_any_status`]).
#[derive(Debug)]
pub struct Response {
    url: RedactedUrl,
    status: u16,
    status_line: String,
    content_type: Option<String>,
    retry_after: Option<u64>,
    file_error: Option<String>,
    body: Body,
}

impl Response {
    pub(crate) fn synthesized(
        url: RedactedUrl,
        status: u16,
        status_line: &str,
        file_error: Option<String>,
        body: Body,
    ) -> Response {
        Response {
            url,
            status,
            status_line: status_line.to_string(),
            content_type: None,
            retry_after: None,
            file_error,
            body,
        }
    }

    /// The URL requested (redacted; not a redirect target).
    pub fn url(&self) -> &RedactedUrl {
        &self.url
    }

    pub fn status(&self) -> u16 {
        self.status
    }

    /// Go's `Response.Status`, e.g. `404 Not Found`.
    pub fn status_line(&self) -> &str {
        &self.status_line
    }

    pub fn into_body(self) -> Body {
        self.body
    }

    /// Go's `Response.Err()` for a non-200 response: the status error, with the
    /// `server response:` detail read from the body when Go would read it.
    pub async fn into_error(mut self) -> Error {
        let detail = if wants_detail(self.content_type.as_deref()) {
            let captured = self.body.read_prefix(DETAIL_CAPTURE_LIMIT).await;
            let captured = if captured.len() >= DETAIL_CAPTURE_LIMIT {
                trim_partial_utf8(&captured)
            } else {
                &captured
            };
            format_detail(captured)
        } else {
            String::new()
        };
        Error::new(ErrorKind::Status(StatusError {
            url: self.url,
            code: self.status,
            status: self.status_line,
            detail,
            file_error: self.file_error,
            retry_after: self.retry_after,
        }))
    }
}

/// Go's `isDomainOrSubdomain(sub, parent)` on host names.
fn is_domain_or_subdomain(sub: &str, parent: &str) -> bool {
    if sub.eq_ignore_ascii_case(parent) {
        return true;
    }
    if sub.contains(':') || sub.contains('%') {
        return false;
    }
    let (sub, parent) = (sub.to_ascii_lowercase(), parent.to_ascii_lowercase());
    sub.strip_suffix(parent.as_str())
        .is_some_and(|rest| rest.ends_with('.'))
}

fn is_redirect(code: u16) -> bool {
    matches!(code, 301 | 302 | 303 | 307 | 308)
}

fn basic_from_url(url: &GoUrl) -> Option<String> {
    let (user, pass) = url.credentials()?;
    let mut raw = user;
    raw.push(b':');
    raw.extend(pass.unwrap_or_default());
    Some(format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    ))
}

/// The outbound proxies of `config` (Go's `ProxyFromEnvironment`), checked.
fn proxies(config: &ClientConfig) -> Result<Vec<reqwest::Proxy>, BuildError> {
    let no_proxy = format!(
        "localhost,127.0.0.0/8,::1,{}",
        config.proxy.no_proxy.as_deref().unwrap_or_default()
    );
    let with_scheme = |p: &str| {
        if p.contains("://") {
            p.to_string()
        } else {
            format!("http://{p}")
        }
    };
    let mut out = Vec::new();
    for (target_https, value) in [
        (false, &config.proxy.http_proxy),
        (true, &config.proxy.https_proxy),
    ] {
        let Some(p) = value else { continue };
        let url = with_scheme(p);
        let proxy = if target_https {
            reqwest::Proxy::https(&url)
        } else {
            reqwest::Proxy::http(&url)
        }
        .map_err(|_| BuildError::Proxy(p.clone()))?
        .no_proxy(reqwest::NoProxy::from_string(&no_proxy));
        out.push(proxy);
    }
    Ok(out)
}

/// The connection pool: TLS roots loaded as Go loads them, the checked proxies.
fn build(config: &ClientConfig, proxies: &[reqwest::Proxy]) -> Result<reqwest::Client, BuildError> {
    builder(config, proxies)?
        .build()
        .map_err(|e| BuildError::Client(e.to_string()))
}

fn builder(
    config: &ClientConfig,
    proxies: &[reqwest::Proxy],
) -> Result<reqwest::ClientBuilder, BuildError> {
    let tls = if config.skip_verify {
        super::tls::skip_verify_client_config()?
    } else {
        client_config(&config.roots.load())?
    };
    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(config.connect_timeout)
        .user_agent(config.user_agent.clone())
        .no_proxy();
    for p in proxies {
        builder = builder.proxy(p.clone());
    }
    Ok(builder)
}

/// The settings of [`Client`]'s connection pool (TLS roots as Go loads them, the
/// outbound proxies, no redirects followed), for a library that brings its own
/// request logic (`publish` hands it to `object_store`). Loads the roots now.
pub fn pool_builder(config: &ClientConfig) -> Result<reqwest::ClientBuilder, BuildError> {
    builder(config, &proxies(config)?)
}

impl Client {
    /// Makes the client. The proxy settings are checked here (a bad one fails the
    /// run before any work, as before); the TLS roots are loaded and the connection
    /// pool built at the first request, as Go loads its system roots at the first
    /// handshake: a run that needs no network (a no-op download) reads none of the
    /// hundred-odd certificate files.
    pub fn new(config: ClientConfig) -> Result<Client, BuildError> {
        let proxies = proxies(&config)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http: std::sync::OnceLock::new(),
                config,
                proxies,
                warmed: std::sync::Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.inner.config.retry
    }

    fn trace(&self, line: String) {
        if let Some(t) = &self.inner.config.trace {
            t.line(&line);
        }
    }

    /// GETs `url`; a status other than 200 is an error (Go's `web.Get` + `Err()`).
    pub async fn get(&self, url: &GoUrl) -> Result<Response, Error> {
        Ok(self.fetch_with_retries(url, true, 1).await?.0)
    }

    /// GETs `url` and returns the response whatever its status (transient statuses are
    /// still retried first).
    pub async fn get_any_status(&self, url: &GoUrl) -> Result<Response, Error> {
        Ok(self.fetch_with_retries(url, false, 1).await?.0)
    }

    /// GETs `url` and reads the body: at most `limit` bytes, within `deadline`.
    pub async fn get_bytes(
        &self,
        url: &GoUrl,
        limit: u64,
        deadline: Option<Duration>,
    ) -> Result<Vec<u8>, Error> {
        let mut attempt = 1;
        loop {
            let (resp, used) = self.fetch_with_retries(url, true, attempt).await?;
            match resp.into_body().read_to_end(limit, deadline).await {
                Ok(b) => return Ok(b),
                Err(e) if e.is_transient() && used < self.inner.config.retry.max_attempts => {
                    tokio::time::sleep(self.inner.config.retry.delay(used + 1, None)).await;
                    attempt = used + 1;
                }
                Err(e) => return Err(e.with_attempts(used)),
            }
        }
    }

    /// GETs `url` for streaming, with the possibility to restart the body.
    pub async fn download(&self, url: &GoUrl) -> Result<Download, Error> {
        let (resp, attempts) = self.fetch_with_retries(url, true, 1).await?;
        Ok(Download::new(
            self.clone(),
            url.clone(),
            resp.into_body(),
            attempts,
        ))
    }

    /// Fetches with request-level retries, counting attempts from `first`. Returns the
    /// response and the number of the attempt that produced it.
    pub(crate) async fn fetch_with_retries(
        &self,
        url: &GoUrl,
        require_ok: bool,
        first: u32,
    ) -> Result<(Response, u32), Error> {
        let policy = self.inner.config.retry;
        let mut attempt = first;
        loop {
            let err = match self.fetch_once(url).await {
                Ok(resp) if resp.status == 200 => return Ok((resp, attempt)),
                Ok(resp) => {
                    let transient = resp.file_error.is_none()
                        && (resp.status >= 500 || resp.status == 408 || resp.status == 429);
                    let retry = transient && attempt < policy.max_attempts;
                    if !require_ok && !retry {
                        return Ok((resp, attempt));
                    }
                    resp.into_error().await
                }
                Err(e) => e,
            };
            if err.is_transient() && attempt < policy.max_attempts {
                tokio::time::sleep(policy.delay(attempt + 1, err.retry_after())).await;
                attempt += 1;
                continue;
            }
            return Err(err.with_attempts(attempt));
        }
    }

    /// One GET as Go's `web.Get` makes it (see the module docs).
    async fn fetch_once(&self, url: &GoUrl) -> Result<Response, Error> {
        let redacted = url.redacted();
        match url.scheme() {
            "file" => return get_file(url).await,
            "http" | "https" => {}
            _ => {
                self.trace(trace::failure(&redacted, &"unsupported"));
                return Err(Error::new(ErrorKind::UnsupportedScheme(redacted)));
            }
        }
        if url.scheme() == "http" && url.has_user_info() {
            self.trace(trace::failure(&redacted, &"insecure credentials"));
            return Err(Error::new(ErrorKind::InsecureCredentials(redacted)));
        }
        self.trace(trace::start(&redacted));
        let start = Instant::now();
        let mut result = self.follow_redirects(url).await;
        if url.scheme() == "https"
            && let Ok(resp) = &result
            && (400..500).contains(&resp.status)
        {
            // Go re-runs GOAUTH with the URL and asks once more.
            result = self.follow_redirects(url).await;
        }
        match &result {
            Ok(resp) => self.trace(trace::response(
                &redacted,
                &resp.status_line,
                start.elapsed(),
            )),
            Err(e) => self.trace(trace::failure(&redacted, e)),
        }
        result
    }

    /// Go's `Client.do` loop with the go command's redirect policy.
    async fn follow_redirects(&self, url: &GoUrl) -> Result<Response, Error> {
        // Go adds GOAUTH credentials to https requests only.
        let initial_auth = if url.scheme() == "https" {
            let full = url.unredacted();
            self.inner
                .config
                .credentials
                .lookup(&full)
                .map(str::to_string)
        } else {
            None
        };
        let mut via: Vec<GoUrl> = Vec::new();
        let mut current = url.clone();
        let mut strip_auth = false;
        loop {
            via.push(current.clone());
            let auth = if strip_auth {
                None
            } else {
                initial_auth.clone()
            };
            let resp = self.send(&current, auth).await.map_err(|cause| {
                Error::new(ErrorKind::Request {
                    url: current.password_stripped(),
                    cause,
                })
            })?;
            let code = resp.status().as_u16();
            let location = resp
                .headers()
                .get(http::header::LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default();
            if !is_redirect(code) || location.is_empty() {
                return Ok(self.response(url, resp));
            }
            let next = current.resolve(&location).map_err(|e| {
                Error::new(ErrorKind::Request {
                    url: current.password_stripped(),
                    cause: Cause::new(
                        CauseKind::Redirect,
                        format!(
                            "failed to parse Location header {}: {e}",
                            crate::gostr::quote(&location)
                        ),
                    ),
                })
            })?;
            if !strip_auth
                && via[0].host() != next.host()
                && !is_domain_or_subdomain(&next.hostname(), &via[0].hostname())
            {
                strip_auth = true;
            }
            let refuse = |why: String| {
                Error::new(ErrorKind::Request {
                    url: location.clone(),
                    cause: Cause::new(CauseKind::Redirect, why),
                })
            };
            if via[0].scheme() == "https" && next.scheme() != "https" {
                return Err(refuse(format!(
                    "redirected from secure URL {} to insecure URL {}",
                    current.redacted(),
                    next.redacted()
                )));
            }
            if via.len() >= 10 {
                return Err(refuse("stopped after 10 redirects".into()));
            }
            current = next;
        }
    }

    /// Sends one request and waits (up to the idle time-out) for its headers; the
    /// first one to an `https` origin alone (see the module docs).
    async fn send(&self, url: &GoUrl, auth: Option<String>) -> Result<reqwest::Response, Cause> {
        if url.scheme() != "https" {
            return self.send_now(url, auth).await;
        }
        let gate = {
            let mut warmed = self
                .inner
                .warmed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(warmed.entry(url.host()).or_default())
        };
        if gate.initialized() {
            return self.send_now(url, auth).await;
        }
        let mut first = None;
        gate.get_or_init(|| async {
            first = Some(self.send_now(url, auth.clone()).await);
        })
        .await;
        match first {
            Some(answer) => answer,
            None => self.send_now(url, auth).await,
        }
    }

    async fn send_now(
        &self,
        url: &GoUrl,
        auth: Option<String>,
    ) -> Result<reqwest::Response, Cause> {
        let target = url.without_user_info().unredacted();
        let http = self
            .inner
            .http
            .get_or_init(|| {
                build(&self.inner.config, &self.inner.proxies).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| Cause::new(CauseKind::Other, e.clone()))?;
        let mut req = http.get(&target);
        if let Some(a) = auth.or_else(|| basic_from_url(url)) {
            req = req.header(http::header::AUTHORIZATION, a);
        }
        match tokio::time::timeout(self.inner.config.idle_timeout, req.send()).await {
            Err(_) => Err(Cause::new(
                CauseKind::Timeout,
                "net/http: timeout awaiting response headers",
            )),
            Ok(Err(e)) => Err(transport::classify(&e, url, false)),
            Ok(Ok(resp)) => Ok(resp),
        }
    }

    fn response(&self, url: &GoUrl, resp: reqwest::Response) -> Response {
        let code = resp.status().as_u16();
        let reason = if resp.version() == reqwest::Version::HTTP_2 {
            None
        } else {
            Some(
                resp.extensions()
                    .get::<hyper::ext::ReasonPhrase>()
                    .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
                    .unwrap_or_else(|| resp.status().canonical_reason().unwrap_or("").to_string()),
            )
        };
        let header = |name| {
            resp.headers()
                .get(name)
                .map(|v: &http::HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let content_type = header(http::header::CONTENT_TYPE);
        let retry_after = header(http::header::RETRY_AFTER).and_then(|v| parse_retry_after(&v));
        Response {
            url: url.redacted(),
            status: code,
            status_line: go_status_line(code, reason.as_deref()),
            content_type,
            retry_after,
            file_error: None,
            body: Body::http(resp, url, self.inner.config.idle_timeout),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomains() {
        assert!(is_domain_or_subdomain("a.example.com", "example.com"));
        assert!(is_domain_or_subdomain("example.com", "EXAMPLE.com"));
        assert!(!is_domain_or_subdomain("badexample.com", "example.com"));
        assert!(!is_domain_or_subdomain("example.com", "a.example.com"));
    }
}
