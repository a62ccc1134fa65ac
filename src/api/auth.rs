//! Request guards for who is calling, and the cookies that carry a browser session.
//!
//! API routes that need a user take [`CurrentUser`] (or [`StaffUser`]); public routes take
//! neither, so a bad token there is simply ignored, as in the original.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use rocket::http::{Cookie, CookieJar, Method, SameSite, Status};
use rocket::request::{FromRequest, Outcome, Request};

use super::error::ApiError;
use super::pages::BaseUrl;
use crate::app::App;
use crate::config::Environment;
use crate::db::repo::SessionRecord;
use crate::domain::identity::{
    parse_authorization, same_secret, Credentials, User, NOT_AUTHENTICATED, PERMISSION_DENIED,
};
use crate::identity::AuthError;

/// The browser session cookie (private: encrypted and authenticated with the secret key).
pub const SESSION_COOKIE: &str = "tbseq_session";
/// Anti-forgery token of the sign-in form, for visitors without a session.
pub const LOGIN_CSRF_COOKIE: &str = "tbseq_csrf";
/// Binds a provider sign-in to the browser that started it.
pub const OIDC_STATE_COOKIE: &str = "tbseq_oidc_state";

/// `WWW-Authenticate` on every 401.
pub const BEARER_CHALLENGE: &str = "Bearer realm=\"api\"";

/// Why a guard refused the request; the catcher renders it instead of its default.
pub(crate) struct AuthRejection(pub Option<ApiError>);

fn unauthorized(code: &str, detail: &str) -> ApiError {
    let mut error = ApiError::new(Status::Unauthorized, code, detail);
    error.authenticate = Some(BEARER_CHALLENGE.into());
    error
}

pub fn not_authenticated() -> ApiError {
    unauthorized("not_authenticated", NOT_AUTHENTICATED)
}

pub fn permission_denied(detail: &str) -> ApiError {
    ApiError::new(Status::Forbidden, "permission_denied", detail)
}

fn reject<T>(req: &Request<'_>, error: ApiError) -> Outcome<T, ()> {
    let status = error.status;
    req.local_cache(|| AuthRejection(Some(error)));
    Outcome::Error((status, ()))
}

fn app<'r>(req: &'r Request<'_>) -> &'r App {
    req.rocket()
        .state::<App>()
        .expect("the App is managed by build_rocket")
}

/// The signed-in user of an API request: `Authorization: Bearer` with a provider access
/// token or a personal API token; outside production also the admin session cookie, as in the
/// original (unsafe methods then need the session's token in `X-CSRFToken`).
pub struct CurrentUser(pub Arc<User>);

async fn current_user(req: &Request<'_>) -> Result<Arc<User>, ApiError> {
    let app = app(req);
    match parse_authorization(req.headers().get_one("Authorization")) {
        Credentials::Malformed(message) => Err(unauthorized("authentication_failed", message)),
        Credentials::Bearer(token) => {
            app.identity
                .authenticate_bearer(token)
                .await
                .map_err(|e| match e {
                    AuthError::Failed(message) => unauthorized("authentication_failed", message),
                    AuthError::Unavailable => ApiError::new(
                        Status::ServiceUnavailable,
                        "service_unavailable",
                        "The identity provider cannot be reached; try again later.",
                    ),
                    AuthError::Db(e) => ApiError::from(e),
                })
        }
        Credentials::None => {
            if app.config.environment != Environment::Production {
                if let Some(session) = Session::of(req).await? {
                    let safe = matches!(req.method(), Method::Get | Method::Head | Method::Options);
                    let header = req.headers().get_one("X-CSRFToken").unwrap_or("");
                    if !safe && !same_secret(header, &session.record.csrf_token) {
                        return Err(permission_denied(
                            "CSRF Failed: CSRF token missing or incorrect.",
                        ));
                    }
                    return Ok(Arc::new(session.user));
                }
            }
            Err(not_authenticated())
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CurrentUser {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        match current_user(req).await {
            Ok(user) => Outcome::Success(CurrentUser(user)),
            Err(error) => reject(req, error),
        }
    }
}

/// A signed-in staff user; others get 403 `permission_denied`.
pub struct StaffUser(pub Arc<User>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for StaffUser {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        match current_user(req).await {
            Ok(user) if user.is_staff => Outcome::Success(StaffUser(user)),
            Ok(_) => reject(req, permission_denied(PERMISSION_DENIED)),
            Err(error) => reject(req, error),
        }
    }
}

/// A live browser session.
pub struct Session {
    pub user: User,
    pub record: SessionRecord,
}

impl Session {
    /// The session of the request's cookie, if it is live and its user active.
    pub async fn of(req: &Request<'_>) -> Result<Option<Session>, ApiError> {
        let Some(cookie) = req.cookies().get_private(SESSION_COOKIE) else {
            return Ok(None);
        };
        Ok(app(req)
            .identity
            .session_user(cookie.value())
            .await?
            .map(|(user, record)| Session { user, record }))
    }
}

/// The browser session, if any; never fails.
pub struct MaybeSession(pub Option<Session>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for MaybeSession {
    type Error = Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Infallible> {
        Outcome::Success(MaybeSession(Session::of(req).await.ok().flatten()))
    }
}

/// Where a browser request comes from, for sessions and throttling.
pub struct Client {
    pub address: String,
    pub user_agent: Option<String>,
    /// Whether cookies must be `Secure` (the request or `public_url` is https).
    pub https: bool,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Client {
    type Error = Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Infallible> {
        let base = match BaseUrl::from_request(req).await {
            Outcome::Success(base) => base,
            _ => BaseUrl("http://localhost".into()),
        };
        Outcome::Success(Client {
            address: req
                .client_ip()
                .map_or_else(|| "unknown".to_string(), |ip| ip.to_string()),
            user_agent: req.headers().get_one("User-Agent").map(str::to_string),
            https: base.0.starts_with("https://"),
        })
    }
}

/// A private, HttpOnly, SameSite=Lax cookie for the whole site, Secure behind https.
pub fn set_cookie(
    jar: &CookieJar<'_>,
    name: &'static str,
    value: String,
    https: bool,
    max_age: Duration,
) {
    let cookie = Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(https)
        .max_age(rocket::time::Duration::seconds(max_age.as_secs() as i64));
    jar.add_private(cookie);
}

pub fn remove_cookie(jar: &CookieJar<'_>, name: &'static str) {
    jar.remove_private(Cookie::build(name).path("/"));
}
