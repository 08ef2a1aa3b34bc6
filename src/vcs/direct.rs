//! Direct mode for a run (Go's `modfetch.lookupDirect` and the code repositories
//! behind it): a module path is looked up once — discovery (static hosts or
//! `?go-get=1`, GOVCS), then the git repository of its URL (one per URL, shared by
//! every module it holds) and the module in it — and the GOPROXY walk runs the module
//! operations on it through [`crate::proxy::direct`].
//!
//! All repository work is blocking (libgit2) and runs on the blocking pool, at most
//! `jobs` operations at once (Go bounds its VCS commands the same way).

use crate::gover;
use crate::http::Client;
use crate::module;
use crate::oncemap::OnceMap;
use crate::proxy::direct::{BoxFuture, DirectModule, DirectModules, DirectRepo};
use crate::proxy::{DirectFailure, ProxyError, VersionList, ZipDownload};
use crate::revinfo::RevInfo;
use crate::store::lockedfile::Locker;
use crate::vcs::archive;
use crate::vcs::codehost::git::{GitEnv, GitRepo};
use crate::vcs::codehost::{CodeHost, cancel};
use crate::vcs::coderepo::{CodeRepo, CodeRepoError};
use crate::vcs::discovery::{Discovery, Govcs, Policy, SchemeProbe, Security};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// What direct mode reads from the configuration.
#[derive(Debug, Clone, Default)]
pub struct DirectSettings {
    /// GOMODCACHE (`None` when unusable: Go's error comes from the cache layer).
    pub cache: Option<PathBuf>,
    pub goinsecure: String,
    pub goprivate: String,
    pub govcs: String,
    pub git_allow_protocol: Option<String>,
    /// Repository operations at once.
    pub jobs: usize,
    /// The Go version emulated, and the `; GOTOOLCHAIN=…` note of Go's "requires go
    /// >= …" error (a module whose go.mod needs a newer Go gets no zip, as in Go).
    pub go_version: String,
    pub toolchain_note: String,
}

type Found = Result<Arc<Located>, ProxyError>;

/// Where a module path led.
enum Located {
    Proxy(String),
    Code(Arc<CodeModule>),
}

/// Direct mode for one run.
pub struct Direct {
    settings: DirectSettings,
    discovery: Result<Discovery, String>,
    locker: Locker,
    gate: Arc<Semaphore>,
    modules: OnceMap<String, Found>,
    repos: OnceMap<String, Result<Arc<GitRepo>, String>>,
    git: GitEnv,
}

fn failure(message: impl Into<String>, not_found: bool, module_context: bool) -> ProxyError {
    ProxyError::Direct(DirectFailure {
        message: message.into(),
        not_found,
        module_context,
        origin: None,
    })
}

impl Direct {
    /// `git` holds the `-x` log and the logins of the git work.
    ///
    /// `http` fetches discovery pages; `insecure_http` (certificates not verified)
    /// those of GOINSECURE paths over `https`, as go's client for them.
    pub fn new(
        http: Client,
        insecure_http: Option<Client>,
        settings: DirectSettings,
        locker: Locker,
        git: GitEnv,
    ) -> Direct {
        let discovery = Govcs::parse(&settings.govcs)
            .map(|govcs| {
                let policy = Policy {
                    govcs,
                    goprivate: settings.goprivate.clone(),
                    git_allow_protocol: settings.git_allow_protocol.clone(),
                };
                let probe = GitProbe {
                    dir: settings.cache.clone(),
                    git: git.clone(),
                };
                let d = Discovery::new(http, policy, Arc::new(probe));
                match insecure_http {
                    Some(c) => d.with_insecure_client(c),
                    None => d,
                }
            })
            .map_err(|e| e.to_string());
        Direct {
            gate: Arc::new(Semaphore::new(settings.jobs.max(1))),
            settings,
            discovery,
            locker,
            modules: OnceMap::new(),
            repos: OnceMap::new(),
            git,
        }
    }

