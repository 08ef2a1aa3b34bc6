//! Differential tests of `config` against the real `go`.
//!
//! 1. Resolution: for many combinations of process variables (set, empty — which
//!    must fall through — or unset), user env files (`GOENV` naming a file, a relative
//!    file, `GOENV=off`, the XDG and `$HOME` defaults) and fake GOROOTs with their own
//!    `go.env` (through `$GOROOT`, a `GOROOT` line in the user file, both, or the real
//!    installation found through `PATH`), our resolved values equal
//!    `go env -json <VARS>`.
//! 2. Start-up failures: for bad GOFLAGS, bad flags, misplaced `-C`, bad GOPATH,
//!    GO111MODULE, bad GOPROXY and a relative GOMODCACHE, our stderr text and exit
//!    status equal what `go mod download` prints (with `GOPROXY=off` or a local
//!    `file://` tree, so nothing is fetched from the network).
//!
//! Every command runs with a cleared environment built by the test, never the
//! developer's.

use crate::support::oracle::Rng;
use crate::support::{self, Tally};
use gomodfetch::config::{self, Config, Env};
use gomodfetch::testkit::universe::{Package, Universe};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The variables compared with `go env -json`.
const VARS: &[&str] = &[
    "GOPROXY",
    "GONOPROXY",
    "GONOSUMDB",
    "GOPRIVATE",
    "GOSUMDB",
    "GOMODCACHE",
    "GOPATH",
    "GOFLAGS",
    "GOINSECURE",
    "GOVCS",
    "GOAUTH",
    "GOTOOLCHAIN",
    "GOROOT",
    "GO111MODULE",
];

type Vars = BTreeMap<String, String>;

/// A temporary world: `home/`, `work/` (the working directory), two fake GOROOTs.
struct World {
    _dir: tempfile::TempDir,
    root: PathBuf,
    go_bin_dir: PathBuf,
}

impl World {
    fn new(go: &support::Go) -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        for d in [
            "home",
            "work",
            "xdg/go",
            "goroot1",
            "goroot2",
            "emptyroot",
            "h/go/pkg/tool",
        ] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir");
        }
        let go_bin_dir = go.bin().parent().map(Path::to_path_buf).unwrap_or_default();
        World {
            _dir: dir,
            root,
            go_bin_dir,
        }
    }

    fn path(&self, rel: &str) -> String {
        self.root.join(rel).to_string_lossy().into_owned()
    }

    /// `$T` in a value stands for the world's root.
    fn expand(&self, v: &str) -> String {
        v.replace("$T", &self.root.to_string_lossy())
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.root.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, self.expand(text)).expect("write");
    }

    /// The base environment: PATH to the go under test, HOME, no toolchain switch.
    fn base(&self) -> Vars {
        let mut v = Vars::new();
        v.insert(
            "PATH".into(),
            self.go_bin_dir.to_string_lossy().into_owned(),
        );
        v.insert("HOME".into(), self.path("home"));
        v.insert("GOTOOLCHAIN".into(), "local".into());
        v.insert("GOCACHE".into(), self.path("gocache"));
        v
    }

    fn command(&self, go: &support::Go, vars: &Vars) -> Command {
        let mut c = Command::new(go.bin());
        c.env_clear()
            .envs(vars.iter().map(|(k, v)| (k, self.expand(v))))
            .current_dir(self.root.join("work"));
        c
    }

    fn env(&self, vars: &Vars) -> Env {
        Env::from_map(
            vars.iter().map(|(k, v)| (k.clone(), self.expand(v))),
            self.root.join("work"),
        )
    }
}

/// `go env -json VARS` in the world.
fn go_env(go: &support::Go, w: &World, vars: &Vars) -> Result<Vars, String> {
    let out = w
        .command(go, vars)
        .args(["env", "-json"])
        .args(VARS)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "go env failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("go env -json output: {e}"))
}

fn our_env(w: &World, vars: &Vars) -> Result<Vars, String> {
    let c = Config::resolve(&w.env(vars)).map_err(|e| e.to_string())?;
    Ok(VARS
        .iter()
        .map(|k| (k.to_string(), c.go_env(k).unwrap_or_default()))
        .collect())
}

