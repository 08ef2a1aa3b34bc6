//! Opt-in live acceptance test of direct mode (`GOMODFETCH_LIVE=1`): real modules,
//! rebuilt as git repositories, must hash (h1) in direct mode exactly as the module
//! proxy's zips do.
//!
//! 1. The real `go` downloads [`MODULES`] through the machine's own GOPROXY and GOSUMDB
//!    (as its `go env` reports them; the only network use). The cache it fills is kept
//!    between runs under `$GOMODFETCH_LIVE_VCS_CACHE`, else `<temp dir>/gomodfetch-live-vcs`.
//!    Its `-json` records give each module's `Sum` (the h1 of the proxy's zip) and the
//!    extracted files.
//! 2. Each module's files become one commit of a local repository standing for its
//!    GitHub repository (the first three path elements): under the module's
//!    subdirectory when its path (without a `/vN` suffix) goes below the repository
//!    root, at the root otherwise (the major-branch layout for `/vN` paths), tagged
//!    `[<subdir>/]vX.Y.Z` (no `+incompatible`; every other tag annotated). A
//!    subdirectory module's `LICENSE` moves to the repository root, so the tools must
//!    copy it back (Go's rule for subdirectory modules without one). Blobs are the
//!    files' exact bytes (the work repository's `info/attributes` turns off every
//!    conversion while committing); the module's own `.gitattributes` then apply when
//!    the tools export the tree, as they did for the proxy's zip. Modules of one
//!    repository are successive commits.
//! 3. `gomodfetch download -json` and `go mod download -json`, each in a fresh sandbox
//!    with `GOPROXY=direct`, `GOSUMDB=off`, fetch all modules from those repositories:
//!    Go's static host table needs no network, and one `url.<file>.insteadOf` rule per
//!    repository in the sandbox's git config sends `https://github.com/<owner>/<repo>`
//!    to the local bare clone (git, libgit2 and so both tools honour it).
//! 4. A second pass adds [`CRLF`] at the end of each repository's root
//!    `.gitattributes`: the export then converts real text files to CRLF, leaving alone
//!    what git's auto rules call binary or already has CRs, and expands `$Id$`. go's
//!    direct h1 is not the proxy's there; ours must still be go's.
//!
//! Per module: ours must equal go's direct h1, and the proxy's h1 whenever go's does.
//! A module where go's direct h1 differs from the proxy's means the rebuild lost
//! something (or the proxy's zip was made by an older go); it is reported, not held
//! against us. At least 50 modules must give ours == proxy.

