//! `/api/v1/submission/packages/…`: a submitter's packages, matching and submitting them,
//! and the staff review transitions.
//!
//! Ownership: a package is visible only to its owner (another user's package is a 404, as if
//! it did not exist). Changes need an editable package (DRAFT or REJECTED). Actions answer
//! with the package itself instead of the original's 302 redirect to it.

use rocket::http::{Header, Status};
use rocket::response::{self, Responder};
use rocket::serde::json::Json;
use rocket::{delete, get, patch, post, put, routes, Request, Route, State};
use serde_json::{json, Value};

use super::auth::{permission_denied, CurrentUser, StaffUser};
use super::body::{field_errors, Body};
use super::error::{ApiError, ApiResult};
use super::files::signed_url;
use super::pages::BaseUrl;
use crate::app::App;
use crate::db::format_timestamp;
use crate::db::repo::{MatchError, MatchingStore, PackageStore, TransitionFailure};
use crate::domain::identity::User;
use crate::domain::lifecycle::{Transition, TransitionError};
use crate::domain::packages::{package_input, Attachment, Package};

pub fn routes() -> Vec<Route> {
    routes![
        list,
        create,
        detail,
        replace,
        update,
        remove,
        match_package,
        submit,
        accept,
        reject,
        to_draft
    ]
}

pub const NOT_EDITABLE: &str = "The package cannot be edited.";
pub const BUSY: &str = "Package is already being processed";

/// `/api/v1/submission/packages/{id}/`.
pub fn package_path(id: i64) -> String {
    format!("/api/v1/submission/packages/{id}/")
}

/// A package id from the path; anything else names no package.
pub fn parse_id(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().filter(|id| *id > 0)
}

/// The caller's own package; another user's, or none, is a 404.
pub async fn own_package(app: &App, user: &User, pk: &str) -> ApiResult<Package> {
    let id = parse_id(pk).ok_or_else(ApiError::not_found)?;
    match app.db.package(id).await? {
        Some(p) if p.owner_id == Some(user.id) => Ok(p),
        _ => Err(ApiError::not_found()),
    }
}

pub fn require_editable(package: &Package) -> ApiResult<()> {
    if package.state.is_editable() {
        Ok(())
    } else {
        Err(permission_denied(NOT_EDITABLE))
    }
}

/// The API representation (the frontend reads every key; the counters come from the
/// package's denormalised statistics).
pub fn package_json(app: &App, base: &BaseUrl, user: &User, p: &Package) -> Value {
    let url = base.join(&package_path(p.id));
    let stats = p.stats.as_ref();
    let count = |f: fn(&crate::domain::packages::PackageStats) -> i64| stats.map(f);
    let attachments: Vec<Value> = p
        .attachments
        .iter()
        .map(|a| attachment_json(app, base, user, a))
        .collect();
    json!({
        "pk": p.id,
        "url": url,
        "name": p.name,
        "description": p.description,
        "origin": p.origin,
        "matchingState": p.matching_state.as_str(),
        "state": p.state.as_str(),
        "stateChangedOn": format_timestamp(p.state_changed_on),
        "rejectionReason": p.rejection_reason,
        "attachments": attachments,
        "messagesCount": count(|s| s.messages),
        "messages": format!("{url}messages/"),
        "sequencingData": format!("{url}sequencing-data/"),
        "sequencingDataCount": count(|s| s.sequencing_data),
        "micTests": format!("{url}mic-tests/"),
        "micTestsCount": count(|s| s.mic_tests),
        "micDrugs": stats.map(|s| s.mic_drugs.clone()),
        "micDrugsCount": stats.map(|s| s.mic_drugs.len()),
        "pdsTests": format!("{url}pds-tests/"),
        "pdsTestsCount": count(|s| s.pds_tests),
        "pdsDrugsCount": stats.map(|s| s.pds_drugs.len()),
        "pdsDrugConcentrationCount": count(|s| s.pds_drug_concentrations),
        "pdsDrugs": stats.map(|s| s.pds_drugs.clone()),
        "sampleAliases": format!("{url}sample-aliases/"),
        "sampleAliasesCount": count(|s| s.sample_aliases),
        "contributors": format!("{url}contributors/"),
    })
}

fn attachment_json(app: &App, base: &BaseUrl, user: &User, a: &Attachment) -> Value {
    json!({
        "pk": a.id,
        "createdAt": format_timestamp(a.created_at),
        "type": a.kind,
        "file": signed_url(app, base, &crate::storage::attachment_key(&a.file), user.id),
        "size": a.size,
        "originalFilename": a.original_filename,
        "metadata": crate::domain::casing::camel_keys_deep(&a.metadata),
    })
}

/// The package as it is now, for the answers of actions.
pub async fn current(app: &App, base: &BaseUrl, user: &User, id: i64) -> ApiResult<Json<Value>> {
    let package = app.db.package(id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(package_json(app, base, user, &package)))
}

#[get("/submission/packages")]
async fn list(app: &State<App>, user: CurrentUser, base: BaseUrl) -> ApiResult<Json<Value>> {
    let packages = app.db.list_packages(user.0.id).await?;
    Ok(Json(Value::Array(
        packages
            .iter()
            .map(|p| package_json(app, &base, &user.0, p))
            .collect(),
    )))
}

/// 201 with the package and its `Location`.
pub struct Created(pub String, pub Json<Value>);

impl<'r> Responder<'r, 'static> for Created {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let mut response = self.1.respond_to(req)?;
        response.set_status(Status::Created);
        if !self.0.is_empty() {
            response.set_header(Header::new("Location", self.0));
        }
        Ok(response)
    }
}

