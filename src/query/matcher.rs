//! Go's `newQueryMatcher`: what a query string means for a module path (pure).

use super::error::Error;
use crate::gover;
use crate::module;
use std::cmp::Ordering;

/// How a query is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// One Stat of the query itself: a complete version (Go's `canStat`) or a
    /// revision that is not a version query at all (Go's `errRevQuery`: a branch, a
    /// tag, a commit hash, a version with `+metadata` that is not canonical…).
    Stat,
    /// A choice among the listed versions.
    Versions(Matcher),
}

/// A bound on versions, compared with `gover::ModCompare` for the path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Bound {
    AtLeast(String),
    AtMost(String),
    Below(String),
    Above(String),
}

/// Go's `queryMatcher` for a query that chooses among versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    path: String,
    /// The list prefix (`v1.2.` for `v1.2`; empty for most queries).
    pub prefix: String,
    bound: Option<Bound>,
    /// Choose the lowest matching version (`>` and `>=`), not the highest.
    pub prefer_lower: bool,
    /// With no listed match, ask the repository for its latest version (`latest`,
    /// `upgrade` without a current version or from a pseudo-version).
    pub may_use_latest: bool,
    /// Consider `+incompatible` versions even when a compatible one has a go.mod
    /// (the current version is `+incompatible`, or the query names a major version the
    /// path does not have).
    pub prefer_incompatible: bool,
}

/// Go's `IsRevisionQuery`: whether `query` names one revision (`v1.0.0`, `master`,
/// `0123abcd`) rather than choosing among versions (`latest`, `>v1.0.0`, `v1.2`).
/// Revision queries are never filtered by exclusions or retractions.
pub fn is_revision_query(path: &str, query: &str) -> bool {
    !(matches!(query, "latest" | "upgrade" | "patch")
        || query.starts_with(['<', '>'])
        || (gover::mod_is_valid(path, query) && gover::mod_is_prefix(path, query)))
}

/// Go's `newQueryMatcher` for `query` on `path`, `current` being the selected version
/// (`""` unknown, `"none"` not required).
pub fn plan(path: &str, query: &str, current: &str) -> Result<Plan, Error> {
    let range = |op: &str| -> Result<String, Error> {
        let v = &query[op.len()..];
        if !gover::mod_is_valid(path, v) {
            return Err(Error::InvalidRangeVersion {
                version: v.to_string(),
                query: query.to_string(),
            });
        }
        if matches!(op, "<=" | ">") && gover::mod_is_prefix(path, v) {
            // Whether <=v1.2 admits v1.2.3 is unclear (@v1.2 may mean v1.2.3).
            return Err(Error::AmbiguousRangeVersion {
                version: v.to_string(),
                query: query.to_string(),
            });
        }
        Ok(v.to_string())
    };
    let mut m = Matcher {
        path: path.to_string(),
        prefix: String::new(),
        bound: None,
        prefer_lower: false,
        may_use_latest: false,
        prefer_incompatible: current.ends_with("+incompatible"),
    };
    let no_current = current.is_empty() || current == "none";
    let mut major_of = None;
    if query == "latest" {
        m.may_use_latest = true;
    } else if query == "upgrade" {
        if no_current {
            m.may_use_latest = true;
        } else {
            m.may_use_latest = module::is_pseudo_version(current);
            m.bound = Some(Bound::AtLeast(current.to_string()));
        }
    } else if query == "patch" {
        if no_current {
            return Err(Error::NoPatchBase {
                path: path.to_string(),
            });
        }
        m.may_use_latest = module::is_pseudo_version(current);
        m.prefix = format!("{}.", gover::mod_major_minor(path, current));
        m.bound = Some(Bound::AtLeast(current.to_string()));
    } else if query.starts_with("<=") {
        let v = range("<=")?;
        major_of = Some(v.clone());
        m.bound = Some(Bound::AtMost(v));
    } else if query.starts_with('<') {
        let v = range("<")?;
        major_of = Some(v.clone());
        m.bound = Some(Bound::Below(v));
    } else if query.starts_with(">=") {
        let v = range(">=")?;
        major_of = Some(v.clone());
        m.bound = Some(Bound::AtLeast(v));
        m.prefer_lower = true;
    } else if query.starts_with('>') {
        let v = range(">")?;
        major_of = Some(v.clone());
        m.bound = Some(Bound::Above(v));
        m.prefer_lower = true;
    } else if gover::mod_is_valid(path, query) {
        if !gover::mod_is_prefix(path, query) {
            return Ok(Plan::Stat);
        }
        m.prefix = format!("{query}.");
        // `v1.2` must not match what sorts below v1.2.0, such as its prereleases.
        m.bound = Some(Bound::AtLeast(query.to_string()));
        major_of = Some(query.to_string());
    } else {
        return Ok(Plan::Stat);
    }
    if let Some(v) = major_of
        && !matches_major(path, &v)
    {
        m.prefer_incompatible = true;
    }
    Ok(Plan::Versions(m))
}

/// Whether `v`'s major version fits the path's major suffix.
fn matches_major(path: &str, v: &str) -> bool {
    match module::split_path_version(path) {
        Some((_, major)) => module::check_path_major(v, major).is_ok(),
        None => false,
    }
}

