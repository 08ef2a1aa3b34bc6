//! Retractions: the `retract` lines of a module's latest go.mod, and Go's
//! `CheckRetractions` test of one version against them (pure).

use super::error::Disallowed;
use crate::gover;
use crate::modfile;
use std::cmp::Ordering;

/// The retracted intervals of a module, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retractions {
    intervals: Vec<Interval>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Interval {
    low: String,
    high: String,
    rationale: String,
}

/// Why the retractions could not be read from a go.mod (Go's `parsing go.mod: …`).
/// A query treats every version as allowed then.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parsing go.mod: {0}")]
pub struct ParseError(String);

impl Retractions {
    /// The `retract` directives of a go.mod parsed as Go's `modfile.ParseLax` does
    /// (for `rawGoModSummary`).
    pub fn from_go_mod(data: &[u8]) -> Result<Retractions, ParseError> {
        let f = modfile::parse_lax("go.mod", data).map_err(|e| ParseError(e.to_string()))?;
        Ok(Retractions {
            intervals: f
                .retract
                .into_iter()
                .map(|r| Interval {
                    low: r.interval.low,
                    high: r.interval.high,
                    rationale: r.rationale,
                })
                .collect(),
        })
    }

    /// Go's `CheckRetractions` verdict for `version` of `path`: retracted when any
    /// interval holds it, with the rationales of all such intervals.
    pub fn check(&self, path: &str, version: &str) -> Option<Disallowed> {
        let mut hit = false;
        let mut rationale = Vec::new();
        for r in &self.intervals {
            if gover::mod_compare(path, &r.low, version) != Ordering::Greater
                && gover::mod_compare(path, version, &r.high) != Ordering::Greater
            {
                hit = true;
                if !r.rationale.is_empty() {
                    rationale.push(r.rationale.clone());
                }
            }
        }
        hit.then_some(Disallowed::Retracted { rationale })
    }

    /// Whether there are no retractions at all.
    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }
}

/// Go's `modfetch.LegacyGoMod`: the go.mod a proxy serves for a version without one.
pub fn legacy_go_mod(path: &str) -> Vec<u8> {
    format!("module {}\n", modfile::auto_quote_str(path)).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_rationales() {
        let r = Retractions::from_go_mod(
            b"module a.b/c\n\ngo 1.16\n\n// bad one\nretract v1.0.0\n\nretract (\n\t[v1.1.0, v1.2.0] // range\n\tv1.1.5\n)\nretract v2.0.0+incompatible\n",
        )
        .unwrap();
        assert_eq!(r.check("a.b/c", "v0.9.0"), None);
        assert_eq!(
            r.check("a.b/c", "v1.0.0"),
            Some(Disallowed::Retracted {
                rationale: vec!["bad one".into()]
            })
        );
        assert_eq!(
            r.check("a.b/c", "v1.1.5"),
            Some(Disallowed::Retracted {
                rationale: vec!["range".into()]
            })
        );
        assert_eq!(
            r.check("a.b/c", "v1.2.0").map(|d| d.to_string()),
            Some("retracted by module author: range".into())
        );
        assert!(r.check("a.b/c", "v1.2.1").is_none());
        assert!(r.check("a.b/c", "v1.2.0-pre").is_some());
        assert!(r.check("a.b/c", "v2.0.0+incompatible").is_some());
        assert!(!r.is_empty());
    }

    #[test]
    fn unparsable() {
        assert_eq!(
            Retractions::from_go_mod(b"module a.b/c\nretract (\n")
                .unwrap_err()
                .to_string()
                .split(':')
                .next(),
            Some("parsing go.mod")
        );
        assert!(Retractions::from_go_mod(b"").unwrap().is_empty());
    }

    #[test]
    fn legacy() {
        assert_eq!(legacy_go_mod("a.b/c"), b"module a.b/c\n");
        assert_eq!(legacy_go_mod("a.b/c d"), b"module \"a.b/c d\"\n");
    }
}
