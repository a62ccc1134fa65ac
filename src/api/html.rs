//! The one browser page outside the admin's templates: a sign-in or sign-out failure, which
//! must render even when the provider round trip failed half-way. Escaped, no scripts, a
//! strict Content-Security-Policy, never cached.

use std::io::Cursor;

use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};

use crate::domain::identity::escape_html as esc;

/// The original's failure page: a heading and one message (sign-in and sign-out errors).
pub struct Page {
    pub status: Status,
    pub message: String,
}

impl Page {
    pub fn failure(status: Status, message: &str) -> Page {
        Page {
            status,
            message: message.to_string(),
        }
    }
}

impl<'r> Responder<'r, 'static> for Page {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>Login Failure | tbseq administration</title>\n</head>\n<body>\n\
             <h1>Login Failure</h1>\n<p>{}</p>\n<p><a href=\"/admin/login/\">Back to sign-in</a></p>\n\
             </body>\n</html>\n",
            esc(&self.message)
        );
        Response::build()
            .status(self.status)
            .header(ContentType::HTML)
            .header(Header::new("Cache-Control", "no-store"))
            .header(Header::new(
                "Content-Security-Policy",
                "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ))
            .header(Header::new("X-Frame-Options", "DENY"))
            .header(Header::new("Referrer-Policy", "same-origin"))
            .sized_body(html.len(), Cursor::new(html))
            .ok()
    }
}
