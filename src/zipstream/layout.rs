//! What the local headers say about each entry, and whether it is what the central
//! directory says.
//!
//! Go reads a zip through its central directory only: names, methods, sizes and CRCs
//! come from there, the local header just tells where the data starts. A streaming
//! reader works from the local headers instead, so its result is Go's only when the two
//! agree. They agree when the zip is laid out as every writer lays it out:
//!
//! * the entries follow each other from offset 0, each local header right after the
//!   previous entry's data and data descriptor, in central-directory order, and the
//!   central directory starts right after the last one;
//! * each local header has the central directory's name, method and data-descriptor
//!   flag; without a descriptor its CRC-32 and sizes are the central directory's; with
//!   one, the descriptor's are (its sizes in the 32- or 64-bit form), and the header's
//!   own fields are zero or the same values.
//!
//! What follows the central directory (zip64 end records, the end record, its comment,
//! trailing bytes) is left to Go's reader, which accepts what it accepts there.

use crate::gostr::quote;
use crate::modzip::reader::{
    DATA_DESCRIPTOR_SIGNATURE, DIRECTORY_END_SIGNATURE, DIRECTORY_HEADER_SIGNATURE,
    DIRECTORY64_END_SIGNATURE, FILE_HEADER_LEN, FILE_HEADER_SIGNATURE, ZIP64_EXTRA_ID, ZipEntry,
    ZipReader, le16, le32, le64,
};
use std::io::{Read, Seek, SeekFrom};

/// The longest data descriptor: signature, CRC-32 and two 64-bit sizes.
const MAX_DESCRIPTOR_LEN: usize = 24;

/// A CRC-32 and sizes as some record declares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Declared {
    pub crc32: u32,
    pub compressed: u64,
    pub uncompressed: u64,
}

/// The fixed part and variable fields of a local file header.
#[derive(Debug, Clone)]
pub(crate) struct LocalHeader {
    pub flags: u16,
    pub method: u16,
    /// The header's own CRC-32 and sizes (zip64 sizes resolved).
    pub declared: Declared,
    pub name_len: usize,
    pub extra_len: usize,
}

impl LocalHeader {
    /// Reads the fixed 30 bytes; `None` without the local header signature.
    pub fn parse_fixed(b: &[u8]) -> Option<LocalHeader> {
        if b.len() < FILE_HEADER_LEN || le32(b, 0) != FILE_HEADER_SIGNATURE {
            return None;
        }
        Some(LocalHeader {
            flags: le16(b, 6),
            method: le16(b, 8),
            declared: Declared {
                crc32: le32(b, 14),
                compressed: le32(b, 18) as u64,
                uncompressed: le32(b, 22) as u64,
            },
            name_len: le16(b, 26) as usize,
            extra_len: le16(b, 28) as usize,
        })
    }

    /// Resolves sizes of `0xffffffff` from the zip64 extra field (original size, then
    /// compressed size, as the zip format orders them); `false` when a size needs the
    /// field and it is missing or short.
    pub fn resolve_zip64(&mut self, mut extra: &[u8]) -> bool {
        let need_u = self.declared.uncompressed == u32::MAX as u64;
        let need_c = self.declared.compressed == u32::MAX as u64;
        if !need_u && !need_c {
            return true;
        }
        while extra.len() >= 4 {
            let (tag, size) = (le16(extra, 0), le16(extra, 2) as usize);
            extra = &extra[4..];
            let Some(field) = extra.get(..size) else {
                return false;
            };
            extra = &extra[size..];
            if tag != ZIP64_EXTRA_ID {
                continue;
            }
            // Both sizes when the field has room for them, else only the needed ones.
            let both = field.len() >= 16;
            let mut at = 0;
            for (need, slot) in [
                (need_u, &mut self.declared.uncompressed),
                (need_c, &mut self.declared.compressed),
            ] {
                if need || both {
                    let Some(v) = field.get(at..at + 8) else {
                        return false;
                    };
                    if need {
                        *slot = le64(v, 0);
                    }
                    at += 8;
                }
            }
            return true;
        }
        false
    }

    pub fn has_data_descriptor(&self) -> bool {
        self.flags & 0x8 != 0
    }

    /// The header's length with its name and extra field.
    pub fn len(&self) -> u64 {
        (FILE_HEADER_LEN + self.name_len + self.extra_len) as u64
    }
}

/// How many bytes [`parse_descriptor`] looks at: the longest descriptor and the
/// signature of the record after it.
pub(crate) const DESCRIPTOR_LOOKAHEAD: usize = MAX_DESCRIPTOR_LEN + 4;

