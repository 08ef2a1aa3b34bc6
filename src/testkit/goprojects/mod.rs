//! A small, fixed corpus of real Go code: library modules to serve from the test proxy
//! and main modules ("projects") that import them, with go.mod and go.sum as `go mod
//! tidy` writes them, so `go build ./...` in a project needs exactly the modules a
//! download of its dependencies should bring.
//!
//! ```
//! use gomodfetch::testkit::goprojects::GoCorpus;
//! use gomodfetch::testkit::universe::Universe;
//! let corpus = GoCorpus::generate();
//! let universe = Universe::new();
//! corpus.publish(&universe)?;                    // serve it with a TestProxy
//! let dir = tempfile::tempdir()?;
//! corpus.write_project(0, dir.path())?;          // go.mod, go.sum, *.go
//! let p = &corpus.projects()[0];
//! println!("{} needs {:?}", p.path, p.default_zips);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # The libraries (host `lib.test`, every go.mod at `go 1.21`)
//! * `lib.test/strutil` v1.0.0, v1.1.0, v1.2.0: no requirements.
//! * `lib.test/BurntFox/toml` v0.1.0, v0.2.0 (cache path `lib.test/!burnt!fox/toml`);
//!   v0.2.0 imports strutil.
//! * `lib.test/mathx` v1.0.0 and v1.3.0 (which adds the package `mathx/stats`,
//!   importing toml), and the major version `lib.test/mathx/v2` v2.0.0, all importing
//!   strutil.
//! * `lib.test/color` v1.0.0, v1.1.0 (packages `color` and `color/ansi`), importing
//!   toml; its test file imports `lib.test/testonly`, so color's go.mod requires
//!   testonly, which is in every importer's module graph (`all`) though no build
//!   needs it.
//! * `lib.test/cli` v0.4.0 (color, mathx) and `lib.test/onlyone` v1.0.0 (one project
//!   uses it).
//!
//! # The projects (`example.test/projN`)
//! 1. strutil and mathx at their oldest versions.
//! 2. `go 1.22`: mathx/stats v1.3.0 and mathx/v2 together; mathx/v2 raises strutil
//!    from the v1.1.0 the project asks for to v1.2.0.
//! 3. a `cmd/proj3` and an `internal/render` package; cli raises color to v1.1.0 and
//!    brings four indirect requirements. Its no-argument `go mod download` set (the
//!    go.mod requirements) differs from `all` by testonly.
//! 4. `replace lib.test/strutil => lib.test/strutil v1.1.0` while the graph selects
//!    strutil v1.2.0: go.sum and the cache hold v1.1.0 only.
//! 5. `go 1.23`: onlyone, toml v0.2.0 and mathx/v2, nothing of mathx v1.
//!
//! Every `.go` file compiles, and every import is used. The `.info` times are one day
//! apart in table order, from 2024-01-01. The go.mod and go.sum files are computed
//! (see [`tidy`]); the integration test `goprojects_build` proves them against the
//! real `go` (`go mod tidy -diff`, `go mod download`, an offline `go build ./...`).

mod code;
mod tidy;

use crate::dirhash::{self, H1};
use crate::gosum::GoSum;
use crate::testkit::universe::{Package, Universe};
use code::PkgSpec;
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use std::io;
use std::path::Path;
use tidy::{Replace, Spec};

/// The `go` line of every library.
const LIB_GO: &str = "1.21";

/// The first `.info` time: 2024-01-01T00:00:00Z.
const FIRST_TIME: i64 = 1_704_067_200;

/// One version of a library module.
#[derive(Debug, Clone)]
pub struct LibModule {
    pub path: String,
    pub version: String,
    /// The `.info` time.
    pub time: Timestamp,
    /// The go.mod (served as `.mod`, zipped first).
    pub go_mod: String,
    /// The other files of the zip (relative path, contents), in zip order.
    pub files: Vec<(String, String)>,
    /// The go.mod requirements.
    requires: Vec<(String, String)>,
    packages: Vec<PkgSpec>,
}

impl LibModule {
    /// go.sum's `<path> <version>/go.mod` hash.
    pub fn go_mod_sum(&self) -> H1 {
        dirhash::hash_go_mod(self.go_mod.as_bytes())
    }

    /// go.sum's `<path> <version>` hash, of the zip's files.
    pub fn zip_sum(&self) -> H1 {
        let prefix = format!("{}@{}/", self.path, self.version);
        let files = std::iter::once(("go.mod", &self.go_mod))
            .chain(self.files.iter().map(|(n, t)| (n.as_str(), t)))
            .map(|(n, t)| (format!("{prefix}{n}"), <[u8; 32]>::from(Sha256::digest(t))));
        // The names are distinct and hold no newline: hashing cannot fail.
        dirhash::hash1_digests(files).unwrap_or_else(|e| panic!("goprojects: {e}"))
    }

