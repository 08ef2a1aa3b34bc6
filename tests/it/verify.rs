//! `gomodfetch verify` against the real `go mod verify`, on caches filled for the
//! generated Go corpus (`testkit::goprojects`) by `go` and by gomodfetch.
//!
//! * Intact caches: the same stdout, stderr and exit status as `go mod verify` (as
//!   `verify` and as Go's `mod verify` argv), `--complete` passes, and the cache is
//!   not touched (snapshots before and after).
//! * Each damage `go` detects (an edited file in a module tree, a corrupted zip, a
//!   zip replaced by another valid one, a wrong `.ziphash`, a missing `.ziphash`):
//!   the same output as `go mod verify`; `--complete` fails naming it; the cache is
//!   untouched; `--repair` makes it identical to a clean run's.
//! * What `go mod verify` stays silent about (a module missing from the cache, a
//!   leftover `.partial`, go.sum without the module's hash or with another one):
//!   `go` and plain `verify` agree, `--complete` fails naming it, `--repair` fixes
//!   the cache damage.
//! * Go's errors: outside a module, a malformed go.mod, arguments, unknown flags.

use std::path::{Path, PathBuf};

use gomodfetch::testkit::gocmd::{Run, Sandbox};
use gomodfetch::testkit::tree::{Snapshot, SnapshotOptions, assert_same};
use serde_json::Value;

use crate::download_interop::{GOMODFETCH, snapshot};
use crate::prewarm::{World, sandbox, world};

/// The corpus project with the most modules (proj3: a command, an internal package,
/// four indirect requirements).
const LARGEST: usize = 2;

/// A sandbox with project `i` written under it and its cache filled by `go mod
/// download` (`by_go`) or `gomodfetch download`.
fn filled(w: &World, i: usize, by_go: bool) -> (Sandbox, PathBuf) {
    let sb = sandbox(w);
    let dir = sb.root().join("work").join(w.corpus.projects()[i].name());
    w.corpus.write_project(i, &dir).expect("writing a project");
    let run = if by_go {
        w.go.mod_download(&sb, &dir, &[], Vec::<String>::new())
            .expect("running go")
    } else {
        ours(&sb, &dir, &["download"])
    };
    assert!(run.success(), "filling the cache\n{run}");
    (sb, dir)
}

fn ours(sb: &Sandbox, dir: &Path, args: &[&str]) -> Run {
    sb.run(GOMODFETCH, dir, args).expect("running gomodfetch")
}

/// `go mod verify`, `gomodfetch verify` and `gomodfetch mod verify` agree byte for
/// byte; returns go's run.
fn same_as_go(w: &World, sb: &Sandbox, dir: &Path, what: &str) -> Run {
    let go = w.go.mod_verify(sb, dir).expect("running go mod verify");
    for argv in [&["verify"][..], &["mod", "verify"]] {
        let us = ours(sb, dir, argv);
        assert_eq!(
            (us.code(), us.stdout_text(), us.stderr_text()),
            (go.code(), go.stdout_text(), go.stderr_text()),
            "{what}: gomodfetch {argv:?} differs from go mod verify\ngo:\n{go}\nours:\n{us}"
        );
    }
    go
}

/// The cache directory of `id` (`path@version`): the download directory's file with
/// `suffix`, and the extracted tree.
struct Entry {
    download: PathBuf,
    version: String,
    tree: PathBuf,
}

impl Entry {
    fn of(sb: &Sandbox, id: &str) -> Entry {
        let (path, version) = id.split_once('@').expect("path@version");
        let esc = gomodfetch::module::escape_path(path).expect("a valid module path");
        let root = sb.gomodcache();
        Entry {
            download: root.join("cache/download").join(&esc).join("@v"),
            version: version.to_string(),
            tree: root.join(format!("{esc}@{version}")),
        }
    }

    fn file(&self, suffix: &str) -> PathBuf {
        self.download.join(format!("{}.{suffix}", self.version))
    }
}

fn make_writable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let md = std::fs::metadata(p).expect("stat");
    let mode = md.permissions().mode() | 0o200;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Every directory of the tree at `p` writable (trees are read-only).
