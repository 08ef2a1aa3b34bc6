//! The zip writer behind every module zip the test universe builds.
//!
//! Entries are written in the order given, stored (no compression), with no directory
//! entries, no extra fields and zero timestamps; the UTF-8 flag is set for non-ASCII
//! UTF-8 names as Go's `archive/zip` does. That is all a module zip needs: Go's `h1`
//! covers names and contents, and `go` reads stored entries like deflated ones.
//! Test zips are small, so sizes beyond 4 GiB (zip64) are refused.
//!
//! This is the one place to switch to [`crate::modzip`]'s writer once it lands.

use bytes::Bytes;
use std::io;

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_CENTRAL_DIR: u32 = 0x0605_4b50;
const VERSION_20: u16 = 20;
const FLAG_UTF8: u16 = 0x800;
const METHOD_STORE: u16 = 0;

/// Builds a zip holding `entries` (name, contents) in order.
pub(crate) fn build_zip<'a>(
    entries: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
) -> io::Result<Bytes> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let mut count: u16 = 0;
    for (name, data) in entries {
        let too_big = || io::Error::new(io::ErrorKind::InvalidInput, "test zip too large");
        let offset = u32::try_from(out.len()).map_err(|_| too_big())?;
        let size = u32::try_from(data.len()).map_err(|_| too_big())?;
        let name_len = u16::try_from(name.len()).map_err(|_| too_big())?;
        count = count.checked_add(1).ok_or_else(too_big)?;
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let crc = crc.sum();
        let flags = match std::str::from_utf8(name) {
            Ok(s) if !s.is_ascii() => FLAG_UTF8,
            _ => 0,
        };

        put32(&mut out, LOCAL_HEADER);
        put16(&mut out, VERSION_20);
        put16(&mut out, flags);
        put16(&mut out, METHOD_STORE);
        put32(&mut out, 0); // DOS time and date
        put32(&mut out, crc);
        put32(&mut out, size);
        put32(&mut out, size);
        put16(&mut out, name_len);
        put16(&mut out, 0); // extra length
        out.extend_from_slice(name);
        out.extend_from_slice(data);

        put32(&mut central, CENTRAL_HEADER);
        put16(&mut central, VERSION_20); // made by
        put16(&mut central, VERSION_20); // needed
        put16(&mut central, flags);
        put16(&mut central, METHOD_STORE);
        put32(&mut central, 0);
        put32(&mut central, crc);
        put32(&mut central, size);
        put32(&mut central, size);
        put16(&mut central, name_len);
        put16(&mut central, 0); // extra
        put16(&mut central, 0); // comment
        put16(&mut central, 0); // disk
        put16(&mut central, 0); // internal attributes
        put32(&mut central, 0); // external attributes
        put32(&mut central, offset);
        central.extend_from_slice(name);
    }
    let too_big = || io::Error::new(io::ErrorKind::InvalidInput, "test zip too large");
    let dir_offset = u32::try_from(out.len()).map_err(|_| too_big())?;
    let dir_size = u32::try_from(central.len()).map_err(|_| too_big())?;
    out.extend_from_slice(&central);
    put32(&mut out, END_OF_CENTRAL_DIR);
    put16(&mut out, 0);
    put16(&mut out, 0);
    put16(&mut out, count);
    put16(&mut out, count);
    put32(&mut out, dir_size);
    put32(&mut out, dir_offset);
    put16(&mut out, 0);
    Ok(Bytes::from(out))
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_zip_is_just_the_end_record() {
        let z = build_zip([]).unwrap();
        assert_eq!(z.len(), 22);
        assert_eq!(&z[..4], b"PK\x05\x06");
    }

    #[test]
    fn entries_keep_order_and_bytes() {
        let z = build_zip([(&b"m@v1/b"[..], &b"B"[..]), (&b"m@v1/a"[..], &b"AA"[..])]).unwrap();
        let b = z.windows(6).position(|w| w == b"m@v1/b").unwrap();
        let a = z.windows(6).position(|w| w == b"m@v1/a").unwrap();
        assert!(b < a);
        assert_eq!(z[b + 6], b'B');
    }
}
