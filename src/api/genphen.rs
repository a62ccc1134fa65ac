//! `/api/v1/genphen/…`: the catalogue's reference data. Public; no pagination.

use rocket::serde::json::Json;
use rocket::{get, routes, Route, State};

use super::cached::{cached, JsonText};
use super::error::{ApiError, ApiResult};
use super::query::Query;
use crate::app::App;
use crate::db::repo::CatalogueStore;
use crate::domain::catalogue::{Country, Drug};

pub fn routes() -> Vec<Route> {
    routes![drugs, drug, countries, country]
}

#[get("/genphen/drugs")]
async fn drugs(app: &State<App>, query: Query) -> ApiResult<JsonText> {
    let associated = query.boolean("is_associated")?;
    cached(app, format!("drugs/{associated:?}"), || {
        app.db.drugs(associated)
    })
    .await
}

/// The `is_associated` filter applies here too, as in the original.
#[get("/genphen/drugs/<id>")]
async fn drug(app: &State<App>, id: &str, query: Query) -> ApiResult<Json<Drug>> {
    let associated = query.boolean("is_associated")?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    app.db
        .drug(id, associated)
        .await?
        .map(Json)
        .ok_or_else(ApiError::not_found)
}

#[get("/genphen/countries")]
async fn countries(app: &State<App>) -> ApiResult<JsonText> {
    cached(app, "countries".into(), || app.db.countries()).await
}

#[get("/genphen/countries/<code>")]
async fn country(app: &State<App>, code: &str) -> ApiResult<Json<Country>> {
    app.db
        .country(code)
        .await?
        .map(Json)
        .ok_or_else(ApiError::not_found)
}
