//! The command line of `go mod download`, parsed with the semantics of Go's `flag`
//! package (`flag/flag.go`), GOFLAGS applied first (`base.SetFromGOFLAGS`), and the
//! `-C` rule of `cmd/go/main.go`.
//!
//! Two argv shapes are accepted: `gomodfetch download [flags] [modules]` and Go's own
//! `gomodfetch mod download [flags] [modules]`, so tools that exec
//! `go mod download …` can run us unchanged. `-C dir` is honoured where Go honours
//! it: as the first argument after the command words already matched (`-C d mod
//! download`, `mod -C d download`, `mod download -C d`); anywhere else it is an error.
//!
//! Flag syntax: one or two dashes; `-flag=value` or `-flag value` for value flags;
//! `-flag`, `-flag=true|false|1|0|t|f|…` for booleans; flags stop at the first
//! non-flag argument or after `--`; the last occurrence wins. Errors print Go's text,
//! then Go's usage lines, with exit status 2 ([`UsageError`]).
//!
//! Flags: Go's `-x`, `-json`, `-reuse=file`, `-modcacherw`, `-modfile=file`,
//! `-overlay=file` (all settable from GOFLAGS too), and our extensions, which GOFLAGS
//! never sets: `--jobs N` (network parallelism), `--stall-timeout D` (how long a
//! response may go without progress, e.g. `30s`, `500ms`, `2m`; default 60s),
//! `--retries N` (how many times a transient failure is retried; 0 = never, as Go),
//! `-v`/`--verbose` (tracing logs),
//! `--stream-json` (print each `-json` record as its module finishes),
//! `--no-progress`.

use super::goflags::GoFlags;
use crate::gostr::quote;
use std::borrow::Cow;
use std::ffi::{OsStr, OsString};
use std::num::NonZeroUsize;
use std::path::PathBuf;

/// Go's usage text for `go mod download`, printed after every flag error.
pub const USAGE: &str = "usage: go mod download [-x] [-json] [-reuse=old.json] [modules]\nRun 'go help mod download' for details.\n";
/// `go list`'s usage lines.
pub const USAGE_LIST: &str = "usage: go list [-f format] [-json] [-m] [list flags] [build flags] [packages]\nRun 'go help list' for details.\n";

/// Our own synopsis, for argv errors before the command is known.
pub const SYNOPSIS: &str = "usage: gomodfetch [-C dir] download [flags] [modules]\n       gomodfetch [-C dir] mod download [flags] [modules]\n";

/// Which argv shape named the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandShape {
    /// `gomodfetch download …`
    Download,
    /// `gomodfetch mod download …` (Go's spelling)
    ModDownload,
    /// `gomodfetch list -m …`: `go list -m` for module records.
    List,
}

/// The argv after the program name, split into the command, its `-C` directory and
/// the arguments that follow the command words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub shape: CommandShape,
    /// The `-C` directory, as given.
    pub chdir: Option<OsString>,
    /// Flags and module arguments after the command words (`-C` removed).
    pub args: Vec<OsString>,
}

/// An argv that names no runnable command (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgvError {
    #[error("gomodfetch: no command given\n{SYNOPSIS}")]
    NoCommand,
    /// `gomodfetch <words>` where the words are not `download` or `mod download`.
    #[error("gomodfetch {0}: unknown command\n{SYNOPSIS}")]
    UnknownCommand(String),
    /// `-h`, `-help` or `--help` before the command.
    #[error("{SYNOPSIS}")]
    HelpRequested,
    /// Another flag before the command words.
    #[error("flag provided but not defined: -{0}\n{SYNOPSIS}")]
    UndefinedFlag(String),
}

/// `lookupCmd`: how many leading words name a command, and which.
fn lookup_command(args: &[OsString]) -> (usize, Option<CommandShape>) {
    match args.first().and_then(|a| a.to_str()) {
        Some("download") => (1, Some(CommandShape::Download)),
        Some("list") => (1, Some(CommandShape::List)),
        Some("mod") => match args.get(1).and_then(|a| a.to_str()) {
            Some("download") => (2, Some(CommandShape::ModDownload)),
            _ => (1, None),
        },
        _ => (0, None),
    }
}

