//! Differential acceptance tests of `gomodfetch download` against the real `go mod
//! download`: the same arguments, the same test proxy serving Go's own test-proxy
//! fixtures (`conformance/proxy_modules`), separate sandboxes with identical
//! environments (GOSUMDB=off, GOTOOLCHAIN=local, GOENV=off, private caches).
//!
//! `go` is the oracle: whatever it does with a fixture — download it, or fail with
//! some `Error` — gomodfetch must do the same. For every comparison:
//!
//! * the exit codes are equal;
//! * stdout (the `-json` records) is equal byte for byte once each sandbox's paths are
//!   replaced by placeholders (`Sandbox::normalizer`);
//! * stderr is equal byte for byte after the same normalisation;
//! * the module caches are equal: every path, byte and permission bit
//!   (`testkit::tree`, nothing ignored: with GOSUMDB=off neither tool writes
//!   `cache/download/sumdb`, and `.lock`, `list`, `.partial` files all count).
//!
//! Covered here: every served fixture one by one (cold cache with `-json`, then a
//! second `-json` run on the warm cache, and a cold run without `-json`), all
//! fixtures in one command, and windows of consecutive fixtures (mixed successes and
//! failures) in one command. Flag, argv and environment variants and GOPROXY lists are
//! in `download_cli`; runs inside a main module in `download_module`.

use std::path::Path;

use gomodfetch::testkit::gocmd::{Go, Run, Sandbox};
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::tree::{Snapshot, SnapshotOptions};
use gomodfetch::testkit::universe::Universe;

use crate::support::{self, Tally};

const TEST: &str = "download_diff";

/// Our binary.
pub const GOMODFETCH: &str = env!("CARGO_BIN_EXE_gomodfetch");

/// A test proxy serving the fixtures in `dir`.
pub fn fixture_proxy(dir: &Path, tls: bool) -> TestProxy {
    let universe = Universe::from_txtar_dir(dir).expect("loading the fixtures");
    TestProxy::start(ProxyConfig::new(universe).tls(tls)).expect("starting the proxy")
}

/// A fresh sandbox using `proxy` (its CA trusted), GOSUMDB=off, and *without*
/// `-modcacherw`, so the extracted trees' read-only modes are compared too.
pub fn sandbox_for(proxy: &TestProxy) -> Sandbox {
    let mut sb = support::sandbox();
    sb.goproxy(proxy.goproxy_url()).modcacherw(false);
    if let Some(ca) = proxy.ca_cert_path() {
        sb.ssl_cert_file(ca);
    }
    sb
}

/// `go <args>` in `dir`.
pub fn run_go(go: &Go, sb: &Sandbox, dir: &Path, args: &[String]) -> Run {
    go.run(sb, dir, args).expect("running go")
}

/// `gomodfetch <args>` in `dir`.
pub fn run_ours(sb: &Sandbox, dir: &Path, args: &[String]) -> Run {
    sb.run(GOMODFETCH, dir, args).expect("running gomodfetch")
}

/// `mod download <flags> <mods>` for go; `download <flags> <mods>` for us.
pub fn argv(ours: bool, flags: &[&str], mods: &[String]) -> Vec<String> {
    let mut v: Vec<String> = if ours {
        vec!["download".into()]
    } else {
        vec!["mod".into(), "download".into()]
    };
    v.extend(flags.iter().map(|s| s.to_string()));
    v.extend(mods.iter().cloned());
    v
}

/// The same program outputs: exit code, normalised stdout and stderr.
pub fn same_output(go_sb: &Sandbox, g: &Run, our_sb: &Sandbox, o: &Run) -> Result<(), String> {
    let mut why = Vec::new();
    if g.code() != o.code() {
        why.push(format!("exit code: go {:?}, ours {:?}", g.code(), o.code()));
    }
    let (gn, on) = (go_sb.normalizer(), our_sb.normalizer());
    let gout = gn.apply_str(&g.stdout_text());
    let oout = on.apply_str(&o.stdout_text());
    if gout != oout {
        why.push(format!("stdout differs:\n{}", line_diff(&gout, &oout)));
    }
    let gerr = unzip_lines_sorted(&gn.apply_str(&g.stderr_text()));
    let oerr = unzip_lines_sorted(&on.apply_str(&o.stderr_text()));
    if gerr != oerr {
        why.push(format!("stderr differs:\n{}", line_diff(&gerr, &oerr)));
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(why.join("\n"))
    }
}

