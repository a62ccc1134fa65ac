//! Package review (§8.1): the package page with its state, the transition buttons allowed
//! from it, the reason form of a rejection, the messages thread with a reply box, and the
//! files of the package as signed download links; and the list actions (scheduling samples
//! for analysis, revoking API tokens). The work is done by the same store code as the API's.

use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, Either, State};
use rocket_dyn_templates::Template;
use serde_json::{json, Value};

use super::guard::{AdminForm, Staff};
use super::resources::{actor_of, change_context, resource_of};
use super::shell::{display_name, render, AdminError, AdminResult};
use crate::api::files::signed_url;
use crate::api::package_items::fastq_url;
use crate::api::pages::BaseUrl;
use crate::app::App;
use crate::db::format_timestamp;
use crate::db::repo::{PackageItemStore, PackageStore, ReviewStore, TransitionFailure};
use crate::domain::admin::resource::Resource;
use crate::domain::admin::review::{self, REVOKE_TOKENS, SCHEDULE_ANALYSIS};
use crate::domain::lifecycle::{check_reason, Transition, TransitionError};
use crate::domain::packages::Package;
use crate::storage::attachment_key;

fn package_resource() -> AdminResult<&'static Resource> {
    resource_of("submission", "package")
}

fn change_href(id: i64) -> String {
    format!("/admin/submission/package/{id}/change/")
}

async fn package(app: &App, id: i64) -> AdminResult<Package> {
    app.db
        .package(id)
        .await?
        .ok_or_else(|| AdminError::new(Status::NotFound, "That package does not exist."))
}

/// The review parts of the page: state, buttons, thread and files.
async fn review_context(
    app: &App,
    base: &BaseUrl,
    staff: &Staff,
    p: &Package,
) -> AdminResult<Value> {
    let buttons: Vec<Value> = review::buttons(p.state, p.matching_state)
        .iter()
        .map(|b| json!({"method": b.method, "title": b.title}))
        .collect();
    // Not `messages`: the shell's flash messages go by that name.
    let thread: Vec<Value> = app
        .db
        .messages(p.id, None)
        .await?
        .iter()
        .map(|m| {
            json!({
                "sender": m.sender.username,
                "when": format_timestamp(m.timestamp),
                "content": m.content,
            })
        })
        .collect();
    let attachments: Vec<Value> = p
        .attachments
        .iter()
        .map(|a| {
            json!({
                "kind": a.kind, "name": a.original_filename, "size": a.size,
                "href": signed_url(app, base, &attachment_key(&a.file), staff.user.id),
            })
        })
        .collect();
    let mut files = Vec::new();
    for l in app.db.sequencing_links(p.id, None).await? {
        files.push(json!({
            "name": l.filename,
            "state": l.validation_state,
            "size": l.file.file_size,
            "href": fastq_url(app, base, staff.user.id, &l.file).await,
            "data_href": format!("/admin/submission/sequencingdata/{}/change/", l.file.id),
        }));
    }
    Ok(json!({
        "package_id": p.id,
        "state": p.state.label(),
        "buttons": buttons,
        "thread": thread,
        "sender": display_name(&staff.user),
        "attachments": attachments,
        "files": files,
    }))
}

async fn package_page(
    app: &App,
    base: &BaseUrl,
    staff: &Staff,
    id: i64,
    extra: Value,
) -> AdminResult<Template> {
    let p = package(app, id).await?;
    let (title, mut context) =
        change_context(app, staff, package_resource()?, &id.to_string()).await?;
    if let (Value::Object(page), Value::Object(review), Value::Object(extra)) = (
        &mut context,
        review_context(app, base, staff, &p).await?,
        extra,
    ) {
        page.extend(review);
        page.extend(extra);
    }
    Ok(render(
        staff,
        "admin/package.html",
        &title,
        Some("package"),
        context,
    ))
}

// Before the generic change page (rank 5) and the export route (rank 4): a package id is
// a number, so `/admin/submission/package/export/csv` still reaches the export.
#[get("/admin/submission/package/<id>/change", rank = 3)]
pub async fn change_form(
    app: &State<App>,
    base: BaseUrl,
    staff: Staff,
    id: i64,
) -> AdminResult<Template> {
    package_page(app, &base, &staff, id, json!({})).await
}

