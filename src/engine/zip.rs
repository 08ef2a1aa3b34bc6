//! A module's zip and extracted tree: Go's `DownloadZip`, `Download` and `checkMod`,
//! with the zip read from the network once.
//!
//! When the zip is missing, the version is locked (`E(v).lock`, as Go locks it) and,
//! under that one lock, the body is streamed into the cache's temp file while its
//! entries are inflated, hashed and — when Go would extract it afterwards — written
//! into the extraction directory under its `.partial` marker ([`crate::zipstream`]).
//! Nothing becomes visible before the hash is verified (go.sum): then the `.ziphash`
//! is written and the zip renamed into place, then `.partial` is removed. A body that
//! breaks midway is started over from an emptied temp file and directory (the HTTP
//! layer's retry budget bounds how often); the GOPROXY walk (`,`/`|`) is Go's.
//!
//! When the zip is present, Go's other cases follow: a missing `.ziphash` is
//! recomputed from the zip; a missing tree is extracted from the zip file.

use super::bridge;
use super::error::{Error, Fatal, Shared};
use super::fetch::{Fetcher, blocking};
use super::toolchain::too_new_error;
use crate::dirhash::H1;
use crate::gover;
use crate::module::ModuleVersion;
use crate::modzip;
use crate::proxy::{ProxyError, ZipDownload};
use crate::store::{
    self, ExtractStart, Extraction, PartialReason, Store, VersionLock, ZipStart, ZipTemp, Ziphash,
};
use crate::zipstream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Chunks buffered between the network and the zip streamer (per download).
const PIPE_CHUNKS: usize = 16;

/// What `DownloadZip` produced: the zip, and the tree when it was extracted in the
/// same pass (`Some(Ok(dir))`, or the extraction's error).
#[derive(Debug, Clone)]
pub struct ZipDone {
    pub zip: PathBuf,
    pub tree: Option<Result<PathBuf, Shared>>,
}

/// The cache files one streamed download writes.
struct Targets {
    temp: ZipTemp,
    extraction: Option<Extraction>,
    /// Whether a previous attempt wrote into them.
    used: bool,
}

impl Fetcher {
    /// Go's `DownloadZip`.
    pub async fn download_zip(self: &Arc<Self>, m: &ModuleVersion) -> Result<ZipDone, Shared> {
        let me = Arc::clone(self);
        let key = m.clone();
        self.zips
            .get_or_run(m, || async move {
                me.download_zip_uncached(&key).await.map_err(Error::shared)
            })
            .await
    }

    async fn download_zip_uncached(self: &Arc<Self>, m: &ModuleVersion) -> Result<ZipDone, Error> {
        let store = self.store()?.clone();
        let paths = store.paths(m)?;
        let zip = paths.zip();
        let (s, key) = (store.clone(), m.clone());
        if blocking(move || s.zip_state(&key)).await??.is_complete() {
            return Ok(ZipDone { zip, tree: None });
        }
        let (s, key) = (store.clone(), m.clone());
        let lock = blocking(move || s.lock_version(&key)).await??;
        let lock = Arc::new(lock);
        let l = Arc::clone(&lock);
        let start = blocking(move || l.begin_zip()).await??;
        match start {
            ZipStart::Complete(zip) => Ok(ZipDone { zip, tree: None }),
            ZipStart::Rehash(zip) => {
                let h1 = self.hash_file(m, &zip).await?;
                self.check_sum(m.clone(), h1.to_string()).await?;
                let l = Arc::clone(&lock);
                blocking(move || l.write_ziphash(h1.as_str())).await??;
                Ok(ZipDone { zip, tree: None })
            }
            ZipStart::Download(temp) => self.fetch_zip(m, lock, temp).await,
        }
    }

    /// `hashZip`'s hash of a zip already in the cache.
    async fn hash_file(&self, m: &ModuleVersion, zip: &Path) -> Result<H1, Error> {
        let _cpu = self.conc.cpu.acquire().await;
        let (m, zip) = (m.clone(), zip.to_path_buf());
        let out = blocking(move || {
            zipstream::from_file(&zipstream::Job {
                module: &m,
                extract_to: None,
                zip_file: &zip,
                temp_file: None,
            })
        })
        .await?;
        out.h1.map_err(Error::Zip)
    }

