//! Conformance vectors for `config`: `file_urls.json` (`file://` GOPROXY URLs ↔
//! local paths, Unix and Windows tables, both run here) and `netrc.json`.

use crate::support::{self, Tally, cases, str_of};
use gomodfetch::config::fileurl::{PathStyle, url_from_file_path, url_to_file_path};
use gomodfetch::config::goauth::parse_netrc;
use gomodfetch::config::gourl;
use serde_json::Value;

fn opt<'a>(case: &'a Value, key: &str) -> &'a str {
    case.get(key).and_then(Value::as_str).unwrap_or("")
}

/// URL → path must give `filePath` or fail with exactly `wantErr`; path → URL must
/// give `canonicalURL` (or `url`). A direction whose input is empty is skipped.
fn file_url_table(v: &Value, table: &str, style: PathStyle) {
    let mut tally = Tally::new(format!("file_urls.json/{table}"));
    for (i, case) in cases(v, table).iter().enumerate() {
        let url = opt(case, "url");
        let path = opt(case, "filePath");
        let want_err = opt(case, "wantErr");
        let canonical = match opt(case, "canonicalURL") {
            "" => url,
            c => c,
        };
        if !url.is_empty() {
            tally.check(format!("{table}[{i}] url→path {url:?}"), || {
                let u = gourl::parse(url).map_err(|e| format!("url.Parse: {e}"))?;
                match (url_to_file_path(&u, style), want_err) {
                    (Ok(got), "") if got == path.as_bytes() => Ok(()),
                    (Ok(got), _) => Err(format!(
                        "got path {:?}, want {path:?} / error {want_err:?}",
                        String::from_utf8_lossy(&got)
                    )),
                    (Err(e), w) if e.to_string() == w => Ok(()),
                    (Err(e), _) => Err(format!("got error {e:?}, want {path:?} / {want_err:?}")),
                }
            });
        }
        if !path.is_empty() {
            tally.check(format!("{table}[{i}] path→url {path:?}"), || {
                match (url_from_file_path(path.as_bytes(), style), want_err) {
                    (Ok(u), "") if u.to_string() == canonical => Ok(()),
                    (Ok(u), _) => Err(format!("got {u}, want {canonical:?} / error {want_err:?}")),
                    (Err(e), w) if e.to_string() == w => Ok(()),
                    (Err(e), _) => Err(format!("got error {e}, want {canonical:?}")),
                }
            });
        }
    }
    tally.finish();
}

#[test]
fn file_urls_unix() {
    if let Some(v) = support::vectors("file_urls_unix", "file_urls.json") {
        file_url_table(&v, "unix", PathStyle::Unix);
    }
}

#[test]
fn file_urls_windows() {
    if let Some(v) = support::vectors("file_urls_windows", "file_urls.json") {
        file_url_table(&v, "windows", PathStyle::Windows);
    }
}

#[test]
fn netrc_cases() {
    let Some(v) = support::vectors("netrc_cases", "netrc.json") else {
        return;
    };
    let mut tally = Tally::new("netrc.json/cases");
    for (i, case) in cases(&v, "cases").iter().enumerate() {
        tally.check(format!("cases[{i}]"), || {
            let got: Vec<(String, String, String)> = parse_netrc(str_of(case, "input"))
                .into_iter()
                .map(|e| (e.machine, e.login, e.password))
                .collect();
            let want: Vec<(String, String, String)> = cases(case, "entries")
                .iter()
                .map(|e| {
                    (
                        str_of(e, "machine").to_string(),
                        str_of(e, "login").to_string(),
                        str_of(e, "password").to_string(),
                    )
                })
                .collect();
            if got == want {
                Ok(())
            } else {
                Err(format!("got {got:?}, want {want:?}"))
            }
        });
    }
    tally.finish();
}
