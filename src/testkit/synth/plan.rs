//! Planning a synthetic universe: module paths, versions, the requirement graph, go.mod
//! and go.sum texts, and for each module version the list of files with their kinds and
//! sizes. No file contents are made here (see `content`); a plan is small, so a
//! universe of thousands of modules plans in milliseconds.
//!
//! The distributions and why they look like real ones are documented on the parent
//! module; the constants here carry the numbers.

use super::content::{GO_RATIOS, TEXT_RATIOS, compressed_len};
use super::rng::Rng;
use super::{Content, FilePlan, SynthConfig, SynthModule};
use crate::module;
use base64::Engine as _;
use jiff::Timestamp;
use std::collections::HashSet;

/// Per-entry bytes a module zip spends besides the name and data: local header (30),
/// data descriptor (16), central-directory header (46). The name is stored twice.
const ENTRY_OVERHEAD: u64 = 92;
/// Deflate ratio of go.sum files (mostly base64 hashes).
const GO_SUM_RATIO: f64 = 1.7;
/// The smallest `.go` file planned (about its license header and imports).
const MIN_GO_LEN: f64 = 300.0;
/// The end-of-central-directory record.
const END_RECORD: u64 = 22;

/// How much more populous each level is than the one above it.
const LEVEL_GROWTH: f64 = 1.2;
/// The share of non-leaf modules that require nothing.
const NO_REQUIREMENTS: f64 = 0.04;

const SYLLABLES: &[&str] = &[
    "ka", "zu", "mi", "ro", "ten", "vel", "dor", "ax", "qui", "lo", "pra", "sen", "tor", "bi",
    "ne", "fu", "gal", "ri", "mon", "sa", "ber", "ix", "no", "tal", "es", "ko",
];

const TECH: &[&str] = &[
    "json", "yaml", "http", "grpc", "log", "cli", "sql", "cache", "queue", "auth", "metrics",
    "trace", "config", "kit", "router", "codec", "proto", "retry", "pool", "sync", "uuid", "color",
    "term", "diff", "semver", "cron", "mail", "crypto", "xml", "toml", "ws", "redis", "kafka",
    "blob", "dns", "mux", "jwt", "otel", "flags", "errors", "assert", "mock", "env", "template",
    "archive", "compress", "rate", "limiter", "graph", "store",
];

const PKG_ROOTS: &[&str] = &["internal", "pkg", "cmd", "api", "", "", ""];

const PKG_WORDS: &[&str] = &[
    "client",
    "server",
    "types",
    "config",
    "codec",
    "transport",
    "proto",
    "storage",
    "metrics",
    "auth",
    "util",
    "middleware",
    "encoding",
    "cache",
    "log",
    "testutil",
    "schema",
    "v1",
    "v1beta1",
    "gen",
    "mock",
    "driver",
    "plugin",
    "parser",
    "lexer",
    "runtime",
    "scheme",
    "watch",
    "health",
    "resolver",
    "balancer",
    "status",
    "meta",
];

