//! GOVCS: which version control systems go may run for which repository roots
//! (`vcs.go` parseGOVCS, govcsConfig.allow, checkGOVCS).
//!
//! Guarantees: parsing fails with Go's texts on the same inputs; Go's built-in rules
//! (`private:all`, `public:git|hg`) follow the user's; `private`/`public` are decided by
//! GOPRIVATE over the root; the first matching rule decides; nothing matching refuses.

use crate::gostr::quote;
use crate::module::match_prefix_patterns;

/// An invalid GOVCS setting, or a refusal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GovcsError {
    #[error("empty entry in GOVCS")]
    EmptyEntry,
    #[error("malformed entry in GOVCS (missing colon): {}", quote(.item))]
    MissingColon { item: String },
    #[error("empty pattern in GOVCS: {}", quote(.item))]
    EmptyPattern { item: String },
    #[error("empty VCS list in GOVCS: {}", quote(.item))]
    EmptyList { item: String },
    #[error("relative pattern not allowed in GOVCS: {}", quote(.pattern))]
    RelativePattern { pattern: String },
    #[error("unreachable pattern in GOVCS: {} after {}", quote(.item), quote(.earlier))]
    Unreachable { item: String, earlier: String },
    #[error("empty VCS name in GOVCS: {}", quote(.item))]
    EmptyVcsName { item: String },
    /// The policy refuses `vcs` for `root`.
    #[error(
        "GOVCS disallows using {vcs} for {} {root}; see 'go help vcs'",
        if *.private { "private" } else { "public" }
    )]
    Disallowed {
        vcs: String,
        private: bool,
        root: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    pattern: String,
    allowed: Vec<String>,
    /// The entry as written (for the unreachable-pattern message); empty for Go's
    /// built-in rules.
    item: String,
}

/// A parsed GOVCS setting with Go's defaults appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Govcs {
    rules: Vec<Rule>,
}

impl Default for Govcs {
    /// Go's policy when GOVCS is empty.
    fn default() -> Govcs {
        Govcs {
            rules: builtin_rules(),
        }
    }
}

fn builtin_rules() -> Vec<Rule> {
    let rule = |pattern: &str, allowed: &[&str]| Rule {
        pattern: pattern.to_string(),
        allowed: allowed.iter().map(|s| s.to_string()).collect(),
        item: String::new(),
    };
    vec![rule("private", &["all"]), rule("public", &["git", "hg"])]
}

/// Go's `search.IsRelativePath`.
fn is_relative_path(p: &str) -> bool {
    p.starts_with("./") || p.starts_with("../") || p == "." || p == ".."
}

impl Govcs {
    /// Parses a GOVCS value (Go's parseGOVCS) and appends the built-in rules.
    pub fn parse(s: &str) -> Result<Govcs, GovcsError> {
        let s = s.trim();
        let mut rules: Vec<Rule> = Vec::new();
        if !s.is_empty() {
            for item in s.split(',') {
                let item = item.trim();
                if item.is_empty() {
                    return Err(GovcsError::EmptyEntry);
                }
                let Some((pattern, list)) = item.split_once(':') else {
                    return Err(GovcsError::MissingColon { item: item.into() });
                };
                let (pattern, list) = (pattern.trim(), list.trim());
                if pattern.is_empty() {
                    return Err(GovcsError::EmptyPattern { item: item.into() });
                }
                if list.is_empty() {
                    return Err(GovcsError::EmptyList { item: item.into() });
                }
                if is_relative_path(pattern) {
                    return Err(GovcsError::RelativePattern {
                        pattern: pattern.into(),
                    });
                }
                if let Some(earlier) = rules.iter().find(|r| r.pattern == pattern) {
                    return Err(GovcsError::Unreachable {
                        item: item.into(),
                        earlier: earlier.item.clone(),
                    });
                }
                let mut allowed = Vec::new();
                for a in list.split('|') {
                    let a = a.trim();
                    if a.is_empty() {
                        return Err(GovcsError::EmptyVcsName { item: item.into() });
                    }
                    allowed.push(a.to_string());
                }
                rules.push(Rule {
                    pattern: pattern.to_string(),
                    allowed,
                    item: item.to_string(),
                });
            }
        }
        rules.extend(builtin_rules());
        Ok(Govcs { rules })
    }

    /// Go's checkGOVCS for a VCS other than `mod`: `root` is the repository root path,
    /// `goprivate` the GOPRIVATE setting.
    pub fn check(&self, vcs: &str, root: &str, goprivate: &str) -> Result<(), GovcsError> {
        let private = match_prefix_patterns(goprivate, root);
        if self.allow(root, private, vcs) {
            return Ok(());
        }
        Err(GovcsError::Disallowed {
            vcs: vcs.to_string(),
            private,
            root: root.to_string(),
        })
    }

