//! `vectors/dirhash.json`: the `h1` hash over file lists, directories and zips
//! (golang.org/x/mod/sumdb/dirhash).

use crate::support::{self, Tally, bytes_field, bytes_of, cases, str_of};
use crate::zip_conformance::plain_zip;
use gomodfetch::dirhash::{self, H1};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;

/// `(name, content)` pairs of a `files` or `entries` list.
fn named_contents(case: &Value, key: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    cases(case, key)
        .iter()
        .map(|f| {
            (
                bytes_of(f, "name"),
                bytes_field(f, "content").unwrap_or_default(),
            )
        })
        .collect()
}

fn write_files(dir: &Path, files: &[(Vec<u8>, Vec<u8>)]) {
    for (name, content) in files {
        let p = dir.join(String::from_utf8_lossy(name).as_ref());
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
}

fn wants_error(case: &Value) -> bool {
    match case.get("error") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(_)) => true,
        _ => false,
    }
}

fn label(case: &Value, i: usize) -> String {
    case.get("desc")
        .and_then(Value::as_str)
        .map_or_else(|| format!("case {i}"), str::to_string)
}

fn hash1_of(files: &[(Vec<u8>, Vec<u8>)]) -> Result<H1, dirhash::Error> {
    dirhash::hash1(files.iter().map(|f| &f.0), |name| {
        let content = files.iter().find(|f| f.0 == name).map(|f| f.1.as_slice());
        Ok(content.unwrap_or_default())
    })
}

#[test]
fn dirhash_json() {
    let Some(v) = support::vectors("dirhash_json", "dirhash.json") else {
        return;
    };

    let mut t = Tally::new("dirhash.json/hash1");
    for (i, c) in cases(&v, "hash1").iter().enumerate() {
        t.check(label(c, i), || {
            let files = named_contents(c, "files");
            let got = hash1_of(&files);
            if wants_error(c) {
                return match got {
                    Err(e) => match c.get("error").and_then(Value::as_str) {
                        Some(want) if !e.to_string().contains(want) => {
                            Err(format!("error {e:?}, want {want:?}"))
                        }
                        _ => Ok(()),
                    },
                    Ok(h) => Err(format!("got {h}, want an error")),
                };
            }
            let got = got.map_err(|e| e.to_string())?;
            let want = str_of(c, "h1");
            if got != want {
                return Err(format!("got {got}, want {want}"));
            }
            // The summary, when given, is what the hash is taken over.
            if let Some(summary) = bytes_field(c, "summary") {
                let from_summary = H1::from_digest(Sha256::digest(&summary).into());
                if from_summary != want {
                    return Err(format!("summary hashes to {from_summary}, want {want}"));
                }
            }
            Ok(())
        });
    }
    t.finish();

    let mut t = Tally::new("dirhash.json/hash_dir");
    for (i, c) in cases(&v, "hash_dir").iter().enumerate() {
        t.check(label(c, i), || {
            let dir = tempfile::tempdir().unwrap();
            write_files(dir.path(), &named_contents(c, "files"));
            let prefix = str_of(c, "prefix");
            if let Some(names) = c.get("hashed_names").and_then(Value::as_array) {
                let want: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
                let mut got: Vec<String> = dirhash::dir_files(dir.path(), prefix)
                    .map_err(|e| e.to_string())?
                    .into_iter()
                    .map(|n| String::from_utf8_lossy(&n).into_owned())
                    .collect();
                got.sort();
                if got != want {
                    return Err(format!("hashed names {got:?}, want {want:?}"));
                }
            }
            let got = dirhash::hash_dir(dir.path(), prefix).map_err(|e| e.to_string())?;
            let want = str_of(c, "h1");
            (got == want)
                .then_some(())
                .ok_or(format!("got {got}, want {want}"))
        });
    }
    t.finish();

    let mut t = Tally::new("dirhash.json/hash_zip");
    for (i, c) in cases(&v, "hash_zip").iter().enumerate() {
        t.check(label(c, i), || {
            let entries = named_contents(c, "entries");
            let zip = tempfile::NamedTempFile::new().unwrap();
            let bytes = plain_zip(entries.iter().map(|(n, d)| (n.as_slice(), d.as_slice())));
            std::fs::write(zip.path(), bytes).unwrap();
            let got = dirhash::hash_zip(zip.path()).map_err(|e| e.to_string())?;
            let want = str_of(c, "h1");
            (got == want)
                .then_some(())
                .ok_or(format!("got {got}, want {want}"))
        });
    }
    t.finish();

    let mut t = Tally::new("dirhash.json/dir_files");
    for (i, c) in cases(&v, "dir_files").iter().enumerate() {
        t.check(label(c, i), || {
            let dir = tempfile::tempdir().unwrap();
            let prefix = c.get("prefix").and_then(Value::as_str).unwrap_or("");
            let tree: Vec<&str> = cases(c, "tree").iter().filter_map(Value::as_str).collect();
            let expected = c.get("expected").and_then(Value::as_array);
            if wants_error(c) || expected.is_none() {
                // DirFiles given a regular file: an error and no names.
                let file = dir.path().join("not-a-directory.txt");
                std::fs::write(&file, "This is a file.").unwrap();
                return match dirhash::dir_files(&file, prefix) {
                    Err(e) if e.to_string().ends_with("is not a directory") => Ok(()),
                    Err(e) => Err(format!("unexpected error {e}")),
                    Ok(names) => Err(format!("got names {names:?}, want an error")),
                };
            }
            for name in &tree {
                let p = dir.path().join(name);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, format!("data for {name}")).unwrap();
            }
            let got: Vec<String> = dirhash::dir_files(dir.path(), prefix)
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|n| String::from_utf8_lossy(&n).into_owned())
                .collect();
            let want: Vec<&str> = expected
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            (got == want)
                .then_some(())
                .ok_or(format!("got {got:?}, want {want:?}"))
        });
    }
    t.finish();

    let mut t = Tally::new("dirhash.json/known_constants");
    for (i, c) in cases(&v, "known_constants").iter().enumerate() {
        t.check(label(c, i), || {
            let want = str_of(c, "h1");
            let empty = hash1_of(&[]).map_err(|e| e.to_string())?;
            let zip = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(zip.path(), plain_zip([])).unwrap();
            let empty_zip = dirhash::hash_zip(zip.path()).map_err(|e| e.to_string())?;
            if empty != want || empty_zip != want {
                return Err(format!(
                    "empty set {empty}, empty zip {empty_zip}, want {want}"
                ));
            }
            Ok(())
        });
    }
    t.finish();
}
