//! Robustness acceptance tests: gomodfetch under network faults and checksum
//! mismatches, against what the real `go` does in the same situation.
//!
//! * **Transient faults**: the HTTPS/HTTP2 test proxy injects 500, 502, 503 and 429
//!   (with `Retry-After`), connection resets, bodies truncated midway, bodies cut by a
//!   reset and HTTP/2 stream resets, together on 10% of requests (seeded), while
//!   gomodfetch downloads 120 synthetic modules in one command. It must succeed every
//!   time (several seeds), with records and a cache equal to a clean `go` run's. `go`,
//!   which never retries, is run under the same faults and what it does is printed as
//!   a note (not asserted).
//! * **Permanent truncation**: a zip body that breaks on every attempt fails its module
//!   with an error naming it and the number of attempts, and leaves nothing that `go`
//!   or we would take as complete (store predicates; then `go mod download` through a
//!   healthy proxy succeeds and `go mod verify` passes).
//! * **Wrong go.sum line** (zip hash, and separately `/go.mod` hash): Go's `SECURITY
//!   ERROR` text and exit status, and the module absent from the cache, as with go.

use std::path::Path;

use gomodfetch::dirhash;
use gomodfetch::http::RetryPolicy;
use gomodfetch::module;
use gomodfetch::store::ZipState;
use gomodfetch::testkit::gocmd::{Go, Run, Sandbox};
use gomodfetch::testkit::proxy::{FaultKind, FaultRule, ProxyConfig, TestProxy};
use gomodfetch::testkit::tree::{Snapshot, SnapshotOptions};
use gomodfetch::testkit::universe::Universe;

use crate::download_interop::{
    all_ok, go_download, go_mod_verify, observe, ours, output_differences, publish_synthetic,
    same_cache, same_text, sandbox_for, snapshot, split_arg, store_of,
};
use crate::support::{self, Tally};

const TEST: &str = "download_faults";

/// The transient fault kinds, each firing on `1 - (1 - rate)^(1/kinds)` of the
/// requests that reach it, so that together about `rate` of requests fail; `stall`
/// adds bodies stalled for good at half their length (gomodfetch runs with a short
/// `--stall-timeout` then).
fn transient_rules(seed: u64, rate: f64, stall: bool) -> Vec<FaultRule> {
    let mut kinds = vec![
        FaultKind::status(500),
        FaultKind::status(502),
        FaultKind::status(503),
        FaultKind::status(429),
        FaultKind::Reset,
        FaultKind::Truncate { at: None },
        FaultKind::ResetMidBody { at: None },
        FaultKind::StreamReset { at: None },
    ];
    if stall {
        kinds.push(FaultKind::Stall {
            at: None,
            duration: None,
        });
    }
    let p = 1.0 - (1.0 - rate).powf(1.0 / kinds.len() as f64);
    kinds
        .into_iter()
        .enumerate()
        .map(|(k, kind)| FaultRule::new("*", kind).probability(p, seed * 100 + k as u64))
        .collect()
}

/// The seeds run by default; `GOMODFETCH_FAULT_SEEDS=a..b` runs `a..b` instead (to
/// measure how often a retry budget falls short).
const SEEDS: std::ops::Range<u64> = 1..4;

fn seeds() -> std::ops::Range<u64> {
    std::env::var("GOMODFETCH_FAULT_SEEDS")
        .ok()
        .and_then(|v| {
            let (a, b) = v.split_once("..")?;
            Some(a.trim().parse().ok()?..b.trim().parse().ok()?)
        })
        .unwrap_or(SEEDS)
}

/// The failed records of a `-json` run and their first error.
fn failures(run: &Run) -> (usize, Option<String>) {
    let recs = run.download_records().unwrap_or_default();
    let failed: Vec<&String> = recs.iter().filter_map(|r| r.error.as_ref()).collect();
    (failed.len(), failed.first().map(|s| s.to_string()))
}

/// 120 synthetic modules behind an HTTPS proxy, and what a clean go run of them
/// prints and leaves.
struct Reference {
    args: Vec<String>,
    proxy: TestProxy,
    clean_out: String,
    clean_cache: Snapshot,
}

impl Reference {
    fn new(go: &Go, prefix: &str, seed: u64) -> Reference {
        let universe = Universe::new();
        let args = publish_synthetic(&universe, prefix, 120, seed);
        let proxy =
            TestProxy::start(ProxyConfig::new(universe).tls(true)).expect("starting the proxy");
        let clean = sandbox_for(&proxy, false);
        let clean_run = go_download(go, &clean, &clean.work_dir(), &["-json"], &args);
        all_ok(&clean_run, args.len()).expect("a clean go run");
        Reference {
            clean_out: clean.normalizer().apply_str(&clean_run.stdout_text()),
            clean_cache: snapshot(&clean),
            args,
            proxy,
        }
    }

