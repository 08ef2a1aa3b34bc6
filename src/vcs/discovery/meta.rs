//! `<meta name="go-import" content="prefix vcs repo [subdir]">` tags: reading them from
//! a `?go-get=1` page and choosing the one for a path, as go does (`discovery.go`
//! parseMetaGoImports, `vcs.go` matchGoImport, validateRepoRoot, validateRepoSubDir).
//!
//! Guarantees: the page is scanned with Go's lenient XML tokenizer up to `<body>` or
//! `</head>`; the first error ends the scan and is reported only when no tag was found
//! before it; in module mode `mod` tags come first and hide the other tags with the
//! same prefix; the match and the error texts are Go's.

use super::xmlscan::{Scanner, Stop, Token, XmlError};
use crate::gostr::quote;

/// One `go-import` meta tag.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MetaImport {
    pub prefix: String,
    pub vcs: String,
    pub repo_root: String,
    /// The optional fourth field (Go 1.25+), empty when absent.
    pub subdir: String,
}

/// Why no tag was chosen for a path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    /// Go's `ImportMismatchError`: the prefixes that did not match (possibly none).
    #[error("{}", mismatch_text(.path, .prefixes))]
    Mismatch { path: String, prefixes: Vec<String> },
    #[error("multiple meta tags match import path {}", quote(.path))]
    Multiple { path: String },
}

fn mismatch_text(path: &str, prefixes: &[String]) -> String {
    prefixes
        .iter()
        .map(|p| format!("meta tag {p} did not match import path {path}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Go's `strings.EqualFold` for a lower-case ASCII keyword: simple case folding,
/// rune by rune.
fn equal_fold(s: &str, keyword: &str) -> bool {
    let mut a = s.chars();
    let mut b = keyword.chars();
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) => {
                if crate::gounicode::fold_min(x) != crate::gounicode::fold_min(y) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// The value of the first attribute whose local name equals `name` ignoring case, or
/// "" (Go's attrValue).
fn attr_value<'t>(attrs: &'t [(super::xmlscan::Name, String)], name: &str) -> &'t str {
    attrs
        .iter()
        .find(|(n, _)| equal_fold(&n.local, name))
        .map_or("", |(_, v)| v.as_str())
}

/// The `go-import` tags of a page (Go's parseMetaGoImports). `module_mode` is Go's
/// `PreferMod` (always true for module downloads).
///
/// An error is returned only when it stopped the scan before any tag was found.
pub fn parse_meta_go_imports(body: &[u8], module_mode: bool) -> Result<Vec<MetaImport>, XmlError> {
    let mut scanner = Scanner::new(body);
    let mut imports = Vec::new();
    loop {
        let token = match scanner.next_token() {
            Ok(t) => t,
            Err(Stop::Error(e)) if imports.is_empty() => return Err(e),
            Err(_) => break,
        };
        let (name, attrs) = match token {
            Token::Start { name, attrs } => (name, attrs),
            Token::End { name } if equal_fold(&name.local, "head") => break,
            _ => continue,
        };
        if equal_fold(&name.local, "body") {
            break;
        }
        if !equal_fold(&name.local, "meta") || attr_value(&attrs, "name") != "go-import" {
            continue;
        }
        let fields: Vec<&str> = attr_value(&attrs, "content").split_whitespace().collect();
        if let [prefix, vcs, repo_root, rest @ ..] = fields.as_slice()
            && rest.len() <= 1
        {
            imports.push(MetaImport {
                prefix: prefix.to_string(),
                vcs: vcs.to_string(),
                repo_root: repo_root.to_string(),
                subdir: rest.first().map_or(String::new(), |s| s.to_string()),
            });
        }
    }
    Ok(order_for_mode(imports, module_mode))
}

/// Module mode: `mod` tags first, and a non-`mod` tag is dropped when a `mod` tag has
/// the same prefix. Otherwise `mod` tags are dropped.
fn order_for_mode(imports: Vec<MetaImport>, module_mode: bool) -> Vec<MetaImport> {
    let (mods, others): (Vec<_>, Vec<_>) = imports.into_iter().partition(|m| m.vcs == "mod");
    if !module_mode {
        return others;
    }
    let hidden: std::collections::HashSet<String> = mods.iter().map(|m| m.prefix.clone()).collect();
    let mut list = mods;
    list.extend(others.into_iter().filter(|m| !hidden.contains(&m.prefix)));
    list
}

/// Go's `str.HasPathPrefix`: `prefix` is `s`, or `s` continues it after a `/` (or the
/// prefix itself ends in `/`).
pub fn has_path_prefix(s: &str, prefix: &str) -> bool {
    let (s, p) = (s.as_bytes(), prefix.as_bytes());
    if s.len() == p.len() {
        return s == p;
    }
    if p.is_empty() {
        return true;
    }
    s.len() > p.len() && (p[p.len() - 1] == b'/' || s[p.len()] == b'/') && &s[..p.len()] == p
}

/// The tag whose prefix is a path prefix of `path` (Go's matchGoImport). After a `mod`
/// tag has matched, the (later) non-`mod` tags are ignored.
pub fn match_go_import(imports: &[MetaImport], path: &str) -> Result<MetaImport, MatchError> {
    let mut found: Option<&MetaImport> = None;
    let mut mismatches = Vec::new();
    for im in imports {
        if !has_path_prefix(path, &im.prefix) {
            mismatches.push(im.prefix.clone());
            continue;
        }
        if let Some(prev) = found {
            if prev.vcs == "mod" && im.vcs != "mod" {
                break;
            }
            return Err(MatchError::Multiple {
                path: path.to_string(),
            });
        }
        found = Some(im);
    }
    found.cloned().ok_or_else(|| MatchError::Mismatch {
        path: path.to_string(),
        prefixes: mismatches,
    })
}

/// Why a meta tag's subdirectory is refused (Go's validateRepoSubDir).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubdirError {
    #[error("leading slash")]
    LeadingSlash,
    #[error("leading hyphen")]
    LeadingHyphen,
}

/// A subdirectory must not start with `/` or `-` (empty is fine).
pub fn validate_repo_subdir(subdir: &str) -> Result<(), SubdirError> {
    match subdir.as_bytes().first() {
        Some(b'/') => Err(SubdirError::LeadingSlash),
        Some(b'-') => Err(SubdirError::LeadingHyphen),
        _ => Ok(()),
    }
}

/// Why a meta tag's repository URL is refused (Go's validateRepoRoot).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoRootError {
    #[error(transparent)]
    Parse(#[from] crate::config::gourl::ParseError),
    #[error("no scheme")]
    NoScheme,
    #[error("file scheme disallowed")]
    FileScheme,
}

/// The repository URL must parse (Go's `url.Parse`) with a scheme other than `file`.
pub fn validate_repo_root(repo_root: &str) -> Result<(), RepoRootError> {
    let url = crate::config::gourl::parse(repo_root)?;
    match url.scheme.as_str() {
        "" => Err(RepoRootError::NoScheme),
        "file" => Err(RepoRootError::FileScheme),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
