//! Go's own view of a complete zip file: the entries of its central directory, each
//! read once, in that order, through Go's reader semantics (`modzip::reader`: declared
//! sizes, CRC-32, data descriptors), hashed, and written out the way `Unzip` writes
//! them when the module's checks passed.
//!
//! This is the reference the streamer is held to, and the path taken for a zip already
//! on disk or one whose local headers could not be followed.

use super::extract::Extractor;
use super::hash::Hashed;
use super::input::WINDOW;
use crate::modzip::Cause;
use crate::modzip::reader::{ZipError, ZipReader};
use sha2::{Digest, Sha256};
use std::io::{self, Read, Seek};
use std::path::Path;

/// Per entry, in central-directory order: its name and its contents' SHA-256, or why
/// reading them failed.
pub(crate) type Results = Vec<Hashed<ZipError>>;

/// Reads every entry once. With `ex` (still writing, so the checks passed), each file
/// entry below `prefix` is extracted as Go's `Unzip` does it, and the first failure
/// (creating, reading, writing) ends the writing; hashing goes on.
pub(crate) fn read_entries<R: Read + Seek>(
    z: &mut ZipReader<R>,
    prefix: &[u8],
    mut ex: Option<&mut Extractor>,
    file_name: Option<&Path>,
) -> Results {
    let mut buf = vec![0u8; WINDOW];
    let count = z.entries().len();
    let mut out = Vec::with_capacity(count);
    for index in 0..count {
        let entry = &z.entries()[index];
        let (name, declared) = (entry.name.clone(), entry.uncompressed_size);
        let file = name
            .strip_prefix(prefix)
            .filter(|rest| !rest.is_empty() && !rest.ends_with(b"/"))
            .and_then(|rest| std::str::from_utf8(rest).ok());
        let mut sink = match (ex.as_deref_mut(), file) {
            (Some(ex), Some(file)) if ex.writing() => {
                ex.open(file);
                Some(ex)
            }
            _ => None,
        };
        let result = match z.open(index) {
            Err(e) => {
                if let Some(ex) = sink.as_deref_mut() {
                    ex.fail(cause_of(&e, file_name));
                }
                Err(e)
            }
            Ok(mut r) => {
                let mut sha = Sha256::new();
                let mut copied = 0u64;
                loop {
                    match r.read_some(&mut buf) {
                        Ok(0) => break Ok(sha.finalize().into()),
                        Ok(n) => {
                            sha.update(&buf[..n]);
                            copied += n as u64;
                            let Some(ex) = sink.as_deref_mut() else {
                                continue;
                            };
                            if copied > declared {
                                // Unzip copies at most the declared size plus one byte.
                                ex.fail(Cause::LargerThanDeclaredEntry {
                                    name: name.clone(),
                                    declared,
                                });
                            } else {
                                ex.write(&buf[..n]);
                            }
                        }
                        Err(e) => {
                            if let Some(ex) = sink.as_deref_mut() {
                                ex.fail(cause_of(&e, file_name));
                            }
                            break Err(e);
                        }
                    }
                }
            }
        };
        if let Some(ex) = sink {
            ex.close();
        }
        out.push((name, result));
    }
    out
}

/// Go's own text for a read failure that names the zip file: `os.File.ReadAt` refuses a
/// negative offset as `readat <file>: negative offset`. `None` for the others, whose
/// text is the reader's.
pub(crate) fn named_read_error(e: &ZipError, file_name: Option<&Path>) -> Option<io::Error> {
    match (e, file_name) {
        (ZipError::NegativeOffset, Some(file)) => Some(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("readat {}: {e}", file.display()),
        )),
        _ => None,
    }
}

/// A read failure as the cause of an extraction failure.
pub(crate) fn cause_of(e: &ZipError, file_name: Option<&Path>) -> Cause {
    match named_read_error(e, file_name) {
        Some(io) => Cause::Io(io),
        None => Cause::Zip(e.clone()),
    }
}
