//! The main go.mod as Go rewrites it after loading the graph (Go's
//! `UpdateGoModFromReqs` and `modFileIsDirty`).

use super::Requirements;
use crate::gover;
use crate::modfile;
use crate::module::ModuleVersion;
use std::collections::HashMap;

/// The go.mod Go would write for `rs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// The formatted new file.
    pub bytes: Vec<u8>,
    /// Whether Go considers the file changed (and so writes it, or under
    /// `-mod=readonly` reports `updates to go.mod needed`).
    pub dirty: bool,
}

/// Computes the go.mod for the main module after its requirements became `rs`:
/// `current` is the file as loaded (with Go's load-time fixes), `original` as read
/// (dirtiness is judged against it). `always_update` is Go's `BuildMod == "mod"`: a
/// missing `go` line is then written even when it would be the default.
pub fn update(
    original: &modfile::File,
    current: &modfile::File,
    rs: &Requirements,
    always_update: bool,
) -> Update {
    let mut file = current.clone();
    let mut list: Vec<(ModuleVersion, bool)> = Vec::new();
    let mut go_version = String::new();
    let mut toolchain = String::new();
    for m in rs.roots() {
        match m.path.as_str() {
            "go" => go_version = m.version.clone(),
            "toolchain" => toolchain = m.version.clone(),
            _ => list.push((m.clone(), !rs.direct.contains(&m.path))),
        }
    }
    if go_version.is_empty() {
        go_version = super::DEFAULT_GO_MOD_VERSION.to_string();
    }
    let current_go = file.go.as_ref().map(|g| g.version.clone());
    if current_go.as_deref() != Some(go_version.as_str())
        && !(current_go.is_none() && go_version == super::DEFAULT_GO_MOD_VERSION && !always_update)
    {
        // A go version from the requirements is always valid.
        let _ = file.add_go_stmt(&go_version);
    }
    if toolchain.is_empty() {
        toolchain = format!("go{go_version}");
    }
    let tool_version = gover::from_toolchain(&toolchain);
    if toolchain == format!("go{go_version}")
        || gover::compare(&tool_version, super::GO_STRICT_VERSION).is_lt()
    {
        file.drop_toolchain_stmt();
    } else {
        let _ = file.add_toolchain_stmt(&toolchain);
    }
    if gover::compare(&go_version, super::PRUNING_VERSION).is_lt() {
        let _ = file.set_require(&list);
    } else {
        file.set_require_separate_indirect(&list);
    }
    file.cleanup();
    let dirty = is_dirty(original, &file, always_update);
    Update {
        bytes: file.format(),
        dirty,
    }
}

/// Go's `modFileIsDirty`: the directives differ from those read (wrong `// indirect`
/// comments alone do not count under `-mod=readonly`).
fn is_dirty(before: &modfile::File, after: &modfile::File, mod_mode: bool) -> bool {
    let module = |f: &modfile::File| f.module.as_ref().map(|m| m.path.clone());
    let go = |f: &modfile::File| f.go.as_ref().map(|g| g.version.clone()).unwrap_or_default();
    let toolchain = |f: &modfile::File| {
        f.toolchain
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or_default()
    };
    if module(before) != module(after)
        || go(before) != go(after)
        || toolchain(before) != toolchain(after)
        || before.require.len() != after.require.len()
        || before.replace.len() != after.replace.len()
        || before.exclude.len() != after.exclude.len()
    {
        return true;
    }
    let require: HashMap<&ModuleVersion, bool> = before
        .require
        .iter()
        .map(|r| (&r.module, r.indirect))
        .collect();
    for r in &after.require {
        match require.get(&r.module) {
            None => return true,
            Some(&indirect) if indirect != r.indirect && mod_mode => return true,
            Some(_) => {}
        }
    }
    let replace: HashMap<&ModuleVersion, &ModuleVersion> =
        before.replace.iter().map(|r| (&r.old, &r.new)).collect();
    if after
        .replace
        .iter()
        .any(|r| replace.get(&r.old) != Some(&&r.new))
    {
        return true;
    }
    after
        .exclude
        .iter()
        .any(|x| !before.exclude.iter().any(|b| b.module == x.module))
}

#[cfg(test)]
mod tests {
    use super::super::Pruning;
    use super::*;
    use std::collections::HashSet;

    fn rs(roots: &[(&str, &str)], direct: &[&str]) -> Requirements {
        Requirements::new(
            Pruning::Pruned,
            roots
                .iter()
                .map(|(p, v)| ModuleVersion::new(*p, *v))
                .collect(),
            direct.iter().map(|s| s.to_string()).collect::<HashSet<_>>(),
        )
    }

    #[test]
    fn an_upgraded_root_rewrites_the_require_line() {
        let text =
            "module m\n\ngo 1.17\n\nrequire (\n\trsc.io/quote v1.5.2\n\trsc.io/sampler v1.2.1\n)\n";
        let f = modfile::parse("go.mod", text.as_bytes(), None).unwrap();
        let r = rs(
            &[
                ("go", "1.17"),
                ("rsc.io/quote", "v1.5.2"),
                ("rsc.io/sampler", "v1.3.0"),
            ],
            &["go", "rsc.io/quote", "rsc.io/sampler"],
        );
        let u = update(&f, &f, &r, true);
        assert!(u.dirty);
        assert_eq!(
            String::from_utf8(u.bytes).unwrap(),
            "module m\n\ngo 1.17\n\nrequire (\n\trsc.io/quote v1.5.2\n\trsc.io/sampler v1.3.0\n)\n"
        );
        let same = rs(
            &[
                ("go", "1.17"),
                ("rsc.io/quote", "v1.5.2"),
                ("rsc.io/sampler", "v1.2.1"),
            ],
            &["go", "rsc.io/quote", "rsc.io/sampler"],
        );
        assert!(!update(&f, &f, &same, true).dirty);
    }

    #[test]
    fn wrong_indirect_comments_are_dirty_only_in_mod_mode() {
        let text = "module m\n\ngo 1.21\n\nrequire a.example/x v1.0.0\n";
        let f = modfile::parse("go.mod", text.as_bytes(), None).unwrap();
        let r = rs(&[("go", "1.21"), ("a.example/x", "v1.0.0")], &["go"]);
        assert!(update(&f, &f, &r, true).dirty);
        assert!(!update(&f, &f, &r, false).dirty);
    }
}
