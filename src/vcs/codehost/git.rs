//! A git repository through libgit2 (Go's `codehost.gitRepo`), kept in the module
//! cache's work directory for its remote so go and gomodfetch share it.
//!
//! What go does with `git` commands we do with libgit2, step for step, so the bare
//! repository holds what go's would: refs are listed once per process (`ls-remote`);
//! a revision is looked up locally first, then fetched shallowly by its ref
//! (`<ref>:<ref>`, depth 1), and only when that is not enough are all branches and tags
//! fetched (and the repository unshallowed). Every change happens under `<dir>.lock`
//! (the flock go takes); inside the process one mutex serialises the repository.
//!
//! Never interactive: credentials come from git's configured credential helpers only,
//! tried once; proxies from the environment and git config (`HTTPS_PROXY` …);
//! certificates from OpenSSL's defaults (`SSL_CERT_FILE` …).

use super::workdir::{WorkDir, work_dir};
use super::xlog::XLog;
use super::{CodeHost, RevInfo, Tag, Tags, VcsError, cancel};
use crate::config::goauth::NetrcEntry;
use crate::revinfo::Origin;
use crate::store::lockedfile::Locker;
use crate::vcs::coderepo::origin;
use git2::{
    AutotagOption, Direction, FetchOptions, Oid, ProxyOptions, RemoteCallbacks, Repository,
};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Once, OnceLock, PoisonError};

/// Go's `gitWorkDirType`.
const WORK_DIR_TYPE: &str = "git3";
/// Go's `minHashDigits`.
const MIN_HASH_DIGITS: usize = 7;
const HASH_DIGITS: usize = 40;

/// How much has been fetched in this process (Go's fetchLevel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fetched {
    Nothing,
    Some,
    All,
}

struct State {
    repo: Repository,
    fetched: Fetched,
}

/// One remote's repository.
pub struct GitRepo {
    work: WorkDir,
    url: String,
    locker: Locker,
    state: Mutex<State>,
    refs: OnceLock<Result<BTreeMap<String, String>, VcsError>>,
    stats: Mutex<HashMap<String, Result<RevInfo, VcsError>>>,
    env: GitEnv,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn git_err(what: &str, dir: &Path, e: git2::Error) -> VcsError {
    VcsError::other(format!("{what} in {}: {}", dir.display(), e.message()))
}

fn is_hex(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn looks_like_hash(s: &str) -> bool {
    (MIN_HASH_DIGITS..=HASH_DIGITS).contains(&s.len()) && is_hex(s)
}

/// Callbacks for network operations: credential helpers once, never a prompt.
/// A check of an `https` remote's certificate before libgit2 connects (see
/// [`GitEnv::tls_check`]): `Err` holds the reason it is not trusted.
pub type TlsCheck = Arc<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// What the remote operations of a run share: go's `-x` log, and the `.netrc`
/// logins that the git go runs would send (libcurl reads `$HOME/.netrc`).
#[derive(Clone, Default)]
pub struct GitEnv {
    pub xlog: XLog,
    pub netrc: Arc<Vec<NetrcEntry>>,
    /// Run on an `https` remote before libgit2 lists its refs. libgit2 can hang
    /// for good after a failed certificate check through an HTTP proxy (it closes
    /// the proxy socket before writing the TLS close alert into it), so an
    /// untrusted server is refused here first, with the reason.
    pub tls_check: Option<TlsCheck>,
}

/// The `.netrc` login for `url`'s host (libcurl's rule: the first entry whose
/// machine is the host name, case aside).
fn netrc_login<'n>(netrc: &'n [NetrcEntry], url: &str) -> Option<&'n NetrcEntry> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host_port,
    };
    netrc.iter().find(|e| e.machine.eq_ignore_ascii_case(host))
}

