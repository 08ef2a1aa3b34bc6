//! The txtar archive format (`golang.org/x/tools/txtar`) that Go's test data uses:
//! the zip conformance cases and the module archives of Go's test proxy.
//!
//! An archive is a free-form comment followed by files, each introduced by a marker
//! line `-- NAME --`. Everything is bytes: Go's fixtures carry names and comments that
//! are not valid UTF-8 on purpose.

/// One file of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// The name between the markers, with surrounding spaces trimmed.
    pub name: Vec<u8>,
    /// The file's bytes; every file except an empty one ends in a newline.
    pub data: Vec<u8>,
}

impl File {
    /// The name as text (lossy for the rare names that are not UTF-8).
    pub fn name_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.name)
    }
}

/// A parsed archive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Archive {
    /// Everything before the first file marker.
    pub comment: Vec<u8>,
    pub files: Vec<File>,
}

impl Archive {
    /// Parses an archive the way `txtar.Parse` does: it never fails.
    pub fn parse(data: &[u8]) -> Archive {
        let (comment, mut name, mut rest) = split_at_marker(data);
        let mut files = Vec::new();
        while let Some(n) = name {
            let (body, next, after) = split_at_marker(rest);
            files.push(File {
                name: n.to_vec(),
                data: body,
            });
            name = next;
            rest = after;
        }
        Archive { comment, files }
    }

    /// The first file with this name.
    pub fn file(&self, name: &str) -> Option<&File> {
        self.files.iter().find(|f| f.name == name.as_bytes())
    }

    /// Reads `key=value` lines from the comment (the convention of x/mod's zip test
    /// data). A value is the rest of the line after the first `=`, trimmed of spaces.
    pub fn comment_value(&self, key: &str) -> Option<Vec<u8>> {
        self.comment.split(|&b| b == b'\n').find_map(|line| {
            let eq = line.iter().position(|&b| b == b'=')?;
            (line[..eq].trim_ascii() == key.as_bytes())
                .then(|| line[eq + 1..].trim_ascii().to_vec())
        })
    }

    /// Writes the archive back in txtar syntax (`txtar.Format`).
    pub fn format(&self) -> Vec<u8> {
        let mut out = fix_newline(&self.comment);
        for f in &self.files {
            out.extend_from_slice(b"-- ");
            out.extend_from_slice(&f.name);
            out.extend_from_slice(b" --\n");
            out.extend_from_slice(&fix_newline(&f.data));
        }
        out
    }
}

/// Splits `data` at the first marker line: the bytes before it (newline-terminated when
/// non-empty and no marker follows), the marker's name, and the bytes after the marker.
fn split_at_marker(data: &[u8]) -> (Vec<u8>, Option<&[u8]>, &[u8]) {
    let mut i = 0;
    loop {
        if let Some((name, after)) = marker(&data[i..]) {
            return (data[..i].to_vec(), Some(name), after);
        }
        match find(&data[i..], b"\n-- ") {
            Some(j) => i += j + 1,
            None => return (fix_newline(data), None, &[]),
        }
    }
}

/// If `data` starts with a marker line, its name and the bytes after that line.
fn marker(data: &[u8]) -> Option<(&[u8], &[u8])> {
    if !data.starts_with(b"-- ") {
        return None;
    }
    let (line, after) = match data.iter().position(|&b| b == b'\n') {
        Some(nl) => (&data[..nl], &data[nl + 1..]),
        None => (data, &[][..]),
    };
    if !(line.ends_with(b" --") && line.len() >= 6) {
        return None;
    }
    let name = line[3..line.len() - 3].trim_ascii();
    (!name.is_empty()).then_some((name, after))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn fix_newline(data: &[u8]) -> Vec<u8> {
    let mut v = data.to_vec();
    if !v.is_empty() && !v.ends_with(b"\n") {
        v.push(b'\n');
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comment_and_files() {
        let a = Archive::parse(b"path=x\nversion=v1\n-- a.go --\npackage a\n-- b/c --\nno newline");
        assert_eq!(a.comment, b"path=x\nversion=v1\n");
        assert_eq!(a.files.len(), 2);
        assert_eq!(a.files[0].name, b"a.go");
        assert_eq!(a.files[0].data, b"package a\n");
        assert_eq!(a.files[1].data, b"no newline\n");
        assert_eq!(a.comment_value("path").unwrap(), b"x");
        assert_eq!(a.comment_value("nope"), None);
    }

    #[test]
    fn empty_files_and_markers_without_newline() {
        let a = Archive::parse(b"-- empty --\n-- last --");
        assert_eq!(a.comment, b"");
        assert_eq!(a.files[0].data, b"");
        assert_eq!(a.files[1].name, b"last");
        assert_eq!(a.files[1].data, b"");
    }

    #[test]
    fn not_a_marker() {
        let a = Archive::parse(b"-- x\n--  --\n- y --\n");
        assert!(a.files.is_empty());
        assert_eq!(a.comment, b"-- x\n--  --\n- y --\n");
    }

    #[test]
    fn format_roundtrip() {
        let src = b"comment\n-- a --\nA\n-- b --\n";
        assert_eq!(Archive::parse(src).format(), src);
    }
}
