//! `vcs::coderepo` over an in-memory repository: Go's `coderepo_test.go` cases
//! re-expressed (the vcs-test repositories rebuilt with their real hashes and times:
//! v2sub, odd-tags, semver-branch) plus tables for every `findDir`, `+incompatible`,
//! gopkg.in, retraction and pseudo-version validation rule. One Tally per table.

#[path = "vcs_coderepo/fake.rs"]
mod fake;

use crate::support::Tally;
use fake::FakeRepo;
use gomodfetch::vcs::coderepo::CodeRepo;
use std::sync::Arc;

const V2SUB: &str = "vcs-test.golang.org/git/v2sub.git";
const ODD: &str = "vcs-test.golang.org/git/odd-tags.git";
/// (repository, module path, repository root, query, expected).
type Case<W> = (&'static str, &'static str, &'static str, &'static str, W);

const V2SUB_V2: &str = "vcs-test.golang.org/git/v2sub.git/v2";
const SEMB: &str = "vcs-test.golang.org/git/semver-branch.git";

fn v2sub() -> FakeRepo {
    let mut r = FakeRepo::new();
    r.commit(
        "5fcd3eaeeb391d399f562fd45a50dac9fc34ae8b",
        None,
        "2022-02-22T15:53:33-05:00",
        &[
            (
                "v2/go.mod",
                "module vcs-test.golang.org/git/v2sub.git/v2\n\ngo 1.16\n",
            ),
            ("v2/v2sub.go", "package v2sub\n"),
            ("v2sub.go", "package v2sub\n"),
        ],
        &[],
    )
    .tag("v2.0.0", "5fcd3eaeeb391d399f562fd45a50dac9fc34ae8b")
    .commit(
        "80beb17a16036f17a5aedd1bb5bd6d407b3c6dc5",
        Some("5fcd3eaeeb391d399f562fd45a50dac9fc34ae8b"),
        "2022-02-22T15:55:07-05:00",
        &[("README.txt", "This root module lacks a go.mod file.\n")],
        &[],
    );
    r
}

fn odd_tags() -> FakeRepo {
    let c1 = "12d19af204585b0db3d2a876ceddf5b9323f5a4a";
    let c2 = "9d863d525bbfcc8eda09364738c4032393711a56";
    let c3 = "cce3d0f5d2ec85678cca3c45ac4a87f3be5efaca";
    let mut r = FakeRepo::new();
    r.commit(
        c1,
        None,
        "2022-02-23T13:48:02-05:00",
        &[("README.txt", "This module lacks a go.mod file.\n")],
        &[],
    )
    .tag("v2.0.0+incompatible", c1)
    .commit(
        c2,
        Some(c1),
        "2022-02-23T13:48:35-05:00",
        &[(
            "go.mod",
            "module vcs-test.golang.org/git/odd-tags.git\n\ngo 1.18\n",
        )],
        &["README.txt"],
    )
    .tag("v0.1.0+build-metadata", c2)
    .checkout("v3-dev")
    .commit(
        c3,
        Some(c2),
        "2022-02-23T14:41:55-05:00",
        &[(
            "go.mod",
            "module vcs-test.golang.org/git/odd-tags.git/v3\n\ngo 1.18\n",
        )],
        &[],
    )
    .tag("v3.0.0-20220223184802-12d19af20458", c3);
    r
}

fn semver_branch() -> FakeRepo {
    let c1 = "33ea7ee36f3e3f44f528664b3712c9fa0cef7502";
    let c2 = "09c4d8f6938c7b5eeae46858a72712b8700fa46a";
    let c3 = "d59622f6e4d77f008819083582fde71ea1921b0c";
    let mut r = FakeRepo::new();
    r.commit(
        c1,
        None,
        "2022-02-02T14:15:21-05:00",
        &[
            (
                "go.mod",
                "module vcs-test.golang.org/git/semver-branch.git\n\ngo 1.16\n",
            ),
            ("pkg/pkg.go", "package pkg\n"),
        ],
        &[],
    )
    .tag("v0.1.0", c1)
    .branch("v2.0.0", c1)
    .checkout("v1.0.0")
    .commit(
        c2,
        Some(c1),
        "2022-02-02T14:19:44-05:00",
        &[(
            "pkg/pkg.go",
            "package pkg\n\nfunc init() {\n\tpanic(\"TODO\")\n}\n",
        )],
        &[],
    )
    .checkout("v3.0.0-devel")
    .commit(
        c3,
        Some(c2),
        "2022-02-03T10:53:13-05:00",
        &[("pkg/pkg.go", "package pkg\n")],
        &[],
    )
    .tag("v4.0.0-beta.1", c3);
    r
}

/// Hashes for the hand-made repositories: `a…` padded to 40 digits.
fn h(n: u32) -> String {
    format!("{n:04x}{}", "0".repeat(36)).replace(' ', "0")
}

fn h12(n: u32) -> String {
    h(n)[..12].to_string()
}

/// example.com/mono: a root module, `sub` (tags sub/…), `sub/v2` in a directory,
/// a root LICENSE; `other` lacks a go.mod.
fn mono() -> FakeRepo {
    let mut r = FakeRepo::new();
    r.commit(
        &h(1),
        None,
        "2021-01-01T00:00:00Z",
        &[
            ("go.mod", "module example.com/mono\n"),
            ("LICENSE", "root license\n"),
            ("sub/go.mod", "module example.com/mono/sub\n"),
            ("sub/x.go", "package sub\n"),
            ("other/x.go", "package other\n"),
        ],
        &[],
    )
    .tag("v1.0.0", &h(1))
    .tag("sub/v1.0.0", &h(1))
    .tag("other/v1.0.0", &h(1))
    .commit(
        &h(2),
        Some(&h(1)),
        "2021-01-02T00:00:00Z",
        &[
            ("sub/v2/go.mod", "module example.com/mono/sub/v2\n"),
            ("sub/v2/y.go", "package sub\n"),
            ("sub/LICENSE", "sub license\n"),
        ],
        &[],
    )
    .tag("sub/v1.1.0-pre", &h(2))
    .tag("sub/v2.0.0", &h(2))
    .tag("sub/v1.2", &h(2))
    .commit(
        &h(3),
        Some(&h(2)),
        "2021-01-03T00:00:00Z",
        &[("sub/z.go", "package sub\n")],
        &[],
    );
    r
}

