//! Go's `net/url`: parsing, re-serialisation and escaping exactly as the go command
//! does them.
//!
//! GOPROXY entries are validated with Go's `url.Parse`, error messages quote its
//! failures verbatim (`parse "https://[zz]/": invalid host: ParseAddr("zz"): unable to
//! parse IP`), redacted URLs come from `URL.Redacted` and proxy request paths from
//! `URL.EscapedPath`/`PathEscape`. A WHATWG URL library normalises differently
//! (lower-cased hosts, `%2F` handling, IDNA, default ports), so this module mirrors
//! Go's rules instead: same component split, same percent-decoding modes, same
//! `RawPath` bookkeeping, same `String()`.
//!
//! Decoded components (path, host, user info, fragment) are bytes, because `%ff`
//! decodes to a byte that is not UTF-8 and Go keeps it; the raw parts (scheme, opaque,
//! raw query, raw path, raw fragment) are substrings of the input.
//!
//! Not mirrored: the `GODEBUG=urlstrictcolons=0` escape hatch (Go 1.26's default,
//! strict colon handling for http/https hosts, is what we do) and query-value parsing.

mod escape;
mod netip;

pub use escape::{Encoding, path_escape, path_unescape, query_escape};

use crate::gostr::quote;
use escape::{escape, unescape, valid_encoded};

/// A parsed URL: Go's `url.URL`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Url {
    /// Lower-cased scheme, without the `:`.
    pub scheme: String,
    /// Encoded opaque data (`mailto:x`, `file:c:/x`).
    pub opaque: String,
    /// User name and optional password (decoded).
    pub user: Option<Userinfo>,
    /// `host` or `host:port` (decoded).
    pub host: Vec<u8>,
    /// Decoded path.
    pub path: Vec<u8>,
    /// The path as written when its encoding differs from Go's default encoding of
    /// `path`; empty otherwise.
    pub raw_path: String,
    /// The URL had a scheme and a path but no `//` authority (`file:/x`).
    pub omit_host: bool,
    /// A `?` with nothing after it.
    pub force_query: bool,
    /// The encoded query, without `?`.
    pub raw_query: String,
    /// Decoded fragment, without `#`.
    pub fragment: Vec<u8>,
    /// The fragment as written when it differs from Go's default encoding; else empty.
    pub raw_fragment: String,
}

/// User name and password of a URL: Go's `url.Userinfo`. `Debug` hides the
/// password.
#[derive(Clone, PartialEq, Eq)]
pub struct Userinfo {
    pub username: Vec<u8>,
    /// `Some` when the URL carried a `:` in its user info (possibly empty password).
    pub password: Option<Vec<u8>>,
}

impl std::fmt::Debug for Userinfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Userinfo")
            .field("username", &String::from_utf8_lossy(&self.username))
            .field("password", &self.password.as_ref().map(|_| "xxxxx"))
            .finish()
    }
}

impl Userinfo {
    /// Go's `Userinfo.String`: the escaped `user[:password]`.
    pub fn encoded(&self) -> String {
        let mut s = escape(&self.username, Encoding::UserPassword);
        if let Some(p) = &self.password {
            s.push(':');
            s.push_str(&escape(p, Encoding::UserPassword));
        }
        s
    }
}

/// A failed `url.Parse`, displayed as Go's `*url.Error`: `parse "<url>": <reason>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parse {}: {reason}", quote(.url))]
pub struct ParseError {
    /// The text that failed (without its fragment, unless the fragment failed).
    pub url: String,
    pub reason: ParseReason,
}

/// Why a URL did not parse: the texts of Go's `net/url` errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseReason {
    #[error("net/url: invalid control character in URL")]
    ControlCharacter,
    #[error("empty url")]
    Empty,
    #[error("missing protocol scheme")]
    MissingScheme,
    #[error("invalid URI for request")]
    InvalidRequestUri,
    #[error("first path segment in URL cannot contain colon")]
    ColonInFirstSegment,
    #[error("net/url: invalid userinfo")]
    InvalidUserinfo,
    #[error("invalid IP-literal")]
    InvalidIpLiteral,
    #[error("missing ']' in host")]
    MissingBracket,
    /// The text after the host that is not `:digits`.
    #[error("invalid port {} after host", quote(.0))]
    InvalidPort(Vec<u8>),
    /// A bracketed host that `netip.ParseAddr` rejects; the text is its error.
    #[error("invalid host: {0}")]
    InvalidHost(String),
    /// Go's `url.EscapeError`: the bad escape (at most three bytes).
    #[error("invalid URL escape {}", quote(.0))]
    Escape(Vec<u8>),
    /// Go's `url.InvalidHostError`: the offending byte.
    #[error("invalid character {} in host name", quote(.0))]
    HostCharacter(Vec<u8>),
}

