//! Editing a parsed go.mod (Go's `modfile/rule.go`, editing half): setting and
//! dropping directives while keeping the file's layout and comments, then sorting
//! blocks, removing duplicates and cleaning up, exactly as `go mod edit` does.
//!
//! Edits mark lines removed instead of deleting them (Go does so to stay linear);
//! call [`File::cleanup`] after a series of edits. New lines join the block (or the
//! last line) of the same directive.

use super::comments::set_indirect;
use super::error::{Error, ErrorKind};
use super::quote::auto_quote;
use super::rule::{
    Exclude, File, Go, Godebug, Ignore, Module, Replace, Require, Retract, Tool, Toolchain,
};
use super::syntax::{Comment, CommentBlock, Comments, FileSyntax, Line, LineId, Placement, Stmt};
use super::text;
use super::version::{VersionInterval, check_canonical_version, is_go_version, is_toolchain_name};
use crate::module::ModuleVersion;
use crate::semver;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

/// With a related line if there is one, else with the statements of the same verb.
fn near(hint: Option<LineId>) -> Placement {
    hint.map_or(Placement::SameVerb, Placement::Near)
}

fn words(w: &[&str]) -> Vec<Vec<u8>> {
    w.iter().map(|s| s.as_bytes().to_vec()).collect()
}

impl File {
    /// Sets the module path, adding the `module` line if there is none.
    pub fn add_module_stmt(&mut self, path: &str) {
        let tokens = vec![b"module".to_vec(), auto_quote(path)];
        match &mut self.module {
            Some(m) => {
                m.path = path.to_string();
                let id = m.syntax;
                self.syntax.update_line(id, tokens);
            }
            None => {
                let id = self.syntax.add_line(Placement::SameVerb, tokens);
                self.module = Some(Module {
                    path: path.to_string(),
                    deprecated: String::new(),
                    syntax: id,
                });
            }
        }
    }

    /// Appends a comment block holding `text` (which should start with `//`).
    pub fn add_comment(&mut self, text: &str) {
        self.syntax.stmt.push(Stmt::Comments(CommentBlock {
            comments: Comments {
                before: vec![Comment::new(text)],
                ..Comments::default()
            },
            start: Default::default(),
        }));
    }

    /// Sets the `go` version, adding the line after `module` if there is none.
    pub fn add_go_stmt(&mut self, version: &str) -> Result<(), ErrorKind> {
        if !is_go_version(version.as_bytes()) {
            return Err(ErrorKind::InvalidLanguageVersion(version.to_string()));
        }
        match &mut self.go {
            Some(go) => {
                go.version = version.to_string();
                let id = go.syntax;
                self.syntax.update_line(id, words(&["go", version]));
            }
            None => {
                let hint = self.module.as_ref().map(|m| m.syntax);
                let id = self.syntax.add_line(near(hint), words(&["go", version]));
                self.go = Some(Go {
                    version: version.to_string(),
                    syntax: id,
                });
            }
        }
        Ok(())
    }

    /// Removes the `go` line.
    pub fn drop_go_stmt(&mut self) {
        if let Some(go) = self.go.take() {
            self.syntax.mark_removed(go.syntax);
        }
    }

    /// Sets the toolchain, adding the line after `go` (or `module`) if there is none.
    pub fn add_toolchain_stmt(&mut self, name: &str) -> Result<(), ErrorKind> {
        if !is_toolchain_name(name.as_bytes()) {
            return Err(ErrorKind::InvalidToolchainName(name.to_string()));
        }
        match &mut self.toolchain {
            Some(t) => {
                t.name = name.to_string();
                let id = t.syntax;
                self.syntax.update_line(id, words(&["toolchain", name]));
            }
            None => {
                let hint = (self.go.as_ref().map(|g| g.syntax))
                    .or_else(|| self.module.as_ref().map(|m| m.syntax));
                let id = self
                    .syntax
                    .add_line(near(hint), words(&["toolchain", name]));
                self.toolchain = Some(Toolchain {
                    name: name.to_string(),
                    syntax: id,
                });
            }
        }
        Ok(())
    }

