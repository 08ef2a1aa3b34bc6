//! One finished program run: what was run, how it ended, what it printed, how long it
//! took, and its `-json` output parsed.
//!
//! The go command's `-json` output is a *stream* of objects, each printed by
//! `json.MarshalIndent(v, "", "\t")` and a newline — not an array. [`Run::json`]
//! parses that stream and keeps, next to each parsed value, the exact bytes it came
//! from, so tests can compare either the meaning or the bytes.

use std::ffi::OsString;
use std::fmt;
use std::io::{self, Read};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

/// How often a run with a time limit checks whether its child has exited.
const POLL: Duration = Duration::from_millis(5);

/// The outcome of one program run.
#[derive(Debug)]
pub struct Run {
    /// The program as given to the command.
    pub program: OsString,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// The working directory.
    pub dir: Option<PathBuf>,
    /// How the process ended.
    pub status: ExitStatus,
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
    /// From spawn to exit.
    pub wall: Duration,
    /// Whether the process was killed because it outran its time limit.
    pub timed_out: bool,
}

impl Run {
    /// Runs `cmd` with stdin closed and stdout/stderr captured, killing it after
    /// `limit` (when given).
    pub fn capture(cmd: Command, limit: Option<Duration>) -> io::Result<Run> {
        Run::capture_with(cmd, limit, |_| {})
    }

    /// [`Run::capture`], calling `started` with the child's pid once it runs (to
    /// watch it from outside, e.g. its memory in `/proc`).
    pub fn capture_with(
        mut cmd: Command,
        limit: Option<Duration>,
        started: impl FnOnce(u32),
    ) -> io::Result<Run> {
        let program = cmd.get_program().to_os_string();
        let args = cmd.get_args().map(|a| a.to_os_string()).collect();
        let dir = cmd.get_current_dir().map(PathBuf::from);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let start = Instant::now();
        let mut child = cmd.spawn().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("running {}: {e}", program.to_string_lossy()),
            )
        })?;
        started(child.id());
        let out = child.stdout.take().map(drain);
        let err = child.stderr.take().map(drain);
        let mut timed_out = false;
        let status = match limit {
            None => child.wait()?,
            Some(limit) => loop {
                if let Some(status) = child.try_wait()? {
                    break status;
                }
                if start.elapsed() >= limit {
                    timed_out = true;
                    // The child may exit between the check and the kill; then kill
                    // fails harmlessly and wait returns its real status.
                    let _ = child.kill();
                    break child.wait()?;
                }
                thread::sleep(POLL);
            },
        };
        let wall = start.elapsed();
        let join = |h: Option<thread::JoinHandle<io::Result<Vec<u8>>>>| -> io::Result<Vec<u8>> {
            match h {
                None => Ok(Vec::new()),
                Some(h) => h
                    .join()
                    .unwrap_or_else(|_| Err(io::Error::other("output reader panicked"))),
            }
        };
        Ok(Run {
            program,
            args,
            dir,
            status,
            stdout: join(out)?,
            stderr: join(err)?,
            wall,
            timed_out,
        })
    }

    /// The exit code (`None` when the process was killed by a signal).
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Whether it exited with status 0.
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// stdout as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// The command line, for messages.
    pub fn command_line(&self) -> String {
        let mut s = self.program.to_string_lossy().into_owned();
        for a in &self.args {
            s.push(' ');
            s.push_str(&a.to_string_lossy());
        }
        s
    }

    /// stdout parsed as a stream of JSON values (see the module docs).
    pub fn json(&self) -> Result<Vec<JsonRecord>, JsonStreamError> {
        parse_json_stream(&self.stdout)
    }

    /// stdout parsed as `go mod download -json` records.
    pub fn download_records(&self) -> Result<Vec<DownloadRecord>, JsonStreamError> {
        self.json()?
            .into_iter()
            .map(|r| {
                serde_json::from_value(r.value).map_err(|e| JsonStreamError {
                    offset: r.span.0,
                    message: format!("not a download record: {e}"),
                })
            })
            .collect()
    }
}

impl fmt::Display for Run {
    /// The command, how it ended, and its stderr: enough to diagnose a failed
    /// assertion.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.command_line())?;
        if let Some(d) = &self.dir {
            write!(f, " in {}", d.display())?;
        }
        if self.timed_out {
            write!(f, " timed out after {:?}", self.wall)?;
        } else {
            write!(f, " exited with {} after {:?}", self.status, self.wall)?;
        }
        if !self.stderr.is_empty() {
            write!(f, "; stderr:\n{}", self.stderr_text().trim_end())?;
        }
        Ok(())
    }
}

