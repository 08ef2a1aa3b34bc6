//! Module arguments resolved against the module graph (Go's `modload.ListModules`,
//! `listModules` and `moduleInfo`): the records `go list -m` prints and from which
//! `go mod download` takes the modules to download.

use super::error::Fatal;
use super::fetch::cache_read;
use super::graph::{Loader, ModGraph};
use super::query::QueryError;
use super::record::path_string;
use crate::gojson::Obj;
use crate::gover;
use crate::modload::Requirements;
use crate::module::ModuleVersion;
use crate::revinfo::Origin;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::task::JoinSet;

/// Go's `modinfo.ModulePublic`, the fields this tool fills. Empty strings are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModInfo {
    pub path: String,
    pub version: String,
    pub query: String,
    pub replace: Option<Box<ModInfo>>,
    /// RFC 3339 time from the `.info` file.
    pub time: String,
    pub main: bool,
    pub indirect: bool,
    pub dir: String,
    pub go_mod: String,
    pub go_version: String,
    pub deprecated: String,
    pub error: String,
    pub sum: String,
    pub go_mod_sum: String,
    pub origin: Option<Origin>,
    /// Not printed: the record answers a `path@query` argument.
    pub by_query: bool,
}

impl ModInfo {
    /// `json.MarshalIndent(m, "", "\t")` plus a newline, as `go list -m -json`.
    pub fn to_json(&self) -> String {
        self.obj().done().to_indented()
    }

    fn obj(&self) -> Obj {
        Obj::new()
            .str_omitempty("Path", &self.path)
            .str_omitempty("Version", &self.version)
            .str_omitempty("Query", &self.query)
            .obj_omitempty("Replace", self.replace.as_ref().map(|r| r.obj()))
            .str_omitempty("Time", &self.time)
            .bool_omitempty("Main", self.main)
            .bool_omitempty("Indirect", self.indirect)
            .str_omitempty("Dir", &self.dir)
            .str_omitempty("GoMod", &self.go_mod)
            .str_omitempty("GoVersion", &self.go_version)
            .str_omitempty("Deprecated", &self.deprecated)
            .obj_omitempty(
                "Error",
                (!self.error.is_empty()).then(|| Obj::new().str("Err", &self.error)),
            )
            .str_omitempty("Sum", &self.sum)
            .str_omitempty("GoModSum", &self.go_mod_sum)
            .obj_omitempty("Origin", self.origin.as_ref().map(Origin::to_json))
    }

    /// Go's `ModulePublic.String`: the line `go list -m` prints.
    pub fn line(&self) -> String {
        let mut s = self.path.clone();
        if !self.version.is_empty() {
            s.push(' ');
            s.push_str(&self.version);
        }
        if !self.deprecated.is_empty() {
            s.push_str(" (deprecated)");
        }
        if let Some(r) = &self.replace {
            s.push_str(" => ");
            s.push_str(&r.path);
            if !r.version.is_empty() {
                s.push(' ');
                s.push_str(&r.version);
            }
            if !r.deprecated.is_empty() {
                s.push_str(" (deprecated)");
            }
        }
        s
    }
}

/// The graph state arguments are resolved against.
pub struct Resolver {
    pub loader: Arc<Loader>,
    pub rs: Requirements,
    /// The full graph, once an argument needed it (Go's `needFullGraph`).
    pub mg: Option<ModGraph>,
    /// The graph's error, reported after the records (Go's `mgErr`).
    pub graph_error: Option<String>,
}

impl Resolver {
    /// The version of `path` selected so far: the graph's, else the roots'.
    fn current(&self, path: &str) -> Option<String> {
        if path == self.loader.main.path {
            return Some(String::new());
        }
        match &self.mg {
            Some(mg) => Some(mg.selected(path).to_string()),
            None => self.rs.root_selected(path).map(str::to_string),
        }
    }

