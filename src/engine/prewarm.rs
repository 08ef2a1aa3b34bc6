//! `gomodfetch prewarm`: the download sets of many main modules (and loose
//! `path@version` lists), de-duplicated and fetched once under one set of bounds.
//!
//! # How
//! 1. **Plan**, all projects at once: each project is loaded as `go mod download`
//!    loads it ([`plan_in_module`]: its go.mod, its graph, its no-argument set or
//!    `all`), with its own fetcher — its own go.sum to verify against — built from one
//!    shared [`FetchBase`] (one connection pool, one [`super::Concurrency`], one
//!    checksum-database client) and one [`NetShare`], so a `.info` or `.mod` that
//!    several projects need is requested once. Projects are never written to: go.mod
//!    and go.sum stay as they are (hashes go.sum lacks are checked against the
//!    checksum database, as `go` would check them).
//! 2. **Fetch**, each distinct module version once, by the first project that needs
//!    it, all at once within the bounds.
//! 3. **Check**, every project's every module through its own fetcher: now a cache
//!    hit, verified against that project's go.sum (a project whose go.sum disagrees
//!    fails alone). A module whose fetch failed for a reason that is not the owner's
//!    go.sum fails in every project that needs it without being asked for again.
//!
//! One project's failure (a malformed go.mod, a missing module, a go.sum mismatch)
//! never stops the others.

use super::args;
use super::error::Fatal;
use super::fetch::{Fetcher, NetShare, blocking};
use super::mainmod;
use super::record::Record;
use super::run::{
    FetchBase, NothingToDo, Options, Planned, plan_in_module, resolve, resolve_fixes,
};
use crate::config::{Config, DownloadArgs};
use crate::module::ModuleVersion;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::task::JoinSet;

/// What to pre-warm.
#[derive(Debug, Clone, Default)]
pub struct PrewarmJob {
    /// Module roots (directories holding a go.mod), each a main module.
    pub projects: Vec<PathBuf>,
    /// `path@version` arguments outside any module (lists, `-json` output).
    pub modules: Vec<String>,
    /// Per project, `go mod download all` instead of the no-argument set.
    pub all: bool,
    /// Download and verify zips without extracting them.
    pub zips_only: bool,
    /// Flags shared by every project (`--jobs`, `--retries`, `-modcacherw`, …).
    pub args: DownloadArgs,
}

/// One project's result.
#[derive(Debug, Clone, Default)]
pub struct ProjectResult {
    /// The module root, or `"(modules)"` for the loose `path@version` list.
    pub name: String,
    /// Its module path (empty for the loose list or when go.mod could not be read).
    pub module: String,
    /// The module versions it needs.
    pub modules: Vec<ModuleVersion>,
    /// Its failures, each a line as `go` prints it (without `go: `).
    pub errors: Vec<String>,
}

/// One distinct module version's result.
#[derive(Debug, Clone, Default)]
pub struct ModuleResult {
    pub path: String,
    pub version: String,
    /// How many projects need it.
    pub projects: usize,
    /// Whether its zip (and tree, unless zips only) was already in the cache.
    pub cached: bool,
    /// The zip's size when this run downloaded it.
    pub bytes: u64,
    /// Why it could not be fetched (empty: it was).
    pub error: String,
}

