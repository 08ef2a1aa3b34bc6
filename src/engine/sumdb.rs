//! The checksum database for one run (Go's `modfetch/sumdb.go`): GOSUMDB dialled once,
//! on the first lookup, and the client's I/O ([`ClientOps`]) on our HTTP client, the
//! GOPROXY list and flock'd files shared with the go command.
//!
//! * Remote: the base URL is explicit (`GOSUMDB="<key> <url>"`) or found on first use
//!   by walking GOPROXY: the first proxy whose `sumdb/<name>/supported` answers 200
//!   relays the database; `direct`, `off` and the GONOPROXY entry count as "not
//!   found", and when every entry says "not found" the database is reached directly
//!   at `https://<name>`. Any other failure ends the walk (unless the entry is followed
//!   by `|`) and fails every lookup, as in Go.
//! * Config: `$GOPATH/pkg/sumdb/<name>/latest`, read under a shared lock and replaced
//!   under an exclusive one, compare-and-swap.
//! * Cache: `$GOMODCACHE/cache/download/sumdb/<name>/{lookup,tile}/…`, written 0666
//!   under a lock, errors ignored (Go's `lockedfile.Write`).

use super::error::Fatal;
use crate::config::goproxy::{ProxyKind, ProxyList};
use crate::config::{Config, GoProxyError};
use crate::http::{self, GoUrl};
use crate::store::Locker;
use crate::sumdb::client::{Client, ClientError, ClientOps, WriteConfigError};
use crate::sumdb::gosumdb;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// Lookups and tiles are small; this bounds a misbehaving server.
const BODY_LIMIT: u64 = 16 << 20;
const BODY_DEADLINE: Duration = Duration::from_secs(300);

/// A dialled database: its name and its client.
type Dialed = (String, Arc<Client<Ops>>);

/// The run's checksum database: dialled on first use, then shared.
pub struct SumDb {
    gosumdb: String,
    http: http::Client,
    proxies: Result<ProxyList, GoProxyError>,
    sumdb_dir: Result<PathBuf, String>,
    cache_dir: Option<PathBuf>,
    locker: Locker,
    dialed: OnceCell<Result<Dialed, String>>,
}

/// The outcome of one lookup, for `checkSumDB`.
pub enum Lookup {
    /// The database's name and its lines for the key.
    Lines { db: String, lines: Vec<String> },
    /// The dial or the lookup failed (Go's text, for `verifying <noun>: …`).
    Failed(String),
}

impl SumDb {
    pub fn new(
        config: &Config,
        http: http::Client,
        cache_root: Option<&Path>,
        locker: Locker,
    ) -> SumDb {
        SumDb {
            gosumdb: config.gosumdb().to_string(),
            http,
            proxies: config.goproxy().cloned().map_err(Clone::clone),
            sumdb_dir: config
                .sumdb_dir()
                .map(Path::to_path_buf)
                .map_err(|e| e.to_string()),
            cache_dir: cache_root.map(|r| r.join("cache/download/sumdb")),
            locker,
            dialed: OnceCell::new(),
        }
    }

    /// Go's `lookupSumDB`: the database's lines for `path` at `version` (which may end
    /// in `/go.mod`). A proven fork is fatal, as Go's `SecurityError` is.
    ///
    /// The client's futures are boxed: inlined into every fetch they made the engine's
    /// future types deep enough to overflow rustc's query depth on a clean build.
    pub async fn lookup(&self, path: &str, version: &str) -> Result<Lookup, Fatal> {
        let (name, client) = match Box::pin(self.dial()).await {
            Ok(d) => d,
            Err(e) => return Ok(Lookup::Failed(e)),
        };
        match Box::pin(client.lookup(path, version)).await {
            Ok(lines) => Ok(Lookup::Lines { db: name, lines }),
            Err(ClientError::Security(report)) => Err(Fatal::new(report)),
            Err(e) => Ok(Lookup::Failed(e.to_string())),
        }
    }

    async fn dial(&self) -> Result<Dialed, String> {
        self.dialed
            .get_or_init(|| async { self.dial_once() })
            .await
            .clone()
    }

    /// Go's `dbDial`.
    fn dial_once(&self) -> Result<Dialed, String> {
        let db = gosumdb::parse_gosumdb(&self.gosumdb)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "checksum database disabled by GOSUMDB=off".to_string())?;
        let direct = GoUrl::parse(&format!("https://{}", db.name)).map_err(|e| e.to_string())?;
        let explicit = match &db.url {
            Some(u) => {
                Some(GoUrl::parse(u).map_err(|e| format!("invalid GOSUMDB URL: {}", e.reason))?)
            }
            None => None,
        };
        let ops = Ops {
            http: self.http.clone(),
            proxies: self.proxies.clone(),
            name: db.name.clone(),
            direct,
            explicit,
            base: OnceCell::new(),
            sumdb_dir: self.sumdb_dir.clone(),
            cache_dir: self.cache_dir.clone(),
            locker: self.locker,
        };
        Ok((db.name, Arc::new(Client::new(ops, &db.verifier_key))))
    }
}

