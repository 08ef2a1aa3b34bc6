//! `gomodfetch verify`: `go mod verify` (`modcmd/verify.go`) over the main module's
//! build list, and the checks `go` leaves out — whether the cache holds everything a
//! `download` would fetch (`--complete`) — with an optional repair through the
//! normal download engine (`--repair`).
//!
//! # What `go mod verify` checks (and so do we, with its messages)
//! For each module of the build list (`go list -m all` without the main module and
//! the `go`/`toolchain` entries), in build-list order: read `E(v).ziphash` (a
//! missing one is an error unless neither the zip nor a complete tree exists —
//! "nothing downloaded yet"); hash the zip if it exists and compare; hash the tree
//! if Go's `DownloadDir` calls it complete and compare. A tree with a `.partial`
//! marker or without its `.ziphash` counts as absent, exactly as in Go, so `go mod
//! verify` is silent about it.
//!
//! # What `--complete` adds
//! For each module of the no-argument `download` set (`--all`: of `download all`),
//! replacements applied: it must have its `.mod`, `.zip`, `.ziphash` and complete
//! tree; no `.partial` marker; go.sum must list its hash, and the `.ziphash` must be
//! that hash. Each finding is one line naming the module and the file.
//!
//! # Loading the graph
//! As in Go (`cfg.BuildMod = "mod"` for `mod verify`), go.mod files missing from the
//! cache are fetched through GOPROXY and checked against go.sum and the checksum
//! database; go.mod and go.sum are never written. `GOPROXY=off` makes a missing
//! go.mod an error instead.
//!
//! # Hashing
//! Every module is checked on a blocking thread, at most [`super::Concurrency`]'s
//! `cpu` at once; zips are hashed through a read-only mapping
//! ([`crate::dirhash::hash_zip_mapped`]), each entry inflated and hashed once. The
//! checks never write: no lock is taken and nothing is created.
//!
//! # Repair
//! With `--repair`, what is damaged is removed under the version lock `E(v).lock`
//! (as Go takes it to download and extract): a zip whose hash is wrong with its
//! `.ziphash`, a `.ziphash` that disagrees with go.sum, a tree that was edited or
//! left partial (made writable first) with its `.partial` marker. Then the
//! `prewarm` engine fetches the project's download set as `download` would (every
//! zip checked against go.sum, go.mod and go.sum left alone), and everything is
//! checked again: the outcome reports the second check.

use super::error::Fatal;
use super::fetch::blocking;
use super::graph::Loader;
use super::listing::Resolver;
use super::mainmod;
use super::prewarm::{PrewarmJob, prewarm};
use super::run::{NothingToDo, Options, build_fetcher, plan_in_module, resolve_fixes};
use crate::config::{Config, DownloadArgs};
use crate::dirhash;
use crate::gosum::GoSum;
use crate::gover;
use crate::modload::Replacer;
use crate::module::ModuleVersion;
use crate::store::{Store, VersionPaths};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Go's error outside a module (`modload.NeedRoot`).
const NO_MAIN_MODULE: &str =
    "go.mod file not found in current directory or any parent directory; see 'go help modules'";

/// What to check.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifyJob {
    /// Also require every module of the download set to be complete in the cache.
    pub complete: bool,
    /// The download set is `download all`'s (implies `complete`).
    pub all: bool,
    /// Remove what is damaged, fetch what is missing, then check again.
    pub repair: bool,
}

impl VerifyJob {
    fn checks_download_set(self) -> bool {
        self.complete || self.all || self.repair
    }
}

/// A module's state in the cache, worst finding first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    /// A hash could not be computed (unreadable zip or tree).
    Error,
    /// A hash disagrees: zip or tree against `.ziphash`, `.ziphash` against go.sum.
    Mismatch,
    /// A `.partial` marker is left: an extraction never finished.
    Partial,
    /// Something `download` writes is missing (`.mod`, `.zip`, `.ziphash`, tree).
    Incomplete,
    /// go.sum has no hash for it.
    Unsummed,
    /// Nothing of it is in the cache.
    Absent,
    /// Everything present agrees.
    Verified,
}

impl State {
    /// The name in `--json` records.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Error => "error",
            State::Mismatch => "mismatch",
            State::Partial => "partial",
            State::Incomplete => "incomplete",
            State::Unsummed => "unsummed",
            State::Absent => "absent",
            State::Verified => "verified",
        }
    }
}

