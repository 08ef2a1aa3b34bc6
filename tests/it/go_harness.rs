//! The differential harness (`gomodfetch::testkit::{gocmd, tree, normalize}`) proven
//! on the real `go`: two runs of `go mod download -json` into two separate sandboxes
//! from one `file://` proxy leave identical cache trees and, once normalised,
//! byte-identical output; and damage to one cache — a flipped byte, a chmod, a
//! deleted file, an added file — is reported precisely by the tree diff (and noticed
//! by `go mod verify` too).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use gomodfetch::testkit::gocmd::{DownloadRecord, Go, Sandbox};
use gomodfetch::testkit::tree::{Attr, Snapshot, SnapshotOptions, assert_same};

use crate::support;

/// A module of the test proxy: path, escaped path, version, files besides go.mod.
type Module = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const MODULES: &[Module] = &[
    (
        "example.com/hello",
        "example.com/hello",
        "v1.0.0",
        &[
            ("hello.go", "package hello\n"),
            ("internal/x/x.go", "package x\n"),
            ("LICENSE", "MIT\n"),
        ],
    ),
    (
        "example.com/hello",
        "example.com/hello",
        "v1.1.0",
        &[("hello.go", "package hello // v1.1.0\n")],
    ),
    (
        "example.com/Upper",
        "example.com/!upper",
        "v0.1.0-RC1",
        &[("u.go", "package upper\n")],
    ),
];

/// The escaped form of a version (only upper-case letters change).
fn escape_version(v: &str) -> String {
    gomodfetch::module::escape_version(v).expect("valid version")
}

/// Writes a `file://` GOPROXY tree for [`MODULES`] under `root`.
fn write_proxy(root: &Path) {
    for (path, esc, version, files) in MODULES {
        let dir = root.join(esc).join("@v");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let ev = escape_version(version);
        let gomod = format!("module {path}\n\ngo 1.21\n");
        let mut list = std::fs::read_to_string(dir.join("list")).unwrap_or_default();
        list.push_str(&format!("{version}\n"));
        std::fs::write(dir.join("list"), list).expect("list");
        let info = format!("{{\"Version\":\"{version}\",\"Time\":\"2024-05-06T07:08:09Z\"}}");
        std::fs::write(dir.join(format!("{ev}.info")), info).expect("info");
        std::fs::write(dir.join(format!("{ev}.mod")), &gomod).expect("mod");
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        let all = std::iter::once(("go.mod", gomod.as_str())).chain(files.iter().copied());
        for (name, body) in all {
            zip.start_file(format!("{path}@{version}/{name}"), opts)
                .expect("zip entry");
            zip.write_all(body.as_bytes()).expect("zip write");
        }
        let bytes = zip.finish().expect("zip").into_inner();
        std::fs::write(dir.join(format!("{ev}.zip")), bytes).expect("zip file");
    }
}

fn args() -> Vec<String> {
    MODULES
        .iter()
        .map(|(p, _, v, _)| format!("{p}@{v}"))
        .collect()
}

/// One sandbox with the proxy configured, read-only extracted trees (Go's default).
fn sandbox(proxy: &Path) -> Sandbox {
    let mut sb = Sandbox::new().expect("sandbox");
    sb.goproxy(format!("file://{}", proxy.display()));
    sb
}

fn download(go: &Go, sb: &Sandbox) -> (Vec<u8>, Vec<u8>, Vec<DownloadRecord>) {
    let run = go
        .mod_download(sb, sb.work_dir(), &["-json"], args())
        .expect("running go");
    assert!(run.success(), "{run}");
    let records = run.download_records().expect("-json stream");
    let norm = sb.normalizer();
    (norm.apply(&run.stdout), norm.apply(&run.stderr), records)
}

#[cfg(unix)]
fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(p)
        .expect("stat")
        .permissions()
        .mode()
        & 0o7777
}

/// Runs `f` with `dir` made writable, then restores its mode, so a damage step
/// changes only what it means to.
#[cfg(unix)]
fn in_writable_dir(dir: &Path, f: impl FnOnce()) {
    let old = mode(dir);
    chmod(dir, old | 0o200);
    f();
    chmod(dir, old);
}

