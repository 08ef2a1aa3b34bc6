//! Bad inputs for the module graph, hand-written: a malformed go.mod in the main
//! module or in a dependency, a dependency whose go.mod declares another path, a
//! requirement on a module the proxy does not have, a wrong go.sum line, a go line
//! newer than the toolchain, and a requirement cycle (which is valid). Each runs the
//! operations of `graph_diff` on fresh copies, go against gomodfetch (or go itself
//! under `GOMODFETCH_GRAPH_SELFCHECK=1`), compared the same way: exit code, stdout and
//! stderr (normalised), go.mod and go.sum afterwards, downloaded zips and the whole
//! cache. A case marked failing must make go fail (so it tests what it claims), and
//! then go.mod and go.sum must be as they were.

use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::{Package, Universe};

use crate::graph_diff::{Op, Side, Tool, compare, finish_all};
use crate::support::{self, Tally};

const TEST: &str = "graph_bad";

/// The universe every case draws on.
fn universe() -> Universe {
    let u = Universe::new();
    let m = |path: &str, v: &str, body: &str| {
        Package::new(path, v)
            .go_mod(format!("module {path}\n{body}"))
            .file("x.go", "package x\n")
            .publish(&u);
    };
    m(
        "gen.example/a",
        "v1.0.0",
        "\ngo 1.21\n\nrequire gen.example/b v1.0.0\n",
    );
    m(
        "gen.example/a",
        "v1.1.0",
        "\ngo 1.21\n\nrequire gen.example/b v1.1.0\n",
    );
    m("gen.example/b", "v1.0.0", "\ngo 1.16\n");
    m(
        "gen.example/b",
        "v1.1.0",
        "\ngo 1.16\n\nrequire gen.example/a v1.1.0\n",
    );
    m(
        "gen.example/old",
        "v1.0.0",
        "\nrequire gen.example/b v1.0.0\n",
    );
    // A dependency whose go.mod does not parse.
    m(
        "gen.example/broken",
        "v1.0.0",
        "\ngo 1.20\n\nrequire gen.example/b\nrequir gen.example/a v1.0.0\n",
    );
    // Requirements on a module the proxy does not have, one level down.
    m(
        "gen.example/needsghost",
        "v1.0.0",
        "\ngo 1.20\n\nrequire gen.example/ghost v1.0.0\n",
    );
    // A dependency needing a newer go than the toolchain.
    m("gen.example/future", "v1.0.0", "\ngo 1.99\n");
    // A go.mod declaring another path.
    Package::new("gen.example/liar", "v1.0.0")
        .go_mod("module gen.example/truth\n\ngo 1.20\n")
        .publish(&u);
    // Cycle: c v1 → d v1 → c v2 (a /v2 path requiring its v1 too) → c v1.
    m(
        "gen.example/c",
        "v1.0.0",
        "\ngo 1.17\n\nrequire gen.example/d v1.0.0\n",
    );
    m(
        "gen.example/d",
        "v1.0.0",
        "\ngo 1.17\n\nrequire gen.example/c/v2 v2.0.0\n",
    );
    m(
        "gen.example/c/v2",
        "v2.0.0",
        "\ngo 1.17\n\nrequire gen.example/c v1.0.0\n",
    );
    u
}

/// What go must do with a case's `download` runs (so the case tests what it claims).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    GoFails,
    GoSucceeds,
    /// go refuses a dependency needing a newer go (with GOTOOLCHAIN=local); we only
    /// download, so we must not refuse it (issue 5): not compared with go.
    NewerGo,
}

/// One case: the main module's files and what go does.
struct Bad {
    name: &'static str,
    go_mod: &'static str,
    go_sum: Option<&'static str>,
    extra: &'static [(&'static str, &'static str)],
    expect: Expect,
}

