//! Go's statically known code hosts (`vcs.go` vcsPaths, vcsPathsAfterDynamic,
//! repoRootFromVCSPaths): import paths whose repository follows from the path alone.
//!
//! Guarantees: the rules are tried in Go's order with Go's regular expressions (`\w` is
//! ASCII, as in Go), a rule whose prefix matches but whose pattern does not is Go's
//! `invalid <prefix> import path` error, and the special cases (`example.net`, `rsc.io`,
//! an `http:`/`https:` prefix) come first. GOVCS and the scheme probe of the generic
//! `<host>/<path>.<vcs>` rule are left to the caller, in that order, as Go does them.

use super::DiscoveryError;
use super::meta::has_path_prefix;
use super::vcskind::{VCS_LIST, VcsKind, vcs_by_cmd};
use regex::Regex;
use std::sync::LazyLock;

/// Where a static rule says the repository is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaticRepo {
    /// A full URL (`https://github.com/owner/repo`).
    Url(String),
    /// A URL without scheme (`example.com/repo`): the caller probes the VCS's schemes.
    Schemeless(String),
}

/// The result of a static rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticRoot {
    pub vcs: VcsKind,
    /// The import-path prefix of the repository (GOVCS is checked against it).
    pub root: String,
    pub repo: StaticRepo,
}

/// What a rule's suffix check looks at.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    None,
    NoVcsSuffix,
    Launchpad,
}

struct Rule {
    prefix: &'static str,
    regexp: Regex,
    /// VCS command; empty: from the pattern's `vcs` group.
    vcs: &'static str,
    /// Repository template over `{root}`; empty: the scheme-less `repo` group.
    repo: &'static str,
    check: Check,
}

/// Go's patterns use `\w` only inside classes, meaning ASCII word characters.
fn compile(pattern: &str) -> Regex {
    let pattern = pattern.replace(r"\w", "0-9A-Za-z_");
    #[allow(clippy::expect_used)] // the patterns are constants, checked by the tests
    Regex::new(&pattern).expect("static pattern")
}

fn rule(
    prefix: &'static str,
    re: &str,
    vcs: &'static str,
    repo: &'static str,
    check: Check,
) -> Rule {
    Rule {
        prefix,
        regexp: compile(re),
        vcs,
        repo,
        check,
    }
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        rule(
            "github.com",
            r"^(?P<root>github\.com/[\w.\-]+/[\w.\-]+)(/[\w.\-]+)*$",
            "git",
            "https://{root}",
            Check::NoVcsSuffix,
        ),
        rule(
            "bitbucket.org",
            r"^(?P<root>bitbucket\.org/(?P<bitname>[\w.\-]+/[\w.\-]+))(/[\w.\-]+)*$",
            "git",
            "https://{root}",
            Check::NoVcsSuffix,
        ),
        rule(
            "hub.jazz.net/git",
            r"^(?P<root>hub\.jazz\.net/git/[a-z0-9]+/[\w.\-]+)(/[\w.\-]+)*$",
            "git",
            "https://{root}",
            Check::NoVcsSuffix,
        ),
        rule(
            "git.apache.org",
            r"^(?P<root>git\.apache\.org/[a-z0-9_.\-]+\.git)(/[\w.\-]+)*$",
            "git",
            "https://{root}",
            Check::None,
        ),
        rule(
            "git.openstack.org",
            r"^(?P<root>git\.openstack\.org/[\w.\-]+/[\w.\-]+)(\.git)?(/[\w.\-]+)*$",
            "git",
            "https://{root}",
            Check::None,
        ),
        rule(
            "chiselapp.com",
            r"^(?P<root>chiselapp\.com/user/[A-Za-z0-9]+/repository/[\w.\-]+)$",
            "fossil",
            "https://{root}",
            Check::None,
        ),
        // Not anchored at the start, as in Go.
        rule(
            "",
            r"(?P<root>(?P<repo>([a-z0-9.\-]+\.)+[a-z0-9.\-]+(:[0-9]+)?(/~?[\w.\-]+)+?)\.(?P<vcs>bzr|fossil|git|hg|svn))(/~?[\w.\-]+)*$",
            "",
            "",
            Check::None,
        ),
    ]
});

static AFTER_DYNAMIC: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![rule(
        "launchpad.net",
        r"^(?P<root>launchpad\.net/((?P<project>[\w.\-]+)(?P<series>/[\w.\-]+)?|~[\w.\-]+/(\+junk|[\w.\-]+)/[\w.\-]+))(/[\w.\-]+)*$",
        "bzr",
        "https://{root}",
        Check::Launchpad,
    )]
});

