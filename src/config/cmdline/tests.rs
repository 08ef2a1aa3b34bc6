use super::*;

fn argv(words: &[&str]) -> Vec<OsString> {
    words.iter().map(OsString::from).collect()
}

fn parse(goflags: &str, words: &[&str]) -> Result<DownloadArgs, UsageError> {
    let g = GoFlags::parse(goflags).expect("valid GOFLAGS");
    DownloadArgs::parse(&argv(words), &g)
}

fn err(goflags: &str, words: &[&str]) -> String {
    parse(goflags, words).unwrap_err().message
}

#[test]
fn argv_shapes_and_chdir() {
    let inv = Invocation::parse(&argv(&["download", "-json", "a@v1"])).unwrap();
    assert_eq!(inv.shape, CommandShape::Download);
    assert_eq!(inv.chdir, None);
    assert_eq!(inv.args, argv(&["-json", "a@v1"]));

    for words in [
        &["-C", "/d", "mod", "download", "-x"][..],
        &["mod", "-C", "/d", "download", "-x"],
        &["mod", "download", "-C", "/d", "-x"],
        &["mod", "download", "--C=/d", "-x"],
        &["--C", "/d", "mod", "download", "-x"],
    ] {
        let inv = Invocation::parse(&argv(words)).unwrap();
        assert_eq!(inv.shape, CommandShape::ModDownload, "{words:?}");
        assert_eq!(inv.chdir.as_deref(), Some(OsStr::new("/d")), "{words:?}");
        assert_eq!(inv.args, argv(&["-x"]), "{words:?}");
    }
    // Only the first position counts; a trailing -C without value stays a flag.
    let inv = Invocation::parse(&argv(&["download", "-x", "-C", "/d"])).unwrap();
    assert_eq!(inv.chdir, None);
    let inv = Invocation::parse(&argv(&["download", "-C"])).unwrap();
    assert_eq!(inv.args, argv(&["-C"]));
    let inv = Invocation::parse(&argv(&["download", "-C="])).unwrap();
    assert_eq!(inv.chdir.as_deref(), Some(OsStr::new("")));
}

#[test]
fn argv_errors() {
    let e = |w: &[&str]| Invocation::parse(&argv(w)).unwrap_err();
    assert_eq!(e(&[]), ArgvError::NoCommand);
    assert_eq!(e(&["-C", "/d"]), ArgvError::NoCommand);
    assert_eq!(e(&["get"]), ArgvError::UnknownCommand("get".into()));
    assert_eq!(
        e(&["mod", "tidy"]),
        ArgvError::UnknownCommand("mod tidy".into())
    );
    assert_eq!(e(&["mod"]), ArgvError::UnknownCommand("mod".into()));
    assert_eq!(e(&["--help"]), ArgvError::HelpRequested);
    assert_eq!(e(&["-x", "download"]), ArgvError::UndefinedFlag("x".into()));
    assert!(
        e(&["get"])
            .to_string()
            .starts_with("gomodfetch get: unknown command\n")
    );
    let inv = Invocation::parse(&argv(&["--", "download"])).unwrap();
    assert_eq!(inv.shape, CommandShape::Download);
}

#[test]
fn go_flags_and_values() {
    let a = parse(
        "",
        &[
            "-json",
            "--x=true",
            "-reuse",
            "-x",
            "--modcacherw=0",
            "m@v1",
            "-v",
        ],
    )
    .unwrap();
    assert!(a.json && a.x && !a.modcacherw);
    assert_eq!(a.reuse, Some(PathBuf::from("-x")));
    assert_eq!(a.modules, ["m@v1", "-v"]);

    let a = parse("", &["-modfile=", "-overlay=o.json", "--", "-json"]).unwrap();
    assert_eq!(a.modfile, None);
    assert_eq!(a.overlay, Some(PathBuf::from("o.json")));
    assert!(!a.json);
    assert_eq!(a.modules, ["-json"]);

    // "-" alone is an argument; the last occurrence of a flag wins.
    let a = parse("", &["-json", "-json=F", "-", "x"]).unwrap();
    assert!(!a.json);
    assert_eq!(a.modules, ["-", "x"]);
}

