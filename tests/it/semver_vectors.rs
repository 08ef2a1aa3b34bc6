//! `vectors/semver.json`: validity, accessors, ordering and sorting of
//! `golang.org/x/mod/semver`.

use crate::support::{self, Tally, cases, str_of};
use gomodfetch::semver;
use std::cmp::Ordering;

#[test]
fn semver_json() {
    let Some(v) = support::vectors("semver_json", "semver.json") else {
        return;
    };
    let table = cases(&v, "cases");

    let mut t = Tally::new("semver.json/cases");
    for c in table {
        let input = str_of(c, "input");
        t.check(input, || {
            let got = (
                semver::is_valid(input),
                semver::canonical(input),
                semver::major(input).to_string(),
                semver::major_minor(input),
                semver::prerelease(input).to_string(),
                semver::build(input).to_string(),
            );
            let want = (
                c["valid"].as_bool().unwrap_or(false),
                str_of(c, "canonical").to_string(),
                str_of(c, "major").to_string(),
                str_of(c, "major_minor").to_string(),
                str_of(c, "prerelease").to_string(),
                str_of(c, "build").to_string(),
            );
            if got == want {
                Ok(())
            } else {
                Err(format!("got {got:?}, want {want:?}"))
            }
        });
    }
    t.finish();

    // Every pair: compare follows the rank, max picks the canonical larger one.
    let mut t = Tally::new("semver.json/compare-pairs");
    for a in table {
        for b in table {
            let (va, vb) = (str_of(a, "input"), str_of(b, "input"));
            let (ra, rb) = (a["order_rank"].as_i64(), b["order_rank"].as_i64());
            t.check(format!("compare({va}, {vb})"), || {
                let want = ra.cmp(&rb);
                let got = semver::compare(va, vb);
                if got != want {
                    return Err(format!("got {got:?}, want {want:?}"));
                }
                let want_max = if want == Ordering::Greater {
                    semver::canonical(va)
                } else {
                    semver::canonical(vb)
                };
                let got_max = semver::max(va, vb);
                if got_max != want_max {
                    return Err(format!("max: got {got_max:?}, want {want_max:?}"));
                }
                Ok(())
            });
        }
    }
    t.finish();

    let mut t = Tally::new("semver.json/sort_golden");
    let golden: Vec<&str> = cases(&v, "sort_golden")
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    let mut inputs: Vec<&str> = table.iter().map(|c| str_of(c, "input")).collect();
    inputs.reverse();
    semver::sort(&mut inputs);
    t.eq("sort", inputs, golden);
    t.finish();

    let mut t = Tally::new("semver.json/extra_compare");
    for c in cases(&v, "extra_compare") {
        let (a, b) = (str_of(c, "a"), str_of(c, "b"));
        let want = c["compare"].as_i64().unwrap_or(99);
        t.eq(format!("{a} vs {b}"), semver::compare(a, b) as i64, want);
    }
    t.finish();
}