impl Invocation {
    /// Splits `argv` (without the program name) as `cmd/go/main.go` does:
    /// `handleChdirFlag`, then the top-level flags, then the command lookup.
    pub fn parse(argv: &[OsString]) -> Result<Invocation, ArgvError> {
        let mut args = argv.to_vec();
        let (used, _) = lookup_command(&args);
        let mut chdir = None;
        if let Some(a) = args.get(used).map(|a| bytes(a).into_owned()) {
            if (a == b"-C" || a == b"--C") && used + 1 < args.len() {
                chdir = Some(args[used + 1].clone());
                args.drain(used..used + 2);
            } else if a.starts_with(b"-C=") || a.starts_with(b"--C=") {
                let eq = a.iter().position(|&b| b == b'=').unwrap_or(a.len());
                chdir = Some(os_from_bytes(&a[eq + 1..]));
                args.remove(used);
            }
        }
        // The go command's own flag set is empty: any flag before the command words
        // is an error, except that `--` ends them.
        let mut start = 0;
        if let Some(a) = args.first().map(|a| bytes(a).into_owned())
            && a.len() >= 2
            && a[0] == b'-'
        {
            if a != b"--" {
                let name = a.strip_prefix(b"--").unwrap_or(&a[1..]);
                let name = name.split(|&b| b == b'=').next().unwrap_or(name);
                return Err(match name {
                    b"h" | b"help" => ArgvError::HelpRequested,
                    _ => ArgvError::UndefinedFlag(String::from_utf8_lossy(name).into_owned()),
                });
            }
            start = 1;
        }
        let args = args.split_off(start);
        let (used, shape) = lookup_command(&args);
        match shape {
            Some(shape) => Ok(Invocation {
                shape,
                chdir,
                args: args[used..].to_vec(),
            }),
            None if args.is_empty() => Err(ArgvError::NoCommand),
            None => {
                let words: Vec<String> = args[..(used + 1).min(args.len())]
                    .iter()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect();
                Err(ArgvError::UnknownCommand(words.join(" ")))
            }
        }
    }
}

/// The parsed flags and arguments of one `download` run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DownloadArgs {
    /// `-json`: print one JSON record per module on stdout.
    pub json: bool,
    /// `-x`: print the commands and HTTP requests executed.
    pub x: bool,
    /// `-reuse=file`: a previous `-json` output to reuse (empty value = not set).
    pub reuse: Option<PathBuf>,
    /// `-modcacherw`: leave extracted directories writable.
    pub modcacherw: bool,
    /// `-modfile=file`: an alternate go.mod (empty value = not set).
    pub modfile: Option<PathBuf>,
    /// `-overlay=file`: a JSON overlay of file contents (empty value = not set).
    pub overlay: Option<PathBuf>,
    /// `--jobs N` (extension): concurrent network operations; `None` = the default.
    pub jobs: Option<NonZeroUsize>,
    /// `--stall-timeout D` (extension): how long a response may make no progress
    /// (see `http::ClientConfig::idle_timeout`); `None` = the default.
    pub stall_timeout: Option<std::time::Duration>,
    /// `--retries N` (extension): retries of a transient failure; `None` = the
    /// default (`http::RetryPolicy`).
    pub retries: Option<u32>,
    /// `-v`, `--verbose` (extension): tracing logs on stderr.
    pub verbose: bool,
    /// `--stream-json` (extension): print records as modules finish.
    pub stream_json: bool,
    /// `--no-progress` (extension): never draw a progress bar.
    pub no_progress: bool,
    /// The module arguments (`path@version`, patterns, …), in order. Arguments that
    /// are not UTF-8 are converted lossily.
    pub modules: Vec<String>,
    /// `list` only: `-m` (list modules; required).
    pub list_m: bool,
    /// `list` only: `-e` (report errors in the records instead of failing).
    pub list_e: bool,
    /// `list` only: `-mod=mode` (`mod` or `readonly`; `vendor` is refused).
    pub mod_mode: Option<String>,
    /// Whether these are `list` arguments (enables `-m`, `-e`, `-mod`).
    pub list: bool,
}

/// A flag error: Go prints the message, then [`USAGE`], and exits with status 2.
/// `-h`/`-help` print only the usage ([`UsageError::is_help`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    /// Go's message line (empty for a help request).
    pub message: String,
    /// The command was `list` ([`USAGE_LIST`] follows the message).
    pub list: bool,
}

impl UsageError {
    fn new(message: String) -> UsageError {
        UsageError {
            message,
            list: false,
        }
    }

    /// Whether `-h` or `-help` was given.
    pub fn is_help(&self) -> bool {
        self.message.is_empty()
    }

    /// Everything Go writes to stderr for this error.
    pub fn stderr_text(&self) -> String {
        let usage = if self.list { USAGE_LIST } else { USAGE };
        if self.is_help() {
            usage.to_string()
        } else {
            format!("{}\n{usage}", self.message)
        }
    }
}

/// Which setting a flag changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Json,
    X,
    Reuse,
    ModCacheRw,
    ModFile,
    Overlay,
    Chdir,
    Jobs,
    StallTimeout,
    Retries,
    Verbose,
    StreamJson,
    NoProgress,
    ListM,
    ListE,
    Mod,
}

struct FlagSpec {
    name: &'static str,
    target: Target,
    boolean: bool,
    /// Defined by `go mod download` itself (so GOFLAGS may set it).
    go: bool,
    /// Defined only for `list`.
    list_only: bool,
}

