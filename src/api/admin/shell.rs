//! The frame around every admin page (site header, navigation by area, signed-in user,
//! sign-out form, messages), the error pages, and the catcher that turns a refused guard
//! into the sign-in redirect or a notice.

use rocket::http::Status;
use rocket::request::Request;
use rocket::response::{self, Redirect, Responder};
use rocket::{catcher, Catcher};
use rocket_dyn_templates::Template;
use serde_json::{json, Map, Value};

use super::guard::{session, CsrfRejected, Staff};
use crate::db::DbError;
use crate::domain::admin::resource::{Area, Resource};
use crate::domain::admin::resources::in_area;
use crate::domain::identity::User;

pub const CSRF_FAILED: &str = "CSRF verification failed. Request aborted.";
pub const NOT_STAFF: &str = "this account may not use the administration site";

pub fn display_name(user: &User) -> String {
    let full = format!("{} {}", user.first_name, user.last_name);
    match full.trim() {
        "" => user.username.clone(),
        name => format!("{name} ({})", user.username),
    }
}

/// The navigation: each area's resources, then the pages that are not resources.
fn nav(active: Option<&str>) -> Value {
    let areas: Vec<Value> = Area::ALL
        .iter()
        .map(|area| {
            let mut items: Vec<Value> = in_area(*area)
                .map(|r| json!({"label": r.plural, "href": r.path(), "active": active == Some(r.slug)}))
                .collect();
            if *area == Area::System {
                items.push(json!({"label": "Diagnostics", "href": "/admin/system/", "active": active == Some("system")}));
                items.push(json!({"label": "Notification outbox", "href": "/admin/outbox/", "active": active == Some("outbox")}));
            }
            json!({"label": area.label(), "items": items})
        })
        .collect();
    Value::Array(areas)
}

/// Renders `template` inside the shell; `page` adds the page's own values.
pub fn render(
    staff: &Staff,
    template: &'static str,
    title: &str,
    active: Option<&str>,
    page: Value,
) -> Template {
    let mut context = Map::new();
    context.insert("title".into(), title.into());
    context.insert(
        "user".into(),
        json!({"name": display_name(&staff.user), "is_superuser": staff.user.is_superuser}),
    );
    context.insert("csrf".into(), staff.csrf.clone().into());
    context.insert("nav".into(), nav(active));
    let messages: Vec<Value> = staff
        .flash
        .iter()
        .map(|(level, text)| json!({"level": level, "text": text}))
        .collect();
    context.insert("messages".into(), messages.into());
    if let Value::Object(extra) = page {
        context.extend(extra);
    }
    Template::render(template, Value::Object(context))
}

/// A page with a heading and one message, outside the shell's navigation (for people who
/// may not see it), with the sign-out form when signed in.
pub fn notice(user: Option<(&User, &str)>, heading: &str, message: &str) -> Template {
    let mut context =
        json!({"title": heading, "heading": heading, "message": message, "messages": []});
    if let Some((user, csrf)) = user {
        context["user"] = json!({"name": display_name(user), "is_superuser": user.is_superuser});
        context["csrf"] = csrf.into();
    }
    Template::render("admin/notice.html", context)
}

/// A failed admin request: a notice page with its status.
#[derive(Debug)]
pub struct AdminError {
    pub status: Status,
    pub message: String,
}

impl AdminError {
    pub fn new(status: Status, message: impl Into<String>) -> AdminError {
        AdminError {
            status,
            message: message.into(),
        }
    }

    pub fn not_found(r: &Resource) -> AdminError {
        AdminError::new(
            Status::NotFound,
            format!("That {} does not exist.", r.label.to_lowercase()),
        )
    }

    pub fn forbidden() -> AdminError {
        AdminError::new(
            Status::Forbidden,
            "You do not have permission to change this.",
        )
    }
}

impl From<DbError> for AdminError {
    fn from(e: DbError) -> Self {
        if let DbError::NulInText = e {
            return AdminError::new(Status::BadRequest, crate::api::error::NUL_IN_TEXT);
        }
        tracing::error!("admin database error: {e}");
        AdminError::new(
            Status::InternalServerError,
            "A server error occurred. Please try again.",
        )
    }
}

impl<'r> Responder<'r, 'static> for AdminError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let heading = self.status.reason().unwrap_or("Error");
        (self.status, notice(None, heading, &self.message)).respond_to(req)
    }
}

pub type AdminResult<T> = Result<T, AdminError>;

/// Renders a refused admin request: anonymous → sign-in page (coming back here),
/// non-staff → a notice with a way out, a forged form → the CSRF failure.
fn catch<'r>(status: Status, req: &'r Request<'_>) -> catcher::BoxFuture<'r> {
    Box::pin(async move {
        let session = session(req).await.as_ref();
        let user = session.map(|s| (&s.user, s.record.csrf_token.as_str()));
        if req.local_cache(|| CsrfRejected(false)).0 {
            return (Status::Forbidden, notice(user, "Forbidden", CSRF_FAILED)).respond_to(req);
        }
        match status.code {
            401 => {
                let mut path = req.uri().path().to_string();
                if !path.ends_with('/') {
                    path.push('/');
                }
                if let Some(q) = req.uri().query() {
                    path = format!("{path}?{q}");
                }
                let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
                let next = next.replace("%2F", "/");
                Redirect::found(format!("/admin/login/?next={next}")).respond_to(req)
            }
            403 => {
                let message = format!(
                    "You are signed in as {}, but {NOT_STAFF}. Sign out and sign in with a staff account.",
                    user.map(|(u, _)| display_name(u)).unwrap_or_default()
                );
                (status, notice(user, "Not allowed", &message)).respond_to(req)
            }
            404 => (status, notice(user, "Not found", "There is no such page.")).respond_to(req),
            _ => {
                let heading = status.reason().unwrap_or("Error");
                (
                    status,
                    notice(user, heading, "The request could not be handled."),
                )
                    .respond_to(req)
            }
        }
    })
}

pub fn catchers() -> Vec<Catcher> {
    vec![Catcher::new(None, catch)]
}
