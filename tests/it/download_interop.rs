//! Interop acceptance tests: gomodfetch and the real `go` share one module cache.
//!
//! * **Ours fills, go reads**: after `gomodfetch download -json` of a set of modules
//!   (the fixture modules `go` itself downloads, plus synthetic modules built with
//!   `universe::Package`), `go mod download -json` of the same modules through the same
//!   proxy makes zero requests and prints byte-for-byte what we printed, and `go mod
//!   verify` passes in throwaway main modules requiring them (`GOPROXY=off`,
//!   `GOFLAGS=-mod=mod`).
//! * **Go fills, ours reads**: the reverse; our records equal go's, with zero requests.
//! * **No-op**: a second gomodfetch run makes zero requests and prints the same records.
//! * **Repair**: a cache `go` filled is damaged the way an interrupted or older `go`
//!   leaves it (a zip without `.ziphash`, a tree with its `.partial` marker, a zip
//!   without its tree, …); `go` repairs one copy and gomodfetch another: the same
//!   requests, output and final tree, equal to an undamaged cache.
//!
//! The modules taking part in the zero-request checks are those `go` downloads without
//! error and whose argument is already the resolved version: for a query such as
//! `rsc.io/breaker@v2.0.0` (resolving to `v2.0.0+incompatible`) `go` stores the `.info`
//! under the resolved version only, so it asks the proxy again on every run, warm cache
//! or not; gomodfetch does the same, which `download_diff` compares.
//!
//! `go mod verify` checks the build list of a main module, so each throwaway module
//! requires at most one version per path (several modules are made), and only modules
//! whose cached `go.mod` declares their own path and has no `require`, `replace`,
//! `exclude` or `retract` directive: the graph of the others would need modules that
//! are not in the cache (or fails on purpose, e.g. `example.com/badchain`), which says
//! nothing about the cache under test. The report says how many were verified.

#![allow(dead_code)] // Shared with download_faults, which uses a subset.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use gomodfetch::module::ModuleVersion;
use gomodfetch::store::{self, Store, StoreOptions};
use gomodfetch::testkit::gocmd::{DEFAULT_TIMEOUT, Go, Run, Sandbox};
use gomodfetch::testkit::proxy::{ProxyConfig, RequestRecord, TestProxy};
use gomodfetch::testkit::tree::{Snapshot, SnapshotOptions};
use gomodfetch::testkit::universe::{Package, Universe};

pub use crate::download_diff::same_snapshots as same_cache;
use crate::support::{self, Tally};

const TEST: &str = "download_interop";

/// Our binary.
pub const GOMODFETCH: &str = env!("CARGO_BIN_EXE_gomodfetch");

/// A fresh sandbox using `proxy` (its CA trusted when it has one), GOSUMDB=off, with
/// or without `-modcacherw`.
pub fn sandbox_for(proxy: &TestProxy, modcacherw: bool) -> Sandbox {
    let mut sb = crate::download_diff::sandbox_for(proxy);
    sb.modcacherw(modcacherw);
    sb
}

/// `gomodfetch download <flags> <mods>` in `dir`.
pub fn ours(sb: &Sandbox, dir: &Path, flags: &[&str], mods: &[String]) -> Run {
    let mut args: Vec<String> = vec!["download".into()];
    args.extend(flags.iter().map(|s| s.to_string()));
    args.extend(mods.iter().cloned());
    sb.run(GOMODFETCH, dir, &args).expect("running gomodfetch")
}

/// `go mod download <flags> <mods>` in `dir`.
pub fn go_download(go: &Go, sb: &Sandbox, dir: &Path, flags: &[&str], mods: &[String]) -> Run {
    go.mod_download(sb, dir, flags, mods).expect("running go")
}

/// Runs `f` and returns its result with the module requests the proxy saw meanwhile
/// (paths relative to GOPROXY, in arrival order).
pub fn observe<T>(proxy: &TestProxy, f: impl FnOnce() -> T) -> (T, Vec<String>) {
    let (out, records) = observe_records(proxy, f);
    let reqs = records
        .iter()
        .map(|r| r.path.strip_prefix("/mod/").unwrap_or(&r.path).to_string())
        .collect();
    (out, reqs)
}