/// Reads a data descriptor from `b` (the bytes at its position, up to
/// [`DESCRIPTOR_LOOKAHEAD`], fewer near the end), knowing the sizes it must declare:
/// their form (32 or 64 bits) is not recorded anywhere else, and neither is whether the
/// optional signature is there. Of the readings that give those sizes, the first one
/// followed by the signature of a zip record wins (an empty entry's 64-bit sizes also
/// read as 32-bit ones), else the first one. Returns what it declares and its length,
/// or `None` when no reading gives those sizes.
pub(crate) fn parse_descriptor(
    b: &[u8],
    compressed: u64,
    uncompressed: u64,
) -> Option<(Declared, usize)> {
    let signed = b.len() >= 4 && le32(b, 0) == DATA_DESCRIPTOR_SIGNATURE;
    let starts: &[usize] = if signed { &[4, 0] } else { &[0] };
    let mut first = None;
    for &at in starts {
        for wide in [false, true] {
            let len = at + if wide { 20 } else { 12 };
            if b.len() < len {
                continue;
            }
            let sizes = if wide {
                (le64(b, at + 4), le64(b, at + 12))
            } else {
                (le32(b, at + 4) as u64, le32(b, at + 8) as u64)
            };
            if sizes != (compressed, uncompressed) {
                continue;
            }
            let found = (declared(le32(b, at), compressed, uncompressed), len);
            if b.len() >= len + 4 && is_record_signature(le32(b, len)) {
                return Some(found);
            }
            first.get_or_insert(found);
        }
    }
    first
}

/// Whether `sig` starts a record that can follow an entry.
fn is_record_signature(sig: u32) -> bool {
    matches!(
        sig,
        FILE_HEADER_SIGNATURE
            | DIRECTORY_HEADER_SIGNATURE
            | DIRECTORY_END_SIGNATURE
            | DIRECTORY64_END_SIGNATURE
    )
}

fn declared(crc32: u32, compressed: u64, uncompressed: u64) -> Declared {
    Declared {
        crc32,
        compressed,
        uncompressed,
    }
}

/// One entry as the local headers (and data descriptors) describe it.
#[derive(Debug, Clone)]
pub(crate) struct LocalEntry {
    /// Where its local header starts.
    pub offset: u64,
    pub name: Vec<u8>,
    pub header: LocalHeader,
    /// The descriptor's values when one follows the data, else the header's.
    pub declared: Declared,
    /// Just past its data and data descriptor.
    pub end: u64,
}

/// How the local headers and the central directory disagree. The download fails: Go
/// would read such a zip through its central directory alone, and a file's contents
/// should not depend on which half of the zip a tool believes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    #[error("the local headers hold {local} entries, the central directory {central}")]
    Count { local: usize, central: usize },
    #[error("the central directory puts entry {} at offset {central}, the local headers at {local}", quote(.name))]
    Offset {
        name: Vec<u8>,
        local: u64,
        central: u64,
    },
    #[error("the entry at offset {offset} is {} in its local header but {} in the central directory", quote(.local), quote(.central))]
    Name {
        offset: u64,
        local: Vec<u8>,
        central: Vec<u8>,
    },
    #[error("{field} of {}: {local} in the local header or data descriptor, {central} in the central directory", quote(.name))]
    Field {
        name: Vec<u8>,
        field: &'static str,
        local: u64,
        central: u64,
    },
    #[error("entry {} starts at offset {offset}, not right after the previous entry (offset {expected})", quote(.name))]
    Misplaced {
        name: Vec<u8>,
        offset: u64,
        expected: u64,
    },
    #[error(
        "the central directory starts at offset {offset}, not right after the last entry (offset {expected})"
    )]
    DirectoryMisplaced { offset: u64, expected: u64 },
    #[error("the local header of {} is missing or unreadable", quote(.name))]
    NoLocalHeader { name: Vec<u8> },
    #[error("the data descriptor of {} does not declare the central directory's sizes", quote(.name))]
    Descriptor { name: Vec<u8> },
    #[error("the local headers cannot be followed from offset {offset}: {why}")]
    Unfollowable { offset: u64, why: &'static str },
}

