//! The main module, as far as `go mod download path@version` needs it: whether the
//! command runs inside a module (Go's `modload.Init` and `findModuleRoot`), its
//! go.mod read strictly with Go's start-up errors (`ReadModFile`), the go.sum beside
//! it, and the root requirements after replacement, whose sums go.sum keeps.
//!
//! Not here yet (the module-graph issue): workspaces (`go.work`), go.mod files whose
//! requirements need network queries to be fixed (non-canonical versions), and the
//! rewriting of go.mod. A workspace is refused with a clear message.

use super::error::Fatal;
use super::toolchain::too_new;

use crate::config::{Config, DownloadArgs, GoWork};
use crate::gover;
use crate::modfile::{self, FixError};
use std::path::{Path, PathBuf};

/// What the run knows of the main module.
#[derive(Debug, Clone)]
pub struct MainModule {
    /// The `module` path.
    pub path: String,
    /// The module root: the directory of go.mod (also with `-modfile`).
    pub dir: PathBuf,
    /// The go.mod file read and written (`-modfile` or `<dir>/go.mod`).
    pub go_mod: PathBuf,
    /// The go.sum file verified against and written.
    pub go_sum: PathBuf,
    /// go.mod as read (strictly).
    pub file: modfile::File,
    /// go.mod's bytes as read (Go rewrites it only if they did not change since).
    pub data: Vec<u8>,
    /// Non-canonical versions in go.mod (`path`, `version`) that Go resolves with a
    /// query before the file means anything (Go's `fixVersion`); see [`refix`].
    pub fixes: Vec<(String, String)>,
}

/// Finds and reads the main module for a run in `work_dir`. `warn` gets Go's start-up
/// warnings. `Ok(None)`: outside any module.
pub fn load(
    config: &Config,
    args: &DownloadArgs,
    work_dir: &Path,
    warn: &dyn Fn(&str),
) -> Result<Option<MainModule>, Fatal> {
    check_workspace(config, work_dir)?;
    let modfile_flag = args.modfile.as_ref().map(|f| work_dir.join(f));
    let Some(root) = find_module_root(work_dir) else {
        if modfile_flag.is_some() {
            return Err(Fatal::new(
                "go: cannot find main module, but -modfile was set.\n\t-modfile cannot be used to set the module root directory.",
            ));
        }
        return Ok(None);
    };
    let temp = std::env::temp_dir();
    if same_dir(&root, &temp) {
        warn(&format!(
            "go: warning: ignoring go.mod in system temp root {}",
            temp.display()
        ));
        return Ok(None);
    }
    if let Some(f) = &args.modfile
        && !f.as_os_str().as_encoded_bytes().ends_with(b".mod")
    {
        return Err(Fatal::new(format!(
            "go: -modfile={}: file does not have .mod extension",
            f.display()
        )));
    }
    let gopath = config.gopath().to_string_lossy();
    if let Some(first) = std::env::split_paths(gopath.as_ref()).next()
        && !first.as_os_str().is_empty()
        && first.join("go.mod").exists()
    {
        warn(&format!(
            "go: warning: ignoring go.mod in $GOPATH {}",
            first.display()
        ));
    }
    let go_mod = modfile_flag.unwrap_or_else(|| root.join("go.mod"));
    // Go: strings.TrimSuffix(go.mod path, ".mod") + ".sum"; the name ends in `.mod`.
    let go_sum = go_mod.with_extension("sum");
    let mut fixes = Vec::new();
    let (file, data) = read_go_mod(config, work_dir, &go_mod, &mut |path, vers| {
        fixes.push((path.to_string(), vers.to_string()));
        Ok(placeholder(path))
    })?;
    let path = file
        .module
        .as_ref()
        .map(|m| m.path.clone())
        .unwrap_or_default();
    Ok(Some(MainModule {
        path,
        dir: root,
        go_mod,
        go_sum,
        file,
        data,
        fixes,
    }))
}

