//! Interpreting a go.mod syntax tree (Go's `modfile/rule.go`, parsing half): which
//! directives exist, what arguments each takes, and which errors a strict (main
//! module) or lax (dependency) parse reports.
//!
//! Strict parsing rejects unknown directives and block types. Lax parsing, for the
//! go.mod files of dependencies, looks only at `module`, `go`, `require`, `retract`
//! and `ignore` and ignores everything else, so that files written for newer Go
//! versions still load; it also accepts sloppy `go` versions (`v1.2.3` → `1.2`) and
//! skips malformed `retract` lines. Version arguments are validated and canonicalized
//! (or passed to the caller's [`VersionFixer`]); like Go, parsing rewrites the tokens
//! of the syntax tree to the values it recorded (unquoted where possible, canonical
//! versions), so formatting a parsed file prints them that way.

use super::comments::{deprecation, directive_comment, is_indirect};
use super::error::{Error, ErrorKind, Errors};
use super::parse::parse_syntax;
use super::quote::{is_directory_path, parse_string};
use super::syntax::{Comments, FileSyntax, LineId, Position, Stmt};
use super::text;
use super::version::{
    Fix, VersionFixer, VersionInterval, fixer, is_go_version, is_toolchain_name, lax_go_version,
    parse_version, parse_version_interval,
};
use crate::module::{self, ModuleVersion};

/// A parsed go.mod file: its directives, and the syntax tree they came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct File {
    pub module: Option<Module>,
    pub go: Option<Go>,
    pub toolchain: Option<Toolchain>,
    pub godebug: Vec<Godebug>,
    pub require: Vec<Require>,
    pub exclude: Vec<Exclude>,
    pub replace: Vec<Replace>,
    pub retract: Vec<Retract>,
    pub tool: Vec<Tool>,
    pub ignore: Vec<Ignore>,
    pub syntax: FileSyntax,
}

/// The `module` directive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Module {
    pub path: String,
    /// The `Deprecated:` paragraph of its comments, if any.
    pub deprecated: String,
    pub syntax: LineId,
}

/// The `go` directive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Go {
    /// The version as recorded, e.g. `1.21`, `1.21.3` or `1.22rc1`.
    pub version: String,
    pub syntax: LineId,
}

/// The `toolchain` directive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Toolchain {
    /// e.g. `go1.21.3` or `default`.
    pub name: String,
    pub syntax: LineId,
}

/// One `godebug key=value`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Godebug {
    pub key: String,
    pub value: String,
    pub syntax: LineId,
}

/// One requirement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Require {
    pub module: ModuleVersion,
    /// Marked `// indirect`.
    pub indirect: bool,
    pub syntax: LineId,
}

/// One excluded module version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exclude {
    pub module: ModuleVersion,
    pub syntax: LineId,
}

/// One replacement. `old.version` is empty for all versions; `new.version` is empty
/// when `new.path` is a directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replace {
    pub old: ModuleVersion,
    pub new: ModuleVersion,
    pub syntax: LineId,
}

/// One retraction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retract {
    pub interval: VersionInterval,
    /// The text of the directive's comments (or its block's), one line per comment.
    pub rationale: String,
    pub syntax: LineId,
}

/// One `tool` package path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tool {
    pub path: String,
    pub syntax: LineId,
}

/// One `ignore` directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ignore {
    pub path: String,
    pub syntax: LineId,
}

/// Parses the main module's go.mod strictly (Go's `modfile.Parse`). `file` names the
/// file in errors. Without a fixer every version must be a semantic version.
pub fn parse(file: &str, data: &[u8], fix: Option<&mut VersionFixer<'_>>) -> Result<File, Errors> {
    parse_to_file(file, data, fix, true)
}

/// Parses a dependency's go.mod (Go's `modfile.ParseLax` without a fixer), ignoring
/// what `go` ignores there.
pub fn parse_lax(file: &str, data: &[u8]) -> Result<File, Errors> {
    parse_to_file(file, data, None, false)
}

/// [`parse_lax`] with a version fixer.
pub fn parse_lax_with_fix(
    file: &str,
    data: &[u8],
    fix: Option<&mut VersionFixer<'_>>,
) -> Result<File, Errors> {
    parse_to_file(file, data, fix, false)
}

/// Where a directive line is: what its errors and entries refer to.
#[derive(Clone, Copy)]
pub(super) struct At<'a> {
    pub file: &'a str,
    pub start: Position,
    pub id: LineId,
    /// The line's comments, and those of its block if it is in one.
    pub comments: &'a Comments,
    pub block: Option<&'a Comments>,
}

