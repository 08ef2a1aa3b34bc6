//! Differential test of the pure parts of `config` against Go's own code: `net/url`
//! (parse, re-serialise, redact, escape), `cmd/internal/quoted.Split` (GOFLAGS
//! words), `cmd/go/internal/auth`'s netrc parser and `cmd/go/internal/web`'s
//! `file://` URL ↔ path conversion (Unix rules).
//!
//! The oracle is built from the installed toolchain's sources (copied at test time,
//! never into the repository) plus the driver below, and asked about hand-picked
//! cases and a few thousand strings generated from tricky fragments. Every answer,
//! including error texts, must equal ours.

use crate::support::oracle::{self, Rng};
use crate::support::{self, Tally};
use gomodfetch::config::fileurl::{PathStyle, url_from_file_path, url_to_file_path};
use gomodfetch::config::goauth::parse_netrc;
use gomodfetch::config::goflags::split_quoted;
use gomodfetch::config::gourl::{self, Url};
use gomodfetch::gostr::quote;
use std::collections::BTreeMap;

const DRIVER: &str = r#"
// Answers config questions with Go's own code; one hex-encoded request per line
// (op TAB hex(arg)), one hex-encoded answer per line. The go command is built
// with Go 1.26's defaults, where net/url is strict about colons in http hosts; the
// oracle module says an older go version, so ask for that default explicitly.

//go:debug urlstrictcolons=1
package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"

	"golang.org/x/mod/internal/auth"
	"golang.org/x/mod/internal/quoted"
	"golang.org/x/mod/internal/web"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		op, arg, _ := strings.Cut(in.Text(), "\t")
		b, err := hex.DecodeString(arg)
		if err != nil {
			panic(err)
		}
		fmt.Fprintln(out, hex.EncodeToString([]byte(answer(op, string(b)))))
	}
}

func dump(u *url.URL, err error) string {
	if err != nil {
		return "err " + err.Error()
	}
	user, pass, set := "", "", false
	if u.User != nil {
		user = u.User.Username()
		pass, set = u.User.Password()
	}
	return fmt.Sprintf("ok scheme=%q opaque=%q user=%v:%q:%q:%v host=%q path=%q rawpath=%q omithost=%v forcequery=%v rawquery=%q frag=%q rawfrag=%q string=%q redacted=%q escpath=%q",
		u.Scheme, u.Opaque, u.User != nil, user, pass, set, u.Host, u.Path, u.RawPath,
		u.OmitHost, u.ForceQuery, u.RawQuery, u.Fragment, u.RawFragment,
		u.String(), u.Redacted(), u.EscapedPath())
}

func answer(op, a string) (r string) {
	defer func() {
		if recover() != nil {
			r = "panic"
		}
	}()
	switch op {
	case "parse":
		return dump(url.Parse(a))
	case "parse_request_uri":
		return dump(url.ParseRequestURI(a))
	case "path_escape":
		return "ok " + url.PathEscape(a)
	case "query_escape":
		return "ok " + url.QueryEscape(a)
	case "path_unescape":
		s, err := url.PathUnescape(a)
		if err != nil {
			return "err " + err.Error()
		}
		return fmt.Sprintf("ok %q", s)
	case "split":
		f, err := quoted.Split(a)
		if err != nil {
			return "err " + err.Error()
		}
		return fmt.Sprintf("ok %q", f)
	case "netrc":
		return "ok " + auth.Dump(a)
	case "url_to_file_path":
		u, err := url.Parse(a)
		if err != nil {
			return "err " + err.Error()
		}
		p, err := web.URLToFilePath(u)
		if err != nil {
			return "err " + err.Error()
		}
		return fmt.Sprintf("ok %q", p)
	case "url_from_file_path":
		u, err := web.URLFromFilePath(a)
		if err != nil {
			return "err " + err.Error()
		}
		return "ok " + u.String()
	}
	panic("unknown op " + op)
}
"#;

/// Exports for the driver, added next to the copied package files.
const AUTH_EXPORT: &str = r#"package auth

import "fmt"

// Dump lists the parsed entries.
func Dump(data string) string {
	s := ""
	for _, l := range parseNetrc(data) {
		s += fmt.Sprintf("[%q %q %q]", l.machine, l.login, l.password)
	}
	return s
}
"#;

const WEB_EXPORT: &str = r#"package web

import "net/url"

func URLToFilePath(u *url.URL) (string, error) { return urlToFilePath(u) }
func URLFromFilePath(p string) (*url.URL, error) { return urlFromFilePath(p) }
"#;

fn copy_files(
    from: &std::path::Path,
    to: &std::path::Path,
    files: &[&str],
    extra: &str,
) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for f in files {
        std::fs::copy(from.join(f), to.join(f)).map_err(|e| format!("{f}: {e}"))?;
    }
    std::fs::write(to.join("zz_export.go"), extra).map_err(|e| e.to_string())
}

