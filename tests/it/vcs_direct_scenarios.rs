//! Direct mode on the repository shapes the go command meets in the wild and the
//! hostile ones it must refuse, `go mod download -json` against `gomodfetch download
//! -json`, both with `GOPROXY=direct`, compared as in `vcs_direct_diff` (exit code,
//! output, module cache outside `cache/vcs` and the zip bytes): monorepos,
//! major-version branches, retractions, `.gitattributes` (export-ignore,
//! export-subst, ident, binary, eol), gitlinks, modules without go.mod, commit and
//! branch queries, prereleases, and failures: case-insensitive collisions, bad file
//! names, a go.mod naming another module, a go.mod over the size limit, an empty
//! repository, tags naming a blob or a tree or looking like an option, symlinks out
//! of the tree (`/etc`), a file over the module size limit.

use crate::download_diff::{line_diff, same_output};
use crate::support::{self, Tally};
use crate::vcs_direct_diff::{Step, download_both, repo, run_both, same_direct, sandbox};
use crate::vcs_git::git;
use std::path::Path;

const TEST: &str = "vcs_direct_scenarios";

fn gomod(p: &str) -> String {
    format!("module {p}\n\ngo 1.20\n")
}

fn build(repos: &Path) {
    let m = |s: &str| gomod(&format!("example.com/{s}"));
    let (root, a, b, b2) = (
        m("mono.git"),
        m("mono.git/a"),
        m("mono.git/b"),
        m("mono.git/b/v2"),
    );
    repo(
        repos,
        "mono",
        &[
            Step::new(
                &[
                    ("go.mod", &root),
                    ("root.go", "package root\n"),
                    ("LICENSE", "root license\n"),
                    ("a/go.mod", &a),
                    ("a/a.go", "package a\n"),
                    ("b/go.mod", &b),
                    ("b/b.go", "package b\n"),
                ],
                &["v0.1.0", "a/v1.0.0", "b/v1.2.0"],
            ),
            Step::new(
                &[("b/v2/go.mod", &b2), ("b/v2/b.go", "package b\n")],
                &["b/v2.0.0", "a/v1.1.0-pre"],
            ),
        ],
    );
    let (v1, v2) = (m("major.git"), m("major.git/v2"));
    repo(
        repos,
        "major",
        &[
            Step::new(&[("go.mod", &v1), ("x.go", "package x\n")], &["v1.0.0"]),
            Step {
                files: &[("go.mod", &v2), ("y.go", "package x\n")],
                git: &[&["checkout", "-q", "-b", "v2"]],
                tags: &["v2.0.0"],
            },
            Step::new(&[("z.go", "package x\n")], &[]),
        ],
    );
    let retracting = format!(
        "{}\nretract (\n\tv1.2.0 // published by mistake\n\tv1.1.0\n)\n",
        m("retract.git")
    );
    repo(
        repos,
        "retract",
        &[
            Step::new(&[("go.mod", &m("retract.git"))], &["v1.0.0"]),
            Step::new(&[("a.go", "package a\n")], &["v1.1.0"]),
            Step::new(&[("go.mod", &retracting)], &["v1.2.0"]),
        ],
    );
    repo(
        repos,
        "cases",
        &[Step::new(
            &[
                ("go.mod", &m("cases.git")),
                ("Readme.md", "one\n"),
                ("README.md", "two\n"),
            ],
            &["v1.0.0"],
        )],
    );
    repo(
        repos,
        "badname",
        &[Step::new(
            &[
                ("go.mod", &m("badname.git")),
                ("bad:name.go", "package x\n"),
            ],
            &["v1.0.0"],
        )],
    );
    repo(
        repos,
        "attrs",
        &[Step::new(
            &[
                ("go.mod", &m("attrs.git")),
                (
                    ".gitattributes",
                    "hidden.go export-ignore\nsubst.txt export-subst\n*.c ident\n\
                     *.dat binary\n*.crlf text eol=crlf\n*.auto text=auto\n",
                ),
                ("hidden.go", "package x\n"),
                ("subst.txt", "$Format:%H$\n"),
                ("id.c", "/* $Id$ */\n"),
                ("x.dat", "a\r\nb\n"),
                ("y.crlf", "a\nb\n"),
                ("z.auto", "a\r\nb\r\n"),
                ("doc/.gitattributes", "*.txt eol=crlf\n"),
                ("doc/d.txt", "d\ne\n"),
            ],
            &["v1.0.0"],
        )],
    );
    repo(
        repos,
        "nogomod",
        &[
            Step::new(&[("x.go", "package x\n")], &["v1.0.0"]),
            Step::new(&[("y.go", "package x\n")], &[]),
        ],
    );
    repo(
        repos,
        "mismatch",
        &[Step::new(
            &[("go.mod", &gomod("example.com/other"))],
            &["v1.0.0"],
        )],
    );
    repo(
        repos,
        "gitlink",
        &[Step {
            files: &[("go.mod", &m("gitlink.git")), ("x.go", "package x\n")],
            git: &[&[
                "update-index",
                "--add",
                "--cacheinfo",
                "160000,1111111111111111111111111111111111111111,lib",
            ]],
            tags: &["v1.0.0"],
        }],
    );
    let mut big = m("bigmod.git");
    while big.len() <= 16 << 20 {
        big.push_str("// padding padding padding padding padding padding padding padding\n");
    }
    repo(
        repos,
        "bigmod",
        &[Step::new(&[("go.mod", &big)], &["v1.0.0"])],
    );
    repo(repos, "empty", &[]);
    repo(
        repos,
        "hostile",
        &[Step {
            files: &[
                ("go.mod", &m("hostile.git")),
                ("x.go", "package x\n"),
                ("etc", "@link:/etc"),
                ("passwd", "@link:/etc/passwd"),
                ("up", "@link:../../../.."),
            ],
            git: &[],
            tags: &["v1.0.0", "v9.0.0 HEAD:go.mod", "v8.0.0 HEAD^{tree}"],
        }],
    );
    // A tag git itself refuses to create, as a hostile server may have it.
    git(
        &repos.join("hostile.git"),
        &[
            "update-ref",
            "refs/tags/--upload-pack=touch",
            "refs/tags/v1.0.0",
        ],
        0,
    );
    repo(
        repos,
        "pre",
        &[
            Step::new(&[("go.mod", &m("pre.git"))], &["v0.9.0", "v1.0"]),
            Step::new(&[("x.go", "package x\n")], &["v1.0.0-rc.1"]),
        ],
    );
    repo(
        repos,
        "license",
        &[Step::new(
            &[
                ("LICENSE", "root license\n"),
                ("sub/LICENSE", "sub license\n"),
                ("sub/go.mod", &m("license.git/sub")),
                ("other/go.mod", &m("license.git/other")),
            ],
            &["sub/v1.0.0", "other/v1.0.0"],
        )],
    );
    let too_new = "module example.com/toonew.git\n\ngo 1.999\n";
    repo(
        repos,
        "toonew",
        &[Step::new(&[("go.mod", too_new)], &["v1.0.0"])],
    );
    repo(
        repos,
        "inc",
        &[
            Step::new(&[("go.mod", &m("inc.git"))], &["v1.0.0"]),
            Step::new(&[("x.go", "package x\n")], &["v2.0.0"]),
        ],
    );
    build_more(repos);
}

