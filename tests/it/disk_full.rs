//! Full disks, per-file size limits and read-only caches.
//!
//! * **Disk full**: GOMODCACHE on a 1 MiB tmpfs, 20 modules of about 3 MiB in all.
//!   gomodfetch must fail the modules it cannot store with an error naming the
//!   module, the file and `no space left on device`, leave nothing half-written that
//!   `go` or we would take as content (`go mod verify` offline, and every file either
//!   a clean go run's, byte for byte, or inert: see `crash_consistency`), and after
//!   the file system grows a new run repairs everything: the cache equals a clean
//!   `go` run's.
//! * **go.sum on a full disk**: the main module on a tmpfs with less room than the new
//!   go.sum needs: the run fails naming go.sum, the old go.sum is intact and no temp
//!   file remains; with room again the run writes go's go.sum.
//! * **Read-only cache**: the tmpfs remounted read-only: a clear error naming the
//!   module and `read-only file system`, exit status 1; remounted read-write, a new
//!   run succeeds.
//! * **A per-file size limit** (RLIMIT_FSIZE, a quota-like limit any user can set):
//!   zips over the limit fail with `file too large`, the others are stored; raising
//!   the limit, a new run completes the cache.
//!
//! The tmpfs cases need `mount` (root, or a namespace that allows it); without it
//! they are skipped with a loud message (never in CI, where that fails). The
//! RLIMIT_FSIZE case runs everywhere.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use gomodfetch::testkit::gocmd::{Go, Run, Sandbox};
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::tree::Snapshot;
use gomodfetch::testkit::universe::Universe;

use crate::crash_consistency::{nothing_half_written, same_cache_but_temps};
use crate::download_interop::{
    GOMODFETCH, go_download, ours, publish_synthetic, same_text, sandbox_for, snapshot, split_arg,
};
use crate::support::{self, Tally};

const TEST: &str = "disk_full";

/// A tmpfs mounted for one test, unmounted (lazily) when dropped.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (mount(8) syntax, e.g. `1m`) at `dir`; the reason
    /// when the machine does not allow it.
    fn mount(dir: &Path, size: &str) -> Result<Tmpfs, String> {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0777"),
                "tmpfs",
            ])
            .arg(dir)
            .output()
            .map_err(|e| format!("running mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount -t tmpfs failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Tmpfs {
            dir: dir.to_path_buf(),
        })
    }

    /// `mount -o remount,<options>`.
    fn remount(&self, options: &str) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.dir)
            .output()
            .expect("running mount");
        assert!(
            out.status.success(),
            "remount {options}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// A sandbox whose GOMODCACHE is `cache`.
fn sandbox_with_cache(proxy: &TestProxy, cache: &Path) -> Sandbox {
    let mut sb = sandbox_for(proxy, false);
    sb.set("GOMODCACHE", cache);
    sb
}

/// The modules, the proxy, and a clean go run's cache.
struct World {
    go: Go,
    args: Vec<String>,
    proxy: TestProxy,
    clean: Snapshot,
}

impl World {
    fn new(go: Go, prefix: &str) -> World {
        let universe = Universe::new();
        let args = publish_synthetic(&universe, prefix, 20, 21);
        let proxy =
            TestProxy::start(ProxyConfig::new(universe).tls(true)).expect("starting the proxy");
        let sb = sandbox_for(&proxy, false);
        let run = go_download(&go, &sb, &sb.work_dir(), &["-json"], &args);
        assert!(run.success(), "a clean go run:\n{run}");
        World {
            clean: snapshot(&sb),
            go,
            args,
            proxy,
        }
    }

    /// After a failed run: every failed record names its module, and the reason
    /// `why`; nothing half-written; then `repair` makes room and a new run must leave
    /// the clean cache.
    fn failed_then_repaired(
        &self,
        sb: &Sandbox,
        run: &Run,
        why: &str,
        repair: impl FnOnce(),
    ) -> Result<(), String> {
        if run.success() {
            return Err(format!("the run succeeded:\n{run}"));
        }
        let recs = run.download_records().map_err(|e| e.to_string())?;
        let failed: Vec<_> = recs.iter().filter(|r| r.error.is_some()).collect();
        if failed.is_empty() {
            return Err(format!("no record failed:\n{run}"));
        }
        for r in &failed {
            let e = r.error.as_deref().unwrap_or("");
            if !e.contains(why) || !e.contains(sb.gomodcache().to_string_lossy().as_ref()) {
                return Err(format!(
                    "{:?}: the error does not name the module, the file and {why:?}: {e}",
                    r.path
                ));
            }
        }
        nothing_half_written(&self.go, sb, &self.args, &self.clean)?;
        repair();
        let again = ours(sb, &sb.work_dir(), &["-json"], &self.args);
        if !again.success() {
            return Err(format!("the repair run failed:\n{again}"));
        }
        same_cache_but_temps(&self.clean, &snapshot(sb))
            .map(|_| ())
            .map_err(|e| format!("after the repair: {e}"))
    }
}

/// A tmpfs for the test, or a loud skip.
fn tmpfs(test: &str, dir: &Path, size: &str) -> Option<Tmpfs> {
    match Tmpfs::mount(dir, size) {
        Ok(t) => Some(t),
        Err(why) => {
            support::skip(test, &format!("cannot mount a small file system: {why}"));
            None
        }
    }
}

#[test]
fn a_full_disk_fails_cleanly_and_a_later_run_repairs() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let w = World::new(go, "example.com/full");
    let root = tempfile::tempdir().expect("temp dir");
    let mnt = root.path().join("fs");
    let Some(fs) = tmpfs(TEST, &mnt, "1m") else {
        return;
    };
    let mut t = Tally::new("disk_full/cache on a full disk");
    let sb = sandbox_with_cache(&w.proxy, &mnt.join("modcache"));
    let run = ours(&sb, &sb.work_dir(), &["-json"], &w.args);
    t.check("fails naming module, file and ENOSPC; repaired", || {
        w.failed_then_repaired(&sb, &run, "no space left on device", || {
            fs.remount("size=64m")
        })
    });
    t.finish();
}