/// Runs `f` and returns its result with the records of the requests the proxy saw
/// meanwhile, in arrival order.
pub fn observe_records<T>(proxy: &TestProxy, f: impl FnOnce() -> T) -> (T, Vec<RequestRecord>) {
    proxy.clear_log();
    let before = proxy.counters().requests;
    let out = f();
    let n = proxy.counters().requests - before;
    // A request enters the log when its response ends, a moment after the client saw
    // it; the counter already counts it.
    proxy.wait_for_log(
        usize::try_from(n).unwrap_or(usize::MAX),
        Duration::from_secs(10),
    );
    (out, proxy.log())
}

/// Whether a run succeeded and printed one error-free record per argument.
pub fn all_ok(run: &Run, n: usize) -> Result<(), String> {
    if !run.success() {
        return Err(format!("exit {:?}\n{run}", run.code()));
    }
    let recs = run.download_records().map_err(|e| e.to_string())?;
    if recs.len() != n {
        return Err(format!("{} records for {n} arguments", recs.len()));
    }
    let failed: Vec<String> = recs
        .iter()
        .filter_map(|r| Some(format!("{:?}: {}", r.path, r.error.as_ref()?)))
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("\n"))
    }
}

/// Compares two texts, reporting the first differing lines.
pub fn same_text(what: &str, want: &str, got: &str) -> Result<(), String> {
    if want == got {
        return Ok(());
    }
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    let first = w
        .iter()
        .zip(&g)
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    let show = |v: &[&str]| {
        v.iter()
            .skip(first.saturating_sub(1))
            .take(6)
            .map(|l| format!("    | {l}\n"))
            .collect::<String>()
    };
    Err(format!(
        "{what} differs at line {}:\n  want:\n{}  got:\n{}",
        first + 1,
        show(&w),
        show(&g)
    ))
}

/// How two runs' outputs differ (exit code, normalised stdout and stderr); empty when
/// they agree.
pub fn output_differences(go: (&Sandbox, &Run), ours: (&Sandbox, &Run)) -> Vec<String> {
    let ((gsb, g), (osb, o)) = (go, ours);
    let mut why = Vec::new();
    if g.code() != o.code() {
        why.push(format!("exit: go {:?}, ours {:?}", g.code(), o.code()));
    }
    let (gn, on) = (gsb.normalizer(), osb.normalizer());
    let texts = [
        ("stdout", &g.stdout_text(), &o.stdout_text()),
        ("stderr", &g.stderr_text(), &o.stderr_text()),
    ];
    for (what, a, b) in texts {
        if let Err(e) = same_text(what, &gn.apply_str(a), &on.apply_str(b)) {
            why.push(e);
        }
    }
    why
}

/// The whole module cache of a sandbox (nothing ignored).
pub fn snapshot(sb: &Sandbox) -> Snapshot {
    sb.cache_snapshot(&SnapshotOptions::default())
        .expect("cache snapshot")
}

/// SplitMix64, for deterministic synthetic contents.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo).max(1)
    }
}

/// Go-looking source text of about `size` bytes (compresses like real code).
fn source_text(rng: &mut Rng, pkg: &str, size: usize) -> String {
    const WORDS: [&str; 12] = [
        "value", "count", "reader", "buffer", "index", "result", "config", "err", "name", "offset",
        "length", "state",
    ];
    let mut s = format!("// Package {pkg} is generated test data.\npackage {pkg}\n\n");
    let mut n = 0;
    while s.len() < size {
        let a = WORDS[(rng.next() % 12) as usize];
        let b = WORDS[(rng.next() % 12) as usize];
        s.push_str(&format!(
            "// {a}{n} returns the {b} of x.\nfunc {a}{n}(x int) int {{\n\tif x > {} {{\n\t\treturn x - {}\n\t}}\n\treturn x * {}\n}}\n\n",
            rng.range(0, 1000),
            rng.range(0, 100),
            rng.range(1, 10),
        ));
        n += 1;
    }
    s
}

