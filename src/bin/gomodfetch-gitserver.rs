//! `gomodfetch-gitserver`: the test git site of `gomodfetch::testkit::gitserver` as a
//! standalone server, for manual runs against a directory of bare repositories.
//!
//! Stdout gets the environment to use, as shell `export` lines (`eval` them, or copy
//! them); the server runs until SIGINT or SIGTERM and then prints how many requests
//! it answered on stderr.

use clap::Parser;
use gomodfetch::testkit::gitserver::{GIT_HOST, GitServer, missing_prerequisite};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// A local git hosting site for git.gomodfetch.test (and *.gomodfetch.test).
///
/// Serves the bare repositories under --root (a repository NAME lives in
/// ROOT/NAME.git and is reached as https://git.gomodfetch.test/NAME) over smart HTTP
/// with the real `git http-backend`, answers ?go-get=1 with go-import meta tags, and
/// runs a forward proxy that only lets the test domain through. Prints the
/// environment (HTTPS_PROXY, SSL_CERT_FILE, GIT_SSL_CAINFO, GOPROXY=direct, ...) as
/// shell export lines; runs until interrupted.
#[derive(Debug, Parser)]
#[command(name = "gomodfetch-gitserver", version, max_term_width = 100)]
struct Args {
    /// Directory of bare repositories (NAME.git, possibly nested: owner/NAME.git).
    /// Default: a new empty temporary directory, printed on stderr.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,

    /// Print every request on stderr when the server stops.
    #[arg(long)]
    log: bool,
}

/// `'…'` with embedded quotes escaped, for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(why) = missing_prerequisite() {
        return Err(why.into());
    }
    let server = match args.root {
        Some(root) => GitServer::start_at(root)?,
        None => GitServer::start()?,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (mut int, mut term) = rt.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        Ok::<_, std::io::Error>((
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        ))
    })?;
    let mut out = std::io::stdout().lock();
    for (k, v) in server.env() {
        writeln!(out, "export {k}={}", shell_quote(&v.to_string_lossy()))?;
    }
    out.flush()?;
    drop(out);
    eprintln!(
        "gomodfetch-gitserver: serving {} as https://{GIT_HOST}/… (TLS {}, HTTP {}, proxy {})",
        server.root().display(),
        server.https_addr(),
        server.http_addr(),
        server.proxy_url()
    );
    rt.block_on(async {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    });
    let log = server.log();
    if args.log {
        for r in &log {
            let q = if r.query.is_empty() {
                String::new()
            } else {
                format!("?{}", r.query)
            };
            eprintln!(
                "{} {} {}://{}{}{q}",
                r.status, r.method, r.scheme, r.host, r.path
            );
        }
    }
    let refused = server.proxy_log().iter().filter(|r| !r.allowed).count();
    eprintln!(
        "gomodfetch-gitserver: {} requests answered, {refused} refused by the proxy",
        log.len()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gomodfetch-gitserver: {e}");
            ExitCode::FAILURE
        }
    }
}
