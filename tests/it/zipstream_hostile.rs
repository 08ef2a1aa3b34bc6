//! Hostile and unusual zips through the streaming download: every layout writers use,
//! then lies between the local headers, the data descriptors and the central directory
//! (names, methods, flags, sizes, CRCs; entries missing from either side, repeated,
//! reordered, overlapping; bytes where no entry is), consistent lies Go's reader
//! catches (checksums, sizes, corrupt deflate), truncation at every offset, random byte
//! flips, arbitrary bytes, a bomb and zip64 records.
//!
//! Each zip is streamed in every chunking and must give the file-based reference's
//! verdict, or refuse as inconsistent a zip the reference (like Go) would store. With
//! `go` installed, Go's own archive/zip, x/mod/zip and dirhash (built from the
//! toolchain's sources, `zipstream_oracle/main.go`) give the verdict too, and ours must
//! match it in the same way.

use crate::support::oracle::{self, Rng, hex};
use crate::support::{self, Tally};
use crate::zipstream_craft::{Descriptor, Entry, STORE, Zip};
use crate::zipstream_verdict::{Verdict, ZIP, ours, ours_in_every_chunking, reference};
use gomodfetch::module::ModuleVersion;
use gomodfetch::modzip::MAX_ZIP_FILE;
use gomodfetch::zipstream::{self, Extraction, Job};
use proptest::prelude::*;
use serde_json::json;
use std::io::Cursor;
use std::path::{Path, PathBuf};

const ORACLE: &str = include_str!("zipstream_oracle/main.go");

pub(crate) fn module() -> ModuleVersion {
    ModuleVersion::new("example.com/h", "v1.0.0")
}

fn n(rest: &str) -> Vec<u8> {
    format!("example.com/h@v1.0.0/{rest}").into_bytes()
}

/// The module's files, Go-style entries.
fn base() -> Vec<Entry> {
    let big: Vec<u8> = (0..20_000u32)
        .flat_map(|i| format!("line {} of b.go\n", i % 97).into_bytes())
        .take(20_000)
        .collect();
    vec![
        Entry::new(n("go.mod"), "module example.com/h\n"),
        Entry::new(n("a.go"), "package h\n"),
        Entry::new(n("sub/b.go"), big),
        Entry::new(n("empty.txt"), ""),
    ]
}

/// A labelled zip.
pub(crate) struct Case {
    pub label: String,
    pub zip: Vec<u8>,
}

fn case(label: impl Into<String>, z: &Zip) -> Case {
    Case {
        label: label.into(),
        zip: z.build(),
    }
}

/// The layouts writers use, all consistent.
fn layouts() -> Vec<(String, Zip)> {
    let with = |f: &dyn Fn(Entry) -> Entry| Zip::of(base().into_iter().map(f).collect());
    let mut out = vec![
        ("go style".to_string(), Zip::of(base())),
        (
            "deflate, no descriptor".into(),
            with(&|e| e.descriptor(Descriptor::None)),
        ),
        (
            "stored, no descriptor".into(),
            with(&|e| e.stored().descriptor(Descriptor::None)),
        ),
        ("stored with descriptor".into(), with(&|e| e.stored())),
        (
            "descriptor without signature".into(),
            with(&|e| e.descriptor(Descriptor::Unsigned)),
        ),
        (
            "zip64 descriptors and extras".into(),
            with(&|mut e| {
                e.cd_zip64 = true;
                e.descriptor(Descriptor::Zip64)
            }),
        ),
    ];
    let mut z = Zip::of(base());
    z.zip64_end = true;
    out.push(("zip64 end records".into(), z));
    let mut z = Zip::of(base());
    z.comment = b"a comment".to_vec();
    z.trailing = b"trailing bytes after the end record".to_vec();
    out.push(("comment and trailing bytes".into(), z));
    let mut entries = base();
    entries.insert(
        0,
        Entry::new(n(""), "").stored().descriptor(Descriptor::None),
    );
    entries.insert(
        1,
        Entry::new(n("sub/"), "")
            .stored()
            .descriptor(Descriptor::None),
    );
    entries.push(Entry::new(n("dir/"), "")); // deflate + descriptor, as jar writers do
    out.push(("directory entries".into(), Zip::of(entries)));
    out.push(("no entries".into(), Zip::of(Vec::new())));
    let mut mixed = base();
    mixed[0] = mixed[0].clone().stored().descriptor(Descriptor::None);
    mixed[2] = mixed[2].clone().descriptor(Descriptor::Unsigned);
    out.push(("mixed layouts".into(), Zip::of(mixed)));
    out
}

