//! Test and benchmark support: a local GOPROXY server with network emulation and fault
//! injection, module fixtures, and a harness that runs the real `go` and compares what
//! it leaves behind with ours. Nothing in the downloader depends on this module; it
//! lives in the library so the `gomodfetch-testproxy` binary, the integration tests and
//! the benchmark harness share one implementation.

pub mod gitserver;
pub mod gocmd;
pub mod goprojects;
pub mod graphgen;
pub mod normalize;
pub mod proxy;
pub mod sumdb;
pub mod synth;
pub mod tree;
pub mod universe;