/// `go` directives in go.mod files, newer ones more common (none newer than the
/// toolchain these benchmarks run with).
const GO_DIRECTIVES: &[(&str, u32)] = &[
    ("", 4),
    ("1.12", 3),
    ("1.13", 5),
    ("1.16", 7),
    ("1.17", 8),
    ("1.18", 10),
    ("1.19", 9),
    ("1.20", 10),
    ("1.21", 6),
    ("1.21.0", 8),
    ("1.22.0", 12),
    ("1.23.0", 10),
    ("1.24.0", 8),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Major {
    V0,
    V1,
    /// `/vN` at the end of the path.
    Suffixed(u64),
    /// `vN.x.y+incompatible`, N ≥ 2, no suffix and no go.mod.
    Incompatible(u64),
}

struct PathPlan {
    path: String,
    major: Major,
    level: usize,
    /// How many versions it gets.
    versions: usize,
    /// Indices of its versions in the module list.
    modules: Vec<usize>,
}

/// The whole plan: modules in list order (paths in generation order, each path's
/// versions in ascending order of creation).
pub(super) fn plan(cfg: &SynthConfig) -> Vec<SynthModule> {
    let mut rng = Rng::derive(cfg.seed, 1, 0);
    let mut paths = make_paths(&mut rng, cfg.modules);
    assign_levels(&mut paths, cfg.levels.max(1));
    let mut modules = Vec::with_capacity(cfg.modules);
    for p in paths.iter_mut() {
        for (version, time) in make_versions(&mut rng, p.major, p.versions) {
            p.modules.push(modules.len());
            modules.push(SynthModule {
                path: p.path.clone(),
                version,
                level: p.level,
                time,
                go_mod: String::new(),
                go_mod_in_zip: !matches!(p.major, Major::Incompatible(_)),
                requires: Vec::new(),
                zip_target: 0,
                files: Vec::new(),
                content_seed: rng.next_u64(),
            });
        }
    }
    link(&mut rng, &paths, &mut modules, cfg.levels.max(1));
    for i in 0..modules.len() {
        let go_mod = go_mod_text(&mut rng, &modules, i);
        let go_sum = go_sum_text(&mut rng, &modules, i);
        let m = &mut modules[i];
        m.go_mod = go_mod;
        plan_files(&mut rng, cfg, m, go_sum);
    }
    modules
}

fn syllables(rng: &mut Rng, n: u64) -> String {
    (0..n).map(|_| *rng.pick(SYLLABLES)).collect()
}

fn capitalised(s: &str) -> String {
    let mut cs = s.chars();
    cs.next()
        .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
        .unwrap_or_default()
}

fn repo_name(rng: &mut Rng) -> String {
    let w = *rng.pick(TECH);
    match rng.below(6) {
        0 => format!("go-{w}"),
        1 => format!("{w}-go"),
        2 => format!("{w}{}", rng.pick(TECH)),
        3 => format!("{w}-{}", rng.pick(TECH)),
        4 => format!("{}{w}", syllables(rng, 1)),
        _ => w.to_string(),
    }
}

fn owner_name(rng: &mut Rng) -> String {
    let n = 2 + rng.below(2);
    let s = syllables(rng, n);
    if rng.chance(0.1) {
        // Upper-case letters in a path: `!`-escaped in the cache and on the wire.
        let tail = capitalised(&syllables(rng, 1));
        capitalised(&s) + &tail
    } else {
        s
    }
}

/// Module paths with their major-version scheme and number of versions, which add up
/// to `total`.
fn make_paths(rng: &mut Rng, total: usize) -> Vec<PathPlan> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut versions = 0;
    while versions < total {
        let k =
            (*rng.weighted(&[(1usize, 70), (2, 20), (3, 7), (4, 2), (6, 1)])).min(total - versions);
        let major = match rng.below(100) {
            0..=2 => {
                Major::Incompatible(*rng.weighted(&[(2, 30), (3, 20), (4, 10), (9, 10), (20, 5)]))
            }
            3..=10 => Major::Suffixed(*rng.weighted(&[(2, 50), (3, 25), (4, 15), (5, 10)])),
            11..=50 => Major::V0,
            _ => Major::V1,
        };
        let mut path = String::new();
        for attempt in 0..50 {
            let base = match rng.weighted(&[(0, 55), (1, 10), (2, 8), (3, 10), (4, 7), (5, 10)]) {
                0 => format!("example.com/{}/{}", owner_name(rng), repo_name(rng)),
                1 => format!("example.org/{}/{}", owner_name(rng), repo_name(rng)),
                2 => format!("go.example.net/{}", repo_name(rng)),
                3 => format!("cloud.example.com/go/{}", rng.pick(TECH)),
                4 => format!("x.example.org/x/{}", rng.pick(TECH)),
                _ => format!(
                    "example.com/{}/{}/{}",
                    owner_name(rng),
                    repo_name(rng),
                    rng.pick(PKG_WORDS)
                ),
            };
            let base = if attempt >= 40 {
                format!("{base}{attempt}")
            } else {
                base
            };
            let p = match major {
                Major::Suffixed(n) => format!("{base}/v{n}"),
                _ => base,
            };
            if module::check_path(&p).is_ok() && seen.insert(p.to_ascii_lowercase()) {
                path = p;
                break;
            }
        }
        if path.is_empty() {
            continue;
        }
        versions += k;
        out.push(PathPlan {
            path,
            major,
            level: 0,
            versions: k,
            modules: Vec::with_capacity(k),
        });
    }
    out
}

