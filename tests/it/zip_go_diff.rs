//! Module zips against the real `go`: the archives of Go's test proxy
//! (`conformance/proxy_modules`) are served from a `file://` GOPROXY tree, `go mod
//! download -json` fetches them all in one run, and for each module we check that go's
//! `Sum` is our `hash_zip` of the same zip, go's `GoModSum` our go.mod hash, that our
//! `unzip` yields the tree go extracted (same names and bytes, files 0444) and that our
//! `hash_dir` of go's tree is the same `h1`. Where go rejects a module's zip, we must
//! reject it too, with go's reason. `proxy_modules.json`'s `zip_h1` and `gomod_h1` are
//! checked for every served module.
//!
//! An opt-in live test (`GOMODFETCH_LIVE=1`) downloads a sample of
//! `vectors/zip_sums.csv` through the machine's own GOPROXY and compares the `h1`.

use crate::support::{self, Tally};
use crate::zip_conformance::plain_zip;
use gomodfetch::dirhash;
use gomodfetch::module::{self, ModuleVersion};
use gomodfetch::modzip;
use gomodfetch::txtar::Archive;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// One module version of the test proxy, as served.
struct Served {
    file: String,
    m: ModuleVersion,
    go_mod: Option<Vec<u8>>,
    zip: PathBuf,
}

/// README §4.1: `<escaped path with / as _>_<escaped version>.txt`, split at the last
/// `_v`; `None` for files the proxy does not index.
fn module_of_file(file: &str) -> Option<ModuleVersion> {
    let stem = file.strip_suffix(".txt")?;
    let at = stem.rfind("_v")?;
    let path = module::unescape_path(&stem[..at].replace('_', "/")).ok()?;
    let version = module::unescape_version(&stem[at + 1..]).ok()?;
    Some(ModuleVersion::new(path, version))
}

/// Builds the zip and the `file://` tree entries of one archive (README §4.2).
fn serve(file: &Path, m: &ModuleVersion, proxy: &Path, zips: &Path) -> Served {
    let a = Archive::parse(&std::fs::read(file).unwrap());
    let prefix = format!("{}@{}/", m.path, m.version);
    let entries: Vec<(Vec<u8>, &[u8])> = a
        .files
        .iter()
        .filter(|f| !matches!(&f.name[..], b".info" | b".mod" | b".zip"))
        .map(|f| {
            let name = match f.name.strip_prefix(b"/") {
                Some(verbatim) => verbatim.to_vec(),
                None => [prefix.as_bytes(), &f.name].concat(),
            };
            (name, f.data.as_slice())
        })
        .collect();
    let zip_bytes = plain_zip(entries.iter().map(|(n, d)| (n.as_slice(), *d)));
    let esc_path = module::escape_path(&m.path).unwrap();
    let esc_version = module::escape_version(&m.version).unwrap();
    let at_v = proxy.join(&esc_path).join("@v");
    std::fs::create_dir_all(&at_v).unwrap();
    std::fs::write(at_v.join(format!("{esc_version}.zip")), &zip_bytes).unwrap();
    for (section, ext) in [(".info", "info"), (".mod", "mod")] {
        if let Some(f) = a.file(section) {
            std::fs::write(at_v.join(format!("{esc_version}.{ext}")), &f.data).unwrap();
        }
    }
    let zip = zips.join(format!(
        "{}.zip",
        file.file_stem().unwrap().to_string_lossy()
    ));
    std::fs::write(&zip, &zip_bytes).unwrap();
    Served {
        file: file.file_name().unwrap().to_string_lossy().into_owned(),
        m: m.clone(),
        go_mod: a.file(".mod").map(|f| f.data.clone()),
        zip,
    }
}

/// Relative path → (bytes, permission bits).
type Files = BTreeMap<String, (Vec<u8>, u32)>;

/// Every regular file under `dir`, plus the directories.
fn tree(dir: &Path) -> (Files, Vec<String>) {
    use std::os::unix::fs::PermissionsExt;
    let mut files = BTreeMap::new();
    let mut dirs = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                dirs.push(rel);
                stack.push(p);
            } else {
                let mode = meta.permissions().mode() & 0o777;
                files.insert(rel, (std::fs::read(&p).unwrap(), mode));
            }
        }
    }
    dirs.sort();
    (files, dirs)
}

