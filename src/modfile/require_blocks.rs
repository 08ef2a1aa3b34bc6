//! Keeping direct and indirect requirements in separate blocks (Go's
//! `SetRequireSeparateIndirect`), the layout `go` writes since Go 1.17.

use super::comments::{is_indirect, set_indirect};
use super::edit::set_version;
use super::quote::auto_quote;
use super::rule::{File, Require};
use super::syntax::{Comments, Line, LineBlock, LineId, Stmt};
use super::text;
use crate::module::ModuleVersion;
use std::collections::{BTreeMap, HashMap};

/// Whether a line or block has comments other than a lone `// indirect`.
fn has_comments(c: &Comments) -> bool {
    let only_indirect = c.suffix.len() == 1 && {
        let t = &c.suffix[0].token;
        text::trim_space(t.strip_prefix(b"//").unwrap_or(t)) == b"indirect"
    };
    !c.before.is_empty()
        || !c.after.is_empty()
        || c.suffix.len() > 1
        || (c.suffix.len() == 1 && !only_indirect)
}

fn is_require(tokens: &[Vec<u8>]) -> bool {
    tokens.first().is_some_and(|t| t == b"require")
}

impl File {
    /// Makes the requirements exactly `req` (path, version, indirect), keeping the
    /// comments of the first existing line of each path, with direct and indirect
    /// requirements in two separate blocks. New requirements go to the last
    /// uncommented direct-only or indirect-only block (created if needed); lines
    /// whose marking changed move between those two; a single uncommented require
    /// block or line is split. Blocks with other comments are left where they are.
    /// Call [`File::cleanup`] afterwards.
    pub fn set_require_separate_indirect(&mut self, req: &[(ModuleVersion, bool)]) {
        // Examine the existing require lines and blocks.
        let mut last_direct: Option<usize> = None;
        let mut last_indirect: Option<usize> = None;
        let mut last_require: Option<usize> = None;
        let mut count = 0;
        // The block (statement index) each requirement line was in.
        let mut line_block: HashMap<LineId, usize> = HashMap::new();
        for (i, stmt) in self.syntax.stmt.iter().enumerate() {
            match stmt {
                Stmt::Line(l) if is_require(&l.token) => {
                    last_require = Some(i);
                    count += 1;
                    if !has_comments(&l.comments) {
                        if is_indirect(&l.comments) {
                            last_indirect = Some(i);
                        } else {
                            last_direct = Some(i);
                        }
                    }
                }
                Stmt::Block(b) if is_require(&b.token) => {
                    last_require = Some(i);
                    count += 1;
                    let uncommented = !b.line.is_empty() && !has_comments(&b.comments);
                    let (mut all_direct, mut all_indirect) = (uncommented, uncommented);
                    for l in &b.line {
                        line_block.insert(l.id, i);
                        if has_comments(&l.comments) {
                            all_direct = false;
                            all_indirect = false;
                        } else if is_indirect(&l.comments) {
                            all_direct = false;
                        } else {
                            all_indirect = false;
                        }
                    }
                    if all_direct {
                        last_direct = Some(i);
                    }
                    if all_indirect {
                        last_indirect = Some(i);
                    }
                }
                _ => {}
            }
        }
        let one_flat_uncommented = count == 1
            && last_require.is_some_and(|i| !has_comments(self.syntax.stmt[i].comments()));

        // The blocks to add to: existing ones (a single line becomes a block), or new
        // ones. Empty or one-line blocks are removed or collapsed by cleanup later.
        let insert_block =
            |stmts: &mut Vec<Stmt>, i: usize, line_block: &mut HashMap<LineId, usize>| {
                let i = i.min(stmts.len());
                stmts.insert(
                    i,
                    Stmt::Block(LineBlock {
                        token: vec![b"require".to_vec()],
                        ..LineBlock::default()
                    }),
                );
                for b in line_block.values_mut() {
                    if *b >= i {
                        *b += 1;
                    }
                }
            };
        let stmts = &mut self.syntax.stmt;
        let direct_block = match last_direct {
            Some(i) => {
                ensure_block(stmts, i);
                i
            }
            None => {
                let at = if let Some(ind) = last_indirect {
                    last_indirect = Some(ind + 1);
                    ind
                } else if let Some(r) = last_require {
                    r + 1
                } else {
                    stmts.len()
                };
                insert_block(stmts, at, &mut line_block);
                at
            }
        };
        let indirect_block = match last_indirect {
            Some(i) => {
                ensure_block(stmts, i);
                i
            }
            None => {
                insert_block(stmts, direct_block + 1, &mut line_block);
                direct_block + 1
            }
        };

        // Delete what is no longer needed, update the rest, and move requirements
        // whose marking disagrees with their block.
        let need: BTreeMap<&str, (&str, bool)> = req
            .iter()
            .map(|(m, ind)| (m.path.as_str(), (m.version.as_str(), *ind)))
            .collect();
        let mut have: HashMap<String, ()> = HashMap::new();
        let mut requires = std::mem::take(&mut self.require);
        for r in &mut requires {
            let path = r.module.path.clone();
            let Some(&(version, indirect)) = need.get(path.as_str()) else {
                self.syntax.mark_removed(r.syntax);
                *r = Require::default();
                continue;
            };
            if have.insert(path, ()).is_some() {
                self.syntax.mark_removed(r.syntax);
                *r = Require::default();
                continue;
            }
            set_version(&mut self.syntax, r, version);
            r.indirect = indirect;
            if let Some(line) = self.syntax.line_mut(r.syntax) {
                set_indirect(line, indirect);
            }
            let block = line_block.get(&r.syntax).copied();
            if indirect && (one_flat_uncommented || block == Some(direct_block)) {
                self.move_require(r, indirect_block);
            } else if !indirect && (one_flat_uncommented || block == Some(indirect_block)) {
                self.move_require(r, direct_block);
            }
        }

        // Add the new requirements.
        for (path, (version, indirect)) in need {
            if have.contains_key(path) {
                continue;
            }
            let mut r = Require {
                module: ModuleVersion {
                    path: path.to_string(),
                    version: version.to_string(),
                },
                indirect,
                syntax: LineId::default(),
            };
            self.move_require(
                &mut r,
                if indirect {
                    indirect_block
                } else {
                    direct_block
                },
            );
            requires.push(r);
        }
        self.require = requires;
        self.sort_blocks();
    }

