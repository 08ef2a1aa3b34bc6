//! The one-pass zip download against the way `go` does it, on realistic modules of three
//! sizes: 10, 300 and 3000 Go source files of varied sizes (the 300-file one is about
//! 3.5 MB, compressing about 4:1) plus go.mod, LICENSE and README, zipped by
//! `modzip::create` (Go's layout). Run with `cargo bench --bench zipstream`.
//!
//! * `stream`: `zipstream::download` from the zip bytes: the temp file written, every
//!   entry inflated once, hashed, checked and extracted, the central directory checked.
//! * `go's way`: the zip written to a file, then `dirhash::hash_zip` and
//!   `modzip::unzip` on it, each reading and inflating it again.
//!
//! Both write the same files to the same kind of temp directory; each iteration starts
//! from a fresh one (created and removed outside the measurement). The directories live
//! in `$GOMODFETCH_BENCH_DIR`, by default `/dev/shm` when it exists: on a disk file
//! system, creating hundreds of files right after deleting hundreds more costs far more
//! than either side's own work (ext4 searches for inodes not recently freed), and
//! varies from run to run with what ran before, drowning the comparison.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use gomodfetch::dirhash;
use gomodfetch::module::ModuleVersion;
use gomodfetch::modzip::{self, DataFile};
use gomodfetch::zipstream::{self, Job};
use std::fs;
use std::hint::black_box;
use std::path::Path;
use tempfile::TempDir;

/// A deterministic pseudo-random sequence (an LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.next() as usize % words.len()]
    }
}

const WORDS: &[&str] = &[
    "err",
    "ctx",
    "req",
    "resp",
    "buf",
    "n",
    "i",
    "key",
    "value",
    "name",
    "path",
    "version",
    "config",
    "client",
    "server",
    "handler",
    "return",
    "nil",
    "if",
    "for",
    "range",
    "func",
    "string",
    "int",
    "bool",
    "error",
    "byte",
    "map",
    "struct",
    "interface",
    "len",
    "append",
    "make",
    "fmt.Errorf",
    "strings.TrimSpace",
    "bytes.Buffer",
    "io.Reader",
    "sync.Mutex",
];

/// Go-like source text of about `len` bytes: varied identifiers, so it compresses as
/// real code does (about 4:1), not as a repeated line would.
fn source(rng: &mut Lcg, pkg: usize, len: usize) -> Vec<u8> {
    let mut s =
        format!("// Code of package p{pkg}.\n\npackage p{pkg}\n\nimport (\n\t\"fmt\"\n)\n\n");
    while s.len() < len {
        let f = format!("{}{}", rng.pick(WORDS).replace('.', ""), rng.next() % 1000);
        s += &format!(
            "func {f}({} {}) ({}, error) {{\n",
            rng.pick(WORDS),
            rng.pick(WORDS),
            rng.pick(WORDS)
        );
        for _ in 0..3 + rng.next() % 8 {
            let words: Vec<&str> = (0..2 + rng.next() % 6).map(|_| rng.pick(WORDS)).collect();
            s += &format!(
                "\t{} := {}({})\n",
                rng.pick(WORDS),
                words[0],
                words[1..].join(", ")
            );
            if rng.next().is_multiple_of(3) {
                s += &format!(
                    "\tif err != nil {{\n\t\treturn nil, fmt.Errorf(\"{f}: %w\", err)\n\t}}\n"
                );
            }
        }
        s += "\treturn nil, nil\n}\n\n";
    }
    s.into_bytes()
}

/// The module's files: mostly small sources, some large ones.
fn module_files(count: usize) -> Vec<DataFile> {
    let mut rng = Lcg(11);
    let mut files = vec![
        DataFile {
            path: b"go.mod".to_vec(),
            data: b"module example.com/m\n\ngo 1.22\n\nrequire golang.org/x/text v0.14.0\n"
                .to_vec(),
        },
        DataFile {
            path: b"LICENSE".to_vec(),
            data: source(&mut rng, 0, 1500),
        },
        DataFile {
            path: b"README.md".to_vec(),
            data: source(&mut rng, 0, 4000),
        },
    ];
    for i in 0..count {
        let len = match rng.next() % 20 {
            0 => 40_000 + rng.next() as usize % 60_000,
            1..=4 => 10_000 + rng.next() as usize % 20_000,
            _ => 1_000 + rng.next() as usize % 9_000,
        };
        let name = if i % 7 == 0 { "_test.go" } else { ".go" };
        files.push(DataFile {
            path: format!("pkg{}/sub{}/file{i}{name}", i % 20, i % 3).into_bytes(),
            data: source(&mut rng, i % 20, len),
        });
    }
    files
}

