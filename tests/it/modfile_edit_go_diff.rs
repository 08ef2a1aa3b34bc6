//! Differential test of go.mod and go.work editing against `go mod edit` and
//! `go work edit` with editing flags: the same edits through our API (then
//! `SortBlocks` and `Cleanup`, as those commands do) must print the same `-json`
//! and `-print` output.

use crate::support::{self, Go, Tally};
use gomodfetch::modfile::{self, VersionInterval};
use std::path::Path;

/// go.mod files to edit.
const BASES: &[&str] = &[
    "module example.com/m\n\ngo 1.20\n\nrequire example.com/a v1.0.0\n",
    "module example.com/m\n\ngo 1.21\n\n// direct\nrequire (\n\texample.com/a v1.0.0 // keep me\n\texample.com/b v1.0.0 // indirect\n\n\texample.com/c v1.0.0\n)\n\nrequire example.com/d v1.0.0 // indirect\n\nexclude example.com/a v0.9.0\n\nreplace example.com/b => ../b\n\nretract v0.1.0 // oops\n",
    "module example.com/m\n",
    "// leading comment\n\nrequire example.com/a v1.0.0\n",
    "",
    "module example.com/m\n\ngo 1.16\n\nexclude (\n\texample.com/a v1.10.0\n\texample.com/a v1.9.0\n)\n\ntool example.com/t\n\nignore ./x\n\ngodebug x=0\n",
];

/// Edit flag sets, each applied to every base.
const EDITS: &[&[&str]] = &[
    &["-require=example.com/b@v1.2.0"],
    &[
        "-require=example.com/a@v1.1.0",
        "-require=example.com/z@v0.1.0",
    ],
    &["-droprequire=example.com/a", "-droprequire=example.com/c"],
    &["-droprequire=example.com/b", "-droprequire=example.com/d"],
    &[
        "-exclude=example.com/a@v1.0.0",
        "-exclude=example.com/a@v1.1.0",
        "-exclude=example.com/q@v2.0.0+incompatible",
    ],
    &[
        "-dropexclude=example.com/a@v0.9.0",
        "-dropexclude=example.com/a@v1.9.0",
    ],
    &[
        "-replace=example.com/a=../a",
        "-replace=example.com/a@v1.0.0=example.com/n@v1.1.0",
    ],
    &[
        "-replace=example.com/b@v1.0.0=../b2",
        "-replace=example.com/b=example.com/bb@v1.0.0",
    ],
    &[
        "-dropreplace=example.com/b",
        "-dropreplace=example.com/a@v1.0.0",
    ],
    &["-retract=v1.0.0", "-retract=[v1.1.0,v1.2.0]"],
    &["-dropretract=v0.1.0"],
    &["-go=1.22"],
    &["-go=none"],
    &["-toolchain=go1.22.1"],
    &["-go=1.23.0", "-toolchain=go1.23.4"],
    &["-toolchain=none"],
    &["-godebug=x=1", "-godebug=y=2", "-dropgodebug=z"],
    &["-dropgodebug=x"],
    &[
        "-tool=example.com/a/cmd",
        "-tool=example.com/b",
        "-tool=example.com/a/cmd",
    ],
    &["-droptool=example.com/t"],
    &["-ignore=./y", "-ignore=./a"],
    &["-dropignore=./x"],
    &["-module=example.com/n"],
    &[
        "-module=example.com/n",
        "-go=1.21",
        "-require=example.com/a@v1.2.3",
        "-exclude=example.com/a@v1.2.2",
    ],
    &["-fmt"],
];

