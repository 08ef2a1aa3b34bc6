//! Differential tests of version queries (`path@latest`, `@v1`, `@v1.2`, `@<v1.2.0`,
//! `@>=v1.0.0`, …) outside a module: `gomodfetch download` against the real `go mod
//! download`, through the test proxy, compared as `download_diff` compares (exit
//! code, normalised stdout and stderr, the whole module cache: the `.info` and `.mod`
//! files a query reads to decide — the latest version's go.mod for retractions, the
//! highest compatible version's go.mod for `+incompatible` — count).
//!
//! Two universes: one built here (retractions with rationales, a latest version that
//! retracts itself, `+incompatible` versions with and without a go.mod before them,
//! prerelease-only and pseudo-version-only modules, `@latest` answered by the proxy
//! or by the list fallback), and Go's own test-proxy fixtures (which include Go's
//! retraction cases), queried path by path.

use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::{LatestMode, Package, Universe};
use jiff::Timestamp;

use crate::download_diff::{argv, fixture_proxy, run_go, run_ours, same_all, sandbox_for};
use crate::support::{self, Tally};

const TEST: &str = "download_query";

fn at(s: &str) -> Timestamp {
    s.parse().expect("a timestamp")
}

fn go_mod(path: &str, extra: &str) -> String {
    format!("module {path}\n\ngo 1.21\n{extra}")
}

/// The built universe.
fn universe() -> Universe {
    let u = Universe::new();
    let publish = |path: &str, version: &str, time: &str, gomod: Option<String>| {
        let mut p = Package::new(path, version)
            .time(at(time))
            .file("x.go", "package x\n");
        if let Some(m) = gomod {
            p = p.go_mod(m);
        }
        p.publish(&u);
    };
    // Retractions: the latest release retracts itself and an interval below it.
    let r = "example.com/q/retract";
    publish(r, "v0.9.0", "2020-01-01T00:00:00Z", Some(go_mod(r, "")));
    publish(r, "v1.0.0", "2020-02-01T00:00:00Z", Some(go_mod(r, "")));
    publish(r, "v1.1.0", "2020-03-01T00:00:00Z", Some(go_mod(r, "")));
    publish(r, "v1.1.1", "2020-03-02T00:00:00Z", Some(go_mod(r, "")));
    publish(r, "v1.2.0-pre", "2020-04-01T00:00:00Z", Some(go_mod(r, "")));
    publish(
        r,
        "v1.2.0",
        "2020-05-01T00:00:00Z",
        Some(go_mod(
            r,
            "\n// v1.2.0 is broken\nretract v1.2.0\n\nretract [v1.1.0, v1.1.9] // bad\n",
        )),
    );
    // +incompatible after a compatible version with a go.mod: ignored by `latest`.
    let i = "example.com/q/inc";
    publish(i, "v1.0.0", "2020-01-01T00:00:00Z", Some(go_mod(i, "")));
    publish(i, "v2.0.0+incompatible", "2020-02-01T00:00:00Z", None);
    publish(i, "v3.0.0+incompatible", "2020-03-01T00:00:00Z", None);
    // … and after one without: candidates.
    let n = "example.com/q/incnomod";
    publish(n, "v1.0.0", "2020-01-01T00:00:00Z", None);
    publish(n, "v2.0.0+incompatible", "2020-02-01T00:00:00Z", None);
    publish(n, "v2.1.0-pre+incompatible", "2020-03-01T00:00:00Z", None);
    // Prereleases only.
    let p = "example.com/q/pre";
    publish(
        p,
        "v1.0.0-alpha",
        "2020-01-01T00:00:00Z",
        Some(go_mod(p, "")),
    );
    publish(
        p,
        "v1.0.0-beta",
        "2020-02-01T00:00:00Z",
        Some(go_mod(p, "")),
    );
    // A pseudo-version only: nothing listed, `latest` from the proxy.
    let s = "example.com/q/pseudo";
    publish(
        s,
        "v0.0.0-20200101000000-0123456789ab",
        "2020-01-01T00:00:00Z",
        Some(go_mod(s, "")),
    );
    // Everything retracted.
    let a = "example.com/q/allgone";
    publish(a, "v1.0.0", "2020-01-01T00:00:00Z", Some(go_mod(a, "")));
    publish(
        a,
        "v1.1.0",
        "2020-02-01T00:00:00Z",
        Some(go_mod(a, "retract [v0.0.0, v1.1.0] // all of them\n")),
    );
    // A major version path.
    let m = "example.com/q/major/v2";
    publish(m, "v2.0.0", "2020-01-01T00:00:00Z", Some(go_mod(m, "")));
    publish(m, "v2.1.0", "2020-02-01T00:00:00Z", Some(go_mod(m, "")));
    publish(
        m,
        "v2.2.0-rc.1",
        "2020-03-01T00:00:00Z",
        Some(go_mod(m, "")),
    );
    // A latest version whose go.mod does not parse: retractions cannot be loaded.
    let b = "example.com/q/badmod";
    publish(b, "v1.0.0", "2020-01-01T00:00:00Z", Some(go_mod(b, "")));
    publish(
        b,
        "v1.1.0",
        "2020-02-01T00:00:00Z",
        Some(go_mod(b, "retract (\n")),
    );
    u
}

