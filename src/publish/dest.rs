//! Where a tree is published: a directory or an S3 bucket (and prefix), both through
//! `object_store`, with the two operations a static GOPROXY needs.
//!
//! * **Create, never replace** ([`Destination::create`]): `PutMode::Create`. In a
//!   directory, the bytes go to a staging file beside the object (`<name>#<n>`) that
//!   is hard-linked into place only if the name is free; on S3, a PUT with
//!   `If-None-Match: *`. Either way an existing object is reported as such, untouched.
//! * **Read-modify-write of `@v/list`** ([`Destination::update`]), safe with other
//!   publishers at once: in a directory, under an exclusive `flock` of the list file
//!   itself, the new contents written to a temp file and renamed over it
//!   ([`crate::store::Locker::transform`]; readers see the old list or the new one);
//!   on S3, compare-and-swap: the list is read with its ETag and written with
//!   `If-Match` (or `If-None-Match: *` when there was none), and a lost race is
//!   retried from the read, a bounded number of times with a random pause.
//!
//! S3-compatible stores must honour `If-None-Match: *` and `If-Match` on PUT (AWS S3,
//! MinIO, Cloudflare R2 and moto do); a store that ignores them would let a
//! concurrent publisher overwrite an object.

use crate::store::Locker;
use bytes::Bytes;
use futures::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How often a list update is retried after losing a race.
const LIST_ATTEMPTS: usize = 20;

/// Why an operation on the destination failed; every variant names the object.
#[derive(Debug, thiserror::Error)]
pub enum DestError {
    #[error("{url}: {source}")]
    Store {
        url: String,
        #[source]
        source: object_store::Error,
    },
    #[error("{url}: {source}")]
    File {
        url: String,
        #[source]
        source: crate::store::Error,
    },
    #[error("{url}: {size} bytes, more than the {limit} such an object may have")]
    TooLarge { url: String, size: u64, limit: u64 },
    #[error("{url}: other publishers changed it {LIST_ATTEMPTS} times while we tried to update it")]
    Contended { url: String },
    #[error("{url}: the store gave no ETag, so it cannot be updated safely")]
    NoEtag { url: String },
    #[error("{url}: not a valid object name: {source}")]
    Name {
        url: String,
        #[source]
        source: object_store::path::Error,
    },
    #[error("{dir}: {source}")]
    Open {
        dir: String,
        #[source]
        source: object_store::Error,
    },
    #[error("creating {dir}: {source}")]
    CreateDir {
        dir: String,
        #[source]
        source: std::io::Error,
    },
    #[error("waiting for a blocking task: {0}")]
    Join(String),
}

/// What [`Destination::create`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// The object was written.
    Written,
    /// An object was already there (compare it).
    Exists,
}

#[derive(Debug, Clone)]
enum Kind {
    Dir { root: PathBuf },
    S3 { bucket: String },
}

/// A published tree's root. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Destination {
    store: Arc<dyn ObjectStore>,
    /// Prepended to every key: empty, or ending in `/`.
    prefix: String,
    kind: Kind,
}

impl Destination {
    /// The directory `root`, created if missing.
    pub fn dir(root: &Path) -> Result<Destination, DestError> {
        std::fs::create_dir_all(root).map_err(|source| DestError::CreateDir {
            dir: root.display().to_string(),
            source,
        })?;
        let store =
            object_store::local::LocalFileSystem::new_with_prefix(root).map_err(|source| {
                DestError::Open {
                    dir: root.display().to_string(),
                    source,
                }
            })?;
        Ok(Destination {
            store: Arc::new(store),
            prefix: String::new(),
            kind: Kind::Dir {
                root: root.to_path_buf(),
            },
        })
    }

    /// `bucket` (already opened as `store`) under `prefix` (may be empty).
    pub fn s3(store: Arc<dyn ObjectStore>, bucket: &str, prefix: &str) -> Destination {
        let prefix = prefix.trim_matches('/');
        Destination {
            store,
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
            kind: Kind::S3 {
                bucket: bucket.to_string(),
            },
        }
    }

    /// Where the object `rel` is, for messages: a file path or `s3://bucket/key`.
    pub fn url(&self, rel: &str) -> String {
        match &self.kind {
            Kind::Dir { root } => root.join(rel).display().to_string(),
            Kind::S3 { bucket } => format!("s3://{bucket}/{}{rel}", self.prefix),
        }
    }

    /// The root, for messages.
    pub fn root_url(&self) -> String {
        match &self.kind {
            Kind::Dir { root } => root.display().to_string(),
            Kind::S3 { bucket } => format!("s3://{bucket}/{}", self.prefix),
        }
    }

    fn key(&self, rel: &str) -> Result<ObjectPath, DestError> {
        ObjectPath::parse(format!("{}{rel}", self.prefix)).map_err(|source| DestError::Name {
            url: self.url(rel),
            source,
        })
    }

