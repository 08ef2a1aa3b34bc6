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

use flate2::{Crc, Decompress, FlushDecompress, Status};
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::sync::Arc;

const FILE_HEADER_SIGNATURE: u32 = 0x0403_4b50;
const DIRECTORY_HEADER_SIGNATURE: u32 = 0x0201_4b50;
const DIRECTORY_END_SIGNATURE: u32 = 0x0605_4b50;
const DIRECTORY64_LOC_SIGNATURE: u32 = 0x0706_4b50;
const DIRECTORY64_END_SIGNATURE: u32 = 0x0606_4b50;
const DATA_DESCRIPTOR_SIGNATURE: u32 = 0x0807_4b50;
const FILE_HEADER_LEN: usize = 30;
const DIRECTORY_HEADER_LEN: usize = 46;
const DIRECTORY_END_LEN: usize = 22;
const DIRECTORY64_LOC_LEN: usize = 20;
const DIRECTORY64_END_LEN: usize = 56;
const ZIP64_EXTRA_ID: u16 = 0x0001;

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

    fn has_data_descriptor(&self) -> bool {
        self.flags & 0x8 != 0
    }
}

/// An open archive: its entries, and the reader to stream their contents from.
pub struct ZipReader<R> {
    r: R,
    entries: Vec<ZipEntry>,
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
        Ok(ZipReader { r, entries })
    }

    /// The entries, in central-directory order.
    pub fn entries(&self) -> &[ZipEntry] {
        &self.entries
    }

    /// Opens entry `index` for reading its decompressed contents (`File.Open`).
    pub fn open(&mut self, index: usize) -> Result<EntryReader<'_, R>, ZipError> {
        let entry = self.entries.get(index).ok_or(ZipError::Format)?.clone();
        let body = find_body_offset(&mut self.r, entry.header_offset)?;
        let state = if entry.is_dir() {
            if entry.uncompressed_size != 0 {
                State::Failed(ZipError::Format)
            } else {
                State::Done
            }
        } else {
            match entry.method {
                STORE | DEFLATE => {}
                _ => return Err(ZipError::Algorithm),
            }
            self.r.seek(SeekFrom::Start(body))?;
            State::Reading
        };
        let inflate = (entry.method == DEFLATE).then(|| Inflate {
            z: Decompress::new(false),
            buf: vec![0; 32 * 1024].into_boxed_slice(),
            pos: 0,
            len: 0,
            input_eof: false,
        });
        Ok(EntryReader {
            r: &mut self.r,
            body_offset: body,
            remaining: entry.compressed_size,
            entry,
            inflate,
            crc: Crc::new(),
            nread: 0,
            state,
        })
    }

    /// Gives the underlying reader back.
    pub fn into_inner(self) -> R {
        self.r
    }
}

enum State {
    Reading,
    Done,
    Failed(ZipError),
}

struct Inflate {
    z: Decompress,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    input_eof: bool,
}

/// The decompressed contents of one entry, checked as Go's `checksumReader` checks them.
pub struct EntryReader<'a, R> {
    r: &'a mut R,
    entry: ZipEntry,
    body_offset: u64,
    /// Compressed bytes of the body not yet read from `r`.
    remaining: u64,
    inflate: Option<Inflate>,
    crc: Crc,
    nread: u64,
    state: State,
}

