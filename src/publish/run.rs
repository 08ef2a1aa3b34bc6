//! One `publish` run: the selected module versions, each version's objects, each
//! module's `@v/list`, then (optionally) the checksum-database files.
//!
//! Per version the objects go out zip first, then `.mod`, then `.info`: a client
//! resolving an exact version asks for `.info` first, so once it is there the rest
//! is too. A version whose cached zip is corrupt (or whose `.ziphash` is) is not
//! published at all; one whose zip is incomplete gets its `.info` and `.mod`. A module's list is updated after all its versions are done, with the
//! versions whose `.mod` is in the destination (written or already there), as Go's
//! own cache lists the versions whose `.mod` it holds.
//!
//! Concurrency: up to `jobs` versions (or sumdb files) at a time, one permit each,
//! held across its reads, hashing and uploads; hashing and file reads run on the
//! blocking pool.

use super::dest::{Created, DestError, Destination};
use super::rules::{self, Kind, Verdict};
use super::scan::{self, CachedModule, Files, SumdbFile};
use super::select::Selector;
use crate::dirhash;
use crate::module::{self, ModuleVersion};
use crate::store::{Locker, Store, Ziphash};
use bytes::Bytes;
use futures::StreamExt;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Size limits when reading existing objects back: `.info`, `.mod`, lookups and
/// tiles are small; lists can be long.
const SMALL_LIMIT: u64 = 16 << 20;
const LIST_LIMIT: u64 = 64 << 20;

/// What to publish.
#[derive(Debug, Clone)]
pub struct Options {
    pub selector: Selector,
    /// Also publish the checksum-database files the cache holds.
    pub sumdb: bool,
    /// Versions (or sumdb files) in flight at once.
    pub jobs: usize,
}

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Not published, and the run fails: a conflict, a corrupt cache file, an error.
    Error,
    /// Not published, on purpose (an incomplete download): the run does not fail.
    Skipped,
}

/// One problem, about one object.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Problem {
    pub severity: Severity,
    /// `path@version`, `sumdb <name>`, or an argument.
    pub subject: String,
    /// The object (a file path or an `s3://` URL), or the cache file.
    pub object: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.severity {
            Severity::Error => "",
            Severity::Skipped => "skipped: ",
        };
        write!(
            f,
            "{what}{}: {}: {}",
            self.subject, self.object, self.message
        )
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    /// The destination.
    pub to: String,
    pub modules: usize,
    pub versions: usize,
    /// Objects written.
    pub written: usize,
    /// Objects that were already there (identical, or equivalent for `.info` and
    /// lookups).
    pub already: usize,
    /// Objects not written because of a problem (see `problems`): a conflict with
    /// the destination, an unfit cache file, or an error.
    pub refused: usize,
    pub skipped: usize,
    /// Bytes written.
    pub bytes: u64,
    /// `@v/list` files changed.
    pub lists_updated: usize,
    pub sumdb_files: usize,
    pub problems: Vec<Problem>,
}

impl Report {
    /// Whether nothing failed.
    pub fn success(&self) -> bool {
        !self.problems.iter().any(|p| p.severity == Severity::Error)
    }

    fn add(&mut self, o: Outcome) {
        match o {
            Outcome::Written(n) => {
                self.written += 1;
                self.bytes += n;
            }
            Outcome::Already => self.already += 1,
            Outcome::Problem(p) => {
                match p.severity {
                    Severity::Error => self.refused += 1,
                    Severity::Skipped => self.skipped += 1,
                }
                self.problems.push(p);
            }
        }
    }
}

/// The fate of one object.
#[derive(Debug)]
enum Outcome {
    Written(u64),
    Already,
    Problem(Problem),
}

impl Outcome {
    /// Whether the object is in the destination now.
    fn is_there(&self) -> bool {
        matches!(self, Outcome::Written(_) | Outcome::Already)
    }
}

struct Ctx {
    dest: Destination,
    store: Store,
    permits: Semaphore,
}

