//! The graph-loading benchmark of issue 5: `gomodfetch list -m all` against the real
//! `go list -m all` on the largest project of the corpus (`corpus/projects.txt`), from
//! cold caches, through the in-process HTTPS test proxy serving the corpus mirror at
//! an added round-trip time (50 ms by default). Run with `cargo bench --bench graph`;
//! `benches/README.md` lists the knobs.
//!
//! The mirror is built by the opt-in live test (`GOMODFETCH_LIVE=1 cargo test --test
//! it corpus_live`); without it this benchmark prints why and does nothing. Each pair
//! runs `go`, then gomodfetch, each in a fresh sandbox with a fresh copy of the
//! project; both must exit 0 and print the same list, or the benchmark aborts.

#[path = "../shared/host.rs"]
mod host;
#[path = "../shared/measure.rs"]
mod measure;
#[path = "../shared/traffic.rs"]
mod traffic;

use gomodfetch::testkit::gocmd::{Go, Sandbox, copy_tree, remove_tree};
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy, parse_duration};
use gomodfetch::testkit::universe::Universe;
use host::{env, env_parse, machine, read_trimmed};
use measure::Usage;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use traffic::{Traffic, traffic};

/// A command measured for both tools: go's argv and ours.
struct Command {
    name: &'static str,
    go: &'static [&'static str],
    ours: &'static [&'static str],
}

const LIST: Command = Command {
    name: "list -m all",
    go: &["list", "-m", "all"],
    ours: &["list", "-m", "all"],
};

const DOWNLOAD: Command = Command {
    name: "mod download (no arguments)",
    go: &["mod", "download"],
    ours: &["download"],
};

struct Knobs {
    corpus: PathBuf,
    rtt: Duration,
    pairs: usize,
    download: bool,
    dir: PathBuf,
    out: PathBuf,
    gomodfetch: PathBuf,
    timeout: Duration,
}

impl Knobs {
    fn from_env() -> Result<Knobs, String> {
        let target_tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let target = target_tmp.parent().unwrap_or(target_tmp);
        let rtt = env("GOMODFETCH_BENCH_RTT").unwrap_or_else(|| "50ms".into());
        Ok(Knobs {
            corpus: env("GOMODFETCH_CORPUS_DIR")
                .map_or_else(|| target.join("corpus"), PathBuf::from),
            rtt: parse_duration(&rtt).map_err(|e| format!("GOMODFETCH_BENCH_RTT: {e}"))?,
            pairs: env_parse("GOMODFETCH_BENCH_PAIRS", 1)?.max(1),
            download: env("GOMODFETCH_BENCH_DOWNLOAD").is_some_and(|v| v != "0"),
            dir: env("GOMODFETCH_BENCH_DIR").map_or_else(
                || {
                    let shm = Path::new("/dev/shm");
                    let base = if shm.is_dir() { shm } else { target_tmp };
                    base.join(format!("gomodfetch-bench-graph-{}", std::process::id()))
                },
                PathBuf::from,
            ),
            out: env("GOMODFETCH_BENCH_OUT")
                .map_or_else(|| target.join("bench-graph.json"), PathBuf::from),
            gomodfetch: env("GOMODFETCH_BENCH_BIN").map_or_else(
                || PathBuf::from(env!("CARGO_BIN_EXE_gomodfetch")),
                PathBuf::from,
            ),
            timeout: Duration::from_secs(env_parse("GOMODFETCH_BENCH_TIMEOUT", 900)?),
        })
    }
}

/// The largest project of the mirror's manifest: (spec, working copy, modules).
fn largest(corpus: &Path) -> Result<Option<(String, PathBuf, u64)>, String> {
    let path = corpus.join("manifest.json");
    let Ok(text) = std::fs::read(&path) else {
        return Ok(None);
    };
    let doc: Value =
        serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let best = doc["projects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                p["project"].as_str()?.to_string(),
                corpus.join(p["source"].as_str()?),
                p["modules"].as_u64()?,
            ))
        })
        .filter(|(_, src, _)| src.is_dir())
        .max_by_key(|(_, _, n)| *n);
    Ok(best)
}

struct Measured {
    usage: Usage,
    traffic: Traffic,
    stdout: String,
}

/// One cold run of `program args` in a fresh sandbox `label` with a copy of `source`.
fn run(
    k: &Knobs,
    proxy: &TestProxy,
    source: &Path,
    program: &Path,
    args: &[&str],
    label: &str,
) -> Result<Measured, String> {
    let root = k.dir.join(label);
    let fail = |e: &dyn std::fmt::Display| format!("{label}: {e}");
    remove_tree(&root).map_err(|e| fail(&e))?;
    let mut sb = Sandbox::at(&root).map_err(|e| fail(&e))?;
    sb.goproxy(proxy.goproxy_url()).modcacherw(true);
    if let Some(ca) = proxy.ca_cert_path() {
        sb.ssl_cert_file(ca);
    }
    let project = root.join("project");
    copy_tree(source, &project).map_err(|e| fail(&e))?;
    let launcher = sb.command(std::env::current_exe().map_err(|e| fail(&e))?, &project);
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (stdout, stderr) = (root.join("stdout"), root.join("stderr"));
    measure::sync_disks();
    proxy.clear_log();
    let before = proxy.counters();
    let usage = measure::launch(launcher, program, &args, &stdout, &stderr, k.timeout)
        .map_err(|e| fail(&e))?;
    let traffic = traffic(proxy, &before);
    let out = std::fs::read_to_string(&stdout).unwrap_or_default();
    if usage.exit_code != 0 || usage.timed_out {
        let err = std::fs::read_to_string(&stderr).unwrap_or_default();
        let tail: String = err.lines().take(20).collect::<Vec<_>>().join("\n");
        return Err(format!(
            "{label}: exit {} (timed out: {}), directory kept: {}\n{tail}",
            usage.exit_code,
            usage.timed_out,
            root.display()
        ));
    }
    remove_tree(&root).map_err(|e| fail(&e))?;
    Ok(Measured {
        usage,
        traffic,
        stdout: out,
    })
}

