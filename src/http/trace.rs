//! The `-x` trace of HTTP requests, exactly as the go command prints it:
//! `# get <url>` before a request, then `# get <url>: 200 OK (0.123s)` when a response
//! arrives (whatever its status) or `# get <url>: <error>` when none does. URLs are
//! redacted. The client only produces the lines; where they go (stderr, a test buffer)
//! is the [`Trace`] implementation's business. `file://` requests are not traced (Go
//! does not trace them either).

use super::gourl::RedactedUrl;
use std::time::Duration;

/// Receives trace lines (without the trailing newline). Called from async tasks:
/// implementations must be quick and must not block.
pub trait Trace: Send + Sync + 'static {
    fn line(&self, line: &str);
}

pub(crate) fn start(url: &RedactedUrl) -> String {
    format!("# get {url}")
}

pub(crate) fn response(url: &RedactedUrl, status: &str, elapsed: Duration) -> String {
    format!("# get {url}: {status} ({:.3}s)", elapsed.as_secs_f64())
}

pub(crate) fn failure(url: &RedactedUrl, err: &dyn std::fmt::Display) -> String {
    format!("# get {url}: {err}")
}

/// A [`Trace`] that collects lines in memory (for tests).
#[derive(Debug, Default)]
pub struct TraceBuffer {
    lines: std::sync::Mutex<Vec<String>>,
}

impl TraceBuffer {
    pub fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Trace for TraceBuffer {
    fn line(&self, line: &str) {
        self.lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(line.to_string());
    }
}
