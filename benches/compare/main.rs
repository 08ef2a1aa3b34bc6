//! The comparison harness of issue 8: gomodfetch against the real `go`, over a matrix
//! of workloads (the synthetic universe and corpus projects) × network profiles (an
//! added round trip and a link bandwidth at the test proxy) × scenarios (cold; go.mod
//! files cached, no zips; no-op; graph only). Run with `cargo bench --bench compare`;
//! `benches/README.md` lists the knobs and caveats.
//!
//! In every cell the two tools run alternately, `go` then gomodfetch, with the same
//! arguments, each in fresh directories whose cache starts as the scenario says. Every
//! run is checked before it counts: exit 0, and a cache identical (paths, kinds, modes,
//! bytes) to the one an unmeasured `go` run left at the start of the workload (the
//! synthetic universe's also against the hashes it was built with), the project's
//! go.mod and go.sum as go left them, and for `list -m all` the same output. Any
//! failure aborts. Results: JSON, a Markdown report and an SVG plot of the ratios.

#[path = "../shared/host.rs"]
mod host;
#[path = "../shared/measure.rs"]
mod measure;
mod plot;
mod report;
mod scenario;
#[path = "../shared/traffic.rs"]
mod traffic;
mod verify;
mod workload;

use gomodfetch::testkit::gocmd::{Go, Sandbox, copy_tree, remove_tree};
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::tree::Snapshot;
use gomodfetch::testkit::universe::Universe;
use host::{env, env_parse, machine, read_trimmed};
use report::{Cell, Pair, RunResult};
use scenario::{NetProfile, Scenario, Start};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use traffic::traffic;
use workload::Workload;

/// The knobs, from the environment (see benches/README.md).
struct Knobs {
    workloads: Vec<String>,
    profiles: Vec<NetProfile>,
    scenarios: Vec<Scenario>,
    pairs: usize,
    modules: usize,
    seed: u64,
    corpus: PathBuf,
    dir: PathBuf,
    /// The JSON results; the Markdown report and the plot go beside it.
    out: PathBuf,
    gomodfetch: PathBuf,
    gomodfetch_flags: Vec<String>,
    keep: bool,
    timeout: Duration,
}

const DEFAULT_WORKLOADS: &str = "synthetic,largest,cli/cli,cobra";
const DEFAULT_PROFILES: &str = "0ms,20ms@500,50ms@200,100ms@50";

