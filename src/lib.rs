//! gomodfetch: a Rust reimplementation of `go mod download` that writes a module cache
//! the real `go` command accepts and shares.
//!
//! # Layers
//!
//! Dependencies point downwards only:
//!
//! ```text
//! cli        flags exactly as `go mod download`, printing, exit codes   (src/main.rs for now)
//! publish    `gomodfetch publish`: the cache as a static GOPROXY tree (directory, S3)
//! engine     one run: which modules, in what order, how many at once    (later issues)
//! sources    proxy client, direct VCS, checksum-database client         (later issues)
//! store      the GOMODCACHE: layout, locks, atomic publish, extraction  (later issues)
//! http       the one HTTP client                                        (later issues)
//! config     env vars and go env files, resolved once                   (later issues)
//! domain     pure: semver, gover, module, modfile, gosum, dirhash, modzip, mvs
//! ```
//!
//! The domain modules do no network I/O, hold no global state and never block on locks:
//! they take bytes (or, for the few zip and directory helpers, a path to read) and
//! return values or typed errors whose messages are Go's. They mirror Go's own split:
//! `golang.org/x/mod/{semver,module,modfile,sumdb/dirhash,zip}` and
//! `cmd/go/internal/{gover,mvs}`.
//!
//! # The path of one download (as the later layers will wire it)
//!
//! A `path@version` argument is validated by [`module`] and [`semver`]; the engine asks
//! the proxy client for `.info`, `.mod` and `.zip`; the `.mod` bytes are hashed by
//! [`dirhash`] and parsed lax by [`modfile`] for graph loading, which [`mvs`] solves;
//! the zip is streamed once through inflate and SHA-256, checked by [`modzip`]'s rules
//! and its h1 compared with [`gosum`] and the checksum database before the store
//! publishes it.

// The module graph's futures (graph loading → go.mod → checksum checks → HTTP) nest
// deeply; with the tokio features the tests enable (signal, process drivers), proving
// them `Send` needs more than the default 128 levels.
#![recursion_limit = "256"]

pub mod cli;
pub mod config;
pub mod dirhash;
pub mod engine;
pub mod gojson;
pub mod gostr;
pub mod gosum;
pub mod gounicode;
pub mod gover;
pub mod http;
pub mod modfile;
pub mod modload;
pub mod module;
pub mod modzip;
pub mod mvs;
pub mod oncemap;
pub mod prewarm;
pub mod proxy;
pub mod publish;
pub mod query;
pub mod revinfo;
pub mod semver;
pub mod store;
pub mod sumdb;
pub mod testkit;
pub mod txtar;
pub mod vcs;
pub mod zipstream;