const fn flag(name: &'static str, target: Target, boolean: bool, go: bool) -> FlagSpec {
    FlagSpec {
        name,
        target,
        boolean,
        go,
        list_only: false,
    }
}

const fn list_flag(name: &'static str, target: Target, boolean: bool) -> FlagSpec {
    FlagSpec {
        name,
        target,
        boolean,
        go: true,
        list_only: true,
    }
}

const FLAGS: &[FlagSpec] = &[
    flag("json", Target::Json, true, true),
    flag("x", Target::X, true, true),
    flag("reuse", Target::Reuse, false, true),
    flag("modcacherw", Target::ModCacheRw, true, true),
    flag("modfile", Target::ModFile, false, true),
    flag("overlay", Target::Overlay, false, true),
    flag("C", Target::Chdir, false, true),
    flag("jobs", Target::Jobs, false, false),
    flag("stall-timeout", Target::StallTimeout, false, false),
    flag("retries", Target::Retries, false, false),
    flag("v", Target::Verbose, true, false),
    flag("verbose", Target::Verbose, true, false),
    flag("stream-json", Target::StreamJson, true, false),
    flag("no-progress", Target::NoProgress, true, false),
    list_flag("m", Target::ListM, true),
    list_flag("e", Target::ListE, true),
    list_flag("mod", Target::Mod, false),
];

fn lookup_flag(name: &[u8], go_only: bool, list: bool) -> Option<&'static FlagSpec> {
    FLAGS
        .iter()
        .find(|f| f.name.as_bytes() == name && (f.go || !go_only) && (list || !f.list_only))
}

/// `strconv.ParseBool`.
fn parse_bool(s: &[u8]) -> Option<bool> {
    match s {
        b"1" | b"t" | b"T" | b"TRUE" | b"true" | b"True" => Some(true),
        b"0" | b"f" | b"F" | b"FALSE" | b"false" | b"False" => Some(false),
        _ => None,
    }
}

impl DownloadArgs {
    /// Parses the arguments after the command words, with GOFLAGS applied first.
    pub fn parse(args: &[OsString], goflags: &GoFlags) -> Result<DownloadArgs, UsageError> {
        Self::parse_as(false, args, goflags)
    }

    /// [`DownloadArgs::parse`] for `download` (`list == false`) or `list`.
    pub fn parse_as(
        list: bool,
        args: &[OsString],
        goflags: &GoFlags,
    ) -> Result<DownloadArgs, UsageError> {
        Self::parse_flags(list, args, goflags).map_err(|e| UsageError { list, ..e })
    }

