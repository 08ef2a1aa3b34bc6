//! go.sum reading and writing against the real `go`.
//!
//! * `known_hashes_go_sums`: the go.sum-shaped data in `vectors/known_hashes.json` must
//!   parse, and re-serialise exactly as `go` rewrites it (a trigger module makes `go`
//!   add one line, so that it rewrites the file).
//! * `download_rewrites_go_sum_like_go`: a small `file://` proxy of modules written
//!   here, a main module whose go.sum starts out unsorted, duplicated, with lines for
//!   modules not in the graph, an empty-go.mod hash and an unknown hash algorithm; after
//!   each of several `go mod download` invocations, merging the sums `go` added into the
//!   old file must give `go`'s file byte for byte, and when `go` added nothing it must
//!   not have touched the file.
//! * `workspace_go_work_sum_like_go`: the go.work.sum rule (keys a workspace module's
//!   go.sum holds are left out).

use crate::support::{self, Go, Tally};
use gomodfetch::gosum::{Checked, GoSum, SumState};
use gomodfetch::module::ModuleVersion;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One module version served by the test proxy.
struct Module {
    path: &'static str,
    /// The path with capitals escaped as `!x`, as the proxy protocol spells it.
    escaped: &'static str,
    version: &'static str,
    requires: &'static [(&'static str, &'static str)],
    /// Whether the go.mod has a `go 1.21` line (a pruned module).
    pruned: bool,
}

impl Module {
    fn go_mod(&self) -> String {
        let mut s = format!("module {}\n", self.path);
        if self.pruned {
            s.push_str("\ngo 1.21\n");
        }
        for (p, v) in self.requires {
            s.push_str(&format!("\nrequire {p} {v}\n"));
        }
        s
    }
}

const fn module(path: &'static str, escaped: &'static str, version: &'static str) -> Module {
    Module {
        path,
        escaped,
        version,
        requires: &[],
        pruned: true,
    }
}

const MODULES: &[Module] = &[
    module("example.com/a", "example.com/a", "v1.0.0"),
    module("example.com/a", "example.com/a", "v1.1.0"),
    Module {
        requires: &[("example.com/c", "v1.0.0")],
        ..module("example.com/b", "example.com/b", "v1.0.0")
    },
    module("example.com/c", "example.com/c", "v1.0.0"),
    module("example.com/c", "example.com/c", "v1.1.0"),
    Module {
        requires: &[("example.com/c", "v1.1.0")],
        pruned: false,
        ..module("example.com/Upper", "example.com/!upper", "v1.0.0")
    },
    module("example.com/trigger", "example.com/trigger", "v1.0.0"),
];

/// Writes the `file://` proxy tree for `mods` under `root`.
fn write_proxy(root: &Path, mods: &[Module]) {
    let mut lists: std::collections::BTreeMap<&str, String> = Default::default();
    for m in mods {
        let dir = root.join(m.escaped).join("@v");
        std::fs::create_dir_all(&dir).expect("mkdir proxy dir");
        let list = lists.entry(m.escaped).or_default();
        list.push_str(m.version);
        list.push('\n');
        let info = format!(
            "{{\"Version\":\"{}\",\"Time\":\"2020-01-01T00:00:00Z\"}}\n",
            m.version
        );
        std::fs::write(dir.join(format!("{}.info", m.version)), info).expect("write .info");
        std::fs::write(dir.join(format!("{}.mod", m.version)), m.go_mod()).expect("write .mod");

        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let prefix = format!("{}@{}/", m.path, m.version);
        let last = m.path.rsplit('/').next().unwrap_or("m");
        let files = [
            ("go.mod".to_string(), m.go_mod()),
            (
                format!("{last}.go"),
                format!(
                    "package {}\n\nconst V = {:?}\n",
                    last.to_lowercase(),
                    m.version
                ),
            ),
        ];
        for (name, body) in files {
            zip.start_file(format!("{prefix}{name}"), opts)
                .expect("zip entry");
            zip.write_all(body.as_bytes()).expect("zip write");
        }
        let bytes = zip.finish().expect("zip finish").into_inner();
        std::fs::write(dir.join(format!("{}.zip", m.version)), bytes).expect("write .zip");
    }
    for (escaped, list) in lists {
        std::fs::write(root.join(escaped).join("@v/list"), list).expect("write list");
    }
}