/// The callbacks of every remote operation: credentials as git finds them (the
/// `.netrc` login for the host, then git's credential helpers), never a prompt,
/// never printed; transfers stop when this thread's work is cancelled ([`cancel`]).
fn callbacks<'a>(env: &GitEnv) -> RemoteCallbacks<'a> {
    let mut cb = RemoteCallbacks::new();
    let flag = cancel::current();
    cb.transfer_progress(move |_| !cancel::raised(&flag));
    let flag = cancel::current();
    cb.sideband_progress(move |_| !cancel::raised(&flag));
    if SKIP_VERIFY.load(Ordering::Relaxed) {
        cb.certificate_check(|_, _| Ok(git2::CertificateCheckStatus::CertificateOk));
    }
    let netrc = Arc::clone(&env.netrc);
    let (mut tried_netrc, mut tried_helper) = (false, false);
    cb.credentials(move |url, username, allowed| {
        if !allowed.is_user_pass_plaintext() {
            return Err(git2::Error::from_str("terminal prompts disabled"));
        }
        if !tried_netrc {
            tried_netrc = true;
            if let Some(e) = netrc_login(&netrc, url) {
                return git2::Cred::userpass_plaintext(&e.login, &e.password);
            }
        }
        if !tried_helper {
            tried_helper = true;
            let config = git2::Config::open_default()?;
            return git2::Cred::credential_helper(&config, url, username);
        }
        Err(git2::Error::from_str("terminal prompts disabled"))
    });
    cb
}

fn proxy<'a>() -> ProxyOptions<'a> {
    let mut p = ProxyOptions::new();
    p.auto();
    p
}

impl GitRepo {
    /// The repository for `url` in the module cache at `cache` (Go's `newGitRepo`):
    /// created as a bare repository with remote `origin` when its work directory has
    /// no objects yet.
    pub fn open(cache: &Path, url: &str, locker: Locker) -> Result<GitRepo, VcsError> {
        Self::open_with(cache, url, locker, GitEnv::default())
    }

    /// [`GitRepo::open`] in a run's [`GitEnv`] (its `-x` log and logins).
    pub fn open_with(
        cache: &Path,
        url: &str,
        locker: Locker,
        env: GitEnv,
    ) -> Result<GitRepo, VcsError> {
        global_setup();
        let xlog = &env.xlog;
        if !url.contains("://") {
            let why = if url.contains(':') {
                format!(
                    "git remote ({url}) must not be local directory (use URL syntax not host:path syntax)"
                )
            } else {
                format!("git remote ({url}) must not be local directory")
            };
            return Err(VcsError::other(why));
        }
        let work = work_dir(cache, WORK_DIR_TYPE, url, &locker, xlog)?;
        let refs = OnceLock::new();
        let repo = {
            let _held = locker
                .mutex(&work.lock)
                .map_err(|e| VcsError::other(e.to_string()))?;
            if work.dir.join("objects").exists() {
                Repository::open_bare(&work.dir).map_err(|e| git_err("git open", &work.dir, e))?
            } else {
                // go lists the refs first (to learn the hash kind); the answer is kept.
                let _ = refs.set(list_remote_refs(url, &work.dir, url, &env));
                let fail = |e: git2::Error, what: &str| {
                    let _ = std::fs::remove_dir_all(&work.dir);
                    git_err(what, &work.dir, e)
                };
                let init = ["git", "init", "--bare", "--object-format=sha1"];
                let repo = {
                    let _x = xlog.command(&work.dir, &init);
                    Repository::init_bare(&work.dir).map_err(|e| fail(e, "git init --bare"))?
                };
                {
                    let _x =
                        xlog.command(&work.dir, &["git", "remote", "add", "origin", "--", url]);
                    repo.remote("origin", url)
                        .map_err(|e| fail(e, "git remote add origin"))?;
                }
                repo
            }
        };
        Ok(GitRepo {
            work,
            url: url.to_string(),
            locker,
            state: Mutex::new(State {
                repo,
                fetched: Fetched::Nothing,
            }),
            refs,
            stats: Mutex::new(HashMap::new()),
            env,
        })
    }

    /// `<dir>.lock`, which go also takes around every change to the repository.
    fn lock_work_dir(&self) -> Result<crate::store::lockedfile::LockedFile, VcsError> {
        self.locker
            .mutex(&self.work.lock)
            .map_err(|e| VcsError::other(e.to_string()))
    }

    /// The work directory (for `-x` and tests).
    pub fn dir(&self) -> &Path {
        &self.work.dir
    }

    /// Go's `loadRefs`: `HEAD`, branches and tags of the remote, annotated tags
    /// peeled, listed once per process.
    fn refs(&self) -> Result<&BTreeMap<String, String>, VcsError> {
        self.refs
            .get_or_init(|| list_remote_refs(&self.url, &self.work.dir, "origin", &self.env))
            .as_ref()
            .map_err(Clone::clone)
    }