fn make_tree_writable(p: &Path) {
    make_writable(p);
    for e in std::fs::read_dir(p).expect("read_dir").flatten() {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            make_tree_writable(&e.path());
        }
    }
}

/// The first `.go` file of the tree at `dir`, in name order.
fn a_go_file(dir: &Path) -> PathBuf {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read_dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    names
        .into_iter()
        .find(|p| p.extension().is_some_and(|x| x == "go"))
        .unwrap_or_else(|| panic!("no .go file in {}", dir.display()))
}

/// One way to damage a cache (or the project's go.sum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Damage {
    EditedFile,
    CorruptZip,
    ReplacedZip,
    WrongZiphash,
    MissingZiphash,
    Absent,
    LeftoverPartial,
    GoSumMissing,
    GoSumWrong,
}

impl Damage {
    const ALL: [Damage; 9] = [
        Damage::EditedFile,
        Damage::CorruptZip,
        Damage::ReplacedZip,
        Damage::WrongZiphash,
        Damage::MissingZiphash,
        Damage::Absent,
        Damage::LeftoverPartial,
        Damage::GoSumMissing,
        Damage::GoSumWrong,
    ];

    /// Whether `go mod verify` reports it.
    fn go_detects(self) -> bool {
        matches!(
            self,
            Damage::EditedFile
                | Damage::CorruptZip
                | Damage::ReplacedZip
                | Damage::WrongZiphash
                | Damage::MissingZiphash
        )
    }

    /// Whether it is in the cache (repairable) rather than in go.sum.
    fn in_cache(self) -> bool {
        !matches!(self, Damage::GoSumMissing | Damage::GoSumWrong)
    }

    /// What `--complete` must say about it when `victim` is damaged.
    fn complete_says(self, victim: &str) -> String {
        let (path, version) = victim.split_once('@').expect("path@version");
        let text = match self {
            Damage::EditedFile => "dir has been modified",
            // The zip reader's error, whichever check trips first.
            Damage::CorruptZip => return format!("\n{path} {version}: "),
            Damage::ReplacedZip | Damage::WrongZiphash => "zip has been modified",
            Damage::MissingZiphash => "missing ziphash",
            Damage::Absent => "not in the module cache",
            Damage::LeftoverPartial => "extraction left unfinished",
            Damage::GoSumMissing => "go.sum has no hash for it",
            Damage::GoSumWrong => "hash mismatch: go.sum has h1:",
        };
        format!("{path} {version}: {text}")
    }

    /// Applies it to `victim`, with `other` (another cached module) as the source of
    /// wrong contents.
    fn apply(self, sb: &Sandbox, project: &Path, victim: &str, other: &str) {
        let (e, o) = (Entry::of(sb, victim), Entry::of(sb, other));
        let zip = e.file("zip");
        match self {
            Damage::EditedFile => {
                let f = a_go_file(&e.tree);
                make_writable(&f);
                let mut text = std::fs::read(&f).expect("read");
                text.extend_from_slice(b"// edited in place\n");
                std::fs::write(&f, text).expect("write");
            }
            Damage::CorruptZip => {
                make_writable(&zip);
                let mut data = std::fs::read(&zip).expect("read zip");
                let at = data.len() / 3;
                data[at] ^= 0x55;
                std::fs::write(&zip, data).expect("write zip");
            }
            Damage::ReplacedZip => {
                make_writable(&zip);
                std::fs::copy(o.file("zip"), &zip).expect("copy zip");
            }
            Damage::WrongZiphash => {
                let h = e.file("ziphash");
                make_writable(&h);
                std::fs::copy(o.file("ziphash"), &h).expect("copy ziphash");
            }
            Damage::MissingZiphash => std::fs::remove_file(e.file("ziphash")).expect("rm"),
            Damage::Absent => {
                std::fs::remove_file(&zip).expect("rm zip");
                std::fs::remove_file(e.file("ziphash")).expect("rm ziphash");
                make_tree_writable(&e.tree);
                std::fs::remove_dir_all(&e.tree).expect("rm tree");
            }
            Damage::LeftoverPartial => {
                // An extraction killed midway: the marker, and a tree missing a file.
                make_tree_writable(&e.tree);
                std::fs::remove_file(a_go_file(&e.tree)).expect("rm file");
                std::fs::write(e.file("partial"), "").expect("write .partial");
            }
            Damage::GoSumMissing | Damage::GoSumWrong => {
                let (path, version) = victim.split_once('@').expect("path@version");
                let key = format!("{path} {version} ");
                let sum_file = project.join("go.sum");
                let sum = std::fs::read_to_string(&sum_file).expect("go.sum");
                let other_sum = std::fs::read_to_string(o.file("ziphash")).expect("ziphash");
                let edited: String = sum
                    .lines()
                    .filter_map(|l| match (self, l.starts_with(&key)) {
                        (Damage::GoSumMissing, true) => None,
                        (_, true) => Some(format!("{key}{}\n", other_sum.trim())),
                        _ => Some(format!("{l}\n")),
                    })
                    .collect();
                assert_ne!(edited, sum, "{victim} has no line in go.sum");
                std::fs::write(&sum_file, edited).expect("write go.sum");
            }
        }
    }
}

