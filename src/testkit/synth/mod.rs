//! A deterministic synthetic module universe for benchmarks: `N` module versions whose
//! paths, versions, sizes, file layouts, contents and requirement graph are drawn from
//! distributions shaped like those of real Go modules, all from one seed.
//!
//! ```
//! use gomodfetch::testkit::synth::{SynthConfig, SynthUniverse};
//! use gomodfetch::testkit::universe::Universe;
//! let synth = SynthUniverse::generate(SynthConfig::new(1, 20));
//! let universe = Universe::new();
//! let published = synth.publish(&universe, 2)?;    // zips built, served by a TestProxy
//! let args = synth.args();                          // "path@version", one per module
//! assert_eq!(published.len(), args.len());
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Guarantees
//! * The same [`SynthConfig`] gives the same universe, byte for byte, on every machine:
//!   the randomness is SplitMix64 written out here, every module and every file has a
//!   stream of its own, and zips are written by [`crate::modzip::writer`] (the layout
//!   `go` produces).
//! * Every module version is valid for `go mod download`: paths pass
//!   `module.CheckPath`, versions `module.Check` for their path, file names
//!   `CheckFilePath`, no two names fold to the same case, no nested go.mod, no vendor
//!   directory; `.info` carries the version and its time; `.mod` is the zip's go.mod
//!   (for `+incompatible` versions, which have none, it is `module <path>`).
//! * The expected `h1:` of each zip and of each go.mod comes with it
//!   ([`Published::sum`], [`Published::go_mod_sum`]), so a benchmark can check what a
//!   tool downloaded without trusting the tool.
//! * Memory: a plan is small (no contents); contents are generated while a zip is
//!   written and dropped right after, so a published universe holds only its zips.
//!
//! # Distributions, and why they look like real modules
//! Facts were taken from what this machine holds (nothing was fetched for them): the
//! go.mod files of a real 638-module build list under `target/real-gomods` (see
//! `tests/setup/real-gomods.sh`), the Go sources in `$GOROOT/src`, and 274 `.crate`
//! archives (gzip'd Rust sources, the closest sample of real compressed-package sizes
//! available offline) in the cargo registry cache.
//!
//! | quantity | model | resulting quantiles | real counterpart |
//! |---|---|---|---|
//! | zip size `S` | log-normal, median [`SynthConfig::DEFAULT_ZIP_MEDIAN`] (48 KiB), σ 1.6, clamped to 3 KiB – 8 MiB | p10 6.2 KiB, p50 48 KiB, p90 374 KiB, p99 2.0 MiB | crates: p10 9 KB, p50 33 KB, p90 333 KB, p99 2.6 MB; Go zips also carry tests, testdata and go.sum, hence the higher median |
//! | files per zip | `5·(S/4 KiB)^0.66` × log-normal(σ 0.3), clamped to 3 – 2000 | ≈5 at 4 KiB, ≈26 at 48 KiB, ≈300 at 2 MiB | small libraries have a handful of files, SDK-sized modules hundreds |
//! | `.go` file sizes | the module's source budget split by log-normal weights (σ 1.2) | a few large files, many small ones | `$GOROOT/src`: median 3.6 KB, p10 0.5 KB, p90 27 KB |
//! | content | Go-like source, Markdown-like text, random-byte assets | Deflate (level 5, file by file) ratio of the source by file size ([`GO_RATIOS`]): 1.8 at 1 KB, 2.5 at 4 KB, 3.5 at 16 KB, 4.2 at 64 KB; text ([`TEXT_RATIOS`]) 1.9 – 3.1; assets 1 | `$GOROOT/src` `.go` files by size class: 2.0 at 1 KiB, 2.8 at 4 KiB, 3.4 at 16 KiB, 4.5 at 64 KiB |
//! | layout | go.mod, go.sum (90% of modules with requirements), LICENSE (1.1, 1.5 or 11.4 KB), README.md (95%), CI and lint files; packages of ~7 files in `internal/…`, `pkg/…`, `cmd/…`; 30% `_test.go` | | `$GOROOT/src`: 23% of `.go` files are tests |
//! | testdata | 30% of modules: golden files; 60% of those also binary assets taking 10–60% of the zip | | images, archives and fixtures in testdata dominate some real zips |
//! | versions | per path 1 (70%), 2 (20%), 3 (7%), 4 (2%), 6 (1%); 12% pseudo-versions, 4% prereleases; paths: 40% v0, 49% v1, 8% `/vN`, 3% `+incompatible` (no go.mod) | | the real graph has 2992 go.mod versions for 638 paths in its build list |
//! | paths | `example.com/<owner>/<repo>` and vanity, family and nested-module shapes; 10% of owners with upper-case letters (`!`-escaped) | | |
//! | requirements | leaf level and 4% of others: none; else log-normal median 12, σ 0.8, ≤ 130; `// indirect` split from go 1.17 | about a quarter of modules without requirements, the rest median 12 | real go.mod files: p25 2, p50 13, p75 21, p90 24, p99 124 |
//! | graph depth | [`SynthConfig::levels`] levels (default 8), each 1.2× as populous as the one above; requirements point only to deeper levels, 60% to the next | longest chain `levels - 1` | |
//!
//! The zip size is the *target* of the plan: the file sizes are chosen so that the
//! compressed zip (entry overhead included) comes out near `S`; a tiny module's fixed
//! files can make it larger.

