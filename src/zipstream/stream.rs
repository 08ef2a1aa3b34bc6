//! Following the local headers through the body as it arrives: each entry's data is
//! copied or inflated once, its SHA-256 and CRC-32 computed, its size counted, the
//! module rules applied to its name and size, and its file written, all before the next
//! byte is read.
//!
//! The streamer never decides anything Go's reader would decide differently: it only
//! records what it saw ([`LocalEntry`]) and, per entry, the contents' SHA-256 when
//! reading them succeeded the way Go's `checksumReader` would (size equal to the
//! declared one, CRC-32 right). Whether that record is Go's view of the zip is settled
//! afterwards against the central directory. Where the local headers cannot be followed
//! (a stored entry with a data descriptor, whose length is unknown; an unknown method
//! with a descriptor; anything that is not a local header where one should be; a
//! descriptor that does not declare the data's sizes; corrupt deflate data of unknown
//! length; more content than a valid module can hold), it gives up, and the caller
//! reads the finished file through its central directory instead.

use super::Error;
use super::extract::Extractor;
use super::input::{Input, WINDOW};
use super::layout::{DESCRIPTOR_LOOKAHEAD, LocalEntry, LocalHeader, parse_descriptor};
use crate::modzip::MAX_ZIP_FILE;
use crate::modzip::reader::{
    DEFLATE, DIRECTORY_END_SIGNATURE, DIRECTORY_HEADER_SIGNATURE, DIRECTORY64_END_SIGNATURE,
    FILE_HEADER_LEN, FILE_HEADER_SIGNATURE, STORE, le32,
};
use crate::modzip::rules::ZipEntryRules;
use flate2::{Crc, Decompress, FlushDecompress, Status};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};

/// One entry as streamed.
pub(crate) struct StreamedEntry {
    pub local: LocalEntry,
    /// The SHA-256 of the contents, or `None` when reading them failed (Go's reader,
    /// run on the file, then says how).
    pub digest: Option<[u8; 32]>,
}

/// How far the local headers could be followed.
pub(crate) enum Streamed {
    /// Every entry, up to the central directory, which starts at `directory`.
    Complete {
        entries: Vec<StreamedEntry>,
        directory: u64,
    },
    /// The headers could not be followed from `offset`.
    GaveUp { offset: u64, why: &'static str },
}

/// Where one entry's data ends, as far as the streamer could tell.
enum Flow {
    /// The data (`compressed` bytes) was read; the entry is complete.
    Read { compressed: u64 },
    /// Cannot continue.
    GiveUp(&'static str),
}

/// The running checks over one entry's contents (Go's `checksumReader`).
struct Contents {
    sha: Sha256,
    crc: Crc,
    count: u64,
    /// The declared size when known in advance: more is a failure.
    limit: Option<u64>,
    failed: bool,
}

impl Contents {
    fn new(limit: Option<u64>) -> Contents {
        Contents {
            sha: Sha256::new(),
            crc: Crc::new(),
            count: 0,
            limit,
            failed: false,
        }
    }

    /// The digest when the contents are what `declared` says (size, and CRC-32 when a
    /// descriptor declares one or the header's is not zero, as Go checks).
    fn finish(self, size: u64, crc32: u32, descriptor: bool) -> Option<[u8; 32]> {
        let crc_ok = !(descriptor || crc32 != 0) || self.crc.sum() == crc32;
        (!self.failed && self.count == size && crc_ok).then(|| self.sha.finalize().into())
    }
}

/// The streamer's state across entries.
struct Streamer<'a> {
    rules: Option<&'a mut ZipEntryRules>,
    ex: Option<&'a mut Extractor>,
    /// Contents streamed so far, over all entries.
    content: u64,
    out: Box<[u8]>,
    /// One inflater for every entry, reset between entries. A new one per entry
    /// allocated and freed its state and window (tens of KiB, 64-byte aligned) once
    /// per file, and glibc's malloc kept the fragments: a cold download of a large
    /// project's 397 MB of zips peaked at 1.1 GiB RSS, 130 MiB with one inflater.
    z: Option<Decompress>,
}

/// Follows the local headers of the body in `input`, checking and extracting as it
/// goes. `rules` and `ex` are absent when nothing is to be extracted (or the module
/// cannot be, which the caller reports). Errors are the body's or the temp file's.
pub(crate) fn run<R: Read, T: Write>(
    input: &mut Input<'_, R, T>,
    rules: Option<&mut ZipEntryRules>,
    ex: Option<&mut Extractor>,
) -> Result<Streamed, Error> {
    let mut s = Streamer {
        rules,
        ex,
        content: 0,
        out: vec![0; WINDOW].into_boxed_slice(),
        z: None,
    };
    let mut entries = Vec::new();
    loop {
        let offset = input.pos();
        if !input.fill_to(4)? {
            return Ok(give_up(
                offset,
                "the body ends before the central directory",
            ));
        }
        match le32(input.peek(), 0) {
            FILE_HEADER_SIGNATURE => {}
            DIRECTORY_HEADER_SIGNATURE | DIRECTORY_END_SIGNATURE | DIRECTORY64_END_SIGNATURE => {
                return Ok(Streamed::Complete {
                    entries,
                    directory: offset,
                });
            }
            _ => {
                return Ok(give_up(
                    offset,
                    "no local header where an entry should start",
                ));
            }
        }
        match s.entry(input, offset)? {
            Ok(e) => entries.push(e),
            Err(why) => return Ok(give_up(offset, why)),
        }
    }
}

fn give_up(offset: u64, why: &'static str) -> Streamed {
    Streamed::GaveUp { offset, why }
}

impl Streamer<'_> {
    /// Stops extraction when the rules found the zip invalid.
    fn follow_rules(&mut self) {
        if let (Some(rules), Some(ex)) = (self.rules.as_deref(), self.ex.as_deref_mut())
            && !rules.all_valid()
        {
            ex.stop();
        }
    }

