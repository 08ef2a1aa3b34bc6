//! Differential test of `module` and `gover` against Go's own code.
//!
//! The test assembles a throw-away Go module from the installed toolchain's sources —
//! the vendored `golang.org/x/mod/{module,semver}`, `internal/gover` and the pure files
//! of `cmd/go/internal/gover` — plus the small driver in `module_go_diff/oracle.go`,
//! builds it, and asks it about a deterministic corpus: the vector inputs, hand-picked
//! edge cases and a few thousand strings generated from tricky fragments. Every answer
//! (including the exact error text) must equal ours. Cases where Go panics are skipped:
//! there we return a value instead, by design.

use crate::support::oracle::{self, Rng};
use crate::support::{self, Tally, cases, str_of};
use gomodfetch::{gover, module, semver};
use std::collections::BTreeMap;

const ORACLE: &str = include_str!("module_go_diff/oracle.go");

/// One question: an op name and its arguments (bytes, since paths may not be UTF-8).
struct Request {
    op: &'static str,
    args: Vec<Vec<u8>>,
}

fn res(r: Result<impl ToString, module::Error>) -> String {
    match r {
        Ok(v) => format!("ok {}", v.to_string()),
        Err(e) => format!("err {e}"),
    }
}

fn ok(v: impl ToString) -> String {
    format!("ok {}", v.to_string())
}

fn sign(o: std::cmp::Ordering) -> i32 {
    o as i32
}

/// Our answer, in the oracle's format.
fn ours(op: &str, raw: &[Vec<u8>]) -> String {
    if op == "check_path" {
        return res(module::check_path_bytes(&raw[0]).map(|_| ""));
    }
    if op == "check_file_path" {
        return res(module::check_file_path_bytes(&raw[0]).map(|_| ""));
    }
    if op == "go_mod_lookup" {
        let key = String::from_utf8_lossy(&raw[1]);
        return ok(gover::go_mod_lookup(&raw[0], &key));
    }
    let a: Vec<&str> = raw
        .iter()
        .map(|b| std::str::from_utf8(b).expect("requests are UTF-8 except for path checks"))
        .collect();
    match op {
        "check_import_path" => res(module::check_import_path(a[0]).map(|_| "")),
        "check" => res(module::check(a[0], a[1]).map(|_| "")),
        "escape_path" => res(module::escape_path(a[0])),
        "escape_version" => res(module::escape_version(a[0])),
        "unescape_path" => res(module::unescape_path(a[0])),
        "unescape_version" => res(module::unescape_version(a[0])),
        "split_path_version" => match module::split_path_version(a[0]) {
            Some((p, m)) => format!("ok {p}|{m}"),
            None => "ok none".into(),
        },
        "check_path_major" => res(module::check_path_major(a[0], a[1]).map(|_| "")),
        "path_major_prefix" => ok(module::path_major_prefix(a[0])),
        "canonical_version" => ok(module::canonical_version(a[0])),
        "match_prefix_patterns" => ok(module::match_prefix_patterns(a[0], a[1])),
        "is_pseudo_version" => ok(module::is_pseudo_version(a[0])),
        "is_zero_pseudo_version" => ok(module::is_zero_pseudo_version(a[0])),
        "zero_pseudo_version" => ok(module::zero_pseudo_version(a[0])),
        "pseudo_version" => {
            let sec: i64 = a[2].parse().expect("seconds");
            let t = jiff::Timestamp::from_second(sec).expect("in range");
            ok(module::pseudo_version(a[0], a[1], t, a[3]))
        }
        "pseudo_version_time" => res(module::pseudo_version_time(a[0]).map(|t| t.as_second())),
        "pseudo_version_rev" => res(module::pseudo_version_rev(a[0])),
        "pseudo_version_base" => res(module::pseudo_version_base(a[0])),
        "semver_compare" => ok(sign(semver::compare(a[0], a[1]))),
        "gover_compare" => ok(sign(gover::compare(a[0], a[1]))),
        "gover_max" => ok(gover::max(a[0], a[1])),
        "gover_lang" => ok(gover::lang(a[0])),
        "gover_is_lang" => ok(gover::is_lang(a[0])),
        "gover_is_valid" => ok(gover::is_valid(a[0])),
        "gover_is_prerelease" => ok(gover::is_prerelease(a[0])),
        "gover_prev" => ok(gover::prev(a[0])),
        "from_toolchain" => ok(gover::from_toolchain(a[0])),
        "mod_compare" => ok(sign(gover::mod_compare(a[0], a[1], a[2]))),
        "mod_is_valid" => ok(gover::mod_is_valid(a[0], a[1])),
        "mod_is_prefix" => ok(gover::mod_is_prefix(a[0], a[1])),
        "mod_is_prerelease" => ok(gover::mod_is_prerelease(a[0], a[1])),
        "mod_major_minor" => ok(gover::mod_major_minor(a[0], a[1])),
        "version_compare" => ok(sign(gover::go_version::compare(a[0], a[1]))),
        "version_lang" => ok(gover::go_version::lang(a[0])),
        "version_is_valid" => ok(gover::go_version::is_valid(a[0])),
        _ => panic!("unknown op {op}"),
    }
}

