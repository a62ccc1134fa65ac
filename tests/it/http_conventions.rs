//! Conventions every route shares: the error envelope (404, 405), trailing slashes, CORS,
//! `/ping` and `/ready`.

use crate::common;

use common::{Backend, TestApp};
use rocket::http::{ContentType, Method, Status};

both_backends! {
    async fn nul_characters_in_text_are_refused_not_a_server_error(app) {
        // PostgreSQL cannot store NUL in text; both databases answer 400 for it alike.
        let alice = app.caller("alice", false).await;
        let reply = app
            .call(Method::Post, "/api/v1/submission/packages/", Some(&alice), Some(&serde_json::json!({"name": "a\u{0}b", "description": "d"})))
            .await;
        reply.assert_error(Status::BadRequest, "invalid");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_package").await, 0);
        let reply = app.get("/api/v1/overview/genes/?search=rp%00oB").await;
        assert!(reply.status.code < 500, "{} {}", reply.status, reply.body);
    }

    async fn unknown_routes_get_the_envelope(app) {
        for path in ["/nope", "/api/v1/nope/", "/api/v1/genphen/", "/api/v1/genphen/drugs/1/extra"] {
            app.get(path).await.assert_error(Status::NotFound, "not_found");
        }
    }

    async fn wrong_methods_get_405_with_allow(app) {
        for method in [Method::Post, Method::Put, Method::Patch, Method::Delete] {
            let reply = app.request(method, "/api/v1/genphen/drugs/", &[]).await;
            reply.assert_error(Status::MethodNotAllowed, "method_not_allowed");
            assert_eq!(reply.json()["errors"][0]["detail"], format!("Method \"{}\" not allowed.", method.as_str()));
            assert_eq!(reply.header("allow"), Some("GET, HEAD"));
        }
    }

    async fn head_answers_like_get(app) {
        let reply = app.request(Method::Head, "/api/v1/genphen/countries/", &[]).await;
        assert_eq!(reply.status, Status::Ok);
        assert!(reply.body.is_empty());
    }

    async fn ping_answers_pong_to_any_method(app) {
        for method in [Method::Get, Method::Post, Method::Delete] {
            let reply = app.request(method, "/ping", &[]).await;
            assert_eq!(reply.status, Status::Ok);
            assert_eq!(reply.body, "pong");
            assert_eq!(reply.content_type, Some(ContentType::HTML));
        }
    }

    async fn ready_checks_database_and_storage(app) {
        let reply = app.get("/ready").await;
        assert_eq!(reply.status, Status::Ok);
        let body = reply.json();
        assert_eq!(body["status"], "ok");
        let kind = match app.backend { Backend::Sqlite => "sqlite", Backend::Postgres => "postgres" };
        assert_eq!(body["database"]["kind"], kind);
        assert_eq!(body["database"]["schemaVersion"], tbseq::db::migrate::latest(app.db.dialect()));
        assert_eq!(body["storage"]["ok"], true);
        // The probe leaves nothing behind.
        let probes = std::fs::read_dir(app.data_dir.join("files/_tbseq")).map(|d| d.count()).unwrap_or(0);
        assert_eq!(probes, 0);
    }

    async fn cors_only_for_configured_origins(app) {
        // The default configuration allows no cross-origin callers.
        let reply = app.request(Method::Get, "/api/v1/genphen/drugs/", &[("Origin", "http://localhost:3000")]).await;
        assert_eq!(reply.status, Status::Ok);
        assert_eq!(reply.header("access-control-allow-origin"), None);
    }
}

/// Runs a CORS scenario with one allowed origin on a backend.
async fn cors_scenario(backend: Backend) {
    let app = TestApp::with_config(backend, |c| {
        c.cors_origins = vec!["http://localhost:3000".into()]
    })
    .await;
    let reply = app
        .request(
            Method::Get,
            "/api/v1/genphen/drugs/",
            &[("Origin", "http://localhost:3000")],
        )
        .await;
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("http://localhost:3000")
    );
    assert_eq!(reply.header("vary"), Some("Origin"));

    let preflight = app
        .request(
            Method::Options,
            "/api/v1/genphen/drugs/",
            &[
                ("Origin", "http://localhost:3000"),
                ("Access-Control-Request-Method", "GET"),
                ("Access-Control-Request-Headers", "authorization"),
            ],
        )
        .await;
    assert_eq!(preflight.status, Status::NoContent);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("http://localhost:3000")
    );
    let headers = preflight.header("access-control-allow-headers").unwrap();
    assert!(headers.contains("authorization") && headers.contains("content-type"));
    assert!(preflight
        .header("access-control-allow-methods")
        .unwrap()
        .contains("PATCH"));

    let other = app
        .request(
            Method::Get,
            "/api/v1/genphen/drugs/",
            &[("Origin", "https://evil.example")],
        )
        .await;
    assert_eq!(other.status, Status::Ok);
    assert_eq!(other.header("access-control-allow-origin"), None);
}

#[rocket::async_test]
async fn cors_for_a_configured_origin_sqlite() {
    cors_scenario(Backend::Sqlite).await;
}

#[rocket::async_test]
async fn cors_for_a_configured_origin_postgres() {
    cors_scenario(Backend::Postgres).await;
}
