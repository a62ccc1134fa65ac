//! What hangs under a package: messages, contributors, sample aliases, FASTQ links, and
//! clearing its MIC or PDS results.

use std::future::Future;

use time::OffsetDateTime;

use super::outbox;
use super::package_state::{lock_package, mark_changed, recompute_stats};
use super::packages::person;
use crate::db::{Db, DbError, Row, Tx};
use crate::domain::notifications;
use crate::domain::packages::{
    Alias, Contributor, ContributorInput, Message, Sender, SequencingFile, SequencingLink,
};
use crate::domain::submission::{parse_verdicts, verdicts_json};
use crate::params;

/// Which results a workbook carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKind {
    Mic,
    Pds,
}

impl TestKind {
    fn table(self) -> &'static str {
        match self {
            TestKind::Mic => "submission_mictest",
            TestKind::Pds => "submission_pdstest",
        }
    }

    /// The attachment type of its workbooks.
    pub fn attachment_type(self) -> &'static str {
        match self {
            TestKind::Mic => "MIC",
            TestKind::Pds => "PDS",
        }
    }
}

/// The result of a change that must not touch a package that stopped being editable.
#[derive(Debug, PartialEq, Eq)]
pub enum Edit<T> {
    Done(T),
    NotEditable,
    NotFound,
}

pub trait PackageItemStore {
    fn messages(
        &self,
        package: i64,
        only: Option<i64>,
    ) -> impl Future<Output = Result<Vec<Message>, DbError>> + Send;
    /// Adds a message, recounts, and queues the e-mail (to staff when the owner writes, to
    /// the owner otherwise).
    fn add_message(
        &self,
        package: i64,
        sender: i64,
        content: Option<String>,
    ) -> impl Future<Output = Result<i64, DbError>> + Send;

    fn contributors(
        &self,
        package: i64,
        only: Option<i64>,
    ) -> impl Future<Output = Result<Vec<Contributor>, DbError>> + Send;
    /// Creates all or none, in request order.
    fn add_contributors(
        &self,
        package: i64,
        items: &[ContributorInput],
    ) -> impl Future<Output = Result<Edit<Vec<i64>>, DbError>> + Send;
    fn update_contributor(
        &self,
        package: i64,
        id: i64,
        input: &ContributorInput,
    ) -> impl Future<Output = Result<Edit<()>, DbError>> + Send;
    fn delete_contributor(
        &self,
        package: i64,
        id: i64,
    ) -> impl Future<Output = Result<Edit<()>, DbError>> + Send;

    /// Aliases by name, with their test counts.
    fn aliases(
        &self,
        package: i64,
        only: Option<i64>,
    ) -> impl Future<Output = Result<Vec<Alias>, DbError>> + Send;
    /// Renames an alias, clears its verdicts and marks the package changed.
    /// `Err(DbError::Conflict)` when the package already has that name.
    fn rename_alias(
        &self,
        package: i64,
        id: i64,
        name: &str,
    ) -> impl Future<Output = Result<Edit<()>, DbError>> + Send;

    fn sequencing_links(
        &self,
        package: i64,
        only: Option<i64>,
    ) -> impl Future<Output = Result<Vec<SequencingLink>, DbError>> + Send;
    /// Removes the link only (the stored file and its row stay) and marks the package
    /// changed.
    fn delete_sequencing_link(
        &self,
        package: i64,
        id: i64,
    ) -> impl Future<Output = Result<Edit<()>, DbError>> + Send;

    /// Deletes the package's MIC or PDS results, the aliases left without results, and the
    /// workbooks of that kind; returns the workbooks' stored names, to remove from the file
    /// store once committed.
    fn clear_tests(
        &self,
        package: i64,
        kind: TestKind,
    ) -> impl Future<Output = Result<Edit<Vec<String>>, DbError>> + Send;
}

fn message_of(row: &Row) -> Result<Message, DbError> {
    Ok(Message {
        id: row.get(0)?,
        timestamp: row.get(1)?,
        content: row.get(2)?,
        sender: Sender {
            username: row.get(3)?,
            email: row.get(4)?,
            first_name: row.get(5)?,
            last_name: row.get(6)?,
        },
    })
}

const MESSAGES: &str = "SELECT m.id, m.timestamp, m.content, u.username, u.email, \
     u.first_name, u.last_name FROM submission_message m JOIN auth_user u ON u.id = m.sender_id";

fn contributor_of(row: &Row) -> Result<Contributor, DbError> {
    Ok(Contributor {
        id: row.get(0)?,
        package_id: row.get(1)?,
        first_name: row.get(2)?,
        last_name: row.get(3)?,
        role: row.get(4)?,
    })
}

const CONTRIBUTORS: &str =
    "SELECT id, package_id, first_name, last_name, role FROM submission_contributor";

