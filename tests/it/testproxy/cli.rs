//! The `gomodfetch-testproxy` binary: its first stdout line is the GOPROXY value,
//! `--fault` and `--log` reach the server, and `--help` documents every option.

use super::client::block_on;

const BIN: &str = env!("CARGO_BIN_EXE_gomodfetch-testproxy");

#[test]
fn help_documents_every_option() {
    let out = std::process::Command::new(BIN)
        .arg("--help")
        .output()
        .expect("run --help");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for opt in [
        "--txtar",
        "--tree",
        "--listen",
        "--tls",
        "--no-tls",
        "--no-http2",
        "--ca-out",
        "--rtt",
        "--conn-bandwidth",
        "--total-bandwidth",
        "--max-connections",
        "--refuse-over-limit",
        "--fault",
        "--latest",
        "--gone",
        "--log",
        "--workers",
    ] {
        let line = help
            .lines()
            .position(|l| l.trim_start().starts_with(opt))
            .unwrap_or_else(|| panic!("--help lacks {opt}:\n{help}"));
        let doc = help.lines().nth(line + 1).unwrap_or_default().trim();
        assert!(!doc.is_empty(), "{opt} has no description");
    }
    assert!(help.contains("value to put in GOPROXY"), "{help}");
}

#[test]
fn tls_by_default_with_ca_out_and_clean_exit_on_sigterm() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ca = tmp.path().join("ca.pem");
    let mut child = std::process::Command::new(BIN)
        .arg("--ca-out")
        .arg(&ca)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).expect("line");
    assert!(
        line.starts_with("https://127.0.0.1:") && line.trim_end().ends_with("/mod"),
        "{line:?}"
    );
    let pem = std::fs::read_to_string(&ca).expect("CA written");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));

    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(term.success());
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "exit status {:?}", out.status);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let private_ca = stderr
        .lines()
        .find_map(|l| l.strip_prefix("gomodfetch-testproxy: SSL_CERT_FILE="))
        .expect("CA path on stderr");
    assert!(
        !std::path::Path::new(private_ca).exists(),
        "the private CA copy is removed on exit"
    );
}

#[test]
fn cli_faults_and_log() {
    let Some(dir) = crate::support::conformance("testproxy::cli", "proxy_modules") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    let mut child = std::process::Command::new(BIN)
        .arg("--no-tls")
        .arg("--txtar")
        .arg(&dir)
        .args(["--fault", "path=*.zip,kind=500,times=1", "--log"])
        .arg(&log)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn gomodfetch-testproxy");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
        .expect("first line");
    let goproxy = line.trim().to_string();
    let addr: std::net::SocketAddr = goproxy
        .strip_prefix("http://")
        .and_then(|r| r.strip_suffix("/mod"))
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("first line {goproxy:?} is not http://ADDR/mod"));
    let raw = |path: &str| {
        block_on(async {
            let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
            let io = hyper_util::rt::TokioIo::new(tcp);
            let (mut send, conn) = hyper::client::conn::http1::handshake(io).await.expect("h1");
            tokio::spawn(conn);
            let req = http::Request::get(path)
                .header("host", "x")
                .body(http_body_util::Empty::<bytes::Bytes>::new())
                .expect("request");
            send.send_request(req)
                .await
                .expect("response")
                .status()
                .as_u16()
        })
    };
    let zip = "/mod/rsc.io/quote/@v/v1.5.2.zip";
    let statuses = [raw(zip), raw(zip)];
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(statuses, [500, 200]);
    let text = std::fs::read_to_string(&log).expect("log file");
    let recs: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(recs.len(), 2, "{text}");
    assert_eq!(recs[0]["fault"], "500");
    assert_eq!(recs[0]["path"], zip);
    assert_eq!(recs[1]["status"], 200);
}
