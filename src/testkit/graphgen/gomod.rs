//! The go.mod files the generator writes, printed the way `go mod edit -fmt` would
//! (single directives on a line, several in a parenthesised block), so the inputs look
//! like real files; the point of the tests is how both tools read and rewrite them.

use std::fmt;

/// One `require` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Require {
    pub path: String,
    pub version: String,
    /// Ends with `// indirect`.
    pub indirect: bool,
}

/// A go.mod to print.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoMod {
    pub module: String,
    pub go: Option<String>,
    pub toolchain: Option<String>,
    pub requires: Vec<Require>,
    /// `exclude path version`.
    pub exclude: Vec<(String, String)>,
    /// The text after `replace ` (`old [v] => new [v]`).
    pub replace: Vec<String>,
    /// The text after `retract ` (a version or `[lo, hi]`).
    pub retract: Vec<String>,
}

impl GoMod {
    pub fn new(module: &str) -> GoMod {
        GoMod {
            module: module.to_string(),
            ..GoMod::default()
        }
    }
}

fn block(f: &mut fmt::Formatter<'_>, verb: &str, lines: &[String]) -> fmt::Result {
    match lines {
        [] => Ok(()),
        [one] => writeln!(f, "\n{verb} {one}"),
        many => {
            writeln!(f, "\n{verb} (")?;
            for l in many {
                writeln!(f, "\t{l}")?;
            }
            writeln!(f, ")")
        }
    }
}

impl fmt::Display for GoMod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "module {}", self.module)?;
        if let Some(go) = &self.go {
            writeln!(f, "\ngo {go}")?;
        }
        if let Some(t) = &self.toolchain {
            writeln!(f, "\ntoolchain {t}")?;
        }
        let reqs: Vec<String> = self
            .requires
            .iter()
            .map(|r| {
                let c = if r.indirect { " // indirect" } else { "" };
                format!("{} {}{c}", r.path, r.version)
            })
            .collect();
        block(f, "require", &reqs)?;
        let excl: Vec<String> = self
            .exclude
            .iter()
            .map(|(p, v)| format!("{p} {v}"))
            .collect();
        block(f, "exclude", &excl)?;
        block(f, "replace", &self.replace)?;
        let retr: Vec<String> = self
            .retract
            .iter()
            .map(|r| format!("{r} // generated retraction"))
            .collect();
        block(f, "retract", &retr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_go() {
        let mut m = GoMod::new("gen.example/a");
        m.go = Some("1.21".into());
        m.requires = vec![
            Require {
                path: "gen.example/b".into(),
                version: "v1.0.0".into(),
                indirect: false,
            },
            Require {
                path: "gen.example/c".into(),
                version: "v1.1.0".into(),
                indirect: true,
            },
        ];
        m.retract.push("v1.0.0".into());
        assert_eq!(
            m.to_string(),
            "module gen.example/a\n\ngo 1.21\n\nrequire (\n\tgen.example/b v1.0.0\n\
             \tgen.example/c v1.1.0 // indirect\n)\n\nretract v1.0.0 // generated retraction\n"
        );
    }
}
