//! Finding GOROOT and the Go version we emulate.
//!
//! Go finds its GOROOT from a `GOROOT` line in the user env file, else `$GOROOT`
//! (both cleaned), else from its own executable (`cfg.findGOROOT`). We are not the
//! `go` binary, so the last step uses the `go` that `PATH` would run: its absolute
//! path, then the same path with symbolic links resolved, each tried as
//! `<exe>/../..` and `<exe>/../../..`, and accepted only when it looks like a GOROOT
//! (has a `pkg/tool` directory, Go's `isGOROOT`). Without any of these there is no
//! GOROOT, hence no `go.env` layer.
//!
//! The emulated version (used for Go's "requires go >= X (running go Y)" errors)
//! comes from the first line of `$GOROOT/VERSION` (`go1.26.8` → `1.26.8`); without
//! a GOROOT, or when that file is missing or names no release (a development build),
//! it is [`FALLBACK_GO_VERSION`].

use super::env::Env;
use super::goenv::bytes_to_os;
use crate::gover;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The Go version we emulate when no GOROOT tells us: the release whose behaviour
/// this implementation was checked against.
pub const FALLBACK_GO_VERSION: &str = "1.26.8";

/// Where the emulated version came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSource {
    /// `$GOROOT/VERSION`.
    GorootVersionFile(PathBuf),
    /// [`FALLBACK_GO_VERSION`].
    Fallback,
}

/// `cfg.findGOROOT`, with `go` on PATH standing in for the running executable.
/// `from_user_file` is the user env file's `GOROOT` value, if non-empty.
pub fn find(env: &Env, from_user_file: Option<&OsStr>) -> Option<PathBuf> {
    if let Some(explicit) = from_user_file.or_else(|| env.non_empty("GOROOT")) {
        return Some(clean(Path::new(explicit)));
    }
    let exe = go_on_path(env)?;
    let candidates = |exe: &Path| [clean(&exe.join("../..")), clean(&exe.join("../../.."))];
    if let Some(root) = candidates(&exe).into_iter().find(|d| is_goroot(d)) {
        return Some(root);
    }
    let resolved = std::fs::canonicalize(&exe).ok()?;
    candidates(&resolved).into_iter().find(|d| is_goroot(d))
}

/// `isGOROOT`: whether `dir/pkg/tool` is a directory.
fn is_goroot(dir: &Path) -> bool {
    dir.join("pkg").join("tool").is_dir()
}

/// The first executable regular file named `go` in an absolute `PATH` directory
/// (Go's `exec.LookPath` refuses relative results), made absolute and cleaned.
fn go_on_path(env: &Env) -> Option<PathBuf> {
    let path = env.non_empty("PATH")?;
    let name = if cfg!(windows) { "go.exe" } else { "go" };
    std::env::split_paths(path)
        .filter(|dir| dir.is_absolute())
        .map(|dir| clean(&dir.join(name)))
        .find(|p| is_executable_file(p))
}

#[cfg(unix)]
fn is_executable_file(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable_file(p: &Path) -> bool {
    p.is_file()
}

/// `filepath.Clean` (lexical: no file system access).
pub(crate) fn clean(p: &Path) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(bytes_to_os(&crate::modzip::slashpath::clean(
            p.as_os_str().as_bytes(),
        )))
    }
    #[cfg(not(unix))]
    {
        let s = p.to_string_lossy().replace('\\', "/");
        PathBuf::from(bytes_to_os(&crate::modzip::slashpath::clean(s.as_bytes())))
    }
}

/// The Go version a `VERSION` file names: its first line as a toolchain name
/// (`go1.26.8` → `1.26.8`), or `None` for a development build or garbage.
pub fn version_from_file(data: &[u8]) -> Option<String> {
    let first = data.split(|&b| b == b'\n').next()?;
    let first = std::str::from_utf8(first).ok()?.trim_end_matches('\r');
    let v = gover::from_toolchain(first);
    (!v.is_empty()).then_some(v)
}

/// The emulated Go version for this GOROOT (see the module docs).
pub fn go_version(env: &Env, goroot: Option<&Path>) -> (String, VersionSource) {
    let from_file = goroot.and_then(|root| {
        let file = env.absolute(&root.join("VERSION"));
        let v = version_from_file(&std::fs::read(&file).ok()?)?;
        Some((v, VersionSource::GorootVersionFile(file)))
    });
    from_file.unwrap_or_else(|| (FALLBACK_GO_VERSION.to_string(), VersionSource::Fallback))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_file() {
        assert_eq!(
            version_from_file(b"go1.26.8\ntime 2026-08-28T16:20:06Z\n").as_deref(),
            Some("1.26.8")
        );
        assert_eq!(version_from_file(b"go1.27rc1").as_deref(), Some("1.27rc1"));
        assert_eq!(version_from_file(b"devel go1.27-abcdef Mon"), None);
        assert_eq!(version_from_file(b""), None);
        assert_eq!(version_from_file(b"\xff"), None);
    }

    #[test]
    fn explicit_goroot_is_cleaned() {
        let env = Env::from_map([("GOROOT", "/a/b/../c/")], "/");
        assert_eq!(find(&env, None), Some(PathBuf::from("/a/c")));
        assert_eq!(
            find(&env, Some(OsStr::new("/u//r"))),
            Some(PathBuf::from("/u/r"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn goroot_from_go_on_path() {
        use std::os::unix::fs::{PermissionsExt, symlink};
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("goroot");
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::create_dir_all(root.join("pkg/tool")).unwrap();
        let go = root.join("bin/go");
        std::fs::write(&go, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&go, std::fs::Permissions::from_mode(0o755)).unwrap();
        // A symlink elsewhere on PATH resolves to the real installation.
        let links = t.path().join("links");
        std::fs::create_dir(&links).unwrap();
        symlink(&go, links.join("go")).unwrap();
        let env = Env::from_map([("PATH", format!("rel:{}", links.display()))], "/");
        let found = find(&env, None).unwrap();
        assert_eq!(
            std::fs::canonicalize(found).unwrap(),
            std::fs::canonicalize(&root).unwrap()
        );
        // Without pkg/tool it is not a GOROOT.
        std::fs::remove_dir_all(root.join("pkg")).unwrap();
        assert_eq!(find(&env, None), None);
        assert_eq!(find(&Env::default(), None), None);
    }
}
