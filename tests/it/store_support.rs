//! Shared ground for the store tests: a few modules that exercise the layout
//! (escaped paths and versions, `+incompatible`, pseudo-versions, nested
//! directories), Go's re-encoding of `.info`, and `engine_download` — Go's
//! `modcmd.DownloadModule` for one module written over the store's API, the way the
//! engine is expected to call it. The tests run it next to the real `go` on identical
//! caches and compare what each fetched and left behind.

#![allow(dead_code)] // Each store test uses a different subset.

use gomodfetch::dirhash;
use gomodfetch::module::ModuleVersion;
use gomodfetch::modzip;
use gomodfetch::store::{ExtractStart, Store, StoreOptions, ZipStart, Ziphash};
use gomodfetch::testkit::gocmd::{Go, Run, Sandbox};
use gomodfetch::testkit::proxy::{RequestRecord, TestProxy};
use gomodfetch::testkit::universe::{Package, StoredModule, Universe};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::support;

/// Publishes the test modules and returns them in argument order.
pub fn publish_modules(u: &Universe) -> Vec<Arc<StoredModule>> {
    let filler: String = (0..50).map(|i| format!("// line {i}\n")).collect();
    vec![
        Package::new("example.com/hello", "v1.0.0")
            .go_mod("module example.com/hello\n\ngo 1.21\n")
            .file("hello.go", format!("package hello\n{filler}"))
            .file("internal/x/x.go", "package x\n")
            .file("LICENSE", "Public domain.\n")
            .publish(u),
        Package::new("example.com/hello", "v1.1.0")
            .go_mod("module example.com/hello\n\ngo 1.21\n")
            .file("hello.go", "package hello\n")
            .publish(u),
        Package::new("example.com/hello", "v0.0.0-20200102030405-abcdefabcdef")
            .file("hello.go", "package hello\n")
            .publish(u),
        Package::new("example.com/Upper/Case", "v1.0.0-RC1")
            .file("a/b/c.go", "package b\n")
            .publish(u),
        Package::new("example.com/old", "v2.0.0+incompatible")
            .no_go_mod_in_zip()
            .file("old.go", "package old\n")
            .publish(u),
        Package::new("example.com/hello/v2", "v2.1.0")
            .file("v2.go", "package hello\n")
            .publish(u),
    ]
}

/// `path@version` arguments for `go mod download`.
pub fn args(mods: &[Arc<StoredModule>]) -> Vec<String> {
    mods.iter()
        .map(|m| format!("{}@{}", m.path(), m.version()))
        .collect()
}

pub fn mv(m: &StoredModule) -> ModuleVersion {
    ModuleVersion::new(m.path(), m.version())
}

/// A sandbox for `go` using `proxy`.
pub fn sandbox(proxy: &TestProxy, modcacherw: bool) -> Sandbox {
    let mut sb = support::sandbox();
    sb.goproxy(proxy.goproxy_url()).modcacherw(modcacherw);
    sb
}

/// Our store on a sandbox's cache.
pub fn store(sb: &Sandbox, modcacherw: bool) -> Store {
    Store::open(
        sb.gomodcache(),
        StoreOptions {
            modcacherw,
            lock_timeout: None,
        },
    )
    .expect("opening the store")
}

/// `go mod download -json <args>` in the sandbox's work directory.
pub fn go_download(go: &Go, sb: &Sandbox, args: &[String]) -> Run {
    go.mod_download(sb, sb.work_dir(), &["-json"], args)
        .expect("running go mod download")
}

/// What `go` writes to `.info` for a proxy's `.info` without `Origin`: the compact
/// JSON of `{Version, Time}` (`revinfo`'s job in the engine).
pub fn go_cache_info(served: &[u8]) -> Vec<u8> {
    let v: serde_json::Value = serde_json::from_slice(served).expect("served .info is JSON");
    assert!(v.get("Origin").is_none(), "Origin is not modelled here");
    let s = |k: &str| {
        serde_json::to_string(v.get(k).and_then(|x| x.as_str()).unwrap_or_default())
            .expect("string")
    };
    let time = if v.get("Time").is_some() {
        s("Time")
    } else {
        "\"0001-01-01T00:00:00Z\"".into()
    };
    format!("{{\"Version\":{},\"Time\":{time}}}", s("Version")).into_bytes()
}

/// The zip of `m` built by `modzip::create` from the files the proxy serves.
pub fn zip_by_modzip(m: &StoredModule) -> Vec<u8> {
    let prefix = format!("{}@{}/", m.path(), m.version());
    let files: Vec<modzip::DataFile> = m
        .zip_entries()
        .iter()
        .map(|(name, data)| modzip::DataFile {
            path: name
                .strip_prefix(prefix.as_bytes())
                .expect("entry under the module prefix")
                .to_vec(),
            data: data.to_vec(),
        })
        .collect();
    modzip::create(Vec::new(), &mv(m), &files).expect("modzip::create")
}

/// Which of a module's files a request was for (`info`, `mod`, `zip`), or its path.
pub fn request_kinds(log: &[RequestRecord]) -> Vec<String> {
    log.iter()
        .map(|r| {
            ["info", "mod", "zip"]
                .into_iter()
                .find(|k| r.path.ends_with(&format!(".{k}")))
                .map_or_else(|| r.path.clone(), str::to_string)
        })
        .collect()
}

