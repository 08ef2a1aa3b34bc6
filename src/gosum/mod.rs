//! go.sum and go.work.sum files, as `cmd/go/internal/modfetch` (fetch.go) reads, checks
//! and rewrites them.
//!
//! This module is pure: bytes in, values and bytes out. Reading the file under its lock
//! and writing it back with `lockedfile.Transform` belong to the store layer.
//!
//! # What it guarantees
//!
//! * [`GoSum::parse`] accepts exactly what Go's `readGoSum` accepts: lines split on `\n`
//!   (a last line without one counts), fields split on Unicode white space, blank lines
//!   skipped, every other line exactly three fields (else [`Error::Malformed`], Go's
//!   message naming file and line). Lines whose hash is [`EMPTY_GO_MOD_HASH`] are dropped,
//!   as Go drops them (an old bug wrote them for non-modules). Nothing else is checked:
//!   Go carries unknown hash algorithms and odd paths through untouched, and so do we —
//!   even bytes that are not UTF-8, which is why keys and hashes are held as bytes.
//! * A key is a module path plus a version that may end in `/go.mod` (the sum of the
//!   go.mod file alone). Its hashes keep file order, duplicates included, because the
//!   verification and warning messages depend on that order.
//! * [`GoSum::write`] produces Go's `tidyGoSum` bytes: keys ordered as `module.Sort`
//!   orders them (path bytes, then the version before any `/` by semver precedence, then
//!   the `/go.mod` suffix after the bare version), each key's hashes sorted and
//!   de-duplicated, one `<path> <version> <hash>\n` line each, and keys that a workspace
//!   module's go.sum already holds left out (the go.work.sum rule). Go sorts with an
//!   unstable sort, so for two versions with equal precedence (differing only in build
//!   metadata, or both invalid) its order is whatever its map iteration gave; we break
//!   that tie by byte order, which is one of the orders Go can produce and makes ours
//!   deterministic.
//! * [`SumState`] is the bookkeeping of one `go` run around those files (`checkModSum`,
//!   `WriteGoSum`, `tidyGoSum`): which sums were checked, which were added, whether a
//!   write is needed, and the bytes to write.
//!
//! Nothing here panics on any input.

mod state;

pub use state::{Checked, SumState, Tidied, UnknownHashesWarning};

use crate::module::ModuleVersion;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

/// The h1 hash of a tree holding one empty go.mod. Go once wrote it into go.sum files
/// for non-modules; every reader drops such lines.
pub const EMPTY_GO_MOD_HASH: &str = "h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY=";

/// The text Go appends to a go.sum checksum mismatch.
const GO_SUM_MISMATCH: &str = "

SECURITY ERROR
This download does NOT match an earlier download recorded in go.sum.
The bits may have been replaced on the origin server, or an attacker may
have intercepted the download attempt.

For more information, see 'go help module-auth'.
";

/// Errors reading or checking go.sum. `Display` is Go's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A line without exactly three fields. Go prints this with `base.Fatalf`, so the
    /// message keeps its trailing newline.
    #[error("malformed go.sum:\n{file}:{line}: wrong number of fields {fields}\n")]
    Malformed {
        /// The file name as given to the parser.
        file: String,
        /// 1-based line number.
        line: usize,
        /// How many fields the line had.
        fields: usize,
    },
    /// A downloaded file's hash differs from an `h1:` hash recorded for its key. Go
    /// treats this as fatal. `version` may end in `/go.mod`.
    #[error(
        "verifying {path}@{version}: checksum mismatch\n\tdownloaded: {downloaded}\n\t{file}:     {recorded}{GO_SUM_MISMATCH}"
    )]
    ChecksumMismatch {
        path: String,
        version: String,
        /// The hash just computed.
        downloaded: String,
        /// `go.sum` or `go.work.sum` for the main sum file, else a workspace module's
        /// go.sum path.
        file: String,
        /// The conflicting recorded hash.
        recorded: String,
    },
}

/// A go.sum key: module path and version (the version possibly ending in `/go.mod`),
/// ordered as Go's `module.Sort` orders them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    path: Box<[u8]>,
    version: Box<[u8]>,
}

impl Key {
    fn new(path: &[u8], version: &[u8]) -> Key {
        Key {
            path: path.into(),
            version: version.into(),
        }
    }

    fn of(m: &ModuleVersion) -> Key {
        Key::new(m.path.as_bytes(), m.version.as_bytes())
    }

    /// The key as a module version (lossy only for bytes that are not UTF-8).
    fn to_module_version(&self) -> ModuleVersion {
        ModuleVersion {
            path: String::from_utf8_lossy(&self.path).into_owned(),
            version: String::from_utf8_lossy(&self.version).into_owned(),
        }
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Key) -> Ordering {
        self.path.cmp(&other.path).then_with(|| {
            let (v1, f1) = split_file_suffix(&self.version);
            let (v2, f2) = split_file_suffix(&other.version);
            // Bytes that are not UTF-8 cannot be a valid version; "" stands for any
            // invalid one (all invalid versions have equal precedence).
            let s1 = std::str::from_utf8(v1).unwrap_or("");
            let s2 = std::str::from_utf8(v2).unwrap_or("");
            crate::semver::compare(s1, s2)
                .then_with(|| v1.cmp(v2))
                .then_with(|| f1.cmp(f2))
        })
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Splits `v1.2.3/go.mod` into `v1.2.3` and `/go.mod` (at the first `/`).
fn split_file_suffix(v: &[u8]) -> (&[u8], &[u8]) {
    match v.iter().position(|&b| b == b'/') {
        Some(i) => v.split_at(i),
        None => (v, &[]),
    }
}

/// The content of one go.sum (or go.work.sum) file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GoSum {
    file: String,
    entries: BTreeMap<Key, Vec<Box<[u8]>>>,
}

impl GoSum {
    /// An empty sum file named `file` (the name appears in error messages; a name ending
    /// in `go.work.sum` makes mismatches say `go.work.sum`).
    pub fn new(file: impl Into<String>) -> GoSum {
        GoSum {
            file: file.into(),
            entries: BTreeMap::new(),
        }
    }

