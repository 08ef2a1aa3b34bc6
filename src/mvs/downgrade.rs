//! `Downgrade` from `cmd/go/internal/mvs/mvs.go`: lower some modules, and lower or drop
//! whatever would pull them back up.

use super::build::{Override, build_list};
use super::{DowngradeReqs, Error, NONE, Reqs};
use crate::module::ModuleVersion;
use std::collections::{HashMap, HashSet};

/// The build list for `target` with each module of `downgrades` lowered to at most that
/// version. A module whose requirements would raise a downgraded path above its limit
/// (or whose requirements cannot be loaded) is itself lowered, through
/// [`DowngradeReqs::previous`], until it fits or reaches `none` and leaves the list.
///
/// The versions in `downgrades` need not be ones `previous` would list, but `reqs`
/// must handle them.
pub fn downgrade<R: DowngradeReqs + ?Sized>(
    target: &ModuleVersion,
    reqs: &R,
    downgrades: &[ModuleVersion],
) -> Result<Vec<ModuleVersion>, Error<R::Error>> {
    // Every module of the build list gets a version, not only the target's own
    // requirements, so that the new requirements keep what must stay.
    let full = build_list(std::slice::from_ref(target), reqs)?;
    let list = full.get(1..).unwrap_or_default();

    let mut max: HashMap<String, String> = list
        .iter()
        .map(|m| (m.path.clone(), m.version.clone()))
        .collect();
    for d in downgrades {
        let lower = match max.get(&d.path) {
            Some(v) => reqs.max(&d.path, v, &d.version) != d.version,
            None => true,
        };
        if lower {
            max.insert(d.path.clone(), d.version.clone());
        }
    }

    let mut pruner = Pruner {
        reqs,
        max: &max,
        added: HashSet::new(),
        excluded: HashSet::new(),
        rdeps: HashMap::new(),
    };
    let mut downgraded = vec![target.clone()];
    'list: for r in list {
        let mut r = r.clone();
        pruner.add(&r);
        while pruner.excluded.contains(&r) {
            let mut p = reqs.previous(&r).map_err(Error::Reqs)?;
            // A limit that `previous` does not list (a pseudo-version, say) is tried
            // in its place in the descending walk.
            let v = max.get(&r.path).map_or("", String::as_str);
            if reqs.max(&r.path, v, &r.version) != v
                && reqs.max(&r.path, &p.version, v) != p.version
            {
                p.version = v.to_string();
            }
            if p.version == NONE {
                continue 'list;
            }
            pruner.add(&p);
            r = p;
        }
        downgraded.push(r);
    }

    // `previous` skips some versions (pseudo-versions, retracted ones) that other
    // requirements may still select. Where MVS pulls a downgraded module back up, the
    // requirements of the lower version it was walked down to must not leak in, so
    // the list is rebuilt from the versions MVS actually selects.
    let actual = build_list(
        std::slice::from_ref(target),
        &Override {
            target,
            list: downgraded,
            reqs,
        },
    )?;
    let actual_version: HashMap<&str, &str> = actual
        .iter()
        .map(|m| (m.path.as_str(), m.version.as_str()))
        .collect();
    let downgraded: Vec<ModuleVersion> = list
        .iter()
        .filter_map(|m| {
            actual_version
                .get(m.path.as_str())
                .map(|v| ModuleVersion::new(&m.path, *v))
        })
        .collect();
    build_list(
        std::slice::from_ref(target),
        &Override {
            target,
            list: downgraded,
            reqs,
        },
    )
}

/// The walk that marks which module versions cannot stay: those above a limit in
/// `max`, those whose requirements fail to load, and transitively whatever requires
/// them.
struct Pruner<'a, R: ?Sized> {
    reqs: &'a R,
    max: &'a HashMap<String, String>,
    added: HashSet<ModuleVersion>,
    excluded: HashSet<ModuleVersion>,
    /// Module → the modules found to require it.
    rdeps: HashMap<ModuleVersion, Vec<ModuleVersion>>,
}

/// One module of [`Pruner::add`]'s walk: its requirements and how far it got.
struct Frame {
    m: ModuleVersion,
    reqs: Vec<ModuleVersion>,
    next: usize,
    /// Whether the walk has entered `reqs[next]` and waits for it to finish.
    entered: bool,
}

impl<R: Reqs + ?Sized> Pruner<'_, R> {
    /// Marks `m` and everything found to require it as excluded.
    fn exclude(&mut self, m: &ModuleVersion) {
        let mut stack = vec![m.clone()];
        while let Some(m) = stack.pop() {
            if let Some(parents) = self.rdeps.get(&m)
                && !self.excluded.contains(&m)
            {
                stack.extend(parents.iter().cloned());
            }
            self.excluded.insert(m);
        }
    }

    /// Starts visiting `m`: `None` if it was visited before or is excluded right away,
    /// else its requirements to walk.
    fn enter(&mut self, m: &ModuleVersion) -> Option<Vec<ModuleVersion>> {
        if !self.added.insert(m.clone()) {
            return None;
        }
        if let Some(v) = self.max.get(&m.path)
            && self.reqs.max(&m.path, &m.version, v) != v
        {
            // m would raise a path above its limit: not a strict downgrade.
            self.exclude(m);
            return None;
        }
        match self.reqs.required(m) {
            Ok(list) => Some(list),
            Err(_) => {
                // Usually an older version with a missing or invalid go.mod; Go cannot
                // tell that from a transient failure either, and excludes it.
                self.exclude(m);
                None
            }
        }
    }

    /// Visits `m` and its requirements depth first: a module is excluded as soon as a
    /// requirement is, and otherwise recorded as a reverse dependency of each.
    fn add(&mut self, m: &ModuleVersion) {
        let Some(reqs) = self.enter(m) else {
            return;
        };
        let mut stack = vec![Frame {
            m: m.clone(),
            reqs,
            next: 0,
            entered: false,
        }];
        while let Some(top) = stack.last_mut() {
            let Some(r) = top.reqs.get(top.next).cloned() else {
                stack.pop();
                continue;
            };
            if !top.entered {
                top.entered = true;
                if let Some(reqs) = self.enter(&r) {
                    stack.push(Frame {
                        m: r,
                        reqs,
                        next: 0,
                        entered: false,
                    });
                    continue;
                }
            }
            // The visit of r is over.
            top.entered = false;
            top.next += 1;
            if self.excluded.contains(&r) {
                let m = top.m.clone();
                stack.pop();
                self.exclude(&m);
                continue;
            }
            let m = top.m.clone();
            self.rdeps.entry(r).or_default().push(m);
        }
    }
}
