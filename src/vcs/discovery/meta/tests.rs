use super::*;

fn mi(prefix: &str, vcs: &str, repo: &str, subdir: &str) -> MetaImport {
    MetaImport {
        prefix: prefix.into(),
        vcs: vcs.into(),
        repo_root: repo.into(),
        subdir: subdir.into(),
    }
}

/// Go's discovery_test.go parseMetaGoImportsTests, re-expressed.
#[test]
fn go_parse_cases() {
    let gh = "https://github.com/rsc/foo/bar";
    let cases: Vec<(&str, bool, Vec<MetaImport>)> = vec![
        (
            r#"<meta name="go-import" content="foo/bar git https://github.com/rsc/foo/bar">"#,
            false,
            vec![mi("foo/bar", "git", gh, "")],
        ),
        (
            "<meta name=\"go-import\" content=\"foo/bar git https://github.com/rsc/foo/bar\">\n\t\t<meta name=\"go-import\" content=\"baz/quux git http://github.com/rsc/baz/quux\">",
            false,
            vec![
                mi("foo/bar", "git", gh, ""),
                mi("baz/quux", "git", "http://github.com/rsc/baz/quux", ""),
            ],
        ),
        (
            "<meta name=\"go-import\" content=\"foo/bar git https://github.com/rsc/foo/bar\">\n<meta name=\"go-import\" content=\"foo/bar mod http://github.com/rsc/baz/quux\">",
            false,
            vec![mi("foo/bar", "git", gh, "")],
        ),
        (
            "<meta name=\"go-import\" content=\"foo/bar mod http://github.com/rsc/baz/quux\">\n<meta name=\"go-import\" content=\"foo/bar git https://github.com/rsc/foo/bar\">",
            false,
            vec![mi("foo/bar", "git", gh, "")],
        ),
        (
            "<meta name=\"go-import\" content=\"foo/bar mod http://github.com/rsc/baz/quux\">\n<meta name=\"go-import\" content=\"foo/bar git https://github.com/rsc/foo/bar\">",
            true,
            vec![mi("foo/bar", "mod", "http://github.com/rsc/baz/quux", "")],
        ),
        (
            "<head>\n<meta name=\"go-import\" content=\"foo/bar git https://github.com/rsc/foo/bar\">\n</head>",
            false,
            vec![mi("foo/bar", "git", gh, "")],
        ),
        (
            "<meta name=\"go-import\" content=\"foo/bar git https://github.com/rsc/foo/bar\">\n<body>",
            false,
            vec![mi("foo/bar", "git", gh, "")],
        ),
        (
            r#"<!doctype html><meta name="go-import" content="foo/bar git https://github.com/rsc/foo/bar">"#,
            false,
            vec![mi("foo/bar", "git", gh, "")],
        ),
        (
            r#"<!doctype html><title>Page Not Found</title><meta name=go-import content="chitin.io/chitin git https://github.com/chitin-io/chitin"><div style=position:relative>DRAFT</div>"#,
            false,
            vec![mi(
                "chitin.io/chitin",
                "git",
                "https://github.com/chitin-io/chitin",
                "",
            )],
        ),
        (
            "<meta name=\"go-import\" content=\"myitcv.io git https://github.com/myitcv/x\">\n<meta name=\"go-import\" content=\"myitcv.io/blah2 mod https://raw.githubusercontent.com/myitcv/pubx/master\">\n",
            false,
            vec![mi("myitcv.io", "git", "https://github.com/myitcv/x", "")],
        ),
        (
            "<meta name=\"go-import\" content=\"myitcv.io git https://github.com/myitcv/x\">\n<meta name=\"go-import\" content=\"myitcv.io/blah2 mod https://raw.githubusercontent.com/myitcv/pubx/master\">\n",
            true,
            vec![
                mi(
                    "myitcv.io/blah2",
                    "mod",
                    "https://raw.githubusercontent.com/myitcv/pubx/master",
                    "",
                ),
                mi("myitcv.io", "git", "https://github.com/myitcv/x", ""),
            ],
        ),
        (
            r#"<meta name="go-import" content="foo/bar git https://github.com/rsc/foo/bar subdir">"#,
            false,
            vec![mi("foo/bar", "git", gh, "subdir")],
        ),
        (
            r#"<meta name="go-import" content="foo/bar git https://github.com/rsc/foo/bar subdir/path">"#,
            false,
            vec![mi("foo/bar", "git", gh, "subdir/path")],
        ),
    ];
    for (i, (page, module_mode, want)) in cases.into_iter().enumerate() {
        let got = parse_meta_go_imports(page.as_bytes(), module_mode);
        assert_eq!(got, Ok(want), "case {i}: {page}");
    }
}