/// The part of go's error after `unzip <zipfile>: `, if it is an extraction error.
fn unzip_cause(go_err: &str) -> Option<&str> {
    let i = go_err.find("unzip ")?;
    let rest = &go_err[i + "unzip ".len()..];
    let j = rest.find(".zip: ")?;
    Some(&rest[j + ".zip: ".len()..])
}

/// `(needed, running)` from go's `requires go >= 1.999 (running go 1.26.8; …)`.
fn too_new(go_err: &str) -> Option<(&str, &str)> {
    let need = go_err.split("requires go >= ").nth(1)?.split(' ').next()?;
    let running = go_err
        .split("(running go ")
        .nth(1)?
        .split([';', ')'])
        .next()?;
    Some((need, running))
}

/// Runs `go mod download -json <args>` and returns its records (one per module;
/// failures carry `Error`).
fn download_json(mut cmd: std::process::Command, args: &[String]) -> Vec<Value> {
    let out = cmd
        .args(["mod", "download", "-json"])
        .args(args)
        .output()
        .unwrap();
    serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| {
            panic!(
                "go's -json output does not parse: {e}\nstderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
}

/// Compares go's download of one module with what we do with the same zip.
fn compare(s: &Served, go: &Value, unzip_dir: &Path) -> Result<(), String> {
    let our_sum = dirhash::hash_zip(&s.zip).map_err(|e| format!("our hash_zip: {e}"))?;
    let unzipped = modzip::unzip(unzip_dir, &s.m, &s.zip);

    if let Some(err) = go.get("Error").and_then(Value::as_str) {
        if let Some(cause) = unzip_cause(err) {
            let ours = match &unzipped {
                Ok(()) => return Err(format!("go: {err}; we extracted it")),
                Err(e) => e.cause().to_string(),
            };
            return (ours == cause)
                .then_some(())
                .ok_or(format!("go failed with {cause:?}, we with {ours:?}"));
        }
        if err.contains("has unexpected file") {
            // go's download-time prefix check; our check finds the same entries.
            let cf = modzip::check_zip(&s.m, &s.zip).map_err(|e| e.to_string())?;
            let outside = cf
                .invalid
                .iter()
                .any(|fe| matches!(fe.reason, modzip::FileReason::MissingPrefix { .. }));
            return (outside && unzipped.is_err())
                .then_some(())
                .ok_or(format!("go: {err}; our check: {:?}", cf.invalid));
        }
        let extracted = format!("/pkg/mod/{}@{}/", s.m.path, s.m.version);
        if err.contains(&extracted) {
            // go extracted the zip, then failed on the tree (a directory named go.mod
            // cannot be read as one): our extraction must succeed with the zip's h1.
            unzipped.map_err(|e| format!("go extracted it, we failed: {e}"))?;
            let prefix = format!("{}@{}", s.m.path, s.m.version);
            let ours = dirhash::hash_dir(unzip_dir, &prefix).map_err(|e| e.to_string())?;
            return (ours == our_sum)
                .then_some(())
                .ok_or(format!("hash_dir of our extraction {ours}, zip {our_sum}"));
        }
        if err.contains(".mod: ") && s.go_mod.is_none() {
            // No go.mod is served: neither side has anything to hash or verify.
            return Ok(());
        }
        if let Some((need, running)) = too_new(err) {
            // go refuses a module whose go.mod needs a newer go; we must read the same
            // requirement from the same go.mod.
            let declared = s
                .go_mod
                .as_deref()
                .and_then(|m| gomodfetch::modfile::parse_lax("go.mod", m).ok())
                .and_then(|f| f.go.map(|g| g.version));
            let newer = gomodfetch::gover::compare(need, running).is_gt();
            return (declared.as_deref() == Some(need) && newer)
                .then_some(())
                .ok_or(format!("go: {err}; our go.mod reading: {declared:?}"));
        }
        return Err(format!("go failed for a reason outside the zip: {err}"));
    }

    let want = |k: &str| go.get(k).and_then(Value::as_str).unwrap_or_default();
    if our_sum != want("Sum") {
        return Err(format!("Sum: go {}, ours {our_sum}", want("Sum")));
    }
    let our_mod_sum = dirhash::hash_go_mod(s.go_mod.as_deref().unwrap_or_default());
    if our_mod_sum != want("GoModSum") {
        return Err(format!(
            "GoModSum: go {}, ours {our_mod_sum}",
            want("GoModSum")
        ));
    }
    unzipped.map_err(|e| format!("go extracted it, we failed: {e}"))?;
    let go_dir = Path::new(want("Dir"));
    let (go_files, go_dirs) = tree(go_dir);
    let (our_files, our_dirs) = tree(unzip_dir);
    if go_dirs != our_dirs {
        return Err(format!("directories: go {go_dirs:?}, ours {our_dirs:?}"));
    }
    let names = |t: &Files| t.keys().cloned().collect::<Vec<_>>();
    if names(&go_files) != names(&our_files) {
        return Err(format!(
            "files: go {:?}, ours {:?}",
            names(&go_files),
            names(&our_files)
        ));
    }
    for (name, (bytes, mode)) in &our_files {
        if go_files[name].0 != *bytes {
            return Err(format!("{name}: contents differ"));
        }
        if *mode & 0o222 != 0 {
            return Err(format!("{name}: our file is writable ({mode:o})"));
        }
    }
    let prefix = format!("{}@{}", s.m.path, s.m.version);
    let dir_sum = dirhash::hash_dir(go_dir, &prefix).map_err(|e| e.to_string())?;
    (dir_sum == want("Sum")).then_some(()).ok_or(format!(
        "hash_dir of go's tree {dir_sum}, Sum {}",
        want("Sum")
    ))
}

#[test]
fn zip_go_diff_proxy_modules() {
    const TEST: &str = "zip_go_diff_proxy_modules";
    let Some(dir) = support::conformance(TEST, "proxy_modules") else {
        return;
    };
    let Some(facts_path) = support::conformance(TEST, "proxy_modules.json") else {
        return;
    };
    let Some(go) = support::go(TEST) else {
        return;
    };
    let facts: Value = serde_json::from_slice(&std::fs::read(facts_path).unwrap()).unwrap();
    let home = tempfile::tempdir().unwrap();
    let proxy = home.path().join("proxy");
    let zips = home.path().join("zips");
    let ours = home.path().join("ours");
    let work = home.path().join("work");
    for d in [&proxy, &zips, &ours, &work] {
        std::fs::create_dir_all(d).unwrap();
    }

    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut served: Vec<Served> = Vec::new();
    let mut lists: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let Some(m) = module_of_file(&name) else {
            continue;
        };
        if module::check_path(&m.path).is_err() {
            continue;
        }
        if module::check(&m.path, &m.version).is_ok() && !module::is_pseudo_version(&m.version) {
            lists
                .entry(m.path.clone())
                .or_default()
                .push(m.version.clone());
        }
        served.push(serve(f, &m, &proxy, &zips));
    }
    for (path, versions) in &lists {
        let list = proxy
            .join(module::escape_path(path).unwrap())
            .join("@v/list");
        std::fs::write(
            list,
            versions
                .iter()
                .map(|v| format!("{v}\n"))
                .collect::<String>(),
        )
        .unwrap();
    }

    // proxy_modules.json: the hashes every served module must have.
    let mut t = Tally::new("proxy_modules.json/zip_h1+gomod_h1");
    let by_file: HashMap<&str, &Served> = served.iter().map(|s| (s.file.as_str(), s)).collect();
    for fact in support::cases(&facts, "modules") {
        if fact.get("served").and_then(Value::as_bool) != Some(true) {
            continue;
        }
        let file = support::str_of(fact, "file");
        t.check(file, || {
            let s = by_file
                .get(file)
                .ok_or("served by the proxy but not by us")?;
            if s.m.path != support::str_of(fact, "path")
                || s.m.version != support::str_of(fact, "version")
            {
                return Err(format!("we read the file name as {}", s.m));
            }
            let zip_h1 = dirhash::hash_zip(&s.zip).map_err(|e| e.to_string())?;
            if zip_h1 != support::str_of(fact, "zip_h1") {
                return Err(format!("zip_h1 {zip_h1}, want {}", fact["zip_h1"]));
            }
            match (fact.get("gomod_h1").and_then(Value::as_str), &s.go_mod) {
                (Some(want), Some(m)) if dirhash::hash_go_mod(m) != want => {
                    Err(format!("gomod_h1 {}, want {want}", dirhash::hash_go_mod(m)))
                }
                (Some(_), None) => Err("json has gomod_h1 but the archive no .mod".into()),
                _ => Ok(()),
            }
        });
    }
    t.finish();

    // One go run for every served module.
    let args: Vec<String> = served.iter().map(|s| s.m.to_string()).collect();
    let sb = support::sandbox();
    let mut cmd = go.command(&sb, &work);
    cmd.env("GOPROXY", format!("file://{}", proxy.display()));
    let results = download_json(cmd, &args);
    let by_module: HashMap<(String, String), &Served> = served
        .iter()
        .map(|s| ((s.m.path.clone(), s.m.version.clone()), s))
        .collect();

    let mut t = Tally::new("proxy_modules/go_mod_download");
    for (i, r) in results.iter().enumerate() {
        let path = r["Path"].as_str().unwrap_or_default().to_string();
        let version = r["Version"].as_str().unwrap_or_default().to_string();
        t.check(format!("{path}@{version}"), || {
            let s = by_module
                .get(&(path.clone(), version.clone()))
                .ok_or("go downloaded a version we do not serve")?;
            // go may report a module twice (a version and the one its .info names).
            compare(s, r, &ours.join(i.to_string()))
        });
    }
    t.finish();
}

#[test]
fn zip_go_diff_live_zip_sums() {
    const TEST: &str = "zip_go_diff_live_zip_sums";
    if std::env::var("GOMODFETCH_LIVE").as_deref() != Ok("1") {
        eprintln!("{TEST}: skipped (set GOMODFETCH_LIVE=1 to download real modules)");
        return;
    }
    let Some(csv) = support::conformance(TEST, "vectors/zip_sums.csv") else {
        return;
    };
    let Some(go) = support::go(TEST) else {
        return;
    };
    let text = std::fs::read_to_string(csv).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|r| r.len() >= 3 && r[2].starts_with("h1:"))
        .collect();
    // About 30 rows spread over the file, then every h1 of a real module that
    // known_hashes.json records: (table, path, version, h1).
    let step = (rows.len() / 30).max(1);
    let mut sample: Vec<(&str, String, String, String)> = rows
        .iter()
        .step_by(step)
        .take(30)
        .map(|r| {
            (
                "zip_sums.csv/live sample",
                r[0].to_string(),
                r[1].to_string(),
                r[2].to_string(),
            )
        })
        .collect();
    if let Some(known) = support::vectors(TEST, "known_hashes.json") {
        for k in support::cases(&known, "module_content_h1") {
            sample.push((
                "known_hashes.json/module_content_h1 live",
                support::str_of(k, "path").to_string(),
                support::str_of(k, "version").to_string(),
                support::str_of(k, "h1").to_string(),
            ));
        }
    }

    let home = tempfile::tempdir().unwrap();
    let work = home.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    // The machine's own Go configuration (GOPROXY, GOSUMDB, network settings) is used
    // as it is; only the caches go to the temporary directory.
    let args: Vec<String> = sample.iter().map(|r| format!("{}@{}", r.1, r.2)).collect();
    let mut cmd = std::process::Command::new(go.bin());
    cmd.current_dir(&work)
        .env("GOPATH", home.path().join("gopath"))
        .env("GOMODCACHE", home.path().join("gopath/pkg/mod"))
        .env("GOCACHE", home.path().join("gocache"))
        .env("GOFLAGS", "-modcacherw")
        .env("GOTOOLCHAIN", "local")
        .env("GO111MODULE", "on")
        .env("GOWORK", "off");
    let results = download_json(cmd, &args);

    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    for (table, path, version, want) in &sample {
        let label = format!("{path}@{version}");
        let r = results
            .iter()
            .find(|r| r["Path"] == path.as_str() && r["Version"] == version.as_str());
        if let Some(e) = r.and_then(|r| r.get("Error")).and_then(Value::as_str) {
            // Published modules do disappear from proxies, and some recorded hashes are
            // of modules that were never published; that is not ours to check.
            eprintln!("{TEST}: {label} not counted, go could not download it: {e}");
            continue;
        }
        let t = tallies.entry(table).or_insert_with(|| Tally::new(*table));
        t.check(&label, || {
            let r = r.ok_or("not in go's output")?;
            let want = want.as_str();
            let zip = Path::new(r["Zip"].as_str().unwrap_or_default());
            let got = dirhash::hash_zip(zip).map_err(|e| e.to_string())?;
            if got != want {
                return Err(format!("hash_zip {got}, want {want}"));
            }
            // Our extraction of go's zip hashes the same.
            let m = ModuleVersion::new(path, version);
            let out = home.path().join("ours").join(&label);
            modzip::unzip(&out, &m, zip).map_err(|e| e.to_string())?;
            let extracted = dirhash::hash_dir(&out, &label).map_err(|e| e.to_string())?;
            if extracted != want {
                return Err(format!(
                    "hash_dir of our extraction {extracted}, want {want}"
                ));
            }
            // Zipping go's extracted tree again selects the same files.
            let dir = Path::new(r["Dir"].as_str().unwrap_or_default());
            let rezip = home.path().join("rezip.zip");
            let f = std::fs::File::create(&rezip).unwrap();
            modzip::create_from_dir(f, &m, dir).map_err(|e| e.to_string())?;
            let again = dirhash::hash_zip(&rezip).map_err(|e| e.to_string())?;
            (again == want)
                .then_some(())
                .ok_or(format!("create_from_dir of go's tree {again}, want {want}"))
        });
    }
    for t in tallies.into_values() {
        t.finish();
    }
}

