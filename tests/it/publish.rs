//! `gomodfetch publish`: the published tree, read back by the real `go`.
//!
//! * **Directory** (`publish_dir_serves_go_with_sumdb`): one cache filled by `go mod
//!   download`, one by `gomodfetch download`, both from the test proxy under the test
//!   checksum database; both published with `--sumdb` into one directory (the second
//!   finds everything there already); the proxy is stopped; then `go` with
//!   `GOPROXY=file://<dir>` and `GOSUMDB=<test key>` downloads every module, outside a
//!   module and inside a main module with no go.sum, and its cache holds the same
//!   zips, `.mod` files and ziphashes, and the checksum database's lookups (so it did
//!   verify, through the tree).
//! * **S3** (`publish_s3_serves_go_with_sumdb`): the same through a real S3-compatible
//!   server on loopback (moto), read anonymously by `go` over plain http.
//! * **Immutability** (`publish_refuses_overwrites`): a second cache with another zip
//!   and another go.mod for the same version is refused (exit 1, the message names
//!   the module, version and object), the objects stay as they were, the same
//!   `.info` counts as already there; publishing the first cache again changes
//!   nothing and exits 0. Directory and S3.
//! * **Concurrency** (`publish_concurrent_publishers_union`): two processes publish
//!   overlapping version sets of the same modules at once; every list is the union,
//!   every object intact. Directory and S3, several rounds.
//! * **Corruption** (`publish_refuses_corrupt_zips`): a cached zip with flipped bytes,
//!   and one replaced by another valid zip, both beside their old `.ziphash`: neither
//!   version is published, the others are.
//!
//! S3 needs `moto_server` (`pip install 'moto[server]'`; `.ci/run` installs it into
//! `target/moto-venv`): `$GOMODFETCH_MOTO_SERVER`, that venv, or PATH. Without it the
//! S3 halves skip loudly (fail under `CI=true`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gomodfetch::module::ModuleVersion;
use gomodfetch::testkit::gocmd::{DEFAULT_TIMEOUT, Go, Run, Sandbox};
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::sumdb::{NAME, TestSumdb, VERIFIER_KEY};
use gomodfetch::testkit::universe::{Package, Universe};

use crate::download_interop::{
    GOMODFETCH, all_ok, go_download, ours, publish_synthetic, split_arg, store_of,
};
use crate::support::{self, Tally};

const TEST: &str = "publish";
const BUCKET: &str = "goproxy";

// ---------------------------------------------------------------------------------
// Running publish

/// The `--json` report of a run.
fn report(run: &Run) -> serde_json::Value {
    serde_json::from_slice(run.stdout_text().as_bytes())
        .unwrap_or_else(|e| panic!("publish --json printed no report ({e}):\n{run}"))
}

fn count(r: &serde_json::Value, key: &str) -> u64 {
    r[key].as_u64().unwrap_or(u64::MAX)
}

/// Publishes `sb`'s cache to `dest` with `--json` and `extra`: the report, when the
/// run succeeded and each counter in `zero` is 0.
fn publish_clean(
    dest: &Dest,
    sb: &Sandbox,
    extra: &[&str],
    zero: &[&str],
) -> Result<serde_json::Value, String> {
    let mut flags = vec!["--json"];
    flags.extend(extra);
    let run = dest.publish(sb, &flags);
    let r = report(&run);
    if !run.success() || zero.iter().any(|k| count(&r, k) != 0) {
        return Err(format!("want success and no {zero:?}:\n{run}"));
    }
    Ok(r)
}

/// `gomodfetch publish` in `sb`'s environment (its GOMODCACHE) plus credentials moto
/// accepts.
fn publish_command(sb: &Sandbox, args: &[String]) -> Command {
    let mut c = sb.command(GOMODFETCH, sb.work_dir());
    c.arg("publish")
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1");
    c
}

/// Where a test publishes: a directory, or a prefix in moto's bucket.
enum Dest<'a> {
    Dir(PathBuf),
    S3 { moto: &'a Moto, prefix: String },
}

