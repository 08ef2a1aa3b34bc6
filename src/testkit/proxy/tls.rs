//! The per-run certificate authority and the TLS server configuration.
//!
//! Each proxy generates a fresh CA (ECDSA P-256, with rcgen and ring) and a leaf
//! certificate for `localhost` and `127.0.0.1` signed by it; nothing is reused across
//! runs, so no key ever lands in the repository. Clients trust the proxy through the
//! CA's PEM file (`SSL_CERT_FILE` for `go`). ALPN offers `h2` (unless HTTP/2 is off)
//! and `http/1.1`; TLS 1.2 and 1.3 are both enabled, with the ring provider.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types};

/// A ready TLS acceptor and the CA certificate that clients must trust.
pub(crate) struct TlsSetup {
    pub(crate) acceptor: TlsAcceptor,
    pub(crate) ca_pem: String,
}

fn tls_err(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("test proxy TLS setup: {what}: {e}"))
}

/// Generates the CA and leaf and builds the server configuration.
pub(crate) fn setup(http2: bool) -> io::Result<TlsSetup> {
    setup_for(
        "gomodfetch test proxy",
        &["localhost"],
        &[
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ],
        http2,
    )
}

/// Like [`setup`], with a leaf named `common_name` that is valid for the DNS names
/// `dns` (wildcards such as `*.example.test` allowed) and the addresses `ips`; used
/// by the test git server for its test host names.
pub(crate) fn setup_for(
    common_name: &str,
    dns: &[&str],
    ips: &[IpAddr],
    http2: bool,
) -> io::Result<TlsSetup> {
    let mut ca_params =
        CertificateParams::new(Vec::<String>::new()).map_err(|e| tls_err("CA", e))?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "gomodfetch test proxy CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().map_err(|e| tls_err("CA key", e))?;
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).map_err(|e| tls_err("CA", e))?;

    let names: Vec<String> = dns.iter().map(|n| (*n).to_string()).collect();
    let mut leaf_params = CertificateParams::new(names).map_err(|e| tls_err("leaf", e))?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    leaf_params
        .subject_alt_names
        .extend(ips.iter().map(|ip| SanType::IpAddress(*ip)));
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let leaf_key = KeyPair::generate().map_err(|e| tls_err("leaf key", e))?;
    let leaf = leaf_params
        .signed_by(&leaf_key, &ca)
        .map_err(|e| tls_err("signing the leaf", e))?;

    let key = pki_types::PrivateKeyDer::Pkcs8(pki_types::PrivatePkcs8KeyDer::from(
        leaf_key.serialize_der(),
    ));
    let chain = vec![leaf.der().clone(), ca.der().clone()];
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err("protocol versions", e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| tls_err("certificate", e))?;
    config.alpn_protocols = if http2 {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(TlsSetup {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        ca_pem: ca.pem(),
    })
}
