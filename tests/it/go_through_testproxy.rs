//! Acceptance test of issue 3: the real `go mod download -json` against the test proxy
//! serving Go's own test-proxy fixtures (`conformance/proxy_modules`).
//!
//! For every served module the test *predicts* what `go` must do, from what the proxy
//! serves (fetched over plain HTTP like any client) and Go's rules, with nothing
//! specific to any one module:
//!
//! 1. `.info` is requested for the argument's version (`Stat`). A missing `.info` fails
//!    with `<path>@<v>: reading <url>: 404 Not Found` (plus Go's `server response`
//!    detail from a text/plain body). If the `.info` names another version, that is an
//!    error when the requested version is canonical and valid for the path
//!    (`proxy returned info for version … instead of requested version`); otherwise it
//!    is how the query resolves (`rsc.io/breaker@v2.0.0` → `v2.0.0+incompatible`,
//!    `rsc.io/quote@v2.0.0` → a pseudo-version) and the record carries `Query`.
//! 2. `.mod` of the resolved version: missing → the same 404 error shape.
//!    For `golang.org/toolchain` go then requires the checksum database even with
//!    GOSUMDB=off (toolchains cannot be listed in go.sum; only a lone `file://`
//!    GOPROXY is exempt), so these fail with `verifying go.mod: checksum database
//!    disabled by GOSUMDB=off`.
//! 3. `.zip`: every entry must start with `<path>@<version>/`
//!    (`zip for … has unexpected file …`, checked at download).
//! 4. Extraction (`unzip <cache zip>: <cause>`): the cause is `modzip::unzip`'s, whose
//!    messages are Go's x/mod/zip ones (module.Check of path and version, file names,
//!    case-insensitive collisions, sizes).
//! 5. The extracted `go.mod`'s `go` line must not be newer than the running go
//!    (`… requires go >= X (running go Y; GOTOOLCHAIN=local)`).
//! 6. Otherwise the download succeeds: `Sum` and the `.ziphash` equal `zip_h1` of
//!    `proxy_modules.json`, `GoModSum` equals `gomod_h1`, the on-disk `.info` is one of
//!    the `cache_info` texts of the fixtures that resolve to this version, and the
//!    extracted tree lands at `gomodcache.extracted_dir`.
//!
//! `go` runs once for all modules (GOSUMDB=off); a run that breaks the one-record-per-
//! argument contract is redone one module at a time so failures are attributed. The
//! proxy's request log must hold exactly the requests the prediction lists, each
//! once, and for one module the exact order is asserted and printed: the request
//! pattern `go` produces.
//!
//! # What the "bad" fixtures do under these rules
//!
//! With go 1.26 and GOSUMDB=off: `rsc.io/badzip` fails at download (a file outside the
//! module prefix); `rsc.io/badfile2..5` and `example.com/downgrade@v2.0.0` fail at
//! extraction; `example.com/retract/missingmod@v1.9.0` has no `.mod`; `rsc.io/future`
//! needs go 1.999; the three `golang.org/toolchain` versions fail for want of a
//! checksum database (they download through a `file://` GOPROXY). `rsc.io/badmod` *succeeds*: its bad go.mod is only parsed when a
//! module graph is loaded (Go's `mod_load_badmod.txt` fails in `go build`), never by
//! `go mod download path@version`. `rsc.io/badsum` also *succeeds*: it failed in
//! Go's tests only against a hash hard-coded in an old `modfetch/notary.go`; no current
//! script uses it, and a test checksum database filled from the proxy's own modules
//! (issue 6) records the hash of exactly what is served, so only a go.sum with a
//! different hash makes it fail.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use gomodfetch::dirhash;
use gomodfetch::gover;
use gomodfetch::module::{self, ModuleVersion};
use gomodfetch::modzip;
use gomodfetch::testkit::gocmd::{DownloadRecord, Go, Sandbox};
use gomodfetch::testkit::proxy::{ProxyConfig, RequestRecord, TestProxy};
use gomodfetch::testkit::universe::Universe;
use serde_json::Value;