/// Lies and damage applied to the Go-style layout (and a few to others).
pub(crate) fn hostile() -> Vec<Case> {
    let mut out = Vec::new();
    for (label, z) in layouts() {
        out.push(case(label, &z));
    }
    let go = || Zip::of(base());
    let lie = |label: &str, f: &dyn Fn(&mut Zip)| {
        let mut z = go();
        f(&mut z);
        let mut nd = Zip::of(
            base()
                .into_iter()
                .map(|e| e.descriptor(Descriptor::None))
                .collect(),
        );
        f(&mut nd);
        let mut st = Zip::of(base().into_iter().map(|e| e.stored()).collect());
        f(&mut st);
        vec![
            case(label, &z),
            case(format!("{label} (no descriptors)"), &nd),
            case(format!("{label} (stored with descriptors)"), &st),
        ]
    };
    let e = 2; // the large entry
    let mut all: Vec<Vec<Case>> = vec![
        lie("local name differs", &|z| {
            z.entries[e].local_name = Some(n("sub/c.go"))
        }),
        lie("local name invalid", &|z| {
            z.entries[1].local_name = Some(n("../x.go"))
        }),
        lie("central name differs", &|z| {
            z.entries[1].cd_name = Some(n("b.go"))
        }),
        lie("central name outside", &|z| {
            z.entries[1].cd_name = Some(b"x.go".to_vec())
        }),
        lie("local method differs", &|z| {
            z.entries[e].local_method = Some(STORE)
        }),
        lie("central method differs", &|z| {
            z.entries[e].cd_method = Some(STORE)
        }),
        lie("unknown method", &|z| {
            z.entries[1].method = 99;
            z.entries[1].raw = Some(b"package h\n".to_vec());
        }),
        lie("central flags without descriptor bit", &|z| {
            z.entries[e].cd_flags = Some(0)
        }),
        lie("central flags with descriptor bit", &|z| {
            z.entries[e].cd_flags = Some(8)
        }),
        lie("local flags differ", &|z| {
            z.entries[e].local_flags = Some(0x808)
        }),
        lie("central CRC differs", &|z| z.entries[e].cd_crc = Some(1)),
        lie("central sizes: compressed", &|z| {
            let c = z.entries[e].compressed().len() as u64;
            z.entries[e].cd_sizes = Some((c + 1, 20_000));
        }),
        lie("central sizes: uncompressed larger", &|z| {
            let c = z.entries[e].compressed().len() as u64;
            z.entries[e].cd_sizes = Some((c, 20_001));
        }),
        lie("central sizes: uncompressed smaller", &|z| {
            let c = z.entries[e].compressed().len() as u64;
            z.entries[e].cd_sizes = Some((c, 19_999));
        }),
        lie("descriptor CRC differs", &|z| {
            z.entries[e].desc_crc = Some(7)
        }),
        lie("descriptor sizes differ", &|z| {
            let c = z.entries[e].compressed().len() as u64;
            z.entries[e].desc_sizes = Some((c, 19_000));
        }),
        lie("descriptor and central sizes agree, data longer", &|z| {
            let c = z.entries[e].compressed().len() as u64;
            z.entries[e].desc_sizes = Some((c, 100));
            z.entries[e].cd_sizes = Some((c, 100));
            z.entries[e].local_sizes = Some((c, 100));
        }),
        lie("all sizes agree, data shorter", &|z| {
            let c = z.entries[e].compressed().len() as u64;
            z.entries[e].desc_sizes = Some((c, 30_000));
            z.entries[e].cd_sizes = Some((c, 30_000));
            z.entries[e].local_sizes = Some((c, 30_000));
        }),
        lie("all CRCs agree, data differs", &|z| {
            let other = Entry::new(n("x"), "package x\n");
            z.entries[1].raw = Some(other.compressed());
            z.entries[1].data = b"package y\n".to_vec();
            let _ = other;
        }),
        lie("local header CRC nonzero and wrong", &|z| {
            z.entries[e].local_crc = Some(5)
        }),
        lie("local header sizes nonzero and wrong", &|z| {
            z.entries[e].local_sizes = Some((1, 2))
        }),
        lie("entry missing from central directory", &|z| {
            z.cd_order = Some(vec![0, 1, 3])
        }),
        lie("entry listed twice (overlap)", &|z| {
            z.cd_order = Some(vec![0, 1, 2, 3, 1])
        }),
        lie("entries reordered", &|z| {
            z.cd_order = Some(vec![1, 0, 2, 3])
        }),
        lie("central directory empty", &|z| z.cd_order = Some(vec![])),
        lie("bytes before the first entry", &|z| {
            z.prefix = b"#!/bin/sh\nexit 0\n".to_vec()
        }),
        lie("bytes before the first entry, absolute offsets", &|z| {
            z.prefix = b"junk".to_vec();
            z.absolute_offsets = true;
        }),
        lie("bytes between entries", &|z| {
            z.entries[1].gap_after = b"hidden".to_vec()
        }),
        lie("bytes before the central directory", &|z| {
            z.before_cd = b"hidden".to_vec()
        }),
        lie("encrypted flag", &|z| {
            z.entries[1].local_flags = Some(0x9);
            z.entries[1].cd_flags = Some(0x9);
        }),
    ];
    // Corrupt deflate data, with and without descriptors.
    for (label, d) in [
        ("descriptor", Descriptor::Signed),
        ("no descriptor", Descriptor::None),
    ] {
        let mut z = Zip::of(base().into_iter().map(|x| x.descriptor(d)).collect());
        let mut raw = z.entries[e].compressed();
        let mid = raw.len() / 2;
        raw[mid] ^= 0x55;
        z.entries[e].raw = Some(raw);
        all.push(vec![case(format!("corrupt deflate ({label})"), &z)]);
        let mut z = Zip::of(base().into_iter().map(|x| x.descriptor(d)).collect());
        let raw = z.entries[e].compressed();
        z.entries[e].raw = Some(raw[..raw.len() - 3].to_vec());
        all.push(vec![case(format!("deflate cut short ({label})"), &z)]);
        let mut z = Zip::of(base().into_iter().map(|x| x.descriptor(d)).collect());
        let mut raw = z.entries[e].compressed();
        raw.extend_from_slice(b"junk after the deflate stream");
        z.entries[e].raw = Some(raw);
        all.push(vec![case(
            format!("bytes after the deflate stream ({label})"),
            &z,
        )]);
    }
    // Invalid modules that are still stored.
    let mut z = go();
    z.entries.push(Entry::new(n("sub/go.mod"), "module x\n"));
    z.entries.push(Entry::new(n("A.GO"), "package h\n"));
    z.entries.push(Entry::new(n("a.go"), "package dup\n"));
    all.push(vec![case("nested go.mod, collisions, duplicate", &z)]);
    let mut z = go();
    z.entries
        .insert(1, Entry::new(n("a.go"), "first copy, corrupt"));
    z.entries[1].desc_crc = Some(3);
    z.entries[1].cd_crc = Some(3);
    all.push(vec![case(
        "corrupt earlier duplicate (never hashed by Go)",
        &z,
    )]);
    let mut z = go();
    z.entries.push(
        Entry::new(n("d/"), "")
            .stored()
            .descriptor(Descriptor::None),
    );
    z.entries.push(
        Entry::new(n("d/"), "x")
            .stored()
            .descriptor(Descriptor::None),
    );
    z.entries.push(
        Entry::new(n("d/"), "")
            .stored()
            .descriptor(Descriptor::None),
    );
    all.push(vec![case("repeated directory, one with contents", &z)]);
    let mut z = go();
    z.entries.push(Entry::new(n("new\nline.go"), "x"));
    all.push(vec![case("name with a newline", &z)]);
    let mut z = go();
    z.entries.push(Entry::new(b"example.com/h@v1.0.0", "x"));
    all.push(vec![case("entry outside the prefix", &z)]);
    out.extend(all.into_iter().flatten());
    out
}

