//! The accept loop and the life of one connection.
//!
//! Connections are served by hyper-util's automatic HTTP/1.1-or-HTTP/2 builder. With
//! TLS the protocol follows ALPN (`h2` → HTTP/2 only, otherwise HTTP/1.1 only);
//! without TLS a client may still speak HTTP/2 with prior knowledge (h2c). Every
//! connection task ends when its connection ends, when a fault resets it, or when the
//! proxy shuts down, whichever comes first.

use super::config::{NetConfig, OverLimit, ProxyConfig, SumdbHandler};
use super::faults::FaultSet;
use super::handler::{ConnInfo, handle};
use super::log::{ConnRecord, Counters, Logs};
use super::netem::{Bucket, ConnControl, NetIo};
use crate::testkit::universe::Universe;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_rustls::TlsAcceptor;

/// Under a bandwidth cap, the most that TLS and HTTP/2 may buffer above the throttled
/// socket, so a response's logged end stays within a few buffers of the wire.
const THROTTLED_BUFFER: usize = 16 * 1024;

/// HTTP/2 send buffer per stream otherwise.
const DEFAULT_H2_SEND_BUFFER: usize = 256 * 1024;

/// How long a client may take over its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything the connections and handlers share.
pub(crate) struct State {
    pub(crate) universe: Universe,
    pub(crate) net: NetConfig,
    pub(crate) http2: bool,
    pub(crate) not_found_status: u16,
    faults: Mutex<FaultSet>,
    pub(crate) logs: Logs,
    pub(crate) counters: Arc<Counters>,
    pub(crate) epoch: Instant,
    global_bucket: Option<Arc<Mutex<Bucket>>>,
    pub(crate) sumdb: Option<Arc<dyn SumdbHandler>>,
    pub(crate) next_request: AtomicU64,
    next_conn: AtomicU64,
}

