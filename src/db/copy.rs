//! Moving and protecting data: copy every table between any two databases (SQLite ⇄
//! PostgreSQL), and consistent online backups of SQLite.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::Instant;

use super::{migrate, Db, DbError, Dialect, Value};
use crate::params;

/// Rows read and written at a time.
const CHUNK: i64 = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("the source schema is at version {from}, the target's at {to}; migrate both to the same version first (tbseq migrate)")]
    Versions { from: i32, to: i32 },
    #[error("the target database already holds data (table {0}); pass --force to replace it")]
    NotEmpty(String),
    #[error("table {table}: copied {copied} rows but the target holds {found}")]
    Mismatch {
        table: String,
        copied: u64,
        found: u64,
    },
    #[error("the tables depend on each other in a cycle: {0}")]
    Cycle(String),
}

#[derive(Debug, Default)]
pub struct CopyReport {
    /// Rows copied per table, in copy order.
    pub tables: Vec<(String, u64)>,
    pub seconds: f64,
}

impl CopyReport {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// A schema, as far as copying needs it.
struct Schema {
    /// Tables, referenced ones before those that reference them.
    order: Vec<String>,
    columns: HashMap<String, Vec<String>>,
    keys: HashMap<String, String>,
}

async fn schema(db: &Db) -> Result<Schema, CopyError> {
    let d = db.dialect();
    let tables: Vec<String> = db
        .query(d.tables(), params![])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<_, _>>()?;
    let mut depends: BTreeMap<String, BTreeSet<String>> = tables
        .iter()
        .map(|t| (t.clone(), BTreeSet::new()))
        .collect();
    for row in db.query(d.foreign_keys(), params![]).await? {
        let (table, referenced): (String, String) = (row.get(0)?, row.get(1)?);
        if table != referenced {
            if let Some(deps) = depends.get_mut(&table) {
                deps.insert(referenced);
            }
        }
    }
    let mut columns: HashMap<String, Vec<String>> = HashMap::new();
    for row in db.query(d.columns(), params![]).await? {
        let table: String = row.get(0)?;
        if depends.contains_key(&table) {
            columns.entry(table).or_default().push(row.get(1)?);
        }
    }
    let mut keys = HashMap::new();
    for row in db.query(d.primary_keys(), params![]).await? {
        keys.insert(row.get::<String>(0)?, row.get::<String>(1)?);
    }
    // Kahn's algorithm: a table is copied once everything it references is.
    let mut order = Vec::new();
    while !depends.is_empty() {
        let ready: Vec<String> = depends
            .iter()
            .filter(|(_, deps)| deps.iter().all(|d| !depends.contains_key(d)))
            .map(|(t, _)| t.clone())
            .collect();
        if ready.is_empty() {
            return Err(CopyError::Cycle(
                depends.keys().cloned().collect::<Vec<_>>().join(", "),
            ));
        }
        for t in ready {
            depends.remove(&t);
            order.push(t);
        }
    }
    Ok(Schema {
        order,
        columns,
        keys,
    })
}

fn quoted(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn count(db: &Db, table: &str) -> Result<u64, DbError> {
    let n: i64 = db
        .query_one(&format!("SELECT COUNT(*) FROM \"{table}\""), params![])
        .await?
        .get(0)?;
    Ok(n as u64)
}

/// Copies every table of `source` into `target` (migrated first) in one transaction, then
/// checks the row counts. A target that holds data is refused unless `force`, which empties it.
pub async fn copy(source: &Db, target: &Db, force: bool) -> Result<CopyReport, CopyError> {
    let started = Instant::now();
    migrate::run(target).await?;
    let (sv, tv) = (
        migrate::applied_version(source).await?.unwrap_or(0),
        migrate::applied_version(target).await?.unwrap_or(0),
    );
    if sv != tv {
        return Err(CopyError::Versions { from: sv, to: tv });
    }
    let schema = schema(source).await?;
    if !force {
        for table in &schema.order {
            if count(target, table).await? > 0 {
                return Err(CopyError::NotEmpty(table.clone()));
            }
        }
    }
    let mut tx = target.begin().await?;
    for table in schema.order.iter().rev() {
        tx.execute(&format!("DELETE FROM \"{table}\""), params![])
            .await?;
    }
    let mut report = CopyReport::default();
    for table in &schema.order {
        let columns = &schema.columns[table];
        let list = quoted(columns);
        let key = schema
            .keys
            .get(table)
            .cloned()
            .unwrap_or_else(|| columns[0].clone());
        let key_index = columns.iter().position(|c| *c == key).unwrap_or(0);
        let mut last: Option<Value> = None;
        let mut copied = 0u64;
        loop {
            // Keyset pagination: constant cost per chunk however large the table.
            let rows = match &last {
                None => {
                    source
                        .query(
                            &format!("SELECT {list} FROM \"{table}\" ORDER BY \"{key}\" LIMIT $1"),
                            params![CHUNK],
                        )
                        .await?
                }
                Some(after) => {
                    source
                        .query(
                            &format!("SELECT {list} FROM \"{table}\" WHERE \"{key}\" > $1 ORDER BY \"{key}\" LIMIT $2"),
                            vec![after.clone(), Value::Int(CHUNK)],
                        )
                        .await?
                }
            };
            let Some(tail) = rows.last() else { break };
            last = Some(tail.values()[key_index].clone());
            copied += rows.len() as u64;
            let values: Vec<Vec<Value>> = rows.into_iter().map(|r| r.values().to_vec()).collect();
            tx.insert_values(&format!("INSERT INTO \"{table}\" ({list})"), "", values)
                .await?;
        }
        // Only integer keys have identity sequences to move past the copied ids.
        if matches!(last, Some(Value::Int(_))) {
            if let Some(sql) = target.dialect().reset_identity(table, &key) {
                tx.query(&sql, params![]).await?;
            }
        }
        report.tables.push((table.clone(), copied));
    }
    tx.commit().await?;
    for (table, copied) in &report.tables {
        let found = count(target, table).await?;
        if found != *copied {
            return Err(CopyError::Mismatch {
                table: table.clone(),
                copied: *copied,
                found,
            });
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Writes a consistent copy of a SQLite database to `to` while it stays in use (`VACUUM
/// INTO`). PostgreSQL databases are backed up with `pg_dump`.
pub async fn backup(db: &Db, to: &Path) -> Result<(), DbError> {
    if db.dialect() != Dialect::Sqlite {
        return Err(DbError::Query(
            "tbseq backup copies SQLite databases; back up PostgreSQL with pg_dump \
             (for example: pg_dump --format=custom --file=tbseq.dump \"$TBSEQ_DATABASE_URL\") \
             and restore with pg_restore"
                .into(),
        ));
    }
    if to.exists() {
        return Err(DbError::Query(format!("{} already exists", to.display())));
    }
    db.execute("VACUUM INTO $1", params![to.to_string_lossy().into_owned()])
        .await
        .map(|_| ())
}
