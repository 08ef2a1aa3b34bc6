//! Permissions of extracted module trees, and their removal (`modfetch/fetch.go`:
//! makeDirsReadOnly, RemoveAll).
//!
//! An extracted tree has read-only files (0444, written so by the extractor) and,
//! unless `-modcacherw`, read-only directories: after extraction every directory that
//! has a write bit loses all write bits, children before parents, best effort. To
//! remove such a tree, [`remove_all`] first makes every directory 0777 (walking
//! top-down so each directory is writable and searchable before it is read), then
//! removes recursively. Symlinks are never followed.

use crate::modzip::os_err;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;

/// `modfetch.RemoveAll`: chmod every directory below (and including) `path` to
/// 0777, then remove it all. A missing `path` is not an error.
pub fn remove_all(path: &Path) -> io::Result<()> {
    make_dirs_writable(path);
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(os_err("lstat", path, e)),
        Ok(md) if md.is_dir() => match fs::remove_dir_all(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(os_err("unlinkat", path, e)),
            _ => Ok(()),
        },
        Ok(_) => match fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(os_err("remove", path, e)),
            _ => Ok(()),
        },
    }
}

/// Top-down: each directory becomes 0777 before it is listed. Errors are ignored.
fn make_dirs_writable(dir: &Path) {
    let Ok(md) = fs::symlink_metadata(dir) else {
        return;
    };
    if !md.is_dir() {
        return;
    }
    set_mode(dir, 0o777);
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                make_dirs_writable(&e.path());
            }
        }
    }
}

/// `makeDirsReadOnly`: clears the write bits of every directory in the tree at
/// `dir` that has one, children before parents. Best effort: errors are ignored.
pub fn make_dirs_read_only(dir: &Path) {
    let mut dirs: Vec<(PathBuf, u32)> = Vec::new();
    collect_writable_dirs(dir, &mut dirs);
    for (path, mode) in dirs.iter().rev() {
        set_mode(path, mode & !0o222);
    }
}

/// Pre-order, in lexical order as Go's `WalkDir`, so the reverse visits children
/// before their parents.
fn collect_writable_dirs(dir: &Path, out: &mut Vec<(PathBuf, u32)>) {
    let Ok(md) = fs::symlink_metadata(dir) else {
        return;
    };
    if !md.is_dir() {
        return;
    }
    let mode = mode_of(&md);
    if mode & 0o222 != 0 {
        out.push((dir.to_path_buf(), mode));
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut names: Vec<_> = entries.flatten().map(|e| e.file_name()).collect();
    names.sort();
    for name in names {
        collect_writable_dirs(&dir.join(name), out);
    }
}

#[cfg(unix)]
fn mode_of(md: &fs::Metadata) -> u32 {
    md.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(md: &fs::Metadata) -> u32 {
    if md.permissions().readonly() {
        0o555
    } else {
        0o777
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    let _ = fs::set_permissions(path, fs::Permissions::from_mode(mode));
}

#[cfg(not(unix))]
fn set_mode(path: &Path, mode: u32) {
    if let Ok(md) = fs::metadata(path) {
        let mut p = md.permissions();
        p.set_readonly(mode & 0o222 == 0);
        let _ = fs::set_permissions(path, p);
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn read_only_then_removed() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("m@v1.0.0");
        fs::create_dir_all(root.join("a/b")).unwrap();
        fs::create_dir_all(root.join("c")).unwrap();
        fs::write(root.join("a/b/f.go"), "package b\n").unwrap();
        fs::set_permissions(root.join("a/b/f.go"), fs::Permissions::from_mode(0o444)).unwrap();
        fs::set_permissions(root.join("c"), fs::Permissions::from_mode(0o700)).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/tmp", root.join("link")).unwrap();
        make_dirs_read_only(&root);
        assert_eq!(mode(&root), 0o555);
        assert_eq!(mode(&root.join("a/b")), 0o555);
        assert_eq!(mode(&root.join("c")), 0o500);
        assert_eq!(mode(&root.join("a/b/f.go")), 0o444);
        // The symlink's target is untouched.
        assert_ne!(mode(Path::new("/tmp")) & 0o222, 0);
        remove_all(&root).unwrap();
        assert!(!root.exists());
        remove_all(&root).unwrap();
        let f = t.path().join("file");
        fs::write(&f, "x").unwrap();
        remove_all(&f).unwrap();
        assert!(!f.exists());
    }
}