impl At<'_> {
    pub(super) fn err(&self, kind: ErrorKind) -> Error {
        Error::at(self.file, self.start, kind)
    }

    /// Places an error from a helper at this line.
    pub(super) fn locate(&self, mut e: Error) -> Error {
        e.filename = self.file.to_string();
        e.pos = self.start;
        e
    }

    pub(super) fn about(&self, verb: &'static str, path: &str, kind: ErrorKind) -> Error {
        let mut e = self.err(kind);
        e.verb = verb;
        e.mod_path = path.to_string();
        e
    }
}

/// The block verbs whose lines are directives (Go lists `module`, `godebug`,
/// `require`, `exclude`, `replace`, `retract`, `tool` and `ignore`).
const MOD_BLOCKS: &[&[u8]] = &[
    b"module", b"godebug", b"require", b"exclude", b"replace", b"retract", b"tool", b"ignore",
];

fn parse_to_file(
    file: &str,
    data: &[u8],
    mut fix: Option<&mut VersionFixer<'_>>,
    strict: bool,
) -> Result<File, Errors> {
    let mut syntax = parse_syntax(file, data)?;
    let mut f = File::default();
    let mut errs = Vec::new();
    let mut stmts = std::mem::take(&mut syntax.stmt);
    for stmt in &mut stmts {
        for_each_directive(
            file,
            stmt,
            MOD_BLOCKS,
            strict,
            &mut errs,
            |errs, at, verb, args| f.add(errs, at, verb, args, &mut fix, strict),
        );
    }
    syntax.stmt = stmts;
    f.syntax = syntax;
    f.fix_retract(fix, &mut errs);
    if errs.is_empty() {
        Ok(f)
    } else {
        Err(Errors(errs))
    }
}

