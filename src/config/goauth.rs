//! GOAUTH and `.netrc` credentials (spec §3.7.5; `cmd/go/internal/auth`).
//!
//! GOAUTH is a `;`-separated list of commands (default `netrc`). Go runs them in
//! reverse order, so earlier entries take priority, and checks each as it reaches
//! it: an empty command, `off` combined with anything, or a bad `git <dir>` stop the
//! go command (`go: GOAUTH …`, exit status 1). Go does this on the first HTTPS
//! request, so [`GoAuth::parse`]'s error is kept by the caller and reported only when
//! credentials are first needed. We support `off` and `netrc`; `git <dir>` and user
//! commands are parsed and validated with Go's rules, and [`GoAuth::unsupported`]
//! names them so the HTTP layer can refuse them clearly when they would run.
//!
//! `.netrc` (`$NETRC`, else `$HOME/.netrc`; Windows prefers `%USERPROFILE%\_netrc`)
//! is parsed exactly as Go parses it ([`parse_netrc`]); a missing file means no
//! credentials. Each complete entry becomes a Basic `Authorization` value for the
//! prefix `<machine>`; the first entry for a machine wins. A request URL
//! (`https://` stripped, trailing `/` stripped) takes the credentials of the longest
//! stored prefix among itself and its shortenings at `/` ([`Credentials::lookup`]):
//! a URL with a port only matches a machine written with that port.

use super::env::Env;
use super::oserr::PathError;
use base64::Engine as _;
use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// One GOAUTH command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthCommand {
    /// `off`: no credentials at all.
    Off,
    /// `netrc`: credentials from the `.netrc` file.
    Netrc,
    /// `git <absolute dir>`: `git credential fill` in that directory (not supported).
    Git(PathBuf),
    /// Any other command line, run with the URL appended (not supported).
    Command(String),
}

/// A GOAUTH configuration Go refuses; the texts are Go's fatal messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoAuthError {
    #[error("go: GOAUTH encountered an empty command (GOAUTH={0})")]
    EmptyCommand(String),
    #[error("go: GOAUTH=off cannot be combined with other authentication commands (GOAUTH={0})")]
    OffCombined(String),
    #[error("go: GOAUTH=git dir method requires an absolute path to the git working directory")]
    GitArguments,
    #[error(
        "go: GOAUTH=git dir method requires an absolute path to the git working directory, dir is not absolute"
    )]
    GitNotAbsolute,
    #[error("go: GOAUTH=git encountered an error; cannot stat {}: {err}", .dir.display())]
    GitStat { dir: PathBuf, err: PathError },
    #[error(
        "go: GOAUTH=git dir method requires an absolute path to the git working directory, dir is not a directory"
    )]
    GitNotDirectory,
}

/// A GOAUTH command we cannot run yet, reported when credentials are first needed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "GOAUTH={command}: not supported yet by gomodfetch (supported: netrc, off; git and custom credential commands are not)"
)]
pub struct UnsupportedAuth {
    /// The command as written in GOAUTH.
    pub command: String,
}

/// A validated GOAUTH value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoAuth {
    text: String,
    /// In GOAUTH order (Go runs them last to first).
    commands: Vec<AuthCommand>,
}

impl GoAuth {
    /// Validates `goauth` as Go's `runGoAuth` does (in reverse order, stopping at the
    /// first problem). Checking a `git` directory looks at the file system.
    pub fn parse(goauth: &str) -> Result<GoAuth, GoAuthError> {
        let parts: Vec<&str> = goauth.split(';').collect();
        let mut commands = Vec::new();
        for part in parts.iter().rev() {
            let command = part.trim_matches(|c: char| c.is_whitespace());
            let words: Vec<&str> = command.split_whitespace().collect();
            let Some(&first) = words.first() else {
                return Err(GoAuthError::EmptyCommand(goauth.to_string()));
            };
            let parsed = match first {
                "off" if parts.len() != 1 => {
                    return Err(GoAuthError::OffCombined(goauth.to_string()));
                }
                "off" => AuthCommand::Off,
                "netrc" => AuthCommand::Netrc,
                "git" => AuthCommand::Git(check_git_dir(&words)?),
                _ => AuthCommand::Command(command.to_string()),
            };
            commands.push(parsed);
        }
        commands.reverse();
        Ok(GoAuth {
            text: goauth.to_string(),
            commands,
        })
    }

