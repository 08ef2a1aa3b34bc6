//! Direct mode over the network as users meet it: `go mod download` and `gomodfetch
//! download` with `GOPROXY=direct` against the test git site
//! (`gomodfetch::testkit::gitserver`): `?go-get=1` discovery over https, git smart
//! HTTP through the forward proxy and TLS with the per-run CA. Compared as in
//! `vcs_direct_diff` (output, and the module cache outside `cache/vcs` and the zip
//! bytes).

use crate::gitserver::owner_repo;
use crate::support::{self, Tally};
use crate::vcs_direct_diff::download_both;
use gomodfetch::testkit::gitserver::{GitServer, missing_prerequisite};

const TEST: &str = "vcs_direct_server";

#[test]
fn direct_mode_over_https_matches_go() {
    if let Some(why) = missing_prerequisite() {
        support::skip(TEST, &why);
        return;
    }
    let Some(go) = support::go(TEST) else { return };
    let server = GitServer::start().expect("starting the git server");
    owner_repo(&server);
    let mut t = Tally::new("vcs_direct_server/queries");
    for q in [
        "git.gomodfetch.test/owner/repo@v1.0.0",
        "git.gomodfetch.test/owner/repo@v1.1.0",
        "git.gomodfetch.test/owner/repo/sub@v1.0.0",
        "git.gomodfetch.test/owner/repo@dev",
        "git.gomodfetch.test/owner/repo@main",
        "git.gomodfetch.test/nosuch/repo@v1.0.0",
    ] {
        let mut gsb = support::sandbox();
        let mut osb = support::sandbox();
        for sb in [&mut gsb, &mut osb] {
            server.apply_env(sb);
            sb.modcacherw(false);
        }
        t.check(q, || download_both(&go, &gsb, &osb, q));
    }
    t.finish();
}
