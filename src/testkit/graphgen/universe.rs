//! The module universe of one generated case: module paths, their versions, and the
//! go.mod of every version (go line, requirements, retractions).
//!
//! Everything is drawn from streams derived from the case's seed (one per concern and
//! per path), so changing how one part is drawn leaves the others as they were.

use super::gomod::{GoMod, Require};
use super::{GenConfig, GenModule};
use crate::module;
use crate::testkit::synth::Rng;
use jiff::{Timestamp, ToSpan};

/// Stream numbers for [`Rng::derive`].
pub(super) const PATHS: u64 = 1;
pub(super) const VERSIONS: u64 = 2;
pub(super) const GO_MODS: u64 = 3;

/// Module names (the last path element of a base path), one per path of a case.
const NAMES: [&str; 16] = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett",
    "kilo", "lima", "mike", "november", "oscar", "papa",
];

/// Hosts of the generated paths (first path elements need a dot).
const HOSTS: [&str; 3] = ["gen.example", "mods.test", "gen.example/group"];

/// go lines of dependencies: none, unpruned (< 1.17), pruned, and 1.21+ (where the go
/// line is also a requirement on the `go` toolchain module).
pub(super) const DEP_GO_LINES: [(Option<&str>, u32); 12] = [
    (None, 8),
    (Some("1.12"), 6),
    (Some("1.14"), 6),
    (Some("1.16"), 8),
    (Some("1.17"), 10),
    (Some("1.18"), 6),
    (Some("1.20"), 8),
    (Some("1.21"), 8),
    (Some("1.21.0"), 8),
    (Some("1.22.0"), 10),
    (Some("1.23"), 6),
    (Some("1.24.2"), 6),
];

/// One module path and its versions.
#[derive(Debug, Clone)]
pub(super) struct PathPlan {
    pub path: String,
    /// Its level: requirements point to deeper levels, except back edges.
    pub level: usize,
    /// The versions, oldest first.
    pub versions: Vec<String>,
}

/// Whether a go line (or none) means a pruned module graph (go 1.17 and later).
pub(super) fn is_pruned(go: Option<&str>) -> bool {
    go.is_some_and(|v| crate::gover::compare(v, "1.17").is_ge())
}

/// The module paths of a case and their versions.
pub(super) fn plan_paths(cfg: &GenConfig) -> Vec<PathPlan> {
    let mut rng = Rng::derive(cfg.seed, PATHS, 0);
    let (lo, hi) = cfg.paths;
    let n = (rng.range(lo as u64, hi as u64) as usize).clamp(1, NAMES.len());
    let mut plans = Vec::new();
    for (i, name) in NAMES.iter().take(n).enumerate() {
        let host = rng.pick(&HOSTS);
        let name = if rng.chance(cfg.p_upper) {
            let mut c = name.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        } else {
            name.to_string()
        };
        let base = format!("{host}/{name}");
        let mut vrng = Rng::derive(cfg.seed, VERSIONS, i as u64);
        let count = vrng.range(1, cfg.max_versions.max(1) as u64) as usize;
        let major = vrng.below(2);
        let mut versions = version_series(cfg, &mut vrng, major, count, i);
        if vrng.chance(cfg.p_incompatible) {
            let first = vrng.range(2, 3);
            versions.push(format!("v{first}.0.0+incompatible"));
            if vrng.chance(0.5) {
                versions.push(format!("v{first}.1.0+incompatible"));
            }
        }
        plans.push(PathPlan {
            path: base.clone(),
            level: rng.below(cfg.levels.max(1) as u64) as usize,
            versions,
        });
        if rng.chance(cfg.p_major) {
            let major = vrng.range(2, 3);
            let count = vrng.range(1, cfg.max_versions.max(1) as u64) as usize;
            plans.push(PathPlan {
                path: format!("{base}/v{major}"),
                level: rng.below(cfg.levels.max(1) as u64) as usize,
                versions: version_series(cfg, &mut vrng, major, count, i + NAMES.len()),
            });
        }
    }
    plans
}

/// The `.info` time of version `k` of path number `slot`: days after 2019-01-01.
pub(super) fn version_time(slot: usize, k: usize) -> Timestamp {
    let base: Timestamp = "2019-01-01T00:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let days = (slot * 37 + k * 5) as i64;
    base.checked_add((days * 24).hours()).unwrap_or(base)
}

