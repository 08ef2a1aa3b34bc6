//! Making the output of runs in different temporary directories comparable byte for
//! byte: paths (the module cache root, GOPATH, the sandbox root, …) and other
//! run-specific strings (a test proxy's URL with its ephemeral port) are replaced by
//! placeholders such as `$GOMODCACHE`.
//!
//! The normaliser works on raw bytes and leaves every other byte alone, so what it
//! returns differs from its input only where a registered string was found. A string
//! is looked for in each form it can take in the go command's output:
//!
//! * as is (stderr text, `-x` traces, go.sum lines);
//! * escaped as Go's `encoding/json` writes a string with HTML escaping on, the way
//!   `-json` output is written: `"` and `\` backslash-escaped, `\b \f \n \r \t`, other
//!   control bytes as `\u00XX`, `<` `>` `&` as `\u003c` `\u003e` `\u0026`, U+2028 and
//!   U+2029 as `\u2028`/`\u2029`, each invalid UTF-8 byte as `\ufffd`, and `/` *not*
//!   escaped;
//! * inside a Go `%q` quotation (`strconv.Quote`, as error messages quote paths), and
//!   that quotation JSON-escaped in turn.
//!
//! A match only counts at a boundary: the byte before it and (when the string ends in
//! a name character) the byte after it must not continue a file name (ASCII letters,
//! digits, `.` `_` `-` `+` `~`, any non-ASCII byte), so `/tmp/a` is not replaced inside
//! `/var/tmp/a` or `/tmp/a.bak`. When strings overlap (GOMODCACHE lies inside GOPATH,
//! which lies inside the sandbox root) the longest match wins, so each path gets its
//! most specific placeholder.

use std::path::Path;

/// Replaces registered strings with placeholders; see the module docs.
#[derive(Debug, Clone, Default)]
pub struct Normalizer {
    /// (form to look for, placeholder), longest form first.
    forms: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Normalizer {
    /// A normaliser that replaces nothing yet.
    pub fn new() -> Normalizer {
        Normalizer::default()
    }

    /// Replaces the path — and its canonical form, when that differs (e.g. a temp
    /// directory behind a symlink) — with `placeholder`.
    pub fn path(&mut self, path: impl AsRef<Path>, placeholder: &str) -> &mut Normalizer {
        let path = path.as_ref();
        self.text(path_bytes(path), placeholder);
        if let Ok(canon) = std::fs::canonicalize(path)
            && canon != path
        {
            self.text(path_bytes(&canon), placeholder);
        }
        self
    }

    /// Replaces `text` (e.g. a proxy URL) with `placeholder`. Panics when the
    /// placeholder would itself need escaping in JSON or `%q` (it must read the same
    /// in every form), or when `text` is empty.
    pub fn text(&mut self, text: impl AsRef<[u8]>, placeholder: &str) -> &mut Normalizer {
        let text = text.as_ref();
        assert!(!text.is_empty(), "normalizer: empty string to replace");
        assert!(
            placeholder
                .bytes()
                .all(|b| (0x20..0x7f).contains(&b) && !b"\"\\<>&".contains(&b)),
            "normalizer: placeholder {placeholder:?} would be escaped in JSON or %q"
        );
        let quoted = crate::gostr::quote(text);
        let quoted_inner = quoted.as_bytes()[1..quoted.len() - 1].to_vec();
        for form in [
            text.to_vec(),
            json_escape(text),
            json_escape(&quoted_inner),
            quoted_inner,
        ] {
            if !self.forms.iter().any(|(f, _)| *f == form) {
                self.forms.push((form, placeholder.as_bytes().to_vec()));
            }
        }
        self.forms
            .sort_by_key(|(form, _)| std::cmp::Reverse(form.len()));
        self
    }

    /// The input with every registered string, in every form, at a boundary, replaced.
    pub fn apply(&self, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(input.len());
        let mut i = 0;
        'scan: while i < input.len() {
            let at_boundary = i == 0 || !continues_name(input[i - 1]);
            if at_boundary {
                for (form, placeholder) in &self.forms {
                    if input[i..].starts_with(form)
                        && ends_at_boundary(form, input.get(i + form.len()))
                    {
                        out.extend_from_slice(placeholder);
                        i += form.len();
                        continue 'scan;
                    }
                }
            }
            out.push(input[i]);
            i += 1;
        }
        out
    }

    /// [`Normalizer::apply`] for text.
    pub fn apply_str(&self, input: &str) -> String {
        // Replacing whole UTF-8 sequences by ASCII keeps the text valid UTF-8; forms
        // start and end on character boundaries because they come from whole strings.
        String::from_utf8_lossy(&self.apply(input.as_bytes())).into_owned()
    }
}

/// Whether a byte can continue a file or host name.
fn continues_name(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._-+~".contains(&b) || b >= 0x80
}

fn ends_at_boundary(form: &[u8], next: Option<&u8>) -> bool {
    match (form.last(), next) {
        (Some(&last), Some(&next)) if continues_name(last) => !continues_name(next),
        _ => true,
    }
}