#[cfg(unix)]
#[test]
fn two_caches_compare_equal_and_damage_is_pinpointed() {
    let test = "go_harness";
    let Some(go) = support::go(test) else { return };
    let proxy_dir = tempfile::tempdir().expect("tempdir");
    write_proxy(proxy_dir.path());
    let (sb1, sb2) = (sandbox(proxy_dir.path()), sandbox(proxy_dir.path()));

    let (out1, err1, recs1) = download(&go, &sb1);
    let (out2, err2, recs2) = download(&go, &sb2);

    // The -json records: one per argument, each complete and pointing into its cache.
    assert_eq!(recs1.len(), MODULES.len());
    for (rec, (path, esc, version, _)) in recs1.iter().zip(MODULES) {
        assert_eq!(rec.path.as_deref(), Some(*path));
        assert_eq!(rec.version.as_deref(), Some(*version));
        assert_eq!(rec.error, None);
        let zip = PathBuf::from(rec.zip.as_deref().expect("Zip"));
        let ev = escape_version(version);
        assert_eq!(
            zip,
            sb1.gomodcache()
                .join(format!("cache/download/{esc}/@v/{ev}.zip"))
        );
        let ziphash = std::fs::read_to_string(format!("{}hash", zip.display())).expect("ziphash");
        assert_eq!(rec.sum.as_deref(), Some(ziphash.as_str()));
        assert!(Path::new(rec.dir.as_deref().expect("Dir")).is_dir());
    }
    assert_eq!(
        recs1.iter().map(|r| &r.sum).collect::<Vec<_>>(),
        recs2.iter().map(|r| &r.sum).collect::<Vec<_>>()
    );

    // Normalised output is byte-identical, and really was normalised.
    assert_eq!(
        String::from_utf8_lossy(&out1),
        String::from_utf8_lossy(&out2)
    );
    assert_eq!(err1, err2);
    let text = String::from_utf8_lossy(&out1);
    assert!(
        text.contains(
            "\t\"Zip\": \"$GOMODCACHE/cache/download/example.com/!upper/@v/v0.1.0-!r!c1.zip\",\n"
        ),
        "{text}"
    );
    assert!(!text.contains(&sb1.root().display().to_string()), "{text}");

    // The trees are identical, entry for entry.
    let opts = SnapshotOptions::default();
    let snap1 = sb1.cache_snapshot(&opts).expect("snapshot 1");
    let snap2 = sb2.cache_snapshot(&opts).expect("snapshot 2");
    assert_same(&snap1, &snap2, ("run 1", "run 2"));
    let extracted = "example.com/hello@v1.0.0";
    let go_mod = snap1.get(format!("{extracted}/go.mod")).expect("go.mod");
    assert_eq!(go_mod.mode, 0o444, "extracted files are read-only");
    assert_eq!(
        snap1.get(extracted).expect("dir").mode & 0o222,
        0,
        "and their directories"
    );
    eprintln!(
        "go_harness: {} entries in each cache, identical",
        snap1.len()
    );

    // `go mod verify` agrees the caches are sound before the damage.
    let gosum: String = recs1
        .iter()
        .map(|r| {
            let (p, v) = (
                r.path.as_deref().unwrap_or(""),
                r.version.as_deref().unwrap_or(""),
            );
            format!(
                "{p} {v} {}\n{p} {v}/go.mod {}\n",
                r.sum.as_deref().unwrap_or(""),
                r.go_mod_sum.as_deref().unwrap_or("")
            )
        })
        .collect();
    let main = sb2
        .main_module(
            "module example.com/main\n\ngo 1.21\n\nrequire example.com/hello v1.0.0\n",
            Some(&gosum),
        )
        .expect("main module");
    let verify = go.mod_verify(&sb2, &main).expect("go mod verify");
    assert!(verify.success(), "{verify}");
    assert_eq!(verify.stdout_text(), "all modules verified\n");

    // Damage the second cache in four ways.
    let c = sb2.gomodcache();
    let dir = c.join(extracted);
    let flipped = dir.join("hello.go");
    let m = mode(&flipped);
    chmod(&flipped, 0o644);
    let mut bytes = std::fs::read(&flipped).expect("read");
    bytes[0] ^= 0x20;
    std::fs::write(&flipped, bytes).expect("write");
    chmod(&flipped, m);
    let list = c.join("cache/download/example.com/hello/@v/list");
    chmod(&list, 0o600);
    in_writable_dir(&dir.join("internal/x"), || {
        std::fs::remove_file(dir.join("internal/x/x.go")).expect("rm");
    });
    in_writable_dir(&dir, || {
        std::fs::write(dir.join("extra.go"), "package hello\n").expect("add");
    });

    let damaged = sb2.cache_snapshot(&opts).expect("snapshot");
    let diff = snap1.diff(&damaged);
    let report = diff.report("clean", "damaged", 10);
    eprintln!("go_harness: diff after damage:\n{report}");
    let rel = |e: &gomodfetch::testkit::tree::Entry| e.path.display().to_string();
    assert_eq!(
        diff.only_left.iter().map(rel).collect::<Vec<_>>(),
        [format!("{extracted}/internal/x/x.go")],
        "{report}"
    );
    assert_eq!(
        diff.only_right.iter().map(rel).collect::<Vec<_>>(),
        [format!("{extracted}/extra.go")],
        "{report}"
    );
    let changed: Vec<(String, Vec<Attr>)> = diff
        .changed
        .iter()
        .map(|ch| (ch.path().display().to_string(), ch.attrs.clone()))
        .collect();
    assert_eq!(
        changed,
        [
            (
                "cache/download/example.com/hello/@v/list".to_string(),
                vec![Attr::Mode]
            ),
            (format!("{extracted}/hello.go"), vec![Attr::Content]),
        ],
        "{report}"
    );
    assert!(
        report.contains("changed cache/download/example.com/hello/@v/list: mode 0644 → 0600"),
        "{report}"
    );
    assert!(
        report.ends_with("1 only in clean, 1 only in damaged, 2 changed\n"),
        "{report}"
    );

    // And the go command notices the damage to the extracted tree as well.
    let verify = go.mod_verify(&sb2, &main).expect("go mod verify");
    assert!(!verify.success(), "{verify}");
    let stderr = String::from_utf8_lossy(&sb2.normalizer().apply(&verify.stderr)).into_owned();
    assert!(
        stderr.contains(
            "example.com/hello v1.0.0: dir has been modified ($GOMODCACHE/example.com/hello@v1.0.0)"
        ),
        "{stderr}"
    );
    // A snapshot taken before is untouched by later damage.
    assert_eq!(
        snap1,
        Snapshot::take(sb1.gomodcache(), &opts).expect("again")
    );
}