    fn origin(&self) -> Origin {
        Origin {
            vcs: "git".into(),
            url: self.url.clone(),
            ..Origin::default()
        }
    }

    /// Go's `repoSum` of the remote's refs (the `RepoSum` of an "unknown revision"
    /// origin, for `-reuse`).
    pub fn repo_sum(&self) -> Result<String, VcsError> {
        let refs = self.refs()?;
        Ok(origin::repo_sum(
            refs.iter().map(|(r, h)| (r.as_str(), h.as_str())),
        ))
    }

    /// Go's `UnknownRevisionError`, with its `unknownRevisionInfo`: the remote's
    /// refs as a `RepoSum` (when they can be listed), so the failure is checkable.
    fn unknown_revision(&self, rev: &str) -> VcsError {
        let origin = self.repo_sum().ok().map(|repo_sum| Origin {
            repo_sum,
            ..self.origin()
        });
        VcsError::not_exist(format!("unknown revision {rev}")).with_origin(origin)
    }

    /// Go's `statLocal`: `rev` resolved in the local repository.
    fn stat_local(&self, st: &State, version: &str, rev: &str) -> Result<RevInfo, VcsError> {
        let object = st
            .repo
            .revparse_single(rev)
            .map_err(|_| self.unknown_revision(rev))?;
        // A ref to a blob or a tree: go's `git log` prints nothing for it.
        let commit = object
            .peel_to_commit()
            .map_err(|_| VcsError::other("unexpected response from git log: \"\""))?;
        let hash = commit.id().to_string();
        let mut info = RevInfo {
            origin: Origin {
                hash: hash.clone(),
                ..self.origin()
            },
            short: hash[..12].to_string(),
            name: hash.clone(),
            version: hash.clone(),
            time: commit.committer().when().seconds(),
            tags: Vec::new(),
        };
        if !hash.starts_with(rev) {
            info.origin.ref_ = rev.to_string();
        }
        // Local tags pointing at the commit (git log's decorations), then the
        // remote's (a shallow fetch may not have them all).
        if let Ok(refs) = st.repo.references_glob("refs/tags/*") {
            for r in refs.flatten() {
                let points_here = r.peel_to_commit().map(|c| c.id() == commit.id());
                if points_here.unwrap_or(false)
                    && let Some(name) = r.name().and_then(|n| n.strip_prefix("refs/tags/"))
                {
                    info.tags.push(name.to_string());
                }
            }
        }
        if let Ok(remote) = self.refs() {
            for (r, h) in remote {
                if *h == hash
                    && let Some(tag) = r.strip_prefix("refs/tags/")
                {
                    info.tags.push(tag.to_string());
                }
            }
        }
        info.tags.sort();
        info.tags.dedup();
        let version = if hash.starts_with(version) {
            &hash
        } else {
            version
        };
        if info.tags.iter().any(|t| t == version) {
            info.version = version.to_string();
        }
        Ok(info)
    }

