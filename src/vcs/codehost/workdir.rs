//! The module cache's VCS work directories (Go's `codehost.WorkDir`): one directory per
//! remote, `GOMODCACHE/cache/vcs/<hex SHA-256 of "<type>:<url>">`, with `<dir>.info`
//! holding `<type>:<url>` and `<dir>.lock` the flock that serialises every change to
//! the repository between processes — the same names and locks go uses, so a
//! repository either tool fetched is the other's too.

use crate::store::lockedfile::Locker;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use super::VcsError;
use super::xlog::XLog;

/// A work directory and its lock file.
#[derive(Debug, Clone)]
pub struct WorkDir {
    pub dir: PathBuf,
    pub lock: PathBuf,
}

/// `<cache>/cache/vcs/<hex>` for `kind` (`git3`) and `url`: created empty (with its
/// `.info`) unless it exists with the right `.info`.
pub fn work_dir(
    cache: &Path,
    kind: &str,
    url: &str,
    locker: &Locker,
    xlog: &XLog,
) -> Result<WorkDir, VcsError> {
    if kind.contains(':') {
        return Err(VcsError::other(
            "codehost.WorkDir: type cannot contain colon",
        ));
    }
    let key = format!("{kind}:{url}");
    let hex = Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let vcs = cache.join("cache/vcs");
    let dir = vcs.join(&hex);
    let io = |e: std::io::Error| VcsError::other(e.to_string());
    xlog.line(&format!("mkdir -p {} # {kind} {url}", vcs.display()));
    fs::create_dir_all(&vcs).map_err(io)?;
    let lock = PathBuf::from(format!("{}.lock", dir.display()));
    xlog.line(&format!("# lock {}", lock.display()));
    let _held = locker.mutex(&lock).map_err(|e| {
        VcsError::other(format!(
            "codehost.WorkDir: can't find or create lock file: {e}"
        ))
    })?;
    let info = PathBuf::from(format!("{}.info", dir.display()));
    if let (Ok(data), true) = (fs::read(&info), dir.is_dir()) {
        let text = String::from_utf8_lossy(&data);
        let have = text.strip_suffix('\n').unwrap_or(&text);
        if have != key {
            return Err(VcsError::other(format!(
                "{} exists with wrong content (have {} want {})",
                info.display(),
                crate::gostr::quote(have),
                crate::gostr::quote(&key)
            )));
        }
        xlog.line(&format!("# {} for {kind} {url}", dir.display()));
        return Ok(WorkDir { dir, lock });
    }
    xlog.line(&format!("mkdir -p {} # {kind} {url}", dir.display()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(io)?;
    let written = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o666)
        .open(&info)
        .and_then(|mut f| f.write_all(key.as_bytes()));
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&dir);
        return Err(io(e));
    }
    Ok(WorkDir { dir, lock })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_reuse() {
        let t = tempfile::tempdir().unwrap();
        let l = Locker::wait_forever();
        let w = work_dir(t.path(), "git3", "https://example.com/r", &l, &XLog::off()).unwrap();
        let hex = w.dir.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(hex.len(), 64);
        assert_eq!(
            fs::read(format!("{}.info", w.dir.display())).unwrap(),
            b"git3:https://example.com/r"
        );
        assert!(w.lock.exists());
        fs::write(w.dir.join("marker"), b"x").unwrap();
        let again = work_dir(t.path(), "git3", "https://example.com/r", &l, &XLog::off()).unwrap();
        assert!(again.dir.join("marker").exists(), "reused");
        fs::write(format!("{}.info", w.dir.display()), b"git3:other").unwrap();
        let err =
            work_dir(t.path(), "git3", "https://example.com/r", &l, &XLog::off()).unwrap_err();
        assert!(
            err.to_string().contains("exists with wrong content"),
            "{err}"
        );
    }
}
