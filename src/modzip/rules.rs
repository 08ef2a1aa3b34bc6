//! The module zip rules as pure functions over entry lists: no file is opened here.
//!
//! Two classifiers mirror `golang.org/x/mod/zip`:
//!
//! * [`classify_files`] (`checkFiles`): files about to be zipped, each known by its
//!   path and its `Lstat` result, plus the language version of the root go.mod. It
//!   decides valid / omitted / invalid, in Go's rule order (clean, relative, vendored,
//!   nested module, `.hg_archival.txt`, `CheckFilePath`, go.mod case, collisions,
//!   symlink, irregular, sizes).
//! * [`ZipEntryRules`] (`checkZip`): entries of an existing zip, each known by its name
//!   and declared uncompressed size, fed one at a time so a streaming download can check
//!   entries as they are discovered.
//!
//! Sizes are `i64` as in Go: a zip's 64-bit declared size is reinterpreted, so a
//! "negative" size trips the total-size limit exactly where Go's does.

use super::report::{CheckedFiles, FileError, FileReason, SizeError};
use super::slashpath;
use super::{Cause, MAX_GO_MOD, MAX_LICENSE, MAX_ZIP_FILE};
use crate::gounicode::fold_min;
use crate::{gover, modfile, module};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// What a file is, as `Lstat` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Regular,
    Dir,
    Symlink,
    /// Devices, pipes, sockets and anything else irregular.
    Other,
}

/// The parts of `os.FileInfo` the rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileInfo {
    pub kind: FileKind,
    /// Size in bytes (`int64`, as Go's `FileInfo.Size`).
    pub size: i64,
}

impl FileInfo {
    pub fn regular(size: i64) -> FileInfo {
        FileInfo {
            kind: FileKind::Regular,
            size,
        }
    }
}

/// One file offered to [`classify_files`]: its slash-separated path relative to the
/// module root, and what its `Lstat` returned (an error as its text).
#[derive(Debug, Clone, Copy)]
pub struct FileFacts<'a> {
    pub path: &'a [u8],
    pub stat: &'a Result<FileInfo, String>,
}

/// The outcome of [`classify_files`]: the report, and for each valid file its index in
/// the input and its size.
#[derive(Debug, Clone, Default)]
pub struct Classified {
    pub checked: CheckedFiles,
    pub valid: Vec<(usize, i64)>,
}

/// `isVendoredPackage`: whether `name` lies in a package below a `vendor` directory.
///
/// `vers` is the module's language version as `go/version` spells it (`go1.24`, or
/// empty when unknown). From go1.24 on, `vendor/modules.txt` is vendored and a
/// `/vendor/` below the top level is measured from its own position; before, Go's
/// historic offset (the length of `/vendor/` from the start of the name) is kept, as
/// existing checksums depend on it.
pub fn is_vendored_package(name: impl AsRef<[u8]>, vers: &str) -> bool {
    let name = name.as_ref();
    let go124 = gover::go_version::compare(vers, "go1.24").is_ge();
    if go124 && name == b"vendor/modules.txt" {
        return true;
    }
    let i = if name.starts_with(b"vendor/") {
        b"vendor/".len()
    } else if let Some(j) = find(name, b"/vendor/") {
        if go124 {
            j + b"/vendor/".len()
        } else {
            b"/vendor/".len()
        }
    } else {
        return false;
    };
    name.get(i..).is_some_and(|rest| rest.contains(&b'/'))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The language version of a root go.mod as `go/version` spells it (`go 1.21.3` →
/// `go1.21`); empty when the file does not parse (laxly) or has no `go` line.
pub fn go_mod_lang(data: &[u8]) -> String {
    match modfile::parse_lax("go.mod", data) {
        Ok(modfile::File { go: Some(go), .. }) => {
            gover::go_version::lang(&format!("go{}", go.version))
        }
        _ => String::new(),
    }
}

/// The checks `Create` and `CheckZip` make on the module before looking at files: the
/// version must be canonical and the path and version must pass `module.Check`.
pub fn check_module_version(path: &str, version: &str) -> Result<(), Cause> {
    let canonical = module::canonical_version(version);
    if canonical != version {
        return Err(Cause::VersionNotCanonical {
            version: version.to_string(),
            canonical,
        });
    }
    module::check(path, version).map_err(Cause::Module)
}

/// `CheckZip`'s limit on the zip file itself.
pub fn check_zip_file_size(size: u64) -> Option<SizeError> {
    (size > MAX_ZIP_FILE).then_some(SizeError::ZipFileTooLarge { size })
}

/// Go's `strings.EqualFold` (Unicode simple folding; bad UTF-8 reads as U+FFFD).
fn equal_fold(a: &[u8], b: &[u8]) -> bool {
    let mut x = a.utf8_chunks().flat_map(chars_or_replacement);
    let mut y = b.utf8_chunks().flat_map(chars_or_replacement);
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(c), Some(d)) if fold_min(c) == fold_min(d) => {}
            _ => return false,
        }
    }
}

