//! Lock compatibility with the real `go` and with `flock(1)`: the store's locks are
//! `flock(2)` locks on the files Go locks, so each side waits for the other.
//!
//! Waiting is observed, not timed: Linux lists every lock and every blocked waiter in
//! `/proc/locks` (`FLOCK` vs `POSIX`, holder pid, inode; waiters marked `->`), so a
//! test waits (with a generous bound) until the other party is seen blocked on the
//! lock file's inode, and checks what happened after the release through sentinels:
//! the work the holder did is complete when the waiter gets in, and a `go` that
//! waited for us finds our work and fetches nothing more.

use crate::store_support as ss;
use crate::support;
use gomodfetch::dirhash;
use gomodfetch::module::ModuleVersion;
use gomodfetch::modzip;
use gomodfetch::store::{Error, ExtractStart, Store, StoreOptions, ZipStart, ZipState};
use gomodfetch::testkit::gocmd::{Go, Sandbox};
use gomodfetch::testkit::proxy::{FaultKind, FaultRule, ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::Universe;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const TEST: &str = "store_locks";

/// One line of `/proc/locks`.
#[derive(Debug)]
struct ProcLock {
    waiter: bool,
    kind: String,
    pid: u32,
    inode: u64,
}

fn proc_locks() -> Option<Vec<ProcLock>> {
    let text = std::fs::read_to_string("/proc/locks").ok()?;
    Some(
        text.lines()
            .filter_map(|l| {
                let mut f: Vec<&str> = l.split_whitespace().skip(1).collect();
                let waiter = f.first() == Some(&"->");
                if waiter {
                    f.remove(0);
                }
                // kind, ADVISORY/MANDATORY, READ/WRITE, pid, maj:min:inode, start, end
                let inode = f.get(4)?.rsplit(':').next()?.parse().ok()?;
                Some(ProcLock {
                    waiter,
                    kind: f.first()?.to_string(),
                    pid: f.get(3)?.parse().ok()?,
                    inode,
                })
            })
            .collect(),
    )
}

fn inode(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.ino())
}

/// The locks on `path` (holders and waiters).
fn locks_on(path: &Path) -> Vec<ProcLock> {
    let Some(ino) = inode(path) else {
        return Vec::new();
    };
    proc_locks()
        .unwrap_or_default()
        .into_iter()
        .filter(|l| l.inode == ino)
        .collect()
}

/// `(holder or waiter, pid)` is listed on `path` as a flock.
fn flock_on(path: &Path, waiter: bool, pid: u32) -> bool {
    locks_on(path)
        .iter()
        .any(|l| l.waiter == waiter && l.kind == "FLOCK" && l.pid == pid)
}