    /// The download proper, under `lock`, into `temp`.
    async fn fetch_zip(
        self: &Arc<Self>,
        m: &ModuleVersion,
        lock: Arc<VersionLock>,
        temp: ZipTemp,
    ) -> Result<ZipDone, Error> {
        // Extract in the same pass exactly when Go's `Download` would extract after
        // this download: the tree is missing or partial, unless the only thing
        // missing is the `.ziphash` this download is about to write.
        let l = Arc::clone(&lock);
        let zips_only = self.zips_only;
        let (extraction, made_dirs) = blocking(move || -> Result<_, store::Error> {
            if zips_only {
                return Ok((None, Vec::new()));
            }
            match l.download_dir() {
                Ok(_) => Ok((None, Vec::new())),
                Err(store::Error::DirPartial {
                    reason: PartialReason::ZiphashMissing,
                    ..
                }) => Ok((None, Vec::new())),
                Err(e) if e.is_not_found() => match begin_extract_tracked(&l)? {
                    (ExtractStart::Extract(x), made) => Ok((Some(x), made)),
                    (ExtractStart::Complete(_), _) => Ok((None, Vec::new())),
                },
                // `Download` will report it.
                Err(_) => Ok((None, Vec::new())),
            }
        })
        .await??;
        let targets = Mutex::new(Some(Targets {
            temp,
            extraction,
            used: false,
        }));
        self.reporter.zip_started(m);
        let streamed = self.stream_zip(m, &targets).await;
        self.reporter.zip_finished(m);
        let Targets {
            temp, extraction, ..
        } = targets
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .ok_or_else(|| Error::Internal("zip download state lost".into()))?;
        // Verify before anything is published (hashZip's checkModSum).
        let verified = match streamed {
            Ok(outcome) => self
                .check_sum(m.clone(), outcome.h1.to_string())
                .await
                .map(|()| outcome),
            Err(e) => Err(e),
        };
        let outcome = match verified {
            Ok(outcome) => outcome,
            Err(e) => {
                // Go creates the tree's parent directories only after the zip was
                // downloaded and verified: a zip that never gets that far leaves
                // none of them behind. Other modules may be about to extract into
                // them, so they are removed (if still empty) at the end of the run.
                self.unused_dirs
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .extend(made_dirs);
                blocking(move || drop(extraction)).await?;
                return Err(e);
            }
        };
        let reporter = Arc::clone(&self.reporter);
        blocking(move || -> Result<ZipDone, Error> {
            let zip = temp.commit(&lock, outcome.h1.as_str())?;
            let tree = match (extraction, outcome.extraction) {
                (Some(x), zipstream::Extraction::Complete) => {
                    Some(x.commit(&lock).map_err(|e| Error::Store(e).shared()))
                }
                (Some(x), zipstream::Extraction::Failed(e)) => {
                    reporter.message(&format!("-> {e}"));
                    if let Err(rm) = x.abort() {
                        tracing::warn!("removing a failed extraction: {rm}");
                    }
                    Some(Err(Error::Unzip(e).shared()))
                }
                (Some(x), zipstream::Extraction::Skipped) => {
                    drop(x);
                    None
                }
                (None, _) => None,
            };
            Ok(ZipDone { zip, tree })
        })
        .await?
    }

    /// Streams the zip through the GOPROXY list (Go's walk), restarting a body that
    /// breaks midway. `Ok(Err(_))`: the zip arrived whole and cannot be stored.
    async fn stream_zip(
        self: &Arc<Self>,
        m: &ModuleVersion,
        targets: &Mutex<Option<Targets>>,
    ) -> Result<zipstream::Outcome, Error> {
        let proxies = self
            .proxies
            .as_ref()
            .map_err(|e| Error::GoProxy(e.clone()))?;
        let _permit = self.conc.network.acquire().await;
        proxies
            .zip_with(&m.path, &m.version, |dl| self.consume(m, dl, targets))
            .await?
    }

    /// One proxy's zip body, read to the end (and restarted on transient failures).
    /// The outer `Result` is a body failure that the GOPROXY walk judges; the inner
    /// one is what became of a complete body.
    async fn consume(
        self: &Arc<Self>,
        m: &ModuleVersion,
        dl: ZipDownload,
        targets: &Mutex<Option<Targets>>,
    ) -> Result<Result<zipstream::Outcome, Error>, ProxyError> {
        match self.consume_inner(m, dl, targets).await {
            Ok(done) => Ok(done),
            Err(Consume::Body(e)) => Err(e),
            Err(Consume::Other(e)) => Ok(Err(e)),
        }
    }

