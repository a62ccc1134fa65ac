//! What hangs under a package: messages, contributors, sample aliases and FASTQ links.
//!
//! Every route needs the caller to own the package (else 403 "User should own the package.",
//! the same answer for a package that does not exist, so nothing is revealed); changes also
//! need it editable, except messages, which work in any state.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{delete, get, patch, post, put, routes, Route, State};
use serde_json::{json, Value};

use super::auth::{permission_denied, CurrentUser};
use super::body::{field_errors, Body};
use super::error::{ApiError, ApiResult};
use super::files::signed_url;
use super::packages::{package_path, parse_id, NOT_EDITABLE};
use super::pages::BaseUrl;
use crate::app::App;
use crate::db::format_timestamp;
use crate::db::repo::{Edit, PackageItemStore, PackageStore};
use crate::db::DbError;
use crate::domain::identity::User;
use crate::domain::packages::{
    alias_name, contributor_input, contributors_input, message_content, Alias, Contributor,
    Message, Package, SequencingFile, SequencingLink,
};
use crate::domain::submission::Verdict;

pub fn routes() -> Vec<Route> {
    routes![
        messages,
        message,
        add_message,
        contributors,
        contributor,
        add_contributors,
        replace_contributor,
        update_contributor,
        delete_contributor,
        aliases,
        alias,
        replace_alias,
        update_alias,
        links,
        link,
        delete_link,
    ]
}

pub const NOT_OWNER: &str = "User should own the package.";

/// The original renders its ownership refusal as two errors (`detail` and `status`); the
/// frontend shows the first.
pub fn not_owner() -> ApiError {
    let mut error = permission_denied(NOT_OWNER);
    error.errors[0].attr = Some("detail".into());
    let mut status = permission_denied("403");
    status.errors[0].attr = Some("status".into());
    error.errors.push(status.errors.remove(0));
    error
}

/// The package of a nested route, owned by the caller.
pub async fn parent_package(app: &App, user: &User, pk: &str) -> ApiResult<Package> {
    let id = parse_id(pk).ok_or_else(not_owner)?;
    match app.db.package(id).await? {
        Some(p) if p.owner_id == Some(user.id) => Ok(p),
        _ => Err(not_owner()),
    }
}

/// [`parent_package`] when it may still be changed (draft or rejected).
pub async fn editable_parent(app: &App, user: &User, pk: &str) -> ApiResult<Package> {
    let package = parent_package(app, user, pk).await?;
    super::packages::require_editable(&package)?;
    Ok(package)
}

/// An editable change's outcome as an HTTP answer.
pub fn edited<T>(edit: Edit<T>) -> ApiResult<T> {
    match edit {
        Edit::Done(value) => Ok(value),
        Edit::NotEditable => Err(permission_denied(NOT_EDITABLE)),
        Edit::NotFound => Err(ApiError::not_found()),
    }
}

/// The one item a narrowed list query found.
pub fn first<T>(items: Vec<T>) -> Option<T> {
    items.into_iter().next()
}

fn item_id(text: &str) -> ApiResult<i64> {
    parse_id(text).ok_or_else(ApiError::not_found)
}

fn verdicts_json(verdicts: &[Verdict]) -> Value {
    serde_json::to_value(verdicts).unwrap_or_default()
}

// ---- messages ----------------------------------------------------------------------------

fn message_json(m: &Message) -> Value {
    json!({
        "pk": m.id,
        "sender": {
            "username": m.sender.username,
            "email": m.sender.email,
            "firstName": m.sender.first_name,
            "lastName": m.sender.last_name,
        },
        "timestamp": format_timestamp(m.timestamp),
        "content": m.content,
    })
}

#[get("/submission/packages/<pk>/messages")]
async fn messages(app: &State<App>, user: CurrentUser, pk: &str) -> ApiResult<Json<Value>> {
    let package = parent_package(app, &user.0, pk).await?;
    let list = app.db.messages(package.id, None).await?;
    Ok(Json(list.iter().map(message_json).collect()))
}

#[get("/submission/packages/<pk>/messages/<id>")]
async fn message(
    app: &State<App>,
    user: CurrentUser,
    pk: &str,
    id: &str,
) -> ApiResult<Json<Value>> {
    let package = parent_package(app, &user.0, pk).await?;
    let id = item_id(id)?;
    let found = first(app.db.messages(package.id, Some(id)).await?);
    Ok(Json(message_json(&found.ok_or_else(ApiError::not_found)?)))
}

#[post("/submission/packages/<pk>/messages", data = "<body>")]
async fn add_message(
    app: &State<App>,
    user: CurrentUser,
    pk: &str,
    body: Result<Body, ApiError>,
) -> ApiResult<(Status, Json<Value>)> {
    let package = parent_package(app, &user.0, pk).await?;
    let content = message_content(&body?.0).map_err(field_errors)?;
    let id = app.db.add_message(package.id, user.0.id, content).await?;
    app.mailer.notify_one();
    tracing::info!(package = package.id, from = %user.0.username, "new message");
    let created =
        first(app.db.messages(package.id, Some(id)).await?).ok_or_else(ApiError::internal)?;
    Ok((Status::Created, Json(message_json(&created))))
}