const PATHS: &[&str] = &[
    "example.com/q/retract",
    "example.com/q/inc",
    "example.com/q/incnomod",
    "example.com/q/pre",
    "example.com/q/pseudo",
    "example.com/q/allgone",
    "example.com/q/major/v2",
    "example.com/q/badmod",
];

const QUERIES: &[&str] = &[
    "latest", "v1", "v1.1", "v1.2", "v2", "v0", "<v1.2.0", "<=v1.1.0", ">v1.0.0", ">=v1.1.0",
    ">=v2.0.0", "<v3", "<=v1.2", ">v1", "<vx",
];

/// Runs `args` with both tools in fresh sandboxes (cold) and then again (warm).
/// Returns how many of go's records resolved a version without error (to show the
/// comparison is not vacuous).
fn compare(
    t: &mut Tally,
    go: &support::Go,
    proxy: &TestProxy,
    label: &str,
    args: &[String],
    warm: bool,
) -> usize {
    let (gsb, osb) = (sandbox_for(proxy), sandbox_for(proxy));
    let rounds: &[&str] = if warm { &["cold", "warm"] } else { &["cold"] };
    let mut resolved = 0;
    for round in rounds {
        let g = run_go(go, &gsb, &gsb.work_dir(), &argv(false, &["-json"], args));
        let o = run_ours(&osb, &osb.work_dir(), &argv(true, &["-json"], args));
        t.check(format!("{label} ({round})"), || {
            same_all(&gsb, &g, &osb, &o)
        });
        resolved = g
            .download_records()
            .map(|recs| recs.iter().filter(|r| r.error.is_none()).count())
            .unwrap_or(0);
    }
    resolved
}

/// Every query on every built module, one per command.
#[test]
fn built_universe_one_by_one() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    for mode in [LatestMode::Highest, LatestMode::GoTestProxy] {
        let u = universe();
        u.set_latest_mode(mode);
        let proxy = TestProxy::start(ProxyConfig::new(u)).expect("starting the proxy");
        let label = format!("download_query/built universe ({mode:?})");
        let mut t = Tally::new(&label);
        let mut resolved = 0;
        for path in PATHS {
            for q in QUERIES {
                let arg = format!("{path}@{q}");
                resolved += compare(&mut t, &go, &proxy, &arg, std::slice::from_ref(&arg), false);
            }
        }
        support::note(
            &label,
            &format!("go resolved {resolved} of {} queries", t.passed()),
        );
        assert!(
            resolved > 40,
            "too few queries resolved: the comparison would be vacuous"
        );
        t.finish();
    }
}