    /// Go's `fetchRefsLocked`: every branch and tag, then unshallow.
    fn fetch_all(&self, st: &mut State) -> Result<(), VcsError> {
        if st.fetched >= Fetched::All {
            return Ok(());
        }
        let specs = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];
        let all = [
            "git",
            "fetch",
            "-f",
            "--end-of-options",
            "origin",
            "refs/heads/*:refs/heads/*",
            "refs/tags/*:refs/tags/*",
        ];
        self.fetch(st, &specs, None, false, &all)?;
        if self.work.dir.join("shallow").exists() {
            let unshallow = [
                "git",
                "fetch",
                "--unshallow",
                "-f",
                "--end-of-options",
                "origin",
            ];
            self.fetch(st, &specs, Some(i32::MAX), false, &unshallow)?;
        }
        st.fetched = Fetched::All;
        Ok(())
    }

    /// Fetches `specs` (depth-limited if asked; with `follow_tags`, also the tags
    /// that point into what was fetched, as git does by default); `traced` is go's
    /// command for it.
    fn fetch(
        &self,
        st: &State,
        specs: &[&str],
        depth: Option<i32>,
        follow_tags: bool,
        traced: &[&str],
    ) -> Result<(), VcsError> {
        let _x = self.env.xlog.command(&self.work.dir, traced);
        let mut remote = st
            .repo
            .remote_anonymous(&rewrite_url(&self.url))
            .map_err(|e| git_err("git fetch", &self.work.dir, e))?;
        let mut opts = FetchOptions::new();
        opts.remote_callbacks(callbacks(&self.env))
            .proxy_options(proxy())
            .download_tags(if follow_tags {
                AutotagOption::Auto
            } else {
                AutotagOption::None
            })
            .update_fetchhead(false);
        if let Some(d) = depth {
            opts.depth(d);
        }
        let what = format!("git fetch -f origin {}", specs.join(" "));
        remote.fetch(specs, Some(&mut opts), None).map_err(|e| {
            if cancel::raised(&cancel::current()) {
                VcsError::other(format!("{what} in {}: cancelled", self.work.dir.display()))
            } else {
                git_err(&what, &self.work.dir, e)
            }
        })
    }

    /// Go's `stat`, uncached.
    fn stat_uncached(&self, rev: &str) -> Result<RevInfo, VcsError> {
        let mut did_local = false;
        if looks_like_hash(rev) {
            let st = lock(&self.state);
            if let Ok(info) = self.stat_local(&st, rev, rev) {
                return Ok(info);
            }
            did_local = true;
        }
        {
            let st = lock(&self.state);
            if st.repo.find_reference(&format!("refs/tags/{rev}")).is_ok() {
                return self.stat_local(&st, rev, &format!("refs/tags/{rev}"));
            }
        }
        let refs = self.refs()?;
        let (mut reference, mut hash, mut rev) = (String::new(), String::new(), rev.to_string());
        if let Some(h) = refs.get(&format!("refs/tags/{rev}")) {
            reference = format!("refs/tags/{rev}");
            hash = h.clone();
        } else if let Some(h) = refs.get(&format!("refs/heads/{rev}")) {
            reference = format!("refs/heads/{rev}");
            hash = h.clone();
            rev = h.clone();
        } else if rev == "HEAD" && refs.contains_key("HEAD") {
            reference = "HEAD".into();
            hash = refs["HEAD"].clone();
            rev = hash.clone();
        } else if looks_like_hash(&rev) {
            let prefix = rev.clone();
            for (k, h) in refs {
                if h.starts_with(&prefix) {
                    if !hash.is_empty() && hash != *h {
                        return Err(VcsError::other(format!("ambiguous revision {prefix}")));
                    }
                    if reference.is_empty() || reference > *k {
                        reference = k.clone();
                    }
                    rev = h.clone();
                    hash = h.clone();
                }
            }
            if hash.is_empty() && rev.len() == HASH_DIGITS {
                hash = rev.clone();
            }
        } else {
            return Err(self.unknown_revision(&rev));
        }
        let with_ref = |mut info: RevInfo, reference: &str| {
            info.origin.hash = info.name.clone();
            if reference != info.origin.hash {
                info.origin.ref_ = reference.to_string();
            }
            info
        };
        let _held = self.lock_work_dir()?;
        let mut st = lock(&self.state);
        if !did_local && let Ok(info) = self.stat_local(&st, &rev, &hash) {
            if let Some(tag) = reference.strip_prefix("refs/tags/")
                && !info.tags.iter().any(|t| t == tag)
            {
                let target = Oid::from_str(&hash)
                    .and_then(|oid| st.repo.find_object(oid, None))
                    .map_err(|e| git_err("git tag", &self.work.dir, e))?;
                let _x = self.env.xlog.command(
                    &self.work.dir,
                    &["git", "tag", "--end-of-options", tag, &hash],
                );
                st.repo
                    .tag_lightweight(tag, &target, true)
                    .map_err(|e| git_err("git tag", &self.work.dir, e))?;
                return self
                    .stat_local(&st, &rev, &reference)
                    .map(|i| with_ref(i, &reference));
            }
            return Ok(with_ref(info, &reference));
        }
        if st.fetched <= Fetched::Some && !reference.is_empty() && !hash.is_empty() {
            st.fetched = Fetched::Some;
            let spec = if reference == "HEAD" {
                reference = hash.clone();
                format!("{hash}:refs/dummy")
            } else {
                format!("{reference}:{reference}")
            };
            let forced = format!("+{spec}");
            // libgit2's local transport (a `file://` remote) cannot fetch shallow:
            // there the ref comes with its history, and with the tags into it, so
            // that the local tags describe the local history (what `recent_tag`
            // relies on, as go's `describe` does).
            let fetched = if is_local(&rewrite_url(&self.url)) {
                let traced = ["git", "fetch", "-f", "--end-of-options", "origin", &spec];
                self.fetch(&st, &[forced.as_str()], None, true, &traced)
            } else {
                let traced = [
                    "git",
                    "-c",
                    "protocol.version=2",
                    "fetch",
                    "-f",
                    "--depth=1",
                    "--end-of-options",
                    "origin",
                    &spec,
                ];
                self.fetch(&st, &[forced.as_str()], Some(1), false, &traced)
            };
            if fetched.is_ok() {
                return self
                    .stat_local(&st, &rev, &reference)
                    .map(|i| with_ref(i, &reference));
            }
        }
        self.fetch_all(&mut st)?;
        self.stat_local(&st, &rev, &rev)
            .map(|i| with_ref(i, &reference))
    }

    /// Tags of the local repository merged into `commit` with `prefix`, the highest
    /// valid semver one that `allowed` accepts (Go's `describe`).
    fn highest_merged_tag(
        &self,
        st: &State,
        commit: Oid,
        prefix: &str,
        allowed: &dyn Fn(&str) -> bool,
    ) -> String {
        let mut highest = String::new();
        let Ok(refs) = st.repo.references_glob("refs/tags/*") else {
            return highest;
        };
        for r in refs.flatten() {
            let Some(name) = r.name().and_then(|n| n.strip_prefix("refs/tags/")) else {
                continue;
            };
            if !name.starts_with(prefix) || !allowed(name) {
                continue;
            }
            let Ok(c) = r.peel_to_commit() else { continue };
            let merged =
                c.id() == commit || st.repo.graph_descendant_of(commit, c.id()).unwrap_or(false);
            let sem = &name[prefix.len()..];
            if merged && crate::semver::compare(sem, &highest).is_gt() {
                highest = sem.to_string();
            }
        }
        if highest.is_empty() {
            highest
        } else {
            format!("{prefix}{highest}")
        }
    }

    fn is_ancestor(st: &State, tag: &str, rev: &str) -> Option<bool> {
        let t = st
            .repo
            .revparse_single(tag)
            .and_then(|o| o.peel_to_commit())
            .ok()?;
        let r = st
            .repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .ok()?;
        Some(t.id() == r.id() || st.repo.graph_descendant_of(r.id(), t.id()).ok()?)
    }
}