    /// Parses the content of `file` as Go's `readGoSum` does.
    pub fn parse(file: impl Into<String>, data: &[u8]) -> Result<GoSum, Error> {
        let mut sum = GoSum::new(file);
        for (i, line) in data.split(|&b| b == b'\n').enumerate() {
            let fields = fields(line);
            match fields.as_slice() {
                [] => {}
                [path, version, hash] => {
                    if *hash != EMPTY_GO_MOD_HASH.as_bytes() {
                        sum.entries
                            .entry(Key::new(path, version))
                            .or_default()
                            .push((*hash).into());
                    }
                }
                _ => {
                    return Err(Error::Malformed {
                        file: sum.file,
                        line: i + 1,
                        fields: fields.len(),
                    });
                }
            }
        }
        Ok(sum)
    }

    /// The file name given at construction.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Whether no key has a hash.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many keys have at least one hash.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the file has any line for `m` (`m.version` may end in `/go.mod`).
    pub fn contains(&self, m: &ModuleVersion) -> bool {
        self.entries.contains_key(&Key::of(m))
    }

    /// The hashes recorded for `m`, in file order, duplicates included. These are what
    /// Go's `checkModSum` compares a computed hash with.
    pub fn hashes<'a>(&'a self, m: &ModuleVersion) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        self.hashes_of(&Key::of(m))
    }

    fn hashes_of<'a>(&'a self, key: &Key) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        self.entries
            .get(key)
            .into_iter()
            .flat_map(|hs| hs.iter().map(|h| &**h))
    }

    /// Every key, in write order.
    pub fn keys(&self) -> impl Iterator<Item = ModuleVersion> + '_ {
        self.entries.keys().map(Key::to_module_version)
    }

    /// Records `hash` for `m` unless it is recorded already; says whether it was added.
    /// No conflict check: see [`SumState`] for Go's verification rules.
    pub fn insert(&mut self, m: &ModuleVersion, hash: &str) -> bool {
        self.insert_key(Key::of(m), hash.as_bytes())
    }

    fn insert_key(&mut self, key: Key, hash: &[u8]) -> bool {
        let hashes = self.entries.entry(key).or_default();
        if hashes.iter().any(|h| **h == *hash) {
            false
        } else {
            hashes.push(hash.into());
            true
        }
    }

    /// Adds every hash of `other` that `self` lacks (after `self`'s own, in `other`'s
    /// order); says whether anything was added. The written result does not depend on
    /// which side was merged into which.
    pub fn merge(&mut self, other: &GoSum) -> bool {
        let mut changed = false;
        for (key, hashes) in &other.entries {
            for h in hashes {
                changed |= self.insert_key(key.clone(), h);
            }
        }
        changed
    }

    /// Go's go.sum bytes for this content, leaving out every key that one of
    /// `workspace` (the go.sum files of a workspace's modules, when writing go.work.sum)
    /// holds.
    pub fn write(&self, workspace: &[GoSum]) -> Vec<u8> {
        self.write_filtered(workspace, |_, _| true)
    }

    /// [`GoSum::write`], also leaving out each line for which `keep(key, hash)` is false.
    fn write_filtered(&self, workspace: &[GoSum], keep: impl Fn(&Key, &[u8]) -> bool) -> Vec<u8> {
        let mut out = Vec::new();
        for (key, hashes) in &self.entries {
            if workspace.iter().any(|w| w.entries.contains_key(key)) {
                continue;
            }
            let mut sorted: Vec<&[u8]> = hashes.iter().map(|h| &**h).collect();
            sorted.sort_unstable();
            sorted.dedup();
            for h in sorted {
                if keep(key, h) {
                    for part in [&*key.path, b" ", &*key.version, b" ", h, b"\n"] {
                        out.extend_from_slice(part);
                    }
                }
            }
        }
        out
    }
}

impl fmt::Display for GoSum {
    /// The written form ([`GoSum::write`] with no workspace), lossy where not UTF-8.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.write(&[])))
    }
}

/// Go's `strings.Fields` over bytes: runs separated by Unicode white space. Bytes that
/// are not UTF-8 decode to U+FFFD in Go, which is not space, so they stay inside fields.
fn fields(line: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut pos = 0;
    for chunk in line.utf8_chunks() {
        for (i, c) in chunk.valid().char_indices() {
            // Go's unicode.IsSpace and Rust's char::is_whitespace are both the Unicode
            // White_Space property.
            if c.is_whitespace() {
                if let Some(s) = start.take() {
                    out.push(&line[s..pos + i]);
                }
            } else if start.is_none() {
                start = Some(pos + i);
            }
        }
        pos += chunk.valid().len();
        if !chunk.invalid().is_empty() && start.is_none() {
            start = Some(pos);
        }
        pos += chunk.invalid().len();
    }
    if let Some(s) = start {
        out.push(&line[s..]);
    }
    out
}

#[cfg(test)]
mod tests;