use crate::support::{self, Tally};

const TEST: &str = "go_through_testproxy";

/// One HTTP response as a client sees it.
struct Response {
    status: u16,
    /// The status line after the code, e.g. `Not Found`.
    reason: String,
    content_type: String,
    body: Vec<u8>,
}

/// `GET <path>` over HTTP/1.0 (so the body is delimited by the connection's end).
fn http_get(addr: SocketAddr, path: &str) -> Result<Response, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| format!("read: {e}"))?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of headers")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let _version = parts.next();
    let status = parts
        .next()
        .and_then(|c| c.parse().ok())
        .ok_or(format!("bad status line {status_line:?}"))?;
    let reason = parts.next().unwrap_or_default().to_string();
    let content_type = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    Ok(Response {
        status,
        reason,
        content_type,
        body: raw[split + 4..].to_vec(),
    })
}

/// Go's `web.HTTPError` text for a non-200 response (cmd/go/internal/web/api.go): the
/// status, and the start of a plain-text UTF-8 body as `server response`.
fn http_error(url: &str, r: &Response) -> String {
    let status = format!("{} {}", r.status, r.reason);
    let detail = error_detail(r);
    if detail.is_empty() {
        return format!("reading {url}: {status}");
    }
    let sep = if detail.contains('\n') { "\n\t" } else { " " };
    format!("reading {url}: {status}\n\tserver response:{sep}{detail}")
}

/// `Response.formatErrorDetail`: only for `text/plain` in UTF-8 (or no charset);
/// printable text only; lines up to the first blank one, at most 8 lines and about
/// 8×81 bytes.
fn error_detail(r: &Response) -> String {
    let mut ct = r.content_type.split(';');
    let media = ct.next().unwrap_or_default().trim().to_ascii_lowercase();
    let charset = ct
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase())
        .unwrap_or_default();
    if media != "text/plain" || !matches!(charset.as_str(), "" | "utf-8" | "us-ascii") {
        return String::new();
    }
    let Ok(s) = std::str::from_utf8(&r.body) else {
        return String::new();
    };
    if s.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return String::new();
    }
    const MAX_LINES: usize = 8;
    let mut detail = String::new();
    for (i, line) in s.split('\n').enumerate() {
        if line.trim().is_empty() {
            break;
        }
        if i > 0 {
            detail.push_str("\n\t");
        }
        if i >= MAX_LINES {
            detail.push_str("[Truncated: too many lines.]");
            break;
        }
        if detail.len() + line.len() > MAX_LINES * 81 {
            detail.push_str("[Truncated: too long.]");
            break;
        }
        detail.push_str(line);
    }
    detail
}

/// What `go mod download -json <path>@<version>` must do.
#[derive(Debug, Clone)]
struct Prediction {
    /// The argument.
    arg: String,
    path: String,
    /// The version the argument resolves to (the argument's own when resolution
    /// fails).
    resolved: String,
    /// The requests, relative to GOPROXY, in the order go makes them.
    requests: Vec<String>,
    /// `Ok(())` or the record's `Error` text.
    outcome: Result<(), Expected>,
}

/// An expected error: the exact text, or (where Go's text comes from a library whose
/// wording we do not model, e.g. a JSON decoder) a prefix.
#[derive(Debug, Clone, PartialEq)]
enum Expected {
    Exact(String),
    Prefix(String),
}

impl Expected {
    fn matches(&self, got: &str) -> bool {
        match self {
            Expected::Exact(s) => got == s,
            Expected::Prefix(s) => got.starts_with(s.as_str()),
        }
    }
}

