//! Request and response rules that hold for every route: paths with and without their
//! trailing slash are one route, and CORS for the configured origins.

use std::io::Cursor;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::uri::Origin;
use rocket::http::{Header, Method, Status};
use rocket::{Data, Request, Response};

use super::allowed_methods;

/// Routes are declared without a trailing slash; the original's clients call both forms.
pub struct NormalizePath;

#[rocket::async_trait]
impl Fairing for NormalizePath {
    fn info(&self) -> Info {
        Info {
            name: "trailing slash",
            kind: Kind::Request,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        let path = req.uri().path().as_str();
        if path.len() > 1 && path.ends_with('/') {
            let trimmed = path.trim_end_matches('/');
            let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
            let uri = match req.uri().query() {
                Some(q) => format!("{trimmed}?{q}"),
                None => trimmed.to_string(),
            };
            if let Ok(origin) = Origin::parse_owned(uri) {
                req.set_uri(origin);
            }
        }
    }
}

/// CORS for the configured origins (`*` allows any), and `OPTIONS` answered with the
/// methods a path allows.
pub struct Cors {
    origins: Vec<String>,
}

impl Cors {
    pub fn new(origins: &[String]) -> Cors {
        Cors {
            origins: origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_string())
                .collect(),
        }
    }

    fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == "*" || o == origin)
    }
}

#[rocket::async_trait]
impl Fairing for Cors {
    fn info(&self) -> Info {
        Info {
            name: "CORS",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let preflight = req.method() == Method::Options
            && matches!(res.status(), Status::NotFound | Status::MethodNotAllowed);
        if preflight {
            let methods = allowed_methods(req);
            if !methods.is_empty() {
                let list: Vec<&str> = methods.iter().map(|m| m.as_str()).collect();
                res.set_status(Status::NoContent);
                res.set_sized_body(0, Cursor::new(""));
                res.remove_header("Content-Type");
                res.set_header(Header::new("Allow", list.join(", ")));
            }
        }
        let Some(origin) = req.headers().get_one("Origin") else {
            return;
        };
        if !self.allows(origin) {
            return;
        }
        let any = self.origins.iter().any(|o| o == "*");
        res.set_header(Header::new(
            "Access-Control-Allow-Origin",
            if any {
                "*".to_string()
            } else {
                origin.to_string()
            },
        ));
        res.adjoin_header(Header::new("Vary", "Origin"));
        if req.method() == Method::Options {
            res.set_header(Header::new(
                "Access-Control-Allow-Methods",
                "GET, POST, PUT, PATCH, DELETE, OPTIONS",
            ));
            res.set_header(Header::new(
                "Access-Control-Allow-Headers",
                "authorization, content-type",
            ));
            res.set_header(Header::new("Access-Control-Max-Age", "600"));
        }
    }
}
