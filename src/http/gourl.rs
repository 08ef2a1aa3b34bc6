//! URLs as Go's `net/url` parses, edits and prints them.
//!
//! Every URL the go command prints (`reading <url>: 404 Not Found`, `-x` lines, the
//! `invalid response from proxy "<url>"` base) is `URL.String()` or `URL.Redacted()`
//! of a URL built with `net/url`'s rules: `Path` unescaped, `RawPath` kept only when it
//! is a valid encoding of `Path`, escaping per component (`!` is escaped in paths, so a
//! case-escaped module path travels as `%21`). [`GoUrl`] reproduces those rules, so our
//! messages and our request lines are Go's.
//!
//! Credentials never leak through this type by accident: `Display` prints the redacted
//! form (`https://user:xxxxx@host/…`, Go's `Redacted`), and the full text is only
//! available through [`GoUrl::unredacted`], which the HTTP client uses to send.

use std::fmt;

/// Go's `url.URL` (the fields the go command uses).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct GoUrl {
    scheme: String,
    opaque: String,
    user: Option<UserInfo>,
    host: String,
    /// Unescaped; may be any bytes.
    path: Vec<u8>,
    raw_path: String,
    force_query: bool,
    raw_query: String,
    fragment: Vec<u8>,
    raw_fragment: String,
    omit_host: bool,
}

#[derive(Clone, PartialEq, Eq)]
struct UserInfo {
    username: Vec<u8>,
    password: Option<Vec<u8>>,
}

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

/// Go's `*url.Error` from `url.Parse`: `parse "<url>": <reason>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parse {}: {reason}", crate::gostr::quote(.url))]
pub struct UrlParseError {
    url: String,
    reason: String,
}

impl UrlParseError {
    /// The reason without the `parse "<url>": ` frame.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    PathSegment,
    Host,
    Zone,
    UserPassword,
    Fragment,
}

/// Go's `shouldEscape`.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Mode::Host | Mode::Zone)
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Mode::Path => c == b'?',
            Mode::PathSegment => matches!(c, b'/' | b';' | b',' | b'?'),
            Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
            Mode::Fragment => false,
            Mode::Host | Mode::Zone => true,
        },
        b'!' | b'(' | b')' | b'*' if mode == Mode::Fragment => false,
        _ => true,
    }
}

fn unhex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

/// Go's `unescape` (no `+` handling: no query components are unescaped here).
fn unescape(s: &str, mode: Mode) -> Result<Vec<u8>, String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                if i + 2 >= b.len()
                    || !b[i + 1].is_ascii_hexdigit()
                    || !b[i + 2].is_ascii_hexdigit()
                {
                    return Err(format!(
                        "invalid URL escape {}",
                        crate::gostr::quote(&b[i..(i + 3).min(b.len())])
                    ));
                }
                let esc = &b[i..i + 3];
                if mode == Mode::Host && unhex(b[i + 1]) < 8 && esc != b"%25" {
                    return Err(format!("invalid URL escape {}", crate::gostr::quote(esc)));
                }
                if mode == Mode::Zone {
                    let v = unhex(b[i + 1]) << 4 | unhex(b[i + 2]);
                    if esc != b"%25" && v != b' ' && should_escape(v, Mode::Host) {
                        return Err(format!("invalid URL escape {}", crate::gostr::quote(esc)));
                    }
                }
                i += 3;
            }
            c => {
                if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape(c, mode) {
                    return Err(format!(
                        "invalid character {} in host name",
                        crate::gostr::quote([c])
                    ));
                }
                i += 1;
            }
        }
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(unhex(b[i + 1]) << 4 | unhex(b[i + 2]));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// Go's `escape`.
fn escape(s: &[u8], mode: Mode) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &c in s {
        if should_escape(c, mode) {
            out.push('%');
            out.push(char::from(HEX[usize::from(c >> 4)]));
            out.push(char::from(HEX[usize::from(c & 15)]));
        } else {
            out.push(char::from(c));
        }
    }
    out
}

/// Go's `url.PathEscape`.
pub fn path_escape(s: &str) -> String {
    escape(s.as_bytes(), Mode::PathSegment)
}

/// The go command's `pathEscape` (modfetch/proxy.go): `url.PathEscape` keeping `/`.
pub fn proxy_path_escape(s: &str) -> String {
    path_escape(s).replace("%2F", "/")
}

/// Go's `validEncoded`.
fn valid_encoded(s: &str, mode: Mode) -> bool {
    s.bytes().all(|c| {
        matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
                | b'['
                | b']'
                | b'%'
        ) || !should_escape(c, mode)
    })
}

