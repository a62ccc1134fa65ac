//! What the FASTQ flow asks of the file store: existence, streaming reads, moves, listings,
//! presigned URLs, and (local store) receiving an upload's bytes.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use md5::{Digest, Md5};
use object_store::path::Path as ObjectPath;
use object_store::signer::{Method, Signer};
use object_store::{ObjectStore, ObjectStoreExt};
use sha2::Sha256;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::FileStore;
use crate::domain::sequencing::INCOMING_PREFIX;

/// A stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
    /// Unix seconds.
    pub modified: i64,
}

fn info(meta: object_store::ObjectMeta) -> ObjectInfo {
    ObjectInfo {
        key: meta.location.to_string(),
        size: meta.size,
        modified: meta.last_modified.timestamp(),
    }
}

/// What arrived in a local upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub size: u64,
    pub md5: String,
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("the upload is larger than {0} bytes")]
    TooLarge(u64),
    #[error("the upload was interrupted: {0}")]
    Interrupted(io::Error),
    #[error("cannot write the upload: {0}")]
    Write(io::Error),
    #[error("uploads are received only by the local file store")]
    NotLocal,
}

impl FileStore {
    /// The object's size and time; `None` when it does not exist.
    pub async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, object_store::Error> {
        match self.inner.head(&ObjectPath::from(key)).await {
            Ok(meta) => Ok(Some(info(meta))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes an object; a missing one is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), object_store::Error> {
        match self.inner.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Moves an object: a rename on disk, a server-side copy then a delete on S3.
    pub async fn promote(&self, from: &str, to: &str) -> Result<(), object_store::Error> {
        let (from, to) = (ObjectPath::from(from), ObjectPath::from(to));
        if self.s3.is_some() {
            self.inner.copy(&from, &to).await?;
            self.inner.delete(&from).await
        } else {
            self.inner.rename(&from, &to).await
        }
    }

    /// Every object under `prefix` (`temporary/`, `persistent/`, …).
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, object_store::Error> {
        let prefix = ObjectPath::from(prefix.trim_end_matches('/'));
        let mut stream = self.inner.list(Some(&prefix));
        let mut all = vec![];
        while let Some(meta) = stream.next().await {
            all.push(info(meta?));
        }
        all.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(all)
    }

    /// A presigned S3 URL for `method` (`GET` or `PUT`) on the object; `None` for the local
    /// store, whose links tbseq signs itself.
    pub async fn presigned_url(
        &self,
        method: &str,
        key: &str,
        seconds: u64,
    ) -> Result<Option<String>, object_store::Error> {
        let Some(s3) = &self.s3 else {
            return Ok(None);
        };
        let method = if method == "PUT" {
            Method::PUT
        } else {
            Method::GET
        };
        let url = s3
            .signed_url(method, &ObjectPath::from(key), Duration::from_secs(seconds))
            .await?;
        Ok(Some(url.to_string()))
    }

    /// A download URL: presigned on S3, else `local_link()` (a link tbseq signs).
    pub async fn download_url(
        &self,
        key: &str,
        seconds: u64,
        local_link: impl FnOnce() -> String,
    ) -> Result<String, object_store::Error> {
        Ok(match self.presigned_url("GET", key, seconds).await? {
            Some(url) => url,
            None => local_link(),
        })
    }

    /// A blocking reader over the object (call it from a blocking thread). On S3 the object
    /// is streamed through a small bounded buffer: memory stays constant.
    pub async fn reader(&self, key: &str) -> Result<StoreReader, object_store::Error> {
        if let Some(dir) = &self.local_dir {
            let path = dir.join(key);
            return match std::fs::File::open(&path) {
                Ok(file) => Ok(StoreReader::File(file)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    Err(object_store::Error::NotFound {
                        path: key.to_string(),
                        source: Box::new(e),
                    })
                }
                Err(e) => Err(object_store::Error::Generic {
                    store: "local",
                    source: Box::new(e),
                }),
            };
        }
        let mut stream = self.inner.get(&ObjectPath::from(key)).await?.into_stream();
        let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(8);
        tokio::spawn(async move {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(io::Error::other);
                let failed = chunk.is_err();
                if tx.send(chunk).await.is_err() || failed {
                    break;
                }
            }
        });
        Ok(StoreReader::Stream {
            rx,
            current: Bytes::new(),
        })
    }

    /// Receives an upload into `key` of the local store: the bytes go to a hidden file under
    /// `_tbseq/incoming/` while MD5 and SHA-256 are computed on a blocking thread, and the
    /// file is renamed to `key` only once complete, so an interrupted or oversized upload
    /// leaves nothing visible. `expected` is the announced length (`Content-Length`): fewer
    /// bytes mean the connection ended early.
    pub async fn receive_local(
        &self,
        key: &str,
        mut body: impl AsyncRead + Unpin,
        limit: u64,
        expected: Option<u64>,
    ) -> Result<Received, ReceiveError> {
        let Some(dir) = &self.local_dir else {
            return Err(ReceiveError::NotLocal);
        };
        let incoming = dir.join(format!(
            "{INCOMING_PREFIX}{}",
            hex::encode(rand::random::<[u8; 12]>())
        ));
        let target: PathBuf = dir.join(key);
        // Gone after a failure, or after a rename (then there is nothing left to remove).
        let _partial = crate::storage::RemoveOnDrop(incoming.clone());
        let (tx, rx) = std::sync::mpsc::sync_channel::<Bytes>(8);
        let writer_path = incoming.clone();
        let writer = tokio::task::spawn_blocking(move || write_hashed(&writer_path, rx));
        let mut size = 0u64;
        let mut outcome = Ok(());
        loop {
            let mut buf = vec![0u8; 1 << 20];
            let n = match body.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    outcome = Err(ReceiveError::Interrupted(e));
                    break;
                }
            };
            size += n as u64;
            if size > limit {
                outcome = Err(ReceiveError::TooLarge(limit));
                break;
            }
            buf.truncate(n);
            if tx.send(Bytes::from(buf)).is_err() {
                break; // the writer failed; its error is reported below
            }
        }
        drop(tx);
        if outcome.is_ok() && expected.is_some_and(|n| n != size) {
            outcome = Err(ReceiveError::Interrupted(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{size} of {} bytes arrived", expected.unwrap_or_default()),
            )));
        }
        let written = writer
            .await
            .map_err(|e| ReceiveError::Write(io::Error::other(e)))?;
        let result = match (outcome, written) {
            (Err(e), _) => Err(e),
            (Ok(()), Err(e)) => Err(ReceiveError::Write(e)),
            (Ok(()), Ok(received)) => {
                let moved = match target.parent() {
                    Some(parent) => std::fs::create_dir_all(parent),
                    None => Ok(()),
                }
                .and_then(|()| std::fs::rename(&incoming, &target));
                moved.map(|()| received).map_err(ReceiveError::Write)
            }
        };
        result
    }
}

fn write_hashed(
    path: &std::path::Path,
    rx: std::sync::mpsc::Receiver<Bytes>,
) -> io::Result<Received> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let (mut md5, mut sha256, mut size) = (Md5::new(), Sha256::new(), 0u64);
    for chunk in rx {
        md5.update(&chunk);
        sha256.update(&chunk);
        size += chunk.len() as u64;
        file.write_all(&chunk)?;
    }
    file.flush()?;
    Ok(Received {
        size,
        md5: hex::encode(md5.finalize()),
        sha256: hex::encode(sha256.finalize()),
    })
}

/// A blocking reader over a stored object (see [`FileStore::reader`]).
pub enum StoreReader {
    File(std::fs::File),
    Stream {
        rx: tokio::sync::mpsc::Receiver<io::Result<Bytes>>,
        current: Bytes,
    },
}

impl Read for StoreReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            StoreReader::File(file) => file.read(buf),
            StoreReader::Stream { rx, current } => {
                while current.is_empty() {
                    match rx.blocking_recv() {
                        Some(chunk) => *current = chunk?,
                        None => return Ok(0),
                    }
                }
                let n = buf.len().min(current.len());
                buf[..n].copy_from_slice(&current.split_to(n));
                Ok(n)
            }
        }
    }
}