/// The special cases go checks before its table.
fn special_case(path: &str) -> Option<DiscoveryError> {
    if has_path_prefix(path, "example.net") {
        return Some(DiscoveryError::ExampleNet);
    }
    if path == "rsc.io" {
        return Some(DiscoveryError::RscIo);
    }
    for scheme in ["http:", "https:"] {
        if path.starts_with(scheme) {
            return Some(DiscoveryError::SchemeInPath {
                scheme: scheme.to_string(),
            });
        }
    }
    None
}

/// Go's repoRootFromVCSPaths over its main table, without the GOVCS check and the
/// scheme probe: `None` when no rule applies (dynamic discovery is next).
pub fn static_repo_root(path: &str) -> Option<Result<StaticRoot, DiscoveryError>> {
    if let Some(e) = special_case(path) {
        return Some(Err(e));
    }
    apply(&RULES, path, |_, _| false)
}

/// A launchpad.net rule's question: does `https://code.launchpad.net/<project><series>/.bzr/branch-format`
/// exist? (Go keeps the series in the root only when it does.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchpadProbe {
    pub project: String,
    pub series: String,
}

impl LaunchpadProbe {
    /// The URL go fetches.
    pub fn url(&self) -> String {
        format!(
            "https://code.launchpad.net/{}{}/.bzr/branch-format",
            self.project, self.series
        )
    }
}

/// The launchpad.net project and series of `path` when Go's launchpad rule would probe
/// for the series branch.
pub fn launchpad_probe(path: &str) -> Option<LaunchpadProbe> {
    let caps = AFTER_DYNAMIC.first()?.regexp.captures(path)?;
    let project = caps.name("project")?.as_str();
    let series = caps.name("series")?.as_str();
    if project.is_empty() || series.is_empty() || !has_path_prefix(path, "launchpad.net") {
        return None;
    }
    Some(LaunchpadProbe {
        project: project.to_string(),
        series: series.to_string(),
    })
}

/// Go's launchpad.net rule, tried after dynamic discovery failed; `series_exists` is
/// the answer to [`launchpad_probe`]'s question (ignored when there is none).
pub fn launchpad_repo_root(
    path: &str,
    series_exists: bool,
) -> Option<Result<StaticRoot, DiscoveryError>> {
    apply(&AFTER_DYNAMIC, path, |_, _| !series_exists)
}

/// Applies the first rule whose prefix matches. `shorten_launchpad(project, series)`
/// says whether a launchpad root drops its series.
fn apply(
    rules: &[Rule],
    path: &str,
    shorten_launchpad: impl Fn(&str, &str) -> bool,
) -> Option<Result<StaticRoot, DiscoveryError>> {
    for r in rules {
        if !has_path_prefix(path, r.prefix) {
            continue;
        }
        let Some(caps) = r.regexp.captures(path) else {
            if r.prefix.is_empty() {
                continue;
            }
            return Some(Err(DiscoveryError::InvalidImportPath {
                prefix: r.prefix.to_string(),
                path: path.to_string(),
            }));
        };
        let group = |name: &str| caps.name(name).map_or("", |m| m.as_str());
        let mut root = group("root").to_string();
        let vcs_name = if r.vcs.is_empty() {
            group("vcs")
        } else {
            r.vcs
        };
        let mut repo = if r.repo.is_empty() {
            group("repo").to_string()
        } else {
            r.repo.replace("{root}", &root)
        };
        match r.check {
            Check::None => {}
            Check::NoVcsSuffix => {
                if VCS_LIST
                    .iter()
                    .any(|v| repo.ends_with(&format!(".{}", v.cmd)))
                {
                    return Some(Err(DiscoveryError::VcsSuffix {
                        prefix: format!("{}/", r.prefix),
                    }));
                }
            }
            Check::Launchpad => {
                let (project, series) = (group("project"), group("series"));
                if !project.is_empty() && !series.is_empty() && shorten_launchpad(project, series) {
                    root = format!("launchpad.net/{project}");
                    repo = format!("https://{root}");
                }
            }
        }
        let Some(vcs) = vcs_by_cmd(vcs_name) else {
            return Some(Err(DiscoveryError::UnknownVcsSystem {
                vcs: vcs_name.to_string(),
            }));
        };
        let repo = if r.repo.is_empty() {
            StaticRepo::Schemeless(repo)
        } else {
            StaticRepo::Url(repo)
        };
        return Some(Ok(StaticRoot { vcs, root, repo }));
    }
    None
}

#[cfg(test)]
mod tests;
