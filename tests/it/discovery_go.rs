//! Discovery against the real go: the errors of the static rules and GOVCS as
//! `go mod download` reports them in direct mode (they come before any network use;
//! HTTPS_PROXY points at a closed port so nothing could leave anyway), and the meta
//! tag scan against Go's own `encoding/xml` on many pages.

use crate::support::{self, Tally};
use gomodfetch::vcs::discovery::{Govcs, meta, parse_meta_go_imports, static_repo_root};
use serde_json::Value;

/// What our discovery says before any network use, or `None` if it would go online.
fn ours_offline(path: &str, govcs: &str, goprivate: &str) -> Option<String> {
    let govcs = match Govcs::parse(govcs) {
        Ok(g) => g,
        Err(e) => return Some(e.to_string()),
    };
    match static_repo_root(path)? {
        Err(e) => Some(e.to_string()),
        Ok(sr) => match govcs.check(sr.vcs.cmd, &sr.root, goprivate) {
            Err(e) => Some(e.to_string()),
            Ok(()) => None,
        },
    }
}

#[test]
fn static_and_govcs_errors_match_go() {
    let Some(go) = support::go("discovery_go::static_and_govcs_errors_match_go") else {
        return;
    };
    let cases: &[(&str, &str, &str)] = &[
        ("github.com/a/b.git", "", ""),
        ("github.com/a/b.hg/c", "", ""),
        ("github.com/a", "", ""),
        ("bitbucket.org/a/b.svn", "", ""),
        ("bitbucket.org/a", "", ""),
        ("hub.jazz.net/git/USER/x", "", ""),
        ("hub.jazz.net/git/u/x.git", "", ""),
        ("git.apache.org/x", "", ""),
        ("git.openstack.org/x", "", ""),
        ("chiselapp.com/user/a/b/c", "", ""),
        ("chiselapp.com/user/a/repository/b", "", ""),
        ("example.net/x", "", ""),
        ("rsc.io/nonexist.svn/foo", "", ""),
        ("rsc.io/nonexist.bzr/foo", "", ""),
        ("rsc.io/nonexist.fossil/foo", "", ""),
        ("rsc.io/nonexist.git/foo", "public:hg", ""),
        ("rsc.io/nonexist.hg/foo", "public:git", ""),
        ("github.com/google/go-cmp", "*:none", ""),
        ("github.com/google/go-cmp", "*:none", "github.com"),
        (
            "github.com/google/go-cmp",
            "public:all,private:none",
            "github.com",
        ),
        ("github.com/google/go-cmp", "private:all,public:none", ""),
        ("github.com/google/go-cmp", "github.com:svn|hg", ""),
        (
            "github.com/google/go-cmp",
            "github.com/google/go-cmp/inner:git,github.com:svn|hg",
            "",
        ),
        ("github.com/google/go-cmp", "git", ""),
        (
            "github.com/google/go-cmp",
            "github.com:hg,github.com:git",
            "",
        ),
        ("github.com/google/go-cmp", ",", ""),
        ("github.com/google/go-cmp", "x:", ""),
        ("github.com/google/go-cmp", "x:a||b", ""),
        ("github.com/google/go-cmp", "./x:git", ""),
        ("github.com/google/go-cmp", ":git", ""),
        ("example.com/x.svn/y", "", ""),
        ("example.com/x.fossil", "", ""),
    ];
    let mut sb = support::sandbox();
    sb.set("GOPROXY", "direct");
    sb.set("HTTPS_PROXY", "http://127.0.0.1:1");
    sb.set("HTTP_PROXY", "http://127.0.0.1:1");
    sb.set("NO_PROXY", "");
    sb.set("GIT_ALLOW_PROTOCOL", "none");
    let dir = sb.work_dir();
    let mut tally = Tally::new("discovery_go/static_and_govcs");
    for &(path, govcs, goprivate) in cases {
        let label = format!("{path} GOVCS={govcs:?} GOPRIVATE={goprivate:?}");
        tally.check(&label, || {
            let want_ours = ours_offline(path, govcs, goprivate)
                .ok_or_else(|| "ours would go online".to_string())?;
            let mut cmd = go.command(&sb, &dir);
            cmd.env("GOVCS", govcs).env("GOPRIVATE", goprivate);
            cmd.args(["mod", "download", "-json", &format!("{path}@v1.0.0")]);
            let out = cmd.output().map_err(|e| e.to_string())?;
            let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
                format!("go's output: {e}: {}", String::from_utf8_lossy(&out.stdout))
            })?;
            let err = v["Error"].as_str().unwrap_or_default();
            let theirs = err.strip_prefix(&format!("{path}@v1.0.0: ")).unwrap_or(err);
            if theirs == want_ours {
                Ok(())
            } else {
                Err(format!("go: {theirs:?}\nus: {want_ours:?}"))
            }
        });
    }
    tally.finish();
}

