//! The physical floor of a cold download on this machine: what the cheapest possible
//! work on the `compare` benchmark's synthetic universe costs, single-core, measured here with
//! the same libraries gomodfetch uses, so the cold 0 ms run can be put next to it.
//! Run with `cargo bench --bench floor` (harness = false; plain timing, the best of
//! `GOMODFETCH_BENCH_REPEAT` runs, default 3).
//!
//! * **inflate**: every entry of every module zip inflated (flate2 with zlib-rs) into a
//!   reused buffer, entries found through the central directory;
//! * **SHA-256**: the inflated bytes hashed (sha2), once per file, as h1 needs;
//! * **create files**: the unpacked tree written with `std::fs::write` (directories
//!   made as needed) into a fresh directory of `$GOMODFETCH_BENCH_DIR` (default
//!   `/dev/shm`, else `target/tmp`), no fsync (neither go nor gomodfetch syncs
//!   extracted files);
//! * the floor: their sum on one core, and that sum over the cores (the ideal
//!   parallel split). The network (0 ms, loopback) and the zip file writes are left
//!   out, so a real cold run can only be slower.
//!
//! When `target/bench-compare.json` (the `compare` benchmark's output) is there, its
//! cold 0 ms medians are printed next to the floor.

use flate2::read::DeflateDecoder;
use gomodfetch::testkit::synth::{SynthConfig, SynthUniverse};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// One zip entry as the central directory describes it.
struct Entry {
    name: String,
    method: u16,
    compressed: usize,
    local_offset: usize,
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

/// The central directory of `zip` (no zip64: the benchmark's zips are small).
fn entries(zip: &[u8]) -> Option<Vec<Entry>> {
    let eocd = (0..zip.len().saturating_sub(21))
        .rev()
        .find(|&i| u32_at(zip, i) == Some(0x0605_4b50))?;
    let count = usize::from(u16_at(zip, eocd + 10)?);
    let mut at = u32_at(zip, eocd + 16)? as usize;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        if u32_at(zip, at)? != 0x0201_4b50 {
            return None;
        }
        let name_len = usize::from(u16_at(zip, at + 28)?);
        let extra_len = usize::from(u16_at(zip, at + 30)?);
        let comment_len = usize::from(u16_at(zip, at + 32)?);
        let name = String::from_utf8_lossy(zip.get(at + 46..at + 46 + name_len)?).into_owned();
        out.push(Entry {
            name,
            method: u16_at(zip, at + 10)?,
            compressed: u32_at(zip, at + 20)? as usize,
            local_offset: u32_at(zip, at + 42)? as usize,
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    Some(out)
}

/// The compressed bytes of `e` (after its local header).
fn data<'z>(zip: &'z [u8], e: &Entry) -> Option<&'z [u8]> {
    let name_len = usize::from(u16_at(zip, e.local_offset + 26)?);
    let extra_len = usize::from(u16_at(zip, e.local_offset + 28)?);
    let start = e.local_offset + 30 + name_len + extra_len;
    zip.get(start..start + e.compressed)
}

/// Every file of every zip, inflated: (path, bytes).
fn inflate_all(zips: &[bytes::Bytes]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut files = Vec::new();
    for zip in zips {
        for e in entries(zip).ok_or("a zip without a readable central directory")? {
            if e.name.ends_with('/') {
                continue;
            }
            let raw = data(zip, &e).ok_or_else(|| format!("{}: truncated", e.name))?;
            let mut out = Vec::new();
            match e.method {
                0 => out.extend_from_slice(raw),
                8 => {
                    DeflateDecoder::new(raw)
                        .read_to_end(&mut out)
                        .map_err(|err| format!("{}: {err}", e.name))?;
                }
                m => return Err(format!("{}: method {m}", e.name)),
            }
            files.push((e.name, out));
        }
    }
    Ok(files)
}

fn best_of<T>(
    repeat: usize,
    mut f: impl FnMut() -> Result<T, String>,
) -> Result<(Duration, T), String> {
    let mut best: Option<(Duration, T)> = None;
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        let out = f()?;
        let took = start.elapsed();
        if best.as_ref().is_none_or(|(b, _)| took < *b) {
            best = Some((took, out));
        }
    }
    best.ok_or_else(|| "no run".to_string())
}