impl Dest<'_> {
    fn name(&self) -> &'static str {
        match self {
            Dest::Dir(_) => "directory",
            Dest::S3 { .. } => "s3",
        }
    }

    /// The publish flags for this destination.
    fn flags(&self) -> Vec<String> {
        match self {
            Dest::Dir(d) => vec!["--to".into(), d.display().to_string()],
            Dest::S3 { moto, prefix } => vec![
                "--to".into(),
                format!("s3://{BUCKET}/{prefix}"),
                "--endpoint".into(),
                moto.endpoint(),
            ],
        }
    }

    /// `gomodfetch publish` of `sb`'s cache here, with `extra` flags.
    fn publish(&self, sb: &Sandbox, extra: &[&str]) -> Run {
        let mut args = self.flags();
        args.extend(extra.iter().map(|s| s.to_string()));
        Run::capture(publish_command(sb, &args), Some(DEFAULT_TIMEOUT))
            .expect("running gomodfetch publish")
    }

    /// The object `rel`, if published.
    fn read(&self, rel: &str) -> Option<Vec<u8>> {
        match self {
            Dest::Dir(d) => std::fs::read(d.join(rel)).ok(),
            Dest::S3 { moto, prefix } => {
                let (status, body) = moto
                    .request("GET", &format!("/{BUCKET}/{prefix}/{rel}"), b"", false)
                    .expect("GET from moto");
                (status == 200).then_some(body)
            }
        }
    }

    /// The GOPROXY value that serves the tree.
    fn goproxy(&self) -> String {
        match self {
            Dest::Dir(d) => format!("file://{}", d.display()),
            Dest::S3 { moto, prefix } => format!("{}/{BUCKET}/{prefix}", moto.endpoint()),
        }
    }
}

// ---------------------------------------------------------------------------------
// Filling caches

/// A test proxy with the test checksum database over `n` synthetic modules.
fn sumdb_proxy(prefix: &str, n: usize, seed: u64) -> (TestProxy, Vec<String>) {
    let universe = Universe::new();
    let args = publish_synthetic(&universe, prefix, n, seed);
    let db = TestSumdb::new(&universe).expect("a test checksum database");
    let proxy = TestProxy::start(ProxyConfig::new(universe).sumdb(db)).expect("starting the proxy");
    (proxy, args)
}

/// A sandbox using `proxy` for modules and for the test checksum database.
fn sumdb_sandbox(proxy: &TestProxy) -> Sandbox {
    let mut sb = support::sandbox();
    sb.goproxy(proxy.goproxy_url())
        .gosumdb(VERIFIER_KEY)
        .gonosumdb("");
    sb
}

/// A cache filled by `go mod download args` through `proxy` (no checksum database).
fn go_filled(go: &Go, proxy: &TestProxy, args: &[String]) -> Sandbox {
    let mut sb = support::sandbox();
    sb.goproxy(proxy.goproxy_url());
    filled_by_go(go, sb, args)
}

/// `sb` after `go mod download -json args` succeeded in it.
fn filled_by_go(go: &Go, sb: Sandbox, args: &[String]) -> Sandbox {
    let run = go_download(go, &sb, &sb.work_dir(), &["-json"], args);
    all_ok(&run, args.len()).unwrap_or_else(|e| panic!("filling a cache with go: {e}"));
    sb
}

// ---------------------------------------------------------------------------------
// Reading the tree back with go

/// The cache files `go` compares by: zip, go.mod, ziphash.
fn same_module_files(want: &Sandbox, got: &Sandbox, args: &[String]) -> Result<(), String> {
    let (a, b) = (store_of(want), store_of(got));
    let mut diffs = Vec::new();
    for arg in args {
        let m = split_arg(arg);
        let (pa, pb) = (a.paths(&m).expect("paths"), b.paths(&m).expect("paths"));
        for (fa, fb) in [
            (pa.zip(), pb.zip()),
            (pa.gomod(), pb.gomod()),
            (pa.ziphash(), pb.ziphash()),
        ] {
            match (std::fs::read(&fa), std::fs::read(&fb)) {
                (Ok(x), Ok(y)) if x == y => {}
                (x, y) => diffs.push(format!(
                    "{}: original {:?} bytes, from the tree {:?} bytes",
                    fb.display(),
                    x.map(|x| x.len()).map_err(|e| e.to_string()),
                    y.map(|y| y.len()).map_err(|e| e.to_string()),
                )),
            }
        }
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs.join("\n"))
    }
}

