//! Building bare git repositories for tests, deterministically, with the real `git`.
//!
//! A [`RepoBuilder`] records commits (full snapshots of files with their modes), the
//! branch each lands on, tags and odd refs, then [`RepoBuilder::build`] writes them in
//! one `git fast-import` run into `<root>/<name>.git` and adds the refs fast-import
//! cannot express (refs to trees or blobs, tags to non-commits) with `git update-ref`,
//! `git hash-object` and `git mktag`.
//!
//! Hashes are reproducible: author, committer and tagger are fixed identities, commit
//! `i` (0-based, in creation order) is dated [`BASE_TIME`] + `i` hours unless the test
//! sets a time, the time zone is `+0000`, and git runs with no system or global
//! configuration (`GIT_CONFIG_NOSYSTEM=1`, `GIT_CONFIG_GLOBAL=/dev/null`), so the same
//! builder calls give the same commit ids on every machine.
//!
//! Each commit starts from its parent's files (or from nothing for the first commit
//! of an orphan branch) and the closure adds, replaces or removes entries; the commit
//! is written as a complete tree (`deleteall` + every file), so what the closure leaves
//! is exactly the commit's tree. `.gitattributes` is an ordinary file.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The date of commit 0 (2020-01-01T00:00:00Z); commit `i` is `i` hours later.
pub const BASE_TIME: i64 = 1_577_836_800;

/// Author of every commit.
pub const AUTHOR: &str = "Gopher Author <author@gomodfetch.test>";
/// Committer of every commit and tagger of every annotated tag.
pub const COMMITTER: &str = "Gopher Committer <committer@gomodfetch.test>";

/// How a file is stored in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 100644
    Regular,
    /// 100755
    Executable,
    /// 120000: the bytes are the link target.
    Symlink,
}

impl Mode {
    fn octal(self) -> &'static str {
        match self {
            Mode::Regular => "100644",
            Mode::Executable => "100755",
            Mode::Symlink => "120000",
        }
    }
}

/// The files of one commit, handed to the closure of [`RepoBuilder::commit`].
#[derive(Debug, Clone, Default)]
pub struct CommitBuilder {
    files: BTreeMap<String, (Mode, Vec<u8>)>,
    message: Option<String>,
    time: Option<i64>,
}

impl CommitBuilder {
    /// Adds or replaces a regular file.
    pub fn file(&mut self, path: &str, data: impl AsRef<[u8]>) -> &mut CommitBuilder {
        self.put(path, Mode::Regular, data)
    }

    /// Adds or replaces an executable file.
    pub fn exec(&mut self, path: &str, data: impl AsRef<[u8]>) -> &mut CommitBuilder {
        self.put(path, Mode::Executable, data)
    }

    /// Adds or replaces a symbolic link to `target`.
    pub fn symlink(&mut self, path: &str, target: &str) -> &mut CommitBuilder {
        self.put(path, Mode::Symlink, target)
    }

    /// Adds or replaces an entry with an explicit mode.
    pub fn put(&mut self, path: &str, mode: Mode, data: impl AsRef<[u8]>) -> &mut CommitBuilder {
        self.files
            .insert(path.to_string(), (mode, data.as_ref().to_vec()));
        self
    }

    /// Removes a file inherited from the parent (no-op when absent).
    pub fn remove(&mut self, path: &str) -> &mut CommitBuilder {
        self.files.remove(path);
        self
    }

    /// Removes every inherited file.
    pub fn clear(&mut self) -> &mut CommitBuilder {
        self.files.clear();
        self
    }

    /// The commit message (default `commit <i>`).
    pub fn message(&mut self, msg: &str) -> &mut CommitBuilder {
        self.message = Some(msg.to_string());
        self
    }

    /// The author and committer time, Unix seconds (default [`BASE_TIME`] + `i` h).
    pub fn time(&mut self, unix: i64) -> &mut CommitBuilder {
        self.time = Some(unix);
        self
    }
}