/// What happens during a run, for `--json` and progress.
pub enum Event<'a> {
    /// A project's download set is known (or its load failed).
    Planned(&'a ProjectResult),
    /// Every project is planned: `modules` distinct module versions to fetch.
    Fetching { modules: usize },
    /// A distinct module version was fetched (or failed).
    Module(&'a ModuleResult),
    /// A project is finished: all its modules checked.
    Finished(&'a ProjectResult),
}

/// The outcome of a run.
#[derive(Debug, Clone, Default)]
pub struct PrewarmOutcome {
    pub projects: Vec<ProjectResult>,
    pub modules: Vec<ModuleResult>,
}

impl PrewarmOutcome {
    /// Whether anything failed.
    pub fn failed(&self) -> bool {
        self.projects.iter().any(|p| !p.errors.is_empty())
            || self.modules.iter().any(|m| !m.error.is_empty())
    }
}

/// A project after planning.
struct Plan {
    result: ProjectResult,
    fetcher: Option<Arc<Fetcher>>,
    records: Vec<Record>,
}

impl Plan {
    /// A project whose download set is known: `records`, fetched through `fetcher`.
    fn ready(mut result: ProjectResult, fetcher: Arc<Fetcher>, records: Vec<Record>) -> Plan {
        result.modules = records
            .iter()
            .filter(|r| !r.failed())
            .map(|r| ModuleVersion::new(r.path.clone(), r.version.clone()))
            .collect();
        Plan {
            result,
            fetcher: Some(fetcher),
            records,
        }
    }
}

/// Runs `job`; `events` sees each step as it happens.
pub async fn prewarm(
    config: &Config,
    job: &PrewarmJob,
    options: Options,
    events: Arc<dyn Fn(Event<'_>) + Send + Sync>,
) -> Result<PrewarmOutcome, Fatal> {
    let base = FetchBase::new(config, &job.args, &options)?;
    let share = Arc::new(NetShare::default());
    let mut plans = Box::pin(plan_all(config, job, &base, &share, &options)).await;
    for p in &plans {
        events(Event::Planned(&p.result));
    }
    let (modules, fetched) = Box::pin(fetch_distinct(&base, &plans, job.zips_only, &events)).await;
    Box::pin(check_all(&base, &mut plans, &fetched)).await;
    for p in &plans {
        events(Event::Finished(&p.result));
    }
    Ok(PrewarmOutcome {
        projects: plans.into_iter().map(|p| p.result).collect(),
        modules,
    })
}

/// Step 1: every project's download set, all at once.
async fn plan_all(
    config: &Config,
    job: &PrewarmJob,
    base: &FetchBase,
    share: &Arc<NetShare>,
    options: &Options,
) -> Vec<Plan> {
    let mut tasks = JoinSet::new();
    for (i, dir) in job.projects.iter().enumerate() {
        let (config, base, share) = (config.without_workspace(), base.clone(), Arc::clone(share));
        let (dir, args, options) = (dir.clone(), project_args(job), options.clone());
        let zips_only = job.zips_only;
        tasks.spawn(async move {
            let fetcher = |go_sum| {
                Arc::new(
                    base.fetcher(go_sum)
                        .with_net_share(Some(share))
                        .with_zips_only(zips_only),
                )
            };
            (
                i,
                Box::pin(plan_project(&config, &dir, &args, fetcher, &options)).await,
            )
        });
    }
    let mut plans: Vec<Option<Plan>> = (0..job.projects.len()).map(|_| None).collect();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((i, plan)) => plans[i] = Some(plan),
            Err(e) => tracing::warn!("a prewarm planning task failed: {e}"),
        }
    }
    let mut out: Vec<Plan> = plans
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            p.unwrap_or_else(|| Plan {
                result: ProjectResult {
                    name: job.projects[i].display().to_string(),
                    errors: vec!["internal error: planning did not finish".into()],
                    ..ProjectResult::default()
                },
                fetcher: None,
                records: Vec::new(),
            })
        })
        .collect();
    if !job.modules.is_empty() {
        let fetcher = Arc::new(
            base.fetcher(None)
                .with_net_share(Some(Arc::clone(share)))
                .with_zips_only(job.zips_only),
        );
        out.push(Box::pin(plan_loose(&job.modules, fetcher)).await);
    }
    out
}

/// The flags each project runs with: the job's, with `all` or no arguments.
fn project_args(job: &PrewarmJob) -> DownloadArgs {
    DownloadArgs {
        modules: if job.all {
            vec!["all".to_string()]
        } else {
            Vec::new()
        },
        ..job.args.clone()
    }
}

