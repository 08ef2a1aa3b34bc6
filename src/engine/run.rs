//! One `go mod download` run over explicit `path@version` arguments, in Go's order
//! (`modcmd.runDownload`, `modload.listModules`):
//!
//! 1. the main module (if any) and the arguments' fatal checks;
//! 2. resolution: each argument's Stat, then its go.mod (Go's `moduleInfo`, whose
//!    errors are ignored there and reported by the download), all arguments at once —
//!    Go resolves them one after another, so when resolution is fatal (a go.mod that
//!    contradicts go.sum) the first such argument in order is reported;
//! 3. downloads, all at once (bounded), each filling its record in Go's
//!    `DownloadModule` order; the first fatal failure ends the run;
//! 4. records in argument order, then go.sum (inside a module) with the sums Go keeps.

use super::args::{self, Arg};
use super::commit::commit;
use super::concurrency::Concurrency;
use super::error::{Error, Fatal, Shared};
use super::fetch::{Fetcher, blocking};
use super::graph::Loader;
use super::listing::{ModInfo, Resolver};
use super::mainmod::{self, MainModule};
use super::query::QueryError;
use super::record::Record;
use super::report::Reporter;
use super::sumdb::SumDb;
use super::sums::Sums;
use crate::config::{Config, DownloadArgs};
use crate::http::{Client, ClientConfig, RetryPolicy, Trace};
use crate::modload::Replacer;
use crate::module::ModuleVersion;
use crate::proxy::Proxies;
use crate::store::{Store, StoreOptions};
use std::sync::Arc;
use tokio::task::JoinSet;

/// What a run needs besides the configuration.
#[derive(Clone)]
pub struct Options {
    /// The retry policy of the HTTP layer (requests and bodies).
    pub retry: RetryPolicy,
    /// Where `-x` lines go (`None` without `-x`).
    pub trace: Option<Arc<dyn Trace>>,
    /// Progress and stderr messages.
    pub reporter: Arc<dyn Reporter>,
}

/// The result of a run that was not fatal.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// One record per module, in argument order (Go's `-json` order).
    pub records: Vec<Record>,
    /// Errors Go reports after the records (`go: updating go.sum: …`), each a line
    /// without the `go: ` prefix; each makes the exit status 1.
    pub late_errors: Vec<String>,
    /// Go's message for a run with nothing to do, printed instead of records.
    pub nothing_to_do: Option<NothingToDo>,
}

/// Runs without module arguments that Go ends early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NothingToDo {
    /// Inside a module without requirements: `go: no module dependencies to
    /// download` (exit status 0).
    NoDependencies,
    /// Outside a module: `go: no modules specified (see 'go help mod download')`
    /// (exit status 1).
    NoModulesSpecified,
}

impl Outcome {
    /// The go command's exit status for this outcome, given `-json`.
    pub fn exit_code(&self) -> i32 {
        let failed = self.records.iter().any(Record::failed)
            || !self.late_errors.is_empty()
            || self.nothing_to_do == Some(NothingToDo::NoModulesSpecified);
        i32::from(failed)
    }
}

