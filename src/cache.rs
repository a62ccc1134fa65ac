//! A small cache for serialised responses of reference data (drug and country lists), which
//! change only when someone edits them but are read on every page of the portal.
//!
//! An entry is valid while no write went through this process's database pool since it was
//! filled, and for at most [`MAX_AGE`] — the bound for writers outside tbseq (pipelines that
//! write to a shared PostgreSQL directly).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub const MAX_AGE: Duration = Duration::from_secs(10);

struct Entry {
    generation: u64,
    filled: Instant,
    body: Arc<str>,
}

#[derive(Default)]
pub struct ResponseCache {
    entries: RwLock<HashMap<String, Entry>>,
}

impl ResponseCache {
    /// The cached body for `key` if it was filled at this write generation.
    pub fn get(&self, key: &str, generation: u64) -> Option<Arc<str>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|e| e.generation == generation && e.filled.elapsed() < MAX_AGE)
            .map(|e| e.body.clone())
    }

    /// Stores a body computed from data read at `generation` (read before loading, so that a
    /// write during the load makes the entry stale at once). Keys must come from a bounded set.
    pub fn put(&self, key: String, generation: u64, body: Arc<str>) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.insert(
            key,
            Entry {
                generation,
                filled: Instant::now(),
                body,
            },
        );
    }
}

/// One shared value (the gene list, say) with the same validity rule as the response cache.
pub struct Snapshot<T> {
    slot: RwLock<Option<(u64, Instant, Arc<T>)>>,
}

impl<T> Default for Snapshot<T> {
    fn default() -> Self {
        Snapshot {
            slot: RwLock::new(None),
        }
    }
}

impl<T> Snapshot<T> {
    pub fn get(&self, generation: u64) -> Option<Arc<T>> {
        let slot = self.slot.read().unwrap_or_else(|e| e.into_inner());
        slot.as_ref()
            .filter(|(g, filled, _)| *g == generation && filled.elapsed() < MAX_AGE)
            .map(|(_, _, value)| value.clone())
    }

    pub fn put(&self, generation: u64, value: Arc<T>) {
        let mut slot = self.slot.write().unwrap_or_else(|e| e.into_inner());
        *slot = Some((generation, Instant::now(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_with_a_new_generation() {
        let cache = ResponseCache::default();
        cache.put("k".into(), 1, "body".into());
        assert_eq!(cache.get("k", 1).as_deref(), Some("body"));
        assert_eq!(cache.get("k", 2), None);
        assert_eq!(cache.get("other", 1), None);
    }
}
