//! Go's layered configuration lookup (spec §3.1, `cmd/go/internal/cfg/cfg.go`:
//! `EnvFile`, `initEnvCache`, `readEnvFile`, `Getenv`, `EnvOrAndChanged`).
//!
//! A variable's value is the first of:
//! 1. the process environment, when non-empty;
//! 2. the user's go env file (`$GOENV`, `GOENV=off` for none, default
//!    `<UserConfigDir>/go/env`);
//! 3. `$GOROOT/go.env` — but only for keys the user file does not mention at all: a
//!    user-file line `GOPROXY=` (empty) hides go.env's GOPROXY;
//! 4. the caller's built-in default ([`GoEnv::get_or`]), used whenever the value
//!    found so far is empty.
//!
//! The GOROOT whose `go.env` is read is found as Go finds it: a `GOROOT` line in the
//! user file, else `$GOROOT`, else the installation of the `go` found on `PATH`
//! ([`super::goroot`]). Unreadable or missing files are silently skipped, as Go does.
//! Relative file names are taken relative to the snapshot's working directory.
//!
//! Env-file syntax: lines split on `\n`; a line counts only if it contains `=` and
//! starts with `A`–`Z`; the key is everything before the first `=`, the value
//! everything after it, untrimmed (a CRLF file keeps its `\r`); later lines win.

use super::env::Env;
use super::goroot;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The process environment.
    Process,
    /// The user's go env file.
    UserFile,
    /// `$GOROOT/go.env`.
    GorootFile,
    /// Nothing set it (or only to the empty string): the built-in default.
    Default,
}

/// A looked-up value and its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    pub value: OsString,
    pub source: Source,
}

impl Lookup {
    /// The value as text (lossy for bytes that are not UTF-8).
    pub fn text(&self) -> String {
        self.value.to_string_lossy().into_owned()
    }
}

/// Which user env file applies (`cfg.EnvFile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserEnvFile {
    /// This file (it may not exist).
    Path(PathBuf),
    /// `GOENV=off`.
    Off,
    /// No user config directory: Go's reason, e.g.
    /// `neither $XDG_CONFIG_HOME nor $HOME are defined`.
    Unavailable(String),
}

/// The layered view of the configuration variables. Built once; lookups are pure.
#[derive(Debug, Clone)]
pub struct GoEnv {
    process: Env,
    user_file: UserEnvFile,
    /// The user file's keys and the go.env keys it does not mention (`envCache.m`).
    files: BTreeMap<String, (OsString, Source)>,
    /// The GOROOT whose go.env was consulted (None: no GOROOT found).
    goenv_root: Option<PathBuf>,
    goroot_file_found: bool,
}