    /// Whether credentials are disabled (`GOAUTH=off` exactly, as Go tests it).
    pub fn is_off(&self) -> bool {
        self.text == "off"
    }

    /// The commands, in GOAUTH order.
    pub fn commands(&self) -> &[AuthCommand] {
        &self.commands
    }

    /// Whether `netrc` is among the commands.
    pub fn uses_netrc(&self) -> bool {
        !self.is_off() && self.commands.contains(&AuthCommand::Netrc)
    }

    /// The commands we cannot run yet (`git …` and user commands), as written.
    pub fn unsupported(&self) -> Vec<String> {
        self.commands
            .iter()
            .filter_map(|c| match c {
                AuthCommand::Git(dir) => Some(format!("git {}", dir.display())),
                AuthCommand::Command(c) => Some(c.clone()),
                AuthCommand::Off | AuthCommand::Netrc => None,
            })
            .collect()
    }
}

impl GoAuth {
    /// Fails on the first command (in Go's run order: last to first) that we cannot
    /// run yet.
    pub fn check_supported(&self) -> Result<(), UnsupportedAuth> {
        match self.unsupported().pop() {
            Some(command) => Err(UnsupportedAuth { command }),
            None => Ok(()),
        }
    }

    /// The credentials to use: those of `.netrc` when `netrc` is configured (read
    /// now), none otherwise. A read error is Go's non-fatal one (it logs it under
    /// `-x` and goes on without credentials).
    pub fn netrc_credentials(&self, env: &Env) -> Result<Credentials, NetrcError> {
        if !self.uses_netrc() {
            return Ok(Credentials::default());
        }
        Ok(Credentials::from_netrc(&load_netrc(env)?))
    }
}

fn check_git_dir(words: &[&str]) -> Result<PathBuf, GoAuthError> {
    let [_, dir] = words else {
        return Err(GoAuthError::GitArguments);
    };
    let dir = PathBuf::from(dir);
    if !dir.is_absolute() {
        return Err(GoAuthError::GitNotAbsolute);
    }
    match std::fs::metadata(&dir) {
        Err(e) => Err(GoAuthError::GitStat {
            err: PathError::new("stat", &dir, &e),
            dir,
        }),
        Ok(m) if !m.is_dir() => Err(GoAuthError::GitNotDirectory),
        Ok(_) => Ok(dir),
    }
}

/// One complete `.netrc` entry. `Debug` does not show the password.
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
            .field("login", &self.login)
            .field("password", &"xxxxx")
            .finish()
    }
}

/// `auth.parseNetrc`. Quirks kept: tokens are read in pairs per line; an entry is
/// emitted as soon as machine, login and password are all set; `macdef` skips the
/// following lines up to an empty one (the rest of its own line is still read); a
/// line whose last unpaired token is `default` ends the file, while `default`
/// inside a pair is ignored.
pub fn parse_netrc(data: &str) -> Vec<NetrcEntry> {
    let mut out = Vec::new();
    let (mut machine, mut login, mut password) = (String::new(), String::new(), String::new());
    let mut in_macro = false;
    for line in data.split('\n') {
        if in_macro {
            in_macro = !line.is_empty();
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let mut i = 0;
        while i + 1 < f.len() {
            let value = f[i + 1].to_string();
            match f[i] {
                "machine" => {
                    machine = value;
                    login.clear();
                    password.clear();
                }
                "login" => login = value,
                "password" => password = value,
                "macdef" => in_macro = true,
                _ => {}
            }
            if !machine.is_empty() && !login.is_empty() && !password.is_empty() {
                out.push(NetrcEntry {
                    machine: std::mem::take(&mut machine),
                    login: std::mem::take(&mut login),
                    password: std::mem::take(&mut password),
                });
            }
            i += 2;
        }
        if f.get(i) == Some(&"default") {
            break;
        }
    }
    out
}

/// Why the `.netrc` file could not be read (Go logs this under `-x`, and goes on
/// without credentials).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetrcError {
    /// No home directory to look in: `$HOME is not defined`.
    #[error("{0}")]
    NoHome(String),
    #[error("{0}")]
    Read(PathError),
}