    /// Whether `args` need the full graph (Go's first loop of `listModules`).
    pub fn needs_full_graph(&self, args: &[String]) -> bool {
        args.iter().any(|arg| {
            if arg == "all" || arg.contains("...") {
                return true;
            }
            let unpruned = self.rs.pruning == crate::modload::Pruning::Unpruned;
            let is_root =
                |p: &str| p == self.loader.main.path || self.rs.root_selected(p).is_some();
            match arg.split_once('@') {
                Some((path, vers)) => {
                    (vers == "upgrade" || vers == "patch") && (!is_root(path) || unpruned)
                }
                None => !is_root(arg) || unpruned,
            }
        })
    }

    /// Loads the full graph (Go's `expandGraph`) for arguments that need it.
    pub async fn expand(&mut self) -> Result<(), Fatal> {
        let (rs, mg) = self.loader.expand(self.rs.clone()).await?;
        self.graph_error = mg.error.as_ref().map(ToString::to_string);
        self.rs = rs;
        self.mg = Some(mg);
        Ok(())
    }

    /// Go's `listModules` second loop: one record per module, in argument order
    /// (patterns in build-list order). `query` resolves `path@query` arguments
    /// (the requested module itself, not its replacement).
    pub async fn list(
        &self,
        args: &[String],
        warn: &(dyn Fn(&str) + Sync),
    ) -> Result<Vec<ModInfo>, Fatal> {
        let mut out = Vec::new();
        if args.is_empty() {
            out.push(self.module_info(&self.loader.main_version()).await?);
            return Ok(out);
        }
        let mut matched: HashSet<ModuleVersion> = HashSet::new();
        // Consecutive `path` arguments, resolved together (in parallel, in order):
        // one by one, a no-argument `download` (one argument per requirement) waited
        // one round trip per module for its `.info`.
        let mut pending: Vec<ModuleVersion> = Vec::new();
        for arg in args {
            if let Some((path, vers)) = arg.split_once('@') {
                self.flush(&mut pending, &mut out).await?;
                if path == self.loader.main.path && (vers == "upgrade" || vers == "patch") {
                    // Go's Query answers with the main module itself.
                    let mut main = self.module_info(&self.loader.main_version()).await?;
                    main.query = vers.to_string();
                    out.push(main);
                    continue;
                }
                let current = self.current(path);
                if current.as_deref() == Some(crate::mvs::NONE)
                    && self.graph_error.is_some()
                    && (vers == "upgrade" || vers == "patch")
                {
                    continue;
                }
                out.push(self.query_info(path, vers, current.as_deref()).await?);
                continue;
            }
            let full = self.mg.as_ref();
            if arg != "all" && !arg.contains("...") {
                let v = self
                    .current(arg)
                    .unwrap_or_else(|| crate::mvs::NONE.to_string());
                if v == crate::mvs::NONE {
                    if self.graph_error.is_some() {
                        continue;
                    }
                    self.flush(&mut pending, &mut out).await?;
                    out.push(ModInfo {
                        path: arg.clone(),
                        error: format!("module {arg}: not a known dependency"),
                        ..ModInfo::default()
                    });
                } else {
                    pending.push(ModuleVersion::new(arg.clone(), v));
                }
                continue;
            }
            self.flush(&mut pending, &mut out).await?;
            let Some(mg) = full else {
                return Err(Fatal::new(
                    "go: internal error: pattern without the module graph",
                ));
            };
            let all = arg == "all";
            let matches: Vec<ModuleVersion> =
                mg.g.build_list()
                    .into_iter()
                    .filter(|m| {
                        !gover::is_toolchain(&m.path)
                            && (all || crate::modload::match_pattern(arg, &m.path))
                            && matched.insert(m.clone())
                    })
                    .collect();
            if matches.is_empty() {
                warn(&format!(
                    "warning: pattern {} matched no module dependencies",
                    crate::gostr::quote(arg)
                ));
            }
            out.extend(self.module_infos(matches).await?);
        }
        self.flush(&mut pending, &mut out).await?;
        Ok(out)
    }