fn valid_optional_port(port: &str) -> bool {
    match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(digits) => digits.bytes().all(|b| b.is_ascii_digit()),
    }
}

fn valid_userinfo(s: &str) -> bool {
    s.chars().all(|r| {
        r.is_ascii_alphanumeric()
            || matches!(
                r,
                '-' | '.'
                    | '_'
                    | ':'
                    | '~'
                    | '!'
                    | '$'
                    | '&'
                    | '\''
                    | '('
                    | ')'
                    | '*'
                    | '+'
                    | ','
                    | ';'
                    | '='
                    | '%'
                    | '@'
            )
    })
}

fn lossy(b: Vec<u8>) -> String {
    String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Go's `parseHost`.
fn parse_host(scheme: &str, host: &str) -> Result<String, String> {
    if let Some(open) = host.rfind('[') {
        if open > 0 {
            return Err("invalid IP-literal".into());
        }
        let close = host.rfind(']').ok_or("missing ']' in host")?;
        let colon_port = &host[close + 1..];
        if !valid_optional_port(colon_port) {
            return Err(format!(
                "invalid port {} after host",
                crate::gostr::quote(colon_port)
            ));
        }
        let colon_port = lossy(unescape(colon_port, Mode::Host)?);
        let hostname = &host[1..close.max(1)];
        let unescaped = match hostname.find("%25") {
            Some(z) => {
                let mut h = unescape(&hostname[..z], Mode::Host)?;
                h.extend(unescape(&hostname[z..], Mode::Zone)?);
                lossy(h)
            }
            None => lossy(unescape(hostname, Mode::Host)?),
        };
        let addr = unescaped.split('%').next().unwrap_or_default();
        if addr.parse::<std::net::Ipv6Addr>().is_err() {
            if addr.parse::<std::net::Ipv4Addr>().is_ok() {
                return Err("invalid IP-literal".into());
            }
            return Err(format!(
                "invalid host: ParseAddr({}): unable to parse IP",
                crate::gostr::quote(&unescaped)
            ));
        }
        return Ok(format!("[{unescaped}]{colon_port}"));
    }
    if let Some(first) = host.find(':') {
        let last = host.rfind(':').unwrap_or(first);
        let i = if last != first && scheme != "http" && scheme != "https" {
            last
        } else {
            first
        };
        let colon_port = &host[i..];
        if !valid_optional_port(colon_port) {
            return Err(format!(
                "invalid port {} after host",
                crate::gostr::quote(colon_port)
            ));
        }
    }
    Ok(lossy(unescape(host, Mode::Host)?))
}

/// Go's `path.Clean` on bytes.
pub(crate) fn clean_path(p: &[u8]) -> Vec<u8> {
    if p.is_empty() {
        return b".".to_vec();
    }
    let rooted = p[0] == b'/';
    let mut out: Vec<u8> = Vec::with_capacity(p.len());
    if rooted {
        out.push(b'/');
    }
    let (mut r, mut dotdot) = (usize::from(rooted), usize::from(rooted));
    let n = p.len();
    while r < n {
        if p[r] == b'/' || (p[r] == b'.' && (r + 1 == n || p[r + 1] == b'/')) {
            r += 1;
        } else if p[r] == b'.' && p[r + 1] == b'.' && (r + 2 == n || p[r + 2] == b'/') {
            r += 2;
            if out.len() > dotdot {
                let mut w = out.len() - 1;
                while w > dotdot && out[w] != b'/' {
                    w -= 1;
                }
                out.truncate(w);
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if (rooted && out.len() != 1) || (!rooted && !out.is_empty()) {
                out.push(b'/');
            }
            while r < n && p[r] != b'/' {
                out.push(p[r]);
                r += 1;
            }
        }
    }
    if out.is_empty() {
        return b".".to_vec();
    }
    out
}

/// Go's `path.Join` of two elements.
pub(crate) fn join_path(a: &[u8], b: &[u8]) -> Vec<u8> {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Vec::new(),
        (true, false) => clean_path(b),
        (false, true) => clean_path(a),
        (false, false) => {
            let mut j = a.to_vec();
            j.push(b'/');
            j.extend_from_slice(b);
            clean_path(&j)
        }
    }
}

impl GoUrl {
    /// Go's `url.Parse`.
    pub fn parse(raw: &str) -> Result<GoUrl, UrlParseError> {
        let (u, frag) = match raw.split_once('#') {
            Some((u, f)) => (u, Some(f)),
            None => (raw, None),
        };
        let mut url = GoUrl::parse_no_fragment(u).map_err(|reason| UrlParseError {
            url: u.to_string(),
            reason,
        })?;
        if let Some(f) = frag.filter(|f| !f.is_empty()) {
            let frag = unescape(f, Mode::Fragment).map_err(|reason| UrlParseError {
                url: raw.to_string(),
                reason,
            })?;
            url.raw_fragment = if escape(&frag, Mode::Fragment) == f {
                String::new()
            } else {
                f.to_string()
            };
            url.fragment = frag;
        }
        Ok(url)
    }

    /// `url.URL{Scheme: scheme, Host: host, Path: path}`.
    pub fn from_parts(scheme: &str, host: &str, path: &[u8]) -> GoUrl {
        GoUrl {
            scheme: scheme.to_string(),
            host: host.to_string(),
            path: path.to_vec(),
            ..GoUrl::default()
        }
    }

    fn parse_no_fragment(raw: &str) -> Result<GoUrl, String> {
        if raw.bytes().any(|b| b < b' ' || b == 0x7f) {
            return Err("net/url: invalid control character in URL".into());
        }
        let mut url = GoUrl::default();
        if raw == "*" {
            url.path = b"*".to_vec();
            return Ok(url);
        }
        let mut rest = raw;
        for (i, c) in raw.bytes().enumerate() {
            match c {
                b'a'..=b'z' | b'A'..=b'Z' => {}
                b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
                b':' if i == 0 => return Err("missing protocol scheme".into()),
                b':' => {
                    url.scheme = raw[..i].to_ascii_lowercase();
                    rest = &raw[i + 1..];
                    break;
                }
                _ => break,
            }
        }
        if rest.ends_with('?') && rest.matches('?').count() == 1 {
            url.force_query = true;
            rest = &rest[..rest.len() - 1];
        } else if let Some((r, q)) = rest.split_once('?') {
            url.raw_query = q.to_string();
            rest = r;
        }
        if !rest.starts_with('/') {
            if !url.scheme.is_empty() {
                url.opaque = rest.to_string();
                return Ok(url);
            }
            if rest.split('/').next().unwrap_or_default().contains(':') {
                return Err("first path segment in URL cannot contain colon".into());
            }
        }
        if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
            let (authority, r) = match rest[2..].find('/') {
                Some(i) => (&rest[2..2 + i], &rest[2 + i..]),
                None => (&rest[2..], ""),
            };
            rest = r;
            let (userinfo, host) = match authority.rfind('@') {
                Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
                None => (None, authority),
            };
            url.host = parse_host(&url.scheme, host)?;
            if let Some(ui) = userinfo {
                if !valid_userinfo(ui) {
                    return Err("net/url: invalid userinfo".into());
                }
                url.user = Some(match ui.split_once(':') {
                    None => UserInfo {
                        username: unescape(ui, Mode::UserPassword)?,
                        password: None,
                    },
                    Some((u, p)) => UserInfo {
                        username: unescape(u, Mode::UserPassword)?,
                        password: Some(unescape(p, Mode::UserPassword)?),
                    },
                });
            }
        } else if !url.scheme.is_empty() && rest.starts_with('/') {
            url.omit_host = true;
        }
        url.set_path(rest)?;
        Ok(url)
    }

    /// Go's `setPath` from an escaped path.
    fn set_path(&mut self, p: &str) -> Result<(), String> {
        let path = unescape(p, Mode::Path)?;
        self.raw_path = if escape(&path, Mode::Path) == p {
            String::new()
        } else {
            p.to_string()
        };
        self.path = path;
        Ok(())
    }

    /// Go's `EscapedPath`.
    pub fn escaped_path(&self) -> String {
        if !self.raw_path.is_empty()
            && valid_encoded(&self.raw_path, Mode::Path)
            && unescape(&self.raw_path, Mode::Path).is_ok_and(|p| p == self.path)
        {
            return self.raw_path.clone();
        }
        if self.path == b"*" {
            return "*".into();
        }
        escape(&self.path, Mode::Path)
    }

    fn escaped_fragment(&self) -> String {
        if !self.raw_fragment.is_empty()
            && valid_encoded(&self.raw_fragment, Mode::Fragment)
            && unescape(&self.raw_fragment, Mode::Fragment).is_ok_and(|f| f == self.fragment)
        {
            return self.raw_fragment.clone();
        }
        escape(&self.fragment, Mode::Fragment)
    }

    /// Go's `URL.String()` with the user info printed by `user`.
    fn string_with(&self, user: impl Fn(&UserInfo) -> String) -> String {
        let mut buf = String::new();
        if !self.scheme.is_empty() {
            buf.push_str(&self.scheme);
            buf.push(':');
        }
        if !self.opaque.is_empty() {
            buf.push_str(&self.opaque);
        } else {
            let has_authority =
                !self.scheme.is_empty() || !self.host.is_empty() || self.user.is_some();
            let omitted = self.omit_host && self.host.is_empty() && self.user.is_none();
            if has_authority && !omitted {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    buf.push_str("//");
                }
                if let Some(ui) = &self.user {
                    buf.push_str(&user(ui));
                    buf.push('@');
                }
                buf.push_str(&escape(self.host.as_bytes(), Mode::Host));
            }
            let path = self.escaped_path();
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                buf.push('/');
            }
            if buf.is_empty() && path.split('/').next().unwrap_or_default().contains(':') {
                buf.push_str("./");
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
        buf
    }

    fn userinfo_with(ui: &UserInfo, password: Option<&[u8]>) -> String {
        let mut s = escape(&ui.username, Mode::UserPassword);
        if let Some(p) = password {
            s.push(':');
            s.push_str(&escape(p, Mode::UserPassword));
        }
        s
    }

    /// Go's `URL.String()`, credentials included: only for sending the request.
    pub fn unredacted(&self) -> String {
        self.string_with(|ui| GoUrl::userinfo_with(ui, ui.password.as_deref()))
    }

    /// Go's `URL.Redacted()`.
    pub fn redacted(&self) -> RedactedUrl {
        RedactedUrl(self.string_with(|ui| {
            GoUrl::userinfo_with(ui, ui.password.as_ref().map(|_| &b"xxxxx"[..]))
        }))
    }

    /// net/http's `stripPassword` (the URL in a client error): the password as `***`.
    pub fn password_stripped(&self) -> String {
        self.string_with(|ui| match &ui.password {
            Some(_) => format!("{}:***", String::from_utf8_lossy(&ui.username)),
            None => GoUrl::userinfo_with(ui, None),
        })
    }

    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// `host` or `host:port`, as Go's `URL.Host`.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Go's `URL.Hostname()`.
    pub fn hostname(&self) -> &str {
        let mut h = self.host.as_str();
        if let Some(c) = h.rfind(':')
            && valid_optional_port(&h[c..])
        {
            h = &h[..c];
        }
        h.strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
            .unwrap_or(h)
    }

    pub fn opaque(&self) -> &str {
        &self.opaque
    }

    /// The unescaped path bytes (Go's `URL.Path`).
    pub fn path_bytes(&self) -> &[u8] {
        &self.path
    }

    pub fn has_user_info(&self) -> bool {
        self.user.is_some()
    }

    /// The user name and password (if one is set), for Basic authentication.
    pub fn credentials(&self) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
        self.user
            .as_ref()
            .map(|u| (u.username.clone(), u.password.clone()))
    }

    /// A copy without user info.
    pub fn without_user_info(&self) -> GoUrl {
        GoUrl {
            user: None,
            ..self.clone()
        }
    }

    /// Whether the URL is exactly `scheme:` + path (Go's check for `file://` proxy URLs:
    /// `*u == url.URL{Scheme: u.Scheme, Path: u.Path, RawPath: u.RawPath}`).
    pub fn is_scheme_and_path_only(&self) -> bool {
        self.opaque.is_empty()
            && self.user.is_none()
            && self.host.is_empty()
            && !self.force_query
            && self.raw_query.is_empty()
            && self.fragment.is_empty()
            && self.raw_fragment.is_empty()
            && !self.omit_host
    }

    /// `newProxyRepo`'s append of an escaped module path: `Path = trimSuffix(Path, "/")
    /// + "/" + p` and `RawPath = trimSuffix(RawPath, "/") + "/" + pathEscape(p)`.
    pub fn with_appended_module_path(&self, escaped_module_path: &str) -> GoUrl {
        let mut u = self.clone();
        let mut path = u.path.strip_suffix(b"/").unwrap_or(&u.path).to_vec();
        path.push(b'/');
        path.extend_from_slice(escaped_module_path.as_bytes());
        let raw = u.raw_path.strip_suffix('/').unwrap_or(&u.raw_path);
        u.raw_path = format!("{raw}/{}", proxy_path_escape(escaped_module_path));
        u.path = path;
        u
    }

    /// `proxyRepo.getBody`'s target: `Path = path.Join(Path, rel)` and
    /// `RawPath = path.Join(RawPath, pathEscape(rel))`.
    pub fn joined(&self, rel: &str) -> GoUrl {
        let mut u = self.clone();
        u.path = join_path(&self.path, rel.as_bytes());
        u.raw_path = lossy(join_path(
            self.raw_path.as_bytes(),
            proxy_path_escape(rel).as_bytes(),
        ));
        u
    }

    /// Go's `URL.Parse(ref)`: a redirect's `Location` resolved against this URL.
    pub fn resolve(&self, reference: &str) -> Result<GoUrl, UrlParseError> {
        let r = GoUrl::parse(reference)?;
        let mut url = r.clone();
        if r.scheme.is_empty() {
            url.scheme = self.scheme.clone();
        }
        if !r.scheme.is_empty() || !r.host.is_empty() || r.user.is_some() {
            let p = resolve_path(&r.escaped_path(), "");
            let _ = url.set_path(&p);
            return Ok(url);
        }
        if !r.opaque.is_empty() {
            url.user = None;
            url.host.clear();
            url.path.clear();
            return Ok(url);
        }
        if r.path.is_empty() && !r.force_query && r.raw_query.is_empty() {
            url.raw_query = self.raw_query.clone();
            if r.fragment.is_empty() {
                url.fragment = self.fragment.clone();
                url.raw_fragment = self.raw_fragment.clone();
            }
        }
        if r.path.is_empty() && !self.opaque.is_empty() {
            url.opaque = self.opaque.clone();
            url.user = None;
            url.host.clear();
            url.path.clear();
            return Ok(url);
        }
        url.host = self.host.clone();
        url.user = self.user.clone();
        let p = resolve_path(&self.escaped_path(), &r.escaped_path());
        let _ = url.set_path(&p);
        Ok(url)
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

    fn rt(s: &str) -> String {
        GoUrl::parse(s).map_or_else(|e| format!("error: {e}"), |u| u.unredacted())
    }

    #[test]
    fn parse_and_print_as_go() {
        for s in [
            "https://proxy.example/mod",
            "http://127.0.0.1:8080/mod/",
            "file:///tmp/x",
            "file://localhost/tmp/x",
            "file:c:/path/to/file",
            "https://u:p@h/x%2Fy",
            "https://h/a%20b?q#frag",
            "https://h/a b",
        ] {
            let _ = rt(s);
        }
        assert_eq!(rt("https://h/a b"), "https://h/a%20b");
        assert_eq!(rt("https://h/x%2Fy"), "https://h/x%2Fy");
        assert_eq!(rt("HTTPS://h/!x"), "https://h/!x");
        assert_eq!(rt("file:///tmp/x"), "file:///tmp/x");
        assert_eq!(rt("file://localhost/tmp/x"), "file://localhost/tmp/x");
        assert_eq!(rt("file:c:/path"), "file:c:/path");
        assert_eq!(rt(":x"), r#"error: parse ":x": missing protocol scheme"#);
        assert_eq!(
            rt("http://h:x/"),
            r#"error: parse "http://h:x/": invalid port ":x" after host"#
        );
        assert_eq!(
            rt("http://h/%zz"),
            r#"error: parse "http://h/%zz": invalid URL escape "%zz""#
        );
        assert_eq!(rt("a:b/c"), "a:b/c");
        assert_eq!(rt("x/a:b"), "x/a:b");
        assert_eq!(rt("a:b"), "a:b");
        let u = GoUrl::parse("https://user:secret@h/p").unwrap();
        assert_eq!(u.redacted().as_str(), "https://user:xxxxx@h/p");
        assert_eq!(u.password_stripped(), "https://user:***@h/p");
        assert_eq!(u.to_string(), "https://user:xxxxx@h/p");
        assert!(!format!("{u:?}").contains("secret"));
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
    fn clean_and_resolve() {
        for (i, o) in [
            ("", "."),
            ("a/../..", ".."),
            ("/../a", "/a"),
            ("a//b/./c/", "a/b/c"),
            ("/", "/"),
        ] {
            assert_eq!(clean_path(i.as_bytes()), o.as_bytes(), "{i}");
        }
        let u = GoUrl::parse("http://h:1/mod/redirect/3/x").unwrap();
        assert_eq!(
            u.resolve("/mod/y").unwrap().unredacted(),
            "http://h:1/mod/y"
        );
        assert_eq!(
            u.resolve("z").unwrap().unredacted(),
            "http://h:1/mod/redirect/3/z"
        );
        assert_eq!(
            u.resolve("https://o/p").unwrap().unredacted(),
            "https://o/p"
        );
        assert_eq!(
            u.resolve("../q?x=1").unwrap().unredacted(),
            "http://h:1/mod/redirect/q?x=1"
        );
    }
}
