//! Direct mode over the network as users meet it: `go mod download` and `gomodfetch
//! download` with `GOPROXY=direct` against the test git site
//! (`gomodfetch::testkit::gitserver`): `?go-get=1` discovery over https, git smart
//! HTTP through the forward proxy and TLS with the per-run CA. Compared as in
//! `vcs_direct_diff` (output, and the module cache outside `cache/vcs` and the zip
//! bytes).

use crate::download_diff::{GOMODFETCH, same_output, same_snapshots};
use crate::support::{self, Tally};
use gomodfetch::testkit::gitserver::{GitServer, RepoBuilder, missing_prerequisite};
use gomodfetch::testkit::tree::SnapshotOptions;

const TEST: &str = "vcs_direct_server";

#[test]
fn direct_mode_over_https_matches_go() {
    if let Some(why) = missing_prerequisite() {
        support::skip(TEST, &why);
        return;
    }
    let Some(go) = support::go(TEST) else { return };
    let server = GitServer::start().expect("starting the git server");
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
            c.file("sub/go.mod", "module git.gomodfetch.test/owner/repo/sub\n")
                .file("sub/sub.go", "package sub\n")
                .file("LICENSE", "the license\n");
        })
        .annotated_tag("v1.1.0", "release v1.1.0\n")
        .tag("sub/v1.0.0")
        .commit(|c| {
            c.file("README", "after v1.1.0\n");
        })
        .branch("dev")
        .build()
        .expect("building owner/repo");
    let opts = SnapshotOptions::default()
        .ignore("cache/vcs")
        .ignore("cache/download/**/*.zip");
    let mut t = Tally::new("vcs_direct_server/queries");
    for q in [
        "git.gomodfetch.test/owner/repo@v1.0.0",
        "git.gomodfetch.test/owner/repo@v1.1.0",
        "git.gomodfetch.test/owner/repo/sub@v1.0.0",
        "git.gomodfetch.test/owner/repo@dev",
        "git.gomodfetch.test/nosuch/repo@v1.0.0",
    ] {
        let mut gsb = support::sandbox();
        let mut osb = support::sandbox();
        for sb in [&mut gsb, &mut osb] {
            server.apply_env(sb);
            sb.modcacherw(false);
        }
        let args = ["mod", "download", "-json", q];
        let g = go.run(&gsb, gsb.work_dir(), args).expect("go");
        let o = osb
            .run(GOMODFETCH, osb.work_dir(), &args[1..])
            .expect("gomodfetch");
        t.check(q, || {
            same_output(&gsb, &g, &osb, &o)?;
            let gs = gsb.cache_snapshot(&opts).map_err(|e| e.to_string())?;
            let os = osb.cache_snapshot(&opts).map_err(|e| e.to_string())?;
            same_snapshots(&gs, &os, ("go", "ours"))
        });
    }
    t.finish();
}
