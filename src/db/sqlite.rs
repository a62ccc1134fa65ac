//! SQLite through rusqlite: a small r2d2 pool whose blocking calls run on tokio's blocking
//! threads. A connection is never held across an `.await` point outside of [`Conn`].

use std::path::Path;
use std::sync::Arc;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::ToSql;

use super::value::{format_date, format_timestamp};
use super::{sqlite_placeholders, DbError, Row, Value};

pub type Pool = r2d2::Pool<SqliteConnectionManager>;
type Pooled = r2d2::PooledConnection<SqliteConnectionManager>;

/// Pragmas every connection needs; `foreign_keys` in particular is per connection. A summary
/// refresh holds the write lock for seconds at full catalogue scale, so writers wait up to 30 s.
const CONNECTION_PRAGMAS: &str = "PRAGMA foreign_keys = ON;
     PRAGMA busy_timeout = 30000;
     PRAGMA synchronous = NORMAL;
     PRAGMA temp_store = MEMORY;";

pub async fn open(path: &Path, size: u32) -> Result<Pool, DbError> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(DbError::SqliteOpen(format!(
            "folder {} does not exist (check the database URL)",
            parent.display()
        )));
    }
    let manager = SqliteConnectionManager::file(path).with_init(|c| {
        c.set_prepared_statement_cache_capacity(128);
        c.execute_batch(CONNECTION_PRAGMAS)
    });
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let pool = r2d2::Pool::builder()
            .max_size(size)
            // A SQLite connection does not go stale; skip the check on every checkout.
            .test_on_check_out(false)
            .min_idle(Some(1))
            .build(manager)
            .map_err(|e| DbError::SqliteOpen(format!("{}: {e}", path.display())))?;
        // WAL is a property of the file, so setting it once is enough.
        let conn = pool.get().map_err(|e| DbError::Pool(e.to_string()))?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .map_err(|e| DbError::SqliteOpen(format!("{}: {e}", path.display())))?;
        Ok(pool)
    })
    .await
    .map_err(|e| DbError::Pool(e.to_string()))?
}

pub async fn get(pool: &Pool) -> Result<Conn, DbError> {
    let pool = pool.clone();
    let conn = tokio::task::spawn_blocking(move || pool.get())
        .await
        .map_err(|e| DbError::Pool(e.to_string()))?
        .map_err(|e| DbError::Pool(e.to_string()))?;
    Ok(Conn { inner: Some(conn) })
}

/// A pooled connection that moves onto a blocking thread for each call.
pub struct Conn {
    inner: Option<Pooled>,
}

impl Conn {
    async fn run<T: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut rusqlite::Connection) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        let mut conn = self.inner.take().expect("connection in use");
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let result = f(&mut conn);
            (conn, result)
        })
        .await
        .map_err(|e| DbError::Pool(e.to_string()))?;
        self.inner = Some(conn);
        result
    }

    pub async fn query(&mut self, sql: &str, params: Vec<Value>) -> Result<Vec<Row>, DbError> {
        let sql = sqlite_placeholders(sql);
        self.run(move |conn| run_query(conn, &sql, &params)).await
    }

    pub async fn execute_many(&mut self, sql: &str, rows: Vec<Vec<Value>>) -> Result<u64, DbError> {
        let sql = sqlite_placeholders(sql);
        self.run(move |conn| run_execute(conn, &sql, &rows)).await
    }

    pub async fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        let sql = sql.to_string();
        self.run(move |conn| conn.execute_batch(&sql).map_err(map_err))
            .await
    }

    /// Rolls back an abandoned transaction before the connection returns to the pool.
    pub fn rollback_now(mut self) {
        if let Some(conn) = self.inner.take() {
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
        }
    }

    /// The raw connection, for refinery's synchronous runner.
    pub async fn with_raw<T: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut rusqlite::Connection) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        self.run(f).await
    }
}

/// One statement outside a transaction: checks a connection out and runs the statement in a
/// single trip to the blocking pool (two trips cost more than a small query).
pub async fn query_pooled(pool: &Pool, sql: &str, params: Vec<Value>) -> Result<Vec<Row>, DbError> {
    let pool = pool.clone();
    let sql = sqlite_placeholders(sql);
    tokio::task::spawn_blocking(move || {
        let conn = pool.get().map_err(|e| DbError::Pool(e.to_string()))?;
        run_query(&conn, &sql, &params)
    })
    .await
    .map_err(|e| DbError::Pool(e.to_string()))?
}

pub async fn execute_pooled(pool: &Pool, sql: &str, params: Vec<Value>) -> Result<u64, DbError> {
    let pool = pool.clone();
    let sql = sqlite_placeholders(sql);
    tokio::task::spawn_blocking(move || {
        let conn = pool.get().map_err(|e| DbError::Pool(e.to_string()))?;
        run_execute(&conn, &sql, &[params])
    })
    .await
    .map_err(|e| DbError::Pool(e.to_string()))?
}

fn run_query(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
) -> Result<Vec<Row>, DbError> {
    let mut stmt = conn.prepare_cached(sql).map_err(map_err)?;
    let columns: Arc<[String]> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let width = columns.len();
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params.iter()))
        .map_err(map_err)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(map_err)? {
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            values.push(read(row.get_ref(i).map_err(map_err)?));
        }
        out.push(Row {
            columns: columns.clone(),
            values,
        });
    }
    Ok(out)
}

fn run_execute(
    conn: &rusqlite::Connection,
    sql: &str,
    rows: &[Vec<Value>],
) -> Result<u64, DbError> {
    let mut stmt = conn.prepare_cached(sql).map_err(map_err)?;
    let mut changed = 0u64;
    for params in rows {
        changed += stmt
            .execute(rusqlite::params_from_iter(params.iter()))
            .map_err(map_err)? as u64;
    }
    Ok(changed)
}

fn read(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Float(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            Value::Text(String::from_utf8_lossy(t).into_owned())
        }
    }
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Owned(rusqlite::types::Value::Null),
            Value::Bool(b) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(*b as i64)),
            Value::Int(i) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(*i)),
            Value::Float(f) => ToSqlOutput::Owned(rusqlite::types::Value::Real(*f)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Timestamp(ts) => {
                ToSqlOutput::Owned(rusqlite::types::Value::Text(format_timestamp(*ts)))
            }
            Value::Date(d) => ToSqlOutput::Owned(rusqlite::types::Value::Text(format_date(*d))),
        })
    }
}

fn map_err(e: rusqlite::Error) -> DbError {
    if let rusqlite::Error::SqliteFailure(code, _) = &e {
        // SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY
        if matches!(code.extended_code, 2067 | 1555) {
            return DbError::Conflict(e.to_string());
        }
    }
    DbError::Query(e.to_string())
}