/// Cuts of a small Go-style zip at every length.
pub(crate) fn truncations() -> Vec<Case> {
    let zip = Zip::of(vec![
        Entry::new(n("go.mod"), "module example.com/h\n"),
        Entry::new(n("a.go"), "package h\n"),
    ])
    .build();
    (0..zip.len())
        .map(|len| Case {
            label: format!("cut at {len} of {}", zip.len()),
            zip: zip[..len].to_vec(),
        })
        .collect()
}

/// Random flips of one to three bytes in each layout.
pub(crate) fn flips() -> Vec<Case> {
    let mut rng = Rng(0x21f5_c0de_b17e_5eed);
    let mut out = Vec::new();
    for (label, z) in layouts() {
        let zip = z.build();
        if zip.is_empty() {
            continue;
        }
        for i in 0..40 {
            let mut bad = zip.clone();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(bad.len());
                bad[at] = rng.next() as u8;
            }
            out.push(Case {
                label: format!("{label}, flips #{i}"),
                zip: bad,
            });
        }
    }
    out
}

/// Our verdict for each case, checked against the reference.
fn check_against_reference(label: &str, cases: &[Case], steps: bool) {
    let m = module();
    let mut tally = Tally::new(label);
    let mut inconsistent = 0;
    for c in cases {
        tally.check(&c.label, || {
            let got = if steps {
                ours_in_every_chunking(&c.zip, &m)?
            } else {
                ours(&c.zip, &m, 0)?
            };
            let want = reference(&c.zip, &m);
            if !want.accepts(&got) {
                return Err(format!("ours: {got}\nreference: {want}"));
            }
            inconsistent += matches!(got, Verdict::Inconsistent(_)) as usize;
            Ok(())
        });
    }
    support::note(
        label,
        &format!("{inconsistent} zips the reference stores refused as inconsistent"),
    );
    tally.finish();
}