/// x/mod's unzip archives (`conformance/zip/unzip`) served as modules: wherever the
/// module path and version are valid and every entry is under the module prefix (so
/// go gets as far as extracting), go's `unzip` error must be ours word for word, and a
/// zip go extracts we must extract to the same `h1`.
#[test]
fn zip_go_diff_unzip_archives() {
    const TEST: &str = "zip_go_diff_unzip_archives";
    let archives = crate::zip_conformance::archives(TEST, "zip/unzip");
    let Some(go) = support::go(TEST) else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let (proxy, work, ours) = (
        home.path().join("proxy"),
        home.path().join("work"),
        home.path().join("ours"),
    );
    for d in [&proxy, &work, &ours] {
        std::fs::create_dir_all(d).unwrap();
    }
    let mut cases: Vec<(String, Served)> = Vec::new();
    for file in &archives {
        let t = crate::zip_conformance::read_test(file);
        let Ok(path) = std::str::from_utf8(&t.path) else {
            continue;
        };
        let m = ModuleVersion::new(path, t.version.clone());
        let prefix = format!("{m}/");
        let servable = module::check(&m.path, &m.version).is_ok()
            && module::canonical_version(&m.version) == m.version
            && t.archive
                .files
                .iter()
                .all(|f| f.name.starts_with(prefix.as_bytes()));
        if !servable {
            continue;
        }
        let zip_bytes = plain_zip(
            t.archive
                .files
                .iter()
                .map(|f| (f.name.as_slice(), f.data.as_slice())),
        );
        let at_v = proxy.join(module::escape_path(&m.path).unwrap()).join("@v");
        std::fs::create_dir_all(&at_v).unwrap();
        let ev = module::escape_version(&m.version).unwrap();
        let go_mod = format!("module {}\n", m.path).into_bytes();
        std::fs::write(at_v.join(format!("{ev}.zip")), &zip_bytes).unwrap();
        std::fs::write(at_v.join(format!("{ev}.mod")), &go_mod).unwrap();
        std::fs::write(
            at_v.join(format!("{ev}.info")),
            format!("{{\"Version\":\"{}\"}}\n", m.version),
        )
        .unwrap();
        let zip = home.path().join(format!("{}.zip", t.name));
        std::fs::write(&zip, &zip_bytes).unwrap();
        cases.push((
            t.name.clone(),
            Served {
                file: t.name.clone(),
                m,
                go_mod: Some(go_mod),
                zip,
            },
        ));
    }
    // Several archives share a module path and version: one go run per archive.
    let mut t = Tally::new("zip/unzip vs go mod download");
    for (i, (name, s)) in cases.iter().enumerate() {
        // Serve only this archive's zip under the shared name.
        let at_v = proxy
            .join(module::escape_path(&s.m.path).unwrap())
            .join("@v");
        let ev = module::escape_version(&s.m.version).unwrap();
        std::fs::copy(&s.zip, at_v.join(format!("{ev}.zip"))).unwrap();
        let sb = support::sandbox();
        let mut cmd = go.command(&sb, &work);
        cmd.env("GOPROXY", format!("file://{}", proxy.display()));
        let results = download_json(cmd, &[s.m.to_string()]);
        t.check(name, || {
            let r = results.first().ok_or("go printed nothing")?;
            compare(s, r, &ours.join(i.to_string()))
        });
    }
    t.finish();
}