/// example.com/mb: a major-version branch layout (v2 at the root on a later commit).
fn major_branch() -> FakeRepo {
    let mut r = FakeRepo::new();
    r.commit(
        &h(10),
        None,
        "2020-05-01T10:00:00Z",
        &[("go.mod", "module example.com/mb\n")],
        &[],
    )
    .tag("v1.0.0", &h(10))
    .commit(
        &h(11),
        Some(&h(10)),
        "2020-05-02T10:00:00Z",
        &[("go.mod", "module example.com/mb/v2\n")],
        &[],
    )
    .tag("v2.0.0", &h(11))
    .commit(
        &h(12),
        Some(&h(11)),
        "2020-05-03T10:00:00Z",
        &[("a.go", "package mb\n")],
        &[],
    );
    r
}

/// example.com/legacy: no go.mod anywhere; v1 and v2/v3 tags (+incompatible), v4.0.0
/// later gains a go.mod (so v4 is not +incompatible), and a branch named like a
/// version.
fn legacy() -> FakeRepo {
    let mut r = FakeRepo::new();
    r.commit(
        &h(20),
        None,
        "2019-03-01T00:00:00Z",
        &[("a.go", "package a\n")],
        &[],
    )
    .tag("v1.0.0", &h(20))
    .tag("v1.0.1-rc", &h(20))
    .commit(
        &h(21),
        Some(&h(20)),
        "2019-03-02T00:00:00Z",
        &[("b.go", "package a\n")],
        &[],
    )
    .tag("v2.0.0", &h(21))
    .tag("v2.1", &h(21))
    .commit(
        &h(22),
        Some(&h(21)),
        "2019-03-03T00:00:00Z",
        &[("c.go", "package a\n")],
        &[],
    )
    .tag("v3.0.0", &h(22))
    .tag("v3.0.1", &h(22))
    .branch("v3.5.0", &h(22))
    .commit(
        &h(23),
        Some(&h(22)),
        "2019-03-04T00:00:00Z",
        &[("go.mod", "module example.com/legacy\n")],
        &[],
    )
    .tag("v4.0.0", &h(23))
    .commit(
        &h(24),
        Some(&h(23)),
        "2019-03-05T00:00:00Z",
        &[("d.go", "package a\n")],
        &[],
    );
    r
}

/// gopkg.in/yaml.v2: no go.mod; tags v1.0.0, v2.0.0, v2.1.0 and a non-canonical
/// `v2.1` on a commit whose only ancestor tag is v1.
fn gopkgin() -> FakeRepo {
    let mut r = FakeRepo::new();
    r.commit(
        &h(30),
        None,
        "2017-05-31T16:03:50Z",
        &[("yaml.go", "package yaml\n")],
        &[],
    )
    .tag("v1.0.0", &h(30))
    .commit(
        &h(31),
        Some(&h(30)),
        "2017-06-01T00:00:00Z",
        &[("y2.go", "package yaml\n")],
        &[],
    )
    .tag("v2.0.0", &h(31))
    .commit(
        &h(32),
        Some(&h(31)),
        "2017-06-02T00:00:00Z",
        &[("y3.go", "package yaml\n")],
        &[],
    )
    .tag("v2.1.0", &h(32))
    .checkout("side")
    .commit(
        &h(33),
        Some(&h(30)),
        "2017-06-03T00:00:00Z",
        &[("z.go", "package yaml\n")],
        &[],
    )
    .tag("v2.1", &h(33));
    r
}

/// example.com/retract: v1.0.0 is retracted by the go.mod of v1.1.0 (on a side
/// branch); main is a child of v1.0.0.
fn retract() -> FakeRepo {
    let mut r = FakeRepo::new();
    r.commit(
        &h(40),
        None,
        "2022-01-01T00:00:00Z",
        &[("go.mod", "module example.com/retract\n")],
        &[],
    )
    .tag("v0.9.0", &h(40))
    .commit(
        &h(41),
        Some(&h(40)),
        "2022-01-02T00:00:00Z",
        &[("a.go", "package a\n")],
        &[],
    )
    .tag("v1.0.0", &h(41))
    .commit(
        &h(42),
        Some(&h(41)),
        "2022-01-03T00:00:00Z",
        &[("b.go", "package a\n")],
        &[],
    )
    .checkout("rel")
    .commit(
        &h(43),
        Some(&h(40)),
        "2022-01-04T00:00:00Z",
        &[(
            "go.mod",
            "module example.com/retract\n\nretract v1.0.0 // broken\n",
        )],
        &[],
    )
    .tag("v1.1.0", &h(43))
    .tag("v1.2.0-pre", &h(43));
    r
}

