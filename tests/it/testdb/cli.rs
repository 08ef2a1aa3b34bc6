//! `gomodfetch-testproxy --sumdb`: the database over the txtar modules, its key on
//! stderr, a tamper mode from the command line, switched by SIGUSR1.

use super::get;
use crate::support;
use gomodfetch::sumdb::note::{self, Verifier, VerifierList};
use gomodfetch::sumdb::tlog;
use gomodfetch::testkit::sumdb::VERIFIER_KEY;
use std::io::BufRead as _;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_gomodfetch-testproxy");
const TEST: &str = "testdb::cli";

fn kill(signal: &str, pid: u32) {
    let ok = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("kill");
    assert!(ok.success());
}

/// The size of the tree `/latest` serves.
fn latest_size(addr: SocketAddr) -> u64 {
    let (status, body) = get(addr, "/mod/sumdb/localhost.localdev/sumdb/latest");
    assert_eq!(status, 200);
    let known = VerifierList::new([Verifier::new(VERIFIER_KEY).unwrap()]);
    let n = note::open(&body, &known).expect("signed by the test key");
    tlog::parse_tree(n.text.as_bytes()).expect("tree").n
}

#[test]
fn help_documents_the_sumdb_options() {
    let out = Command::new(BIN).arg("--help").output().expect("--help");
    let help = String::from_utf8_lossy(&out.stdout);
    for opt in [
        "--sumdb",
        "--sumdb-tamper",
        "--sumdb-tamper-after",
        "--sumdb-tamper-on-signal",
    ] {
        assert!(
            help.lines().any(|l| l.trim_start().starts_with(opt)),
            "--help lacks {opt}:\n{help}"
        );
    }
    let bad = Command::new(BIN)
        .args(["--sumdb-tamper", "explode"])
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid tamper mode"));
}

#[test]
fn tamper_mode_switched_by_sigusr1() {
    let Some(dir) = support::conformance(TEST, "proxy_modules") else {
        return;
    };
    let mut child = Command::new(BIN)
        .arg("--no-tls")
        .arg("--txtar")
        .arg(&dir)
        .args(["--sumdb-tamper", "stale-head=3", "--sumdb-tamper-on-signal"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("GOPROXY line");
    let addr: SocketAddr = line
        .trim_end()
        .strip_prefix("http://")
        .and_then(|r| r.strip_suffix("/mod"))
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("{line:?}"));
    let full = latest_size(addr);
    assert!(full > 3);
    kill("-USR1", child.id());
    let start = Instant::now();
    while latest_size(addr) != 3 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "SIGUSR1 had no effect"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    kill("-TERM", child.id());
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "GOSUMDB={VERIFIER_KEY} ({full} records, tamper stale-head=3)"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("tampering on"), "{stderr}");
}
