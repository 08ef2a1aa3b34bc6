//! Crash consistency: `gomodfetch download` killed with SIGKILL at random instants,
//! checked after every kill with the real `go`.
//!
//! A main module requires 48 synthetic modules (2 to 21 files each, some with binary
//! blobs; `+incompatible`, `/v2`, upper-case paths and pseudo-versions among them)
//! served by the HTTPS test proxy with a round-trip delay and a shared bandwidth
//! limit, so that many downloads, extractions and cache writes are in flight at any
//! instant. Its go.sum holds the hashes of half of them. Each trial runs
//! `gomodfetch download` (no arguments: every module of the build list, go.sum
//! updated) in a fresh cache and kills it after a seeded random delay spread over a
//! whole run. Then:
//!
//! 1. go.sum is byte for byte the old file or the new one (a clean `go` run's),
//!    never a mix.
//! 2. `go mod verify` (`GOPROXY=off GOFLAGS=-mod=mod`), in a throwaway main module
//!    requiring every module whose `.mod` is in the cache, prints
//!    `all modules verified`: every zip present has its `.ziphash`, and zips and
//!    extracted trees go treats as present hash to it.
//! 3. Every file the killed run left is either byte-identical (content and mode) to
//!    the clean `go` run's, or something `go` never takes as content: a `*.tmp`
//!    file, a `.partial` marker, or anything inside an extracted tree that go's
//!    `DownloadDir` rejects (its `cache/download/…/@v/<v>.partial` marker present, or
//!    no `.ziphash`). A tree go takes as present is complete: every file of go's
//!    tree is there, identical, and nothing else.
//! 4. A new `gomodfetch download` repairs everything with no manual step: it
//!    succeeds, go.sum is the new file, and the cache equals the clean `go` run's
//!    (temp files of the killed process aside, which are counted; `go` leaves the
//!    same kind behind when it is killed).
//!
//! A second set of trials kills the process while go.sum is being written: go.sum is
//! padded to about 12 MB with lines for other modules, so its rewrite takes a while,
//! and the kill is sent the moment the rewrite's temp file appears (or up to 20 ms later).
//!
//! `GOMODFETCH_CRASH_TRIALS=N` sets the number of random-instant trials (default 10,
//! the documented long run uses 200; a quarter as many go.sum trials are run).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use gomodfetch::testkit::gocmd::{Go, Run, Sandbox};
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::tree::{Entry, Kind, Snapshot};
use gomodfetch::testkit::universe::Universe;

use crate::download_interop::{
    GOMODFETCH, Rng, go_download, go_offline, publish_synthetic, sandbox_for, snapshot, split_arg,
    store_of,
};
use crate::support::{self, Tally};

const TEST: &str = "crash_consistency";

/// Random-instant trials by default (CI); `GOMODFETCH_CRASH_TRIALS` overrides.
const DEFAULT_TRIALS: usize = 10;

fn trials() -> usize {
    support::env_count("GOMODFETCH_CRASH_TRIALS", DEFAULT_TRIALS)
}

/// The world every trial shares: the proxy, the main module's files, and what a
/// clean `go` run leaves.
struct World {
    go: Go,
    proxy: TestProxy,
    args: Vec<String>,
    go_mod: String,
    /// go.sum before the run.
    old_sum: String,
    /// go.sum after a clean `go` run.
    new_sum: String,
    /// The cache after a clean `go` run.
    clean: Snapshot,
}

impl World {
    fn new(go: Go) -> World {
        let universe = Universe::new();
        let args = publish_synthetic(&universe, "example.com/crash", 48, 7);
        let proxy = TestProxy::start(
            ProxyConfig::new(universe)
                .tls(true)
                .rtt(Duration::from_millis(20))
                .total_bandwidth(3_000_000),
        )
        .expect("starting the proxy");
        let mut go_mod = String::from("module example.com/crashmain\n\ngo 1.21\n\nrequire (\n");
        for a in &args {
            let m = split_arg(a);
            go_mod.push_str(&format!("\t{} {}\n", m.path, m.version));
        }
        go_mod.push_str(")\n");

        // go.sum with every hash, from one go run; the old file keeps half of them.
        let scout = sandbox_for(&proxy, false);
        let dir = scout.main_module(&go_mod, None).expect("main module");
        let full = go_download(&go, &scout, &dir, &[], &[]);
        assert!(full.success(), "go mod download filling go.sum:\n{full}");
        let full_sum = std::fs::read_to_string(dir.join("go.sum")).expect("go.sum");
        let old_sum: String = full_sum
            .lines()
            .enumerate()
            .filter(|(i, _)| i % 4 < 2)
            .map(|(_, l)| format!("{l}\n"))
            .collect();

        let (new_sum, clean) = clean_run(&go, &proxy, &go_mod, &old_sum);
        World {
            go,
            proxy,
            args,
            go_mod,
            old_sum,
            new_sum,
            clean,
        }
    }
}

