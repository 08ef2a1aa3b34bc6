//! Permanent errors and lying proxies, end to end through the binary.
//!
//! * **Permanent errors**: among 24 modules, six answer 404, 410 or 403 on their
//!   `.info`, `.mod` or `.zip`, every time. gomodfetch must report each exactly as
//!   `go` does (exit status, `-json` records, stderr) and download the rest: the same
//!   cache as go's.
//! * **Lies `go` catches**, compared with `go` in the same way: a different zip for a
//!   version go.sum knows, a different zip and a wrong `.mod` under a checksum
//!   database, a `.mod` declaring another module path, an `.info` naming another
//!   version, a redirect loop.
//! * **Lies `go` has no defence against** (it would read forever or wait forever):
//!   an endless `@v/list` (80 MiB and more), an oversized `.mod`, a zip dripping at
//!   2 KB/s, a zip stalled for good. gomodfetch must fail the module with an error
//!   naming the URL and the limit, within bounded time (the harness's time limit turns
//!   a hang into a failure) and bounded memory (peak RSS measured with `wait4`),
//!   leaving nothing in the cache that go would take as the module.

use std::path::Path;
use std::time::Duration;

use gomodfetch::testkit::gocmd::{Go, Run, Sandbox};
use gomodfetch::testkit::proxy::{FaultKind, FaultRule, ProxyConfig, TestProxy};
use gomodfetch::testkit::sumdb::TestSumdb;
use gomodfetch::testkit::tree::SnapshotOptions;
use gomodfetch::testkit::universe::{Package, Universe};

use crate::download_diff::same_snapshots;
use crate::download_interop::{
    GOMODFETCH, go_download, ours, output_differences, publish_synthetic, sandbox_for, split_arg,
    store_of,
};
use crate::support::{self, Tally};

const TEST: &str = "download_lying";

/// Go and us under the same faults, in separate sandboxes (each run gets the rules
/// afresh, so counted rules fire the same way for both).
struct Pair {
    go_sb: Sandbox,
    go: Run,
    our_sb: Sandbox,
    ours: Run,
}

fn pair(
    go: &Go,
    proxy: &TestProxy,
    rules: &[FaultRule],
    main: Option<(&str, &str)>,
    flags: &[&str],
    args: &[String],
) -> Pair {
    let setup = |sb: &Sandbox| match main {
        Some((gomod, gosum)) => sb.main_module(gomod, Some(gosum)).expect("main module"),
        None => sb.work_dir(),
    };
    proxy.set_faults(rules.to_vec());
    let go_sb = sandbox_for(proxy, false);
    let gdir = setup(&go_sb);
    let g = go_download(go, &go_sb, &gdir, flags, args);
    proxy.set_faults(rules.to_vec());
    let our_sb = sandbox_for(proxy, false);
    let odir = setup(&our_sb);
    let o = ours(&our_sb, &odir, flags, args);
    proxy.set_faults(Vec::new());
    Pair {
        go_sb,
        go: g,
        our_sb,
        ours: o,
    }
}

/// Same exit status, records, stderr, and cache (temp files aside: go leaves its
/// zip temp file behind when it exits on a security error).
fn same_as_go(p: &Pair) -> Result<(), String> {
    let mut why = output_differences((&p.go_sb, &p.go), (&p.our_sb, &p.ours));
    let no_tmp = SnapshotOptions::default().ignore("**/*.tmp");
    let tree = |sb: &Sandbox| sb.cache_snapshot(&no_tmp).map_err(|e| e.to_string());
    if let Err(e) = same_snapshots(&tree(&p.go_sb)?, &tree(&p.our_sb)?, ("go", "ours")) {
        why.push(e);
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\ngo: {}\nours: {}",
            why.join("\n"),
            p.go,
            p.ours
        ))
    }
}

fn rule(path: &str, kind: FaultKind) -> FaultRule {
    FaultRule::new(format!("/mod/{path}"), kind)
}

