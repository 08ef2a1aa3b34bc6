//! golang.org/x/mod/zip's own test archives (`conformance/zip/*`): creating zips from
//! file lists and directories, extracting them, and the check reports.
//!
//! Each folder is one tally. Every archive is run as x/mod's `zip_test.go` runs it: the
//! comment gives `path`, `version` and either `hash` (the `h1` of the zip, or of the
//! extracted directory for unzip) or `wantErr` (a substring of the error); the check
//! folders carry a `want` report compared byte for byte.

use crate::support::{self, Tally};
use gomodfetch::dirhash;
use gomodfetch::module::{self, ModuleVersion};
use gomodfetch::modzip::{self, CheckedFiles, DataFile, writer::ZipWriter};
use gomodfetch::txtar::{self, Archive};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One x/mod zip test: the comment's parameters and the archive.
pub(crate) struct ZipTest {
    pub name: String,
    /// Bytes: the module path may be deliberately invalid UTF-8.
    pub path: Vec<u8>,
    pub version: String,
    pub want_err: String,
    pub hash: String,
    pub archive: Archive,
}

/// `readTest`: `key=value` lines, `#` starts a comment, blank lines are ignored.
pub(crate) fn read_test(file: &Path) -> ZipTest {
    let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let archive = Archive::parse(&data);
    let mut t = ZipTest {
        name: file.file_stem().unwrap().to_string_lossy().into_owned(),
        path: Vec::new(),
        version: String::new(),
        want_err: String::new(),
        hash: String::new(),
        archive,
    };
    for line in t.archive.comment.clone().split(|&b| b == b'\n') {
        let line = match line.iter().position(|&b| b == b'#') {
            Some(i) => &line[..i],
            None => line,
        }
        .trim_ascii();
        if line.is_empty() {
            continue;
        }
        let eq = line
            .iter()
            .position(|&b| b == b'=')
            .unwrap_or_else(|| panic!("{}: missing = separator", file.display()));
        let (key, value) = (line[..eq].trim_ascii(), line[eq + 1..].trim_ascii());
        let text = || String::from_utf8_lossy(value).into_owned();
        match key {
            b"path" => t.path = value.to_vec(),
            b"version" => t.version = text(),
            b"wantErr" => t.want_err = text(),
            b"hash" => t.hash = text(),
            _ => panic!("{}: unknown key {key:?}", file.display()),
        }
    }
    t
}

/// The `.txt` archives of a conformance folder, sorted by name.
pub(crate) fn archives(test: &str, folder: &str) -> Vec<PathBuf> {
    let Some(dir) = support::conformance(test, folder) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files
}

/// A plain zip holding `entries` verbatim (no rules applied), as Go's tests and test
/// proxy build them with `zip.NewWriter`.
pub(crate) fn plain_zip<'a>(entries: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Vec<u8> {
    let mut w = ZipWriter::new(Vec::new());
    for (name, data) in entries {
        w.start_file(name).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap()
}

/// Writes archive files into `dir` (`extractTxtarToTempDir`).
pub(crate) fn write_tree<'a>(dir: &Path, files: impl IntoIterator<Item = &'a txtar::File>) {
    for f in files {
        let p = dir.join(String::from_utf8_lossy(&f.name).as_ref());
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &f.data).unwrap();
    }
}

impl ZipTest {
    /// The module, or `None` when its path is not UTF-8: our API cannot receive such a
    /// path, so the case is settled at the boundary, where `module::check_path_bytes`
    /// must give the error Go gives (`malformed module path "\xff": invalid UTF-8`).
    fn module(&self) -> Result<Option<ModuleVersion>, String> {
        match std::str::from_utf8(&self.path) {
            Ok(p) => Ok(Some(ModuleVersion::new(p, self.version.clone()))),
            Err(_) => match module::check_path_bytes(&self.path) {
                Ok(_) => Err("non-UTF-8 module path accepted at the boundary".into()),
                Err(e) if !self.want_err.is_empty() && e.to_string().contains(&self.want_err) => {
                    Ok(None)
                }
                Err(e) => Err(format!(
                    "boundary error {:?}, want error containing {:?}",
                    e.to_string(),
                    self.want_err
                )),
            },
        }
    }

