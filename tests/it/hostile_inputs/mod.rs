//! Hostile input, end to end (issue 9): one table of cases, each run through the
//! `gomodfetch` binary against the local test proxy and, in its own sandbox, through
//! the real `go mod download`, which is the specification.
//!
//! The cases: module zips crafted to attack the extraction (zip-slip names, absolute
//! paths, backslashes, drive letters, symbolic links, duplicates, case-fold
//! collisions, a file that is also a directory, control characters, invalid UTF-8,
//! entries outside `path@version/`), zips that lie (sizes, CRCs, data descriptors,
//! methods, encryption, trailing bytes, a bomb), size limits (go.mod and LICENSE over
//! 16 MiB, 500 MiB of content), `.info` files naming other versions, command-line
//! module paths and versions that try to leave the cache, malformed main `go.mod`,
//! `go.sum` and `go.work` files, and garbage in GOFLAGS, GOPROXY and GOSUMDB.
//!
//! For every case, gomodfetch must:
//! * end as go does: exit status 1 with an error naming the module (its `-json`
//!   record; without `-json` go's text, which names it only when the error carries
//!   module context: `go: zip: checksum error` does not), and the file and line for
//!   go.mod and go.sum errors where go gives them; or succeed where go succeeds (a
//!   symbolic-link entry is extracted as a regular file by both);
//! * not panic;
//! * leave the bad module's cache entry as go leaves it: nothing at all when the zip
//!   itself is bad ([`Cache::Nothing`]); the `.zip` and `.ziphash` but no extracted
//!   tree when the zip is a well-formed zip that only fails the module rules at
//!   extraction (go stores the zip before it unzips it, `modfetch.downloadZip`, so a
//!   cache it shares must hold the same files; [`Cache::ZipOnly`]);
//! * leave no temp files, no symbolic links and nothing named `PWNED` anywhere in the
//!   sandbox (the payload name of every escape attempt), nor at the absolute path an
//!   entry names.
//!
//! Where the text must be go's byte for byte ([`Text::Same`]) stdout, stderr and the
//! exit status are compared after normalising the sandbox paths; where it differs on
//! purpose the case says why ([`Text::Differs`]) and only the outcome class is
//! compared. The test prints `hostile inputs: N cases, M passed`.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use gomodfetch::module::ModuleVersion;
use gomodfetch::testkit::gocmd::{Go, Run, Sandbox};
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::Universe;

use crate::download_interop::{GOMODFETCH, output_differences, sandbox_for, store_of};
use crate::support;

mod cases;

const TEST: &str = "hostile_inputs";

/// The absolute path the absolute-name entries point at.
pub(super) const ABSOLUTE_TARGET: &str = "/tmp/PWNED-gomodfetch-hostile";

/// What the bad module's cache entry must look like afterwards (for us and for go).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cache {
    /// No `.zip`, `.ziphash`, `.partial` or extracted directory.
    Nothing,
    /// The zip and its hash, no extracted directory (go's order: store, then unzip).
    ZipOnly,
    /// The module downloaded completely (the case is expected to succeed).
    Complete,
}

