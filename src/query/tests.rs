//! The resolution algorithm over an in-memory repository: Go's `TestQuery` table
//! (`modload/query_test.go`, whose repository `querytest.git` is modelled below by
//! the tags and commits its cases reveal), then the `+incompatible`, `Latest`,
//! exclusion and retraction rules.

use super::*;
use crate::revinfo::{GoTime, Origin, RevInfo};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

/// Runs a future that never waits (the fake repository answers at once).
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the fake repository never waits"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct FakeErr {
    text: String,
    not_found: bool,
    origin: Option<Origin>,
}

/// A repository: listed tags, what Stat answers per revision, `Latest`, which
/// versions have a go.mod, and the allowed predicate.
struct Fake {
    path: String,
    tags: Vec<String>,
    stats: HashMap<String, RevInfo>,
    latest: Option<RevInfo>,
    no_go_mod: Vec<String>,
    allow: fn(&str) -> bool,
    retractions: Retractions,
    /// The origin of every version list, and of a failed Stat.
    list_origin: Option<Origin>,
    error_origin: Option<Origin>,
    /// Every call, for the tests that check what was read.
    calls: Mutex<Vec<String>>,
}

fn info(version: &str, time: &str) -> RevInfo {
    RevInfo {
        version: version.to_string(),
        time: GoTime::parse(time).unwrap(),
        origin: Some(Origin {
            hash: "h".into(),
            ..Origin::default()
        }),
    }
}

impl Fake {
    fn new(path: &str, tags: &[&str]) -> Fake {
        let mut stats = HashMap::new();
        for (i, t) in tags.iter().enumerate() {
            // Tags in commit order, a minute apart, on 2018-07-04.
            let time = format!("2018-07-04T02:{:02}:00Z", i % 60);
            stats.insert(t.to_string(), info(t, &time));
        }
        let mut tags: Vec<String> = tags.iter().map(|s| s.to_string()).collect();
        crate::semver::sort(&mut tags);
        Fake {
            path: path.to_string(),
            tags,
            stats,
            latest: None,
            no_go_mod: Vec::new(),
            allow: |_| true,
            retractions: Retractions::default(),
            list_origin: None,
            error_origin: None,
            calls: Mutex::new(Vec::new()),
        }
    }

    /// `rev` resolves to `version` at `time`.
    fn rev(mut self, rev: &str, version: &str, time: &str) -> Fake {
        self.stats.insert(rev.to_string(), info(version, time));
        self
    }

    fn log(&self, s: String) {
        self.calls.lock().unwrap().push(s);
    }

    fn run(&self, query: &str, current: &str) -> Result<String, String> {
        match block_on(super::query(self, &self.path, query, current)) {
            Ok(rev) => Ok(rev.version),
            Err(Failed {
                failure: Failure::Query(e),
                ..
            }) => Err(e.to_string()),
            Err(Failed {
                failure: Failure::Repo(e),
                ..
            }) => Err(e.text),
        }
    }
}

impl Repo for Fake {
    type Error = FakeErr;

    async fn versions(&self, prefix: &str) -> Result<Versions, FakeErr> {
        self.log(format!("versions {prefix}"));
        Ok(Versions {
            list: self
                .tags
                .iter()
                .filter(|t| t.starts_with(prefix))
                .cloned()
                .collect(),
            origin: self.list_origin.clone(),
        })
    }

    async fn stat(&self, rev: &str) -> Result<RevInfo, FakeErr> {
        self.log(format!("stat {rev}"));
        self.stats.get(rev).cloned().ok_or_else(|| FakeErr {
            text: format!(
                "{}@{rev}: invalid version: unknown revision {rev}",
                self.path
            ),
            not_found: true,
            origin: self.error_origin.clone(),
        })
    }

    async fn latest(&self) -> Result<RevInfo, FakeErr> {
        self.log("latest".into());
        self.latest.clone().ok_or_else(|| FakeErr {
            origin: None,
            text: "no commits".into(),
            not_found: true,
        })
    }

    async fn has_go_mod(&self, version: &str) -> Result<bool, FakeErr> {
        self.log(format!("gomod {version}"));
        Ok(!self.no_go_mod.iter().any(|v| v == version))
    }

