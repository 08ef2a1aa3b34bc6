//! Loading the module graph (Go's `loadModFile`, `readModGraph`, `expandGraph` and
//! `updateRoots`), with go.mod files fetched concurrently as the graph unfolds.
//!
//! Go loads go.mod files with at most GOMAXPROCS at once; here every go.mod the
//! graph needs is asked for as soon as a loaded go.mod names it (a wavefront), each
//! at most once (per module, and per module and pruning for the walk), and the
//! network limit of the [`Fetcher`] bounds how many are in flight. The graph is
//! filled by one task as results arrive, so the result does not depend on the order
//! they arrive in: MVS selection is order-independent, and the error reported is the
//! one on the shortest requirement path, found after loading, as Go finds it.
//!
//! What a go.mod means is decided in [`crate::modload`]; this file only fetches.

use super::error::{Error, Fatal};
use super::fetch::{Fetcher, blocking};
use super::mainmod::{MainModule, short_path};
use crate::gover;
use crate::modload::{Pruning, Replacer, Requirements, Summary, summarize, toolchain_summary};
use crate::module::ModuleVersion;
use crate::mvs::{self, BuildListError, ErrorDetail, ModuleErrorParts};
use crate::oncemap::OnceMap;
use crate::proxy::ProxyError;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::task::JoinSet;

/// The version order of the graph (Go's `cmpVersion`).
pub type Cmp = fn(&str, &str, &str) -> Ordering;

/// Why a module's go.mod could not be loaded: Go's error, a `module.ModuleError` for
/// `module` when it has one.
#[derive(Debug, Clone)]
pub struct LoadError {
    module: Option<ModuleVersion>,
    cause: String,
    fatal: Option<Fatal>,
}

impl LoadError {
    fn of_module(m: &ModuleVersion, cause: impl fmt::Display) -> LoadError {
        LoadError {
            module: Some(m.clone()),
            cause: cause.to_string(),
            fatal: None,
        }
    }

    /// An engine error, with the module context Go's error has.
    fn from_engine(e: &Error) -> LoadError {
        let fatal = e.fatal().cloned();
        match module_context(e) {
            Some((module, cause)) => LoadError {
                module: Some(module),
                cause,
                fatal,
            },
            None => LoadError {
                module: None,
                cause: e.to_string(),
                fatal,
            },
        }
    }
}

/// The `module.ModuleError` inside an engine error: its module and the text after it.
fn module_context(e: &Error) -> Option<(ModuleVersion, String)> {
    match e {
        Error::Shared(inner) => module_context(inner),
        Error::Proxy(ProxyError::Module {
            path,
            version,
            failure,
        }) if !version.is_empty() => Some((
            ModuleVersion::new(path.clone(), version.clone()),
            failure.to_string(),
        )),
        Error::Sumdb(e) => Some((
            e.module.clone(),
            format!("verifying {}: {}", e.noun, e.cause),
        )),
        _ => None,
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.module {
            Some(m) if m.version.is_empty() => write!(f, "module {}: {}", m.path, self.cause),
            Some(m) => write!(f, "{}@{}: {}", m.path, m.version, self.cause),
            None => f.write_str(&self.cause),
        }
    }
}

impl ErrorDetail for LoadError {
    fn module_error(&self) -> Option<ModuleErrorParts<'_>> {
        self.module.as_ref().map(|m| ModuleErrorParts {
            path: &m.path,
            version: &m.version,
            err: &self.cause,
            invalid_version: None,
        })
    }
}

type SummaryResult = Result<Arc<Summary>, LoadError>;

/// A loaded module graph (Go's `ModuleGraph`).
pub struct ModGraph {
    pub g: mvs::Graph<Cmp>,
    /// The summaries whose requirements are in the graph.
    loaded: HashMap<ModuleVersion, Arc<Summary>>,
    /// The first error on the shortest requirement path (Go's `findError`).
    pub error: Option<BuildListError<LoadError>>,
}

impl ModGraph {
    /// The selected version of `path` (`none` if absent).
    pub fn selected(&self, path: &str) -> &str {
        self.g.selected(path)
    }

    /// The summary of `m` if its go.mod was read for this graph.
    pub fn summary(&self, m: &ModuleVersion) -> Option<&Arc<Summary>> {
        self.loaded.get(m)
    }
}

