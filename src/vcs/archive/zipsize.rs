//! The size of the zip `git archive --format=zip --prefix=prefix/` writes, which go
//! caps at 500 MiB + 1 byte (`downloaded zip file too large`).
//!
//! git's zip has, per entry, a local header (30 bytes + name + a 9-byte
//! extended-timestamp field) then the data, and a central record (46 + name + 9); the
//! end record carries the 40-hex commit id as comment (22 + 40). Directories (the
//! `prefix/` root, every directory walked, gitlinks) are empty entries. Regular non-empty
//! files are deflated at zlib's default level and stored instead when that does not
//! shrink them; links are stored.
//!
//! The stored size bounds the zip from above, so the deflate sizes are only computed
//! when that bound is over the cap. They come from this crate's deflate, not git's
//! zlib, so within a few bytes of the cap the verdict may differ from go's; nowhere
//! else.

use super::ArchiveError;
use crate::vcs::codehost::{ArchiveFile, FileKind};
use std::io::{self, Write};

const LOCAL: u64 = 30 + 9;
const CENTRAL: u64 = 46 + 9;
const END: u64 = 22 + 40;
const PREFIX_LEN: u64 = "prefix/".len() as u64;

/// The running size of git's zip.
#[derive(Debug)]
pub struct ZipSize {
    max: u64,
    /// Everything but the file data.
    overhead: u64,
    /// The file data if stored.
    stored: u64,
}

impl ZipSize {
    pub fn new(max: u64) -> ZipSize {
        ZipSize {
            max,
            overhead: END,
            stored: 0,
        }
    }

    /// A directory entry named `name` (with the prefix, ending in `/`).
    pub fn dir(&mut self, name: &[u8]) {
        self.overhead += LOCAL + CENTRAL + 2 * name.len() as u64;
    }

    /// A file at `path` (without the prefix).
    pub fn file(&mut self, path: &[u8], _kind: FileKind, data: &[u8]) -> Result<(), ArchiveError> {
        let n = PREFIX_LEN + path.len() as u64;
        self.overhead += LOCAL + CENTRAL + 2 * n;
        self.stored += data.len() as u64;
        Ok(())
    }

    /// The zip size with every file stored: an upper bound.
    pub fn stored_total(&self) -> u64 {
        self.overhead + self.stored
    }

    /// Fails when git's zip of `files` would be larger than the cap.
    pub fn finish(&self, files: &[ArchiveFile]) -> Result<(), ArchiveError> {
        if self.stored_total() <= self.max {
            return Ok(());
        }
        let mut total = self.overhead;
        for f in files {
            total += entry_data_size(f);
            if total > self.max {
                return Err(ArchiveError::TooLarge);
            }
        }
        Ok(())
    }
}

/// The bytes an entry's data takes in git's zip.
pub fn entry_data_size(f: &ArchiveFile) -> u64 {
    let size = f.data.len() as u64;
    if f.kind == FileKind::Symlink || size == 0 {
        return size;
    }
    let deflated = deflated_len(&f.data);
    if deflated >= size { size } else { deflated }
}

struct Count(u64);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn deflated_len(data: &[u8]) -> u64 {
    let mut enc = flate2::write::DeflateEncoder::new(Count(0), flate2::Compression::new(6));
    // Writing to a counter cannot fail; a failure would only make the bound looser.
    if enc.write_all(data).is_err() {
        return data.len() as u64;
    }
    enc.finish().map(|c| c.0).unwrap_or(data.len() as u64)
}