impl State {
    pub(crate) fn new(config: &ProxyConfig) -> io::Result<State> {
        let sink: Option<Box<dyn io::Write + Send>> = match &config.log_file {
            Some(p) => Some(Box::new(std::fs::File::create(p).map_err(|e| {
                io::Error::new(e.kind(), format!("creating log file {}: {e}", p.display()))
            })?)),
            None => None,
        };
        Ok(State {
            universe: config.universe.clone(),
            net: config.net.clone(),
            http2: config.http2,
            not_found_status: config.not_found_status,
            faults: Mutex::new(FaultSet::new(config.faults.clone())),
            logs: Logs::with_sink(sink),
            counters: Arc::new(Counters::default()),
            epoch: Instant::now(),
            global_bucket: config
                .net
                .total_bandwidth
                .map(|r| Arc::new(Mutex::new(Bucket::new(r)))),
            sumdb: config.sumdb.clone(),
            next_request: AtomicU64::new(0),
            next_conn: AtomicU64::new(0),
        })
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultSet> {
        // Fault counts stay consistent under a panic elsewhere: each update is one step.
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a bandwidth cap is on.
    fn throttled(&self) -> bool {
        self.net.per_conn_bandwidth.is_some() || self.net.total_bandwidth.is_some()
    }

    /// Resets a connection (TCP RST), marking it in the connection log first so the
    /// log says so by the time the peer sees the reset.
    pub(crate) fn reset_connection(&self, conn_id: u64, ctl: &ConnControl) {
        self.logs.conn_update(conn_id, |c| c.reset = true);
        ctl.reset();
    }

    fn since_epoch(&self) -> Duration {
        self.epoch.elapsed()
    }
}

/// Resolves when the proxy is shutting down (or its handle is gone).
#[derive(Clone)]
pub(crate) struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    pub(crate) fn new(rx: watch::Receiver<bool>) -> Shutdown {
        Shutdown(rx)
    }

    pub(crate) async fn wait(&self) {
        let mut rx = self.0.clone();
        let _ = rx.wait_for(|&stop| stop).await;
    }
}

/// Accepts connections until shutdown.
pub(crate) async fn run(
    state: Arc<State>,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shutdown: Shutdown,
) {
    let limit = state
        .net
        .max_connections
        .map(|n| Arc::new(Semaphore::new(n.max(1))));
    loop {
        let mut permit = None;
        if let (Some(sem), OverLimit::Queue) = (&limit, state.net.over_limit) {
            tokio::select! {
                p = sem.clone().acquire_owned() => match p {
                    Ok(p) => permit = Some(p),
                    Err(_) => return,
                },
                () = shutdown.wait() => return,
            }
        }
        let accepted = tokio::select! {
            r = listener.accept() => r,
            () = shutdown.wait() => return,
        };
        let tcp = match accepted {
            Ok((tcp, _peer)) => tcp,
            Err(_) => {
                // Out of descriptors or a connection aborted before accept: retry.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        state.counters.connections.fetch_add(1, Ordering::Relaxed);
        if let (Some(sem), OverLimit::Refuse) = (&limit, state.net.over_limit) {
            match sem.clone().try_acquire_owned() {
                Ok(p) => permit = Some(p),
                Err(_) => {
                    state.counters.refused.fetch_add(1, Ordering::Relaxed);
                    let _ = socket2::SockRef::from(&tcp).set_linger(Some(Duration::ZERO));
                    drop(tcp);
                    continue;
                }
            }
        }
        let (state, tls, shutdown) = (state.clone(), tls.clone(), shutdown.clone());
        tokio::spawn(async move {
            tokio::select! {
                () = connection(state, tcp, tls, permit) => {}
                () = shutdown.wait() => {}
            }
        });
    }
}

/// Serves one connection to its end.
async fn connection(
    state: Arc<State>,
    tcp: TcpStream,
    tls: Option<TlsAcceptor>,
    permit: Option<OwnedSemaphorePermit>,
) {
    let _permit = permit;
    let id = state.next_conn.fetch_add(1, Ordering::Relaxed);
    let _ = tcp.set_nodelay(true);
    // TCP handshake, and the TLS 1.3 handshake: one round trip each.
    let handshake_delay = state.net.rtt * if tls.is_some() { 2 } else { 1 };
    state.logs.conn_open(ConnRecord {
        id,
        accepted: state.since_epoch(),
        handshake_delay,
        tls: tls.is_some(),
        alpn: None,
        closed: None,
        bytes_written: 0,
        reset: false,
    });
    state.counters.conn_opened();
    let guard = ConnGuard {
        state: state.clone(),
        id,
        ctl: Arc::new(ConnControl::default()),
    };
    if !handshake_delay.is_zero() {
        tokio::time::sleep(handshake_delay).await;
    }
    let ctl = guard.ctl.clone();
    let io = NetIo::new(
        tcp,
        state.net.per_conn_bandwidth,
        state.global_bucket.clone(),
        ctl.clone(),
        state.counters.clone(),
    );
    match tls {
        None => serve(state, io, id, false, None, ctl).await,
        Some(acceptor) => {
            let mut stream =
                match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(io)).await {
                    Ok(Ok(s)) => s,
                    // A client that gives up or rejects the certificate: nothing to serve.
                    Ok(Err(_)) | Err(_) => return,
                };
            let alpn = stream
                .get_ref()
                .1
                .alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned());
            state.logs.conn_update(id, |c| c.alpn = alpn.clone());
            if state.throttled() {
                stream.get_mut().1.set_buffer_limit(Some(THROTTLED_BUFFER));
            }
            serve(state, stream, id, true, alpn, ctl).await;
        }
    }
    drop(guard);
}

/// Records the end of a connection however its task ends (including cancellation).
struct ConnGuard {
    state: Arc<State>,
    id: u64,
    ctl: Arc<ConnControl>,
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        let closed = self.state.since_epoch();
        let written = self.ctl.written.load(Ordering::Relaxed);
        self.state.logs.conn_update(self.id, |c| {
            c.closed = Some(closed);
            c.bytes_written = written;
        });
        self.state.counters.conn_closed();
    }
}

async fn serve<IO>(
    state: Arc<State>,
    io: IO,
    id: u64,
    tls: bool,
    alpn: Option<String>,
    ctl: Arc<ConnControl>,
) where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .max_buf_size(16 * 1024)
        .keep_alive(true);
    let send_buf = if state.throttled() {
        THROTTLED_BUFFER
    } else {
        DEFAULT_H2_SEND_BUFFER
    };
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_send_buf_size(send_buf);
    let builder = match (tls, alpn.as_deref()) {
        (true, Some("h2")) => builder.http2_only(),
        (true, _) => builder.http1_only(),
        (false, _) if !state.http2 => builder.http1_only(),
        (false, _) => builder,
    };
    let info = Arc::new(ConnInfo {
        id,
        tls,
        ctl: ctl.clone(),
    });
    let st = state.clone();
    let svc = service_fn(move |req| handle(st.clone(), info.clone(), req));
    let conn = builder.serve_connection(TokioIo::new(io), svc);
    tokio::select! {
        _ = conn => {}
        () = ctl.killed() => {}
    }
}
