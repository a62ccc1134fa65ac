//! Who may use the admin, and the one anti-forgery check of every admin form.
//!
//! [`Staff`] guards every admin page: without a session the catcher sends the browser to the
//! sign-in page, a signed-in non-staff user gets a notice with a way to sign out.
//! [`AdminForm`] reads every admin POST body and refuses it (403) unless its
//! `csrfmiddlewaretoken` is the session's token.

use std::collections::HashMap;

use rocket::data::{Data, FromData, Outcome as DataOutcome, ToByteUnit};
use rocket::http::Status;
use rocket::request::{FlashMessage, FromRequest, Outcome, Request};

use crate::api::auth::Session;
use crate::domain::identity::{same_secret, User};

/// The session of the request, looked up once per request.
pub(super) async fn session<'r>(req: &'r Request<'_>) -> &'r Option<Session> {
    req.local_cache_async(async { Session::of(req).await.ok().flatten() })
        .await
}

/// A signed-in staff user, their session's anti-forgery token and a message left by the
/// previous page (after a redirect).
pub struct Staff {
    pub user: User,
    pub csrf: String,
    pub flash: Option<(String, String)>,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Staff {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        match session(req).await {
            None => Outcome::Error((Status::Unauthorized, ())),
            Some(s) if !s.user.is_staff => Outcome::Error((Status::Forbidden, ())),
            Some(s) => {
                let flash = match req.guard::<Option<FlashMessage<'_>>>().await {
                    Outcome::Success(Some(f)) => {
                        Some((f.kind().to_string(), f.message().to_string()))
                    }
                    _ => None,
                };
                Outcome::Success(Staff {
                    user: s.user.clone(),
                    csrf: s.record.csrf_token.clone(),
                    flash,
                })
            }
        }
    }
}

/// Set when a form was refused for its token, so that the catcher says so.
pub(super) struct CsrfRejected(pub bool);

/// An admin form's fields (the last value of each name) and every (name, value) pair in
/// order (for repeated names such as the selected rows of a list), its token already checked.
pub struct AdminForm(pub HashMap<String, String>, pub Vec<(String, String)>);

#[rocket::async_trait]
impl<'r> FromData<'r> for AdminForm {
    type Error = ();

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> DataOutcome<'r, Self, ()> {
        let limit = req.limits().get("form").unwrap_or_else(|| 64.kibibytes());
        let body = match data.open(limit).into_string().await {
            Ok(body) if body.is_complete() => body.into_inner(),
            Ok(_) => return DataOutcome::Error((Status::PayloadTooLarge, ())),
            Err(_) => return DataOutcome::Error((Status::BadRequest, ())),
        };
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        let fields: HashMap<String, String> = pairs.iter().cloned().collect();
        let sent = fields.get("csrfmiddlewaretoken").map_or("", String::as_str);
        let valid = session(req)
            .await
            .as_ref()
            .is_some_and(|s| same_secret(sent, &s.record.csrf_token));
        if !valid {
            req.local_cache(|| CsrfRejected(true));
            return DataOutcome::Error((Status::Forbidden, ()));
        }
        DataOutcome::Success(AdminForm(fields, pairs))
    }
}

/// The query string as (name, value) pairs, in order.
pub struct QueryPairs(pub Vec<(String, String)>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for QueryPairs {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let pairs = req
            .uri()
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_str().as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        Outcome::Success(QueryPairs(pairs))
    }
}
