//! Module zips for the test universe, through [`crate::modzip`]'s writer and reader:
//! entries in the order given, Deflate as Go compresses, no directory entries, zip64
//! only when sizes require it — the same layout `go` produces.

use crate::modzip::reader::ZipReader;
use crate::modzip::writer::ZipWriter;
use bytes::Bytes;
use std::io::{self, Cursor, Write};

/// Builds a zip holding `entries` (name, contents) in order.
pub(crate) fn build_zip<'a>(
    entries: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
) -> io::Result<Bytes> {
    let mut z = ZipWriter::new(Vec::new());
    for (name, data) in entries {
        z.start_file(name)?;
        z.write_all(data)?;
    }
    Ok(Bytes::from(z.finish()?))
}

/// The entries of a zip (name, contents), in central-directory order.
pub(crate) fn read_zip(zip: &[u8]) -> io::Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let bad =
        |e: crate::modzip::ZipError| io::Error::new(io::ErrorKind::InvalidData, e.to_string());
    let mut z = ZipReader::new(Cursor::new(zip), zip.len() as u64).map_err(bad)?;
    let names: Vec<Vec<u8>> = z.entries().iter().map(|e| e.name.clone()).collect();
    let mut out = Vec::with_capacity(names.len());
    for (i, name) in names.into_iter().enumerate() {
        let mut r = z.open(i).map_err(bad)?;
        let mut data = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = r.read_some(&mut buf).map_err(bad)?;
            if n == 0 {
                break;
            }
            data.extend_from_slice(&buf[..n]);
        }
        out.push((name, data));
    }
    Ok(out)
}

/// The zip the `other-zip` fault serves for `path@version`: the entries of `zip`
/// plus `<path>@<version>/fault-injected.txt`.
pub(crate) fn other_zip(zip: &[u8], path: &str, version: &str) -> io::Result<Bytes> {
    let name = format!("{path}@{version}/fault-injected.txt");
    with_extra_entry(
        zip,
        (
            name.as_bytes(),
            b"added by the test proxy's other-zip fault\n",
        ),
    )
}

/// A different but valid zip: `zip`'s entries plus `extra` at the end.
fn with_extra_entry(zip: &[u8], extra: (&[u8], &[u8])) -> io::Result<Bytes> {
    let entries = read_zip(zip)?;
    build_zip(
        entries
            .iter()
            .map(|(n, d)| (n.as_slice(), d.as_slice()))
            .chain([extra]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_order_and_bytes() {
        let z = build_zip([(&b"m@v1/b"[..], &b"B"[..]), (&b"m@v1/a"[..], &b"AA"[..])]).unwrap();
        let back = read_zip(&z).unwrap();
        assert_eq!(
            back,
            [
                (b"m@v1/b".to_vec(), b"B".to_vec()),
                (b"m@v1/a".to_vec(), b"AA".to_vec())
            ]
        );
        let more = with_extra_entry(&z, (b"m@v1/c", b"C")).unwrap();
        assert_eq!(read_zip(&more).unwrap().len(), 3);
        assert!(read_zip(b"not a zip").is_err());
    }

    #[test]
    fn empty_zip() {
        assert!(read_zip(&build_zip([]).unwrap()).unwrap().is_empty());
    }
}