#[test]
fn permanent_errors_are_reported_per_module_as_go() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let universe = Universe::new();
    let args = publish_synthetic(&universe, "example.com/perm", 24, 5);
    let proxy = TestProxy::start(ProxyConfig::new(universe).tls(true)).expect("starting the proxy");
    let on = |i: usize, file: &str, code: u16| {
        let m = split_arg(&args[i]);
        let enc = gomodfetch::module::escape_path(&m.path).expect("escape");
        let v = gomodfetch::module::escape_version(&m.version).expect("escape");
        rule(&format!("{enc}/@v/{v}.{file}"), FaultKind::status(code))
    };
    let rules = vec![
        on(0, "info", 404),
        on(1, "mod", 410),
        on(2, "zip", 403),
        on(3, "zip", 404),
        on(4, "info", 410),
        on(5, "mod", 403),
    ];
    let mut t = Tally::new("download_lying/permanent 404, 410, 403");
    for flags in [&["-json"][..], &[][..]] {
        let p = pair(&go, &proxy, &rules, None, flags, &args);
        t.check(
            format!("{} modules, six failing, flags {flags:?}", args.len()),
            || {
                if p.go.success() {
                    return Err(format!("go succeeded:\n{}", p.go));
                }
                same_as_go(&p)
            },
        );
    }
    t.finish();
}

/// The main module of the lying-proxy cases: requires `args`, go.sum from a clean
/// go run.
fn main_module(go: &Go, proxy: &TestProxy, args: &[String]) -> (String, String) {
    let mut gomod = String::from("module example.com/lyingmain\n\ngo 1.21\n\nrequire (\n");
    for a in args {
        let m = split_arg(a);
        gomod.push_str(&format!("\t{} {}\n", m.path, m.version));
    }
    gomod.push_str(")\n");
    let sb = sandbox_for(proxy, false);
    let dir = sb.main_module(&gomod, None).expect("main module");
    // Named arguments: go records their zip hashes too.
    let run = go_download(go, &sb, &dir, &[], args);
    assert!(run.success(), "filling go.sum:\n{run}");
    let gosum = std::fs::read_to_string(dir.join("go.sum")).expect("go.sum");
    (gomod, gosum)
}

