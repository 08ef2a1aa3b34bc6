//! Differential tests of the module graph: on randomly generated module universes
//! (`gomodfetch::testkit::graphgen`), served by the test proxy, the real `go` and
//! gomodfetch run in separate sandboxes with identical environments (GOPROXY=the
//! proxy, GOSUMDB=off, GOFLAGS=-modcacherw, GOTOOLCHAIN=local, GOENV=off, private
//! caches), each in its own copy of the generated main module, and must agree on:
//!
//! 1. `download -json` without arguments (cold cache);
//! 2. `download -json all` (cold cache, fresh copy);
//! 3. then, in that sandbox, `list -m all` and `list -m -json all`;
//! 4. `list -m -json -mod=mod all` on a fresh copy (cold cache).
//!
//! For each: the exit code, stdout (normalised for sandbox paths), stderr (the same),
//! go.mod and go.sum afterwards byte for byte (or both absent), the set of modules
//! whose zip was downloaded, and the whole module cache (every path, byte and mode;
//! only the orphaned `*.tmp` files a fatal run leaves, with random names, are left out).
//!
//! Environment:
//! * `GOMODFETCH_GRAPH_SEED=17` runs that one seed and prints its inputs;
//! * `GOMODFETCH_GRAPH_CASES=N` runs seeds `0..N` (default 200);
//! * `GOMODFETCH_GRAPH_THREADS=N` cases run at once (default 4);
//! * `GOMODFETCH_GRAPH_SELFCHECK=1` puts `go` on both sides (checks the generator and
//!   the harness, and that go itself is deterministic on these inputs).
//!
//! The generator must give valid cases: the test fails when `go` fails on more than
//! a tenth of the cold `download all` runs. A coverage summary (how many cases had
//! replacements, exclusions, cycles, `+incompatible`, unpruned modules…) is printed
//! and recorded with the conformance report.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use gomodfetch::testkit::gocmd::{Go, Run, Sandbox};
use gomodfetch::testkit::graphgen::{GenConfig, GraphCase};
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::tree::{Snapshot, SnapshotOptions};
use gomodfetch::testkit::universe::Universe;

use crate::download_diff::{GOMODFETCH, line_diff, same_snapshots, unzip_lines_sorted};
use crate::support::{self, Tally};

const TEST: &str = "graph_diff";

/// The operations compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    Download,
    DownloadAll,
    ListAll,
    ListJsonAll,
    ListJsonModAll,
}

impl Op {
    pub const ALL: [Op; 5] = [
        Op::Download,
        Op::DownloadAll,
        Op::ListAll,
        Op::ListJsonAll,
        Op::ListJsonModAll,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Op::Download => "download -json (no arguments, cold)",
            Op::DownloadAll => "download -json all (cold)",
            Op::ListAll => "list -m all (after download all)",
            Op::ListJsonAll => "list -m -json all (after download all)",
            Op::ListJsonModAll => "list -m -json -mod=mod all (cold)",
        }
    }

    /// The argv for go (`ours == false`) or gomodfetch.
    pub fn argv(self, ours: bool) -> Vec<String> {
        let v: &[&str] = match (self, ours) {
            (Op::Download, false) => &["mod", "download", "-json"],
            (Op::Download, true) => &["download", "-json"],
            (Op::DownloadAll, false) => &["mod", "download", "-json", "all"],
            (Op::DownloadAll, true) => &["download", "-json", "all"],
            (Op::ListAll, _) => &["list", "-m", "all"],
            (Op::ListJsonAll, _) => &["list", "-m", "-json", "all"],
            (Op::ListJsonModAll, _) => &["list", "-m", "-json", "-mod=mod", "all"],
        };
        v.iter().map(|s| s.to_string()).collect()
    }
}

/// The program compared with go.
#[derive(Debug, Clone)]
pub enum Tool {
    Go(Go),
    Ours,
}

impl Tool {
    pub fn run(&self, sb: &Sandbox, dir: &Path, op: Op) -> Run {
        match self {
            Tool::Go(go) => go.run(sb, dir, op.argv(false)).expect("running go"),
            Tool::Ours => sb
                .run(GOMODFETCH, dir, op.argv(true))
                .expect("running gomodfetch"),
        }
    }