/// `url.Parse`: a URL or a reference, with an optional `#fragment`.
pub fn parse(raw: &str) -> Result<Url, ParseError> {
    let (u, frag) = match raw.find('#') {
        Some(i) => (&raw[..i], Some(&raw[i + 1..])),
        None => (raw, None),
    };
    let mut url = parse_inner(u, false).map_err(|reason| ParseError {
        url: u.to_string(),
        reason,
    })?;
    if let Some(frag) = frag.filter(|f| !f.is_empty()) {
        url.set_fragment(frag).map_err(|reason| ParseError {
            url: raw.to_string(),
            reason,
        })?;
    }
    Ok(url)
}

/// `url.ParseRequestURI`: an absolute URL or absolute path, no fragment.
pub fn parse_request_uri(raw: &str) -> Result<Url, ParseError> {
    parse_inner(raw, true).map_err(|reason| ParseError {
        url: raw.to_string(),
        reason,
    })
}

/// `getScheme`: the scheme (possibly empty) and the rest.
fn split_scheme(raw: &str) -> Result<(&str, &str), ParseReason> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err(ParseReason::MissingScheme),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn parse_inner(raw: &str, via_request: bool) -> Result<Url, ParseReason> {
    if raw.bytes().any(|b| b < b' ' || b == 0x7f) {
        return Err(ParseReason::ControlCharacter);
    }
    if raw.is_empty() && via_request {
        return Err(ParseReason::Empty);
    }
    let mut url = Url::default();
    if raw == "*" {
        url.path = b"*".to_vec();
        return Ok(url);
    }
    let (scheme, mut rest) = split_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();

    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        url.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some(i) = rest.find('?') {
        url.raw_query = rest[i + 1..].to_string();
        rest = &rest[..i];
    }

    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            // A scheme and no slash: opaque data (`mailto:x`, `file:c:/x`).
            url.opaque = rest.to_string();
            return Ok(url);
        }
        if via_request {
            return Err(ParseReason::InvalidRequestUri);
        }
        let segment = rest.split('/').next().unwrap_or("");
        if segment.contains(':') {
            return Err(ParseReason::ColonInFirstSegment);
        }
    }

    if (!url.scheme.is_empty() || !via_request && !rest.starts_with("///"))
        && rest.starts_with("//")
    {
        let after = &rest[2..];
        let (authority, path) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        let (user, host) = parse_authority(&url.scheme, authority)?;
        url.user = user;
        url.host = host;
        rest = path;
    } else if !url.scheme.is_empty() && rest.starts_with('/') {
        url.omit_host = true;
    }
    url.set_path(rest)?;
    Ok(url)
}

fn parse_authority(
    scheme: &str,
    authority: &str,
) -> Result<(Option<Userinfo>, Vec<u8>), ParseReason> {
    let at = authority.rfind('@');
    let host = parse_host(scheme, at.map_or(authority, |i| &authority[i + 1..]))?;
    let Some(i) = at else {
        return Ok((None, host));
    };
    let userinfo = &authority[..i];
    if !valid_userinfo(userinfo) {
        return Err(ParseReason::InvalidUserinfo);
    }
    let user = match userinfo.split_once(':') {
        None => Userinfo {
            username: unescape(userinfo, Encoding::UserPassword)?,
            password: None,
        },
        Some((name, pass)) => Userinfo {
            username: unescape(name, Encoding::UserPassword)?,
            password: Some(unescape(pass, Encoding::UserPassword)?),
        },
    };
    Ok((Some(user), host))
}

fn parse_host(scheme: &str, host: &str) -> Result<Vec<u8>, ParseReason> {
    match host.rfind('[') {
        Some(i) if i > 0 => return Err(ParseReason::InvalidIpLiteral),
        Some(_) => return parse_ip_literal(host),
        None => {}
    }
    if let Some(first) = host.find(':') {
        let last = host.rfind(':').unwrap_or(first);
        // Go 1.26 is strict about extra colons in http(s) hosts: the port starts at
        // the first colon there, at the last one for other schemes.
        let i = if scheme == "http" || scheme == "https" {
            first
        } else {
            last
        };
        let port = &host[i..];
        if !valid_optional_port(port) {
            return Err(ParseReason::InvalidPort(port.as_bytes().to_vec()));
        }
    }
    unescape(host, Encoding::Host)
}