const CASES: &[Bad] = &[
    Bad {
        name: "main go.mod: require without a version",
        go_mod: "module gen.example/main\n\ngo 1.21\n\nrequire gen.example/a\n",
        go_sum: None,
        extra: &[],
        expect: Expect::GoFails,
    },
    Bad {
        name: "main go.mod: unknown directive",
        go_mod: "module gen.example/main\n\ngo 1.21\n\nrequir gen.example/a v1.0.0\n",
        go_sum: None,
        extra: &[],
        expect: Expect::GoFails,
    },
    Bad {
        name: "main go.mod: non-canonical version (go resolves it)",
        go_mod: "module gen.example/main\n\ngo 1.21\n\nrequire gen.example/a v1\n",
        go_sum: Some(""),
        extra: &[],
        expect: Expect::GoSucceeds,
    },
    Bad {
        name: "main go.mod: no module line",
        go_mod: "go 1.21\n\nrequire gen.example/a v1.0.0\n",
        go_sum: None,
        extra: &[],
        expect: Expect::GoFails,
    },
    Bad {
        name: "main go.mod: go line newer than the toolchain",
        go_mod: "module gen.example/main\n\ngo 1.99\n\nrequire gen.example/a v1.0.0\n",
        go_sum: None,
        extra: &[],
        expect: Expect::GoFails,
    },
    Bad {
        name: "main go.mod: unbalanced block",
        go_mod: "module gen.example/main\n\ngo 1.21\n\nrequire (\n\tgen.example/a v1.0.0\n",
        go_sum: None,
        extra: &[],
        expect: Expect::GoFails,
    },
    Bad {
        name: "dependency go.mod does not parse",
        go_mod: "module gen.example/main\n\ngo 1.21\n\nrequire gen.example/broken v1.0.0\n",
        go_sum: None,
        extra: &[],
        expect: Expect::GoFails,
    },
    Bad {
        name: "dependency go.mod declares another path",
        go_mod: "module gen.example/main\n\ngo 1.21\n\nrequire gen.example/liar v1.0.0\n",
        go_sum: None,
        extra: &[],
        expect: Expect::GoFails,
    },
    Bad {
        name: "unknown module required by the main module",
        go_mod: "module gen.example/main\n\ngo 1.21\n\nrequire (\n\tgen.example/a v1.0.0\n\tgen.example/ghost v1.0.0\n)\n",
        go_sum: None,
        extra: &[],
        expect: Expect::GoFails,
    },
    Bad {
        name: "unknown module required by a dependency",
        go_mod: "module gen.example/main\n\ngo 1.16\n\nrequire gen.example/needsghost v1.0.0\n",
        go_sum: None,
        extra: &[],
        expect: Expect::GoFails,
    },
    Bad {
        name: "unknown version of a known module",
        go_mod: "module gen.example/main\n\ngo 1.21\n\nrequire gen.example/a v1.9.0\n",
        go_sum: Some(""),
        extra: &[],
        expect: Expect::GoFails,
    },
    Bad {
        name: "go.sum: wrong go.mod hash",
        go_mod: "module gen.example/main\n\ngo 1.21\n\nrequire gen.example/a v1.0.0\n",
        go_sum: Some(
            "gen.example/a v1.0.0/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        ),
        extra: &[],
        expect: Expect::GoFails,
    },
    Bad {
        name: "go.sum: wrong zip hash",
        go_mod: "module gen.example/main\n\ngo 1.21\n\nrequire gen.example/b v1.0.0\n",
        go_sum: Some("gen.example/b v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"),
        extra: &[],
        expect: Expect::GoFails,
    },
    Bad {
        name: "go.sum: malformed line",
        go_mod: "module gen.example/main\n\ngo 1.21\n\nrequire gen.example/b v1.0.0\n",
        go_sum: Some("gen.example/b v1.0.0\n"),
        extra: &[],
        expect: Expect::GoFails,
    },
    Bad {
        name: "directory replacement without go.mod",
        go_mod: "module gen.example/main\n\ngo 1.21\n\nrequire gen.example/a v1.0.0\n\nreplace gen.example/a => ./nothere\n",
        go_sum: None,
        extra: &[],
        expect: Expect::GoFails,
    },
    Bad {
        name: "directory replacement declaring another path (accepted)",
        go_mod: "module gen.example/main\n\ngo 1.21\n\nrequire gen.example/a v1.0.0\n\nreplace gen.example/a => ./local\n",
        go_sum: None,
        extra: &[("local/go.mod", "module gen.example/other\n\ngo 1.21\n")],
        expect: Expect::GoSucceeds,
    },
    Bad {
        name: "dependency needs a newer go (pruned main)",
        go_mod: "module gen.example/main\n\ngo 1.21\n\nrequire gen.example/future v1.0.0\n",
        go_sum: None,
        extra: &[],
        expect: Expect::NewerGo,
    },
    Bad {
        name: "dependency needs a newer go (unpruned main)",
        go_mod: "module gen.example/main\n\ngo 1.16\n\nrequire gen.example/future v1.0.0\n",
        go_sum: None,
        extra: &[],
        expect: Expect::NewerGo,
    },
    Bad {
        name: "requirement cycle across a major version (valid)",
        go_mod: "module gen.example/main\n\ngo 1.21\n\nrequire gen.example/c v1.0.0\n",
        go_sum: None,
        extra: &[],
        expect: Expect::GoSucceeds,
    },
    Bad {
        name: "requirement cycle, unpruned (valid)",
        go_mod: "module gen.example/main\n\ngo 1.16\n\nrequire (\n\tgen.example/b v1.1.0\n\tgen.example/old v1.0.0\n)\n",
        go_sum: None,
        extra: &[],
        expect: Expect::GoSucceeds,
    },
];

const OPS: [Op; 4] = [
    Op::Download,
    Op::DownloadAll,
    Op::ListJsonModAll,
    Op::ListAll,
];

/// Whether `op` downloads (the operations a case's [`Expect`] is about).
fn downloads(op: Op) -> bool {
    matches!(op, Op::Download | Op::DownloadAll)
}

#[test]
fn bad_inputs() {
    let Some(go) = support::go(TEST) else { return };
    let other = Tool::compared_with(&go);
    let gotool = Tool::Go(go.clone());
    let proxy = TestProxy::start(ProxyConfig::new(universe())).expect("starting the proxy");
    let mut tally = Tally::new("graph_bad/bad inputs vs go");
    let mut newer = Tally::new("graph_bad/dependency needing a newer go (not refused)");
    let mut sum_on_failure = Vec::new();
    for case in CASES {
        let mut files = vec![("go.mod".to_string(), case.go_mod.to_string())];
        if let Some(sum) = case.go_sum {
            files.push(("go.sum".to_string(), sum.to_string()));
        }
        files.extend(
            case.extra
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string())),
        );
        for op in OPS {
            let (a, b) = (Side::new(&proxy, &files), Side::new(&proxy, &files));
            let ra = gotool.run(&a.sb, &a.dir, op);
            let rb = other.run(&b.sb, &b.dir, op);
            let label = format!("{} / {}", case.name, op.argv(false).join(" "));
            let go_stderr = a.sb.normalizer().apply_str(&ra.stderr_text());
            if case.expect == Expect::NewerGo && op == Op::ListJsonModAll {
                // Whether `list -m` refuses it is not settled by the issue.
                continue;
            }
            if case.expect == Expect::NewerGo && downloads(op) {
                newer.check(&label, || {
                    if !go_stderr.contains("requires go >= 1.99") || ra.success() {
                        return Err(format!("go no longer refuses it: {go_stderr}"));
                    }
                    match other {
                        Tool::Ours if !rb.success() => Err(format!(
                            "refused (exit {:?}): {}{}",
                            rb.code(),
                            rb.stderr_text(),
                            rb.stdout_text()
                        )),
                        _ => Ok(()),
                    }
                });
                continue;
            }
            if !ra.success() && a.file("go.sum").as_deref() != case.go_sum.map(str::as_bytes) {
                sum_on_failure.push(label.clone());
            }
            tally.check(&label, || {
                let mut why = Vec::new();
                if downloads(op) && ra.success() != (case.expect == Expect::GoSucceeds) {
                    why.push(format!(
                        "the case is wrong: go exit {:?}, expected {:?}:\n{go_stderr}",
                        ra.code(),
                        case.expect
                    ));
                }
                if !ra.success() && a.file("go.mod").as_deref() != Some(case.go_mod.as_bytes()) {
                    why.push("go changed go.mod although it failed".to_string());
                }
                if let Err(e) = compare(&a, &ra, &b, &rb, ("go", other.name())) {
                    why.push(format!("{e}\n  go stderr: {}", go_stderr.trim_end()));
                }
                if why.is_empty() {
                    Ok(())
                } else {
                    Err(why.join("\n"))
                }
            });
        }
    }
    support::note(
        "graph_bad/go.sum written by failing go runs",
        &format!(
            "{} runs: {}",
            sum_on_failure.len(),
            sum_on_failure.join("; ")
        ),
    );
    finish_all([tally, newer]);
}
