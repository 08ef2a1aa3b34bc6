//! Smart HTTP through the real `git http-backend`, run as a CGI program per request.
//!
//! The child gets a clean environment: `GIT_PROJECT_ROOT` (the server's root),
//! `GIT_HTTP_EXPORT_ALL` (serve every repository, no `git-daemon-export-ok` files),
//! the CGI variables `REQUEST_METHOD`, `PATH_INFO` (percent-decoded), `QUERY_STRING`,
//! `CONTENT_TYPE`, `CONTENT_LENGTH` (when sent; without it the backend reads to
//! end of input, which is how chunked bodies pass), `REMOTE_ADDR`, `SERVER_PROTOCOL`,
//! `GATEWAY_INTERFACE`, and every request header as `HTTP_<NAME>` (the backend needs
//! `HTTP_GIT_PROTOCOL` for protocol v2 and `HTTP_CONTENT_ENCODING` for gzip bodies);
//! plus `PATH` and no system or global git configuration.
//!
//! The request body streams into the child's stdin on a task of its own while its
//! stdout is read, so neither side can block the other. The CGI header block
//! (`Status:` and the other header lines, up to the empty line) becomes the response
//! status and headers; the rest streams out as the body. A backend that cannot start
//! or prints no valid header block is a 502.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode};
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// Where Debian and most Linux distributions install the backend.
pub const DEFAULT_BACKEND: &str = "/usr/lib/git-core/git-http-backend";

/// A response body fed from a channel (the backend's stdout).
pub(crate) struct ChannelBody(mpsc::Receiver<io::Result<Bytes>>);

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.0.poll_recv(cx).map(|o| o.map(|r| r.map(Frame::data)))
    }
}

pub(crate) type BoxBody = http_body_util::combinators::BoxBody<Bytes, io::Error>;

/// A complete in-memory body.
pub(crate) fn full(bytes: impl Into<Bytes>) -> BoxBody {
    http_body_util::Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// A plain-text reply.
pub(crate) fn text(status: u16, msg: &str) -> Response<BoxBody> {
    let mut r = Response::new(full(format!("{msg}\n")));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// What the CGI call needs from the request.
pub(crate) struct CgiRequest<'a> {
    pub method: &'a Method,
    pub path_info: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
}

/// Runs the backend for one request and returns its response (body streaming).
pub(crate) async fn run<B>(
    backend: &Path,
    root: &Path,
    req: CgiRequest<'_>,
    body: B,
) -> Response<BoxBody>
where
    B: Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Send,
    B::Error: std::fmt::Display,
{
    let mut cmd = tokio::process::Command::new(backend);
    cmd.env_clear()
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", root)
        .env("REQUEST_METHOD", req.method.as_str())
        .env("PATH_INFO", req.path_info)
        .env("QUERY_STRING", req.query)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("GATEWAY_INTERFACE", "CGI/1.1");
    if let Some(p) = std::env::var_os("PATH") {
        cmd.env("PATH", p);
    }
    for (name, value) in req.headers {
        let Ok(v) = value.to_str() else { continue };
        match name.as_str() {
            "content-type" => {
                cmd.env("CONTENT_TYPE", v);
            }
            "content-length" => {
                cmd.env("CONTENT_LENGTH", v);
            }
            _ => {}
        }
        let var = format!(
            "HTTP_{}",
            name.as_str().to_ascii_uppercase().replace('-', "_")
        );
        cmd.env(var, v);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return text(502, &format!("starting {}: {e}", backend.display())),
    };
    if let Some(mut stdin) = child.stdin.take() {
        tokio::spawn(async move {
            let mut body = body;
            while let Some(frame) = body.frame().await {
                let Ok(frame) = frame else { break };
                if let Ok(data) = frame.into_data()
                    && stdin.write_all(&data).await.is_err()
                {
                    break;
                }
            }
            let _ = stdin.shutdown().await;
        });
    }
    let (Some(stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return text(502, "git http-backend: no pipes");
    };
    tokio::spawn(async move {
        // Drained so the child never blocks on a full stderr pipe.
        let mut sink = Vec::new();
        let _ = stderr.read_to_end(&mut sink).await;
    });
    let mut out = BufReader::new(stdout);
    let mut status = StatusCode::OK;
    let mut headers = HeaderMap::new();
    loop {
        let mut line = Vec::new();
        match out.read_until(b'\n', &mut line).await {
            Ok(0) => return text(502, "git http-backend: no header block"),
            Ok(_) => {}
            Err(e) => return text(502, &format!("git http-backend: {e}")),
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return text(502, &format!("git http-backend: bad header line {line:?}"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let code = value.split(' ').next().and_then(|c| c.parse::<u16>().ok());
            status = code
                .and_then(|c| StatusCode::from_u16(c).ok())
                .unwrap_or(StatusCode::BAD_GATEWAY);
        } else if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.trim().as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(n, v);
        }
    }
    let (tx, rx) = mpsc::channel(8);
    tokio::spawn(async move {
        let mut child = child;
        loop {
            let mut buf = vec![0u8; 32 * 1024];
            match out.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => {
                    buf.truncate(n);
                    if tx.send(Ok(Bytes::from(buf))).await.is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    break;
                }
            }
        }
        let _ = child.wait().await;
    });
    let mut resp = Response::new(ChannelBody(rx).boxed());
    *resp.status_mut() = status;
    *resp.headers_mut() = headers;
    resp
}
