use super::*;

fn tokens(s: &str) -> (Vec<Token>, Stop) {
    let mut sc = Scanner::new(s.as_bytes());
    let mut out = Vec::new();
    loop {
        match sc.next_token() {
            Ok(t) => out.push(t),
            Err(stop) => return (out, stop),
        }
    }
}

fn stop_text(s: &str) -> String {
    match tokens(s).1 {
        Stop::Eof => "EOF".into(),
        Stop::Error(e) => e.to_string(),
    }
}

fn name(local: &str) -> Name {
    Name {
        space: String::new(),
        local: local.into(),
    }
}

#[test]
fn elements_and_attributes() {
    let (toks, stop) = tokens("<a x='1' y=b2 z><br/></a>");
    assert_eq!(stop, Stop::Eof);
    assert_eq!(
        toks,
        vec![
            Token::Start {
                name: name("a"),
                attrs: vec![
                    (name("x"), "1".into()),
                    (name("y"), "b2".into()),
                    (name("z"), "z".into()),
                ],
            },
            Token::Start {
                name: name("br"),
                attrs: vec![]
            },
            Token::End { name: name("br") },
            Token::End { name: name("a") },
        ]
    );
}

#[test]
fn errors_with_lines() {
    assert_eq!(
        stop_text("<a>\n\n<"),
        "XML syntax error on line 3: unexpected EOF"
    );
    assert_eq!(
        stop_text("x\n< y"),
        "XML syntax error on line 2: expected element name after <"
    );
    assert_eq!(
        stop_text("</a b>"),
        "XML syntax error on line 1: invalid characters between </a and >"
    );
    assert_eq!(
        stop_text("<!-x"),
        "XML syntax error on line 1: invalid sequence <!- not part of <!--"
    );
    assert_eq!(
        stop_text("<!-- a -- b -->"),
        r#"XML syntax error on line 1: invalid sequence "--" not allowed in comments"#
    );
    assert_eq!(
        stop_text("<![CDAX["),
        "XML syntax error on line 1: invalid <![ sequence"
    );
    assert_eq!(
        stop_text("<![CDATA[x"),
        "XML syntax error on line 1: unexpected EOF in CDATA section"
    );
    assert_eq!(
        stop_text("a]]>"),
        "XML syntax error on line 1: unescaped ]]> not in CDATA section"
    );
    assert_eq!(
        stop_text("<a b='<'>"),
        "XML syntax error on line 1: unescaped < inside quoted string"
    );
    assert_eq!(
        stop_text("<a:b:c>"),
        "XML syntax error on line 1: expected element name after <"
    );
    assert_eq!(
        stop_text("<a b/c>"),
        "XML syntax error on line 1: expected /> in element"
    );
    assert_eq!(
        stop_text("a\u{1}"),
        "XML syntax error on line 1: illegal character code U+0001"
    );
    assert_eq!(
        stop_text("<a b='&#0;'>"),
        "XML syntax error on line 1: illegal character code U+0000"
    );
    assert_eq!(
        stop_text("<?>"),
        "XML syntax error on line 1: expected target name after <?"
    );
    assert_eq!(
        stop_text("<\u{b7}>"),
        "XML syntax error on line 1: invalid XML name: \u{b7}"
    );
    let mut sc = Scanner::new(b"ab\xffc");
    assert_eq!(
        sc.next_token(),
        Err(Stop::Error(XmlError::Syntax {
            msg: "invalid UTF-8".into(),
            line: 1
        }))
    );
}

#[test]
fn skipped_constructs() {
    assert_eq!(
        stop_text("<!DOCTYPE x [<!ENTITY a 'b>'> <!-- c > -->]><?pi x?><![CDATA[<>]]>&nbsp;&#xZ;"),
        "EOF"
    );
    assert_eq!(stop_text("<?xml version='1.0' encoding='utf-8'?>"), "EOF");
    assert_eq!(stop_text("<?xml encoding=\"UTF-8\"?>"), "EOF");
}

#[test]
fn proc_inst_params() {
    assert_eq!(
        proc_inst_param("version", r#"version="1.0" encoding='x'"#),
        "1.0"
    );
    assert_eq!(
        proc_inst_param("encoding", r#"version="1.0" encoding='x'"#),
        "x"
    );
    assert_eq!(proc_inst_param("encoding", "encoding=x"), "");
    assert_eq!(proc_inst_param("encoding", "encoding="), "");
    assert_eq!(proc_inst_param("encoding", "encoding='x"), "");
}
