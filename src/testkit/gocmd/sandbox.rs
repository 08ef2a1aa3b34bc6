//! The isolated environment a program under test runs in.
//!
//! A [`Sandbox`] is a temporary root directory plus an explicit table of environment
//! variables. Every command it builds starts from an empty environment
//! (`env_clear`); only `PATH` and `TMPDIR` are taken from the test process, and
//! everything Go reads for module downloads is set explicitly, because anything left
//! unset is filled in from places outside the test's control:
//!
//! * the user's env file (`$XDG_CONFIG_HOME/go/env`) — `GOENV=off`, or a file inside
//!   the root written by [`Sandbox::env_file`];
//! * `$GOROOT/go.env`, which the go command reads even with `GOENV=off` and which
//!   names the public proxy and checksum database for `GOPROXY`/`GOSUMDB` (and a
//!   `GOTOOLCHAIN`). An *empty* variable counts as unset there, so the sandbox refuses
//!   to set these three to the empty string;
//! * `$HOME` (`.netrc`, the telemetry and config directories) — a directory inside the
//!   root.
//!
//! The layout under the root is Go's default one, so paths in Go's output look
//! familiar: `home/`, `gopath/` (with the module cache at `gopath/pkg/mod` and the
//! checksum-database state at `gopath/pkg/sumdb`), `gocache/`, and `work/`, an empty
//! directory outside any module to run commands in. [`Sandbox::main_module`] makes
//! throwaway main modules next to it.
//!
//! The same sandbox is applied to any program ([`Sandbox::command`],
//! [`Sandbox::run`]): the real `go` and our own `gomodfetch` see identical
//! environments, which is what makes their results comparable.
//!
//! Dropping a sandbox made by [`Sandbox::new`] deletes the root, first making every
//! directory writable again (the go command leaves extracted module trees read-only).

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::run::Run;
use crate::testkit::normalize::Normalizer;
use crate::testkit::tree::{Snapshot, SnapshotOptions};

/// Variables whose empty value makes the go command fall back to `$GOROOT/go.env`.
const NEVER_EMPTY: [&str; 3] = ["GOPROXY", "GOSUMDB", "GOTOOLCHAIN"];

/// Variables taken from the test process, when set there.
const INHERITED: [&str; 2] = ["PATH", "TMPDIR"];

/// How long a command may run before it is killed, unless changed with
/// [`Sandbox::timeout`]. Generous: it only exists so a hung process fails a test
/// instead of hanging it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// A temporary root and the environment for programs run in it. See the module docs.
#[derive(Debug)]
pub struct Sandbox {
    root: PathBuf,
    /// Whether dropping the sandbox deletes `root`.
    owned: bool,
    vars: BTreeMap<String, OsString>,
    modcacherw: bool,
    extra_goflags: Vec<String>,
    timeout: Option<Duration>,
    modules_made: AtomicUsize,
}

impl Sandbox {
    /// A sandbox in a new temporary directory, deleted on drop, with the defaults:
    /// `GOPROXY=off`, `GOSUMDB=off`, `GOTOOLCHAIN=local`, `GOENV=off`, `GOWORK=off`,
    /// `GO111MODULE=on`, `GOAUTH=off`, empty `GOFLAGS`, `GONOSUMDB`, `GONOPROXY`,
    /// `GOPRIVATE`, `GOINSECURE`.
    pub fn new() -> io::Result<Sandbox> {
        let dir = tempfile::Builder::new()
            .prefix("gomodfetch-sandbox-")
            .tempdir()?;
        let mut sb = Sandbox::at(dir.keep())?;
        sb.owned = true;
        Ok(sb)
    }

    /// A sandbox rooted at `root` (created if missing), which is kept on drop.
    pub fn at(root: impl Into<PathBuf>) -> io::Result<Sandbox> {
        let root: PathBuf = root.into();
        let root = if root.is_absolute() {
            root
        } else {
            std::env::current_dir()?.join(root)
        };
        for d in ["home", "gopath", "gocache", "work"] {
            std::fs::create_dir_all(root.join(d))?;
        }
        let mut vars = BTreeMap::new();
        let mut put = |k: &str, v: &OsStr| {
            vars.insert(k.to_string(), v.to_os_string());
        };
        put("HOME", root.join("home").as_os_str());
        put("GOPATH", root.join("gopath").as_os_str());
        put("GOMODCACHE", root.join("gopath/pkg/mod").as_os_str());
        put("GOCACHE", root.join("gocache").as_os_str());
        for (k, v) in [
            ("GOENV", "off"),
            ("GOTOOLCHAIN", "local"),
            ("GO111MODULE", "on"),
            ("GOWORK", "off"),
            ("GOPROXY", "off"),
            ("GOSUMDB", "off"),
            ("GONOSUMDB", ""),
            ("GONOPROXY", ""),
            ("GOPRIVATE", ""),
            ("GOINSECURE", ""),
            ("GOAUTH", "off"),
        ] {
            put(k, OsStr::new(v));
        }
        Ok(Sandbox {
            root,
            owned: false,
            vars,
            modcacherw: false,
            extra_goflags: Vec::new(),
            timeout: Some(DEFAULT_TIMEOUT),
            modules_made: AtomicUsize::new(0),
        })
    }