/// How our output compares with go's.
#[derive(Debug, Clone, Copy)]
enum Text {
    /// Byte for byte, after normalising paths.
    Same,
    /// The same outcome (exit status), a different text, for the reason given.
    Differs(&'static str),
    /// We fail where go succeeds, for the reason given ([`Case::stricter`]).
    Stricter(&'static str),
}

/// A main module to run in.
#[derive(Debug, Clone, Default)]
struct Main {
    gomod: Vec<u8>,
    gosum: Option<Vec<u8>>,
    /// A `go.work` next to go.mod, named by `GOWORK`.
    gowork: Option<Vec<u8>>,
}

#[derive(Debug, Clone)]
struct Case {
    group: &'static str,
    name: String,
    /// The module whose cache entry is checked.
    module: Option<ModuleVersion>,
    /// The arguments after `download` (ours) or `mod download` (go).
    args: Vec<OsString>,
    main: Option<Main>,
    env: Vec<(&'static str, OsString)>,
    goflags: Option<&'static str>,
    cache: Cache,
    /// What our output must contain (besides the module@version).
    needles: Vec<String>,
    /// Whether the error must name the module (a `-json` record for it).
    names_module: bool,
    text: Text,
}

impl Case {
    fn new(group: &'static str, name: impl Into<String>) -> Case {
        Case {
            group,
            name: name.into(),
            module: None,
            args: Vec::new(),
            main: None,
            env: Vec::new(),
            goflags: None,
            cache: Cache::Nothing,
            needles: Vec::new(),
            names_module: true,
            text: Text::Same,
        }
    }

    /// `download -json <path>@<version>` of a module whose entry is checked.
    fn module(mut self, path: &str, version: &str) -> Case {
        self.module = Some(ModuleVersion::new(path, version));
        self.args = vec!["-json".into(), format!("{path}@{version}").into()];
        self
    }

    fn args(mut self, args: &[&[u8]]) -> Case {
        self.args = args
            .iter()
            .map(|a| OsString::from_vec(a.to_vec()))
            .collect();
        self
    }

    fn cache(mut self, c: Cache) -> Case {
        self.cache = c;
        self
    }

    fn needle(mut self, s: impl Into<String>) -> Case {
        self.needles.push(s.into());
        self
    }

    fn env(mut self, k: &'static str, v: impl Into<OsString>) -> Case {
        self.env.push((k, v.into()));
        self
    }

    /// We refuse what go accepts, for the reason given: go must succeed, we must fail
    /// and store nothing.
    fn stricter(mut self, why: &'static str) -> Case {
        self.cache = Cache::Complete;
        self.text = Text::Stricter(why);
        self
    }

    /// The cache entry one side must leave.
    fn want(&self, ours: bool) -> Cache {
        match self.text {
            Text::Stricter(_) if ours => Cache::Nothing,
            _ => self.cache,
        }
    }

    fn differs(mut self, why: &'static str) -> Case {
        self.text = Text::Differs(why);
        self
    }

    fn main(mut self, m: Main) -> Case {
        self.main = Some(m);
        self
    }

    fn label(&self) -> String {
        format!("{}: {}", self.group, self.name)
    }
}

/// The sandbox for one side of a case, and the directory to run in.
fn prepare(proxy: &TestProxy, case: &Case) -> (Sandbox, PathBuf) {
    let mut sb = sandbox_for(proxy, false);
    if let Some(f) = case.goflags {
        sb.goflags(f);
    }
    for (k, v) in &case.env {
        sb.set(k, v);
    }
    let dir = match &case.main {
        None => sb.work_dir(),
        Some(m) => {
            let dir = sb.main_module("", None).expect("a main module directory");
            std::fs::write(dir.join("go.mod"), &m.gomod).expect("writing go.mod");
            if let Some(s) = &m.gosum {
                std::fs::write(dir.join("go.sum"), s).expect("writing go.sum");
            }
            if let Some(w) = &m.gowork {
                std::fs::write(dir.join("go.work"), w).expect("writing go.work");
                sb.set("GOWORK", dir.join("go.work"));
            }
            dir
        }
    };
    (sb, dir)
}

/// What is wrong with a module's cache entry after a run; empty when it is `want`.
fn cache_problems(sb: &Sandbox, m: &ModuleVersion, want: Cache) -> Vec<String> {
    let store = store_of(sb);
    let mut why = Vec::new();
    let Ok(p) = store.paths(m) else {
        return vec![format!("no cache paths for {m}")];
    };
    let complete = store.download_dir(m).is_ok();
    let (zip_want, tree_want) = match want {
        Cache::Nothing => (false, false),
        Cache::ZipOnly => (true, false),
        Cache::Complete => (true, true),
    };
    if complete != tree_want {
        why.push(format!("complete tree: {complete}, want {tree_want}"));
    }
    if !tree_want && p.extracted_dir().exists() {
        why.push(format!("{} exists", p.extracted_dir().display()));
    }
    for (f, want) in [
        (p.zip(), zip_want),
        (p.ziphash(), zip_want),
        (p.partial(), false),
    ] {
        if f.exists() != want {
            why.push(format!(
                "{} exists: {}, want {want}",
                f.display(),
                f.exists()
            ));
        }
    }
    why
}

/// Temp files, symbolic links and `PWNED` names under `root`.
fn debris(root: &Path, temp_files: bool) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                found.push(format!("symlink {}", path.display()));
            } else if name.contains("PWNED") {
                found.push(format!("escaped: {}", path.display()));
            } else if temp_files && (name.ends_with(".tmp") || name.contains(".tmp-")) {
                found.push(format!("temp file {}", path.display()));
            }
            if meta.is_dir() {
                stack.push(path);
            }
        }
    }
    found
}

/// Whether a failed `-json` run names `m`: a record for it with an error. (Without
/// `-json` go prints the bare error, e.g. `go: zip: checksum error`, for failures that
/// carry no module context; the text is compared with go's instead.)
fn names(run: &Run, m: &ModuleVersion) -> bool {
    run.download_records().is_ok_and(|recs| {
        recs.iter().any(|r| {
            r.path.as_deref() == Some(m.path.as_str())
                && r.version.as_deref() == Some(m.version.as_str())
                && r.error.is_some()
        })
    })
}

