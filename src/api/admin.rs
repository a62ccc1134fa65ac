//! The admin UI's front door: `/admin/` (who is signed in), `/admin/login/` (local accounts,
//! and a link to the identity provider) and `/admin/logout/`. The full admin comes later.

use std::time::Duration;

use rocket::form::{Form, FromForm};
use rocket::http::{CookieJar, Status};
use rocket::response::Redirect;
use rocket::{get, post, routes, Either, Route, State};

use super::auth::{remove_cookie, set_cookie, Client, MaybeSession, LOGIN_CSRF_COOKIE};
use super::html::{esc, Page};
use super::oauth2::{begin_session, sign_out, LOGIN_FAILED};
use super::pages::BaseUrl;
use crate::app::App;
use crate::db::format_timestamp;
use crate::db::repo::{OutboxStatus, OutboxStore};
use crate::domain::identity::{random_secret, safe_next, same_secret, User};
use crate::identity::LoginError;

pub fn routes() -> Vec<Route> {
    routes![index, login_form, login_submit, logout, outbox]
}

pub const BAD_CREDENTIALS: &str =
    "Please enter a correct username and password. Note that both fields may be case-sensitive.";
pub const CSRF_FAILED: &str = "CSRF verification failed. Request aborted.";

fn display_name(user: &User) -> String {
    let full = format!("{} {}", user.first_name, user.last_name);
    match full.trim() {
        "" => user.username.clone(),
        name => format!("{name} ({})", user.username),
    }
}

fn logout_form(csrf: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/admin/logout/\">\n\
         <input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"{}\">\n\
         <button type=\"submit\">Sign out</button>\n</form>",
        esc(csrf)
    )
}

#[get("/admin")]
fn index(session: MaybeSession) -> Either<Page, Redirect> {
    let Some(session) = session.0 else {
        return Either::Right(Redirect::found("/admin/login/?next=/admin/"));
    };
    let user = &session.user;
    let form = logout_form(&session.record.csrf_token);
    if user.is_staff {
        Either::Left(Page::new(
            Status::Ok,
            "Site administration",
            format!(
                "<h1>Site administration</h1>\n<p>Signed in as <strong>{}</strong>{}.</p>\n\
                 <ul><li><a href=\"/admin/outbox/\">Notification outbox</a></li></ul>\n{form}",
                esc(&display_name(user)),
                if user.is_superuser { ", superuser" } else { "" }
            ),
        ))
    } else {
        Either::Left(Page::new(
            Status::Forbidden,
            "Not allowed",
            format!(
                "<h1>Not allowed</h1>\n<p>You are signed in as <strong>{}</strong>, but this \
                 account may not use the administration site. Sign out and sign in with a staff \
                 account.</p>\n{form}\n<p><a href=\"/api/v1/oauth2/logout\">Sign out</a></p>",
                esc(&display_name(user))
            ),
        ))
    }
}

/// The sign-in page: the provider link when one is configured, the password form when
/// local accounts may sign in, and `error` above them.
fn login_page(app: &App, status: Status, csrf: &str, next: &str, error: Option<&str>) -> Page {
    let mut body = String::from("<h1>tbseq administration</h1>\n");
    if let Some(error) = error {
        body.push_str(&format!(
            "<p role=\"alert\"><strong>{}</strong></p>\n",
            esc(error)
        ));
    }
    if app.identity.oidc.is_some() {
        let href = format!(
            "/api/v1/oauth2/login?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        );
        body.push_str(&format!(
            "<p><a href=\"{}\">Sign in with your organisation's account</a></p>\n",
            esc(&href)
        ));
    }
    if app.identity.local_login {
        body.push_str(&format!(
            "<form method=\"post\" action=\"/admin/login/\">\n\
             <input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"{}\">\n\
             <input type=\"hidden\" name=\"next\" value=\"{}\">\n\
             <p><label>Username <input name=\"username\" autocomplete=\"username\" maxlength=\"150\" required autofocus></label></p>\n\
             <p><label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\" required></label></p>\n\
             <p><button type=\"submit\">Log in</button></p>\n</form>\n",
            esc(csrf),
            esc(next)
        ));
    } else if app.identity.oidc.is_none() {
        body.push_str("<p>No sign-in method is configured on this server.</p>\n");
    }
    Page::new(status, "Log in", body)
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
) -> Either<Page, Redirect> {
    let next = safe_next(next);
    if session.0.is_some_and(|s| s.user.is_staff) {
        return Either::Right(Redirect::found(next));
    }
    let csrf = login_csrf(cookies, &client);
    Either::Left(login_page(app, Status::Ok, &csrf, &next, None))
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
) -> Result<Redirect, Page> {
    let next = safe_next(form.next);
    let expected = cookies.get_private(LOGIN_CSRF_COOKIE);
    let sent = form.csrfmiddlewaretoken.unwrap_or("");
    if !expected.is_some_and(|c| same_secret(c.value(), sent)) {
        return Err(Page::failure(Status::Forbidden, CSRF_FAILED));
    }
    let csrf = login_csrf(cookies, &client);
    if !app.identity.local_login {
        return Err(login_page(
            app,
            Status::Forbidden,
            &csrf,
            &next,
            Some("Password sign-in is disabled on this server; use single sign-on."),
        ));
    }
    let (username, password) = (form.username.unwrap_or(""), form.password.unwrap_or(""));
    if username.is_empty() || password.is_empty() {
        return Err(login_page(
            app,
            Status::BadRequest,
            &csrf,
            &next,
            Some(BAD_CREDENTIALS),
        ));
    }
    let user = match app
        .identity
        .password_login(username, password, &client.address)
        .await
    {
        Ok(user) => user,
        Err(LoginError::Invalid) => {
            return Err(login_page(
                app,
                Status::Unauthorized,
                &csrf,
                &next,
                Some(BAD_CREDENTIALS),
            ))
        }
        Err(LoginError::Throttled { retry_after }) => {
            let minutes = retry_after.div_ceil(60);
            let mut page = login_page(
                app,
                Status::TooManyRequests,
                &csrf,
                &next,
                Some(&format!(
                    "Too many failed sign-in attempts. Try again in {minutes} minutes."
                )),
            );
            page.retry_after = Some(retry_after);
            return Err(page);
        }
        Err(LoginError::Db(e)) => {
            tracing::error!("database error: {e}");
            return Err(Page::failure(Status::InternalServerError, LOGIN_FAILED));
        }
    };
    begin_session(app, &client, cookies, &user).await?;
    remove_cookie(cookies, LOGIN_CSRF_COOKIE);
    Ok(Redirect::to(next))
}

#[derive(FromForm)]
struct LogoutForm<'r> {
    csrfmiddlewaretoken: Option<&'r str>,
}

