//! Tile coordinates and their paths (`tile/<H>/<L>/<N>[.p/<W>]`).
//!
//! N is written in base 1000, three digits per path element, every element but the
//! last prefixed with `x`, so that no directory holds more than 3000 entries. A tile
//! with fewer than 2^H hashes is *partial* and gets `.p/<W>`. Level `data` names the
//! record-data tiles (L = -1 here). Parsing accepts exactly the paths formatting
//! produces: the sumdb cache on disk is keyed by them.

use std::fmt;

/// Elements of the N part of a tile path are base-1000 digits.
const PATH_BASE: u64 = 1000;

/// A tile: up to 2^`h` hashes of tree level `l`·`h`, starting at index `n`·2^`h`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    /// The tile height (the Go checksum database uses 8).
    pub h: u32,
    /// The tile level; -1 for a record-data tile.
    pub l: i32,
    /// The tile number within its level.
    pub n: u64,
    /// How many hashes it holds, 1..=2^h.
    pub w: u32,
}

/// A tile path that is not one formatting produces (Go's text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed tile path {}", crate::gostr::quote(.0))]
pub struct TilePathError(pub String);

impl Tile {
    /// The tile's path relative to the database root (or to its cache directory).
    pub fn path(&self) -> String {
        let mut groups = vec![format!("{:03}", self.n % PATH_BASE)];
        let mut n = self.n;
        while n >= PATH_BASE {
            n /= PATH_BASE;
            groups.push(format!("x{:03}", n % PATH_BASE));
        }
        groups.reverse();
        let level = if self.l == -1 {
            "data".to_string()
        } else {
            self.l.to_string()
        };
        let full = 1u64.checked_shl(self.h).unwrap_or(0);
        let partial = if u64::from(self.w) != full {
            format!(".p/{}", self.w)
        } else {
            String::new()
        };
        format!("tile/{}/{}/{}{}", self.h, level, groups.join("/"), partial)
    }

    /// Parses a tile path; anything that does not format back to itself is rejected.
    pub fn parse_path(path: &str) -> Result<Tile, TilePathError> {
        parse(path).ok_or_else(|| TilePathError(path.to_string()))
    }

    /// Whether the tile holds fewer hashes than a full one.
    pub fn is_partial(&self) -> bool {
        1u64.checked_shl(self.h)
            .is_some_and(|full| u64::from(self.w) < full)
    }
}

impl fmt::Display for Tile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

fn parse(path: &str) -> Option<Tile> {
    let mut f: Vec<&str> = path.split('/').collect();
    if f.len() < 4 || f[0] != "tile" {
        return None;
    }
    let h: u32 = decimal(f[1])?;
    if !(1..=30).contains(&h) {
        return None;
    }
    let l: i32 = if f[2] == "data" { -1 } else { decimal(f[2])? };
    let mut w = 1u32 << h;
    let last = f.len() - 1;
    if let Some(stem) = f[last - 1].strip_suffix(".p") {
        let ww: u32 = decimal(f[last])?;
        if ww == 0 || ww >= w {
            return None;
        }
        w = ww;
        f[last - 1] = stem;
        f.pop();
    }
    let mut n: u64 = 0;
    for group in &f[3..] {
        let g: u64 = decimal(group.strip_prefix('x').unwrap_or(group))?;
        if g >= PATH_BASE {
            return None;
        }
        n = n.checked_mul(PATH_BASE)?.checked_add(g)?;
    }
    let tile = Tile { h, l, n, w };
    (tile.path() == path).then_some(tile)
}

/// A run of ASCII digits as a number (signs and other forms never format back).
fn decimal<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(h: u32, l: i32, n: u64, w: u32) -> Tile {
        Tile { h, l, n, w }
    }

    #[test]
    fn paths_use_base_1000_groups_and_partial_suffixes() {
        assert_eq!(tile(8, 0, 5, 256).path(), "tile/8/0/005");
        assert_eq!(tile(8, 1, 1234067, 256).path(), "tile/8/1/x001/x234/067");
        assert_eq!(tile(8, 0, 1000, 3).path(), "tile/8/0/x001/000.p/3");
        assert_eq!(tile(8, -1, 2, 256).path(), "tile/8/data/002");
    }

    #[test]
    fn parse_accepts_only_canonical_paths() {
        for t in [
            tile(8, 0, 5, 256),
            tile(2, 3, 1234067, 1),
            tile(8, -1, 0, 7),
        ] {
            assert_eq!(Tile::parse_path(&t.path()), Ok(t));
        }
        for bad in [
            "tile/8/0/5",
            "tile/8/0/x005",
            "tile/8/0/000/005",
            "tile/8/0/005.p/256",
            "tile/8/0/005.p/0",
            "tile/0/0/005",
            "tile/31/0/005",
            "tile/8/-1/005",
            "tile/+8/0/005",
            "tiles/8/0/005",
            "tile/8/0",
        ] {
            assert_eq!(
                Tile::parse_path(bad),
                Err(TilePathError(bad.to_string())),
                "{bad}"
            );
        }
        assert_eq!(
            TilePathError("x/y".into()).to_string(),
            "malformed tile path \"x/y\""
        );
    }
}