/// A clean `go mod download` from `old_sum`: the go.sum and cache it leaves.
fn clean_run(go: &Go, proxy: &TestProxy, go_mod: &str, old_sum: &str) -> (String, Snapshot) {
    let sb = sandbox_for(proxy, false);
    let dir = sb.main_module(go_mod, Some(old_sum)).expect("main module");
    let run = go_download(go, &sb, &dir, &[], &[]);
    assert!(run.success(), "clean go run:\n{run}");
    let sum = std::fs::read_to_string(dir.join("go.sum")).expect("go.sum");
    assert_ne!(sum, old_sum, "the clean go run adds hashes to go.sum");
    (sum, snapshot(&sb))
}

/// `gomodfetch download` in `dir`, not waited for.
fn spawn_ours(sb: &Sandbox, dir: &Path, flags: &[&str]) -> Child {
    sb.command(GOMODFETCH, dir)
        .arg("download")
        .args(flags)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting gomodfetch")
}

/// `gomodfetch download <flags>` in `dir`, to the end.
fn run_ours(sb: &Sandbox, dir: &Path, flags: &[&str]) -> Run {
    let mut argv = vec!["download"];
    argv.extend_from_slice(flags);
    sb.run(GOMODFETCH, dir, argv).expect("running gomodfetch")
}

/// What one trial found.
#[derive(Default)]
struct Trial {
    /// Whether the process was still running when killed.
    killed: bool,
    /// Extracted trees complete at the kill.
    complete: usize,
    /// `old` or `new` go.sum at the kill.
    sum: &'static str,
    /// Temp files left by the kill.
    temps: usize,
    /// Temp files still there after the repair.
    temps_after: Vec<String>,
}

/// Kills `child` (SIGKILL) and reaps it; whether it was still running.
fn kill(mut child: Child) -> bool {
    let running = matches!(child.try_wait(), Ok(None));
    let _ = child.kill();
    let _ = child.wait();
    running
}

/// Checks 1–4 of the module docs after a kill in sandbox `sb` with main module `dir`.
fn check_after_kill(
    w: &World,
    sb: &Sandbox,
    dir: &Path,
    old_sum: &str,
    new_sum: &str,
) -> Result<Trial, String> {
    let mut trial = Trial::default();
    let sum = std::fs::read_to_string(dir.join("go.sum")).map_err(|e| format!("go.sum: {e}"))?;
    trial.sum = if sum == old_sum {
        "old"
    } else if sum == new_sum {
        "new"
    } else {
        return Err(format!(
            "go.sum is torn: {} bytes, old {} bytes, new {} bytes",
            sum.len(),
            old_sum.len(),
            new_sum.len()
        ));
    };

    let (complete, temps) = nothing_half_written(&w.go, sb, &w.args, &w.clean)?;
    trial.complete = complete;
    trial.temps = temps;

    let repair = run_ours(sb, dir, &[]);
    if !repair.success() {
        return Err(format!("the repair run failed:\n{repair}"));
    }
    let sum = std::fs::read_to_string(dir.join("go.sum")).map_err(|e| format!("go.sum: {e}"))?;
    if sum != new_sum {
        return Err("after the repair go.sum is not the clean go run's".into());
    }
    let stray: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    if !stray.is_empty() {
        return Err(format!(
            "temp files beside go.sum after the repair: {stray:?}"
        ));
    }
    trial.temps_after = same_cache_but_temps(&w.clean, &snapshot(sb))
        .map_err(|e| format!("after the repair the cache differs from a clean go run's:\n  {e}"))?;
    Ok(trial)
}