const PATH_FRAGS: &[&str] = &[
    "a",
    "z",
    "A",
    "Q",
    "0",
    "9",
    ".",
    "..",
    "-",
    "_",
    "~",
    "+",
    "!",
    "v",
    "v2",
    "v1",
    "v0",
    "v02",
    "v2.1",
    "go",
    "con",
    "Aux",
    "com1",
    "LPT9",
    "x~1",
    "~12",
    " ",
    "é",
    "☺",
    "\u{212a}",
    ":",
    "*",
    "?",
    "[",
    "]",
    "\\",
    "@",
    "#",
    "%",
    "$",
    "\t",
    "/",
    "/",
    "/",
    ".v1",
    ".v0",
    "-unstable",
    "gopkg.in",
    "example.com",
    "x.y",
];
const PATH_PREFIXES: &[&str] = &["", "", "gopkg.in/", "example.com/", "x.y/", "Example.com/"];
const VERSION_FRAGS: &[&str] = &[
    "v",
    "v",
    "0",
    "1",
    "2",
    "10",
    "01",
    ".",
    ".",
    "-",
    "-",
    "+",
    "incompatible",
    "pre",
    "rc",
    "0.",
    "20060102150405",
    "00010101000000",
    "20061302150405",
    "20060230235959",
    "abcdef123456",
    "000000000000",
    "-0.",
    "A",
    "!",
    "/",
    "meta",
    "x",
    "é",
    "con",
];
const MAJORS: &[&str] = &[
    "",
    "/v2",
    "/v3",
    ".v0",
    ".v1",
    ".v2",
    ".v1-unstable",
    "/v1",
    "v2",
    "/",
    ".",
    "/v2.1",
    "/vx",
    "x",
];
const GLOB_FRAGS: &[&str] = &[
    "*", "?", "[a-z]", "[^a]", "[", "]", "\\", "rsc.io", "quote", "/", ",", "r", "-", "[\\]]", "é",
    "[é-ë]", "x.y", "*.io", "[]", "[^", "[a-", "\\*",
];
const GOVER_FRAGS: &[&str] = &[
    "1",
    "1",
    ".",
    ".",
    "2",
    "21",
    "20",
    "0",
    "01",
    "rc",
    "beta",
    "alpha",
    "x",
    "go",
    "-",
    "+",
    " ",
    "\t",
    "99999999999999999",
    "100000000000000000",
    "R",
];

fn one(op: &'static str, a: &[u8]) -> Request {
    Request {
        op,
        args: vec![a.to_vec()],
    }
}

fn two(op: &'static str, a: &str, b: &str) -> Request {
    Request {
        op,
        args: vec![a.as_bytes().to_vec(), b.as_bytes().to_vec()],
    }
}

