use super::*;
use std::fs;

fn write(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, data).unwrap();
}

/// A small tree shaped like a module cache.
fn sample(root: &Path) {
    write(root, "cache/download/a.b/m/@v/list", b"v1.0.0\n");
    write(
        root,
        "cache/download/a.b/m/@v/v1.0.0.mod",
        b"module a.b/m\n",
    );
    write(root, "cache/download/a.b/m/@v/v1.0.0.lock", b"");
    write(root, "a.b/m@v1.0.0/go.mod", b"module a.b/m\n");
    write(root, "a.b/m@v1.0.0/x/x.go", b"package x\n");
}

fn snap(root: &Path) -> Snapshot {
    Snapshot::take(root, &SnapshotOptions::default()).unwrap()
}

#[cfg(unix)]
fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn equal_trees_have_equal_snapshots() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    sample(a.path());
    sample(b.path());
    let (sa, sb) = (snap(a.path()), snap(b.path()));
    assert_eq!(sa, sb);
    assert!(sa.diff(&sb).is_empty());
    assert_eq!(
        sa.diff(&sb).report("go", "ours", 5),
        "trees are identical\n"
    );
    assert_same(&sa, &sb, ("a", "b"));
    // The root itself is not an entry.
    let paths: Vec<String> = sa.entries().map(|e| slash_path(&e.path)).collect();
    assert_eq!(
        paths,
        [
            "a.b",
            "a.b/m@v1.0.0",
            "a.b/m@v1.0.0/go.mod",
            "a.b/m@v1.0.0/x",
            "a.b/m@v1.0.0/x/x.go",
            "cache",
            "cache/download",
            "cache/download/a.b",
            "cache/download/a.b/m",
            "cache/download/a.b/m/@v",
            "cache/download/a.b/m/@v/list",
            "cache/download/a.b/m/@v/v1.0.0.lock",
            "cache/download/a.b/m/@v/v1.0.0.mod",
        ]
    );
    let f = sa.get("a.b/m@v1.0.0/go.mod").unwrap();
    assert_eq!((f.kind, f.size), (Kind::File, 13));
    assert_eq!(
        f.sha256.unwrap()[..4],
        Sha256::digest(b"module a.b/m\n")[..4]
    );
    assert_eq!(sa.get("cache").unwrap().kind, Kind::Dir);
}

#[cfg(unix)]
#[test]
fn every_kind_of_damage_is_reported_precisely() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    sample(a.path());
    sample(b.path());
    let r = b.path();
    // Same size, one byte flipped.
    write(r, "a.b/m@v1.0.0/x/x.go", b"package y\n");
    chmod(&r.join("cache/download/a.b/m/@v/list"), 0o600);
    fs::remove_file(r.join("cache/download/a.b/m/@v/v1.0.0.lock")).unwrap();
    write(r, "a.b/m@v1.0.0/extra.txt", b"new");
    // A file replaced by a symlink.
    fs::remove_file(r.join("a.b/m@v1.0.0/go.mod")).unwrap();
    std::os::unix::fs::symlink("x/x.go", r.join("a.b/m@v1.0.0/go.mod")).unwrap();

    let d = snap(a.path()).diff(&snap(r));
    assert_eq!(d.len(), 5);
    let only_left: Vec<_> = d.only_left.iter().map(|e| slash_path(&e.path)).collect();
    assert_eq!(only_left, ["cache/download/a.b/m/@v/v1.0.0.lock"]);
    let only_right: Vec<_> = d.only_right.iter().map(|e| slash_path(&e.path)).collect();
    assert_eq!(only_right, ["a.b/m@v1.0.0/extra.txt"]);
    let changed: Vec<_> = d
        .changed
        .iter()
        .map(|c| (slash_path(c.path()), c.attrs.clone()))
        .collect();
    let go_mod_attrs = {
        let mut v = vec![Attr::Kind, Attr::Size, Attr::Content, Attr::Target];
        let (l, r) = (&d.changed[0].left, &d.changed[0].right);
        if l.mode != r.mode {
            v.insert(1, Attr::Mode);
        }
        v
    };
    assert_eq!(
        changed,
        [
            ("a.b/m@v1.0.0/go.mod".to_string(), go_mod_attrs),
            ("a.b/m@v1.0.0/x/x.go".to_string(), vec![Attr::Content]),
            ("cache/download/a.b/m/@v/list".to_string(), vec![Attr::Mode]),
        ]
    );
    let report = d.report("go", "ours", 20);
    assert!(
        report.contains("only in go: cache/download/a.b/m/@v/v1.0.0.lock (file "),
        "{report}"
    );
    assert!(
        report.contains("only in ours: a.b/m@v1.0.0/extra.txt (file "),
        "{report}"
    );
    assert!(
        report.contains("changed cache/download/a.b/m/@v/list: mode "),
        "{report}"
    );
    assert!(report.contains(" → 0600"), "{report}");
    assert!(report.contains("target - → x/x.go"), "{report}");
    assert!(
        report.ends_with("1 only in go, 1 only in ours, 3 changed\n"),
        "{report}"
    );
    // Lines come in path order.
    let first = report.lines().next().unwrap();
    assert!(first.contains("a.b/m@v1.0.0/extra.txt"), "{report}");
}

