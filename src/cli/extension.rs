//! Our own commands, which `go` has no equivalent of: `gomodfetch prewarm` (fill a
//! module cache for many projects at once), `gomodfetch publish` (write the cache
//! as a static GOPROXY tree) and `gomodfetch verify` (`go mod verify` and more; also
//! as Go's `gomodfetch mod verify`, with Go's flags). Their flags are ours, parsed with clap in GNU style;
//! Go's `flag` semantics stay with the drop-in commands (`download`, `mod download`,
//! `list -m`), which [`crate::config::load`] parses.
//!
//! The configuration (GOMODCACHE, GOPROXY, GOSUMDB, …) is resolved exactly as for
//! `download`: the process environment, the go env file, `$GOROOT/go.env`.

use crate::config::Env;
use std::ffi::OsString;

/// The commands this layer owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extension {
    Prewarm,
    Publish,
    /// `verify`: `go mod verify` and more, with our flags.
    Verify,
    /// `mod verify`: Go's spelling, with Go's flags.
    ModVerify,
}

impl Extension {
    /// The command `argv` (without the program name) names, if it is one of ours.
    pub fn from_argv(argv: &[OsString]) -> Option<Extension> {
        match argv.first()?.to_str()? {
            "prewarm" => Some(Extension::Prewarm),
            "publish" => Some(Extension::Publish),
            "verify" => Some(Extension::Verify),
            "mod" if argv.get(1).and_then(|a| a.to_str()) == Some("verify") => {
                Some(Extension::ModVerify)
            }
            _ => None,
        }
    }
}

/// Runs `cmd` with the arguments after its name; returns the exit status.
pub fn run(cmd: Extension, env: &Env, args: &[OsString]) -> i32 {
    match cmd {
        Extension::Prewarm => super::prewarm::main(env, args),
        Extension::Publish => super::publish::main(env, args),
        Extension::Verify => super::verify::main(env, args),
        // `args` starts with `verify`.
        Extension::ModVerify => super::verify::main_go(env, args.get(1..).unwrap_or_default()),
    }
}