impl<R: Read + Seek> EntryReader<'_, R> {
    /// The entry being read.
    pub fn entry(&self) -> &ZipEntry {
        &self.entry
    }

    /// Reads decompressed bytes; `Ok(0)` is the end, reached only after the size and
    /// CRC-32 checks passed. An error is sticky.
    pub fn read_some(&mut self, out: &mut [u8]) -> Result<usize, ZipError> {
        match &self.state {
            State::Done => return Ok(0),
            State::Failed(e) => return Err(e.clone()),
            State::Reading => {}
        }
        if out.is_empty() {
            return Ok(0);
        }
        let n = match self.raw_read(out) {
            Ok(n) => n,
            Err(e) => return Err(self.fail(e)),
        };
        self.crc.update(&out[..n]);
        self.nread += n as u64;
        if self.nread > self.entry.uncompressed_size {
            // Go returns this without making it sticky; callers stop at the first error.
            return Err(ZipError::Format);
        }
        if n > 0 {
            return Ok(n);
        }
        match self.verify_end() {
            Ok(()) => {
                self.state = State::Done;
                Ok(0)
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    fn fail(&mut self, e: ZipError) -> ZipError {
        self.state = State::Failed(e.clone());
        e
    }

    /// Reads compressed bytes of the body (at most `remaining`).
    fn read_body(r: &mut R, remaining: &mut u64, buf: &mut [u8]) -> Result<usize, ZipError> {
        let want = buf
            .len()
            .min(usize::try_from(*remaining).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = loop {
            match r.read(&mut buf[..want]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        };
        *remaining -= n as u64;
        Ok(n)
    }

    /// One read from the decompressor; `Ok(0)` at its end.
    fn raw_read(&mut self, out: &mut [u8]) -> Result<usize, ZipError> {
        let Some(inf) = self.inflate.as_mut() else {
            return Self::read_body(self.r, &mut self.remaining, out);
        };
        loop {
            if inf.pos == inf.len && !inf.input_eof {
                let n = Self::read_body(self.r, &mut self.remaining, &mut inf.buf)?;
                inf.pos = 0;
                inf.len = n;
                inf.input_eof = n == 0;
            }
            let (in_before, out_before) = (inf.z.total_in(), inf.z.total_out());
            let status = inf
                .z
                .decompress(&inf.buf[inf.pos..inf.len], out, FlushDecompress::None)
                .map_err(|_| ZipError::Flate {
                    offset: inf.z.total_in(),
                })?;
            let consumed = (inf.z.total_in() - in_before) as usize;
            let produced = (inf.z.total_out() - out_before) as usize;
            inf.pos += consumed;
            if produced > 0 {
                return Ok(produced);
            }
            if status == Status::StreamEnd {
                return Ok(0);
            }
            if inf.input_eof && consumed == 0 {
                // The stream stopped before its final block.
                return Err(ZipError::UnexpectedEof);
            }
        }
    }

    /// The checks Go makes when the decompressor reports the end.
    fn verify_end(&mut self) -> Result<(), ZipError> {
        if self.nread != self.entry.uncompressed_size {
            return Err(ZipError::UnexpectedEof);
        }
        let sum = self.crc.sum();
        if self.entry.has_data_descriptor() {
            let at = self.body_offset.wrapping_add(self.entry.compressed_size);
            let mut desc = [0u8; 16];
            let n = read_at(self.r, at as i64, &mut desc)?;
            // The signature is optional; without it the CRC comes first. Either way a
            // short descriptor is an unexpected end.
            let has_sig = n >= 4 && le32(&desc, 0) == DATA_DESCRIPTOR_SIGNATURE;
            let (crc_at, needed) = if has_sig { (4, 16) } else { (0, 12) };
            if n < needed {
                return Err(ZipError::UnexpectedEof);
            }
            if le32(&desc, crc_at) != self.entry.crc32 || sum != self.entry.crc32 {
                return Err(ZipError::Checksum);
            }
        } else if self.entry.crc32 != 0 && sum != self.entry.crc32 {
            return Err(ZipError::Checksum);
        }
        Ok(())
    }
}

impl<R: Read + Seek> Read for EntryReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_some(buf).map_err(|e| {
            let kind = match e {
                ZipError::UnexpectedEof | ZipError::Eof => io::ErrorKind::UnexpectedEof,
                ZipError::Io(ref io) => io.kind(),
                _ => io::ErrorKind::InvalidData,
            };
            io::Error::new(kind, e)
        })
    }
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le64(b: &[u8], at: usize) -> u64 {
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
    r.seek(SeekFrom::Start(off as u64))?;
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
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> Result<(), ZipError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modzip::writer::ZipWriter;
    use std::io::{Cursor, Write};

    /// A stored (uncompressed) zip built by hand; with `zip64`, every central-directory
    /// size and offset goes through the zip64 extra field and end records.
    fn stored_zip(entries: &[(&[u8], &[u8])], zip64: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut offsets = Vec::new();
        for (name, data) in entries {
            offsets.push(out.len() as u64);
            let mut crc = Crc::new();
            crc.update(data);
            out.extend_from_slice(&FILE_HEADER_SIGNATURE.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&crc.sum().to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name);
            out.extend_from_slice(data);
        }
        let cd_start = out.len() as u64;
        for ((name, data), off) in entries.iter().zip(&offsets) {
            let mut crc = Crc::new();
            crc.update(data);
            out.extend_from_slice(&DIRECTORY_HEADER_SIGNATURE.to_le_bytes());
            out.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&crc.sum().to_le_bytes());
            let mut extra = Vec::new();
            if zip64 {
                out.extend_from_slice(&[0xff; 8]);
                extra.extend_from_slice(&ZIP64_EXTRA_ID.to_le_bytes());
                extra.extend_from_slice(&24u16.to_le_bytes());
                extra.extend_from_slice(&(data.len() as u64).to_le_bytes());
                extra.extend_from_slice(&(data.len() as u64).to_le_bytes());
                extra.extend_from_slice(&off.to_le_bytes());
            } else {
                out.extend_from_slice(&(data.len() as u32).to_le_bytes());
                out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            }
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&(extra.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0; 10]);
            let off32 = if zip64 { u32::MAX } else { *off as u32 };
            out.extend_from_slice(&off32.to_le_bytes());
            out.extend_from_slice(name);
            out.extend_from_slice(&extra);
        }
        let cd_size = out.len() as u64 - cd_start;
        let n = entries.len() as u64;
        if zip64 {
            let end64 = out.len() as u64;
            out.extend_from_slice(&DIRECTORY64_END_SIGNATURE.to_le_bytes());
            out.extend_from_slice(&44u64.to_le_bytes());
            out.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&cd_size.to_le_bytes());
            out.extend_from_slice(&cd_start.to_le_bytes());
            out.extend_from_slice(&DIRECTORY64_LOC_SIGNATURE.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&end64.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
        }
        out.extend_from_slice(&DIRECTORY_END_SIGNATURE.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        let (n16, size32, off32) = if zip64 {
            (0xffffu16, u32::MAX, u32::MAX)
        } else {
            (n as u16, cd_size as u32, cd_start as u32)
        };
        out.extend_from_slice(&n16.to_le_bytes());
        out.extend_from_slice(&n16.to_le_bytes());
        out.extend_from_slice(&size32.to_le_bytes());
        out.extend_from_slice(&off32.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    fn read_all(z: &mut ZipReader<Cursor<Vec<u8>>>, i: usize) -> Result<Vec<u8>, ZipError> {
        let mut r = z.open(i)?;
        let mut out = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            let n = r.read_some(&mut buf)?;
            if n == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    fn reader(bytes: Vec<u8>) -> Result<ZipReader<Cursor<Vec<u8>>>, ZipError> {
        let len = bytes.len() as u64;
        ZipReader::new(Cursor::new(bytes), len)
    }

    #[test]
    fn roundtrip_with_duplicates() {
        let mut w = ZipWriter::new(Vec::new());
        let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for (name, data) in [
            (&b"m@v1/a"[..], &b"one"[..]),
            (b"m@v1/a", b"two"),
            (b"m@v1/empty", b""),
            (b"m@v1/big", &big),
        ] {
            w.start_file(name).unwrap();
            w.write_all(data).unwrap();
        }
        let bytes = w.finish().unwrap();
        let mut z = reader(bytes).unwrap();
        let names: Vec<_> = z.entries().iter().map(|e| e.name.clone()).collect();
        assert_eq!(
            names,
            [&b"m@v1/a"[..], b"m@v1/a", b"m@v1/empty", b"m@v1/big"]
        );
        assert_eq!(z.entries()[3].uncompressed_size, big.len() as u64);
        assert_eq!(read_all(&mut z, 0).unwrap(), b"one");
        assert_eq!(read_all(&mut z, 1).unwrap(), b"two");
        assert_eq!(read_all(&mut z, 2).unwrap(), b"");
        assert_eq!(read_all(&mut z, 3).unwrap(), big);
    }

    #[test]
    fn stored_and_zip64() {
        for zip64 in [false, true] {
            let bytes = stored_zip(&[(b"x/a", b"alpha"), (b"x/d/", b"")], zip64);
            let mut z = reader(bytes).unwrap();
            assert_eq!(z.entries().len(), 2);
            assert_eq!(z.entries()[0].uncompressed_size, 5);
            assert_eq!(read_all(&mut z, 0).unwrap(), b"alpha");
            assert_eq!(read_all(&mut z, 1).unwrap(), b"");
        }
    }

    #[test]
    fn python_zip64_local_header() {
        // Written by Python's zipfile with force_zip64 (zip64 extra in the local header
        // only), plus a stored entry.
        let hex = "504b03042d000000000000002100eae34fedffffffffffffffff0e0014006d4076312e302e302f612e747874010010000c000000000000000c0000000000000068656c6c6f207a697036340a504b0304140000000000000021000bf9435606000000060000000e0000006d4076312e302e302f732e74787473746f726564504b01022d032d000000000000002100eae34fed0c0000000c0000000e00000000000000000000008001000000006d4076312e302e302f612e747874504b01021403140000000000000021000bf9435606000000060000000e000000000000000000000080014c0000006d4076312e302e302f732e747874504b05060000000002000200780000007e0000000000";
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let mut z = reader(bytes).unwrap();
        assert_eq!(read_all(&mut z, 0).unwrap(), b"hello zip64\n");
        assert_eq!(read_all(&mut z, 1).unwrap(), b"stored");
    }

    #[test]
    fn bad_contents() {
        // Declared size smaller than the data: not a valid zip file.
        let mut bytes = stored_zip(&[(b"a", b"abcdef")], false);
        let cd = bytes.len() - 22 - (46 + 1);
        bytes[cd + 24..cd + 28].copy_from_slice(&3u32.to_le_bytes());
        let mut z = reader(bytes).unwrap();
        assert!(matches!(read_all(&mut z, 0), Err(ZipError::Format)));

        // Declared size larger than the data: unexpected EOF.
        let mut bytes = stored_zip(&[(b"a", b"abcdef")], false);
        bytes[cd + 24..cd + 28].copy_from_slice(&9u32.to_le_bytes());
        let mut z = reader(bytes).unwrap();
        assert!(matches!(read_all(&mut z, 0), Err(ZipError::UnexpectedEof)));

        // A wrong CRC.
        let mut bytes = stored_zip(&[(b"a", b"abcdef")], false);
        bytes[cd + 16] ^= 1;
        let mut z = reader(bytes).unwrap();
        assert!(matches!(read_all(&mut z, 0), Err(ZipError::Checksum)));

        // An unknown method.
        let mut bytes = stored_zip(&[(b"a", b"abcdef")], false);
        bytes[cd + 10] = 12;
        let mut z = reader(bytes).unwrap();
        assert!(matches!(z.open(0).err(), Some(ZipError::Algorithm)));
    }

    #[test]
    fn not_zips() {
        assert!(matches!(reader(Vec::new()).err(), Some(ZipError::Format)));
        assert!(matches!(
            reader(vec![0; 5000]).err(),
            Some(ZipError::Format)
        ));
        let mut bytes = stored_zip(&[(b"a", b"abc")], false);
        let n = bytes.len();
        bytes.truncate(n - 30);
        assert!(reader(bytes).is_err());
    }

    #[test]
    fn deflate_corruption_is_an_error() {
        let mut w = ZipWriter::new(Vec::new());
        w.start_file(b"a").unwrap();
        w.write_all(&[7u8; 1000]).unwrap();
        let mut bytes = w.finish().unwrap();
        // Corrupt the first byte of the deflate stream (block type 3 is invalid).
        bytes[31] = 0xff;
        let mut z = reader(bytes).unwrap();
        assert!(read_all(&mut z, 0).is_err());
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Cursor;

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(
            data in proptest::collection::vec(any::<u8>(), 0..600),
            flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8),
        ) {
            // Raw bytes, and a valid zip with some bytes changed.
            let mut w = crate::modzip::writer::ZipWriter::new(Vec::new());
            w.start_file(b"m@v1/a").unwrap();
            std::io::Write::write_all(&mut w, &data).unwrap();
            let mut zip = w.finish().unwrap();
            for (at, b) in &flips {
                let n = zip.len();
                zip[at % n] = *b;
            }
            for bytes in [data, zip] {
                let len = bytes.len() as u64;
                if let Ok(mut z) = ZipReader::new(Cursor::new(bytes), len) {
                    for i in 0..z.entries().len() {
                        if let Ok(mut r) = z.open(i) {
                            let mut buf = [0u8; 64];
                            while let Ok(n) = r.read_some(&mut buf) {
                                if n == 0 {
                                    break;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
