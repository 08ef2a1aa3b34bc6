//! Direct mode end to end, `go mod download` against `gomodfetch download`, both with
//! `GOPROXY=direct`, over repositories built here with the real git and reached from
//! disk: `.git` module paths need no discovery, and a `url.<file>.insteadOf` rule in
//! the sandbox's git config (which git, libgit2 and so both tools honour) turns
//! `https://example.com/…` into the local repositories.
//!
//! For each query, in fresh sandboxes: the same exit code, `-json` output and stderr
//! (paths normalised), and the same module cache outside `cache/vcs` (the bare
//! repositories hold the same refs but not the same object packs): `.info` (with its
//! Origin), `.mod`, `.ziphash`, the extracted tree, lock files. The `.zip` bytes are
//! not compared: go deflates with compress/flate, we with zlib-rs; the `.ziphash`
//! (h1 of names and contents) is.

use crate::download_diff::{GOMODFETCH, same_output, same_snapshots};
use crate::support::{self, Tally};
use crate::vcs_git::git;
use gomodfetch::testkit::gocmd::{Go, Run, Sandbox};
use gomodfetch::testkit::tree::SnapshotOptions;
use std::path::Path;

const TEST: &str = "vcs_direct_diff";

/// One commit: files to write (path, content; `@link:` content makes a symlink), git
/// commands to run before committing (e.g. `update-index` for a gitlink), then tags
/// (`git tag` arguments split at spaces; `-a` first: annotated).
pub struct Step<'a> {
    pub files: &'a [(&'a str, &'a str)],
    pub git: &'a [&'a [&'a str]],
    pub tags: &'a [&'a str],
}

