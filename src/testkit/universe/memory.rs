//! Module versions held in memory: the txtar fixtures and the builder's packages.
//!
//! The store keeps Go's test-proxy `modList` order (insertion order: txtar files in
//! file-name order, then packages as they are published), because `@v/list` answers in
//! that order. Every zip is built once, at insertion, and served from memory.

use super::zipfile::{self, build_zip};
use super::{Endpoint, LatestMode};
use crate::{module, semver};
use bytes::Bytes;
use std::collections::HashMap;
use std::io;
use std::sync::Arc;

/// One module version as the proxy serves it.
#[derive(Debug, Clone)]
pub struct StoredModule {
    path: String,
    version: String,
    info: Option<Bytes>,
    gomod: Option<Bytes>,
    zip: Option<Bytes>,
    entries: Vec<(Vec<u8>, Bytes)>,
    files: Vec<(Vec<u8>, Bytes)>,
    revision: String,
}

impl StoredModule {
    /// Builds the zip from `entries` (full entry names, in order) unless `raw_zip`
    /// replaces it. `files` are the module's files under the names their source gave
    /// them (for a txtar archive: every section except `.info`, `.mod` and `.zip`).
    pub(crate) fn new(
        path: String,
        version: String,
        info: Option<Bytes>,
        gomod: Option<Bytes>,
        entries: Vec<(Vec<u8>, Bytes)>,
        files: Vec<(Vec<u8>, Bytes)>,
        raw_zip: Option<Option<Bytes>>,
    ) -> io::Result<StoredModule> {
        let zip = match raw_zip {
            Some(z) => z,
            None => Some(build_zip(
                entries.iter().map(|(n, d)| (n.as_slice(), d.as_ref())),
            )?),
        };
        let revision = revision_of(&version, info.as_deref());
        Ok(StoredModule {
            path,
            version,
            info,
            gomod,
            zip,
            entries,
            files,
            revision,
        })
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// The `.info` body, `None` when the module has none (the proxy answers 404).
    pub fn info(&self) -> Option<&Bytes> {
        self.info.as_ref()
    }

    /// The `.mod` body, `None` when the module has none (the proxy answers 404).
    pub fn gomod(&self) -> Option<&Bytes> {
        self.gomod.as_ref()
    }

    /// The `.zip` body, `None` when the module has none (the proxy answers 404).
    pub fn zip(&self) -> Option<&Bytes> {
        self.zip.as_ref()
    }

    /// The zip's entries (full names, contents) in order; empty for a raw zip.
    pub fn zip_entries(&self) -> &[(Vec<u8>, Bytes)] {
        &self.entries
    }

    /// The module's files under the names the source gave them: a txtar archive's
    /// sections other than `.info`/`.mod`/`.zip` (so `/`-prefixed names stay as
    /// written), or the builder's files. The test checksum database hashes these.
    pub fn files(&self) -> &[(Vec<u8>, Bytes)] {
        &self.files
    }

    /// A different but valid zip for the same version: the same entries plus one
    /// more file, `<path>@<version>/fault-injected.txt`. Fails without a zip or when
    /// the zip is not readable (a deliberately broken raw zip).
    pub fn other_zip(&self) -> io::Result<Bytes> {
        let zip = self
            .zip
            .as_ref()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "the module has no zip"))?;
        zipfile::other_zip(zip, &self.path, &self.version)
    }
}

