//! Storage of admin exports and imports: list rows in batches with related rows' texts, and
//! an import's lookups, planning and all-or-nothing application (with one audit-log row per
//! import, as the original skipped its per-row log for bulk resources).
//!
//! Identifiers come only from the static definitions; cells are parameters.

use std::collections::HashMap;
use std::future::Future;

use super::admin::{
    ordered_page, to_scalar, to_value, where_of, write_audit, Actor, Entry, Record,
};
use crate::db::{Db, DbError, Tx, Value};
use crate::domain::admin::listing::ListQuery;
use crate::domain::admin::resource::Resource;
use crate::domain::admin::resources::by_slug;
use crate::domain::admin::scalar::Scalar;
use crate::domain::admin::transfer::{
    key_text, plan, row_key, Action, Candidate, ExportColumn, ImportSpec, Plan, Resolved,
    TextLookup, VariantRow,
};
use crate::params;

/// Values per `IN (…)` list.
const CHUNK: usize = 500;

/// What a confirmed import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub created: usize,
    pub updated: usize,
    pub package_id: Option<i64>,
}

pub trait TransferStore {
    /// Rows `offset..offset + limit` of the list `query`, one value per export column
    /// (related rows as their text).
    fn export_batch(
        &self,
        r: &Resource,
        query: &ListQuery,
        columns: &[ExportColumn],
        offset: u64,
        limit: u64,
    ) -> impl Future<Output = Result<Vec<Vec<Scalar>>, DbError>> + Send;
    /// What importing `candidates` would do now. Writes nothing.
    fn import_plan(
        &self,
        spec: &ImportSpec,
        candidates: Vec<Candidate>,
    ) -> impl Future<Output = Result<Plan, DbError>> + Send;
    /// Plans again and, when no row is rejected, writes every row in one transaction;
    /// otherwise writes nothing and returns the plan (`Err`).
    fn import_apply(
        &self,
        spec: &ImportSpec,
        candidates: Vec<Candidate>,
        actor: Actor,
        filename: &str,
    ) -> impl Future<Output = Result<Result<Applied, Plan>, DbError>> + Send;
}

fn target(spec: &ImportSpec) -> Result<&'static Resource, DbError> {
    by_slug(spec.resource).ok_or_else(|| DbError::Decode(format!("no resource {}", spec.resource)))
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `SELECT t."key", text FROM table t WHERE t."key" IN (keys)`, by the key's text.
async fn texts(
    db: &Db,
    lookup: &TextLookup,
    keys: Vec<Value>,
) -> Result<HashMap<String, Scalar>, DbError> {
    let mut out = HashMap::new();
    for chunk in keys.chunks(CHUNK) {
        let sql = format!(
            "SELECT t.\"{}\", {} FROM {} t WHERE t.\"{}\" IN ({})",
            lookup.key,
            lookup.text,
            lookup.table,
            lookup.key,
            placeholders(1, chunk.len())
        );
        for row in db.query(&sql, chunk.to_vec()).await? {
            let values = row.values();
            out.insert(to_scalar(&values[0]).to_input(), to_scalar(&values[1]));
        }
    }
    Ok(out)
}

/// What the plan needs from the database: lookups, variants at the rows' positions, and
/// the import keys of the existing rows.
async fn resolve(
    tx: &mut Tx,
    spec: &ImportSpec,
    candidates: &[Candidate],
) -> Result<Resolved, DbError> {
    let mut resolved = Resolved::default();
    for (column, wanted) in spec.columns.iter().zip(spec.lookup_values(candidates)) {
        let mut found: HashMap<String, Vec<Scalar>> = HashMap::new();
        if let Some(l) = column.lookup {
            for chunk in wanted.chunks(CHUNK) {
                let sql = format!(
                    "SELECT t.\"{}\", t.\"{}\" FROM {} t WHERE t.\"{}\" IN ({})",
                    l.attr,
                    l.key,
                    l.table,
                    l.attr,
                    placeholders(1, chunk.len())
                );
                let args = chunk.iter().map(to_value).collect();
                for row in tx.query(&sql, args).await? {
                    let values = row.values();
                    found
                        .entry(key_text(l.attr_kind, &to_scalar(&values[0])))
                        .or_default()
                        .push(to_scalar(&values[1]));
                }
            }
        }
        resolved.lookups.push(found);
    }
    for chunk in spec.positions(candidates).chunks(CHUNK) {
        let sql = format!(
            "SELECT variant_id, position, reference_nucleotide, alternative_nucleotide \
             FROM genphen_variant WHERE position IN ({})",
            placeholders(1, chunk.len())
        );
        let args = chunk.iter().map(|p| Value::Int(*p)).collect();
        for row in tx.query(&sql, args).await? {
            resolved.variants.push(VariantRow {
                id: row.get(0)?,
                position: row.get(1)?,
                reference: row.get(2)?,
                alternative: row.get(3)?,
            });
        }
    }
    let key_fields = spec.key_fields();
    let kinds: Vec<_> = key_fields.iter().map(|(_, k)| *k).collect();
    let columns: Vec<String> = key_fields
        .iter()
        .map(|(n, _)| format!("t.\"{n}\""))
        .collect();
    let sql = format!(
        "SELECT t.id, {} FROM {} t",
        columns.join(", "),
        target(spec)?.table
    );
    for row in tx.query(&sql, params![]).await? {
        let values: Vec<Scalar> = row.values().iter().map(to_scalar).collect();
        let id = match values[0] {
            Scalar::Int(id) => id,
            _ => continue,
        };
        resolved
            .existing
            .entry(row_key(&kinds, &values[1..]))
            .or_default()
            .push(id);
    }
    Ok(resolved)
}

