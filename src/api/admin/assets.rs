//! The admin's templates and static files, compiled into the binary. Templates may be
//! overridden for local branding by files of the same name under `<data_dir>/templates`
//! (`admin/base.html`…), read once at start. Static files are served with a content hash in
//! their URL, so browsers keep them for a year.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{ContentType, Header};
use rocket::request::Request;
use rocket::response::{self, Responder};
use rocket::{get, Response};
use rocket_dyn_templates::minijinja::{self, AutoEscape, ErrorKind};
use rocket_dyn_templates::Template;
use rust_embed::RustEmbed;

use crate::domain::identity::escape_html;

#[derive(RustEmbed)]
#[folder = "templates/admin/"]
#[prefix = "admin/"]
struct Templates;

#[derive(RustEmbed)]
#[folder = "assets/admin/"]
struct Assets;

/// Every admin response's policy: nothing inline, nothing from elsewhere, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; \
     base-uri 'none'";

/// The folder whose templates replace the embedded ones.
pub fn override_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("templates")
}

/// Loads the embedded templates (or their overrides) into rocket_dyn_templates' minijinja
/// environment, with `site_header` and `asset()` available to every template.
pub fn templates_fairing(data_dir: &Path, site_header: String) -> impl Fairing {
    let overrides = override_dir(data_dir);
    Template::try_custom(move |engines| {
        let env = &mut engines.minijinja;
        // Embedded templates are not files rocket_dyn_templates knows, so its escaping
        // callback would leave them unescaped: escape by extension instead.
        env.set_auto_escape_callback(minijinja::default_auto_escape_callback);
        // minijinja's HTML escaping also turns `/` into `&#x2f;`, which makes every URL
        // unreadable in the page source; escape the five characters that matter instead.
        env.set_formatter(|out, state, value| match value.as_str() {
            Some(text) if state.auto_escape() != AutoEscape::None && !value.is_safe() => out
                .write_str(&escape_html(text))
                .map_err(|e| minijinja::Error::new(ErrorKind::WriteFailure, e.to_string())),
            _ => minijinja::escape_formatter(out, state, value),
        });
        for name in Templates::iter() {
            let source = match std::fs::read_to_string(overrides.join(name.as_ref())) {
                Ok(text) => text,
                Err(_) => {
                    let file = Templates::get(&name).expect("listed by iter");
                    String::from_utf8(file.data.into_owned())?
                }
            };
            env.add_template_owned(name.to_string(), source)?;
        }
        env.add_global("site_header", site_header.clone());
        env.add_function("asset", |name: String| asset_url(&name));
        Ok(())
    })
}

fn hashes() -> &'static HashMap<String, String> {
    static HASHES: OnceLock<HashMap<String, String>> = OnceLock::new();
    HASHES.get_or_init(|| {
        Assets::iter()
            .filter_map(|name| {
                let file = Assets::get(&name)?;
                let hash = hex::encode(&file.metadata.sha256_hash()[..6]);
                Some((name.to_string(), hash))
            })
            .collect()
    })
}

/// `/admin/static/<name>?v=<hash>`: a new build changes the URL.
pub fn asset_url(name: &str) -> String {
    match hashes().get(name) {
        Some(hash) => format!("/admin/static/{name}?v={hash}"),
        None => format!("/admin/static/{name}"),
    }
}

pub struct Asset {
    content_type: ContentType,
    data: Cow<'static, [u8]>,
    etag: String,
}

impl<'r> Responder<'r, 'static> for Asset {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let mut response = Response::build();
        response
            .header(Header::new(
                "Cache-Control",
                "public, max-age=31536000, immutable",
            ))
            .header(Header::new("ETag", self.etag.clone()));
        if req.headers().get_one("If-None-Match") == Some(self.etag.as_str()) {
            return response.status(rocket::http::Status::NotModified).ok();
        }
        response
            .header(self.content_type)
            .sized_body(self.data.len(), std::io::Cursor::new(self.data))
            .ok()
    }
}

#[get("/admin/static/<path..>", rank = 1)]
pub fn asset(path: PathBuf) -> Option<Asset> {
    let name = path.to_str()?;
    let file = Assets::get(name)?;
    let content_type = path
        .extension()
        .and_then(|e| e.to_str())
        .and_then(ContentType::from_extension)
        .unwrap_or(ContentType::Binary);
    Some(Asset {
        content_type,
        etag: format!("\"{}\"", hashes().get(name)?),
        data: file.data,
    })
}

/// Security headers on everything under `/admin`; pages (not static files) never cached.
pub struct Security;

#[rocket::async_trait]
impl Fairing for Security {
    fn info(&self) -> Info {
        Info {
            name: "admin security headers",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let path = req.uri().path();
        if !(path == "/admin" || path.starts_with("/admin/")) {
            return;
        }
        res.set_header(Header::new(
            "Content-Security-Policy",
            CONTENT_SECURITY_POLICY,
        ));
        res.set_header(Header::new("X-Frame-Options", "DENY"));
        res.set_header(Header::new("X-Content-Type-Options", "nosniff"));
        res.set_header(Header::new("Referrer-Policy", "same-origin"));
        if !path.starts_with("/admin/static/") {
            res.set_header(Header::new("Cache-Control", "no-store"));
        }
    }
}
