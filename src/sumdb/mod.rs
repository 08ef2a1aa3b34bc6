//! The checksum database (Go's `golang.org/x/mod/sumdb`).
//!
//! Pure (domain layer: bytes in, values or Go's errors out):
//! - [`gosumdb`]: the `GOSUMDB` setting → which database, with which key, at which URL.
//! - [`note`]: signed notes (the signed tree heads): verifier and signer keys, opening
//!   a note against known keys, signing one.
//! - [`tlog`]: the transparent log's arithmetic: record and node hashes, stored-hash
//!   numbering, tiles and their paths, tree hashes, and authenticating tiles against a
//!   signed tree head.
//!
//! Sources layer:
//! - [`client`]: authenticated lookups, the `latest` tree head and the on-disk cache,
//!   over an I/O trait the engine implements.

pub mod client;
pub mod gosumdb;
pub mod note;
pub mod tlog;
