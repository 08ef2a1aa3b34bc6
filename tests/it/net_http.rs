//! The HTTP client against the test proxy and a scriptable server: HTTP/1.1 and
//! HTTPS/HTTP/2 with the per-run CA trusted the way Go trusts `SSL_CERT_FILE`,
//! connection reuse, redirects, `file://`, `.netrc` credentials, outbound proxies and
//! the `-x` trace (compared with `go -x`). Retries and bounds: `net_http_retry`.

use crate::net_server::{self, Reply};
use gomodfetch::http::{
    Client, ClientConfig, Credentials, Error, GoUrl, NetrcEntry, RetryPolicy, RootSource,
    TraceBuffer,
};
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::{Package, StoredModule, Universe};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Roots exactly as Go has them with `SSL_CERT_FILE=<ca>` and `SSL_CERT_DIR=<empty>`.
pub fn roots(ca: Option<&Path>, empty_dir: &Path) -> RootSource {
    RootSource {
        ssl_cert_file: ca.map(Path::to_path_buf),
        ssl_cert_dir: Some(empty_dir.as_os_str().to_owned()),
    }
}

pub struct Env {
    pub rt: tokio::runtime::Runtime,
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            rt: rt(),
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn config(&self, ca: Option<&Path>) -> ClientConfig {
        let empty = self.dir.path().join("no-certs");
        std::fs::create_dir_all(&empty).expect("dir");
        ClientConfig {
            roots: roots(ca, &empty),
            retry: RetryPolicy::immediate(3),
            ..ClientConfig::default()
        }
    }

    pub fn client(&self, ca: Option<&Path>) -> Client {
        Client::new(self.config(ca)).expect("client")
    }
}

pub fn url(s: &str) -> GoUrl {
    GoUrl::parse(s).expect("url")
}

/// A module whose zip is about 200 KiB, so faults cut it mid-body.
pub fn big(u: &Universe) -> Arc<StoredModule> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let data: Vec<u8> = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    Package::new("example.com/big", "v1.0.0")
        .file("data.bin", data)
        .publish(u)
}

pub const ZIP: &str = "/mod/example.com/big/@v/v1.0.0.zip";
pub const INFO: &str = "/mod/example.com/big/@v/v1.0.0.info";

pub async fn download_all(client: &Client, u: &GoUrl) -> Result<(Vec<u8>, u32), Error> {
    let mut dl = client.download(u).await?;
    let mut out = Vec::new();
    loop {
        match dl.chunk().await {
            Ok(Some(c)) => out.extend_from_slice(&c),
            Ok(None) => return Ok((out, dl.attempts())),
            Err(e) => {
                dl.restart(e).await?;
                out.clear();
            }
        }
    }
}

/// `n` GETs of the `.info` file at once, each of which must succeed.
async fn concurrent_info_gets(client: &Client, base: &str, n: usize) {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let c = client.clone();
            let u = url(&format!("{base}{INFO}"));
            tokio::spawn(async move { c.get_bytes(&u, 1 << 20, None).await })
        })
        .collect();
    for t in tasks {
        t.await.expect("task").expect("info");
    }
}

#[test]
fn http1_and_https_h2_with_connection_reuse() {
    let env = Env::new();
    for tls in [false, true] {
        let u = Universe::new();
        let m = big(&u);
        let proxy = TestProxy::start(ProxyConfig::new(u).tls(tls)).expect("proxy");
        let client = env.client(proxy.ca_cert_path());
        let base = proxy.base_url();
        env.rt.block_on(async {
            let zip = client
                .get_bytes(&url(&format!("{base}{ZIP}")), 1 << 30, None)
                .await
                .expect("zip");
            assert_eq!(zip, m.zip().expect("zip").to_vec());
            let (zip2, attempts) = download_all(&client, &url(&format!("{base}{ZIP}")))
                .await
                .expect("download");
            assert_eq!((zip2.len(), attempts), (zip.len(), 1));
            concurrent_info_gets(&client, &base, 16).await;
        });
        assert!(proxy.wait_for_log(18, Duration::from_secs(10)));
        let log = proxy.log();
        let want = if tls { "HTTP/2" } else { "HTTP/1.1" };
        assert!(log.iter().all(|r| r.http_version == want), "{log:?}");
        let conns = proxy.connections();
        if tls {
            assert_eq!(
                conns.len(),
                1,
                "HTTP/2 multiplexes one connection: {conns:?}"
            );
            assert_eq!(conns[0].alpn.as_deref(), Some("h2"));
        } else {
            assert!(
                conns.len() < 18,
                "keep-alive reuses connections: {}",
                conns.len()
            );
        }
    }
}