/// Runs `go mod download` for `args` in `work_dir`.
pub async fn run(
    config: &Config,
    args: &DownloadArgs,
    work_dir: &std::path::Path,
    options: Options,
) -> Result<Outcome, Fatal> {
    let reporter = Arc::clone(&options.reporter);
    let warn = |s: &str| reporter.message(s);
    let (config2, args2, dir2) = (config.clone(), args.clone(), work_dir.to_path_buf());
    let r2 = Arc::clone(&reporter);
    let main = blocking(move || mainmod::load(&config2, &args2, &dir2, &|s| r2.message(s)))
        .await
        .map_err(|e| Fatal::new(e.to_string()))??;
    if let Some(m) = &main {
        for arg in &args.modules {
            if *arg == m.path
                || *arg == format!("{}@upgrade", m.path)
                || *arg == format!("{}@patch", m.path)
            {
                warn(&format!(
                    "go: skipping download of {arg} that resolves to the main module"
                ));
            }
        }
    }
    if args.overlay.is_some() {
        return Err(Fatal::new("gomodfetch: -overlay is not supported yet"));
    }
    let Some(main) = main else {
        return Box::pin(run_outside(config, args, options)).await;
    };
    if !args.modules.is_empty() {
        // Go's fatal argument checks come before any graph work.
        args::check_fatal(&args.modules, Some(&main.path))?;
    }
    let fetcher = Arc::new(build_fetcher(config, args, Some(&main), &options)?);
    let main = resolve_fixes(config, work_dir, &fetcher, main).await?;
    let planned = Box::pin(plan_in_module(
        config,
        args,
        work_dir,
        &fetcher,
        main,
        options.trace.clone(),
        &warn,
        true,
    ))
    .await?;
    let Planned {
        records,
        loader,
        resolver,
        file,
        explicit,
    } = match planned {
        Ok(p) => p,
        Err(nothing) => {
            return Ok(Outcome {
                nothing_to_do: Some(nothing),
                ..Outcome::default()
            });
        }
    };
    reporter.start(records.iter().filter(|r| !r.failed()).count());
    let records = Box::pin(download_all(&fetcher, records)).await;
    fetcher.remove_unused_dirs().await;
    let records = records?;
    let mut late_errors = Vec::new();
    let failed = records.iter().any(Record::failed);
    if explicit
        && (args.json || !failed)
        && let Err(e) = commit(&loader, &resolver.rs, resolver.mg.as_ref(), &file, true).await
    {
        late_errors.push(e);
    }
    if (args.json || !failed)
        && let Some(e) = resolver.graph_error.clone()
    {
        late_errors.push(e);
    }
    Ok(Outcome {
        records,
        late_errors,
        nothing_to_do: None,
    })
}

/// A main module's download set, resolved and not yet downloaded.
pub(super) struct Planned {
    /// One record per module to download (failed ones carry their error), in
    /// argument order.
    pub records: Vec<Record>,
    pub loader: Arc<Loader>,
    pub resolver: Resolver,
    /// go.mod as the graph load left it (what `commit` writes back).
    pub file: crate::modfile::File,
    /// Whether module arguments were given.
    pub explicit: bool,
}

/// Go's `listModules` for a run inside `main`: the graph loaded, the arguments (none:
/// the main go.mod's requirements, or `all` before go 1.17) resolved to records.
/// `write_back`: go.mod and go.sum are updated as `go mod download` updates them
/// before downloading (without arguments); `prewarm` leaves projects untouched.
/// `Err(_)`: Go's early end with nothing to do.
#[allow(clippy::too_many_arguments)]
pub(super) async fn plan_in_module(
    config: &Config,
    args: &DownloadArgs,
    work_dir: &std::path::Path,
    fetcher: &Arc<Fetcher>,
    main: MainModule,
    trace: Option<Arc<dyn Trace>>,
    warn: &(dyn Fn(&str) + Sync),
    write_back: bool,
) -> Result<Result<Planned, NothingToDo>, Fatal> {
    let replacer = Replacer::new(&main.path, &main.file).map_err(Fatal::go)?;
    let loader = Arc::new(
        Loader::new(Arc::clone(fetcher), main, replacer, work_dir, false).with_trace(trace),
    );
    let (rs, file) = Box::pin(loader.load_requirements(true, config.go_version(), warn)).await?;
    loader.set_main_go_version(&rs);
    let mut resolver = Resolver {
        loader: Arc::clone(&loader),
        rs,
        mg: None,
        graph_error: None,
    };
    let explicit = !args.modules.is_empty();
    let mut modules = args.modules.clone();
    if !explicit {
        let pruned = file.go.as_ref().is_some_and(|g| {
            crate::gover::compare(&g.version, crate::modload::PRUNING_VERSION).is_ge()
        });
        if pruned {
            resolver.expand().await?;
            if let Some(e) = &resolver.graph_error {
                return Err(Fatal::go(e));
            }
            modules = file.require.iter().map(|r| r.module.path.clone()).collect();
        } else if !file.require.is_empty() {
            modules = vec!["all".to_string()];
        }
    }
    if modules.is_empty() {
        return Ok(Err(NothingToDo::NoDependencies));
    }
    if args.reuse.is_some() {
        return Err(Fatal::new(
            "go mod download -reuse cannot be used inside a module",
        ));
    }
    if resolver.mg.is_none() && resolver.needs_full_graph(&modules) {
        resolver.expand().await?;
    }
    let infos = Box::pin(resolver.list(&modules, warn)).await?;
    if write_back
        && !explicit
        && let Err(e) = commit(&loader, &resolver.rs, resolver.mg.as_ref(), &file, true).await
    {
        return Err(Fatal::go(e));
    }
    let records: Vec<Record> = infos
        .into_iter()
        .map(|info| match info.replace {
            Some(r) => ModInfo {
                by_query: info.by_query,
                ..*r
            },
            None => info,
        })
        .filter(|info| !(info.version.is_empty() && info.error.is_empty()))
        .map(|info| Record {
            path: info.path,
            version: info.version,
            query: info.query,
            error: info.error,
            origin: info.origin,
            newer_go_ok: !info.by_query,
            ..Record::default()
        })
        .collect();
    Ok(Ok(Planned {
        records,
        loader,
        resolver,
        file,
        explicit,
    }))
}

