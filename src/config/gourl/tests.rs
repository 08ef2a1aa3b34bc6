use super::*;

fn round(s: &str) -> String {
    match parse(s) {
        Ok(u) => u.to_string(),
        Err(e) => format!("ERR {e}"),
    }
}

#[test]
fn components() {
    let u = parse("HTTPS://user:p%40ss@Host.example:8443/a%2Fb/c?q=1#frag%20x").unwrap();
    assert_eq!(u.scheme, "https");
    assert_eq!(u.host, b"Host.example:8443");
    assert_eq!(
        u.user,
        Some(Userinfo {
            username: b"user".to_vec(),
            password: Some(b"p@ss".to_vec()),
        })
    );
    assert_eq!(u.path, b"/a/b/c");
    assert_eq!(u.raw_path, "/a%2Fb/c");
    assert_eq!(u.raw_query, "q=1");
    assert_eq!(u.fragment, b"frag x");
    assert_eq!(u.escaped_path(), "/a%2Fb/c");
    assert_eq!(
        u.redacted(),
        "https://user:xxxxx@Host.example:8443/a%2Fb/c?q=1#frag%20x"
    );
    let f = parse("file:/x").unwrap();
    assert!(f.omit_host && !f.is_scheme_and_path_only());
    assert!(parse("file:///x").unwrap().is_scheme_and_path_only());
    assert!(!parse("file:///x?").unwrap().is_scheme_and_path_only());
    assert_eq!(parse("file:c:/x").unwrap().opaque, "c:/x");
}

#[test]
fn string_round_trips() {
    for (input, want) in [
        ("https://h.example/p", "https://h.example/p"),
        ("file:///a%20b", "file:///a%20b"),
        ("file:/a", "file:/a"),
        ("file://localhost/a", "file://localhost/a"),
        ("http://[::1]:80/x", "http://[::1]:80/x"),
        ("http://[fe80::1%25en0]/", "http://[fe80::1%25en0]/"),
        ("/rel/ative?x", "/rel/ative?x"),
        ("a/b", "a/b"),
        ("https://h/ä", "https://h/%C3%A4"),
        ("https://h/%e4", "https://h/%e4"),
        ("mailto:a@b", "mailto:a@b"),
        ("*", "*"),
        ("https://h/x#", "https://h/x"),
        ("https://u@h", "https://u@h"),
    ] {
        assert_eq!(round(input), want, "{input}");
    }
}

#[test]
fn go_error_texts() {
    for (input, want) in [
        (
            "https://h/\x7f",
            r#"parse "https://h/\x7f": net/url: invalid control character in URL"#,
        ),
        (":x", r#"parse ":x": missing protocol scheme"#),
        (
            "1a:b",
            r#"parse "1a:b": first path segment in URL cannot contain colon"#,
        ),
        (
            "https://[::1",
            r#"parse "https://[::1": missing ']' in host"#,
        ),
        (
            "https://a[::1]",
            r#"parse "https://a[::1]": invalid IP-literal"#,
        ),
        (
            "https://[1.2.3.4]",
            r#"parse "https://[1.2.3.4]": invalid IP-literal"#,
        ),
        (
            "https://[::1]x",
            r#"parse "https://[::1]x": invalid port "x" after host"#,
        ),
        (
            "https://h:1:2/",
            r#"parse "https://h:1:2/": invalid port ":1:2" after host"#,
        ),
        (
            "https://h/%zz",
            r#"parse "https://h/%zz": invalid URL escape "%zz""#,
        ),
        (
            "https://h/%4",
            r#"parse "https://h/%4": invalid URL escape "%4""#,
        ),
        (
            "https://h%41/",
            r#"parse "https://h%41/": invalid URL escape "%41""#,
        ),
        (
            "https://h h/",
            r#"parse "https://h h/": invalid character " " in host name"#,
        ),
        (
            "https://a b@h/",
            r#"parse "https://a b@h/": net/url: invalid userinfo"#,
        ),
        (
            "https://h/#%zz",
            r#"parse "https://h/#%zz": invalid URL escape "%zz""#,
        ),
        (
            "https://[zz]/",
            r#"parse "https://[zz]/": invalid host: ParseAddr("zz"): unable to parse IP"#,
        ),
        (
            "https://[::1%25]/",
            r#"parse "https://[::1%25]/": invalid host: ParseAddr("::1%"): zone must be a non-empty string"#,
        ),
        (
            "https://[1::2::3]/",
            r#"parse "https://[1::2::3]/": invalid host: ParseAddr("1::2::3"): multiple :: in address (at ":3")"#,
        ),
        (
            "https://[12345::]/",
            r#"parse "https://[12345::]/": invalid host: ParseAddr("12345::"): each group must have 4 or less digits (at "12345::")"#,
        ),
        (
            "https://[::1.2.3.256]/",
            r#"parse "https://[::1.2.3.256]/": invalid host: ParseAddr("::1.2.3.256"): IPv4 field has value >255"#,
        ),
        (
            "https://[1:2]/",
            r#"parse "https://[1:2]/": invalid host: ParseAddr("1:2"): address string too short"#,
        ),
        (
            "https://[%25x]/",
            r#"parse "https://[%25x]/": invalid host: ParseAddr("%x"): missing IPv6 address"#,
        ),
    ] {
        assert_eq!(round(input), format!("ERR {want}"), "{input}");
    }
    // Non-http schemes take the last colon as the port separator.
    assert_eq!(round("ftp://h:1:2/"), "ftp://h:1:2/");
}

#[test]
fn escaping_helpers() {
    assert_eq!(path_escape("a/b c?;,"), "a%2Fb%20c%3F%3B%2C");
    assert_eq!(path_escape("!$&'()*+=:@~"), "%21$&%27%28%29%2A+=:@~");
    assert_eq!(path_unescape("a%2Fb+c").unwrap(), b"a/b+c");
    assert_eq!(query_escape("a b&c"), "a+b%26c");
    assert_eq!(
        parse_request_uri("rel").unwrap_err().to_string(),
        r#"parse "rel": invalid URI for request"#
    );
    assert_eq!(
        parse_request_uri("").unwrap_err().to_string(),
        r#"parse "": empty url"#
    );
}

mod never_panics {
    use super::*;
    use crate::config::fileurl::{PathStyle, url_from_file_path, url_to_file_path};
    use crate::config::goproxy::ProxyList;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parsing(s in "[a-zA-Z0-9:/@%\\[\\]?#.,| \\\\é]{0,32}") {
            if let Ok(u) = parse(&s) {
                // What String() prints parses again to the same text.
                let printed = u.to_string();
                if let Ok(again) = parse(&printed) {
                    prop_assert_eq!(again.to_string(), printed);
                }
                let _ = (u.redacted(), u.escaped_path());
                for style in [PathStyle::Unix, PathStyle::Windows] {
                    let _ = url_to_file_path(&u, style);
                }
            }
            let _ = parse_request_uri(&s);
            let _ = ProxyList::parse(&s, "x");
            for style in [PathStyle::Unix, PathStyle::Windows] {
                let _ = url_from_file_path(s.as_bytes(), style).map(|u| u.to_string());
            }
        }
    }
}