const LINKS: &str = "SELECT l.id, l.created_at, l.filename, l.verdicts, sd.id, sd.filename, \
     sd.file_path, sd.file_size, sd.library_name, sd.data_location, l.validation_state, \
     l.validation_error FROM submission_packagesequencingdata l \
     JOIN submission_sequencingdata sd ON sd.id = l.sequencing_data_id";

fn link_of(row: &Row) -> Result<SequencingLink, DbError> {
    Ok(SequencingLink {
        id: row.get(0)?,
        created_at: row.get(1)?,
        filename: row.get(2)?,
        verdicts: parse_verdicts(&row.get::<String>(3)?),
        file: SequencingFile {
            id: row.get(4)?,
            filename: row.get(5)?,
            file_path: row.get(6)?,
            file_size: row.get(7)?,
            library_name: row.get(8)?,
            data_location: row.get(9)?,
        },
        validation_state: row.get(10)?,
        validation_error: row.get(11)?,
    })
}

/// Runs `change` on an editable package inside a transaction holding its lock.
macro_rules! editable {
    ($db:expr, $package:expr, |$tx:ident| $body:block) => {{
        let mut $tx = $db.begin().await?;
        match lock_package(&mut $tx, $package).await? {
            None => return Ok(Edit::NotFound),
            Some(p) if !p.state.is_editable() => return Ok(Edit::NotEditable),
            Some(_) => {}
        }
        let value = $body;
        $tx.commit().await?;
        Ok(Edit::Done(value))
    }};
}

impl PackageItemStore for Db {
    async fn messages(&self, package: i64, only: Option<i64>) -> Result<Vec<Message>, DbError> {
        let (and, args) = only_one("m.id", package, only);
        self.query(
            &format!("{MESSAGES} WHERE m.package_id = $1{and} ORDER BY m.timestamp, m.id"),
            args,
        )
        .await?
        .iter()
        .map(message_of)
        .collect()
    }