    /// Keeps the root on drop (to look at it after a failing test); returns its path.
    pub fn keep(&mut self) -> &Path {
        self.owned = false;
        &self.root
    }

    /// The temporary root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `$HOME`.
    pub fn home(&self) -> &Path {
        self.path_var("HOME")
    }

    /// `$GOPATH` (a single directory).
    pub fn gopath(&self) -> &Path {
        self.path_var("GOPATH")
    }

    /// `$GOMODCACHE`, the module cache root.
    pub fn gomodcache(&self) -> &Path {
        self.path_var("GOMODCACHE")
    }

    /// `$GOCACHE`, the build cache.
    pub fn gocache(&self) -> &Path {
        self.path_var("GOCACHE")
    }

    /// An empty directory outside any module, the usual working directory.
    pub fn work_dir(&self) -> PathBuf {
        self.root.join("work")
    }

    fn path_var(&self, key: &str) -> &Path {
        // Set in `at` and only ever replaced by `set`, never removed.
        self.vars.get(key).map_or(Path::new(""), Path::new)
    }

    /// Sets one variable. Panics when `GOPROXY`, `GOSUMDB` or `GOTOOLCHAIN` would be
    /// empty (the go command would then read `$GOROOT/go.env`; see the module docs), or
    /// when `key` is `GOFLAGS` (use [`Sandbox::goflags`] and [`Sandbox::modcacherw`]).
    pub fn set(&mut self, key: &str, value: impl AsRef<OsStr>) -> &mut Sandbox {
        let value = value.as_ref();
        assert!(
            !(NEVER_EMPTY.contains(&key) && value.is_empty()),
            "sandbox: {key} must not be empty: the go command would take it from $GOROOT/go.env"
        );
        assert!(
            key != "GOFLAGS",
            "sandbox: set GOFLAGS through goflags() and modcacherw()"
        );
        self.vars.insert(key.to_string(), value.to_os_string());
        self
    }

    /// The value a variable will have, if set.
    pub fn get(&self, key: &str) -> Option<&OsStr> {
        self.vars.get(key).map(OsString::as_os_str)
    }

    /// `GOPROXY`, e.g. a test proxy's URL, a `file://` URL, `off` or a list.
    pub fn goproxy(&mut self, value: impl AsRef<OsStr>) -> &mut Sandbox {
        self.set("GOPROXY", value)
    }

    /// `GOSUMDB`: `off`, a database name, or `"<key> <url>"`.
    pub fn gosumdb(&mut self, value: impl AsRef<OsStr>) -> &mut Sandbox {
        self.set("GOSUMDB", value)
    }

    /// `GONOSUMDB` (comma-separated glob patterns).
    pub fn gonosumdb(&mut self, value: impl AsRef<OsStr>) -> &mut Sandbox {
        self.set("GONOSUMDB", value)
    }

    /// `GONOPROXY` (comma-separated glob patterns).
    pub fn gonoproxy(&mut self, value: impl AsRef<OsStr>) -> &mut Sandbox {
        self.set("GONOPROXY", value)
    }

    /// `GOPRIVATE` (comma-separated glob patterns).
    pub fn goprivate(&mut self, value: impl AsRef<OsStr>) -> &mut Sandbox {
        self.set("GOPRIVATE", value)
    }

    /// `GOINSECURE` (comma-separated glob patterns).
    pub fn goinsecure(&mut self, value: impl AsRef<OsStr>) -> &mut Sandbox {
        self.set("GOINSECURE", value)
    }

    /// `SSL_CERT_FILE`: the CA bundle a program trusts (e.g. a test proxy's CA).
    pub fn ssl_cert_file(&mut self, path: impl AsRef<Path>) -> &mut Sandbox {
        self.set("SSL_CERT_FILE", path.as_ref())
    }

    /// Whether `GOFLAGS` carries `-modcacherw` (extracted trees stay writable).
    pub fn modcacherw(&mut self, on: bool) -> &mut Sandbox {
        self.modcacherw = on;
        self
    }

