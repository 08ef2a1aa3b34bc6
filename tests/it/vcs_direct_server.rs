//! Direct mode over the network as users meet it: `go mod download` and `gomodfetch
//! download` with `GOPROXY=direct` against the test git site
//! (`gomodfetch::testkit::gitserver`): `?go-get=1` discovery over https, git smart
//! HTTP through the forward proxy and TLS with the per-run CA. Compared as in
//! `vcs_direct_diff` (output, and the module cache outside `cache/vcs` and the zip
//! bytes).

use crate::download_diff::line_diff;
use crate::gitserver::owner_repo;
use crate::support::{self, Tally};
use crate::vcs_direct_diff::{download_both, run_both};
use gomodfetch::testkit::gitserver::{
    GitServer, GoImport, MetaReply, RepoBuilder, missing_prerequisite,
};
use gomodfetch::testkit::gocmd::{Go, Sandbox};

const TEST: &str = "vcs_direct_server";

/// go and the test git site with the `owner/repo` fixture, unless a prerequisite
/// is missing (then the test is skipped, loudly).
fn start() -> Option<(Go, GitServer)> {
    if let Some(why) = missing_prerequisite() {
        support::skip(TEST, &why);
        return None;
    }
    let go = support::go(TEST)?;
    let server = GitServer::start().expect("starting the git server");
    owner_repo(&server);
    Some((go, server))
}

/// A [`sandbox`] whose HTTPS clients trust nothing of the site (an empty
/// `SSL_CERT_FILE`; git keeps `GIT_SSL_CAINFO`), with GOINSECURE for its host.
fn untrusting(server: &GitServer) -> Sandbox {
    let mut sb = sandbox(server);
    let untrusted = sb.home().join("no-test-ca.pem");
    std::fs::write(&untrusted, "").unwrap();
    sb.ssl_cert_file(&untrusted)
        .goinsecure("git.gomodfetch.test");
    sb
}

/// A fresh sandbox that reaches the site, without `-modcacherw` (modes compared).
fn sandbox(server: &GitServer) -> Sandbox {
    let mut sb = support::sandbox();
    server.apply_env(&mut sb);
    sb.modcacherw(false);
    sb
}

#[test]
fn direct_mode_over_https_matches_go() {
    let Some((go, server)) = start() else { return };
    let mut t = Tally::new("vcs_direct_server/queries");
    for q in [
        "git.gomodfetch.test/owner/repo@v1.0.0",
        "git.gomodfetch.test/owner/repo@v1.1.0",
        "git.gomodfetch.test/owner/repo/sub@v1.0.0",
        "git.gomodfetch.test/owner/repo@dev",
        "git.gomodfetch.test/owner/repo@main",
        "git.gomodfetch.test/nosuch/repo@v1.0.0",
    ] {
        let (gsb, osb) = (sandbox(&server), sandbox(&server));
        t.check(q, || download_both(&go, &gsb, &osb, q));
    }
    t.finish();
}

/// The git commands go's `-x` trace shows that stand for no work of ours (reads of
/// the local repository, which gomodfetch does in-process through libgit2).
const LOCAL_READS: [&str; 7] = [
    "git config extensions.objectformat",
    "git tag -l",
    "git -c log.showsignature=false log",
    "git cat-file",
    "git -c core.autocrlf=input -c core.eol=lf archive",
    "git for-each-ref",
    "git merge-base",
];

/// A `-x` stderr as lines without timings (`0.012s # cd …` → `# cd …`, `# get …: 200
/// OK (0.003s)` → `# get …: 200 OK`), paths normalised, go's local reads dropped.
fn x_lines(sb: &Sandbox, stderr: &str) -> Vec<String> {
    let text = sb.normalizer().apply_str(stderr);
    text.lines()
        .map(|l| match l.split_once("s # ") {
            Some((secs, rest)) if secs.parse::<f64>().is_ok() => format!("# {rest}"),
            _ => match l.rsplit_once(" (") {
                Some((head, t)) if t.ends_with("s)") && l.starts_with("# get ") => head.into(),
                _ => l.to_string(),
            },
        })
        .filter(|l| {
            let cmd = l.split_once("; ").map_or("", |(_, c)| c);
            !LOCAL_READS.iter().any(|r| cmd.starts_with(r))
        })
        .collect()
}

