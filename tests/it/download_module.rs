//! Differential tests of `gomodfetch download path@version…` inside a main module
//! against `go mod download` (see `download_diff` for the comparison rules): the same
//! records, stderr and exit codes, the same cache, go.sum byte for byte afterwards
//! (written, kept as it was, or left alone exactly as go does), go.mod untouched, for
//! required and non-required modules, with and without a go.sum, and with wrong go.sum
//! lines (Go's SECURITY ERROR, then a repairing second run).
//!
//! Documented divergences (asserted as ours): no arguments, bare paths and `all` inside
//! a module need the module graph, which arrives with issue 5; until then they are a
//! fatal "not supported yet" error.

use std::path::Path;

use gomodfetch::testkit::gocmd::{Go, Sandbox};
use gomodfetch::testkit::tree::{Attr, Change, Kind, SnapshotOptions};

use crate::download_cli::strs;
use crate::download_diff::{
    argv, fixture_proxy, line_diff, run_go, run_ours, same_all, same_output, sandbox_for,
};
use crate::support::{self, Tally};

const TEST: &str = "download_module";

/// One in-module case: go.mod, optional go.sum, arguments.
struct InModule {
    name: &'static str,
    gosum: Option<&'static str>,
    args: &'static [&'static str],
    /// The module whose go.sum line is wrong (a fatal SECURITY ERROR), and whether it
    /// is its go.mod line.
    rejected: Option<(&'static str, bool)>,
}

const MAIN_GO_MOD: &str = "module example.com/main

go 1.21

require (
\trsc.io/quote v1.5.2
\trsc.io/sampler v1.3.0
\trsc.io/breaker v2.0.0+incompatible // indirect
)

replace rsc.io/breaker v2.0.0+incompatible => rsc.io/breaker v1.0.0
";

/// go.sum lines as go writes them for the required modules, plus an unrelated line
/// and a `/go.mod`-only line, out of order (go keeps a file it does not need to
/// change byte for byte).
const GOOD_SUM: &str =
    "rsc.io/sampler v1.3.0/go.mod h1:T1hPZKmBbMNahiBKFy5HrXp6adAjACjK9JXDnKaTXpA=
example.com/unrelated v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
rsc.io/quote v1.5.2/go.mod h1:LzX7hefJvL54yjefDEDHNONDjII0t9xZLPXsUe+TKr0=
";

/// A go.sum whose zip hash for rsc.io/sampler v1.3.0 is wrong.
const BAD_SUM: &str = "rsc.io/sampler v1.3.0 h1:7uVkIFmeBqHfdjD+gZwtXXI+RODJ2Wc4O7MPEh/QiW4=
rsc.io/sampler v1.3.0/go.mod h1:T1hPZKmBbMNahiBKFy5HrXp6adAjACjK9JXDnKaTXpA=
";

/// A go.sum whose go.mod hash for rsc.io/quote v1.5.2 is wrong.
const BAD_MOD_SUM: &str =
    "rsc.io/quote v1.5.2/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
";

/// Inside a main module: records, stderr and exit codes, the cache, go.sum byte for
/// byte afterwards, and go.mod untouched.
#[test]
fn inside_a_main_module() {
    let (Some((dir, _)), Some(go)) = (support::served_fixtures(TEST), support::go(TEST)) else {
        return;
    };
    let proxy = fixture_proxy(&dir, false);
    let required = &["rsc.io/quote@v1.5.2", "rsc.io/sampler@v1.3.0"][..];
    let mixed = &[
        "rsc.io/quote@v1.5.2",
        "rsc.io/quote@v1.5.1",
        "rsc.io/breaker@v2.0.0",
        "rsc.io/breaker@v1.0.0",
        "rsc.io/testonly@v1.0.0",
        "rsc.io/badzip@v1.0.0",
        "example.com/nonexistent@v1.0.0",
    ][..];
    let cases = [
        InModule {
            name: "required, no go.sum",
            gosum: None,
            args: required,
            rejected: None,
        },
        InModule {
            name: "required, go.sum",
            gosum: Some(GOOD_SUM),
            args: required,
            rejected: None,
        },
        InModule {
            name: "mixed, no go.sum",
            gosum: None,
            args: mixed,
            rejected: None,
        },
        InModule {
            name: "mixed, go.sum",
            gosum: Some(GOOD_SUM),
            args: mixed,
            rejected: None,
        },
        InModule {
            name: "not required only",
            gosum: Some(GOOD_SUM),
            args: &["rsc.io/quote@v1.5.1", "rsc.io/fortune@v0.0.1"],
            rejected: None,
        },
        InModule {
            name: "main module itself",
            gosum: Some(GOOD_SUM),
            args: &[
                "example.com/main",
                "example.com/main@upgrade",
                "rsc.io/quote@v1.5.2",
            ],
            rejected: None,
        },
        InModule {
            name: "wrong zip hash",
            gosum: Some(BAD_SUM),
            args: required,
            rejected: Some(("rsc.io/sampler@v1.3.0", false)),
        },
        InModule {
            name: "wrong go.mod hash",
            gosum: Some(BAD_MOD_SUM),
            args: required,
            rejected: Some(("rsc.io/quote@v1.5.2", true)),
        },
        InModule {
            name: "wrong hash, not required",
            gosum: Some(BAD_SUM),
            args: &["rsc.io/quote@v1.5.1"],
            rejected: None,
        },
        InModule {
            name: "empty go.sum",
            gosum: Some(""),
            args: mixed,
            rejected: None,
        },
        InModule {
            name: "no arguments (the main go.mod's requirements)",
            gosum: Some(GOOD_SUM),
            args: &[],
            rejected: None,
        },
        InModule {
            name: "no arguments, no go.sum",
            gosum: None,
            args: &[],
            rejected: None,
        },
        InModule {
            name: "all",
            gosum: Some(GOOD_SUM),
            args: &["all"],
            rejected: None,
        },
        InModule {
            name: "bare paths and patterns",
            gosum: None,
            args: &[
                "rsc.io/quote",
                "rsc.io/...",
                "golang.org/x/...",
                "example.com/nothere/...",
                "rsc.io/fortune",
            ],
            rejected: None,
        },
    ];
    let mut t = Tally::new("download_module/inside a main module");
    for case in &cases {
        let args = strs(case.args);
        for flags in [&["-json"][..], &[]] {
            let (gsb, osb) = (sandbox_for(&proxy), sandbox_for(&proxy));
            let gm = gsb
                .main_module(MAIN_GO_MOD, case.gosum)
                .expect("main module");
            let om = osb
                .main_module(MAIN_GO_MOD, case.gosum)
                .expect("main module");
            let g = run_go(&go, &gsb, &gm, &argv(false, flags, &args));
            let o = run_ours(&osb, &om, &argv(true, flags, &args));
            t.check(format!("{} {flags:?}", case.name), || {
                let mut why = Vec::new();
                let same = match case.rejected {
                    None => same_all(&gsb, &g, &osb, &o),
                    Some((m, gomod)) => same_output(&gsb, &g, &osb, &o)
                        .and_then(|()| rejected_cleanly(&gsb, &osb, m, gomod))
                        .and_then(|()| repaired_alike(&go, (&gsb, &gm), (&osb, &om), flags, &args)),
                };
                if let Err(e) = same {
                    why.push(e);
                }
                for f in ["go.sum", "go.mod"] {
                    let (gf, of) = (read_opt(&gm.join(f)), read_opt(&om.join(f)));
                    if gf != of {
                        why.push(format!(
                            "{f} differs:\n{}",
                            line_diff(&gf.unwrap_or_default(), &of.unwrap_or_default())
                        ));
                    }
                }
                if read_opt(&om.join("go.mod")).as_deref() != Some(MAIN_GO_MOD) {
                    why.push("our go.mod changed".into());
                }
                if why.is_empty() {
                    Ok(())
                } else {
                    Err(why.join("\n"))
                }
            });
        }
    }
    t.finish();
}

