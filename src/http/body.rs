//! Response bodies, read as they arrive.
//!
//! A [`Body`] yields chunks; a failure while reading is `read "<url>": <cause>` (the
//! form the go command gives body errors). Reading never waits forever: a body must
//! deliver [`MIN_PROGRESS`] bytes (or end) within every window of the client's idle
//! time-out, else the read fails with a transient time-out (a stall is `i/o timeout`;
//! a drip below that pace names the pace), and
//! [`Body::read_to_end`] enforces a size limit and an optional overall deadline, so a
//! hostile server (endless, huge or dripping bodies) costs bounded time and memory.
//!
//! A [`Download`] is a body that can be restarted: when a chunk fails with a transient
//! error, [`Download::restart`] requests the URL again (within the retry budget) and
//! the caller starts consuming from the first byte again.

use super::client::Client;
use super::error::{Cause, CauseKind, Error, ErrorKind, errno_text};
use super::gourl::{GoUrl, RedactedUrl};
use super::transport;
use bytes::Bytes;
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// The bytes a body must deliver within every idle time-out window (or end): 16 KiB,
/// about 270 bytes a second with the default 60 s window. Slower is a drip that
/// would hold a download for hours.
pub const MIN_PROGRESS: u64 = 16 * 1024;

enum Source {
    Http {
        resp: Box<reqwest::Response>,
        url: GoUrl,
        idle: Duration,
        /// When the current progress window began, and the bytes received in it.
        window: (tokio::time::Instant, u64),
    },
    File {
        file: tokio::fs::File,
        path: PathBuf,
    },
    Empty,
}

/// A response body being read.
pub struct Body {
    url: RedactedUrl,
    source: Source,
    received: u64,
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Body")
            .field("url", &self.url)
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

impl Body {
    pub(crate) fn http(resp: reqwest::Response, url: &GoUrl, idle: Duration) -> Body {
        Body {
            url: url.redacted(),
            source: Source::Http {
                resp: Box::new(resp),
                url: url.clone(),
                idle,
                window: (tokio::time::Instant::now(), 0),
            },
            received: 0,
        }
    }

    pub(crate) fn file(url: RedactedUrl, file: tokio::fs::File, path: PathBuf) -> Body {
        Body {
            url,
            source: Source::File { file, path },
            received: 0,
        }
    }

    pub(crate) fn empty(url: RedactedUrl) -> Body {
        Body {
            url,
            source: Source::Empty,
            received: 0,
        }
    }

    /// The URL this body answers (redacted; the URL first requested, not a redirect's).
    pub fn url(&self) -> &RedactedUrl {
        &self.url
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    fn body_error(&self, cause: Cause) -> Error {
        Error::new(ErrorKind::Body {
            url: self.url.clone(),
            cause,
        })
    }

    /// The next chunk; `None` at the end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        let got = match &mut self.source {
            Source::Empty => return Ok(None),
            Source::Http {
                resp,
                url,
                idle,
                window,
            } => {
                let deadline = window.0 + *idle;
                match tokio::time::timeout_at(deadline, resp.chunk()).await {
                    Err(_) if window.1 == 0 => Err(Cause::new(CauseKind::Timeout, "i/o timeout")),
                    Err(_) => Err(Cause::new(
                        CauseKind::Timeout,
                        format!(
                            "i/o timeout: {} bytes in {:?}, under the {MIN_PROGRESS} bytes required",
                            window.1, idle
                        ),
                    )),
                    Ok(Err(e)) => Err(transport::classify(&e, url, true)),
                    Ok(Ok(c)) => {
                        if let Some(c) = &c {
                            window.1 += c.len() as u64;
                            if window.1 >= MIN_PROGRESS {
                                *window = (tokio::time::Instant::now(), 0);
                            }
                        }
                        Ok(c)
                    }
                }
            }
            Source::File { file, path } => {
                let mut buf = vec![0u8; 64 * 1024];
                match file.read(&mut buf).await {
                    Err(e) => Err(Cause::new(
                        CauseKind::File,
                        format!("read {}: {}", path.display(), errno_text(&e)),
                    )),
                    Ok(0) => Ok(None),
                    Ok(n) => {
                        buf.truncate(n);
                        Ok(Some(Bytes::from(buf)))
                    }
                }
            }
        };
        match got {
            Err(cause) => Err(self.body_error(cause)),
            Ok(Some(c)) => {
                self.received += c.len() as u64;
                Ok(Some(c))
            }
            Ok(None) => Ok(None),
        }
    }

    /// Reads the rest of the body into memory: at most `limit` bytes (more is
    /// [`ErrorKind::TooLarge`]), within `deadline` if given (else a time-out).
    pub async fn read_to_end(
        mut self,
        limit: u64,
        deadline: Option<Duration>,
    ) -> Result<Vec<u8>, Error> {
        let url = self.url.clone();
        let read = async {
            let mut out = Vec::new();
            while let Some(c) = self.chunk().await? {
                if out.len() as u64 + c.len() as u64 > limit {
                    return Err(Error::new(ErrorKind::TooLarge {
                        url: self.url.clone(),
                        limit,
                    }));
                }
                out.extend_from_slice(&c);
            }
            Ok(out)
        };
        match deadline {
            None => read.await,
            Some(d) => tokio::time::timeout(d, read).await.unwrap_or_else(|_| {
                Err(Error::new(ErrorKind::Body {
                    url,
                    cause: Cause::new(CauseKind::Timeout, "i/o timeout"),
                }))
            }),
        }
    }

    /// Reads at most `limit` bytes (for error details); stops early on any error.
    pub(crate) async fn read_prefix(&mut self, limit: usize) -> Vec<u8> {
        let mut out = Vec::new();
        while out.len() < limit {
            match self.chunk().await {
                Ok(Some(c)) => {
                    let take = c.len().min(limit - out.len());
                    out.extend_from_slice(&c[..take]);
                }
                _ => break,
            }
        }
        out
    }
}

/// A body that can be requested again from the start (see the module docs).
#[derive(Debug)]
pub struct Download {
    client: Client,
    url: GoUrl,
    body: Body,
    attempts: u32,
}

impl Download {
    pub(crate) fn new(client: Client, url: GoUrl, body: Body, attempts: u32) -> Download {
        Download {
            client,
            url,
            body,
            attempts,
        }
    }

    /// The URL (redacted).
    pub fn url(&self) -> &RedactedUrl {
        self.body.url()
    }

    /// Requests made so far for this download.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Bytes received from the current response.
    pub fn received(&self) -> u64 {
        self.body.received()
    }

    /// The next chunk of the current response; `None` at the end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        self.body.chunk().await
    }

    /// After `failure` (from [`Download::chunk`] or the caller's own processing of the
    /// bytes): if it is transient and the retry budget allows, waits, requests the URL
    /// again and returns `Ok` — the caller then starts over from the first byte.
    /// Otherwise returns `failure`, noting how many attempts were made.
    pub async fn restart(&mut self, failure: Error) -> Result<(), Error> {
        let policy = self.client.retry_policy();
        if !failure.is_transient() || self.attempts >= policy.max_attempts {
            return Err(failure.with_attempts(self.attempts));
        }
        tokio::time::sleep(policy.delay(self.attempts + 1, failure.retry_after())).await;
        let (resp, attempts) = self
            .client
            .fetch_with_retries(&self.url, true, self.attempts + 1)
            .await?;
        self.attempts = attempts;
        self.body = resp.into_body();
        Ok(())
    }
}
