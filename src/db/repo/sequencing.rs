//! FASTQ uploads: the single-use upload links of the local store (`storage_upload`), content
//! deduplicated by MD5 across packages (`submission_sequencingdata` and its hash row), and the
//! package links, including those still being checked in the background.

use std::collections::HashSet;
use std::future::Future;

use time::OffsetDateTime;

use super::package_items::Edit;
use super::package_state::{lock_package, mark_changed};
use crate::db::{Db, DbError, Tx};
use crate::domain::sequencing::{ValidationState, PERSISTENT_PREFIX};
use crate::params;

/// A checked file: what tbseq records about its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub md5: String,
    pub sha256: String,
    pub size: i64,
    pub reads: i64,
    pub bases: i64,
    /// The stored name it was moved to (`<hex>.<rest>`) when it was new content; `None` when
    /// an existing file already had this MD5 and nothing was moved.
    pub stored_name: Option<String>,
}

/// Content stored under this MD5 already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub sequencing_data: i64,
    pub hash: i64,
}

/// What linking checked content to a package did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Linked {
    /// The new link; `orphan` names a stored object nobody uses (another upload of the same
    /// content won the race), to delete.
    Link { id: i64, orphan: Option<String> },
    /// The package already links this content (the original's 400).
    AlreadyAttached { orphan: Option<String> },
}

pub trait SequencingStore {
    /// Records a new upload link for `key` (replacing an older one) and returns its id.
    fn issue_upload(
        &self,
        key: &str,
        user: i64,
        package: i64,
        filename: &str,
    ) -> impl Future<Output = Result<i64, DbError>> + Send;
    /// Takes the upload link for receiving bytes; false when it was used already (or never
    /// issued).
    fn claim_upload(
        &self,
        id: i64,
        key: &str,
    ) -> impl Future<Output = Result<bool, DbError>> + Send;
    /// Records the received bytes (`Ok`), or gives the link back for a retry (`Err`).
    fn finish_upload(
        &self,
        id: i64,
        result: Result<(i64, &str, &str), &str>,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    /// Gives back every link left taken for receiving (by a process that stopped mid-upload);
    /// returns how many.
    fn release_receiving(&self) -> impl Future<Output = Result<u64, DbError>> + Send;
    /// Forgets the upload links of a temporary object (after it was checked or removed).
    fn forget_upload(&self, key: &str) -> impl Future<Output = Result<(), DbError>> + Send;
    /// Forgets upload links older than `before`; returns how many.
    fn forget_uploads_before(
        &self,
        before: OffsetDateTime,
    ) -> impl Future<Output = Result<u64, DbError>> + Send;

    /// Content already stored under this MD5 (compared without case).
    fn find_content(
        &self,
        md5: &str,
    ) -> impl Future<Output = Result<Option<Existing>, DbError>> + Send;
    /// Links checked content to an editable package, creating its rows when it is new, and
    /// marks the package changed.
    fn link_content(
        &self,
        package: i64,
        filename: &str,
        content: &Content,
    ) -> impl Future<Output = Result<Edit<Linked>, DbError>> + Send;

    /// A link whose content is checked in the background: it points at a placeholder row
    /// until [`SequencingStore::complete_pending`] or [`SequencingStore::fail_pending`].
    fn create_pending(
        &self,
        package: i64,
        filename: &str,
    ) -> impl Future<Output = Result<Edit<i64>, DbError>> + Send;
    fn set_validation_state(
        &self,
        link: i64,
        state: ValidationState,
        error: Option<&str>,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    /// The background check passed: the link gets its content (deduplicated), or becomes
    /// INVALID when the package already links it.
    fn complete_pending(
        &self,
        link: i64,
        content: &Content,
    ) -> impl Future<Output = Result<Linked, DbError>> + Send;
    /// Marks links left PENDING or VALIDATING by a stopped server INVALID; returns how many.
    fn interrupt_pending(&self, message: &str)
        -> impl Future<Output = Result<u64, DbError>> + Send;

    /// Every `persistent/…` key a row points to.
    fn stored_paths(&self) -> impl Future<Output = Result<HashSet<String>, DbError>> + Send;
}

async fn find_in(tx: &mut Tx, md5: &str) -> Result<Option<Existing>, DbError> {
    let row = tx
        .query_opt(
            "SELECT h.sequencing_data_id, h.id FROM submission_sequencingdatahash h \
             JOIN submission_sequencingdata sd ON sd.id = h.sequencing_data_id \
             WHERE h.algorithm = 'MD5' AND lower(h.value) = lower($1) \
               AND sd.file_path IS NOT NULL ORDER BY h.id LIMIT 1",
            params![md5],
        )
        .await?;
    row.map(|r| {
        Ok(Existing {
            sequencing_data: r.get(0)?,
            hash: r.get(1)?,
        })
    })
    .transpose()
}

/// Fills what an existing row lacks (older rows have no size, hashes or counts).
async fn complete_existing(tx: &mut Tx, id: i64, content: &Content) -> Result<(), DbError> {
    tx.execute(
        "UPDATE submission_sequencingdata SET file_size = COALESCE(file_size, $2), \
           sha256 = COALESCE(sha256, $3), read_count = COALESCE(read_count, $4), \
           base_count = COALESCE(base_count, $5) WHERE id = $1",
        params![
            id,
            content.size,
            &content.sha256,
            content.reads,
            content.bases
        ],
    )
    .await?;
    Ok(())
}

/// New content's rows, as the original creates them (TB-Kb, Illumina, WGS, paired).
async fn insert_content(tx: &mut Tx, name: &str, content: &Content) -> Result<Existing, DbError> {
    let id: i64 = tx
        .query_opt(
            "INSERT INTO submission_sequencingdata (created_at, filename, file_size, library_name, \
               file_path, data_location, s3_storage_class, library_preparation_strategy, \
               sequencing_platform, library_layout, sha256, read_count, base_count) \
             VALUES ($1, $2, $3, '', $4, 'TB-Kb', 'STANDARD', 'WGS', 'ILLUMINA', 'PAIRED', $5, $6, $7) \
             RETURNING id",
            params![
                OffsetDateTime::now_utc(),
                name,
                content.size,
                format!("{PERSISTENT_PREFIX}{name}"),
                &content.sha256,
                content.reads,
                content.bases
            ],
        )
        .await?
        .ok_or_else(|| DbError::Decode("no id".into()))?
        .get(0)?;
    let hash = insert_hash(tx, id, &content.md5).await?;
    Ok(Existing {
        sequencing_data: id,
        hash,
    })
}

async fn insert_hash(tx: &mut Tx, id: i64, value: &str) -> Result<i64, DbError> {
    tx.query_opt(
        "INSERT INTO submission_sequencingdatahash (sequencing_data_id, algorithm, value) \
         VALUES ($1, 'MD5', $2) RETURNING id",
        params![id, value],
    )
    .await?
    .ok_or_else(|| DbError::Decode("no id".into()))?
    .get(0)
}

async fn already_linked(tx: &mut Tx, package: i64, sd: i64) -> Result<bool, DbError> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM submission_packagesequencingdata \
             WHERE package_id = $1 AND sequencing_data_id = $2",
            params![package, sd],
        )
        .await?
        .is_some())
}

