use super::*;
use proptest::prelude::*;

fn mv(path: &str, version: &str) -> ModuleVersion {
    ModuleVersion {
        path: path.into(),
        version: version.into(),
    }
}

fn parse(data: &str) -> GoSum {
    GoSum::parse("go.sum", data.as_bytes()).expect("parses")
}

fn written(sum: &GoSum) -> String {
    String::from_utf8(sum.write(&[])).expect("utf-8")
}

#[test]
fn fields_split_on_unicode_space() {
    let got = fields(b"  a\tb\x0bc\xc2\x85d\xc2\xa0e\xe3\x80\x80f \r");
    assert_eq!(got, [&b"a"[..], b"b", b"c", b"d", b"e", b"f"]);
    // U+001C..U+001F are not white space for Go (nor for Unicode).
    assert_eq!(fields(b"a\x1cb"), [&b"a\x1cb"[..]]);
    // Invalid UTF-8 is part of a field.
    assert_eq!(
        fields(b"\xff x\xc2 \xe3\x80"),
        [&b"\xff"[..], b"x\xc2", b"\xe3\x80"]
    );
    assert!(fields(b" \t ").is_empty());
}

#[test]
fn parse_skips_blank_lines_and_counts_lines() {
    let sum = parse("\n  \na v1.0.0 h1:x\r\n\nb v1.0.0/go.mod h1:y");
    assert_eq!(sum.len(), 2);
    assert_eq!(
        sum.hashes(&mv("a", "v1.0.0")).collect::<Vec<_>>(),
        [b"h1:x"]
    );
    assert!(sum.contains(&mv("b", "v1.0.0/go.mod")));
    assert!(!sum.contains(&mv("b", "v1.0.0")));

    let err = GoSum::parse("/m/go.sum", b"a v1 h1:x\n\na v1\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "malformed go.sum:\n/m/go.sum:3: wrong number of fields 2\n"
    );
    let err = GoSum::parse("go.sum", b"a b c d").unwrap_err();
    assert_eq!(
        err,
        Error::Malformed {
            file: "go.sum".into(),
            line: 1,
            fields: 4
        }
    );
}

#[test]
fn parse_drops_the_empty_go_mod_hash() {
    let sum = parse(&format!(
        "a v1.0.0/go.mod {EMPTY_GO_MOD_HASH}\nb v1.0.0 {EMPTY_GO_MOD_HASH}\nb v1.0.0 h1:b\n"
    ));
    assert!(!sum.contains(&mv("a", "v1.0.0/go.mod")));
    assert_eq!(written(&sum), "b v1.0.0 h1:b\n");
}

#[test]
fn hashes_keep_file_order_and_duplicates() {
    let sum = parse("a v1 h2:z\na v1 h1:b\na v1 h2:z\n");
    assert_eq!(
        sum.hashes(&mv("a", "v1")).collect::<Vec<_>>(),
        [&b"h2:z"[..], b"h1:b", b"h2:z"]
    );
    assert_eq!(written(&sum), "a v1 h1:b\na v1 h2:z\n");
}

#[test]
fn write_orders_like_module_sort() {
    let sum = parse(
        "b v1.0.0 h1:b\n\
         a v1.10.0 h1:a10\n\
         a v1.2.0/go.mod h1:a2m\n\
         a v1.2.0 h1:a2\n\
         a v1.2.0-pre h1:pre\n\
         a.b v0.1.0 h1:ab\n\
         a/c v0.1.0 h1:ac\n\
         a notsemver h1:bad\n\
         a v1.9.0+incompatible/go.mod h1:inc\n",
    );
    assert_eq!(
        written(&sum),
        "a notsemver h1:bad\n\
         a v1.2.0-pre h1:pre\n\
         a v1.2.0 h1:a2\n\
         a v1.2.0/go.mod h1:a2m\n\
         a v1.9.0+incompatible/go.mod h1:inc\n\
         a v1.10.0 h1:a10\n\
         a.b v0.1.0 h1:ab\n\
         a/c v0.1.0 h1:ac\n\
         b v1.0.0 h1:b\n"
    );
}

#[test]
fn write_round_trips_bytes_that_are_not_utf8() {
    let data = b"\xff\xfe v1.0.0 h1:\x80\n";
    let sum = GoSum::parse("go.sum", data).expect("parses");
    assert_eq!(sum.write(&[]), data);
}

#[test]
fn write_leaves_out_workspace_keys() {
    let work =
        GoSum::parse("go.work.sum", b"a v1 h1:a\nb v1 h1:b\nb v1/go.mod h1:bm\n").expect("parses");
    let module = GoSum::parse("/w/m/go.sum", b"b v1 h1:other\n").expect("parses");
    assert_eq!(work.write(&[module]), b"a v1 h1:a\nb v1/go.mod h1:bm\n");
}

