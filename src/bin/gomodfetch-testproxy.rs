//! `gomodfetch-testproxy`: the test proxy of `gomodfetch::testkit::proxy` as a
//! standalone server, for benchmarks and manual runs.
//!
//! The first line on stdout is the exact value to put in `GOPROXY`
//! (`https://127.0.0.1:PORT/mod`, or `http://…` with `--no-tls`); further information
//! (the CA file, the sources, the checksum database's `GOSUMDB` key with `--sumdb`)
//! goes to stderr. The server runs until SIGINT or SIGTERM; SIGUSR1 switches a
//! `--sumdb-tamper` mode started with `--sumdb-tamper-on-signal` on and off.

use clap::{ArgAction, Parser, ValueEnum};
use gomodfetch::testkit::goprojects::GoCorpus;
use gomodfetch::testkit::proxy::{
    FaultRule, OverLimit, ProxyConfig, TestProxy, parse_bytes, parse_duration,
};
use gomodfetch::testkit::sumdb::{Tamper, TestSumdb, Trigger};
use gomodfetch::testkit::universe::{LatestMode, Universe};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Latest {
    /// The highest release, else prerelease, else pseudo-version (as real proxies).
    Highest,
    /// Exactly what Go's cmd/go test proxy answers (it keeps the lowest version).
    GoTestProxy,
}

/// A local GOPROXY server with network emulation and fault injection.
///
/// Serves Go module versions from txtar archives in the format of Go's test proxy
/// (cmd/go/testdata/mod) and from GOPROXY-layout directories (such as a
/// $GOMODCACHE/cache/download), under <base>/mod/ like Go's test proxy.
///
/// The first line printed on stdout is the value to put in GOPROXY:
/// "https://127.0.0.1:PORT/mod" (or "http://..." with --no-tls). With TLS, point
/// SSL_CERT_FILE at the CA certificate (its path is printed on stderr, or use
/// --ca-out). Runs until interrupted (SIGINT or SIGTERM).
#[derive(Debug, Parser)]
#[command(name = "gomodfetch-testproxy", version, max_term_width = 100)]
struct Args {
    /// Directory of txtar module archives in Go's test-proxy format (repeatable).
    /// Files are served in file-name order, which is the @v/list order.
    #[arg(long, value_name = "DIR")]
    txtar: Vec<PathBuf>,

    /// GOPROXY-layout directory served as it is (repeatable); asked after the txtar
    /// modules, in the order given.
    #[arg(long, value_name = "DIR")]
    tree: Vec<PathBuf>,

    /// Also serve the Go corpus of testkit::goprojects (library modules under
    /// lib.test/) and write its projects, main modules that import them, under DIR
    /// (DIR/proj1, …): a project to try a download and an offline build on by hand.
    #[arg(long, value_name = "DIR")]
    goprojects: Option<PathBuf>,

    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,

    /// Serve HTTPS with a CA generated for this run (the default).
    #[arg(long, overrides_with = "no_tls")]
    tls: bool,

    /// Serve plain HTTP/1.1 (and h2c with prior knowledge) instead of HTTPS.
    #[arg(long, overrides_with = "tls")]
    no_tls: bool,

    /// Do not offer HTTP/2 over TLS (ALPN http/1.1 only).
    #[arg(long)]
    no_http2: bool,

    /// Also write the CA certificate (PEM) to this file.
    #[arg(long, value_name = "FILE")]
    ca_out: Option<PathBuf>,

    /// Emulated round-trip time, e.g. 30ms. Each response waits one RTT; a new
    /// connection first waits one RTT for TCP and, with TLS, one more for TLS 1.3.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "0")]
    rtt: Duration,

    /// Bandwidth cap per connection in bytes per second (e.g. 1MB, 512KiB; wire
    /// bytes, TLS and HTTP/2 framing included).
    #[arg(long, value_name = "RATE", value_parser = parse_bytes)]
    conn_bandwidth: Option<u64>,

    /// Bandwidth cap shared by all connections, in bytes per second.
    #[arg(long, value_name = "RATE", value_parser = parse_bytes)]
    total_bandwidth: Option<u64>,

    /// Most connections open at once. Excess connections wait in the listen
    /// backlog until one closes (or are reset, with --refuse-over-limit).
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,

    /// Reset connections beyond --max-connections instead of queueing them.
    #[arg(long, requires = "max_connections")]
    refuse_over_limit: bool,

    /// A fault rule (repeatable; tried in order, the first that fires decides):
    /// comma-separated key=value with path=GLOB (default *, matched against the
    /// decoded path such as /mod/rsc.io/quote/@v/v1.5.2.zip; * crosses /),
    /// kind=KIND, times=N, skip=N, prob=P, seed=N, at=BYTES, for=DURATION|forever,
    /// rate=BYTES, retry-after=SECS, offset=BYTES, code=N. KIND is a status (500,
    /// 502, 503, 429, 403, 404, 410, or status with code=N), reset, reset-mid-body,
    /// stall, truncate, h2-reset, flip-byte, other-zip, wrong-mod or drip.
    /// Example: --fault 'path=*.zip,kind=reset-mid-body,prob=0.1,seed=1'
    #[arg(long, value_name = "RULE", action = ArgAction::Append)]
    fault: Vec<FaultRule>,

    /// How @latest is answered for txtar modules.
    #[arg(long, value_enum, default_value = "highest")]
    latest: Latest,

    /// Answer "not found" with 410 Gone instead of 404.
    #[arg(long)]
    gone: bool,

    /// Write every request as a JSON line to this file.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,

