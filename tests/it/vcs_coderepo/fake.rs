//! An in-memory git repository behind the `CodeHost` trait, behaving as Go's
//! `codehost.gitRepo` does where the module layer can tell: refs resolve tags first,
//! then branches, then `HEAD`, then hash prefixes; `Version` is the hash unless the
//! request is a tag on the commit; tags on a commit are sorted; the origin names the
//! ref used; `RecentTag` passes whole tag names to `allowed`.

use gomodfetch::revinfo::Origin;
use gomodfetch::semver;
use gomodfetch::vcs::codehost::{ArchiveFile, CodeHost, FileKind, RevInfo, Tag, Tags, VcsError};
use gomodfetch::vcs::coderepo::origin;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

pub const URL: &str = "https://git.gomodfetch.test/repo";

struct Commit {
    parents: Vec<String>,
    time: i64,
    files: BTreeMap<String, Vec<u8>>,
}

#[derive(Default)]
pub struct FakeRepo {
    commits: HashMap<String, Commit>,
    tags: BTreeMap<String, String>,
    branches: BTreeMap<String, String>,
    head: String,
    /// Every call, for tests that care what was asked.
    pub calls: Mutex<Vec<String>>,
}

impl FakeRepo {
    pub fn new() -> FakeRepo {
        FakeRepo::default()
    }

    /// A commit with hash `hash` (40 hex digits) on `parent` (files inherited from
    /// it), at RFC 3339 time `time`, adding `add` (path, content) and removing `rm`.
    /// It becomes the head of the current branch (`main` unless `checkout` said).
    pub fn commit(
        &mut self,
        hash: &str,
        parent: Option<&str>,
        time: &str,
        add: &[(&str, &str)],
        rm: &[&str],
    ) -> &mut FakeRepo {
        let mut files = parent
            .and_then(|p| self.commits.get(p))
            .map(|c| c.files.clone())
            .unwrap_or_default();
        for path in rm {
            files.remove(*path);
        }
        for (path, data) in add {
            files.insert(path.to_string(), data.as_bytes().to_vec());
        }
        let ts: jiff::Timestamp = time.parse().expect("test time");
        self.commits.insert(
            hash.to_string(),
            Commit {
                parents: parent.map(str::to_string).into_iter().collect(),
                time: ts.as_second(),
                files,
            },
        );
        if self.head.is_empty() {
            self.head = "main".into();
        }
        self.branches.insert(self.head.clone(), hash.to_string());
        self
    }

    pub fn tag(&mut self, name: &str, hash: &str) -> &mut FakeRepo {
        self.tags.insert(name.into(), hash.into());
        self
    }

    pub fn branch(&mut self, name: &str, hash: &str) -> &mut FakeRepo {
        self.branches.insert(name.into(), hash.into());
        self
    }

    /// Makes `name` the branch later commits advance (without changing HEAD's
    /// default branch unless it is the first).
    pub fn checkout(&mut self, name: &str) -> &mut FakeRepo {
        self.head = name.into();
        self
    }

    fn default_branch(&self) -> Option<&String> {
        let name = self
            .branches
            .get("\0default")
            .cloned()
            .unwrap_or_else(|| "main".into());
        self.branches.get(&name)
    }

    fn log(&self, call: String) {
        if let Ok(mut c) = self.calls.lock() {
            c.push(call);
        }
    }

    /// (hash, ref) for a revision as git's stat resolves it.
    fn resolve(&self, rev: &str) -> Option<(String, String)> {
        if let Some(h) = self.tags.get(rev) {
            return Some((h.clone(), format!("refs/tags/{rev}")));
        }
        if !rev.starts_with('\0')
            && let Some(h) = self.branches.get(rev)
        {
            return Some((h.clone(), format!("refs/heads/{rev}")));
        }
        if rev == "HEAD" {
            return self.default_branch().map(|h| (h.clone(), "HEAD".into()));
        }
        if rev.len() >= 4 && rev.bytes().all(|b| b.is_ascii_hexdigit()) {
            let hits: Vec<&String> = self.commits.keys().filter(|h| h.starts_with(rev)).collect();
            if hits.len() == 1 {
                return Some((hits[0].clone(), String::new()));
            }
        }
        None
    }

    fn tags_on(&self, hash: &str) -> Vec<String> {
        let mut t: Vec<String> = self
            .tags
            .iter()
            .filter(|(_, h)| *h == hash)
            .map(|(n, _)| n.clone())
            .collect();
        t.sort();
        t
    }

