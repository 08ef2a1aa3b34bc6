//! The checksum database (Go's `golang.org/x/mod/sumdb`): the pure parts.
//!
//! - [`gosumdb`]: the `GOSUMDB` setting → which database, with which key, at which URL.
//! - [`note`]: signed notes (the signed tree heads): verifier and signer keys, opening
//!   a note against known keys, signing one.
//! - [`tlog`]: the transparent log's arithmetic: record and node hashes, stored-hash
//!   numbering, tiles and their paths, tree hashes, and authenticating tiles against a
//!   signed tree head.
//!
//! Everything here takes bytes and returns values or errors whose text is Go's; the
//! client that fetches lookups and tiles, caches them and keeps the `latest` tree head
//! lives above this layer.

pub mod gosumdb;
pub mod note;
pub mod tlog;
