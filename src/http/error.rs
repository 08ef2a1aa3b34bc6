//! HTTP errors whose `Display` is the go command's text, with the predicates callers
//! decide on.
//!
//! | failure | text (Go's) |
//! |---|---|
//! | status ≠ 200 | `reading <url>: 404 Not Found` (+ `\n\tserver response: …`) |
//! | missing `file://` file | `reading file:///…: no such file or directory` |
//! | no response (`client.Do`) | `Get "<url>": dial tcp 127.0.0.1:1: connect: connection refused` |
//! | body broke | `read "<url>": unexpected EOF` |
//! | http URL with a password | `refusing to pass credentials to insecure URL: <url>` |
//!
//! The URL is always the redacted one (`xxxxx` for a password; `***` inside
//! `Get "<url>"`, as net/http strips it). Transport failures cannot always be worded
//! exactly as Go's network stack words them (Go names both socket addresses); they keep
//! Go's shape and vocabulary (see [`Cause`]).
//!
//! When a request was retried, ` (after N attempts)` follows the first line: the text
//! is Go's exactly when no retry happened.

use super::gourl::RedactedUrl;
use std::fmt;

/// What class of transport failure a [`Cause`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CauseKind {
    /// TCP connect failed (refused, unreachable).
    Connect,
    /// The host name did not resolve.
    Dns,
    /// TLS handshake or certificate verification failed.
    Tls,
    /// The connection was reset or closed early.
    Reset,
    /// The body ended before its announced length.
    UnexpectedEof,
    /// An HTTP/2 stream or connection error.
    Http2,
    /// No progress within the client's time limits.
    Timeout,
    /// A redirect was refused (too many, https→http, bad `Location`).
    Redirect,
    /// A local file could not be read.
    File,
    /// Anything else.
    Other,
}

/// The reason inside `Get "<url>": <reason>` or `read "<url>": <reason>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub kind: CauseKind,
    pub text: String,
}

impl Cause {
    pub fn new(kind: CauseKind, text: impl Into<String>) -> Cause {
        Cause {
            kind,
            text: text.into(),
        }
    }

    /// Whether trying again may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            CauseKind::Connect
                | CauseKind::Dns
                | CauseKind::Reset
                | CauseKind::UnexpectedEof
                | CauseKind::Http2
                | CauseKind::Timeout
        )
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A response with a status other than 200 (Go's `web.HTTPError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusError {
    pub url: RedactedUrl,
    pub code: u16,
    /// Go's `Response.Status`: `404 Not Found` (or `Not Found` for `file://`).
    pub status: String,
    /// The `server response:` summary (may be empty).
    pub detail: String,
    /// For a synthesized `file://` response: the OS error text
    /// (`no such file or directory`).
    pub file_error: Option<String>,
    /// The `Retry-After` the server sent, in seconds.
    pub retry_after: Option<u64>,
}

/// What went wrong with one GET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    Status(StatusError),
    /// No usable response: Go's `*url.Error` from the client, `Get "<url>": <cause>`.
    Request {
        url: String,
        cause: Cause,
    },
    /// The body failed while being read: `read "<url>": <cause>`.
    Body {
        url: RedactedUrl,
        cause: Cause,
    },
    /// A body exceeded the limit the caller set.
    TooLarge {
        url: RedactedUrl,
        limit: u64,
    },
    /// `refusing to pass credentials to insecure URL: <url>`.
    InsecureCredentials(RedactedUrl),
    /// `unsupported scheme: <url>`.
    UnsupportedScheme(RedactedUrl),
    /// A `file:` URL that names no local path, or a file that could not be opened for
    /// another reason than absence or permissions (Go returns these unwrapped).
    File(String),
}

/// One GET's failure (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: Box<ErrorKind>,
    attempts: u32,
}

