//! The FASTQ upload flow the frontend drives (`frontend-and-pipelines.md` §A.10):
//! `upload-link` hands out where to PUT the file (a presigned S3 URL, or a single-use link
//! tbseq signs and serves itself for the local store), the browser PUTs the raw bytes there,
//! and `fetch` checks the uploaded file in one streaming pass, deduplicates it by MD5 across
//! packages, stores it and links it to the package.

use std::path::PathBuf;
use std::sync::Arc;

use rocket::data::{Data, ToByteUnit};
use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{Header, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::response::Responder;
use rocket::serde::json::Json;
use rocket::{post, put, routes, Orbit, Request, Rocket, Route, State};
use serde_json::{json, Value};

use super::auth::CurrentUser;
use super::body::{field_errors, Body};
use super::error::{ApiError, ApiResult};
use super::package_items::{editable_parent, edited, first, link_json};
use super::pages::BaseUrl;
use crate::app::App;
use crate::db::repo::{Content, Edit, Linked, PackageItemStore, SequencingStore};
use crate::domain::fastq::{validate, FastqError};
use crate::domain::fields::{text, Text, TextRule};
use crate::domain::sequencing::{
    check_name, persistent_name, temporary_key, ValidationState, ALREADY_ATTACHED,
    ALREADY_UPLOADED, INTERRUPTED, NOT_ON_S3, PERSISTENT_PREFIX, TEMPORARY_PREFIX,
};
use crate::domain::signed::{sign, verify, Grant};
use crate::metrics::Handled;
use crate::storage::ReceiveError;

/// Routes under `/api/v1`.
pub fn routes() -> Vec<Route> {
    routes![upload_link, fetch]
}

/// Routes under `/` (the local store's upload target, next to its downloads at `/files/`).
pub fn root_routes() -> Vec<Route> {
    routes![receive]
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn storage_error(e: object_store::Error) -> ApiError {
    tracing::error!("file store: {e}");
    ApiError::internal()
}

/// The `filename` of the body, checked as the original does.
fn filename(body: Result<Body, ApiError>) -> ApiResult<String> {
    let body = body?.0;
    let mut errors = vec![];
    let value = text(
        &body,
        "",
        "filename",
        TextRule::required(usize::MAX),
        false,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(field_errors(errors));
    }
    let Text::Value(name) = value else {
        return Err(ApiError::internal());
    };
    check_name(&name).map_err(|e| field_errors(vec![e]))?;
    Ok(name)
}

/// What the local store's upload link signs: the key and the upload's row, so that a link
/// works once, for one file, one user, until it expires.
fn upload_grant_key(key: &str, upload: i64) -> String {
    format!("{key}#{upload}")
}

fn local_upload_url(app: &App, base: &BaseUrl, key: &str, upload: i64, user: i64) -> String {
    let expires = now() + app.config.storage.link_seconds() as i64;
    let grant_key = upload_grant_key(key, upload);
    let signature = sign(
        app.secret_key.as_bytes(),
        &Grant {
            method: "PUT",
            key: &grant_key,
            expires,
            user,
        },
    );
    base.join(&format!(
        "/files/{key}?upload={upload}&user={user}&expires={expires}&signature={signature}"
    ))
}

/// `POST …/sequencing-data/upload-link/ {filename}` → 200 `{url}`.
#[post(
    "/submission/packages/<pk>/sequencing-data/upload-link",
    data = "<body>"
)]
async fn upload_link(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
    body: Result<Body, ApiError>,
) -> ApiResult<Json<Value>> {
    let package = editable_parent(app, &user.0, pk).await?;
    let name = filename(body)?;
    let key = temporary_key(user.0.id, &name);
    if app.store.head(&key).await.map_err(storage_error)?.is_some() {
        return Err(ApiError::new(
            Status::Conflict,
            "conflict",
            ALREADY_UPLOADED,
        ));
    }
    let seconds = app.config.storage.link_seconds();
    let url = match app
        .store
        .presigned_url("PUT", &key, seconds)
        .await
        .map_err(storage_error)?
    {
        Some(url) => url,
        None => {
            let upload = app
                .db
                .issue_upload(&key, user.0.id, package.id, &name)
                .await?;
            local_upload_url(app, &base, &key, upload, user.0.id)
        }
    };
    Ok(Json(json!({ "url": url })))
}

