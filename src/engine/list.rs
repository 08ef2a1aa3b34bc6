//! `go list -m [-json] [-e] [-mod=mode] [args]` (Go's `runList` for modules and
//! `modload.ListModules`): the module records of the build list, resolved exactly
//! as `go mod download` resolves its arguments.

use super::args;
use super::commit::commit;
use super::error::Fatal;
use super::graph::Loader;
use super::listing::{ModInfo, Resolver};
use super::mainmod;
use super::run::{Options, build_fetcher};
use crate::config::{Config, DownloadArgs};
use crate::modload::Replacer;
use std::path::Path;
use std::sync::Arc;

/// What `go list -m` prints: the records, unless errors (without `-e`) replace them.
#[derive(Debug, Clone, Default)]
pub struct ListOutcome {
    pub records: Vec<ModInfo>,
    /// Errors printed as `go: <error>` (exit status 1); when not empty without `-e`,
    /// no record is printed.
    pub errors: Vec<String>,
}

/// Runs `go list -m` for `args` in `work_dir`.
pub async fn list(
    config: &Config,
    args: &DownloadArgs,
    work_dir: &Path,
    options: Options,
) -> Result<ListOutcome, Fatal> {
    if !args.list_m {
        return Err(Fatal::new(
            "gomodfetch: only 'list -m' (modules) is supported; package listing is go's job",
        ));
    }
    let mod_mode = match args.mod_mode.as_deref() {
        None | Some("") | Some("readonly") => false,
        Some("mod") => true,
        Some("vendor") => {
            return Err(Fatal::new("gomodfetch: -mod=vendor is not supported"));
        }
        Some(other) => {
            return Err(Fatal::new(format!(
                "-mod={other} not supported (can be '', 'mod', 'readonly', or 'vendor')"
            )));
        }
    };
    let reporter = Arc::clone(&options.reporter);
    let warn = |s: &str| reporter.message(s);
    let (c2, a2, d2) = (config.clone(), args.clone(), work_dir.to_path_buf());
    let r2 = Arc::clone(&reporter);
    let main = super::fetch::blocking(move || mainmod::load(&c2, &a2, &d2, &|s| r2.message(s)))
        .await
        .map_err(|e| Fatal::new(e.to_string()))??;
    let Some(main) = main else {
        return list_outside(config, args, work_dir, &options).await;
    };
    if args.mod_mode.is_none() && default_vendor_mode(&main) {
        // Go's setDefaultBuildMod: go >= 1.14 with a vendor directory means -mod=vendor.
        let first = args
            .modules
            .iter()
            .find(|a| *a == "all" || a.contains("..."));
        if let Some(arg) = first {
            let what = if arg == "all" {
                "compute 'all'"
            } else {
                "match module patterns"
            };
            return Err(Fatal::new(format!(
                "go: can't {what} using the vendor directory\n\t(Use -mod=mod or -mod=readonly to bypass.)"
            )));
        }
        return Err(Fatal::new(
            "gomodfetch: -mod=vendor (the default with a vendor directory) is not supported; use -mod=mod or -mod=readonly",
        ));
    }
    args::check_fatal(&args.modules, Some(&main.path))?;
    let fetcher = Arc::new(build_fetcher(config, args, Some(&main), &options)?);
    let main = super::run::resolve_fixes(config, work_dir, &fetcher, main).await?;
    let replacer = Replacer::new(&main.path, &main.file).map_err(Fatal::go)?;
    let loader = Arc::new(
        Loader::new(Arc::clone(&fetcher), main, replacer, work_dir, !mod_mode)
            .with_trace(options.trace.clone()),
    );
    let (rs, file) = loader
        .load_requirements(mod_mode, config.go_version(), &warn)
        .await?;
    loader.set_main_go_version(&rs);
    let mut resolver = Resolver {
        loader: Arc::clone(&loader),
        rs,
        mg: None,
        graph_error: None,
    };
    if resolver.needs_full_graph(&args.modules) {
        resolver.expand().await?;
    }
    let records = resolver.list(&args.modules, &warn).await?;
    let mut errors = Vec::new();
    match resolver.graph_error.clone() {
        Some(e) => errors.push(e),
        None => {
            if let Err(e) =
                commit(&loader, &resolver.rs, resolver.mg.as_ref(), &file, mod_mode).await
            {
                errors.push(e);
            }
        }
    }
    Ok(ListOutcome { records, errors })
}

/// `go list -m` outside any module: the `command-line-arguments` pseudo main module
/// without arguments, else `path@query` arguments only (Go's fatal errors for the
/// others).
async fn list_outside(
    config: &Config,
    args: &DownloadArgs,
    work_dir: &Path,
    options: &Options,
) -> Result<ListOutcome, Fatal> {
    if args.modules.is_empty() {
        return Ok(ListOutcome {
            records: vec![ModInfo {
                path: "command-line-arguments".to_string(),
                main: true,
                go_version: config.go_version().to_string(),
                ..ModInfo::default()
            }],
            errors: Vec::new(),
        });
    }
    args::check_fatal(&args.modules, None)?;
    let fetcher = Arc::new(build_fetcher(config, args, None, options)?);
    // No main module: an empty path matches no argument, and nothing is replaced.
    let none = mainmod::MainModule {
        path: String::new(),
        dir: work_dir.to_path_buf(),
        go_mod: work_dir.join("go.mod"),
        go_sum: work_dir.join("go.sum"),
        file: crate::modfile::File::default(),
        data: Vec::new(),
        fixes: Vec::new(),
    };
    let loader = Arc::new(
        Loader::new(fetcher, none, Replacer::default(), work_dir, false)
            .with_trace(options.trace.clone()),
    );
    let resolver = Resolver {
        loader,
        rs: crate::modload::Requirements::new(
            crate::modload::Pruning::Pruned,
            Vec::new(),
            Default::default(),
        ),
        mg: None,
        graph_error: None,
    };
    let warn = |s: &str| options.reporter.message(s);
    let records = resolver.list(&args.modules, &warn).await?;
    Ok(ListOutcome {
        records,
        errors: Vec::new(),
    })
}

/// Whether Go picks `-mod=vendor` by default for `main`: a `vendor` directory in the
/// module root and a `go` line of at least 1.14.
fn default_vendor_mode(main: &mainmod::MainModule) -> bool {
    let go = main.file.go.as_ref().map_or("", |g| g.version.as_str());
    !go.is_empty()
        && crate::gover::compare(go, "1.14").is_ge()
        && std::fs::metadata(main.dir.join("vendor")).is_ok_and(|m| m.is_dir())
}