impl SequencingStore for Db {
    async fn issue_upload(
        &self,
        key: &str,
        user: i64,
        package: i64,
        filename: &str,
    ) -> Result<i64, DbError> {
        let mut tx = self.begin().await?;
        tx.execute(
            "DELETE FROM storage_upload WHERE object_key = $1",
            params![key],
        )
        .await?;
        let now = OffsetDateTime::now_utc();
        let id = tx
            .query_opt(
                "INSERT INTO storage_upload (object_key, user_id, package_id, filename, state, \
                   created_at, updated_at) VALUES ($1, $2, $3, $4, 'ISSUED', $5, $5) RETURNING id",
                params![key, user, package, filename, now],
            )
            .await?
            .ok_or_else(|| DbError::Decode("no id".into()))?
            .get(0)?;
        tx.commit().await?;
        Ok(id)
    }

    async fn claim_upload(&self, id: i64, key: &str) -> Result<bool, DbError> {
        let changed = self
            .execute(
                "UPDATE storage_upload SET state = 'RECEIVING', updated_at = $3 \
                 WHERE id = $1 AND object_key = $2 AND state = 'ISSUED'",
                params![id, key, OffsetDateTime::now_utc()],
            )
            .await?;
        Ok(changed == 1)
    }

    async fn finish_upload(
        &self,
        id: i64,
        result: Result<(i64, &str, &str), &str>,
    ) -> Result<(), DbError> {
        let now = OffsetDateTime::now_utc();
        match result {
            Ok((size, md5, sha256)) => {
                self.execute(
                    "UPDATE storage_upload SET state = 'RECEIVED', size = $2, md5 = $3, \
                       sha256 = $4, error = NULL, updated_at = $5 WHERE id = $1",
                    params![id, size, md5, sha256, now],
                )
                .await?
            }
            Err(error) => {
                self.execute(
                    "UPDATE storage_upload SET state = 'ISSUED', error = $2, updated_at = $3 \
                     WHERE id = $1",
                    params![id, error, now],
                )
                .await?
            }
        };
        Ok(())
    }