    /// Compares an outcome with `hash` / `wantErr`.
    fn expect(&self, got: Result<String, String>) -> Result<(), String> {
        match got {
            Err(e) if self.want_err.is_empty() => Err(format!("unexpected error: {e}")),
            Err(e) if e.contains(&self.want_err) => Ok(()),
            Err(e) => Err(format!(
                "got error {e:?}; want error containing {:?}",
                self.want_err
            )),
            Ok(_) if !self.want_err.is_empty() => Err(format!(
                "unexpected success; want error containing {:?}",
                self.want_err
            )),
            Ok(h) if h == self.hash => Ok(()),
            Ok(h) => Err(format!("got hash {h:?}, want {:?}", self.hash)),
        }
    }

    fn files_except_want(&self) -> Vec<&txtar::File> {
        self.archive
            .files
            .iter()
            .filter(|f| f.name != b"want")
            .collect()
    }

    fn want(&self) -> String {
        let want = self
            .archive
            .file("want")
            .expect("check test without a want section");
        String::from_utf8_lossy(&want.data).into_owned()
    }
}

fn hash_zip_bytes(zip: &[u8]) -> Result<String, String> {
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), zip).unwrap();
    let read = dirhash::hash_zip(tmp.path())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string());
    // `verify`'s hash through a mapping must agree, errors included.
    let mapped = dirhash::hash_zip_mapped(tmp.path())
        .map(|h| h.h1.to_string())
        .map_err(|e| e.to_string());
    assert_eq!(mapped, read, "hash_zip_mapped and hash_zip disagree");
    read
}

/// x/mod's `formatCheckedFiles`.
pub(crate) fn format_checked_files(cf: &CheckedFiles) -> String {
    let mut s = String::from("valid:\n");
    for v in &cf.valid {
        s += &format!("{v}\n");
    }
    s += "\nomitted:\n";
    for e in &cf.omitted {
        s += &format!("{e}\n");
    }
    s += "\ninvalid:\n";
    for e in &cf.invalid {
        s += &format!("{e}\n");
    }
    s
}

/// The report must render as `want`, and the error must be exactly the invalid list.
fn expect_report(cf: &CheckedFiles, got: String, want: &str) -> Result<(), String> {
    if got != want {
        return Err(format!("got:\n{got}\nwant:\n{want}"));
    }
    let want_err = if cf.invalid.is_empty() {
        String::new()
    } else {
        modzip::FileErrorList(cf.invalid.clone()).to_string()
    };
    let got_err = cf.err().err().map(|e| e.to_string()).unwrap_or_default();
    if got_err != want_err {
        return Err(format!("got error:\n{got_err}\nwant error:\n{want_err}"));
    }
    Ok(())
}

#[test]
fn zip_create() {
    let mut tally = Tally::new("zip/create");
    for file in archives("zip_create", "zip/create") {
        let t = read_test(&file);
        tally.check(&t.name, || {
            let Some(m) = t.module()? else {
                return Ok(());
            };
            let files: Vec<DataFile> = t
                .archive
                .files
                .iter()
                .map(|f| DataFile {
                    path: f.name.clone(),
                    data: f.data.clone(),
                })
                .collect();
            let got = modzip::create(Vec::new(), &m, &files)
                .map_err(|e| e.to_string())
                .and_then(|zip| hash_zip_bytes(&zip));
            t.expect(got)
        });
    }
    tally.finish();
}

