//! The test git server (`gomodfetch::testkit::gitserver`) proven with the real tools:
//! repositories made by the builder are reproducible and carry the modes and refs
//! asked for; the real `go` in `GOPROXY=direct` mode discovers them through the
//! `?go-get=1` pages, fetches them with its own `git` through the forward proxy and
//! TLS, lists their tags and resolves branch queries to pseudo-versions; the proxy
//! refuses every other host.
//!
//! Go behaviour seen here: in module mode an `http://` git URL named by a meta page
//! fetched over https is used without `GOINSECURE` (go's `IsSecure` check belongs to
//! the removed GOPATH `get`); `GOINSECURE` only matters for the page itself (https
//! fails → go retries the page over http).

use crate::support::{self, Go, Sandbox};
use gomodfetch::testkit::gitserver::{
    GitServer, GoImport, MetaReply, Mode, Repo, RepoBuilder, Target, builder::BASE_TIME,
    missing_prerequisite,
};
use std::io::{Read, Write};
use std::process::Command;

fn server(test: &str) -> Option<GitServer> {
    if let Some(why) = missing_prerequisite() {
        support::skip(test, &why);
        return None;
    }
    Some(GitServer::start().unwrap_or_else(|e| panic!("starting the git server: {e}")))
}

fn go_and_server(test: &str) -> Option<(Go, GitServer, Sandbox)> {
    let go = support::go(test)?;
    let server = server(test)?;
    let mut sb = support::sandbox();
    server.apply_env(&mut sb);
    Some((go, server, sb))
}

/// `git.gomodfetch.test/owner/repo`: v1.0.0 (light), v1.1.0 (annotated), a module in
/// `sub/` tagged `sub/v1.0.0`, a `dev` branch one commit past v1.1.0 (commit 3).
pub fn owner_repo(server: &GitServer) -> Repo {
    RepoBuilder::new(server.root(), "owner/repo")
        .commit(|c| {
            c.file(
                "go.mod",
                "module git.gomodfetch.test/owner/repo\n\ngo 1.21\n",
            )
            .file("repo.go", "package repo\n")
            .exec("run.sh", "#!/bin/sh\necho hi\n")
            .symlink("link.go", "repo.go");
        })
        .tag("v1.0.0")
        .commit(|c| {
            c.file("repo.go", "package repo\n\nconst V = 11\n")
                .file("sub/go.mod", "module git.gomodfetch.test/owner/repo/sub\n")
                .file("sub/sub.go", "package sub\n");
        })
        .annotated_tag("v1.1.0", "release v1.1.0\n")
        .tag("sub/v1.0.0")
        .commit(|c| {
            c.file("README", "main after v1.1.0\n");
        })
        .branch("dev")
        .checkout("main")
        .commit(|c| {
            c.file("README", "main moves on\n");
        })
        .checkout("dev")
        .commit(|c| {
            c.file("dev.go", "package repo\n");
        })
        .build()
        .expect("building owner/repo")
}

/// A repository `name` holding module `path` at v1.0.0, announced for `path` by a
/// meta tag pointing at `url`.
fn vanity_module(server: &GitServer, name: &str, path: &str, url: &str) {
    RepoBuilder::new(server.root(), name)
        .commit(|c| {
            c.file("go.mod", format!("module {path}\n"));
        })
        .tag("v1.0.0")
        .build()
        .expect("build");
    server.set_meta(path, MetaReply::imports(&[GoImport::new(path, "git", url)]));
}

fn ok(run: &gomodfetch::testkit::gocmd::Run) {
    assert!(run.success(), "{run}");
}

