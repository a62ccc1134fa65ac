//! `/api/v1/submission/…` routes that are public: the predicted resistance of public samples
//! (the biosample search page).

use rocket::serde::json::Json;
use rocket::{get, routes, Route, State};

use super::error::ApiResult;
use super::pages::{pluggable, BaseUrl, Listing};
use super::query::Query;
use crate::app::App;
use crate::db::repo::GenotypeResistanceStore;
use crate::domain::filters::FilterError;
use crate::domain::genotype::{GenotypeResistance, GenotypeResistanceFilter};

pub fn routes() -> Vec<Route> {
    routes![genotype_resistance]
}

/// Filters `sampleAliasesName`, `drug` (list), `variant`, `sample` (an existing sample),
/// `version` (any value: every version; otherwise the latest). Paginated only with
/// `paginated`.
#[get("/submission/genotype-resistance")]
async fn genotype_resistance(
    app: &State<App>,
    query: Query,
    base: BaseUrl,
) -> ApiResult<Json<Listing<GenotypeResistance>>> {
    let filter = GenotypeResistanceFilter::parse(|k| query.value(k))?;
    if let Some(sample) = filter.sample {
        if !app.db.sample_exists(sample).await? {
            return Err(FilterError::invalid_model_choice("sample").into());
        }
    }
    let version = app.db.genotype_resistance_version(&filter).await?;
    let listing = pluggable(
        &query,
        &base,
        "/api/v1/submission/genotype-resistance/",
        || app.db.count_genotype_resistance(&filter, version),
        |page| app.db.genotype_resistance(&filter, version, page),
    )
    .await?;
    Ok(Json(listing))
}
