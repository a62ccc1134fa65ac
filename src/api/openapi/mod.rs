//! The API description: an OpenAPI 3 document built in code (one file per area, the
//! component schemas in [`schemas`]), served at `/api/v1/schema/`, and Swagger UI at
//! `/api/v1/docs/` from assets embedded in the binary (`assets/swagger-ui/`).
//!
//! The handlers carry no annotations: each area lists its operations with the small
//! [`Op`] builder. `tests/it/openapi_contract.rs` checks the document against the routes Rocket
//! serves, the frontend's calls and the original's paths, so neither can drift unnoticed.

mod admin;
mod catalogue;
mod health;
mod identity;
pub mod schemas;
mod submission;
mod uploads;

use std::borrow::Cow;
use std::sync::OnceLock;

use rocket::http::{ContentType, Header};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use rocket::{get, routes, Route};
use rust_embed::RustEmbed;
use serde_json::{json, Map, Value};

use schemas::r;

/// Routes under `/api/v1`.
pub fn routes() -> Vec<Route> {
    routes![schema, docs, docs_asset]
}

/// Every operation, by area.
pub fn operations() -> Vec<Op> {
    let mut all = catalogue::operations();
    all.extend(submission::operations());
    all.extend(uploads::operations());
    all.extend(identity::operations());
    all.extend(admin::operations());
    all.extend(health::operations());
    all
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for op in operations() {
        let entry = paths
            .entry(op.path.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        entry[op.method.as_str()] = Value::Object(op.body);
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "tbseq API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The WHO tuberculosis sequencing portal's backend (a re-implementation \
                of the TbKb Django API). JSON keys and query parameter names are camelCase; \
                every path is also served without its trailing slash; every error has the \
                envelope `{\"type\", \"errors\": [{\"code\", \"detail\", \"attr\"}]}`. \
                Public catalogue endpoints need no token; submission endpoints need a bearer \
                token (an Entra ID access token or a tbseq API token) or a browser session.",
            "license": { "name": "Apache-2.0" },
        },
        "servers": [{ "url": "/", "description": "This server" }],
        "tags": [
            { "name": "catalogue", "description": "Drugs, countries and gene–drug associations (public)." },
            { "name": "overview", "description": "Genes, resistance statistics and the variant table (public)." },
            { "name": "packages", "description": "Submission packages and their review." },
            { "name": "package items", "description": "Messages, contributors and sample aliases of a package." },
            { "name": "resistance tests", "description": "MIC and pDST workbooks of a package." },
            { "name": "sequencing data", "description": "FASTQ files of a package and their upload." },
            { "name": "files", "description": "Signed downloads and uploads, templates, exports." },
            { "name": "identity", "description": "Who is calling; browser sign-in." },
            { "name": "imports", "description": "Loading data and refreshing statistics (staff)." },
            { "name": "operations", "description": "Health, metrics and this description." },
        ],
        "paths": paths,
        "components": {
            "schemas": schemas::components(),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An Entra ID access token for the API, or a tbseq API token \
                        (`tbseq token create`).",
                },
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "tbseq_session",
                    "description": "The browser session of the admin sign-in.",
                },
            },
        },
    })
}

/// The document as served, built once.
pub fn document_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| serde_json::to_string(&document()).unwrap_or_default())
}

// ---- the operation builder ---------------------------------------------------------------

/// One operation: method, path (OpenAPI form, `{param}`), and its OpenAPI object.
pub struct Op {
    pub method: String,
    pub path: String,
    body: Map<String, Value>,
}

fn error_description(status: u16) -> &'static str {
    match status {
        400 => "Invalid request (`attr` names the field).",
        401 => "Not authenticated.",
        403 => "Permission denied.",
        404 => "Not found.",
        405 => "Method not allowed.",
        409 => "Conflict.",
        413 => "Too large.",
        415 => "Unsupported media type.",
        500 => "Server error.",
        503 => "Unavailable.",
        _ => "Error.",
    }
}

/// Starts an operation. Path parameters are declared from the path: `{key}` as a string,
/// any other name as an integer id.
pub fn op(method: &str, path: &str, tag: &str, summary: &str) -> Op {
    let mut body = Map::new();
    body.insert("tags".into(), json!([tag]));
    body.insert("summary".into(), json!(summary));
    let id: String = format!("{method}{path}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    body.insert("operationId".into(), json!(id.trim_end_matches('_')));
    body.insert("responses".into(), Value::Object(Map::new()));
    let mut op = Op {
        method: method.to_ascii_lowercase(),
        path: path.to_string(),
        body,
    };
    for segment in path.split('/') {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let schema = match name {
                "key" | "code" | "file" | "kind" => schemas::string(),
                _ => schemas::int(),
            };
            op.param("path", name, true, schema, "");
        }
    }
    // Every API answer can be a server error in the envelope.
    op.error(500)
}

impl Op {
    fn param(&mut self, location: &str, name: &str, required: bool, schema: Value, text: &str) {
        let mut p = json!({ "name": name, "in": location, "required": required, "schema": schema });
        if !text.is_empty() {
            p["description"] = json!(text);
        }
        if let Some(list) = self
            .body
            .entry("parameters")
            .or_insert_with(|| json!([]))
            .as_array_mut()
        {
            list.push(p);
        }
    }

    pub fn describe(mut self, text: &str) -> Op {
        self.body.insert("description".into(), json!(text));
        self
    }

    /// Describes a path parameter declared from the path.
    pub fn path_doc(mut self, name: &str, text: &str) -> Op {
        if let Some(list) = self
            .body
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
        {
            for p in list
                .iter_mut()
                .filter(|p| p["name"] == name && p["in"] == "path")
            {
                p["description"] = json!(text);
            }
        }
        self
    }