    /// `path@version`.
    pub fn id(&self) -> String {
        format!("{}@{}", self.path, self.version)
    }
}

/// A main module of the corpus.
#[derive(Debug, Clone)]
pub struct Project {
    /// The module path, `example.test/projN`.
    pub path: String,
    pub go_mod: String,
    pub go_sum: String,
    /// The `.go` files (relative path, contents).
    pub files: Vec<(String, String)>,
    /// `path version` of each go.mod requirement, sorted, before replacement.
    pub requires: Vec<(String, String)>,
    /// `path@version` of every module in `go list -m all` but the main module,
    /// sorted, before replacement.
    pub build_list: Vec<String>,
    /// `path@version` of the zips `go mod download` without arguments fetches (the
    /// go.mod requirements, replaced), sorted.
    pub default_zips: Vec<String>,
    /// `path@version` of the zips `go mod download all` fetches, sorted.
    pub all_zips: Vec<String>,
    /// The project has `replace` lines.
    pub replaces: bool,
}

impl Project {
    /// The last element of the module path (`proj3`).
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// Writes go.mod, go.sum and the `.go` files under `dir`.
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        let all = [("go.mod", &self.go_mod), ("go.sum", &self.go_sum)]
            .into_iter()
            .chain(self.files.iter().map(|(n, t)| (n.as_str(), t)));
        for (rel, text) in all {
            let p = dir.join(rel);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(p, text)?;
        }
        Ok(())
    }
}

/// The corpus: libraries and projects.
#[derive(Debug, Clone)]
pub struct GoCorpus {
    libs: Vec<LibModule>,
    projects: Vec<Project>,
}

struct LibSpec {
    path: &'static str,
    version: &'static str,
    wants: Vec<(&'static str, &'static str)>,
    packages: Vec<PkgSpec>,
}

struct ProjectSpec {
    name: &'static str,
    go: &'static str,
    wants: Vec<(&'static str, &'static str)>,
    packages: Vec<PkgSpec>,
    replace: Vec<Replace>,
}

const STRUTIL: &str = "lib.test/strutil";
const TOML: &str = "lib.test/BurntFox/toml";
const MATHX: &str = "lib.test/mathx";
const STATS: &str = "lib.test/mathx/stats";
const MATHX2: &str = "lib.test/mathx/v2";
const TESTONLY: &str = "lib.test/testonly";
const COLOR: &str = "lib.test/color";
const ANSI: &str = "lib.test/color/ansi";
const CLI: &str = "lib.test/cli";
const ONLYONE: &str = "lib.test/onlyone";

const REVERSE: &str = "// Reverse returns s with its runes in reverse order.
func Reverse(s string) string {
\tr := []rune(s)
\tfor i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
\t\tr[i], r[j] = r[j], r[i]
\t}
\treturn string(r)
}
";

