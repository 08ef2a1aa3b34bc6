//! The test proxy (`gomodfetch::testkit::proxy`): conformance with Go's test proxy
//! (`proxy_modules.json`), hostile requests, each fault kind on the wire, network
//! emulation measured from the request log, and the real `go` against it.

mod cli;
mod client;
mod conformance;
mod faults;
mod hostile;
mod netem;
mod prefixes;
mod sources;
mod transport;
mod with_go;

use crate::support;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh, isolated place to run the real `go` against a test proxy. It is the
/// testproxy tests' only contact with `support`'s go runner, so a change of that API
/// touches this one type.
pub struct GoEnv {
    sandbox: support::Sandbox,
    work: PathBuf,
}

impl GoEnv {
    pub fn new() -> GoEnv {
        let sandbox = support::sandbox();
        let work = sandbox.work_dir();
        GoEnv { sandbox, work }
    }

    /// The directory `go` runs in (empty: no main module unless a test writes one).
    pub fn work(&self) -> &Path {
        &self.work
    }

    /// The module cache `go` fills.
    pub fn gomodcache(&self) -> PathBuf {
        self.sandbox.gomodcache().to_path_buf()
    }

    /// `go` with `GOPROXY=goproxy` (and `SSL_CERT_FILE=ca` when given), `GOSUMDB=off`.
    pub fn command(&mut self, go: &support::Go, goproxy: &str, ca: Option<&Path>) -> Command {
        self.sandbox.goproxy(goproxy);
        if let Some(ca) = ca {
            self.sandbox.ssl_cert_file(ca);
        }
        go.command(&self.sandbox, &self.work)
    }
}

/// Named files: (name, contents).
pub type Files = Vec<(Vec<u8>, Vec<u8>)>;

/// `n` incompressible bytes (xorshift64), so module zips are as big as their files.
pub fn noise(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

/// Go's `h1:` hash of named files (dirhash `Hash1`).
pub fn h1(files: &[(Vec<u8>, Vec<u8>)]) -> String {
    let by_name: std::collections::HashMap<&[u8], &[u8]> = files
        .iter()
        .map(|(n, d)| (n.as_slice(), d.as_slice()))
        .collect();
    gomodfetch::dirhash::hash1(files.iter().map(|(n, _)| n), |name| {
        Ok(std::io::Cursor::new(
            by_name.get(name).copied().unwrap_or_default(),
        ))
    })
    .expect("h1 of in-memory files")
    .as_str()
    .to_string()
}

/// The entries of a zip (names and contents, in central-directory order).
pub fn zip_entries(zip: &[u8]) -> Result<Files, String> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip)).map_err(|e| format!("zip: {e}"))?;
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).map_err(|e| format!("zip entry {i}: {e}"))?;
        let name = f.name_raw().to_vec();
        let mut data = Vec::new();
        f.read_to_end(&mut data)
            .map_err(|e| format!("zip entry {i}: {e}"))?;
        out.push((name, data));
    }
    Ok(out)
}