    async fn add_message(
        &self,
        package: i64,
        sender: i64,
        content: Option<String>,
    ) -> Result<i64, DbError> {
        let mut tx = self.begin().await?;
        let id = add_message_in(&mut tx, package, sender, content).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn contributors(
        &self,
        package: i64,
        only: Option<i64>,
    ) -> Result<Vec<Contributor>, DbError> {
        let (and, args) = only_one("id", package, only);
        self.query(
            &format!("{CONTRIBUTORS} WHERE package_id = $1{and} ORDER BY id"),
            args,
        )
        .await?
        .iter()
        .map(contributor_of)
        .collect()
    }

    async fn add_contributors(
        &self,
        package: i64,
        items: &[ContributorInput],
    ) -> Result<Edit<Vec<i64>>, DbError> {
        editable!(self, package, |tx| {
            let mut ids = Vec::with_capacity(items.len());
            for item in items {
                let row = tx
                    .query_opt(
                        "INSERT INTO submission_contributor (first_name, last_name, role, package_id) \
                         VALUES ($1, $2, $3, $4) RETURNING id",
                        params![
                            item.first_name.clone().unwrap_or_default(),
                            item.last_name.clone().unwrap_or_default(),
                            item.role.clone().unwrap_or_default(),
                            package
                        ],
                    )
                    .await?
                    .ok_or_else(|| DbError::Decode("no id returned".into()))?;
                ids.push(row.get(0)?);
            }
            ids
        })
    }

    async fn update_contributor(
        &self,
        package: i64,
        id: i64,
        input: &ContributorInput,
    ) -> Result<Edit<()>, DbError> {
        editable!(self, package, |tx| {
            let changed = tx
                .execute(
                    "UPDATE submission_contributor SET \
                       first_name = COALESCE($3, first_name), last_name = COALESCE($4, last_name), \
                       role = COALESCE($5, role) WHERE id = $1 AND package_id = $2",
                    params![
                        id,
                        package,
                        input.first_name.clone(),
                        input.last_name.clone(),
                        input.role.clone()
                    ],
                )
                .await?;
            if changed == 0 {
                return Ok(Edit::NotFound);
            }
        })
    }

    async fn delete_contributor(&self, package: i64, id: i64) -> Result<Edit<()>, DbError> {
        editable!(self, package, |tx| {
            let changed = tx
                .execute(
                    "DELETE FROM submission_contributor WHERE id = $1 AND package_id = $2",
                    params![id, package],
                )
                .await?;
            if changed == 0 {
                return Ok(Edit::NotFound);
            }
        })
    }

    async fn aliases(&self, package: i64, only: Option<i64>) -> Result<Vec<Alias>, DbError> {
        let (and, args) = only_one("a.id", package, only);
        let rows = self
            .query(
                &format!(
                    "SELECT a.id, a.name, a.fastq_prefix, a.verdicts, a.match_source, \
                   (SELECT COUNT(*) FROM submission_mictest t WHERE t.sample_alias_id = a.id), \
                   (SELECT COUNT(*) FROM submission_pdstest t WHERE t.sample_alias_id = a.id) \
                 FROM submission_samplealias a WHERE a.package_id = $1{and} ORDER BY a.name, a.id"
                ),
                args,
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Alias {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    fastq_prefix: r.get(2)?,
                    verdicts: parse_verdicts(&r.get::<String>(3)?),
                    match_source: r.get(4)?,
                    mic_tests: r.get(5)?,
                    pds_tests: r.get(6)?,
                })
            })
            .collect()
    }

    async fn rename_alias(&self, package: i64, id: i64, name: &str) -> Result<Edit<()>, DbError> {
        editable!(self, package, |tx| {
            let taken = tx
                .query_opt(
                    "SELECT id FROM submission_samplealias WHERE package_id = $1 AND name = $2 AND id <> $3",
                    params![package, name, id],
                )
                .await?;
            if taken.is_some() {
                return Err(DbError::Conflict("uc__samplealias__package__name".into()));
            }
            let changed = tx
                .execute(
                    "UPDATE submission_samplealias SET name = $3, verdicts = $4 \
                     WHERE id = $1 AND package_id = $2",
                    params![id, package, name, verdicts_json(&[])],
                )
                .await?;
            if changed == 0 {
                return Ok(Edit::NotFound);
            }
            mark_changed(&mut tx, package).await?;
        })
    }

    async fn sequencing_links(
        &self,
        package: i64,
        only: Option<i64>,
    ) -> Result<Vec<SequencingLink>, DbError> {
        let (and, args) = only_one("l.id", package, only);
        self.query(
            &format!("{LINKS} WHERE l.package_id = $1{and} ORDER BY l.id"),
            args,
        )
        .await?
        .iter()
        .map(link_of)
        .collect()
    }

    async fn delete_sequencing_link(&self, package: i64, id: i64) -> Result<Edit<()>, DbError> {
        editable!(self, package, |tx| {
            let changed = tx
                .execute(
                    "DELETE FROM submission_packagesequencingdata WHERE id = $1 AND package_id = $2",
                    params![id, package],
                )
                .await?;
            if changed == 0 {
                return Ok(Edit::NotFound);
            }
            mark_changed(&mut tx, package).await?;
        })
    }

    async fn clear_tests(
        &self,
        package: i64,
        kind: TestKind,
    ) -> Result<Edit<Vec<String>>, DbError> {
        editable!(self, package, |tx| {
            tx.execute(
                &format!("DELETE FROM {} WHERE package_id = $1", kind.table()),
                params![package],
            )
            .await?;
            tx.execute(
                "DELETE FROM submission_samplealias WHERE package_id = $1 \
                 AND NOT EXISTS (SELECT 1 FROM submission_mictest t WHERE t.sample_alias_id = submission_samplealias.id) \
                 AND NOT EXISTS (SELECT 1 FROM submission_pdstest t WHERE t.sample_alias_id = submission_samplealias.id)",
                params![package],
            )
            .await?;
            let files = tx
                .query(
                    "SELECT file FROM submission_attachment WHERE package_id = $1 AND type = $2",
                    params![package, kind.attachment_type()],
                )
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect::<Result<Vec<String>, _>>()?;
            tx.execute(
                "DELETE FROM submission_attachment WHERE package_id = $1 AND type = $2",
                params![package, kind.attachment_type()],
            )
            .await?;
            mark_changed(&mut tx, package).await?;
            files
        })
    }
}

/// The extra condition and parameters of a list query narrowed to one item (the nested
/// detail routes), so that a detail never reads the whole list.
fn only_one(column: &str, package: i64, only: Option<i64>) -> (String, Vec<crate::db::Value>) {
    match only {
        Some(id) => (format!(" AND {column} = $2"), params![package, id]),
        None => (String::new(), params![package]),
    }
}

/// Adds a message inside `tx` with its effects (counters, e-mail to the owner or to staff);
/// the caller commits.
pub(super) async fn add_message_in(
    tx: &mut Tx,
    package: i64,
    sender: i64,
    content: Option<String>,
) -> Result<i64, DbError> {
    let locked = lock_package(tx, package)
        .await?
        .ok_or_else(|| DbError::Decode(format!("package {package} is gone")))?;
    let id: i64 = tx
        .query_opt(
            "INSERT INTO submission_message (sender_id, content, timestamp, package_id) \
             VALUES ($1, $2, $3, $4) RETURNING id",
            params![sender, content.clone(), OffsetDateTime::now_utc(), package],
        )
        .await?
        .ok_or_else(|| DbError::Decode("no id returned".into()))?
        .get(0)?;
    recompute_stats(tx, package).await?;
    if let Some(owner_id) = locked.owner_id {
        let owner = person(tx, owner_id).await?;
        let from = person(tx, sender).await?;
        let staff = outbox::staff_emails(tx).await?;
        let mail = notifications::new_message(
            package,
            &locked.name,
            &from,
            sender == owner_id,
            &owner,
            &staff,
            content.as_deref().unwrap_or_default(),
        );
        outbox::enqueue(tx, &mail).await?;
    }
    Ok(id)
}
