//! The records of the test checksum database: the two go.sum lines of one module
//! version, computed as Go's test proxy computes them (`proxyGoSum` in
//! `cmd/go/proxy_test.go`), and the deliberately wrong variants the tamper modes serve.
//!
//! For a module held in memory (txtar archive or builder package) the first line hashes
//! the module's files whose names do not start with `.`, each named
//! `<path>@<version>/<name>` exactly as the source wrote the name (so a `/`-prefixed
//! txtar name yields `<path>@<version>//<name>`, and that hash differs from the served
//! zip's); the second hashes a single file `go.mod` holding the `.mod` bytes, or nothing
//! when there is no `.mod`. A module served by another source (a GOPROXY-layout tree) has
//! no file list, so its first line is the `h1` of the zip it serves, as a real checksum
//! database would record it. Hashing is [`crate::dirhash`]'s.

use crate::dirhash::{self, H1};
use crate::testkit::universe::{Endpoint, StoredModule, Universe};
use std::collections::HashMap;
use std::io::{self, Write as _};

/// Which go.sum line of a record a tamper mode spoils.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SumLine {
    /// `<path> <version> h1:…`, the hash of the module's files (checked when the zip
    /// is downloaded).
    #[default]
    Zip,
    /// `<path> <version>/go.mod h1:…` (checked when the `.mod` is downloaded).
    GoMod,
    /// Both lines.
    Both,
}

/// One record: a module version and its two hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumRecord {
    pub path: String,
    pub version: String,
    /// The hash on the first line (`h1:…`; `h1:wrong` in the wrong database).
    pub zip_hash: String,
    /// The hash on the `/go.mod` line.
    pub gomod_hash: String,
}