fn chars_or_replacement(chunk: std::str::Utf8Chunk<'_>) -> impl Iterator<Item = char> + '_ {
    chunk
        .valid()
        .chars()
        .chain(chunk.invalid().iter().map(|_| char::REPLACEMENT_CHARACTER))
}

/// `strToFold`: a key equal for two strings exactly when `strings.EqualFold` holds.
fn str_to_fold(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                let m = fold_min(c);
                if m.is_ascii_uppercase() {
                    m.to_ascii_lowercase()
                } else {
                    m
                }
            })
            .collect(),
    )
}

/// Finds case-insensitive name collisions and names used both as a file and as a
/// directory (`collisionChecker`). Every parent directory of a checked path is
/// registered too.
#[derive(Debug, Default)]
pub struct CollisionChecker {
    seen: HashMap<String, (String, bool)>,
}

impl CollisionChecker {
    pub fn check(&mut self, path: &str, is_dir: bool) -> Result<(), FileReason> {
        let mut p = path.to_string();
        let mut is_dir = is_dir;
        loop {
            let fold = str_to_fold(&p).into_owned();
            match self.seen.get(&fold) {
                Some((other, other_is_dir)) => {
                    if *other != p {
                        return Err(FileReason::CaseCollision {
                            first: other.clone(),
                            second: p,
                        });
                    }
                    if is_dir != *other_is_dir {
                        return Err(FileReason::FileAndDirectory { path: p });
                    }
                    if !is_dir {
                        return Err(FileReason::Duplicate { path: p });
                    }
                    // The same directory again: fine (parents recur for every file).
                }
                None => {
                    self.seen.insert(fold, (p.clone(), is_dir));
                }
            }
            let parent = slashpath::dir(p.as_bytes());
            if parent == b"." {
                return Ok(());
            }
            // A parent of a UTF-8 path is UTF-8.
            p = String::from_utf8_lossy(&parent).into_owned();
            is_dir = true;
        }
    }
}