/// `-x` in direct mode prints go's lines for discovery, the work directory and
/// every git command that stands for work we do (ls-remote, init, remote add, the
/// fetches, tags), in go's order: in a fresh cache, then in the same cache again.
#[test]
fn direct_mode_x_trace_matches_go() {
    let Some((go, server)) = start() else { return };
    let mut t = Tally::new("vcs_direct_server/-x");
    for q in [
        "git.gomodfetch.test/owner/repo@v1.1.0",
        "git.gomodfetch.test/owner/repo@latest",
        "git.gomodfetch.test/owner/repo/sub@v1.0.0",
        "git.gomodfetch.test/owner/repo@dev",
    ] {
        let (gsb, osb) = (sandbox(&server), sandbox(&server));
        for round in ["fresh", "reused"] {
            t.check(format!("{q} ({round})"), || same_x(&go, &gsb, &osb, q));
        }
    }
    t.finish();
}

/// `go mod download -x -json <q>` and ours: the same exit code, stdout and `-x`
/// lines ([`x_lines`]).
fn same_x(go: &Go, gsb: &Sandbox, osb: &Sandbox, q: &str) -> Result<(), String> {
    let (g, o) = run_both(go, gsb, osb, &["mod", "download", "-x", "-json", q])?;
    let (gout, oout) = (
        gsb.normalizer().apply_str(&g.stdout_text()),
        osb.normalizer().apply_str(&o.stdout_text()),
    );
    if g.code() != o.code() || gout != oout {
        return Err(format!(
            "exit code go {:?}, ours {:?}; stdout:\n{}",
            g.code(),
            o.code(),
            line_diff(&gout, &oout)
        ));
    }
    let (gx, ox) = (
        x_lines(gsb, &g.stderr_text()),
        x_lines(osb, &o.stderr_text()),
    );
    if gx != ox {
        return Err(format!(
            "-x lines differ:\n{}",
            line_diff(&gx.join("\n"), &ox.join("\n"))
        ));
    }
    Ok(())
}

/// GOINSECURE: the discovery page is fetched over https without checking the
/// certificate (the sandboxes do not trust the site's CA), as go's client for such
/// paths does, before any `http` fallback. The page names no matching prefix, so
/// the outcome is discovery's error, which quotes the URL it read (`https://…`):
/// compared with `-x`, where a verified attempt would show a failed `# get` and
/// then the `http` page.
#[test]
fn goinsecure_discovery_skips_certificate_checks_as_go() {
    let Some((go, server)) = start() else { return };
    server.set_meta(
        "git.gomodfetch.test/owner/repo",
        MetaReply::imports(&[GoImport::new(
            "git.gomodfetch.test/elsewhere",
            "git",
            "https://git.gomodfetch.test/elsewhere",
        )]),
    );
    let (gsb, osb) = (untrusting(&server), untrusting(&server));
    let q = "git.gomodfetch.test/owner/repo@v1.0.0";
    let mut t = Tally::new("vcs_direct_server/GOINSECURE");
    t.check(q, || {
        let g = go
            .run(&gsb, gsb.work_dir(), ["mod", "download", "-json", q])
            .map_err(|e| e.to_string())?;
        if !g
            .stdout_text()
            .contains("parse https://git.gomodfetch.test/owner/repo?go-get=1")
        {
            return Err(format!(
                "go did not read the https page: {}",
                g.stdout_text()
            ));
        }
        same_x(&go, &gsb, &osb, q)
    });
    t.finish();
}

