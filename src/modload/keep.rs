//! Which go.sum lines Go keeps when it writes go.sum (Go's `keepSums` with
//! `addBuildListZipSums`, for commands that load no packages).

use crate::module::ModuleVersion;
use crate::mvs::Graph;
use std::cmp::Ordering;
use std::collections::HashSet;

/// The go.sum keys to keep: without a loaded `graph`, the go.mod and zip sums of the
/// (replaced) roots; with one, the go.mod sums of every module whose go.mod was read,
/// and the zip sums (plus, when `mod_sums_for_zips`, the go.mod sums) of the build
/// list. `resolve` is the main module's replacement.
pub fn keep_sums<C: Fn(&str, &str, &str) -> Ordering>(
    roots: &[ModuleVersion],
    graph: Option<&Graph<C>>,
    resolve: &dyn Fn(&ModuleVersion) -> ModuleVersion,
    mod_sums_for_zips: bool,
) -> HashSet<ModuleVersion> {
    let mut keep = HashSet::new();
    let go_mod_key =
        |m: &ModuleVersion| ModuleVersion::new(m.path.clone(), format!("{}/go.mod", m.version));
    match graph {
        None => {
            for m in roots {
                let r = resolve(m);
                keep.insert(go_mod_key(&r));
                keep.insert(r);
            }
        }
        Some(g) => {
            g.walk_breadth_first(|m| {
                if g.required_by(m).is_some() {
                    keep.insert(go_mod_key(&resolve(m)));
                }
            });
            for m in g.build_list() {
                let r = resolve(&m);
                if mod_sums_for_zips {
                    keep.insert(go_mod_key(&r));
                }
                keep.insert(r);
            }
        }
    }
    keep
}
