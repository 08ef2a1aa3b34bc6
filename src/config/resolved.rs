//! [`Config`]: every setting `go mod download` reads, resolved once into an immutable
//! value.
//!
//! Resolution does the file-system reads (env files, `$GOROOT/VERSION`, a GOAUTH
//! `git` directory) and fails only where Go fails at start-up, before any command
//! runs: a bad GOPATH ([`GopathError`], exit status 2). Settings Go checks later are
//! kept as `Result`s and reported by whoever uses them, at the moment Go would:
//! GOPROXY (at every module lookup), GOMODCACHE (when the cache is touched), GOAUTH
//! (at the first HTTPS request), GOFLAGS (when flags are parsed), GO111MODULE and
//! GOWORK (when the module loader starts).

use super::env::Env;
use super::goauth::{Credentials, GoAuth, GoAuthError, NetrcEntry, NetrcError, load_netrc};
use super::goenv::{GoEnv, Source, UserEnvFile};
use super::goflags::{GoFlags, GoFlagsError};
use super::goproxy::{GoProxyError, ProxyEntry, ProxyList, Route, route};
use super::goroot::{self, VersionSource};
use super::netenv::{NetEnv, child_env_overrides};
use super::paths::{self, CacheDirError, GoPaths, GopathError, SumdbDirError};
use crate::module;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The resolved configuration. See the module docs for which errors surface when.
#[derive(Debug, Clone)]
pub struct Config {
    goenv: GoEnv,
    goroot: Option<PathBuf>,
    go_version: String,
    go_version_source: VersionSource,
    paths: GoPaths,
    goproxy_text: String,
    goproxy: Result<ProxyList, GoProxyError>,
    goprivate: String,
    gonoproxy: String,
    gonosumdb: String,
    goinsecure: String,
    gosumdb: String,
    govcs: String,
    goauth_text: String,
    goauth: Result<GoAuth, GoAuthError>,
    goflags_text: String,
    gowork: String,
    go111module: String,
    gotoolchain: String,
    net: NetEnv,
}

/// GO111MODULE forbids module mode (exit status 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModulesError {
    #[error("go: modules disabled by GO111MODULE=off; see 'go help modules'")]
    Disabled,
    #[error("go: unknown environment setting GO111MODULE={0}")]
    Unknown(String),
}

/// Where the workspace file comes from (GOWORK).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoWork {
    /// `GOWORK=off`: no workspace.
    Off,
    /// Empty or `auto`: search for `go.work` from the working directory up.
    Auto,
    /// An explicit absolute file.
    File(PathBuf),
}

/// GOWORK names a relative file (exit status 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("go: invalid GOWORK: not an absolute path")]
pub struct GoWorkError;

impl Config {
    /// Reads the env files for `env` and resolves everything.
    pub fn resolve(env: &Env) -> Result<Config, GopathError> {
        Config::from_goenv(GoEnv::load(env))
    }

    /// Resolves from already-loaded layers (see [`GoEnv::from_parts`]).
    pub fn from_goenv(goenv: GoEnv) -> Result<Config, GopathError> {
        let env = goenv.process().clone();
        let goroot = goenv.goroot();
        let (go_version, go_version_source) = goroot::go_version(&env, goroot.as_deref());
        let paths = paths::resolve(&goenv, goroot.as_deref())?;
        let text = |k: &str| goenv.text(k);
        let goprivate = text("GOPRIVATE");
        let gonoproxy = goenv.get_or("GONOPROXY", &goprivate).text();
        let gonosumdb = goenv.get_or("GONOSUMDB", &goprivate).text();
        let goproxy_text = text("GOPROXY");
        let goproxy = if goproxy_text.is_empty() {
            Err(GoProxyError::NotSet {
                where_looked: where_looked(&goenv),
            })
        } else {
            ProxyList::parse(&goproxy_text, &gonoproxy)
        };
        let goauth_text = goenv.get_or("GOAUTH", "netrc").text();
        let goauth = GoAuth::parse(&goauth_text);
        Ok(Config {
            goroot,
            go_version,
            go_version_source,
            paths,
            goproxy,
            goproxy_text,
            goprivate,
            gonoproxy,
            gonosumdb,
            goinsecure: text("GOINSECURE"),
            gosumdb: text("GOSUMDB"),
            govcs: text("GOVCS"),
            goauth_text,
            goauth,
            goflags_text: text("GOFLAGS"),
            gowork: text("GOWORK"),
            go111module: text("GO111MODULE"),
            gotoolchain: text("GOTOOLCHAIN"),
            net: NetEnv::from_env(&env),
            goenv,
        })
    }

