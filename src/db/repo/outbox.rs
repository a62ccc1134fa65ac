//! PLACEHOLDER until the notify branch lands (interface only).
use crate::db::{DbError, Tx};
use crate::domain::notifications::Mail;
pub async fn enqueue(_tx: &mut Tx, _mail: &Mail) -> Result<(), DbError> {
    Ok(())
}
pub async fn staff_emails(_tx: &mut Tx) -> Result<Vec<String>, DbError> {
    Ok(vec![])
}
