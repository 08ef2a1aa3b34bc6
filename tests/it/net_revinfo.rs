//! `.info` records against Go: decoding of proxy bodies (`json.Unmarshal` into
//! `modfetch.RevInfo`, with its errors), the cache encoding, and `time.Parse(RFC3339)`,
//! compared with an oracle built from the toolchain's own type definitions; and the
//! `.info` files the real `go` writes into its cache for bodies served by the test
//! proxy, compared byte for byte with ours.

use crate::support::{self, Tally, oracle};
use gomodfetch::revinfo::{GoTime, RevInfo};
use gomodfetch::testkit::proxy::{ProxyConfig, TestProxy};
use gomodfetch::testkit::universe::{Package, Universe};

const DRIVER: &str = r#"package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"encoding/json"
	"os"
	"strings"
	"time"

	"golang.org/x/mod/modfetch"
	"golang.org/x/mod/module"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		op, arg, _ := strings.Cut(in.Text(), "\t")
		data, _ := hex.DecodeString(arg)
		var ans string
		switch op {
		case "decode":
			info := new(modfetch.RevInfo)
			if err := json.Unmarshal(data, info); err != nil {
				ans = "E" + err.Error()
				break
			}
			// modfetch.writeDiskStat's cleaning.
			if info.Origin != nil {
				o := *info.Origin
				o.TagSum, o.TagPrefix, o.RepoSum = "", "", ""
				if module.IsPseudoVersion(info.Version) {
					o.Ref = ""
				}
				info.Origin = &o
			}
			js, err := json.Marshal(info)
			if err != nil {
				ans = "M" + err.Error()
			} else {
				ans = "O" + string(js)
			}
		case "time":
			t, err := time.Parse(time.RFC3339, string(data))
			if err != nil {
				ans = "E" + err.Error()
				break
			}
			js, err := t.MarshalJSON()
			if err != nil {
				js = []byte(err.Error())
			}
			ans = fmt.Sprintf("O%s %d %d", js, t.Unix(), t.Nanosecond())
		}
		fmt.Fprintln(out, hex.EncodeToString([]byte(ans)))
	}
}
"#;

/// Extracts `type <name> struct { … }` from a Go source file.
fn go_struct(src: &str, name: &str) -> Result<String, String> {
    let start = src
        .find(&format!("type {name} struct {{"))
        .ok_or(format!("type {name} not found"))?;
    let len = src[start..].find("\n}\n").ok_or("unterminated struct")? + 3;
    Ok(src[start..start + len].to_string())
}

/// The oracle: `RevInfo` and `Origin` exactly as the toolchain declares them, in
/// packages named `modfetch` and `codehost` (Go's type errors name them).
fn build_oracle(go: &support::Go, sb: &support::Sandbox) -> Result<std::path::PathBuf, String> {
    let src = oracle::goroot(go, sb)?.join("src");
    let m = sb.root().join("m");
    let xmod = src.join("cmd/vendor/golang.org/x/mod");
    for d in ["module", "semver", "internal/lazyregexp"] {
        oracle::copy_package(&xmod.join(d), &m.join(d))?;
    }
    let read = |p: &str| std::fs::read_to_string(src.join(p)).map_err(|e| format!("{p}: {e}"));
    let origin = go_struct(
        &read("cmd/go/internal/modfetch/codehost/codehost.go")?,
        "Origin",
    )?;
    let revinfo = go_struct(&read("cmd/go/internal/modfetch/repo.go")?, "RevInfo")?;
    let write = |p: &str, text: String| {
        let p = m.join(p);
        std::fs::create_dir_all(p.parent().unwrap_or(&m)).map_err(|e| e.to_string())?;
        std::fs::write(&p, text).map_err(|e| e.to_string())
    };
    write(
        "codehost/origin.go",
        format!("package codehost\n\n{origin}"),
    )?;
    write(
        "modfetch/revinfo.go",
        format!(
            "package modfetch\n\nimport (\n\t\"time\"\n\n\t\"golang.org/x/mod/codehost\"\n)\n\n{revinfo}"
        ),
    )?;
    oracle::build(go, sb, &m, "revinfo-oracle", DRIVER)
}

/// What we answer for a `decode` request, in the oracle's encoding.
fn ours_decode(body: &[u8]) -> String {
    match RevInfo::from_proxy_json(body) {
        Err(e) => format!("E{e}"),
        Ok(info) => match info.cache_info_bytes() {
            Ok(b) => format!("O{}", String::from_utf8_lossy(&b)),
            Err(e) => format!("M{e}"),
        },
    }
}

