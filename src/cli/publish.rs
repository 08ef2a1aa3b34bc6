//! `gomodfetch publish`: flags, the destination, the run, the report. The work is
//! in [`crate::publish`].
//!
//! Output: one line per problem on stderr (`gomodfetch publish: <module@version>:
//! <object>: <why>`), then a summary line; with `--json`, the report as one JSON
//! object on stdout instead of the summary. Exit status: 0 when nothing failed, 1
//! when any object was refused or failed (skipped incomplete downloads do not
//! count), 2 for usage errors.

use crate::config::{Config, Env};
use crate::publish::s3::{self, S3Target};
use crate::publish::{Destination, Options, Report, Selector};
use crate::store::{Store, StoreOptions};
use clap::Parser;
use std::ffi::OsString;
use std::path::PathBuf;

const PREFIX: &str = "gomodfetch publish";

/// Write what is in the module cache as a static GOPROXY tree.
#[derive(Debug, Parser)]
#[command(name = "gomodfetch publish", max_term_width = 100)]
struct Args {
    /// Where to publish: a directory, or s3://<bucket>[/<prefix>].
    #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX")]
    to: String,
    /// The S3 endpoint (MinIO, moto, R2, …); overrides AWS_ENDPOINT. Plain http is
    /// accepted on loopback hosts, or anywhere with AWS_ALLOW_HTTP=true.
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// Also publish the checksum-database lookups and tiles the cache holds, so
    /// clients verify through the tree (GOSUMDB=<name>+<key>).
    #[arg(long)]
    sumdb: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Module versions (or sumdb files) handled at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    jobs: usize,
    /// What to publish: path, path@version, or patterns with `...`; nothing: the
    /// whole cache.
    #[arg(value_name = "MODULE")]
    modules: Vec<String>,
}

/// Runs `gomodfetch publish <args>`; returns the exit status.
pub fn main(env: &Env, args: &[OsString]) -> i32 {
    let argv = std::iter::once(OsString::from(PREFIX)).chain(args.iter().cloned());
    let args = match Args::try_parse_from(argv) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let selector = match Selector::parse(&args.modules) {
        Ok(s) => s,
        Err(e) => return usage(&e.to_string()),
    };
    let config = match Config::resolve(env) {
        Ok(c) => c,
        Err(e) => return fatal(&e.to_string()),
    };
    let gomodcache = match config.gomodcache() {
        Ok(p) => p.to_path_buf(),
        Err(e) => return fatal(&e.to_string()),
    };
    let store = match Store::open(&gomodcache, StoreOptions::default()) {
        Ok(s) => s,
        Err(e) => return fatal(&e.to_string()),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fatal(&format!("starting the async runtime: {e}")),
    };
    let dest = match destination(env, &args) {
        Ok(d) => d,
        Err(e) => return fatal(&e),
    };
    let options = Options {
        selector,
        sumdb: args.sumdb,
        jobs: args.jobs.max(1),
    };
    let report = runtime.block_on(crate::publish::run(&store, &dest, &options));
    runtime.shutdown_background();
    print_report(&report, args.json);
    if report.success() { 0 } else { 1 }
}

fn destination(env: &Env, args: &Args) -> Result<Destination, String> {
    match S3Target::parse(&args.to) {
        Some(target) => {
            let target = target.map_err(|e| e.to_string())?;
            let store =
                s3::open(env, &target, args.endpoint.as_deref()).map_err(|e| e.to_string())?;
            Ok(Destination::s3(store, &target.bucket, &target.prefix))
        }
        None => {
            if args.endpoint.is_some() {
                return Err("--endpoint applies to s3:// destinations only".into());
            }
            if args.to.contains("://") {
                return Err(format!("{}: not a directory or an s3:// URL", args.to));
            }
            let dir = env.absolute(&PathBuf::from(&args.to));
            Destination::dir(&dir).map_err(|e| e.to_string())
        }
    }
}

fn print_report(r: &Report, json: bool) {
    for p in &r.problems {
        eprintln!("{PREFIX}: {p}");
    }
    if json {
        match serde_json::to_string_pretty(r) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("{PREFIX}: encoding the report: {e}"),
        }
        return;
    }
    let mut line = format!(
        "{PREFIX}: {} modules ({} versions) to {}: {} objects written ({} bytes), {} already there, {} refused or failed",
        r.modules, r.versions, r.to, r.written, r.bytes, r.already, r.refused
    );
    if r.skipped > 0 {
        line.push_str(&format!(", {} skipped", r.skipped));
    }
    line.push_str(&format!(", {} lists updated", r.lists_updated));
    if r.sumdb_files > 0 {
        line.push_str(&format!(", {} sumdb files", r.sumdb_files));
    }
    eprintln!("{line}");
}

fn usage(msg: &str) -> i32 {
    eprintln!("{PREFIX}: {msg}");
    2
}

fn fatal(msg: &str) -> i32 {
    eprintln!("{PREFIX}: {msg}");
    1
}