#[test]
fn builder_is_reproducible_and_exact() {
    let test = "gitserver::builder_is_reproducible_and_exact";
    let Some(server) = server(test) else { return };
    let other = tempfile::tempdir().expect("tempdir");
    let build = |root: &std::path::Path| {
        RepoBuilder::new(root, "a/b")
            .commit(|c| {
                c.file("f.txt", "hello\n")
                    .exec("x.sh", "#!/bin/sh\n")
                    .symlink("l", "f.txt")
                    .put("dir/with space", Mode::Regular, b"\x00\xff")
                    .file(".gitattributes", "*.txt text eol=crlf\n");
            })
            .tag("v0.1.0")
            .annotated_tag("v0.2.0", "annotated\n")
            .branch("side")
            .commit(|c| {
                c.remove("x.sh");
            })
            .checkout("orphan")
            .commit(|c| {
                c.clear().file("only", "x");
            })
            .raw_ref("refs/tags/--foo", Target::Commit(0))
            .raw_ref("refs/tags/tree", Target::TreeOf(0))
            .annotated_tag_to("blobtag", Target::Blob(b"blob\n".to_vec()), "to a blob")
            .head("side")
            .build()
            .expect("build")
    };
    let a = build(server.root());
    let b = build(other.path());
    assert_eq!(a.commits, b.commits, "same calls, same commit ids");
    assert_eq!(a.commits.len(), 3);
    let tree =
        String::from_utf8(a.git(&["ls-tree", "-r", "v0.1.0"]).expect("ls-tree")).expect("utf8");
    for want in [
        "100644 blob",
        "100755 blob",
        "120000 blob",
        "\tdir/with space",
        "\t.gitattributes",
    ] {
        assert!(tree.contains(want), "{want:?} not in\n{tree}");
    }
    let side =
        String::from_utf8(a.git(&["ls-tree", "--name-only", "side"]).expect("ls")).expect("utf8");
    assert!(!side.contains("x.sh"), "{side}");
    let orphan = a.git(&["rev-list", "--count", "orphan"]).expect("rev-list");
    assert_eq!(String::from_utf8_lossy(&orphan).trim(), "1");
    let head = a.git(&["symbolic-ref", "HEAD"]).expect("HEAD");
    assert_eq!(String::from_utf8_lossy(&head).trim(), "refs/heads/side");
    let kind = |rev: &str| {
        let out = a.git(&["cat-file", "-t", rev]).expect("cat-file");
        String::from_utf8_lossy(&out).trim().to_string()
    };
    assert_eq!(kind("refs/tags/v0.2.0"), "tag");
    assert_eq!(kind("refs/tags/--foo"), "commit");
    assert_eq!(kind("refs/tags/tree"), "tree");
    assert_eq!(kind("refs/tags/blobtag"), "tag");
    assert_eq!(kind("refs/tags/blobtag^{}"), "blob");
    let time = a
        .git(&["log", "-1", "--format=%at %ct", "v0.1.0"])
        .expect("log");
    assert_eq!(
        String::from_utf8_lossy(&time).trim(),
        format!("{BASE_TIME} {BASE_TIME}")
    );
}

#[test]
fn git_clones_through_the_proxy() {
    let test = "gitserver::git_clones_through_the_proxy";
    let Some(server) = server(test) else { return };
    let repo = owner_repo(&server);
    let work = tempfile::tempdir().expect("tempdir");
    for url in [
        "https://git.gomodfetch.test/owner/repo",
        "https://git.gomodfetch.test/owner/repo.git",
        "https://other.gomodfetch.test/owner/repo",
        "http://git.gomodfetch.test/owner/repo",
    ] {
        let out = Command::new("git")
            .current_dir(work.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", work.path())
            .envs(server.env())
            .args(["ls-remote", url])
            .output()
            .expect("git ls-remote");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{url}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains(&format!("{}\trefs/tags/v1.0.0", repo.commit(0))),
            "{url}: {stdout}"
        );
    }
    let log = server.log();
    assert!(
        log.iter()
            .any(|r| r.scheme == "https" && r.path == "/owner/repo.git/info/refs"),
        "{log:#?}"
    );
    assert!(
        log.iter()
            .any(|r| r.scheme == "http" && r.path == "/owner/repo/info/refs" && r.status == 200),
        "{log:#?}"
    );
    support::note(
        test,
        &format!("{} site requests for 4 ls-remote", log.len()),
    );
}