/// example.com/bad: go.mod files that do not fit the module path.
fn bad() -> FakeRepo {
    let mut r = FakeRepo::new();
    r.commit(
        &h(50),
        None,
        "2018-02-19T22:32:37Z",
        &[("go.mod", "module example.com/elsewhere/v2\n")],
        &[],
    )
    .tag("v0.1.0", &h(50))
    .commit(
        &h(51),
        Some(&h(50)),
        "2018-02-20T00:00:00Z",
        &[("go.mod", "// no module line\n")],
        &[],
    )
    .tag("v0.2.0", &h(51))
    .commit(
        &h(52),
        Some(&h(51)),
        "2018-02-21T00:00:00Z",
        &[
            ("go.mod", "module example.com/bad/v2\n"),
            ("v2/go.mod", "module example.com/bad/v2\n"),
        ],
        &[],
    )
    .tag("v2.0.0", &h(52))
    .commit(
        &h(53),
        Some(&h(52)),
        "2018-02-22T00:00:00Z",
        &[
            ("go.mod", "module example.com/bad\n"),
            ("v2/go.mod", "module example.com/bad/v3\n"),
        ],
        &[],
    )
    .tag("v2.0.1", &h(53))
    .commit(
        &h(54),
        Some(&h(53)),
        "2018-02-23T00:00:00Z",
        &[("v2/go.mod", "// nothing\n")],
        &[],
    )
    .tag("v2.0.2", &h(54))
    .commit(
        &h(55),
        Some(&h(54)),
        "2018-02-24T00:00:00Z",
        &[("go.mod", "module example.com/x/v1\n")],
        &["v2/go.mod"],
    )
    .tag("v0.3.0", &h(55));
    r
}

fn repo(which: &str) -> FakeRepo {
    match which {
        "v2sub" => v2sub(),
        "odd" => odd_tags(),
        "semb" => semver_branch(),
        "mono" => mono(),
        "mb" => major_branch(),
        "legacy" => legacy(),
        "gopkgin" => gopkgin(),
        "retract" => retract(),
        "bad" => bad(),
        "empty" => FakeRepo::new(),
        _ => panic!("no repo {which}"),
    }
}

/// The module `path` of repository `which`, whose root is `root`.
fn code_repo(which: &str, path: &str, root: &str) -> Result<CodeRepo, String> {
    CodeRepo::new(Arc::new(repo(which)), path, root, "").map_err(|e| e.to_string())
}

/// Stat (or latest for rev ""): `Ok(version time)` or the error text.
fn stat(which: &str, path: &str, root: &str, rev: &str) -> Result<String, String> {
    let r = code_repo(which, path, root)?;
    let info = if rev.is_empty() {
        r.latest()
    } else {
        r.stat(rev)
    };
    let info = info.map_err(|e| e.to_string())?;
    Ok(format!(
        "{} {}",
        info.version,
        info.time.format_rfc3339_nano().unwrap_or_default()
    ))
}

