//! The `?go-get=1` pages: `go-import` meta tags for the hosted repositories, and the
//! per-test replies that replace them.
//!
//! Default: a request for `<host>/<path>?go-get=1` is answered for the longest
//! leading run of `<path>`'s elements that names a hosted repository (a directory
//! `<root>/<elements>.git`) with one tag
//! `<meta name="go-import" content="<host>/<repo> git https://<host>/<repo>">`, as
//! real hosting sites answer for any package path inside a repository. No repository:
//! 404 with a page that has no meta tag.
//!
//! Overrides ([`MetaReply`]) are keyed by `<host>/<path>` prefixes (matched on whole
//! elements); the longest matching key wins. They can list any tags (other VCSs,
//! `mod`, a fourth `subdir` field, several or conflicting tags) or send a raw body
//! with any status and content type.

use std::path::Path;

/// One `go-import` meta tag: `content="<prefix> <vcs> <url>[ <subdir>]"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoImport {
    pub prefix: String,
    pub vcs: String,
    pub url: String,
    pub subdir: Option<String>,
}

impl GoImport {
    pub fn new(prefix: &str, vcs: &str, url: &str) -> GoImport {
        GoImport {
            prefix: prefix.to_string(),
            vcs: vcs.to_string(),
            url: url.to_string(),
            subdir: None,
        }
    }

    /// Adds the fourth field (the module's directory inside the repository).
    pub fn subdir(mut self, dir: &str) -> GoImport {
        self.subdir = Some(dir.to_string());
        self
    }

    /// The `content` attribute's value.
    pub fn content(&self) -> String {
        let mut c = format!("{} {} {}", self.prefix, self.vcs, self.url);
        if let Some(d) = &self.subdir {
            c.push(' ');
            c.push_str(d);
        }
        c
    }
}

/// A reply to a `?go-get=1` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaReply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl MetaReply {
    /// 200, an HTML page with these `go-import` tags in order.
    pub fn imports(tags: &[GoImport]) -> MetaReply {
        MetaReply::html(200, &page(tags))
    }

    /// Any status with this HTML body.
    pub fn html(status: u16, body: &str) -> MetaReply {
        MetaReply::raw(status, "text/html; charset=utf-8", body.as_bytes())
    }

    /// Any status, content type and body bytes.
    pub fn raw(status: u16, content_type: &str, body: &[u8]) -> MetaReply {
        MetaReply {
            status,
            content_type: content_type.to_string(),
            body: body.to_vec(),
        }
    }
}

/// The HTML page carrying `tags`, with attribute values HTML-escaped.
pub fn page(tags: &[GoImport]) -> String {
    let mut s = String::from("<!DOCTYPE html>\n<html>\n<head>\n");
    for t in tags {
        s.push_str(&format!(
            "<meta name=\"go-import\" content=\"{}\">\n",
            escape(&t.content())
        ));
    }
    s.push_str("</head>\n<body>gomodfetch test git server</body>\n</html>\n");
    s
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Whether `key` equals `full` or is a whole-element prefix of it.
pub(crate) fn under(full: &str, key: &str) -> bool {
    let key = key.trim_end_matches('/');
    full == key || (full.starts_with(key) && full.as_bytes().get(key.len()) == Some(&b'/'))
}

/// The override for `host_path` (`<host>/<path>`): the longest matching key.
pub(crate) fn find_override<'a>(
    overrides: &'a [(String, MetaReply)],
    host_path: &str,
) -> Option<&'a MetaReply> {
    overrides
        .iter()
        .filter(|(k, _)| under(host_path, k))
        .max_by_key(|(k, _)| k.trim_end_matches('/').len())
        .map(|(_, r)| r)
}

/// The hosted repository containing `path` (slash-separated, no leading slash):
/// the longest leading run of elements with a `<root>/<run>.git` directory.
pub(crate) fn repo_for(root: &Path, path: &str) -> Option<String> {
    let elems: Vec<&str> = path.split('/').filter(|e| !e.is_empty()).collect();
    if elems.iter().any(|e| *e == "." || *e == "..") {
        return None;
    }
    (1..=elems.len()).rev().find_map(|n| {
        let name = elems[..n].join("/");
        root.join(format!("{name}.git")).is_dir().then_some(name)
    })
}

/// The default reply for `host` and `path` (see the module docs).
pub(crate) fn default_reply(root: &Path, host: &str, path: &str) -> MetaReply {
    match repo_for(root, path) {
        Some(repo) => MetaReply::imports(&[GoImport::new(
            &format!("{host}/{repo}"),
            "git",
            &format!("https://{host}/{repo}"),
        )]),
        None => MetaReply::html(
            404,
            &format!(
                "<!DOCTYPE html>\n<html><body>no repository for {host}/{path}</body></html>\n"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_whole_elements() {
        assert!(under("h/a/b", "h/a"));
        assert!(under("h/a", "h/a/"));
        assert!(!under("h/ab", "h/a"));
        let o = vec![
            ("h/a".to_string(), MetaReply::html(200, "1")),
            ("h/a/b".to_string(), MetaReply::html(200, "2")),
        ];
        assert_eq!(
            find_override(&o, "h/a/b/c").map(|r| r.body.clone()),
            Some(b"2".to_vec())
        );
        assert_eq!(
            find_override(&o, "h/a/c").map(|r| r.body.clone()),
            Some(b"1".to_vec())
        );
        assert!(find_override(&o, "h/b").is_none());
    }

    #[test]
    fn page_escapes_and_orders() {
        let p = page(&[
            GoImport::new("h/x", "git", "https://h/x"),
            GoImport::new("h/y", "mod", "https://p/\"q").subdir("sub"),
        ]);
        assert!(p.contains("content=\"h/x git https://h/x\""));
        assert!(p.contains("content=\"h/y mod https://p/&quot;q sub\""));
    }

    #[test]
    fn repo_lookup_takes_the_longest() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("a.git")).unwrap();
        std::fs::create_dir_all(d.path().join("a/b.git")).unwrap();
        assert_eq!(repo_for(d.path(), "a/b/c").as_deref(), Some("a/b"));
        assert_eq!(repo_for(d.path(), "a/c").as_deref(), Some("a"));
        assert_eq!(repo_for(d.path(), "b"), None);
        assert_eq!(repo_for(d.path(), "a/../a"), None);
    }
}
