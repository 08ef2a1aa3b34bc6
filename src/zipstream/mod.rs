//! One pass over a module zip: the bytes go to the temp file that will become the
//! cache's `.zip` while the entries are parsed from their local headers, inflated,
//! hashed (`h1`), checked against the module zip rules and written into the extraction
//! directory. The body is read once; memory is a few fixed buffers whatever the zip.
//!
//! # Calling it
//!
//! Both entry points are blocking (file I/O, inflate, SHA-256): the engine runs them
//! on a blocking thread, with the body bridged from the async side
//! (`engine::bridge`).
//!
//! * [`download`]: a zip arriving from a proxy. `body` is the response body (for a
//!   `file://` proxy, the opened file: Go copies it into the cache too), `temp` the
//!   cache's fresh, empty temp file (`<v>.zip<random>.tmp`), left holding the whole body.
//! * [`from_file`]: a zip already in the cache whose `.ziphash` is missing (Go re-hashes
//!   it) or whose directory is missing (Go only extracts it).
//!
//! The [`Job`] names the module, the directory to extract into (absent or empty, or
//! `None` to only hash) and the zip's final cache path (named in `unzip <zip>: …`
//! errors). This module writes only inside that directory: the store owns the lock,
//! the `.partial` marker, the temp file's name and renames, and the read-only modes Go
//! sets once extraction is over.
//!
//! # Results, in Go's order
//!
//! `go` downloads a zip, checks it opens as a zip and that every entry is under
//! `<path>@<version>/`, hashes it (`HashZip`), verifies the hash, stores `.ziphash` and
//! `.zip`, and only then extracts it (`Unzip`), which can still fail. So:
//!
//! * [`download`] returns `Err` exactly when Go would store nothing: the body failed or
//!   was too large, the zip does not open, an entry is outside the prefix, or hashing
//!   failed (checksum, corrupt data, sizes that lie, a name with a newline) — each with
//!   Go's text — or the zip's two halves disagree (below);
//! * otherwise an [`Outcome`]: the `h1` for the engine to verify against go.sum
//!   **before** publishing anything, and the [`Extraction`] verdict: `Complete` (commit
//!   the directory) or `Failed` with Go's exact `unzip <zip>: <cause>` error, listing
//!   every invalid file as `checkZip` does (roll back the directory, but the zip and
//!   ziphash may still be stored, as Go stores them).
//!
//! Extraction follows the rules as entries arrive: a name is validated before its file
//! is created, so nothing is written outside the directory; as soon as an entry makes
//! the zip invalid (bad or colliding name, nested go.mod, size limits) nothing more is
//! written, but reading and hashing go on so the zip can be stored and Go's complete
//! error produced.
//!
//! # The two halves of a zip
//!
//! Go reads a zip through its central directory, at the end; a stream can only follow
//! the local headers. At the end the central directory (read from the temp file, which
//! then holds everything) must describe exactly what was streamed: the same entries in
//! the same order at the same offsets, the same names, methods, descriptor flags,
//! CRC-32s and sizes, entries back to back from offset 0 and the directory right after
//! them (see `layout`). What follows the directory is left to Go's reader. A zip that
//! breaks this is refused with [`Error::Inconsistent`] — unless Go itself would refuse
//! it, in which case Go's error is given, found by reading the file as Go does. Every
//! zip written by Go's `archive/zip` (and by ours) is laid out this way.
//!
//! When the local headers cannot be followed (a stored entry with a data descriptor
//! has no known length; an unknown method with a descriptor; more contents than a
//! module can hold; damage), the rest of the body still goes to the temp file, what was
//! extracted is removed, and the file is processed through its central directory, the
//! layout being checked from the file: still one read of the network.
//!
//! Content errors are always Go's: the streamer only accepts an entry whose size and
//! CRC-32 are right; any entry it finds wrong is re-read from the file with Go's reader
//! semantics for the exact message (`zip: checksum error`, `unexpected EOF`, …).
//! Limits: the body is read to at most 500 MiB + 1 byte (`downloaded zip file too
//! large`, as Go's proxy client); an entry's inflated size stops at its declared size
//! plus one byte when the local header declares it; for entries with a data descriptor
//! (sizes declared only after the data) the total inflated contents stop at the 500 MiB
//! a module may hold, after which the file's declared sizes bound the work, as in Go.