/// Go's `fixVersion` queries for the main go.mod's non-canonical versions, then the
/// file read again with their answers.
pub(super) async fn resolve_fixes(
    config: &Config,
    work_dir: &std::path::Path,
    fetcher: &Arc<Fetcher>,
    main: MainModule,
) -> Result<MainModule, Fatal> {
    if main.fixes.is_empty() {
        return Ok(main);
    }
    let mut answers = std::collections::HashMap::new();
    for (path, vers) in &main.fixes {
        let answer = match fetcher
            .query_module(path, vers, "", super::Allow::All)
            .await
            .map_err(|e| e.error)
        {
            Ok(info) => Ok(info.version),
            Err(e) => {
                if let Some(f) = e.fatal() {
                    return Err(f.clone());
                }
                // go.mod's parser reports a module.ModuleError by what it wraps.
                Err(match e.module_error_detail() {
                    Some(d) => crate::modfile::FixError::Module(d),
                    None => crate::modfile::FixError::Other(e.to_string()),
                })
            }
        };
        answers.insert((path.clone(), vers.clone()), answer);
    }
    mainmod::refix(config, work_dir, &main, &answers)
}

/// `go mod download` outside any module: explicit `path@version` arguments only.
async fn run_outside(
    config: &Config,
    args: &DownloadArgs,
    options: Options,
) -> Result<Outcome, Fatal> {
    let reporter = Arc::clone(&options.reporter);
    if args.modules.is_empty() {
        return Ok(Outcome {
            nothing_to_do: Some(NothingToDo::NoModulesSpecified),
            ..Outcome::default()
        });
    }
    if args.reuse.is_some() {
        return Err(Fatal::new("gomodfetch: -reuse is not supported yet"));
    }
    let classified = args::classify(&args.modules, None)?;
    let fetcher = Arc::new(build_fetcher(config, args, None, &options)?);
    let records = resolve(&fetcher, classified).await?;
    reporter.start(records.iter().filter(|r| !r.failed()).count());
    let records = Box::pin(download_all(&fetcher, records)).await;
    // Also after a fatal failure: a zip rejected by go.sum (SECURITY ERROR) must leave
    // no directories behind, as with go, which creates them only after verification.
    fetcher.remove_unused_dirs().await;
    let records = records?;
    Ok(Outcome {
        records,
        late_errors: Vec::new(),
        nothing_to_do: None,
    })
}

pub(super) fn build_fetcher(
    config: &Config,
    args: &DownloadArgs,
    main: Option<&MainModule>,
    options: &Options,
) -> Result<Fetcher, Fatal> {
    Ok(FetchBase::new(config, args, options)?.fetcher(main.map(|m| m.go_sum.clone())))
}

/// Everything a [`Fetcher`] holds that does not depend on the main module: the
/// clients and proxies, the cache, the checksum database, the concurrency bounds.
/// `download` builds one fetcher from it; `prewarm` builds one per project from the
/// same base, so every project shares one connection pool, one set of bounds and one
/// checksum-database client.
#[derive(Clone)]
pub(super) struct FetchBase {
    config: Config,
    proxies: Result<Proxies, crate::config::GoProxyError>,
    store: Result<Store, Arc<crate::store::Error>>,
    locker: crate::store::Locker,
    sumdb: Arc<SumDb>,
    conc: Concurrency,
    reporter: Arc<dyn Reporter>,
    trace: Option<Arc<dyn Trace>>,
}