/// `checkFiles`: classifies files about to be zipped. `vers` is [`go_mod_lang`] of the
/// root go.mod (the last root `go.mod` that could be read, or empty).
pub fn classify_files(files: &[FileFacts<'_>], vers: &str) -> Classified {
    let mut out = Classified::default();
    let mut reported: HashSet<Vec<u8>> = HashSet::new();
    let mut add_error = |cf: &mut CheckedFiles, path: &[u8], omitted: bool, reason| {
        // Each path is reported once, with its first reason.
        if !reported.insert(path.to_vec()) {
            return;
        }
        let fe = FileError {
            path: path.to_vec(),
            reason,
        };
        if omitted {
            cf.omitted.push(fe);
        } else {
            cf.invalid.push(fe);
        }
    };

    // Directories holding a regular file named go.mod in any case start other modules.
    let mut module_dirs: HashSet<&[u8]> = HashSet::new();
    for f in files {
        let (dir, base) = slashpath::split(f.path);
        if !equal_fold(base, b"go.mod") {
            continue;
        }
        match f.stat {
            Err(e) => add_error(&mut out.checked, f.path, false, FileReason::Stat(e.clone())),
            Ok(info) if info.kind == FileKind::Regular => {
                module_dirs.insert(dir);
            }
            Ok(_) => {}
        }
    }
    let in_submodule = |mut p: &[u8]| loop {
        let (dir, _) = slashpath::split(p);
        if dir.is_empty() {
            return false;
        }
        if module_dirs.contains(dir) {
            return true;
        }
        p = &dir[..dir.len() - 1];
    };

    let mut collisions = CollisionChecker::default();
    let mut budget = MAX_ZIP_FILE as i64;
    for (index, f) in files.iter().enumerate() {
        let p = f.path;
        let cf = &mut out.checked;
        if slashpath::clean(p) != p {
            add_error(cf, p, false, FileReason::PathNotClean);
            continue;
        }
        if p.starts_with(b"/") {
            add_error(cf, p, false, FileReason::PathNotRelative);
            continue;
        }
        if is_vendored_package(p, vers) {
            add_error(cf, p, true, FileReason::Vendored);
            continue;
        }
        if in_submodule(p) {
            add_error(cf, p, true, FileReason::SubmoduleFile);
            continue;
        }
        if p == b".hg_archival.txt" {
            // Inserted by `hg archive`; dropped whatever the VCS.
            add_error(cf, p, true, FileReason::HgArchival);
            continue;
        }
        let name = match module::check_file_path_bytes(p) {
            Ok(name) => name,
            Err(e) => {
                add_error(cf, p, false, FileReason::BadPath(e));
                continue;
            }
        };
        // strings.ToLower(p) == "go.mod": no non-ASCII rune lowers to these letters.
        if name.eq_ignore_ascii_case("go.mod") && name != "go.mod" {
            add_error(cf, p, false, FileReason::GoModCase);
            continue;
        }
        let info = match f.stat {
            Ok(info) => *info,
            Err(e) => {
                add_error(cf, p, false, FileReason::Stat(e.clone()));
                continue;
            }
        };
        if let Err(reason) = collisions.check(name, info.kind == FileKind::Dir) {
            add_error(cf, p, false, reason);
            continue;
        }
        match info.kind {
            FileKind::Symlink => {
                add_error(cf, p, true, FileReason::Symlink);
                continue;
            }
            FileKind::Regular => {}
            FileKind::Dir | FileKind::Other => {
                add_error(cf, p, true, FileReason::NotRegular);
                continue;
            }
        }
        let size = info.size;
        if size >= 0 && size <= budget {
            budget -= size;
        } else if cf.size_error.is_none() {
            cf.size_error = Some(SizeError::SourceTreeTooLarge);
        }
        if name == "go.mod" && size > MAX_GO_MOD as i64 {
            add_error(cf, p, false, FileReason::GoModTooLarge);
            continue;
        }
        if name == "LICENSE" && size > MAX_LICENSE as i64 {
            add_error(cf, p, false, FileReason::LicenseTooLarge);
            continue;
        }
        cf.valid.push(name.to_string());
        out.valid.push((index, size));
    }
    out
}

/// `checkZip`'s per-entry rules, fed one entry at a time in central-directory order.
#[derive(Debug)]
pub struct ZipEntryRules {
    prefix: String,
    collisions: CollisionChecker,
    total: i64,
    checked: CheckedFiles,
}

impl ZipEntryRules {
    /// Rules for the zip of `path@version`; fails as `CheckZip` does when the version is
    /// not canonical or the module path and version do not go together.
    pub fn new(path: &str, version: &str) -> Result<Self, Cause> {
        check_module_version(path, version)?;
        Ok(ZipEntryRules {
            prefix: format!("{path}@{version}/"),
            collisions: CollisionChecker::default(),
            total: 0,
            checked: CheckedFiles::default(),
        })
    }

    /// The prefix every entry name must start with: `<path>@<version>/`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn invalid(&mut self, name: &[u8], reason: FileReason) {
        self.checked.invalid.push(FileError {
            path: name.to_vec(),
            reason,
        });
    }

    /// Checks one entry: its full name and its declared uncompressed size.
    pub fn check_entry(&mut self, name: &[u8], declared_size: u64) {
        if let Some(file) = self.check_name(name) {
            self.check_file_size(name, &file, declared_size);
        }
    }

    /// The name half of [`check_entry`](Self::check_entry), for a streaming reader
    /// that meets an entry's name before its size: prefix, clean path,
    /// `CheckFilePath`, collisions, go.mod placement and case. Returns the file's path
    /// below the prefix when the entry is a file that passed (give its size to
    /// [`check_file_size`](Self::check_file_size) next); `None` for the module root, a
    /// directory, or an entry just reported invalid.
    pub fn check_name(&mut self, name: &[u8]) -> Option<String> {
        let Some(rest) = name.strip_prefix(self.prefix.as_bytes()) else {
            let prefix = self.prefix.clone();
            self.invalid(name, FileReason::MissingPrefix { prefix });
            return None;
        };
        if rest.is_empty() {
            return None;
        }
        let (rest, is_dir) = match rest.strip_suffix(b"/") {
            Some(dir) => (dir, true),
            None => (rest, false),
        };
        if slashpath::clean(rest) != rest {
            self.invalid(name, FileReason::PathNotClean);
            return None;
        }
        let rest = match module::check_file_path_bytes(rest) {
            Ok(rest) => rest,
            Err(e) => {
                self.invalid(name, FileReason::BadPath(e));
                return None;
            }
        };
        if let Err(reason) = self.collisions.check(rest, is_dir) {
            self.invalid(name, reason);
            return None;
        }
        if is_dir {
            return None;
        }
        let base = slashpath::split(rest.as_bytes()).1;
        if equal_fold(base, b"go.mod") {
            if base != rest.as_bytes() {
                self.invalid(name, FileReason::GoModNotInRoot);
                return None;
            }
            if rest != "go.mod" {
                self.invalid(name, FileReason::GoModCase);
                return None;
            }
        }
        Some(rest.to_string())
    }

    /// The size half of [`check_entry`](Self::check_entry): `file` is what
    /// [`check_name`](Self::check_name) returned for the entry `name`.
    pub fn check_file_size(&mut self, name: &[u8], file: &str, declared_size: u64) {
        let size = declared_size as i64; // Go's int64(zf.UncompressedSize64)
        if size >= 0 && MAX_ZIP_FILE as i64 - self.total >= size {
            self.total += size;
        } else if self.checked.size_error.is_none() {
            self.checked.size_error = Some(SizeError::ContentsTooLarge);
        }
        if file == "go.mod" && size > MAX_GO_MOD as i64 {
            self.invalid(name, FileReason::GoModTooLarge);
            return;
        }
        if file == "LICENSE" && size > MAX_LICENSE as i64 {
            self.invalid(name, FileReason::LicenseTooLarge);
            return;
        }
        // The name is UTF-8: its prefix is a module path and its rest passed the check.
        self.checked.valid.push(format!("{}{file}", self.prefix));
    }

    /// Whether [`check_file_size`](Self::check_file_size) would accept `size` bytes for
    /// `file` now, without recording anything: lets a streaming reader that does not
    /// know a size yet stop as soon as the bytes seen so far are too many.
    pub fn file_size_allowed(&self, file: &str, size: u64) -> bool {
        let size = size as i64;
        let limit = match file {
            "go.mod" => MAX_GO_MOD as i64,
            "LICENSE" => MAX_LICENSE as i64,
            _ => i64::MAX,
        };
        size >= 0 && MAX_ZIP_FILE as i64 - self.total >= size && size <= limit
    }

    /// Whether every entry checked so far passed (no invalid entry, no size error).
    pub fn all_valid(&self) -> bool {
        self.checked.size_error.is_none() && self.checked.invalid.is_empty()
    }

    /// The report over every entry checked.
    pub fn finish(self) -> CheckedFiles {
        self.checked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_keys() {
        assert_eq!(str_to_fold("abc/d.go"), "abc/d.go");
        assert_eq!(str_to_fold("M.GO"), "m.go");
        assert_eq!(str_to_fold("\u{212a}"), str_to_fold("k"));
        assert_eq!(str_to_fold("\u{17f}"), str_to_fold("S"));
        assert!(equal_fold(b"GO.MOD", b"go.mod"));
        assert!(!equal_fold(b"go.mo", b"go.mod"));
        assert!(equal_fold(b"\xff", "\u{fffd}".as_bytes()));
    }

    #[test]
    fn collisions() {
        let mut c = CollisionChecker::default();
        assert!(c.check("a/b.go", false).is_ok());
        assert!(c.check("a/c.go", false).is_ok());
        assert_eq!(
            c.check("A/d.go", false).unwrap_err().to_string(),
            "case-insensitive file name collision: \"a\" and \"A\""
        );
        assert_eq!(
            c.check("a", false).unwrap_err().to_string(),
            "entry \"a\" is both a file and a directory"
        );
        assert_eq!(
            c.check("a/b.go", false).unwrap_err().to_string(),
            "multiple entries for file \"a/b.go\""
        );
    }

    #[test]
    fn zip_size_limit() {
        assert_eq!(check_zip_file_size(MAX_ZIP_FILE), None);
        assert!(check_zip_file_size(MAX_ZIP_FILE + 1).is_some());
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// Names built from the characters the rules care about, plus arbitrary bytes.
    fn name() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(b"/".to_vec()),
            Just(b".".to_vec()),
            Just(b"..".to_vec()),
            Just(b"go.mod".to_vec()),
            Just(b"GO.MOD".to_vec()),
            Just(b"vendor".to_vec()),
            Just(b"LICENSE".to_vec()),
            Just("\u{212a}".as_bytes().to_vec()),
            Just(b"\xff".to_vec()),
            "[a-zA-Z0-9._~-]{1,4}".prop_map(String::into_bytes),
            proptest::collection::vec(any::<u8>(), 1..3),
        ];
        proptest::collection::vec(piece, 0..6).prop_map(|p| p.concat())
    }

    fn kind() -> impl Strategy<Value = FileKind> {
        prop_oneof![
            Just(FileKind::Regular),
            Just(FileKind::Dir),
            Just(FileKind::Symlink),
            Just(FileKind::Other),
        ]
    }

    proptest! {
        #[test]
        fn classify_files_never_panics_and_partitions(
            files in proptest::collection::vec((name(), kind(), any::<i64>(), any::<bool>()), 0..12),
            vers in prop_oneof![Just(""), Just("go1.23"), Just("go1.24")],
        ) {
            let stats: Vec<Result<FileInfo, String>> = files
                .iter()
                .map(|(_, kind, size, fail)| if *fail && *size % 7 == 0 {
                    Err("lstat failed".to_string())
                } else {
                    Ok(FileInfo { kind: *kind, size: *size })
                })
                .collect();
            let facts: Vec<FileFacts<'_>> = files
                .iter()
                .zip(&stats)
                .map(|(f, stat)| FileFacts { path: &f.0, stat })
                .collect();
            let out = classify_files(&facts, vers);
            let cf = &out.checked;
            prop_assert_eq!(cf.valid.len(), out.valid.len());
            // Every file is valid or reported (a path is reported at most once).
            let reported: HashSet<&[u8]> = cf.omitted.iter().chain(&cf.invalid)
                .map(|e| e.path.as_slice()).collect();
            prop_assert_eq!(reported.len(), cf.omitted.len() + cf.invalid.len());
            for (f, _, _, _) in &files {
                prop_assert!(reported.contains(f.as_slice())
                    || cf.valid.iter().any(|v| v.as_bytes() == f.as_slice()));
            }
            let _ = cf.err().map_err(|e| e.to_string());
        }

        #[test]
        fn zip_entry_rules_never_panic(
            entries in proptest::collection::vec((name(), any::<u64>(), any::<bool>()), 0..12),
        ) {
            let mut rules = ZipEntryRules::new("example.com/m", "v1.0.0").unwrap();
            for (name, size, prefixed) in &entries {
                let full = if *prefixed {
                    [rules.prefix().as_bytes(), name].concat()
                } else {
                    name.clone()
                };
                rules.check_entry(&full, *size);
            }
            let cf = rules.finish();
            for v in &cf.valid {
                prop_assert!(v.starts_with("example.com/m@v1.0.0/"));
                prop_assert!(module::check_file_path(&v["example.com/m@v1.0.0/".len()..]).is_ok());
            }
            let _ = cf.err().map_err(|e| e.to_string());
        }
    }
}
