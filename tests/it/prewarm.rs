//! `gomodfetch prewarm` over the generated Go corpus (`testkit::goprojects`: five
//! projects with real code, overlapping module sets, a replacement, a `/v2` major,
//! an escaped path), served by the test proxy with its checksum database, against
//! the real `go` run project by project.
//!
//! * Every module each project's `go mod download` would fetch is in the cache, each
//!   requested once (no request path twice), the cache equals the one `go` leaves
//!   after downloading in every project, the projects' files are untouched, and
//!   `GOPROXY=off go list -deps ./...` succeeds in each project. A second prewarm
//!   makes no request.
//! * `--all --zips-only`: the zips of every project's `go mod download all`, none
//!   extracted; module lists from a file and from `go mod download -json` on stdin.
//! * One project's failure (malformed go.mod, a missing module, a go.sum that
//!   disagrees with the proxy) does not stop the others.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use gomodfetch::testkit::gocmd::{Go, Run, Sandbox};
use gomodfetch::testkit::goprojects::GoCorpus;
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::sumdb::{TestSumdb, VERIFIER_KEY};
use gomodfetch::testkit::tree::assert_same;
use gomodfetch::testkit::universe::Universe;
use serde_json::Value;

use crate::download_interop::{GOMODFETCH, observe, sandbox_for, snapshot};
use crate::goprojects_build::cache_zips;
use crate::support;

const TEST: &str = "prewarm";

/// The corpus served by the test proxy with its checksum database (also used by
/// `verify`'s tests).
pub struct World {
    pub go: Go,
    pub proxy: TestProxy,
    pub corpus: GoCorpus,
}

pub fn world() -> Option<World> {
    let go = support::go(TEST)?;
    let corpus = GoCorpus::generate();
    let universe = Universe::new();
    corpus.publish(&universe).expect("publishing the corpus");
    let db = TestSumdb::builder(&universe)
        .build()
        .expect("building the checksum database");
    let proxy = TestProxy::start(ProxyConfig::new(universe).tls(true).sumdb(db))
        .expect("starting the proxy");
    Some(World { go, proxy, corpus })
}

/// A fresh sandbox on the proxy, checking hashes go.sum lacks against the test
/// checksum database (through the proxy).
pub fn sandbox(w: &World) -> Sandbox {
    let mut sb = sandbox_for(&w.proxy, false);
    sb.gosumdb(VERIFIER_KEY).gonosumdb("");
    sb
}

/// Writes every corpus project under `root/<name>`; returns their directories.
fn write_projects(w: &World, root: &Path) -> Vec<PathBuf> {
    (0..w.corpus.projects().len())
        .map(|i| {
            let dir = root.join(w.corpus.projects()[i].name());
            w.corpus.write_project(i, &dir).expect("writing a project");
            dir
        })
        .collect()
}

fn prewarm(sb: &Sandbox, dir: &Path, args: &[&str]) -> Run {
    let mut argv = vec!["prewarm"];
    argv.extend_from_slice(args);
    sb.run(GOMODFETCH, dir, &argv)
        .expect("running gomodfetch prewarm")
}

/// The `--json` events of a run, by kind.
fn events(run: &Run) -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for line in run.stdout_text().lines() {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("event line {line:?}: {e}\n{run}"));
        let kind = v["Event"].as_str().unwrap_or("?").to_string();
        out.entry(kind).or_default().push(v);
    }
    out
}

