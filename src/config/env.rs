//! [`Env`]: an immutable snapshot of the process environment and working directory.
//!
//! Everything in `config` reads variables through an `Env` value instead of
//! `std::env`, so a test builds the environment it wants ([`Env::from_map`]) and never
//! mutates the process's. The binary takes one snapshot at start-up
//! ([`Env::from_process`]) and passes it down.
//!
//! Go's rule "an empty variable is the same as an unset one" is applied by the
//! readers ([`Env::non_empty`]); [`Env::get`] returns what is there, empty or not, for
//! the few places where Go looks at the raw value.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};

/// Environment variables plus the current directory, as the process saw them.
/// `Debug` shows the variable names only: values may hold credentials.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Env {
    vars: BTreeMap<String, OsString>,
    cwd: PathBuf,
}

impl Env {
    /// The environment of this process and its working directory, spelled as Go's
    /// `os.Getwd` spells it: `$PWD` when that names the current directory (so a path
    /// through a symbolic link is kept), else the resolved path. Variables whose names
    /// are not UTF-8 are left out (no Go configuration variable has such a name).
    pub fn from_process() -> io::Result<Env> {
        let vars: BTreeMap<String, OsString> = std::env::vars_os()
            .filter_map(|(k, v)| k.into_string().ok().map(|k| (k, v)))
            .collect();
        let cwd = go_getwd(vars.get("PWD").map(OsString::as_os_str))?;
        Ok(Env { vars, cwd })
    }

    /// An environment with exactly these variables and working directory (tests, or
    /// a caller that filters the process environment).
    pub fn from_map<I, K, V>(vars: I, cwd: impl Into<PathBuf>) -> Env
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<OsString>,
    {
        Env {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            cwd: cwd.into(),
        }
    }

    /// This environment with `key` set to `value` (builder style, for tests).
    pub fn with(mut self, key: impl Into<String>, value: impl Into<OsString>) -> Env {
        self.vars.insert(key.into(), value.into());
        self
    }

    /// This environment without `key`.
    pub fn without(mut self, key: &str) -> Env {
        self.vars.remove(key);
        self
    }

    /// The raw value of `key`, empty or not.
    pub fn get(&self, key: &str) -> Option<&OsStr> {
        self.vars.get(key).map(OsString::as_os_str)
    }

    /// The value of `key` when set and non-empty (Go's `os.Getenv(key) != ""`).
    pub fn non_empty(&self, key: &str) -> Option<&OsStr> {
        self.get(key).filter(|v| !v.is_empty())
    }

    /// The value of `key` as text (lossy for bytes that are not UTF-8), `""` when
    /// unset: what Go's `os.Getenv` returns.
    pub fn text(&self, key: &str) -> String {
        self.get(key)
            .map(|v| v.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// All variables, sorted by name.
    pub fn vars(&self) -> impl Iterator<Item = (&str, &OsStr)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_os_str()))
    }

    /// The working directory the snapshot was taken in.
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// How Go's `os.Getwd` spells the directory `real` (the resolved path of the
    /// current directory): `$PWD` when that is absolute and names the same
    /// directory, else `real`. Used after a `-C` change of directory.
    pub fn getwd_spelling(&self, real: PathBuf) -> PathBuf {
        pwd_or(self.get("PWD"), real)
    }

    /// `p` made absolute against the working directory (unchanged when absolute).
    pub fn absolute(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.cwd.join(p)
        }
    }
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("cwd", &self.cwd)
            .finish()
    }
}

/// Go's `os.Getwd`: `$PWD` if it is absolute and the same directory as `.`, else
/// the operating system's answer.
fn go_getwd(pwd: Option<&OsStr>) -> io::Result<PathBuf> {
    Ok(pwd_or(pwd, std::env::current_dir()?))
}

fn pwd_or(pwd: Option<&OsStr>, real: PathBuf) -> PathBuf {
    match pwd.map(Path::new).filter(|p| p.is_absolute()) {
        Some(pwd) if same_dir(pwd, &real) => pwd.to_path_buf(),
        _ => real,
    }
}

#[cfg(unix)]
fn same_dir(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_dir(a: &Path, b: &Path) -> bool {
    a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_unset_for_non_empty() {
        let env = Env::from_map([("A", ""), ("B", "x")], "/w");
        assert_eq!(env.get("A"), Some(OsStr::new("")));
        assert_eq!(env.non_empty("A"), None);
        assert_eq!(env.non_empty("B"), Some(OsStr::new("x")));
        assert_eq!(env.text("C"), "");
        assert_eq!(env.absolute(Path::new("r")), PathBuf::from("/w/r"));
        let env = env.with("C", "y").without("B");
        assert_eq!(env.vars().map(|(k, _)| k).collect::<Vec<_>>(), ["A", "C"]);
    }

    #[test]
    fn debug_hides_values() {
        let env = Env::from_map([("NETRC_TOKEN", "s3cret")], "/w");
        let shown = format!("{env:?}");
        assert!(
            shown.contains("NETRC_TOKEN") && !shown.contains("s3cret"),
            "{shown}"
        );
    }

    #[test]
    fn process_snapshot_has_a_cwd() {
        let env = Env::from_process().unwrap();
        assert!(env.cwd().is_absolute());
    }
}
