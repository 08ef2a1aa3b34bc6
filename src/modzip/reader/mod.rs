//! A zip reader with the semantics of Go's `archive/zip` reader, over any `Read + Seek`.
//!
//! Module hashes and extraction are defined by what Go's reader sees, so this reader
//! reproduces it rather than a general-purpose zip library:
//!
//! * entries come from the central directory, in its order, and **duplicate names are
//!   kept** (Go hashes both; the unzip check reports them). The `zip` crate refuses such
//!   archives, which is why we read zips ourselves;
//! * names are raw bytes, never re-decoded from CP437;
//! * the end record is searched in the last 1 KiB, then the last 65 KiB; zip64 end
//!   records, zip64 extra fields and a prefix before the archive (`baseOffset`) are
//!   handled as Go handles them, including Go's habit of reading central-directory
//!   headers until one fails and only checking the count modulo 65536;
//! * only Store (0) and Deflate (8) are supported;
//! * reading an entry fails with `zip: not a valid zip file` as soon as it yields more
//!   than its declared size, with `unexpected EOF` when it yields less, and with
//!   `zip: checksum error` when the CRC-32 (from the data descriptor, then the central
//!   directory) disagrees.
//!
//! Nothing is buffered beyond one header or one inflate window: entry data streams.

mod entry;
#[cfg(test)]
mod tests;

pub use entry::EntryReader;

use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::sync::Arc;

// Record signatures (shared with the writer).
pub(crate) const FILE_HEADER_SIGNATURE: u32 = 0x0403_4b50;
pub(crate) const DIRECTORY_HEADER_SIGNATURE: u32 = 0x0201_4b50;
pub(crate) const DIRECTORY_END_SIGNATURE: u32 = 0x0605_4b50;
pub(crate) const DIRECTORY64_LOC_SIGNATURE: u32 = 0x0706_4b50;
pub(crate) const DIRECTORY64_END_SIGNATURE: u32 = 0x0606_4b50;
pub(crate) const DATA_DESCRIPTOR_SIGNATURE: u32 = 0x0807_4b50;
pub(crate) const FILE_HEADER_LEN: usize = 30;
const DIRECTORY_HEADER_LEN: usize = 46;
const DIRECTORY_END_LEN: usize = 22;
const DIRECTORY64_LOC_LEN: usize = 20;
const DIRECTORY64_END_LEN: usize = 56;
pub(crate) const ZIP64_EXTRA_ID: u16 = 0x0001;

/// Compression method Store.
pub const STORE: u16 = 0;
/// Compression method Deflate.
pub const DEFLATE: u16 = 8;

/// A zip read failure; `Display` is Go's text.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ZipError {
    /// `zip.ErrFormat`.
    #[error("zip: not a valid zip file")]
    Format,
    /// `zip.ErrAlgorithm`: a compression method other than Store or Deflate.
    #[error("zip: unsupported compression algorithm")]
    Algorithm,
    /// `zip.ErrChecksum`.
    #[error("zip: checksum error")]
    Checksum,
    /// The end record's comment runs past the end of the file.
    #[error("zip: invalid comment length")]
    InvalidCommentLength,
    /// A read started at the end of the data (`io.EOF`).
    #[error("EOF")]
    Eof,
    /// Data ended in the middle of a record or of an entry (`io.ErrUnexpectedEOF`).
    #[error("unexpected EOF")]
    UnexpectedEof,
    /// The deflate stream is corrupt (`flate.CorruptInputError`).
    #[error("flate: corrupt input before offset {offset}")]
    Flate { offset: u64 },
    /// A header offset outside the file.
    #[error("negative offset")]
    NegativeOffset,
    /// The underlying reader failed.
    #[error("{0}")]
    Io(Arc<io::Error>),
}

impl From<io::Error> for ZipError {
    fn from(e: io::Error) -> Self {
        ZipError::Io(Arc::new(e))
    }
}

