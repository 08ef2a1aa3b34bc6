//! The real `go` against the test proxy: HTTPS with HTTP/2 through `SSL_CERT_FILE`,
//! the request pattern of one download, and what each fault on a `.zip` (or `.mod`)
//! does to `go mod download` — a single injected 500 fails it (the baseline
//! gomodfetch will beat), the same download without faults succeeds.

use super::{GoEnv, h1};
use crate::support::{self, Go};
use gomodfetch::testkit::proxy::{FaultKind, FaultRule, ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::{Package, StoredModule, Universe};
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

const TEST: &str = "testproxy::with_go";
const PATH: &str = "example.com/hello";
const VERSION: &str = "v1.0.0";

fn hello(u: &Universe) -> Arc<StoredModule> {
    let filler: String = (0..400)
        .map(|i| format!("// line {i} of filler text\n"))
        .collect();
    Package::new(PATH, VERSION)
        .go_mod("module example.com/hello\n\ngo 1.21\n")
        .file(
            "hello.go",
            format!("package hello\n\n{filler}\nfunc Hello() string {{ return \"hi\" }}\n"),
        )
        .publish(u)
}

/// The go.sum lines for the module as published.
fn go_sum(m: &StoredModule) -> String {
    let entries: Vec<(Vec<u8>, Vec<u8>)> = m
        .zip_entries()
        .iter()
        .map(|(n, d)| (n.clone(), d.to_vec()))
        .collect();
    let gomod = m.gomod().expect(".mod").to_vec();
    format!(
        "{PATH} {VERSION} {}\n{PATH} {VERSION}/go.mod {}\n",
        h1(&entries),
        h1(&[(b"go.mod".to_vec(), gomod)])
    )
}

/// Runs `go mod download -json <args>` in a fresh home against `proxy`. With
/// `with_sum`, the working directory is a main module requiring the module, with
/// the right go.sum, so checksums are verified.
fn download(go: &Go, proxy: &TestProxy, module: &StoredModule, with_sum: bool) -> Output {
    let mut env = GoEnv::new();
    let mut args = vec!["mod", "download", "-json"];
    let target = format!("{PATH}@{VERSION}");
    if with_sum {
        std::fs::write(
            env.work().join("go.mod"),
            format!("module example.com/main\n\ngo 1.21\n\nrequire {PATH} {VERSION}\n"),
        )
        .expect("go.mod");
        std::fs::write(env.work().join("go.sum"), go_sum(module)).expect("go.sum");
        args.push(PATH);
    } else {
        args.push(&target);
    }
    env.command(go, &proxy.goproxy_url(), proxy.ca_cert_path())
        .args(&args)
        .output()
        .expect("run go")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The `Error` of the `-json` record, or stderr.
fn go_error(o: &Output) -> String {
    serde_json::Deserializer::from_slice(&o.stdout)
        .into_iter::<serde_json::Value>()
        .filter_map(Result::ok)
        .find_map(|v| v.get("Error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn go_downloads_over_https_h2() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let u = Universe::new();
    let module = hello(&u);
    let proxy = TestProxy::start(ProxyConfig::new(u).tls(true)).expect("start");
    let out = download(&go, &proxy, &module, false);
    assert!(out.status.success(), "go failed:\n{}", text(&out));
    let rec: serde_json::Value = serde_json::from_slice(&out.stdout).expect("-json record");
    let sum = go_sum(&module);
    let want_sum = sum.lines().next().and_then(|l| l.split(' ').nth(2));
    assert_eq!(rec["Sum"].as_str(), want_sum);

    assert!(proxy.wait_for_log(3, Duration::from_secs(5)));
    let log = proxy.log();
    let pattern: Vec<(String, &str)> = log
        .iter()
        .map(|r| (r.path.clone(), r.http_version.as_str()))
        .collect();
    eprintln!("go's requests for one module over HTTPS: {pattern:?}");
    let base = format!("/mod/{PATH}/@v/{VERSION}");
    assert_eq!(
        pattern,
        [
            (format!("{base}.info"), "HTTP/2"),
            (format!("{base}.mod"), "HTTP/2"),
            (format!("{base}.zip"), "HTTP/2"),
        ]
    );
    assert!(log.iter().all(|r| r.tls && r.status == 200));
    let conns = proxy.connections();
    assert_eq!(conns.len(), 1, "go reuses its HTTP/2 connection: {conns:?}");
    assert_eq!(conns[0].alpn.as_deref(), Some("h2"));
}

#[test]
fn go_fails_on_one_injected_500_and_succeeds_without() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let u = Universe::new();
    let module = hello(&u);
    let proxy = TestProxy::start(
        ProxyConfig::new(u).fault(FaultRule::new("*.zip", FaultKind::status(500)).times(1)),
    )
    .expect("start");
    let out = download(&go, &proxy, &module, false);
    assert!(!out.status.success(), "go should fail:\n{}", text(&out));
    let err = go_error(&out);
    eprintln!("go with one 500 on the zip: {err}");
    assert!(err.contains("500 Internal Server Error"), "{err}");
    assert!(
        err.contains("test proxy fault: status 500"),
        "go shows the body: {err}"
    );
    let zips = |p: &TestProxy| p.log().iter().filter(|r| r.path.ends_with(".zip")).count();
    assert_eq!(zips(&proxy), 1, "go does not retry");

    // The rule fired its one time: the same download now succeeds.
    let out = download(&go, &proxy, &module, false);
    assert!(
        out.status.success(),
        "go failed without faults:\n{}",
        text(&out)
    );
    assert_eq!(proxy.faults_fired(), [1]);
}

#[test]
fn go_against_each_fault() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    // (label, rule, TLS, verify sums, go succeeds, a piece of go's error)
    let cases: Vec<(&str, FaultKind, bool, bool, bool, &str)> = vec![
        (
            "502",
            FaultKind::status(502),
            false,
            false,
            false,
            "502 Bad Gateway",
        ),
        (
            "503",
            FaultKind::status(503),
            false,
            false,
            false,
            "503 Service Unavailable",
        ),
        (
            "429",
            FaultKind::status(429),
            false,
            false,
            false,
            "429 Too Many Requests",
        ),
        (
            "403",
            FaultKind::status(403),
            false,
            false,
            false,
            "403 Forbidden",
        ),
        (
            "404",
            FaultKind::status(404),
            false,
            false,
            false,
            "404 Not Found",
        ),
        (
            "410",
            FaultKind::status(410),
            false,
            false,
            false,
            "410 Gone",
        ),
        // Go's transport retries a GET whose reused connection died before any
        // response byte, so one reset before headers goes unnoticed.
        ("reset", FaultKind::Reset, false, false, true, ""),
        // The first request of a run (.info) goes on a new connection: no retry.
        (
            "reset on .info",
            FaultKind::Reset,
            false,
            false,
            false,
            "connection reset by peer",
        ),
        (
            "reset-mid-body",
            FaultKind::ResetMidBody { at: None },
            false,
            false,
            false,
            "",
        ),
        (
            "truncate",
            FaultKind::Truncate { at: None },
            false,
            false,
            false,
            "",
        ),
        (
            "h2-reset",
            FaultKind::StreamReset { at: None },
            true,
            false,
            false,
            "INTERNAL_ERROR",
        ),
        (
            "stall 300ms",
            FaultKind::Stall {
                at: None,
                duration: Some(Duration::from_millis(300)),
            },
            false,
            false,
            true,
            "",
        ),
        (
            "drip",
            FaultKind::Drip {
                bytes_per_sec: 20_000,
            },
            true,
            false,
            true,
            "",
        ),
        (
            "flip-byte",
            FaultKind::FlipByte { offset: None },
            false,
            false,
            false,
            "",
        ),
        (
            "other-zip",
            FaultKind::OtherZip,
            false,
            true,
            false,
            "checksum mismatch",
        ),
        (
            "other-zip, no go.sum",
            FaultKind::OtherZip,
            false,
            false,
            true,
            "",
        ),
        (
            "wrong-mod",
            FaultKind::WrongMod { body: None },
            false,
            true,
            false,
            "checksum mismatch",
        ),
    ];
    let mut failures = Vec::new();
    for (label, kind, tls, with_sum, succeeds, want) in cases {
        let u = Universe::new();
        let module = hello(&u);
        let pattern = match (label, &kind) {
            ("reset on .info", _) => "*.info",
            (_, FaultKind::WrongMod { .. }) => "*.mod",
            _ => "*.zip",
        };
        let proxy = TestProxy::start(
            ProxyConfig::new(u)
                .tls(tls)
                .fault(FaultRule::new(pattern, kind).times(1)),
        )
        .expect("start");
        let out = download(&go, &proxy, &module, with_sum);
        let err = go_error(&out);
        eprintln!(
            "go with {label}: {}",
            if out.status.success() {
                "ok".to_string()
            } else {
                err.replace('\n', " | ")
            }
        );
        if out.status.success() != succeeds {
            failures.push(format!(
                "{label}: success={}, want {succeeds}:\n{}",
                out.status.success(),
                text(&out)
            ));
        } else if !succeeds && !err.contains(want) {
            failures.push(format!("{label}: error lacks {want:?}: {err}"));
        }
        let zips = proxy
            .log()
            .iter()
            .filter(|r| r.path.ends_with(".zip"))
            .count();
        eprintln!("  .zip requests: {zips}");
        if label == "reset" && zips != 2 {
            failures.push(format!(
                "reset: go requested the zip {zips} times, want 2 (a retry)"
            ));
        }
        if proxy.faults_fired() != [1] {
            failures.push(format!(
                "{label}: the fault did not fire once: {:?}",
                proxy.faults_fired()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