/// Publishes `n` synthetic module versions under `prefix` into `universe` and returns
/// their `path@version` arguments. Deterministic for a seed. Realistic small modules:
/// 2–20 Go files of 0.2–12 KB in a few packages, every fifth with an incompressible
/// data file of 8–40 KB; versions of every kind (v0, v1, `/v2` major paths,
/// prereleases, pseudo-versions, `+incompatible` without go.mod), and paths with
/// upper-case letters (escaped as `!x` in the cache).
pub fn publish_synthetic(universe: &Universe, prefix: &str, n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let mut args = Vec::with_capacity(n);
    for i in 0..n {
        let base = match i % 7 {
            3 => format!("{prefix}/Upper{i}"),
            5 => format!("{prefix}/group{}/m{i}", i % 3),
            _ => format!("{prefix}/m{i}"),
        };
        let (path, version, incompatible) = match i % 6 {
            0 => (base, format!("v0.{}.{}", i % 4, i), false),
            1 => (base, format!("v1.{}.0", i), false),
            2 => (
                base,
                format!("v0.0.0-20240102030405-{:012x}", rng.next() >> 16),
                false,
            ),
            3 => (format!("{base}/v2"), format!("v2.0.{i}"), false),
            4 => (base, format!("v1.0.0-rc.{i}"), false),
            _ if i % 12 == 5 => (base, format!("v3.0.{i}+incompatible"), true),
            _ => (base, format!("v1.1.{i}"), false),
        };
        let mut p = Package::new(path.clone(), version.clone());
        if incompatible {
            p = p.no_go_mod_in_zip();
        } else {
            p = p.go_mod(format!("module {path}\n\ngo 1.21\n"));
        }
        let files = rng.range(2, 21);
        for j in 0..files {
            let pkg = format!("pkg{}", j % 3);
            let name = if j == 0 {
                "doc.go".to_string()
            } else {
                format!("{pkg}/file{j}.go")
            };
            let size = rng.range(200, 12_000) as usize;
            p = p.file(name, source_text(&mut rng, &pkg, size));
        }
        if i % 5 == 4 {
            let size = rng.range(8_000, 40_000) as usize;
            let data: Vec<u8> = (0..size).map(|_| rng.next() as u8).collect();
            p = p.file("testdata/blob.bin", data);
        }
        p = p.file("LICENSE", "Test data, no license.\n");
        p.publish(universe);
        args.push(format!("{path}@{version}"));
    }
    args
}

/// The arguments among `args` that `go` downloads without error and that name their
/// resolved version (no `Query`): one go run in a scratch sandbox.
fn go_downloads_cleanly(go: &Go, proxy: &TestProxy, args: &[String]) -> Vec<String> {
    let scout = sandbox_for(proxy, true);
    let run = go_download(go, &scout, &scout.work_dir(), &["-json"], args);
    let recs = run.download_records().expect("go -json records");
    assert_eq!(recs.len(), args.len(), "{run}");
    args.iter()
        .zip(&recs)
        .filter(|(_, r)| r.error.is_none() && r.query.is_none())
        .map(|(a, _)| a.clone())
        .collect()
}

pub fn split_arg(arg: &str) -> ModuleVersion {
    let (p, v) = arg.rsplit_once('@').expect("path@version");
    ModuleVersion::new(p, v)
}

/// The store over a sandbox's cache (for its paths and predicates).
pub fn store_of(sb: &Sandbox) -> Store {
    Store::open(sb.gomodcache(), StoreOptions::default()).expect("opening the store")
}

/// `go <args>` in `dir` with `GOPROXY=off` and `GOFLAGS=-mod=mod`.
pub fn go_offline(go: &Go, sb: &Sandbox, dir: &Path, args: &[&str]) -> Run {
    let mut c = go.command(sb, dir);
    c.env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .args(args);
    Run::capture(c, Some(DEFAULT_TIMEOUT)).expect("running go")
}

/// Throwaway main modules for `go mod verify` over `args` (see the module docs):
/// returns the groups (one per main module) and how many arguments were left out.
pub fn verify_groups(sb: &Sandbox, args: &[String]) -> (Vec<Vec<String>>, usize) {
    let store = store_of(sb);
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut rounds: HashMap<String, usize> = HashMap::new();
    let mut left_out = 0;
    for arg in args {
        let m = split_arg(arg);
        let gomod = store.read_mod(&m).unwrap_or_default();
        let text = String::from_utf8_lossy(&gomod);
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        let directive = |l: &&str| {
            ["require", "replace", "exclude", "retract"]
                .iter()
                .any(|d| l.starts_with(d))
        };
        let own = lines
            .iter()
            .any(|l| *l == format!("module {}", m.path) || *l == format!("module {:?}", m.path));
        if lines.iter().any(directive) || !own {
            left_out += 1;
            continue;
        }
        let round = rounds.entry(m.path.clone()).or_default();
        if groups.len() <= *round {
            groups.push(Vec::new());
        }
        groups[*round].push(arg.clone());
        *round += 1;
    }
    (groups, left_out)
}

