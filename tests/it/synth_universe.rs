//! The synthetic module universe (`testkit::synth`): deterministic for a seed, valid
//! for `go mod download`, and distributed as its module docs say (the table there is
//! what these bounds check).

use std::collections::{HashMap, HashSet};
use std::io::Write as _;

use gomodfetch::dirhash;
use gomodfetch::modfile;
use gomodfetch::module;
use gomodfetch::testkit::synth::{Content, SynthConfig, SynthUniverse, VersionKind, quantile};
use gomodfetch::testkit::universe::{Endpoint, Universe};

const KIB: f64 = 1024.0;

fn within(what: &str, got: f64, want: f64, tolerance: f64) {
    assert!(
        (got / want - 1.0).abs() <= tolerance,
        "{what}: {got:.1}, documented {want:.1} (±{:.0}%)",
        tolerance * 100.0
    );
}

#[test]
fn same_seed_same_universe_other_seed_other_universe() {
    let a = SynthUniverse::generate(SynthConfig::new(42, 120));
    let b = SynthUniverse::generate(SynthConfig::new(42, 120));
    assert_eq!(a.modules(), b.modules());
    let c = SynthUniverse::generate(SynthConfig::new(43, 120));
    assert_ne!(a.args(), c.args());
    assert_eq!(a.modules().len(), 120);
    // Zips are byte for byte the same, whichever thread builds them.
    let picks: Vec<usize> = (0..a.modules().len()).step_by(13).collect();
    let one = a.build_all(1).unwrap();
    let three = b.build_all(3).unwrap();
    for i in picks {
        assert_eq!(one[i].zip, three[i].zip, "{}", a.modules()[i].id());
        assert_eq!(one[i].sum, three[i].sum);
    }
}

#[test]
fn every_module_is_valid_and_the_graph_points_down() {
    let u = SynthUniverse::generate(SynthConfig::new(7, 3000));
    let mods = u.modules();
    let mut ids = HashSet::new();
    for m in mods {
        assert!(ids.insert(m.id()), "duplicate {}", m.id());
        module::check(&m.path, &m.version).unwrap_or_else(|e| panic!("{}: {e}", m.id()));
        let mut folded = HashSet::new();
        for f in &m.files {
            module::check_file_path(&f.name).unwrap_or_else(|e| panic!("{}: {e}", m.id()));
            assert!(
                folded.insert(f.name.to_lowercase()),
                "{}: {}",
                m.id(),
                f.name
            );
            assert!(
                !f.name.contains("vendor/") && (f.name == "go.mod" || !f.name.ends_with("/go.mod"))
            );
        }
        let has_go_mod = m.files.iter().any(|f| f.name == "go.mod");
        assert_eq!(has_go_mod, m.go_mod_in_zip, "{}", m.id());
        assert_eq!(m.kind() == VersionKind::Incompatible, !m.go_mod_in_zip);
        let f = modfile::parse("go.mod", m.go_mod.as_bytes(), None)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", m.id(), m.go_mod));
        assert_eq!(f.module.map(|x| x.path).as_deref(), Some(m.path.as_str()));
        let reqs: Vec<String> = f
            .require
            .iter()
            .map(|r| format!("{}@{}", r.module.path, r.module.version))
            .collect();
        let want: Vec<String> = m.requires.iter().map(|&r| mods[r].id()).collect();
        let (mut reqs, mut want) = (reqs, want);
        reqs.sort();
        want.sort();
        assert_eq!(reqs, want, "{}", m.id());
        for &r in &m.requires {
            assert!(mods[r].level > m.level, "{} -> {}", m.id(), mods[r].id());
        }
    }
    assert_eq!(u.depth(), SynthConfig::DEFAULT_LEVELS - 1);
}