    /// One entry, from its local header (at `offset`) to the end of its descriptor.
    fn entry<R: Read, T: Write>(
        &mut self,
        input: &mut Input<'_, R, T>,
        offset: u64,
    ) -> Result<Result<StreamedEntry, &'static str>, Error> {
        const TRUNCATED: &str = "the body ends inside an entry";
        if !input.fill_to(FILE_HEADER_LEN)? {
            return Ok(Err(TRUNCATED));
        }
        let Some(mut header) = LocalHeader::parse_fixed(input.peek()) else {
            return Ok(Err("no local header where an entry should start"));
        };
        input.consume(FILE_HEADER_LEN);
        let mut name = Vec::with_capacity(header.name_len);
        let mut extra = Vec::with_capacity(header.extra_len);
        if !input.take_into(header.name_len, &mut name)?
            || !input.take_into(header.extra_len, &mut extra)?
        {
            return Ok(Err(TRUNCATED));
        }
        let descriptor = header.has_data_descriptor();
        if !descriptor && !header.resolve_zip64(&extra) {
            return Ok(Err("a zip64 size without its extra field"));
        }
        let is_dir = name.ends_with(b"/");
        let supported = matches!(header.method, STORE | DEFLATE);

        // The name rules, then (when known now) the size rules, before any byte of it
        // is written.
        let file = self.rules.as_deref_mut().and_then(|r| r.check_name(&name));
        if let (Some(f), false) = (&file, descriptor)
            && let Some(rules) = self.rules.as_deref_mut()
        {
            rules.check_file_size(&name, f, header.declared.uncompressed);
        }
        self.follow_rules();
        let writing = match (&file, self.ex.as_deref_mut()) {
            (Some(f), Some(ex)) if supported && !is_dir => {
                ex.open(f);
                ex.is_open()
            }
            _ => false,
        };
        let size_known = !descriptor;
        let target = Target {
            file: file.as_deref().filter(|_| writing),
            size_known,
        };

        let limit = (!descriptor).then_some(header.declared.uncompressed);
        let mut contents = Contents::new(limit);
        let flow = match (descriptor, header.method, is_dir) {
            (false, STORE, false) => {
                self.copy(input, header.declared.compressed, &mut contents, &target)?
            }
            (false, DEFLATE, false) => self.inflate(
                input,
                Some(header.declared.compressed),
                &mut contents,
                &target,
            )?,
            // Data Go never reads (directories, unknown methods): skipped.
            (false, _, _) => {
                if !input.skip(header.declared.compressed)? {
                    return Ok(Err(TRUNCATED));
                }
                Flow::Read {
                    compressed: header.declared.compressed,
                }
            }
            (true, DEFLATE, _) => {
                if is_dir {
                    // Go never reads it; its only possible contents are none.
                    contents.limit = Some(0);
                }
                self.inflate(input, None, &mut contents, &target)?
            }
            (true, _, _) => {
                return Ok(Err(
                    "the length of a stored entry with a data descriptor is unknown",
                ));
            }
        };
        if let Some(ex) = self.ex.as_deref_mut() {
            ex.close();
        }
        let compressed = match flow {
            Flow::Read { compressed } => compressed,
            Flow::GiveUp(why) => return Ok(Err(why)),
        };
        let body_end = offset + header.len() + compressed;

        let (declared, end) = if descriptor {
            input.fill_to(DESCRIPTOR_LOOKAHEAD)?;
            let peek = input.peek();
            let avail = &peek[..peek.len().min(DESCRIPTOR_LOOKAHEAD)];
            let Some((d, len)) = parse_descriptor(avail, compressed, contents.count) else {
                return Ok(Err("the data descriptor does not declare the data's sizes"));
            };
            input.consume(len);
            if let (Some(f), Some(rules)) = (&file, self.rules.as_deref_mut()) {
                rules.check_file_size(&name, f, d.uncompressed);
            }
            self.follow_rules();
            (d, body_end + len as u64)
        } else {
            (header.declared, body_end)
        };