    /// Removes the `toolchain` line.
    pub fn drop_toolchain_stmt(&mut self) {
        if let Some(t) = self.toolchain.take() {
            self.syntax.mark_removed(t.syntax);
        }
    }

    /// Sets `key` to `value` on its first `godebug` line and removes the others, or
    /// adds a line at the end of the last `godebug` block.
    pub fn add_godebug(&mut self, key: &str, value: &str) {
        let mut need = true;
        for g in &mut self.godebug {
            if g.key == key {
                if need {
                    g.value = value.to_string();
                    let tokens = words(&["godebug", &format!("{key}={value}")]);
                    self.syntax.update_line(g.syntax, tokens);
                    need = false;
                } else {
                    self.syntax.mark_removed(g.syntax);
                    *g = Godebug::default();
                }
            }
        }
        if need {
            let id = self.syntax.add_line(
                Placement::SameVerb,
                words(&["godebug", &format!("{key}={value}")]),
            );
            self.godebug.push(Godebug {
                key: key.to_string(),
                value: value.to_string(),
                syntax: id,
            });
        }
    }

    /// Removes every `godebug` line for `key`.
    pub fn drop_godebug(&mut self, key: &str) {
        for g in &mut self.godebug {
            if g.key == key {
                self.syntax.mark_removed(g.syntax);
                *g = Godebug::default();
            }
        }
    }

    /// Sets the version of the first requirement on `path` and removes the others, or
    /// adds one at the end of the last `require` block.
    pub fn add_require(&mut self, path: &str, vers: &str) {
        let mut need = true;
        for r in &mut self.require {
            if r.module.path == path {
                if need {
                    r.module.version = vers.to_string();
                    let tokens = vec![
                        b"require".to_vec(),
                        auto_quote(path),
                        vers.as_bytes().to_vec(),
                    ];
                    self.syntax.update_line(r.syntax, tokens);
                    need = false;
                } else {
                    self.syntax.mark_removed(r.syntax);
                    *r = Require::default();
                }
            }
        }
        if need {
            self.add_new_require(path, vers, false);
        }
    }

    /// Adds a requirement at the end of the last `require` block, even if `path` is
    /// already required.
    pub fn add_new_require(&mut self, path: &str, vers: &str, indirect: bool) {
        let tokens = vec![
            b"require".to_vec(),
            auto_quote(path),
            vers.as_bytes().to_vec(),
        ];
        let id = self.syntax.add_line(Placement::SameVerb, tokens);
        if let Some(line) = self.syntax.line_mut(id) {
            set_indirect(line, indirect);
        }
        self.require.push(Require {
            module: ModuleVersion {
                path: path.to_string(),
                version: vers.to_string(),
            },
            indirect,
            syntax: id,
        });
    }

    /// Makes the requirements exactly `req` (at most one version per path), keeping
    /// the first existing line of each path with its comments, and sorts the blocks
    /// (Go's `SetRequire`). Call [`File::cleanup`] afterwards.
    pub fn set_require(&mut self, req: &[(ModuleVersion, bool)]) -> Result<(), ErrorKind> {
        let mut need: BTreeMap<&str, (&str, bool)> = BTreeMap::new();
        for (m, indirect) in req {
            if let Some((prev, _)) = need.get(m.path.as_str())
                && *prev != m.version
            {
                return Err(ErrorKind::ConflictingRequire {
                    path: m.path.clone(),
                    a: prev.to_string(),
                    b: m.version.clone(),
                });
            }
            need.insert(&m.path, (&m.version, *indirect));
        }
        for r in &mut self.require {
            match need.remove(r.module.path.as_str()) {
                Some((v, indirect)) => {
                    set_version(&mut self.syntax, r, v);
                    r.indirect = indirect;
                    if let Some(line) = self.syntax.line_mut(r.syntax) {
                        set_indirect(line, indirect);
                    }
                }
                None => {
                    self.syntax.mark_removed(r.syntax);
                    *r = Require::default();
                }
            }
        }
        for (path, (v, indirect)) in need {
            self.add_new_require(path, v, indirect);
        }
        self.sort_blocks();
        Ok(())
    }

