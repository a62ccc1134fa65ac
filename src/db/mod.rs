//! The storage layer: one SQL text for SQLite and PostgreSQL behind domain-level repositories.
//!
//! SQL is written with PostgreSQL placeholders (`$1`, `$2`, …) in the portable subset; the SQLite
//! driver rewrites the placeholders. The few fragments that differ live in [`dialect`].
//! No SQL exists outside this module.

pub mod copy;
pub mod dialect;
pub mod migrate;
mod postgres;
pub mod repo;
pub mod seed;
mod sqlite;
mod value;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub use dialect::Dialect;
pub use value::{
    format_date, format_timestamp, parse_date, parse_timestamp, FromValue, Row, Value,
};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("cannot open the SQLite database: {0}")]
    SqliteOpen(String),
    #[error("cannot connect to PostgreSQL at {url}: {reason}")]
    PostgresConnect { url: String, reason: String },
    #[error("database pool: {0}")]
    Pool(String),
    #[error("database error: {0}")]
    Query(String),
    #[error("unique constraint violated: {0}")]
    Conflict(String),
    /// A row lock another transaction holds (`FOR UPDATE` with a short `lock_timeout`).
    #[error("row is locked: {0}")]
    Locked(String),
    #[error("database result could not be read: {0}")]
    Decode(String),
    #[error("migration failed: {0}")]
    Migration(String),
    /// A text value holding a NUL character: PostgreSQL cannot store one, so neither
    /// database is given one (callers answer 400).
    #[error("text values may not contain NUL characters")]
    NulInText,
}

/// Refuses parameters PostgreSQL would refuse with an encoding error, on both databases.
fn check_text(params: &[Value]) -> Result<(), DbError> {
    let nul = params
        .iter()
        .any(|v| matches!(v, Value::Text(s) if s.contains('\0')));
    if nul {
        Err(DbError::NulInText)
    } else {
        Ok(())
    }
}

/// Where a database URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Target {
    /// Parses `sqlite://PATH` (relative or absolute) and `postgres://` / `postgresql://` URLs.
    /// Anything else is an error, so that a typo never silently opens another database.
    pub fn from_url(url: &str) -> Result<Target, DbError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(DbError::UnsupportedUrl(url.into()));
            }
            return Ok(Target::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Target::Postgres(url.to_string()));
        }
        Err(DbError::UnsupportedUrl(crate::config::redact_url(url)))
    }
}

/// A pool of connections to one database of either kind.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// Goes up with every write made through this pool; caches of derived data compare it.
    writes: Arc<AtomicU64>,
}

#[derive(Clone)]
enum Pool {
    Sqlite(sqlite::Pool),
    Postgres(postgres::Pool),
}

/// Whether a statement may change data (so that caches must be dropped).
fn is_write(sql: &str) -> bool {
    let head = sql.trim_start();
    ["INSERT", "UPDATE", "DELETE", "REPLACE", "WITH"]
        .iter()
        .any(|k| head.len() >= k.len() && head[..k.len()].eq_ignore_ascii_case(k))
}

impl Db {
    /// Opens a pool. A SQLite file is created only inside an existing folder.
    pub async fn connect(url: &str, pool_size: u32) -> Result<Db, DbError> {
        let pool = match Target::from_url(url)? {
            Target::Sqlite(path) => Pool::Sqlite(sqlite::open(&path, pool_size).await?),
            Target::Postgres(url) => Pool::Postgres(postgres::open(&url, pool_size).await?),
        };
        Ok(Db {
            pool,
            writes: Arc::new(AtomicU64::new(0)),
        })
    }

    /// (open connections, idle connections, maximum) of the pool.
    pub fn pool_state(&self) -> (u32, u32, u32) {
        match &self.pool {
            Pool::Sqlite(pool) => {
                let state = pool.state();
                (state.connections, state.idle_connections, pool.max_size())
            }
            Pool::Postgres(pool) => {
                let status = pool.status();
                (
                    status.size as u32,
                    status.available as u32,
                    status.max_size as u32,
                )
            }
        }
    }