impl FetchBase {
    pub(super) fn new(
        config: &Config,
        args: &DownloadArgs,
        options: &Options,
    ) -> Result<FetchBase, Fatal> {
        let credentials = match config.goauth() {
            Ok(auth) => {
                if let Err(e) = auth.check_supported() {
                    return Err(Fatal::new(format!("gomodfetch: {e}")));
                }
                match config.credentials() {
                    Ok(c) => c.unwrap_or_default(),
                    Err(e) => {
                        if let Some(t) = &options.trace {
                            t.line(&format!("# GOAUTH=netrc: {e}"));
                        }
                        Default::default()
                    }
                }
            }
            Err(e) => return Err(Fatal::new(e.to_string())),
        };
        let mut client_config = ClientConfig::from_net_env(config.net(), credentials);
        client_config.retry = options.retry;
        client_config.trace = options.trace.clone();
        if let Some(d) = args.stall_timeout {
            client_config.idle_timeout = d;
        }
        // Go's client for GOINSECURE https pages: no certificate checks, impatient.
        let insecure = ClientConfig {
            skip_verify: true,
            connect_timeout: INSECURE_TIMEOUT,
            idle_timeout: INSECURE_TIMEOUT,
            ..client_config.clone()
        };
        let client = Client::new(client_config).map_err(Fatal::go)?;
        let insecure = Client::new(insecure).ok();
        let sumdb_client = client.clone();
        let direct = direct_mode(config, client.clone(), insecure, options.trace.clone());
        let proxies = config
            .goproxy()
            .map(|list| Proxies::new(client, list.clone(), config.gonoproxy()).with_direct(direct))
            .map_err(Clone::clone);
        let store = match config.gomodcache() {
            Ok(root) => Store::open(
                root,
                StoreOptions {
                    modcacherw: args.modcacherw,
                    lock_timeout: None,
                },
            ),
            Err(e) => Err(cache_dir_error(e)),
        };
        let locker = store
            .as_ref()
            .map(|s| *s.locker())
            .unwrap_or_else(|_| crate::store::Locker::wait_forever());
        let sumdb = SumDb::new(
            config,
            sumdb_client,
            store.as_ref().ok().map(|s| s.root()),
            locker,
        );
        Ok(FetchBase {
            config: config.clone(),
            proxies,
            store: store.map_err(Arc::new),
            locker,
            sumdb: Arc::new(sumdb),
            conc: Concurrency::new(args.jobs),
            reporter: Arc::clone(&options.reporter),
            trace: options.trace.clone(),
        })
    }

    /// A fetcher verifying against `go_sum` (the main module's; `None` outside one).
    pub(super) fn fetcher(&self, go_sum: Option<std::path::PathBuf>) -> Fetcher {
        let config = &self.config;
        let sums = Sums::new(
            go_sum,
            self.locker,
            config.gosumdb(),
            config.gonosumdb(),
            config.goproxy_text(),
        );
        Fetcher::new(
            config.clone(),
            self.proxies.clone(),
            self.store.clone(),
            sums,
            Arc::clone(&self.sumdb),
            self.conc.clone(),
            Arc::clone(&self.reporter),
        )
        .with_trace(self.trace.clone())
    }

    /// The cache, when GOMODCACHE is usable.
    pub(super) fn store(&self) -> Option<&Store> {
        self.store.as_ref().ok()
    }

    /// The bounds every fetcher built from this base shares.
    pub(super) fn concurrency(&self) -> &Concurrency {
        &self.conc
    }
}

/// GOMODCACHE's configuration error as the store reports it.
fn cache_dir_error(e: crate::config::paths::CacheDirError) -> crate::store::Error {
    use crate::config::paths::CacheDirError;
    match e {
        CacheDirError::NotSet => crate::store::Error::NoCacheDir,
        CacheDirError::Relative(root) => {
            crate::store::Error::RelativeCacheDir { root: root.into() }
        }
    }
}

/// Resolution of every argument (Go's `listModules` for `path@query` arguments).
pub(super) async fn resolve(fetcher: &Arc<Fetcher>, args: Vec<Arg>) -> Result<Vec<Record>, Fatal> {
    let mut tasks = JoinSet::new();
    let n = args.len();
    for (i, arg) in args.into_iter().enumerate() {
        let f = Arc::clone(fetcher);
        tasks.spawn(async move { (i, resolve_one(&f, arg).await) });
    }
    let mut results: Vec<Option<Result<Option<Record>, Fatal>>> = (0..n).map(|_| None).collect();
    while let Some(done) = tasks.join_next().await {
        let (i, r) = done.map_err(|e| Fatal::new(format!("gomodfetch: internal error: {e}")))?;
        results[i] = Some(r);
    }
    let mut records = Vec::new();
    for r in results.into_iter().flatten() {
        if let Some(rec) = r? {
            records.push(rec);
        }
    }
    Ok(records)
}

