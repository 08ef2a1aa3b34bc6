//! Writing the module's files into the extraction directory as their contents arrive.
//!
//! Files are created as `modzip::unzip` creates them (parents `MkdirAll` 0777, files
//! `O_EXCL` 0444), only for entries whose names passed the module zip rules, so every
//! path is clean, relative and portable before anything is created: nothing can land
//! outside the directory. Once the zip is known to be invalid, or a write failed,
//! nothing more is written; what was written stays for the caller to remove (as Go
//! leaves it to `modfetch`). The verdict follows Go's `Unzip` precedence: the target
//! directory check, then the zip checks, then the first I/O failure.

use super::Extraction;
use crate::modzip::extract::{create_exclusive, mkdir_all};
use crate::modzip::{Cause, Error as UnzipError, bytes_path, os_err, path_bytes, slashpath};
use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file being written.
struct Open {
    file: fs::File,
    path: PathBuf,
}

/// The extraction directory and what has happened to it.
pub(crate) struct Extractor {
    dir: PathBuf,
    dir_bytes: Vec<u8>,
    /// The directory had entries before we started: nothing is ever written.
    not_empty: bool,
    /// Set once the zip is known to be invalid.
    stopped: bool,
    /// The first failure to create or write something.
    failure: Option<Cause>,
    /// Directories known to exist (the parents of files written so far).
    made: HashSet<PathBuf>,
    current: Option<Open>,
    /// Whether anything was created below `dir`.
    wrote: bool,
}

impl Extractor {
    /// Prepares extraction into `dir`, which should be absent or empty (Go ignores an
    /// error reading it, as here).
    pub(crate) fn new(dir: &Path) -> Extractor {
        let not_empty = fs::read_dir(dir).is_ok_and(|mut entries| entries.any(|e| e.is_ok()));
        Extractor {
            dir: dir.to_path_buf(),
            dir_bytes: path_bytes(dir).into_owned(),
            not_empty,
            stopped: false,
            failure: None,
            made: HashSet::new(),
            current: None,
            wrote: false,
        }
    }

    /// Whether files are still being written.
    pub(crate) fn writing(&self) -> bool {
        !self.not_empty && !self.stopped && self.failure.is_none()
    }

    /// Whether a file is open for the current entry.
    pub(crate) fn is_open(&self) -> bool {
        self.current.is_some()
    }

    /// The zip is invalid: write nothing more.
    pub(crate) fn stop(&mut self) {
        self.stopped = true;
        self.current = None;
    }

    /// Records the first failure and writes nothing more.
    pub(crate) fn fail(&mut self, cause: Cause) {
        if self.failure.is_none() {
            self.failure = Some(cause);
        }
        self.current = None;
    }

    /// Creates the file for the module-relative path `file` (which passed the rules).
    pub(crate) fn open(&mut self, file: &str) {
        self.current = None;
        if !self.writing() {
            return;
        }
        let dst = bytes_path(&slashpath::join(&[&self.dir_bytes, file.as_bytes()]));
        if let Some(parent) = dst.parent()
            && !self.made.contains(parent)
        {
            if let Err(e) = mkdir_all(parent) {
                return self.fail(e);
            }
            self.made.insert(parent.to_path_buf());
        }
        self.wrote = true;
        match create_exclusive(&dst) {
            Ok(file) => self.current = Some(Open { file, path: dst }),
            Err(e) => self.fail(e),
        }
    }

    /// Appends to the open file, if any.
    pub(crate) fn write(&mut self, data: &[u8]) {
        let Some(open) = self.current.as_mut() else {
            return;
        };
        if let Err(e) = open.file.write_all(data) {
            let e = os_err("write", &open.path, e);
            self.fail(Cause::Io(e));
        }
    }

    /// Closes the open file, if any.
    pub(crate) fn close(&mut self) {
        self.current = None;
    }

    /// Removes everything written so far, leaving the directory as it was given (empty
    /// or absent), so that extraction can start again from the zip file.
    pub(crate) fn clear(&mut self) -> Result<(), Cause> {
        self.current = None;
        self.made.clear();
        self.stopped = false;
        self.failure = None;
        if self.not_empty || !self.wrote {
            return Ok(());
        }
        self.wrote = false;
        let entries = fs::read_dir(&self.dir).map_err(|e| os_err("open", &self.dir, e))?;
        for entry in entries {
            let path = entry
                .map_err(|e| os_err("readdirent", &self.dir, e))?
                .path();
            let removed = match fs::symlink_metadata(&path) {
                Ok(m) if m.is_dir() => fs::remove_dir_all(&path),
                _ => fs::remove_file(&path),
            };
            removed.map_err(|e| os_err("remove", &path, e))?;
        }
        Ok(())
    }

    /// The verdict: `check` is the outcome of Go's checks on the module and the zip
    /// (module path and version, zip size, opening, entry rules).
    pub(crate) fn finish(mut self, check: Result<(), Cause>, zip_file: &Path) -> Extraction {
        self.current = None;
        let fail = |cause| {
            Extraction::Failed(UnzipError::Unzip {
                zip: zip_file.to_path_buf(),
                cause,
            })
        };
        if self.not_empty {
            return fail(Cause::TargetNotEmpty { dir: self.dir });
        }
        if let Err(cause) = check {
            return fail(cause);
        }
        if let Some(cause) = self.failure {
            return fail(cause);
        }
        // Go creates the directory even for a zip without files.
        match mkdir_all(&self.dir) {
            Ok(()) => Extraction::Complete,
            Err(cause) => fail(cause),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_inside_and_clears() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("m@v1.0.0");
        let mut ex = Extractor::new(&dir);
        ex.open("a/b/c.go");
        ex.write(b"package c\n");
        ex.close();
        let f = dir.join("a/b/c.go");
        assert_eq!(fs::read(&f).unwrap(), b"package c\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&f).unwrap().permissions().mode();
            assert_eq!(mode & 0o222, 0, "files are read-only");
        }
        // A second file of the same name fails as O_EXCL does.
        ex.open("a/b/c.go");
        assert!(!ex.writing());
        ex.clear().unwrap();
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        assert!(ex.writing());
        assert!(matches!(
            ex.finish(Ok(()), Path::new("x.zip")),
            Extraction::Complete
        ));
    }

    #[test]
    fn non_empty_target_is_never_touched() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("keep"), b"x").unwrap();
        let mut ex = Extractor::new(tmp.path());
        ex.open("a.go");
        ex.write(b"x");
        assert!(!tmp.path().join("a.go").exists());
        ex.clear().unwrap();
        assert!(tmp.path().join("keep").exists());
        let Extraction::Failed(e) = ex.finish(Ok(()), Path::new("/c/m.zip")) else {
            panic!("extraction into a non-empty directory succeeded");
        };
        assert_eq!(
            e.to_string(),
            format!(
                "unzip /c/m.zip: target directory {} exists and is not empty",
                tmp.path().display()
            )
        );
    }
}
