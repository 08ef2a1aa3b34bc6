//! Versions on go.mod lines: the `go` and `toolchain` syntax, module versions (with
//! the caller's optional version fixer), `retract` intervals, and the canonical-version
//! check of the editing API.
//!
//! Go writes the `go`/`toolchain` rules as regular expressions (`GoVersionRE`,
//! `laxGoVersionRE`, `ToolchainRE`); they are small enough to match by hand here,
//! which keeps a regex engine out of the dependency tree.

use super::error::{Error, ErrorKind, IntervalError, VersionReason};
use super::quote::parse_string;
use super::text;
use crate::{module, semver};

/// A version fixer (Go's `VersionFixer`): given a module path and a version as
/// written, returns the version to record, or why it cannot. The main module's
/// go.mod uses one to resolve branch names and short versions; without one every
/// version must be a valid semantic version (and is canonicalized).
pub type VersionFixer<'f> = dyn FnMut(&str, &str) -> Result<String, FixError> + 'f;

/// Why a [`VersionFixer`] rejected a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixError {
    /// An error about this module (Go's `module.ModuleError`): the message of the
    /// error it wraps. It is reported as `verb path: message`.
    Module(String),
    /// Any other error, reported as is.
    Other(String),
}

/// How [`parse_version`] treats a version.
pub(super) enum Fix<'a, 'f> {
    /// It must be a semantic version; it is canonicalized (`v1.2` → `v1.2.0`).
    Canonical,
    /// Kept as written (the first pass over `retract`, before the module path is known).
    Keep,
    /// The caller's fixer decides.
    With(&'a mut VersionFixer<'f>),
}

impl<'f> Fix<'_, 'f> {
    fn reborrow(&mut self) -> Fix<'_, 'f> {
        match self {
            Fix::Canonical => Fix::Canonical,
            Fix::Keep => Fix::Keep,
            Fix::With(g) => Fix::With(&mut **g),
        }
    }
}

/// The fixing mode for an optional fixer.
pub(super) fn fixer<'a, 'f>(fix: &'a mut Option<&mut VersionFixer<'f>>) -> Fix<'a, 'f> {
    match fix {
        Some(f) => Fix::With(&mut **f),
        None => Fix::Canonical,
    }
}

/// A closed interval of versions, as in `retract [v1.0.0, v1.1.0]`; a single
/// version has `low == high`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct VersionInterval {
    pub low: String,
    pub high: String,
}

