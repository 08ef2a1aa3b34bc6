//! Build lists (`BuildList`, `UpgradeAll`, `Upgrade`) and minimal requirements
//! (`Req`), from `cmd/go/internal/mvs/mvs.go`.

use super::{BuildListError, Error, Graph, NONE, Reqs, UpgradeReqs, cmp_by_max};
use crate::module::ModuleVersion;
use std::collections::{HashMap, HashSet, VecDeque};

/// The build list for `targets`: the targets first, then the selected (highest
/// required) version of every other path reachable from them, sorted by path.
pub fn build_list<R: Reqs + ?Sized>(
    targets: &[ModuleVersion],
    reqs: &R,
) -> Result<Vec<ModuleVersion>, Error<R::Error>> {
    build(targets, reqs, None)
}

type UpgradeFn<'a, E> = &'a dyn Fn(&ModuleVersion) -> Result<ModuleVersion, E>;

/// Go's `buildList`: walks everything reachable from `targets`; with `upgrade`, each
/// module visited also requires the version `upgrade` maps it to.
pub(super) fn build<R: Reqs + ?Sized>(
    targets: &[ModuleVersion],
    reqs: &R,
    upgrade: Option<UpgradeFn<'_, R::Error>>,
) -> Result<Vec<ModuleVersion>, Error<R::Error>> {
    let mut g = Graph::new(
        |p: &str, a: &str, b: &str| cmp_by_max(reqs, p, a, b),
        targets.to_vec(),
    );
    let mut upgrades: HashMap<ModuleVersion, ModuleVersion> = HashMap::new();
    let mut errs: HashMap<ModuleVersion, R::Error> = HashMap::new();

    // Each module version is visited once, as Go's par.Work does.
    let mut seen: HashSet<ModuleVersion> = HashSet::new();
    let mut queue: VecDeque<ModuleVersion> = targets
        .iter()
        .filter(|t| seen.insert((*t).clone()))
        .cloned()
        .collect();
    while let Some(m) = queue.pop_front() {
        let (mut required, mut err) = if m.version == NONE {
            (Vec::new(), None)
        } else {
            match reqs.required(&m) {
                Ok(r) => (r, None),
                Err(e) => (Vec::new(), Some(e)),
            }
        };
        let mut to = None;
        if let Some(upgrade) = upgrade {
            match upgrade(&m) {
                Ok(u) if u != m => to = Some(u),
                Ok(_) => {}
                Err(e) => {
                    err.get_or_insert(e);
                }
            }
        }
        if let Some(e) = err {
            errs.insert(m.clone(), e);
        }
        if let Some(u) = to {
            upgrades.insert(m.clone(), u.clone());
            required.insert(0, u);
        }
        for r in &required {
            if seen.insert(r.clone()) {
                queue.push_back(r.clone());
            }
        }
        // m is a target or was required by a module already recorded, and is visited
        // once: Graph::require's preconditions hold.
        g.set_required(m, required);
    }

    if !errs.is_empty() {
        // Report the error at the end of a shortest requirement path to a module whose
        // loading failed. Every module in errs is in the graph, so such a path exists
        // (and ends in errs); the fallback only keeps this panic-free.
        let path = g
            .find_path(|m| errs.contains_key(m))
            .unwrap_or_else(|| errs.keys().min().cloned().into_iter().collect());
        if let Some(err) = path.last().and_then(|m| errs.remove(m)) {
            let is_upgrade =
                |from: &ModuleVersion, to: &ModuleVersion| upgrades.get(from) == Some(to);
            return Err(BuildListError::new(err, path, is_upgrade).into());
        }
    }

    let list = g.build_list();
    if list.get(..targets.len()) != Some(targets) {
        return Err(Error::TargetNotSelected {
            targets: targets.to_vec(),
            chose: list.into_iter().take(targets.len()).collect(),
        });
    }
    Ok(list)
}

/// The minimal requirement list for `main` that yields the same build list: the
/// modules not implied by the requirements of others, always including (at their
/// selected versions) the paths in `base`. Sorted by path.
pub fn req<R: Reqs + ?Sized>(
    main: &ModuleVersion,
    base: &[&str],
    reqs: &R,
) -> Result<Vec<ModuleVersion>, Error<R::Error>> {
    let list = build_list(std::slice::from_ref(main), reqs)?;
    let max: HashMap<&str, &str> = list
        .iter()
        .map(|m| (m.path.as_str(), m.version.as_str()))
        .collect();

    // Postorder of everything reachable from the build list, caching requirements. The
    // main module's own requirements are not followed.
    let mut req_cache: HashMap<ModuleVersion, Vec<ModuleVersion>> = HashMap::new();
    req_cache.insert(main.clone(), Vec::new());
    let mut postorder: Vec<ModuleVersion> = Vec::new();
    for m in &list {
        postorder_walk(m, reqs, &mut req_cache, &mut postorder).map_err(Error::Reqs)?;
    }

    let mut have: HashSet<ModuleVersion> = HashSet::new();
    let mut min: Vec<ModuleVersion> = Vec::new();
    let mut have_base: HashSet<&str> = HashSet::new();
    for &path in base {
        if !have_base.insert(path) {
            continue;
        }
        let m = ModuleVersion::new(path, max.get(path).copied().unwrap_or(""));
        mark_reachable(&m, &req_cache, &mut have);
        min.push(m);
    }
    // Reverse postorder: a module is needed unless something listed already implies it.
    for m in postorder.iter().rev() {
        if max.get(m.path.as_str()) != Some(&m.version.as_str()) {
            continue; // an older version
        }
        if !have.contains(m) {
            mark_reachable(m, &req_cache, &mut have);
            min.push(m.clone());
        }
    }
    min.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(min)
}

