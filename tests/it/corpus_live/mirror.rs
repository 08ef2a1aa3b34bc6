//! The corpus mirror: everything the projects of `corpus/projects.txt` need, fetched
//! once with the real `go` from the machine's own `GOPROXY`/`GOSUMDB` (as `go env`
//! reports them; nothing is hard-coded), kept under `target/corpus/` and reused.
//!
//! Layout (`GOMODFETCH_CORPUS_DIR` moves it):
//!
//! * `mirror/` — the builder's `GOMODCACHE`; `mirror/cache/download` is a GOPROXY-layout
//!   tree of every `.info`, `.mod` and `.zip` the projects need, served to both tools by
//!   the test proxy.
//! * `src/<slug>/` — each project's working copy: its module zip as `go` extracted it,
//!   copied and made writable. Never modified; every run works on a fresh copy.
//! * `done/<slug>.json` — written last for a project, so an interrupted build is redone;
//!   `manifest.json` — every built project (module count, whether `go list -deps ./...`
//!   worked with the mirror), read by `benches/compare`.
//! * `builder/` — the builder's sandbox (GOPATH, GOCACHE, HOME).
//!
//! The module trees `go` extracts into the mirror are removed after a build.
//!
//! For each project the builder runs, in a scratch copy of the working copy with
//! `GOFLAGS=-modcacherw -mod=mod`: `go mod download`, `go mod download all`,
//! `go list -m -json all` (every `.info`), `go list -m all` (the module count) and
//! `go list -deps ./...` (the packages' modules; whether it succeeds is recorded).

use std::path::{Path, PathBuf};

use gomodfetch::testkit::gocmd::{Go, Sandbox, copy_tree, remove_tree};
use serde_json::{Value, json};

/// One corpus project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub module: String,
    pub version: String,
}

impl Project {
    /// `module@version`.
    pub fn spec(&self) -> String {
        format!("{}@{}", self.module, self.version)
    }

    /// A file name for it: the spec with `/` replaced by `_`.
    pub fn slug(&self) -> String {
        self.spec().replace('/', "_")
    }
}

/// What the builder learnt about a project.
#[derive(Debug, Clone)]
pub struct Built {
    pub project: Project,
    /// Lines of `go list -m all` (the main module included).
    pub modules: usize,
    /// Whether `go list -deps ./...` succeeded in the builder.
    pub deps_ok: bool,
}

/// Parses `corpus/projects.txt`: one `module@version` per line, `#` comments.
pub fn parse_projects(text: &str) -> Result<Vec<Project>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let Some((module, version)) = line.split_once('@') else {
            return Err(format!(
                "projects.txt:{}: want module@version, got {line:?}",
                i + 1
            ));
        };
        if module.is_empty() || version.is_empty() || line.contains(char::is_whitespace) {
            return Err(format!(
                "projects.txt:{}: want module@version, got {line:?}",
                i + 1
            ));
        }
        out.push(Project {
            module: module.to_string(),
            version: version.to_string(),
        });
    }
    Ok(out)
}

/// The projects of `corpus/projects.txt`.
pub fn projects() -> Result<Vec<Project>, String> {
    let path = crate::support::repo_root().join("corpus/projects.txt");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_projects(&text)
}

/// Where the mirror lives.
#[derive(Debug, Clone)]
pub struct Mirror {
    pub root: PathBuf,
}

impl Mirror {
    /// `$GOMODFETCH_CORPUS_DIR`, else `target/corpus`.
    pub fn locate() -> Mirror {
        let root = match std::env::var_os("GOMODFETCH_CORPUS_DIR") {
            Some(d) => PathBuf::from(d),
            None => crate::support::repo_root().join("target/corpus"),
        };
        Mirror { root }
    }

    /// The GOPROXY-layout tree.
    pub fn tree(&self) -> PathBuf {
        self.root.join("mirror/cache/download")
    }

    /// A project's pristine working copy.
    pub fn source(&self, p: &Project) -> PathBuf {
        self.root.join("src").join(p.slug())
    }

    fn stamp(&self, p: &Project) -> PathBuf {
        self.root.join("done").join(format!("{}.json", p.slug()))
    }

    /// The builder's record of `p`, when it was built completely.
    pub fn built(&self, p: &Project) -> Option<Built> {
        let text = std::fs::read(self.stamp(p)).ok()?;
        let v: Value = serde_json::from_slice(&text).ok()?;
        if v["project"].as_str() != Some(p.spec().as_str()) || !self.source(p).is_dir() {
            return None;
        }
        Some(Built {
            project: p.clone(),
            modules: usize::try_from(v["modules"].as_u64()?).ok()?,
            deps_ok: v["deps_ok"].as_bool()?,
        })
    }

    /// Builds whatever of `projects` is missing (network), then rewrites the manifest.
    pub fn ensure(&self, go: &Go, projects: &[Project]) -> Result<Vec<Built>, String> {
        let mut out = Vec::new();
        let mut builder: Option<Sandbox> = None;
        for p in projects {
            if let Some(b) = self.built(p) {
                out.push(b);
                continue;
            }
            if builder.is_none() {
                builder = Some(self.builder(go)?);
            }
            let sb = builder.as_ref().ok_or("no builder")?;
            eprintln!("corpus mirror: building {} (network)", p.spec());
            let t = std::time::Instant::now();
            let b = self.build(go, sb, p)?;
            eprintln!(
                "corpus mirror: {}: {} modules, go list -deps ./... {} ({:.0} s)",
                p.spec(),
                b.modules,
                if b.deps_ok { "ok" } else { "FAILED" },
                t.elapsed().as_secs_f64()
            );
            out.push(b);
        }
        if builder.is_some() {
            self.drop_extracted()?;
        }
        self.write_manifest()?;
        Ok(out)
    }

