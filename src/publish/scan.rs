//! What the module cache holds that a proxy can serve: blocking directory walks of
//! `$GOMODCACHE/cache/download`.
//!
//! * Modules: every `<escaped path>/@v/` directory (the `sumdb` tree aside) whose
//!   path unescapes to a valid module path; in it every `<escaped version>.info`,
//!   `.mod` and `.zip` whose version passes the cache's own checks (canonical
//!   semver, as Go's `CachePath`). Everything else is left out silently: `list`,
//!   `.ziphash`, `.lock`, `.partial`, temp files (`*.tmp`), and the `.info` files Go
//!   keeps under the names of queries and revisions (`master.info`), which a static
//!   tree must not answer for ever.
//! * Checksum databases: every directory under `cache/download/sumdb/` that has a
//!   `lookup` or `tile` subdirectory is a database (its relative path is the name,
//!   which may contain `/`), and every regular file below those two is a candidate;
//!   names starting with `.` or ending in `.tmp` are temp files.
//!
//! Symbolic links are not followed. Directory read errors are returned: a cache that
//! cannot be read fully must not be published as if it were complete.

use crate::module::{self, ModuleVersion};
use crate::modzip::os_err;
use crate::store::Store;
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Deeper than any module path: a bound for a cache with a directory loop.
const MAX_DEPTH: usize = 64;

/// Which of a version's files the cache has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Files {
    pub info: bool,
    pub gomod: bool,
    pub zip: bool,
}

/// A module path and its cached versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedModule {
    pub path: String,
    pub versions: BTreeMap<String, Files>,
}

/// One file of a checksum database's cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumdbFile {
    /// The database name (`sum.golang.org`).
    pub db: String,
    /// The path under the database's directory (`lookup/…`, `tile/…`).
    pub rel: String,
    pub file: PathBuf,
}

/// The modules under `store`'s `cache/download`, sorted by path.
pub fn modules(store: &Store) -> io::Result<Vec<CachedModule>> {
    let base = store.root().join("cache/download");
    let mut out = Vec::new();
    if !present(&base)? {
        return Ok(out);
    }
    walk_modules(store, &base, "", 0, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk_modules(
    store: &Store,
    dir: &Path,
    rel: &str,
    depth: usize,
    out: &mut Vec<CachedModule>,
) -> io::Result<()> {
    for (name, is_dir) in entries(dir, depth)? {
        if !is_dir || (rel.is_empty() && name == "sumdb") {
            continue;
        }
        let child = dir.join(&name);
        if name == "@v" {
            if let Some(m) = module_dir(store, rel, &child)? {
                out.push(m);
            }
        } else {
            let sub = join_rel(rel, &name);
            walk_modules(store, &child, &sub, depth + 1, out)?;
        }
    }
    Ok(())
}

/// The versions in the `@v` directory of escaped path `escaped`.
fn module_dir(store: &Store, escaped: &str, dir: &Path) -> io::Result<Option<CachedModule>> {
    let Ok(path) = module::unescape_path(escaped) else {
        tracing::debug!(
            "publish: skipping {}: not an escaped module path",
            dir.display()
        );
        return Ok(None);
    };
    let mut versions: BTreeMap<String, Files> = BTreeMap::new();
    for (name, is_dir) in entries(dir, 0)? {
        if is_dir {
            continue;
        }
        let Some((stem, ext)) = name.rsplit_once('.') else {
            continue;
        };
        let Ok(version) = module::unescape_version(stem) else {
            continue;
        };
        // Go's CachePath checks: canonical semver for this path.
        if store
            .paths(&ModuleVersion::new(path.clone(), version.clone()))
            .is_err()
        {
            continue;
        }
        let files = versions.entry(version).or_default();
        match ext {
            "info" => files.info = true,
            "mod" => files.gomod = true,
            "zip" => files.zip = true,
            _ => {}
        }
    }
    versions.retain(|_, f| f.info || f.gomod || f.zip);
    Ok((!versions.is_empty()).then_some(CachedModule { path, versions }))
}

/// Every checksum-database file under `store`'s `cache/download/sumdb`, sorted.
pub fn sumdb_files(store: &Store) -> io::Result<Vec<SumdbFile>> {
    let base = store.root().join("cache/download/sumdb");
    let mut out = Vec::new();
    if !present(&base)? {
        return Ok(out);
    }
    find_databases(&base, "", 0, &mut out)?;
    out.sort_by(|a, b| (&a.db, &a.rel).cmp(&(&b.db, &b.rel)));
    Ok(out)
}

fn find_databases(dir: &Path, rel: &str, depth: usize, out: &mut Vec<SumdbFile>) -> io::Result<()> {
    let subdirs: Vec<String> = entries(dir, depth)?
        .into_iter()
        .filter_map(|(n, d)| d.then_some(n))
        .collect();
    let is_db = !rel.is_empty() && subdirs.iter().any(|n| n == "lookup" || n == "tile");
    for name in subdirs {
        let child = dir.join(&name);
        if is_db && (name == "lookup" || name == "tile") {
            collect_files(&child, &name, rel, depth + 1, out)?;
        } else if !is_db {
            let sub = join_rel(rel, &name);
            find_databases(&child, &sub, depth + 1, out)?;
        }
    }
    Ok(())
}

fn collect_files(
    dir: &Path,
    rel: &str,
    db: &str,
    depth: usize,
    out: &mut Vec<SumdbFile>,
) -> io::Result<()> {
    for (name, is_dir) in entries(dir, depth)? {
        if name.starts_with('.') || name.ends_with(".tmp") {
            continue;
        }
        let child = dir.join(&name);
        let sub = format!("{rel}/{name}");
        if is_dir {
            collect_files(&child, &sub, db, depth + 1, out)?;
        } else {
            out.push(SumdbFile {
                db: db.to_string(),
                rel: sub,
                file: child,
            });
        }
    }
    Ok(())
}

/// `rel/name`, or `name` at the top.
fn join_rel(rel: &str, name: &str) -> String {
    if rel.is_empty() {
        name.to_string()
    } else {
        format!("{rel}/{name}")
    }
}

/// Whether the directory `dir` exists (a cache without it holds nothing to publish);
/// any other error opening it is returned.
fn present(dir: &Path) -> io::Result<bool> {
    match fs::read_dir(dir) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(os_err("open", dir, e)),
    }
}

/// The UTF-8 names in `dir` and whether each is a directory (not following links;
/// other kinds of files count as files, links as neither and are skipped); nothing
/// below [`MAX_DEPTH`].
fn entries(dir: &Path, depth: usize) -> io::Result<Vec<(String, bool)>> {
    let mut out = Vec::new();
    if depth > MAX_DEPTH {
        return Ok(out);
    }
    for e in fs::read_dir(dir).map_err(|e| os_err("open", dir, e))? {
        let e = e.map_err(|e| os_err("readdirent", dir, e))?;
        let Ok(name) = e.file_name().into_string() else {
            continue;
        };
        let kind = e
            .file_type()
            .map_err(|err| os_err("lstat", &e.path(), err))?;
        if kind.is_symlink() {
            continue;
        }
        out.push((name, kind.is_dir()));
    }
    out.sort();
    Ok(out)
}
