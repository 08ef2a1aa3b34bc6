//! The main module's `replace` and `exclude` lines (Go's `toReplaceMap`,
//! `Replacement` and `index.exclude`).

use crate::modfile;
use crate::module::ModuleVersion;
use std::collections::{HashMap, HashSet};

/// Replacements and exclusions of the main module.
#[derive(Debug, Clone, Default)]
pub struct Replacer {
    main_path: String,
    replace: HashMap<ModuleVersion, ModuleVersion>,
    exclude: HashSet<ModuleVersion>,
}

impl Replacer {
    /// The replacements and exclusions of the main module's go.mod `file`. Two
    /// different replacements of one key are Go's fatal `conflicting replacements`
    /// (the error's text, without `go: `).
    pub fn new(main_path: &str, file: &modfile::File) -> Result<Replacer, String> {
        let mut replace: HashMap<ModuleVersion, ModuleVersion> = HashMap::new();
        for r in &file.replace {
            if let Some(prev) = replace.get(&r.old)
                && *prev != r.new
            {
                return Err(format!(
                    "conflicting replacements for {}:\n\t{}\n\t{}",
                    r.old, prev, r.new
                ));
            }
            replace.insert(r.old.clone(), r.new.clone());
        }
        Ok(Replacer {
            main_path: main_path.to_string(),
            replace,
            exclude: file.exclude.iter().map(|e| e.module.clone()).collect(),
        })
    }

    /// Go's `Replacement`: the replacement of exactly `m`, else of every version of
    /// its path; `None` when there is none (and for the main module itself).
    pub fn replacement(&self, m: &ModuleVersion) -> Option<&ModuleVersion> {
        if m.path == self.main_path && m.version.is_empty() {
            return None;
        }
        self.replace.get(m).or_else(|| {
            self.replace
                .get(&ModuleVersion::new(m.path.clone(), String::new()))
        })
    }

    /// Go's `resolveReplacement`: the module whose files stand for `m`.
    pub fn resolve(&self, m: &ModuleVersion) -> ModuleVersion {
        self.replacement(m).cloned().unwrap_or_else(|| m.clone())
    }

    /// Whether the main module excludes `m`.
    pub fn is_excluded(&self, m: &ModuleVersion) -> bool {
        self.exclude.contains(m)
    }

    /// The excluded versions.
    pub fn excluded(&self) -> &HashSet<ModuleVersion> {
        &self.exclude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> modfile::File {
        modfile::parse("go.mod", text.as_bytes(), None).unwrap()
    }

    fn mv(p: &str, v: &str) -> ModuleVersion {
        ModuleVersion::new(p, v)
    }

    #[test]
    fn exact_replacements_win_over_path_replacements() {
        let f = file(
            "module m\nreplace (\n\ta.example/x => b.example/x v1.0.0\n\ta.example/x v1.2.0 => ../x\n)\nexclude a.example/y v1.0.0\n",
        );
        let r = Replacer::new("m", &f).unwrap();
        assert_eq!(r.resolve(&mv("a.example/x", "v1.2.0")), mv("../x", ""));
        assert_eq!(
            r.resolve(&mv("a.example/x", "v1.3.0")),
            mv("b.example/x", "v1.0.0")
        );
        assert_eq!(
            r.resolve(&mv("a.example/z", "v1.3.0")),
            mv("a.example/z", "v1.3.0")
        );
        assert!(r.is_excluded(&mv("a.example/y", "v1.0.0")));
        assert!(r.replacement(&mv("m", "")).is_none());
    }

    #[test]
    fn conflicting_replacements_are_an_error() {
        let f = file("module m\nreplace a.example/x => ../x\nreplace a.example/x => ../y\n");
        assert_eq!(
            Replacer::new("m", &f).unwrap_err(),
            "conflicting replacements for a.example/x:\n\t../x\n\t../y"
        );
    }
}