/// `transition` names the method; a rejection without a `reason` field first shows the
/// reason form, and with an invalid one shows it again with the error (nothing changes).
#[post("/admin/submission/package/<id>/transition", data = "<form>")]
pub async fn transition(
    app: &State<App>,
    staff: Staff,
    id: i64,
    form: AdminForm,
) -> AdminResult<Either<Flash<Redirect>, Template>> {
    let method = form.0.get("transition").map_or("", String::as_str);
    let reason = form.0.get("reason").cloned();
    let t = Transition::from_method(method, reason.clone().unwrap_or_default())
        .ok_or_else(|| AdminError::new(Status::BadRequest, review::not_a_transition(method)))?;
    if let Transition::Reject { reason: text } = &t {
        let error = reason.as_ref().and_then(|_| check_reason(text).err());
        if reason.is_none() || error.is_some() {
            let p = package(app, id).await?;
            let page = json!({
                "package": p.name, "back": change_href(id), "reason": text,
                "error": error.map(|e| e.message()),
            });
            return Ok(Either::Right(render(
                &staff,
                "admin/reject.html",
                "Reject package",
                Some("package"),
                page,
            )));
        }
    }
    let back = Redirect::to(change_href(id));
    Ok(Either::Left(
        match app.db.review_transition(id, &t, actor_of(&staff)).await {
            Ok(_) => {
                app.mailer.notify_one();
                Flash::success(back, review::applied(&t))
            }
            Err(TransitionFailure::NotFound) => {
                return Err(AdminError::new(
                    Status::NotFound,
                    "That package does not exist.",
                ))
            }
            Err(TransitionFailure::Refused(TransitionError::BadReason(m))) => Flash::error(back, m),
            Err(TransitionFailure::Refused(_) | TransitionFailure::Busy) => {
                Flash::error(back, review::not_allowed(&t))
            }
            Err(TransitionFailure::Db(e)) => return Err(e.into()),
        },
    ))
}

/// A reply in the package's thread, sent as the signed-in admin.
#[post("/admin/submission/package/<id>/message", data = "<form>")]
pub async fn message(
    app: &State<App>,
    base: BaseUrl,
    staff: Staff,
    id: i64,
    form: AdminForm,
) -> AdminResult<Either<Flash<Redirect>, Template>> {
    let content = form.0.get("content").cloned().unwrap_or_default();
    if let Some(error) = review::reply_error(&content) {
        let extra = json!({"reply": content, "reply_error": error});
        return Ok(Either::Right(
            package_page(app, &base, &staff, id, extra).await?,
        ));
    }
    package(app, id).await?;
    app.db.review_message(id, content, actor_of(&staff)).await?;
    app.mailer.notify_one();
    Ok(Either::Left(Flash::success(
        Redirect::to(change_href(id)),
        "Message sent.",
    )))
}

/// `POST /admin/<app>/<model>/action/`: a list action on the selected rows.
#[post("/admin/<app_label>/<model>/action", data = "<form>", rank = 4)]
pub async fn list_action(
    app: &State<App>,
    staff: Staff,
    app_label: &str,
    model: &str,
    form: AdminForm,
) -> AdminResult<Flash<Redirect>> {
    let r = resource_of(app_label, model)?;
    let name = form.0.get("action").map_or("", String::as_str);
    let action = r
        .action(name)
        .ok_or_else(|| AdminError::new(Status::BadRequest, "There is no such action."))?;
    let ids = review::selected_ids(&form.1);
    let back = Redirect::to(r.path());
    if ids.is_empty() {
        return Ok(Flash::warning(back, "Items must be selected in order to perform actions on them. No items have been changed."));
    }
    let actor = actor_of(&staff);
    let message = if *action == SCHEDULE_ANALYSIS {
        review::scheduled(app.db.schedule_analysis(&ids, actor).await?)
    } else if *action == REVOKE_TOKENS {
        review::revoked(app.db.revoke_tokens(&ids, actor).await?)
    } else {
        return Err(AdminError::new(
            Status::BadRequest,
            "There is no such action.",
        ));
    };
    Ok(Flash::success(back, message))
}