/// Whether `sb`'s cache holds the test database's lookup of every module.
fn looked_up(sb: &Sandbox, args: &[String]) -> Result<(), String> {
    let dir = sb
        .gomodcache()
        .join("cache/download/sumdb")
        .join(NAME)
        .join("lookup");
    let missing: Vec<&String> = args
        .iter()
        .filter(|a| {
            let m = split_arg(a);
            let p = gomodfetch::module::escape_path(&m.path).expect("escape");
            let v = gomodfetch::module::escape_version(&m.version).expect("escape");
            !dir.join(format!("{p}@{v}")).is_file()
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "no checksum-database lookup in the new cache for {missing:?}"
        ))
    }
}

/// A fresh sandbox reading only the tree at `goproxy`, checking sums with the test
/// database through it.
fn tree_sandbox(goproxy: &str) -> Sandbox {
    let mut sb = support::sandbox();
    sb.goproxy(goproxy).gosumdb(VERIFIER_KEY).gonosumdb("");
    sb
}

/// `go` reads everything back from the tree at `goproxy` (see the module docs).
fn go_reads_tree(t: &mut Tally, go: &Go, goproxy: &str, original: &Sandbox, args: &[String]) {
    let outside = tree_sandbox(goproxy);
    t.check(
        format!(
            "go mod download -json of {} modules from {goproxy}",
            args.len()
        ),
        || {
            let run = go_download(go, &outside, &outside.work_dir(), &["-json"], args);
            all_ok(&run, args.len())?;
            same_module_files(original, &outside, args)?;
            looked_up(&outside, args)
        },
    );
    let inside = tree_sandbox(goproxy);
    t.check(
        "go mod download all in a main module with no go.sum",
        || {
            let mut gomod =
                String::from("module example.com/publishmain\n\ngo 1.21\n\nrequire (\n");
            for a in args {
                let m = split_arg(a);
                gomod.push_str(&format!("\t{} {}\n", m.path, m.version));
            }
            gomod.push_str(")\n");
            let dir = inside
                .main_module(&gomod, None)
                .map_err(|e| e.to_string())?;
            let run = go_download(go, &inside, &dir, &[], &["all".to_string()]);
            if !run.success() {
                return Err(format!("{run}"));
            }
            let gosum = std::fs::read_to_string(dir.join("go.sum")).map_err(|e| e.to_string())?;
            for a in args {
                let m = split_arg(a);
                if !gosum.contains(&format!("{} {} h1:", m.path, m.version)) {
                    return Err(format!("go.sum has no zip line for {a}:\n{gosum}"));
                }
            }
            looked_up(&inside, args)
        },
    );
}

// ---------------------------------------------------------------------------------
// The tests

#[test]
fn publish_dir_serves_go_with_sumdb() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let (proxy, args) = sumdb_proxy("example.com/pubdir", 14, 41);
    let by_go = filled_by_go(&go, sumdb_sandbox(&proxy), &args);
    let by_us = sumdb_sandbox(&proxy);
    let run = ours(&by_us, &by_us.work_dir(), &["-json"], &args);
    all_ok(&run, args.len()).unwrap_or_else(|e| panic!("gomodfetch filling the cache: {e}"));
    proxy.shutdown();

    let tree = tempfile::tempdir().expect("tempdir");
    let dest = Dest::Dir(tree.path().join("goproxy"));
    let mut t = Tally::new("publish/directory tree read by go");
    t.check("publish the cache go filled, with --sumdb", || {
        let r = publish_clean(&dest, &by_go, &["--sumdb"], &["refused"])?;
        if count(&r, "versions") != args.len() as u64 || count(&r, "sumdb_files") == 0 {
            return Err(format!("unexpected report: {r}"));
        }
        Ok(())
    });
    t.check(
        "publish the cache gomodfetch filled: all already there",
        || publish_clean(&dest, &by_us, &["--sumdb"], &["refused", "lists_updated"]).map(drop),
    );
    t.check("lists hold release versions only", || {
        for a in &args {
            let m = split_arg(a);
            let p = gomodfetch::module::escape_path(&m.path).expect("escape");
            let list = dest.read(&format!("{p}/@v/list"));
            let pseudo = gomodfetch::module::is_pseudo_version(&m.version);
            let want = (!pseudo).then(|| format!("{}\n", m.version).into_bytes());
            if list != want {
                return Err(format!("{a}: list {:?}", list.map(String::from_utf8)));
            }
        }
        Ok(())
    });
    go_reads_tree(&mut t, &go, &dest.goproxy(), &by_go, &args);
    t.finish();
}

