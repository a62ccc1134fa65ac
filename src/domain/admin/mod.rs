//! The admin UI's logic, apart from HTTP and SQL: resource definitions, form validation and
//! list queries. The handlers (`api::admin`) and the storage (`db::repo::admin`) follow
//! whatever these describe.

pub mod form;
pub mod listing;
pub mod resource;
pub mod resources;
pub mod review;
pub mod scalar;
pub mod transfer;
