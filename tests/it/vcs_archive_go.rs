//! The module zip from a git repository, ours against go's: repos built in the test,
//! fetched by the real go in `GOPROXY=direct` mode straight from disk (a `.git`
//! module path needs no discovery, and a `url.<file>.insteadOf` rule in the sandbox's
//! git config turns go's `https://example.com/…` into the local repository), and by
//! us through `export_tree` → `module_files` → `build_module_zip`. Compared: the zip
//! `h1` (go's `Sum`), or the `create zip` error.

use super::support::{self, Tally};
use super::vcs_archive::{ATTR_LINES, CONTENTS, Node, build_repo, pick};
use gomodfetch::vcs::archive::{build_module_zip, export_tree, module_files};
use gomodfetch::vcs::codehost::ArchiveFile;
use std::collections::HashMap;
use std::path::Path;

const FILES: &[&str] = &[
    "x.go",
    "a/y.go",
    "a/b/z.txt",
    "LICENSE",
    "README.md",
    "vendor/modules.txt",
    "vendor/example.com/v/v.go",
    "vendor/README",
    "a/vendor/k.go",
    "nested/go.mod",
    "nested/n.go",
    "A.txt",
    "a.txt",
    "Go.mod",
    "sub/LICENSE",
    "sub/s.go",
    "sub/vendor/q/q.go",
    "sub/deep/d.txt",
    ".hg_archival.txt",
    "ü.txt",
    "sp ace.go",
    "bad\\name.go",
];

struct Module {
    path: String,
    version: String,
    dir: String,
}

fn gen_repo(seed: u64, name: &str) -> (Vec<(String, Node)>, String, Vec<Module>) {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x9e37_79b9);
    let root_path = format!("example.com/{name}.git");
    let go_line = pick(&mut rng, &["go 1.20", "go 1.24", ""]);
    let mut entries: Vec<(String, Node)> = vec![(
        "go.mod".into(),
        Node::File {
            mode: 0o100644,
            data: format!("module {root_path}\n\n{go_line}\n").into_bytes(),
        },
    )];
    let with_sub = rng.bool();
    if with_sub {
        entries.push((
            "sub/go.mod".into(),
            Node::File {
                mode: 0o100644,
                data: format!("module {root_path}/sub\n\ngo 1.21\n").into_bytes(),
            },
        ));
    }
    for _ in 0..rng.usize(1..10) {
        let path = pick(&mut rng, FILES).to_string();
        if entries.iter().any(|(p, _)| *p == path) {
            continue;
        }
        if path == "sub/go.mod" && !with_sub {
            continue;
        }
        let node = match rng.u8(..12) {
            0 => Node::File {
                mode: 0o120000,
                data: b"x.go".to_vec(),
            },
            1 => Node::Gitlink,
            2 => Node::File {
                mode: 0o100755,
                data: pick(&mut rng, CONTENTS).to_vec(),
            },
            _ => Node::File {
                mode: 0o100644,
                data: pick(&mut rng, CONTENTS).to_vec(),
            },
        };
        entries.push((path, node));
    }
    for d in ["", "sub/"] {
        if rng.bool() {
            let mut text = String::new();
            for _ in 0..rng.usize(1..4) {
                text.push_str(pick(&mut rng, ATTR_LINES));
                text.push('\n');
            }
            entries.push((
                format!("{d}.gitattributes"),
                Node::File {
                    mode: 0o100644,
                    data: text.into_bytes(),
                },
            ));
        }
    }
    let mut modules = vec![Module {
        path: root_path.clone(),
        version: "v1.0.0".into(),
        dir: String::new(),
    }];
    if with_sub {
        modules.push(Module {
            path: format!("{root_path}/sub"),
            version: "v1.0.0".into(),
            dir: "sub".into(),
        });
    }
    let info = if rng.u8(..6) == 0 {
        pick(&mut rng, ATTR_LINES).to_string()
    } else {
        String::new()
    };
    (entries, info, modules)
}

/// Ours: the `h1`, or the error text.
fn ours(
    repo: &git2::Repository,
    commit: git2::Oid,
    m: &Module,
    out: &Path,
) -> Result<String, String> {
    let files: Vec<ArchiveFile> = export_tree(repo, commit, &m.dir).map_err(|e| e.to_string())?;
    // go's ReadFile of the root LICENSE: the raw blob (a link's target).
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(|e| e.to_string())?;
    let license = || {
        tree.get_name("LICENSE")
            .filter(|e| matches!(e.filemode(), 0o100644 | 0o100755 | 0o120000))
            .and_then(|e| repo.find_blob(e.id()).ok())
            .map(|b| b.content().to_vec())
    };
    let files = module_files(files, &m.dir, license);
    build_module_zip(&m.path, &m.version, &files, out)
        .map(|h| h.as_str().to_string())
        .map_err(|e| e.to_string())
}

#[test]
fn module_zips_match_go_direct() {
    let test = "vcs_archive_go::module_zips_match_go_direct";
    let Some(go) = support::go(test) else { return };
    let mut sb = support::sandbox();
    let repos = tempfile::TempDir::new().expect("repos");
    let gitconfig = format!(
        "[url \"file://{}/\"]\n\tinsteadOf = https://example.com/\n",
        repos.path().display()
    );
    std::fs::write(sb.home().join(".gitconfig"), gitconfig).expect("gitconfig");
    sb.goproxy("direct").set("GIT_CONFIG_NOSYSTEM", "1");

    let mut built = Vec::new();
    for seed in 0..40u64 {
        let name = format!("r{seed}");
        let (entries, info, modules) = gen_repo(seed, &name);
        let dir = repos.path().join(format!("{name}.git"));
        let (repo, commit) = build_repo(&dir, &entries, &info);
        {
            let obj = repo.find_object(commit, None).expect("commit object");
            repo.tag_lightweight("v1.0.0", &obj, false).expect("tag");
            repo.tag_lightweight("sub/v1.0.0", &obj, false)
                .expect("tag");
        }
        built.push((repo, commit, modules));
    }
    let args: Vec<String> = built
        .iter()
        .flat_map(|(_, _, ms)| ms.iter().map(|m| format!("{}@{}", m.path, m.version)))
        .collect();
    let run = go
        .mod_download(&sb, sb.work_dir(), &["-json"], &args)
        .expect("run go");
    let records = run.download_records().expect("go's json");
    let by_module: HashMap<String, _> = records
        .into_iter()
        .filter_map(|r| Some((r.path.clone()?, r)))
        .collect();

    let mut tally = Tally::new("vcs_archive_go/h1");
    let outdir = tempfile::TempDir::new().expect("out");
    let (mut ok, mut errs) = (0, 0);
    for (i, (repo, commit, modules)) in built.iter().enumerate() {
        for m in modules {
            let out = outdir.path().join(format!("{i}-{}.zip", m.dir));
            tally.check(format!("{}@{}", m.path, m.version), || {
                let rec = by_module.get(&m.path).ok_or("no record from go")?;
                let got = ours(repo, *commit, m, &out);
                match (&rec.sum, &rec.error, got) {
                    (Some(want), _, Ok(h1)) if *want == h1 => {
                        ok += 1;
                        Ok(())
                    }
                    (_, Some(goerr), Err(e)) if goerr.contains(&e) => {
                        errs += 1;
                        Ok(())
                    }
                    (sum, err, got) => Err(format!("go sum {sum:?} error {err:?}; ours {got:?}")),
                }
            });
        }
    }
    support::note(
        "vcs_archive_go/h1 coverage",
        &format!("{ok} equal h1, {errs} equal errors"),
    );
    tally.finish();
}
