//! A zip builder for the streaming tests that can lie: every field of the local
//! header, the data descriptor and the central directory can be set apart from the
//! data, entries can be dropped from or repeated in the central directory, and bytes
//! can be put where no entry is. With no lies it lays a zip out as Go's `archive/zip`
//! does (deflate, data descriptor with signature), or in the other ways writers use
//! (stored, no descriptor, descriptor without signature, zip64 records).

use flate2::{Compress, Compression, Crc, FlushCompress};

pub const STORE: u16 = 0;
pub const DEFLATE: u16 = 8;

/// How an entry's data descriptor is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Descriptor {
    /// No descriptor: the local header carries the CRC-32 and sizes.
    None,
    /// Signature, CRC-32, 32-bit sizes (Go's writer for small entries).
    Signed,
    /// CRC-32 and 32-bit sizes, no signature.
    Unsigned,
    /// Signature, CRC-32, 64-bit sizes (Go's writer for zip64 entries).
    Zip64,
}

/// One entry and any lies about it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: Vec<u8>,
    pub data: Vec<u8>,
    pub method: u16,
    pub descriptor: Descriptor,
    /// The compressed bytes, when not the data compressed by `method`.
    pub raw: Option<Vec<u8>>,
    pub local_name: Option<Vec<u8>>,
    pub local_method: Option<u16>,
    pub local_flags: Option<u16>,
    pub local_crc: Option<u32>,
    pub local_sizes: Option<(u64, u64)>,
    pub desc_crc: Option<u32>,
    pub desc_sizes: Option<(u64, u64)>,
    pub cd_name: Option<Vec<u8>>,
    pub cd_method: Option<u16>,
    pub cd_flags: Option<u16>,
    pub cd_crc: Option<u32>,
    pub cd_sizes: Option<(u64, u64)>,
    /// Sizes and offset through the zip64 extra field in the central directory.
    pub cd_zip64: bool,
    /// A Unix mode in the central directory's external attributes (made by Unix), e.g.
    /// `0o120777` for a symbolic link; none by default (made by MS-DOS, no mode).
    pub cd_unix_mode: Option<u32>,
    /// Bytes after the entry (before the next local header).
    pub gap_after: Vec<u8>,
}

impl Entry {
    /// A Go-style entry: deflate with a signed data descriptor.
    pub fn new(name: impl AsRef<[u8]>, data: impl AsRef<[u8]>) -> Entry {
        Entry {
            name: name.as_ref().to_vec(),
            data: data.as_ref().to_vec(),
            method: DEFLATE,
            descriptor: Descriptor::Signed,
            raw: None,
            local_name: None,
            local_method: None,
            local_flags: None,
            local_crc: None,
            local_sizes: None,
            desc_crc: None,
            desc_sizes: None,
            cd_name: None,
            cd_method: None,
            cd_flags: None,
            cd_crc: None,
            cd_sizes: None,
            cd_zip64: false,
            cd_unix_mode: None,
            gap_after: Vec::new(),
        }
    }

    pub fn stored(mut self) -> Entry {
        self.method = STORE;
        self
    }

    pub fn descriptor(mut self, d: Descriptor) -> Entry {
        self.descriptor = d;
        self
    }

    pub fn crc(&self) -> u32 {
        let mut c = Crc::new();
        c.update(&self.data);
        c.sum()
    }

    /// The bytes stored for the entry.
    pub fn compressed(&self) -> Vec<u8> {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        match self.method {
            DEFLATE => deflate(&self.data),
            _ => self.data.clone(),
        }
    }
}

/// Raw deflate of `data`.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut z = Compress::new(Compression::new(5), false);
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    loop {
        out.reserve(64 * 1024);
        let before = z.total_in() as usize;
        let status = z
            .compress_vec(&data[before..], &mut out, FlushCompress::Finish)
            .expect("deflate");
        if status == flate2::Status::StreamEnd {
            return out;
        }
    }
}

/// A whole zip.
#[derive(Debug, Clone, Default)]
pub struct Zip {
    pub entries: Vec<Entry>,
    /// Bytes before the first entry.
    pub prefix: Vec<u8>,
    /// Which entries the central directory lists, in its order (default: all, in
    /// order); an index may repeat or be left out.
    pub cd_order: Option<Vec<usize>>,
    /// Bytes between the last entry and the central directory.
    pub before_cd: Vec<u8>,
    /// The end records in their zip64 form too.
    pub zip64_end: bool,
    pub comment: Vec<u8>,
    /// Bytes after the end record.
    pub trailing: Vec<u8>,
    /// Offsets are counted from the start of the file (as a writer appending to
    /// `prefix` would not): Go then takes `prefix` as the archive's base offset only if
    /// this is false.
    pub absolute_offsets: bool,
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn clamp32(v: u64) -> u32 {
    v.min(u32::MAX as u64) as u32
}

impl Zip {
    pub fn of(entries: Vec<Entry>) -> Zip {
        Zip {
            entries,
            ..Zip::default()
        }
    }

