//! The rules of a published tree, pure: what `@v/list` holds, when an object already
//! in the destination counts as the one we would write, and which cached files are
//! fit to publish.
//!
//! # `@v/list`
//! The GOPROXY protocol's list of a module's versions: release and prerelease
//! versions, one per line, no pseudo-versions (`go help goproxy`). Publishers only
//! ever add: the new list is the union of what the destination lists (lines whose
//! first field is a canonical semantic version that is not a pseudo-version; other
//! lines are dropped, as `go` ignores them) and the versions just published, sorted
//! by `semver.Sort`, each line ending in a newline.
//!
//! # Equivalent objects
//! Published objects are never replaced. An object already there is "already
//! published" when it is equivalent to ours:
//! * `.mod`, `.zip`, tiles, `supported`: the same bytes;
//! * `.info`: both parse as JSON and agree on `Version` and `Time` (the instant, so
//!   `…T00:00:00Z` and `…T00:00:00.000Z` agree). The bytes legitimately differ
//!   between caches: `go` and gomodfetch keep what the proxy sent, and proxies add or
//!   omit `Origin`. The existing `.info` is kept;
//! * a sumdb `lookup/…` answer: the same record (the text before the signed tree
//!   head). The head is the database's state at lookup time and differs between
//!   caches; the existing answer is kept.
//!
//! Anything else is a conflict: reported, never overwritten.

use crate::module;
use crate::semver;
use crate::sumdb::tlog::Tile;

/// The `@v/list` after adding `versions` to `existing` (absent: no list yet), or
/// `None` when the existing bytes are already exactly that.
pub fn merged_list<S: AsRef<str>>(existing: Option<&[u8]>, versions: &[S]) -> Option<Vec<u8>> {
    let old_text = existing.map(String::from_utf8_lossy).unwrap_or_default();
    let mut all: Vec<&str> = old_text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .chain(versions.iter().map(AsRef::as_ref))
        .filter(|v| listable(v))
        .collect();
    semver::sort(&mut all);
    all.dedup();
    let mut out = Vec::new();
    for v in all {
        out.extend_from_slice(v.as_bytes());
        out.push(b'\n');
    }
    (existing != Some(out.as_slice())).then_some(out)
}

/// Whether `v` belongs in `@v/list`: canonical semver, not a pseudo-version.
pub fn listable(v: &str) -> bool {
    semver::is_valid(v) && module::canonical_version(v) == v && !module::is_pseudo_version(v)
}

/// What kind of object a key is, for [`compare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Info,
    Mod,
    Zip,
    SumdbLookup,
    SumdbTile,
    SumdbSupported,
}

/// How an existing object compares with ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Identical,
    /// Equivalent by the rules (the existing object is kept): why.
    Equivalent(&'static str),
    /// A conflict: what differs.
    Different(String),
}

impl Verdict {
    pub fn is_conflict(&self) -> bool {
        matches!(self, Verdict::Different(_))
    }
}

/// Compares the `existing` object with `ours` under the rules of `kind`.
pub fn compare(kind: Kind, existing: &[u8], ours: &[u8]) -> Verdict {
    if existing == ours {
        return Verdict::Identical;
    }
    match kind {
        Kind::Info => match (info_fields(existing), info_fields(ours)) {
            (Some(a), Some(b)) if a == b => Verdict::Equivalent("same Version and Time"),
            (Some(a), Some(b)) => Verdict::Different(format!(
                "it says Version {:?} Time {:?}, ours {:?} {:?}",
                a.0, a.1, b.0, b.1
            )),
            (None, _) => Verdict::Different("it is not a valid .info (JSON)".into()),
            (_, None) => Verdict::Different("ours is not a valid .info (JSON)".into()),
        },
        Kind::SumdbLookup => {
            if lookup_record(existing) == lookup_record(ours) && lookup_record(ours).is_some() {
                Verdict::Equivalent("same record, another signed tree head")
            } else {
                Verdict::Different("it holds another record".into())
            }
        }
        Kind::Mod | Kind::Zip | Kind::SumdbTile | Kind::SumdbSupported => {
            Verdict::Different(format!(
                "{} bytes there, {} ours, contents differ",
                existing.len(),
                ours.len()
            ))
        }
    }
}

