//! A module inside a repository (Go's `modfetch.codeRepo`): which tags are versions of
//! the module, which version a revision is (a tag or a pseudo-version), where the
//! module's directory and go.mod are at a version, and which files make its zip.
//!
//! # What it guarantees
//! * The module's place in the repository as Go's `newCodeRepo` computes it
//!   ([`CodeRepo::new`]): the code directory, the major-version suffix and the major
//!   of pseudo-versions, with go's errors for a repository that cannot hold the path.
//! * Go's version list ([`CodeRepo::versions`]): canonical tags under the module's
//!   directory that fit the major suffix, then `+incompatible` v2+ tags for a root
//!   module without a go.mod (checked at the latest compatible release and at the
//!   latest tag of each major); none for `gopkg.in/…-unstable`.
//! * Go's resolution of a revision ([`CodeRepo::stat`], [`CodeRepo::latest`]): a tag
//!   on the commit, else a pseudo-version on the highest allowed ancestor tag, skipping
//!   versions retracted by the go.mod of the highest release; a requested
//!   pseudo-version checked in full (revision, time, base tag on an ancestor); the
//!   `+incompatible` rules; every error text go prints.
//! * Go's `findDir` rules for the go.mod of a version ([`CodeRepo::go_mod`]) and the
//!   module's files for its zip ([`CodeRepo::zip_files`]), with the root LICENSE rule.
//! * The `Origin` of each answer, with the tag checksums a pseudo-version depends on
//!   ([`origin`] holds the checksum formulas).
//!
//! Everything goes through the blocking [`CodeHost`] trait; nothing here does I/O of
//! its own, so tests drive it with an in-memory repository.

mod convert;
mod error;
mod finddir;
pub mod origin;

pub use error::CodeRepoError;

use crate::gostr;
use crate::module;
use crate::revinfo::{GoTime, Origin, RevInfo};
use crate::semver;
use crate::vcs::codehost::{ArchiveFile, CodeHost, RevInfo as HostRevInfo};
use std::sync::Arc;

/// Go's `codehost.MaxGoMod`: the largest go.mod read from a repository.
pub const MAX_GO_MOD: u64 = 16 << 20;
/// Go's `codehost.MaxLICENSE`: the largest root LICENSE copied into a module.
pub const MAX_LICENSE: u64 = 16 << 20;

/// A module's version list and the origin that makes it checkable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Versions {
    /// `None` when no tags were consulted (`gopkg.in/…-unstable`).
    pub origin: Option<Origin>,
    /// Semver-sorted compatible versions, then the `+incompatible` ones.
    pub list: Vec<String>,
}

/// One module of one repository.
pub struct CodeRepo {
    host: Arc<dyn CodeHost>,
    /// The module path.
    mod_path: String,
    /// The import path of the repository's root.
    code_root: String,
    /// The module's directory in the repository (`""` = the root).
    code_dir: String,
    /// The module path without its major suffix (the whole path when it is the root).
    path_prefix: String,
    /// `""`, `/vN`, `.vN` or `.vN-unstable`.
    path_major: String,
    /// `vN` for pseudo-versions of a path with a suffix, else `""`.
    pseudo_major: String,
}

impl std::fmt::Debug for CodeRepo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeRepo")
            .field("mod_path", &self.mod_path)
            .field("code_root", &self.code_root)
            .field("code_dir", &self.code_dir)
            .field("path_major", &self.path_major)
            .finish_non_exhaustive()
    }
}

impl CodeRepo {
    /// Go's `newCodeRepo`: module `module_path` in the repository whose root has import
    /// path `repo_root`, optionally below `subdir` (a go-import meta tag's fourth field).
    pub fn new(
        host: Arc<dyn CodeHost>,
        module_path: &str,
        repo_root: &str,
        subdir: &str,
    ) -> Result<CodeRepo, CodeRepoError> {
        if !has_path_prefix(module_path, repo_root) {
            return Err(CodeRepoError::text(format!(
                "mismatched repo: found {repo_root} for {module_path}"
            )));
        }
        let Some((prefix, major)) = module::split_path_version(module_path) else {
            return Err(CodeRepoError::text(format!(
                "invalid module path {}",
                gostr::quote(module_path)
            )));
        };
        let path_prefix = if repo_root == module_path {
            module_path
        } else {
            prefix
        };
        let mut code_dir = String::new();
        if repo_root != module_path {
            if !has_path_prefix(path_prefix, repo_root) {
                return Err(CodeRepoError::text(format!(
                    "repository rooted at {repo_root} cannot contain module {module_path}"
                )));
            }
            code_dir = path_prefix[repo_root.len()..].trim_matches('/').to_string();
        }
        if !subdir.is_empty() {
            code_dir = clean_join(&code_dir, subdir);
        }
        Ok(CodeRepo {
            host,
            mod_path: module_path.to_string(),
            code_root: repo_root.to_string(),
            code_dir,
            path_prefix: path_prefix.to_string(),
            path_major: major.to_string(),
            pseudo_major: module::path_major_prefix(major).to_string(),
        })
    }