async fn resolve_one(f: &Arc<Fetcher>, arg: Arg) -> Result<Option<Record>, Fatal> {
    let (path, query) = match arg {
        Arg::MainModule => return Ok(None),
        Arg::Unsupported { path, query } => {
            let err = Error::Unsupported(args::unsupported_query(&query)).shared();
            let error = query_error(&path, &query, err).to_string();
            return Ok(Some(Record {
                path,
                version: query,
                error,
                ..Record::default()
            }));
        }
        Arg::Stat { path, query } | Arg::Query { path, query } => (path, query),
    };
    let info = match query_module(f, &path, &query).await {
        Ok(info) => info,
        Err(QueryError { error: e, origin }) => {
            if let Some(fatal) = e.fatal() {
                return Err(fatal.clone());
            }
            let error = query_error(&path, &query, e).to_string();
            return Ok(Some(Record {
                path,
                version: query,
                error,
                origin,
                ..Record::default()
            }));
        }
    };
    // moduleInfo: the go.mod is loaded for its go version; errors are the download's
    // to report, but a fatal one (go.sum mismatch) ends the run here.
    let m = ModuleVersion::new(path.clone(), info.version.clone());
    if let Err(e) = f.go_mod(&m).await
        && let Some(fatal) = e.fatal()
    {
        return Err(fatal.clone());
    }
    Ok(Some(Record {
        query: if query != info.version {
            query
        } else {
            String::new()
        },
        path,
        version: info.version,
        origin: info.origin,
        ..Record::default()
    }))
}

/// Go's `Query` as `listModules` calls it outside a module: no current version;
/// revision queries allow every version, the others check retractions.
async fn query_module(
    f: &Arc<Fetcher>,
    path: &str,
    query: &str,
) -> Result<crate::revinfo::RevInfo, QueryError> {
    let allow = if crate::query::is_revision_query(path, query) {
        super::Allow::All
    } else {
        super::Allow::Checked {
            excluded: &|_, _| false,
        }
    };
    f.query_module(path, query, "", allow).await
}

/// Go's `Query` for a revision or a complete version (never filtered: Go's
/// `listModules` passes no `allowed` for them).
pub(super) async fn query_stat(
    f: &Arc<Fetcher>,
    path: &str,
    query: &str,
) -> Result<crate::revinfo::RevInfo, Shared> {
    f.query_module(path, query, "", super::Allow::All)
        .await
        .map_err(|e| e.error)
}

/// Go's `modinfoError`.
pub(super) fn query_error(path: &str, query: &str, e: Shared) -> Error {
    super::modinfo_error(path, query, e)
}

/// Downloads every resolved record at once; fatal failures end the run.
async fn download_all(fetcher: &Arc<Fetcher>, records: Vec<Record>) -> Result<Vec<Record>, Fatal> {
    let mut tasks = JoinSet::new();
    let n = records.len();
    let mut out: Vec<Option<Record>> = Vec::with_capacity(n);
    for (i, rec) in records.into_iter().enumerate() {
        if rec.failed() {
            fetcher.reporter.finished(&rec);
            out.push(Some(rec));
            continue;
        }
        out.push(None);
        let f = Arc::clone(fetcher);
        let permit = Arc::clone(&fetcher.conc.modules)
            .acquire_owned()
            .await
            .map_err(|e| Fatal::new(format!("gomodfetch: internal error: {e}")))?;
        tasks.spawn(async move {
            let mut rec = rec;
            let result = f.download_module(&mut rec).await;
            drop(permit);
            if let Err(e) = result {
                if let Some(fatal) = e.fatal() {
                    return (i, Err(fatal.clone()));
                }
                rec.error = e.to_string();
            }
            f.reporter.finished(&rec);
            (i, Ok(rec))
        });
        // Keep the finished ones moving while spawning (fatal errors end the run).
        while let Some(done) = tasks.try_join_next() {
            collect(&mut out, done)?;
        }
    }
    while let Some(done) = tasks.join_next().await {
        collect(&mut out, done)?;
    }
    Ok(out.into_iter().flatten().collect())
}

