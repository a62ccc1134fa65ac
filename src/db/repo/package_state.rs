//! What every change to a package's data goes through, inside the caller's transaction:
//! locking the package row, recomputing its denormalised counters, and `mark_changed` (the
//! original's "data changed" hook: MATCHED → CHANGED, REJECTED → DRAFT).

use crate::db::{DbError, Tx, Value};
use crate::domain::submission::{MatchingState, State};
use crate::params;

/// A package row read under lock.
#[derive(Debug, Clone)]
pub struct LockedPackage {
    pub id: i64,
    pub name: String,
    pub owner_id: Option<i64>,
    pub state: State,
    pub matching_state: MatchingState,
}

/// Locks the package row for the rest of the transaction. `None` when it does not exist;
/// [`DbError::Locked`] when another transaction holds it (PostgreSQL; SQLite transactions
/// already run one at a time).
pub async fn lock_package(tx: &mut Tx, id: i64) -> Result<Option<LockedPackage>, DbError> {
    let sql = format!(
        "SELECT id, name, owner_id, state, matching_state FROM submission_package WHERE id = $1{}",
        tx.dialect().lock_row()
    );
    let wait = tx.dialect().lock_wait();
    if let Some((limit, _)) = wait {
        tx.execute(limit, params![]).await?;
    }
    let row = tx.query_opt(&sql, params![id]).await?;
    if let Some((_, reset)) = wait {
        tx.execute(reset, params![]).await?;
    }
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(LockedPackage {
        id: row.get(0)?,
        name: row.get(1)?,
        owner_id: row.get(2)?,
        state: State::parse(&row.get::<String>(3)?),
        matching_state: MatchingState::parse(&row.get::<String>(4)?),
    }))
}

/// Recomputes the package's counters (`submission_packagestats`, created when missing).
/// Drug lists are drug ids in drug order, as JSON arrays.
pub async fn recompute_stats(tx: &mut Tx, id: i64) -> Result<(), DbError> {
    let mic_drugs = drug_ids(tx, "submission_mictest", id).await?;
    let pds_drugs = drug_ids(tx, "submission_pdstest", id).await?;
    let counts = tx
        .query_opt(
            "SELECT \
               (SELECT COUNT(*) FROM submission_mictest WHERE package_id = $1), \
               (SELECT COUNT(*) FROM submission_pdstest WHERE package_id = $1), \
               (SELECT COUNT(*) FROM (SELECT DISTINCT drug_id, concentration \
                  FROM submission_pdstest WHERE package_id = $1) pairs), \
               (SELECT COUNT(*) FROM submission_message WHERE package_id = $1), \
               (SELECT COUNT(*) FROM submission_samplealias WHERE package_id = $1), \
               (SELECT COUNT(*) FROM submission_samplealias \
                  WHERE package_id = $1 AND sample_id IS NOT NULL), \
               (SELECT COUNT(*) FROM submission_sample WHERE package_id = $1), \
               (SELECT COUNT(*) FROM submission_packagesequencingdata WHERE package_id = $1)",
            params![id],
        )
        .await?
        .ok_or_else(|| DbError::Decode("no counts".into()))?;
    let mut args: Vec<Value> = vec![Value::Int(id)];
    for i in 0..8 {
        args.push(Value::Int(counts.get(i)?));
    }
    args.push(Value::Text(json_ids(&mic_drugs)));
    args.push(Value::Text(json_ids(&pds_drugs)));
    tx.execute(
        "INSERT INTO submission_packagestats (package_id, cnt_mic_tests, cnt_pds_tests, \
           cnt_pds_drug_concentration, cnt_messages, cnt_sample_aliases, cnt_samples_matched, \
           cnt_samples_created, cnt_sequencing_data, list_mic_drugs, list_pds_drugs) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (package_id) DO UPDATE SET cnt_mic_tests = $2, cnt_pds_tests = $3, \
           cnt_pds_drug_concentration = $4, cnt_messages = $5, cnt_sample_aliases = $6, \
           cnt_samples_matched = $7, cnt_samples_created = $8, cnt_sequencing_data = $9, \
           list_mic_drugs = $10, list_pds_drugs = $11",
        args,
    )
    .await?;
    Ok(())
}

async fn drug_ids(tx: &mut Tx, table: &str, package: i64) -> Result<Vec<i64>, DbError> {
    let rows = tx
        .query(
            &format!(
                "SELECT DISTINCT drug_id FROM {table} \
                 WHERE package_id = $1 AND drug_id IS NOT NULL ORDER BY drug_id"
            ),
            params![package],
        )
        .await?;
    rows.iter().map(|r| r.get(0)).collect()
}

fn json_ids(ids: &[i64]) -> String {
    serde_json::to_string(ids).expect("ids serialise")
}

/// The package's data changed: counters are recomputed, a MATCHED package must be matched
/// again (CHANGED), and a REJECTED one goes back to DRAFT — silently, as in the original
/// (no notification, `state_changed_on` kept).
pub async fn mark_changed(tx: &mut Tx, id: i64) -> Result<(), DbError> {
    recompute_stats(tx, id).await?;
    tx.execute(
        "UPDATE submission_package SET \
           matching_state = CASE WHEN matching_state = 'MATCHED' THEN 'CHANGED' ELSE matching_state END, \
           state = CASE WHEN state = 'REJECTED' THEN 'DRAFT' ELSE state END \
         WHERE id = $1",
        params![id],
    )
    .await?;
    Ok(())
}