#[test]
fn merge_and_insert() {
    let mut a = parse("x v1 h1:1\n");
    let b = parse("x v1 h1:1\nx v1 h1:2\ny v1 h1:3\n");
    assert!(a.merge(&b));
    assert!(!a.merge(&b));
    assert_eq!(written(&a), "x v1 h1:1\nx v1 h1:2\ny v1 h1:3\n");
    assert!(!a.insert(&mv("y", "v1"), "h1:3"));
    assert!(a.insert(&mv("y", "v1/go.mod"), "h1:4"));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        [mv("x", "v1"), mv("y", "v1"), mv("y", "v1/go.mod")]
    );
}

#[test]
fn check_follows_have_mod_sum_locked() {
    let main = parse("a v1 h2:unknown\na v1 h1:good\nb v1 h1:good\nb v1 h1:other\n");
    let mut st = SumState::new(main, vec![]);
    assert_eq!(st.check(&mv("a", "v1"), "h1:good"), Ok(Checked::Recorded));
    assert_eq!(st.check(&mv("b", "v1"), "h1:good"), Ok(Checked::Recorded));
    assert_eq!(st.check(&mv("c", "v1"), "h1:new"), Ok(Checked::Unrecorded));
    // The first h1 line that differs is fatal, even if a later one matches.
    let err = st.check(&mv("b", "v1"), "h1:other").unwrap_err();
    assert_eq!(
        err.to_string(),
        "verifying b@v1: checksum mismatch\n\tdownloaded: h1:other\n\tgo.sum:     h1:good\n\n\
         SECURITY ERROR\n\
         This download does NOT match an earlier download recorded in go.sum.\n\
         The bits may have been replaced on the origin server, or an attacker may\n\
         have intercepted the download attempt.\n\n\
         For more information, see 'go help module-auth'.\n"
    );
}

#[test]
fn check_reads_workspace_sums() {
    let main = GoSum::parse("/w/go.work.sum", b"a v1/go.mod h1:x\n").expect("parses");
    let m1 = GoSum::parse("/w/m1/go.sum", b"b v1 h1:b\n").expect("parses");
    let m2 = GoSum::parse("/w/m2/go.sum", b"b v1 h2:b\nc v1 h1:c\n").expect("parses");
    let mut st = SumState::new(main, vec![m1, m2]);
    assert_eq!(st.check(&mv("b", "v1"), "h1:b"), Ok(Checked::Recorded));
    let err = st.check(&mv("c", "v1"), "h1:d").unwrap_err();
    assert!(matches!(&err, Error::ChecksumMismatch { file, .. } if file == "/w/m2/go.sum"));
    let err = st.check(&mv("a", "v1/go.mod"), "h1:y").unwrap_err();
    assert!(err.to_string().starts_with(
        "verifying a@v1/go.mod: checksum mismatch\n\tdownloaded: h1:y\n\tgo.work.sum:     h1:x\n"
    ));
}

#[test]
fn record_warns_about_unknown_hashes() {
    let mut st = SumState::new(parse("a v1 h2:x\na v1 h2:x\n"), vec![]);
    assert_eq!(st.check(&mv("a", "v1"), "h1:a"), Ok(Checked::Unrecorded));
    let w = st.record(&mv("a", "v1"), "h1:a").expect("no mismatch");
    let w = w.expect("a warning");
    assert_eq!(
        w.to_string(),
        "warning: verifying a@v1: unknown hashes in go.sum: h2:x, h2:x; adding h1:a\n\n\
         SECURITY WARNING\n\
         This download is listed in go.sum, but using an unknown hash algorithm.\n\
         The download cannot be verified.\n\n\
         For more information, see 'go help module-auth'.\n\n"
    );
    assert_eq!(st.record(&mv("b", "v1"), "h1:b"), Ok(None));
}

#[test]
fn needs_write_only_for_kept_additions() {
    let mut st = SumState::new(parse("a v1 h1:a\n"), vec![]);
    assert_eq!(st.check(&mv("a", "v1"), "h1:a"), Ok(Checked::Recorded));
    assert!(!st.needs_write(|_| true));
    assert_eq!(st.check(&mv("b", "v1"), "h1:b"), Ok(Checked::Unrecorded));
    assert_eq!(st.record(&mv("b", "v1"), "h1:b"), Ok(None));
    assert!(!st.needs_write(|m| m.path != "b"));
    assert!(st.needs_write(|m| m.path == "b"));
}