/// Many queries in one command (shared lists, Stats, go.mod files and retractions
/// inside one process), cold then warm, with and without `-json`.
#[test]
fn built_universe_in_one_command() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let proxy = TestProxy::start(ProxyConfig::new(universe())).expect("starting the proxy");
    let mut t = Tally::new("download_query/built universe in one command");
    let mut args: Vec<String> = PATHS
        .iter()
        .flat_map(|p| ["latest", "v1", "<v1.2.0", ">=v1.1.0"].map(|q| format!("{p}@{q}")))
        .collect();
    args.extend(
        [
            // Revision queries are never filtered: a retracted version downloads.
            "example.com/q/retract@v1.2.0",
            "example.com/q/retract@v1.1.0",
            "example.com/q/missing@latest",
            "bad/path@latest",
            "std@latest",
            "example.com/q/retract@v1.2.0-pre",
        ]
        .map(String::from),
    );
    compare(&mut t, &go, &proxy, "all queries", &args, true);
    // Without -json.
    let (gsb, osb) = (sandbox_for(&proxy), sandbox_for(&proxy));
    let g = run_go(&go, &gsb, &gsb.work_dir(), &argv(false, &[], &args));
    let o = run_ours(&osb, &osb.work_dir(), &argv(true, &[], &args));
    t.check("all queries without -json", || same_all(&gsb, &g, &osb, &o));
    t.finish();
}

/// Query forms that are fatal outside a module, and argument errors.
#[test]
fn fatal_query_forms() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let proxy = TestProxy::start(ProxyConfig::new(universe())).expect("starting the proxy");
    let mut t = Tally::new("download_query/fatal forms");
    for args in [
        &["example.com/q/retract@upgrade"][..],
        &["example.com/q/retract@patch"],
        &["example.com/q/retract@latest", "example.com/q/inc@patch"],
        &["example.com/q/retract@-latest"],
    ] {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        compare(&mut t, &go, &proxy, &args.join(" "), &args, false);
    }
    t.finish();
}

/// Go's test-proxy fixtures: `latest` and a few ranges for every served path.
#[test]
fn fixture_paths() {
    let (Some((dir, args)), Some(go)) = (support::served_fixtures(TEST), support::go(TEST)) else {
        return;
    };
    let proxy = fixture_proxy(&dir, false);
    let mut paths: Vec<String> = args
        .iter()
        .filter_map(|a| a.split_once('@').map(|(p, _)| p.to_string()))
        .collect();
    paths.sort();
    paths.dedup();
    let mut t = Tally::new("download_query/fixture paths");
    let mut resolved = 0;
    for path in &paths {
        for q in ["latest", "v1", "<v1.0.0", ">=v1.0.0"] {
            let arg = format!("{path}@{q}");
            resolved += compare(&mut t, &go, &proxy, &arg, std::slice::from_ref(&arg), false);
        }
    }
    support::note(
        "download_query/fixture paths",
        &format!("go resolved {resolved} of {} queries", t.passed()),
    );
    assert!(
        resolved > 100,
        "too few queries resolved: the comparison would be vacuous"
    );
    t.finish();
}

/// The proxy misbehaving where a query reads: `@latest` missing (the list fallback)
/// or refused, the list gone, the go.mod that decides `+incompatible` or holds the
/// retractions missing.
#[test]
fn proxy_faults() {
    use gomodfetch::testkit::proxy::{FaultKind, FaultRule};
    let Some(go) = support::go(TEST) else {
        return;
    };
    let mut args: Vec<String> = PATHS
        .iter()
        .flat_map(|p| ["latest", "v1", ">=v1.1.0"].map(|q| format!("{p}@{q}")))
        .collect();
    args.push("example.com/q/retract@v1.1.1".into());
    let mut t = Tally::new("download_query/proxy faults");
    for (pattern, code) in [
        ("*/@latest", 404),
        ("*/@latest", 403),
        ("*/@v/list", 410),
        ("*/@v/list", 403),
        ("*/example.com/q/inc/@v/v1.0.0.mod", 404),
        ("*/example.com/q/retract/@v/v1.2.0.mod", 404),
        ("*/example.com/q/retract/@v/v1.2.0.info", 403),
    ] {
        let rule = FaultRule::new(pattern, FaultKind::status(code));
        let proxy =
            TestProxy::start(ProxyConfig::new(universe()).fault(rule)).expect("starting the proxy");
        for arg in &args {
            compare(
                &mut t,
                &go,
                &proxy,
                &format!("{pattern} {code}: {arg}"),
                std::slice::from_ref(arg),
                false,
            );
        }
        compare(
            &mut t,
            &go,
            &proxy,
            &format!("{pattern} {code}: all"),
            &args,
            false,
        );
    }
    t.finish();
}

