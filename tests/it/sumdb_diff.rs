//! Differential acceptance tests of checksum-database verification: `go mod download`
//! and `gomodfetch download` against the test proxy and its test checksum database
//! (`gomodfetch::testkit::sumdb`), with `GOSUMDB` set to the database's key.
//!
//! Each tool gets its own proxy and database, built the same way from the same
//! fixtures (signatures are deterministic, so both serve identical bytes), so a
//! stateful tamper mode sees the same requests from each tool. After every step:
//!
//! * exit codes are equal, and stdout and stderr are equal byte for byte once sandbox
//!   paths and the proxy's URL are replaced by placeholders;
//! * the module caches are equal in every path, byte and mode bit — this includes the
//!   database's cache `cache/download/sumdb/<name>/{lookup,tile}/…`;
//! * `$GOPATH/pkg/sumdb` (the trusted `latest` head) is equal the same way.
//!
//! Covered: every served fixture alone through the proxy (cold, then warm), all
//! fixtures at once at the database's own URL, every tamper mode in the sequences
//! `testdb::with_go` pins go's messages for (a tampered step must fail, with nothing
//! of the module published), the settings that skip or break the database
//! (GONOSUMDB, GOPRIVATE, GOINSECURE, bad GOSUMDB values, GOPROXY lists whose first
//! entry does not relay the database), and go.sum taking precedence in a main module.

use crate::download_cli::trace_lines;
use crate::download_diff::{GOMODFETCH, line_diff, same_snapshots, unzip_lines_sorted};
use crate::support::{self, Tally};
use crate::testdb::{Served, escaped, serve};
use gomodfetch::http::RetryPolicy;
use gomodfetch::testkit::gocmd::{Go, Run, Sandbox};
use gomodfetch::testkit::sumdb::{self, BadSignature, SumLine, Tamper, Trigger};
use gomodfetch::testkit::tree::{Kind, Snapshot, SnapshotOptions};
use std::path::{Path, PathBuf};

const TEST: &str = "sumdb_diff";

/// The module single-module scenarios download first.
const A: &str = "rsc.io/quote@v1.5.2";
/// A module with a lower record id than `A`.
const LOWER: &str = "golang.org/x/text@v0.3.0";
/// A module with a higher record id than `A`.
const HIGHER: &str = "rsc.io/sampler@v1.3.0";

/// One tool's world: its own proxy + database and its sandbox.
struct Side {
    served: Served,
    sb: Sandbox,
    /// How to configure a (fresh) sandbox for this side.
    env: Env,
    ours: bool,
}

/// The settings a scenario runs with; `{proxy}` in a value is this side's GOPROXY URL.
#[derive(Clone, Default)]
struct Env {
    /// `GOSUMDB`; default: the test database's key (reached through the proxy).
    gosumdb: Option<String>,
    /// `GOPROXY`; default: the proxy.
    goproxy: Option<String>,
    /// Other variables.
    vars: Vec<(&'static str, String)>,
}

impl Env {
    fn sumdb(v: &str) -> Env {
        Env {
            gosumdb: Some(v.to_string()),
            ..Env::default()
        }
    }

    fn proxy(v: &str) -> Env {
        Env {
            goproxy: Some(v.to_string()),
            ..Env::default()
        }
    }

    fn var(mut self, k: &'static str, v: &str) -> Env {
        self.vars.push((k, v.to_string()));
        self
    }
}

impl Side {
    fn new(dir: &Path, tamper: Option<Tamper>, trigger: Trigger, env: &Env, ours: bool) -> Side {
        let served = serve(dir, tamper, trigger);
        let sb = sandbox(&served, env);
        Side {
            served,
            sb,
            env: env.clone(),
            ours,
        }
    }

    fn fresh_sandbox(&mut self) {
        self.sb = sandbox(&self.served, &self.env);
    }

    /// `go mod download` or `gomodfetch download` with `flags` and `args`, in `dir` (the
    /// work directory by default).
    fn download(&self, go: &Go, dir: Option<&Path>, flags: &[&str], args: &[String]) -> Run {
        let dir = dir.map_or_else(|| self.sb.work_dir(), Path::to_path_buf);
        if self.ours {
            let mut argv = vec!["download".to_string()];
            argv.extend(flags.iter().map(|f| f.to_string()));
            argv.extend(args.iter().cloned());
            self.sb
                .run(GOMODFETCH, &dir, &argv)
                .expect("running gomodfetch")
        } else {
            go.mod_download(&self.sb, &dir, flags, args)
                .expect("running go")
        }
    }