#[test]
fn coderepo_stat() {
    let mut t = Tally::new("vcs_coderepo/stat");
    let ok = |v: &str, time: &str| Ok(format!("{v} {time}"));
    let err = |s: &str| Err::<String, String>(s.to_string());
    let cases: Vec<Case<Result<String, String>>> = vec![
        // Go's coderepo_test.go: v2sub (root without go.mod, v2/go.mod).
        (
            "v2sub",
            V2SUB,
            V2SUB,
            "80beb17a1603",
            ok("v0.0.0-20220222205507-80beb17a1603", "2022-02-22T20:55:07Z"),
        ),
        (
            "v2sub",
            V2SUB,
            V2SUB,
            "v2.0.0",
            err(
                r#"vcs-test.golang.org/git/v2sub.git@v2.0.0: invalid version: module contains a go.mod file, so module path must match major version ("vcs-test.golang.org/git/v2sub.git/v2")"#,
            ),
        ),
        (
            "v2sub",
            V2SUB,
            V2SUB,
            "v2.0.1-0.20220222205507-80beb17a1603",
            err(
                r#"vcs-test.golang.org/git/v2sub.git@v2.0.1-0.20220222205507-80beb17a1603: invalid version: module contains a go.mod file, so module path must match major version ("vcs-test.golang.org/git/v2sub.git/v2")"#,
            ),
        ),
        (
            "v2sub",
            V2SUB,
            V2SUB,
            "v2.0.0+incompatible",
            ok("v2.0.0+incompatible", "2022-02-22T20:53:33Z"),
        ),
        (
            "v2sub",
            V2SUB,
            V2SUB,
            "v2.0.1-0.20220222205507-80beb17a1603+incompatible",
            ok(
                "v2.0.1-0.20220222205507-80beb17a1603+incompatible",
                "2022-02-22T20:55:07Z",
            ),
        ),
        (
            "v2sub",
            V2SUB_V2,
            V2SUB,
            "v2.0.0",
            ok("v2.0.0", "2022-02-22T20:53:33Z"),
        ),
        (
            "v2sub",
            V2SUB_V2,
            V2SUB,
            "main",
            ok(
                "v2.0.1-0.20220222205507-80beb17a1603",
                "2022-02-22T20:55:07Z",
            ),
        ),
        (
            "v2sub",
            V2SUB_V2,
            V2SUB,
            "latest",
            ok(
                "v2.0.1-0.20220222205507-80beb17a1603",
                "2022-02-22T20:55:07Z",
            ),
        ),
        // odd-tags: build metadata, a +incompatible tag, a pseudo-version-shaped tag.
        (
            "odd",
            ODD,
            ODD,
            "v0.1.0+build-metadata",
            ok(
                "v0.1.1-0.20220223184835-9d863d525bbf",
                "2022-02-23T18:48:35Z",
            ),
        ),
        (
            "odd",
            ODD,
            ODD,
            "9d863d525bbf",
            ok(
                "v0.1.1-0.20220223184835-9d863d525bbf",
                "2022-02-23T18:48:35Z",
            ),
        ),
        (
            "odd",
            ODD,
            ODD,
            "latest",
            ok(
                "v0.1.1-0.20220223184835-9d863d525bbf",
                "2022-02-23T18:48:35Z",
            ),
        ),
        (
            "odd",
            ODD,
            ODD,
            "v2.0.0+incompatible",
            err(
                "vcs-test.golang.org/git/odd-tags.git@v2.0.0+incompatible: invalid version: unknown revision v2.0.0",
            ),
        ),
        (
            "odd",
            ODD,
            ODD,
            "12d19af20458",
            ok(
                "v2.0.1-0.20220223184802-12d19af20458+incompatible",
                "2022-02-23T18:48:02Z",
            ),
        ),
        (
            "odd",
            ODD,
            ODD,
            "v3.0.0-20220223184802-12d19af20458",
            ok(
                "v3.0.0-20220223184802-12d19af20458+incompatible",
                "2022-02-23T18:48:02Z",
            ),
        ),
        // semver-branch: branches named like versions.
        (
            "semb",
            SEMB,
            SEMB,
            "v1.0.0",
            err(
                "vcs-test.golang.org/git/semver-branch.git@v1.0.0: invalid version: resolves to version v0.1.1-0.20220202191944-09c4d8f6938c (v1.0.0 is not a tag)",
            ),
        ),
        (
            "semb",
            SEMB,
            SEMB,
            "v2.0.0+incompatible",
            err(
                "vcs-test.golang.org/git/semver-branch.git@v2.0.0+incompatible: invalid version: resolves to version v0.1.0 (v2.0.0 is not a tag)",
            ),
        ),
        (
            "semb",
            SEMB,
            SEMB,
            "v2.0.0",
            err(
                "vcs-test.golang.org/git/semver-branch.git@v2.0.0: invalid version: resolves to version v0.1.0 (v2.0.0 is not a tag)",
            ),
        ),
        (
            "semb",
            SEMB,
            SEMB,
            "v3.0.0-devel",
            err(
                "vcs-test.golang.org/git/semver-branch.git@v3.0.0-devel: invalid version: resolves to version v0.1.1-0.20220203155313-d59622f6e4d7 (v3.0.0-devel is not a tag)",
            ),
        ),
        (
            "semb",
            SEMB,
            SEMB,
            "v0.1.0",
            ok("v0.1.0", "2022-02-02T19:15:21Z"),
        ),
        (
            "semb",
            SEMB,
            SEMB,
            "v4.0.0-beta.1",
            err(
                r#"vcs-test.golang.org/git/semver-branch.git@v4.0.0-beta.1: invalid version: module contains a go.mod file, so module path must match major version ("vcs-test.golang.org/git/semver-branch.git/v4")"#,
            ),
        ),
        (
            "semb",
            SEMB,
            SEMB,
            "v4.0.0-beta.1+incompatible",
            err(
                r#"vcs-test.golang.org/git/semver-branch.git@v4.0.0-beta.1+incompatible: invalid version: module contains a go.mod file, so module path must match major version ("vcs-test.golang.org/git/semver-branch.git/v4")"#,
            ),
        ),
        (
            "semb",
            SEMB,
            SEMB,
            "v0.1.0+incompatible",
            err(
                "vcs-test.golang.org/git/semver-branch.git@v0.1.0+incompatible: invalid version: +incompatible suffix not allowed: major version v0 is compatible",
            ),
        ),
        (
            "semb",
            SEMB,
            SEMB,
            "nope",
            err(
                "vcs-test.golang.org/git/semver-branch.git@nope: invalid version: unknown revision nope",
            ),
        ),
        // A monorepo: modules in subdirectories, v2 in a directory.
        (
            "mono",
            "example.com/mono/sub",
            "example.com/mono",
            "v1.0.0",
            ok("v1.0.0", "2021-01-01T00:00:00Z"),
        ),
        (
            "mono",
            "example.com/mono/sub",
            "example.com/mono",
            "v1.1.0-pre",
            ok("v1.1.0-pre", "2021-01-02T00:00:00Z"),
        ),
        (
            "mono",
            "example.com/mono/sub",
            "example.com/mono",
            "main",
            ok(
                "v1.1.0-pre.0.20210103000000-000300000000",
                "2021-01-03T00:00:00Z",
            ),
        ),
        (
            "mono",
            "example.com/mono/sub",
            "example.com/mono",
            "v1.2",
            ok("v1.1.0-pre", "2021-01-02T00:00:00Z"),
        ),
        (
            "mono",
            "example.com/mono/sub",
            "example.com/mono",
            "v1.0.3",
            err("example.com/mono/sub@v1.0.3: invalid version: unknown revision sub/v1.0.3"),
        ),
        (
            "mono",
            "example.com/mono/sub/v2",
            "example.com/mono",
            "v2.0.0",
            ok("v2.0.0", "2021-01-02T00:00:00Z"),
        ),
        (
            "mono",
            "example.com/mono/sub/v2",
            "example.com/mono",
            "main",
            ok(
                "v2.0.1-0.20210103000000-000300000000",
                "2021-01-03T00:00:00Z",
            ),
        ),
        (
            "mono",
            "example.com/mono/sub/v2",
            "example.com/mono",
            "v1.0.0",
            err(
                r#"example.com/mono/sub/v2@v1.0.0: invalid version: sub/go.mod has non-.../v2 module path "example.com/mono/sub" (and .../v2/go.mod does not exist) at revision sub/v1.0.0"#,
            ),
        ),
        (
            "mono",
            "example.com/mono/other",
            "example.com/mono",
            "v1.0.0",
            err(
                "example.com/mono/other@v1.0.0: invalid version: missing example.com/mono/other/go.mod at revision other/v1.0.0",
            ),
        ),
        (
            "mono",
            "example.com/mono",
            "example.com/mono",
            "v1.0.0",
            ok("v1.0.0", "2021-01-01T00:00:00Z"),
        ),
        (
            "mono",
            "example.com/mono",
            "example.com/mono",
            "000300000000",
            ok(
                "v1.0.1-0.20210103000000-000300000000",
                "2021-01-03T00:00:00Z",
            ),
        ),
        // A major-version branch at the root.
        (
            "mb",
            "example.com/mb",
            "example.com/mb",
            "v1.0.0",
            ok("v1.0.0", "2020-05-01T10:00:00Z"),
        ),
        (
            "mb",
            "example.com/mb",
            "example.com/mb",
            "v2.0.0",
            err(
                r#"example.com/mb@v2.0.0: invalid version: go.mod has post-v2 module path "example.com/mb/v2" at revision v2.0.0"#,
            ),
        ),
        (
            "mb",
            "example.com/mb/v2",
            "example.com/mb",
            "v2.0.0",
            ok("v2.0.0", "2020-05-02T10:00:00Z"),
        ),
        (
            "mb",
            "example.com/mb/v2",
            "example.com/mb",
            "main",
            ok(
                "v2.0.1-0.20200503100000-000c00000000",
                "2020-05-03T10:00:00Z",
            ),
        ),
        (
            "mb",
            "example.com/mb/v2",
            "example.com/mb",
            "v1.0.0",
            err(
                "example.com/mb/v2@v1.0.0: invalid version: go.mod has non-.../v2 module path \"example.com/mb\" (and .../v2/go.mod does not exist) at revision v1.0.0",
            ),
        ),
        (
            "mb",
            "example.com/mb/v2",
            "example.com/mb/v2",
            "v2.0.0",
            ok("v2.0.0", "2020-05-02T10:00:00Z"),
        ),
        // Legacy repositories without go.mod: +incompatible.
        (
            "legacy",
            "example.com/legacy",
            "example.com/legacy",
            "v2.0.0",
            ok("v2.0.0+incompatible", "2019-03-02T00:00:00Z"),
        ),
        (
            "legacy",
            "example.com/legacy",
            "example.com/legacy",
            "v3.0.1+incompatible",
            ok("v3.0.1+incompatible", "2019-03-03T00:00:00Z"),
        ),
        (
            "legacy",
            "example.com/legacy",
            "example.com/legacy",
            "001600000000",
            ok("v3.0.1+incompatible", "2019-03-03T00:00:00Z"),
        ),
        (
            "legacy",
            "example.com/legacy",
            "example.com/legacy",
            "v3.5.0+incompatible",
            err(
                "example.com/legacy@v3.5.0+incompatible: invalid version: resolves to version v3.0.1+incompatible (v3.5.0 is not a tag)",
            ),
        ),
        (
            "legacy",
            "example.com/legacy",
            "example.com/legacy",
            "v2.1",
            ok("v2.0.0+incompatible", "2019-03-02T00:00:00Z"),
        ),
        (
            "legacy",
            "example.com/legacy",
            "example.com/legacy",
            "v4.0.0",
            err(
                r#"example.com/legacy@v4.0.0: invalid version: module contains a go.mod file, so module path must match major version ("example.com/legacy/v4")"#,
            ),
        ),
        (
            "legacy",
            "example.com/legacy",
            "example.com/legacy",
            "main",
            ok(
                "v1.0.1-rc.0.20190305000000-001800000000",
                "2019-03-05T00:00:00Z",
            ),
        ),
        // gopkg.in.
        (
            "gopkgin",
            "gopkg.in/yaml.v2",
            "gopkg.in/yaml.v2",
            "v2.1",
            ok("v2.0.0-20170603000000-002100000000", "2017-06-03T00:00:00Z"),
        ),
        (
            "gopkgin",
            "gopkg.in/yaml.v2",
            "gopkg.in/yaml.v2",
            "v2.1.0",
            ok("v2.1.0", "2017-06-02T00:00:00Z"),
        ),
        (
            "gopkgin",
            "gopkg.in/yaml.v2",
            "gopkg.in/yaml.v2",
            "v1.0.0",
            err(
                "gopkg.in/yaml.v2@v1.0.0: invalid version: module path includes a major version suffix, so major version must match",
            ),
        ),
        (
            "gopkgin",
            "gopkg.in/yaml.v1",
            "gopkg.in/yaml.v1",
            "v1.0.0",
            ok("v1.0.0", "2017-05-31T16:03:50Z"),
        ),
        (
            "gopkgin",
            "gopkg.in/yaml.v1",
            "gopkg.in/yaml.v1",
            "v0.0.0-20170531160350-001e00000000",
            ok("v0.0.0-20170531160350-001e00000000", "2017-05-31T16:03:50Z"),
        ),
        // Retractions steer the pseudo-version base and the tag choice.
        (
            "retract",
            "example.com/retract",
            "example.com/retract",
            "main",
            ok(
                "v0.9.1-0.20220103000000-002a00000000",
                "2022-01-03T00:00:00Z",
            ),
        ),
        (
            "retract",
            "example.com/retract",
            "example.com/retract",
            "002900000000",
            ok(
                "v0.9.1-0.20220102000000-002900000000",
                "2022-01-02T00:00:00Z",
            ),
        ),
        (
            "retract",
            "example.com/retract",
            "example.com/retract",
            "v1.0.0",
            ok("v1.0.0", "2022-01-02T00:00:00Z"),
        ),
        (
            "retract",
            "example.com/retract",
            "example.com/retract",
            "rel",
            ok("v1.2.0-pre", "2022-01-04T00:00:00Z"),
        ),
        // go.mod files that do not fit.
        (
            "bad",
            "example.com/bad",
            "example.com/bad",
            "v0.1.0",
            err(
                r#"example.com/bad@v0.1.0: invalid version: go.mod has post-v0 module path "example.com/elsewhere/v2" at revision v0.1.0"#,
            ),
        ),
        (
            "bad",
            "example.com/bad",
            "example.com/bad",
            "v0.2.0",
            err(
                "example.com/bad@v0.2.0: invalid version: go.mod is missing module path at revision v0.2.0",
            ),
        ),
        (
            "bad",
            "example.com/bad",
            "example.com/bad",
            "v0.3.0",
            err(
                r#"example.com/bad@v0.3.0: invalid version: go.mod has malformed module path "example.com/x/v1" at revision v0.3.0"#,
            ),
        ),
        (
            "bad",
            "example.com/bad/v2",
            "example.com/bad",
            "v2.0.0",
            err(
                "example.com/bad/v2@v2.0.0: invalid version: example.com/bad/go.mod and .../v2/go.mod both have .../v2 module paths at revision v2.0.0",
            ),
        ),
        (
            "bad",
            "example.com/bad/v2",
            "example.com/bad",
            "v2.0.1",
            err(
                r#"example.com/bad/v2@v2.0.1: invalid version: example.com/bad/v2/go.mod has non-.../v2 module path "example.com/bad/v3" at revision v2.0.1"#,
            ),
        ),
        (
            "bad",
            "example.com/bad/v2",
            "example.com/bad",
            "v2.0.2",
            err(
                "example.com/bad/v2@v2.0.2: invalid version: example.com/bad/v2/go.mod is missing module path at revision v2.0.2",
            ),
        ),
        (
            "bad",
            "example.com/bad",
            "example.com/bad",
            "",
            err(
                r#"example.com/bad@v0.3.0: invalid version: go.mod has malformed module path "example.com/x/v1" at revision v0.3.0"#,
            ),
        ),
        (
            "empty",
            "example.com/empty",
            "example.com/empty",
            "",
            err("no commits"),
        ),
    ];
    for (which, path, root, rev, want) in cases {
        let got = stat(which, path, root, rev);
        t.eq(format!("{which} {path}@{rev}"), got, want);
    }
    t.finish();
}

