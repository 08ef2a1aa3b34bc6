//! Checking an existing module zip (`CheckZip`) and extracting it (`Unzip`).
//!
//! Extraction happens only after the whole central directory passed
//! [`rules::ZipEntryRules`]: every name is under `<path>@<version>/`, clean, portable
//! and free of collisions, sizes are within the limits. Only then is the target
//! directory created; files are created with `O_EXCL` and mode 0444 (less the umask),
//! directories with 0777, and each entry's contents stream through inflate and the
//! CRC check, stopping at the declared size. Directory entries are not materialised.
//! If extraction fails midway the files written so far stay, as in Go: the caller
//! removes the tree.

use super::reader::ZipReader;
use super::report::CheckedFiles;
use super::rules::{self, ZipEntryRules};
use super::{Cause, Error, ZipError, bytes_path, os_err, path_bytes, slashpath};
use crate::module::ModuleVersion;
use std::fs;
use std::io::{self, BufReader, Write};
use std::path::Path;

type FileZip = ZipReader<BufReader<fs::File>>;

/// `CheckZip`: checks the module path and version, the zip's size and every entry.
/// `Err` when the zip cannot be examined (bad module or version, I/O, not a zip);
/// whether it is a valid module zip is [`CheckedFiles::err`].
pub fn check_zip(m: &ModuleVersion, zip_file: &Path) -> Result<CheckedFiles, Cause> {
    let f = fs::File::open(zip_file).map_err(|e| os_err("open", zip_file, e))?;
    Ok(open_and_check(m, zip_file, f)?.1)
}

/// `checkZip`: the reader (unless the file is too large to open) and the report.
fn open_and_check(
    m: &ModuleVersion,
    zip_file: &Path,
    f: fs::File,
) -> Result<(Option<FileZip>, CheckedFiles), Cause> {
    let mut entry_rules = ZipEntryRules::new(&m.path, &m.version)?;
    let size = f.metadata().map_err(|e| os_err("stat", zip_file, e))?.len();
    if let Some(size_error) = rules::check_zip_file_size(size) {
        let cf = CheckedFiles {
            size_error: Some(size_error),
            ..CheckedFiles::default()
        };
        return Ok((None, cf));
    }
    let z = ZipReader::new(BufReader::new(f), size)?;
    for e in z.entries() {
        entry_rules.check_entry(&e.name, e.uncompressed_size);
    }
    Ok((Some(z), entry_rules.finish()))
}

/// `Unzip`: extracts the zip of module `m` into `dir`, which must be absent or empty.
pub fn unzip(dir: &Path, m: &ModuleVersion, zip_file: &Path) -> Result<(), Error> {
    unzip_inner(dir, m, zip_file).map_err(|cause| Error::Unzip {
        zip: zip_file.to_path_buf(),
        cause,
    })
}

fn unzip_inner(dir: &Path, m: &ModuleVersion, zip_file: &Path) -> Result<(), Cause> {
    // Not created yet, in case the zip is bad. Go ignores errors reading it.
    if fs::read_dir(dir).is_ok_and(|mut entries| entries.any(|e| e.is_ok())) {
        return Err(Cause::TargetNotEmpty {
            dir: dir.to_path_buf(),
        });
    }
    let f = fs::File::open(zip_file).map_err(|e| os_err("open", zip_file, e))?;
    let (z, cf) = open_and_check(m, zip_file, f)?;
    cf.err()?;
    let Some(mut z) = z else {
        // Only a size error leaves no reader, and it was reported above.
        return Err(Cause::Zip(ZipError::Format));
    };

    let prefix = format!("{}@{}/", m.path, m.version);
    mkdir_all(dir)?;
    let dir_bytes = path_bytes(dir).into_owned();
    let mut buf = vec![0u8; 32 * 1024];
    for index in 0..z.entries().len() {
        let entry = &z.entries()[index];
        // Every entry passed the prefix check above.
        let Some(name) = entry.name.strip_prefix(prefix.as_bytes()) else {
            return Err(Cause::Zip(ZipError::Format));
        };
        if name.is_empty() || name.ends_with(b"/") {
            continue;
        }
        let declared = entry.uncompressed_size;
        let full_name = entry.name.clone();
        let dst = bytes_path(&slashpath::join(&[&dir_bytes, name]));
        if let Some(parent) = dst.parent() {
            mkdir_all(parent)?;
        }
        let mut w = create_exclusive(&dst)?;
        let mut r = z.open(index)?;
        let limit = declared.saturating_add(1);
        let mut copied: u64 = 0;
        while copied < limit {
            let want = buf
                .len()
                .min(usize::try_from(limit - copied).unwrap_or(usize::MAX));
            let n = r.read_some(&mut buf[..want])?;
            if n == 0 {
                break;
            }
            w.write_all(&buf[..n])
                .map_err(|e| os_err("write", &dst, e))?;
            copied += n as u64;
        }
        drop(w);
        if copied >= limit {
            return Err(Cause::LargerThanDeclaredEntry {
                name: full_name,
                declared,
            });
        }
    }
    Ok(())
}

pub(crate) fn create_exclusive(path: &Path) -> Result<fs::File, Cause> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o444);
    }
    Ok(opts.open(path).map_err(|e| os_err("open", path, e))?)
}

/// `os.MkdirAll(path, 0777)`, failing with Go's message for the component that failed.
/// Go recurses on the parent; this walks up to the first directory that exists and
/// then creates downwards, because a zip can name a path thousands of directories
/// deep, and recursion that deep overflows a worker thread's stack.
pub(crate) fn mkdir_all(path: &Path) -> Result<(), Cause> {
    let mut missing = Vec::new();
    let mut at = Some(path);
    while let Some(p) = at {
        match fs::metadata(p) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => {
                let e = io::Error::from(io::ErrorKind::NotADirectory);
                return Err(Cause::Io(os_err("mkdir", p, e)));
            }
            Err(_) => missing.push(p),
        }
        at = p.parent().filter(|p| !p.as_os_str().is_empty());
    }
    for p in missing.into_iter().rev() {
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o777);
        }
        match builder.create(p) {
            Ok(()) => {}
            // Someone else may have made it meanwhile.
            Err(_) if fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) => {}
            Err(e) => return Err(Cause::Io(os_err("mkdir", p, e))),
        }
    }
    Ok(())
}