    /// Appends flags to `GOFLAGS` (space-separated, as Go splits it).
    pub fn goflags(&mut self, flags: &str) -> &mut Sandbox {
        self.extra_goflags
            .extend(flags.split_whitespace().map(str::to_string));
        self
    }

    /// Writes `contents` (lines `KEY=value`) to `<root>/goenv` and points `GOENV` at
    /// it, so the program reads configuration from an env file as it would from the
    /// user's. Variables set in the environment still win over the file, as in Go:
    /// [`Sandbox::remove`] the ones the file should supply.
    pub fn env_file(&mut self, contents: &str) -> io::Result<&mut Sandbox> {
        let path = self.root.join("goenv");
        std::fs::write(&path, contents)?;
        Ok(self.set("GOENV", &path))
    }

    /// Removes a variable from the environment. Refuses (panics) for `GOPROXY`,
    /// `GOSUMDB` and `GOTOOLCHAIN`, which would then come from `$GOROOT/go.env`,
    /// unless `GOENV` names an env file that sets them (checked by reading it).
    pub fn remove(&mut self, key: &str) -> &mut Sandbox {
        if NEVER_EMPTY.contains(&key) {
            let in_file = self
                .vars
                .get("GOENV")
                .filter(|f| f.as_os_str() != "off")
                .and_then(|f| std::fs::read_to_string(f).ok())
                .is_some_and(|text| {
                    text.lines()
                        .any(|l| l.trim_start().starts_with(&format!("{key}=")))
                });
            assert!(
                in_file,
                "sandbox: removing {key} would let $GOROOT/go.env supply it; set it in env_file() first"
            );
        }
        self.vars.remove(key);
        self
    }

    /// How long [`Sandbox::run`] lets a program run before killing it (`None`: no
    /// limit).
    pub fn timeout(&mut self, limit: Option<Duration>) -> &mut Sandbox {
        self.timeout = limit;
        self
    }

    /// The `GOFLAGS` value commands get.
    pub fn goflags_value(&self) -> String {
        let mut flags: Vec<&str> = Vec::new();
        if self.modcacherw {
            flags.push("-modcacherw");
        }
        flags.extend(self.extra_goflags.iter().map(String::as_str));
        flags.join(" ")
    }

    /// The complete environment commands get, sorted by name.
    pub fn env(&self) -> Vec<(OsString, OsString)> {
        let mut env: BTreeMap<OsString, OsString> = BTreeMap::new();
        for key in INHERITED {
            if let Some(v) = std::env::var_os(key) {
                env.insert(key.into(), v);
            }
        }
        for (k, v) in &self.vars {
            env.insert(k.into(), v.clone());
        }
        env.insert("GOFLAGS".into(), self.goflags_value().into());
        env.into_iter().collect()
    }

    /// A command for `program` in `dir` with exactly this sandbox's environment.
    pub fn command(&self, program: impl AsRef<OsStr>, dir: impl AsRef<Path>) -> Command {
        let mut c = Command::new(program);
        c.current_dir(dir).env_clear().envs(self.env());
        c
    }

    /// Runs `program args…` in `dir` and captures what it did (see [`Run`]).
    pub fn run<I, S>(
        &self,
        program: impl AsRef<OsStr>,
        dir: impl AsRef<Path>,
        args: I,
    ) -> io::Result<Run>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = self.command(program, dir);
        c.args(args);
        Run::capture(c, self.timeout)
    }

    /// Writes a throwaway main module — `go.mod` and, when given, `go.sum` — to a new
    /// directory under the root and returns that directory.
    pub fn main_module(&self, gomod: &str, gosum: Option<&str>) -> io::Result<PathBuf> {
        let n = self.modules_made.fetch_add(1, Ordering::Relaxed);
        let dir = self.root.join(format!("main{n}"));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("go.mod"), gomod)?;
        if let Some(sum) = gosum {
            std::fs::write(dir.join("go.sum"), sum)?;
        }
        Ok(dir)
    }

    /// A snapshot of the module cache (empty when the cache does not exist yet).
    pub fn cache_snapshot(&self, options: &SnapshotOptions) -> io::Result<Snapshot> {
        let root = self.gomodcache();
        if !root.exists() {
            return Ok(Snapshot::default());
        }
        Snapshot::take(root, options)
    }

    /// A normaliser that replaces this sandbox's paths with placeholders:
    /// `$GOMODCACHE`, `$GOPATH`, `$GOCACHE`, `$HOME` and `$WORK` (the root), so output
    /// of runs in different sandboxes compares byte for byte.
    pub fn normalizer(&self) -> Normalizer {
        let mut n = Normalizer::new();
        n.path(self.gomodcache(), "$GOMODCACHE")
            .path(self.gopath(), "$GOPATH")
            .path(self.gocache(), "$GOCACHE")
            .path(self.home(), "$HOME")
            .path(&self.root, "$WORK");
        n
    }

    /// Deletes the module cache as `go clean -modcache` would (directories made
    /// writable first), so the next run starts cold.
    pub fn clean_modcache(&self) -> io::Result<()> {
        remove_tree(self.gomodcache())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if self.owned {
            // Best effort: a failure leaves a directory in the temp dir, nothing worse.
            let _ = remove_tree(&self.root);
        }
    }
}

