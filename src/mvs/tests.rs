use super::*;
use crate::module;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

fn mv(path: &str, version: &str) -> ModuleVersion {
    ModuleVersion::new(path, version)
}

/// A requirement graph in a map, ordered as the go command orders versions.
#[derive(Debug, Clone, Default)]
struct MapReqs {
    reqs: HashMap<ModuleVersion, Vec<ModuleVersion>>,
    /// Path → its versions (other than the main module's ""), ascending.
    versions: HashMap<String, Vec<String>>,
}

impl MapReqs {
    fn with(mut self, m: ModuleVersion, reqs: &[ModuleVersion]) -> Self {
        if !m.version.is_empty() {
            let vs = self.versions.entry(m.path.clone()).or_default();
            if !vs.contains(&m.version) {
                vs.push(m.version.clone());
                vs.sort_by(|a, b| crate::semver::compare(a, b));
            }
        }
        self.reqs.insert(m, reqs.to_vec());
        self
    }

    fn versions(&self, path: &str) -> &[String] {
        self.versions.get(path).map_or(&[], Vec::as_slice)
    }
}

impl Reqs for MapReqs {
    type Error = String;

    fn required(&self, m: &ModuleVersion) -> Result<Vec<ModuleVersion>, String> {
        if m.version == NONE {
            return Ok(Vec::new());
        }
        self.reqs
            .get(m)
            .cloned()
            .ok_or_else(|| format!("no go.mod for {m}"))
    }

    fn max<'a>(&self, path: &str, v1: &'a str, v2: &'a str) -> &'a str {
        max_version(path, v1, v2)
    }
}

impl UpgradeReqs for MapReqs {
    fn upgrade(&self, m: &ModuleVersion) -> Result<ModuleVersion, String> {
        match self.versions(&m.path).last() {
            Some(v) => Ok(mv(&m.path, v)),
            None => Err(format!("no versions of {}", m.path)),
        }
    }
}

impl DowngradeReqs for MapReqs {
    fn previous(&self, m: &ModuleVersion) -> Result<ModuleVersion, String> {
        let prev = self
            .versions(&m.path)
            .iter()
            .rfind(|v| crate::semver::compare(v, &m.version).is_lt());
        Ok(mv(&m.path, prev.map_or(NONE, String::as_str)))
    }
}

#[test]
fn go_command_version_order() {
    assert_eq!(max_version("example.com/m", "v1.2.0", "v1.10.0"), "v1.10.0");
    assert_eq!(max_version("example.com/m", "", "v9.0.0"), "");
    assert_eq!(max_version("example.com/m", "v9.0.0", ""), "");
    assert_eq!(max_version("example.com/m", "none", "v0.0.1"), "v0.0.1");
    assert_eq!(max_version("go", "1.21", "1.21rc1"), "1.21rc1");
    assert_eq!(max_version("go", "1.9", "1.21"), "1.21");
    assert_eq!(max_version("toolchain", "go1.22.0", "go1.9"), "go1.22.0");
    // For every other path, Go versions are not semver: both invalid, so equal, and
    // max keeps the first.
    assert_eq!(max_version("example.com/m", "1.9", "1.21"), "1.9");
    assert_eq!(cmp_version("x", "", ""), Ordering::Equal);
}

#[test]
fn graph_selects_and_lists() {
    let mut g = Graph::new(cmp_version, vec![mv("main", ""), mv("z", "v1.0.0")]);
    assert_eq!(g.selected("z"), "v1.0.0");
    assert_eq!(g.selected("y"), "none");
    g.require(&mv("main", ""), vec![mv("y", "v1.0.0"), mv("go", "1.21")])
        .expect("main is a root");
    g.require(
        &mv("y", "v1.0.0"),
        vec![mv("z", "v1.2.0"), mv("a", "none"), mv("go", "1.9")],
    )
    .expect("y is reachable");
    assert_eq!(
        g.require(&mv("y", "v1.0.0"), vec![]),
        Err(GraphError::AlreadySet(mv("y", "v1.0.0")))
    );
    assert_eq!(
        g.require(&mv("q", "v1.0.0"), vec![])
            .unwrap_err()
            .to_string(),
        "q@v1.0.0 is not reachable from any root"
    );
    assert_eq!(
        GraphError::AlreadySet(mv("main", "")).to_string(),
        "requirements of main have already been set"
    );
    assert_eq!(g.selected("z"), "v1.2.0");
    assert_eq!(g.selected("go"), "1.21");
    assert_eq!(g.selected("a"), "none");
    assert_eq!(
        g.build_list(),
        [
            mv("main", ""),
            mv("z", "v1.2.0"),
            mv("go", "1.21"),
            mv("y", "v1.0.0")
        ]
    );
    assert_eq!(
        g.required_by(&mv("main", "")),
        Some(&[mv("y", "v1.0.0"), mv("go", "1.21")][..])
    );
    assert_eq!(g.required_by(&mv("z", "v1.2.0")), None);

    let mut walked = Vec::new();
    g.walk_breadth_first(|m| walked.push(m.to_string()));
    assert_eq!(
        walked,
        [
            "main", "z@v1.0.0", "y@v1.0.0", "go@1.21", "z@v1.2.0", "go@1.9"
        ]
    );
    assert_eq!(
        g.find_path(|m| m.path == "go" && m.version == "1.9"),
        Some(vec![mv("main", ""), mv("y", "v1.0.0"), mv("go", "1.9")])
    );
    assert_eq!(
        g.find_path(|m| m.path == "z"),
        Some(vec![mv("z", "v1.0.0")])
    );
    assert_eq!(g.find_path(|m| m.path == "nope"), None);
}

