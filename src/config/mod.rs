//! Configuration resolved exactly as `go` resolves it (in progress: issue 4).
//!
//! Contract shared with the `proxy` layer: the parsed GOPROXY list types below. The
//! "config" work fills in parsing (`goproxy.rs`) and everything else.

pub mod goproxy;