async fn plan_project(
    config: &Config,
    dir: &std::path::Path,
    args: &DownloadArgs,
    make_fetcher: impl FnOnce(Option<PathBuf>) -> Arc<Fetcher>,
    options: &Options,
) -> Plan {
    let mut result = ProjectResult {
        name: dir.display().to_string(),
        ..ProjectResult::default()
    };
    let fail = |mut result: ProjectResult, e: String| {
        result.errors.push(e);
        Plan {
            result,
            fetcher: None,
            records: Vec::new(),
        }
    };
    let reporter = Arc::clone(&options.reporter);
    let (c, a, d) = (config.clone(), args.clone(), dir.to_path_buf());
    let loaded = blocking(move || mainmod::load(&c, &a, &d, &|s| reporter.message(s))).await;
    let main = match loaded {
        Ok(Ok(Some(main))) => main,
        Ok(Ok(None)) => return fail(result, format!("{}: no go.mod here", dir.display())),
        Ok(Err(e)) => return fail(result, fatal_text(&e)),
        Err(e) => return fail(result, e.to_string()),
    };
    if !mainmod::same_dir(&main.dir, dir) {
        return fail(
            result,
            format!(
                "{}: no go.mod here (the module root is {})",
                dir.display(),
                main.dir.display()
            ),
        );
    }
    result.module = main.path.clone();
    let fetcher = make_fetcher(Some(main.go_sum.clone()));
    let main = match resolve_fixes(config, dir, &fetcher, main).await {
        Ok(m) => m,
        Err(e) => return fail(result, fatal_text(&e)),
    };
    let reporter = Arc::clone(&options.reporter);
    let warn = move |s: &str| reporter.message(s);
    let planned = Box::pin(plan_in_module(
        config,
        args,
        dir,
        &fetcher,
        main,
        options.trace.clone(),
        &warn,
        false,
    ))
    .await;
    let records = match planned {
        Ok(Ok(Planned {
            records, resolver, ..
        })) => {
            if let Some(e) = resolver.graph_error {
                result.errors.push(e);
            }
            records
        }
        Ok(Err(NothingToDo::NoDependencies)) => Vec::new(),
        Ok(Err(NothingToDo::NoModulesSpecified)) => Vec::new(),
        Err(e) => return fail(result, fatal_text(&e)),
    };
    Plan::ready(result, fetcher, records)
}

/// The loose `path@version` arguments, resolved as `go mod download` resolves them
/// outside a module.
async fn plan_loose(modules: &[String], fetcher: Arc<Fetcher>) -> Plan {
    let mut result = ProjectResult {
        name: "(modules)".to_string(),
        ..ProjectResult::default()
    };
    let resolved = match args::classify(modules, None) {
        Ok(classified) => Box::pin(resolve(&fetcher, classified)).await,
        Err(e) => Err(e),
    };
    let records = match resolved {
        Ok(r) => r,
        Err(e) => {
            result.errors.push(fatal_text(&e));
            return Plan {
                result,
                fetcher: None,
                records: Vec::new(),
            };
        }
    };
    Plan::ready(result, fetcher, records)
}

/// How a distinct module's fetch ended, for the projects that also need it.
#[derive(Clone)]
enum Fetched {
    Ok,
    /// Failed for a reason every project shares (the proxies' answer): not asked
    /// for again.
    Failed(String),
    /// Failed against the owner's go.sum: each project tries it itself.
    OwnerOnly,
}