/// Applies `go mod edit` flags through our API, in Go's order: `-module`, `-go` and
/// `-toolchain` first, then the other edits as given.
fn apply_mod_edits(f: &mut modfile::File, flags: &[&str]) -> Result<(), String> {
    let value =
        |flag: &str, name: &str| flag.strip_prefix(&format!("-{name}=")).map(str::to_string);
    for flag in flags {
        if let Some(p) = value(flag, "module") {
            f.add_module_stmt(&p);
        }
    }
    for flag in flags {
        if let Some(v) = value(flag, "go") {
            if v == "none" {
                f.drop_go_stmt();
            } else {
                f.add_go_stmt(&v).map_err(|e| e.to_string())?;
            }
        }
    }
    for flag in flags {
        if let Some(v) = value(flag, "toolchain") {
            if v == "none" {
                f.drop_toolchain_stmt();
            } else {
                f.add_toolchain_stmt(&v).map_err(|e| e.to_string())?;
            }
        }
    }
    for flag in flags {
        let Some((name, arg)) = flag.trim_start_matches('-').split_once('=') else {
            continue;
        };
        let at = |s: &str| -> (String, String) {
            match s.split_once('@') {
                Some((p, v)) => (p.to_string(), v.to_string()),
                None => (s.to_string(), String::new()),
            }
        };
        let interval = |s: &str| -> VersionInterval {
            match s
                .strip_prefix('[')
                .and_then(|s| s.strip_suffix(']'))
                .and_then(|s| s.split_once(','))
            {
                Some((lo, hi)) => VersionInterval {
                    low: lo.trim().into(),
                    high: hi.trim().into(),
                },
                None => VersionInterval {
                    low: s.into(),
                    high: s.into(),
                },
            }
        };
        match name {
            "module" | "go" | "toolchain" => {}
            "require" => {
                let (p, v) = at(arg);
                f.add_require(&p, &v);
            }
            "droprequire" => f.drop_require(arg),
            "exclude" => {
                let (p, v) = at(arg);
                f.add_exclude(&p, &v).map_err(|e| e.to_string())?;
            }
            "dropexclude" => {
                let (p, v) = at(arg);
                f.drop_exclude(&p, &v);
            }
            "replace" => {
                let (old, new) = arg.split_once('=').ok_or("bad -replace")?;
                let (op, ov) = at(old);
                let (np, nv) = at(new);
                f.add_replace(&op, &ov, &np, &nv);
            }
            "dropreplace" => {
                let (p, v) = at(arg);
                f.drop_replace(&p, &v);
            }
            "retract" => f
                .add_retract(&interval(arg), "")
                .map_err(|e| e.to_string())?,
            "dropretract" => f.drop_retract(&interval(arg)),
            "godebug" => {
                let (k, v) = arg.split_once('=').ok_or("bad -godebug")?;
                f.add_godebug(k, v);
            }
            "dropgodebug" => f.drop_godebug(arg),
            "tool" => f.add_tool(arg),
            "droptool" => f.drop_tool(arg),
            "ignore" => f.add_ignore(arg),
            "dropignore" => f.drop_ignore(arg),
            other => return Err(format!("test does not know -{other}")),
        }
    }
    f.sort_blocks();
    f.cleanup();
    Ok(())
}

fn run(go: &Go, home: &Path, dir: &Path, args: &[&str]) -> Result<(bool, String, Vec<u8>), String> {
    let out = go
        .command(dir, home)
        .args(args)
        .output()
        .map_err(|e| format!("running go: {e}"))?;
    Ok((
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.stdout,
    ))
}

fn check_mod(go: &Go, home: &Path, dir: &Path, base: &str, flags: &[&str]) -> Result<(), String> {
    std::fs::write(dir.join("go.mod"), base).map_err(|e| e.to_string())?;
    let mut args = vec!["mod", "edit"];
    args.extend(flags);
    let with = |last: &'static str| {
        let mut a = args.clone();
        a.push(last);
        a.push("go.mod");
        a
    };
    let (ok, stderr, json) = run(go, home, dir, &with("-json"))?;
    let mut f = modfile::parse("go.mod", base.as_bytes(), None).map_err(|e| e.to_string())?;
    let ours = apply_mod_edits(&mut f, flags);
    match (ok, ours) {
        (true, Ok(())) => {}
        (false, Err(e)) => {
            return if stderr.contains(&e) {
                Ok(())
            } else {
                Err(format!("errors differ: go {stderr:?}, ours {e:?}"))
            };
        }
        (true, Err(e)) => return Err(format!("go succeeded, we failed: {e}")),
        (false, Ok(())) => return Err(format!("go failed, we succeeded: {stderr}")),
    }
    let our_json = modfile::mod_json(&f);
    if our_json.as_bytes() != json {
        return Err(format!(
            "-json differs:\n--- go\n{}--- ours\n{our_json}",
            String::from_utf8_lossy(&json)
        ));
    }
    let (_, _, print) = run(go, home, dir, &with("-print"))?;
    let ours = f.format();
    if ours != print {
        return Err(format!(
            "-print differs:\n--- go\n{}--- ours\n{}",
            String::from_utf8_lossy(&print),
            String::from_utf8_lossy(&ours)
        ));
    }
    Ok(())
}