mod central;
mod extract;
mod hash;
mod input;
mod layout;
mod stream;

pub use layout::Mismatch;

use crate::dirhash::{self, H1};
use crate::module::ModuleVersion;
use crate::modzip::reader::{ZipError, ZipReader};
use crate::modzip::rules::{ZipEntryRules, check_zip_file_size};
use crate::modzip::{Cause, CheckError, os_err};
use extract::Extractor;
use std::fs;
use std::io::{self, BufReader, Read, Seek, Write};
use std::path::Path;
use stream::Streamed;

/// What to do with one module zip.
#[derive(Debug, Clone, Copy)]
pub struct Job<'a> {
    /// The module version the zip is for (entries live under `<path>@<version>/`).
    pub module: &'a ModuleVersion,
    /// The directory to extract into, absent or empty (otherwise extraction fails as
    /// Go's does: `target directory … exists and is not empty`); `None` to only hash.
    pub extract_to: Option<&'a Path>,
    /// The zip's final path in the cache, named in extraction errors.
    pub zip_file: &'a Path,
    /// For [`download`]: the temp file's path, which Go names in write errors and in
    /// the rare read errors that quote the file (`readat <file>: negative offset`).
    pub temp_file: Option<&'a Path>,
}

/// A zip Go would store: its hash and what became of the extraction.
#[derive(Debug)]
pub struct Outcome {
    /// `dirhash.HashZip` of the zip: verify it before publishing anything.
    pub h1: H1,
    pub extraction: Extraction,
    /// The zip's size in bytes.
    pub size: u64,
    /// Why the local headers could not be followed, when the zip was read through its
    /// central directory after the download (for logs; the result is the same).
    pub fallback: Option<String>,
}

/// What happened in the extraction directory.
#[derive(Debug)]
pub enum Extraction {
    /// No directory was given.
    Skipped,
    /// Every file is written: the directory is the module's (commit it).
    Complete,
    /// Go's `Unzip` fails with this error (`unzip <zip>: <cause>`): remove the
    /// directory. Whatever was written is incomplete.
    Failed(crate::modzip::Error),
}

impl Extraction {
    pub fn is_complete(&self) -> bool {
        matches!(self, Extraction::Complete)
    }
}

