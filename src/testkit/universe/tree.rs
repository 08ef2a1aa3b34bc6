//! A directory in GOPROXY layout served as it is, e.g. a `$GOMODCACHE/cache/download`
//! that the real `go` filled: `<escaped path>/@v/list`, `<escaped path>/@v/<escaped
//! version>.{info,mod,zip}`, and `<escaped path>/@latest` when such a file exists.
//!
//! Nothing is computed: a missing file is "not found" (so `@latest` is normally a 404,
//! exactly as with a `file://` GOPROXY, and `go` falls back to `@v/list`), and the
//! `list` files `go` writes, which include pseudo-versions, are served unfiltered.
//! Files are read on each request.

use super::{Endpoint, Source};
use crate::module;
use bytes::Bytes;
use std::io;
use std::path::{Path, PathBuf};

/// A GOPROXY-layout directory.
#[derive(Debug, Clone)]
pub struct TreeSource {
    root: PathBuf,
}

impl TreeSource {
    pub fn new(root: impl Into<PathBuf>) -> TreeSource {
        TreeSource { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file answering a request; `None` when the names cannot be escaped (so no
    /// such file can exist).
    fn file_for(&self, path: &str, endpoint: &Endpoint) -> Option<PathBuf> {
        let dir = self.root.join(module::escape_path(path).ok()?);
        let versioned = |v: &str, ext: &str| -> Option<PathBuf> {
            let ev = module::escape_version(v).ok()?;
            Some(dir.join("@v").join(format!("{ev}.{ext}")))
        };
        match endpoint {
            Endpoint::List => Some(dir.join("@v/list")),
            Endpoint::Latest => Some(dir.join("@latest")),
            Endpoint::Info(v) => versioned(v, "info"),
            Endpoint::Mod(v) => versioned(v, "mod"),
            Endpoint::Zip(v) => versioned(v, "zip"),
        }
    }
}

impl Source for TreeSource {
    fn get(&self, path: &str, endpoint: &Endpoint) -> io::Result<Option<Bytes>> {
        let Some(file) = self.file_for(path, endpoint) else {
            return Ok(None);
        };
        match std::fs::read(&file) {
            Ok(data) => Ok(Some(Bytes::from(data))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            // A directory where a file was expected, or a path through a file.
            Err(e) if file.is_dir() || e.kind() == io::ErrorKind::NotADirectory => Ok(None),
            Err(e) => Err(io::Error::new(
                e.kind(),
                format!("reading {}: {e}", file.display()),
            )),
        }
    }

    fn other_zip(&self, path: &str, version: &str) -> Option<Bytes> {
        let zip = self.get(path, &Endpoint::Zip(version.to_string())).ok()??;
        super::zipfile::other_zip(&zip, path, version).ok()
    }

    fn describe(&self) -> String {
        format!("tree {}", self.root.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_files_as_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let v = dir.path().join("github.com/!azure/x/@v");
        std::fs::create_dir_all(&v).unwrap();
        std::fs::write(
            v.join("list"),
            "v1.0.0\nv0.0.0-20200101000000-abcdefabcdef\n",
        )
        .unwrap();
        std::fs::write(v.join("v1.0.0-!r!c1.mod"), "module github.com/Azure/x\n").unwrap();
        let t = TreeSource::new(dir.path());
        let p = "github.com/Azure/x";
        assert_eq!(
            t.get(p, &Endpoint::List).unwrap().unwrap().as_ref(),
            b"v1.0.0\nv0.0.0-20200101000000-abcdefabcdef\n"
        );
        assert!(
            t.get(p, &Endpoint::Mod("v1.0.0-RC1".into()))
                .unwrap()
                .is_some()
        );
        assert!(
            t.get(p, &Endpoint::Zip("v1.0.0-RC1".into()))
                .unwrap()
                .is_none()
        );
        assert!(t.get(p, &Endpoint::Latest).unwrap().is_none());
        assert!(
            t.get(p, &Endpoint::Info("../../x".into()))
                .unwrap()
                .is_none()
        );
    }
}