#[test]
fn coderepo_versions() {
    let mut t = Tally::new("vcs_coderepo/versions");
    let cases: Vec<(&str, &str, &str, &str, Vec<&str>)> = vec![
        ("v2sub", V2SUB, V2SUB, "", vec!["v2.0.0+incompatible"]),
        (
            "v2sub",
            "vcs-test.golang.org/git/v2sub.git/v2",
            V2SUB,
            "",
            vec!["v2.0.0"],
        ),
        ("odd", ODD, ODD, "", vec![]),
        ("semb", SEMB, SEMB, "", vec!["v0.1.0"]),
        (
            "mono",
            "example.com/mono/sub",
            "example.com/mono",
            "",
            vec!["v1.0.0", "v1.1.0-pre"],
        ),
        (
            "mono",
            "example.com/mono/sub",
            "example.com/mono",
            "v1.1",
            vec!["v1.1.0-pre"],
        ),
        (
            "mono",
            "example.com/mono/sub/v2",
            "example.com/mono",
            "",
            vec!["v2.0.0"],
        ),
        (
            "mono",
            "example.com/mono",
            "example.com/mono",
            "",
            vec!["v1.0.0"],
        ),
        ("mb", "example.com/mb", "example.com/mb", "", vec!["v1.0.0"]),
        (
            "mb",
            "example.com/mb/v2",
            "example.com/mb",
            "",
            vec!["v2.0.0"],
        ),
        // No go.mod at v1.0.0: the v2 and v3 lines are +incompatible, v4 has a go.mod.
        (
            "legacy",
            "example.com/legacy",
            "example.com/legacy",
            "",
            vec![
                "v1.0.0",
                "v1.0.1-rc",
                "v2.0.0+incompatible",
                "v3.0.0+incompatible",
                "v3.0.1+incompatible",
            ],
        ),
        (
            "legacy",
            "example.com/legacy",
            "example.com/legacy",
            "v3",
            vec!["v3.0.0+incompatible", "v3.0.1+incompatible"],
        ),
        (
            "gopkgin",
            "gopkg.in/yaml.v2",
            "gopkg.in/yaml.v2",
            "",
            vec!["v2.0.0", "v2.1.0"],
        ),
        (
            "gopkgin",
            "gopkg.in/yaml.v1",
            "gopkg.in/yaml.v1",
            "",
            vec!["v1.0.0"],
        ),
        (
            "gopkgin",
            "gopkg.in/yaml.v2-unstable",
            "gopkg.in/yaml.v2-unstable",
            "",
            vec![],
        ),
        (
            "retract",
            "example.com/retract",
            "example.com/retract",
            "",
            vec!["v0.9.0", "v1.0.0", "v1.1.0", "v1.2.0-pre"],
        ),
        // A go.mod at the latest compatible release hides every +incompatible tag.
        (
            "bad",
            "example.com/bad",
            "example.com/bad",
            "",
            vec!["v0.1.0", "v0.2.0", "v0.3.0"],
        ),
        (
            "bad",
            "example.com/bad/v2",
            "example.com/bad",
            "",
            vec!["v2.0.0", "v2.0.1", "v2.0.2"],
        ),
        (
            "empty",
            "example.com/empty",
            "example.com/empty",
            "",
            vec![],
        ),
    ];
    for (which, path, root, prefix, want) in cases {
        let got = code_repo(which, path, root).and_then(|r| {
            let vs = r.versions(prefix).map_err(|e| e.to_string())?;
            Ok(vs.list)
        });
        let want: Result<Vec<String>, String> = Ok(want.into_iter().map(String::from).collect());
        t.eq(format!("{which} {path} prefix {prefix:?}"), got, want);
    }
    t.finish();
}