    /// The layered variables, for anything not covered here.
    pub fn goenv(&self) -> &GoEnv {
        &self.goenv
    }

    /// The process environment snapshot.
    pub fn env(&self) -> &Env {
        self.goenv.process()
    }

    /// `cfg.GOROOT`, if any was found.
    pub fn goroot(&self) -> Option<&Path> {
        self.goroot.as_deref()
    }

    /// The Go version we emulate, e.g. `1.26.8` (for "requires go >= X (running go
    /// Y)" errors).
    pub fn go_version(&self) -> &str {
        &self.go_version
    }

    /// Where [`Config::go_version`] came from.
    pub fn go_version_source(&self) -> &VersionSource {
        &self.go_version_source
    }

    /// GOPATH after Go's start-up checks (may be empty).
    pub fn gopath(&self) -> &OsStr {
        &self.paths.gopath
    }

    /// The module cache root, or Go's error for an empty or relative GOMODCACHE.
    pub fn gomodcache(&self) -> Result<&Path, CacheDirError> {
        self.paths.gomodcache()
    }

    /// `GOPATH[0]/pkg/sumdb`, or why it is unknown.
    pub fn sumdb_dir(&self) -> Result<&Path, SumdbDirError> {
        self.paths.sumdb_dir()
    }

    /// Warnings Go prints at start-up (GOPATH equal to GOROOT).
    pub fn warnings(&self) -> &[String] {
        &self.paths.warnings
    }

    /// The GOPROXY text.
    pub fn goproxy_text(&self) -> &str {
        &self.goproxy_text
    }

    /// The parsed GOPROXY list, or the error every lookup reports.
    pub fn goproxy(&self) -> Result<&ProxyList, &GoProxyError> {
        self.goproxy.as_ref()
    }

    /// What `entry` means for `module_path` (see [`route`]).
    pub fn route(&self, entry: &ProxyEntry, module_path: &str) -> Route {
        route(entry, module_path, &self.gonoproxy)
    }

    /// GOPRIVATE.
    pub fn goprivate(&self) -> &str {
        &self.goprivate
    }

    /// GONOPROXY (default: GOPRIVATE).
    pub fn gonoproxy(&self) -> &str {
        &self.gonoproxy
    }

    /// GONOSUMDB (default: GOPRIVATE).
    pub fn gonosumdb(&self) -> &str {
        &self.gonosumdb
    }

    /// GOINSECURE.
    pub fn goinsecure(&self) -> &str {
        &self.goinsecure
    }

    /// Whether `module_path` bypasses the proxies (matches GONOPROXY).
    pub fn is_noproxy(&self, module_path: &str) -> bool {
        module::match_prefix_patterns(&self.gonoproxy, module_path)
    }

    /// Whether `module_path` skips the checksum database (matches GONOSUMDB).
    pub fn is_nosumdb(&self, module_path: &str) -> bool {
        module::match_prefix_patterns(&self.gonosumdb, module_path)
    }

    /// Whether `module_path` is private (matches GOPRIVATE; used by GOVCS rules).
    pub fn is_private(&self, module_path: &str) -> bool {
        module::match_prefix_patterns(&self.goprivate, module_path)
    }

    /// Whether direct-mode discovery for `module_path` may use insecure schemes
    /// (matches GOINSECURE; never affects proxies or the checksum database).
    pub fn is_insecure(&self, module_path: &str) -> bool {
        module::match_prefix_patterns(&self.goinsecure, module_path)
    }

    /// GOSUMDB as text (parsed by the checksum-database client).
    pub fn gosumdb(&self) -> &str {
        &self.gosumdb
    }

    /// GOVCS as text (parsed by the direct-VCS code).
    pub fn govcs(&self) -> &str {
        &self.govcs
    }

    /// GOTOOLCHAIN as text. Read, never acted on: we emulate one fixed Go version and
    /// never switch toolchains.
    pub fn gotoolchain(&self) -> &str {
        &self.gotoolchain
    }

