//! `vcs::archive::export_tree` against the real `git archive` with go's flags: repos
//! built with libgit2 (so every blob is stored byte-exact, CRLF included), exported by
//! both, compared entry by entry (names, order, kind, bytes). Generated cases come from
//! fixed seeds; hand-written ones cover the attribute-file edge cases.

use super::support::{self, Tally};
use gomodfetch::vcs::archive::{ArchiveError, export_tree};
use gomodfetch::vcs::codehost::{ArchiveFile, FileKind};
use std::io::Read;
use std::path::Path;
use std::process::Command;

/// One tree entry to build.
#[derive(Debug, Clone)]
pub enum Node {
    File { mode: i32, data: Vec<u8> },
    Gitlink,
}

/// Builds a bare repository at `dir` with one commit holding `entries` (paths with
/// `/`), `info_extra` before go's line in info/attributes; returns the commit.
pub fn build_repo(
    dir: &Path,
    entries: &[(String, Node)],
    info_extra: &str,
) -> (git2::Repository, git2::Oid) {
    let repo = git2::Repository::init_bare(dir).expect("init");
    let root = build_tree(&repo, entries, "");
    let sig = git2::Signature::new("a", "a@example.com", &git2::Time::new(1_700_000_000, 0))
        .expect("sig");
    let tree = repo.find_tree(root).expect("tree");
    let commit = repo
        .commit(None, &sig, &sig, "m", &tree, &[])
        .expect("commit");
    drop(tree);
    std::fs::create_dir_all(dir.join("info")).expect("info");
    std::fs::write(
        dir.join("info/attributes"),
        format!("{info_extra}\n* -export-subst -export-ignore\n"),
    )
    .expect("attributes");
    (repo, commit)
}

fn build_tree(repo: &git2::Repository, entries: &[(String, Node)], dir: &str) -> git2::Oid {
    let mut tb = repo.treebuilder(None).expect("treebuilder");
    let mut subdirs: Vec<String> = Vec::new();
    for (path, node) in entries {
        let Some(rest) = path.strip_prefix(dir) else {
            continue;
        };
        match rest.split_once('/') {
            Some((d, _)) => {
                if !subdirs.iter().any(|s| s == d) {
                    subdirs.push(d.to_string());
                }
            }
            None => match node {
                Node::File { mode, data } => {
                    let oid = repo.blob(data).expect("blob");
                    tb.insert(rest, oid, *mode).expect("insert");
                }
                Node::Gitlink => {
                    let oid = git2::Oid::from_str("1234567890123456789012345678901234567890")
                        .expect("oid");
                    tb.insert(rest, oid, 0o160000).expect("insert gitlink");
                }
            },
        }
    }
    for d in subdirs {
        let sub = build_tree(repo, entries, &format!("{dir}{d}/"));
        tb.insert(&d, sub, 0o040000).expect("insert dir");
    }
    tb.write().expect("write tree")
}

/// What the real git archive emits: `Ok(files)` or `Err(stderr)`.
pub fn git_archive(
    dir: &Path,
    commit: git2::Oid,
    subdir: &str,
) -> Result<Vec<ArchiveFile>, String> {
    let home = tempfile::TempDir::new().expect("home");
    let mut cmd = Command::new("git");
    cmd.env("GIT_DIR", dir)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_CONFIG_GLOBAL")
        .args([
            "-c",
            "core.autocrlf=input",
            "-c",
            "core.eol=lf",
            "archive",
            "--format=zip",
            "--prefix=prefix/",
        ])
        .arg(commit.to_string());
    if !subdir.is_empty() {
        cmd.arg("--").arg(subdir);
    }
    let out = cmd.output().expect("run git");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(out.stdout)).expect("git's zip");
    let mut files = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("entry");
        let name = String::from_utf8_lossy(f.name_raw()).into_owned();
        let Some(name) = name.strip_prefix("prefix/") else {
            panic!("entry {name} outside prefix/");
        };
        if name.is_empty() || name.ends_with('/') {
            continue;
        }
        let mode = f.unix_mode().unwrap_or(0);
        let kind = if mode & 0o170000 == 0o120000 {
            FileKind::Symlink
        } else if mode & 0o111 != 0 {
            FileKind::Executable
        } else {
            FileKind::Regular
        };
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("read entry");
        files.push(ArchiveFile {
            path: name.to_string(),
            kind,
            data,
        });
    }
    Ok(files)
}