/// One module's findings.
#[derive(Debug, Clone)]
pub struct ModuleCheck {
    pub path: String,
    pub version: String,
    /// In the build list (what `go mod verify` checks).
    pub build_list: bool,
    /// In the download set (what `--complete` requires).
    pub needed: bool,
    pub state: State,
    /// The `.ziphash` contents, trimmed.
    pub ziphash: Option<String>,
    /// The zip's hash, when it was computed.
    pub zip: Option<String>,
    /// The tree's hash, when it was computed.
    pub dir: Option<String>,
    /// go.sum's hashes for the module.
    pub go_sum: Vec<String>,
    /// `go mod verify`'s errors, each without `go: `.
    pub go_errors: Vec<String>,
    /// `--complete`'s findings, each without the module's name.
    pub problems: Vec<String>,
    /// Bytes of contents hashed (zip entries and tree files).
    pub bytes: u64,
    /// Whether `--repair` removed something of it before fetching.
    pub repaired: bool,
}

impl ModuleCheck {
    /// Whether this module makes the run fail.
    pub fn failed(&self) -> bool {
        !self.go_errors.is_empty() || !self.problems.is_empty()
    }
}

/// The result of a run that was not fatal.
#[derive(Debug, Clone, Default)]
pub struct VerifyOutcome {
    /// Build-list modules in build-list order, then download-set modules outside it.
    pub modules: Vec<ModuleCheck>,
    /// Download-set entries that could not be resolved, and repair failures, each a
    /// line as `go` words it (without `go: `).
    pub errors: Vec<String>,
}

impl VerifyOutcome {
    /// Whether everything checked passed.
    pub fn ok(&self) -> bool {
        self.errors.is_empty() && !self.modules.iter().any(ModuleCheck::failed)
    }

    /// Bytes of contents hashed.
    pub fn bytes(&self) -> u64 {
        self.modules.iter().map(|m| m.bytes).sum()
    }
}

/// Runs `gomodfetch verify` in `work_dir`.
pub async fn verify(
    config: &Config,
    args: &DownloadArgs,
    work_dir: &Path,
    job: VerifyJob,
    options: Options,
) -> Result<VerifyOutcome, Fatal> {
    let first = Box::pin(check(config, args, work_dir, job, &options)).await?;
    if !job.repair || first.outcome.ok() {
        return Ok(first.outcome);
    }
    let store = first.store.clone();
    let damaged: Vec<ModuleCheck> = first
        .outcome
        .modules
        .iter()
        .filter(|m| m.failed())
        .cloned()
        .collect();
    let mut removed = Vec::new();
    for m in damaged {
        let store = store.clone();
        let id = format!("{}@{}", m.path, m.version);
        let result = blocking(move || remove_damage(&store, &m))
            .await
            .map_err(|e| Fatal::new(format!("gomodfetch: {e}")))?;
        match result {
            Ok(true) => removed.push(id),
            Ok(false) => {}
            Err(e) => {
                return Err(Fatal::new(format!(
                    "gomodfetch verify: repairing {id}: {e}"
                )));
            }
        }
    }
    let fetch = PrewarmJob {
        projects: vec![first.module_root.clone()],
        modules: Vec::new(),
        all: job.all,
        zips_only: false,
        args: DownloadArgs {
            modules: Vec::new(),
            ..args.clone()
        },
    };
    let fetched = Box::pin(prewarm(config, &fetch, options.clone(), Arc::new(|_| {}))).await?;
    let mut again = Box::pin(check(config, args, work_dir, job, &options))
        .await?
        .outcome;
    for p in &fetched.projects {
        again.errors.extend(p.errors.iter().cloned());
    }
    for m in &mut again.modules {
        m.repaired = removed.contains(&format!("{}@{}", m.path, m.version));
    }
    Ok(again)
}

/// One pass of checks, with what a repair needs.
struct Checked {
    outcome: VerifyOutcome,
    store: Store,
    module_root: PathBuf,
}

