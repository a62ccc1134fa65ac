//! Serving reference lists from [`crate::cache::ResponseCache`].

use std::future::Future;
use std::io::Cursor;
use std::sync::Arc;

use rocket::http::ContentType;
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde::Serialize;

use super::error::{ApiError, ApiResult};
use crate::app::App;
use crate::db::DbError;

/// A JSON body shared between responses without copying.
pub struct JsonText(Arc<str>);

struct Bytes(Arc<str>);

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl<'r> Responder<'r, 'static> for JsonText {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        Response::build()
            .header(ContentType::JSON)
            .sized_body(self.0.len(), Cursor::new(Bytes(self.0)))
            .ok()
    }
}

/// The serialised value for `key`, from the cache or freshly loaded.
pub async fn cached<T, F>(app: &App, key: String, load: impl FnOnce() -> F) -> ApiResult<JsonText>
where
    T: Serialize,
    F: Future<Output = Result<T, DbError>>,
{
    let generation = app.db.write_generation();
    if let Some(body) = app.cache.get(&key, generation) {
        return Ok(JsonText(body));
    }
    let value = load().await?;
    let body: Arc<str> = serde_json::to_string(&value)
        .map_err(|_| ApiError::internal())?
        .into();
    app.cache.put(key, generation, body.clone());
    Ok(JsonText(body))
}
