//! `vectors/zip_misc.json`: the size limits, oversized and lying zips, special
//! directory layouts, and the vendor rule by go version (golang.org/x/mod/zip tests
//! that are tables of Go code rather than txtar archives).

use crate::support::{self, Tally, bytes_field, cases, str_of};
use gomodfetch::dirhash;
use gomodfetch::module::ModuleVersion;
use gomodfetch::modzip::{self, File, FileInfo, writer::ZipWriter};
use serde_json::Value;
use std::io::{self, Read, Write};
use std::path::Path;

/// x/mod's `fakeFile`: a declared size, and contents that are either given (and may
/// disagree with the size) or that many zero bytes.
struct FakeFile {
    name: Vec<u8>,
    size: u64,
    data: Option<Vec<u8>>,
}

impl File for FakeFile {
    fn path(&self) -> &[u8] {
        &self.name
    }
    fn lstat(&self) -> io::Result<FileInfo> {
        Ok(FileInfo::regular(self.size as i64))
    }
    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        match &self.data {
            Some(d) => Ok(Box::new(&d[..])),
            None if self.size >= (modzip::MAX_ZIP_FILE << 1) => Err(io::Error::other(format!(
                "cannot open fakeFile of size {}",
                self.size
            ))),
            None => Ok(Box::new(io::repeat(0).take(self.size))),
        }
    }
}

fn module_of(obj: &Value) -> ModuleVersion {
    ModuleVersion::new(str_of(obj, "path"), str_of(obj, "version"))
}

fn label(case: &Value, i: usize) -> String {
    case.get("desc")
        .and_then(Value::as_str)
        .map_or_else(|| format!("case {i}"), str::to_string)
}

/// `err` against a wanted substring (`None`: must succeed).
fn expect(op: &str, got: Result<(), String>, want: Option<&str>) -> Result<(), String> {
    match (got, want) {
        (Ok(()), None) => Ok(()),
        (Ok(()), Some(w)) => Err(format!(
            "{op}: unexpected success; want error containing {w:?}"
        )),
        (Err(e), None) => Err(format!("{op}: got error {e:?}; want success")),
        (Err(e), Some(w)) if e.contains(w) => Ok(()),
        (Err(e), Some(w)) => Err(format!(
            "{op}: got error {e:?}; want error containing {w:?}"
        )),
    }
}

#[test]
fn zip_misc_limits() {
    let Some(v) = support::vectors("zip_misc_limits", "zip_misc.json") else {
        return;
    };
    let mut t = Tally::new("zip_misc.json/limits");
    let limits = &v["limits"];
    for (name, ours) in [
        ("MaxZipFile", modzip::MAX_ZIP_FILE),
        ("MaxGoMod", modzip::MAX_GO_MOD),
        ("MaxLICENSE", modzip::MAX_LICENSE),
    ] {
        t.eq(name, Some(ours), limits.get(name).and_then(Value::as_u64));
    }
    t.finish();
}

/// Writes a zip with `files` as entries under the module prefix, no rules applied.
fn write_plain_zip(path: &Path, m: &ModuleVersion, files: &[FakeFile]) {
    let out = io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut w = ZipWriter::new(out);
    for f in files {
        let name = format!(
            "{}@{}/{}",
            m.path,
            m.version,
            String::from_utf8_lossy(&f.name)
        );
        w.start_file(name.as_bytes()).unwrap();
        io::copy(&mut f.open().unwrap(), &mut w).unwrap();
    }
    w.finish().unwrap().flush().unwrap();
}