/// stderr with each run of consecutive `-> unzip …` lines sorted. Go prints such a
/// line the moment an extraction fails, from whichever download goroutine hits it, so
/// with several failing modules their order is the scheduler's (it differs between
/// two runs of go itself); the final `go: <error>` lines are in argument order and
/// stay as they are.
pub fn unzip_lines_sorted(stderr: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    for line in stderr.split_inclusive('\n') {
        if line.starts_with("-> ") {
            run.push(line);
            continue;
        }
        run.sort_unstable();
        out.append(&mut run);
        out.push(line);
    }
    run.sort_unstable();
    out.append(&mut run);
    out.concat()
}

/// The same module caches (paths, bytes, modes; nothing ignored).
pub fn same_cache(go_sb: &Sandbox, our_sb: &Sandbox) -> Result<(), String> {
    let opts = SnapshotOptions::default();
    let g = go_sb.cache_snapshot(&opts).map_err(|e| e.to_string())?;
    let o = our_sb.cache_snapshot(&opts).map_err(|e| e.to_string())?;
    same_snapshots(&g, &o, ("go", "ours"))
}

/// Two cache snapshots are equal; else a report naming the sides `names`.
pub fn same_snapshots(want: &Snapshot, got: &Snapshot, names: (&str, &str)) -> Result<(), String> {
    let d = want.diff(got);
    if d.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "caches differ:\n{}",
            d.report(names.0, names.1, 20)
        ))
    }
}

