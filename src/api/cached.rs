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

/// A cache key for a request: the path, the base URL (links in the body name it) and the
/// query pairs in a canonical order.
pub fn request_key(path: &str, base: &str, query: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = query.iter().collect();
    pairs.sort();
    let mut key = format!("{base}{path}?");
    for (k, v) in pairs {
        key.push_str(&format!("{}={}&", k.len(), k));
        key.push_str(&format!("{}={}&", v.len(), v));
    }
    key
}

/// The serialised value for `key`, from the cache or freshly loaded.
pub async fn cached<T, E, F>(
    app: &App,
    key: String,
    load: impl FnOnce() -> F,
) -> ApiResult<JsonText>
where
    T: Serialize,
    E: Into<ApiError>,
    F: Future<Output = Result<T, E>>,
{
    let generation = app.db.write_generation();
    if let Some(body) = app.cache.get(&key, generation) {
        return Ok(JsonText(body));
    }
    let value = load().await.map_err(Into::into)?;
    let body: Arc<str> = serde_json::to_string(&value)
        .map_err(|_| ApiError::internal())?
        .into();
    app.cache.put(key, generation, body.clone());
    Ok(JsonText(body))
}
