//! What `go mod tidy` writes for a module of the corpus, computed the way Go computes
//! it for a main module at `go 1.17` or later (a pruned module graph):
//!
//! * the roots (the go.mod requirements) are the modules providing a package that the
//!   module's own packages import, directly or not, tests of its own packages
//!   included, each at its selected version; direct ones are those its own packages
//!   import themselves, the others are `// indirect`;
//! * the module graph holds the roots and the requirements of each root's go.mod (of
//!   its replacement, when replaced), not further; a path's selected version is the
//!   highest in that graph (MVS over the pruned graph);
//! * go.sum holds the go.mod hash of every root (Go's `keepSums` over a loaded pruned
//!   graph) and the zip hash of every module providing a package and of every root
//!   whose path is a prefix of such a package's path, always of the replacement.
//!
//! The corpus is small and fixed, so an inconsistency (an import no module provides,
//! two modules providing one package, a requirement never used) is a bug of the
//! corpus table and panics. The integration test `goprojects_build` checks the result
//! against the real `go mod tidy -diff`.

use super::LibModule;
use super::code::PkgSpec;
use crate::semver;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// A `replace` line of a main module: `old_path [old_version] => new_path new_version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Replace {
    pub old_path: &'static str,
    pub old_version: Option<&'static str>,
    pub new_path: &'static str,
    pub new_version: &'static str,
}

/// A module to tidy: its path, own packages, wanted direct requirements and
/// replacements.
pub(super) struct Spec<'a> {
    pub path: &'a str,
    pub packages: &'a [PkgSpec],
    pub wants: &'a [(&'static str, &'static str)],
    pub replace: &'a [Replace],
}

/// The tidy result.
#[derive(Debug, Clone, Default)]
pub(super) struct Tidied {
    /// The go.mod requirements: path → version.
    pub roots: BTreeMap<String, String>,
    /// Roots imported by the module's own packages.
    pub direct: BTreeSet<String>,
    /// Every path of the pruned module graph at its selected version (`go list -m
    /// all` without the main module), before replacement.
    pub build_list: BTreeMap<String, String>,
    /// The go.sum keys: (path, version, go.mod only), after replacement.
    pub sums: BTreeSet<(String, String, bool)>,
}

/// The module version that stands for `path@version` after `replace`.
pub(super) fn replaced(
    replace: &[Replace],
    path: &str,
    version: &str,
) -> (&'static str, &'static str, bool) {
    let exact = replace
        .iter()
        .find(|r| r.old_path == path && r.old_version == Some(version));
    let any = || {
        replace
            .iter()
            .find(|r| r.old_path == path && r.old_version.is_none())
    };
    match exact.or_else(any) {
        Some(r) => (r.new_path, r.new_version, true),
        None => ("", "", false),
    }
}

fn lookup<'a>(
    libs: &'a [LibModule],
    replace: &[Replace],
    path: &str,
    version: &str,
) -> &'a LibModule {
    let (p, v, hit) = replaced(replace, path, version);
    let (p, v) = if hit { (p, v) } else { (path, version) };
    libs.iter()
        .find(|m| m.path == p && m.version == v)
        .unwrap_or_else(|| panic!("goprojects: {p}@{v} is not in the corpus"))
}

fn raise(sel: &mut BTreeMap<String, String>, path: &str, version: &str) {
    match sel.get(path) {
        Some(v) if semver::compare(v, version) != Ordering::Less => {}
        _ => {
            sel.insert(path.to_string(), version.to_string());
        }
    }
}

/// The module of `sel` providing package `import`, and the package.
fn provider<'a>(
    libs: &'a [LibModule],
    spec: &Spec<'_>,
    sel: &BTreeMap<String, String>,
    import: &str,
) -> (String, &'a PkgSpec) {
    let mut found = Vec::new();
    for (path, version) in sel {
        let rel = if import == path {
            ""
        } else if let Some(rest) = import.strip_prefix(path.as_str())
            && let Some(rel) = rest.strip_prefix('/')
        {
            rel
        } else {
            continue;
        };
        let m = lookup(libs, spec.replace, path, version);
        if let Some(pkg) = m.packages.iter().find(|p| p.dir == rel) {
            found.push((path.clone(), pkg));
        }
    }
    match found.len() {
        1 => found.remove(0),
        0 => panic!("goprojects: {}: no module provides {import}", spec.path),
        _ => panic!("goprojects: {}: ambiguous import {import}", spec.path),
    }
}