#[test]
fn proxy_refuses_other_hosts() {
    let test = "gitserver::proxy_refuses_other_hosts";
    let Some(server) = server(test) else { return };
    let addr = server.proxy_url().trim_start_matches("http://").to_string();
    for req in [
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
        "CONNECT git.gomodfetch.test:22 HTTP/1.1\r\nHost: git.gomodfetch.test:22\r\n\r\n",
        "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
        "GET http://gomodfetch.test.example.com/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /owner/repo HTTP/1.1\r\nHost: git.gomodfetch.test\r\nConnection: close\r\n\r\n",
    ] {
        let mut s = std::net::TcpStream::connect(&addr).expect("connect");
        s.write_all(req.as_bytes()).expect("write");
        let mut buf = [0u8; 12];
        s.read_exact(&mut buf).expect("read");
        assert_eq!(&buf, b"HTTP/1.1 403", "{req:?}");
    }
    let log = server.proxy_log();
    assert_eq!(log.len(), 5);
    assert!(log.iter().all(|r| !r.allowed), "{log:#?}");
    assert!(server.log().is_empty());

    // And go, asked for a module elsewhere, gets nowhere.
    let Some(go) = support::go(test) else { return };
    let mut sb = support::sandbox();
    server.apply_env(&mut sb);
    let run = go
        .mod_download(
            &sb,
            sb.work_dir(),
            &["-json"],
            ["example.com/nothing@v1.0.0"],
        )
        .expect("go");
    assert!(!run.success(), "{run}");
    let log = server.proxy_log();
    assert!(
        log.iter()
            .any(|r| r.target.starts_with("example.com") && !r.allowed),
        "{log:#?}"
    );
    support::note(test, &format!("go refused: {}", run.stdout_text().trim()));
}

#[test]
fn go_downloads_tags_subdirs_and_branches() {
    let test = "gitserver::go_downloads_tags_subdirs_and_branches";
    let Some((go, server, sb)) = go_and_server(test) else {
        return;
    };
    let repo = owner_repo(&server);
    let dir = sb.work_dir();

    let run = go
        .mod_download(
            &sb,
            &dir,
            &["-json"],
            ["git.gomodfetch.test/owner/repo@v1.0.0"],
        )
        .expect("go");
    ok(&run);
    let rec = &run.download_records().expect("json")[0];
    assert_eq!(rec.version.as_deref(), Some("v1.0.0"), "{run}");
    let first = server.log();
    assert!(
        first
            .iter()
            .any(|r| r.is_go_get() && r.path == "/owner/repo" && r.scheme == "https"),
        "{first:#?}"
    );
    assert!(
        first
            .iter()
            .any(|r| r.path == "/owner/repo/info/refs" && r.query == "service=git-upload-pack"),
        "{first:#?}"
    );
    assert!(
        first
            .iter()
            .any(|r| r.method == "POST" && r.path == "/owner/repo/git-upload-pack"),
        "{first:#?}"
    );
    assert!(
        server
            .proxy_log()
            .iter()
            .any(|r| r.method == "CONNECT" && r.target == "git.gomodfetch.test:443" && r.allowed)
    );

    let run = go
        .mod_download(
            &sb,
            &dir,
            &["-json"],
            ["git.gomodfetch.test/owner/repo/sub@v1.0.0"],
        )
        .expect("go");
    ok(&run);
    assert_eq!(
        run.download_records().expect("json")[0].version.as_deref(),
        Some("v1.0.0")
    );

    let run = go
        .list_m(
            &sb,
            &dir,
            &["-versions"],
            ["git.gomodfetch.test/owner/repo"],
        )
        .expect("go");
    ok(&run);
    assert_eq!(
        run.stdout_text().trim(),
        "git.gomodfetch.test/owner/repo v1.0.0 v1.1.0"
    );

    let run = go
        .mod_download(
            &sb,
            &dir,
            &["-json"],
            ["git.gomodfetch.test/owner/repo@dev"],
        )
        .expect("go");
    ok(&run);
    let dev = repo.rev_parse("dev").expect("dev");
    assert_eq!(dev, repo.commit(4));
    let want = format!("v1.1.1-0.20200101040000-{}", &dev[..12]);
    assert_eq!(
        run.download_records().expect("json")[0].version.as_deref(),
        Some(want.as_str())
    );

    let log = server.log();
    let go_gets = log.iter().filter(|r| r.is_go_get()).count();
    let git = log.len() - go_gets;
    let connects = server.proxy_log().len();
    support::note(
        test,
        &format!(
            "4 go commands: {go_gets} go-get requests, {git} git requests, {connects} proxy requests"
        ),
    );
}