/// After a SECURITY ERROR: the rejected module has no zip, `.ziphash` or tree (nor
/// `.mod` when its go.mod was rejected) in either cache.
///
/// The rest of the caches is not compared here: both tools exit at once from
/// whichever task hit the mismatch, leaving in-flight downloads as `*.tmp` files
/// (random names) and `.partial`-marked trees, and the other modules in whatever state
/// scheduling had brought them to. [`repaired_alike`] checks what comes next.
fn rejected_cleanly(gsb: &Sandbox, osb: &Sandbox, m: &str, gomod: bool) -> Result<(), String> {
    let (path, version) = m.split_once('@').ok_or("bad module")?;
    let mut files = vec![
        format!("cache/download/{path}/@v/{version}.zip"),
        format!("cache/download/{path}/@v/{version}.ziphash"),
        m.to_string(),
    ];
    if gomod {
        files.push(format!("cache/download/{path}/@v/{version}.mod"));
    }
    for (who, sb) in [("go", gsb), ("ours", osb)] {
        for f in &files {
            if sb.gomodcache().join(f).exists() {
                return Err(format!("{who} cache has {f}"));
            }
        }
    }
    Ok(())
}

/// After a fatal run: with the go.sum removed, a second run of each tool repairs
/// whatever the first left half done, and the caches agree — except for the orphaned
/// `*.tmp` files of the interrupted downloads, whose names are random and which
/// neither tool ever reads again.
fn repaired_alike(
    go: &Go,
    (gsb, gm): (&Sandbox, &Path),
    (osb, om): (&Sandbox, &Path),
    flags: &[&str],
    args: &[String],
) -> Result<(), String> {
    for dir in [gm, om] {
        std::fs::remove_file(dir.join("go.sum")).map_err(|e| e.to_string())?;
    }
    let g = run_go(go, gsb, gm, &argv(false, flags, args));
    let o = run_ours(osb, om, &argv(true, flags, args));
    same_output(gsb, &g, osb, &o)?;
    let opts = SnapshotOptions::default().ignore("**/*.tmp");
    let gs = gsb.cache_snapshot(&opts).map_err(|e| e.to_string())?;
    let os = osb.cache_snapshot(&opts).map_err(|e| e.to_string())?;
    let mut d = gs.diff(&os);
    // go removes a tree's `.partial` marker before it makes the tree's directories
    // read-only (modfetch `download`), so a go process that exits at the SECURITY
    // ERROR in that instant leaves a complete tree with writable directories, which
    // its repair run then trusts. We make the tree read-only first.
    d.changed.retain(|c| !go_left_dirs_writable(c));
    if d.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "after the repair run: {}",
            d.report("go", "ours", 20)
        ))
    }
}

/// A directory whose only difference is the write bits go had not removed yet.
fn go_left_dirs_writable(c: &Change) -> bool {
    c.left.kind == Kind::Dir && c.attrs == [Attr::Mode] && c.right.mode == c.left.mode & !0o222
}

fn read_opt(p: &Path) -> Option<String> {
    std::fs::read_to_string(p).ok()
}
