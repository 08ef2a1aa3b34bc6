//! How a test proxy is set up: sources, transport, network emulation, faults, log.

use super::faults::FaultRule;
use super::route::SumdbMount;
use crate::testkit::universe::Universe;
use bytes::Bytes;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// What happens to connections beyond [`NetConfig::max_connections`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OverLimit {
    /// The proxy stops accepting until a connection closes: excess connections wait
    /// in the kernel's listen backlog (their TCP handshake completes, but no TLS or
    /// HTTP answer comes until a slot frees).
    #[default]
    Queue,
    /// Excess connections are accepted and reset at once (TCP RST).
    Refuse,
}

/// Network emulation. The defaults emulate nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetConfig {
    /// Round-trip time. Every response's headers wait one `rtt` after the request
    /// arrives; a new connection first waits one `rtt` for the TCP handshake and,
    /// with TLS, one more for the TLS 1.3 handshake. So the first response on a new
    /// connection comes after 2 RTT (plain) or 3 RTT (TLS), later ones after 1 RTT,
    /// plus transfer time. HTTP/2 streams wait concurrently.
    pub rtt: Duration,
    /// Bytes per second each connection may write (wire bytes, framing included).
    pub per_conn_bandwidth: Option<u64>,
    /// Bytes per second all connections together may write.
    pub total_bandwidth: Option<u64>,
    /// The most connections open at once.
    pub max_connections: Option<usize>,
    pub over_limit: OverLimit,
}

/// A checksum-database answer from the [`SumdbHandler`] hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookReply {
    pub status: u16,
    pub content_type: String,
    pub body: Bytes,
}

/// The hook through which a test checksum database (issue 6) answers the proxy's
/// `sumdb` routes (see the `route` module). Called on a blocking thread. Without a
/// hook those routes answer 404, so `go` configured with `GOSUMDB=off` never notices.
pub trait SumdbHandler: Send + Sync + 'static {
    /// The answer for `path` (`None`: 404). For [`SumdbMount::Proxied`], `path`
    /// starts with the database name (`localhost.localdev/sumdb/supported`,
    /// `…/lookup/…`); for the others it is the database's own path (`/lookup/…`).
    fn handle(&self, mount: SumdbMount, path: &str) -> Option<HookReply>;
}

/// Everything a [`super::TestProxy`] needs. Build with [`ProxyConfig::new`] and the
/// chained setters.
#[derive(Clone)]
pub struct ProxyConfig {
    pub universe: Universe,
    /// Default `127.0.0.1:0` (an ephemeral port).
    pub listen: SocketAddr,
    /// HTTPS with a per-run CA. Default: off (plain HTTP/1.1, and h2c for clients
    /// that speak it with prior knowledge).
    pub tls: bool,
    /// Offer HTTP/2 (ALPN `h2`). Default: on.
    pub http2: bool,
    pub net: NetConfig,
    pub faults: Vec<FaultRule>,
    /// The status for "not found": 404 (default) or 410.
    pub not_found_status: u16,
    /// Also write each request record as a JSON line to this file.
    pub log_file: Option<PathBuf>,
    /// Also write the CA certificate (PEM) here.
    pub ca_out: Option<PathBuf>,
    pub sumdb: Option<Arc<dyn SumdbHandler>>,
    /// Worker threads of the runtime [`super::TestProxy::start`] creates.
    pub worker_threads: usize,
}

impl std::fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("universe", &self.universe)
            .field("listen", &self.listen)
            .field("tls", &self.tls)
            .field("http2", &self.http2)
            .field("net", &self.net)
            .field("faults", &self.faults)
            .field("not_found_status", &self.not_found_status)
            .field("log_file", &self.log_file)
            .field("sumdb", &self.sumdb.is_some())
            .finish()
    }
}

impl ProxyConfig {
    pub fn new(universe: Universe) -> ProxyConfig {
        ProxyConfig {
            universe,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            tls: false,
            http2: true,
            net: NetConfig::default(),
            faults: Vec::new(),
            not_found_status: 404,
            log_file: None,
            ca_out: None,
            sumdb: None,
            worker_threads: 2,
        }
    }

    pub fn listen(mut self, addr: SocketAddr) -> ProxyConfig {
        self.listen = addr;
        self
    }