fn ours_time(s: &[u8]) -> String {
    match GoTime::parse_rfc3339(s) {
        Err(e) => format!("E{e}"),
        Ok(t) => {
            let js = match t.format_rfc3339_nano() {
                Ok(s) => format!("\"{s}\""),
                Err(e) => format!("Time.MarshalJSON: {e}"),
            };
            let ns = t.unix_nanos();
            format!(
                "O{js} {} {}",
                ns.div_euclid(1_000_000_000),
                ns.rem_euclid(1_000_000_000)
            )
        }
    }
}

const TIMES: &[&str] = &[
    "2018-02-14T15:44:20Z",
    "2018-02-14T15:44:20.000Z",
    "2018-02-14T15:44:20.123456789Z",
    "2018-02-14T15:44:20.1234567891Z",
    "2018-02-14T15:44:20,5Z",
    "2018-02-14T15:44:20+01:00",
    "2018-02-14T15:44:20-07:30",
    "2018-02-14T15:44:20+00:00",
    "2018-02-14T15:44:20-00:00",
    "2018-02-14T5:44:20Z",
    "2018-02-14T24:00:00Z",
    "2018-02-29T00:00:00Z",
    "2016-02-29T00:00:00Z",
    "2018-13-01T00:00:00Z",
    "2018-00-01T00:00:00Z",
    "2018-02-14T15:60:00Z",
    "2018-02-14T15:44:60Z",
    "2018-02-14T15:44:20+24:00",
    "2018-02-14T15:44:20+23:60",
    "2018-02-14T15:44:20+25:00",
    "2018-02-14T15:44:20+01:61",
    "2018-02-14T15:44:20+0100",
    "2018-02-14T15:44:20",
    "2018-02-14 15:44:20Z",
    "2018-02-14T15:44:20Zx",
    "2018-2-14T15:44:20Z",
    "18-02-14T15:44:20Z",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999999-23:59",
    "0000-01-01T00:00:00+01:00",
    "",
    "Z",
    "2018-02-14T15:44:20.Z",
    "2018-02-14T15:44:20x01:00",
    "2018-02-14T15:44:20+aa:00",
    "2018-02-14T15:44:20+01:aa",
    "2018-02-14T15:44:20+01-00",
    "\u{e9}",
    "2018-02-14T15:44:20\\u005a",
];

