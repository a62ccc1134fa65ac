//! Plain server-side HTML for the few browser pages (sign-in, sign-out, failures): every
//! value escaped, no scripts, a strict Content-Security-Policy, never cached.

use std::io::Cursor;

use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};

pub use crate::domain::identity::escape_html as esc;

pub struct Page {
    pub status: Status,
    pub title: String,
    /// Already-escaped HTML.
    pub body: String,
    pub retry_after: Option<u64>,
}

impl Page {
    pub fn new(status: Status, title: &str, body: String) -> Page {
        Page {
            status,
            title: title.to_string(),
            body,
            retry_after: None,
        }
    }

    /// The original's failure page: a heading and one message.
    pub fn failure(status: Status, message: &str) -> Page {
        Page::new(
            status,
            "Login Failure",
            format!("<h1>Login Failure</h1>\n<p>{}</p>\n<p><a href=\"/admin/login/\">Back to sign-in</a></p>", esc(message)),
        )
    }
}

impl<'r> Responder<'r, 'static> for Page {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{} | tbseq administration</title>\n</head>\n<body>\n{}\n</body>\n</html>\n",
            esc(&self.title),
            self.body
        );
        let mut response = Response::build();
        response
            .status(self.status)
            .header(ContentType::HTML)
            .header(Header::new("Cache-Control", "no-store"))
            .header(Header::new(
                "Content-Security-Policy",
                "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ))
            .header(Header::new("X-Frame-Options", "DENY"))
            .header(Header::new("Referrer-Policy", "same-origin"))
            .sized_body(html.len(), Cursor::new(html));
        if let Some(seconds) = self.retry_after {
            response.header(Header::new("Retry-After", seconds.to_string()));
        }
        response.ok()
    }
}
