//! The results: what one run cost and what it asked of the proxy, per cell of the
//! matrix (workload × profile × scenario) and per pair; their medians and the per-pair
//! ratios (go / gomodfetch: above 1 means gomodfetch took less), printed as Markdown
//! and written as JSON.

use crate::measure::Usage;
use crate::scenario::{NetProfile, Scenario};
pub use crate::traffic::Traffic;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// One measured run of one tool.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub usage: Usage,
    pub traffic: Traffic,
}

/// One `go` run and the `gomodfetch` run right after it.
#[derive(Debug, Clone)]
pub struct Pair {
    pub go: RunResult,
    pub gomodfetch: RunResult,
}

/// The runs of one cell of the matrix.
#[derive(Debug, Clone)]
pub struct Cell {
    pub workload: String,
    pub profile: NetProfile,
    pub scenario: Scenario,
    pub pairs: Vec<Pair>,
}

/// The median (mean of the middle two for an even count); 0 for none.
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

pub fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

const MIB: f64 = 1024.0 * 1024.0;

/// The per-tool series the tables show, by accessor.
struct Metric {
    name: &'static str,
    get: fn(&RunResult) -> f64,
    fmt: fn(f64) -> String,
    ratio: bool,
}

fn secs(v: f64) -> String {
    format!("{v:.2} s")
}
fn mib(v: f64) -> String {
    format!("{v:.1} MiB")
}
fn count(v: f64) -> String {
    format!("{v:.0}")
}

const METRICS: &[Metric] = &[
    Metric {
        name: "wall time",
        get: |r| r.usage.wall.as_secs_f64(),
        fmt: secs,
        ratio: true,
    },
    Metric {
        name: "peak RSS",
        get: |r| r.usage.max_rss as f64 / MIB,
        fmt: mib,
        ratio: true,
    },
    Metric {
        name: "user+sys CPU",
        get: |r| r.usage.cpu().as_secs_f64(),
        fmt: secs,
        ratio: true,
    },
    Metric {
        name: "requests",
        get: |r| r.traffic.requests as f64,
        fmt: count,
        ratio: false,
    },
    Metric {
        name: "connections opened",
        get: |r| r.traffic.connections as f64,
        fmt: count,
        ratio: false,
    },
    Metric {
        name: "connections used",
        get: |r| r.traffic.connections_used as f64,
        fmt: count,
        ratio: false,
    },
    Metric {
        name: "most requests in flight",
        get: |r| r.traffic.max_in_flight as f64,
        fmt: count,
        ratio: false,
    },
];

fn series(p: &Cell, get: fn(&RunResult) -> f64) -> (Vec<f64>, Vec<f64>) {
    p.pairs
        .iter()
        .map(|pair| (get(&pair.go), get(&pair.gomodfetch)))
        .unzip()
}

pub fn ratios(p: &Cell, get: fn(&RunResult) -> f64) -> Vec<f64> {
    let (go, us) = series(p, get);
    go.iter().zip(&us).map(|(g, u)| ratio(*g, *u)).collect()
}

/// The wall-time ratios of a cell's pairs.
pub fn wall_ratios(c: &Cell) -> Vec<f64> {
    ratios(c, METRICS[0].get)
}