#[test]
fn a_read_only_cache_fails_cleanly_and_a_later_run_repairs() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let w = World::new(go, "example.com/rofs");
    let root = tempfile::tempdir().expect("temp dir");
    let mnt = root.path().join("fs");
    let Some(fs) = tmpfs(TEST, &mnt, "64m") else {
        return;
    };
    let gmnt = root.path().join("gofs");
    let Some(gfs) = tmpfs(TEST, &gmnt, "64m") else {
        return;
    };
    // Half the modules first (go fills go's cache), then the file systems turn
    // read-only and both download all of them.
    let half = &w.args[..w.args.len() / 2];
    let sb = sandbox_with_cache(&w.proxy, &mnt.join("modcache"));
    let gsb = sandbox_with_cache(&w.proxy, &gmnt.join("modcache"));
    for s in [&sb, &gsb] {
        let first = go_download(&w.go, s, &s.work_dir(), &["-json"], half);
        assert!(first.success(), "{first}");
    }
    fs.remount("ro");
    gfs.remount("ro");
    let run = ours(&sb, &sb.work_dir(), &["-json"], &w.args);
    let g = go_download(&w.go, &gsb, &gsb.work_dir(), &["-json"], &w.args);
    let mut t = Tally::new("disk_full/read-only cache");
    t.check("the same records as go", || {
        if g.code() != run.code() {
            return Err(format!("exit: go {:?}, ours {:?}", g.code(), run.code()));
        }
        let text = |sb: &Sandbox, r: &Run| sb.normalizer().apply_str(&r.stdout_text());
        same_text("stdout", &text(&gsb, &g), &text(&sb, &run))
    });
    t.check("fails naming module, file and EROFS; repaired", || {
        w.failed_then_repaired(&sb, &run, "read-only file system", || fs.remount("rw"))
    });
    t.finish();
}