/// Why a zip cannot be stored; `Display` is Go's text where Go has one.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading the body failed. Go reports it as `read "<url>": <err>` (the caller
    /// knows the URL); a retry may help, from an emptied temp file and directory.
    #[error("{0}")]
    Read(#[source] io::Error),
    /// Writing the body to the temp file failed (a full disk, a size limit). Go's
    /// proxy client copies the body into the file, so it reports this like a read
    /// failure: `read "<url>": write <temp file>: <err>` (the caller knows the URL).
    #[error("{0}")]
    TempWrite(#[source] io::Error),
    /// Reading the zip file (the temp file, or the cached zip) failed.
    #[error("{0}")]
    File(#[source] io::Error),
    /// The body is longer than a module zip may be (Go's proxy client wraps it in the
    /// module's version error).
    #[error("downloaded zip file too large")]
    TooLarge,
    /// The file does not open as a zip (`zip.NewReader`).
    #[error("{0}")]
    Zip(#[source] ZipError),
    /// An entry outside `<path>@<version>/` (`downloadZip`'s check).
    #[error("zip for {module} has unexpected file {}", String::from_utf8_lossy(.name))]
    UnexpectedFile { module: String, name: Vec<u8> },
    /// Hashing failed (`dirhash.HashZip`): a name with a newline, or an entry whose
    /// contents do not read back (checksum, sizes, corrupt data, unknown method).
    #[error("{0}")]
    Hash(#[source] dirhash::Error),
    /// The local headers and the central directory describe different zips.
    #[error("zip for {module} is inconsistent: {mismatch}")]
    Inconsistent { module: String, mismatch: Mismatch },
}

impl Error {
    /// Whether the body broke while being read (the only failure a retry can mend).
    pub fn is_body_error(&self) -> bool {
        matches!(self, Error::Read(_))
    }
}

/// Streams a zip from `body` into `temp` (empty, at its start), hashing, checking and
/// extracting it in the same pass. See the module docs for what `Err` and the
/// [`Outcome`] mean.
pub fn download<R: Read, T: Read + Write + Seek>(
    body: R,
    temp: &mut T,
    job: &Job<'_>,
) -> Result<Outcome, Error> {
    let m = job.module;
    let mut rules = ZipEntryRules::new(&m.path, &m.version);
    let mut ex = job.extract_to.map(Extractor::new);
    if let (Err(_), Some(ex)) = (&rules, ex.as_mut()) {
        ex.stop();
    }
    let (streamed, size) = {
        let mut input = input::Input::new(body, temp, job.temp_file);
        let streaming_rules = rules.as_mut().ok().filter(|_| ex.is_some());
        let streamed = stream::run(&mut input, streaming_rules, ex.as_mut())?;
        (streamed, input.finish()?)
    };
    let mut z = ZipReader::new(&mut *temp, size).map_err(Error::Zip)?;
    let prefix = format!("{}@{}/", m.path, m.version);
    if let Some(e) = z
        .entries()
        .iter()
        .find(|e| !e.name.starts_with(prefix.as_bytes()))
    {
        return Err(Error::UnexpectedFile {
            module: m.to_string(),
            name: e.name.clone(),
        });
    }

    let (entries, directory) = match streamed {
        Streamed::Complete { entries, directory } => (entries, directory),
        Streamed::GaveUp { offset, why } => {
            let why = format!("at offset {offset}: {why}");
            return from_central(&mut z, size, job, ex, why);
        }
    };
    let (locals, digests): (Vec<_>, Vec<_>) =
        entries.into_iter().map(|e| (e.local, e.digest)).unzip();
    if let Err(mismatch) = layout::compare(&locals, z.entries(), directory) {
        return Err(inconsistent(&mut z, job, mismatch));
    }
    let results: Vec<hash::Hashed<()>> = locals
        .into_iter()
        .zip(digests)
        .map(|(l, d)| (l.name, d.ok_or(())))
        .collect();
    let h1 = match hash::h1(&results) {
        Ok(h1) => h1,
        Err(hash::Failure::Newline(name)) => return Err(newline(name)),
        // Go's reader gives the exact error; if it finds none, its view wins.
        Err(hash::Failure::Entry(())) => {
            let why = "an entry's contents do not read back".to_string();
            return from_central(&mut z, size, job, ex, why);
        }
    };
    let extraction = match ex {
        None => Extraction::Skipped,
        Some(ex) => {
            let check = rules.and_then(|r| r.finish().err().map_err(Cause::Check));
            ex.finish(check, job.zip_file)
        }
    };
    Ok(Outcome {
        h1,
        extraction,
        size,
        fallback: None,
    })
}

/// A complete zip (downloaded, the stream left behind) through its central
/// directory, with the layout still required to agree.
fn from_central<R: Read + Seek>(
    z: &mut ZipReader<R>,
    size: u64,
    job: &Job<'_>,
    mut ex: Option<Extractor>,
    why: String,
) -> Result<Outcome, Error> {
    let agreed = layout::read_local(z)
        .and_then(|locals| layout::compare(&locals, z.entries(), z.directory_start()));
    if let Err(mismatch) = agreed {
        return Err(inconsistent(z, job, mismatch));
    }
    if let Some(ex) = ex.as_mut()
        && let Err(cause) = ex.clear()
    {
        ex.fail(cause);
    }
    let (h1, extraction) = hash_and_extract(z, size, job, ex, job.temp_file);
    Ok(Outcome {
        h1: h1?,
        extraction,
        size,
        fallback: Some(why),
    })
}

/// The checks, hashing and extraction of a zip open on its central directory.
fn hash_and_extract<R: Read + Seek>(
    z: &mut ZipReader<R>,
    size: u64,
    job: &Job<'_>,
    mut ex: Option<Extractor>,
    file_name: Option<&Path>,
) -> (Result<H1, Error>, Extraction) {
    let m = job.module;
    let check = ex.as_ref().map(|_| {
        let mut rules = ZipEntryRules::new(&m.path, &m.version)?;
        if let Some(e) = check_zip_file_size(size) {
            return Err(Cause::Check(CheckError::Size(e)));
        }
        for e in z.entries() {
            rules.check_entry(&e.name, e.uncompressed_size);
        }
        rules.finish().err().map_err(Cause::Check)
    });
    if let (Some(Err(_)), Some(ex)) = (&check, ex.as_mut()) {
        ex.stop();
    }
    let prefix = format!("{}@{}/", m.path, m.version);
    let results = central::read_entries(z, prefix.as_bytes(), ex.as_mut(), file_name);
    let h1 = hash::h1(&results).map_err(|f| match f {
        hash::Failure::Newline(name) => newline(name),
        hash::Failure::Entry(e) => entry_error(e, file_name),
    });
    let extraction = match (ex, check) {
        (Some(ex), Some(check)) => ex.finish(check, job.zip_file),
        _ => Extraction::Skipped,
    };
    (h1, extraction)
}

/// The error for a zip whose halves disagree: Go's own, when Go's reading of the file
/// fails anyway, else [`Error::Inconsistent`].
fn inconsistent<R: Read + Seek>(z: &mut ZipReader<R>, job: &Job<'_>, mismatch: Mismatch) -> Error {
    let m = job.module;
    let prefix = format!("{}@{}/", m.path, m.version);
    let results = central::read_entries(z, prefix.as_bytes(), None, job.temp_file);
    match hash::h1(&results) {
        Err(hash::Failure::Newline(name)) => newline(name),
        Err(hash::Failure::Entry(e)) => entry_error(e, job.temp_file),
        Ok(_) => Error::Inconsistent {
            module: m.to_string(),
            mismatch,
        },
    }
}

/// Hashing failed reading an entry.
fn entry_error(e: &ZipError, file_name: Option<&Path>) -> Error {
    match central::named_read_error(e, file_name) {
        Some(io) => Error::File(io),
        None => Error::Hash(dirhash::Error::Zip(e.clone())),
    }
}

fn newline(name: &[u8]) -> Error {
    Error::Hash(dirhash::Error::NewlineInName {
        name: name.to_vec(),
    })
}

/// What [`from_file`] found: the hash (Go's `hashZip`, needed when `.ziphash` is
/// missing) and the extraction (Go's `Unzip`), each with Go's error; they fail
/// independently, as Go runs them separately.
#[derive(Debug)]
pub struct FileOutcome {
    pub h1: Result<H1, Error>,
    pub extraction: Extraction,
}

/// Hashes and (with a directory in `job`) extracts the zip file `job.zip_file` already
/// in the cache, reading it once, exactly as Go reads it: through its central
/// directory, without the download-time checks (prefix, layout) Go does not repeat.
pub fn from_file(job: &Job<'_>) -> FileOutcome {
    let zip = job.zip_file;
    let ex = job.extract_to.map(Extractor::new);
    let failed = |ex: Option<Extractor>, cause: Cause| match ex {
        Some(ex) => ex.finish(Err(cause), zip),
        None => Extraction::Skipped,
    };
    let os_failure = |op, e: io::Error, ex| {
        let again = match e.raw_os_error() {
            Some(code) => io::Error::from_raw_os_error(code),
            None => io::Error::new(e.kind(), e.to_string()),
        };
        FileOutcome {
            h1: Err(Error::File(os_err(op, zip, e))),
            extraction: failed(ex, Cause::Io(os_err(op, zip, again))),
        }
    };
    let f = match fs::File::open(zip) {
        Ok(f) => f,
        Err(e) => return os_failure("open", e, ex),
    };
    let size = match f.metadata() {
        Ok(meta) => meta.len(),
        Err(e) => return os_failure("stat", e, ex),
    };
    let mut z = match ZipReader::new(BufReader::new(f), size) {
        Ok(z) => z,
        Err(e) => {
            let m = job.module;
            let cause = match ZipEntryRules::new(&m.path, &m.version) {
                Err(cause) => cause,
                Ok(_) => match check_zip_file_size(size) {
                    Some(size_error) => Cause::Check(CheckError::Size(size_error)),
                    None => Cause::Zip(e.clone()),
                },
            };
            return FileOutcome {
                h1: Err(Error::Zip(e)),
                extraction: failed(ex, cause),
            };
        }
    };
    let (h1, extraction) = hash_and_extract(&mut z, size, job, ex, Some(zip));
    FileOutcome { h1, extraction }
}

#[cfg(test)]
mod tests;