/// Publishes what `store` holds (as `options` selects) to `dest`.
pub async fn run(store: &Store, dest: &Destination, options: &Options) -> Report {
    let mut report = Report {
        to: dest.root_url(),
        ..Report::default()
    };
    let ctx = Arc::new(Ctx {
        dest: dest.clone(),
        store: store.clone(),
        permits: Semaphore::new(options.jobs.max(1)),
    });
    let cache = store.root().join("cache/download").display().to_string();
    let scanned = {
        let store = store.clone();
        blocking(move || scan::modules(&store)).await
    };
    let modules = match scanned {
        Ok(Ok(m)) => m,
        Ok(Err(e)) | Err(e) => {
            let p = problem(Severity::Error, "cache", &cache, e.to_string());
            report.add(Outcome::Problem(p));
            return report;
        }
    };
    let selected: Vec<(CachedModule, Vec<String>)> = modules
        .into_iter()
        .filter_map(|m| {
            let versions: Vec<String> = m
                .versions
                .keys()
                .filter(|v| {
                    options
                        .selector
                        .selects(&ModuleVersion::new(m.path.clone(), v.as_str()))
                })
                .cloned()
                .collect();
            (!versions.is_empty()).then_some((m, versions))
        })
        .collect();
    let seen: Vec<ModuleVersion> = selected
        .iter()
        .flat_map(|(m, vs)| vs.iter().map(|v| ModuleVersion::new(m.path.clone(), v)))
        .collect();
    for arg in options.selector.unmatched(&seen) {
        let msg = "no module version in the cache matches".to_string();
        report.add(Outcome::Problem(problem(
            Severity::Error,
            &arg,
            &cache,
            msg,
        )));
    }
    report.modules = selected.len();
    report.versions = seen.len();

    let mut per_module = futures::stream::iter(selected)
        .map(|(m, versions)| publish_module(Arc::clone(&ctx), m, versions))
        .buffer_unordered(options.jobs.max(1));
    while let Some((outcomes, list_changed)) = per_module.next().await {
        for o in outcomes {
            report.add(o);
        }
        report.lists_updated += usize::from(list_changed);
    }

    if options.sumdb {
        publish_sumdb(&ctx, &options.selector, options.jobs.max(1), &mut report).await;
    }
    report
        .problems
        .sort_by(|a, b| (&a.subject, &a.object).cmp(&(&b.subject, &b.object)));
    report
}

/// One module: its versions, then its list.
async fn publish_module(
    ctx: Arc<Ctx>,
    m: CachedModule,
    versions: Vec<String>,
) -> (Vec<Outcome>, bool) {
    let Ok(escaped) = module::escape_path(&m.path) else {
        // The scan only yields paths that unescaped from an escaped form.
        return (Vec::new(), false);
    };
    let jobs = versions.iter().map(|v| {
        let files = m.versions.get(v).copied().unwrap_or_default();
        publish_version(
            &ctx,
            ModuleVersion::new(m.path.clone(), v.as_str()),
            &escaped,
            files,
        )
    });
    let mut outcomes = Vec::new();
    let mut listed = Vec::new();
    for (v, (objs, mod_there)) in versions.iter().zip(futures::future::join_all(jobs).await) {
        outcomes.extend(objs);
        if mod_there && rules::listable(v) {
            listed.push(v.clone());
        }
    }
    if listed.is_empty() {
        return (outcomes, false);
    }
    let rel = format!("{escaped}/@v/list");
    let merge = move |cur: Option<&[u8]>| rules::merged_list(cur, &listed);
    match ctx.dest.update(&rel, LIST_LIMIT, merge).await {
        Ok(changed) => (outcomes, changed),
        Err(e) => {
            outcomes.push(Outcome::Problem(problem(
                Severity::Error,
                &m.path,
                &ctx.dest.url(&rel),
                format!(
                    "updating the version list: {}",
                    strip_url(&e, &ctx.dest.url(&rel))
                ),
            )));
            (outcomes, false)
        }
    }
}

/// The cached files of one version, read (and the zip verified) on the blocking pool.
struct Source {
    zip: Option<Result<Bytes, Problem>>,
    gomod: Option<Bytes>,
    info: Option<Result<Bytes, Problem>>,
}

/// One version's objects; also whether its `.mod` is in the destination now.
async fn publish_version(
    ctx: &Ctx,
    m: ModuleVersion,
    escaped: &str,
    files: Files,
) -> (Vec<Outcome>, bool) {
    let Ok(_permit) = ctx.permits.acquire().await else {
        return (Vec::new(), false);
    };
    let subject = format!("{}@{}", m.path, m.version);
    let Ok(ev) = module::escape_version(&m.version) else {
        return (Vec::new(), false);
    };
    let base = format!("{escaped}/@v/{ev}");
    let source = {
        let (store, m) = (ctx.store.clone(), m.clone());
        blocking(move || read_source(&store, &m, files)).await
    };
    let source = match source.and_then(|s| s) {
        Ok(s) => s,
        Err(e) => {
            let p = problem(Severity::Error, &subject, &base, e.to_string());
            return (vec![Outcome::Problem(p)], false);
        }
    };
    let mut out = Vec::new();
    match source.zip {
        Some(Ok(data)) => {
            out.push(put(ctx, &subject, &format!("{base}.zip"), Kind::Zip, data).await)
        }
        // Nothing of a version whose cached zip is corrupt.
        Some(Err(p)) if p.severity == Severity::Error => return (vec![Outcome::Problem(p)], false),
        Some(Err(p)) => out.push(Outcome::Problem(p)),
        None => {}
    }
    let mut mod_there = false;
    if let Some(gomod) = source.gomod {
        let o = put(ctx, &subject, &format!("{base}.mod"), Kind::Mod, gomod).await;
        mod_there = o.is_there();
        out.push(o);
    }
    if let Some(info) = source.info {
        out.push(match info {
            Ok(data) => put(ctx, &subject, &format!("{base}.info"), Kind::Info, data).await,
            Err(p) => Outcome::Problem(p),
        });
    }
    (out, mod_there)
}