impl Matcher {
    /// The module path the matcher was built for.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Go's `allowsVersion` without the `allowed` predicate: the prefix and the
    /// bound.
    pub fn matches(&self, v: &str) -> bool {
        if !self.prefix.is_empty() && !v.starts_with(&self.prefix) {
            // A toolchain prefix `1.21.` also admits `1.21` itself.
            let whole = gover::is_toolchain(&self.path) && self.prefix.strip_suffix('.') == Some(v);
            if !whole {
                return false;
            }
        }
        let cmp = |bound: &str| gover::mod_compare(&self.path, v, bound);
        match &self.bound {
            None => true,
            Some(Bound::AtLeast(b)) => cmp(b) != Ordering::Less,
            Some(Bound::AtMost(b)) => cmp(b) != Ordering::Greater,
            Some(Bound::Below(b)) => cmp(b) == Ordering::Less,
            Some(Bound::Above(b)) => cmp(b) == Ordering::Greater,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(path: &str, query: &str, current: &str) -> Matcher {
        match plan(path, query, current) {
            Ok(Plan::Versions(m)) => m,
            other => panic!("{path}@{query} (current {current:?}): {other:?}"),
        }
    }

    #[test]
    fn stat_plans() {
        for q in [
            "v1.2.3",
            "v1.2.3-pre",
            "v1.2.3+meta",
            "master",
            "0123abcd",
            "v1.2.3.4",
            "v2.0.0+incompatible",
        ] {
            assert_eq!(plan("a.b/c", q, ""), Ok(Plan::Stat), "{q}");
            assert!(is_revision_query("a.b/c", q), "{q}");
        }
        for q in ["latest", "upgrade", "v1", "v1.2", "<v1", ">=v1.2.3"] {
            assert!(!is_revision_query("a.b/c", q), "{q}");
        }
        // The go pseudo-module: Go versions, language versions as prefixes.
        assert_eq!(plan("go", "1.21.3", ""), Ok(Plan::Stat));
        assert!(matches!(plan("go", "1.21", ""), Ok(Plan::Versions(_))));
    }

    #[test]
    fn errors() {
        let err = |q: &str, cur: &str| plan("a.b/c", q, cur).unwrap_err().to_string();
        assert_eq!(
            err("<=v1.2", ""),
            "ambiguous semantic version \"v1.2\" in range \"<=v1.2\""
        );
        assert_eq!(
            err(">v1", ""),
            "ambiguous semantic version \"v1\" in range \">v1\""
        );
        assert_eq!(
            err("<vx", ""),
            "invalid semantic version \"vx\" in range \"<vx\""
        );
        assert_eq!(
            err(">=", ""),
            "invalid semantic version \"\" in range \">=\""
        );
        assert_eq!(
            err("patch", ""),
            "can't query version \"patch\" of module a.b/c: no existing version is required"
        );
        assert_eq!(err("patch", "none"), err("patch", ""));
        // `<v1.2` and `>=v1.2` are fine: only `<=` and `>` are ambiguous.
        assert!(plan("a.b/c", "<v1.2", "").is_ok());
        assert!(plan("a.b/c", ">=v1", "").is_ok());
    }

    #[test]
    fn bounds_and_prefixes() {
        let m = matcher("a.b/c", "v1.2", "");
        assert_eq!(m.prefix, "v1.2.");
        assert!(m.matches("v1.2.0") && m.matches("v1.2.9"));
        assert!(!m.matches("v1.2.0-pre") && !m.matches("v1.3.0") && !m.matches("v1.20.0"));
        let m = matcher("a.b/c", "<v1.2.0", "");
        assert!(m.matches("v1.1.9") && m.matches("v1.2.0-rc1") && !m.matches("v1.2.0"));
        let m = matcher("a.b/c", "<=v1.2.0", "");
        assert!(m.matches("v1.2.0") && !m.matches("v1.2.1"));
        let m = matcher("a.b/c", ">v1.2.0", "");
        assert!(m.prefer_lower && m.matches("v1.2.1") && !m.matches("v1.2.0"));
        let m = matcher("a.b/c", ">=v1.2.0", "");
        assert!(m.prefer_lower && m.matches("v1.2.0") && !m.matches("v1.2.0-pre"));
        let m = matcher("a.b/c", "patch", "v1.2.3");
        assert_eq!(m.prefix, "v1.2.");
        assert!(!m.may_use_latest && m.matches("v1.2.3") && !m.matches("v1.2.2"));
        let m = matcher("a.b/c", "patch", "v1.2.3-0.20200101000000-0123456789ab");
        assert!(m.may_use_latest);
        let m = matcher("a.b/c", "upgrade", "v1.2.3");
        assert!(!m.may_use_latest && m.prefix.is_empty() && !m.matches("v1.2.2"));
        let m = matcher("a.b/c", "upgrade", "none");
        assert!(m.may_use_latest && m.matches("v0.0.1"));
        let m = matcher("a.b/c", "latest", "v1.0.0");
        assert!(m.may_use_latest && !m.prefer_incompatible && m.matches("v0.0.1"));
    }

    #[test]
    fn incompatible_preference() {
        // Current +incompatible, or a query naming a major the path lacks.
        assert!(matcher("a.b/c", "latest", "v2.0.0+incompatible").prefer_incompatible);
        assert!(matcher("a.b/c", "v2", "").prefer_incompatible);
        assert!(matcher("a.b/c", ">=v2.0.0", "").prefer_incompatible);
        assert!(!matcher("a.b/c", "v1", "").prefer_incompatible);
        assert!(!matcher("a.b/c/v2", "v2", "").prefer_incompatible);
        assert!(matcher("a.b/c/v2", "<v1.0.0", "").prefer_incompatible);
        // A path that is not a valid module path matches no major.
        assert!(matcher("a.b/c/v1", "v1", "").prefer_incompatible);
        assert!(!matcher("gopkg.in/yaml.v2", "v2", "").prefer_incompatible);
    }

    #[test]
    fn toolchain_prefix() {
        let m = matcher("go", "1.21", "");
        assert_eq!(m.prefix, "1.21.");
        assert!(m.matches("1.21") && m.matches("1.21.3") && !m.matches("1.21rc1"));
        assert!(!m.matches("1.22.0"));
    }
}
