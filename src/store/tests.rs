use super::*;
use std::fs;
use std::io::Write;

const H1: &str = "h1:6fJa6E+wGadANKkUMlZ0DhXFpoKlslOQDCo259XtdIE=";

fn store(rw: bool) -> (tempfile::TempDir, Store) {
    let t = tempfile::tempdir().unwrap();
    let s = Store::open(
        t.path().join("mod"),
        StoreOptions {
            modcacherw: rw,
            lock_timeout: None,
        },
    )
    .unwrap();
    (t, s)
}

fn mv(p: &str, v: &str) -> ModuleVersion {
    ModuleVersion::new(p, v)
}

#[test]
fn open_checks_the_root_as_go() {
    assert_eq!(
        Store::open("", StoreOptions::default())
            .unwrap_err()
            .to_string(),
        "module cache not found: neither GOMODCACHE nor GOPATH is set"
    );
    assert_eq!(
        Store::open("rel/mod", StoreOptions::default())
            .unwrap_err()
            .to_string(),
        "GOMODCACHE entry is relative; must be absolute path: \"rel/mod\".\n"
    );
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("file");
    fs::write(&f, "").unwrap();
    assert_eq!(
        Store::open(&f, StoreOptions::default())
            .unwrap_err()
            .to_string(),
        format!(
            "could not create module cache: \"{}\" is not a directory",
            f.display()
        )
    );
    assert_eq!(
        Store::open(f.join("sub"), StoreOptions::default())
            .unwrap_err()
            .to_string(),
        format!(
            "could not create module cache: stat {}/sub: not a directory",
            f.display()
        )
    );
    let root = t.path().join("a/b/../mod/");
    let s = Store::open(&root, StoreOptions::default()).unwrap();
    assert!(t.path().join("a/mod").is_dir());
    assert_eq!(s.root(), t.path().join("a/mod"));
}

#[test]
fn info_and_mod_round_trip_and_misses() {
    let (_t, s) = store(false);
    let m = mv("example.com/Hello", "v1.0.0");
    assert_eq!(s.read_info(&m), None);
    let file = s.write_info(&m, br#"{"Version":"v1.0.0"}"#).unwrap();
    assert!(file.ends_with("cache/download/example.com/!hello/@v/v1.0.0.info"));
    assert_eq!(s.read_info(&m).unwrap(), br#"{"Version":"v1.0.0"}"#);
    // Not JSON: a miss.
    s.write_info(&m, b"{\"Version\":").unwrap();
    assert_eq!(s.read_info(&m), None);
    // Invalid UTF-8 inside a string is accepted, as by Go's decoder.
    s.write_info(&m, b"{\"Version\":\"v1.0.0\",\"x\":\"\xff\"}")
        .unwrap();
    assert!(s.read_info(&m).is_some());

    s.write_mod(&m, b"module example.com/Hello\n").unwrap();
    assert_eq!(s.read_mod(&m).unwrap(), b"module example.com/Hello\n");
    s.write_mod(&m, b"//vgo 0.0.4\n\nmodule x\n").unwrap();
    assert_eq!(s.read_mod(&m), None);
    // Uncacheable versions are misses and write errors.
    assert_eq!(s.read_mod(&mv("example.com/Hello", "v1.0")), None);
    let e = s.write_mod(&mv("example.com/m", "v1.0"), b"").unwrap_err();
    assert!(e.is_uncacheable(), "{e}");
}

#[test]
fn write_mod_rewrites_list() {
    let (_t, s) = store(false);
    for v in ["v1.10.0", "v1.2.0", "v0.0.0-20200101000000-abcdefabcdef"] {
        s.write_mod(&mv("example.com/m", v), b"module example.com/m\n")
            .unwrap();
    }
    s.write_info(&mv("example.com/m", "v2.0.0+incompatible"), b"{}")
        .unwrap();
    let list = s.cache_dir("example.com/m").unwrap().join("list");
    assert_eq!(
        fs::read_to_string(list).unwrap(),
        "v0.0.0-20200101000000-abcdefabcdef\nv1.2.0\nv1.10.0\n"
    );
}

#[test]
fn ziphash_reads() {
    let (_t, s) = store(false);
    let m = mv("example.com/m", "v1.0.0");
    let p = s.paths(&m).unwrap();
    let e = s.read_ziphash(&m).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "verifying example.com/m@v1.0.0: open {}: no such file or directory",
            p.ziphash().display()
        )
    );
    assert_eq!(s.sum(&m), None);
    fs::create_dir_all(p.download_dir()).unwrap();
    fs::write(p.ziphash(), format!(" {H1}\n")).unwrap();
    assert_eq!(s.read_ziphash(&m).unwrap(), Ziphash::Valid(H1.into()));
    assert_eq!(s.sum(&m).as_deref(), Some(H1));
    fs::write(p.ziphash(), vec![0u8; 47]).unwrap();
    assert!(matches!(s.read_ziphash(&m).unwrap(), Ziphash::Invalid(_)));
    fs::write(p.ziphash(), &H1[..20]).unwrap();
    assert!(matches!(s.read_ziphash(&m).unwrap(), Ziphash::Invalid(_)));
    assert_eq!(s.sum(&m), None);
    let odd = format!("h2:{}", &H1[3..]);
    fs::write(p.ziphash(), &odd).unwrap();
    assert_eq!(
        s.read_ziphash(&m).unwrap_err().to_string(),
        format!("verifying example.com/m@v1.0.0: unexpected ziphash: \"{odd}\"")
    );
    // Sum does not check the prefix.
    assert_eq!(s.sum(&m), Some(odd));
}