/// What an odd ref points to (see [`RepoBuilder::raw_ref`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Commit `i` (0-based, creation order).
    Commit(usize),
    /// The tree of commit `i`.
    TreeOf(usize),
    /// A blob with these bytes.
    Blob(Vec<u8>),
    /// Any object name or revision `git rev-parse` resolves after the import.
    Rev(String),
}

#[derive(Debug, Clone)]
struct CommitSpec {
    files: BTreeMap<String, (Mode, Vec<u8>)>,
    parents: Vec<usize>,
    branch: String,
    message: String,
    time: i64,
}

#[derive(Debug, Clone)]
enum RefSpec {
    Light {
        name: String,
        commit: usize,
    },
    Annotated {
        name: String,
        commit: usize,
        message: String,
    },
    Raw {
        refname: String,
        target: Target,
    },
    RawAnnotated {
        name: String,
        target: Target,
        message: String,
    },
}

/// Records a repository, then [`RepoBuilder::build`]s it. See the module docs.
#[derive(Debug, Clone)]
pub struct RepoBuilder {
    root: PathBuf,
    name: String,
    branch: String,
    heads: BTreeMap<String, usize>,
    commits: Vec<CommitSpec>,
    refs: Vec<RefSpec>,
    head: Option<String>,
    error: Option<String>,
}

/// A built bare repository.
#[derive(Debug, Clone)]
pub struct Repo {
    /// The name given to the builder (`owner/repo`), without `.git`.
    pub name: String,
    /// `<root>/<name>.git`.
    pub path: PathBuf,
    /// Commit ids (40 hex digits) in creation order.
    pub commits: Vec<String>,
}

impl Repo {
    /// The id of commit `i`; panics when out of range (test code).
    pub fn commit(&self, i: usize) -> &str {
        &self.commits[i]
    }

    /// `git rev-parse --verify <rev>` in the repository.
    pub fn rev_parse(&self, rev: &str) -> io::Result<String> {
        let out = git_output(
            &self.path,
            &["rev-parse", "--verify", "--end-of-options", rev],
        )?;
        Ok(String::from_utf8_lossy(&out).trim().to_string())
    }

    /// Runs `git args…` in the repository and returns stdout.
    pub fn git(&self, args: &[&str]) -> io::Result<Vec<u8>> {
        git_output(&self.path, args)
    }
}

impl RepoBuilder {
    /// A repository `name` (`repo`, `owner/repo`; `.git` is appended on disk) under
    /// `root`, starting on branch `main`.
    pub fn new(root: impl AsRef<Path>, name: &str) -> RepoBuilder {
        RepoBuilder {
            root: root.as_ref().to_path_buf(),
            name: name.trim_end_matches(".git").to_string(),
            branch: "main".to_string(),
            heads: BTreeMap::new(),
            commits: Vec::new(),
            refs: Vec::new(),
            head: None,
            error: None,
        }
    }

    fn fail(&mut self, msg: String) {
        self.error.get_or_insert(msg);
    }

    fn current(&mut self, what: &str) -> Option<usize> {
        let c = self.heads.get(&self.branch).copied();
        if c.is_none() {
            self.fail(format!("{what}: branch {} has no commit yet", self.branch));
        }
        c
    }

    /// Adds a commit on the current branch whose files start as its parent's.
    pub fn commit(mut self, f: impl FnOnce(&mut CommitBuilder)) -> RepoBuilder {
        let parent = self.heads.get(&self.branch).copied();
        let mut c = CommitBuilder {
            files: parent.map_or_else(BTreeMap::new, |p| self.commits[p].files.clone()),
            ..CommitBuilder::default()
        };
        f(&mut c);
        let i = self.commits.len();
        self.commits.push(CommitSpec {
            files: c.files,
            parents: parent.into_iter().collect(),
            branch: self.branch.clone(),
            message: c.message.unwrap_or_else(|| format!("commit {i}")),
            time: c.time.unwrap_or(BASE_TIME + 3600 * i as i64),
        });
        self.heads.insert(self.branch.clone(), i);
        self
    }

