//! The cold-download benchmark of issue 4: `gomodfetch mod download` against the real
//! `go mod download` on a synthetic universe of module versions served over HTTPS
//! (HTTP/2) by the in-process test proxy, at several added round-trip times. Run with
//! `cargo bench --bench download`; `benches/README.md` lists the knobs and caveats.
//!
//! For each profile the two tools run alternately, `go` then `gomodfetch`, each pair
//! with the same arguments (every `path@version` of the universe) into fresh, empty
//! directories. Every run is checked before it counts: the cache must hold every
//! module with the hashes the universe was built with, and be identical (paths, kinds,
//! modes, bytes) to the tree the first `go` run left. Any failure aborts.

#[path = "../shared/host.rs"]
mod host;
#[path = "../shared/measure.rs"]
mod measure;
mod report;
#[path = "../shared/traffic.rs"]
mod traffic;
mod verify;

use gomodfetch::testkit::gocmd::{Go, Sandbox, remove_tree};
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy, parse_duration};
use gomodfetch::testkit::synth::{Published, SynthConfig, SynthUniverse};
use gomodfetch::testkit::tree::Snapshot;
use gomodfetch::testkit::universe::Universe;
use host::{env, env_parse, machine, read_trimmed};
use report::{Pair, Profile, RunResult};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use traffic::traffic;

/// The knobs, from the environment (see benches/README.md).
struct Knobs {
    modules: usize,
    seed: u64,
    /// (added round trip, pairs).
    profiles: Vec<(Duration, usize)>,
    dir: PathBuf,
    out: PathBuf,
    gomodfetch: PathBuf,
    gomodfetch_flags: Vec<String>,
    keep: bool,
    timeout: Duration,
}

