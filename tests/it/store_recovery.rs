//! The crash and corruption recovery matrix (spec §2.7), against the real `go`.
//!
//! For each leftover state, two caches are filled by `go` and damaged identically.
//! The store's predicates must classify the damage as Go does (extracted tree
//! complete / missing / partial and why; zip state; ziphash valid, torn or fatal;
//! `.info` and `.mod` present or not). Then `go mod download -json` repairs one cache
//! and the engine flow over the store (`store_support::engine_download`) the other:
//! both must fetch the same files, end with the same outcome (or the same error
//! text), and leave identical trees (paths, bytes, modes).

use crate::store_support as ss;
use crate::support::{self, Tally};
use gomodfetch::store::{self, Store, VersionPaths, ZipState, Ziphash};
use gomodfetch::testkit::gocmd::Sandbox;
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::tree::SnapshotOptions;
use gomodfetch::testkit::universe::Universe;
use std::fs;
use std::path::Path;

const TEST: &str = "store_recovery";

/// How the store must classify a damaged cache.
#[derive(Debug, PartialEq, Eq)]
struct Classified {
    /// `complete`, `missing`, or `partial: <reason>`.
    dir: String,
    zip: ZipState,
    /// `valid`, `invalid` (re-hash) or `error: <text>`.
    ziphash: String,
    info: bool,
    gomod: bool,
}

fn classify(store: &Store, p: &VersionPaths) -> Classified {
    let m = p.module();
    let dir = match store.download_dir(m) {
        Ok(_) => "complete".to_string(),
        Err(store::Error::DirPartial { reason, .. }) => format!("partial: {reason}"),
        Err(e) if e.is_not_found() => "missing".to_string(),
        Err(e) => format!("error: {e}"),
    };
    let ziphash = match store.read_ziphash(m) {
        Ok(Ziphash::Valid(_)) => "valid".to_string(),
        Ok(Ziphash::Invalid(_)) => "invalid".to_string(),
        Err(store::Error::ReadZiphash { .. }) => "unreadable".to_string(),
        Err(e) => format!("error: {e}"),
    };
    Classified {
        dir,
        zip: store.zip_state(m).expect("zip state"),
        ziphash,
        info: store.read_info(m).is_some(),
        gomod: store.read_mod(m).is_some(),
    }
}

fn expect(dir: &str, zip: ZipState, ziphash: &str) -> Classified {
    Classified {
        dir: dir.into(),
        zip,
        ziphash: ziphash.into(),
        info: true,
        gomod: true,
    }
}

const H1_LEN: usize = 47;

fn write(p: &Path, data: impl AsRef<[u8]>) {
    fs::write(p, data).unwrap_or_else(|e| panic!("writing {}: {e}", p.display()));
}

fn rm(p: &Path) {
    store::remove_all(p).unwrap_or_else(|e| panic!("removing {}: {e}", p.display()));
}

/// A pre-1.16 extraction directory next to the tree, read-only as old `go` left it.
fn legacy_tmp_dir(p: &VersionPaths) {
    let d = p.extracted_dir().with_file_name(format!(
        "{}.tmp-8675309",
        p.extracted_dir()
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
    ));
    fs::create_dir_all(d.join("sub")).expect("mkdir");
    write(&d.join("sub/f.go"), "package sub\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&d, fs::Permissions::from_mode(0o555)).expect("chmod");
    }
}

struct Case {
    name: &'static str,
    damage: fn(&VersionPaths),
    expect: fn() -> Classified,
}

