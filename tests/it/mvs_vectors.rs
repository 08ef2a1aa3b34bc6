//! `vectors/mvs.json`: Go's MVS scenarios (`cmd/go/internal/mvs/mvs_test.go`) in their
//! compact notation, and the go command's version order (`reqs_max`).
//!
//! The requirement graph behaves like the upstream test's `reqsMap`: versions compare
//! as plain strings except that `""` (a target's version) beats everything and `none`
//! loses to everything; `upgrade` picks the highest listed version and `previous` the
//! next lower one, both skipping versions ending in `.hidden`; asking for the
//! requirements of an unlisted module version is an error.

use crate::support::{self, Tally, cases, str_of};
use gomodfetch::module::ModuleVersion;
use gomodfetch::mvs::{self, DowngradeReqs, Reqs, UpgradeReqs};
use serde_json::Value;
use std::collections::HashMap;

/// `B1` → path `B`, version `1`; `A` → path `A`, version "".
fn m(s: &str) -> ModuleVersion {
    let split = s.chars().next().map_or(0, char::len_utf8);
    ModuleVersion::new(&s[..split], &s[split..])
}

#[derive(Clone, Default)]
struct TableReqs {
    reqs: HashMap<ModuleVersion, Vec<ModuleVersion>>,
}

impl TableReqs {
    fn from_json(reqs: &[Value]) -> Result<TableReqs, String> {
        let mut t = TableReqs::default();
        for entry in reqs {
            let module = m(entry
                .get("module")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("reqs entry without module: {entry}"))?);
            let requires: Vec<ModuleVersion> = entry
                .get("requires")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|r| {
                    r.as_str()
                        .map(m)
                        .ok_or_else(|| format!("bad requirement {r}"))
                })
                .collect::<Result<_, _>>()?;
            // As upstream: every module mentioned as a requirement exists, requiring
            // nothing unless it is listed itself.
            for r in &requires {
                t.reqs.entry(r.clone()).or_default();
            }
            if entry.get("implicit").and_then(Value::as_bool) == Some(true) {
                t.reqs.entry(module).or_default();
            } else {
                t.reqs.insert(module, requires);
            }
        }
        Ok(t)
    }
}

impl Reqs for TableReqs {
    type Error = String;

    fn required(&self, m: &ModuleVersion) -> Result<Vec<ModuleVersion>, String> {
        self.reqs
            .get(m)
            .cloned()
            .ok_or_else(|| format!("missing module: {m}"))
    }

    fn max<'a>(&self, _: &str, v1: &'a str, v2: &'a str) -> &'a str {
        if v1 == "none" || v2.is_empty() {
            v2
        } else if v2 == "none" || v1.is_empty() || v1 >= v2 {
            v1
        } else {
            v2
        }
    }
}

impl UpgradeReqs for TableReqs {
    fn upgrade(&self, m: &ModuleVersion) -> Result<ModuleVersion, String> {
        let mut u = ModuleVersion::new("", "none");
        for k in self.reqs.keys() {
            if k.path == m.path
                && self.max(&k.path, &u.version, &k.version) == k.version
                && !k.version.ends_with(".hidden")
            {
                u = k.clone();
            }
        }
        if u.path.is_empty() {
            return Err(format!(
                "missing module: {}",
                ModuleVersion::new(&m.path, "")
            ));
        }
        Ok(u)
    }
}

impl DowngradeReqs for TableReqs {
    fn previous(&self, m: &ModuleVersion) -> Result<ModuleVersion, String> {
        let mut p = ModuleVersion::default();
        for k in self.reqs.keys() {
            if k.path == m.path
                && p.version < k.version
                && k.version < m.version
                && !k.version.ends_with(".hidden")
            {
                p = k.clone();
            }
        }
        if p.path.is_empty() {
            return Ok(ModuleVersion::new(&m.path, "none"));
        }
        Ok(p)
    }
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

/// Runs one op; the result as compact notation.
fn run(op: &str, target: &str, args: &[&str], reqs: &TableReqs) -> Result<Vec<String>, String> {
    let target = m(target);
    let modules: Vec<ModuleVersion> = args.iter().map(|a| m(a)).collect();
    let list = match op {
        "build" => mvs::build_list(std::slice::from_ref(&target), reqs),
        "upgrade*" => mvs::upgrade_all(&target, reqs),
        "upgrade" => mvs::upgrade(&target, reqs, &modules),
        "upgradereq" => mvs::upgrade(&target, reqs, &modules).and_then(|list| {
            let mut upgraded = reqs.clone();
            upgraded.reqs.insert(target.clone(), list);
            mvs::req(&target, &[], &upgraded)
        }),
        "downgrade" => {
            // Upstream passes the target along with the modules to downgrade.
            let mut downgrades = vec![target.clone()];
            downgrades.extend(modules);
            mvs::downgrade(&target, reqs, &downgrades)
        }
        "req" => mvs::req(&target, args, reqs),
        other => return Err(format!("unknown op {other:?}")),
    };
    let list = list.map_err(|e| format!("error: {e}"))?;
    Ok(list
        .into_iter()
        .map(|m| format!("{}{}", m.path, m.version))
        .collect())
}

#[test]
fn mvs_json() {
    let Some(v) = support::vectors("mvs_json", "mvs.json") else {
        return;
    };

    let mut t = Tally::new("mvs.json/scenarios");
    for s in cases(&v, "scenarios") {
        let name = str_of(s, "name");
        let reqs = TableReqs::from_json(cases(s, "reqs"));
        for (i, o) in cases(s, "ops").iter().enumerate() {
            let op = str_of(o, "op");
            let target = str_of(o, "target");
            let args = strings(&o["args"]);
            t.check(
                format!("{name}#{i}: {op} {target} {}", args.join(" ")),
                || {
                    let reqs = reqs.as_ref().map_err(Clone::clone)?;
                    let got = run(op, target, &args, reqs)?;
                    let want = strings(&o["want"]);
                    if got == want {
                        Ok(())
                    } else {
                        Err(format!("got {got:?}, want {want:?}"))
                    }
                },
            );
        }
    }
    t.finish();

    let mut t = Tally::new("mvs.json/reqs_max");
    for c in cases(&v, "reqs_max") {
        let (a, b) = (str_of(c, "a"), str_of(c, "b"));
        let path = c.get("path").and_then(Value::as_str).unwrap_or("");
        t.eq(
            format!("max({path:?}, {a:?}, {b:?})"),
            mvs::max_version(path, a, b),
            str_of(c, "max"),
        );
    }
    t.finish();
}
