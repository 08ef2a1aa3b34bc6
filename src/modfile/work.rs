//! go.work files (Go's `modfile/work.go`): `go`, `toolchain`, `godebug`, `use` and
//! `replace`, always parsed strictly.

use super::edit::remove_dups;
use super::error::{Error, ErrorKind, Errors};
use super::parse::parse_syntax;
use super::quote::auto_quote;
use super::rule::{
    At, Go, Godebug, Replace, Toolchain, for_each_directive, go_arg, godebug_arg, parse_replace,
    string_arg, toolchain_arg,
};
use super::syntax::{FileSyntax, LineId, Stmt};
use super::text;
use super::version::{VersionFixer, is_go_version, is_toolchain_name};

/// A parsed go.work file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkFile {
    pub go: Option<Go>,
    pub toolchain: Option<Toolchain>,
    pub godebug: Vec<Godebug>,
    pub uses: Vec<Use>,
    pub replace: Vec<Replace>,
    pub syntax: FileSyntax,
}

/// One `use` directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Use {
    /// The directory, as written.
    pub path: String,
    /// The module path in the directory's go.mod (not read from the file; editing
    /// callers may fill it in).
    pub module_path: String,
    pub syntax: LineId,
}

const WORK_BLOCKS: &[&[u8]] = &[b"godebug", b"use", b"replace"];

/// Parses a go.work file (Go's `modfile.ParseWork`).
pub fn parse_work(
    file: &str,
    data: &[u8],
    mut fix: Option<&mut VersionFixer<'_>>,
) -> Result<WorkFile, Errors> {
    let mut syntax = parse_syntax(file, data)?;
    let mut f = WorkFile::default();
    let mut errs = Vec::new();
    let mut stmts = std::mem::take(&mut syntax.stmt);
    for stmt in &mut stmts {
        for_each_directive(
            file,
            stmt,
            WORK_BLOCKS,
            true,
            &mut errs,
            |errs, at, verb, args| {
                if let Err(e) = f.add(at, verb, args, &mut fix) {
                    errs.push(e);
                }
            },
        );
    }
    syntax.stmt = stmts;
    f.syntax = syntax;
    if errs.is_empty() {
        Ok(f)
    } else {
        Err(Errors(errs))
    }
}

impl WorkFile {
    fn add(
        &mut self,
        at: At<'_>,
        verb: &[u8],
        args: &mut [Vec<u8>],
        fix: &mut Option<&mut VersionFixer<'_>>,
    ) -> Result<(), Error> {
        let id = at.id;
        match verb {
            b"go" => {
                if self.go.is_some() {
                    return Err(at.err(ErrorKind::Repeated("go")));
                }
                let version = go_arg(&at, args, false)?;
                self.go = Some(Go {
                    version,
                    syntax: id,
                });
            }
            b"toolchain" => {
                if self.toolchain.is_some() {
                    return Err(at.err(ErrorKind::Repeated("toolchain")));
                }
                let name = toolchain_arg(&at, args)?;
                self.toolchain = Some(Toolchain { name, syntax: id });
            }
            b"godebug" => {
                let (key, value) = godebug_arg(&at, args)?;
                self.godebug.push(Godebug {
                    key,
                    value,
                    syntax: id,
                });
            }
            b"use" => {
                let [arg] = args else {
                    return Err(at.err(ErrorKind::Usage("use local/dir".into())));
                };
                let path = string_arg(&at, arg)?;
                self.uses.push(Use {
                    path,
                    module_path: String::new(),
                    syntax: id,
                });
            }
            b"replace" => {
                let r = parse_replace(&at, "replace", args, fix)?;
                self.replace.push(r);
            }
            _ => {
                return Err(at.err(ErrorKind::UnknownDirective(text::lossy(verb).into_owned())));
            }
        }
        Ok(())
    }

    /// Sets the `go` version, adding the line before the first statement that is not a
    /// comment block when there is none (Go's `WorkFile.AddGoStmt`).
    pub fn add_go_stmt(&mut self, version: &str) -> Result<(), ErrorKind> {
        if !is_go_version(version.as_bytes()) {
            return Err(ErrorKind::InvalidLanguageVersion(version.to_string()));
        }
        match &mut self.go {
            Some(go) => {
                go.version = version.to_string();
                let id = go.syntax;
                self.syntax.update_line(id, tokens(&["go", version]));
            }
            None => {
                let id = self.syntax.new_id();
                let line = new_line(id, tokens(&["go", version]));
                let i = self.first_non_comment();
                self.syntax.stmt.insert(i, line);
                self.go = Some(Go {
                    version: version.to_string(),
                    syntax: id,
                });
            }
        }
        Ok(())
    }

