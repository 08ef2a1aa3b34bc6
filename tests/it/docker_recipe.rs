//! The Docker recipe for Go projects (`docs/docker/Dockerfile.go-project`), run as
//! plain commands: no daemon, the RUN command lines taken from the example's text so
//! the documentation and this test cannot drift apart (the README's "Use in Docker"
//! block must show the same commands, and copy the binary from where the root
//! Dockerfile installs it).
//!
//! For every project of the Go corpus (`testkit::goprojects`), served by the local
//! test proxy, in a fresh module cache:
//! 1. with only go.mod and go.sum in the directory (the recipe's first COPY), the
//!    recipe's `gomodfetch download` step runs with `sh -c`, `gomodfetch` found on
//!    PATH as in the image (GOPROXY from the environment, as the secret mount gives
//!    it); it fetches exactly the zips `go mod download` fetches (the fixture's
//!    `default_zips`, checked against go by `goprojects_build`), and `go mod verify`
//!    accepts the cache, offline;
//! 2. with the whole project copied in, the recipe's offline build step
//!    (`GOFLAGS=-mod=mod GOPROXY=off … go build …`) succeeds;
//! 3. the negative control: the same build step on a cache that gomodfetch did not
//!    fill fails, naming a missing module, so the test can fail.
//!
//! `GOMODFETCH_RECIPE_BIN=<path>` runs the recipe with another gomodfetch binary, e.g.
//! the static one the root Dockerfile builds
//! (`target/x86_64-unknown-linux-musl/release/gomodfetch`).

use std::path::{Path, PathBuf};
use std::process::Command;

use gomodfetch::testkit::gocmd::{DEFAULT_TIMEOUT, Go, Run, Sandbox};
use gomodfetch::testkit::goprojects::{GoCorpus, Project};

use crate::download_interop::GOMODFETCH;
use crate::goprojects_build::{cache_zips, fresh_modcache, go_with, ok, serve};
use crate::support::{self, Tally};

const TEST: &str = "docker_recipe";

const RECIPE: &str = include_str!("../../docs/docker/Dockerfile.go-project");
const IMAGE: &str = include_str!("../../Dockerfile");

/// The instructions of a Dockerfile as (keyword in upper case, arguments): comment
/// lines dropped, `\` continuation lines joined with a space.
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (current.is_empty() && trimmed.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part.trim_end());
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                let (keyword, args) = current
                    .split_once(char::is_whitespace)
                    .unwrap_or((&current, ""));
                out.push((keyword.to_ascii_uppercase(), args.trim().to_string()));
                current.clear();
            }
        }
    }
    out
}

/// A RUN's shell command: its arguments without the leading `--flag=…` options.
fn shell_command(args: &str) -> String {
    let mut rest = args.trim_start();
    while rest.starts_with("--") {
        rest = rest
            .split_once(char::is_whitespace)
            .map_or("", |(_, r)| r)
            .trim_start();
    }
    rest.to_string()
}

/// The one RUN command of the recipe containing `needle`.
fn recipe_run(needle: &str) -> String {
    let runs: Vec<String> = run_commands(RECIPE)
        .into_iter()
        .filter(|c| c.contains(needle))
        .collect();
    assert_eq!(
        runs.len(),
        1,
        "RUN commands with {needle:?} in the recipe: {runs:?}"
    );
    runs[0].clone()
}

/// The binary the image runs (its ENTRYPOINT).
fn image_binary() -> String {
    let entry = instructions(IMAGE)
        .into_iter()
        .find(|(k, _)| k == "ENTRYPOINT")
        .map(|(_, a)| a)
        .expect("the image has an ENTRYPOINT");
    let list: Vec<String> = serde_json::from_str(&entry).expect("ENTRYPOINT in exec form");
    list[0].clone()
}

/// The shell commands of the RUN instructions in `dockerfile`.
fn run_commands(dockerfile: &str) -> Vec<String> {
    instructions(dockerfile)
        .into_iter()
        .filter(|(k, _)| k == "RUN")
        .map(|(_, a)| shell_command(&a))
        .collect()
}

/// The first ```` ```dockerfile ```` block of the README's "Use in Docker" section.
fn readme_dockerfile() -> String {
    let readme =
        std::fs::read_to_string(support::repo_root().join("README.md")).expect("reading README.md");
    let section = readme
        .split_once("## Use in Docker")
        .map(|(_, s)| s)
        .expect("README.md has a \"Use in Docker\" section");
    let block = section
        .split_once("```dockerfile\n")
        .and_then(|(_, b)| b.split_once("```"))
        .map(|(b, _)| b)
        .expect("a dockerfile block in \"Use in Docker\"");
    block.to_string()
}