#[test]
fn publish_s3_serves_go_with_sumdb() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let Some(moto) = Moto::start(TEST) else {
        return;
    };
    let (proxy, args) = sumdb_proxy("example.com/pubs3", 10, 42);
    let by_go = filled_by_go(&go, sumdb_sandbox(&proxy), &args);
    proxy.shutdown();

    let dest = Dest::S3 {
        moto: &moto,
        prefix: "team/proxy".into(),
    };
    let mut t = Tally::new("publish/S3 tree (moto) read by go");
    t.check("publish to s3:// with --sumdb", || {
        let r = publish_clean(&dest, &by_go, &["--sumdb"], &["refused"])?;
        if count(&r, "written") == 0 {
            return Err(format!("nothing written: {r}"));
        }
        Ok(())
    });
    t.check("publishing again writes nothing", || {
        publish_clean(&dest, &by_go, &["--sumdb"], &["written", "lists_updated"]).map(drop)
    });
    t.check("supported is served anonymously", || {
        match dest.read(&format!("sumdb/{NAME}/supported")) {
            Some(b) if b.is_empty() => Ok(()),
            other => Err(format!("{other:?}")),
        }
    });
    go_reads_tree(&mut t, &go, &dest.goproxy(), &by_go, &args);
    t.check("go asked for no latest", || {
        let log = moto.log();
        if log.contains("/latest") {
            return Err(log);
        }
        if !log.contains(&format!("/sumdb/{NAME}/lookup/")) {
            return Err(format!("no lookup requested from the tree:\n{log}"));
        }
        Ok(())
    });
    t.finish();
}

/// Two universes that disagree on `example.com/pubconflict/m@v1.0.0` (zip and
/// go.mod; not `.info`) and agree on `example.com/pubconflict/same@v1.0.0`.
fn conflicting_proxies() -> (TestProxy, TestProxy, Vec<String>) {
    let time: jiff::Timestamp = "2024-03-04T05:06:07Z".parse().expect("time");
    let make = |go_line: &str, body: &str| {
        let universe = Universe::new();
        Package::new("example.com/pubconflict/m", "v1.0.0")
            .go_mod(format!(
                "module example.com/pubconflict/m\n\ngo {go_line}\n"
            ))
            .file("m.go", format!("package m\n\n// {body}\n"))
            .time(time)
            .publish(&universe);
        Package::new("example.com/pubconflict/same", "v1.0.0")
            .go_mod("module example.com/pubconflict/same\n\ngo 1.21\n")
            .file("same.go", "package same\n")
            .time(time)
            .publish(&universe);
        TestProxy::start(ProxyConfig::new(universe)).expect("starting a proxy")
    };
    let args = vec![
        "example.com/pubconflict/m@v1.0.0".to_string(),
        "example.com/pubconflict/same@v1.0.0".to_string(),
    ];
    (make("1.21", "first"), make("1.22", "second"), args)
}

#[test]
fn publish_refuses_overwrites() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let (pa, pb, args) = conflicting_proxies();
    let a = go_filled(&go, &pa, &args);
    let b = go_filled(&go, &pb, &args);
    let tree = tempfile::tempdir().expect("tempdir");
    let moto = Moto::start(TEST);
    let mut dests = vec![Dest::Dir(tree.path().join("goproxy"))];
    if let Some(moto) = &moto {
        dests.push(Dest::S3 {
            moto,
            prefix: "conflict".into(),
        });
    }
    let m = ModuleVersion::new("example.com/pubconflict/m", "v1.0.0");
    let store_a = store_of(&a);
    let paths = store_a.paths(&m).expect("paths");
    let rel = |ext: &str| format!("example.com/pubconflict/m/@v/v1.0.0.{ext}");
    let mut t = Tally::new("publish/published objects are never replaced");
    for dest in &dests {
        let name = dest.name();
        t.check(format!("{name}: publish cache A"), || {
            let run = dest.publish(&a, &[]);
            if run.success() {
                Ok(())
            } else {
                Err(format!("{run}"))
            }
        });
        t.check(
            format!("{name}: cache B's other zip and go.mod are refused"),
            || {
                let run = dest.publish(&b, &["--json"]);
                let r = report(&run);
                if run.code() != Some(1) || count(&r, "refused") != 2 || count(&r, "written") != 0 {
                    return Err(format!("want exit 1, 2 refused, 0 written:\n{run}"));
                }
                let err = run.stderr_text();
                for ext in ["zip", "mod"] {
                    let line = err
                        .lines()
                        .find(|l| l.contains(&rel(ext)))
                        .ok_or_else(|| format!("no message names {}:\n{err}", rel(ext)))?;
                    if !line.contains("example.com/pubconflict/m@v1.0.0")
                        || !line.contains("never replaced")
                    {
                        return Err(format!("unclear message: {line}"));
                    }
                }
                Ok(())
            },
        );
        t.check(format!("{name}: the objects are cache A's"), || {
            for (ext, file) in [
                ("zip", paths.zip()),
                ("mod", paths.gomod()),
                ("info", paths.info()),
            ] {
                let want = std::fs::read(&file).map_err(|e| e.to_string())?;
                if dest.read(&rel(ext)) != Some(want) {
                    return Err(format!("{} changed", rel(ext)));
                }
            }
            Ok(())
        });
        t.check(
            format!("{name}: publishing cache A again is a no-op"),
            || {
                let r = publish_clean(dest, &a, &[], &["written", "refused"])?;
                if count(&r, "already") != 6 {
                    return Err(format!("want 6 objects already there: {r}"));
                }
                Ok(())
            },
        );
    }
    t.finish();
}

