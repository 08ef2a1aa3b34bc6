//! Git's `wildmatch`: the glob matcher behind `.gitattributes` patterns.
//!
//! Semantics follow git's matcher, not a shell's: with [`Mode::Pathname`] `*` and `?`
//! stop at `/` while `**` between slashes (or at either end) spans directories;
//! bracket expressions take `!` or `^` for negation, ranges and `[:class:]` names; a
//! backslash quotes the next byte. Matching is byte-wise and case-sensitive (git's
//! default `core.ignorecase=false` on the systems go runs git archive on).

/// Whether `/` is special.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `WM_PATHNAME`: wildcards do not cross `/` (except `**`).
    Pathname,
    /// No flags: `*` matches `/` too.
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Match,
    NoMatch,
    AbortAll,
    AbortToStarStar,
}

/// Whether `text` matches `pattern`.
pub fn wildmatch(pattern: &[u8], text: &[u8], mode: Mode) -> bool {
    dowild(pattern, 0, text, 0, mode == Mode::Pathname) == Outcome::Match
}

/// The byte at `i`, or 0 past the end (git works on NUL-terminated strings; paths
/// and patterns never contain NUL).
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

fn is_glob_special(c: u8) -> bool {
    matches!(c, b'*' | b'?' | b'[' | b'\\')
}

fn dowild(p: &[u8], mut pi: usize, t: &[u8], mut ti: usize, pathname: bool) -> Outcome {
    while at(p, pi) != 0 {
        let mut p_ch = at(p, pi);
        let mut t_ch = at(t, ti);
        if t_ch == 0 && p_ch != b'*' {
            return Outcome::AbortAll;
        }
        match p_ch {
            b'?' => {
                if pathname && t_ch == b'/' {
                    return Outcome::NoMatch;
                }
            }
            b'*' => {
                pi += 1;
                let match_slash;
                if at(p, pi) == b'*' {
                    // `**`: spans directories only as a whole path component.
                    let star_start = pi - 1;
                    while at(p, pi) == b'*' {
                        pi += 1;
                    }
                    let at_component_start = star_start == 0 || p[star_start - 1] == b'/';
                    let next = at(p, pi);
                    let at_component_end =
                        next == 0 || next == b'/' || (next == b'\\' && at(p, pi + 1) == b'/');
                    if at_component_start && at_component_end {
                        if next == b'/' && dowild(p, pi + 1, t, ti, pathname) == Outcome::Match {
                            return Outcome::Match;
                        }
                        match_slash = true;
                    } else {
                        match_slash = !pathname;
                    }
                } else {
                    match_slash = !pathname;
                }
                if at(p, pi) == 0 {
                    // A trailing `**` matches everything, a trailing `*` the rest of
                    // one component.
                    if !match_slash && t[ti..].contains(&b'/') {
                        return Outcome::NoMatch;
                    }
                    return Outcome::Match;
                }
                if !match_slash && at(p, pi) == b'/' {
                    // `*/`: skip to the next slash, which the pattern's `/` consumes.
                    match t[ti..].iter().position(|&c| c == b'/') {
                        None => return Outcome::NoMatch,
                        Some(off) => {
                            ti += off;
                            pi += 1;
                            ti += 1;
                            continue;
                        }
                    }
                }
                loop {
                    if t_ch == 0 {
                        break;
                    }
                    let lit = at(p, pi);
                    if !is_glob_special(lit) {
                        // Fast-forward to the next occurrence of the literal.
                        loop {
                            t_ch = at(t, ti);
                            if t_ch == 0 || (!match_slash && t_ch == b'/') || t_ch == lit {
                                break;
                            }
                            ti += 1;
                        }
                        if t_ch != lit {
                            return Outcome::NoMatch;
                        }
                    }
                    let matched = dowild(p, pi, t, ti, pathname);
                    if matched != Outcome::NoMatch {
                        if !match_slash || matched != Outcome::AbortToStarStar {
                            return matched;
                        }
                    } else if !match_slash && t_ch == b'/' {
                        return Outcome::AbortToStarStar;
                    }
                    ti += 1;
                    t_ch = at(t, ti);
                }
                return Outcome::AbortAll;
            }
            b'[' => {
                pi += 1;
                p_ch = at(p, pi);
                if p_ch == b'^' {
                    p_ch = b'!';
                }
                let negated = p_ch == b'!';
                if negated {
                    pi += 1;
                    p_ch = at(p, pi);
                }
                let mut prev_ch: u8 = 0;
                let mut matched = false;
                loop {
                    if p_ch == 0 {
                        return Outcome::AbortAll;
                    }
                    if p_ch == b'\\' {
                        pi += 1;
                        p_ch = at(p, pi);
                        if p_ch == 0 {
                            return Outcome::AbortAll;
                        }
                        if t_ch == p_ch {
                            matched = true;
                        }
                    } else if p_ch == b'-'
                        && prev_ch != 0
                        && at(p, pi + 1) != 0
                        && at(p, pi + 1) != b']'
                    {
                        pi += 1;
                        p_ch = at(p, pi);
                        if p_ch == b'\\' {
                            pi += 1;
                            p_ch = at(p, pi);
                            if p_ch == 0 {
                                return Outcome::AbortAll;
                            }
                        }
                        if t_ch <= p_ch && t_ch >= prev_ch {
                            matched = true;
                        }
                        p_ch = 0;
                    } else if p_ch == b'[' && at(p, pi + 1) == b':' {
                        let s = pi + 2;
                        pi = s;
                        while at(p, pi) != 0 && at(p, pi) != b']' {
                            pi += 1;
                        }
                        if at(p, pi) == 0 {
                            return Outcome::AbortAll;
                        }
                        if pi < s + 1 || p[pi - 1] != b':' {
                            // No `:]`: the `[` is an ordinary member.
                            pi = s - 2;
                            p_ch = b'[';
                            if t_ch == p_ch {
                                matched = true;
                            }
                        } else {
                            match class_matches(&p[s..pi - 1], t_ch) {
                                None => return Outcome::AbortAll,
                                Some(true) => matched = true,
                                Some(false) => {}
                            }
                            p_ch = 0;
                        }
                    } else if t_ch == p_ch {
                        matched = true;
                    }
                    prev_ch = p_ch;
                    pi += 1;
                    p_ch = at(p, pi);
                    if p_ch == b']' {
                        break;
                    }
                }
                if matched == negated || (pathname && t_ch == b'/') {
                    return Outcome::NoMatch;
                }
            }
            _ => {
                if p_ch == b'\\' {
                    pi += 1;
                    p_ch = at(p, pi);
                }
                if t_ch != p_ch {
                    return Outcome::NoMatch;
                }
            }
        }
        pi += 1;
        ti += 1;
    }
    if ti < t.len() {
        Outcome::NoMatch
    } else {
        Outcome::Match
    }
}