#[test]
fn extensions() {
    let a = parse(
        "",
        &["--jobs", "32", "-v", "--stream-json", "--no-progress"],
    )
    .unwrap();
    assert_eq!(a.jobs, NonZeroUsize::new(32));
    assert!(a.verbose && a.stream_json && a.no_progress);
    assert!(parse("", &["--verbose=false"]).is_ok_and(|a| !a.verbose));
    assert_eq!(
        parse("", &["--stall-timeout=500ms"])
            .map(|a| a.stall_timeout)
            .ok(),
        Some(Some(std::time::Duration::from_millis(500)))
    );
    assert_eq!(
        parse("", &["--stall-timeout", "2m"])
            .map(|a| a.stall_timeout)
            .ok(),
        Some(Some(std::time::Duration::from_secs(120)))
    );
    assert_eq!(
        parse("", &["--retries=0"]).map(|a| a.retries).ok(),
        Some(Some(0))
    );
    assert_eq!(
        err("", &["--retries=101"]),
        "invalid value \"101\" for flag -retries: must be at most 100"
    );
    assert_eq!(
        err("", &["--stall-timeout=0s"]),
        "invalid value \"0s\" for flag -stall-timeout: must be more than zero"
    );
    assert_eq!(
        err("", &["--stall-timeout=5"]),
        "invalid value \"5\" for flag -stall-timeout: want a duration such as 30s, 500ms or 2m"
    );
    assert_eq!(
        err("", &["--jobs=0"]),
        "invalid value \"0\" for flag -jobs: must be at least 1"
    );
    assert_eq!(
        err("", &["-jobs", "x"]),
        "invalid value \"x\" for flag -jobs: parse error"
    );
    // GOFLAGS never sets our own flags, even when Go knows the name (-v).
    let a = parse("-v -json", &[]).unwrap();
    assert!(!a.verbose && a.json);
}

#[test]
fn go_error_texts() {
    assert_eq!(
        err("", &["-bogus"]),
        "flag provided but not defined: -bogus"
    );
    assert_eq!(
        err("", &["--bogus=1"]),
        "flag provided but not defined: -bogus"
    );
    assert_eq!(
        err("", &["-x", "-C", "/tmp"]),
        "invalid value \"/tmp\" for flag -C: -C flag must be first flag on command line"
    );
    assert_eq!(err("", &["-C"]), "flag needs an argument: -C");
    assert_eq!(err("", &["-reuse"]), "flag needs an argument: -reuse");
    assert_eq!(
        err("", &["--json=maybe"]),
        "invalid boolean value \"maybe\" for -json: parse error"
    );
    assert_eq!(err("", &["---x"]), "bad flag syntax: ---x");
    assert_eq!(err("", &["-=x"]), "bad flag syntax: -=x");
    let help = parse("", &["-h"]).unwrap_err();
    assert!(help.is_help());
    assert_eq!(help.stderr_text(), USAGE);
    assert_eq!(
        parse("", &["-bogus"]).unwrap_err().stderr_text(),
        format!("flag provided but not defined: -bogus\n{USAGE}")
    );
    // `list` errors end in go list's usage.
    let g = GoFlags::parse("").expect("valid GOFLAGS");
    let list = DownloadArgs::parse_as(true, &argv(&["-u"]), &g).unwrap_err();
    assert_eq!(
        list.stderr_text(),
        format!("flag provided but not defined: -u\n{USAGE_LIST}")
    );
}

#[test]
fn goflags_application() {
    let a = parse(
        "-json --modcacherw -mod=mod -ldflags=-w -reuse=r.json",
        &["-json=false"],
    )
    .unwrap();
    assert!(!a.json && a.modcacherw);
    assert_eq!(a.reuse, Some(PathBuf::from("r.json")));
    assert_eq!(
        err("-json=maybe", &[]),
        "go: invalid boolean value \"maybe\" for flag -json (from $GOFLAGS): parse error"
    );
    assert_eq!(
        err("--x=", &[]),
        "go: invalid boolean value \"\" for flag -x (from $GOFLAGS): parse error"
    );
    assert_eq!(
        err("-reuse", &[]),
        "go: flag needs an argument: -reuse (from $GOFLAGS)"
    );
    assert_eq!(
        err("-C=/tmp", &[]),
        "go: invalid value \"/tmp\" for flag -C (from $GOFLAGS): -C flag must be first flag on command line"
    );
    // GOFLAGS errors come before command-line errors.
    assert_eq!(
        err("-modfile", &["-bogus"]),
        "go: flag needs an argument: -modfile (from $GOFLAGS)"
    );
}

#[cfg(unix)]
#[test]
fn non_utf8_paths_survive() {
    use std::os::unix::ffi::OsStrExt;
    let raw = OsStr::from_bytes(b"-reuse=\xff.json").to_os_string();
    let a = DownloadArgs::parse(&[raw], &GoFlags::default()).unwrap();
    assert_eq!(a.reuse.unwrap().as_os_str().as_bytes(), b"\xff.json");
}

mod never_panics {
    use super::*;
    use crate::config::goflags::split_quoted;
    use proptest::prelude::*;

    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("-C".to_string()),
            Just("--".to_string()),
            Just("mod".to_string()),
            Just("download".to_string()),
            "-{0,3}[a-zC=.-]{0,8}(=[a-z/ ]{0,4})?",
            "\\PC{0,6}",
        ]
    }

    proptest! {
        #[test]
        fn argv_and_flags(words in proptest::collection::vec(word(), 0..8), goflags in "[-a-z=' \"]{0,24}") {
            let argv: Vec<OsString> = words.iter().map(OsString::from).collect();
            if let Ok(inv) = Invocation::parse(&argv) {
                let g = GoFlags::parse(&goflags).unwrap_or_default();
                let _ = DownloadArgs::parse(&inv.args, &g).map_err(|e| e.stderr_text());
            }
            let _ = split_quoted(&goflags);
        }
    }
}