/// The client's I/O for one database.
pub struct Ops {
    http: http::Client,
    proxies: Result<ProxyList, GoProxyError>,
    name: String,
    direct: GoUrl,
    explicit: Option<GoUrl>,
    base: OnceCell<Result<GoUrl, String>>,
    sumdb_dir: Result<PathBuf, String>,
    cache_dir: Option<PathBuf>,
    locker: Locker,
}

impl Ops {
    /// Go's `initBase`: the explicit URL, the first proxy relaying the database, or
    /// the database itself.
    async fn base(&self) -> Result<GoUrl, String> {
        self.base
            .get_or_init(|| async {
                match &self.explicit {
                    Some(u) => Ok(u.clone()),
                    None => self.discover_base().await,
                }
            })
            .await
            .clone()
    }

    async fn discover_base(&self) -> Result<GoUrl, String> {
        let list = self.proxies.as_ref().map_err(|e| e.to_string())?;
        // Go's TryProxies: a `direct` entry's error outranks a proxy's real failure,
        // which outranks "not found". Only a final "not found" means "go direct".
        const NOT_EXIST: u8 = 0;
        const PROXY: u8 = 1;
        const DIRECT: u8 = 2;
        let mut best: Option<String> = None; // None: "not found"
        let mut best_rank = NOT_EXIST;
        for entry in &list.0 {
            // `noproxy` says "use a proxy", `off` and `direct` say "not here": all
            // three are "not found" for the database.
            let failure: Option<String> = match &entry.kind {
                ProxyKind::Url(u) => {
                    let proxy = GoUrl::parse(u).map_err(|e| e.to_string())?;
                    let relay = join(&proxy, &format!("sumdb/{}", self.name));
                    let supported = join(&relay, "supported");
                    match self
                        .http
                        .get_bytes(&supported, BODY_LIMIT, Some(BODY_DEADLINE))
                        .await
                    {
                        Ok(_) => return Ok(relay),
                        Err(e) if e.is_not_found() => None,
                        Err(e) => Some(e.to_string()),
                    }
                }
                ProxyKind::NoProxy | ProxyKind::Direct | ProxyKind::Off => None,
            };
            let not_exist = failure.is_none();
            if entry.kind == ProxyKind::Direct {
                best = failure;
                best_rank = DIRECT;
            } else if best_rank <= PROXY && !not_exist {
                best = failure;
                best_rank = PROXY;
            } else if best_rank == NOT_EXIST {
                best = failure;
            }
            if !entry.fallback_on_error && !not_exist {
                break;
            }
        }
        match best {
            Some(err) => Err(err),
            None => Ok(self.direct.clone()),
        }
    }

    fn config_path(&self, file: &str) -> Result<PathBuf, String> {
        let dir = self.sumdb_dir.as_ref().map_err(Clone::clone)?;
        Ok(dir.join(file))
    }
}

/// Go's `web.Join`: the path with one `/` between.
fn join(base: &GoUrl, rel: &str) -> GoUrl {
    base.with_appended_module_path(rel.trim_start_matches('/'))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

impl ClientOps for Ops {
    async fn read_remote(&self, path: &str) -> Result<Vec<u8>, String> {
        let base = self.base().await?;
        self.http
            .get_bytes(&join(&base, path), BODY_LIMIT, Some(BODY_DEADLINE))
            .await
            .map_err(|e| e.to_string())
    }

    async fn read_config(&self, file: &str) -> Result<Vec<u8>, String> {
        let path = self.config_path(file)?;
        let locker = self.locker;
        blocking(move || match locker.read(&path) {
            Ok(d) => Ok(d),
            Err(crate::store::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Vec::new())
            }
            Err(e) => Err(e.to_string()),
        })
        .await
        .unwrap_or_else(|| Err("reading sumdb config: a blocking task failed".to_string()))
    }

    async fn write_config(
        &self,
        file: &str,
        old: &[u8],
        new: &[u8],
    ) -> Result<(), WriteConfigError> {
        let path = self.config_path(file).map_err(WriteConfigError::Failed)?;
        let (locker, old, new) = (self.locker, old.to_vec(), new.to_vec());
        blocking(move || {
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let f = locker
                .edit(&path)
                .map_err(|e| WriteConfigError::Failed(e.to_string()))?;
            let current = f
                .read_all()
                .map_err(|e| WriteConfigError::Failed(e.to_string()))?;
            if !current.is_empty() && current != old {
                return Err(WriteConfigError::Conflict);
            }
            f.truncate(0)
                .and_then(|()| f.write_at(&new, 0))
                .map_err(|e| WriteConfigError::Failed(format!("write {}: {e}", path.display())))
        })
        .await
        .unwrap_or_else(|| {
            Err(WriteConfigError::Failed(
                "writing sumdb config: a blocking task failed".to_string(),
            ))
        })
    }

    async fn read_cache(&self, file: &str) -> Option<Vec<u8>> {
        let path = self.cache_dir.as_ref()?.join(file);
        let locker = self.locker;
        blocking(move || locker.read(&path).ok().filter(|d| !d.is_empty()))
            .await
            .flatten()
    }

    async fn write_cache(&self, file: &str, data: &[u8]) {
        let Some(dir) = &self.cache_dir else {
            return;
        };
        let (path, locker, data) = (dir.join(file), self.locker, data.to_vec());
        blocking(move || {
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = locker.write(&path, &data, 0o666);
        })
        .await;
    }
}
