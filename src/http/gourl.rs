//! URLs as the go command builds, edits and prints them for requests.
//!
//! Parsing, escaping and printing are Go's `net/url`, from the config layer's port
//! ([`crate::config::gourl`]); this adds what requests need: the proxy path edits of
//! `modfetch` (`Path`/`RawPath` appends and `path.Join`, so `!` travels as `%21`),
//! redirect resolution (`URL.Parse(ref)`), and the three printed forms — `String()`
//! only for sending ([`GoUrl::unredacted`]), `Redacted()` for every message and log
//! ([`GoUrl::redacted`], also `Display` and `Debug`), and net/http's `stripPassword`
//! inside `Get "<url>"` errors ([`GoUrl::password_stripped`]).

use crate::config::gourl::{self, Url, Userinfo};
use crate::modzip::slashpath;
use std::fmt;

pub use gourl::ParseError as UrlParseError;

/// A URL (Go's `url.URL`) whose credentials cannot leak by accident.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct GoUrl(Url);

impl fmt::Debug for GoUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GoUrl({:?})", self.redacted().as_str())
    }
}

/// `Display` is Go's `URL.Redacted()`.
impl fmt::Display for GoUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.redacted().as_str())
    }
}

/// A URL string with any password replaced by `xxxxx` (Go's `URL.Redacted()`): the
/// only form of a URL that appears in messages and logs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RedactedUrl(pub(crate) String);

impl RedactedUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedactedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The go command's `pathEscape` (modfetch/proxy.go): `url.PathEscape` keeping `/`.
pub fn proxy_path_escape(s: &str) -> String {
    gourl::path_escape(s).replace("%2F", "/")
}

/// Go's `path.Join` of two elements.
fn join_path(a: &[u8], b: &[u8]) -> Vec<u8> {
    slashpath::join(&[a, b])
}

/// Go's `URL.setPath`: decodes `p`, keeping it as `RawPath` when Go's default encoding
/// of the result differs.
fn set_path(u: &mut Url, p: &str) -> Result<(), gourl::ParseReason> {
    let path = gourl::path_unescape(p)?;
    let default = Url {
        path: path.clone(),
        ..Url::default()
    }
    .escaped_path();
    u.raw_path = if default == p {
        String::new()
    } else {
        p.to_string()
    };
    u.path = path;
    Ok(())
}

impl GoUrl {
    /// Go's `url.Parse`.
    pub fn parse(raw: &str) -> Result<GoUrl, UrlParseError> {
        gourl::parse(raw).map(GoUrl)
    }

    /// Wraps a parsed URL.
    pub fn from_url(u: Url) -> GoUrl {
        GoUrl(u)
    }

    /// The URL's fields.
    pub fn as_url(&self) -> &Url {
        &self.0
    }

    /// Go's `URL.String()`, credentials included: only for sending the request.
    pub fn unredacted(&self) -> String {
        self.0.to_string()
    }

    /// Go's `URL.Redacted()`.
    pub fn redacted(&self) -> RedactedUrl {
        RedactedUrl(self.0.redacted())
    }

    /// net/http's `stripPassword` (the URL in a client error): the password as `***`.
    pub fn password_stripped(&self) -> String {
        let s = self.0.to_string();
        match &self.0.user {
            Some(u) if u.password.is_some() => s.replacen(
                &format!("{}@", u.encoded()),
                &format!("{}:***@", String::from_utf8_lossy(&u.username)),
                1,
            ),
            _ => s,
        }
    }

    pub fn scheme(&self) -> &str {
        &self.0.scheme
    }

    /// `host` or `host:port`, as Go's `URL.Host`.
    pub fn host(&self) -> String {
        String::from_utf8_lossy(&self.0.host).into_owned()
    }

    /// Go's `URL.Hostname()`.
    pub fn hostname(&self) -> String {
        let host = self.host();
        let mut h = host.as_str();
        if let Some(c) = h.rfind(':')
            && h[c + 1..].bytes().all(|b| b.is_ascii_digit())
        {
            h = &h[..c];
        }
        h.strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
            .unwrap_or(h)
            .to_string()
    }

    pub fn has_user_info(&self) -> bool {
        self.0.user.is_some()
    }