impl<'a> Step<'a> {
    pub const fn new(files: &'a [(&'a str, &'a str)], tags: &'a [&'a str]) -> Step<'a> {
        Step {
            files,
            git: &[],
            tags,
        }
    }
}

/// Builds `<repos>/<name>.git` (bare) from `steps` on branch `main`.
pub fn repo(repos: &Path, name: &str, steps: &[Step<'_>]) {
    let w = repos.join(format!("{name}-src"));
    std::fs::create_dir_all(&w).unwrap();
    git(&w, &["init", "-q", "-b", "main"], 0);
    let mut t = 1_650_000_000;
    for (i, s) in steps.iter().enumerate() {
        for (p, c) in s.files {
            let f = w.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            let _ = std::fs::remove_file(&f);
            match c.strip_prefix("@link:") {
                Some(target) => std::os::unix::fs::symlink(target, &f).unwrap(),
                None => std::fs::write(&f, c).unwrap(),
            }
        }
        for args in s.git {
            git(&w, args, t);
        }
        git(&w, &["add", "-A"], t);
        git(
            &w,
            &["commit", "-q", "--allow-empty", "-m", &format!("c{i}")],
            t,
        );
        for tag in s.tags {
            let mut args = vec!["tag"];
            if let Some(a) = tag.strip_prefix("-a ") {
                args.extend(["-a", "-m", "release"]);
                args.extend(a.split(' '));
            } else {
                args.extend(tag.split(' '));
            }
            git(&w, &args, t);
        }
        t += 86_400;
    }
    git(
        repos,
        &[
            "clone",
            "-q",
            "--bare",
            &format!("{name}-src"),
            &format!("{name}.git"),
        ],
        t,
    );
}

fn build_all(repos: &Path) {
    let gomod = |p: &str| format!("module {p}\n\ngo 1.20\n");
    let r1 = gomod("example.com/r1.git");
    repo(
        repos,
        "r1",
        &[
            Step::new(&[("go.mod", &r1), ("a.go", "package a\n")], &["v1.0.0"]),
            Step::new(&[("b.go", "package a\n")], &["-a v1.1.0"]),
            Step::new(&[("c.go", "package a\n")], &[]),
        ],
    );
    let sub = gomod("example.com/r2.git/sub");
    repo(
        repos,
        "r2",
        &[Step::new(
            &[
                ("LICENSE", "license text\n"),
                ("sub/go.mod", &sub),
                ("sub/s.go", "package s\n"),
            ],
            &["sub/v0.1.0"],
        )],
    );
    let (r3, r3v2) = (gomod("example.com/r3.git"), gomod("example.com/r3.git/v2"));
    repo(
        repos,
        "r3",
        &[
            Step::new(&[("go.mod", &r3), ("x.go", "package x\n")], &["v1.0.0"]),
            Step::new(
                &[("v2/go.mod", &r3v2), ("v2/x.go", "package x\n")],
                &["v2.0.0"],
            ),
        ],
    );
    repo(
        repos,
        "r4",
        &[
            Step::new(&[("x.go", "package x\n")], &["v1.0.0"]),
            Step::new(&[("y.go", "package x\n")], &["v2.0.0"]),
        ],
    );
    let r5 = gomod("example.com/r5.git");
    repo(
        repos,
        "r5",
        &[Step::new(
            &[
                ("go.mod", &r5),
                (".gitattributes", "*.txt eol=crlf\n"),
                ("notes.txt", "one\ntwo\n"),
                ("dos.go", "package x\r\n"),
                ("link", "@link:notes.txt"),
                ("vendor/modules.txt", "# v\n"),
                ("vendor/example.com/v/v.go", "package v\n"),
                ("inner/go.mod", "module example.com/r5.git/inner\n"),
                ("inner/i.go", "package inner\n"),
            ],
            &["v1.0.0"],
        )],
    );
}

/// Both runs did the same: output, and the module cache outside `cache/vcs` and the
/// zip bytes (go deflates with compress/flate, we with zlib-rs; the issue asks for
/// equal h1, i.e. `.ziphash`).
pub fn same_direct(gsb: &Sandbox, g: &Run, osb: &Sandbox, o: &Run) -> Result<(), String> {
    same_output(gsb, g, osb, o)?;
    let opts = SnapshotOptions::default()
        .ignore("cache/vcs")
        .ignore("cache/download/**/*.zip");
    let gs = gsb.cache_snapshot(&opts).map_err(|e| e.to_string())?;
    let os = osb.cache_snapshot(&opts).map_err(|e| e.to_string())?;
    same_snapshots(&gs, &os, ("go", "ours"))
}

/// A sandbox whose git reaches `https://example.com/<name>` as `<repos>/<name>`.
pub fn sandbox(repos: &Path) -> Sandbox {
    let mut sb = support::sandbox();
    sb.modcacherw(false)
        .goproxy("direct")
        .set("GIT_CONFIG_NOSYSTEM", "1");
    let gitconfig = format!(
        "[url \"file://{}/\"]\n\tinsteadOf = https://example.com/\n",
        repos.display()
    );
    std::fs::write(sb.home().join(".gitconfig"), gitconfig).expect("gitconfig");
    sb
}

#[test]
fn direct_mode_matches_go() {
    compare(
        "vcs_direct_diff/queries",
        &[
            "example.com/r1.git@v1.0.0",
            "example.com/r1.git@v1.1.0",
            "example.com/r1.git@main",
            "example.com/r2.git/sub@v0.1.0",
            "example.com/r3.git@v1.0.0",
            "example.com/r3.git/v2@v2.0.0",
            "example.com/r4.git@v1.0.0",
            "example.com/r4.git@v2.0.0+incompatible",
            "example.com/r5.git@v1.0.0",
        ],
    );
}

/// The `Origin` of a `-json` record: for a query that chooses among listed versions,
/// the list's (TagSum) merged into the chosen version's; for an unknown revision, the
/// repository's refs (RepoSum); for no matching version, the list's.
#[test]
fn direct_mode_origins_match_go() {
    compare(
        "vcs_direct_diff/origins",
        &[
            "example.com/r1.git@latest",
            "example.com/r1.git@nosuch",
            "example.com/r1.git@v1.2.0",
            "example.com/r1.git@v1.9",
            "example.com/r1.git@<v1.1.0",
            "example.com/r2.git/sub@latest",
        ],
    );
}

fn compare(label: &str, queries: &[&str]) {
    let Some(go) = support::go(TEST) else { return };
    let repos = tempfile::tempdir().unwrap();
    build_all(repos.path());
    let mut t = Tally::new(label);
    for &q in queries {
        let (gsb, osb) = (sandbox(repos.path()), sandbox(repos.path()));
        t.check(q, || download_both(&go, &gsb, &osb, q));
    }
    t.finish();
}

/// `go mod download -json <q>` in `gsb` and `gomodfetch download -json <q>` in `osb`,
/// compared with [`same_direct`].
pub fn download_both(go: &Go, gsb: &Sandbox, osb: &Sandbox, q: &str) -> Result<(), String> {
    let args = ["mod", "download", "-json", q];
    let g = go
        .run(gsb, gsb.work_dir(), args)
        .map_err(|e| e.to_string())?;
    let o = osb
        .run(GOMODFETCH, osb.work_dir(), &args[1..])
        .map_err(|e| e.to_string())?;
    same_direct(gsb, &g, osb, &o)
}
