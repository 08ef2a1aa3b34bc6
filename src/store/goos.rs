//! The few file operations of Go's `os` package whose semantics the cache protocol
//! depends on, with Go's error wording (`mkdir <path>: not a directory`,
//! `rename <old> <new>: …`), so an error the store returns reads as the go command's.
//!
//! * [`mkdir_all`] is `os.MkdirAll`: it reports the first component that fails, and a
//!   concurrent creator of the same directory is not an error.
//! * [`remove`] is `os.Remove`: a file or an empty directory.
//! * [`rename`] is `os.Rename`: a plain `rename(2)` that replaces the destination.
//! * [`write_empty`] is `os.WriteFile(name, nil, perm)`.

use crate::modzip::os_err;
use std::fs;
use std::io;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};

/// `os.MkdirAll(path, perm)`, without recursion (see [`crate::modzip`]'s `mkdir_all`):
/// up to the first directory that exists, then down creating each one.
pub(crate) fn mkdir_all(path: &Path, perm: u32) -> io::Result<()> {
    let mut missing = Vec::new();
    let mut at = Some(path);
    while let Some(p) = at {
        match fs::metadata(p) {
            Ok(md) if md.is_dir() => break,
            Ok(_) => return Err(os_err("mkdir", p, not_a_directory())),
            Err(_) => missing.push(p),
        }
        at = p.parent().filter(|p| !p.as_os_str().is_empty());
    }
    for p in missing.into_iter().rev() {
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        builder.mode(perm);
        #[cfg(not(unix))]
        let _ = perm;
        match builder.create(p) {
            Ok(()) => {}
            // Someone else created it meanwhile (or it is a symlink to a directory).
            Err(_) if fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) => {}
            Err(e) => return Err(os_err("mkdir", p, e)),
        }
    }
    Ok(())
}

/// `os.Remove(path)`: unlink, and if that fails, rmdir; the error reported is the
/// rmdir's unless rmdir said "not a directory".
pub(crate) fn remove(path: &Path) -> io::Result<()> {
    let unlink = match fs::remove_file(path) {
        Ok(()) => return Ok(()),
        Err(e) => e,
    };
    let rmdir = match fs::remove_dir(path) {
        Ok(()) => return Ok(()),
        Err(e) => e,
    };
    // rmdir of a non-directory says ENOTDIR: then the unlink error is the real one.
    let rmdir_not_dir = rmdir.raw_os_error() == not_a_directory().raw_os_error();
    Err(os_err(
        "remove",
        path,
        if rmdir_not_dir { unlink } else { rmdir },
    ))
}

/// `os.Rename(old, new)`, with Go's `*os.LinkError` text.
pub(crate) fn rename(old: &Path, new: &Path) -> io::Result<()> {
    fs::rename(old, new).map_err(|e| {
        let kind = e.kind();
        // `rename <old> <new>: <reason>`: os_err words `<op> <path>: <reason>`, so the
        // two paths go where the one would.
        let both = format!("{} {}", old.display(), new.display());
        io::Error::new(kind, os_err("rename", Path::new(&both), e))
    })
}

/// `os.WriteFile(path, nil, perm)`: create or truncate to an empty file.
pub(crate) fn write_empty(path: &Path, perm: u32) -> io::Result<()> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    opts.mode(perm);
    #[cfg(not(unix))]
    let _ = perm;
    opts.open(path)
        .map(drop)
        .map_err(|e| os_err("open", path, e))
}

/// `os.IsNotExist`: only "no such file or directory" (ENOENT), not ENOTDIR.
pub(crate) fn is_not_exist(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound
}

fn not_a_directory() -> io::Error {
    #[cfg(unix)]
    {
        io::Error::from_raw_os_error(rustix::io::Errno::NOTDIR.raw_os_error())
    }
    #[cfg(not(unix))]
    {
        io::Error::new(io::ErrorKind::NotADirectory, "not a directory")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both `mkdir_all`s create a path 800 directories deep on a thread whose stack
    /// could not hold one frame per directory (a zip can name such paths, up to
    /// `PATH_MAX`), and report a component the file system refuses as go does.
    #[test]
    fn mkdir_all_deep_paths_on_a_small_stack() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().to_path_buf();
        std::thread::Builder::new()
            .stack_size(64 << 10)
            .spawn(move || {
                let deep = root.join("d/".repeat(800));
                mkdir_all(&deep, 0o777).unwrap();
                assert!(deep.is_dir());
                let other = root.join("e/".repeat(800));
                crate::modzip::extract::mkdir_all(&other).unwrap();
                assert!(other.is_dir());
                let too_long = root.join("x".repeat(300)).join("y");
                let e = mkdir_all(&too_long, 0o777).unwrap_err();
                assert!(e.to_string().ends_with(": file name too long"), "{e}");
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn mkdir_all_words_errors_as_go() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("file");
        fs::write(&f, "x").unwrap();
        let e = mkdir_all(&f.join("a/b"), 0o777).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("mkdir {}: not a directory", f.display())
        );
        let e = mkdir_all(&f, 0o777).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("mkdir {}: not a directory", f.display())
        );
        let d = t.path().join("x/y/z");
        mkdir_all(&d, 0o777).unwrap();
        mkdir_all(&d, 0o777).unwrap();
        assert!(d.is_dir());
    }

    #[test]
    fn remove_and_rename() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("d");
        fs::create_dir(&d).unwrap();
        remove(&d).unwrap();
        let e = remove(&d).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("remove {}: no such file or directory", d.display())
        );
        fs::create_dir_all(d.join("sub")).unwrap();
        let e = remove(&d).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("remove {}: directory not empty", d.display())
        );
        let (a, b) = (t.path().join("a"), t.path().join("b"));
        let e = rename(&a, &b).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "rename {} {}: no such file or directory",
                a.display(),
                b.display()
            )
        );
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        write_empty(&a, 0o666).unwrap();
        rename(&a, &b).unwrap();
        assert!(b.is_file() && !a.exists());
    }
}
