//! A directory walk in the order and with the failure modes of Go's `filepath.Walk`.
//!
//! Module zips from directories (`CreateFromDir`, `CheckDir`) and directory hashes
//! (`dirhash.DirFiles`) list files exactly as `filepath.Walk` does: the root is
//! `Lstat`ed, directories are read whole and their names sorted byte-wise, each child
//! is `Lstat`ed (symlinks are never followed), and the walk is depth-first, pre-order.
//! A directory is read *before* it is visited, so an unreadable directory is an error
//! even when the visitor would have skipped it, as in Go.
//!
//! Paths are Go strings: bytes, joined and cleaned the way `filepath.Join` does it, so
//! error messages name the same paths as Go's.

use super::os_err;
use super::rules::{FileInfo, FileKind};
use super::slashpath;
use std::borrow::Cow;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One file or directory met by [`walk`].
pub(crate) struct WalkEntry<'a> {
    /// The path as Go spells it: the root as given, children joined and cleaned.
    pub path: &'a [u8],
    /// Slash-separated path relative to the root; `.` for the root itself.
    pub rel: &'a [u8],
    pub info: FileInfo,
}

impl WalkEntry<'_> {
    pub fn is_root(&self) -> bool {
        self.rel == b"."
    }

    /// The last element of the path.
    pub fn name(&self) -> &[u8] {
        slashpath::split(self.rel).1
    }

    pub fn os_path(&self) -> PathBuf {
        bytes_path(self.path)
    }
}

/// What to do after visiting an entry.
pub(crate) enum WalkStep {
    Continue,
    /// Do not descend into this directory.
    SkipDir,
}

/// The bytes of a file-system path (exact on Unix).
pub(crate) fn path_bytes(p: &Path) -> Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Cow::Borrowed(p.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    {
        match p.to_string_lossy() {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        }
    }
}

/// A file-system path from bytes (exact on Unix).
pub(crate) fn bytes_path(b: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(b))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(b).into_owned())
    }
}

pub(crate) fn file_info(m: &fs::Metadata) -> FileInfo {
    let t = m.file_type();
    let kind = if t.is_dir() {
        FileKind::Dir
    } else if t.is_symlink() {
        FileKind::Symlink
    } else if t.is_file() {
        FileKind::Regular
    } else {
        FileKind::Other
    };
    FileInfo {
        kind,
        size: i64::try_from(m.len()).unwrap_or(i64::MAX),
    }
}

fn lstat(path: &[u8]) -> io::Result<FileInfo> {
    let p = bytes_path(path);
    fs::symlink_metadata(&p)
        .map(|m| file_info(&m))
        .map_err(|e| os_err("lstat", &p, e))
}

/// `readDirNames`: the names in a directory, sorted byte-wise.
fn read_dir_names(path: &[u8]) -> io::Result<Vec<Vec<u8>>> {
    let p = bytes_path(path);
    let mut names = Vec::new();
    for entry in fs::read_dir(&p).map_err(|e| os_err("open", &p, e))? {
        let entry = entry.map_err(|e| os_err("readdirent", &p, e))?;
        names.push(path_bytes(Path::new(&entry.file_name())).into_owned());
    }
    names.sort();
    Ok(names)
}

/// Walks the tree at `root`, calling `visit` for the root and everything below it.
/// The first error (from the file system or from `visit`) ends the walk.
pub(crate) fn walk(
    root: &[u8],
    visit: &mut dyn FnMut(&WalkEntry<'_>) -> io::Result<WalkStep>,
) -> io::Result<()> {
    // Each pending item: Go path, relative path, and the Lstat result when known.
    let root_info = lstat(root)?;
    let mut stack: Vec<(Vec<u8>, Vec<u8>, Option<FileInfo>)> =
        vec![(root.to_vec(), b".".to_vec(), Some(root_info))];
    while let Some((path, rel, info)) = stack.pop() {
        let info = match info {
            Some(info) => info,
            None => lstat(&path)?,
        };
        // Go hands a read error to the visitor, and every visitor here returns it.
        let names = match info.kind {
            FileKind::Dir => Some(read_dir_names(&path)?),
            _ => None,
        };
        let step = visit(&WalkEntry {
            path: &path,
            rel: &rel,
            info,
        })?;
        let Some(names) = names else {
            continue;
        };
        if matches!(step, WalkStep::SkipDir) {
            continue;
        }
        for name in names.into_iter().rev() {
            let child = slashpath::join(&[&path, &name]);
            let child_rel = if rel == b"." {
                name
            } else {
                [&rel[..], b"/", &name].concat()
            };
            stack.push((child, child_rel, None));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_skip() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for f in ["b/x", "a/z", "a/y/q", "c", "skip/me"] {
            let p = root.join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, f).unwrap();
        }
        let mut seen = Vec::new();
        walk(&path_bytes(root), &mut |e| {
            seen.push(String::from_utf8(e.rel.to_vec()).unwrap());
            Ok(if e.name() == b"skip" {
                WalkStep::SkipDir
            } else {
                WalkStep::Continue
            })
        })
        .unwrap();
        assert_eq!(
            seen,
            [".", "a", "a/y", "a/y/q", "a/z", "b", "b/x", "c", "skip"]
        );
        let err = walk(&path_bytes(&root.join("missing")), &mut |_| {
            Ok(WalkStep::Continue)
        })
        .unwrap_err();
        assert!(err.to_string().starts_with("lstat "), "{err}");
        assert!(
            err.to_string()
                .ends_with("missing: no such file or directory")
        );
    }
}