/// How long libgit2 waits to connect, and for data from a server (git's own commands
/// wait forever; a hung transfer must not hang a download forever).
const CONNECT_TIMEOUT_MS: i32 = 30_000;
const READ_TIMEOUT_MS: i32 = 300_000;

/// Whether git's settings turn certificate checks off (see [`global_setup`]).
static SKIP_VERIFY: AtomicBool = AtomicBool::new(false);

/// libgit2's process-wide settings, made once before the first git operation of the
/// process ([`GitRepo::open_with`], [`answers`]), so runs that never touch git pay
/// nothing for them (not even libgit2's and OpenSSL's start-up):
/// * network timeouts (connect 30 s, read 300 s);
/// * the TLS settings of the git go runs, which libgit2 does not read itself: the
///   CA file `GIT_SSL_CAINFO` (else `http.sslCAInfo`) and directory `GIT_SSL_CAPATH`
///   (else `http.sslCAPath`), trusted besides the system's; `GIT_SSL_NO_VERIFY` (set
///   at all) or `http.sslVerify=false`, which accept any certificate.
///
/// libgit2 keeps these in unsynchronised globals: every user of them goes through
/// here first, and `Once` makes the writes happen before any of those uses.
fn global_setup() {
    static SETUP: Once = Once::new();
    SETUP.call_once(|| {
        let env = |k: &str| std::env::var_os(k);
        let config = git2::Config::open_default().ok();
        let path = |var: &str, key: &str| {
            env(var)
                .filter(|v| !v.is_empty())
                .map(std::path::PathBuf::from)
                .or_else(|| config.as_ref()?.get_path(key).ok())
        };
        // SAFETY: inside the `Once` that every libgit2 network use waits for.
        unsafe {
            let _ = git2::opts::set_server_connect_timeout_in_milliseconds(CONNECT_TIMEOUT_MS);
            let _ = git2::opts::set_server_timeout_in_milliseconds(READ_TIMEOUT_MS);
            if let Some(file) = path("GIT_SSL_CAINFO", "http.sslCAInfo") {
                let _ = git2::opts::set_ssl_cert_file(file);
            }
            if let Some(dir) = path("GIT_SSL_CAPATH", "http.sslCAPath") {
                let _ = git2::opts::set_ssl_cert_dir(dir);
            }
        }
        let verify = config
            .as_ref()
            .and_then(|c| c.get_bool("http.sslVerify").ok())
            .unwrap_or(true);
        SKIP_VERIFY.store(
            env("GIT_SSL_NO_VERIFY").is_some() || !verify,
            Ordering::Relaxed,
        );
    });
}

