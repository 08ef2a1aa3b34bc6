//! Differential test of `modzip` and `dirhash` against Go's own `golang.org/x/mod/zip`
//! and `sumdb/dirhash`.
//!
//! The test assembles a throw-away Go module from the installed toolchain's vendored
//! x/mod sources plus the driver in `zip_oracle/oracle.go`, builds it, and asks both
//! implementations the same questions over a deterministic corpus: file lists for
//! `CheckFiles` and `Create`, directory trees for `CheckDir` and `CreateFromDir`
//! (symlinks, VCS directories, nested modules, vendor trees, go lines), and zips for
//! `CheckZip`, `Unzip` and `HashZip`, some with bytes flipped. Reports, hashes and
//! error texts must be identical. Zips Go creates are also hashed by our reader.

use crate::support::oracle::{self, Rng, hex};
use crate::support::{self, Tally};
use crate::zip_conformance::format_checked_files;
use gomodfetch::dirhash;
use gomodfetch::module::ModuleVersion;
use gomodfetch::modzip::{self, CheckedFiles, File, FileInfo, FileKind, writer::ZipWriter};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{self, Read, Write as _};
use std::path::{Path, PathBuf};

const ORACLE: &str = include_str!("zip_oracle/oracle.go");

fn build_oracle(go: &support::Go, sb: &support::Sandbox) -> Result<PathBuf, String> {
    let xmod = oracle::goroot(go, sb)?.join("src/cmd/vendor/golang.org/x/mod");
    let m = sb.root().join("xmod");
    for pkg in [
        "zip",
        "modfile",
        "module",
        "semver",
        "sumdb/dirhash",
        "internal/lazyregexp",
    ] {
        oracle::copy_package(&xmod.join(pkg), &m.join(pkg))?;
    }
    oracle::build(go, sb, &m, "ziporacle", ORACLE)
}

const NAME_PARTS: &[&[u8]] = &[
    b"a.go",
    b"b.go",
    b"A.GO",
    b"go.mod",
    b"go.mod",
    b"GO.MOD",
    b"Go.Mod",
    b"LICENSE",
    b"license",
    b"vendor",
    b"vendor",
    b"Vendor",
    b"modules.txt",
    b"sub",
    b"Sub",
    b"pkg",
    b".hg_archival.txt",
    b".git",
    b".svn",
    b"x",
    b"\xc3\xa9",           // é
    b"\xc3\x89",           // É
    "\u{212a}".as_bytes(), // Kelvin sign
    b"k",
    "\u{17f}".as_bytes(), // long s
    b"s",
    b"..",
    b".",
    b"",
    b"a~1",
    b"con",
    b"x'y",
    b"a b",
    b"\xff",
    b"-x",
];

const GO_MODS: &[&str] = &[
    "module example.com/m\n",
    "module example.com/m\n\ngo 1.23\n",
    "module example.com/m\n\ngo 1.24\n",
    "go 1.24rc1\n",
    "go 1.21.3\n",
    "go 1.25.0\n",
    "go 1.x\n",
    "go 1.99\n",
    "module {\n",
    "",
];

const MODULES: &[(&str, &str)] = &[
    ("example.com/m", "v1.0.0"),
    ("example.com/m", "v1.0.0"),
    ("example.com/m", "v1.0.0"),
    ("example.com/m/v2", "v2.3.0"),
    ("example.com/m/v2", "v1.0.0"),
    ("example.com/m", "v1.0.0+bad"),
    ("cache", "v1.0.0"),
    ("gopkg.in/yaml.v2", "v2.4.0"),
    ("example.com/Q", "v0.0.0-20200101000000-abcdefabcdef"),
];

#[derive(Clone)]
struct GenFile {
    name: Vec<u8>,
    kind: FileKind,
    size: i64,
    data: Vec<u8>,
    stat_err: String,
}

impl File for GenFile {
    fn path(&self) -> &[u8] {
        &self.name
    }
    fn lstat(&self) -> io::Result<FileInfo> {
        if !self.stat_err.is_empty() {
            return Err(io::Error::other(self.stat_err.clone()));
        }
        Ok(FileInfo {
            kind: self.kind,
            size: self.size,
        })
    }
    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(&self.data[..]))
    }
}

fn kind_name(k: FileKind) -> &'static str {
    match k {
        FileKind::Regular => "regular",
        FileKind::Dir => "dir",
        FileKind::Symlink => "symlink",
        FileKind::Other => "other",
    }
}

fn gen_name(rng: &mut Rng) -> Vec<u8> {
    let n = 1 + rng.below(3);
    let mut parts: Vec<&[u8]> = (0..n).map(|_| rng.pick(NAME_PARTS)).collect();
    if rng.chance(3) {
        parts.insert(0, b"");
    }
    parts.join(&b'/')
}