/// Queries against what an earlier run left in the cache: with GOPROXY=off (every
/// query fails as go's does), and with the cache's own `cache/download` tree as a
/// `file://` proxy (its `list` files, written as go writes them, are what is listed).
#[test]
fn from_the_cache() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let proxy = TestProxy::start(ProxyConfig::new(universe())).expect("starting the proxy");
    let warmup: Vec<String> = PATHS
        .iter()
        .flat_map(|p| ["latest", "v1.0.0"].map(|q| format!("{p}@{q}")))
        .collect();
    let queries: Vec<String> = PATHS
        .iter()
        .flat_map(|p| ["latest", "v1", "<v1.2.0", ">v1.0.0"].map(|q| format!("{p}@{q}")))
        .collect();
    let mut t = Tally::new("download_query/from the cache");
    for offline in ["off", "file"] {
        let (mut gsb, mut osb) = (sandbox_for(&proxy), sandbox_for(&proxy));
        let g = run_go(
            &go,
            &gsb,
            &gsb.work_dir(),
            &argv(false, &["-json"], &warmup),
        );
        let o = run_ours(&osb, &osb.work_dir(), &argv(true, &["-json"], &warmup));
        t.check(format!("{offline}: warm-up"), || {
            same_all(&gsb, &g, &osb, &o)
        });
        for sb in [&mut gsb, &mut osb] {
            let value = match offline {
                "off" => "off".to_string(),
                _ => format!(
                    "file://{}",
                    sb.gomodcache().join("cache/download").display()
                ),
            };
            sb.goproxy(value);
        }
        for arg in &queries {
            let args = std::slice::from_ref(arg);
            let g = run_go(&go, &gsb, &gsb.work_dir(), &argv(false, &["-json"], args));
            let o = run_ours(&osb, &osb.work_dir(), &argv(true, &["-json"], args));
            t.check(format!("{offline}: {arg}"), || same_all(&gsb, &g, &osb, &o));
        }
    }
    t.finish();
}

/// `-x`: the same requests (as a multiset: their order is the scheduler's), with
/// `@latest` answered and with `@latest` missing (the list fallback).
#[test]
fn trace_of_requests() {
    use crate::download_cli::trace_lines;
    use crate::download_diff::line_diff;
    use gomodfetch::testkit::proxy::{FaultKind, FaultRule};
    let Some(go) = support::go(TEST) else {
        return;
    };
    let mut t = Tally::new("download_query/-x requests");
    for fault in [None, Some(("*/@latest", 404))] {
        let mut config = ProxyConfig::new(universe());
        if let Some((pattern, code)) = fault {
            config = config.fault(FaultRule::new(pattern, FaultKind::status(code)));
        }
        let proxy = TestProxy::start(config).expect("starting the proxy");
        for path in PATHS {
            for q in ["latest", "v1", "<v1.2.0"] {
                let args = [format!("{path}@{q}")];
                let (gsb, osb) = (sandbox_for(&proxy), sandbox_for(&proxy));
                let g = run_go(&go, &gsb, &gsb.work_dir(), &argv(false, &["-x"], &args));
                let o = run_ours(&osb, &osb.work_dir(), &argv(true, &["-x"], &args));
                t.check(format!("{fault:?} {}", args[0]), || {
                    let ge = trace_lines(&gsb.normalizer().apply_str(&g.stderr_text()));
                    let oe = trace_lines(&osb.normalizer().apply_str(&o.stderr_text()));
                    if ge != oe {
                        return Err(line_diff(&ge.join("\n"), &oe.join("\n")));
                    }
                    Ok(())
                });
            }
        }
    }
    t.finish();
}