/// Over go's 500 MiB limits: `zeros` holds a file of 501 MiB of zeros (git's zip of
/// it is small, the module is not: `module source tree too large`); with `noise`,
/// `noise` holds 501 MiB that do not compress (git's zip itself is over the cap:
/// `downloaded zip file too large`; two minutes of deflating, so opt-in).
fn build_huge(repos: &Path, noise: bool) {
    const SIZE: usize = 501 << 20;
    let zeros = String::from_utf8(vec![0; SIZE]).unwrap();
    let zeros_mod = gomod("example.com/zeros.git");
    repo(
        repos,
        "zeros",
        &[Step::new(
            &[("go.mod", &zeros_mod), ("big.bin", &zeros)],
            &["v1.0.0"],
        )],
    );
    drop(zeros);
    if !noise {
        return;
    }
    // xorshift bytes, kept to ASCII so that the file can be a `&str`.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let noise: String = (0..SIZE)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b' ' + (x % 94) as u8)
        })
        .collect();
    let noise_mod = gomod("example.com/noise.git");
    repo(
        repos,
        "noise",
        &[Step::new(
            &[("go.mod", &noise_mod), ("big.txt", &noise)],
            &["v1.0.0"],
        )],
    );
}

/// More shapes: a Windows-reserved file name, a major version both at the root and
/// in its `vN/` directory, non-ASCII file names, a tag reached through a merge, a
/// module three directories deep (only the root LICENSE is copied).
fn build_more(repos: &Path) {
    let m = |s: &str| gomod(&format!("example.com/{s}"));
    repo(
        repos,
        "reserved",
        &[Step::new(
            &[("go.mod", &m("reserved.git")), ("aux.go", "package x\n")],
            &["v1.0.0"],
        )],
    );
    let v3 = m("both.git/v3");
    repo(
        repos,
        "both",
        &[Step::new(
            &[
                ("go.mod", &v3),
                ("root.go", "package x\n"),
                ("v3/go.mod", &v3),
                ("v3/sub.go", "package x\n"),
            ],
            &["v3.1.0"],
        )],
    );
    repo(
        repos,
        "unicode",
        &[Step::new(
            &[
                ("go.mod", &m("unicode.git")),
                ("caf\u{e9}.go", "package x\n"),
                ("\u{65e5}\u{672c}/\u{8a9e}.txt", "text\n"),
            ],
            &["v1.0.0"],
        )],
    );
    repo(
        repos,
        "merge",
        &[
            Step::new(&[("go.mod", &m("merge.git"))], &["v1.0.0"]),
            Step {
                files: &[("side.go", "package x\n")],
                git: &[&["checkout", "-q", "-b", "side"]],
                tags: &["v1.1.0"],
            },
            Step {
                files: &[("main.go", "package x\n")],
                git: &[&["checkout", "-q", "main"]],
                tags: &[],
            },
            Step {
                files: &[("after.go", "package x\n")],
                git: &[&["merge", "-q", "--no-ff", "-m", "merge side", "side"]],
                tags: &[],
            },
        ],
    );
    repo(
        repos,
        "deepsub",
        &[Step::new(
            &[
                ("LICENSE", "root license\n"),
                ("a/LICENSE", "a license\n"),
                ("a/b/c/go.mod", &m("deepsub.git/a/b/c")),
                ("a/b/c/c.go", "package c\n"),
            ],
            &["a/b/c/v1.0.0"],
        )],
    );
}

