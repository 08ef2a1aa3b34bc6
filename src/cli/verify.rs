//! `gomodfetch verify [flags]` and Go's spelling `gomodfetch mod verify [-C dir]
//! [-modfile file] [-modcacherw]`: prove the module cache holds what the main module
//! needs (see [`crate::engine::verify`]).
//!
//! # Output
//! Without our flags, exactly `go mod verify`'s: one `<path> <version>: …` line per
//! failure on stderr (no `go: ` prefix, as go logs them), else `all modules verified` on stdout; exit status 1 on a
//! failure, 2 for a usage error. With `--complete`/`--all`/`--repair`, each finding is
//! a further stderr line `gomodfetch verify: <path> <version>: <what>`, and a summary
//! line ends stderr. With `--json` (or `-json`), stdout carries one JSON object per
//! module instead of the verdict line:
//!
//! ```text
//! {"Path":"…","Version":"…","State":"verified|absent|unsummed|incomplete|partial|mismatch|error",
//!  "BuildList":true,"Needed":true,"Ziphash":"h1:…","Zip":"h1:…","Dir":"h1:…",
//!  "GoSum":["h1:…"],"Errors":["…"],"Repaired":true}
//! ```
//!
//! `Ziphash`, `Zip`, `Dir` (the hashes read and computed) appear when known;
//! `GoSum`, `Errors` when not empty; `Repaired` when `--repair` removed something
//! of the module before fetching it again.

use super::console::Console;
use super::progress::CliReporter;
use crate::config::{Config, DownloadArgs, Env, startup};
use crate::engine::{self, ModuleCheck, Options, Reporter, State, VerifyJob, VerifyOutcome};
use crate::http::{RetryPolicy, Trace};
use clap::Parser;
use serde_json::{Map, Value, json};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Prove the module cache holds exactly what the main module needs.
#[derive(Debug, Parser, Default)]
#[command(name = "gomodfetch verify", version, about)]
struct Cli {
    /// Also fail when a module the no-argument `download` needs is missing or
    /// incomplete in the cache, or go.sum lacks its hash.
    #[arg(long)]
    complete: bool,
    /// Check `download all`'s set instead of the no-argument one (implies
    /// --complete).
    #[arg(long)]
    all: bool,
    /// Remove what is damaged, fetch what is missing, then verify again.
    #[arg(long)]
    repair: bool,
    /// One JSON object per module on stdout (also `-json`).
    #[arg(long)]
    json: bool,
    /// Run in this directory.
    #[arg(short = 'C', value_name = "DIR")]
    chdir: Option<PathBuf>,
    /// Read this go.mod instead of the module root's (as go's -modfile).
    #[arg(long, value_name = "FILE")]
    modfile: Option<String>,
    /// Leave directories --repair extracts writable (as go's -modcacherw).
    #[arg(long)]
    modcacherw: bool,
    /// Network operations in flight while loading or repairing (default 32).
    #[arg(long, value_name = "N")]
    jobs: Option<String>,
    /// Print the HTTP requests made (as go's -x).
    #[arg(short = 'x')]
    x: bool,
    /// `go mod verify` takes none; given, they are Go's error.
    #[arg(hide = true)]
    rest: Vec<OsString>,
}

impl Cli {
    /// Whether any of our own flags asks for more than `go mod verify`.
    fn extended(&self) -> bool {
        self.complete || self.all || self.repair || self.json
    }
}

/// `gomodfetch verify …`; returns the exit status.
pub fn main(env: &Env, args: &[OsString]) -> i32 {
    let argv = std::iter::once(OsString::from("gomodfetch verify")).chain(gnu_flags(args));
    match Cli::try_parse_from(argv) {
        Ok(cli) => run_cli(env, &cli),
        Err(e) => {
            let _ = e.print();
            if e.use_stderr() { 2 } else { 0 }
        }
    }
}

/// `gomodfetch mod verify …` with Go's flags; returns the exit status.
pub fn main_go(env: &Env, args: &[OsString]) -> i32 {
    match parse_go_flags(args) {
        Ok(cli) => run_cli(env, &cli),
        Err(text) => {
            eprint!("{text}usage: go mod verify\nRun 'go help mod verify' for details.\n");
            2
        }
    }
}