/// A `[:name:]` class: `None` for an unknown name (the whole match aborts).
fn class_matches(name: &[u8], c: u8) -> Option<bool> {
    Some(match name {
        b"alnum" => c.is_ascii_alphanumeric(),
        b"alpha" => c.is_ascii_alphabetic(),
        b"blank" => c == b' ' || c == b'\t',
        b"cntrl" => c.is_ascii_control(),
        b"digit" => c.is_ascii_digit(),
        b"graph" => c.is_ascii_graphic(),
        b"lower" => c.is_ascii_lowercase(),
        b"print" => c.is_ascii_graphic() || c == b' ',
        b"punct" => c.is_ascii_punctuation(),
        b"space" => matches!(c, b' ' | b'\t' | b'\n' | b'\r'),
        b"upper" => c.is_ascii_uppercase(),
        b"xdigit" => c.is_ascii_hexdigit(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        wildmatch(p.as_bytes(), t.as_bytes(), Mode::Pathname)
    }

    #[test]
    fn git_cases() {
        assert!(m("foo", "foo"));
        assert!(!m("foo", "bar"));
        assert!(m("", ""));
        assert!(m("???", "foo"));
        assert!(!m("*f", "foo"));
        assert!(m("*", "foo"));
        assert!(m("f*", "foo"));
        assert!(!m("*", "foo/bar"));
        assert!(m("**", "foo/bar"));
        assert!(m("**/foo", "foo"));
        assert!(m("**/foo", "a/b/foo"));
        assert!(m("foo/**", "foo/a/b"));
        assert!(m("foo/**/bar", "foo/bar"));
        assert!(m("foo/**/bar", "foo/a/b/bar"));
        assert!(!m("foo**bar", "foo/bar"));
        assert!(m("*/bar", "foo/bar"));
        assert!(!m("*/bar", "a/foo/bar"));
        assert!(m("[a-c]x", "bx"));
        assert!(!m("[!a-c]x", "bx"));
        assert!(m("[^a-c]x", "dx"));
        assert!(m("[]]", "]"));
        assert!(m("[[:digit:]]", "5"));
        assert!(!m("[[:nope:]]", "5"));
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "x"));
        assert!(!m("a?b", "a/b"));
        assert!(wildmatch(b"a*b", b"a/b", Mode::Plain));
        assert!(m("*.txt", "a.txt"));
        assert!(m("a/**/*.txt", "a/x/y/z.txt"));
    }
}