/// Calls `add` for every directive line of a statement: a top-level line (verb, then
/// arguments), or each line of a block whose verb is in `blocks`. Any other block is
/// an error when `strict` and skipped otherwise.
pub(super) fn for_each_directive(
    file: &str,
    stmt: &mut Stmt,
    blocks: &[&[u8]],
    strict: bool,
    errs: &mut Vec<Error>,
    mut add: impl FnMut(&mut Vec<Error>, At<'_>, &[u8], &mut [Vec<u8>]),
) {
    match stmt {
        Stmt::Comments(_) => {}
        Stmt::Line(line) => {
            let Some((verb, args)) = line.token.split_first_mut() else {
                return;
            };
            let at = At {
                file,
                start: line.start,
                id: line.id,
                comments: &line.comments,
                block: None,
            };
            add(errs, at, verb, args);
        }
        Stmt::Block(b) => {
            let known = b.token.len() == 1 && blocks.contains(&b.token[0].as_slice());
            if !known {
                if strict {
                    let words: Vec<&[u8]> = b.token.iter().map(Vec::as_slice).collect();
                    let words = text::lossy(&words.join(&b' ')).into_owned();
                    errs.push(Error::at(file, b.start, ErrorKind::UnknownBlockType(words)));
                }
                return;
            }
            let verb = b.token[0].clone();
            for l in &mut b.line {
                let at = At {
                    file,
                    start: l.start,
                    id: l.id,
                    comments: &l.comments,
                    block: Some(&b.comments),
                };
                add(errs, at, &verb, &mut l.token);
            }
        }
    }
}

/// The major-version suffix of a module path (`/v2`, `.v1`, or empty).
pub(super) fn module_path_major(path: &str) -> Option<&str> {
    module::split_path_version(path).map(|(_, major)| major)
}

/// Reads one string argument, reporting `invalid quoted string` at the line.
pub(super) fn string_arg(at: &At<'_>, tok: &mut Vec<u8>) -> Result<String, Error> {
    parse_string(tok)
        .map(|t| text::lossy(&t).into_owned())
        .map_err(|e| at.err(ErrorKind::InvalidQuotedString(e)))
}

/// Reads the `go` version argument; a lax parse accepts `v?N.M…` as `N.M`.
pub(super) fn go_arg(at: &At<'_>, args: &mut [Vec<u8>], lax: bool) -> Result<String, Error> {
    let [arg] = args else {
        return Err(at.err(ErrorKind::ExpectsOneArgument("go")));
    };
    if !is_go_version(arg) {
        match lax.then(|| lax_go_version(arg)).flatten() {
            Some(short) => *arg = short,
            None => {
                return Err(at.err(ErrorKind::InvalidGoVersion(text::lossy(arg).into_owned())));
            }
        }
    }
    Ok(text::lossy(arg).into_owned())
}

/// Reads the `toolchain` argument.
pub(super) fn toolchain_arg(at: &At<'_>, args: &[Vec<u8>]) -> Result<String, Error> {
    let [arg] = args else {
        return Err(at.err(ErrorKind::ExpectsOneArgument("toolchain")));
    };
    if !is_toolchain_name(arg) {
        return Err(at.err(ErrorKind::InvalidToolchainVersion(
            text::lossy(arg).into_owned(),
        )));
    }
    Ok(text::lossy(arg).into_owned())
}

/// Reads `key=value` of a `godebug` line.
pub(super) fn godebug_arg(at: &At<'_>, args: &[Vec<u8>]) -> Result<(String, String), Error> {
    let usage = || at.err(ErrorKind::Usage("godebug key=value".into()));
    let [arg] = args else {
        return Err(usage());
    };
    if arg.iter().any(|b| matches!(b, b'"' | b'`' | b'\'' | b',')) {
        return Err(usage());
    }
    let Some(eq) = arg.iter().position(|&b| b == b'=') else {
        return Err(usage());
    };
    Ok((
        text::lossy(&arg[..eq]).into_owned(),
        text::lossy(&arg[eq + 1..]).into_owned(),
    ))
}

/// Reads a `replace` line: `old [v] => new [v]`, where a `new` without version must
/// be a directory (Go's `parseReplace`).
pub(super) fn parse_replace(
    at: &At<'_>,
    verb: &'static str,
    args: &mut [Vec<u8>],
    fix: &mut Option<&mut VersionFixer<'_>>,
) -> Result<Replace, Error> {
    let arrow = if args.len() >= 2 && args[1] == b"=>" {
        1
    } else {
        2
    };
    if args.len() < arrow + 2 || args.len() > arrow + 3 || args[arrow] != b"=>" {
        return Err(at.err(ErrorKind::Usage(format!(
            "{verb} module/path [v1.2.3] => other/module v1.4\n\t or {verb} module/path [v1.2.3] => ../local/directory"
        ))));
    }
    let s = string_arg(at, &mut args[0])?;
    let Some(path_major) = module_path_major(&s) else {
        return Err(at.about(verb, &s, ErrorKind::InvalidModulePath));
    };
    let mut v = String::new();
    if arrow == 2 {
        v = parse_version(verb, &s, &mut args[1], fixer(fix)).map_err(|e| at.locate(e))?;
        if let Err(e) = module::check_path_major(&v, path_major) {
            return Err(at.about(verb, &s, ErrorKind::Module(e.to_string())));
        }
    }
    let ns = string_arg(at, &mut args[arrow + 1])?;
    let mut nv = String::new();
    if args.len() == arrow + 2 {
        if !is_directory_path(&ns) {
            if ns.contains('@') {
                return Err(at.err(ErrorKind::ReplacementAtVersion));
            }
            return Err(at.err(ErrorKind::ReplacementNotDirectory));
        }
        if std::path::MAIN_SEPARATOR == '/' && ns.contains('\\') {
            return Err(at.err(ErrorKind::ReplacementWindowsPath));
        }
    }
    if args.len() == arrow + 3 {
        nv =
            parse_version(verb, &ns, &mut args[arrow + 2], fixer(fix)).map_err(|e| at.locate(e))?;
        if is_directory_path(&ns) {
            return Err(at.err(ErrorKind::ReplacementDirectoryVersion(ns)));
        }
    }
    Ok(Replace {
        old: ModuleVersion {
            path: s,
            version: v,
        },
        new: ModuleVersion {
            path: ns,
            version: nv,
        },
        syntax: at.id,
    })
}

impl File {
    fn add(
        &mut self,
        errs: &mut Vec<Error>,
        at: At<'_>,
        verb: &[u8],
        args: &mut [Vec<u8>],
        fix: &mut Option<&mut VersionFixer<'_>>,
        strict: bool,
    ) {
        // Dependencies' go.mod files: only what matters for loading the module graph,
        // so that directives added to Go later (which usually concern the main module
        // only) do not break older readers.
        if !strict
            && !matches!(
                verb,
                b"go" | b"module" | b"retract" | b"require" | b"ignore"
            )
        {
            return;
        }
        if let Err(e) = self.add_directive(at, verb, args, fix, strict) {
            errs.push(e);
        }
    }

    fn add_directive(
        &mut self,
        at: At<'_>,
        verb: &[u8],
        args: &mut [Vec<u8>],
        fix: &mut Option<&mut VersionFixer<'_>>,
        strict: bool,
    ) -> Result<(), Error> {
        let id = at.id;
        match verb {
            b"go" => {
                if self.go.is_some() {
                    return Err(at.err(ErrorKind::Repeated("go")));
                }
                let version = go_arg(&at, args, !strict)?;
                self.go = Some(Go {
                    version,
                    syntax: id,
                });
            }
            b"toolchain" => {
                if self.toolchain.is_some() {
                    return Err(at.err(ErrorKind::Repeated("toolchain")));
                }
                let name = toolchain_arg(&at, args)?;
                self.toolchain = Some(Toolchain { name, syntax: id });
            }
            b"module" => {
                if self.module.is_some() {
                    return Err(at.err(ErrorKind::Repeated("module")));
                }
                let deprecated = deprecation(&directive_comment(at.block, at.comments));
                let module = self.module.insert(Module {
                    path: String::new(),
                    deprecated,
                    syntax: id,
                });
                let [arg] = args else {
                    return Err(at.err(ErrorKind::Usage("module module/path".into())));
                };
                module.path = string_arg(&at, arg)?;
            }
            b"godebug" => {
                let (key, value) = godebug_arg(&at, args)?;
                self.godebug.push(Godebug {
                    key,
                    value,
                    syntax: id,
                });
            }
            b"require" | b"exclude" => {
                let verb = if verb == b"require" {
                    "require"
                } else {
                    "exclude"
                };
                let [path_tok, version_tok] = args else {
                    return Err(at.err(ErrorKind::Usage(format!("{verb} module/path v1.2.3"))));
                };
                let s = string_arg(&at, path_tok)?;
                let v =
                    parse_version(verb, &s, version_tok, fixer(fix)).map_err(|e| at.locate(e))?;
                let Some(path_major) = module_path_major(&s) else {
                    return Err(at.err(ErrorKind::InvalidModulePath));
                };
                if let Err(e) = module::check_path_major(&v, path_major) {
                    return Err(at.about(verb, &s, ErrorKind::Module(e.to_string())));
                }
                let module = ModuleVersion {
                    path: s,
                    version: v,
                };
                if verb == "require" {
                    self.require.push(Require {
                        module,
                        indirect: is_indirect(at.comments),
                        syntax: id,
                    });
                } else {
                    self.exclude.push(Exclude { module, syntax: id });
                }
            }
            b"replace" => {
                let r = parse_replace(&at, "replace", args, fix)?;
                self.replace.push(r);
            }
            b"retract" => {
                let rationale = directive_comment(at.block, at.comments);
                let (interval, used) = match parse_version_interval("retract", "", args, Fix::Keep)
                {
                    Ok(r) => r,
                    // Dependencies may use interval syntax from a newer Go.
                    Err(_) if !strict => return Ok(()),
                    Err(e) => return Err(at.locate(e)),
                };
                if strict && let Some(extra) = args.get(used) {
                    return Err(at.err(ErrorKind::TokenAfterVersion(
                        text::lossy(extra).into_owned(),
                    )));
                }
                self.retract.push(Retract {
                    interval,
                    rationale,
                    syntax: id,
                });
            }
            b"tool" | b"ignore" => {
                let name = if verb == b"tool" { "tool" } else { "ignore" };
                let [arg] = args else {
                    return Err(at.err(ErrorKind::ExpectsOneArgument(name)));
                };
                let path = string_arg(&at, arg)?;
                if name == "tool" {
                    self.tool.push(Tool { path, syntax: id });
                } else {
                    self.ignore.push(Ignore { path, syntax: id });
                }
            }
            _ => {
                return Err(at.err(ErrorKind::UnknownDirective(text::lossy(verb).into_owned())));
            }
        }
        Ok(())
    }

    /// Runs the fixer over the `retract` versions once the module path is known (it
    /// may come after them). Without a fixer, retract versions stay as written.
    fn fix_retract(&mut self, fix: Option<&mut VersionFixer<'_>>, errs: &mut Vec<Error>) {
        let Some(fix) = fix else {
            return;
        };
        let path = self
            .module
            .as_ref()
            .map(|m| m.path.clone())
            .unwrap_or_default();
        let name = self.syntax.name.clone();
        for r in &mut self.retract {
            let Some(line) = self.syntax.line_mut(r.syntax) else {
                continue;
            };
            let start = line.start;
            if path.is_empty() {
                errs.push(Error::at(&name, start, ErrorKind::RetractWithoutModule));
                return;
            }
            let skip = usize::from(line.token.first().is_some_and(|t| t == b"retract"));
            match parse_version_interval(
                "retract",
                &path,
                &mut line.token[skip..],
                Fix::With(&mut *fix),
            ) {
                Ok((vi, _)) => r.interval = vi,
                Err(mut e) => {
                    e.filename = name.clone();
                    e.pos = start;
                    errs.push(e);
                    r.interval = VersionInterval::default();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(data: &str) -> String {
        match parse("go.mod", data.as_bytes(), None) {
            Ok(_) => String::new(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn strict_errors_are_gos() {
        assert_eq!(
            errors(
                "go 1.2\nfoo bar\nmodule x/v0\nrequire a/b v1\nrequire \"a/b\" v2.0.0\nreplace x => y\n"
            ),
            "go.mod:2: unknown directive: foo\n\
             go.mod:5: require a/b: version \"v2.0.0\" invalid: should be v0 or v1, not v2\n\
             go.mod:6: replacement module without version must be directory path (rooted or starting with . or ..)"
        );
        assert_eq!(
            errors("module m\n\trequire x v1.0.0 extra\n"),
            "go.mod:2:2: usage: require module/path v1.2.3"
        );
        assert_eq!(
            errors("module m\nretract v1.0.0 v1.1.0\n"),
            "go.mod:2: unexpected token after version: \"v1.1.0\""
        );
        assert_eq!(
            errors("module m\nrequire x bad\n"),
            "go.mod:2: require x: version \"bad\" invalid: must be of the form v1.2.3"
        );
    }

    #[test]
    fn parsing_rewrites_tokens_like_go() {
        let f = parse(
            "go.mod",
            b"module \"example.com/m\"\nrequire \"example.com/a\" v1.2\nretract \"a b\"\n",
            None,
        )
        .expect("parse");
        assert_eq!(f.require[0].module.version, "v1.2.0");
        // Retract versions are kept as written, unquoted: Go then prints a file that
        // no longer parses (`go mod edit -fmt` does the same).
        assert_eq!(
            String::from_utf8_lossy(&f.format()),
            "module example.com/m\n\nrequire example.com/a v1.2.0\n\nretract a b\n"
        );
        assert!(parse("go.mod", &f.format(), None).is_err());
        // Nor does a version that needs quotes for a character the lexer refuses (a
        // fuzzing find); a byte that is not UTF-8 becomes U+FFFD. Go 1.26's output.
        let f = parse("go.mod", b"module abc\nretract \"\xff\x7f.3\"\n", None).expect("parse");
        assert_eq!(f.format(), b"module abc\n\nretract \xef\xbf\xbd\x7f.3\n");
        assert_eq!(
            parse("go.mod", &f.format(), None)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err("go.mod:3:10: unexpected input character '\\x7f'".to_string())
        );
    }

    #[test]
    fn lax_parsing_keeps_what_dependencies_need() {
        let data = b"module m\ngo v1.21.3\ntoolchain bogus\nreplace a => b\nexclude a bad\n\
            retract v1.0.0 trailing\nretract (v1.0.0, v1.1.0]\nnew directive\nnew (\n\tx\n)\n\
            require a v1.0.0\nignore ./x\n";
        let f = parse_lax("go.mod", data).expect("lax");
        assert_eq!(f.go.as_ref().map(|g| g.version.as_str()), Some("1.21"));
        assert!(f.toolchain.is_none() && f.replace.is_empty() && f.exclude.is_empty());
        assert_eq!(f.retract.len(), 1);
        assert_eq!(f.require.len(), 1);
        assert_eq!(f.ignore.len(), 1);
        // Errors in the directives it reads still count.
        assert_eq!(
            parse_lax("go.mod", b"module m\nrequire a bad\n")
                .map(|_| ())
                .unwrap_err()
                .to_string(),
            "go.mod:2: require a: version \"bad\" invalid: must be of the form v1.2.3"
        );
    }

    #[test]
    fn fixer_errors() {
        let mut fix = |path: &str, v: &str| -> Result<String, super::super::FixError> {
            match v {
                "bad" => Err(super::super::FixError::Module(format!("no {path}"))),
                "worse" => Err(super::super::FixError::Other("plain".into())),
                _ => Ok(format!("v{v}")),
            }
        };
        let err = parse(
            "f",
            b"module m\nrequire a bad\nrequire b worse\nrequire c 1.0.0\n",
            Some(&mut fix),
        )
        .map(|_| ())
        .unwrap_err()
        .to_string();
        assert_eq!(err, "f:2: require a: no a\nf:3: plain");
    }
}
