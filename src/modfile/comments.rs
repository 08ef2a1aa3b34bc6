//! What go.mod comments mean: `// indirect` on requirements, the rationale of a
//! `retract`, and the `Deprecated:` paragraph of a `module` directive.

use super::syntax::{Comment, Comments, Line};
use super::text;

/// The text of the comments on a directive: its whole-line comments before it and
/// its end-of-line comments, each without `//` and trimmed, one per line (Go's
/// `parseDirectiveComment`). A line in a block without comments of its own uses the
/// block's. Blank lines kept in blocks are skipped.
pub(super) fn directive_comment(block: Option<&Comments>, line: &Comments) -> String {
    let mut comments = line;
    if let Some(b) = block
        && line.before.is_empty()
        && line.suffix.is_empty()
    {
        comments = b;
    }
    let lines: Vec<&[u8]> = comments
        .before
        .iter()
        .chain(&comments.suffix)
        .filter_map(|c| c.token.strip_prefix(b"//"))
        .map(text::trim_space)
        .collect();
    text::lossy(&lines.join(&b'\n')).into_owned()
}

/// The deprecation message in a comment text: the paragraph that starts with
/// `Deprecated:` (case-sensitive), without that prefix and the spaces after it (Go's
/// `deprecatedRE`, `(?s)(?:^|\n\n)Deprecated: *(.*?)(?:$|\n\n)`). The first such
/// paragraph wins; empty when there is none.
pub(super) fn deprecation(text: &str) -> String {
    const MARK: &str = "Deprecated:";
    // Paragraph starts: the beginning, and after every (possibly overlapping) "\n\n".
    let b = text.as_bytes();
    let starts = std::iter::once(0).chain(
        (0..b.len())
            .filter(|&i| b[i..].starts_with(b"\n\n"))
            .map(|i| i + 2),
    );
    for start in starts {
        let Some(rest) = text[start..].strip_prefix(MARK) else {
            continue;
        };
        let rest = rest.trim_start_matches(' ');
        let end = rest.find("\n\n").unwrap_or(rest.len());
        return rest[..end].to_string();
    }
    String::new()
}

/// Whether a line is marked `// indirect`: its first end-of-line comment is exactly
/// `indirect`, or starts with the word `indirect;` (Go's `isIndirect`).
pub(super) fn is_indirect(line: &Comments) -> bool {
    let Some(first) = line.suffix.first() else {
        return false;
    };
    let body = first.token.strip_prefix(b"//").unwrap_or(&first.token);
    let f = text::fields(body);
    (f.len() == 1 && f[0] == b"indirect") || (f.len() > 1 && f[0] == b"indirect;")
}

/// Adds or removes the `// indirect` marking of a line, keeping any other comment
/// text (Go's `Require.setIndirect`).
pub(super) fn set_indirect(line: &mut Line, indirect: bool) {
    if is_indirect(&line.comments) == indirect {
        return;
    }
    let suffix = &mut line.comments.suffix;
    if indirect {
        let Some(com) = suffix.first_mut() else {
            suffix.push(Comment {
                token: b"// indirect".to_vec(),
                suffix: true,
                ..Comment::default()
            });
            return;
        };
        let body = com.token.strip_prefix(b"//").unwrap_or(&com.token);
        let t = text::trim_space(body).to_vec();
        com.token = if t.is_empty() {
            b"// indirect".to_vec()
        } else {
            [&b"// indirect; "[..], &t].concat()
        };
        return;
    }
    let Some(com) = suffix.first_mut() else {
        return;
    };
    let body = com.token.strip_prefix(b"//").unwrap_or(&com.token);
    if text::trim_space(body) == b"indirect" {
        suffix.clear();
        return;
    }
    const MARK: &[u8] = b"indirect;";
    if let Some(i) = com.token.windows(MARK.len()).position(|w| w == MARK) {
        com.token = [&b"//"[..], &com.token[i + MARK.len()..]].concat();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deprecation_paragraphs() {
        assert_eq!(deprecation("Deprecated: blah"), "blah");
        assert_eq!(deprecation("x\nDeprecated: blah"), "");
        assert_eq!(deprecation("x\n\nDeprecated:   a\nb\n\nc"), "a\nb");
        assert_eq!(
            deprecation("Deprecated: a\nDeprecated: b"),
            "a\nDeprecated: b"
        );
        assert_eq!(deprecation("a\n\n\nDeprecated: z"), "z");
        assert_eq!(deprecation("deprecated: x"), "");
    }

    fn suffix(s: &str) -> Comments {
        Comments {
            suffix: vec![Comment {
                token: s.as_bytes().to_vec(),
                suffix: true,
                ..Comment::default()
            }],
            ..Comments::default()
        }
    }

    #[test]
    fn indirect_markings() {
        assert!(is_indirect(&suffix("// indirect")));
        assert!(is_indirect(&suffix("//indirect")));
        assert!(is_indirect(&suffix("// indirect; for x")));
        assert!(!is_indirect(&suffix("// indirect for x")));
        assert!(!is_indirect(&suffix("// indirect;")));
        assert!(!is_indirect(&Comments::default()));
    }

    #[test]
    fn set_indirect_keeps_other_text() {
        let mut l = Line {
            comments: suffix("// keep"),
            ..Line::default()
        };
        set_indirect(&mut l, true);
        assert_eq!(l.comments.suffix[0].token, b"// indirect; keep");
        set_indirect(&mut l, false);
        assert_eq!(l.comments.suffix[0].token, b"// keep");
        let mut l = Line::default();
        set_indirect(&mut l, true);
        assert_eq!(l.comments.suffix[0].token, b"// indirect");
        set_indirect(&mut l, false);
        assert!(l.comments.suffix.is_empty());
    }
}