    /// Removes every requirement on `path`.
    pub fn drop_require(&mut self, path: &str) {
        for r in &mut self.require {
            if r.module.path == path {
                self.syntax.mark_removed(r.syntax);
                *r = Require::default();
            }
        }
    }

    /// Adds an `exclude` line unless it exists; `vers` must be canonical and match the
    /// path's major version.
    pub fn add_exclude(&mut self, path: &str, vers: &str) -> Result<(), Error> {
        check_canonical_version(path, vers).map_err(|k| Error::at("", Default::default(), k))?;
        let mut hint = None;
        for x in &self.exclude {
            if x.module.path == path && x.module.version == vers {
                return Ok(());
            }
            if x.module.path == path {
                hint = Some(x.syntax);
            }
        }
        let tokens = vec![
            b"exclude".to_vec(),
            auto_quote(path),
            vers.as_bytes().to_vec(),
        ];
        let id = self
            .syntax
            .add_line(hint.map_or(Placement::End, Placement::Near), tokens);
        self.exclude.push(Exclude {
            module: ModuleVersion {
                path: path.to_string(),
                version: vers.to_string(),
            },
            syntax: id,
        });
        Ok(())
    }

    /// Removes the exclusion of `path` at `vers`.
    pub fn drop_exclude(&mut self, path: &str, vers: &str) {
        for x in &mut self.exclude {
            if x.module.path == path && x.module.version == vers {
                self.syntax.mark_removed(x.syntax);
                *x = Exclude::default();
            }
        }
    }

    /// Replaces `old_path` (at `old_vers`, or every version when empty) by `new_path`
    /// at `new_vers` (empty for a directory), updating the first matching replacement
    /// and removing the others.
    pub fn add_replace(&mut self, old_path: &str, old_vers: &str, new_path: &str, new_vers: &str) {
        add_replace(
            &mut self.syntax,
            &mut self.replace,
            [old_path, old_vers, new_path, new_vers],
        );
    }

    /// Removes the replacement of `old_path` at `old_vers`.
    pub fn drop_replace(&mut self, old_path: &str, old_vers: &str) {
        for r in &mut self.replace {
            if r.old.path == old_path && r.old.version == old_vers {
                self.syntax.mark_removed(r.syntax);
                *r = Replace::default();
            }
        }
    }

    /// Adds a `retract` line with the rationale as comments before it; both bounds
    /// must be canonical and match the module's major version.
    ///
    /// Like Go's `AddRetract`, the new retraction is written to the syntax tree only;
    /// [`File::retract`] is not updated.
    pub fn add_retract(&mut self, vi: &VersionInterval, rationale: &str) -> Result<(), Error> {
        let path = self
            .module
            .as_ref()
            .map(|m| m.path.clone())
            .unwrap_or_default();
        for v in [&vi.high, &vi.low] {
            check_canonical_version(&path, v).map_err(|k| Error::at("", Default::default(), k))?;
        }
        let tokens = if vi.low == vi.high {
            vec![b"retract".to_vec(), auto_quote(&vi.low)]
        } else {
            let (low, high) = (auto_quote(&vi.low), auto_quote(&vi.high));
            vec![
                b"retract".to_vec(),
                b"[".to_vec(),
                low,
                b",".to_vec(),
                high,
                b"]".to_vec(),
            ]
        };
        let id = self.syntax.add_line(Placement::SameVerb, tokens);
        if !rationale.is_empty()
            && let Some(line) = self.syntax.line_mut(id)
        {
            for l in rationale.split('\n') {
                line.comments.before.push(Comment::new(format!("// {l}")));
            }
        }
        Ok(())
    }

    /// Removes the retractions of exactly `vi`.
    pub fn drop_retract(&mut self, vi: &VersionInterval) {
        for r in &mut self.retract {
            if r.interval == *vi {
                self.syntax.mark_removed(r.syntax);
                *r = Retract::default();
            }
        }
    }