/// Go's one-dash long flags (`-json`, `-modfile=f`) in clap's spelling.
fn gnu_flags(args: &[OsString]) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len());
    let mut flags = true;
    for a in args {
        let b = a.as_encoded_bytes();
        if b == b"--" {
            flags = false;
        }
        let long_one_dash = b.len() > 2 && b[0] == b'-' && b[1] != b'-' && b[1] != b'C';
        if flags && long_one_dash {
            let mut s = OsString::from("-");
            s.push(a);
            out.push(s);
        } else {
            out.push(a.clone());
        }
    }
    out
}

/// The flags `go mod verify` defines (`-C` first, `-modfile`, `-modcacherw`), with
/// Go's `flag` syntax and error texts.
fn parse_go_flags(args: &[OsString]) -> Result<Cli, String> {
    let mut cli = Cli::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].to_string_lossy().into_owned();
        i += 1;
        if a == "--" || !a.starts_with('-') || a == "-" {
            if a != "--" {
                i -= 1;
            }
            break;
        }
        let body = a.strip_prefix("--").unwrap_or(&a[1..]);
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        match name {
            "modcacherw" => {
                cli.modcacherw = match value.as_deref() {
                    None | Some("1" | "t" | "T" | "TRUE" | "true" | "True") => true,
                    Some("0" | "f" | "F" | "FALSE" | "false" | "False") => false,
                    Some(v) => {
                        return Err(format!(
                            "invalid boolean value \"{v}\" for -modcacherw: parse error\n"
                        ));
                    }
                };
            }
            "C" | "modfile" => {
                let value = match value {
                    Some(v) => v,
                    None if i < args.len() => {
                        i += 1;
                        args[i - 1].to_string_lossy().into_owned()
                    }
                    None => return Err(format!("flag needs an argument: -{name}\n")),
                };
                if name == "modfile" {
                    cli.modfile = Some(value);
                } else if i > 2 {
                    return Err(format!(
                        "invalid value \"{value}\" for flag -C: -C flag must be first flag on command line\n"
                    ));
                } else {
                    cli.chdir = Some(PathBuf::from(value));
                }
            }
            "h" | "help" => return Err(String::new()),
            other => return Err(format!("flag provided but not defined: -{other}\n")),
        }
    }
    cli.rest = args[i..].to_vec();
    Ok(cli)
}

fn run_cli(env: &Env, cli: &Cli) -> i32 {
    let work_dir = match &cli.chdir {
        Some(dir) => match startup::change_dir(env, dir) {
            Ok(d) => d,
            Err(e) => {
                eprint!("{}", e.stderr_text());
                return e.exit_code();
            }
        },
        None => env.cwd().to_path_buf(),
    };
    let config = match Config::resolve(env) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    if let Err(e) = config.check_modules_enabled() {
        eprintln!("{e}");
        return 1;
    }
    let dargs = match download_args(cli, &config) {
        Ok(a) => a,
        Err(text) => {
            eprint!("gomodfetch verify: {text}");
            return 2;
        }
    };
    if !cli.rest.is_empty() {
        eprintln!("go: verify takes no arguments");
        return 1;
    }
    super::on_runtime(dargs.jobs, run(cli, &config, &dargs, &work_dir))
}

/// The engine's flags through `download`'s parser, so GOFLAGS applies as there.
fn download_args(cli: &Cli, config: &Config) -> Result<DownloadArgs, String> {
    let mut argv: Vec<OsString> = Vec::new();
    if let Some(f) = &cli.modfile {
        argv.push(format!("-modfile={f}").into());
    }
    if let Some(j) = &cli.jobs {
        argv.push(format!("--jobs={j}").into());
    }
    super::engine_args(config, argv, cli.modcacherw, cli.x)
}

async fn run(cli: &Cli, config: &Config, args: &DownloadArgs, work_dir: &Path) -> i32 {
    let started = Instant::now();
    let console = Arc::new(Console::new());
    for w in config.warnings() {
        console.line(w);
    }
    let reporter = Arc::new(CliReporter::new(Arc::clone(&console), false, false));
    let options = Options {
        retry: RetryPolicy::default(),
        trace: args.x.then(|| Arc::clone(&console) as Arc<dyn Trace>),
        reporter: reporter as Arc<dyn Reporter>,
    };
    let job = VerifyJob {
        complete: cli.complete,
        all: cli.all,
        repair: cli.repair,
    };
    let outcome = match Box::pin(engine::verify(config, args, work_dir, job, options)).await {
        Ok(o) => o,
        Err(fatal) => {
            console.write_raw(fatal.stderr_text());
            return fatal.exit_code();
        }
    };
    // `go mod verify` logs its errors without go's `go: ` prefix.
    for m in &outcome.modules {
        for e in &m.go_errors {
            console.line(e);
        }
    }
    for m in &outcome.modules {
        for p in &m.problems {
            console.line(&format!("gomodfetch verify: {} {}: {p}", m.path, m.version));
        }
    }
    for e in &outcome.errors {
        console.go_error(e);
    }
    let mut out = std::io::stdout().lock();
    // A closed stdout (a reader that left) is not worth a second error.
    if cli.json {
        for m in &outcome.modules {
            let _ = writeln!(out, "{}", record(m));
        }
    } else if outcome.ok() {
        let _ = writeln!(out, "all modules verified");
    }
    let _ = out.flush();
    if cli.extended() {
        console.line(&summary(&outcome, started.elapsed().as_secs_f64()));
    }
    i32::from(!outcome.ok())
}