#[test]
fn coderepo_pseudo_validation() {
    // example.com/pv: v1.0.0 on p1, p2 its child (main), p3 an unrelated root with
    // v1.5.0 tags elsewhere; p4 is tagged v1.1.0+meta.
    let pv = || {
        let mut r = FakeRepo::new();
        r.commit(&h(60), None, "2023-01-01T00:00:00Z", &[], &[])
            .tag("v1.0.0", &h(60))
            .commit(
                &h(61),
                Some(&h(60)),
                "2023-01-02T00:00:00Z",
                &[("a.go", "package a\n")],
                &[],
            )
            .checkout("orphan")
            .commit(
                &h(62),
                None,
                "2023-01-03T00:00:00Z",
                &[("b.go", "package a\n")],
                &[],
            )
            .checkout("meta")
            .commit(&h(63), Some(&h(61)), "2023-01-04T00:00:00Z", &[], &[])
            .tag("v1.1.0+meta", &h(63))
            .commit(&h(64), Some(&h(63)), "2023-01-05T00:00:00Z", &[], &[]);
        r
    };
    let p = "example.com/pv";
    let stat = |rev: &str| {
        CodeRepo::new(Arc::new(pv()), p, p, "")
            .map_err(|e| e.to_string())?
            .stat(rev)
            .map(|i| i.version)
            .map_err(|e| e.to_string())
    };
    let mut t = Tally::new("vcs_coderepo/pseudo_validation");
    let s2 = h12(61);
    let cases: Vec<(String, Result<String, String>)> = vec![
        (
            format!("v1.0.1-0.20230102000000-{s2}"),
            Ok(format!("v1.0.1-0.20230102000000-{s2}")),
        ),
        (
            format!("v0.0.0-20230102000000-{s2}"),
            Ok(format!("v0.0.0-20230102000000-{s2}")),
        ),
        (
            format!("v1.0.1-0.20230101000000-{}", h12(60)),
            Err(format!(
                "{p}@v1.0.1-0.20230101000000-{}: invalid pseudo-version: tag (v1.0.0) found on revision {} is already canonical, so should not be replaced with a pseudo-version derived from that tag",
                h12(60),
                h12(60)
            )),
        ),
        (
            format!("v1.5.1-0.20230102000000-{s2}"),
            Err(format!(
                "{p}@v1.5.1-0.20230102000000-{s2}: invalid pseudo-version: preceding tag (v1.5.0) not found"
            )),
        ),
        (
            format!("v1.0.1-0.20230103000000-{}", h12(62)),
            Err(format!(
                "{p}@v1.0.1-0.20230103000000-{}: invalid pseudo-version: revision {} is not a descendent of preceding tag (v1.0.0)",
                h12(62),
                h12(62)
            )),
        ),
        (
            format!("v0.0.0-20230102000000-{}00", s2),
            Err(format!(
                "{p}@v0.0.0-20230102000000-{s2}00: invalid pseudo-version: revision is longer than canonical (expected {s2})"
            )),
        ),
        (
            format!("v0.0.0-20230102000000-{}", &s2[..8]),
            Err(format!(
                "{p}@v0.0.0-20230102000000-{}: invalid pseudo-version: revision is shorter than canonical (expected {s2})",
                &s2[..8]
            )),
        ),
        (
            format!("v0.0.0-20000102000000-{s2}"),
            Err(format!(
                "{p}@v0.0.0-20000102000000-{s2}: invalid pseudo-version: does not match version-control timestamp (expected 20230102000000)"
            )),
        ),
        (
            format!("v1.0.0-20230102000000-{s2}"),
            Err(format!(
                "{p}@v1.0.0-20230102000000-{s2}: invalid pseudo-version: major version without preceding tag must be v0, not v1"
            )),
        ),
        (
            format!("v1.0.0-0.20230102000000-{s2}"),
            Err(format!(
                "{p}@v1.0.0-0.20230102000000-{s2}: invalid pseudo-version: version before v1.0.0 would have negative patch number"
            )),
        ),
        (
            format!("v2.0.0-20230102000000-{s2}"),
            Ok(format!("v2.0.0-20230102000000-{s2}+incompatible")),
        ),
        (
            format!("v0.0.0-20230102000000-{}", "abcdefabcdef"),
            Err(format!(
                "{p}@v0.0.0-20230102000000-abcdefabcdef: invalid version: unknown revision abcdefabcdef"
            )),
        ),
        // A non-canonical tag on the commit: a pseudo-version on that tag.
        (
            "v1.1.0+meta".to_string(),
            Ok(format!("v1.1.1-0.20230104000000-{}", h12(63))),
        ),
        (
            format!("v1.1.1-0.20230105000000-{}", h12(64)),
            Ok(format!("v1.1.1-0.20230105000000-{}", h12(64))),
        ),
        (
            "meta".to_string(),
            Ok(format!("v1.1.1-0.20230105000000-{}", h12(64))),
        ),
        (
            "orphan".to_string(),
            Ok(format!("v0.0.0-20230103000000-{}", h12(62))),
        ),
    ];
    for (rev, want) in cases {
        t.eq(rev.clone(), stat(&rev), want);
    }
    t.finish();
}

