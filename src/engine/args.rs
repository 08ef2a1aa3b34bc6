//! The module arguments of `go mod download`, judged as Go's `listModules` judges them
//! before any lookup (pure).
//!
//! Go's fatal argument errors come first, for every argument in order (a backslash, a
//! relative path, a version starting with `-` or `/`, patterns and bare paths outside
//! a module). Then each argument is one of:
//! * `path@query` resolved by one Stat: a complete version or a revision (Go's
//!   `canStat` and `errRevQuery` queries), never filtered by exclusions or
//!   retractions;
//! * `path@query` choosing among versions (`latest`, `v1.2`, `<v1.3.0`, …) outside a
//!   module (`upgrade`/`patch` are fatal there: they need a current version); inside
//!   a module these need the build list (the current version, exclusions): a
//!   per-argument error until module-graph support arrives;
//! * `all`, `…` patterns and bare paths inside a module — need the module graph: not
//!   supported yet (a fatal error, since Go expands them into several records);
//! * the main module (`<main>`, `<main>@upgrade`, `<main>@patch`): nothing to download.

use super::error::Fatal;

/// What to do with one argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Resolve `query` for `path` with a Stat (`Query` = the query itself).
    Stat { path: String, query: String },
    /// Resolve `query` for `path` by choosing among its versions (Go's
    /// `CheckAllowed` applies; no current version: outside a module).
    Query { path: String, query: String },
    /// A query form not implemented yet: the record carries this error.
    Unsupported { path: String, query: String },
    /// Resolves to the main module: no record.
    MainModule,
}

/// The main module's path, if the run is inside a module.
pub fn classify(args: &[String], main_module: Option<&str>) -> Result<Vec<Arg>, Fatal> {
    check_fatal(args, main_module)?;
    let mut out = Vec::with_capacity(args.len());
    for arg in args {
        let Some((path, query)) = parse_path_version(arg)? else {
            if Some(arg.as_str()) == main_module {
                out.push(Arg::MainModule);
                continue;
            }
            return Err(Fatal::new(format!(
                "gomodfetch: {} needs the module graph, which is not supported yet (use path@version arguments)",
                crate::gostr::quote(arg)
            )));
        };
        if Some(path) == main_module && (query == "upgrade" || query == "patch") {
            out.push(Arg::MainModule);
            continue;
        }
        let (path, query) = (path.to_string(), query.to_string());
        out.push(if is_stat_query(&path, &query) {
            Arg::Stat { path, query }
        } else if main_module.is_some() {
            Arg::Unsupported { path, query }
        } else {
            Arg::Query { path, query }
        });
    }
    Ok(out)
}

/// Go's first loop over the arguments: the fatal errors, in argument order.
pub fn check_fatal(args: &[String], main_module: Option<&str>) -> Result<(), Fatal> {
    let in_module = main_module.is_some();
    let no_main =
        "go.mod file not found in current directory or any parent directory; see 'go help modules'";
    // Go's first loop: fatal errors, in argument order.
    for arg in args {
        if arg.contains('\\') {
            return Err(Fatal::new("go: module paths never use backslash"));
        }
        if is_relative_path(arg) {
            return Err(Fatal::new(format!(
                "go: cannot use relative path {arg} to specify module"
            )));
        }
        if arg == "all" || arg.contains("...") {
            if !in_module {
                return Err(Fatal::new(format!(
                    "go: cannot match {}: {no_main}",
                    crate::gostr::quote(arg)
                )));
            }
            continue;
        }
        match parse_path_version(arg)? {
            Some((path, vers)) => {
                // `upgrade`/`patch` need the current version, from the graph.
                if (vers == "upgrade" || vers == "patch") && main_module != Some(path) && !in_module
                {
                    return Err(Fatal::new(format!(
                        "go: cannot match {}: {no_main}",
                        crate::gostr::quote(arg)
                    )));
                }
            }
            None => {
                if !in_module {
                    return Err(Fatal::new(format!(
                        "go: cannot match {} without -versions or an explicit version: {no_main}",
                        crate::gostr::quote(arg)
                    )));
                }
            }
        }
    }
    Ok(())
}

/// The per-argument error of [`Arg::Unsupported`].
pub fn unsupported_query(query: &str) -> String {
    format!(
        "version query {} needs the list of versions, which is not supported yet by gomodfetch (use a complete version or a revision)",
        crate::gostr::quote(query)
    )
}

/// Go's `ParsePathVersion`: `Some((path, version))` for `path@version`.
fn parse_path_version(arg: &str) -> Result<Option<(&str, &str)>, Fatal> {
    let Some((path, vers)) = arg.split_once('@') else {
        return Ok(None);
    };
    if vers.starts_with(['-', '/']) {
        return Err(Fatal::new(format!(
            "go: invalid module version {}",
            crate::gostr::quote(vers)
        )));
    }
    Ok(Some((path, vers)))
}

/// Go's `search.IsRelativePath`.
fn is_relative_path(p: &str) -> bool {
    p.starts_with("./") || p.starts_with("../") || p == "." || p == ".."
}

/// Whether `newQueryMatcher` resolves `query` by a Stat (Go's `IsRevisionQuery`).
pub(super) fn is_stat_query(path: &str, query: &str) -> bool {
    crate::query::is_revision_query(path, query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn fatal_texts_outside_a_module() {
        let f = |a: &[&str]| {
            classify(&args(a), None)
                .unwrap_err()
                .stderr_text()
                .to_string()
        };
        assert_eq!(
            f(&["a\\b@v1.0.0"]),
            "go: module paths never use backslash\n"
        );
        assert_eq!(
            f(&["./x"]),
            "go: cannot use relative path ./x to specify module\n"
        );
        assert_eq!(
            f(&["all"]),
            "go: cannot match \"all\": go.mod file not found in current directory or any parent directory; see 'go help modules'\n"
        );
        assert_eq!(
            f(&["example.com/m"]),
            "go: cannot match \"example.com/m\" without -versions or an explicit version: go.mod file not found in current directory or any parent directory; see 'go help modules'\n"
        );
        assert_eq!(f(&["x@-v"]), "go: invalid module version \"-v\"\n");
        // The first loop runs over every argument before any is resolved.
        assert_eq!(
            f(&["a.b/c@v1.0.0", "a.b/d@upgrade"]),
            "go: cannot match \"a.b/d@upgrade\": go.mod file not found in current directory or any parent directory; see 'go help modules'\n"
        );
    }

    #[test]
    fn query_kinds() {
        let got = classify(
            &args(&[
                "a.b/c@v1.0.0",
                "a.b/c@master",
                "a.b/c@latest",
                "a.b/c@v1.2",
                "a.b/c@<v2",
                "a.b/c@v1.0.0+meta",
            ]),
            None,
        )
        .unwrap();
        let kinds: Vec<bool> = got.iter().map(|a| matches!(a, Arg::Stat { .. })).collect();
        assert_eq!(kinds, [true, true, false, false, false, true]);
        assert!(matches!(got[2], Arg::Query { .. }));
        let inside = classify(&args(&["a.b/c@latest"]), Some("m.x/main")).unwrap();
        assert!(matches!(inside[0], Arg::Unsupported { .. }));
    }

    #[test]
    fn main_module_arguments() {
        let got = classify(
            &args(&["m.x/main", "m.x/main@upgrade", "m.x/main@v1.0.0"]),
            Some("m.x/main"),
        )
        .unwrap();
        assert_eq!(got[0], Arg::MainModule);
        assert_eq!(got[1], Arg::MainModule);
        assert!(matches!(got[2], Arg::Stat { .. }));
    }
}