#[test]
fn zip_misc_size_limits() {
    let Some(v) = support::vectors("zip_misc_size_limits", "zip_misc.json") else {
        return;
    };
    let m = module_of(&v["size_limits_module"]);
    let mut t = Tally::new("zip_misc.json/size_limits");
    for (i, c) in cases(&v, "size_limits").iter().enumerate() {
        t.check(label(c, i), || {
            let files: Vec<FakeFile> = cases(c, "files")
                .iter()
                .map(|f| FakeFile {
                    name: str_of(f, "name").as_bytes().to_vec(),
                    size: f["size"].as_u64().expect("size"),
                    data: bytes_field(f, "content"),
                })
                .collect();
            let want = |key: &str| {
                c.get(key)
                    .or_else(|| c.get("error"))
                    .and_then(Value::as_str)
            };

            let cf = modzip::check_files(&files);
            expect(
                "CheckFiles",
                cf.err().map_err(|e| e.to_string()),
                want("check_files_error"),
            )?;
            let created = modzip::create(io::sink(), &m, &files).map(drop);
            expect(
                "Create",
                created.map_err(|e| e.to_string()),
                want("create_error"),
            )?;
            if c.get("create_only").and_then(Value::as_bool) == Some(true) {
                return Ok(());
            }

            let tmp = tempfile::tempdir().unwrap();
            let zip = tmp.path().join("m.zip");
            write_plain_zip(&zip, &m, &files);
            let checked = modzip::check_zip(&m, &zip)
                .map_err(|e| e.to_string())
                .and_then(|cf| cf.err().map_err(|e| e.to_string()));
            expect("CheckZip", checked, want("check_zip_error"))?;
            let unzipped = modzip::unzip(&tmp.path().join("out"), &m, &zip);
            expect(
                "Unzip",
                unzipped.map_err(|e| e.to_string()),
                want("unzip_error"),
            )
        });
    }
    t.finish();
}

/// The numbers in "declares 0xAC bytes but really has 0x0BAD zero bytes".
fn declared_and_real(desc: &str) -> Option<(u64, u64)> {
    let hex: Vec<u64> = desc
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter_map(|w| w.strip_prefix("0x"))
        .filter_map(|h| u64::from_str_radix(h, 16).ok())
        .collect();
    match hex[..] {
        [declared, real] => Some((declared, real)),
        _ => None,
    }
}

/// A zip whose one go.mod entry holds `real` zero bytes but declares `declared`, built
/// as x/mod's test builds it: a normal zip, then both size fields rewritten.
fn lying_zip(m: &ModuleVersion, declared: u64, real: u64) -> Vec<u8> {
    let mut w = ZipWriter::new(Vec::new());
    w.start_file(format!("{}@{}/go.mod", m.path, m.version).as_bytes())
        .unwrap();
    w.write_all(&vec![0; real as usize]).unwrap();
    let mut zip = w.finish().unwrap();
    // The data descriptor and the central directory carry the size (32-bit here).
    let real32 = (real as u32).to_le_bytes();
    let fake32 = (declared as u32).to_le_bytes();
    // Data descriptor: signature, CRC, compressed size, uncompressed size.
    let dd = zip
        .windows(4)
        .position(|w| w == [0x50, 0x4b, 0x07, 0x08])
        .unwrap();
    assert_eq!(zip[dd + 12..dd + 16], real32);
    zip[dd + 12..dd + 16].copy_from_slice(&fake32);
    // Central directory header: uncompressed size at offset 24.
    let cd = zip
        .windows(4)
        .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
        .unwrap();
    assert_eq!(zip[cd + 24..cd + 28], real32);
    zip[cd + 24..cd + 28].copy_from_slice(&fake32);
    zip
}

#[test]
fn zip_misc_unzip_special() {
    let Some(v) = support::vectors("zip_misc_unzip_special", "zip_misc.json") else {
        return;
    };
    let m = module_of(&v["unzip_special_module"]);
    let mut t = Tally::new("zip_misc.json/unzip_special");
    for (i, c) in cases(&v, "unzip_special").iter().enumerate() {
        t.check(label(c, i), || {
            let tmp = tempfile::tempdir().unwrap();
            let zip = tmp.path().join("m.zip");
            if let Some(size) = c.get("zip_size").and_then(Value::as_u64) {
                // A file of that many zero bytes (sparse).
                std::fs::File::create(&zip).unwrap().set_len(size).unwrap();
            } else {
                let desc = str_of(c, "desc");
                let (declared, real) = declared_and_real(desc)
                    .ok_or_else(|| format!("cannot tell the sizes from {desc:?}"))?;
                std::fs::write(&zip, lying_zip(&m, declared, real)).unwrap();
            }
            let err = match modzip::unzip(&tmp.path().join("out"), &m, &zip) {
                Ok(()) => return Err("unexpected success".into()),
                Err(e) => e.to_string(),
            };
            let mut wants: Vec<&str> = cases(c, "error_contains_any")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            wants.extend(c.get("error_contains").and_then(Value::as_str));
            wants.extend(c.get("error").and_then(Value::as_str));
            if wants.iter().any(|w| err.contains(w)) {
                Ok(())
            } else {
                Err(format!("got error {err:?}; want one of {wants:?}"))
            }
        });
    }
    t.finish();
}

