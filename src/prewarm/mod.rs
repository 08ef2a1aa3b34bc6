//! What `gomodfetch prewarm` is asked to pre-warm, from its inputs: directories
//! walked for go.mod and go.work files, explicit go.mod and go.work files, lists of
//! `path@version` and the `-json` output of `go mod download`. The result is a
//! de-duplicated list of module roots and of module arguments, in input order; the
//! engine ([`crate::engine::prewarm`]) does the rest.
//!
//! The walk skips what `go` skips when it expands `./...`: `vendor` and `testdata`
//! directories, and directories whose names begin with `.` or `_`; symbolic links
//! are not followed. Every go.mod found is a main module of its own, nested ones
//! included. A go.work contributes its `use` directories, each loaded as its own
//! main module (as with `GOWORK=off`).

mod lists;

pub use lists::{ListError, parse_module_list};

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The projects and modules found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    /// Module roots, each once, in the order found.
    pub projects: Vec<PathBuf>,
    /// `path@version` arguments, each once, in the order found.
    pub modules: Vec<String>,
    /// Inputs that could not be used, each with its reason; the rest still runs.
    pub problems: Vec<String>,
    seen_projects: HashSet<PathBuf>,
    seen_modules: HashSet<String>,
}

impl Inputs {
    /// Adds `path`: a directory (walked), a go.mod file or a go.work file.
    pub fn add_path(&mut self, path: &Path) {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => return self.problem(format!("{}: {e}", path.display())),
        };
        if meta.is_dir() {
            return self.walk(path);
        }
        match path.file_name().and_then(|n| n.to_str()) {
            Some("go.mod") => self.add_project(path.parent().unwrap_or(Path::new("."))),
            Some(name) if name == "go.work" || name.ends_with(".work") => self.add_work(path),
            _ => self.problem(format!(
                "{}: not a directory, go.mod or go.work file (module lists go with --modules)",
                path.display()
            )),
        }
    }

    /// Adds the modules of a list or of `go mod download -json` output; `source`
    /// names it in errors.
    pub fn add_module_list(&mut self, source: &str, text: &str) {
        match parse_module_list(text) {
            Ok(mods) => {
                for m in mods {
                    if self.seen_modules.insert(m.clone()) {
                        self.modules.push(m);
                    }
                }
            }
            Err(e) => self.problem(format!("{source}: {e}")),
        }
    }

    /// Records a list that could not be read.
    pub fn add_module_list_error(&mut self, text: String) {
        self.problem(text);
    }

    fn problem(&mut self, text: String) {
        self.problems.push(text);
    }

    fn add_project(&mut self, dir: &Path) {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let key = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if self.seen_projects.insert(key.clone()) {
            self.projects.push(key);
        }
    }

    /// A go.work file: its `use` directories.
    fn add_work(&mut self, file: &Path) {
        let data = match std::fs::read(file) {
            Ok(d) => d,
            Err(e) => return self.problem(format!("{}: {e}", file.display())),
        };
        let name = file.display().to_string();
        let work = match crate::modfile::parse_work(&name, &data, None) {
            Ok(w) => w,
            Err(e) => return self.problem(format!("errors parsing {name}:\n{e}")),
        };
        let base = file.parent().unwrap_or(Path::new("."));
        for u in &work.uses {
            let dir = base.join(&u.path);
            if dir.join("go.mod").is_file() {
                self.add_project(&dir);
            } else {
                self.problem(format!(
                    "{name}: use {}: no go.mod in {}",
                    u.path,
                    dir.display()
                ));
            }
        }
    }

    /// Walks `root` depth first, in name order, without following links.
    fn walk(&mut self, root: &Path) {
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) => {
                    self.problem(format!("{}: {e}", dir.display()));
                    continue;
                }
            };
            let mut subdirs = Vec::new();
            let mut files = Vec::new();
            for entry in entries.flatten() {
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let name = entry.file_name();
                if kind.is_dir() {
                    if !skipped_dir(&name.to_string_lossy()) {
                        subdirs.push(entry.path());
                    }
                } else if kind.is_file() && (name == "go.mod" || name == "go.work") {
                    files.push(entry.path());
                }
            }
            files.sort();
            for f in files {
                if f.file_name().is_some_and(|n| n == "go.mod") {
                    self.add_project(&dir);
                } else {
                    self.add_work(&f);
                }
            }
            subdirs.sort();
            stack.extend(subdirs.into_iter().rev());
        }
    }
}

/// Directories `go` leaves out of `./...` (and that never hold a project of their
/// own): `vendor`, `testdata`, and names beginning with `.` or `_`.
fn skipped_dir(name: &str) -> bool {
    name == "vendor" || name == "testdata" || name.starts_with('.') || name.starts_with('_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    #[test]
    fn walk_finds_nested_modules_and_skips_what_go_skips() {
        let t = tempfile::tempdir().expect("tempdir");
        let r = t.path();
        touch(r, "a/go.mod", "module a\n");
        touch(r, "a/sub/go.mod", "module a/sub\n");
        touch(r, "a/vendor/x/go.mod", "module x\n");
        touch(r, "a/testdata/y/go.mod", "module y\n");
        touch(r, "a/.git/go.mod", "module g\n");
        touch(r, "a/_old/go.mod", "module o\n");
        touch(r, "b/go.mod", "module b\n");
        let mut inputs = Inputs::default();
        inputs.add_path(r);
        let root = std::fs::canonicalize(r).expect("canonical");
        assert_eq!(
            inputs.projects,
            vec![root.join("a"), root.join("a/sub"), root.join("b")]
        );
        assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
    }

    #[test]
    fn work_files_add_their_use_directories_once() {
        let t = tempfile::tempdir().expect("tempdir");
        let r = t.path();
        touch(
            r,
            "go.work",
            "go 1.22\n\nuse (\n\t./m1\n\t./m2\n\t./missing\n)\n",
        );
        touch(r, "m1/go.mod", "module m1\n");
        touch(r, "m2/go.mod", "module m2\n");
        let mut inputs = Inputs::default();
        inputs.add_path(&r.join("go.work"));
        inputs.add_path(r);
        inputs.add_path(&r.join("m1/go.mod"));
        let root = std::fs::canonicalize(r).expect("canonical");
        assert_eq!(inputs.projects, vec![root.join("m1"), root.join("m2")]);
        assert_eq!(inputs.problems.len(), 2, "{:?}", inputs.problems);
        assert!(inputs.problems.iter().all(|p| p.contains("missing")));
    }

    #[test]
    fn bad_paths_are_problems_not_aborts() {
        let t = tempfile::tempdir().expect("tempdir");
        touch(t.path(), "notes.txt", "x");
        let mut inputs = Inputs::default();
        inputs.add_path(&t.path().join("absent"));
        inputs.add_path(&t.path().join("notes.txt"));
        assert_eq!(inputs.problems.len(), 2);
        assert!(inputs.projects.is_empty());
    }
}
