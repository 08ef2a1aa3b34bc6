//! A local GOPROXY server for tests and benchmarks, with network emulation and fault
//! injection.
//!
//! ```no_run
//! use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
//! use gomodfetch::testkit::universe::{Package, Universe};
//! let universe = Universe::new();
//! Package::new("example.com/m", "v1.0.0").file("m.go", "package m\n").publish(&universe);
//! let proxy = TestProxy::start(ProxyConfig::new(universe).tls(true)).unwrap();
//! // GOPROXY=<proxy.goproxy_url()>, SSL_CERT_FILE=<proxy.ca_cert_path()>, GOSUMDB=off
//! # let _ = (proxy.goproxy_url(), proxy.ca_cert_path());
//! let log = proxy.log(); // one record per request
//! ```
//!
//! # URL layout
//! Modules are served under `<base>/mod/` as by Go's own test proxy, so
//! `GOPROXY=<base>/mod` ([`TestProxy::goproxy_url`]). The GOPROXY protocol endpoints,
//! Go's fault-injecting URL prefixes (`/mod/<status>/…`, `/mod/invalid/…`,
//! `/mod/redirect/<n>/…`, `/mod/sumdb-<N>/…`) and the checksum-database routes are
//! described in the `route` module; what the answers hold is described in
//! [`crate::testkit::universe`].
//!
//! # Status codes and bodies
//! 200 with `application/json` (`.info`, `@latest`), `text/plain; charset=utf-8`
//! (`list`, `.mod`) or `application/zip`; "not found" is 404 (or 410, see
//! [`ProxyConfig::gone_for_not_found`]) with a `text/plain; charset=utf-8` body in real
//! proxies' words (`not found: <path>@<v>: invalid version: unknown revision <v>`);
//! a path or version that does not unescape is also "not found", as with Go's test
//! proxy. A malformed percent-escape, a non-UTF-8 path or a `.`/`..` segment is 400,
//! a target over 8 KiB 414, a method other than GET/HEAD 405; hyper itself answers
//! 4xx to requests it cannot parse. Nothing a client sends can panic the server.
//!
//! # Emulation and faults
//! [`NetConfig`] documents the latency, bandwidth and connection-limit model;
//! [`faults`] the fault rules and their compact syntax.
//!
//! # Request log and counters
//! Every request is logged ([`RequestRecord`]: method, target and decoded path, HTTP
//! version, TLS, status, body bytes sent of the announced length, arrival offset,
//! time to headers, duration, connection id, the fault that fired, how it ended), and
//! every connection ([`ConnRecord`]: ALPN, handshake delay, wire bytes, reset), so a
//! test can assert how many requests a tool made and in which order. The logs live in
//! memory (long benchmark runs call [`TestProxy::clear_log`]); [`CounterSnapshot`]
//! keeps running totals. With [`ProxyConfig::log_file`] each request is also written
//! as a JSON line.
//!
//! # Running
//! [`TestProxy::start`] runs the server on its own thread and runtime, for
//! synchronous tests and benchmarks; [`TestProxy::start_async`] spawns it onto the
//! caller's tokio runtime. Either way it listens on an ephemeral port by default,
//! keeps its CA in a private temporary directory, and stops when the handle drops.

mod body;
mod config;
pub mod faults;
mod handler;
mod log;
mod netem;
pub mod route;
mod server;
pub(crate) mod tls;

pub use config::{
    HookReply, NetConfig, OverLimit, ProxyConfig, SumdbHandler, parse_bytes, parse_duration,
};
pub use faults::{FaultKind, FaultRule};
pub use log::{ConnRecord, CounterSnapshot, Outcome, RequestRecord};
pub use route::SumdbMount;

use crate::testkit::universe::Universe;
use server::{Shutdown, State};
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// A running test proxy. Dropping it stops the server.
pub struct TestProxy {
    state: Arc<State>,
    addr: SocketAddr,
    tls: bool,
    ca_pem: Option<String>,
    ca_path: Option<PathBuf>,
    _ca_dir: Option<tempfile::TempDir>,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for TestProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestProxy")
            .field("base_url", &self.base_url())
            .field("ca_cert_path", &self.ca_path)
            .finish()
    }
}

/// What is prepared before the server runs: the listener, TLS, the shared state.
struct Prepared {
    listener: std::net::TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    handle: TestProxy,
    shutdown: Shutdown,
}

