//! Loading data and refreshing the statistics over HTTP, for staff users and API tokens
//! (pipelines): `POST /api/v1/imports/<kind>` with the file as the request body, and
//! `POST /api/v1/summaries/refresh`. The same import engine as `tbseq import`.

use rocket::data::{Data, ToByteUnit};
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{post, routes, Route, State};
use serde::Serialize;

use super::auth::StaffUser;
use super::error::{ApiError, ApiResult, ErrorItem};
use super::query::Query;
use crate::app::App;
use crate::db::repo::{RefreshOptions, RefreshReport, SummaryStore};
use crate::db::DbError;
use crate::import::{import_file, ImportError, Kind, Options, Report};
use crate::metrics::Handled;
use crate::storage::RemoveOnDrop;

pub fn routes() -> Vec<Route> {
    routes![import, refresh]
}

fn kind(name: &str) -> Option<Kind> {
    Some(match name {
        "phenotypes" => Kind::Phenotypes,
        "genotypes" => Kind::Genotypes,
        "associations" => Kind::Associations,
        "grades" => Kind::Grades,
        "genotype-resistance" => Kind::GenotypeResistance,
        _ => return None,
    })
}

/// A file name safe to create: letters, digits, `.`, `_`, `-` only, no folders. The name
/// matters: catalogue files carry their drug and tier in it.
fn safe_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect();
    (!clean.is_empty() && !clean.starts_with('.') && clean.len() <= 200).then_some(clean)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Imported {
    file: String,
    rows: u64,
    written: std::collections::BTreeMap<&'static str, u64>,
    warnings: Vec<String>,
    refresh_seconds: f64,
}

/// A 400 listing every rejected row.
fn rejected(errors: Vec<ErrorItem>) -> ApiError {
    let mut e = ApiError::new(Status::BadRequest, "invalid", "");
    e.errors = errors;
    e
}

/// `POST /api/v1/imports/<kind>?filename=Isoniazid.csv.gz[&source=…][&drug=…][&gradeVersion=…]`
/// with the file (CSV, plain or gzip) as the body. All or nothing; the summaries are
/// refreshed after a successful import.
#[post("/imports/<kind_name>", data = "<body>")]
async fn import(
    app: &State<App>,
    _staff: StaffUser,
    kind_name: &str,
    query: Query,
    body: Data<'_>,
) -> ApiResult<Json<Imported>> {
    let kind = kind(kind_name).ok_or_else(ApiError::not_found)?;
    let name = match query.value("filename") {
        None => format!("{kind_name}.csv"),
        Some(n) => safe_name(n).ok_or_else(|| {
            ApiError::invalid(
                "filename",
                "invalid",
                "The file name may hold letters, digits, '.', '_' and '-' only.",
            )
        })?,
    };
    let grade_version = match query.value("grade_version") {
        None => 2,
        Some(v) => v.parse().map_err(|_| {
            ApiError::invalid("grade_version", "invalid", "A valid integer is required.")
        })?,
    };
    let options = Options {
        source: query.value("source").map(str::to_string),
        drug: query.value("drug").map(str::to_string),
        grade_version,
        progress: false,
    };
    // Each upload gets a folder of its own, so that the file keeps its name.
    let dir = app
        .config
        .data_dir
        .join("tmp")
        .join(hex::encode(rand::random::<[u8; 12]>()));
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|_| ApiError::internal())?;
    // Removed however the request ends, even when shutdown cuts it off mid-import.
    let cleanup = RemoveOnDrop(dir.clone());
    let path = dir.join(&name);
    let written = body
        .open(app.config.import_max_bytes.bytes())
        .into_file(&path)
        .await;
    let complete = match &written {
        Ok(f) => f.is_complete(),
        // The client went away, or shutdown's grace period ended, before the body did.
        Err(e) => {
            tracing::warn!(error = %e, "import body not received in full");
            return Err(ApiError::new(
                Status::BadRequest,
                "incomplete",
                "The file was not received in full.",
            ));
        }
    };
    let result = if complete {
        Some(import_file(&app.db, kind, &path, &options).await)
    } else {
        None
    };
    drop(cleanup);
    let report: Report = match result {
        None => {
            return Err(ApiError::new(
                Status::PayloadTooLarge,
                "too_large",
                format!(
                    "The file is larger than {} bytes (import_max_bytes).",
                    app.config.import_max_bytes
                ),
            ))
        }
        Some(Ok(report)) => report,
        Some(Err(ImportError::Rejected { errors, more, .. })) => {
            app.metrics.import(kind_name, Handled::Refused, 0);
            let mut items: Vec<ErrorItem> = errors
                .iter()
                .map(|e| ErrorItem {
                    code: "invalid".into(),
                    detail: format!("{name}:{e}"),
                    attr: Some("file".into()),
                })
                .collect();
            if more > 0 {
                items.push(ErrorItem {
                    code: "invalid".into(),
                    detail: format!("… and {more} more"),
                    attr: Some("file".into()),
                });
            }
            return Err(rejected(items));
        }
        Some(Err(ImportError::Unreadable { reason, .. })) => {
            app.metrics.import(kind_name, Handled::Refused, 0);
            return Err(ApiError::invalid(
                "file",
                "invalid",
                format!("{name}: {reason}"),
            ));
        }
        Some(Err(ImportError::Db(e))) => return Err(e.into()),
    };
    app.metrics
        .import(kind_name, Handled::Accepted, report.written.values().sum());
    let refreshed = refresh_summaries(app).await?;
    Ok(Json(Imported {
        file: name,
        rows: report.rows,
        written: report.written,
        warnings: report.warnings,
        refresh_seconds: refreshed.duration.as_secs_f64(),
    }))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Refreshed {
    tables: Vec<RefreshedTable>,
    seconds: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RefreshedTable {
    table: String,
    rows: u64,
    seconds: f64,
}

/// Rebuilds the summary tables and records how long that took.
pub(crate) async fn refresh_summaries(app: &App) -> Result<RefreshReport, DbError> {
    let report = app
        .db
        .refresh_summaries(&RefreshOptions::from(&*app.config))
        .await?;
    app.metrics.summary_refresh(report.duration);
    Ok(report)
}

/// `POST /api/v1/summaries/refresh`: rebuild the summary tables now (staff).
#[post("/summaries/refresh")]
async fn refresh(app: &State<App>, _staff: StaffUser) -> ApiResult<Json<Refreshed>> {
    let report = refresh_summaries(app).await?;
    Ok(Json(Refreshed {
        tables: report
            .tables
            .iter()
            .map(|t| RefreshedTable {
                table: t.table.to_string(),
                rows: t.rows,
                seconds: t.duration.as_secs_f64(),
            })
            .collect(),
        seconds: report.duration.as_secs_f64(),
    }))
}
