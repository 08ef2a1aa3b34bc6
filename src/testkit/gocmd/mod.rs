//! Running the real `go` (and, through the same [`Sandbox`], any other program such as
//! our own `gomodfetch`) in an environment isolated from the machine's Go
//! configuration, and capturing everything a differential test compares.
//!
//! ```no_run
//! use gomodfetch::testkit::gocmd::{Go, Sandbox};
//! use gomodfetch::testkit::tree::SnapshotOptions;
//!
//! let go = Go::find().expect("go");
//! let mut sb = Sandbox::new()?;
//! sb.goproxy("file:///path/to/proxy").modcacherw(true);
//! let run = go.mod_download(&sb, &sb.work_dir(), &["-json"], ["rsc.io/quote@v1.5.2"])?;
//! assert!(run.success(), "{run}");
//! let records = run.download_records()?;          // parsed `-json` stream
//! let cache = sb.cache_snapshot(&SnapshotOptions::default())?;  // the tree it left
//! let stable = sb.normalizer().apply(&run.stdout); // paths → $GOMODCACHE, …
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A run gives: exit status, stdout, stderr, wall time ([`Run`]), the `-json` stream
//! parsed with each record's raw bytes ([`Run::json`], [`Run::download_records`]);
//! the sandbox gives the cache snapshot ([`Sandbox::cache_snapshot`]) and the
//! normaliser ([`Sandbox::normalizer`]).

mod run;
mod sandbox;

pub use run::{DownloadRecord, JsonRecord, JsonStreamError, Run, parse_json_stream};
pub use sandbox::{DEFAULT_TIMEOUT, Sandbox, copy_tree, remove_tree};

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};

/// Why the `go` command could not be found.
#[derive(Debug, thiserror::Error)]
pub enum FindError {
    /// `$GOMODFETCH_GO` names something that is not a file.
    #[error("GOMODFETCH_GO={0:?} is not a file")]
    NotAFile(PathBuf),
    /// No `go` in any `PATH` directory.
    #[error("the `go` command is not on PATH (set GOMODFETCH_GO to use another)")]
    NotOnPath,
}

/// The real `go` command.
#[derive(Debug, Clone)]
pub struct Go {
    bin: PathBuf,
}

impl Go {
    /// Finds `go`: `$GOMODFETCH_GO` when set, else the first `go` on `PATH`.
    pub fn find() -> Result<Go, FindError> {
        if let Some(p) = std::env::var_os("GOMODFETCH_GO") {
            let p = PathBuf::from(p);
            return if p.is_file() {
                Ok(Go { bin: p })
            } else {
                Err(FindError::NotAFile(p))
            };
        }
        std::env::var_os("PATH")
            .and_then(|path| {
                std::env::split_paths(&path)
                    .map(|d| d.join("go"))
                    .find(|p| p.is_file())
            })
            .map(|bin| Go { bin })
            .ok_or(FindError::NotOnPath)
    }

    /// The `go` at `bin`.
    pub fn at(bin: impl Into<PathBuf>) -> Go {
        Go { bin: bin.into() }
    }

    /// Its path.
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// A `go` command in `dir` with the sandbox's environment, to add arguments to.
    pub fn command(&self, sb: &Sandbox, dir: impl AsRef<Path>) -> std::process::Command {
        sb.command(&self.bin, dir)
    }

    /// Runs `go args…` in `dir`.
    pub fn run<I, S>(&self, sb: &Sandbox, dir: impl AsRef<Path>, args: I) -> io::Result<Run>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        sb.run(&self.bin, dir, args)
    }

    /// `go mod download <flags> <modules>`; `flags` are e.g. `["-json"]`,
    /// `["-json", "-x"]`.
    pub fn mod_download<I, S>(
        &self,
        sb: &Sandbox,
        dir: impl AsRef<Path>,
        flags: &[&str],
        modules: I,
    ) -> io::Result<Run>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run(sb, dir, sub_command(&["mod", "download"], flags, modules))
    }

    /// `go list -m <flags> <args>`; `flags` are e.g. `["-json"]`, `["-versions"]`.
    pub fn list_m<I, S>(
        &self,
        sb: &Sandbox,
        dir: impl AsRef<Path>,
        flags: &[&str],
        args: I,
    ) -> io::Result<Run>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run(sb, dir, sub_command(&["list", "-m"], flags, args))
    }

    /// `go mod verify` in the main module at `dir`.
    pub fn mod_verify(&self, sb: &Sandbox, dir: impl AsRef<Path>) -> io::Result<Run> {
        self.run(sb, dir, ["mod", "verify"])
    }

    /// `go mod edit -json FILE`, run in `dir`.
    pub fn mod_edit_json(
        &self,
        sb: &Sandbox,
        dir: impl AsRef<Path>,
        file: impl AsRef<Path>,
    ) -> io::Result<Run> {
        self.run(
            sb,
            dir,
            [
                OsStr::new("mod"),
                OsStr::new("edit"),
                OsStr::new("-json"),
                file.as_ref().as_os_str(),
            ],
        )
    }

    /// `go env NAME…` → the values, one per name (a failed run is an error carrying
    /// its stderr).
    pub fn env(&self, sb: &Sandbox, names: &[&str]) -> io::Result<Vec<String>> {
        let mut args = vec!["env"];
        args.extend_from_slice(names);
        let run = self.run(sb, sb.work_dir(), args)?;
        if !run.success() {
            return Err(io::Error::other(run.to_string()));
        }
        Ok(run.stdout_text().lines().map(str::to_string).collect())
    }

    /// The toolchain's version, e.g. `go1.26.1` (`go env GOVERSION`).
    pub fn version(&self, sb: &Sandbox) -> io::Result<String> {
        self.env(sb, &["GOVERSION"])?
            .into_iter()
            .next()
            .ok_or_else(|| io::Error::other("go env GOVERSION printed nothing"))
    }
}

fn sub_command<I, S>(cmd: &[&str], flags: &[&str], args: I) -> Vec<std::ffi::OsString>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    cmd.iter()
        .chain(flags)
        .map(|s| (*s).into())
        .chain(args.into_iter().map(|a| a.as_ref().to_os_string()))
        .collect()
}