/// Graph loading for one run inside a module.
pub struct Loader {
    pub fetcher: Arc<Fetcher>,
    pub main: MainModule,
    pub replacer: Replacer,
    work_dir: PathBuf,
    /// Go's `mustHaveSums` (`-mod=readonly` in a module): a go.mod whose sum go.sum
    /// lacks is an error.
    must_have_sums: bool,
    summaries: OnceMap<ModuleVersion, SummaryResult>,
    /// The main module's go version (set when Go would add a `go` line).
    main_go: std::sync::Mutex<String>,
    /// Where `-x` notes go.
    trace: Option<Arc<dyn crate::http::Trace>>,
    /// Go's `rawGoVersion`: the `go` line of every go.mod read, keyed by the module
    /// version whose go.mod it is (a replacement's, when replaced).
    raw_go: std::sync::Mutex<HashMap<ModuleVersion, String>>,
}

impl Loader {
    pub fn new(
        fetcher: Arc<Fetcher>,
        main: MainModule,
        replacer: Replacer,
        work_dir: &Path,
        must_have_sums: bool,
    ) -> Loader {
        Loader {
            fetcher,
            main,
            replacer,
            work_dir: work_dir.to_path_buf(),
            must_have_sums,
            summaries: OnceMap::new(),
            main_go: std::sync::Mutex::new(String::new()),
            trace: None,
            raw_go: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Sends `-x` notes to `trace`.
    pub fn with_trace(mut self, trace: Option<Arc<dyn crate::http::Trace>>) -> Loader {
        self.trace = trace;
        self
    }

    /// The main module as a graph node.
    pub fn main_version(&self) -> ModuleVersion {
        ModuleVersion::new(self.main.path.clone(), String::new())
    }

    /// Where a directory replacement's files are (relative paths are relative to the
    /// main module's root).
    pub fn replacement_dir(&self, dir: &str) -> PathBuf {
        // Go's filepath.Join, which cleans (`./x` → `x`).
        crate::config::goroot::clean(&self.main.dir.join(dir))
    }

    /// Go's `goModSummary`, once per module.
    pub async fn summary(self: &Arc<Self>, m: &ModuleVersion) -> SummaryResult {
        let me = Arc::clone(self);
        let key = m.clone();
        self.summaries
            .get_or_run(m, || async move { me.load_summary(&key).await })
            .await
    }

    async fn load_summary(self: &Arc<Self>, m: &ModuleVersion) -> SummaryResult {
        if gover::is_toolchain(&m.path) {
            return Ok(Arc::new(toolchain_summary(m)));
        }
        let actual = self.replacer.resolve(m);
        let (name, data) = if actual.version.is_empty() {
            self.read_replacement_go_mod(&actual).await?
        } else {
            if self.must_have_sums {
                let key =
                    ModuleVersion::new(actual.path.clone(), format!("{}/go.mod", actual.version));
                let have = self
                    .fetcher
                    .with_sums(move |sums, _| sums.recorded(&key))
                    .await
                    .and_then(|r| r)
                    .map_err(|e| LoadError::from_engine(&e))?;
                if have.is_none() {
                    return Err(LoadError::of_module(
                        &actual,
                        format!(
                            "missing go.sum entry for go.mod file; to add it:\n\tgo mod download {}",
                            m.path
                        ),
                    ));
                }
            }
            let data = self
                .fetcher
                .go_mod(&actual)
                .await
                .map_err(|e| LoadError::from_engine(&Error::Shared(e)))?;
            ("go.mod".to_string(), data.as_ref().clone())
        };
        let replacer = &self.replacer;
        let s = summarize(m, &actual, &name, &data, &|r| replacer.is_excluded(r))
            .map_err(|e| LoadError::of_module(&actual, e))?;
        self.store_go_version(&actual, &s.go_version);
        let local = self.fetcher.config.go_version();
        if !s.go_version.is_empty()
            && gover::compare(&s.go_version, local).is_gt()
            && let Some(t) = &self.trace
        {
            // Go stops here (a toolchain switch); downloading needs no newer Go.
            t.line(&format!(
                "# module {m} requires go >= {} (running go {local}): downloading it anyway",
                s.go_version
            ));
        }
        Ok(Arc::new(s))
    }

    /// A directory replacement's go.mod (Go's `rawGoModData` for an empty version).
    async fn read_replacement_go_mod(
        &self,
        actual: &ModuleVersion,
    ) -> Result<(String, Vec<u8>), LoadError> {
        let file = self.replacement_dir(&actual.path).join("go.mod");
        let short = short_path(&self.work_dir, &file);
        let f2 = file.clone();
        let read = blocking(move || std::fs::read(&f2))
            .await
            .map_err(|e| LoadError::from_engine(&e))?;
        match read {
            Ok(data) => Ok((short, data)),
            Err(e) => Err(LoadError::of_module(
                actual,
                format!(
                    "reading {short}: {}",
                    crate::modzip::os_err("open", &file, e)
                ),
            )),
        }
    }

    /// Records the main module's go version once its requirements are known.
    pub fn set_main_go_version(&self, rs: &Requirements) {
        *self
            .main_go
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = rs.go_version().to_string();
    }

    /// Whether go.sum must hold the sums of what is read (`-mod=readonly`).
    pub fn must_have_sums(&self) -> bool {
        self.must_have_sums
    }

    /// The main module's language version as Go records it (Go's `rawGoVersion`
    /// of the main module): its `go` line, else the default.
    pub fn main_go_version(&self) -> String {
        self.main_go
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Go's `rawGoVersion.Load(m)`: the `go` line of `m`'s own go.mod if it was read.
    pub fn loaded_go_version(&self, m: &ModuleVersion) -> Option<String> {
        self.raw_go
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(m)
            .cloned()
    }

    fn store_go_version(&self, m: &ModuleVersion, v: &str) {
        if !v.is_empty() {
            self.raw_go
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(m.clone())
                .or_insert_with(|| v.to_string());
        }
    }

    /// Go's `rawGoVersion` / `rawGoModSummary(m).goVersion` for a module whose own
    /// go.mod (a directory's when `m.version` is empty) is read: `None` when it
    /// cannot be read or has no `go` line.
    pub async fn raw_go_version(self: &Arc<Self>, m: &ModuleVersion) -> Option<String> {
        let data = if m.version.is_empty() {
            self.read_replacement_go_mod(m).await.ok()?.1
        } else {
            self.fetcher.go_mod(m).await.ok()?.as_ref().clone()
        };
        let f = crate::modfile::parse_lax("go.mod", &data).ok()?;
        let v = f.go.map(|g| g.version)?;
        self.store_go_version(m, &v);
        Some(v)
    }

    /// Go's `readModGraph` for `rs` (single main module).
    pub async fn read_graph(self: &Arc<Self>, rs: &Requirements) -> Result<ModGraph, Fatal> {
        let main = self.main_version();
        let mut g = mvs::Graph::new(mvs::cmp_version as Cmp, vec![main.clone()]);
        g.require(&main, rs.roots().to_vec())
            .map_err(|e| Fatal::new(format!("go: internal error: {e}")))?;
        let mut loaded: HashMap<ModuleVersion, Arc<Summary>> = HashMap::new();
        let mut errors: HashMap<ModuleVersion, LoadError> = HashMap::new();
        let mut loading: HashSet<(ModuleVersion, Pruning)> = HashSet::new();
        let mut tasks: JoinSet<(ModuleVersion, Pruning, SummaryResult)> = JoinSet::new();
        let mut enqueue = |m: &ModuleVersion, pruning: Pruning, tasks: &mut JoinSet<_>| {
            if m.version == mvs::NONE || !loading.insert((m.clone(), pruning)) {
                return;
            }
            let me = Arc::clone(self);
            let m = m.clone();
            tasks.spawn(async move {
                let s = me.summary(&m).await;
                (m, pruning, s)
            });
        };
        for r in rs.roots() {
            enqueue(r, rs.pruning, &mut tasks);
        }
        while let Some(done) = tasks.join_next().await {
            let (m, pruning, result) =
                done.map_err(|e| Fatal::new(format!("gomodfetch: internal error: {e}")))?;
            let s = match result {
                Ok(s) => s,
                Err(e) => {
                    if let Some(f) = &e.fatal {
                        return Err(f.clone());
                    }
                    errors.insert(m, e);
                    continue;
                }
            };
            if !loaded.contains_key(&m) {
                g.require(&m, s.require.clone())
                    .map_err(|e| Fatal::new(format!("go: internal error: {e}")))?;
                loaded.insert(m.clone(), Arc::clone(&s));
            }
            let next = if pruning == Pruning::Unpruned {
                Pruning::Unpruned
            } else {
                s.pruning()
            };
            if pruning != Pruning::Pruned || s.pruning() == Pruning::Unpruned {
                for r in &s.require {
                    enqueue(r, next, &mut tasks);
                }
            }
        }
        let error = if errors.is_empty() {
            None
        } else {
            g.find_path(|m| errors.contains_key(m)).and_then(|path| {
                let last = path.last()?;
                let err = errors.get(last)?.clone();
                Some(BuildListError::new(err, path, |_, _| false))
            })
        };
        Ok(ModGraph { g, loaded, error })
    }

    /// Go's `loadModFile` for a single module: the root requirements, with the fixes
    /// Go makes at load time (dropping excluded requirements, a missing `go` line in
    /// `-mod=mod`, redundant roots). Returns the (possibly edited) go.mod too.
    pub async fn load_requirements(
        self: &Arc<Self>,
        mod_mode: bool,
        local_go: &str,
        warn: &(dyn Fn(&str) + Sync),
    ) -> Result<(Requirements, crate::modfile::File), Fatal> {
        let mut file = self.main.file.clone();
        let mut roots = Vec::new();
        let mut direct = HashSet::new();
        for r in &file.require {
            if self.replacer.is_excluded(&r.module) {
                let verb = if mod_mode { "dropping" } else { "ignoring" };
                warn(&format!(
                    "go: {verb} requirement on excluded version {} {}",
                    r.module.path, r.module.version
                ));
                continue;
            }
            roots.push(r.module.clone());
            if !r.indirect {
                direct.insert(r.module.path.clone());
            }
        }
        let go_version = file
            .go
            .as_ref()
            .map_or(crate::modload::DEFAULT_GO_MOD_VERSION, |g| {
                g.version.as_str()
            })
            .to_string();
        roots.push(ModuleVersion::new("go", go_version.clone()));
        direct.insert("go".to_string());
        if let Some(t) = &file.toolchain {
            roots.push(ModuleVersion::new("toolchain", t.name.clone()));
        }
        let mut rs = Requirements::new(Pruning::for_go_version(&go_version), roots, direct);
        if rs.has_redundant_root(&self.main.path) {
            rs = self.update_roots(rs, None).await?.0;
        }
        if file.go.is_none() && mod_mode {
            let _ = file.add_go_stmt(local_go);
            let roots = rs
                .roots()
                .iter()
                .filter(|m| m.path != "go")
                .cloned()
                .chain(std::iter::once(ModuleVersion::new("go", local_go)))
                .collect();
            rs = Requirements::new(rs.pruning, roots, rs.direct.clone());
            if Pruning::for_go_version(local_go) == Pruning::Pruned && rs.pruning != Pruning::Pruned
            {
                let mg = self.read_graph(&rs).await?;
                if let Some(e) = mg.error {
                    return Err(Fatal::go(e));
                }
                let list = mg.g.build_list();
                rs = Requirements::new(Pruning::Pruned, list[1..].to_vec(), rs.direct.clone());
            }
        }
        Ok((rs, file))
    }

    /// Go's `expandGraph`: the full graph of `rs`, with the roots made consistent
    /// with it (`updateRoots`) when they are not.
    pub async fn expand(
        self: &Arc<Self>,
        rs: Requirements,
    ) -> Result<(Requirements, ModGraph), Fatal> {
        let mg = self.read_graph(&rs).await?;
        if mg.error.is_some() || self.all_roots_selected(&mg) {
            return Ok((rs, mg));
        }
        let (rs2, mg2) = self.update_roots(rs, Some(mg)).await?;
        match mg2 {
            Some(mg) if mg.error.is_some() => Ok((rs2, mg)),
            _ => {
                let mg = self.read_graph(&rs2).await?;
                Ok((rs2, mg))
            }
        }
    }

    /// Go's `allRootsSelected`.
    fn all_roots_selected(&self, mg: &ModGraph) -> bool {
        mg.g.required_by(&self.main_version())
            .unwrap_or_default()
            .iter()
            .all(|m| mg.selected(&m.path) == m.version)
    }

    /// Go's `updateRoots` with no packages and nothing added. Returns the new
    /// requirements, and the last graph read when it stopped on an error.
    async fn update_roots(
        self: &Arc<Self>,
        rs: Requirements,
        mg: Option<ModGraph>,
    ) -> Result<(Requirements, Option<ModGraph>), Fatal> {
        match rs.pruning {
            Pruning::Unpruned => self.update_unpruned_roots(rs, mg).await,
            _ => self.update_pruned_roots(rs, mg).await,
        }
    }

    async fn update_pruned_roots(
        self: &Arc<Self>,
        mut rs: Requirements,
        mut mg: Option<ModGraph>,
    ) -> Result<(Requirements, Option<ModGraph>), Fatal> {
        loop {
            let mut roots = Vec::with_capacity(rs.roots().len());
            let mut seen: HashSet<&str> = HashSet::new();
            seen.insert(&self.main.path);
            let mut upgraded = false;
            for m in rs.roots() {
                if !seen.insert(&m.path) {
                    continue;
                }
                let v = match &mg {
                    Some(g) => g.selected(&m.path).to_string(),
                    None => rs.root_selected(&m.path).unwrap_or(mvs::NONE).to_string(),
                };
                upgraded |= v != m.version;
                roots.push(ModuleVersion::new(m.path.clone(), v));
            }
            if !upgraded {
                if roots.as_slice() == rs.roots() {
                    return Ok((rs, mg));
                }
                return Ok((
                    Requirements::new(Pruning::Pruned, roots, rs.direct.clone()),
                    None,
                ));
            }
            rs = Requirements::new(Pruning::Pruned, roots, rs.direct.clone());
            let g = self.read_graph(&rs).await?;
            if g.error.is_some() {
                return Ok((rs, Some(g)));
            }
            mg = Some(g);
        }
    }

    async fn update_unpruned_roots(
        self: &Arc<Self>,
        rs: Requirements,
        mg: Option<ModGraph>,
    ) -> Result<(Requirements, Option<ModGraph>), Fatal> {
        let mg = match mg {
            Some(g) => g,
            None => self.read_graph(&rs).await?,
        };
        if mg.error.is_some() {
            return Ok((rs, Some(mg)));
        }
        let mut root_paths: Vec<String> = Vec::new();
        let mut in_roots: HashSet<String> = HashSet::new();
        for r in rs.roots() {
            if !in_roots.contains(&r.path) && mg.selected(&r.path) == r.version {
                root_paths.push(r.path.clone());
                in_roots.insert(r.path.clone());
            }
        }
        let list = mg.g.build_list();
        let keep = &list[1..];
        for m in keep {
            if rs.direct.contains(&m.path) && in_roots.insert(m.path.clone()) {
                root_paths.push(m.path.clone());
            }
        }
        let reqs = GraphReqs {
            main: self.main_version(),
            keep: keep.to_vec(),
            mg: &mg,
        };
        let base: Vec<&str> = root_paths.iter().map(String::as_str).collect();
        let min = mvs::req(&self.main_version(), &base, &reqs)
            .map_err(|e| Fatal::new(format!("go: {}", mvs_error_text(e))))?;
        let new = Requirements::new(Pruning::Unpruned, min, rs.direct.clone());
        if new.roots() == rs.roots() {
            return Ok((rs, Some(mg)));
        }
        Ok((new, None))
    }
}

fn mvs_error_text(e: mvs::Error<String>) -> String {
    match e {
        mvs::Error::BuildList(b) => b.to_string(),
        mvs::Error::Reqs(s) => s,
        other => format!("internal error: {other:?}"),
    }
}

/// The requirements of a loaded unpruned graph, the main module requiring `keep`
/// (Go's `mvsReqs` with `roots`).
struct GraphReqs<'a> {
    main: ModuleVersion,
    keep: Vec<ModuleVersion>,
    mg: &'a ModGraph,
}

impl mvs::Reqs for GraphReqs<'_> {
    type Error = String;

    fn required(&self, m: &ModuleVersion) -> Result<Vec<ModuleVersion>, String> {
        if *m == self.main {
            return Ok(self.keep.clone());
        }
        if m.version == mvs::NONE {
            return Ok(Vec::new());
        }
        self.mg
            .summary(m)
            .map(|s| s.require.clone())
            .ok_or_else(|| format!("{m}: go.mod not loaded"))
    }

    fn max<'a>(&self, path: &str, v1: &'a str, v2: &'a str) -> &'a str {
        mvs::max_version(path, v1, v2)
    }
}
