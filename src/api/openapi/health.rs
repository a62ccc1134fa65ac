//! Health, metrics and this description (src/api/health.rs, observe.rs, openapi).

use serde_json::json;

use super::schemas::{r, string};
use super::{op, Op};

pub fn operations() -> Vec<Op> {
    vec![
        op("get", "/ping", "operations", "Liveness")
            .public()
            .describe("`pong` to any method; no database access.")
            .content(
                200,
                "Alive.",
                "text/html",
                json!({ "type": "string", "enum": ["pong"] }),
            ),
        op("get", "/ready", "operations", "Readiness")
            .public()
            .describe("The database and the file store answer.")
            .ok(200, "Ready.", r("Readiness"))
            .ok(503, "Not ready.", r("Readiness")),
        op("get", "/metrics", "operations", "Prometheus metrics")
            .describe("Behind a bearer token when `metrics_token` is set.")
            .content(200, "Text exposition format 0.0.4.", "text/plain", string())
            .error(401),
        op(
            "get",
            "/api/v1/schema/",
            "operations",
            "This OpenAPI document",
        )
        .public()
        .content(
            200,
            "OpenAPI 3.",
            "application/json",
            json!({ "type": "object" }),
        ),
        op("get", "/api/v1/docs/", "operations", "Swagger UI")
            .public()
            .content(200, "An HTML page.", "text/html", string()),
        op(
            "get",
            "/api/v1/docs/{file}",
            "operations",
            "Swagger UI's files",
        )
        .public()
        .path_doc(
            "file",
            "`swagger-ui-bundle.js`, `swagger-ui.css`, `init.js`, `LICENSE`.",
        )
        .content(200, "The file.", "application/javascript", string())
        .error(404),
    ]
}
