//! `/api/v1/identity/…`: who the caller is.

use rocket::serde::json::Json;
use rocket::{get, routes, Route, State};

use super::auth::{CurrentUser, StaffUser};
use super::error::ApiResult;
use crate::app::App;
use crate::db::repo::IdentityStore;
use crate::domain::identity::UserProfile;

pub fn routes() -> Vec<Route> {
    routes![user, users]
}

/// The signed-in user, so that clients and scripts can check a token.
#[get("/identity/user")]
fn user(user: CurrentUser) -> Json<UserProfile> {
    Json(UserProfile::from(&*user.0))
}

/// Every user (staff only).
#[get("/identity/users")]
async fn users(app: &State<App>, _staff: StaffUser) -> ApiResult<Json<Vec<UserProfile>>> {
    Ok(Json(
        app.db
            .users()
            .await?
            .iter()
            .map(UserProfile::from)
            .collect(),
    ))
}