#[test]
fn modfile_edit_go_diff() {
    let test = "modfile_edit_go_diff";
    let Some(go) = support::go(test) else { return };
    let home = tempfile::tempdir().expect("tempdir");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut t = Tally::new("go mod edit flags vs modfile edits");
    for (i, base) in BASES.iter().enumerate() {
        for flags in EDITS {
            t.check(format!("base {i} {flags:?}"), || {
                check_mod(&go, home.path(), dir.path(), base, flags)
            });
        }
    }
    t.finish();
}

/// go.work files to edit, and `go work edit` flag sets.
const WORK_BASES: &[&str] = &[
    "go 1.21\n\nuse ./a\n",
    "// comment\n\nuse (\n\t./b\n\t./a // a\n)\n\nreplace example.com/x => ../x\n",
    "",
];
const WORK_EDITS: &[&[&str]] = &[
    &["-use=./c"],
    &["-use=./a", "-use=./z"],
    &["-dropuse=./a"],
    &["-go=1.22"],
    &["-go=none"],
    &["-toolchain=go1.22.0"],
    &["-go=1.22", "-toolchain=go1.22.0"],
    &[
        "-replace=example.com/x=../y",
        "-replace=example.com/q@v1.0.0=example.com/r@v1.0.1",
    ],
    &["-dropreplace=example.com/x"],
    &["-fmt"],
];

fn check_work(go: &Go, home: &Path, dir: &Path, base: &str, flags: &[&str]) -> Result<(), String> {
    std::fs::write(dir.join("go.work"), base).map_err(|e| e.to_string())?;
    let mut f = modfile::parse_work("go.work", base.as_bytes(), None).map_err(|e| e.to_string())?;
    let value =
        |flag: &str, name: &str| flag.strip_prefix(&format!("-{name}=")).map(str::to_string);
    for flag in flags {
        match value(flag, "go").as_deref() {
            Some("none") => f.drop_go_stmt(),
            Some(v) => f.add_go_stmt(v).map_err(|e| e.to_string())?,
            None => {}
        }
    }
    for flag in flags {
        match value(flag, "toolchain").as_deref() {
            Some("none") => f.drop_toolchain_stmt(),
            Some(v) => f.add_toolchain_stmt(v).map_err(|e| e.to_string())?,
            None => {}
        }
    }
    let at = |s: &str| -> (String, String) {
        match s.split_once('@') {
            Some((p, v)) => (p.to_string(), v.to_string()),
            None => (s.to_string(), String::new()),
        }
    };
    for flag in flags {
        if let Some(d) = value(flag, "use") {
            f.add_use(&d, "");
        } else if let Some(d) = value(flag, "dropuse") {
            f.drop_use(&d);
        } else if let Some(r) = value(flag, "replace") {
            let (old, new) = r.split_once('=').ok_or("bad -replace")?;
            let ((op, ov), (np, nv)) = (at(old), at(new));
            f.add_replace(&op, &ov, &np, &nv);
        } else if let Some(r) = value(flag, "dropreplace") {
            let (p, v) = at(&r);
            f.drop_replace(&p, &v);
        }
    }
    f.sort_blocks();
    f.cleanup();

    for (last, ours) in [
        ("-json", modfile::work_json(&f).into_bytes()),
        ("-print", modfile::format(&f.syntax)),
    ] {
        let mut args = vec!["work", "edit"];
        args.extend(flags);
        args.extend([last, "go.work"]);
        let (ok, stderr, out) = run(go, home, dir, &args)?;
        if !ok {
            return Err(format!("go work edit failed: {stderr}"));
        }
        if out != ours {
            return Err(format!(
                "{last} differs:\n--- go\n{}--- ours\n{}",
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&ours)
            ));
        }
    }
    Ok(())
}

#[test]
fn modfile_work_edit_go_diff() {
    let test = "modfile_work_edit_go_diff";
    let Some(go) = support::go(test) else { return };
    let home = tempfile::tempdir().expect("tempdir");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut t = Tally::new("go work edit flags vs modfile edits");
    for (i, base) in WORK_BASES.iter().enumerate() {
        for flags in WORK_EDITS {
            t.check(format!("base {i} {flags:?}"), || {
                check_work(&go, home.path(), dir.path(), base, flags)
            });
        }
    }
    t.finish();
}