/// `go mod verify` in a throwaway main module requiring `group`. Also checks that
/// every module's zip hash is in the cache, since `go mod verify` passes for a module
/// with nothing downloaded.
pub fn go_mod_verify(go: &Go, sb: &Sandbox, group: &[String]) -> Result<(), String> {
    let store = store_of(sb);
    for arg in group {
        let m = split_arg(arg);
        let state = store.zip_state(&m).map_err(|e| e.to_string())?;
        if !state.is_complete() || store.download_dir(&m).is_err() {
            return Err(format!("{arg} is not in the cache ({state:?})"));
        }
    }
    crate::crash_consistency::go_mod_verify_offline(go, sb, group)
}

/// Runs `go mod verify` over every group and records each in `t`; returns how many
/// modules were verified.
fn verify_all(t: &mut Tally, go: &Go, sb: &Sandbox, args: &[String], who: &str) -> usize {
    let (groups, _) = verify_groups(sb, args);
    let mut n = 0;
    for (i, g) in groups.iter().enumerate() {
        n += g.len();
        t.check(
            format!("{who}: go mod verify, group {i} ({} modules)", g.len()),
            || go_mod_verify(go, sb, g),
        );
    }
    n
}

/// Ours fills → go reads (zero requests, same records, `go mod verify`); ours again is
/// a no-op; go fills → ours reads (zero requests, go's records); both caches equal.
#[test]
fn interop_both_ways() {
    let (Some(go), Some((dir, fixtures))) = (support::go(TEST), support::served_fixtures(TEST))
    else {
        return;
    };
    let universe = Universe::from_txtar_dir(&dir).expect("loading the fixtures");
    let synthetic = publish_synthetic(&universe, "example.com/interop", 24, 1);
    let proxy = TestProxy::start(ProxyConfig::new(universe)).expect("starting the proxy");

    let mut args = go_downloads_cleanly(&go, &proxy, &fixtures);
    let n_fixtures = args.len();
    args.extend(synthetic.iter().cloned());
    let n = args.len();

    // Ours fills.
    let mut t = Tally::new("download_interop/ours fills, go reads");
    let o = sandbox_for(&proxy, false);
    let (fill, fill_reqs) = observe(&proxy, || ours(&o, &o.work_dir(), &["-json"], &args));
    t.check("gomodfetch fills the cache", || all_ok(&fill, n));
    t.check("gomodfetch fetched each file once", || {
        let mut seen = BTreeMap::new();
        for r in &fill_reqs {
            *seen.entry(r.as_str()).or_insert(0) += 1;
        }
        let dup: Vec<_> = seen.iter().filter(|(_, c)| **c > 1).collect();
        if dup.is_empty() && fill_reqs.len() == 3 * n {
            Ok(())
        } else {
            Err(format!(
                "{} requests for {n} modules; repeated: {dup:?}",
                fill_reqs.len()
            ))
        }
    });
    let (again, reqs) = observe(&proxy, || ours(&o, &o.work_dir(), &["-json"], &args));
    t.eq("a second gomodfetch run: requests", reqs, vec![]);
    t.check("a second gomodfetch run: same records", || {
        all_ok(&again, n)?;
        same_text("stdout", &fill.stdout_text(), &again.stdout_text())
    });
    let (g, reqs) = observe(&proxy, || {
        go_download(&go, &o, &o.work_dir(), &["-json"], &args)
    });
    t.eq("go mod download after gomodfetch: requests", reqs, vec![]);
    t.check("go mod download after gomodfetch: our records", || {
        all_ok(&g, n)?;
        same_text("stdout", &fill.stdout_text(), &g.stdout_text())?;
        same_text("stderr", "", &g.stderr_text())
    });
    let (plain, reqs) = observe(&proxy, || go_download(&go, &o, &o.work_dir(), &[], &args));
    t.eq(
        "go mod download (no -json) after gomodfetch: requests",
        reqs,
        vec![],
    );
    t.check(
        "go mod download (no -json) after gomodfetch: silent",
        || {
            if plain.success() && plain.stdout.is_empty() && plain.stderr.is_empty() {
                Ok(())
            } else {
                Err(plain.to_string())
            }
        },
    );
    let mut v = Tally::new("download_interop/go mod verify");
    let verified = verify_all(&mut v, &go, &o, &args, "gomodfetch's cache");
    let ours_cache = snapshot(&o);
    t.finish();

    // Go fills.
    let mut t = Tally::new("download_interop/go fills, ours reads");
    let gs = sandbox_for(&proxy, false);
    let (gfill, _) = observe(&proxy, || {
        go_download(&go, &gs, &gs.work_dir(), &["-json"], &args)
    });
    t.check("go fills the cache", || all_ok(&gfill, n));
    let (ofill, reqs) = observe(&proxy, || ours(&gs, &gs.work_dir(), &["-json"], &args));
    t.eq("gomodfetch after go: requests", reqs, vec![]);
    t.check("gomodfetch after go: go's records", || {
        all_ok(&ofill, n)?;
        same_text("stdout", &gfill.stdout_text(), &ofill.stdout_text())?;
        same_text("stderr", "", &ofill.stderr_text())
    });
    let (oplain, reqs) = observe(&proxy, || ours(&gs, &gs.work_dir(), &[], &args));
    t.eq("gomodfetch (no -json) after go: requests", reqs, vec![]);
    t.check("gomodfetch (no -json) after go: silent", || {
        if oplain.success() && oplain.stdout.is_empty() && oplain.stderr.is_empty() {
            Ok(())
        } else {
            Err(oplain.to_string())
        }
    });
    t.check(
        "the cache gomodfetch filled equals the one go filled",
        || same_cache(&snapshot(&gs), &ours_cache, ("go", "ours")),
    );
    verify_all(&mut v, &go, &gs, &args, "go's cache");
    t.finish();
    v.finish();
    support::note(
        "download_interop/modules",
        &format!(
            "{n} modules ({n_fixtures} fixture modules go downloads as named, {} synthetic) shared both ways with zero requests; go mod verify over {verified} of them (the others' go.mod graphs need modules outside the cache)",
            synthetic.len()
        ),
    );
}