#[test]
fn graph_roots_with_none_and_duplicates() {
    let g = Graph::new(
        cmp_version,
        vec![mv("a", "none"), mv("b", "v1.0.0"), mv("b", "v1.1.0")],
    );
    assert_eq!(g.build_list(), [mv("b", "v1.1.0")]);
    let mut walked = Vec::new();
    g.walk_breadth_first(|m| walked.push(m.clone()));
    assert_eq!(walked, [mv("b", "v1.0.0"), mv("b", "v1.1.0")]);
}

fn build_err(e: Error<String>) -> BuildListError<String> {
    match e {
        Error::BuildList(e) => e,
        other => panic!("not a BuildListError: {other}"),
    }
}

#[test]
fn build_list_error_names_the_requirement_path() {
    let reqs = MapReqs::default()
        .with(mv("main", ""), &[mv("a", "v1.0.0"), mv("b", "v1.0.0")])
        .with(mv("a", "v1.0.0"), &[mv("c", "v1.0.0")])
        .with(mv("b", "v1.0.0"), &[mv("d", "v1.0.0")])
        .with(mv("d", "v1.0.0"), &[mv("c", "v1.0.0")]);
    let err = build_err(build_list(&[mv("main", "")], &reqs).unwrap_err());
    assert_eq!(err.module(), Some(&mv("c", "v1.0.0")));
    assert_eq!(
        err.path().cloned().collect::<Vec<_>>(),
        [mv("main", ""), mv("a", "v1.0.0"), mv("c", "v1.0.0")]
    );
    assert_eq!(
        err.to_string(),
        "a@v1.0.0 requires\n\tc@v1.0.0: no go.mod for c@v1.0.0"
    );
    assert_eq!(err.err(), "no go.mod for c@v1.0.0");

    // An upgrade step says "updating to"; an upgrade error counts like a load error.
    let reqs = MapReqs::default()
        .with(mv("main", ""), &[mv("a", "v1.0.0")])
        .with(mv("a", "v1.0.0"), &[])
        .with(mv("a", "v1.1.0"), &[mv("b", "v1.0.0")])
        .with(mv("b", "v1.0.0"), &[mv("z", "v1.0.0")])
        .with(mv("z", "v1.0.0"), &[]);
    // A path new to the build enters at `none` and is upgraded from there.
    let err = build_err(
        upgrade(
            &mv("main", ""),
            &reqs,
            &[mv("a", "v1.1.0"), mv("q", "v1.0.0")],
        )
        .unwrap_err(),
    );
    assert_eq!(
        err.to_string(),
        "q@none updating to\n\tq@v1.0.0: no go.mod for q@v1.0.0"
    );
    let reqs = reqs.with(mv("b", "v1.0.0"), &[mv("y", "v2.0.0")]);
    let err = build_err(upgrade(&mv("main", ""), &reqs, &[mv("a", "v1.1.0")]).unwrap_err());
    assert_eq!(
        err.to_string(),
        "a@v1.0.0 updating to\n\ta@v1.1.0 requires\n\tb@v1.0.0 requires\n\ty@v2.0.0: no go.mod for y@v2.0.0"
    );
    // upgrade_all: a path with no versions cannot be upgraded.
    let reqs = reqs.with(mv("y", "v2.0.0"), &[mv("w", "none")]);
    let err = build_err(upgrade_all(&mv("main", ""), &reqs).unwrap_err());
    assert_eq!(
        err.to_string(),
        "a@v1.0.0 updating to\n\ta@v1.1.0 requires\n\tb@v1.0.0 requires\n\ty@v2.0.0 requires\n\tw@none: no versions of w"
    );
}