#[test]
fn download_dir_predicate_in_go_order() {
    let (_t, s) = store(false);
    let m = mv("example.com/m", "v1.0.0");
    let p = s.paths(&m).unwrap();
    let dir = p.extracted_dir().to_path_buf();
    let e = s.download_dir(&m).unwrap_err();
    assert!(e.is_not_found() && !e.is_partial());
    assert_eq!(
        e.to_string(),
        format!("stat {}: no such file or directory", dir.display())
    );
    assert_eq!(e.dir(), Some(dir.as_path()));

    fs::create_dir_all(dir.parent().unwrap()).unwrap();
    fs::write(&dir, "").unwrap();
    let e = s.download_dir(&m).unwrap_err();
    assert!(e.is_partial());
    assert_eq!(e.to_string(), format!("{}: not a directory", dir.display()));
    fs::remove_file(&dir).unwrap();

    fs::create_dir_all(&dir).unwrap();
    fs::create_dir_all(p.download_dir()).unwrap();
    fs::write(p.partial(), "").unwrap();
    fs::write(p.ziphash(), H1).unwrap();
    let e = s.download_dir(&m).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{}: not completely extracted", dir.display())
    );
    fs::remove_file(p.partial()).unwrap();
    assert_eq!(s.download_dir(&m).unwrap(), dir);
    fs::remove_file(p.ziphash()).unwrap();
    let e = s.download_dir(&m).unwrap_err();
    assert!(e.is_partial() && e.is_not_found());
    assert_eq!(
        e.to_string(),
        format!("{}: ziphash file is missing", dir.display())
    );

    // golang.org/fips140 needs no ziphash (but does honour .partial).
    let f = mv("golang.org/fips140", "v1.0.0");
    let fp = s.paths(&f).unwrap();
    fs::create_dir_all(fp.extracted_dir()).unwrap();
    assert!(s.download_dir(&f).is_ok());
    fs::create_dir_all(fp.download_dir()).unwrap();
    fs::write(fp.partial(), "").unwrap();
    assert!(s.download_dir(&f).unwrap_err().is_partial());
}