#[test]
fn publish_concurrent_publishers_union() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    const MODULES: usize = 10;
    const VERSIONS: [&str; 5] = ["v1.0.0", "v1.1.0", "v1.2.0-rc.1", "v1.2.0", "v1.3.0"];
    let universe = Universe::new();
    let mut all = Vec::new();
    for i in 0..MODULES {
        let path = format!("example.com/pubrace/m{i}");
        for v in VERSIONS {
            Package::new(path.clone(), v)
                .go_mod(format!("module {path}\n\ngo 1.21\n"))
                .file("m.go", format!("package m{i}\n\n// {v}\n"))
                .publish(&universe);
            all.push(format!("{path}@{v}"));
        }
    }
    let proxy = TestProxy::start(ProxyConfig::new(universe)).expect("starting the proxy");
    // P: the first three versions of each module, Q: the last three.
    let pick = |lo: usize, hi: usize| -> Vec<String> {
        all.iter()
            .enumerate()
            .filter(|(n, _)| (lo..hi).contains(&(n % VERSIONS.len())))
            .map(|(_, a)| a.clone())
            .collect()
    };
    let p = go_filled(&go, &proxy, &pick(0, 3));
    let q = go_filled(&go, &proxy, &pick(2, 5));
    let full = go_filled(&go, &proxy, &all);
    let mut sorted = VERSIONS.to_vec();
    gomodfetch::semver::sort(&mut sorted);
    let want_list = format!("{}\n", sorted.join("\n"));

    let tree = tempfile::tempdir().expect("tempdir");
    let moto = Moto::start(TEST);
    let rounds = support::env_count("GOMODFETCH_PUBLISH_ROUNDS", 3);
    let mut t = Tally::new("publish/two publishers at once");
    for round in 0..rounds {
        let mut dests = vec![Dest::Dir(tree.path().join(format!("round{round}")))];
        if let Some(moto) = &moto {
            dests.push(Dest::S3 {
                moto,
                prefix: format!("race{round}"),
            });
        }
        for dest in &dests {
            t.check(format!("{} round {round}", dest.name()), || {
                let spawn = |sb: &Sandbox| -> Child {
                    let mut args = dest.flags();
                    args.extend(["--jobs".to_string(), "4".to_string()]);
                    let mut c = publish_command(sb, &args);
                    c.stdout(Stdio::piped()).stderr(Stdio::piped());
                    c.spawn().expect("spawning gomodfetch publish")
                };
                let (cp, cq) = (spawn(&p), spawn(&q));
                for (who, child) in [("P", cp), ("Q", cq)] {
                    let out = child.wait_with_output().map_err(|e| e.to_string())?;
                    if !out.status.success() {
                        return Err(format!(
                            "publisher {who}: {}\n{}",
                            out.status,
                            String::from_utf8_lossy(&out.stderr)
                        ));
                    }
                }
                let store = store_of(&full);
                for arg in &all {
                    let m = split_arg(arg);
                    let paths = store.paths(&m).map_err(|e| e.to_string())?;
                    for (ext, file) in [
                        ("zip", paths.zip()),
                        ("mod", paths.gomod()),
                        ("info", paths.info()),
                    ] {
                        let rel = format!("{}/@v/{}.{ext}", m.path, m.version);
                        let want = std::fs::read(&file).map_err(|e| e.to_string())?;
                        if dest.read(&rel) != Some(want) {
                            return Err(format!("{rel} is not the cached file"));
                        }
                    }
                }
                for i in 0..MODULES {
                    let rel = format!("example.com/pubrace/m{i}/@v/list");
                    let got = dest
                        .read(&rel)
                        .map(|b| String::from_utf8_lossy(&b).into_owned());
                    if got.as_deref() != Some(want_list.as_str()) {
                        return Err(format!("{rel}: {got:?}, want {want_list:?}"));
                    }
                }
                if let Dest::Dir(d) = dest {
                    let leftovers = leftover_temp_files(d);
                    if !leftovers.is_empty() {
                        return Err(format!("temp files left: {leftovers:?}"));
                    }
                }
                Ok(())
            });
        }
    }
    t.finish();
}

