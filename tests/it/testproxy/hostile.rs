//! Hostile and malformed requests over a raw socket: every one gets a 4xx (or, for
//! requests that are odd but well-formed, an ordinary answer), never a 5xx or a
//! crash, and the proxy keeps serving afterwards.

use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::{Package, Universe};
use proptest::prelude::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Sends raw bytes and returns the status of the first response line, or `None`
/// when the connection closed without one.
fn raw_status(addr: SocketAddr, request: &[u8]) -> Option<u16> {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    // The server may answer and close before reading everything (a request line
    // over its buffer); a failed write then is part of the test, not an error.
    let _ = s.write_all(request);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(2).any(|w| w == b"\r\n") {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let line = String::from_utf8_lossy(&buf);
    let code = line
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| line.strip_prefix("HTTP/1.0 "))?;
    code.get(..3)?.parse().ok()
}

fn proxy() -> TestProxy {
    let u = Universe::new();
    Package::new("example.com/m", "v1.0.0").publish(&u);
    TestProxy::start(ProxyConfig::new(u)).expect("start")
}

fn still_serves(addr: SocketAddr) {
    let ok = raw_status(
        addr,
        b"GET /mod/example.com/m/@v/list HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(ok, Some(200), "the proxy stopped serving");
}

fn get(path: &[u8]) -> Vec<u8> {
    let mut r = b"GET ".to_vec();
    r.extend_from_slice(path);
    r.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    r
}

#[test]
fn hostile_requests_get_4xx() {
    let proxy = proxy();
    let addr = proxy.addr();
    let long = |n: usize| format!("/mod/{}", "a/".repeat(n)).into_bytes();
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("malformed percent-escape", get(b"/mod/%zz/@v/list"), 400),
        ("truncated percent-escape", get(b"/mod/x/@v/list%2"), 400),
        ("dot-dot", get(b"/mod/example.com/m/../../etc/passwd"), 400),
        ("escaped dot-dot", get(b"/mod/%2e%2e/x/@v/list"), 400),
        ("escaped non-UTF-8", get(b"/mod/%ff%fe/@v/list"), 400),
        ("raw non-UTF-8", get(b"/mod/\xff/@v/list"), 400),
        ("path over 8 KiB", get(&long(5000)), 414),
        ("request line over the buffer", get(&long(100_000)), 431),
        ("bad ! escape", get(b"/mod/example.com/!!m/@v/list"), 404),
        ("upper case path", get(b"/mod/example.com/M/@v/list"), 404),
        (
            "bad escaped version",
            get(b"/mod/example.com/m/@v/v1.0.0-%21%21.info"),
            404,
        ),
        (
            "huge redirect count",
            get(b"/mod/redirect/99999999999999999999999/x"),
            404,
        ),
        ("huge status prefix", get(b"/mod/99999/x"), 404),
        ("asterisk", get(b"*"), 404),
        ("no leading slash", get(b"mod/x"), 400),
        (
            "DELETE",
            b"DELETE /mod/example.com/m/@v/list HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            405,
        ),
        (
            "POST with body",
            b"POST /mod/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc".to_vec(),
            405,
        ),
        (
            "CONNECT",
            b"CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            405,
        ),
        (
            "bad method token",
            b"G\x01T / HTTP/1.1\r\n\r\n".to_vec(),
            400,
        ),
        (
            "TLS hello on plain port",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec(),
            400,
        ),
        ("garbage", b"\x00\x00\x00\x00\r\n\r\n".to_vec(), 400),
        ("bad version", b"GET / HTTP/9.9\r\n\r\n".to_vec(), 400),
        (
            "thousands of headers",
            [
                b"GET / HTTP/1.1\r\n".to_vec(),
                b"X: y\r\n".repeat(5000),
                b"\r\n".to_vec(),
            ]
            .concat(),
            431,
        ),
        (
            "bad content-length",
            b"GET / HTTP/1.1\r\nContent-Length: zz\r\n\r\n".to_vec(),
            400,
        ),
    ];
    let mut failures = Vec::new();
    for (what, req, want) in &cases {
        let got = raw_status(addr, req);
        if got != Some(*want) {
            failures.push(format!("{what}: got {got:?}, want {want}"));
        }
        still_serves(addr);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_request_lines_never_get_5xx(
        method in "(GET|HEAD|POST|PUT|OPTIONS|TRACE|[A-Z]{1,8})",
        path in "/(mod/)?((redirect/-?[0-9]{0,4}|invalid|sumdb(-[0-9a-z]{1,6})?|[0-9]{1,4}|[a-zA-Z0-9.!%~_-]{0,12}|\\.\\.|@v|@latest)/){0,6}[a-zA-Z0-9.!%+-]{0,16}(\\.(info|mod|zip)|list)?",
        junk in proptest::collection::vec(any::<u8>(), 0..6),
    ) {
        let proxy = PROXY.with(|p| p.addr());
        let mut req = format!("{method} {path}").into_bytes();
        req.extend_from_slice(&junk);
        req.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let status = raw_status(proxy, &req);
        prop_assert!(
            status.is_some_and(|s| s < 500),
            "{status:?} for {:?}",
            String::from_utf8_lossy(&req)
        );
        still_serves(proxy);
    }
}

thread_local! {
    static PROXY: TestProxy = proxy();
}