/// A module's `--json` record.
fn record(m: &ModuleCheck) -> Value {
    let mut r = Map::new();
    r.insert("Path".into(), json!(m.path));
    r.insert("Version".into(), json!(m.version));
    r.insert("State".into(), json!(m.state.as_str()));
    r.insert("BuildList".into(), json!(m.build_list));
    r.insert("Needed".into(), json!(m.needed));
    for (k, v) in [("Ziphash", &m.ziphash), ("Zip", &m.zip), ("Dir", &m.dir)] {
        if let Some(v) = v {
            r.insert(k.into(), json!(v));
        }
    }
    if !m.go_sum.is_empty() {
        r.insert("GoSum".into(), json!(m.go_sum));
    }
    let errors: Vec<&String> = m.go_errors.iter().chain(&m.problems).collect();
    if !errors.is_empty() {
        r.insert("Errors".into(), json!(errors));
    }
    if m.repaired {
        r.insert("Repaired".into(), json!(true));
    }
    Value::Object(r)
}

/// The stderr summary of an extended run.
fn summary(o: &VerifyOutcome, seconds: f64) -> String {
    let count = |s: State| o.modules.iter().filter(|m| m.state == s).count();
    let failed = o.modules.iter().filter(|m| m.failed()).count();
    let repaired = o.modules.iter().filter(|m| m.repaired).count();
    let mb = o.bytes() as f64 / 1e6;
    format!(
        "verify: {} modules: {} verified, {} absent, {} failed, {} repaired; {} other errors; {mb:.1} MB hashed in {seconds:.2}s",
        o.modules.len(),
        count(State::Verified),
        count(State::Absent),
        failed,
        repaired,
        o.errors.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn go_flags_as_go_parses_them() {
        let cli = parse_go_flags(&os(&["-C", "d", "--modfile=x.mod", "-modcacherw"])).unwrap();
        assert_eq!(cli.chdir, Some(PathBuf::from("d")));
        assert_eq!(cli.modfile.as_deref(), Some("x.mod"));
        assert!(cli.modcacherw && cli.rest.is_empty() && !cli.extended());
        let cli = parse_go_flags(&os(&["-modcacherw=false", "--", "-x"])).unwrap();
        assert!(!cli.modcacherw);
        assert_eq!(cli.rest, os(&["-x"]));
        assert_eq!(
            parse_go_flags(&os(&["a", "-json"])).unwrap().rest,
            os(&["a", "-json"])
        );
        for (args, want) in [
            (&["-json"][..], "flag provided but not defined: -json\n"),
            (&["-modfile"], "flag needs an argument: -modfile\n"),
            (
                &["-modcacherw", "-C", "d"],
                "invalid value \"d\" for flag -C: -C flag must be first flag on command line\n",
            ),
            (
                &["-modcacherw=maybe"],
                "invalid boolean value \"maybe\" for -modcacherw: parse error\n",
            ),
        ] {
            assert_eq!(
                parse_go_flags(&os(args)).err().as_deref(),
                Some(want),
                "{args:?}"
            );
        }
    }

    #[test]
    fn verify_accepts_go_spelled_flags() {
        assert_eq!(
            gnu_flags(&os(&[
                "-json",
                "-modfile=a.mod",
                "-C",
                "d",
                "-x",
                "--all",
                "--",
                "-json"
            ])),
            os(&[
                "--json",
                "--modfile=a.mod",
                "-C",
                "d",
                "-x",
                "--all",
                "--",
                "-json"
            ])
        );
        let argv =
            std::iter::once(OsString::from("v")).chain(gnu_flags(&os(&["-json", "--complete"])));
        let cli = Cli::try_parse_from(argv).unwrap();
        assert!(cli.json && cli.complete && cli.extended());
    }
}
