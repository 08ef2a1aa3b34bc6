//! Sources: a GOPROXY-layout tree (a module cache the real `go` filled) served as it
//! is, mixed with builder modules, and publishing into a running proxy.

use super::GoEnv;
use super::client::Client;
use crate::support;
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::{Package, Universe};

fn publish_hello(u: &Universe) {
    for v in ["v1.0.0", "v1.1.0"] {
        Package::new("example.com/Hello", v)
            .go_mod("module example.com/Hello\n\ngo 1.21\n")
            .file("hello.go", format!("package hello\n\nconst V = {v:?}\n"))
            .publish(u);
    }
}

#[test]
fn go_filled_cache_served_as_a_tree() {
    let Some(go) = support::go("testproxy::sources") else {
        return;
    };
    // Fill a module cache from builder modules.
    let u = Universe::new();
    publish_hello(&u);
    let origin = TestProxy::start(ProxyConfig::new(u)).expect("start");
    let mut env1 = GoEnv::new();
    let out = env1
        .command(&go, &origin.goproxy_url(), None)
        .args([
            "mod",
            "download",
            "-json",
            "example.com/Hello@v1.0.0",
            "example.com/Hello@v1.1.0",
        ])
        .output()
        .expect("run go");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let tree = env1.gomodcache().join("cache/download");

    // Serve that cache, plus one builder module, over HTTPS.
    let u = Universe::new();
    u.add_tree(&tree);
    Package::new("example.com/other", "v0.1.0").publish(&u);
    let proxy = TestProxy::start(ProxyConfig::new(u).tls(true)).expect("start");
    let c = Client::new(&proxy, true);
    let r = c.get("/mod/example.com/%21hello/@v/list").expect("GET");
    assert_eq!((r.status, r.text().as_str()), (200, "v1.0.0\nv1.1.0\n"));
    let r = c.get("/mod/example.com/!hello/@v/v1.1.0.mod").expect("GET");
    assert_eq!(r.text(), "module example.com/Hello\n\ngo 1.21\n");
    assert_eq!(
        c.get("/mod/example.com/!hello/@latest")
            .expect("GET")
            .status,
        404
    );
    assert_eq!(
        c.get("/mod/example.com/other/@v/list").expect("GET").text(),
        "v0.1.0\n"
    );

    // go resolves @latest from @v/list (asking @latest only when the list is empty).
    proxy.clear_log();
    let out = GoEnv::new()
        .command(&go, &proxy.goproxy_url(), proxy.ca_cert_path())
        .args(["mod", "download", "-json", "example.com/Hello@latest"])
        .output()
        .expect("run go");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let rec: serde_json::Value = serde_json::from_slice(&out.stdout).expect("-json");
    assert_eq!(rec["Version"], "v1.1.0");
    let requests: Vec<(String, u16)> = proxy
        .log()
        .into_iter()
        .map(|r| {
            (
                r.path
                    .trim_start_matches("/mod/example.com/!hello/")
                    .to_string(),
                r.status,
            )
        })
        .collect();
    eprintln!("go's requests for @latest against a tree: {requests:?}");
    assert_eq!(
        requests,
        [
            ("@v/list".to_string(), 200),
            ("@v/v1.1.0.info".to_string(), 200),
            ("@v/v1.1.0.mod".to_string(), 200),
            ("@v/v1.1.0.zip".to_string(), 200),
        ]
    );
}

#[test]
fn publishing_into_a_running_proxy() {
    let u = Universe::new();
    let proxy = TestProxy::start(ProxyConfig::new(u)).expect("start");
    let c = Client::new(&proxy, false);
    assert_eq!(
        c.get("/mod/example.com/late/@v/list").expect("GET").status,
        404
    );
    Package::new("example.com/late", "v1.0.0").publish(proxy.universe());
    assert_eq!(
        c.get("/mod/example.com/late/@v/list").expect("GET").text(),
        "v1.0.0\n"
    );
    let r = c.get("/mod/example.com/late/@latest").expect("GET");
    assert_eq!(
        r.text(),
        r#"{"Version":"v1.0.0","Time":"2019-01-01T00:00:00Z"}"#
    );
}

#[test]
fn async_entry_point() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let u = Universe::new();
        publish_hello(&u);
        let proxy = TestProxy::start_async(ProxyConfig::new(u).tls(true))
            .await
            .expect("start");
        let c = Client::new(&proxy, true);
        let r = c
            .request_async("GET", "/mod/example.com/!hello/@v/list")
            .await
            .expect("GET");
        assert_eq!(r.text(), "v1.0.0\nv1.1.0\n");
        assert_eq!(proxy.counters().requests, 1);
    });
}