/// The bad outcomes of one side's run.
fn side_problems(sb: &Sandbox, run: &Run, case: &Case, ours: bool, json: bool) -> Vec<String> {
    let mut why = Vec::new();
    let want = case.want(ours);
    let want_ok = want == Cache::Complete;
    if run.success() != want_ok {
        why.push(format!("exit {:?}, want success {want_ok}", run.code()));
    }
    if let Some(m) = &case.module {
        for p in cache_problems(sb, m, want) {
            why.push(format!("cache: {p}"));
        }
    }
    // Go exits from inside the download on some errors and leaves its zip temp file
    // behind (see download_faults::sum_case); we must not.
    why.extend(debris(sb.root(), ours));
    if Path::new(ABSOLUTE_TARGET).exists() {
        why.push(format!("{ABSOLUTE_TARGET} was written"));
    }
    if ours {
        let all = format!("{}{}", run.stdout_text(), run.stderr_text());
        if all.contains("panicked") || all.contains("RUST_BACKTRACE") {
            why.push("panicked".into());
        }
        if !want_ok
            && case.names_module
            && json
            && let Some(m) = &case.module
            && !names(run, m)
        {
            why.push(format!("no error naming {m}"));
        }
        for n in &case.needles {
            if !all.contains(n.as_str()) {
                why.push(format!("output does not contain {n:?}"));
            }
        }
        if !want_ok && all.trim().is_empty() {
            why.push("no error message".into());
        }
    }
    if why.is_empty() {
        why
    } else {
        why.push(format!("{} run:\n{run}", if ours { "our" } else { "go's" }));
        why
    }
}

/// Runs one case on both sides with `args`.
fn run_sides(go: &Go, proxy: &TestProxy, case: &Case, args: &[OsString]) -> Vec<String> {
    let json = args.iter().any(|a| a == "-json");
    let _ = std::fs::remove_file(ABSOLUTE_TARGET);
    let (osb, odir) = prepare(proxy, case);
    let mut ours_args: Vec<OsString> = vec!["download".into()];
    ours_args.extend(args.iter().cloned());
    let o = osb
        .run(GOMODFETCH, &odir, &ours_args)
        .expect("running gomodfetch");
    let mut why = side_problems(&osb, &o, case, true, json);

    let (gsb, gdir) = prepare(proxy, case);
    let mut go_args: Vec<OsString> = vec!["mod".into(), "download".into()];
    go_args.extend(args.iter().cloned());
    let g = go.run(&gsb, &gdir, &go_args).expect("running go");
    for p in side_problems(&gsb, &g, case, false, json) {
        why.push(format!(
            "go (the specification) disagrees with the case: {p}"
        ));
    }
    match case.text {
        Text::Same => why.extend(output_differences((&gsb, &g), (&osb, &o))),
        Text::Differs(_) => {
            if g.code() != o.code() {
                why.push(format!("exit: go {:?}, ours {:?}", g.code(), o.code()));
            }
        }
        Text::Stricter(_) => {}
    }
    why
}

/// Runs one case on both sides: as given and, for a module's `-json` download, once
/// more without `-json` (the text go prints on stderr).
fn run_case(go: &Go, proxy: &TestProxy, case: &Case) -> Result<(), String> {
    let mut why = run_sides(go, proxy, case, &case.args);
    if case.module.is_some() && case.args.first().is_some_and(|a| a == "-json") {
        for p in run_sides(go, proxy, case, &case.args[1..]) {
            why.push(format!("without -json: {p}"));
        }
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(why.join("\n"))
    }
}

#[test]
fn hostile_inputs() {
    let Some(go) = support::go(TEST) else {
        return;
    };
    let universe = Universe::new();
    let cases = cases::all(&universe);
    let proxy = TestProxy::start(ProxyConfig::new(universe)).expect("starting the proxy");
    let only = std::env::var("HOSTILE_ONLY").ok();
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in &cases {
        let label = case.label();
        if only.as_ref().is_some_and(|o| !label.contains(o.as_str())) {
            continue;
        }
        ran += 1;
        let res =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_case(&go, &proxy, case)))
                .unwrap_or_else(|_| Err("the test panicked".into()));
        if let Err(e) = res {
            failures.push(format!("{label}: {e}"));
        }
    }
    let differing: Vec<String> = cases
        .iter()
        .filter_map(|c| match c.text {
            Text::Differs(why) => Some(format!("{}: {why}", c.label())),
            Text::Stricter(why) => Some(format!("{} (stricter): {why}", c.label())),
            Text::Same => None,
        })
        .collect();
    support::note(
        "hostile_inputs/texts differing from go on purpose",
        &differing.join("\n  "),
    );
    let line = format!(
        "hostile inputs: {ran} cases, {} passed",
        ran - failures.len()
    );
    support::note(TEST, &line);
    println!("{line}");
    assert!(ran >= 40 || only.is_some(), "{ran} cases, want at least 40");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
