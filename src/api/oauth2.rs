//! `/api/v1/oauth2/…`: browser sign-in through the identity provider (authorization code with
//! PKCE, nonce and state), as django_auth_adfs offers it to the admin.
//!
//! State, nonce and PKCE verifier are kept server-side (hashed state as key) for ten minutes
//! and used once; the state is also bound to the browser by a private cookie.

use std::time::Duration;

use rocket::http::{CookieJar, Status};
use rocket::response::Redirect;
use rocket::{get, post, routes, Route, State};
use time::OffsetDateTime;

use super::auth::{remove_cookie, set_cookie, Client, OIDC_STATE_COOKIE, SESSION_COOKIE};
use super::html::Page;
use super::pages::BaseUrl;
use crate::app::App;
use crate::db::repo::AdminStore;
use crate::db::repo::{IdentityStore, OidcState};
use crate::domain::identity::{hash_secret, safe_next, same_secret, User};
use crate::identity::AuthError;

pub fn routes() -> Vec<Route> {
    routes![login, callback, logout_get, logout_post]
}

/// How long a started sign-in may take.
const SIGN_IN_TIME: Duration = Duration::from_secs(600);

const CALLBACK: &str = "/api/v1/oauth2/callback";

pub const LOGIN_FAILED: &str = "Login failed.";
pub const NO_CODE: &str = "No authorization code was provided.";
pub const ACCOUNT_DISABLED: &str = "Your account is disabled.";
const UNREACHABLE: &str = "The identity provider cannot be reached. Try again later.";

#[get("/oauth2/login?<next>")]
async fn login(
    app: &State<App>,
    base: BaseUrl,
    client: Client,
    cookies: &CookieJar<'_>,
    next: Option<&str>,
) -> Result<Redirect, Page> {
    let Some(oidc) = &app.identity.oidc else {
        return Err(Page::failure(
            Status::NotFound,
            "Single sign-on is not configured on this server.",
        ));
    };
    let authorization = oidc
        .authorize(&base.join(CALLBACK))
        .await
        .map_err(|_| Page::failure(Status::ServiceUnavailable, UNREACHABLE))?;
    let now = OffsetDateTime::now_utc();
    let pending = OidcState {
        nonce: authorization.nonce,
        pkce_verifier: authorization.pkce_verifier,
        next_url: safe_next(next),
        expires_at: now + SIGN_IN_TIME,
    };
    app.db
        .save_oidc_state(&hash_secret(&authorization.state), &pending, now)
        .await
        .map_err(|_| Page::failure(Status::InternalServerError, LOGIN_FAILED))?;
    set_cookie(
        cookies,
        OIDC_STATE_COOKIE,
        authorization.state,
        client.https,
        SIGN_IN_TIME,
    );
    Ok(Redirect::found(authorization.url))
}

#[get("/oauth2/callback?<code>&<state>")]
async fn callback(
    app: &State<App>,
    base: BaseUrl,
    client: Client,
    cookies: &CookieJar<'_>,
    code: Option<&str>,
    state: Option<&str>,
) -> Result<Redirect, Page> {
    let failed = || Page::failure(Status::Unauthorized, LOGIN_FAILED);
    let bound = cookies
        .get_private(OIDC_STATE_COOKIE)
        .map(|c| c.value().to_string());
    remove_cookie(cookies, OIDC_STATE_COOKIE);
    let (Some(oidc), Some(code)) = (&app.identity.oidc, code.filter(|c| !c.is_empty())) else {
        return Err(Page::failure(Status::BadRequest, NO_CODE));
    };
    let state = state.filter(|s| !s.is_empty()).ok_or_else(failed)?;
    // The state must come back to the browser that asked for it, once, in time.
    if !bound.is_some_and(|b| same_secret(&b, state)) {
        return Err(failed());
    }
    let pending = app
        .db
        .take_oidc_state(&hash_secret(state))
        .await
        .map_err(|_| failed())?
        .filter(|p| p.expires_at > OffsetDateTime::now_utc())
        .ok_or_else(failed)?;
    let claims = oidc
        .complete(
            &base.join(CALLBACK),
            code,
            &pending.nonce,
            &pending.pkce_verifier,
        )
        .await
        .map_err(|e| {
            tracing::warn!("provider sign-in failed: {e}");
            failed()
        })?;
    let identity = app.identity.identity(&claims).ok_or_else(failed)?;
    let user = app
        .identity
        .external_user(&identity)
        .await
        .map_err(|e| match e {
            AuthError::Db(e) => {
                tracing::error!("database error: {e}");
                Page::failure(Status::InternalServerError, LOGIN_FAILED)
            }
            _ => failed(),
        })?;
    if !user.is_active {
        return Err(Page::failure(Status::Forbidden, ACCOUNT_DISABLED));
    }
    begin_session(app, &client, cookies, &user).await?;
    Ok(Redirect::found(safe_next(Some(&pending.next_url))))
}

/// Starts a session for a user who just signed in (ending the browser's previous one, so that
/// a session id is never reused across sign-ins) and sets its cookie.
pub async fn begin_session(
    app: &App,
    client: &Client,
    cookies: &CookieJar<'_>,
    user: &User,
) -> Result<(), Page> {
    if let Some(old) = cookies.get_private(SESSION_COOKIE) {
        let _ = app.identity.end_session(old.value()).await;
    }
    let session = app
        .identity
        .start_session(user, client.user_agent.as_deref(), Some(&client.address))
        .await
        .map_err(|e| {
            tracing::error!("database error: {e}");
            Page::failure(Status::InternalServerError, LOGIN_FAILED)
        })?;
    if user.is_staff {
        // Staff sign-ins go to the audit log (the original logged them as `admin login`).
        if let Err(e) = app.db.audit_sign_in(user.id, &user.username).await {
            tracing::error!("database error: {e}");
        }
        tracing::info!(target: "tbseq::admin", "admin login: {} via IP {}", user.username, client.address);
    }
    set_cookie(
        cookies,
        SESSION_COOKIE,
        session.secret,
        client.https,
        session.lifetime,
    );
    Ok(())
}

/// Ends the browser session; then the provider's session too when it offers an end-session
/// endpoint, coming back to the sign-in page.
pub async fn sign_out(app: &App, base: &BaseUrl, cookies: &CookieJar<'_>) -> Redirect {
    if let Some(cookie) = cookies.get_private(SESSION_COOKIE) {
        if let Err(e) = app.identity.end_session(cookie.value()).await {
            tracing::error!("database error: {e}");
        }
    }
    remove_cookie(cookies, SESSION_COOKIE);
    let back = base.join("/admin/login/");
    let target = match &app.identity.oidc {
        Some(oidc) => oidc.end_session_url(&back).await,
        None => None,
    };
    Redirect::to(target.unwrap_or_else(|| "/admin/login/".into()))
}

#[get("/oauth2/logout")]
async fn logout_get(app: &State<App>, base: BaseUrl, cookies: &CookieJar<'_>) -> Redirect {
    sign_out(app, &base, cookies).await
}

#[post("/oauth2/logout")]
async fn logout_post(app: &State<App>, base: BaseUrl, cookies: &CookieJar<'_>) -> Redirect {
    sign_out(app, &base, cookies).await
}