#[test]
fn zipstream_hostile_zips() {
    check_against_reference("zipstream: hostile zips vs reference", &hostile(), true);
}

#[test]
fn zipstream_truncated_at_every_offset() {
    check_against_reference("zipstream: truncations vs reference", &truncations(), true);
}

#[test]
fn zipstream_random_flips() {
    check_against_reference("zipstream: random flips vs reference", &flips(), false);
}

#[test]
fn zipstream_hostile_against_go() {
    const TEST: &str = "zipstream_hostile_against_go";
    let Some(go) = support::go(TEST) else {
        return;
    };
    let sb = support::sandbox();
    let xmod = oracle::goroot(&go, &sb)
        .unwrap_or_else(|e| panic!("{e}"))
        .join("src/cmd/vendor/golang.org/x/mod");
    let src = sb.root().join("xmod");
    for pkg in [
        "zip",
        "modfile",
        "module",
        "semver",
        "sumdb/dirhash",
        "internal/lazyregexp",
    ] {
        oracle::copy_package(&xmod.join(pkg), &src.join(pkg)).unwrap_or_else(|e| panic!("{e}"));
    }
    let bin =
        oracle::build(&go, &sb, &src, "zipstreamoracle", ORACLE).unwrap_or_else(|e| panic!("{e}"));

    let m = module();
    let work = tempfile::tempdir().unwrap();
    for (label, cases) in [
        ("zipstream: hostile zips vs go", hostile()),
        ("zipstream: truncations vs go", truncations()),
        ("zipstream: random flips vs go", flips()),
    ] {
        let mut requests = Vec::new();
        let mut files: Vec<(PathBuf, PathBuf)> = Vec::new();
        for (i, c) in cases.iter().enumerate() {
            let base = work.path().join(format!("{}-{i}", label.len()));
            let zip = base.with_extension("zip");
            std::fs::write(&zip, &c.zip).unwrap();
            let dir = base.with_extension("dir");
            requests.push(
                json!({"path": hex(m.path.as_bytes()), "version": m.version, "zip": zip, "dir": dir})
                    .to_string(),
            );
            files.push((zip, dir));
        }
        let answers = oracle::ask(&bin, &requests);
        let mut tally = Tally::new(label);
        let mut refused_go_stores = 0;
        for ((c, go_says), (zip, _)) in cases.iter().zip(&answers).zip(&files) {
            tally.check(&c.label, || {
                let got = ours(&c.zip, &m, 0)?;
                let text = got.to_string();
                let go_says = go_says.replace(&*zip.to_string_lossy(), ZIP);
                if text == go_says {
                    return Ok(());
                }
                if matches!(got, Verdict::Inconsistent(_)) && go_says.starts_with("stored ") {
                    refused_go_stores += 1;
                    return Ok(());
                }
                Err(format!("ours: {text}\ngo:   {go_says}"))
            });
        }
        support::note(
            label,
            &format!("{refused_go_stores} zips go stores refused by us as inconsistent"),
        );
        tally.finish();
    }
}