/// Levels 0 (roots) to `levels - 1` (leaves), each [`LEVEL_GROWTH`] times as populous
/// as the one above it: fewer frameworks at the top, more small utilities at the
/// bottom.
fn assign_levels(paths: &mut [PathPlan], levels: usize) {
    let levels = levels.min(paths.len()).max(1);
    let weights: Vec<f64> = (0..levels).map(|l| LEVEL_GROWTH.powi(l as i32)).collect();
    let total: f64 = weights.iter().sum();
    let n = paths.len() as f64;
    let mut bounds = Vec::with_capacity(levels);
    let mut acc = 0.0;
    for w in &weights {
        acc += w;
        bounds.push(((acc / total) * n).round() as usize);
    }
    for (i, p) in paths.iter_mut().enumerate() {
        // Every level gets at least its first path: index i < levels goes to level i.
        p.level = if i < levels {
            i
        } else {
            bounds.iter().position(|&b| i < b).unwrap_or(levels - 1)
        };
    }
}

fn make_versions(rng: &mut Rng, major: Major, k: usize) -> Vec<(String, Timestamp)> {
    let (m, suffix, major_prefix) = match major {
        Major::V0 => (0, "", String::new()),
        Major::V1 => (1, "", String::new()),
        Major::Suffixed(n) => (n, "", format!("v{n}")),
        Major::Incompatible(n) => (n, "+incompatible", String::new()),
    };
    // 2018-06-01 plus up to six years.
    let mut t = 1_527_811_200 + rng.below(6 * 365 * 86_400) as i64;
    let mut minor = rng.log_normal(2.0, 1.0).min(40.0) as u64;
    let mut patch = rng.below(6);
    let mut out = Vec::with_capacity(k);
    let mut seen = HashSet::new();
    while out.len() < k {
        t += rng.range(3 * 86_400, 120 * 86_400) as i64;
        let time = Timestamp::from_second(t.min(1_767_225_600)).unwrap_or(Timestamp::UNIX_EPOCH);
        let tag = format!("v{m}.{minor}.{patch}");
        let roll = rng.below(100);
        let incompatible = matches!(major, Major::Incompatible(_));
        let v = if roll < 12 && !incompatible {
            let rev: String = (0..12)
                .map(|_| char::from(b"0123456789abcdef"[rng.below(16) as usize]))
                .collect();
            let older = if rng.chance(0.5) {
                tag.clone()
            } else {
                String::new()
            };
            module::pseudo_version(&major_prefix, &older, time, &rev)
        } else if (12..16).contains(&roll) {
            let pre = rng.pick(&["rc", "beta", "alpha"]);
            format!("v{m}.{minor}.0-{pre}.{}{suffix}", rng.below(4))
        } else {
            format!("{tag}{suffix}")
        };
        match rng.below(20) {
            0..=11 => patch += rng.range(1, 3),
            12..=18 => (minor, patch) = (minor + 1, 0),
            _ => (minor, patch) = (minor + 2, 0),
        }
        if seen.insert(v.clone()) {
            out.push((v, time));
        }
    }
    out
}

/// Requirement edges: every module requires modules on deeper levels only (so the
/// graph is acyclic and its depth is at most `levels - 1`), 60% of them on the next
/// level. Fan-out: none for the leaf level, for `+incompatible` modules (which have no
/// go.mod) and for [`NO_REQUIREMENTS`] of the others; else log-normal with median 12
/// and σ 0.8, at most 130 and at most the number of deeper paths.
fn link(rng: &mut Rng, paths: &[PathPlan], modules: &mut [SynthModule], levels: usize) {
    let mut by_level: Vec<Vec<usize>> = vec![Vec::new(); levels];
    for (i, p) in paths.iter().enumerate() {
        if let Some(l) = by_level.get_mut(p.level) {
            l.push(i);
        }
    }
    for i in 0..modules.len() {
        let level = modules[i].level;
        let deeper: usize = by_level.iter().skip(level + 1).map(Vec::len).sum();
        if deeper == 0 || !modules[i].go_mod_in_zip || rng.chance(NO_REQUIREMENTS) {
            continue;
        }
        let want = (rng.log_normal(12.0, 0.8).round() as usize)
            .clamp(1, 130)
            .min(deeper);
        let mut chosen = HashSet::new();
        let mut reqs = Vec::with_capacity(want);
        let mut attempts = 0;
        while reqs.len() < want && attempts < want * 8 {
            attempts += 1;
            let target_level = if rng.chance(0.6) || level + 2 >= levels {
                level + 1
            } else {
                rng.range(level as u64 + 2, levels as u64 - 1) as usize
            };
            let Some(candidates) = by_level.get(target_level).filter(|c| !c.is_empty()) else {
                continue;
            };
            let p = *rng.pick(candidates);
            if chosen.insert(p) {
                reqs.push(*rng.pick(&paths[p].modules));
            }
        }
        reqs.sort_by(|&a, &b| modules[a].path.cmp(&modules[b].path));
        modules[i].requires = reqs;
    }
}

