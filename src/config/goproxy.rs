//! The GOPROXY list (spec §3.2) and how a module path is routed through one entry
//! (§3.3), as `cmd/go/internal/modfetch/{proxy.go,repo.go}` do it.
//!
//! [`ProxyList::parse`] turns GOPROXY (and whether GONOPROXY is set) into the ordered
//! entries the proxy layer walks; [`route`] says what one entry means for one module
//! path. Both are pure. Go parses the list once per process and reports a parse error
//! from every lookup (`go: <path>@<version>: <error>`), so the error is a value the
//! caller keeps and reports per module, not a startup failure.
//!
//! Parsing rules: entries are separated by `,` (fall through on "not found" only) or
//! `|` (fall through on any error); the separator *after* an entry decides its
//! behaviour; spaces around entries are trimmed and empty entries skipped; `off` and
//! `direct` end the list; an entry without a scheme gets `https://` when it contains
//! `.`, `:` or `/` (and is neither `scheme:/…` nor an absolute path); every URL must
//! parse with Go's `url.Parse` and have scheme `https`, `http` or `file`, and a
//! `file` URL nothing but a path. When GONOPROXY (which defaults to GOPRIVATE) is
//! non-empty and GOPROXY is not exactly `direct`, an implicit [`ProxyKind::NoProxy`]
//! entry comes first.

use super::gourl;
use crate::module;

/// One entry of the GOPROXY list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyEntry {
    pub kind: ProxyKind,
    /// Whether any error (not only "not found") falls through to the next entry: the
    /// entry was followed by `|`.
    pub fallback_on_error: bool,
}

/// What an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyKind {
    /// A proxy base URL (`https://…`, `http://…` or `file://…`), exactly as written
    /// after Go's `https://` defaulting.
    Url(String),
    /// `direct`: fetch from the module's version-control repository.
    Direct,
    /// `off`: no module fetching.
    Off,
    /// The implicit first entry when GONOPROXY/GOPRIVATE is set: paths matching it go
    /// direct, others fall through.
    NoProxy,
}

/// The parsed list, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProxyList(pub Vec<ProxyEntry>);

/// Why GOPROXY could not be used. The texts are Go's, except [`GoProxyError::NotSet`]:
/// Go would fall back to a compiled-in empty value and fail with
/// [`GoProxyError::NoEntries`]; we say what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoProxyError {
    /// No layer (environment, go env file, `$GOROOT/go.env`) gave GOPROXY a value.
    #[error(
        "GOPROXY is not set: no value in the environment, {where_looked}; set GOPROXY to your module proxy (for example 'export GOPROXY=<proxy URL>,direct', or 'go env -w GOPROXY=…')"
    )]
    NotSet {
        /// Where else we looked, for the message.
        where_looked: String,
    },
    /// Only separators and spaces (or only the implicit `noproxy` entry).
    #[error("GOPROXY list is not the empty string, but contains no entries")]
    NoEntries,
    /// An entry `url.Parse` rejects; the text is Go's `*url.Error`.
    #[error(transparent)]
    Parse(#[from] gourl::ParseError),
    /// An entry with no scheme (a single word like `foo`).
    #[error("invalid proxy URL missing scheme: {0}")]
    MissingScheme(String),
    /// A scheme other than http, https and file (redacted URL).
    #[error("invalid proxy URL scheme (must be https, http, file): {0}")]
    BadScheme(String),
    /// A `file:` URL with a host, user, query, fragment or opaque part (redacted URL).
    #[error("invalid file:// proxy URL with non-path elements: {0}")]
    FileNotPathOnly(String),
}

impl ProxyList {
    /// Parses `goproxy` (the GOPROXY value) given `gonoproxy` (GONOPROXY, already
    /// defaulted to GOPRIVATE).
    pub fn parse(goproxy: &str, gonoproxy: &str) -> Result<ProxyList, GoProxyError> {
        let mut list = Vec::new();
        if !gonoproxy.is_empty() && goproxy != "direct" {
            list.push(ProxyEntry {
                kind: ProxyKind::NoProxy,
                fallback_on_error: false,
            });
        }
        let mut rest = goproxy;
        while !rest.is_empty() {
            let (raw, fallback_on_error) = match rest.find([',', '|']) {
                Some(i) => {
                    let item = (&rest[..i], rest.as_bytes()[i] == b'|');
                    rest = &rest[i + 1..];
                    item
                }
                None => (std::mem::take(&mut rest), false),
            };
            let entry = trim_go_space(raw);
            match entry {
                "" => continue,
                "off" | "direct" => {
                    list.push(ProxyEntry {
                        kind: if entry == "off" {
                            ProxyKind::Off
                        } else {
                            ProxyKind::Direct
                        },
                        fallback_on_error: false,
                    });
                    break;
                }
                _ => {}
            }
            let url = with_default_scheme(entry);
            check_proxy_url(&url)?;
            list.push(ProxyEntry {
                kind: ProxyKind::Url(url),
                fallback_on_error,
            });
        }
        if list.iter().all(|e| e.kind == ProxyKind::NoProxy) {
            return Err(GoProxyError::NoEntries);
        }
        Ok(ProxyList(list))
    }

