//! A local git hosting site for direct-VCS tests: bare repositories built by test code
//! ([`RepoBuilder`]), served over smart HTTP by the real `git http-backend`, with
//! `?go-get=1` discovery pages, behind a forward proxy that only lets the test domain
//! through.
//!
//! ```no_run
//! use gomodfetch::testkit::gitserver::{GitServer, RepoBuilder};
//! let server = GitServer::start()?;
//! RepoBuilder::new(server.root(), "owner/repo")
//!     .commit(|c| { c.file("go.mod", "module git.gomodfetch.test/owner/repo\n"); })
//!     .tag("v1.0.0")
//!     .build()?;
//! // for (k, v) in server.env() { cmd.env(k, v); }  or  server.apply_env(&mut sandbox);
//! // go mod download git.gomodfetch.test/owner/repo@v1.0.0
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Listeners (all on 127.0.0.1, ephemeral ports)
//! * the site over TLS ([`GitServer::https_addr`]): certificate for
//!   `git.gomodfetch.test` and `*.gomodfetch.test` (plus `localhost`/127.0.0.1),
//!   signed by a CA made for this run with the test proxy's CA code
//!   ([`crate::testkit::proxy`]); HTTP/2 or HTTP/1.1 by ALPN;
//! * the same site over plain HTTP ([`GitServer::http_addr`]);
//! * the forward proxy ([`GitServer::proxy_url`]): `CONNECT <test host>:443` is
//!   tunnelled to the TLS listener, absolute-form `http://<test host>/…` requests are
//!   served as plain HTTP, anything else is 403. The test host names exist nowhere
//!   else: tools reach them only through this proxy.
//!
//! # What the site serves
//! Repositories live at `<root>/<name>.git` ([`GitServer::root`], a private temporary
//! directory, or any directory with [`GitServer::start_at`]); `https://<host>/<name>`
//! and `https://<host>/<name>.git` both work (the backend tries the `.git` suffix).
//! `?go-get=1` pages: see [`meta`]; per-test replies with [`GitServer::set_meta`].
//! Every request the site answers is logged ([`GitRequest`]: method, scheme, host,
//! path, query, status), and every request the proxy saw ([`ProxyRecord`]).
//!
//! # The environment a tool needs ([`GitServer::env`])
//! * `HTTPS_PROXY`, `https_proxy`, `HTTP_PROXY`, `http_proxy` = the proxy URL: Go's
//!   net/http reads the upper-case names (and `https_proxy`); git's libcurl reads the
//!   lower-case `http_proxy` only (it ignores `HTTP_PROXY`, a CGI safety rule:
//!   without `http_proxy` git fails with "Could not resolve host") and either case
//!   of `https_proxy`. Both kinds are set so go, the git go runs and our
//!   own client all go through the proxy.
//! * `NO_PROXY`, `no_proxy` = empty: a test host listed there would bypass the proxy
//!   and fail to resolve.
//! * `SSL_CERT_FILE` = the CA file: on Linux Go (and our client) use it instead of
//!   the system roots.
//! * `GIT_SSL_CAINFO` = the CA file: git does not read `SSL_CERT_FILE` (libcurl sets
//!   its own CA bundle; Debian's git uses GnuTLS, which fails with "server
//!   certificate verification failed. CAfile: none" without it), so it needs its
//!   own variable. libgit2 (our git2, built with OpenSSL) does read `SSL_CERT_FILE`
//!   and, with `ProxyOptions::auto()`, `https_proxy`/`HTTPS_PROXY` for https URLs
//!   (checked by hand; for `http://` URLs it did not pick up `http_proxy`, so the
//!   codehost must pass the proxy explicitly there).
//! * `GIT_TERMINAL_PROMPT=0`: never ask for credentials (go sets it too).
//! * `GIT_CONFIG_NOSYSTEM=1`: no `/etc/gitconfig` (no `url.*.insteadOf`, proxy or
//!   credential helper from the machine). The sandbox's `HOME` keeps `~/.gitconfig`
//!   out.
//! * `GOPROXY=direct`: go resolves modules through discovery and git.
//! * `GOSUMDB=off`: test modules are in no checksum database.
//! * `GONOSUMDB`/`GOPRIVATE` are left alone: with the database off they change
//!   nothing; tests of those patterns set them themselves.
//! * `GOINSECURE` is not set: tests of `http://` discovery set it.