impl Knobs {
    fn from_env() -> Result<Knobs, String> {
        let target_tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let target = target_tmp.parent().unwrap_or(target_tmp);
        let pairs_override: Option<usize> = env("GOMODFETCH_BENCH_PAIRS")
            .map(|v| {
                v.trim()
                    .parse()
                    .map_err(|_| format!("GOMODFETCH_BENCH_PAIRS={v:?}"))
            })
            .transpose()?;
        let spec = env("GOMODFETCH_BENCH_PROFILES").unwrap_or_else(|| "0ms:5,50ms:3".into());
        let mut profiles = Vec::new();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (rtt, pairs) = item.split_once(':').unwrap_or((item, "3"));
            let rtt = parse_duration(rtt).map_err(|e| format!("GOMODFETCH_BENCH_PROFILES: {e}"))?;
            let pairs = pairs
                .trim()
                .parse()
                .map_err(|_| format!("GOMODFETCH_BENCH_PROFILES: {item:?}: pairs"))?;
            profiles.push((rtt, pairs_override.unwrap_or(pairs)));
        }
        if profiles.is_empty() || profiles.iter().any(|&(_, n)| n == 0) {
            return Err(format!(
                "GOMODFETCH_BENCH_PROFILES={spec:?}: want RTT:PAIRS,… with PAIRS ≥ 1"
            ));
        }
        Ok(Knobs {
            modules: env_parse("GOMODFETCH_BENCH_MODULES", 300)?,
            seed: env_parse("GOMODFETCH_BENCH_SEED", 1)?,
            profiles,
            dir: env("GOMODFETCH_BENCH_DIR").map_or_else(
                || {
                    let shm = Path::new("/dev/shm");
                    let base = if shm.is_dir() { shm } else { target_tmp };
                    base.join(format!("gomodfetch-bench-download-{}", std::process::id()))
                },
                PathBuf::from,
            ),
            out: env("GOMODFETCH_BENCH_OUT")
                .map_or_else(|| target.join("bench-download.json"), PathBuf::from),
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

/// Everything the runs share.
struct Bench {
    knobs: Knobs,
    go: Go,
    synth: SynthUniverse,
    published: Vec<Published>,
    args: Vec<String>,
    /// The cache the first `go` run left; every later run must leave the same.
    reference: Option<Snapshot>,
    /// Whether run directories are removed right after their run (on tmpfs) or only
    /// at the end (see [`measure::is_tmpfs`]).
    remove_at_once: bool,
    /// This binary, which measures each run as a launcher (see the `measure` docs).
    launcher: PathBuf,
}

impl Bench {
    /// One cold run of `tool` against `proxy` in a fresh directory `label`, checked.
    fn run(&mut self, proxy: &TestProxy, tool: Tool, label: &str) -> Result<RunResult, String> {
        let root = self.knobs.dir.join(label);
        remove_tree(&root).map_err(|e| format!("{}: {e}", root.display()))?;
        let mut sb = Sandbox::at(&root).map_err(|e| format!("{}: {e}", root.display()))?;
        sb.goproxy(proxy.goproxy_url()).modcacherw(true);
        if let Some(ca) = proxy.ca_cert_path() {
            sb.ssl_cert_file(ca);
        }
        let program = match tool {
            Tool::Go => self.go.bin(),
            Tool::Gomodfetch => &self.knobs.gomodfetch,
        };
        let mut args: Vec<String> = vec!["mod".into(), "download".into()];
        if tool == Tool::Gomodfetch {
            args.extend(self.knobs.gomodfetch_flags.iter().cloned());
        }
        args.extend(self.args.iter().cloned());
        let launcher = sb.command(&self.launcher, sb.work_dir());

        measure::sync_disks();
        proxy.clear_log();
        let before = proxy.counters();
        let (stdout, stderr) = (root.join("stdout"), root.join("stderr"));
        let usage = measure::launch(
            launcher,
            program,
            &args,
            &stdout,
            &stderr,
            self.knobs.timeout,
        )
        .map_err(|e| format!("{label}: running {}: {e}", tool.name()))?;
        let traffic = traffic(proxy, &before);
        let fail = |what: String| {
            let err = std::fs::read_to_string(&stderr).unwrap_or_default();
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
        verify::check_cache(sb.gomodcache(), self.synth.modules(), &self.published)
            .map_err(fail)?;
        let snap = verify::snapshot(sb.gomodcache()).map_err(fail)?;
        match &self.reference {
            None => self.reference = Some(snap),
            Some(reference) => {
                verify::same_tree(reference, &snap, ("first go run", label)).map_err(fail)?
            }
        }
        if !self.knobs.keep && self.remove_at_once {
            remove_tree(&root).map_err(|e| format!("{}: {e}", root.display()))?;
        }
        Ok(RunResult { usage, traffic })
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
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
    if knobs.modules < 300 {
        eprintln!(
            "note: {} modules (the issue's benchmark wants at least 300)",
            knobs.modules
        );
    }
    let load_start = read_trimmed("/proc/loadavg");

    let t = Instant::now();
    let synth = SynthUniverse::generate(SynthConfig::new(knobs.seed, knobs.modules));
    let universe = Universe::new();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let published = synth
        .publish(&universe, threads)
        .map_err(|e| format!("building the synthetic universe: {e}"))?;
    let zip_bytes: u64 = published.iter().map(|p| p.zip_len).sum();
    let unpacked: u64 = published.iter().map(|p| p.uncompressed).sum();
    let files: usize = published.iter().map(|p| p.files).sum();
    let summary = format!(
        "{} module versions of {} paths (seed {}), {:.1} MiB of zips, {:.1} MiB in {files} files unpacked",
        published.len(),
        synth.path_count(),
        knobs.seed,
        mib(zip_bytes),
        mib(unpacked),
    );
    eprintln!("built {summary} in {:.1} s", t.elapsed().as_secs_f64());
    std::fs::create_dir_all(&knobs.dir).map_err(|e| format!("{}: {e}", knobs.dir.display()))?;
    let tmpfs = measure::is_tmpfs(&knobs.dir);
    eprintln!(
        "caches under {} ({})",
        knobs.dir.display(),
        if tmpfs {
            "tmpfs"
        } else {
            "not tmpfs: run directories are removed at the end"
        }
    );

    let machine = machine(&go);
    let args = synth.args();
    let mut b = Bench {
        knobs,
        go,
        synth,
        published,
        args,
        reference: None,
        remove_at_once: tmpfs,
        launcher: std::env::current_exe().map_err(|e| format!("this binary's path: {e}"))?,
    };
    let mut profiles = Vec::new();
    for (rtt, pairs) in b.knobs.profiles.clone() {
        let proxy = TestProxy::start(ProxyConfig::new(universe.clone()).tls(true).rtt(rtt))
            .map_err(|e| format!("starting the test proxy: {e}"))?;
        let mut profile = Profile {
            rtt,
            pairs: Vec::new(),
        };
        for i in 1..=pairs {
            let ms = rtt.as_millis();
            let go = b.run(&proxy, Tool::Go, &format!("{ms}ms-{i}-go"))?;
            let us = b.run(&proxy, Tool::Gomodfetch, &format!("{ms}ms-{i}-gomodfetch"))?;
            eprintln!(
                "[{ms} ms] pair {i}/{pairs}: go {:.2} s {:.0} MiB {} req | gomodfetch {:.2} s {:.0} MiB {} req",
                go.usage.wall.as_secs_f64(),
                mib(go.usage.max_rss),
                go.traffic.requests,
                us.usage.wall.as_secs_f64(),
                mib(us.usage.max_rss),
                us.traffic.requests,
            );
            profile.pairs.push(Pair { go, gomodfetch: us });
        }
        println!("{}", report::markdown(&profile, &summary));
        profiles.push(profile);
    }

    let knobs = &b.knobs;
    if !knobs.keep {
        remove_tree(&knobs.dir).map_err(|e| format!("{}: {e}", knobs.dir.display()))?;
    }
    let out = json!({
        "benchmark": "download",
        "command": "cargo bench --bench download",
        "machine": machine,
        "load_average_start": load_start,
        "load_average_end": read_trimmed("/proc/loadavg"),
        "universe": {
            "seed": knobs.seed,
            "modules": b.published.len(),
            "paths": b.synth.path_count(),
            "zip_bytes": zip_bytes,
            "unpacked_bytes": unpacked,
            "files": files,
        },
        "gomodfetch": knobs.gomodfetch,
        "gomodfetch_flags": knobs.gomodfetch_flags,
        "cache_dir": knobs.dir,
        "cache_dir_tmpfs": tmpfs,
        "profiles": profiles.iter().map(report::profile_json).collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?;
    std::fs::write(&knobs.out, text + "\n").map_err(|e| format!("{}: {e}", knobs.out.display()))?;
    println!("JSON: {}", knobs.out.display());
    Ok(())
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some(measure::LAUNCHER_FLAG) {
        return measure::launcher_main(&argv[2..]);
    }
    // `cargo bench` passes --bench; `cargo test --benches` runs this too, without it.
    if !argv.iter().any(|a| a == "--bench") {
        println!("download: a benchmark; run it with `cargo bench --bench download`");
        return ExitCode::SUCCESS;
    }
    match bench() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("download benchmark failed: {e}");
            ExitCode::FAILURE
        }
    }
}