/// Output and cache both.
pub fn same_all(go_sb: &Sandbox, g: &Run, our_sb: &Sandbox, o: &Run) -> Result<(), String> {
    match (same_output(go_sb, g, our_sb, o), same_cache(go_sb, our_sb)) {
        (Ok(()), Ok(())) => Ok(()),
        (a, b) => Err([a.err(), b.err()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n")),
    }
}

/// A short line-by-line report of two texts (first differing lines, with context).
pub fn line_diff(want: &str, got: &str) -> String {
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    let first = w
        .iter()
        .zip(&g)
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    let from = first.saturating_sub(2);
    let mut out = format!("  (first difference at line {})\n", first + 1);
    for (label, lines) in [("go  ", &w), ("ours", &g)] {
        for l in lines.iter().skip(from).take(8) {
            out.push_str(&format!("  {label}| {l}\n"));
        }
        if lines.len() <= from {
            out.push_str(&format!("  {label}| <end>\n"));
        }
    }
    out
}

/// Whether go's `-json` stdout holds an `Error` record.
fn has_error(run: &Run) -> bool {
    run.download_records()
        .map(|recs| recs.iter().any(|r| r.error.is_some()))
        .unwrap_or(true)
}

/// Every served fixture alone: a cold `-json` run, a warm `-json` run, and a cold
/// run without `-json`.
#[test]
fn every_fixture_one_by_one() {
    let (Some((dir, args)), Some(go)) = (support::served_fixtures(TEST), support::go(TEST)) else {
        return;
    };
    let proxy = fixture_proxy(&dir, false);
    let mut cold = Tally::new("download_diff/one by one -json (cold)");
    let mut warm = Tally::new("download_diff/one by one -json (warm, second run)");
    let mut plain = Tally::new("download_diff/one by one without -json");
    let (mut ok, mut failed) = (0, Vec::new());
    for arg in &args {
        let mods = std::slice::from_ref(arg);
        let (gsb, osb) = (sandbox_for(&proxy), sandbox_for(&proxy));
        let g = run_go(&go, &gsb, &gsb.work_dir(), &argv(false, &["-json"], mods));
        let o = run_ours(&osb, &osb.work_dir(), &argv(true, &["-json"], mods));
        if has_error(&g) {
            failed.push(arg.clone());
        } else {
            ok += 1;
        }
        cold.check(arg, || same_all(&gsb, &g, &osb, &o));
        let g = run_go(&go, &gsb, &gsb.work_dir(), &argv(false, &["-json"], mods));
        let o = run_ours(&osb, &osb.work_dir(), &argv(true, &["-json"], mods));
        warm.check(arg, || same_all(&gsb, &g, &osb, &o));

        let (gsb, osb) = (sandbox_for(&proxy), sandbox_for(&proxy));
        let g = run_go(&go, &gsb, &gsb.work_dir(), &argv(false, &[], mods));
        let o = run_ours(&osb, &osb.work_dir(), &argv(true, &[], mods));
        plain.check(arg, || same_all(&gsb, &g, &osb, &o));
    }
    support::note(
        "download_diff/fixtures",
        &format!(
            "go downloaded {ok} of {} served fixtures alone; {} failed: {}",
            args.len(),
            failed.len(),
            failed.join(", ")
        ),
    );
    assert!(
        ok > 100,
        "too few fixtures downloaded: the comparison would be vacuous"
    );
    cold.finish();
    warm.finish();
    plain.finish();
}

/// All fixtures in one command, with and without `-json`, then again on the warm cache.
#[test]
fn all_fixtures_in_one_command() {
    let (Some((dir, args)), Some(go)) = (support::served_fixtures(TEST), support::go(TEST)) else {
        return;
    };
    let proxy = fixture_proxy(&dir, false);
    let mut t = Tally::new("download_diff/all fixtures in one command");
    for flags in [&["-json"][..], &[]] {
        let (gsb, osb) = (sandbox_for(&proxy), sandbox_for(&proxy));
        for round in ["cold", "warm"] {
            let g = run_go(&go, &gsb, &gsb.work_dir(), &argv(false, flags, &args));
            let o = run_ours(&osb, &osb.work_dir(), &argv(true, flags, &args));
            t.check(format!("{flags:?} {round}"), || {
                same_all(&gsb, &g, &osb, &o)
            });
        }
    }
    t.finish();
}

/// Windows of consecutive fixtures (so each mixes successes and failures, and
/// several versions of one module), plus duplicated and overlapping arguments.
#[test]
fn fixture_batches() {
    let (Some((dir, args)), Some(go)) = (support::served_fixtures(TEST), support::go(TEST)) else {
        return;
    };
    let proxy = fixture_proxy(&dir, false);
    let mut batches: Vec<Vec<String>> = args.chunks(12).map(<[String]>::to_vec).collect();
    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    batches.push(s(&[
        // The same argument twice, and two queries resolving to one version.
        "rsc.io/quote@v1.5.2",
        "rsc.io/quote@v1.5.2",
        "rsc.io/breaker@v2.0.0",
        "rsc.io/breaker@v2.0.0+incompatible",
        "rsc.io/badzip@v1.0.0",
        "rsc.io/badzip@v1.0.0",
        "rsc.io/quote@v2.0.0",
        "example.com/nonexistent@v1.0.0",
        "rsc.io/future@v1.0.0",
    ]));
    let mut t = Tally::new("download_diff/batches in one command");
    for (i, batch) in batches.iter().enumerate() {
        for flags in [&["-json"][..], &[]] {
            let (gsb, osb) = (sandbox_for(&proxy), sandbox_for(&proxy));
            let g = run_go(&go, &gsb, &gsb.work_dir(), &argv(false, flags, batch));
            let o = run_ours(&osb, &osb.work_dir(), &argv(true, flags, batch));
            t.check(
                format!("batch {i} {flags:?} ({} args)", batch.len()),
                || same_all(&gsb, &g, &osb, &o),
            );
        }
    }
    t.finish();
}
