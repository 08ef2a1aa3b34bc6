//! One result of a run: Go's `modcmd.ModuleJSON`, the record `go mod download -json`
//! prints for each module (or failure), with its JSON encoding.

use crate::gojson::Obj;
use crate::revinfo::Origin;
use std::path::Path;

/// Go's `ModuleJSON`. Empty strings are absent (every field is `omitempty`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub path: String,
    pub version: String,
    pub query: String,
    pub error: String,
    pub info: String,
    pub go_mod: String,
    pub zip: String,
    pub dir: String,
    pub sum: String,
    pub go_mod_sum: String,
    pub origin: Option<Origin>,
    pub reuse: bool,
    /// Not printed: the module was reached through the module graph, so a go.mod
    /// needing a newer Go is downloaded anyway (Go refuses it; see
    /// `Fetcher::check_go_version`). Explicit `path@version` arguments keep Go's
    /// refusal, as `go mod download -json` reports it.
    pub newer_go_ok: bool,
}

impl Record {
    /// Whether the module failed.
    pub fn failed(&self) -> bool {
        !self.error.is_empty()
    }

    /// `json.MarshalIndent(record, "", "\t")` and the newline `go` prints after it.
    pub fn to_json(&self) -> String {
        let obj = Obj::new()
            .str_omitempty("Path", &self.path)
            .str_omitempty("Version", &self.version)
            .str_omitempty("Query", &self.query)
            .str_omitempty("Error", &self.error)
            .str_omitempty("Info", &self.info)
            .str_omitempty("GoMod", &self.go_mod)
            .str_omitempty("Zip", &self.zip)
            .str_omitempty("Dir", &self.dir)
            .str_omitempty("Sum", &self.sum)
            .str_omitempty("GoModSum", &self.go_mod_sum)
            .obj_omitempty("Origin", self.origin.as_ref().map(Origin::to_json))
            .bool_omitempty("Reuse", self.reuse);
        obj.done().to_indented()
    }
}

/// A cache path as Go holds it in a string (lossy only for paths that are not UTF-8,
/// which Go's JSON encoder would replace the same way).
pub(crate) fn path_string(p: &Path) -> String {
    crate::gojson::lossy(&crate::modzip::path_bytes(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_field_order_and_omitempty() {
        let r = Record {
            path: "a.b/c".into(),
            version: "v1.0.0".into(),
            query: "<v2".into(),
            origin: Some(Origin::default()),
            ..Record::default()
        };
        assert_eq!(
            r.to_json(),
            "{\n\t\"Path\": \"a.b/c\",\n\t\"Version\": \"v1.0.0\",\n\t\"Query\": \"\\u003cv2\",\n\t\"Origin\": {}\n}\n"
        );
    }
}