/// Candidate values per variable (absolute paths only where Go would reject others
/// at start-up).
fn values(var: &str) -> &'static [&'static str] {
    match var {
        "GOPROXY" => &[
            "file:///nonexistent/p,direct",
            "off",
            "direct",
            " , ",
            "x.example|off",
        ],
        "GONOPROXY" | "GONOSUMDB" | "GOPRIVATE" | "GOINSECURE" => {
            &["*.corp", "a.example/x,b.example", "none"]
        }
        "GOSUMDB" => &["off", "db.example", "db.example+key https://db.example"],
        "GOMODCACHE" => &["$T/mc1", "rel/mc", "$T/mc2/"],
        "GOPATH" => &["$T/gp1", "$T/gp1:$T/gp2", ":$T/gp3"],
        "GOFLAGS" => &["-modcacherw", "-x -json", "-bogus"],
        "GOVCS" => &["private:all,public:git", "*:off"],
        "GOAUTH" => &["off", "netrc", "netrc;off"],
        "GOTOOLCHAIN" => &["local", "auto", "path"],
        "GO111MODULE" => &["on", "auto", "off"],
        _ => &["x"],
    }
}

/// One generated scenario: its environment, with files written into the world.
fn scenario(w: &World, rng: &mut Rng) -> (String, Vars) {
    let mut vars = w.base();
    let mut user = String::new();
    let mut goroot1 = String::from("# fake go.env\n");
    let mut goroot2 = String::new();
    let mut label = Vec::new();
    // Every compared variable but GOROOT, which the scenario sets up separately.
    for &var in VARS.iter().filter(|v| **v != "GOROOT") {
        let vals = values(var);
        match rng.below(20) {
            0..=9 => {
                vars.remove(var);
            }
            10..=12 => {
                vars.insert(var.into(), String::new());
                label.push(format!("{var}=''"));
            }
            _ => {
                let v = rng.pick(vals);
                vars.insert(var.into(), v.into());
                label.push(format!("{var}={v:?}"));
            }
        }
        match rng.below(20) {
            0..=9 => {}
            10..=12 => user.push_str(&format!("{var}=\n")),
            13..=17 => user.push_str(&format!("{var}={}\n", rng.pick(vals))),
            _ => user.push_str(&format!(
                "{var}={}\n{var}={}\n",
                rng.pick(vals),
                rng.pick(vals)
            )),
        }
        match rng.below(10) {
            0..=4 => {}
            5..=7 => goroot1.push_str(&format!("{var}={}\n", rng.pick(vals))),
            _ => goroot1.push_str(&format!(
                "{var}={}\n{var}={}\n",
                rng.pick(vals),
                rng.pick(vals)
            )),
        }
        if rng.chance(30) {
            goroot2.push_str(&format!("{var}={}\n", rng.pick(vals)));
        }
    }
    match rng.below(6) {
        0 => {
            vars.remove("GOROOT");
            label.push("GOROOT via PATH".into());
        }
        1 => {
            vars.insert("GOROOT".into(), "$T/goroot1".into());
            label.push("GOROOT=goroot1".into());
        }
        2 => {
            vars.insert("GOROOT".into(), "$T/goroot1/".into());
            label.push("GOROOT=goroot1/".into());
        }
        3 => {
            user.push_str("GOROOT=$T/goroot1\n");
            label.push("user GOROOT=goroot1".into());
        }
        4 => {
            user.push_str("GOROOT=$T/goroot1\n");
            vars.insert("GOROOT".into(), "$T/goroot2".into());
            label.push("user GOROOT=goroot1, env GOROOT=goroot2".into());
        }
        _ => {
            // An existing directory without go.env. (A GOROOT that does not exist
            // makes go fail at start-up; we just skip the go.env layer.)
            vars.insert("GOROOT".into(), "$T/emptyroot".into());
            label.push("GOROOT without go.env".into());
        }
    }
    w.write("goroot1/go.env", &goroot1);
    w.write("goroot2/go.env", &goroot2);
    match rng.below(6) {
        0 => {
            vars.insert("GOENV".into(), "off".into());
            label.push("GOENV=off".into());
        }
        1 => {
            w.write("user.env", &user);
            vars.insert("GOENV".into(), "$T/user.env".into());
            label.push("GOENV=file".into());
        }
        2 => {
            w.write("user.env", &user);
            vars.insert("GOENV".into(), "../user.env".into());
            label.push("GOENV=relative".into());
        }
        3 => {
            w.write("xdg/go/env", &user);
            vars.insert("XDG_CONFIG_HOME".into(), "$T/xdg".into());
            label.push("XDG".into());
        }
        4 => {
            w.write("home/.config/go/env", &user);
            vars.insert("GOENV".into(), String::new());
            label.push("HOME/.config".into());
        }
        _ => {
            w.write("home/.config/go/env", &user);
            vars.insert("XDG_CONFIG_HOME".into(), "relative-xdg".into());
            label.push("XDG relative".into());
        }
    }
    label.push(format!("user file {user:?}"));
    (label.join(", "), vars)
}

