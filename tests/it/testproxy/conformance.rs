//! The proxy serving `proxy_modules/` answers exactly what `proxy_modules.json` says
//! Go's test proxy answers: every module's `.info`, `.mod` and `.zip` (by content,
//! `h1` of go.mod, zip entry names and `h1` of the zip), which files are not served,
//! every path's `@v/list`, and `@latest` in both modes.

use super::client::Client;
use super::{h1, zip_entries};
use crate::support::{self, Tally};
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::{LatestMode, Universe};
use serde_json::Value;

const TEST: &str = "testproxy::conformance";

/// Go writes `!` as `%21` in request paths; the proxy must accept both spellings.
fn go_style(url: &str) -> String {
    url.replace('!', "%21")
}

fn get(client: &Client, rel: &str) -> Result<(u16, Vec<u8>), String> {
    let r = client.get(&format!("/mod/{rel}"))?;
    if let Some(e) = r.body_error {
        return Err(format!("GET {rel}: body error {e}"));
    }
    Ok((r.status, r.body))
}

fn want_status(got: (u16, Vec<u8>), want: u16, what: &str) -> Result<Vec<u8>, String> {
    if got.0 == want {
        Ok(got.1)
    } else {
        Err(format!(
            "{what}: status {}, want {want} (body {:?})",
            got.0,
            String::from_utf8_lossy(&got.1)
        ))
    }
}

fn check_module(client: &Client, m: &Value, loaded: &[(String, String)]) -> Result<(), String> {
    let s = |k: &str| m.get(k).and_then(Value::as_str);
    let file = s("file").unwrap_or("?");
    if m.get("served").and_then(Value::as_bool) != Some(true) {
        if loaded
            .iter()
            .any(|(p, v)| Some(p.as_str()) == s("path") && Some(v.as_str()) == s("version"))
        {
            return Err(format!("{file} is not served upstream but was loaded"));
        }
        if let (Some(ep), Some(ev)) = (s("escaped_path"), s("escaped_version")) {
            for ext in ["info", "mod", "zip"] {
                let got = get(client, &format!("{ep}/@v/{ev}.{ext}"))?;
                want_status(got, 404, &format!("unserved .{ext}"))?;
            }
        }
        return Ok(());
    }
    let urls = m.get("proxy_urls").ok_or("no proxy_urls")?;
    let url = |k: &str| {
        urls.get(k)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("no proxy_urls.{k}"))
    };

    // .info: verbatim, or 404 without an .info section.
    let got = get(client, &go_style(url("info")?))?;
    match m.get("info").and_then(Value::as_str) {
        Some(info) => {
            let body = want_status(got, 200, ".info")?;
            if body != info.as_bytes() {
                return Err(format!(
                    ".info {:?}, want {info:?}",
                    String::from_utf8_lossy(&body)
                ));
            }
        }
        None => {
            want_status(got, 404, ".info")?;
        }
    }

    // .mod: its h1 as a go.mod file, or 404 without a .mod section.
    let got = get(client, url("mod")?)?;
    if m.get("mod_present").and_then(Value::as_bool) == Some(true) {
        let body = want_status(got, 200, ".mod")?;
        let got_h1 = h1(&[(b"go.mod".to_vec(), body)]);
        let want = s("gomod_h1").ok_or("no gomod_h1")?;
        if got_h1 != want {
            return Err(format!(".mod h1 {got_h1}, want {want}"));
        }
    } else {
        want_status(got, 404, ".mod")?;
    }

    // .zip: entry names in order and h1.
    let body = want_status(get(client, &go_style(url("zip")?))?, 200, ".zip")?;
    let entries = zip_entries(&body)?;
    let names: Vec<String> = entries
        .iter()
        .map(|(n, _)| String::from_utf8_lossy(n).into_owned())
        .collect();
    let want_names: Vec<String> = support::cases(m, "zip_entries")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    if names != want_names {
        return Err(format!("zip entries {names:?}, want {want_names:?}"));
    }
    let got_h1 = h1(&entries);
    let want = s("zip_h1").ok_or("no zip_h1")?;
    if got_h1 != want {
        return Err(format!("zip h1 {got_h1}, want {want}"));
    }

    // Listed in @v/list or not.
    let list_url = url("info")?
        .rsplit_once("/@v/")
        .map(|(p, _)| format!("{p}/@v/list"))
        .ok_or("odd info url")?;
    let list = want_status(get(client, &list_url)?, 200, "list")?;
    let version = s("version").ok_or("no version")?;
    let listed = String::from_utf8_lossy(&list).lines().any(|l| l == version);
    let want_listed = m.get("listed_in_list").and_then(Value::as_bool) == Some(true);
    if listed != want_listed {
        return Err(format!("listed in @v/list: {listed}, want {want_listed}"));
    }
    Ok(())
}