/// Reads a version's cache files; a zip is taken only when complete (zip and
/// ziphash) and when it hashes to its ziphash.
fn read_source(store: &Store, m: &ModuleVersion, files: Files) -> std::io::Result<Source> {
    let subject = format!("{}@{}", m.path, m.version);
    let paths = store
        .paths(m)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let unfit = |sev, file: &std::path::Path, msg: String| {
        problem(sev, &subject, &file.display().to_string(), msg)
    };
    let zip = files.zip.then(|| {
        let zip_file = paths.zip();
        if store.zip_state(m).is_ok_and(|s| s.is_not_found()) {
            return Err(unfit(
                Severity::Skipped,
                &zip_file,
                "no .ziphash beside it (a download in progress or interrupted); not published"
                    .into(),
            ));
        }
        match store.read_ziphash(m) {
            Err(e) => Err(unfit(Severity::Error, &paths.ziphash(), e.to_string())),
            Ok(Ziphash::Invalid(_)) => Err(unfit(
                Severity::Error,
                &paths.ziphash(),
                "not a valid hash; the zip is not published".into(),
            )),
            Ok(Ziphash::Valid(want)) => {
                verified_zip(&zip_file, &want).map_err(|msg| unfit(Severity::Error, &zip_file, msg))
            }
        }
    });
    let gomod = if files.gomod {
        store.read_mod(m).map(Bytes::from)
    } else {
        None
    };
    let info = if files.info {
        store.read_info(m).map(|data| {
            rules::check_info(&m.version, &data)
                .map(|()| Bytes::from(data))
                .map_err(|why| {
                    unfit(
                        Severity::Error,
                        &paths.info(),
                        format!("{why}; not published"),
                    )
                })
        })
    } else {
        None
    };
    Ok(Source { zip, gomod, info })
}

/// The zip at `file`, mapped, if its h1 is `want`.
fn verified_zip(file: &std::path::Path, want: &str) -> Result<Bytes, String> {
    let f = std::fs::File::open(file).map_err(|e| format!("open: {e}"))?;
    // SAFETY: cache zips are never changed in place: go and gomodfetch write a temp
    // file and rename it, and removal leaves the mapping valid. What is hashed here is
    // what is uploaded, byte for byte, from this one mapping.
    let map = unsafe { memmap2::Mmap::map(&f) }.map_err(|e| format!("mmap: {e}"))?;
    let got = dirhash::hash_zip_reader(std::io::Cursor::new(&map[..]), map.len() as u64)
        .map_err(|e| format!("hashing the zip: {e}; not published"))?;
    if got.as_str() != want {
        return Err(format!(
            "the zip hashes to {got} but its .ziphash says {want}: the cached zip is corrupt; not published"
        ));
    }
    Ok(Bytes::from_owner(map))
}

/// Creates `rel`, or judges the object already there.
async fn put(ctx: &Ctx, subject: &str, rel: &str, kind: Kind, data: Bytes) -> Outcome {
    let url = ctx.dest.url(rel);
    let fail = |msg: String| Outcome::Problem(problem(Severity::Error, subject, &url, msg));
    let len = data.len() as u64;
    match ctx.dest.create(rel, data.clone()).await {
        Ok(Created::Written) => return Outcome::Written(len),
        Ok(Created::Exists) => {}
        Err(e) => return fail(strip_url(&e, &url)),
    }
    let verdict = if kind == Kind::Zip {
        match ctx.dest.same_bytes(rel, &data).await {
            Ok(Some(true)) => Verdict::Identical,
            Ok(Some(false)) => Verdict::Different("another zip".into()),
            Ok(None) => return fail("it vanished while being compared".into()),
            Err(e) => return fail(strip_url(&e, &url)),
        }
    } else {
        match ctx.dest.read(rel, SMALL_LIMIT).await {
            Ok(Some(existing)) => rules::compare(kind, &existing, &data),
            Ok(None) => return fail("it vanished while being compared".into()),
            Err(e) => return fail(strip_url(&e, &url)),
        }
    };
    match verdict {
        Verdict::Identical | Verdict::Equivalent(_) => Outcome::Already,
        Verdict::Different(why) => fail(format!(
            "already published with different contents ({why}); published objects are never replaced"
        )),
    }
}

