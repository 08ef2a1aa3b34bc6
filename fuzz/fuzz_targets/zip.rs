//! Module zips, streamed and from the file. The input is a chunking and a zip: its
//! first byte says how many chunk sizes follow (0 to 7; none means one read of
//! everything), then one byte per size, then the zip's bytes, which the streaming
//! download (`zipstream::download`) reads in that cycle of chunk sizes.
//!
//! The contract is the integration tests' (tests/it/zipstream_hostile.rs, whose verdict
//! code is included here): the verdict does not depend on the chunking (it equals the
//! verdict for whole reads), and it is the file-based reference's verdict (`modzip`'s
//! reader, `dirhash::hash_zip`, `modzip::unzip`), except that we may refuse as
//! inconsistent a zip the reference would store. `modzip::check_zip` runs too, for
//! panics.

#![no_main]

#[allow(
    dead_code,
    reason = "shared with the integration tests, which use all of it"
)]
#[path = "../../tests/it/zipstream_verdict.rs"]
mod zipstream_verdict;

use gomodfetch::module::ModuleVersion;
use libfuzzer_sys::fuzz_target;
use std::io::{self, Read};
use zipstream_verdict::{ours, ours_from, reference};

/// Reads at most the next size of a cycle per call.
struct Chunks<'a> {
    data: &'a [u8],
    sizes: Vec<usize>,
    turn: usize,
}

impl Read for Chunks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let step = match self.sizes.len() {
            0 => usize::MAX,
            k => self.sizes[self.turn % k],
        };
        self.turn += 1;
        let n = buf.len().min(step).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// A size byte: 1 to 128 bytes, or with the high bit set, a multiple of 509 (prime, so
/// reads straddle every header boundary) up to about 64 KiB.
fn chunk_size(b: u8) -> usize {
    if b & 0x80 == 0 {
        usize::from(b) + 1
    } else {
        usize::from(b & 0x7f) * 509 + 1
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&k, rest)) = input.split_first() else {
        return;
    };
    let k = usize::from(k % 8).min(rest.len());
    let (sizes, zip) = rest.split_at(k);
    let m = ModuleVersion::new("example.com/h", "v1.0.0");
    let body = Chunks {
        data: zip,
        sizes: sizes.iter().map(|&b| chunk_size(b)).collect(),
        turn: 0,
    };
    let got = ours_from(body, zip, &m).unwrap_or_else(|e| panic!("{e}"));
    let whole = ours(zip, &m, usize::MAX).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got, whole, "the chunking changed the verdict");
    let want = reference(zip, &m);
    assert!(want.accepts(&got), "ours: {got}\nreference: {want}");

    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("v.zip");
    std::fs::write(&file, zip).expect("writing the zip");
    let _ = gomodfetch::modzip::check_zip(&m, &file);
});
