//! Differential oracles built from Go's own sources.
//!
//! Some tests compare us with the exact Go code we reimplement (x/mod's `module`,
//! `zip`, `dirhash`, cmd/go's `gover`): they copy those packages from the installed
//! toolchain's `GOROOT/src` into a throw-away module next to a small driver of ours,
//! build it once, and send it requests on stdin. The protocol is one request per line
//! (op and hex-encoded arguments, tab-separated) and one hex-encoded answer per line,
//! so any bytes survive the pipe. Go's sources are read at test time, never copied into
//! the repository.

use super::{Go, Sandbox, decode_hex};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// `GOROOT` of the `go` under test.
pub fn goroot(go: &Go, sb: &Sandbox) -> Result<PathBuf, String> {
    let out = go
        .command(sb, sb.root())
        .args(["env", "GOROOT"])
        .output()
        .map_err(|e| format!("go env GOROOT: {e}"))?;
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// Copies the Go sources of a package (not its tests) from `from` into `to`.
pub fn copy_package(from: &Path, to: &Path) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("copying {} to {}: {e}", from.display(), to.display());
    std::fs::create_dir_all(to).map_err(fail)?;
    for entry in std::fs::read_dir(from).map_err(fail)? {
        let p = entry.map_err(fail)?.path();
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(".go") && !name.ends_with("_test.go") {
            std::fs::copy(&p, to.join(&name)).map_err(fail)?;
        }
    }
    Ok(())
}

/// Writes the driver `main.go` into `<module>/cmd/<name>/`, gives the module the path
/// `golang.org/x/mod` (so vendored imports resolve unchanged) and builds it; returns
/// the binary. The Go build cache survives runs, so only the first run compiles std.
pub fn build(
    go: &Go,
    sb: &Sandbox,
    module: &Path,
    name: &str,
    driver: &str,
) -> Result<PathBuf, String> {
    let write = |p: PathBuf, text: &str| {
        let parent = p.parent().map(Path::to_path_buf).unwrap_or_default();
        std::fs::create_dir_all(parent)
            .and_then(|()| std::fs::write(&p, text))
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    write(
        module.join("go.mod"),
        "module golang.org/x/mod\n\ngo 1.23\n",
    )?;
    write(module.join(format!("cmd/{name}/main.go")), driver)?;
    let bin = sb.root().join(name);
    let out = go
        .command(sb, module)
        .env(
            "GOCACHE",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("go-oracle-cache"),
        )
        .args(["build", "-o"])
        .arg(&bin)
        .arg(format!("./cmd/{name}"))
        .output()
        .map_err(|e| format!("go build: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "go build failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(bin)
}

/// Sends every request line to the oracle and returns its decoded answers, one per
/// request.
pub fn ask(bin: &Path, requests: &[String]) -> Vec<String> {
    let input: String = requests.iter().map(|r| format!("{r}\n")).collect();
    let mut child = Command::new(bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running the oracle {}: {e}", bin.display()));
    let mut stdin = child.stdin.take().expect("oracle stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("oracle output");
    writer
        .join()
        .expect("writer thread")
        .expect("writing to the oracle");
    assert!(out.status.success(), "the oracle failed");
    let answers: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| String::from_utf8_lossy(&decode_hex(l)).into_owned())
        .collect();
    assert_eq!(
        answers.len(),
        requests.len(),
        "one oracle answer per request"
    );
    answers
}

/// Lower-case hex, the oracle protocol's encoding of arguments.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A small deterministic generator (xorshift64*), so generated corpora are the same on
/// every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// 1 to `max` fragments joined.
    pub fn join(&mut self, frags: &[&str], max: usize) -> String {
        let n = 1 + self.below(max);
        (0..n).map(|_| self.pick(frags)).collect()
    }
}