pub mod builder;
mod cgi;
pub mod meta;
mod service;

pub use builder::{CommitBuilder, Mode, Repo, RepoBuilder, Target};
pub use cgi::DEFAULT_BACKEND;
pub use meta::{GoImport, MetaReply};
pub use service::{TEST_DOMAIN, is_test_host};

use crate::testkit::gocmd::Sandbox;
use crate::testkit::proxy::tls;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::ffi::OsString;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

/// The host name the default meta tags and the examples use.
pub const GIT_HOST: &str = "git.gomodfetch.test";

/// One request the site answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitRequest {
    pub method: String,
    /// `https` or `http`.
    pub scheme: String,
    /// The host asked for (no port).
    pub host: String,
    /// The path as sent (percent-encoded).
    pub path: String,
    /// The query string, without `?`.
    pub query: String,
    pub status: u16,
}

impl GitRequest {
    /// Whether it was a `?go-get=1` discovery request.
    pub fn is_go_get(&self) -> bool {
        self.query.split('&').any(|kv| kv == "go-get=1")
    }
}

/// One request the forward proxy saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyRecord {
    /// `CONNECT`, `GET`, …
    pub method: String,
    /// The request target (`host:port` for CONNECT, else the absolute URL).
    pub target: String,
    /// Whether it was let through.
    pub allowed: bool,
}

pub(crate) struct State {
    pub(crate) root: PathBuf,
    pub(crate) backend: PathBuf,
    pub(crate) tls_addr: SocketAddr,
    log: Mutex<Vec<GitRequest>>,
    proxy_log: Mutex<Vec<ProxyRecord>>,
    meta: Mutex<Vec<(String, MetaReply)>>,
    no_tls: Mutex<Vec<String>>,
    /// Repository path prefixes (`/owner/private`) and the `Authorization` value
    /// their git requests need.
    auth: Mutex<Vec<(String, String)>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Each update is one push or replace: consistent even after a panic elsewhere.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    pub(crate) fn log_request(&self, r: GitRequest) {
        lock(&self.log).push(r);
    }

    pub(crate) fn log_proxy(&self, r: ProxyRecord) {
        lock(&self.proxy_log).push(r);
    }

    pub(crate) fn meta(&self) -> MutexGuard<'_, Vec<(String, MetaReply)>> {
        lock(&self.meta)
    }

    /// Whether a git request for `path` lacks the credentials it needs
    /// ([`GitServer::require_auth`]).
    pub(crate) fn unauthorized(&self, path: &str, authorization: Option<&str>) -> bool {
        lock(&self.auth).iter().any(|(prefix, want)| {
            let under = path == prefix
                || path.starts_with(&format!("{prefix}/"))
                || path.starts_with(&format!("{prefix}.git"));
            under && authorization != Some(want.as_str())
        })
    }

    /// Whether CONNECT to `host` is refused by [`GitServer::refuse_tls`].
    pub(crate) fn tls_refused(&self, host: &str) -> bool {
        lock(&self.no_tls)
            .iter()
            .any(|h| h.eq_ignore_ascii_case(host))
    }
}

/// A running server. Dropping it stops it (and removes its temporary root).
pub struct GitServer {
    state: Arc<State>,
    http_addr: SocketAddr,
    proxy_addr: SocketAddr,
    ca_path: PathBuf,
    _dir: tempfile::TempDir,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for GitServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitServer")
            .field("root", &self.state.root)
            .field("https", &self.state.tls_addr)
            .field("http", &self.http_addr)
            .field("proxy", &self.proxy_addr)
            .finish()
    }
}