    async fn release_receiving(&self) -> Result<u64, DbError> {
        self.execute(
            "UPDATE storage_upload SET state = 'ISSUED', error = 'interrupted by a restart', \
             updated_at = $1 WHERE state = 'RECEIVING'",
            params![OffsetDateTime::now_utc()],
        )
        .await
    }

    async fn forget_upload(&self, key: &str) -> Result<(), DbError> {
        self.execute(
            "DELETE FROM storage_upload WHERE object_key = $1",
            params![key],
        )
        .await?;
        Ok(())
    }

    async fn forget_uploads_before(&self, before: OffsetDateTime) -> Result<u64, DbError> {
        self.execute(
            "DELETE FROM storage_upload WHERE updated_at < $1",
            params![before],
        )
        .await
    }

    async fn find_content(&self, md5: &str) -> Result<Option<Existing>, DbError> {
        let mut tx = self.begin().await?;
        let found = find_in(&mut tx, md5).await?;
        tx.commit().await?;
        Ok(found)
    }

    async fn link_content(
        &self,
        package: i64,
        filename: &str,
        content: &Content,
    ) -> Result<Edit<Linked>, DbError> {
        retry_locked(|| link_content_once(self, package, filename, content)).await
    }

    async fn create_pending(&self, package: i64, filename: &str) -> Result<Edit<i64>, DbError> {
        retry_locked(|| create_pending_once(self, package, filename)).await
    }

    async fn complete_pending(&self, link: i64, content: &Content) -> Result<Linked, DbError> {
        retry_locked(|| complete_pending_once(self, link, content)).await
    }

    async fn set_validation_state(
        &self,
        link: i64,
        state: ValidationState,
        error: Option<&str>,
    ) -> Result<(), DbError> {
        self.execute(
            "UPDATE submission_packagesequencingdata SET validation_state = $2, \
               validation_error = $3 WHERE id = $1",
            params![link, state.as_str(), error],
        )
        .await?;
        Ok(())
    }

    async fn interrupt_pending(&self, message: &str) -> Result<u64, DbError> {
        self.execute(
            "UPDATE submission_packagesequencingdata SET validation_state = 'INVALID', \
               validation_error = $1 WHERE validation_state IN ('PENDING', 'VALIDATING')",
            params![message],
        )
        .await
    }

    async fn stored_paths(&self) -> Result<HashSet<String>, DbError> {
        let rows = self
            .query(
                "SELECT file_path FROM submission_sequencingdata WHERE file_path IS NOT NULL",
                params![],
            )
            .await?;
        rows.iter().map(|r| r.get(0)).collect()
    }
}

async fn link_content_once(
    db: &Db,
    package: i64,
    filename: &str,
    content: &Content,
) -> Result<Edit<Linked>, DbError> {
    let mut tx = db.begin().await?;
    match lock_package(&mut tx, package).await? {
        None => return Ok(Edit::NotFound),
        Some(p) if !p.state.is_editable() => return Ok(Edit::NotEditable),
        Some(_) => {}
    }
    let (existing, orphan) = match (find_in(&mut tx, &content.md5).await?, &content.stored_name) {
        (Some(found), stored) => {
            complete_existing(&mut tx, found.sequencing_data, content).await?;
            (
                found,
                stored.as_ref().map(|n| format!("{PERSISTENT_PREFIX}{n}")),
            )
        }
        (None, Some(name)) => (insert_content(&mut tx, name, content).await?, None),
        (None, None) => {
            return Err(DbError::Decode(
                "content without a stored file and no row for its MD5".into(),
            ))
        }
    };
    if already_linked(&mut tx, package, existing.sequencing_data).await? {
        tx.commit().await?;
        return Ok(Edit::Done(Linked::AlreadyAttached { orphan }));
    }
    let id = tx
        .query_opt(
            "INSERT INTO submission_packagesequencingdata (verdicts, package_id, \
                   sequencing_data_id, sequencing_data_hash_id, created_at, filename, \
                   validation_state) VALUES ('[]', $1, $2, $3, $4, $5, 'VALID') RETURNING id",
            params![
                package,
                existing.sequencing_data,
                existing.hash,
                OffsetDateTime::now_utc(),
                filename
            ],
        )
        .await?
        .ok_or_else(|| DbError::Decode("no id".into()))?
        .get(0)?;
    mark_changed(&mut tx, package).await?;
    tx.commit().await?;
    Ok(Edit::Done(Linked::Link { id, orphan }))
}

