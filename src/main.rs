//! The `gomodfetch` binary: `gomodfetch download [flags] [path@version ...]`, a drop-in
//! for `go mod download` (also as `gomodfetch mod download …`, Go's argv). It reads
//! the environment and argv once, resolves the configuration, runs the command on a
//! tokio runtime and exits with Go's status. Everything else lives in the library
//! (`gomodfetch::cli` prints, `gomodfetch::engine` runs).

use gomodfetch::config::{self, Env};
use std::process::ExitCode;

fn main() -> ExitCode {
    let env = match Env::from_process() {
        Ok(env) => env,
        Err(e) => {
            eprintln!("go: cannot determine current directory: {e}");
            return ExitCode::from(1);
        }
    };
    let argv: Vec<_> = std::env::args_os().skip(1).collect();
    if let Some((cmd, args)) = gomodfetch::cli::extension::Extension::parse(&argv) {
        return exit(gomodfetch::cli::extension::run(cmd, &env, &args));
    }
    let startup = match config::load(&env, &argv) {
        Ok(s) => s,
        Err(e) => {
            eprint!("{}", e.stderr_text());
            return exit(e.exit_code());
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(gomodfetch::engine::blocking_threads(startup.args.jobs))
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("gomodfetch: starting the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(gomodfetch::cli::run(startup));
    // Blocking tasks left behind by a fatal error must not delay the exit (Go exits
    // at once too).
    runtime.shutdown_background();
    exit(code)
}

fn exit(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