/// The Markdown section of one cell: medians per tool, then every pair.
pub fn markdown(c: &Cell) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "### {} · {} · {}: {} pairs (go first in each)\n",
        c.workload,
        c.profile.label(),
        c.scenario,
        c.pairs.len()
    );
    s.push_str("| median | go | gomodfetch | go / gomodfetch (median of pair ratios) |\n");
    s.push_str("|---|---:|---:|---:|\n");
    for m in METRICS {
        let (go, us) = series(c, m.get);
        let r = if m.ratio {
            format!("{:.2}×", median(&ratios(c, m.get)))
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {r} |",
            m.name,
            (m.fmt)(median(&go)),
            (m.fmt)(median(&us))
        );
    }
    s.push_str("\n| pair | go wall | gomodfetch wall | wall ratio | go RSS | gomodfetch RSS |\n");
    s.push_str("|---:|---:|---:|---:|---:|---:|\n");
    let wall = METRICS[0].get;
    let rss = METRICS[1].get;
    for (i, pair) in c.pairs.iter().enumerate() {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.2}× | {} | {} |",
            i + 1,
            secs(wall(&pair.go)),
            secs(wall(&pair.gomodfetch)),
            ratio(wall(&pair.go), wall(&pair.gomodfetch)),
            mib(rss(&pair.go)),
            mib(rss(&pair.gomodfetch)),
        );
    }
    s
}

/// The summary table: one line per cell, the median of each tool and the median of
/// the pair ratios (with the smallest and largest pair ratio for wall time).
pub fn summary(cells: &[Cell]) -> String {
    let mut s = String::from(
        "| workload | profile | scenario | pairs | go wall | gomodfetch wall | wall ratio (min–max) | CPU ratio | peak RSS go / ours | requests go / ours | MB from proxy go / ours |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for c in cells {
        let med = |get: fn(&RunResult) -> f64| {
            let (g, u) = series(c, get);
            (median(&g), median(&u))
        };
        let walls = wall_ratios(c);
        let lo = walls.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = walls.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (gw, uw) = med(METRICS[0].get);
        let (gr, ur) = med(METRICS[1].get);
        let (gq, uq) = med(|r| r.traffic.requests as f64);
        let (gb, ub) = med(|r| r.traffic.body_bytes as f64 / 1e6);
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | **{:.1}×** ({:.1}–{:.1}) | {:.2}× | {:.0} / {:.0} MiB | {gq:.0} / {uq:.0} | {gb:.1} / {ub:.1} |",
            c.workload,
            c.profile.label(),
            c.scenario,
            c.pairs.len(),
            secs(gw),
            secs(uw),
            median(&walls),
            lo,
            hi,
            median(&ratios(c, METRICS[2].get)),
            gr,
            ur,
        );
    }
    s
}

fn run_json(r: &RunResult) -> Value {
    json!({
        "wall_s": r.usage.wall.as_secs_f64(),
        "user_s": r.usage.user.as_secs_f64(),
        "sys_s": r.usage.sys.as_secs_f64(),
        "max_rss_bytes": r.usage.max_rss,
        "exit_code": r.usage.exit_code,
        "requests": r.traffic.requests,
        "requests_by_kind": r.traffic.by_kind,
        "not_ok": r.traffic.not_ok,
        "connections": r.traffic.connections,
        "connections_used": r.traffic.connections_used,
        "max_in_flight": r.traffic.max_in_flight,
        "body_bytes": r.traffic.body_bytes,
        "wire_bytes": r.traffic.wire_bytes,
    })
}

/// One cell as JSON: every run, the medians and the median pair ratios.
pub fn cell_json(p: &Cell) -> Value {
    let mut medians = serde_json::Map::new();
    for m in METRICS {
        let (go, us) = series(p, m.get);
        let mut entry = json!({ "go": median(&go), "gomodfetch": median(&us) });
        if m.ratio {
            entry["go_over_gomodfetch"] = json!(median(&ratios(p, m.get)));
            entry["pair_ratios"] = json!(ratios(p, m.get));
        }
        medians.insert(m.name.to_string(), entry);
    }
    json!({
        "workload": p.workload,
        "profile": p.profile.label(),
        "rtt_ms": p.profile.rtt.as_millis() as u64,
        "bandwidth_mbit": p.profile.mbit,
        "scenario": p.scenario.name(),
        "pairs": p.pairs.iter().map(|pair| json!({
            "go": run_json(&pair.go),
            "gomodfetch": run_json(&pair.gomodfetch),
        })).collect::<Vec<_>>(),
        "medians": medians,
    })
}
