//! `.gitattributes` as git reads them for `git archive`: the line syntax, macros and the
//! precedence rules (git's `attr.c`), over files the caller supplies.
//!
//! A lookup sees a stack of attribute files, highest precedence first:
//! `$GIT_DIR/info/attributes`, then the `.gitattributes` of the path's directories from
//! the deepest to the root, then git's built-in `binary` macro. Within a file later
//! lines win. An attribute takes the first value found walking that order; a macro set
//! on a path (`binary`) fills its own attributes at the macro's position, so a more
//! specific line still overrides it. The user's global and system attribute files are
//! not consulted: go runs git with the user's configuration, which no reimplementation
//! can reproduce, and a default installation has neither.

use super::wildmatch::{Mode, wildmatch};
use std::collections::HashMap;

/// Git ignores attribute lines this long or longer.
const MAX_LINE_LENGTH: usize = 2048;
/// Git ignores in-tree attribute files this large or larger.
pub const MAX_FILE_SIZE: usize = 100 * 1024 * 1024;

/// The state of one attribute for a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// `attr`
    Set,
    /// `-attr`
    Unset,
    /// `!attr`, or nothing said.
    Unspecified,
    /// `attr=value`
    Value(Vec<u8>),
}

#[derive(Debug, Clone)]
struct Pattern {
    /// Without a leading `!` (rejected) or a trailing `/`.
    text: Vec<u8>,
    /// No `/` inside: matched against the base name at any depth.
    no_dir: bool,
    /// Ended in `/`: only directories match, so never a file.
    must_be_dir: bool,
}

#[derive(Debug, Clone)]
enum Target {
    Pattern(Pattern),
    /// `[attr]name`
    Macro(Vec<u8>),
}

#[derive(Debug, Clone)]
struct Line {
    target: Target,
    states: Vec<(Vec<u8>, State)>,
}

/// One parsed attribute file and the directory its patterns are relative to.
#[derive(Debug, Clone, Default)]
pub struct AttrFile {
    /// Repository-relative directory, without trailing slash ("" = root).
    base: Vec<u8>,
    lines: Vec<Line>,
}

const BLANK: &[u8] = b" \t\r\n";

fn span(s: &[u8], set: &[u8]) -> usize {
    s.iter().take_while(|c| set.contains(c)).count()
}

fn cspan(s: &[u8], set: &[u8]) -> usize {
    s.iter().take_while(|c| !set.contains(c)).count()
}

fn name_valid(name: &[u8]) -> bool {
    !name.is_empty()
        && name[0] != b'-'
        && name
            .iter()
            .all(|&c| c == b'-' || c == b'.' || c == b'_' || c.is_ascii_alphanumeric())
}

impl AttrFile {
    /// Parses `data`, an attribute blob from the tree, as the attribute file of
    /// directory `base`; `macros_ok` for the root `.gitattributes`, the only in-tree
    /// place git accepts `[attr]` definitions. Git reads a blob as a C string (a NUL
    /// ends it) and does not skip a byte-order mark. Malformed lines are dropped one
    /// by one, as git does.
    pub fn parse(base: &[u8], data: &[u8], macros_ok: bool) -> AttrFile {
        let data = &data[..data.iter().position(|&c| c == 0).unwrap_or(data.len())];
        let lines = data
            .split(|&c| c == b'\n')
            .filter_map(|raw| parse_line(raw, macros_ok))
            .collect();
        AttrFile {
            base: base.to_vec(),
            lines,
        }
    }

    /// Parses `$GIT_DIR/info/attributes`, which git reads as a file, line by line: a
    /// UTF-8 byte-order mark is skipped, a NUL ends only its own line, a CR before the
    /// newline is dropped; macros are allowed. `None` when git would ignore the file
    /// for its size.
    pub fn parse_info(data: &[u8]) -> Option<AttrFile> {
        if data.len() >= MAX_FILE_SIZE {
            return None;
        }
        let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
        let data = data.strip_suffix(b"\n").unwrap_or(data);
        let lines = data
            .split(|&c| c == b'\n')
            .filter_map(|raw| {
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                let raw = &raw[..raw.iter().position(|&c| c == 0).unwrap_or(raw.len())];
                parse_line(raw, true)
            })
            .collect();
        Some(AttrFile {
            base: Vec::new(),
            lines,
        })
    }

