//! Export and import pages of every resource: `export/csv` and `export/xlsx` of the current
//! list (its search, filters and order, all pages, fetched in batches), and for the
//! resources the original imports, upload → preview → confirm. The preview writes nothing;
//! the confirmation plans again and applies all or nothing.

use rocket::form::{Errors, Form};
use rocket::fs::TempFile;
use rocket::futures::Stream;
use rocket::http::{ContentType, Status};
use rocket::response::stream::ByteStream;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, FromForm, State};
use rocket_dyn_templates::Template;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::pin::Pin;
use tokio::io::AsyncReadExt;

use super::guard::{AdminForm, QueryPairs, Staff};
use super::pending::{self, Pending};
use super::resources::{actor, may_change, resource};
use super::shell::{render, AdminError, AdminResult, CSRF_FAILED};
use crate::api::downloads::Attachment;
use crate::app::App;
use crate::db::repo::admin_transfer::Applied;
use crate::db::repo::TransferStore;
use crate::db::Db;
use crate::domain::admin::listing;
use crate::domain::admin::resource::{Kind, Resource};
use crate::domain::admin::scalar::Scalar;
use crate::domain::admin::transfer::{
    export_columns, export_text, parse_rows, read_upload, spec_for, Action, Candidate,
    ExportColumn, ImportSpec, Plan,
};
use crate::domain::identity::same_secret;

/// Rows fetched per query of an export.
const BATCH: u64 = 2000;
/// Rows of each kind a preview lists (the counts are always complete).
const PREVIEW_ROWS: usize = 200;

/// The CSV body: a boxed stream, so that the handler's type names no borrowed lifetime.
type CsvStream = ByteStream<Pin<Box<dyn Stream<Item = Vec<u8>> + Send>>>;

fn file_name(r: &Resource, extension: &str) -> Cow<'static, str> {
    let today = time::OffsetDateTime::now_utc().date();
    format!("{}-{today}.{extension}", r.slug).into()
}

fn csv_line(cells: impl IntoIterator<Item = String>) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = writer.write_record(cells);
    writer.into_inner().unwrap_or_default()
}

/// The CSV export, streamed: one batch of rows in memory at a time.
fn csv_stream(
    db: Db,
    r: &'static Resource,
    query: listing::ListQuery,
    columns: Vec<ExportColumn>,
) -> CsvStream {
    let stream = ByteStream! {
        yield csv_line(columns.iter().map(|c| c.header.to_string()));
        let mut offset = 0;
        loop {
            let rows = match db.export_batch(r, &query, &columns, offset, BATCH).await {
                Ok(rows) => rows,
                Err(e) => {
                    // The status is sent already: end the file short, and say why in the log.
                    tracing::error!("export of {} stopped: {e}", r.slug);
                    break;
                }
            };
            let mut chunk = Vec::new();
            for row in &rows {
                chunk.extend(csv_line(columns.iter().zip(row).map(|(c, v)| export_text(c.kind, v))));
            }
            yield chunk;
            if (rows.len() as u64) < BATCH {
                break;
            }
            offset += BATCH;
        }
    };
    ByteStream(Box::pin(stream.0))
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> AdminError {
    tracing::error!("cannot write an export workbook: {e}");
    AdminError::new(
        Status::InternalServerError,
        "The workbook could not be written.",
    )
}

/// The XLSX export: rows go to the sheet batch by batch in rust_xlsxwriter's constant
/// memory mode (spilled to a temporary file), then the zipped workbook is sent.
async fn xlsx(
    app: &App,
    r: &'static Resource,
    query: &listing::ListQuery,
    columns: &[ExportColumn],
) -> AdminResult<Vec<u8>> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let tmp = app.config.data_dir.join("tmp");
    if tokio::fs::create_dir_all(&tmp).await.is_ok() {
        workbook.set_tempdir(&tmp).map_err(xlsx_error)?;
    }
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(xlsx_error)?;
    for (col, c) in columns.iter().enumerate() {
        sheet
            .write_string(0, col as u16, c.header)
            .map_err(xlsx_error)?;
    }
    let mut offset = 0;
    loop {
        let rows = app
            .db
            .export_batch(r, query, columns, offset, BATCH)
            .await?;
        for (i, row) in rows.iter().enumerate() {
            let at = (offset + i as u64 + 1) as u32;
            for (col, (c, v)) in columns.iter().zip(row).enumerate() {
                let col = col as u16;
                match (c.kind, v) {
                    (_, Scalar::Null) => continue,
                    (Kind::Int | Kind::Float, Scalar::Int(n)) => {
                        sheet.write_number(at, col, *n as f64)
                    }
                    (Kind::Int | Kind::Float, Scalar::Float(x)) => sheet.write_number(at, col, *x),
                    _ => sheet.write_string(at, col, export_text(c.kind, v)),
                }
                .map_err(xlsx_error)?;
            }
        }
        if (rows.len() as u64) < BATCH {
            break;
        }
        offset += BATCH;
    }
    workbook.save_to_buffer().map_err(xlsx_error)
}

