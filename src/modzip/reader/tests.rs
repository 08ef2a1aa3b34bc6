//! Reader tests: hand-built and writer-built archives, Go's error cases, and
//! arbitrary bytes.

use super::*;
use crate::modzip::writer::ZipWriter;
use flate2::Crc;
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