/// Checks that `local` (in order) is the central directory `cd`, starting at
/// `directory`, entry for entry.
pub(crate) fn compare(
    local: &[LocalEntry],
    cd: &[ZipEntry],
    directory: u64,
) -> Result<(), Mismatch> {
    if local.len() != cd.len() {
        return Err(Mismatch::Count {
            local: local.len(),
            central: cd.len(),
        });
    }
    let mut expected = 0u64;
    for (l, c) in local.iter().zip(cd) {
        if c.header_offset() != l.offset as i64 {
            return Err(Mismatch::Offset {
                name: c.name.clone(),
                local: l.offset,
                central: c.header_offset() as u64,
            });
        }
        if l.offset != expected {
            return Err(Mismatch::Misplaced {
                name: c.name.clone(),
                offset: l.offset,
                expected,
            });
        }
        if l.name != c.name {
            return Err(Mismatch::Name {
                offset: l.offset,
                local: l.name.clone(),
                central: c.name.clone(),
            });
        }
        let field = |field, local, central| field_of(c, field, local, central);
        let h = &l.header;
        let mut checks = vec![
            field("method", h.method.into(), c.method.into()),
            field(
                "data descriptor flag",
                h.has_data_descriptor().into(),
                c.has_data_descriptor().into(),
            ),
            field("CRC-32", l.declared.crc32.into(), c.crc32.into()),
            field("compressed size", l.declared.compressed, c.compressed_size),
            field(
                "uncompressed size",
                l.declared.uncompressed,
                c.uncompressed_size,
            ),
        ];
        if h.has_data_descriptor() {
            // The header's own fields, usually zero, must not say something else.
            let zero_or = |field, local, central| {
                if local == 0 {
                    None
                } else {
                    field_of(c, field, local, central)
                }
            };
            checks.push(zero_or(
                "CRC-32 in the local header",
                h.declared.crc32.into(),
                c.crc32.into(),
            ));
            checks.push(zero_or(
                "compressed size in the local header",
                h.declared.compressed,
                c.compressed_size,
            ));
            checks.push(zero_or(
                "uncompressed size in the local header",
                h.declared.uncompressed,
                c.uncompressed_size,
            ));
        }
        if let Some(m) = checks.into_iter().flatten().next() {
            return Err(m);
        }
        expected = l.end;
    }
    if directory != expected {
        return Err(Mismatch::DirectoryMisplaced {
            offset: directory,
            expected,
        });
    }
    Ok(())
}

fn field_of(c: &ZipEntry, field: &'static str, local: u64, central: u64) -> Option<Mismatch> {
    (local != central).then(|| Mismatch::Field {
        name: c.name.clone(),
        field,
        local,
        central,
    })
}

/// The local view of a zip file, read at the offsets and with the compressed sizes the
/// central directory gives (a streaming reader could not find its way through it).
pub(crate) fn read_local<R: Read + Seek>(
    z: &mut ZipReader<R>,
) -> Result<Vec<LocalEntry>, Mismatch> {
    let cd: Vec<ZipEntry> = z.entries().to_vec();
    let r = z.reader_mut();
    let mut out = Vec::with_capacity(cd.len());
    for c in &cd {
        let missing = || Mismatch::NoLocalHeader {
            name: c.name.clone(),
        };
        let offset = u64::try_from(c.header_offset()).map_err(|_| missing())?;
        let mut fixed = [0u8; FILE_HEADER_LEN];
        read_exact_at(r, offset, &mut fixed).ok_or_else(missing)?;
        let mut header = LocalHeader::parse_fixed(&fixed).ok_or_else(missing)?;
        let mut var = vec![0u8; header.name_len + header.extra_len];
        read_exact_at(r, offset + FILE_HEADER_LEN as u64, &mut var).ok_or_else(missing)?;
        let (name, extra) = var.split_at(header.name_len);
        if !header.resolve_zip64(extra) {
            return Err(missing());
        }
        let data_end = offset
            .checked_add(header.len())
            .and_then(|b| b.checked_add(c.compressed_size))
            .ok_or_else(missing)?;
        let (declared, end) = if header.has_data_descriptor() {
            let mut desc = [0u8; DESCRIPTOR_LOOKAHEAD];
            let n = read_at(r, data_end, &mut desc);
            let bad = || Mismatch::Descriptor {
                name: c.name.clone(),
            };
            let (d, len) = parse_descriptor(&desc[..n], c.compressed_size, c.uncompressed_size)
                .ok_or_else(bad)?;
            (d, data_end + len as u64)
        } else {
            (header.declared, data_end)
        };
        out.push(LocalEntry {
            offset,
            name: name.to_vec(),
            header,
            declared,
            end,
        });
    }
    Ok(out)
}