/// A corpus of `.info` bodies: hand-written edge cases plus random compositions.
fn bodies() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = [
        r#"{"Version":"v1.0.0","Time":"2018-02-14T15:44:20Z"}"#,
        r#"{"Version":"v1.0.0","Time":"2018-02-14T15:44:20Z","Name":"abc","Short":"abc"}"#,
        r#"{"version":"v1.0.0","TIME":"2018-02-14T15:44:20Z"}"#,
        r#"{"Version":"v1","Version":"v2"}"#,
        r#"{"Version":"v1","Version":null}"#,
        r#"{"Time":null}"#,
        r#"{"Time":"2018-02-14T15:44:20Z","Time":null}"#,
        r#"{"Origin":null}"#,
        r#"{"Origin":{}}"#,
        r#"{"Origin":{"VCS":"git"},"Origin":{"URL":"u"}}"#,
        r#"{"Origin":{"VCS":"git"},"Origin":null}"#,
        r#"{"Origin":{"TagSum":"t1:x","TagPrefix":"p","RepoSum":"r1:y","Ref":"refs/tags/v1.0.0","Hash":"h"},"Version":"v1.0.0"}"#,
        r#"{"Origin":{"Ref":"HEAD","Hash":"h"},"Version":"v0.0.0-20200101000000-abcdefabcdef"}"#,
        r#"{"Origin":"x"}"#,
        r#"{"Origin":5}"#,
        r#"{"Origin":[1]}"#,
        r#"{"Origin":true}"#,
        r#"{"Origin":{"VCS":1}}"#,
        r#"{"Origin":{"VCS":{}}}"#,
        r#"{"Version":1}"#,
        r#"{"Version":{}}"#,
        r#"{"Version":[]}"#,
        r#"{"Version":true}"#,
        r#"{"Version":1,"Time":"bad"}"#,
        r#"{"Time":1}"#,
        r#"{"Time":{}}"#,
        r#"{"Time":[]}"#,
        r#"{"Time":true}"#,
        r#"{"Version":"<&>\u2028"}"#,
        r#"{"Version":"\ud800x\udc00\ud83d\ude00\u0000"}"#,
        "{\"Vcſ\":1}",
        "{\"Origin\":{\"VCſ\":\"git\",\"ſubdir\":\"s\"}}",
        "{\"\\u0056ersion\":\"v1\"}",
        "[]",
        "[1,2]",
        "\"x\"",
        "1",
        "true",
        "null",
        " null ",
        "",
        " ",
        "invalid",
        "{",
        "{\"Version\"",
        "{\"Version\":",
        "{\"Version\":\"v1\"",
        "{\"Version\":\"v1\",}",
        "{\"Version\" 1}",
        "{\"Version\":1 2}",
        "{\"Version\":\"a\nb\"}",
        "{\"Version\":\"\\x\"}",
        "{\"Version\":\"\\u12\"}",
        "{} x",
        "{}{}",
        "tru",
        "nul",
        "-",
        "1.",
        "1e",
        "01",
        "[1 2]",
        "{,}",
        "\u{feff}{}",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    out.push(b"{\"Version\":\"\xff\xfe\xe2\x82\"}".to_vec());
    out.push(b"\xff".to_vec());
    out.push(b"{\"Version\":\"\x7f\x80\"}".to_vec());
    out.push(format!("{}{}", "[".repeat(10_001), "]".repeat(10_001)).into_bytes());
    out.push(format!("{{\"X\":{}{}}}", "[".repeat(9_999), "]".repeat(9_999)).into_bytes());
    for t in TIMES {
        out.push(format!("{{\"Version\":\"v1.0.0\",\"Time\":\"{t}\"}}").into_bytes());
    }

    let mut rng = oracle::Rng(0x05ee_d1f0);
    let keys = [
        "Version",
        "version",
        "VERSION",
        "Time",
        "time",
        "Origin",
        "ORIGIN",
        "Name",
        "Short",
        "X",
        "",
        "Versio",
        "Vers\\u0069on",
    ];
    let okeys = [
        "VCS",
        "vcs",
        "URL",
        "Subdir",
        "Hash",
        "TagPrefix",
        "TagSum",
        "Ref",
        "RepoSum",
        "Other",
    ];
    let scalars = [
        "\"v1.0.0\"",
        "\"v0.0.0-20200101000000-abcdefabcdef\"",
        "\"\"",
        "null",
        "1",
        "-0.5e3",
        "true",
        "false",
        "[]",
        "[1,\"x\",{}]",
        "{}",
        "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
        "\"\\u00e9\\uD834\\uDD1E\"",
    ];
    for _ in 0..2500 {
        let n = rng.below(5);
        let mut members = Vec::new();
        for _ in 0..n {
            let key = rng.pick(&keys);
            let value = if key.eq_ignore_ascii_case("time") && rng.chance(70) {
                format!("\"{}\"", rng.pick(TIMES).replace('\\', "\\\\"))
            } else if key.eq_ignore_ascii_case("origin") && rng.chance(70) {
                let m: Vec<String> = (0..rng.below(4))
                    .map(|_| format!("\"{}\":{}", rng.pick(&okeys), rng.pick(&scalars)))
                    .collect();
                format!("{{{}}}", m.join(","))
            } else {
                rng.pick(&scalars).to_string()
            };
            let sp = rng.pick(&["", " ", "\n\t"]);
            members.push(format!("{sp}\"{key}\"{sp}:{sp}{value}"));
        }
        let mut body = format!("{{{}}}", members.join(",")).into_bytes();
        if rng.chance(15) && !body.is_empty() {
            let cut = rng.below(body.len());
            body.truncate(cut);
        }
        if rng.chance(10) {
            let at = rng.below(body.len() + 1);
            let junk = rng.pick(&[b'x', b',', b':', b'}', b']', b'"', b'\\', 0x01, 0xc3, b' ']);
            body.insert(at, junk);
        }
        out.push(body);
    }
    out
}