/// A burst of first requests to an https origin opens one connection: the first goes
/// alone until ALPN has chosen HTTP/2 (without the gate, each request of the burst
/// opened a TCP+TLS connection of its own).
#[test]
fn a_burst_of_first_https_requests_opens_one_connection() {
    let env = Env::new();
    let u = Universe::new();
    big(&u);
    let proxy = TestProxy::start(ProxyConfig::new(u).tls(true)).expect("proxy");
    let client = env.client(proxy.ca_cert_path());
    let base = proxy.base_url();
    env.rt.block_on(async {
        concurrent_info_gets(&client, &base, 24).await;
    });
    assert!(proxy.wait_for_log(24, Duration::from_secs(10)));
    let conns = proxy.connections();
    assert_eq!(conns.len(), 1, "one HTTP/2 connection: {conns:?}");
}

#[test]
fn tls_trust_follows_ssl_cert_file() {
    let env = Env::new();
    let proxy = TestProxy::start(ProxyConfig::new(Universe::new()).tls(true)).expect("proxy");
    let other = TestProxy::start(ProxyConfig::new(Universe::new()).tls(true)).expect("proxy");
    let target = url(&format!("{}/mod/x/@v/list", proxy.base_url()));
    for ca in [None, other.ca_cert_path()] {
        let err = env
            .rt
            .block_on(env.client(ca).get(&target))
            .expect_err("untrusted");
        assert_eq!(
            err.to_string(),
            format!(
                "Get \"{}\": tls: failed to verify certificate: x509: certificate signed by unknown authority",
                target
            )
        );
        assert!(
            !err.is_transient() && err.attempts() == 1,
            "never retried: {err}"
        );
    }
    // SSL_CERT_DIR: a directory holding the CA is enough.
    let certs = env.dir.path().join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    std::fs::copy(proxy.ca_cert_path().unwrap(), certs.join("ca.pem")).unwrap();
    let cfg = ClientConfig {
        roots: RootSource {
            ssl_cert_file: Some(env.dir.path().join("missing.pem")),
            ssl_cert_dir: Some(format!("/nonexistent:{}", certs.display()).into()),
        },
        ..env.config(None)
    };
    let resp = env
        .rt
        .block_on(Client::new(cfg).unwrap().get_any_status(&target));
    assert_eq!(resp.expect("trusted through SSL_CERT_DIR").status(), 404);
}

#[test]
fn status_errors_keep_gos_text() {
    let env = Env::new();
    let server = net_server::start(&env.rt, false, |s| match s.path.as_str() {
        "/plain" => Reply::new(404, "not found: x@v1: unknown revision\n")
            .header("content-type", "text/plain; charset=utf-8"),
        "/multi" => {
            Reply::new(500, "line one\nline two\n\nignored").header("content-type", "text/plain")
        }
        "/html" => Reply::new(404, "<p>no</p>").header("content-type", "text/html"),
        "/latin1" => Reply::new(404, "x").header("content-type", "text/plain; charset=latin1"),
        "/many" => Reply::new(403, (0..12).map(|i| format!("l{i}\n")).collect::<String>())
            .header("content-type", "text/plain"),
        "/long" => Reply::new(403, "y".repeat(1000)).header("content-type", "text/plain"),
        "/ctrl" => Reply::new(403, "bad\u{1b}[31m").header("content-type", "text/plain"),
        "/reason" => Reply::new(404, "").reason("Nope Nope"),
        "/teapot" => Reply::new(418, ""),
        _ => Reply::new(599, ""),
    });
    let client = env.client(None);
    let base = server.base();
    let text = |p: &str| {
        env.rt
            .block_on(client.get(&url(&format!("{base}{p}"))))
            .expect_err("status")
            .to_string()
    };
    assert_eq!(
        text("/plain"),
        format!(
            "reading {base}/plain: 404 Not Found\n\tserver response: not found: x@v1: unknown revision"
        )
    );
    assert!(text("/multi").ends_with("500 Internal Server Error (after 3 attempts)\n\tserver response:\n\tline one\n\tline two"), "{}", text("/multi"));
    assert_eq!(text("/html"), format!("reading {base}/html: 404 Not Found"));
    assert_eq!(
        text("/latin1"),
        format!("reading {base}/latin1: 404 Not Found")
    );
    assert_eq!(
        text("/many"),
        format!(
            "reading {base}/many: 403 Forbidden\n\tserver response:\n\tl0\n\tl1\n\tl2\n\tl3\n\tl4\n\tl5\n\tl6\n\tl7\n\t[Truncated: too many lines.]"
        )
    );
    assert_eq!(
        text("/long"),
        format!("reading {base}/long: 403 Forbidden\n\tserver response: [Truncated: too long.]")
    );
    assert_eq!(text("/ctrl"), format!("reading {base}/ctrl: 403 Forbidden"));
    assert_eq!(
        text("/reason"),
        format!("reading {base}/reason: 404 Nope Nope")
    );
    assert_eq!(
        text("/teapot"),
        format!("reading {base}/teapot: 418 I'm a teapot")
    );
    // Over HTTP/2 the status text is Go's own table.
    let tls = net_server::start(&env.rt, true, |_| Reply::new(413, ""));
    let err = env
        .rt
        .block_on(
            env.client(Some(&tls.ca_file))
                .get(&url(&format!("{}/x", tls.base()))),
        )
        .expect_err("413");
    assert!(
        err.to_string().ends_with(": 413 Request Entity Too Large"),
        "{err}"
    );
}