/// `Version` and `Time` (as an instant) of an `.info`.
fn info_fields(data: &[u8]) -> Option<(String, Option<jiff::Timestamp>)> {
    #[derive(serde::Deserialize)]
    struct Info {
        #[serde(rename = "Version")]
        version: String,
        #[serde(rename = "Time")]
        time: Option<String>,
    }
    let info: Info = serde_json::from_slice(data).ok()?;
    let time = match info.time {
        Some(t) => Some(t.parse::<jiff::Timestamp>().ok()?),
        None => None,
    };
    Some((info.version, time))
}

/// The record part of a sumdb lookup answer: its text up to the blank line before
/// the signed note.
fn lookup_record(data: &[u8]) -> Option<&[u8]> {
    let end = data.windows(2).position(|w| w == b"\n\n")?;
    Some(&data[..end + 2])
}

/// Why a cached file is not fit to publish.
pub type Unfit = String;

/// A cached `.info` for `version`: JSON naming that version (a file naming another
/// version is a lie `go` rejects; publishing it would spread it).
pub fn check_info(version: &str, data: &[u8]) -> Result<(), Unfit> {
    match info_fields(data) {
        Some((v, _)) if v == version => Ok(()),
        Some((v, _)) => Err(format!("it names version {v:?}")),
        None => Err("it is not valid JSON with a Version and an RFC 3339 Time".into()),
    }
}

