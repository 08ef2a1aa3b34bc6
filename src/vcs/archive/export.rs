//! The tree walk of `git archive <commit> [-- <subdir>]` over libgit2: which entries it
//! emits, in which order, with which mode and bytes, and how large git's zip of them is.
//!
//! Order is the tree's stored order, depth first (git's `read_tree_recursive`).
//! Blobs whose mode is a regular file (any permission bits: executable when any `x`
//! bit is set) are converted ([`super::convert`]); symbolic links carry their target
//! as data, unconverted; gitlinks (submodules) become directory entries in git's zip,
//! so no file here. Attributes come from the commit's own tree (git archive reads them
//! from an index built from the tree, not from a work tree) plus `info/attributes`.

use super::ArchiveError;
use super::attr::{self, AttrFile, Stack};
use super::convert;
use super::zipsize::ZipSize;
use crate::vcs::codehost::{ArchiveFile, FileKind};
use std::rc::Rc;

const MODE_TYPE: i32 = 0o170000;
const MODE_DIR: i32 = 0o040000;
const MODE_REG: i32 = 0o100000;
const MODE_LINK: i32 = 0o120000;
const MODE_GITLINK: i32 = 0o160000;

/// Where the walk stands relative to the pathspec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Inside the selected directory (or no pathspec): everything is emitted.
    Inside,
    /// On the way down to it: only the matching entry is followed.
    Above,
}

struct Walk<'r> {
    repo: &'r git2::Repository,
    info: Option<Rc<AttrFile>>,
    builtin: Rc<AttrFile>,
    subdir: Vec<u8>,
    files: Vec<ArchiveFile>,
    size: ZipSize,
    matched: bool,
}

fn git_err(e: git2::Error) -> ArchiveError {
    ArchiveError::Git {
        message: e.message().to_string(),
    }
}

/// [`super::export_tree`] with the archive-size cap as a parameter.
pub fn export_tree_capped(
    repo: &git2::Repository,
    commit: git2::Oid,
    subdir: &str,
    max_zip_size: u64,
) -> Result<Vec<ArchiveFile>, ArchiveError> {
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(git_err)?;
    let info = std::fs::read(repo.path().join("info").join("attributes"))
        .ok()
        .and_then(|data| AttrFile::parse_info(&data))
        .map(Rc::new);
    let subdir = subdir.trim_matches('/').as_bytes().to_vec();
    let mut walk = Walk {
        repo,
        info,
        builtin: Rc::new(AttrFile::builtin()),
        subdir,
        files: Vec::new(),
        size: ZipSize::new(max_zip_size),
        matched: false,
    };
    // git's zip opens with the `prefix/` directory entry.
    walk.size.dir(b"prefix/");
    let scope = if walk.subdir.is_empty() {
        walk.matched = true;
        Scope::Inside
    } else {
        Scope::Above
    };
    walk.tree(&tree, b"", &[], scope)?;
    if !walk.matched {
        return Err(ArchiveError::NotExist {
            subdir: String::from_utf8_lossy(&walk.subdir).into_owned(),
        });
    }
    walk.size.finish(&walk.files)?;
    Ok(walk.files)
}

impl Walk<'_> {
    /// Walks `tree` (at `dir`, "" or ending in `/`), `parents` being the in-tree
    /// attribute files of the directories above, root first.
    fn tree(
        &mut self,
        tree: &git2::Tree<'_>,
        dir: &[u8],
        parents: &[Rc<AttrFile>],
        scope: Scope,
    ) -> Result<(), ArchiveError> {
        let mut chain = parents.to_vec();
        if let Some(e) = tree.get_name_bytes(b".gitattributes")
            && let Some(data) = self.blob_of(&e)
            && data.len() < attr::MAX_FILE_SIZE
        {
            let base = dir.strip_suffix(b"/").unwrap_or(dir);
            chain.push(Rc::new(AttrFile::parse(base, &data, dir.is_empty())));
        }
        for entry in tree.iter() {
            let path = [dir, entry.name_bytes()].concat();
            let scope = match scope {
                Scope::Inside => Scope::Inside,
                Scope::Above if path == self.subdir => {
                    self.matched = true;
                    Scope::Inside
                }
                Scope::Above => {
                    let on_the_way = self.subdir.starts_with(&path)
                        && self.subdir.get(path.len()) == Some(&b'/');
                    if !on_the_way {
                        continue;
                    }
                    Scope::Above
                }
            };
            let mode = entry.filemode_raw();
            match mode & MODE_TYPE {
                MODE_DIR => {
                    let sub = self.repo.find_tree(entry.id()).map_err(git_err)?;
                    let sub_dir = [path.as_slice(), b"/"].concat();
                    // Leading directories of a pathspec get entries too.
                    self.size.dir(&[b"prefix/", sub_dir.as_slice()].concat());
                    self.tree(&sub, &sub_dir, &chain, scope)?;
                }
                MODE_GITLINK => {
                    if scope == Scope::Inside {
                        self.size.dir(&[b"prefix/", path.as_slice(), b"/"].concat());
                    }
                }
                MODE_REG | MODE_LINK if scope == Scope::Inside => {
                    let blob = self.repo.find_blob(entry.id()).map_err(git_err)?;
                    let raw = blob.content().to_vec();
                    let (kind, data) = if mode & MODE_TYPE == MODE_LINK {
                        (FileKind::Symlink, raw)
                    } else {
                        let attrs = self.stack(&chain).lookup(&path);
                        let data = convert::to_worktree(raw, &entry.id().to_string(), &attrs);
                        let kind = if mode & 0o111 != 0 {
                            FileKind::Executable
                        } else {
                            FileKind::Regular
                        };
                        (kind, data)
                    };
                    let name = String::from_utf8_lossy(&path).into_owned();
                    self.size.file(&path, kind, &data)?;
                    self.files.push(ArchiveFile {
                        path: name,
                        kind,
                        data,
                    });
                }
                MODE_REG | MODE_LINK => {}
                _ => {
                    return Err(ArchiveError::BadMode {
                        path: String::from_utf8_lossy(&path).into_owned(),
                        mode: mode as u32,
                    });
                }
            }
        }
        Ok(())
    }

    /// The bytes of a tree entry git would read as an attribute file: any blob (a
    /// symbolic link's target text included, as git reads it from the index).
    fn blob_of(&self, e: &git2::TreeEntry<'_>) -> Option<Vec<u8>> {
        let t = e.filemode_raw() & MODE_TYPE;
        if t != MODE_REG && t != MODE_LINK {
            return None;
        }
        self.repo
            .find_blob(e.id())
            .ok()
            .map(|b| b.content().to_vec())
    }

    /// Highest precedence first: info/attributes, the deepest directory … the root,
    /// git's built-ins.
    fn stack<'a>(&'a self, chain: &'a [Rc<AttrFile>]) -> Stack<'a> {
        let mut files: Vec<&AttrFile> = Vec::with_capacity(chain.len() + 2);
        if let Some(i) = &self.info {
            files.push(i);
        }
        files.extend(chain.iter().rev().map(|f| f.as_ref()));
        files.push(&self.builtin);
        Stack::new(files)
    }
}
