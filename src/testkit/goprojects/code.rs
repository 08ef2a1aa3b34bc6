//! The Go source of the corpus: one file per package, written so that every import is
//! used (each package's `Deps` calls the `Deps` of every corpus package it imports), so
//! `go build` needs exactly the modules the import graph names.

use std::fmt::Write as _;

/// One Go package of a module.
#[derive(Debug, Clone)]
pub(super) struct PkgSpec {
    /// The directory relative to the module root; `""` is the root.
    pub dir: &'static str,
    /// A `main` package (projects only).
    pub main: bool,
    /// Corpus packages imported by the package's `.go` files (full import paths).
    pub imports: Vec<&'static str>,
    /// Corpus packages imported only by its `_test.go` file (none: no test file).
    pub test_imports: Vec<&'static str>,
    /// Standard-library packages `extra` needs.
    pub std: Vec<&'static str>,
    /// Hand-written Go declarations appended to the generated file.
    pub extra: &'static str,
}

impl PkgSpec {
    pub fn lib(dir: &'static str, imports: &[&'static str]) -> PkgSpec {
        PkgSpec {
            dir,
            main: false,
            imports: imports.to_vec(),
            test_imports: Vec::new(),
            std: Vec::new(),
            extra: "",
        }
    }

    pub fn main(dir: &'static str, imports: &[&'static str]) -> PkgSpec {
        PkgSpec {
            main: true,
            ..PkgSpec::lib(dir, imports)
        }
    }

    pub fn code(mut self, std: &[&'static str], extra: &'static str) -> PkgSpec {
        self.std = std.to_vec();
        self.extra = extra;
        self
    }

    pub fn tests(mut self, imports: &[&'static str]) -> PkgSpec {
        self.test_imports = imports.to_vec();
        self
    }

    /// The import path of this package in module `module`.
    pub fn import_path(&self, module: &str) -> String {
        if self.dir.is_empty() {
            module.to_string()
        } else {
            format!("{module}/{}", self.dir)
        }
    }

    /// The files of the package (relative to the module root, contents), `label`
    /// being the version its `Version` constant names.
    pub fn files(&self, module: &str, label: &str) -> Vec<(String, String)> {
        let import_path = self.import_path(module);
        let name = if self.main {
            "main".to_string()
        } else {
            package_name(&import_path)
        };
        let file_stem = if self.main {
            last_element(&import_path).to_ascii_lowercase()
        } else {
            name.clone()
        };
        let at = |file: String| {
            if self.dir.is_empty() {
                file
            } else {
                format!("{}/{file}", self.dir)
            }
        };
        let mut out = vec![(
            at(format!("{file_stem}.go")),
            self.source(&import_path, &name, label),
        )];
        if !self.test_imports.is_empty() {
            out.push((at(format!("{file_stem}_test.go")), self.test_source(&name)));
        }
        out
    }

    fn source(&self, import_path: &str, name: &str, label: &str) -> String {
        let mut s = String::new();
        if self.main {
            let _ = writeln!(
                s,
                "// Command {} is a program of gomodfetch's generated Go corpus.",
                last_element(import_path)
            );
        } else {
            let _ = writeln!(
                s,
                "// Package {name} is part of gomodfetch's generated Go corpus."
            );
        }
        let _ = writeln!(s, "package {name}\n");
        let mut std = self.std.clone();
        if self.main {
            std.extend(["os", "strings"]);
        }
        std.sort_unstable();
        std.dedup();
        write_imports(&mut s, &std, &self.imports);
        let calls: String = self
            .imports
            .iter()
            .map(|i| format!("\tdeps = append(deps, {}.Deps()...)\n", alias(i)))
            .collect();
        if self.main {
            let _ = write!(
                s,
                "func main() {{\n\tvar deps []string\n{calls}\
                 \tos.Stdout.WriteString(strings.Join(deps, \"\\n\") + \"\\n\")\n}}\n"
            );
        } else {
            let _ = write!(
                s,
                "// Version is the version of the module this package was published in.\n\
                 const Version = \"{label}\"\n\n\
                 // Name is this package's import path and module version.\n\
                 func Name() string {{ return \"{import_path}@\" + Version }}\n\n\
                 // Deps lists this package and the corpus packages it imports, depth first.\n\
                 func Deps() []string {{\n\tdeps := []string{{Name()}}\n{calls}\treturn deps\n}}\n"
            );
        }
        if !self.extra.is_empty() {
            let _ = write!(s, "\n{}", self.extra);
        }
        s
    }

    fn test_source(&self, name: &str) -> String {
        let mut s = format!("package {name}\n\n");
        write_imports(&mut s, &["testing"], &self.test_imports);
        s.push_str("func TestDeps(t *testing.T) {\n");
        for i in &self.test_imports {
            let _ = writeln!(
                s,
                "\tif {}.Name() == \"\" || len(Deps()) == 0 {{\n\t\tt.Fatal(\"empty\")\n\t}}",
                alias(i)
            );
        }
        s.push_str("}\n");
        s
    }
}

fn write_imports(s: &mut String, std: &[&str], corpus: &[&str]) {
    if std.is_empty() && corpus.is_empty() {
        return;
    }
    s.push_str("import (\n");
    for p in std {
        let _ = writeln!(s, "\t\"{p}\"");
    }
    if !std.is_empty() && !corpus.is_empty() {
        s.push('\n');
    }
    for p in corpus {
        let _ = writeln!(s, "\t{} \"{p}\"", alias(p));
    }
    s.push_str(")\n\n");
}

fn last_element(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `v2`, `v3`, …: a major-version suffix element.
fn is_major(elem: &str) -> bool {
    elem.len() > 1
        && elem.starts_with('v')
        && elem[1..].bytes().all(|b| b.is_ascii_digit())
        && !elem[1..].starts_with('0')
}

fn identifier(elem: &str) -> String {
    elem.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The package name of an import path: its last element without a major-version
/// suffix, lower-cased (`lib.test/mathx/v2` → `mathx`).
pub(super) fn package_name(import_path: &str) -> String {
    let mut elems = import_path.rsplit('/');
    let last = elems.next().unwrap_or(import_path);
    if is_major(last) {
        identifier(elems.next().unwrap_or(last))
    } else {
        identifier(last)
    }
}

/// The name an importer gives an import path: the package name, plus the major
/// suffix (`lib.test/mathx/v2` → `mathxv2`), so both majors can be imported at once.
pub(super) fn alias(import_path: &str) -> String {
    let last = last_element(import_path);
    if is_major(last) {
        format!("{}{last}", package_name(import_path))
    } else {
        package_name(import_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases() {
        assert_eq!(package_name("lib.test/mathx/v2"), "mathx");
        assert_eq!(alias("lib.test/mathx/v2"), "mathxv2");
        assert_eq!(alias("lib.test/BurntFox/toml"), "toml");
        assert_eq!(alias("lib.test/v0"), "v0");
        assert!(!is_major("v01"));
    }

    #[test]
    fn a_main_package_uses_every_import() {
        let p = PkgSpec::main("cmd/tool", &["lib.test/a", "lib.test/a/v2"]);
        let files = p.files("example.test/p", "(devel)");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "cmd/tool/tool.go");
        let src = &files[0].1;
        assert!(src.contains("package main\n"), "{src}");
        assert!(src.contains("\ta \"lib.test/a\"\n"), "{src}");
        assert!(src.contains("append(deps, av2.Deps()...)"), "{src}");
    }
}
