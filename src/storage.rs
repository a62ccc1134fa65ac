//! The file store for FASTQ files and attachments: a local folder by default, S3 when
//! configured. Wrapping object_store here keeps its (pre-1.0) API in one file.

use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::config::{Config, StorageKind};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot use {path} as the local file store: {reason}")]
    LocalDir { path: String, reason: String },
    #[error(
        "S3 storage is not available in this version of tbseq yet; use storage.kind = \"local\""
    )]
    S3Unsupported,
    #[error("file store check failed: {0}")]
    Check(String),
}

#[derive(Clone)]
pub struct FileStore {
    kind: StorageKind,
    location: String,
    inner: Arc<dyn ObjectStore>,
}

impl FileStore {
    pub fn open(config: &Config) -> Result<FileStore, StorageError> {
        match config.storage.kind {
            StorageKind::Local => {
                let dir = config.local_storage_dir();
                let err = |reason: String| StorageError::LocalDir {
                    path: dir.display().to_string(),
                    reason,
                };
                std::fs::create_dir_all(&dir).map_err(|e| err(e.to_string()))?;
                let store =
                    LocalFileSystem::new_with_prefix(&dir).map_err(|e| err(e.to_string()))?;
                Ok(FileStore {
                    kind: StorageKind::Local,
                    location: dir.display().to_string(),
                    inner: Arc::new(store),
                })
            }
            StorageKind::S3 => Err(StorageError::S3Unsupported),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self.kind {
            StorageKind::Local => "local",
            StorageKind::S3 => "s3",
        }
    }

    /// Where files go (a folder, or a bucket), for diagnostics.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Writes, reads back and deletes a small probe object.
    pub async fn check(&self) -> Result<(), StorageError> {
        let probe = ObjectPath::from(format!(
            "_tbseq/check-{}",
            hex::encode(rand::random::<[u8; 8]>())
        ));
        let body = b"tbseq storage check".to_vec();
        let fail = |step: &str, e: object_store::Error| StorageError::Check(format!("{step}: {e}"));
        self.inner
            .put(&probe, PutPayload::from(body.clone()))
            .await
            .map_err(|e| fail("write", e))?;
        let read = self
            .inner
            .get(&probe)
            .await
            .map_err(|e| fail("read", e))?
            .bytes()
            .await
            .map_err(|e| fail("read", e))?;
        self.inner
            .delete(&probe)
            .await
            .map_err(|e| fail("delete", e))?;
        if read.as_ref() != body.as_slice() {
            return Err(StorageError::Check("read back different bytes".into()));
        }
        Ok(())
    }
}