#[cfg(unix)]
fn path_bytes(p: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(p: &Path) -> Vec<u8> {
    p.to_string_lossy().into_owned().into_bytes()
}

/// The inside of the JSON string Go's `encoding/json` writes for `s` with HTML
/// escaping on (`appendString` in encoding/json/encode.go).
pub fn json_escape(s: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s;
    while let Some(&b) = rest.first() {
        if b < 0x80 {
            match b {
                b'\\' | b'"' => out.extend_from_slice(&[b'\\', b]),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                b if b < 0x20 || b == b'<' || b == b'>' || b == b'&' => {
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 0xf)]);
                }
                b => out.push(b),
            }
            rest = &rest[1..];
            continue;
        }
        let n = utf8_len(rest);
        match std::str::from_utf8(&rest[..n]) {
            Ok("\u{2028}") => out.extend_from_slice(b"\\u2028"),
            Ok("\u{2029}") => out.extend_from_slice(b"\\u2029"),
            Ok(c) => out.extend_from_slice(c.as_bytes()),
            Err(_) => out.extend_from_slice(b"\\ufffd"),
        }
        rest = &rest[n..];
    }
    out
}

/// The length of the UTF-8 sequence at the start of `s` when it is valid, else 1
/// (one invalid byte, as Go's `utf8.DecodeRune` consumes it).
fn utf8_len(s: &[u8]) -> usize {
    (2..=4.min(s.len()))
        .find(|&n| std::str::from_utf8(&s[..n]).is_ok())
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm() -> Normalizer {
        let mut n = Normalizer::new();
        n.text("/tmp/sb1/gopath/pkg/mod", "$GOMODCACHE")
            .text("/tmp/sb1/gopath", "$GOPATH")
            .text("/tmp/sb1", "$WORK")
            .text("http://127.0.0.1:40123/mod", "$GOPROXY");
        n
    }

    #[test]
    fn replaces_the_most_specific_path() {
        let got = norm().apply_str(
            "{\n\t\"Info\": \"/tmp/sb1/gopath/pkg/mod/cache/download/a.b/@v/v1.0.0.info\",\n\t\"X\": \"/tmp/sb1/gopath/pkg/sumdb\",\n\t\"W\": \"/tmp/sb1\"\n}\n",
        );
        assert_eq!(
            got,
            "{\n\t\"Info\": \"$GOMODCACHE/cache/download/a.b/@v/v1.0.0.info\",\n\t\"X\": \"$GOPATH/pkg/sumdb\",\n\t\"W\": \"$WORK\"\n}\n"
        );
    }

    #[test]
    fn respects_boundaries() {
        let n = norm();
        for s in [
            "/var/tmp/sb1/x",
            "/tmp/sb1.bak/x",
            "/tmp/sb10",
            "x/tmp/sb1",
            "/tmp/sb1é",
            "http://127.0.0.1:40123/mod2/x",
        ] {
            assert_eq!(n.apply_str(s), s, "should stay: {s}");
        }
        assert_eq!(n.apply_str("file:///tmp/sb1/p,off"), "file://$WORK/p,off");
        assert_eq!(n.apply_str("'/tmp/sb1'"), "'$WORK'");
        assert_eq!(
            n.apply_str("reading http://127.0.0.1:40123/mod/a.b/@v/list: 404"),
            "reading $GOPROXY/a.b/@v/list: 404"
        );
        assert_eq!(n.apply_str("(/tmp/sb1)"), "($WORK)");
        assert_eq!(n.apply_str(""), "");
    }

    #[test]
    fn finds_json_and_quoted_forms_of_awkward_paths() {
        let root = "/tmp/a<b>&\"c\\d\te\u{2028}é\u{7f}";
        let mut n = Normalizer::new();
        n.text(root, "$WORK");
        // As Go's json.Marshal writes it, HTML escaping on.
        let json = "\"/tmp/a\\u003cb\\u003e\\u0026\\\"c\\\\d\\te\\u2028é\u{7f}/x\"";
        assert_eq!(n.apply_str(json), "\"$WORK/x\"");
        // As %q writes it (strconv.Quote escapes DEL and U+2028, not é).
        let q = "open \"/tmp/a<b>&\\\"c\\\\d\\te\\u2028é\\x7f/x\": denied";
        assert_eq!(n.apply_str(q), "open \"$WORK/x\": denied");
        // %q inside JSON.
        let qj = "\"open \\\"/tmp/a\\u003cb\\u003e\\u0026\\\\\\\"c\\\\\\\\d\\\\te\\\\u2028é\\\\x7f/x\\\": denied\"";
        assert_eq!(n.apply_str(qj), "\"open \\\"$WORK/x\\\": denied\"");
        // Raw.
        assert_eq!(n.apply_str(&format!("{root}/x")), "$WORK/x");
    }

    #[test]
    fn invalid_utf8_in_paths() {
        let root: &[u8] = b"/tmp/\xffz";
        let mut n = Normalizer::new();
        n.text(root, "$WORK");
        assert_eq!(n.apply(b"a /tmp/\xffz/b"), b"a $WORK/b");
        assert_eq!(n.apply(b"\"/tmp/\\ufffdz/b\""), b"\"$WORK/b\"");
        assert_eq!(json_escape(b"\xe2\x80"), b"\\ufffd\\ufffd");
        assert_eq!(json_escape("\u{2029}".as_bytes()), b"\\u2029");
        assert_eq!(json_escape(b"\x01\x08\x0c\x7f"), b"\\u0001\\b\\f\x7f");
    }

    #[test]
    fn leaves_everything_else_alone() {
        let n = norm();
        let input: Vec<u8> = (0u8..=255).chain(*b"tmp/sb1").collect();
        assert_eq!(n.apply(&input), input);
    }

    #[test]
    #[should_panic(expected = "would be escaped")]
    fn placeholder_must_be_plain() {
        Normalizer::new().text("/x", "<ROOT>");
    }
}
