//! Absolute links and pagination for list endpoints.

use std::convert::Infallible;
use std::future::Future;

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use serde::Serialize;

use super::error::ApiError;
use super::query::Query;
use crate::app::App;
use crate::db::DbError;
use crate::domain::pagination::{InvalidPage, Page, PageRequest, Paginated, INVALID_PAGE};

/// The absolute base URL of this server as the client sees it: `public_url` when configured,
/// otherwise the request's own scheme and host.
pub struct BaseUrl(pub String);

impl BaseUrl {
    /// `path` (starting with `/`) made absolute.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for BaseUrl {
    type Error = Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let configured = req
            .rocket()
            .state::<App>()
            .and_then(|app| app.config.public_url.clone());
        if let Some(url) = configured {
            return Outcome::Success(BaseUrl(url.trim_end_matches('/').to_string()));
        }
        let host = req.headers().get_one("Host").unwrap_or("localhost");
        let https = req.headers().get_one("X-Forwarded-Proto") == Some("https");
        let scheme = if https { "https" } else { "http" };
        Outcome::Success(BaseUrl(format!("{scheme}://{host}")))
    }
}

fn invalid_page(_: InvalidPage) -> ApiError {
    ApiError::new(Status::NotFound, "not_found", INVALID_PAGE)
}

/// The page the query asks for (`page`, `page_size`).
pub fn page_request(query: &Query) -> Result<PageRequest, ApiError> {
    PageRequest::parse(query.get("page"), query.get("page_size")).map_err(invalid_page)
}

/// Resolves the page against the total, or the original's 404 "Invalid page.".
pub fn resolve(request: PageRequest, count: u64) -> Result<Page, ApiError> {
    request.resolve(count).map_err(invalid_page)
}

/// Wraps one page of results in the `{count, next, previous, results}` envelope.
pub fn envelope<T: Serialize>(
    page: Page,
    base: &BaseUrl,
    path: &str,
    query: &Query,
    results: Vec<T>,
) -> Paginated<T> {
    let (next, previous) = page.links(&base.join(path), query.raw());
    Paginated {
        count: page.count,
        next,
        previous,
        results,
    }
}

/// A list that is paginated only when asked (`paginated` present and non-empty), as the
/// original's pluggable pagination: a bare array otherwise.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Listing<T: Serialize> {
    All(Vec<T>),
    Page(Paginated<T>),
}

/// Serves a pluggable list: `count` is only asked for when paginating; `rows` gets the
/// (offset, limit) of the page, or `None` for every row.
pub async fn pluggable<T, C, R, CF, RF>(
    query: &Query,
    base: &BaseUrl,
    path: &str,
    count: C,
    rows: R,
) -> Result<Listing<T>, ApiError>
where
    T: Serialize,
    C: FnOnce() -> CF,
    CF: Future<Output = Result<u64, DbError>>,
    R: FnOnce(Option<(u64, u64)>) -> RF,
    RF: Future<Output = Result<Vec<T>, DbError>>,
{
    if query.value("paginated").is_none() {
        return Ok(Listing::All(rows(None).await?));
    }
    let request = page_request(query)?;
    let page = resolve(request, count().await?)?;
    let results = rows(Some((page.offset(), page.size))).await?;
    Ok(Listing::Page(envelope(page, base, path, query, results)))
}
