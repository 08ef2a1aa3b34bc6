//! Validity of module paths, import paths and file paths (`CheckPath`,
//! `CheckImportPath`, `CheckFilePath` of `golang.org/x/mod/module`).
//!
//! The three share one element grammar and differ in the characters they allow: module
//! paths are ASCII letters, digits and `-._~`, so that a path means the same thing in a
//! URL, on a case-insensitive file system (after [escaping](super::escape_path)) and on
//! Windows; import paths add `+`; file paths add a wider ASCII punctuation set and any
//! Unicode letter. Every element must also avoid Windows device names (`con`, `aux.go`)
//! and, outside file paths, Windows short-name look-alikes (`abc~1`). A module path's
//! first element is a lower-case domain-like name containing a dot, and its final
//! element, when version-like, must be a well-formed major-version suffix.

use super::error::{Error, InvalidPathError, PathKind, PathReason};
use super::split_path_version;

/// Go's `module.CheckPath`: whether `path` is a valid module path.
pub fn check_path(path: &str) -> Result<(), Error> {
    module_path_reason(path).map_err(|reason| path_error(PathKind::Module, path.as_bytes(), reason))
}

/// [`check_path`] for bytes that may not be UTF-8 (Go strings are bytes: zip entry
/// names and test fixtures can be anything). Returns the path as `&str` when valid.
pub fn check_path_bytes(path: &[u8]) -> Result<&str, Error> {
    let s = utf8(PathKind::Module, path)?;
    check_path(s)?;
    Ok(s)
}

/// Go's `module.CheckImportPath`.
pub fn check_import_path(path: &str) -> Result<(), Error> {
    general_path_reason(path, PathKind::Import)
        .map_err(|reason| path_error(PathKind::Import, path.as_bytes(), reason))
}

/// Go's `module.CheckFilePath`: whether `path` is acceptable as a file name inside a
/// module (in a zip or an extracted directory).
pub fn check_file_path(path: &str) -> Result<(), Error> {
    general_path_reason(path, PathKind::File)
        .map_err(|reason| path_error(PathKind::File, path.as_bytes(), reason))
}

/// [`check_file_path`] for bytes that may not be UTF-8.
pub fn check_file_path_bytes(path: &[u8]) -> Result<&str, Error> {
    let s = utf8(PathKind::File, path)?;
    check_file_path(s)?;
    Ok(s)
}

fn utf8(kind: PathKind, path: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(path).map_err(|_| path_error(kind, path, PathReason::InvalidUtf8))
}

fn path_error(kind: PathKind, path: &[u8], reason: PathReason) -> Error {
    Error::InvalidPath(InvalidPathError {
        kind,
        path: path.to_vec(),
        reason,
    })
}

/// The module-path rules on top of the general ones.
fn module_path_reason(path: &str) -> Result<(), PathReason> {
    general_path_reason(path, PathKind::Module)?;
    let first = path.split('/').next().unwrap_or_default();
    if first.is_empty() {
        return Err(PathReason::LeadingSlash);
    }
    if !first.contains('.') {
        return Err(PathReason::MissingDotInFirstElement);
    }
    if path.starts_with('-') {
        return Err(PathReason::LeadingDashInFirstElement);
    }
    if let Some(c) = first.chars().find(|&c| !first_element_ok(c)) {
        return Err(PathReason::InvalidCharInFirstElement(c));
    }
    if split_path_version(path).is_none() {
        return Err(PathReason::InvalidVersionSuffix);
    }
    Ok(())
}

/// Go's unexported `checkPath`: whole-path rules, then each element.
fn general_path_reason(path: &str, kind: PathKind) -> Result<(), PathReason> {
    if path.is_empty() {
        return Err(PathReason::EmptyString);
    }
    if path.starts_with('-') && kind != PathKind::File {
        return Err(PathReason::LeadingDash);
    }
    if path.contains("//") {
        return Err(PathReason::DoubleSlash);
    }
    if path.ends_with('/') {
        return Err(PathReason::TrailingSlash);
    }
    path.split('/').try_for_each(|elem| check_elem(elem, kind))
}