/// `git rev-parse <rev>` in the bare repository `name`.
fn rev(repos: &Path, name: &str, rev: &str) -> String {
    git(&repos.join(format!("{name}.git")), &["rev-parse", rev], 0)
}

#[test]
fn direct_mode_scenarios_match_go() {
    let Some(go) = support::go(TEST) else { return };
    let repos = tempfile::tempdir().unwrap();
    build(repos.path());
    let r = repos.path();
    let nogomod_head = rev(r, "nogomod", "main");
    let major_head = rev(r, "major", "v2");
    let mut queries: Vec<String> = [
        "mono.git@v0.1.0",
        "mono.git/a@v1.0.0",
        "mono.git/a@latest",
        "mono.git/a@v1.1.0-pre",
        "mono.git/b@latest",
        "mono.git/b/v2@v2.0.0",
        "major.git@latest",
        "major.git/v2@v2.0.0",
        "major.git/v2@v2",
        "major.git/v2@latest",
        "retract.git@latest",
        "retract.git@v1.1.0",
        "retract.git@v1.1",
        "retract.git@v1.2.0",
        "cases.git@v1.0.0",
        "badname.git@v1.0.0",
        "attrs.git@v1.0.0",
        "nogomod.git@v1.0.0",
        "nogomod.git@main",
        "nogomod.git@latest",
        "mismatch.git@v1.0.0",
        "gitlink.git@v1.0.0",
        "bigmod.git@v1.0.0",
        "empty.git@latest",
        "empty.git@v1.0.0",
        "hostile.git@v1.0.0",
        "hostile.git@v9.0.0",
        "hostile.git@v8.0.0",
        "hostile.git@latest",
        "hostile.git@--upload-pack=touch",
        "pre.git@latest",
        "pre.git@v1.0.0-rc.1",
        "pre.git@v1.0",
        "license.git/sub@v1.0.0",
        "license.git/other@v1.0.0",
        "toonew.git@v1.0.0",
        "inc.git@latest",
        "inc.git@v2.0.0+incompatible",
        "reserved.git@v1.0.0",
        "both.git/v3@v3.1.0",
        "unicode.git@v1.0.0",
        "merge.git@main",
        "merge.git@latest",
        "merge.git@v1.1.0",
        "deepsub.git/a/b/c@v1.0.0",
    ]
    .iter()
    .map(|q| format!("example.com/{q}"))
    .collect();
    queries.push(format!("example.com/nogomod.git@{nogomod_head}"));
    queries.push(format!("example.com/nogomod.git@{}", &nogomod_head[..12]));
    queries.push(format!("example.com/major.git/v2@{}", &major_head[..7]));
    let mut t = Tally::new("vcs_direct_scenarios/queries");
    for q in &queries {
        let (gsb, osb) = (sandbox(r), sandbox(r));
        t.check(q, || download_both(&go, &gsb, &osb, q));
    }
    t.finish();
}

