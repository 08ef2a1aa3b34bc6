//! What is downloaded: the synthetic universe (module versions named on the command
//! line, no main module) or a real project of the corpus (its working copy is the main
//! module; everything it needs comes from the corpus mirror).

use gomodfetch::testkit::synth::{Published, SynthConfig, SynthUniverse};
use gomodfetch::testkit::universe::Universe;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// One thing to download, with what the proxy must serve for it.
pub enum Workload {
    /// `mod download path@version…` over the generated universe.
    Synthetic {
        synth: Box<SynthUniverse>,
        published: Vec<Published>,
        universe: Universe,
        seed: u64,
    },
    /// A corpus project: `mod download` (no arguments) or `list -m all` in a copy of
    /// its working copy.
    Project {
        spec: String,
        source: PathBuf,
        /// Lines of `go list -m all` when the mirror was built.
        modules: u64,
        universe: Universe,
    },
}

impl Workload {
    /// Generates the synthetic universe (deterministic for `seed`).
    pub fn synthetic(seed: u64, modules: usize) -> Result<Workload, String> {
        let synth = SynthUniverse::generate(SynthConfig::new(seed, modules));
        let universe = Universe::new();
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let published = synth
            .publish(&universe, threads)
            .map_err(|e| format!("building the synthetic universe: {e}"))?;
        Ok(Workload::Synthetic {
            synth: Box::new(synth),
            published,
            universe,
            seed,
        })
    }

    /// A short name for tables, file names and the plot's legend.
    pub fn name(&self) -> String {
        match self {
            Workload::Synthetic { published, .. } => format!("synthetic-{}", published.len()),
            Workload::Project { spec, .. } => {
                let path = spec.split('@').next().unwrap_or(spec);
                let mut parts: Vec<&str> = path.split('/').collect();
                // Drop a major-version suffix: `cli/cli/v2` reads as `cli`.
                if parts.len() > 1
                    && parts
                        .last()
                        .is_some_and(|p| p.starts_with('v') && p[1..].parse::<u32>().is_ok())
                {
                    parts.pop();
                }
                parts.last().copied().unwrap_or(path).to_string()
            }
        }
    }

    pub fn universe(&self) -> &Universe {
        match self {
            Workload::Synthetic { universe, .. } | Workload::Project { universe, .. } => universe,
        }
    }

    /// Whether there is a main module (the graph scenario needs one).
    pub fn has_main_module(&self) -> bool {
        matches!(self, Workload::Project { .. })
    }

    /// The arguments after `mod download` (none for a project: its build list).
    pub fn download_args(&self) -> Vec<String> {
        match self {
            Workload::Synthetic { synth, .. } => synth.args(),
            Workload::Project { .. } => Vec::new(),
        }
    }

    /// The working copy a run starts from, if any.
    pub fn source(&self) -> Option<&Path> {
        match self {
            Workload::Synthetic { .. } => None,
            Workload::Project { source, .. } => Some(source),
        }
    }

    /// A description for the JSON results and the tables.
    pub fn describe(&self) -> Value {
        match self {
            Workload::Synthetic {
                synth,
                published,
                seed,
                ..
            } => json!({
                "kind": "synthetic",
                "seed": seed,
                "modules": published.len(),
                "paths": synth.path_count(),
                "zip_bytes": published.iter().map(|p| p.zip_len).sum::<u64>(),
                "unpacked_bytes": published.iter().map(|p| p.uncompressed).sum::<u64>(),
                "files": published.iter().map(|p| p.files).sum::<usize>(),
            }),
            Workload::Project { spec, modules, .. } => json!({
                "kind": "project",
                "project": spec,
                "modules_in_list_m_all": modules,
            }),
        }
    }
}

/// A project of the mirror's manifest: (spec, working copy, modules in `list -m all`).
pub struct Manifested {
    pub spec: String,
    pub source: PathBuf,
    pub modules: u64,
}

/// The projects of `corpus/manifest.json` whose working copy exists; empty without a
/// mirror.
pub fn manifest(corpus: &Path) -> Result<Vec<Manifested>, String> {
    let path = corpus.join("manifest.json");
    let Ok(text) = std::fs::read(&path) else {
        return Ok(Vec::new());
    };
    let doc: Value =
        serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out: Vec<Manifested> = doc["projects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some(Manifested {
                spec: p["project"].as_str()?.to_string(),
                source: corpus.join(p["source"].as_str()?),
                modules: p["modules"].as_u64()?,
            })
        })
        .filter(|m| m.source.is_dir())
        .collect();
    out.sort_by(|a, b| b.modules.cmp(&a.modules).then(a.spec.cmp(&b.spec)));
    Ok(out)
}

/// Picks the manifest entry named by `want`: `largest`, a full `path@version`, or a
/// part of one (`cli/cli`, `cobra`) that matches exactly one project.
pub fn pick<'a>(projects: &'a [Manifested], want: &str) -> Result<&'a Manifested, String> {
    if want == "largest" {
        return projects
            .first()
            .ok_or_else(|| "no corpus project has a working copy".to_string());
    }
    if let Some(p) = projects.iter().find(|p| p.spec == want) {
        return Ok(p);
    }
    let hits: Vec<&Manifested> = projects.iter().filter(|p| p.spec.contains(want)).collect();
    match hits.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("no corpus project matches {want:?}")),
        many => Err(format!(
            "{want:?} matches {} corpus projects: {}",
            many.len(),
            many.iter()
                .map(|p| p.spec.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
