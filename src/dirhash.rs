//! The `h1:` hash of a set of named files (`golang.org/x/mod/sumdb/dirhash`): what
//! go.sum lines, `.ziphash` files and the checksum database record.
//!
//! `h1` is SHA-256 over a summary with one line per file, in byte-wise order of the
//! names: the lower-case hex SHA-256 of the contents, two spaces, the name, a newline;
//! the result is `h1:` and the standard (padded) base64 of that digest. Names with a
//! newline are refused. Three flavours are used:
//!
//! * [`hash_zip`]: every entry name of a zip, as stored (prefix, directory entries and
//!   duplicates included; a duplicated name is hashed twice with the contents of its
//!   last entry, as Go's map-based lookup does);
//! * [`hash_go_mod`]: the single name `go.mod` over a `.mod` file's bytes;
//! * [`hash_dir`]: the files found by walking a directory, named `prefix/<rel>`.
//!
//! Contents always stream through SHA-256; nothing is read whole.

use crate::modzip::reader::{ZipError, ZipReader};
use crate::modzip::{FileKind, GoFile, WalkStep, bytes_path, os_err, path_bytes, slashpath, walk};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::{self, BufReader, Read, Seek};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A well-formed `h1:` hash: `h1:` and the padded base64 of a SHA-256 digest (47
/// characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct H1(String);

/// A string that is not a well-formed `h1:` hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed h1 hash {}", crate::gostr::quote(.0))]
pub struct InvalidH1(pub String);

impl H1 {
    /// The hash of a SHA-256 digest.
    pub fn from_digest(digest: [u8; 32]) -> H1 {
        H1(format!("h1:{}", STANDARD.encode(digest)))
    }

    /// Validates `s` as an `h1:` hash.
    pub fn parse(s: &str) -> Result<H1, InvalidH1> {
        let valid = s.len() == 47
            && s.strip_prefix("h1:")
                .and_then(|b64| STANDARD.decode(b64).ok())
                .is_some_and(|d| d.len() == 32);
        if valid {
            Ok(H1(s.to_string()))
        } else {
            Err(InvalidH1(s.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SHA-256 digest the hash encodes.
    pub fn digest(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        // Validated at construction; a failure here cannot happen, and would leave zeros.
        if let Ok(d) = STANDARD.decode(&self.0[3..])
            && d.len() == 32
        {
            out.copy_from_slice(&d);
        }
        out
    }
}

impl fmt::Display for H1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for H1 {
    type Err = InvalidH1;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        H1::parse(s)
    }
}

impl AsRef<str> for H1 {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for H1 {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for H1 {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// Why a hash could not be computed; `Display` is Go's text.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("dirhash: filenames with newlines are not supported")]
    NewlineInName { name: Vec<u8> },
    /// `DirFiles` was given something that is not a directory.
    #[error("{} is not a directory", .dir.display())]
    NotADirectory { dir: PathBuf },
    /// Opening or reading a file failed (OS errors worded as Go's).
    #[error("{0}")]
    Io(#[from] io::Error),
    /// Reading the zip failed.
    #[error("{0}")]
    Zip(#[from] ZipError),
}

/// SHA-256 of everything `r` yields.
fn sha256_of(mut r: impl Read) -> io::Result<[u8; 32]> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(h.finalize().into()),
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The core of `Hash1`: sorts `names`, refuses newlines, and asks `digest_of` for the
/// contents' SHA-256 of each name in order (so errors surface in Go's order).
fn hash1_with(
    names: impl IntoIterator<Item = impl AsRef<[u8]>>,
    mut digest_of: impl FnMut(&[u8]) -> Result<[u8; 32], Error>,
) -> Result<H1, Error> {
    let mut names: Vec<_> = names.into_iter().collect();
    names.sort_by(|a, b| a.as_ref().cmp(b.as_ref()));
    let mut summary = Sha256::new();
    for name in &names {
        let name = name.as_ref();
        if name.contains(&b'\n') {
            return Err(Error::NewlineInName {
                name: name.to_vec(),
            });
        }
        let digest = digest_of(name)?;
        let mut line = Vec::with_capacity(64 + 3 + name.len());
        for b in digest {
            line.extend_from_slice(format!("{b:02x}").as_bytes());
        }
        line.extend_from_slice(b"  ");
        line.extend_from_slice(name);
        line.push(b'\n');
        summary.update(&line);
    }
    Ok(H1::from_digest(summary.finalize().into()))
}

/// `Hash1`: the `h1` of the files `names`, whose contents `open` provides.
pub fn hash1<R: Read>(
    names: impl IntoIterator<Item = impl AsRef<[u8]>>,
    mut open: impl FnMut(&[u8]) -> io::Result<R>,
) -> Result<H1, Error> {
    hash1_with(names, |name| Ok(sha256_of(open(name)?)?))
}

/// `h1` from names and the SHA-256 of their contents, for callers that hashed contents
/// as they streamed by. A name listed twice must carry the same digest both times.
pub fn hash1_digests(
    files: impl IntoIterator<Item = (impl AsRef<[u8]>, [u8; 32])>,
) -> Result<H1, Error> {
    let files: Vec<_> = files.into_iter().collect();
    let by_name: HashMap<&[u8], [u8; 32]> = files.iter().map(|(n, d)| (n.as_ref(), *d)).collect();
    hash1_with(files.iter().map(|(n, _)| n.as_ref()), |name| {
        Ok(by_name.get(name).copied().unwrap_or_default())
    })
}

/// The `h1` of a go.mod file (go.sum's `<path> <version>/go.mod` line).
pub fn hash_go_mod(data: &[u8]) -> H1 {
    let content: [u8; 32] = Sha256::digest(data).into();
    let mut line = Vec::with_capacity(80);
    for b in content {
        line.extend_from_slice(format!("{b:02x}").as_bytes());
    }
    line.extend_from_slice(b"  go.mod\n");
    H1::from_digest(Sha256::digest(&line).into())
}

/// `DirFiles`: every non-directory below `dir` (symbolic links and other irregular
/// files included, as Go lists them), named `prefix` joined with the slash-separated
/// path relative to `dir`, in walk order. Fails when `dir` is not a directory.
pub fn dir_files(dir: &Path, prefix: &str) -> Result<Vec<Vec<u8>>, Error> {
    Ok(dir_files_with_paths(dir, prefix)?
        .into_iter()
        .map(|(name, _)| name)
        .collect())
}

/// A listed file: its hashed name and its path on disk (Go's bytes).
type Listed = (Vec<u8>, Vec<u8>);

fn dir_files_with_paths(dir: &Path, prefix: &str) -> Result<Vec<Listed>, Error> {
    let root = slashpath::clean(&path_bytes(dir));
    let mut files = Vec::new();
    let mut not_dir = false;
    walk(&root, &mut |e| {
        if e.info.kind == FileKind::Dir {
            return Ok(WalkStep::Continue);
        }
        if e.is_root() {
            not_dir = true;
            return Err(io::Error::other("not a directory"));
        }
        let name = slashpath::join(&[prefix.as_bytes(), e.rel]);
        files.push((name, e.path.to_vec()));
        Ok(WalkStep::Continue)
    })
    .map_err(|e| {
        if not_dir {
            Error::NotADirectory {
                dir: bytes_path(&root),
            }
        } else {
            Error::Io(e)
        }
    })?;
    Ok(files)
}

/// `HashDir`: the `h1` of the files below `dir`, named `prefix` joined with their
/// path relative to `dir` (for a module: `<path>@<version>`).
pub fn hash_dir(dir: &Path, prefix: &str) -> Result<H1, Error> {
    Ok(hash_dir_counted(dir, prefix)?.h1)
}

/// [`hash_dir`], also counting the bytes hashed.
pub fn hash_dir_counted(dir: &Path, prefix: &str) -> Result<Hashed, Error> {
    let files = dir_files_with_paths(dir, prefix)?;
    let paths: HashMap<&[u8], &[u8]> = files
        .iter()
        .map(|(n, p)| (n.as_slice(), p.as_slice()))
        .collect();
    let mut content_bytes = 0u64;
    let h1 = hash1_with(files.iter().map(|(n, _)| n), |name| {
        let f = GoFile::open(&bytes_path(paths.get(name).copied().unwrap_or_default()))?;
        let mut counted = Counted { r: f, n: 0 };
        let d = sha256_of(&mut counted)?;
        content_bytes += counted.n;
        Ok(d)
    })?;
    Ok(Hashed { h1, content_bytes })
}

/// A reader that counts what passes through it.
struct Counted<R> {
    r: R,
    n: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.r.read(buf)?;
        self.n += n as u64;
        Ok(n)
    }
}

/// `HashZip`: the `h1` of the entries of the zip file at `zip_file`.
pub fn hash_zip(zip_file: &Path) -> Result<H1, Error> {
    let f = fs::File::open(zip_file).map_err(|e| os_err("open", zip_file, e))?;
    let size = f.metadata().map_err(|e| os_err("stat", zip_file, e))?.len();
    Ok(hash_zip_entries(BufReader::new(f), size)?.h1)
}

/// [`hash_zip`] of a zip of `size` bytes read from `r` (for example bytes already
/// mapped into memory, so that what is hashed is exactly what is used next).
pub fn hash_zip_reader<R: Read + Seek>(r: R, size: u64) -> Result<H1, Error> {
    Ok(hash_zip_entries(r, size)?.h1)
}

/// What [`hash_zip_mapped`] or [`hash_dir_counted`] computed: the hash and how many
/// bytes of contents went through SHA-256 (each file or entry counted once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashed {
    pub h1: H1,
    pub content_bytes: u64,
}

/// `HashZip` over a read-only mapping of the file: no read calls and no buffer the
/// size of the zip; each entry inflates from the mapping into a small window that
/// SHA-256 consumes, once per entry (a name listed twice is hashed once, with its
/// last entry's contents, as Go's lookup by name resolves it). Errors are
/// [`hash_zip`]'s, in the same order (by sorted name).
///
/// The mapping is safe as long as nobody truncates the file while it is hashed: the
/// module cache only ever replaces zips by renaming a new file over the name (Go's
/// and our writers both), which leaves the mapped inode intact.
pub fn hash_zip_mapped(zip_file: &Path) -> Result<Hashed, Error> {
    let f = fs::File::open(zip_file).map_err(|e| os_err("open", zip_file, e))?;
    let size = f.metadata().map_err(|e| os_err("stat", zip_file, e))?.len();
    if size == 0 {
        // An empty file cannot be mapped; it is not a zip either way.
        return hash_zip_entries(io::Cursor::new(&[][..]), 0);
    }
    // SAFETY: the mapping is read-only and private to this call; see the doc comment
    // for why the file does not shrink underneath it.
    let map = unsafe { memmap2::Mmap::map(&f) }.map_err(|e| os_err("mmap", zip_file, e))?;
    hash_zip_entries(io::Cursor::new(&map[..]), size)
}

/// The core of `HashZip`: every entry name as stored, the contents of the last entry
/// of each name, each entry inflated and hashed once.
fn hash_zip_entries<R: Read + io::Seek>(r: R, size: u64) -> Result<Hashed, Error> {
    let mut z = ZipReader::new(r, size)?;
    let names: Vec<Vec<u8>> = z.entries().iter().map(|e| e.name.clone()).collect();
    // Go keeps the last entry of each name.
    let last: HashMap<&[u8], usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_slice(), i))
        .collect();
    let mut done: HashMap<usize, [u8; 32]> = HashMap::new();
    let mut content_bytes = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    let h1 = hash1_with(&names, |name| {
        let index = last.get(name).copied().unwrap_or_default();
        if let Some(d) = done.get(&index) {
            return Ok(*d);
        }
        let mut r = z.open(index)?;
        let mut h = Sha256::new();
        loop {
            let n = r.read_some(&mut buf)?;
            if n == 0 {
                break;
            }
            content_bytes += n as u64;
            h.update(&buf[..n]);
        }
        let d: [u8; 32] = h.finalize().into();
        done.insert(index, d);
        Ok(d)
    })?;
    Ok(Hashed { h1, content_bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_mod_hash() {
        // The go.sum line of rsc.io/quote v1.5.2/go.mod.
        let h = hash_go_mod(b"module \"rsc.io/quote\"\n\nrequire \"rsc.io/sampler\" v1.3.0\n");
        assert_eq!(h, "h1:LzX7hefJvL54yjefDEDHNONDjII0t9xZLPXsUe+TKr0=");
        assert_eq!(
            hash_go_mod(b""),
            "h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY="
        );
    }

    #[test]
    fn h1_parse() {
        let s = "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
        let h = H1::parse(s).unwrap();
        assert_eq!(H1::from_digest(h.digest()), h);
        for bad in [
            "",
            "h1:",
            "h1:wrong",
            "h2:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=",
        ] {
            assert!(H1::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn verify_mapped_zip_hash_agrees_and_counts_each_entry_once() {
        use crate::modzip::writer::ZipWriter;
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("m.zip");
        let mut w = ZipWriter::new(fs::File::create(&zip).unwrap());
        // "b" twice: Go hashes the name twice, with the last entry's contents.
        for (name, data) in [
            ("m@v1/b", "first"),
            ("m@v1/a", "alpha"),
            ("m@v1/b", "second"),
        ] {
            w.start_file(name.as_bytes()).unwrap();
            w.write_all(data.as_bytes()).unwrap();
        }
        w.finish().unwrap();
        let mapped = hash_zip_mapped(&zip).unwrap();
        assert_eq!(mapped.h1, hash_zip(&zip).unwrap());
        let want = hash1_digests([
            ("m@v1/a", <[u8; 32]>::from(Sha256::digest(b"alpha"))),
            ("m@v1/b", Sha256::digest(b"second").into()),
            ("m@v1/b", Sha256::digest(b"second").into()),
        ])
        .unwrap();
        assert_eq!(mapped.h1, want);
        assert_eq!(mapped.content_bytes, 5 + 6);

        let empty = dir.path().join("empty.zip");
        fs::write(&empty, b"").unwrap();
        assert_eq!(
            hash_zip_mapped(&empty).unwrap_err().to_string(),
            hash_zip(&empty).unwrap_err().to_string()
        );
        let missing = dir.path().join("missing.zip");
        assert_eq!(
            hash_zip_mapped(&missing).unwrap_err().to_string(),
            format!("open {}: no such file or directory", missing.display())
        );
    }

    #[test]
    fn newline_refused() {
        let err = hash1([&b"a\nb"[..]], |_| Ok(&b""[..])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "dirhash: filenames with newlines are not supported"
        );
    }

    #[test]
    fn digests_agree_with_contents() {
        let files = [("b", &b"2"[..]), ("a", &b"1"[..])];
        let h = hash1(files.iter().map(|f| f.0), |n| {
            Ok(files.iter().find(|f| f.0.as_bytes() == n).unwrap().1)
        })
        .unwrap();
        let d = hash1_digests(
            files
                .iter()
                .map(|(n, c)| (n.as_bytes(), <[u8; 32]>::from(Sha256::digest(c)))),
        )
        .unwrap();
        assert_eq!(h, d);
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn hash1_ignores_order(
            files in proptest::collection::btree_map(
                proptest::collection::vec(any::<u8>(), 0..8),
                proptest::collection::vec(any::<u8>(), 0..16),
                0..8,
            ),
            seed in any::<u64>(),
        ) {
            let files: Vec<(Vec<u8>, Vec<u8>)> = files.into_iter().collect();
            let mut shuffled = files.clone();
            // A deterministic shuffle from the seed.
            let mut s = seed;
            for i in (1..shuffled.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
            let hash = |list: &[(Vec<u8>, Vec<u8>)]| {
                hash1(list.iter().map(|f| &f.0), |name| {
                    Ok(files.iter().find(|f| f.0 == name).map(|f| f.1.as_slice()).unwrap_or_default())
                })
                .map_err(|e| e.to_string())
            };
            prop_assert_eq!(hash(&files), hash(&shuffled));
        }
    }
}