    /// Adds a `tool` line unless it exists, then sorts the blocks.
    pub fn add_tool(&mut self, path: &str) {
        if self.tool.iter().any(|t| t.path == path) {
            return;
        }
        let id = self
            .syntax
            .add_line(Placement::SameVerb, words(&["tool", path]));
        self.tool.push(Tool {
            path: path.to_string(),
            syntax: id,
        });
        self.sort_blocks();
    }

    /// Removes the `tool` line for `path`. (As in Go, the entry stays in
    /// [`File::tool`] with an empty path.)
    pub fn drop_tool(&mut self, path: &str) {
        for t in &mut self.tool {
            if t.path == path {
                self.syntax.mark_removed(t.syntax);
                *t = Tool::default();
            }
        }
    }

    /// Adds an `ignore` line unless it exists, then sorts the blocks.
    pub fn add_ignore(&mut self, path: &str) {
        if self.ignore.iter().any(|t| t.path == path) {
            return;
        }
        let id = self
            .syntax
            .add_line(Placement::SameVerb, words(&["ignore", path]));
        self.ignore.push(Ignore {
            path: path.to_string(),
            syntax: id,
        });
        self.sort_blocks();
    }

    /// Removes the `ignore` line for `path`. (As in Go, the entry stays in
    /// [`File::ignore`] with an empty path.)
    pub fn drop_ignore(&mut self, path: &str) {
        for t in &mut self.ignore {
            if t.path == path {
                self.syntax.mark_removed(t.syntax);
                *t = Ignore::default();
            }
        }
    }

    /// Removes duplicate `exclude`, `replace` (the last wins), `tool` and `ignore`
    /// lines, then sorts the lines of every block: by tokens, except `retract`
    /// blocks (newest interval first) and, from `go 1.21` on, `exclude` blocks (by
    /// path, then semantic version). Go's `SortBlocks`, which `go mod edit` runs.
    pub fn sort_blocks(&mut self) {
        remove_dups(
            &mut self.syntax,
            Some(&mut self.exclude),
            &mut self.replace,
            Some(&mut self.tool),
            Some(&mut self.ignore),
        );
        let semantic_exclude = self.go.as_ref().is_some_and(|g| {
            semver::compare(&format!("v{}", g.version), "v1.21") != Ordering::Less
        });
        for stmt in &mut self.syntax.stmt {
            let Stmt::Block(b) = stmt else { continue };
            match b.token.first().map(Vec::as_slice) {
                Some(b"exclude") if semantic_exclude => b.line.sort_by(compare_line_exclude),
                Some(b"retract") => b.line.sort_by(compare_line_retract),
                _ => b.line.sort_by(|x, y| x.token.cmp(&y.token)),
            }
        }
    }

    /// Drops the entries and lines removed by edits, and blocks left empty; a block
    /// left with one line becomes a single line (Go's `File.Cleanup`).
    pub fn cleanup(&mut self) {
        self.godebug.retain(|g| !g.key.is_empty());
        self.require.retain(|r| !r.module.path.is_empty());
        self.exclude.retain(|x| !x.module.path.is_empty());
        self.replace.retain(|r| !r.old.path.is_empty());
        self.retract
            .retain(|r| !r.interval.low.is_empty() || !r.interval.high.is_empty());
        self.syntax.cleanup();
    }

    /// Formats the file (its syntax tree).
    pub fn format(&self) -> Vec<u8> {
        super::print::format(&self.syntax)
    }
}

/// Sets the version token of a requirement's line; a blank line before a line in a
/// block goes away (golang.org/issue/33779).
pub(super) fn set_version(syntax: &mut FileSyntax, r: &mut Require, v: &str) {
    r.module.version = v.to_string();
    let Some(line) = syntax.line_mut(r.syntax) else {
        return;
    };
    if line.token.is_empty() {
        return;
    }
    let i = if line.in_block {
        if line.comments.before.len() == 1 && line.comments.before[0].token.is_empty() {
            line.comments.before.clear();
        }
        1
    } else {
        2
    };
    if let Some(t) = line.token.get_mut(i) {
        *t = v.as_bytes().to_vec();
    }
}