impl GoEnv {
    /// Reads the env files for this environment.
    pub fn load(env: &Env) -> GoEnv {
        let user_file = user_env_file(env);
        let user_bytes = match &user_file {
            UserEnvFile::Path(p) => std::fs::read(env.absolute(p)).ok(),
            _ => None,
        };
        let user = user_bytes
            .as_deref()
            .map(parse_env_file)
            .unwrap_or_default();
        let from_user_file = user
            .iter()
            .rev()
            .find(|(k, _)| k == "GOROOT")
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty());
        let root = goroot::find(env, from_user_file.as_deref());
        let goroot_bytes = root
            .as_ref()
            .and_then(|r| std::fs::read(env.absolute(&r.join("go.env"))).ok());
        GoEnv::from_parts(env.clone(), user_file, &user, root, goroot_bytes.as_deref())
    }

    /// Assembles the layers from already-read parts: the user file's parsed lines,
    /// the GOROOT consulted and the bytes of its go.env (if readable).
    pub fn from_parts(
        process: Env,
        user_file: UserEnvFile,
        user_lines: &[(String, OsString)],
        goenv_root: Option<PathBuf>,
        goroot_env: Option<&[u8]>,
    ) -> GoEnv {
        let mut files = BTreeMap::new();
        for (k, v) in user_lines {
            files.insert(k.clone(), (v.clone(), Source::UserFile));
        }
        let goroot_lines = goroot_env.map(parse_env_file).unwrap_or_default();
        for (k, v) in goroot_lines {
            // go.env never overrides a key already seen: one the user file mentions,
            // even emptily, or an earlier go.env line (the first one wins there).
            files.entry(k).or_insert((v, Source::GorootFile));
        }
        // Go stores the GOROOT it found under "GOROOT", replacing any file value.
        files.remove("GOROOT");
        if let Some(r) = &goenv_root {
            files.insert(
                "GOROOT".to_string(),
                (r.clone().into_os_string(), Source::Default),
            );
        }
        GoEnv {
            process,
            user_file,
            files,
            goenv_root,
            goroot_file_found: goroot_env.is_some(),
        }
    }

    /// `cfg.Getenv(key)`: the process value if non-empty, else the files' value
    /// (possibly empty), else empty with [`Source::Default`].
    pub fn get(&self, key: &str) -> Lookup {
        if let Some(v) = self.process.non_empty(key) {
            return Lookup {
                value: v.to_os_string(),
                source: Source::Process,
            };
        }
        match self.files.get(key) {
            Some((v, source)) => Lookup {
                value: v.clone(),
                source: *source,
            },
            None => Lookup {
                value: OsString::new(),
                source: Source::Default,
            },
        }
    }

    /// `cfg.EnvOrAndChanged(key, default)`'s value: [`GoEnv::get`] unless empty, in
    /// which case `default` with [`Source::Default`].
    pub fn get_or(&self, key: &str, default: impl Into<OsString>) -> Lookup {
        let found = self.get(key);
        if found.value.is_empty() {
            Lookup {
                value: default.into(),
                source: Source::Default,
            }
        } else {
            found
        }
    }

    /// [`GoEnv::get`] as text (lossy for bytes that are not UTF-8).
    pub fn text(&self, key: &str) -> String {
        self.get(key).text()
    }

    /// The process environment these layers sit on.
    pub fn process(&self) -> &Env {
        &self.process
    }

    /// The user env file that applies.
    pub fn user_file(&self) -> &UserEnvFile {
        &self.user_file
    }

    /// The GOROOT whose `go.env` was consulted, if any.
    pub fn goenv_root(&self) -> Option<&Path> {
        self.goenv_root.as_deref()
    }

    /// Whether that `go.env` could be read.
    pub fn goroot_file_found(&self) -> bool {
        self.goroot_file_found
    }

    /// `cfg.GOROOT`: `$GOROOT` as written when set, else the GOROOT found.
    pub fn goroot(&self) -> Option<PathBuf> {
        let v = self.get("GOROOT").value;
        (!v.is_empty()).then(|| PathBuf::from(v))
    }
}

/// `cfg.EnvFile`: which user env file applies.
pub fn user_env_file(env: &Env) -> UserEnvFile {
    if let Some(f) = env.non_empty("GOENV") {
        if f == OsStr::new("off") {
            return UserEnvFile::Off;
        }
        return UserEnvFile::Path(PathBuf::from(f));
    }
    match user_config_dir(env) {
        Ok(dir) if dir.as_os_str().is_empty() => {
            UserEnvFile::Unavailable("missing user-config dir".to_string())
        }
        Ok(dir) => UserEnvFile::Path(dir.join("go/env")),
        Err(why) => UserEnvFile::Unavailable(why),
    }
}

/// `os.UserConfigDir` for this platform, with Go's error texts.
pub fn user_config_dir(env: &Env) -> Result<PathBuf, String> {
    if cfg!(windows) {
        return env
            .non_empty("AppData")
            .map(PathBuf::from)
            .ok_or_else(|| "%AppData% is not defined".to_string());
    }
    if cfg!(target_vendor = "apple") {
        return env
            .non_empty("HOME")
            .map(|h| Path::new(h).join("Library/Application Support"))
            .ok_or_else(|| "$HOME is not defined".to_string());
    }
    match env.non_empty("XDG_CONFIG_HOME") {
        Some(d) if Path::new(d).is_absolute() => Ok(PathBuf::from(d)),
        Some(_) => Err("path in $XDG_CONFIG_HOME is relative".to_string()),
        None => match env.non_empty("HOME") {
            // Go appends "/.config" to the string, without cleaning.
            Some(h) => {
                let mut dir = h.to_os_string();
                dir.push("/.config");
                Ok(PathBuf::from(dir))
            }
            None => Err("neither $XDG_CONFIG_HOME nor $HOME are defined".to_string()),
        },
    }
}

