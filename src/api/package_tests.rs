//! `POST …/mic-tests/` and `…/pds-tests/`: drug-susceptibility results uploaded as Excel
//! workbooks (multipart field `file`), imported all or nothing; and `…/clear/` for each.

use rocket::form::{Errors, Form};
use rocket::fs::TempFile;
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::tokio::io::AsyncReadExt;
use rocket::{post, routes, FromForm, Route, State};
use serde_json::{json, Value};

use super::auth::CurrentUser;
use super::error::{ApiError, ApiResult};
use super::package_items::{editable_parent, edited};
use super::packages::current;
use super::pages::BaseUrl;
use crate::app::App;
use crate::db::repo::{NewAttachment, PackageItemStore, TestKind, WorkbookStore};
use crate::domain::fields::REQUIRED;
use crate::domain::identity::User;
use crate::domain::workbook::{self, Kind, Limits, WorkbookError};
use crate::metrics::Handled;

pub fn routes() -> Vec<Route> {
    routes![
        mic,
        pds,
        clear_mic,
        clear_pds,
        mic_without_form,
        pds_without_form
    ]
}

/// The multipart form; other fields the frontend sends (`type`, `pk`) are ignored.
#[derive(FromForm)]
pub struct Upload<'r> {
    file: Option<TempFile<'r>>,
}

fn file_error(message: impl Into<String>) -> ApiError {
    ApiError::invalid("file", "invalid", message)
}

fn workbook_error(e: WorkbookError) -> ApiError {
    match e.attr {
        Some(attr) => ApiError::invalid(attr, "invalid", e.message),
        None => ApiError::new(Status::BadRequest, "invalid", e.message),
    }
}

/// The stored name of an uploaded file: a random id and everything after the first dot of
/// the uploaded name (as the original), reduced to safe characters.
pub fn stored_name(uploaded: &str) -> String {
    let id = hex::encode(rand::random::<[u8; 16]>());
    let rest = uploaded.split_once('.').map_or(uploaded, |(_, rest)| rest);
    let rest: String = rest
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
        .take(64)
        .collect();
    if rest.is_empty() {
        id
    } else {
        format!("{id}.{rest}")
    }
}

async fn read_upload(
    app: &App,
    form: Result<Form<Upload<'_>>, Errors<'_>>,
) -> ApiResult<(Vec<u8>, Option<String>)> {
    let form = match form {
        Ok(form) => form.into_inner(),
        Err(errors) => {
            if super::body::over_limit(&errors) {
                return Err(ApiError::new(
                    Status::PayloadTooLarge,
                    "too_large",
                    format!(
                        "The workbook is larger than {} bytes.",
                        app.config.workbook_max_bytes
                    ),
                ));
            }
            return Err(file_error(REQUIRED));
        }
    };
    let Some(file) = form.file else {
        return Err(file_error(REQUIRED));
    };
    let name = file
        .raw_name()
        .map(|n| n.dangerous_unsafe_unsanitized_raw().as_str().to_string());
    let mut bytes = Vec::with_capacity(file.len() as usize);
    file.open()
        .await
        .map_err(|e| {
            tracing::error!("cannot read an uploaded workbook: {e}");
            ApiError::internal()
        })?
        .read_to_end(&mut bytes)
        .await
        .map_err(|_| ApiError::internal())?;
    if bytes.is_empty() {
        return Err(file_error("The submitted file is empty."));
    }
    Ok((bytes, name))
}

