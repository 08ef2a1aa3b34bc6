//! The `gomodfetch` binary. Until the download engine lands (issue 4) it only explains
//! what it will do; the domain library underneath is real and tested.

use std::process::ExitCode;

const USAGE: &str = "\
usage: gomodfetch download [-x] [-json] [-modcacherw] [-C dir] [modules]
       gomodfetch mod download [flags] [modules]   (go's argv, for tools that exec `go`)

gomodfetch downloads Go modules into the module cache (GOMODCACHE) exactly as
`go mod download` does, faster: the same files, hashes, locks and -json records.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: &[String] = match args.first().map(String::as_str) {
        Some("mod") => &args[1..],
        _ => &args,
    };
    match args.first().map(String::as_str) {
        Some("download") => {
            let rest = &args[1..];
            let what = if rest.is_empty() {
                "the modules the main module's go.mod requires".to_string()
            } else {
                rest.join(" ")
            };
            eprintln!(
                "gomodfetch: the download engine is not built yet (placeholder).\n\
                 It will fetch {what} through GOPROXY into GOMODCACHE, verify every h1\n\
                 against go.sum and the checksum database, and extract each module\n\
                 where `go` expects it."
            );
            ExitCode::from(2)
        }
        Some("help" | "-h" | "-help" | "--help") | None => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("gomodfetch: unknown command {other:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
