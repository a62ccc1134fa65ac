//! Serving a built frontend (`frontend_dir`) from `/`, so that one process serves the whole
//! portal on one origin. API, admin and health routes take precedence; unknown paths without
//! a file extension fall back to `index.html` for the frontend's client-side routes.

use std::path::PathBuf;

use rocket::fs::NamedFile;
use rocket::http::Header;
use rocket::request::Request;
use rocket::response::{self, Responder};
use rocket::{get, routes, Route, State};

use crate::app::App;

/// Paths that belong to the server, never to the frontend.
const SERVER_PREFIXES: &[&str] = &["api", "admin", "ready", "ping", "metrics"];

pub fn routes() -> Vec<Route> {
    routes![frontend]
}

/// A frontend file with the caching it deserves: build assets are content-hashed and never
/// change; `index.html` must be revalidated so that a new build is picked up.
pub struct Asset {
    file: NamedFile,
    immutable: bool,
}

impl<'r> Responder<'r, 'static> for Asset {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let mut response = self.file.respond_to(req)?;
        response.set_header(Header::new(
            "Cache-Control",
            if self.immutable {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            },
        ));
        Ok(response)
    }
}

/// Rank 20: every other route wins. `PathBuf` segments refuse `..` and hidden files.
#[get("/<path..>", rank = 20)]
async fn frontend(app: &State<App>, path: PathBuf) -> Option<Asset> {
    let dir = app.config.frontend_dir.as_ref()?;
    let first = path
        .components()
        .next()
        .and_then(|c| c.as_os_str().to_str());
    if first.is_some_and(|f| SERVER_PREFIXES.contains(&f)) {
        return None;
    }
    let candidate = dir.join(&path);
    if path.as_os_str().is_empty() || candidate.is_dir() {
        return index(dir).await;
    }
    if let Ok(file) = NamedFile::open(&candidate).await {
        return Some(Asset {
            file,
            immutable: path.starts_with("static"),
        });
    }
    // A client-side route (`/drugs`, `/data-submission/5`): no extension in the last part.
    let has_extension = path.extension().is_some();
    if has_extension {
        None
    } else {
        index(dir).await
    }
}

async fn index(dir: &std::path::Path) -> Option<Asset> {
    NamedFile::open(dir.join("index.html"))
        .await
        .ok()
        .map(|file| Asset {
            file,
            immutable: false,
        })
}