/// One central-directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    /// The name exactly as stored (bytes; usually UTF-8).
    pub name: Vec<u8>,
    pub flags: u16,
    pub method: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    /// The declared uncompressed size (64-bit, from the zip64 extra when present).
    pub uncompressed_size: u64,
    /// Offset of the local header, including the archive's base offset.
    header_offset: i64,
}

impl ZipEntry {
    /// Whether the name ends in `/` (a directory entry).
    pub fn is_dir(&self) -> bool {
        self.name.ends_with(b"/")
    }

    /// Whether a data descriptor follows the entry's data (flag bit 3).
    pub fn has_data_descriptor(&self) -> bool {
        self.flags & 0x8 != 0
    }

    /// Where the entry's local header starts in the file (the archive's base offset
    /// included); negative only in archives whose offsets are nonsense.
    pub fn header_offset(&self) -> i64 {
        self.header_offset
    }
}

/// An open archive: its entries, and the reader to stream their contents from.
pub struct ZipReader<R> {
    r: R,
    entries: Vec<ZipEntry>,
    directory_start: u64,
}

impl<R: Read + Seek> ZipReader<R> {
    /// Reads the central directory of an archive of `size` bytes (`zip.NewReader`).
    pub fn new(mut r: R, size: u64) -> Result<Self, ZipError> {
        let size = i64::try_from(size).map_err(|_| ZipError::Format)?;
        let (end, base_offset) = read_directory_end(&mut r, size)?;
        let start = base_offset.wrapping_add(end.directory_offset as i64);
        r.seek(SeekFrom::Start(start as u64))?;
        let mut buf = BufReader::new((&mut r).take((size - start) as u64));
        let mut entries = Vec::new();
        let stop = loop {
            match read_directory_header(&mut buf) {
                Ok(mut e) => {
                    e.header_offset = e.header_offset.wrapping_add(base_offset);
                    entries.push(e);
                }
                Err(e @ (ZipError::Format | ZipError::UnexpectedEof)) => break e,
                Err(e) => return Err(e),
            }
        };
        // Go compares only 16 bits: the record count is truncated in non-zip64 archives.
        if entries.len() as u16 != end.directory_records as u16 {
            return Err(stop);
        }
        Ok(ZipReader {
            r,
            entries,
            directory_start: start as u64,
        })
    }

    /// Where the central directory starts in the file (base offset included).
    pub fn directory_start(&self) -> u64 {
        self.directory_start
    }

    /// The underlying reader, for reading raw records (local headers, descriptors).
    pub fn reader_mut(&mut self) -> &mut R {
        &mut self.r
    }

    /// The entries, in central-directory order.
    pub fn entries(&self) -> &[ZipEntry] {
        &self.entries
    }

    /// Opens entry `index` for reading its decompressed contents (`File.Open`).
    pub fn open(&mut self, index: usize) -> Result<EntryReader<'_, R>, ZipError> {
        let entry = self.entries.get(index).ok_or(ZipError::Format)?.clone();
        let body = find_body_offset(&mut self.r, entry.header_offset)?;
        EntryReader::new(&mut self.r, entry, body)
    }

    /// Gives the underlying reader back.
    pub fn into_inner(self) -> R {
        self.r
    }
}

pub(crate) fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

pub(crate) fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub(crate) fn le64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// `ReaderAt.ReadAt` on a seekable reader: fills `buf` from `off` as far as the data
/// goes and returns how much it read.
fn read_at<R: Read + Seek>(r: &mut R, off: i64, buf: &mut [u8]) -> Result<usize, ZipError> {
    if off < 0 {
        return Err(ZipError::NegativeOffset);
    }
    match r.seek(SeekFrom::Start(off as u64)) {
        Ok(_) => {}
        // A file refuses to seek past the largest size its file system allows, where
        // Go's `pread` just reads nothing (`io.EOF` for the caller).
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => return Ok(0),
        Err(e) => return Err(e.into()),
    }
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}

/// `ReadAt` that must fill `buf`; a short read is Go's `io.EOF`.
fn read_at_full<R: Read + Seek>(r: &mut R, off: i64, buf: &mut [u8]) -> Result<(), ZipError> {
    if read_at(r, off, buf)? < buf.len() {
        return Err(ZipError::Eof);
    }
    Ok(())
}