/// The request's `Content-Length`, when it has one.
pub struct ContentLength(Option<u64>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ContentLength {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(ContentLength(
            req.headers()
                .get_one("Content-Length")
                .and_then(|v| v.parse().ok()),
        ))
    }
}

/// An upload's answer: 200 with the MD5 as `ETag`, as S3 answers a PUT.
pub struct Stored(String);

impl<'r> Responder<'r, 'static> for Stored {
    fn respond_to(self, _: &'r Request<'_>) -> rocket::response::Result<'static> {
        rocket::Response::build()
            .status(Status::Ok)
            .header(Header::new("ETag", format!("\"{}\"", self.0)))
            .ok()
    }
}

fn refused(detail: impl Into<String>) -> ApiError {
    ApiError::new(Status::Forbidden, "permission_denied", detail)
}

/// `PUT /files/<key>?upload&user&expires&signature`: the local store receives a file.
#[allow(clippy::too_many_arguments)]
#[put(
    "/files/<key..>?<upload>&<user>&<expires>&<signature>",
    data = "<data>"
)]
async fn receive(
    app: &State<App>,
    key: PathBuf,
    upload: i64,
    user: i64,
    expires: i64,
    signature: &str,
    length: ContentLength,
    data: Data<'_>,
) -> ApiResult<Stored> {
    let key = key.to_string_lossy().replace('\\', "/");
    let grant_key = upload_grant_key(&key, upload);
    let grant = Grant {
        method: "PUT",
        key: &grant_key,
        expires,
        user,
    };
    verify(app.secret_key.as_bytes(), &grant, signature, now())
        .map_err(|e| refused(format!("This link is not valid: {e}.")))?;
    if !key.starts_with(TEMPORARY_PREFIX) || !app.db.claim_upload(upload, &key).await? {
        return Err(refused("This link was used already."));
    }
    let limit = app.config.storage.upload_max_bytes();
    if length.0.is_some_and(|n| n > limit) {
        app.db.finish_upload(upload, Err("too large")).await?;
        return Err(too_large(limit));
    }
    let stream = data.open((limit + 1).bytes());
    let received = app.store.receive_local(&key, stream, limit, length.0).await;
    match received {
        Ok(r) => {
            app.db
                .finish_upload(upload, Ok((r.size as i64, &r.md5, &r.sha256)))
                .await?;
            tracing::info!(key, bytes = r.size, "upload received");
            Ok(Stored(r.md5))
        }
        Err(e) => {
            tracing::warn!(key, "upload failed: {e}");
            app.db.finish_upload(upload, Err(&e.to_string())).await?;
            Err(match e {
                ReceiveError::TooLarge(limit) => too_large(limit),
                ReceiveError::Interrupted(_) => ApiError::new(
                    Status::BadRequest,
                    "incomplete",
                    "The upload was interrupted; nothing was kept. Upload the file again.",
                ),
                ReceiveError::Write(_) | ReceiveError::NotLocal => ApiError::internal(),
            })
        }
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        Status::PayloadTooLarge,
        "too_large",
        format!("The file is larger than the upload limit ({limit} bytes)."),
    )
}

/// Why a check did not link the file.
enum Failure {
    Invalid(String),
    Internal(String),
}