fn json_records(run: &Run) -> Vec<Value> {
    run.stdout_text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("record {l:?}: {e}\n{run}")))
        .collect()
}

fn assert_untouched(before: &Snapshot, sb: &Sandbox, what: &str) {
    assert_same(before, &snapshot(sb), ("before", what));
}

#[test]
fn verify_matches_go_on_intact_caches() {
    let Some(w) = world() else { return };
    for by_go in [true, false] {
        let filler = if by_go { "go" } else { "gomodfetch" };
        for (i, p) in w.corpus.projects().iter().enumerate() {
            let (sb, dir) = filled(&w, i, by_go);
            let before = snapshot(&sb);
            let what = format!("{} filled by {filler}", p.name());
            let go = same_as_go(&w, &sb, &dir, &what);
            assert!(go.success(), "{what}\n{go}");
            assert_eq!(go.stdout_text(), "all modules verified\n");

            let complete = ours(&sb, &dir, &["verify", "--complete", "--json"]);
            assert!(complete.success(), "{what}: --complete failed\n{complete}");
            let records = json_records(&complete);
            for id in &p.default_zips {
                let (path, version) = id.split_once('@').expect("path@version");
                let r = records
                    .iter()
                    .find(|r| r["Path"] == path && r["Version"] == version)
                    .unwrap_or_else(|| panic!("{what}: no record for {id}\n{complete}"));
                assert_eq!(r["State"], "verified", "{what}: {r}");
                assert_eq!(r["Needed"], true, "{what}: {r}");
                assert_eq!(r["Zip"], r["Ziphash"], "{what}: {r}");
                assert_eq!(r["Dir"], r["Ziphash"], "{what}: {r}");
                assert_eq!(r["GoSum"][0], r["Ziphash"], "{what}: {r}");
            }
            assert!(
                complete.stderr_text().starts_with("verify: "),
                "{what}: the summary line\n{complete}"
            );
            assert_untouched(&before, &sb, &format!("{what} after verify"));
            if i == LARGEST {
                // After the snapshot: loading `all` reads the go.mod (and .info) of
                // modules no download fetched, through GOPROXY, as go does.
                let all = ours(&sb, &dir, &["verify", "--all"]);
                // `all` adds testonly, which the no-argument download never fetched.
                assert_eq!(all.code(), Some(1), "{what}: --all\n{all}");
                assert!(
                    all.stderr_text()
                        .contains("lib.test/testonly v1.0.0: not in the module cache"),
                    "{what}: --all\n{all}"
                );
            }
        }
    }
}