    /// The module path.
    pub fn module_path(&self) -> &str {
        &self.mod_path
    }

    /// The module's directory in the repository (`""` = the root).
    pub fn code_dir(&self) -> &str {
        &self.code_dir
    }

    /// The prefix that tags of this module carry (`dir/`, or `""` at the root).
    fn tag_prefix(&self) -> String {
        if self.code_dir.is_empty() {
            String::new()
        } else {
            format!("{}/", self.code_dir)
        }
    }

    /// Go's `Versions`: the module's versions whose text starts with `prefix`.
    pub fn versions(&self, prefix: &str) -> Result<Versions, CodeRepoError> {
        // gopkg.in/…-unstable paths share their tags with the stable path: none are
        // theirs.
        if self.mod_path.starts_with("gopkg.in/") && self.mod_path.ends_with("-unstable") {
            return Ok(Versions::default());
        }
        let p = format!("{}{prefix}", self.tag_prefix());
        let tags = self
            .host
            .tags(&p)
            .map_err(|e| CodeRepoError::for_module(&self.mod_path, e))?;
        let mut origin = tags.origin;
        origin.subdir = self.code_dir.clone();

        let mut list = Vec::new();
        let mut incompatible = Vec::new();
        for tag in &tags.list {
            if !tag.name.starts_with(&p) {
                continue;
            }
            let v = if self.code_dir.is_empty() {
                tag.name.as_str()
            } else {
                &tag.name[self.code_dir.len() + 1..]
            };
            // Non-canonical tags and pseudo-version-shaped tags are never listed: a
            // stat turns them into pseudo-versions.
            if v.is_empty() || v != semver::canonical(v) || module::is_pseudo_version(v) {
                continue;
            }
            if !module::match_path_major(v, &self.path_major) {
                if self.code_dir.is_empty() && self.path_major.is_empty() && semver::major(v) > "v1"
                {
                    incompatible.push(v.to_string());
                }
                continue;
            }
            list.push(v.to_string());
        }
        semver::sort(&mut list);
        semver::sort(&mut incompatible);
        self.append_incompatible(origin, list, incompatible)
    }

    /// Go's `appendIncompatibleVersions`: the `+incompatible` candidates that stay.
    fn append_incompatible(
        &self,
        origin: Origin,
        mut list: Vec<String>,
        incompatible: Vec<String>,
    ) -> Result<Versions, CodeRepoError> {
        if incompatible.is_empty() || !self.path_major.is_empty() {
            return Ok(Versions {
                origin: Some(origin),
                list,
            });
        }
        let has_go_mod = |v: &str| -> Result<bool, CodeRepoError> {
            match self.host.read_file(v, "go.mod", MAX_GO_MOD) {
                Ok(_) => Ok(true),
                Err(e) if e.is_not_exist() => Ok(false),
                Err(e) => Err(CodeRepoError::for_module(&self.mod_path, e)),
            }
        };
        // A go.mod at the latest compatible release says the author means the v0/v1
        // line: no +incompatible versions at all.
        if let Some(last) = list.last()
            && has_go_mod(last)?
        {
            return Ok(Versions {
                origin: Some(origin),
                list,
            });
        }
        let mut i = 0;
        while i < incompatible.len() {
            let major = semver::major(&incompatible[i]);
            let end = incompatible[i..]
                .iter()
                .position(|v| semver::major(v) != major)
                .map_or(incompatible.len(), |n| i + n);
            // All of a major or none: judged by its latest tag.
            if !has_go_mod(&incompatible[end - 1])? {
                list.extend(
                    incompatible[i..end]
                        .iter()
                        .map(|v| format!("{v}+incompatible")),
                );
            }
            i = end;
        }
        Ok(Versions {
            origin: Some(origin),
            list,
        })
    }

    /// Go's `Stat`: the module version that revision `rev` (a version, pseudo-version,
    /// tag, branch, hash or `latest`) is.
    pub fn stat(&self, rev: &str) -> Result<RevInfo, CodeRepoError> {
        if rev == "latest" {
            return self.latest();
        }
        let code_rev = self.rev_to_rev(rev);
        let info = self.host.stat(&code_rev).map_err(|e| {
            let not_exist = e.is_not_exist();
            CodeRepoError::invalid_version(&self.mod_path, rev, false, e.message, not_exist)
                .with_origin(e.origin)
        })?;
        self.convert(&info, rev)
    }

