//! The test checksum database (`gomodfetch::testkit::sumdb`): Go's test-proxy tree
//! reproduced from `proxy_modules.json` → `test_sumdb` (`conformance`), the endpoints
//! over HTTP through the test proxy (`http`), and the real `go` against it, honest and
//! in every tamper mode, with go's exact messages (`with_go`); the binary's `--sumdb`
//! options (`cli`).

mod cli;
mod conformance;
mod http;
mod with_go;

use gomodfetch::module;
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::sumdb::{Tamper, TestSumdb, Trigger};
use gomodfetch::testkit::universe::Universe;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;

/// A running proxy with a checksum database.
pub struct Served {
    pub proxy: TestProxy,
    pub db: Arc<TestSumdb>,
}

/// Starts a proxy over the txtar modules of `dir` with a database in `tamper` mode
/// (honest when `None`).
pub fn serve(dir: &Path, tamper: Option<Tamper>, trigger: Trigger) -> Served {
    let universe = Universe::from_txtar_dir(dir).expect("loading the fixtures");
    let mut b = TestSumdb::builder(&universe).trigger(trigger);
    if let Some(t) = tamper {
        b = b.tamper(t);
    }
    let db = b.build().expect("building the database");
    let proxy =
        TestProxy::start(ProxyConfig::new(universe).sumdb(db.clone())).expect("starting the proxy");
    Served { proxy, db }
}

/// `<esc>@<ev>`, the lookup key in URLs and cache file names.
pub fn escaped(path: &str, version: &str) -> String {
    format!(
        "{}@{}",
        module::escape_path(path).expect("valid path"),
        module::escape_version(version).expect("valid version")
    )
}

/// A plain HTTP/1.1 GET on a new connection: status and body.
pub fn get(addr: SocketAddr, path: &str) -> (u16, Vec<u8>) {
    let mut target = String::new();
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b) {
            target.push(b as char);
        } else {
            target.push_str(&format!("%{b:02X}"));
        }
    }
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, raw[split + 4..].to_vec())
}
