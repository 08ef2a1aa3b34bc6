//! Start-up: from argv and the environment to a [`Config`] and [`DownloadArgs`], with
//! the go command's start-up failures in its order and with its exit statuses.
//!
//! Order (as `cmd/go/main.go` and `modload` run them): the argv shape and `-C`
//! (exit 2), the `-C` directory change (`go: chdir …`, exit 1), GOPATH checks (exit
//! 2), GOFLAGS validation (exit 1), GOFLAGS and command-line flags (usage, exit 2),
//! then GO111MODULE (exit 1). Go reads its env files before changing directory, and
//! so do we: relative env-file names are relative to the original directory.
//!
//! We do not change the process's directory: the `-C` target is returned as
//! [`Startup::work_dir`] (spelled as Go's `os.Getwd` reports it after a `chdir`:
//! symbolic links resolved, unless `$PWD` names that very directory), and the engine
//! works there.

use super::cmdline::{ArgvError, CommandShape, DownloadArgs, Invocation, UsageError};
use super::env::Env;
use super::goflags::GoFlagsError;
use super::oserr::PathError;
use super::paths::GopathError;
use super::resolved::{Config, ModulesError};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Everything a run needs to start.
#[derive(Debug, Clone)]
pub struct Startup {
    pub config: Config,
    pub args: DownloadArgs,
    pub shape: CommandShape,
    /// Where the command runs: the `-C` directory, else the snapshot's directory.
    pub work_dir: PathBuf,
}

/// A failure before any module is looked at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Argv(#[from] ArgvError),
    /// `-C dir` names no usable directory: `go: chdir <dir>: <reason>`.
    #[error("go: {0}")]
    Chdir(PathError),
    #[error(transparent)]
    Gopath(#[from] GopathError),
    #[error(transparent)]
    GoFlags(#[from] GoFlagsError),
    #[error(transparent)]
    Usage(#[from] UsageError),
    #[error(transparent)]
    Modules(#[from] ModulesError),
}

impl StartupError {
    /// The go command's exit status for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            StartupError::Argv(_) | StartupError::Gopath(_) | StartupError::Usage(_) => 2,
            StartupError::Chdir(_) | StartupError::GoFlags(_) | StartupError::Modules(_) => 1,
        }
    }

    /// Exactly what the go command writes to stderr (newline-terminated).
    pub fn stderr_text(&self) -> String {
        match self {
            StartupError::Usage(u) => u.stderr_text(),
            other => {
                let mut s = other.to_string();
                if !s.ends_with('\n') {
                    s.push('\n');
                }
                s
            }
        }
    }
}

/// Resolves the configuration and the command line. `argv` excludes the program
/// name.
pub fn load(env: &Env, argv: &[OsString]) -> Result<Startup, StartupError> {
    let inv = Invocation::parse(argv)?;
    let work_dir = match &inv.chdir {
        Some(dir) => change_dir(env, Path::new(dir))?,
        None => env.cwd().to_path_buf(),
    };
    let config = Config::resolve(env)?;
    let goflags = config.goflags()?;
    let args = DownloadArgs::parse_as(inv.shape == CommandShape::List, &inv.args, &goflags)?;
    config.check_modules_enabled()?;
    Ok(Startup {
        config,
        args,
        shape: inv.shape,
        work_dir,
    })
}

/// `os.Chdir(dir)` then `os.Getwd()`, without touching the process: the resolved
/// directory, or Go's `chdir` error.
pub fn change_dir(env: &Env, dir: &Path) -> Result<PathBuf, StartupError> {
    let fail = |e: &std::io::Error| StartupError::Chdir(PathError::new("chdir", dir, e));
    if dir.as_os_str().is_empty() {
        return Err(fail(&std::io::ErrorKind::NotFound.into()));
    }
    let target = std::fs::canonicalize(env.absolute(dir)).map_err(|e| fail(&e))?;
    if !target.is_dir() {
        return Err(fail(&std::io::ErrorKind::NotADirectory.into()));
    }
    Ok(env.getwd_spelling(target))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    fn base_env(cwd: &Path) -> Env {
        Env::from_map(
            [
                ("HOME", "/h"),
                ("GOENV", "off"),
                ("GOPROXY", "off"),
                ("GOFLAGS", ""),
            ],
            cwd,
        )
    }

    #[test]
    fn happy_path() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("sub")).unwrap();
        let env = base_env(t.path()).with("GOFLAGS", "-modcacherw -mod=mod");
        let s = load(
            &env,
            &argv(&[
                "mod",
                "download",
                "-C",
                "sub",
                "-json",
                "a.example/m@v1.0.0",
            ]),
        )
        .unwrap();
        assert_eq!(s.shape, CommandShape::ModDownload);
        assert!(s.args.json && s.args.modcacherw);
        assert_eq!(s.args.modules, ["a.example/m@v1.0.0"]);
        assert_eq!(
            s.work_dir,
            std::fs::canonicalize(t.path().join("sub")).unwrap()
        );
        let s = load(&env, &argv(&["download"])).unwrap();
        assert_eq!(s.work_dir, t.path());
    }

    #[test]
    fn failures_and_exit_codes() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("afile"), "").unwrap();
        let env = base_env(t.path());
        let fail = |env: &Env, words: &[&str]| load(env, &argv(words)).unwrap_err();

        let e = fail(&env, &["download", "-C", "afile"]);
        assert_eq!(
            (e.exit_code(), e.stderr_text()),
            (1, "go: chdir afile: not a directory\n".into())
        );
        let e = fail(&env, &["download", "-C="]);
        assert_eq!(e.stderr_text(), "go: chdir : no such file or directory\n");
        let e = fail(&env, &["download", "-C", "missing"]);
        assert_eq!(
            e.stderr_text(),
            "go: chdir missing: no such file or directory\n"
        );

        let e = fail(&env.clone().with("GOPATH", "rel"), &["download"]);
        assert_eq!(e.exit_code(), 2);
        assert!(e.stderr_text().starts_with("go: GOPATH entry is relative"));

        let e = fail(
            &env.clone().with("GOFLAGS", "-bogus"),
            &["download", "-bogus"],
        );
        assert_eq!(
            (e.exit_code(), e.stderr_text()),
            (1, "go: parsing $GOFLAGS: unknown flag -bogus\n".into())
        );

        let e = fail(&env, &["download", "-bogus"]);
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.stderr_text()
                .ends_with("Run 'go help mod download' for details.\n")
        );

        let e = fail(
            &env.clone().with("GO111MODULE", "off"),
            &["download", "x@v1"],
        );
        assert_eq!(e.exit_code(), 1);

        let e = fail(&env, &["tidy"]);
        assert_eq!(e.exit_code(), 2);
    }
}