#[test]
fn report_lists_the_first_differences_then_counts() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for i in 0..30 {
        write(b.path(), &format!("f{i:02}"), b"x");
    }
    let d = snap(a.path()).diff(&snap(b.path()));
    let report = d.report("l", "r", 3);
    let lines: Vec<_> = report.lines().collect();
    assert_eq!(lines.len(), 5, "{report}");
    assert!(lines[0].contains("only in r: f00 (file"));
    assert!(lines[2].contains("f02"));
    assert_eq!(lines[3], "  … and 27 more");
    assert_eq!(lines[4], "0 only in l, 30 only in r, 0 changed");
    let shown = format!("{d}");
    assert!(shown.contains("… and 10 more"), "{shown}");
}

#[test]
#[should_panic(expected = "trees differ (go vs ours)")]
fn assert_same_panics_with_report() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(a.path(), "x", b"1");
    assert_same(&snap(a.path()), &snap(b.path()), ("go", "ours"));
}

#[test]
fn ignore_globs_skip_entries_and_subtrees() {
    let a = tempfile::tempdir().unwrap();
    sample(a.path());
    write(a.path(), "cache/vcs/0123/objects/pack/p", b"git");
    write(a.path(), "cache/download/a.b/m/@v/v1.0.0.zip123.tmp", b"t");
    let opts = SnapshotOptions::default()
        .ignore("cache/vcs")
        .ignore("**/*.tmp");
    let s = Snapshot::take(a.path(), &opts).unwrap();
    assert!(
        s.entries()
            .all(|e| !slash_path(&e.path).starts_with("cache/vcs"))
    );
    assert!(s.get("cache/download/a.b/m/@v/v1.0.0.zip123.tmp").is_none());
    assert!(s.get("cache/download/a.b/m/@v/v1.0.0.mod").is_some());
    assert_eq!((s.len(), snap(a.path()).len()), (13, 19));
}

#[test]
fn missing_root_is_an_error_naming_it() {
    let err =
        Snapshot::take("/nonexistent/gomodfetch-tree", &SnapshotOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/gomodfetch-tree"),
        "{err}"
    );
}

#[test]
fn globs() {
    for (g, p, want) in [
        ("a/b", "a/b", true),
        ("a/*", "a/b", true),
        ("a/*", "a/b/c", false),
        ("*.lock", "v1.0.0.lock", true),
        ("*.lock", "x/v1.0.0.lock", false),
        ("**/*.lock", "x/y/v1.0.0.lock", true),
        ("**/*.lock", "v1.0.0.lock", true),
        ("cache/**", "cache", true),
        ("cache/**", "cache/x/y", true),
        ("cache/**/list", "cache/list", true),
        ("cache/**/list", "cache/a/b/list", true),
        ("cache/**/list", "cache/a/b/list2", false),
        ("v?.mod", "v1.mod", true),
        ("v?.mod", "vé.mod", true),
        ("v?.mod", "v12.mod", false),
        ("*", "", true),
        ("", "", true),
        ("a", "", false),
    ] {
        assert_eq!(glob_match(g, p), want, "glob_match({g:?}, {p:?})");
    }
}
