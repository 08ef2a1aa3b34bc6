//! The main module of a generated case: its go.mod (go line, requirements some of
//! which are `// indirect` or lower than what gets selected, version and directory
//! replacements, exclusions), an optional go.sum, and the local directories its
//! directory replacements point at.

use super::gomod::{GoMod, Require};
use super::universe::{PathPlan, pick_requires};
use super::{GenConfig, GenModule, MainModule};
use crate::testkit::synth::Rng;

pub(super) const MAIN: u64 = 4;
const GO_SUM: u64 = 5;

/// The main module's path.
pub const MAIN_PATH: &str = "gen.example/main";

/// go lines of the main module.
const MAIN_GO_LINES: [(Option<&str>, u32); 10] = [
    (None, 8),
    (Some("1.14"), 5),
    (Some("1.16"), 8),
    (Some("1.17"), 10),
    (Some("1.20"), 8),
    (Some("1.21"), 8),
    (Some("1.21.0"), 8),
    (Some("1.22.0"), 10),
    (Some("1.23"), 10),
    (Some("1.24.2"), 10),
];

pub(super) fn plan_main(cfg: &GenConfig, paths: &[PathPlan]) -> MainModule {
    let mut rng = Rng::derive(cfg.seed, MAIN, 0);
    let mut m = GoMod::new(MAIN_PATH);
    m.go = rng.weighted(&MAIN_GO_LINES).map(str::to_string);
    if m.go
        .as_deref()
        .is_some_and(|g| crate::gover::compare(g, "1.21").is_ge())
        && rng.chance(0.2)
    {
        m.toolchain = Some("go1.24.4".to_string());
    }
    let (lo, hi) = cfg.main_requires;
    let n = rng.range(lo as u64, hi as u64) as usize;
    let mut order: Vec<usize> = (0..paths.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    for &j in order.iter().take(n) {
        m.requires.push(Require {
            path: paths[j].path.clone(),
            version: rng.pick(&paths[j].versions).clone(),
            indirect: rng.chance(cfg.p_indirect),
        });
    }
    let mut files: Vec<(String, String)> = Vec::new();

    // Modules that exist only on disk, required at a version no proxy has.
    if rng.chance(cfg.p_local_module) {
        let path = "gen.example/localmod".to_string();
        let version = *rng.pick(&["v0.0.0", "v1.0.0", "v0.0.0-00010101000000-000000000000"]);
        m.requires.push(Require {
            path: path.clone(),
            version: version.to_string(),
            indirect: false,
        });
        m.replace.push(format!("{path} => ./localmod"));
        files.push(local_go_mod(cfg, &mut rng, paths, &path, "localmod"));
    }
    // A universe path replaced by a directory, for all versions or one.
    if rng.chance(cfg.p_replace_dir) && !paths.is_empty() {
        let t = &paths[*rng.pick(&order)];
        let dir = "replaced";
        if rng.chance(0.5) {
            m.replace.push(format!("{} => ./{dir}", t.path));
        } else {
            let v = required_or_any(&m, t, &mut rng);
            m.replace.push(format!("{} {v} => ./{dir}", t.path));
        }
        files.push(local_go_mod(cfg, &mut rng, paths, &t.path, dir));
    }
    // Version replacements: to another version of the same path or to another path.
    if rng.chance(cfg.p_replace_version) && paths.len() > 1 {
        for _ in 0..rng.range(1, 2) {
            let from = &paths[*rng.pick(&order)];
            let to = if rng.chance(0.5) {
                from
            } else {
                rng.pick(paths)
            };
            let to_v = rng.pick(&to.versions).clone();
            let line = if rng.chance(0.4) {
                format!("{} => {} {to_v}", from.path, to.path)
            } else {
                let v = required_or_any(&m, from, &mut rng);
                format!("{} {v} => {} {to_v}", from.path, to.path)
            };
            let old = line.split(" => ").next().unwrap_or_default().to_string();
            if !m
                .replace
                .iter()
                .any(|r| r.starts_with(&format!("{old} =>")))
            {
                m.replace.push(line);
            }
        }
    }
    if rng.chance(cfg.p_exclude) && !paths.is_empty() {
        for _ in 0..rng.range(1, 2) {
            let t = rng.pick(paths);
            let e = (t.path.clone(), rng.pick(&t.versions).clone());
            if !m.exclude.contains(&e) {
                m.exclude.push(e);
            }
        }
    }
    files.insert(0, ("go.mod".to_string(), m.to_string()));
    MainModule { go_mod: m, files }
}

/// Adds the main module's go.sum, if any: empty, or lines with the right hashes for
/// some universe versions (required ones more likely), sometimes only the `/go.mod`
/// line, sorted as go writes them or not.
pub(super) fn plan_go_sum(cfg: &GenConfig, modules: &[GenModule], main: &mut MainModule) {
    let mut rng = Rng::derive(cfg.seed, GO_SUM, 0);
    let text = if rng.chance(cfg.p_go_sum_lines) && !modules.is_empty() {
        let mut lines: Vec<String> = Vec::new();
        for m in modules {
            let required = main
                .go_mod
                .requires
                .iter()
                .any(|r| r.path == m.path && r.version == m.version);
            if !rng.chance(if required { 0.7 } else { 0.25 }) {
                continue;
            }
            if rng.chance(0.7) {
                lines.push(format!("{} {} {}", m.path, m.version, m.zip_sum()));
            }
            lines.push(format!(
                "{} {}/go.mod {}",
                m.path,
                m.version,
                m.go_mod_sum()
            ));
        }
        if rng.chance(0.7) {
            lines.sort();
        } else {
            lines.reverse();
        }
        lines.iter().map(|l| format!("{l}\n")).collect()
    } else if rng.chance(0.5) {
        String::new()
    } else {
        return;
    };
    main.files.insert(1, ("go.sum".to_string(), text));
}

/// The version the main module requires of `t`, else one of its versions.
fn required_or_any(m: &GoMod, t: &PathPlan, rng: &mut Rng) -> String {
    match m.requires.iter().find(|r| r.path == t.path) {
        Some(r) if rng.chance(0.7) => r.version.clone(),
        _ => rng.pick(&t.versions).clone(),
    }
}

/// `<dir>/go.mod` of a directory replacement declaring `path`.
fn local_go_mod(
    cfg: &GenConfig,
    rng: &mut Rng,
    paths: &[PathPlan],
    path: &str,
    dir: &str,
) -> (String, String) {
    let mut l = GoMod::new(path);
    l.go = rng
        .weighted(&super::universe::DEP_GO_LINES)
        .map(str::to_string);
    let own = paths.iter().position(|p| p.path == path);
    l.requires = pick_requires(cfg, rng, paths, own, 0, cfg.fanout);
    if super::universe::is_pruned(l.go.as_deref()) {
        for r in &mut l.requires {
            r.indirect = rng.chance(0.3);
        }
    }
    (format!("{dir}/go.mod"), l.to_string())
}