    async fn find(self: &Arc<Self>, path: &str) -> Found {
        let discovery = self
            .discovery
            .as_ref()
            .map_err(|e| failure(e.clone(), false, false))?;
        let security = if module::match_prefix_patterns(&self.settings.goinsecure, path) {
            Security::Insecure
        } else {
            Security::SecureOnly
        };
        // Go: "We don't know where to find code for a module with this path."
        let root = discovery
            .repo_root_for_path(path, security)
            .await
            .map_err(|e| failure(e.to_string(), true, false))?;
        if root.vcs == "mod" {
            return Ok(Arc::new(Located::Proxy(root.repo)));
        }
        if root.vcs != "git" {
            return Err(failure(
                format!(
                    "lookup {}: {} is not supported by gomodfetch (only git)",
                    root.root, root.vcs
                ),
                false,
                false,
            ));
        }
        let repo = self
            .git_repo(&root.repo)
            .await
            .map_err(|e| failure(format!("lookup {}: {e}", root.root), false, false))?;
        let code =
            CodeRepo::new(repo, path, &root.root, &root.subdir).map_err(|e| code_failure(&e))?;
        Ok(Arc::new(Located::Code(Arc::new(CodeModule {
            path: path.to_string(),
            code: Arc::new(code),
            gate: Arc::clone(&self.gate),
            go_version: self.settings.go_version.clone(),
            toolchain_note: self.settings.toolchain_note.clone(),
        }))))
    }

    /// The repository for `url`, opened once per run.
    async fn git_repo(self: &Arc<Self>, url: &str) -> Result<Arc<dyn CodeHost>, String> {
        let me = Arc::clone(self);
        let u = url.to_string();
        let repo = self
            .repos
            .get_or_run(&url.to_string(), || async move {
                let cache = me
                    .settings
                    .cache
                    .clone()
                    .ok_or("neither GOPATH nor GOMODCACHE are set")?;
                let (locker, git) = (me.locker, me.git.clone());
                blocking(&me.gate, move || {
                    GitRepo::open_with(&cache, &u, locker, git)
                })
                .await
                .and_then(|r| r.map_err(|e| e.to_string()))
                .map(Arc::new)
            })
            .await?;
        Ok(repo)
    }
}

impl DirectModules for Arc<Direct> {
    fn lookup<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<DirectRepo, ProxyError>> {
        Box::pin(async move {
            let me = Arc::clone(self);
            let p = path.to_string();
            let found = self
                .modules
                .get_or_run(&path.to_string(), || async move { me.find(&p).await })
                .await?;
            Ok(match found.as_ref() {
                Located::Proxy(base) => DirectRepo::Proxy(base.clone()),
                Located::Code(m) => DirectRepo::Code(m.clone()),
            })
        })
    }
}

/// Runs `f` on the blocking pool under a permit of `gate`. Dropping the future
/// cancels `f`'s git transfers ([`cancel`]); the permit is held until `f` returns.
async fn blocking<T: Send + 'static>(
    gate: &Arc<Semaphore>,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let permit = gate
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| e.to_string())?;
    let canceller = cancel::Canceller::new();
    let flag = canceller.flag();
    let out = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        cancel::run_with(flag, f)
    })
    .await
    .map_err(|e| format!("internal error: {e}"));
    drop(canceller);
    out
}

fn code_failure(e: &CodeRepoError) -> ProxyError {
    ProxyError::Direct(DirectFailure {
        message: e.to_string(),
        not_found: e.is_not_exist(),
        module_context: e.module_error().is_some(),
        origin: e.origin().cloned().map(Box::new),
    })
}

/// One module in a code repository.
struct CodeModule {
    path: String,
    code: Arc<CodeRepo>,
    gate: Arc<Semaphore>,
    go_version: String,
    toolchain_note: String,
}