    /// The builder's sandbox: the machine's module proxy and checksum database, the
    /// mirror as module cache.
    fn builder(&self, go: &Go) -> Result<Sandbox, String> {
        let mut sb = Sandbox::at(self.root.join("builder")).map_err(|e| e.to_string())?;
        for (k, v) in machine_env(go)? {
            sb.set(&k, v);
        }
        sb.set("GOMODCACHE", self.root.join("mirror"));
        sb.modcacherw(true).goflags("-mod=mod");
        Ok(sb)
    }

    fn build(&self, go: &Go, sb: &Sandbox, p: &Project) -> Result<Built, String> {
        let run = |dir: &Path, args: &[&str]| {
            go.run(sb, dir, args)
                .map_err(|e| format!("{}: go {}: {e}", p.spec(), args.join(" ")))
        };
        let fetched = run(&sb.work_dir(), &["mod", "download", "-json", &p.spec()])?;
        let dir = fetched
            .download_records()
            .ok()
            .and_then(|r| r.into_iter().next())
            .and_then(|r| r.dir)
            .filter(|_| fetched.success())
            .ok_or_else(|| format!("{}: downloading the project failed: {fetched}", p.spec()))?;
        let src = self.source(p);
        remove_tree(&src).map_err(|e| format!("{}: {e}", src.display()))?;
        copy_tree(Path::new(&dir), &src).map_err(|e| e.to_string())?;

        let scratch = self.root.join("scratch").join(p.slug());
        remove_tree(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
        copy_tree(&src, &scratch).map_err(|e| e.to_string())?;
        let must = |args: &[&str]| -> Result<gomodfetch::testkit::gocmd::Run, String> {
            let r = run(&scratch, args)?;
            if r.success() {
                Ok(r)
            } else {
                Err(format!("{}: {r}", p.spec()))
            }
        };
        must(&["mod", "download"])?;
        must(&["mod", "download", "all"])?;
        must(&["list", "-m", "-json", "all"])?;
        let list = must(&["list", "-m", "all"])?;
        let deps = run(&scratch, &["list", "-deps", "./..."])?;
        if !deps.success() {
            eprintln!(
                "corpus mirror: {}: go list -deps ./... failed: {deps}",
                p.spec()
            );
        }
        let built = Built {
            project: p.clone(),
            modules: list.stdout_text().lines().count(),
            deps_ok: deps.success(),
        };
        remove_tree(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
        let stamp = self.stamp(p);
        std::fs::create_dir_all(stamp.parent().unwrap_or(&self.root)).map_err(|e| e.to_string())?;
        let doc = json!({
            "project": p.spec(),
            "modules": built.modules,
            "deps_ok": built.deps_ok,
            "go": go.version(sb).unwrap_or_default(),
        });
        std::fs::write(&stamp, doc.to_string() + "\n")
            .map_err(|e| format!("{}: {e}", stamp.display()))?;
        Ok(built)
    }

    /// Removes the module trees the builder's `go` extracted (gigabytes the tests never
    /// read: only `cache/download` is served).
    fn drop_extracted(&self) -> Result<(), String> {
        let cache = self.root.join("mirror");
        for e in std::fs::read_dir(&cache).map_err(|e| format!("{}: {e}", cache.display()))? {
            let path = e.map_err(|e| e.to_string())?.path();
            if path.file_name().is_some_and(|n| n != "cache") {
                remove_tree(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
        Ok(())
    }

    /// `manifest.json`: every project built so far (for `benches/compare`).
    fn write_manifest(&self) -> Result<(), String> {
        let mut all = Vec::new();
        let done = self.root.join("done");
        let mut names: Vec<PathBuf> = std::fs::read_dir(&done)
            .map_err(|e| format!("{}: {e}", done.display()))?
            .flatten()
            .map(|e| e.path())
            .collect();
        names.sort();
        for path in names {
            let Ok(text) = std::fs::read(&path) else {
                continue;
            };
            let Ok(mut v) = serde_json::from_slice::<Value>(&text) else {
                continue;
            };
            let Some(slug) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
                continue;
            };
            v["source"] = json!(format!("src/{slug}"));
            all.push(v);
        }
        let doc = json!({
            "about": "built by tests/it/corpus_live.rs (GOMODFETCH_LIVE=1)",
            "tree": "mirror/cache/download",
            "projects": all,
        });
        let path = self.root.join("manifest.json");
        let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
        std::fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// The machine's module download settings, as its own `go env` reports them.
fn machine_env(go: &Go) -> Result<Vec<(String, String)>, String> {
    const NAMES: [&str; 6] = [
        "GOPROXY",
        "GOSUMDB",
        "GONOSUMDB",
        "GONOPROXY",
        "GOPRIVATE",
        "GOINSECURE",
    ];
    let out = std::process::Command::new(go.bin())
        .arg("env")
        .args(NAMES)
        .output()
        .map_err(|e| format!("go env: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "go env: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(NAMES
        .iter()
        .zip(text.lines())
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

#[test]
fn parses_the_project_list() {
    let got = parse_projects("# c\n\na.b/c@v1.0.0 # x\n  d.e/f/v2@v2.1.0\n").unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].spec(), "d.e/f/v2@v2.1.0");
    assert_eq!(got[1].slug(), "d.e_f_v2@v2.1.0");
    assert!(parse_projects("a.b/c\n").is_err());
    assert!(parse_projects("a.b/c@v1 x\n").is_err());
    let real = projects().unwrap();
    assert!(real.len() >= 10, "corpus/projects.txt lists {}", real.len());
}