/// Ours against git's for one repository and subdir; git's files (`None` when the
/// subdir does not exist).
pub fn compare(
    dir: &Path,
    repo: &git2::Repository,
    commit: git2::Oid,
    subdir: &str,
) -> Result<Option<Vec<ArchiveFile>>, String> {
    let ours = export_tree(repo, commit, subdir);
    let theirs = git_archive(dir, commit, subdir);
    match (ours, theirs) {
        (Ok(a), Ok(b)) => {
            if a == b {
                return Ok(Some(b));
            }
            let an: Vec<_> = a.iter().map(|f| &f.path).collect();
            let bn: Vec<_> = b.iter().map(|f| &f.path).collect();
            if an != bn {
                return Err(format!("names differ:\n ours {an:?}\n git  {bn:?}"));
            }
            for (x, y) in a.iter().zip(&b) {
                if x != y {
                    return Err(format!(
                        "{}: ours {:?} {:?}, git {:?} {:?}",
                        x.path,
                        x.kind,
                        String::from_utf8_lossy(&x.data),
                        y.kind,
                        String::from_utf8_lossy(&y.data)
                    ));
                }
            }
            Err("differ".into())
        }
        (Err(e @ ArchiveError::NotExist { .. }), Err(stderr))
            if stderr.contains("did not match any files") =>
        {
            let _ = e;
            Ok(None)
        }
        (a, b) => Err(format!(
            "ours {:?}, git {:?}",
            a.map(|v| v.len()),
            b.map(|v| v.len())
        )),
    }
}

fn git_available(test: &str) -> bool {
    let ok = Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        support::skip(test, "git not installed");
    }
    ok
}

pub const CONTENTS: &[&[u8]] = &[
    b"",
    b"a\nb\n",
    b"a\r\nb\r\n",
    b"a\r\nb\nc",
    b"a\rb\n",
    b"one line no eol",
    b"\n",
    b"\r\n",
    b"x\0y\nz\n",
    b"$Id$\nline\n",
    b"head $Id: old stuff $ tail\n",
    b"$Id: a b $\n$Id$\r\n",
    b"$Id:\n$ $Id$",
    b"$Id",
    b"text\x1a",
    b"\x01\x02\x03\n\x04\x05\n",
    b"caf\xc3\xa9\nna\xefve\n",
    b"tab\tand\x1b esc\n\x0c",
    b"\xff\xfe\x00\x00binary\n",
    b"mixed\r\nlf\nlone\rcr\n",
];

pub const NAMES: &[&str] = &[
    "x.txt",
    "y.TXT",
    "m.c",
    "m.h",
    "main.go",
    "data.bin",
    "Makefile",
    "sp ace.txt",
    "ü.txt",
    "deep.m",
    "noext",
    ".hidden",
    "z.lfs",
    "LICENSE",
    "go.mod",
    "e.crlf",
];

const DIRS: &[&str] = &["", "", "", "a/", "a/b/", "c/", "a/deep/", "ü/", "sub/"];

pub const ATTR_LINES: &[&str] = &[
    "* text=auto",
    "*.txt text",
    "*.txt -text",
    "*.bin binary",
    "*.txt eol=crlf",
    "*.c eol=lf",
    "*.c text eol=crlf",
    "* text=auto eol=crlf",
    "*.txt crlf",
    "*.txt -crlf",
    "*.txt crlf=input",
    "* ident",
    "*.go ident eol=crlf",
    "a/** eol=crlf",
    "/x.txt eol=crlf",
    "b/*.txt text eol=crlf",
    "*.m foo",
    "*.txt !eol",
    "*.txt text=input eol=crlf",
    "\"sp ace.txt\" eol=crlf",
    "*.TXT eol=crlf",
    "**/deep/* eol=crlf",
    "*.[ch] eol=crlf",
    "-bad text",
    "*.txt -text=foo eol=crlf",
    "# *.txt eol=crlf",
    "*.txt\teol=crlf ident",
    "*.txt eol=crlf\r",
    "!*.txt eol=crlf",
    "a/ eol=crlf",
    "*.bin -binary eol=crlf",
    "* binary",
    "*.lfs filter=lfs diff=lfs merge=lfs -text",
    "*.txt working-tree-encoding=UTF-8",
    "noext text=auto eol=crlf",
    "* -text",
    "*.h crlf eol=crlf",
    "*.h -crlf eol=crlf",
    "[attr]foo text eol=crlf",
    "[attr]bar -text ident",
    "*.crlf bar",
    "*.crlf foo",
    "* eol=crlf",
    "*.go text=auto",
    "?.c ident eol=crlf",
    "[!x].txt eol=crlf",
    "*/*.txt eol=crlf",
    "a/**/*.m eol=crlf",
    "**/*.bin text",
    "ü.txt eol=crlf",
    "*.txt text=bogus eol=crlf",
    "*.txt eol=bogus text",
    "LICENSE ident",
];

