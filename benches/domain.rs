//! Micro-benchmarks of the pure domain layer: the operations a large download repeats
//! thousands of times (version ordering, go.mod parsing, go.sum writing, h1 hashing,
//! zip creation and checking, MVS). Run with `cargo bench --bench domain`.
//!
//! Inputs are synthetic but shaped like real ones, and deterministic, so two runs
//! measure the same work.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gomodfetch::dirhash;
use gomodfetch::gosum::GoSum;
use gomodfetch::modfile;
use gomodfetch::module::ModuleVersion;
use gomodfetch::modzip::{self, DataFile};
use gomodfetch::mvs::{self, Reqs};
use gomodfetch::semver;
use std::collections::HashMap;
use std::hint::black_box;

/// A deterministic pseudo-random sequence (an LCG): inputs are the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// A realistic `@v/list` body: 400 versions with prereleases, shuffled.
fn version_list() -> Vec<String> {
    let mut out = Vec::new();
    for major in 0..4 {
        for minor in 0..20 {
            for patch in 0..4 {
                out.push(format!("v{major}.{minor}.{patch}"));
            }
            out.push(format!("v{major}.{minor}.0-rc.1"));
        }
    }
    let mut rng = Lcg(7);
    for i in (1..out.len()).rev() {
        out.swap(i, rng.next() as usize % (i + 1));
    }
    out
}

/// A go.mod like a large service's: 150 requirements in two blocks, replaces, comments.
fn big_go_mod() -> Vec<u8> {
    let mut s = String::from(
        "// A large service.\nmodule example.com/service\n\ngo 1.22.0\n\ntoolchain go1.22.4\n\nrequire (\n",
    );
    for i in 0..60 {
        s.push_str(&format!("\tgithub.com/org{i}/lib{i} v1.{i}.3\n"));
    }
    s.push_str(")\n\nrequire (\n");
    for i in 0..90 {
        s.push_str(&format!(
            "\tgolang.org/x/dep{i} v0.0.0-20240102150405-abcdef{i:06} // indirect\n"
        ));
    }
    s.push_str(
        ")\n\nreplace github.com/org1/lib1 => ../lib1\n\nexclude github.com/org2/lib2 v1.0.0\n",
    );
    s.into_bytes()
}

/// A go.sum of 1000 lines (500 modules × zip and go.mod hashes), shuffled.
fn big_go_sum() -> Vec<u8> {
    let mut lines = Vec::new();
    for i in 0..500 {
        let h = "h1:w5fcysjrx7yqtD/aO+QwRjYZOKnaM9Uh2b40tElTs3Y=";
        lines.push(format!(
            "github.com/org{}/mod{i} v1.{}.0 {h}\n",
            i % 37,
            i % 11
        ));
        lines.push(format!(
            "github.com/org{}/mod{i} v1.{}.0/go.mod {h}\n",
            i % 37,
            i % 11
        ));
    }
    let mut rng = Lcg(11);
    for i in (1..lines.len()).rev() {
        lines.swap(i, rng.next() as usize % (i + 1));
    }
    lines.concat().into_bytes()
}

/// The files of a mid-size module: 300 files of 1–16 KiB of source-like text.
fn module_files() -> Vec<DataFile> {
    let mut rng = Lcg(3);
    let mut files = vec![DataFile {
        path: b"go.mod".to_vec(),
        data: b"module example.com/m\n\ngo 1.21\n".to_vec(),
    }];
    for i in 0..300 {
        let len = 1024 + (rng.next() as usize % (15 * 1024));
        let line = format!(
            "// line of package p{} with some code: x := y + {i}\n",
            i % 20
        );
        let data: Vec<u8> = line.bytes().cycle().take(len).collect();
        files.push(DataFile {
            path: format!("pkg{}/sub{}/file{i}.go", i % 20, i % 3).into_bytes(),
            data,
        });
    }
    files
}

fn bench_semver(c: &mut Criterion) {
    let list = version_list();
    c.bench_function("semver/sort 400 versions", |b| {
        b.iter(|| {
            let mut l = list.clone();
            semver::sort(&mut l);
            black_box(l)
        })
    });
}