    async fn consume_inner(
        self: &Arc<Self>,
        m: &ModuleVersion,
        mut dl: ZipDownload,
        targets: &Mutex<Option<Targets>>,
    ) -> Result<Result<zipstream::Outcome, Error>, Consume> {
        loop {
            let take = || {
                targets
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take()
                    .ok_or_else(|| {
                        Consume::Other(Error::Internal("zip download state lost".into()))
                    })
            };
            let mut t = take()?;
            let zip_file = t.temp.zip_path().to_path_buf();
            let (tx, rx) = bridge::pipe(PIPE_CHUNKS);
            let module = m.clone();
            let task = tokio::task::spawn_blocking(move || {
                let result = (|| {
                    if t.used {
                        reset(&mut t)?;
                    }
                    t.used = true;
                    let temp_path = t.temp.path().to_path_buf();
                    let dir = t.extraction.as_ref().map(|x| x.dir().to_path_buf());
                    let job = zipstream::Job {
                        module: &module,
                        extract_to: dir.as_deref(),
                        zip_file: &zip_file,
                        temp_file: Some(&temp_path),
                    };
                    let mut file = t.temp.file();
                    zipstream::download(rx, &mut file, &job).map_err(Error::Zip)
                })();
                (t, result)
            });
            let mut failure: Option<ProxyError> = None;
            loop {
                match dl.chunk().await {
                    Ok(Some(chunk)) => {
                        self.reporter.zip_bytes(m, chunk.len() as u64);
                        if tx.send(Ok(chunk)).await.is_err() {
                            // The streamer stopped reading: it has its verdict.
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let io = std::io::Error::other(e.to_string());
                        let _ = tx.send(Err(io)).await;
                        failure = Some(e);
                        break;
                    }
                }
            }
            drop(tx);
            let (t, result) = task.await.map_err(|e| {
                Consume::Other(Error::Internal(format!("the zip streamer failed: {e}")))
            })?;
            *targets
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(t);
            if let (None, Err(Error::Zip(zipstream::Error::TempWrite(io)))) = (&failure, &result)
                && let Some(e) = dl.write_failed(io)
            {
                return Err(Consume::Body(e));
            }
            match failure {
                None => return Ok(result),
                Some(e) => {
                    tracing::debug!(module = %m, "zip body failed: {e}");
                    // Err: not transient, or out of attempts (the error says how many).
                    dl.restart(e).await.map_err(Consume::Body)?;
                    tracing::info!(module = %m, "restarting the zip download");
                }
            }
        }
    }

    /// Go's `Download` (the tree), then `checkMod`; the go version check is
    /// [`Fetcher::check_go_version`].
    pub async fn download(self: &Arc<Self>, m: &ModuleVersion) -> Result<PathBuf, Shared> {
        let me = Arc::clone(self);
        let key = m.clone();
        self.dirs
            .get_or_run(m, || async move {
                me.download_uncached(&key).await.map_err(Error::shared)
            })
            .await
    }

    /// The end of Go's `Download`: a module whose go.mod needs a newer Go than the one
    /// we stand in for is refused (Go's `TooNewError`) when `refuse`; otherwise it is
    /// kept, and `-x` says so (downloading needs no newer Go).
    pub async fn check_go_version(
        self: &Arc<Self>,
        m: &ModuleVersion,
        dir: &std::path::Path,
        refuse: bool,
    ) -> Result<(), Error> {
        let go_mod = dir.join("go.mod");
        let read = blocking(move || std::fs::read(&go_mod).map_err(|e| (go_mod, e))).await?;
        match read {
            Ok(data) => {
                let need = gover::go_mod_lookup(&data, "go");
                if gover::compare(&need, self.config.go_version()).is_gt() {
                    let err = too_new_error(&self.config, &m.to_string(), &need);
                    if refuse {
                        return Err(err);
                    }
                    if let Some(t) = &self.trace {
                        t.line(&format!("# {err}: downloaded anyway"));
                    }
                }
                Ok(())
            }
            Err((_, e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err((file, e)) => Err(Error::Store(modzip::os_err("open", &file, e).into())),
        }
    }

    async fn download_uncached(self: &Arc<Self>, m: &ModuleVersion) -> Result<PathBuf, Error> {
        if gover::is_toolchain(&m.path) {
            return Err(Error::Toolchain);
        }
        let store = self.store()?.clone();
        let in_pass = match self.zips.get(m) {
            Some(Ok(ZipDone {
                tree: Some(tree), ..
            })) => Some(tree),
            _ => None,
        };
        let dir = match in_pass {
            Some(Ok(dir)) => dir,
            Some(Err(e)) => return Err(Error::Shared(e)),
            None => self.tree(&store, m).await?,
        };
        self.check_mod(&store, m).await?;
        Ok(dir)
    }

    /// Go's `download` after the zip: the complete tree, or an extraction from the zip
    /// file under the version lock.
    async fn tree(self: &Arc<Self>, store: &Store, m: &ModuleVersion) -> Result<PathBuf, Error> {
        let (s, key) = (store.clone(), m.clone());
        match blocking(move || s.download_dir(&key)).await? {
            Ok(dir) => return Ok(dir),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
        let zip = self.download_zip(m).await.map_err(Error::Shared)?.zip;
        let _cpu = self.conc.cpu.acquire().await;
        let (s, key) = (store.clone(), m.clone());
        let reporter = Arc::clone(&self.reporter);
        blocking(move || -> Result<PathBuf, Error> {
            let lock = s.lock_version(&key)?;
            match lock.begin_extract()? {
                ExtractStart::Complete(dir) => Ok(dir),
                ExtractStart::Extract(x) => match modzip::unzip(x.dir(), &key, &zip) {
                    Ok(()) => Ok(x.commit(&lock)?),
                    Err(e) => {
                        reporter.message(&format!("-> {e}"));
                        if let Err(rm) = x.abort() {
                            tracing::warn!("removing a failed extraction: {rm}");
                        }
                        Err(Error::Unzip(e))
                    }
                },
            }
        })
        .await?
    }

    /// Go's `checkMod`: the `.ziphash` (re-hashed from the zip when torn) verified
    /// against go.sum. Every failure is fatal, as in Go.
    async fn check_mod(self: &Arc<Self>, store: &Store, m: &ModuleVersion) -> Result<(), Error> {
        let verifying =
            |e: &dyn std::fmt::Display| Error::Fatal(Fatal::new(format!("verifying {m}: {e}")));
        let (s, key) = (store.clone(), m.clone());
        let ziphash = blocking(move || s.read_ziphash(&key))
            .await?
            .map_err(|e| Error::Fatal(Fatal::new(e.to_string())))?;
        match ziphash {
            Ziphash::Valid(h) => self.check_sum(m.clone(), h).await.map_err(|e| match e {
                Error::Fatal(f) => Error::Fatal(f),
                other => Error::Fatal(Fatal::new(other.to_string())),
            }),
            Ziphash::Invalid(_) => {
                let zip = store.paths(m).map_err(|e| verifying(&e))?.zip();
                let h1 = self.hash_file(m, &zip).await.map_err(|e| verifying(&e))?;
                self.check_sum(m.clone(), h1.to_string())
                    .await
                    .map_err(|e| match e {
                        Error::Fatal(f) => Error::Fatal(f),
                        other if other.has_module_context() => {
                            Error::Fatal(Fatal::new(format!("verifying {other}")))
                        }
                        other => verifying(&other),
                    })?;
                let (s, key) = (store.clone(), m.clone());
                blocking(move || s.repair_ziphash(&key, h1.as_str()))
                    .await?
                    .map_err(|e| verifying(&e))
            }
        }
    }
}

/// How one proxy's body ended when it did not end whole.
enum Consume {
    /// The body failed (judged by the GOPROXY walk).
    Body(ProxyError),
    /// Something else failed (ends the download).
    Other(Error),
}

/// `begin_extract`, returning also the directories it created: the missing ancestors
/// of the tree's parent.
fn begin_extract_tracked(lock: &VersionLock) -> Result<(ExtractStart, Vec<PathBuf>), store::Error> {
    let mut missing = Vec::new();
    let mut dir = lock.paths().extracted_dir().parent();
    while let Some(d) = dir {
        if d.exists() {
            break;
        }
        missing.push(d.to_path_buf());
        dir = d.parent();
    }
    let start = lock.begin_extract()?;
    Ok((start, missing))
}

/// Empties the temp file and the extraction directory for another attempt.
fn reset(t: &mut Targets) -> Result<(), Error> {
    t.temp.reset().map_err(|e| Error::Store(e.into()))?;
    if let Some(x) = &t.extraction {
        store::remove_all(x.dir()).map_err(|e| Error::Store(e.into()))?;
    }
    Ok(())
}