const ENCODE: &str = "// Encode writes kv as TOML lines, sorted by key.
func Encode(kv map[string]string) string {
\tkeys := make([]string, 0, len(kv))
\tfor k := range kv {
\t\tkeys = append(keys, k)
\t}
\tsort.Strings(keys)
\tvar b strings.Builder
\tfor _, k := range keys {
\t\tb.WriteString(k + \" = \" + strconv.Quote(kv[k]) + \"\\n\")
\t}
\treturn b.String()
}
";

const SUM: &str = "// Sum adds xs.
func Sum(xs ...int) int {
\ttotal := 0
\tfor _, x := range xs {
\t\ttotal += x
\t}
\treturn total
}
";

const MEAN: &str = "// Mean is the arithmetic mean of xs, 0 for none.
func Mean(xs ...int) float64 {
\tif len(xs) == 0 {
\t\treturn 0
\t}
\treturn float64(mathx.Sum(xs...)) / float64(len(xs))
}
";

const WRAP: &str = "// Wrap surrounds s with the escape sequence of SGR code and a reset.
func Wrap(code int, s string) string {
\treturn \"\\x1b[\" + strconv.Itoa(code) + \"m\" + s + \"\\x1b[0m\"
}
";

const RED: &str = "// Red renders s in red on an ANSI terminal.
func Red(s string) string { return ansi.Wrap(31, s) }
";

const BANNER: &str = "// Banner is name in red and its length.
func Banner(name string) string {
\treturn color.Red(name) + \" \" + strconv.Itoa(mathx.Sum(len(name)))
}
";

const ANSWER: &str = "// Answer is the one value this module provides.
func Answer() int { return 42 }
";

fn lib_specs() -> Vec<LibSpec> {
    let lib = |path, version, wants: &[(&'static str, &'static str)], packages| LibSpec {
        path,
        version,
        wants: wants.to_vec(),
        packages,
    };
    let strutil = || vec![PkgSpec::lib("", &[]).code(&[], REVERSE)];
    let toml = |imports: &[&'static str]| {
        vec![PkgSpec::lib("", imports).code(&["sort", "strconv", "strings"], ENCODE)]
    };
    let mathx = || PkgSpec::lib("", &[STRUTIL]).code(&[], SUM);
    let color = || {
        vec![
            PkgSpec::lib("", &[ANSI, TOML])
                .code(&[], RED)
                .tests(&[TESTONLY]),
            PkgSpec::lib("ansi", &[]).code(&["strconv"], WRAP),
        ]
    };
    vec![
        lib(STRUTIL, "v1.0.0", &[], strutil()),
        lib(STRUTIL, "v1.1.0", &[], strutil()),
        lib(STRUTIL, "v1.2.0", &[], strutil()),
        lib(TOML, "v0.1.0", &[], toml(&[])),
        lib(TOML, "v0.2.0", &[(STRUTIL, "v1.0.0")], toml(&[STRUTIL])),
        lib(MATHX, "v1.0.0", &[(STRUTIL, "v1.0.0")], vec![mathx()]),
        lib(
            MATHX,
            "v1.3.0",
            &[(STRUTIL, "v1.1.0"), (TOML, "v0.1.0")],
            vec![
                mathx(),
                PkgSpec::lib("stats", &[MATHX, TOML]).code(&[], MEAN),
            ],
        ),
        lib(MATHX2, "v2.0.0", &[(STRUTIL, "v1.2.0")], vec![mathx()]),
        lib(TESTONLY, "v1.0.0", &[], vec![PkgSpec::lib("", &[])]),
        lib(
            COLOR,
            "v1.0.0",
            &[(TOML, "v0.1.0"), (TESTONLY, "v1.0.0")],
            color(),
        ),
        lib(
            COLOR,
            "v1.1.0",
            &[(TOML, "v0.2.0"), (TESTONLY, "v1.0.0")],
            color(),
        ),
        lib(
            CLI,
            "v0.4.0",
            &[(COLOR, "v1.1.0"), (MATHX, "v1.0.0")],
            vec![PkgSpec::lib("", &[COLOR, MATHX]).code(&["strconv"], BANNER)],
        ),
        lib(
            ONLYONE,
            "v1.0.0",
            &[],
            vec![PkgSpec::lib("", &[]).code(&[], ANSWER)],
        ),
    ]
}

fn project_specs() -> Vec<ProjectSpec> {
    let project =
        |name, go, wants: &[(&'static str, &'static str)], packages, replace| ProjectSpec {
            name,
            go,
            wants: wants.to_vec(),
            packages,
            replace,
        };
    vec![
        project(
            "proj1",
            "1.21",
            &[(STRUTIL, "v1.0.0"), (MATHX, "v1.0.0")],
            vec![PkgSpec::main("", &[STRUTIL, MATHX])],
            vec![],
        ),
        project(
            "proj2",
            "1.22",
            &[(MATHX, "v1.3.0"), (MATHX2, "v2.0.0"), (STRUTIL, "v1.1.0")],
            vec![PkgSpec::main("", &[STATS, MATHX2, STRUTIL])],
            vec![],
        ),
        project(
            "proj3",
            "1.21",
            &[(CLI, "v0.4.0"), (COLOR, "v1.0.0")],
            vec![
                PkgSpec::main("cmd/proj3", &[CLI, "example.test/proj3/internal/render"]),
                PkgSpec::lib("internal/render", &[COLOR, ANSI]),
            ],
            vec![],
        ),
        project(
            "proj4",
            "1.21",
            &[(COLOR, "v1.0.0"), (STRUTIL, "v1.2.0"), (TOML, "v0.1.0")],
            vec![PkgSpec::main("", &[COLOR, STRUTIL, TOML])],
            vec![Replace {
                old_path: STRUTIL,
                old_version: None,
                new_path: STRUTIL,
                new_version: "v1.1.0",
            }],
        ),
        project(
            "proj5",
            "1.23",
            &[(ONLYONE, "v1.0.0"), (TOML, "v0.2.0"), (MATHX2, "v2.0.0")],
            vec![PkgSpec::main("", &[ONLYONE, TOML, MATHX2])],
            vec![],
        ),
    ]
}

fn build_lib(libs: &[LibModule], spec: LibSpec, index: usize) -> LibModule {
    let tidied = tidy::tidy(
        libs,
        &Spec {
            path: spec.path,
            packages: &spec.packages,
            wants: &spec.wants,
            replace: &[],
        },
    );
    let go_mod = tidy::go_mod_text(spec.path, LIB_GO, &tidied, &[]);
    let files = spec
        .packages
        .iter()
        .flat_map(|p| p.files(spec.path, spec.version))
        .collect();
    let seconds = FIRST_TIME + 86_400 * index as i64;
    LibModule {
        path: spec.path.to_string(),
        version: spec.version.to_string(),
        time: Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH),
        go_mod,
        files,
        requires: tidied.roots.into_iter().collect(),
        packages: spec.packages,
    }
}