    /// Go's `Latest`: the version of the default branch's head.
    pub fn latest(&self) -> Result<RevInfo, CodeRepoError> {
        let info = self.host.latest().map_err(CodeRepoError::vcs)?;
        self.convert(&info, "")
    }

    /// Go's `revToRev`: the repository revision a version names (a pseudo-version's
    /// hash, a tag with the module's directory prefix), anything else as it is.
    fn rev_to_rev(&self, rev: &str) -> String {
        if !semver::is_valid(rev) {
            return rev.to_string();
        }
        if module::is_pseudo_version(rev) {
            return module::pseudo_version_rev(rev)
                .unwrap_or_default()
                .to_string();
        }
        let rev = if semver::build(rev) == "+incompatible" {
            &rev[..rev.len() - "+incompatible".len()]
        } else {
            rev
        };
        format!("{}{rev}", self.tag_prefix())
    }

    /// The module-level record for a resolved version of a host commit, with its
    /// origin (see `convert`).
    fn rev_info(info: &HostRevInfo, version: String, origin: Option<Origin>) -> RevInfo {
        let time = jiff::Timestamp::from_second(info.time)
            .map(GoTime::from_timestamp)
            .unwrap_or_default();
        RevInfo {
            version,
            time,
            origin,
        }
    }

    /// The files of the module at `version` (module-relative paths, in archive
    /// order), with the repository's root LICENSE added for a module in a
    /// subdirectory that has none: the input of the module zip rules.
    pub fn zip_files(&self, version: &str) -> Result<Vec<ArchiveFile>, CodeRepoError> {
        self.check_canonical_request(version)?;
        let (rev, dir, _) = self.find_dir(version)?;
        let files = self.host.archive(&rev, &dir).map_err(CodeRepoError::vcs)?;
        let root_license = || self.host.read_file(&rev, "LICENSE", MAX_LICENSE).ok();
        Ok(crate::vcs::archive::module_files(files, &dir, root_license))
    }

    /// Go's `GoMod`: the go.mod of `version` (a canonical version), or the one go
    /// synthesizes for a version without one.
    pub fn go_mod(&self, version: &str) -> Result<Vec<u8>, CodeRepoError> {
        self.check_canonical_request(version)?;
        let (rev, dir, gomod) = self.find_dir(version)?;
        if let Some(data) = gomod {
            return Ok(data);
        }
        match self.host.read_file(&rev, &join(&dir, "go.mod"), MAX_GO_MOD) {
            Ok(data) => Ok(data),
            Err(e) if e.is_not_exist() => Ok(legacy_go_mod(&self.mod_path)),
            Err(e) => Err(CodeRepoError::vcs(e)),
        }
    }

    /// The checks `GoMod` and `Zip` make before `findDir`: the version is canonical,
    /// and a pseudo-version really names its commit (a full `Stat`).
    fn check_canonical_request(&self, version: &str) -> Result<(), CodeRepoError> {
        if version != module::canonical_version(version) {
            return Err(CodeRepoError::text(format!(
                "version {version} is not canonical"
            )));
        }
        if module::is_pseudo_version(version) {
            self.stat(version)?;
        }
        Ok(())
    }
}

/// Go's `modfetch.LegacyGoMod`: `module <path>\n`, the path quoted when it must be.
pub fn legacy_go_mod(path: &str) -> Vec<u8> {
    format!("module {}\n", crate::modfile::auto_quote_str(path)).into_bytes()
}

/// Go's `hasPathPrefix`: whether `s` starts with the path elements of `prefix`.
fn has_path_prefix(s: &str, prefix: &str) -> bool {
    if s.len() == prefix.len() {
        return s == prefix;
    }
    if s.len() < prefix.len() || !s.starts_with(prefix) {
        return false;
    }
    prefix.ends_with('/') || s.as_bytes()[prefix.len()] == b'/'
}

/// `path.Join(dir, file)` for a clean directory and a plain file name.
fn join(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

/// `filepath.ToSlash(filepath.Join(a, b))`: joined and cleaned (`.`, `..`, repeated
/// and trailing slashes), `""` when nothing is left.
fn clean_join(a: &str, b: &str) -> String {
    let joined = if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}/{b}")
    };
    let rooted = joined.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for elem in joined.split('/') {
        match elem {
            "" | "." => {}
            ".." => {
                if matches!(out.last(), Some(&e) if e != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            e => out.push(e),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

#[cfg(test)]
mod tests;