fn list(var: &str, default: &str) -> Vec<String> {
    env(var)
        .unwrap_or_else(|| default.to_string())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

impl Knobs {
    fn from_env() -> Result<Knobs, String> {
        let target_tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let target = target_tmp.parent().unwrap_or(target_tmp);
        let profiles = list("GOMODFETCH_BENCH_PROFILES", DEFAULT_PROFILES)
            .iter()
            .map(|p| NetProfile::parse(p).map_err(|e| format!("GOMODFETCH_BENCH_PROFILES: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let scenarios = list("GOMODFETCH_BENCH_SCENARIOS", "cold,modcached,noop,graph")
            .iter()
            .map(|s| Scenario::parse(s).map_err(|e| format!("GOMODFETCH_BENCH_SCENARIOS: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let pairs = env_parse("GOMODFETCH_BENCH_PAIRS", 5)?;
        if profiles.is_empty() || scenarios.is_empty() || pairs == 0 {
            return Err("nothing to run: no profile, no scenario or 0 pairs".into());
        }
        Ok(Knobs {
            workloads: list("GOMODFETCH_BENCH_WORKLOADS", DEFAULT_WORKLOADS),
            profiles,
            scenarios,
            pairs,
            modules: env_parse("GOMODFETCH_BENCH_MODULES", 300)?,
            seed: env_parse("GOMODFETCH_BENCH_SEED", 1)?,
            corpus: env("GOMODFETCH_CORPUS_DIR")
                .map_or_else(|| target.join("corpus"), PathBuf::from),
            dir: env("GOMODFETCH_BENCH_DIR").map_or_else(
                || {
                    let shm = Path::new("/dev/shm");
                    let base = if shm.is_dir() { shm } else { target_tmp };
                    base.join(format!("gomodfetch-bench-compare-{}", std::process::id()))
                },
                PathBuf::from,
            ),
            out: env("GOMODFETCH_BENCH_OUT")
                .map_or_else(|| target.join("bench-compare.json"), PathBuf::from),
            gomodfetch: env("GOMODFETCH_BENCH_BIN").map_or_else(
                || PathBuf::from(env!("CARGO_BIN_EXE_gomodfetch")),
                PathBuf::from,
            ),
            gomodfetch_flags: env("GOMODFETCH_BENCH_FLAGS")
                .map(|f| f.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default(),
            keep: env("GOMODFETCH_BENCH_KEEP").is_some_and(|v| v != "0"),
            timeout: Duration::from_secs(env_parse("GOMODFETCH_BENCH_TIMEOUT", 900)?),
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tool {
    Go,
    Gomodfetch,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Go => "go",
            Tool::Gomodfetch => "gomodfetch",
        }
    }
}

/// What every run of a workload must leave, from its unmeasured reference `go` runs.
struct Reference {
    /// The reference runs' directory, removed when the workload is done.
    root: PathBuf,
    /// The finished cache of `mod download` (also the start of the no-op scenario).
    full_dir: PathBuf,
    full: Snapshot,
    /// The `.mod`, `.info` and `@v/list` files of `full_dir` only.
    modfiles_dir: PathBuf,
    /// The project's go.mod and go.sum after `mod download`.
    project_files: Vec<(String, Option<Vec<u8>>)>,
    /// `list -m all`: its output and the cache it left.
    graph: Option<(String, Snapshot)>,
}

/// Everything the runs share.
struct Bench {
    knobs: Knobs,
    go: Go,
    /// This binary, which measures each run as a launcher (see the `measure` docs).
    launcher: PathBuf,
}

/// How one run is set up and what it must leave.
struct RunSpec<'a> {
    workload: &'a Workload,
    scenario: Scenario,
    tool: Tool,
    label: String,
    reference: Option<&'a Reference>,
}

/// What a finished run left, for the reference runs.
struct Finished {
    result: RunResult,
    root: PathBuf,
    cache: PathBuf,
    project: PathBuf,
    stdout: String,
}

const PROJECT_FILES: [&str; 2] = ["go.mod", "go.sum"];

impl Bench {
    /// One measured run; checked against `spec.reference` when given. The run's
    /// directory is removed unless `keep_dir` (the reference runs keep theirs).
    fn run(
        &self,
        proxy: &TestProxy,
        spec: &RunSpec<'_>,
        keep_dir: bool,
    ) -> Result<Finished, String> {
        let label = &spec.label;
        let root = self.knobs.dir.join(label);
        let io = |e: std::io::Error| format!("{label}: {e}");
        remove_tree(&root).map_err(io)?;
        let mut sb = Sandbox::at(&root).map_err(io)?;
        sb.goproxy(proxy.goproxy_url()).modcacherw(true);
        if let Some(ca) = proxy.ca_cert_path() {
            sb.ssl_cert_file(ca);
        }
        let cache = sb.gomodcache().to_path_buf();
        if let Some(r) = spec.reference {
            match spec.scenario.start() {
                Start::Empty => {}
                Start::ModFiles => copy_preserving(&r.modfiles_dir, &cache)?,
                Start::Full => copy_preserving(&r.full_dir, &cache)?,
            }
        }
        let project = match spec.workload.source() {
            Some(src) => {
                let p = root.join("project");
                copy_tree(src, &p).map_err(io)?;
                p
            }
            None => sb.work_dir(),
        };
        let program = match spec.tool {
            Tool::Go => self.go.bin(),
            Tool::Gomodfetch => &self.knobs.gomodfetch,
        };
        let mut args = spec.scenario.argv(&spec.workload.download_args());
        if spec.tool == Tool::Gomodfetch {
            let at = if spec.scenario == Scenario::Graph {
                1
            } else {
                2
            };
            for (i, f) in self.knobs.gomodfetch_flags.iter().enumerate() {
                args.insert(at + i, f.clone());
            }
        }
        let launcher = sb.command(&self.launcher, &project);

        measure::sync_disks();
        proxy.clear_log();
        let before = proxy.counters();
        let (stdout_path, stderr_path) = (root.join("stdout"), root.join("stderr"));
        let usage = measure::launch(
            launcher,
            program,
            &args,
            &stdout_path,
            &stderr_path,
            self.knobs.timeout,
        )
        .map_err(|e| format!("{label}: running {}: {e}", spec.tool.name()))?;
        let traffic = traffic(proxy, &before);
        let fail = |what: String| {
            let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            let tail: String = err.lines().take(20).collect::<Vec<_>>().join("\n");
            format!(
                "{label}: {what} (directory kept: {})\n{tail}",
                root.display()
            )
        };
        if usage.timed_out {
            return Err(fail(format!("killed after {:?}", self.knobs.timeout)));
        }
        if usage.exit_code != 0 {
            return Err(fail(format!("exit status {}", usage.exit_code)));
        }
        let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
        if let Workload::Synthetic {
            synth, published, ..
        } = spec.workload
            && spec.scenario != Scenario::Graph
        {
            verify::check_cache(&cache, synth.modules(), published).map_err(fail)?;
        }
        if let Some(r) = spec.reference {
            check_against(r, spec, &cache, &project, &stdout).map_err(fail)?;
        }
        if !keep_dir && !self.knobs.keep {
            remove_tree(&root).map_err(io)?;
        }
        Ok(Finished {
            result: RunResult { usage, traffic },
            root,
            cache,
            project,
            stdout,
        })
    }

    /// The unmeasured reference runs of `go` for a workload, through `proxy` (no added
    /// latency): `mod download` from an empty cache (and `list -m all` when the graph
    /// scenario runs). They also bring the mirror's files into the page cache before
    /// either tool is measured.
    fn reference(
        &self,
        proxy: &TestProxy,
        w: &Workload,
        with_graph: bool,
    ) -> Result<Reference, String> {
        let name = w.name();
        // A reference `go` run; its directory is kept for the caller to read.
        let go_run = |scenario, label: String| {
            let spec = RunSpec {
                workload: w,
                scenario,
                tool: Tool::Go,
                label,
                reference: None,
            };
            self.run(proxy, &spec, true)
        };
        let done = go_run(Scenario::Cold, format!("{name}-reference"))?;
        let full = verify::snapshot(&done.cache)?;
        let project_files = PROJECT_FILES
            .iter()
            .map(|f| (f.to_string(), std::fs::read(done.project.join(f)).ok()))
            .collect();
        let modfiles_dir = done.root.join("modfiles");
        copy_mod_files(&done.cache, &modfiles_dir)?;
        let graph = if with_graph && w.has_main_module() {
            let g = go_run(Scenario::Graph, format!("{name}-reference-graph"))?;
            let snap = verify::snapshot(&g.cache)?;
            remove_tree(&g.root).map_err(|e| format!("{}: {e}", g.root.display()))?;
            Some((g.stdout, snap))
        } else {
            None
        };
        Ok(Reference {
            root: done.root,
            full_dir: done.cache,
            full,
            modfiles_dir,
            project_files,
            graph,
        })
    }
}

/// Fails unless the run left what the reference `go` run left.
fn check_against(
    r: &Reference,
    spec: &RunSpec<'_>,
    cache: &Path,
    project: &Path,
    stdout: &str,
) -> Result<(), String> {
    let snap = verify::snapshot(cache)?;
    if spec.scenario == Scenario::Graph {
        let (out, want) = r
            .graph
            .as_ref()
            .ok_or("no reference for the graph scenario")?;
        if stdout != out {
            return Err("`list -m all` printed something else than the reference go run".into());
        }
        return verify::same_tree(want, &snap, ("reference go run", &spec.label));
    }
    verify::same_tree(&r.full, &snap, ("reference go run", &spec.label))?;
    if spec.workload.has_main_module() {
        for (name, want) in &r.project_files {
            if std::fs::read(project.join(name)).ok() != *want {
                return Err(format!(
                    "the project's {name} differs from the reference go run's"
                ));
            }
        }
    }
    Ok(())
}

/// `cp -a`: the cache's modes (read-only trees unless -modcacherw) and times kept.
fn copy_preserving(from: &Path, to: &Path) -> Result<(), String> {
    let _ = remove_tree(to);
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .map_err(|e| format!("cp -a {}: {e}", from.display()))?;
    if !status.success() {
        return Err(format!(
            "cp -a {} {}: {status}",
            from.display(),
            to.display()
        ));
    }
    Ok(())
}

/// Copies the `.mod`, `.info` and `@v/list` files under `cache/download` of `cache` to
/// `to` (the same relative paths): the "go.mod files cached, no zips" starting cache,
/// what loading the graph alone leaves.
fn copy_mod_files(cache: &Path, to: &Path) -> Result<(), String> {
    let from = cache.join("cache/download");
    let mut stack = vec![from.clone()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let path = entry.path();
            let kind = entry
                .file_type()
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if kind.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "mod" || e == "info")
                || path.file_name().is_some_and(|n| n == "list")
            {
                let rel = path.strip_prefix(cache).map_err(|e| e.to_string())?;
                let dest = to.join(rel);
                if let Some(parent) = dest.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| format!("{}: {e}", parent.display()))?;
                }
                std::fs::copy(&path, &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
            }
        }
    }
    Ok(())
}

fn load_workloads(k: &Knobs) -> Result<Vec<Workload>, String> {
    let projects = workload::manifest(&k.corpus)?;
    let mut corpus_universe: Option<Universe> = None;
    let mut out = Vec::new();
    for want in &k.workloads {
        if want == "synthetic" {
            let t = Instant::now();
            let w = Workload::synthetic(k.seed, k.modules)?;
            eprintln!(
                "built the synthetic universe in {:.1} s: {}",
                t.elapsed().as_secs_f64(),
                w.describe()
            );
            out.push(w);
            continue;
        }
        if projects.is_empty() {
            eprintln!(
                "\n*** SKIPPED {want:?}: no corpus mirror at {} (build it once with \
                 `GOMODFETCH_LIVE=1 cargo test --test it corpus_live`, see corpus/README.md) ***\n",
                k.corpus.display()
            );
            continue;
        }
        let p = workload::pick(&projects, want)?;
        let universe = corpus_universe
            .get_or_insert_with(|| {
                let u = Universe::new();
                u.add_tree(k.corpus.join("mirror/cache/download"));
                u
            })
            .clone();
        out.push(Workload::Project {
            spec: p.spec.clone(),
            source: p.source.clone(),
            modules: p.modules,
            universe,
        });
    }
    Ok(out)
}

fn start_proxy(universe: &Universe, profile: &NetProfile) -> Result<TestProxy, String> {
    TestProxy::start(profile.apply(ProxyConfig::new(universe.clone()).tls(true)))
        .map_err(|e| format!("starting the test proxy: {e}"))
}

fn bench() -> Result<(), String> {
    let knobs = Knobs::from_env()?;
    let go = Go::find().map_err(|e| e.to_string())?;
    if !knobs.gomodfetch.is_file() {
        return Err(format!(
            "no gomodfetch binary at {}",
            knobs.gomodfetch.display()
        ));
    }
    let load_start = read_trimmed("/proc/loadavg");
    let started = Instant::now();
    let workloads = load_workloads(&knobs)?;
    std::fs::create_dir_all(&knobs.dir).map_err(|e| format!("{}: {e}", knobs.dir.display()))?;
    let tmpfs = measure::is_tmpfs(&knobs.dir);
    eprintln!(
        "caches under {} ({})",
        knobs.dir.display(),
        if tmpfs { "tmpfs" } else { "not tmpfs" }
    );
    let b = Bench {
        knobs,
        go,
        launcher: std::env::current_exe().map_err(|e| format!("this binary's path: {e}"))?,
    };
    let k = &b.knobs;
    let with_graph = k.scenarios.contains(&Scenario::Graph);
    let mut cells: Vec<Cell> = Vec::new();
    let mut workload_json = Vec::new();
    for w in &workloads {
        let name = w.name();
        let t = Instant::now();
        let reference = {
            let proxy = start_proxy(w.universe(), &NetProfile::parse("0ms")?)?;
            b.reference(&proxy, w, with_graph)?
        };
        eprintln!(
            "[{name}] reference go runs in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        workload_json.push(json!({"name": name, "workload": w.describe()}));
        for profile in &k.profiles {
            let proxy = start_proxy(w.universe(), profile)?;
            for &scenario in &k.scenarios {
                if scenario == Scenario::Graph && !w.has_main_module() {
                    continue;
                }
                let mut cell = Cell {
                    workload: name.clone(),
                    profile: *profile,
                    scenario,
                    pairs: Vec::new(),
                };
                for i in 1..=k.pairs {
                    let mut spec = RunSpec {
                        workload: w,
                        scenario,
                        tool: Tool::Go,
                        label: format!("{name}-{}-{scenario}-{i}-go", profile.label()),
                        reference: Some(&reference),
                    };
                    let go = b.run(&proxy, &spec, false)?.result;
                    spec.tool = Tool::Gomodfetch;
                    spec.label = format!("{name}-{}-{scenario}-{i}-gomodfetch", profile.label());
                    let us = b.run(&proxy, &spec, false)?.result;
                    eprintln!(
                        "[{name} {} {scenario}] pair {i}/{}: go {:.2} s {:.0} MiB {} req | gomodfetch {:.2} s {:.0} MiB {} req | {:.1}×",
                        profile.label(),
                        k.pairs,
                        go.usage.wall.as_secs_f64(),
                        go.usage.max_rss as f64 / 1048576.0,
                        go.traffic.requests,
                        us.usage.wall.as_secs_f64(),
                        us.usage.max_rss as f64 / 1048576.0,
                        us.traffic.requests,
                        go.usage.wall.as_secs_f64() / us.usage.wall.as_secs_f64().max(1e-9),
                    );
                    cell.pairs.push(Pair { go, gomodfetch: us });
                }
                cells.push(cell);
            }
        }
        if !k.keep {
            let root = &reference.root;
            remove_tree(root).map_err(|e| format!("{}: {e}", root.display()))?;
        }
    }
    if !k.keep {
        remove_tree(&k.dir).map_err(|e| format!("{}: {e}", k.dir.display()))?;
    }

    let machine = machine(&b.go);
    let command = "cargo bench --bench compare";
    let summary = report::summary(&cells);
    println!("\n{summary}");
    let labels: Vec<String> = k.profiles.iter().map(NetProfile::label).collect();
    let svg = k.out.with_extension("svg");
    plot::svg(&cells, &labels, &svg)?;
    let mut md = format!("# gomodfetch vs go: {command}\n\nMachine: {machine}\n\n{summary}\n");
    for c in &cells {
        md.push('\n');
        md.push_str(&report::markdown(c));
    }
    let md_path = k.out.with_extension("md");
    std::fs::write(&md_path, md).map_err(|e| format!("{}: {e}", md_path.display()))?;
    let out = json!({
        "benchmark": "compare",
        "command": command,
        "machine": machine,
        "load_average_start": load_start,
        "load_average_end": read_trimmed("/proc/loadavg"),
        "elapsed_s": started.elapsed().as_secs_f64(),
        "workloads": workload_json,
        "profiles": labels,
        "scenarios": k.scenarios.iter().map(|s| s.name()).collect::<Vec<_>>(),
        "pairs": k.pairs,
        "gomodfetch": k.gomodfetch,
        "gomodfetch_flags": k.gomodfetch_flags,
        "cache_dir_tmpfs": tmpfs,
        "cells": cells.iter().map(report::cell_json).collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?;
    std::fs::write(&k.out, text + "\n").map_err(|e| format!("{}: {e}", k.out.display()))?;
    println!(
        "JSON: {}\nMarkdown: {}\nplot: {}",
        k.out.display(),
        md_path.display(),
        svg.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some(measure::LAUNCHER_FLAG) {
        return measure::launcher_main(&argv[2..]);
    }
    // `cargo bench` passes --bench; `cargo test --benches` runs this too, without it.
    if !argv.iter().any(|a| a == "--bench") {
        println!("compare: a benchmark; run it with `cargo bench --bench compare`");
        return ExitCode::SUCCESS;
    }
    match bench() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("compare benchmark failed: {e}");
            ExitCode::FAILURE
        }
    }
}