/// How a cache is damaged before the repair runs.
#[derive(Debug, Clone, Copy)]
enum Damage {
    /// `.zip` without `.ziphash` (a crash of an older go between the two, or a user
    /// deleting it): Go re-hashes the zip and re-extracts the tree it no longer trusts.
    ZipWithoutZiphash,
    /// The tree with its `.partial` marker (an extraction interrupted after the last
    /// file): Go removes and re-extracts it from the zip.
    TreeWithPartial,
    /// Half a tree with its `.partial` marker.
    HalfTreeWithPartial,
    /// A `.zip` (and `.ziphash`) without its tree: extracted from the zip, no request.
    ZipWithoutTree,
    /// The tree and `.ziphash` without the `.zip`: Go downloads the zip again (for the
    /// record's `Zip`), leaving the tree alone.
    TreeWithoutZip,
    /// A `.tmp` file of an interrupted zip download next to the complete files.
    StaleTempZip,
    /// `.info` missing: Stat goes to the proxy again.
    InfoMissing,
}

/// Makes a tree (and everything in it) writable, as go does before removing one.
fn make_writable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(md) = std::fs::symlink_metadata(p) else {
        return;
    };
    let mode = md.permissions().mode();
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode | 0o700));
    if md.is_dir()
        && let Ok(rd) = std::fs::read_dir(p)
    {
        for e in rd.flatten() {
            make_writable(&e.path());
        }
    }
}

