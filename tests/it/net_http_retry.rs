//! Retries and bounds of the HTTP client under the test proxy's faults: transient
//! failures (5xx, 429 with `Retry-After`, resets before headers and mid-body,
//! truncation, stalls, HTTP/2 stream resets) succeed on a retry; 404/410/403 are never
//! retried; exhausted retries say how many attempts were made; hostile answers
//! (endless, huge, dripping bodies) cost bounded time and memory.

use crate::net_http::{Env, INFO, ZIP, big, download_all, url};
use crate::net_server::{self, Body as SBody, Reply};
use gomodfetch::http::{Client, ClientConfig, RetryPolicy};
use gomodfetch::testkit::proxy::{FaultKind, FaultRule, ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::Universe;
use std::time::{Duration, Instant};

fn fault_cases(tls: bool) -> Vec<(&'static str, FaultKind)> {
    let mut v = vec![
        ("500", FaultKind::status(500)),
        ("502", FaultKind::status(502)),
        ("503", FaultKind::status(503)),
        ("429", FaultKind::status(429)),
        ("reset", FaultKind::Reset),
        ("reset-mid-body", FaultKind::ResetMidBody { at: None }),
        ("truncate", FaultKind::Truncate { at: None }),
        (
            "stall",
            FaultKind::Stall {
                at: None,
                duration: None,
            },
        ),
    ];
    if tls {
        v.push(("h2-reset", FaultKind::StreamReset { at: None }));
    }
    v
}

#[test]
fn transient_faults_are_retried() {
    let env = Env::new();
    for tls in [false, true] {
        for (label, kind) in fault_cases(tls) {
            let u = Universe::new();
            let m = big(&u);
            let proxy = TestProxy::start(
                ProxyConfig::new(u)
                    .tls(tls)
                    .fault(FaultRule::new(ZIP, kind.clone()).times(1))
                    .fault(FaultRule::new(INFO, kind).times(1)),
            )
            .expect("proxy");
            let cfg = ClientConfig {
                idle_timeout: Duration::from_millis(1500),
                ..env.config(proxy.ca_cert_path())
            };
            let client = Client::new(cfg).unwrap();
            let base = proxy.base_url();
            let (zip, attempts) = env
                .rt
                .block_on(download_all(&client, &url(&format!("{base}{ZIP}"))))
                .unwrap_or_else(|e| panic!("{label} (tls {tls}): {e}"));
            assert_eq!(zip, m.zip().unwrap().to_vec(), "{label}");
            // Go asks an https 4xx twice within one attempt (its GOAUTH retry).
            let want = if tls && label == "429" { 1 } else { 2 };
            assert_eq!(attempts, want, "{label} (tls {tls}): one retry");
            let info = env
                .rt
                .block_on(client.get_bytes(&url(&format!("{base}{INFO}")), 1 << 20, None))
                .unwrap_or_else(|e| panic!("{label} info (tls {tls}): {e}"));
            assert_eq!(info, m.info().unwrap().to_vec(), "{label}");
            assert_eq!(proxy.faults_fired(), [1, 1], "{label}");
        }
    }
}

#[test]
fn permanent_statuses_are_not_retried() {
    let env = Env::new();
    for tls in [false, true] {
        for code in [404u16, 410, 403, 400] {
            let u = Universe::new();
            big(&u);
            let proxy = TestProxy::start(
                ProxyConfig::new(u)
                    .tls(tls)
                    .fault(FaultRule::new(INFO, FaultKind::status(code))),
            )
            .expect("proxy");
            let client = env.client(proxy.ca_cert_path());
            let target = url(&format!("{}{INFO}", proxy.base_url()));
            let err = env.rt.block_on(client.get(&target)).unwrap_err();
            assert_eq!(err.attempts(), 1, "{code}");
            assert_eq!(err.is_not_found(), code == 404 || code == 410);
            assert!(!err.is_transient());
            proxy.wait_for_log(1, Duration::from_secs(5));
            std::thread::sleep(Duration::from_millis(50));
            // Go asks an https 4xx twice (its GOAUTH retry); never more.
            let want = if tls { 2 } else { 1 };
            assert_eq!(proxy.log().len(), want, "{code} tls={tls}");
        }
    }
}

#[test]
fn exhausted_retries_say_how_many_attempts() {
    let env = Env::new();
    let u = Universe::new();
    big(&u);
    let proxy =
        TestProxy::start(ProxyConfig::new(u).fault(FaultRule::new(INFO, FaultKind::status(503))))
            .expect("proxy");
    let client = env.client(None);
    let target = format!("{}{INFO}", proxy.base_url());
    let start = Instant::now();
    let err = env.rt.block_on(client.get(&url(&target))).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "Retry-After capped by the policy"
    );
    assert_eq!(err.attempts(), 3);
    assert!(err.is_transient());
    assert!(
        err.to_string().starts_with(&format!(
            "reading {target}: 503 Service Unavailable (after 3 attempts)"
        )),
        "{err}"
    );
    assert_eq!(proxy.log().len(), 3);
    let none = Client::new(ClientConfig {
        retry: RetryPolicy::none(),
        ..env.config(None)
    })
    .unwrap();
    let err = env.rt.block_on(none.get(&url(&target))).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("reading {target}: 503 Service Unavailable"))
            && !text.contains("attempts"),
        "{text}"
    );
    assert_eq!(err.attempts(), 1);
}