#[test]
fn redirects_follow_gos_policy() {
    let env = Env::new();
    let u = Universe::new();
    Package::new("example.com/r", "v1.0.0").publish(&u);
    let proxy = TestProxy::start(ProxyConfig::new(u)).expect("proxy");
    let client = env.client(None);
    let base = proxy.goproxy_url();
    let get = |p: &str| {
        env.rt
            .block_on(client.get_bytes(&url(&format!("{base}{p}")), 1 << 20, None))
    };
    assert!(get("/redirect/9/example.com/r/@v/v1.0.0.info").is_ok());
    let err = get("/redirect/10/example.com/r/@v/v1.0.0.info").expect_err("too many");
    assert_eq!(
        err.to_string(),
        "Get \"/mod/example.com/r/@v/v1.0.0.info\": stopped after 10 redirects"
    );
    assert!(!err.is_transient());

    let plain = net_server::start(&env.rt, false, |_| Reply::new(200, "ok"));
    let target = format!("{}/landing", plain.base());
    let secure = net_server::start(&env.rt, true, move |s| match s.path.as_str() {
        "/down" => Reply::new(302, "").header("location", &target),
        "/bad" => Reply::new(302, "").header("location", "http://[::1"),
        "/none" => Reply::new(307, "moved"),
        _ => Reply::new(200, "ok"),
    });
    let client = env.client(Some(&secure.ca_file));
    let err = env
        .rt
        .block_on(client.get(&url(&format!("{}/down", secure.base()))))
        .expect_err("downgrade");
    assert_eq!(
        err.to_string(),
        format!(
            "Get \"{0}/landing\": redirected from secure URL {1}/down to insecure URL {0}/landing",
            plain.base(),
            secure.base()
        )
    );
    assert!(plain.seen().is_empty(), "the http URL is never requested");
    let err = env
        .rt
        .block_on(client.get(&url(&format!("{}/bad", secure.base()))))
        .expect_err("bad location");
    assert!(
        err.to_string()
            .contains("failed to parse Location header \"http://[::1\""),
        "{err}"
    );
    let err = env
        .rt
        .block_on(client.get(&url(&format!("{}/none", secure.base()))))
        .expect_err("no location");
    assert_eq!(err.status_code(), Some(307));
}

#[test]
fn file_urls_as_go_serves_them() {
    let env = Env::new();
    let root = env.dir.path().join("tree");
    std::fs::create_dir_all(root.join("m/@v")).unwrap();
    std::fs::write(root.join("m/@v/list"), "v1.0.0\n").unwrap();
    let client = env.client(None);
    let base = format!("file://{}", root.display());
    let get = |p: &str| {
        env.rt
            .block_on(client.get_bytes(&url(&format!("{base}/{p}")), 1 << 20, None))
    };
    assert_eq!(get("m/@v/list").unwrap(), b"v1.0.0\n");
    let err = get("m/@v/v9.info").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("reading {base}/m/@v/v9.info: no such file or directory")
    );
    assert!(err.is_not_found() && !err.is_transient() && err.attempts() == 1);
    let err = get("m/@v").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "read \"{base}/m/@v\": read {}/m/@v: is a directory",
            root.display()
        )
    );
    let err = get("m/@v/list/x").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("open {}/m/@v/list/x: not a directory", root.display())
    );
    let err = env
        .rt
        .block_on(client.get(&url("file://otherhost/x")))
        .unwrap_err();
    assert_eq!(err.to_string(), "file URL specifies non-local host");

    let secret = root.join("m/@v/secret.info");
    std::fs::write(&secret, "{}").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&secret).is_err() {
        let err = get("m/@v/secret.info").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("reading {base}/m/@v/secret.info: permission denied")
        );
        assert_eq!(err.status_code(), Some(403));
        assert!(!err.is_not_found());
    }
}