    /// gomodfetch, or go itself under `GOMODFETCH_GRAPH_SELFCHECK=1`.
    pub fn compared_with(go: &Go) -> Tool {
        if std::env::var("GOMODFETCH_GRAPH_SELFCHECK").is_ok_and(|v| v == "1") {
            Tool::Go(go.clone())
        } else {
            Tool::Ours
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Tool::Go(_) => "go",
            Tool::Ours => "ours",
        }
    }
}

/// One side of a comparison: a sandbox with the main module copied into it.
pub struct Side {
    pub sb: Sandbox,
    pub dir: PathBuf,
}

impl Side {
    /// A fresh sandbox using `proxy`, with the main module's `files` (relative path,
    /// contents) written to `<root>/main`.
    pub fn new(proxy: &TestProxy, files: &[(String, String)]) -> Side {
        let mut sb = support::sandbox();
        sb.goproxy(proxy.goproxy_url())
            .timeout(Some(Duration::from_secs(180)));
        let dir = sb.root().join("main");
        for (rel, text) in files {
            let p = dir.join(rel);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).expect("creating the main module");
            }
            std::fs::write(p, text).expect("writing the main module");
        }
        Side { sb, dir }
    }

    pub fn file(&self, name: &str) -> Option<Vec<u8>> {
        std::fs::read(self.dir.join(name)).ok()
    }

    fn cache(&self) -> Snapshot {
        self.sb
            .cache_snapshot(&SnapshotOptions::default().ignore("**/*.tmp"))
            .expect("snapshotting the module cache")
    }
}

/// `path@version` of every zip in a cache snapshot.
pub fn zips(s: &Snapshot) -> BTreeSet<String> {
    s.entries()
        .filter_map(|e| {
            let p = e.path.to_string_lossy().into_owned();
            let rest = p.strip_prefix("cache/download/")?.strip_suffix(".zip")?;
            let (path, version) = rest.split_once("/@v/")?;
            Some(format!("{path}@{version}"))
        })
        .collect()
}

/// stderr with go's concurrent "go: downloading" lines sorted within each run, as
/// `unzip_lines_sorted` sorts the `-> unzip` lines (both are printed by whichever
/// goroutine gets there first): the downloading lines are marked as `-> ` lines for it,
/// then unmarked.
fn stable_stderr(text: &str) -> String {
    const MARK: &str = "-> \u{1}";
    let marked = text.replace("\ngo: downloading ", &format!("\n{MARK}go: downloading "));
    let marked = match marked.strip_prefix("go: downloading ") {
        Some(rest) => format!("{MARK}go: downloading {rest}"),
        None => marked,
    };
    unzip_lines_sorted(&marked).replace(MARK, "")
}