    fn info(&self, rev: &str, hash: &str, r#ref: &str) -> RevInfo {
        let c = &self.commits[hash];
        let tags = self.tags_on(hash);
        let version = if tags.iter().any(|t| t == rev) {
            rev.to_string()
        } else {
            hash.to_string()
        };
        RevInfo {
            origin: Origin {
                vcs: "git".into(),
                url: URL.into(),
                hash: hash.into(),
                ref_: r#ref.into(),
                ..Origin::default()
            },
            name: hash.into(),
            short: hash[..12].into(),
            version,
            time: c.time,
            tags,
        }
    }

    fn ancestors(&self, hash: &str) -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut todo = vec![hash.to_string()];
        while let Some(h) = todo.pop() {
            if let Some(c) = self.commits.get(&h)
                && seen.insert(h.clone())
            {
                todo.extend(c.parents.iter().cloned());
            }
        }
        seen
    }

    fn unknown(rev: &str) -> VcsError {
        VcsError::not_exist(format!("unknown revision {rev}"))
    }
}

impl CodeHost for FakeRepo {
    fn tags(&self, prefix: &str) -> Result<Tags, VcsError> {
        self.log(format!("tags {prefix}"));
        let list: Vec<Tag> = self
            .tags
            .iter()
            .filter(|(n, _)| n.starts_with(prefix))
            .map(|(n, h)| Tag {
                name: n.clone(),
                hash: h.clone(),
            })
            .collect();
        Ok(Tags {
            origin: Origin {
                vcs: "git".into(),
                url: URL.into(),
                tag_prefix: prefix.into(),
                tag_sum: origin::tag_sum(prefix, &list),
                ..Origin::default()
            },
            list,
        })
    }

    fn stat(&self, rev: &str) -> Result<RevInfo, VcsError> {
        self.log(format!("stat {rev}"));
        let (hash, r) = self.resolve(rev).ok_or_else(|| FakeRepo::unknown(rev))?;
        Ok(self.info(rev, &hash, &r))
    }

    fn latest(&self) -> Result<RevInfo, VcsError> {
        self.log("latest".into());
        let hash = self
            .default_branch()
            .cloned()
            .ok_or_else(|| VcsError::other("no commits"))?;
        Ok(self.info("HEAD", &hash, "HEAD"))
    }

    fn read_file(&self, rev: &str, file: &str, _max: u64) -> Result<Vec<u8>, VcsError> {
        self.log(format!("read {rev} {file}"));
        let (hash, _) = self.resolve(rev).ok_or_else(|| FakeRepo::unknown(rev))?;
        self.commits[&hash]
            .files
            .get(file)
            .cloned()
            .ok_or_else(|| VcsError::not_exist(format!("file {file} does not exist")))
    }

    fn recent_tag(
        &self,
        rev: &str,
        prefix: &str,
        allowed: &dyn Fn(&str) -> bool,
    ) -> Result<String, VcsError> {
        self.log(format!("recent_tag {rev} {prefix}"));
        let (hash, _) = self.resolve(rev).ok_or_else(|| FakeRepo::unknown(rev))?;
        let anc = self.ancestors(&hash);
        let mut highest = String::new();
        for (name, h) in &self.tags {
            if !anc.contains(h) || !name.starts_with(prefix) || !allowed(name) {
                continue;
            }
            let sem = &name[prefix.len()..];
            if semver::compare(sem, &highest).is_gt() {
                highest = sem.to_string();
            }
        }
        Ok(if highest.is_empty() {
            String::new()
        } else {
            format!("{prefix}{highest}")
        })
    }

    fn descends_from(&self, rev: &str, tag: &str) -> Result<bool, VcsError> {
        self.log(format!("descends_from {rev} {tag}"));
        let (hash, _) = self.resolve(rev).ok_or_else(|| FakeRepo::unknown(rev))?;
        let Some(t) = self.tags.get(tag) else {
            return Ok(false);
        };
        Ok(self.ancestors(&hash).contains(t))
    }

    fn archive(&self, rev: &str, subdir: &str) -> Result<Vec<ArchiveFile>, VcsError> {
        self.log(format!("archive {rev} {subdir}"));
        let (hash, _) = self.resolve(rev).ok_or_else(|| FakeRepo::unknown(rev))?;
        let dir = if subdir.is_empty() {
            String::new()
        } else {
            format!("{subdir}/")
        };
        Ok(self.commits[&hash]
            .files
            .iter()
            .filter(|(p, _)| p.starts_with(&dir))
            .map(|(p, d)| ArchiveFile {
                path: p.clone(),
                kind: FileKind::Regular,
                data: d.clone(),
            })
            .collect())
    }
}