    /// A run of ours printed and left what the clean go run did.
    fn same_as_clean(&self, sb: &Sandbox, o: &Run) -> Result<(), String> {
        all_ok(o, self.args.len())?;
        same_text(
            "stdout vs a clean go run",
            &self.clean_out,
            &sb.normalizer().apply_str(&o.stdout_text()),
        )?;
        same_cache(&self.clean_cache, &snapshot(sb), ("clean go", "ours"))
    }
}

/// 120 modules in one command under 10% transient faults, for several seeds.
#[test]
fn transient_faults_never_fail_a_download() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let r = Reference::new(&go, "example.com/faulty", 42);
    let (args, proxy) = (&r.args, &r.proxy);

    let mut t = Tally::new("download_faults/transient faults");
    let mut notes = Vec::new();
    for seed in seeds() {
        proxy.set_faults(transient_rules(seed, 0.1, false));
        let sb = sandbox_for(proxy, false);
        let (o, reqs) = observe(proxy, || ours(&sb, &sb.work_dir(), &["-json"], args));
        let fired = proxy.faults_fired();
        t.check(format!("seed {seed}: gomodfetch"), || {
            r.same_as_clean(&sb, &o)
        });
        t.check(format!("seed {seed}: faults fired"), || {
            if fired.iter().sum::<u64>() > 0 {
                Ok(())
            } else {
                Err("no fault fired".into())
            }
        });

        proxy.set_faults(transient_rules(seed, 0.1, false));
        let gsb = sandbox_for(proxy, false);
        let (g, greqs) = observe(proxy, || {
            go_download(&go, &gsb, &gsb.work_dir(), &["-json"], args)
        });
        let gfired = proxy.faults_fired();
        let (failed, first) = failures(&g);
        notes.push(format!(
            "seed {seed}: gomodfetch exit {:?} after {} requests ({} faults fired: {fired:?}); go exit {:?}, {failed} of {} modules failed after {} requests ({} faults fired), e.g. {:?}",
            o.code(),
            reqs.len(),
            fired.iter().sum::<u64>(),
            g.code(),
            args.len(),
            greqs.len(),
            gfired.iter().sum::<u64>(),
            first.map(|e| gsb.normalizer().apply_str(&e)),
        ));
    }
    proxy.set_faults(Vec::new());
    support::note(
        "download_faults/under 10% transient faults",
        &format!(
            "{} modules in one command, faults in order 500,502,503,429,reset,truncate,reset-mid-body,h2-reset:\n  {}",
            args.len(),
            notes.join("\n  ")
        ),
    );
    t.finish();
}

/// 30% of requests fail, stalls for good included (`--stall-timeout=1s`), over 120
/// modules in one command: the default retry budget absorbs it (see `http::retry`).
#[test]
fn thirty_percent_faults_with_stalls_never_fail_a_download() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let r = Reference::new(&go, "example.com/faulty30", 43);
    let (args, proxy) = (&r.args, &r.proxy);

    let mut t = Tally::new("download_faults/30% transient faults with stalls");
    let mut notes = Vec::new();
    for seed in seeds().take(1) {
        proxy.set_faults(transient_rules(seed, 0.3, true));
        let sb = sandbox_for(proxy, false);
        let (o, reqs) = observe(proxy, || {
            ours(&sb, &sb.work_dir(), &["-json", "--stall-timeout=1s"], args)
        });
        let fired = proxy.faults_fired();
        notes.push(format!(
            "seed {seed}: exit {:?} after {} requests, faults fired {fired:?} (500,502,503,429,reset,truncate,reset-mid-body,h2-reset,stall)",
            o.code(),
            reqs.len()
        ));
        t.check(format!("seed {seed}: gomodfetch"), || {
            r.same_as_clean(&sb, &o)
        });
        t.check(
            format!("seed {seed}: about 30% of requests failed, stalls among them"),
            || {
                let total: u64 = fired.iter().sum();
                let share = total as f64 / reqs.len().max(1) as f64;
                if (0.2..0.4).contains(&share) && fired.last().is_some_and(|s| *s > 0) {
                    Ok(())
                } else {
                    Err(format!(
                        "{total} faults in {} requests: {fired:?}",
                        reqs.len()
                    ))
                }
            },
        );
    }
    proxy.set_faults(Vec::new());
    support::note(
        "download_faults/under 30% transient faults",
        &notes.join("\n  "),
    );
    t.finish();
}

