//! JSON exactly as Go's `encoding/json` writes it, for the outputs users and tools
//! compare byte for byte with `go`: `-json` records (`json.MarshalIndent(v, "", "\t")`),
//! `.info` files in the module cache (`json.Marshal`), and `go mod edit -json`.
//!
//! Values are built in Go's field order with Go's `omitempty` rules; strings are escaped
//! with HTML escaping on (`<`, `>`, `&` as `\u003c`…, U+2028/U+2029 escaped, `\b` and
//! `\f` short forms as since Go 1.22).

use std::fmt::Write as _;

/// A JSON value in the shape Go marshals it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(String),
    Bool(bool),
    /// An integer (Go's int/int64 fields).
    Int(i64),
    /// A slice; an empty list is a nil Go slice and prints as `null`.
    List(Vec<Value>),
    /// A struct: fields in declaration order.
    Object(Vec<(&'static str, Value)>),
    /// A nil pointer or interface.
    Null,
}

/// Builds a struct value field by field, applying `omitempty` where asked.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Obj(Vec<(&'static str, Value)>);

impl Obj {
    pub fn new() -> Obj {
        Obj::default()
    }

    pub fn str(mut self, key: &'static str, v: &str) -> Obj {
        self.0.push((key, Value::Str(v.to_string())));
        self
    }

    pub fn str_omitempty(self, key: &'static str, v: &str) -> Obj {
        if v.is_empty() { self } else { self.str(key, v) }
    }

    pub fn bool_omitempty(mut self, key: &'static str, v: bool) -> Obj {
        if v {
            self.0.push((key, Value::Bool(true)));
        }
        self
    }

    pub fn list(mut self, key: &'static str, v: Vec<Value>) -> Obj {
        self.0.push((key, Value::List(v)));
        self
    }

    pub fn list_omitempty(self, key: &'static str, v: Vec<Value>) -> Obj {
        if v.is_empty() {
            self
        } else {
            self.list(key, v)
        }
    }

    pub fn obj(mut self, key: &'static str, v: Obj) -> Obj {
        self.0.push((key, v.done()));
        self
    }

    /// A pointer-to-struct field with `omitempty`: left out when `None`.
    pub fn obj_omitempty(self, key: &'static str, v: Option<Obj>) -> Obj {
        match v {
            Some(v) => self.obj(key, v),
            None => self,
        }
    }

    pub fn value(mut self, key: &'static str, v: Value) -> Obj {
        self.0.push((key, v));
        self
    }

    pub fn done(self) -> Value {
        Value::Object(self.0)
    }
}

impl Value {
    /// `json.MarshalIndent(v, "", "\t")` followed by the newline `go` prints after it.
    pub fn to_indented(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, self, Some(0));
        out.push('\n');
        out
    }

    /// `json.Marshal(v)`: compact, no trailing newline.
    pub fn to_compact(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, self, None);
        out
    }
}

fn newline(out: &mut String, depth: Option<usize>) {
    if let Some(depth) = depth {
        out.push('\n');
        for _ in 0..depth {
            out.push('\t');
        }
    }
}

/// Writes `v`; `depth` is the indentation level, or `None` for compact output.
fn write_value(out: &mut String, v: &Value, depth: Option<usize>) {
    let inner = depth.map(|d| d + 1);
    match v {
        Value::Str(s) => write_string(out, s),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Null => out.push_str("null"),
        Value::List(items) if items.is_empty() => out.push_str("null"),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, inner);
                write_value(out, item, inner);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::Object(fields) if fields.is_empty() => out.push_str("{}"),
        Value::Object(fields) => {
            out.push('{');
            for (i, (k, val)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, inner);
                write_string(out, k);
                out.push(':');
                if depth.is_some() {
                    out.push(' ');
                }
                write_value(out, val, inner);
            }
            newline(out, depth);
            out.push('}');
        }
    }
}

/// A JSON string as Go's `encoding/json` writes it with HTML escaping on.
pub fn write_string(out: &mut String, s: &str) {
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

/// A Go string holding arbitrary bytes, as `encoding/json` encodes it: every invalid
/// UTF-8 byte becomes U+FFFD.
pub fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_go() {
        let mut s = String::new();
        write_string(&mut s, "a<b>&\"\\\u{1}\t\u{2028}é\u{7f}\u{8}\u{c}");
        assert_eq!(
            s,
            "\"a\\u003cb\\u003e\\u0026\\\"\\\\\\u0001\\t\\u2028é\u{7f}\\b\\f\""
        );
    }

    #[test]
    fn indented_and_compact() {
        let v = Obj::new()
            .str("Path", "rsc.io/quote")
            .str_omitempty("Query", "")
            .obj_omitempty("Origin", Some(Obj::new().str("VCS", "git")))
            .list("Empty", vec![])
            .bool_omitempty("Reuse", true)
            .done();
        assert_eq!(
            v.to_indented(),
            "{\n\t\"Path\": \"rsc.io/quote\",\n\t\"Origin\": {\n\t\t\"VCS\": \"git\"\n\t},\n\t\"Empty\": null,\n\t\"Reuse\": true\n}\n"
        );
        assert_eq!(
            v.to_compact(),
            "{\"Path\":\"rsc.io/quote\",\"Origin\":{\"VCS\":\"git\"},\"Empty\":null,\"Reuse\":true}"
        );
        let list = Value::List(vec![Value::Str("a".into()), Value::Int(-3)]);
        assert_eq!(list.to_indented(), "[\n\t\"a\",\n\t-3\n]\n");
        assert_eq!(Obj::new().done().to_compact(), "{}");
    }
}