/// Go's `addReplace`, shared by go.mod and go.work.
pub(super) fn add_replace(syntax: &mut FileSyntax, replace: &mut Vec<Replace>, args: [&str; 4]) {
    let [old_path, old_vers, new_path, new_vers] = args;
    let mut tokens = vec![b"replace".to_vec(), auto_quote(old_path)];
    if !old_vers.is_empty() {
        tokens.push(old_vers.as_bytes().to_vec());
    }
    tokens.push(b"=>".to_vec());
    tokens.push(auto_quote(new_path));
    if !new_vers.is_empty() {
        tokens.push(new_vers.as_bytes().to_vec());
    }
    let new = ModuleVersion {
        path: new_path.to_string(),
        version: new_vers.to_string(),
    };
    let mut need = true;
    let mut hint = None;
    for r in replace.iter_mut() {
        if r.old.path == old_path && (old_vers.is_empty() || r.old.version == old_vers) {
            if need {
                r.new = new.clone();
                syntax.update_line(r.syntax, tokens.clone());
                need = false;
                continue;
            }
            syntax.mark_removed(r.syntax);
            *r = Replace::default();
        }
        if r.old.path == old_path {
            hint = Some(r.syntax);
        }
    }
    if need {
        let id = syntax.add_line(hint.map_or(Placement::End, Placement::Near), tokens);
        replace.push(Replace {
            old: ModuleVersion {
                path: old_path.to_string(),
                version: old_vers.to_string(),
            },
            new,
            syntax: id,
        });
    }
}

/// Removes duplicate directives from the entry lists and their lines from the tree
/// (Go's `removeDups`): the first of equal `exclude`, `tool` and `ignore` entries
/// stays, the last of equal `replace` entries. Blocks left empty go away.
pub(super) fn remove_dups(
    syntax: &mut FileSyntax,
    exclude: Option<&mut Vec<Exclude>>,
    replace: &mut Vec<Replace>,
    tool: Option<&mut Vec<Tool>>,
    ignore: Option<&mut Vec<Ignore>>,
) {
    let mut kill: HashSet<LineId> = HashSet::new();
    if let Some(exclude) = exclude {
        let mut seen = HashSet::new();
        exclude.retain(|x| seen.insert(x.module.clone()) || !kill.insert(x.syntax));
    }
    let mut seen = HashSet::new();
    for x in replace.iter().rev() {
        if !seen.insert(x.old.clone()) {
            kill.insert(x.syntax);
        }
    }
    replace.retain(|x| !kill.contains(&x.syntax));
    if let Some(tool) = tool {
        let mut seen = HashSet::new();
        tool.retain(|t| seen.insert(t.path.clone()) || !kill.insert(t.syntax));
    }
    if let Some(ignore) = ignore {
        let mut seen = HashSet::new();
        ignore.retain(|t| seen.insert(t.path.clone()) || !kill.insert(t.syntax));
    }
    syntax.stmt.retain_mut(|stmt| match stmt {
        Stmt::Line(l) => !kill.contains(&l.id),
        Stmt::Block(b) => {
            b.line.retain(|l| !kill.contains(&l.id));
            !b.line.is_empty()
        }
        Stmt::Comments(_) => true,
    });
}

fn compare_line_exclude(a: &Line, b: &Line) -> Ordering {
    if a.token.len() != 2 || b.token.len() != 2 {
        return a.token.cmp(&b.token);
    }
    a.token[0]
        .cmp(&b.token[0])
        .then_with(|| semver::compare(&text::lossy(&a.token[1]), &text::lossy(&b.token[1])))
}

fn compare_line_retract(a: &Line, b: &Line) -> Ordering {
    fn interval(l: &Line) -> (String, String) {
        let t = &l.token;
        let s = |i: usize| text::lossy(&t[i]).into_owned();
        if t.len() == 1 {
            (s(0), s(0))
        } else if t.len() == 5 && t[0] == b"[" && t[2] == b"," && t[4] == b"]" {
            (s(1), s(3))
        } else {
            Default::default()
        }
    }
    let (al, ah) = interval(a);
    let (bl, bh) = interval(b);
    semver::compare(&bl, &al).then_with(|| semver::compare(&bh, &ah))
}
