//! Go's test-proxy URL prefixes (`/mod/<status>/`, `/mod/invalid/`,
//! `/mod/redirect/<n>/`, `/mod/sumdb-<N>/`) and the checksum-database hook, on the
//! wire and as the real `go` sees them through `GOPROXY` lists.

use super::GoEnv;
use super::client::Client;
use crate::support;
use gomodfetch::testkit::proxy::{HookReply, ProxyConfig, SumdbHandler, SumdbMount, TestProxy};
use gomodfetch::testkit::universe::{Package, Universe};
use std::sync::{Arc, Mutex};

fn proxy(config: impl FnOnce(ProxyConfig) -> ProxyConfig) -> TestProxy {
    let u = Universe::new();
    Package::new("example.com/m", "v1.0.0")
        .file("m.go", "package m\n")
        .publish(&u);
    TestProxy::start(config(ProxyConfig::new(u))).expect("start")
}

#[test]
fn prefixes_on_the_wire() {
    let p = proxy(|c| c);
    let c = Client::new(&p, false);
    let r = c.get("/mod/503/example.com/m/@v/list").expect("GET");
    assert_eq!((r.status, r.body.len()), (503, 0));
    let r = c
        .get("/mod/invalid/example.com/m/@v/v1.0.0.info")
        .expect("GET");
    assert_eq!((r.status, r.text().as_str()), (200, "invalid"));
    let r = c
        .get("/mod/redirect/2/example.com/!m/@v/list")
        .expect("GET");
    assert_eq!(r.status, 302);
    assert_eq!(
        r.header("location"),
        Some("/mod/redirect/1/example.com/!m/@v/list")
    );
    let r = c.get("/mod/redirect/1/example.com/m/@v/list").expect("GET");
    assert_eq!(r.header("location"), Some("/mod/example.com/m/@v/list"));
    let r = c.get("/mod/sumdb-500/example.com/m/@v/list").expect("GET");
    assert_eq!((r.status, r.text().as_str()), (200, "v1.0.0\n"));
    let r = c
        .get("/mod/sumdb-500/sumdb/localhost.localdev/sumdb/supported")
        .expect("GET");
    assert_eq!(r.status, 500);
    // Without a checksum-database hook its routes are not found.
    let r = c
        .get("/mod/sumdb/localhost.localdev/sumdb/supported")
        .expect("GET");
    assert_eq!(r.status, 404);
}

/// Records what it is asked and answers `supported` and lookups.
#[derive(Default)]
struct FakeSumdb {
    seen: Mutex<Vec<(SumdbMount, String)>>,
}

impl SumdbHandler for FakeSumdb {
    fn handle(&self, mount: SumdbMount, path: &str) -> Option<HookReply> {
        self.seen
            .lock()
            .expect("lock")
            .push((mount, path.to_string()));
        let ok = |body: &'static str| HookReply {
            status: 200,
            content_type: "text/plain; charset=utf-8".into(),
            body: bytes::Bytes::from_static(body.as_bytes()),
        };
        match (mount, path) {
            (SumdbMount::Proxied, "example.test/sumdb/supported") => Some(ok("")),
            (SumdbMount::Direct, "/latest") => Some(ok("tree\n")),
            _ => None,
        }
    }
}

#[test]
fn sumdb_hook_gets_its_routes() {
    let hook = Arc::new(FakeSumdb::default());
    let p = proxy(|c| c.sumdb(hook.clone()));
    let c = Client::new(&p, false);
    assert_eq!(
        c.get("/mod/sumdb/example.test/sumdb/supported")
            .expect("GET")
            .status,
        200
    );
    assert_eq!(
        c.get("/mod/sumdb/other.test/supported")
            .expect("GET")
            .status,
        404
    );
    assert_eq!(
        c.get("/mod/sumdb-direct/latest").expect("GET").text(),
        "tree\n"
    );
    assert_eq!(
        c.get("/mod/sumdb-wrong/lookup/x@v1.0.0")
            .expect("GET")
            .status,
        404
    );
    let seen = hook.seen.lock().expect("lock").clone();
    assert_eq!(
        seen,
        [
            (
                SumdbMount::Proxied,
                "example.test/sumdb/supported".to_string()
            ),
            (SumdbMount::Proxied, "other.test/supported".to_string()),
            (SumdbMount::Direct, "/latest".to_string()),
            (SumdbMount::Wrong, "/lookup/x@v1.0.0".to_string()),
        ]
    );
}

#[test]
fn go_through_prefixes() {
    let Some(go) = support::go("testproxy::prefixes") else {
        return;
    };
    let p = proxy(|c| c);
    let base = p.goproxy_url();
    // (GOPROXY, go succeeds, a piece of go's error)
    let cases = [
        (format!("{base}/redirect/3"), true, ""),
        (
            format!("{base}/redirect/11"),
            false,
            "stopped after 10 redirects",
        ),
        (
            format!("{base}/invalid"),
            false,
            "invalid response from proxy",
        ),
        (format!("{base}/404,{base}"), true, ""),
        (format!("{base}/410,{base}"), true, ""),
        (
            format!("{base}/500,{base}"),
            false,
            "500 Internal Server Error",
        ),
        (format!("{base}/500|{base}"), true, ""),
    ];
    let mut failures = Vec::new();
    for (goproxy, succeeds, want) in cases {
        let out = GoEnv::new()
            .command(&go, &goproxy, None)
            .args(["mod", "download", "-json", "example.com/m@v1.0.0"])
            .output()
            .expect("run go");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let short = goproxy.replace(&base, "<proxy>");
        eprintln!(
            "go with GOPROXY={short}: {}",
            if out.status.success() { "ok" } else { "failed" }
        );
        if out.status.success() != succeeds || !all.contains(want) {
            failures.push(format!(
                "GOPROXY={short}: success={}:\n{all}",
                out.status.success()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let redirects = p.log().iter().filter(|r| r.status == 302).count();
    assert!(redirects >= 3 * 3 + 10, "{redirects} redirects logged");
}
