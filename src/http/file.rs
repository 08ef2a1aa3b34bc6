//! `file://` GETs, as `cmd/go/internal/web` serves them (`getFile`).
//!
//! The URL is turned into a local path (`config::fileurl`, Go's `urlToFilePath`); a missing file is a
//! synthesized `404 Not Found` and an unreadable one a `403 Forbidden`, both carrying
//! the OS error so the message reads `reading file:///…: no such file or directory`.
//! Any other open failure is returned as Go's path error (`open /p: not a directory`).
//! A directory opens fine and fails on the first read, as in Go.

use super::body::Body;
use super::client::Response;
use super::error::{Error, ErrorKind, errno_text};
use super::gourl::GoUrl;
use crate::config::fileurl::{PathStyle, url_to_file_path};
use std::path::PathBuf;

#[cfg(unix)]
fn path_from_bytes(b: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(b))
}

#[cfg(not(unix))]
fn path_from_bytes(b: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&b).into_owned())
}

/// Opens the file a `file:` URL names (see the module docs).
pub(crate) async fn get_file(url: &GoUrl) -> Result<Response, Error> {
    let path = url_to_file_path(url.as_url(), PathStyle::NATIVE)
        .map_err(|e| Error::new(ErrorKind::File(e.to_string())))?;
    let path = path_from_bytes(path);
    let redacted = url.redacted();
    match tokio::fs::File::open(&path).await {
        Ok(f) => Ok(Response::synthesized(
            redacted.clone(),
            200,
            "OK",
            None,
            Body::file(redacted, f, path),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Response::synthesized(
            redacted.clone(),
            404,
            "Not Found",
            Some(errno_text(&e)),
            Body::empty(redacted),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Ok(Response::synthesized(
            redacted.clone(),
            403,
            "Forbidden",
            Some(errno_text(&e)),
            Body::empty(redacted),
        )),
        Err(e) => Err(Error::new(ErrorKind::File(format!(
            "open {}: {}",
            path.display(),
            errno_text(&e)
        )))),
    }
}
