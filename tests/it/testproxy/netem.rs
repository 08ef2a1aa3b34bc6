//! Network emulation, checked against the configured values from the request log and
//! the client's clock. These are behaviour checks with wide tolerances (a noisy
//! 2-core machine runs them), not speed tests: lower bounds are what the model
//! guarantees, upper bounds only catch "not applied at all" or runaway delays.

use super::client::{Client, block_on};
use gomodfetch::testkit::proxy::{FaultKind, FaultRule, OverLimit, ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::{Package, Universe};
use std::time::{Duration, Instant};

const MOD: &str = "/mod/example.com/m/@v/v1.0.0.mod";
const ZIP: &str = "/mod/example.com/m/@v/v1.0.0.zip";

fn universe(zip_bytes: usize) -> Universe {
    let u = Universe::new();
    let data = super::noise(zip_bytes);
    Package::new("example.com/m", "v1.0.0")
        .file("data.bin", data)
        .publish(&u);
    u
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

/// `got` lies within [`low`, `high`], in milliseconds.
fn within(what: &str, got: Duration, low: u128, high: u128) {
    eprintln!("netem: {what}: {} ms (want {low}..={high})", ms(got));
    assert!(
        (low..=high).contains(&ms(got)),
        "{what}: {} ms, want {low}..={high} ms",
        ms(got)
    );
}

#[test]
fn latency_per_request_and_per_handshake() {
    let rtt = Duration::from_millis(150);
    for tls in [false, true] {
        let proxy =
            TestProxy::start(ProxyConfig::new(universe(10)).tls(tls).rtt(rtt)).expect("start");
        let client = Client::new(&proxy, true);
        let (first, second) = block_on(async {
            let t = Instant::now();
            let mut conn = client.connect().await.expect("connect");
            let r1 = conn.send("GET", MOD).await.expect("first");
            let first = t.elapsed();
            let r2 = conn.send("GET", MOD).await.expect("second");
            assert_eq!((r1.status, r2.status), (200, 200));
            (first, r2.headers_after)
        });
        // New connection: TCP (1 RTT), TLS (1 RTT), request (1 RTT).
        let rtts: u128 = if tls { 3 } else { 2 };
        within(
            &format!("first response (tls={tls})"),
            first,
            rtts * 150 - 5,
            rtts * 150 + 600,
        );
        within(
            &format!("second response (tls={tls})"),
            second,
            145,
            150 + 500,
        );

        assert!(proxy.wait_for_log(2, Duration::from_secs(5)));
        for rec in proxy.log() {
            within("log time_to_headers", rec.time_to_headers, 145, 150 + 500);
        }
        let conns = proxy.connections();
        assert_eq!(conns.len(), 1, "both requests on one connection");
        assert_eq!(conns[0].handshake_delay, rtt * rtts as u32 - rtt);
    }
}

#[test]
fn http2_streams_wait_out_the_latency_together() {
    let rtt = Duration::from_millis(200);
    let proxy = TestProxy::start(ProxyConfig::new(universe(10)).tls(true).rtt(rtt)).expect("start");
    let client = Client::new(&proxy, true);
    let elapsed = block_on(async {
        let mut a = client.connect().await.expect("connect");
        let mut b = a.h2_stream().expect("HTTP/2");
        let t = Instant::now();
        let (ra, rb) = tokio::join!(a.send("GET", MOD), b.send("GET", ZIP));
        assert_eq!((ra.expect("a").status, rb.expect("b").status), (200, 200));
        t.elapsed()
    });
    // One round trip for both, not two.
    within("two concurrent streams", elapsed, 195, 2 * 200 - 20);
    assert!(proxy.wait_for_log(2, Duration::from_secs(5)));
    let conns: Vec<u64> = proxy.log().iter().map(|r| r.conn).collect();
    assert_eq!(conns, [0, 0]);
}

#[test]
fn bandwidth_per_connection() {
    // 300 KB at 200 KB/s: 1.5 s.
    let (size, rate) = (300_000usize, 200_000u64);
    for tls in [false, true] {
        let proxy = TestProxy::start(
            ProxyConfig::new(universe(size))
                .tls(tls)
                .per_conn_bandwidth(rate),
        )
        .expect("start");
        let r = Client::new(&proxy, true).get(ZIP).expect("GET");
        assert_eq!(r.status, 200);
        assert!(r.body.len() > size);
        let want = (r.body.len() as u128 * 1000) / rate as u128;
        within(
            &format!("client transfer (tls={tls})"),
            r.total,
            want * 85 / 100,
            want * 2 + 1000,
        );
        assert!(proxy.wait_for_log(1, Duration::from_secs(5)));
        let rec = &proxy.log()[0];
        // The log's end is when the last byte left the handler; up to a few buffers
        // (hyper's, TLS's) may still have been on their way.
        within(
            &format!("log duration (tls={tls})"),
            rec.duration,
            want * 75 / 100,
            want * 2 + 1000,
        );
        let c = proxy.connections();
        assert!(c[0].bytes_written as usize >= size || c[0].closed.is_none());
    }
}

#[test]
fn bandwidth_total_is_shared() {
    // Two 300 KB downloads at once under a 300 KB/s total: about 2 s for both.
    let (size, rate) = (300_000usize, 300_000u64);
    let proxy =
        TestProxy::start(ProxyConfig::new(universe(size)).total_bandwidth(rate)).expect("start");
    let client = Client::new(&proxy, false);
    let t = Instant::now();
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let c = client.clone();
            std::thread::spawn(move || c.get(ZIP).expect("GET"))
        })
        .collect();
    let bodies: usize = handles
        .into_iter()
        .map(|h| h.join().expect("thread").body.len())
        .sum();
    let elapsed = t.elapsed();
    let want = (bodies as u128 * 1000) / rate as u128;
    within("both downloads", elapsed, want * 85 / 100, want * 2 + 1000);
    assert!(proxy.wait_for_log(2, Duration::from_secs(5)));
    let log = proxy.log();
    let slowest = log.iter().map(|r| r.duration).max().expect("records");
    within(
        "slowest in the log",
        slowest,
        want * 75 / 100,
        want * 2 + 1000,
    );
}