    /// GOAUTH as text (default `netrc`).
    pub fn goauth_text(&self) -> &str {
        &self.goauth_text
    }

    /// The validated GOAUTH, or the fatal error Go reports at the first HTTPS request.
    pub fn goauth(&self) -> Result<&GoAuth, &GoAuthError> {
        self.goauth.as_ref()
    }

    /// Reads the `.netrc` entries now (`$NETRC` or `~/.netrc`).
    pub fn load_netrc(&self) -> Result<Vec<NetrcEntry>, NetrcError> {
        load_netrc(self.env())
    }

    /// GOAUTH's credentials, read now: `Ok(None)` when GOAUTH is invalid (the caller
    /// reports [`Config::goauth`]'s error instead), else see
    /// [`GoAuth::netrc_credentials`].
    pub fn credentials(&self) -> Result<Option<Credentials>, NetrcError> {
        match &self.goauth {
            Ok(g) => g.netrc_credentials(self.env()).map(Some),
            Err(_) => Ok(None),
        }
    }

    /// The GOFLAGS text.
    pub fn goflags_text(&self) -> &str {
        &self.goflags_text
    }

    /// GOFLAGS validated (`base.InitGOFLAGS`).
    pub fn goflags(&self) -> Result<GoFlags, GoFlagsError> {
        GoFlags::parse(&self.goflags_text)
    }

    /// This configuration with `GOWORK=off`: `prewarm` loads each module of a
    /// workspace as its own main module.
    pub fn without_workspace(&self) -> Config {
        Config {
            gowork: "off".to_string(),
            ..self.clone()
        }
    }

    /// GOWORK interpreted (`modload.FindGoWork`).
    pub fn gowork(&self) -> Result<GoWork, GoWorkError> {
        match self.gowork.as_str() {
            "off" => Ok(GoWork::Off),
            "" | "auto" => Ok(GoWork::Auto),
            f if Path::new(f).is_absolute() => Ok(GoWork::File(PathBuf::from(f))),
            _ => Err(GoWorkError),
        }
    }

    /// `modload.Init`'s GO111MODULE check for a command that needs modules.
    pub fn check_modules_enabled(&self) -> Result<(), ModulesError> {
        match self.go111module.as_str() {
            "" | "on" | "auto" => Ok(()),
            "off" => Err(ModulesError::Disabled),
            other => Err(ModulesError::Unknown(other.to_string())),
        }
    }

    /// TLS and HTTP-proxy settings from the process environment.
    pub fn net(&self) -> &NetEnv {
        &self.net
    }

    /// Variables to set for child processes (git): see [`child_env_overrides`].
    pub fn child_env(&self) -> Vec<(&'static str, &'static str)> {
        child_env_overrides(self.env())
    }

