use super::*;
use crate::testkit::universe::Endpoint;

fn project<'a>(c: &'a GoCorpus, name: &str) -> &'a Project {
    c.projects()
        .iter()
        .find(|p| p.name() == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn generation_is_deterministic() {
    let (a, b) = (GoCorpus::generate(), GoCorpus::generate());
    assert_eq!(a.projects().len(), 5);
    for (x, y) in a.projects().iter().zip(b.projects()) {
        assert_eq!(
            (&x.go_mod, &x.go_sum, &x.files),
            (&y.go_mod, &y.go_sum, &y.files)
        );
    }
    for (x, y) in a.libs().iter().zip(b.libs()) {
        assert_eq!((x.id(), x.zip_sum()), (y.id(), y.zip_sum()));
    }
}

#[test]
fn mvs_raises_and_replaces() {
    let c = GoCorpus::generate();
    let p2 = project(&c, "proj2");
    assert!(p2.requires.contains(&(STRUTIL.into(), "v1.2.0".into())));
    assert!(
        p2.go_mod
            .contains("require lib.test/BurntFox/toml v0.1.0 // indirect\n"),
        "{}",
        p2.go_mod
    );

    let p4 = project(&c, "proj4");
    assert!(p4.replaces);
    assert!(
        p4.go_mod.contains("\tlib.test/strutil v1.2.0\n"),
        "{}",
        p4.go_mod
    );
    assert!(
        p4.go_sum.contains("lib.test/strutil v1.1.0 h1:"),
        "{}",
        p4.go_sum
    );
    assert!(
        !p4.go_sum.contains("lib.test/strutil v1.2.0"),
        "{}",
        p4.go_sum
    );
    assert!(
        p4.default_zips
            .contains(&"lib.test/strutil@v1.1.0".to_string())
    );
}

#[test]
fn default_download_differs_from_all() {
    let c = GoCorpus::generate();
    let p3 = project(&c, "proj3");
    let testonly = "lib.test/testonly@v1.0.0".to_string();
    assert!(p3.all_zips.contains(&testonly));
    assert!(!p3.default_zips.contains(&testonly));
    assert!(!p3.go_sum.contains("testonly"), "{}", p3.go_sum);
    assert!(
        p3.files
            .iter()
            .any(|(n, _)| n == "internal/render/render.go")
    );
    // One project only needs onlyone; strutil is everyone's.
    let users = |m: &str| {
        c.projects()
            .iter()
            .filter(|p| p.build_list.iter().any(|b| b.starts_with(&format!("{m}@"))))
            .count()
    };
    assert_eq!(users(ONLYONE), 1);
    assert_eq!(users(STRUTIL), 5);
}

#[test]
fn go_sum_holds_every_root_and_provider() {
    let c = GoCorpus::generate();
    for p in c.projects() {
        let sums = GoSum::parse("go.sum", p.go_sum.as_bytes()).unwrap();
        assert_eq!(
            p.go_sum.as_bytes(),
            sums.write(&[]).as_slice(),
            "{}: sorted",
            p.path
        );
        for zip in &p.default_zips {
            assert!(
                p.go_sum.contains(&format!("{} ", zip.replace('@', " "))),
                "{}: {zip} missing from\n{}",
                p.path,
                p.go_sum
            );
        }
    }
}

#[test]
fn published_modules_match_their_sums() {
    let c = GoCorpus::generate();
    let u = Universe::new();
    c.publish(&u).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for m in c.libs() {
        let zip = u
            .get(&m.path, &Endpoint::Zip(m.version.clone()))
            .unwrap()
            .unwrap();
        let f = dir.path().join("m.zip");
        std::fs::write(&f, &zip).unwrap();
        assert_eq!(dirhash::hash_zip(&f).unwrap(), m.zip_sum(), "{}", m.id());
        let gomod = u
            .get(&m.path, &Endpoint::Mod(m.version.clone()))
            .unwrap()
            .unwrap();
        assert_eq!(gomod.as_ref(), m.go_mod.as_bytes());
    }
    let list = u.get("lib.test/strutil", &Endpoint::List).unwrap().unwrap();
    assert_eq!(list.as_ref(), b"v1.0.0\nv1.1.0\nv1.2.0\n");
}

#[test]
fn write_project_lays_out_the_module() {
    let c = GoCorpus::generate();
    let dir = tempfile::tempdir().unwrap();
    c.write_project(2, dir.path()).unwrap();
    for f in [
        "go.mod",
        "go.sum",
        "cmd/proj3/proj3.go",
        "internal/render/render.go",
    ] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
}