pub fn pick<T: Copy>(rng: &mut fastrand::Rng, xs: &[T]) -> T {
    xs[rng.usize(..xs.len())]
}

fn gen_case(seed: u64) -> (Vec<(String, Node)>, String, String) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut entries: Vec<(String, Node)> = Vec::new();
    let n = rng.usize(1..14);
    for _ in 0..n {
        let path = format!("{}{}", pick(&mut rng, DIRS), pick(&mut rng, NAMES));
        if entries
            .iter()
            .any(|(p, _)| p == &path || p.starts_with(&format!("{path}/")))
        {
            continue;
        }
        let node = match rng.u8(..20) {
            0 => Node::Gitlink,
            1 | 2 => Node::File {
                mode: 0o120000,
                data: pick(&mut rng, &["x.txt", "../a", "/etc/passwd", "a/b"])
                    .as_bytes()
                    .to_vec(),
            },
            3 | 4 => Node::File {
                mode: 0o100755,
                data: pick(&mut rng, CONTENTS).to_vec(),
            },
            _ => {
                let mut data = pick(&mut rng, CONTENTS).to_vec();
                if rng.bool() {
                    data.extend_from_slice(pick(&mut rng, CONTENTS));
                }
                Node::File {
                    mode: 0o100644,
                    data,
                }
            }
        };
        entries.push((path, node));
    }
    // Attribute files at some directory levels.
    for d in ["", "a/", "a/b/", "c/", "a/deep/"] {
        if rng.u8(..3) == 0 {
            continue;
        }
        let mut text = String::new();
        for _ in 0..rng.usize(1..6) {
            text.push_str(pick(&mut rng, ATTR_LINES));
            text.push('\n');
        }
        let path = format!("{d}.gitattributes");
        if entries
            .iter()
            .any(|(p, _)| p.starts_with(&format!("{path}/")))
            || entries.iter().any(|(p, _)| *p == path)
        {
            continue;
        }
        entries.push((
            path,
            Node::File {
                mode: 0o100644,
                data: text.into_bytes(),
            },
        ));
    }
    let info = if rng.u8(..5) == 0 {
        pick(&mut rng, ATTR_LINES).to_string()
    } else {
        String::new()
    };
    let subdir = match rng.u8(..6) {
        0 => "a".to_string(),
        1 => "a/b".to_string(),
        2 => "nope".to_string(),
        3 => "c".to_string(),
        _ => String::new(),
    };
    (entries, info, subdir)
}

#[test]
fn generated_trees_match_git_archive() {
    let test = "vcs_archive::generated_trees_match_git_archive";
    if !git_available(test) {
        return;
    }
    let mut tally = Tally::new("vcs_archive/generated");
    let tmp = tempfile::TempDir::new().expect("tmp");
    let (mut converted, mut files, mut not_exist) = (0, 0, 0);
    for seed in 0..300u64 {
        let (entries, info, subdir) = gen_case(seed);
        let dir = tmp.path().join(format!("r{seed}"));
        tally.check(format!("seed {seed} subdir {subdir:?}"), || {
            let (repo, commit) = build_repo(&dir, &entries, &info);
            // How much the cases exercise: files git changed on the way out.
            match compare(&dir, &repo, commit, &subdir)? {
                Some(out) => {
                    for f in out {
                        files += 1;
                        let stored = entries.iter().find_map(|(p, n)| match n {
                            Node::File { data, .. } if *p == f.path => Some(data),
                            _ => None,
                        });
                        if stored != Some(&f.data) {
                            converted += 1;
                        }
                    }
                }
                None => not_exist += 1,
            }
            Ok(())
        });
    }
    support::note(
        "vcs_archive/generated coverage",
        &format!(
            "{files} files exported, {converted} converted by git, {not_exist} missing-subdir cases"
        ),
    );
    tally.finish();
}

fn file(data: &[u8]) -> Node {
    Node::File {
        mode: 0o100644,
        data: data.to_vec(),
    }
}

/// A name, the tree, extra info/attributes lines, the subdir.
type EdgeCase<'a> = (&'a str, Vec<(String, Node)>, &'a str, &'a str);

