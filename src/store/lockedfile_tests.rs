use super::*;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A subscriber that forwards every event's message to a channel.
struct Capture(Mutex<mpsc::Sender<String>>);

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut m = Message(String::new());
        event.record(&mut m);
        if let Ok(tx) = self.0.lock() {
            let _ = tx.send(m.0);
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// Runs `f` on a new thread whose log messages arrive on the returned channel.
fn spawn_logged<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> (std::thread::JoinHandle<T>, mpsc::Receiver<String>) {
    let (tx, rx) = mpsc::channel();
    let sub = Capture(Mutex::new(tx));
    let h = std::thread::spawn(move || tracing::subscriber::with_default(sub, f));
    (h, rx)
}

/// Waits for a message containing `needle` (generous bound: only a hang fails).
fn expect_message(rx: &mpsc::Receiver<String>, needle: &str) -> String {
    loop {
        let m = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("no log message");
        if m.contains(needle) {
            return m;
        }
    }
}

#[test]
fn waiters_log_then_get_the_lock_after_release() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("v1.0.0.lock");
    let held = Locker::wait_forever().mutex(&path).unwrap();
    assert_eq!(held.kind(), LockKind::Exclusive);
    let released = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (p, r) = (path.clone(), released.clone());
    let (h, rx) = spawn_logged(move || {
        let g = Locker::wait_forever().mutex(&p).unwrap();
        let was_released = r.load(std::sync::atomic::Ordering::SeqCst);
        drop(g);
        was_released
    });
    let msg = expect_message(&rx, "waiting");
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    released.store(true, std::sync::atomic::Ordering::SeqCst);
    drop(held);
    assert!(
        h.join().unwrap(),
        "the waiter got the lock before it was released"
    );
    expect_message(&rx, "acquired");
}

#[test]
fn shared_readers_coexist_and_exclude_writers() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("list");
    std::fs::write(&path, "v1.0.0\n").unwrap();
    let l = Locker::wait_forever();
    let r1 = l.open(&path, Open::read_only()).unwrap();
    assert_eq!(r1.kind(), LockKind::Shared);
    // A second reader does not wait.
    assert_eq!(l.read(&path).unwrap(), b"v1.0.0\n");
    // A writer does, up to its limit.
    let e = Locker::with_timeout(Duration::from_millis(50))
        .edit(&path)
        .unwrap_err();
    assert!(matches!(e, Error::LockTimeout { .. }), "{e}");
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    drop(r1);
    Locker::with_timeout(Duration::from_millis(50))
        .edit(&path)
        .unwrap();
}

#[test]
fn create_truncates_only_once_locked() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("v1.0.0.ziphash");
    let l = Locker::wait_forever();
    let held = l.edit(&path).unwrap();
    held.write_at(b"h1:old", 0).unwrap();
    let p = path.clone();
    let (h, rx) = spawn_logged(move || {
        let f = Locker::wait_forever().create(&p).unwrap();
        f.write_at(b"h1:new", 0).unwrap();
    });
    expect_message(&rx, "waiting");
    assert_eq!(std::fs::read(&path).unwrap(), b"h1:old");
    drop(held);
    h.join().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"h1:new");
}

#[test]
fn transform_grows_shrinks_and_keeps_on_error() {
    let t = tempfile::tempdir().unwrap();
    let path = t.path().join("go.sum");
    let l = Locker::wait_forever();
    l.transform(&path, |old| {
        assert!(old.is_empty());
        Ok::<_, std::io::Error>(b"a v1 h1:x\n".to_vec())
    })
    .unwrap();
    l.transform(&path, |old| {
        let mut v = old.to_vec();
        v.extend_from_slice(b"b v1 h1:y\n");
        Ok::<_, std::io::Error>(v)
    })
    .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"a v1 h1:x\nb v1 h1:y\n");
    l.transform(&path, |_| Ok::<_, std::io::Error>(b"c\n".to_vec()))
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"c\n");
    let e = l
        .transform(&path, |_| Err::<Vec<u8>, _>("merge failed"))
        .unwrap_err();
    assert_eq!(e.to_string(), "merge failed");
    assert_eq!(std::fs::read(&path).unwrap(), b"c\n");
}

#[test]
fn errors_are_worded_as_go() {
    let t = tempfile::tempdir().unwrap();
    let missing = t.path().join("nope/x.ziphash");
    let e = Locker::wait_forever().read(&missing).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("open {}: no such file or directory", missing.display())
    );
    let l = Locker::wait_forever();
    l.write(&t.path().join("latest"), b"note", 0o666).unwrap();
    assert_eq!(std::fs::read(t.path().join("latest")).unwrap(), b"note");
    l.write(&t.path().join("latest"), b"n", 0o666).unwrap();
    assert_eq!(std::fs::read(t.path().join("latest")).unwrap(), b"n");
}

/// The rewrite is a rename of a finished temp file: the path gets a new inode with
/// the old permissions, a symlinked file stays a symlink (its target is replaced),
/// temp files a killed writer left are swept, and no temp file remains.
#[cfg(unix)]
#[test]
fn transform_renames_a_finished_file_into_place() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let t = tempfile::tempdir().unwrap();
    let real = t.path().join("real.sum");
    std::fs::write(&real, b"old\n").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = t.path().join("go.sum");
    std::os::unix::fs::symlink("real.sum", &link).unwrap();
    let stale = t.path().join(".real.sum.123.tmp");
    std::fs::write(&stale, b"half").unwrap();
    let unrelated = t.path().join(".real.sum.x.tmp");
    std::fs::write(&unrelated, b"keep").unwrap();
    let before = std::fs::metadata(&real).unwrap().ino();

    Locker::wait_forever()
        .transform(&link, |old| {
            assert_eq!(old, b"old\n");
            Ok::<_, std::io::Error>(b"new\n".to_vec())
        })
        .unwrap();

    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(std::fs::read(&real).unwrap(), b"new\n");
    let m = std::fs::metadata(&real).unwrap();
    assert_ne!(m.ino(), before, "the new contents were renamed into place");
    assert_eq!(m.permissions().mode() & 0o777, 0o640);
    assert!(!stale.exists(), "a killed writer's temp file is swept");
    assert!(
        unrelated.exists(),
        "only <prefix><digits>.tmp names are swept"
    );
    let mut names: Vec<String> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".real.sum.x.tmp", "go.sum", "real.sum"]);

    // Unchanged contents are not rewritten at all.
    let ino = m.ino();
    Locker::wait_forever()
        .transform(&link, |old| Ok::<_, std::io::Error>(old.to_vec()))
        .unwrap();
    assert_eq!(std::fs::metadata(&real).unwrap().ino(), ino);
}