use crate::download_diff::{GOMODFETCH, same_snapshots};
use crate::sumdb_live::live_go;
use crate::support::{self, Tally};
use crate::vcs_git::git;
use gomodfetch::testkit::gocmd::{DownloadRecord, Go, Run, Sandbox, copy_tree};
use gomodfetch::testkit::tree::{Snapshot, SnapshotOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const TEST: &str = "vcs_direct_live";

/// How many modules must hash alike in direct mode and at the proxy.
const REQUIRED: usize = 50;

/// Tagged releases only (a pseudo-version names a commit time and hash a rebuilt
/// repository cannot have), all on github.com: small and large modules, major-version
/// suffixes, modules in subdirectories of their repository (some sharing one),
/// `+incompatible` versions, modules without go.mod, `.gitattributes` (`text=auto`,
/// `-text`, `eol=lf`), CRLF files, a kept `vendor/modules.txt`.
const MODULES: &[&str] = &[
    "github.com/Azure/azure-sdk-for-go/sdk/azcore@v1.9.1",
    "github.com/Azure/go-autorest/autorest/adal@v0.9.23",
    "github.com/Azure/go-autorest/autorest@v0.11.29",
    "github.com/Azure/go-autorest/logger@v0.2.1",
    "github.com/Azure/go-autorest@v14.2.0+incompatible",
    "github.com/BurntSushi/toml@v1.3.2",
    "github.com/Masterminds/semver/v3@v3.2.1",
    "github.com/andybalholm/brotli@v1.1.0",
    "github.com/aws/aws-sdk-go-v2/config@v1.26.1",
    "github.com/aws/aws-sdk-go-v2/service/s3@v1.48.0",
    "github.com/aws/aws-sdk-go-v2/service/sts@v1.26.5",
    "github.com/aws/aws-sdk-go-v2@v1.24.0",
    "github.com/aws/smithy-go@v1.19.0",
    "github.com/cespare/xxhash/v2@v2.2.0",
    "github.com/containerd/containerd@v1.7.13",
    "github.com/davecgh/go-spew@v1.1.1",
    "github.com/dgrijalva/jwt-go@v3.2.0+incompatible",
    "github.com/docker/cli@v24.0.7+incompatible",
    "github.com/emicklei/go-restful/v3@v3.11.0",
    "github.com/evanphx/json-patch@v4.12.0+incompatible",
    "github.com/fatih/color@v1.16.0",
    "github.com/gin-gonic/gin@v1.9.1",
    "github.com/go-chi/chi/v5@v5.0.12",
    "github.com/go-redis/redis/v8@v8.11.5",
    "github.com/gobwas/glob@v0.2.3",
    "github.com/gofrs/uuid@v4.4.0+incompatible",
    "github.com/gogo/protobuf@v1.3.2",
    "github.com/golang-jwt/jwt/v5@v5.2.1",
    "github.com/golang-jwt/jwt@v3.2.2+incompatible",
    "github.com/golang/dep@v0.5.4",
    "github.com/golang/mock@v1.6.0",
    "github.com/golang/protobuf@v1.5.3",
    "github.com/google/go-cmp@v0.6.0",
    "github.com/google/go-github/v60@v60.0.0",
    "github.com/google/uuid@v1.6.0",
    "github.com/gorilla/mux@v1.8.1",
    "github.com/grpc-ecosystem/grpc-gateway/v2@v2.19.0",
    "github.com/hashicorp/consul/api@v1.26.1",
    "github.com/hashicorp/consul/sdk@v0.15.0",
    "github.com/hashicorp/hcl@v1.0.0",
    "github.com/hashicorp/vault/api@v1.10.0",
    "github.com/jackc/pgx/v5@v5.5.5",
    "github.com/json-iterator/go@v1.1.12",
    "github.com/klauspost/compress@v1.17.7",
    "github.com/labstack/echo/v4@v4.11.4",
    "github.com/lib/pq@v1.10.9",
    "github.com/mattn/go-isatty@v0.0.20",
    "github.com/mattn/go-sqlite3@v1.14.22",
    "github.com/pelletier/go-toml/v2@v2.1.1",
    "github.com/pkg/errors@v0.9.1",
    "github.com/pmezard/go-difflib@v1.0.0",
    "github.com/prometheus/client_golang@v1.18.0",
    "github.com/prometheus/procfs@v0.12.0",
    "github.com/rivo/uniseg@v0.4.7",
    "github.com/rogpeppe/go-internal@v1.12.0",
    "github.com/satori/go.uuid@v1.2.0",
    "github.com/sirupsen/logrus@v1.9.3",
    "github.com/spf13/cobra@v1.8.0",
    "github.com/spf13/pflag@v1.0.5",
    "github.com/spf13/viper@v1.18.2",
    "github.com/stretchr/testify@v1.9.0",
    "github.com/tidwall/gjson@v1.17.1",
    "github.com/ugorji/go/codec@v1.2.12",
    "github.com/ulikunitz/xz@v0.5.11",
    "github.com/urfave/cli/v2@v2.27.1",
    "github.com/vmihailenco/msgpack/v5@v5.4.1",
    "github.com/yuin/goldmark@v1.7.0",
];

/// Where a module goes in its rebuilt repository.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Layout {
    /// `owner/name` of the GitHub repository.
    repo: String,
    /// The module's directory in it (`""`: the root).
    subdir: String,
    /// The tag naming the version.
    tag: String,
}

/// The layout of `path@version`: the repository is the first three path elements;
/// a `/vN` suffix is dropped (major-branch layout) and what remains below the
/// repository root is the subdirectory, which prefixes the tag.
fn layout(path: &str, version: &str) -> Result<Layout, String> {
    let prefix = match gomodfetch::module::split_path_version(path) {
        Some((prefix, _)) => prefix,
        None => return Err(format!("{path}: not a valid module path")),
    };
    let elems: Vec<&str> = prefix.split('/').collect();
    if elems.len() < 3 || elems[0] != "github.com" {
        return Err(format!("{path}: not a github.com/<owner>/<repo> module"));
    }
    let subdir = elems[3..].join("/");
    let v = version.strip_suffix("+incompatible").unwrap_or(version);
    let tag = if subdir.is_empty() {
        v.to_string()
    } else {
        format!("{subdir}/{v}")
    };
    Ok(Layout {
        repo: format!("{}/{}", elems[1], elems[2]),
        subdir,
        tag,
    })
}

/// A module as the proxy serves it.
struct Proxied {
    query: String,
    sum: String,
    dir: PathBuf,
    layout: Layout,
}