#[get("/admin/<app_label>/<model>/export/<format>", rank = 4)]
pub async fn export(
    app: &State<App>,
    _staff: Staff,
    app_label: &str,
    model: &str,
    format: &str,
    params: QueryPairs,
) -> AdminResult<
    rocket::Either<Attachment<(ContentType, CsvStream)>, Attachment<(ContentType, Vec<u8>)>>,
> {
    let r = resource(app_label, model)?;
    let query = listing::parse(r, &params.0);
    let columns = export_columns(r);
    match format {
        "csv" => Ok(rocket::Either::Left(Attachment {
            filename: file_name(r, "csv"),
            inner: (
                ContentType::new("text", "csv").with_params(("charset", "utf-8")),
                csv_stream(app.db.clone(), r, query, columns),
            ),
        })),
        "xlsx" => Ok(rocket::Either::Right(Attachment {
            filename: file_name(r, "xlsx"),
            inner: (
                ContentType::new(
                    "application",
                    "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                xlsx(app, r, &query, &columns).await?,
            ),
        })),
        _ => Err(AdminError::new(
            Status::NotFound,
            "Exports are CSV or XLSX.",
        )),
    }
}

fn importable(
    app_label: &str,
    model: &str,
) -> AdminResult<(&'static Resource, &'static ImportSpec)> {
    let r = resource(app_label, model)?;
    let spec = spec_for(r.slug)
        .ok_or_else(|| AdminError::new(Status::NotFound, "This list has no import."))?;
    Ok((r, spec))
}

/// The import page: the upload form, and after an upload its preview (`plan`) or why the
/// file was refused (`error`).
fn import_page(staff: &Staff, r: &'static Resource, spec: &ImportSpec, page: Value) -> Template {
    let headers: Vec<&str> = spec.columns.iter().map(|c| c.header()).collect();
    let mut context = json!({
        "list_href": r.path(),
        "action": format!("{}import/", r.path()),
        "confirm_action": format!("{}import/confirm/", r.path()),
        "headers": headers,
        "package": spec.package,
    });
    if let (Value::Object(context), Value::Object(extra)) = (&mut context, page) {
        context.extend(extra);
    }
    render(
        staff,
        "admin/import.html",
        &format!("Import {}", r.plural.to_lowercase()),
        Some(r.slug),
        context,
    )
}

fn refused(
    staff: &Staff,
    r: &'static Resource,
    spec: &ImportSpec,
    status: Status,
    message: &str,
) -> (Status, Template) {
    (
        status,
        import_page(staff, r, spec, json!({"error": message})),
    )
}

/// The preview's view of a plan.
fn preview(plan: &Plan, filename: &str, token: Option<&str>) -> Value {
    let rows = |action: bool| -> Vec<Value> {
        plan.planned
            .iter()
            .filter(|p| (p.action == Action::Create) == action)
            .take(PREVIEW_ROWS)
            .map(|p| json!({"line": p.line, "cells": p.texts}))
            .collect()
    };
    let rejected: Vec<Value> = plan
        .rejected
        .iter()
        .take(PREVIEW_ROWS * 5)
        .map(|r| json!({"line": r.line, "cells": r.texts, "reason": r.reason}))
        .collect();
    json!({
        "filename": filename,
        "created": plan.count(true),
        "updated": plan.count(false),
        "rejected": plan.rejected.len(),
        "created_rows": rows(true),
        "updated_rows": rows(false),
        "rejected_rows": rejected,
        "more_rejected": plan.rejected.len().saturating_sub(PREVIEW_ROWS * 5),
        "token": token,
    })
}

#[get("/admin/<app_label>/<model>/import", rank = 4)]
pub async fn import_form(staff: Staff, app_label: &str, model: &str) -> AdminResult<Template> {
    let (r, spec) = importable(app_label, model)?;
    may_change(&staff, r)?;
    Ok(import_page(&staff, r, spec, json!({})))
}

/// The multipart upload.
#[derive(FromForm)]
pub struct Upload<'r> {
    csrfmiddlewaretoken: String,
    file: Option<TempFile<'r>>,
}

async fn bytes_of(file: &TempFile<'_>) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(file.len() as usize);
    file.open().await?.read_to_end(&mut bytes).await?;
    Ok(bytes)
}

/// Candidates of a stored or uploaded table, or the page saying why the file is refused.
type Parsed = Result<Vec<Candidate>, (Status, Template)>;

