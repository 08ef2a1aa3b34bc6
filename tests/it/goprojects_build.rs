//! The Go corpus fixture (`testkit::goprojects`) is known-good: for every project, in
//! a fresh module cache filled from the test proxy by the real `go`,
//!
//! 1. `go mod download` (no arguments) fetches exactly the zips the fixture says
//!    (`default_zips`), and then `GOFLAGS=-mod=mod GOPROXY=off go build ./...` builds;
//! 2. `go mod download all` fetches exactly `all_zips`, and `go list -m all` lists
//!    `build_list` (so the no-argument set of proj3 really differs from `all`);
//! 3. `go mod tidy -diff` finds nothing to change in go.mod and go.sum;
//! 4. `go mod verify` accepts the cache.
//!
//! One sandbox (one build cache, so the standard library compiles once) with one
//! module cache per project.

use std::path::{Path, PathBuf};

use gomodfetch::module;
use gomodfetch::testkit::gocmd::{Go, Run, Sandbox};
use gomodfetch::testkit::goprojects::{GoCorpus, Project};
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::Universe;

use crate::support::{self, Tally};

const TEST: &str = "goprojects_build";

/// The corpus served by a new test proxy (plain HTTP on loopback).
pub fn serve(corpus: &GoCorpus) -> TestProxy {
    let universe = Universe::new();
    corpus.publish(&universe).expect("publishing the corpus");
    TestProxy::start(ProxyConfig::new(universe)).expect("starting the test proxy")
}

/// A sandbox using `proxy`, without a checksum database (go.sum has every hash).
pub fn sandbox_for(proxy: &TestProxy) -> Sandbox {
    let mut sb = support::sandbox();
    sb.goproxy(proxy.goproxy_url());
    sb
}

/// Points the sandbox at a new, empty module cache `<root>/<name>` and returns it.
pub fn fresh_modcache(sb: &mut Sandbox, name: &str) -> PathBuf {
    let dir = sb.root().join(name);
    std::fs::create_dir_all(&dir).expect("creating a module cache");
    sb.set("GOMODCACHE", &dir);
    dir
}

/// Writes project `p` under `<root>/<name>` and returns the directory.
pub fn write_project(sb: &Sandbox, p: &Project) -> PathBuf {
    let dir = sb.root().join(p.name());
    p.write(&dir).expect("writing the project");
    dir
}

/// `path@version` of every zip in the module cache `modcache`, sorted.
pub fn cache_zips(modcache: &Path) -> Vec<String> {
    let download = modcache.join("cache/download");
    let mut out = Vec::new();
    let mut stack = vec![download.clone()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Some(version) = p
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".zip"))
            else {
                continue;
            };
            let Some(at_v) = p.parent() else { continue };
            let Ok(rel) = at_v.strip_prefix(&download) else {
                continue;
            };
            let Some(escaped) = rel.to_str().and_then(|r| r.strip_suffix("/@v")) else {
                continue;
            };
            let path = module::unescape_path(escaped).expect("an escaped cache path");
            let version = module::unescape_version(version).expect("an escaped version");
            out.push(format!("{path}@{version}"));
        }
    }
    out.sort();
    out
}

/// `go <args>` in `dir` with extra environment variables over the sandbox's.
pub fn go_with(go: &Go, sb: &Sandbox, dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = go.command(sb, dir);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Run::capture(cmd, Some(gomodfetch::testkit::gocmd::DEFAULT_TIMEOUT)).expect("running go")
}

/// The proof that a cache holds what a build needs: `GOFLAGS=-mod=mod GOPROXY=off go
/// build ./...`.
pub fn offline_build(go: &Go, sb: &Sandbox, dir: &Path) -> Run {
    go_with(
        go,
        sb,
        dir,
        &[("GOFLAGS", "-mod=mod"), ("GOPROXY", "off")],
        &["build", "./..."],
    )
}

/// `Ok` when `run` succeeded, else its command line, status, stdout and stderr.
pub fn ok(what: &str, run: &Run) -> Result<(), String> {
    if run.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed:\n{run}\nstdout:\n{}\nstderr:\n{}",
            run.stdout_text(),
            run.stderr_text()
        ))
    }
}

fn same(what: &str, got: &[String], want: &[String]) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}:\n  got  {got:?}\n  want {want:?}"))
    }
}

/// `go list -m all` without the main module, as `path@version` (before replacement).
fn list_all(run: &Run) -> Vec<String> {
    let mut out: Vec<String> = run
        .stdout_text()
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some(format!("{}@{}", f.next()?, f.next()?))
        })
        .collect();
    out.sort();
    out
}

fn check_project(go: &Go, sb: &mut Sandbox, p: &Project) -> Result<(), String> {
    let dir = write_project(sb, p);
    let cache = fresh_modcache(sb, &format!("mod-{}", p.name()));
    ok(
        "go mod download",
        &go.run(sb, &dir, ["mod", "download"]).expect("go"),
    )?;
    same(
        "zips after go mod download",
        &cache_zips(&cache),
        &p.default_zips,
    )?;
    ok("offline go build ./...", &offline_build(go, sb, &dir))?;

    ok(
        "go mod download all",
        &go.run(sb, &dir, ["mod", "download", "all"]).expect("go"),
    )?;
    same(
        "zips after go mod download all",
        &cache_zips(&cache),
        &p.all_zips,
    )?;
    let list = go.run(sb, &dir, ["list", "-m", "all"]).expect("go");
    ok("go list -m all", &list)?;
    same("go list -m all", &list_all(&list), &p.build_list)?;

    let tidy = go.run(sb, &dir, ["mod", "tidy", "-diff"]).expect("go");
    ok(
        "go mod tidy -diff (go.mod/go.sum as tidy writes them)",
        &tidy,
    )?;
    ok("go mod verify", &go.mod_verify(sb, &dir).expect("go"))
}

#[test]
fn every_project_builds_from_what_go_mod_download_fetched() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let corpus = GoCorpus::generate();
    let proxy = serve(&corpus);
    let mut sb = sandbox_for(&proxy);
    let mut t = Tally::new("goprojects_build/go mod download, offline build, tidy");
    for p in corpus.projects() {
        t.check(&p.path, || check_project(&go, &mut sb, p));
    }
    t.finish();
}