    /// The user name and password (if one is set), for Basic authentication.
    pub fn credentials(&self) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
        self.0
            .user
            .as_ref()
            .map(|Userinfo { username, password }| (username.clone(), password.clone()))
    }

    /// A copy without user info.
    pub fn without_user_info(&self) -> GoUrl {
        GoUrl(Url {
            user: None,
            ..self.0.clone()
        })
    }

    /// Whether the URL is exactly `scheme:` + path (Go's check for `file://` proxies).
    pub fn is_scheme_and_path_only(&self) -> bool {
        self.0.is_scheme_and_path_only()
    }

    /// `newProxyRepo`'s append of an escaped module path: `Path = trimSuffix(Path, "/")
    /// + "/" + p` and `RawPath = trimSuffix(RawPath, "/") + "/" + pathEscape(p)`.
    pub fn with_appended_module_path(&self, escaped_module_path: &str) -> GoUrl {
        let mut u = self.0.clone();
        let mut path = u.path.strip_suffix(b"/").unwrap_or(&u.path).to_vec();
        path.push(b'/');
        path.extend_from_slice(escaped_module_path.as_bytes());
        let raw = u.raw_path.strip_suffix('/').unwrap_or(&u.raw_path);
        u.raw_path = format!("{raw}/{}", proxy_path_escape(escaped_module_path));
        u.path = path;
        GoUrl(u)
    }

    /// `proxyRepo.getBody`'s target: `Path = path.Join(Path, rel)` and
    /// `RawPath = path.Join(RawPath, pathEscape(rel))`.
    pub fn joined(&self, rel: &str) -> GoUrl {
        let mut u = self.0.clone();
        u.path = join_path(&self.0.path, rel.as_bytes());
        let raw = join_path(
            self.0.raw_path.as_bytes(),
            proxy_path_escape(rel).as_bytes(),
        );
        u.raw_path = String::from_utf8_lossy(&raw).into_owned();
        GoUrl(u)
    }

    /// Go's `URL.Parse(ref)`: a redirect's `Location` resolved against this URL
    /// (`ResolveReference`).
    pub fn resolve(&self, reference: &str) -> Result<GoUrl, UrlParseError> {
        let base = &self.0;
        let r = gourl::parse(reference)?;
        let fail = |reason| UrlParseError {
            url: reference.to_string(),
            reason,
        };
        let mut url = r.clone();
        if r.scheme.is_empty() {
            url.scheme = base.scheme.clone();
        }
        if !r.scheme.is_empty() || !r.host.is_empty() || r.user.is_some() {
            set_path(&mut url, &resolve_path(&r.escaped_path(), "")).map_err(fail)?;
            return Ok(GoUrl(url));
        }
        if !r.opaque.is_empty() {
            url.user = None;
            url.host.clear();
            url.path.clear();
            return Ok(GoUrl(url));
        }
        if r.path.is_empty() && !r.force_query && r.raw_query.is_empty() {
            url.raw_query = base.raw_query.clone();
            if r.fragment.is_empty() {
                url.fragment = base.fragment.clone();
                url.raw_fragment = base.raw_fragment.clone();
            }
        }
        if r.path.is_empty() && !base.opaque.is_empty() {
            url.opaque = base.opaque.clone();
            url.user = None;
            url.host.clear();
            url.path.clear();
            return Ok(GoUrl(url));
        }
        url.host = base.host.clone();
        url.user = base.user.clone();
        let p = resolve_path(&base.escaped_path(), &r.escaped_path());
        set_path(&mut url, &p).map_err(fail)?;
        Ok(GoUrl(url))
    }
}

/// Go's `resolvePath` (RFC 3986 §5.2.4 dot-segment removal).
fn resolve_path(base: &str, reference: &str) -> String {
    let full = if reference.is_empty() {
        base.to_string()
    } else if !reference.starts_with('/') {
        let i = base.rfind('/').map_or(0, |i| i + 1);
        format!("{}{reference}", &base[..i])
    } else {
        reference.to_string()
    };
    if full.is_empty() {
        return String::new();
    }
    let mut dst = String::from("/");
    let mut first = true;
    let mut last = "";
    for elem in full.split('/') {
        last = elem;
        match elem {
            "." => first = false,
            ".." => {
                match dst[1..].rfind('/') {
                    Some(i) => dst.truncate(i + 1),
                    None => dst.truncate(1),
                }
                first = dst.len() == 1;
            }
            _ => {
                if !first {
                    dst.push('/');
                }
                dst.push_str(elem);
                first = false;
            }
        }
    }
    if last == "." || last == ".." {
        dst.push('/');
    }
    if dst.len() > 1 && dst.as_bytes()[1] == b'/' {
        return dst[1..].to_string();
    }
    dst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction() {
        let u = GoUrl::parse("https://user:secret@h/p").unwrap();
        assert_eq!(u.redacted().as_str(), "https://user:xxxxx@h/p");
        assert_eq!(u.password_stripped(), "https://user:***@h/p");
        assert_eq!(u.unredacted(), "https://user:secret@h/p");
        assert_eq!(u.to_string(), "https://user:xxxxx@h/p");
        assert!(!format!("{u:?}").contains("secret"));
        assert_eq!(GoUrl::parse("https://[::1]:8/x").unwrap().hostname(), "::1");
    }

    #[test]
    fn proxy_paths() {
        let base = GoUrl::parse("http://127.0.0.1:1/mod/").unwrap();
        let m = base.with_appended_module_path("github.com/!azure/go-autorest");
        assert_eq!(
            m.unredacted(),
            "http://127.0.0.1:1/mod/github.com/%21azure/go-autorest"
        );
        let t = m.joined("@v/v1.0.0-!r!c1.info");
        assert_eq!(
            t.unredacted(),
            "http://127.0.0.1:1/mod/github.com/%21azure/go-autorest/@v/v1.0.0-%21r%21c1.info"
        );
        let enc = GoUrl::parse("https://h/a%2Fb").unwrap();
        let t = enc.with_appended_module_path("x.com/m").joined("@v/list");
        assert_eq!(t.unredacted(), "https://h/a%2Fb/x.com/m/@v/list");
        let t = GoUrl::parse("https://h")
            .unwrap()
            .with_appended_module_path("x.com/m")
            .joined("@latest");
        assert_eq!(t.unredacted(), "https://h/x.com/m/@latest");
    }

    #[test]
    fn resolve_references() {
        let u = GoUrl::parse("http://h:1/mod/redirect/3/x").unwrap();
        let r = |s: &str| u.resolve(s).unwrap().unredacted();
        assert_eq!(r("/mod/y"), "http://h:1/mod/y");
        assert_eq!(r("z"), "http://h:1/mod/redirect/3/z");
        assert_eq!(r("https://o/p"), "https://o/p");
        assert_eq!(r("../q?x=1"), "http://h:1/mod/redirect/q?x=1");
        assert_eq!(r("/a%2Fb"), "http://h:1/a%2Fb");
        assert!(u.resolve("http://[::1").is_err());
    }
}