    fn store_err(&self, rel: &str) -> impl Fn(object_store::Error) -> DestError + '_ {
        let url = self.url(rel);
        move |source| DestError::Store {
            url: url.clone(),
            source,
        }
    }

    /// Writes `data` as `rel` unless an object is there already.
    pub async fn create(&self, rel: &str, data: Bytes) -> Result<Created, DestError> {
        let key = self.key(rel)?;
        let opts = PutOptions::from(PutMode::Create);
        match self
            .store
            .put_opts(&key, PutPayload::from(data), opts)
            .await
        {
            Ok(_) => Ok(Created::Written),
            // Some stores answer a lost `If-None-Match: *` race with 412.
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => Ok(Created::Exists),
            Err(e) => Err(self.store_err(rel)(e)),
        }
    }

    /// The object `rel`, if there, refusing more than `limit` bytes.
    pub async fn read(&self, rel: &str, limit: u64) -> Result<Option<Bytes>, DestError> {
        Ok(self.read_tagged(rel, limit).await?.map(|(b, _)| b))
    }

    async fn read_tagged(
        &self,
        rel: &str,
        limit: u64,
    ) -> Result<Option<(Bytes, Option<String>)>, DestError> {
        let key = self.key(rel)?;
        let got = match self.store.get(&key).await {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.store_err(rel)(e)),
        };
        if got.meta.size > limit {
            return Err(DestError::TooLarge {
                url: self.url(rel),
                size: got.meta.size,
                limit,
            });
        }
        let etag = got.meta.e_tag.clone();
        let bytes = got.bytes().await.map_err(self.store_err(rel))?;
        Ok(Some((bytes, etag)))
    }

    /// Whether the object `rel` holds exactly `ours` (`None`: no object), read as a
    /// stream and compared as it arrives.
    pub async fn same_bytes(&self, rel: &str, ours: &[u8]) -> Result<Option<bool>, DestError> {
        let key = self.key(rel)?;
        let got = match self.store.get(&key).await {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.store_err(rel)(e)),
        };
        if got.meta.size != ours.len() as u64 {
            return Ok(Some(false));
        }
        let mut stream = got.into_stream();
        let mut at = 0usize;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(self.store_err(rel))?;
            let end = at + chunk.len();
            if end > ours.len() || ours[at..end] != chunk[..] {
                return Ok(Some(false));
            }
            at = end;
        }
        Ok(Some(at == ours.len()))
    }

    /// Replaces `rel` by what `merge` makes of its current contents (`None`: no
    /// object yet), unless `merge` returns `None` (no change). Returns whether it was
    /// written. See the module docs for how concurrent updates are kept apart.
    pub async fn update<F>(&self, rel: &str, limit: u64, merge: F) -> Result<bool, DestError>
    where
        F: Fn(Option<&[u8]>) -> Option<Vec<u8>> + Send + Sync + 'static,
    {
        match &self.kind {
            Kind::Dir { root } => {
                let file = root.join(rel);
                let url = self.url(rel);
                tokio::task::spawn_blocking(move || update_file(&file, &url, merge))
                    .await
                    .map_err(|e| DestError::Join(e.to_string()))?
            }
            Kind::S3 { .. } => self.update_cas(rel, limit, merge).await,
        }
    }

    async fn update_cas<F>(&self, rel: &str, limit: u64, merge: F) -> Result<bool, DestError>
    where
        F: Fn(Option<&[u8]>) -> Option<Vec<u8>>,
    {
        let key = self.key(rel)?;
        for attempt in 0..LIST_ATTEMPTS {
            if attempt > 0 {
                let pause = 20 + fastrand::u64(0..(40 << attempt.min(4)));
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
            let current = self.read_tagged(rel, limit).await?;
            let Some(new) = merge(current.as_ref().map(|(b, _)| b.as_ref())) else {
                return Ok(false);
            };
            let mode = match current {
                None => PutMode::Create,
                Some((_, Some(e_tag))) => PutMode::Update(UpdateVersion {
                    e_tag: Some(e_tag),
                    version: None,
                }),
                Some((_, None)) => return Err(DestError::NoEtag { url: self.url(rel) }),
            };
            match self
                .store
                .put_opts(&key, PutPayload::from(new), PutOptions::from(mode))
                .await
            {
                Ok(_) => return Ok(true),
                Err(
                    object_store::Error::Precondition { .. }
                    | object_store::Error::AlreadyExists { .. },
                ) => {
                    tracing::debug!("publish: {} changed meanwhile; retrying", self.url(rel));
                }
                Err(e) => return Err(self.store_err(rel)(e)),
            }
        }
        Err(DestError::Contended { url: self.url(rel) })
    }
}

/// The directory flavour of [`Destination::update`], blocking.
fn update_file<F>(file: &Path, url: &str, merge: F) -> Result<bool, DestError>
where
    F: Fn(Option<&[u8]>) -> Option<Vec<u8>>,
{
    let file_err = |source| DestError::File {
        url: url.to_string(),
        source,
    };
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|source| DestError::CreateDir {
            dir: dir.display().to_string(),
            source,
        })?;
    }
    let mut changed = false;
    Locker::wait_forever()
        .transform(file, |old: &[u8]| {
            // The lock creates the file: an empty one was not there before.
            let current = (!old.is_empty()).then_some(old);
            match merge(current) {
                Some(new) => {
                    changed = true;
                    Ok::<_, std::convert::Infallible>(new)
                }
                None => Ok(old.to_vec()),
            }
        })
        .map_err(file_err)?;
    Ok(changed)
}