/// A deflate stream of `n` MiB of zeros, built from one compressed MiB repeated (a
/// full flush leaves each piece byte-aligned and independent).
fn zeros_deflate(mib: u64) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut z = Compress::new(Compression::new(5), false);
    let mut piece = Vec::with_capacity(8 << 10);
    z.compress_vec(&vec![0u8; 1 << 20], &mut piece, FlushCompress::Full)
        .unwrap();
    let mut out = Vec::with_capacity(piece.len() * mib as usize + 2);
    for _ in 0..mib {
        out.extend_from_slice(&piece);
    }
    out.extend_from_slice(&[0x03, 0x00]); // a final, empty block
    out
}

fn zeros_crc(mib: u64) -> u32 {
    let mut c = flate2::Crc::new();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..mib {
        c.update(&zeros);
    }
    c.sum()
}

/// One entry of `mib` MiB of zeros, declared honestly.
fn zeros_entry(name: &str, mib: u64, d: Descriptor) -> Entry {
    let raw = zeros_deflate(mib);
    let (crc, sizes) = (zeros_crc(mib), (raw.len() as u64, mib << 20));
    let mut e = Entry::new(n(name), "").descriptor(d);
    e.raw = Some(raw);
    e.cd_crc = Some(crc);
    e.cd_sizes = Some(sizes);
    e.desc_crc = Some(crc);
    e.desc_sizes = Some(sizes);
    if d == Descriptor::None {
        e.local_crc = Some(crc);
        e.local_sizes = Some(sizes);
    }
    e
}

