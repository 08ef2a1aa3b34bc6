//! Opening an S3 (or S3-compatible) bucket for [`super::Destination`].
//!
//! * Target: `s3://<bucket>[/<prefix>]`.
//! * Settings: every `AWS_*` variable `object_store` knows (`AWS_ACCESS_KEY_ID`,
//!   `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`/`AWS_DEFAULT_REGION`,
//!   `AWS_ENDPOINT`/`AWS_ENDPOINT_URL`, …), read from the injected environment as
//!   `AmazonS3Builder::from_env` reads the process's; then `--endpoint`, which wins.
//!   Requests are path-style (`<endpoint>/<bucket>/<key>`) unless
//!   `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true`.
//! * Conditional PUTs (`If-None-Match`, `If-Match`) are always on: publishing never
//!   writes without them.
//! * Transport: our HTTP stack's reqwest client (Go's TLS roots, `SSL_CERT_FILE`,
//!   rustls with ring, `HTTPS_PROXY`/`NO_PROXY` with loopback never proxied). A plain
//!   `http` endpoint is accepted on a loopback host (a local MinIO or moto) or with
//!   `AWS_ALLOW_HTTP=true`; anywhere else it is refused, since the requests carry
//!   credentials.

use crate::config::Env;
use crate::config::netenv::NetEnv;
use crate::http::ClientConfig;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey, S3ConditionalPut};
use object_store::client::{ClientOptions, HttpClient, HttpConnector};
use object_store::{ObjectStore, RetryConfig};
use std::sync::Arc;
use std::time::Duration;

/// A response must make progress within this window (headers, then each read).
const READ_TIMEOUT: Duration = Duration::from_secs(120);
/// `object_store` retries transient failures (5xx, resets) with backoff; fewer and
/// shorter than its defaults (10, 3 minutes), so that a wrong or dead endpoint fails
/// each object in seconds rather than minutes.
const RETRIES: usize = 5;
const RETRY_TIMEOUT: Duration = Duration::from_secs(60);

/// `s3://bucket/prefix`, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Target {
    pub bucket: String,
    pub prefix: String,
}

impl S3Target {
    /// Parses `s3://bucket[/prefix]`; `None` when `s` is not an `s3://` URL.
    pub fn parse(s: &str) -> Option<Result<S3Target, S3Error>> {
        let rest = s.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Some(Err(S3Error::Target(s.to_string())));
        }
        Some(Ok(S3Target {
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
        }))
    }
}

/// Why the bucket could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    #[error("{0}: want s3://<bucket>[/<prefix>]")]
    Target(String),
    #[error(
        "refusing the plain http endpoint {0}: requests carry credentials (allowed on a loopback host, or with AWS_ALLOW_HTTP=true)"
    )]
    InsecureEndpoint(String),
    #[error("s3://{bucket}: {source}")]
    Build {
        bucket: String,
        #[source]
        source: object_store::Error,
    },
    #[error("{0}")]
    Client(#[from] crate::http::BuildError),
}

/// The bucket of `target`, configured from `env` and `endpoint` (see the module docs).
pub fn open(
    env: &Env,
    target: &S3Target,
    endpoint: Option<&str>,
) -> Result<Arc<dyn ObjectStore>, S3Error> {
    let mut builder = AmazonS3Builder::new();
    for (key, value) in env.vars() {
        let (Some(value), true) = (value.to_str(), key.starts_with("AWS_")) else {
            continue;
        };
        if let Ok(k) = key.to_ascii_lowercase().parse::<AmazonS3ConfigKey>() {
            builder = builder.with_config(k, value);
        }
    }
    if let Some(e) = endpoint {
        builder = builder.with_endpoint(e);
    }
    if let Some(e) = builder.get_config_value(&AmazonS3ConfigKey::Endpoint)
        && e.starts_with("http://")
    {
        let allowed = env
            .non_empty("AWS_ALLOW_HTTP")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if !allowed && !is_loopback_url(&e) {
            return Err(S3Error::InsecureEndpoint(e));
        }
        builder = builder.with_allow_http(true);
    }
    let net = NetEnv::from_env(env);
    let pool = crate::http::pool_builder(&ClientConfig::from_net_env(&net, Default::default()))?
        .read_timeout(READ_TIMEOUT)
        .build()
        .map_err(|e| crate::http::BuildError::Client(e.to_string()))?;
    let store = builder
        .with_bucket_name(&target.bucket)
        .with_conditional_put(S3ConditionalPut::ETagMatch)
        .with_http_connector(Connector(pool))
        .with_retry(RetryConfig {
            max_retries: RETRIES,
            retry_timeout: RETRY_TIMEOUT,
            ..RetryConfig::default()
        })
        .build()
        .map_err(|source| S3Error::Build {
            bucket: target.bucket.clone(),
            source,
        })?;
    Ok(Arc::new(store))
}

/// Whether `url`'s host is `localhost`, `127.0.0.0/8` or `::1`.
fn is_loopback_url(url: &str) -> bool {
    let Some(rest) = url.split_once("://").map(|(_, r)| r) else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Hands `object_store` our reqwest client.
#[derive(Debug)]
struct Connector(reqwest::Client);

impl HttpConnector for Connector {
    fn connect(&self, _options: &ClientOptions) -> object_store::Result<HttpClient> {
        Ok(HttpClient::new(self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            S3Target::parse("s3://b/p/q/").unwrap().unwrap(),
            S3Target {
                bucket: "b".into(),
                prefix: "p/q".into()
            }
        );
        assert_eq!(
            S3Target::parse("s3://b").unwrap().unwrap(),
            S3Target {
                bucket: "b".into(),
                prefix: String::new()
            }
        );
        assert!(S3Target::parse("s3:///p").unwrap().is_err());
        assert!(S3Target::parse("/tmp/x").is_none());
    }

    #[test]
    fn loopback() {
        for (u, want) in [
            ("http://127.0.0.1:9000", true),
            ("http://localhost:9000/x", true),
            ("http://[::1]:9000", true),
            ("http://user:pw@127.0.0.5", true),
            ("http://s3.example.com", false),
            ("http://127.0.0.1.example.com", false),
            ("http://10.0.0.1:9000", false),
        ] {
            assert_eq!(is_loopback_url(u), want, "{u}");
        }
    }

    #[test]
    fn plain_http_elsewhere_is_refused() {
        let env = Env::from_map(
            [("AWS_ACCESS_KEY_ID", "k"), ("AWS_SECRET_ACCESS_KEY", "s")],
            "/",
        );
        let target = S3Target::parse("s3://b/p").unwrap().unwrap();
        let e = open(&env, &target, Some("http://s3.example.com")).unwrap_err();
        assert!(matches!(e, S3Error::InsecureEndpoint(_)), "{e}");
        if let Err(e) = open(&env, &target, Some("http://127.0.0.1:1")) {
            panic!("{e}");
        }
        let env = env.with("AWS_ALLOW_HTTP", "true");
        assert!(open(&env, &target, Some("http://s3.example.com")).is_ok());
    }
}
