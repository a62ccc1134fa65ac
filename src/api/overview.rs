//! `/api/v1/overview/…`: genes, gene search and its history. Public.

use std::collections::BTreeMap;

use rocket::serde::json::Json;
use rocket::{get, routes, Route, State};
use serde::Serialize;
use time::OffsetDateTime;

use super::error::{ApiError, ApiResult};
use super::pages::{envelope, page_request, resolve, BaseUrl};
use super::query::Query;
use crate::app::App;
use crate::db::repo::{GeneStore, HistoryOrder};
use crate::domain::catalogue::{search_terms, Gene, GeneSearch};
use crate::domain::pagination::Paginated;

pub fn routes() -> Vec<Route> {
    routes![
        genes,
        gene,
        genome_context,
        search_history,
        search_history_recently
    ]
}

/// How many history rows the two history lists show.
const HISTORY_LENGTH: u64 = 10;

/// The search terms of the query; when they match exactly one gene, that gene's search
/// counter goes up (the original does this before paginating, and on detail too).
async fn searched(app: &App, query: &Query) -> ApiResult<(Vec<String>, u64)> {
    let terms = search_terms(query.get("search").unwrap_or(""));
    let (count, first) = app.db.count_genes(&terms).await?;
    if let (1, Some(id)) = (count, first) {
        app.db
            .record_gene_search(id, OffsetDateTime::now_utc())
            .await?;
    }
    Ok((terms, count))
}

#[get("/overview/genes")]
async fn genes(app: &State<App>, query: Query, base: BaseUrl) -> ApiResult<Json<Paginated<Gene>>> {
    let (terms, count) = searched(app, &query).await?;
    let page = resolve(page_request(&query)?, count)?;
    let results = app.db.genes(&terms, page.offset(), page.size).await?;
    Ok(Json(envelope(
        page,
        &base,
        "/api/v1/overview/genes/",
        &query,
        results,
    )))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GeneDetail {
    genes_overview: Gene,
    /// `{gene name (or "null"): [drug names]}`, the original's legacy shape.
    genes: BTreeMap<String, Vec<String>>,
}

#[get("/overview/genes/<id>")]
async fn gene(app: &State<App>, id: &str, query: Query) -> ApiResult<Json<GeneDetail>> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let (terms, _) = searched(app, &query).await?;
    let gene = app
        .db
        .gene(id, &terms)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let drugs = app.db.gene_drug_names(id).await?;
    let key = gene.gene_name.clone().unwrap_or_else(|| "null".into());
    Ok(Json(GeneDetail {
        genes_overview: gene,
        genes: BTreeMap::from([(key, drugs)]),
    }))
}

#[derive(Serialize)]
#[serde(untagged)]
enum GenomeContext {
    Genes(Vec<Gene>),
    Missing { detail: &'static str },
}

#[get("/overview/genes/genome-context")]
async fn genome_context(app: &State<App>, query: Query) -> ApiResult<Json<GenomeContext>> {
    let (Some(start), Some(end)) = (query.value("start_pos"), query.value("end_pos")) else {
        return Ok(Json(GenomeContext::Missing {
            detail: "Please add genome positions.",
        }));
    };
    let position = |key: &str, value: &str| {
        value
            .trim()
            .parse::<i64>()
            .map_err(|_| ApiError::invalid(key, "invalid", "A valid integer is required."))
    };
    let (start, end) = (position("start_pos", start)?, position("end_pos", end)?);
    Ok(Json(GenomeContext::Genes(
        app.db.genes_in_region(start, end).await?,
    )))
}

#[get("/overview/gene-search-history")]
async fn search_history(app: &State<App>) -> ApiResult<Json<Vec<GeneSearch>>> {
    Ok(Json(
        app.db
            .gene_search_history(HistoryOrder::MostSearched, HISTORY_LENGTH)
            .await?,
    ))
}

#[get("/overview/gene-search-history/recently")]
async fn search_history_recently(app: &State<App>) -> ApiResult<Json<Vec<GeneSearch>>> {
    Ok(Json(
        app.db
            .gene_search_history(HistoryOrder::MostRecent, HISTORY_LENGTH)
            .await?,
    ))
}
