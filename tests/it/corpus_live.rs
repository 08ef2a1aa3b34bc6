//! Differential test on real projects (opt-in: `GOMODFETCH_LIVE=1`, since the first
//! run needs the network): the projects of `corpus/projects.txt`, each taken as the
//! main module, with `go` and `gomodfetch` run side by side against a local mirror.
//!
//! The mirror ([`mirror`]) is built once with the real `go` and reused. The test proxy
//! serves it (plain HTTP, no added latency); every comparison runs both tools in fresh
//! sandboxes (`GOPROXY` = the test proxy, `GOSUMDB=off` so only the projects' own
//! go.sum is checked, `GOFLAGS=-modcacherw`, `GOTOOLCHAIN=local`), each on its own
//! fresh copy of the project's working copy, and requires:
//!
//! * the same exit code, stdout and stderr (sandbox paths normalised);
//! * the same go.mod and go.sum bytes afterwards;
//! * the same module cache: every file under `cache/download` (paths, bytes, modes)
//!   and the same set of extracted `module@version` directories.
//!
//! The commands: `go list -m all` and `go list -m -json all` (ours: `gomodfetch list
//! -m [-json] all`), and, when the project has a vendor directory (where `go list -m`
//! defaults to `-mod=vendor`), the same with `-mod=mod`; `go mod download -json` with
//! no arguments and with `all` (ours: `gomodfetch download -json [all]`). After the
//! `all` download, `go list -deps ./...` runs in each project copy with `GOPROXY=off`
//! and `GOFLAGS=-mod=mod` on the cache each tool filled: it must succeed on ours
//! exactly as on go's (same exit code and package list).
//!
//! A table of the results (build-list size, outcome, times) is printed and recorded.
//! Knobs: `GOMODFETCH_CORPUS_ONLY=a,b` runs the projects whose spec contains one of
//! the substrings; `GOMODFETCH_CORPUS_SELF=1` runs `go` in place of gomodfetch (checks
//! the harness: every comparison must then pass).

mod mirror;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gomodfetch::testkit::gocmd::{Go, Run, Sandbox, copy_tree};
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::tree::{Snapshot, SnapshotOptions};
use gomodfetch::testkit::universe::Universe;

use crate::download_diff::{GOMODFETCH, line_diff, same_output, same_snapshots};
use crate::support::{self, Tally};
use mirror::{Built, Mirror};

const TEST: &str = "corpus_live";

/// Where a project's working copy goes inside a sandbox.
const PROJECT_DIR: &str = "project";

/// One comparison: go's argv and ours.
struct Case {
    name: &'static str,
    go: &'static [&'static str],
    ours: &'static [&'static str],
    /// Only for projects with a vendor directory.
    vendor_only: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "list -m all",
        go: &["list", "-m", "all"],
        ours: &["list", "-m", "all"],
        vendor_only: false,
    },
    Case {
        name: "list -m -json all",
        go: &["list", "-m", "-json", "all"],
        ours: &["list", "-m", "-json", "all"],
        vendor_only: false,
    },
    Case {
        name: "list -mod=mod -m all",
        go: &["list", "-mod=mod", "-m", "all"],
        ours: &["list", "-mod=mod", "-m", "all"],
        vendor_only: true,
    },
    Case {
        name: "list -mod=mod -m -json all",
        go: &["list", "-mod=mod", "-m", "-json", "all"],
        ours: &["list", "-mod=mod", "-m", "-json", "all"],
        vendor_only: true,
    },
    Case {
        name: "download -json",
        go: &["mod", "download", "-json"],
        ours: &["download", "-json"],
        vendor_only: false,
    },
    Case {
        name: "download -json all",
        go: &["mod", "download", "-json", "all"],
        ours: &["download", "-json", "all"],
        vendor_only: false,
    },
];

/// Which binary plays "ours".
struct Ours {
    /// `go` itself (`GOMODFETCH_CORPUS_SELF=1`).
    self_test: bool,
    go: Go,
}

impl Ours {
    fn run(&self, sb: &Sandbox, dir: &Path, case: &Case) -> Run {
        let r = if self.self_test {
            self.go.run(sb, dir, case.go)
        } else {
            sb.run(GOMODFETCH, dir, case.ours)
        };
        r.expect("running gomodfetch")
    }
}

