//! From a request path to what it asks for; pure, total and panic-free on any input.
//!
//! The path is percent-decoded first (a malformed escape, a decoded path that is not
//! UTF-8, or a `.`/`..` segment is a 400; a target over [`MAX_TARGET`] bytes is a
//! 414). Modules live under `/mod/`, as with Go's test proxy; everything else is a 404.
//! Below `/mod/`, the first path element may select one of Go's test-proxy behaviours
//! (conformance README §4.3):
//!
//! | prefix | answer |
//! |---|---|
//! | `invalid/…` | 200 with the body `invalid` |
//! | `<N>/…`, 200 ≤ N ≤ 999 | status N, empty body |
//! | `sumdb-<N>/…` | status N if the rest starts with `/sumdb/`, else the rest is served |
//! | `redirect/<n>/…` | 302 to `/mod/redirect/<n-1>/…`, or to `/mod/…` when n ≤ 1 |
//! | `tohost/<host>:<port>/…` | 302 to `//<host>:<port>/mod/…` (another host name, same scheme) |
//! | `sumdb/<name>/…`, `sumdb-direct/…`, `sumdb-wrong/…` | the checksum-database hook |
//!
//! Then `<esc>/@latest` and `<esc>/@v/{list,<ev>.info,<ev>.mod,<ev>.zip}` with `!`-escaped
//! path and version. A path or version that does not unescape to a valid module path
//! or file-path element is a 404 (as with Go's test proxy, so `go` may fall back to
//! the next proxy), and so is any other file name.

use crate::module;
use crate::testkit::universe::Endpoint;

/// Longest request target answered; longer ones get 414.
pub const MAX_TARGET: usize = 8192;

/// How a checksum-database request reached the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SumdbMount {
    /// `<GOPROXY>/sumdb/<name>/…`: the proxy relaying a database. The path the hook
    /// gets starts with the database name (`localhost.localdev/sumdb/lookup/…`).
    Proxied,
    /// `<GOPROXY>/sumdb-direct/…`: the database itself (`/lookup/…`).
    Direct,
    /// `<GOPROXY>/sumdb-wrong/…`: a database answering wrong hashes (`/lookup/…`).
    Wrong,
}

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// A module file.
    Module { path: String, endpoint: Endpoint },
    /// `/mod/invalid/…`
    Invalid,
    /// `/mod/<N>/…` or `/mod/sumdb-<N>/sumdb/…`
    Status(u16),
    /// A 302 to this location.
    Redirect(String),
    /// For the checksum-database hook.
    Sumdb { mount: SumdbMount, path: String },
    /// 404 (or the configured not-found status) with this message.
    NotFound(String),
    /// 400 with this message.
    BadRequest(String),
    /// 414.
    TooLong,
}

/// Percent-decodes a path; `None` on a malformed escape.
pub(crate) fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hi = (*b.get(i + 1)? as char).to_digit(16)?;
            let lo = (*b.get(i + 2)? as char).to_digit(16)?;
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Escapes what may not appear literally in a URL path (for `Location`).
pub(crate) fn percent_encode_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The decoded path of a request target (without the query), or the route that
/// rejects it.
pub(crate) fn decode_path(raw_path: &str) -> Result<String, Route> {
    if raw_path.len() > MAX_TARGET {
        return Err(Route::TooLong);
    }
    let bytes = percent_decode(raw_path).ok_or_else(|| {
        Route::BadRequest(format!(
            "bad request: malformed percent-escape in {raw_path:?}"
        ))
    })?;
    let path = String::from_utf8(bytes)
        .map_err(|_| Route::BadRequest("bad request: path is not UTF-8".into()))?;
    if path.split('/').any(|seg| seg == "." || seg == "..") {
        return Err(Route::BadRequest(format!(
            "bad request: dot segment in path {path:?}"
        )));
    }
    Ok(path)
}