    /// A number that changes whenever data was written through this pool.
    pub fn write_generation(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }

    fn wrote(&self) {
        self.writes.fetch_add(1, Ordering::AcqRel);
    }

    pub fn dialect(&self) -> Dialect {
        match self.pool {
            Pool::Sqlite(_) => Dialect::Sqlite,
            Pool::Postgres(_) => Dialect::Postgres,
        }
    }

    async fn conn(&self) -> Result<Conn, DbError> {
        match &self.pool {
            Pool::Sqlite(pool) => sqlite::get(pool).await.map(Conn::Sqlite),
            Pool::Postgres(pool) => postgres::get(pool).await.map(Conn::Postgres),
        }
    }

    pub async fn query(&self, sql: &str, params: Vec<Value>) -> Result<Vec<Row>, DbError> {
        check_text(&params)?;
        let rows = match &self.pool {
            Pool::Sqlite(pool) => sqlite::query_pooled(pool, sql, params).await,
            Pool::Postgres(_) => self.conn().await?.query(sql, params).await,
        };
        if is_write(sql) {
            self.wrote();
        }
        rows
    }

    pub async fn query_opt(&self, sql: &str, params: Vec<Value>) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params).await?.into_iter().next())
    }

    pub async fn query_one(&self, sql: &str, params: Vec<Value>) -> Result<Row, DbError> {
        self.query_opt(sql, params)
            .await?
            .ok_or_else(|| DbError::Decode("query returned no row".into()))
    }

    pub async fn execute(&self, sql: &str, params: Vec<Value>) -> Result<u64, DbError> {
        check_text(&params)?;
        let changed = match &self.pool {
            Pool::Sqlite(pool) => sqlite::execute_pooled(pool, sql, params).await,
            Pool::Postgres(_) => self.conn().await?.execute(sql, params).await,
        };
        self.wrote();
        changed
    }

    /// Starts a transaction. Dropping it without [`Tx::commit`] rolls it back.
    pub async fn begin(&self) -> Result<Tx, DbError> {
        let mut conn = self.conn().await?;
        conn.batch(self.dialect().begin()).await?;
        Ok(Tx {
            conn: Some(conn),
            writes: self.writes.clone(),
        })
    }
}

/// One pooled connection of either kind.
enum Conn {
    Sqlite(sqlite::Conn),
    Postgres(postgres::Conn),
}

impl Conn {
    async fn query(&mut self, sql: &str, params: Vec<Value>) -> Result<Vec<Row>, DbError> {
        match self {
            Conn::Sqlite(c) => c.query(sql, params).await,
            Conn::Postgres(c) => c.query(sql, params).await,
        }
    }

    async fn execute(&mut self, sql: &str, params: Vec<Value>) -> Result<u64, DbError> {
        match self {
            Conn::Sqlite(c) => c.execute_many(sql, vec![params]).await,
            Conn::Postgres(c) => c.execute_many(sql, vec![params]).await,
        }
    }

    async fn execute_many(&mut self, sql: &str, rows: Vec<Vec<Value>>) -> Result<u64, DbError> {
        match self {
            Conn::Sqlite(c) => c.execute_many(sql, rows).await,
            Conn::Postgres(c) => c.execute_many(sql, rows).await,
        }
    }

    async fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        match self {
            Conn::Sqlite(c) => c.batch(sql).await,
            Conn::Postgres(c) => c.batch(sql).await,
        }
    }

    /// Gives up a connection whose transaction was left open, so that it never returns to
    /// the pool in that state.
    fn abandon(self) {
        match self {
            Conn::Sqlite(c) => c.rollback_now(),
            Conn::Postgres(c) => c.discard(),
        }
    }
}

/// An open transaction.
pub struct Tx {
    conn: Option<Conn>,
    writes: Arc<AtomicU64>,
}

impl Tx {
    fn conn(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("transaction already finished")
    }

    pub fn dialect(&self) -> Dialect {
        match self.conn {
            Some(Conn::Postgres(_)) => Dialect::Postgres,
            _ => Dialect::Sqlite,
        }
    }

