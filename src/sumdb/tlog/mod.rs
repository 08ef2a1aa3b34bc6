//! Transparent-log arithmetic, as Go's `golang.org/x/mod/sumdb/tlog` defines it.
//!
//! The log is an RFC 6962 Merkle tree over records. Its hashes are stored in *tiles*:
//! a tile of height H at level L holds up to 2^H consecutive hashes of tree level L·H.
//! The checksum-database client reads tiles to prove that a record is in a signed tree
//! and that a newer signed tree extends an older one, so the layout, the numbering and
//! the paths must match Go's bit for bit: the tiles are cached on disk under their paths
//! and shared with the real `go` command.

mod hash;
mod tile;

pub use hash::{EMPTY_TREE_HASH, Hash, HashError, node_hash, record_hash};
pub use tile::{Tile, TilePathError};