/// Reads as much of `buf` as the file has at `off`.
fn read_at<R: Read + Seek>(r: &mut R, off: u64, buf: &mut [u8]) -> usize {
    if r.seek(SeekFrom::Start(off)).is_err() {
        return 0;
    }
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    n
}

fn read_exact_at<R: Read + Seek>(r: &mut R, off: u64, buf: &mut [u8]) -> Option<()> {
    (read_at(r, off, buf) == buf.len()).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_forms() {
        let mut d = Vec::new();
        d.extend_from_slice(&DATA_DESCRIPTOR_SIGNATURE.to_le_bytes());
        d.extend_from_slice(&7u32.to_le_bytes());
        d.extend_from_slice(&10u32.to_le_bytes());
        d.extend_from_slice(&20u32.to_le_bytes());
        d.extend_from_slice(&FILE_HEADER_SIGNATURE.to_le_bytes());
        let (got, len) = parse_descriptor(&d, 10, 20).unwrap();
        assert_eq!(
            (got.crc32, got.compressed, got.uncompressed, len),
            (7, 10, 20, 16)
        );
        // Without a signature.
        let (got, len) = parse_descriptor(&d[4..], 10, 20).unwrap();
        assert_eq!((got.crc32, len), (7, 12));
        // 64-bit sizes.
        let mut d64 = Vec::new();
        d64.extend_from_slice(&DATA_DESCRIPTOR_SIGNATURE.to_le_bytes());
        d64.extend_from_slice(&7u32.to_le_bytes());
        d64.extend_from_slice(&(1u64 << 33).to_le_bytes());
        d64.extend_from_slice(&(1u64 << 34).to_le_bytes());
        let (got, len) = parse_descriptor(&d64, 1 << 33, 1 << 34).unwrap();
        assert_eq!((got.compressed, len), (1 << 33, 24));
        // An empty entry's 64-bit sizes read as 32-bit ones too: what follows decides.
        let mut empty64 = Vec::new();
        empty64.extend_from_slice(&DATA_DESCRIPTOR_SIGNATURE.to_le_bytes());
        empty64.extend_from_slice(&0u32.to_le_bytes());
        empty64.extend_from_slice(&2u64.to_le_bytes());
        empty64.extend_from_slice(&0u64.to_le_bytes());
        empty64.extend_from_slice(&DIRECTORY_HEADER_SIGNATURE.to_le_bytes());
        assert_eq!(parse_descriptor(&empty64, 2, 0).unwrap().1, 24);
        assert_eq!(parse_descriptor(&empty64[..24], 2, 0).unwrap().1, 16);
        // Sizes that are not the data's.
        assert!(parse_descriptor(&d, 11, 20).is_none());
        assert!(parse_descriptor(&d[..10], 10, 20).is_none());
        // A CRC-32 that looks like the signature, without a signature.
        let mut odd = Vec::new();
        odd.extend_from_slice(&DATA_DESCRIPTOR_SIGNATURE.to_le_bytes());
        odd.extend_from_slice(&3u32.to_le_bytes());
        odd.extend_from_slice(&4u32.to_le_bytes());
        let (got, len) = parse_descriptor(&odd, 3, 4).unwrap();
        assert_eq!((got.crc32, len), (DATA_DESCRIPTOR_SIGNATURE, 12));
    }

    #[test]
    fn zip64_local_sizes() {
        let mut fixed = [0u8; FILE_HEADER_LEN];
        fixed[..4].copy_from_slice(&FILE_HEADER_SIGNATURE.to_le_bytes());
        fixed[18..22].copy_from_slice(&u32::MAX.to_le_bytes());
        fixed[22..26].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut h = LocalHeader::parse_fixed(&fixed).unwrap();
        let mut extra = Vec::new();
        extra.extend_from_slice(&[0x99, 0x99, 0, 0]); // an unrelated empty field
        extra.extend_from_slice(&ZIP64_EXTRA_ID.to_le_bytes());
        extra.extend_from_slice(&16u16.to_le_bytes());
        extra.extend_from_slice(&(5u64 << 32).to_le_bytes());
        extra.extend_from_slice(&(3u64 << 32).to_le_bytes());
        assert!(!h.clone().resolve_zip64(&extra[..8]));
        assert!(h.resolve_zip64(&extra));
        assert_eq!(h.declared.uncompressed, 5 << 32);
        assert_eq!(h.declared.compressed, 3 << 32);
        assert!(LocalHeader::parse_fixed(&fixed[..29]).is_none());
    }
}
