//! The git code host (`gomodfetch::vcs::codehost::git`) against repositories built
//! with the real `git` and reached over `file://` (libgit2's local transport, so no
//! server is needed): what it answers is compared with what the real git reports for
//! the same question (`git log --format=%H %ct %D`, `git cat-file`, `git merge-base
//! --is-ancestor`, `git for-each-ref --merged`), and the work directory it leaves is
//! one the real git (and so go) can use.

use gomodfetch::store::lockedfile::Locker;
use gomodfetch::vcs::codehost::git::GitRepo;
use gomodfetch::vcs::codehost::{CodeHost, cancel};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{self, Tally};

const TEST: &str = "vcs_git";

/// The real git in `dir`, deterministic (fixed identities and dates, no system
/// config, HOME = `dir`); its trimmed stdout.
pub fn git(dir: &Path, args: &[&str], date: i64) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "A")
        .env("GIT_AUTHOR_EMAIL", "a@example.com")
        .env("GIT_COMMITTER_NAME", "C")
        .env("GIT_COMMITTER_EMAIL", "c@example.com")
        .env("GIT_AUTHOR_DATE", format!("@{date} +0000"))
        .env("GIT_COMMITTER_DATE", format!("@{date} +0000"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("running git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A repository: main with three commits (v1.0.0 lightweight on the first, v1.1.0
/// annotated on the second, a pseudo-looking and a non-semver tag), a branch `dev`
/// with one more commit tagged `sub/v0.1.0`; returns (work tree, bare clone URL).
fn build(root: &Path) -> (PathBuf, String) {
    let w = root.join("src");
    std::fs::create_dir_all(&w).unwrap();
    git(&w, &["init", "-q", "-b", "main"], 0);
    let mut t = 1_600_000_000;
    for (i, tag) in ["v1.0.0", "v1.1.0", ""].iter().enumerate() {
        std::fs::write(w.join("go.mod"), format!("module example.com/m\n// {i}\n")).unwrap();
        std::fs::write(w.join(format!("f{i}.txt")), format!("{i}\n")).unwrap();
        git(&w, &["add", "-A"], t);
        git(&w, &["commit", "-q", "-m", &format!("c{i}")], t);
        match i {
            0 => git(&w, &["tag", tag], t),
            1 => git(&w, &["tag", "-a", "-m", "release", tag], t),
            _ => git(&w, &["tag", "notsemver"], t),
        };
        t += 3600;
    }
    git(&w, &["checkout", "-q", "-b", "dev"], t);
    std::fs::create_dir_all(w.join("sub")).unwrap();
    std::fs::write(w.join("sub/go.mod"), "module example.com/m/sub\n").unwrap();
    git(&w, &["add", "-A"], t);
    git(&w, &["commit", "-q", "-m", "dev"], t);
    git(&w, &["tag", "sub/v0.1.0"], t);
    git(&w, &["checkout", "-q", "main"], t);
    let bare = root.join("repo.git");
    git(root, &["clone", "-q", "--bare", "src", "repo.git"], t);
    (w, format!("file://{}", bare.display()))
}

/// What the real git says about `rev`: (hash, committer time, tags on it).
fn git_stat(w: &Path, rev: &str) -> (String, i64, Vec<String>) {
    let out = git(
        w,
        &[
            "log",
            "--no-decorate",
            "-n1",
            "--format=format:%H %ct %D",
            rev,
            "--",
        ],
        0,
    );
    let f: Vec<&str> = out.split_whitespace().collect();
    let mut tags = Vec::new();
    for (i, tok) in f.iter().enumerate() {
        if *tok == "tag:"
            && let Some(t) = f.get(i + 1)
        {
            tags.push(t.trim_end_matches(',').to_string());
        }
    }
    tags.sort();
    (f[0].to_string(), f[1].parse().unwrap(), tags)
}

#[test]
fn git_code_host_matches_real_git() {
    if Command::new("git").arg("--version").output().is_err() {
        support::skip(TEST, "no git");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (w, url) = build(t.path());
    let cache = t.path().join("modcache");
    let repo = GitRepo::open(&cache, &url, Locker::wait_forever()).expect("open");
    let mut tally = Tally::new("vcs_git/stat vs git log");
    let short = &git(&w, &["rev-parse", "main~1"], 0)[..9];
    for rev in [
        "v1.0.0",
        "v1.1.0",
        "main",
        "dev",
        "HEAD",
        "sub/v0.1.0",
        "notsemver",
        short,
    ] {
        tally.check(rev, || {
            let got = repo.stat(rev).map_err(|e| e.to_string())?;
            let (hash, time, tags) = git_stat(&w, rev);
            if got.name != hash || got.time != time || got.tags != tags || got.short != hash[..12] {
                return Err(format!(
                    "ours {} {} {:?}, git {hash} {time} {tags:?}",
                    got.name, got.time, got.tags
                ));
            }
            Ok(())
        });
    }
    tally.check("unknown revision", || match repo.stat("nosuch") {
        Err(e) if e.is_not_exist() && e.to_string() == "unknown revision nosuch" => Ok(()),
        other => Err(format!("{other:?}")),
    });
    tally.check("tags", || {
        let tags = repo.tags("v").map_err(|e| e.to_string())?;
        let names: Vec<&str> = tags.list.iter().map(|t| t.name.as_str()).collect();
        (names == ["v1.0.0", "v1.1.0"] && tags.origin.tag_sum.starts_with("t1:"))
            .then_some(())
            .ok_or(format!("{tags:?}"))
    });
    tally.check("read_file", || {
        let rev = git(&w, &["rev-parse", "v1.1.0^{commit}"], 0);
        let got = repo
            .read_file(&rev, "go.mod", 1 << 20)
            .map_err(|e| e.to_string())?;
        let want = git(&w, &["cat-file", "blob", &format!("{rev}:go.mod")], 0);
        if String::from_utf8_lossy(&got).trim() != want {
            return Err("content differs".into());
        }
        match repo.read_file(&rev, "nope", 1 << 20) {
            Err(e) if e.is_not_exist() => Ok(()),
            other => Err(format!("missing file: {other:?}")),
        }
    });
    tally.check("recent_tag", || {
        let head = git(&w, &["rev-parse", "main"], 0);
        let got = repo
            .recent_tag(&head, "", &|_| true)
            .map_err(|e| e.to_string())?;
        let no_11 = repo
            .recent_tag(&head, "", &|t| t != "v1.1.0")
            .map_err(|e| e.to_string())?;
        (got == "v1.1.0" && no_11 == "v1.0.0")
            .then_some(())
            .ok_or(format!("{got} {no_11}"))
    });
    tally.check("descends_from", || {
        let dev = git(&w, &["rev-parse", "dev"], 0);
        let v1 = git(&w, &["rev-parse", "v1.0.0"], 0);
        let a = repo
            .descends_from(&dev, "v1.1.0")
            .map_err(|e| e.to_string())?;
        let b = repo
            .descends_from(&v1, "v1.1.0")
            .map_err(|e| e.to_string())?;
        (a && !b).then_some(()).ok_or(format!("{a} {b}"))
    });
    tally.check("latest", || {
        let l = repo.latest().map_err(|e| e.to_string())?;
        let (hash, ..) = git_stat(&w, "main");
        (l.name == hash).then_some(()).ok_or(l.name)
    });
    // The work directory is an ordinary bare repository the real git can read.
    tally.check("work dir usable by git", || {
        let dir = repo.dir();
        let info = std::fs::read_to_string(format!("{}.info", dir.display()))
            .map_err(|e| e.to_string())?;
        if info != format!("git3:{url}") {
            return Err(info);
        }
        let out = Command::new("git")
            .env("GIT_DIR", dir)
            .args(["for-each-ref", "--format=%(refname)"])
            .output()
            .map_err(|e| e.to_string())?;
        let refs = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.success() && refs.contains("refs/tags/v1.0.0"))
            .then_some(())
            .ok_or(refs)
    });
    // A second process (a new GitRepo) reuses the directory.
    tally.check("reopen", || {
        let again =
            GitRepo::open(&cache, &url, Locker::wait_forever()).map_err(|e| e.to_string())?;
        (again.dir() == repo.dir() && again.stat("v1.0.0").is_ok())
            .then_some(())
            .ok_or("not reused".into())
    });
    tally.finish();
}

/// A fetch whose caller gave up stops at its next transfer callback with a clear
/// error, and the work directory stays usable: the same question answered later
/// (nothing cached from the cancelled attempt) succeeds.
#[test]
fn cancelled_fetch_stops_and_leaves_a_usable_repository() {
    if Command::new("git").arg("--version").output().is_err() {
        support::skip(TEST, "no git");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (_, url) = build(t.path());
    let cache = t.path().join("modcache");
    let repo = GitRepo::open(&cache, &url, Locker::wait_forever()).expect("open");
    let canceller = cancel::Canceller::new();
    let flag = canceller.flag();
    drop(canceller);
    let err = cancel::run_with(flag, || repo.stat("v1.1.0")).expect_err("cancelled");
    assert!(
        err.to_string().contains("cancelled"),
        "error names the cancellation: {err}"
    );
    let info = repo.stat("v1.1.0").expect("a later stat fetches");
    assert_eq!(info.version, "v1.1.0");
}
