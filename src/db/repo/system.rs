//! Health and schema introspection.

use std::future::Future;

use crate::db::{Db, DbError};
use crate::params;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SchemaColumn {
    pub table: String,
    pub column: String,
}

pub trait SystemStore {
    /// A round trip to the database.
    fn ping(&self) -> impl Future<Output = Result<(), DbError>> + Send;
    /// Every table or view column, for the schema parity check and diagnostics.
    fn schema_columns(&self) -> impl Future<Output = Result<Vec<SchemaColumn>, DbError>> + Send;
}

impl SystemStore for Db {
    async fn ping(&self) -> Result<(), DbError> {
        self.query_one("SELECT 1", params![]).await.map(|_| ())
    }

    async fn schema_columns(&self) -> Result<Vec<SchemaColumn>, DbError> {
        self.query(self.dialect().columns(), params![])
            .await?
            .iter()
            .map(|r| {
                Ok(SchemaColumn {
                    table: r.get(0)?,
                    column: r.get(1)?,
                })
            })
            .collect()
    }
}