    /// Adds a merge commit on the current branch with the head of `other` as second
    /// parent; files start as the current head's.
    pub fn merge(mut self, other: &str, f: impl FnOnce(&mut CommitBuilder)) -> RepoBuilder {
        let Some(second) = self.heads.get(other).copied() else {
            self.fail(format!("merge: no branch {other}"));
            return self;
        };
        self = self.commit(f);
        if let Some(c) = self.commits.last_mut() {
            c.parents.push(second);
        }
        self
    }

    /// Creates branch `name` at the current head and switches to it.
    pub fn branch(mut self, name: &str) -> RepoBuilder {
        if let Some(c) = self.current(&format!("branch {name}")) {
            self.heads.insert(name.to_string(), c);
        }
        self.branch = name.to_string();
        self
    }

    /// Switches to branch `name`: an existing one, or a new orphan branch whose first
    /// commit has no parent.
    pub fn checkout(mut self, name: &str) -> RepoBuilder {
        self.branch = name.to_string();
        self
    }

    /// A lightweight tag at the current head.
    pub fn tag(mut self, name: &str) -> RepoBuilder {
        if let Some(commit) = self.current(&format!("tag {name}")) {
            self.refs.push(RefSpec::Light {
                name: name.to_string(),
                commit,
            });
        }
        self
    }

    /// A lightweight tag at commit `i`.
    pub fn tag_at(mut self, name: &str, i: usize) -> RepoBuilder {
        if i >= self.commits.len() {
            self.fail(format!("tag {name}: no commit {i}"));
        }
        self.refs.push(RefSpec::Light {
            name: name.to_string(),
            commit: i,
        });
        self
    }

    /// An annotated tag at the current head (tagged at the commit's time).
    pub fn annotated_tag(mut self, name: &str, message: &str) -> RepoBuilder {
        if let Some(commit) = self.current(&format!("tag {name}")) {
            self.refs.push(RefSpec::Annotated {
                name: name.to_string(),
                commit,
                message: message.to_string(),
            });
        }
        self
    }

    /// Any ref (`refs/tags/--foo`, `refs/tags/t` → a tree, `refs/pull/1/head`, …)
    /// set with `git update-ref` after the import; git's own ref-name rules apply.
    pub fn raw_ref(mut self, refname: &str, target: Target) -> RepoBuilder {
        self.refs.push(RefSpec::Raw {
            refname: refname.to_string(),
            target,
        });
        self
    }

    /// An annotated tag object (made with `git mktag`) pointing at any object, e.g.
    /// a tree or a blob, under `refs/tags/<name>`.
    pub fn annotated_tag_to(mut self, name: &str, target: Target, message: &str) -> RepoBuilder {
        self.refs.push(RefSpec::RawAnnotated {
            name: name.to_string(),
            target,
            message: message.to_string(),
        });
        self
    }

    /// Points `HEAD` at `refs/heads/<branch>` (default: `main`); the branch need not
    /// exist (an unborn HEAD).
    pub fn head(mut self, branch: &str) -> RepoBuilder {
        self.head = Some(branch.to_string());
        self
    }