/// A private repository (the site asks for Basic credentials on its git requests):
/// with the login in `$HOME/.netrc`, go's git and our libgit2 both send it and get
/// the module, identically; without it both fail, and our error does not show the
/// password (nothing leaks into output either way).
#[test]
fn netrc_login_reaches_a_private_repository_as_go() {
    let Some((go, server)) = start() else { return };
    server.require_auth("owner/private", "alice", "s3cret-pw");
    RepoBuilder::new(server.root(), "owner/private")
        .commit(|c| {
            c.file(
                "go.mod",
                "module git.gomodfetch.test/owner/private\n\ngo 1.21\n",
            )
            .file("p.go", "package private\n");
        })
        .tag("v1.0.0")
        .build()
        .expect("building owner/private");
    let q = "git.gomodfetch.test/owner/private@v1.0.0";
    let mut t = Tally::new("vcs_direct_server/netrc");
    t.check("with .netrc", || {
        let (gsb, osb) = (sandbox(&server), sandbox(&server));
        for sb in [&gsb, &osb] {
            let netrc = "machine git.gomodfetch.test login alice password s3cret-pw\n";
            std::fs::write(sb.home().join(".netrc"), netrc).unwrap();
        }
        download_both(&go, &gsb, &osb, q)
    });
    t.check("without .netrc", || {
        let (gsb, osb) = (sandbox(&server), sandbox(&server));
        let (g, o) = run_both(&go, &gsb, &osb, &["mod", "download", "-json", q])?;
        if g.code() != Some(1) || o.code() != Some(1) {
            return Err(format!(
                "exit codes: go {:?}, ours {:?}",
                g.code(),
                o.code()
            ));
        }
        let out = o.stdout_text() + &o.stderr_text();
        if out.contains("s3cret") || !out.contains("owner/private") {
            return Err(format!("our failure: {out}"));
        }
        Ok(())
    });
    t.finish();
}

/// git's own TLS settings, which the git go runs reads: with the site's CA given
/// only as `GIT_SSL_CAINFO` (go's and our HTTPS clients trust nothing of it, so
/// discovery goes through GOINSECURE), or with `GIT_SSL_NO_VERIFY` and no CA at
/// all, both tools clone over https and produce the same module; with neither,
/// both refuse the server.
#[test]
fn git_tls_settings_apply_as_for_go() {
    let Some((go, server)) = start() else { return };
    let q = "git.gomodfetch.test/owner/repo@v1.1.0";
    let mut t = Tally::new("vcs_direct_server/git TLS settings");
    for case in ["GIT_SSL_CAINFO", "GIT_SSL_NO_VERIFY"] {
        let (mut gsb, mut osb) = (untrusting(&server), untrusting(&server));
        for sb in [&mut gsb, &mut osb] {
            if case == "GIT_SSL_NO_VERIFY" {
                sb.remove("GIT_SSL_CAINFO").set("GIT_SSL_NO_VERIFY", "1");
            }
        }
        t.check(case, || {
            let (g, o) = run_both(&go, &gsb, &osb, &["mod", "download", "-json", q])?;
            if g.code() != Some(0) {
                return Err(format!("go failed: {}", g.stdout_text()));
            }
            crate::vcs_direct_diff::same_direct(&gsb, &g, &osb, &o)
        });
    }
    // Neither: both fail, ours at once and naming the certificate (libgit2 alone
    // would hang after its failed check through the proxy).
    let (mut gsb, mut osb) = (untrusting(&server), untrusting(&server));
    for sb in [&mut gsb, &mut osb] {
        sb.remove("GIT_SSL_CAINFO")
            .timeout(Some(std::time::Duration::from_secs(120)));
    }
    t.check("untrusted", || {
        let (g, o) = run_both(&go, &gsb, &osb, &["mod", "download", "-json", q])?;
        let out = o.stdout_text();
        if g.code() != Some(1) || o.code() != Some(1) || !out.contains("certificate") {
            return Err(format!("go {:?}, ours {:?}: {out}", g.code(), o.code()));
        }
        Ok(())
    });
    t.finish();
}