    /// An optional query parameter.
    pub fn query(mut self, name: &str, schema: Value, text: &str) -> Op {
        self.param("query", name, false, schema, text);
        self
    }

    /// A required query parameter.
    pub fn query_required(mut self, name: &str, schema: Value, text: &str) -> Op {
        self.param("query", name, true, schema, text);
        self
    }

    /// `page` and `pageSize` of a paginated list.
    pub fn pages(self) -> Op {
        self.query("page", schemas::int(), "1-based page number.")
            .query(
                "pageSize",
                json!({ "type": "integer", "default": 12, "maximum": 1500 }),
                "Rows per page (default 12, at most 1500).",
            )
    }

    /// A JSON request body.
    pub fn json_body(mut self, schema: Value, required: bool) -> Op {
        self.body.insert(
            "requestBody".into(),
            json!({ "required": required, "content": { "application/json": { "schema": schema } } }),
        );
        self
    }

    /// A request body of another media type.
    pub fn body_of(mut self, media: &str, schema: Value, text: &str) -> Op {
        self.body.insert(
            "requestBody".into(),
            json!({ "required": true, "description": text, "content": { media: { "schema": schema } } }),
        );
        self
    }

    fn response(mut self, status: u16, value: Value) -> Op {
        self.body["responses"][status.to_string()] = value;
        self
    }

    /// A JSON answer.
    pub fn ok(self, status: u16, text: &str, schema: Value) -> Op {
        self.response(
            status,
            json!({ "description": text, "content": { "application/json": { "schema": schema } } }),
        )
    }

    /// An answer of another media type.
    pub fn content(self, status: u16, text: &str, media: &str, schema: Value) -> Op {
        self.response(
            status,
            json!({ "description": text, "content": { media: { "schema": schema } } }),
        )
    }

    /// An answer without a body (204, 302).
    pub fn empty(self, status: u16, text: &str) -> Op {
        self.response(status, json!({ "description": text }))
    }

    /// An error answer in the envelope.
    pub fn error(self, status: u16) -> Op {
        self.error_with(status, error_description(status))
    }

    pub fn error_with(self, status: u16, text: &str) -> Op {
        self.response(
            status,
            json!({ "description": text, "content": { "application/json": { "schema": r("Error") } } }),
        )
    }

    pub fn errors(self, statuses: &[u16]) -> Op {
        statuses.iter().fold(self, |op, s| op.error(*s))
    }

    /// Needs a signed-in user (bearer token or browser session).
    pub fn auth(mut self) -> Op {
        self.body.insert(
            "security".into(),
            json!([{ "bearerAuth": [] }, { "sessionCookie": [] }]),
        );
        self.error(401)
    }

    /// Needs a staff user.
    pub fn staff(self) -> Op {
        let op = self.auth().error_with(403, "Not a staff user.");
        let text = match op.body.get("description").and_then(Value::as_str) {
            Some(d) => format!("{d}\n\nStaff only."),
            None => "Staff only.".into(),
        };
        op.describe(&text)
    }

    /// Public: no authentication.
    pub fn public(mut self) -> Op {
        self.body.insert("security".into(), json!([]));
        self
    }
}

// ---- serving -----------------------------------------------------------------------------

/// Swagger UI's files (`swagger-ui-dist`, Apache-2.0) and its start script.
#[derive(RustEmbed)]
#[folder = "assets/swagger-ui/"]
struct SwaggerUi;

/// Answers with long-lived or revalidated caching and a strict content security policy.
struct Static {
    content_type: ContentType,
    body: Cow<'static, [u8]>,
    cache: &'static str,
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
                   base-uri 'none'; form-action 'none'";

impl<'r> Responder<'r, 'static> for Static {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        Response::build()
            .header(self.content_type)
            .header(Header::new("Cache-Control", self.cache))
            .header(Header::new("Content-Security-Policy", CSP))
            .header(Header::new("X-Content-Type-Options", "nosniff"))
            .sized_body(self.body.len(), std::io::Cursor::new(self.body))
            .ok()
    }
}

#[get("/schema")]
fn schema() -> Static {
    Static {
        content_type: ContentType::JSON,
        body: Cow::Borrowed(document_text().as_bytes()),
        cache: "no-cache",
    }
}

const DOCS_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tbseq API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/api/v1/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/v1/docs/swagger-ui-bundle.js"></script>
<script src="/api/v1/docs/init.js"></script>
</body>
</html>
"#;

#[get("/docs")]
fn docs() -> Static {
    Static {
        content_type: ContentType::HTML,
        body: Cow::Borrowed(DOCS_PAGE.as_bytes()),
        cache: "no-cache",
    }
}

#[get("/docs/<file>")]
fn docs_asset(file: &str) -> Option<Static> {
    let asset = SwaggerUi::get(file)?;
    let content_type = match file.rsplit('.').next() {
        Some("js") => ContentType::JavaScript,
        Some("css") => ContentType::CSS,
        _ => ContentType::Plain,
    };
    Some(Static {
        content_type,
        body: asset.data,
        cache: "public, max-age=86400",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_unique_and_refs_resolve() {
        let mut seen = std::collections::HashSet::new();
        for op in operations() {
            assert!(
                seen.insert((op.method.clone(), op.path.clone())),
                "{} {} twice",
                op.method,
                op.path
            );
        }
        let doc = document();
        let text = doc.to_string();
        for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = &part[..part.find('"').unwrap()];
            assert!(doc["components"]["schemas"].get(name).is_some(), "{name}");
        }
    }

    #[test]
    fn swagger_ui_is_embedded() {
        for file in [
            "swagger-ui-bundle.js",
            "swagger-ui.css",
            "init.js",
            "LICENSE",
        ] {
            assert!(SwaggerUi::get(file).is_some(), "{file}");
        }
    }
}
