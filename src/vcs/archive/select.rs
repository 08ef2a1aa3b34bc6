//! From the exported tree to the module zip (§6.6 C–F, go's `codeRepo.Zip`): keep what
//! is inside the module directory, add the repository's LICENSE to a subdirectory
//! module that has none, then let [`crate::modzip::create`] apply go's file rules and
//! write the zip.

use crate::dirhash::{self, H1};
use crate::module::ModuleVersion;
use crate::modzip::{self, FileInfo, FileKind as ZipKind};
use crate::vcs::codehost::{ArchiveFile, FileKind};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The module's files: those under `module_dir` ("" = the repository root) with that
/// directory stripped, in archive order; for a subdirectory module without a file
/// named exactly `LICENSE`, `root_license()` (the repository root's LICENSE blob, if
/// any; asked for only then, as go reads it only then) appended as a regular file.
pub fn module_files(
    files: Vec<ArchiveFile>,
    module_dir: &str,
    root_license: impl FnOnce() -> Option<Vec<u8>>,
) -> Vec<ArchiveFile> {
    let dir = module_dir.trim_matches('/');
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let mut out = Vec::with_capacity(files.len() + 1);
    let mut have_license = false;
    for mut f in files {
        let Some(name) = f.path.strip_prefix(&prefix) else {
            continue;
        };
        if name.is_empty() || name.ends_with('/') {
            continue;
        }
        if name == "LICENSE" {
            have_license = true;
        }
        f.path = name.to_string();
        out.push(f);
    }
    if !have_license
        && !prefix.is_empty()
        && let Some(data) = root_license()
    {
        out.push(ArchiveFile {
            path: "LICENSE".to_string(),
            kind: FileKind::Regular,
            data,
        });
    }
    out
}

/// A failed [`build_module_zip`].
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// go's `create zip: …` (invalid files, sizes, module path or version).
    #[error("{0}")]
    Create(#[from] modzip::Error),
    /// Writing the zip file failed.
    #[error("{}: {source}", .path.display())]
    Write { path: PathBuf, source: io::Error },
    /// Hashing the written zip failed.
    #[error("{0}")]
    Hash(#[from] dirhash::Error),
}

/// An exported file as `modzip` sees it (go's `zipFile` / `dataFile`).
struct Entry<'a>(&'a ArchiveFile);

impl modzip::create::File for Entry<'_> {
    fn path(&self) -> &[u8] {
        self.0.path.as_bytes()
    }
    fn lstat(&self) -> io::Result<FileInfo> {
        let kind = match self.0.kind {
            FileKind::Regular | FileKind::Executable => ZipKind::Regular,
            FileKind::Symlink => ZipKind::Symlink,
        };
        Ok(FileInfo {
            kind,
            size: self.0.data.len() as i64,
        })
    }
    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(&self.0.data[..]))
    }
}

/// The zip of `module_path@version` holding `files` (from [`module_files`]), in
/// memory; go's `create zip: …` errors when the files break the module zip rules.
pub fn module_zip(
    module_path: &str,
    version: &str,
    files: &[ArchiveFile],
) -> Result<Vec<u8>, modzip::Error> {
    let entries: Vec<Entry<'_>> = files.iter().map(Entry).collect();
    let m = ModuleVersion {
        path: module_path.to_string(),
        version: version.to_string(),
    };
    modzip::create(Vec::new(), &m, &entries)
}

/// Writes the zip of `module_path@version` holding `files` (from [`module_files`]) to
/// `out` and returns its `h1`. Fails with go's `create zip: …` errors without
/// writing anything when the files break the module zip rules.
pub fn build_module_zip(
    module_path: &str,
    version: &str,
    files: &[ArchiveFile],
    out: &Path,
) -> Result<H1, BuildError> {
    let zip = module_zip(module_path, version, files)?;
    std::fs::write(out, zip).map_err(|source| BuildError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    Ok(dirhash::hash_zip(out)?)
}