/// Whether git's configuration names a proxy (`http.proxy`), which libgit2 uses
/// for every remote.
pub fn config_proxy() -> bool {
    git2::Config::open_default()
        .and_then(|c| c.get_string("http.proxy"))
        .is_ok_and(|p| !p.is_empty())
}

/// `url` after the user's `url.<base>.insteadOf` rules (git applies them to every URL
/// it is given; the longest matching prefix wins). The work directory keeps the
/// original URL, as go's does.
pub fn rewrite_url(url: &str) -> String {
    let Ok(config) = git2::Config::open_default() else {
        return url.to_string();
    };
    let mut best: Option<(usize, String)> = None;
    if let Ok(mut entries) = config.entries(Some(r"url\..*\.insteadof")) {
        while let Some(Ok(e)) = entries.next() {
            let (Some(name), Some(prefix)) = (e.name(), e.value()) else {
                continue;
            };
            let Some(base) = name
                .strip_prefix("url.")
                .and_then(|n| n.strip_suffix(".insteadof"))
            else {
                continue;
            };
            if url.starts_with(prefix) && best.as_ref().is_none_or(|(n, _)| prefix.len() > *n) {
                best = Some((prefix.len(), format!("{base}{}", &url[prefix.len()..])));
            }
        }
    }
    let rewritten = best.map_or_else(|| url.to_string(), |(_, u)| u);
    local_suffix(rewritten)
}

/// git finds a local repository at `<path>` also as `<path>.git` (its `enter_repo`
/// rules); libgit2 does not, so a `file://` URL gets the suffix when only that exists.
fn local_suffix(url: String) -> String {
    if let Some(path) = url.strip_prefix("file://") {
        let p = Path::new(path);
        if !p.exists() && Path::new(&format!("{path}.git")).is_dir() {
            return format!("{url}.git");
        }
    }
    url
}

/// Whether `url` names a local repository in which no reference resolves (an empty
/// repository). libgit2's local transport then lists its refs as a null array,
/// which git2's `list` must not be given (it builds a slice from it), so such a
/// remote is answered here: no refs. A local repository that cannot be opened
/// counts as empty too, for the same reason.
fn local_without_refs(url: &str) -> bool {
    let Some(path) = local_path(url) else {
        return false;
    };
    let Ok(repo) = git2::Repository::open(path) else {
        return true;
    };
    let resolves = |r: git2::Reference<'_>| r.resolve().is_ok();
    let head = repo.find_reference("HEAD").is_ok_and(resolves);
    let any = repo
        .references()
        .is_ok_and(|mut refs| refs.any(|r| r.is_ok_and(resolves)));
    !head && !any
}

/// The path of a repository that libgit2 reaches through its local transport.
fn local_path(url: &str) -> Option<&str> {
    match url.strip_prefix("file://") {
        Some(p) => Some(p),
        None if url.starts_with('/') => Some(url),
        None => None,
    }
}

fn is_local(url: &str) -> bool {
    local_path(url).is_some()
}