/// A cached sumdb file at `rel` (`lookup/…` or `tile/…` under the database's
/// directory): a lookup answer with a record and a note; a hash tile of exactly its
/// width's bytes; a data tile that is not empty.
pub fn check_sumdb_file(rel: &str, data: &[u8]) -> Result<Kind, Unfit> {
    if let Some(key) = rel.strip_prefix("lookup/") {
        let Some((path, version)) = key.rsplit_once('@') else {
            return Err("not a lookup of path@version".into());
        };
        let path = module::unescape_path(path).map_err(|e| e.to_string())?;
        let version = module::unescape_version(version).map_err(|e| e.to_string())?;
        if !semver::is_valid(&version) {
            return Err(format!("{path}@{version}: not a semantic version"));
        }
        match lookup_record(data) {
            Some(rec) if rec.len() < data.len() && data.ends_with(b"\n") => Ok(Kind::SumdbLookup),
            _ => Err("not a lookup answer (record, blank line, signed note)".into()),
        }
    } else {
        let tile = Tile::parse_path(rel).map_err(|e| e.to_string())?;
        let ok = if tile.l < 0 {
            !data.is_empty()
        } else {
            data.len() as u64 == u64::from(tile.w) * 32
        };
        if ok {
            Ok(Kind::SumdbTile)
        } else {
            Err(format!("{} bytes for tile {tile}", data.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(b: Option<Vec<u8>>) -> Option<String> {
        b.map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn list_is_a_sorted_union_without_pseudo_versions() {
        let got = merged_list(
            Some(b"v1.10.0\nv1.2.0\n"),
            &[
                "v1.2.0",
                "v1.9.0-rc.1",
                "v0.0.0-20240102030405-abcdefabcdef",
                "v2.0.0+incompatible",
            ],
        );
        assert_eq!(
            text(got).as_deref(),
            Some("v1.2.0\nv1.9.0-rc.1\nv1.10.0\nv2.0.0+incompatible\n")
        );
        assert_eq!(
            text(merged_list(None, &["v1.0.0"])).as_deref(),
            Some("v1.0.0\n")
        );
    }

    #[test]
    fn list_left_alone_when_nothing_changes() {
        assert_eq!(merged_list(Some(b"v1.0.0\nv1.1.0\n"), &["v1.1.0"]), None);
        assert_eq!(
            merged_list(Some(b""), &["v0.0.0-20240102030405-abcdefabcdef"]),
            None
        );
    }

    #[test]
    fn list_drops_what_go_ignores() {
        let got = merged_list(
            Some(b"v1.0.0 2020-01-01T00:00:00Z\ngarbage\n\nv1.0\nv0.0.0-20240102030405-abcdefabcdef\n"),
            &["v1.1.0"],
        );
        assert_eq!(text(got).as_deref(), Some("v1.0.0\nv1.1.0\n"));
    }

    #[test]
    fn info_equivalence() {
        let a = br#"{"Version":"v1.0.0","Time":"2020-01-01T00:00:00Z"}"#;
        let b = br#"{"Version":"v1.0.0","Time":"2020-01-01T00:00:00.000Z","Origin":{"VCS":"git"}}"#;
        let c = br#"{"Version":"v1.0.0","Time":"2020-01-02T00:00:00Z"}"#;
        assert_eq!(compare(Kind::Info, a, a), Verdict::Identical);
        assert!(matches!(compare(Kind::Info, a, b), Verdict::Equivalent(_)));
        assert!(compare(Kind::Info, a, c).is_conflict());
        assert!(compare(Kind::Info, b"junk", a).is_conflict());
        assert!(compare(Kind::Mod, b"module a\n", b"module b\n").is_conflict());
    }

    #[test]
    fn lookup_equivalence() {
        let a = b"5\nm v1 h1:x\nm v1/go.mod h1:y\n\nsumdb\n6\nAAA\n\n- sig1\n";
        let b = b"5\nm v1 h1:x\nm v1/go.mod h1:y\n\nsumdb\n9\nBBB\n\n- sig2\n";
        let c = b"5\nm v1 h1:z\nm v1/go.mod h1:y\n\nsumdb\n9\nBBB\n\n- sig2\n";
        assert!(matches!(
            compare(Kind::SumdbLookup, a, b),
            Verdict::Equivalent(_)
        ));
        assert!(compare(Kind::SumdbLookup, a, c).is_conflict());
        assert_eq!(
            check_sumdb_file("lookup/example.com/!m@v1.0.0", a),
            Ok(Kind::SumdbLookup)
        );
        assert!(check_sumdb_file("lookup/example.com/m@v1.0.0", b"").is_err());
        assert!(check_sumdb_file("lookup/example.com/m@v1.0.0", b"5\nm v1 h1:x\n").is_err());
        assert!(check_sumdb_file("lookup/example.com/m", a).is_err());
    }

    #[test]
    fn tiles_have_their_width() {
        assert_eq!(
            check_sumdb_file("tile/8/0/000.p/3", &[0; 96]),
            Ok(Kind::SumdbTile)
        );
        assert!(check_sumdb_file("tile/8/0/000.p/3", &[0; 95]).is_err());
        assert_eq!(
            check_sumdb_file("tile/8/0/001", &[0; 8192]),
            Ok(Kind::SumdbTile)
        );
        assert!(check_sumdb_file("tile/8/0/001", &[]).is_err());
        assert_eq!(
            check_sumdb_file("tile/8/data/000.p/2", b"x"),
            Ok(Kind::SumdbTile)
        );
        assert!(check_sumdb_file("tile/8/0/1", &[0; 8192]).is_err());
    }

    #[test]
    fn info_checks() {
        assert!(
            check_info(
                "v1.0.0",
                br#"{"Version":"v1.0.0","Time":"2020-01-01T00:00:00Z"}"#
            )
            .is_ok()
        );
        assert!(check_info("v1.0.0", br#"{"Version":"v1.0.1"}"#).is_err());
        assert!(check_info("v1.0.0", b"{").is_err());
    }
}
