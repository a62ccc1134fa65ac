//! `/api/v1/overview/…`: genes, gene search and its history, resistance statistics, the
//! variant table and its export, gene–drug associations. Public.

use std::collections::BTreeMap;
use std::sync::Arc;

use rocket::http::ContentType;
use rocket::serde::json::Json;
use rocket::{get, routes, Route, State};
use serde::Serialize;
use time::OffsetDateTime;

use super::cached::{cached, request_key, JsonText};
use super::downloads::Attachment;
use super::error::{ApiError, ApiResult};
use super::genphen::existing_drug;
use super::pages::{envelope, page_request, pluggable, resolve, BaseUrl};
use super::query::Query;
use crate::app::App;
use crate::db::repo::{GeneStore, HistoryOrder, ResistanceQuery, StatsStore};
use crate::domain::catalogue::{gene_matches, search_terms, Gene, GeneSearch};
use crate::domain::csv::push_record;
use crate::domain::pagination::Paginated;
use crate::domain::stats::{
    CountryResistance, DrugResistance, GlobalSamples, ResistanceType, YearWindow,
};
use crate::domain::variants::{GeneAssociation, VariantFilter, VARIANT_CSV_HEADER};

pub fn routes() -> Vec<Route> {
    routes![
        genes,
        gene,
        genome_context,
        search_history,
        search_history_recently,
        global_drugs,
        global_drugs_map,
        global_samples,
        gene_associations,
        gene_association,
        drug_gene_infos,
        drug_gene_infos_export,
    ]
}

/// How many history rows the two history lists show.
const HISTORY_LENGTH: u64 = 10;

/// The gene list, from memory while no write has happened since it was read.
async fn gene_list(app: &App) -> ApiResult<Arc<Vec<Gene>>> {
    let generation = app.db.write_generation();
    if let Some(genes) = app.genes.get(generation) {
        return Ok(genes);
    }
    let genes = Arc::new(app.db.all_genes().await?);
    app.genes.put(generation, genes.clone());
    Ok(genes)
}

/// The genes matching the query's search terms; when exactly one matches, its search counter
/// goes up (the original does this before paginating, and on detail too).
async fn searched(app: &App, query: &Query) -> ApiResult<Vec<Gene>> {
    let terms = search_terms(query.get("search").unwrap_or(""));
    let genes = gene_list(app).await?;
    let hits: Vec<Gene> = genes
        .iter()
        .filter(|g| gene_matches(g, &terms))
        .cloned()
        .collect();
    if let [only] = hits.as_slice() {
        app.db
            .record_gene_search(only.gene_db_crossref_id, OffsetDateTime::now_utc())
            .await?;
    }
    Ok(hits)
}

#[get("/overview/genes")]
async fn genes(app: &State<App>, query: Query, base: BaseUrl) -> ApiResult<Json<Paginated<Gene>>> {
    let hits = searched(app, &query).await?;
    let page = resolve(page_request(&query)?, hits.len() as u64)?;
    let results: Vec<Gene> = hits
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.size as usize)
        .collect();
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
    let gene = searched(app, &query)
        .await?
        .into_iter()
        .find(|g| g.gene_db_crossref_id == id)
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

/// The filters of both resistance-statistics endpoints: `drug` (an existing drug id),
/// `resistanceType` (`Pheno` or `Geno`), repeated `countryId`/`countryID`, `yearGte`/`yearLte`.
async fn resistance_query(app: &App, query: &Query) -> ApiResult<ResistanceQuery> {
    Ok(ResistanceQuery {
        drug: existing_drug(app, query, "drug").await?,
        resistance_type: query
            .value("resistance_type")
            .map(ResistanceType::parse)
            .transpose()?,
        countries: query
            .all("country_id")
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect(),
        years: YearWindow::parse(query.value("year_gte"), query.value("year_lte"))?,
    })
}

#[get("/overview/global-drugs")]
async fn global_drugs(app: &State<App>, query: Query) -> ApiResult<Json<Vec<DrugResistance>>> {
    let filter = resistance_query(app, &query).await?;
    let rows = app.db.resistance_by_drug(&filter).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(drug, counts)| DrugResistance {
                drug,
                numbers: counts.into(),
            })
            .collect(),
    ))
}

#[get("/overview/global-drugs/map")]
async fn global_drugs_map(
    app: &State<App>,
    query: Query,
) -> ApiResult<Json<Vec<CountryResistance>>> {
    let filter = resistance_query(app, &query).await?;
    let rows = app.db.resistance_by_country(&filter).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(country_id, counts)| CountryResistance {
                country_id,
                numbers: counts.into(),
            })
            .collect(),
    ))
}

/// Zeros before the first summary refresh (the original answered 500).
#[get("/overview/global-samples")]
async fn global_samples(app: &State<App>) -> ApiResult<Json<GlobalSamples>> {
    let stats = app.db.global_resistance().await?.unwrap_or_default();
    Ok(Json(stats.into()))
}

#[get("/overview/gene-associations")]
async fn gene_associations(
    app: &State<App>,
    query: Query,
) -> ApiResult<Json<Vec<GeneAssociation>>> {
    let drug = existing_drug(app, &query, "drug").await?;
    Ok(Json(app.db.gene_associations(drug, None).await?))
}

/// By gene cross-reference id; 404 when the gene has no association.
#[get("/overview/gene-associations/<id>")]
async fn gene_association(app: &State<App>, id: &str) -> ApiResult<Json<GeneAssociation>> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    app.db
        .gene_associations(None, Some(id))
        .await?
        .into_iter()
        .next()
        .map(Json)
        .ok_or_else(ApiError::not_found)
}

#[get("/overview/drug-gene-infos")]
async fn drug_gene_infos(app: &State<App>, query: Query, base: BaseUrl) -> ApiResult<JsonText> {
    let filter = VariantFilter::parse(|k| query.value(k))?;
    let filter = &filter;
    // The summary tables change only with a refresh (a write), so answers are cached.
    let key = request_key("/overview/drug-gene-infos", &base.0, query.raw());
    cached(app, key, || async {
        pluggable(
            &query,
            &base,
            "/api/v1/overview/drug-gene-infos/",
            || app.db.count_variant_stats(filter),
            |page| app.db.variant_stats(filter, page),
        )
        .await
    })
    .await
}

/// The rows of `drug-gene-infos` for the same filters and order, as a comma-separated file
/// whose header is the JSON keys (never paginated).
#[get("/overview/drug-gene-infos/export")]
async fn drug_gene_infos_export(
    app: &State<App>,
    query: Query,
) -> ApiResult<Attachment<(ContentType, String)>> {
    let filter = VariantFilter::parse(|k| query.value(k))?;
    let rows = app.db.variant_stats(&filter, None).await?;
    let mut out = String::new();
    push_record(&mut out, &VARIANT_CSV_HEADER, ',');
    for row in rows {
        push_record(&mut out, &row.csv_fields(), ',');
    }
    Ok(Attachment {
        filename: "drug-gene-infos.csv".into(),
        inner: (
            ContentType::new("text", "csv").with_params(("charset", "utf-8")),
            out,
        ),
    })
}
