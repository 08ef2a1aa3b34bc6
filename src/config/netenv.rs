//! Process-environment settings that are not go configuration variables but that
//! the go command (through Go's standard library) honours: TLS roots, HTTP proxies,
//! and the variables it sets for its git children. They come from the process
//! environment only, never from go env files.

use super::env::Env;
use std::ffi::OsString;
use std::path::PathBuf;

/// What the HTTP layer must honour, as Go's `crypto/x509` and
/// `net/http.ProxyFromEnvironment` read it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetEnv {
    /// `SSL_CERT_FILE`: a PEM bundle used instead of the system roots file.
    pub ssl_cert_file: Option<PathBuf>,
    /// `SSL_CERT_DIR`: directories (`:`-separated on Unix) of PEM certificates, used
    /// instead of the system directories.
    pub ssl_cert_dir: Option<OsString>,
    /// `HTTPS_PROXY`, else `https_proxy`.
    pub https_proxy: Option<String>,
    /// `HTTP_PROXY`, else `http_proxy` — absent when `REQUEST_METHOD` is set (a CGI
    /// environment, where Go ignores it: the "httpoxy" rule).
    pub http_proxy: Option<String>,
    /// `NO_PROXY`, else `no_proxy`.
    pub no_proxy: Option<String>,
}

impl NetEnv {
    /// Reads the variables (empty counts as unset).
    pub fn from_env(env: &Env) -> NetEnv {
        let any = |upper: &str, lower: &str| {
            env.non_empty(upper)
                .or_else(|| env.non_empty(lower))
                .map(|v| v.to_string_lossy().into_owned())
        };
        let cgi = env.non_empty("REQUEST_METHOD").is_some();
        NetEnv {
            ssl_cert_file: env.non_empty("SSL_CERT_FILE").map(PathBuf::from),
            ssl_cert_dir: env.non_empty("SSL_CERT_DIR").map(|v| v.to_os_string()),
            https_proxy: any("HTTPS_PROXY", "https_proxy"),
            http_proxy: if cgi {
                None
            } else {
                any("HTTP_PROXY", "http_proxy")
            },
            no_proxy: any("NO_PROXY", "no_proxy"),
        }
    }
}

/// The variables the go command sets for the programs it runs (`modload.Init`):
/// `GIT_TERMINAL_PROMPT=0` (git must never prompt for a password) and
/// `GCM_INTERACTIVE=never` (nor Git Credential Manager), each unless the user set it
/// to a non-empty value. Mercurial children additionally get `HGPLAIN=1`, which the
/// VCS code sets per command.
pub fn child_env_overrides(env: &Env) -> Vec<(&'static str, &'static str)> {
    [("GIT_TERMINAL_PROMPT", "0"), ("GCM_INTERACTIVE", "never")]
        .into_iter()
        .filter(|(k, _)| env.non_empty(k).is_none())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_and_roots() {
        let env = Env::from_map(
            [
                ("https_proxy", "http://lower:1"),
                ("HTTP_PROXY", ""),
                ("http_proxy", "http://h:2"),
                ("NO_PROXY", "localhost"),
                ("SSL_CERT_FILE", "/ca.pem"),
            ],
            "/",
        );
        let n = NetEnv::from_env(&env);
        assert_eq!(n.https_proxy.as_deref(), Some("http://lower:1"));
        assert_eq!(n.http_proxy.as_deref(), Some("http://h:2"));
        assert_eq!(n.no_proxy.as_deref(), Some("localhost"));
        assert_eq!(n.ssl_cert_file, Some(PathBuf::from("/ca.pem")));
        assert_eq!(n.ssl_cert_dir, None);
        let cgi = NetEnv::from_env(&env.with("REQUEST_METHOD", "GET"));
        assert_eq!(cgi.http_proxy, None);
    }

    #[test]
    fn git_children() {
        let env = Env::from_map([("GIT_TERMINAL_PROMPT", "1"), ("GCM_INTERACTIVE", "")], "/");
        assert_eq!(child_env_overrides(&env), [("GCM_INTERACTIVE", "never")]);
        assert_eq!(child_env_overrides(&Env::default()).len(), 2);
    }
}