#[test]
fn the_readme_shows_the_recipe_it_tests() {
    assert_eq!(run_commands(&readme_dockerfile()), run_commands(RECIPE));
}

#[test]
fn the_recipe_copies_the_binary_the_image_installs() {
    let bin = image_binary();
    let copy = instructions(RECIPE)
        .into_iter()
        .find(|(k, a)| k == "COPY" && a.starts_with("--from=gomodfetch "))
        .map(|(_, a)| a)
        .expect("the recipe copies from the gomodfetch image");
    let parts: Vec<&str> = copy.split_whitespace().collect();
    assert_eq!(parts, ["--from=gomodfetch", &bin, &bin], "{copy}");
    assert_eq!(recipe_run("gomodfetch download"), "gomodfetch download");
    let build = recipe_run("go build");
    for needed in ["GOFLAGS=-mod=mod", "GOPROXY=off"] {
        assert!(build.contains(needed), "{build}");
    }
}

/// The gomodfetch binary under test, in a directory of its own to put on PATH.
fn binary_dir(sb: &Sandbox) -> PathBuf {
    let bin = std::env::var_os("GOMODFETCH_RECIPE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(GOMODFETCH));
    let dir = sb.root().join("recipe-bin");
    std::fs::create_dir_all(&dir).expect("creating the bin directory");
    std::os::unix::fs::symlink(&bin, dir.join("gomodfetch")).expect("linking gomodfetch");
    dir
}

/// `sh -c <command>` in `dir` with the sandbox's environment, `bin_dir` first on
/// PATH (the image's /usr/local/bin).
fn sh(sb: &Sandbox, bin_dir: &Path, dir: &Path, command: &str) -> Run {
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf()).chain(
            std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
                .unwrap_or_default(),
        ),
    )
    .expect("a PATH");
    let mut cmd: Command = sb.command("sh", dir);
    cmd.arg("-c").arg(command).env("PATH", path);
    Run::capture(cmd, Some(DEFAULT_TIMEOUT)).expect("running sh")
}

struct Steps {
    download: String,
    build: String,
    bin_dir: PathBuf,
}

fn check_project(go: &Go, sb: &mut Sandbox, steps: &Steps, p: &Project) -> Result<(), String> {
    let dir = sb.root().join(p.name());
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("go.mod"), &p.go_mod).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("go.sum"), &p.go_sum).map_err(|e| e.to_string())?;
    let cache = fresh_modcache(sb, &format!("mod-{}", p.name()));
    ok(
        "the recipe's download step",
        &sh(sb, &steps.bin_dir, &dir, &steps.download),
    )?;
    let zips = cache_zips(&cache);
    if zips != p.default_zips {
        return Err(format!(
            "zips in the cache: {zips:?}, go mod download fetches {:?}",
            p.default_zips
        ));
    }
    let verify = go_with(go, sb, &dir, &[("GOPROXY", "off")], &["mod", "verify"]);
    ok("go mod verify", &verify)?;
    if !verify.stdout_text().contains("all modules verified") {
        return Err(format!("go mod verify said: {}", verify.stdout_text()));
    }
    p.write(&dir).map_err(|e| e.to_string())?;
    ok(
        "the recipe's offline build step",
        &sh(sb, &steps.bin_dir, &dir, &steps.build),
    )?;

    // The negative control: the same build on a cache nothing filled.
    let bare = sb.root().join(format!("{}-unfetched", p.name()));
    p.write(&bare).map_err(|e| e.to_string())?;
    fresh_modcache(sb, &format!("mod-{}-empty", p.name()));
    let run = sh(sb, &steps.bin_dir, &bare, &steps.build);
    if run.success() || !run.stderr_text().contains("lib.test/") {
        return Err(format!(
            "the offline build without the download should fail on a missing module:\n{run}\n{}",
            run.stderr_text()
        ));
    }
    Ok(())
}

#[test]
fn the_recipe_downloads_what_the_offline_build_needs() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let corpus = GoCorpus::generate();
    let proxy = serve(&corpus);
    let mut sb = crate::goprojects_build::sandbox_for(&proxy);
    // The image runs with an empty GOFLAGS, so the cache is read-only as go leaves it.
    sb.modcacherw(false);
    let steps = Steps {
        download: recipe_run("gomodfetch download"),
        build: recipe_run("go build"),
        bin_dir: binary_dir(&sb),
    };
    let mut t = Tally::new("docker_recipe/download step, go mod verify, offline build");
    for p in corpus.projects() {
        t.check(&p.path, || check_project(&go, &mut sb, &steps, p));
    }
    t.finish();
}