    fn normalize(&self, text: &str) -> String {
        let mut n = self.sb.normalizer();
        n.text(self.served.proxy.base_url(), "$PROXY");
        n.apply_str(text)
    }

    /// `$GOPATH/pkg/sumdb` (empty when absent).
    fn config_snapshot(&self) -> Result<Snapshot, String> {
        let root = self.sb.gopath().join("pkg/sumdb");
        if !root.exists() {
            return Ok(Snapshot::default());
        }
        Snapshot::take(&root, &SnapshotOptions::default()).map_err(|e| e.to_string())
    }

    fn sumdb_cache_files(&self) -> usize {
        let root = self.sb.gomodcache().join("cache/download/sumdb");
        if !root.exists() {
            return 0;
        }
        Snapshot::take(&root, &SnapshotOptions::default())
            .map(|s| s.entries().filter(|e| e.kind == Kind::File).count())
            .unwrap_or(0)
    }
}

/// A sandbox for `served` configured by `env` (read-only module trees, as go leaves
/// them, so modes are compared too).
fn sandbox(served: &Served, env: &Env) -> Sandbox {
    let url = served.proxy.goproxy_url();
    let fill = |v: &str| v.replace("{proxy}", &url);
    let mut sb = support::sandbox();
    sb.modcacherw(false)
        .goproxy(env.goproxy.as_deref().map_or(url.clone(), fill))
        .gosumdb(
            env.gosumdb
                .as_deref()
                .map_or(sumdb::VERIFIER_KEY.to_string(), fill),
        )
        .gonosumdb("")
        .goprivate("");
    for (k, v) in &env.vars {
        sb.set(k, fill(v));
    }
    sb
}

/// Both runs did the same and left the same state.
fn same(g: (&Side, &Run), o: (&Side, &Run)) -> Result<(), String> {
    same_with(g, o, &SnapshotOptions::default(), false)
}

/// [`same`], with `opts` for the module-cache snapshots. `retried`: a persistent
/// server failure is in the output, which gomodfetch retried (beyond go) and says so
/// with ` (after N attempts)` after Go's text; the note must be there and is removed
/// before comparing.
fn same_with(
    g: (&Side, &Run),
    o: (&Side, &Run),
    opts: &SnapshotOptions,
    retried: bool,
) -> Result<(), String> {
    let mut why = Vec::new();
    let note = format!(" (after {} attempts)", RetryPolicy::default().max_attempts);
    let ours = |text: String| -> Result<String, String> {
        if !retried {
            return Ok(text);
        }
        if !text.contains(&note) {
            return Err(format!("no retry note {note:?} in:\n{text}"));
        }
        Ok(text.replace(&note, ""))
    };
    let (ostdout, ostderr) = if o.1.stdout.is_empty() {
        (String::new(), ours(o.1.stderr_text())?)
    } else {
        (ours(o.1.stdout_text())?, o.1.stderr_text())
    };
    if g.1.code() != o.1.code() {
        why.push(format!(
            "exit code: go {:?}, ours {:?}",
            g.1.code(),
            o.1.code()
        ));
    }
    let (gout, oout) = (g.0.normalize(&g.1.stdout_text()), o.0.normalize(&ostdout));
    if gout != oout {
        why.push(format!("stdout differs:\n{}", line_diff(&gout, &oout)));
    }
    let gerr = unzip_lines_sorted(&g.0.normalize(&g.1.stderr_text()));
    let oerr = unzip_lines_sorted(&o.0.normalize(&ostderr));
    if gerr != oerr {
        why.push(format!("stderr differs:\n{}", line_diff(&gerr, &oerr)));
    }
    if let Err(e) = same_state(g.0, o.0, opts) {
        why.push(e);
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(why.join("\n"))
    }
}

/// The same module caches (snapshots taken with `opts`) and `$GOPATH/pkg/sumdb`.
fn same_state(g: &Side, o: &Side, opts: &SnapshotOptions) -> Result<(), String> {
    let mut why = Vec::new();
    let snaps = (
        g.sb.cache_snapshot(opts).map_err(|e| e.to_string()),
        o.sb.cache_snapshot(opts).map_err(|e| e.to_string()),
    );
    match snaps {
        (Ok(gs), Ok(os)) => {
            if let Err(e) = same_snapshots(&gs, &os, ("go", "ours")) {
                why.push(format!("module cache: {e}"));
            }
        }
        (a, b) => why.push(format!("snapshot failed: {:?} {:?}", a.err(), b.err())),
    }
    match (g.config_snapshot(), o.config_snapshot()) {
        (Ok(gs), Ok(os)) => {
            if let Err(e) = same_snapshots(&gs, &os, ("go", "ours")) {
                why.push(format!("$GOPATH/pkg/sumdb: {e}"));
            }
        }
        (a, b) => why.push(format!("snapshot failed: {:?} {:?}", a.err(), b.err())),
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(why.join("\n"))
    }
}

/// Nothing of `m` but its `.info` (and `.mod` when `mod_ok`) is in the module cache.
fn unpublished(sb: &Sandbox, m: &str, mod_ok: bool) -> Result<(), String> {
    let (path, version) = m.split_once('@').expect("path@version");
    let esc = escaped(path, version);
    let (epath, ever) = esc.split_once('@').expect("escaped");
    let dl = sb.gomodcache().join(format!("cache/download/{epath}/@v"));
    for (ext, allowed) in [("mod", mod_ok), ("zip", false), ("ziphash", false)] {
        let f = dl.join(format!("{ever}.{ext}"));
        if f.exists() && !allowed {
            return Err(format!("{} was published", f.display()));
        }
    }
    let tree = sb.gomodcache().join(&esc);
    if tree.exists() {
        return Err(format!("{} was extracted", tree.display()));
    }
    Ok(())
}

/// One step of a scenario, run by both tools in turn.
enum Step {
    /// Download `args` with `-json` (as the first step, also again into fresh
    /// sandboxes without `-json`, comparing go's plain messages). `ok`: whether the step must succeed (go's outcome pins it, so a
    /// scenario that stopped testing anything fails).
    Download { args: Vec<String>, ok: bool },
    /// Switch the databases' tampering on.
    Tamper,
    /// `go clean -modcache`, keeping `$GOPATH/pkg/sumdb`.
    CleanModcache,
    /// New sandboxes (a client with no trusted head).
    Fresh,
}

fn dl(m: &str, ok: bool) -> Step {
    Step::Download {
        args: vec![m.to_string()],
        ok,
    }
}

/// A named scenario: the database's behaviour, the settings and the steps.
struct Scenario {
    name: String,
    tamper: Option<Tamper>,
    trigger: Trigger,
    env: Env,
    steps: Vec<Step>,
    /// A step fails on a persistent server error (see [`same_with`]).
    retried: bool,
}

impl Scenario {
    fn new(name: impl Into<String>, tamper: Option<Tamper>, steps: Vec<Step>) -> Scenario {
        let trigger = if tamper.is_some() {
            Trigger::Manual
        } else {
            Trigger::Start
        };
        Scenario {
            name: name.into(),
            tamper,
            trigger,
            env: Env::default(),
            steps,
            retried: false,
        }
    }

