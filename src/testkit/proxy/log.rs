//! The request log, the connection log and the counters tests read.
//!
//! A request is recorded when its response ends: the body was sent completely, the
//! connection was reset or closed under it, or the client went away. Snapshots are
//! sorted by request id, which is the order in which requests arrived. Times are
//! offsets from the proxy's start, so records of one run compare directly.

use serde::Serialize;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// How a response ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Every byte of the body was handed to the connection.
    Complete,
    /// The body stopped early on purpose (a fault): truncated, reset or stream reset.
    Cut,
    /// The connection was reset before the response headers (a fault).
    ResetBeforeHeaders,
    /// The client or the server went away before the body ended (including a stall
    /// that was never resumed).
    Abandoned,
}

/// One request as the proxy saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// Arrival order, from 0.
    pub id: u64,
    /// The connection it came on (see [`ConnRecord`]).
    pub conn: u64,
    pub method: String,
    /// The request target as sent (still percent-encoded).
    pub target: String,
    /// The percent-decoded path when it decodes (what fault patterns match).
    pub path: String,
    /// `HTTP/1.1`, `HTTP/2`, …
    pub http_version: String,
    pub tls: bool,
    /// The host the request named (`Host`, or the HTTP/2 `:authority`).
    pub host: String,
    /// The `Authorization` header as sent, if any (to check where credentials go).
    pub authorization: Option<String>,
    /// 0 when the connection was reset before headers.
    pub status: u16,
    /// Body bytes handed to the connection.
    pub bytes_sent: u64,
    /// The full body length (what `Content-Length` announced).
    pub body_len: u64,
    /// When the request arrived, from the proxy's start.
    #[serde(with = "micros")]
    pub start: Duration,
    /// From arrival to the response headers leaving the handler (includes the
    /// emulated latency).
    #[serde(with = "micros")]
    pub time_to_headers: Duration,
    /// From arrival to the end of the response.
    #[serde(with = "micros")]
    pub duration: Duration,
    /// The fault that fired, as its rule's label (`"500"`, `"reset-mid-body"`, …).
    pub fault: Option<String>,
    pub outcome: Outcome,
}

/// One accepted connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnRecord {
    pub id: u64,
    #[serde(with = "micros")]
    pub accepted: Duration,
    /// The emulated TCP+TLS handshake delay applied before the first request.
    #[serde(with = "micros")]
    pub handshake_delay: Duration,
    pub tls: bool,
    /// The ALPN protocol agreed (`h2`, `http/1.1`), if any.
    pub alpn: Option<String>,
    /// When it closed, `None` while open.
    #[serde(with = "opt_micros")]
    pub closed: Option<Duration>,
    /// Bytes written to the socket (TLS records included).
    pub bytes_written: u64,
    /// Whether the proxy reset it (RST) on purpose.
    pub reset: bool,
}

mod micros {
    use serde::Serializer;
    use std::time::Duration;
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
    }
}

mod opt_micros {
    use serde::Serializer;
    use std::time::Duration;
    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::micros::serialize(d, s),
            None => s.serialize_none(),
        }
    }
}

/// Counters, updated as things happen.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) requests: AtomicU64,
    pub(crate) connections: AtomicU64,
    pub(crate) refused: AtomicU64,
    pub(crate) active: AtomicU64,
    pub(crate) max_active: AtomicU64,
    pub(crate) faults: AtomicU64,
    pub(crate) body_bytes: AtomicU64,
    pub(crate) wire_bytes: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CounterSnapshot {
    /// Requests that reached the handler.
    pub requests: u64,
    /// Connections accepted (including refused ones).
    pub connections: u64,
    /// Connections refused by the connection limit in refuse mode.
    pub refused: u64,
    /// Connections open now.
    pub active_connections: u64,
    /// The most connections ever open at once.
    pub max_active_connections: u64,
    /// Faults fired.
    pub faults: u64,
    /// Response body bytes handed to connections.
    pub body_bytes: u64,
    /// Bytes written to sockets (headers, TLS and HTTP/2 framing included).
    pub wire_bytes: u64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> CounterSnapshot {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CounterSnapshot {
            requests: g(&self.requests),
            connections: g(&self.connections),
            refused: g(&self.refused),
            active_connections: g(&self.active),
            max_active_connections: g(&self.max_active),
            faults: g(&self.faults),
            body_bytes: g(&self.body_bytes),
            wire_bytes: g(&self.wire_bytes),
        }
    }

    pub(crate) fn conn_opened(&self) {
        let now = self.active.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_active.fetch_max(now, Ordering::SeqCst);
    }

    pub(crate) fn conn_closed(&self) {
        self.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The completed requests and the connections, plus an optional JSON-lines sink.
#[derive(Default)]
pub(crate) struct Logs {
    requests: Mutex<Vec<RequestRecord>>,
    conns: Mutex<Vec<ConnRecord>>,
    sink: Option<Mutex<Box<dyn Write + Send>>>,
}

impl Logs {
    pub(crate) fn with_sink(sink: Option<Box<dyn Write + Send>>) -> Logs {
        Logs {
            sink: sink.map(Mutex::new),
            ..Logs::default()
        }
    }

    pub(crate) fn push(&self, r: RequestRecord) {
        if let Some(sink) = &self.sink {
            let mut w = sink.lock().unwrap_or_else(PoisonError::into_inner);
            if let Ok(line) = serde_json::to_string(&r) {
                // The log file is best effort: a full disk must not fail requests.
                let _ = writeln!(w, "{line}").and_then(|()| w.flush());
            }
        }
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(r);
    }

    pub(crate) fn requests(&self) -> Vec<RequestRecord> {
        let mut v = self
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        v.sort_by_key(|r| r.id);
        v
    }

    pub(crate) fn request_count(&self) -> usize {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub(crate) fn clear(&self) {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    pub(crate) fn conn_open(&self, rec: ConnRecord) {
        self.conns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(rec);
    }

    pub(crate) fn conn_update(&self, id: u64, f: impl FnOnce(&mut ConnRecord)) {
        let mut conns = self.conns.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = conns.iter_mut().rev().find(|c| c.id == id) {
            f(c);
        }
    }

    pub(crate) fn conns(&self) -> Vec<ConnRecord> {
        self.conns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
