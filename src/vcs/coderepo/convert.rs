//! Go's `convert` and `validatePseudoVersion`: a commit the code host found, turned
//! into the module version it is.
//!
//! * A requested pseudo-version is kept only if it really names the commit: its
//!   revision and time are the commit's, and its base tag (if any) is on an ancestor
//!   and not on the commit itself.
//! * Otherwise a canonical tag of the module on the commit is the version (the
//!   requested one if it is there, else the highest that is not retracted), or a
//!   pseudo-version is made on the highest allowed ancestor tag.
//! * `+incompatible` is added or refused by the go.mod files at the commit, and a
//!   canonical request must resolve to itself (`resolves to version …`).

use super::{CodeRepo, CodeRepoError, MAX_GO_MOD};
use crate::gostr;
use crate::modfile;
use crate::module;
use crate::revinfo::{Origin, RevInfo};
use crate::semver;
use crate::vcs::codehost::RevInfo as HostRevInfo;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;

/// One conversion: the commit, the version asked for, and the memo of go.mod
/// existence checks (Go's `incompatibleOk`).
struct Convert<'a> {
    repo: &'a CodeRepo,
    info: &'a HostRevInfo,
    stat_vers: &'a str,
    /// `""` → no root go.mod; `vN` → no `vN/go.mod`.
    incompatible_ok: RefCell<HashMap<String, bool>>,
}

/// The retracted intervals (low, high) from the highest release's go.mod.
type Retracted = Vec<(String, String)>;

impl CodeRepo {
    /// Go's `convert`: `info` as a module version; `stat_vers` is what was asked for
    /// (`""` for the latest).
    pub(super) fn convert(
        &self,
        info: &HostRevInfo,
        stat_vers: &str,
    ) -> Result<RevInfo, CodeRepoError> {
        let c = Convert {
            repo: self,
            info,
            stat_vers,
            incompatible_ok: RefCell::new(HashMap::new()),
        };
        // Go's deferred origin: a failed conversion still reports the commit's.
        let version = c.version().map_err(|e| {
            let mut origin = info.origin.clone();
            origin.subdir = self.code_dir.clone();
            e.with_origin(Some(Box::new(origin)))
        })?;
        let origin = self.convert_origin(info, &version, stat_vers)?;
        Ok(CodeRepo::rev_info(info, version, Some(origin)))
    }

    /// The origin of a converted version: the host's, with the module's directory,
    /// and for a computed pseudo-version the checksum of the tags it was derived from.
    fn convert_origin(
        &self,
        info: &HostRevInfo,
        version: &str,
        stat_vers: &str,
    ) -> Result<Origin, CodeRepoError> {
        let mut origin = info.origin.clone();
        origin.subdir = self.code_dir.clone();
        if module::is_pseudo_version(version)
            && (version != stat_vers || !version.starts_with("v0.0.0-"))
        {
            let mut prefix = self.tag_prefix();
            if !self.path_major.is_empty() {
                prefix.push_str(&self.path_major[1..]);
                prefix.push('.');
            }
            let tags = self.host.tags(&prefix).map_err(CodeRepoError::vcs)?;
            origin.tag_prefix = tags.origin.tag_prefix;
            origin.tag_sum = tags.origin.tag_sum;
            if !tags.origin.repo_sum.is_empty() {
                origin.repo_sum = tags.origin.repo_sum;
            }
        }
        Ok(origin)
    }

    /// Go's `retractedVersions`: the retractions in the go.mod of the highest release
    /// (else the highest version), ignoring `+incompatible` versions.
    fn retracted_versions(&self) -> Result<Retracted, CodeRepoError> {
        let vs = self.versions("")?;
        let list: Vec<&String> = vs
            .list
            .iter()
            .take_while(|v| !v.ends_with("+incompatible"))
            .collect();
        let Some(last) = list.last() else {
            return Ok(Vec::new());
        };
        let highest = list
            .iter()
            .rev()
            .find(|v| semver::prerelease(v).is_empty())
            .unwrap_or(last);
        let data = self.go_mod(highest)?;
        let f =
            modfile::parse_lax("go.mod", &data).map_err(|e| CodeRepoError::text(e.to_string()))?;
        Ok(f.retract
            .into_iter()
            .map(|r| (r.interval.low, r.interval.high))
            .collect())
    }
}

fn is_retracted(retracted: &Retracted, v: &str) -> bool {
    retracted.iter().any(|(low, high)| {
        semver::compare(low, v) != Ordering::Greater
            && semver::compare(v, high) != Ordering::Greater
    })
}

