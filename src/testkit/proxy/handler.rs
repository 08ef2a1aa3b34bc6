//! One request: route it, pick a fault, wait out the emulated latency, answer.
//!
//! Order of events: the request is counted and given an id; the method and path are
//! checked (only GET and HEAD; else 405) and routed; the fault rules are consulted;
//! the handler sleeps one RTT; then it either carries out a fault that replaces the
//! response (status, reset) or looks the answer up (on a blocking thread, since
//! sources may read files), applies a fault that alters the body (flip-byte,
//! other-zip, wrong-mod), and returns the headers with a body that may misbehave
//! (drip, stall, truncate, resets).

use super::body::{Delivery, Draft, ResponseBody};
use super::faults::{FaultKind, Fired};
use super::log::Outcome;
use super::netem::ConnControl;
use super::route::{Route, decode_path, percent_encode_path, route};
use super::server::State;
use crate::testkit::universe::Endpoint;
use bytes::Bytes;
use http::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use http::{HeaderValue, Method, Request, Response, StatusCode, Version};
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

const TEXT: &str = "text/plain; charset=utf-8";

/// What the proxy answers, before delivery.
struct Reply {
    status: u16,
    content_type: Option<&'static str>,
    extra: Vec<(http::HeaderName, String)>,
    body: Bytes,
}

impl Reply {
    fn text(status: u16, msg: impl Into<String>) -> Reply {
        let mut msg = msg.into();
        if !msg.is_empty() && !msg.ends_with('\n') {
            msg.push('\n');
        }
        Reply {
            status,
            content_type: Some(TEXT),
            extra: Vec::new(),
            body: Bytes::from(msg),
        }
    }

    fn empty(status: u16) -> Reply {
        Reply {
            status,
            content_type: None,
            extra: Vec::new(),
            body: Bytes::new(),
        }
    }
}

/// Per-connection facts a request needs.
pub(crate) struct ConnInfo {
    pub(crate) id: u64,
    pub(crate) tls: bool,
    pub(crate) ctl: Arc<ConnControl>,
}

fn version_name(v: Version) -> &'static str {
    match v {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_11 => "HTTP/1.1",
        Version::HTTP_2 => "HTTP/2",
        Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/?",
    }
}

/// The service function.
pub(crate) async fn handle<B>(
    state: Arc<State>,
    conn: Arc<ConnInfo>,
    req: Request<B>,
) -> Result<Response<ResponseBody>, Infallible> {
    let arrived = Instant::now();
    let id = state.next_request.fetch_add(1, Ordering::Relaxed);
    state.counters.requests.fetch_add(1, Ordering::Relaxed);
    let raw_path = req.uri().path().to_string();
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| raw_path.clone(), |pq| pq.as_str().to_string());
    let decoded = decode_path(&raw_path);
    let method = req.method().clone();
    let header = |name: http::header::HeaderName| {
        req.headers()
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let host = req
        .uri()
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| header(http::header::HOST))
        .unwrap_or_default();
    let authorization = header(http::header::AUTHORIZATION);
    let mut draft = Draft {
        id,
        conn: conn.id,
        method: method.as_str().to_string(),
        target,
        path: decoded.clone().unwrap_or_else(|_| raw_path.clone()),
        http_version: version_name(req.version()).to_string(),
        tls: conn.tls,
        host,
        authorization,
        arrived,
        fault: None,
    };

    let route = if method != Method::GET && method != Method::HEAD {
        None
    } else {
        Some(match &decoded {
            Ok(p) => route(p),
            Err(r) => r.clone(),
        })
    };
    let module = match &route {
        Some(Route::Module { path, endpoint }) => Some((path.clone(), endpoint.clone())),
        _ => None,
    };
    let fired = state
        .faults()
        .decide(&draft.path, module.as_ref().map(|(_, e)| e));
    if let Some(f) = &fired {
        state.counters.faults.fetch_add(1, Ordering::Relaxed);
        draft.fault = Some(f.label.clone());
    }

    if !state.net.rtt.is_zero() {
        tokio::time::sleep(state.net.rtt).await;
    }

    let reply = match (&fired, route) {
        (
            Some(Fired {
                kind: FaultKind::Reset,
                ..
            }),
            _,
        ) => {
            draft.finish(&state, 0, 0, 0, Instant::now(), Outcome::ResetBeforeHeaders);
            state.reset_connection(conn.id, &conn.ctl);
            // The connection task drops the connection, and this future with it.
            return std::future::pending().await;
        }
        (
            Some(Fired {
                kind: FaultKind::Status { code, retry_after },
                ..
            }),
            _,
        ) => {
            // A final response cannot be informational; these statuses carry no body.
            let code = if *code < 200 || *code > 999 {
                500
            } else {
                *code
            };
            let mut r = if matches!(code, 204 | 205 | 304) {
                Reply::empty(code)
            } else {
                Reply::text(code, format!("test proxy fault: status {code}"))
            };
            if let Some(secs) = retry_after {
                r.extra.push((RETRY_AFTER, secs.to_string()));
            }
            r
        }
        (_, None) => {
            let mut r = Reply::text(405, format!("method {method} not allowed"));
            r.extra.push((ALLOW, "GET, HEAD".into()));
            r
        }
        (_, Some(route)) => answer(&state, route).await,
    };
    let reply = match &fired {
        Some(f) if reply.status == 200 => alter_body(&state, reply, &f.kind, module.as_ref()),
        _ => reply,
    };
    let delivery = fired.map_or(Delivery::Whole, |f| delivery_for(&f.kind, reply.body.len()));
    Ok(build_response(
        state,
        conn,
        draft,
        reply,
        delivery,
        method == Method::HEAD,
    ))
}

