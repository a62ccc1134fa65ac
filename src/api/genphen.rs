//! `/api/v1/genphen/…`: the catalogue's reference data. Public; no pagination.

use rocket::serde::json::Json;
use rocket::{get, routes, Route, State};

use super::cached::{cached, JsonText};
use super::error::{ApiError, ApiResult};
use super::query::Query;
use crate::app::App;
use crate::db::repo::CatalogueStore;
use crate::domain::catalogue::{Country, Drug};
use crate::domain::filters::{integer, model_id, FilterError};
use crate::domain::variants::GeneDrugAssociation;

pub fn routes() -> Vec<Route> {
    routes![drugs, drug, countries, country, gene_drug_associations]
}

/// A drug filter (`drug`, `drugId`): the id of an existing drug, else the original's 400
/// "Select a valid choice"; `None` when absent or empty.
pub(crate) async fn existing_drug(app: &App, query: &Query, key: &str) -> ApiResult<Option<i64>> {
    let Some(value) = query.value(key) else {
        return Ok(None);
    };
    let id = model_id(key, value)?;
    match app.db.drug(id, None).await? {
        Some(_) => Ok(Some(id)),
        None => Err(FilterError::invalid_model_choice(key).into()),
    }
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

/// Filters: `drugId` (an existing drug), `tier` (an integer). Ordered by tier, then gene.
#[get("/genphen/gene-drug-resistance-associations")]
async fn gene_drug_associations(
    app: &State<App>,
    query: Query,
) -> ApiResult<Json<Vec<GeneDrugAssociation>>> {
    let drug = existing_drug(app, &query, "drug_id").await?;
    let tier = query
        .value("tier")
        .map(|v| integer("tier", v))
        .transpose()?;
    Ok(Json(app.db.gene_drug_associations(drug, tier).await?))
}
