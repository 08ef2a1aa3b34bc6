//! Go's `path` package (slash-separated paths) over bytes.
//!
//! Zip entry names and the names a directory walk produces are Go strings: usually
//! UTF-8, but not necessarily. The zip rules clean, split and join them exactly as
//! `path.Clean`, `path.Split`, `path.Dir` and `path.Join` do, so that a name Go
//! considers clean is clean here too, byte for byte.

/// `path.Clean`: the shortest equivalent path, by purely lexical processing.
pub(crate) fn clean(path: &[u8]) -> Vec<u8> {
    if path.is_empty() {
        return b".".to_vec();
    }
    let rooted = path[0] == b'/';
    let n = path.len();
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let (mut r, mut dotdot) = (0, 0);
    if rooted {
        out.push(b'/');
        r = 1;
        dotdot = 1;
    }
    while r < n {
        let at = |i: usize| path.get(i).copied();
        // An empty element or `.`: skip.
        if path[r] == b'/' || (path[r] == b'.' && (r + 1 == n || at(r + 1) == Some(b'/'))) {
            r += 1;
        } else if path[r] == b'.'
            && at(r + 1) == Some(b'.')
            && (r + 2 == n || at(r + 2) == Some(b'/'))
        {
            r += 2;
            if out.len() > dotdot {
                // Back up to the previous slash (or to the `..` floor).
                let mut w = out.len() - 1;
                while w > dotdot && out[w] != b'/' {
                    w -= 1;
                }
                out.truncate(w);
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if (rooted && out.len() != 1) || (!rooted && !out.is_empty()) {
                out.push(b'/');
            }
            while r < n && path[r] != b'/' {
                out.push(path[r]);
                r += 1;
            }
        }
    }
    if out.is_empty() {
        return b".".to_vec();
    }
    out
}

/// `path.Split`: everything up to and including the last slash, and the rest.
pub(crate) fn split(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) => path.split_at(i + 1),
        None => (&[], path),
    }
}

/// `path.Dir`: all but the last element, cleaned.
pub(crate) fn dir(path: &[u8]) -> Vec<u8> {
    clean(split(path).0)
}

/// `path.Join`: the non-empty elements joined by slashes, then cleaned; empty when
/// every element is empty.
pub(crate) fn join(elems: &[&[u8]]) -> Vec<u8> {
    let mut joined: Vec<u8> = Vec::new();
    let mut any = false;
    for e in elems.iter().filter(|e| !e.is_empty()) {
        if any {
            joined.push(b'/');
        }
        joined.extend_from_slice(e);
        any = true;
    }
    if any { clean(&joined) } else { Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(p: &str) -> String {
        String::from_utf8(clean(p.as_bytes())).unwrap()
    }

    #[test]
    fn clean_matches_go() {
        // Cases from Go's path_test.go.
        for (input, want) in [
            ("", "."),
            ("abc", "abc"),
            ("abc/def", "abc/def"),
            ("a/b/c", "a/b/c"),
            (".", "."),
            ("..", ".."),
            ("../..", "../.."),
            ("../../abc", "../../abc"),
            ("/abc", "/abc"),
            ("/", "/"),
            ("abc/", "abc"),
            ("abc/def/", "abc/def"),
            ("/abc/", "/abc"),
            ("abc//def//ghi", "abc/def/ghi"),
            ("//abc", "/abc"),
            ("///abc", "/abc"),
            ("//abc//", "/abc"),
            ("abc//", "abc"),
            ("abc/./def", "abc/def"),
            ("/./abc/def", "/abc/def"),
            ("abc/.", "abc"),
            ("abc/def/ghi/../jkl", "abc/def/jkl"),
            ("abc/def/../ghi/../jkl", "abc/jkl"),
            ("abc/def/..", "abc"),
            ("abc/def/../..", "."),
            ("/abc/def/../..", "/"),
            ("abc/def/../../..", ".."),
            ("/abc/def/../../..", "/"),
            ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"),
            ("abc/./../def", "def"),
            ("abc//./../def", "def"),
            ("abc/../../././../def", "../../def"),
            (".../a", ".../a"),
            ("a/..b", "a/..b"),
        ] {
            assert_eq!(c(input), want, "clean({input:?})");
        }
    }

    #[test]
    fn split_dir_join() {
        assert_eq!(split(b"a/b/c"), (&b"a/b/"[..], &b"c"[..]));
        assert_eq!(split(b"c"), (&b""[..], &b"c"[..]));
        assert_eq!(dir(b"a/b/c"), b"a/b");
        assert_eq!(dir(b"c"), b".");
        assert_eq!(join(&[b"a@v1/", b"x/y"]), b"a@v1/x/y");
        assert_eq!(join(&[b"", b"x"]), b"x");
        assert_eq!(join(&[b"", b""]), b"");
        assert_eq!(clean(b"\xff/../\xfe"), b"\xfe");
    }
}
