//! The version control systems go knows (`vcs.go` vcsList): their command names, the
//! URL schemes tried in order for a scheme-less repository, and which schemes count as
//! secure.

/// One version control system of Go's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VcsKind {
    /// The command name (`git`, `hg`, …), as in meta tags and GOVCS.
    pub cmd: &'static str,
    /// Schemes tried in order for a scheme-less repository.
    pub schemes: &'static [&'static str],
    /// Whether go checks a scheme by running a command (`git ls-remote`, …); when not,
    /// the first allowed scheme is taken without a check.
    pub pings: bool,
}

/// Go's vcsList, in Go's order (the order of the `.<vcs>` suffix check).
pub const VCS_LIST: [VcsKind; 5] = [
    VcsKind {
        cmd: "hg",
        schemes: &["https", "http", "ssh"],
        pings: true,
    },
    VcsKind {
        cmd: "git",
        schemes: &["git", "https", "http", "git+ssh", "ssh"],
        pings: true,
    },
    VcsKind {
        cmd: "svn",
        schemes: &["https", "http", "svn", "svn+ssh"],
        pings: true,
    },
    VcsKind {
        cmd: "bzr",
        schemes: &["https", "http", "bzr", "bzr+ssh"],
        pings: true,
    },
    VcsKind {
        cmd: "fossil",
        schemes: &["https", "http"],
        pings: false,
    },
];

/// Go's vcsByCmd.
pub fn vcs_by_cmd(cmd: &str) -> Option<VcsKind> {
    VCS_LIST.iter().copied().find(|v| v.cmd == cmd)
}

impl VcsKind {
    /// Go's isSecureScheme: for git with `GIT_ALLOW_PROTOCOL` set (non-empty), exactly
    /// the colon-separated schemes listed there; otherwise `https`, `git+ssh`,
    /// `bzr+ssh`, `svn+ssh` and `ssh`.
    pub fn is_secure_scheme(&self, scheme: &str, git_allow_protocol: Option<&str>) -> bool {
        if self.cmd == "git"
            && let Some(allow) = git_allow_protocol.filter(|a| !a.is_empty())
        {
            return allow.split(':').any(|s| s == scheme);
        }
        matches!(scheme, "https" | "git+ssh" | "bzr+ssh" | "svn+ssh" | "ssh")
    }
}
