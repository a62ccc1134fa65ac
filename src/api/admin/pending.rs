//! Uploads waiting for confirmation: the parsed table of a previewed import, kept as a JSON
//! file under `<data_dir>/tmp/admin-imports/<token>.json` for an hour. The token is random
//! and checked to be plain hex before it names a file; a confirmation must come from the
//! same user for the same resource.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::admin::transfer::Table;

/// How long a preview can be confirmed.
pub const MAX_AGE_SECONDS: i64 = 3600;

#[derive(Debug, Serialize, Deserialize)]
pub struct Pending {
    /// `app.slug` of the resource.
    pub model: String,
    pub user_id: i64,
    pub filename: String,
    /// Unix time of the preview.
    pub created: i64,
    pub table: Table,
}

fn folder(data_dir: &Path) -> PathBuf {
    data_dir.join("tmp").join("admin-imports")
}

fn path_of(data_dir: &Path, token: &str) -> Option<PathBuf> {
    let plain = token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit());
    plain.then(|| folder(data_dir).join(format!("{token}.json")))
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Stores `pending` and returns its token; removes expired ones on the way.
pub async fn save(data_dir: &Path, pending: &Pending) -> std::io::Result<String> {
    let dir = folder(data_dir);
    tokio::fs::create_dir_all(&dir).await?;
    purge(&dir).await;
    let token = hex::encode(rand::random::<[u8; 16]>());
    let json = serde_json::to_vec(pending).map_err(std::io::Error::other)?;
    let path = dir.join(format!("{token}.json"));
    tokio::fs::write(&path, json).await?;
    Ok(token)
}

/// The pending upload of `token`, unless unknown, malformed or expired.
pub async fn load(data_dir: &Path, token: &str) -> Option<Pending> {
    let bytes = tokio::fs::read(path_of(data_dir, token)?).await.ok()?;
    let pending: Pending = serde_json::from_slice(&bytes).ok()?;
    (now() - pending.created <= MAX_AGE_SECONDS).then_some(pending)
}

pub async fn remove(data_dir: &Path, token: &str) {
    if let Some(path) = path_of(data_dir, token) {
        let _ = tokio::fs::remove_file(path).await;
    }
}

/// Removes files older than [`MAX_AGE_SECONDS`] (best effort).
async fn purge(dir: &Path) {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return;
    };
    let limit = std::time::Duration::from_secs(MAX_AGE_SECONDS as u64);
    while let Ok(Some(entry)) = entries.next_entry().await {
        let old = entry
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > limit);
        if old {
            let _ = tokio::fs::remove_file(entry.path()).await;
        }
    }
}
