//! The GOPROXY client against the test proxy: every operation over the conformance
//! modules (URLs, `.info` re-encoding, `.mod` and zip hashes, lists, `@latest`), the
//! `,`/`|` walk with Go's ranking, and the error texts compared with what the real
//! `go mod download -json` reports for the same failures on the same proxy.

use crate::net_http::Env;
use crate::support::{self, Tally};
use gomodfetch::config::goproxy::ProxyList;
use gomodfetch::dirhash;
use gomodfetch::http::{ClientConfig, RetryPolicy};
use gomodfetch::proxy::{Proxies, ProxyError, filter_list};
use gomodfetch::testkit::proxy::{FaultKind, FaultRule, ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::{Package, Universe};
use serde_json::Value;
use std::collections::BTreeMap;

const TEST: &str = "net_proxy";

fn proxies(env: &Env, proxy: &TestProxy, goproxy: &str, retry: RetryPolicy) -> Proxies {
    let client = gomodfetch::http::Client::new(ClientConfig {
        retry,
        ..env.config(proxy.ca_cert_path())
    })
    .expect("client");
    let list = ProxyList::parse(goproxy, "").expect("GOPROXY parses");
    Proxies::new(client, list, "")
}

/// What a download of `path@version` gives, as `go mod download` would report it:
/// `.info` (its cache bytes), `.mod`, the zip's h1 — or the error text, with the
/// `<path>@<version>: ` Go adds to errors that carry no module context.
async fn download(
    p: &Proxies,
    path: &str,
    version: &str,
) -> Result<(Vec<u8>, Vec<u8>, String), String> {
    let text = |e: ProxyError| {
        if e.has_module_context() {
            e.to_string()
        } else {
            format!("{path}@{version}: {e}")
        }
    };
    let info = p.stat(path, version).await.map_err(text)?;
    let info_bytes = info.cache_info_bytes().map_err(|e| e.to_string())?;
    let gomod = p.go_mod(path, version).await.map_err(text)?;
    let mut dl = p.zip(path, version).await.map_err(text)?;
    let mut zip = Vec::new();
    loop {
        match dl.chunk().await {
            Ok(Some(c)) => zip.extend_from_slice(&c),
            Ok(None) => break,
            Err(e) => match dl.restart(e).await {
                Ok(()) => zip.clear(),
                Err(e) => return Err(text(e)),
            },
        }
    }
    Ok((info_bytes, gomod, zip_h1(&zip)))
}

fn zip_h1(zip: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("m.zip");
    std::fs::write(&f, zip).expect("write zip");
    dirhash::hash_zip(&f).map_or_else(|e| format!("bad zip: {e}"), |h| h.as_str().to_string())
}

#[test]
fn operations_over_the_conformance_modules() {
    let Some(dir) = support::conformance(TEST, "proxy_modules") else {
        return;
    };
    let Some(facts_path) = support::conformance(TEST, "proxy_modules.json") else {
        return;
    };
    let facts: Value =
        serde_json::from_slice(&std::fs::read(facts_path).expect("read")).expect("json");
    let env = Env::new();
    let proxy =
        TestProxy::start(ProxyConfig::new(Universe::from_txtar_dir(dir).expect("load")).tls(true))
            .expect("proxy");
    let goproxy = proxy.goproxy_url();
    let p = proxies(&env, &proxy, &goproxy, RetryPolicy::none());

    let mut urls = Tally::new("net_proxy/urls");
    let mut stat = Tally::new("net_proxy/stat_cache_info");
    let mut gomod = Tally::new("net_proxy/go_mod_h1");
    let mut zip = Tally::new("net_proxy/zip_h1");
    for m in support::cases(&facts, "modules") {
        if m["served"] != Value::Bool(true) {
            continue;
        }
        let path = support::str_of(m, "path");
        let version = support::str_of(m, "version");
        let label = format!("{path}@{version}");
        let repo = match env
            .rt
            .block_on(p.try_proxies(path, |r| async move { Ok::<_, ProxyError>(r) }))
            .expect("repo")
        {
            gomodfetch::proxy::Repo::Proxy(r) => r,
            gomodfetch::proxy::Repo::Direct(_) => panic!("{path}: a direct repository"),
        };
        for (kind, ext) in [("info", "info"), ("mod", "mod"), ("zip", "zip")] {
            let want = m["proxy_urls"][kind]
                .as_str()
                .map(|u| format!("{goproxy}/{u}"));
            let enc = gomodfetch::module::escape_version(version).expect("escapes");
            let got = repo
                .url_of(&format!("@v/{enc}.{ext}"))
                .unredacted()
                .replace("%21", "!");
            urls.eq(format!("{label} {kind}"), Some(got), want);
        }
        env.rt.block_on(async {
            let got = p.stat(path, version).await;
            stat.check(&label, || {
                match (got, m.get("cache_info").and_then(Value::as_str)) {
                    (Ok(info), Some(want)) => {
                        let b = info.cache_info_bytes().map_err(|e| e.to_string())?;
                        (b == want.as_bytes()).then_some(()).ok_or(format!(
                            "got {:?}, want {want:?}",
                            String::from_utf8_lossy(&b)
                        ))
                    }
                    (Err(e), None) if e.is_not_found() => Ok(()),
                    (got, want) => Err(format!("got {got:?}, want {want:?}")),
                }
            });
            let got = p.go_mod(path, version).await;
            gomod.check(&label, || match (got, m["mod_present"].as_bool()) {
                (Ok(b), Some(true)) => {
                    let h = dirhash::hash_go_mod(&b);
                    (Some(h.as_str()) == m["gomod_h1"].as_str())
                        .then_some(())
                        .ok_or(format!("h1 {h:?}, want {}", m["gomod_h1"]))
                }
                (Err(e), Some(false)) if e.is_not_found() => Ok(()),
                (got, want) => Err(format!("got {got:?}, mod_present {want:?}")),
            });
            let got = download_zip(&p, path, version).await;
            zip.eq(&label, got, m["zip_h1"].as_str().map(str::to_string));
        });
    }
    urls.finish();
    stat.finish();
    gomod.finish();
    zip.finish();

    let mut list = Tally::new("net_proxy/list");
    let mut latest = Tally::new("net_proxy/latest");
    let paths = facts["paths"].as_object().cloned().unwrap_or_default();
    for (path, fact) in &paths {
        env.rt.block_on(async {
            let got = p.list(path, "").await;
            list.check(path, || {
                let body = fact["list_body"].as_str().ok_or("no list_body")?;
                let lines: Vec<String> = body.split('\n').map(str::to_string).collect();
                let got = got.map_err(|e| e.to_string())?;
                if got.lines != lines {
                    return Err(format!("lines {:?}, want {lines:?}", got.lines));
                }
                let want = filter_list(&lines, "");
                (got.versions == want)
                    .then_some(())
                    .ok_or(format!("versions {:?}, want {want:?}", got.versions))
            });
            let got = p.latest(path).await;
            let want = fact["latest_highest"].as_str().filter(|v| !v.is_empty());
            latest.check(path, || match (got, want) {
                (Ok(info), Some(want)) => (info.version == want)
                    .then_some(())
                    .ok_or(format!("got {}, want {want}", info.version)),
                (Err(_), None) => Ok(()),
                (got, want) => Err(format!("got {got:?}, want {want:?}")),
            });
        });
    }
    list.finish();
    latest.finish();
}

async fn download_zip(p: &Proxies, path: &str, version: &str) -> Option<String> {
    let mut dl = p.zip(path, version).await.ok()?;
    let mut zip = Vec::new();
    while let Some(c) = dl.chunk().await.ok()? {
        zip.extend_from_slice(&c);
    }
    Some(zip_h1(&zip))
}

/// A failure scenario: GOPROXY relative to the proxy base (`{P}` is replaced), and the
/// modules to download.
struct Scenario {
    goproxy: &'static str,
    modules: Vec<&'static str>,
}

fn scenarios() -> Vec<Scenario> {
    let s = |goproxy, modules: &[&'static str]| Scenario {
        goproxy,
        modules: modules.to_vec(),
    };
    vec![
        s(
            "{P}",
            &[
                "example.com/ok@v1.0.0",
                "example.com/ok@v1.9.9",
                "example.com/missing@v1.0.0",
                "example.com/Upper/Missing@v1.0.0-RC1",
                "example.com/ok@v0.0.0-20200101000000-abcdefabcdef",
                "example.com/f/info500@v1.0.0",
                "example.com/f/info403@v1.0.0",
                "example.com/f/info410@v1.0.0",
                "example.com/f/info429@v1.0.0",
                "example.com/f/info502@v1.0.0",
                "example.com/f/infoteapot@v1.0.0",
                "example.com/f/inforeset@v1.0.0",
                "example.com/f/wrongversion@v1.0.0",
                "example.com/f/badjson1@v1.0.0",
                "example.com/f/badjson2@v1.0.0",
                "example.com/f/badjson3@v1.0.0",
                "example.com/f/badjson4@v1.0.0",
                "example.com/f/badjson5@v1.0.0",
                "example.com/f/badjson6@v1.0.0",
                "example.com/f/nomod@v1.0.0",
                "example.com/f/nozip@v1.0.0",
                "example.com/f/zip500@v1.0.0",
                "example.com/f/ziptruncate@v1.0.0",
                "example.com/f/zipreset@v1.0.0",
                "example.com/ok@master",
                "example.com/ok@v0.0.0-20190101000000-abcdefabcdef",
            ],
        ),
        s("{P}/404,{P}/410,{P}", &["example.com/ok@v1.0.0"]),
        s("{P}/500,{P}", &["example.com/ok@v1.0.0"]),
        s("{P}/500|{P}", &["example.com/ok@v1.0.0"]),
        s("{P}/404|{P}/500|{P}/403", &["example.com/ok@v1.0.0"]),
        s("{P}/403,{P}/404", &["example.com/ok@v1.0.0"]),
        s("{P}/404,{P}/410", &["example.com/ok@v1.0.0"]),
        s("{P}/404,off", &["example.com/ok@v1.0.0"]),
        s("off", &["example.com/ok@v1.0.0"]),
        s("{P}/invalid", &["example.com/ok@v1.0.0"]),
        s("{P}/redirect/3", &["example.com/ok@v1.0.0"]),
        s("{P}/redirect/11", &["example.com/ok@v1.0.0"]),
        s(
            "file:///nonexistent/gomodfetch-proxy",
            &["example.com/ok@v1.0.0"],
        ),
        s("http://127.0.0.1:1/mod", &["example.com/ok@v1.0.0"]),
        s("http://user:pw@127.0.0.1:1/mod", &["example.com/ok@v1.0.0"]),
        s("{P}/sumdb-500", &["example.com/ok@v1.0.0"]),
    ]
}

fn universe() -> Universe {
    let u = Universe::new();
    let filler: String = (0..300).map(|i| format!("// line {i}\n")).collect();
    let plain = |path: &str| {
        Package::new(path, "v1.0.0")
            .file("x.go", format!("package x\n{filler}"))
            .publish(&u);
    };
    for p in [
        "example.com/ok",
        "example.com/f/info500",
        "example.com/f/info403",
        "example.com/f/info410",
        "example.com/f/info429",
        "example.com/f/info502",
        "example.com/f/infoteapot",
        "example.com/f/inforeset",
        "example.com/f/zip500",
        "example.com/f/ziptruncate",
        "example.com/f/zipreset",
    ] {
        plain(p);
    }
    Package::new("example.com/ok", "v0.0.0-20200101000000-abcdefabcdef").publish(&u);
    Package::new("example.com/f/wrongversion", "v1.0.0")
        .raw_info(r#"{"Version":"v1.0.1","Time":"2020-01-01T00:00:00Z"}"#)
        .publish(&u);
    for (i, body) in [
        "not json",
        r#"{"Version":"v1.0.0","Time":"yesterday"}"#,
        r#"{"Version":5}"#,
        "{\"Version\":\"v1.0.0\"",
        r#"{"Version":"v1.0.0","Time":12}"#,
        "{\"Version\":\"v1.0.0\"}\n{}",
    ]
    .iter()
    .enumerate()
    {
        Package::new(format!("example.com/f/badjson{}", i + 1), "v1.0.0")
            .raw_info(*body)
            .publish(&u);
    }
    Package::new("example.com/f/nomod", "v1.0.0")
        .no_mod()
        .publish(&u);
    Package::new("example.com/f/nozip", "v1.0.0")
        .no_zip()
        .publish(&u);
    u
}

fn faults() -> Vec<FaultRule> {
    let f = |p: &str, k: FaultKind| FaultRule::new(format!("*/example.com/f/{p}"), k);
    vec![
        f("info500/@v/v1.0.0.info", FaultKind::status(500)),
        f("info403/@v/v1.0.0.info", FaultKind::status(403)),
        f("info410/@v/v1.0.0.info", FaultKind::status(410)),
        f("info429/@v/v1.0.0.info", FaultKind::status(429)),
        f("info502/@v/v1.0.0.info", FaultKind::status(502)),
        f(
            "infoteapot/@v/v1.0.0.info",
            FaultKind::Status {
                code: 418,
                retry_after: None,
            },
        ),
        f("inforeset/@v/v1.0.0.info", FaultKind::Reset),
        f("zip500/@v/v1.0.0.zip", FaultKind::status(500)),
        f(
            "ziptruncate/@v/v1.0.0.zip",
            FaultKind::Truncate { at: None },
        ),
        f(
            "zipreset/@v/v1.0.0.zip",
            FaultKind::ResetMidBody { at: None },
        ),
    ]
}

/// Go's text for transport failures names the local socket address, which differs on
/// every connection; both sides are compared with it removed.
fn stable(s: &str) -> String {
    let mut out = s.to_string();
    while let Some(i) = out.find("read tcp ") {
        let Some(j) = out[i..].find(": read: ") else {
            break;
        };
        out.replace_range(i..i + j + 2, "");
    }
    out
}

/// Whether two error texts say the same: equal once socket addresses are removed, or
/// both a body that broke at the same URL where Go itself is racy. Over TLS a body
/// cut short by the proxy reaches Go either as `unexpected EOF` or, when the proxy's
/// closing of the connection wins the race, as a connection reset.
fn same_error(ours: &str, go: &str) -> bool {
    let (o, g) = (stable(ours), stable(go));
    if o == g {
        return true;
    }
    let broken = ["unexpected EOF", "read: connection reset by peer"];
    let split = |s: &str| {
        s.rsplit_once("\": ")
            .map(|(a, b)| (a.to_string(), b.to_string()))
    };
    match (split(&o), split(&g)) {
        (Some((oa, ob)), Some((ga, gb))) => {
            oa == ga
                && oa.contains(" read \"")
                && broken.contains(&ob.as_str())
                && broken.contains(&gb.as_str())
        }
        _ => false,
    }
}

#[test]
fn error_texts_match_go() {
    let Some(go) = support::go("error_texts_match_go") else {
        return;
    };
    let env = Env::new();
    for tls in [false, true] {
        let mut config = ProxyConfig::new(universe()).tls(tls);
        for f in faults() {
            config = config.fault(f);
        }
        let proxy = TestProxy::start(config).expect("proxy");
        let mut tally = Tally::new(format!(
            "net_proxy/error_texts_vs_go{}",
            if tls { "_https" } else { "" }
        ));
        for sc in scenarios() {
            let goproxy = sc.goproxy.replace("{P}", &proxy.goproxy_url());
            let mut sb = support::sandbox();
            sb.goproxy(&goproxy);
            if let Some(ca) = proxy.ca_cert_path() {
                sb.ssl_cert_file(ca);
            }
            let run = go
                .mod_download(&sb, sb.work_dir(), &["-json"], &sc.modules)
                .expect("go runs");
            let records = run
                .download_records()
                .unwrap_or_else(|e| panic!("{e}: {run}"));
            let by_arg: BTreeMap<String, _> = records
                .into_iter()
                .map(|r| {
                    (
                        format!(
                            "{}@{}",
                            r.path.clone().unwrap_or_default(),
                            r.version.clone().unwrap_or_default()
                        ),
                        r,
                    )
                })
                .collect();
            let p = proxies(&env, &proxy, &goproxy, RetryPolicy::none());
            for arg in &sc.modules {
                let (path, version) = arg.split_once('@').expect("path@version");
                let ours = env.rt.block_on(download(&p, path, version));
                let label = format!("GOPROXY={} {arg}", sc.goproxy);
                if std::env::var_os("NET_PROXY_SHOW").is_some() {
                    eprintln!(
                        "{label}\n  ours {ours:?}\n  go   {:?}",
                        by_arg.get(*arg).map(|r| &r.error)
                    );
                }
                tally.check(&label, || {
                    let rec = by_arg
                        .get(*arg)
                        .ok_or_else(|| format!("go printed no record: {run}"))?;
                    match (&ours, &rec.error) {
                        (Err(o), Some(g)) if same_error(o, g) => Ok(()),
                        (Ok((_, _, h1)), None) if rec.sum.as_deref() == Some(h1.as_str()) => Ok(()),
                        (o, g) => Err(format!(
                            "\n  ours: {o:?}\n  go:   {g:?} (sum {:?})",
                            rec.sum
                        )),
                    }
                });
            }
        }
        tally.finish();
    }
}

#[test]
fn retries_make_transient_failures_succeed_where_go_fails() {
    let env = Env::new();
    // Plain HTTP: over https Go's own second request for a 4xx would absorb the fault.
    let mut config = ProxyConfig::new(universe());
    for f in faults() {
        config = config.fault(f.times(1));
    }
    let proxy = TestProxy::start(config).expect("proxy");
    let p = proxies(
        &env,
        &proxy,
        &proxy.goproxy_url(),
        RetryPolicy::immediate(3),
    );
    let mut tally = Tally::new("net_proxy/transient_faults_retried");
    for path in [
        "example.com/f/info500",
        "example.com/f/info429",
        "example.com/f/info502",
        "example.com/f/inforeset",
        "example.com/f/zip500",
        "example.com/f/ziptruncate",
        "example.com/f/zipreset",
    ] {
        let got = env.rt.block_on(download(&p, path, "v1.0.0"));
        tally.check(path, || got.map(|_| ()));
    }
    for path in ["example.com/f/info403", "example.com/f/info410"] {
        let got = env.rt.block_on(download(&p, path, "v1.0.0"));
        tally.check(path, || match got {
            Err(e) if !e.contains("attempts") => Ok(()),
            other => Err(format!("{other:?}")),
        });
    }
    tally.finish();
}

#[test]
fn direct_entries_fail_clearly() {
    let env = Env::new();
    let proxy = TestProxy::start(ProxyConfig::new(universe())).expect("proxy");
    let client = gomodfetch::http::Client::new(env.config(None)).expect("client");
    let base = proxy.goproxy_url();
    let run = |goproxy: &str, gonoproxy: &str, path: &str| {
        let list = ProxyList::parse(goproxy, gonoproxy).expect("parses");
        let p = Proxies::new(client.clone(), list, gonoproxy);
        env.rt.block_on(p.stat(path, "v1.0.0"))
    };
    let err = run(&format!("{base}/404,direct"), "", "example.com/ok").unwrap_err();
    assert_eq!(
        err.to_string(),
        "direct version-control fetching (GOPROXY=direct, GONOPROXY, GOPRIVATE) is not supported yet"
    );
    assert!(!err.is_not_found() && !err.has_module_context());
    let err = run(&base, "example.com/private", "example.com/private/x").unwrap_err();
    assert!(
        err.to_string().starts_with("direct version-control"),
        "{err}"
    );
    assert!(run(&base, "example.com/private", "example.com/ok").is_ok());
    let err = run("off", "example.com/private", "example.com/ok").unwrap_err();
    assert_eq!(err.to_string(), "module lookup disabled by GOPROXY=off");
}

#[test]
fn zip_with_walks_on_after_a_broken_body_only_with_pipe() {
    let env = Env::new();
    let broken = TestProxy::start(
        ProxyConfig::new(universe())
            .fault(FaultRule::new("*.zip", FaultKind::Truncate { at: None })),
    )
    .expect("proxy");
    let good = TestProxy::start(ProxyConfig::new(universe())).expect("proxy");
    let client = gomodfetch::http::Client::new(ClientConfig {
        retry: RetryPolicy::none(),
        ..env.config(None)
    })
    .expect("client");
    for (sep, ok) in [("|", true), (",", false)] {
        let goproxy = format!("{}{sep}{}", broken.goproxy_url(), good.goproxy_url());
        let p = Proxies::new(client.clone(), ProxyList::parse(&goproxy, "").unwrap(), "");
        let got = env
            .rt
            .block_on(p.zip_with("example.com/ok", "v1.0.0", |mut dl| async move {
                let mut n = 0;
                while let Some(c) = dl.chunk().await? {
                    n += c.len();
                }
                Ok(n)
            }));
        match got {
            Ok(n) => assert!(ok && n > 0, "{sep}: {n}"),
            Err(e) => {
                assert!(!ok, "{sep}: {e}");
                assert!(e.to_string().ends_with(": unexpected EOF"), "{e}");
            }
        }
    }
}

#[test]
fn oversized_zips_are_refused() {
    let env = Env::new();
    let server = crate::net_server::start(&env.rt, false, |_| {
        crate::net_server::Reply::new(200, "")
            .body(crate::net_server::Body::Endless(vec![0; 1 << 20]))
    });
    let client = gomodfetch::http::Client::new(env.config(None)).expect("client");
    let list = ProxyList::parse(&server.base(), "").unwrap();
    let p = Proxies::new(client, list, "");
    let start = std::time::Instant::now();
    let err = env
        .rt
        .block_on(
            p.zip_with("example.com/big", "v1.0.0", |mut dl| async move {
                while dl.chunk().await?.is_some() {}
                Ok(())
            }),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "example.com/big@v1.0.0: downloaded zip file too large"
    );
    eprintln!("refusing a 500 MiB+ zip took {:?}", start.elapsed());
}

/// A module cache's `cache/download` tree as a `file://` GOPROXY: what go filled is
/// served back, pseudo-versions are left out of lists, and missing files read as Go
/// words them.
#[test]
fn gomodcache_download_tree_as_file_proxy() {
    let Some(go) = support::go("gomodcache_download_tree_as_file_proxy") else {
        return;
    };
    let env = Env::new();
    let proxy = TestProxy::start(ProxyConfig::new(universe())).expect("proxy");
    let mut filled = support::sandbox();
    filled.goproxy(proxy.goproxy_url());
    let mods = [
        "example.com/ok@v1.0.0",
        "example.com/ok@v0.0.0-20200101000000-abcdefabcdef",
    ];
    let run = go
        .mod_download(&filled, filled.work_dir(), &["-json"], mods)
        .expect("go");
    assert!(run.success(), "{run}");
    let sums: BTreeMap<String, String> = run
        .download_records()
        .expect("records")
        .into_iter()
        .map(|r| (r.version.unwrap_or_default(), r.sum.unwrap_or_default()))
        .collect();
    let goproxy = format!(
        "file://{}",
        filled.gomodcache().join("cache/download").display()
    );
    let p = proxies(&env, &proxy, &goproxy, RetryPolicy::none());
    for m in mods {
        let (path, version) = m.split_once('@').unwrap();
        let (_, _, h1) = env.rt.block_on(download(&p, path, version)).expect(m);
        assert_eq!(Some(&h1), sums.get(version), "{m}");
    }
    let list = env.rt.block_on(p.list("example.com/ok", "")).expect("list");
    assert_eq!(list.versions, ["v1.0.0"]);
    assert!(
        list.lines.iter().any(|l| l.starts_with("v0.0.0-")),
        "{:?}",
        list.lines
    );
    let latest = env.rt.block_on(p.latest("example.com/ok")).expect("latest");
    assert_eq!(
        latest.version, "v0.0.0-20200101000000-abcdefabcdef",
        "no @latest file: newest by time"
    );

    let mut reader = support::sandbox();
    reader.goproxy(&goproxy);
    let run = go
        .mod_download(
            &reader,
            reader.work_dir(),
            &["-json"],
            ["example.com/ok@v1.9.9"],
        )
        .expect("go");
    let go_err = run.download_records().expect("records")[0].error.clone();
    let ours = env
        .rt
        .block_on(download(&p, "example.com/ok", "v1.9.9"))
        .unwrap_err();
    assert_eq!(Some(ours), go_err);
}
