//! Random module universes with a main module, for differential tests of the module
//! graph (MVS, pruning, replacements, exclusions, go.mod/go.sum updates) against the
//! real `go`.
//!
//! ```
//! use gomodfetch::testkit::graphgen::{GenConfig, GraphCase};
//! use gomodfetch::testkit::universe::Universe;
//! let case = GraphCase::generate(&GenConfig::new(17));
//! let universe = Universe::new();
//! case.publish(&universe)?;                 // serve it with a TestProxy
//! let dir = tempfile::tempdir()?;
//! case.write_main(dir.path())?;             // go.mod, go.sum?, local replacements
//! println!("{}", case.describe());          // seed and every go.mod, for failures
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # What a case holds
//! * A few module paths under fake hosts (`gen.example/…`, `mods.test/…`), sometimes
//!   with an upper-case letter (so cache paths are `!`-escaped), each with 1 to
//!   [`GenConfig::max_versions`] versions: releases, sometimes a prerelease or a
//!   pseudo-version; sometimes a `/vN` major-version path next to it, and sometimes
//!   `vN.x.y+incompatible` versions of the base path (zips without go.mod).
//! * Every version's go.mod: no go line, an unpruned one (< 1.17), a pruned one, or
//!   1.21+ (a requirement on the `go` toolchain module too), sometimes a `toolchain`
//!   line; up to [`GenConfig::fanout`] requirements, mostly to deeper levels, with
//!   back edges (so requirement cycles such as A v1 → B → A v2 occur); retractions in
//!   later versions; now and then `exclude`/`replace` lines, which go ignores outside
//!   the main module; and sometimes no go.mod in the zip at all (the proxy serves the
//!   synthesized `module <path>`).
//! * The main module [`MAIN_PATH`]: a go line from none to 1.24, requirements (some
//!   `// indirect`, many lower than what MVS selects, so go rewrites them), version
//!   replacements (one version or all, to another version or another path), directory
//!   replacements to local directories with their own go.mod (of a universe path, or of
//!   a module that exists only on disk), `exclude` lines, and a go.sum: absent, empty,
//!   or holding right lines for some versions (sorted or not).
//! * [`GenConfig::new`] makes every tenth seed [`GenConfig::large`] (up to 14 base
//!   paths, 4 versions, fan-out 4, 5 levels), the others [`GenConfig::small`].
//!
//! # Guarantees
//! * The same [`GenConfig`] gives the same case on every machine ([`crate::testkit::synth::Rng`] is
//!   SplitMix64, shared with [`crate::testkit::synth`]).
//! * Every module version is well formed: paths pass `module.CheckPath`, versions are
//!   valid for their paths (`+incompatible` only on paths without `/vN`), every
//!   requirement and replacement names a version the universe has, go lines are valid
//!   and not newer than Go 1.24 (so a local 1.24+ toolchain never needs to switch), the
//!   local directories declare the paths they replace. What `go` then decides (an
//!   excluded version, an inconsistent go.mod) is what the tests compare.
//! * Zips are built by [`crate::modzip::writer`] through [`Package`].

mod gomod;
mod main_mod;
mod universe;

pub use gomod::{GoMod, Require};
pub use main_mod::MAIN_PATH;

use crate::dirhash::{self, H1};
use crate::testkit::universe::{Package, Universe};
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// The knobs of the generator. [`GenConfig::new`] gives small cases (a handful of
/// paths, a few versions each) that `go` resolves in well under a second.
#[derive(Debug, Clone, PartialEq)]
pub struct GenConfig {
    pub seed: u64,
    /// How many base paths, inclusive range.
    pub paths: (usize, usize),
    /// Versions per path, at most.
    pub max_versions: usize,
    /// Requirements per go.mod, at most.
    pub fanout: usize,
    /// Levels of the path graph (requirements point deeper, except back edges).
    pub levels: usize,
    /// Chance that a requirement may point to any path (cycles).
    pub p_back_edge: f64,
    /// Chance that a base path also has a `/vN` path.
    pub p_major: f64,
    /// Chance that a base path has `+incompatible` versions.
    pub p_incompatible: f64,
    pub p_pseudo: f64,
    pub p_prerelease: f64,
    /// Chance that a version (of a path without `/vN`) has no go.mod in its zip.
    pub p_no_go_mod: f64,
    /// Chance that a later version retracts something.
    pub p_retract: f64,
    /// Chance that a dependency's go.mod carries exclude/replace lines.
    pub p_dep_ignored: f64,
    /// Chance that a path element starts with an upper-case letter.
    pub p_upper: f64,
    /// Requirements of the main module, inclusive range.
    pub main_requires: (usize, usize),
    pub p_indirect: f64,
    pub p_replace_version: f64,
    pub p_replace_dir: f64,
    pub p_local_module: f64,
    pub p_exclude: f64,
    /// Chance that the main module's go.sum holds lines already (right hashes for
    /// some universe versions, in or out of the build list, maybe out of order);
    /// otherwise it is empty or absent, half and half.
    pub p_go_sum_lines: f64,
}