#[test]
fn coderepo_go_mod_and_files() {
    let mut t = Tally::new("vcs_coderepo/go_mod");
    let cases: Vec<Case<Result<&str, &str>>> = vec![
        (
            "v2sub",
            "vcs-test.golang.org/git/v2sub.git/v2",
            V2SUB,
            "v2.0.0",
            Ok("module vcs-test.golang.org/git/v2sub.git/v2\n\ngo 1.16\n"),
        ),
        (
            "v2sub",
            V2SUB,
            V2SUB,
            "v2.0.0+incompatible",
            Ok("module vcs-test.golang.org/git/v2sub.git\n"),
        ),
        (
            "v2sub",
            V2SUB,
            V2SUB,
            "v0.0.0-20220222205507-80beb17a1603",
            Ok("module vcs-test.golang.org/git/v2sub.git\n"),
        ),
        (
            "gopkgin",
            "gopkg.in/yaml.v2",
            "gopkg.in/yaml.v2",
            "v2.1.0",
            Ok("module gopkg.in/yaml.v2\n"),
        ),
        (
            "mono",
            "example.com/mono/sub",
            "example.com/mono",
            "v1.0.0",
            Ok("module example.com/mono/sub\n"),
        ),
        (
            "mono",
            "example.com/mono/sub",
            "example.com/mono",
            "v1.0",
            Err("version v1.0 is not canonical"),
        ),
        (
            "mono",
            "example.com/mono/other",
            "example.com/mono",
            "v1.0.0",
            Err("missing example.com/mono/other/go.mod at revision other/v1.0.0"),
        ),
        (
            "v2sub",
            V2SUB,
            V2SUB,
            "v0.0.0-20220222205507-80beb17a1604",
            Err(
                "vcs-test.golang.org/git/v2sub.git@v0.0.0-20220222205507-80beb17a1604: invalid version: unknown revision 80beb17a1604",
            ),
        ),
        (
            "v2sub",
            V2SUB,
            V2SUB,
            "v0.0.0-20220222205508-80beb17a1603",
            Err(
                "vcs-test.golang.org/git/v2sub.git@v0.0.0-20220222205508-80beb17a1603: invalid pseudo-version: does not match version-control timestamp (expected 20220222205507)",
            ),
        ),
    ];
    for (which, path, root, version, want) in cases {
        let got = code_repo(which, path, root).and_then(|r| {
            r.go_mod(version)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .map_err(|e| e.to_string())
        });
        t.eq(
            format!("{which} {path}@{version}"),
            got,
            want.map(String::from).map_err(String::from),
        );
    }
    t.finish();

    let mut t = Tally::new("vcs_coderepo/zip_files");
    let cases: Vec<Case<Vec<(&str, &str)>>> = vec![
        // A subdirectory module without a LICENSE gets the root one, at the end.
        (
            "mono",
            "example.com/mono/sub",
            "example.com/mono",
            "v1.0.0",
            vec![
                ("go.mod", "module example.com/mono/sub\n"),
                ("x.go", "package sub\n"),
                ("LICENSE", "root license\n"),
            ],
        ),
        // With its own LICENSE it keeps it (and the nested v2 module's files stay for
        // the zip rules to drop).
        (
            "mono",
            "example.com/mono/sub",
            "example.com/mono",
            "v1.1.0-pre",
            vec![
                ("LICENSE", "sub license\n"),
                ("go.mod", "module example.com/mono/sub\n"),
                ("v2/go.mod", "module example.com/mono/sub/v2\n"),
                ("v2/y.go", "package sub\n"),
                ("x.go", "package sub\n"),
            ],
        ),
        (
            "mono",
            "example.com/mono/sub/v2",
            "example.com/mono",
            "v2.0.0",
            vec![
                ("go.mod", "module example.com/mono/sub/v2\n"),
                ("y.go", "package sub\n"),
                ("LICENSE", "root license\n"),
            ],
        ),
        (
            "v2sub",
            "vcs-test.golang.org/git/v2sub.git/v2",
            V2SUB,
            "v2.0.0",
            vec![
                (
                    "go.mod",
                    "module vcs-test.golang.org/git/v2sub.git/v2\n\ngo 1.16\n",
                ),
                ("v2sub.go", "package v2sub\n"),
            ],
        ),
        (
            "mb",
            "example.com/mb",
            "example.com/mb",
            "v1.0.0",
            vec![("go.mod", "module example.com/mb\n")],
        ),
    ];
    for (which, path, root, version, want) in cases {
        let got = code_repo(which, path, root).and_then(|r| {
            r.zip_files(version)
                .map(|fs| {
                    fs.into_iter()
                        .map(|f| (f.path, String::from_utf8_lossy(&f.data).into_owned()))
                        .collect::<Vec<_>>()
                })
                .map_err(|e| e.to_string())
        });
        let want: Vec<(String, String)> = want
            .into_iter()
            .map(|(a, b)| (a.into(), b.into()))
            .collect();
        t.eq(format!("{which} {path}@{version}"), got, Ok(want));
    }
    t.finish();
}

