//! The three listeners' request handling: the git site (TLS and plain HTTP) and the
//! forward proxy in front of it.
//!
//! The site answers `?go-get=1` requests from the meta rules (see [`super::meta`])
//! and everything else through `git http-backend` (see [`super::cgi`]); it serves
//! any host name the same way, so `<anything>.gomodfetch.test` reaches the same
//! repositories. Paths with `.` or `..` elements or that do not percent-decode are
//! 400.
//!
//! The forward proxy speaks HTTP/1.1 only. `CONNECT <host>:443` with a test host
//! (`gomodfetch.test` or a name under it, unless the test refused TLS for it) is
//! answered 200 and the connection is
//! spliced to the TLS listener; an absolute-form request for `http://<test host>[:80]/…`
//! is served by the site directly as plain HTTP; everything else is 403, so a
//! misconfigured test can never reach the internet.

use super::cgi::{self, BoxBody, CgiRequest};
use super::meta;
use super::{GitRequest, ProxyRecord, State};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::Arc;

/// The test domain: this name and every name under it.
pub const TEST_DOMAIN: &str = "gomodfetch.test";

/// Whether `host` (no port) is the test domain or under it.
pub fn is_test_host(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == TEST_DOMAIN || h.ends_with(&format!(".{TEST_DOMAIN}"))
}

/// `host[:port]` → (host, port).
fn split_host_port(authority: &str) -> (&str, Option<u16>) {
    match authority.rsplit_once(':') {
        Some((h, p)) if !h.contains(']') || h.ends_with(']') => match p.parse() {
            Ok(p) => (h, Some(p)),
            Err(_) => (authority, None),
        },
        _ => (authority, None),
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn has_go_get(query: &str) -> bool {
    query.split('&').any(|kv| kv == "go-get=1")
}

/// The site: one request on the TLS or plain listener (or via the proxy).
pub(crate) async fn site(
    state: Arc<State>,
    scheme: &'static str,
    req: Request<Incoming>,
) -> Result<Response<BoxBody>, Infallible> {
    let host = req
        .uri()
        .host()
        .map(str::to_string)
        .or_else(|| {
            req.headers()
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(|h| split_host_port(h).0.to_string())
        })
        .unwrap_or_default();
    let raw_path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let method = req.method().clone();
    let decoded =
        percent_decode(&raw_path).filter(|p| !p.split('/').any(|e| e == "." || e == ".."));
    let resp = match decoded {
        None => cgi::text(400, "bad path"),
        Some(path) if has_go_get(&query) => meta_reply(&state, &host, &path),
        Some(path)
            if state.unauthorized(
                &path,
                req.headers()
                    .get(http::header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok()),
            ) =>
        {
            let mut r = cgi::text(401, "authentication required");
            r.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"gomodfetch test\""),
            );
            r
        }
        Some(path) => {
            let (parts, body) = req.into_parts();
            let cgi_req = CgiRequest {
                method: &parts.method,
                path_info: &path,
                query: &query,
                headers: &parts.headers,
            };
            cgi::run(&state.backend, &state.root, cgi_req, body).await
        }
    };
    state.log_request(GitRequest {
        method: method.to_string(),
        scheme: scheme.to_string(),
        host,
        path: raw_path,
        query,
        status: resp.status().as_u16(),
    });
    Ok(resp)
}

fn meta_reply(state: &State, host: &str, path: &str) -> Response<BoxBody> {
    let rel = path.trim_start_matches('/');
    let host_path = format!("{host}/{rel}");
    let reply = {
        let overrides = state.meta();
        meta::find_override(&overrides, &host_path).cloned()
    }
    .unwrap_or_else(|| meta::default_reply(&state.root, host, rel));
    let mut r = Response::new(cgi::full(reply.body));
    *r.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    if let Ok(ct) = HeaderValue::from_str(&reply.content_type) {
        r.headers_mut().insert(http::header::CONTENT_TYPE, ct);
    }
    r
}

/// The forward proxy: one request on its listener.
pub(crate) async fn proxy(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<BoxBody>, Infallible> {
    let method = req.method().clone();
    let uri = req.uri();
    let connect = method == Method::CONNECT;
    let allowed = if connect {
        uri.authority().is_some_and(|a| {
            let (h, p) = split_host_port(a.as_str());
            is_test_host(h) && p == Some(443) && !state.tls_refused(h)
        })
    } else {
        uri.scheme_str() == Some("http")
            && uri.host().is_some_and(is_test_host)
            && uri.port_u16().is_none_or(|p| p == 80)
    };
    state.log_proxy(ProxyRecord {
        method: method.to_string(),
        target: uri.to_string(),
        allowed,
    });
    if !allowed {
        return Ok(cgi::text(403, "gomodfetch test proxy: host not allowed"));
    }
    if !connect {
        return site(state, "http", req).await;
    }
    let tls_addr = state.tls_addr;
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            return;
        };
        let Ok(mut server) = tokio::net::TcpStream::connect(tls_addr).await else {
            return;
        };
        let mut client = TokioIo::new(upgraded);
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    });
    Ok(Response::new(cgi::full("")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert!(is_test_host("git.gomodfetch.test"));
        assert!(is_test_host("GOMODFETCH.TEST"));
        assert!(is_test_host("a.b.gomodfetch.test."));
        assert!(!is_test_host("gomodfetch.test.example.com"));
        assert!(!is_test_host("xgomodfetch.test"));
        assert_eq!(split_host_port("h.test:443"), ("h.test", Some(443)));
        assert_eq!(split_host_port("h.test"), ("h.test", None));
        assert_eq!(split_host_port("[::1]:80"), ("[::1]", Some(80)));
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("/a%2Fb").as_deref(), Some("/a/b"));
        assert_eq!(percent_decode("/a%2"), None);
        assert_eq!(percent_decode("/a%zz"), None);
        assert!(has_go_get("go-get=1"));
        assert!(has_go_get("x=1&go-get=1"));
        assert!(!has_go_get("go-get=10"));
    }
}
