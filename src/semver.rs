//! Semantic versions exactly as `golang.org/x/mod/semver` defines them.
//!
//! Go's module versions are SemVer 2.0 with a leading `v`, plus the short forms `vMAJOR`
//! and `vMAJOR.MINOR` (valid, but never canonical and never with a prerelease or build
//! suffix). Every function takes any string: invalid input is not an error here but a
//! value that sorts below all valid versions, as in Go, so callers decide what invalid
//! means for them. `+incompatible` is ordinary build metadata at this level; the module
//! layer gives it meaning.

use std::cmp::Ordering;

/// A version split into its parts. Each field borrows from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed<'a> {
    pub major: &'a str,
    pub minor: &'a str,
    pub patch: &'a str,
    /// What `canonical` appends to a short form: `""`, `".0"` or `".0.0"`.
    short: &'static str,
    /// Including the leading `-`, or empty.
    pub prerelease: &'a str,
    /// Including the leading `+`, or empty.
    pub build: &'a str,
}

/// Parses `v`, or returns `None` when it is not a valid semantic version.
pub fn parse(v: &str) -> Option<Parsed<'_>> {
    let rest = v.strip_prefix('v')?;
    let (major, rest) = parse_int(rest)?;
    let mut p = Parsed {
        major,
        minor: "0",
        patch: "0",
        short: ".0.0",
        prerelease: "",
        build: "",
    };
    if rest.is_empty() {
        return Some(p);
    }
    let (minor, rest) = parse_int(rest.strip_prefix('.')?)?;
    p.minor = minor;
    p.short = ".0";
    if rest.is_empty() {
        return Some(p);
    }
    let (patch, mut rest) = parse_int(rest.strip_prefix('.')?)?;
    p.patch = patch;
    p.short = "";
    if rest.starts_with('-') {
        let (pre, r) = parse_prerelease(rest)?;
        p.prerelease = pre;
        rest = r;
    }
    if rest.starts_with('+') {
        p.build = parse_build(rest)?;
        rest = "";
    }
    rest.is_empty().then_some(p)
}

/// Whether `v` is a valid semantic version (`vMAJOR[.MINOR[.PATCH[-PRE][+BUILD]]]`).
pub fn is_valid(v: &str) -> bool {
    parse(v).is_some()
}

/// The canonical form of `v`: short forms expanded, build metadata removed.
/// Returns `""` for an invalid version.
pub fn canonical(v: &str) -> String {
    match parse(v) {
        None => String::new(),
        Some(p) if !p.build.is_empty() => v[..v.len() - p.build.len()].to_string(),
        Some(p) => format!("{v}{}", p.short),
    }
}

/// The major version prefix, e.g. `v2` for `v2.1.0`; `""` if invalid.
pub fn major(v: &str) -> &str {
    match parse(v) {
        Some(p) => &v[..1 + p.major.len()],
        None => "",
    }
}

/// The `vMAJOR.MINOR` prefix, e.g. `v2.1` for `v2.1.0` and `v1.0` for `v1`; `""` if
/// invalid.
pub fn major_minor(v: &str) -> String {
    let Some(p) = parse(v) else {
        return String::new();
    };
    let i = 1 + p.major.len();
    let j = i + 1 + p.minor.len();
    if j <= v.len() && v.as_bytes()[i] == b'.' && &v[i + 1..j] == p.minor {
        return v[..j].to_string();
    }
    format!("{}.{}", &v[..i], p.minor)
}

/// The prerelease suffix including its `-`, or `""`.
pub fn prerelease(v: &str) -> &str {
    parse(v).map_or("", |p| p.prerelease)
}

/// The build suffix including its `+`, or `""`.
pub fn build(v: &str) -> &str {
    parse(v).map_or("", |p| p.build)
}

/// Compares two versions by SemVer precedence. Invalid versions are equal to each other
/// and below every valid one; build metadata is ignored.
pub fn compare(v: &str, w: &str) -> Ordering {
    match (parse(v), parse(w)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => compare_int(a.major, b.major)
            .then_with(|| compare_int(a.minor, b.minor))
            .then_with(|| compare_int(a.patch, b.patch))
            .then_with(|| compare_prerelease(a.prerelease, b.prerelease)),
    }
}

/// The canonical form of the larger of two versions (the second on a tie).
pub fn max(v: &str, w: &str) -> String {
    let (v, w) = (canonical(v), canonical(w));
    if compare(&v, &w) == Ordering::Greater {
        v
    } else {
        w
    }
}

/// `semver.Sort`: by precedence, ties broken by plain string order, so the result is
/// deterministic even for versions that differ only in build metadata.
pub fn sort<S: AsRef<str>>(list: &mut [S]) {
    list.sort_by(|a, b| by_version(a.as_ref(), b.as_ref()));
}

