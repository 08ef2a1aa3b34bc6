//! File-system errors in configuration messages, worded as Go's `*fs.PathError`
//! (`chdir afile: not a directory`, `open /h/.netrc: permission denied`).

use std::fmt;
use std::io;
use std::path::PathBuf;

/// A failed operation on a path: Go's `<op> <path>: <reason>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    /// Go's verb: `chdir`, `open`, `read`, `stat`.
    pub op: &'static str,
    /// The path as the user wrote it.
    pub path: PathBuf,
    /// The reason as Go's `syscall.Errno` prints it.
    pub reason: String,
}

impl PathError {
    pub fn new(op: &'static str, path: impl Into<PathBuf>, err: &io::Error) -> PathError {
        PathError {
            op,
            path: path.into(),
            reason: errno_text(err),
        }
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.op, self.path.display(), self.reason)
    }
}

impl std::error::Error for PathError {}

/// The reason text Go prints for an OS error: the C library's wording in lower case
/// (Go's errno table), without Rust's ` (os error N)` suffix.
pub fn errno_text(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => return "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => return "permission denied".into(),
        io::ErrorKind::NotADirectory => return "not a directory".into(),
        io::ErrorKind::IsADirectory => return "is a directory".into(),
        _ => {}
    }
    let text = err.to_string();
    let text = match err.raw_os_error() {
        Some(code) => text
            .strip_suffix(&format!(" (os error {code})"))
            .map(str::to_string)
            .unwrap_or(text),
        None => text,
    };
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_wording() {
        let e = std::fs::metadata("/nonexistent/gomodfetch-config").unwrap_err();
        assert_eq!(
            PathError::new("stat", "/nonexistent/x", &e).to_string(),
            "stat /nonexistent/x: no such file or directory"
        );
        assert_eq!(
            errno_text(&io::Error::from_raw_os_error(20)),
            "not a directory"
        );
        assert_eq!(errno_text(&io::Error::other("Weird")), "weird");
    }
}