/// `io.ReadFull`: `Eof` when nothing was read, `UnexpectedEof` when part was.
pub(crate) fn read_full(r: &mut impl Read, buf: &mut [u8]) -> Result<(), ZipError> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => {
                return Err(if n == 0 {
                    ZipError::Eof
                } else {
                    ZipError::UnexpectedEof
                });
            }
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn find_body_offset<R: Read + Seek>(r: &mut R, header_offset: i64) -> Result<u64, ZipError> {
    let mut buf = [0u8; FILE_HEADER_LEN];
    read_at_full(r, header_offset, &mut buf)?;
    if le32(&buf, 0) != FILE_HEADER_SIGNATURE {
        return Err(ZipError::Format);
    }
    let name_len = le16(&buf, 26) as u64;
    let extra_len = le16(&buf, 28) as u64;
    Ok(header_offset as u64 + FILE_HEADER_LEN as u64 + name_len + extra_len)
}

/// Reads one central-directory header (`readDirectoryHeader`).
fn read_directory_header(r: &mut impl Read) -> Result<ZipEntry, ZipError> {
    let mut buf = [0u8; DIRECTORY_HEADER_LEN];
    read_full(r, &mut buf)?;
    if le32(&buf, 0) != DIRECTORY_HEADER_SIGNATURE {
        return Err(ZipError::Format);
    }
    let compressed32 = le32(&buf, 20);
    let uncompressed32 = le32(&buf, 24);
    let name_len = le16(&buf, 28) as usize;
    let extra_len = le16(&buf, 30) as usize;
    let comment_len = le16(&buf, 32) as usize;
    let offset32 = le32(&buf, 42);
    let mut var = vec![0u8; name_len + extra_len + comment_len];
    read_full(r, &mut var)?;
    let mut entry = ZipEntry {
        name: var[..name_len].to_vec(),
        flags: le16(&buf, 8),
        method: le16(&buf, 10),
        crc32: le32(&buf, 16),
        compressed_size: compressed32 as u64,
        uncompressed_size: uncompressed32 as u64,
        header_offset: offset32 as i64,
    };
    let mut need_usize = uncompressed32 == u32::MAX;
    let mut need_csize = compressed32 == u32::MAX;
    let mut need_offset = offset32 == u32::MAX;

    let mut extra = &var[name_len..name_len + extra_len];
    while extra.len() >= 4 {
        let tag = le16(extra, 0);
        let size = le16(extra, 2) as usize;
        extra = &extra[4..];
        if extra.len() < size {
            break;
        }
        let (mut field, rest) = extra.split_at(size);
        extra = rest;
        if tag != ZIP64_EXTRA_ID {
            continue;
        }
        // Only the values that are maxed out in the fixed header are read, in order.
        for (need, slot) in [
            (&mut need_usize, 0usize),
            (&mut need_csize, 1),
            (&mut need_offset, 2),
        ] {
            if !*need {
                continue;
            }
            *need = false;
            if field.len() < 8 {
                return Err(ZipError::Format);
            }
            let v = le64(field, 0);
            field = &field[8..];
            match slot {
                0 => entry.uncompressed_size = v,
                1 => entry.compressed_size = v,
                _ => entry.header_offset = v as i64,
            }
        }
    }
    // An uncompressed size of 2³²-1 without a zip64 field is accepted as it is.
    if need_csize || need_offset {
        return Err(ZipError::Format);
    }
    Ok(entry)
}

struct DirectoryEnd {
    directory_records: u64,
    directory_size: u64,
    directory_offset: u64,
}