    /// Appends the records of the `pending` arguments (emptied) to `out`.
    async fn flush(
        &self,
        pending: &mut Vec<ModuleVersion>,
        out: &mut Vec<ModInfo>,
    ) -> Result<(), Fatal> {
        if !pending.is_empty() {
            out.extend(self.module_infos(std::mem::take(pending)).await?);
        }
        Ok(())
    }

    /// Records for many modules at once (Go runs them in parallel too), in the order
    /// given; a fatal error is the first one in that order, as one by one.
    async fn module_infos(&self, ms: Vec<ModuleVersion>) -> Result<Vec<ModInfo>, Fatal> {
        let mut tasks = JoinSet::new();
        let n = ms.len();
        for (i, m) in ms.into_iter().enumerate() {
            let ctx = InfoCtx::of(self);
            tasks.spawn(async move { (i, ctx.module_info(&m).await) });
        }
        let mut out: Vec<Option<Result<ModInfo, Fatal>>> = vec![None; n];
        while let Some(done) = tasks.join_next().await {
            let (i, info) =
                done.map_err(|e| Fatal::new(format!("gomodfetch: internal error: {e}")))?;
            out[i] = Some(info);
        }
        out.into_iter().flatten().collect()
    }

    async fn module_info(&self, m: &ModuleVersion) -> Result<ModInfo, Fatal> {
        InfoCtx::of(self).module_info(m).await
    }

    /// A `path@query` argument: the module the query resolves to, unreplaced.
    async fn query_info(
        &self,
        path: &str,
        vers: &str,
        current: Option<&str>,
    ) -> Result<ModInfo, Fatal> {
        let f = &self.loader.fetcher;
        let replacer = &self.loader.replacer;
        let excluded = |p: &str, v: &str| replacer.is_excluded(&ModuleVersion::new(p, v));
        // Go's CheckAllowed, except for revision queries.
        let allow = if crate::query::is_revision_query(path, vers) {
            super::Allow::All
        } else {
            super::Allow::Checked {
                excluded: &excluded,
            }
        };
        let result = f
            .query_module(path, vers, current.unwrap_or(""), allow)
            .await;
        match result {
            Err(QueryError { error: e, origin }) => {
                if let Some(fatal) = e.fatal() {
                    return Err(fatal.clone());
                }
                Ok(ModInfo {
                    path: path.to_string(),
                    version: vers.to_string(),
                    error: super::run::query_error(path, vers, e).to_string(),
                    origin,
                    by_query: true,
                    ..ModInfo::default()
                })
            }
            Ok(info) => {
                let ctx = InfoCtx {
                    loader: Arc::clone(&self.loader),
                    direct: None,
                };
                let mut mi = ctx
                    .complete(ModInfo {
                        path: path.to_string(),
                        version: info.version.clone(),
                        ..ModInfo::default()
                    })
                    .await?;
                if vers != mi.version {
                    mi.query = vers.to_string();
                }
                mi.origin = info.origin;
                mi.by_query = true;
                Ok(mi)
            }
        }
    }
}

/// What `moduleInfo` needs, detached from the resolver so it can run in tasks.
struct InfoCtx {
    loader: Arc<Loader>,
    /// The direct requirements (`None`: Go's `rs == nil`, a query result).
    direct: Option<Arc<HashSet<String>>>,
}

impl InfoCtx {
    fn of(r: &Resolver) -> InfoCtx {
        InfoCtx {
            loader: Arc::clone(&r.loader),
            direct: Some(Arc::new(r.rs.direct.clone())),
        }
    }