/// Every question of the corpus.
fn corpus(vectors: Option<&serde_json::Value>) -> Vec<Request> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut paths: Vec<Vec<u8>> = [
        "x.y/z",
        "x",
        "",
        "/x.y",
        "-x.y",
        "x.y//z",
        "x.y/",
        "x.y/..",
        "x.y/.z",
        "x.y/z.",
        "X.y/z",
        "x.y/Aux.go",
        "x.y/a~12",
        "x.y/v1",
        "x.y/z/v0",
        "gopkg.in/yaml",
        "gopkg.in/yaml.v2-unstable",
        "gopkg.in/-unstable",
        "gopkg.in/.v1",
        "github.com/!x/y",
        "github.com/GoogleCloudPlatform/omega",
        "github.com/!google!cloud!platform/omega",
        "x.y/é",
        "x.y/\u{212a}",
        ".gitignore",
        "x.y/z!",
        "a.b/c~",
        "a.b/c~d1",
        "a.b/c~1.go",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    paths.extend(
        [
            &b"x.y/\xff"[..],
            b"\xc0\x80",
            b"x.y/\xe2\x98",
            b"a/\xed\xa0\x80",
        ]
        .map(<[u8]>::to_vec),
    );
    if let Some(v) = vectors {
        for c in cases(v, "check_path") {
            paths.push(support::bytes_of(c, "path"));
        }
        for c in cases(v, "unescape_invalid") {
            paths.extend(c.as_str().map(|s| s.as_bytes().to_vec()));
        }
        for c in cases(v, "escape") {
            paths.push(str_of(c, "escaped").as_bytes().to_vec());
        }
    }
    for _ in 0..3000 {
        let p = format!("{}{}", rng.pick(PATH_PREFIXES), rng.join(PATH_FRAGS, 8));
        paths.push(p.into_bytes());
    }

    let mut versions: Vec<String> = [
        "",
        "v1.2.3",
        "v2.0.0+incompatible",
        "v2+incompatible",
        "v0.0.0-20060102150405-abc",
        "v1.2.4-0.20060102150405-abcdef123456+incompatible",
        "v1.2.0-0.20060102150405-abc",
        "v0.0.0-20060102150405-abc+incompatible",
        "master",
        "v1.0.0-RC1",
        "é",
        "con",
        "---",
        "v0.0.0-00010101000000-000000000000",
        "v1.2.3-pre.0.20060102150405-x+meta",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for _ in 0..3000 {
        versions.push(rng.join(VERSION_FRAGS, 9));
    }
    // Pseudo-versions built from generated parts, so that the parsers see real ones.
    for i in 0..300 {
        let older = versions[rng.below(versions.len())].clone();
        let stamp = rng.pick(&[
            "20060102150405",
            "00010101000000",
            "19991231235959",
            "20240229120000",
            "20061302150405",
        ]);
        let rev = rng.pick(&["abcdef123456", "0", "x", "A1"]);
        let build = rng.pick(&["", "", "+incompatible", "+meta"]);
        versions.push(match i % 3 {
            0 => format!("v{}.0.0-{stamp}-{rev}{build}", rng.below(3)),
            1 => format!("v1.2.{}-0.{stamp}-{rev}{build}", rng.below(3)),
            _ => format!("{older}.0.{stamp}-{rev}{build}"),
        });
    }

    let mut reqs = Vec::new();
    for p in &paths {
        reqs.push(one("check_path", p));
        reqs.push(one("check_file_path", p));
        let Ok(s) = std::str::from_utf8(p) else {
            continue;
        };
        for op in [
            "check_import_path",
            "escape_path",
            "unescape_path",
            "split_path_version",
        ] {
            reqs.push(one(op, p));
        }
        let v = versions[rng.below(versions.len())].clone();
        reqs.push(two("check", s, &v));
        for op in ["escape_version", "unescape_version"] {
            reqs.push(one(op, p));
        }
    }
    for v in &versions {
        for op in [
            "escape_version",
            "unescape_version",
            "canonical_version",
            "is_pseudo_version",
            "is_zero_pseudo_version",
            "pseudo_version_time",
            "pseudo_version_rev",
            "pseudo_version_base",
        ] {
            reqs.push(one(op, v.as_bytes()));
        }
        reqs.push(two("check_path_major", v, rng.pick(MAJORS)));
        let w = &versions[rng.below(versions.len())];
        reqs.push(two("semver_compare", v, w));
        reqs.push(two(
            "check",
            rng.pick(&[
                "example.com/m",
                "example.com/m/v2",
                "gopkg.in/yaml.v1",
                "gopkg.in/x.v0",
            ]),
            v,
        ));
    }
    for m in MAJORS {
        reqs.push(one("path_major_prefix", m.as_bytes()));
        reqs.push(one(
            "zero_pseudo_version",
            m.trim_start_matches(['/', '.']).as_bytes(),
        ));
    }
    for _ in 0..600 {
        let older = &versions[rng.below(versions.len())];
        let major = rng.pick(&["", "v0", "v1", "v2", "x"]);
        // Between Go's zero time (year 1) and the end of year 9999.
        let sec = -62_135_596_800 + (rng.next() % 315_537_897_600) as i64;
        let rev = rng.pick(&["abcdef123456", "hash", "0"]);
        reqs.push(Request {
            op: "pseudo_version",
            args: [major, older.as_str(), &sec.to_string(), rev]
                .map(|s| s.as_bytes().to_vec())
                .to_vec(),
        });
    }
    let targets: Vec<&str> = paths
        .iter()
        .filter_map(|p| std::str::from_utf8(p).ok())
        .collect();
    for _ in 0..3000 {
        let globs = rng.join(GLOB_FRAGS, 6);
        let target = rng.pick(&targets);
        reqs.push(two("match_prefix_patterns", &globs, target));
    }
    if let Some(v) = vectors {
        for c in cases(v, "match_prefix_patterns") {
            reqs.push(two(
                "match_prefix_patterns",
                str_of(c, "globs"),
                str_of(c, "target"),
            ));
        }
    }

    let mut govers: Vec<String> = [
        "", "1", "1.21", "1.21rc1", "1.21.0", "1.20", "2", "1.0.1", "go1.21", "go1.21-x",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for _ in 0..2000 {
        govers.push(rng.join(GOVER_FRAGS, 6));
    }
    for x in &govers {
        let y = &govers[rng.below(govers.len())];
        for op in ["gover_compare", "gover_max", "version_compare"] {
            reqs.push(two(op, x, y));
        }
        for op in [
            "gover_lang",
            "gover_is_lang",
            "gover_is_valid",
            "gover_is_prerelease",
            "gover_prev",
            "from_toolchain",
            "version_lang",
            "version_is_valid",
        ] {
            reqs.push(one(op, x.as_bytes()));
        }
        let gx = format!("go{x}");
        for op in ["from_toolchain", "version_lang", "version_is_valid"] {
            reqs.push(one(op, gx.as_bytes()));
        }
        reqs.push(two("version_compare", &gx, &format!("go{y}")));
        let path = rng.pick(&["go", "toolchain", "rsc.io/quote"]);
        let vx = if rng.below(2) == 0 {
            gx.clone()
        } else {
            x.clone()
        };
        let vy = versions[rng.below(versions.len())].clone();
        reqs.push(Request {
            op: "mod_compare",
            args: [path, vx.as_str(), y.as_str()]
                .map(|s| s.as_bytes().to_vec())
                .to_vec(),
        });
        for op in [
            "mod_is_valid",
            "mod_is_prefix",
            "mod_is_prerelease",
            "mod_major_minor",
        ] {
            reqs.push(two(op, path, &vx));
            reqs.push(two(op, path, &vy));
        }
        let line = rng.join(
            &["go", "toolchain", " ", "\t", "\n", "//", x, "\r", "gox"],
            8,
        );
        reqs.push(two("go_mod_lookup", &line, rng.pick(&["go", "toolchain"])));
    }
    reqs
}

/// Builds the oracle from the toolchain's own sources; returns its path.
fn build_oracle(go: &support::Go, sb: &support::Sandbox) -> Result<std::path::PathBuf, String> {
    let src = oracle::goroot(go, sb)?.join("src");
    let m = sb.root().join("m");
    let xmod = src.join("cmd/vendor/golang.org/x/mod");
    for d in ["module", "semver", "internal/lazyregexp"] {
        oracle::copy_package(&xmod.join(d), &m.join(d))?;
    }
    oracle::copy_package(&src.join("internal/gover"), &m.join("internal/gover"))?;
    let cmd_gover = src.join("cmd/go/internal/gover");
    let to = m.join("internal/cmdgover");
    std::fs::create_dir_all(&to).map_err(|e| e.to_string())?;
    for f in ["gover.go", "mod.go", "gomod.go"] {
        let text = std::fs::read_to_string(cmd_gover.join(f)).map_err(|e| e.to_string())?;
        let text = text.replace("\"internal/gover\"", "\"golang.org/x/mod/internal/gover\"");
        std::fs::write(to.join(f), text).map_err(|e| e.to_string())?;
    }
    // toolchain.go needs cmd/go internals; only its two pure functions are taken.
    let toolchain =
        std::fs::read_to_string(cmd_gover.join("toolchain.go")).map_err(|e| e.to_string())?;
    let mut pure = String::from("package gover\n\nimport \"strings\"\n");
    for func in ["func FromToolchain(", "func maybeToolchainVersion("] {
        let start = toolchain
            .find(func)
            .ok_or(format!("{func} not in toolchain.go"))?;
        let len = toolchain[start..]
            .find("\n}\n")
            .ok_or("unterminated func")?
            + 3;
        pure.push('\n');
        pure.push_str(&toolchain[start..start + len]);
    }
    std::fs::write(to.join("toolchain.go"), pure).map_err(|e| e.to_string())?;
    oracle::build(go, sb, &m, "oracle", ORACLE)
}

#[test]
fn module_and_gover_match_go() {
    let Some(go) = support::go("module_and_gover_match_go") else {
        return;
    };
    let vectors = support::vectors("module_and_gover_match_go", "module_paths.json");
    let sb = support::sandbox();
    let bin = build_oracle(&go, &sb).unwrap_or_else(|e| panic!("{e}"));

    let reqs = corpus(vectors.as_ref());
    let requests: Vec<String> = reqs
        .iter()
        .map(|r| {
            let args: String = r
                .args
                .iter()
                .map(|a| format!("\t{}", oracle::hex(a)))
                .collect();
            format!("{}{args}", r.op)
        })
        .collect();
    let answers = oracle::ask(&bin, &requests);

    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut go_panics = 0;
    for (r, want) in reqs.iter().zip(&answers) {
        if want == "panic" {
            go_panics += 1;
            continue;
        }
        let label = r
            .args
            .iter()
            .map(gomodfetch::gostr::quote)
            .collect::<Vec<_>>()
            .join(", ");
        tallies
            .entry(r.op)
            .or_insert_with(|| Tally::new(format!("go-diff/{}", r.op)))
            .check(format!("{}({label})", r.op), || {
                let got = ours(r.op, &r.args);
                if &got == want {
                    Ok(())
                } else {
                    Err(format!("got {got:?}, go says {want:?}"))
                }
            });
    }
    eprintln!("go-diff: {go_panics} cases skipped because Go panics on them");
    // Report every op before failing.
    let failed = tallies
        .into_values()
        .map(|t| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.finish())))
        .filter(Result::is_err)
        .count();
    assert_eq!(failed, 0, "{failed} ops disagree with Go (see above)");
}
