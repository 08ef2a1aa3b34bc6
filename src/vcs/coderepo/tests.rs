use super::*;
use crate::vcs::codehost::{Tags, VcsError};

/// A host with nothing in it: enough for the constructor.
struct Empty;

impl CodeHost for Empty {
    fn tags(&self, _: &str) -> Result<Tags, VcsError> {
        Ok(Tags::default())
    }
    fn stat(&self, rev: &str) -> Result<HostRevInfo, VcsError> {
        Err(VcsError::not_exist(format!("unknown revision {rev}")))
    }
    fn latest(&self) -> Result<HostRevInfo, VcsError> {
        Err(VcsError::other("no commits"))
    }
    fn read_file(&self, _: &str, file: &str, _: u64) -> Result<Vec<u8>, VcsError> {
        Err(VcsError::not_exist(format!("file {file} does not exist")))
    }
    fn recent_tag(&self, _: &str, _: &str, _: &dyn Fn(&str) -> bool) -> Result<String, VcsError> {
        Ok(String::new())
    }
    fn descends_from(&self, _: &str, _: &str) -> Result<bool, VcsError> {
        Ok(false)
    }
    fn archive(&self, _: &str, _: &str) -> Result<Vec<ArchiveFile>, VcsError> {
        Ok(Vec::new())
    }
}

fn new(path: &str, root: &str, subdir: &str) -> Result<CodeRepo, String> {
    CodeRepo::new(Arc::new(Empty), path, root, subdir).map_err(|e| e.to_string())
}

#[test]
fn layout() {
    let cases = [
        // path, root, subdir → code_dir, path_prefix, path_major, pseudo_major
        (
            "github.com/rsc/foo/bar/v2",
            "github.com/rsc/foo",
            "",
            "bar",
            "github.com/rsc/foo/bar",
            "/v2",
            "v2",
        ),
        (
            "github.com/rsc/foo",
            "github.com/rsc/foo",
            "",
            "",
            "github.com/rsc/foo",
            "",
            "",
        ),
        (
            "nanomsg.org/go/mangos/v2",
            "nanomsg.org/go/mangos/v2",
            "",
            "",
            "nanomsg.org/go/mangos/v2",
            "/v2",
            "v2",
        ),
        (
            "gopkg.in/yaml.v2",
            "gopkg.in/yaml.v2",
            "",
            "",
            "gopkg.in/yaml.v2",
            ".v2",
            "v2",
        ),
        (
            "gopkg.in/m.v1-unstable",
            "gopkg.in/m.v1-unstable",
            "",
            "",
            "gopkg.in/m.v1-unstable",
            ".v1-unstable",
            "v1",
        ),
        (
            "github.com/rsc/foo/v2",
            "github.com/rsc/foo",
            "bar/subdir",
            "bar/subdir",
            "github.com/rsc/foo",
            "/v2",
            "v2",
        ),
        (
            "github.com/rsc/foo/x",
            "github.com/rsc/foo",
            "bar/",
            "x/bar",
            "github.com/rsc/foo/x",
            "",
            "",
        ),
        (
            "github.com/rsc/foo/x",
            "github.com/rsc/foo",
            "../y/./z",
            "y/z",
            "github.com/rsc/foo/x",
            "",
            "",
        ),
        (
            "example.com/a",
            "example.com/a",
            ".",
            ".",
            "example.com/a",
            "",
            "",
        ),
    ];
    for (path, root, subdir, dir, prefix, major, pseudo) in cases {
        let r = new(path, root, subdir).expect(path);
        assert_eq!(
            (
                r.code_dir.as_str(),
                r.path_prefix.as_str(),
                r.path_major.as_str(),
                r.pseudo_major.as_str()
            ),
            (dir, prefix, major, pseudo),
            "{path} in {root} {subdir}"
        );
    }
}

#[test]
fn layout_errors() {
    assert_eq!(
        new("github.com/rsc/foobar", "github.com/rsc/foo", "").unwrap_err(),
        "mismatched repo: found github.com/rsc/foo for github.com/rsc/foobar"
    );
    assert_eq!(
        new("gopkg.in/yaml.v2/abc", "gopkg.in/yaml.v2", "").unwrap_err(),
        "invalid module path \"gopkg.in/yaml.v2/abc\""
    );
    assert_eq!(
        new("example.com/a/v2", "example.com/a/v2/x", "").unwrap_err(),
        "mismatched repo: found example.com/a/v2/x for example.com/a/v2"
    );
    // The root is inside the major suffix: the prefix does not start with it.
    assert_eq!(
        new("example.com/v2", "example.com/v2x", "").unwrap_err(),
        "mismatched repo: found example.com/v2x for example.com/v2"
    );
    assert_eq!(
        new("gopkg.in/yaml.v2", "gopkg.in/yaml.v", "").unwrap_err(),
        "mismatched repo: found gopkg.in/yaml.v for gopkg.in/yaml.v2"
    );
    assert_eq!(
        new("example.com/a/b/v2", "example.com/a/b/v2", "").map(|r| r.code_dir),
        Ok(String::new())
    );
}

#[test]
fn path_prefixes() {
    assert!(has_path_prefix("a/b", "a"));
    assert!(has_path_prefix("a/b", "a/"));
    assert!(has_path_prefix("a", "a"));
    assert!(!has_path_prefix("ab", "a"));
    assert!(!has_path_prefix("a", "a/b"));
    assert!(!has_path_prefix("a", ""));
    assert!(has_path_prefix("/a", ""));
    assert!(!has_path_prefix("/a", "x"));
}

#[test]
fn legacy() {
    assert_eq!(legacy_go_mod("a.b/c"), b"module a.b/c\n");
    assert_eq!(legacy_go_mod("a.b/c d"), b"module \"a.b/c d\"\n");
}