#[test]
fn tidy_merges_into_the_reread_file() {
    let mut st = SumState::new(parse("a v1 h1:a\n"), vec![]);
    assert_eq!(st.check(&mv("a", "v1"), "h1:a"), Ok(Checked::Recorded));
    for (m, h) in [(mv("b", "v1"), "h1:b"), (mv("c", "v1/go.mod"), "h1:c")] {
        assert_eq!(st.check(&m, h), Ok(Checked::Unrecorded));
        assert_eq!(st.record(&m, h), Ok(None));
    }
    // Meanwhile someone removed a's line and another process added d and c.
    let current = b"d v1 h1:d\nc v1/go.mod h1:c\n";
    let t = st.tidy(current, |m| m.path != "c").expect("tidies");
    // a was used, so it comes back; c was added by us but not kept, so it goes even
    // though the file had it; d stays.
    assert_eq!(t.bytes, b"a v1 h1:a\nb v1 h1:b\nd v1 h1:d\n");
    assert!(t.warnings.is_empty());
    // A conflicting hash written meanwhile is a mismatch.
    let err = st.tidy(b"b v1 h1:evil\n", |_| true).unwrap_err();
    assert!(matches!(err, Error::ChecksumMismatch { .. }));
    let err = st.tidy(b"b v1\n", |_| true).unwrap_err();
    assert!(matches!(err, Error::Malformed { line: 1, .. }));
    st.written();
    assert_eq!(
        st.tidy(b"z v1 h1:z\nb v1 h1:b\n", |_| true)
            .expect("tidies")
            .bytes,
        b"b v1 h1:b\nz v1 h1:z\n"
    );
}

#[test]
fn tidy_keeps_workspace_keys_out_of_go_work_sum() {
    let main = GoSum::parse("/w/go.work.sum", b"").expect("parses");
    let m1 = GoSum::parse("/w/m1/go.sum", b"b v1 h1:b\n").expect("parses");
    let mut st = SumState::new(main, vec![m1]);
    assert_eq!(st.check(&mv("b", "v1"), "h1:b"), Ok(Checked::Recorded));
    assert_eq!(st.check(&mv("c", "v1"), "h1:c"), Ok(Checked::Unrecorded));
    assert_eq!(st.record(&mv("c", "v1"), "h1:c"), Ok(None));
    assert!(st.needs_write(|_| true));
    let t = st.tidy(b"b v1 h1:b\n", |_| true).expect("tidies");
    assert_eq!(t.bytes, b"c v1 h1:c\n");
}

fn go_sum_line() -> impl Strategy<Value = String> {
    let path = prop::sample::select(vec!["a", "a.b", "a/b", "b", "example.com/m", "\u{e9}"]);
    let version = prop::sample::select(vec![
        "v1.0.0",
        "v1.0.0+meta",
        "v1.0.0-pre",
        "v1.10.0",
        "v1.2.0",
        "v2.0.0+incompatible",
        "v1",
        "bad",
        "zzz",
    ]);
    let suffix = prop::sample::select(vec!["", "/go.mod", "/x"]);
    let hash = prop::sample::select(vec!["h1:a", "h1:b", "h2:c", EMPTY_GO_MOD_HASH]);
    let sep = prop::sample::select(vec![" ", "\t", "  ", "\u{a0}"]);
    (path, version, suffix, hash, sep.clone(), sep)
        .prop_map(|(p, v, s, h, s1, s2)| format!("{p}{s1}{v}{s}{s2}{h}"))
}

fn go_sum_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![4 => go_sum_line(), 1 => Just(String::new())],
        0..12,
    )
    .prop_map(|lines| lines.join("\n"))
}

proptest! {
    #[test]
    fn parse_never_panics(data in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(sum) = GoSum::parse("go.sum", &data) {
            let out = sum.write(&[]);
            let again = GoSum::parse("go.sum", &out).expect("written go.sum parses");
            prop_assert_eq!(again.write(&[]), out);
        }
    }

    #[test]
    fn parse_never_panics_on_near_go_sum(text in go_sum_text(), junk in prop::collection::vec(any::<u8>(), 0..8), at in any::<prop::sample::Index>()) {
        let mut data = text.into_bytes();
        let i = at.index(data.len() + 1);
        data.splice(i..i, junk);
        let _ = GoSum::parse("go.sum", &data);
    }

    #[test]
    fn write_is_a_fixed_point(text in go_sum_text()) {
        let sum = GoSum::parse("go.sum", text.as_bytes()).expect("well-formed lines");
        let out = sum.write(&[]);
        let again = GoSum::parse("go.sum", &out).expect("written go.sum parses");
        prop_assert_eq!(again.write(&[]), out);
    }

    #[test]
    fn merge_is_order_independent(a in go_sum_text(), b in go_sum_text(), c in go_sum_text()) {
        let [a, b, c] = [a, b, c].map(|t| GoSum::parse("go.sum", t.as_bytes()).expect("parses"));
        let mut abc = a.clone();
        abc.merge(&b);
        abc.merge(&c);
        let mut cba = c.clone();
        cba.merge(&b);
        cba.merge(&a);
        let mut bc = b.clone();
        bc.merge(&c);
        let mut a_bc = a.clone();
        a_bc.merge(&bc);
        prop_assert_eq!(abc.write(&[]), cba.write(&[]));
        prop_assert_eq!(abc.write(&[]), a_bc.write(&[]));
    }
}