    pub fn tls(mut self, on: bool) -> ProxyConfig {
        self.tls = on;
        self
    }

    pub fn http2(mut self, on: bool) -> ProxyConfig {
        self.http2 = on;
        self
    }

    pub fn rtt(mut self, rtt: Duration) -> ProxyConfig {
        self.net.rtt = rtt;
        self
    }

    pub fn per_conn_bandwidth(mut self, bytes_per_sec: u64) -> ProxyConfig {
        self.net.per_conn_bandwidth = Some(bytes_per_sec);
        self
    }

    pub fn total_bandwidth(mut self, bytes_per_sec: u64) -> ProxyConfig {
        self.net.total_bandwidth = Some(bytes_per_sec);
        self
    }

    pub fn max_connections(mut self, n: usize, over: OverLimit) -> ProxyConfig {
        self.net.max_connections = Some(n);
        self.net.over_limit = over;
        self
    }

    pub fn fault(mut self, rule: FaultRule) -> ProxyConfig {
        self.faults.push(rule);
        self
    }

    /// Answer "not found" with 410 Gone instead of 404.
    pub fn gone_for_not_found(mut self) -> ProxyConfig {
        self.not_found_status = 410;
        self
    }

    pub fn log_file(mut self, path: impl Into<PathBuf>) -> ProxyConfig {
        self.log_file = Some(path.into());
        self
    }

    pub fn ca_out(mut self, path: impl Into<PathBuf>) -> ProxyConfig {
        self.ca_out = Some(path.into());
        self
    }

    pub fn sumdb(mut self, handler: Arc<dyn SumdbHandler>) -> ProxyConfig {
        self.sumdb = Some(handler);
        self
    }

    /// Serves an honest test checksum database over this config's universe (Go's
    /// `localhost.localdev/sumdb`, see [`crate::testkit::sumdb`]). For a tamper mode, or
    /// to keep a handle on the database, build a
    /// [`TestSumdb`](crate::testkit::sumdb::TestSumdb) and pass it to
    /// [`ProxyConfig::sumdb`].
    pub fn with_test_sumdb(self) -> Result<ProxyConfig, crate::testkit::sumdb::BuildError> {
        let db = crate::testkit::sumdb::TestSumdb::new(&self.universe)?;
        Ok(self.sumdb(db))
    }
}

/// Splits `1.5ms` into 1.5 and `ms`.
fn number_and_unit(s: &str) -> Option<(f64, &str)> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    Some((num.parse().ok()?, unit))
}

/// Parses a duration: `250ms`, `1.5s`, `2m`, `100us`, or a bare number of
/// milliseconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (n, unit) =
        number_and_unit(s).ok_or_else(|| format!("{s:?} is not a duration (e.g. 250ms, 1.5s)"))?;
    let secs = match unit {
        "" | "ms" => n / 1e3,
        "us" | "µs" => n / 1e6,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("{s:?}: unknown duration unit {unit:?}")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{s:?}: {e}"))
}

/// Parses a byte count or rate: `1500`, `64k`/`64KB` (×1000), `64KiB` (×1024),
/// `10M`/`10MB`, `10MiB`, `1G`/`1GB`, `1GiB`; a trailing `/s` is allowed.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let t = t.strip_suffix("/s").unwrap_or(t);
    let (n, unit) = number_and_unit(t)
        .ok_or_else(|| format!("{s:?} is not a byte count (e.g. 64KiB, 10MB)"))?;
    let mult = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?}")),
    };
    let v = (n * mult).round();
    if v.is_finite() && v >= 0.0 && v < u64::MAX as f64 {
        Ok(v as u64)
    } else {
        Err(format!("{s:?} is out of range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("40"), Ok(Duration::from_millis(40)));
        assert_eq!(parse_duration("100us"), Ok(Duration::from_micros(100)));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("1h").is_err());
    }

    #[test]
    fn byte_counts() {
        assert_eq!(parse_bytes("1500"), Ok(1500));
        assert_eq!(parse_bytes("64k"), Ok(64_000));
        assert_eq!(parse_bytes("64KiB"), Ok(65_536));
        assert_eq!(parse_bytes("1.5MB/s"), Ok(1_500_000));
        assert_eq!(parse_bytes("2MiB"), Ok(2 * 1024 * 1024));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("1e999").is_err());
    }
}