/// Checks 2 and 3 of the module docs on the cache of `sb` (modules `args`, without
/// requirements): returns how many extracted trees are complete and how many temp
/// files there are.
pub(crate) fn nothing_half_written(
    go: &Go,
    sb: &Sandbox,
    args: &[String],
    clean: &Snapshot,
) -> Result<(usize, usize), String> {
    verify_present(go, sb, args)?;
    only_content_or_inert(clean, &snapshot(sb))
}

/// Check 2: `go mod verify` over every module whose `.mod` is cached.
fn verify_present(go: &Go, sb: &Sandbox, args: &[String]) -> Result<(), String> {
    let store = store_of(sb);
    let mut present = Vec::new();
    for a in args {
        let m = split_arg(a);
        if store.paths(&m).map_err(|e| e.to_string())?.gomod().exists() {
            present.push(a.clone());
        }
    }
    go_mod_verify_offline(go, sb, &present)
}

/// `go mod verify` (`GOPROXY=off GOFLAGS=-mod=mod`) in a throwaway main module
/// requiring `args` (modules without requirements of their own).
pub(crate) fn go_mod_verify_offline(go: &Go, sb: &Sandbox, args: &[String]) -> Result<(), String> {
    if args.is_empty() {
        return Ok(());
    }
    let mut gomod = String::from("module example.com/throwaway\n\ngo 1.21\n\nrequire (\n");
    for a in args {
        let m = split_arg(a);
        gomod.push_str(&format!("\t{} {}\n", m.path, m.version));
    }
    gomod.push_str(")\n");
    let dir = sb.main_module(&gomod, None).map_err(|e| e.to_string())?;
    let run = go_offline(go, sb, &dir, &["mod", "verify"]);
    if run.success() && run.stdout_text() == "all modules verified\n" {
        Ok(())
    } else {
        Err(format!(
            "go mod verify over {} cached modules failed:\n{run}",
            args.len()
        ))
    }
}

/// Whether cache `got` equals `clean` but for temp files, which it returns.
pub(crate) fn same_cache_but_temps(
    clean: &Snapshot,
    got: &Snapshot,
) -> Result<Vec<String>, String> {
    let diff = clean.diff(got);
    let (temps, extra): (Vec<&Entry>, Vec<&Entry>) =
        diff.only_right.iter().partition(|e| is_temp(&e.path));
    let bad: Vec<String> = diff
        .only_left
        .iter()
        .map(|e| format!("missing: {e}"))
        .chain(extra.iter().map(|e| format!("extra: {e}")))
        .chain(
            diff.changed
                .iter()
                .map(|c| format!("changed {:?}: {} vs {}", c.attrs, c.left, c.right)),
        )
        .collect();
    if bad.is_empty() {
        Ok(temps
            .iter()
            .map(|e| e.path.to_string_lossy().into_owned())
            .collect())
    } else {
        Err(bad
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n  "))
    }
}

/// Temp files that no reader takes as content: Go's `<name><N>.tmp` and ours.
fn is_temp(rel: &Path) -> bool {
    rel.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".tmp"))
}

/// Check 3: returns how many extracted trees are complete and how many temp files
/// the kill left.
fn only_content_or_inert(clean: &Snapshot, killed: &Snapshot) -> Result<(usize, usize), String> {
    // Trees go does not take as present (`DownloadDir`): a `.partial` marker in the
    // download directory, or no `.ziphash` yet.
    let absent_trees: Vec<PathBuf> = killed
        .entries()
        .filter(|e| e.kind == Kind::Dir)
        .filter_map(|e| module_root(&e.path).filter(|r| *r == e.path))
        .filter(|root| {
            let (dl, v) = download_files(root);
            killed.get(dl.join(format!("{v}.partial"))).is_some()
                || killed.get(dl.join(format!("{v}.ziphash"))).is_none()
        })
        .collect();
    let in_partial = |p: &Path| absent_trees.iter().any(|d| p.starts_with(d));
    let mut trees: BTreeSet<PathBuf> = BTreeSet::new();
    let mut temps = 0;
    for e in killed.entries() {
        let s = e.path.to_string_lossy();
        if is_temp(&e.path) {
            temps += 1;
            continue;
        }
        if s.ends_with(".partial") {
            continue;
        }
        if in_partial(&e.path) {
            continue;
        }
        if let Some(root) = module_root(&e.path) {
            trees.insert(root);
        }
        match clean.get(&e.path) {
            None => {
                return Err(format!(
                    "{e} is not in a clean go run's cache and is not a temp file"
                ));
            }
            Some(want) => {
                if !same_entry(want, e) {
                    return Err(format!("{e} differs from a clean go run's {want}"));
                }
            }
        }
    }
    // A tree without its marker must be whole.
    let mut complete = 0;
    for root in &trees {
        for want in clean.entries().filter(|c| c.path.starts_with(root)) {
            if killed.get(&want.path).is_none() {
                return Err(format!(
                    "{} has no .partial marker but lacks {}",
                    root.display(),
                    want.path.display()
                ));
            }
        }
        complete += 1;
    }
    Ok((complete, temps))
}