/// Files over the size limits are refused as go refuses them, and nothing is
/// published (the cache comparison covers that).
#[test]
fn direct_mode_huge_files_match_go() {
    let Some(go) = support::go(TEST) else { return };
    let repos = tempfile::tempdir().unwrap();
    let noise = std::env::var("GOMODFETCH_HEAVY").as_deref() == Ok("1");
    if !noise {
        eprintln!(
            "{TEST}: the incompressible 501 MiB case is opt-in (GOMODFETCH_HEAVY=1); \
             running the compressible one only"
        );
    }
    build_huge(repos.path(), noise);
    let mut queries = vec!["example.com/zeros.git@v1.0.0"];
    if noise {
        queries.push("example.com/noise.git@v1.0.0");
    }
    let mut t = Tally::new("vcs_direct_scenarios/huge");
    for q in queries {
        let (gsb, osb) = (sandbox(repos.path()), sandbox(repos.path()));
        t.check(q, || download_both(&go, &gsb, &osb, q));
    }
    t.finish();
}

/// The main module of the work directory requires modules of these repositories
/// (a subdirectory module, a major-version branch, a tree without go.mod, a
/// retracted line, a LICENSE copy).
const MAIN_GO_MOD: &str = "module example.com/main\n\ngo 1.21\n\nrequire (\n\
    \texample.com/license.git/sub v1.0.0\n\
    \texample.com/major.git/v2 v2.0.0\n\
    \texample.com/mono.git/a v1.0.0\n\
    \texample.com/mono.git/b v1.2.0\n\
    \texample.com/nogomod.git v1.0.0\n\
    \texample.com/retract.git v1.1.0\n\
    )\n";

