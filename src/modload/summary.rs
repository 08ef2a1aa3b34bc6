//! What one dependency's go.mod contributes to the module graph (Go's
//! `goModSummary`, `rawGoModSummary` and `summaryFromModFile`).

use super::Pruning;
use crate::gover;
use crate::modfile;
use crate::module::ModuleVersion;

/// The parts of a go.mod file the graph needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The `module` line's path ("" without one).
    pub module: String,
    /// The `go` line ("" without one).
    pub go_version: String,
    /// The `toolchain` line ("" without one).
    pub toolchain: String,
    /// The `Deprecated:` text of the module line.
    pub deprecated: String,
    /// The requirements, in file order, minus excluded versions; with `go ≥ 1.21` the
    /// last one is `go@<go line>`.
    pub require: Vec<ModuleVersion>,
    /// Whether the requirements stand for a pruned graph.
    pub pruned: bool,
}

impl Summary {
    pub fn pruning(&self) -> Pruning {
        if self.pruned {
            Pruning::Pruned
        } else {
            Pruning::Unpruned
        }
    }
}

/// Why a go.mod could not be summarized. `Display` is the text after Go's
/// `<actual>: ` module prefix ([`SummaryError::module`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SummaryError {
    /// `parsing go.mod: …` (the file name as Go shows it).
    #[error("parsing {name}: {errors}")]
    Parse { name: String, errors: String },
    #[error("parsing go.mod: missing module line")]
    MissingModule,
    #[error(
        "parsing go.mod:\n\tmodule declares its path as: {declared}\n\t        but was required as: {required}"
    )]
    PathMismatch { declared: String, required: String },
}

/// Go's `goModSummary` for `required`, whose go.mod (that of `actual`, its
/// replacement or itself) is `data`, read from `name` (`go.mod` for a fetched file,
/// the file's short path for a replacement directory). `excluded` says which
/// requirements the main module excludes. The go.mod of a directory replacement
/// (`actual.version` empty) may declare any path.
pub fn summarize(
    required: &ModuleVersion,
    actual: &ModuleVersion,
    name: &str,
    data: &[u8],
    excluded: &dyn Fn(&ModuleVersion) -> bool,
) -> Result<Summary, SummaryError> {
    let file = modfile::parse_lax(name, data).map_err(|e| SummaryError::Parse {
        name: name.to_string(),
        errors: e.to_string(),
    })?;
    let mut s = from_file(&file);
    if !actual.version.is_empty() {
        if s.module.is_empty() {
            return Err(SummaryError::MissingModule);
        }
        if s.module != required.path && s.module != actual.path {
            return Err(SummaryError::PathMismatch {
                declared: s.module.clone(),
                required: required.path.clone(),
            });
        }
    }
    s.require.retain(|r| !excluded(r));
    Ok(s)
}

/// The summary of the `go` or `toolchain` pseudo-module (Go's `rawGoModSummary`):
/// `go ≥ 1.21` requires the matching toolchain.
pub fn toolchain_summary(m: &ModuleVersion) -> Summary {
    let mut s = Summary {
        module: m.path.clone(),
        pruned: true,
        ..Summary::default()
    };
    if m.path == "go" && gover::compare(&m.version, super::GO_STRICT_VERSION).is_ge() {
        s.require = vec![ModuleVersion::new("toolchain", format!("go{}", m.version))];
    }
    s
}

/// Go's `summaryFromModFile`.
fn from_file(f: &modfile::File) -> Summary {
    let mut s = Summary::default();
    if let Some(m) = &f.module {
        s.module = m.path.clone();
        s.deprecated = m.deprecated.clone();
    }
    if let Some(go) = &f.go {
        s.go_version = go.version.clone();
        s.pruned = Pruning::for_go_version(&go.version) == Pruning::Pruned;
    }
    if let Some(t) = &f.toolchain {
        s.toolchain = t.name.clone();
    }
    s.require = f.require.iter().map(|r| r.module.clone()).collect();
    if !s.go_version.is_empty() && gover::compare(&s.go_version, super::GO_STRICT_VERSION).is_ge() {
        s.require
            .push(ModuleVersion::new("go", s.go_version.clone()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn excluded_by(set: &HashSet<ModuleVersion>) -> impl Fn(&ModuleVersion) -> bool + '_ {
        move |m| set.contains(m)
    }

    fn mv(p: &str, v: &str) -> ModuleVersion {
        ModuleVersion::new(p, v)
    }

    #[test]
    fn go_line_adds_a_go_requirement_from_1_21() {
        let m = mv("a.example/m", "v1.0.0");
        let data = b"module a.example/m\n\ngo 1.21\n\nrequire b.example/x v1.2.0\n";
        let s = summarize(&m, &m, "go.mod", data, &|_| false).unwrap();
        assert_eq!(
            s.require,
            vec![mv("b.example/x", "v1.2.0"), mv("go", "1.21")]
        );
        assert!(s.pruned);
        let old = b"module a.example/m\n\ngo 1.16\n\nrequire b.example/x v1.2.0\n";
        let s = summarize(&m, &m, "go.mod", old, &|_| false).unwrap();
        assert_eq!(s.require, vec![mv("b.example/x", "v1.2.0")]);
        assert!(!s.pruned);
    }

    #[test]
    fn exclusions_drop_requirements() {
        let m = mv("a.example/m", "v1.0.0");
        let data =
            b"module a.example/m\nrequire (\n\tb.example/x v1.2.0\n\tc.example/y v1.0.0\n)\n";
        let ex: HashSet<_> = [mv("b.example/x", "v1.2.0")].into();
        let s = summarize(&m, &m, "go.mod", data, &excluded_by(&ex)).unwrap();
        assert_eq!(s.require, vec![mv("c.example/y", "v1.0.0")]);
    }

    #[test]
    fn module_line_must_name_the_required_or_the_replacement_path() {
        let m = mv("a.example/m", "v1.0.0");
        let r = mv("fork.example/m", "v1.0.1");
        let e = summarize(&m, &m, "go.mod", b"module other.example/m\n", &|_| false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "parsing go.mod:\n\tmodule declares its path as: other.example/m\n\t        but was required as: a.example/m"
        );
        assert!(summarize(&m, &r, "go.mod", b"module fork.example/m\n", &|_| false).is_ok());
        assert_eq!(
            summarize(&m, &m, "go.mod", b"go 1.20\n", &|_| false).unwrap_err(),
            SummaryError::MissingModule
        );
        let dir = mv("../fork", "");
        assert!(summarize(&m, &dir, "../fork/go.mod", b"module whatever\n", &|_| false).is_ok());
    }

    #[test]
    fn the_go_pseudo_module_requires_its_toolchain() {
        assert_eq!(
            toolchain_summary(&mv("go", "1.22.1")).require,
            vec![mv("toolchain", "go1.22.1")]
        );
        assert!(toolchain_summary(&mv("go", "1.20")).require.is_empty());
    }
}
