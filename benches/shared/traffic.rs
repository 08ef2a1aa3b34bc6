//! What the test proxy served during one measured run: requests by endpoint,
//! connections, bytes, the most requests in flight. Shared by the benchmarks.

use gomodfetch::testkit::proxy::{CounterSnapshot, TestProxy};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What the proxy saw during one run.
#[derive(Debug, Clone, Default)]
pub struct Traffic {
    pub requests: u64,
    pub connections: u64,
    /// Connections that carried at least one request.
    pub connections_used: u64,
    pub body_bytes: u64,
    pub wire_bytes: u64,
    /// The most requests in flight at once (arrival to end of response).
    pub max_in_flight: usize,
    /// Requests by endpoint: `.info`, `.mod`, `.zip`, `list`, `latest`, other.
    pub by_kind: BTreeMap<&'static str, u64>,
    /// Responses other than 200.
    pub not_ok: u64,
}

/// What the proxy saw since `before` (the request log was cleared then). Waits for
/// the log to catch up: a request is logged when its response ends, which can be a
/// moment after the client saw the last byte.
pub fn traffic(proxy: &TestProxy, before: &CounterSnapshot) -> Traffic {
    let deadline = Instant::now() + Duration::from_secs(2);
    let (mut now, mut log) = (proxy.counters(), proxy.log());
    while (log.len() as u64) < now.requests - before.requests && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        (now, log) = (proxy.counters(), proxy.log());
    }
    let mut t = Traffic {
        requests: now.requests - before.requests,
        connections: now.connections - before.connections,
        body_bytes: now.body_bytes - before.body_bytes,
        wire_bytes: now.wire_bytes - before.wire_bytes,
        ..Traffic::default()
    };
    let used: std::collections::BTreeSet<u64> = log.iter().map(|r| r.conn).collect();
    t.connections_used = used.len() as u64;
    let mut events = Vec::with_capacity(log.len() * 2);
    for r in &log {
        let kind = [".info", ".mod", ".zip", "/list", "/@latest"]
            .into_iter()
            .find(|k| r.path.ends_with(k))
            .map_or("other", |k| k.trim_start_matches(['.', '/', '@']));
        *t.by_kind.entry(kind).or_default() += 1;
        if r.status != 200 {
            t.not_ok += 1;
        }
        events.push((r.start, 1i64));
        events.push((r.start + r.duration, -1));
    }
    // Ends sort before starts at the same instant.
    events.sort();
    let mut in_flight = 0i64;
    for (_, d) in events {
        in_flight += d;
        t.max_in_flight = t.max_in_flight.max(usize::try_from(in_flight).unwrap_or(0));
    }
    t
}