/// Appends to `postorder` every module reachable from `m` that is not in `cache` yet,
/// children before parents, caching each one's requirements.
fn postorder_walk<R: Reqs + ?Sized>(
    m: &ModuleVersion,
    reqs: &R,
    cache: &mut HashMap<ModuleVersion, Vec<ModuleVersion>>,
    postorder: &mut Vec<ModuleVersion>,
) -> Result<(), R::Error> {
    if cache.contains_key(m) {
        return Ok(());
    }
    cache.insert(m.clone(), reqs.required(m)?);
    // (module, index of the next requirement to visit)
    let mut stack: Vec<(ModuleVersion, usize)> = vec![(m.clone(), 0)];
    while let Some((top, next)) = stack.last_mut() {
        let child = cache.get(top).and_then(|r| r.get(*next)).cloned();
        *next += 1;
        match child {
            Some(c) if !cache.contains_key(&c) => {
                let required = reqs.required(&c)?;
                cache.insert(c.clone(), required);
                stack.push((c, 0));
            }
            Some(_) => {}
            None => {
                if let Some((done, _)) = stack.pop() {
                    postorder.push(done);
                }
            }
        }
    }
    Ok(())
}

/// Adds `m` and everything reachable from it through `cache` to `have`.
fn mark_reachable(
    m: &ModuleVersion,
    cache: &HashMap<ModuleVersion, Vec<ModuleVersion>>,
    have: &mut HashSet<ModuleVersion>,
) {
    let mut stack = vec![m.clone()];
    while let Some(m) = stack.pop() {
        if have.contains(&m) {
            continue;
        }
        if let Some(required) = cache.get(&m) {
            stack.extend(required.iter().filter(|r| !have.contains(*r)).cloned());
        }
        have.insert(m);
    }
}

/// The build list for `target` with every module upgraded to what
/// [`UpgradeReqs::upgrade`] says (the target's path stays at the target).
pub fn upgrade_all<R: UpgradeReqs + ?Sized>(
    target: &ModuleVersion,
    reqs: &R,
) -> Result<Vec<ModuleVersion>, Error<R::Error>> {
    let upgrade = |m: &ModuleVersion| {
        if m.path == target.path {
            Ok(target.clone())
        } else {
            reqs.upgrade(m)
        }
    };
    build(std::slice::from_ref(target), reqs, Some(&upgrade))
}

/// The build list for `target` with each module of `upgrades` raised to at least that
/// version (the highest one when a path is listed twice).
pub fn upgrade<R: Reqs + ?Sized>(
    target: &ModuleVersion,
    reqs: &R,
    upgrades: &[ModuleVersion],
) -> Result<Vec<ModuleVersion>, Error<R::Error>> {
    let mut list = reqs.required(target).map_err(Error::Reqs)?;
    let in_list: HashSet<String> = list.iter().map(|m| m.path.clone()).collect();
    let mut upgrade_to: HashMap<&str, &str> = HashMap::new();
    for u in upgrades {
        if !in_list.contains(&u.path) {
            list.push(ModuleVersion::new(&u.path, NONE));
        }
        let v = match upgrade_to.get(u.path.as_str()) {
            Some(prev) => reqs.max(&u.path, prev, &u.version),
            None => &u.version,
        };
        upgrade_to.insert(&u.path, v);
    }
    let overridden = Override { target, list, reqs };
    let upgrade = |m: &ModuleVersion| -> Result<ModuleVersion, R::Error> {
        Ok(match upgrade_to.get(m.path.as_str()) {
            Some(v) => ModuleVersion::new(&m.path, *v),
            None => m.clone(),
        })
    };
    build(std::slice::from_ref(target), &overridden, Some(&upgrade))
}

/// `reqs` with the target's requirements replaced by `list`.
pub(super) struct Override<'a, R: ?Sized> {
    pub target: &'a ModuleVersion,
    pub list: Vec<ModuleVersion>,
    pub reqs: &'a R,
}

impl<R: Reqs + ?Sized> Reqs for Override<'_, R> {
    type Error = R::Error;

    fn required(&self, m: &ModuleVersion) -> Result<Vec<ModuleVersion>, R::Error> {
        if m == self.target {
            Ok(self.list.clone())
        } else {
            self.reqs.required(m)
        }
    }

    fn max<'b>(&self, path: &str, v1: &'b str, v2: &'b str) -> &'b str {
        self.reqs.max(path, v1, v2)
    }
}