    async fn allowed(&self, version: &str) -> Result<Option<Disallowed>, FakeErr> {
        if !(self.allow)(version) {
            return Ok(Some(Disallowed::Excluded));
        }
        Ok(self.retractions.check(&self.path, version))
    }

    fn is_not_found(e: &FakeErr) -> bool {
        e.not_found
    }

    fn error_origin(e: &FakeErr) -> Option<Origin> {
        e.origin.clone()
    }
}

const QUERY_REPO: &str = "vcs-test.golang.org/git/querytest.git";

/// `querytest.git` as seen from its v0/v1 path.
fn query_repo() -> Fake {
    let tags = [
        "v0.0.0-pre1",
        "v0.0.0",
        "v0.0.1",
        "v0.0.2",
        "v0.0.3",
        "v0.1.0",
        "v0.1.1",
        "v0.1.2",
        "v0.3.0",
        "v1.0.0",
        "v1.1.0",
        "v1.9.0",
        "v1.9.1",
        "v1.9.2",
        "v1.9.3",
        "v1.9.4",
        "v1.9.5",
        "v1.9.6",
        "v1.9.7",
        "v1.9.8",
        "v1.9.9",
        "v1.9.10-pre1",
    ];
    let pre2 = "v1.9.10-pre2.0.20190513201126-42abcb6df8ee";
    let pseudo_current = "v0.0.0-20190513201126-42abcb6df8ee";
    Fake::new(QUERY_REPO, &tags)
        .rev("v0.0.1+foo", "v0.0.1", "2018-07-04T02:02:00Z")
        .rev("v1.9.10-pre2+metadata", pre2, "2019-05-13T20:11:26Z")
        .rev("42abcb6df8ee", pre2, "2019-05-13T20:11:26Z")
        .rev(pseudo_current, pseudo_current, "2019-05-13T20:11:26Z")
        .rev(pre2, pre2, "2019-05-13T20:11:26Z")
        .rev(
            "6cf84eb",
            "v0.0.2-0.20180704023347-6cf84ebaea54",
            "2018-07-04T02:33:47Z",
        )
        .rev(
            "start",
            "v0.0.0-20180704023101-5e9e31667ddf",
            "2018-07-04T02:31:01Z",
        )
        .rev("7a1b6bf", "v0.1.0", "2018-07-04T02:05:00Z")
}

