//! `gomodfetch list -m` against `go list -m` on the served fixtures: inside a module
//! (the main module alone, `all`, patterns, bare paths, queries, `-e`, `-mod=mod` and
//! the default `-mod=readonly` with and without go.sum) and outside one (queries, the
//! `command-line-arguments` main module, Go's fatal errors). Each case compares exit
//! codes, normalised stdout and stderr, go.mod and go.sum afterwards and the whole
//! module cache.

use crate::download_diff::{fixture_proxy, run_go, run_ours, same_all, sandbox_for};
use crate::support::{self, Tally};

const TEST: &str = "list_m";

const GO_MOD: &str = "module example.com/main

go 1.17

require (
\trsc.io/quote v1.5.2
\trsc.io/sampler v1.2.1 // indirect
)

replace golang.org/x/text => golang.org/x/text v0.3.0
";

/// Flags and arguments after `list -m`, inside the module of [`GO_MOD`].
const INSIDE: &[&[&str]] = &[
    &[],
    &["-json"],
    &["all"],
    &["-json", "all"],
    &["-mod=mod", "all"],
    &["-mod=mod", "-json", "all"],
    &[
        "-mod=mod",
        "rsc.io/...",
        "golang.org/x/...",
        "example.com/none/...",
    ],
    &["-mod=mod", "rsc.io/quote", "rsc.io/fortune"],
    &["-mod=mod", "-e", "-json", "rsc.io/fortune", "all"],
    &[
        "-mod=mod",
        "-json",
        "rsc.io/sampler@upgrade",
        "rsc.io/quote@v1",
        "rsc.io/quote@<v1.5.2",
        "example.com/main@upgrade",
    ],
    &["-mod=mod", "rsc.io/quote@v9.9.9"],
    &["-mod=bogus", "all"],
];

const OUTSIDE: &[&[&str]] = &[
    &[],
    &["-json"],
    &[
        "-json",
        "rsc.io/quote@v1.5.2",
        "rsc.io/sampler@latest",
        "rsc.io/quote@<v1.5",
    ],
    &["rsc.io/quote@v9.9.9"],
    &["rsc.io/quote"],
    &["all"],
];

fn words(w: &[&str]) -> Vec<String> {
    w.iter().map(|s| s.to_string()).collect()
}

/// `list -m <flags>`: the same words for go and for us.
fn argv(flags: &[&str]) -> Vec<String> {
    let mut v = vec!["list".to_string(), "-m".to_string()];
    v.extend(flags.iter().map(|s| s.to_string()));
    v
}

#[test]
fn list_m_matches_go() {
    let (Some((dir, _)), Some(go)) = (support::served_fixtures(TEST), support::go(TEST)) else {
        return;
    };
    let proxy = fixture_proxy(&dir, false);
    let mut t = Tally::new("list_m/go list -m vs gomodfetch list -m");
    for (inside, cases) in [(true, INSIDE), (false, OUTSIDE)] {
        for flags in cases {
            for with_sum in [false, true] {
                if !inside && with_sum {
                    continue;
                }
                let (gsb, osb) = (sandbox_for(&proxy), sandbox_for(&proxy));
                let (gdir, odir) = if inside {
                    let gm = gsb.main_module(GO_MOD, None).expect("main module");
                    let om = osb.main_module(GO_MOD, None).expect("main module");
                    if with_sum {
                        // Each tool fills its own cache, go.mod and go.sum first.
                        let fill = run_go(&go, &gsb, &gm, &words(&["mod", "download", "all"]));
                        assert!(fill.success(), "go mod download all: {fill}");
                        let fill = run_ours(&osb, &om, &words(&["download", "all"]));
                        assert!(fill.success(), "gomodfetch download all: {fill}");
                    }
                    (gm, om)
                } else {
                    let g = gsb.root().join("outside");
                    let o = osb.root().join("outside");
                    std::fs::create_dir_all(&g).expect("dir");
                    std::fs::create_dir_all(&o).expect("dir");
                    (g, o)
                };
                let g = run_go(&go, &gsb, &gdir, &argv(flags));
                let o = run_ours(&osb, &odir, &argv(flags));
                let label = format!(
                    "{} {}{flags:?}",
                    if inside { "inside" } else { "outside" },
                    if with_sum { "(go.sum filled) " } else { "" }
                );
                t.check(label, || {
                    same_all(&gsb, &g, &osb, &o)?;
                    for f in ["go.mod", "go.sum"] {
                        let (a, b) = (
                            std::fs::read(gdir.join(f)).ok(),
                            std::fs::read(odir.join(f)).ok(),
                        );
                        if a != b {
                            return Err(format!("{f} differs afterwards"));
                        }
                    }
                    Ok(())
                });
            }
        }
    }
    t.finish();
}