async fn plan_in(
    tx: &mut Tx,
    spec: &ImportSpec,
    candidates: Vec<Candidate>,
) -> Result<Plan, DbError> {
    let resolved = resolve(tx, spec, &candidates).await?;
    Ok(plan(spec, candidates, &resolved))
}

/// The package a sample or alias import puts its rows in (§8.2, §8.3).
async fn admin_package(tx: &mut Tx, name: &str, actor: Actor) -> Result<i64, DbError> {
    let now = time::OffsetDateTime::now_utc();
    tx.query_opt(
        "INSERT INTO submission_package (name, origin, owner_id, submitted_on, \
         state_changed_on) VALUES ($1, 'Admin', $2, $3, $3) RETURNING id",
        params![name, actor.user_id, now],
    )
    .await?
    .ok_or_else(|| DbError::Decode("INSERT … RETURNING gave no row".into()))?
    .get(0)
}

impl TransferStore for Db {
    async fn export_batch(
        &self,
        r: &Resource,
        query: &ListQuery,
        columns: &[ExportColumn],
        offset: u64,
        limit: u64,
    ) -> Result<Vec<Vec<Scalar>>, DbError> {
        let exprs: Vec<&str> = columns.iter().map(|c| c.expr.as_str()).collect();
        let select = format!("SELECT {} FROM {} t", exprs.join(", "), r.table);
        let (sql, args) = ordered_page(r, query, where_of(r, query), &select, offset, limit);
        let mut rows: Vec<Vec<Scalar>> = self
            .query(&sql, args)
            .await?
            .iter()
            .map(|row| row.values().iter().map(to_scalar).collect())
            .collect();
        for (i, column) in columns.iter().enumerate() {
            let Some(lookup) = &column.lookup else {
                continue;
            };
            let mut keys: Vec<Value> = rows
                .iter()
                .filter(|row| !row[i].is_null())
                .map(|row| to_value(&row[i]))
                .collect();
            keys.sort_by_key(|k| format!("{k:?}"));
            keys.dedup();
            let names = texts(self, lookup, keys).await?;
            for row in &mut rows {
                if let Some(name) = names.get(&row[i].to_input()) {
                    row[i] = name.clone();
                }
            }
        }
        Ok(rows)
    }

    async fn import_plan(
        &self,
        spec: &ImportSpec,
        candidates: Vec<Candidate>,
    ) -> Result<Plan, DbError> {
        // Read in a transaction that is never committed: one consistent view.
        let mut tx = self.begin().await?;
        plan_in(&mut tx, spec, candidates).await
    }

    async fn import_apply(
        &self,
        spec: &ImportSpec,
        candidates: Vec<Candidate>,
        actor: Actor,
        filename: &str,
    ) -> Result<Result<Applied, Plan>, DbError> {
        let r = target(spec)?;
        let mut tx = self.begin().await?;
        let plan = plan_in(&mut tx, spec, candidates).await?;
        if !plan.rejected.is_empty() {
            return Ok(Err(plan));
        }
        let package_id = match spec.package {
            Some(name) => Some(admin_package(&mut tx, name, actor).await?),
            None => None,
        };
        let mut creates = Vec::new();
        let mut updates = Vec::new();
        let mut names: Vec<&'static str> = Vec::new();
        for planned in &plan.planned {
            let mut values: Vec<Value> = planned.values.iter().map(|(_, v)| to_value(v)).collect();
            if let Some(id) = package_id {
                values.push(Value::Int(id));
            }
            if names.is_empty() {
                names = planned.values.iter().map(|(n, _)| *n).collect();
                if package_id.is_some() {
                    names.push("package_id");
                }
            }
            match planned.action {
                Action::Create => creates.push(values),
                Action::Update(id) => {
                    values.push(Value::Int(id));
                    updates.push(values);
                }
            }
        }
        let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
        let (created, updated) = (creates.len(), updates.len());
        let head = format!("INSERT INTO {} ({})", r.table, quoted.join(", "));
        tx.insert_values(&head, "", creates).await?;
        if !updates.is_empty() {
            let sets: Vec<String> = quoted
                .iter()
                .enumerate()
                .map(|(i, n)| format!("{n} = ${}", i + 1))
                .collect();
            let sql = format!(
                "UPDATE {} SET {} WHERE id = ${}",
                r.table,
                sets.join(", "),
                names.len() + 1
            );
            tx.execute_many(&sql, updates).await?;
        }
        let title = format!("{filename}: {created} created, {updated} updated");
        let summary = Record {
            title: title.clone(),
            values: vec![
                ("file", Scalar::Text(filename.into())),
                ("created", Scalar::Int(created as i64)),
                ("updated", Scalar::Int(updated as i64)),
                ("package_id", package_id.map_or(Scalar::Null, Scalar::Int)),
            ],
        };
        let entry = Entry {
            action: "import",
            key: &Scalar::Null,
            title: &title,
            before: None,
            after: Some(&summary),
        };
        write_audit(&mut tx, actor, r, entry).await?;
        tx.commit().await?;
        Ok(Ok(Applied {
            created,
            updated,
            package_id,
        }))
    }
}