#[post("/submission/packages", data = "<body>")]
async fn create(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    body: Result<Body, ApiError>,
) -> ApiResult<Created> {
    let input = package_input(&body?.0, false).map_err(field_errors)?;
    let id = app.db.create_package(user.0.id, &input).await?;
    tracing::info!(package = id, user = %user.0.username, "package created");
    let Json(value) = current(app, &base, &user.0, id).await?;
    Ok(Created(base.join(&package_path(id)), Json(value)))
}

#[get("/submission/packages/<pk>")]
async fn detail(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
) -> ApiResult<Json<Value>> {
    let package = own_package(app, &user.0, pk).await?;
    Ok(Json(package_json(app, &base, &user.0, &package)))
}

async fn edit(
    app: &App,
    user: &User,
    base: &BaseUrl,
    pk: &str,
    body: Result<Body, ApiError>,
    partial: bool,
) -> ApiResult<Json<Value>> {
    let package = own_package(app, user, pk).await?;
    require_editable(&package)?;
    let input = package_input(&body?.0, partial).map_err(field_errors)?;
    if !app.db.update_package(package.id, &input).await? {
        return Err(permission_denied(NOT_EDITABLE));
    }
    current(app, base, user, package.id).await
}

#[put("/submission/packages/<pk>", data = "<body>")]
async fn replace(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
    body: Result<Body, ApiError>,
) -> ApiResult<Json<Value>> {
    edit(app, &user.0, &base, pk, body, false).await
}

#[patch("/submission/packages/<pk>", data = "<body>")]
async fn update(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
    body: Result<Body, ApiError>,
) -> ApiResult<Json<Value>> {
    edit(app, &user.0, &base, pk, body, true).await
}

#[delete("/submission/packages/<pk>")]
async fn remove(app: &State<App>, user: CurrentUser, pk: &str) -> ApiResult<Status> {
    let package = own_package(app, &user.0, pk).await?;
    require_editable(&package)?;
    let files = app
        .db
        .delete_package(package.id)
        .await?
        .ok_or_else(|| permission_denied(NOT_EDITABLE))?;
    app.store.delete_attachments(&files).await;
    tracing::info!(package = package.id, "package deleted");
    Ok(Status::NoContent)
}

/// Matches the package's sample names with samples (see `domain::matching`); a package
/// that is already matched is left as it is.
#[post("/submission/packages/<pk>/match")]
async fn match_package(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
) -> ApiResult<Json<Value>> {
    let package = own_package(app, &user.0, pk).await?;
    require_editable(&package)?;
    match app.db.match_package(package.id).await {
        Ok(report) => {
            tracing::info!(package = package.id, ran = report.ran, "package match done")
        }
        Err(MatchError::NoData) => {
            return Err(ApiError::new(
                Status::BadRequest,
                "invalid",
                "Package has no data",
            ))
        }
        Err(MatchError::Busy) => return Err(permission_denied(BUSY)),
        Err(MatchError::NotEditable) => return Err(permission_denied(NOT_EDITABLE)),
        Err(MatchError::NotFound) => return Err(ApiError::not_found()),
        Err(MatchError::Db(e)) => return Err(e.into()),
    }
    current(app, &base, &user.0, package.id).await
}

async fn fire(
    app: &App,
    base: &BaseUrl,
    user: &User,
    id: i64,
    transition: Transition,
) -> ApiResult<Json<Value>> {
    match app.db.transition(id, &transition).await {
        Ok(_) => {
            app.mailer.notify_one();
            current(app, base, user, id).await
        }
        Err(TransitionFailure::NotFound) => Err(ApiError::not_found()),
        Err(TransitionFailure::Busy) => Err(permission_denied(BUSY)),
        Err(TransitionFailure::Refused(TransitionError::BadReason(message))) => {
            Err(ApiError::invalid("reason", "invalid", message))
        }
        Err(TransitionFailure::Refused(e)) => {
            Err(ApiError::new(Status::Conflict, "conflict", e.message()))
        }
        Err(TransitionFailure::Db(e)) => Err(e.into()),
    }
}

/// The submitter sends a matched package for review.
#[post("/submission/packages/<pk>/submit")]
async fn submit(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
) -> ApiResult<Json<Value>> {
    let package = own_package(app, &user.0, pk).await?;
    fire(app, &base, &user.0, package.id, Transition::Submit).await
}

/// A staff review of any package (the admin's buttons, for scripts).
async fn review(
    app: &App,
    base: &BaseUrl,
    staff: &User,
    pk: &str,
    transition: Transition,
) -> ApiResult<Json<Value>> {
    let id = parse_id(pk).ok_or_else(ApiError::not_found)?;
    fire(app, base, staff, id, transition).await
}

#[post("/submission/packages/<pk>/accept")]
async fn accept(
    app: &State<App>,
    staff: StaffUser,
    base: BaseUrl,
    pk: &str,
) -> ApiResult<Json<Value>> {
    review(app, &base, &staff.0, pk, Transition::Accept).await
}

#[post("/submission/packages/<pk>/reject", data = "<body>")]
async fn reject(
    app: &State<App>,
    staff: StaffUser,
    base: BaseUrl,
    pk: &str,
    body: Result<Body, ApiError>,
) -> ApiResult<Json<Value>> {
    let body = body?;
    let reason = match body.0.get("reason") {
        Some(Value::String(s)) => s.clone(),
        _ => {
            return Err(ApiError::invalid(
                "reason",
                "required",
                crate::domain::fields::REQUIRED,
            ))
        }
    };
    review(app, &base, &staff.0, pk, Transition::Reject { reason }).await
}

#[post("/submission/packages/<pk>/to-draft")]
async fn to_draft(
    app: &State<App>,
    staff: StaffUser,
    base: BaseUrl,
    pk: &str,
) -> ApiResult<Json<Value>> {
    review(app, &base, &staff.0, pk, Transition::ToDraft).await
}