fn drain(mut r: impl Read + Send + 'static) -> thread::JoinHandle<io::Result<Vec<u8>>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        r.read_to_end(&mut buf)?;
        Ok(buf)
    })
}

/// One value of a JSON stream and the bytes it was parsed from.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonRecord {
    /// The parsed value.
    pub value: Value,
    /// The exact bytes of this value in the stream (no surrounding whitespace).
    pub raw: Vec<u8>,
    /// Where `raw` starts and ends in the stream.
    pub span: (usize, usize),
}

/// Where and why a JSON stream did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("JSON stream at byte {offset}: {message}")]
pub struct JsonStreamError {
    /// Byte offset of the value that failed.
    pub offset: usize,
    /// What went wrong.
    pub message: String,
}

/// Parses a stream of JSON values separated by whitespace, as Go's `json.Decoder`
/// reads and as the go command's `-json` flags write.
pub fn parse_json_stream(bytes: &[u8]) -> Result<Vec<JsonRecord>, JsonStreamError> {
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    let mut start = 0;
    while let Some(next) = stream.next() {
        let end = stream.byte_offset();
        let from = start + leading_whitespace(&bytes[start..end]);
        match next {
            Ok(value) => out.push(JsonRecord {
                value,
                raw: bytes[from..end].to_vec(),
                span: (from, end),
            }),
            Err(e) => {
                return Err(JsonStreamError {
                    offset: from,
                    message: e.to_string(),
                });
            }
        }
        start = end;
    }
    Ok(out)
}

fn leading_whitespace(b: &[u8]) -> usize {
    b.iter()
        .take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        .count()
}

/// One record of `go mod download -json`: Go's `modcmd.ModuleJSON`. Every field is
/// `omitempty` in Go, hence optional here; fields Go may add later are ignored.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DownloadRecord {
    /// Module path.
    pub path: Option<String>,
    /// Resolved version (for a failed query: the query as given).
    pub version: Option<String>,
    /// The query, when it differs from the resolved version.
    pub query: Option<String>,
    /// Error text, without the `go: ` prefix.
    pub error: Option<String>,
    /// Absolute path of the `.info` file.
    pub info: Option<String>,
    /// Absolute path of the `.mod` file.
    pub go_mod: Option<String>,
    /// Absolute path of the `.zip` file.
    pub zip: Option<String>,
    /// Absolute path of the extracted directory.
    pub dir: Option<String>,
    /// `h1:` hash of the zip (the `.ziphash` content).
    pub sum: Option<String>,
    /// `h1:` hash of the go.mod.
    pub go_mod_sum: Option<String>,
    /// Provenance, as Go's `codehost.Origin`.
    pub origin: Option<Value>,
    /// Whether the record was satisfied from `-reuse`.
    pub reuse: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_style_stream_and_keeps_bytes() {
        let text = b"{\n\t\"Path\": \"a.b/c\",\n\t\"Version\": \"v1.0.0\"\n}\n{\n\t\"Path\": \"x.y\",\n\t\"Error\": \"a \\u003c b\"\n}\n";
        let recs = parse_json_stream(text).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(
            recs[0].raw,
            b"{\n\t\"Path\": \"a.b/c\",\n\t\"Version\": \"v1.0.0\"\n}"
        );
        assert_eq!(recs[1].value["Error"], "a < b");
        assert_eq!(
            &text[recs[1].span.0..recs[1].span.1],
            recs[1].raw.as_slice()
        );
    }

    #[test]
    fn reports_where_the_stream_breaks() {
        let err = parse_json_stream(b"{}\n  {\"a\": }").unwrap_err();
        assert_eq!(err.offset, 5);
        assert!(parse_json_stream(b"").unwrap().is_empty());
        assert!(parse_json_stream(b" \n").unwrap().is_empty());
    }

    #[test]
    fn times_out() {
        let mut c = Command::new("sleep");
        c.arg("5");
        let run = Run::capture(c, Some(Duration::from_millis(50))).unwrap();
        assert!(run.timed_out && !run.success());
        assert!(run.wall < Duration::from_secs(4));
    }
}
