//! `GOSUMDB` values read by `sumdb::gosumdb` and by the real `go`: the same values are
//! accepted, and rejected with the same message.
//!
//! The go command reads `GOSUMDB` only when it verifies a download, so each value is
//! tried with `go mod download -json` of a module from a small `file://` proxy. A value
//! that go rejects shows its error after `verifying go.mod: `; one it accepts gets as
//! far as a lookup, which we aim at `127.0.0.1:1` (or the proxy) so that nothing leaves
//! the machine. The go command's built-in key is read from its sources at test time,
//! so the public database's name never appears here.

use crate::support::{self, Go, Sandbox, Tally, oracle};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gomodfetch::sumdb::gosumdb::{GosumdbError, parse_gosumdb};
use gomodfetch::sumdb::note::key_pair_from_seed;
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::path::Path;

const MODULE: &str = "example.com/m@v1.0.0";
/// Where a lookup with an explicit URL goes: refused at once, no DNS.
const NOWHERE: &str = "http://127.0.0.1:1/";

#[test]
fn gosumdb_values_as_go_reads_them() {
    let Some(go) = support::go("gosumdb_values_as_go_reads_them") else {
        return;
    };
    let mut sb = support::sandbox();
    let proxy = sb.root().join("proxy");
    write_proxy(&proxy);
    sb.goproxy(format!("file://{}", proxy.display()));

    let mut t = Tally::new("gosumdb_go/values");
    for (n, value) in values().iter().enumerate() {
        t.check(format!("{value:?}"), || compare(&go, &sb, n, value));
    }
    t.finish();

    // The built-in keys: a bare known name expands to the key go lists for it.
    let mut t = Tally::new("gosumdb_go/known_keys");
    let known = match known_keys(&go, &sb) {
        Ok(k) => k,
        Err(e) => panic!("reading go's built-in keys: {e}"),
    };
    for (i, (name, key)) in known.iter().enumerate() {
        t.check(format!("built-in key #{i}"), || {
            let got = parse_gosumdb(name).map_err(|e| e.to_string())?;
            let got = got.ok_or("read as off")?;
            if got.verifier_key != *key || got.name != *name {
                return Err(format!("expanded to {}", got.verifier_key));
            }
            compare(&go, &sb, 1000 + i, &format!("{name} {NOWHERE}"))
        });
    }
    t.finish();
}

/// Every form we check: field errors, key errors, names go rejects, names it accepts,
/// URL errors and accepted URLs.
fn values() -> Vec<String> {
    let key = |name: &str| key_pair_from_seed(name, &[7; 32]).1;
    let mut values: Vec<String> = ["off", " off", "x y z", " \t", "foo", "x+00000000+AQ== u"]
        .map(String::from)
        .to_vec();
    values.push(raw_key("db.example", &[2, 0]));
    values.push(raw_key("db.example", &[1, 0]));
    values.push(format!("{} {NOWHERE}", key("h/a b")));
    for name in [
        "a/", "a?b", "a?", "a/b?", "a#b", "u@a", "u:p@a", "/a", "a/b%2fc", "a/b%41", "a%zz",
        "a%41", "a:x", "[zz]", "a/%zz",
    ] {
        values.push(key(name));
    }
    for name in [
        "db.example",
        "db.example/sub",
        "a#",
        "a:80",
        "A.Com/P",
        "a//b",
        "[::1]",
        "\u{e9}.example",
    ] {
        values.push(format!("{} {NOWHERE}", key(name)));
    }
    let db = key("db.example");
    for url in [
        "::",
        "%zz",
        "http://[zz]/",
        "http://a:x/",
        "http://h/#%zz",
        "mailto:x",
        "http://127.0.0.1:1/p?q#f",
    ] {
        values.push(format!("{db} {url}"));
    }
    values.push(format!("{} %zz", key("a/")));
    values
}

/// A verifier key with a correct hash over arbitrary key bytes.
fn raw_key(name: &str, key: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update(key);
    let sum = h.finalize();
    format!("{name}+{}+{}", oracle::hex(&sum[..4]), STANDARD.encode(key))
}

/// Runs go with `GOSUMDB=value` and compares its verdict with ours.
fn compare(go: &Go, sb: &Sandbox, n: usize, value: &str) -> Result<(), String> {
    let out = go
        .command(sb, sb.work_dir())
        .env("GOSUMDB", value)
        .env("GOMODCACHE", sb.root().join(format!("modcache{n}")))
        .args(["mod", "download", "-json", MODULE])
        .output()
        .map_err(|e| format!("running go: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ours = parse_gosumdb(value);
    if stderr.contains("panic: runtime error") {
        // go crashes on names url.Parse rejects; we report the parse error.
        return match ours {
            Err(GosumdbError::UnparsableName { .. }) => Ok(()),
            other => Err(format!("go crashed; we said {other:?}")),
        };
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "go's output {:?}: {e}",
            String::from_utf8_lossy(&out.stdout)
        )
    })?;
    let go_error = json["Error"].as_str().unwrap_or("");
    let config_error = go_error.strip_prefix(&format!("{MODULE}: verifying go.mod: "));
    // A lookup failure names the go.mod it looked up; anything else is a config error.
    let looked_up = config_error.is_some_and(|e| e.starts_with(&format!("{MODULE}/go.mod: ")))
        || (value == "off" && go_error.is_empty());
    match ours {
        Ok(_) if looked_up => Ok(()),
        Err(e) if config_error == Some(e.to_string().as_str()) => Ok(()),
        ours => Err(format!("go said {go_error:?}; we said {ours:?}")),
    }
}

/// go's `knownGOSUMDB` table, read from `$GOROOT/src/cmd/go/internal/modfetch/key.go`:
/// (name, verifier key) for each `"name": "key",` line.
fn known_keys(go: &Go, sb: &Sandbox) -> Result<Vec<(String, String)>, String> {
    let path = oracle::goroot(go, sb)?.join("src/cmd/go/internal/modfetch/key.go");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let known: Vec<(String, String)> = text
        .lines()
        .filter_map(|line| {
            let quoted: Vec<&str> = line.split('"').collect();
            match quoted.as_slice() {
                [_, name, colon, key, _] if colon.trim() == ":" => {
                    Some((name.to_string(), key.to_string()))
                }
                _ => None,
            }
        })
        .collect();
    if known.is_empty() {
        return Err(format!("no keys found in {}", path.display()));
    }
    Ok(known)
}

/// A `file://` proxy serving one tiny module.
fn write_proxy(root: &Path) {
    let dir = root.join("example.com/m/@v");
    std::fs::create_dir_all(&dir).expect("mkdir proxy");
    let gomod = "module example.com/m\n";
    std::fs::write(dir.join("list"), "v1.0.0\n").expect("write list");
    std::fs::write(
        dir.join("v1.0.0.info"),
        r#"{"Version":"v1.0.0","Time":"2020-01-01T00:00:00Z"}"#,
    )
    .expect("write info");
    std::fs::write(dir.join("v1.0.0.mod"), gomod).expect("write mod");
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        format!("{MODULE}/go.mod"),
        zip::write::SimpleFileOptions::default(),
    )
    .expect("zip entry");
    zip.write_all(gomod.as_bytes()).expect("zip write");
    let bytes = zip.finish().expect("zip finish").into_inner();
    std::fs::write(dir.join("v1.0.0.zip"), bytes).expect("write zip");
}
