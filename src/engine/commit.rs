//! Writing go.mod and go.sum after the graph was loaded (Go's `commitRequirements`).

use super::fetch::blocking;
use super::graph::{Loader, ModGraph};
use crate::gover;
use crate::modfile;
use crate::modload::{self, Requirements};
use std::sync::Arc;

/// Go's `errGoModDirty` text.
pub const GO_MOD_DIRTY: &str = "updates to go.mod needed; to update it:\n\tgo mod tidy";

/// Writes go.mod when its requirements changed (in `-mod=mod`; otherwise that is
/// [`GO_MOD_DIRTY`]), then go.sum with the sums Go keeps. `file` is go.mod as loaded.
/// Errors are Go's texts without `go: `.
pub async fn commit(
    loader: &Arc<Loader>,
    rs: &Requirements,
    mg: Option<&ModGraph>,
    file: &modfile::File,
    mod_mode: bool,
) -> Result<(), String> {
    let update = modload::gomod::update(&loader.main.file, file, rs, mod_mode);
    if update.dirty && !mod_mode {
        return Err(GO_MOD_DIRTY.to_string());
    }
    let main_go = rs.go_version();
    let mod_sums_for_zips = mod_mode || gover::compare(main_go, modload::GO_STRICT_VERSION).is_ge();
    let replacer = &loader.replacer;
    let keep = modload::keep_sums(
        rs.roots(),
        mg.map(|m| &m.g),
        &|m| replacer.resolve(m),
        mod_sums_for_zips,
    );
    let Ok(store) = loader.fetcher.store() else {
        return Ok(());
    };
    let store = store.clone();
    if update.dirty {
        let (s, path, read) = (
            store.clone(),
            loader.main.go_mod.clone(),
            loader.main.data.clone(),
        );
        let new = update.bytes;
        blocking(move || {
            s.update_go_mod(&path, |old: &[u8]| {
                if old == new.as_slice() {
                    Ok(old.to_vec())
                } else if old != read.as_slice() {
                    Err("existing contents have changed since last read")
                } else {
                    Ok(new.clone())
                }
            })
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("updating go.mod: {e}"))?;
    }
    let f = Arc::clone(&loader.fetcher);
    blocking(move || {
        let reporter = Arc::clone(&f.reporter);
        f.sums
            .write(&store, &|m| keep.contains(m), &|w| reporter.message(w))
    })
    .await
    .map_err(|e| e.to_string())?
}
