//! Go's `findDir`: where the module lives in the repository at a version, and which
//! go.mod (if any) it has there.
//!
//! For a path with a `/vN` suffix in a repository rooted above it, the module may be
//! in its directory (a go.mod declaring a `/vN` path) or in `<dir>/vN` (a go.mod
//! there); both at once is an error. Without a go.mod only a root module of major
//! v0/v1 (or a gopkg.in path) exists; anywhere else the missing go.mod is the error.

use super::{CodeRepo, CodeRepoError, MAX_GO_MOD, join};
use crate::gostr;
use crate::modfile;
use crate::module;
use crate::semver;

/// The revision, the module's directory and its go.mod (`None`: none, the root
/// module of a v0/v1 or gopkg.in path) at a version.
pub(super) type Found = (String, String, Option<Vec<u8>>);

impl CodeRepo {
    /// Go's `versionToRev`: a valid semver version's repository revision.
    fn version_to_rev(&self, version: &str) -> Result<String, CodeRepoError> {
        if !semver::is_valid(version) {
            return Err(CodeRepoError::invalid_version(
                &self.mod_path,
                version,
                false,
                "syntax error",
                false,
            ));
        }
        Ok(self.rev_to_rev(version))
    }

    /// Reads `file` at `rev`: `Ok(None)` when it does not exist.
    fn read_go_mod(&self, rev: &str, file: &str) -> Result<Option<Vec<u8>>, CodeRepoError> {
        match self.host.read_file(rev, file, MAX_GO_MOD) {
            Ok(data) => Ok(Some(data)),
            Err(e) if e.is_not_exist() => Ok(None),
            Err(e) => Err(CodeRepoError::text(format!(
                "reading {}/{file} at revision {rev}: {e}",
                self.code_root
            ))),
        }
    }

    /// Go's `findDir` for `version`.
    pub(super) fn find_dir(&self, version: &str) -> Result<Found, CodeRepoError> {
        let rev = self.version_to_rev(version)?;
        let err = |msg: String| Err(CodeRepoError::text(msg));

        let file1 = join(&self.code_dir, "go.mod");
        let gomod1 = self.read_go_mod(&rev, &file1)?;
        let mpath1 = gomod1
            .as_deref()
            .map(modfile::module_path)
            .unwrap_or_default();
        let found1 = gomod1.is_some()
            && (is_major(&mpath1, &self.path_major)
                || self.can_replace_mismatched_version_due_to_bug(&mpath1));

        let major = &self.path_major;
        let mut file2 = String::new();
        if !major.is_empty() && self.code_root != self.mod_path && !major.starts_with('.') {
            // Either dir/go.mod claims /vN and dir/vN/go.mod does not exist, or
            // dir/vN/go.mod exists and claims /vN. Only the suffix is compared, so a
            // fork under another path still works in a replace directive.
            let dir2 = join(&self.code_dir, &major[1..]);
            file2 = join(&dir2, "go.mod");
            let gomod2 = self.read_go_mod(&rev, &file2)?;
            let mpath2 = gomod2
                .as_deref()
                .map(modfile::module_path)
                .unwrap_or_default();
            let found2 = gomod2.is_some() && is_major(&mpath2, major);
            if found1 && found2 {
                return err(format!(
                    "{}/{file1} and ...{major}/go.mod both have ...{major} module paths at revision {rev}",
                    self.path_prefix
                ));
            }
            if found2 {
                return Ok((rev, dir2, gomod2));
            }
            if gomod2.is_some() {
                if mpath2.is_empty() {
                    return err(format!(
                        "{}/{file2} is missing module path at revision {rev}",
                        self.code_root
                    ));
                }
                return err(format!(
                    "{}/{file2} has non-...{major} module path {} at revision {rev}",
                    self.code_root,
                    gostr::quote(&mpath2)
                ));
            }
        }

        if found1 {
            return Ok((rev, self.code_dir.clone(), gomod1));
        }
        if gomod1.is_some() {
            // A go.mod whose path does not fit the major version.
            let suffix = if file2.is_empty() {
                String::new()
            } else {
                format!(" (and ...{major}/go.mod does not exist)")
            };
            let q = gostr::quote(&mpath1);
            if mpath1.is_empty() {
                return err(format!(
                    "{file1} is missing module path{suffix} at revision {rev}"
                ));
            }
            if !major.is_empty() {
                return err(format!(
                    "{file1} has non-...{major} module path {q}{suffix} at revision {rev}"
                ));
            }
            if module::split_path_version(&mpath1).is_none() {
                return err(format!(
                    "{file1} has malformed module path {q}{suffix} at revision {rev}"
                ));
            }
            return err(format!(
                "{file1} has post-{} module path {q}{suffix} at revision {rev}",
                semver::major(version)
            ));
        }

        if self.code_dir.is_empty() && (major.is_empty() || major.starts_with('.')) {
            // No go.mod: fine at the root for v0/v1 and for gopkg.in.
            return Ok((rev, String::new(), None));
        }
        if !file2.is_empty() {
            return err(format!(
                "missing {}/go.mod and ...{major}/go.mod at revision {rev}",
                self.path_prefix
            ));
        }
        err(format!(
            "missing {}/go.mod at revision {rev}",
            self.path_prefix
        ))
    }

    /// Go's `canReplaceMismatchedVersionDueToBug` (go.dev/issue/34254): an
    /// unversioned path accepts a go.mod declaring a gopkg.in path.
    fn can_replace_mismatched_version_due_to_bug(&self, mpath: &str) -> bool {
        self.path_major.is_empty() && mpath.starts_with("gopkg.in/")
    }
}

/// Go's `isMajor`: whether a go.mod's module path allows the same majors as
/// `path_major` (suffixes are compared, not whole paths).
fn is_major(mpath: &str, path_major: &str) -> bool {
    if mpath.is_empty() {
        return false;
    }
    let Some((_, mpath_major)) = module::split_path_version(mpath) else {
        return false;
    };
    if path_major.is_empty() {
        return matches!(module::path_major_prefix(mpath_major), "" | "v0" | "v1");
    }
    if mpath_major.is_empty() {
        return false;
    }
    path_major[1..] == mpath_major[1..]
}

#[cfg(test)]
mod tests {
    use super::is_major;

    #[test]
    fn majors() {
        assert!(is_major("example.com/m", ""));
        assert!(is_major("gopkg.in/yaml.v1", ""));
        assert!(!is_major("gopkg.in/yaml.v2", ""));
        assert!(!is_major("example.com/m/v2", ""));
        assert!(is_major("example.com/m/v2", "/v2"));
        assert!(is_major("gopkg.in/m.v2", "/v2"));
        assert!(!is_major("example.com/m", "/v2"));
        assert!(!is_major("example.com/m/v3", "/v2"));
        assert!(!is_major("", ""));
        assert!(!is_major("example.com/m/v1", ""));
    }
}