impl CodeModule {
    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&CodeRepo) -> Result<T, CodeRepoError> + Send + 'static,
    ) -> Pin<Box<dyn Future<Output = Result<T, ProxyError>> + Send + '_>> {
        let code = Arc::clone(&self.code);
        Box::pin(async move {
            blocking(&self.gate, move || f(&code))
                .await
                .map_err(|e| failure(e, false, false))?
                .map_err(|e| code_failure(&e))
        })
    }
}

impl CodeModule {
    /// Go's check before building a zip: the module's go.mod must not need a newer
    /// Go than the one emulated (`<path>@<version> requires go >= …`). A go.mod that
    /// cannot be read is left to the zip to report.
    async fn check_go_version(&self, version: &str) -> Result<(), ProxyError> {
        let v = version.to_string();
        let Ok(go_mod) = self.run(move |c| c.go_mod(&v)).await else {
            return Ok(());
        };
        let need = gover::go_mod_lookup(&go_mod, "go");
        if gover::compare(&need, &self.go_version).is_le() {
            return Ok(());
        }
        let message = format!(
            "{}@{version} requires go >= {need} (running go {}{})",
            self.path, self.go_version, self.toolchain_note
        );
        Err(failure(message, false, true))
    }
}

impl DirectModule for CodeModule {
    fn list<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<VersionList, ProxyError>> {
        let p = prefix.to_string();
        Box::pin(async move {
            let versions = self.run(move |c| c.versions(&p)).await?;
            Ok(VersionList {
                lines: versions.list.clone(),
                versions: versions.list,
                origin: versions.origin,
            })
        })
    }

    fn latest(&self) -> BoxFuture<'_, Result<RevInfo, ProxyError>> {
        self.run(|c| c.latest())
    }

    fn stat<'a>(&'a self, rev: &'a str) -> BoxFuture<'a, Result<RevInfo, ProxyError>> {
        let r = rev.to_string();
        self.run(move |c| c.stat(&r))
    }

    fn go_mod<'a>(&'a self, version: &'a str) -> BoxFuture<'a, Result<Vec<u8>, ProxyError>> {
        let v = version.to_string();
        self.run(move |c| c.go_mod(&v))
    }

    fn zip<'a>(&'a self, version: &'a str) -> BoxFuture<'a, Result<ZipDownload, ProxyError>> {
        let v = version.to_string();
        Box::pin(async move {
            self.check_go_version(&v).await?;
            let files = self.run({
                let v = v.clone();
                move |c| c.zip_files(&v)
            });
            let files = files.await?;
            let (path, ver) = (self.path.clone(), v.clone());
            let zip = blocking(&self.gate, move || archive::module_zip(&path, &ver, &files))
                .await
                .map_err(|e| failure(e, false, false))?
                // Go's codeRepo.Zip returns modzip's error as it is (`create zip: …`).
                .map_err(|e| failure(e.to_string(), false, true))?;
            Ok(ZipDownload::from_memory(&self.path, version, zip))
        })
    }
}

/// Go's scheme probe for the generic `<host>/<path>.git` rule: `git ls-remote
/// <scheme>://<repo>` succeeds (other version-control systems are not supported).
/// go runs it in the module cache and traces it as `cd <dir>` then the command.
struct GitProbe {
    dir: Option<PathBuf>,
    git: GitEnv,
}

impl SchemeProbe for GitProbe {
    fn ping(
        &self,
        vcs: &'static str,
        scheme: &'static str,
        repo: &str,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'static>> {
        let url = format!("{scheme}://{repo}");
        if vcs == "git" {
            if let Some(dir) = &self.dir {
                self.git.xlog.line(&format!("cd {}", dir.display()));
            }
            self.git.xlog.line(&format!("git ls-remote {url}"));
        }
        let git = self.git.clone();
        Box::pin(async move {
            vcs == "git"
                && tokio::task::spawn_blocking(move || {
                    crate::vcs::codehost::git::answers(&url, &git)
                })
                .await
                .unwrap_or(false)
        })
    }
}