/// Step 2: each distinct module version, once, by its first project.
async fn fetch_distinct(
    base: &FetchBase,
    plans: &[Plan],
    zips_only: bool,
    events: &Arc<dyn Fn(Event<'_>) + Send + Sync>,
) -> (Vec<ModuleResult>, BTreeMap<ModuleVersion, Fetched>) {
    let mut owners: BTreeMap<ModuleVersion, (usize, Record, usize)> = BTreeMap::new();
    for (i, plan) in plans.iter().enumerate() {
        if plan.fetcher.is_none() {
            continue;
        }
        for rec in plan.records.iter().filter(|r| !r.failed()) {
            let m = ModuleVersion::new(rec.path.clone(), rec.version.clone());
            owners.entry(m).or_insert_with(|| (i, rec.clone(), 0)).2 += 1;
        }
    }
    let store = base.store().cloned();
    let mut tasks = JoinSet::new();
    let n = owners.len();
    events(Event::Fetching { modules: n });
    for (k, (m, (owner, rec, projects))) in owners.into_iter().enumerate() {
        let Some(fetcher) = plans[owner].fetcher.clone() else {
            continue;
        };
        let permit = Arc::clone(&base.concurrency().modules)
            .acquire_owned()
            .await;
        let store = store.clone();
        tasks.spawn(async move {
            let cached = match &store {
                Some(s) => {
                    let (s, key) = (s.clone(), m.clone());
                    blocking(move || is_cached(&s, &key, zips_only))
                        .await
                        .unwrap_or(false)
                }
                None => false,
            };
            let mut rec = rec;
            let result = fetcher.download_module(&mut rec).await;
            drop(permit);
            let mut out = ModuleResult {
                path: m.path.clone(),
                version: m.version.clone(),
                projects,
                cached,
                ..ModuleResult::default()
            };
            let fetched = match result {
                Ok(()) => {
                    if !cached {
                        out.bytes = std::fs::metadata(&rec.zip).map_or(0, |md| md.len());
                    }
                    Fetched::Ok
                }
                Err(e) if e.fatal().is_some() => {
                    out.error = e.to_string();
                    Fetched::OwnerOnly
                }
                Err(e) => {
                    out.error = e.to_string();
                    Fetched::Failed(e.to_string())
                }
            };
            (k, m, out, fetched)
        });
    }
    let mut results: Vec<Option<ModuleResult>> = (0..n).map(|_| None).collect();
    let mut fetched = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        let Ok((k, m, out, f)) = done else { continue };
        events(Event::Module(&out));
        results[k] = Some(out);
        fetched.insert(m, f);
    }
    (results.into_iter().flatten().collect(), fetched)
}

/// Whether `m`'s zip (and tree) were complete in the cache before this run.
fn is_cached(store: &crate::store::Store, m: &ModuleVersion, zips_only: bool) -> bool {
    let zip = store.zip_state(m).is_ok_and(|z| z.is_complete());
    zip && (zips_only || store.download_dir(m).is_ok())
}

/// Step 3: every project's modules through its own fetcher (cache hits now).
async fn check_all(
    base: &FetchBase,
    plans: &mut [Plan],
    fetched: &BTreeMap<ModuleVersion, Fetched>,
) {
    let mut tasks = JoinSet::new();
    for (i, plan) in plans.iter().enumerate() {
        let Some(fetcher) = plan.fetcher.clone() else {
            continue;
        };
        for (j, rec) in plan.records.iter().enumerate() {
            if rec.failed() {
                continue;
            }
            let m = ModuleVersion::new(rec.path.clone(), rec.version.clone());
            if let Some(Fetched::Failed(e)) = fetched.get(&m) {
                let e = e.clone();
                tasks.spawn(async move { (i, j, Err(e)) });
                continue;
            }
            let permit = Arc::clone(&base.concurrency().modules)
                .acquire_owned()
                .await;
            let (fetcher, mut rec) = (Arc::clone(&fetcher), rec.clone());
            tasks.spawn(async move {
                let r = fetcher
                    .download_module(&mut rec)
                    .await
                    .map_err(|e| e.to_string());
                drop(permit);
                (i, j, r)
            });
        }
    }
    let mut errors: Vec<BTreeMap<usize, String>> = plans.iter().map(|_| BTreeMap::new()).collect();
    while let Some(done) = tasks.join_next().await {
        if let Ok((i, j, Err(e))) = done {
            errors[i].insert(j, e);
        }
    }
    for (plan, errs) in plans.iter_mut().zip(errors) {
        for rec in plan.records.iter().filter(|r| r.failed()) {
            plan.result.errors.push(rec.error.clone());
        }
        plan.result.errors.extend(errs.into_values());
    }
}

/// A fatal failure's text without Go's `go: ` prefix and trailing newline.
fn fatal_text(e: &Fatal) -> String {
    let text = e.stderr_text();
    let text = text.trim_end_matches('\n');
    text.strip_prefix("go: ").unwrap_or(text).to_string()
}