/// `readEnvFile`'s parse: the `KEY=value` lines that count, in order.
pub fn parse_env_file(data: &[u8]) -> Vec<(String, OsString)> {
    data.split(|&b| b == b'\n')
        .filter(|line| line.first().is_some_and(u8::is_ascii_uppercase))
        .filter_map(|line| {
            let eq = line.iter().position(|&b| b == b'=')?;
            let key = String::from_utf8_lossy(&line[..eq]).into_owned();
            Some((key, bytes_to_os(&line[eq + 1..])))
        })
        .collect()
}

/// Bytes from a file as an `OsString` (exact on Unix, lossy elsewhere).
pub(crate) fn bytes_to_os(b: &[u8]) -> OsString {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        OsStr::from_bytes(b).to_os_string()
    }
    #[cfg(not(unix))]
    {
        OsString::from(String::from_utf8_lossy(b).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layers(process: &[(&str, &str)], user: &str, goroot_env: Option<&str>) -> GoEnv {
        let env = Env::from_map(process.iter().copied(), "/w");
        GoEnv::from_parts(
            env,
            UserEnvFile::Path("/u/go/env".into()),
            &parse_env_file(user.as_bytes()),
            Some("/goroot".into()),
            goroot_env.map(str::as_bytes),
        )
    }

    #[test]
    fn env_file_syntax() {
        let lines = parse_env_file(b"# c\nA=1\nb=2\nNOEQ\n=x\nA B= sp \r\nA=3\nK=v=w\n\nZ=");
        let got: Vec<(&str, &str)> = lines
            .iter()
            .map(|(k, v)| (k.as_str(), v.to_str().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("A", "1"),
                ("A B", " sp \r"),
                ("A", "3"),
                ("K", "v=w"),
                ("Z", "")
            ]
        );
    }

    #[test]
    fn precedence() {
        let g = layers(
            &[("GOPROXY", ""), ("GOFLAGS", "-x")],
            "GOPROXY=user\nGOSUMDB=\nGOFLAGS=-json\n",
            Some(
                "GOPROXY=root\nGOSUMDB=rootdb\nGOTOOLCHAIN=auto\nGOROOT=/elsewhere\nGOTOOLCHAIN=x\n",
            ),
        );
        assert_eq!(g.get("GOPROXY").source, Source::UserFile);
        assert_eq!(g.text("GOPROXY"), "user");
        // An empty user-file line hides go.env's value.
        assert_eq!(g.get("GOSUMDB").value, "");
        assert_eq!(g.get("GOSUMDB").source, Source::UserFile);
        assert_eq!(g.get_or("GOSUMDB", "d").source, Source::Default);
        assert_eq!(g.get("GOTOOLCHAIN").source, Source::GorootFile);
        assert_eq!(g.text("GOTOOLCHAIN"), "auto");
        assert_eq!(g.get("GOFLAGS").source, Source::Process);
        assert_eq!(g.get_or("GOAUTH", "netrc").text(), "netrc");
        assert_eq!(g.goroot(), Some(PathBuf::from("/goroot")));
    }

    #[test]
    fn goroot_from_process_wins_for_cfg_goroot() {
        let g = layers(&[("GOROOT", "/p/")], "", None);
        assert_eq!(g.goroot(), Some(PathBuf::from("/p/")));
        assert!(!g.goroot_file_found());
    }

    #[test]
    fn user_file_location() {
        let at = |vars: &[(&str, &str)]| user_env_file(&Env::from_map(vars.iter().copied(), "/"));
        assert_eq!(at(&[("GOENV", "off")]), UserEnvFile::Off);
        assert_eq!(
            at(&[("GOENV", "rel/env")]),
            UserEnvFile::Path("rel/env".into())
        );
        if cfg!(all(unix, not(target_vendor = "apple"))) {
            assert_eq!(
                at(&[("GOENV", ""), ("HOME", "/h")]),
                UserEnvFile::Path("/h/.config/go/env".into())
            );
            assert_eq!(
                at(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")]),
                UserEnvFile::Path("/x/go/env".into())
            );
            assert_eq!(
                at(&[("XDG_CONFIG_HOME", "x")]),
                UserEnvFile::Unavailable("path in $XDG_CONFIG_HOME is relative".into())
            );
            assert_eq!(
                at(&[]),
                UserEnvFile::Unavailable("neither $XDG_CONFIG_HOME nor $HOME are defined".into())
            );
        }
    }
}