/// Why the server cannot run here (so tests can skip).
pub fn missing_prerequisite() -> Option<String> {
    let git = std::process::Command::new("git").arg("--version").output();
    if !git.is_ok_and(|o| o.status.success()) {
        return Some("`git` is not on PATH".to_string());
    }
    if !Path::new(DEFAULT_BACKEND).is_file() {
        return Some(format!("{DEFAULT_BACKEND} is missing"));
    }
    None
}

impl GitServer {
    /// Starts with a fresh temporary root.
    pub fn start() -> io::Result<GitServer> {
        GitServer::start_with(None)
    }

    /// Starts serving the repositories under `root` (`<root>/<name>.git`).
    pub fn start_at(root: impl Into<PathBuf>) -> io::Result<GitServer> {
        GitServer::start_with(Some(root.into()))
    }

    fn start_with(root: Option<PathBuf>) -> io::Result<GitServer> {
        let dir = tempfile::Builder::new()
            .prefix("gomodfetch-gitserver-")
            .tempdir()?;
        let root = match root {
            Some(r) => r,
            None => {
                let r = dir.path().join("repos");
                std::fs::create_dir_all(&r)?;
                r
            }
        };
        let setup = tls::setup_for(
            "gomodfetch test git server",
            &[GIT_HOST, "*.gomodfetch.test", TEST_DOMAIN, "localhost"],
            &[IpAddr::V4(Ipv4Addr::LOCALHOST)],
            true,
        )?;
        let ca_path = dir.path().join("ca.pem");
        std::fs::write(&ca_path, &setup.ca_pem)?;
        let bind = || -> io::Result<std::net::TcpListener> {
            let l = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
            l.set_nonblocking(true)?;
            Ok(l)
        };
        let (tls_l, http_l, proxy_l) = (bind()?, bind()?, bind()?);
        let state = Arc::new(State {
            root,
            backend: PathBuf::from(DEFAULT_BACKEND),
            tls_addr: tls_l.local_addr()?,
            log: Mutex::default(),
            proxy_log: Mutex::default(),
            meta: Mutex::default(),
            no_tls: Mutex::default(),
            auth: Mutex::default(),
        });
        let http_addr = http_l.local_addr()?;
        let proxy_addr = proxy_l.local_addr()?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("gitserver")
            .enable_all()
            .build()?;
        let (tls_l, http_l, proxy_l) = {
            let _enter = rt.enter();
            (
                TcpListener::from_std(tls_l)?,
                TcpListener::from_std(http_l)?,
                TcpListener::from_std(proxy_l)?,
            )
        };
        let (stop, rx) = watch::channel(false);
        let st = state.clone();
        let acceptor = setup.acceptor;
        let thread = std::thread::Builder::new()
            .name("gitserver-main".into())
            .spawn(move || {
                rt.block_on(async move {
                    let mut stopped = rx.clone();
                    tokio::select! {
                        () = accept_site(st.clone(), tls_l, Some(acceptor)) => {}
                        () = accept_site(st.clone(), http_l, None) => {}
                        () = accept_proxy(st, proxy_l) => {}
                        _ = stopped.wait_for(|&s| s) => {}
                    }
                });
                rt.shutdown_timeout(Duration::from_secs(2));
            })?;
        Ok(GitServer {
            state,
            http_addr,
            proxy_addr,
            ca_path,
            _dir: dir,
            stop,
            thread: Some(thread),
        })
    }

    /// Where repositories go (`<root>/<name>.git`); pass it to [`RepoBuilder::new`].
    pub fn root(&self) -> &Path {
        &self.state.root
    }

    /// The TLS listener.
    pub fn https_addr(&self) -> SocketAddr {
        self.state.tls_addr
    }

    /// The plain-HTTP listener.
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// `http://127.0.0.1:<port>`: the forward proxy.
    pub fn proxy_url(&self) -> String {
        format!("http://{}", self.proxy_addr)
    }

    /// The per-run CA certificate (PEM) to trust.
    pub fn ca_cert_path(&self) -> &Path {
        &self.ca_path
    }

    /// `https://git.gomodfetch.test/<name>`: a repository's URL as tools see it.
    pub fn repo_url(&self, name: &str) -> String {
        format!("https://{GIT_HOST}/{name}")
    }