/// Whether a repository answers at `url` (go's scheme probe runs `git ls-remote`).
pub fn answers(url: &str, env: &GitEnv) -> bool {
    global_setup();
    let url = rewrite_url(url);
    if let (Some(check), true) = (&env.tls_check, url.starts_with("https://"))
        && check(&url).is_err()
    {
        return false;
    }
    git2::Remote::create_detached(url.as_str())
        .and_then(|mut r| {
            r.connect_auth(Direction::Fetch, Some(callbacks(env)), Some(proxy()))
                .map(|_| ())
        })
        .is_ok()
}

/// `git ls-remote -q <url>`: the refs go keeps, annotated tags replaced by what they
/// peel to.
/// `remote` is how go's command names it (`origin`, or the URL before the
/// repository has its remote).
fn list_remote_refs(
    url: &str,
    dir: &Path,
    remote: &str,
    env: &GitEnv,
) -> Result<BTreeMap<String, String>, VcsError> {
    let _x = env
        .xlog
        .command(dir, &["git", "ls-remote", "-q", "--end-of-options", remote]);
    let url = rewrite_url(url);
    if let (Some(check), true) = (&env.tls_check, url.starts_with("https://")) {
        check(&url).map_err(|why| {
            VcsError::other(format!(
                "git ls-remote -q origin in {}: {why}",
                dir.display()
            ))
        })?;
    }
    let mut remote = git2::Remote::create_detached(url.as_str())
        .map_err(|e| git_err("git ls-remote -q origin", dir, e))?;
    let conn = remote
        .connect_auth(Direction::Fetch, Some(callbacks(env)), Some(proxy()))
        .map_err(|e| {
            let mut err = git_err("git ls-remote -q origin", dir, e);
            if err.message.contains("404") || err.message.contains("not found") {
                err.kind = super::VcsErrorKind::NotExist;
            }
            err
        })?;
    let mut refs = BTreeMap::new();
    if local_without_refs(&url) {
        return Ok(refs);
    }
    let mut peeled = Vec::new();
    for head in conn
        .list()
        .map_err(|e| git_err("git ls-remote -q origin", dir, e))?
    {
        let name = head.name();
        let hash = head.oid().to_string();
        if let Some(tag) = name.strip_suffix("^{}") {
            peeled.push((tag.to_string(), hash));
        } else if name == "HEAD"
            || name.starts_with("refs/heads/")
            || name.starts_with("refs/tags/")
        {
            refs.insert(name.to_string(), hash);
        }
    }
    for (tag, hash) in peeled {
        if tag.starts_with("refs/tags/") {
            refs.insert(tag, hash);
        }
    }
    Ok(refs)
}

impl CodeHost for GitRepo {
    fn tags(&self, prefix: &str) -> Result<Tags, VcsError> {
        let refs = self.refs()?;
        let mut list: Vec<Tag> = refs
            .iter()
            .filter_map(|(r, h)| {
                let tag = r.strip_prefix("refs/tags/")?;
                tag.starts_with(prefix).then(|| Tag {
                    name: tag.to_string(),
                    hash: h.clone(),
                })
            })
            .collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        let origin = Origin {
            tag_prefix: prefix.to_string(),
            tag_sum: origin::tag_sum(prefix, &list),
            ..self.origin()
        };
        Ok(Tags { origin, list })
    }

    fn stat(&self, rev: &str) -> Result<RevInfo, VcsError> {
        if rev == "latest" {
            return self.latest();
        }
        if let Some(r) = lock(&self.stats).get(rev) {
            return r.clone();
        }
        let r = self.stat_uncached(rev);
        // A cancelled attempt says nothing about the revision.
        if !cancel::raised(&cancel::current()) {
            lock(&self.stats).insert(rev.to_string(), r.clone());
        }
        r
    }

    fn latest(&self) -> Result<RevInfo, VcsError> {
        let refs = self.refs()?;
        let Some(head) = refs.get("HEAD").cloned() else {
            return Err(VcsError::not_exist("no commits"));
        };
        let mut info = self.stat(&head)?;
        // Go's Latest: the origin names HEAD, whichever ref the stat went through.
        info.origin.ref_ = "HEAD".into();
        info.origin.hash = head;
        Ok(info)
    }