/// A fresh sandbox on `proxy` with a fresh copy of the project.
fn sandbox(proxy: &TestProxy, source: &Path) -> (Sandbox, PathBuf) {
    let mut sb = support::sandbox();
    sb.goproxy(proxy.goproxy_url());
    let dir = sb.root().join(PROJECT_DIR);
    copy_tree(source, &dir).unwrap_or_else(|e| panic!("{e}"));
    (sb, dir)
}

/// The same go.mod and go.sum bytes (or both absent).
fn same_files(go_dir: &Path, our_dir: &Path) -> Result<(), String> {
    let mut why = Vec::new();
    for name in ["go.mod", "go.sum"] {
        let g = std::fs::read(go_dir.join(name)).ok();
        let o = std::fs::read(our_dir.join(name)).ok();
        if g != o {
            let text = |b: &Option<Vec<u8>>| {
                b.as_deref().map_or("<absent>".into(), |b| {
                    String::from_utf8_lossy(b).into_owned()
                })
            };
            why.push(format!(
                "{name} differs:\n{}",
                line_diff(&text(&g), &text(&o))
            ));
        }
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(why.join("\n"))
    }
}

/// The extracted `module@version` directories of a module cache.
fn extracted(cache: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if !e.file_type().is_ok_and(|t| t.is_dir()) || p == root.join("cache") {
                continue;
            }
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            if rel.contains('@') {
                out.insert(rel);
            } else {
                walk(root, &p, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(cache, cache, &mut out);
    out
}

/// The same `cache/download` files and extracted module directories.
fn same_cache(go_sb: &Sandbox, our_sb: &Sandbox) -> Result<(), String> {
    let snap = |sb: &Sandbox| {
        let d = sb.gomodcache().join("cache/download");
        if d.exists() {
            Snapshot::take(&d, &SnapshotOptions::default()).map_err(|e| e.to_string())
        } else {
            Ok(Snapshot::default())
        }
    };
    let mut why = Vec::new();
    if let Err(e) = same_snapshots(&snap(go_sb)?, &snap(our_sb)?, ("go", "ours")) {
        why.push(format!("cache/download: {e}"));
    }
    let (g, o) = (
        extracted(go_sb.gomodcache()),
        extracted(our_sb.gomodcache()),
    );
    if g != o {
        let only = |a: &BTreeSet<String>, b: &BTreeSet<String>| {
            a.difference(b)
                .take(10)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        };
        why.push(format!(
            "extracted modules differ: only go's: [{}]; only ours: [{}]",
            only(&g, &o),
            only(&o, &g)
        ));
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(why.join("\n"))
    }
}

/// `GOPROXY=off GOFLAGS=-mod=mod go list -deps ./...` in a project copy, on the cache
/// its sandbox holds.
fn deps_offline(go: &Go, sb: &mut Sandbox, dir: &Path) -> Run {
    sb.goproxy("off").goflags("-mod=mod");
    go.run(sb, dir, ["list", "-deps", "./..."])
        .expect("running go list -deps")
}

fn secs(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64())
}

/// One row of the results table.
struct Row {
    project: String,
    modules: usize,
    cells: Vec<String>,
}

/// Runs every case for one project; results go to the tallies (one per case, then
/// the offline build check) and the row.
fn run_project(
    go: &Go,
    ours: &Ours,
    proxy: &TestProxy,
    mirror: &Mirror,
    built: &Built,
    tallies: &mut [Tally],
) -> Row {
    let p = &built.project;
    let source = mirror.source(p);
    let vendored = source.join("vendor").is_dir();
    let mut row = Row {
        project: p.spec(),
        modules: built.modules,
        cells: Vec::new(),
    };
    let (cases, deps_tally) = tallies.split_at_mut(CASES.len());
    for (case, tally) in CASES.iter().zip(cases.iter_mut()) {
        if case.vendor_only && !vendored {
            row.cells.push("-".into());
            continue;
        }
        let (mut gsb, gdir) = sandbox(proxy, &source);
        let (mut osb, odir) = sandbox(proxy, &source);
        let g = go.run(&gsb, &gdir, case.go).expect("running go");
        let o = ours.run(&osb, &odir, case);
        let before = tally.passed();
        tally.check(p.spec(), || {
            let checks = [
                same_output(&gsb, &g, &osb, &o),
                same_files(&gdir, &odir),
                same_cache(&gsb, &osb),
            ];
            let why: Vec<String> = checks.into_iter().filter_map(Result::err).collect();
            if why.is_empty() {
                Ok(())
            } else {
                Err(format!("`{}`: {}", case.name, why.join("\n")))
            }
        });
        let verdict = if tally.passed() > before {
            "ok"
        } else {
            "DIFF"
        };
        let code = if g.success() {
            String::new()
        } else {
            format!(" exit {:?}", g.code())
        };
        row.cells.push(format!(
            "{verdict}{code} {}/{} s",
            secs(g.wall),
            secs(o.wall)
        ));

        if case.name == "download -json all" {
            let gd = deps_offline(go, &mut gsb, &gdir);
            let od = deps_offline(go, &mut osb, &odir);
            let before = deps_tally[0].passed();
            deps_tally[0].check(p.spec(), || {
                let mut why = Vec::new();
                if !od.success() {
                    why.push(format!("fails on gomodfetch's cache: {od}"));
                }
                if !gd.success() {
                    why.push(format!("(fails on go's cache too: {gd})"));
                }
                let (gout, oout) = (
                    gsb.normalizer().apply_str(&gd.stdout_text()),
                    osb.normalizer().apply_str(&od.stdout_text()),
                );
                if gout != oout {
                    why.push(format!(
                        "package lists differ:\n{}",
                        line_diff(&gout, &oout)
                    ));
                }
                if why.is_empty() {
                    Ok(())
                } else {
                    Err(why.join("\n"))
                }
            });
            let pkgs = od.stdout_text().lines().count();
            row.cells.push(if deps_tally[0].passed() > before {
                format!("ok ({pkgs} pkgs)")
            } else if gd.success() {
                "FAIL".into()
            } else {
                "FAIL (go too)".into()
            });
        }
    }
    row
}

fn table(rows: &[Row], self_test: bool) -> String {
    let mut head = vec!["project".to_string(), "modules".to_string()];
    head.extend(CASES.iter().map(|c| c.name.to_string()));
    head.push("list -deps ./... offline".into());
    let mut out = format!(
        "corpus_live: go vs {} through the test proxy (cells: verdict, go/ours wall time)\n\n",
        if self_test {
            "go (GOMODFETCH_CORPUS_SELF=1)"
        } else {
            "gomodfetch"
        }
    );
    out.push_str(&format!("| {} |\n", head.join(" | ")));
    out.push_str(&format!("|{}\n", "---|".repeat(head.len())));
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            r.project,
            r.modules,
            r.cells.join(" | ")
        ));
    }
    out
}

