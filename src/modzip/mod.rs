//! Module zip files as `golang.org/x/mod/zip` creates, checks and extracts them.
//!
//! A module zip holds the files of `<path>@<version>` under that prefix. What goes in is
//! decided by Go's rules (vendored packages, nested modules, VCS directories, symlinks
//! and irregular files are left out; unclean, non-portable, case-colliding or oversized
//! names are errors), and this module reproduces each rule and each message, so a zip
//! we build hashes like the one `go` builds, and a zip `go` refuses to extract we refuse
//! too, with the same text.
//!
//! The pure rules live in [`rules`] and work on entry lists (name, kind, size), so the
//! streaming download path can apply them to entries as it discovers them. The I/O is
//! separate: [`create`] (file lists and directories → zip), [`extract`] (zip checks and
//! `Unzip`), over our own [`reader`] and [`writer`], which follow Go's `archive/zip`
//! (duplicate names, raw-byte names, declared sizes, data descriptors).
//!
//! Guarantees:
//! * `unzip` writes nothing unless every entry passed the checks, creates files with
//!   `O_EXCL` and mode 0444, and never writes outside the target directory (entry names
//!   are clean, relative and portable before anything is written);
//! * limits: [`MAX_ZIP_FILE`] for the zip and for the sum of uncompressed sizes,
//!   [`MAX_GO_MOD`] and [`MAX_LICENSE`] for those two files; reading an entry stops at
//!   its declared size;
//! * nothing is buffered whole: contents stream through inflate and out.

pub mod create;
pub mod extract;
mod oserr;
pub mod reader;
pub mod report;
pub mod rules;
pub(crate) mod slashpath;
mod walk;
pub mod writer;

pub use create::{
    DataFile, DirFile, File, check_dir, check_files, create, create_from_dir, list_files_in_dir,
};
pub use extract::{check_zip, unzip};
pub use reader::ZipError;
pub use report::{CheckError, CheckedFiles, FileError, FileErrorList, FileReason, SizeError};
pub use rules::{FileInfo, FileKind, is_vendored_package};

pub(crate) use oserr::{GoFile, os_err};
pub(crate) use walk::{WalkStep, bytes_path, path_bytes, walk};

use crate::gostr::quote;
use crate::module;
use std::io;
use std::path::PathBuf;

/// The largest module zip file, and the largest total uncompressed size of its
/// contents, in bytes (500 MiB).
pub const MAX_ZIP_FILE: u64 = 500 << 20;
/// The largest go.mod file in a module zip, in bytes (16 MiB).
pub const MAX_GO_MOD: u64 = 16 << 20;
/// The largest LICENSE file in a module zip, in bytes (16 MiB).
pub const MAX_LICENSE: u64 = 16 << 20;

/// A failed zip operation, worded as Go's `zipError`: `<verb>[ <path>]: <cause>`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `Create` from a file list.
    #[error("create zip: {0}")]
    Create(#[source] Cause),
    /// `CreateFromDir` when creating the zip failed (Go keeps the verb `create zip`
    /// and adds the directory).
    #[error("create zip {}: {cause}", .dir.display())]
    CreateInDir {
        dir: PathBuf,
        #[source]
        cause: Cause,
    },
    /// `CreateFromDir` when listing the directory failed.
    #[error("create zip from directory {}: {cause}", .dir.display())]
    ListDir {
        dir: PathBuf,
        #[source]
        cause: Cause,
    },
    /// `Unzip`.
    #[error("unzip {}: {cause}", .zip.display())]
    Unzip {
        zip: PathBuf,
        #[source]
        cause: Cause,
    },
}

impl Error {
    /// The underlying cause, whatever the operation.
    pub fn cause(&self) -> &Cause {
        match self {
            Error::Create(cause) => cause,
            Error::CreateInDir { cause, .. }
            | Error::ListDir { cause, .. }
            | Error::Unzip { cause, .. } => cause,
        }
    }
}

/// Why a zip operation failed; `Display` is Go's text.
#[derive(Debug, thiserror::Error)]
pub enum Cause {
    #[error("version {} is not canonical (should be {})", quote(.version), quote(.canonical))]
    VersionNotCanonical { version: String, canonical: String },
    /// `module.Check` failed for the module path and version.
    #[error("{0}")]
    Module(module::Error),
    /// The files or entries break the rules (size limit or invalid files).
    #[error("{0}")]
    Check(#[from] CheckError),
    /// A file yielded more bytes than its `Lstat` size when zipped.
    #[error("file {} is larger than declared size", quote(.path))]
    LargerThanDeclared { path: String },
    /// An entry yielded more bytes than its declared size when extracted.
    #[error("uncompressed size of file {} is larger than declared size ({declared} bytes)", String::from_utf8_lossy(.name))]
    LargerThanDeclaredEntry { name: Vec<u8>, declared: u64 },
    #[error("target directory {} exists and is not empty", .dir.display())]
    TargetNotEmpty { dir: PathBuf },
    /// Reading the zip failed.
    #[error("{0}")]
    Zip(#[from] ZipError),
    /// An operating-system or sink error (OS errors are worded as Go's).
    #[error("{0}")]
    Io(#[from] io::Error),
}
