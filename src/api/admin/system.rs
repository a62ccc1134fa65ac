//! The System area's diagnostics: version, database kind and migration level, the file
//! store with a live check, the effective configuration (secrets redacted, with where each
//! value came from), and the summary tables with their last rebuild and a button to rebuild.

use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{Flash, Redirect};
use rocket::{get, post, State};
use rocket_dyn_templates::Template;
use serde_json::json;

use super::guard::{AdminForm, Staff};
use super::shell::{render, AdminResult};
use crate::api::imports::refresh_summaries;
use crate::app::App;
use crate::config::{Loaded, Settings};
use crate::db::format_timestamp;
use crate::db::migrate;
use crate::db::repo::SummaryStore;

/// The settings `tbseq serve` manages, if it does (an `Option<&State>` guard would make
/// Rocket refuse to start without them).
pub struct Served<'r>(Option<&'r Settings>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Served<'r> {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(Served(req.rocket().state::<Settings>()))
    }
}

#[get("/admin/system")]
pub async fn diagnostics(
    app: &State<App>,
    served: Served<'_>,
    staff: Staff,
) -> AdminResult<Template> {
    let dialect = app.db.dialect();
    let applied = migrate::applied_version(&app.db).await?;
    let check = match app.store.check().await {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("failed: {e}"),
    };
    // Started by `tbseq serve` the settings come with their provenance; an app built by
    // a program (the tests) only has its values.
    let effective = match served.0 {
        Some(s) => json!(s.0),
        None => json!(Loaded::built((*app.config).clone()).effective()),
    };
    let last = app.db.last_refresh().await?.map(|l| {
        json!({"at": format_timestamp(l.at), "seconds": format!("{:.3}", l.duration.as_secs_f64())})
    });
    Ok(render(
        &staff,
        "admin/system.html",
        "Diagnostics",
        Some("system"),
        json!({
            "version": env!("CARGO_PKG_VERSION"),
            "database": dialect.name(),
            "migration": applied,
            "migration_latest": migrate::latest(dialect),
            "storage": app.store.kind(),
            "storage_location": app.store.location(),
            "storage_check": check,
            "settings": effective,
            "last_refresh": last,
        }),
    ))
}

/// Rebuilds the summary tables now (as `POST /api/v1/summaries/refresh` does).
#[post("/admin/system/refresh", data = "<_form>")]
pub async fn refresh(
    app: &State<App>,
    _staff: Staff,
    _form: AdminForm,
) -> AdminResult<Flash<Redirect>> {
    let report = refresh_summaries(app).await?;
    Ok(Flash::success(
        Redirect::to("/admin/system/"),
        format!(
            "The summary tables were rebuilt in {:.3} s.",
            report.duration.as_secs_f64()
        ),
    ))
}