/// Routes a decoded path.
pub(crate) fn route(path: &str) -> Route {
    let Some(mut rest) = path.strip_prefix("/mod/") else {
        return Route::NotFound(format!("not found: {path}"));
    };
    if rest.starts_with("invalid/") {
        return Route::Invalid;
    }
    if let Some((first, after)) = rest.split_once('/') {
        if let Some(n) = status_number(first) {
            return Route::Status(n);
        }
        if let Some(n) = first.strip_prefix("sumdb-").and_then(status_number) {
            if after.starts_with("sumdb/") {
                return Route::Status(n);
            }
            rest = after;
        }
    }
    if let Some(p) = rest.strip_prefix("sumdb-direct/") {
        return Route::Sumdb {
            mount: SumdbMount::Direct,
            path: format!("/{p}"),
        };
    }
    if let Some(p) = rest.strip_prefix("sumdb-wrong/") {
        return Route::Sumdb {
            mount: SumdbMount::Wrong,
            path: format!("/{p}"),
        };
    }
    if let Some(r) = rest.strip_prefix("redirect/") {
        return match r.split_once('/') {
            Some((n, target)) => match n.parse::<i64>() {
                Ok(n) if n <= 1 => Route::Redirect(format!("/mod/{target}")),
                Ok(n) => Route::Redirect(format!("/mod/redirect/{}/{target}", n - 1)),
                Err(_) => Route::NotFound(format!("not found: bad redirect count {n:?}")),
            },
            None => Route::NotFound(format!("not found: {path}")),
        };
    }
    if let Some(r) = rest.strip_prefix("tohost/") {
        return match r.split_once('/') {
            Some((host, target))
                if !host.is_empty()
                    && host
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b)) =>
            {
                Route::Redirect(format!("//{host}/mod/{target}"))
            }
            _ => Route::NotFound(format!("not found: {path}")),
        };
    }
    if let Some(p) = rest.strip_prefix("sumdb/") {
        return Route::Sumdb {
            mount: SumdbMount::Proxied,
            path: p.to_string(),
        };
    }
    module_route(rest)
}

/// A status-selecting path element: decimal digits naming 200..=999.
fn status_number(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u16>().ok().filter(|n| (200..=999).contains(n))
}

