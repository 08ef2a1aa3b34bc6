//! The outcome of checking a module's files: which are valid, which are left out and
//! why, which are invalid and why (`zip.CheckedFiles` and its errors).
//!
//! Every reason prints Go's exact text, so a report renders byte for byte as
//! `golang.org/x/mod/zip` renders it, and [`CheckedFiles::err`] is Go's `Err()`.

use super::{MAX_GO_MOD, MAX_LICENSE, MAX_ZIP_FILE};
use crate::gostr::quote;
use crate::module;
use std::fmt;

/// Why a file is omitted from, or invalid in, a module zip.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileReason {
    // Invalid files.
    #[error("file path is not clean")]
    PathNotClean,
    #[error("file path is not relative")]
    PathNotRelative,
    #[error("go.mod files must have lowercase names")]
    GoModCase,
    #[error("go.mod file too large (max size is {MAX_GO_MOD} bytes)")]
    GoModTooLarge,
    #[error("LICENSE file too large (max size is {MAX_LICENSE} bytes)")]
    LicenseTooLarge,
    #[error("go.mod file not in module root directory")]
    GoModNotInRoot,
    /// A zip entry outside `<path>@<version>/`.
    #[error("path does not have prefix {}", quote(.prefix))]
    MissingPrefix { prefix: String },
    /// `module.CheckFilePath` failed.
    #[error("{0}")]
    BadPath(module::Error),
    #[error("case-insensitive file name collision: {} and {}", quote(.first), quote(.second))]
    CaseCollision { first: String, second: String },
    #[error("entry {} is both a file and a directory", quote(.path))]
    FileAndDirectory { path: String },
    #[error("multiple entries for file {}", quote(.path))]
    Duplicate { path: String },
    /// The file's `Lstat` failed; the text is that error's.
    #[error("{0}")]
    Stat(String),

    // Omitted files.
    #[error("directory is a version control repository")]
    Vcs,
    #[error("file is in vendor directory")]
    Vendored,
    #[error("file is in another module")]
    SubmoduleFile,
    #[error("directory is in another module")]
    SubmoduleDir,
    #[error("file is inserted by 'hg archive' and is always omitted")]
    HgArchival,
    #[error("file is a symbolic link")]
    Symlink,
    #[error("not a regular file")]
    NotRegular,
}

/// A file (or directory) and why it is omitted or invalid (`zip.FileError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// The path as given: slash-separated and relative for file lists, the entry name
    /// for zips, a file-system path for directories. Bytes, since a name need not be
    /// UTF-8.
    pub path: Vec<u8>,
    pub reason: FileReason,
}

impl FileError {
    /// The path as text (lossy only for names that are not UTF-8).
    pub fn path_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.path)
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path_lossy(), self.reason)
    }
}

impl std::error::Error for FileError {}

/// Invalid files, one per line (`zip.FileErrorList`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileErrorList(pub Vec<FileError>);

impl fmt::Display for FileErrorList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FileErrorList {}

/// A size limit a module as a whole exceeds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// The files to zip add up to more than [`MAX_ZIP_FILE`].
    #[error("module source tree too large (max size is {MAX_ZIP_FILE} bytes)")]
    SourceTreeTooLarge,
    /// The zip file itself is larger than [`MAX_ZIP_FILE`].
    #[error("module zip file is too large ({size} bytes; limit is {MAX_ZIP_FILE} bytes)")]
    ZipFileTooLarge { size: u64 },
    /// The declared sizes of a zip's entries add up to more than [`MAX_ZIP_FILE`].
    #[error(
        "total uncompressed size of module contents too large (max size is {MAX_ZIP_FILE} bytes)"
    )]
    ContentsTooLarge,
}

/// Why a [`CheckedFiles`] does not describe a valid module zip (`CheckedFiles.Err`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("{0}")]
    Size(SizeError),
    #[error("{0}")]
    Files(FileErrorList),
}

/// Which files belong in a module zip (`zip.CheckedFiles`). Every file checked lands in
/// exactly one of `valid`, `omitted` or `invalid` (a path appears once in the error
/// lists even when several files share it), in the order the files were met.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckedFiles {
    /// Paths to put in the zip. Always UTF-8: they passed `module.CheckFilePath`.
    pub valid: Vec<String>,
    /// Files left out on purpose (vendored, nested modules, symlinks, …).
    pub omitted: Vec<FileError>,
    /// Files that make the module invalid.
    pub invalid: Vec<FileError>,
    /// Set when the files or the zip exceed a size limit.
    pub size_error: Option<SizeError>,
}

impl CheckedFiles {
    /// Go's `Err()`: the size error if any, else the list of invalid files if any.
    pub fn err(&self) -> Result<(), CheckError> {
        if let Some(e) = &self.size_error {
            return Err(CheckError::Size(e.clone()));
        }
        if !self.invalid.is_empty() {
            return Err(CheckError::Files(FileErrorList(self.invalid.clone())));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        let e = FileError {
            path: b"a/\xffb".to_vec(),
            reason: FileReason::CaseCollision {
                first: "m.go".into(),
                second: "M.GO".into(),
            },
        };
        assert_eq!(
            e.to_string(),
            "a/\u{fffd}b: case-insensitive file name collision: \"m.go\" and \"M.GO\""
        );
        assert_eq!(
            SizeError::ZipFileTooLarge { size: 524288001 }.to_string(),
            "module zip file is too large (524288001 bytes; limit is 524288000 bytes)"
        );
        assert_eq!(
            FileReason::GoModTooLarge.to_string(),
            "go.mod file too large (max size is 16777216 bytes)"
        );
        let cf = CheckedFiles {
            invalid: vec![
                FileError {
                    path: b"x".to_vec(),
                    reason: FileReason::PathNotClean,
                },
                FileError {
                    path: b"y".to_vec(),
                    reason: FileReason::GoModCase,
                },
            ],
            ..Default::default()
        };
        assert_eq!(
            cf.err().unwrap_err().to_string(),
            "x: file path is not clean\ny: go.mod files must have lowercase names"
        );
        assert!(CheckedFiles::default().err().is_ok());
    }
}
