//! The incremental MVS graph (Go's `mvs.Graph`): the caller pushes each module's
//! requirements as it learns them, and the graph keeps the selected (highest) version
//! of every path up to date.
//!
//! A module version is in the graph once it is reachable from a root through
//! requirements, whether or not it ends up selected; only reachable modules may have
//! their requirements set, and only once (Go panics otherwise; here it is a
//! [`GraphError`]).

use super::NONE;
use crate::module::ModuleVersion;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet, VecDeque};

/// Misuse of [`Graph::require`]. `Display` is Go's panic message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("{0} is not reachable from any root")]
    NotReachable(ModuleVersion),
    #[error("requirements of {0} have already been set")]
    AlreadySet(ModuleVersion),
}

/// An incremental MVS graph over a version order `cmp(path, v1, v2)`.
#[derive(Debug, Clone)]
pub struct Graph<C> {
    cmp: C,
    roots: Vec<ModuleVersion>,
    required: HashMap<ModuleVersion, Vec<ModuleVersion>>,
    /// Every module version in the graph: `true` for roots, `false` for the rest.
    is_root: HashMap<ModuleVersion, bool>,
    /// Path → selected version (paths with no version other than `none` are absent).
    selected: HashMap<String, String>,
}

impl<C: Fn(&str, &str, &str) -> Ordering> Graph<C> {
    /// A graph holding only `roots`, ordering versions with `cmp`.
    pub fn new(cmp: C, roots: Vec<ModuleVersion>) -> Self {
        let mut g = Graph {
            cmp,
            roots: Vec::new(),
            required: HashMap::new(),
            is_root: HashMap::new(),
            selected: HashMap::new(),
        };
        for m in &roots {
            g.is_root.insert(m.clone(), true);
            g.raise(m);
        }
        g.roots = roots;
        g
    }

    /// Records that `m` requires `reqs`. `m` must be reachable from a root and must not
    /// have had its requirements set already.
    pub fn require(
        &mut self,
        m: &ModuleVersion,
        reqs: Vec<ModuleVersion>,
    ) -> Result<(), GraphError> {
        if !self.is_root.contains_key(m) {
            return Err(GraphError::NotReachable(m.clone()));
        }
        if self.required.contains_key(m) {
            return Err(GraphError::AlreadySet(m.clone()));
        }
        self.set_required(m.clone(), reqs);
        Ok(())
    }

    /// [`Graph::require`] for callers that guarantee its preconditions.
    pub(super) fn set_required(&mut self, m: ModuleVersion, reqs: Vec<ModuleVersion>) {
        for dep in &reqs {
            self.is_root.entry(dep.clone()).or_insert(false);
            self.raise(dep);
        }
        self.required.insert(m, reqs);
    }

    /// Selects `m.version` for its path if it is higher than the current selection.
    fn raise(&mut self, m: &ModuleVersion) {
        if (self.cmp)(&m.path, self.selected(&m.path), &m.version) == Ordering::Less {
            self.selected.insert(m.path.clone(), m.version.clone());
        }
    }

    /// The requirements given to [`Graph::require`] for `m`, if any were.
    pub fn required_by(&self, m: &ModuleVersion) -> Option<&[ModuleVersion]> {
        self.required.get(m).map(Vec::as_slice)
    }

    /// The roots, as given.
    pub fn roots(&self) -> &[ModuleVersion] {
        &self.roots
    }

    /// The selected version of `path`, or `none`.
    pub fn selected(&self, path: &str) -> &str {
        self.selected.get(path).map_or(NONE, String::as_str)
    }

    /// The selected version of every path in the graph: first the roots' paths (in
    /// root order, each once, skipping `none`), then the others sorted by path.
    pub fn build_list(&self) -> Vec<ModuleVersion> {
        let mut seen_root = HashSet::new();
        let mut list = Vec::new();
        for r in &self.roots {
            if !seen_root.insert(r.path.as_str()) {
                continue;
            }
            let v = self.selected(&r.path);
            if v != NONE {
                list.push(ModuleVersion::new(&r.path, v));
            }
        }
        let roots = list.len();
        list.extend(
            self.selected
                .iter()
                .filter(|(p, _)| !seen_root.contains(p.as_str()))
                .map(|(p, v)| ModuleVersion::new(p, v)),
        );
        crate::gover::mod_sort(&mut list[roots..]);
        list
    }

    /// Calls `f` once for each module version other than `none` in the graph, selected
    /// or not, breadth first from the roots.
    pub fn walk_breadth_first(&self, mut f: impl FnMut(&ModuleVersion)) {
        let mut enqueued: HashSet<&ModuleVersion> = HashSet::new();
        let mut queue: VecDeque<&ModuleVersion> = VecDeque::new();
        for m in &self.roots {
            if m.version != NONE && enqueued.insert(m) {
                queue.push_back(m);
            }
        }
        while let Some(m) = queue.pop_front() {
            f(m);
            for r in self.required_by(m).unwrap_or_default() {
                if r.version != NONE && enqueued.insert(r) {
                    queue.push_back(r);
                }
            }
        }
    }

    /// A shortest requirement path from a root to a module version for which `f` is
    /// true, or `None` if there is none.
    pub fn find_path(
        &self,
        mut f: impl FnMut(&ModuleVersion) -> bool,
    ) -> Option<Vec<ModuleVersion>> {
        // first_required[a] = b: a breadth-first walk first reached a from b (roots map
        // to None).
        let mut first_required: HashMap<&ModuleVersion, Option<&ModuleVersion>> = HashMap::new();
        let mut queue: VecDeque<&ModuleVersion> = self.roots.iter().collect();
        for m in &self.roots {
            first_required.insert(m, None);
        }
        while let Some(m) = queue.pop_front() {
            if f(m) {
                let mut path = vec![m.clone()];
                let mut at = m;
                while let Some(Some(prev)) = first_required.get(at) {
                    path.push((*prev).clone());
                    at = prev;
                }
                path.reverse();
                return Some(path);
            }
            for r in self.required_by(m).unwrap_or_default() {
                if !first_required.contains_key(r) {
                    first_required.insert(r, Some(m));
                    queue.push_back(r);
                }
            }
        }
        None
    }
}