#[test]
fn corpus_against_go() {
    if std::env::var("GOMODFETCH_LIVE").as_deref() != Ok("1") {
        eprintln!("SKIPPED {TEST}: opt-in, needs the network once; run with GOMODFETCH_LIVE=1");
        return;
    }
    let Some(go) = support::go(TEST) else {
        return;
    };
    let mut projects = mirror::projects().unwrap_or_else(|e| panic!("{e}"));
    if let Ok(only) = std::env::var("GOMODFETCH_CORPUS_ONLY") {
        let wanted: Vec<&str> = only
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        projects.retain(|p| wanted.iter().any(|w| p.spec().contains(w)));
    }
    let mirror = Mirror::locate();
    let built = mirror
        .ensure(&go, &projects)
        .unwrap_or_else(|e| panic!("building the corpus mirror: {e}"));

    let universe = Universe::new();
    universe.add_tree(mirror.tree());
    let proxy = TestProxy::start(ProxyConfig::new(universe)).expect("starting the test proxy");
    let ours = Ours {
        self_test: std::env::var("GOMODFETCH_CORPUS_SELF").as_deref() == Ok("1"),
        go: go.clone(),
    };
    let mut tallies: Vec<Tally> = CASES
        .iter()
        .map(|c| Tally::new(format!("corpus_live/{}", c.name)))
        .chain([Tally::new(
            "corpus_live/list -deps ./... offline after download all",
        )])
        .collect();
    let mut rows = Vec::new();
    for b in &built {
        let t = std::time::Instant::now();
        let row = run_project(&go, &ours, &proxy, &mirror, b, &mut tallies);
        eprintln!(
            "{TEST}: {} ({} modules): {} ({:.0} s)",
            row.project,
            row.modules,
            row.cells.join(" | "),
            t.elapsed().as_secs_f64()
        );
        rows.push(row);
    }
    support::note(
        "corpus_live/table",
        &format!("\n{}", table(&rows, ours.self_test)),
    );
    // Every table's count is printed even when an earlier one failed.
    let mut failed = Vec::new();
    for (t, case) in tallies
        .into_iter()
        .zip(CASES.iter().map(Some).chain([None]))
    {
        let vendor_only = case.is_some_and(|c| c.vendor_only);
        if vendor_only
            && !built
                .iter()
                .any(|b| mirror.source(&b.project).join("vendor").is_dir())
        {
            continue; // no project in this run has a vendor directory
        }
        if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.finish())) {
            failed.push(
                e.downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| "a table failed".into()),
            );
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}