#[post("/admin/<app_label>/<model>/import", data = "<form>", rank = 4)]
pub async fn upload(
    app: &State<App>,
    staff: Staff,
    app_label: &str,
    model: &str,
    form: Result<Form<Upload<'_>>, Errors<'_>>,
) -> AdminResult<(Status, Template)> {
    let (r, spec) = importable(app_label, model)?;
    may_change(&staff, r)?;
    let form = match form {
        Ok(form) => form.into_inner(),
        Err(errors) => {
            // Without a readable form there is no token to check: refuse as forged.
            if !crate::api::body::over_limit(&errors) {
                return Err(AdminError::new(Status::Forbidden, CSRF_FAILED));
            }
            let message = format!(
                "The file is larger than {} MiB.",
                app.config.workbook_max_bytes >> 20
            );
            return Ok(refused(&staff, r, spec, Status::PayloadTooLarge, &message));
        }
    };
    if !same_secret(&form.csrfmiddlewaretoken, &staff.csrf) {
        return Err(AdminError::new(Status::Forbidden, CSRF_FAILED));
    }
    let Some(file) = form.file.filter(|f| f.len() > 0) else {
        return Ok(refused(
            &staff,
            r,
            spec,
            Status::BadRequest,
            "Choose a CSV or XLSX file to import.",
        ));
    };
    let filename = file
        .raw_name()
        .map(|n| n.dangerous_unsafe_unsanitized_raw().as_str().to_string())
        .unwrap_or_else(|| "upload".into());
    let bytes = bytes_of(&file).await.map_err(|e| {
        tracing::error!("cannot read an admin import upload: {e}");
        AdminError::new(Status::InternalServerError, "The upload could not be read.")
    })?;
    // Parsing a large workbook is CPU work: off the async workers.
    let table = tokio::task::spawn_blocking(move || read_upload(&bytes))
        .await
        .map_err(|_| {
            AdminError::new(Status::InternalServerError, "The upload could not be read.")
        })?;
    let table = match table {
        Ok(table) => table,
        Err(e) => return Ok(refused(&staff, r, spec, Status::BadRequest, &e.0)),
    };
    let candidates: Parsed =
        parse_rows(spec, &table).map_err(|e| refused(&staff, r, spec, Status::BadRequest, &e.0));
    let candidates = match candidates {
        Ok(c) => c,
        Err(page) => return Ok(page),
    };
    let plan = app.db.import_plan(spec, candidates).await?;
    let token = if plan.rejected.is_empty() && !plan.planned.is_empty() {
        let pending = Pending {
            model: format!("{}.{}", r.app, r.slug),
            user_id: staff.user.id,
            filename: filename.clone(),
            created: time::OffsetDateTime::now_utc().unix_timestamp(),
            table,
        };
        Some(
            pending::save(&app.config.data_dir, &pending)
                .await
                .map_err(|e| {
                    tracing::error!("cannot keep an admin import for confirmation: {e}");
                    AdminError::new(Status::InternalServerError, "The upload could not be kept.")
                })?,
        )
    } else {
        None
    };
    let view = preview(&plan, &filename, token.as_deref());
    Ok((Status::Ok, import_page(&staff, r, spec, view)))
}

#[post("/admin/<app_label>/<model>/import/confirm", data = "<form>", rank = 4)]
pub async fn confirm(
    app: &State<App>,
    staff: Staff,
    app_label: &str,
    model: &str,
    form: AdminForm,
) -> AdminResult<rocket::Either<Flash<Redirect>, (Status, Template)>> {
    let (r, spec) = importable(app_label, model)?;
    may_change(&staff, r)?;
    let token = form.0.get("token").map_or("", String::as_str);
    let pending = pending::load(&app.config.data_dir, token)
        .await
        .filter(|p| p.user_id == staff.user.id && p.model == format!("{}.{}", r.app, r.slug));
    let Some(pending) = pending else {
        let message = "This preview has expired or is unknown; upload the file again.";
        return Ok(rocket::Either::Right(refused(
            &staff,
            r,
            spec,
            Status::BadRequest,
            message,
        )));
    };
    let candidates = match parse_rows(spec, &pending.table) {
        Ok(c) => c,
        Err(e) => {
            return Ok(rocket::Either::Right(refused(
                &staff,
                r,
                spec,
                Status::BadRequest,
                &e.0,
            )))
        }
    };
    let outcome = app
        .db
        .import_apply(spec, candidates, actor(&staff), &pending.filename)
        .await?;
    match outcome {
        Ok(Applied {
            created, updated, ..
        }) => {
            pending::remove(&app.config.data_dir, token).await;
            // The import is committed; a failed refresh is retried by the next one.
            if let Err(e) = crate::api::imports::refresh_summaries(app).await {
                tracing::error!("summary refresh after an admin import failed: {e}");
            }
            let message = format!(
                "Imported {}: {created} created, {updated} updated.",
                pending.filename
            );
            Ok(rocket::Either::Left(Flash::success(
                Redirect::to(r.path()),
                message,
            )))
        }
        // The data changed since the preview: show what is wrong now; nothing was written.
        Err(plan) => {
            let mut view = preview(&plan, &pending.filename, None);
            view["error"] =
                "Nothing was imported: rows are rejected now (the data changed since the preview)."
                    .into();
            Ok(rocket::Either::Right((
                Status::Conflict,
                import_page(&staff, r, spec, view),
            )))
        }
    }
}
