//! Data submission packages: reading them with their counters and attachments, creating,
//! editing and deleting them, and the lifecycle transitions with their side effects.

use std::collections::HashMap;
use std::future::Future;

use time::OffsetDateTime;

use super::outbox;
use super::package_state::{lock_package, mark_changed, LockedPackage};
use crate::db::{Db, DbError, Row, Tx, Value};
use crate::domain::lifecycle::{Transition, TransitionError};
use crate::domain::notifications::{self, Person};
use crate::domain::packages::{Attachment, Package, PackageInput, PackageStats};
use crate::domain::submission::{MatchingState, State};
use crate::params;

/// Why a transition did not happen.
#[derive(Debug)]
pub enum TransitionFailure {
    NotFound,
    /// Another request holds the package.
    Busy,
    Refused(TransitionError),
    Db(DbError),
}

impl From<DbError> for TransitionFailure {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Locked(_) => TransitionFailure::Busy,
            e => TransitionFailure::Db(e),
        }
    }
}

pub trait PackageStore {
    /// The owner's packages, newest first.
    fn list_packages(
        &self,
        owner: i64,
    ) -> impl Future<Output = Result<Vec<Package>, DbError>> + Send;
    fn package(&self, id: i64) -> impl Future<Output = Result<Option<Package>, DbError>> + Send;
    /// A new DRAFT package with its counters row.
    fn create_package(
        &self,
        owner: i64,
        input: &PackageInput,
    ) -> impl Future<Output = Result<i64, DbError>> + Send;
    /// Changes the given fields of an editable package; false when it is not editable (any
    /// more). Metadata edits do not count as data changes.
    fn update_package(
        &self,
        id: i64,
        input: &PackageInput,
    ) -> impl Future<Output = Result<bool, DbError>> + Send;
    /// Deletes an editable package and everything under it (samples it created stay, without
    /// package). Returns the attachments' stored names, to remove from the file store once
    /// committed; `None` when it is not editable (any more).
    fn delete_package(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<Option<Vec<String>>, DbError>> + Send;
    /// Applies a transition with its side effects, in one transaction.
    fn transition(
        &self,
        id: i64,
        transition: &Transition,
    ) -> impl Future<Output = Result<State, TransitionFailure>> + Send;
}

const PACKAGE_COLUMNS: &str = "SELECT p.id, p.name, p.description, p.origin, p.state, \
     p.matching_state, p.submitted_on, p.state_changed_on, p.rejection_reason, p.owner_id, \
     s.id, s.cnt_mic_tests, s.cnt_pds_tests, s.cnt_pds_drug_concentration, s.cnt_messages, \
     s.cnt_sample_aliases, s.cnt_samples_matched, s.cnt_samples_created, \
     s.cnt_sequencing_data, s.list_mic_drugs, s.list_pds_drugs \
     FROM submission_package p LEFT JOIN submission_packagestats s ON s.package_id = p.id";

fn package_of(row: &Row, codes: &HashMap<i64, String>) -> Result<Package, DbError> {
    let stats = match row.get::<Option<i64>>(10)? {
        None => None,
        Some(_) => Some(PackageStats {
            mic_tests: row.get(11)?,
            pds_tests: row.get(12)?,
            pds_drug_concentrations: row.get(13)?,
            messages: row.get(14)?,
            sample_aliases: row.get(15)?,
            samples_matched: row.get(16)?,
            samples_created: row.get(17)?,
            sequencing_data: row.get(18)?,
            mic_drugs: drug_codes(&row.get::<String>(19)?, codes),
            pds_drugs: drug_codes(&row.get::<String>(20)?, codes),
        }),
    };
    Ok(Package {
        id: row.get(0)?,
        name: row.get(1)?,
        description: row.get(2)?,
        origin: row.get(3)?,
        state: State::parse(&row.get::<String>(4)?),
        matching_state: MatchingState::parse(&row.get::<String>(5)?),
        submitted_on: row.get(6)?,
        state_changed_on: row.get(7)?,
        rejection_reason: row.get(8)?,
        owner_id: row.get(9)?,
        stats,
        attachments: vec![],
    })
}

/// The codes of a stored JSON list of drug ids, in drug-id order.
fn drug_codes(json: &str, codes: &HashMap<i64, String>) -> Vec<String> {
    let mut ids: Vec<i64> = serde_json::from_str(json).unwrap_or_default();
    ids.sort_unstable();
    ids.iter().filter_map(|id| codes.get(id).cloned()).collect()
}

async fn all_drug_codes(db: &Db) -> Result<HashMap<i64, String>, DbError> {
    let rows = db
        .query("SELECT drug_id, drug_code FROM genphen_drug", params![])
        .await?;
    rows.iter()
        .map(|r| Ok((r.get(0)?, r.get::<Option<String>>(1)?.unwrap_or_default())))
        .collect()
}

/// Fills in the attachments of these packages (one query).
async fn with_attachments(db: &Db, packages: &mut [Package]) -> Result<(), DbError> {
    if packages.is_empty() {
        return Ok(());
    }
    let mut c = super::Conditions::default();
    let ids: Vec<i64> = packages.iter().map(|p| p.id).collect();
    c.one_of("package_id", &ids);
    let (sql, args) = (
        format!(
            "SELECT package_id, id, created_at, type, file, size, original_filename, metadata \
             FROM submission_attachment{} ORDER BY id",
            c.sql()
        ),
        c.into_args(),
    );
    let rows = db.query(&sql, args).await?;
    let index: HashMap<i64, usize> = packages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, i))
        .collect();
    for row in rows {
        let package: i64 = row.get(0)?;
        let metadata: String = row.get(7)?;
        let attachment = Attachment {
            id: row.get(1)?,
            created_at: row.get(2)?,
            kind: row.get(3)?,
            file: row.get(4)?,
            size: row.get(5)?,
            original_filename: row.get(6)?,
            metadata: serde_json::from_str(&metadata).unwrap_or_default(),
        };
        if let Some(&i) = index.get(&package) {
            packages[i].attachments.push(attachment);
        }
    }
    Ok(())
}

