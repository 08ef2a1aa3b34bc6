//! A zip writer laid out like Go's `archive/zip` writer as `go` uses it for module zips.
//!
//! Every entry is a file (module zips have no directory entries), compressed with
//! Deflate (Go uses level 5), with the data-descriptor flag set so nothing needs to
//! seek back: the local header carries zero CRC and sizes and a data descriptor follows
//! the data. DOS time and date are 0, there are no extra fields except zip64 ones in
//! the central directory, no comments, and the UTF-8 flag is set exactly when Go sets
//! it. Zip64 records appear only when sizes or offsets require them.
//!
//! The compressed bytes need not equal Go's (module hashes cover names and contents
//! only); everything else matches, so the writer needs only `Write`.

use super::reader::{
    DATA_DESCRIPTOR_SIGNATURE, DEFLATE, DIRECTORY_END_SIGNATURE, DIRECTORY_HEADER_SIGNATURE,
    DIRECTORY64_END_SIGNATURE, DIRECTORY64_LOC_SIGNATURE, FILE_HEADER_SIGNATURE,
};
use flate2::{Compress, Compression, FlushCompress, Status};
use std::io::{self, Write};

const ZIP_VERSION_20: u16 = 20;
const ZIP_VERSION_45: u16 = 45;
const U16_MAX: u64 = 0xffff;
const U32_MAX: u64 = 0xffff_ffff;
/// The compression level of Go's `archive/zip` Deflate compressor.
const GO_FLATE_LEVEL: u32 = 5;

struct Header {
    name: Vec<u8>,
    flags: u16,
    crc32: u32,
    compressed: u64,
    uncompressed: u64,
    offset: u64,
}

impl Header {
    fn is_zip64(&self) -> bool {
        self.compressed >= U32_MAX || self.uncompressed >= U32_MAX
    }
}

struct Current {
    header: Header,
    z: Compress,
    crc: flate2::Crc,
}

/// Writes a module zip to `W`. Start each entry with [`ZipWriter::start_file`], write its
/// contents through `Write`, and end with [`ZipWriter::finish`].
pub struct ZipWriter<W: Write> {
    w: W,
    count: u64,
    dir: Vec<Header>,
    current: Option<Current>,
    out: Vec<u8>,
}

impl<W: Write> ZipWriter<W> {
    pub fn new(w: W) -> Self {
        ZipWriter {
            w,
            count: 0,
            dir: Vec::new(),
            current: None,
            out: vec![0; 64 * 1024],
        }
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.w.write_all(bytes)?;
        self.count += bytes.len() as u64;
        Ok(())
    }