fn cases() -> Vec<Case> {
    use ZipState::*;
    vec![
        Case {
            name: "zip temp files, zip and tree missing",
            damage: |p| {
                rm(&p.zip());
                rm(&p.ziphash());
                rm(p.extracted_dir());
                write(&p.download_dir().join("v1.0.0.zip123.tmp"), "junk");
                write(&p.download_dir().join("v1.0.0.zip.tmp"), "junk");
            },
            expect: || expect("missing", ZipMissing, "unreadable"),
        },
        Case {
            name: "zip temp files next to a complete module",
            damage: |p| write(&p.download_dir().join("v1.0.0.zip42.tmp"), "junk"),
            expect: || expect("complete", Complete, "valid"),
        },
        Case {
            name: "info and mod temp files",
            damage: |p| {
                write(&p.download_dir().join("v1.0.0.info77.tmp"), "{");
                write(&p.download_dir().join("v1.0.0.mod88.tmp"), "mod");
            },
            expect: || expect("complete", Complete, "valid"),
        },
        Case {
            name: "ziphash without zip, tree complete",
            damage: |p| rm(&p.zip()),
            expect: || expect("complete", ZipMissing, "valid"),
        },
        Case {
            name: "ziphash without zip, tree missing",
            damage: |p| {
                rm(&p.zip());
                rm(p.extracted_dir());
            },
            expect: || expect("missing", ZipMissing, "valid"),
        },
        Case {
            name: "zip without ziphash, tree present",
            damage: |p| rm(&p.ziphash()),
            expect: || {
                expect(
                    "partial: ziphash file is missing",
                    ZiphashMissing,
                    "unreadable",
                )
            },
        },
        Case {
            name: "zip without ziphash, tree missing",
            damage: |p| {
                rm(&p.ziphash());
                rm(p.extracted_dir());
            },
            expect: || expect("missing", ZiphashMissing, "unreadable"),
        },
        Case {
            name: "tree present, zip and ziphash missing",
            damage: |p| {
                rm(&p.zip());
                rm(&p.ziphash());
            },
            expect: || expect("partial: ziphash file is missing", ZipMissing, "unreadable"),
        },
        Case {
            name: "ziphash truncated",
            damage: |p| {
                let h = fs::read(p.ziphash()).expect("ziphash");
                write(&p.ziphash(), &h[..20]);
            },
            expect: || expect("complete", Complete, "invalid"),
        },
        Case {
            name: "ziphash NUL-filled",
            damage: |p| write(&p.ziphash(), [0u8; H1_LEN]),
            expect: || expect("complete", Complete, "invalid"),
        },
        Case {
            name: "ziphash surrounded by white space",
            damage: |p| {
                let h = fs::read_to_string(p.ziphash()).expect("ziphash");
                write(&p.ziphash(), format!(" \t{h}\r\n"));
            },
            expect: || expect("complete", Complete, "valid"),
        },
        Case {
            name: "ziphash of the right length without h1:",
            damage: |p| write(&p.ziphash(), format!("h2:{}", "A".repeat(H1_LEN - 4) + "=")),
            expect: || {
                expect(
                    "complete",
                    Complete,
                    "error: verifying example.com/hello@v1.0.0: unexpected ziphash: \"h2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"",
                )
            },
        },
        Case {
            name: "tree with .partial",
            damage: |p| write(&p.partial(), ""),
            expect: || expect("partial: not completely extracted", Complete, "valid"),
        },
        Case {
            name: ".partial without tree",
            damage: |p| {
                rm(p.extracted_dir());
                write(&p.partial(), "");
            },
            expect: || expect("missing", Complete, "valid"),
        },
        Case {
            name: "legacy .tmp- dirs, tree missing",
            damage: |p| {
                rm(p.extracted_dir());
                legacy_tmp_dir(p);
            },
            expect: || expect("missing", Complete, "valid"),
        },
        Case {
            name: "legacy .tmp- dirs next to a complete tree",
            damage: legacy_tmp_dir,
            expect: || expect("complete", Complete, "valid"),
        },
        Case {
            name: "a file where the tree should be",
            damage: |p| {
                rm(p.extracted_dir());
                write(p.extracted_dir(), "not a directory");
            },
            expect: || expect("partial: not a directory", Complete, "valid"),
        },
        Case {
            name: "corrupt zip with a valid ziphash, tree missing",
            damage: |p| {
                write(&p.zip(), "this is not a zip file");
                rm(p.extracted_dir());
            },
            expect: || expect("missing", Complete, "valid"),
        },
        Case {
            name: ".mod from vgo",
            damage: |p| write(&p.gomod(), "//vgo 0.0.4\n\nmodule example.com/hello\n"),
            expect: || Classified {
                gomod: false,
                ..expect("complete", Complete, "valid")
            },
        },
        Case {
            name: ".info not JSON",
            damage: |p| write(&p.info(), "{\"Version\":"),
            expect: || Classified {
                info: false,
                ..expect("complete", Complete, "valid")
            },
        },
        Case {
            name: "torn list",
            damage: |p| write(&p.list(), b"v1.0.0\n\0\0\0\0"),
            expect: || expect("complete", Complete, "valid"),
        },
        Case {
            name: "torn list and .mod missing",
            damage: |p| {
                write(&p.list(), b"v1.0\0\0\0");
                rm(&p.gomod());
            },
            expect: || Classified {
                gomod: false,
                ..expect("complete", Complete, "valid")
            },
        },
    ]
}