fn show(b: &Option<Vec<u8>>) -> String {
    match b {
        None => "<absent>".into(),
        Some(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// Everything compared after one operation, `a` being go.
pub fn compare(a: &Side, ra: &Run, b: &Side, rb: &Run, names: (&str, &str)) -> Result<(), String> {
    let mut why = Vec::new();
    if ra.code() != rb.code() {
        why.push(format!(
            "exit code: {} {:?}, {} {:?}",
            names.0,
            ra.code(),
            names.1,
            rb.code()
        ));
    }
    let (na, nb) = (a.sb.normalizer(), b.sb.normalizer());
    let (oa, ob) = (
        na.apply_str(&ra.stdout_text()),
        nb.apply_str(&rb.stdout_text()),
    );
    if oa != ob {
        why.push(format!("stdout differs:\n{}", line_diff(&oa, &ob)));
    }
    let ea = stable_stderr(&na.apply_str(&ra.stderr_text()));
    let eb = stable_stderr(&nb.apply_str(&rb.stderr_text()));
    if ea != eb {
        why.push(format!("stderr differs:\n{}", line_diff(&ea, &eb)));
    }
    for f in ["go.mod", "go.sum"] {
        let (fa, fb) = (a.file(f), b.file(f));
        if fa != fb {
            why.push(format!(
                "{f} afterwards differs:\n{}",
                line_diff(&show(&fa), &show(&fb))
            ));
        }
    }
    // Orphaned `*.tmp` downloads of a fatal run have random names and are never read
    // again (see `download_module`); everything else in the caches counts.
    let (ca, cb) = (a.cache(), b.cache());
    let (za, zb) = (zips(&ca), zips(&cb));
    if za != zb {
        why.push(format!(
            "downloaded zips differ: only {}: {:?}; only {}: {:?}",
            names.0,
            za.difference(&zb).collect::<Vec<_>>(),
            names.1,
            zb.difference(&za).collect::<Vec<_>>()
        ));
    }
    if let Err(e) = same_snapshots(&ca, &cb, names) {
        why.push(e);
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(why.join("\n"))
    }
}

/// What go did in one operation.
#[derive(Debug, Clone, Copy, Default)]
pub struct GoDid {
    pub succeeded: bool,
    pub changed_go_mod: bool,
    pub changed_go_sum: bool,
}

/// What one case gave: per operation, the comparison and what go did.
pub struct CaseOutcome {
    pub seed: u64,
    pub results: Vec<(Op, Result<(), String>, GoDid)>,
    pub features: BTreeSet<&'static str>,
    pub description: String,
}

/// Runs every operation of one case on both sides.
pub fn run_case(go: &Go, other: &Tool, case: &GraphCase, verbose: bool) -> CaseOutcome {
    let universe = Universe::new();
    case.publish(&universe).expect("publishing the universe");
    let proxy = TestProxy::start(ProxyConfig::new(universe)).expect("starting the proxy");
    let gotool = Tool::Go(go.clone());
    let names = ("go", other.name());
    let mut results = Vec::new();
    let mut step = |op: Op, a: &Side, b: &Side| {
        let (mod_before, sum_before) = (a.file("go.mod"), a.file("go.sum"));
        let ra = gotool.run(&a.sb, &a.dir, op);
        let did = GoDid {
            succeeded: ra.success(),
            changed_go_mod: a.file("go.mod") != mod_before,
            changed_go_sum: a.file("go.sum") != sum_before,
        };
        if verbose {
            eprintln!(
                "== {}: go exit {:?}\n{}{}",
                op.label(),
                ra.code(),
                a.sb.normalizer().apply_str(&ra.stderr_text()),
                a.sb.normalizer().apply_str(&ra.stdout_text())
            );
        }
        let rb = other.run(&b.sb, &b.dir, op);
        let r = compare(a, &ra, b, &rb, names).map_err(|e| {
            format!(
                "{e}\n  go stderr: {}",
                a.sb.normalizer().apply_str(&ra.stderr_text()).trim_end()
            )
        });
        results.push((op, r, did));
    };
    {
        let (a, b) = (
            Side::new(&proxy, &case.main.files),
            Side::new(&proxy, &case.main.files),
        );
        step(Op::Download, &a, &b);
    }
    {
        let (a, b) = (
            Side::new(&proxy, &case.main.files),
            Side::new(&proxy, &case.main.files),
        );
        step(Op::DownloadAll, &a, &b);
        step(Op::ListAll, &a, &b);
        step(Op::ListJsonAll, &a, &b);
    }
    {
        let (a, b) = (
            Side::new(&proxy, &case.main.files),
            Side::new(&proxy, &case.main.files),
        );
        step(Op::ListJsonModAll, &a, &b);
    }
    CaseOutcome {
        seed: case.seed(),
        results,
        features: case.features(),
        description: case.describe(),
    }
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    Some(
        v.trim()
            .parse()
            .unwrap_or_else(|e| panic!("{name}={v:?}: {e}")),
    )
}

/// Runs `seeds` on `threads` threads.
fn run_all(go: &Go, other: &Tool, seeds: &[u64], threads: usize) -> Vec<CaseOutcome> {
    let next = AtomicUsize::new(0);
    let out = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                while let Some(&seed) = seeds.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let case = GraphCase::generate(&GenConfig::new(seed));
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run_case(go, other, &case, seeds.len() == 1)
                    }))
                    .unwrap_or_else(|p| {
                        let why = p
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        CaseOutcome {
                            seed,
                            results: Op::ALL
                                .iter()
                                .map(|&op| (op, Err(format!("panicked: {why}")), GoDid::default()))
                                .collect(),
                            features: case.features(),
                            description: case.describe(),
                        }
                    });
                    out.lock().unwrap_or_else(|p| p.into_inner()).push(outcome);
                }
            });
        }
    });
    let mut v = out.into_inner().unwrap_or_else(|p| p.into_inner());
    v.sort_by_key(|o| o.seed);
    v
}

