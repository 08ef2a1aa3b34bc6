//! Credentials from `.netrc` applied as the go command applies them
//! (`cmd/go/internal/auth`, `GOAUTH=netrc`).
//!
//! Each entry becomes an `Authorization: Basic …` header stored under the prefix
//! `<machine>`; the first entry for a machine wins. A request gets credentials only
//! when its URL is `https`: the URL minus `https://` and a trailing `/` is tried whole
//! and then cut back at each `/`, and the first stored prefix found supplies the
//! header. So `machine host` matches every path on `host` (port 443 implied only when
//! the URL has no port), `machine host:8443` only URLs with that port, and a machine
//! given with a path only URLs below it.
//!
//! The header values never leave this module except into a request: `Debug` shows the
//! prefixes only, and nothing here logs.

use base64::Engine as _;

/// One `.netrc` entry (as the config layer parses them).
#[derive(Clone, PartialEq, Eq)]
pub struct NetrcEntry {
    pub machine: String,
    pub login: String,
    pub password: String,
}

impl std::fmt::Debug for NetrcEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetrcEntry")
            .field("machine", &self.machine)
            .finish_non_exhaustive()
    }
}

/// The credentials store: URL prefixes and their `Authorization` values.
#[derive(Clone, Default)]
pub struct Credentials {
    by_prefix: Vec<(String, String)>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.by_prefix.iter().map(|(p, _)| p))
            .finish()
    }
}

fn normalize_prefix(p: &str) -> &str {
    let p = p.strip_prefix("https://").unwrap_or(p);
    p.strip_suffix('/').unwrap_or(p)
}

impl Credentials {
    /// No credentials (`GOAUTH=off`, or no `.netrc`).
    pub fn none() -> Credentials {
        Credentials::default()
    }

    /// From `.netrc` entries in file order.
    pub fn from_netrc(entries: impl IntoIterator<Item = NetrcEntry>) -> Credentials {
        let mut c = Credentials::default();
        for e in entries {
            let prefix = normalize_prefix(&e.machine).to_string();
            if c.by_prefix.iter().any(|(p, _)| *p == prefix) {
                continue;
            }
            let token = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", e.login, e.password));
            c.by_prefix.push((prefix, format!("Basic {token}")));
        }
        c
    }

    pub fn is_empty(&self) -> bool {
        self.by_prefix.is_empty()
    }

    /// The `Authorization` value for a request to `url` (the full URL text, as Go's
    /// `req.URL.String()`), if any; only for `https` URLs.
    pub fn authorization_for(&self, url: &str) -> Option<&str> {
        if !url.starts_with("https://") {
            return None;
        }
        let mut prefix = normalize_prefix(url);
        loop {
            if let Some((_, v)) = self.by_prefix.iter().find(|(p, _)| p == prefix) {
                return Some(v);
            }
            prefix = &prefix[..prefix.rfind('/')?];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(machine: &str, login: &str) -> NetrcEntry {
        NetrcEntry {
            machine: machine.into(),
            login: login.into(),
            password: "pw".into(),
        }
    }

    #[test]
    fn prefix_matching() {
        let c = Credentials::from_netrc([
            entry("proxy.example", "a"),
            entry("proxy.example", "b"),
            entry("other.example:8443", "c"),
            entry("paths.example/private", "d"),
        ]);
        let basic = |l: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{l}:pw"))
            )
        };
        assert_eq!(
            c.authorization_for("https://proxy.example/m/@v/list"),
            Some(basic("a").as_str())
        );
        assert_eq!(c.authorization_for("http://proxy.example/m/@v/list"), None);
        assert_eq!(c.authorization_for("https://proxy.example:443/m"), None);
        assert_eq!(c.authorization_for("https://other.example/m"), None);
        assert_eq!(
            c.authorization_for("https://other.example:8443/m"),
            Some(basic("c").as_str())
        );
        assert_eq!(c.authorization_for("https://paths.example/public/x"), None);
        assert_eq!(
            c.authorization_for("https://paths.example/private/x"),
            Some(basic("d").as_str())
        );
        assert!(!format!("{c:?}").contains("Basic"));
        assert!(!format!("{:?}", entry("m", "l")).contains("pw"));
    }
}