fn row(tool: &str, m: &Measured) -> String {
    format!(
        "| {tool} | {:.2} s | {:.2} s | {:.0} MiB | {} | {} | {} |",
        m.usage.wall.as_secs_f64(),
        m.usage.cpu().as_secs_f64(),
        m.usage.max_rss as f64 / (1024.0 * 1024.0),
        m.traffic.requests,
        m.traffic.connections,
        m.traffic.max_in_flight,
    )
}

fn measured_json(m: &Measured) -> Value {
    json!({
        "wall_s": m.usage.wall.as_secs_f64(),
        "cpu_s": m.usage.cpu().as_secs_f64(),
        "max_rss": m.usage.max_rss,
        "requests": m.traffic.requests,
        "requests_by_kind": m.traffic.by_kind,
        "connections": m.traffic.connections,
        "connections_used": m.traffic.connections_used,
        "body_bytes": m.traffic.body_bytes,
        "wire_bytes": m.traffic.wire_bytes,
        "max_in_flight": m.traffic.max_in_flight,
        "not_ok": m.traffic.not_ok,
    })
}

fn bench() -> Result<(), String> {
    let k = Knobs::from_env()?;
    let Some((project, source, modules)) = largest(&k.corpus)? else {
        println!(
            "graph: skipped: no corpus mirror at {} (build it once with \
             `GOMODFETCH_LIVE=1 cargo test --test it corpus_live`)",
            k.corpus.display()
        );
        return Ok(());
    };
    let go = Go::find().map_err(|e| e.to_string())?;
    if !k.gomodfetch.is_file() {
        return Err(format!(
            "no gomodfetch binary at {}",
            k.gomodfetch.display()
        ));
    }
    let load_start = read_trimmed("/proc/loadavg");
    let universe = Universe::new();
    universe.add_tree(k.corpus.join("mirror/cache/download"));
    let proxy = TestProxy::start(ProxyConfig::new(universe).tls(true).rtt(k.rtt))
        .map_err(|e| format!("starting the test proxy: {e}"))?;
    std::fs::create_dir_all(&k.dir).map_err(|e| format!("{}: {e}", k.dir.display()))?;
    let ms = k.rtt.as_millis();
    let tmpfs = measure::is_tmpfs(&k.dir);
    println!(
        "graph: {project} ({modules} modules in `go list -m all`), test proxy at {ms} ms RTT, \
         cold caches under {} ({}), {} pair(s)\n",
        k.dir.display(),
        if tmpfs { "tmpfs" } else { "not tmpfs" },
        k.pairs
    );
    let mut commands = vec![&LIST];
    if k.download {
        commands.push(&DOWNLOAD);
    }
    let mut results = Vec::new();
    for cmd in commands {
        let mut table = format!(
            "`{}`\n\n| tool | wall | CPU | peak RSS | requests | connections | most in flight |\n|---|---|---|---|---|---|---|\n",
            cmd.name
        );
        let mut pairs = Vec::new();
        for i in 1..=k.pairs {
            let slug = cmd.name.replace([' ', '(', ')'], "");
            let g = run(
                &k,
                &proxy,
                &source,
                go.bin(),
                cmd.go,
                &format!("{slug}-{i}-go"),
            )?;
            let o = run(
                &k,
                &proxy,
                &source,
                &k.gomodfetch,
                cmd.ours,
                &format!("{slug}-{i}-gomodfetch"),
            )?;
            if g.stdout != o.stdout {
                return Err(format!(
                    "`{}`: gomodfetch printed something else than go (pair {i}): the timing would not compare like with like",
                    cmd.name
                ));
            }
            let ratio = g.usage.wall.as_secs_f64() / o.usage.wall.as_secs_f64().max(1e-9);
            table.push_str(&format!("{}\n{}\n", row("go", &g), row("gomodfetch", &o)));
            table.push_str(&format!(
                "| ratio go/gomodfetch (wall) | {ratio:.1}× | | | | | |\n"
            ));
            pairs.push(json!({
                "go": measured_json(&g),
                "gomodfetch": measured_json(&o),
                "wall_ratio": ratio,
            }));
        }
        println!("{table}");
        results.push(json!({"command": cmd.name, "pairs": pairs}));
    }
    let _ = remove_tree(&k.dir);
    let out = json!({
        "benchmark": "graph",
        "command": "cargo bench --bench graph",
        "machine": machine(&go),
        "load_average_start": load_start,
        "load_average_end": read_trimmed("/proc/loadavg"),
        "project": project,
        "modules": modules,
        "rtt_ms": ms,
        "tls": true,
        "cache_dir_tmpfs": tmpfs,
        "gomodfetch": k.gomodfetch,
        "results": results,
    });
    let text = serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?;
    std::fs::write(&k.out, text + "\n").map_err(|e| format!("{}: {e}", k.out.display()))?;
    println!("JSON: {}", k.out.display());
    Ok(())
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some(measure::LAUNCHER_FLAG) {
        return measure::launcher_main(&argv[2..]);
    }
    // `cargo bench` passes --bench; `cargo test --benches` runs this too, without it.
    if !argv.iter().any(|a| a == "--bench") {
        println!("graph: a benchmark; run it with `cargo bench --bench graph`");
        return ExitCode::SUCCESS;
    }
    match bench() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("graph benchmark failed: {e}");
            ExitCode::FAILURE
        }
    }
}
