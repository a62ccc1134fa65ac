//! The notification outbox: e-mails are queued as rows inside the transaction of the change
//! they announce (so a rolled-back change never mails) and delivered later by the worker in
//! `crate::notify`, which claims, sends and marks them here.

use std::future::Future;

use time::OffsetDateTime;

use crate::db::{Db, DbError, Row, Tx};
use crate::domain::notifications::Mail;
use crate::params;

/// Queues `mail` in the caller's transaction: one row per recipient.
pub async fn enqueue(tx: &mut Tx, mail: &Mail) -> Result<(), DbError> {
    if mail.recipients.is_empty() {
        return Ok(());
    }
    let now = OffsetDateTime::now_utc();
    let rows = mail
        .recipients
        .iter()
        .map(|to| {
            params![
                to,
                &mail.subject,
                &mail.body,
                mail.kind,
                mail.package_id,
                now
            ]
        })
        .collect();
    tx.insert_values(
        "INSERT INTO notification_outbox (recipient, subject, body, kind, package_id, created_at)",
        "",
        rows,
    )
    .await?;
    Ok(())
}

/// The admins on duty: addresses of active staff users, empty ones left out.
pub async fn staff_emails(tx: &mut Tx) -> Result<Vec<String>, DbError> {
    tx.query(
        "SELECT email FROM auth_user WHERE is_staff = $1 AND is_active = $1 \
         AND email IS NOT NULL AND email <> '' ORDER BY id",
        params![true],
    )
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect()
}

/// One queued e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub kind: String,
    pub package_id: Option<i64>,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<OffsetDateTime>,
}

/// Where a queued e-mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxStatus {
    /// Not tried yet, or failed and due again later.
    Pending,
    /// Failed `max_attempts` times; kept, with its last error, until someone looks.
    Failed,
    Sent,
}

impl OutboxMessage {
    pub fn status(&self, max_attempts: u32) -> OutboxStatus {
        if self.sent_at.is_some() {
            OutboxStatus::Sent
        } else if self.attempts >= i64::from(max_attempts) {
            OutboxStatus::Failed
        } else {
            OutboxStatus::Pending
        }
    }
}

/// How many e-mails stand where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: i64,
    pub failed: i64,
    pub sent: i64,
}

pub trait OutboxStore {
    /// Unsent messages due at `now` (never tried, or their retry time has come) that have
    /// not used up their `max_attempts`, oldest first.
    fn due_messages(
        &self,
        now: OffsetDateTime,
        max_attempts: u32,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<OutboxMessage>, DbError>> + Send;
    /// Takes a due message for delivery until `until`, so that another worker (another
    /// process on the same database) skips it meanwhile. False when someone else has it.
    fn claim(
        &self,
        id: i64,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> impl Future<Output = Result<bool, DbError>> + Send;
    fn mark_sent(
        &self,
        id: i64,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    /// Counts a failed attempt and keeps its error. `retry_at`: when to try again; `None`
    /// gives up now (a permanent error, or the last attempt): `attempts` is raised to at least
    /// `max_attempts`, so the row stays visible as failed and is not retried.
    fn mark_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<OffsetDateTime>,
        max_attempts: u32,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    /// The most recent messages, newest first.
    fn recent_messages(
        &self,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<OutboxMessage>, DbError>> + Send;
    fn outbox_counts(
        &self,
        max_attempts: u32,
    ) -> impl Future<Output = Result<OutboxCounts, DbError>> + Send;
}

const COLUMNS: &str = "SELECT id, recipient, subject, body, kind, package_id, created_at, \
     sent_at, attempts, last_error, next_attempt_at FROM notification_outbox";

fn message(row: &Row) -> Result<OutboxMessage, DbError> {
    Ok(OutboxMessage {
        id: row.get(0)?,
        recipient: row.get(1)?,
        subject: row.get(2)?,
        body: row.get(3)?,
        kind: row.get(4)?,
        package_id: row.get(5)?,
        created_at: row.get(6)?,
        sent_at: row.get(7)?,
        attempts: row.get(8)?,
        last_error: row.get(9)?,
        next_attempt_at: row.get(10)?,
    })
}

impl OutboxStore for Db {
    async fn due_messages(
        &self,
        now: OffsetDateTime,
        max_attempts: u32,
        limit: u32,
    ) -> Result<Vec<OutboxMessage>, DbError> {
        let sql = format!(
            "{COLUMNS} WHERE sent_at IS NULL AND attempts < $1 \
             AND (next_attempt_at IS NULL OR next_attempt_at <= $2) ORDER BY id LIMIT $3"
        );
        self.query(
            &sql,
            params![i64::from(max_attempts), now, i64::from(limit)],
        )
        .await?
        .iter()
        .map(message)
        .collect()
    }

    async fn claim(
        &self,
        id: i64,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<bool, DbError> {
        let changed = self
            .execute(
                "UPDATE notification_outbox SET next_attempt_at = $2 WHERE id = $1 \
                 AND sent_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= $3)",
                params![id, until, now],
            )
            .await?;
        Ok(changed == 1)
    }

    async fn mark_sent(&self, id: i64, at: OffsetDateTime) -> Result<(), DbError> {
        self.execute(
            "UPDATE notification_outbox SET sent_at = $2, attempts = attempts + 1, \
             next_attempt_at = NULL WHERE id = $1",
            params![id, at],
        )
        .await
        .map(|_| ())
    }

    async fn mark_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<OffsetDateTime>,
        max_attempts: u32,
    ) -> Result<(), DbError> {
        let (sql, args) = match retry_at {
            Some(at) => (
                "UPDATE notification_outbox SET attempts = attempts + 1, last_error = $2, \
                 next_attempt_at = $3 WHERE id = $1",
                params![id, error, at],
            ),
            None => (
                "UPDATE notification_outbox SET attempts = CASE WHEN attempts + 1 > $3 \
                 THEN attempts + 1 ELSE $3 END, last_error = $2, next_attempt_at = NULL \
                 WHERE id = $1",
                params![id, error, i64::from(max_attempts)],
            ),
        };
        self.execute(sql, args).await.map(|_| ())
    }

    async fn recent_messages(&self, limit: u32) -> Result<Vec<OutboxMessage>, DbError> {
        self.query(
            &format!("{COLUMNS} ORDER BY id DESC LIMIT $1"),
            params![i64::from(limit)],
        )
        .await?
        .iter()
        .map(message)
        .collect()
    }

    async fn outbox_counts(&self, max_attempts: u32) -> Result<OutboxCounts, DbError> {
        let row = self
            .query_one(
                "SELECT \
                 COALESCE(SUM(CASE WHEN sent_at IS NULL AND attempts < $1 THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN sent_at IS NULL AND attempts >= $1 THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0) \
                 FROM notification_outbox",
                params![i64::from(max_attempts)],
            )
            .await?;
        Ok(OutboxCounts {
            pending: row.get(0)?,
            failed: row.get(1)?,
            sent: row.get(2)?,
        })
    }
}