fn build_oracle(go: &support::Go, sb: &support::Sandbox) -> Result<std::path::PathBuf, String> {
    let src = oracle::goroot(go, sb)?.join("src");
    let m = sb.root().join("m");
    copy_files(
        &src.join("cmd/internal/quoted"),
        &m.join("internal/quoted"),
        &["quoted.go"],
        "package quoted\n",
    )?;
    copy_files(
        &src.join("cmd/go/internal/auth"),
        &m.join("internal/auth"),
        &["netrc.go"],
        AUTH_EXPORT,
    )?;
    copy_files(
        &src.join("cmd/go/internal/web"),
        &m.join("internal/web"),
        &["url.go", "url_other.go"],
        WEB_EXPORT,
    )?;
    oracle::build(go, sb, &m, "configoracle", DRIVER)
}

/// Our `%q`-style dump of a URL, in the driver's format.
fn dump(r: Result<Url, gourl::ParseError>) -> String {
    let u = match r {
        Ok(u) => u,
        Err(e) => return format!("err {e}"),
    };
    let (user, pass, set) = match &u.user {
        Some(ui) => (
            ui.username.clone(),
            ui.password.clone().unwrap_or_default(),
            ui.password.is_some(),
        ),
        None => (Vec::new(), Vec::new(), false),
    };
    format!(
        "ok scheme={} opaque={} user={}:{}:{}:{} host={} path={} rawpath={} omithost={} forcequery={} rawquery={} frag={} rawfrag={} string={} redacted={} escpath={}",
        quote(&u.scheme),
        quote(&u.opaque),
        u.user.is_some(),
        quote(&user),
        quote(&pass),
        set,
        quote(&u.host),
        quote(&u.path),
        quote(&u.raw_path),
        u.omit_host,
        u.force_query,
        quote(&u.raw_query),
        quote(&u.fragment),
        quote(&u.raw_fragment),
        quote(u.to_string()),
        quote(u.redacted()),
        quote(u.escaped_path()),
    )
}

fn go_list(items: &[String]) -> String {
    let q: Vec<String> = items.iter().map(quote).collect();
    format!("[{}]", q.join(" "))
}

/// Our answer, in the driver's format.
fn ours(op: &str, a: &str) -> String {
    match op {
        "parse" => dump(gourl::parse(a)),
        "parse_request_uri" => dump(gourl::parse_request_uri(a)),
        "path_escape" => format!("ok {}", gourl::path_escape(a)),
        "query_escape" => format!("ok {}", gourl::query_escape(a)),
        "path_unescape" => match gourl::path_unescape(a) {
            Ok(b) => format!("ok {}", quote(b)),
            Err(e) => format!("err {e}"),
        },
        "split" => match split_quoted(a) {
            Ok(words) => format!("ok {}", go_list(&words)),
            Err(e) => format!("err {e}"),
        },
        "netrc" => {
            let entries: String = parse_netrc(a)
                .iter()
                .map(|e| {
                    format!(
                        "[{} {} {}]",
                        quote(&e.machine),
                        quote(&e.login),
                        quote(&e.password)
                    )
                })
                .collect();
            format!("ok {entries}")
        }
        "url_to_file_path" => match gourl::parse(a) {
            Err(e) => format!("err {e}"),
            Ok(u) => match url_to_file_path(&u, PathStyle::Unix) {
                Ok(p) => format!("ok {}", quote(p)),
                Err(e) => format!("err {e}"),
            },
        },
        "url_from_file_path" => match url_from_file_path(a.as_bytes(), PathStyle::Unix) {
            Ok(u) => format!("ok {u}"),
            Err(e) => format!("err {e}"),
        },
        _ => unreachable!("unknown op {op}"),
    }
}

const URL_CASES: &[&str] = &[
    "https://h.example/p",
    "HTTPS://User:P%40ss@Host.Example:8443/a%2Fb/c?q=1#frag%20x",
    "file:///tmp/proxy",
    "file:/tmp/proxy",
    "file://localhost/tmp",
    "file:c:/x",
    "file:///x?",
    "file:///x?a?b",
    "http://[::1]:80/x",
    "http://[fe80::1%25en0]:8/",
    "http://[fe80::1%25%65n0]/",
    "http://[fe80::1%25]/",
    "http://[::ffff:1.2.3.4]/",
    "http://[1.2.3.4]/",
    "http://[zz]/",
    "http://[::1",
    "http://a[::1]/",
    "http://[::1]x/",
    "http://[::1]:x/",
    "http://h:1:2/",
    "ftp://h:1:2/",
    "http://h%41/",
    "http://h%2541/",
    "http://h%C3%A4/",
    "http://h h/",
    "http://a b@h/",
    "http://@h/",
    "http://u:@h/",
    "http://u%zz@h/",
    ":x",
    "1a:b",
    "a b:c",
    "rel/a:b",
    "//h/p",
    "///p",
    "*",
    "",
    "?",
    "#",
    "mailto:a@b",
    "https://h/%zz",
    "https://h/%4",
    "https://h/%",
    "https://h/ä",
    "https://h/%e4",
    "https://h/a b",
    "https://h/a;b,c=d",
    "https://h/#%zz",
    "https://h/#a b!()*",
    "https://h/\x7f",
    "https://h/\t",
    "x:/a",
    "C:\\Program Files\\x?R=1",
];

