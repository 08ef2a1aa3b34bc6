//! The `go` and `toolchain` pseudo-modules (`cmd/go/internal/gover/mod.go`) and
//! toolchain names (`FromToolchain`).
//!
//! The go command puts a module's `go` and `toolchain` lines into the module graph as
//! requirements on the modules `go` and `toolchain`. Their versions are Go versions
//! (`1.21.0`) and toolchain names (`go1.21.0`), so every version operation on a module
//! graph must dispatch on the path; these functions do, falling back to semver for
//! every other module.

use super::{compare, is_lang, is_prerelease, is_valid, lang};
use crate::module::ModuleVersion;
use crate::semver;
use std::cmp::Ordering;

/// `gover.IsToolchain`: whether `path` is one of the pseudo-modules `go` and
/// `toolchain` (not the real, downloadable `golang.org/toolchain`).
pub fn is_toolchain(path: &str) -> bool {
    path == "go" || path == "toolchain"
}

/// `gover.FromToolchain`: the Go version a toolchain name stands for (`go1.2.3` and
/// `go1.2.3-bigcorp` → `1.2.3`), or `""` if the name is not of that form. A suffix
/// introduced by `-`, space or tab is dropped; names with path separators are refused.
pub fn from_toolchain(name: &str) -> String {
    if name.contains(['\\', '/']) {
        return String::new();
    }
    let Some(v) = name.strip_prefix("go") else {
        return String::new();
    };
    let v = v.split([' ', '\t', '-']).next().unwrap_or_default();
    if is_valid(v) {
        v.to_string()
    } else {
        String::new()
    }
}

/// A `toolchain` pseudo-module version may be a Go version or a toolchain name.
fn maybe_toolchain_version(name: &str) -> String {
    if is_valid(name) {
        name.to_string()
    } else {
        from_toolchain(name)
    }
}

/// `gover.ModCompare`: compares two versions of the module `path`.
pub fn mod_compare(path: &str, x: &str, y: &str) -> Ordering {
    match path {
        "go" => compare(x, y),
        "toolchain" => compare(&maybe_toolchain_version(x), &maybe_toolchain_version(y)),
        _ => semver::compare(x, y),
    }
}

/// `gover.ModSort`: `module::sort` that orders `go` and `toolchain` by Go version.
/// Stable, so entries Go considers equal keep their order.
pub fn mod_sort(list: &mut [ModuleVersion]) {
    list.sort_by(|a, b| crate::module::compare_entries(a, b, |x, y| mod_compare(&a.path, x, y)));
}

/// `gover.ModIsValid`: whether `vers` is valid version syntax for the module `path`.
pub fn mod_is_valid(path: &str, vers: &str) -> bool {
    match path {
        "toolchain" => is_valid(&from_toolchain(vers)),
        "go" => is_valid(vers),
        _ => semver::is_valid(vers),
    }
}

/// `gover.ModIsPrefix`: whether `vers` (assumed valid) is a version prefix for `path`
/// (a language version for `go`/`toolchain`; at most `vX.Y` without suffixes for
/// semver), as in `@v1.2` queries.
pub fn mod_is_prefix(path: &str, vers: &str) -> bool {
    match path {
        "toolchain" => is_lang(&from_toolchain(vers)),
        "go" => is_lang(vers),
        _ => {
            let mut dots = 0;
            for b in vers.bytes() {
                match b {
                    b'-' | b'+' => return false,
                    b'.' => {
                        dots += 1;
                        if dots >= 2 {
                            return false;
                        }
                    }
                    _ => {}
                }
            }
            true
        }
    }
}

/// `gover.ModIsPrerelease`: whether `vers` (assumed valid) is a prerelease for `path`.
pub fn mod_is_prerelease(path: &str, vers: &str) -> bool {
    match path {
        "toolchain" => is_prerelease(&from_toolchain(vers)),
        "go" => is_prerelease(vers),
        _ => !semver::prerelease(vers).is_empty(),
    }
}

/// `gover.ModMajorMinor`: the `major.minor` truncation of `vers` for `@patch` queries
/// (`go1.21` for a toolchain, `1.21` for go, `v1.21` for semver).
pub fn mod_major_minor(path: &str, vers: &str) -> String {
    match path {
        "toolchain" => format!("go{}", lang(&from_toolchain(vers))),
        "go" => lang(vers),
        _ => semver::major_minor(vers),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toolchain_names() {
        for (name, want) in [
            ("go1.2.3", "1.2.3"),
            ("go1.2.3+bigcorp", ""),
            ("go1.2.3-bigcorp", "1.2.3"),
            ("go1.2.3-bigcorp more text", "1.2.3"),
            ("go1.21rc1 x", "1.21rc1"),
            ("go1.2/x", ""),
            ("gccgo-go1.23.4", ""),
            ("go1.2.3\tx", "1.2.3"),
            ("1.2.3", ""),
            ("", ""),
        ] {
            assert_eq!(from_toolchain(name), want, "{name:?}");
        }
    }

    #[test]
    fn pseudo_modules() {
        assert_eq!(mod_compare("go", "1.2", "1.3"), Ordering::Less);
        assert_eq!(mod_compare("toolchain", "go1.2", "1.2"), Ordering::Equal);
        assert_eq!(
            mod_compare("toolchain", "go1.21", "go1.21rc1"),
            Ordering::Less
        );
        assert_eq!(mod_compare("rsc.io/quote", "v1.2", "v1.10"), Ordering::Less);
        assert!(mod_is_valid("toolchain", "go1.2") && !mod_is_valid("toolchain", "1.2"));
        assert!(mod_is_valid("go", "1.2") && !mod_is_valid("go", "v1.2"));
        assert!(mod_is_valid("rsc.io/quote", "v1.2") && !mod_is_valid("rsc.io/quote", "1.2"));
        assert!(mod_is_prefix("go", "1.21") && !mod_is_prefix("go", "1.21.0"));
        assert!(mod_is_prefix("toolchain", "go1.22") && !mod_is_prefix("toolchain", "go1.20"));
        assert!(mod_is_prefix("x.y/z", "v1.2") && !mod_is_prefix("x.y/z", "v1.2.3"));
        assert!(!mod_is_prefix("x.y/z", "v1-pre"));
        assert!(mod_is_prerelease("toolchain", "go1.22rc1"));
        assert!(mod_is_prerelease("x.y/z", "v1.2.3-pre") && !mod_is_prerelease("go", "1.2"));
        assert_eq!(mod_major_minor("toolchain", "go1.22.3"), "go1.22");
        assert_eq!(mod_major_minor("go", "1.22.3"), "1.22");
        assert_eq!(mod_major_minor("x.y/z", "v1.22.3"), "v1.22");

        let mut list: Vec<ModuleVersion> = "z v1.1; a v1.2; a v1.1; go 1.3; toolchain 1.3; toolchain 1.2; go 1.2; go 1.21rc1; go 1.21"
            .split("; ")
            .filter_map(|e| e.split_once(' '))
            .map(|(p, v)| ModuleVersion::new(p, v))
            .collect();
        mod_sort(&mut list);
        let got: Vec<String> = list
            .iter()
            .map(|m| format!("{} {}", m.path, m.version))
            .collect();
        assert_eq!(
            got.join("; "),
            "a v1.1; a v1.2; go 1.2; go 1.3; go 1.21; go 1.21rc1; toolchain 1.2; toolchain 1.3; z v1.1"
        );
    }
}