    fn allow(&self, root: &str, private: bool, vcs: &str) -> bool {
        for rule in &self.rules {
            let matches = match rule.pattern.as_str() {
                "private" => private,
                "public" => !private,
                p => match_prefix_patterns(p, root),
            };
            if matches {
                return rule.allowed.iter().any(|a| a == vcs || a == "all");
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go's vcs_test.go govcsTests (Go tests the user's rules alone, without the
    /// built-in ones), re-expressed.
    #[test]
    fn go_allow_cases() {
        let cases: &[(&str, &str, &str, bool)] = &[
            ("private:all", "is-public.com/foo", "zzz", false),
            ("private:all", "is-private.com/foo", "zzz", true),
            ("public:all", "is-public.com/foo", "zzz", true),
            ("public:all", "is-private.com/foo", "zzz", false),
            ("public:all,private:none", "is-public.com/foo", "zzz", true),
            (
                "public:all,private:none",
                "is-private.com/foo",
                "zzz",
                false,
            ),
            ("*:all", "is-public.com/foo", "zzz", true),
            ("golang.org:git", "golang.org/x/text", "zzz", false),
            ("golang.org:git", "golang.org/x/text", "git", true),
            ("golang.org:zzz", "golang.org/x/text", "zzz", true),
            ("golang.org:zzz", "golang.org/x/text", "git", false),
            ("golang.org:git|hg", "golang.org/x/text", "hg", true),
            ("golang.org:git|hg", "golang.org/x/text", "git", true),
            ("golang.org:git|hg", "golang.org/x/text", "zzz", false),
            ("golang.org:all", "golang.org/x/text", "hg", true),
            ("golang.org:all", "golang.org/x/text", "zzz", true),
            (
                "other.xyz/p:none,golang.org/x:git",
                "other.xyz/p/x",
                "git",
                false,
            ),
            (
                "other.xyz/p:none,golang.org/x:git",
                "unexpected.com",
                "git",
                false,
            ),
            (
                "other.xyz/p:none,golang.org/x:git",
                "golang.org/x/text",
                "zzz",
                false,
            ),
            (
                "other.xyz/p:none,golang.org/x:git",
                "golang.org/x/text",
                "git",
                true,
            ),
            (
                "other.xyz/p:none,golang.org/x:zzz",
                "golang.org/x/text",
                "zzz",
                true,
            ),
            (
                "other.xyz/p:none,golang.org/x:zzz",
                "golang.org/x/text",
                "git",
                false,
            ),
            (
                "other.xyz/p:none,golang.org/x:git|hg",
                "golang.org/x/text",
                "hg",
                true,
            ),
            (
                "other.xyz/p:none,golang.org/x:git|hg",
                "golang.org/x/text",
                "zzz",
                false,
            ),
            (
                "other.xyz/p:none,golang.org/x:all",
                "golang.org/x/text",
                "zzz",
                true,
            ),
            (
                "other.xyz/p:none,golang.org/x:git",
                "golang.org/y/text",
                "git",
                false,
            ),
            (
                "other.xyz/p:none,golang.org/x:all",
                "golang.org/y/text",
                "hg",
                false,
            ),
        ];
        for &(govcs, path, vcs, want) in cases {
            let mut cfg = Govcs::parse(govcs).unwrap_or_else(|e| panic!("{govcs}: {e}"));
            cfg.rules.truncate(cfg.rules.len() - 2);
            let private = path.starts_with("is-private");
            assert_eq!(cfg.allow(path, private, vcs), want, "{govcs} {path} {vcs}");
        }
    }

    /// Go's govcsErrors (Go checks containment; these are the whole texts).
    #[test]
    fn go_error_cases() {
        let cases = [
            (",", "empty entry in GOVCS"),
            (",x", "empty entry in GOVCS"),
            ("x,", r#"malformed entry in GOVCS (missing colon): "x""#),
            ("x:y,", "empty entry in GOVCS"),
            ("x", r#"malformed entry in GOVCS (missing colon): "x""#),
            ("x:", r#"empty VCS list in GOVCS: "x:""#),
            ("x:|", r#"empty VCS name in GOVCS: "x:|""#),
            ("x:y|", r#"empty VCS name in GOVCS: "x:y|""#),
            ("x:|y", r#"empty VCS name in GOVCS: "x:|y""#),
            ("x:y,z:", r#"empty VCS list in GOVCS: "z:""#),
            ("x:y,z:|w", r#"empty VCS name in GOVCS: "z:|w""#),
            ("x:y,z:w||v", r#"empty VCS name in GOVCS: "z:w||v""#),
            (
                "x:y,x:z",
                r#"unreachable pattern in GOVCS: "x:z" after "x:y""#,
            ),
            (
                " x : y , x:z",
                r#"unreachable pattern in GOVCS: "x:z" after "x : y""#,
            ),
            (":git", r#"empty pattern in GOVCS: ":git""#),
            ("./x:git", r#"relative pattern not allowed in GOVCS: "./x""#),
            ("..:git", r#"relative pattern not allowed in GOVCS: "..""#),
        ];
        for (s, want) in cases {
            assert_eq!(
                Govcs::parse(s).map(|_| ()).map_err(|e| e.to_string()),
                Err(want.to_string()),
                "{s:?}"
            );
        }
        assert_eq!(Govcs::parse("  "), Ok(Govcs::default()));
    }

    #[test]
    fn check_with_defaults() {
        let d = Govcs::default();
        assert_eq!(d.check("git", "github.com/a/b", ""), Ok(()));
        assert_eq!(d.check("hg", "example.com/x", ""), Ok(()));
        assert_eq!(
            d.check("svn", "rsc.io/nonexist.svn", "")
                .map_err(|e| e.to_string()),
            Err(
                "GOVCS disallows using svn for public rsc.io/nonexist.svn; see 'go help vcs'"
                    .into()
            )
        );
        assert_eq!(d.check("svn", "corp.example/x", "corp.example"), Ok(()));
        let none = Govcs::parse("*:none").unwrap_or_default();
        assert_eq!(
            none.check("git", "github.com/google/go-cmp", "github.com")
                .map_err(|e| e.to_string()),
            Err(
                "GOVCS disallows using git for private github.com/google/go-cmp; see 'go help vcs'"
                    .into()
            )
        );
    }
}