    /// Worker threads of the server's runtime.
    #[arg(long, value_name = "N", default_value_t = 2)]
    workers: usize,

    /// Serve the test checksum database localhost.localdev/sumdb (Go's test key) over
    /// the modules: GOSUMDB=<key> reaches it through this proxy, GOSUMDB="<key>
    /// <GOPROXY>/sumdb-direct" at its own URL, and <GOPROXY>/sumdb-wrong answers
    /// h1:wrong. The key is printed on stderr.
    #[arg(long)]
    sumdb: bool,

    /// Make the checksum database misbehave (implies --sumdb):
    /// wrong-hash=<path@version>[:zip|:go.mod|:both], fork[=<path@version>],
    /// bad-signature[=corrupt|other-key], corrupt-tile, stale-head=<N> or
    /// rollback=<N> (N: a tree size).
    #[arg(long, value_name = "MODE", value_parser = parse_tamper)]
    sumdb_tamper: Option<Tamper>,

    /// Start the misbehaviour after N honest responses carrying a signed tree head
    /// (default: from the first request).
    #[arg(long, value_name = "N", requires = "sumdb_tamper")]
    sumdb_tamper_after: Option<u64>,

    /// Start the misbehaviour only on SIGUSR1 (each SIGUSR1 switches it on or off).
    #[arg(long, requires = "sumdb_tamper", conflicts_with = "sumdb_tamper_after")]
    sumdb_tamper_on_signal: bool,
}

fn parse_tamper(s: &str) -> Result<Tamper, String> {
    s.parse()
        .map_err(|e: gomodfetch::testkit::sumdb::TamperSyntaxError| e.to_string())
}

fn run(args: Args) -> std::io::Result<()> {
    let universe = Universe::new();
    for dir in &args.txtar {
        let load = universe.add_txtar_dir(dir)?;
        eprintln!(
            "gomodfetch-testproxy: {}: {} module versions ({} files skipped)",
            dir.display(),
            load.loaded.len(),
            load.skipped.len()
        );
    }
    for dir in &args.tree {
        universe.add_tree(dir.clone());
    }
    if let Some(dir) = &args.goprojects {
        let corpus = GoCorpus::generate();
        corpus.publish(&universe)?;
        for p in corpus.projects() {
            p.write(&dir.join(p.name()))?;
        }
        eprintln!(
            "gomodfetch-testproxy: {} Go corpus modules; projects in {}",
            corpus.libs().len(),
            dir.display()
        );
    }
    universe.set_latest_mode(match args.latest {
        Latest::Highest => LatestMode::Highest,
        Latest::GoTestProxy => LatestMode::GoTestProxy,
    });

    let mut config = ProxyConfig::new(universe)
        .listen(args.listen)
        .tls(!args.no_tls)
        .http2(!args.no_http2)
        .rtt(args.rtt);
    config.net.per_conn_bandwidth = args.conn_bandwidth;
    config.net.total_bandwidth = args.total_bandwidth;
    config.net.max_connections = args.max_connections;
    config.net.over_limit = if args.refuse_over_limit {
        OverLimit::Refuse
    } else {
        OverLimit::Queue
    };
    config.faults = args.fault;
    config.not_found_status = if args.gone { 410 } else { 404 };
    config.log_file = args.log;
    config.ca_out = args.ca_out;
    config.worker_threads = args.workers;
    let sumdb = if args.sumdb || args.sumdb_tamper.is_some() {
        let trigger = match (args.sumdb_tamper_after, args.sumdb_tamper_on_signal) {
            (_, true) => Trigger::Manual,
            (Some(n), false) => Trigger::AfterHeads(n),
            (None, false) => Trigger::Start,
        };
        let mut b = TestSumdb::builder(&config.universe).trigger(trigger);
        if let Some(t) = args.sumdb_tamper.clone() {
            b = b.tamper(t);
        }
        let db = b.build().map_err(std::io::Error::other)?;
        config = config.sumdb(db.clone());
        Some(db)
    } else {
        None
    };

    let proxy = TestProxy::start(config)?;
    // Catch the signals before announcing the URL, so a caller that stops us at once
    // still gets a clean exit (and the private CA file removed).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (mut int, mut term, mut usr1) = rt.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        Ok::<_, std::io::Error>((
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
            signal(SignalKind::user_defined1())?,
        ))
    })?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", proxy.goproxy_url())?;
    out.flush()?;
    drop(out);
    if let Some(ca) = proxy.ca_cert_path() {
        eprintln!("gomodfetch-testproxy: SSL_CERT_FILE={}", ca.display());
    }
    if let Some(db) = &sumdb {
        eprintln!(
            "gomodfetch-testproxy: GOSUMDB={} ({} records{})",
            db.verifier_key(),
            db.records().len(),
            db.tamper()
                .map_or(String::new(), |t| format!(", tamper {t}"))
        );
    }
    rt.block_on(async {
        loop {
            tokio::select! {
                _ = int.recv() => break,
                _ = term.recv() => break,
                _ = usr1.recv() => {
                    if let Some(db) = sumdb.as_ref().filter(|db| db.tamper().is_some()) {
                        db.set_tampering(!db.is_tampering());
                        eprintln!(
                            "gomodfetch-testproxy: checksum database tampering {}",
                            if db.is_tampering() { "on" } else { "off" }
                        );
                    }
                }
            }
        }
    });
    let c = proxy.counters();
    eprintln!(
        "gomodfetch-testproxy: {} requests on {} connections, {} faults",
        c.requests, c.connections, c.faults
    );
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gomodfetch-testproxy: {e}");
            ExitCode::FAILURE
        }
    }
}