fn prepare(config: &ProxyConfig) -> io::Result<Prepared> {
    let listener = std::net::TcpListener::bind(config.listen)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (acceptor, ca_pem, ca_dir, ca_path) = if config.tls {
        let t = tls::setup(config.http2)?;
        let dir = tempfile::Builder::new()
            .prefix("gomodfetch-testproxy-")
            .tempdir()?;
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, &t.ca_pem)?;
        if let Some(out) = &config.ca_out {
            std::fs::write(out, &t.ca_pem).map_err(|e| {
                io::Error::new(e.kind(), format!("writing CA to {}: {e}", out.display()))
            })?;
        }
        (Some(t.acceptor), Some(t.ca_pem), Some(dir), Some(path))
    } else {
        (None, None, None, None)
    };
    let state = Arc::new(State::new(config)?);
    let (stop, rx) = watch::channel(false);
    Ok(Prepared {
        listener,
        acceptor,
        shutdown: Shutdown::new(rx),
        handle: TestProxy {
            state,
            addr,
            tls: config.tls,
            ca_pem,
            ca_path,
            _ca_dir: ca_dir,
            stop,
            thread: None,
        },
    })
}

impl TestProxy {
    /// Starts the proxy on a thread of its own with a multi-threaded runtime of
    /// [`ProxyConfig::worker_threads`] workers. Usable from synchronous code (not
    /// from inside a tokio runtime's async context: use [`TestProxy::start_async`]).
    pub fn start(config: ProxyConfig) -> io::Result<TestProxy> {
        let Prepared {
            listener,
            acceptor,
            mut handle,
            shutdown,
        } = prepare(&config)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.worker_threads.max(1))
            .thread_name("testproxy")
            .enable_all()
            .build()?;
        let listener = {
            let _enter = rt.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let state = handle.state.clone();
        let thread = std::thread::Builder::new()
            .name("testproxy-main".into())
            .spawn(move || {
                rt.block_on(server::run(state, listener, acceptor, shutdown));
                rt.shutdown_timeout(Duration::from_secs(2));
            })?;
        handle.thread = Some(thread);
        Ok(handle)
    }

    /// Starts the proxy on the current tokio runtime.
    pub async fn start_async(config: ProxyConfig) -> io::Result<TestProxy> {
        let Prepared {
            listener,
            acceptor,
            handle,
            shutdown,
        } = prepare(&config)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        tokio::spawn(server::run(
            handle.state.clone(),
            listener,
            acceptor,
            shutdown,
        ));
        Ok(handle)
    }

    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The value for `GOPROXY`: [`TestProxy::base_url`] + `/mod`.
    pub fn goproxy_url(&self) -> String {
        format!("{}/mod", self.base_url())
    }

    /// The CA certificate file to trust (`SSL_CERT_FILE`), when TLS is on. It lives
    /// in a private temporary directory removed when the proxy drops.
    pub fn ca_cert_path(&self) -> Option<&Path> {
        self.ca_path.as_deref()
    }

    /// The CA certificate in PEM, when TLS is on.
    pub fn ca_cert_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The modules it serves (publishing into it is seen by the next request).
    pub fn universe(&self) -> &Universe {
        &self.state.universe
    }

    /// The completed requests so far, in arrival order.
    pub fn log(&self) -> Vec<RequestRecord> {
        self.state.logs.requests()
    }

    /// Forgets the request log (counters keep counting).
    pub fn clear_log(&self) {
        self.state.logs.clear();
    }

    /// The connections so far, in accept order.
    pub fn connections(&self) -> Vec<ConnRecord> {
        self.state.logs.conns()
    }

    pub fn counters(&self) -> CounterSnapshot {
        self.state.counters.snapshot()
    }

    /// Adds a fault rule, tried after the existing ones.
    pub fn add_fault(&self, rule: FaultRule) {
        self.state.faults().push(rule);
    }

    /// Replaces all fault rules (their counts start again).
    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        *self.state.faults() = faults::FaultSet::new(rules);
    }

    /// How often each fault rule fired, in rule order.
    pub fn faults_fired(&self) -> Vec<u64> {
        self.state.faults().fired_counts()
    }

    /// Waits (blocking) until at least `n` requests are in the log; false on timeout.
    /// A request enters the log when its response ends, which can be a moment after
    /// the client saw the last byte.
    pub fn wait_for_log(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.state.logs.request_count() >= n {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Stops the server and waits for its thread.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