    fn retried(mut self) -> Scenario {
        self.retried = true;
        self
    }

    fn at_start(mut self) -> Scenario {
        self.trigger = Trigger::Start;
        self
    }

    fn env(mut self, env: Env) -> Scenario {
        self.env = env;
        self
    }

    /// Runs every step with both tools; the first difference or unmet expectation.
    fn run(&self, go: &Go, dir: &Path) -> Result<(), String> {
        let mut g = Side::new(dir, self.tamper.clone(), self.trigger, &self.env, false);
        let mut o = Side::new(dir, self.tamper.clone(), self.trigger, &self.env, true);
        for (i, step) in self.steps.iter().enumerate() {
            let at = |e: String| format!("step {i}: {e}");
            match step {
                Step::Download { args, ok } => {
                    for flags in [&["-json"][..], &[]] {
                        if flags.is_empty() {
                            // The plain run repeats the step on copies of the state
                            // only when it is the first step (a fresh client); later
                            // steps depend on what the -json run left.
                            if i != 0 {
                                continue;
                            }
                            g.fresh_sandbox();
                            o.fresh_sandbox();
                        }
                        let gr = g.download(go, None, flags, args);
                        let or = o.download(go, None, flags, args);
                        if gr.success() != *ok {
                            return Err(at(format!(
                                "go {} (expected {}):\n{gr}",
                                if gr.success() { "succeeded" } else { "failed" },
                                if *ok { "success" } else { "failure" }
                            )));
                        }
                        let opts = SnapshotOptions::default();
                        same_with((&g, &gr), (&o, &or), &opts, self.retried).map_err(at)?;
                        if !ok {
                            for m in args {
                                unpublished(&o.sb, m, true).map_err(at)?;
                            }
                        }
                    }
                }
                Step::Tamper => {
                    g.served.db.set_tampering(true);
                    o.served.db.set_tampering(true);
                }
                Step::CleanModcache => {
                    g.sb.clean_modcache().map_err(|e| at(e.to_string()))?;
                    o.sb.clean_modcache().map_err(|e| at(e.to_string()))?;
                }
                Step::Fresh => {
                    g.fresh_sandbox();
                    o.fresh_sandbox();
                }
            }
        }
        Ok(())
    }
}

struct Ctx {
    go: Go,
    dir: PathBuf,
    args: Vec<String>,
}

fn ctx() -> Option<Ctx> {
    let (dir, args) = support::served_fixtures(TEST)?;
    let go = support::go(TEST)?;
    Some(Ctx { go, dir, args })
}

/// Every served fixture alone, through the proxy: a cold `-json` run, a warm one, and
/// a cold run without `-json`. The sumdb files are part of every comparison.
#[test]
fn every_fixture_through_the_proxy() {
    let Some(c) = ctx() else { return };
    let env = Env::default();
    let mut g = Side::new(&c.dir, None, Trigger::Start, &env, false);
    let mut o = Side::new(&c.dir, None, Trigger::Start, &env, true);
    let mut cold = Tally::new("sumdb_diff/one by one -json (cold)");
    let mut warm = Tally::new("sumdb_diff/one by one -json (warm)");
    let mut plain = Tally::new("sumdb_diff/one by one without -json");
    let (mut verified, mut failed) = (0, 0);
    for arg in &c.args {
        let args = std::slice::from_ref(arg);
        g.fresh_sandbox();
        o.fresh_sandbox();
        let gr = g.download(&c.go, None, &["-json"], args);
        let or = o.download(&c.go, None, &["-json"], args);
        if gr.success() {
            verified += 1;
            // go verified it against the database: the lookup of the version it
            // resolved (`v2.0.0` may be `v2.0.0+incompatible`) is cached.
            let (p, _) = arg.split_once('@').expect("path@version");
            let v = gr
                .download_records()
                .ok()
                .and_then(|r| r.into_iter().next())
                .and_then(|r| r.version)
                .unwrap_or_default();
            let lookup =
                g.sb.gomodcache()
                    .join("cache/download/sumdb")
                    .join(sumdb::NAME)
                    .join("lookup")
                    .join(escaped(p, &v));
            cold.check(arg, || {
                if !lookup.exists() {
                    return Err(format!("go left no {}", lookup.display()));
                }
                same((&g, &gr), (&o, &or))
            });
        } else {
            failed += 1;
            cold.check(arg, || same((&g, &gr), (&o, &or)));
        }
        let gr = g.download(&c.go, None, &["-json"], args);
        let or = o.download(&c.go, None, &["-json"], args);
        warm.check(arg, || same((&g, &gr), (&o, &or)));
        g.fresh_sandbox();
        o.fresh_sandbox();
        let gr = g.download(&c.go, None, &[], args);
        let or = o.download(&c.go, None, &[], args);
        plain.check(arg, || same((&g, &gr), (&o, &or)));
    }
    support::note(
        "sumdb_diff/fixtures",
        &format!(
            "go verified {verified} of {} served fixtures against the test database; \
             {failed} failed (as ours did)",
            c.args.len()
        ),
    );
    assert!(verified > 100, "too few verified downloads: vacuous");
    cold.finish();
    warm.finish();
    plain.finish();
}

/// All fixtures in one command at the database's own URL (no proxy relay), with and
/// without `-json`, cold and warm.
#[test]
fn all_fixtures_at_the_database_url() {
    let Some(c) = ctx() else { return };
    let mut t = Tally::new("sumdb_diff/all fixtures, GOSUMDB=<key> <url>");
    for flags in [&["-json"][..], &[]] {
        // The URL is each side's own: build the sides, then point GOSUMDB at them.
        let mut g = Side::new(&c.dir, None, Trigger::Start, &Env::default(), false);
        let mut o = Side::new(&c.dir, None, Trigger::Start, &Env::default(), true);
        for side in [&mut g, &mut o] {
            let direct = side
                .served
                .db
                .gosumdb_direct(&side.served.proxy.goproxy_url());
            side.env = Env::sumdb(&direct);
            side.fresh_sandbox();
        }
        for round in ["cold", "warm"] {
            let gr = g.download(&c.go, None, flags, &c.args);
            let or = o.download(&c.go, None, flags, &c.args);
            t.check(format!("{flags:?} {round}"), || {
                let asked = g.served.proxy.log();
                if round == "cold"
                    && !asked
                        .iter()
                        .any(|r| r.path.contains("/sumdb-direct/lookup/"))
                {
                    return Err("go did not use the database's own URL".into());
                }
                same((&g, &gr), (&o, &or))
            });
        }
        t.check(format!("{flags:?} sumdb files"), || {
            match (g.sumdb_cache_files(), o.sumdb_cache_files()) {
                (0, _) => Err("go cached no sumdb files".into()),
                (a, b) if a == b => Ok(()),
                (a, b) => Err(format!("go cached {a} sumdb files, ours {b}")),
            }
        });
    }
    t.finish();
}

/// Every tamper mode, in the sequences `testdb::with_go` pins go's messages for.
#[test]
fn tamper_modes() {
    let Some(c) = ctx() else { return };
    let wrong = |line| Tamper::WrongHash {
        module: A.to_string(),
        line,
    };
    let scenarios = vec![
        Scenario::new(
            "wrong zip hash",
            Some(wrong(SumLine::Zip)),
            vec![dl(A, false)],
        )
        .at_start(),
        Scenario::new(
            "wrong go.mod hash",
            Some(wrong(SumLine::GoMod)),
            vec![dl(A, false)],
        )
        .at_start(),
        Scenario::new(
            "wrong hash after a trusted head",
            Some(wrong(SumLine::Zip)),
            vec![
                dl(LOWER, true),
                Step::Tamper,
                dl(A, false),
                dl(HIGHER, true),
            ],
        ),
        Scenario::new(
            "corrupt signature",
            Some(Tamper::BadSignature(BadSignature::Corrupt)),
            vec![dl(A, false)],
        )
        .at_start(),
        Scenario::new(
            "signed by another key",
            Some(Tamper::BadSignature(BadSignature::OtherKey)),
            vec![dl(A, false)],
        )
        .at_start(),
        Scenario::new(
            "corrupt tile",
            Some(Tamper::CorruptTile),
            vec![dl(A, false)],
        )
        .at_start(),
        Scenario::new(
            "corrupt tile after a trusted head",
            Some(Tamper::CorruptTile),
            vec![
                dl(A, true),
                Step::Tamper,
                Step::CleanModcache,
                dl(LOWER, false),
            ],
        ),
        Scenario::new(
            "forked tree",
            Some(Tamper::Fork { module: None }),
            vec![
                dl(A, true),
                Step::Tamper,
                dl(HIGHER, false),
                Step::CleanModcache,
                dl(LOWER, false),
            ],
        ),
        Scenario::new(
            "stale head",
            Some(Tamper::StaleHead { size: 0 }),
            vec![
                dl(A, true),
                Step::Tamper,
                dl(LOWER, true),
                dl(HIGHER, true),
                Step::Fresh,
                dl(HIGHER, false),
                dl(LOWER, true),
            ],
        ),
        Scenario::new(
            "rolled-back server",
            Some(Tamper::Rollback { size: 0 }),
            vec![
                dl(A, true),
                Step::Tamper,
                dl(LOWER, true),
                dl(HIGHER, false),
                Step::CleanModcache,
                dl(LOWER, false),
            ],
        ),
    ];
    run_all(&c, "sumdb_diff/tamper modes", scenarios);
}

/// Runs `scenarios`, filling in the sizes of stale and rolled-back heads (just past
/// `A`'s record, so `LOWER` is inside the old tree and `HIGHER` outside it).
fn run_all(c: &Ctx, label: &str, scenarios: Vec<Scenario>) {
    let ids = serve(&c.dir, None, Trigger::Start);
    let id = |m: &str| {
        let (p, v) = m.split_once('@').expect("path@version");
        ids.db.lookup(p, v).expect("a fixture module")
    };
    let size = id(A) + 1;
    assert!(id(LOWER) < size && id(HIGHER) >= size);
    let mut t = Tally::new(label);
    for mut s in scenarios {
        s.tamper = match s.tamper {
            Some(Tamper::StaleHead { .. }) => Some(Tamper::StaleHead { size }),
            Some(Tamper::Rollback { .. }) => Some(Tamper::Rollback { size }),
            other => other,
        };
        t.check(&s.name, || s.run(&c.go, &c.dir));
    }
    t.finish();
}

/// The settings that skip the database, reach it another way, or break it.
#[test]
fn settings() {
    let Some(c) = ctx() else { return };
    let wrong = Some(Tamper::WrongHash {
        module: A.to_string(),
        line: SumLine::Zip,
    });
    let lied = |name: &str, env: Env, ok: bool| {
        Scenario::new(name, wrong.clone(), vec![dl(A, ok), dl(HIGHER, true)])
            .at_start()
            .env(env)
    };
    let honest =
        |name: &str, env: Env, ok: bool| Scenario::new(name, None, vec![dl(A, ok)]).env(env);
    let scenarios = vec![
        // Skipped: the lying database is never asked about A.
        lied(
            "GONOSUMDB=rsc.io/quote",
            Env::default().var("GONOSUMDB", "rsc.io/quote"),
            true,
        ),
        lied(
            "GONOSUMDB=*.io",
            Env::default().var("GONOSUMDB", "*.io"),
            true,
        ),
        // (GONOPROXY keeps the modules on the proxy: direct fetching is issue 7's.)
        lied(
            "GOPRIVATE=rsc.io",
            Env::default()
                .var("GOPRIVATE", "rsc.io")
                .var("GONOPROXY", "example.invalid"),
            true,
        ),
        lied(
            "GONOSUMDB overrides GOPRIVATE",
            Env::default()
                .var("GOPRIVATE", "rsc.io")
                .var("GONOPROXY", "example.invalid")
                .var("GONOSUMDB", "golang.org"),
            false,
        ),
        // GOINSECURE never disables verification.
        lied(
            "GOINSECURE=rsc.io",
            Env::default().var("GOINSECURE", "rsc.io"),
            false,
        ),
        lied(
            "GONOSUMDB=rsc.io/quote/v3",
            Env::default().var("GONOSUMDB", "rsc.io/quote/v3"),
            false,
        ),
        // GOSUMDB values.
        honest("GOSUMDB=off", Env::sumdb("off"), true),
        honest(
            "GOSUMDB=<name> (unknown key)",
            Env::sumdb(sumdb::NAME),
            false,
        ),
        honest(
            "GOSUMDB=<key> <url> <extra>",
            Env::sumdb(&format!("{} {{proxy}}/sumdb-direct x", sumdb::VERIFIER_KEY)),
            false,
        ),
        honest(
            "GOSUMDB=<bad key>",
            Env::sumdb("localhost.localdev/sumdb+00000c67+AAAA"),
            false,
        ),
        honest(
            "GOSUMDB=<key> at a 404 URL",
            Env::sumdb(&format!("{} {{proxy}}/nowhere", sumdb::VERIFIER_KEY)),
            false,
        ),
        // GOPROXY lists: the first entry that relays the database is used.
        honest(
            "GOPROXY=<404 relay>,<proxy>",
            Env::proxy("{proxy}/sumdb-404,{proxy}"),
            true,
        ),
        honest(
            "GOPROXY=<410 relay>,<proxy>",
            Env::proxy("{proxy}/sumdb-410,{proxy}"),
            true,
        ),
        honest(
            "GOPROXY=<503 relay>,<proxy>",
            Env::proxy("{proxy}/sumdb-503,{proxy}"),
            false,
        )
        .retried(),
        honest(
            "GOPROXY=<503 relay>|<proxy>",
            Env::proxy("{proxy}/sumdb-503|{proxy}"),
            true,
        ),
        honest(
            "GOPROXY=<500 relay>,direct",
            Env::proxy("{proxy}/sumdb-500,direct"),
            false,
        )
        .retried(),
    ];
    run_all(&c, "sumdb_diff/settings", scenarios);
}

/// go.sum lines take precedence: a module whose hashes go.sum holds is not looked up
/// (so a lying database cannot fail it), a missing line is looked up, and a go.sum
/// that disagrees fails before the database is asked.
#[test]
fn go_sum_takes_precedence() {
    let Some(c) = ctx() else { return };
    let honest = serve(&c.dir, None, Trigger::Start);
    let record = String::from_utf8(
        honest
            .db
            .records()
            .into_iter()
            .find(|(k, _)| k == A)
            .expect("a record for A")
            .1,
    )
    .expect("utf-8 record");
    let gomod_line = record
        .lines()
        .find(|l| l.contains("/go.mod "))
        .expect("go.mod line")
        .to_string();
    let (path, version) = A.split_once('@').expect("path@version");
    let gomod = format!("module example.com/m\n\ngo 1.21\n\nrequire {path} {version}\n");
    let bad_zip =
        format!("{path} {version} h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n{gomod_line}\n");
    let cases: Vec<(&str, String, bool)> = vec![
        ("both lines", record.clone(), true),
        ("go.mod line only", format!("{gomod_line}\n"), false),
        ("no lines", String::new(), false),
        ("a wrong zip line", bad_zip, false),
    ];
    let mut t = Tally::new("sumdb_diff/go.sum precedence (lying database)");
    for (name, gosum, ok) in cases {
        t.check(name, || {
            let tamper = Some(Tamper::WrongHash {
                module: A.to_string(),
                line: SumLine::Zip,
            });
            let g = Side::new(
                &c.dir,
                tamper.clone(),
                Trigger::Start,
                &Env::default(),
                false,
            );
            let o = Side::new(&c.dir, tamper, Trigger::Start, &Env::default(), true);
            let mut runs = Vec::new();
            for side in [&g, &o] {
                let dir = side
                    .sb
                    .main_module(&gomod, Some(&gosum))
                    .map_err(|e| e.to_string())?;
                let run = side.download(&c.go, Some(&dir), &["-json"], &[]);
                let sum = std::fs::read_to_string(dir.join("go.sum")).unwrap_or_default();
                runs.push((run, sum));
            }
            if runs[0].0.success() != ok {
                return Err(format!("go: expected success={ok}:\n{}", runs[0].0));
            }
            // A go.sum mismatch is fatal in go (base.Fatalf → os.Exit): go exits with
            // its temporary zip (`<v>.zip<random>.tmp`) still on disk. A temp file is
            // never taken as content (go removes it on its next download), so that
            // leftover is not compared; gomodfetch must leave none.
            let tmp = |sb: &Sandbox| {
                let dir = sb.gomodcache().join("cache/download/rsc.io/quote/@v");
                std::fs::read_dir(dir)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            };
            if tmp(&o.sb) {
                return Err("gomodfetch left a temp file".into());
            }
            if runs[0].1 != runs[1].1 {
                return Err(format!(
                    "go.sum differs:\n{}",
                    line_diff(&runs[0].1, &runs[1].1)
                ));
            }
            let opts = SnapshotOptions::default().ignore("cache/download/rsc.io/quote/@v/*.tmp");
            same_with((&g, &runs[0].0), (&o, &runs[1].0), &opts, false)
        });
    }
    t.finish();
}

/// The two tools share one GOPATH and module cache: each reuses the database state the
/// other left (trusted head, cached lookups and tiles: the second tool asks only for
/// the new lookup), and a fork is caught against the head the other tool trusted.
#[test]
fn shared_state() {
    let Some(c) = ctx() else { return };
    let mut t = Tally::new("sumdb_diff/one cache, both tools");
    for (first_ours, name) in [
        (false, "go, then gomodfetch"),
        (true, "gomodfetch, then go"),
    ] {
        t.check(name, || {
            let mut side = Side::new(
                &c.dir,
                Some(Tamper::Fork { module: None }),
                Trigger::Manual,
                &Env::default(),
                first_ours,
            );
            let run = side.download(&c.go, None, &["-json"], &[A.to_string()]);
            if !run.success() {
                return Err(format!("first download:\n{run}"));
            }
            let latest = side
                .sb
                .gopath()
                .join("pkg/sumdb")
                .join(sumdb::NAME)
                .join("latest");
            let trusted =
                std::fs::read(&latest).map_err(|e| format!("{}: {e}", latest.display()))?;
            // The second tool, same sandbox.
            side.ours = !first_ours;
            side.served.proxy.clear_log();
            let run = side.download(&c.go, None, &["-json"], &[A.to_string(), LOWER.to_string()]);
            if !run.success() {
                return Err(format!("second download:\n{run}"));
            }
            let asked: Vec<String> = side
                .served
                .proxy
                .log()
                .into_iter()
                .map(|r| r.path)
                .filter(|p| p.contains("/sumdb/"))
                .collect();
            let (p, v) = LOWER.split_once('@').expect("path@version");
            // Each process asks whether the proxy relays the database, then only
            // for the new record.
            let want = vec![
                format!("/mod/sumdb/{}/supported", sumdb::NAME),
                format!("/mod/sumdb/{}/lookup/{}", sumdb::NAME, escaped(p, v)),
            ];
            if asked != want {
                return Err(format!(
                    "second tool asked the database {asked:?}, want {want:?}"
                ));
            }
            if std::fs::read(&latest).ok().as_deref() != Some(&trusted[..]) {
                return Err("latest changed".into());
            }
            // Now the database forks; the first tool catches it.
            side.served.db.set_tampering(true);
            side.ours = first_ours;
            let run = side.download(&c.go, None, &["-json"], &[HIGHER.to_string()]);
            let err = run.stderr_text();
            if run.code() != Some(1)
                || !err
                    .starts_with("SECURITY ERROR\ngo.sum database server misbehavior detected!\n")
            {
                return Err(format!("fork not caught:\n{run}"));
            }
            unpublished(&side.sb, HIGHER, true)
        });
    }
    t.finish();
}

/// `-x` shows the database's requests as go shows them (`# get <url>` and the status
/// line), for modules verified through the proxy and at the database's own URL.
#[test]
fn x_trace() {
    let Some(c) = ctx() else { return };
    let mods: Vec<String> = [A, LOWER, HIGHER].iter().map(|m| m.to_string()).collect();
    let mut t = Tally::new("sumdb_diff/-x");
    for direct in [false, true] {
        let mut g = Side::new(&c.dir, None, Trigger::Start, &Env::default(), false);
        let mut o = Side::new(&c.dir, None, Trigger::Start, &Env::default(), true);
        if direct {
            for side in [&mut g, &mut o] {
                let url = side.served.proxy.goproxy_url();
                side.env = Env::sumdb(&side.served.db.gosumdb_direct(&url));
                side.fresh_sandbox();
            }
        }
        let gr = g.download(&c.go, None, &["-x"], &mods);
        let or = o.download(&c.go, None, &["-x"], &mods);
        t.check(format!("direct={direct}"), || {
            if !gr.success() || gr.code() != or.code() {
                return Err(format!("go:\n{gr}\nours:\n{or}"));
            }
            let ge = trace_lines(&g.normalize(&gr.stderr_text()));
            let oe = trace_lines(&o.normalize(&or.stderr_text()));
            if !ge.iter().any(|l| l.contains("/lookup/")) {
                return Err("go traced no lookup".into());
            }
            if ge != oe {
                return Err(line_diff(&ge.join("\n"), &oe.join("\n")));
            }
            // (stderr's order is the scheduler's in both tools: compared sorted.)
            same_state(&g, &o, &SnapshotOptions::default())
        });
    }
    t.finish();
}