    /// Go's `moduleInfo` for a build-list module.
    async fn module_info(&self, m: &ModuleVersion) -> Result<ModInfo, Fatal> {
        let main = &self.loader.main;
        if m.version.is_empty() && m.path == main.path {
            return Ok(ModInfo {
                path: m.path.clone(),
                main: true,
                go_version: self.loader.main_go_version(),
                dir: path_string(&main.dir),
                go_mod: path_string(&main.go_mod),
                ..ModInfo::default()
            });
        }
        let mut info = ModInfo {
            path: m.path.clone(),
            version: m.version.clone(),
            indirect: self.direct.as_ref().is_some_and(|d| !d.contains(&m.path)),
            ..ModInfo::default()
        };
        let Some(r) = self.loader.replacer.replacement(m).cloned() else {
            // Go's rawGoVersion: known only if graph loading read this go.mod.
            info.go_version = self.loader.loaded_go_version(m).unwrap_or_default();
            return self.complete(info).await;
        };
        // Go looks the replacement's go version up under the required module first.
        let mut rep = ModInfo {
            path: r.path.clone(),
            version: r.version.clone(),
            go_version: self.loader.loaded_go_version(m).unwrap_or_default(),
            ..ModInfo::default()
        };
        if r.version.is_empty() {
            let dir = self.loader.replacement_dir(&r.path);
            rep.dir = path_string(&dir);
            rep.go_mod = path_string(&dir.join("go.mod"));
        }
        let rep = self.complete(rep).await?;
        info.dir = rep.dir.clone();
        info.go_mod = rep.go_mod.clone();
        info.go_version = rep.go_version.clone();
        info.replace = Some(Box::new(rep));
        Ok(info)
    }

    /// Go's `completeFromModCache`.
    async fn complete(&self, mut m: ModInfo) -> Result<ModInfo, Fatal> {
        if gover::is_toolchain(&m.path) {
            return Ok(m);
        }
        let f = &self.loader.fetcher;
        let mv = ModuleVersion::new(m.path.clone(), m.version.clone());
        if !m.version.is_empty() {
            match super::run::query_stat(f, &m.path, &m.version).await {
                Ok(info) => {
                    m.version = info.version.clone();
                    m.time = info.time.format_rfc3339_nano().unwrap_or_default();
                }
                Err(e) => {
                    if let Some(fatal) = e.fatal() {
                        return Err(fatal.clone());
                    }
                    m.error = super::run::query_error(&m.path, &m.version, e).to_string();
                }
            }
        }
        let mod_key = ModuleVersion::new(mv.path.clone(), format!("{}/go.mod", mv.version));
        let mod_ok = self.checksum_ok(&mv, &mod_key).await?;
        if m.go_version.is_empty() && mod_ok {
            m.go_version = self.loader.raw_go_version(&mv).await.unwrap_or_default();
        }
        if m.version.is_empty() {
            return Ok(m);
        }
        let store = f.store().ok().cloned();
        if mod_ok {
            if let Some(store) = &store
                && let Ok(paths) = store.paths(&mv)
                && std::fs::metadata(paths.gomod()).is_ok_and(|md| md.is_file())
            {
                m.go_mod = path_string(&paths.gomod());
            }
            m.go_mod_sum = self.recorded(&mod_key).await?.unwrap_or_default();
        }
        if self.checksum_ok(&mv, &mv).await? {
            if let Some(store) = &store {
                let (s, key) = (store.clone(), mv.clone());
                if let Ok(dir) = cache_read(move || s.download_dir(&key)) {
                    m.dir = path_string(&dir);
                }
            }
            m.sum = self.recorded(&mv).await?.unwrap_or_default();
        }
        Ok(m)
    }

    /// Go's `checksumOk`.
    async fn checksum_ok(&self, m: &ModuleVersion, key: &ModuleVersion) -> Result<bool, Fatal> {
        if self.direct.is_none() || m.version.is_empty() || !self.loader.must_have_sums() {
            return Ok(true);
        }
        Ok(self.recorded(key).await?.is_some())
    }

    async fn recorded(&self, key: &ModuleVersion) -> Result<Option<String>, Fatal> {
        let key = key.clone();
        match self
            .loader
            .fetcher
            .with_sums(move |sums, _| sums.recorded(&key))
            .await
        {
            Ok(Ok(h)) => Ok(h),
            Ok(Err(e)) | Err(e) => match e.fatal() {
                Some(fatal) => Err(fatal.clone()),
                None => Ok(None),
            },
        }
    }
}
