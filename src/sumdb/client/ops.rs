//! What the client needs from the outside world (Go's `sumdb.ClientOps`).
//!
//! The engine implements it with the HTTP client, the GOPROXY walk and flock'd files;
//! the vector tests implement it over canned server answers. Paths are the ones Go
//! uses, so the files a real `go` writes are the files we read, and back:
//! * remote: `/lookup/<escaped path>@<escaped version>` and `/tile/<H>/<L>/<N>[.p/<W>]`,
//!   relative to the database's base URL;
//! * config: `<name>/latest`, the newest verified signed tree head
//!   (`$GOPATH/pkg/sumdb/<name>/latest`);
//! * cache: `<name>/lookup/…` and `<name>/tile/…`
//!   (`$GOMODCACHE/cache/download/sumdb/<name>/…`), written only with authenticated data.

use std::future::Future;

/// `write_config` lost a race: the file no longer holds what the caller last read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteConfigError {
    /// Another writer changed the file first; the client re-reads and merges.
    #[error("write conflict")]
    Conflict,
    /// Any other failure, in Go's words.
    #[error("{0}")]
    Failed(String),
}

/// The client's I/O. Every method may be called concurrently.
pub trait ClientOps: Send + Sync + 'static {
    /// GET `<base><path>`; an error is the whole message Go would print for it
    /// (`reading <url>: 404 Not Found…`).
    fn read_remote(&self, path: &str) -> impl Future<Output = Result<Vec<u8>, String>> + Send;

    /// The contents of a config file; a missing file is empty contents, not an error.
    fn read_config(&self, file: &str) -> impl Future<Output = Result<Vec<u8>, String>> + Send;

    /// Compare-and-swap: replaces the file's contents with `new` if it is empty or
    /// still holds `old`.
    fn write_config(
        &self,
        file: &str,
        old: &[u8],
        new: &[u8],
    ) -> impl Future<Output = Result<(), WriteConfigError>> + Send;

    /// A cached file, or `None` (an empty file counts as missing: a reader can see a
    /// file another process has created but not yet written).
    fn read_cache(&self, file: &str) -> impl Future<Output = Option<Vec<u8>>> + Send;

    /// Caches authenticated data. Failures are ignored, as in Go.
    fn write_cache(&self, file: &str, data: &[u8]) -> impl Future<Output = ()> + Send;
}