/// The same scan as cmd/go's parseMetaGoImports, over Go's encoding/xml.
const ORACLE: &str = r#"package main

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
)

func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "ascii":
		return input, nil
	}
	return nil, fmt.Errorf("can't decode XML document using charset %q", charset)
}

func attr(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value
		}
	}
	return ""
}

func scan(page string) ([][]string, string) {
	d := xml.NewDecoder(strings.NewReader(page))
	d.CharsetReader = charsetReader
	d.Strict = false
	var out [][]string
	for {
		t, err := d.RawToken()
		if err != nil {
			if err != io.EOF && len(out) == 0 {
				return nil, err.Error()
			}
			break
		}
		if e, ok := t.(xml.StartElement); ok && strings.EqualFold(e.Name.Local, "body") {
			break
		}
		if e, ok := t.(xml.EndElement); ok && strings.EqualFold(e.Name.Local, "head") {
			break
		}
		e, ok := t.(xml.StartElement)
		if !ok || !strings.EqualFold(e.Name.Local, "meta") || attr(e.Attr, "name") != "go-import" {
			continue
		}
		if f := strings.Fields(attr(e.Attr, "content")); len(f) == 3 || len(f) == 4 {
			if len(f) == 3 {
				f = append(f, "")
			}
			out = append(out, f)
		}
	}
	// PreferMod: mod tags first; other tags with a mod tag's prefix dropped.
	have := map[string]bool{}
	var list [][]string
	for _, m := range out {
		if m[1] == "mod" {
			have[m[0]] = true
			list = append(list, m)
		}
	}
	for _, m := range out {
		if m[1] != "mod" && !have[m[0]] {
			list = append(list, m)
		}
	}
	return list, ""
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, 1<<24)
	enc := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var page string
		if err := json.Unmarshal(in.Bytes(), &page); err != nil {
			panic(err)
		}
		tags, err := scan(page)
		if tags == nil {
			tags = [][]string{}
		}
		enc.Encode(map[string]any{"tags": tags, "err": err})
	}
}
"#;