#[test]
fn netrc_credentials_only_for_the_matching_https_host() {
    let env = Env::new();
    let port_holder = Arc::new(std::sync::Mutex::new(String::new()));
    let ph = port_holder.clone();
    let server = net_server::start(&env.rt, true, move |s| match s.path.as_str() {
        "/to-localhost" => Reply::new(302, "").header(
            "location",
            &format!("https://localhost:{}/landed", ph.lock().unwrap()),
        ),
        "/denied" => Reply::new(401, ""),
        _ => Reply::new(200, "ok"),
    });
    *port_holder.lock().unwrap() = server.addr.port().to_string();
    let plain = net_server::start(&env.rt, false, |_| Reply::new(200, "ok"));
    let creds = Credentials::from_netrc(&[
        NetrcEntry {
            machine: format!("127.0.0.1:{}", server.addr.port()),
            login: "alice".into(),
            password: "s3cret-value".into(),
        },
        NetrcEntry {
            machine: format!("127.0.0.1:{}", plain.addr.port()),
            login: "bob".into(),
            password: "other-secret".into(),
        },
    ]);
    let trace = Arc::new(TraceBuffer::default());
    let cfg = ClientConfig {
        credentials: creds,
        trace: Some(trace.clone()),
        ..env.config(Some(&server.ca_file))
    };
    let client = Client::new(cfg).unwrap();
    let expected = format!("Basic {}", base64_encode(b"alice:s3cret-value"));
    env.rt.block_on(async {
        client
            .get(&url(&format!("{}/a", server.base())))
            .await
            .unwrap();
        client
            .get(&url(&format!("{}/b", server.base_localhost())))
            .await
            .unwrap();
        client
            .get(&url(&format!("{}/c", plain.base())))
            .await
            .unwrap();
        client
            .get(&url(&format!("{}/to-localhost", server.base())))
            .await
            .unwrap();
        let err = client
            .get(&url(&format!("{}/denied", server.base())))
            .await
            .unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
    });
    let seen = server.seen();
    let auth = |p: &str| -> Vec<Option<String>> {
        seen.iter()
            .filter(|s| s.path == p)
            .map(|s| s.authorization.clone())
            .collect()
    };
    assert_eq!(auth("/a"), [Some(expected.clone())]);
    assert_eq!(auth("/b"), [None], "another host name gets nothing");
    assert_eq!(auth("/to-localhost"), [Some(expected.clone())]);
    assert_eq!(
        auth("/landed"),
        [None],
        "dropped on a redirect to another host"
    );
    assert_eq!(
        auth("/denied").len(),
        2,
        "an https 4xx is asked twice (Go's GOAUTH retry)"
    );
    assert_eq!(plain.seen()[0].authorization, None, "never over plain http");
    let lines = trace.lines().join("\n");
    assert!(
        !lines.contains("s3cret") && !lines.contains("alice"),
        "{lines}"
    );
    assert_eq!(
        lines
            .matches(&format!("# get {}/denied", server.base()))
            .count(),
        2,
        "one start and one result line: {lines}"
    );
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[test]
fn trace_lines_are_gos() {
    let env = Env::new();
    let u = Universe::new();
    Package::new("example.com/t", "v1.0.0").publish(&u);
    let proxy = TestProxy::start(ProxyConfig::new(u)).expect("proxy");
    let trace = Arc::new(TraceBuffer::default());
    let cfg = ClientConfig {
        trace: Some(trace.clone()),
        retry: RetryPolicy::none(),
        ..env.config(None)
    };
    let client = Client::new(cfg).unwrap();
    let ok = format!("{}/example.com/t/@v/v1.0.0.info", proxy.goproxy_url());
    let missing = format!("{}/example.com/t/@v/v9.0.0.info", proxy.goproxy_url());
    env.rt.block_on(async {
        client.get(&url(&ok)).await.unwrap();
        let _ = client.get(&url(&missing)).await.unwrap_err();
        let _ = client
            .get(&url("http://127.0.0.1:1/mod/x/@v/list"))
            .await
            .unwrap_err();
        let _ = client
            .get(&url("http://u:pw@127.0.0.1:1/mod/x/@v/list"))
            .await
            .unwrap_err();
        let _ = client
            .get(&url("https://u:pw@127.0.0.1:1/mod/x/@v/list"))
            .await
            .unwrap_err();
    });
    let lines = trace.lines();
    let shape: Vec<String> = lines
        .iter()
        .map(|l| {
            // The elapsed time varies.
            match l.rfind(" (") {
                Some(i) if l.ends_with("s)") => format!("{} (T)", &l[..i]),
                _ => l.clone(),
            }
        })
        .collect();
    assert_eq!(
        shape,
        [
            format!("# get {ok}"),
            format!("# get {ok}: 200 OK (T)"),
            format!("# get {missing}"),
            format!("# get {missing}: 404 Not Found (T)"),
            "# get http://127.0.0.1:1/mod/x/@v/list".to_string(),
            "# get http://127.0.0.1:1/mod/x/@v/list: Get \"http://127.0.0.1:1/mod/x/@v/list\": dial tcp 127.0.0.1:1: connect: connection refused".to_string(),
            "# get http://u:xxxxx@127.0.0.1:1/mod/x/@v/list: insecure credentials".to_string(),
            "# get https://u:xxxxx@127.0.0.1:1/mod/x/@v/list".to_string(),
            "# get https://u:xxxxx@127.0.0.1:1/mod/x/@v/list: Get \"https://u:***@127.0.0.1:1/mod/x/@v/list\": dial tcp 127.0.0.1:1: connect: connection refused".to_string(),
        ]
    );
    assert!(
        lines[1].ends_with("s)") && lines[1].contains(" (0."),
        "{}",
        lines[1]
    );
}

#[test]
fn outbound_proxies_from_the_environment() {
    let env = Env::new();
    let forward = net_server::start(&env.rt, false, |_| Reply::new(200, "via proxy"));
    let direct = net_server::start(&env.rt, false, |_| Reply::new(200, "direct"));
    let cfg = ClientConfig {
        proxy: gomodfetch::http::ProxyEnv {
            http_proxy: Some(format!("127.0.0.1:{}", forward.addr.port())),
            https_proxy: None,
            no_proxy: Some("skip.example".into()),
        },
        ..env.config(None)
    };
    let client = Client::new(cfg).unwrap();
    let body = |u: &str| {
        env.rt
            .block_on(client.get_bytes(&url(u), 1 << 20, None))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    assert_eq!(body("http://mod.example/x/@v/list").unwrap(), "via proxy");
    assert_eq!(forward.seen()[0].host, "mod.example");
    assert_eq!(
        body(&format!("{}/y", direct.base())).unwrap(),
        "direct",
        "loopback is never proxied"
    );
    assert_eq!(forward.seen().len(), 1);
}

/// The `-x` lines of one download compared with the real go's for the same requests.
#[test]
fn trace_matches_go_x_output() {
    let Some(go) = crate::support::go("trace_matches_go_x_output") else {
        return;
    };
    let env = Env::new();
    let u = Universe::new();
    Package::new("example.com/x", "v1.0.0").publish(&u);
    let proxy = TestProxy::start(ProxyConfig::new(u).tls(true)).expect("proxy");
    let mut sb = crate::support::sandbox();
    sb.goproxy(proxy.goproxy_url());
    sb.ssl_cert_file(proxy.ca_cert_path().unwrap());
    let run = go
        .mod_download(
            &sb,
            sb.work_dir(),
            &["-x"],
            ["example.com/x@v1.0.0", "example.com/x@v9.0.0"],
        )
        .expect("go runs");
    let times = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.starts_with("# get "))
            .map(|l| match l.rfind(" (") {
                Some(i) if l.ends_with("s)") => l[..i].to_string(),
                _ => l.to_string(),
            })
            .collect()
    };
    let go_lines = times(&run.stderr_text());
    let trace = Arc::new(TraceBuffer::default());
    let client = Client::new(ClientConfig {
        trace: Some(trace.clone()),
        retry: RetryPolicy::none(),
        ..env.config(proxy.ca_cert_path())
    })
    .unwrap();
    let base = proxy.goproxy_url();
    env.rt.block_on(async {
        for rel in [
            "example.com/x/@v/v1.0.0.info",
            "example.com/x/@v/v1.0.0.mod",
            "example.com/x/@v/v1.0.0.zip",
            "example.com/x/@v/v9.0.0.info",
        ] {
            let _ = client
                .get_bytes(&url(&format!("{base}/{rel}")), 1 << 20, None)
                .await;
        }
    });
    let mut ours = times(&trace.lines().join("\n"));
    let mut go_sorted = go_lines.clone();
    // go downloads the two modules concurrently: compare as sets of lines.
    ours.sort();
    go_sorted.sort();
    assert_eq!(ours, go_sorted, "go printed:\n{}", run.stderr_text());
}
