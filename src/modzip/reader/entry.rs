//! Reading one entry: inflate (or copy) its data, count it against the declared size
//! and check its CRC-32 at the end, as Go's `checksumReader` does.

use super::{DATA_DESCRIPTOR_SIGNATURE, DEFLATE, STORE, ZipEntry, ZipError, le32, read_at};
use flate2::{Crc, Decompress, FlushDecompress, Status};
use std::io::{self, Read, Seek, SeekFrom};

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

impl<'a, R: Read + Seek> EntryReader<'a, R> {
    /// Prepares to read `entry`, whose data starts at `body_offset` (`File.Open` after
    /// `findBodyOffset`). Directory entries read as empty (or fail when they declare a
    /// size); methods other than Store and Deflate fail here.
    pub(super) fn new(r: &'a mut R, entry: ZipEntry, body_offset: u64) -> Result<Self, ZipError> {
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
            r.seek(SeekFrom::Start(body_offset))?;
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
            r,
            body_offset,
            remaining: entry.compressed_size,
            entry,
            inflate,
            crc: Crc::new(),
            nread: 0,
            state,
        })
    }

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