fn invalid_version(v: &str) -> module::Error {
    module::Error::invalid_version(v, false, module::VersionReason::NotSemver)
}

#[test]
fn build_list_error_message_shapes() {
    let path = |ms: &[(&str, &str)]| ms.iter().map(|(p, v)| mv(p, v)).collect::<Vec<_>>();
    let no_change = |_: &ModuleVersion, _: &ModuleVersion| false;
    let text = |err: module::Error, p: &[(&str, &str)]| {
        BuildListError::new(err, path(p), no_change).to_string()
    };
    let msg = || module::Error::Module {
        path: "x".into(),
        version: "v1.0.0".into(),
        err: Box::new(invalid_version("v1.0.0")),
    };
    // A module error for the failing module itself is printed as is.
    let err = module::Error::module("b", "v1.0.0", invalid_version("v1.0.0"));
    assert_eq!(
        text(err.clone(), &[("m", ""), ("a", "v1.0.0"), ("b", "v1.0.0")]),
        format!("a@v1.0.0 requires\n\t{err}")
    );
    // One for another module (a replacement) names both.
    assert_eq!(
        text(msg(), &[("m", ""), ("a", "v1.0.0"), ("b", "v1.0.0")]),
        format!(
            "a@v1.0.0 requires\n\tb@v1.0.0 (replaced by x@v1.0.0): {}",
            invalid_version("v1.0.0")
        )
    );
    // A bare invalid-version error gets the module's path.
    assert_eq!(
        text(
            invalid_version("v2.0.0"),
            &[("a", "v1.0.0"), ("b", "v1.0.0")]
        ),
        format!(
            "a@v1.0.0 requires\n\tb@v2.0.0: invalid version: {}",
            module::VersionReason::NotSemver
        )
    );
    // Only the leading version-less modules are dropped; an empty path is the error.
    assert_eq!(
        BuildListError::new(
            "boom".to_string(),
            path(&[("a", "v1"), ("b", "")]),
            no_change
        )
        .to_string(),
        "a@v1 requires\n\tmodule b: boom"
    );
    assert_eq!(
        BuildListError::new("boom".to_string(), path(&[("m", ""), ("w", "")]), no_change)
            .to_string(),
        "boom"
    );
    assert_eq!(
        BuildListError::new("boom".to_string(), vec![], no_change).to_string(),
        "boom"
    );
    assert_eq!(
        BuildListError::new("boom", vec![], no_change).module(),
        None
    );
}

#[test]
fn target_that_loses_is_an_error() {
    struct Bad;
    impl Reqs for Bad {
        type Error = String;
        fn required(&self, m: &ModuleVersion) -> Result<Vec<ModuleVersion>, String> {
            Ok(if m.version.is_empty() {
                vec![mv("m", "v2")]
            } else {
                vec![]
            })
        }
        fn max<'a>(&self, _: &str, v1: &'a str, v2: &'a str) -> &'a str {
            if v1 < v2 { v2 } else { v1 }
        }
    }
    let err = build_list(&[mv("m", "")], &Bad).unwrap_err();
    assert_eq!(
        err.to_string(),
        "mistake: chose versions [{Path:m Version:v2}] instead of targets [{Path:m Version:}]"
    );
}

#[test]
fn deep_chains_do_not_overflow_the_stack() {
    const N: usize = 50_000;
    let name = |i: usize| format!("m{i:06}");
    let mut reqs = MapReqs::default().with(mv("main", ""), &[mv(&name(0), "v1.0.0")]);
    for i in 0..N {
        let next: Vec<ModuleVersion> = if i + 1 < N {
            vec![mv(&name(i + 1), "v1.0.0")]
        } else {
            vec![]
        };
        reqs = reqs.with(mv(&name(i), "v1.0.0"), &next);
    }
    // The last module has a lower version below it, so downgrading it walks the chain.
    reqs = reqs.with(mv(&name(N - 1), "v0.9.0"), &[]);
    let main = mv("main", "");
    let list = build_list(std::slice::from_ref(&main), &reqs).expect("builds");
    assert_eq!(list.len(), N + 1);
    let min = req(&main, &[], &reqs).expect("reqs");
    assert_eq!(min, [mv(&name(0), "v1.0.0")]);
    // Everything above the last module has no lower version and goes; the last one
    // stays at its limit.
    let down = downgrade(&main, &reqs, &[mv(&name(N - 1), "v0.9.0")]).expect("downgrades");
    assert_eq!(down, [main, mv(&name(N - 1), "v0.9.0")]);
}