/// `count` versions of major `major`, ascending in intent: releases, sometimes a
/// prerelease of the next release, sometimes a pseudo-version after the last release.
fn version_series(
    cfg: &GenConfig,
    rng: &mut Rng,
    major: u64,
    count: usize,
    slot: usize,
) -> Vec<String> {
    let mut next = (rng.below(2), rng.below(3));
    let mut last_release: Option<String> = None;
    let mut out: Vec<String> = Vec::new();
    for k in 0..count {
        let (minor, patch) = next;
        let v = if rng.chance(cfg.p_pseudo) {
            let older = last_release.clone().unwrap_or_default();
            let rev = format!("{:012x}", rng.next_u64() & 0xffff_ffff_ffff);
            module::pseudo_version(&format!("v{major}"), &older, version_time(slot, k), &rev)
        } else if rng.chance(cfg.p_prerelease) {
            format!(
                "v{major}.{minor}.{patch}-{}.{}",
                rng.pick(&["rc", "beta", "pre"]),
                rng.range(1, 3)
            )
        } else {
            let v = format!("v{major}.{minor}.{patch}");
            last_release = Some(v.clone());
            v
        };
        next = if rng.chance(0.6) {
            (minor, patch + 1)
        } else {
            (minor + 1, 0)
        };
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// The go.mod of every module version (`None`: the zip has none).
pub(super) fn plan_modules(cfg: &GenConfig, paths: &[PathPlan]) -> Vec<GenModule> {
    let mut out = Vec::new();
    for (pi, p) in paths.iter().enumerate() {
        for (k, version) in p.versions.iter().enumerate() {
            let mut rng = Rng::derive(cfg.seed, GO_MODS, (pi * 64 + k) as u64);
            let incompatible = version.ends_with("+incompatible");
            let major_path =
                module::split_path_version(&p.path).is_some_and(|(_, s)| !s.is_empty());
            let no_go_mod = incompatible || (!major_path && rng.chance(cfg.p_no_go_mod));
            let go_mod = if no_go_mod {
                None
            } else {
                Some(dep_go_mod(cfg, &mut rng, paths, pi, k).to_string())
            };
            let time = if module::is_pseudo_version(version) {
                module::pseudo_version_time(version).unwrap_or_else(|_| version_time(pi, k))
            } else {
                version_time(pi, k)
            };
            out.push(GenModule {
                path: p.path.clone(),
                version: version.clone(),
                go_mod,
                time,
            });
        }
    }
    out
}

/// Requirements on other paths for a module at level `level` (or the main module's
/// local replacements, at level 0): up to `fanout`, mostly to deeper levels, with
/// back edges (which make cycles) at `p_back_edge`.
pub(super) fn pick_requires(
    cfg: &GenConfig,
    rng: &mut Rng,
    paths: &[PathPlan],
    own: Option<usize>,
    level: usize,
    fanout: usize,
) -> Vec<Require> {
    let k = rng.below(fanout as u64 + 1) as usize;
    let mut reqs: Vec<Require> = Vec::new();
    for _ in 0..k {
        let back = rng.chance(cfg.p_back_edge);
        let candidates: Vec<usize> = (0..paths.len())
            .filter(|&j| Some(j) != own && (back || paths[j].level > level))
            .filter(|&j| !reqs.iter().any(|r| r.path == paths[j].path))
            .collect();
        if candidates.is_empty() {
            continue;
        }
        let t = &paths[*rng.pick(&candidates)];
        reqs.push(Require {
            path: t.path.clone(),
            version: rng.pick(&t.versions).clone(),
            indirect: false,
        });
    }
    reqs
}

/// One dependency's go.mod.
fn dep_go_mod(cfg: &GenConfig, rng: &mut Rng, paths: &[PathPlan], pi: usize, k: usize) -> GoMod {
    let p = &paths[pi];
    let go = *rng.weighted(&DEP_GO_LINES);
    let mut requires = pick_requires(cfg, rng, paths, Some(pi), p.level, cfg.fanout);
    if is_pruned(go) {
        for r in &mut requires {
            r.indirect = rng.chance(0.3);
        }
    }
    let mut m = GoMod::new(&p.path);
    m.go = go.map(str::to_string);
    if go.is_some_and(|g| crate::gover::compare(g, "1.21").is_ge()) && rng.chance(0.2) {
        m.toolchain = Some("go1.24.4".to_string());
    }
    m.requires = requires;
    if k > 0 && rng.chance(cfg.p_retract) {
        let earlier = &p.versions[..k];
        let a = rng.pick(earlier).clone();
        let r = match rng.below(3) {
            0 => a,
            1 => format!("[{}, {}]", earlier[0], a),
            // A version retracting itself, as after a bad release.
            _ => p.versions[k].clone(),
        };
        m.retract.push(r);
    }
    // Directives only a main module's go.mod may carry, which go ignores here.
    if rng.chance(cfg.p_dep_ignored) && paths.len() > 1 {
        let t = &paths[(pi + 1) % paths.len()];
        m.exclude
            .push((t.path.clone(), rng.pick(&t.versions).clone()));
        m.replace.push(format!(
            "{} => {} {}",
            t.path,
            t.path,
            rng.pick(&t.versions)
        ));
    }
    m
}