#[test]
fn revinfo_decoding_matches_go() {
    const TEST: &str = "revinfo_decoding_matches_go";
    let Some(go) = support::go(TEST) else {
        return;
    };
    let sb = support::sandbox();
    let bin = build_oracle(&go, &sb).unwrap_or_else(|e| panic!("building the oracle: {e}"));

    let bodies = bodies();
    let reqs: Vec<String> = bodies
        .iter()
        .map(|b| format!("decode\t{}", oracle::hex(b)))
        .collect();
    let answers = oracle::ask(&bin, &reqs);
    let mut tally = Tally::new("net_revinfo/decode");
    for (body, want) in bodies.iter().zip(answers) {
        let label = String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned();
        tally.eq(label, ours_decode(body), want);
    }
    tally.finish();

    let mut times: Vec<Vec<u8>> = TIMES.iter().map(|t| t.as_bytes().to_vec()).collect();
    let mut rng = oracle::Rng(77);
    let frags = [
        "2018",
        "-",
        "02",
        "14",
        "T",
        "1",
        "15",
        ":",
        "44",
        "20",
        ".",
        ",",
        "5",
        "123456789",
        "Z",
        "+",
        "01:00",
        "24:00",
        "x",
        "99",
        "0",
        "\u{e9}",
    ];
    for _ in 0..1500 {
        times.push(rng.join(&frags, 14).into_bytes());
    }
    let reqs: Vec<String> = times
        .iter()
        .map(|t| format!("time\t{}", oracle::hex(t)))
        .collect();
    let answers = oracle::ask(&bin, &reqs);
    let mut tally = Tally::new("net_revinfo/time_parse");
    for (t, want) in times.iter().zip(answers) {
        tally.eq(String::from_utf8_lossy(t), ours_time(t), want);
    }
    tally.finish();
}

/// The `.info` bodies served for the cache comparison: each must name the requested
/// version, so go accepts it and writes its cache file.
fn served_bodies(version: &str) -> Vec<String> {
    let mut v = vec![
        format!(
            r#"{{"Version":"{version}","Time":"2018-02-14T15:44:20Z","Name":"n","Short":"s","Extra":[1,{{}}]}}"#
        ),
        format!(r#"{{"version":"{version}","TIME":"2018-02-14T15:44:20.120000+05:30"}}"#),
        format!(r#"{{"Version":"{version}"}}"#),
        format!(r#"{{"Version":"{version}","Time":null,"Origin":{{}}}}"#),
        format!(
            r#"{{"Version":"{version}","Time":"2018-02-14T5:44:20,25-00:00","Origin":{{"VCS":"git","URL":"https://example.com/r<&>","Subdir":"sub","Hash":"0123456789abcdef0123456789abcdef01234567","TagPrefix":"sub/","TagSum":"t1:x","Ref":"refs/tags/sub/v1.0.0","RepoSum":"r1:y"}}}}"#
        ),
        format!(
            r#"{{"Origin":{{"Ref":"HEAD"}},"Origin":{{"Hash":"h"}},"Version":"x","Version":"{version}"}}"#
        ),
    ];
    v.push(format!(
        "{{\"Version\":\"{version}\",\"Time\":\"2018-02-14T15:44:20.999999999999Z\",\"Origin\":{{\"VCſ\":\"git\"}}}}"
    ));
    v
}

#[test]
fn cache_info_matches_what_go_writes() {
    const TEST: &str = "cache_info_matches_what_go_writes";
    let Some(go) = support::go(TEST) else {
        return;
    };
    let universe = Universe::new();
    let mut cases = Vec::new();
    for (i, pseudo) in [false, true].into_iter().enumerate() {
        let version = if pseudo {
            "v0.0.0-20200101000000-abcdefabcdef".to_string()
        } else {
            "v1.0.0".to_string()
        };
        for (j, body) in served_bodies(&version).into_iter().enumerate() {
            let path = format!("example.com/info{i}x{j}");
            Package::new(&path, &version)
                .raw_info(body.clone())
                .publish(&universe);
            cases.push((path, version.clone(), body));
        }
    }
    let proxy = TestProxy::start(ProxyConfig::new(universe)).expect("proxy");
    let mut sb = support::sandbox();
    sb.goproxy(proxy.goproxy_url());
    let args: Vec<String> = cases.iter().map(|(p, v, _)| format!("{p}@{v}")).collect();
    let run = go
        .mod_download(&sb, sb.work_dir(), &["-json"], &args)
        .expect("go runs");
    assert!(run.success(), "{run}");
    let mut tally = Tally::new("net_revinfo/cache_info_vs_go");
    for (path, version, body) in &cases {
        let file = sb
            .gomodcache()
            .join(format!("cache/download/{path}/@v/{version}.info"));
        tally.check(body, || {
            let want = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let ours = RevInfo::from_proxy_json(body.as_bytes())
                .map_err(|e| e.to_string())?
                .cache_info_bytes()
                .map_err(|e| e.to_string())?;
            if ours == want {
                Ok(())
            } else {
                Err(format!(
                    "ours {:?}, go wrote {:?}",
                    String::from_utf8_lossy(&ours),
                    String::from_utf8_lossy(&want)
                ))
            }
        });
    }
    tally.finish();
}