/// `gomodfetch prewarm` over the corpus projects at once (opt-in like the test
/// above; `GOMODFETCH_CORPUS_ONLY` narrows it): every project's working copy in one
/// directory, one prewarm, then in each copy `GOPROXY=off go mod download` (every
/// module its download needs is in the cache) and, where the mirror builder's worked,
/// `GOPROXY=off go list -deps ./...`; a second prewarm makes no request.
#[test]
fn corpus_prewarm() {
    if std::env::var("GOMODFETCH_LIVE").as_deref() != Ok("1") {
        eprintln!(
            "SKIPPED {TEST}/prewarm: opt-in, needs the network once; run with GOMODFETCH_LIVE=1"
        );
        return;
    }
    let Some(go) = support::go(TEST) else {
        return;
    };
    let mut projects = mirror::projects().unwrap_or_else(|e| panic!("{e}"));
    if let Ok(only) = std::env::var("GOMODFETCH_CORPUS_ONLY") {
        projects.retain(|p| {
            only.split(',')
                .any(|w| !w.trim().is_empty() && p.spec().contains(w.trim()))
        });
    }
    let mirror = Mirror::locate();
    let built = mirror
        .ensure(&go, &projects)
        .unwrap_or_else(|e| panic!("building the corpus mirror: {e}"));
    assert!(
        built.len() >= 5,
        "want at least 5 projects, have {}",
        built.len()
    );
    let universe = Universe::new();
    universe.add_tree(mirror.tree());
    let proxy = TestProxy::start(ProxyConfig::new(universe)).expect("starting the test proxy");
    let mut sb = support::sandbox();
    sb.goproxy(proxy.goproxy_url());
    let root = sb.root().join("projects");
    for b in &built {
        copy_tree(&mirror.source(&b.project), &root.join(b.project.slug()))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let t = std::time::Instant::now();
    let run = sb
        .run(GOMODFETCH, sb.root(), ["prewarm", "projects"])
        .expect("running gomodfetch prewarm");
    let cold = t.elapsed();
    assert!(run.success(), "prewarm failed\n{run}");
    let before = proxy.counters().requests;
    let t = std::time::Instant::now();
    let again = sb
        .run(GOMODFETCH, sb.root(), ["prewarm", "projects"])
        .expect("running gomodfetch prewarm");
    let warm = t.elapsed();
    assert!(again.success(), "second prewarm failed\n{again}");
    assert_eq!(
        proxy.counters().requests,
        before,
        "the second prewarm made requests"
    );
    sb.goproxy("off");
    let mut tally = Tally::new("corpus_live/prewarm: offline download and list -deps per project");
    for b in &built {
        let dir = root.join(b.project.slug());
        tally.check(b.project.spec(), || {
            let r = go
                .run(&sb, &dir, ["mod", "download"])
                .map_err(|e| e.to_string())?;
            if !r.success() {
                return Err(format!("GOPROXY=off go mod download\n{r}"));
            }
            if b.deps_ok {
                let r = go
                    .command(&sb, &dir)
                    .args(["list", "-deps", "./..."])
                    .env("GOFLAGS", "-mod=mod")
                    .stdin(std::process::Stdio::null())
                    .output()
                    .map_err(|e| e.to_string())?;
                if !r.status.success() {
                    return Err(format!(
                        "GOPROXY=off go list -deps ./...: {}\n{}",
                        r.status,
                        String::from_utf8_lossy(&r.stderr)
                    ));
                }
            }
            Ok(())
        });
    }
    support::note(
        "corpus_live/prewarm",
        &format!(
            "{} projects; cold {}, warm {}; {}",
            built.len(),
            secs(cold),
            secs(warm),
            run.stderr_text().lines().last().unwrap_or("")
        ),
    );
    tally.finish();
}
