//! Single-flight de-duplication inside one process (Go's `par.Cache`, uv's
//! `OnceMap`): the first caller for a key runs the work, every concurrent or later
//! caller for the same key gets a clone of its result. Errors are cached too, as Go's
//! `par.ErrCache` does, so a failing `.mod` is fetched once per run.
//!
//! If the task running the work is cancelled (its future dropped), the next caller
//! runs it again; nothing is left half-initialised.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// A map from keys to lazily computed, shared results.
pub struct OnceMap<K, V> {
    cells: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
}

impl<K, V> Default for OnceMap<K, V> {
    fn default() -> Self {
        OnceMap {
            cells: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> OnceMap<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    /// The result for `key`, computing it with `work` unless another caller already
    /// did or is doing so.
    pub async fn get_or_run<F, Fut>(&self, key: &K, work: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let cell = {
            // A poisoned map only means another task panicked while inserting; the
            // map itself is still consistent.
            let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(cells.entry(key.clone()).or_default())
        };
        cell.get_or_init(work).await.clone()
    }

    /// The result for `key` if it has been computed.
    pub fn get(&self, key: &K) -> Option<V> {
        let cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        cells.get(key).and_then(|c| c.get().cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_once_per_key() {
        let map: Arc<OnceMap<String, Result<usize, String>>> = Arc::new(OnceMap::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..16 {
            let (map, runs) = (Arc::clone(&map), Arc::clone(&runs));
            tasks.push(tokio::spawn(async move {
                let key = format!("k{}", i % 2);
                map.get_or_run(&key, || async {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    if key == "k1" {
                        Err("boom".to_string())
                    } else {
                        Ok(7)
                    }
                })
                .await
            }));
        }
        for t in tasks {
            let _ = t.await.expect("task");
        }
        assert_eq!(
            runs.load(Ordering::SeqCst),
            2,
            "one run per key, errors cached too"
        );
        assert_eq!(map.get(&"k0".to_string()), Some(Ok(7)));
        assert_eq!(map.get(&"k1".to_string()), Some(Err("boom".to_string())));
        assert_eq!(map.get(&"k2".to_string()), None);
    }

    #[tokio::test]
    async fn cancelled_work_runs_again() {
        let map: OnceMap<u8, u8> = OnceMap::new();
        let pending = map.get_or_run(&1, std::future::pending::<u8>);
        let _ = tokio::time::timeout(std::time::Duration::from_millis(10), pending).await;
        assert_eq!(map.get_or_run(&1, || async { 5 }).await, 5);
    }
}
