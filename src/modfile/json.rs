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
use crate::module::ModuleVersion;
use std::fmt::Write as _;

/// A JSON value in the shape Go marshals it.
enum Json {
    Str(String),
    Bool(bool),
    /// A slice: `null` when empty (a nil Go slice).
    List(Vec<Json>),
    Object(Vec<(&'static str, Json)>),
}

/// An object builder that knows Go's `omitempty`.
#[derive(Default)]
struct Obj(Vec<(&'static str, Json)>);

impl Obj {
    fn str(mut self, key: &'static str, v: &str) -> Obj {
        self.0.push((key, Json::Str(v.to_string())));
        self
    }
    fn str_omitempty(self, key: &'static str, v: &str) -> Obj {
        if v.is_empty() { self } else { self.str(key, v) }
    }
    fn bool_omitempty(mut self, key: &'static str, v: bool) -> Obj {
        if v {
            self.0.push((key, Json::Bool(true)));
        }
        self
    }
    fn list(mut self, key: &'static str, v: Vec<Json>) -> Obj {
        self.0.push((key, Json::List(v)));
        self
    }
    fn list_omitempty(self, key: &'static str, v: Vec<Json>) -> Obj {
        if v.is_empty() {
            self
        } else {
            self.list(key, v)
        }
    }
    fn obj(mut self, key: &'static str, v: Obj) -> Obj {
        self.0.push((key, Json::Object(v.0)));
        self
    }
    fn done(self) -> Json {
        Json::Object(self.0)
    }
}

/// `module.Version` (its `Version` is `omitempty`).
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
    let mut out = String::new();
    write_value(&mut out, v, 0);
    out.push('\n');
    out
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push('\t');
    }
}

fn write_value(out: &mut String, v: &Json, depth: usize) {
    match v {
        Json::Str(s) => write_string(out, s),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::List(items) if items.is_empty() => out.push_str("null"),
        Json::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_value(out, item, depth + 1);
            }
            newline(out, depth);
            out.push(']');
        }
        Json::Object(fields) if fields.is_empty() => out.push_str("{}"),
        Json::Object(fields) => {
            out.push('{');
            for (i, (k, val)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_string(out, k);
                out.push_str(": ");
                write_value(out, val, depth + 1);
            }
            newline(out, depth);
            out.push('}');
        }
    }
}

/// A JSON string as Go's `encoding/json` writes it with HTML escaping on.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '<' || c == '>' || c == '&' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_go() {
        let mut s = String::new();
        write_string(&mut s, "a<b>&\"\\\u{1}\t\u{2028}é\u{7f}");
        assert_eq!(
            s,
            "\"a\\u003cb\\u003e\\u0026\\\"\\\\\\u0001\\t\\u2028é\u{7f}\""
        );
    }

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