/// GOWORK: a workspace is not supported yet. A go.work that does not parse gets Go's
/// error (`ReadWorkFile`) first: that is what go reports for it.
fn check_workspace(config: &Config, work_dir: &Path) -> Result<(), Fatal> {
    let work = match config.gowork() {
        Err(e) => return Err(Fatal::new(e.to_string())),
        Ok(GoWork::Off) => return Ok(()),
        Ok(GoWork::File(f)) => Some(f),
        Ok(GoWork::Auto) => find_workspace_file(work_dir, config.goroot()),
    };
    if let Some(f) = &work
        && let Ok(data) = std::fs::read(f)
    {
        let short = short_path(work_dir, f);
        if let Err(errs) = modfile::parse_work(&short, &data, None) {
            return Err(Fatal::go(format!("errors parsing go.work:\n{errs}")));
        }
    }
    match work {
        None => Ok(()),
        Some(f) => Err(Fatal::new(format!(
            "gomodfetch: workspace mode (go.work at {}) is not supported yet; set GOWORK=off to download as in its modules",
            f.display()
        ))),
    }
}

/// Go's `findModuleRoot`: the nearest directory from `dir` up holding a go.mod file.
fn find_module_root(dir: &Path) -> Option<PathBuf> {
    let mut dir = dir.to_path_buf();
    loop {
        if std::fs::metadata(dir.join("go.mod")).is_ok_and(|m| !m.is_dir()) {
            return Some(dir);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// Go's `findWorkspaceFile`: like [`find_module_root`] for go.work, never crossing
/// GOROOT.
fn find_workspace_file(dir: &Path, goroot: Option<&Path>) -> Option<PathBuf> {
    let mut dir = dir.to_path_buf();
    loop {
        let f = dir.join("go.work");
        if std::fs::metadata(&f).is_ok_and(|m| !m.is_dir()) {
            return Some(f);
        }
        if !dir.pop() || Some(dir.as_path()) == goroot {
            return None;
        }
    }
}

/// Whether `a` and `b` name the same existing directory.
pub(super) fn same_dir(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Go's `ReadModFile` for the main module, with its start-up errors.
fn read_go_mod(
    config: &Config,
    work_dir: &Path,
    go_mod: &Path,
    resolve: &mut dyn FnMut(&str, &str) -> Result<String, FixError>,
) -> Result<(modfile::File, Vec<u8>), Fatal> {
    let short = short_path(work_dir, go_mod);
    let data =
        std::fs::read(go_mod).map_err(|e| Fatal::go(crate::modzip::os_err("open", go_mod, e)))?;
    // Go parses under the full name (messages that quote a position keep it) and
    // then shortens each error's file name.
    let full = go_mod.to_string_lossy();
    let mut fixer = |path: &str, vers: &str| fix_version(path, vers, resolve);
    let file = match modfile::parse(&full, &data, Some(&mut fixer)) {
        Ok(f) => f,
        Err(mut errs) => {
            if let Ok(lax) = modfile::parse_lax(&short, &data)
                && let Some(e) = too_new_go(config, &lax, &short)
            {
                return Err(e);
            }
            for e in &mut errs.0 {
                e.filename = short_path(work_dir, Path::new(&e.filename));
            }
            return Err(Fatal::go(format!("errors parsing {short}:\n{errs}")));
        }
    };
    if let Some(e) = too_new_go(config, &file, &short) {
        return Err(e);
    }
    match &file.module {
        None => Err(Fatal::go(format!(
            "error reading {short}: missing module declaration. To specify the module path:\n\tgo mod edit -module=example.com/mod"
        ))),
        Some(m) if gover::is_toolchain(&m.path) => Err(Fatal::go(format!(
            "error reading {short}: invalid module path: {}",
            crate::gostr::quote(&m.path)
        ))),
        // Go's loadModFile: the main module's path must be a valid import path.
        Some(m) => match crate::module::check_import_path(&m.path) {
            Err(crate::module::Error::InvalidPath(mut e)) => {
                e.kind = crate::module::PathKind::Module;
                Err(Fatal::go(e.to_string()))
            }
            Err(e) => Err(Fatal::go(e.to_string())),
            Ok(()) => Ok((file, data)),
        },
    }
}

/// Go's `fixVersion`: a canonical version is kept (checked against the path's major
/// version); any other is `resolve`d (a query).
fn fix_version(
    path: &str,
    vers: &str,
    resolve: &mut dyn FnMut(&str, &str) -> Result<String, FixError>,
) -> Result<String, FixError> {
    let Some((_, major)) = crate::module::split_path_version(path) else {
        return Err(FixError::Other(format!(
            "malformed module path {}: invalid version",
            crate::gostr::quote(path)
        )));
    };
    if !vers.is_empty() && crate::module::canonical_version(vers) == vers {
        crate::module::check_path_major(vers, major)
            .map_err(|e| FixError::Module(format!("{path}@{vers}: {e}")))?;
        return Ok(vers.to_string());
    }
    resolve(path, vers)
}

/// A canonical version valid for `path`'s major version, standing in for a query
/// result until the queries have run.
fn placeholder(path: &str) -> String {
    let major = crate::module::split_path_version(path).map_or("", |(_, m)| m);
    let n = major.trim_start_matches(['/', '.']).trim_start_matches('v');
    if n.is_empty() || n == "0" || n == "1" {
        format!("v{}.0.0", if n.is_empty() { "0" } else { n })
    } else {
        format!("v{n}.0.0")
    }
}

/// Re-reads go.mod with the answers of the queries [`MainModule::fixes`] asked for
/// (`answers[(path, version)]`: the resolved version or the query's error text).
pub fn refix(
    config: &Config,
    work_dir: &Path,
    main: &MainModule,
    answers: &std::collections::HashMap<(String, String), Result<String, FixError>>,
) -> Result<MainModule, Fatal> {
    let (file, data) = read_go_mod(
        config,
        work_dir,
        &main.go_mod,
        &mut |path, vers| match answers.get(&(path.to_string(), vers.to_string())) {
            Some(Ok(v)) => Ok(v.clone()),
            Some(Err(e)) => Err(e.clone()),
            None => Err(FixError::Other(format!("{path}@{vers}: not resolved"))),
        },
    )?;
    Ok(MainModule {
        file,
        data,
        ..main.clone()
    })
}

/// The main module's `go` line newer than the Go we emulate.
fn too_new_go(config: &Config, f: &modfile::File, short: &str) -> Option<Fatal> {
    let go = f.go.as_ref()?;
    (gover::compare(&go.version, config.go_version()).is_gt())
        .then(|| Fatal::go(too_new(config, short, &go.version)))
}

/// Go's `base.ShortPath`: `path` relative to the working directory when that is
/// shorter and names the same file.
pub fn short_path(work_dir: &Path, path: &Path) -> String {
    let full = path.to_string_lossy().into_owned();
    let Some(rel) = relative(work_dir, path) else {
        return full;
    };
    let rel_s = rel.to_string_lossy().into_owned();
    let same = match (
        std::fs::metadata(work_dir.join(&rel)),
        std::fs::metadata(path),
    ) {
        (Ok(a), Ok(b)) => {
            use std::os::unix::fs::MetadataExt;
            a.dev() == b.dev() && a.ino() == b.ino()
        }
        (Err(a), Err(b)) => {
            a.kind() == std::io::ErrorKind::NotFound && b.kind() == std::io::ErrorKind::NotFound
        }
        _ => false,
    };
    if rel_s.len() < full.len() && same {
        rel_s
    } else {
        full
    }
}

/// `filepath.Rel(base, target)` for absolute, clean paths.
fn relative(base: &Path, target: &Path) -> Option<PathBuf> {
    if !base.is_absolute() || !target.is_absolute() {
        return None;
    }
    let b: Vec<_> = base.components().collect();
    let t: Vec<_> = target.components().collect();
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    let mut rel = PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    for c in &t[common..] {
        rel.push(c);
    }
    if rel.as_os_str().is_empty() {
        rel.push(".");
    }
    Some(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/b/go.mod")),
            Some(PathBuf::from("go.mod"))
        );
        assert_eq!(
            relative(Path::new("/a/b/c"), Path::new("/a/go.mod")),
            Some(PathBuf::from("../../go.mod"))
        );
        assert_eq!(
            relative(Path::new("/a"), Path::new("/a")),
            Some(PathBuf::from("."))
        );
    }

    #[test]
    fn short_path_of_a_file_in_the_directory() {
        let t = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(t.path()).unwrap();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::fs::write(root.join("go.mod"), "module x\n").unwrap();
        assert_eq!(short_path(&root, &root.join("go.mod")), "go.mod");
        assert_eq!(
            short_path(&root.join("sub"), &root.join("go.mod")),
            "../go.mod"
        );
    }
}
