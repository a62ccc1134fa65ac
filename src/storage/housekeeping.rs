//! Keeping the file store tidy: temporary uploads nobody fetched, and stored FASTQ files no
//! row points to.

use time::OffsetDateTime;

use super::{FileStore, ObjectInfo};
use crate::db::repo::SequencingStore;
use crate::db::Db;
use crate::domain::sequencing::{INCOMING_PREFIX, PERSISTENT_PREFIX, TEMPORARY_PREFIX};

/// Removes temporary uploads (and unfinished incoming files) older than `max_age_seconds`, and
/// the upload links of that age; returns the objects removed.
pub async fn sweep_temporary(
    store: &FileStore,
    db: &Db,
    max_age_seconds: i64,
) -> anyhow::Result<Vec<ObjectInfo>> {
    let now = OffsetDateTime::now_utc();
    let cutoff = now.unix_timestamp() - max_age_seconds;
    let mut removed = vec![];
    for prefix in [TEMPORARY_PREFIX, INCOMING_PREFIX] {
        for object in store.list(prefix).await? {
            if object.modified < cutoff {
                store.delete(&object.key).await?;
                removed.push(object);
            }
        }
    }
    db.forget_uploads_before(now - time::Duration::seconds(max_age_seconds))
        .await?;
    Ok(removed)
}

/// At start, with the local store: uploads that a previous process was receiving when it
/// stopped are given back for a retry and their partial files removed. No request is in
/// flight yet, and the local folder belongs to this process alone. Returns the links released.
pub async fn recover_interrupted_uploads(store: &FileStore, db: &Db) -> anyhow::Result<u64> {
    if store.kind() != "local" {
        return Ok(0);
    }
    for object in store.list(INCOMING_PREFIX).await? {
        store.delete(&object.key).await?;
    }
    Ok(db.release_receiving().await?)
}

/// Stored FASTQ files (`persistent/…`) that no sequencing-data row points to; removed unless
/// `dry_run`. Files younger than `min_age_seconds` are left alone: a fetch may be about to
/// write the row that names them.
pub async fn collect_garbage(
    store: &FileStore,
    db: &Db,
    dry_run: bool,
    min_age_seconds: i64,
) -> anyhow::Result<Vec<ObjectInfo>> {
    let cutoff = OffsetDateTime::now_utc().unix_timestamp() - min_age_seconds;
    let used = db.stored_paths().await?;
    let mut orphans = vec![];
    for object in store.list(PERSISTENT_PREFIX).await? {
        if !used.contains(&object.key) && object.modified <= cutoff {
            if !dry_run {
                store.delete(&object.key).await?;
            }
            orphans.push(object);
        }
    }
    Ok(orphans)
}