/// Checks the temporary object in one streaming pass and moves it: new content goes to
/// `persistent/`, known content (same MD5) is dropped. The temporary object is gone
/// afterwards whatever happens.
async fn check_and_store(app: &App, key: &str, name: &str) -> Result<Content, Failure> {
    let internal =
        |what: &str, e: &dyn std::fmt::Display| Failure::Internal(format!("{what}: {e}"));
    let reader = app
        .store
        .reader(key)
        .await
        .map_err(|e| internal("cannot read the upload", &e))?;
    let started = std::time::Instant::now();
    let checked = tokio::task::spawn_blocking(move || validate(reader))
        .await
        .map_err(|e| internal("the check stopped", &e))?;
    let summary = match checked {
        Ok(summary) => summary,
        Err(FastqError(message)) => {
            if let Err(e) = app.store.delete(key).await {
                tracing::warn!(key, "cannot delete a rejected upload: {e}");
            }
            let _ = app.db.forget_upload(key).await;
            app.metrics.upload(Handled::Refused, 0);
            return Err(Failure::Invalid(message));
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    tracing::info!(
        key,
        bytes = summary.bytes,
        reads = summary.reads,
        mb_per_s = summary.bytes as f64 / 1e6 / seconds.max(1e-9),
        "FASTQ checked"
    );
    let existing = app
        .db
        .find_content(&summary.md5)
        .await
        .map_err(|e| internal("database", &e))?;
    let stored_name = if existing.is_some() {
        app.store
            .delete(key)
            .await
            .map_err(|e| internal("cannot delete the upload", &e))?;
        None
    } else {
        let stored = persistent_name(name, rand::random());
        app.store
            .promote(key, &format!("{PERSISTENT_PREFIX}{stored}"))
            .await
            .map_err(|e| internal("cannot store the upload", &e))?;
        Some(stored)
    };
    let _ = app.db.forget_upload(key).await;
    app.metrics.upload(Handled::Accepted, summary.bytes);
    Ok(Content {
        md5: summary.md5,
        sha256: summary.sha256,
        size: summary.bytes as i64,
        reads: summary.reads as i64,
        bases: summary.bases as i64,
        stored_name,
    })
}

async fn remove_orphan(app: &App, orphan: Option<String>) {
    if let Some(key) = orphan {
        if let Err(e) = app.store.delete(&key).await {
            tracing::warn!(key, "cannot delete an unused stored file: {e}");
        }
    }
}

async fn link_response(
    app: &App,
    base: &BaseUrl,
    user: &CurrentUser,
    package: i64,
    link: i64,
) -> ApiResult<Json<Value>> {
    let found = first(app.db.sequencing_links(package, Some(link)).await?)
        .ok_or_else(ApiError::internal)?;
    Ok(Json(link_json(app, base, &user.0, package, &found).await))
}

/// `POST …/sequencing-data/fetch/ {filename}` → 201 with the new link (the original answered
/// 302 to it), or 202 with a link whose `validationState` the link list reports while a large
/// file is checked in the background.
#[post("/submission/packages/<pk>/sequencing-data/fetch", data = "<body>")]
async fn fetch(
    app: &State<App>,
    user: CurrentUser,
    base: BaseUrl,
    pk: &str,
    body: Result<Body, ApiError>,
) -> ApiResult<(Status, Json<Value>)> {
    let package = editable_parent(app, &user.0, pk).await?;
    let name = filename(body)?;
    let key = temporary_key(user.0.id, &name);
    let Some(object) = app.store.head(&key).await.map_err(storage_error)? else {
        return Err(ApiError::new(Status::NotFound, "not_found", NOT_ON_S3));
    };
    if object.size > app.config.storage.inline_check_max_bytes() {
        let link = edited(app.db.create_pending(package.id, &name).await?)?;
        let background = app.inner().clone();
        tokio::spawn(async move { check_in_background(background, key, name, link).await });
        let json = link_response(app, &base, &user, package.id, link).await?;
        return Ok((Status::Accepted, json));
    }
    let content = match check_and_store(app, &key, &name).await {
        Ok(content) => content,
        Err(Failure::Invalid(message)) => {
            return Err(ApiError::invalid("uploaded_file", "invalid", message))
        }
        Err(Failure::Internal(message)) => {
            tracing::error!(key, "{message}");
            return Err(ApiError::internal());
        }
    };
    let stored = content
        .stored_name
        .as_ref()
        .map(|n| format!("{PERSISTENT_PREFIX}{n}"));
    let linked = match app.db.link_content(package.id, &name, &content).await {
        Ok(Edit::Done(linked)) => linked,
        Ok(refused) => {
            remove_orphan(app, stored).await;
            let refused: Edit<()> = match refused {
                Edit::NotEditable => Edit::NotEditable,
                _ => Edit::NotFound,
            };
            edited(refused)?;
            return Err(ApiError::internal());
        }
        Err(e) => {
            remove_orphan(app, stored).await;
            return Err(e.into());
        }
    };
    match linked {
        Linked::Link { id, orphan } => {
            remove_orphan(app, orphan).await;
            tracing::info!(
                package = package.id,
                link = id,
                user = %user.0.username,
                new = content.stored_name.is_some(),
                "FASTQ linked"
            );
            Ok((
                Status::Created,
                link_response(app, &base, &user, package.id, id).await?,
            ))
        }
        Linked::AlreadyAttached { orphan } => {
            remove_orphan(app, orphan).await;
            Err(ApiError::new(
                Status::BadRequest,
                "invalid",
                ALREADY_ATTACHED,
            ))
        }
    }
}

async fn check_in_background(app: App, key: String, name: String, link: i64) {
    let _ = app
        .db
        .set_validation_state(link, ValidationState::Validating, None)
        .await;
    let outcome = match check_and_store(&app, &key, &name).await {
        Ok(content) => match app.db.complete_pending(link, &content).await {
            Ok(Linked::Link { orphan, .. }) | Ok(Linked::AlreadyAttached { orphan }) => {
                remove_orphan(&app, orphan).await;
                Ok(())
            }
            Err(e) => {
                let stored = content
                    .stored_name
                    .map(|n| format!("{PERSISTENT_PREFIX}{n}"));
                remove_orphan(&app, stored).await;
                Err(format!("database: {e}"))
            }
        },
        Err(Failure::Invalid(message)) => {
            let _ = app
                .db
                .set_validation_state(link, ValidationState::Invalid, Some(&message))
                .await;
            Ok(())
        }
        Err(Failure::Internal(message)) => Err(message),
    };
    if let Err(message) = outcome {
        tracing::error!(key, link, "background FASTQ check failed: {message}");
        let _ = app
            .db
            .set_validation_state(
                link,
                ValidationState::Invalid,
                Some(
                    "The file could not be checked (server error); delete it and upload it again.",
                ),
            )
            .await;
    }
}

/// Background housekeeping: at start, links left unchecked by a previous run are marked
/// INVALID; then temporary uploads older than `storage.temporary_max_age_hours` are removed
/// every hour (or more often when the age is short).
pub struct Housekeeping;

#[rocket::async_trait]
impl Fairing for Housekeeping {
    fn info(&self) -> Info {
        Info {
            name: "FASTQ housekeeping",
            kind: Kind::Liftoff,
        }
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        let Some(app) = rocket.state::<App>().cloned() else {
            return;
        };
        let shutdown = rocket.shutdown();
        match app.db.interrupt_pending(INTERRUPTED).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(links = n, "FASTQ checks interrupted by a restart"),
            Err(e) => tracing::warn!("cannot mark interrupted FASTQ checks: {e}"),
        }
        match crate::storage::housekeeping::recover_interrupted_uploads(&app.store, &app.db).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(uploads = n, "uploads interrupted by a restart released"),
            Err(e) => tracing::warn!("cannot release interrupted uploads: {e:#}"),
        }
        let app = Arc::new(app);
        tokio::spawn(async move {
            let max_age = app.config.storage.temporary_max_age_hours() as i64 * 3600;
            let period = std::time::Duration::from_secs((max_age as u64 / 4).clamp(60, 3600));
            let mut shutdown = std::pin::pin!(shutdown);
            loop {
                match crate::storage::housekeeping::sweep_temporary(&app.store, &app.db, max_age)
                    .await
                {
                    Ok(removed) if !removed.is_empty() => {
                        tracing::info!(objects = removed.len(), "old temporary uploads removed")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!("cannot remove old temporary uploads: {e:#}"),
                }
                tokio::select! {
                    _ = &mut shutdown => break,
                    _ = tokio::time::sleep(period) => {}
                }
            }
        });
    }
}
