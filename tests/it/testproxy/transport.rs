//! Transports: HTTPS with HTTP/2 or HTTP/1.1 chosen by ALPN, plain HTTP/1.1, and the
//! handle's URLs and CA file.

use super::client::Client;
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::{Package, Universe};
use http::Version;

fn universe() -> Universe {
    let u = Universe::new();
    Package::new("example.com/m", "v1.0.0")
        .file("m.go", "package m\n")
        .publish(&u);
    u
}

#[test]
fn https_negotiates_h2_and_falls_back_to_http1() {
    let proxy = TestProxy::start(ProxyConfig::new(universe()).tls(true)).expect("start");
    assert!(proxy.base_url().starts_with("https://127.0.0.1:"));
    assert_eq!(proxy.goproxy_url(), format!("{}/mod", proxy.base_url()));
    let ca = proxy.ca_cert_path().expect("CA file").to_path_buf();
    assert!(
        std::fs::read_to_string(&ca)
            .expect("CA")
            .starts_with("-----BEGIN CERTIFICATE-----")
    );

    let r = Client::new(&proxy, true)
        .get("/mod/example.com/m/@v/list")
        .expect("h2 GET");
    assert_eq!(
        (r.status, r.version, r.text().as_str()),
        (200, Version::HTTP_2, "v1.0.0\n")
    );
    assert!(r.total >= r.headers_after);
    let r = Client::new(&proxy, false)
        .get("/mod/example.com/m/@v/list")
        .expect("h1 GET");
    assert_eq!((r.status, r.version), (200, Version::HTTP_11));

    let log = proxy.log();
    let versions: Vec<&str> = log.iter().map(|r| r.http_version.as_str()).collect();
    assert_eq!(versions, ["HTTP/2", "HTTP/1.1"]);
    assert!(log.iter().all(|r| r.tls));
    let alpn: Vec<Option<String>> = proxy.connections().into_iter().map(|c| c.alpn).collect();
    assert_eq!(alpn, [Some("h2".to_string()), Some("http/1.1".to_string())]);

    drop(proxy);
    assert!(!ca.exists(), "the CA file goes away with the proxy");
}

#[test]
fn http2_can_be_turned_off() {
    let proxy =
        TestProxy::start(ProxyConfig::new(universe()).tls(true).http2(false)).expect("start");
    let r = Client::new(&proxy, true)
        .get("/mod/example.com/m/@v/list")
        .expect("GET");
    assert_eq!(r.version, Version::HTTP_11);
}

#[test]
fn plain_http1() {
    let proxy = TestProxy::start(ProxyConfig::new(universe())).expect("start");
    assert!(proxy.base_url().starts_with("http://127.0.0.1:"));
    assert!(proxy.ca_cert_path().is_none());
    let r = Client::new(&proxy, false)
        .get("/mod/example.com/m/@v/v1.0.0.mod")
        .expect("GET");
    assert_eq!((r.status, r.version), (200, Version::HTTP_11));
    assert_eq!(r.text(), "module example.com/m\n");
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("content-length"), Some("21"));
    let r = Client::new(&proxy, false)
        .request("HEAD", "/mod/example.com/m/@v/v1.0.0.zip")
        .expect("HEAD");
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert_eq!(r.header("content-type"), Some("application/zip"));

    // Keep-alive: several requests share one connection.
    proxy.clear_log();
    let before = proxy.connections().len();
    let rs = Client::new(&proxy, false)
        .get_on_one_connection(&["/mod/example.com/m/@v/list", "/mod/example.com/m/@latest"])
        .expect("GETs");
    assert_eq!(rs.iter().map(|r| r.status).collect::<Vec<_>>(), [200, 200]);
    assert_eq!(proxy.connections().len(), before + 1);
    assert!(proxy.wait_for_log(2, std::time::Duration::from_secs(5)));
    let conns: Vec<u64> = proxy.log().iter().map(|r| r.conn).collect();
    assert_eq!(conns[0], conns[1]);
}
