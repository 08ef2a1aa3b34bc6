//! Go's package patterns with `...` (`cmd/internal/pkgpattern.MatchPattern`), as
//! `go list -m` and `go mod download` match module paths with them.
//!
//! `...` matches any string (including `/`), and a trailing `/...` may also match
//! nothing, so `a.example/x/...` matches `a.example/x` too. Go's extra rule about
//! `vendor` path elements does not arise for module paths that pass `CheckPath`
//! checks in practice, and is not applied.

/// Whether `name` matches `pattern`.
pub fn match_pattern(pattern: &str, name: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix("/...")
        && glob(prefix, name)
    {
        return true;
    }
    glob(pattern, name)
}

/// `...` as "any string", everything else literal. Leftmost matching of each
/// literal piece is enough: a wildcard between two pieces absorbs anything.
fn glob(pattern: &str, name: &str) -> bool {
    let pieces: Vec<&str> = pattern.split("...").collect();
    let (first, rest) = match pieces.split_first() {
        Some(x) => x,
        None => return name.is_empty(),
    };
    let Some(mut tail) = name.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return tail.is_empty();
    };
    for piece in middle {
        match tail.find(piece) {
            Some(i) => tail = &tail[i + piece.len()..],
            None => return false,
        }
    }
    tail.len() >= last.len() && tail.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::match_pattern;

    #[test]
    fn go_pattern_semantics() {
        let cases = [
            ("a.example/...", "a.example", true),
            ("a.example/...", "a.example/x/y", true),
            ("a.example/...", "a.examplex", false),
            ("a.example...", "a.examplex/y", true),
            ("...", "anything", true),
            (".../v2", "a.example/m/v2", true),
            (".../v2", "a.example/m/v3", false),
            ("a.../m/...", "a.example/m", true),
            ("a.../m/...", "a.example/n", false),
            ("rsc.io/quote", "rsc.io/quote", true),
            ("x...x", "x", false),
            ("x...x", "xx", true),
        ];
        for (p, n, want) in cases {
            assert_eq!(match_pattern(p, n), want, "{p} {n}");
        }
    }
}