/// How many failing cases per table get their full inputs printed.
const DESCRIBED: usize = 3;

#[test]
fn generated_universes() {
    let Some(go) = support::go(TEST) else { return };
    let other = Tool::compared_with(&go);
    let single = env_u64("GOMODFETCH_GRAPH_SEED");
    let seeds: Vec<u64> = match single {
        Some(s) => vec![s],
        None => (0..env_u64("GOMODFETCH_GRAPH_CASES").unwrap_or(200)).collect(),
    };
    let threads = env_u64("GOMODFETCH_GRAPH_THREADS").unwrap_or(4) as usize;
    let started = Instant::now();
    let outcomes = run_all(&go, &other, &seeds, threads);
    let elapsed = started.elapsed();

    if let Some(o) = outcomes.first().filter(|_| single.is_some()) {
        eprintln!("{}", o.description);
    }
    let mut coverage: BTreeMap<&str, usize> = BTreeMap::new();
    let mut go_ok: BTreeMap<Op, usize> = BTreeMap::new();
    let mut go_did: BTreeMap<Op, (Vec<u64>, usize, usize)> = BTreeMap::new();
    let mut tallies: BTreeMap<Op, (Tally, usize)> = Op::ALL
        .iter()
        .map(|&op| {
            let t = Tally::new(format!("graph_diff/{}", op.label()));
            (op, (t, 0))
        })
        .collect();
    for o in &outcomes {
        for f in &o.features {
            *coverage.entry(f).or_default() += 1;
        }
        for (op, r, did) in &o.results {
            let d = go_did.entry(*op).or_default();
            if did.succeeded {
                *go_ok.entry(*op).or_default() += 1;
            } else {
                d.0.push(o.seed);
            }
            d.1 += usize::from(did.changed_go_mod);
            d.2 += usize::from(did.changed_go_sum);
            let Some((tally, described)) = tallies.get_mut(op) else {
                continue;
            };
            let r = match r {
                Ok(()) => Ok(()),
                Err(e) if *described < DESCRIBED || single.is_some() => {
                    *described += 1;
                    Err(format!("{e}\n{}", o.description))
                }
                Err(e) => Err(format!(
                    "{e}\n  (inputs: rerun with GOMODFETCH_GRAPH_SEED={})",
                    o.seed
                )),
            };
            tally.check(format!("seed {}", o.seed), || r);
        }
    }
    let n = outcomes.len();
    let cov: Vec<String> = coverage.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    support::note(
        "graph_diff/coverage",
        &format!("{n} cases ({} vs go); {}", other.name(), cov.join(", ")),
    );
    let ok: Vec<String> = Op::ALL
        .iter()
        .map(|op| {
            let (failed, gomod, gosum) = go_did.get(op).cloned().unwrap_or_default();
            format!(
                "\n  {}: succeeded {}, changed go.mod {gomod}, changed go.sum {gosum}, failed on seeds {failed:?}",
                op.label(),
                go_ok.get(op).copied().unwrap_or(0)
            )
        })
        .collect();
    support::note(
        "graph_diff/go succeeded",
        &format!(
            "of {n} cases in {:.1}s:{}",
            elapsed.as_secs_f64(),
            ok.concat()
        ),
    );
    let all_ok = go_ok.get(&Op::DownloadAll).copied().unwrap_or(0);
    assert!(
        single.is_some() || all_ok * 10 >= n * 9,
        "go failed on {} of {n} cold `download all` runs: the generator makes invalid cases",
        n - all_ok
    );
    finish_all(tallies.into_values().map(|(t, _)| t));
}

/// Finishes every table, so each reports its count, then fails with all failures.
pub fn finish_all(tallies: impl IntoIterator<Item = Tally>) {
    let failed: Vec<String> = tallies
        .into_iter()
        .filter_map(|t| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.finish()))
                .err()
                .map(|p| {
                    p.downcast_ref::<String>()
                        .cloned()
                        .unwrap_or_else(|| "a table failed".into())
                })
        })
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}