mod content;
mod plan;
mod rng;

pub use content::{GO_RATIOS, TEXT_RATIOS, compressed_len};
/// The SplitMix64 generator, shared with `testkit::graphgen` so both mean the same by a seed.
pub use rng::Rng;

use crate::dirhash::{self, H1};
use crate::modzip::writer::ZipWriter;
use crate::testkit::universe::{Package, Universe};
use bytes::Bytes;
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use std::io::{self, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What to generate. [`SynthConfig::new`] gives the documented defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    pub seed: u64,
    /// How many module versions.
    pub modules: usize,
    /// Levels of the requirement graph (≥ 1).
    pub levels: usize,
    /// Median zip size in bytes.
    pub zip_median: u64,
    /// σ of the logarithm of the zip size.
    pub zip_sigma: f64,
    pub zip_min: u64,
    pub zip_max: u64,
}

impl SynthConfig {
    pub const DEFAULT_ZIP_MEDIAN: u64 = 48 * 1024;
    pub const DEFAULT_ZIP_SIGMA: f64 = 1.6;
    pub const DEFAULT_ZIP_MIN: u64 = 3 * 1024;
    pub const DEFAULT_ZIP_MAX: u64 = 8 * 1024 * 1024;
    pub const DEFAULT_LEVELS: usize = 8;

    pub fn new(seed: u64, modules: usize) -> SynthConfig {
        SynthConfig {
            seed,
            modules,
            levels: SynthConfig::DEFAULT_LEVELS,
            zip_median: SynthConfig::DEFAULT_ZIP_MEDIAN,
            zip_sigma: SynthConfig::DEFAULT_ZIP_SIGMA,
            zip_min: SynthConfig::DEFAULT_ZIP_MIN,
            zip_max: SynthConfig::DEFAULT_ZIP_MAX,
        }
    }
}

/// What a planned file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// These exact bytes (go.mod, go.sum).
    Fixed(String),
    /// Go-like source of package `package`, about `len` bytes (whole lines).
    Go { package: String, len: usize },
    /// Markdown-like text, about `len` bytes (whole lines).
    Text { len: usize },
    /// `len` incompressible bytes.
    Asset { len: usize },
}

/// One file of a module version, named relative to the module root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePlan {
    pub name: String,
    pub content: Content,
}

/// What kind of version a module version has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionKind {
    Release,
    Prerelease,
    Pseudo,
    Incompatible,
}

/// One planned module version.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthModule {
    pub path: String,
    pub version: String,
    /// Its level in the requirement graph (0: roots).
    pub level: usize,
    /// The `.info` time.
    pub time: Timestamp,
    /// The `.mod` body (and the zip's go.mod when [`SynthModule::go_mod_in_zip`]).
    pub go_mod: String,
    pub go_mod_in_zip: bool,
    /// The module versions its go.mod requires, as indices into
    /// [`SynthUniverse::modules`].
    pub requires: Vec<usize>,
    /// The zip size the plan aims at.
    pub zip_target: u64,
    pub files: Vec<FilePlan>,
    content_seed: u64,
}

/// A module version's zip, built.
#[derive(Debug, Clone)]
pub struct BuiltModule {
    pub zip: Bytes,
    /// The zip's `h1:` (what `.ziphash` and go.sum hold).
    pub sum: H1,
    /// The files' total size.
    pub uncompressed: u64,
}

/// What [`SynthUniverse::publish`] put into a universe for one module version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub zip_len: u64,
    pub uncompressed: u64,
    pub files: usize,
    /// The zip's `h1:`.
    pub sum: H1,
    /// The go.mod's `h1:` (go.sum's `/go.mod` line).
    pub go_mod_sum: H1,
}

impl SynthModule {
    /// `path@version`.
    pub fn id(&self) -> String {
        format!("{}@{}", self.path, self.version)
    }

    pub fn kind(&self) -> VersionKind {
        if self.version.ends_with("+incompatible") {
            VersionKind::Incompatible
        } else if crate::module::is_pseudo_version(&self.version) {
            VersionKind::Pseudo
        } else if !crate::semver::prerelease(&self.version).is_empty() {
            VersionKind::Prerelease
        } else {
            VersionKind::Release
        }
    }

    /// The contents of file `i` of [`SynthModule::files`] (`None` past the end).
    pub fn file_data(&self, i: usize) -> Option<Vec<u8>> {
        let mut rng = Rng::derive(self.content_seed, 0, i as u64);
        Some(match &self.files.get(i)?.content {
            Content::Fixed(s) => s.as_bytes().to_vec(),
            Content::Go { package, len } => content::go_source(&mut rng, package, *len),
            Content::Text { len } => content::text(&mut rng, *len),
            Content::Asset { len } => content::asset(&mut rng, *len),
        })
    }