/// `auth.netrcPath`: `$NETRC`, else the home directory's `.netrc` (`_netrc` first on
/// Windows).
pub fn netrc_path(env: &Env) -> Result<PathBuf, NetrcError> {
    if let Some(p) = env.non_empty("NETRC") {
        return Ok(PathBuf::from(p));
    }
    let (var, shown) = if cfg!(windows) {
        ("USERPROFILE", "%userprofile% is not defined")
    } else {
        ("HOME", "$HOME is not defined")
    };
    let home = env
        .non_empty(var)
        .map(Path::new)
        .ok_or_else(|| NetrcError::NoHome(shown.to_string()))?;
    if cfg!(windows) {
        let legacy = home.join("_netrc");
        match std::fs::metadata(env.absolute(&legacy)) {
            Ok(_) => return Ok(legacy),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(NetrcError::Read(PathError::new("stat", legacy, &e))),
        }
    }
    Ok(home.join(".netrc"))
}

/// Reads and parses the `.netrc` file; a missing file gives no entries.
pub fn load_netrc(env: &Env) -> Result<Vec<NetrcEntry>, NetrcError> {
    let path = netrc_path(env)?;
    let mut f = match std::fs::File::open(env.absolute(&path)) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(NetrcError::Read(PathError::new("open", path, &e))),
    };
    let mut data = Vec::new();
    f.read_to_end(&mut data)
        .map_err(|e| NetrcError::Read(PathError::new("read", &path, &e)))?;
    Ok(parse_netrc(&String::from_utf8_lossy(&data)))
}

/// Credentials by URL prefix (`host[:port][/path]`, no scheme, no trailing `/`).
/// `Debug` lists the prefixes only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    by_prefix: HashMap<String, String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut prefixes: Vec<&String> = self.by_prefix.keys().collect();
        prefixes.sort();
        f.debug_struct("Credentials")
            .field("prefixes", &prefixes)
            .finish()
    }
}

impl Credentials {
    /// The Basic credentials of `.netrc` entries; the first entry for a machine wins.
    pub fn from_netrc(entries: &[NetrcEntry]) -> Credentials {
        let mut by_prefix = HashMap::new();
        for e in entries {
            let basic = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", e.login, e.password));
            by_prefix
                .entry(storage_key(&e.machine).to_string())
                .or_insert(format!("Basic {basic}"));
        }
        Credentials { by_prefix }
    }

    /// `auth.loadCredential`: the `Authorization` value for a request URL (as
    /// `URL.String()` prints it), trying the URL and its shortenings at `/`.
    pub fn lookup(&self, url: &str) -> Option<&str> {
        let mut prefix = storage_key(url);
        loop {
            if let Some(v) = self.by_prefix.get(prefix) {
                return Some(v);
            }
            prefix = &prefix[..prefix.rfind('/')?];
        }
    }

    /// Whether there are no credentials.
    pub fn is_empty(&self) -> bool {
        self.by_prefix.is_empty()
    }
}