/// A small random requirement graph: `PATHS` paths with versions v1..v3, each version
/// requiring a few others (maybe `none`); the main module requires some.
fn graph() -> impl Strategy<Value = (MapReqs, Vec<ModuleVersion>)> {
    const PATHS: [&str; 5] = ["a", "b", "c", "d", "main"];
    let module = (0..PATHS.len(), 0..4usize).prop_map(|(p, v)| {
        let version = if v == 0 {
            NONE.to_string()
        } else {
            format!("v1.{v}.0")
        };
        mv(PATHS[p], &version)
    });
    let reqs_of = prop::collection::vec(module, 0..4);
    (prop::collection::vec(reqs_of.clone(), 12), reqs_of).prop_map(|(lists, main_reqs)| {
        let mut reqs = MapReqs::default().with(mv("main", ""), &main_reqs);
        // Other versions of the main module may be required; they require nothing.
        for v in 1..=3 {
            reqs = reqs.with(mv("main", &format!("v1.{v}.0")), &[]);
        }
        let mut i = 0;
        for p in &PATHS[..4] {
            for v in 1..=3 {
                reqs = reqs.with(mv(p, &format!("v1.{v}.0")), &lists[i]);
                i += 1;
            }
        }
        (reqs, main_reqs)
    })
}

/// The build list by brute force: the highest version of every path reachable from
/// `main` through any requirement (`none` contributes nothing).
fn oracle(reqs: &MapReqs, main: &ModuleVersion) -> Vec<ModuleVersion> {
    let mut seen = BTreeSet::from([main.clone()]);
    let mut queue = VecDeque::from([main.clone()]);
    while let Some(m) = queue.pop_front() {
        for r in reqs.reqs.get(&m).cloned().unwrap_or_default() {
            if r.version != NONE && seen.insert(r.clone()) {
                queue.push_back(r);
            }
        }
    }
    let mut best: BTreeMap<String, String> = BTreeMap::new();
    for m in seen.iter().filter(|m| m.path != main.path) {
        let cur = best
            .entry(m.path.clone())
            .or_insert_with(|| m.version.clone());
        if crate::semver::compare(&m.version, cur).is_gt() {
            *cur = m.version.clone();
        }
    }
    std::iter::once(main.clone())
        .chain(best.into_iter().map(|(p, v)| mv(&p, &v)))
        .collect()
}

proptest! {
    #[test]
    fn build_list_is_max_over_reachable((reqs, _) in graph()) {
        let main = mv("main", "");
        let list = build_list(std::slice::from_ref(&main), &reqs).expect("builds");
        prop_assert_eq!(&list, &oracle(&reqs, &main));
    }

    #[test]
    fn req_gives_back_the_build_list((reqs, _) in graph(), base_mask in 0u8..16) {
        let main = mv("main", "");
        let list = build_list(std::slice::from_ref(&main), &reqs).expect("builds");
        // Base paths must be in the build list (others would come back at "").
        let base: Vec<&str> = list[1..]
            .iter()
            .enumerate()
            .filter(|(i, _)| base_mask & (1 << i) != 0)
            .map(|(_, m)| m.path.as_str())
            .collect();
        let min = req(&main, &base, &reqs).expect("reqs");
        for b in &base {
            prop_assert!(min.iter().any(|m| m.path == *b), "base path {} missing", b);
        }
        prop_assert!(min.windows(2).all(|w| w[0].path < w[1].path));
        let again = reqs.clone().with(main.clone(), &min);
        let list2 = build_list(std::slice::from_ref(&main), &again).expect("builds");
        prop_assert_eq!(list, list2);
    }

    #[test]
    fn upgrade_raises_and_downgrade_lowers((reqs, _) in graph(), p in 0..4usize, v in 1..4usize) {
        let main = mv("main", "");
        let target = mv(["a", "b", "c", "d"][p], &format!("v1.{v}.0"));
        let up = upgrade(&main, &reqs, std::slice::from_ref(&target)).expect("upgrades");
        let got = up.iter().find(|m| m.path == target.path).expect("upgraded path listed");
        prop_assert!(crate::semver::compare(&got.version, &target.version).is_ge());
        prop_assert_eq!(&up, &oracle(&reqs.clone().with(main.clone(), &up[1..]), &main));

        let down = downgrade(&main, &reqs, std::slice::from_ref(&target)).expect("downgrades");
        if let Some(got) = down.iter().find(|m| m.path == target.path) {
            prop_assert!(crate::semver::compare(&got.version, &target.version).is_le());
        }
        prop_assert_eq!(&down, &oracle(&reqs.clone().with(main.clone(), &down[1..]), &main));

        let all = upgrade_all(&main, &reqs).expect("upgrades all");
        for m in &all[1..] {
            prop_assert_eq!(m.version.as_str(), "v1.3.0");
        }
    }
}