#[test]
fn zipstream_bomb() {
    let m = module();
    // Lying: 64 MiB of zeros declared as 1000 bytes everywhere; stops at 1001 bytes.
    for d in [Descriptor::None, Descriptor::Signed] {
        let mut e = zeros_entry("bomb.txt", 64, d);
        let c = e.raw.as_ref().unwrap().len() as u64;
        e.cd_sizes = Some((c, 1000));
        e.desc_sizes = Some((c, 1000));
        e.local_sizes = (d == Descriptor::None).then_some((c, 1000));
        let zip = Zip::of(vec![e]).build();
        let got = ours(&zip, &m, usize::MAX).unwrap();
        assert_eq!(got, reference(&zip, &m), "{d:?}");
        assert_eq!(got, Verdict::Refused("zip: not a valid zip file".into()));
    }
    // Honest: 600 MiB of zeros is stored, but not extracted, and no more than the 500
    // MiB a module may hold is ever written.
    for d in [Descriptor::None, Descriptor::Signed] {
        let zip = Zip::of(vec![
            Entry::new(n("go.mod"), "module example.com/h\n"),
            zeros_entry("big.bin", 600, d),
        ])
        .build();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("x");
        let job = Job {
            module: &m,
            extract_to: Some(&dir),
            zip_file: Path::new("/cache/v1.0.0.zip"),
            temp_file: None,
        };
        let out = zipstream::download(&zip[..], &mut Cursor::new(Vec::new()), &job).unwrap();
        let written = std::fs::metadata(dir.join("big.bin")).map_or(0, |m| m.len());
        assert!(written <= MAX_ZIP_FILE, "{d:?}: wrote {written} bytes");
        let Extraction::Failed(e) = out.extraction else {
            panic!("{d:?}: extracted a 600 MiB module");
        };
        assert_eq!(
            e.to_string(),
            "unzip /cache/v1.0.0.zip: total uncompressed size of module contents too large (max size is 524288000 bytes)"
        );
        let Verdict::Stored { h1, .. } = reference(&zip, &m) else {
            panic!("the reference refuses an honest zip");
        };
        assert_eq!(out.h1.to_string(), h1, "{d:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn zipstream_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let m = module();
        let got = ours(&bytes, &m, 0).map_err(TestCaseError::fail)?;
        let want = reference(&bytes, &m);
        prop_assert!(want.accepts(&got), "ours: {got}\nreference: {want}");
    }

    #[test]
    fn zipstream_mutated_zips(
        layout in 0usize..11,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let m = module();
        let (_, z) = layouts().swap_remove(layout % layouts().len());
        let mut zip = z.build();
        if !zip.is_empty() {
            for (at, b) in &edits {
                let i = at.index(zip.len());
                zip[i] = *b;
            }
            if let Some(cut) = cut {
                zip.truncate(cut.index(zip.len() + 1));
            }
        }
        let got = ours(&zip, &m, 0).map_err(TestCaseError::fail)?;
        let want = reference(&zip, &m);
        prop_assert!(want.accepts(&got), "ours: {got}\nreference: {want}");
    }
}

#[test]
fn zipstream_layouts_stream_without_fallback() {
    let m = module();
    let mut tally = Tally::new("zipstream: layouts streamed without falling back");
    for (label, z) in layouts() {
        tally.check(&label, || {
            let fell_back = crate::zipstream_verdict::fell_back(&z.build(), &m);
            // A stored entry with a descriptor has no length until the central directory.
            match (label.contains("stored with descriptor"), fell_back) {
                (false, None) | (true, Some(_)) => Ok(()),
                (_, why) => Err(format!("fallback: {why:?}")),
            }
        });
    }
    tally.finish();
}

#[test]
fn zipstream_zip64_entry_over_4_gib() {
    // As Go's writer lays it out: a data descriptor with 64-bit sizes, zip64 extras in
    // the central directory. 4 GiB + 1 MiB of zeros: stored by Go (its h1 is computed),
    // never extractable.
    let m = module();
    let zip = Zip::of(vec![
        Entry::new(n("go.mod"), "module example.com/h\n"),
        zeros_entry("huge.bin", 4097, Descriptor::Zip64),
    ])
    .build();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("v.zip");
    std::fs::write(&path, &zip).unwrap();
    let want = gomodfetch::dirhash::hash_zip(&path).unwrap();
    let job = Job {
        module: &m,
        extract_to: None,
        zip_file: &path,
        temp_file: None,
    };
    let out = zipstream::download(&zip[..], &mut Cursor::new(Vec::new()), &job).unwrap();
    assert_eq!(out.h1, want);
    assert!(
        out.fallback.is_some(),
        "more than a module holds is hashed from the file"
    );
}

/// A proptest find: a central-directory offset far past the end of the file. Go's
/// `ReadAt` reads nothing there (`EOF`); our file reader used to seek, which the file
/// system refuses (`Invalid argument`).
#[test]
fn zipstream_header_offset_beyond_any_file_size() {
    let m = module();
    let (_, z) = layouts().swap_remove(5);
    let mut zip = z.build();
    let at = ((13_778_645_993_894_672_729u128 * zip.len() as u128) >> 64) as usize;
    zip[at] = 16;
    let got = ours(&zip, &m, 0).expect("ours");
    let want = reference(&zip, &m);
    assert_eq!(want, Verdict::Refused("EOF".into()), "reference");
    assert!(want.accepts(&got), "ours: {got}\nreference: {want}");
}