/// Staging and temp files under `dir` (names with `#`, or `.…tmp`).
fn leftover_temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                stack.push(p);
            } else if name.contains('#') || name.ends_with(".tmp") {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn publish_refuses_corrupt_zips() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let universe = Universe::new();
    let args = publish_synthetic(&universe, "example.com/pubcorrupt", 4, 43);
    let proxy = TestProxy::start(ProxyConfig::new(universe)).expect("starting the proxy");
    let sb = go_filled(&go, &proxy, &args);
    let store = store_of(&sb);
    let zip_of = |i: usize| store.paths(&split_arg(&args[i])).expect("paths").zip();
    let writable = |f: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    };
    // Module 0: bytes flipped in the middle of the zip. Module 1: another valid zip
    // (module 2's). Both keep their .ziphash.
    let z0 = zip_of(0);
    writable(&z0);
    let mut bytes = std::fs::read(&z0).expect("read zip");
    let mid = bytes.len() / 3;
    for b in &mut bytes[mid..mid + 16] {
        *b ^= 0x5a;
    }
    std::fs::write(&z0, &bytes).expect("write zip");
    let z1 = zip_of(1);
    writable(&z1);
    std::fs::copy(zip_of(2), &z1).expect("copy zip");

    let tree = tempfile::tempdir().expect("tempdir");
    let dest = Dest::Dir(tree.path().join("goproxy"));
    let mut t = Tally::new("publish/corrupt cached zips are refused");
    let run = dest.publish(&sb, &["--json"]);
    t.check("exit 1, both versions named", || {
        if run.code() != Some(1) {
            return Err(format!("{run}"));
        }
        let err = run.stderr_text();
        for a in &args[..2] {
            if !err
                .lines()
                .any(|l| l.contains(a.as_str()) && l.contains("not published"))
            {
                return Err(format!("no refusal names {a}:\n{err}"));
            }
        }
        Ok(())
    });
    for (i, a) in args.iter().enumerate() {
        let m = split_arg(a);
        let p = gomodfetch::module::escape_path(&m.path).expect("escape");
        let v = gomodfetch::module::escape_version(&m.version).expect("escape");
        let published: Vec<&str> = ["zip", "mod", "info"]
            .into_iter()
            .filter(|ext| dest.read(&format!("{p}/@v/{v}.{ext}")).is_some())
            .collect();
        let want: &[&str] = if i < 2 { &[] } else { &["zip", "mod", "info"] };
        t.eq(format!("{a}: objects published"), published, want.to_vec());
    }
    t.finish();
}

// ---------------------------------------------------------------------------------
// moto: a real S3-compatible server on loopback

