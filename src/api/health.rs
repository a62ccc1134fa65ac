//! `/ping` (liveness: no authentication, no database) and `/ready` (readiness: database and
//! file store answer).

use rocket::http::{ContentType, Method, Status};
use rocket::response::status::Custom;
use rocket::route::{Handler, Outcome};
use rocket::serde::json::Json;
use rocket::{get, routes, Data, Request, Route, State};
use serde::Serialize;

use crate::app::App;
use crate::db::migrate;
use crate::db::repo::SystemStore;

/// `/ping` answers `pong` to any method, as the original's first middleware does.
#[derive(Clone)]
struct Pong;

#[rocket::async_trait]
impl Handler for Pong {
    async fn handle<'r>(&self, req: &'r Request<'_>, _: Data<'r>) -> Outcome<'r> {
        Outcome::from(req, (ContentType::HTML, "pong"))
    }
}

pub fn routes() -> Vec<Route> {
    let mut all: Vec<Route> = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
        Method::Options,
    ]
    .into_iter()
    .map(|m| Route::new(m, "/ping", Pong))
    .collect();
    all.extend(routes![ready]);
    all
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Check {
    ok: bool,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    schema_version: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
struct Readiness {
    status: &'static str,
    database: Check,
    storage: Check,
}

#[get("/ready")]
async fn ready(app: &State<App>) -> Custom<Json<Readiness>> {
    let db_check = match app.db.ping().await {
        Ok(()) => Check {
            ok: true,
            kind: app.db.dialect().name(),
            schema_version: migrate::applied_version(&app.db).await.ok().flatten(),
            error: None,
        },
        Err(e) => Check {
            ok: false,
            kind: app.db.dialect().name(),
            schema_version: None,
            error: Some(e.to_string()),
        },
    };
    let store_check = match app.store.check().await {
        Ok(()) => Check {
            ok: true,
            kind: app.store.kind(),
            schema_version: None,
            error: None,
        },
        Err(e) => Check {
            ok: false,
            kind: app.store.kind(),
            schema_version: None,
            error: Some(e.to_string()),
        },
    };
    let ok = db_check.ok && store_check.ok;
    Custom(
        if ok {
            Status::Ok
        } else {
            Status::ServiceUnavailable
        },
        Json(Readiness {
            status: if ok { "ok" } else { "unavailable" },
            database: db_check,
            storage: store_check,
        }),
    )
}
