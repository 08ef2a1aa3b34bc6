//! Sharing one module cache: several `gomodfetch download` processes and real `go mod
//! download` processes at once on one GOMODCACHE, with overlapping module sets, and a
//! `go` killed with SIGKILL midway through each round.
//!
//! Each round starts, in a fresh cache and all at the same moment, three gomodfetch
//! processes and one `go` over overlapping thirds-and-more of 40 synthetic modules
//! (their union is all 40), plus a second `go` over all 40 that is killed after a
//! seeded random delay. Every survivor must exit 0 with an error-free record per
//! argument and print exactly what a clean `go` run prints for its arguments. After
//! the round, `go mod verify` (offline) passes over every module, a `go mod download`
//! of all 40 makes no request and prints the clean run's records, and the cache
//! equals the clean run's (paths, kinds, modes, bytes; temp files a killed `go`
//! leaves aside, which no reader takes as content).
//!
//! `GOMODFETCH_SHARED_ROUNDS=N` sets the number of rounds (default 4; the documented
//! long run uses 50).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use gomodfetch::testkit::gocmd::{Go, Run, Sandbox};
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::tree::Snapshot;
use gomodfetch::testkit::universe::Universe;

use crate::crash_consistency::{go_mod_verify_offline, same_cache_but_temps};
use crate::download_interop::{
    GOMODFETCH, Rng, all_ok, go_download, observe, publish_synthetic, same_text, sandbox_for,
    snapshot,
};
use crate::support::{self, Tally};

const TEST: &str = "shared_cache";

const DEFAULT_ROUNDS: usize = 4;

fn rounds() -> usize {
    support::env_count("GOMODFETCH_SHARED_ROUNDS", DEFAULT_ROUNDS)
}

/// Who runs which arguments in a round.
struct Party {
    name: &'static str,
    go: bool,
    args: Vec<String>,
}

/// Overlapping slices of `args` whose union is all of them.
fn parties(args: &[String]) -> Vec<Party> {
    let n = args.len();
    let pick = |f: &dyn Fn(usize) -> bool| -> Vec<String> {
        (0..n).filter(|i| f(*i)).map(|i| args[i].clone()).collect()
    };
    vec![
        Party {
            name: "gomodfetch A",
            go: false,
            args: pick(&|i| i < n * 3 / 5),
        },
        Party {
            name: "gomodfetch B",
            go: false,
            args: pick(&|i| i >= n * 2 / 5),
        },
        Party {
            name: "gomodfetch C",
            go: false,
            args: pick(&|i| i % 2 == 1),
        },
        Party {
            name: "go D",
            go: true,
            args: pick(&|i| i % 3 == 0 || (n / 4..n * 3 / 4).contains(&i)),
        },
    ]
}

fn command(go: &Go, sb: &Sandbox, dir: &Path, party: &Party) -> Command {
    let mut c = if party.go {
        let mut c = go.command(sb, dir);
        c.args(["mod", "download", "-json"]);
        c
    } else {
        let mut c = sb.command(GOMODFETCH, dir);
        c.args(["download", "-json"]);
        c
    };
    c.args(&party.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

#[test]
fn gomodfetch_and_go_share_a_cache() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let universe = Universe::new();
    let args = publish_synthetic(&universe, "example.com/shared", 40, 11);
    let proxy = TestProxy::start(
        ProxyConfig::new(universe)
            .tls(true)
            .rtt(Duration::from_millis(10))
            .total_bandwidth(6_000_000),
    )
    .expect("starting the proxy");

    // What a clean go run prints and leaves, for every party's arguments.
    let clean_sb = sandbox_for(&proxy, false);
    let clean_all = go_download(&go, &clean_sb, &clean_sb.work_dir(), &["-json"], &args);
    all_ok(&clean_all, args.len()).expect("a clean go run");
    let clean_out = clean_sb.normalizer().apply_str(&clean_all.stdout_text());
    let clean: Snapshot = snapshot(&clean_sb);
    let parties = parties(&args);
    let clean_party_out: Vec<String> = parties
        .iter()
        .map(|p| {
            let sb = sandbox_for(&proxy, false);
            let r = go_download(&go, &sb, &sb.work_dir(), &["-json"], &p.args);
            all_ok(&r, p.args.len()).expect("a clean go run of one party's arguments");
            sb.normalizer().apply_str(&r.stdout_text())
        })
        .collect();

    let mut rng = Rng::new(0x5A4ED);
    let mut t = Tally::new("shared_cache/gomodfetch and go on one cache");
    let mut killed_running = 0;
    let n = rounds();
    for round in 0..n {
        let sb = sandbox_for(&proxy, false);
        let dir = sb.work_dir();
        let victim_party = Party {
            name: "go killed",
            go: true,
            args: args.clone(),
        };
        let mut victim = command(&go, &sb, &dir, &victim_party)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting the go to kill");
        let delay = Duration::from_millis(rng.range(10, 350));
        let runs: Vec<Run> = std::thread::scope(|scope| {
            let handles: Vec<_> = parties
                .iter()
                .map(|p| {
                    let c = command(&go, &sb, &dir, p);
                    scope.spawn(move || Run::capture(c, Some(Duration::from_secs(300))))
                })
                .collect();
            std::thread::sleep(delay);
            if matches!(victim.try_wait(), Ok(None)) {
                killed_running += 1;
            }
            let _ = victim.kill();
            let _ = victim.wait();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .expect("a party's thread")
                        .expect("running a party")
                })
                .collect()
        });

        for ((p, r), want) in parties.iter().zip(&runs).zip(&clean_party_out) {
            t.check(format!("round {round}: {}", p.name), || {
                all_ok(r, p.args.len())?;
                same_text(
                    "records vs a clean go run",
                    want,
                    &sb.normalizer().apply_str(&r.stdout_text()),
                )
            });
        }
        t.check(format!("round {round}: go mod verify"), || {
            go_mod_verify_offline(&go, &sb, &args)
        });
        t.check(format!("round {round}: a later go run"), || {
            let (g, reqs) = observe(&proxy, || go_download(&go, &sb, &dir, &["-json"], &args));
            all_ok(&g, args.len())?;
            same_text(
                "records vs a clean go run",
                &clean_out,
                &sb.normalizer().apply_str(&g.stdout_text()),
            )?;
            if reqs.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "it made {} requests: {:?}",
                    reqs.len(),
                    &reqs[..reqs.len().min(5)]
                ))
            }
        });
        t.check(format!("round {round}: the cache"), || {
            same_cache_but_temps(&clean, &snapshot(&sb)).map(|_| ())
        });
    }
    support::note(
        "shared_cache/rounds",
        &format!(
            "{n} rounds of 3 gomodfetch + 1 go over overlapping sets of {} modules, plus a go \
             killed midway ({killed_running} of {n} were still running when killed)",
            args.len()
        ),
    );
    t.finish();
}
