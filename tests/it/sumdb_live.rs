//! Opt-in live test (`GOMODFETCH_LIVE=1`): a handful of popular modules downloaded by
//! `go` and by gomodfetch through the machine's own GOPROXY and GOSUMDB (as its `go
//! env` reports them: by default `$GOROOT/go.env`'s public database), each tool in its
//! own sandbox, then the checksum-database state compared:
//!
//! * the same `-json` output and module cache outside `cache/download/sumdb`;
//! * the same lookup files, with identical records (the signed head that follows a
//!   record may differ: the public log grows between the two runs);
//! * each `latest` a head of the same database, and when both trust a tree of the same
//!   size, the same tile files byte for byte;
//! * each tool accepts the other's state: go downloads one more module in our
//!   sandbox, and we in go's (each checks its new head against the other's `latest`,
//!   reading the other's cached tiles).

use crate::download_diff::{GOMODFETCH, line_diff, same_snapshots};
use crate::support::{self, Tally};
use gomodfetch::testkit::gocmd::{Go, Run, Sandbox};
use gomodfetch::testkit::tree::{Kind, Snapshot, SnapshotOptions};
use std::collections::BTreeMap;

const TEST: &str = "sumdb_live";

/// Popular modules (the database surely has them).
const MODULES: [&str; 6] = [
    "golang.org/x/text@v0.14.0",
    "github.com/google/uuid@v1.6.0",
    "github.com/spf13/cobra@v1.8.0",
    "github.com/stretchr/testify@v1.9.0",
    "gopkg.in/yaml.v3@v3.0.1",
    "github.com/pkg/errors@v0.9.1",
];
/// Downloaded afterwards by each tool in the other's sandbox.
const EXTRA: &str = "golang.org/x/mod@v0.17.0";