/// The retry budget: a module's requests may each fail `max_attempts - 1` times in a
/// row (every transient kind mixed, bodies cut midway included) and the download still
/// succeeds with go's tree; and that budget is large enough for 10% faults over a
/// thousand requests to fail a run less than once in a thousand (`1000 · 0.1^n <
/// 0.001` needs `n ≥ 6`), which `transient_faults_never_fail_a_download` relies on.
#[test]
fn the_retry_budget_absorbs_consecutive_failures() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let attempts = RetryPolicy::default().max_attempts;
    assert!(attempts >= 6, "a default of {attempts} attempts");
    let universe = Universe::new();
    let args = publish_synthetic(&universe, "example.com/budget", 5, 5);
    let proxy = TestProxy::start(ProxyConfig::new(universe).tls(true)).expect("starting the proxy");
    let clean = sandbox_for(&proxy, false);
    all_ok(
        &go_download(&go, &clean, &clean.work_dir(), &["-json"], &args),
        args.len(),
    )
    .expect("a clean go run");

    // Each request of every module fails `attempts - 1` times, cycling through the
    // kinds, before it is answered. Connection resets are left out: over HTTP/2 they
    // also fail the other streams of the connection, which would exceed the count
    // (the seeded test has them).
    let kinds = [
        FaultKind::Status {
            code: 503,
            retry_after: None,
        },
        FaultKind::Truncate { at: None },
        FaultKind::StreamReset { at: None },
        FaultKind::Status {
            code: 429,
            retry_after: None,
        },
        FaultKind::status(502),
        FaultKind::status(500),
    ];
    let mut rules = Vec::new();
    for arg in &args {
        let m = split_arg(arg);
        let esc = module::escape_path(&m.path).expect("escape");
        let ev = module::escape_version(&m.version).expect("escape");
        for ext in ["info", "mod", "zip"] {
            let path = format!("/mod/{esc}/@v/{ev}.{ext}");
            for k in 0..attempts - 1 {
                let kind = kinds[k as usize % kinds.len()].clone();
                rules.push(FaultRule::new(path.clone(), kind).times(1));
            }
        }
    }
    proxy.set_faults(rules);
    let sb = sandbox_for(&proxy, false);
    let (o, reqs) = observe(&proxy, || ours(&sb, &sb.work_dir(), &["-json"], &args));
    let mut t = Tally::new("download_faults/retry budget");
    t.check("gomodfetch succeeds with go's records and tree", || {
        all_ok(&o, args.len())?;
        same_text(
            "stdout",
            &clean
                .normalizer()
                .apply_str(&clean_run_stdout(&go, &clean, &args)),
            &sb.normalizer().apply_str(&o.stdout_text()),
        )?;
        same_cache(&snapshot(&clean), &snapshot(&sb), ("clean go", "ours"))
    });
    t.eq("requests", reqs.len(), args.len() * 3 * attempts as usize);
    t.finish();
}

/// go's `-json` output on its own filled cache (a no-op run).
fn clean_run_stdout(go: &Go, sb: &Sandbox, args: &[String]) -> String {
    go_download(go, sb, &sb.work_dir(), &["-json"], args).stdout_text()
}

/// Lists the leftovers of `m` in a cache that mean "complete" or "in progress" to go
/// or to us, and its temp files when `tmp`; empty when there are none.
fn leftovers(sb: &Sandbox, arg: &str, tmp: bool) -> Vec<String> {
    let store = store_of(sb);
    let m = split_arg(arg);
    let p = store.paths(&m).expect("paths");
    let mut found = Vec::new();
    match store.zip_state(&m) {
        Ok(ZipState::ZipMissing) => {}
        other => found.push(format!("zip state {other:?}")),
    }
    if store.download_dir(&m).is_ok() {
        found.push("a complete tree".into());
    }
    for f in [
        p.zip(),
        p.ziphash(),
        p.partial(),
        p.extracted_dir().to_path_buf(),
    ] {
        if f.exists() {
            found.push(format!("{}", f.display()));
        }
    }
    if let Ok(rd) = std::fs::read_dir(p.download_dir()) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if tmp && name.starts_with(p.escaped_version()) && name.ends_with(".tmp") {
                found.push(name);
            }
        }
    }
    found
}

