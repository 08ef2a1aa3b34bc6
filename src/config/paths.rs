//! GOPATH, GOMODCACHE and the checksum-database directory (`cfg.go`: `gopath`,
//! `gopathDir`, `GOMODCACHE`, `SumdbDir`; `go/build`: `defaultGOPATH`; `main.go`:
//! the GOPATH checks; `modfetch/cache.go`: `checkCacheDir`).
//!
//! The rules, in Go's order:
//! 1. Default GOPATH: `$HOME/go` (cleaned) unless that equals `$GOROOT` (the process
//!    variable: a trimmed `go` binary has no built-in root); no `$HOME`, no default.
//! 2. GOPATH = the layered value, else the default.
//! 3. GOMODCACHE = the layered value, else `<first GOPATH element>/pkg/mod`; the
//!    sumdb directory is always `<first GOPATH element>/pkg/sumdb`. Both are fixed
//!    *before* step 4, as Go computes them at package initialisation.
//! 4. Start-up checks (fatal, exit status 2): a GOPATH equal to GOROOT only warns;
//!    otherwise an element starting with `~` or a relative element is an error —
//!    except that a relative *default* (from a relative `$HOME`) is silently dropped.
//! 5. GOMODCACHE is checked only when the cache is used: empty or relative is an
//!    error then ([`CacheDirError`]), reported per module like any download error.

use super::env::Env;
use super::goenv::GoEnv;
use super::goroot::clean;
use crate::gostr::quote;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// The resolved GOPATH-derived locations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoPaths {
    /// GOPATH after the start-up checks (`cfg.BuildContext.GOPATH`); may be empty.
    pub gopath: OsString,
    /// Why there is no default GOPATH (`cfg.GoPathError`), e.g. `HOME is not set`.
    pub gopath_error: Option<String>,
    /// GOMODCACHE as configured or derived; may be empty or relative (checked on use).
    pub gomodcache: OsString,
    /// `<GOPATH[0]>/pkg/sumdb`, empty when GOPATH's first element is empty.
    pub sumdb_dir: OsString,
    /// Warnings Go prints to stderr at start-up.
    pub warnings: Vec<String>,
}

/// A fatal GOPATH problem found at start-up (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GopathError {
    #[error("go: GOPATH entry cannot start with shell metacharacter '~': {}", quote(.0.as_encoded_bytes()))]
    Tilde(OsString),
    #[error("go: GOPATH entry is relative; must be absolute path: {}.\nFor more details see: 'go help gopath'", quote(.0.as_encoded_bytes()))]
    Relative(OsString),
}

/// GOMODCACHE cannot be used (`checkCacheDir`). Reported per module, exit status 1.
/// The relative-path text ends with a newline, as Go's does (it shows in `-json`
/// `Error` fields; a printer adds no second newline, like Go's `log`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheDirError {
    #[error("module cache not found: neither GOMODCACHE nor GOPATH is set")]
    NotSet,
    #[error("GOMODCACHE entry is relative; must be absolute path: {}.\n", quote(.0.as_encoded_bytes()))]
    Relative(OsString),
}

/// The sumdb directory cannot be located (Go's `ReadConfig`/`WriteConfig` error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not locate sumdb file: missing $GOPATH: {reason}")]
pub struct SumdbDirError {
    /// `cfg.GoPathError` (may be empty).
    pub reason: String,
}

/// `go/build.defaultGOPATH` plus `cfg.gopath`'s explanation when there is none.
fn default_gopath(env: &Env) -> (OsString, Option<String>) {
    if let Some(p) = env.non_empty("GOPATH") {
        return (p.to_os_string(), None);
    }
    let home_var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    let Some(home) = env.non_empty(home_var) else {
        return (OsString::new(), Some(format!("{home_var} is not set")));
    };
    let def = clean(&Path::new(home).join("go"));
    let clashes = env
        .non_empty("GOROOT")
        .is_some_and(|root| clean(Path::new(root)) == def);
    if clashes {
        (
            OsString::new(),
            Some("cannot set GOROOT as GOPATH".to_string()),
        )
    } else {
        (def.into_os_string(), None)
    }
}

/// `gopathDir(rel)`: `<first element>/rel`, empty when the first element is.
fn gopath_dir(gopath: &OsStr, rel: &str) -> OsString {
    match std::env::split_paths(gopath).next() {
        Some(first) if !first.as_os_str().is_empty() && !gopath.is_empty() => {
            clean(&first.join(rel)).into_os_string()
        }
        _ => OsString::new(),
    }
}