#[test]
fn go_sum_on_a_full_disk_stays_whole() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let w = World::new(go, "example.com/fullsum");
    let mut gomod = String::from("module example.com/fullmain\n\ngo 1.21\n\nrequire (\n");
    for a in &w.args {
        let m = split_arg(a);
        gomod.push_str(&format!("\t{} {}\n", m.path, m.version));
    }
    gomod.push_str(")\n");
    // The old go.sum: 4 000 lines for other modules (kept by every rewrite).
    let old_sum: String = (0..4000)
        .map(|i| format!("example.com/pad/m{i:05} v1.0.0 h1:{:0>43}=\n", i))
        .collect();
    let root = tempfile::tempdir().expect("temp dir");
    let mnt = root.path().join("fs");
    let Some(fs) = tmpfs(TEST, &mnt, "512k") else {
        return;
    };
    let main = mnt.join("main");
    std::fs::create_dir_all(&main).expect("main module dir");
    std::fs::write(main.join("go.mod"), &gomod).expect("go.mod");
    std::fs::write(main.join("go.sum"), &old_sum).expect("go.sum");
    // Leave less room than a second copy of go.sum needs.
    let room = 64 * 1024;
    let filler = vec![0u8; 512 * 1024 - old_sum.len() - room];
    let _ = std::fs::write(mnt.join("filler"), &filler);

    let sb = sandbox_for(&w.proxy, false);
    let mut t = Tally::new("disk_full/go.sum on a full disk");
    let run = ours(&sb, &main, &[], &[]);
    let names = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .map(|r| {
                r.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    t.check(
        "the write fails naming go.sum; the old file is intact",
        || {
            if run.success() {
                return Err(format!("succeeded:\n{run}"));
            }
            let err = run.stderr_text();
            if !err.contains("go.sum") || !err.contains("no space left on device") {
                return Err(format!("the error does not name go.sum and ENOSPC:\n{run}"));
            }
            if std::fs::read_to_string(main.join("go.sum")).ok().as_deref()
                != Some(old_sum.as_str())
            {
                return Err("go.sum changed".into());
            }
            if names(&main) != ["go.mod", "go.sum"] {
                return Err(format!("left in the main module: {:?}", names(&main)));
            }
            Ok(())
        },
    );
    let _ = std::fs::remove_file(mnt.join("filler"));
    fs.remount("size=64m");
    let again = ours(&sb, &main, &[], &[]);
    // What go writes from the same old go.sum.
    let gsb = sandbox_for(&w.proxy, false);
    let gdir = gsb
        .main_module(&gomod, Some(&old_sum))
        .expect("main module");
    let g = go_download(&w.go, &gsb, &gdir, &[], &[]);
    t.check("with room, the run writes go's go.sum", || {
        if !again.success() || !g.success() {
            return Err(format!("ours:\n{again}\ngo:\n{g}"));
        }
        let ours_sum = std::fs::read_to_string(main.join("go.sum")).map_err(|e| e.to_string())?;
        let go_sum = std::fs::read_to_string(gdir.join("go.sum")).map_err(|e| e.to_string())?;
        if ours_sum != go_sum {
            return Err("go.sum differs from go's".into());
        }
        if names(&main) != ["go.mod", "go.sum"] {
            return Err(format!("left in the main module: {:?}", names(&main)));
        }
        Ok(())
    });
    t.finish();
}

#[test]
fn a_per_file_size_limit_fails_big_zips_only() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let w = World::new(go, "example.com/fsize");
    let limit: u64 = 24 * 1024;
    let limited = |mut cmd: Command| -> Run {
        // SAFETY: only async-signal-safe calls (signal, setrlimit) between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                // Writes past the limit then fail with EFBIG instead of killing.
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let lim = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: libc::RLIM_INFINITY,
                };
                if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        Run::capture(cmd, Some(std::time::Duration::from_secs(300))).expect("running a download")
    };
    let sb = sandbox_for(&w.proxy, false);
    let mut cmd = sb.command(GOMODFETCH, sb.work_dir());
    cmd.arg("download").arg("-json").args(&w.args);
    let run = limited(cmd);
    let gsb = sandbox_for(&w.proxy, false);
    let mut gcmd = w.go.command(&gsb, gsb.work_dir());
    gcmd.args(["mod", "download", "-json"]).args(&w.args);
    let g = limited(gcmd);
    let big = w
        .clean
        .entries()
        .filter(|e| e.path.to_string_lossy().ends_with(".zip") && e.size > limit)
        .count();
    let mut t = Tally::new("disk_full/RLIMIT_FSIZE");
    t.check(
        format!("{big} zips over {limit} bytes fail, the rest are stored; repaired"),
        || {
            let recs = run.download_records().map_err(|e| e.to_string())?;
            let failed = recs.iter().filter(|r| r.error.is_some()).count();
            if failed != big || big == 0 {
                return Err(format!(
                    "{failed} failed, {big} zips are over the limit:\n{run}"
                ));
            }
            w.failed_then_repaired(&sb, &run, "file too large", || {})
        },
    );
    t.check("the same records as go under the same limit", || {
        if g.code() != run.code() {
            return Err(format!("exit: go {:?}, ours {:?}", g.code(), run.code()));
        }
        let text =
            |sb: &Sandbox, r: &Run| mask_temp_numbers(&sb.normalizer().apply_str(&r.stdout_text()));
        same_text("stdout", &text(&gsb, &g), &text(&sb, &run))
    });
    t.finish();
}

/// Temp file names with their random numbers masked (`v1.0.0.zip<N>.tmp`).
fn mask_temp_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(".zip") {
        let (head, tail) = rest.split_at(i + 4);
        out.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && tail[digits..].starts_with(".tmp") {
            out.push_str("<N>");
            rest = &tail[digits..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}
