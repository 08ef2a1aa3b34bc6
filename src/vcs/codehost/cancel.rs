//! Cancelling git work that runs on a blocking thread.
//!
//! libgit2 cannot be interrupted from outside; it asks its callbacks instead, and
//! stops when a progress callback says so. The async caller hands the blocking
//! thread a flag ([`run_with`]) and raises it when it stops waiting (its future was
//! dropped: the run ended, or the module is no longer wanted); the remote callbacks
//! made on that thread ([`current`]) read it during every transfer, so an abandoned
//! fetch ends at its next packet, releasing its git slot and its work-directory lock.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

thread_local! {
    static FLAG: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// A flag the async side raises to cancel; raised on drop, so that dropping the
/// future that holds it cancels the work.
#[derive(Debug, Default)]
pub struct Canceller(Arc<AtomicBool>);

impl Canceller {
    pub fn new() -> Canceller {
        Canceller::default()
    }

    /// The flag to give to [`run_with`].
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.0)
    }
}

impl Drop for Canceller {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Runs `f` with `flag` as this thread's cancellation flag.
pub fn run_with<T>(flag: Arc<AtomicBool>, f: impl FnOnce() -> T) -> T {
    let previous = FLAG.with(|c| c.replace(Some(flag)));
    let out = f();
    FLAG.with(|c| *c.borrow_mut() = previous);
    out
}

/// This thread's flag, if its work is cancellable.
pub fn current() -> Option<Arc<AtomicBool>> {
    FLAG.with(|c| c.borrow().clone())
}

/// Whether `flag` (from [`current`]) has been raised.
pub fn raised(flag: &Option<Arc<AtomicBool>>) -> bool {
    flag.as_ref().is_some_and(|f| f.load(Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropping_the_canceller_raises_the_flag_seen_on_the_thread() {
        let c = Canceller::new();
        let flag = c.flag();
        let seen = std::thread::spawn(move || {
            run_with(flag, || {
                let f = current();
                let before = raised(&f);
                drop(c);
                (before, raised(&f))
            })
        })
        .join()
        .unwrap();
        assert_eq!(seen, (false, true));
        assert!(current().is_none(), "only the worker thread had a flag");
    }
}