async fn check(
    config: &Config,
    args: &DownloadArgs,
    work_dir: &Path,
    job: VerifyJob,
    options: &Options,
) -> Result<Checked, Fatal> {
    let reporter = Arc::clone(&options.reporter);
    let warn = |s: &str| reporter.message(s);
    let (c2, a2, d2) = (config.clone(), args.clone(), work_dir.to_path_buf());
    let r2 = Arc::clone(&reporter);
    let main = blocking(move || mainmod::load(&c2, &a2, &d2, &|s| r2.message(s)))
        .await
        .map_err(|e| Fatal::new(e.to_string()))??;
    let Some(main) = main else {
        return Err(Fatal::go(NO_MAIN_MODULE));
    };
    let fetcher = Arc::new(build_fetcher(config, args, Some(&main), options)?);
    let store = match &fetcher.store {
        Ok(s) => s.clone(),
        Err(e) => return Err(Fatal::go(e)),
    };
    let main = resolve_fixes(config, work_dir, &fetcher, main).await?;
    let (main_path, module_root, go_sum_path) =
        (main.path.clone(), main.dir.clone(), main.go_sum.clone());
    let mut errors = Vec::new();
    let mut needed: Vec<ModuleVersion> = Vec::new();
    let resolver = if job.checks_download_set() {
        let set = DownloadArgs {
            modules: if job.all {
                vec!["all".to_string()]
            } else {
                Vec::new()
            },
            ..args.clone()
        };
        let trace = options.trace.clone();
        match Box::pin(plan_in_module(
            config, &set, work_dir, &fetcher, main, trace, &warn, false,
        ))
        .await?
        {
            Ok(planned) => {
                for r in planned.records {
                    if r.failed() {
                        errors.push(r.error);
                    } else {
                        needed.push(ModuleVersion::new(r.path, r.version));
                    }
                }
                Some(planned.resolver)
            }
            Err(NothingToDo::NoDependencies | NothingToDo::NoModulesSpecified) => None,
        }
    } else {
        let replacer = Replacer::new(&main.path, &main.file).map_err(Fatal::go)?;
        let loader = Arc::new(
            Loader::new(Arc::clone(&fetcher), main, replacer, work_dir, false)
                .with_trace(options.trace.clone()),
        );
        let (rs, _file) =
            Box::pin(loader.load_requirements(true, config.go_version(), &warn)).await?;
        loader.set_main_go_version(&rs);
        Some(Resolver {
            loader,
            rs,
            mg: None,
            graph_error: None,
        })
    };
    let mut build_list = Vec::new();
    if let Some(mut resolver) = resolver {
        if resolver.mg.is_none() {
            resolver.expand().await?;
        }
        if let Some(e) = &resolver.graph_error {
            return Err(Fatal::go(e));
        }
        if let Some(mg) = &resolver.mg {
            build_list =
                mg.g.build_list()
                    .into_iter()
                    .filter(|m| m.path != main_path && !gover::is_toolchain(&m.path))
                    .collect();
        }
    }
    let go_sum = read_go_sum(&go_sum_path).await?;
    let modules = Box::pin(check_all(
        &store,
        &fetcher.conc.cpu,
        &go_sum,
        &build_list,
        &needed,
    ))
    .await?;
    Ok(Checked {
        outcome: VerifyOutcome { modules, errors },
        store,
        module_root,
    })
}

/// The main module's go.sum (empty when it does not exist).
async fn read_go_sum(path: &Path) -> Result<Arc<GoSum>, Fatal> {
    let path = path.to_path_buf();
    blocking(move || {
        let name = path.display().to_string();
        match std::fs::read(&path) {
            Ok(data) => GoSum::parse(name, &data).map_err(Fatal::go),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(GoSum::new(name)),
            Err(e) => Err(Fatal::go(crate::modzip::os_err("open", &path, e))),
        }
    })
    .await
    .map_err(|e| Fatal::new(e.to_string()))?
    .map(Arc::new)
}