#[test]
fn zip_create_from_dir() {
    let mut tally = Tally::new("zip/create_from_dir");
    for file in archives("zip_create_from_dir", "zip/create_from_dir") {
        let t = read_test(&file);
        tally.check(&t.name, || {
            let Some(m) = t.module()? else {
                return Ok(());
            };
            let dir = tempfile::tempdir().unwrap();
            write_tree(dir.path(), &t.archive.files);
            let got = modzip::create_from_dir(Vec::new(), &m, dir.path())
                .map_err(|e| e.to_string())
                .and_then(|zip| hash_zip_bytes(&zip));
            t.expect(got)
        });
    }
    tally.finish();
}

#[test]
fn zip_unzip() {
    let mut tally = Tally::new("zip/unzip");
    for file in archives("zip_unzip", "zip/unzip") {
        let t = read_test(&file);
        tally.check(&t.name, || {
            let Some(m) = t.module()? else {
                return Ok(());
            };
            let zip = tempfile::NamedTempFile::new().unwrap();
            let bytes = plain_zip(
                t.archive
                    .files
                    .iter()
                    .map(|f| (f.name.as_slice(), f.data.as_slice())),
            );
            std::fs::write(zip.path(), bytes).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let got = modzip::unzip(dir.path(), &m, zip.path())
                .map_err(|e| e.to_string())
                .and_then(|()| {
                    let prefix = format!("{}@{}/", m.path, m.version);
                    dirhash::hash_dir(dir.path(), &prefix)
                        .map(|h| h.to_string())
                        .map_err(|e| format!("hashing the extracted tree: {e}"))
                });
            if got.is_err() {
                // Nothing is written when the check fails.
                let n = std::fs::read_dir(dir.path()).unwrap().count();
                if n != 0 && t.want_err.contains("larger than declared") {
                    // Go writes files before it detects a size lie.
                } else if n != 0 {
                    return Err(format!("failed unzip left {n} entries behind"));
                }
            }
            t.expect(got)
        });
    }
    tally.finish();
}

#[test]
fn zip_check_files() {
    let mut tally = Tally::new("zip/check_files");
    for file in archives("zip_check_files", "zip/check_files") {
        let t = read_test(&file);
        tally.check(&t.name, || {
            let files: Vec<DataFile> = t
                .files_except_want()
                .into_iter()
                .map(|f| DataFile {
                    path: f.name.clone(),
                    data: f.data.clone(),
                })
                .collect();
            let cf = modzip::check_files(&files);
            expect_report(&cf, format_checked_files(&cf), &t.want())
        });
    }
    tally.finish();
}

#[test]
fn zip_check_dir() {
    let mut tally = Tally::new("zip/check_dir");
    for file in archives("zip_check_dir", "zip/check_dir") {
        let t = read_test(&file);
        tally.check(&t.name, || {
            let dir = tempfile::tempdir().unwrap();
            write_tree(dir.path(), t.files_except_want());
            let cf = modzip::check_dir(dir.path()).map_err(|e| format!("I/O error: {e}"))?;
            let got = format_checked_files(&cf).replace(&*dir.path().to_string_lossy(), "$work");
            expect_report(&cf, got, &t.want())
        });
    }
    tally.finish();
}

#[test]
fn zip_check_zip() {
    let mut tally = Tally::new("zip/check_zip");
    for file in archives("zip_check_zip", "zip/check_zip") {
        let t = read_test(&file);
        tally.check(&t.name, || {
            let m = t
                .module()?
                .ok_or("check_zip with a non-UTF-8 module path")?;
            let zip = tempfile::NamedTempFile::new().unwrap();
            let bytes = plain_zip(
                t.files_except_want()
                    .into_iter()
                    .map(|f| (f.name.as_slice(), f.data.as_slice())),
            );
            std::fs::write(zip.path(), bytes).unwrap();
            let cf = modzip::check_zip(&m, zip.path()).map_err(|e| format!("I/O error: {e}"))?;
            expect_report(&cf, format_checked_files(&cf), &t.want())
        });
    }
    tally.finish();
}
