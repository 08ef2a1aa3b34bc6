//! Micro-benchmarks of the pure domain layer: the operations a large download repeats
//! thousands of times (version ordering, go.mod parsing, h1 hashing). Run with
//! `cargo bench --bench domain`.

use criterion::{Criterion, criterion_group, criterion_main};
use gomodfetch::semver;
use std::hint::black_box;

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
    // Deterministic shuffle (LCG), so every run sorts the same input.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for i in (1..out.len()).rev() {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.swap(i, (x >> 33) as usize % (i + 1));
    }
    out
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
    c.bench_function("semver/max over 400 versions", |b| {
        b.iter(|| {
            list.iter()
                .fold(String::new(), |m, v| semver::max(&m, black_box(v)))
        })
    });
}

criterion_group!(benches, bench_semver);
criterion_main!(benches);