fn bench_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("GOMODFETCH_BENCH_DIR") {
        return PathBuf::from(d);
    }
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        Path::new(env!("CARGO_TARGET_TMPDIR")).to_path_buf()
    }
}

fn write_tree(root: &Path, files: &[(String, Vec<u8>)]) -> Result<(), String> {
    for (name, bytes) in files {
        let p = root.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&p, bytes).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(())
}

/// The cold 0 ms medians (go, gomodfetch) of the `compare` benchmark's synthetic
/// workload, if it ran.
fn download_medians() -> Option<(f64, f64)> {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent()?;
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(target.join("bench-compare.json")).ok()?).ok()?;
    let p = doc["cells"].as_array()?.iter().find(|c| {
        c["profile"] == "0ms"
            && c["scenario"] == "cold"
            && c["workload"]
                .as_str()
                .is_some_and(|w| w.starts_with("synthetic"))
    })?;
    let wall = &p["medians"]["wall time"];
    Some((wall["go"].as_f64()?, wall["gomodfetch"].as_f64()?))
}

fn run() -> Result<(), String> {
    let env_num = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(d)
    };
    let (modules, seed) = (
        env_num("GOMODFETCH_BENCH_MODULES", 300),
        env_num("GOMODFETCH_BENCH_SEED", 1),
    );
    let repeat = env_num("GOMODFETCH_BENCH_REPEAT", 3);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let universe = SynthUniverse::generate(SynthConfig::new(seed as u64, modules));
    let zips: Vec<bytes::Bytes> = universe
        .build_all(cores)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|b| b.zip)
        .collect();
    let zip_bytes: usize = zips.iter().map(|z| z.len()).sum();

    let (inflate, files) = best_of(repeat, || inflate_all(&zips))?;
    let unpacked: usize = files.iter().map(|(_, b)| b.len()).sum();
    let (hash, _) = best_of(repeat, || {
        let mut all = Sha256::new();
        for (_, b) in &files {
            all.update(Sha256::digest(b));
        }
        Ok(all.finalize())
    })?;
    let dir = bench_dir();
    // Only the writes are timed: making and removing the directory are not.
    let mut create = Duration::MAX;
    for _ in 0..repeat.max(1) {
        let t = tempfile::Builder::new()
            .prefix("gomodfetch-floor-")
            .tempdir_in(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let start = Instant::now();
        write_tree(t.path(), &files)?;
        create = create.min(start.elapsed());
    }
    let mib = |b: usize| b as f64 / (1 << 20) as f64;
    let secs = |d: Duration| d.as_secs_f64();
    let one_core = secs(inflate) + secs(hash) + secs(create);
    println!("# Cold-download floor on this machine ({cores} cores)\n");
    println!(
        "Universe: seed {seed}, {modules} module versions, {} files, {:.1} MiB of zips, {:.1} MiB unpacked; best of {repeat}; files in {}.\n",
        files.len(),
        mib(zip_bytes),
        mib(unpacked),
        dir.display()
    );
    println!("| step | time | throughput |\n|---|---|---|");
    println!(
        "| inflate (zlib-rs) | {:.3} s | {:.0} MiB/s of output |",
        secs(inflate),
        mib(unpacked) / secs(inflate)
    );
    println!(
        "| SHA-256 (sha2) | {:.3} s | {:.0} MiB/s |",
        secs(hash),
        mib(unpacked) / secs(hash)
    );
    println!(
        "| create files | {:.3} s | {:.0} files/s, {:.0} MiB/s |",
        secs(create),
        files.len() as f64 / secs(create),
        mib(unpacked) / secs(create)
    );
    println!("| floor, one core | {one_core:.3} s | |");
    println!(
        "| floor, {cores} cores (ideal split) | {:.3} s | |",
        one_core / cores as f64
    );
    if let Some((go, ours)) = download_medians() {
        println!(
            "\nThe `compare` benchmark's cold 0 ms medians on the synthetic workload (target/bench-compare.json): go {go:.3} s, gomodfetch {ours:.3} s = {:.1}x the {cores}-core floor.",
            ours / (one_core / cores as f64)
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("floor: {e}");
            ExitCode::FAILURE
        }
    }
}
