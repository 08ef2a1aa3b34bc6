//! A scriptable HTTP(S) server for the HTTP-client tests: it records each request's
//! headers (the test proxy does not) and answers with whatever a test scripts —
//! reason phrases, content types, redirects to another host name, endless bodies.
//! HTTPS uses a fresh CA whose leaf certificate covers `localhost` and `127.0.0.1`, so
//! one server is two hosts for the credential tests.

#![allow(dead_code)] // Each test uses a different subset.

use bytes::Bytes;
use http_body_util::{BodyExt, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, KeyUsagePurpose, SanType,
};
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_rustls::rustls::{self, pki_types};

/// What the server saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub host: String,
    pub authorization: Option<String>,
    pub version: String,
}

/// A scripted answer.
pub struct Reply {
    pub status: u16,
    pub reason: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

pub enum Body {
    Bytes(Vec<u8>),
    /// `chunk` repeated forever.
    Endless(Vec<u8>),
    /// These bytes, one per `interval`.
    Drip(Vec<u8>, Duration),
}

impl Reply {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            reason: None,
            headers: Vec::new(),
            body: Body::Bytes(body.into()),
        }
    }

    pub fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.into(), v.into()));
        self
    }

    pub fn reason(mut self, r: &str) -> Reply {
        self.reason = Some(r.into());
        self
    }

    pub fn body(mut self, b: Body) -> Reply {
        self.body = b;
        self
    }
}

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

pub struct Server {
    pub addr: SocketAddr,
    pub tls: bool,
    seen: Arc<Mutex<Vec<Seen>>>,
    _dir: tempfile::TempDir,
    pub ca_file: PathBuf,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Server {
    /// `https://127.0.0.1:PORT` (or `http://`).
    pub fn base(&self) -> String {
        format!(
            "{}://127.0.0.1:{}",
            if self.tls { "https" } else { "http" },
            self.addr.port()
        )
    }

    /// The same server under the name `localhost`.
    pub fn base_localhost(&self) -> String {
        format!(
            "{}://localhost:{}",
            if self.tls { "https" } else { "http" },
            self.addr.port()
        )
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn tls_acceptor() -> (tokio_rustls::TlsAcceptor, String) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    leaf.subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    let key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&key, &ca).unwrap();
    let der =
        pki_types::PrivateKeyDer::Pkcs8(pki_types::PrivatePkcs8KeyDer::from(key.serialize_der()));
    let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.der().clone(), ca.der().clone()], der)
    .unwrap();
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    (tokio_rustls::TlsAcceptor::from(Arc::new(cfg)), ca.pem())
}

fn body_of(b: Body) -> BoxBody<Bytes, Infallible> {
    match b {
        Body::Bytes(v) => http_body_util::Full::new(Bytes::from(v)).boxed(),
        Body::Endless(chunk) => {
            let chunk = Bytes::from(chunk);
            channel_body(move |_| Some(chunk.clone()), Duration::ZERO).boxed()
        }
        Body::Drip(bytes, every) => {
            channel_body(move |i| bytes.get(i).map(|b| Bytes::from(vec![*b])), every).boxed()
        }
    }
}

/// A body fed by a generator task, one item per `every`.
struct ChanBody(tokio::sync::mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChanBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|o| o.map(|b| Ok(Frame::data(b))))
    }
}

fn channel_body(
    mut next: impl FnMut(usize) -> Option<Bytes> + Send + 'static,
    every: Duration,
) -> ChanBody {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        let mut i = 0;
        while let Some(b) = next(i) {
            if !every.is_zero() {
                tokio::time::sleep(every).await;
            }
            if tx.send(b).await.is_err() {
                return;
            }
            i += 1;
        }
    });
    ChanBody(rx)
}

async fn serve(
    req: hyper::Request<Incoming>,
    handler: Handler,
    seen: Arc<Mutex<Vec<Seen>>>,
) -> Result<hyper::Response<BoxBody<Bytes, Infallible>>, Infallible> {
    let header = |n: &str| {
        req.headers()
            .get(n)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let s = Seen {
        path: req.uri().path().to_string(),
        host: header("host").unwrap_or_else(|| {
            req.uri()
                .authority()
                .map(|a| a.to_string())
                .unwrap_or_default()
        }),
        authorization: header("authorization"),
        version: format!("{:?}", req.version()),
    };
    seen.lock().unwrap().push(s.clone());
    let reply = handler(&s);
    let mut resp = hyper::Response::new(body_of(reply.body));
    *resp.status_mut() = http::StatusCode::from_u16(reply.status).unwrap();
    for (k, v) in reply.headers {
        resp.headers_mut().append(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            http::HeaderValue::from_str(&v).unwrap(),
        );
    }
    if let Some(r) = reply.reason {
        resp.extensions_mut()
            .insert(hyper::ext::ReasonPhrase::try_from(r.into_bytes()).unwrap());
    }
    Ok(resp)
}

/// Starts a server on the given runtime.
pub fn start(
    rt: &tokio::runtime::Runtime,
    tls: bool,
    handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
) -> Server {
    let handler: Handler = Arc::new(handler);
    let dir = tempfile::tempdir().unwrap();
    let (acceptor, ca) = tls_acceptor();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca).unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let seen2 = seen.clone();
    rt.spawn(async move {
        loop {
            let (sock, _) = tokio::select! {
                r = listener.accept() => match r { Ok(x) => x, Err(_) => continue },
                _ = stopped.changed() => return,
            };
            let (handler, seen, acceptor) = (handler.clone(), seen2.clone(), acceptor.clone());
            tokio::spawn(async move {
                let svc = service_fn(move |req| serve(req, handler.clone(), seen.clone()));
                let builder = auto::Builder::new(TokioExecutor::new());
                if tls {
                    if let Ok(s) = acceptor.accept(sock).await {
                        let _ = builder.serve_connection(TokioIo::new(s), svc).await;
                    }
                } else {
                    let _ = builder.serve_connection(TokioIo::new(sock), svc).await;
                }
            });
        }
    });
    Server {
        addr,
        tls,
        seen,
        _dir: dir,
        ca_file,
        stop,
    }
}