/// A fresh directory for one iteration (see the module docs for where).
fn fresh_dir() -> TempDir {
    let base = std::env::var_os("GOMODFETCH_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| Some(Path::new("/dev/shm").to_path_buf()).filter(|p| p.is_dir()))
        .unwrap_or_else(std::env::temp_dir);
    TempDir::new_in(base).expect("temp dir")
}

fn open_temp(path: &Path) -> fs::File {
    fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
        .expect("temp file")
}

/// The sizes measured: a small module, a typical one, a large one (the same file-size
/// mix; the large zip is about 35 MB).
const SIZES: [(&str, usize, usize); 3] = [
    ("zipstream/small module (10 files)", 10, 100),
    ("zipstream/300-file module", 300, 30),
    ("zipstream/large module (3000 files)", 3000, 10),
];

fn bench_zipstream(c: &mut Criterion) {
    for (group, count, samples) in SIZES {
        bench_size(c, group, count, samples);
    }
}

fn bench_size(c: &mut Criterion, group: &str, count: usize, samples: usize) {
    let m = ModuleVersion::new("example.com/m", "v1.0.0");
    let files = module_files(count);
    let total: usize = files.iter().map(|f| f.data.len()).sum();
    let zip = modzip::create(Vec::new(), &m, &files).expect("creates");
    eprintln!(
        "{group}: {} files, {} bytes, zip {} bytes",
        files.len(),
        total,
        zip.len()
    );

    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Bytes(total as u64));
    g.sample_size(samples);

    g.bench_function("stream: tee + h1 + extract, one pass", |b| {
        b.iter_batched(
            fresh_dir,
            |tmp| {
                let dir = tmp.path().join("m@v1.0.0");
                let zip_file = tmp.path().join("v1.0.0.zip");
                let temp_file = tmp.path().join("v1.0.0.zip123.tmp");
                let job = Job {
                    module: &m,
                    extract_to: Some(&dir),
                    zip_file: &zip_file,
                    temp_file: Some(&temp_file),
                };
                let out =
                    zipstream::download(black_box(&zip[..]), &mut open_temp(&temp_file), &job)
                        .expect("downloads");
                assert!(out.extraction.is_complete());
                tmp
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("go's way: write zip, hash_zip, unzip", |b| {
        b.iter_batched(
            fresh_dir,
            |tmp| {
                let zip_file = tmp.path().join("v1.0.0.zip");
                fs::write(&zip_file, black_box(&zip)).expect("writes");
                dirhash::hash_zip(&zip_file).expect("hashes");
                modzip::unzip(&tmp.path().join("m@v1.0.0"), &m, &zip_file).expect("unzips");
                tmp
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("stream: tee + h1 (no extraction)", |b| {
        b.iter_batched(
            fresh_dir,
            |tmp| {
                let temp_file = tmp.path().join("v1.0.0.zip123.tmp");
                let job = Job {
                    module: &m,
                    extract_to: None,
                    zip_file: &temp_file,
                    temp_file: Some(&temp_file),
                };
                zipstream::download(black_box(&zip[..]), &mut open_temp(&temp_file), &job)
                    .expect("downloads");
                tmp
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("go's way: write zip, hash_zip", |b| {
        b.iter_batched(
            fresh_dir,
            |tmp| {
                let zip_file = tmp.path().join("v1.0.0.zip");
                fs::write(&zip_file, black_box(&zip)).expect("writes");
                dirhash::hash_zip(&zip_file).expect("hashes");
                tmp
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench_zipstream);
criterion_main!(benches);