/// Everything the predictions depend on besides the module. Paths in predicted
/// messages are written with the placeholders of `Sandbox::normalizer`
/// (`$GOMODCACHE`), and go's messages are normalised before they are compared.
struct Context<'a> {
    proxy_addr: SocketAddr,
    goproxy: String,
    /// `runtime.Version()` without `go`, e.g. `1.26.8`.
    local_go: String,
    scratch: &'a Path,
}

impl Context<'_> {
    fn get(&self, rel: &str) -> Result<Response, String> {
        let path = self.goproxy.split_once("://").map_or("", |(_, r)| r);
        let path = &path[path.find('/').unwrap_or(path.len())..];
        http_get(self.proxy_addr, &format!("{path}/{rel}"))
    }
}

/// Predicts go's behaviour for `path@version` (see the module docs).
fn predict(ctx: &Context, path: &str, version: &str, n: usize) -> Result<Prediction, String> {
    let esc = module::escape_path(path).map_err(|e| e.to_string())?;
    let mut p = Prediction {
        arg: format!("{path}@{version}"),
        path: path.to_string(),
        resolved: version.to_string(),
        requests: Vec::new(),
        outcome: Ok(()),
    };
    let fail = |mut p: Prediction, e: Expected| {
        p.outcome = Err(e);
        Ok(p)
    };

    // 1. Stat.
    let ev = module::escape_version(version).map_err(|e| e.to_string())?;
    let arg = p.arg.clone();
    let r = match step(ctx, &mut p, format!("{esc}/@v/{ev}.info"), &arg)? {
        Ok(r) => r,
        Err(e) => return fail(p, e),
    };
    let info: Value = match serde_json::from_slice(&r.body) {
        Ok(v) => v,
        Err(_) => {
            let base = &ctx.goproxy;
            let e = format!("{path}@{version}: invalid response from proxy {base:?}: ");
            return fail(p, Expected::Prefix(e));
        }
    };
    let resolved = info["Version"].as_str().unwrap_or_default().to_string();
    if resolved != version
        && module::canonical_version(version) == version
        && module::check(path, version).is_ok()
    {
        let e = format!(
            "{path}@{version}: proxy returned info for version {resolved} instead of requested version"
        );
        return fail(p, Expected::Exact(e));
    }
    if resolved.is_empty() || module::canonical_version(&resolved) != resolved {
        return Err(format!(
            "model gap: .info names {resolved:?}, which go would reject before downloading"
        ));
    }
    p.resolved = resolved.clone();
    let m = ModuleVersion::new(path, resolved.clone());
    let er = module::escape_version(&resolved).map_err(|e| e.to_string())?;

    // 2. go.mod.
    if let Err(e) = step(ctx, &mut p, format!("{esc}/@v/{er}.mod"), &m.to_string())? {
        return fail(p, e);
    }

    // Downloaded toolchains cannot be listed in go.sum, so go insists on the
    // checksum database for them even with GOSUMDB=off; only a lone file:// GOPROXY
    // is exempt (modfetch/sumdb.go, useSumDB). With GOSUMDB=off that fails.
    if path == "golang.org/toolchain" {
        let e = format!("{m}: verifying go.mod: checksum database disabled by GOSUMDB=off");
        return fail(p, Expected::Exact(e));
    }

    // 3. The zip, and the prefix check at download.
    let r = match step(ctx, &mut p, format!("{esc}/@v/{er}.zip"), &m.to_string())? {
        Ok(r) => r,
        Err(e) => return fail(p, e),
    };
    let zip_file = ctx.scratch.join(format!("{n}.zip"));
    std::fs::write(&zip_file, &r.body).map_err(|e| e.to_string())?;
    let names = zip_names(&r.body).map_err(|e| format!("model gap: zip does not open: {e}"))?;
    let prefix = format!("{m}/");
    if let Some(bad) = names.iter().find(|n| !n.starts_with(prefix.as_bytes())) {
        let e = format!(
            "zip for {m} has unexpected file {}",
            String::from_utf8_lossy(bad)
        );
        return fail(p, Expected::Exact(e));
    }

    // 4. Extraction.
    let dir = ctx.scratch.join(n.to_string());
    if let Err(e) = modzip::unzip(&dir, &m, &zip_file) {
        let cache_zip = format!("$GOMODCACHE/cache/download/{esc}/@v/{er}.zip");
        let e = format!("unzip {cache_zip}: {}", e.cause());
        return fail(p, Expected::Exact(e));
    }

    // 5. The go version the module needs.
    if let Ok(data) = std::fs::read(dir.join("go.mod")) {
        let need = gover::go_mod_lookup(&data, "go");
        if gover::compare(&need, &ctx.local_go).is_gt() {
            let e = format!(
                "{m} requires go >= {need} (running go {}; GOTOOLCHAIN=local)",
                ctx.local_go
            );
            return fail(p, Expected::Exact(e));
        }
    }
    Ok(p)
}

