//! How much runs at once, in one value (uv's `Concurrency`): network operations and
//! CPU/disk work are bounded separately, and neither bound is tied to the number of
//! cores the way Go's (GOMAXPROCS) is: downloads spend most of their time waiting for
//! the network, so many more of them than cores can be in flight.
//!
//! * `network`: requests in flight (`.info`, `.mod`, and each zip body from the first
//!   byte to the last). A permit is held only across the request it is for.
//! * `cpu`: blocking work that is not fed by the network — hashing or extracting a
//!   zip already on disk. Streaming a zip from the network is bounded by `network`
//!   (its inflate and hashing keep pace with the body) and runs on a blocking thread.
//! * `modules`: module pipelines alive at once (each holds little: a record and a
//!   few paths), so a run over thousands of arguments does not spawn them all.

use std::num::NonZeroUsize;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The default number of network operations in flight.
pub const DEFAULT_JOBS: usize = 32;

/// The bounds of one run. Cheap to clone (shared semaphores).
#[derive(Debug, Clone)]
pub struct Concurrency {
    pub network: Arc<Semaphore>,
    pub cpu: Arc<Semaphore>,
    pub modules: Arc<Semaphore>,
    jobs: usize,
}

impl Concurrency {
    /// `jobs` network operations (default [`DEFAULT_JOBS`]); CPU work bounded by the
    /// available parallelism.
    pub fn new(jobs: Option<NonZeroUsize>) -> Concurrency {
        let jobs = jobs.map_or(DEFAULT_JOBS, NonZeroUsize::get);
        let cpus = std::thread::available_parallelism().map_or(2, NonZeroUsize::get);
        Concurrency {
            network: Arc::new(Semaphore::new(jobs)),
            cpu: Arc::new(Semaphore::new(cpus)),
            modules: Arc::new(Semaphore::new(jobs.saturating_mul(4).max(16))),
            jobs,
        }
    }

    /// The network bound.
    pub fn jobs(&self) -> usize {
        self.jobs
    }
}

/// The size the runtime's blocking-thread pool needs for a run with `jobs` network
/// operations: one thread per streamed zip (each streamer blocks on its body for the
/// whole download), the CPU-bound work, and a margin for short file-system calls and
/// lock waits. Tokio's default ceiling (512) lets bursts of short calls grow the pool
/// to hundreds of threads, and with them the allocator's per-thread arenas: the
/// benchmark measured peak RSS falling by a fifth with a cap like this one and no
/// change in wall time.
pub fn blocking_threads(jobs: Option<NonZeroUsize>) -> usize {
    let jobs = jobs.map_or(DEFAULT_JOBS, NonZeroUsize::get);
    let cpus = std::thread::available_parallelism().map_or(2, NonZeroUsize::get);
    jobs.saturating_add(cpus.saturating_mul(2))
        .saturating_add(8)
}
