//! A module zip streamed from a proxy (Go's `proxyRepo.Zip`).
//!
//! The engine reads chunks and feeds them to the zip streamer. More than
//! [`MAX_ZIP_FILE`](super::MAX_ZIP_FILE) bytes fails with `downloaded zip file too large`
//! (Go reads 500 MiB + 1 byte to notice). A transient failure of the body can be
//! answered with [`ZipDownload::restart`]: the zip is requested again and the caller
//! starts over from the first byte. Errors are wrapped as Go wraps them
//! (`<path>@<version>: read "<url>": unexpected EOF`).

use super::error::{Failure, ProxyError};
use super::repo::MAX_ZIP_FILE;
use crate::http::{self, Download, RedactedUrl};
use bytes::Bytes;

/// The body of a `.zip` response, restartable; or a zip built in memory (direct mode).
#[derive(Debug)]
pub struct ZipDownload {
    path: String,
    version: String,
    source: Source,
    total: u64,
}

#[derive(Debug)]
enum Source {
    Http(Box<Download>),
    /// The whole zip, handed out as one chunk (then `None` until a restart).
    Memory {
        zip: Bytes,
        given: bool,
    },
}

impl ZipDownload {
    pub(crate) fn new(path: &str, version: &str, download: Download) -> ZipDownload {
        ZipDownload {
            path: path.to_string(),
            version: version.to_string(),
            source: Source::Http(Box::new(download)),
            total: 0,
        }
    }

    /// A zip already built (from a code repository).
    pub fn from_memory(path: &str, version: &str, zip: Vec<u8>) -> ZipDownload {
        ZipDownload {
            path: path.to_string(),
            version: version.to_string(),
            source: Source::Memory {
                zip: Bytes::from(zip),
                given: false,
            },
            total: 0,
        }
    }

    /// The zip's URL (redacted), when it came over HTTP.
    pub fn url(&self) -> Option<&RedactedUrl> {
        match &self.source {
            Source::Http(d) => Some(d.url()),
            Source::Memory { .. } => None,
        }
    }

    /// Requests made so far.
    pub fn attempts(&self) -> u32 {
        match &self.source {
            Source::Http(d) => d.attempts(),
            Source::Memory { .. } => 1,
        }
    }

    /// Bytes received from the current response.
    pub fn received(&self) -> u64 {
        self.total
    }

    /// The error for a body that could not be written where it goes (`write <temp
    /// file>: no space left on device`): Go copies the body into its temp file and
    /// reports any failure of the copy as `read "<url>": <err>`. Never retried.
    /// `None` for a zip that came whole from memory (no URL to name).
    pub fn write_failed(&self, e: &std::io::Error) -> Option<ProxyError> {
        let cause = http::Cause::new(http::CauseKind::File, e.to_string());
        let url = self.url()?.clone();
        Some(
            self.err(Failure::Http(http::Error::new(http::ErrorKind::Body {
                url,
                cause,
            }))),
        )
    }

    fn err(&self, failure: Failure) -> ProxyError {
        ProxyError::version(&self.path, &self.version, failure)
    }

    /// The next chunk; `None` at the end of the zip.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, ProxyError> {
        let download = match &mut self.source {
            Source::Http(d) => d,
            Source::Memory { zip, given } => {
                if std::mem::replace(given, true) {
                    return Ok(None);
                }
                self.total = zip.len() as u64;
                if self.total > MAX_ZIP_FILE {
                    return Err(self.err(Failure::ZipTooLarge));
                }
                return Ok(Some(zip.clone()));
            }
        };
        match download.chunk().await {
            Err(e) => Err(self.err(Failure::Http(e))),
            Ok(None) => Ok(None),
            Ok(Some(c)) => {
                self.total += c.len() as u64;
                if self.total > MAX_ZIP_FILE {
                    return Err(self.err(Failure::ZipTooLarge));
                }
                Ok(Some(c))
            }
        }
    }

    /// Restarts the download after `failure` if it is a transient HTTP failure and the
    /// retry budget allows (then the caller starts over); otherwise returns `failure`
    /// (an HTTP failure noting the attempts made).
    pub async fn restart(&mut self, failure: ProxyError) -> Result<(), ProxyError> {
        let (Some(http), Source::Http(download)) =
            (failure.http_error().cloned(), &mut self.source)
        else {
            return Err(failure);
        };
        download
            .restart(http)
            .await
            .map_err(|e| self.err(Failure::Http(e)))?;
        self.total = 0;
        Ok(())
    }
}
