//! `gomodfetch prewarm [flags] [dir | go.mod | go.work]...`: fill the module cache
//! for many projects at once (see [`crate::engine::prewarm`] for how, and
//! [`crate::prewarm`] for how inputs are found).
//!
//! Output: stderr gets Go's warnings, one line per failure (`gomodfetch prewarm:
//! <project>: <error>`) and a summary line; with `--json`, stdout gets one compact
//! JSON object per event (`project`, `module`, `finished`, then `summary`). Exit
//! status 0 when every project and module succeeded, 1 otherwise, 2 for usage
//! errors.

use super::console::Console;
use super::progress::CliReporter;
use crate::config::{Config, DownloadArgs, Env};
use crate::engine::{self, Event, Options, PrewarmJob, PrewarmOutcome, Record, Reporter};
use crate::http::Trace;
use crate::prewarm::Inputs;
use clap::Parser;
use serde_json::json;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Pre-warm a module cache for many Go projects at once.
#[derive(Debug, Parser)]
#[command(name = "gomodfetch prewarm", version, about)]
struct Cli {
    /// Directories to walk for go.mod and go.work files (vendor, testdata and
    /// `.`/`_` directories are skipped), or go.mod / go.work files.
    paths: Vec<PathBuf>,
    /// A file of `path@version` lines, or `go mod download -json` output ("-" reads
    /// stdin); repeatable.
    #[arg(long = "modules", value_name = "FILE")]
    module_lists: Vec<PathBuf>,
    /// Fetch `go mod download all` for each project instead of the no-argument set.
    #[arg(long)]
    all: bool,
    /// Download and verify zips, never extract them (what a proxy mirror needs).
    #[arg(long)]
    zips_only: bool,
    /// One JSON object per event on stdout.
    #[arg(long)]
    json: bool,
    /// Network operations in flight, for all projects together (default 32).
    #[arg(long, value_name = "N")]
    jobs: Option<String>,
    /// Retries of a transient failure (default 9; 0 = never).
    #[arg(long, value_name = "N")]
    retries: Option<String>,
    /// How long a response may make no progress (e.g. 30s; default 60s).
    #[arg(long, value_name = "D")]
    stall_timeout: Option<String>,
    /// Leave extracted directories writable (as go's -modcacherw).
    #[arg(long = "modcacherw", alias = "modcache-rw")]
    modcacherw: bool,
    /// Print the HTTP requests made (as go's -x).
    #[arg(short = 'x')]
    x: bool,
    /// Never draw a progress bar.
    #[arg(long)]
    no_progress: bool,
}

/// Runs the command; returns the exit status.
pub fn main(env: &Env, args: &[OsString]) -> i32 {
    let argv = std::iter::once(OsString::from("gomodfetch prewarm")).chain(args.iter().cloned());
    let cli = match Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let config = match Config::resolve(env) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let dargs = match download_args(&cli, &config) {
        Ok(a) => a,
        Err(text) => {
            eprint!("gomodfetch prewarm: {text}");
            return 2;
        }
    };
    let mut inputs = Inputs::default();
    for p in &cli.paths {
        inputs.add_path(&env.absolute(p));
    }
    for list in &cli.module_lists {
        match read_list(env, list) {
            Ok(text) => inputs.add_module_list(&list.display().to_string(), &text),
            Err(e) => inputs.add_module_list_error(e),
        }
    }
    if cli.paths.is_empty() && cli.module_lists.is_empty() {
        inputs.add_path(env.cwd());
    }
    let jobs = dargs.jobs;
    super::on_runtime(jobs, run(&cli, &config, dargs, inputs))
}

/// The engine's flags, through `download`'s parser (so GOFLAGS applies as there and
/// the values are checked the same way).
fn download_args(cli: &Cli, config: &Config) -> Result<DownloadArgs, String> {
    let mut argv: Vec<OsString> = Vec::new();
    let mut push = |flag: &str, v: &Option<String>| {
        if let Some(v) = v {
            argv.push(format!("--{flag}={v}").into());
        }
    };
    push("jobs", &cli.jobs);
    push("retries", &cli.retries);
    push("stall-timeout", &cli.stall_timeout);
    super::engine_args(config, argv, cli.modcacherw, cli.x)
}

fn read_list(env: &Env, list: &std::path::Path) -> Result<String, String> {
    if list.as_os_str() == "-" {
        let mut s = String::new();
        return std::io::stdin()
            .read_to_string(&mut s)
            .map(|_| s)
            .map_err(|e| format!("reading stdin: {e}"));
    }
    std::fs::read_to_string(env.absolute(list)).map_err(|e| format!("{}: {e}", list.display()))
}