/// x/mod's `TestCreateFromDirSpecial` setups, by the name that starts `desc`.
fn special_dir(desc: &str, tmp: &Path) -> Result<std::path::PathBuf, String> {
    let name = desc.split(':').next().unwrap_or("").trim();
    match name {
        "ignore_empty_dir" => {
            std::fs::create_dir(tmp.join("empty")).unwrap();
            Ok(tmp.to_path_buf())
        }
        "ignore_symlink" => {
            std::os::unix::fs::symlink(tmp, tmp.join("link")).unwrap();
            Ok(tmp.to_path_buf())
        }
        "dir_is_vendor" => {
            let vendor = tmp.join("vendor");
            std::fs::create_dir(&vendor).unwrap();
            // The go.mod text is the last thing quoted in the description.
            let go_mod = desc
                .rsplit('\'')
                .nth(1)
                .map(|s| s.replace("\\n", "\n"))
                .unwrap_or_else(|| "module example.com/m\n\ngo 1.13\n".into());
            std::fs::write(vendor.join("go.mod"), go_mod).unwrap();
            Ok(vendor)
        }
        other => Err(format!("unknown CreateFromDir setup {other:?}")),
    }
}

#[test]
fn zip_misc_create_from_dir_special() {
    let Some(v) = support::vectors("zip_misc_create_from_dir_special", "zip_misc.json") else {
        return;
    };
    let mut t = Tally::new("zip_misc.json/create_from_dir_special");
    for (i, c) in cases(&v, "create_from_dir_special").iter().enumerate() {
        t.check(label(c, i), || {
            let tmp = tempfile::tempdir().unwrap();
            let dir = special_dir(str_of(c, "desc"), tmp.path())?;
            let (path, version) = str_of(c, "module")
                .split_once('@')
                .ok_or("module without @")?;
            let m = ModuleVersion::new(path, version);
            let out_dir = tempfile::tempdir().unwrap();
            let zip_path = out_dir.path().join("out.zip");
            let out = std::fs::File::create(&zip_path).unwrap();
            modzip::create_from_dir(out, &m, &dir).map_err(|e| e.to_string())?;
            let got = dirhash::hash_zip(&zip_path).map_err(|e| e.to_string())?;
            let want = str_of(c, "h1");
            (got == want)
                .then_some(())
                .ok_or(format!("got {got}, want {want}"))
        });
    }
    t.finish();
}

#[test]
fn zip_misc_is_vendored_package() {
    let Some(v) = support::vectors("zip_misc_is_vendored_package", "zip_misc.json") else {
        return;
    };
    let mut t = Tally::new("zip_misc.json/is_vendored_package");
    for c in cases(&v, "is_vendored_package") {
        let path = str_of(c, "path");
        let want = c["is_vendored"].as_bool().expect("is_vendored");
        for vers in cases(c, "go_versions").iter().filter_map(Value::as_str) {
            t.eq(
                format!("{path} @ {vers:?}"),
                modzip::is_vendored_package(path, vers),
                want,
            );
        }
    }
    t.finish();
}

// `create_from_vcs` (CreateFromVCS over a git checkout: .gitignore'd files absent, a
// subdirectory as the module root, the root LICENSE copied in) needs the VCS layer,
// which is a later issue; its cases are deliberately not run or counted here.