fn gen_data(rng: &mut Rng, name: &[u8]) -> Vec<u8> {
    if name.eq_ignore_ascii_case(b"go.mod") || name.ends_with(b"/go.mod") {
        rng.pick(GO_MODS).as_bytes().to_vec()
    } else {
        format!("data {}\n", rng.below(1000)).into_bytes()
    }
}

fn gen_files(rng: &mut Rng) -> Vec<GenFile> {
    let n = rng.below(9);
    let mut files: Vec<GenFile> = Vec::new();
    for _ in 0..n {
        let name = if !files.is_empty() && rng.chance(10) {
            files[rng.below(files.len())].name.clone()
        } else {
            gen_name(rng)
        };
        let data = gen_data(rng, &name);
        let kind = match rng.below(20) {
            0 => FileKind::Dir,
            1 => FileKind::Symlink,
            2 => FileKind::Other,
            _ => FileKind::Regular,
        };
        let size = match rng.below(30) {
            0 => data.len() as i64 + 3,
            1 => (data.len() as i64 - 2).max(0),
            2 => (modzip::MAX_GO_MOD + 1) as i64,
            3 => (modzip::MAX_ZIP_FILE + 1) as i64,
            4 => -1,
            _ => data.len() as i64,
        };
        let stat_err = if rng.chance(3) {
            "lstat failed".to_string()
        } else {
            String::new()
        };
        files.push(GenFile {
            name,
            kind,
            size,
            data,
            stat_err,
        });
    }
    files
}

/// One question, for both sides.
struct Case {
    op: &'static str,
    m: ModuleVersion,
    files: Vec<GenFile>,
    /// The zip to read, or where Go writes the zip it creates.
    zip: PathBuf,
    /// Where we write the zip we create.
    our_zip: PathBuf,
    /// The directory to read, or where Go extracts.
    dir: PathBuf,
    /// Where we extract.
    our_dir: PathBuf,
    label: String,
}

impl Case {
    fn request(&self) -> String {
        let files: Vec<_> = self
            .files
            .iter()
            .map(|f| {
                json!({
                    "name": hex(&f.name),
                    "kind": kind_name(f.kind),
                    "size": f.size,
                    "data": hex(&f.data),
                    "stat_err": f.stat_err,
                })
            })
            .collect();
        json!({
            "op": self.op,
            "path": hex(self.m.path.as_bytes()),
            "version": self.m.version,
            "files": files,
            "zip": self.zip,
            "dir": self.dir,
        })
        .to_string()
    }

    fn ours(&self) -> String {
        let report = |r: Result<CheckedFiles, String>| match r {
            Ok(cf) => {
                let err = cf.err().err().map(|e| e.to_string());
                with_err(format_checked_files(&cf), err)
            }
            Err(e) => with_err(format_checked_files(&CheckedFiles::default()), Some(e)),
        };
        let hashed = |r: Result<dirhash::H1, dirhash::Error>| match r {
            Ok(h) => format!("ok {h}"),
            Err(e) => format!("err {e}"),
        };
        match self.op {
            "check_files" => report(Ok(modzip::check_files(&self.files))),
            "check_dir" => report(modzip::check_dir(&self.dir).map_err(|e| e.to_string())),
            "check_zip" => report(modzip::check_zip(&self.m, &self.zip).map_err(|e| e.to_string())),
            "create" | "create_from_dir" => {
                let created = if self.op == "create" {
                    modzip::create(Vec::new(), &self.m, &self.files)
                } else {
                    modzip::create_from_dir(Vec::new(), &self.m, &self.dir)
                };
                match created {
                    Err(e) => format!("err {e}"),
                    Ok(bytes) => {
                        std::fs::write(&self.our_zip, bytes).unwrap();
                        hashed(dirhash::hash_zip(&self.our_zip))
                    }
                }
            }
            "unzip" => match modzip::unzip(&self.our_dir, &self.m, &self.zip) {
                Err(e) => format!("err {e}"),
                Ok(()) => hashed(dirhash::hash_dir(&self.our_dir, &self.m.to_string())),
            },
            "hash_zip" => hashed(dirhash::hash_zip(&self.zip)),
            op => panic!("unknown op {op}"),
        }
    }
}

fn with_err(mut report: String, err: Option<String>) -> String {
    if let Some(e) = err {
        report += &format!("\nerr: {e}");
    }
    report
}

/// Writes `files` as a directory tree (what cannot be created is left out).
fn write_dir(dir: &Path, files: &[GenFile], rng: &mut Rng) {
    std::fs::create_dir_all(dir).unwrap();
    for f in files {
        let rel = String::from_utf8_lossy(&f.name).into_owned();
        if rel.split('/').any(|p| p == ".." || p == ".") || rel.starts_with('/') {
            continue;
        }
        let p = dir.join(&rel);
        if let Some(parent) = p.parent()
            && std::fs::create_dir_all(parent).is_err()
        {
            continue;
        }
        let _ = match f.kind {
            FileKind::Dir => std::fs::create_dir_all(&p),
            FileKind::Symlink => {
                let target = if rng.chance(50) { "a.go" } else { ".." };
                std::os::unix::fs::symlink(target, &p)
            }
            FileKind::Other => std::os::unix::net::UnixListener::bind(&p).map(drop),
            FileKind::Regular => std::fs::write(&p, &f.data),
        };
    }
    if rng.chance(60) {
        let _ = std::fs::write(dir.join("go.mod"), rng.pick(GO_MODS));
    }
}