#[test]
fn hostile_answers_are_bounded() {
    let env = Env::new();
    let server = net_server::start(&env.rt, false, |s| match s.path.as_str() {
        "/endless" => Reply::new(200, "").body(SBody::Endless(b"v1.0.0\n".repeat(1000))),
        "/endless-error" => Reply::new(500, "")
            .header("content-type", "text/plain")
            .body(SBody::Endless(b"x".repeat(4096))),
        "/drip" => Reply::new(200, "").body(SBody::Drip(
            b"{\"Version\":\"v1.0.0\"}".to_vec(),
            Duration::from_millis(300),
        )),
        "/slow" => {
            Reply::new(200, "").body(SBody::Drip(vec![b' '; 100], Duration::from_millis(20)))
        }
        _ => Reply::new(404, ""),
    });
    let cfg = ClientConfig {
        idle_timeout: Duration::from_millis(150),
        retry: RetryPolicy::immediate(2),
        ..env.config(None)
    };
    let client = Client::new(cfg).unwrap();
    let base = server.base();
    let start = Instant::now();
    let err = env
        .rt
        .block_on(client.get_bytes(&url(&format!("{base}/endless")), 1 << 20, None))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("reading {base}/endless: response body too large (more than 1048576 bytes)")
    );
    let err = env
        .rt
        .block_on(client.get(&url(&format!("{base}/endless-error"))))
        .unwrap_err();
    assert!(err.to_string().contains("[Truncated: too long.]"), "{err}");
    let err = env
        .rt
        .block_on(client.get_bytes(&url(&format!("{base}/drip")), 1 << 20, None))
        .unwrap_err();
    assert!(
        err.to_string().ends_with("i/o timeout (after 2 attempts)"),
        "{err}"
    );
    let err = env
        .rt
        .block_on(client.get_bytes(
            &url(&format!("{base}/slow")),
            1 << 20,
            Some(Duration::from_millis(300)),
        ))
        .unwrap_err();
    assert!(err.to_string().contains("i/o timeout"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn retry_after_is_honoured() {
    let env = Env::new();
    let u = Universe::new();
    big(&u);
    let proxy = TestProxy::start(
        ProxyConfig::new(u).fault(
            FaultRule::new(
                INFO,
                FaultKind::Status {
                    code: 503,
                    retry_after: Some(1),
                },
            )
            .times(1),
        ),
    )
    .expect("proxy");
    let client = Client::new(ClientConfig {
        retry: RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            max_retry_after: Duration::from_secs(5),
        },
        ..env.config(None)
    })
    .unwrap();
    let start = Instant::now();
    env.rt
        .block_on(client.get_bytes(&url(&format!("{}{INFO}", proxy.base_url())), 1 << 20, None))
        .expect("second attempt succeeds");
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "{:?}",
        start.elapsed()
    );
}
