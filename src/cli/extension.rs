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
    /// The command `argv` (without the program name) names, if it is one of ours,
    /// and the arguments after its words. `verify` and Go's `mod verify` also take
    /// `-C dir` where Go takes it for `mod` commands — before the command words or
    /// between `mod` and `verify` (`-C d mod verify`, `mod -C d verify`) — and get it
    /// back as their first flags.
    pub fn parse(argv: &[OsString]) -> Option<(Extension, Vec<OsString>)> {
        let (chdir, rest) = leading_chdir(argv);
        let word = |i: usize| rest.get(i).and_then(|a| a.to_str());
        let (cmd, rest) = match word(0)? {
            "prewarm" if chdir.is_none() => (Extension::Prewarm, &rest[1..]),
            "publish" if chdir.is_none() => (Extension::Publish, &rest[1..]),
            "verify" => (Extension::Verify, &rest[1..]),
            "mod" => {
                let (inner, after_mod) = leading_chdir(&rest[1..]);
                if after_mod.first().and_then(|a| a.to_str()) != Some("verify")
                    || (chdir.is_some() && inner.is_some())
                {
                    return None;
                }
                return Some((
                    Extension::ModVerify,
                    with_chdir(chdir.or(inner), &after_mod[1..]),
                ));
            }
            _ => return None,
        };
        Some((cmd, with_chdir(chdir, rest)))
    }
}

/// A leading `-C dir`, `-C=dir` (one or two dashes), and what follows it.
fn leading_chdir(argv: &[OsString]) -> (Option<OsString>, &[OsString]) {
    let Some(first) = argv.first().map(|a| a.as_encoded_bytes()) else {
        return (None, argv);
    };
    if (first == b"-C" || first == b"--C") && argv.len() > 1 {
        return (Some(argv[1].clone()), &argv[2..]);
    }
    for prefix in [&b"-C="[..], b"--C="] {
        if let Some(dir) = first.strip_prefix(prefix) {
            return (
                Some(OsString::from(String::from_utf8_lossy(dir).into_owned())),
                &argv[1..],
            );
        }
    }
    (None, argv)
}

fn with_chdir(chdir: Option<OsString>, rest: &[OsString]) -> Vec<OsString> {
    let mut out = Vec::with_capacity(rest.len() + 2);
    if let Some(dir) = chdir {
        out.push("-C".into());
        out.push(dir);
    }
    out.extend_from_slice(rest);
    out
}

/// Runs `cmd` with the arguments after its words ([`Extension::parse`]); returns
/// the exit status.
pub fn run(cmd: Extension, env: &Env, args: &[OsString]) -> i32 {
    match cmd {
        Extension::Prewarm => super::prewarm::main(env, args),
        Extension::Publish => super::publish::main(env, args),
        Extension::Verify => super::verify::main(env, args),
        Extension::ModVerify => super::verify::main_go(env, args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn commands_and_their_arguments() {
        let p = |w: &[&str]| Extension::parse(&os(w));
        assert_eq!(p(&["prewarm", "a"]), Some((Extension::Prewarm, os(&["a"]))));
        assert_eq!(
            p(&["publish", "--to", "d"]),
            Some((Extension::Publish, os(&["--to", "d"])))
        );
        assert_eq!(
            p(&["verify", "--json"]),
            Some((Extension::Verify, os(&["--json"])))
        );
        assert_eq!(
            p(&["mod", "verify", "-json"]),
            Some((Extension::ModVerify, os(&["-json"])))
        );
        assert_eq!(p(&["mod", "download"]), None);
        assert_eq!(p(&["download"]), None);
        assert_eq!(p(&[]), None);
    }

    #[test]
    fn chdir_where_go_takes_it() {
        let p = |w: &[&str]| Extension::parse(&os(w));
        let want = Some((Extension::ModVerify, os(&["-C", "d", "-json"])));
        assert_eq!(p(&["-C", "d", "mod", "verify", "-json"]), want);
        assert_eq!(p(&["--C=d", "mod", "verify", "-json"]), want);
        assert_eq!(p(&["mod", "-C", "d", "verify", "-json"]), want);
        assert_eq!(p(&["mod", "-C=d", "verify", "-json"]), want);
        assert_eq!(
            p(&["-C", "d", "verify"]),
            Some((Extension::Verify, os(&["-C", "d"])))
        );
        // Twice, or before a command without -C: not ours (download's parser reports it).
        assert_eq!(p(&["-C", "d", "mod", "-C", "e", "verify"]), None);
        assert_eq!(p(&["-C", "d", "prewarm"]), None);
        assert_eq!(p(&["-C", "d", "mod", "download"]), None);
    }
}
