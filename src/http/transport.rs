//! Transport failures reported by the HTTP stack, worded like Go's network errors.
//!
//! reqwest (hyper, h2, rustls, the OS) reports failures as a chain of errors; this walks
//! the chain once and turns it into a [`Cause`]: its class (which decides retrying) and
//! a text in the vocabulary of Go's `net`, `crypto/tls` and `net/http` errors, since
//! those texts end up in `-json` `Error` fields. Go names both socket addresses in some
//! of them (`read tcp 127.0.0.1:5678->127.0.0.1:1234: read: connection reset by peer`);
//! we cannot know the local one, so those keep Go's wording without the addresses.
//! This is the only place that inspects foreign error types.

use super::error::{Cause, CauseKind};
use super::gourl::GoUrl;
use std::error::Error as StdError;
use std::io;

/// `host:port` as Go dials it (default port from the scheme).
fn dial_addr(url: &GoUrl) -> String {
    let host = url.host();
    let host = host.as_str();
    let has_port = host.rsplit_once(':').is_some_and(|(h, p)| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with(':')
    });
    if has_port && !(host.starts_with('[') && host.ends_with(']')) {
        host.to_string()
    } else {
        let port = if url.scheme() == "https" { 443 } else { 80 };
        format!("{host}:{port}")
    }
}

fn tls_text(e: &rustls::Error, url: &GoUrl) -> String {
    use rustls::CertificateError as C;
    let x509 = match e {
        // A same-named but different CA is a bad signature to rustls; to Go it is an
        // unknown authority too.
        rustls::Error::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => {
            "x509: certificate signed by unknown authority".to_string()
        }
        rustls::Error::InvalidCertificate(C::NotValidForName)
        | rustls::Error::InvalidCertificate(C::NotValidForNameContext { .. }) => {
            format!("x509: certificate is not valid for {}", url.hostname())
        }
        rustls::Error::InvalidCertificate(C::Expired)
        | rustls::Error::InvalidCertificate(C::ExpiredContext { .. })
        | rustls::Error::InvalidCertificate(C::NotValidYet)
        | rustls::Error::InvalidCertificate(C::NotValidYetContext { .. }) => {
            "x509: certificate has expired or is not yet valid".to_string()
        }
        rustls::Error::InvalidCertificate(other) => format!("x509: {other:?}"),
        other => return format!("remote error: tls: {other}"),
    };
    format!("tls: failed to verify certificate: {x509}")
}

fn h2_cause(e: &h2::Error) -> Cause {
    let reason = e
        .reason()
        .map_or_else(|| "unknown".to_string(), |r| format!("{r:?}"));
    if e.is_go_away() && e.is_remote() {
        return Cause::new(
            CauseKind::Http2,
            format!("http2: server sent GOAWAY and closed the connection; ErrCode={reason}"),
        );
    }
    if e.is_remote() {
        return Cause::new(
            CauseKind::Http2,
            format!("stream error: {reason}; received from peer"),
        );
    }
    if e.reason() == Some(h2::Reason::PROTOCOL_ERROR) && e.is_reset() {
        // h2 resets a stream whose data does not match its content-length.
        return Cause::new(CauseKind::UnexpectedEof, "unexpected EOF");
    }
    Cause::new(CauseKind::Http2, format!("stream error: {reason}"))
}

fn io_cause(e: &io::Error, url: &GoUrl, during_body: bool) -> Option<Cause> {
    let addr = dial_addr(url);
    Some(match e.kind() {
        io::ErrorKind::ConnectionRefused => Cause::new(
            CauseKind::Connect,
            format!("dial tcp {addr}: connect: connection refused"),
        ),
        io::ErrorKind::HostUnreachable => Cause::new(
            CauseKind::Connect,
            format!("dial tcp {addr}: connect: no route to host"),
        ),
        io::ErrorKind::NetworkUnreachable => Cause::new(
            CauseKind::Connect,
            format!("dial tcp {addr}: connect: network is unreachable"),
        ),
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => {
            Cause::new(CauseKind::Reset, "read: connection reset by peer")
        }
        io::ErrorKind::UnexpectedEof if during_body => {
            Cause::new(CauseKind::UnexpectedEof, "unexpected EOF")
        }
        io::ErrorKind::UnexpectedEof => Cause::new(CauseKind::Reset, "EOF"),
        io::ErrorKind::TimedOut => Cause::new(CauseKind::Timeout, "i/o timeout"),
        _ => return None,
    })
}

/// The cause of a reqwest failure for `url`; `during_body` when it happened while
/// reading a body (after the headers arrived).
pub(crate) fn classify(err: &reqwest::Error, url: &GoUrl, during_body: bool) -> Cause {
    let mut texts = Vec::new();
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        texts.push(e.to_string());
        if let Some(t) = e.downcast_ref::<rustls::Error>() {
            return Cause::new(CauseKind::Tls, tls_text(t, url));
        }
        if let Some(h) = e.downcast_ref::<h2::Error>() {
            if let Some(io) = h.get_io()
                && let Some(c) = io_cause(io, url, during_body)
            {
                return c;
            }
            return h2_cause(h);
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>()
            && h.is_incomplete_message()
        {
            return if during_body {
                Cause::new(CauseKind::UnexpectedEof, "unexpected EOF")
            } else {
                Cause::new(CauseKind::Reset, "EOF")
            };
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            if let Some(c) = io_cause(io, url, during_body) {
                return c;
            }
            // io::Error's `source` skips the error it wraps; walk into it instead.
            if let Some(inner) = io.get_ref() {
                next = Some(inner);
                continue;
            }
        }
        next = e.source();
    }
    let all = texts.join(": ");
    if all.contains("dns error") || all.contains("failed to lookup address") {
        return Cause::new(
            CauseKind::Dns,
            format!("dial tcp: lookup {}: no such host", url.hostname()),
        );
    }
    if err.is_timeout() {
        return Cause::new(CauseKind::Timeout, "i/o timeout");
    }
    if err.is_connect() {
        return Cause::new(
            CauseKind::Connect,
            format!(
                "dial tcp {}: {}",
                dial_addr(url),
                texts.last().map_or("", |s| s)
            ),
        );
    }
    if during_body || err.is_body() || err.is_decode() {
        return Cause::new(CauseKind::UnexpectedEof, "unexpected EOF");
    }
    Cause::new(CauseKind::Other, texts.last().cloned().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dial_addresses() {
        let u = |s: &str| GoUrl::parse(s).unwrap();
        assert_eq!(dial_addr(&u("http://127.0.0.1:1/x")), "127.0.0.1:1");
        assert_eq!(dial_addr(&u("https://h/x")), "h:443");
        assert_eq!(dial_addr(&u("http://h/x")), "h:80");
        assert_eq!(dial_addr(&u("https://[::1]:8443/x")), "[::1]:8443");
        assert_eq!(dial_addr(&u("https://[::1]/x")), "[::1]:443");
    }
}
