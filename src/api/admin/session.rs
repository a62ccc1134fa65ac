//! The admin's front door: `/admin/login/` (local accounts, and a link to the identity
//! provider) and `/admin/logout/`.

use std::time::Duration;

use rocket::form::{Form, FromForm};
use rocket::http::{CookieJar, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Redirect, Responder};
use rocket::{get, post, Either, State};
use rocket_dyn_templates::Template;
use serde_json::json;

use super::guard::AdminForm;
use super::shell::CSRF_FAILED;
use crate::api::auth::{remove_cookie, set_cookie, Client, MaybeSession, LOGIN_CSRF_COOKIE};
use crate::api::html::Page;
use crate::api::oauth2::{begin_session, sign_out, LOGIN_FAILED};
use crate::api::pages::BaseUrl;
use crate::app::App;
use crate::domain::identity::{random_secret, safe_next, same_secret};
use crate::identity::LoginError;

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![login_form, login_submit, logout]
}

pub const BAD_CREDENTIALS: &str =
    "Please enter a correct username and password. Note that both fields may be case-sensitive.";

/// The sign-in page: the provider link when one is configured, the password form when
/// local accounts may sign in, and `error` above them.
fn login_page(app: &App, csrf: &str, next: &str, error: Option<&str>) -> Template {
    let provider_href = app.identity.oidc.is_some().then(|| {
        format!(
            "/api/v1/oauth2/login?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        )
    });
    Template::render(
        "admin/login.html",
        json!({
            "title": "Log in",
            "messages": [],
            "error": error,
            "provider_href": provider_href,
            "local_login": app.identity.local_login,
            "csrf": csrf,
            "next": next,
        }),
    )
}

/// A sign-in page with its status (and how long to wait, when throttled).
pub struct LoginPage {
    status: Status,
    page: Template,
    retry_after: Option<u64>,
}

impl<'r> Responder<'r, 'static> for LoginPage {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let mut response = (self.status, self.page).respond_to(req)?;
        if let Some(seconds) = self.retry_after {
            response.set_header(Header::new("Retry-After", seconds.to_string()));
        }
        Ok(response)
    }
}

/// The sign-in form's anti-forgery token, created on first visit.
fn login_csrf(cookies: &CookieJar<'_>, client: &Client) -> String {
    if let Some(cookie) = cookies.get_private(LOGIN_CSRF_COOKIE) {
        return cookie.value().to_string();
    }
    let token = random_secret();
    set_cookie(
        cookies,
        LOGIN_CSRF_COOKIE,
        token.clone(),
        client.https,
        Duration::from_secs(12 * 3600),
    );
    token
}

#[get("/admin/login?<next>")]
fn login_form(
    app: &State<App>,
    client: Client,
    cookies: &CookieJar<'_>,
    session: MaybeSession,
    next: Option<&str>,
) -> Either<Template, Redirect> {
    let next = safe_next(next);
    if session.0.is_some_and(|s| s.user.is_staff) {
        return Either::Right(Redirect::found(next));
    }
    let csrf = login_csrf(cookies, &client);
    Either::Left(login_page(app, &csrf, &next, None))
}

#[derive(FromForm)]
struct LoginForm<'r> {
    username: Option<&'r str>,
    password: Option<&'r str>,
    csrfmiddlewaretoken: Option<&'r str>,
    next: Option<&'r str>,
}

#[post("/admin/login", data = "<form>")]
async fn login_submit(
    app: &State<App>,
    client: Client,
    cookies: &CookieJar<'_>,
    form: Form<LoginForm<'_>>,
) -> Result<Redirect, Either<LoginPage, Page>> {
    let next = safe_next(form.next);
    let expected = cookies.get_private(LOGIN_CSRF_COOKIE);
    let sent = form.csrfmiddlewaretoken.unwrap_or("");
    if !expected.is_some_and(|c| same_secret(c.value(), sent)) {
        return Err(Either::Right(Page::failure(Status::Forbidden, CSRF_FAILED)));
    }
    let csrf = login_csrf(cookies, &client);
    let refuse = |status: Status, error: &str, retry_after: Option<u64>| {
        Either::Left(LoginPage {
            status,
            page: login_page(app, &csrf, &next, Some(error)),
            retry_after,
        })
    };
    if !app.identity.local_login {
        return Err(refuse(
            Status::Forbidden,
            "Password sign-in is disabled on this server; use single sign-on.",
            None,
        ));
    }
    let (username, password) = (form.username.unwrap_or(""), form.password.unwrap_or(""));
    if username.is_empty() || password.is_empty() {
        return Err(refuse(Status::BadRequest, BAD_CREDENTIALS, None));
    }
    let user = match app
        .identity
        .password_login(username, password, &client.address)
        .await
    {
        Ok(user) => user,
        Err(LoginError::Invalid) => {
            return Err(refuse(Status::Unauthorized, BAD_CREDENTIALS, None))
        }
        Err(LoginError::Throttled { retry_after }) => {
            let minutes = retry_after.div_ceil(60);
            return Err(refuse(
                Status::TooManyRequests,
                &format!("Too many failed sign-in attempts. Try again in {minutes} minutes."),
                Some(retry_after),
            ));
        }
        Err(LoginError::Db(e)) => {
            tracing::error!("database error: {e}");
            return Err(Either::Right(Page::failure(
                Status::InternalServerError,
                LOGIN_FAILED,
            )));
        }
    };
    begin_session(app, &client, cookies, &user)
        .await
        .map_err(Either::Right)?;
    remove_cookie(cookies, LOGIN_CSRF_COOKIE);
    Ok(Redirect::to(next))
}

/// Signing out needs the session's token, like every admin form.
#[post("/admin/logout", data = "<_form>")]
async fn logout(
    app: &State<App>,
    base: BaseUrl,
    cookies: &CookieJar<'_>,
    _form: AdminForm,
) -> Redirect {
    sign_out(app, &base, cookies).await
}