/// A `moto_server` child on 127.0.0.1 with one bucket whose objects anyone may read
/// (so `go` can fetch them anonymously) and list (so a missing key is a 404, not a
/// 403). Killed on drop.
struct Moto {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Moto {
    /// Starts moto, or skips (`None`) when it is not installed.
    fn start(test: &str) -> Option<Moto> {
        let Some(bin) = moto_server() else {
            support::skip(
                test,
                "moto_server not found (pip install 'moto[server]', or run .ci/run, which installs it into target/moto-venv)",
            );
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("moto.log");
        let out = std::fs::File::create(&log).expect("moto log");
        let err = out.try_clone().expect("moto log");
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env_remove("HTTP_PROXY")
            .env_remove("HTTPS_PROXY")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
        let moto = Moto {
            child,
            port,
            log,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto did not listen within 60s:\n{}",
                moto.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::{BUCKET}","arn:aws:s3:::{BUCKET}/*"]}}]}}"#
        );
        for (path, body) in [
            (format!("/{BUCKET}"), String::new()),
            (format!("/{BUCKET}?policy"), policy),
        ] {
            let (status, text) = moto
                .request("PUT", &path, body.as_bytes(), true)
                .expect("talking to moto");
            assert!(
                status == 200 || status == 204,
                "PUT {path}: {status} {}",
                String::from_utf8_lossy(&text)
            );
        }
        Some(moto)
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// moto's request log.
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// One HTTP/1.1 request; `signed` adds an Authorization header (moto does not
    /// check signatures, only that one is there).
    fn request(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        signed: bool,
    ) -> std::io::Result<(u16, Vec<u8>)> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\nContent-Type: application/json\r\nConnection: close\r\n",
            self.port,
            body.len()
        );
        if signed {
            head.push_str("Authorization: AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0\r\n");
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes())?;
        s.write_all(body)?;
        let mut resp = Vec::new();
        s.read_to_end(&mut resp)?;
        let split = resp
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| std::io::Error::other("no end of headers"))?;
        let head = String::from_utf8_lossy(&resp[..split]).into_owned();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line: {head}")))?;
        Ok((status, resp[split + 4..].to_vec()))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `$GOMODFETCH_MOTO_SERVER`, the venv `.ci/run` makes, or `moto_server` on PATH.
fn moto_server() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GOMODFETCH_MOTO_SERVER") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let venv = support::repo_root().join("target/moto-venv/bin/moto_server");
    if venv.is_file() {
        return Some(venv);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join("moto_server"))
        .find(|p| p.is_file())
}

/// Many writers of one `@v/list` at once through the library, each adding its own
/// version: the compare-and-swap (flock in a directory, ETags on S3) must keep every
/// one of them.
#[test]
fn publish_list_updates_race() {
    use gomodfetch::publish::{Destination, s3};
    const WRITERS: usize = 8;
    let tree = tempfile::tempdir().expect("tempdir");
    let moto = Moto::start(TEST);
    let mut dests = vec![("directory", Destination::dir(tree.path()).expect("dir"))];
    if let Some(moto) = &moto {
        let env = gomodfetch::config::Env::from_map(
            [
                ("AWS_ACCESS_KEY_ID", "testing"),
                ("AWS_SECRET_ACCESS_KEY", "testing"),
                ("AWS_REGION", "us-east-1"),
            ],
            "/",
        );
        let target = s3::S3Target {
            bucket: BUCKET.into(),
            prefix: "listrace".into(),
        };
        let store = s3::open(&env, &target, Some(&moto.endpoint())).expect("opening moto");
        dests.push(("s3", Destination::s3(store, BUCKET, "listrace")));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let rel = "example.com/listrace/@v/list";
    let mut t = Tally::new("publish/concurrent list updates");
    for (name, dest) in &dests {
        t.check(format!("{name}: {WRITERS} writers"), || {
            let results = rt.block_on(async {
                let tasks: Vec<_> = (0..WRITERS)
                    .map(|i| {
                        let dest = dest.clone();
                        tokio::spawn(async move {
                            let v = vec![format!("v1.{i}.0")];
                            dest.update(rel, 1 << 20, move |cur| {
                                gomodfetch::publish::rules::merged_list(cur, &v)
                            })
                            .await
                        })
                    })
                    .collect();
                let mut out = Vec::new();
                for task in tasks {
                    out.push(task.await.map_err(|e| e.to_string()));
                }
                out
            });
            for r in results {
                match r {
                    Ok(Ok(true)) => {}
                    other => return Err(format!("a writer: {other:?}")),
                }
            }
            let list = rt
                .block_on(dest.read(rel, 1 << 20))
                .map_err(|e| e.to_string())?
                .unwrap_or_default();
            let want: String = (0..WRITERS).map(|i| format!("v1.{i}.0\n")).collect();
            if list != want.as_bytes() {
                return Err(format!("list: {:?}", String::from_utf8_lossy(&list)));
            }
            Ok(())
        });
    }
    if let Some(moto) = &moto {
        // How many conditional PUTs lost a race (and were retried): timing decides.
        let lost = moto.log().matches("\" 412 ").count();
        support::note(
            "publish/s3 list races lost (412) and retried",
            &lost.to_string(),
        );
    }
    t.finish();
}
