//! The file store for FASTQ files and attachments: a local folder by default, S3 when
//! configured. Wrapping object_store here keeps its (pre-1.0) API in one file.

use std::sync::Arc;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

pub mod housekeeping;
mod objects;
pub use objects::{ObjectInfo, ReceiveError, Received, StoreReader};

use crate::config::{Config, StorageKind};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot use {path} as the local file store: {reason}")]
    LocalDir { path: String, reason: String },
    #[error("cannot use the S3 bucket {bucket:?}: {reason}")]
    S3 { bucket: String, reason: String },
    #[error("file store check failed: {0}")]
    Check(String),
}

/// Removes a file or folder when dropped: what a request wrote to disk goes away however the
/// request ends, even when shutdown's grace period cuts it off and its future is dropped.
pub struct RemoveOnDrop(pub std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if self.0.is_dir() {
            let _ = std::fs::remove_dir_all(&self.0);
        } else {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

/// The object key of an attachment's stored name (`<uuid>.<rest of the uploaded name>`).
pub fn attachment_key(name: &str) -> String {
    format!("attachments/{name}")
}

#[derive(Clone)]
pub struct FileStore {
    kind: StorageKind,
    location: String,
    inner: Arc<dyn ObjectStore>,
    /// The local folder (local store only).
    local_dir: Option<std::path::PathBuf>,
    /// The S3 client again, for presigned URLs (S3 store only).
    s3: Option<Arc<AmazonS3>>,
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
                    local_dir: Some(dir),
                    s3: None,
                })
            }
            StorageKind::S3 => {
                let s3 = Arc::new(open_s3(&config.storage.s3)?);
                Ok(FileStore {
                    kind: StorageKind::S3,
                    location: format!("s3://{}", config.storage.s3.bucket),
                    inner: s3.clone(),
                    local_dir: None,
                    s3: Some(s3),
                })
            }
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

    /// Stores a small object whole (attachments; FASTQ files are streamed elsewhere).
    pub async fn put_bytes(&self, key: &str, bytes: Vec<u8>) -> Result<(), object_store::Error> {
        self.inner
            .put(&ObjectPath::from(key), PutPayload::from(bytes))
            .await
            .map(|_| ())
    }

    /// Reads a small object whole; `None` when it does not exist.
    pub async fn get_bytes(&self, key: &str) -> Result<Option<bytes::Bytes>, object_store::Error> {
        match self.inner.get(&ObjectPath::from(key)).await {
            Ok(result) => Ok(Some(result.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes stored attachments after the rows naming them were deleted. A failure only
    /// leaves an orphan file behind (logged), never an error for the request.
    pub async fn delete_attachments(&self, names: &[String]) {
        for name in names {
            let key = attachment_key(name);
            if let Err(e) = self.inner.delete(&ObjectPath::from(key.as_str())).await {
                if !matches!(e, object_store::Error::NotFound { .. }) {
                    tracing::warn!(key, "cannot delete a stored attachment: {e}");
                }
            }
        }
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

/// An S3 client from `storage.s3`, falling back to the standard AWS environment
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`, web
/// identity, ECS and instance credentials) for whatever the configuration leaves unset.
fn open_s3(config: &crate::config::S3Config) -> Result<AmazonS3, StorageError> {
    let fail = |reason: String| StorageError::S3 {
        bucket: config.bucket.clone(),
        reason,
    };
    if config.bucket.is_empty() {
        return Err(fail("storage.s3.bucket is not set".into()));
    }
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(&config.bucket)
        .with_virtual_hosted_style_request(!config.path_style);
    if !config.region.is_empty() {
        builder = builder.with_region(&config.region);
    }
    if let Some(endpoint) = &config.endpoint {
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"));
    }
    if let Some(key) = &config.access_key_id {
        builder = builder.with_access_key_id(key);
    }
    if let Some(secret) = &config.secret_access_key {
        builder = builder.with_secret_access_key(secret);
    }
    builder.build().map_err(|e| fail(e.to_string()))
}