impl GenConfig {
    /// The configuration of case `seed` in the differential test: [`GenConfig::small`]
    /// except every tenth seed, which is [`GenConfig::large`].
    pub fn new(seed: u64) -> GenConfig {
        if seed % 10 == 9 {
            GenConfig::large(seed)
        } else {
            GenConfig::small(seed)
        }
    }

    /// Deeper and wider: more paths, versions, requirements and levels.
    pub fn large(seed: u64) -> GenConfig {
        GenConfig {
            paths: (8, 14),
            max_versions: 4,
            fanout: 4,
            levels: 5,
            main_requires: (2, 6),
            ..GenConfig::small(seed)
        }
    }

    /// A handful of paths with a few versions each.
    pub fn small(seed: u64) -> GenConfig {
        GenConfig {
            seed,
            paths: (3, 7),
            max_versions: 3,
            fanout: 3,
            levels: 3,
            p_back_edge: 0.15,
            p_major: 0.2,
            p_incompatible: 0.15,
            p_pseudo: 0.12,
            p_prerelease: 0.1,
            p_no_go_mod: 0.08,
            p_retract: 0.15,
            p_dep_ignored: 0.05,
            p_upper: 0.08,
            main_requires: (1, 4),
            p_indirect: 0.3,
            p_replace_version: 0.3,
            p_replace_dir: 0.2,
            p_local_module: 0.15,
            p_exclude: 0.25,
            p_go_sum_lines: 0.3,
        }
    }
}

/// One module version of the universe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenModule {
    pub path: String,
    pub version: String,
    /// The go.mod (served as `.mod` and zipped); `None`: the zip has none and the
    /// proxy serves `module <path>`.
    pub go_mod: Option<String>,
    /// The `.info` time.
    pub time: Timestamp,
}

/// The one Go file of every generated zip, after go.mod when there is one.
const GEN_GO: (&str, &str) = ("gen.go", "package gen\n");

impl GenModule {
    /// What the proxy serves as `.mod`.
    pub fn mod_text(&self) -> String {
        self.go_mod
            .clone()
            .unwrap_or_else(|| format!("module {}\n", self.path))
    }

    /// go.sum's `<path> <version>/go.mod` hash.
    pub fn go_mod_sum(&self) -> H1 {
        dirhash::hash_go_mod(self.mod_text().as_bytes())
    }

    /// go.sum's `<path> <version>` hash (of the zip's files).
    pub fn zip_sum(&self) -> H1 {
        let prefix = format!("{}@{}/", self.path, self.version);
        let mut files: Vec<(String, &[u8])> = Vec::new();
        if let Some(m) = &self.go_mod {
            files.push((format!("{prefix}go.mod"), m.as_bytes()));
        }
        files.push((format!("{prefix}{}", GEN_GO.0), GEN_GO.1.as_bytes()));
        let digests = files
            .into_iter()
            .map(|(n, d)| (n, <[u8; 32]>::from(Sha256::digest(d))));
        // Names are distinct and valid, so hashing cannot fail.
        dirhash::hash1_digests(digests).unwrap_or_else(|e| panic!("{e}"))
    }
}

/// The main module: its go.mod and every file to write (relative path, contents):
/// `go.mod`, maybe `go.sum`, and `<dir>/go.mod` of each directory replacement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MainModule {
    pub go_mod: GoMod,
    pub files: Vec<(String, String)>,
}

/// A generated case.
#[derive(Debug, Clone)]
pub struct GraphCase {
    pub config: GenConfig,
    /// Every module version, path by path, oldest first.
    pub modules: Vec<GenModule>,
    pub main: MainModule,
}

impl GraphCase {
    pub fn generate(config: &GenConfig) -> GraphCase {
        let paths = universe::plan_paths(config);
        let modules = universe::plan_modules(config, &paths);
        let mut main = main_mod::plan_main(config, &paths);
        main_mod::plan_go_sum(config, &modules, &mut main);
        GraphCase {
            config: config.clone(),
            modules,
            main,
        }
    }