/// Go's table: (path, query, current, allow, want version or error).
#[test]
fn go_query_table() {
    let all: fn(&str) -> bool = |_| true;
    let none: fn(&str) -> bool = |_| false;
    let v2 = || {
        Fake::new(
            &format!("{QUERY_REPO}/v2"),
            &["v2.0.0", "v2.5.5", "v2.6.0-pre1"],
        )
    };
    let v3 = || Fake::new(&format!("{QUERY_REPO}/v3"), &[]);
    let empty = || {
        let pseudo = "v0.0.0-20180704023549-7bb914627242";
        let mut f = Fake::new("vcs-test.golang.org/git/emptytest.git", &[]).rev(
            pseudo,
            pseudo,
            "2018-07-04T02:35:49Z",
        );
        f.latest = Some(info(pseudo, "2018-07-04T02:35:49Z"));
        f
    };
    type Case = (
        fn() -> Fake,
        &'static str,
        &'static str,
        bool,
        Result<&'static str, String>,
    );
    let nomatch = |q: &str| Err(format!("no matching versions for query \"{q}\""));
    let unknown = |v: &str| {
        Err(format!(
            "{QUERY_REPO}@{v}: invalid version: unknown revision {v}"
        ))
    };
    let cases: Vec<Case> = vec![
        (query_repo, "<v0.0.0", "", true, Ok("v0.0.0-pre1")),
        (
            query_repo,
            "<v0.0.0-pre1",
            "",
            true,
            nomatch("<v0.0.0-pre1"),
        ),
        (query_repo, "<=v0.0.0", "", true, Ok("v0.0.0")),
        (query_repo, ">v0.0.0", "", true, Ok("v0.0.1")),
        (query_repo, ">=v0.0.0", "", true, Ok("v0.0.0")),
        (query_repo, "v0.0.1", "", true, Ok("v0.0.1")),
        (query_repo, "v0.0.1+foo", "", true, Ok("v0.0.1")),
        (query_repo, "v0.0.99", "", true, unknown("v0.0.99")),
        (query_repo, "v0", "", true, Ok("v0.3.0")),
        (query_repo, "v0.1", "", true, Ok("v0.1.2")),
        (query_repo, "v0.2", "", true, nomatch("v0.2")),
        (query_repo, "v0.0", "", true, Ok("v0.0.3")),
        (
            query_repo,
            "v1.9.10-pre2+metadata",
            "",
            true,
            Ok("v1.9.10-pre2.0.20190513201126-42abcb6df8ee"),
        ),
        (
            query_repo,
            "42abcb6df8ee",
            "",
            true,
            Ok("v1.9.10-pre2.0.20190513201126-42abcb6df8ee"),
        ),
        (
            query_repo,
            "v1.9.10-pre2+wrongmetadata",
            "",
            true,
            unknown("v1.9.10-pre2+wrongmetadata"),
        ),
        (
            query_repo,
            "v1.9.10-pre2",
            "",
            true,
            unknown("v1.9.10-pre2"),
        ),
        (query_repo, "latest", "", true, Ok("v1.9.9")),
        (query_repo, "latest", "v1.9.10-pre1", true, Ok("v1.9.9")),
        (query_repo, "upgrade", "", true, Ok("v1.9.9")),
        (
            query_repo,
            "upgrade",
            "v1.9.10-pre1",
            true,
            Ok("v1.9.10-pre1"),
        ),
        (
            query_repo,
            "upgrade",
            "v1.9.10-pre2+metadata",
            true,
            Ok("v1.9.10-pre2.0.20190513201126-42abcb6df8ee"),
        ),
        (
            query_repo,
            "upgrade",
            "v0.0.0-20190513201126-42abcb6df8ee",
            true,
            Ok("v0.0.0-20190513201126-42abcb6df8ee"),
        ),
        (query_repo, "upgrade", "", false, nomatch("upgrade")),
        (
            query_repo,
            "upgrade",
            "v1.9.9",
            false,
            Err(format!("{QUERY_REPO}@v1.9.9: excluded by go.mod")),
        ),
        (query_repo, "upgrade", "v1.99.99", true, unknown("v1.99.99")),
        (
            query_repo,
            "patch",
            "",
            true,
            Err(format!(
                "can't query version \"patch\" of module {QUERY_REPO}: no existing version is required"
            )),
        ),
        (query_repo, "patch", "v0.1.0", true, Ok("v0.1.2")),
        (query_repo, "patch", "v1.9.0", true, Ok("v1.9.9")),
        (
            query_repo,
            "patch",
            "v1.9.10-pre1",
            true,
            Ok("v1.9.10-pre1"),
        ),
        (
            query_repo,
            "patch",
            "v1.9.10-pre2+metadata",
            true,
            Ok("v1.9.10-pre2.0.20190513201126-42abcb6df8ee"),
        ),
        (query_repo, "patch", "v1.99.99", true, unknown("v1.99.99")),
        (query_repo, ">v1.9.9", "", true, Ok("v1.9.10-pre1")),
        (query_repo, ">v1.10.0", "", true, nomatch(">v1.10.0")),
        (query_repo, ">=v1.10.0", "", true, nomatch(">=v1.10.0")),
        (
            query_repo,
            "6cf84eb",
            "",
            true,
            Ok("v0.0.2-0.20180704023347-6cf84ebaea54"),
        ),
        (
            query_repo,
            "start",
            "",
            true,
            Ok("v0.0.0-20180704023101-5e9e31667ddf"),
        ),
        (query_repo, "7a1b6bf", "", true, Ok("v0.1.0")),
        (v2, "<v0.0.0", "", true, nomatch("<v0.0.0")),
        (v2, "<=v0.0.0", "", true, nomatch("<=v0.0.0")),
        (v2, ">v0.0.0", "", true, Ok("v2.0.0")),
        (v2, ">=v0.0.0", "", true, Ok("v2.0.0")),
        (v2, "v2", "", true, Ok("v2.5.5")),
        (v2, "v2.5", "", true, Ok("v2.5.5")),
        (v2, "v2.6", "", true, nomatch("v2.6")),
        (v2, "v2.6.0-pre1", "", true, Ok("v2.6.0-pre1")),
        (v2, "latest", "", true, Ok("v2.5.5")),
        (v3, "latest", "", true, nomatch("latest")),
        (
            empty,
            "latest",
            "",
            true,
            Ok("v0.0.0-20180704023549-7bb914627242"),
        ),
        (empty, ">v0.0.0", "", true, nomatch(">v0.0.0")),
        (empty, "<v10.0.0", "", true, nomatch("<v10.0.0")),
    ];
    let mut failures = Vec::new();
    for (repo, query, current, allow, want) in &cases {
        let mut r = repo();
        r.allow = if *allow { all } else { none };
        let got = r.run(query, current);
        let want = want.clone().map(str::to_string);
        if got != want {
            failures.push(format!(
                "{}@{query} (current {current:?}, allow {allow}): got {got:?}, want {want:?}",
                r.path
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn query_errors_before_any_read() {
    let r = query_repo();
    assert_eq!(
        r.run("latest", "vx"),
        Err(format!("invalid previous version {QUERY_REPO}@vx"))
    );
    assert_eq!(
        r.run("<=v1.2", ""),
        Err("ambiguous semantic version \"v1.2\" in range \"<=v1.2\"".into())
    );
    assert!(r.calls.lock().unwrap().is_empty());
    let std = Fake::new("std", &[]);
    assert_eq!(
        std.run("v1.0.0", ""),
        Err("can't query specific version (\"v1.0.0\") of standard-library module \"std\"".into())
    );
    let bad = Fake::new("bad/path", &[]);
    assert_eq!(
        bad.run("latest", ""),
        Err("malformed module path \"bad/path\": missing dot in first path element".into())
    );
}

#[test]
fn origin_only_for_stat_queries() {
    let r = query_repo();
    let got = block_on(super::query(&r, QUERY_REPO, "v0.1.1", "")).unwrap();
    assert!(got.origin.is_some());
    let got = block_on(super::query(&r, QUERY_REPO, "v0.1", "")).unwrap();
    assert_eq!((got.version.as_str(), got.origin), ("v0.1.2", None));
}

/// A code repository's list has an origin: Go merges it with the chosen version's,
/// and reports it (or the failed Stat's) beside errors.
#[test]
fn origins_merge_as_go() {
    let git = Origin {
        vcs: "git".into(),
        url: "https://x".into(),
        ..Origin::default()
    };
    let mut r = query_repo();
    for info in r.stats.values_mut() {
        info.origin = Some(Origin {
            hash: "h".into(),
            ..git.clone()
        });
    }
    r.list_origin = Some(Origin {
        tag_sum: "t1:x".into(),
        ..git.clone()
    });
    r.error_origin = Some(Origin {
        repo_sum: "r1:y".into(),
        ..git.clone()
    });
    let got = block_on(super::query(&r, QUERY_REPO, "v0.1", "")).unwrap();
    let merged = got.origin.expect("merged origin");
    assert_eq!(
        (
            got.version.as_str(),
            merged.hash.as_str(),
            merged.tag_sum.as_str()
        ),
        ("v0.1.2", "h", "t1:x")
    );
    // No version matches: the list's origin comes with the error.
    let err = block_on(super::query(&r, QUERY_REPO, "v9", "")).unwrap_err();
    assert_eq!(err.origin, r.list_origin);
    // An unknown revision: the Stat's own origin.
    let err = block_on(super::query(&r, QUERY_REPO, "nosuch", "")).unwrap_err();
    assert_eq!(err.origin, r.error_origin);
    // A proxy's list (no origin) absorbs every other.
    r.list_origin = None;
    let got = block_on(super::query(&r, QUERY_REPO, "v0.1", "")).unwrap();
    assert_eq!(got.origin, None);
}

fn incompatible_repo() -> Fake {
    Fake::new(
        "example.com/inc",
        &[
            "v0.9.0",
            "v1.0.0",
            "v1.1.0-pre",
            "v2.0.0+incompatible",
            "v2.1.0-pre+incompatible",
            "v3.0.0+incompatible",
        ],
    )
}

#[test]
fn incompatible_versions() {
    // v1.1.0-pre has a go.mod: nothing above it counts, even a release.
    let r = incompatible_repo();
    assert_eq!(r.run("latest", ""), Ok("v1.0.0".into()));
    assert_eq!(
        *r.calls.lock().unwrap(),
        ["versions ", "gomod v1.1.0-pre", "stat v1.0.0"]
    );
    assert_eq!(r.run(">v1.0.0", ""), Ok("v1.1.0-pre".into()));
    // Without a go.mod there, +incompatible versions are candidates.
    let mut r = incompatible_repo();
    r.no_go_mod = vec!["v1.1.0-pre".into()];
    assert_eq!(r.run("latest", ""), Ok("v3.0.0+incompatible".into()));
    // The last *allowed* compatible version decides.
    let mut r = incompatible_repo();
    r.no_go_mod = vec!["v1.0.0".into()];
    r.allow = |v| v != "v1.1.0-pre";
    assert_eq!(r.run("latest", ""), Ok("v3.0.0+incompatible".into()));
    // A query for a major the path lacks, or an +incompatible current, prefers them.
    let r = incompatible_repo();
    assert_eq!(r.run("v2", ""), Ok("v2.0.0+incompatible".into()));
    assert_eq!(r.run("<v3.0.0", ""), Ok("v2.0.0+incompatible".into()));
    assert_eq!(
        r.run("latest", "v2.0.0+incompatible"),
        Ok("v3.0.0+incompatible".into())
    );
    assert_eq!(
        r.run("upgrade", "v2.0.0+incompatible"),
        Ok("v3.0.0+incompatible".into())
    );
    assert!(
        !r.calls
            .lock()
            .unwrap()
            .iter()
            .any(|c| c.starts_with("gomod"))
    );
    // Only +incompatible versions: nothing compatible to ask about.
    let r = Fake::new("example.com/inc", &["v2.0.0+incompatible"]);
    assert_eq!(r.run("latest", ""), Ok("v2.0.0+incompatible".into()));
}

#[test]
fn latest_fallback() {
    // Nothing listed: the repository's latest, if it passes the matcher and is allowed.
    let mut r = Fake::new("example.com/p", &[]);
    let pseudo = "v0.0.0-20200101000000-0123456789ab";
    r.latest = Some(info(pseudo, "2020-01-01T00:00:00Z"));
    r.stats
        .insert(pseudo.into(), info(pseudo, "2020-01-01T00:00:00Z"));
    assert_eq!(r.run("latest", ""), Ok(pseudo.into()));
    assert_eq!(r.run("upgrade", "none"), Ok(pseudo.into()));
    // `v0` does not use the latest version.
    assert_eq!(
        r.run("v0", ""),
        Err("no matching versions for query \"v0\"".into())
    );
    r.allow = |_| false;
    assert_eq!(
        r.run("latest", ""),
        Err("no matching versions for query \"latest\"".into())
    );
    // A failing Latest that is not "not found" is the query's error.
    let mut r = Fake::new("example.com/p", &[]);
    r.latest = None;
    assert_eq!(
        r.run("latest", ""),
        Err("no matching versions for query \"latest\"".into())
    );
    struct Broken(Fake);
    impl Repo for Broken {
        type Error = FakeErr;
        async fn versions(&self, p: &str) -> Result<Versions, FakeErr> {
            self.0.versions(p).await
        }
        async fn stat(&self, rev: &str) -> Result<RevInfo, FakeErr> {
            self.0.stat(rev).await
        }
        async fn latest(&self) -> Result<RevInfo, FakeErr> {
            Err(FakeErr {
                text: "500 Internal Server Error".into(),
                not_found: false,
                origin: None,
            })
        }
        async fn has_go_mod(&self, v: &str) -> Result<bool, FakeErr> {
            self.0.has_go_mod(v).await
        }
        async fn allowed(&self, v: &str) -> Result<Option<Disallowed>, FakeErr> {
            self.0.allowed(v).await
        }
        fn is_not_found(e: &FakeErr) -> bool {
            e.not_found
        }
    }
    let b = Broken(Fake::new("example.com/p", &[]));
    let got = block_on(super::query(&b, "example.com/p", "latest", ""));
    assert!(
        matches!(got, Err(Failed { failure: Failure::Repo(e), .. }) if e.text == "500 Internal Server Error")
    );
}

#[test]
fn upgrade_and_patch_with_current() {
    let r = Fake::new(
        "example.com/p",
        &["v1.0.0", "v1.0.1", "v1.1.0", "v1.2.0-pre"],
    );
    assert_eq!(r.run("upgrade", "v1.0.0"), Ok("v1.1.0".into()));
    assert_eq!(r.run("patch", "v1.0.0"), Ok("v1.0.1".into()));
    // Prereleases above current are candidates; above everything, stay there.
    assert_eq!(r.run("upgrade", "v1.1.1"), Ok("v1.2.0-pre".into()));
    assert_eq!(
        r.run("upgrade", "v1.2.1"),
        Err("example.com/p@v1.2.1: invalid version: unknown revision v1.2.1".into())
    );
    assert_eq!(r.run("upgrade", "v1.2.0-pre"), Ok("v1.2.0-pre".into()));
    assert_eq!(r.run("patch", "v1.1.0"), Ok("v1.1.0".into()));
    // No match at all while current is "none": the suffix names no current version.
    let r = Fake::new("example.com/p", &[]);
    assert_eq!(
        r.run("upgrade", "none"),
        Err("no matching versions for query \"upgrade\"".into())
    );
    // A current that is disallowed and not listed: the error names it.
    let mut r = Fake::new("example.com/p", &["v1.0.0"]);
    r.allow = |v| v != "v1.5.0";
    assert_eq!(
        r.run("upgrade", "v1.5.0"),
        Err("example.com/p@v1.5.0: excluded by go.mod".into())
    );
    // From a pseudo-version newer than every tag: the tag is older, keep current.
    let pseudo = "v1.0.1-0.20200101000000-0123456789ab";
    let r = Fake::new("example.com/p", &["v1.0.0", "v1.1.0"]).rev(
        pseudo,
        pseudo,
        "2020-01-01T00:00:00Z",
    );
    assert_eq!(r.run("upgrade", pseudo), Ok(pseudo.into()));
    assert_eq!(r.run("patch", pseudo), Ok(pseudo.into()));
    // … unless the tag is newer.
    let r = Fake::new("example.com/p", &["v1.0.0"])
        .rev("v1.1.0", "v1.1.0", "2021-01-01T00:00:00Z")
        .rev(pseudo, pseudo, "2020-01-01T00:00:00Z");
    let r = Fake {
        tags: vec!["v1.0.0".into(), "v1.1.0".into()],
        ..r
    };
    assert_eq!(r.run("upgrade", pseudo), Ok("v1.1.0".into()));
}

#[test]
fn retractions_filter_choices_not_revisions() {
    let mut r = Fake::new(
        "example.com/r",
        &["v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0-pre"],
    );
    r.retractions = Retractions::from_go_mod(
        b"module example.com/r\n// broken\nretract [v1.1.0, v1.2.0]\nretract v1.3.0-pre\n",
    )
    .unwrap();
    assert_eq!(r.run("latest", ""), Ok("v1.0.0".into()));
    assert_eq!(
        r.run(">v1.0.0", ""),
        Err("no matching versions for query \">v1.0.0\"".into())
    );
    // A Stat query through an allow-checking repository reports the retraction…
    assert_eq!(
        r.run("v1.2.0", ""),
        Err("example.com/r@v1.2.0: retracted by module author: broken".into())
    );
    // … and `upgrade` from a retracted current stays nowhere.
    assert_eq!(
        r.run("upgrade", "v1.2.0"),
        Err("example.com/r@v1.2.0: retracted by module author: broken".into())
    );
    // Everything retracted: `latest` has no match.
    r.retractions =
        Retractions::from_go_mod(b"module example.com/r\nretract [v0.0.0, v9.0.0]\n").unwrap();
    assert_eq!(
        r.run("latest", ""),
        Err("no matching versions for query \"latest\"".into())
    );
}

#[test]
fn filter_versions_splits_and_orders() {
    let r = Fake::new("example.com/p", &[]);
    let Ok(Plan::Versions(m)) = plan("example.com/p", "latest", "") else {
        panic!()
    };
    let list: Vec<String> = ["v0.1.0", "v0.2.0-rc1", "v1.0.0"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (rel, pre) = block_on(filter_versions(&r, &m, &list)).unwrap();
    assert_eq!(
        (rel, pre),
        (
            vec!["v0.1.0".to_string(), "v1.0.0".to_string()],
            vec!["v0.2.0-rc1".to_string()]
        )
    );
}
