//! What makes a run count: the module cache it left must be complete and correct,
//! judged against the synthetic universe (not against either tool), and identical to
//! the reference tree the first `go` run left. A benchmark of a wrong result aborts.

use gomodfetch::dirhash;
use gomodfetch::module;
use gomodfetch::testkit::synth::{Published, SynthModule};
use gomodfetch::testkit::tree::{Snapshot, SnapshotOptions};
use std::path::Path;

/// Checks, for every module version, what Go's cache layout promises
/// (`cache/download/<path>/@v/<v>.{info,mod,zip,ziphash}`, the extracted
/// `<path>@<v>` directory, no `.partial` marker) and that the hashes are the ones the
/// universe was built with: `.ziphash`, the h1 of the `.zip` (recomputed here), the h1
/// of the extracted tree, and the `.mod` bytes.
pub fn check_cache(
    cache: &Path,
    modules: &[SynthModule],
    published: &[Published],
) -> Result<(), String> {
    let mut problems = Vec::new();
    for (m, p) in modules.iter().zip(published) {
        if let Err(e) = check_module(cache, m, p) {
            problems.push(format!("{}: {e}", m.id()));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let n = problems.len();
    problems.truncate(20);
    Err(format!(
        "{n} module(s) wrong in {}:\n  {}",
        cache.display(),
        problems.join("\n  ")
    ))
}

fn check_module(cache: &Path, m: &SynthModule, p: &Published) -> Result<(), String> {
    let epath = module::escape_path(&m.path).map_err(|e| e.to_string())?;
    let ever = module::escape_version(&m.version).map_err(|e| e.to_string())?;
    let vdir = cache.join("cache/download").join(&epath).join("@v");
    let file = |ext: &str| vdir.join(format!("{ever}.{ext}"));
    let read =
        |ext: &str| std::fs::read(file(ext)).map_err(|e| format!("{}: {e}", file(ext).display()));
    if read("info")?.is_empty() {
        return Err(".info is empty".into());
    }
    if read("mod")? != m.go_mod.as_bytes() {
        return Err(".mod differs from the published go.mod".into());
    }
    let ziphash = String::from_utf8_lossy(&read("ziphash")?).into_owned();
    if ziphash != p.sum.as_str() {
        return Err(format!(".ziphash {ziphash:?}, want {}", p.sum));
    }
    let zip_sum = dirhash::hash_zip(&file("zip")).map_err(|e| format!(".zip: {e}"))?;
    if zip_sum != p.sum {
        return Err(format!(".zip hashes to {zip_sum}, want {}", p.sum));
    }
    if file("partial").exists() {
        return Err("a .partial marker is left".into());
    }
    let dir = cache.join(format!("{epath}@{ever}"));
    let tree_sum = dirhash::hash_dir(&dir, &m.id()).map_err(|e| format!("extracted tree: {e}"))?;
    if tree_sum != p.sum {
        return Err(format!(
            "extracted tree hashes to {tree_sum}, want {}",
            p.sum
        ));
    }
    Ok(())
}

/// The snapshot of a whole cache, nothing excluded (the checksum database is off, so
/// nothing in the tree may legitimately differ between the tools).
pub fn snapshot(cache: &Path) -> Result<Snapshot, String> {
    Snapshot::take(cache, &SnapshotOptions::default())
        .map_err(|e| format!("snapshot of {}: {e}", cache.display()))
}

/// Fails when `got` differs from `reference` in any path, kind, mode or content.
pub fn same_tree(reference: &Snapshot, got: &Snapshot, names: (&str, &str)) -> Result<(), String> {
    let diff = reference.diff(got);
    if diff.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the caches differ ({} changes):\n{}",
            diff.len(),
            diff.report(names.0, names.1, 30)
        ))
    }
}
