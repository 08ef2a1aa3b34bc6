//! Snapshots of a directory tree (by default a module cache) and their differences.
//!
//! A [`Snapshot`] records, for every entry below a root (the root itself excluded):
//! the relative path, the kind (file, directory, symlink, other), the permission bits
//! (`mode & 0o7777`), and for files the size and SHA-256 of the content, for symlinks
//! the target (never followed). Entries are kept in path order — component by
//! component, so a directory comes right before its contents — which makes two
//! snapshots of equal trees equal, and their reports deterministic.
//!
//! Directory sizes and timestamps are not recorded: they depend on the filesystem and
//! the clock, not on what a tool wrote.
//!
//! # Ignore rules
//!
//! [`SnapshotOptions::ignore`] takes glob patterns over the `/`-separated relative
//! path (`*` and `?` stay inside one element, `**` spans any number of elements); a
//! matching directory is skipped with all its contents. **None by default**: a tool
//! that shares a cache with `go` must leave exactly what `go` leaves, including the
//! empty `.lock` files and the `list` files. Candidates a particular test may choose
//! to ignore, and why they can legitimately differ:
//!
//! * `cache/vcs/**` — direct-mode repositories: git's own object layout and packing
//!   depend on the git version and timing, not on the module.
//! * `cache/download/sumdb/**` — the checksum-database cache: which tiles are fetched
//!   depends on the tree size at lookup time and on how lookups were batched.
//! * `**/*.tmp`, `**/*.partial` — transient files; after a crash they are expected,
//!   after a clean run they are a bug, so ignore them only in crash tests.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// What an entry is. Symlinks are never followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// Anything else (fifo, socket, device).
    Other,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::File => "file",
            Kind::Dir => "dir",
            Kind::Symlink => "symlink",
            Kind::Other => "other",
        })
    }
}

/// One entry of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The path relative to the snapshot root.
    pub path: PathBuf,
    /// What it is.
    pub kind: Kind,
    /// Permission bits (`mode & 0o7777`; on non-Unix systems 0o444 or 0o666 from the
    /// read-only flag).
    pub mode: u32,
    /// Size in bytes (files only; 0 otherwise).
    pub size: u64,
    /// SHA-256 of the content (files only).
    pub sha256: Option<[u8; 32]>,
    /// Where a symlink points (symlinks only).
    pub target: Option<PathBuf>,
}

impl fmt::Display for Entry {
    /// `path (file 0444, 12 bytes, sha256 0a1b2c3d…)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} {:04o}",
            self.path.display(),
            self.kind,
            self.mode
        )?;
        if self.kind == Kind::File {
            write!(f, ", {} bytes", self.size)?;
        }
        if let Some(h) = &self.sha256 {
            write!(f, ", sha256 {}", short_hex(h))?;
        }
        if let Some(t) = &self.target {
            write!(f, " -> {}", t.display())?;
        }
        f.write_str(")")
    }
}

/// An attribute in which two entries at the same path differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Attr {
    /// File, directory, symlink or other.
    Kind,
    /// Permission bits.
    Mode,
    /// File size.
    Size,
    /// File content (SHA-256).
    Content,
    /// Symlink target.
    Target,
}

/// How to take a snapshot.
#[derive(Debug, Clone, Default)]
pub struct SnapshotOptions {
    ignore: Vec<String>,
}

impl SnapshotOptions {
    /// Skips entries (and whole directories) whose relative path matches `glob`. See
    /// the module docs for the syntax and for which files may deserve it.
    pub fn ignore(mut self, glob: impl Into<String>) -> SnapshotOptions {
        self.ignore.push(glob.into());
        self
    }

    fn ignores(&self, rel: &str) -> bool {
        self.ignore.iter().any(|g| glob_match(g, rel))
    }
}

/// The state of a directory tree; see the module docs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    entries: BTreeMap<PathBuf, Entry>,
}

impl Snapshot {
    /// Walks the tree under `root`. Fails (naming the path) when an entry cannot be
    /// read, e.g. a directory without read permission.
    pub fn take(root: impl AsRef<Path>, options: &SnapshotOptions) -> io::Result<Snapshot> {
        let root = root.as_ref();
        let mut snap = Snapshot::default();
        snap.walk(root, Path::new(""), options)?;
        Ok(snap)
    }