/// Hand-picked environments around HOME, GOPATH and GOROOT.
fn special(w: &World) -> Vec<(String, Vars)> {
    let mut out = Vec::new();
    let mut add = |label: &str, set: &[(&str, &str)], unset: &[&str]| {
        let mut v = w.base();
        v.insert("GOENV".into(), "off".into());
        for (k, val) in set {
            v.insert(k.to_string(), val.to_string());
        }
        for k in unset {
            v.remove(*k);
        }
        out.push((label.to_string(), v));
    };
    add("defaults", &[], &[]);
    add("no HOME", &[], &["HOME"]);
    add("empty HOME", &[("HOME", "")], &[]);
    add("relative HOME", &[("HOME", "rel")], &[]);
    add(
        "HOME/go is $GOROOT",
        &[("HOME", "$T/h"), ("GOROOT", "$T/h/go")],
        &[],
    );
    add(
        "HOME/go is $GOROOT (spelled differently)",
        &[("HOME", "$T/h/"), ("GOROOT", "$T/h/./go/")],
        &[],
    );
    add("GOPATH first element empty", &[("GOPATH", ":$T/x")], &[]);
    add("GOPATH list", &[("GOPATH", "$T/a:$T/b")], &[]);
    add("GOMODCACHE explicit", &[("GOMODCACHE", "$T/m/../c")], &[]);
    add(
        "GOPRIVATE defaults",
        &[("GOPRIVATE", "*.corp"), ("GONOSUMDB", "")],
        &[],
    );
    add("GOAUTH empty", &[("GOAUTH", "")], &[]);
    // Env-file syntax: CRLF values keep their \r, comments and lower-case keys are
    // ignored, `=` inside values is kept, a key with a space counts.
    w.write(
        "syntax.env",
        "GOPROXY=off\r\nGOFLAGS=-x\r\n# GOSUMDB=x\ngovcs=y\nGOVCS=a:b=c\nGOPRIVATE\n GOINSECURE=z\nGOAUTH X=1\n",
    );
    add(
        "env-file syntax",
        &[("GOENV", "$T/syntax.env")],
        &["GOPROXY", "GOFLAGS"],
    );
    add(
        "GOENV names a directory",
        &[("GOENV", "$T/home")],
        &["GOPROXY"],
    );
    out
}

#[test]
fn resolution_matches_go_env() {
    let Some(go) = support::go("resolution_matches_go_env") else {
        return;
    };
    let w = World::new(&go);
    let mut tally = Tally::new("config-go-diff/go-env");
    let mut check = |label: String, vars: &Vars| {
        let want = go_env(&go, &w, vars);
        let got = our_env(&w, vars);
        tally.check(label, || {
            let want = want?;
            let got = got?;
            let diffs: Vec<String> = VARS
                .iter()
                .filter(|k| got.get(**k) != want.get(**k))
                .map(|k| format!("{k}: ours {:?}, go {:?}", got.get(*k), want.get(*k)))
                .collect();
            if diffs.is_empty() {
                Ok(())
            } else {
                Err(diffs.join("; "))
            }
        });
    };
    for (label, vars) in special(&w) {
        check(label, &vars);
    }
    let mut rng = Rng(0xc0ff_ee00_1234);
    for i in 0..80 {
        let (label, vars) = scenario(&w, &mut rng);
        check(format!("scenario {i}: {label}"), &vars);
    }
    tally.finish();
}