/// Removes `root` recursively after giving every directory in it owner write and
/// execute permission (the go command leaves module trees read-only). A missing
/// `root` is not an error.
pub fn remove_tree(root: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(root) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    make_dirs_writable(root);
    std::fs::remove_dir_all(root)
}

/// Copies the tree `from` to `to` (created if missing), as a working copy: every
/// directory and file gets owner read and write permission (module trees in a cache
/// are read-only), symlinks are copied as links.
pub fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    let with =
        |p: &Path, e: io::Error| io::Error::new(e.kind(), format!("copying {}: {e}", p.display()));
    std::fs::create_dir_all(to).map_err(|e| with(to, e))?;
    add_owner_bits(to, 0o700).map_err(|e| with(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| with(from, e))? {
        let entry = entry.map_err(|e| with(from, e))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().map_err(|e| with(&src, e))?;
        if kind.is_dir() {
            copy_tree(&src, &dst)?;
        } else if kind.is_symlink() {
            let target = std::fs::read_link(&src).map_err(|e| with(&src, e))?;
            #[cfg(unix)]
            std::os::unix::fs::symlink(target, &dst).map_err(|e| with(&dst, e))?;
            #[cfg(not(unix))]
            let _ = target;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| with(&src, e))?;
            add_owner_bits(&dst, 0o600).map_err(|e| with(&dst, e))?;
        }
    }
    Ok(())
}

fn add_owner_bits(path: &Path, bits: u32) -> io::Result<()> {
    let mut perm = std::fs::metadata(path)?.permissions();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        perm.set_mode(perm.mode() | bits);
    }
    #[cfg(not(unix))]
    {
        let _ = bits;
        #[allow(clippy::permissions_set_readonly_false)] // Owner-only is not expressible here.
        perm.set_readonly(false);
    }
    std::fs::set_permissions(path, perm)
}

fn make_dirs_writable(dir: &Path) {
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return;
    };
    if !meta.is_dir() {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode();
        if mode & 0o700 != 0o700 {
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode | 0o700));
        }
    }
    #[cfg(not(unix))]
    {
        let mut perm = meta.permissions();
        if perm.readonly() {
            #[allow(clippy::permissions_set_readonly_false)] // Owner-only is not expressible here.
            perm.set_readonly(false);
            let _ = std::fs::set_permissions(dir, perm);
        }
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            make_dirs_writable(&e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_is_explicit_and_complete() {
        let mut sb = Sandbox::new().unwrap();
        sb.goproxy("file:///x").modcacherw(true).goflags("-mod=mod");
        let env: BTreeMap<_, _> = sb.env().into_iter().collect();
        let get = |k: &str| {
            env.get(OsStr::new(k))
                .map(|v| v.to_string_lossy().into_owned())
        };
        assert_eq!(get("GOPROXY").as_deref(), Some("file:///x"));
        assert_eq!(get("GOSUMDB").as_deref(), Some("off"));
        assert_eq!(get("GOFLAGS").as_deref(), Some("-modcacherw -mod=mod"));
        assert_eq!(get("GOENV").as_deref(), Some("off"));
        let cache = sb.root().join("gopath/pkg/mod");
        assert_eq!(
            get("GOMODCACHE"),
            Some(cache.to_string_lossy().into_owned())
        );
        for k in env.keys() {
            let k = k.to_string_lossy();
            let ours = sb.vars.contains_key(k.as_ref()) || k == "GOFLAGS";
            assert!(ours || INHERITED.contains(&k.as_ref()), "leaked {k}");
        }
    }

    #[test]
    #[should_panic(expected = "GOPROXY must not be empty")]
    fn empty_goproxy_is_refused() {
        Sandbox::new().unwrap().goproxy("");
    }

    #[test]
    fn drop_removes_read_only_trees() {
        let sb = Sandbox::new().unwrap();
        let root = sb.root().to_path_buf();
        let d = sb.gomodcache().join("m@v1/sub");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("f"), "x").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for p in [&d, &d.parent().unwrap().to_path_buf()] {
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o555)).unwrap();
            }
        }
        drop(sb);
        assert!(!root.exists());
    }
}
