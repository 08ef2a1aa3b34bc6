//! Temp-file-and-rename writes (`modfetch/cache.go`: tempFile, writeDiskCache).
//!
//! A temp file is `<dir>/<prefix><N>.tmp` with `N` a random decimal in
//! `0..1_000_000_000`, created `O_RDWR|O_CREAT|O_EXCL` with mode 0666 (less the
//! umask); a name that exists already is retried, up to 10 000 times, as Go does. A
//! small cache file is written to such a temp file, closed and renamed over its
//! destination; on any failure the temp file is removed (never after a successful
//! rename: another writer may own the name by then). There is no fsync, as in Go.

use super::goos;
use crate::modzip::os_err;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;

/// How many names [`temp_file`] tries before giving up (Go's bound).
const TEMP_ATTEMPTS: usize = 10_000;

/// Go's `tempFile(dir, prefix, perm)`: a new exclusive file and its path.
pub(crate) fn temp_file(dir: &Path, prefix: &str, perm: u32) -> io::Result<(File, PathBuf)> {
    let mut last = None;
    for _ in 0..TEMP_ATTEMPTS {
        let name = dir.join(format!("{prefix}{}.tmp", fastrand::u32(..1_000_000_000)));
        let mut o = std::fs::OpenOptions::new();
        o.read(true).write(true).create_new(true);
        #[cfg(unix)]
        o.mode(perm);
        #[cfg(not(unix))]
        let _ = perm;
        match o.open(&name) {
            Ok(f) => return Ok((f, name)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some((e, name)),
            Err(e) => return Err(os_err("open", &name, e)),
        }
    }
    let (e, name) = last.unwrap_or_else(|| {
        (
            io::Error::from(io::ErrorKind::AlreadyExists),
            dir.join(prefix),
        )
    });
    Err(os_err("open", &name, e))
}

/// Go's `writeDiskCache` without the `list` rewrite: `data` lands at `file` by
/// temp file and rename, the directory created (0777) first.
pub(crate) fn write_file(file: &Path, data: &[u8]) -> io::Result<()> {
    let tmp = write_temp(file, data)?;
    let renamed = goos::rename(&tmp, file);
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed
}

/// Creates `file` with `data` if no file has the name: written to a temp file, then
/// hard-linked into place, which fails rather than replace a file another writer
/// created meanwhile. `Ok(false)`: the name is taken, or the file system cannot link
/// (then the caller takes the locked path). The temp file is always removed.
pub(crate) fn create_whole(file: &Path, data: &[u8]) -> io::Result<bool> {
    let tmp = write_temp(file, data)?;
    let linked = std::fs::hard_link(&tmp, file).is_ok();
    let _ = std::fs::remove_file(&tmp);
    Ok(linked)
}

/// `data` in a new closed temp file beside `file` (`<name><N>.tmp`, the directory
/// created 0777 first); removed again if the write fails.
fn write_temp(file: &Path, data: &[u8]) -> io::Result<PathBuf> {
    let dir = file.parent().unwrap_or(Path::new("."));
    goos::mkdir_all(dir, 0o777)?;
    let prefix = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (mut f, tmp) = temp_file(dir, &prefix, 0o666)?;
    let written = f.write_all(data).map_err(|e| os_err("write", &tmp, e));
    drop(f);
    match written {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// `create_whole` never replaces a file another writer made, and leaves no temp.
    #[test]
    fn create_whole_only_where_the_name_is_free() {
        let t = tempfile::tempdir().unwrap();
        let file = t.path().join("sub/list");
        assert!(create_whole(&file, b"v1.0.0\n").unwrap());
        assert_eq!(std::fs::read(&file).unwrap(), b"v1.0.0\n");
        assert!(!create_whole(&file, b"other\n").unwrap());
        assert_eq!(std::fs::read(&file).unwrap(), b"v1.0.0\n");
        let names: Vec<_> = std::fs::read_dir(t.path().join("sub")).unwrap().collect();
        assert_eq!(names.len(), 1, "no temp file remains");
    }

    #[test]
    fn temp_names_and_atomic_write() {
        let t = tempfile::tempdir().unwrap();
        let (_f, p) = temp_file(t.path(), "v1.0.0.zip", 0o666).unwrap();
        let name = p.file_name().unwrap().to_str().unwrap();
        let n = name
            .strip_prefix("v1.0.0.zip")
            .and_then(|r| r.strip_suffix(".tmp"))
            .unwrap();
        assert!(n.parse::<u32>().unwrap() < 1_000_000_000, "{name}");
        assert!(
            !n.starts_with('0') || n == "0",
            "decimal without padding: {name}"
        );

        let dest = t.path().join("sub/@v/v1.0.0.info");
        write_file(&dest, b"{}").unwrap();
        write_file(&dest, b"{\"Version\":\"v1.0.0\"}").unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"{\"Version\":\"v1.0.0\"}");
        let left: Vec<_> = std::fs::read_dir(dest.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["v1.0.0.info"]);
        let umask_free = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
        assert_eq!(umask_free & 0o444, 0o444);
    }

    #[test]
    fn failed_write_leaves_no_temp() {
        let t = tempfile::tempdir().unwrap();
        // The destination is a non-empty directory: the rename fails.
        let dest = t.path().join("v1.0.0.mod");
        std::fs::create_dir_all(dest.join("x")).unwrap();
        let e = write_file(&dest, b"module m\n").unwrap_err();
        assert!(e.to_string().starts_with("rename "), "{e}");
        let names: Vec<_> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["v1.0.0.mod"]);
    }
}
