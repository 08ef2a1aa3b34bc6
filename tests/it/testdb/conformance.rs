//! `proxy_modules.json` → `test_sumdb`: the database built over `proxy_modules/` holds
//! Go's test proxy's records in Go's order, and serves Go's tree head, byte for byte.

use super::{escaped, get, serve};
use crate::support::{self, Tally, cases, str_of};
use gomodfetch::testkit::sumdb::Trigger;
use serde_json::Value;
use std::collections::HashMap;

const TEST: &str = "testdb::conformance";

#[test]
fn reproduces_test_sumdb() {
    let (Some(dir), Some(json)) = (
        support::conformance(TEST, "proxy_modules"),
        support::conformance(TEST, "proxy_modules.json"),
    ) else {
        return;
    };
    let doc: Value = serde_json::from_slice(&std::fs::read(json).expect("read")).expect("parse");
    let want = &doc["test_sumdb"];
    let order: Vec<&str> = cases(want, "record_order")
        .iter()
        .map(|v| v.as_str().expect("record_order holds strings"))
        .collect();
    let served = serve(&dir, None, Trigger::Start);
    let db = &served.db;
    let addr = served.proxy.addr();
    let records = db.records();
    let head = db.signed_head().expect("signing");
    let mut t = Tally::new("proxy_modules.json/test_sumdb");

    let keys: Vec<&str> = records.iter().map(|(k, _)| k.as_str()).collect();
    t.eq("record_order", keys.clone(), order.clone());
    let tree = db.tree().expect("tree");
    t.eq("tree_size", Some(tree.n), want["tree_size"].as_u64());
    t.eq(
        "tree_hash",
        tree.hash.to_string(),
        str_of(want, "tree_hash").into(),
    );
    let signed = str_of(want, "signed_tree_head");
    t.eq(
        "signed_tree_head",
        String::from_utf8_lossy(&head).into_owned(),
        signed.to_string(),
    );
    for (label, path) in [
        (
            "GET sumdb/<name>/latest",
            "/mod/sumdb/localhost.localdev/sumdb/latest",
        ),
        ("GET sumdb-direct/latest", "/mod/sumdb-direct/latest"),
    ] {
        t.eq(label, get(addr, path), (200, signed.as_bytes().to_vec()));
    }

    // Every module: served ones hold the record the fixture names, at the id the
    // order gives, and a lookup through the proxy returns it with the signed head;
    // unserved ones have no record.
    let ids: HashMap<&str, usize> = order.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let texts: HashMap<&str, &[u8]> = records
        .iter()
        .map(|(k, text)| (k.as_str(), text.as_slice()))
        .collect();
    for m in cases(&doc, "modules") {
        let file = str_of(m, "file");
        if m["served"].as_bool() != Some(true) {
            let key = match (m["path"].as_str(), m["version"].as_str()) {
                (Some(p), Some(v)) => format!("{p}@{v}"),
                _ => continue,
            };
            t.check(format!("{file} (not served)"), || {
                if texts.contains_key(key.as_str()) {
                    return Err(format!("{key} has a record"));
                }
                Ok(())
            });
            continue;
        }
        let (path, version) = (str_of(m, "path"), str_of(m, "version"));
        let key = format!("{path}@{version}");
        t.check(&key, || {
            let record = str_of(m, "sumdb_record");
            let got = texts.get(key.as_str()).ok_or("no record")?;
            if *got != record.as_bytes() {
                return Err(format!(
                    "record {:?}, want {record:?}",
                    String::from_utf8_lossy(got)
                ));
            }
            let id = ids.get(key.as_str()).ok_or("not in record_order")?;
            let mut body = format!("{id}\n{record}\n").into_bytes();
            body.extend_from_slice(signed.as_bytes());
            let url = format!(
                "/mod/sumdb/localhost.localdev/sumdb/lookup/{}",
                escaped(path, version)
            );
            let (status, got) = get(addr, &url);
            if (status, &got) != (200, &body) {
                return Err(format!(
                    "GET {url}: {status} {:?}",
                    String::from_utf8_lossy(&got)
                ));
            }
            Ok(())
        });
    }
    t.finish();
}