/// The machine's `go env GOPROXY GOSUMDB` (its env, env file and `$GOROOT/go.env`).
fn machine_env(go: &Go) -> Option<(String, String)> {
    let out = std::process::Command::new(go.bin())
        .args(["env", "GOPROXY", "GOSUMDB"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = text.lines().map(str::trim).map(str::to_string);
    let (proxy, sumdb) = (lines.next()?, lines.next()?);
    (out.status.success() && !proxy.is_empty() && !sumdb.is_empty()).then_some((proxy, sumdb))
}

fn sandbox((goproxy, gosumdb): &(String, String)) -> Sandbox {
    let mut sb = support::sandbox();
    sb.goproxy(goproxy)
        .gosumdb(gosumdb)
        .gonosumdb("")
        .goprivate("");
    sb
}

fn run(go: &Go, sb: &Sandbox, ours: bool, mods: &[&str]) -> Run {
    let mut args = vec!["download", "-json"];
    args.extend_from_slice(mods);
    if ours {
        sb.run(GOMODFETCH, sb.work_dir(), &args)
            .expect("running gomodfetch")
    } else {
        let mut a = vec!["mod"];
        a.extend(args);
        go.run(sb, sb.work_dir(), &a).expect("running go")
    }
}

/// Every file under the sumdb cache, by path relative to it.
fn sumdb_cache(sb: &Sandbox) -> BTreeMap<String, Vec<u8>> {
    let root = sb.gomodcache().join("cache/download/sumdb");
    let mut out = BTreeMap::new();
    if let Ok(s) = Snapshot::take(&root, &SnapshotOptions::default()) {
        for e in s.entries().filter(|e| e.kind == Kind::File) {
            let rel = e.path.to_string_lossy().replace('\\', "/");
            if let Ok(b) = std::fs::read(root.join(&e.path)) {
                out.insert(rel, b);
            }
        }
    }
    out
}

/// The trusted head: (name line, size).
fn latest(sb: &Sandbox) -> Result<(String, u64, Vec<u8>), String> {
    let dir = sb.gopath().join("pkg/sumdb");
    let snap = Snapshot::take(&dir, &SnapshotOptions::default()).map_err(|e| e.to_string())?;
    let file = snap
        .entries()
        .find(|e| e.kind == Kind::File && e.path.ends_with("latest"))
        .ok_or("no latest")?;
    let bytes = std::fs::read(dir.join(&file.path)).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let size = text
        .lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .ok_or("malformed latest")?;
    Ok((file.path.to_string_lossy().into_owned(), size, bytes))
}

/// A lookup response without the signed head after the record.
fn record_part(body: &[u8]) -> &[u8] {
    match body.windows(2).position(|w| w == b"\n\n") {
        Some(i) => &body[..i + 1],
        None => body,
    }
}

/// The start of a live test: `None` after a loud skip unless `GOMODFETCH_LIVE=1`
/// (or without a `go`), else the real go and the machine's GOPROXY and GOSUMDB.
pub fn live_go(test: &str) -> Option<(Go, (String, String))> {
    if std::env::var("GOMODFETCH_LIVE").as_deref() != Ok("1") {
        eprintln!("SKIPPED {test}: opt-in, needs the network; run with GOMODFETCH_LIVE=1");
        return None;
    }
    let go = support::go(test)?;
    let Some(env) = machine_env(&go) else {
        panic!("{test}: the machine's go reports no GOPROXY or GOSUMDB");
    };
    Some((go, env))
}

#[test]
fn live_default_sumdb() {
    let Some((go, env)) = live_go(TEST) else {
        return;
    };
    let (gsb, osb) = (sandbox(&env), sandbox(&env));
    let g = run(&go, &gsb, false, &MODULES);
    let o = run(&go, &osb, true, &MODULES);
    let mut t = Tally::new("sumdb_live/default GOSUMDB through the machine's GOPROXY");
    t.check("go succeeded", || {
        g.success().then_some(()).ok_or(format!("{g}"))
    });
    t.check("same -json output", || {
        let (a, b) = (
            gsb.normalizer().apply_str(&g.stdout_text()),
            osb.normalizer().apply_str(&o.stdout_text()),
        );
        (a == b).then_some(()).ok_or_else(|| line_diff(&a, &b))
    });
    t.check("same module cache outside sumdb", || {
        let opts = SnapshotOptions::default().ignore("cache/download/sumdb");
        let (a, b) = (
            gsb.cache_snapshot(&opts).map_err(|e| e.to_string())?,
            osb.cache_snapshot(&opts).map_err(|e| e.to_string())?,
        );
        same_snapshots(&a, &b, ("go", "ours"))
    });
    let (gc, oc) = (sumdb_cache(&gsb), sumdb_cache(&osb));
    let lookups = |c: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        c.iter()
            .filter(|(k, _)| k.contains("/lookup/"))
            .map(|(k, v)| (k.clone(), record_part(v).to_vec()))
            .collect()
    };
    t.check("same lookups and records", || {
        let (a, b) = (lookups(&gc), lookups(&oc));
        if a.len() < MODULES.len() {
            return Err(format!("go cached {} lookups", a.len()));
        }
        (a == b).then_some(()).ok_or(format!(
            "go {:?}\nours {:?}",
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>()
        ))
    });
    let (gl, ol) = (latest(&gsb), latest(&osb));
    let mut note = String::new();
    t.check("latest heads of the same database", || {
        let (g, o) = (gl.clone()?, ol.clone()?);
        note = format!(
            "database {}: go trusts a tree of size {}, gomodfetch {}",
            g.0.trim_end_matches("/latest"),
            g.1,
            o.1
        );
        if g.0 != o.0 {
            return Err(format!("go {} ours {}", g.0, o.0));
        }
        let tiles = |c: &BTreeMap<String, Vec<u8>>| -> Vec<String> {
            c.keys().filter(|k| k.contains("/tile/")).cloned().collect()
        };
        if g.1 == o.1 && g.2 != o.2 {
            return Err("same size, different heads".into());
        }
        // Every tile go cached, ours has byte for byte when both trust the same
        // tree. Ours may hold more: the proxy answers cached lookups with the heads of
        // when they were first served, and which older heads get their own partial
        // tiles read depends on the order lookups are checked in — go checks them in
        // argument order, one at a time (reordering the arguments changes go's tiles),
        // gomodfetch as they arrive.
        let (a, b) = (tiles(&gc), tiles(&oc));
        let extra: Vec<&String> = b.iter().filter(|k| !a.contains(k)).collect();
        if g.1 == o.1 {
            for k in &a {
                match oc.get(k) {
                    Some(d) if *d == gc[k] => {}
                    Some(_) => return Err(format!("tile {k} differs")),
                    None => return Err(format!("tile {k} missing in ours")),
                }
            }
            note.push_str(&format!(
                "; same head; go's {} tiles all in ours byte for byte; ours {} more: {extra:?}",
                a.len(),
                extra.len()
            ));
        } else {
            note.push_str("; the log grew between the runs, tiles not compared");
        }
        Ok(())
    });
    // Each tool continues from the other's state.
    for (name, sb, ours) in [
        ("go continues from ours", &osb, false),
        ("ours continues from go's", &gsb, true),
    ] {
        let r = run(&go, sb, ours, &[EXTRA]);
        t.check(name, || r.success().then_some(()).ok_or(format!("{r}")));
    }
    support::note(TEST, &note);
    t.finish();
}
