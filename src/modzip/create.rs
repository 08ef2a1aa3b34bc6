//! Building module zips: from a list of files (`Create`, `CheckFiles`) and from a
//! directory (`CreateFromDir`, `CheckDir`).
//!
//! The file list is abstract ([`File`]: a path, an `Lstat`, an `Open`), so the same
//! selection serves directories, in-memory data and, later, VCS archives. Each file is
//! `Lstat`ed once; the root `go.mod` is read to learn the language version the vendor
//! rule depends on; [`rules::classify_files`] decides; valid files are then streamed
//! into the zip in input order, and one that yields more than its `Lstat` size fails
//! the creation (`file "<p>" is larger than declared size`).

use super::report::{CheckedFiles, FileError, FileReason};
use super::rules::{self, FileFacts, FileInfo, FileKind};
use super::walk::file_info;
use super::writer::ZipWriter;
use super::{Cause, Error, GoFile, MAX_GO_MOD, WalkStep, os_err, path_bytes, slashpath, walk};
use crate::module::ModuleVersion;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// A file to put in a module zip (`zip.File`).
pub trait File {
    /// Clean, slash-separated path relative to the module root.
    fn path(&self) -> &[u8];
    /// What the file is; for a symbolic link, the link itself.
    fn lstat(&self) -> io::Result<FileInfo>;
    /// The contents of a regular file.
    fn open(&self) -> io::Result<Box<dyn Read + '_>>;
}

impl<T: File + ?Sized> File for &T {
    fn path(&self) -> &[u8] {
        (**self).path()
    }
    fn lstat(&self) -> io::Result<FileInfo> {
        (**self).lstat()
    }
    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        (**self).open()
    }
}

impl<T: File + ?Sized> File for Box<T> {
    fn path(&self) -> &[u8] {
        (**self).path()
    }
    fn lstat(&self) -> io::Result<FileInfo> {
        (**self).lstat()
    }
    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        (**self).open()
    }
}

/// A regular file held in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    pub path: Vec<u8>,
    pub data: Vec<u8>,
}

impl File for DataFile {
    fn path(&self) -> &[u8] {
        &self.path
    }
    fn lstat(&self) -> io::Result<FileInfo> {
        Ok(FileInfo::regular(self.data.len() as i64))
    }
    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(&self.data[..]))
    }
}

/// A file found by walking a directory; its `Lstat` is the one taken during the walk.
#[derive(Debug, Clone)]
pub struct DirFile {
    os_path: PathBuf,
    slash_path: Vec<u8>,
    info: FileInfo,
}

impl File for DirFile {
    fn path(&self) -> &[u8] {
        &self.slash_path
    }
    fn lstat(&self) -> io::Result<FileInfo> {
        Ok(self.info)
    }
    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(GoFile::open(&self.os_path)?))
    }
}

/// Reads a root go.mod for its `go` line. Go reads it whole; a go.mod over
/// [`MAX_GO_MOD`] makes the module invalid anyway, so we stop just past the limit.
fn read_go_mod<R: Read>(open: impl FnOnce() -> io::Result<R>) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    open()
        .ok()?
        .take(MAX_GO_MOD + 1)
        .read_to_end(&mut data)
        .ok()?;
    Some(data)
}

/// `Lstat`s every file and reads the root go.mod's language version.
fn gather<F: File>(files: &[F]) -> (Vec<Result<FileInfo, String>>, String) {
    let stats: Vec<_> = files
        .iter()
        .map(|f| f.lstat().map_err(|e| e.to_string()))
        .collect();
    let mut vers = String::new();
    for (f, stat) in files.iter().zip(&stats) {
        // Go reads every regular root go.mod; the last one read wins.
        if f.path() != b"go.mod" || !matches!(stat, Ok(i) if i.kind == FileKind::Regular) {
            continue;
        }
        if let Some(data) = read_go_mod(|| f.open()) {
            vers = rules::go_mod_lang(&data);
        }
    }
    (stats, vers)
}

fn classify<F: File>(files: &[F]) -> rules::Classified {
    let (stats, vers) = gather(files);
    let facts: Vec<FileFacts<'_>> = files
        .iter()
        .zip(&stats)
        .map(|(f, stat)| FileFacts {
            path: f.path(),
            stat,
        })
        .collect();
    rules::classify_files(&facts, &vers)
}

/// `CheckFiles`: which files belong in the zip. Opens nothing but a root go.mod, so
/// [`create`] can still fail on I/O or on sizes that change.
pub fn check_files<F: File>(files: &[F]) -> CheckedFiles {
    classify(files).checked
}

/// `Create`: writes the zip of module `m` holding the valid `files` to `w`, and returns
/// `w`. Fails without writing when the module or any file is invalid.
pub fn create<W: Write, F: File>(w: W, m: &ModuleVersion, files: &[F]) -> Result<W, Error> {
    create_inner(w, m, files).map_err(Error::Create)
}