    pub fn seed(&self) -> u64 {
        self.config.seed
    }

    /// Publishes every module version into `universe` (zip: go.mod when it has one and
    /// a one-line Go file).
    pub fn publish(&self, universe: &Universe) -> io::Result<()> {
        for m in &self.modules {
            let pkg = Package::new(&m.path, &m.version)
                .time(m.time)
                .file(GEN_GO.0, GEN_GO.1);
            let pkg = match &m.go_mod {
                Some(text) => pkg.go_mod(text.clone()),
                None => pkg.no_go_mod_in_zip(),
            };
            pkg.try_publish(universe)?;
        }
        Ok(())
    }

    /// Writes the main module's files under `dir`.
    pub fn write_main(&self, dir: &Path) -> io::Result<()> {
        for (rel, text) in &self.main.files {
            let p = dir.join(rel);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(p, text)?;
        }
        Ok(())
    }

    /// The seed, the main module's files and every go.mod of the universe: enough to
    /// reproduce a failure by hand.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "graphgen case seed {} (rerun alone with GOMODFETCH_GRAPH_SEED={})\n",
            self.seed(),
            self.seed()
        );
        for (rel, text) in &self.main.files {
            let _ = writeln!(s, "--- main/{rel}\n{text}");
        }
        let _ = writeln!(s, "--- universe");
        for m in &self.modules {
            match &m.go_mod {
                None => {
                    let _ = writeln!(s, "{}@{}: (no go.mod)", m.path, m.version);
                }
                Some(text) => {
                    let body: Vec<&str> = text.lines().skip(1).filter(|l| !l.is_empty()).collect();
                    let _ = writeln!(s, "{}@{}: {}", m.path, m.version, body.join(" | "));
                }
            }
        }
        s
    }

    /// Which features this case exercises (for a coverage summary).
    pub fn features(&self) -> BTreeSet<&'static str> {
        features(self)
    }
}

/// The go.mod requirements of every go.mod in the case: main, local, universe.
fn all_requires(case: &GraphCase) -> Vec<(String, Require)> {
    let mut out = Vec::new();
    let mut add = |from: &str, text: &str| {
        let mut in_block = false;
        for line in text.lines() {
            let l = line.trim();
            let body = if in_block {
                if l == ")" {
                    in_block = false;
                    continue;
                }
                l
            } else if l == "require (" {
                in_block = true;
                continue;
            } else if let Some(b) = l.strip_prefix("require ") {
                b
            } else {
                continue;
            };
            let mut it = body.split_whitespace();
            if let (Some(p), Some(v)) = (it.next(), it.next()) {
                out.push((
                    from.to_string(),
                    Require {
                        path: p.to_string(),
                        version: v.to_string(),
                        indirect: body.ends_with("// indirect"),
                    },
                ));
            }
        }
    };
    for (rel, text) in &case.main.files {
        if rel.ends_with("go.mod") {
            add(MAIN_PATH, text);
        }
    }
    for m in &case.modules {
        if let Some(t) = &m.go_mod {
            add(&m.path, t);
        }
    }
    out
}