/// What a download produced: the fields of the `-json` record that come from the
/// cache.
#[derive(Debug, PartialEq, Eq)]
pub struct Record {
    pub info: PathBuf,
    pub go_mod: PathBuf,
    pub zip: PathBuf,
    pub dir: PathBuf,
    pub sum: Option<String>,
}

/// Go's `modcmd.DownloadModule` for `m` over the store's API, in Go's order:
/// `.info` and `.mod` from the cache or "fetched" (recorded in `fetched`);
/// `DownloadZip`; `Sum`; `Download` (the tree, extracted under the version lock),
/// whose `checkMod` re-hashes a torn ziphash. `zip_bytes` stands for the network.
/// There is no go.sum, so `DownloadZip` also runs `checkMod` when the zip is
/// already there (Go does that when `HaveSum` is false). Errors are Go's texts.
pub fn engine_download(
    store: &Store,
    m: &StoredModule,
    zip_bytes: &dyn Fn() -> Vec<u8>,
    fetched: &mut Vec<String>,
) -> Result<Record, String> {
    let mv = mv(m);
    let paths = store.paths(&mv).map_err(|e| e.to_string())?;
    if store.read_info(&mv).is_none() {
        fetched.push("info".into());
        let served = m.info().ok_or("no .info")?;
        store
            .write_info(&mv, &go_cache_info(served))
            .map_err(|e| e.to_string())?;
    }
    if store.read_mod(&mv).is_none() {
        fetched.push("mod".into());
        let served = m.gomod().ok_or("no .mod")?;
        store.write_mod(&mv, served).map_err(|e| e.to_string())?;
    }
    let zip = download_zip(store, &mv, zip_bytes, fetched)?;
    let sum = store.sum(&mv);
    let dir = match store.download_dir(&mv) {
        Ok(dir) => dir,
        Err(e) if e.is_not_found() => extract(store, &mv, &zip)?,
        Err(e) => return Err(e.to_string()),
    };
    check_mod(store, &mv)?;
    Ok(Record {
        info: paths.info(),
        go_mod: paths.gomod(),
        zip,
        dir,
        sum,
    })
}

/// `DownloadZip`: no lock when both files exist (then `checkMod`); else under the
/// lock, Go's three cases.
fn download_zip(
    store: &Store,
    mv: &ModuleVersion,
    zip_bytes: &dyn Fn() -> Vec<u8>,
    fetched: &mut Vec<String>,
) -> Result<PathBuf, String> {
    let e = |e: gomodfetch::store::Error| e.to_string();
    if store.zip_state(mv).map_err(e)?.is_complete() {
        check_mod(store, mv)?;
        return Ok(store.paths(mv).map_err(e)?.zip());
    }
    let lock = store.lock_version(mv).map_err(e)?;
    match lock.begin_zip().map_err(e)? {
        ZipStart::Complete(zip) => Ok(zip),
        ZipStart::Rehash(zip) => {
            let h = dirhash::hash_zip(&zip).map_err(|e| e.to_string())?;
            lock.write_ziphash(h.as_str()).map_err(e)?;
            Ok(zip)
        }
        ZipStart::Download(tmp) => {
            fetched.push("zip".into());
            tmp.file()
                .write_all(&zip_bytes())
                .map_err(|e| e.to_string())?;
            let h = dirhash::hash_zip(tmp.path()).map_err(|e| e.to_string())?;
            tmp.commit(&lock, h.as_str()).map_err(e)
        }
    }
}

/// `unzip`, under the version lock.
fn extract(store: &Store, mv: &ModuleVersion, zip: &Path) -> Result<PathBuf, String> {
    let e = |e: gomodfetch::store::Error| e.to_string();
    let lock = store.lock_version(mv).map_err(e)?;
    match lock.begin_extract().map_err(e)? {
        ExtractStart::Complete(dir) => Ok(dir),
        ExtractStart::Extract(ext) => match modzip::unzip(ext.dir(), mv, zip) {
            Ok(()) => ext.commit(&lock).map_err(e),
            Err(err) => {
                ext.abort().map_err(|e| e.to_string())?;
                Err(err.to_string())
            }
        },
    }
}

/// `checkMod` without go.sum: re-hash a torn ziphash (no version lock, as in Go).
fn check_mod(store: &Store, mv: &ModuleVersion) -> Result<(), String> {
    let verifying = |err: String| format!("verifying {mv}: {err}");
    match store.read_ziphash(mv).map_err(|e| e.to_string())? {
        Ziphash::Valid(_) => Ok(()),
        Ziphash::Invalid(_) => {
            let zip = store.paths(mv).map_err(|e| e.to_string())?.zip();
            let h = dirhash::hash_zip(&zip).map_err(|e| verifying(e.to_string()))?;
            store
                .repair_ziphash(mv, h.as_str())
                .map_err(|e| verifying(e.to_string()))
        }
    }
}

/// The go.sum lines of `mods` as published.
pub fn go_sum(mods: &[Arc<StoredModule>]) -> String {
    mods.iter()
        .map(|m| {
            let zip = m.zip().expect("zip");
            let dir = tempfile::tempdir().expect("tempdir");
            let f = dir.path().join("m.zip");
            std::fs::write(&f, zip).expect("write zip");
            let h = dirhash::hash_zip(&f).expect("hash zip");
            let gomod = dirhash::hash_go_mod(m.gomod().expect("mod"));
            format!(
                "{p} {v} {h}\n{p} {v}/go.mod {gomod}\n",
                p = m.path(),
                v = m.version()
            )
        })
        .collect()
}