/// A zip body broken on every attempt: the module fails naming itself and the number
/// of attempts; nothing is left that looks complete; a healthy proxy then serves go.
#[test]
fn permanently_broken_body() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let attempts = RetryPolicy::default().max_attempts;
    let mut t = Tally::new("download_faults/permanent truncation");
    let mut notes = Vec::new();
    for tls in [false, true] {
        let universe = Universe::new();
        let args = publish_synthetic(&universe, "example.com/broken", 6, 3);
        // The module with a data file: its zip is the largest.
        let victim = args[4].clone();
        let m = split_arg(&victim);
        let zip_path = format!(
            "/mod/{}/@v/{}.zip",
            module::escape_path(&m.path).expect("escape"),
            module::escape_version(&m.version).expect("escape")
        );
        let proxy =
            TestProxy::start(ProxyConfig::new(universe).tls(tls)).expect("starting the proxy");
        let scheme = if tls { "https" } else { "http" };
        for kind in [
            FaultKind::Truncate { at: None },
            FaultKind::ResetMidBody { at: None },
        ] {
            let label = format!("{scheme} {}", kind.label());
            proxy.set_faults(vec![FaultRule::new(zip_path.clone(), kind.clone())]);
            let sb = sandbox_for(&proxy, false);
            let (o, reqs) = observe(&proxy, || ours(&sb, &sb.work_dir(), &["-json"], &args));
            let recs = o.download_records().unwrap_or_default();
            let err = recs
                .iter()
                .find(|r| r.path.as_deref() == Some(m.path.as_str()))
                .and_then(|r| r.error.clone())
                .unwrap_or_default();
            t.check(format!("{label}: the module fails"), || {
                let others_ok = recs
                    .iter()
                    .filter(|r| r.path.as_deref() != Some(m.path.as_str()))
                    .all(|r| r.error.is_none());
                let names_it = err.contains(&victim);
                let counts = err.contains(&format!("(after {attempts} attempts)"));
                if o.code() == Some(1)
                    && recs.len() == args.len()
                    && others_ok
                    && names_it
                    && counts
                {
                    Ok(())
                } else {
                    Err(format!("error {err:?}\n{o}"))
                }
            });
            t.eq(
                format!("{label}: zip requests"),
                reqs.iter()
                    .filter(|r| format!("/mod/{r}") == zip_path)
                    .count(),
                attempts as usize,
            );
            t.eq(
                format!("{label}: leftovers"),
                leftovers(&sb, &victim, true),
                Vec::<String>::new(),
            );

            // What go does under the same fault.
            let gsb = sandbox_for(&proxy, false);
            let g = go_download(&go, &gsb, &gsb.work_dir(), &["-json"], &args);
            let (failed, first) = failures(&g);
            t.eq(
                format!("{label}: go leaves nothing either"),
                leftovers(&gsb, &victim, true),
                Vec::<String>::new(),
            );
            notes.push(format!(
                "{label}: ours {:?}; go exit {:?}, {failed} failed: {:?}",
                sb.normalizer().apply_str(&err),
                g.code(),
                first.map(|e| gsb.normalizer().apply_str(&e))
            ));

            // A healthy proxy: go completes the cache we left, and it verifies.
            proxy.set_faults(Vec::new());
            t.check(format!("{label}: go mod download afterwards"), || {
                let (g, reqs) = observe(&proxy, || {
                    go_download(&go, &sb, &sb.work_dir(), &["-json"], &args)
                });
                all_ok(&g, args.len())?;
                let want = vec![zip_path.trim_start_matches("/mod/").to_string()];
                if reqs != want {
                    return Err(format!("requests {reqs:?}, want {want:?}"));
                }
                go_mod_verify(&go, &sb, &args)
            });
        }
    }
    support::note("download_faults/permanent truncation", &notes.join("\n  "));
    t.finish();
}

/// The go.sum lines of `args` as go would write them (from a clean go run's records),
/// with the line for `victim`'s `key` (`""` for the zip, `/go.mod`) made wrong.
fn go_sum_with_wrong_line(recs: &[(String, String, String)], victim: &str, key: &str) -> String {
    let wrong = dirhash::hash_go_mod(b"not what the proxy serves\n").to_string();
    let mut lines = Vec::new();
    for (arg, sum, gomod_sum) in recs {
        let m = split_arg(arg);
        let bad = |k: &str| arg == victim && k == key;
        lines.push(format!(
            "{} {} {}",
            m.path,
            m.version,
            if bad("") { &wrong } else { sum }
        ));
        lines.push(format!(
            "{} {}/go.mod {}",
            m.path,
            m.version,
            if bad("/go.mod") { &wrong } else { gomod_sum }
        ));
    }
    lines.sort();
    lines.join("\n") + "\n"
}

