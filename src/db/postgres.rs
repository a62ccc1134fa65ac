//! PostgreSQL through tokio-postgres and a deadpool pool.

use std::error::Error as _;
use std::str::FromStr;
use std::sync::Arc;

use bytes::BytesMut;
use deadpool_postgres::{Manager, ManagerConfig, RecyclingMethod};
use time::{Date, OffsetDateTime, PrimitiveDateTime};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use tokio_postgres::NoTls;

use super::value::{parse_date, parse_timestamp};
use super::{DbError, Row, Value};
use crate::config::redact_url;

pub type Pool = deadpool_postgres::Pool;

pub async fn open(url: &str, size: u32) -> Result<Pool, DbError> {
    let connect_err = |reason: String| DbError::PostgresConnect {
        url: redact_url(url),
        reason,
    };
    let mut config =
        tokio_postgres::Config::from_str(url).map_err(|e| connect_err(e.to_string()))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(5));
    }
    if config.get_application_name().is_none() {
        config.application_name("tbseq");
    }
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let pool = Pool::builder(manager)
        .max_size(size as usize)
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .map_err(|e| connect_err(e.to_string()))?;
    // Connect once now so that a wrong URL fails at start, not on the first request.
    drop(
        pool.get()
            .await
            .map_err(|e| connect_err(describe_pool(&e)))?,
    );
    Ok(pool)
}

fn describe_pool(e: &deadpool_postgres::PoolError) -> String {
    match e {
        deadpool_postgres::PoolError::Backend(pg) => describe(pg),
        other => other.to_string(),
    }
}

fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.message().to_string();
    }
    match e.source() {
        Some(src) => format!("{e}: {src}"),
        None => e.to_string(),
    }
}

pub async fn get(pool: &Pool) -> Result<Conn, DbError> {
    pool.get()
        .await
        .map(|inner| Conn { inner })
        .map_err(|e| DbError::Pool(describe_pool(&e)))
}

pub struct Conn {
    inner: deadpool_postgres::Object,
}

impl Conn {
    pub async fn query(&mut self, sql: &str, params: Vec<Value>) -> Result<Vec<Row>, DbError> {
        let stmt = self.inner.prepare_cached(sql).await.map_err(map_err)?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|v| v as _).collect();
        let rows = self.inner.query(&stmt, &refs).await.map_err(map_err)?;
        let columns: Arc<[String]> = stmt
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        rows.iter()
            .map(|row| {
                let values = (0..columns.len())
                    .map(|i| read(row, i))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Row {
                    columns: columns.clone(),
                    values,
                })
            })
            .collect()
    }

    pub async fn execute_many(&mut self, sql: &str, rows: Vec<Vec<Value>>) -> Result<u64, DbError> {
        let stmt = self.inner.prepare_cached(sql).await.map_err(map_err)?;
        let mut changed = 0;
        for params in &rows {
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|v| v as _).collect();
            changed += self.inner.execute(&stmt, &refs).await.map_err(map_err)?;
        }
        Ok(changed)
    }

    pub async fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.inner.batch_execute(sql).await.map_err(map_err)
    }

    /// Drops the connection instead of returning it to the pool: the server then rolls back
    /// whatever transaction it had open.
    pub fn discard(self) {
        drop(deadpool_postgres::Object::take(self.inner));
    }

    /// The raw client, for refinery's async runner.
    pub fn client_mut(&mut self) -> &mut tokio_postgres::Client {
        &mut self.inner
    }
}

fn read(row: &tokio_postgres::Row, i: usize) -> Result<Value, DbError> {
    let ty = row.columns()[i].type_().clone();
    let get_err = |e: tokio_postgres::Error| DbError::Decode(describe(&e));
    let value = match ty {
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)
            .map_err(get_err)?
            .map(Value::Bool),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)
            .map_err(get_err)?
            .map(|v| Value::Int(v.into())),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)
            .map_err(get_err)?
            .map(|v| Value::Int(v.into())),
        Type::INT8 => row
            .try_get::<_, Option<i64>>(i)
            .map_err(get_err)?
            .map(Value::Int),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)
            .map_err(get_err)?
            .map(|v| Value::Float(v.into())),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(i)
            .map_err(get_err)?
            .map(Value::Float),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => row
            .try_get::<_, Option<String>>(i)
            .map_err(get_err)?
            .map(Value::Text),
        Type::TIMESTAMPTZ => row
            .try_get::<_, Option<OffsetDateTime>>(i)
            .map_err(get_err)?
            .map(Value::Timestamp),
        Type::TIMESTAMP => row
            .try_get::<_, Option<PrimitiveDateTime>>(i)
            .map_err(get_err)?
            .map(|v| Value::Timestamp(v.assume_utc())),
        Type::DATE => row
            .try_get::<_, Option<Date>>(i)
            .map_err(get_err)?
            .map(Value::Date),
        other => {
            return Err(DbError::Decode(format!(
                "column {} has unsupported type {other}; cast it in the query",
                row.columns()[i].name()
            )))
        }
    };
    Ok(value.unwrap_or(Value::Null))
}

impl ToSql for Value {
    /// Converts to whatever type the server inferred for the parameter, so that shared SQL
    /// does not have to care whether a column is INT4 or INT8.
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let bad = || -> Box<dyn std::error::Error + Sync + Send> {
            format!("cannot bind {self:?} to a parameter of type {ty}").into()
        };
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Bool(b), &Type::BOOL) => b.to_sql(ty, out),
            (Value::Int(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Int(i), &Type::INT4) => i32::try_from(*i).map_err(|_| bad())?.to_sql(ty, out),
            (Value::Int(i), &Type::INT2) => i16::try_from(*i).map_err(|_| bad())?.to_sql(ty, out),
            (Value::Int(i), &Type::FLOAT8) => (*i as f64).to_sql(ty, out),
            (Value::Int(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            (Value::Float(f), &Type::FLOAT8) => f.to_sql(ty, out),
            (Value::Float(f), &Type::FLOAT4) => (*f as f32).to_sql(ty, out),
            (Value::Text(s), &Type::TIMESTAMPTZ) => {
                parse_timestamp(s).ok_or_else(bad)?.to_sql(ty, out)
            }
            (Value::Text(s), &Type::DATE) => parse_date(s).ok_or_else(bad)?.to_sql(ty, out),
            (Value::Text(s), _) => s.as_str().to_sql(ty, out),
            (Value::Timestamp(ts), &Type::TIMESTAMPTZ) => ts.to_sql(ty, out),
            (Value::Timestamp(ts), &Type::TIMESTAMP) => {
                PrimitiveDateTime::new(ts.date(), ts.time()).to_sql(ty, out)
            }
            (Value::Date(d), &Type::DATE) => d.to_sql(ty, out),
            _ => Err(bad()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn map_err(e: tokio_postgres::Error) -> DbError {
    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        return DbError::Conflict(describe(&e));
    }
    if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) {
        return DbError::Locked(describe(&e));
    }
    DbError::Query(describe(&e))
}