/// What `go mod download` does: (exit status, stderr).
fn go_download(go: &support::Go, w: &World, vars: &Vars, argv: &[String]) -> (i32, String) {
    let out = w
        .command(go, vars)
        .args(argv.iter().map(|a| w.expand(a)))
        .output()
        .expect("running go");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What we would do, up to the first module lookup: start-up errors exactly, then
/// the per-module error a GOPROXY or cache problem gives (as the engine will print
/// it), else the lookup of the first list entry.
fn our_download(w: &World, vars: &Vars, argv: &[String]) -> (i32, String) {
    let argv: Vec<OsString> = argv.iter().map(|a| w.expand(a).into()).collect();
    let start = match config::load(&w.env(vars), &argv) {
        Ok(s) => s,
        Err(e) => return (e.exit_code(), e.stderr_text()),
    };
    let mut stderr: String = start
        .config
        .warnings()
        .iter()
        .map(|w| format!("{w}\n"))
        .collect();
    let line = |msg: String| {
        if msg.ends_with('\n') {
            format!("go: {msg}")
        } else {
            format!("go: {msg}\n")
        }
    };
    for m in &start.args.modules {
        let path = m.split('@').next().unwrap_or(m);
        let msg = match start.config.goproxy() {
            Err(e) => line(format!("{m}: {e}")),
            // TryProxies over entries that can only be "not found" (or a proxy): the
            // walk goes on past not-found errors and reports the last one.
            Ok(list) => {
                let mut msg = String::new();
                for entry in list.entries() {
                    match start.config.route(entry, path) {
                        config::Route::NotFound(e) => msg = line(format!("{m}: {e}")),
                        config::Route::Proxy(_) => {
                            msg = match start.config.gomodcache() {
                                Err(e) => line(e.to_string()),
                                Ok(_) => "(would fetch)\n".to_string(),
                            };
                            break;
                        }
                        other => {
                            msg = format!("(route {other:?})\n");
                            break;
                        }
                    }
                }
                msg
            }
        };
        stderr.push_str(&msg);
    }
    let code = if start.args.modules.is_empty() { 0 } else { 1 };
    (code, stderr)
}

/// A `file://` proxy serving `x.example/a@v1.0.0`, so Go gets as far as the cache.
fn file_proxy(w: &World) -> String {
    let u = Universe::new();
    let m = Package::new("x.example/a", "v1.0.0")
        .file("a.go", "package a\n")
        .publish(&u);
    let dir = w.root.join("proxy/x.example/a/@v");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for (ext, data) in [("info", m.info()), ("mod", m.gomod()), ("zip", m.zip())] {
        std::fs::write(dir.join(format!("v1.0.0.{ext}")), data.expect("part")).expect("write");
    }
    std::fs::write(dir.join("list"), "v1.0.0\n").expect("write");
    format!("file://{}", w.path("proxy"))
}

#[test]
fn startup_errors_match_go_mod_download() {
    let Some(go) = support::go("startup_errors_match_go_mod_download") else {
        return;
    };
    let w = World::new(&go);
    std::fs::write(w.root.join("work/afile"), "").expect("write");
    let proxy = file_proxy(&w);
    let m = "x.example/a@v1.0.0";
    let base = {
        let mut v = w.base();
        for (k, val) in [
            ("GOENV", "off"),
            ("GOPROXY", "off"),
            ("GOSUMDB", "off"),
            ("GOFLAGS", ""),
            ("GOMODCACHE", "$T/modcache"),
        ] {
            v.insert(k.into(), val.into());
        }
        v
    };
    let mut cases: Vec<(String, Vars, Vec<String>)> = Vec::new();
    let mut case = |label: &str, set: &[(&str, &str)], argv: &[&str]| {
        let mut v = base.clone();
        for (k, val) in set {
            v.insert(k.to_string(), val.to_string());
        }
        let a: Vec<String> = ["mod", "download"]
            .iter()
            .chain(argv)
            .map(|s| s.to_string())
            .collect();
        cases.push((label.to_string(), v, a));
    };
    for goflags in [
        "-bogus",
        "bogus",
        "-x 'unterminated",
        "-x \"unterminated",
        "-json=maybe",
        "-reuse",
        "-C=/tmp",
        "-C",
        "--=x",
        "-=x",
        "---x",
        "-",
        "--",
        "''",
        "-x=",
        "-modfile",
        "-h",
        "-help",
        "-test.v -ldflags=-w --mod=mod -insecure -n -v",
        "-json -json=false",
        "--modcacherw=2",
    ] {
        case(
            &format!("GOFLAGS={goflags:?}"),
            &[("GOFLAGS", goflags)],
            &[m],
        );
    }
    for argv in [
        &["-bogus", m][..],
        &["--bogus=1"],
        &["-x", "-C", "/tmp", m],
        &["-C"],
        &["-C", "$T/nonexistent", m],
        &["-C", "", m],
        &["-C=afile", m],
        &["--C", "afile/x", m],
        &["-C", "/tmp", "-C", "/tmp", m],
        &["--json=maybe", m],
        &["-json=false", "-reuse"],
        &["-h"],
        &["--help"],
        &["-help", m],
        &["---x"],
        &["-=x"],
        &["-x=2", m],
        &["-modcacherw=T", "-json=0", "-x=false", m],
        &["-C", "/tmp", m],
        &["--", m],
    ] {
        case(&format!("argv {argv:?}"), &[], argv);
    }
    for (label, set) in [
        ("GOPATH relative", &[("GOPATH", "rel")][..]),
        ("GOPATH list with relative", &[("GOPATH", "$T/a::rel")]),
        ("GOPATH tilde", &[("GOPATH", "~/go")]),
        ("GO111MODULE=off", &[("GO111MODULE", "off")]),
        ("GO111MODULE bogus", &[("GO111MODULE", "bogus")]),
        ("GO111MODULE auto", &[("GO111MODULE", "auto")]),
        ("GOPROXY foo", &[("GOPROXY", "foo")]),
        ("GOPROXY ftp", &[("GOPROXY", "ftp://x")]),
        ("GOPROXY file with host", &[("GOPROXY", "file://u:p@h/")]),
        ("GOPROXY file: without //", &[("GOPROXY", "file:/tmp/x")]),
        ("GOPROXY file query", &[("GOPROXY", "file:///tmp?")]),
        ("GOPROXY bad ipv6", &[("GOPROXY", "https://[zz]/")]),
        ("GOPROXY bad port", &[("GOPROXY", "u:p@h:x/")]),
        ("GOPROXY extra colon", &[("GOPROXY", "http://h:1:2/")]),
        ("GOPROXY bad escape", &[("GOPROXY", "https://h/%zz")]),
        ("GOPROXY control char", &[("GOPROXY", "https://h/\u{1}x")]),
        ("GOPROXY only separators", &[("GOPROXY", " , | ")]),
        (
            "GOPROXY only separators, GOPRIVATE",
            &[("GOPROXY", ","), ("GOPRIVATE", "x.example")],
        ),
        ("GOPROXY off after bad", &[("GOPROXY", "off,foo")]),
        ("GOPROXY bad after off", &[("GOPROXY", "foo,off")]),
        (
            "GONOPROXY matches, off",
            &[("GONOPROXY", "none"), ("GOPRIVATE", "x.example")],
        ),
        ("GOPROXY off|", &[("GOPROXY", "off|https://h.example")]),
    ] {
        case(label, set, &[m]);
    }
    for (label, set) in [
        ("GOMODCACHE relative", &[("GOMODCACHE", "rel")][..]),
        (
            "GOMODCACHE relative, trailing slash",
            &[("GOMODCACHE", "rel/")],
        ),
        (
            "GOMODCACHE unset, GOPATH first empty",
            &[("GOMODCACHE", ""), ("GOPATH", ":$T/gp")],
        ),
        (
            "GOMODCACHE from relative HOME",
            &[("GOMODCACHE", ""), ("HOME", "rel")],
        ),
    ] {
        let mut set = set.to_vec();
        set.push(("GOPROXY", proxy.as_str()));
        case(label, &set, &[m]);
    }
    // GOPATH defaults to $HOME/go, which is the installation's own GOROOT: a warning.
    if let Some(goroot_parent) = go
        .bin()
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
    {
        let mut v = base.clone();
        v.insert("HOME".into(), goroot_parent.to_string_lossy().into_owned());
        cases.push((
            "GOPATH is GOROOT".into(),
            v,
            ["mod", "download", m].map(String::from).to_vec(),
        ));
    }
    // -C before the command words.
    let mut v = base.clone();
    v.insert("GOFLAGS".into(), "-modcacherw".into());
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    cases.push((
        "-C first".into(),
        v.clone(),
        words(&["-C", "/tmp", "mod", "download", m]),
    ));
    cases.push((
        "-C after mod".into(),
        v,
        words(&["mod", "-C", "/tmp", "download", m]),
    ));

    let mut tally = Tally::new("config-go-diff/mod-download-errors");
    for (label, vars, argv) in &cases {
        let want = go_download(&go, &w, vars, argv);
        let got = our_download(&w, vars, argv);
        tally.check(label, || {
            if got == want {
                Ok(())
            } else {
                Err(format!("\n   ours {got:?}\n     go {want:?}"))
            }
        });
    }
    tally.finish();
}