/// A name, the fault rules, whether to run in the main module, whether under the
/// checksum database, and the arguments.
type LieCase = (&'static str, Vec<FaultRule>, bool, bool, Vec<String>);

#[test]
fn lies_go_catches_are_caught_the_same_way() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let universe = Universe::new();
    let args = publish_synthetic(&universe, "example.com/lie", 6, 8);
    Package::new("example.com/lie/wrongversion", "v1.0.0")
        .raw_info(r#"{"Version":"v1.0.1","Time":"2020-01-01T00:00:00Z"}"#)
        .publish(&universe);
    let db = TestSumdb::new(&universe).expect("a test checksum database");
    let proxy = TestProxy::start(ProxyConfig::new(universe).tls(true).sumdb(db.clone()))
        .expect("starting the proxy");
    let (gomod, gosum) = main_module(&go, &proxy, &args);
    let victim = split_arg(&args[1]);
    let enc = gomodfetch::module::escape_path(&victim.path).expect("escape");
    let v = gomodfetch::module::escape_version(&victim.version).expect("escape");
    let zip = format!("{enc}/@v/{v}.zip");
    let modf = format!("{enc}/@v/{v}.mod");

    let mut t = Tally::new("download_lying/lies go catches");
    let gosumdb = db.gosumdb_direct(&proxy.goproxy_url());
    let with_db = |sb: &mut Sandbox| {
        sb.gosumdb(&gosumdb).gonosumdb("");
    };
    let mut cases: Vec<LieCase> = vec![
        // name, rules, in the main module, under the checksum database, args
        (
            "another zip for a version go.sum knows",
            vec![rule(&zip, FaultKind::OtherZip)],
            true,
            false,
            vec![args[1].clone()],
        ),
        (
            "another zip under the checksum database",
            vec![rule(&zip, FaultKind::OtherZip)],
            false,
            true,
            vec![args[1].clone()],
        ),
        (
            "a wrong .mod under the checksum database",
            vec![rule(&modf, FaultKind::WrongMod { body: None })],
            false,
            true,
            vec![args[1].clone()],
        ),
        (
            "a .mod declaring another path, go.sum knows the version",
            vec![rule(&modf, FaultKind::WrongMod { body: None })],
            true,
            false,
            vec![args[1].clone()],
        ),
        (
            "an .info naming another version",
            Vec::new(),
            false,
            false,
            vec!["example.com/lie/wrongversion@v1.0.0".to_string()],
        ),
    ];
    for (name, rules, in_main, db, mods) in cases.drain(..) {
        proxy.set_faults(rules.clone());
        let mut go_sb = sandbox_for(&proxy, false);
        let mut our_sb = sandbox_for(&proxy, false);
        if db {
            with_db(&mut go_sb);
            with_db(&mut our_sb);
        }
        let dir = |sb: &Sandbox| {
            if in_main {
                sb.main_module(&gomod, Some(&gosum)).expect("main module")
            } else {
                sb.work_dir()
            }
        };
        let (gdir, odir) = (dir(&go_sb), dir(&our_sb));
        let g = go_download(&go, &go_sb, &gdir, &["-json"], &mods);
        proxy.set_faults(rules.clone());
        let o = ours(&our_sb, &odir, &["-json"], &mods);
        proxy.set_faults(Vec::new());
        let p = Pair {
            go_sb,
            go: g,
            our_sb,
            ours: o,
        };
        t.check(name, || {
            if p.go.success() {
                return Err(format!("go accepted the lie:\n{}", p.go));
            }
            same_as_go(&p)?;
            if in_main {
                let read = |d: &Path| std::fs::read_to_string(d.join("go.sum")).unwrap_or_default();
                if read(&gdir) != read(&odir) {
                    return Err("go.sum differs from go's".into());
                }
            }
            Ok(())
        });
    }

    // A redirect loop: the test proxy's /redirect/N/ prefix redirects N times.
    let mods = vec![args[0].clone()];
    let mut go_sb = sandbox_for(&proxy, false);
    let mut our_sb = sandbox_for(&proxy, false);
    let looping = format!("{}/redirect/11", proxy.goproxy_url());
    go_sb.goproxy(&looping);
    our_sb.goproxy(&looping);
    let g = go_download(&go, &go_sb, &go_sb.work_dir(), &["-json"], &mods);
    let o = ours(&our_sb, &our_sb.work_dir(), &["-json"], &mods);
    let p = Pair {
        go_sb,
        go: g,
        our_sb,
        ours: o,
    };
    t.check("a redirect loop (11 redirects)", || {
        if !p.go.stdout_text().contains("stopped after 10 redirects") {
            return Err(format!("go did not stop at 10 redirects:\n{}", p.go));
        }
        same_as_go(&p)
    });
    t.finish();
}

/// A finished gomodfetch run with its peak RSS (KiB).
struct Measured {
    run: Run,
    max_rss_kib: u64,
}

/// The `VmHWM` (peak RSS, KiB) of `pid` once it runs `exe`: `ru_maxrss` from `wait4`
/// cannot serve, as it counts the test process's own pages the child shared before
/// its `exec`.
fn vm_hwm(pid: u32, exe: &Path) -> Option<u64> {
    let running = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
    if running != exe {
        return None;
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs gomodfetch with `args`, sampling its peak RSS every 5 ms until it exits.
fn ours_measured(sb: &Sandbox, args: &[String]) -> Measured {
    let exe = std::fs::canonicalize(GOMODFETCH).expect("the gomodfetch binary");
    let mut cmd = sb.command(GOMODFETCH, sb.work_dir());
    cmd.args(args);
    let (tx, rx) = std::sync::mpsc::channel::<u32>();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let sampler = std::thread::spawn(move || {
        let Ok(pid) = rx.recv() else {
            return 0;
        };
        let mut peak = 0;
        loop {
            if let Some(k) = vm_hwm(pid, &exe) {
                peak = peak.max(k);
            }
            if done_rx.recv_timeout(Duration::from_millis(5)).is_ok() {
                return peak;
            }
        }
    });
    let run = Run::capture_with(cmd, Some(Duration::from_secs(300)), |pid| {
        let _ = tx.send(pid);
    })
    .expect("running gomodfetch");
    let _ = done_tx.send(());
    Measured {
        run,
        max_rss_kib: sampler.join().unwrap_or(0),
    }
}

#[test]
fn lies_go_cannot_survive_fail_within_bounds() {
    let universe = Universe::new();
    let args = publish_synthetic(&universe, "example.com/bounded", 4, 9);
    let proxy = TestProxy::start(ProxyConfig::new(universe).tls(true)).expect("starting the proxy");
    let m = split_arg(&args[0]);
    let enc = gomodfetch::module::escape_path(&m.path).expect("escape");
    let v = gomodfetch::module::escape_version(&m.version).expect("escape");
    let base = proxy.goproxy_url();
    let cases: Vec<(&str, FaultRule, Vec<String>, Vec<String>)> = vec![
        // name, rule, arguments, what the error must say
        (
            "an endless @v/list (80 MiB)",
            rule(
                &format!("{enc}/@v/list"),
                FaultKind::Oversize { bytes: 80 << 20 },
            ),
            vec![format!("{}@latest", m.path)],
            vec![
                format!("{base}/{enc}/@v/list"),
                "response body too large (more than 67108864 bytes)".into(),
            ],
        ),
        (
            "a 20 MiB .mod",
            rule(
                &format!("{enc}/@v/{v}.mod"),
                FaultKind::Oversize { bytes: 20 << 20 },
            ),
            vec![args[0].clone()],
            vec![
                format!("{base}/{enc}/@v/{v}.mod"),
                "response body too large (more than 16777216 bytes)".into(),
            ],
        ),
        (
            "a zip dripping at 2 KB/s",
            rule(
                &format!("{enc}/@v/{v}.zip"),
                FaultKind::Drip {
                    bytes_per_sec: 2000,
                },
            ),
            vec![args[0].clone()],
            vec![
                format!("{base}/{enc}/@v/{v}.zip"),
                "under the 16384 bytes required".into(),
            ],
        ),
        (
            "a zip stalled for good",
            rule(
                &format!("{enc}/@v/{v}.zip"),
                FaultKind::Stall {
                    at: Some(100),
                    duration: None,
                },
            ),
            vec![args[0].clone()],
            vec![format!("{base}/{enc}/@v/{v}.zip"), "i/o timeout".into()],
        ),
    ];
    let mut t = Tally::new("download_lying/lies go cannot survive");
    let mut notes = Vec::new();
    for (name, r, mods, want) in cases {
        proxy.set_faults(vec![r]);
        let sb = sandbox_for(&proxy, false);
        let mut argv: Vec<String> = vec![
            "download".into(),
            "-json".into(),
            "--stall-timeout=1s".into(),
        ];
        argv.extend(mods.iter().cloned());
        let measured = ours_measured(&sb, &argv);
        proxy.set_faults(Vec::new());
        notes.push(format!(
            "{name}: peak RSS {} MiB",
            measured.max_rss_kib / 1024
        ));
        t.check(name, || {
            let o = &measured.run;
            if o.success() {
                return Err(format!("accepted:\n{o}"));
            }
            let text = o.stdout_text();
            for w in &want {
                if !text.contains(w) {
                    return Err(format!("the error does not say {w:?}:\n{o}"));
                }
            }
            // 80 MiB is refused at 64 MiB; nothing near the body's size stays resident.
            if measured.max_rss_kib > 200 * 1024 {
                return Err(format!("peak RSS {} KiB", measured.max_rss_kib));
            }
            let store = store_of(&sb);
            let mv = split_arg(&args[0]);
            if store.zip_state(&mv).is_ok_and(|s| s.is_complete())
                || store.download_dir(&mv).is_ok()
            {
                return Err("the module is in the cache".into());
            }
            Ok(())
        });
    }
    support::note("download_lying/bounded", &notes.join("\n  "));
    t.finish();
}