/// One wrong go.sum case: ours against go in identical main modules.
fn sum_case(
    go: &Go,
    proxy: &TestProxy,
    (gomod, gosum): (&str, &str),
    flags: &[&str],
    args: &[String],
    victim: &str,
    whole_cache: bool,
) -> Result<(), String> {
    let (gsb, osb) = (sandbox_for(proxy, false), sandbox_for(proxy, false));
    let gdir = gsb
        .main_module(gomod, Some(gosum))
        .map_err(|e| e.to_string())?;
    let odir = osb
        .main_module(gomod, Some(gosum))
        .map_err(|e| e.to_string())?;
    let g = go_download(go, &gsb, &gdir, flags, args);
    let o = ours(&osb, &odir, flags, args);
    let mut why = Vec::new();
    if g.code() != Some(1) || !g.stderr_text().contains("SECURITY ERROR") {
        why.push(format!("go did not fail as expected:\n{g}"));
    }
    why.extend(output_differences((&gsb, &g), (&osb, &o)));
    let read = |d: &Path| std::fs::read_to_string(d.join("go.sum")).unwrap_or_default();
    if read(&gdir) != read(&odir) {
        why.push(format!(
            "go.sum: go {:?}, ours {:?}",
            read(&gdir),
            read(&odir)
        ));
    }
    // Go exits from inside the download (`base.Fatalf`), so its deferred removal of
    // the zip's temp file never runs: it leaves `<v>.zip<random>.tmp`, which nothing
    // reads (the next download of the zip removes it). We remove ours: a justified
    // divergence, so temp files are ignored for go and must be absent for us.
    for (who, sb, tmp) in [("go", &gsb, false), ("ours", &osb, true)] {
        let left = leftovers(sb, victim, tmp);
        if !left.is_empty() {
            why.push(format!("{who} left {left:?}"));
        }
    }
    let no_tmp = SnapshotOptions::default().ignore("**/*.tmp");
    let tree = |sb: &Sandbox| sb.cache_snapshot(&no_tmp).map_err(|e| e.to_string());
    if whole_cache && let Err(e) = same_cache(&tree(&gsb)?, &tree(&osb)?, ("go", "ours")) {
        why.push(e);
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(why.join("\n"))
    }
}

/// A wrong go.sum line (zip hash; `/go.mod` hash) inside a main module.
#[test]
fn wrong_go_sum_line_is_a_security_error() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let universe = Universe::new();
    let args = publish_synthetic(&universe, "example.com/sums", 5, 11);
    let proxy = TestProxy::start(ProxyConfig::new(universe)).expect("starting the proxy");

    // The right sums, from a clean go run.
    let scout = sandbox_for(&proxy, true);
    let run = go_download(&go, &scout, &scout.work_dir(), &["-json"], &args);
    all_ok(&run, args.len()).expect("clean go run");
    let sums: Vec<(String, String, String)> = args
        .iter()
        .zip(run.download_records().expect("records"))
        .map(|(a, r)| {
            (
                a.clone(),
                r.sum.unwrap_or_default(),
                r.go_mod_sum.unwrap_or_default(),
            )
        })
        .collect();
    let mut gomod = String::from("module example.com/main\n\ngo 1.21\n\nrequire (\n");
    for a in &args {
        let m = split_arg(a);
        gomod.push_str(&format!("\t{} {}\n", m.path, m.version));
    }
    gomod.push_str(")\n");

    let mut t = Tally::new("download_faults/wrong go.sum line");
    for (key, victim) in [("", &args[0]), ("/go.mod", &args[1])] {
        let what = if key.is_empty() {
            "zip hash"
        } else {
            "go.mod hash"
        };
        let gosum = go_sum_with_wrong_line(&sums, victim, key);
        for flags in [&["-json"][..], &[]] {
            t.check(format!("{what}, alone, flags {flags:?}"), || {
                sum_case(
                    &go,
                    &proxy,
                    (&gomod, &gosum),
                    flags,
                    std::slice::from_ref(victim),
                    victim,
                    true,
                )
            });
        }
        // With the other modules in the same command: downloads in flight when the
        // fatal error ends the run may or may not have finished, in go as with us, so
        // only the bad module's absence and the output are compared.
        t.check(format!("{what}, among {} modules", args.len()), || {
            sum_case(
                &go,
                &proxy,
                (&gomod, &gosum),
                &["-json"],
                &args,
                victim,
                false,
            )
        });
    }
    t.finish();
}