/// Requests `rel` (relative to GOPROXY) as go's next step; a non-200 answer is go's
/// `<who>: reading <url>: <status>…` error.
fn step(
    ctx: &Context,
    p: &mut Prediction,
    rel: String,
    who: &str,
) -> Result<Result<Response, Expected>, String> {
    let r = ctx.get(&rel)?;
    let url = format!("{}/{rel}", ctx.goproxy);
    p.requests.push(rel);
    if r.status != 200 {
        let e = format!("{who}: {}", http_error(&url, &r));
        return Ok(Err(Expected::Exact(e)));
    }
    Ok(Ok(r))
}

/// The entry names of a zip, raw, in directory order.
fn zip_names(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    (0..z.len())
        .map(|i| {
            z.by_index_raw(i)
                .map(|f| f.name_raw().to_vec())
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// A fixture from `proxy_modules.json`.
struct Fixture<'a> {
    path: &'a str,
    version: &'a str,
    json: &'a Value,
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Runs one `go mod download -json` over `args`; `None` when the run broke the
/// one-record-per-argument contract (a fatal error, a toolchain switch).
fn download(go: &Go, sb: &Sandbox, args: &[String]) -> Result<Option<Vec<DownloadRecord>>, String> {
    let run = go
        .mod_download(sb, sb.work_dir(), &["-json"], args)
        .map_err(|e| e.to_string())?;
    match run.download_records() {
        Ok(recs) if recs.len() == args.len() => Ok(Some(recs)),
        Ok(recs) => {
            eprintln!(
                "{TEST}: {} records for {} arguments; retrying one by one\n{run}",
                recs.len(),
                args.len()
            );
            Ok(None)
        }
        Err(e) => {
            eprintln!("{TEST}: {e}; retrying one by one\n{run}");
            Ok(None)
        }
    }
}

/// A fresh sandbox for `proxy` with GOSUMDB=off.
fn sandbox(proxy: &TestProxy) -> Sandbox {
    let mut sb = Sandbox::new().expect("sandbox");
    sb.goproxy(proxy.goproxy_url()).modcacherw(true);
    if let Some(ca) = proxy.ca_cert_path() {
        sb.ssl_cert_file(ca);
    }
    sb
}

/// The log's module requests, relative to GOPROXY (`/mod/`).
fn requests(log: &[RequestRecord]) -> Vec<String> {
    log.iter()
        .filter_map(|r| r.path.strip_prefix("/mod/").map(str::to_string))
        .collect()
}

/// Compares one record with its prediction and the fixture facts.
fn check_record(
    pred: &Prediction,
    rec: &DownloadRecord,
    facts: &HashMap<(String, String), &Fixture>,
    cache_infos: &HashMap<(String, String), Vec<String>>,
    sb: &Sandbox,
) -> Result<(), String> {
    let want_query = (pred.resolved != pred.arg[pred.path.len() + 1..])
        .then(|| pred.arg[pred.path.len() + 1..].to_string());
    if rec.path.as_deref() != Some(pred.path.as_str()) {
        return Err(format!("Path {:?}", rec.path));
    }
    let error = rec.error.as_deref().map(|e| sb.normalizer().apply_str(e));
    match (&pred.outcome, &error) {
        (Err(want), Some(got)) if want.matches(got) => return Ok(()),
        (Err(want), got) => return Err(format!("want error {want:?}, got {got:?}")),
        (Ok(()), Some(got)) => return Err(format!("predicted success, go: {got}")),
        (Ok(()), None) => {}
    }
    if rec.version.as_deref() != Some(pred.resolved.as_str()) || rec.query != want_query {
        return Err(format!(
            "Version {:?} Query {:?}, want {:?} {want_query:?}",
            rec.version, rec.query, pred.resolved
        ));
    }
    let key = (pred.path.clone(), pred.resolved.clone());
    let fx = facts.get(&key).ok_or(format!(
        "resolved to {}, which no fixture has",
        pred.resolved
    ))?;
    let zip_h1 = str_field(fx.json, "zip_h1");
    let gomod_h1 = str_field(fx.json, "gomod_h1");
    if rec.sum.as_deref() != Some(zip_h1) || rec.go_mod_sum.as_deref() != Some(gomod_h1) {
        return Err(format!(
            "Sum {:?} GoModSum {:?}, want zip_h1 {zip_h1} gomod_h1 {gomod_h1}",
            rec.sum, rec.go_mod_sum
        ));
    }
    let cache = sb.gomodcache();
    let gmc = &fx.json["gomodcache"];
    let download_dir = cache.join(str_field(gmc, "download_dir"));
    let extracted = cache.join(str_field(gmc, "extracted_dir"));
    let zip = PathBuf::from(rec.zip.as_deref().unwrap_or_default());
    if zip.parent() != Some(download_dir.as_path())
        || Path::new(rec.dir.as_deref().unwrap_or_default()) != extracted.as_path()
    {
        return Err(format!(
            "Zip {zip:?} Dir {:?}, want them in {} and at {}",
            rec.dir,
            download_dir.display(),
            extracted.display()
        ));
    }
    let ziphash = std::fs::read_to_string(format!("{}hash", zip.display()))
        .map_err(|e| format!(".ziphash: {e}"))?;
    if ziphash != zip_h1 {
        return Err(format!(".ziphash {ziphash}, want {zip_h1}"));
    }
    let zip_sum = dirhash::hash_zip(&zip).map_err(|e| e.to_string())?;
    if zip_sum != *zip_h1 {
        return Err(format!("h1 of the cached zip {zip_sum}, want {zip_h1}"));
    }
    let gomod = std::fs::read(rec.go_mod.as_deref().unwrap_or_default())
        .map_err(|e| format!(".mod: {e}"))?;
    if dirhash::hash_go_mod(&gomod) != *gomod_h1 {
        return Err(format!("h1 of the cached .mod is not {gomod_h1}"));
    }
    let info = std::fs::read_to_string(rec.info.as_deref().unwrap_or_default())
        .map_err(|e| format!(".info: {e}"))?;
    let allowed = cache_infos.get(&key).cloned().unwrap_or_default();
    if !allowed.contains(&info) {
        return Err(format!(".info {info:?}, want one of {allowed:?}"));
    }
    if !extracted.is_dir() {
        return Err("no extracted directory".into());
    }
    Ok(())
}

/// The log of the run over all modules must hold exactly the predicted requests,
/// each once. A version that one argument's query resolved to is not Stat-ed again
/// when that query ran first, so those `.info` requests may be missing.
fn check_batch_log(t: &mut Tally, predictions: &[Prediction], proxy: &TestProxy) {
    let expected: BTreeSet<String> = predictions
        .iter()
        .flat_map(|p| p.requests.iter().cloned())
        .collect();
    let shadowable: BTreeSet<String> = predictions
        .iter()
        .filter(|p| p.arg[p.path.len() + 1..] != p.resolved)
        .filter_map(|p| {
            let esc = module::escape_path(&p.path).ok()?;
            let ev = module::escape_version(&p.resolved).ok()?;
            Some(format!("{esc}/@v/{ev}.info"))
        })
        .collect();
    proxy.wait_for_log(expected.len() - shadowable.len(), Duration::from_secs(10));
    let log = requests(&proxy.log());
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &log {
        *counts.entry(r.as_str()).or_default() += 1;
    }
    for url in &expected {
        let n = counts.get(url.as_str()).copied().unwrap_or(0);
        t.check(url, || match n {
            1 => Ok(()),
            0 if shadowable.contains(url) => Ok(()),
            n => Err(format!("requested {n} times")),
        });
    }
    for url in counts.keys().filter(|u| !expected.contains(**u)) {
        t.check(url, || Err("requested but not predicted".to_string()));
    }
}

#[test]
fn go_mod_download_through_testproxy() {
    let (Some(dir), Some(json_path), Some(go)) = (
        support::conformance(TEST, "proxy_modules"),
        support::conformance(TEST, "proxy_modules.json"),
        support::go(TEST),
    ) else {
        return;
    };
    let doc: Value =
        serde_json::from_slice(&std::fs::read(&json_path).expect("read")).expect("parse");
    let fixtures: Vec<Fixture> = support::cases(&doc, "modules")
        .iter()
        .filter(|m| m["served"].as_bool() == Some(true))
        .map(|m| Fixture {
            path: str_field(m, "path"),
            version: str_field(m, "version"),
            json: m,
        })
        .collect();
    let unserved = support::cases(&doc, "modules").len() - fixtures.len();
    let facts: HashMap<(String, String), &Fixture> = fixtures
        .iter()
        .map(|f| ((f.path.to_string(), f.version.to_string()), f))
        .collect();

    let universe = Universe::from_txtar_dir(&dir).expect("loading the fixtures");
    let proxy = TestProxy::start(ProxyConfig::new(universe)).expect("starting the proxy");
    let sb = sandbox(&proxy);
    let scratch = tempfile::tempdir().expect("tempdir");
    let version = go.version(&sb).expect("go version");
    let ctx = Context {
        proxy_addr: proxy.addr(),
        goproxy: proxy.goproxy_url(),
        local_go: version.trim_start_matches("go").to_string(),
        scratch: scratch.path(),
    };

    // Predict every module from what the proxy serves.
    let mut predictions = Vec::new();
    let mut model = Tally::new("proxy_modules/prediction");
    for (i, f) in fixtures.iter().enumerate() {
        model.check(format!("{}@{}", f.path, f.version), || {
            predictions.push(predict(&ctx, f.path, f.version, i)?);
            Ok(())
        });
    }
    model.finish();
    // The .info each resolved version may have on disk: the cache_info of every
    // fixture whose .info names it.
    let mut cache_infos: HashMap<(String, String), Vec<String>> = HashMap::new();
    for (f, p) in fixtures.iter().zip(&predictions) {
        cache_infos
            .entry((f.path.to_string(), p.resolved.clone()))
            .or_default()
            .push(str_field(f.json, "cache_info").to_string());
    }

    // One go run for all; one run per module if that run breaks the record contract.
    proxy.clear_log();
    let args: Vec<String> = predictions.iter().map(|p| p.arg.clone()).collect();
    let mut sandboxes = Vec::new();
    let mut observed: Vec<(DownloadRecord, usize)> = Vec::new();
    let mut single_logs: Vec<Vec<String>> = Vec::new();
    match download(&go, &sb, &args).expect("go") {
        Some(recs) => observed = recs.into_iter().map(|r| (r, 0)).collect(),
        None => {
            for p in &predictions {
                proxy.clear_log();
                let one = sandbox(&proxy);
                let rec = match download(&go, &one, std::slice::from_ref(&p.arg)).expect("go") {
                    Some(mut r) => r.remove(0),
                    None => DownloadRecord {
                        error: Some("go printed no record".into()),
                        ..DownloadRecord::default()
                    },
                };
                proxy.wait_for_log(p.requests.len(), Duration::from_secs(10));
                single_logs.push(requests(&proxy.log()));
                sandboxes.push(one);
                observed.push((rec, sandboxes.len()));
            }
        }
    }
    let sandbox_of = |i: usize| if i == 0 { &sb } else { &sandboxes[i - 1] };

    let mut t = Tally::new("proxy_modules/go mod download");
    for (p, (rec, i)) in predictions.iter().zip(&observed) {
        t.check(&p.arg, || {
            check_record(p, rec, &facts, &cache_infos, sandbox_of(*i))
        });
    }
    let fetched: BTreeSet<(String, String)> = predictions
        .iter()
        .zip(&observed)
        .filter(|(p, (r, _))| p.outcome.is_ok() && r.error.is_none())
        .map(|(p, _)| (p.path.clone(), p.resolved.clone()))
        .collect();
    let failed: Vec<String> = predictions
        .iter()
        .filter(|p| p.outcome.is_err())
        .map(|p| p.arg.clone())
        .collect();
    t.finish();

    let mut t = Tally::new("proxy_modules/request log");
    if single_logs.is_empty() {
        check_batch_log(&mut t, &predictions, &proxy);
    } else {
        // One module per run and a fresh cache each time: the exact order.
        for (p, log) in predictions.iter().zip(&single_logs) {
            t.eq(&p.arg, log, &p.requests);
        }
    }
    t.finish();

    support::note(
        "go_through_testproxy/fetched",
        &format!(
            "go fetched {} of {} served fixture modules through the test proxy \
             ({} arguments; {} failed as predicted: {}; {unserved} fixture files not served)",
            fetched.len(),
            fixtures.len(),
            args.len(),
            failed.len(),
            failed.join(", ")
        ),
    );
}

/// The requests of one module, in order: what `go mod download` asks a proxy for.
#[test]
fn request_pattern_for_one_module() {
    let (Some(dir), Some(go)) = (
        support::conformance(TEST, "proxy_modules"),
        support::go(TEST),
    ) else {
        return;
    };
    for tls in [false, true] {
        let universe = Universe::from_txtar_dir(&dir).expect("loading the fixtures");
        let proxy =
            TestProxy::start(ProxyConfig::new(universe).tls(tls)).expect("starting the proxy");
        let sb = sandbox(&proxy);
        let run = go
            .mod_download(&sb, sb.work_dir(), &["-json"], ["rsc.io/quote@v1.5.2"])
            .expect("go");
        assert!(run.success(), "{run}");
        proxy.wait_for_log(3, Duration::from_secs(10));
        let log = proxy.log();
        let pattern: Vec<String> = log
            .iter()
            .map(|r| format!("{} {} {} {}", r.http_version, r.method, r.path, r.status))
            .collect();
        let scheme = if tls { "https" } else { "http" };
        support::note(
            &format!("go_through_testproxy/request pattern over {scheme}"),
            &format!(
                "go mod download rsc.io/quote@v1.5.2: {}",
                pattern.join(", ")
            ),
        );
        assert_eq!(
            requests(&log),
            [
                "rsc.io/quote/@v/v1.5.2.info",
                "rsc.io/quote/@v/v1.5.2.mod",
                "rsc.io/quote/@v/v1.5.2.zip",
            ],
            "{pattern:#?}"
        );
        assert!(log.iter().all(|r| r.method == "GET" && r.status == 200));
        let want_version = if tls { "HTTP/2" } else { "HTTP/1.1" };
        assert!(
            log.iter().all(|r| r.http_version == want_version),
            "{pattern:#?}"
        );
    }
}