fn module_ids(events: &BTreeMap<String, Vec<Value>>) -> BTreeSet<String> {
    events
        .get("module")
        .map(|ms| {
            ms.iter()
                .map(|m| {
                    format!(
                        "{}@{}",
                        m["Path"].as_str().unwrap_or(""),
                        m["Version"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `path@version` with the path escaped for the cache (`!` before upper case).
fn escape(id: &str) -> String {
    let (path, version) = id.split_once('@').expect("path@version");
    let path = gomodfetch::module::escape_path(path).expect("a valid module path");
    format!("{path}@{version}")
}

#[test]
fn prewarm_fills_what_go_fills_each_module_once() {
    let Some(w) = world() else { return };
    let sb = sandbox(&w);
    let root = sb.root().join("work");
    let projects = write_projects(&w, &root.join("projects"));
    // What the walk must skip: a vendored and a hidden go.mod that cannot load.
    for skipped in ["proj1/vendor/bogus.test/x", ".hidden"] {
        let d = root.join("projects").join(skipped);
        std::fs::create_dir_all(&d).expect("mkdir");
        std::fs::write(
            d.join("go.mod"),
            "module bogus.test/x\n\ngo 1.21\n\nrequire nowhere.test/y v1.0.0\n",
        )
        .expect("write");
    }
    // One project's go.sum lacks a zip hash: checked against the checksum database.
    let thinned = &projects[2];
    let sum = std::fs::read_to_string(thinned.join("go.sum")).expect("go.sum");
    let dropped = sum
        .lines()
        .find(|l| !l.contains("/go.mod "))
        .expect("a zip line")
        .to_string();
    std::fs::write(
        thinned.join("go.sum"),
        sum.replace(&format!("{dropped}\n"), ""),
    )
    .expect("write go.sum");
    let before: Vec<(Vec<u8>, Vec<u8>)> = projects
        .iter()
        .map(|p| {
            (
                std::fs::read(p.join("go.mod")).expect("go.mod"),
                std::fs::read(p.join("go.sum")).expect("go.sum"),
            )
        })
        .collect();

    let (run, requests) = observe(&w.proxy, || prewarm(&sb, &root, &["--json", "projects"]));
    assert!(run.success(), "prewarm failed\n{run}");
    let ev = events(&run);
    assert_eq!(
        ev.get("project").map_or(0, Vec::len),
        projects.len(),
        "{run}"
    );
    let want: BTreeSet<String> = w
        .corpus
        .projects()
        .iter()
        .flat_map(|p| p.default_zips.iter().cloned())
        .collect();
    assert_eq!(module_ids(&ev), want, "the distinct modules fetched");
    let summary = &ev["summary"][0];
    assert_eq!(
        summary["Fetched"].as_u64(),
        Some(want.len() as u64),
        "{summary}"
    );
    assert_eq!(summary["Cached"].as_u64(), Some(0), "{summary}");
    let mut seen = BTreeSet::new();
    let twice: Vec<&String> = requests
        .iter()
        .filter(|r| !seen.insert(r.as_str()))
        .collect();
    assert!(
        twice.is_empty(),
        "requested more than once: {twice:?}\nall: {requests:?}"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.contains("sumdb/") && r.contains("/lookup/")),
        "the hash go.sum lacks was not looked up: {requests:?}"
    );
    for (p, (m, s)) in projects.iter().zip(&before) {
        assert_eq!(
            &std::fs::read(p.join("go.mod")).expect("go.mod"),
            m,
            "{} go.mod changed",
            p.display()
        );
        assert_eq!(
            &std::fs::read(p.join("go.sum")).expect("go.sum"),
            s,
            "{} go.sum changed",
            p.display()
        );
    }

    // The oracle: go mod download in every project, one after another, one cache.
    let go_sb = sandbox(&w);
    let go_root = go_sb.root().join("work");
    let go_projects = write_projects(&w, &go_root.join("projects"));
    std::fs::write(
        go_projects[2].join("go.sum"),
        std::fs::read(thinned.join("go.sum")).expect("go.sum"),
    )
    .expect("write");
    for p in &go_projects {
        let r =
            w.go.mod_download(&go_sb, p, &[], Vec::<String>::new())
                .expect("running go");
        assert!(r.success(), "go mod download in {}\n{r}", p.display());
    }
    assert_same(
        &snapshot(&go_sb),
        &snapshot(&sb),
        ("go mod download per project", "gomodfetch prewarm"),
    );

    // Nothing is missing: every project lists its packages' dependencies offline.
    offline_list_deps(&w, &sb, &projects);

    // A second prewarm is a no-op on the network.
    let (again, requests) = observe(&w.proxy, || prewarm(&sb, &root, &["--json", "projects"]));
    assert!(again.success(), "{again}");
    assert!(
        requests.is_empty(),
        "the second prewarm made requests: {requests:?}"
    );
    let summary = &events(&again)["summary"][0];
    assert_eq!(summary["Fetched"].as_u64(), Some(0), "{summary}");
    assert_eq!(
        summary["Cached"].as_u64(),
        Some(want.len() as u64),
        "{summary}"
    );
}

#[test]
fn prewarm_all_zips_only_and_module_lists() {
    let Some(w) = world() else { return };
    let sb = sandbox(&w);
    let root = sb.root().join("work");
    write_projects(&w, &root.join("projects"));
    let run = prewarm(&sb, &root, &["--all", "--zips-only", "projects"]);
    assert!(run.success(), "{run}");
    let want: BTreeSet<String> = w
        .corpus
        .projects()
        .iter()
        .flat_map(|p| p.all_zips.iter().cloned())
        .collect();
    let have: BTreeSet<String> = cache_zips(sb.gomodcache()).into_iter().collect();
    assert_eq!(have, want, "the zips of every project's `all`");
    for z in &want {
        let extracted = sb.gomodcache().join(escape(z));
        assert!(!extracted.exists(), "{} was extracted", extracted.display());
    }

    // Module lists: a file, and go's own -json output on stdin.
    let go_sb = sandbox(&w);
    let from_go = ["lib.test/onlyone@v1.0.0", "lib.test/color@v1.1.0"];
    let listed = "lib.test/mathx/v2@v2.0.0";
    let json =
        w.go.mod_download(&go_sb, go_sb.work_dir(), &["-json"], from_go)
            .expect("running go");
    assert!(json.success(), "{json}");
    let r =
        w.go.mod_download(&go_sb, go_sb.work_dir(), &[], [listed])
            .expect("running go");
    assert!(r.success(), "{r}");
    let lists = sandbox(&w);
    let list_file = lists.root().join("modules.txt");
    std::fs::write(&list_file, format!("# pinned\n{listed}\n")).expect("write list");
    let mut cmd = lists.command(GOMODFETCH, lists.work_dir());
    cmd.args(["prewarm", "--modules"])
        .arg(&list_file)
        .args(["--modules", "-"]);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawning prewarm");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(json.stdout_text().as_bytes())
        .expect("writing stdin");
    let out = child.wait_with_output().expect("waiting for prewarm");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_same(
        &snapshot(&go_sb),
        &snapshot(&lists),
        ("go mod download", "gomodfetch prewarm --modules"),
    );
}

#[test]
fn one_project_failing_does_not_stop_the_others() {
    let Some(w) = world() else { return };
    let sb = sandbox(&w);
    let root = sb.root().join("work/projects");
    let projects = write_projects(&w, &root);
    std::fs::create_dir_all(root.join("broken")).expect("mkdir");
    std::fs::write(
        root.join("broken/go.mod"),
        "module example.test/broken\n\nrequire (\n",
    )
    .expect("write");
    std::fs::create_dir_all(root.join("missing")).expect("mkdir");
    std::fs::write(
        root.join("missing/go.mod"),
        "module example.test/missing\n\ngo 1.21\n\nrequire lib.test/nothere v1.0.0\n",
    )
    .expect("write");
    // A copy of proj1 whose go.sum lies about a zip every other copy needs too; it
    // sorts first, so it is the one that fetches the shared module.
    let liar = root.join("a-liar");
    w.corpus.write_project(0, &liar).expect("writing the liar");
    let sum = std::fs::read_to_string(liar.join("go.sum")).expect("go.sum");
    let line = sum
        .lines()
        .find(|l| !l.contains("/go.mod "))
        .expect("a zip line")
        .to_string();
    let (head, _) = line.rsplit_once(' ').expect("a hash");
    let bad = format!("{head} h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    std::fs::write(liar.join("go.sum"), sum.replace(&line, &bad)).expect("write go.sum");

    let run = prewarm(&sb, &root, &["--json", "."]);
    assert_eq!(run.code(), Some(1), "{run}");
    let err = run.stderr_text();
    for (who, what) in [
        ("broken", "go.mod"),
        ("missing", "lib.test/nothere"),
        ("a-liar", "checksum mismatch"),
    ] {
        assert!(
            err.lines().any(|l| l.contains(who) && l.contains(what))
                || err.contains(&format!("{who}: ")) && err.contains(what),
            "no failure for {who} ({what}) in:\n{err}"
        );
    }
    let ev = events(&run);
    let failed: BTreeSet<String> = ev["finished"]
        .iter()
        .filter(|p| p["Errors"].as_array().is_some_and(|e| !e.is_empty()))
        .filter_map(|p| {
            p["Project"]
                .as_str()
                .map(|s| s.rsplit('/').next().unwrap_or(s).to_string())
        })
        .collect();
    assert_eq!(
        failed,
        ["a-liar", "broken", "missing"]
            .into_iter()
            .map(String::from)
            .collect(),
        "{run}"
    );
    offline_list_deps(&w, &sb, &projects);
}

/// `GOPROXY=off GOFLAGS=-mod=mod go list -deps ./...` succeeds in each project, on
/// `sb`'s cache.
fn offline_list_deps(w: &World, sb: &Sandbox, projects: &[PathBuf]) {
    for p in projects {
        let out =
            w.go.command(sb, p)
                .args(["list", "-deps", "./..."])
                .env("GOPROXY", "off")
                .env("GOFLAGS", "-mod=mod")
                .stdin(Stdio::null())
                .output()
                .expect("running go list");
        assert!(
            out.status.success(),
            "GOPROXY=off go list -deps ./... in {}: {}\n{}",
            p.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
