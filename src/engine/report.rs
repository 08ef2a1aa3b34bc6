//! What the engine tells its caller while it runs: progress events for a progress bar,
//! and the lines the go command writes to stderr as they happen (`-> unzip …`,
//! `go: skipping download of …`, go.sum warnings). The engine never prints; only the
//! command-line layer knows about terminals.
//!
//! Calls come from async tasks and blocking threads alike: implementations must be
//! quick and thread-safe.

use super::record::Record;
use crate::module::ModuleVersion;

/// Receives the engine's events. Every method has an empty default.
pub trait Reporter: Send + Sync + 'static {
    /// The run will download `modules` module versions (after argument resolution).
    fn start(&self, modules: usize) {
        let _ = modules;
    }

    /// A zip download begins; `size` is unknown until the body ends.
    fn zip_started(&self, module: &ModuleVersion) {
        let _ = module;
    }

    /// `bytes` more bytes of `module`'s zip arrived.
    fn zip_bytes(&self, module: &ModuleVersion, bytes: u64) {
        let _ = (module, bytes);
    }

    /// A module's zip download ended (successfully or not).
    fn zip_finished(&self, module: &ModuleVersion) {
        let _ = module;
    }

    /// A module's record is final (its download succeeded or failed).
    fn finished(&self, record: &Record) {
        let _ = record;
    }

    /// A message the go command writes to stderr at this point of the run, without
    /// the trailing newline (which the caller adds).
    fn message(&self, text: &str) {
        let _ = text;
    }
}

/// A reporter that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Reporter for Silent {}