    fn parse_flags(
        list: bool,
        args: &[OsString],
        goflags: &GoFlags,
    ) -> Result<DownloadArgs, UsageError> {
        let mut out = DownloadArgs {
            list,
            ..DownloadArgs::default()
        };
        out.apply_goflags(goflags)?;
        let mut i = 0;
        while i < args.len() {
            let s = bytes(&args[i]).into_owned();
            if s.len() < 2 || s[0] != b'-' {
                break;
            }
            let dashes = if s[1] == b'-' { 2 } else { 1 };
            if s.len() == 2 && dashes == 2 {
                i += 1;
                break;
            }
            let name = &s[dashes..];
            if name.is_empty() || name[0] == b'-' || name[0] == b'=' {
                return Err(UsageError::new(format!(
                    "bad flag syntax: {}",
                    String::from_utf8_lossy(&s)
                )));
            }
            i += 1;
            let (name, mut value) = match name[1..].iter().position(|&b| b == b'=') {
                Some(eq) => (&name[..eq + 1], Some(name[eq + 2..].to_vec())),
                None => (name, None),
            };
            let shown = String::from_utf8_lossy(name);
            let Some(spec) = lookup_flag(name, false, out.list) else {
                if name == b"help" || name == b"h" {
                    return Err(UsageError::new(String::new()));
                }
                return Err(UsageError::new(format!(
                    "flag provided but not defined: -{shown}"
                )));
            };
            if spec.boolean {
                let v = match &value {
                    None => true,
                    Some(v) => parse_bool(v).ok_or_else(|| {
                        UsageError::new(format!(
                            "invalid boolean value {} for -{shown}: parse error",
                            quote(v)
                        ))
                    })?,
                };
                out.set_bool(spec.target, v);
                continue;
            }
            if value.is_none() && i < args.len() {
                value = Some(bytes(&args[i]).into_owned());
                i += 1;
            }
            let Some(value) = value else {
                return Err(UsageError::new(format!("flag needs an argument: -{shown}")));
            };
            out.set_value(spec.target, &value).map_err(|why| {
                UsageError::new(format!(
                    "invalid value {} for flag -{shown}: {why}",
                    quote(&value)
                ))
            })?;
        }
        out.modules = args[i..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        Ok(out)
    }

    /// `base.SetFromGOFLAGS`: applies the GOFLAGS words that name a flag of
    /// `go mod download`, ignoring the others.
    fn apply_goflags(&mut self, goflags: &GoFlags) -> Result<(), UsageError> {
        let from = if cfg!(windows) {
            "%GOFLAGS%"
        } else {
            "$GOFLAGS"
        };
        for word in goflags.words() {
            let (name, value) = match word.find('=') {
                Some(0) => continue,
                Some(i) => (&word[..i], Some(&word[i + 1..])),
                None => (word.as_str(), None),
            };
            let name = if name.starts_with("--") {
                &name[1..]
            } else {
                name
            };
            let Some(spec) = lookup_flag(&name.as_bytes()[1..], true, self.list) else {
                continue;
            };
            if spec.boolean {
                let v = match value {
                    None => true,
                    Some(v) => parse_bool(v.as_bytes()).ok_or_else(|| {
                        UsageError::new(format!(
                            "go: invalid boolean value {} for flag {name} (from {from}): parse error",
                            quote(v)
                        ))
                    })?,
                };
                self.set_bool(spec.target, v);
                continue;
            }
            let Some(value) = value else {
                return Err(UsageError::new(format!(
                    "go: flag needs an argument: {name} (from {from})"
                )));
            };
            self.set_value(spec.target, value.as_bytes())
                .map_err(|why| {
                    UsageError::new(format!(
                        "go: invalid value {} for flag {name} (from {from}): {why}",
                        quote(value)
                    ))
                })?;
        }
        Ok(())
    }

    fn set_bool(&mut self, target: Target, v: bool) {
        match target {
            Target::Json => self.json = v,
            Target::X => self.x = v,
            Target::ModCacheRw => self.modcacherw = v,
            Target::Verbose => self.verbose = v,
            Target::StreamJson => self.stream_json = v,
            Target::NoProgress => self.no_progress = v,
            Target::ListM => self.list_m = v,
            Target::ListE => self.list_e = v,
            _ => {}
        }
    }

    /// A value flag's `Set`; the error is the reason Go prints after the value.
    fn set_value(&mut self, target: Target, v: &[u8]) -> Result<(), String> {
        let path = || (!v.is_empty()).then(|| PathBuf::from(os_from_bytes(v)));
        match target {
            Target::Reuse => self.reuse = path(),
            Target::ModFile => self.modfile = path(),
            Target::Overlay => self.overlay = path(),
            Target::Chdir => return Err("-C flag must be first flag on command line".into()),
            Target::Jobs => self.jobs = Some(parse_jobs(v)?),
            Target::StallTimeout => self.stall_timeout = Some(parse_stall_timeout(v)?),
            Target::Retries => self.retries = Some(parse_retries(v)?),
            Target::Mod => self.mod_mode = Some(String::from_utf8_lossy(v).into_owned()),
            _ => {}
        }
        Ok(())
    }
}

/// `--jobs`: a decimal count of at least 1.
fn parse_jobs(v: &[u8]) -> Result<NonZeroUsize, String> {
    NonZeroUsize::new(parse_count(v)?).ok_or_else(|| "must be at least 1".to_string())
}

/// `--retries`: a decimal count, at most 100.
fn parse_retries(v: &[u8]) -> Result<u32, String> {
    u32::try_from(parse_count(v)?)
        .ok()
        .filter(|n| *n <= 100)
        .ok_or_else(|| "must be at most 100".to_string())
}

/// A count flag's value: decimal digits only.
fn parse_count(v: &[u8]) -> Result<usize, String> {
    let text = std::str::from_utf8(v).map_err(|_| "parse error".to_string())?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("parse error".into());
    }
    text.parse().map_err(|_| "value out of range".to_string())
}

/// `--stall-timeout`: a positive whole number with a unit, `ms`, `s` or `m`.
fn parse_stall_timeout(v: &[u8]) -> Result<std::time::Duration, String> {
    use std::time::Duration;
    let text = std::str::from_utf8(v).map_err(|_| "parse error".to_string())?;
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (n, unit) = text.split_at(digits);
    let n: u64 = n
        .parse()
        .map_err(|_| "want a duration such as 30s, 500ms or 2m".to_string())?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        _ => return Err("want a duration such as 30s, 500ms or 2m".into()),
    };
    if d.is_zero() {
        return Err("must be more than zero".into());
    }
    Ok(d)
}

/// An argument's bytes (exact on Unix; lossy UTF-8 elsewhere).
fn bytes(a: &OsStr) -> Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Cow::Borrowed(a.as_bytes())
    }
    #[cfg(not(unix))]
    {
        match a.to_string_lossy() {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        }
    }
}

fn os_from_bytes(b: &[u8]) -> OsString {
    super::goenv::bytes_to_os(b)
}

#[cfg(test)]
mod tests;
