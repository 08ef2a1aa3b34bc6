//! GOFLAGS (spec §3.1; `cmd/go/internal/base/goflags.go`, `cmd/internal/quoted`).
//!
//! The value is split into words with shell-like quoting ([`split_quoted`]: `'…'`
//! and `"…"` group, nothing is unescaped). Each word must look like `-flag`,
//! `--flag`, `-flag=value` or `--flag=value`, and the flag must be defined by *some*
//! go subcommand ([`KNOWN_FLAGS`]); otherwise the go command stops at start-up with
//! `go: parsing $GOFLAGS: …` (exit status 1). Flags known to other commands are then
//! silently ignored by `go mod download`; the ones it defines are applied before the
//! command line (see [`super::cmdline`]).
//!
//! # How [`KNOWN_FLAGS`] was derived
//!
//! Go checks a name with `base.hasFlag(base.Go, name)`: every flag registered on any
//! command or subcommand's `FlagSet` (build flags, test flags including the
//! `-test.*` spellings, `go mod edit`'s, `go get -insecure`, …). Rather than reading
//! them off the sources by hand, we built Go 1.26.8's `cmd/go` with one extra file in
//! package main (added through `go build -overlay`) whose `init` walks the command
//! tree after all flags are registered and prints every name, then exits:
//!
//! ```text
//! func init() {
//!     if os.Getenv("FLAGDUMP") == "" { return }
//!     var walk func(c *base.Command)
//!     walk = func(c *base.Command) {
//!         c.Flag.VisitAll(func(f *flag.Flag) { fmt.Println(f.Name) })
//!         for _, s := range c.Commands { walk(s) }
//!     }
//!     walk(base.Go); os.Exit(0)
//! }
//! ```
//!
//! (`GOENV=off go build -overlay o.json -o godump cmd/go && FLAGDUMP=1 ./godump |
//! sort -u`.) The test `config_goflags` checks the table against the real `go`
//! (every name accepted, near misses rejected) and, with
//! `GOMODFETCH_GOFLAGS_DUMP=1`, rebuilds the dump and compares the whole list.
//! Commands with custom flag parsing (`go vet`'s analyzer flags, `go doc`, `go tool`)
//! register nothing, so their flags are unknown to GOFLAGS in Go too.

use crate::gostr::quote;

/// Every flag name some go subcommand defines (Go 1.26), sorted bytewise.
#[rustfmt::skip]
pub const KNOWN_FLAGS: &[&str] = &[
    "C", "a", "artifacts", "asan", "asmflags", "bench", "benchmem", "benchtime",
    "blockprofile", "blockprofilerate", "buildmode", "buildvcs", "c", "cache", "changed",
    "compat", "compiled", "compiler", "count", "cover", "covermode", "coverpkg",
    "coverprofile", "cpu", "cpuprofile", "d", "debug-actiongraph", "debug-runtime-trace",
    "debug-trace", "deps", "diff", "dropexclude", "dropgodebug", "dropignore", "dropreplace",
    "droprequire", "dropretract", "droptool", "dropuse", "e", "exclude", "exec", "export",
    "f", "failfast", "find", "fix", "fixtool", "fmt", "fullpath", "fuzz", "fuzzcache",
    "fuzzminimizetime", "fuzztime", "gccgoflags", "gcflags", "go", "godebug", "i", "ignore",
    "insecure", "installsuffix", "json", "ldflags", "linkshared", "list", "m", "memprofile",
    "memprofilerate", "mod", "modcache", "modcacherw", "modfile", "module", "msan",
    "mutexprofile", "mutexprofilefraction", "n", "o", "outputdir", "overlay", "p",
    "parallel", "pgo", "pkgdir", "print", "r", "race", "replace", "require", "retract",
    "retracted", "reuse", "run", "short", "shuffle", "skip", "t", "tags", "test",
    "test.artifacts", "test.bench", "test.benchmem", "test.benchtime", "test.blockprofile",
    "test.blockprofilerate", "test.count", "test.coverprofile", "test.cpu",
    "test.cpuprofile", "test.failfast", "test.fullpath", "test.fuzz",
    "test.fuzzminimizetime", "test.fuzztime", "test.list", "test.memprofile",
    "test.memprofilerate", "test.mutexprofile", "test.mutexprofilefraction",
    "test.outputdir", "test.parallel", "test.run", "test.short", "test.shuffle", "test.skip",
    "test.timeout", "test.trace", "test.v", "testcache", "timeout", "tool", "toolchain",
    "toolexec", "trace", "trimpath", "u", "use", "v", "vendor", "versions", "vet", "vettool",
    "w", "work", "x",
];

/// Whether some go subcommand defines flag `name` (`base.hasFlag(base.Go, name)`).
pub fn is_known_flag(name: &str) -> bool {
    KNOWN_FLAGS.binary_search(&name).is_ok()
}

/// `quoted.Split`'s only error: an opening quote without its closing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unterminated {0} string")]
pub struct UnterminatedQuote(pub char);