fn bench_modfile(c: &mut Criterion) {
    let data = big_go_mod();
    let mut g = c.benchmark_group("modfile");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("parse strict 150 requires", |b| {
        b.iter(|| modfile::parse("go.mod", black_box(&data), None).expect("parses"))
    });
    g.bench_function("parse lax 150 requires", |b| {
        b.iter(|| modfile::parse_lax("go.mod", black_box(&data)).expect("parses"))
    });
    let parsed = modfile::parse("go.mod", &data, None).expect("parses");
    g.bench_function("format 150 requires", |b| {
        b.iter(|| black_box(&parsed).format())
    });
    g.finish();
}

fn bench_gosum(c: &mut Criterion) {
    let data = big_go_sum();
    c.bench_function("gosum/parse+write 1000 lines", |b| {
        b.iter(|| {
            let sum = GoSum::parse("go.sum", black_box(&data)).expect("parses");
            sum.write(&[])
        })
    });
}

fn bench_zip(c: &mut Criterion) {
    let files = module_files();
    let total: usize = files.iter().map(|f| f.data.len()).sum();
    let m = ModuleVersion::new("example.com/m", "v1.0.0");
    let mut g = c.benchmark_group("modzip");
    g.throughput(Throughput::Bytes(total as u64));
    g.sample_size(20);
    g.bench_function("create 300 files", |b| {
        b.iter(|| modzip::create(Vec::new(), &m, black_box(&files)).expect("creates"))
    });
    let zip = modzip::create(Vec::new(), &m, &files).expect("creates");
    let dir = tempfile::TempDir::new().expect("temp dir");
    let zip_path = dir.path().join("m.zip");
    std::fs::write(&zip_path, &zip).expect("write zip");
    g.bench_function("h1 of the zip", |b| {
        b.iter(|| dirhash::hash_zip(black_box(&zip_path)).expect("hashes"))
    });
    g.bench_function("check_zip", |b| {
        b.iter(|| modzip::check_zip(&m, black_box(&zip_path)).expect("checks"))
    });
    g.bench_function("unzip", |b| {
        b.iter_with_setup(
            || tempfile::TempDir::new().expect("temp dir"),
            |out| {
                modzip::unzip(&out.path().join("m@v1.0.0"), &m, &zip_path).expect("unzips");
                // Extracted files are read-only; let TempDir remove them.
                out
            },
        )
    });
    g.finish();
}

/// A layered module graph: 40 layers of 25 modules, each with 5 versions, where every
/// version requires three modules of the next layer.
struct LayeredReqs(HashMap<ModuleVersion, Vec<ModuleVersion>>);

impl LayeredReqs {
    fn new() -> LayeredReqs {
        let mut rng = Lcg(5);
        let mut reqs = HashMap::new();
        let (layers, width, versions) = (40, 25, 5);
        let name = |l: usize, i: usize| format!("example.com/l{l}/m{i}");
        let mut root = Vec::new();
        for i in 0..width {
            root.push(ModuleVersion::new(name(0, i), "v1.0.0"));
        }
        reqs.insert(ModuleVersion::new("example.com/main", ""), root);
        for l in 0..layers {
            for i in 0..width {
                for v in 0..versions {
                    let deps = if l + 1 == layers {
                        Vec::new()
                    } else {
                        (0..3)
                            .map(|_| {
                                let j = rng.next() as usize % width;
                                let dv = rng.next() as usize % versions;
                                ModuleVersion::new(name(l + 1, j), format!("v1.{dv}.0"))
                            })
                            .collect()
                    };
                    reqs.insert(ModuleVersion::new(name(l, i), format!("v1.{v}.0")), deps);
                }
            }
        }
        LayeredReqs(reqs)
    }
}

impl Reqs for LayeredReqs {
    type Error = String;
    fn required(&self, m: &ModuleVersion) -> Result<Vec<ModuleVersion>, String> {
        Ok(self.0.get(m).cloned().unwrap_or_default())
    }
    fn max<'a>(&self, path: &str, v1: &'a str, v2: &'a str) -> &'a str {
        mvs::max_version(path, v1, v2)
    }
}

fn bench_mvs(c: &mut Criterion) {
    let reqs = LayeredReqs::new();
    let target = [ModuleVersion::new("example.com/main", "")];
    c.bench_function("mvs/build_list 1000 paths x 5 versions", |b| {
        b.iter(|| mvs::build_list(black_box(&target), &reqs).expect("builds"))
    });
}

criterion_group!(
    benches,
    bench_semver,
    bench_modfile,
    bench_gosum,
    bench_zip,
    bench_mvs
);
criterion_main!(benches);
