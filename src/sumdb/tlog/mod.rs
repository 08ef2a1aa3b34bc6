//! Transparent-log arithmetic, as Go's `golang.org/x/mod/sumdb/tlog` defines it.
//!
//! The log is an RFC 6962 Merkle tree over records. Its hashes are stored in *tiles*:
//! a tile of height H at level L holds up to 2^H consecutive hashes of tree level L·H.
//! The checksum-database client reads tiles to prove that a record is in a signed tree
//! and that a newer signed tree extends an older one, so the layout, the numbering and
//! the paths must match Go's bit for bit: the tiles are cached on disk under their paths
//! and shared with the real `go` command.
//!
//! - [`hash`](Hash): record, node and empty-tree hashes.
//! - [`format_tree`], [`parse_tree`], [`format_record`], [`parse_record`]: the signed
//!   tree head and the record text.
//! - [`stored_hash_index`] and friends: the numbering of every hash of the tree in the
//!   order a server appends them; [`stored_hashes`] is what one new record appends,
//!   [`tree_hash`] the root over a prefix; [`HashReader`] is how they read hashes.
//! - [`prove_record`], [`check_record`], [`prove_tree`], [`check_tree`]: RFC 6962
//!   inclusion and consistency proofs.
//! - [`Tile`], [`tile_for_index`], [`hash_from_tile`], [`new_tiles`],
//!   [`read_tile_data`]: tile coordinates, contents, and what a server publishes.
//! - [`tiles_for_hashes`] and [`verify_tiles`]: a client's authenticated read of
//!   stored hashes through tiles, split into a plan (which tiles to fetch) and a
//!   check (do the fetched tiles hash up to the signed tree), so that the fetching,
//!   which is I/O, stays out of this pure layer. [`TileHashReader`] joins the two
//!   around a synchronous [`TileReader`].
//!
//! Nothing here panics on data a server sends; each error's text is Go's.

mod auth;
mod error;
mod format;
mod hash;
mod proof;
#[cfg(test)]
mod proptests;
mod stored;
mod tile;
mod tiling;

pub use auth::{TileHashReader, TileReader, tiles_for_hashes, verify_tiles};
pub use error::TlogError;
pub use format::{
    Tree, format_record, format_tree, is_valid_record_text, parse_record, parse_tree,
};
pub use hash::{EMPTY_TREE_HASH, Hash, HashError, node_hash, record_hash};
pub use proof::{
    RecordProof, TreeProof, check_record, check_tree, prove_record, prove_tree,
    record_proof_indexes, tree_proof_indexes,
};
pub use stored::{
    HashReader, split_stored_hash_index, stored_hash_count, stored_hash_index, stored_hashes,
    stored_hashes_for_record_hash, tree_hash, tree_hash_indexes,
};
pub use tile::{Tile, TilePathError};
pub use tiling::{hash_from_tile, new_tiles, read_tile_data, tile_for_index};