#[test]
fn attribute_file_edge_cases_match_git_archive() {
    let test = "vcs_archive::attribute_file_edge_cases_match_git_archive";
    if !git_available(test) {
        return;
    }
    let crlfy: &[u8] = b"a\nb\n";
    let long = format!("{} eol=crlf\n*.txt eol=crlf\n", "x".repeat(2100));
    let exact = format!("*.txt eol=crlf{}\n", " ".repeat(2048 - 14 - 1));
    let cases: Vec<EdgeCase<'_>> = vec![
        (
            "symlink .gitattributes",
            vec![
                (
                    ".gitattributes".into(),
                    Node::File {
                        mode: 0o120000,
                        data: b"*.txt eol=crlf".to_vec(),
                    },
                ),
                ("x.txt".into(), file(crlfy)),
            ],
            "",
            "",
        ),
        (
            "BOM",
            vec![
                (
                    ".gitattributes".into(),
                    file(b"\xef\xbb\xbf*.txt eol=crlf\n"),
                ),
                ("x.txt".into(), file(crlfy)),
            ],
            "",
            "",
        ),
        (
            "BOM in info",
            vec![("x.txt".into(), file(crlfy)), ("y.c".into(), file(crlfy))],
            "\u{feff}*.txt eol=crlf\n*.c eol\0=crlf\n*.c text eol=crlf\r",
            "",
        ),
        (
            "NUL stops",
            vec![
                (
                    ".gitattributes".into(),
                    file(b"*.c eol=crlf\n\0*.txt eol=crlf\n"),
                ),
                ("x.txt".into(), file(crlfy)),
                ("m.c".into(), file(crlfy)),
            ],
            "",
            "",
        ),
        (
            "long line",
            vec![
                (".gitattributes".into(), file(long.as_bytes())),
                ("x.txt".into(), file(crlfy)),
            ],
            "",
            "",
        ),
        (
            "2047-byte line",
            vec![
                (".gitattributes".into(), file(exact.as_bytes())),
                ("x.txt".into(), file(crlfy)),
            ],
            "",
            "",
        ),
        (
            "macro in subdir ignored",
            vec![
                (
                    "a/.gitattributes".into(),
                    file(b"[attr]m eol=crlf\n*.txt m\n"),
                ),
                ("a/x.txt".into(), file(crlfy)),
            ],
            "",
            "",
        ),
        (
            "macro from root used in subdir",
            vec![
                (".gitattributes".into(), file(b"[attr]m eol=crlf\n")),
                ("a/.gitattributes".into(), file(b"*.txt m\n")),
                ("a/x.txt".into(), file(crlfy)),
            ],
            "",
            "",
        ),
        (
            "info overrides tree",
            vec![
                (".gitattributes".into(), file(b"*.txt eol=crlf\n")),
                ("x.txt".into(), file(crlfy)),
                ("y.txt".into(), file(crlfy)),
            ],
            "x.txt -text",
            "",
        ),
        (
            "info macro",
            vec![
                (".gitattributes".into(), file(b"*.txt m\n")),
                ("x.txt".into(), file(crlfy)),
            ],
            "[attr]m eol=crlf",
            "",
        ),
        (
            "subdir keeps parent attrs",
            vec![
                (".gitattributes".into(), file(b"*.txt eol=crlf\n")),
                ("a/b/x.txt".into(), file(crlfy)),
                ("a/y.txt".into(), file(crlfy)),
            ],
            "",
            "a/b",
        ),
        (
            "subdir is a file",
            vec![("a".into(), file(crlfy)), ("b/x".into(), file(crlfy))],
            "",
            "a",
        ),
        (
            "subdir is a gitlink",
            vec![("a".into(), Node::Gitlink), ("b/x".into(), file(crlfy))],
            "",
            "a",
        ),
        (
            "subdir trailing slash",
            vec![("a/x".into(), file(crlfy))],
            "",
            "a/",
        ),
        (
            "dir .gitattributes dir",
            vec![
                (".gitattributes/x".into(), file(b"*.txt eol=crlf\n")),
                ("x.txt".into(), file(crlfy)),
            ],
            "",
            "",
        ),
        (
            "quoted octal",
            vec![
                (
                    ".gitattributes".into(),
                    file(b"\"\\303\\274.txt\" eol=crlf\n"),
                ),
                ("\u{fc}.txt".into(), file(crlfy)),
            ],
            "",
            "",
        ),
        (
            "pattern with slash in subdir file",
            vec![
                (
                    "a/.gitattributes".into(),
                    file(b"b/*.txt eol=crlf\n/y.txt eol=crlf\n"),
                ),
                ("a/b/x.txt".into(), file(crlfy)),
                ("a/y.txt".into(), file(crlfy)),
                ("y.txt".into(), file(crlfy)),
            ],
            "",
            "",
        ),
        (
            "exec and ident",
            vec![
                (".gitattributes".into(), file(b"* ident\n")),
                (
                    "run.sh".into(),
                    Node::File {
                        mode: 0o100755,
                        data: b"#!/bin/sh\n# $Id$\n".to_vec(),
                    },
                ),
            ],
            "",
            "",
        ),
    ];
    let mut tally = Tally::new("vcs_archive/edge");
    let tmp = tempfile::TempDir::new().expect("tmp");
    for (i, (name, entries, info, subdir)) in cases.into_iter().enumerate() {
        let dir = tmp.path().join(format!("e{i}"));
        tally.check(name, || {
            let (repo, commit) = build_repo(&dir, &entries, info);
            compare(&dir, &repo, commit, subdir).map(|_| ())
        });
    }
    tally.finish();
}