    /// Sets the toolchain, adding the line after the `go` line (or before the first
    /// statement that is not a comment block) when there is none.
    pub fn add_toolchain_stmt(&mut self, name: &str) -> Result<(), ErrorKind> {
        if !is_toolchain_name(name.as_bytes()) {
            return Err(ErrorKind::InvalidToolchainName(name.to_string()));
        }
        match &mut self.toolchain {
            Some(t) => {
                t.name = name.to_string();
                let id = t.syntax;
                self.syntax.update_line(id, tokens(&["toolchain", name]));
            }
            None => {
                let id = self.syntax.new_id();
                let line = new_line(id, tokens(&["toolchain", name]));
                let after_go = self.syntax.stmt.iter().position(
                    |s| matches!(s, Stmt::Line(l) if l.token.first().is_some_and(|t| t == b"go")),
                );
                let i = after_go.map_or_else(|| self.first_non_comment(), |i| i + 1);
                self.syntax.stmt.insert(i, line);
                self.toolchain = Some(Toolchain {
                    name: name.to_string(),
                    syntax: id,
                });
            }
        }
        Ok(())
    }

    fn first_non_comment(&self) -> usize {
        self.syntax
            .stmt
            .iter()
            .position(|s| !matches!(s, Stmt::Comments(_)))
            .unwrap_or(self.syntax.stmt.len())
    }

    /// Removes the `go` line.
    pub fn drop_go_stmt(&mut self) {
        if let Some(go) = self.go.take() {
            self.syntax.mark_removed(go.syntax);
        }
    }

    /// Removes the `toolchain` line.
    pub fn drop_toolchain_stmt(&mut self) {
        if let Some(t) = self.toolchain.take() {
            self.syntax.mark_removed(t.syntax);
        }
    }

    /// Adds a `use` line for `disk_path` unless there is one (then keeps only the first).
    pub fn add_use(&mut self, disk_path: &str, module_path: &str) {
        let mut need = true;
        for u in &mut self.uses {
            if u.path == disk_path {
                if need {
                    u.module_path = module_path.to_string();
                    let tokens = vec![b"use".to_vec(), auto_quote(disk_path)];
                    self.syntax.update_line(u.syntax, tokens);
                    need = false;
                } else {
                    self.syntax.mark_removed(u.syntax);
                    *u = Use::default();
                }
            }
        }
        if need {
            self.add_new_use(disk_path, module_path);
        }
    }

    /// Adds a `use` line at the end of the last `use` block.
    pub fn add_new_use(&mut self, disk_path: &str, module_path: &str) {
        let id = self.syntax.add_line(
            super::syntax::Placement::SameVerb,
            vec![b"use".to_vec(), auto_quote(disk_path)],
        );
        self.uses.push(Use {
            path: disk_path.to_string(),
            module_path: module_path.to_string(),
            syntax: id,
        });
    }

    /// Removes every `use` of `path`.
    pub fn drop_use(&mut self, path: &str) {
        for u in &mut self.uses {
            if u.path == path {
                self.syntax.mark_removed(u.syntax);
                *u = Use::default();
            }
        }
    }

    /// Adds or updates a replacement (see [`File::add_replace`](super::File::add_replace)).
    pub fn add_replace(&mut self, old_path: &str, old_vers: &str, new_path: &str, new_vers: &str) {
        super::edit::add_replace(
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

    /// Removes duplicate replacements (the last wins) and sorts every block by its
    /// tokens (Go's `WorkFile.SortBlocks`).
    pub fn sort_blocks(&mut self) {
        remove_dups(&mut self.syntax, None, &mut self.replace, None, None);
        for stmt in &mut self.syntax.stmt {
            if let Stmt::Block(b) = stmt {
                b.line.sort_by(|a, b| a.token.cmp(&b.token));
            }
        }
    }

    /// Drops entries and lines removed by edits (Go's `WorkFile.Cleanup`).
    pub fn cleanup(&mut self) {
        self.uses.retain(|u| !u.path.is_empty());
        self.replace.retain(|r| !r.old.path.is_empty());
        self.syntax.cleanup();
    }
}

fn tokens(words: &[&str]) -> Vec<Vec<u8>> {
    words.iter().map(|w| w.as_bytes().to_vec()).collect()
}

fn new_line(id: LineId, token: Vec<Vec<u8>>) -> Stmt {
    Stmt::Line(super::syntax::Line {
        id,
        token,
        ..Default::default()
    })
}