fn build_project(libs: &[LibModule], spec: ProjectSpec) -> Project {
    let path = format!("example.test/{}", spec.name);
    let tidied = tidy::tidy(
        libs,
        &Spec {
            path: &path,
            packages: &spec.packages,
            wants: &spec.wants,
            replace: &spec.replace,
        },
    );
    let go_mod = tidy::go_mod_text(&path, spec.go, &tidied, &spec.replace);
    let lib = |p: &str, v: &str| {
        libs.iter()
            .find(|m| m.path == p && m.version == v)
            .unwrap_or_else(|| panic!("goprojects: {p}@{v} is not in the corpus"))
    };
    let mut lines = String::new();
    for (p, v, go_mod_only) in &tidied.sums {
        let m = lib(p, v);
        if *go_mod_only {
            lines.push_str(&format!("{p} {v}/go.mod {}\n", m.go_mod_sum()));
        } else {
            lines.push_str(&format!("{p} {v} {}\n", m.zip_sum()));
        }
    }
    let go_sum = GoSum::parse("go.sum", lines.as_bytes())
        .unwrap_or_else(|e| panic!("goprojects: {e}"))
        .write(&[]);
    let zip_of = |p: &String, v: &String| {
        let (rp, rv, hit) = tidy::replaced(&spec.replace, p, v);
        if hit {
            format!("{rp}@{rv}")
        } else {
            format!("{p}@{v}")
        }
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v.dedup();
        v
    };
    let files = spec
        .packages
        .iter()
        .flat_map(|p| p.files(&path, "(devel)"))
        .collect();
    Project {
        go_mod,
        go_sum: String::from_utf8_lossy(&go_sum).into_owned(),
        files,
        requires: tidied.roots.clone().into_iter().collect(),
        build_list: sorted(
            tidied
                .build_list
                .iter()
                .map(|(p, v)| format!("{p}@{v}"))
                .collect(),
        ),
        default_zips: sorted(tidied.roots.iter().map(|(p, v)| zip_of(p, v)).collect()),
        all_zips: sorted(
            tidied
                .build_list
                .iter()
                .map(|(p, v)| zip_of(p, v))
                .collect(),
        ),
        replaces: !spec.replace.is_empty(),
        path,
    }
}

impl GoCorpus {
    /// The corpus. Deterministic: the same bytes on every call and machine.
    pub fn generate() -> GoCorpus {
        let mut libs: Vec<LibModule> = Vec::new();
        for (i, spec) in lib_specs().into_iter().enumerate() {
            let m = build_lib(&libs, spec, i);
            libs.push(m);
        }
        let projects = project_specs()
            .into_iter()
            .map(|spec| build_project(&libs, spec))
            .collect();
        GoCorpus { libs, projects }
    }

    /// Every library version, in publication order.
    pub fn libs(&self) -> &[LibModule] {
        &self.libs
    }

    /// The projects.
    pub fn projects(&self) -> &[Project] {
        &self.projects
    }

    /// Publishes every library version into `universe`.
    pub fn publish(&self, universe: &Universe) -> io::Result<()> {
        for m in &self.libs {
            let mut pkg = Package::new(&m.path, &m.version)
                .time(m.time)
                .go_mod(m.go_mod.clone());
            for (name, text) in &m.files {
                pkg = pkg.file(name.clone(), text.clone());
            }
            pkg.try_publish(universe)?;
        }
        Ok(())
    }

    /// Writes project `i` (go.mod, go.sum, `.go` files) under `dir`.
    ///
    /// # Panics
    /// If there is no project `i`.
    pub fn write_project(&self, i: usize, dir: &Path) -> io::Result<()> {
        self.projects[i].write(dir)
    }
}

#[cfg(test)]
mod tests;