    fn walk(&mut self, root: &Path, rel_dir: &Path, options: &SnapshotOptions) -> io::Result<()> {
        let dir = root.join(rel_dir);
        let entries = std::fs::read_dir(&dir).map_err(|e| with_path(e, &dir))?;
        for entry in entries {
            let entry = entry.map_err(|e| with_path(e, &dir))?;
            let rel = rel_dir.join(entry.file_name());
            if options.ignores(&slash_path(&rel)) {
                continue;
            }
            let full = root.join(&rel);
            let e = read_entry(&full, rel.clone())?;
            let is_dir = e.kind == Kind::Dir;
            self.entries.insert(rel.clone(), e);
            if is_dir {
                self.walk(root, &rel, options)?;
            }
        }
        Ok(())
    }

    /// The entries in path order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// The entry at a relative path.
    pub fn get(&self, rel: impl AsRef<Path>) -> Option<&Entry> {
        self.entries.get(rel.as_ref())
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the tree was empty (or missing).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// What differs from `right`, entry by entry.
    pub fn diff(&self, right: &Snapshot) -> Diff {
        let mut d = Diff::default();
        for (path, l) in &self.entries {
            match right.entries.get(path) {
                None => d.only_left.push(l.clone()),
                Some(r) => {
                    let attrs = differing_attrs(l, r);
                    if !attrs.is_empty() {
                        d.changed.push(Change {
                            left: l.clone(),
                            right: r.clone(),
                            attrs,
                        });
                    }
                }
            }
        }
        for (path, r) in &right.entries {
            if !self.entries.contains_key(path) {
                d.only_right.push(r.clone());
            }
        }
        d
    }
}

fn read_entry(full: &Path, rel: PathBuf) -> io::Result<Entry> {
    let meta = std::fs::symlink_metadata(full).map_err(|e| with_path(e, full))?;
    let ft = meta.file_type();
    let kind = if ft.is_file() {
        Kind::File
    } else if ft.is_dir() {
        Kind::Dir
    } else if ft.is_symlink() {
        Kind::Symlink
    } else {
        Kind::Other
    };
    let (size, sha256) = if kind == Kind::File {
        (meta.len(), Some(hash_file(full)?))
    } else {
        (0, None)
    };
    let target = if kind == Kind::Symlink {
        Some(std::fs::read_link(full).map_err(|e| with_path(e, full))?)
    } else {
        None
    };
    Ok(Entry {
        path: rel,
        kind,
        mode: mode_bits(&meta),
        size,
        sha256,
        target,
    })
}

#[cfg(unix)]
fn mode_bits(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_bits(meta: &std::fs::Metadata) -> u32 {
    if meta.permissions().readonly() {
        0o444
    } else {
        0o666
    }
}

fn hash_file(path: &Path) -> io::Result<[u8; 32]> {
    let mut f = std::fs::File::open(path).map_err(|e| with_path(e, path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf).map_err(|e| with_path(e, path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().into())
}

fn with_path(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

fn differing_attrs(l: &Entry, r: &Entry) -> Vec<Attr> {
    let mut attrs = Vec::new();
    if l.kind != r.kind {
        attrs.push(Attr::Kind);
    }
    if l.mode != r.mode {
        attrs.push(Attr::Mode);
    }
    if l.size != r.size {
        attrs.push(Attr::Size);
    }
    if l.sha256 != r.sha256 {
        attrs.push(Attr::Content);
    }
    if l.target != r.target {
        attrs.push(Attr::Target);
    }
    attrs
}

/// An entry present on both sides whose attributes differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The entry on the left.
    pub left: Entry,
    /// The entry on the right.
    pub right: Entry,
    /// What differs, in [`Attr`] order.
    pub attrs: Vec<Attr>,
}

impl Change {
    /// The relative path.
    pub fn path(&self) -> &Path {
        &self.left.path
    }
}

impl fmt::Display for Change {
    /// `path: mode 0444 → 0644, content 0a1b… → 2c3d…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (l, r) = (&self.left, &self.right);
        write!(f, "{}:", l.path.display())?;
        for (i, a) in self.attrs.iter().enumerate() {
            f.write_str(if i == 0 { " " } else { ", " })?;
            match a {
                Attr::Kind => write!(f, "kind {} → {}", l.kind, r.kind)?,
                Attr::Mode => write!(f, "mode {:04o} → {:04o}", l.mode, r.mode)?,
                Attr::Size => write!(f, "size {} → {}", l.size, r.size)?,
                Attr::Content => {
                    let h = |x: &Option<[u8; 32]>| x.as_ref().map_or("-".into(), short_hex);
                    write!(f, "sha256 {} → {}", h(&l.sha256), h(&r.sha256))?
                }
                Attr::Target => {
                    let t = |x: &Option<PathBuf>| {
                        x.as_ref().map_or("-".into(), |p| p.display().to_string())
                    };
                    write!(f, "target {} → {}", t(&l.target), t(&r.target))?
                }
            }
        }
        Ok(())
    }
}

/// The differences between two snapshots ("left" and "right").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    /// Entries only the left tree has, in path order.
    pub only_left: Vec<Entry>,
    /// Entries only the right tree has, in path order.
    pub only_right: Vec<Entry>,
    /// Entries on both sides that differ, in path order.
    pub changed: Vec<Change>,
}

/// How many differences [`Diff`]'s `Display` lists before it only counts.
pub const REPORT_LIMIT: usize = 20;

impl Diff {
    /// Whether the trees are the same.
    pub fn is_empty(&self) -> bool {
        self.only_left.is_empty() && self.only_right.is_empty() && self.changed.is_empty()
    }

    /// How many differences in all.
    pub fn len(&self) -> usize {
        self.only_left.len() + self.only_right.len() + self.changed.len()
    }

    /// A readable report naming the sides `left` and `right` (e.g. "go",
    /// "gomodfetch"): the first `limit` differences in path order, then the counts.
    pub fn report(&self, left: &str, right: &str, limit: usize) -> String {
        if self.is_empty() {
            return "trees are identical\n".to_string();
        }
        let mut lines: Vec<(&Path, String)> = Vec::new();
        for e in &self.only_left {
            lines.push((&e.path, format!("only in {left}: {e}")));
        }
        for e in &self.only_right {
            lines.push((&e.path, format!("only in {right}: {e}")));
        }
        for c in &self.changed {
            lines.push((c.path(), format!("changed {c}")));
        }
        lines.sort_by(|a, b| a.0.cmp(b.0));
        let mut out = String::new();
        for (_, line) in lines.iter().take(limit) {
            let _ = writeln!(out, "  {line}");
        }
        if lines.len() > limit {
            let _ = writeln!(out, "  … and {} more", lines.len() - limit);
        }
        let _ = writeln!(
            out,
            "{} only in {left}, {} only in {right}, {} changed",
            self.only_left.len(),
            self.only_right.len(),
            self.changed.len()
        );
        out
    }
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.report("left", "right", REPORT_LIMIT))
    }
}

