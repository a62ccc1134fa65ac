//! Downloads of stored files through links tbseq signs itself (what S3 presigned GET URLs are
//! in the original): the link names the object, the user it was made for and its expiry, so
//! it works in a plain `<a href>` without a token and cannot be reused for another file.

use std::path::PathBuf;

use rocket::http::{ContentType, Header, Status};
use rocket::response::{self, Responder, Response};
use rocket::{get, routes, Request, Route, State};

use super::error::{ApiError, ApiResult};
use super::pages::BaseUrl;
use crate::app::App;
use crate::domain::signed::{sign, verify, Grant};

pub fn routes() -> Vec<Route> {
    routes![download]
}

/// How long a download link lives (S3's presign default).
pub const LINK_SECONDS: i64 = 3600;

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// An absolute, expiring GET link to a stored object for one user.
pub fn signed_url(app: &App, base: &BaseUrl, key: &str, user: i64) -> String {
    let expires = now() + LINK_SECONDS;
    let signature = sign(
        app.secret_key.as_bytes(),
        &Grant {
            method: "GET",
            key,
            expires,
            user,
        },
    );
    base.join(&format!(
        "/files/{key}?user={user}&expires={expires}&signature={signature}"
    ))
}

/// A stored file sent as a download.
pub struct Download {
    name: String,
    bytes: bytes::Bytes,
}

impl<'r> Responder<'r, 'static> for Download {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let extension = self.name.rsplit('.').next().unwrap_or_default();
        let content_type = ContentType::from_extension(extension).unwrap_or(ContentType::Binary);
        let safe_name: String = self
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Response::build()
            .header(content_type)
            .header(Header::new(
                "Content-Disposition",
                format!("attachment; filename=\"{safe_name}\""),
            ))
            .sized_body(self.bytes.len(), std::io::Cursor::new(self.bytes))
            .ok()
    }
}

#[get("/files/<key..>?<user>&<expires>&<signature>")]
async fn download(
    app: &State<App>,
    key: PathBuf,
    user: i64,
    expires: i64,
    signature: &str,
) -> ApiResult<Download> {
    let key = key.to_string_lossy().replace('\\', "/");
    let grant = Grant {
        method: "GET",
        key: &key,
        expires,
        user,
    };
    verify(app.secret_key.as_bytes(), &grant, signature, now()).map_err(|e| {
        ApiError::new(
            Status::Forbidden,
            "permission_denied",
            format!("This link is not valid: {e}."),
        )
    })?;
    let bytes = app
        .store
        .get_bytes(&key)
        .await
        .map_err(|e| {
            tracing::error!(key, "cannot read a stored file: {e}");
            ApiError::internal()
        })?
        .ok_or_else(ApiError::not_found)?;
    let name = key.rsplit('/').next().unwrap_or_default().to_string();
    Ok(Download { name, bytes })
}