/// go.mod as `go mod tidy` leaves it: module, go directive, direct requirements, then
/// (from go 1.17 on) a second block of `// indirect` ones.
fn go_mod_text(rng: &mut Rng, modules: &[SynthModule], i: usize) -> String {
    let m = &modules[i];
    let mut s = format!("module {}\n", m.path);
    if !m.go_mod_in_zip {
        return s; // What proxies serve for +incompatible versions.
    }
    let go = *rng.weighted(GO_DIRECTIVES);
    if !go.is_empty() {
        s += &format!("\ngo {go}\n");
    }
    let pruned = !go.is_empty() && go != "1.12" && go != "1.13" && go != "1.16";
    let (mut direct, mut indirect) = (Vec::new(), Vec::new());
    for &r in &m.requires {
        let line = format!("\t{} {}", modules[r].path, modules[r].version);
        if pruned && rng.chance(0.4) {
            indirect.push(line + " // indirect");
        } else {
            direct.push(line);
        }
    }
    for block in [direct, indirect] {
        match block.len() {
            0 => {}
            1 => s += &format!("\nrequire {}\n", block[0].trim_start()),
            _ => s += &format!("\nrequire (\n{}\n)\n", block.join("\n")),
        }
    }
    s
}

/// go.sum: both lines for each requirement, plus `/go.mod` lines of other versions
/// (the graph's history), sorted; hashes are random. Empty without requirements.
fn go_sum_text(rng: &mut Rng, modules: &[SynthModule], i: usize) -> String {
    let m = &modules[i];
    let mut lines = Vec::new();
    let hash = |rng: &mut Rng| {
        let bytes: Vec<u8> = (0..32).map(|_| rng.below(256) as u8).collect();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    for &r in &m.requires {
        let (p, v) = (&modules[r].path, &modules[r].version);
        lines.push(format!("{p} {v} h1:{}\n", hash(rng)));
        lines.push(format!("{p} {v}/go.mod h1:{}\n", hash(rng)));
        for _ in 0..rng.below(3) {
            let o = &modules[rng.below(modules.len() as u64) as usize];
            lines.push(format!(
                "{} {}/go.mod h1:{}\n",
                o.path,
                o.version,
                hash(rng)
            ));
        }
    }
    lines.sort();
    lines.dedup();
    lines.concat()
}

fn package_name(dir: &str, fallback: &str) -> String {
    if dir.starts_with("cmd/") {
        return "main".into();
    }
    let last = dir
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(fallback);
    let mut name: String = last.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'p');
    }
    name.to_ascii_lowercase()
}