    pub fn build(&self) -> Vec<u8> {
        let mut out = self.prefix.clone();
        let base = if self.absolute_offsets {
            0
        } else {
            self.prefix.len() as u64
        };
        let mut offsets = Vec::new();
        for e in &self.entries {
            offsets.push(out.len() as u64 - base);
            let body = e.compressed();
            let (crc, csize, usize_) = (e.crc(), body.len() as u64, e.data.len() as u64);
            let has_desc = e.descriptor != Descriptor::None;
            let flags = e.local_flags.unwrap_or(if has_desc { 0x8 } else { 0 });
            let name = e.local_name.as_ref().unwrap_or(&e.name);
            put32(&mut out, 0x0403_4b50);
            put16(&mut out, 20);
            put16(&mut out, flags);
            put16(&mut out, e.local_method.unwrap_or(e.method));
            put32(&mut out, 0);
            let (lc, ls) = match (e.local_crc, e.local_sizes, has_desc) {
                (c, s, true) => (c.unwrap_or(0), s.unwrap_or((0, 0))),
                (c, s, false) => (c.unwrap_or(crc), s.unwrap_or((csize, usize_))),
            };
            put32(&mut out, lc);
            put32(&mut out, clamp32(ls.0));
            put32(&mut out, clamp32(ls.1));
            put16(&mut out, name.len() as u16);
            put16(&mut out, 0);
            out.extend_from_slice(name);
            out.extend_from_slice(&body);
            if has_desc {
                let (dc, (ds_c, ds_u)) = (
                    e.desc_crc.unwrap_or(crc),
                    e.desc_sizes.unwrap_or((csize, usize_)),
                );
                if e.descriptor != Descriptor::Unsigned {
                    put32(&mut out, 0x0807_4b50);
                }
                put32(&mut out, dc);
                if e.descriptor == Descriptor::Zip64 {
                    put64(&mut out, ds_c);
                    put64(&mut out, ds_u);
                } else {
                    put32(&mut out, ds_c as u32);
                    put32(&mut out, ds_u as u32);
                }
            }
            out.extend_from_slice(&e.gap_after);
        }
        out.extend_from_slice(&self.before_cd);
        let cd_start = out.len() as u64 - base;
        let order: Vec<usize> = self
            .cd_order
            .clone()
            .unwrap_or_else(|| (0..self.entries.len()).collect());
        for &i in &order {
            let e = &self.entries[i];
            let body_len = e.compressed().len() as u64;
            let (csize, usize_) = e.cd_sizes.unwrap_or((body_len, e.data.len() as u64));
            let has_desc = e.descriptor != Descriptor::None;
            let name = e.cd_name.as_ref().unwrap_or(&e.name);
            let zip64 = e.cd_zip64 || csize >= u32::MAX as u64 || usize_ >= u32::MAX as u64;
            put32(&mut out, 0x0201_4b50);
            let unix = if e.cd_unix_mode.is_some() { 3 << 8 } else { 0 };
            put16(&mut out, unix | if zip64 { 45 } else { 20 });
            put16(&mut out, if zip64 { 45 } else { 20 });
            put16(
                &mut out,
                e.cd_flags.unwrap_or(if has_desc { 0x8 } else { 0 }),
            );
            put16(&mut out, e.cd_method.unwrap_or(e.method));
            put32(&mut out, 0);
            put32(&mut out, e.cd_crc.unwrap_or_else(|| e.crc()));
            let mut extra = Vec::new();
            if zip64 {
                put32(&mut out, u32::MAX);
                put32(&mut out, u32::MAX);
                put16(&mut extra, 1);
                put16(&mut extra, 24);
                put64(&mut extra, usize_);
                put64(&mut extra, csize);
                put64(&mut extra, offsets[i]);
            } else {
                put32(&mut out, csize as u32);
                put32(&mut out, usize_ as u32);
            }
            put16(&mut out, name.len() as u16);
            put16(&mut out, extra.len() as u16);
            put16(&mut out, 0);
            put16(&mut out, 0);
            put16(&mut out, 0);
            put32(&mut out, e.cd_unix_mode.map_or(0, |m| m << 16));
            put32(&mut out, if zip64 { u32::MAX } else { offsets[i] as u32 });
            out.extend_from_slice(name);
            out.extend_from_slice(&extra);
        }
        let cd_end = out.len() as u64 - base;
        let records = order.len() as u64;
        if self.zip64_end {
            let end64 = out.len() as u64 - base;
            put32(&mut out, 0x0606_4b50);
            put64(&mut out, 44);
            put16(&mut out, 45);
            put16(&mut out, 45);
            put32(&mut out, 0);
            put32(&mut out, 0);
            put64(&mut out, records);
            put64(&mut out, records);
            put64(&mut out, cd_end - cd_start);
            put64(&mut out, cd_start);
            put32(&mut out, 0x0706_4b50);
            put32(&mut out, 0);
            put64(&mut out, end64);
            put32(&mut out, 1);
        }
        put32(&mut out, 0x0605_4b50);
        put16(&mut out, 0);
        put16(&mut out, 0);
        let (r16, size32, off32) = if self.zip64_end {
            (0xffff, u32::MAX, u32::MAX)
        } else {
            (records as u16, (cd_end - cd_start) as u32, cd_start as u32)
        };
        put16(&mut out, r16);
        put16(&mut out, r16);
        put32(&mut out, size32);
        put32(&mut out, off32);
        put16(&mut out, self.comment.len() as u16);
        out.extend_from_slice(&self.comment);
        out.extend_from_slice(&self.trailing);
        out
    }
}