/// Polls `cond` until it holds; panics after a generous bound (a hang, not a race).
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(180);
    while !cond() {
        assert!(Instant::now() < deadline, "gave up waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `go mod download -json <args>` running in the background.
fn spawn_go_download(go: &Go, sb: &Sandbox, args: &[String]) -> Child {
    go.command(sb, sb.work_dir())
        .args(["mod", "download", "-json"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning go")
}

/// Whether this machine shows locks in `/proc/locks`; skips the test otherwise.
fn have_proc_locks(test: &str) -> bool {
    if proc_locks().is_some() {
        true
    } else {
        support::skip(test, "/proc/locks is not available");
        false
    }
}

fn reap(mut child: Child) -> std::process::Output {
    // Bounded: the sandbox timeout does not apply to spawned children.
    let deadline = Instant::now() + Duration::from_secs(300);
    while child.try_wait().ok().flatten().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child
        .wait_with_output()
        .expect("collecting the child's output")
}

#[test]
fn go_waits_for_our_version_lock() {
    let (Some(go), true) = (support::go(TEST), have_proc_locks(TEST)) else {
        return;
    };
    let u = Universe::new();
    let mods = ss::publish_modules(&u);
    let m = &mods[0];
    let mv = ss::mv(m);
    let proxy = TestProxy::start(ProxyConfig::new(u)).expect("proxy");
    let sb = ss::sandbox(&proxy, false);
    let store = ss::store(&sb, false);

    let lock = store.lock_version(&mv).expect("lock");
    assert!(
        flock_on(lock.path(), false, std::process::id()),
        "our lock is a flock held by this process: {:?}",
        locks_on(lock.path())
    );

    let child = spawn_go_download(&go, &sb, &ss::args(std::slice::from_ref(m)));
    let go_pid = child.id();
    wait_until("go waits on our lock", || {
        flock_on(lock.path(), true, go_pid)
    });

    // While go waits, we complete the module under the lock it waits for.
    let ZipStart::Download(tmp) = lock.begin_zip().expect("begin_zip") else {
        panic!("the zip should be missing")
    };
    tmp.file().write_all(m.zip().expect("zip")).expect("write");
    let h1 = dirhash::hash_zip(tmp.path()).expect("hash");
    let zip = tmp.commit(&lock, h1.as_str()).expect("commit zip");
    let ExtractStart::Extract(ext) = lock.begin_extract().expect("begin_extract") else {
        panic!("the tree should be missing")
    };
    modzip::unzip(ext.dir(), &mv, &zip).expect("unzip");
    ext.commit(&lock).expect("commit tree");
    let before_release = ss::request_kinds(&proxy.log());
    drop(lock);

    let out = reap(child);
    assert!(
        out.status.success(),
        "go failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rec: serde_json::Value = serde_json::from_slice(&out.stdout).expect("-json");
    assert_eq!(rec["Sum"].as_str(), Some(h1.as_str()));
    let kinds = ss::request_kinds(&proxy.log());
    assert_eq!(
        before_release,
        ["info", "mod"],
        "go asks for .info and .mod first"
    );
    assert_eq!(
        kinds,
        ["info", "mod"],
        "after waiting for our lock go found our zip and tree and fetched nothing more"
    );
}

/// `flock -x <file> sh -c 'echo held; read x; exit 0'`: holds the lock until its stdin closes.
fn flock_holder(path: &Path) -> Option<Child> {
    let mut child = std::process::Command::new("flock")
        .arg("-x")
        .arg(path)
        .args(["sh", "-c", "echo held; read x; exit 0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut()?)
        .read_line(&mut line)
        .ok()?;
    (line == "held\n").then_some(child)
}

#[test]
fn we_wait_for_a_flock1_holder() {
    if !have_proc_locks(TEST) {
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    let store = Store::open(t.path().join("mod"), StoreOptions::default()).expect("store");
    let mv = ModuleVersion::new("example.com/hello", "v1.0.0");
    let paths = store.paths(&mv).expect("paths");
    std::fs::create_dir_all(paths.download_dir()).expect("mkdir");
    let Some(mut holder) = flock_holder(&paths.lock()) else {
        support::skip(TEST, "flock(1) is not available");
        return;
    };

    // With a timeout we give up, naming the lock file.
    let impatient = Store::open(
        store.root(),
        StoreOptions {
            lock_timeout: Some(Duration::from_millis(100)),
            ..StoreOptions::default()
        },
    )
    .expect("store");
    let e = impatient.lock_version(&mv).unwrap_err();
    assert!(matches!(e, Error::LockTimeout { .. }), "{e}");
    assert!(
        e.to_string().contains(&paths.lock().display().to_string()),
        "{e}"
    );

    // Without one we wait until it is released, however long that takes.
    let released = Arc::new(AtomicBool::new(false));
    let (s, m, r) = (store.clone(), mv.clone(), released.clone());
    let waiter = std::thread::spawn(move || {
        let lock = s.lock_version(&m).expect("lock");
        let was_released = r.load(Ordering::SeqCst);
        drop(lock);
        was_released
    });
    wait_until("we wait on flock(1)'s lock", || {
        flock_on(&paths.lock(), true, std::process::id())
    });
    released.store(true, Ordering::SeqCst);
    drop(holder.stdin.take());
    assert!(holder.wait().expect("flock exits").success());
    assert!(
        waiter.join().expect("waiter"),
        "we got the lock before flock(1) released it"
    );
}

#[test]
fn we_wait_for_gos_version_lock() {
    let (Some(go), true) = (support::go(TEST), have_proc_locks(TEST)) else {
        return;
    };
    let u = Universe::new();
    let mods = ss::publish_modules(&u);
    let m = &mods[0];
    let mv = ss::mv(m);
    // go holds the version lock while the zip body stalls.
    let stall = FaultKind::Stall {
        at: None,
        duration: Some(Duration::from_secs(5)),
    };
    let proxy =
        TestProxy::start(ProxyConfig::new(u).fault(FaultRule::new("*.zip", stall).times(1)))
            .expect("proxy");
    let sb = ss::sandbox(&proxy, true);
    let store = ss::store(&sb, true);
    let lock_path = store.paths(&mv).expect("paths").lock();

    let child = spawn_go_download(&go, &sb, &ss::args(std::slice::from_ref(m)));
    let go_pid = child.id();
    wait_until("go holds the version lock", || {
        flock_on(&lock_path, false, go_pid)
    });
    let impatient = Store::open(
        store.root(),
        StoreOptions {
            modcacherw: true,
            lock_timeout: Some(Duration::ZERO),
        },
    )
    .expect("store");
    assert!(matches!(
        impatient.lock_version(&mv),
        Err(Error::LockTimeout { .. })
    ));

    let lock = store.lock_version(&mv).expect("lock");
    assert_eq!(
        lock.zip_state(),
        ZipState::Complete,
        "go released its lock only after .ziphash and .zip were in place"
    );
    drop(lock);
    let out = reap(child);
    assert!(
        out.status.success(),
        "go failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(store.download_dir(&mv).is_ok());
}
