//! The one error type of the log layer. Each variant's Display is the text Go's
//! `golang.org/x/mod/sumdb/tlog` gives for the same failure, so messages that reach
//! the user (`verifying module: …: downloaded inconsistent tile`) read as `go`'s do.

use super::Tile;
use std::sync::Arc;

/// Anything that went wrong in the log layer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TlogError {
    /// A signed tree head's text is not `go.sum database tree\n<N>\n<hash>\n…`.
    #[error("malformed tree note")]
    MalformedTree,

    /// A record (lookup response or record text) is not `<id>\n<text>\n`.
    #[error("malformed record data")]
    MalformedRecord,

    /// A [`HashReader`](super::HashReader) answered with the wrong number of hashes.
    #[error("tlog: ReadHashes({want} indexes) = {got} hashes")]
    ShortRead { want: usize, got: usize },

    /// Proof arguments out of range (record index not below the tree size, …); the
    /// payload is Go's function name (`ProveRecord`, `CheckRecord`, …).
    #[error("tlog: invalid inputs in {0}")]
    InvalidInputs(&'static str),

    /// A record or tree proof does not reproduce the expected hashes.
    #[error("invalid transparency proof")]
    ProofFailed,

    /// A tile outside the valid coordinates (height 1..=30, level 0..64, width
    /// 1..=2^height).
    #[error("invalid tile {}", .0.path())]
    InvalidTile(Tile),

    /// A tile height outside 1..=30 given to the tile planner.
    #[error("invalid tile height {0}")]
    InvalidHeight(u32),

    /// Tile data shorter than the tile's width says.
    #[error("data len {len} too short for tile {}", .tile.path())]
    ShortTileData { len: usize, tile: Tile },

    /// A stored-hash index asked of a tile that does not hold it.
    #[error("index {index} is in {} not {}", .holder.path(), .tile.path())]
    IndexNotInTile {
        index: u64,
        holder: Tile,
        tile: Tile,
    },

    /// Hashes asked of a tree that does not hold them yet.
    #[error("indexes not in tree")]
    IndexesNotInTree,

    /// The tile reader returned a different number of tiles than asked for.
    #[error("TileReader returned bad result slice (len={got}, want {want})")]
    BadTileCount { got: usize, want: usize },

    /// The tile reader returned data of the wrong length for a tile.
    #[error("TileReader returned bad result slice ({} len={len}, want {want})", .tile.path())]
    BadTileData { tile: Tile, len: usize, want: usize },

    /// Downloaded tiles do not hash up to the signed tree (or to their parent tile).
    #[error("downloaded inconsistent tile")]
    InconsistentTile,

    /// The tiles handed to [`verify_tiles`](super::verify_tiles) are not the ones
    /// [`tiles_for_hashes`](super::tiles_for_hashes) planned for the same request.
    #[error("tlog: tiles do not match the plan for tree of size {tree_n}")]
    TilesNotPlanned { tree_n: u64 },

    /// An internal inconsistency in the tile arithmetic (Go's "bad math" messages,
    /// which carry the tree size, the indexes and the tile involved).
    #[error("{0}")]
    BadMath(String),

    /// A stored-hash index past the end of an in-memory hash list.
    #[error("index out of range [{index}] with length {len}")]
    IndexOutOfRange { index: u64, len: usize },

    /// An error from outside the log layer: a hash or tile reader's own failure
    /// (storage, network), passed through unchanged.
    #[error(transparent)]
    Reader(Arc<dyn std::error::Error + Send + Sync + 'static>),
}

impl TlogError {
    /// Wraps a reader's own error (see [`TlogError::Reader`]).
    pub fn reader(err: impl std::error::Error + Send + Sync + 'static) -> TlogError {
        TlogError::Reader(Arc::new(err))
    }
}

/// Go's `%v` of a `tlog.Tile` value (a struct without a String method): `{H L N W}`.
pub(crate) fn go_tile(t: Tile) -> String {
    format!("{{{} {} {} {}}}", t.h, t.l, t.n, t.w)
}

/// Go's `%v` of an `[]int64`: `[1 2 3]`.
pub(crate) fn go_indexes(indexes: &[u64]) -> String {
    let parts: Vec<String> = indexes.iter().map(u64::to_string).collect();
    format!("[{}]", parts.join(" "))
}