async fn import(
    app: &App,
    user: &User,
    base: &BaseUrl,
    pk: &str,
    kind: TestKind,
    form: Result<Form<Upload<'_>>, Errors<'_>>,
) -> ApiResult<Json<Value>> {
    let package = editable_parent(app, user, pk).await?;
    // A large sheet's memory goes back to the system once this upload is done, however it
    // ends (declared before the upload's own locals, so dropped after them).
    let _release = crate::memory::ReleaseOnDrop;
    let (bytes, original) = read_upload(app, form).await?;
    let references = app.db.workbook_references().await?;
    let sheet = match kind {
        TestKind::Mic => Kind::Mic,
        TestKind::Pds => Kind::Pds,
    };
    // Reading a workbook is CPU work: keep it off the async workers.
    let today = time::OffsetDateTime::now_utc().date();
    let (parsed, bytes) = rocket::tokio::task::spawn_blocking(move || {
        let parsed = workbook::parse(sheet, &bytes, &references, today, &Limits::default());
        (parsed, bytes)
    })
    .await
    .map_err(|_| ApiError::internal())?;
    let refused = |e: ApiError| {
        app.metrics.import(
            &kind.attachment_type().to_ascii_lowercase(),
            Handled::Refused,
            0,
        );
        e
    };
    let parsed = parsed.map_err(workbook_error).map_err(refused)?;
    let metadata = match kind {
        TestKind::Mic => json!({}),
        TestKind::Pds => json!({ "not_used_columns": parsed.not_used_columns }),
    };
    let name = stored_name(original.as_deref().unwrap_or("workbook.xlsx"));
    let size = bytes.len() as i64;
    // The file goes first, invisible until the row naming it commits; any failure after
    // this point removes it again.
    app.store
        .put_bytes(&crate::storage::attachment_key(&name), bytes)
        .await
        .map_err(|e| {
            tracing::error!("cannot store a workbook: {e}");
            ApiError::internal()
        })?;
    let attachment = NewAttachment {
        kind,
        file: name.clone(),
        original_filename: original,
        size,
        metadata,
    };
    let outcome = app
        .db
        .import_workbook(package.id, &parsed, &attachment)
        .await;
    let counts = match outcome {
        Ok(edit) => match edited(edit) {
            Ok(Ok(counts)) => counts,
            Ok(Err(e)) => {
                app.store.delete_attachments(&[name]).await;
                return Err(refused(workbook_error(e)));
            }
            Err(e) => {
                app.store.delete_attachments(&[name]).await;
                return Err(e);
            }
        },
        Err(e) => {
            app.store.delete_attachments(&[name]).await;
            return Err(e.into());
        }
    };
    app.metrics.import(
        &kind.attachment_type().to_ascii_lowercase(),
        Handled::Accepted,
        counts.tests as u64,
    );
    tracing::info!(
        package = package.id,
        kind = kind.attachment_type(),
        tests = counts.tests,
        aliases_created = counts.aliases_created,
        "workbook imported"
    );
    current(app, base, user, package.id).await
}

#[post("/submission/packages/<pk>/mic-tests", data = "<form>")]
async fn mic(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
    form: Result<Form<Upload<'_>>, Errors<'_>>,
) -> ApiResult<Json<Value>> {
    import(app, &user.0, &base, pk, TestKind::Mic, form).await
}

#[post("/submission/packages/<pk>/pds-tests", data = "<form>")]
async fn pds(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
    form: Result<Form<Upload<'_>>, Errors<'_>>,
) -> ApiResult<Json<Value>> {
    import(app, &user.0, &base, pk, TestKind::Pds, form).await
}

/// A body that is not a form (JSON, nothing) carries no file: the same 400 as a form
/// without one, after the same ownership checks.
async fn without_form(app: &App, user: &User, pk: &str) -> ApiResult<Json<Value>> {
    editable_parent(app, user, pk).await?;
    Err(file_error(REQUIRED))
}

#[post("/submission/packages/<pk>/mic-tests", rank = 2)]
async fn mic_without_form(app: &State<App>, user: CurrentUser, pk: &str) -> ApiResult<Json<Value>> {
    without_form(app, &user.0, pk).await
}

#[post("/submission/packages/<pk>/pds-tests", rank = 2)]
async fn pds_without_form(app: &State<App>, user: CurrentUser, pk: &str) -> ApiResult<Json<Value>> {
    without_form(app, &user.0, pk).await
}

async fn clear(
    app: &App,
    user: &User,
    base: &BaseUrl,
    pk: &str,
    kind: TestKind,
) -> ApiResult<Json<Value>> {
    let package = editable_parent(app, user, pk).await?;
    let files = edited(app.db.clear_tests(package.id, kind).await?)?;
    app.store.delete_attachments(&files).await;
    current(app, base, user, package.id).await
}

#[post("/submission/packages/<pk>/mic-tests/clear")]
async fn clear_mic(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
) -> ApiResult<Json<Value>> {
    clear(app, &user.0, &base, pk, TestKind::Mic).await
}

#[post("/submission/packages/<pk>/pds-tests/clear")]
async fn clear_pds(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
) -> ApiResult<Json<Value>> {
    clear(app, &user.0, &base, pk, TestKind::Pds).await
}
