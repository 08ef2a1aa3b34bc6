//! The streaming download against the real `go mod download`: every zip of the hostile
//! corpus (layouts, lies, damage, and a sample of the truncations and random flips of
//! `zipstream_hostile`) is served as its own module version from a `file://` GOPROXY
//! tree, `go mod download -json` fetches them all in one run, and for each module:
//!
//! * go fails to download it → we refuse it with go's text;
//! * go stores it but fails to extract it (`unzip <zip>: <cause>`) → we give the same
//!   `h1` as go's `.ziphash` and the same cause;
//! * go downloads and extracts it → we give its `Sum` and extract the same tree;
//! * where go stores it, we may instead refuse it as inconsistent (counted, reported).

use crate::support::{self, Tally};
use crate::zipstream_hostile::{Case, flips, hostile, module, truncations};
use crate::zipstream_verdict::{Verdict, ZIP, ours};
use gomodfetch::dirhash;
use gomodfetch::module::{ModuleVersion, escape_path};
use std::path::Path;

/// `zip` with every occurrence of `from` replaced by `to` (of the same length).
fn relabel(zip: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = zip.to_vec();
    let mut i = 0;
    while i + from.len() <= out.len() {
        if &out[i..i + from.len()] == from {
            out[i..i + from.len()].copy_from_slice(to);
            i += from.len();
        } else {
            i += 1;
        }
    }
    out
}

/// The module version case `i` is served as: `example.com/<letter>@v1.<d>.<d>`, so the
/// entry prefix keeps the corpus's length.
fn module_for(i: usize) -> ModuleVersion {
    let letter = (b'a' + (i / 100) as u8) as char;
    ModuleVersion::new(
        format!("example.com/{letter}"),
        format!("v1.{}.{}", i / 10 % 10, i % 10),
    )
}

/// Go's text with the file names it quotes (the temp file, for a negative offset)
/// written as ours are.
fn naming_zip(text: &str) -> String {
    if let Some(rest) = text.strip_prefix("readat ")
        && let Some((_, why)) = rest.split_once(": ")
    {
        return format!("readat {ZIP}: {why}");
    }
    text.to_string()
}

/// Compares go's record for one module with our verdict on the same zip.
fn compare(
    rec: &gomodfetch::testkit::gocmd::DownloadRecord,
    m: &ModuleVersion,
    zip: &[u8],
    cache: &Path,
    refused_go_stores: &mut usize,
) -> Result<(), String> {
    let ours = ours(zip, m, 0)?;
    let ziphash = cache
        .join("cache/download")
        .join(escape_path(&m.path).map_err(|e| e.to_string())?)
        .join(format!("@v/{}.ziphash", m.version));
    let stored = std::fs::read_to_string(&ziphash).ok();
    match (&rec.error, &ours) {
        (
            Some(err),
            Verdict::Stored {
                h1,
                unzip: Err(cause),
            },
        ) => {
            let go_cause = err
                .strip_prefix("unzip ")
                .and_then(|r| r.split_once(".zip: "))
                .map(|(_, c)| c);
            if go_cause != Some(cause.as_str()) {
                return Err(format!("go: {err}\nours: {ours}"));
            }
            if stored.as_deref() != Some(h1.as_str()) {
                return Err(format!("go stored ziphash {stored:?}, ours {h1}"));
            }
            Ok(())
        }
        (Some(err), Verdict::Refused(e)) if naming_zip(err) == *e => {
            if let Some(h) = stored {
                return Err(format!("go stored a ziphash ({h}) for a zip it refused"));
            }
            Ok(())
        }
        // go stored it (then failed to extract it, or not): ours may refuse it.
        (Some(err), Verdict::Inconsistent(_)) if err.starts_with("unzip ") && stored.is_some() => {
            *refused_go_stores += 1;
            Ok(())
        }
        (Some(err), _) => Err(format!("go: {err}\nours: {ours}")),
        (None, Verdict::Inconsistent(_)) => {
            *refused_go_stores += 1;
            Ok(())
        }
        (
            None,
            Verdict::Stored {
                h1,
                unzip: Ok(tree),
            },
        ) => {
            if rec.sum.as_deref() != Some(h1.as_str()) {
                return Err(format!("go Sum {:?}, ours {h1}", rec.sum));
            }
            let dir = rec.dir.as_deref().ok_or("go gave no Dir")?;
            let go_tree = dirhash::hash_dir(Path::new(dir), &m.to_string())
                .map_err(|e| e.to_string())?
                .to_string();
            (go_tree == *tree)
                .then_some(())
                .ok_or(format!("go extracted {go_tree}, we {tree}"))
        }
        (None, _) => Err(format!("go downloaded and extracted it; ours: {ours}")),
    }
}

#[test]
fn zipstream_go_mod_download() {
    const TEST: &str = "zipstream_go_mod_download";
    let Some(go) = support::go(TEST) else {
        return;
    };
    let base = module();
    let from = format!("{}@{}/", base.path, base.version);
    let mut cases: Vec<Case> = hostile();
    cases.extend(truncations().into_iter().step_by(7));
    cases.extend(flips().into_iter().step_by(5));

    let mut sb = support::sandbox();
    let proxy = sb.root().join("proxy");
    let mut served = Vec::new();
    for (i, c) in cases.into_iter().enumerate() {
        let m = module_for(i);
        let zip = relabel(&c.zip, from.as_bytes(), format!("{m}/").as_bytes());
        let at_v = proxy.join(escape_path(&m.path).unwrap()).join("@v");
        std::fs::create_dir_all(&at_v).unwrap();
        let file = |ext: &str| at_v.join(format!("{}.{ext}", m.version));
        std::fs::write(file("zip"), &zip).unwrap();
        std::fs::write(file("mod"), format!("module {}\n", m.path)).unwrap();
        let info = format!(
            r#"{{"Version":"{}","Time":"2024-01-01T00:00:00Z"}}"#,
            m.version
        );
        std::fs::write(file("info"), info).unwrap();
        served.push((c.label, m, zip));
    }
    sb.goproxy(format!("file://{}", proxy.display()));
    let args: Vec<String> = served.iter().map(|(_, m, _)| m.to_string()).collect();
    let run = go
        .mod_download(&sb, sb.work_dir(), &["-json"], &args)
        .expect("running go");
    let records = run
        .download_records()
        .unwrap_or_else(|e| panic!("{e}\n{run}"));

    let mut tally = Tally::new("zipstream: hostile zips vs go mod download");
    let mut refused_go_stores = 0;
    for (label, m, zip) in &served {
        tally.check(format!("{label} ({m})"), || {
            let rec = records
                .iter()
                .find(|r| {
                    r.path.as_deref() == Some(m.path.as_str())
                        && r.version.as_deref() == Some(m.version.as_str())
                })
                .ok_or("no record from go")?;
            compare(rec, m, zip, sb.gomodcache(), &mut refused_go_stores)
        });
    }
    support::note(
        "zipstream: hostile zips vs go mod download",
        &format!("{refused_go_stores} zips go stores refused by us as inconsistent"),
    );
    tally.finish();
}