    /// Git's built-in definitions: `[attr]binary -diff -merge -text`.
    pub fn builtin() -> AttrFile {
        AttrFile::parse(b"", b"[attr]binary -diff -merge -text", true)
    }
}

/// C-style unquoting of a `"`-quoted pattern; the unquoted text and the rest of the
/// line, or `None` when the quoting is malformed (git then reads the line unquoted).
fn unquote(s: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let mut out = Vec::new();
    let mut i = 1;
    loop {
        let c = *s.get(i)?;
        i += 1;
        match c {
            b'"' => return Some((out, &s[i..])),
            b'\\' => {
                let e = *s.get(i)?;
                i += 1;
                let v = match e {
                    b'a' => 7,
                    b'b' => 8,
                    b'f' => 12,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'v' => 11,
                    b'\\' | b'"' => e,
                    b'0'..=b'3' => {
                        let d1 = *s.get(i)?;
                        let d2 = *s.get(i + 1)?;
                        if !(b'0'..=b'7').contains(&d1) || !(b'0'..=b'7').contains(&d2) {
                            return None;
                        }
                        i += 2;
                        ((e - b'0') << 6) | ((d1 - b'0') << 3) | (d2 - b'0')
                    }
                    _ => return None,
                };
                out.push(v);
            }
            _ => out.push(c),
        }
    }
}

fn parse_line(line: &[u8], macros_ok: bool) -> Option<Line> {
    let start = span(line, BLANK);
    let cp = &line[start..];
    if cp.is_empty() || cp[0] == b'#' {
        return None;
    }
    if line.len() >= MAX_LINE_LENGTH {
        return None;
    }
    let (name, states): (Vec<u8>, &[u8]) = match (cp[0] == b'"').then(|| unquote(cp)).flatten() {
        Some(q) => q,
        None => {
            let n = cspan(cp, BLANK);
            (cp[..n].to_vec(), &cp[n..])
        }
    };
    let target = if name.len() > 6 && name.starts_with(b"[attr]") {
        if !macros_ok {
            return None;
        }
        let rest = &name[6..];
        let rest = &rest[span(rest, BLANK)..];
        let macro_name = &rest[..cspan(rest, BLANK)];
        if !name_valid(macro_name) {
            return None;
        }
        Target::Macro(macro_name.to_vec())
    } else {
        if name.first() == Some(&b'!') {
            // Negative patterns are ignored in attribute files.
            return None;
        }
        let mut text = name;
        let must_be_dir = text.last() == Some(&b'/');
        if must_be_dir {
            text.pop();
        }
        let no_dir = !text.contains(&b'/');
        Target::Pattern(Pattern {
            text,
            no_dir,
            must_be_dir,
        })
    };
    let mut rest = &states[span(states, BLANK)..];
    let mut parsed = Vec::new();
    while !rest.is_empty() {
        let ep = cspan(rest, BLANK);
        let equals = rest.iter().position(|&c| c == b'=').filter(|&e| e <= ep);
        let len = equals.unwrap_or(ep);
        let (state, name) = match rest[0] {
            b'-' => (State::Unset, &rest[1..len]),
            b'!' => (State::Unspecified, &rest[1..len]),
            _ => match equals {
                None => (State::Set, &rest[..len]),
                Some(e) => (State::Value(rest[e + 1..ep].to_vec()), &rest[..len]),
            },
        };
        if !name_valid(name) {
            return None;
        }
        parsed.push((name.to_vec(), state));
        let after = &rest[ep..];
        rest = &after[span(after, BLANK)..];
    }
    Some(Line {
        target,
        states: parsed,
    })
}

impl Pattern {
    /// Whether the file `path` (repository-relative) matches, the pattern being
    /// relative to `base`.
    fn matches_file(&self, path: &[u8], base: &[u8]) -> bool {
        if self.must_be_dir {
            return false;
        }
        let inside =
            base.is_empty() || (path.starts_with(base) && path.get(base.len()) == Some(&b'/'));
        if !inside {
            return false;
        }
        if self.no_dir {
            let name = match path.iter().rposition(|&c| c == b'/') {
                Some(i) => &path[i + 1..],
                None => path,
            };
            return wildmatch(&self.text, name, Mode::Plain);
        }
        let pat = self.text.strip_prefix(b"/").unwrap_or(&self.text);
        let rest = if base.is_empty() {
            path
        } else {
            &path[base.len() + 1..]
        };
        wildmatch(pat, rest, Mode::Pathname)
    }
}