/// For an extracted tree `<escaped path>@<escaped version>`: its download directory
/// (`cache/download/<escaped path>/@v`) and escaped version.
fn download_files(root: &Path) -> (PathBuf, String) {
    let s = root.to_string_lossy();
    let (path, version) = s.rsplit_once('@').unwrap_or((&s, ""));
    (
        Path::new("cache/download").join(path).join("@v"),
        version.to_string(),
    )
}

/// The extracted module directory `rel` lies in (`path@version`), if any.
fn module_root(rel: &Path) -> Option<PathBuf> {
    if rel.starts_with("cache") {
        return None;
    }
    let mut root = PathBuf::new();
    for c in rel.components() {
        root.push(c);
        if c.as_os_str().to_string_lossy().contains('@') {
            return Some(root);
        }
    }
    None
}

/// Same kind, mode and content. Directory modes are not compared: a killed run
/// leaves the directories of a tree writable until it marks the tree complete, and a
/// complete tree is compared file by file.
fn same_entry(want: &Entry, got: &Entry) -> bool {
    want.kind == got.kind
        && (want.kind == Kind::Dir || want.mode == got.mode)
        && want.sha256 == got.sha256
        && want.size == got.size
}

/// Random-instant kills; see the module docs.
#[test]
fn sigkill_at_random_instants_never_leaves_a_wrong_cache() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let w = World::new(go);

    // Trials alternate between the default parallelism, where every module is in
    // flight at once and they finish together, and `--jobs 2`, where they finish one
    // after another, so kills land in every phase of a module's download. One whole
    // run of each must equal go's, and its length spreads the kill instants.
    let modes: [&[&str]; 2] = [&[], &["--jobs", "2"]];
    let mut spans = Vec::new();
    for flags in modes {
        let sb = sandbox_for(&w.proxy, false);
        let dir = sb
            .main_module(&w.go_mod, Some(&w.old_sum))
            .expect("main module");
        let start = Instant::now();
        let run = run_ours(&sb, &dir, flags);
        spans.push(start.elapsed());
        assert!(
            run.success(),
            "an unkilled gomodfetch run {flags:?}:\n{run}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("go.sum")).expect("go.sum"),
            w.new_sum,
            "an unkilled run's go.sum"
        );
        crate::download_diff::same_snapshots(&w.clean, &snapshot(&sb), ("clean go", "ours"))
            .unwrap_or_else(|e| panic!("an unkilled run's cache: {e}"));
    }

    let n = trials();
    let mut rng = Rng::new(0xC0FFEE);
    let mut t = Tally::new("crash_consistency/SIGKILL at random instants");
    let mut stats: Vec<Trial> = Vec::new();
    for i in 0..n {
        let mode = i % modes.len();
        let span = spans[mode].as_micros() as u64 * 11 / 10;
        let delay = Duration::from_micros(rng.range(0, span.max(1)));
        let sb = sandbox_for(&w.proxy, false);
        let dir = sb
            .main_module(&w.go_mod, Some(&w.old_sum))
            .expect("main module");
        let child = spawn_ours(&sb, &dir, modes[mode]);
        std::thread::sleep(delay);
        let killed = kill(child);
        t.check(
            format!("trial {i} {:?}: killed after {delay:?}", modes[mode]),
            || {
                let mut trial = check_after_kill(&w, &sb, &dir, &w.old_sum, &w.new_sum)?;
                trial.killed = killed;
                stats.push(trial);
                Ok(())
            },
        );
    }
    let whole = spans[0];
    report("random instants", whole, &stats, w.args.len());
    t.finish();
}