/// Resolves GOPATH, GOMODCACHE and the sumdb directory, with Go's start-up checks.
/// `goroot` is `cfg.GOROOT` (for the "same directory" warning).
pub fn resolve(goenv: &GoEnv, goroot: Option<&Path>) -> Result<GoPaths, GopathError> {
    let (default, gopath_error) = default_gopath(goenv.process());
    let configured = goenv.get("GOPATH").value;
    let mut gopath = if configured.is_empty() {
        default
    } else {
        configured.clone()
    };
    let gomodcache = goenv
        .get_or("GOMODCACHE", gopath_dir(&gopath, "pkg/mod"))
        .value;
    let sumdb_dir = gopath_dir(&gopath, "pkg/sumdb");

    let mut warnings = Vec::new();
    let same_as_goroot = goroot.is_some_and(|root| clean(Path::new(&gopath)) == clean(root));
    if same_as_goroot {
        warnings.push(format!(
            "warning: both GOPATH and GOROOT are the same directory ({}); see https://go.dev/wiki/InstallTroubleshooting",
            Path::new(&gopath).display()
        ));
    } else {
        let elements: Vec<PathBuf> = if gopath.is_empty() {
            Vec::new()
        } else {
            std::env::split_paths(&gopath).collect()
        };
        for p in elements {
            if p.as_os_str().is_empty() {
                continue;
            }
            if p.as_os_str().as_encoded_bytes().starts_with(b"~") {
                return Err(GopathError::Tilde(p.into_os_string()));
            }
            if !p.is_absolute() {
                if configured.is_empty() {
                    // An inferred GOPATH from a relative $HOME: un-infer it.
                    gopath = OsString::new();
                } else {
                    return Err(GopathError::Relative(p.into_os_string()));
                }
            }
        }
    }
    Ok(GoPaths {
        gopath,
        gopath_error,
        gomodcache,
        sumdb_dir,
        warnings,
    })
}

impl GoPaths {
    /// The module cache root, or why it cannot be used.
    pub fn gomodcache(&self) -> Result<&Path, CacheDirError> {
        let p = Path::new(&self.gomodcache);
        if self.gomodcache.is_empty() {
            Err(CacheDirError::NotSet)
        } else if !p.is_absolute() {
            Err(CacheDirError::Relative(self.gomodcache.clone()))
        } else {
            Ok(p)
        }
    }

    /// The checksum-database state directory (`GOPATH/pkg/sumdb`), or why there is
    /// none. Go uses it as is, even when relative.
    pub fn sumdb_dir(&self) -> Result<&Path, SumdbDirError> {
        if self.sumdb_dir.is_empty() {
            Err(SumdbDirError {
                reason: self.gopath_error.clone().unwrap_or_default(),
            })
        } else {
            Ok(Path::new(&self.sumdb_dir))
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::config::goenv::UserEnvFile;

    fn paths(vars: &[(&str, &str)], goroot: Option<&str>) -> Result<GoPaths, GopathError> {
        let env = Env::from_map(vars.iter().copied(), "/w");
        let g = GoEnv::from_parts(env, UserEnvFile::Off, &[], None, None);
        resolve(&g, goroot.map(Path::new))
    }

    #[test]
    fn defaults_from_home() {
        let p = paths(&[("HOME", "/h/")], Some("/usr/local/go")).unwrap();
        assert_eq!(p.gopath, "/h/go");
        assert_eq!(p.gomodcache().unwrap(), Path::new("/h/go/pkg/mod"));
        assert_eq!(p.sumdb_dir().unwrap(), Path::new("/h/go/pkg/sumdb"));
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn goroot_clash() {
        // $GOROOT set: no default GOPATH, and an explanation for sumdb errors.
        let p = paths(&[("HOME", "/usr/local"), ("GOROOT", "/usr/local/go")], None).unwrap();
        assert_eq!(p.gopath, "");
        assert_eq!(p.gomodcache(), Err(CacheDirError::NotSet));
        assert_eq!(
            p.sumdb_dir().unwrap_err().to_string(),
            "could not locate sumdb file: missing $GOPATH: cannot set GOROOT as GOPATH"
        );
        // GOROOT only found (not in the environment): GOPATH defaults into it, with a
        // warning.
        let p = paths(&[("HOME", "/usr/local")], Some("/usr/local/go")).unwrap();
        assert_eq!(p.gopath, "/usr/local/go");
        assert_eq!(p.warnings.len(), 1);
        assert!(
            p.warnings[0].starts_with(
                "warning: both GOPATH and GOROOT are the same directory (/usr/local/go)"
            )
        );
    }

    #[test]
    fn lists_and_errors() {
        let p = paths(&[("GOPATH", "/a:/b")], None).unwrap();
        assert_eq!(p.gomodcache().unwrap(), Path::new("/a/pkg/mod"));
        let p = paths(&[("GOPATH", ":/a")], None).unwrap();
        assert_eq!(p.gomodcache(), Err(CacheDirError::NotSet));
        assert_eq!(
            p.sumdb_dir().unwrap_err().to_string(),
            "could not locate sumdb file: missing $GOPATH: "
        );
        assert_eq!(
            paths(&[("GOPATH", "/a::rel")], None)
                .unwrap_err()
                .to_string(),
            "go: GOPATH entry is relative; must be absolute path: \"rel\".\nFor more details see: 'go help gopath'"
        );
        assert_eq!(
            paths(&[("GOPATH", "~/x")], None).unwrap_err().to_string(),
            "go: GOPATH entry cannot start with shell metacharacter '~': \"~/x\""
        );
        // A relative default is dropped, but GOMODCACHE was derived before that.
        let p = paths(&[("HOME", "rel")], None).unwrap();
        assert_eq!(p.gopath, "");
        assert_eq!(
            p.gomodcache().unwrap_err().to_string(),
            "GOMODCACHE entry is relative; must be absolute path: \"rel/go/pkg/mod\".\n"
        );
        let p = paths(&[("HOME", "/h"), ("GOMODCACHE", "/m/../c")], None).unwrap();
        assert_eq!(p.gomodcache().unwrap(), Path::new("/m/../c"));
        let p = paths(&[], None).unwrap();
        assert_eq!(p.gopath_error.as_deref(), Some("HOME is not set"));
    }
}