/// The records of a `-json` download run, by `path@version`.
fn records(run: &Run) -> Result<BTreeMap<String, DownloadRecord>, String> {
    let recs = run
        .download_records()
        .map_err(|e| format!("unreadable -json output ({e}) from {run}"))?;
    let mut out = BTreeMap::new();
    for r in recs {
        let key = format!(
            "{}@{}",
            r.path.as_deref().unwrap_or("?"),
            r.version.as_deref().unwrap_or("?")
        );
        out.insert(key, r);
    }
    Ok(out)
}

/// `go mod download -json` (or ours) of `queries` in `sb`.
fn download(go: &Go, sb: &Sandbox, ours: bool, queries: &[String]) -> Run {
    let mut args = vec!["mod", "download", "-json"];
    args.extend(queries.iter().map(String::as_str));
    let run = if ours {
        sb.run(GOMODFETCH, sb.work_dir(), &args[1..])
    } else {
        go.run(sb, sb.work_dir(), &args)
    };
    run.unwrap_or_else(|e| panic!("{TEST}: running {}: {e}", args.join(" ")))
}

/// Step 1: the modules through the machine's proxy, in the kept cache.
fn through_proxy(go: &Go, env: &(String, String)) -> Vec<Proxied> {
    let root = std::env::var_os("GOMODFETCH_LIVE_VCS_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("gomodfetch-live-vcs"));
    let mut sb =
        Sandbox::at(&root).unwrap_or_else(|e| panic!("{TEST}: sandbox at {}: {e}", root.display()));
    sb.modcacherw(true)
        .goproxy(&env.0)
        .gosumdb(&env.1)
        .gonosumdb("")
        .goprivate("");
    let queries: Vec<String> = MODULES.iter().map(|m| m.to_string()).collect();
    let run = download(go, &sb, false, &queries);
    assert!(run.success(), "{TEST}: go through the proxy failed: {run}");
    let recs = records(&run).unwrap_or_else(|e| panic!("{TEST}: {e}"));
    let mut out = Vec::new();
    for q in &queries {
        let r = recs
            .get(q)
            .unwrap_or_else(|| panic!("{TEST}: no -json record for {q} in {run}"));
        let (Some(sum), Some(dir)) = (&r.sum, &r.dir) else {
            panic!("{TEST}: {q} has no Sum or Dir through the proxy: {r:?}");
        };
        let (path, version) = q.split_once('@').unwrap_or((q, ""));
        let layout = layout(path, version).unwrap_or_else(|e| panic!("{TEST}: {e}"));
        out.push(Proxied {
            query: q.clone(),
            sum: sum.clone(),
            dir: PathBuf::from(dir),
            layout,
        });
    }
    out
}

/// Step 2: one bare repository `<repos>/<owner>/<name>.git` per GitHub repository,
/// one commit and tag per module, the blobs being the files' bytes. `crlf`: the root
/// `.gitattributes` (created if missing) ends with [`CRLF`]. Also returns how many
/// licenses were moved.
fn rebuild(repos: &Path, mods: &[&Proxied], crlf: bool) -> (BTreeMap<String, PathBuf>, usize) {
    let mut by_repo: BTreeMap<&str, Vec<&Proxied>> = BTreeMap::new();
    for &m in mods {
        by_repo.entry(&m.layout.repo).or_default().push(m);
    }
    let mut bare = BTreeMap::new();
    let (mut annotate, mut moved) = (false, 0);
    for (repo, ms) in by_repo {
        let w = repos.join(format!("{repo}-src"));
        std::fs::create_dir_all(&w).unwrap_or_else(|e| panic!("{}: {e}", w.display()));
        git(&w, &["init", "-q", "-b", "main"], 0);
        // Exact bytes in, whatever the module's .gitattributes say.
        let attrs = "* -text -crlf -ident -filter -working-tree-encoding\n";
        std::fs::write(w.join(".git/info/attributes"), attrs)
            .unwrap_or_else(|e| panic!("{}: info/attributes: {e}", w.display()));
        let mut t = 1_600_000_000;
        for m in ms {
            clear_work_tree(&w);
            let to = w.join(&m.layout.subdir);
            copy_tree(&m.dir, &to).unwrap_or_else(|e| panic!("{TEST}: {}: {e}", m.query));
            if !m.layout.subdir.is_empty() && to.join("LICENSE").is_file() {
                std::fs::rename(to.join("LICENSE"), w.join("LICENSE"))
                    .unwrap_or_else(|e| panic!("{TEST}: {}: moving LICENSE: {e}", m.query));
                moved += 1;
            }
            if crlf {
                append_crlf_rule(&w.join(".gitattributes"));
            }
            git(&w, &["add", "-A", "-f", "."], t);
            git(&w, &["commit", "-q", "--allow-empty", "-m", &m.query], t);
            if annotate {
                git(&w, &["tag", "-a", "-m", "release", &m.layout.tag], t);
            } else {
                git(&w, &["tag", &m.layout.tag], t);
            }
            annotate = !annotate;
            t += 86_400;
        }
        let dest = repos.join(format!("{repo}.git"));
        let (src, dst) = (w.to_string_lossy(), dest.to_string_lossy());
        git(repos, &["clone", "-q", "--bare", &src, &dst], t);
        bare.insert(repo.to_string(), dest);
    }
    (bare, moved)
}

/// The attribute line of the converting pass: text files get CRLF line endings on
/// export, unless git's auto rules (binary content, CRs already there) say otherwise;
/// `$Id$` expands (git leaves foreign `$Id: … $` alone); export-ignore and
/// export-subst must have no effect (go turns them off).
const CRLF: &str = "* text=auto eol=crlf ident export-ignore export-subst\n";

/// Adds [`CRLF`] at the end of the attributes file `f` (the last match wins).
fn append_crlf_rule(f: &Path) {
    let mut text = std::fs::read(f).unwrap_or_default();
    if !text.is_empty() && !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    text.extend_from_slice(CRLF.as_bytes());
    std::fs::write(f, text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
}

/// Removes everything in the work tree `w` but `.git`.
fn clear_work_tree(w: &Path) {
    let entries = std::fs::read_dir(w).unwrap_or_else(|e| panic!("{}: {e}", w.display()));
    for e in entries.flatten() {
        if e.file_name() == ".git" {
            continue;
        }
        let p = e.path();
        let res = if p.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
        res.unwrap_or_else(|e| panic!("removing {}: {e}", p.display()));
    }
}

/// Step 3's sandbox: direct mode, no checksum database, every repository mapped.
fn direct_sandbox(bare: &BTreeMap<String, PathBuf>) -> Sandbox {
    let mut sb = support::sandbox();
    sb.goproxy("direct")
        .gosumdb("off")
        .set("GIT_CONFIG_NOSYSTEM", "1");
    let mut cfg = String::new();
    for (repo, path) in bare {
        cfg.push_str(&format!(
            "[url \"file://{}\"]\n\tinsteadOf = https://github.com/{repo}\n",
            path.display()
        ));
    }
    std::fs::write(sb.home().join(".gitconfig"), cfg)
        .unwrap_or_else(|e| panic!("{TEST}: writing .gitconfig: {e}"));
    sb
}

/// What a direct run gave for one module: its h1, or why not.
fn outcome(recs: &BTreeMap<String, DownloadRecord>, q: &str) -> Result<(String, PathBuf), String> {
    let r = recs.get(q).ok_or("no -json record")?;
    if let Some(e) = &r.error {
        return Err(format!("error: {e}"));
    }
    match (&r.sum, &r.dir) {
        (Some(s), Some(d)) => Ok((s.clone(), PathBuf::from(d))),
        _ => Err("no Sum or Dir".to_string()),
    }
}

/// How two extracted trees differ (file names and contents).
fn tree_diff(want: &Path, got: &Path) -> String {
    let opts = SnapshotOptions::default();
    match (Snapshot::take(want, &opts), Snapshot::take(got, &opts)) {
        (Ok(a), Ok(b)) => match same_snapshots(&a, &b, ("go", "ours")) {
            Ok(()) => "the extracted trees are identical".to_string(),
            Err(d) => d,
        },
        (a, b) => format!("cannot snapshot the trees: {:?} {:?}", a.err(), b.err()),
    }
}

/// Direct-mode downloads of `mods`, rebuilt (with the [`CRLF`] rule if `crlf`), by go
/// and by us, against the proxy's h1: the tally (not yet finished) and how many
/// modules gave ours == proxy.
fn compare(go: &Go, mods: &[&Proxied], crlf: bool) -> (Tally, usize) {
    let repos = tempfile::tempdir().unwrap_or_else(|e| panic!("{TEST}: tempdir: {e}"));
    let (bare, moved) = rebuild(repos.path(), mods, crlf);
    let queries: Vec<String> = mods.iter().map(|m| m.query.clone()).collect();
    let (gsb, osb) = (direct_sandbox(&bare), direct_sandbox(&bare));
    let start = std::time::Instant::now();
    let g = download(go, &gsb, false, &queries);
    let go_time = start.elapsed();
    let start = std::time::Instant::now();
    let o = download(go, &osb, true, &queries);
    let our_time = start.elapsed();
    // Information only (one run, a noisy machine): never asserted.
    eprintln!(
        "{TEST}: wall time of the direct downloads (cold caches, one run): go {:.2} s, \
         gomodfetch {:.2} s ({:.1}x)",
        go_time.as_secs_f64(),
        our_time.as_secs_f64(),
        go_time.as_secs_f64() / our_time.as_secs_f64().max(1e-9)
    );
    let (grecs, orecs) = match (records(&g), records(&o)) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => panic!("{TEST}: {:?} {:?}", a.err(), b.err()),
    };
    let label = if crlf {
        "vcs_direct_live/h1 with converting attributes"
    } else {
        "vcs_direct_live/h1"
    };
    let mut t = Tally::new(label);
    let (mut ours_proxy, mut go_proxy, mut ours_go) = (0, 0, 0);
    let mut lossy = Vec::new();
    for m in mods {
        let (gd, od) = (outcome(&grecs, &m.query), outcome(&orecs, &m.query));
        let go_ok = gd.as_ref().is_ok_and(|(s, _)| *s == m.sum);
        let ours_ok = od.as_ref().is_ok_and(|(s, _)| *s == m.sum);
        let same = match (&gd, &od) {
            (Ok((a, _)), Ok((b, _))) => a == b,
            _ => false,
        };
        ours_proxy += usize::from(ours_ok);
        go_proxy += usize::from(go_ok);
        ours_go += usize::from(same);
        if !go_ok {
            lossy.push(format!("{}: proxy {}, go direct {:?}", m.query, m.sum, gd));
        }
        t.check(&m.query, || {
            if same && (ours_ok || !go_ok) {
                return Ok(());
            }
            let detail = match (&gd, &od) {
                (Ok((_, gdir)), Ok((_, odir))) => tree_diff(gdir, odir),
                _ => String::new(),
            };
            Err(format!(
                "proxy {}, go direct {:?}, ours {:?}; {detail}",
                m.sum, gd, od
            ))
        });
    }
    support::note(
        &format!("{label} summary"),
        &format!(
            "{} modules in {} repositories ({moved} with the LICENSE at the repository \
             root): ours == proxy {ours_proxy}, go direct == proxy {go_proxy}, \
             ours == go direct {ours_go}",
            mods.len(),
            bare.len()
        ),
    );
    // Expected in the converting pass: the summary's counts say enough there.
    for l in lossy.iter().filter(|_| !crlf) {
        eprintln!("{label}: rebuild not faithful (go's direct h1 is not the proxy's): {l}");
    }
    (t, ours_proxy)
}

#[test]
fn live_real_modules_rebuilt_as_git_repos() {
    let Some((go, env)) = live_go(TEST) else {
        return;
    };
    let mods = through_proxy(&go, &env);
    let all: Vec<&Proxied> = mods.iter().collect();
    let (faithful, ours_proxy) = compare(&go, &all, false);
    let (converted, _) = compare(&go, &all, true);
    faithful.finish();
    converted.finish();
    assert!(
        ours_proxy >= REQUIRED,
        "{TEST}: only {ours_proxy} modules hash alike in direct mode and at the proxy \
         (need {REQUIRED})"
    );
}

#[test]
fn layouts() {
    let l = |p: &str, v: &str| layout(p, v).map(|l| (l.repo, l.subdir, l.tag));
    let s = |a: &str, b: &str, c: &str| Ok((a.to_string(), b.to_string(), c.to_string()));
    assert_eq!(l("github.com/o/r", "v1.0.0"), s("o/r", "", "v1.0.0"));
    assert_eq!(l("github.com/o/r/v2", "v2.1.0"), s("o/r", "", "v2.1.0"));
    assert_eq!(
        l("github.com/o/r", "v3.2.0+incompatible"),
        s("o/r", "", "v3.2.0")
    );
    assert_eq!(
        l("github.com/o/r/a/b", "v0.1.0"),
        s("o/r", "a/b", "a/b/v0.1.0")
    );
    assert_eq!(
        l("github.com/o/r/sub/v3", "v3.0.1"),
        s("o/r", "sub", "sub/v3.0.1")
    );
    assert!(l("example.com/o/r", "v1.0.0").is_err());
    assert!(l("github.com/o", "v1.0.0").is_err());
}