async fn run(cli: &Cli, config: &Config, args: DownloadArgs, inputs: Inputs) -> i32 {
    let started = Instant::now();
    let console = Arc::new(Console::new());
    for w in config.warnings() {
        console.line(w);
    }
    for p in &inputs.problems {
        console.line(&format!("gomodfetch prewarm: {p}"));
    }
    let show_progress = !cli.json && !cli.x && !cli.no_progress && console.is_terminal();
    let reporter = Arc::new(CliReporter::new(Arc::clone(&console), show_progress, false));
    let options = Options {
        retry: super::retry_policy(&args),
        trace: args.x.then(|| Arc::clone(&console) as Arc<dyn Trace>),
        reporter: Arc::clone(&reporter) as Arc<dyn Reporter>,
    };
    let job = PrewarmJob {
        projects: inputs.projects,
        modules: inputs.modules,
        all: cli.all,
        zips_only: cli.zips_only,
        args,
    };
    let json = cli.json;
    let out = Arc::new(Mutex::new(std::io::stdout()));
    let events = {
        let (reporter, out) = (Arc::clone(&reporter), Arc::clone(&out));
        Arc::new(move |e: Event<'_>| {
            if let Event::Fetching { modules } = e {
                reporter.start(modules);
            }
            if let Event::Module(m) = &e {
                reporter.finished(&Record {
                    path: m.path.clone(),
                    version: m.version.clone(),
                    error: m.error.clone(),
                    ..Record::default()
                });
            }
            if json && let Some(v) = event_json(&e) {
                emit(&out, &v);
            }
        })
    };
    let outcome = match Box::pin(engine::prewarm(config, &job, options, events)).await {
        Ok(o) => o,
        Err(fatal) => {
            console.clear_bar();
            console.write_raw(fatal.stderr_text());
            return 1;
        }
    };
    console.clear_bar();
    for p in &outcome.projects {
        for e in &p.errors {
            console.line(&format!("gomodfetch prewarm: {}: {e}", p.name));
        }
    }
    let summary = Summary::of(
        &outcome,
        inputs.problems.len(),
        started.elapsed().as_secs_f64(),
    );
    console.line(&summary.line());
    if json {
        emit(&out, &summary.json());
    }
    i32::from(outcome.failed() || !inputs.problems.is_empty())
}

fn emit(out: &Mutex<std::io::Stdout>, v: &serde_json::Value) {
    let out = out
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut out = out.lock();
    // A closed stdout (a reader that left) is not worth a second error.
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

fn event_json(e: &Event<'_>) -> Option<serde_json::Value> {
    Some(match e {
        Event::Planned(p) => json!({
            "Event": "project",
            "Project": p.name,
            "Module": p.module,
            "Modules": p.modules.len(),
            "Errors": p.errors,
        }),
        Event::Fetching { .. } => return None,
        Event::Module(m) => json!({
            "Event": "module",
            "Path": m.path,
            "Version": m.version,
            "Projects": m.projects,
            "Cached": m.cached,
            "Bytes": m.bytes,
            "Error": m.error,
        }),
        Event::Finished(p) => json!({
            "Event": "finished",
            "Project": p.name,
            "Module": p.module,
            "Modules": p.modules.len(),
            "Errors": p.errors,
        }),
    })
}

/// The end-of-run numbers.
struct Summary {
    projects: usize,
    failed_projects: usize,
    modules: usize,
    fetched: usize,
    cached: usize,
    failed_modules: usize,
    bytes: u64,
    input_problems: usize,
    seconds: f64,
}

impl Summary {
    fn of(o: &PrewarmOutcome, input_problems: usize, seconds: f64) -> Summary {
        let ok = |m: &&engine::ModuleResult| m.error.is_empty();
        Summary {
            projects: o.projects.len(),
            failed_projects: o.projects.iter().filter(|p| !p.errors.is_empty()).count(),
            modules: o.modules.len(),
            fetched: o.modules.iter().filter(ok).filter(|m| !m.cached).count(),
            cached: o.modules.iter().filter(ok).filter(|m| m.cached).count(),
            failed_modules: o.modules.iter().filter(|m| !m.error.is_empty()).count(),
            bytes: o.modules.iter().map(|m| m.bytes).sum(),
            input_problems,
            seconds,
        }
    }

    fn line(&self) -> String {
        format!(
            "prewarm: {} projects ({} failed), {} modules: {} fetched ({:.1} MiB), {} cached, {} failed; {} input problems; {:.2}s",
            self.projects,
            self.failed_projects,
            self.modules,
            self.fetched,
            self.bytes as f64 / (1024.0 * 1024.0),
            self.cached,
            self.failed_modules,
            self.input_problems,
            self.seconds
        )
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "Event": "summary",
            "Projects": self.projects,
            "FailedProjects": self.failed_projects,
            "Modules": self.modules,
            "Fetched": self.fetched,
            "Cached": self.cached,
            "FailedModules": self.failed_modules,
            "Bytes": self.bytes,
            "InputProblems": self.input_problems,
            "Seconds": self.seconds,
        })
    }
}