#[test]
fn connection_limit_queues_excess_connections() {
    let pause = Duration::from_millis(300);
    let proxy = TestProxy::start(
        ProxyConfig::new(universe(10))
            .max_connections(2, OverLimit::Queue)
            .fault(FaultRule::new(
                "*.mod",
                FaultKind::Stall {
                    at: Some(0),
                    duration: Some(pause),
                },
            )),
    )
    .expect("start");
    let client = Client::new(&proxy, false);
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let c = client.clone();
            std::thread::spawn(move || {
                let t = Instant::now();
                let r = c.get(MOD).expect("GET");
                assert_eq!(r.status, 200);
                t.elapsed()
            })
        })
        .collect();
    let mut times: Vec<Duration> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    times.sort();
    let c = proxy.counters();
    assert_eq!(c.max_active_connections, 2, "{c:?}");
    assert_eq!((c.connections, c.refused), (3, 0));
    // The third waited for a slot: two pauses.
    within(
        "the queued connection",
        times[2],
        2 * 300 - 10,
        2 * 300 + 1500,
    );
}

#[test]
fn connection_limit_can_refuse() {
    let proxy = TestProxy::start(
        ProxyConfig::new(universe(10))
            .max_connections(1, OverLimit::Refuse)
            .fault(FaultRule::new(
                "*.mod",
                FaultKind::Stall {
                    at: Some(0),
                    duration: Some(Duration::from_millis(500)),
                },
            )),
    )
    .expect("start");
    let client = Client::new(&proxy, false);
    let first = {
        let c = client.clone();
        std::thread::spawn(move || c.get(MOD))
    };
    // Wait until the first connection holds the only slot.
    let deadline = Instant::now() + Duration::from_secs(5);
    while proxy.counters().active_connections == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = client.get(MOD);
    assert!(
        second.is_err(),
        "the second connection is refused: {second:?}"
    );
    assert_eq!(
        first.join().expect("thread").expect("first GET").status,
        200
    );
    let c = proxy.counters();
    assert_eq!(
        (c.connections, c.refused, c.max_active_connections),
        (2, 1, 1)
    );
}
