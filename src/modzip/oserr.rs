//! Operating-system errors worded as Go words them.
//!
//! Go reports a failed file operation as `*fs.PathError`: `<op> <path>: <reason>`, for
//! example `open /tmp/m/go.mod: no such file or directory`. Rust's `io::Error` prints
//! `No such file or directory (os error 2)` instead. Messages that can reach a user (or
//! a conformance test comparing with `go`) therefore go through [`OsError`], which keeps
//! the original `io::Error` (and its kind) and prints Go's text.

use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// A failed operation on a path, displayed as Go's `*fs.PathError`.
#[derive(Debug)]
pub(crate) struct OsError {
    op: &'static str,
    path: PathBuf,
    source: io::Error,
}

impl fmt::Display for OsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.op,
            self.path.display(),
            errno_text(&self.source)
        )
    }
}

impl std::error::Error for OsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Wraps `err` from operation `op` (Go's verb: `open`, `lstat`, `mkdir`, `write`, …)
/// on `path` into an `io::Error` of the same kind whose text is Go's.
pub(crate) fn os_err(op: &'static str, path: &Path, err: io::Error) -> io::Error {
    io::Error::new(
        err.kind(),
        OsError {
            op,
            path: path.to_path_buf(),
            source: err,
        },
    )
}

/// A file opened for reading whose open and read errors are worded as Go's.
pub(crate) struct GoFile {
    f: fs::File,
    path: PathBuf,
}

impl GoFile {
    pub(crate) fn open(path: &Path) -> io::Result<GoFile> {
        let f = fs::File::open(path).map_err(|e| os_err("open", path, e))?;
        Ok(GoFile {
            f,
            path: path.to_path_buf(),
        })
    }
}

impl Read for GoFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.f.read(buf).map_err(|e| os_err("read", &self.path, e))
    }
}

/// The reason part of an OS error as Go's `syscall.Errno.Error()` prints it: the C
/// library's text with a lower-case first letter and no `(os error N)` suffix.
pub(crate) fn errno_text(err: &io::Error) -> String {
    let text = err.to_string();
    let Some(code) = err.raw_os_error() else {
        return text;
    };
    let stripped = text
        .strip_suffix(&format!(" (os error {code})"))
        .unwrap_or(&text);
    let mut chars = stripped.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_wording() {
        let e = std::fs::File::open("/nonexistent/gomodfetch-oserr").unwrap_err();
        let e = os_err("open", Path::new("/nonexistent/gomodfetch-oserr"), e);
        assert_eq!(
            e.to_string(),
            "open /nonexistent/gomodfetch-oserr: no such file or directory"
        );
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert_eq!(errno_text(&io::Error::other("plain")), "plain");
    }
}