    /// What `go env <name>` prints for the variables this configuration covers, or
    /// `None` for other names.
    pub fn go_env(&self, name: &str) -> Option<String> {
        let s = |v: &str| Some(v.to_string());
        match name {
            "GOPROXY" => s(&self.goproxy_text),
            "GONOPROXY" => s(&self.gonoproxy),
            "GONOSUMDB" => s(&self.gonosumdb),
            "GOPRIVATE" => s(&self.goprivate),
            "GOSUMDB" => s(&self.gosumdb),
            "GOINSECURE" => s(&self.goinsecure),
            "GOVCS" => s(&self.govcs),
            "GOAUTH" => s(&self.goauth_text),
            "GOFLAGS" => s(&self.goflags_text),
            "GOTOOLCHAIN" => s(&self.gotoolchain),
            "GO111MODULE" => s(&self.go111module),
            "GOMODCACHE" => Some(self.paths.gomodcache.to_string_lossy().into_owned()),
            "GOPATH" => Some(self.paths.gopath.to_string_lossy().into_owned()),
            "GOROOT" => Some(
                self.goroot
                    .as_ref()
                    .map(|r| r.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            _ => None,
        }
    }

    /// Where a variable's value came from.
    pub fn source(&self, name: &str) -> Source {
        self.goenv.get(name).source
    }
}

/// The places searched for GOPROXY besides the environment, for the "not set" error.
fn where_looked(goenv: &GoEnv) -> String {
    let user = match goenv.user_file() {
        UserEnvFile::Path(p) => format!("in the go env file {}", p.display()),
        UserEnvFile::Off => "in a go env file (GOENV=off)".to_string(),
        UserEnvFile::Unavailable(why) => format!("in a go env file ({why})"),
    };
    let root = match goenv.goenv_root() {
        Some(r) => format!("in {}", r.join("go.env").display()),
        None => "in $GOROOT/go.env (no GOROOT: $GOROOT is not set and no Go installation was found on PATH)".to_string(),
    };
    format!("{user} or {root}")
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)], user: &str, goroot_env: Option<&str>) -> Config {
        let env = Env::from_map(vars.iter().copied(), "/w");
        let user_lines = crate::config::goenv::parse_env_file(user.as_bytes());
        let goenv = GoEnv::from_parts(
            env,
            UserEnvFile::Path("/h/.config/go/env".into()),
            &user_lines,
            goroot_env.map(|_| PathBuf::from("/nonexistent/goroot")),
            goroot_env.map(str::as_bytes),
        );
        Config::from_goenv(goenv).unwrap()
    }

    #[test]
    fn defaults_and_layers() {
        let c = config(
            &[("HOME", "/h"), ("GOPRIVATE", "*.corp")],
            "GONOSUMDB=none\n",
            Some("GOPROXY=https://p.example,direct\nGOSUMDB=db.example\n"),
        );
        assert_eq!(c.goproxy_text(), "https://p.example,direct");
        assert_eq!(c.goproxy().unwrap().entries().len(), 3);
        assert_eq!(c.gonoproxy(), "*.corp");
        assert_eq!(c.gonosumdb(), "none");
        assert!(c.is_noproxy("git.corp/x") && c.is_private("git.corp/x"));
        assert!(!c.is_nosumdb("git.corp/x") && !c.is_insecure("git.corp/x"));
        assert_eq!(c.gosumdb(), "db.example");
        assert_eq!(c.goauth_text(), "netrc");
        assert!(c.goauth().unwrap().uses_netrc());
        assert_eq!(c.go_version(), goroot::FALLBACK_GO_VERSION);
        assert_eq!(c.gomodcache().unwrap(), Path::new("/h/go/pkg/mod"));
        assert_eq!(c.source("GOPROXY"), Source::GorootFile);
        assert_eq!(c.go_env("GOROOT").as_deref(), Some("/nonexistent/goroot"));
        assert_eq!(c.go_env("GOPATH").as_deref(), Some("/h/go"));
        assert_eq!(c.go_env("GOARCH"), None);
        assert_eq!(c.gowork(), Ok(GoWork::Auto));
        assert!(c.check_modules_enabled().is_ok());
    }

    #[test]
    fn goproxy_not_set_says_what_to_do() {
        let c = config(&[("HOME", "/h")], "", None);
        let e = c.goproxy().unwrap_err().to_string();
        assert!(e.starts_with("GOPROXY is not set: no value in the environment, in the go env file /h/.config/go/env or in $GOROOT/go.env (no GOROOT"), "{e}");
        assert!(e.contains("set GOPROXY"), "{e}");
        // An empty user-file line hides go.env's value.
        let c = config(
            &[("HOME", "/h")],
            "GOPROXY=\n",
            Some("GOPROXY=https://p.example\n"),
        );
        assert!(matches!(c.goproxy(), Err(GoProxyError::NotSet { .. })));
    }

    #[test]
    fn late_errors() {
        let c = config(
            &[
                ("GOPROXY", "off"),
                ("GO111MODULE", "off"),
                ("GOWORK", "rel.work"),
                ("GOAUTH", "netrc;"),
                ("GOFLAGS", "-nope"),
                ("GOMODCACHE", "rel"),
            ],
            "",
            None,
        );
        assert_eq!(
            c.check_modules_enabled().unwrap_err().to_string(),
            "go: modules disabled by GO111MODULE=off; see 'go help modules'"
        );
        assert_eq!(
            c.gowork().unwrap_err().to_string(),
            "go: invalid GOWORK: not an absolute path"
        );
        assert!(c.goauth().is_err());
        assert!(c.goflags().is_err());
        assert!(c.gomodcache().is_err());
        let c = config(&[("GO111MODULE", "maybe"), ("GOPROXY", "off")], "", None);
        assert_eq!(
            c.check_modules_enabled().unwrap_err().to_string(),
            "go: unknown environment setting GO111MODULE=maybe"
        );
    }
}
