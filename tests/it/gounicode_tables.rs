//! The Unicode tables in `src/gounicode/tables.rs` are generated from the installed Go
//! (`tools/gen-unicode`); this checks they are still what that Go produces, so a Go
//! upgrade with a new Unicode version cannot silently make us disagree with `go`.

use crate::support;

#[test]
fn tables_match_installed_go() {
    let Some(go) = support::go("gounicode_tables") else {
        return;
    };
    let sb = support::sandbox();
    let out = go
        .command(&sb, support::repo_root().join("tools/gen-unicode"))
        .args(["run", "."])
        .output()
        .expect("running go run ./tools/gen-unicode");
    assert!(
        out.status.success(),
        "go run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let committed =
        std::fs::read(support::repo_root().join("src/gounicode/tables.rs")).expect("read tables");
    assert!(
        out.stdout == committed,
        "src/gounicode/tables.rs is stale: regenerate with \
         `cd tools/gen-unicode && go run . > ../../src/gounicode/tables.rs`"
    );
}
