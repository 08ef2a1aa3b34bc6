//! The test proxy (`gomodfetch::testkit::proxy`): conformance with Go's test proxy
//! (`proxy_modules.json`), hostile requests, each fault kind on the wire, network
//! emulation measured from the request log, and the real `go` against it.

mod client;
mod conformance;
mod faults;
mod hostile;
mod netem;
mod transport;
mod with_go;

use base64::Engine;
use sha2::{Digest, Sha256};

/// Named files: (name, contents).
pub type Files = Vec<(Vec<u8>, Vec<u8>)>;

/// Go's `h1:` hash of named files (dirhash `Hash1`); a stand-in until the crate's
/// `dirhash` lands on main.
pub fn h1(files: &[(Vec<u8>, Vec<u8>)]) -> String {
    let mut sorted: Vec<&(Vec<u8>, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut summary = Vec::new();
    for (name, data) in sorted {
        for b in Sha256::digest(data).iter() {
            summary.extend_from_slice(format!("{b:02x}").as_bytes());
        }
        summary.extend_from_slice(b"  ");
        summary.extend_from_slice(name);
        summary.push(b'\n');
    }
    let digest = Sha256::digest(&summary);
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(digest.as_slice())
    )
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
