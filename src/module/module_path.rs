//! [`ModulePath`]: a module path that has passed [`check_path`], so that code past the
//! argument parsing cannot mix validated and unvalidated paths, and escaping it for the
//! cache or a proxy URL cannot fail.

use super::escape::escape_ascii;
use super::{Error, check_path, split_path_version, unescape_path};
use std::fmt;
use std::str::FromStr;

/// A valid module path (Go's `CheckPath` holds).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModulePath(String);

impl ModulePath {
    /// Validates `path`.
    pub fn new(path: impl Into<String>) -> Result<ModulePath, Error> {
        let path = path.into();
        check_path(&path)?;
        Ok(ModulePath(path))
    }

    /// The path an escaped path (from the cache or a proxy URL) stands for.
    pub fn from_escaped(escaped: &str) -> Result<ModulePath, Error> {
        unescape_path(escaped).map(ModulePath)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The case-escaped form (`github.com/Azure/x` → `github.com/!azure/x`). Infallible:
    /// a valid module path is ASCII and has no `!`.
    pub fn escaped(&self) -> String {
        escape_ascii(&self.0)
    }

    /// [`split_path_version`]: `(prefix, path_major)`. Always succeeds on a valid path.
    pub fn split_major(&self) -> (&str, &str) {
        split_path_version(&self.0).unwrap_or((&self.0, ""))
    }
}

impl fmt::Display for ModulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ModulePath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for ModulePath {
    type Err = Error;
    fn from_str(s: &str) -> Result<ModulePath, Error> {
        ModulePath::new(s)
    }
}

impl TryFrom<String> for ModulePath {
    type Error = Error;
    fn try_from(s: String) -> Result<ModulePath, Error> {
        ModulePath::new(s)
    }
}

impl From<ModulePath> for String {
    fn from(p: ModulePath) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validated() {
        let p: ModulePath = "github.com/Azure/sdk/v2".parse().unwrap();
        assert_eq!(p.escaped(), "github.com/!azure/sdk/v2");
        assert_eq!(p.split_major(), ("github.com/Azure/sdk", "/v2"));
        assert_eq!(ModulePath::from_escaped(&p.escaped()).unwrap(), p);
        assert_eq!(p.to_string(), "github.com/Azure/sdk/v2");
        assert_eq!(
            ModulePath::new("x").unwrap_err().to_string(),
            r#"malformed module path "x": missing dot in first path element"#
        );
        assert!(ModulePath::from_escaped("github.com/Azure").is_err());
    }
}