    /// The entries, in order.
    pub fn entries(&self) -> &[ProxyEntry] {
        &self.0
    }
}

/// `strings.TrimSpace`: trims Unicode white space at both ends.
fn trim_go_space(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace())
}

/// Adds `https://` to entries that look like a host or path but carry no scheme.
/// Single words stay as they are (reserved for keywords, and rejected later).
fn with_default_scheme(entry: &str) -> String {
    let looks_like_location = entry.contains(['.', ':', '/']);
    let absolute = entry.starts_with('/') || (cfg!(windows) && is_windows_abs(entry));
    if looks_like_location && !entry.contains(":/") && !absolute {
        format!("https://{entry}")
    } else {
        entry.to_string()
    }
}

/// `filepath.IsAbs` on Windows for the `https://` defaulting (`C:\x`, `\\h\s`).
fn is_windows_abs(p: &str) -> bool {
    let b = p.as_bytes();
    let sep = |c: u8| c == b'/' || c == b'\\';
    (b.len() >= 3 && b[1] == b':' && sep(b[2])) || (b.len() >= 2 && sep(b[0]) && sep(b[1]))
}

/// `newProxyRepo`'s checks of a base URL.
fn check_proxy_url(raw: &str) -> Result<(), GoProxyError> {
    let url = gourl::parse(raw)?;
    match url.scheme.as_str() {
        "http" | "https" => Ok(()),
        "file" if url.is_scheme_and_path_only() => Ok(()),
        "file" => Err(GoProxyError::FileNotPathOnly(url.redacted())),
        "" => Err(GoProxyError::MissingScheme(url.redacted())),
        _ => Err(GoProxyError::BadScheme(url.redacted())),
    }
}

/// What the proxy layer must do for one module path at one list entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Fetch from the proxy at this base URL.
    Proxy(String),
    /// Fetch from the module's own repository (direct VCS mode).
    Direct,
    /// The `go` and `toolchain` pseudo-modules, which Go serves from the
    /// `golang.org/toolchain` module through the same entry (not supported here).
    Toolchain,
    /// This entry cannot serve the path; every variant counts as "not found", so a
    /// `,` after the entry falls through.
    NotFound(RouteError),
}

/// Why an entry cannot serve a module path: Go's not-found errors of
/// `modfetch/repo.go`. The caller wraps them as `<path>@<version>: <text>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// The entry is `off`.
    #[error("module lookup disabled by GOPROXY=off")]
    ProxyOff,
    /// The path matches GONOPROXY and the entry is a proxy URL or `off`.
    #[error("disabled by GOPRIVATE/GONOPROXY")]
    NoProxy,
    /// The implicit `noproxy` entry, for a path that does not match GONOPROXY. Go
    /// ranks this error below every other one when choosing what to report.
    #[error("path does not match GOPRIVATE/GONOPROXY")]
    UseProxy,
}

impl RouteError {
    /// Always true: these errors satisfy Go's `errors.Is(err, fs.ErrNotExist)`.
    pub fn is_not_found(&self) -> bool {
        true
    }

    /// Whether this is the `noproxy` entry's "does not match" error, which
    /// `TryProxies` does not treat as a direct-mode error.
    pub fn is_use_proxy(&self) -> bool {
        *self == RouteError::UseProxy
    }
}

