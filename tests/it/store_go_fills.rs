//! Interop, `go` → us: after the real `go mod download` fills a cache, every
//! predicate of the store reports the module complete and every read returns what
//! `go` wrote, at the paths `go` printed; taking the lock and re-checking finds
//! nothing to do; the `list` file is what `list_content` computes; and the engine
//! flow over the store fetches nothing.
//!
//! Run over the store tests' own modules (with and without `-modcacherw`) and over
//! the whole `proxy_modules` corpus (every module `go` downloads successfully).

use crate::store_support::{self as ss, Record};
use crate::support::{self, Tally};
use gomodfetch::dirhash;
use gomodfetch::module::ModuleVersion;
use gomodfetch::store::{ExtractStart, Store, ZipStart, ZipState, Ziphash, list_content};
use gomodfetch::testkit::gocmd::DownloadRecord;
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::Universe;
use std::path::{Path, PathBuf};

const TEST: &str = "store_go_fills";

/// Everything the store says about one module `go` downloaded successfully.
fn check(store: &Store, rec: &DownloadRecord) -> Result<(), String> {
    let field = |v: &Option<String>, name: &str| {
        v.clone()
            .ok_or_else(|| format!("record has no {name}: {rec:?}"))
    };
    let m = ModuleVersion::new(field(&rec.path, "Path")?, field(&rec.version, "Version")?);
    let paths = store.paths(&m).map_err(|e| e.to_string())?;
    let eq = |what: &str, got: &Path, want: &str| {
        if got == Path::new(want) {
            Ok(())
        } else {
            Err(format!("{what}: ours {}, go's {want}", got.display()))
        }
    };
    eq("Info", &paths.info(), &field(&rec.info, "Info")?)?;
    eq("GoMod", &paths.gomod(), &field(&rec.go_mod, "GoMod")?)?;
    eq("Zip", &paths.zip(), &field(&rec.zip, "Zip")?)?;
    let dir = store
        .download_dir(&m)
        .map_err(|e| format!("DownloadDir: {e}"))?;
    eq("Dir", &dir, &field(&rec.dir, "Dir")?)?;
    let state = store.zip_state(&m).map_err(|e| e.to_string())?;
    if state != ZipState::Complete {
        return Err(format!("zip state {state:?}"));
    }
    let info_file = std::fs::read(paths.info()).map_err(|e| e.to_string())?;
    if store.read_info(&m) != Some(info_file) {
        return Err("read_info differs from the file".into());
    }
    let gomod = store.read_mod(&m).ok_or("read_mod: miss")?;
    let gomod_sum = dirhash::hash_go_mod(&gomod);
    if Some(gomod_sum.as_str()) != rec.go_mod_sum.as_deref() {
        return Err(format!(
            "h1 of read_mod {gomod_sum}, GoModSum {:?}",
            rec.go_mod_sum
        ));
    }
    let sum = field(&rec.sum, "Sum")?;
    match store.read_ziphash(&m) {
        Ok(Ziphash::Valid(h)) if h == sum => {}
        other => return Err(format!("read_ziphash {other:?}, Sum {sum}")),
    }
    if store.sum(&m).as_deref() != Some(sum.as_str()) {
        return Err(format!("sum {:?}", store.sum(&m)));
    }
    // Under the lock nothing is left to do.
    let lock = store.lock_version(&m).map_err(|e| e.to_string())?;
    if !matches!(lock.begin_zip(), Ok(ZipStart::Complete(_))) {
        return Err("begin_zip under the lock found work".into());
    }
    match lock.begin_extract() {
        Ok(ExtractStart::Complete(d)) if d == dir => {}
        other => return Err(format!("begin_extract: {other:?}")),
    }
    check_list(paths.download_dir())
}

/// `list` is what `list_content` computes from the directory.
fn check_list(download_dir: &Path) -> Result<(), String> {
    let names: Vec<String> = std::fs::read_dir(download_dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    let list = std::fs::read(download_dir.join("list")).map_err(|e| e.to_string())?;
    let want = list_content(&names);
    if list == want {
        Ok(())
    } else {
        Err(format!(
            "list {:?}, computed {:?}",
            String::from_utf8_lossy(&list),
            String::from_utf8_lossy(&want)
        ))
    }
}

#[test]
fn go_filled_cache_is_complete_for_us() {
    let Some(go) = support::go(TEST) else { return };
    for rw in [false, true] {
        let u = Universe::new();
        let mods = ss::publish_modules(&u);
        let proxy = TestProxy::start(ProxyConfig::new(u)).expect("proxy");
        let sb = ss::sandbox(&proxy, rw);
        let run = ss::go_download(&go, &sb, &ss::args(&mods));
        assert!(run.success(), "{run}");
        let recs = run.download_records().expect("-json records");
        assert_eq!(recs.len(), mods.len());
        let store = ss::store(&sb, rw);
        let mut t = Tally::new(format!("{TEST}/modules (modcacherw={rw})"));
        for (m, rec) in mods.iter().zip(&recs) {
            t.check(format!("{}@{}", m.path(), m.version()), || {
                check(&store, rec)?;
                // The engine flow fetches nothing and reports what go reported.
                let mut fetched = Vec::new();
                let got = ss::engine_download(&store, m, &|| unreachable_zip(), &mut fetched)?;
                if !fetched.is_empty() {
                    return Err(format!("engine flow fetched {fetched:?}"));
                }
                let want = Record {
                    info: rec.info.clone().unwrap_or_default().into(),
                    go_mod: rec.go_mod.clone().unwrap_or_default().into(),
                    zip: rec.zip.clone().unwrap_or_default().into(),
                    dir: PathBuf::from(rec.dir.clone().unwrap_or_default()),
                    sum: rec.sum.clone(),
                };
                if got == want {
                    Ok(())
                } else {
                    Err(format!("engine flow {got:?}, go {want:?}"))
                }
            });
        }
        t.finish();
    }
}

fn unreachable_zip() -> Vec<u8> {
    // Returning garbage makes an unexpected download fail loudly in the checks.
    b"not a zip: the cache was complete".to_vec()
}

#[test]
fn go_filled_corpus_is_complete_for_us() {
    let (Some((dir, args)), Some(go)) = (support::served_fixtures(TEST), support::go(TEST)) else {
        return;
    };
    let universe = Universe::from_txtar_dir(&dir).expect("loading the fixtures");
    let proxy = TestProxy::start(ProxyConfig::new(universe)).expect("proxy");
    let sb = ss::sandbox(&proxy, false);
    let run = ss::go_download(&go, &sb, &args);
    let recs = run.download_records().expect("-json records");
    let store = ss::store(&sb, false);
    let mut t = Tally::new(format!("{TEST}/proxy_modules"));
    let mut failed = 0;
    for rec in &recs {
        if rec.error.is_some() {
            failed += 1;
            continue;
        }
        let label = format!(
            "{}@{}",
            rec.path.as_deref().unwrap_or("?"),
            rec.version.as_deref().unwrap_or("?")
        );
        t.check(label, || check(&store, rec));
    }
    support::note(
        &format!("{TEST}/proxy_modules"),
        &format!(
            "{} records, {failed} failed in go (not checked)",
            recs.len()
        ),
    );
    t.finish();
}