#[test]
fn zip_protocol() {
    let (_t, s) = store(false);
    let m = mv("example.com/m", "v1.0.0");
    let p = s.paths(&m).unwrap();
    assert_eq!(s.zip_state(&m).unwrap(), ZipState::ZipMissing);
    fs::create_dir_all(p.download_dir()).unwrap();
    // Leftovers of crashed downloads, and a file the glob must not touch.
    for n in ["v1.0.0.zip123.tmp", "v1.0.0.zip.tmp", "v1.0.0.ziphash.tmp"] {
        fs::write(p.download_dir().join(n), "junk").unwrap();
    }
    fs::write(p.download_dir().join("v1.0.0.info123.tmp"), "keep").unwrap();
    fs::write(p.ziphash(), H1).unwrap(); // ziphash without zip: download again.
    assert_eq!(s.zip_state(&m).unwrap(), ZipState::ZipMissing);

    let lock = s.lock_version(&m).unwrap();
    assert_eq!(lock.path(), p.lock());
    let ZipStart::Download(tmp) = lock.begin_zip().unwrap() else {
        panic!("expected a download")
    };
    let mut names: Vec<String> = fs::read_dir(p.download_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let tmp_name = tmp
        .path()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        names,
        [
            "v1.0.0.info123.tmp",
            "v1.0.0.lock",
            tmp_name.as_str(),
            "v1.0.0.ziphash"
        ]
    );
    tmp.file().write_all(b"first try").unwrap();
    let mut tmp = tmp;
    tmp.reset().unwrap();
    tmp.file().write_all(b"PK zip").unwrap();
    let zip = tmp.commit(&lock, H1).unwrap();
    assert_eq!(zip, p.zip());
    assert_eq!(fs::read(&zip).unwrap(), b"PK zip");
    assert_eq!(fs::read_to_string(p.ziphash()).unwrap(), H1);
    assert!(matches!(lock.begin_zip().unwrap(), ZipStart::Complete(_)));
    fs::remove_file(p.ziphash()).unwrap();
    assert!(matches!(lock.begin_zip().unwrap(), ZipStart::Rehash(_)));
    lock.write_ziphash(H1).unwrap();
    assert_eq!(s.zip_state(&m).unwrap(), ZipState::Complete);

    // A dropped temp file is removed; a commit under another lock is refused.
    fs::remove_file(p.zip()).unwrap();
    let ZipStart::Download(tmp) = lock.begin_zip().unwrap() else {
        panic!("expected a download")
    };
    let path = tmp.path().to_path_buf();
    drop(tmp);
    assert!(!path.exists());
    let other = s.lock_version(&mv("example.com/m", "v1.1.0")).unwrap();
    let ZipStart::Download(tmp) = lock.begin_zip().unwrap() else {
        panic!("expected a download")
    };
    let path = tmp.path().to_path_buf();
    assert!(matches!(
        tmp.commit(&other, H1).unwrap_err(),
        Error::WrongLock { .. }
    ));
    assert!(!path.exists() && !p.zip().exists());
}