        let digest = if is_dir {
            // Go reads nothing of a directory; it only refuses one that declares a size.
            (declared.uncompressed == 0).then(|| Sha256::digest(b"").into())
        } else if supported {
            contents.finish(declared.uncompressed, declared.crc32, descriptor)
        } else {
            None
        };
        Ok(Ok(StreamedEntry {
            local: LocalEntry {
                offset,
                name,
                header,
                declared,
                end,
            },
            digest,
        }))
    }

    /// Takes new contents: checks, hashes, writes. `false` when they are more than the
    /// entry may hold (its declared size, or for an entry of unknown size, what a
    /// module can hold).
    fn emit(&mut self, c: &mut Contents, target: &Target<'_>, data: &[u8]) -> bool {
        c.crc.update(data);
        c.sha.update(data);
        c.count += data.len() as u64;
        self.content += data.len() as u64;
        if c.limit.is_some_and(|limit| c.count > limit) {
            c.failed = true;
            return false;
        }
        if c.limit.is_none() && self.content > MAX_ZIP_FILE {
            return false;
        }
        if let (Some(file), Some(ex)) = (target.file, self.ex.as_deref_mut())
            && ex.is_open()
        {
            let allowed = target.size_known
                || self
                    .rules
                    .as_deref()
                    .is_some_and(|r| r.file_size_allowed(file, c.count));
            if allowed {
                ex.write(data);
            } else {
                ex.stop();
            }
        }
        true
    }

    /// A stored entry's `len` bytes.
    fn copy<R: Read, T: Write>(
        &mut self,
        input: &mut Input<'_, R, T>,
        len: u64,
        c: &mut Contents,
        target: &Target<'_>,
    ) -> Result<Flow, Error> {
        let mut left = len;
        while left > 0 {
            if !input.fill()? {
                return Ok(Flow::GiveUp("the body ends inside an entry"));
            }
            let n = input
                .peek()
                .len()
                .min(usize::try_from(left).unwrap_or(usize::MAX));
            let fits = self.emit(c, target, &input.peek()[..n]);
            input.consume(n);
            left -= n as u64;
            if !fits {
                if !input.skip(left)? {
                    return Ok(Flow::GiveUp("the body ends inside an entry"));
                }
                break;
            }
        }
        Ok(Flow::Read { compressed: len })
    }

    /// Inflates an entry's data: `extent` bytes of it when known (Go reads no more;
    /// bytes after the end of the deflate stream are skipped), else up to the end of
    /// the deflate stream.
    fn inflate<R: Read, T: Write>(
        &mut self,
        input: &mut Input<'_, R, T>,
        extent: Option<u64>,
        c: &mut Contents,
        target: &Target<'_>,
    ) -> Result<Flow, Error> {
        const TRUNCATED: &str = "the body ends inside an entry";
        let mut z = match self.z.take() {
            Some(mut z) => {
                z.reset(false);
                z
            }
            None => Decompress::new(false),
        };
        let mut consumed = 0u64;
        let mut out = std::mem::take(&mut self.out);
        let flow = loop {
            let left = extent.map(|e| e - consumed);
            let avail = if left == Some(0) {
                0
            } else if !input.fill()? {
                break Flow::GiveUp(TRUNCATED);
            } else {
                let max = left.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
                input.peek().len().min(max)
            };
            let (in0, out0) = (z.total_in(), z.total_out());
            let status = z.decompress(&input.peek()[..avail], &mut out, FlushDecompress::None);
            let used = (z.total_in() - in0) as usize;
            let produced = (z.total_out() - out0) as usize;
            input.consume(used);
            consumed += used as u64;
            let done = |failed: bool, c: &mut Contents| {
                c.failed |= failed;
                Flow::Read {
                    compressed: extent.unwrap_or(consumed),
                }
            };
            let Ok(status) = status else {
                match extent {
                    Some(_) => break done(true, c),
                    None => break Flow::GiveUp("corrupt deflate data of unknown length"),
                }
            };
            if produced > 0 && !self.emit(c, target, &out[..produced]) {
                match (extent, c.limit) {
                    (Some(_), _) => break done(true, c),
                    (None, Some(_)) => break Flow::GiveUp("a directory entry with contents"),
                    (None, None) => break Flow::GiveUp("more contents than a module can hold"),
                }
            }
            if status == Status::StreamEnd {
                break done(false, c);
            }
            if used == 0 && produced == 0 {
                // No progress: the data ended before the deflate stream did.
                match extent {
                    Some(_) if avail == 0 => break done(true, c),
                    _ => break Flow::GiveUp("the deflate stream makes no progress"),
                }
            }
        };
        self.out = out;
        self.z = Some(z);
        // Skip what is left of a known extent (after the end, or after a failure).
        if let (Flow::Read { .. }, Some(e)) = (&flow, extent)
            && !input.skip(e - consumed)?
        {
            return Ok(Flow::GiveUp(TRUNCATED));
        }
        Ok(flow)
    }
}

/// Where an entry's contents go besides the hash.
struct Target<'a> {
    /// The module-relative path of the file being written, if one is.
    file: Option<&'a str>,
    /// Whether its size was checked by the rules before its contents arrived.
    size_known: bool,
}
