//! The `-x` trace of version-control work, in go's format.
//!
//! go runs the git command and prints it: `cd <dir>; <command>` before, `<secs>s #
//! cd <dir>; <command>` after, arguments quoted as its `codehost.run` quotes them.
//! gomodfetch does the same work through libgit2, and prints the git command that
//! each operation with an effect stands for (listing the remote's refs, creating
//! the repository, fetching, tagging) in the same form and at the same point, so a
//! `-x` log reads like go's. Reads of the local repository (go's `git log`, `git
//! cat-file`, `git tag -l`, …) are not printed: no command stands for them here.
//!
//! The work-directory lines (`mkdir -p …`, `# lock …`, `# <dir> for git3 <url>`) are
//! go's `codehost.WorkDir` lines.

use crate::http::Trace;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Where trace lines go, if anywhere (cheap to clone).
#[derive(Clone, Default)]
pub struct XLog(Option<Arc<dyn Trace>>);

impl XLog {
    pub fn new(trace: Option<Arc<dyn Trace>>) -> XLog {
        XLog(trace)
    }

    /// No trace.
    pub fn off() -> XLog {
        XLog(None)
    }

    pub fn line(&self, line: &str) {
        if let Some(t) = &self.0 {
            t.line(line);
        }
    }

    /// Prints `cd <dir>; <args…>` and returns the guard that prints the elapsed line
    /// when the command is done (dropped).
    pub fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let text = self.0.as_ref().map(|_| {
            let text = format!("cd {}; {}", dir.display(), quote_command(args));
            self.line(&text);
            text
        });
        Command {
            log: self.clone(),
            text,
            start: Instant::now(),
        }
    }
}

/// A traced command in progress (see [`XLog::command`]).
pub struct Command {
    log: XLog,
    text: Option<String>,
    start: Instant,
}

impl Drop for Command {
    fn drop(&mut self) {
        if let Some(text) = &self.text {
            let secs = self.start.elapsed().as_secs_f64();
            self.log.line(&format!("{secs:.3}s # {text}"));
        }
    }
}

/// go's rendering of a command line: an argument with `'` in double quotes (with
/// `"`, `$`, `` ` `` and `\` escaped as bash needs them there); one with shell
/// specials, glob characters or white space in single quotes; others as they are.
pub fn quote_command(args: &[&str]) -> String {
    const SPECIAL: &[char] = &[
        '$', '`', '\\', '*', '?', '[', '"', '\t', '\n', '\u{b}', '\u{c}', '\r', ' ', '\u{85}',
        '\u{a0}',
    ];
    let mut out = String::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if arg.contains('\'') {
            out.push('"');
            for c in arg.chars() {
                if matches!(c, '"' | '$' | '`' | '\\') {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        } else if arg.contains(SPECIAL) {
            out.push('\'');
            out.push_str(arg);
            out.push('\'');
        } else {
            out.push_str(arg);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::TraceBuffer;

    #[test]
    fn arguments_quoted_as_go() {
        assert_eq!(
            quote_command(&["git", "ls-remote", "-q", "--end-of-options", "origin"]),
            "git ls-remote -q --end-of-options origin"
        );
        assert_eq!(
            quote_command(&["git", "log", "--format=format:%H %ct %D"]),
            "git log '--format=format:%H %ct %D'"
        );
        assert_eq!(
            quote_command(&["git", "fetch", "refs/heads/*:refs/heads/*"]),
            "git fetch 'refs/heads/*:refs/heads/*'"
        );
        assert_eq!(
            quote_command(&["x", "it's $HOME \"q\" `c` \\"]),
            r#"x "it's \$HOME \"q\" \`c\` \\""#
        );
        assert_eq!(quote_command(&["a\u{a0}b", "[x]"]), "'a\u{a0}b' '[x]'");
    }

    #[test]
    fn a_command_prints_before_and_after() {
        let buf = Arc::new(TraceBuffer::default());
        let log = XLog::new(Some(buf.clone()));
        drop(log.command(Path::new("/c/d"), &["git", "init", "--bare"]));
        let lines = buf.lines();
        assert_eq!(lines[0], "cd /c/d; git init --bare");
        let (secs, rest) = lines[1].split_once("s # ").expect("timing line");
        assert!(secs.parse::<f64>().is_ok(), "{}", lines[1]);
        assert_eq!(rest, "cd /c/d; git init --bare");
        XLog::off().line("nothing");
        assert_eq!(buf.lines().len(), 2);
    }
}