fn is_own(spec: &Spec<'_>, import: &str) -> bool {
    import == spec.path
        || import
            .strip_prefix(spec.path)
            .is_some_and(|r| r.starts_with('/'))
}

/// `go mod tidy` of `spec` in a world of `libs`.
pub(super) fn tidy(libs: &[LibModule], spec: &Spec<'_>) -> Tidied {
    let mut roots: BTreeMap<String, String> = BTreeMap::new();
    for (p, v) in spec.wants {
        raise(&mut roots, p, v);
    }
    let own_imports: Vec<&str> = spec
        .packages
        .iter()
        .flat_map(|p| p.imports.iter().chain(&p.test_imports))
        .copied()
        .filter(|i| !is_own(spec, i))
        .collect();
    for _ in 0..16 {
        let mut sel = roots.clone();
        for (p, v) in &roots {
            for (rp, rv) in &lookup(libs, spec.replace, p, v).requires {
                raise(&mut sel, rp, rv);
            }
        }
        let mut providers = BTreeSet::new();
        let mut direct = BTreeSet::new();
        let mut sums = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut queue: Vec<(&str, bool)> = own_imports.iter().map(|i| (*i, true)).collect();
        while let Some((import, is_direct)) = queue.pop() {
            if is_direct {
                let (path, _) = provider(libs, spec, &sel, import);
                direct.insert(path);
            }
            if !seen.insert(import) {
                continue;
            }
            let (path, pkg) = provider(libs, spec, &sel, import);
            // Roots whose path is a prefix of the package's: Go reads their zips to
            // rule out an ambiguous import.
            for (rp, rv) in &roots {
                if import.starts_with(rp.as_str()) && import[rp.len()..].starts_with('/') {
                    sums.insert(sum_key(spec, rp, rv, false));
                }
            }
            providers.insert(path);
            queue.extend(pkg.imports.iter().map(|i| (*i, false)));
        }
        let next: BTreeMap<String, String> = providers
            .iter()
            .map(|p| (p.clone(), sel[p].clone()))
            .collect();
        if next == roots {
            for (p, v) in &roots {
                sums.insert(sum_key(spec, p, v, true));
                if providers.contains(p) {
                    sums.insert(sum_key(spec, p, v, false));
                }
            }
            for (want, _) in spec.wants {
                assert!(
                    roots.contains_key(*want),
                    "goprojects: {} requires {want} but imports nothing from it",
                    spec.path
                );
            }
            return Tidied {
                roots,
                direct,
                build_list: sel,
                sums,
            };
        }
        roots = next;
    }
    panic!("goprojects: {}: tidy does not converge", spec.path)
}

fn sum_key(spec: &Spec<'_>, path: &str, version: &str, go_mod: bool) -> (String, String, bool) {
    let (p, v, hit) = replaced(spec.replace, path, version);
    if hit {
        (p.to_string(), v.to_string(), go_mod)
    } else {
        (path.to_string(), version.to_string(), go_mod)
    }
}

/// The go.mod text of a tidied module: direct requirements, then indirect ones, each
/// in its own block (a single line when alone, as tidy writes it), then the
/// replacements.
pub(super) fn go_mod_text(path: &str, go: &str, t: &Tidied, replace: &[Replace]) -> String {
    let mut s = format!("module {path}\n\ngo {go}\n");
    let direct: Vec<_> = t
        .roots
        .iter()
        .filter(|(p, _)| t.direct.contains(*p))
        .collect();
    let indirect: Vec<_> = t
        .roots
        .iter()
        .filter(|(p, _)| !t.direct.contains(*p))
        .collect();
    for (block, comment) in [(direct, ""), (indirect, " // indirect")] {
        match block.as_slice() {
            [] => {}
            [(p, v)] => s.push_str(&format!("\nrequire {p} {v}{comment}\n")),
            _ => {
                s.push_str("\nrequire (\n");
                for (p, v) in block {
                    s.push_str(&format!("\t{p} {v}{comment}\n"));
                }
                s.push_str(")\n");
            }
        }
    }
    if !replace.is_empty() {
        s.push('\n');
        for r in replace {
            let old = match r.old_version {
                Some(v) => format!("{} {v}", r.old_path),
                None => r.old_path.to_string(),
            };
            s.push_str(&format!(
                "replace {old} => {} {}\n",
                r.new_path, r.new_version
            ));
        }
    }
    s
}
