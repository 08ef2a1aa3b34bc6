//! Running one child process and measuring it the way `/usr/bin/time` does: wall time
//! from just before `spawn` to the moment `wait4` reaps it, and the child's own
//! resource usage from that `wait4` (peak RSS, user and system CPU). Grandchildren are
//! not counted (neither tool starts any for a proxy download).
//!
//! The child's stdout and stderr go to files, so no pipe can fill up and stall it, and
//! nothing of the benchmark process runs on its behalf while it works. A watchdog kills
//! it after a time limit, so a hung tool ends the benchmark instead of hanging it.
//!
//! # Why through a launcher
//! Linux records the peak RSS of the memory a process had *before* `exec` in its
//! `ru_maxrss`, and `std` spawns with `CLONE_VM` (vfork): a tool spawned straight from
//! the benchmark, which holds the whole universe in memory, would report the
//! benchmark's own peak (about 94 MiB with 300 modules) whenever its real peak is
//! lower. So [`launch`] re-runs this benchmark binary as a small launcher
//! ([`LAUNCHER_FLAG`], a few MiB, before any universe exists) which spawns the tool,
//! measures it with [`run`] and prints the result on its stdout.

use std::fs::File;
use std::io;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What one run of a child cost.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub wall: Duration,
    pub user: Duration,
    pub sys: Duration,
    /// Peak resident set size in bytes.
    pub max_rss: u64,
    /// The exit code, or `128 + signal` when a signal ended it.
    pub exit_code: i32,
    /// Whether the watchdog killed it.
    pub timed_out: bool,
}

impl Usage {
    /// User plus system CPU time.
    pub fn cpu(&self) -> Duration {
        self.user + self.sys
    }
}

fn timeval(tv: libc::timeval) -> Duration {
    let secs = u64::try_from(tv.tv_sec).unwrap_or(0);
    let micros = u32::try_from(tv.tv_usec).unwrap_or(0);
    Duration::from_secs(secs) + Duration::from_micros(u64::from(micros))
}

/// Runs `cmd` with stdout and stderr written to `stdout` and `stderr`, killing it
/// after `limit`.
pub fn run(cmd: &mut Command, stdout: &Path, stderr: &Path, limit: Duration) -> io::Result<Usage> {
    cmd.stdin(Stdio::null())
        .stdout(File::create(stdout)?)
        .stderr(File::create(stderr)?);
    let start = Instant::now();
    let child = cmd.spawn()?;
    let pid = libc::pid_t::try_from(child.id()).map_err(io::Error::other)?;
    let (done, reaped) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = reaped.recv_timeout(limit) {
            // SAFETY: kill(2) with a pid we spawned and have not reaped yet (the main
            // thread reaps it only after this thread may have signalled it).
            unsafe { libc::kill(pid, libc::SIGKILL) };
            return true;
        }
        false
    });
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped_pid = loop {
        // SAFETY: wait4(2) with valid pointers to locals; the pid is our own child,
        // which `std` never waits for because we do not call `Child::wait`.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == -1 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        break r;
    };
    let wall = start.elapsed();
    let _ = done.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    drop(child);
    if reaped_pid == -1 {
        return Err(io::Error::last_os_error());
    }
    let exit_code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        -1
    };
    Ok(Usage {
        wall,
        user: timeval(usage.ru_utime),
        sys: timeval(usage.ru_stime),
        // Linux reports ru_maxrss in KiB.
        max_rss: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
        exit_code,
        timed_out,
    })
}

/// The first argument that makes this binary a launcher (see the module docs):
/// `--measure-child <limit-secs> <stdout-file> <stderr-file> <program> <args>…`.
pub const LAUNCHER_FLAG: &str = "--measure-child";

/// The launcher's `main`: runs the program in its own environment and directory and
/// prints its [`Usage`] as one line.
pub fn launcher_main(args: &[String]) -> std::process::ExitCode {
    let [limit, stdout, stderr, program, rest @ ..] = args else {
        eprintln!("{LAUNCHER_FLAG}: want <limit-secs> <stdout> <stderr> <program> <args>…");
        return std::process::ExitCode::from(3);
    };
    let limit = Duration::from_secs(limit.parse().unwrap_or(900));
    let mut cmd = Command::new(program);
    cmd.args(rest);
    match run(&mut cmd, Path::new(stdout), Path::new(stderr), limit) {
        Ok(u) => {
            println!(
                "{} {} {} {} {} {}",
                u.wall.as_nanos(),
                u.user.as_nanos(),
                u.sys.as_nanos(),
                u.max_rss,
                u.exit_code,
                u8::from(u.timed_out)
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{LAUNCHER_FLAG}: {program}: {e}");
            std::process::ExitCode::from(3)
        }
    }
}

fn parse_usage(line: &str) -> Option<Usage> {
    let f: Vec<u128> = line
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let [wall, user, sys, rss, code, timed_out] = f[..] else {
        return None;
    };
    let d = |n: u128| Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX));
    Some(Usage {
        wall: d(wall),
        user: d(user),
        sys: d(sys),
        max_rss: u64::try_from(rss).ok()?,
        exit_code: i32::try_from(code).ok()?,
        timed_out: timed_out != 0,
    })
}

/// Runs `program args…` through the launcher. `launcher` is a command for this
/// binary carrying the environment and working directory the program is to get.
pub fn launch(
    mut launcher: Command,
    program: &Path,
    args: &[String],
    stdout: &Path,
    stderr: &Path,
    limit: Duration,
) -> io::Result<Usage> {
    launcher
        .arg(LAUNCHER_FLAG)
        .arg(limit.as_secs().to_string())
        .arg(stdout)
        .arg(stderr)
        .arg(program)
        .args(args)
        .stdin(Stdio::null());
    let out = launcher.output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "the launcher failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    parse_usage(text.trim())
        .ok_or_else(|| io::Error::other(format!("the launcher printed {text:?}")))
}

/// Flushes dirty pages of earlier runs to disk, so their write-back does not land in
/// the next measurement.
pub fn sync_disks() {
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
}

/// Whether `dir` is on a tmpfs. On this project's disk (ext4 mounted with `discard`),
/// creating files within a minute or so of deleting many costs the creating process
/// much system time, varying from run to run: so on a disk the runs' directories are
/// all removed at the end, never between runs.
pub fn is_tmpfs(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: an all-zero statfs is a valid value of this plain C struct.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: statfs(2) with a NUL-terminated path and a pointer to a local.
    let r = unsafe { libc::statfs(c.as_ptr(), &mut st) };
    r == 0 && st.f_type == libc::TMPFS_MAGIC
}
