//! The JSON API under `/api/v1`, with the original's conventions: camelCase keys, the error
//! envelope on every error (404 and 405 included), paths with or without a trailing slash.
//! Handlers stay thin: they parse, call a repository or a domain function, and serialise.

pub mod admin;
pub mod auth;
pub mod body;
pub mod cached;
pub mod downloads;
pub mod error;
pub mod fairings;
pub mod files;
pub mod genphen;
pub mod health;
pub mod html;
pub mod identity;
pub mod imports;
pub mod oauth2;
pub mod observe;
pub mod openapi;
pub mod overview;
pub mod package_items;
pub mod package_tests;
pub mod packages;
pub mod pages;
pub mod query;
pub mod sequencing;
pub mod static_files;
pub mod submission;
pub mod web;

use rocket::http::{Header, Method, Status};
use rocket::response::Responder;
use rocket::{catcher, Catcher, Request, Route};

use error::ApiError;

/// Every route served under `/api/v1`.
pub fn routes() -> Vec<Route> {
    let mut all = genphen::routes();
    all.extend(overview::routes());
    all.extend(submission::routes());
    all.extend(packages::routes());
    all.extend(package_items::routes());
    all.extend(package_tests::routes());
    all.extend(sequencing::routes());
    all.extend(identity::routes());
    all.extend(imports::routes());
    all.extend(oauth2::routes());
    all.extend(openapi::routes());
    all
}

pub fn catchers() -> Vec<Catcher> {
    vec![Catcher::new(None, catch_all)]
}

/// Turns every error status into the envelope; a 404 on a path that exists under another
/// method becomes the 405 the original answers.
fn catch_all<'r>(status: Status, req: &'r Request<'_>) -> catcher::BoxFuture<'r> {
    let mut allow = None;
    let rejection = req.local_cache(|| auth::AuthRejection(None)).0.clone();
    let error = match status.code {
        // A guard said why it refused (authentication, permission, provider down).
        _ if rejection.is_some() => rejection.unwrap_or_else(ApiError::internal),
        404 => {
            let methods = allowed_methods(req);
            if methods.is_empty() || methods.contains(&req.method()) {
                ApiError::not_found()
            } else {
                let list: Vec<&str> = methods.iter().map(|m| m.as_str()).collect();
                allow = Some(list.join(", "));
                ApiError::method_not_allowed(req.method().as_str())
            }
        }
        400 => ApiError::new(status, "parse_error", "Malformed request."),
        401 => auth::not_authenticated(),
        403 => auth::permission_denied(crate::domain::identity::PERMISSION_DENIED),
        413 => ApiError::new(status, "too_large", "The request body is too large."),
        415 => ApiError::new(status, "unsupported_media_type", "Unsupported media type."),
        422 => ApiError::new(status, "invalid", "The request body could not be read."),
        code if code >= 500 => ApiError::internal(),
        _ => ApiError::new(status, "error", status.reason().unwrap_or("Error")),
    };
    Box::pin(async move {
        let mut response = error.respond_to(req)?;
        if let Some(allow) = allow {
            response.set_header(Header::new("Allow", allow));
        }
        Ok(response)
    })
}

/// The methods routed for the request's path (HEAD implied by GET).
pub(crate) fn allowed_methods(req: &Request<'_>) -> Vec<Method> {
    let segments: Vec<&str> = req
        .uri()
        .path()
        .as_str()
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let matching: Vec<&Route> = req
        .rocket()
        .routes()
        .filter(|route| route_matches(route.uri.path(), &segments))
        .collect();
    // A catch-all (the frontend's `/<path..>`) says nothing about a path that has routes of
    // its own: `GET` on a POST-only API path is still a 405.
    let specific = matching.iter().any(|r| !r.uri.path().contains("..>"));
    let mut methods: Vec<Method> = matching
        .iter()
        .filter(|r| !specific || !r.uri.path().contains("..>"))
        .map(|route| route.method)
        .collect();
    if methods.contains(&Method::Get) {
        methods.push(Method::Head);
    }
    methods.sort_by_key(|m| m.as_str());
    methods.dedup();
    methods
}

fn route_matches(route: &str, segments: &[&str]) -> bool {
    let parts: Vec<&str> = route.split('/').filter(|s| !s.is_empty()).collect();
    for (i, part) in parts.iter().enumerate() {
        let dynamic = part.starts_with('<') && part.ends_with('>');
        if dynamic && part.ends_with("..>") {
            return true;
        }
        match segments.get(i) {
            Some(segment) if dynamic || part == segment => {}
            _ => return false,
        }
    }
    parts.len() == segments.len()
}

#[cfg(test)]
mod tests {
    use super::route_matches;

    #[test]
    fn route_patterns_match_segments() {
        assert!(route_matches(
            "/api/v1/genphen/drugs/<id>",
            &["api", "v1", "genphen", "drugs", "3"]
        ));
        assert!(!route_matches(
            "/api/v1/genphen/drugs/<id>",
            &["api", "v1", "genphen", "drugs"]
        ));
        assert!(route_matches("/static/<path..>", &["static", "a", "b"]));
        assert!(!route_matches("/ping", &["pong"]));
    }
}