/// The files of one module version (see the parent module for the distributions).
fn plan_files(rng: &mut Rng, cfg: &SynthConfig, m: &mut SynthModule, go_sum: String) {
    let target = rng
        .log_normal(cfg.zip_median as f64, cfg.zip_sigma)
        .clamp(cfg.zip_min as f64, cfg.zip_max as f64);
    let count = (5.0 * (target / 4096.0).powf(0.66) * rng.log_normal(1.0, 0.3)).round();
    let count = count.clamp(3.0, 2000.0) as usize;
    let prefix_len = (m.path.len() + m.version.len() + 2) as u64;
    let mut files: Vec<FilePlan> = Vec::with_capacity(count + 8);
    let text = |name: &str, len: f64| FilePlan {
        name: name.into(),
        content: Content::Text {
            len: len.max(40.0) as usize,
        },
    };
    if m.go_mod_in_zip {
        files.push(FilePlan {
            name: "go.mod".into(),
            content: Content::Fixed(m.go_mod.clone()),
        });
        if !go_sum.is_empty() && rng.chance(0.9) {
            files.push(FilePlan {
                name: "go.sum".into(),
                content: Content::Fixed(go_sum),
            });
        }
    }
    let license = if target < 16_384.0 {
        1_100.0
    } else {
        *rng.weighted(&[(1_100, 45), (1_500, 20), (11_400, 35)]) as f64
    };
    files.push(text("LICENSE", license));
    if rng.chance(0.95) {
        files.push(text(
            "README.md",
            rng.log_normal(2_500.0, 0.9).min(target * 0.8),
        ));
    }
    for (name, p, median) in [
        (".gitignore", 0.5, 200.0),
        ("Makefile", 0.25, 1_500.0),
        ("CHANGELOG.md", 0.15, 6_000.0),
        (".github/workflows/ci.yml", 0.35, 1_200.0),
        (".golangci.yml", 0.2, 800.0),
    ] {
        if rng.chance(p) && files.len() + 1 < count {
            files.push(text(name, rng.log_normal(median, 0.6).min(target * 0.4)));
        }
    }
    let mut budget = target - END_RECORD as f64;
    let mut other_files = Vec::new();
    if rng.chance(0.3) {
        // testdata: golden text files, and for some modules binary assets that take
        // a good share of the zip.
        for g in 0..1 + count / 15 {
            other_files.push(text(
                &format!("testdata/case{g}.golden"),
                rng.log_normal(2_000.0, 1.0),
            ));
        }
        if rng.chance(0.6) {
            let share = 0.1 + 0.5 * rng.unit();
            let n = 1 + rng.below(1 + count as u64 / 40) as usize;
            for a in 0..n {
                let ext = rng.pick(&["png", "gz", "bin", "jpg", "zip"]);
                let len = (target * share / n as f64).max(64.0) as usize;
                other_files.push(FilePlan {
                    name: format!("testdata/asset{a}.{ext}"),
                    content: Content::Asset { len },
                });
            }
        }
    }
    files.append(&mut other_files);
    let n_go = count.saturating_sub(files.len()).max(1);
    let dirs = package_dirs(rng, 1 + n_go / 7);
    let fallback = package_name(m.path.rsplit('/').next().unwrap_or("p"), "p");
    let mut names = HashSet::new();
    let weights: Vec<f64> = (0..n_go).map(|_| rng.log_normal(1.0, 1.2)).collect();
    for _ in 0..n_go {
        let dir = rng.pick(&dirs).clone();
        let package = package_name(&dir, &fallback);
        let stem = match rng.below(20) {
            0 => "doc".to_string(),
            1 => format!("zz_generated_{}", rng.pick(PKG_WORDS)),
            2..=9 => rng.pick(TECH).to_string(),
            _ => format!("{}_{}", rng.pick(PKG_WORDS), rng.pick(TECH)),
        };
        let test = if rng.chance(0.3) { "_test" } else { "" };
        let slash = if dir.is_empty() { "" } else { "/" };
        let mut name = format!("{dir}{slash}{stem}{test}.go");
        let mut n = 2;
        while !names.insert(name.clone()) {
            name = format!("{dir}{slash}{stem}{n}{test}.go");
            n += 1;
        }
        files.push(FilePlan {
            name,
            content: Content::Go { package, len: 0 },
        });
    }
    for f in &files {
        budget -= (ENTRY_OVERHEAD + 2 * (prefix_len + f.name.len() as u64)) as f64;
        budget -= match &f.content {
            Content::Fixed(s) if f.name == "go.sum" => s.len() as f64 / GO_SUM_RATIO,
            Content::Fixed(s) => compressed_len(TEXT_RATIOS, s.len() as f64),
            Content::Text { len } => compressed_len(TEXT_RATIOS, *len as f64),
            Content::Asset { len } => *len as f64,
            Content::Go { .. } => 0.0,
        };
    }
    // Scale the weights so the .go files' compressed sizes fill what is left.
    let compressed_at = |scale: f64| -> f64 {
        weights
            .iter()
            .map(|w| compressed_len(GO_RATIOS, (scale * w).max(MIN_GO_LEN)))
            .sum()
    };
    let weight_sum: f64 = weights.iter().sum();
    let (mut lo, mut hi) = (0.0, 5.0 * budget.max(1.0) / weight_sum);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if compressed_at(mid) < budget {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let go_files = files
        .iter_mut()
        .filter(|f| matches!(f.content, Content::Go { .. }));
    for (f, w) in go_files.zip(&weights) {
        if let Content::Go { len, .. } = &mut f.content {
            *len = (lo * w).max(MIN_GO_LEN) as usize;
        }
    }
    m.zip_target = target as u64;
    m.files = files;
}

/// `n` distinct package directories, the first being the module root.
fn package_dirs(rng: &mut Rng, n: usize) -> Vec<String> {
    let mut dirs = vec![String::new()];
    let mut seen: HashSet<String> = HashSet::new();
    let mut attempts = 0;
    while dirs.len() < n && attempts < n * 10 {
        attempts += 1;
        let mut d = rng.pick(PKG_ROOTS).to_string();
        for _ in 0..1 + rng.below(2) {
            if !d.is_empty() {
                d.push('/');
            }
            d.push_str(rng.pick::<&str>(PKG_WORDS));
        }
        if seen.insert(d.clone()) {
            dirs.push(d);
        }
    }
    dirs
}