    /// The variables a tool needs to reach the site (see the module docs), in order.
    pub fn env(&self) -> Vec<(&'static str, OsString)> {
        let proxy = OsString::from(self.proxy_url());
        let ca = self.ca_path.as_os_str().to_os_string();
        vec![
            ("HTTPS_PROXY", proxy.clone()),
            ("https_proxy", proxy.clone()),
            ("HTTP_PROXY", proxy.clone()),
            ("http_proxy", proxy),
            ("NO_PROXY", OsString::new()),
            ("no_proxy", OsString::new()),
            ("SSL_CERT_FILE", ca.clone()),
            ("GIT_SSL_CAINFO", ca),
            ("GIT_TERMINAL_PROMPT", "0".into()),
            ("GIT_CONFIG_NOSYSTEM", "1".into()),
            ("GOPROXY", "direct".into()),
            ("GOSUMDB", "off".into()),
        ]
    }

    /// Sets [`GitServer::env`] in a sandbox.
    pub fn apply_env(&self, sb: &mut Sandbox) {
        for (k, v) in self.env() {
            sb.set(k, v);
        }
    }

    /// Replies to `?go-get=1` requests for `host_path` (`<host>/<path>`) and paths
    /// under it with `reply` instead of the default (longest key wins).
    pub fn set_meta(&self, host_path: &str, reply: MetaReply) {
        let mut m = self.state.meta();
        m.retain(|(k, _)| k != host_path);
        m.push((host_path.to_string(), reply));
    }

    /// Makes the proxy refuse `CONNECT <host>:443` (403), as if `host` had no HTTPS,
    /// so only plain `http://<host>/…` reaches the site: go's `GOINSECURE` fallback
    /// from https to http.
    pub fn refuse_tls(&self, host: &str) {
        lock(&self.state.no_tls).push(host.to_string());
    }

    /// Makes git requests for repositories under `path_prefix` (`owner/private`)
    /// answer 401 with a Basic challenge unless they carry `user`:`password`
    /// (discovery pages stay public, as on real hosts).
    pub fn require_auth(&self, path_prefix: &str, user: &str, password: &str) {
        use base64::Engine as _;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let prefix = format!("/{}", path_prefix.trim_matches('/'));
        lock(&self.state.auth).push((prefix, format!("Basic {token}")));
    }

    /// Drops every [`GitServer::set_meta`] reply.
    pub fn clear_meta(&self) {
        self.state.meta().clear();
    }

    /// The requests the site answered, in completion order of their headers.
    pub fn log(&self) -> Vec<GitRequest> {
        lock(&self.state.log).clone()
    }

    /// The requests the forward proxy saw.
    pub fn proxy_log(&self) -> Vec<ProxyRecord> {
        lock(&self.state.proxy_log).clone()
    }

    /// Forgets both logs.
    pub fn clear_log(&self) {
        lock(&self.state.log).clear();
        lock(&self.state.proxy_log).clear();
    }
}

impl Drop for GitServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn accept_site(state: Arc<State>, listener: TcpListener, tls: Option<TlsAcceptor>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let (state, tls) = (state.clone(), tls.clone());
        tokio::spawn(async move {
            let _ = tcp.set_nodelay(true);
            let builder = auto::Builder::new(TokioExecutor::new());
            match tls {
                None => {
                    let svc = service_fn(move |req| service::site(state.clone(), "http", req));
                    let _ = builder.serve_connection(TokioIo::new(tcp), svc).await;
                }
                Some(acceptor) => {
                    let accept = acceptor.accept(tcp);
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(Duration::from_secs(10), accept).await
                    else {
                        return;
                    };
                    let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
                    let mut builder = builder;
                    builder.http1().timer(TokioTimer::new());
                    let builder = if h2 {
                        builder.http2_only()
                    } else {
                        builder.http1_only()
                    };
                    let svc = service_fn(move |req| service::site(state.clone(), "https", req));
                    let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
                }
            }
        });
    }
}

async fn accept_proxy(state: Arc<State>, listener: TcpListener) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| service::proxy(state.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), svc)
                .with_upgrades()
                .await;
        });
    }
}
