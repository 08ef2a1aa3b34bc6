//! A small HTTP client for the test proxy's tests, on hyper's connection-level API so
//! a test sees what happened on the wire: the negotiated protocol, the status, the
//! headers, how much body arrived and how the body ended.

use bytes::Bytes;
use http::{HeaderMap, Request, Version};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls::{self, pki_types};

/// One response as it arrived.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub version: Version,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Set when the body ended in an error (reset, truncation, stream reset).
    pub body_error: Option<String>,
    /// From sending the request to the response headers.
    pub headers_after: Duration,
    /// From sending the request to the end of the body.
    pub total: Duration,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// How to reach the proxy.
#[derive(Clone)]
pub struct Client {
    addr: SocketAddr,
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl Client {
    /// A client for `proxy`; with TLS it trusts the proxy's CA and offers `h2` (when
    /// `h2` is true) and `http/1.1`.
    pub fn new(proxy: &gomodfetch::testkit::proxy::TestProxy, h2: bool) -> Client {
        let tls = proxy.ca_cert_pem().map(|pem| {
            use pki_types::pem::PemObject;
            let mut roots = rustls::RootCertStore::empty();
            for cert in pki_types::CertificateDer::pem_slice_iter(pem.as_bytes()) {
                roots
                    .add(cert.expect("CA PEM parses"))
                    .expect("CA is usable");
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("protocol versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
            cfg.alpn_protocols = if h2 {
                vec![b"h2".to_vec(), b"http/1.1".to_vec()]
            } else {
                vec![b"http/1.1".to_vec()]
            };
            Arc::new(cfg)
        });
        Client {
            addr: proxy.addr(),
            tls,
        }
    }

    /// GETs `path` (e.g. `/mod/rsc.io/quote/@v/list`) on a new connection.
    pub fn get(&self, path: &str) -> Result<Resp, String> {
        self.request("GET", path)
    }

    /// Sends one request on a new connection. `Err` when no response headers came.
    pub fn request(&self, method: &str, path: &str) -> Result<Resp, String> {
        block_on(self.request_async(method, path))
    }

    pub async fn request_async(&self, method: &str, path: &str) -> Result<Resp, String> {
        let mut conn = self.connect().await?;
        conn.send(method, path).await
    }

    /// Sends GETs one after another on one connection.
    pub fn get_on_one_connection(&self, paths: &[&str]) -> Result<Vec<Resp>, String> {
        block_on(async {
            let mut conn = self.connect().await?;
            let mut out = Vec::new();
            for p in paths {
                out.push(conn.send("GET", p).await?);
            }
            Ok(out)
        })
    }

    /// Opens a connection (TCP, TLS with ALPN, HTTP handshake).
    pub async fn connect(&self) -> Result<Conn, String> {
        let tcp = TcpStream::connect(self.addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        match &self.tls {
            None => Conn::handshake(tcp, false, self.addr).await,
            Some(cfg) => {
                let name = pki_types::ServerName::IpAddress(self.addr.ip().into());
                let stream = tokio_rustls::TlsConnector::from(cfg.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(|e| format!("TLS handshake: {e}"))?;
                let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
                Conn::handshake(stream, h2, self.addr).await
            }
        }
    }
}

enum Sender {
    H1(hyper::client::conn::http1::SendRequest<Empty<Bytes>>),
    H2(hyper::client::conn::http2::SendRequest<Empty<Bytes>>),
}

/// One client connection.
pub struct Conn {
    sender: Sender,
    addr: SocketAddr,
}

impl Conn {
    async fn handshake<IO>(io: IO, h2: bool, addr: SocketAddr) -> Result<Conn, String>
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let io = TokioIo::new(io);
        let sender = if h2 {
            let (sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                .await
                .map_err(|e| format!("h2 handshake: {e}"))?;
            tokio::spawn(conn);
            Sender::H2(sender)
        } else {
            let (sender, conn) = hyper::client::conn::http1::handshake(io)
                .await
                .map_err(|e| format!("h1 handshake: {e}"))?;
            tokio::spawn(conn);
            Sender::H1(sender)
        };
        Ok(Conn { sender, addr })
    }

    /// Another handle on the same HTTP/2 connection (for concurrent streams);
    /// `None` for HTTP/1.1.
    pub fn h2_stream(&self) -> Option<Conn> {
        match &self.sender {
            Sender::H2(s) => Some(Conn {
                sender: Sender::H2(s.clone()),
                addr: self.addr,
            }),
            Sender::H1(_) => None,
        }
    }

    /// Sends one request and reads the whole response.
    pub async fn send(&mut self, method: &str, path: &str) -> Result<Resp, String> {
        let addr = self.addr;
        let h2 = matches!(self.sender, Sender::H2(_));
        let req = Request::builder()
            .method(method)
            .uri(if h2 {
                format!("https://{addr}{path}")
            } else {
                path.to_string()
            })
            .header("host", addr.to_string())
            .body(Empty::<Bytes>::new())
            .map_err(|e| format!("request: {e}"))?;
        let start = Instant::now();
        let resp = match &mut self.sender {
            Sender::H1(s) => s.send_request(req).await,
            Sender::H2(s) => s.send_request(req).await,
        }
        .map_err(|e| format!("request failed: {e:?}"))?;
        let headers_after = start.elapsed();
        let (parts, mut body) = resp.into_parts();
        let mut data = Vec::new();
        let mut body_error = None;
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(f) => {
                    if let Some(d) = f.data_ref() {
                        data.extend_from_slice(d);
                    }
                }
                Err(e) => {
                    body_error = Some(format!("{e:?}"));
                    break;
                }
            }
        }
        Ok(Resp {
            status: parts.status.as_u16(),
            version: parts.version,
            headers: parts.headers,
            body: data,
            body_error,
            headers_after,
            total: start.elapsed(),
        })
    }
}

/// Runs a future on a fresh current-thread runtime (cheap, and nothing outlives the
/// call).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("test runtime")
        .block_on(f)
}