// ---- contributors ------------------------------------------------------------------------

fn contributor_json(base: &BaseUrl, c: &Contributor) -> Value {
    json!({
        "pk": c.id,
        "url": base.join(&format!("{}contributors/{}/", package_path(c.package_id), c.id)),
        "firstName": c.first_name,
        "lastName": c.last_name,
        "role": c.role,
    })
}

#[get("/submission/packages/<pk>/contributors")]
async fn contributors(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
) -> ApiResult<Json<Value>> {
    let package = parent_package(app, &user.0, pk).await?;
    let list = app.db.contributors(package.id, None).await?;
    Ok(Json(
        list.iter().map(|c| contributor_json(&base, c)).collect(),
    ))
}

async fn one_contributor(app: &App, package: i64, id: i64) -> ApiResult<Contributor> {
    first(app.db.contributors(package, Some(id)).await?).ok_or_else(ApiError::not_found)
}

#[get("/submission/packages/<pk>/contributors/<id>")]
async fn contributor(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
    id: &str,
) -> ApiResult<Json<Value>> {
    let package = parent_package(app, &user.0, pk).await?;
    let found = one_contributor(app, package.id, item_id(id)?).await?;
    Ok(Json(contributor_json(&base, &found)))
}

/// Bulk create: `{"contributors": [{firstName, lastName, role}, …]}`, all or none.
#[post("/submission/packages/<pk>/contributors", data = "<body>")]
async fn add_contributors(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
    body: Result<Body, ApiError>,
) -> ApiResult<(Status, Json<Value>)> {
    let package = editable_parent(app, &user.0, pk).await?;
    let items = contributors_input(&body?.0).map_err(field_errors)?;
    let ids = edited(app.db.add_contributors(package.id, &items).await?)?;
    let all = app.db.contributors(package.id, None).await?;
    let created: Vec<Value> = ids
        .iter()
        .filter_map(|id| all.iter().find(|c| c.id == *id))
        .map(|c| contributor_json(&base, c))
        .collect();
    Ok((Status::Created, Json(json!({ "contributors": created }))))
}

async fn edit_contributor(
    app: &App,
    user: &User,
    base: &BaseUrl,
    pk: &str,
    id: &str,
    body: Result<Body, ApiError>,
    partial: bool,
) -> ApiResult<Json<Value>> {
    let package = parent_package(app, user, pk).await?;
    let id = item_id(id)?;
    one_contributor(app, package.id, id).await?;
    super::packages::require_editable(&package)?;
    let mut errors = vec![];
    let input = contributor_input(&body?.0, "", partial, &mut errors);
    if !errors.is_empty() {
        return Err(field_errors(errors));
    }
    edited(app.db.update_contributor(package.id, id, &input).await?)?;
    Ok(Json(contributor_json(
        base,
        &one_contributor(app, package.id, id).await?,
    )))
}

#[put("/submission/packages/<pk>/contributors/<id>", data = "<body>")]
async fn replace_contributor(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
    id: &str,
    body: Result<Body, ApiError>,
) -> ApiResult<Json<Value>> {
    edit_contributor(app, &user.0, &base, pk, id, body, false).await
}

#[patch("/submission/packages/<pk>/contributors/<id>", data = "<body>")]
async fn update_contributor(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
    id: &str,
    body: Result<Body, ApiError>,
) -> ApiResult<Json<Value>> {
    edit_contributor(app, &user.0, &base, pk, id, body, true).await
}

#[delete("/submission/packages/<pk>/contributors/<id>")]
async fn delete_contributor(
    app: &State<App>,
    user: CurrentUser,
    pk: &str,
    id: &str,
) -> ApiResult<Status> {
    let package = parent_package(app, &user.0, pk).await?;
    let id = item_id(id)?;
    one_contributor(app, package.id, id).await?;
    super::packages::require_editable(&package)?;
    edited(app.db.delete_contributor(package.id, id).await?)?;
    Ok(Status::NoContent)
}

// ---- sample aliases ----------------------------------------------------------------------

fn alias_json(a: &Alias) -> Value {
    json!({
        "pk": a.id,
        "name": a.name,
        "fastqPrefix": a.fastq_prefix,
        "verdicts": verdicts_json(&a.verdicts),
        "micTestsCount": a.mic_tests,
        "pdsTestsCount": a.pds_tests,
        "matchSource": a.match_source,
    })
}

#[get("/submission/packages/<pk>/sample-aliases")]
async fn aliases(app: &State<App>, user: CurrentUser, pk: &str) -> ApiResult<Json<Value>> {
    let package = parent_package(app, &user.0, pk).await?;
    let list = app.db.aliases(package.id, None).await?;
    Ok(Json(list.iter().map(alias_json).collect()))
}

async fn one_alias(app: &App, package: i64, id: i64) -> ApiResult<Alias> {
    first(app.db.aliases(package, Some(id)).await?).ok_or_else(ApiError::not_found)
}