#[test]
fn lenient_forms_and_stops() {
    let p = |s: &str| parse_meta_go_imports(s.as_bytes(), true);
    // Attribute names are case-insensitive, the name value is not.
    assert_eq!(
        p(r#"<META NAME="go-import" CONTENT="a.b/c git https://x/y">"#).map(|v| v.len()),
        Ok(1)
    );
    assert_eq!(
        p(r#"<meta name="Go-Import" content="a.b/c git https://x/y">"#),
        Ok(vec![])
    );
    // 2 or 5 fields are ignored.
    assert_eq!(
        p(r#"<meta name="go-import" content="a.b/c git">"#),
        Ok(vec![])
    );
    assert_eq!(
        p(r#"<meta name="go-import" content="a b c d e">"#),
        Ok(vec![])
    );
    // Tags after </head> or <body> are not read; a self-closing <head/> ends the head.
    assert_eq!(
        p(r#"<head/><meta name="go-import" content="a.b/c git https://x/y">"#),
        Ok(vec![])
    );
    // An error after a tag keeps the tag; before any tag it is reported.
    assert_eq!(
        p("<meta name=\"go-import\" content=\"a.b/c git https://x/y\"><script>if (a < b)</script>")
            .map(|v| v.len()),
        Ok(1)
    );
    assert_eq!(
        p("<html>\n<script>if (a < b)</script><meta name=\"go-import\" content=\"a.b/c git https://x/y\">")
            .map_err(|e| e.to_string()),
        Err("XML syntax error on line 2: expected element name after <".to_string())
    );
    // Entities in attribute values.
    assert_eq!(
        p(r#"<meta name="go-import" content="a.b/c&#x20;git&#32;https://x/y?a=1&amp;b=2">"#)
            .map(|v| v.first().map(|m| m.repo_root.clone())),
        Ok(Some("https://x/y?a=1&b=2".to_string()))
    );
    // Unknown entities stay as written; a namespaced attribute matches on its local name.
    assert_eq!(
        p(r#"<meta x:name="go-import" content="a.b/c git https://x/y&nbsp;">"#)
            .map(|v| v.first().map(|m| m.repo_root.clone())),
        Ok(Some("https://x/y&nbsp;".to_string()))
    );
    // Charset declarations.
    assert_eq!(
        p(r#"<?xml version="1.0" encoding="ISO-8859-1"?><meta>"#).map_err(|e| e.to_string()),
        Err(r#"xml: opening charset "ISO-8859-1": can't decode XML document using charset "ISO-8859-1""#.to_string())
    );
    assert_eq!(
        p(r#"<?xml version="1.0" encoding="ASCII"?><meta>"#),
        Ok(vec![])
    );
    assert_eq!(
        p(r#"<?xml version="1.1"?>"#).map_err(|e| e.to_string()),
        Err(r#"xml: unsupported version "1.1"; only version 1.0 is supported"#.to_string())
    );
}

#[test]
fn match_cases() {
    let imports = vec![
        mi("a.b/c/d", "mod", "https://p", ""),
        mi("a.b/c", "git", "https://g", ""),
        mi("a.b/c/d", "git", "https://g2", ""),
    ];
    assert_eq!(
        match_go_import(&imports, "a.b/c/d/e").map(|m| m.repo_root),
        Ok("https://p".into())
    );
    assert_eq!(
        match_go_import(&imports[1..], "a.b/c/d").map_err(|e| e.to_string()),
        Err(r#"multiple meta tags match import path "a.b/c/d""#.into())
    );
    assert_eq!(
        match_go_import(&imports, "x.y/z").map_err(|e| e.to_string()),
        Err("meta tag a.b/c/d did not match import path x.y/z, meta tag a.b/c did not match import path x.y/z, meta tag a.b/c/d did not match import path x.y/z".into())
    );
    assert_eq!(
        match_go_import(&[], "x.y/z").map_err(|e| e.to_string()),
        Err(String::new())
    );
}

#[test]
fn path_prefix() {
    assert!(has_path_prefix("a/b", "a"));
    assert!(has_path_prefix("a/b", "a/"));
    assert!(has_path_prefix("a", "a"));
    assert!(has_path_prefix("a", ""));
    assert!(!has_path_prefix("ab", "a"));
    assert!(!has_path_prefix("a", "a/b"));
}

#[test]
fn repo_root_and_subdir_checks() {
    let r = |s: &str| validate_repo_root(s).map_err(|e| e.to_string());
    assert_eq!(r("https://x/y"), Ok(()));
    assert_eq!(r("git://x/y"), Ok(()));
    assert_eq!(r("x/y"), Err("no scheme".into()));
    assert_eq!(r("FILE:///x"), Err("file scheme disallowed".into()));
    assert_eq!(
        r(":x"),
        Err(r#"parse ":x": missing protocol scheme"#.into())
    );
    assert_eq!(
        validate_repo_subdir("/a").map_err(|e| e.to_string()),
        Err("leading slash".into())
    );
    assert_eq!(
        validate_repo_subdir("-a").map_err(|e| e.to_string()),
        Err("leading hyphen".into())
    );
    assert_eq!(validate_repo_subdir(""), Ok(()));
}

proptest::proptest! {
    /// Nothing panics on any input, and an error only comes without tags.
    #[test]
    fn never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
        let _ = parse_meta_go_imports(&body, true);
    }

    #[test]
    fn html_like_never_panics(body in "[<>/!?a-z=\"' &#;:\\-\\[\\]\n]{0,120}") {
        let _ = parse_meta_go_imports(body.as_bytes(), true);
    }
}