/// The checksum databases' files, and each database's `supported`.
async fn publish_sumdb(ctx: &Arc<Ctx>, selector: &Selector, jobs: usize, report: &mut Report) {
    let cache = ctx.store.root().join("cache/download/sumdb");
    let found = {
        let store = ctx.store.clone();
        blocking(move || scan::sumdb_files(&store)).await
    };
    let files = match found {
        Ok(Ok(f)) => f,
        Ok(Err(e)) | Err(e) => {
            let p = problem(
                Severity::Error,
                "sumdb",
                &cache.display().to_string(),
                e.to_string(),
            );
            report.add(Outcome::Problem(p));
            return;
        }
    };
    let mut dbs: Vec<&str> = files.iter().map(|f| f.db.as_str()).collect();
    dbs.dedup();
    for db in dbs {
        let rel = format!("sumdb/{db}/supported");
        let o = put(
            ctx,
            &format!("sumdb {db}"),
            &rel,
            Kind::SumdbSupported,
            Bytes::new(),
        )
        .await;
        report.add(o);
    }
    let wanted: Vec<SumdbFile> = files
        .into_iter()
        .filter(|f| lookup_selected(selector, &f.rel))
        .collect();
    let mut puts = futures::stream::iter(wanted)
        .map(|f| publish_sumdb_file(Arc::clone(ctx), f))
        .buffer_unordered(jobs);
    while let Some(o) = puts.next().await {
        if o.is_there() {
            report.sumdb_files += 1;
        }
        report.add(o);
    }
}

/// Whether a sumdb file belongs to the selection: tiles always; lookups of
/// selected module versions.
fn lookup_selected(selector: &Selector, rel: &str) -> bool {
    let Some(key) = rel.strip_prefix("lookup/") else {
        return true;
    };
    if selector.is_all() {
        return true;
    }
    let Some((p, v)) = key.rsplit_once('@') else {
        return false;
    };
    match (module::unescape_path(p), module::unescape_version(v)) {
        (Ok(p), Ok(v)) => selector.selects(&ModuleVersion::new(p, v)),
        _ => false,
    }
}

async fn publish_sumdb_file(ctx: Arc<Ctx>, f: SumdbFile) -> Outcome {
    let subject = format!("sumdb {}", f.db);
    let Ok(_permit) = ctx.permits.acquire().await else {
        let p = problem(Severity::Error, &subject, &f.rel, "cancelled".into());
        return Outcome::Problem(p);
    };
    let cache_file = f.file.display().to_string();
    let read = {
        let file = f.file.clone();
        // Go writes these under a lock, in place: read under the shared lock.
        blocking(move || {
            Locker::wait_forever()
                .read(&file)
                .map_err(|e| e.to_string())
        })
        .await
    };
    let data = match read {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => return Outcome::Problem(problem(Severity::Error, &subject, &cache_file, e)),
        Err(e) => {
            return Outcome::Problem(problem(
                Severity::Error,
                &subject,
                &cache_file,
                e.to_string(),
            ));
        }
    };
    match rules::check_sumdb_file(&f.rel, &data) {
        Ok(kind) => {
            put(
                &ctx,
                &subject,
                &format!("sumdb/{}/{}", f.db, f.rel),
                kind,
                Bytes::from(data),
            )
            .await
        }
        Err(why) => Outcome::Problem(problem(
            Severity::Error,
            &subject,
            &cache_file,
            format!("{why}; not published"),
        )),
    }
}

fn problem(severity: Severity, subject: &str, object: &str, message: String) -> Problem {
    Problem {
        severity,
        subject: subject.to_string(),
        object: object.to_string(),
        message,
    }
}

/// A destination error's text without the object's name, which the problem line
/// already carries.
fn strip_url(e: &DestError, url: &str) -> String {
    let text = e.to_string();
    text.strip_prefix(&format!("{url}: "))
        .map(str::to_string)
        .unwrap_or(text)
}

/// Runs `f` on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, std::io::Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| std::io::Error::other(format!("blocking task: {e}")))
}