/// Checks the build list (in its order) and the download-set modules outside it, on
/// blocking threads bounded by `cpu`.
async fn check_all(
    store: &Store,
    cpu: &Arc<tokio::sync::Semaphore>,
    go_sum: &Arc<GoSum>,
    build_list: &[ModuleVersion],
    needed: &[ModuleVersion],
) -> Result<Vec<ModuleCheck>, Fatal> {
    let mut order: Vec<(ModuleVersion, bool, bool)> = Vec::new();
    let mut index: HashMap<ModuleVersion, usize> = HashMap::new();
    for m in build_list {
        index.insert(m.clone(), order.len());
        order.push((m.clone(), true, false));
    }
    for m in needed {
        match index.get(m) {
            Some(&i) => order[i].2 = true,
            None => {
                index.insert(m.clone(), order.len());
                order.push((m.clone(), false, true));
            }
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (m, build_list, needed)) in order.into_iter().enumerate() {
        let permit = Arc::clone(cpu)
            .acquire_owned()
            .await
            .map_err(|e| Fatal::new(format!("gomodfetch: internal error: {e}")))?;
        let (store, go_sum) = (store.clone(), Arc::clone(go_sum));
        tasks.spawn_blocking(move || {
            let c = check_module(&store, &go_sum, &m, build_list, needed);
            drop(permit);
            (i, c)
        });
    }
    let mut out: Vec<Option<ModuleCheck>> = vec![None; tasks.len()];
    while let Some(done) = tasks.join_next().await {
        let (i, c) = done.map_err(|e| Fatal::new(format!("gomodfetch: internal error: {e}")))?;
        out[i] = Some(c);
    }
    Ok(out.into_iter().flatten().collect())
}

/// What exists of a module version in the cache.
struct Present {
    paths: VersionPaths,
    zip: bool,
    /// Go's `DownloadDir` verdict: `Ok` when complete, else its error.
    dir: Result<PathBuf, crate::store::Error>,
    /// The `.ziphash`, trimmed (`Err`: Go's read error).
    ziphash: Result<String, std::io::Error>,
    partial: bool,
    go_mod: bool,
}

impl Present {
    fn look(store: &Store, m: &ModuleVersion) -> Result<Present, crate::store::Error> {
        let paths = store.paths(m)?;
        let zip = std::fs::metadata(paths.zip()).is_ok();
        let dir = store.download_dir(m);
        let ziphash = std::fs::read(paths.ziphash())
            .map(|d| String::from_utf8_lossy(&d).trim().to_string())
            .map_err(|e| crate::modzip::os_err("open", &paths.ziphash(), e));
        let partial = std::fs::metadata(paths.partial()).is_ok();
        let go_mod = std::fs::metadata(paths.gomod()).is_ok();
        Ok(Present {
            paths,
            zip,
            dir,
            ziphash,
            partial,
            go_mod,
        })
    }

    /// Whether the tree is absent for Go (missing, partial, or without `.ziphash`).
    fn dir_absent(&self) -> bool {
        self.dir
            .as_ref()
            .is_err_and(crate::store::Error::is_not_found)
    }
}

/// Go's `verifyMod`, then (for download-set modules) the completeness checks.
fn check_module(
    store: &Store,
    go_sum: &GoSum,
    m: &ModuleVersion,
    build_list: bool,
    needed: bool,
) -> ModuleCheck {
    let mut c = ModuleCheck {
        path: m.path.clone(),
        version: m.version.clone(),
        build_list,
        needed,
        state: State::Verified,
        ziphash: None,
        zip: None,
        dir: None,
        go_sum: go_sum
            .hashes(m)
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect(),
        go_errors: Vec::new(),
        problems: Vec::new(),
        bytes: 0,
        repaired: false,
    };
    let id = format!("{} {}", m.path, m.version);
    let present = match Present::look(store, m) {
        Ok(p) => p,
        Err(e) => {
            c.go_errors.push(format!("{id}: {e}"));
            c.state = State::Error;
            return c;
        }
    };
    verify_mod(&mut c, &id, &present);
    if needed {
        complete_checks(&mut c, &present);
    }
    c
}

/// `modcmd.verifyMod`, word for word.
fn verify_mod(c: &mut ModuleCheck, id: &str, p: &Present) {
    let h = match &p.ziphash {
        Ok(h) => h.clone(),
        Err(e) => {
            if !p.zip && p.dir_absent() {
                c.state = State::Absent;
                return;
            }
            c.go_errors.push(format!("{id}: missing ziphash: {e}"));
            c.state = State::Incomplete;
            return;
        }
    };
    c.ziphash = Some(h.clone());
    if p.zip {
        let zip = p.paths.zip();
        match dirhash::hash_zip_mapped(&zip) {
            Err(e) => {
                c.go_errors.push(format!("{id}: {e}"));
                c.state = State::Error;
                return;
            }
            Ok(z) => {
                c.bytes += z.content_bytes;
                if z.h1 != h.as_str() {
                    c.go_errors
                        .push(format!("{id}: zip has been modified ({})", zip.display()));
                    c.state = State::Mismatch;
                }
                c.zip = Some(z.h1.to_string());
            }
        }
    }
    if !p.dir_absent() {
        let dir = p.paths.extracted_dir();
        let prefix = format!("{}@{}", c.path, c.version);
        match dirhash::hash_dir_counted(dir, &prefix) {
            Err(e) => {
                c.go_errors.push(format!("{id}: {e}"));
                c.state = State::Error;
            }
            Ok(d) => {
                c.bytes += d.content_bytes;
                if d.h1 != h.as_str() {
                    c.go_errors
                        .push(format!("{id}: dir has been modified ({})", dir.display()));
                    c.state = State::Mismatch;
                }
                c.dir = Some(d.h1.to_string());
            }
        }
    }
}

/// What a download-set module must have beyond agreeing hashes. Each finding keeps
/// the worst state seen.
fn complete_checks(c: &mut ModuleCheck, p: &Present) {
    let mut find = |state: State, text: String| {
        c.state = c.state.min(state);
        c.problems.push(text);
    };
    let paths = &p.paths;
    if !p.zip && p.dir.is_err() && !p.partial && p.ziphash.is_err() {
        find(State::Absent, "not in the module cache".to_string());
    } else {
        if p.partial {
            find(
                State::Partial,
                format!(
                    "extraction left unfinished: {} exists",
                    paths.partial().display()
                ),
            );
        } else if let Err(e) = &p.dir
            && e.is_not_found()
            && p.ziphash.is_ok()
        {
            find(State::Incomplete, format!("not extracted: {e}"));
        }
        if !p.zip {
            find(
                State::Incomplete,
                format!("zip missing: {}", paths.zip().display()),
            );
        }
        if p.ziphash.is_err() && c.go_errors.is_empty() {
            find(
                State::Incomplete,
                format!("ziphash missing: {}", paths.ziphash().display()),
            );
        }
    }
    if !p.go_mod {
        find(
            State::Incomplete,
            format!("go.mod missing: {}", paths.gomod().display()),
        );
    }
    if c.go_sum.is_empty() {
        find(
            State::Unsummed,
            "go.sum has no hash for it (it cannot be checked)".to_string(),
        );
    } else if let Some(h) = &c.ziphash
        && !c.go_sum.contains(h)
    {
        find(
            State::Mismatch,
            format!(
                "hash mismatch: go.sum has {}, the cache's .ziphash {h}",
                c.go_sum.join(", ")
            ),
        );
    }
}

/// Removes what is damaged of `m`'s cache entry under its version lock, so the
/// download engine fetches it again; the `.info` and `.mod` stay (they were checked
/// against go.sum when the graph loaded). Returns whether anything was removed.
fn remove_damage(store: &Store, m: &ModuleCheck) -> Result<bool, String> {
    let mv = ModuleVersion::new(m.path.clone(), m.version.clone());
    let lock = store.lock_version(&mv).map_err(|e| e.to_string())?;
    let paths = lock.paths();
    // The hash everything must have: go.sum's, else the ziphash's.
    let trusted: Option<&String> = m.go_sum.first().or(m.ziphash.as_ref());
    let wrong = |h: &Option<String>| match (h, trusted) {
        (Some(h), Some(t)) => h != t,
        _ => false,
    };
    let zip_bad = wrong(&m.zip) || (m.state == State::Error && m.zip.is_none());
    let ziphash_bad = wrong(&m.ziphash) || zip_bad;
    let dir_bad = wrong(&m.dir) || m.state == State::Error || m.state == State::Partial;
    let mut removed = false;
    if zip_bad {
        removed |= remove_file(&paths.zip())?;
    }
    if ziphash_bad {
        removed |= remove_file(&paths.ziphash())?;
    }
    if dir_bad || ziphash_bad {
        let dir = paths.extracted_dir();
        if std::fs::symlink_metadata(dir).is_ok() {
            crate::store::remove_all(dir).map_err(|e| e.to_string())?;
            removed = true;
        }
        removed |= remove_file(&paths.partial())?;
    }
    drop(lock);
    Ok(removed)
}

/// Removes `p`; whether it existed.
fn remove_file(p: &Path) -> Result<bool, String> {
    match std::fs::remove_file(p) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(crate::modzip::os_err("remove", p, e).to_string()),
    }
}
