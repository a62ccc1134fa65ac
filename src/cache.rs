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
/// Entries kept at most; the oldest goes first.
const MAX_ENTRIES: usize = 256;
/// Bodies larger than this are not kept.
const MAX_BODY: usize = 8 * 1024 * 1024;

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
    /// write during the load makes the entry stale at once). At most [`MAX_ENTRIES`] are kept.
    pub fn put(&self, key: String, generation: u64, body: Arc<str>) {
        if body.len() > MAX_BODY {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            let oldest = entries
                .iter()
                .min_by_key(|(_, e)| e.filled)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                entries.remove(&oldest);
            }
        }
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

    #[test]
    fn the_cache_stays_bounded() {
        let cache = ResponseCache::default();
        for i in 0..MAX_ENTRIES + 10 {
            cache.put(format!("k{i}"), 1, "b".into());
        }
        assert_eq!(cache.entries.read().unwrap().len(), MAX_ENTRIES);
        assert_eq!(cache.get("k0", 1), None, "the oldest entries went first");
        assert!(cache.get(&format!("k{}", MAX_ENTRIES + 9), 1).is_some());
        cache.put("big".into(), 1, "x".repeat(MAX_BODY + 1).into());
        assert_eq!(cache.get("big", 1), None);
    }
}