/// The size of git's zip, in bytes.
fn git_zip_len(dir: &Path, commit: git2::Oid, subdir: &str) -> u64 {
    let home = tempfile::TempDir::new().expect("home");
    let mut cmd = Command::new("git");
    cmd.env("GIT_DIR", dir)
        .env("HOME", home.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args([
            "-c",
            "core.autocrlf=input",
            "-c",
            "core.eol=lf",
            "archive",
            "--format=zip",
            "--prefix=prefix/",
        ])
        .arg(commit.to_string());
    if !subdir.is_empty() {
        cmd.arg("--").arg(subdir);
    }
    cmd.output().expect("git").stdout.len() as u64
}

#[test]
fn size_cap_is_at_git_zip_size() {
    use gomodfetch::vcs::archive::export_tree_capped;
    let test = "vcs_archive::size_cap_is_at_git_zip_size";
    if !git_available(test) {
        return;
    }
    let mut tally = Tally::new("vcs_archive/size_cap");
    let tmp = tempfile::TempDir::new().expect("tmp");
    for seed in 0..30u64 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut entries: Vec<(String, Node)> = Vec::new();
        for i in 0..rng.usize(1..8) {
            // Random bytes do not deflate, so git stores them: the size is exact.
            let n = rng.usize(0..3000);
            let data: Vec<u8> = (0..n).map(|_| rng.u8(..)).collect();
            let path = format!("{}f{i}", pick(&mut rng, &["", "d/", "d/e/", "g/"]));
            let mode = if rng.u8(..5) == 0 { 0o120000 } else { 0o100644 };
            entries.push((path, Node::File { mode, data }));
        }
        if rng.bool() {
            entries.push(("s".into(), Node::Gitlink));
        }
        let subdir = if rng.u8(..3) == 0 { "d" } else { "" };
        let dir = tmp.path().join(format!("s{seed}"));
        tally.check(format!("seed {seed}"), || {
            let (repo, commit) = build_repo(&dir, &entries, "");
            if export_tree(&repo, commit, subdir).is_err() {
                return Ok(()); // no such subdir in this tree
            }
            let size = git_zip_len(&dir, commit, subdir);
            let at = export_tree_capped(&repo, commit, subdir, size);
            let below = export_tree_capped(&repo, commit, subdir, size - 1);
            match (at, below) {
                (Ok(_), Err(ArchiveError::TooLarge)) => Ok(()),
                (a, b) => Err(format!(
                    "git zip {size} bytes: cap at size {:?}, one below {:?}",
                    a.map(|_| ()),
                    b.map(|_| ())
                )),
            }
        });
    }
    // Compressible content: the verdict follows the deflated size, not the raw one.
    let big = vec![(
        String::from("zeros"),
        Node::File {
            mode: 0o100644,
            data: vec![0u8; 1 << 20],
        },
    )];
    let dir = tmp.path().join("zeros");
    tally.check("1 MiB of zeros under a 64 KiB cap", || {
        let (repo, commit) = build_repo(&dir, &big, "");
        let size = git_zip_len(&dir, commit, "");
        let ok = export_tree_capped(&repo, commit, "", 64 << 10)
            .map(|_| ())
            .map_err(|e| e.to_string());
        let too_small = export_tree_capped(&repo, commit, "", size / 2)
            .map(|_| ())
            .map_err(|e| e.to_string());
        if size < (64 << 10)
            && ok.is_ok()
            && too_small == Err("downloaded zip file too large".into())
        {
            Ok(())
        } else {
            Err(format!("git {size}: {ok:?} {too_small:?}"))
        }
    });
    tally.finish();
}