#[test]
fn verify_matches_go_on_each_damage_and_repair_restores_a_clean_cache() {
    let Some(w) = world() else { return };
    let p = &w.corpus.projects()[LARGEST];
    let (victim, other) = (&p.default_zips[0], &p.default_zips[1]);
    let (clean_sb, _) = filled(&w, LARGEST, false);
    let clean = snapshot(&clean_sb);
    for damage in Damage::ALL {
        let what = format!("{damage:?} of {victim}");
        let (sb, dir) = filled(&w, LARGEST, false);
        let go_sum = std::fs::read(dir.join("go.sum")).expect("go.sum");
        damage.apply(&sb, &dir, victim, other);
        let damaged = snapshot(&sb);

        let go = same_as_go(&w, &sb, &dir, &what);
        assert_eq!(go.success(), !damage.go_detects(), "{what}: go\n{go}");

        let complete = ours(&sb, &dir, &["verify", "--complete"]);
        assert_eq!(complete.code(), Some(1), "{what}: --complete\n{complete}");
        let says = damage.complete_says(victim);
        assert!(
            format!("\n{}", complete.stderr_text()).contains(&says),
            "{what}: --complete must say {says:?}\n{complete}"
        );
        assert_eq!(complete.stdout_text(), "", "{what}\n{complete}");
        let json = ours(&sb, &dir, &["verify", "--complete", "-json"]);
        let (path, version) = victim.split_once('@').expect("path@version");
        let r = json_records(&json)
            .into_iter()
            .find(|r| r["Path"] == path && r["Version"] == version)
            .unwrap_or_else(|| panic!("{what}: no record\n{json}"));
        assert_ne!(r["State"], "verified", "{what}: {r}");
        assert!(r["Errors"].as_array().is_some_and(|e| !e.is_empty()), "{r}");
        assert_untouched(&damaged, &sb, &format!("{what} after verify"));

        let repair = ours(&sb, &dir, &["verify", "--repair"]);
        if damage.in_cache() {
            assert!(repair.success(), "{what}: --repair\n{repair}");
            assert_eq!(repair.stdout_text(), "all modules verified\n", "{repair}");
            assert_same(&clean, &snapshot(&sb), ("a clean download", &what));
            let after = same_as_go(&w, &sb, &dir, &format!("{what}, repaired"));
            assert!(after.success(), "{after}");
        } else {
            // go.sum is the project's: repair never writes it, so it still fails.
            assert_eq!(repair.code(), Some(1), "{what}: --repair\n{repair}");
            std::fs::write(dir.join("go.sum"), &go_sum).expect("restore go.sum");
            let again = ours(&sb, &dir, &["verify", "--repair"]);
            assert!(
                again.success(),
                "{what}: --repair with go.sum back\n{again}"
            );
            // The hash go.sum lacked was looked up in the checksum database (as go
            // would), whose tiles are now cached too.
            let no_sumdb = SnapshotOptions::default().ignore("cache/download/sumdb");
            let cache = |sb: &Sandbox| sb.cache_snapshot(&no_sumdb).expect("snapshot");
            assert_same(&cache(&clean_sb), &cache(&sb), ("a clean download", &what));
        }
    }
}

#[test]
fn verify_reports_go_errors_as_go() {
    let Some(w) = world() else { return };
    let (sb, dir) = filled(&w, 0, false);
    let outside = sb.root().join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    same_as_go(&w, &sb, &outside, "outside a module");

    let bad = sb.root().join("bad");
    std::fs::create_dir_all(&bad).expect("mkdir");
    std::fs::write(
        bad.join("go.mod"),
        "module bad.test/m\n\ngo 1.22\nrequire\n",
    )
    .expect("write");
    let go = same_as_go(&w, &sb, &bad, "a malformed go.mod");
    assert_eq!(go.code(), Some(1), "{go}");

    for args in [
        &["extra"][..],
        &["-json"],
        &["-modcacherw=maybe"],
        &["-modfile=x.txt"],
    ] {
        let mut go_args = vec!["mod", "verify"];
        go_args.extend_from_slice(args);
        let go = w.go.run(&sb, &dir, &go_args).expect("running go");
        let us = ours(&sb, &dir, &go_args);
        assert_eq!(
            (us.code(), us.stdout_text(), us.stderr_text()),
            (go.code(), go.stdout_text(), go.stderr_text()),
            "mod verify {args:?}\ngo:\n{go}\nours:\n{us}"
        );
    }
}