    pub async fn query(&mut self, sql: &str, params: Vec<Value>) -> Result<Vec<Row>, DbError> {
        check_text(&params)?;
        self.conn().query(sql, params).await
    }

    pub async fn query_opt(
        &mut self,
        sql: &str,
        params: Vec<Value>,
    ) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params).await?.into_iter().next())
    }

    pub async fn execute(&mut self, sql: &str, params: Vec<Value>) -> Result<u64, DbError> {
        check_text(&params)?;
        self.conn().execute(sql, params).await
    }

    /// Runs one statement once per parameter row (prepared once; one round trip to the
    /// blocking pool on SQLite).
    pub async fn execute_many(&mut self, sql: &str, rows: Vec<Vec<Value>>) -> Result<u64, DbError> {
        for row in &rows {
            check_text(row)?;
        }
        self.conn().execute_many(sql, rows).await
    }

    /// Inserts rows with multi-row `VALUES` lists: `{head} VALUES (…), (…) {tail}`, as many
    /// rows per statement as both databases' parameter limits allow. Returns rows changed.
    pub async fn insert_values(
        &mut self,
        head: &str,
        tail: &str,
        rows: Vec<Vec<Value>>,
    ) -> Result<u64, DbError> {
        let Some(width) = rows.first().map(Vec::len) else {
            return Ok(0);
        };
        // SQLite allows 32,766 parameters per statement, PostgreSQL 65,535.
        let per_statement = (30_000 / width.max(1)).max(1);
        let mut changed = 0;
        for chunk in rows.chunks(per_statement) {
            let mut sql = String::with_capacity(head.len() + tail.len() + chunk.len() * width * 6);
            sql.push_str(head);
            sql.push_str(" VALUES ");
            for r in 0..chunk.len() {
                sql.push_str(if r == 0 { "(" } else { ", (" });
                for c in 0..width {
                    if c > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("${}", r * width + c + 1));
                }
                sql.push(')');
            }
            sql.push(' ');
            sql.push_str(tail);
            changed += self.execute(&sql, chunk.concat()).await?;
        }
        Ok(changed)
    }

    pub async fn commit(mut self) -> Result<(), DbError> {
        let mut conn = self.conn.take().expect("transaction already finished");
        match conn.batch("COMMIT").await {
            Ok(()) => {
                self.writes.fetch_add(1, Ordering::AcqRel);
                Ok(())
            }
            Err(e) => {
                conn.abandon();
                Err(e)
            }
        }
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            conn.abandon();
        }
    }
}

/// Rewrites `$1` placeholders to SQLite's numbered `?1` form, leaving string literals and
/// quoted identifiers alone.
pub(crate) fn sqlite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) => out.push('?'),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_placeholders_outside_literals() {
        assert_eq!(
            sqlite_placeholders("SELECT '$1', \"$2\" FROM t WHERE a = $1 AND b = $12"),
            "SELECT '$1', \"$2\" FROM t WHERE a = ?1 AND b = ?12"
        );
    }

    #[test]
    fn writes_are_recognised() {
        assert!(is_write("  insert into t values (1)"));
        assert!(is_write("UPDATE t SET a = 1"));
        assert!(!is_write("SELECT * FROM t"));
    }

    #[test]
    fn urls_pick_the_backend_or_fail() {
        assert_eq!(
            Target::from_url("sqlite://./data/x.sqlite3").unwrap(),
            Target::Sqlite("./data/x.sqlite3".into())
        );
        assert_eq!(
            Target::from_url("sqlite:///var/lib/tbseq/x.db").unwrap(),
            Target::Sqlite("/var/lib/tbseq/x.db".into())
        );
        assert!(matches!(
            Target::from_url("postgresql://u@h/db").unwrap(),
            Target::Postgres(_)
        ));
        for bad in [
            "mysql://x",
            "./data/x.sqlite3",
            "sqlite:/x",
            "sqlite://",
            "postgre://x",
        ] {
            assert!(Target::from_url(bad).is_err(), "{bad} accepted");
        }
    }
}
