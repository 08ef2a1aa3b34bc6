//! Module lists: plain `path@version` lines, or the JSON records `go mod download
//! -json` (and `go list -m -json`) print, one object after another.

/// A list that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    #[error("line {line}: want path@version, got {text:?}")]
    Line { line: usize, text: String },
    #[error("reading JSON records: {0}")]
    Json(String),
}

/// The `path@version` arguments in `text`. Plain lists: one or more
/// whitespace-separated `path@version` per line, `#` starts a comment. Text whose
/// first non-blank character is `{` is read as concatenated JSON records: each
/// record's `Path` and `Version` (records without a `Version`, such as failed
/// queries, and the main module's record are skipped).
pub fn parse_module_list(text: &str) -> Result<Vec<String>, ListError> {
    if text.trim_start().starts_with('{') {
        return parse_json(text);
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        for word in line.split_whitespace() {
            match word.split_once('@') {
                Some((path, version)) if !path.is_empty() && !version.is_empty() => {
                    out.push(word.to_string());
                }
                _ => {
                    return Err(ListError::Line {
                        line: i + 1,
                        text: word.to_string(),
                    });
                }
            }
        }
    }
    Ok(out)
}

fn parse_json(text: &str) -> Result<Vec<String>, ListError> {
    let mut out = Vec::new();
    let stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    for value in stream {
        let value = value.map_err(|e| ListError::Json(e.to_string()))?;
        let field = |k: &str| value.get(k).and_then(|v| v.as_str()).unwrap_or("");
        let (path, version) = (field("Path"), field("Version"));
        let main = value.get("Main").and_then(|v| v.as_bool()) == Some(true);
        if !path.is_empty() && !version.is_empty() && !main {
            out.push(format!("{path}@{version}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lists_with_comments() {
        let got = parse_module_list(
            "# deps\nrsc.io/quote@v1.5.2 golang.org/x/text@v0.3.0\n\n  a.b/c@v1.0.0 # pinned\n",
        )
        .expect("parse");
        assert_eq!(
            got,
            [
                "rsc.io/quote@v1.5.2",
                "golang.org/x/text@v0.3.0",
                "a.b/c@v1.0.0"
            ]
        );
    }

    #[test]
    fn a_word_without_version_names_its_line() {
        let err = parse_module_list("a.b/c@v1.0.0\nrsc.io/quote\n").expect_err("bad line");
        assert_eq!(
            err.to_string(),
            "line 2: want path@version, got \"rsc.io/quote\""
        );
    }

    #[test]
    fn go_json_output() {
        let text = r#"{
	"Path": "rsc.io/quote",
	"Version": "v1.5.2",
	"Info": "/x/cache/download/rsc.io/quote/@v/v1.5.2.info"
}
{
	"Path": "example.com/gone",
	"Version": "v9.9.9",
	"Error": "not found"
}
{
	"Path": "example.com/bad",
	"Error": "malformed module path"
}
{"Path":"example.com/main","Main":true}
"#;
        let got = parse_module_list(text).expect("parse");
        assert_eq!(got, ["rsc.io/quote@v1.5.2", "example.com/gone@v9.9.9"]);
    }

    #[test]
    fn broken_json_is_an_error() {
        let err = parse_module_list("{\"Path\": \"a\", ").expect_err("truncated");
        assert!(
            err.to_string().starts_with("reading JSON records: "),
            "{err}"
        );
    }
}