#[test]
fn planned_distributions_match_the_documentation() {
    let u = SynthUniverse::generate(SynthConfig::new(1, 6000));
    let mods = u.modules();
    let n = mods.len() as f64;
    let sizes: Vec<f64> = mods.iter().map(|m| m.zip_target as f64).collect();
    within("zip p10", quantile(&sizes, 0.10), 6.2 * KIB, 0.12);
    within("zip median", quantile(&sizes, 0.5), 48.0 * KIB, 0.08);
    within("zip p90", quantile(&sizes, 0.90), 374.0 * KIB, 0.12);
    within("zip p99", quantile(&sizes, 0.99), 2048.0 * KIB, 0.25);
    assert!(
        sizes
            .iter()
            .all(|&s| (3.0 * KIB..=8192.0 * KIB).contains(&s))
    );

    // Files per zip against the documented curve, at three sizes.
    let count_near = |lo: f64, hi: f64| {
        let c: Vec<f64> = mods
            .iter()
            .filter(|m| (lo..hi).contains(&(m.zip_target as f64)))
            .map(|m| m.files.len() as f64)
            .collect();
        quantile(&c, 0.5)
    };
    within(
        "files at ~4 KiB",
        count_near(3.5 * KIB, 4.5 * KIB),
        5.0,
        0.4,
    );
    within(
        "files at ~48 KiB",
        count_near(40.0 * KIB, 56.0 * KIB),
        26.0,
        0.2,
    );
    within(
        "files at ~2 MiB",
        count_near(1536.0 * KIB, 2560.0 * KIB),
        300.0,
        0.25,
    );
    assert!(mods.iter().all(|m| (3..=2000).contains(&m.files.len())));

    let go_files: Vec<&str> = mods
        .iter()
        .flat_map(|m| &m.files)
        .filter(|f| matches!(f.content, Content::Go { .. }))
        .map(|f| f.name.as_str())
        .collect();
    let tests = go_files.iter().filter(|f| f.ends_with("_test.go")).count() as f64;
    within(
        "share of _test.go",
        tests / go_files.len() as f64,
        0.30,
        0.1,
    );

    let mut kinds: HashMap<VersionKind, f64> = HashMap::new();
    for m in mods {
        *kinds.entry(m.kind()).or_default() += 1.0 / n;
    }
    within(
        "pseudo-versions",
        kinds[&VersionKind::Pseudo],
        0.12 * 0.97,
        0.15,
    );
    within("prereleases", kinds[&VersionKind::Prerelease], 0.04, 0.25);
    within(
        "+incompatible",
        kinds[&VersionKind::Incompatible],
        0.03,
        0.35,
    );
    within("modules per path", n / u.path_count() as f64, 1.45, 0.08);
    let upper = mods
        .iter()
        .filter(|m| m.path.chars().any(|c| c.is_ascii_uppercase()))
        .count();
    assert!(upper > 0, "no path exercises !-escaping");

    let fan: Vec<f64> = mods.iter().map(|m| m.requires.len() as f64).collect();
    let none = fan.iter().filter(|&&f| f == 0.0).count() as f64 / n;
    assert!(
        (0.18..=0.32).contains(&none),
        "share without requirements {none:.2}"
    );
    let some: Vec<f64> = fan.iter().copied().filter(|&f| f > 0.0).collect();
    within("median fan-out", quantile(&some, 0.5), 12.0, 0.15);
    assert!(fan.iter().all(|&f| f <= 130.0));
}

#[test]
fn built_zips_hit_their_targets_and_hash_like_go() {
    let mut cfg = SynthConfig::new(5, 150);
    cfg.zip_max = 1024 * 1024; // keeps a debug-build test quick
    let u = SynthUniverse::generate(cfg);
    let universe = Universe::new();
    let published = u.publish(&universe, 4).unwrap();
    let mut ratios = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    for (i, (m, p)) in u.modules().iter().zip(&published).enumerate() {
        let ratio = p.zip_len as f64 / m.zip_target as f64;
        eprintln!(
            "{:>8} {:>8} {ratio:.2} {}",
            m.zip_target,
            p.zip_len,
            m.files.len()
        );
        if m.zip_target >= 24 * 1024 {
            assert!(
                (0.7..1.4).contains(&ratio),
                "{}: {} bytes for a {} target",
                m.id(),
                p.zip_len,
                m.zip_target
            );
            ratios.push(ratio);
        }
        let zip = universe
            .get(&m.path, &Endpoint::Zip(m.version.clone()))
            .unwrap()
            .unwrap();
        assert_eq!(zip.len() as u64, p.zip_len);
        let gomod = universe
            .get(&m.path, &Endpoint::Mod(m.version.clone()))
            .unwrap()
            .unwrap();
        assert_eq!(gomod.as_ref(), m.go_mod.as_bytes());
        assert_eq!(dirhash::hash_go_mod(&gomod), p.go_mod_sum);
        if i % 10 == 0 {
            // The h1 computed while building equals dirhash's over the zip file.
            let f = dir.path().join(format!("{i}.zip"));
            std::fs::File::create(&f).unwrap().write_all(&zip).unwrap();
            assert_eq!(dirhash::hash_zip(&f).unwrap(), p.sum, "{}", m.id());
        }
    }
    within(
        "median zip size / target",
        quantile(&ratios, 0.5),
        1.0,
        0.08,
    );
    let raw: u64 = published.iter().map(|p| p.uncompressed).sum();
    let packed: u64 = published.iter().map(|p| p.zip_len).sum();
    let overall = raw as f64 / packed as f64;
    assert!(
        (2.0..4.0).contains(&overall),
        "overall compression {overall:.2}"
    );
}