/// Panics with a report when the trees differ; `left`/`right` name the sides.
#[track_caller]
pub fn assert_same(left: &Snapshot, right: &Snapshot, names: (&str, &str)) {
    let d = left.diff(right);
    assert!(
        d.is_empty(),
        "trees differ ({} vs {}):\n{}",
        names.0,
        names.1,
        d.report(names.0, names.1, REPORT_LIMIT)
    );
}

/// The relative path with `/` separators (lossy for non-UTF-8 names), as ignore globs
/// see it.
fn slash_path(rel: &Path) -> String {
    let parts: Vec<_> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    parts.join("/")
}

fn short_hex(h: &[u8; 32]) -> String {
    let mut s = String::with_capacity(17);
    for b in &h[..8] {
        let _ = write!(s, "{b:02x}");
    }
    s.push('…');
    s
}

/// Matches a `/`-separated path against a glob: `*` is any run of characters other
/// than `/`, `?` one such character, and a `**` element any number of elements.
pub fn glob_match(glob: &str, path: &str) -> bool {
    let g: Vec<&str> = glob.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    match_elems(&g, &p)
}

fn match_elems(g: &[&str], p: &[&str]) -> bool {
    match g.split_first() {
        None => p.is_empty(),
        Some((&"**", rest)) => (0..=p.len()).any(|skip| match_elems(rest, &p[skip..])),
        Some((first, rest)) => match p.split_first() {
            Some((pf, prest)) => {
                match_elem(first.as_bytes(), pf.as_bytes()) && match_elems(rest, prest)
            }
            None => false,
        },
    }
}

fn match_elem(g: &[u8], s: &[u8]) -> bool {
    match g.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|skip| match_elem(rest, &s[skip..])),
        Some((b'?', rest)) => {
            // One character: skip one UTF-8 sequence.
            let Some((&first, _)) = s.split_first() else {
                return false;
            };
            let width = match first {
                0x00..=0x7f => 1,
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            s.len() >= width && match_elem(rest, &s[width..])
        }
        Some((c, rest)) => s.first() == Some(c) && match_elem(rest, &s[1..]),
    }
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;