/// Whether `v` is a valid `go` line version (Go's `GoVersionRE`):
/// `N.M`, `N.M.P`, optionally followed by a prerelease like `rc1` or `beta2`.
pub fn is_go_version(v: &[u8]) -> bool {
    let Some(rest) = number(v, false).and_then(|r| r.strip_prefix(b".")) else {
        return false;
    };
    let Some(mut rest) = number(rest, true) else {
        return false;
    };
    if let Some(r) = rest.strip_prefix(b".") {
        match number(r, true) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    if rest.is_empty() {
        return true;
    }
    let letters = rest.iter().take_while(|b| b.is_ascii_lowercase()).count();
    let digits = rest[letters..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    letters > 0 && digits > 0 && letters + digits == rest.len()
}

/// The `N.M` a lax parse keeps from a malformed `go` version (Go's
/// `laxGoVersionRE`): `v?N.M` followed by something that is not a digit.
pub fn lax_go_version(v: &[u8]) -> Option<Vec<u8>> {
    let body = v.strip_prefix(b"v").unwrap_or(v);
    let rest = number(body, false)?.strip_prefix(b".")?;
    let rest = number(rest, true)?;
    // The rest must be a non-digit rune followed by anything but a newline.
    let (c, n) = text::decode_rune(rest);
    if n == 0 || c.is_ascii_digit() || rest[n..].contains(&b'\n') {
        return None;
    }
    Some(body[..body.len() - rest.len()].to_vec())
}

/// Whether `name` may follow `toolchain` (Go's `ToolchainRE`): `default`, `go1`, or
/// anything starting with `go1.`.
pub fn is_toolchain_name(name: &[u8]) -> bool {
    name == b"default" || name == b"go1" || name.starts_with(b"go1.")
}

/// Strips a decimal number from the front of `s`: `[1-9][0-9]*`, or also a lone `0`
/// when `zero` is allowed.
fn number(s: &[u8], zero: bool) -> Option<&[u8]> {
    match s.first() {
        Some(b'0') if zero => Some(&s[1..]),
        Some(b'1'..=b'9') => {
            let n = s.iter().take_while(|b| b.is_ascii_digit()).count();
            Some(&s[n..])
        }
        _ => None,
    }
}

/// Reads the version token of a `require`, `exclude`, `replace` or `retract` line for
/// module `path` and rewrites the token to the version recorded (Go's `parseVersion`).
/// The error has no file position yet; the caller adds the line's.
pub(super) fn parse_version(
    verb: &'static str,
    path: &str,
    tok: &mut Vec<u8>,
    fix: Fix<'_, '_>,
) -> Result<String, Error> {
    let about = |kind| Error {
        filename: String::new(),
        pos: Default::default(),
        verb,
        mod_path: path.to_string(),
        kind: Box::new(kind),
    };
    let raw = match parse_string(tok) {
        Ok(t) => t,
        Err(e) => {
            return Err(about(ErrorKind::InvalidVersion {
                version: text::lossy(tok).into_owned(),
                reason: e.into(),
            }));
        }
    };
    let t = text::lossy(&raw).into_owned();
    let fixed = match fix {
        Fix::Keep => {
            *tok = raw;
            return Ok(t);
        }
        Fix::With(f) => match f(path, &t) {
            Ok(v) => v,
            Err(FixError::Module(msg)) => return Err(about(ErrorKind::Fix(msg))),
            Err(FixError::Other(msg)) => {
                let mut e = about(ErrorKind::Fix(msg));
                e.verb = "";
                e.mod_path.clear();
                return Err(e);
            }
        },
        Fix::Canonical => {
            let cv = module::canonical_version(&t);
            if cv.is_empty() {
                return Err(about(ErrorKind::InvalidVersion {
                    version: t,
                    reason: VersionReason::NotCanonical(String::new()),
                }));
            }
            cv
        }
    };
    *tok = fixed.clone().into_bytes();
    Ok(fixed)
}

/// Reads a `retract` argument, a version or `[low, high]`, from the front of `args`
/// (Go's `parseVersionInterval`). Returns the interval and how many tokens it used.
pub(super) fn parse_version_interval(
    verb: &'static str,
    path: &str,
    args: &mut [Vec<u8>],
    mut fix: Fix<'_, '_>,
) -> Result<(VersionInterval, usize), Error> {
    let bare = |e: IntervalError| Error {
        filename: String::new(),
        pos: Default::default(),
        verb: "",
        mod_path: String::new(),
        kind: Box::new(ErrorKind::Interval(e)),
    };
    match args.first().map(Vec::as_slice) {
        None | Some(b"(") => return Err(bare(IntervalError::ExpectedBracketOrVersion)),
        Some(b"[") => {}
        Some(_) => {
            let v = parse_version(verb, path, &mut args[0], fix)?;
            return Ok((
                VersionInterval {
                    low: v.clone(),
                    high: v,
                },
                1,
            ));
        }
    }
    let Some(low_tok) = args.get_mut(1) else {
        return Err(bare(IntervalError::ExpectedVersionAfterBracket));
    };
    let low = parse_version(verb, path, low_tok, fix.reborrow())?;
    if args.get(2).map(Vec::as_slice) != Some(b",") {
        return Err(bare(IntervalError::ExpectedComma));
    }
    let Some(high_tok) = args.get_mut(3) else {
        return Err(bare(IntervalError::ExpectedVersionAfterComma));
    };
    let high = parse_version(verb, path, high_tok, fix)?;
    if args.get(4).map(Vec::as_slice) != Some(b"]") {
        return Err(bare(IntervalError::ExpectedCloseBracket));
    }
    Ok((VersionInterval { low, high }, 5))
}

/// Checks that `vers` is canonical and agrees with the major version of module
/// `path` (Go's `checkCanonicalVersion`, used by the editing API). When `path` has
/// no major suffix and `vers` is v2 or above, the message suggests `+incompatible`.
pub(super) fn check_canonical_version(path: &str, vers: &str) -> Result<(), ErrorKind> {
    let split = module::split_path_version(path);
    let path_major = split.map_or("", |(_, m)| m);
    if vers.is_empty() || vers != module::canonical_version(vers) {
        let prefix = if path_major.is_empty() {
            String::new()
        } else {
            module::path_major_prefix(path_major).to_string()
        };
        return Err(ErrorKind::InvalidVersion {
            version: vers.to_string(),
            reason: VersionReason::NotCanonical(prefix),
        });
    }
    if split.is_some()
        && let Err(e) = module::check_path_major(vers, path_major)
    {
        if path_major.is_empty() {
            return Err(ErrorKind::InvalidVersion {
                version: vers.to_string(),
                reason: VersionReason::NeedsIncompatible {
                    version: vers.to_string(),
                    path: path.to_string(),
                    major: semver::major(vers).to_string(),
                },
            });
        }
        return Err(ErrorKind::Module(e.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_versions() {
        for v in ["1.21", "1.21.0", "1.21rc1", "1.2beta1", "10.0.3", "1.0"] {
            assert!(is_go_version(v.as_bytes()), "{v}");
        }
        for v in [
            "",
            "1",
            "v1.2",
            "1.2.",
            "1.02",
            "01.2",
            "1.2.3.4",
            "1.2rc",
            "1.2RC1",
            "1.2.beta1",
        ] {
            assert!(!is_go_version(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn lax_go_versions() {
        let lax = |v: &str| lax_go_version(v.as_bytes()).map(|b| String::from_utf8(b).unwrap());
        assert_eq!(lax("v1.2").as_deref(), None);
        assert_eq!(lax("v1.2.3").as_deref(), Some("1.2"));
        assert_eq!(lax("1.2.beta1").as_deref(), Some("1.2"));
        assert_eq!(lax("v1.2rc1").as_deref(), Some("1.2"));
        assert_eq!(lax("1.21x").as_deref(), Some("1.21"));
        assert_eq!(lax("1.01x"), None);
        assert_eq!(lax("0.1x"), None);
        assert_eq!(lax("1.2\u{e9}").as_deref(), Some("1.2"));
    }

    #[test]
    fn toolchains() {
        for n in ["default", "go1", "go1.21", "go1.21rc1-gccgo", "go1.x"] {
            assert!(is_toolchain_name(n.as_bytes()), "{n}");
        }
        for n in ["", "go1x", "go2", "local", "Default", "gccgo-go1.2"] {
            assert!(!is_toolchain_name(n.as_bytes()), "{n}");
        }
    }
}
