//! Network emulation at the socket: bandwidth caps and the connection kill switch.
//!
//! # Model
//! * **Bandwidth**: token buckets on the server's write side, one per connection and
//!   one shared by all connections; a write goes out only as far as both allow. The
//!   buckets count bytes on the wire (TLS records and HTTP/2 frames included), refill
//!   continuously at the configured rate, and hold a burst of 1/50 s of traffic (at
//!   least 1 KiB, at most 256 KiB), so rates hold from about 20 ms upwards. Reads
//!   (requests) are not limited.
//! * **Latency** lives in the server, not here (see the `server` module).
//! * **Reset**: when a fault asks for a reset, the connection's socket gets
//!   `SO_LINGER 0` before it is closed, so the peer sees a TCP RST instead of a FIN.

use super::log::Counters;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Sleep;

/// A token bucket measured in bytes. Tokens may go negative when concurrent writers
/// overdraw the shared bucket; the debt is paid before the next write.
#[derive(Debug)]
pub(crate) struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    pub(crate) fn new(bytes_per_sec: u64) -> Bucket {
        let rate = bytes_per_sec.max(1) as f64;
        let burst = (rate / 50.0).clamp(1024.0, 256.0 * 1024.0);
        Bucket {
            rate,
            burst,
            tokens: burst,
            last: Instant::now(),
        }
    }

    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + dt * self.rate).min(self.burst);
        self.last = now;
    }

    /// Whole bytes that may go now.
    fn available(&self) -> usize {
        if self.tokens < 1.0 {
            0
        } else {
            self.tokens as usize
        }
    }

    /// How long until `n` bytes may go.
    fn wait_for(&self, n: usize) -> Duration {
        let n = (n as f64).min(self.burst);
        Duration::from_secs_f64(((n - self.tokens) / self.rate).max(0.0))
    }

    fn take(&mut self, n: usize) {
        self.tokens -= n as f64;
    }
}

/// Per-connection control shared by the socket wrapper, the connection task and the
/// request handlers.
#[derive(Debug, Default)]
pub(crate) struct ConnControl {
    reset: AtomicBool,
    kill: Notify,
    pub(crate) written: AtomicU64,
}

impl ConnControl {
    /// Asks for the connection to be torn down with a TCP RST.
    pub(crate) fn reset(&self) {
        self.reset.store(true, Ordering::SeqCst);
        self.kill.notify_one();
    }

    pub(crate) fn was_reset(&self) -> bool {
        self.reset.load(Ordering::SeqCst)
    }

    /// Resolves once [`ConnControl::reset`] was called.
    pub(crate) async fn killed(&self) {
        self.kill.notified().await;
    }
}

/// The accepted TCP stream, rate-limited on writes.
pub(crate) struct NetIo {
    tcp: TcpStream,
    conn_bucket: Option<Bucket>,
    global: Option<Arc<Mutex<Bucket>>>,
    sleep: Option<Pin<Box<Sleep>>>,
    ctl: Arc<ConnControl>,
    counters: Arc<Counters>,
}

impl NetIo {
    pub(crate) fn new(
        tcp: TcpStream,
        per_conn: Option<u64>,
        global: Option<Arc<Mutex<Bucket>>>,
        ctl: Arc<ConnControl>,
        counters: Arc<Counters>,
    ) -> NetIo {
        NetIo {
            tcp,
            conn_bucket: per_conn.map(Bucket::new),
            global,
            sleep: None,
            ctl,
            counters,
        }
    }

    /// How many of `want` bytes the buckets allow now, or how long to wait.
    fn allowance(&mut self, want: usize) -> Result<usize, Duration> {
        let now = Instant::now();
        let mut allow = want;
        let mut wait = Duration::ZERO;
        let quantum = want.min(4096);
        let mut consider = |b: &mut Bucket| {
            b.refill(now);
            let a = b.available();
            allow = allow.min(a);
            if a == 0 {
                wait = wait.max(b.wait_for(quantum));
            }
        };
        if let Some(b) = &mut self.conn_bucket {
            consider(b);
        }
        if let Some(g) = &self.global {
            consider(&mut g.lock().unwrap_or_else(PoisonError::into_inner));
        }
        if allow == 0 {
            Err(wait.max(Duration::from_millis(1)))
        } else {
            Ok(allow)
        }
    }

    fn charge(&mut self, n: usize) {
        if let Some(b) = &mut self.conn_bucket {
            b.take(n);
        }
        if let Some(g) = &self.global {
            g.lock().unwrap_or_else(PoisonError::into_inner).take(n);
        }
        self.ctl.written.fetch_add(n as u64, Ordering::Relaxed);
        self.counters
            .wire_bytes
            .fetch_add(n as u64, Ordering::Relaxed);
    }
}

impl Drop for NetIo {
    fn drop(&mut self) {
        if self.ctl.was_reset() {
            // Closing with a zero linger time sends RST and discards unsent data.
            let _ = socket2::SockRef::from(&self.tcp).set_linger(Some(Duration::ZERO));
        }
    }
}

impl AsyncRead for NetIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for NetIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        loop {
            if let Some(s) = &mut this.sleep {
                ready!(s.as_mut().poll(cx));
                this.sleep = None;
            }
            if buf.is_empty() {
                return Poll::Ready(Ok(0));
            }
            match this.allowance(buf.len()) {
                Ok(n) => {
                    let written = ready!(Pin::new(&mut this.tcp).poll_write(cx, &buf[..n]))?;
                    this.charge(written);
                    return Poll::Ready(Ok(written));
                }
                Err(wait) => this.sleep = Some(Box::pin(tokio::time::sleep(wait))),
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refills_at_its_rate_and_caps_at_its_burst() {
        let mut b = Bucket::new(100_000);
        let t0 = b.last;
        assert_eq!(b.available(), 2000);
        b.take(2000);
        assert_eq!(b.available(), 0);
        assert!(b.wait_for(1000) >= Duration::from_millis(9));
        b.refill(t0 + Duration::from_millis(10));
        assert_eq!(b.available(), 1000);
        b.refill(t0 + Duration::from_secs(10));
        assert_eq!(b.available(), 2000);
    }
}
