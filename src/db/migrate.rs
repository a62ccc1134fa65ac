//! Schema migrations with refinery: `migrations/sqlite` and `migrations/postgres` hold the same
//! versions, checked by a test. Forward only; a binary refuses a database that a newer
//! binary has migrated.

use super::{Conn, Db, DbError, Dialect};
use crate::params;

mod sqlite_set {
    refinery::embed_migrations!("migrations/sqlite");
}
mod postgres_set {
    refinery::embed_migrations!("migrations/postgres");
}

/// (version, name) of every embedded migration for a dialect.
pub fn embedded(dialect: Dialect) -> Vec<(i32, String)> {
    let runner = match dialect {
        Dialect::Sqlite => sqlite_set::migrations::runner(),
        Dialect::Postgres => postgres_set::migrations::runner(),
    };
    runner
        .get_migrations()
        .iter()
        .map(|m| (m.version(), m.name().to_string()))
        .collect()
}

/// The newest version this binary knows.
pub fn latest(dialect: Dialect) -> i32 {
    embedded(dialect).iter().map(|(v, _)| *v).max().unwrap_or(0)
}

/// The newest version applied to the database, if any.
pub async fn applied_version(db: &Db) -> Result<Option<i32>, DbError> {
    let exists: i64 = db
        .query_one(
            db.dialect().table_exists(),
            params!["refinery_schema_history"],
        )
        .await?
        .get(0)?;
    if exists == 0 {
        return Ok(None);
    }
    let row = db
        .query_one(
            "SELECT MAX(version) FROM refinery_schema_history",
            params![],
        )
        .await?;
    Ok(row.get::<Option<i64>>(0)?.map(|v| v as i32))
}

/// Applies every pending migration; returns how many ran.
pub async fn run(db: &Db) -> Result<usize, DbError> {
    let latest = latest(db.dialect());
    if let Some(applied) = applied_version(db).await? {
        if applied > latest {
            return Err(DbError::Migration(format!(
                "the database schema is at version {applied}, newer than this tbseq binary \
                 knows (version {latest}); run a newer tbseq, or restore a backup taken before the upgrade"
            )));
        }
    }
    let report = match db.conn().await? {
        Conn::Sqlite(mut conn) => {
            conn.with_raw(|raw| {
                sqlite_set::migrations::runner()
                    .run(raw)
                    .map_err(|e| DbError::Migration(e.to_string()))
            })
            .await?
        }
        Conn::Postgres(mut conn) => postgres_set::migrations::runner()
            .run_async(conn.client_mut())
            .await
            .map_err(|e| DbError::Migration(e.to_string()))?,
    };
    Ok(report.applied_migrations().len())
}