fn collect(
    out: &mut [Option<Record>],
    done: Result<(usize, Result<Record, Fatal>), tokio::task::JoinError>,
) -> Result<(), Fatal> {
    let (i, rec) = done.map_err(|e| Fatal::new(format!("gomodfetch: internal error: {e}")))?;
    out[i] = Some(rec?);
    Ok(())
}

/// The certificate check of `https` remotes before libgit2 connects
/// ([`crate::vcs::codehost::git::GitEnv::tls_check`]): a request for the remote's
/// refs (`info/refs`, as git's first request) through a client that trusts what
/// git would (the roots as Go finds them, with git's `GIT_SSL_CAINFO` as the CA
/// file when set), untraced and without credentials; only a TLS failure refuses
/// the remote. Only when git goes through a proxy (libgit2's hang needs one; a
/// direct connection fails at once), and not when git's settings turn
/// verification off.
fn git_tls_check(config: &crate::config::Config) -> Option<crate::vcs::codehost::git::TlsCheck> {
    let env = |k: &str| config.env().get(k).map(|v| v.to_os_string());
    if env("GIT_SSL_NO_VERIFY").is_some() {
        return None;
    }
    let mut client_config = ClientConfig::from_net_env(config.net(), Default::default());
    let env_proxy = client_config
        .proxy
        .https_proxy
        .as_deref()
        .is_some_and(|p| !p.is_empty());
    if let Some(ca) = env("GIT_SSL_CAINFO").filter(|v| !v.is_empty()) {
        client_config.roots.ssl_cert_file = Some(ca.into());
    }
    client_config.retry = RetryPolicy::none();
    // Decided and built at the first check: most runs have no https git remote.
    let client = std::sync::OnceLock::new();
    Some(Arc::new(move |url: &str| {
        let Some(client) = client
            .get_or_init(|| {
                let proxied = env_proxy || crate::vcs::codehost::git::config_proxy();
                proxied
                    .then(|| Client::new(client_config.clone()).ok())
                    .flatten()
            })
            .as_ref()
        else {
            return Ok(());
        };
        let refs = format!(
            "{}/info/refs?service=git-upload-pack",
            url.trim_end_matches('/')
        );
        let Ok(u) = crate::http::GoUrl::parse(&refs) else {
            return Ok(());
        };
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return Ok(());
        };
        match handle.block_on(client.get_any_status(&u)) {
            Err(e)
                if e.cause()
                    .is_some_and(|c| c.kind == crate::http::CauseKind::Tls) =>
            {
                Err(e.cause().map(|c| c.text.clone()).unwrap_or_default())
            }
            _ => Ok(()),
        }
    }))
}

/// Go's `impatientInsecureHTTPClient` timeout.
const INSECURE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Direct mode (GOPROXY `direct`, GONOPROXY paths) for the run.
fn direct_mode(
    config: &crate::config::Config,
    client: Client,
    insecure: Option<Client>,
    trace: Option<Arc<dyn Trace>>,
) -> Arc<dyn crate::proxy::direct::DirectModules> {
    use crate::vcs::codehost::git::GitEnv;
    use crate::vcs::direct::{Direct, DirectSettings};
    let env = |k: &str| {
        config
            .env()
            .get(k)
            .map(|v| v.to_string_lossy().into_owned())
    };
    let settings = DirectSettings {
        cache: config.gomodcache().ok().map(std::path::Path::to_path_buf),
        goinsecure: config.goinsecure().to_string(),
        goprivate: config.goprivate().to_string(),
        govcs: config.govcs().to_string(),
        git_allow_protocol: env("GIT_ALLOW_PROTOCOL"),
        jobs: 4,
        go_version: config.go_version().to_string(),
        toolchain_note: super::toolchain::explain(config),
    };
    let locker = crate::store::Locker::wait_forever();
    // The logins the git go runs would send: libcurl reads `$HOME/.netrc`.
    let netrc = env("HOME")
        .and_then(|home| std::fs::read(std::path::Path::new(&home).join(".netrc")).ok())
        .map(|data| crate::config::goauth::parse_netrc(&String::from_utf8_lossy(&data)))
        .unwrap_or_default();
    let git = GitEnv {
        xlog: crate::vcs::codehost::xlog::XLog::new(trace),
        netrc: Arc::new(netrc),
        tls_check: git_tls_check(config),
    };
    Arc::new(Arc::new(Direct::new(
        client, insecure, settings, locker, git,
    )))
}
