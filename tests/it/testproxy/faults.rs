//! Each fault kind observably happens on the wire, as seen by a raw HTTP client, and
//! the request log names it. Rules fire as scripted (`times`, `skip`, probability
//! with a seed), and the CLI's compact syntax reaches the server.

use super::client::{Client, Resp};
use super::{h1, zip_entries};
use gomodfetch::testkit::proxy::{FaultKind, FaultRule, Outcome, ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::{Package, StoredModule, Universe};
use std::sync::Arc;
use std::time::Duration;

const ZIP: &str = "/mod/example.com/big/@v/v1.0.0.zip";
const MOD: &str = "/mod/example.com/big/@v/v1.0.0.mod";

/// A module whose zip is about 100 KiB, so cuts land mid-body.
fn big_module(u: &Universe) -> Arc<StoredModule> {
    let data = super::noise(100_000);
    Package::new("example.com/big", "v1.0.0")
        .file("data.bin", data)
        .publish(u)
}

struct Setup {
    proxy: TestProxy,
    module: Arc<StoredModule>,
}

fn setup(rule: FaultRule, tls: bool) -> Setup {
    let u = Universe::new();
    let module = big_module(&u);
    let proxy = TestProxy::start(ProxyConfig::new(u).tls(tls).fault(rule)).expect("start");
    Setup { proxy, module }
}

impl Setup {
    fn client(&self, h2: bool) -> Client {
        Client::new(&self.proxy, h2)
    }

    fn zip_len(&self) -> usize {
        self.module.zip().expect("zip").len()
    }

    /// The log record of the only request, once it is complete.
    fn only_record(&self) -> gomodfetch::testkit::proxy::RequestRecord {
        assert!(
            self.proxy.wait_for_log(1, Duration::from_secs(10)),
            "no log record"
        );
        let log = self.proxy.log();
        assert_eq!(log.len(), 1, "{log:?}");
        log.into_iter().next().expect("one record")
    }
}

fn announced_len(r: &Resp) -> usize {
    r.header("content-length")
        .and_then(|v| v.parse().ok())
        .expect("Content-Length")
}

#[test]
fn status_faults() {
    for (code, retry_after) in [
        (500, None),
        (502, None),
        (503, Some("1")),
        (429, Some("1")),
        (403, None),
        (404, None),
        (410, None),
        (204, None),
        (418, None),
    ] {
        let s = setup(
            FaultRule::new("*.zip", FaultKind::status(code)).times(1),
            false,
        );
        let c = s.client(false);
        let r = c.get(ZIP).expect("GET");
        assert_eq!(r.status, code);
        assert_eq!(r.header("retry-after"), retry_after, "{code}");
        if code != 204 {
            assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
        }
        // Fired once: the next zip and other files are served.
        assert_eq!(c.get(ZIP).expect("GET").status, 200, "{code}");
        assert_eq!(c.get(MOD).expect("GET").status, 200);
        let log = s.proxy.log();
        let faults: Vec<Option<&str>> = log.iter().map(|r| r.fault.as_deref()).collect();
        assert_eq!(faults, [Some(code.to_string().as_str()), None, None]);
        assert_eq!(log[0].status, code);
        assert_eq!(s.proxy.faults_fired(), [1]);
    }
}

#[test]
fn reset_before_headers() {
    for h2 in [false, true] {
        let s = setup(FaultRule::new("*.zip", FaultKind::Reset).times(1), h2);
        let err = s.client(h2).get(ZIP).expect_err("no response");
        assert!(!err.is_empty());
        let rec = s.only_record();
        assert_eq!((rec.status, rec.outcome), (0, Outcome::ResetBeforeHeaders));
        assert_eq!(rec.fault.as_deref(), Some("reset"));
        let conns = s.proxy.connections();
        assert!(conns[0].reset, "{conns:?}");
        assert_eq!(s.client(h2).get(ZIP).expect("next").status, 200);
    }
}

#[test]
fn reset_mid_body() {
    for h2 in [false, true] {
        let s = setup(
            FaultRule::new("*.zip", FaultKind::ResetMidBody { at: Some(40_000) }),
            h2,
        );
        let r = s.client(h2).get(ZIP).expect("headers arrive");
        assert_eq!(r.status, 200);
        assert_eq!(announced_len(&r), s.zip_len());
        assert!(r.body_error.is_some(), "body must fail (h2={h2})");
        assert!(r.body.len() <= 40_000, "{} bytes", r.body.len());
        let rec = s.only_record();
        assert_eq!((rec.outcome, rec.bytes_sent), (Outcome::Cut, 40_000));
        assert!(s.proxy.connections()[0].reset);
    }
}

#[test]
fn truncated_body() {
    for h2 in [false, true] {
        let s = setup(
            FaultRule::new("*.zip", FaultKind::Truncate { at: None }),
            h2,
        );
        let r = s.client(h2).get(ZIP).expect("headers arrive");
        assert_eq!((r.status, announced_len(&r)), (200, s.zip_len()));
        assert!(
            r.body_error.is_some(),
            "short body must be an error (h2={h2})"
        );
        assert_eq!(r.body.len(), s.zip_len() / 2, "h2={h2}");
        let rec = s.only_record();
        assert_eq!(rec.outcome, Outcome::Cut);
        assert_eq!(rec.bytes_sent as usize, s.zip_len() / 2);
        assert!(
            !s.proxy.connections()[0].reset,
            "truncation closes, it does not reset"
        );
    }
}

#[test]
fn h2_stream_reset() {
    let s = setup(
        FaultRule::new("*.zip", FaultKind::StreamReset { at: Some(20_000) }),
        true,
    );
    let r = s.client(true).get(ZIP).expect("headers arrive");
    assert_eq!(r.version, http::Version::HTTP_2);
    let err = r.body_error.expect("stream reset");
    assert!(err.contains("INTERNAL_ERROR"), "{err}");
    assert_eq!(r.body.len(), 20_000);
    let rec = s.only_record();
    assert_eq!(
        (rec.outcome, rec.fault.as_deref()),
        (Outcome::Cut, Some("h2-reset"))
    );
    assert!(!s.proxy.connections()[0].reset, "only the stream is reset");
    // Over HTTP/1.1 the same fault ends the connection mid-body.
    let s = setup(
        FaultRule::new("*.zip", FaultKind::StreamReset { at: Some(20_000) }),
        false,
    );
    let r = s.client(false).get(ZIP).expect("headers arrive");
    assert!(r.body_error.is_some());
}

#[test]
fn stall_then_resume() {
    let pause = Duration::from_millis(400);
    let s = setup(
        FaultRule::new(
            "*.zip",
            FaultKind::Stall {
                at: Some(10_000),
                duration: Some(pause),
            },
        ),
        false,
    );
    let r = s.client(false).get(ZIP).expect("GET");
    assert_eq!(r.body, s.module.zip().expect("zip").as_ref());
    assert!(r.total >= pause, "{:?}", r.total);
    assert!(r.headers_after < pause, "headers come before the stall");
    let rec = s.only_record();
    assert_eq!(rec.outcome, Outcome::Complete);
    assert!(rec.duration >= pause);
}

#[test]
fn stall_forever() {
    let s = setup(
        FaultRule::new(
            "*.zip",
            FaultKind::Stall {
                at: Some(10_000),
                duration: None,
            },
        ),
        false,
    );
    let c = s.client(false);
    let got = super::client::block_on(async {
        tokio::time::timeout(Duration::from_millis(600), c.request_async("GET", ZIP)).await
    });
    assert!(got.is_err(), "the body never ends");
    // The client gave up and closed: the proxy records an abandoned response.
    let rec = s.only_record();
    assert_eq!((rec.outcome, rec.bytes_sent), (Outcome::Abandoned, 10_000));
    assert_eq!(rec.fault.as_deref(), Some("stall"));
}

#[test]
fn flipped_byte() {
    let s = setup(
        FaultRule::new("*.zip", FaultKind::FlipByte { offset: None }),
        false,
    );
    let r = s.client(false).get(ZIP).expect("GET");
    let good = s.module.zip().expect("zip");
    assert_eq!(r.body.len(), good.len());
    let diff: Vec<usize> = (0..good.len()).filter(|&i| r.body[i] != good[i]).collect();
    assert_eq!(diff, [good.len() / 2]);
    assert_eq!(r.body[good.len() / 2], !good[good.len() / 2]);
}

#[test]
fn other_zip() {
    let s = setup(FaultRule::new("*", FaultKind::OtherZip), false);
    let c = s.client(false);
    let r = c.get(ZIP).expect("GET");
    let got = zip_entries(&r.body).expect("a valid zip");
    let want = zip_entries(s.module.zip().expect("zip")).expect("zip");
    assert_eq!(got.len(), want.len() + 1);
    assert_eq!(got[..want.len()], want[..]);
    assert_eq!(
        got[want.len()].0,
        b"example.com/big@v1.0.0/fault-injected.txt"
    );
    assert_ne!(h1(&got), h1(&want));
    // The rule applies to zips only.
    assert_eq!(c.get(MOD).expect("GET").text(), "module example.com/big\n");
    let faults: Vec<Option<String>> = s.proxy.log().into_iter().map(|r| r.fault).collect();
    assert_eq!(faults, [Some("other-zip".to_string()), None]);
}

#[test]
fn wrong_mod() {
    let s = setup(
        FaultRule::new("*", FaultKind::WrongMod { body: None }),
        false,
    );
    let c = s.client(false);
    assert_eq!(
        c.get(MOD).expect("GET").text(),
        "module example.com/big/wrongmod\n"
    );
    assert_eq!(
        c.get(ZIP).expect("GET").body,
        s.module.zip().expect("zip").as_ref()
    );
}

#[test]
fn slow_drip() {
    let s = setup(
        FaultRule::new("*.mod", FaultKind::Drip { bytes_per_sec: 40 }),
        false,
    );
    // "module example.com/big\n" is 23 bytes: two ticks of 2 bytes a second … about
    // 0.55 s at 40 bytes a second.
    let r = s.client(false).get(MOD).expect("GET");
    assert_eq!(r.text(), "module example.com/big\n");
    assert!(r.total >= Duration::from_millis(450), "{:?}", r.total);
    let rec = s.only_record();
    assert_eq!(
        (rec.outcome, rec.fault.as_deref()),
        (Outcome::Complete, Some("drip"))
    );
    assert!(rec.duration >= Duration::from_millis(450));
}

#[test]
fn skip_times_and_seeded_probability() {
    let run = || {
        let u = Universe::new();
        big_module(&u);
        let proxy = TestProxy::start(
            ProxyConfig::new(u)
                .fault(
                    FaultRule::new("*.mod", FaultKind::status(500))
                        .skip(2)
                        .times(1),
                )
                .fault(FaultRule::new("*.mod", FaultKind::status(503)).probability(0.5, 42)),
        )
        .expect("start");
        let c = Client::new(&proxy, false);
        let statuses: Vec<u16> = (0..24).map(|_| c.get(MOD).expect("GET").status).collect();
        (statuses, proxy.faults_fired())
    };
    let (a, fired) = run();
    assert_eq!(a[2], 500, "{a:?}");
    assert_eq!(a.iter().filter(|&&s| s == 500).count(), 1);
    let n503 = a.iter().filter(|&&s| s == 503).count();
    assert!((4..=20).contains(&n503), "{n503} of 23 at p=0.5: {a:?}");
    assert_eq!(fired, [1, n503 as u64]);
    assert_eq!(run().0, a, "same seed, same faults");
}