    /// Writes the repository; an existing `<root>/<name>.git` is an error.
    pub fn build(self) -> io::Result<Repo> {
        if let Some(e) = &self.error {
            return Err(io::Error::other(format!("repo {}: {e}", self.name)));
        }
        let path = self.root.join(format!("{}.git", self.name));
        if path.exists() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("repo {}: {} exists", self.name, path.display()),
            ));
        }
        std::fs::create_dir_all(&path)?;
        git_output(&path, &["init", "--bare", "-q", "-b", "main", "."])?;
        let marks = tempfile::NamedTempFile::new()?;
        let marks_arg = format!("--export-marks={}", marks.path().display());
        git_input(
            &path,
            &["fast-import", "--quiet", "--done", &marks_arg],
            &self.stream(),
        )?;
        let commits = read_marks(marks.path(), self.commits.len())?;
        let repo = Repo {
            name: self.name.clone(),
            path,
            commits,
        };
        for r in &self.refs {
            self.write_odd_ref(&repo, r)?;
        }
        let head = format!("refs/heads/{}", self.head.as_deref().unwrap_or("main"));
        git_output(&repo.path, &["symbolic-ref", "HEAD", &head])?;
        Ok(repo)
    }

    /// The fast-import stream: commits in order (marks `:1`…), then the tags it can
    /// express, then `done`.
    fn stream(&self) -> Vec<u8> {
        let mut s = Vec::new();
        for (i, c) in self.commits.iter().enumerate() {
            s.extend_from_slice(
                format!("commit refs/heads/{}\nmark :{}\n", c.branch, i + 1).as_bytes(),
            );
            s.extend_from_slice(format!("author {AUTHOR} {} +0000\n", c.time).as_bytes());
            s.extend_from_slice(format!("committer {COMMITTER} {} +0000\n", c.time).as_bytes());
            data(&mut s, c.message.as_bytes());
            for (k, p) in c.parents.iter().enumerate() {
                let word = if k == 0 { "from" } else { "merge" };
                s.extend_from_slice(format!("{word} :{}\n", p + 1).as_bytes());
            }
            s.extend_from_slice(b"deleteall\n");
            for (path, (mode, bytes)) in &c.files {
                s.extend_from_slice(format!("M {} inline ", mode.octal()).as_bytes());
                s.extend_from_slice(&quote_path(path));
                s.push(b'\n');
                data(&mut s, bytes);
            }
        }
        // Every branch, including those made by `branch()` with no commit of their own.
        for (branch, i) in &self.heads {
            s.extend_from_slice(
                format!("reset refs/heads/{branch}\nfrom :{}\n\n", i + 1).as_bytes(),
            );
        }
        for r in &self.refs {
            match r {
                RefSpec::Light { name, commit } => {
                    s.extend_from_slice(
                        format!("reset refs/tags/{name}\nfrom :{}\n\n", commit + 1).as_bytes(),
                    );
                }
                RefSpec::Annotated {
                    name,
                    commit,
                    message,
                } => {
                    let time = self.commits.get(*commit).map_or(BASE_TIME, |c| c.time);
                    s.extend_from_slice(format!("tag {name}\nfrom :{}\n", commit + 1).as_bytes());
                    s.extend_from_slice(format!("tagger {COMMITTER} {time} +0000\n").as_bytes());
                    data(&mut s, message.as_bytes());
                }
                RefSpec::Raw { .. } | RefSpec::RawAnnotated { .. } => {}
            }
        }
        s.extend_from_slice(b"done\n");
        s
    }

    fn resolve(&self, repo: &Repo, target: &Target) -> io::Result<String> {
        let bad = |what: String| io::Error::other(format!("repo {}: {what}", self.name));
        match target {
            Target::Commit(i) => repo
                .commits
                .get(*i)
                .cloned()
                .ok_or_else(|| bad(format!("no commit {i}"))),
            Target::TreeOf(i) => {
                let c = repo
                    .commits
                    .get(*i)
                    .ok_or_else(|| bad(format!("no commit {i}")))?;
                repo.rev_parse(&format!("{c}^{{tree}}"))
            }
            Target::Blob(bytes) => {
                let out = git_io(&repo.path, &["hash-object", "-w", "--stdin"], bytes)?;
                Ok(String::from_utf8_lossy(&out).trim().to_string())
            }
            Target::Rev(rev) => repo.rev_parse(rev),
        }
    }

    fn write_odd_ref(&self, repo: &Repo, r: &RefSpec) -> io::Result<()> {
        match r {
            RefSpec::Light { .. } | RefSpec::Annotated { .. } => Ok(()),
            RefSpec::Raw { refname, target } => {
                let id = self.resolve(repo, target)?;
                git_output(&repo.path, &["update-ref", "--no-deref", refname, &id])?;
                Ok(())
            }
            RefSpec::RawAnnotated {
                name,
                target,
                message,
            } => {
                let id = self.resolve(repo, target)?;
                let kind = git_output(&repo.path, &["cat-file", "-t", &id])?;
                let kind = String::from_utf8_lossy(&kind).trim().to_string();
                let tag = format!(
                    "object {id}\ntype {kind}\ntag {name}\ntagger {COMMITTER} {BASE_TIME} +0000\n\n{message}\n"
                );
                let out = git_io(&repo.path, &["mktag"], tag.as_bytes())?;
                let tag_id = String::from_utf8_lossy(&out).trim().to_string();
                let refname = format!("refs/tags/{name}");
                git_output(&repo.path, &["update-ref", "--no-deref", &refname, &tag_id])?;
                Ok(())
            }
        }
    }
}