/// Why a record could not be computed (the server answers 500 with this text, as Go's
/// test server answers its `gosum` function's error).
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("{0}")]
    Hash(#[from] dirhash::Error),
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl SumRecord {
    /// The record's lookup key, `<path>@<version>` (Go's `module.Version.String`).
    pub fn key(&self) -> String {
        format!("{}@{}", self.path, self.version)
    }

    /// The record text: the two go.sum lines, each ending in `\n`.
    pub fn text(&self) -> Vec<u8> {
        let (p, v) = (&self.path, &self.version);
        format!(
            "{p} {v} {}\n{p} {v}/go.mod {}\n",
            self.zip_hash, self.gomod_hash
        )
        .into_bytes()
    }

    /// The record of Go's `sumdb-wrong` database: `h1:wrong` on both lines.
    pub fn wrong(path: &str, version: &str) -> SumRecord {
        SumRecord {
            path: path.to_string(),
            version: version.to_string(),
            zip_hash: "h1:wrong".into(),
            gomod_hash: "h1:wrong".into(),
        }
    }

    /// The same record with `line` replaced by a well-formed but different hash, so
    /// that a client's lookup succeeds and the comparison with the download fails.
    pub fn spoiled(&self, line: SumLine) -> SumRecord {
        let mut r = self.clone();
        if matches!(line, SumLine::Zip | SumLine::Both) {
            r.zip_hash = other_hash(&r.zip_hash);
        }
        if matches!(line, SumLine::GoMod | SumLine::Both) {
            r.gomod_hash = other_hash(&r.gomod_hash);
        }
        r
    }
}

/// A well-formed `h1` that differs from `h`: its digest with every bit of the first
/// byte flipped (the SHA-256 of `h` when `h` is not well formed).
fn other_hash(h: &str) -> String {
    let mut digest = match H1::parse(h) {
        Ok(h1) => h1.digest(),
        Err(_) => {
            use sha2::Digest as _;
            sha2::Sha256::digest(h.as_bytes()).into()
        }
    };
    digest[0] ^= 0xff;
    H1::from_digest(digest).as_str().to_string()
}

/// The record of an in-memory module version (Go's `proxyGoSum`).
pub fn module_record(m: &StoredModule) -> Result<SumRecord, RecordError> {
    let prefix = format!("{}@{}/", m.path(), m.version());
    let mut names: Vec<Vec<u8>> = Vec::new();
    // Go looks contents up by name in a map, so a repeated name hashes its last
    // contents each time it is listed.
    let mut contents: HashMap<Vec<u8>, &[u8]> = HashMap::new();
    for (name, data) in m.files() {
        if name.starts_with(b".") {
            continue;
        }
        let mut full = prefix.clone().into_bytes();
        full.extend_from_slice(name);
        contents.insert(full.clone(), data);
        names.push(full);
    }
    let zip = dirhash::hash1(&names, |name| {
        Ok(io::Cursor::new(
            contents.get(name).copied().unwrap_or_default(),
        ))
    })?;
    let gomod = dirhash::hash_go_mod(m.gomod().map_or(&[][..], |b| b.as_ref()));
    Ok(SumRecord {
        path: m.path().to_string(),
        version: m.version().to_string(),
        zip_hash: zip.as_str().to_string(),
        gomod_hash: gomod.as_str().to_string(),
    })
}

/// The record for `path@version` from whatever `universe` serves: the in-memory
/// module's [`module_record`], else the `h1` of the zip another source serves (with its
/// `.mod`, or nothing). `Ok(None)` when the universe does not have the version.
pub fn universe_record(
    universe: &Universe,
    path: &str,
    version: &str,
) -> Result<Option<SumRecord>, RecordError> {
    if let Some(m) = universe.module(path, version) {
        return module_record(&m).map(Some);
    }
    let Some(zip) = universe.get(path, &Endpoint::Zip(version.to_string()))? else {
        return Ok(None);
    };
    let gomod = universe
        .get(path, &Endpoint::Mod(version.to_string()))?
        .unwrap_or_default();
    // dirhash reads zips from files (the only way go hashes them too).
    let mut tmp = tempfile::NamedTempFile::new()?;
    tmp.write_all(&zip)?;
    tmp.flush()?;
    let zip_hash = dirhash::hash_zip(tmp.path())?;
    Ok(Some(SumRecord {
        path: path.to_string(),
        version: version.to_string(),
        zip_hash: zip_hash.as_str().to_string(),
        gomod_hash: dirhash::hash_go_mod(&gomod).as_str().to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::universe::Package;

    #[test]
    fn record_text_is_two_go_sum_lines() {
        let r = SumRecord {
            path: "example.com/m".into(),
            version: "v1.0.0".into(),
            zip_hash: "h1:A".into(),
            gomod_hash: "h1:B".into(),
        };
        assert_eq!(
            r.text(),
            b"example.com/m v1.0.0 h1:A\nexample.com/m v1.0.0/go.mod h1:B\n"
        );
        assert_eq!(r.key(), "example.com/m@v1.0.0");
        assert_eq!(
            SumRecord::wrong("x.y/z", "v1.2.3").text(),
            b"x.y/z v1.2.3 h1:wrong\nx.y/z v1.2.3/go.mod h1:wrong\n"
        );
    }

    #[test]
    fn builder_module_record_matches_its_zip_and_mod() {
        let u = Universe::new();
        let m = Package::new("example.com/m", "v1.0.0")
            .file("m.go", "package m\n")
            .publish(&u);
        let r = module_record(&m).unwrap();
        // Without dot files or raw entries the record's first hash is the zip's.
        let names: Vec<&[u8]> = m.zip_entries().iter().map(|(n, _)| n.as_slice()).collect();
        let by_name: HashMap<&[u8], &[u8]> = m
            .zip_entries()
            .iter()
            .map(|(n, d)| (n.as_slice(), d.as_ref()))
            .collect();
        let zip_h1 = dirhash::hash1(&names, |n| Ok(io::Cursor::new(by_name[n]))).unwrap();
        assert_eq!(r.zip_hash, zip_h1.as_str());
        assert_eq!(
            r.gomod_hash,
            dirhash::hash_go_mod(b"module example.com/m\n").as_str()
        );
        // Through the universe, and from the served zip for the same bytes.
        let via = universe_record(&u, "example.com/m", "v1.0.0")
            .unwrap()
            .unwrap();
        assert_eq!(via, r);
        assert!(
            universe_record(&u, "example.com/m", "v9.0.0")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn dot_files_are_left_out_and_missing_mod_hashes_empty() {
        let u = Universe::new();
        let with = Package::new("example.com/d", "v1.0.0")
            .file(".hidden", "x")
            .file("a.go", "package a\n")
            .no_mod()
            .publish(&u);
        let without = Package::new("example.com/d", "v1.0.1")
            .file("a.go", "package a\n")
            .publish(&u);
        let (rw, ro) = (
            module_record(&with).unwrap(),
            module_record(&without).unwrap(),
        );
        assert_eq!(rw.gomod_hash, dirhash::hash_go_mod(b"").as_str());
        // Same files apart from the dot file, different versions: compare the hashes of
        // the visible names directly.
        let names = ["example.com/d@v1.0.0/go.mod", "example.com/d@v1.0.0/a.go"];
        let data: HashMap<&[u8], &[u8]> = [
            (names[0].as_bytes(), &b"module example.com/d\n"[..]),
            (names[1].as_bytes(), &b"package a\n"[..]),
        ]
        .into_iter()
        .collect();
        let want = dirhash::hash1(names, |n| Ok(io::Cursor::new(data[n]))).unwrap();
        assert_eq!(rw.zip_hash, want.as_str());
        assert_ne!(rw.zip_hash, ro.zip_hash);
    }

    #[test]
    fn spoiled_records_differ_on_the_chosen_lines_only() {
        let r = SumRecord {
            path: "example.com/m".into(),
            version: "v1.0.0".into(),
            zip_hash: dirhash::hash_go_mod(b"a").as_str().into(),
            gomod_hash: dirhash::hash_go_mod(b"b").as_str().into(),
        };
        let z = r.spoiled(SumLine::Zip);
        assert_ne!(z.zip_hash, r.zip_hash);
        assert_eq!(z.gomod_hash, r.gomod_hash);
        assert!(H1::parse(&z.zip_hash).is_ok());
        let g = r.spoiled(SumLine::GoMod);
        assert_eq!(g.zip_hash, r.zip_hash);
        assert_ne!(g.gomod_hash, r.gomod_hash);
        let b = r.spoiled(SumLine::Both);
        assert_ne!(b.zip_hash, r.zip_hash);
        assert_ne!(b.gomod_hash, r.gomod_hash);
        let w = SumRecord::wrong("a.b/c", "v1.0.0").spoiled(SumLine::Both);
        assert!(H1::parse(&w.zip_hash).is_ok());
    }
}