/// A host starting with `[`: an IPv6 literal, optional `%25zone`, optional port.
fn parse_ip_literal(host: &str) -> Result<Vec<u8>, ParseReason> {
    let Some(close) = host.rfind(']') else {
        return Err(ParseReason::MissingBracket);
    };
    let colon_port = &host[close + 1..];
    if !valid_optional_port(colon_port) {
        return Err(ParseReason::InvalidPort(colon_port.as_bytes().to_vec()));
    }
    let port = unescape(colon_port, Encoding::Host)?;
    let inner = &host[1..close];
    let mut name = match inner.find("%25") {
        Some(z) => {
            let mut h = unescape(&inner[..z], Encoding::Host)?;
            h.extend(unescape(&inner[z..], Encoding::Zone)?);
            h
        }
        None => unescape(inner, Encoding::Host)?,
    };
    match netip::parse_addr(&name) {
        Err(e) => return Err(ParseReason::InvalidHost(e)),
        Ok(netip::Family::V4) => return Err(ParseReason::InvalidIpLiteral),
        Ok(netip::Family::V6) => {}
    }
    name.insert(0, b'[');
    name.push(b']');
    name.extend(port);
    Ok(name)
}

fn valid_optional_port(port: &str) -> bool {
    match port.strip_prefix(':') {
        _ if port.is_empty() => true,
        Some(digits) => digits.bytes().all(|b| b.is_ascii_digit()),
        None => false,
    }
}

fn valid_userinfo(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c))
}

impl Url {
    /// `setPath`: decodes `p` and remembers it as `raw_path` when Go's default
    /// encoding of the result would differ.
    fn set_path(&mut self, p: &str) -> Result<(), ParseReason> {
        let path = unescape(p, Encoding::Path)?;
        self.raw_path = if escape(&path, Encoding::Path) == p {
            String::new()
        } else {
            p.to_string()
        };
        self.path = path;
        Ok(())
    }

    fn set_fragment(&mut self, f: &str) -> Result<(), ParseReason> {
        let frag = unescape(f, Encoding::Fragment)?;
        self.raw_fragment = if escape(&frag, Encoding::Fragment) == f {
            String::new()
        } else {
            f.to_string()
        };
        self.fragment = frag;
        Ok(())
    }

    /// `URL.EscapedPath`: `raw_path` when it is a valid encoding of `path`, else
    /// Go's default encoding of `path`.
    pub fn escaped_path(&self) -> String {
        if !self.raw_path.is_empty()
            && valid_encoded(&self.raw_path, Encoding::Path)
            && unescape(&self.raw_path, Encoding::Path).is_ok_and(|p| p == self.path)
        {
            return self.raw_path.clone();
        }
        if self.path == b"*" {
            return "*".to_string();
        }
        escape(&self.path, Encoding::Path)
    }

    /// `URL.EscapedFragment`.
    pub fn escaped_fragment(&self) -> String {
        if !self.raw_fragment.is_empty()
            && valid_encoded(&self.raw_fragment, Encoding::Fragment)
            && unescape(&self.raw_fragment, Encoding::Fragment).is_ok_and(|f| f == self.fragment)
        {
            return self.raw_fragment.clone();
        }
        escape(&self.fragment, Encoding::Fragment)
    }

    /// `URL.Redacted`: the URL with any password replaced by `xxxxx`.
    pub fn redacted(&self) -> String {
        match &self.user {
            Some(u) if u.password.is_some() => {
                let mut r = self.clone();
                r.user = Some(Userinfo {
                    username: u.username.clone(),
                    password: Some(b"xxxxx".to_vec()),
                });
                r.to_string()
            }
            _ => self.to_string(),
        }
    }

    /// Whether only the scheme and path (and raw path) are set, as Go requires of a
    /// `file://` proxy URL.
    pub fn is_scheme_and_path_only(&self) -> bool {
        let bare = Url {
            scheme: self.scheme.clone(),
            path: self.path.clone(),
            raw_path: self.raw_path.clone(),
            ..Url::default()
        };
        *self == bare
    }
}

/// `URL.String`.
impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut buf = String::new();
        if !self.scheme.is_empty() {
            buf.push_str(&self.scheme);
            buf.push(':');
        }
        if !self.opaque.is_empty() {
            buf.push_str(&self.opaque);
        } else {
            let has_authority = !self.host.is_empty() || self.user.is_some();
            // `file:/x` (no `//`) prints back without an authority.
            if has_authority || (!self.scheme.is_empty() && !self.omit_host) {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    buf.push_str("//");
                }
                if let Some(u) = &self.user {
                    buf.push_str(&u.encoded());
                    buf.push('@');
                }
                if !self.host.is_empty() {
                    buf.push_str(&escape(&self.host, Encoding::Host));
                }
            }
            let path = self.escaped_path();
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                buf.push('/');
            }
            if buf.is_empty() {
                let segment = path.split('/').next().unwrap_or("");
                if segment.contains(':') {
                    buf.push_str("./");
                }
            }
            buf.push_str(&path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            buf.push('?');
            buf.push_str(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            buf.push('#');
            buf.push_str(&self.escaped_fragment());
        }
        f.write_str(&buf)
    }
}

#[cfg(test)]
mod tests;
