//! The cache layout against `proxy_modules.json`: for every fixture that records
//! where `go` puts it (`gomodcache`), the store's download directory and extracted
//! directory are those paths, and its escaped version is the fixture's.

use crate::support::{self, Tally, str_of};
use gomodfetch::module::ModuleVersion;
use gomodfetch::store::{Store, StoreOptions};
use std::path::Path;

const TEST: &str = "store_layout";

/// `path` relative to `root`, `/`-separated, with a trailing `/` (the fixture's form).
fn rel_dir(root: &Path, path: &Path) -> Result<String, String> {
    let rel = path
        .strip_prefix(root)
        .map_err(|_| format!("{} is not under the root", path.display()))?;
    Ok(format!("{}/", rel.to_string_lossy()))
}

#[test]
fn cache_paths_of_every_fixture() {
    let Some(doc) = support::conformance(TEST, "proxy_modules.json").map(|p| {
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(&p).expect("read"))
            .expect("parse")
    }) else {
        return;
    };
    let root = tempfile::tempdir().expect("tempdir");
    let store = Store::open(root.path(), StoreOptions::default()).expect("store");
    let mut t = Tally::new("proxy_modules.json/gomodcache");
    for m in support::cases(&doc, "modules") {
        let Some(gmc) = m.get("gomodcache") else {
            continue;
        };
        let (path, version) = (str_of(m, "path"), str_of(m, "version"));
        t.check(format!("{path}@{version}"), || {
            let paths = store
                .paths(&ModuleVersion::new(path, version))
                .map_err(|e| e.to_string())?;
            let got = (
                rel_dir(store.root(), paths.download_dir())?,
                rel_dir(store.root(), paths.extracted_dir())?,
                paths.escaped_version().to_string(),
            );
            let want = (
                str_of(gmc, "download_dir").to_string(),
                str_of(gmc, "extracted_dir").to_string(),
                str_of(m, "escaped_version").to_string(),
            );
            if got == want {
                Ok(())
            } else {
                Err(format!("got {got:?}, want {want:?}"))
            }
        });
    }
    t.finish();
}