    fn read_file(&self, rev: &str, file: &str, _max_size: u64) -> Result<Vec<u8>, VcsError> {
        let info = self.stat(rev)?;
        let st = lock(&self.state);
        let not_exist = || VcsError::not_exist("file does not exist");
        let oid = Oid::from_str(&info.name).map_err(|_| not_exist())?;
        let tree = st
            .repo
            .find_commit(oid)
            .and_then(|c| c.tree())
            .map_err(|_| not_exist())?;
        let entry = tree.get_path(Path::new(file)).map_err(|_| not_exist())?;
        let blob = entry
            .to_object(&st.repo)
            .and_then(|o| o.peel_to_blob())
            .map_err(|_| not_exist())?;
        Ok(blob.content().to_vec())
    }

    fn recent_tag(
        &self,
        rev: &str,
        prefix: &str,
        allowed: &dyn Fn(&str) -> bool,
    ) -> Result<String, VcsError> {
        let info = self.stat(rev)?;
        let commit = Oid::from_str(&info.name).map_err(|e| VcsError::other(e.to_string()))?;
        {
            let st = lock(&self.state);
            let tag = self.highest_merged_tag(&st, commit, prefix, allowed);
            if !tag.is_empty() && !is_hex(&tag) {
                return Ok(tag);
            }
        }
        if self.tags(&format!("{prefix}v"))?.list.is_empty() {
            return Ok(String::new());
        }
        let _held = self.lock_work_dir()?;
        let mut st = lock(&self.state);
        self.fetch_all(&mut st)?;
        Ok(self.highest_merged_tag(&st, commit, prefix, allowed))
    }

    fn descends_from(&self, rev: &str, tag: &str) -> Result<bool, VcsError> {
        if GitRepo::is_ancestor(&lock(&self.state), tag, rev) == Some(true) {
            return Ok(true);
        }
        if self.tags(tag)?.list.is_empty() {
            return Ok(false);
        }
        self.stat_uncached(rev)?;
        let _held = self.lock_work_dir()?;
        let mut st = lock(&self.state);
        self.fetch_all(&mut st)?;
        Ok(GitRepo::is_ancestor(&st, tag, rev) == Some(true))
    }

    fn archive(&self, rev: &str, subdir: &str) -> Result<Vec<super::ArchiveFile>, VcsError> {
        let info = self.stat(rev)?;
        let _held = self.lock_work_dir()?;
        ensure_git_attributes(&self.work.dir).map_err(|e| VcsError::other(e.to_string()))?;
        let st = lock(&self.state);
        let oid = Oid::from_str(&info.name).map_err(|e| VcsError::other(e.to_string()))?;
        crate::vcs::archive::export_tree(&st.repo, oid, subdir).map_err(|e| {
            if e.is_not_exist() {
                VcsError::not_exist("file does not exist")
            } else {
                VcsError::other(e.to_string())
            }
        })
    }
}

/// Go's `ensureGitAttributes`: `info/attributes` ends with a line turning off
/// `export-subst` and `export-ignore`, so the repository cannot hide or rewrite files
/// in the module zip.
fn ensure_git_attributes(dir: &Path) -> std::io::Result<()> {
    use std::io::{Read as _, Write as _};
    use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
    const ATTR: &[u8] = b"\n* -export-subst -export-ignore\n";
    let info = dir.join("info");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(&info)?;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o666)
        .open(info.join("attributes"))?;
    let mut have = Vec::new();
    f.read_to_end(&mut have)?;
    if !have.ends_with(ATTR) {
        f.write_all(ATTR)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(machine: &str, login: &str) -> NetrcEntry {
        NetrcEntry {
            machine: machine.into(),
            login: login.into(),
            password: "pw".into(),
        }
    }

    #[test]
    fn netrc_login_by_host_as_libcurl() {
        let netrc = [
            entry("other.example", "x"),
            entry("Git.Example.com", "first"),
            entry("git.example.com", "second"),
        ];
        let login = |url: &str| netrc_login(&netrc, url).map(|e| e.login.as_str());
        assert_eq!(login("https://git.example.com/o/r"), Some("first"));
        assert_eq!(
            login("https://u@git.example.com:8443/o/r.git"),
            Some("first")
        );
        assert_eq!(login("http://git.example.com"), Some("first"));
        assert_eq!(login("https://example.com/o/r"), None);
        assert_eq!(login("https://git.example.com.evil/o/r"), None);
    }
}