impl PackageStore for Db {
    async fn list_packages(&self, owner: i64) -> Result<Vec<Package>, DbError> {
        let codes = all_drug_codes(self).await?;
        let rows = self
            .query(
                &format!("{PACKAGE_COLUMNS} WHERE p.owner_id = $1 ORDER BY p.submitted_on DESC, p.id DESC"),
                params![owner],
            )
            .await?;
        let mut packages = rows
            .iter()
            .map(|r| package_of(r, &codes))
            .collect::<Result<Vec<_>, _>>()?;
        with_attachments(self, &mut packages).await?;
        Ok(packages)
    }

    async fn package(&self, id: i64) -> Result<Option<Package>, DbError> {
        let Some(row) = self
            .query_opt(&format!("{PACKAGE_COLUMNS} WHERE p.id = $1"), params![id])
            .await?
        else {
            return Ok(None);
        };
        let codes = all_drug_codes(self).await?;
        let mut packages = [package_of(&row, &codes)?];
        with_attachments(self, &mut packages).await?;
        let [package] = packages;
        Ok(Some(package))
    }

    async fn create_package(&self, owner: i64, input: &PackageInput) -> Result<i64, DbError> {
        let now = OffsetDateTime::now_utc();
        let mut tx = self.begin().await?;
        let row = tx
            .query_opt(
                "INSERT INTO submission_package (submitted_on, state_changed_on, name, description, \
                   state, origin, owner_id, matching_state, rejection_reason) \
                 VALUES ($1, $1, $2, $3, 'DRAFT', $4, $5, 'NEVER_MATCHED', '') RETURNING id",
                params![
                    now,
                    input.name.clone().unwrap_or_default(),
                    input.description.clone().flatten(),
                    input.origin.clone().unwrap_or_else(|| "TBKB".into()),
                    owner
                ],
            )
            .await?
            .ok_or_else(|| DbError::Decode("no id returned".into()))?;
        let id: i64 = row.get(0)?;
        tx.execute(
            "INSERT INTO submission_packagestats (package_id) VALUES ($1)",
            params![id],
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn update_package(&self, id: i64, input: &PackageInput) -> Result<bool, DbError> {
        let mut sets = vec![];
        let mut args: Vec<Value> = vec![Value::Int(id)];
        if let Some(name) = &input.name {
            args.push(name.clone().into());
            sets.push(format!("name = ${}", args.len()));
        }
        if let Some(description) = &input.description {
            args.push(description.clone().into());
            sets.push(format!("description = ${}", args.len()));
        }
        if let Some(origin) = &input.origin {
            args.push(origin.clone().into());
            sets.push(format!("origin = ${}", args.len()));
        }
        // An empty change still tells whether the package is editable.
        let sql = if sets.is_empty() {
            "UPDATE submission_package SET name = name".to_string()
        } else {
            format!("UPDATE submission_package SET {}", sets.join(", "))
        };
        let changed = self
            .execute(
                &format!("{sql} WHERE id = $1 AND state IN ('DRAFT', 'REJECTED')"),
                args,
            )
            .await?;
        Ok(changed > 0)
    }

    async fn delete_package(&self, id: i64) -> Result<Option<Vec<String>>, DbError> {
        let mut tx = self.begin().await?;
        match lock_package(&mut tx, id).await? {
            Some(p) if p.state.is_editable() => {}
            _ => return Ok(None),
        }
        let files = tx
            .query(
                "SELECT file FROM submission_attachment WHERE package_id = $1",
                params![id],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect::<Result<Vec<String>, _>>()?;
        // Foreign keys cascade to everything under the package; samples it created stay.
        tx.execute("DELETE FROM submission_package WHERE id = $1", params![id])
            .await?;
        tx.commit().await?;
        Ok(Some(files))
    }

    async fn transition(
        &self,
        id: i64,
        transition: &Transition,
    ) -> Result<State, TransitionFailure> {
        let mut tx = self.begin().await?;
        let target = transition_in(&mut tx, id, transition).await?;
        tx.commit().await?;
        Ok(target)
    }
}

/// Applies a transition inside `tx` (the caller commits; the admin adds its audit row to
/// the same transaction).
pub(super) async fn transition_in(
    tx: &mut Tx,
    id: i64,
    transition: &Transition,
) -> Result<State, TransitionFailure> {
    let package = lock_package(tx, id)
        .await?
        .ok_or(TransitionFailure::NotFound)?;
    let target = transition
        .target(package.state, package.matching_state)
        .map_err(TransitionFailure::Refused)?;
    apply_effects(tx, &package, target, transition).await?;
    tracing::info!(
        package = id,
        from = package.state.as_str(),
        to = target.as_str(),
        "status change"
    );
    Ok(target)
}

/// The side effects of a transition, in the original's order: accepted data goes to
/// production, the owner's other editable packages must be matched again, e-mails are
/// queued, and the state is saved with its time.
async fn apply_effects(
    tx: &mut Tx,
    package: &LockedPackage,
    target: State,
    transition: &Transition,
) -> Result<(), DbError> {
    if target == State::Accepted {
        for table in ["submission_mictest", "submission_pdstest"] {
            tx.execute(
                &format!(
                    "UPDATE {table} SET staging = FALSE WHERE package_id = $1 AND sample_id IS NOT NULL"
                ),
                params![package.id],
            )
            .await?;
        }
        if let Some(owner) = package.owner_id {
            let others = tx
                .query(
                    "SELECT id FROM submission_package WHERE owner_id = $1 AND id <> $2 \
                     AND state IN ('DRAFT', 'REJECTED') ORDER BY id",
                    params![owner, package.id],
                )
                .await?;
            for row in others {
                mark_changed(tx, row.get(0)?).await?;
            }
        }
    }
    let reason = match transition {
        Transition::Reject { reason } => Some(reason.trim().to_string()),
        _ => None,
    };
    if let Some(owner) = package.owner_id {
        let owner = person(tx, owner).await?;
        let mail = match target {
            State::Pending => Some(notifications::package_submitted(
                package.id,
                &package.name,
                &owner,
                &outbox::staff_emails(tx).await?,
            )),
            State::Accepted => Some(notifications::package_accepted(
                package.id,
                &package.name,
                &owner,
            )),
            State::Rejected => Some(notifications::package_rejected(
                package.id,
                &package.name,
                &owner,
                reason.as_deref().unwrap_or_default(),
            )),
            _ => None,
        };
        if let Some(mail) = mail {
            outbox::enqueue(tx, &mail).await?;
        }
    }
    tx.execute(
        "UPDATE submission_package SET state = $2, state_changed_on = $3, \
           rejection_reason = COALESCE($4, rejection_reason) WHERE id = $1",
        params![
            package.id,
            target.as_str(),
            OffsetDateTime::now_utc(),
            reason
        ],
    )
    .await?;
    Ok(())
}

/// A user as notifications address them.
pub(crate) async fn person(tx: &mut Tx, user: i64) -> Result<Person, DbError> {
    let row = tx
        .query_opt(
            "SELECT username, first_name, last_name, email FROM auth_user WHERE id = $1",
            params![user],
        )
        .await?
        .ok_or_else(|| DbError::Decode(format!("user {user} is gone")))?;
    Ok(Person {
        username: row.get(0)?,
        first_name: row.get(1)?,
        last_name: row.get(2)?,
        email: row.get(3)?,
    })
}
