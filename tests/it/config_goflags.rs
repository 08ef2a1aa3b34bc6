//! The table of flags GOFLAGS may name (`config::goflags::KNOWN_FLAGS`) against the
//! real `go`.
//!
//! Always: every name in the table, and near misses derived from it (a letter added,
//! dropped or upper-cased, and names other tools use), are accepted or rejected by
//! `go mod download`'s GOFLAGS check exactly as the table says.
//!
//! With `GOMODFETCH_GOFLAGS_DUMP=1` (slow: compiles cmd/go): rebuilds `cmd/go` from
//! the toolchain's sources with one extra file that prints every flag of every
//! command, and compares that whole list with the table — the derivation described
//! in `config::goflags`.

use crate::support::{self, Tally};
use gomodfetch::config::goflags::{KNOWN_FLAGS, is_known_flag};
use std::collections::BTreeSet;
use std::process::Command;

const DUMP_FILE: &str = r#"package main

import (
	"flag"
	"fmt"
	"os"

	"cmd/go/internal/base"
)

func init() {
	if os.Getenv("GOMODFETCH_FLAGDUMP") == "" {
		return
	}
	var walk func(c *base.Command)
	walk = func(c *base.Command) {
		c.Flag.VisitAll(func(f *flag.Flag) { fmt.Println(f.Name) })
		for _, s := range c.Commands {
			walk(s)
		}
	}
	walk(base.Go)
	os.Exit(0)
}
"#;

fn candidates() -> BTreeSet<String> {
    let mut out: BTreeSet<String> = KNOWN_FLAGS.iter().map(|s| s.to_string()).collect();
    for f in KNOWN_FLAGS {
        out.insert(format!("{f}x"));
        out.insert(f.to_uppercase());
        if f.len() > 1 {
            out.insert(f[..f.len() - 1].to_string());
        }
    }
    for f in [
        "h",
        "help",
        "jobs",
        "verbose",
        "stream-json",
        "no-progress",
        "printf",
        "cmd",
        "all",
        "version",
        "debug",
        "test.x",
        "json2",
        "q",
        "y",
        "z",
        "B",
        "l",
    ] {
        out.insert(f.to_string());
    }
    out
}

/// Whether `go mod download` rejects GOFLAGS=-name=1 as an unknown flag.
fn go_rejects(go: &support::Go, sb: &support::Sandbox, name: &str) -> bool {
    let out = go
        .command(sb, sb.work_dir())
        .env("GOFLAGS", format!("-{name}=1"))
        .args(["mod", "download", "x.example/a@v1.0.0"])
        .output()
        .expect("running go");
    String::from_utf8_lossy(&out.stderr).contains(&format!("unknown flag -{name}\n"))
}

#[test]
fn known_flags_match_go() {
    let Some(go) = support::go("known_flags_match_go") else {
        return;
    };
    let sb = support::sandbox();
    let mut tally = Tally::new("config-go-diff/goflags-names");
    for name in candidates() {
        let rejected = go_rejects(&go, &sb, &name);
        tally.eq(format!("-{name}"), is_known_flag(&name), !rejected);
    }
    tally.finish();
}

#[test]
fn known_flags_equal_cmd_go_dump() {
    if std::env::var("GOMODFETCH_GOFLAGS_DUMP").as_deref() != Ok("1") {
        eprintln!("known_flags_equal_cmd_go_dump: set GOMODFETCH_GOFLAGS_DUMP=1 to run (slow)");
        return;
    }
    let Some(go) = support::go("known_flags_equal_cmd_go_dump") else {
        return;
    };
    let sb = support::sandbox();
    let goroot = support::oracle::goroot(&go, &sb).unwrap_or_else(|e| panic!("{e}"));
    let file = sb.root().join("zz_flagdump.go");
    std::fs::write(&file, DUMP_FILE).expect("write");
    let overlay = sb.root().join("overlay.json");
    let target = goroot.join("src/cmd/go/zz_flagdump.go");
    let json =
        serde_json::json!({ "Replace": { target.to_string_lossy(): file.to_string_lossy() } });
    std::fs::write(&overlay, json.to_string()).expect("write");
    let bin = sb.root().join("godump");
    let out = go
        .command(&sb, sb.root())
        .arg("build")
        .arg(format!("-overlay={}", overlay.display()))
        .arg("-o")
        .arg(&bin)
        .arg("cmd/go")
        .output()
        .expect("go build");
    assert!(
        out.status.success(),
        "building cmd/go: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(&bin)
        .env("GOMODFETCH_FLAGDUMP", "1")
        .output()
        .expect("running the dump");
    let dumped: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let ours: BTreeSet<String> = KNOWN_FLAGS.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        ours.symmetric_difference(&dumped).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "KNOWN_FLAGS differs from cmd/go's flags"
    );
}
