//! PLACEHOLDER until the matching branch lands (interface only).
use crate::db::{Db, DbError};
use std::future::Future;
#[derive(Debug)]
pub enum MatchError {
    NotFound,
    NotEditable,
    Busy,
    NoData,
    Db(DbError),
}
#[derive(Debug)]
pub struct MatchReport {
    pub ran: bool,
    pub aliases: usize,
    pub matched: usize,
    pub new_samples: usize,
}
pub trait MatchingStore {
    fn match_package(
        &self,
        package_id: i64,
    ) -> impl Future<Output = Result<MatchReport, MatchError>> + Send;
}
impl MatchingStore for Db {
    async fn match_package(&self, _id: i64) -> Result<MatchReport, MatchError> {
        Err(MatchError::NoData)
    }
}