fn damage(sb: &Sandbox, arg: &str, how: Damage) {
    let store = store_of(sb);
    let p = store.paths(&split_arg(arg)).expect("paths");
    let rm =
        |f: PathBuf| std::fs::remove_file(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    match how {
        Damage::ZipWithoutZiphash => rm(p.ziphash()),
        Damage::TreeWithPartial => std::fs::write(p.partial(), "").expect("write .partial"),
        Damage::HalfTreeWithPartial => {
            std::fs::write(p.partial(), "").expect("write .partial");
            let dir = p.extracted_dir();
            make_writable(dir);
            let mut files: Vec<PathBuf> = Vec::new();
            let mut stack = vec![dir.to_path_buf()];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
                    if e.path().is_dir() {
                        stack.push(e.path());
                    } else {
                        files.push(e.path());
                    }
                }
            }
            files.sort();
            for f in files.iter().skip(files.len() / 2) {
                rm(f.clone());
            }
        }
        Damage::ZipWithoutTree => {
            make_writable(p.extracted_dir());
            store::remove_all(p.extracted_dir()).expect("remove tree");
        }
        Damage::TreeWithoutZip => rm(p.zip()),
        Damage::StaleTempZip => {
            let tmp = p
                .download_dir()
                .join(format!("{}.zip7401832.tmp", p.escaped_version()));
            std::fs::write(tmp, b"PK\x03\x04 half a zip").expect("write tmp");
        }
        Damage::InfoMissing => rm(p.info()),
    }
}

/// A cache go left damaged is repaired by gomodfetch exactly as go repairs it: same
/// requests, same output, same final tree, equal to an undamaged go cache (go leaves
/// the stale `.tmp` file in place, and so do we).
#[test]
fn repairs_what_go_left() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let universe = Universe::new();
    let args = publish_synthetic(&universe, "example.com/repair", 10, 7);
    let proxy = TestProxy::start(ProxyConfig::new(universe)).expect("starting the proxy");
    let clean = sandbox_for(&proxy, false);
    let run = go_download(&go, &clean, &clean.work_dir(), &["-json"], &args);
    all_ok(&run, args.len()).expect("clean go run");
    let clean_cache = snapshot(&clean);

    let damages = [
        Damage::ZipWithoutZiphash,
        Damage::TreeWithPartial,
        Damage::HalfTreeWithPartial,
        Damage::ZipWithoutTree,
        Damage::TreeWithoutZip,
        Damage::StaleTempZip,
        Damage::InfoMissing,
    ];
    let mut t = Tally::new("download_interop/repair");
    let mut seen = Vec::new();
    for (i, how) in damages.iter().enumerate() {
        let victim = &args[i % args.len()];
        t.check(format!("{how:?} ({victim})"), || {
            let (gsb, osb) = (sandbox_for(&proxy, false), sandbox_for(&proxy, false));
            for sb in [&gsb, &osb] {
                all_ok(
                    &go_download(&go, sb, &sb.work_dir(), &["-json"], &args),
                    args.len(),
                )?;
                damage(sb, victim, *how);
            }
            if snapshot(&osb) == clean_cache {
                return Err("the damage changed nothing".into());
            }
            let (g, greqs) = observe(&proxy, || {
                go_download(&go, &gsb, &gsb.work_dir(), &["-json"], &args)
            });
            let (o, oreqs) = observe(&proxy, || ours(&osb, &osb.work_dir(), &["-json"], &args));
            seen.push(format!("{how:?}: {}", greqs.join(" ")));
            let mut why = Vec::new();
            if greqs != oreqs {
                why.push(format!("requests: go {greqs:?}, ours {oreqs:?}"));
            }
            why.extend(output_differences((&gsb, &g), (&osb, &o)));
            let (gc, oc) = (snapshot(&gsb), snapshot(&osb));
            if let Err(e) = same_cache(&gc, &oc, ("go", "ours")) {
                why.push(e);
            }
            // Apart from a stale temp file, the repaired cache is the clean one.
            let stale = SnapshotOptions::default().ignore("**/*.tmp");
            let oc_clean = osb.cache_snapshot(&stale).map_err(|e| e.to_string())?;
            if let Err(e) = same_cache(&clean_cache, &oc_clean, ("clean go", "ours")) {
                why.push(format!("vs a clean run: {e}"));
            }
            if why.is_empty() {
                Ok(())
            } else {
                Err(why.join("\n"))
            }
        });
    }
    support::note(
        "download_interop/repair requests",
        &format!(
            "requests go (and we) make to repair:\n  {}",
            seen.join("\n  ")
        ),
    );
    t.finish();
}