    /// Appends the requirement's line to the block at `block`; an existing line is
    /// copied there (with its comments) and the original marked removed.
    fn move_require(&mut self, r: &mut Require, block: usize) {
        let id = self.syntax.new_id();
        let line = match self.syntax.line_mut(r.syntax) {
            Some(old) => {
                let mut line = old.clone();
                old.token.clear();
                if !line.in_block && is_require(&line.token) {
                    line.token.remove(0);
                }
                line
            }
            None => {
                let mut line = Line {
                    token: vec![
                        auto_quote(&r.module.path),
                        r.module.version.as_bytes().to_vec(),
                    ],
                    ..Line::default()
                };
                if r.indirect {
                    set_indirect(&mut line, true);
                }
                line
            }
        };
        r.syntax = id;
        if let Some(Stmt::Block(b)) = self.syntax.stmt.get_mut(block) {
            b.line.push(Line {
                id,
                in_block: true,
                ..line
            });
        }
    }
}

/// Makes the statement at `i` a require block: a single require line becomes a
/// block holding it.
fn ensure_block(stmts: &mut [Stmt], i: usize) {
    let Some(stmt) = stmts.get_mut(i) else { return };
    if let Stmt::Line(l) = stmt {
        let mut line = std::mem::take(l);
        if !line.token.is_empty() {
            line.token.remove(0);
        }
        line.in_block = true;
        *stmt = Stmt::Block(LineBlock {
            token: vec![b"require".to_vec()],
            line: vec![line],
            ..LineBlock::default()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::{File, parse};
    use crate::module::ModuleVersion;

    /// Applies `set_require_separate_indirect` to `input` and compares with `want`
    /// (both normalized through parse and format, as their indentation is free).
    fn check(input: &str, req: &[(&str, &str, bool)], want: &str) {
        let mut f: File = parse("in", input.as_bytes(), None).expect("parse in");
        let req: Vec<(ModuleVersion, bool)> = req
            .iter()
            .map(|(p, v, ind)| {
                (
                    ModuleVersion {
                        path: p.to_string(),
                        version: v.to_string(),
                    },
                    *ind,
                )
            })
            .collect();
        f.set_require_separate_indirect(&req);
        f.cleanup();
        let want = parse("out", want.as_bytes(), None)
            .expect("parse want")
            .format();
        assert_eq!(
            String::from_utf8_lossy(&f.format()),
            String::from_utf8_lossy(&want),
            "input:\n{input}"
        );
    }

    #[test]
    fn lines_become_direct_and_indirect_blocks() {
        check(
            "module m\nrequire ex.com/a v1.0.0\nrequire ex.com/c v1.0.0 // indirect\n",
            &[
                ("ex.com/a", "v1.1.0", false),
                ("ex.com/b", "v1.1.0", false),
                ("ex.com/c", "v1.1.0", true),
                ("ex.com/d", "v1.1.0", true),
            ],
            "module m\nrequire (\n\tex.com/a v1.1.0\n\tex.com/b v1.1.0\n)\nrequire (\n\tex.com/c v1.1.0 // indirect\n\tex.com/d v1.1.0 // indirect\n)\n",
        );
    }

    #[test]
    fn markings_change_and_comments_stay() {
        check(
            "module m\nrequire (\n\tex.com/a v1.0.0\n\tex.com/b v1.0.0 //\n\tex.com/c v1.0.0 // note\n\tex.com/d v1.0.0 //indirect\n)\n",
            &[
                ("ex.com/a", "v1.0.0", true),
                ("ex.com/b", "v1.0.0", true),
                ("ex.com/c", "v1.0.0", true),
                ("ex.com/d", "v1.0.0", true),
            ],
            "module m\nrequire (\n\tex.com/a v1.0.0 // indirect\n\tex.com/b v1.0.0 // indirect\n\tex.com/c v1.0.0 // indirect; note\n\tex.com/d v1.0.0 //indirect\n)\n",
        );
    }

    #[test]
    fn duplicates_keep_the_first_line() {
        check(
            "module m\nrequire (\n\tex.com/a v1.0.0 // first\n\tex.com/a v1.1.0 // indirect; second\n)\n",
            &[("ex.com/a", "v1.2.0", true)],
            "module m\nrequire ex.com/a v1.2.0 // indirect; first\n",
        );
    }

    #[test]
    fn mixed_uncommented_block_is_split() {
        check(
            "module m\nrequire (\n\tex.com/a v1.0.0 // a\n\tex.com/b v1.0.0 // indirect\n)\n",
            &[
                ("ex.com/a", "v1.0.0", false),
                ("ex.com/b", "v1.0.0", true),
                ("ex.com/c", "v1.0.0", true),
                ("ex.com/d", "v1.0.0", false),
            ],
            "module m\nrequire (\n\tex.com/a v1.0.0 // a\n\tex.com/d v1.0.0\n)\nrequire (\n\tex.com/b v1.0.0 // indirect\n\tex.com/c v1.0.0 // indirect\n)\n",
        );
    }

    #[test]
    fn commented_block_is_left_alone() {
        check(
            "module m\n// keep together\nrequire (\n\tex.com/a v1.0.0\n\tex.com/b v1.0.0 // indirect\n)\n",
            &[
                ("ex.com/a", "v1.1.0", false),
                ("ex.com/b", "v1.1.0", true),
                ("ex.com/c", "v1.1.0", false),
            ],
            "module m\n// keep together\nrequire (\n\tex.com/a v1.1.0\n\tex.com/b v1.1.0 // indirect\n)\nrequire ex.com/c v1.1.0\n",
        );
    }

    #[test]
    fn new_indirect_block_after_the_direct_ones() {
        check(
            "module m\nrequire (\n\tex.com/a v1.0.0 // note a\n)\nrequire (\n\tex.com/b v1.0.0 // note b\n)\ngo 1.17\n",
            &[
                ("ex.com/a", "v1.0.0", false),
                ("ex.com/b", "v1.0.0", false),
                ("ex.com/c", "v1.0.0", true),
            ],
            "module m\nrequire ex.com/a v1.0.0 // note a\nrequire ex.com/b v1.0.0 // note b\nrequire ex.com/c v1.0.0 // indirect\ngo 1.17\n",
        );
    }

    #[test]
    fn empty_file_gets_both_blocks() {
        check(
            "module m\n",
            &[("ex.com/b", "v1.0.0", true), ("ex.com/a", "v1.0.0", false)],
            "module m\nrequire ex.com/a v1.0.0\nrequire ex.com/b v1.0.0 // indirect\n",
        );
    }
}