/// A fast-import `data` block with an exact byte count.
fn data(s: &mut Vec<u8>, bytes: &[u8]) {
    s.extend_from_slice(format!("data {}\n", bytes.len()).as_bytes());
    s.extend_from_slice(bytes);
    s.push(b'\n');
}

/// A path as fast-import reads it: C-style quoted when it starts with `"` or holds a
/// newline, backslash or quote, as-is otherwise.
fn quote_path(path: &str) -> Vec<u8> {
    if !path.starts_with('"') && !path.contains(['\n', '\\', '"']) {
        return path.as_bytes().to_vec();
    }
    let mut q = vec![b'"'];
    for &b in path.as_bytes() {
        match b {
            b'"' => q.extend_from_slice(b"\\\""),
            b'\\' => q.extend_from_slice(b"\\\\"),
            b'\n' => q.extend_from_slice(b"\\n"),
            _ => q.push(b),
        }
    }
    q.push(b'"');
    q
}

fn read_marks(path: &Path, n: usize) -> io::Result<Vec<String>> {
    let text = std::fs::read_to_string(path)?;
    let mut ids = vec![String::new(); n];
    for line in text.lines() {
        let Some((mark, id)) = line.split_once(' ') else {
            continue;
        };
        if let Some(i) = mark.strip_prefix(':').and_then(|m| m.parse::<usize>().ok())
            && (1..=n).contains(&i)
        {
            ids[i - 1] = id.to_string();
        }
    }
    if ids.iter().any(String::is_empty) {
        return Err(io::Error::other(
            "git fast-import did not report every commit",
        ));
    }
    Ok(ids)
}

/// `git` with no system or global configuration, in `dir`.
pub(crate) fn git_command(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("LC_ALL", "C")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE");
    c
}

fn git_output(dir: &Path, args: &[&str]) -> io::Result<Vec<u8>> {
    git_io(dir, args, &[])
}

fn git_input(dir: &Path, args: &[&str], input: &[u8]) -> io::Result<()> {
    git_io(dir, args, input).map(|_| ())
}

fn git_io(dir: &Path, args: &[&str], input: &[u8]) -> io::Result<Vec<u8>> {
    let mut child = git_command(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| io::Error::new(e.kind(), format!("running git {}: {e}", args.join(" "))))?;
    let mut stdin = child.stdin.take();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        if let Some(w) = stdin.as_mut() {
            let _ = w.write_all(&input);
        }
    });
    let out = child.wait_with_output()?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "git {} in {}: {}: {}",
            args.join(" "),
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote_path("a b/c"), b"a b/c");
        assert_eq!(quote_path("a\"b"), b"\"a\\\"b\"");
        assert_eq!(quote_path("a\nb"), b"\"a\\nb\"");
    }
}
