//! The streaming download against the file-based reference (`dirhash::hash_zip`,
//! `modzip::unzip`) on every well-formed zip the conformance fixtures describe: x/mod's
//! `zip/unzip` archives (entries verbatim) and `zip/create` archives (zipped by
//! `modzip::create`), and every module zip of Go's test proxy (`proxy_modules`). Each
//! zip is streamed whole, byte by byte and in odd-sized reads; every reading must give
//! the reference's `h1`, extracted tree and error text. The fixture's own expectation
//! (`hash` / `wantErr`) is checked against `from_file` for unzip archives (x/mod runs
//! `Unzip` on them, without `go`'s download-time prefix check) and against the streamed
//! `h1` for created zips. None of these zips may be refused
//! as inconsistent: they are laid out as Go lays zips out.

use crate::support::{self, Tally};
use crate::zip_conformance::{ZipTest, archives, plain_zip, read_test};
use crate::zipstream_verdict::{Verdict, fell_back, ours_in_every_chunking, reference};
use gomodfetch::dirhash;
use gomodfetch::module::ModuleVersion;
use gomodfetch::modzip::{self, DataFile};
use gomodfetch::testkit::universe::Universe;
use gomodfetch::zipstream::{self, Extraction, Job};

/// The module of a test, or `None` for a path that is not UTF-8 (decided at the API
/// boundary; `zip_conformance` checks that case).
fn module_of(t: &ZipTest) -> Option<ModuleVersion> {
    let path = std::str::from_utf8(&t.path).ok()?;
    Some(ModuleVersion::new(path, t.version.clone()))
}

/// Streams `zip`, which must give exactly the reference's verdict, without falling
/// back to the central directory.
fn same_as_reference(zip: &[u8], m: &ModuleVersion) -> Result<Verdict, String> {
    let want = reference(zip, m);
    let got = ours_in_every_chunking(zip, m)?;
    if got != want {
        return Err(format!("streamed: {got}\nreference: {want}"));
    }
    if let Some(why) = fell_back(zip, m) {
        return Err(format!("the streamer gave up on a well-formed zip: {why}"));
    }
    Ok(got)
}

/// The fixture's expectation: `hash`, or an error containing `wantErr`.
fn expect(t: &ZipTest, got: Result<String, String>) -> Result<(), String> {
    match (t.want_err.is_empty(), &got) {
        (true, Ok(h)) if *h == t.hash => Ok(()),
        (false, Err(e)) if e.contains(&t.want_err) => Ok(()),
        _ => Err(format!(
            "got {got:?}; want hash {:?} / error containing {:?}",
            t.hash, t.want_err
        )),
    }
}

/// `zipstream::from_file` on `zip`, extracting (Go's `Unzip` on a cached zip): its
/// hash must be the reference's, and its extraction is returned as the `h1` of the
/// tree or the error text.
fn from_file(zip: &[u8], m: &ModuleVersion) -> Result<Result<String, String>, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let zip_file = tmp.path().join("v.zip");
    std::fs::write(&zip_file, zip).map_err(|e| e.to_string())?;
    let dir = tmp.path().join("extracted");
    let out = zipstream::from_file(&Job {
        module: m,
        extract_to: Some(&dir),
        zip_file: &zip_file,
        temp_file: None,
    });
    let want_h1 = dirhash::hash_zip(&zip_file)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string());
    let got_h1 = out.h1.map(|h| h.to_string()).map_err(|e| e.to_string());
    if got_h1 != want_h1 {
        return Err(format!("from_file h1 {got_h1:?}, hash_zip {want_h1:?}"));
    }
    Ok(match out.extraction {
        Extraction::Complete => dirhash::hash_dir(&dir, &format!("{}@{}", m.path, m.version))
            .map(|h| h.to_string())
            .map_err(|e| format!("hashing the tree: {e}")),
        Extraction::Failed(e) => Err(e.to_string()),
        Extraction::Skipped => return Err("extraction skipped".into()),
    })
}

#[test]
fn zipstream_conformance_unzip() {
    let mut tally = Tally::new("zipstream: zip/unzip streamed");
    for file in archives("zipstream_conformance_unzip", "zip/unzip") {
        let t = read_test(&file);
        let Some(m) = module_of(&t) else {
            continue;
        };
        tally.check(&t.name, || {
            let zip = plain_zip(
                t.archive
                    .files
                    .iter()
                    .map(|f| (f.name.as_slice(), f.data.as_slice())),
            );
            same_as_reference(&zip, &m)?;
            // Go's tests run Unzip on the zip: that is from_file's extraction.
            expect(&t, from_file(&zip, &m)?)
        });
    }
    tally.finish();
}

#[test]
fn zipstream_conformance_create() {
    let mut tally = Tally::new("zipstream: zip/create streamed");
    for file in archives("zipstream_conformance_create", "zip/create") {
        let t = read_test(&file);
        let Some(m) = module_of(&t) else {
            continue;
        };
        tally.check(&t.name, || {
            let files: Vec<DataFile> = t
                .archive
                .files
                .iter()
                .map(|f| DataFile {
                    path: f.name.clone(),
                    data: f.data.clone(),
                })
                .collect();
            // A file list create refuses gives no zip to stream.
            let Ok(zip) = modzip::create(Vec::new(), &m, &files) else {
                return Ok(());
            };
            match same_as_reference(&zip, &m)? {
                Verdict::Stored { h1, .. } => expect(&t, Ok(h1)),
                v => Err(format!("a zip made by create was not stored: {v}")),
            }
        });
    }
    tally.finish();
}

#[test]
fn zipstream_conformance_proxy_modules() {
    const TEST: &str = "zipstream_conformance_proxy_modules";
    let Some(dir) = support::conformance(TEST, "proxy_modules") else {
        return;
    };
    let universe = Universe::from_txtar_dir(&dir).expect("loading proxy_modules");
    let mut tally = Tally::new("zipstream: proxy_modules zips streamed");
    for sm in universe.modules() {
        let Some(zip) = sm.zip() else {
            continue;
        };
        let m = ModuleVersion::new(sm.path(), sm.version());
        tally.check(&m, || same_as_reference(zip, &m).map(|_| ()));
    }
    tally.finish();
}