/// Routes `module_path` through `entry` (`modfetch.lookup`), given GONOPROXY.
pub fn route(entry: &ProxyEntry, module_path: &str, gonoproxy: &str) -> Route {
    if module_path == "go" || module_path == "toolchain" {
        return Route::Toolchain;
    }
    if module::match_prefix_patterns(gonoproxy, module_path) {
        return match entry.kind {
            ProxyKind::NoProxy | ProxyKind::Direct => Route::Direct,
            _ => Route::NotFound(RouteError::NoProxy),
        };
    }
    match &entry.kind {
        ProxyKind::Off => Route::NotFound(RouteError::ProxyOff),
        ProxyKind::Direct => Route::Direct,
        ProxyKind::NoProxy => Route::NotFound(RouteError::UseProxy),
        ProxyKind::Url(u) => Route::Proxy(u.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(u: &str, fallback: bool) -> ProxyEntry {
        ProxyEntry {
            kind: ProxyKind::Url(u.to_string()),
            fallback_on_error: fallback,
        }
    }

    fn kind(k: ProxyKind) -> ProxyEntry {
        ProxyEntry {
            kind: k,
            fallback_on_error: false,
        }
    }

    fn err(goproxy: &str) -> String {
        match ProxyList::parse(goproxy, "") {
            Ok(l) => panic!("{goproxy:?} parsed as {l:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn separators_decide_the_entry_before_them() {
        let l = ProxyList::parse(" a.example | file:///p ,http://b:8080,direct,x", "").unwrap();
        assert_eq!(
            l.0,
            vec![
                url("https://a.example", true),
                url("file:///p", false),
                url("http://b:8080", false),
                kind(ProxyKind::Direct),
            ]
        );
        let l = ProxyList::parse("off|https://x", "").unwrap();
        assert_eq!(l.0, vec![kind(ProxyKind::Off)]);
        let l = ProxyList::parse(",,a.example|", "").unwrap();
        assert_eq!(l.0, vec![url("https://a.example", true)]);
    }

    #[test]
    fn noproxy_entry() {
        let l = ProxyList::parse("off", "*.corp").unwrap();
        assert_eq!(l.0, vec![kind(ProxyKind::NoProxy), kind(ProxyKind::Off)]);
        let l = ProxyList::parse("direct", "*.corp").unwrap();
        assert_eq!(l.0, vec![kind(ProxyKind::Direct)]);
        // Only the exact value "direct" omits it.
        let l = ProxyList::parse(" direct", "*.corp").unwrap();
        assert_eq!(l.0, vec![kind(ProxyKind::NoProxy), kind(ProxyKind::Direct)]);
        assert_eq!(
            ProxyList::parse(" , ", "*.corp"),
            Err(GoProxyError::NoEntries)
        );
    }

    #[test]
    fn go_error_texts() {
        assert_eq!(err("foo"), "invalid proxy URL missing scheme: foo");
        assert_eq!(
            err("ftp://x"),
            "invalid proxy URL scheme (must be https, http, file): ftp://x"
        );
        assert_eq!(
            err("file://u:p@h/"),
            "invalid file:// proxy URL with non-path elements: file://u:xxxxx@h/"
        );
        assert_eq!(
            err("file:/tmp/x"),
            "invalid file:// proxy URL with non-path elements: file:/tmp/x"
        );
        assert_eq!(
            err("https://[zz]/"),
            r#"parse "https://[zz]/": invalid host: ParseAddr("zz"): unable to parse IP"#
        );
        assert_eq!(
            err("u:p@h:x/"),
            r#"parse "https://u:p@h:x/": invalid port ":x" after host"#
        );
        assert_eq!(
            err("/abs/path"),
            "invalid proxy URL missing scheme: /abs/path"
        );
        assert_eq!(
            err(","),
            "GOPROXY list is not the empty string, but contains no entries"
        );
    }

    #[test]
    fn routing() {
        let off = kind(ProxyKind::Off);
        let direct = kind(ProxyKind::Direct);
        let noproxy = kind(ProxyKind::NoProxy);
        let proxy = url("https://p.example", false);
        let private = "*.corp,x.example/priv";
        assert_eq!(
            route(&off, "a.example/m", private),
            Route::NotFound(RouteError::ProxyOff)
        );
        assert_eq!(
            route(&off, "git.corp/m", private),
            Route::NotFound(RouteError::NoProxy)
        );
        assert_eq!(route(&noproxy, "git.corp/m", private), Route::Direct);
        assert_eq!(
            route(&noproxy, "a.example/m", private),
            Route::NotFound(RouteError::UseProxy)
        );
        assert_eq!(route(&direct, "a.example/m", private), Route::Direct);
        assert_eq!(
            route(&proxy, "x.example/priv/sub", private),
            Route::NotFound(RouteError::NoProxy)
        );
        assert_eq!(
            route(&proxy, "a.example/m", private),
            Route::Proxy("https://p.example".into())
        );
        assert_eq!(route(&proxy, "toolchain", private), Route::Toolchain);
        assert!(RouteError::UseProxy.is_use_proxy() && RouteError::NoProxy.is_not_found());
    }
}