/// A temporary home (GOPATH, caches) and proxy shared by the runs of one test.
struct Env {
    go: Go,
    tmp: tempfile::TempDir,
}

impl Env {
    fn new(test: &str) -> Option<Env> {
        let go = support::go(test)?;
        let tmp = tempfile::TempDir::new().expect("tempdir");
        write_proxy(&tmp.path().join("proxy"), MODULES);
        Some(Env { go, tmp })
    }

    /// A fresh directory under the temp dir.
    fn dir(&self, name: &str) -> PathBuf {
        let d = self.tmp.path().join(name);
        std::fs::create_dir_all(&d).expect("mkdir");
        d
    }

    /// Runs `go args…` in `dir`; returns stderr. Each run gets its own module cache so
    /// runs do not depend on each other. A `go.work` in `dir` is used (GOWORK is off
    /// otherwise).
    fn go(&self, dir: &Path, args: &[&str]) -> Result<String, String> {
        let work = dir.join("go.work");
        let gowork = if work.is_file() {
            work.display().to_string()
        } else {
            "off".to_string()
        };
        let home = tempfile::TempDir::new_in(self.tmp.path()).expect("home");
        let proxy = self.tmp.path().join("proxy");
        let out = self
            .go
            .command(dir, home.path())
            .args(args)
            .env("GOPROXY", format!("file://{}", proxy.display()))
            .env("GOSUMDB", "off")
            .env("GOFLAGS", "-modcacherw -mod=mod")
            .env("GOWORK", gowork)
            .output()
            .map_err(|e| format!("running go: {e}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.success() {
            Ok(stderr)
        } else {
            Err(format!("go {args:?} failed: {stderr}"))
        }
    }
}

/// The non-blank lines of a go.sum, as Go's fields would rebuild them.
fn line_set(data: &[u8]) -> BTreeSet<String> {
    String::from_utf8_lossy(data)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect()
}

fn key_and_hash(line: &str) -> Result<(ModuleVersion, String), String> {
    match line.split(' ').collect::<Vec<_>>().as_slice() {
        [p, v, h] => Ok((
            ModuleVersion {
                path: p.to_string(),
                version: v.to_string(),
            },
            h.to_string(),
        )),
        _ => Err(format!("go wrote a malformed line {line:?}")),
    }
}

/// Given the go.sum before (`old`) and after (`new`) a `go` run, checks that our code
/// reproduces `new`: the lines `go` added, merged into `old` both plainly and through
/// [`SumState`] (whose warnings must be among `go`'s stderr), written as Go writes.
/// When `go` added nothing, it must not have rewritten the file.
fn check_rewrite(file: &str, old: &[u8], new: &[u8], stderr: &str) -> Result<(), String> {
    let old_sum = GoSum::parse(file, old).map_err(|e| format!("parsing old: {e}"))?;
    let old_lines = line_set(&old_sum.write(&[]));
    let new_sum = GoSum::parse(file, new).map_err(|e| format!("parsing go's: {e}"))?;
    let added: Vec<String> = line_set(&new_sum.write(&[]))
        .into_iter()
        .filter(|l| !old_lines.contains(l))
        .collect();
    if added.is_empty() {
        return if new == old {
            Ok(())
        } else {
            Err(format!(
                "go added nothing but rewrote the file:\n{}",
                String::from_utf8_lossy(new)
            ))
        };
    }

    let mut merged = old_sum.clone();
    let added_sum = GoSum::parse(file, added.join("\n").as_bytes())
        .map_err(|e| format!("parsing added lines: {e}"))?;
    merged.merge(&added_sum);
    let ours = merged.write(&[]);
    if ours != new {
        return Err(format!(
            "merge+write differs\n--- ours\n{}--- go\n{}",
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(new)
        ));
    }

    let mut st = SumState::new(old_sum, vec![]);
    let mut keep = BTreeSet::new();
    for line in &added {
        let (m, h) = key_and_hash(line)?;
        if st.check(&m, &h) != Ok(Checked::Unrecorded) {
            return Err(format!("{line}: expected an unrecorded sum"));
        }
        let warning = st.record(&m, &h).map_err(|e| e.to_string())?;
        if let Some(w) = warning
            && !stderr.contains(&w.to_string())
        {
            return Err(format!("go did not print our warning {w:?}:\n{stderr}"));
        }
        keep.insert(m);
    }
    if !st.needs_write(|m| keep.contains(m)) {
        return Err("needs_write said no".into());
    }
    let tidied = st
        .tidy(old, |m| keep.contains(m))
        .map_err(|e| e.to_string())?;
    if let Some(w) = tidied
        .warnings
        .iter()
        .find(|w| !stderr.contains(&w.to_string()))
    {
        return Err(format!(
            "go did not print our tidy warning {w:?}:\n{stderr}"
        ));
    }
    if tidied.bytes != new {
        return Err(format!(
            "SumState::tidy differs\n--- ours\n{}--- go\n{}",
            String::from_utf8_lossy(&tidied.bytes),
            String::from_utf8_lossy(new)
        ));
    }
    Ok(())
}

/// The go.sum texts in a known_hashes.json value: a string, a list of lines, an object
/// with `lines`, or a list of such objects (each then labelled by its `key`).
fn go_sum_texts(label: &str, v: &Value) -> Vec<(String, String)> {
    match v {
        Value::String(s) => vec![(label.to_string(), s.clone())],
        Value::Array(items) if items.iter().all(Value::is_string) => {
            let lines: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            vec![(label.to_string(), lines.join("\n") + "\n")]
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .flat_map(|(i, item)| {
                let sub = match item.get("key").and_then(Value::as_str) {
                    Some(k) => format!("{label}/{k}"),
                    None => format!("{label}[{i}]"),
                };
                go_sum_texts(&sub, item)
            })
            .collect(),
        Value::Object(o) => o
            .get("lines")
            .map(|l| go_sum_texts(label, l))
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

#[test]
fn known_hashes_go_sums() {
    let Some(v) = support::vectors("known_hashes_go_sums", "known_hashes.json") else {
        return;
    };
    let Some(env) = Env::new("known_hashes_go_sums") else {
        return;
    };
    let mut t = Tally::new("known_hashes.json/go.sum");
    for table in [
        "gosumcheck_test_sum",
        "golang_mod_go_sum",
        "sumdb_test_records",
    ] {
        let Some(value) = v.get(table) else {
            continue;
        };
        for (i, (label, text)) in go_sum_texts(table, value).into_iter().enumerate() {
            t.check(&label, || {
                let parsed = GoSum::parse("go.sum", text.as_bytes()).map_err(|e| e.to_string())?;
                if parsed.is_empty() {
                    return Err("no lines".into());
                }
                let dir = env.dir(&format!("{table}-{i}"));
                std::fs::write(
                    dir.join("go.mod"),
                    "module example.com/main\n\ngo 1.21\n\nrequire example.com/trigger v1.0.0\n",
                )
                .map_err(|e| e.to_string())?;
                std::fs::write(dir.join("go.sum"), &text).map_err(|e| e.to_string())?;
                let stderr = env.go(&dir, &["mod", "download"])?;
                let new = std::fs::read(dir.join("go.sum")).map_err(|e| e.to_string())?;
                if !String::from_utf8_lossy(&new).contains("example.com/trigger v1.0.0/go.mod ") {
                    return Err("go did not add the trigger's go.mod sum".into());
                }
                check_rewrite("go.sum", text.as_bytes(), &new, &stderr)
            });
        }
    }
    t.finish();
}

const MAIN_GO_MOD: &str = "module example.com/main

go 1.21

require (
	example.com/Upper v1.0.0
	example.com/a v1.1.0
	example.com/b v1.0.0
)

require example.com/c v1.1.0 // indirect
";

/// Every sum `go` records for the main module's graph, from a clean run.
fn learn_sums(env: &Env) -> Result<Vec<String>, String> {
    let dir = env.dir("learn");
    std::fs::write(dir.join("go.mod"), MAIN_GO_MOD).map_err(|e| e.to_string())?;
    env.go(&dir, &["mod", "download", "all"])?;
    let sum = std::fs::read(dir.join("go.sum")).map_err(|e| e.to_string())?;
    Ok(line_set(&sum).into_iter().collect())
}

#[test]
fn download_rewrites_go_sum_like_go() {
    let Some(env) = Env::new("download_rewrites_go_sum_like_go") else {
        return;
    };
    let learned = learn_sums(&env).unwrap_or_else(|e| panic!("{e}"));
    let find = |prefix: &str| {
        learned
            .iter()
            .find(|l| l.starts_with(prefix))
            .cloned()
            .unwrap_or_else(|| panic!("go recorded no {prefix:?} line: {learned:?}"))
    };
    let a_mod = find("example.com/a v1.1.0/go.mod ");
    let b_zip = find("example.com/b v1.0.0 h1:");
    // Unsorted, duplicated, tabs and CRLF, lines for modules outside the graph, an
    // empty-go.mod hash (dropped on rewrite), and an unknown hash algorithm for c's
    // go.mod (go warns and adds its h1 beside it).
    let messy = format!(
        "example.com/zzz v1.0.0 h1:zzz=\n\
         {b_zip}\n\
         \n\
         {a_mod}\r\n\
         example.com/c v1.1.0/go.mod h2:legacy\n\
         example.com/empty v1.0.0/go.mod {empty}\n\
         example.com/aaa\tv0.1.0/go.mod   h1:aaa=\n\
         {a_mod}\n\
         {b_zip}",
        empty = gomodfetch::gosum::EMPTY_GO_MOD_HASH,
    );

    let mut t = Tally::new("gosum/go-mod-download");
    let runs: &[&[&str]] = &[
        &["mod", "download"],
        &["mod", "download", "all"],
        &["mod", "download", "example.com/a@v1.1.0"],
        &["mod", "download", "example.com/a@v1.0.0"],
        &[
            "mod",
            "download",
            "example.com/c@v1.1.0",
            "example.com/Upper@v1.0.0",
        ],
    ];
    for (i, args) in runs.iter().enumerate() {
        for (j, start) in [messy.as_str(), ""].into_iter().enumerate() {
            t.check(format!("go {} (go.sum #{j})", args.join(" ")), || {
                let dir = env.dir(&format!("run{i}-{j}"));
                std::fs::write(dir.join("go.mod"), MAIN_GO_MOD).map_err(|e| e.to_string())?;
                if !start.is_empty() {
                    std::fs::write(dir.join("go.sum"), start).map_err(|e| e.to_string())?;
                }
                let stderr = env.go(&dir, args)?;
                let new = std::fs::read(dir.join("go.sum")).unwrap_or_default();
                check_rewrite("go.sum", start.as_bytes(), &new, &stderr)
            });
        }
    }
    t.finish();
}

/// A workspace of two modules (m1 requires a, m2 requires b) with the given go.sum
/// files; runs `go mod download all` in it and returns go.work.sum before and after.
fn run_workspace(env: &Env, name: &str, m1_sum: &str, m2_sum: &str) -> Result<Vec<u8>, String> {
    let w = env.dir(name);
    let write = |p: PathBuf, s: &str| std::fs::write(p, s).map_err(|e| e.to_string());
    write(w.join("go.work"), "go 1.21\n\nuse (\n\t./m1\n\t./m2\n)\n")?;
    for (m, go_mod, sum) in [
        ("m1", "require example.com/a v1.1.0\n", m1_sum),
        (
            "m2",
            "require example.com/b v1.0.0\n\nrequire example.com/c v1.0.0 // indirect\n",
            m2_sum,
        ),
    ] {
        let d = env.dir(&format!("{name}/{m}"));
        write(
            d.join("go.mod"),
            &format!("module example.com/{m}\n\ngo 1.21\n\n{go_mod}"),
        )?;
        write(d.join("go.sum"), sum)?;
    }
    write(w.join("go.work.sum"), WORK_SUM)?;
    env.go(&w, &["mod", "download", "all"])?;
    for (m, want) in [("m1", m1_sum), ("m2", m2_sum)] {
        let got = std::fs::read_to_string(w.join(m).join("go.sum")).map_err(|e| e.to_string())?;
        if got != want {
            return Err(format!("go changed {m}/go.sum"));
        }
    }
    std::fs::read(w.join("go.work.sum")).map_err(|e| e.to_string())
}

const WORK_SUM: &str = "example.com/zzz v1.0.0 h1:zzz=\n";

#[test]
fn workspace_go_work_sum_like_go() {
    let Some(env) = Env::new("workspace_go_work_sum_like_go") else {
        return;
    };
    let mut t = Tally::new("gosum/go-work-sum");
    t.check("go mod download all in a workspace", || {
        // First with empty module go.sum files: go.work.sum then gets every sum go
        // checked.
        let learned: Vec<String> = line_set(&run_workspace(&env, "work0", "", "")?)
            .into_iter()
            .filter(|l| !l.starts_with("example.com/zzz "))
            .collect();
        // Now m1's go.sum holds everything about a, m2's only b's go.mod sum.
        let pick = |prefix: &str| {
            let lines: Vec<&str> = learned
                .iter()
                .filter(|l| l.starts_with(prefix))
                .map(String::as_str)
                .collect();
            lines.join("\n") + "\n"
        };
        let m1_sum = pick("example.com/a v1.1.0");
        let m2_sum = pick("example.com/b v1.0.0/go.mod");
        if m1_sum.len() < 2 || m2_sum.len() < 2 {
            return Err(format!("go recorded too little: {learned:?}"));
        }
        let new = run_workspace(&env, "work1", &m1_sum, &m2_sum)?;

        // Replay: go checked the same sums; those the modules' go.sum files hold are
        // recorded there and never reach go.work.sum.
        let ws = vec![
            GoSum::parse("m1/go.sum", m1_sum.as_bytes()).map_err(|e| e.to_string())?,
            GoSum::parse("m2/go.sum", m2_sum.as_bytes()).map_err(|e| e.to_string())?,
        ];
        let main = GoSum::parse("go.work.sum", WORK_SUM.as_bytes()).map_err(|e| e.to_string())?;
        let mut st = SumState::new(main, ws);
        let mut keep = BTreeSet::new();
        for line in &learned {
            let (m, h) = key_and_hash(line)?;
            match st.check(&m, &h).map_err(|e| e.to_string())? {
                Checked::Recorded => {}
                Checked::Unrecorded => {
                    st.record(&m, &h).map_err(|e| e.to_string())?;
                }
            }
            keep.insert(m);
        }
        let tidied = st
            .tidy(WORK_SUM.as_bytes(), |m| keep.contains(m))
            .map_err(|e| e.to_string())?;
        if tidied.bytes != new {
            return Err(format!(
                "go.work.sum differs\n--- ours\n{}--- go\n{}",
                String::from_utf8_lossy(&tidied.bytes),
                String::from_utf8_lossy(&new)
            ));
        }
        if String::from_utf8_lossy(&new).contains("example.com/a ") {
            return Err("go.work.sum holds a key of m1/go.sum".into());
        }
        Ok(())
    });
    t.finish();
}
