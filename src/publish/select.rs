//! Which cached module versions a `publish` run takes: the command's arguments.
//!
//! * no argument: every module version in the cache;
//! * `path`: every cached version of that module;
//! * `path@version`: that version only (exact and canonical: a static tree has no
//!   queries to answer, so `latest`, `v1` or a branch name are refused);
//! * a pattern with `...` (Go's `cmd/internal/pkgpattern` matching, as `go mod
//!   download` uses for module paths), optionally with `@version`.
//!
//! Pure: arguments in, a [`Selector`] out; the caller asks it about each cached
//! version and, at the end, which arguments matched nothing.

use crate::modload::match_pattern;
use crate::module::{self, ModuleVersion};
use crate::semver;

/// An argument that is not a module path, pattern or exact version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error("{arg}: {source}")]
    Path {
        arg: String,
        #[source]
        source: module::Error,
    },
    #[error(
        "{arg}: publish takes exact versions (vX.Y.Z, a prerelease or a pseudo-version), not queries"
    )]
    NotExact { arg: String },
}

/// One argument, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Arg {
    text: String,
    path: String,
    wildcard: bool,
    version: Option<String>,
}

impl Arg {
    fn matches(&self, m: &ModuleVersion) -> bool {
        let path_ok = if self.wildcard {
            match_pattern(&self.path, &m.path)
        } else {
            self.path == m.path
        };
        path_ok && self.version.as_ref().is_none_or(|v| *v == m.version)
    }
}

/// The arguments of one run. See the module docs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    args: Vec<Arg>,
}

impl Selector {
    /// Parses the arguments (none: everything).
    pub fn parse<S: AsRef<str>>(args: &[S]) -> Result<Selector, SelectError> {
        let mut out = Vec::with_capacity(args.len());
        for a in args {
            let text = a.as_ref();
            let (path, version) = match text.split_once('@') {
                Some((p, v)) => (p, Some(v)),
                None => (text, None),
            };
            let wildcard = path.contains("...");
            if !wildcard {
                module::check_path(path).map_err(|source| SelectError::Path {
                    arg: text.to_string(),
                    source,
                })?;
            }
            if let Some(v) = version
                && !(semver::is_valid(v) && module::canonical_version(v) == v)
            {
                return Err(SelectError::NotExact {
                    arg: text.to_string(),
                });
            }
            out.push(Arg {
                text: text.to_string(),
                path: path.to_string(),
                wildcard,
                version: version.map(str::to_string),
            });
        }
        Ok(Selector { args: out })
    }

    /// Whether every cached version is selected.
    pub fn is_all(&self) -> bool {
        self.args.is_empty()
    }

    /// The indexes of the arguments `m` matches; `Some(empty)` when there are no
    /// arguments (everything is selected), `None` when `m` is not selected.
    pub fn matching(&self, m: &ModuleVersion) -> Option<Vec<usize>> {
        if self.args.is_empty() {
            return Some(Vec::new());
        }
        let hits: Vec<usize> = (0..self.args.len())
            .filter(|&i| self.args[i].matches(m))
            .collect();
        (!hits.is_empty()).then_some(hits)
    }

    /// Whether `m` is selected.
    pub fn selects(&self, m: &ModuleVersion) -> bool {
        self.matching(m).is_some()
    }

    /// The arguments no cached version matched, given every version seen.
    pub fn unmatched<'a>(&self, seen: impl IntoIterator<Item = &'a ModuleVersion>) -> Vec<String> {
        let mut hit = vec![false; self.args.len()];
        for m in seen {
            for i in self.matching(m).unwrap_or_default() {
                hit[i] = true;
            }
        }
        self.args
            .iter()
            .zip(hit)
            .filter(|(_, h)| !h)
            .map(|(a, _)| a.text.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(p: &str, v: &str) -> ModuleVersion {
        ModuleVersion::new(p, v)
    }

    #[test]
    fn no_arguments_select_everything() {
        let s = Selector::parse::<&str>(&[]).unwrap();
        assert!(s.is_all());
        assert!(s.selects(&mv("example.com/a", "v1.0.0")));
        assert!(s.unmatched([&mv("example.com/a", "v1.0.0")]).is_empty());
    }

    #[test]
    fn paths_versions_and_patterns() {
        let s = Selector::parse(&[
            "example.com/a",
            "example.com/b@v1.2.3",
            "example.org/...",
            "example.net/.../v2@v2.0.0",
            "example.com/none",
        ])
        .unwrap();
        assert!(s.selects(&mv("example.com/a", "v0.1.0")));
        assert!(s.selects(&mv("example.com/b", "v1.2.3")));
        assert!(!s.selects(&mv("example.com/b", "v1.2.4")));
        assert!(!s.selects(&mv("example.com/ab", "v1.0.0")));
        assert!(s.selects(&mv("example.org", "v1.0.0")));
        assert!(s.selects(&mv("example.org/x/y", "v1.0.0-pre")));
        assert!(s.selects(&mv("example.net/m/v2", "v2.0.0")));
        assert!(!s.selects(&mv("example.net/m/v2", "v2.0.1")));
        let seen = [mv("example.com/a", "v0.1.0"), mv("example.org/x", "v1.0.0")];
        assert_eq!(
            s.unmatched(&seen),
            [
                "example.com/b@v1.2.3",
                "example.net/.../v2@v2.0.0",
                "example.com/none"
            ]
        );
    }

    #[test]
    fn queries_and_bad_paths_are_refused() {
        for bad in [
            "example.com/a@latest",
            "example.com/a@v1",
            "example.com/a@v1.2",
            "example.com/a@master",
            "example.com/a@v1.0.0+meta",
        ] {
            let e = Selector::parse(&[bad]).unwrap_err();
            assert_eq!(e, SelectError::NotExact { arg: bad.into() }, "{bad}");
        }
        assert!(matches!(
            Selector::parse(&["Example.com/A"]),
            Err(SelectError::Path { .. })
        ));
        assert!(matches!(
            Selector::parse(&["example.com/a b"]),
            Err(SelectError::Path { .. })
        ));
        // +incompatible and pseudo-versions are exact.
        assert!(Selector::parse(&["example.com/a@v2.0.0+incompatible"]).is_ok());
        assert!(Selector::parse(&["example.com/a@v0.0.0-20240102030405-abcdefabcdef"]).is_ok());
    }
}