/// Inside a main module whose requirements live in git: `download` (no arguments,
/// then `all`, each in fresh sandboxes; go.sum compared after) and `list -m` (all,
/// queries) as go does them.
#[test]
fn direct_mode_main_module_matches_go() {
    let Some(go) = support::go(TEST) else { return };
    let repos = tempfile::tempdir().unwrap();
    build(repos.path());
    let r = repos.path();
    let cases: [&[&str]; 6] = [
        &["mod", "download", "-json"],
        &["mod", "download", "-json", "all"],
        &["list", "-m", "-json", "all"],
        &["list", "-m", "-json", "example.com/mono.git/b@v1"],
        &["list", "-m", "all"],
        &["list", "-m", "-json", "example.com/retract.git@latest"],
    ];
    let mut t = Tally::new("vcs_direct_scenarios/main module");
    for go_args in cases {
        let (mut gsb, mut osb) = (sandbox(r), sandbox(r));
        for sb in [&mut gsb, &mut osb] {
            sb.goflags("-mod=mod");
            std::fs::write(sb.work_dir().join("go.mod"), MAIN_GO_MOD).unwrap();
        }
        t.check(go_args.join(" "), || {
            let (g, o) = run_both(&go, &gsb, &osb, go_args)?;
            if go_args[0] == "list" {
                same_output(&gsb, &g, &osb, &o)?;
            } else {
                same_direct(&gsb, &g, &osb, &o)?;
            }
            let read = |sb: &gomodfetch::testkit::gocmd::Sandbox| {
                std::fs::read_to_string(sb.work_dir().join("go.sum")).unwrap_or_default()
            };
            let (gs, os) = (read(&gsb), read(&osb));
            if gs != os {
                return Err(format!("go.sum differs:\n{}", line_diff(&gs, &os)));
            }
            Ok(())
        });
    }
    t.finish();
}

/// GOPRIVATE splits the build list: `example.com/*.git` from git, the rest (a
/// dependency of the git module) from the test proxy serving Go's fixtures.
#[test]
fn direct_mode_beside_a_proxy_matches_go() {
    let (Some((fixtures, _)), Some(go)) = (support::served_fixtures(TEST), support::go(TEST))
    else {
        return;
    };
    let proxy = crate::download_diff::fixture_proxy(&fixtures, false);
    let repos = tempfile::tempdir().unwrap();
    let mixed = format!(
        "{}\nrequire rsc.io/quote v1.5.2\n",
        gomod("example.com/mixed.git")
    );
    repo(
        repos.path(),
        "mixed",
        &[Step::new(
            &[("go.mod", &mixed), ("m.go", "package mixed\n")],
            &["v1.0.0"],
        )],
    );
    let main = "module example.com/main\n\ngo 1.21\n\nrequire example.com/mixed.git v1.0.0\n";
    let mut t = Tally::new("vcs_direct_scenarios/beside a proxy");
    for args in [
        &["mod", "download", "-json"][..],
        &["mod", "download", "-json", "all"],
        &["list", "-m", "-json", "all"],
        &[
            "mod",
            "download",
            "-json",
            "example.com/mixed.git@latest",
            "rsc.io/quote@latest",
        ],
    ] {
        let (mut gsb, mut osb) = (sandbox(repos.path()), sandbox(repos.path()));
        for sb in [&mut gsb, &mut osb] {
            sb.goproxy(proxy.goproxy_url())
                .goprivate("example.com/*.git")
                .goflags("-mod=mod");
            std::fs::write(sb.work_dir().join("go.mod"), main).unwrap();
        }
        t.check(args.join(" "), || {
            let (g, o) = run_both(&go, &gsb, &osb, args)?;
            // Not a failure both share: go fetched from both sources.
            let out = g.stdout_text();
            if g.code() != Some(0) || !out.contains("example.com/mixed.git") {
                return Err(format!("go did not succeed: {}", g.stderr_text()));
            }
            // (Without arguments go downloads the main module's own requirements.)
            if args.len() > 3 && !out.contains("rsc.io/quote") {
                return Err("go's output lacks the proxy's module".into());
            }
            same_direct(&gsb, &g, &osb, &o)
        });
    }
    t.finish();
}
