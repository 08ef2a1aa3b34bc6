//! The command line: one `gomodfetch download` (or `gomodfetch mod download`) run from
//! parsed start-up values to printed output and an exit status, exactly as `go mod
//! download` prints them.
//!
//! * stdout carries data only: the `-json` records, in argument order after every
//!   module finished (Go's order), or as each module finishes with `--stream-json`
//!   (an extension; the order then differs from Go's).
//! * stderr carries Go's messages: `go: <error>` per failed module without `-json`,
//!   fatal errors, the lines Go prints during a run, the `-x` trace, `-v` logs, and a
//!   progress bar — only on a terminal, and never with `-json`, `-x` or
//!   `--no-progress`.
//! * Exit status: 0, 1 when any module or a late step failed, 2 for usage errors
//!   (those are reported before this layer runs, by [`crate::config::load`]).

mod console;
pub mod extension;
mod prewarm;
mod progress;
mod publish;
mod verify;

use crate::config::Startup;
use crate::engine::{self, NothingToDo, Options, Record, Reporter};
use crate::http::{RetryPolicy, Trace};
use console::Console;
use std::io::Write;
use std::sync::Arc;

/// Runs an extension command's future on its own multi-threaded runtime, sized for
/// `jobs` network operations; its exit status (1 when the runtime cannot start).
fn on_runtime(
    jobs: Option<std::num::NonZeroUsize>,
    fut: impl std::future::Future<Output = i32>,
) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(engine::blocking_threads(jobs))
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("gomodfetch: starting the async runtime: {e}");
            return 1;
        }
    };
    let code = runtime.block_on(fut);
    // Blocking tasks left behind by a fatal error must not delay the exit.
    runtime.shutdown_background();
    code
}

/// An extension command's engine flags (`argv`, plus go's `-modcacherw` and `-x`)
/// through `download`'s parser, so GOFLAGS applies as there and values are checked
/// the same way; `Err`: the text to print.
fn engine_args(
    config: &crate::config::Config,
    mut argv: Vec<std::ffi::OsString>,
    modcacherw: bool,
    x: bool,
) -> Result<crate::config::DownloadArgs, String> {
    if modcacherw {
        argv.push("-modcacherw".into());
    }
    if x {
        argv.push("-x".into());
    }
    let goflags = config.goflags().map_err(|e| format!("{e}\n"))?;
    crate::config::DownloadArgs::parse(&argv, &goflags).map_err(|e| e.stderr_text())
}

/// Runs the command; returns the exit status.
pub async fn run(startup: Startup) -> i32 {
    let Startup {
        config,
        args,
        work_dir,
        shape,
    } = startup;
    if args.verbose {
        init_logging();
    }
    let console = Arc::new(Console::new());
    for w in config.warnings() {
        console.line(w);
    }
    let show_progress = !args.json && !args.x && !args.no_progress && console.is_terminal();
    let reporter: Arc<dyn Reporter> = Arc::new(progress::CliReporter::new(
        Arc::clone(&console),
        show_progress,
        args.json && args.stream_json,
    ));
    let trace: Option<Arc<dyn Trace>> = args.x.then(|| Arc::clone(&console) as Arc<dyn Trace>);
    let options = Options {
        retry: retry_policy(&args),
        trace,
        reporter: Arc::clone(&reporter),
    };
    if shape == crate::config::CommandShape::List {
        // Boxed: the command futures nest deeply enough that an unboxed chain overflows
        // rustc's query depth when it computes this future's layout on a clean build.
        return Box::pin(list(&config, &args, &work_dir, options, &console)).await;
    }
    let outcome = Box::pin(engine::run(&config, &args, &work_dir, options)).await;
    console.clear_bar();
    let outcome = match outcome {
        Ok(o) => o,
        Err(fatal) => {
            console.write_raw(fatal.stderr_text());
            return fatal.exit_code();
        }
    };
    match outcome.nothing_to_do {
        Some(NothingToDo::NoDependencies) => console.line("go: no module dependencies to download"),
        Some(NothingToDo::NoModulesSpecified) => {
            console.line("go: no modules specified (see 'go help mod download')")
        }
        None => {}
    }
    if args.json {
        if !args.stream_json {
            print_records(&outcome.records);
        }
    } else {
        for rec in outcome.records.iter().filter(|r| r.failed()) {
            console.go_error(&rec.error);
        }
    }
    for e in &outcome.late_errors {
        console.go_error(e);
    }
    outcome.exit_code()
}

/// The HTTP retry policy `--retries N` asks for (the default without it).
fn retry_policy(args: &crate::config::DownloadArgs) -> RetryPolicy {
    match args.retries {
        Some(n) => RetryPolicy {
            max_attempts: n + 1,
            ..RetryPolicy::default()
        },
        None => RetryPolicy::default(),
    }
}

/// Writes the records to stdout, each as Go's `json.MarshalIndent` plus a newline.
pub fn print_records(records: &[Record]) {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for r in records {
        // A closed stdout (a pipe whose reader left) is not worth a second error.
        if out.write_all(r.to_json().as_bytes()).is_err() {
            return;
        }
    }
    let _ = out.flush();
}

/// `-v`: the library's tracing events on stderr.
fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::DEBUG)
        .with_target(false)
        .try_init();
}

/// `gomodfetch list -m`: Go's output for module records.
async fn list(
    config: &crate::config::Config,
    args: &crate::config::DownloadArgs,
    work_dir: &std::path::Path,
    options: Options,
    console: &Console,
) -> i32 {
    let outcome = match Box::pin(engine::list(config, args, work_dir, options)).await {
        Ok(o) => o,
        Err(fatal) => {
            console.write_raw(fatal.stderr_text());
            return fatal.exit_code();
        }
    };
    let mut failed = false;
    if !args.list_e {
        for r in outcome.records.iter().filter(|r| !r.error.is_empty()) {
            console.go_error(&r.error);
            failed = true;
        }
        for e in &outcome.errors {
            console.go_error(e);
            failed = true;
        }
        if failed {
            return 1;
        }
    }
    // With -e, go reports every error inside the records and exits 0.
    let mut out = String::new();
    for r in &outcome.records {
        if args.json {
            out.push_str(&r.to_json());
        } else {
            out.push_str(&r.line());
            out.push('\n');
        }
    }
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return 1;
    }
    i32::from(!args.list_e && !outcome.errors.is_empty())
}