fn url_corpus() -> Vec<String> {
    let mut out: Vec<String> = URL_CASES.iter().map(|s| s.to_string()).collect();
    let schemes = [
        "http", "https", "file", "HTTPS", "ftp", "", "1x", "a+b", "go",
    ];
    let seps = [":", "://", ":///", ":////", "", "//"];
    let users = [
        "", "", "u@", "u:p@", "u%20:p@", "a b@", "@", "u:@", "u:p%zz@", "ü@",
    ];
    let hosts = [
        "h.example",
        "H.Example:80",
        "[::1]",
        "[::1]:8080",
        "[fe80::1%25eth0]",
        "[1.2.3.4]",
        "h:1:2",
        "h%41",
        "h%2541",
        "[zz]",
        "localhost",
        "",
        "h h",
        "h:",
        "[::1",
        "ä.example",
        "[1::2::3]",
        "[::1.2.3.4]",
        "[12345::]",
    ];
    let paths = [
        "", "/", "/a/b", "/a%2Fb", "/%zz", "/ä", "/a b", "/%e4", "/a;b,c", "//x", "/a:b", "a:b",
        "/%41", "/~x", "/$!'()*",
    ];
    let queries = ["", "", "?", "?a=b", "?x?y", "?%zz"];
    let frags = ["", "", "#", "#f", "#%zz", "#a b", "#%41"];
    let mut rng = Rng(0x5eed_c0f1);
    for _ in 0..2500 {
        out.push(format!(
            "{}{}{}{}{}{}{}",
            rng.pick(&schemes),
            rng.pick(&seps),
            rng.pick(&users),
            rng.pick(&hosts),
            rng.pick(&paths),
            rng.pick(&queries),
            rng.pick(&frags)
        ));
    }
    out
}

fn text_corpus(frags: &[&str], seed: u64, n: usize, max: usize) -> Vec<String> {
    let mut rng = Rng(seed);
    (0..n).map(|_| rng.join(frags, max)).collect()
}

#[test]
fn config_pure_parts_match_go() {
    let Some(go) = support::go("config_pure_parts_match_go") else {
        return;
    };
    let sb = support::sandbox();
    let bin = build_oracle(&go, &sb).unwrap_or_else(|e| panic!("{e}"));

    let mut reqs: Vec<(&str, String)> = Vec::new();
    for u in url_corpus() {
        reqs.push(("parse", u.clone()));
        reqs.push(("parse_request_uri", u.clone()));
        reqs.push(("url_to_file_path", u));
    }
    let text_frags = [
        "a", "/", " ", "%", "%2F", "%zz", "?", ";", ",", "+", "é", "!", "@", ":", "=", "&", "~",
        "'", "\"", "\t", "\n", "\r", "-x", "--json=", "'-a b'", "\"q\"",
    ];
    for s in text_corpus(&text_frags, 7, 1500, 8) {
        reqs.push(("path_escape", s.clone()));
        reqs.push(("query_escape", s.clone()));
        reqs.push(("path_unescape", s.clone()));
        reqs.push(("split", s));
    }
    for s in text_corpus(
        &["/", "a", "b", " ", "%", "ä", "..", ".", "//", "c:", "\\"],
        11,
        400,
        6,
    ) {
        reqs.push(("url_from_file_path", s));
    }
    let netrc_frags = [
        "machine ",
        "login ",
        "password ",
        "macdef ",
        "default",
        "m.example ",
        "u ",
        "p ",
        "\n",
        "\n\n",
        " ",
        "\t",
        "x ",
        "default ",
        "machine",
    ];
    for s in text_corpus(&netrc_frags, 13, 1500, 14) {
        reqs.push(("netrc", s));
    }
    if let Some(v) = support::vectors("config_pure_parts_match_go", "netrc.json") {
        for c in support::cases(&v, "cases") {
            reqs.push(("netrc", support::str_of(c, "input").to_string()));
        }
    }

    let requests: Vec<String> = reqs
        .iter()
        .map(|(op, a)| format!("{op}\t{}", oracle::hex(a.as_bytes())))
        .collect();
    let answers = oracle::ask(&bin, &requests);

    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut go_panics = 0;
    for ((op, arg), want) in reqs.iter().zip(&answers) {
        if want == "panic" {
            go_panics += 1;
            continue;
        }
        tallies
            .entry(op)
            .or_insert_with(|| Tally::new(format!("config-go-diff/{op}")))
            .check(format!("{op}({})", quote(arg)), || {
                let got = ours(op, arg);
                if &got == want {
                    Ok(())
                } else {
                    Err(format!("\n   got {got}\n    go {want}"))
                }
            });
    }
    eprintln!("config-go-diff: {go_panics} cases skipped because Go panics on them");
    let failed = tallies
        .into_values()
        .map(|t| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.finish())))
        .filter(Result::is_err)
        .count();
    assert_eq!(failed, 0, "{failed} ops disagree with Go (see above)");
}