/// Finds and reads the end of central directory record (`readDirectoryEnd`); returns it
/// with the archive's base offset.
fn read_directory_end<R: Read + Seek>(
    r: &mut R,
    size: i64,
) -> Result<(DirectoryEnd, i64), ZipError> {
    let mut found: Option<(Vec<u8>, i64)> = None;
    for (i, block) in [1024i64, 65 * 1024].into_iter().enumerate() {
        let block = block.min(size);
        let mut buf = vec![0u8; block as usize];
        read_at(r, size - block, &mut buf)?;
        if let Some(p) = find_signature_in_block(&buf) {
            found = Some((buf[p..].to_vec(), size - block + p as i64));
            break;
        }
        if i == 1 || block == size {
            return Err(ZipError::Format);
        }
    }
    let Some((buf, mut end_offset)) = found else {
        return Err(ZipError::Format);
    };
    let mut end = DirectoryEnd {
        directory_records: le16(&buf, 10) as u64,
        directory_size: le32(&buf, 12) as u64,
        directory_offset: le32(&buf, 16) as u64,
    };
    let comment_len = le16(&buf, 20) as usize;
    if comment_len > buf.len() - DIRECTORY_END_LEN {
        return Err(ZipError::InvalidCommentLength);
    }

    // Go tests the directory size against 0xffff (sic), as it always has.
    if (end.directory_records == 0xffff
        || end.directory_size == 0xffff
        || end.directory_offset == 0xffff_ffff)
        && let Some(p) = find_directory64_end(r, end_offset)?
    {
        end_offset = p;
        read_directory64_end(r, p, &mut end)?;
    }

    if end.directory_size > i64::MAX as u64 || end.directory_offset > i64::MAX as u64 {
        return Err(ZipError::Format);
    }
    let mut base_offset = end_offset
        .wrapping_sub(end.directory_size as i64)
        .wrapping_sub(end.directory_offset as i64);
    let o = base_offset.wrapping_add(end.directory_offset as i64);
    if o < 0 || o >= size {
        return Err(ZipError::Format);
    }
    // A positive base offset is ignored when a directory header sits at the offset the
    // record names (some writers record a wrong base).
    if base_offset > 0 {
        let off = end.directory_offset as i64;
        if off < size {
            r.seek(SeekFrom::Start(off as u64))?;
            let mut section = (&mut *r).take((size - off) as u64);
            if read_directory_header(&mut section).is_ok() {
                base_offset = 0;
            }
        }
    }
    Ok((end, base_offset))
}

fn find_signature_in_block(b: &[u8]) -> Option<usize> {
    if b.len() < DIRECTORY_END_LEN {
        return None;
    }
    for i in (0..=b.len() - DIRECTORY_END_LEN).rev() {
        if le32(b, i) == DIRECTORY_END_SIGNATURE {
            let n = le16(b, i + DIRECTORY_END_LEN - 2) as usize;
            if n + DIRECTORY_END_LEN + i > b.len() {
                // A truncated comment: Go gives up rather than search further.
                return None;
            }
            return Some(i);
        }
    }
    None
}

/// The offset of the zip64 end record named by the locator just before the end
/// record, if there is a valid locator.
fn find_directory64_end<R: Read + Seek>(
    r: &mut R,
    end_offset: i64,
) -> Result<Option<i64>, ZipError> {
    let loc = end_offset - DIRECTORY64_LOC_LEN as i64;
    if loc < 0 {
        return Ok(None);
    }
    let mut buf = [0u8; DIRECTORY64_LOC_LEN];
    read_at_full(r, loc, &mut buf)?;
    if le32(&buf, 0) != DIRECTORY64_LOC_SIGNATURE || le32(&buf, 4) != 0 || le32(&buf, 16) != 1 {
        return Ok(None);
    }
    let p = le64(&buf, 8) as i64;
    Ok((p >= 0).then_some(p))
}

fn read_directory64_end<R: Read + Seek>(
    r: &mut R,
    offset: i64,
    end: &mut DirectoryEnd,
) -> Result<(), ZipError> {
    let mut buf = [0u8; DIRECTORY64_END_LEN];
    read_at_full(r, offset, &mut buf)?;
    if le32(&buf, 0) != DIRECTORY64_END_SIGNATURE {
        return Err(ZipError::Format);
    }
    end.directory_records = le64(&buf, 32);
    end.directory_size = le64(&buf, 40);
    end.directory_offset = le64(&buf, 48);
    Ok(())
}