#[test]
fn go_follows_custom_meta_tags() {
    let test = "gitserver::go_follows_custom_meta_tags";
    let Some((go, server, mut sb)) = go_and_server(test) else {
        return;
    };
    RepoBuilder::new(server.root(), "mono")
        .commit(|c| {
            c.file("go.mod", "module vanity.gomodfetch.test/v\n")
                .file("v.go", "package v\n")
                .file("inner/go.mod", "module vanity.gomodfetch.test/in\n")
                .file("inner/in.go", "package in\n");
        })
        .tag("v0.3.0")
        .tag("inner/v0.4.0")
        .build()
        .expect("build");
    server.set_meta(
        "vanity.gomodfetch.test/v",
        MetaReply::imports(&[GoImport::new(
            "vanity.gomodfetch.test/v",
            "git",
            "https://git.gomodfetch.test/mono",
        )]),
    );
    server.set_meta(
        "vanity.gomodfetch.test/in",
        MetaReply::imports(&[GoImport::new(
            "vanity.gomodfetch.test/in",
            "git",
            "https://git.gomodfetch.test/mono",
        )
        .subdir("inner")]),
    );
    let dir = sb.work_dir();
    let run = go
        .mod_download(&sb, &dir, &["-json"], ["vanity.gomodfetch.test/v@v0.3.0"])
        .expect("go");
    ok(&run);
    let run = go
        .mod_download(&sb, &dir, &["-json"], ["vanity.gomodfetch.test/in@v0.4.0"])
        .expect("go");
    ok(&run);

    // A status override: discovery fails with go's message for it.
    server.set_meta(
        "vanity.gomodfetch.test/gone",
        MetaReply::html(500, "<html>broken</html>"),
    );
    let run = go
        .mod_download(
            &sb,
            &dir,
            &["-json"],
            ["vanity.gomodfetch.test/gone@v1.0.0"],
        )
        .expect("go");
    assert!(!run.success(), "{run}");
    support::note(test, &format!("500 page: {}", run.stdout_text().trim()));

    // A secure meta page may name an http:// git URL: module mode does not object.
    vanity_module(
        &server,
        "plain/r",
        "plainurl.gomodfetch.test/r",
        "http://git.gomodfetch.test/plain/r",
    );
    let run = go
        .mod_download(&sb, &dir, &["-json"], ["plainurl.gomodfetch.test/r@v1.0.0"])
        .expect("go");
    ok(&run);
    let log = server.log();
    assert!(
        log.iter()
            .any(|r| r.scheme == "http" && r.path == "/plain/r/info/refs"),
        "{log:#?}"
    );

    // A host without HTTPS: discovery over http only with GOINSECURE.
    vanity_module(
        &server,
        "insecure/r",
        "insecure.gomodfetch.test/r",
        "http://insecure.gomodfetch.test/insecure/r",
    );
    server.refuse_tls("insecure.gomodfetch.test");
    let run = go
        .mod_download(&sb, &dir, &["-json"], ["insecure.gomodfetch.test/r@v1.0.0"])
        .expect("go");
    assert!(!run.success(), "no https, no GOINSECURE: {run}");
    support::note(
        test,
        &format!("without GOINSECURE: {}", run.stdout_text().trim()),
    );
    sb.goinsecure("insecure.gomodfetch.test");
    server.clear_log();
    let run = go
        .mod_download(&sb, &dir, &["-json"], ["insecure.gomodfetch.test/r@v1.0.0"])
        .expect("go");
    ok(&run);
    let log = server.log();
    assert!(
        log.iter()
            .any(|r| r.scheme == "http" && r.is_go_get() && r.host == "insecure.gomodfetch.test"),
        "{log:#?}"
    );
    assert!(
        server
            .proxy_log()
            .iter()
            .any(|r| r.target == "insecure.gomodfetch.test:443" && !r.allowed),
        "{:#?}",
        server.proxy_log()
    );
}