/// `https://` and one trailing `/` removed, as Go stores and looks up prefixes.
fn storage_key(s: &str) -> &str {
    let s = s.strip_prefix("https://").unwrap_or(s);
    s.strip_suffix('/').unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goauth_validation() {
        let g = GoAuth::parse("netrc").unwrap();
        assert!(g.uses_netrc() && !g.is_off() && g.unsupported().is_empty());
        assert!(GoAuth::parse("off").unwrap().is_off());
        let g = GoAuth::parse(" my-helper --flag ; netrc").unwrap();
        assert_eq!(
            g.commands(),
            [
                AuthCommand::Command("my-helper --flag".into()),
                AuthCommand::Netrc
            ]
        );
        assert_eq!(g.unsupported(), ["my-helper --flag"]);
        let e = |v: &str| GoAuth::parse(v).unwrap_err().to_string();
        assert_eq!(
            e("netrc;"),
            "go: GOAUTH encountered an empty command (GOAUTH=netrc;)"
        );
        assert_eq!(
            e("off;netrc"),
            "go: GOAUTH=off cannot be combined with other authentication commands (GOAUTH=off;netrc)"
        );
        // Reverse order: the last entry is checked first.
        assert_eq!(
            e("off; ;git"),
            "go: GOAUTH=git dir method requires an absolute path to the git working directory"
        );
        assert_eq!(
            e("git rel"),
            "go: GOAUTH=git dir method requires an absolute path to the git working directory, dir is not absolute"
        );
        assert_eq!(
            e("git /nonexistent/gomodfetch"),
            "go: GOAUTH=git encountered an error; cannot stat /nonexistent/gomodfetch: stat /nonexistent/gomodfetch: no such file or directory"
        );
        let g = GoAuth::parse("git /;netrc;helper x").unwrap();
        assert_eq!(g.unsupported(), ["git /", "helper x"]);
        assert_eq!(
            g.check_supported().unwrap_err().to_string(),
            "GOAUTH=helper x: not supported yet by gomodfetch (supported: netrc, off; git and custom credential commands are not)"
        );
        assert!(GoAuth::parse("netrc").unwrap().check_supported().is_ok());
        let off = GoAuth::parse("off").unwrap();
        let env = Env::from_map([("NETRC", "/nonexistent/x")], "/");
        assert!(off.netrc_credentials(&env).unwrap().is_empty());
    }

    #[test]
    fn netrc_quirks() {
        let n = parse_netrc(
            "machine a login u password p\nmachine b\nlogin v default x\npassword q\n\
             default\nmachine c login w password r\n",
        );
        let machines: Vec<&str> = n.iter().map(|e| e.machine.as_str()).collect();
        assert_eq!(machines, ["a", "b"]);
        let n = parse_netrc(
            "machine m macdef x login l password p\n login z\n\nmachine n login l2 password p2",
        );
        assert_eq!(n.len(), 2);
        assert_eq!(n[0].login, "l");
    }

    #[test]
    fn credential_prefixes() {
        let c = Credentials::from_netrc(&parse_netrc(
            "machine h.example login u password p\nmachine h.example login x password y\n\
             machine h.example:8443/sub login a password b\n",
        ));
        let basic_up = "Basic dTpw";
        assert_eq!(c.lookup("https://h.example/mod/@v/list"), Some(basic_up));
        assert_eq!(c.lookup("https://h.example"), Some(basic_up));
        assert_eq!(c.lookup("https://h.example:8443/x"), None);
        assert_eq!(c.lookup("https://h.example:8443/sub/x"), Some("Basic YTpi"));
        assert_eq!(c.lookup("https://other.example/"), None);
        let shown = format!(
            "{c:?} {:?}",
            parse_netrc("machine m login l password secret")
        );
        assert!(
            !shown.contains("dTpw") && !shown.contains("secret"),
            "{shown}"
        );
    }

    #[test]
    fn netrc_location() {
        let env = Env::from_map([("NETRC", "/n"), ("HOME", "/h")], "/");
        assert_eq!(netrc_path(&env).unwrap(), PathBuf::from("/n"));
        if !cfg!(windows) {
            let env = Env::from_map([("NETRC", ""), ("HOME", "/h")], "/");
            assert_eq!(netrc_path(&env).unwrap(), PathBuf::from("/h/.netrc"));
            assert_eq!(
                netrc_path(&Env::default()).unwrap_err().to_string(),
                "$HOME is not defined"
            );
            let env = Env::from_map([("HOME", "/nonexistent/gomodfetch")], "/");
            assert_eq!(load_netrc(&env), Ok(Vec::new()));
            // A real file, found relative to HOME.
            let t = tempfile::tempdir().unwrap();
            std::fs::write(
                t.path().join(".netrc"),
                "machine h.example login u password p\n",
            )
            .unwrap();
            let env = Env::from_map([("HOME", t.path())], "/");
            let creds = GoAuth::parse("netrc")
                .unwrap()
                .netrc_credentials(&env)
                .unwrap();
            assert_eq!(creds.lookup("https://h.example/x"), Some("Basic dTpw"));
            // A directory where the file should be: Go's read error.
            let env = Env::from_map([("NETRC", t.path())], "/");
            assert_eq!(
                load_netrc(&env).unwrap_err().to_string(),
                format!("read {}: is a directory", t.path().display())
            );
        }
    }
}