    /// The go.mod's `h1:`.
    pub fn go_mod_sum(&self) -> H1 {
        dirhash::hash_go_mod(self.go_mod.as_bytes())
    }

    /// Writes the zip (entries `<path>@<version>/<name>` in plan order), hashing each
    /// file as it goes.
    pub fn build(&self) -> io::Result<BuiltModule> {
        let prefix = format!("{}@{}/", self.path, self.version);
        let capacity = usize::try_from(self.zip_target + self.zip_target / 4).unwrap_or(0);
        let mut z = ZipWriter::new(Vec::with_capacity(capacity));
        let mut digests = Vec::with_capacity(self.files.len());
        let mut uncompressed = 0;
        for (i, f) in self.files.iter().enumerate() {
            let data = self.file_data(i).unwrap_or_default();
            let name = format!("{prefix}{}", f.name);
            z.start_file(name.as_bytes())?;
            z.write_all(&data)?;
            uncompressed += data.len() as u64;
            digests.push((name, <[u8; 32]>::from(Sha256::digest(&data))));
        }
        let zip = Bytes::from(z.finish()?);
        let sum = dirhash::hash1_digests(digests).map_err(|e| io::Error::other(e.to_string()))?;
        Ok(BuiltModule {
            zip,
            sum,
            uncompressed,
        })
    }

    /// The [`Package`] serving this module version with `zip`.
    pub fn package(&self, zip: Bytes) -> Package {
        Package::new(&self.path, &self.version)
            .go_mod(self.go_mod.clone())
            .time(self.time)
            .raw_zip(zip)
    }
}

/// A generated universe: the plan of every module version.
#[derive(Debug, Clone)]
pub struct SynthUniverse {
    config: SynthConfig,
    modules: Vec<SynthModule>,
}

impl SynthUniverse {
    /// Plans the universe (cheap: no contents are made until a zip is built).
    pub fn generate(config: SynthConfig) -> SynthUniverse {
        let modules = plan::plan(&config);
        SynthUniverse { config, modules }
    }

    pub fn config(&self) -> &SynthConfig {
        &self.config
    }

    /// The module versions, in list order.
    pub fn modules(&self) -> &[SynthModule] {
        &self.modules
    }

    /// `path@version` of every module version, in list order: the arguments of a
    /// `go mod download` of the whole universe.
    pub fn args(&self) -> Vec<String> {
        self.modules.iter().map(SynthModule::id).collect()
    }

    /// How many distinct module paths.
    pub fn path_count(&self) -> usize {
        let mut paths: Vec<&str> = self.modules.iter().map(|m| m.path.as_str()).collect();
        paths.sort_unstable();
        paths.dedup();
        paths.len()
    }

    /// The number of edges on the longest requirement chain.
    pub fn depth(&self) -> usize {
        // Requirements point to deeper levels only, so deeper modules are final first.
        let mut order: Vec<usize> = (0..self.modules.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(self.modules[i].level));
        let mut depth = vec![0usize; self.modules.len()];
        for i in order {
            depth[i] = self.modules[i]
                .requires
                .iter()
                .map(|&r| depth.get(r).map_or(0, |d| d + 1))
                .max()
                .unwrap_or(0);
        }
        depth.into_iter().max().unwrap_or(0)
    }

    /// Builds every zip on `threads` threads; results in list order.
    pub fn build_all(&self, threads: usize) -> io::Result<Vec<BuiltModule>> {
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<io::Result<BuiltModule>>>> =
            Mutex::new((0..self.modules.len()).map(|_| None).collect());
        std::thread::scope(|s| {
            for _ in 0..threads.max(1) {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(m) = self.modules.get(i) else { break };
                        let built = m.build();
                        let mut r = results.lock().unwrap_or_else(|p| p.into_inner());
                        r[i] = Some(built);
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(io::Error::other("a zip builder thread stopped"))))
            .collect()
    }

    /// Builds every zip (on `threads` threads) and publishes every module version into
    /// `universe`, in list order.
    pub fn publish(&self, universe: &Universe, threads: usize) -> io::Result<Vec<Published>> {
        let built = self.build_all(threads)?;
        let mut out = Vec::with_capacity(built.len());
        for (m, b) in self.modules.iter().zip(built) {
            out.push(Published {
                zip_len: b.zip.len() as u64,
                uncompressed: b.uncompressed,
                files: m.files.len(),
                sum: b.sum,
                go_mod_sum: m.go_mod_sum(),
            });
            m.package(b.zip).try_publish(universe)?;
        }
        Ok(out)
    }
}

/// The `q`-quantile (0 ≤ q ≤ 1) of `values` by nearest rank; 0 for no values.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let rank = (q.clamp(0.0, 1.0) * (v.len() - 1) as f64).round() as usize;
    v[rank.min(v.len() - 1)]
}
