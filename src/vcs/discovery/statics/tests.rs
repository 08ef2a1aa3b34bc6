use super::*;

fn ok(path: &str) -> Option<(String, String, String)> {
    match static_repo_root(path)? {
        Ok(sr) => Some((
            sr.vcs.cmd.to_string(),
            sr.root,
            match sr.repo {
                StaticRepo::Url(u) => u,
                StaticRepo::Schemeless(r) => format!("?://{r}"),
            },
        )),
        Err(e) => Some(("error".into(), e.to_string(), String::new())),
    }
}

fn t(vcs: &str, root: &str, repo: &str) -> Option<(String, String, String)> {
    Some((vcs.into(), root.into(), repo.into()))
}

fn err(msg: &str) -> Option<(String, String, String)> {
    Some(("error".into(), msg.into(), String::new()))
}

/// Go's vcs_test.go TestRepoRootForImportPath cases (the static ones), re-expressed;
/// `None` is "dynamic discovery next".
#[test]
fn go_static_cases() {
    let cases = [
        (
            "github.com/golang/groupcache",
            t(
                "git",
                "github.com/golang/groupcache",
                "https://github.com/golang/groupcache",
            ),
        ),
        (
            "github.com/user/unicode/испытание",
            err(r#"invalid github.com import path "github.com/user/unicode/испытание""#),
        ),
        (
            "hub.jazz.net/git/user1/pkgname",
            t(
                "git",
                "hub.jazz.net/git/user1/pkgname",
                "https://hub.jazz.net/git/user1/pkgname",
            ),
        ),
        (
            "hub.jazz.net/git/user1/pkgname/submodule/submodule/submodule",
            t(
                "git",
                "hub.jazz.net/git/user1/pkgname",
                "https://hub.jazz.net/git/user1/pkgname",
            ),
        ),
        ("hub.jazz.net", None),
        ("hubajazz.net", None),
        ("hub2.jazz.net", None),
        ("hub.jazz.net/someotherprefix", None),
        (
            "hub.jazz.net/git/User 1/pkgname",
            err(r#"invalid hub.jazz.net/git import path "hub.jazz.net/git/User 1/pkgname""#),
        ),
        (
            "hub.jazz.net/git/user1/pkg name",
            err(r#"invalid hub.jazz.net/git import path "hub.jazz.net/git/user1/pkg name""#),
        ),
        (
            "hub.jazz.net/git/user.1/pkgname",
            err(r#"invalid hub.jazz.net/git import path "hub.jazz.net/git/user.1/pkgname""#),
        ),
        (
            "hub.jazz.net/git/user/pkg.name",
            t(
                "git",
                "hub.jazz.net/git/user/pkg.name",
                "https://hub.jazz.net/git/user/pkg.name",
            ),
        ),
        (
            "hub.jazz.net/git/USER/pkgname",
            err(r#"invalid hub.jazz.net/git import path "hub.jazz.net/git/USER/pkgname""#),
        ),
        (
            "git.openstack.org/openstack/swift",
            t(
                "git",
                "git.openstack.org/openstack/swift",
                "https://git.openstack.org/openstack/swift",
            ),
        ),
        (
            "git.openstack.org/openstack/swift.git",
            t(
                "git",
                "git.openstack.org/openstack/swift.git",
                "https://git.openstack.org/openstack/swift.git",
            ),
        ),
        (
            "git.openstack.org/openstack/swift/go/hummingbird",
            t(
                "git",
                "git.openstack.org/openstack/swift",
                "https://git.openstack.org/openstack/swift",
            ),
        ),
        (
            "git.openstack.org",
            err(r#"invalid git.openstack.org import path "git.openstack.org""#),
        ),
        (
            "git.openstack.org/openstack",
            err(r#"invalid git.openstack.org import path "git.openstack.org/openstack""#),
        ),
        (
            "git.apache.org/package name/path/to/lib",
            err(r#"invalid git.apache.org import path "git.apache.org/package name/path/to/lib""#),
        ),
        (
            "git.apache.org/package-name/path/to/lib",
            err(r#"invalid git.apache.org import path "git.apache.org/package-name/path/to/lib""#),
        ),
        ("gitbapache.org", None),
        (
            "git.apache.org/package-name.git",
            t(
                "git",
                "git.apache.org/package-name.git",
                "https://git.apache.org/package-name.git",
            ),
        ),
        (
            "git.apache.org/package-name_2.x.git/path/to/lib",
            t(
                "git",
                "git.apache.org/package-name_2.x.git",
                "https://git.apache.org/package-name_2.x.git",
            ),
        ),
        (
            "chiselapp.com/user/kyle/repository/fossilgg",
            t(
                "fossil",
                "chiselapp.com/user/kyle/repository/fossilgg",
                "https://chiselapp.com/user/kyle/repository/fossilgg",
            ),
        ),
        (
            "chiselapp.com/kyle/repository/fossilgg",
            err(r#"invalid chiselapp.com import path "chiselapp.com/kyle/repository/fossilgg""#),
        ),
        (
            "chiselapp.com/user/kyle/fossilgg",
            err(r#"invalid chiselapp.com import path "chiselapp.com/user/kyle/fossilgg""#),
        ),
        (
            "bitbucket.org/workspace/pkgname",
            t(
                "git",
                "bitbucket.org/workspace/pkgname",
                "https://bitbucket.org/workspace/pkgname",
            ),
        ),
        // The suffix check and the special cases.
        (
            "github.com/a/b.git",
            err("invalid version control suffix in github.com/ path"),
        ),
        (
            "github.com/a/b.git/c",
            err("invalid version control suffix in github.com/ path"),
        ),
        (
            "bitbucket.org/a/b.hg",
            err("invalid version control suffix in bitbucket.org/ path"),
        ),
        (
            "github.com/a",
            err(r#"invalid github.com import path "github.com/a""#),
        ),
        (
            "github.com",
            err(r#"invalid github.com import path "github.com""#),
        ),
        ("example.net/x", err("no modules on example.net")),
        ("example.net", err("no modules on example.net")),
        ("example.network/x", None),
        ("rsc.io", err("rsc.io is not a module")),
        ("rsc.io/x", None),
        (
            "https://github.com/a/b",
            err(r#""https://" not allowed in import path"#),
        ),
        ("http:x", err(r#""http://" not allowed in import path"#)),
        // The generic rule.
        (
            "example.com/repo.git",
            t("git", "example.com/repo.git", "?://example.com/repo"),
        ),
        (
            "example.com/a/repo.git/sub/dir",
            t("git", "example.com/a/repo.git", "?://example.com/a/repo"),
        ),
        (
            "example.com:8080/~u/r.hg/x",
            t(
                "hg",
                "example.com:8080/~u/r.hg",
                "?://example.com:8080/~u/r",
            ),
        ),
        // Go's regexp prefers the longer first element here (checked with Go).
        (
            "example.com/a.svn/b.git",
            t("git", "example.com/a.svn/b.git", "?://example.com/a.svn/b"),
        ),
        (
            "rsc.io/nonexist.svn/foo",
            t("svn", "rsc.io/nonexist.svn", "?://rsc.io/nonexist"),
        ),
        (
            "Example.com/repo.git",
            t("git", "xample.com/repo.git", "?://xample.com/repo"),
        ),
        ("example.com/repo.gitx", None),
        ("example.com/.git", None),
    ];
    let mut failures = Vec::new();
    for (path, want) in cases {
        let got = ok(path);
        if got != want {
            failures.push(format!("{path}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn launchpad() {
    assert_eq!(
        launchpad_probe("launchpad.net/proj/series/pkg"),
        Some(LaunchpadProbe {
            project: "proj".into(),
            series: "/series".into()
        })
    );
    assert_eq!(launchpad_probe("launchpad.net/proj"), None);
    let root = |p: &str, exists| launchpad_repo_root(p, exists).map(|r| r.map(|s| s.root));
    assert_eq!(
        root("launchpad.net/proj/series/pkg", true),
        Some(Ok("launchpad.net/proj/series".into()))
    );
    assert_eq!(
        root("launchpad.net/proj/series/pkg", false),
        Some(Ok("launchpad.net/proj".into()))
    );
    assert_eq!(
        root("launchpad.net/~u/+junk/x/y", false),
        Some(Ok("launchpad.net/~u/+junk/x".into()))
    );
    assert_eq!(root("other.net/x", false), None);
}

proptest::proptest! {
    #[test]
    fn never_panics(path in "[a-zA-Z0-9./:~_\\-]{0,40}") {
        let _ = static_repo_root(&path);
        let _ = launchpad_probe(&path);
    }
}
