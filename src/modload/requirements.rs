//! The roots of a module graph (Go's `modload.Requirements`).

use crate::gover;
use crate::module::ModuleVersion;
use std::collections::{HashMap, HashSet};

/// How much of the graph a go.mod file's requirements stand for (Go's `modPruning`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pruning {
    /// `go ≥ 1.17`: a module's go.mod lists everything its packages need, so the
    /// requirements of its dependencies need not be read.
    Pruned,
    /// Older (or no `go` line): every go.mod reachable is read.
    Unpruned,
    /// A go.work workspace.
    Workspace,
}

impl Pruning {
    /// Go's `pruningForGoVersion`.
    pub fn for_go_version(go_version: &str) -> Pruning {
        if gover::compare(go_version, super::PRUNING_VERSION).is_lt() {
            Pruning::Unpruned
        } else {
            Pruning::Pruned
        }
    }
}

/// The root requirements of the main module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirements {
    pub pruning: Pruning,
    /// Sorted by path, then version (Go's `gover.ModSort`); a path may repeat.
    roots: Vec<ModuleVersion>,
    max_root: HashMap<String, String>,
    /// Paths required without `// indirect` (and `go`).
    pub direct: HashSet<String>,
}

impl Requirements {
    /// Requirements over `roots` (sorted here).
    pub fn new(pruning: Pruning, mut roots: Vec<ModuleVersion>, direct: HashSet<String>) -> Self {
        gover::mod_sort(&mut roots);
        let mut max_root: HashMap<String, String> = HashMap::new();
        for m in &roots {
            match max_root.get(&m.path) {
                Some(v) if gover::mod_compare(&m.path, v, &m.version).is_ge() => {}
                _ => {
                    max_root.insert(m.path.clone(), m.version.clone());
                }
            }
        }
        Requirements {
            pruning,
            roots,
            max_root,
            direct,
        }
    }

    pub fn roots(&self) -> &[ModuleVersion] {
        &self.roots
    }

    /// The highest root version of `path` (Go's `rootSelected` for a non-main path).
    pub fn root_selected(&self, path: &str) -> Option<&str> {
        self.max_root.get(path).map(String::as_str)
    }

    /// The `go` root's version.
    pub fn go_version(&self) -> &str {
        self.root_selected("go")
            .unwrap_or(super::DEFAULT_GO_MOD_VERSION)
    }

    /// Go's `hasRedundantRoot`: a root on the main module's path, or two on one path.
    pub fn has_redundant_root(&self, main_path: &str) -> bool {
        self.roots
            .iter()
            .enumerate()
            .any(|(i, m)| m.path == main_path || (i > 0 && self.roots[i - 1].path == m.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(p: &str, v: &str) -> ModuleVersion {
        ModuleVersion::new(p, v)
    }

    #[test]
    fn roots_are_sorted_and_the_highest_root_wins() {
        let rs = Requirements::new(
            Pruning::Pruned,
            vec![
                mv("b", "v1.2.0"),
                mv("a", "v1.0.0"),
                mv("b", "v1.10.0"),
                mv("go", "1.21"),
            ],
            HashSet::new(),
        );
        assert_eq!(rs.roots()[0], mv("a", "v1.0.0"));
        assert_eq!(rs.root_selected("b"), Some("v1.10.0"));
        assert_eq!(rs.go_version(), "1.21");
        assert!(rs.has_redundant_root("main"));
        assert!(
            !Requirements::new(Pruning::Pruned, vec![mv("a", "v1.0.0")], HashSet::new())
                .has_redundant_root("main")
        );
    }

    #[test]
    fn pruning_follows_the_go_line() {
        assert_eq!(Pruning::for_go_version("1.16"), Pruning::Unpruned);
        assert_eq!(Pruning::for_go_version("1.17"), Pruning::Pruned);
        assert_eq!(Pruning::for_go_version("1.21.0"), Pruning::Pruned);
    }
}