/// Go's unexported `checkElem`: the rules for one `/`-separated element. Also used by
/// version escaping, where a version must be a valid file-path element.
pub(crate) fn check_elem(elem: &str, kind: PathKind) -> Result<(), PathReason> {
    if elem.is_empty() {
        return Err(PathReason::EmptyElement);
    }
    if elem.bytes().all(|b| b == b'.') {
        return Err(PathReason::DotsOnly(elem.to_string()));
    }
    if elem.starts_with('.') && kind == PathKind::Module {
        return Err(PathReason::LeadingDot);
    }
    if elem.ends_with('.') {
        return Err(PathReason::TrailingDot);
    }
    let allowed = match kind {
        PathKind::Module => module_char_ok,
        PathKind::Import => import_char_ok,
        PathKind::File => file_char_ok,
    };
    if let Some(c) = elem.chars().find(|&c| !allowed(c)) {
        return Err(PathReason::InvalidChar(c));
    }

    // Windows reserves device names whatever follows the first dot.
    let short = elem.split('.').next().unwrap_or_default();
    if WINDOWS_RESERVED
        .iter()
        .any(|bad| bad.eq_ignore_ascii_case(short))
    {
        return Err(PathReason::WindowsReserved(short.to_string()));
    }

    // Windows short names (`PROGRA~1`) only matter where Go resolves import paths.
    if kind != PathKind::File
        && let Some(tilde) = short.rfind('~')
    {
        let suffix = &short[tilde + 1..];
        if !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PathReason::TrailingTildeDigits);
        }
    }
    Ok(())
}

/// Device names Windows reserves in every directory.
const WINDOWS_RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// The first element is an LDH domain name, lower case only.
fn first_element_ok(c: char) -> bool {
    c == '-' || c == '.' || c.is_ascii_digit() || c.is_ascii_lowercase()
}

fn module_char_ok(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

fn import_char_ok(c: char) -> bool {
    module_char_ok(c) || c == '+'
}

fn file_char_ok(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || "!#$%&()+,-.=@[]^_{}~ ".contains(c)
    } else {
        crate::gounicode::is_letter(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(r: Result<(), Error>) -> String {
        r.err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn module_path_messages() {
        let cases = [
            ("example.com/m", ""),
            (
                "x",
                r#"malformed module path "x": missing dot in first path element"#,
            ),
            ("", r#"malformed module path "": empty string"#),
            (
                "/x.y",
                r#"malformed module path "/x.y": empty path element"#,
            ),
            ("-x.y", r#"malformed module path "-x.y": leading dash"#),
            ("x.y//z", r#"malformed module path "x.y//z": double slash"#),
            ("x.y/", r#"malformed module path "x.y/": trailing slash"#),
            (
                "x.y/..",
                r#"malformed module path "x.y/..": invalid path element "..""#,
            ),
            (
                "x.y/.z",
                r#"malformed module path "x.y/.z": leading dot in path element"#,
            ),
            (
                "x.y/z.",
                r#"malformed module path "x.y/z.": trailing dot in path element"#,
            ),
            (
                "x.y/z+",
                r#"malformed module path "x.y/z+": invalid char '+'"#,
            ),
            (
                "X.y/z",
                r#"malformed module path "X.y/z": invalid char 'X' in first path element"#,
            ),
            (
                "x.y/Aux.go",
                r#"malformed module path "x.y/Aux.go": "Aux" disallowed as path element component on Windows"#,
            ),
            (
                "x.y/a~12",
                r#"malformed module path "x.y/a~12": trailing tilde and digits in path element"#,
            ),
            (
                "x.y/v1",
                r#"malformed module path "x.y/v1": invalid version"#,
            ),
            (
                "x.y/z/v0",
                r#"malformed module path "x.y/z/v0": invalid version"#,
            ),
            (
                "gopkg.in/yaml",
                r#"malformed module path "gopkg.in/yaml": invalid version"#,
            ),
        ];
        for (path, want) in cases {
            assert_eq!(msg(check_path(path)), want, "{path}");
        }
    }

    #[test]
    fn kinds_differ() {
        assert!(check_import_path("x.y/z++").is_ok());
        assert!(check_path("x.y/z++").is_err());
        assert!(check_file_path("-x/.git/a b@c").is_ok());
        assert!(check_import_path(".gitignore").is_ok());
        assert_eq!(
            msg(check_file_path("a/b:c")),
            r#"malformed file path "a/b:c": invalid char ':'"#
        );
        assert_eq!(
            msg(check_import_path("a/\u{263a}")),
            r#"malformed import path "a/☺": invalid char '☺'"#
        );
        assert!(check_file_path("x/испытание").is_ok());
        assert!(check_file_path("x/z~1").is_ok());
    }

    #[test]
    fn invalid_utf8_bytes() {
        let err = check_file_path_bytes(b"a/\xffb").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"malformed file path "a/\xffb": invalid UTF-8"#
        );
        assert!(err.is_invalid_path());
        let err = check_path_bytes(b"x.y/\xc0").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"malformed module path "x.y/\xc0": invalid UTF-8"#
        );
        assert_eq!(check_path_bytes(b"x.y/z").ok(), Some("x.y/z"));
        assert_eq!(check_file_path_bytes(b"a b").ok(), Some("a b"));
    }
}