/// Pages: Go's test pages, realistic HTML, and every lenient or failing form.
fn pages() -> Vec<String> {
    let tag = r#"<meta name="go-import" content="a.b/c git https://x/y">"#;
    let mut pages: Vec<String> = vec![
        tag.into(),
        format!("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n{tag}\n<title>x</title>\n</head>\n<body>{tag}</body></html>"),
        format!("<html><head><script>if (a < b) {{}}</script>{tag}</head>"),
        format!("<html><head>{tag}<script>if (a < b) {{}}</script></head>"),
        format!("<html>\n\n<head><style>a > b {{}}</style>{tag}"),
        format!("<!-- a comment -->{tag}"),
        format!("<!-- bad -- comment -->{tag}"),
        format!("<![CDATA[ <x> ]]>{tag}"),
        format!("x ]]> {tag}"),
        format!("<?xml version=\"1.0\" encoding=\"latin1\"?>{tag}"),
        format!("<?xml version=\"1.0\" encoding=\"ASCII\"?>{tag}"),
        format!("<?xml version=\"1.1\"?>{tag}"),
        format!("<?php echo 1 ?>{tag}"),
        format!("<!DOCTYPE html [<!ENTITY x \"<y>\"> <!-- c --> ]>{tag}"),
        format!("&nbsp;&amp;&#65;&#x42;&#;&#xZZ;&bogus {tag}"),
        format!("text\u{1}{tag}"),
        "text\u{ffff}".into(),
        "<meta name=go-import content=a.b/c>".into(),
        "<meta name=go-import content=\"a.b/c  git\thttps://x/y\n sub\">".into(),
        "<meta name=go-import content=\"a.b/c mod https://m\"><meta name=go-import content=\"a.b/c git https://g\">".into(),
        "<Meta NAME=\"go-import\" Content=\"a.b/c git https://x/y\"/>".into(),
        "<meta name=\"go-import\" foo:content=\"a.b/c git https://x/y\">".into(),
        "<meta name='go-import' content='a.b/c git https://x/y?a&amp;b'>".into(),
        "<meta name=\"go-import\" content=\"a.b/c git https://x/y\" disabled>".into(),
        "<meta name=\"go-import\" content=\"a.b/c git https://x/y\"".into(),
        "<meta name=\"go-import\" content=\"a.b/c git https://x/y".into(),
        "<meta name=\"go-import\" content=\"a.b/c git <https://x/y>\">".into(),
        "<a:b:c><meta name=\"go-import\" content=\"a.b/c git https://x/y\">".into(),
        "<\u{b7}x>".into(),
        "<x\u{b7}>".into(),
        "<é name=\"go-import\">".into(),
        "</ head >".into(),
        "</head x>".into(),
        "<head/><meta name=\"go-import\" content=\"a.b/c git https://x/y\">".into(),
        "<BODY><meta name=\"go-import\" content=\"a.b/c git https://x/y\">".into(),
        "\r\n\r\n<".into(),
        "\n\n\n<a b='\n\n<'>".into(),
        "<!-".into(),
        "<!-x".into(),
        "<![CDAX[".into(),
        "<![CDATA[x".into(),
        "<?".into(),
        "<?xml".into(),
        "<a b=".into(),
        "<a b/c>".into(),
        "<a =b>".into(),
        "".into(),
        "   ".into(),
        "<meta name=\"go-import\" content=\"a.b/c git https://x/y\u{a0}sub\u{2003}extra\">".into(),
    ];
    // Each page also with invalid UTF-8 before the tag.
    pages.push(format!("ab\u{0}{tag}"));
    pages
}

#[test]
fn meta_scan_matches_encoding_xml() {
    let Some(go) = support::go("discovery_go::meta_scan_matches_encoding_xml") else {
        return;
    };
    let sb = support::sandbox();
    let dir = sb.work_dir();
    let src = dir.join("oracle.go");
    std::fs::write(&src, ORACLE).unwrap_or_else(|e| panic!("writing the oracle: {e}"));
    let mut inputs: Vec<Vec<u8>> = pages().into_iter().map(String::into_bytes).collect();
    inputs.push(b"ab\xffcd<meta name=\"go-import\" content=\"a.b/c git https://x/y\">".to_vec());
    inputs.push(b"<meta name=\"go-import\" content=\"a.b/c git https://x/\xff\">".to_vec());
    // Go reads JSON strings; invalid UTF-8 would be replaced, so those go as-is only
    // when valid.
    let inputs: Vec<Vec<u8>> = inputs
        .into_iter()
        .filter(|b| std::str::from_utf8(b).is_ok())
        .collect();
    let mut stdin = String::new();
    for b in &inputs {
        let s = std::str::from_utf8(b).unwrap_or_default();
        stdin.push_str(&serde_json::to_string(s).unwrap_or_default());
        stdin.push('\n');
    }
    let mut cmd = go.command(&sb, &dir);
    cmd.args(["run", "oracle.go"]).env("GO111MODULE", "off");
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("go run: {e}"));
    if let Some(mut w) = child.stdin.take() {
        use std::io::Write;
        w.write_all(stdin.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "oracle: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
        .collect();
    assert_eq!(answers.len(), inputs.len());
    let mut tally = Tally::new("discovery_go/meta_scan");
    for (page, want) in inputs.iter().zip(&answers) {
        let label = format!("{:?}", String::from_utf8_lossy(page));
        let got = match parse_meta_go_imports(page, true) {
            Ok(tags) => serde_json::json!({
                "tags": tags.iter().map(|m: &meta::MetaImport| vec![
                    m.prefix.clone(), m.vcs.clone(), m.repo_root.clone(), m.subdir.clone()
                ]).collect::<Vec<_>>(),
                "err": "",
            }),
            Err(e) => serde_json::json!({"tags": [], "err": e.to_string()}),
        };
        tally.eq(label, &got, want);
    }
    tally.finish();
}
