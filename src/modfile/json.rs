//! The JSON forms of go.mod and go.work that `go mod edit -json` and
//! `go work edit -json` print, byte for byte.
//!
//! Field names, order and omissions follow the Go structs in
//! `cmd/go/internal/modcmd/edit.go` and `cmd/go/internal/workcmd/edit.go`: lists with
//! no entries print as `null`, `omitempty` fields are left out when empty, strings
//! are escaped as Go's `encoding/json` does (including `<`, `>`, `&`, U+2028 and
//! U+2029), and the output is indented with tabs and ends with a newline.

use super::rule::File;
use super::work::WorkFile;
use crate::gojson::{Obj, Value as Json};
use crate::module::ModuleVersion;

fn module_version(m: &ModuleVersion) -> Json {
    Obj::default()
        .str("Path", &m.path)
        .str_omitempty("Version", &m.version)
        .done()
}

/// What `go mod edit -json` prints for a go.mod file (after its `SortBlocks` and
/// `Cleanup`, which the caller applies when it wants Go's exact output).
pub fn mod_json(f: &File) -> String {
    let module = match &f.module {
        Some(m) => Obj::default()
            .str("Path", &m.path)
            .str_omitempty("Deprecated", &m.deprecated),
        None => Obj::default().str("Path", ""),
    };
    let godebug = f
        .godebug
        .iter()
        .map(|d| {
            Obj::default()
                .str("Key", &d.key)
                .str("Value", &d.value)
                .done()
        })
        .collect();
    let require = f
        .require
        .iter()
        .map(|r| {
            Obj::default()
                .str("Path", &r.module.path)
                .str_omitempty("Version", &r.module.version)
                .bool_omitempty("Indirect", r.indirect)
                .done()
        })
        .collect();
    let exclude = f
        .exclude
        .iter()
        .map(|x| module_version(&x.module))
        .collect();
    let replace = f
        .replace
        .iter()
        .map(|r| replace_json(&r.old, &r.new))
        .collect();
    let retract = f
        .retract
        .iter()
        .map(|r| {
            Obj::default()
                .str_omitempty("Low", &r.interval.low)
                .str_omitempty("High", &r.interval.high)
                .str_omitempty("Rationale", &r.rationale)
                .done()
        })
        .collect();
    let path_list = |paths: Vec<&str>| -> Vec<Json> {
        paths
            .into_iter()
            .map(|p| Obj::default().str("Path", p).done())
            .collect()
    };
    let obj = Obj::default()
        .obj("Module", module)
        .str_omitempty("Go", f.go.as_ref().map_or("", |g| &g.version))
        .str_omitempty("Toolchain", f.toolchain.as_ref().map_or("", |t| &t.name))
        .list_omitempty("GoDebug", godebug)
        .list("Require", require)
        .list("Exclude", exclude)
        .list("Replace", replace)
        .list("Retract", retract)
        .list(
            "Tool",
            path_list(f.tool.iter().map(|t| t.path.as_str()).collect()),
        )
        .list(
            "Ignore",
            path_list(f.ignore.iter().map(|t| t.path.as_str()).collect()),
        );
    render(&obj.done())
}

/// What `go work edit -json` prints for a go.work file. (Go prints neither the
/// toolchain nor the godebug settings there.)
pub fn work_json(f: &WorkFile) -> String {
    let uses = f
        .uses
        .iter()
        .map(|u| {
            Obj::default()
                .str("DiskPath", &u.path)
                .str_omitempty("ModPath", &u.module_path)
                .done()
        })
        .collect();
    let replace = f
        .replace
        .iter()
        .map(|r| replace_json(&r.old, &r.new))
        .collect();
    let obj = Obj::default()
        .str_omitempty("Go", f.go.as_ref().map_or("", |g| &g.version))
        .list("Use", uses)
        .list("Replace", replace);
    render(&obj.done())
}

fn replace_json(old: &ModuleVersion, new: &ModuleVersion) -> Json {
    Json::Object(vec![
        ("Old", module_version(old)),
        ("New", module_version(new)),
    ])
}

/// Go's `json.MarshalIndent(v, "", "\t")` plus the trailing newline `go` adds.
fn render(v: &Json) -> String {
    v.to_indented()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file() {
        assert_eq!(
            mod_json(&File::default()),
            "{\n\t\"Module\": {\n\t\t\"Path\": \"\"\n\t},\n\t\"Require\": null,\n\t\"Exclude\": null,\n\t\"Replace\": null,\n\t\"Retract\": null,\n\t\"Tool\": null,\n\t\"Ignore\": null\n}\n"
        );
        assert_eq!(
            work_json(&WorkFile::default()),
            "{\n\t\"Use\": null,\n\t\"Replace\": null\n}\n"
        );
    }
}