#[post("/admin/logout", data = "<form>")]
async fn logout(
    app: &State<App>,
    base: BaseUrl,
    cookies: &CookieJar<'_>,
    session: MaybeSession,
    form: Form<LogoutForm<'_>>,
) -> Result<Redirect, Page> {
    if let Some(session) = &session.0 {
        if !same_secret(
            form.csrfmiddlewaretoken.unwrap_or(""),
            &session.record.csrf_token,
        ) {
            return Err(Page::failure(Status::Forbidden, CSRF_FAILED));
        }
    }
    Ok(sign_out(app, &base, cookies).await)
}

/// How many outbox rows the page shows.
const OUTBOX_PAGE: u32 = 200;

/// The notification outbox: every e-mail tbseq queued, newest first, with where it stands
/// (sent, waiting for a retry, or given up with its last error). Staff only.
#[get("/admin/outbox")]
async fn outbox(app: &State<App>, session: MaybeSession) -> Result<Either<Page, Redirect>, Page> {
    let Some(session) = session.0 else {
        return Ok(Either::Right(Redirect::found(
            "/admin/login/?next=/admin/outbox/",
        )));
    };
    if !session.user.is_staff {
        return Ok(Either::Left(Page::new(
            Status::Forbidden,
            "Not allowed",
            "<h1>Not allowed</h1>\n<p>This account may not use the administration site.</p>".into(),
        )));
    }
    let failure = |e: crate::db::DbError| {
        tracing::error!("database error: {e}");
        Page::new(
            Status::InternalServerError,
            "Error",
            "<h1>Server error</h1>".into(),
        )
    };
    let max = app.config.mail.max_attempts;
    let counts = app.db.outbox_counts(max).await.map_err(failure)?;
    let rows = app.db.recent_messages(OUTBOX_PAGE).await.map_err(failure)?;
    let mut body = format!(
        "<h1>Notification outbox</h1>\n<p><a href=\"/admin/\">Site administration</a></p>\n\
         <p>{} pending, {} failed, {} sent.</p>\n<table>\n<thead><tr><th>Queued</th><th>Kind</th>\
         <th>Package</th><th>To</th><th>Subject</th><th>Status</th><th>Attempts</th>\
         <th>Last error</th></tr></thead>\n<tbody>\n",
        counts.pending, counts.failed, counts.sent
    );
    for m in &rows {
        let status = match m.status(max) {
            OutboxStatus::Sent => format!(
                "sent {}",
                m.sent_at.map(format_timestamp).unwrap_or_default()
            ),
            OutboxStatus::Failed => "failed".to_string(),
            OutboxStatus::Pending => match m.next_attempt_at {
                Some(at) => format!("retry at {}", format_timestamp(at)),
                None => "pending".to_string(),
            },
        };
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&format_timestamp(m.created_at)),
            esc(&m.kind),
            m.package_id.map(|p| p.to_string()).unwrap_or_default(),
            esc(&m.recipient),
            esc(&m.subject),
            esc(&status),
            m.attempts,
            esc(m.last_error.as_deref().unwrap_or(""))
        ));
    }
    body.push_str("</tbody>\n</table>\n");
    Ok(Either::Left(Page::new(
        Status::Ok,
        "Notification outbox",
        body,
    )))
}