/// `@latest` must answer the `.info` of `want` (404 when `want` is empty).
fn check_latest(
    client: &Client,
    facts: &Value,
    modules: &[Value],
    want: &str,
) -> Result<(), String> {
    let url = facts
        .get("latest_url")
        .and_then(Value::as_str)
        .ok_or("no latest_url")?;
    let got = get(client, url)?;
    if want.is_empty() {
        want_status(got, 404, "@latest")?;
        return Ok(());
    }
    let path = facts.get("escaped_path").and_then(Value::as_str);
    let info = modules
        .iter()
        .find(|m| {
            m.get("escaped_path").and_then(Value::as_str) == path
                && m.get("version").and_then(Value::as_str) == Some(want)
        })
        .and_then(|m| m.get("info"))
        .and_then(Value::as_str);
    match info {
        Some(info) => {
            let body = want_status(got, 200, "@latest")?;
            if body == info.as_bytes() {
                Ok(())
            } else {
                Err(format!(
                    "@latest {:?}, want {info:?} ({want})",
                    String::from_utf8_lossy(&body)
                ))
            }
        }
        None => want_status(got, 404, "@latest (version without .info)").map(|_| ()),
    }
}

#[test]
fn proxy_modules_json() {
    let Some(dir) = support::conformance(TEST, "proxy_modules") else {
        return;
    };
    let Some(json) = support::conformance(TEST, "proxy_modules.json") else {
        return;
    };
    let facts: Value = serde_json::from_slice(&std::fs::read(json).expect("read json"))
        .expect("parse proxy_modules.json");
    let universe = Universe::new();
    let load = universe.add_txtar_dir(&dir).expect("load proxy_modules");
    let proxy = TestProxy::start(ProxyConfig::new(universe.clone())).expect("start proxy");
    let client = Client::new(&proxy, false);
    let modules = support::cases(&facts, "modules");

    let mut t = Tally::new("proxy_modules.json/modules");
    for m in modules {
        let label = m.get("file").and_then(Value::as_str).unwrap_or("?");
        t.check(label, || check_module(&client, m, &load.loaded));
    }
    t.finish();

    let paths = facts
        .get("paths")
        .and_then(Value::as_object)
        .expect("paths{}");
    let mut t = Tally::new("proxy_modules.json/paths list");
    for (path, p) in paths {
        t.check(path, || {
            let url = p
                .get("list_url")
                .and_then(Value::as_str)
                .ok_or("no list_url")?;
            let body = want_status(get(&client, &go_style(url))?, 200, "list")?;
            let want = p
                .get("list_body")
                .and_then(Value::as_str)
                .ok_or("no list_body")?;
            if body == want.as_bytes() {
                Ok(())
            } else {
                Err(format!(
                    "list {:?}, want {want:?}",
                    String::from_utf8_lossy(&body)
                ))
            }
        });
    }
    t.finish();

    for (mode, key) in [
        (LatestMode::Highest, "latest_highest"),
        (LatestMode::GoTestProxy, "latest_go_test_proxy"),
    ] {
        universe.set_latest_mode(mode);
        let mut t = Tally::new(format!("proxy_modules.json/paths {key}"));
        for (path, p) in paths {
            t.check(path, || {
                let want = p
                    .get(key)
                    .and_then(Value::as_str)
                    .ok_or("no latest answer")?;
                check_latest(&client, p, modules, want)
            });
        }
        t.finish();
    }
}

#[test]
fn unknown_paths_and_versions_are_not_found() {
    let Some(dir) = support::conformance(TEST, "proxy_modules") else {
        return;
    };
    let universe = Universe::from_txtar_dir(&dir).expect("load");
    let proxy = TestProxy::start(ProxyConfig::new(universe.clone())).expect("start");
    let client = Client::new(&proxy, false);
    for rel in [
        "example.com/nonexistent/@v/list",
        "example.com/nonexistent/@latest",
        "rsc.io/quote/@v/v9.9.9.info",
        "rsc.io/quote/@v/v9.9.9.mod",
        "rsc.io/quote/@v/v9.9.9.zip",
        "rsc.io/quote/@v/v1.5.2.tgz",
        "rsc.io/quote/@x/list",
    ] {
        let r = client.get(&format!("/mod/{rel}")).expect(rel);
        assert_eq!(r.status, 404, "{rel}: {}", r.text());
        assert_eq!(
            r.header("content-type"),
            Some("text/plain; charset=utf-8"),
            "{rel}"
        );
        assert!(r.text().starts_with("not found: "), "{rel}: {}", r.text());
    }
    drop(proxy);

    let proxy = TestProxy::start(ProxyConfig::new(universe).gone_for_not_found()).expect("start");
    let r = Client::new(&proxy, false)
        .get("/mod/rsc.io/quote/@v/v9.9.9.info")
        .expect("get");
    assert_eq!(r.status, 410);
}