/// The total order used by [`sort`].
pub fn by_version(a: &str, b: &str) -> Ordering {
    compare(a, b).then_with(|| a.cmp(b))
}

fn parse_int(v: &str) -> Option<(&str, &str)> {
    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || (digits > 1 && v.starts_with('0')) {
        return None;
    }
    Some(v.split_at(digits))
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

fn is_num(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_digit())
}

/// A numeric identifier with a leading zero, which SemVer forbids in prereleases.
fn is_bad_num(s: &str) -> bool {
    is_num(s) && s.len() > 1 && s.starts_with('0')
}

fn parse_prerelease(v: &str) -> Option<(&str, &str)> {
    let end = v[1..].find('+').map_or(v.len(), |i| i + 1);
    let body = &v[1..end];
    let idents_ok = body
        .split('.')
        .all(|id| !id.is_empty() && id.bytes().all(is_ident_char) && !is_bad_num(id));
    idents_ok.then(|| v.split_at(end))
}

fn parse_build(v: &str) -> Option<&str> {
    let ok = v[1..]
        .split('.')
        .all(|id| !id.is_empty() && id.bytes().all(is_ident_char));
    ok.then_some(v)
}

fn compare_int(x: &str, y: &str) -> Ordering {
    x.len().cmp(&y.len()).then_with(|| x.cmp(y))
}

fn compare_prerelease(x: &str, y: &str) -> Ordering {
    if x == y {
        return Ordering::Equal;
    }
    if x.is_empty() {
        return Ordering::Greater;
    }
    if y.is_empty() {
        return Ordering::Less;
    }
    let mut xs = x[1..].split('.');
    let mut ys = y[1..].split('.');
    loop {
        match (xs.next(), ys.next()) {
            (Some(dx), Some(dy)) if dx == dy => continue,
            (Some(dx), Some(dy)) => {
                return match (is_num(dx), is_num(dy)) {
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (true, true) => compare_int(dx, dy),
                    (false, false) => dx.cmp(dy),
                };
            }
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (None, None) => return Ordering::Equal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity() {
        for v in [
            "v1",
            "v1.2",
            "v1.2.3",
            "v1.2.3-pre",
            "v1.2.3-0.a-b",
            "v1.2.3+meta.01",
            "v0.0.0",
        ] {
            assert!(is_valid(v), "{v}");
        }
        for v in [
            "",
            "1.2.3",
            "v",
            "v01",
            "v1.02",
            "v1.2.03",
            "v1-pre",
            "v1.2+b",
            "v1.2.3-",
            "v1.2.3-01",
            "v1.2.3-a..b",
            "v1.2.3+",
            "v1.2.3+a..b",
            "v1.2.3-a_b",
            "v1.2.3.4",
            "V1.2.3",
        ] {
            assert!(!is_valid(v), "{v}");
        }
    }

    #[test]
    fn accessors() {
        assert_eq!(canonical("v1"), "v1.0.0");
        assert_eq!(canonical("v1.2"), "v1.2.0");
        assert_eq!(canonical("v1.2.3+incompatible"), "v1.2.3");
        assert_eq!(canonical("v1.2.3-pre+b"), "v1.2.3-pre");
        assert_eq!(canonical("bad"), "");
        assert_eq!(major("v2.3.4"), "v2");
        assert_eq!(major_minor("v2.3.4"), "v2.3");
        assert_eq!(major_minor("v2"), "v2.0");
        assert_eq!(prerelease("v1.0.0-rc.1+x"), "-rc.1");
        assert_eq!(build("v1.0.0-rc.1+x"), "+x");
        assert_eq!(max("v1.2", "v1.1.9"), "v1.2.0");
        assert_eq!(max("bad", "v1.0.0"), "v1.0.0");
    }

    #[test]
    fn ordering() {
        let ordered = [
            "bad",
            "v0.0.0",
            "v1.0.0-0",
            "v1.0.0-1",
            "v1.0.0-10",
            "v1.0.0-a",
            "v1.0.0-a.1",
            "v1.0.0-b",
            "v1.0.0",
            "v1.0.1",
            "v1.10.0",
            "v2.0.0",
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(compare(a, b), i.cmp(&j), "{a} vs {b}");
            }
        }
        assert_eq!(compare("v1", "v1.0.0"), Ordering::Equal);
        assert_eq!(compare("v1.0.0+a", "v1.0.0+b"), Ordering::Equal);
        let mut list = vec!["v1.0.0+b", "v1.0.0", "v1.0.0+a", "x", "v0.1.0"];
        sort(&mut list);
        assert_eq!(list, ["x", "v0.1.0", "v1.0.0", "v1.0.0+a", "v1.0.0+b"]);
    }
}