#[test]
fn convenience_commands_run_in_the_sandbox() {
    let test = "go_harness convenience";
    let Some(go) = support::go(test) else { return };
    let proxy_dir = tempfile::tempdir().expect("tempdir");
    write_proxy(proxy_dir.path());
    let sb = sandbox(proxy_dir.path());

    let list = go
        .list_m(
            &sb,
            sb.work_dir(),
            &["-json", "-versions"],
            ["example.com/hello"],
        )
        .expect("go list");
    assert!(list.success(), "{list}");
    let recs = list.json().expect("json");
    assert_eq!(recs.len(), 1);
    assert_eq!(
        recs[0].value["Versions"],
        serde_json::json!(["v1.0.0", "v1.1.0"])
    );
    assert_eq!(recs[0].raw, list.stdout.trim_ascii_end());

    let main = sb
        .main_module("module example.com/m\n\ngo 1.21\n", None)
        .expect("main module");
    let edit = go.mod_edit_json(&sb, &main, "go.mod").expect("go mod edit");
    assert!(edit.success(), "{edit}");
    assert_eq!(
        edit.json().expect("json")[0].value["Module"]["Path"],
        "example.com/m"
    );

    // Nothing of the machine's configuration shows through.
    let env = go
        .env(
            &sb,
            &["GOPROXY", "GOSUMDB", "GOMODCACHE", "GOFLAGS", "GOTOOLCHAIN"],
        )
        .expect("go env");
    assert_eq!(
        env,
        [
            format!("file://{}", proxy_dir.path().display()),
            "off".to_string(),
            sb.gomodcache().display().to_string(),
            String::new(),
            "local".to_string(),
        ]
    );
    assert!(go.version(&sb).expect("version").starts_with("go1."));
}