/// The proxy's answer to a route.
async fn answer(state: &Arc<State>, route: Route) -> Reply {
    let not_found = state.not_found_status;
    match route {
        Route::TooLong => Reply::text(414, "request target too long"),
        Route::BadRequest(msg) => Reply::text(400, msg),
        Route::NotFound(msg) => Reply::text(not_found, msg),
        // Exactly Go's test proxy's body, without a newline.
        Route::Invalid => Reply {
            body: Bytes::from_static(b"invalid"),
            ..Reply::text(200, "")
        },
        Route::Status(code) => Reply::empty(code),
        Route::Redirect(loc) => {
            let mut r = Reply::empty(302);
            r.extra.push((LOCATION, percent_encode_path(&loc)));
            r
        }
        Route::Sumdb { mount, path } => {
            let Some(hook) = state.sumdb.clone() else {
                return Reply::text(
                    not_found,
                    "not found: no checksum database in this test proxy",
                );
            };
            let p = path.clone();
            match tokio::task::spawn_blocking(move || hook.handle(mount, &p)).await {
                Ok(Some(h)) => Reply {
                    status: h.status,
                    content_type: None,
                    extra: vec![(CONTENT_TYPE, h.content_type)],
                    body: h.body,
                },
                Ok(None) => Reply::text(not_found, format!("not found: {path}")),
                Err(e) => Reply::text(500, format!("checksum database hook failed: {e}")),
            }
        }
        Route::Module { path, endpoint } => {
            let universe = state.universe.clone();
            let (p, e) = (path.clone(), endpoint.clone());
            match tokio::task::spawn_blocking(move || universe.get(&p, &e)).await {
                Ok(Ok(Some(body))) => Reply {
                    status: 200,
                    content_type: Some(endpoint.content_type()),
                    extra: Vec::new(),
                    body,
                },
                Ok(Ok(None)) => Reply::text(not_found, not_found_message(&path, &endpoint)),
                Ok(Err(e)) => Reply::text(500, format!("test proxy source error: {e}")),
                Err(e) => Reply::text(500, format!("test proxy source failed: {e}")),
            }
        }
    }
}

/// Messages in the shape real proxies use.
fn not_found_message(path: &str, endpoint: &Endpoint) -> String {
    match endpoint.version() {
        Some(v) => format!("not found: {path}@{v}: invalid version: unknown revision {v}"),
        None => format!("not found: module {path}: no matching versions"),
    }
}

/// Applies a body-altering fault to a successful reply.
fn alter_body(
    state: &State,
    mut reply: Reply,
    kind: &FaultKind,
    module: Option<&(String, Endpoint)>,
) -> Reply {
    match (kind, module) {
        (FaultKind::FlipByte { offset }, _) if !reply.body.is_empty() => {
            let last = reply.body.len() - 1;
            let at = offset.map_or(reply.body.len() / 2, |o| {
                usize::try_from(o).unwrap_or(usize::MAX).min(last)
            });
            let mut b = reply.body.to_vec();
            b[at] ^= 0xff;
            reply.body = Bytes::from(b);
        }
        (FaultKind::OtherZip, Some((path, Endpoint::Zip(v)))) => {
            if let Some(z) = state.universe.other_zip(path, v) {
                reply.body = z;
            }
        }
        (FaultKind::Oversize { bytes }, m) => {
            let unit: &[u8] = match m {
                Some((_, Endpoint::List)) => b"v1.0.0\n",
                _ => b"x",
            };
            let n = usize::try_from(*bytes).unwrap_or(usize::MAX);
            let mut b = unit.repeat(n.div_ceil(unit.len()));
            b.truncate(n);
            reply.body = Bytes::from(b);
        }
        (FaultKind::WrongMod { body }, Some((path, Endpoint::Mod(_)))) => {
            reply.body = body
                .clone()
                .unwrap_or_else(|| Bytes::from(format!("module {path}/wrongmod\n")));
        }
        _ => {}
    }
    reply
}

/// How a fault's body is delivered.
fn delivery_for(kind: &FaultKind, len: usize) -> Delivery {
    let cut = |at: &Option<u64>| at.map_or(len / 2, |a| usize::try_from(a).unwrap_or(usize::MAX));
    match kind {
        FaultKind::Drip { bytes_per_sec } => Delivery::Drip {
            bytes_per_sec: *bytes_per_sec,
        },
        FaultKind::Stall { at, duration } => Delivery::Stall {
            at: cut(at),
            pause: *duration,
        },
        FaultKind::ResetMidBody { at } => Delivery::Reset { at: cut(at) },
        FaultKind::Truncate { at } => Delivery::Truncate { at: cut(at) },
        FaultKind::StreamReset { at } => Delivery::StreamReset { at: cut(at) },
        _ => Delivery::Whole,
    }
}

fn build_response(
    state: Arc<State>,
    conn: Arc<ConnInfo>,
    draft: Draft,
    reply: Reply,
    delivery: Delivery,
    head: bool,
) -> Response<ResponseBody> {
    let len = reply.body.len();
    let body = if head { Bytes::new() } else { reply.body };
    // Only final statuses (a hook could return anything).
    let status = if (200..=999).contains(&reply.status) {
        reply.status
    } else {
        500
    };
    let body = ResponseBody::new(body, delivery, status, state, conn.ctl.clone(), draft);
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    if let Some(ct) = reply.content_type {
        h.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    for (name, value) in reply.extra {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    h.insert(CONTENT_LENGTH, HeaderValue::from(len));
    resp
}