#[get("/submission/packages/<pk>/sample-aliases/<id>")]
async fn alias(app: &State<App>, user: CurrentUser, pk: &str, id: &str) -> ApiResult<Json<Value>> {
    let package = parent_package(app, &user.0, pk).await?;
    Ok(Json(alias_json(
        &one_alias(app, package.id, item_id(id)?).await?,
    )))
}

/// Renames an alias (upper-cased), clears its verdicts and marks the package changed.
async fn rename(
    app: &App,
    user: &User,
    pk: &str,
    id: &str,
    body: Result<Body, ApiError>,
    partial: bool,
) -> ApiResult<Json<Value>> {
    let package = parent_package(app, user, pk).await?;
    let id = item_id(id)?;
    one_alias(app, package.id, id).await?;
    super::packages::require_editable(&package)?;
    if let Some(name) = alias_name(&body?.0, partial).map_err(field_errors)? {
        match app.db.rename_alias(package.id, id, &name).await {
            Ok(edit) => edited(edit)?,
            Err(DbError::Conflict(_)) => {
                return Err(ApiError::invalid(
                    "name",
                    "invalid",
                    "Such sample name already exists.",
                ))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Json(alias_json(&one_alias(app, package.id, id).await?)))
}

#[put("/submission/packages/<pk>/sample-aliases/<id>", data = "<body>")]
async fn replace_alias(
    app: &State<App>,
    user: CurrentUser,
    pk: &str,
    id: &str,
    body: Result<Body, ApiError>,
) -> ApiResult<Json<Value>> {
    rename(app, &user.0, pk, id, body, false).await
}

#[patch("/submission/packages/<pk>/sample-aliases/<id>", data = "<body>")]
async fn update_alias(
    app: &State<App>,
    user: CurrentUser,
    pk: &str,
    id: &str,
    body: Result<Body, ApiError>,
) -> ApiResult<Json<Value>> {
    rename(app, &user.0, pk, id, body, true).await
}

// ---- FASTQ links -------------------------------------------------------------------------

/// Where `user` downloads a stored FASTQ file: a presigned S3 URL or a link tbseq signs;
/// empty for files kept at NCBI (or that cannot be signed).
pub async fn fastq_url(app: &App, base: &BaseUrl, user: i64, file: &SequencingFile) -> String {
    match &file.file_path {
        Some(path) if file.data_location != "NCBI" => {
            let seconds = app.config.storage.link_seconds();
            match app
                .store
                .download_url(path, seconds, || signed_url(app, base, path, user))
                .await
            {
                Ok(url) => url,
                Err(e) => {
                    tracing::warn!(path, "cannot sign a download URL: {e}");
                    String::new()
                }
            }
        }
        _ => String::new(),
    }
}

pub async fn link_json(
    app: &App,
    base: &BaseUrl,
    user: &User,
    package: i64,
    l: &SequencingLink,
) -> Value {
    let file_url = fastq_url(app, base, user.id, &l.file).await;
    json!({
        "pk": l.id,
        "url": base.join(&format!("{}sequencing-data/{}/", package_path(package), l.id)),
        "createdAt": format_timestamp(l.created_at),
        "filename": l.filename,
        "sequencingData": {
            "pk": l.file.id,
            "filename": l.file.filename.clone().unwrap_or_default(),
            "filePath": l.file.file_path,
            "fileUrl": file_url,
            "fileSize": l.file.file_size,
            "libraryName": l.file.library_name,
            "dataLocation": l.file.data_location,
        },
        "verdicts": verdicts_json(&l.verdicts),
        "validationState": l.validation_state,
        "validationError": l.validation_error,
    })
}

#[get("/submission/packages/<pk>/sequencing-data")]
async fn links(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
) -> ApiResult<Json<Value>> {
    let package = parent_package(app, &user.0, pk).await?;
    let list = app.db.sequencing_links(package.id, None).await?;
    let mut all = Vec::with_capacity(list.len());
    for l in &list {
        all.push(link_json(app, &base, &user.0, package.id, l).await);
    }
    Ok(Json(Value::Array(all)))
}

#[get("/submission/packages/<pk>/sequencing-data/<id>")]
async fn link(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
    id: &str,
) -> ApiResult<Json<Value>> {
    let package = parent_package(app, &user.0, pk).await?;
    let id = item_id(id)?;
    let found = first(app.db.sequencing_links(package.id, Some(id)).await?)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(
        link_json(app, &base, &user.0, package.id, &found).await,
    ))
}

/// Unlinks a FASTQ file from the package; the stored file stays (other packages may use it).
#[delete("/submission/packages/<pk>/sequencing-data/<id>")]
async fn delete_link(app: &State<App>, user: CurrentUser, pk: &str, id: &str) -> ApiResult<Status> {
    let package = parent_package(app, &user.0, pk).await?;
    let id = item_id(id)?;
    first(app.db.sequencing_links(package.id, Some(id)).await?).ok_or_else(ApiError::not_found)?;
    super::packages::require_editable(&package)?;
    edited(app.db.delete_sequencing_link(package.id, id).await?)?;
    Ok(Status::NoContent)
}