#[cfg(unix)]
#[test]
fn extraction_protocol() {
    use std::os::unix::fs::PermissionsExt;
    for rw in [false, true] {
        let (_t, s) = store(rw);
        let m = mv("example.com/m", "v1.0.0");
        let p = s.paths(&m).unwrap();
        let dir = p.extracted_dir().to_path_buf();
        // A partial tree and legacy temp dirs (read-only, as Go left them).
        fs::create_dir_all(dir.join("sub")).unwrap();
        let legacy = dir.with_file_name("m@v1.0.0.tmp-12345");
        fs::create_dir_all(legacy.join("x")).unwrap();
        fs::set_permissions(&legacy, fs::Permissions::from_mode(0o555)).unwrap();
        let unrelated = dir.with_file_name("m@v1.0.1.tmp-1");
        fs::create_dir_all(&unrelated).unwrap();

        let lock = s.lock_version(&m).unwrap();
        let ExtractStart::Extract(ext) = lock.begin_extract().unwrap() else {
            panic!("expected an extraction")
        };
        assert!(!dir.exists() && !legacy.exists() && unrelated.exists());
        assert!(p.partial().is_file());
        assert_eq!(fs::read(p.partial()).unwrap(), b"");
        fs::create_dir_all(ext.dir().join("a/b")).unwrap();
        fs::write(ext.dir().join("a/b/f.go"), "package b\n").unwrap();
        fs::write(p.ziphash(), H1).unwrap();
        assert!(s.download_dir(&m).unwrap_err().is_partial());
        let got = ext.commit(&lock).unwrap();
        assert_eq!(got, dir);
        assert!(!p.partial().exists());
        assert_eq!(s.download_dir(&m).unwrap(), dir);
        let mode = fs::metadata(dir.join("a/b")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o222 == 0, !rw, "rw={rw} mode={mode:o}");
        assert!(matches!(
            lock.begin_extract().unwrap(),
            ExtractStart::Complete(_)
        ));

        // A failed extraction removes the tree, then the marker.
        remove_all(&dir).unwrap();
        let ExtractStart::Extract(ext) = lock.begin_extract().unwrap() else {
            panic!("expected an extraction")
        };
        fs::create_dir_all(ext.dir()).unwrap();
        fs::write(ext.dir().join("half"), "").unwrap();
        ext.abort().unwrap();
        assert!(!dir.exists() && !p.partial().exists());
        // Dropping one does the same.
        let ExtractStart::Extract(ext) = lock.begin_extract().unwrap() else {
            panic!("expected an extraction")
        };
        fs::create_dir_all(ext.dir()).unwrap();
        drop(ext);
        assert!(!dir.exists() && !p.partial().exists());
    }
}

#[test]
fn go_sum_update_merges_under_the_locks() {
    let (t, s) = store(false);
    let go_sum = t.path().join("go.sum");
    fs::write(&go_sum, "a v1 h1:x\n").unwrap();
    s.update_go_sum(&go_sum, |old| {
        let mut v = old.to_vec();
        v.extend_from_slice(b"b v1 h1:y\n");
        Ok::<_, std::io::Error>(v)
    })
    .unwrap();
    assert_eq!(fs::read(&go_sum).unwrap(), b"a v1 h1:x\nb v1 h1:y\n");
    assert!(s.root().join("cache/lock").is_file());
    let e = s
        .update_go_sum(&t.path().join("no/dir/go.sum"), |_| {
            Ok::<_, std::io::Error>(vec![])
        })
        .unwrap_err();
    assert!(e.to_string().starts_with("updating go.sum: open "), "{e}");
}

#[test]
fn info_by_hash_picks_the_highest_pseudo_version() {
    let (_t, s) = store(false);
    let rev = "abcdefabcdef0123456789";
    for v in [
        "v0.0.0-20200101000000-abcdefabcdef",
        "v1.2.4-0.20200101000000-abcdefabcdef",
        "v1.2.3-pre.0.20190101000000-abcdefabcdef",
        "v9.0.0-20200101000000-012345678901",
    ] {
        s.write_info(
            &mv("example.com/m", v),
            format!("{{\"Version\":\"{v}\"}}").as_bytes(),
        )
        .unwrap();
    }
    let (v, info) = s.info_by_hash("example.com/m", rev).unwrap();
    assert_eq!(v, "v1.2.4-0.20200101000000-abcdefabcdef");
    assert_eq!(
        info,
        br#"{"Version":"v1.2.4-0.20200101000000-abcdefabcdef"}"#
    );
    assert_eq!(s.info_by_hash("example.com/m", "abcdefabcde"), None);
    assert_eq!(s.info_by_hash("example.com/m", "ABCDEFABCDEF"), None);
    assert_eq!(s.info_by_hash("example.com/other", rev), None);
}

#[test]
fn guards_travel_to_blocking_threads() {
    fn send<T: Send + 'static>() {}
    send::<Store>();
    send::<VersionLock>();
    send::<ZipTemp>();
    send::<Extraction>();
    send::<LockedFile>();
    send::<Error>();
}