/// The commit a version stands for, as Go's test proxy resolves hashes: what follows
/// the last `-` of a pseudo-version, else the `.info` `Short` field (empty when absent).
fn revision_of(version: &str, info: Option<&[u8]>) -> String {
    if module::is_pseudo_version(version) {
        return version.rsplit('-').next().unwrap_or_default().to_string();
    }
    info.and_then(|i| serde_json::from_slice::<serde_json::Value>(i).ok())
        .and_then(|v| v.get("Short")?.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The in-memory modules in `modList` order.
#[derive(Debug, Default)]
pub(crate) struct MemoryStore {
    modules: Vec<Arc<StoredModule>>,
    by_path: HashMap<String, Vec<usize>>,
    by_key: HashMap<(String, String), usize>,
}

impl MemoryStore {
    /// Adds a module version, or replaces the one with the same path and version in
    /// place (keeping its list position).
    pub(crate) fn insert(&mut self, m: StoredModule) {
        let key = (m.path.clone(), m.version.clone());
        if let Some(&i) = self.by_key.get(&key) {
            self.modules[i] = Arc::new(m);
            return;
        }
        let i = self.modules.len();
        self.by_path.entry(m.path.clone()).or_default().push(i);
        self.by_key.insert(key, i);
        self.modules.push(Arc::new(m));
    }

    pub(crate) fn modules(&self) -> &[Arc<StoredModule>] {
        &self.modules
    }

    pub(crate) fn module(&self, path: &str, version: &str) -> Option<&Arc<StoredModule>> {
        let i = self.by_key.get(&(path.to_string(), version.to_string()))?;
        self.modules.get(*i)
    }

    fn versions_of(&self, path: &str) -> Option<impl Iterator<Item = &StoredModule>> {
        let idx = self.by_path.get(path)?;
        Some(
            idx.iter()
                .filter_map(|&i| self.modules.get(i).map(|m| &**m)),
        )
    }

    /// The answer to one request, `None` for "not found".
    pub(crate) fn get(&self, path: &str, endpoint: &Endpoint, mode: LatestMode) -> Option<Bytes> {
        match endpoint {
            Endpoint::List => {
                let mut body = String::new();
                for m in self.versions_of(path)? {
                    if !module::is_pseudo_version(&m.version)
                        && module::check(&m.path, &m.version).is_ok()
                    {
                        body.push_str(&m.version);
                        body.push('\n');
                    }
                }
                Some(Bytes::from(body))
            }
            Endpoint::Latest => {
                let v = self.latest(path, mode)?;
                self.module(path, &v)?.info.clone()
            }
            Endpoint::Info(v) | Endpoint::Mod(v) | Endpoint::Zip(v) => {
                let v = self.resolve_hash(path, v);
                let m = self.module(path, &v)?;
                match endpoint {
                    Endpoint::Info(_) => m.info.clone(),
                    Endpoint::Mod(_) => m.gomod.clone(),
                    _ => m.zip.clone(),
                }
            }
        }
    }

    /// The version `@latest` names for `path` under `mode`.
    pub(crate) fn latest(&self, path: &str, mode: LatestMode) -> Option<String> {
        let versions = self.versions_of(path)?.map(|m| m.version.as_str());
        match mode {
            LatestMode::Highest => latest_highest(path, versions),
            LatestMode::GoTestProxy => latest_go_test_proxy(versions),
        }
    }

    /// Go's test proxy maps an all-hex "version" (a commit hash) to the semver-highest
    /// version whose revision starts with it or that it starts with. Unlike Go's, an
    /// unknown revision (no `.info` `Short`) never matches.
    fn resolve_hash(&self, path: &str, v: &str) -> String {
        if v.is_empty() || !v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return v.to_string();
        }
        let mut best = "";
        if let Some(ms) = self.versions_of(path) {
            for m in ms {
                let h = m.revision.as_str();
                if semver::compare(best, &m.version).is_lt()
                    && !h.is_empty()
                    && (h.starts_with(v) || v.starts_with(h))
                {
                    best = &m.version;
                }
            }
        }
        if best.is_empty() { v } else { best }.to_string()
    }
}

/// What a real proxy answers: the highest release, else the highest prerelease, else
/// the highest pseudo-version, among versions valid for the path (`module.Check`).
fn latest_highest<'a>(path: &str, versions: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut best: [Option<&str>; 3] = [None; 3];
    for v in versions {
        if module::check(path, v).is_err() {
            continue;
        }
        let class = if module::is_pseudo_version(v) {
            2
        } else if !semver::prerelease(v).is_empty() {
            1
        } else {
            0
        };
        let slot = &mut best[class];
        if slot.is_none_or(|b| semver::compare(v, b).is_gt()) {
            *slot = Some(v);
        }
    }
    best.into_iter().flatten().next().map(str::to_string)
}

/// Exactly what Go's test proxy (`cmd/go/proxy_test.go`) answers. Its comparisons run
/// the wrong way, so within a class it keeps the lowest version, and a version that
/// loses in one class falls through to the next test (a pseudo-version can land in
/// the prerelease or release slot).
fn latest_go_test_proxy<'a>(versions: impl Iterator<Item = &'a str>) -> Option<String> {
    let (mut rel, mut pre, mut pseudo): (Option<&str>, Option<&str>, Option<&str>) =
        (None, None, None);
    let higher = |slot: Option<&str>, v: &str| slot.is_none_or(|s| semver::compare(s, v).is_gt());
    for v in versions {
        if module::is_pseudo_version(v) && higher(pseudo, v) {
            pseudo = Some(v);
        } else if !semver::prerelease(v).is_empty() && higher(pre, v) {
            pre = Some(v);
        } else if higher(rel, v) {
            rel = Some(v);
        }
    }
    rel.or(pre).or(pseudo).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highest_prefers_releases_then_prereleases_then_pseudo() {
        let vs = [
            "v1.0.0",
            "v1.2.0-pre",
            "v0.0.0-20200101000000-abcdefabcdef",
            "v1.1.0",
        ];
        assert_eq!(
            latest_highest("example.com/m", vs.into_iter()).as_deref(),
            Some("v1.1.0")
        );
        let vs = [
            "v1.2.0-pre",
            "v1.3.0-pre",
            "v0.0.0-20200101000000-abcdefabcdef",
        ];
        assert_eq!(
            latest_highest("example.com/m", vs.into_iter()).as_deref(),
            Some("v1.3.0-pre")
        );
        // v2.0.0 is not valid for a path without /v2.
        assert_eq!(
            latest_highest("example.com/m", ["v2.0.0"].into_iter()),
            None
        );
    }

    #[test]
    fn go_test_proxy_keeps_the_lowest() {
        let vs = ["v1.0.0", "v1.1.0", "v0.9.0"];
        assert_eq!(
            latest_go_test_proxy(vs.into_iter()).as_deref(),
            Some("v0.9.0")
        );
    }

    #[test]
    fn hashes_resolve_to_the_highest_matching_version() {
        let mut s = MemoryStore::default();
        let add = |s: &mut MemoryStore, v: &str, info: &str| {
            s.insert(
                StoredModule::new(
                    "example.com/m".into(),
                    v.into(),
                    Some(Bytes::from(info.to_string())),
                    None,
                    vec![],
                    vec![],
                    None,
                )
                .unwrap(),
            )
        };
        add(&mut s, "v0.0.0-20200101000000-abcdef012345", "{}");
        add(&mut s, "v1.0.0", r#"{"Short":"abcdef012345"}"#);
        add(&mut s, "v0.9.0", "{}");
        assert_eq!(s.resolve_hash("example.com/m", "abcdef"), "v1.0.0");
        assert_eq!(
            s.resolve_hash("example.com/m", "abcdef0123456789"),
            "v1.0.0"
        );
        assert_eq!(s.resolve_hash("example.com/m", "fff"), "fff");
        assert_eq!(s.resolve_hash("example.com/m", "v0.9.0"), "v0.9.0");
    }
}