fn features(case: &GraphCase) -> BTreeSet<&'static str> {
    let mut f = BTreeSet::new();
    let main = &case.main.go_mod;
    f.insert(match main.go.as_deref() {
        None => "main: no go line",
        Some(g) if crate::gover::compare(g, "1.17").is_lt() => "main: go < 1.17",
        Some(g) if crate::gover::compare(g, "1.21").is_lt() => "main: go 1.17-1.20",
        Some(_) => "main: go >= 1.21",
    });
    let reqs = all_requires(case);
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (from, r) in &reqs {
        edges.entry(from).or_default().insert(&r.path);
        let v = r.version.as_str();
        if v.ends_with("+incompatible") {
            f.insert("requires +incompatible");
        }
        if crate::module::is_pseudo_version(v) {
            f.insert("requires pseudo-version");
        } else if !crate::semver::prerelease(v).is_empty() {
            f.insert("requires prerelease");
        }
        if crate::module::split_path_version(&r.path).is_some_and(|(_, s)| !s.is_empty()) {
            f.insert("requires /vN path");
        }
        let target = case
            .modules
            .iter()
            .find(|m| m.path == r.path && m.version == r.version);
        if target.is_some_and(|m| m.go_mod.is_none() && !v.ends_with("+incompatible")) {
            f.insert("requires module without go.mod");
        }
        if r.indirect && from == MAIN_PATH {
            f.insert("main: // indirect");
        }
    }
    if has_cycle(&edges) {
        f.insert("path-level requirement cycle");
    }
    for m in &case.modules {
        let Some(t) = &m.go_mod else { continue };
        let go = t.lines().find_map(|l| l.strip_prefix("go "));
        f.insert(match go {
            None => "dep: no go line",
            Some(g) if crate::gover::compare(g, "1.17").is_lt() => "dep: go < 1.17",
            Some(g) if crate::gover::compare(g, "1.21").is_lt() => "dep: go 1.17-1.20",
            Some(_) => "dep: go >= 1.21",
        });
        if t.contains("\nretract") {
            f.insert("dep: retract");
        }
        if t.contains("\nexclude") {
            f.insert("dep: ignored exclude/replace");
        }
    }
    if case
        .modules
        .iter()
        .any(|m| m.path.chars().any(|c| c.is_ascii_uppercase()))
    {
        f.insert("upper-case path");
    }
    for r in &main.replace {
        let (old, new) = r.split_once(" => ").unwrap_or((r, ""));
        if new.starts_with("./") {
            f.insert(if old.contains("localmod") {
                "replace: disk-only module"
            } else {
                "replace: directory"
            });
        } else if old.contains(' ') {
            f.insert("replace: one version");
        } else {
            f.insert("replace: all versions");
        }
        if old.split(' ').next() != new.split(' ').next() && !new.starts_with("./") {
            f.insert("replace: another path");
        }
    }
    if !main.exclude.is_empty() {
        f.insert("main: exclude");
    }
    if main.toolchain.is_some() {
        f.insert("main: toolchain line");
    }
    match case.main.files.iter().find(|(r, _)| r == "go.sum") {
        None => {}
        Some((_, t)) if t.is_empty() => {
            f.insert("main: empty go.sum");
        }
        Some(_) => {
            f.insert("main: go.sum with lines");
        }
    }
    f
}

/// Whether the path graph has a cycle (iterative three-colour DFS).
fn has_cycle(edges: &BTreeMap<&str, BTreeSet<&str>>) -> bool {
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    for &start in edges.keys() {
        if state.contains_key(start) {
            continue;
        }
        let mut stack: Vec<(&str, Vec<&str>)> =
            vec![(start, edges[start].iter().copied().collect())];
        state.insert(start, 1);
        while let Some((node, rest)) = stack.last_mut() {
            match rest.pop() {
                Some(next) => match state.get(next) {
                    Some(1) => return true,
                    Some(_) => {}
                    None => {
                        state.insert(next, 1);
                        let succ = edges
                            .get(next)
                            .map(|s| s.iter().copied().collect())
                            .unwrap_or_default();
                        stack.push((next, succ));
                    }
                },
                None => {
                    state.insert(node, 2);
                    stack.pop();
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_valid() {
        for seed in 0..200 {
            let a = GraphCase::generate(&GenConfig::new(seed));
            let b = GraphCase::generate(&GenConfig::new(seed));
            assert_eq!(a.describe(), b.describe());
            for m in &a.modules {
                crate::module::check(&m.path, &m.version)
                    .unwrap_or_else(|e| panic!("seed {seed}: {}@{}: {e}", m.path, m.version));
            }
            for (_, r) in all_requires(&a) {
                let known = a
                    .modules
                    .iter()
                    .any(|m| m.path == r.path && m.version == r.version);
                assert!(known || r.path.contains("localmod"), "seed {seed}: {r:?}");
            }
        }
    }

    #[test]
    fn sums_match_the_published_zips() {
        let case = GraphCase::generate(&GenConfig::new(9));
        let u = Universe::new();
        case.publish(&u).unwrap();
        let dir = tempfile::tempdir().unwrap();
        for m in &case.modules {
            let stored = u.module(&m.path, &m.version).unwrap();
            let zip = dir.path().join("m.zip");
            std::fs::write(&zip, stored.zip().unwrap()).unwrap();
            assert_eq!(
                dirhash::hash_zip(&zip).unwrap(),
                m.zip_sum(),
                "{}@{}",
                m.path,
                m.version
            );
            assert_eq!(stored.gomod().unwrap().as_ref(), m.mod_text().as_bytes());
        }
    }

    #[test]
    fn cycles_are_found() {
        let mut e: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        e.entry("a").or_default().insert("b");
        e.entry("b").or_default().insert("c");
        assert!(!has_cycle(&e));
        e.entry("c").or_default().insert("a");
        assert!(has_cycle(&e));
    }
}