    /// Ends the current entry, if any, and writes the local header of a new one.
    pub fn start_file(&mut self, name: &[u8]) -> io::Result<()> {
        self.finish_file()?;
        if name.len() > U16_MAX as usize {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "zip: FileHeader.Name too long",
            ));
        }
        let mut flags = 0x8;
        if needs_utf8_flag(name) {
            flags |= 0x800;
        }
        let header = Header {
            name: name.to_vec(),
            flags,
            crc32: 0,
            compressed: 0,
            uncompressed: 0,
            offset: self.count,
        };
        let mut b = Vec::with_capacity(30 + name.len());
        b.extend_from_slice(&FILE_HEADER_SIGNATURE.to_le_bytes());
        b.extend_from_slice(&ZIP_VERSION_20.to_le_bytes());
        b.extend_from_slice(&flags.to_le_bytes());
        b.extend_from_slice(&DEFLATE.to_le_bytes());
        b.extend_from_slice(&[0; 4]); // DOS time and date
        b.extend_from_slice(&[0; 12]); // CRC and sizes follow in the data descriptor
        b.extend_from_slice(&(name.len() as u16).to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(name);
        self.put(&b)?;
        self.current = Some(Current {
            header,
            z: Compress::new(Compression::new(GO_FLATE_LEVEL), false),
            crc: flate2::Crc::new(),
        });
        Ok(())
    }

    /// Runs the compressor over `input` (or finishes it) and writes what it produces.
    fn deflate(&mut self, mut input: &[u8], finish: bool) -> io::Result<()> {
        let Some(cur) = self.current.as_mut() else {
            return Err(io::Error::other("zip: write outside of a file"));
        };
        let flush = if finish {
            FlushCompress::Finish
        } else {
            FlushCompress::None
        };
        loop {
            let (in0, out0) = (cur.z.total_in(), cur.z.total_out());
            let status = cur
                .z
                .compress(input, &mut self.out, flush)
                .map_err(io::Error::other)?;
            let consumed = (cur.z.total_in() - in0) as usize;
            let produced = (cur.z.total_out() - out0) as usize;
            input = &input[consumed..];
            cur.header.compressed += produced as u64;
            self.w.write_all(&self.out[..produced])?;
            self.count += produced as u64;
            let done = if finish {
                status == Status::StreamEnd
            } else {
                input.is_empty() && produced < self.out.len()
            };
            if done {
                return Ok(());
            }
        }
    }

    fn finish_file(&mut self) -> io::Result<()> {
        if self.current.is_none() {
            return Ok(());
        }
        self.deflate(&[], true)?;
        let Some(cur) = self.current.take() else {
            return Ok(());
        };
        let mut h = cur.header;
        h.crc32 = cur.crc.sum();
        let mut b = Vec::with_capacity(24);
        b.extend_from_slice(&DATA_DESCRIPTOR_SIGNATURE.to_le_bytes());
        b.extend_from_slice(&h.crc32.to_le_bytes());
        if h.is_zip64() {
            b.extend_from_slice(&h.compressed.to_le_bytes());
            b.extend_from_slice(&h.uncompressed.to_le_bytes());
        } else {
            b.extend_from_slice(&(h.compressed as u32).to_le_bytes());
            b.extend_from_slice(&(h.uncompressed as u32).to_le_bytes());
        }
        self.put(&b)?;
        self.dir.push(h);
        Ok(())
    }

    /// Ends the last entry, writes the central directory and returns the sink.
    pub fn finish(mut self) -> io::Result<W> {
        self.finish_file()?;
        let start = self.count;
        let dir = std::mem::take(&mut self.dir);
        let records = dir.len() as u64;
        for h in dir {
            let mut b = Vec::with_capacity(46 + h.name.len() + 28);
            let zip64 = h.is_zip64() || h.offset >= U32_MAX;
            b.extend_from_slice(&DIRECTORY_HEADER_SIGNATURE.to_le_bytes());
            b.extend_from_slice(&ZIP_VERSION_20.to_le_bytes()); // made by: MS-DOS, 2.0
            let reader_version = if h.is_zip64() {
                ZIP_VERSION_45
            } else {
                ZIP_VERSION_20
            };
            b.extend_from_slice(&reader_version.to_le_bytes());
            b.extend_from_slice(&h.flags.to_le_bytes());
            b.extend_from_slice(&DEFLATE.to_le_bytes());
            b.extend_from_slice(&[0; 4]); // DOS time and date
            b.extend_from_slice(&h.crc32.to_le_bytes());
            let mut extra = Vec::new();
            if zip64 {
                b.extend_from_slice(&u32::MAX.to_le_bytes());
                b.extend_from_slice(&u32::MAX.to_le_bytes());
                extra.extend_from_slice(&1u16.to_le_bytes());
                extra.extend_from_slice(&24u16.to_le_bytes());
                extra.extend_from_slice(&h.uncompressed.to_le_bytes());
                extra.extend_from_slice(&h.compressed.to_le_bytes());
                extra.extend_from_slice(&h.offset.to_le_bytes());
            } else {
                b.extend_from_slice(&(h.compressed as u32).to_le_bytes());
                b.extend_from_slice(&(h.uncompressed as u32).to_le_bytes());
            }
            b.extend_from_slice(&(h.name.len() as u16).to_le_bytes());
            b.extend_from_slice(&(extra.len() as u16).to_le_bytes());
            b.extend_from_slice(&0u16.to_le_bytes()); // comment length
            b.extend_from_slice(&[0; 4]); // disk number start, internal attributes
            b.extend_from_slice(&0u32.to_le_bytes()); // external attributes
            let offset = if h.offset > U32_MAX {
                u32::MAX
            } else {
                h.offset as u32
            };
            b.extend_from_slice(&offset.to_le_bytes());
            b.extend_from_slice(&h.name);
            b.extend_from_slice(&extra);
            self.put(&b)?;
        }
        let end = self.count;
        let (mut records, mut size, mut offset) = (records, end - start, start);
        if records >= U16_MAX || size >= U32_MAX || offset >= U32_MAX {
            let mut b = Vec::with_capacity(76);
            b.extend_from_slice(&DIRECTORY64_END_SIGNATURE.to_le_bytes());
            b.extend_from_slice(&(56u64 - 12).to_le_bytes());
            b.extend_from_slice(&ZIP_VERSION_45.to_le_bytes());
            b.extend_from_slice(&ZIP_VERSION_45.to_le_bytes());
            b.extend_from_slice(&0u32.to_le_bytes());
            b.extend_from_slice(&0u32.to_le_bytes());
            b.extend_from_slice(&records.to_le_bytes());
            b.extend_from_slice(&records.to_le_bytes());
            b.extend_from_slice(&size.to_le_bytes());
            b.extend_from_slice(&offset.to_le_bytes());
            b.extend_from_slice(&DIRECTORY64_LOC_SIGNATURE.to_le_bytes());
            b.extend_from_slice(&0u32.to_le_bytes());
            b.extend_from_slice(&end.to_le_bytes());
            b.extend_from_slice(&1u32.to_le_bytes());
            self.put(&b)?;
            records = U16_MAX;
            size = U32_MAX;
            offset = U32_MAX;
        }
        let mut b = Vec::with_capacity(22);
        b.extend_from_slice(&DIRECTORY_END_SIGNATURE.to_le_bytes());
        b.extend_from_slice(&[0; 4]); // disk numbers
        b.extend_from_slice(&(records as u16).to_le_bytes());
        b.extend_from_slice(&(records as u16).to_le_bytes());
        b.extend_from_slice(&(size as u32).to_le_bytes());
        b.extend_from_slice(&(offset as u32).to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        self.put(&b)?;
        self.w.flush()?;
        Ok(self.w)
    }
}

impl<W: Write> Write for ZipWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some(cur) = self.current.as_mut() else {
            return Err(io::Error::other("zip: write outside of a file"));
        };
        cur.crc.update(buf);
        cur.header.uncompressed += buf.len() as u64;
        self.deflate(buf, false)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// Go's `detectUTF8` as the writer uses it: the UTF-8 flag is set when the name is
/// valid UTF-8 and has a rune outside the printable ASCII range that CP-437 readers
/// agree on (below 0x20, above 0x7d, or a backslash).
fn needs_utf8_flag(name: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(name) else {
        return false;
    };
    s.chars()
        .any(|c| (c as u32) < 0x20 || (c as u32) > 0x7d || c == '\\')
}