/// The attribute files that apply to one path, highest precedence first.
pub struct Stack<'a> {
    files: Vec<&'a AttrFile>,
}

impl<'a> Stack<'a> {
    pub fn new(files: Vec<&'a AttrFile>) -> Stack<'a> {
        Stack { files }
    }

    /// The states of all attributes said anything about for `path` (a file).
    pub fn lookup(&self, path: &[u8]) -> Attrs {
        let mut macros: HashMap<&[u8], &Line> = HashMap::new();
        for file in &self.files {
            for line in file.lines.iter().rev() {
                if let Target::Macro(name) = &line.target {
                    macros.entry(name.as_slice()).or_insert(line);
                }
            }
        }
        let mut found: HashMap<Vec<u8>, State> = HashMap::new();
        for file in &self.files {
            for line in file.lines.iter().rev() {
                if let Target::Pattern(p) = &line.target
                    && p.matches_file(path, &file.base)
                {
                    fill(line, &macros, &mut found, 0);
                }
            }
        }
        Attrs(found)
    }
}

/// Records the states of `line` not yet decided, expanding macros that are set.
fn fill(
    line: &Line,
    macros: &HashMap<&[u8], &Line>,
    found: &mut HashMap<Vec<u8>, State>,
    depth: u32,
) {
    if depth > 64 {
        return;
    }
    for (name, state) in line.states.iter().rev() {
        if found.contains_key(name) {
            continue;
        }
        found.insert(name.clone(), state.clone());
        if *state == State::Set
            && let Some(m) = macros.get(name.as_slice())
        {
            fill(m, macros, found, depth + 1);
        }
    }
}

/// The attribute states of one path.
#[derive(Debug, Clone, Default)]
pub struct Attrs(HashMap<Vec<u8>, State>);

impl Attrs {
    pub fn get(&self, name: &str) -> State {
        self.0
            .get(name.as_bytes())
            .cloned()
            .unwrap_or(State::Unspecified)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(files: &[&AttrFile], path: &str, attr: &str) -> State {
        Stack::new(files.to_vec()).lookup(path.as_bytes()).get(attr)
    }

    #[test]
    fn precedence_and_macros() {
        let root = AttrFile::parse(
            b"",
            b"*.txt text\n*.bin binary\n[attr]mine eol=crlf ident\n*.m mine\n",
            true,
        );
        let sub = AttrFile::parse(b"a", b"*.txt -text\nb/*.c eol=lf\n[attr]no text\n", false);
        let builtin = AttrFile::builtin();
        let stack = [&sub, &root, &builtin];
        assert_eq!(look(&stack, "x.txt", "text"), State::Set);
        assert_eq!(look(&stack, "a/x.txt", "text"), State::Unset);
        assert_eq!(look(&stack, "a/b/x.c", "eol"), State::Value(b"lf".to_vec()));
        assert_eq!(look(&stack, "b/x.c", "eol"), State::Unspecified);
        assert_eq!(look(&stack, "q/z.bin", "text"), State::Unset);
        assert_eq!(look(&stack, "z.m", "eol"), State::Value(b"crlf".to_vec()));
        assert_eq!(look(&stack, "z.m", "ident"), State::Set);
    }

    #[test]
    fn malformed_lines() {
        let f = AttrFile::parse(
            b"",
            b"!neg text\n\"q\\x\" text\n\"a b\" ident\n*.c -te$t\n",
            true,
        );
        // The malformed quoting leaves the line unquoted, and so kept.
        let pats: Vec<_> = f
            .lines
            .iter()
            .map(|l| match &l.target {
                Target::Pattern(p) => String::from_utf8_lossy(&p.text).into_owned(),
                Target::Macro(m) => String::from_utf8_lossy(m).into_owned(),
            })
            .collect();
        assert_eq!(pats, ["\"q\\x\"", "a b"]);
    }
}