/// Kills while go.sum is rewritten; see the module docs.
#[test]
fn sigkill_while_writing_go_sum_leaves_old_or_new() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let w = World::new(go);
    // About 12 MB of lines for modules outside the build list, which every rewrite
    // keeps (Go's tidyGoSum keeps what the file had).
    let mut pad = String::new();
    for i in 0..150_000 {
        pad.push_str(&format!(
            "example.com/pad/m{i:06} v1.0.{} h1:{:0>43}=\n",
            i % 7,
            i
        ));
    }
    let old_sum = merge_sorted(&w.old_sum, &pad);
    let new_sum = merge_sorted(&w.new_sum, &pad);

    let n = (trials() / 4).max(3);
    let mut rng = Rng::new(0x5EED);
    let mut t = Tally::new("crash_consistency/SIGKILL while writing go.sum");
    let mut stats: Vec<Trial> = Vec::new();
    let mut seen = 0;
    for i in 0..n {
        let after = Duration::from_micros(rng.range(0, 20_000));
        let sb = sandbox_for(&w.proxy, false);
        let dir = sb
            .main_module(&w.go_mod, Some(&old_sum))
            .expect("main module");
        let child = spawn_ours(&sb, &dir, &[]);
        let saw = wait_for_temp(&dir, Duration::from_secs(120));
        seen += usize::from(saw);
        std::thread::sleep(after);
        let killed = kill(child);
        t.check(
            format!("trial {i}: killed {after:?} after the temp file appeared"),
            || {
                if !saw {
                    return Err("go.sum's temp file never appeared".into());
                }
                let mut trial = check_after_kill(&w, &sb, &dir, &old_sum, &new_sum)?;
                trial.killed = killed;
                stats.push(trial);
                Ok(())
            },
        );
    }
    support::note(
        "crash_consistency/go.sum",
        &format!("{seen} of {n} kills were sent while go.sum's rewrite was in progress"),
    );
    report("while writing go.sum", Duration::ZERO, &stats, w.args.len());
    t.finish();
}

/// go.sum lines of both texts, sorted as Go writes them (by module, then version).
fn merge_sorted(a: &str, b: &str) -> String {
    let mut lines: Vec<&str> = a.lines().chain(b.lines()).collect();
    lines.sort_by(|x, y| {
        let key = |l: &str| {
            let mut f = l.split(' ');
            (
                f.next().unwrap_or("").to_string(),
                f.next().unwrap_or("").to_string(),
            )
        };
        key(x).cmp(&key(y))
    });
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Polls `dir` until go.sum's rewrite temp file appears; whether it did in time.
fn wait_for_temp(dir: &Path, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name.starts_with(".go.sum.") && name.ends_with(".tmp") {
                    return true;
                }
            }
        }
        std::thread::sleep(Duration::from_micros(50));
    }
    false
}

/// Prints what the kills hit.
fn report(what: &str, whole: Duration, stats: &[Trial], modules: usize) {
    let running = stats.iter().filter(|s| s.killed).count();
    let new = stats.iter().filter(|s| s.sum == "new").count();
    let mut buckets = [0usize; 5];
    for s in stats {
        let b = (s.complete * 4).div_ceil(modules.max(1)).min(4);
        buckets[b] += 1;
    }
    let temps: usize = stats.iter().map(|s| s.temps).sum();
    let after: Vec<&String> = stats.iter().flat_map(|s| &s.temps_after).collect();
    let kinds: BTreeSet<String> = after
        .iter()
        .map(|p| {
            let name = p.rsplit('/').next().unwrap_or(p);
            name.trim_end_matches(".tmp")
                .trim_end_matches(|c: char| c.is_ascii_digit())
                .rsplit('.')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    support::note(
        &format!("crash_consistency/{what}"),
        &format!(
            "{} trials (whole run {whole:?} at the default parallelism): {running} killed while running; go.sum old in {}, new in {new}; \
             trees complete at the kill (of {modules}): none {}, ≤25% {}, ≤50% {}, ≤75% {}, more {}; \
             temp files left by kills {temps}, still there after repair {} (of kinds {kinds:?}: \
             inert, as a killed go leaves them)",
            stats.len(),
            stats.len() - new,
            buckets[0],
            buckets[1],
            buckets[2],
            buckets[3],
            buckets[4],
            after.len(),
        ),
    );
}
