//! Case escaping of module paths and versions for the cache and the proxy protocol.
//!
//! File systems and static web servers may be case-insensitive, so the cache and proxy
//! URLs never rely on case: every upper-case ASCII letter becomes `!` plus its lower-case
//! form (`github.com/Azure/x` → `github.com/!azure/x`). Valid paths contain neither `!`
//! nor non-ASCII, so the mapping is reversible, and unescaping re-validates so that an
//! escaped name read from disk or a URL can only produce a valid path or version.

use super::check_path;
use super::error::{Error, PathKind, VersionReason};
use super::path::check_elem;

/// Go's `module.EscapePath`: the escaped form of a valid module path.
pub fn escape_path(path: &str) -> Result<String, Error> {
    check_path(path)?;
    escape_string(path)
}

/// Go's `module.EscapeVersion`. Versions need not be semver (branch names are queried
/// too) but must be valid file-path elements without `!`.
pub fn escape_version(v: &str) -> Result<String, Error> {
    if check_elem(v, PathKind::File).is_err() || v.contains('!') {
        return Err(Error::invalid_version(v, false, VersionReason::Disallowed));
    }
    escape_string(v)
}

/// Escapes after validation. Valid module paths never reach the error, but versions
/// can: a Unicode letter is a valid file-path element, so `escape_version("é")` fails
/// here exactly as Go's does.
fn escape_string(s: &str) -> Result<String, Error> {
    if s.bytes().any(|b| b == b'!' || !b.is_ascii()) {
        return Err(Error::EscapeInconsistency);
    }
    Ok(escape_ascii(s))
}

/// The `!`-escaping itself, for input known to be ASCII without `!`.
pub(super) fn escape_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Go's `module.UnescapePath`: the module path an escaped path stands for.
pub fn unescape_path(escaped: &str) -> Result<String, Error> {
    let path = unescape_string(escaped).ok_or_else(|| Error::InvalidEscapedPath {
        escaped: escaped.to_string(),
        cause: None,
    })?;
    check_path(&path).map_err(|e| Error::InvalidEscapedPath {
        escaped: escaped.to_string(),
        cause: Some(Box::new(e)),
    })?;
    Ok(path)
}

/// Go's `module.UnescapeVersion`: the version an escaped version stands for.
pub fn unescape_version(escaped: &str) -> Result<String, Error> {
    let v = unescape_string(escaped).ok_or_else(|| Error::InvalidEscapedVersion {
        version: escaped.to_string(),
        cause: None,
    })?;
    // Go names the unescaped version (not the escaped input) in this message.
    check_elem(&v, PathKind::File).map_err(|reason| Error::InvalidEscapedVersion {
        version: v.clone(),
        cause: Some(reason),
    })?;
    Ok(v)
}

/// Reverses the `!x` → `X` mapping; `None` for a bare upper-case letter, `!` not
/// followed by a lower-case letter, or non-ASCII.
fn unescape_string(escaped: &str) -> Option<String> {
    let mut out = String::with_capacity(escaped.len());
    let mut bang = false;
    for c in escaped.chars() {
        if !c.is_ascii() {
            return None;
        }
        if bang {
            bang = false;
            if !c.is_ascii_lowercase() {
                return None;
            }
            out.push(c.to_ascii_uppercase());
        } else if c == '!' {
            bang = true;
        } else if c.is_ascii_uppercase() {
            return None;
        } else {
            out.push(c);
        }
    }
    (!bang).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            escape_path("github.com/GoogleCloudPlatform/omega").unwrap(),
            "github.com/!google!cloud!platform/omega"
        );
        assert_eq!(
            unescape_path("github.com/!google!cloud!platform/omega").unwrap(),
            "github.com/GoogleCloudPlatform/omega"
        );
        assert_eq!(
            escape_path("x").unwrap_err().to_string(),
            r#"malformed module path "x": missing dot in first path element"#
        );
        assert_eq!(
            unescape_path("github.com/!Google").unwrap_err().to_string(),
            r#"invalid escaped module path "github.com/!Google""#
        );
        assert_eq!(
            unescape_path("github.com/a!").unwrap_err().to_string(),
            r#"invalid escaped module path "github.com/a!""#
        );
        assert_eq!(
            unescape_path("x/!y").unwrap_err().to_string(),
            r#"invalid escaped module path "x/!y": malformed module path "x/Y": missing dot in first path element"#
        );
        assert!(unescape_path("x/!y").unwrap_err().is_invalid_path());
        assert!(unescape_path("é.com/x").is_err());
    }

    #[test]
    fn versions() {
        assert_eq!(escape_version("v1.0.0-RC1").unwrap(), "v1.0.0-!r!c1");
        assert_eq!(escape_version("master").unwrap(), "master");
        assert_eq!(unescape_version("v1.0.0-!r!c1").unwrap(), "v1.0.0-RC1");
        assert_eq!(
            escape_version("v1!").unwrap_err().to_string(),
            r#"version "v1!" invalid: disallowed version string"#
        );
        assert_eq!(
            escape_version("a/b").unwrap_err().to_string(),
            r#"version "a/b" invalid: disallowed version string"#
        );
        assert!(escape_version("").is_err());
        assert_eq!(
            escape_version("é").unwrap_err().to_string(),
            "internal error: inconsistency in EscapePath"
        );
        assert_eq!(
            unescape_version("V1").unwrap_err().to_string(),
            r#"invalid escaped version "V1""#
        );
        assert_eq!(
            unescape_version("!con").unwrap_err().to_string(),
            r#"invalid escaped version "Con": "Con" disallowed as path element component on Windows"#
        );
    }
}