impl Error {
    pub fn new(kind: ErrorKind) -> Error {
        Error {
            kind: Box::new(kind),
            attempts: 1,
        }
    }

    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// How many requests were made before giving up.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    pub(crate) fn with_attempts(mut self, n: u32) -> Error {
        self.attempts = n.max(1);
        self
    }

    /// The status code, for a status error.
    pub fn status_code(&self) -> Option<u16> {
        match &*self.kind {
            ErrorKind::Status(s) => Some(s.code),
            _ => None,
        }
    }

    /// "Not found" in Go's sense (`errors.Is(err, fs.ErrNotExist)`): 404 or 410, which
    /// includes a missing `file://` file. Drives the `,` fallback to the next proxy.
    pub fn is_not_found(&self) -> bool {
        matches!(self.status_code(), Some(404 | 410))
    }

    /// Whether trying again may succeed: 5xx, 408, 429, connection failures, resets,
    /// HTTP/2 errors, time-outs, bodies cut short. Never 404/410 or other 4xx,
    /// certificate errors, redirect refusals or local file errors.
    pub fn is_transient(&self) -> bool {
        match &*self.kind {
            ErrorKind::Status(s) => {
                s.file_error.is_none() && (s.code >= 500 || s.code == 408 || s.code == 429)
            }
            ErrorKind::Request { cause, .. } | ErrorKind::Body { cause, .. } => {
                cause.is_transient()
            }
            _ => false,
        }
    }

    /// The server's `Retry-After`, in seconds, if it sent one.
    pub fn retry_after(&self) -> Option<u64> {
        match &*self.kind {
            ErrorKind::Status(s) => s.retry_after,
            _ => None,
        }
    }

    /// The transport cause, for request and body errors.
    pub fn cause(&self) -> Option<&Cause> {
        match &*self.kind {
            ErrorKind::Request { cause, .. } | ErrorKind::Body { cause, .. } => Some(cause),
            _ => None,
        }
    }

    fn go_text(&self) -> String {
        match &*self.kind {
            ErrorKind::Status(s) => {
                if !s.detail.is_empty() {
                    let sep = if s.detail.contains('\n') { "\n\t" } else { " " };
                    format!(
                        "reading {}: {}\n\tserver response:{sep}{}",
                        s.url, s.status, s.detail
                    )
                } else if let Some(e) = &s.file_error {
                    format!("reading {}: {e}", s.url)
                } else {
                    format!("reading {}: {}", s.url, s.status)
                }
            }
            ErrorKind::Request { url, cause } => {
                format!("Get {}: {cause}", crate::gostr::quote(url))
            }
            ErrorKind::Body { url, cause } => {
                format!("read {}: {cause}", crate::gostr::quote(url.as_str()))
            }
            ErrorKind::TooLarge { url, limit } => {
                format!("reading {url}: response body too large (more than {limit} bytes)")
            }
            ErrorKind::InsecureCredentials(u) => {
                format!("refusing to pass credentials to insecure URL: {u}")
            }
            ErrorKind::UnsupportedScheme(u) => format!("unsupported scheme: {u}"),
            ErrorKind::File(e) => e.clone(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.go_text();
        if self.attempts <= 1 {
            return f.write_str(&text);
        }
        let note = format!(" (after {} attempts)", self.attempts);
        match text.split_once('\n') {
            Some((first, rest)) => write!(f, "{first}{note}\n{rest}"),
            None => write!(f, "{text}{note}"),
        }
    }
}

impl std::error::Error for Error {}

/// Go's `syscall.Errno` text of an OS error: the C library's message with a lower-case
/// first letter and no `(os error N)` suffix.
pub fn errno_text(err: &std::io::Error) -> String {
    let text = err.to_string();
    let Some(code) = err.raw_os_error() else {
        return text;
    };
    let text = text
        .strip_suffix(&format!(" (os error {code})"))
        .unwrap_or(&text);
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16, text: &str, detail: &str) -> Error {
        Error::new(ErrorKind::Status(StatusError {
            url: RedactedUrl("https://p/x/@v/v1.info".into()),
            code,
            status: text.into(),
            detail: detail.into(),
            file_error: None,
            retry_after: None,
        }))
    }

    #[test]
    fn texts() {
        assert_eq!(
            status(404, "404 Not Found", "").to_string(),
            "reading https://p/x/@v/v1.info: 404 Not Found"
        );
        assert_eq!(
            status(404, "404 Not Found", "not found: x").to_string(),
            "reading https://p/x/@v/v1.info: 404 Not Found\n\tserver response: not found: x"
        );
        assert_eq!(
            status(500, "500 Internal Server Error", "a\n\tb").to_string(),
            "reading https://p/x/@v/v1.info: 500 Internal Server Error\n\tserver response:\n\ta\n\tb"
        );
        assert_eq!(
            status(500, "500 Internal Server Error", "a\n\tb")
                .with_attempts(3)
                .to_string(),
            "reading https://p/x/@v/v1.info: 500 Internal Server Error (after 3 attempts)\n\tserver response:\n\ta\n\tb"
        );
        assert!(status(410, "410 Gone", "").is_not_found());
        assert!(status(503, "503 Service Unavailable", "").is_transient());
        assert!(!status(403, "403 Forbidden", "").is_transient());
        let e = Error::new(ErrorKind::Body {
            url: RedactedUrl("http://h/x.zip".into()),
            cause: Cause::new(CauseKind::UnexpectedEof, "unexpected EOF"),
        });
        assert_eq!(e.to_string(), r#"read "http://h/x.zip": unexpected EOF"#);
        assert!(e.is_transient());
    }
}