async fn create_pending_once(db: &Db, package: i64, filename: &str) -> Result<Edit<i64>, DbError> {
    let mut tx = db.begin().await?;
    match lock_package(&mut tx, package).await? {
        None => return Ok(Edit::NotFound),
        Some(p) if !p.state.is_editable() => return Ok(Edit::NotEditable),
        Some(_) => {}
    }
    let now = OffsetDateTime::now_utc();
    let sd: i64 = tx
        .query_opt(
            "INSERT INTO submission_sequencingdata (created_at, library_name, data_location) \
                 VALUES ($1, '', 'TB-Kb') RETURNING id",
            params![now],
        )
        .await?
        .ok_or_else(|| DbError::Decode("no id".into()))?
        .get(0)?;
    let hash = insert_hash(&mut tx, sd, "").await?;
    let id = tx
        .query_opt(
            "INSERT INTO submission_packagesequencingdata (verdicts, package_id, \
                   sequencing_data_id, sequencing_data_hash_id, created_at, filename, \
                   validation_state) VALUES ('[]', $1, $2, $3, $4, $5, 'PENDING') RETURNING id",
            params![package, sd, hash, now, filename],
        )
        .await?
        .ok_or_else(|| DbError::Decode("no id".into()))?
        .get(0)?;
    tx.commit().await?;
    Ok(Edit::Done(id))
}

async fn complete_pending_once(db: &Db, link: i64, content: &Content) -> Result<Linked, DbError> {
    let mut tx = db.begin().await?;
    let row = tx
        .query_opt(
            "SELECT package_id, sequencing_data_id FROM submission_packagesequencingdata \
                 WHERE id = $1",
            params![link],
        )
        .await?;
    let stored = content
        .stored_name
        .as_ref()
        .map(|n| format!("{PERSISTENT_PREFIX}{n}"));
    // The link was deleted while its file was being checked.
    let Some(row) = row else {
        return Ok(Linked::AlreadyAttached { orphan: stored });
    };
    let (package, placeholder): (i64, i64) = (row.get(0)?, row.get(1)?);
    lock_package(&mut tx, package).await?;
    let outcome = match find_in(&mut tx, &content.md5).await? {
        Some(found) => {
            complete_existing(&mut tx, found.sequencing_data, content).await?;
            if already_linked(&mut tx, package, found.sequencing_data).await? {
                tx.execute(
                    "UPDATE submission_packagesequencingdata SET validation_state = 'INVALID', \
                           validation_error = $2 WHERE id = $1",
                    params![link, crate::domain::sequencing::ALREADY_ATTACHED],
                )
                .await?;
                tx.commit().await?;
                return Ok(Linked::AlreadyAttached { orphan: stored });
            }
            tx.execute(
                "UPDATE submission_packagesequencingdata SET sequencing_data_id = $2, \
                       sequencing_data_hash_id = $3, validation_state = 'VALID', \
                       validation_error = NULL WHERE id = $1",
                params![link, found.sequencing_data, found.hash],
            )
            .await?;
            tx.execute(
                "DELETE FROM submission_sequencingdata WHERE id = $1",
                params![placeholder],
            )
            .await?;
            Linked::Link {
                id: link,
                orphan: stored,
            }
        }
        None => {
            let Some(name) = &content.stored_name else {
                return Err(DbError::Decode("new content without a stored file".into()));
            };
            tx.execute(
                "UPDATE submission_sequencingdata SET filename = $2, file_size = $3, \
                       file_path = $4, s3_storage_class = 'STANDARD', \
                       library_preparation_strategy = 'WGS', sequencing_platform = 'ILLUMINA', \
                       library_layout = 'PAIRED', sha256 = $5, read_count = $6, base_count = $7 \
                     WHERE id = $1",
                params![
                    placeholder,
                    name,
                    content.size,
                    format!("{PERSISTENT_PREFIX}{name}"),
                    &content.sha256,
                    content.reads,
                    content.bases
                ],
            )
            .await?;
            tx.execute(
                "UPDATE submission_sequencingdatahash SET value = $2 WHERE sequencing_data_id = $1",
                params![placeholder, &content.md5],
            )
            .await?;
            tx.execute(
                "UPDATE submission_packagesequencingdata SET validation_state = 'VALID', \
                       validation_error = NULL WHERE id = $1",
                params![link],
            )
            .await?;
            Linked::Link {
                id: link,
                orphan: None,
            }
        }
    };
    mark_changed(&mut tx, package).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Runs a change again while another transaction holds the package's row (PostgreSQL gives
/// up on a held row lock within a moment): a background check finishing must not fail a user's request, nor
/// the other way round. Gives up after about ten seconds.
async fn retry_locked<T, F, Fut>(mut change: F) -> Result<T, DbError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, DbError>>,
{
    let mut wait = std::time::Duration::from_millis(10);
    let mut waited = std::time::Duration::ZERO;
    loop {
        match change().await {
            Err(DbError::Locked(_)) if waited < std::time::Duration::from_secs(10) => {
                tokio::time::sleep(wait).await;
                waited += wait;
                wait = (wait * 2).min(std::time::Duration::from_millis(200));
            }
            other => return other,
        }
    }
}