fn create_inner<W: Write, F: File>(w: W, m: &ModuleVersion, files: &[F]) -> Result<W, Cause> {
    rules::check_module_version(&m.path, &m.version)?;
    let classified = classify(files);
    classified.checked.err()?;

    let mut zw = ZipWriter::new(w);
    let prefix = format!("{}@{}/", m.path, m.version);
    for (&(index, size), name) in classified.valid.iter().zip(&classified.checked.valid) {
        let f = &files[index];
        let mut r = f.open()?;
        zw.start_file([prefix.as_bytes(), name.as_bytes()].concat().as_slice())?;
        let limit = size as u64 + 1;
        let copied = io::copy(&mut (&mut r).take(limit), &mut zw)?;
        if copied >= limit {
            return Err(Cause::LargerThanDeclared { path: name.clone() });
        }
    }
    Ok(zw.finish()?)
}

/// `CreateFromDir`: the zip of module `m` from the files under `dir`, leaving out
/// `.bzr`, `.git`, `.hg` and `.svn` directories as well as what [`create`] leaves out.
pub fn create_from_dir<W: Write>(w: W, m: &ModuleVersion, dir: &Path) -> Result<W, Error> {
    let (files, _) = list_files_in_dir(dir).map_err(|e| Error::ListDir {
        dir: dir.to_path_buf(),
        cause: Cause::Io(e),
    })?;
    create_inner(w, m, &files).map_err(|cause| Error::CreateInDir {
        dir: dir.to_path_buf(),
        cause,
    })
}

/// `listFilesInDir`: the files under `dir` to offer to the zip rules, and what the walk
/// itself left out (VCS directories, nested modules, vendored files, irregular files),
/// with paths relative to `dir`.
pub fn list_files_in_dir(dir: &Path) -> io::Result<(Vec<DirFile>, Vec<FileError>)> {
    let vers = read_go_mod(|| fs::File::open(dir.join("go.mod")))
        .map(|data| rules::go_mod_lang(&data))
        .unwrap_or_default();
    let mut files = Vec::new();
    let mut omitted = Vec::new();
    let mut omit = |path: &[u8], reason| {
        omitted.push(FileError {
            path: path.to_vec(),
            reason,
        })
    };
    walk(&path_bytes(dir), &mut |e| {
        if rules::is_vendored_package(e.rel, &vers) {
            omit(e.rel, FileReason::Vendored);
            return Ok(WalkStep::Continue);
        }
        match e.info.kind {
            FileKind::Dir => {
                if e.is_root() {
                    return Ok(WalkStep::Continue);
                }
                // Fossil checkouts are regular files with any name: not excluded.
                if matches!(e.name(), b".bzr" | b".git" | b".hg" | b".svn") {
                    omit(e.rel, FileReason::Vcs);
                    return Ok(WalkStep::SkipDir);
                }
                let go_mod = e.os_path().join("go.mod");
                if fs::symlink_metadata(go_mod).is_ok_and(|m| !m.is_dir()) {
                    omit(e.rel, FileReason::SubmoduleDir);
                    return Ok(WalkStep::SkipDir);
                }
                Ok(WalkStep::Continue)
            }
            FileKind::Regular => {
                files.push(DirFile {
                    os_path: e.os_path(),
                    slash_path: e.rel.to_vec(),
                    info: e.info,
                });
                Ok(WalkStep::Continue)
            }
            FileKind::Symlink | FileKind::Other => {
                omit(e.rel, FileReason::NotRegular);
                Ok(WalkStep::Continue)
            }
        }
    })?;
    Ok((files, omitted))
}

/// `CheckDir`: [`check_files`] over the files under `dir`, plus what the walk left
/// out, with every path joined to `dir`. `Err` only for I/O errors; whether the
/// directory makes a valid module is [`CheckedFiles::err`].
pub fn check_dir(dir: &Path) -> Result<CheckedFiles, Cause> {
    let (files, walk_omitted) = list_files_in_dir(dir)?;
    let mut cf = check_files(&files);
    let dir_bytes = path_bytes(dir);
    let join = |p: &[u8]| slashpath::join(&[&dir_bytes, p]);
    for v in &mut cf.valid {
        *v = String::from_utf8_lossy(&join(v.as_bytes())).into_owned();
    }
    cf.omitted.extend(walk_omitted);
    for fe in cf.omitted.iter_mut().chain(cf.invalid.iter_mut()) {
        fe.path = join(&fe.path);
    }
    Ok(cf)
}

impl DirFile {
    /// A file at `os_path`, to appear in the zip as `slash_path`, `Lstat`ed now.
    pub fn new(os_path: PathBuf, slash_path: Vec<u8>) -> io::Result<DirFile> {
        let info = fs::symlink_metadata(&os_path)
            .map(|m| file_info(&m))
            .map_err(|e| os_err("lstat", &os_path, e))?;
        Ok(DirFile {
            os_path,
            slash_path,
            info,
        })
    }

    /// Where the file is on disk.
    pub fn os_path(&self) -> &Path {
        &self.os_path
    }
}
