//! TLS trust as the go command has it on Linux (`crypto/x509/root_unix.go`).
//!
//! The roots are: the first readable file of Go's list (`/etc/ssl/certs/ca-certificates.crt`,
//! …), or only `$SSL_CERT_FILE` when set; plus every file in Go's directories
//! (`/etc/ssl/certs`, `/etc/pki/tls/certs`), or only in the `:`-separated
//! `$SSL_CERT_DIR` when set — so setting `SSL_CERT_FILE` alone still leaves the default
//! directories trusted, as in Go. Symlinks to a file in the same directory (OpenSSL's
//! hash links) are skipped; PEM blocks that are not certificates or do not parse are
//! ignored, as `AppendCertsFromPEM` does.
//!
//! The environment is passed in ([`RootSource`], from the config layer's `NetEnv`),
//! never read here. The rustls
//! configuration uses the ring provider and offers HTTP/2 and HTTP/1.1 by ALPN.

use crate::config::netenv::NetEnv;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const CERT_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

const CERT_DIRS: &[&str] = &["/etc/ssl/certs", "/etc/pki/tls/certs"];

/// Where trusted roots come from: the values of `SSL_CERT_FILE` and `SSL_CERT_DIR`
/// (`None` when unset or empty, as for Go).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RootSource {
    pub ssl_cert_file: Option<PathBuf>,
    /// `:`-separated directories.
    pub ssl_cert_dir: Option<OsString>,
}

impl From<&NetEnv> for RootSource {
    fn from(n: &NetEnv) -> RootSource {
        RootSource {
            ssl_cert_file: n.ssl_cert_file.clone(),
            ssl_cert_dir: n.ssl_cert_dir.clone(),
        }
    }
}

impl RootSource {
    /// The certificates Go would trust (DER), in the order found.
    pub fn load(&self) -> Vec<CertificateDer<'static>> {
        let mut certs = Vec::new();
        let files: Vec<PathBuf> = match &self.ssl_cert_file {
            Some(f) => vec![f.clone()],
            None => CERT_FILES.iter().map(PathBuf::from).collect(),
        };
        for f in files {
            if let Ok(data) = std::fs::read(&f) {
                append_pem(&mut certs, &data);
                break;
            }
        }
        let dirs: Vec<PathBuf> = match &self.ssl_cert_dir {
            Some(d) => std::env::split_paths(d).collect(),
            None => CERT_DIRS.iter().map(PathBuf::from).collect(),
        };
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut names: Vec<_> = entries.filter_map(Result::ok).collect();
            names.sort_by_key(|e| e.file_name());
            for e in names {
                if is_same_dir_symlink(&dir, &e) {
                    continue;
                }
                if let Ok(data) = std::fs::read(e.path()) {
                    append_pem(&mut certs, &data);
                }
            }
        }
        certs
    }
}

fn is_same_dir_symlink(dir: &Path, e: &std::fs::DirEntry) -> bool {
    if !e.file_type().is_ok_and(|t| t.is_symlink()) {
        return false;
    }
    std::fs::read_link(dir.join(e.file_name()))
        .is_ok_and(|target| !target.as_os_str().as_encoded_bytes().contains(&b'/'))
}

fn append_pem(out: &mut Vec<CertificateDer<'static>>, data: &[u8]) {
    out.extend(CertificateDer::pem_slice_iter(data).filter_map(Result::ok));
}

/// Why the TLS configuration could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuring TLS: {0}")]
pub struct TlsConfigError(String);

/// A rustls client configuration trusting exactly `roots` (invalid ones skipped),
/// with the ring provider and ALPN `h2`, `http/1.1`.
pub fn client_config(
    roots: &[CertificateDer<'static>],
) -> Result<rustls::ClientConfig, TlsConfigError> {
    let mut store = rustls::RootCertStore::empty();
    store.add_parsable_certificates(roots.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsConfigError(e.to_string()))?
        .with_root_certificates(store)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(cfg)
}

/// Go's `InsecureSkipVerify` (its client for GOINSECURE `https` pages): any
/// certificate chain and name are accepted, while the handshake signatures are
/// still checked against the presented certificate, so the peer holds its key.
pub fn skip_verify_client_config() -> Result<rustls::ClientConfig, TlsConfigError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(AnyCertificate(provider.clone()));
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsConfigError(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(cfg)
}

/// The verifier of [`skip_verify_client_config`].
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_and_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["a.example".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let pem = cert.pem();
        std::fs::write(dir.path().join("one.pem"), format!("junk\n{pem}")).unwrap();
        std::fs::write(dir.path().join("two.pem"), &pem).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("two.pem", dir.path().join("abcd.0")).unwrap();
        let only_file = RootSource {
            ssl_cert_file: Some(dir.path().join("one.pem")),
            ssl_cert_dir: Some(dir.path().join("none").into_os_string()),
        };
        assert_eq!(only_file.load().len(), 1);
        let only_dir = RootSource {
            ssl_cert_file: Some(dir.path().join("missing.pem")),
            ssl_cert_dir: Some(dir.path().as_os_str().to_owned()),
        };
        assert_eq!(only_dir.load().len(), 2, "the hash link is skipped");
        assert!(client_config(&only_dir.load()).is_ok());
    }
}
