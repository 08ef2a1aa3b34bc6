//! The `@v/list` file of the cache (`modfetch/cache.go`: rewriteVersionList).
//!
//! After every `.mod` write, `list` is recomputed from the directory: each name
//! `<v>.mod` with `v` non-empty and `module.CanonicalVersion(v) == v` (the *escaped*
//! name, so versions with upper-case letters never appear), sorted by `semver.Sort`,
//! one per line. The rewrite holds an exclusive lock on `list` itself
//! (`lockedfile.Edit`); it leaves the file alone when it already has the content, and
//! otherwise replaces it whole (Go truncates and writes in place, so a killed `go`
//! can leave it empty or short; see
//! [`LockedFile::replace`](super::lockedfile::LockedFile::replace)).
//!
//! The go command never reads `list` itself; it is there so the download cache can
//! serve as a `file://` GOPROXY.

use super::error::Error;
use super::lockedfile::Locker;
use crate::modzip::os_err;
use crate::{module, semver};
use std::fs;
use std::path::Path;

/// The content `list` must have for a directory holding files named `names`.
pub fn list_content<S: AsRef<str>>(names: &[S]) -> Vec<u8> {
    let mut versions: Vec<&str> = names
        .iter()
        .filter_map(|n| n.as_ref().strip_suffix(".mod"))
        .filter(|v| !v.is_empty() && module::canonical_version(v) == *v)
        .collect();
    semver::sort(&mut versions);
    let mut out = Vec::new();
    for v in versions {
        out.extend_from_slice(v.as_bytes());
        out.push(b'\n');
    }
    out
}

/// Rewrites `<dir>/list` from the `.mod` files in `dir` (an `@v` directory).
pub(crate) fn rewrite_version_list(locker: &Locker, dir: &Path) -> Result<(), Error> {
    let list = dir.join("list");
    locker.put(&list, || {
        let names: Vec<String> = fs::read_dir(dir)
            .map_err(|e| os_err("open", dir, e))?
            .map(|e| {
                e.map(|e| e.file_name())
                    .map_err(|e| os_err("readdirent", dir, e))
            })
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            // A name that is not UTF-8 cannot be a canonical version.
            .filter_map(|n| n.into_string().ok())
            .collect();
        Ok(list_content(&names))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_canonical_and_semver_sorted() {
        let names = [
            "v1.10.0.mod",
            "v1.2.0.mod",
            "v1.2.0.info",
            "v1.2.0.zip",
            "v0.0.0-20180101000000-abcdefabcdef.mod",
            "v2.0.0+incompatible.mod",
            "v1.0.0-!r!c1.mod",
            "v1.3.mod",
            "v1.0.0+meta.mod",
            ".mod",
            "list",
            "v1.2.0-pre.mod",
            "v1.2.0.lock",
        ];
        assert_eq!(
            String::from_utf8(list_content(&names)).unwrap(),
            "v0.0.0-20180101000000-abcdefabcdef\nv1.2.0-pre\nv1.2.0\nv1.10.0\nv2.0.0+incompatible\n"
        );
        assert_eq!(list_content::<&str>(&[]), b"");
    }

    #[test]
    fn rewrite_repairs_and_skips() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("@v");
        fs::create_dir(&dir).unwrap();
        for n in ["v1.1.0.mod", "v1.0.0.mod", "v1.0.0.info"] {
            fs::write(dir.join(n), "").unwrap();
        }
        // A torn list (NUL tail) is rewritten.
        fs::write(dir.join("list"), b"v1.0.0\n\0\0\0\0\0\0\0").unwrap();
        let locker = Locker::wait_forever();
        rewrite_version_list(&locker, &dir).unwrap();
        assert_eq!(fs::read(dir.join("list")).unwrap(), b"v1.0.0\nv1.1.0\n");
        // Up to date: the file is not touched (same inode content, same mtime).
        let before = fs::metadata(dir.join("list")).unwrap().modified().unwrap();
        rewrite_version_list(&locker, &dir).unwrap();
        let after = fs::metadata(dir.join("list")).unwrap().modified().unwrap();
        assert_eq!(before, after);
    }
}