fn module_route(rest: &str) -> Route {
    let not_found = |what: &str| Route::NotFound(format!("not found: {what}"));
    let unescape_path = |enc: &str| {
        module::unescape_path(enc).map_err(|e| Route::NotFound(format!("not found: {e}")))
    };
    if let Some(enc) = rest.strip_suffix("/@latest") {
        return match unescape_path(enc) {
            Ok(path) => Route::Module {
                path,
                endpoint: Endpoint::Latest,
            },
            Err(r) => r,
        };
    }
    let Some((enc, file)) = rest.split_once("/@v/") else {
        return not_found(rest);
    };
    let path = match unescape_path(enc) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if file == "list" {
        return Route::Module {
            path,
            endpoint: Endpoint::List,
        };
    }
    let Some((enc_version, ext)) = file.rsplit_once('.') else {
        return not_found(rest);
    };
    let version = match module::unescape_version(enc_version) {
        Ok(v) => v,
        Err(e) => return Route::NotFound(format!("not found: {e}")),
    };
    let endpoint = match ext {
        "info" => Endpoint::Info(version),
        "mod" => Endpoint::Mod(version),
        "zip" => Endpoint::Zip(version),
        _ => return not_found(rest),
    };
    Route::Module { path, endpoint }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(path: &str, endpoint: Endpoint) -> Route {
        Route::Module {
            path: path.into(),
            endpoint,
        }
    }

    #[test]
    fn module_endpoints() {
        assert_eq!(
            route("/mod/rsc.io/quote/@v/list"),
            m("rsc.io/quote", Endpoint::List)
        );
        assert_eq!(
            route("/mod/rsc.io/quote/@latest"),
            m("rsc.io/quote", Endpoint::Latest)
        );
        assert_eq!(
            route("/mod/rsc.io/!q!u!o!t!e/@v/v1.5.3-!p!r!e.info"),
            m("rsc.io/QUOTE", Endpoint::Info("v1.5.3-PRE".into()))
        );
        assert_eq!(
            route("/mod/rsc.io/breaker/@v/v2.0.0+incompatible.zip"),
            m(
                "rsc.io/breaker",
                Endpoint::Zip("v2.0.0+incompatible".into())
            )
        );
        assert!(matches!(
            route("/mod/rsc.io/Quote/@v/list"),
            Route::NotFound(_)
        ));
        assert!(matches!(
            route("/mod/rsc.io/quote/@v/v1.0.0.tar"),
            Route::NotFound(_)
        ));
        assert!(matches!(
            route("/mod/rsc.io/quote/@v/v1"),
            Route::NotFound(_)
        ));
        assert!(matches!(route("/other"), Route::NotFound(_)));
    }

    #[test]
    fn test_proxy_prefixes() {
        assert_eq!(route("/mod/invalid/x/@v/list"), Route::Invalid);
        assert_eq!(route("/mod/404/x/@v/list"), Route::Status(404));
        assert_eq!(route("/mod/503/x"), Route::Status(503));
        assert!(matches!(route("/mod/199/x/@v/list"), Route::NotFound(_)));
        assert_eq!(
            route("/mod/sumdb-503/sumdb/x/supported"),
            Route::Status(503)
        );
        assert_eq!(
            route("/mod/sumdb-503/rsc.io/quote/@v/list"),
            m("rsc.io/quote", Endpoint::List)
        );
        assert_eq!(
            route("/mod/redirect/3/rsc.io/quote/@v/list"),
            Route::Redirect("/mod/redirect/2/rsc.io/quote/@v/list".into())
        );
        assert_eq!(
            route("/mod/redirect/1/rsc.io/quote/@v/list"),
            Route::Redirect("/mod/rsc.io/quote/@v/list".into())
        );
        assert_eq!(
            route("/mod/tohost/localhost:8080/rsc.io/quote/@v/list"),
            Route::Redirect("//localhost:8080/mod/rsc.io/quote/@v/list".into())
        );
        assert!(matches!(
            route("/mod/tohost/a b/rsc.io/quote/@v/list"),
            Route::NotFound(_)
        ));
        assert_eq!(
            route("/mod/sumdb/localhost.localdev/sumdb/supported"),
            Route::Sumdb {
                mount: SumdbMount::Proxied,
                path: "localhost.localdev/sumdb/supported".into()
            }
        );
        assert_eq!(
            route("/mod/sumdb-direct/lookup/x@v1.0.0"),
            Route::Sumdb {
                mount: SumdbMount::Direct,
                path: "/lookup/x@v1.0.0".into()
            }
        );
    }

    #[test]
    fn decoding() {
        assert_eq!(decode_path("/mod/a/%21b").unwrap(), "/mod/a/!b");
        assert!(matches!(decode_path("/mod/%zz"), Err(Route::BadRequest(_))));
        assert!(matches!(decode_path("/mod/%f"), Err(Route::BadRequest(_))));
        assert!(matches!(decode_path("/mod/%ff"), Err(Route::BadRequest(_))));
        assert!(matches!(
            decode_path("/mod/a/../b"),
            Err(Route::BadRequest(_))
        ));
        assert!(matches!(
            decode_path("/mod/a/%2e%2e/b"),
            Err(Route::BadRequest(_))
        ));
        assert!(matches!(
            decode_path(&"/a".repeat(5000)),
            Err(Route::TooLong)
        ));
        assert_eq!(percent_encode_path("/mod/a b/!x%"), "/mod/a%20b/!x%25");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,80}") {
            if let Ok(p) = decode_path(&s) {
                let _ = route(&p);
            }
            let _ = route(&s);
        }

        #[test]
        fn never_panics_on_proxy_shaped_paths(
            s in "/mod/(redirect/-?[0-9]{0,3}/|sumdb-[0-9]{1,4}/|[0-9]{1,4}/)?[a-zA-Z!.%/_@+-]{0,40}(/@v/(list|[a-zA-Z!.%0-9+-]{0,12}\\.(info|mod|zip))|/@latest)?"
        ) {
            if let Ok(p) = decode_path(&s) {
                let _ = route(&p);
            }
        }
    }
}