/// Writes a zip of `files` under the module prefix (or not), no rules applied, and
/// sometimes flips bytes.
fn write_zip(path: &Path, m: &ModuleVersion, files: &[GenFile], rng: &mut Rng) {
    let prefix = format!("{m}/");
    let mut w = ZipWriter::new(Vec::new());
    for f in files {
        let name = match rng.below(20) {
            0 => f.name.clone(),
            1 => prefix.trim_end_matches('/').as_bytes().to_vec(),
            2 => [prefix.as_bytes(), &f.name, b"/"].concat(),
            _ => [prefix.as_bytes(), &f.name].concat(),
        };
        w.start_file(&name).unwrap();
        w.write_all(&f.data).unwrap();
    }
    let mut zip = w.finish().unwrap();
    if rng.chance(25) && !zip.is_empty() {
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(zip.len());
            zip[at] = rng.next() as u8;
        }
    }
    std::fs::write(path, zip).unwrap();
}

fn corpus(tmp: &Path) -> Vec<Case> {
    let mut rng = Rng(0x5eed_2a1f_0c0f_fee5);
    let mut cases = Vec::new();
    let next = |op: &'static str, i: usize, rng: &mut Rng| {
        let (path, version) = rng.pick(MODULES);
        let base = tmp.join(format!("{op}-{i}"));
        Case {
            op,
            m: ModuleVersion::new(path, version),
            files: gen_files(rng),
            zip: base.with_extension("go.zip"),
            our_zip: base.with_extension("ours.zip"),
            dir: base.join("go"),
            our_dir: base.join("ours"),
            label: format!("{op} #{i}"),
        }
    };
    for i in 0..1500 {
        cases.push(next("check_files", i, &mut rng));
        cases.push(next("create", i, &mut rng));
    }
    for i in 0..300 {
        for op in ["check_dir", "create_from_dir"] {
            let mut c = next(op, i, &mut rng);
            c.dir = c.dir.with_file_name("tree");
            write_dir(&c.dir, &c.files, &mut rng);
            cases.push(c);
        }
    }
    for i in 0..600 {
        let c = next("check_zip", i, &mut rng);
        write_zip(&c.zip, &c.m, &c.files, &mut rng);
        for op in ["unzip", "hash_zip"] {
            cases.push(Case {
                op,
                m: c.m.clone(),
                files: Vec::new(),
                zip: c.zip.clone(),
                our_zip: c.our_zip.clone(),
                dir: c.dir.with_file_name(format!("{op}-go")),
                our_dir: c.dir.with_file_name(format!("{op}-ours")),
                label: format!("{op} #{i}"),
            });
        }
        cases.push(c);
    }
    cases
}

/// Replaces the case's own directories by fixed names so Go's and our texts compare.
fn normalize(c: &Case, text: &str) -> String {
    text.replace(&*c.our_dir.to_string_lossy(), "$dir")
        .replace(&*c.dir.to_string_lossy(), "$dir")
}

#[test]
fn zip_oracle_matches_go() {
    const TEST: &str = "zip_oracle_matches_go";
    let Some(go) = support::go(TEST) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let sb = support::sandbox();
    let bin = build_oracle(&go, &sb).unwrap_or_else(|e| panic!("{e}"));
    let work = tmp.path().join("cases");
    std::fs::create_dir_all(&work).unwrap();
    let cases = corpus(&work);

    let requests: Vec<String> = cases.iter().map(Case::request).collect();
    let answers = oracle::ask(&bin, &requests);

    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    for (c, go_says) in cases.iter().zip(&answers) {
        tallies
            .entry(c.op)
            .or_insert_with(|| Tally::new(format!("zip-go-diff/{}", c.op)))
            .check(&c.label, || {
                let ours = normalize(c, &c.ours());
                let want = normalize(c, go_says);
                if ours != want {
                    return Err(format!("ours:\n{ours}\ngo:\n{want}"));
                }
                // A zip Go created must hash the same through our reader.
                if c.op.starts_with("create") && want.starts_with("ok ") {
                    let h = dirhash::hash_zip(&c.zip).map_err(|e| e.to_string())?;
                    if format!("ok {h}") != want {
                        return Err(format!("our hash of go's zip: {h}, go: {want}"));
                    }
                }
                Ok(())
            });
    }
    let failed = tallies
        .into_values()
        .map(|t| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.finish())))
        .filter(Result::is_err)
        .count();
    assert_eq!(
        failed, 0,
        "{failed} operations disagree with Go (see above)"
    );
}