/// A cache filled by `go` with the module.
fn go_filled(go: &gomodfetch::testkit::gocmd::Go, proxy: &TestProxy, arg: &str) -> Sandbox {
    let sb = ss::sandbox(proxy, false);
    let run = ss::go_download(go, &sb, &[arg.to_string()]);
    assert!(run.success(), "{run}");
    sb
}

/// The record's cache fields as text, with paths normalised.
fn record_text(sb: &Sandbox, r: &ss::Record) -> String {
    let s = |p: &Path| Some(p.display().to_string());
    sb.normalizer().apply_str(&format!(
        "Info={:?} GoMod={:?} Zip={:?} Dir={:?} Sum={:?}",
        s(&r.info),
        s(&r.go_mod),
        s(&r.zip),
        s(&r.dir),
        r.sum
    ))
}

/// The record's cache fields (paths normalised) or the error text, as go reports it: the `-json`
/// record's `Error`, or for a fatal error, stderr without `go: `.
fn go_outcome(sb: &Sandbox, run: &gomodfetch::testkit::gocmd::Run) -> Result<String, String> {
    let n = sb.normalizer();
    match run.download_records() {
        Ok(recs) if recs.len() == 1 => match &recs[0].error {
            None if run.success() => Ok(n.apply_str(&format!(
                "Info={:?} GoMod={:?} Zip={:?} Dir={:?} Sum={:?}",
                recs[0].info, recs[0].go_mod, recs[0].zip, recs[0].dir, recs[0].sum
            ))),
            None => Err(format!("exit {:?} without an error: {run}", run.code())),
            Some(e) => Err(n.apply_str(e)),
        },
        _ => Err(n.apply_str(run.stderr_text().trim_end().trim_start_matches("go: "))),
    }
}

#[test]
fn recovery_matrix_matches_go() {
    let Some(go) = support::go(TEST) else { return };
    let u = Universe::new();
    let mods = ss::publish_modules(&u);
    let m = mods[0].clone();
    let arg = ss::args(std::slice::from_ref(&m)).remove(0);
    let proxy = TestProxy::start(ProxyConfig::new(u)).expect("proxy");
    let mut t = Tally::new(format!("{TEST}/matrix"));
    for case in cases() {
        t.check(case.name, || {
            let (go_sb, our_sb) = (go_filled(&go, &proxy, &arg), go_filled(&go, &proxy, &arg));
            let (go_store, our_store) = (ss::store(&go_sb, false), ss::store(&our_sb, false));
            let mv = ss::mv(&m);
            for s in [&go_store, &our_store] {
                (case.damage)(&s.paths(&mv).map_err(|e| e.to_string())?);
            }
            for (who, s) in [("go's", &go_store), ("our", &our_store)] {
                let got = classify(s, &s.paths(&mv).map_err(|e| e.to_string())?);
                let want = (case.expect)();
                if got != want {
                    return Err(format!("{who} cache classified {got:?}, want {want:?}"));
                }
            }

            proxy.clear_log();
            let run = ss::go_download(&go, &go_sb, std::slice::from_ref(&arg));
            let go_fetched = ss::request_kinds(&proxy.log());
            let go_result = go_outcome(&go_sb, &run);

            let mut fetched = Vec::new();
            let ours = ss::engine_download(&our_store, &m, &|| m.zip().expect("zip").to_vec(), &mut fetched);
            let our_result = ours
                .as_ref()
                .map(|r| record_text(&our_sb, r))
                .map_err(|e| our_sb.normalizer().apply_str(e));
            if (&go_fetched, &go_result) != (&fetched, &our_result) {
                return Err(format!(
                    "go fetched {go_fetched:?} -> {go_result:?}; we fetched {fetched:?} -> {our_result:?}"
                ));
            }
            let opts = SnapshotOptions::default();
            let theirs = go_sb.cache_snapshot(&opts).map_err(|e| e.to_string())?;
            let ours = our_sb.cache_snapshot(&opts).map_err(|e| e.to_string())?;
            let diff = theirs.diff(&ours);
            if !diff.is_empty() {
                return Err(format!(
                    "trees differ after repair:\n{}",
                    diff.report("go", "store", 20)
                ));
            }
            let outcome = our_result.as_ref().map_or_else(|e| e.as_str(), |_| "ok");
            eprintln!("{TEST}: {}: fetched {fetched:?}, {outcome}", case.name);
            Ok(())
        });
    }
    t.finish();
}