impl Convert<'_> {
    fn path(&self) -> &str {
        &self.repo.mod_path
    }

    /// Go's `canUseIncompatible`: whether `v` (a v2+ version of a root module
    /// without a suffix) may be used as `v+incompatible` at this commit.
    fn can_use_incompatible(&self, v: &str) -> bool {
        let r = self.repo;
        if !r.code_dir.is_empty() || !r.path_major.is_empty() {
            return false;
        }
        // Any failure to read counts as "no go.mod", as in Go.
        let absent = |key: &str, file: &str| -> bool {
            if let Some(&ok) = self.incompatible_ok.borrow().get(key) {
                return ok;
            }
            let ok = r.host.read_file(&self.info.name, file, MAX_GO_MOD).is_err();
            self.incompatible_ok
                .borrow_mut()
                .insert(key.to_string(), ok);
            ok
        };
        if !absent("", "go.mod") {
            return false;
        }
        // A vN/go.mod means vN tags belong to the vN module, unless +incompatible was
        // asked for explicitly (go.dev/issue/51324).
        if !v.is_empty() && !self.stat_vers.ends_with("+incompatible") {
            let major = semver::major(v);
            if !absent(major, &format!("{major}/go.mod")) {
                return false;
            }
        }
        true
    }

    fn invalid(&self, version: &str, reason: String) -> CodeRepoError {
        CodeRepoError::invalid_version(self.path(), version, false, reason, false)
    }

    /// Go's `checkCanonical`: `v` (canonical or a pseudo-version) as this module's
    /// version at the commit, with `+incompatible` added or refused.
    fn check_canonical(&self, v: &str) -> Result<String, CodeRepoError> {
        let r = self.repo;
        // The module must exist at the commit with a fitting go.mod (or none where
        // that is allowed): otherwise the version does not exist.
        if let Err(e) = r.find_dir(v) {
            return Err(CodeRepoError::invalid_version(
                self.path(),
                v,
                false,
                e.to_string(),
                true,
            ));
        }
        let stat_base_of = |s: &'_ str| s.strip_suffix("+incompatible").unwrap_or(s).to_string();
        let mut v = v.to_string();
        if v == stat_base_of(self.stat_vers) {
            v = self.stat_vers.to_string();
        }
        let base = stat_base_of(&v);
        let mut err_incompatible = None;
        if !module::match_path_major(&base, &r.path_major) {
            if self.can_use_incompatible(&base) {
                v = format!("{base}+incompatible");
            } else if !r.path_major.is_empty() {
                err_incompatible = Some(
                    self.invalid(
                        &v,
                        "module path includes a major version suffix, so major version must match"
                            .to_string(),
                    ),
                );
            } else {
                let want = format!("{}/{}", r.path_prefix, semver::major(&v));
                err_incompatible = Some(self.invalid(
                    &v,
                    format!(
                        "module contains a go.mod file, so module path must match major version ({})",
                        gostr::quote(&want)
                    ),
                ));
            }
        } else if v.ends_with("+incompatible") {
            err_incompatible = Some(self.invalid(
                &v,
                format!(
                    "+incompatible suffix not allowed: major version {} is compatible",
                    semver::major(&v)
                ),
            ));
        }

        // A canonical request resolves to itself or fails.
        let stat = self.stat_vers;
        if !stat.is_empty() && stat == module::canonical_version(stat) {
            let stat_base = stat_base_of(stat);
            if stat_base != base {
                return Err(self.invalid(
                    stat,
                    format!("resolves to version {v} ({stat_base} is not a tag)"),
                ));
            }
        }
        match err_incompatible {
            Some(e) => Err(e),
            None => Ok(v),
        }
    }

    /// Go's `tagToVersion`: the canonical version a tag names (module directory
    /// prefix removed) and whether the tag is exactly that; `""` for tags that are not
    /// versions of the module.
    fn tag_to_version(&self, tag: &str) -> (String, bool) {
        let prefix = self.repo.tag_prefix();
        let Some(trimmed) = tag.strip_prefix(prefix.as_str()) else {
            return (String::new(), false);
        };
        // Go tests the whole tag here, so this only catches root-module tags.
        if module::is_pseudo_version(tag) {
            return (String::new(), false);
        }
        let v = semver::canonical(trimmed);
        if v.is_empty() || !trimmed.starts_with(&v) {
            return (String::new(), false);
        }
        let exact = v == trimmed;
        (v, exact)
    }

    /// The version of the commit.
    fn version(&self) -> Result<String, CodeRepoError> {
        let r = self.repo;
        let info = self.info;
        let stat_vers = self.stat_vers;

        if module::is_pseudo_version(stat_vers) {
            // The cheap checks (module location, major) before the ancestry check.
            let v = self.check_canonical(stat_vers)?;
            self.validate_pseudo_version(stat_vers)?;
            return Ok(v);
        }

        // Retractions only steer the choice; failing to read them retracts nothing.
        let retracted = r.retracted_versions().unwrap_or_default();

        let (v, exact) = self.tag_to_version(&info.version);
        if exact && let Ok(v) = self.check_canonical(&v) {
            return Ok(v);
        }

        let mut highest_canonical = String::new();
        let mut pseudo_base = String::new();
        for tag in &info.tags {
            let (v, exact) = self.tag_to_version(tag);
            if !stat_vers.is_empty() && semver::compare(&v, stat_vers) == Ordering::Equal {
                if exact {
                    // The requested version's own tag: use it (or fail on it).
                    return self.check_canonical(&v);
                }
                // An equivalent but non-canonical tag (build metadata): only a base.
                pseudo_base = v.clone();
            }
            if exact
                && semver::compare(&highest_canonical, &v) == Ordering::Less
                && !is_retracted(&retracted, &v)
                && (module::match_path_major(&v, &r.path_major) || self.can_use_incompatible(&v))
            {
                highest_canonical = v;
            }
        }
        if !highest_canonical.is_empty() {
            return self.check_canonical(&highest_canonical);
        }

        if pseudo_base.is_empty() {
            let prefix = r.tag_prefix();
            // The host may pass the tag or the version without the prefix.
            let full = |tag: &str| -> String {
                if tag.starts_with(prefix.as_str()) {
                    tag.to_string()
                } else {
                    format!("{prefix}{tag}")
                }
            };
            let allowed = |tag: &str| -> bool {
                let (v, _) = self.tag_to_version(&full(tag));
                !v.is_empty()
                    && (module::match_path_major(&v, &r.path_major)
                        || self.can_use_incompatible(&v))
                    && !is_retracted(&retracted, &v)
            };
            let tag = r
                .host
                .recent_tag(&info.name, &prefix, &allowed)
                .map_err(CodeRepoError::vcs)?;
            if !tag.is_empty() {
                pseudo_base = self.tag_to_version(&full(&tag)).0;
            }
        }
        let t = jiff::Timestamp::from_second(info.time).map_err(|_| {
            CodeRepoError::text(format!("commit {} has an impossible time", info.name))
        })?;
        let pseudo = module::pseudo_version(&r.pseudo_major, &pseudo_base, t, &info.short);
        self.check_canonical(&pseudo)
    }

    /// Go's `validatePseudoVersion`: `version` names this commit, with a base tag on
    /// an ancestor (not on the commit itself).
    fn validate_pseudo_version(&self, version: &str) -> Result<(), CodeRepoError> {
        let r = self.repo;
        let info = self.info;
        let path = self.path();
        let fail = |reason: String| {
            Err(CodeRepoError::invalid_version(
                path, version, true, reason, false,
            ))
        };
        let rev =
            module::pseudo_version_rev(version).map_err(|e| CodeRepoError::module(path, e))?;
        let short = info.short.as_str();
        if rev != short {
            return if rev.starts_with(short) {
                fail(format!(
                    "revision is longer than canonical (expected {short})"
                ))
            } else if short.starts_with(rev) {
                fail(format!(
                    "revision is shorter than canonical (expected {short})"
                ))
            } else {
                fail(format!(
                    "does not match short name of revision (expected {short})"
                ))
            };
        }

        let t = module::pseudo_version_time(version).map_err(|e| CodeRepoError::module(path, e))?;
        if t.as_second() != info.time {
            let expected = jiff::Timestamp::from_second(info.time)
                .map(|ts| ts.strftime("%Y%m%d%H%M%S").to_string())
                .unwrap_or_default();
            return fail(format!(
                "does not match version-control timestamp (expected {expected})"
            ));
        }

        let prefix = r.tag_prefix();
        let base_of = version.strip_suffix("+incompatible").unwrap_or(version);
        let base =
            module::pseudo_version_base(base_of).map_err(|e| CodeRepoError::module(path, e))?;
        if base.is_empty() {
            if r.pseudo_major.is_empty() && semver::major(version) == "v1" {
                return fail("major version without preceding tag must be v0, not v1".to_string());
            }
            return Ok(());
        }
        for tag in &info.tags {
            let version_only = tag.strip_prefix(prefix.as_str()).unwrap_or(tag);
            if version_only == base {
                // Its own canonical tag names the commit already.
                return fail(format!(
                    "tag ({tag}) found on revision {rev} is already canonical, so should not be replaced with a pseudo-version derived from that tag"
                ));
            }
        }

        let wrap = |e: crate::vcs::codehost::VcsError| {
            let not_exist = e.is_not_exist();
            CodeRepoError::invalid_version(path, version, true, e.message, not_exist)
        };
        let tags = r.host.tags(&format!("{prefix}{base}")).map_err(wrap)?;
        let mut last_tag = String::new();
        let mut ancestor_found = false;
        let mut last_err = None;
        for tag in &tags.list {
            let version_only = tag.name.strip_prefix(prefix.as_str()).unwrap_or(&tag.name);
            if semver::compare(version_only, &base) == Ordering::Equal {
                last_tag = tag.name.clone();
                match r.host.descends_from(&info.name, &tag.name) {
                    Ok(found) => {
                        ancestor_found = found;
                        last_err = None;
                    }
                    Err(e) => {
                        ancestor_found = false;
                        last_err = Some(e);
                    }
                }
                if ancestor_found {
                    break;
                }
            }
        }
        if last_tag.is_empty() {
            return fail(format!("preceding tag ({base}) not found"));
        }
        if !ancestor_found {
            if let Some(e) = last_err {
                return Err(wrap(e));
            }
            return fail(format!(
                "revision {rev} is not a descendent of preceding tag ({last_tag})"
            ));
        }
        Ok(())
    }
}