/// `cmd/internal/quoted.Split`: words separated by spaces, tabs, CR or LF; a word
/// starting with `'` or `"` extends to the matching quote (no escapes), and the
/// text right after the closing quote starts a new word.
pub fn split_quoted(s: &str) -> Result<Vec<String>, UnterminatedQuote> {
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let b = s.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            return Ok(words);
        }
        if b[i] == b'"' || b[i] == b'\'' {
            let q = b[i];
            let start = i + 1;
            let Some(len) = b[start..].iter().position(|&c| c == q) else {
                return Err(UnterminatedQuote(char::from(q)));
            };
            words.push(s[start..start + len].to_string());
            i = start + len + 1;
            continue;
        }
        let start = i;
        while i < b.len() && !is_space(b[i]) {
            i += 1;
        }
        words.push(s[start..i].to_string());
    }
}

/// A GOFLAGS value Go rejects at start-up (exit status 1, no usage text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoFlagsError {
    #[error("go: parsing $GOFLAGS: {0}")]
    Quote(#[from] UnterminatedQuote),
    /// A word that is not `-flag[=value]` or `--flag[=value]`.
    #[error("go: parsing $GOFLAGS: non-flag {}", quote(.0))]
    NonFlag(String),
    /// A flag no go subcommand defines (the name, without dashes or value).
    #[error("go: parsing $GOFLAGS: unknown flag -{0}")]
    UnknownFlag(String),
}

/// A validated GOFLAGS value: its words, each `-name[=value]` or `--name[=value]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GoFlags {
    words: Vec<String>,
}

impl GoFlags {
    /// `base.InitGOFLAGS`: splits and validates the value.
    pub fn parse(value: &str) -> Result<GoFlags, GoFlagsError> {
        let words = split_quoted(value)?;
        for w in &words {
            let malformed = !w.starts_with('-')
                || w == "-"
                || w == "--"
                || w.starts_with("---")
                || w.starts_with("-=")
                || w.starts_with("--=");
            if malformed {
                return Err(GoFlagsError::NonFlag(w.clone()));
            }
            let name = flag_name(w);
            if !is_known_flag(name) {
                return Err(GoFlagsError::UnknownFlag(name.to_string()));
            }
        }
        Ok(GoFlags { words })
    }

    /// The words, in order.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// `base.InGOFLAGS(flag)`: whether a word sets `flag` (given as `-name`).
    pub fn contains(&self, flag: &str) -> bool {
        self.words.iter().any(|w| {
            let w = w
                .strip_prefix('-')
                .filter(|r| r.starts_with('-'))
                .unwrap_or(w);
            w.split('=').next() == Some(flag)
        })
    }
}

/// The flag name of a validated word: without its one or two dashes and `=value`.
fn flag_name(word: &str) -> &str {
    let name = &word[1..];
    let name = name.strip_prefix('-').unwrap_or(name);
    name.split('=').next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(KNOWN_FLAGS.windows(2).all(|w| w[0] < w[1]));
        for f in [
            "x",
            "json",
            "modcacherw",
            "mod",
            "insecure",
            "test.v",
            "C",
            "n",
        ] {
            assert!(is_known_flag(f), "{f}");
        }
        for f in ["h", "help", "bogus", "printf", "X", "jobs"] {
            assert!(!is_known_flag(f), "{f}");
        }
    }

    #[test]
    fn quoted_splitting() {
        assert_eq!(
            split_quoted(" -a\t'-b c'\"-d\"e  -f=\"g h\"\r\n").unwrap(),
            ["-a", "-b c", "-d", "e", "-f=\"g", "h\""]
        );
        assert_eq!(split_quoted("''").unwrap(), [""]);
        assert!(split_quoted("   ").unwrap().is_empty());
        assert_eq!(
            split_quoted("-x 'open").unwrap_err().to_string(),
            "unterminated ' string"
        );
    }

    #[test]
    fn validation_errors() {
        let e = |v: &str| GoFlags::parse(v).unwrap_err().to_string();
        assert_eq!(e("-bogus"), "go: parsing $GOFLAGS: unknown flag -bogus");
        assert_eq!(e("--bogus=1"), "go: parsing $GOFLAGS: unknown flag -bogus");
        assert_eq!(e("bogus"), "go: parsing $GOFLAGS: non-flag \"bogus\"");
        for w in ["-", "--", "---x", "-=x", "--=x", "''"] {
            assert!(e(w).contains("non-flag"), "{w}");
        }
        assert_eq!(
            e("-x \"-json"),
            "go: parsing $GOFLAGS: unterminated \" string"
        );
        // The first bad word decides.
        assert_eq!(
            e("-x -nope bad"),
            "go: parsing $GOFLAGS: unknown flag -nope"
        );
        assert_eq!(e("-h"), "go: parsing $GOFLAGS: unknown flag -h");
    }

    #[test]
    fn in_goflags() {
        let g = GoFlags::parse("--modfile=x.mod -mod=mod -ldflags=-w").unwrap();
        assert!(g.contains("-modfile") && g.contains("-mod") && !g.contains("-w"));
        assert_eq!(g.words().len(), 3);
    }
}