#[test]
fn coderepo_origin() {
    use gomodfetch::vcs::coderepo::origin::tag_sum;
    let mut t = Tally::new("vcs_coderepo/origin");
    // A tag: the host's origin, with the module's directory.
    let r = code_repo("mono", "example.com/mono/sub", "example.com/mono").unwrap();
    let o = r.stat("v1.0.0").unwrap().origin.unwrap_or_default();
    t.eq(
        "tag origin",
        (
            o.subdir.as_str(),
            o.ref_.as_str(),
            o.hash.as_str(),
            o.tag_sum.as_str(),
        ),
        ("sub", "refs/tags/sub/v1.0.0", h(1).as_str(), ""),
    );
    // A computed pseudo-version: the tags it depends on are summed.
    let o = r.stat("main").unwrap().origin.unwrap_or_default();
    let fake = repo("mono");
    let tags = gomodfetch::vcs::codehost::CodeHost::tags(&fake, "sub/").unwrap();
    t.eq(
        "pseudo origin",
        (
            o.subdir.clone(),
            o.ref_.clone(),
            o.tag_prefix.clone(),
            o.tag_sum.clone(),
        ),
        (
            "sub".into(),
            "refs/heads/main".into(),
            "sub/".into(),
            tag_sum("sub/", &tags.list),
        ),
    );
    // v2 in a directory: the prefix carries the major.
    let r2 = code_repo("mono", "example.com/mono/sub/v2", "example.com/mono").unwrap();
    let o = r2.stat("main").unwrap().origin.unwrap_or_default();
    t.eq("v2 pseudo prefix", o.tag_prefix, "sub/v2.".to_string());
    // A requested v0.0.0 pseudo-version: no tag sum.
    let o = code_repo("v2sub", V2SUB, V2SUB)
        .unwrap()
        .stat("v0.0.0-20220222205507-80beb17a1603")
        .unwrap()
        .origin
        .unwrap_or_default();
    t.eq("requested v0 pseudo", o.tag_sum, String::new());
    // Versions: the listing's origin with the directory.
    let vs = r.versions("").unwrap();
    let o = vs.origin.unwrap_or_default();
    t.eq(
        "versions origin",
        (o.subdir.as_str(), o.tag_prefix.as_str()),
        ("sub", "sub/"),
    );
    t.finish();
}
