//! Serving a built frontend from `/` next to the API.

use crate::common;

use common::{Backend, TestApp};
use rocket::http::{ContentType, Status};

async fn frontend_scenario(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("static/js")).unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>portal</title>",
    )
    .unwrap();
    std::fs::write(dir.path().join("static/js/main.1a2b.js"), "console.log(1)").unwrap();
    std::fs::write(dir.path().join("robots.txt"), "User-agent: *").unwrap();
    let frontend = dir.path().to_path_buf();
    let app = TestApp::with_config(backend, move |c| c.frontend_dir = Some(frontend)).await;

    for route in [
        "/",
        "/overview",
        "/drugs?drugId=1",
        "/data-submission/5",
        "/password/reset/confirm/x/y",
    ] {
        let reply = app.get(route).await;
        assert_eq!(reply.status, Status::Ok, "{route}");
        assert!(reply.body.contains("<title>portal</title>"), "{route}");
        assert_eq!(reply.header("cache-control"), Some("no-cache"), "{route}");
    }
    let js = app.get("/static/js/main.1a2b.js").await;
    assert_eq!(js.status, Status::Ok);
    assert_eq!(js.content_type, Some(ContentType::JavaScript));
    assert!(js.header("cache-control").unwrap().contains("immutable"));
    assert_eq!(app.get("/robots.txt").await.body, "User-agent: *");
    // Missing assets are 404, not the index page; API paths keep their own answers.
    app.get("/static/js/missing.js")
        .await
        .assert_error(Status::NotFound, "not_found");
    app.get("/api/v1/nothing-here/")
        .await
        .assert_error(Status::NotFound, "not_found");
    assert_eq!(
        app.get("/api/v1/genphen/drugs/")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        30
    );
    assert_eq!(app.get("/ping").await.body, "pong");
    // Nothing outside the folder is served.
    for path in [
        "/../Cargo.toml",
        "/static/../../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/.hidden",
    ] {
        let reply = app.get(path).await;
        assert!(
            !reply.body.contains("[package]"),
            "{path} escaped the folder"
        );
    }
}

#[rocket::async_test]
async fn frontend_is_served_with_fallback_sqlite() {
    frontend_scenario(Backend::Sqlite).await;
}

#[rocket::async_test]
async fn frontend_is_served_with_fallback_postgres() {
    frontend_scenario(Backend::Postgres).await;
}

#[rocket::async_test]
async fn without_a_frontend_the_root_is_404() {
    let app = TestApp::new(Backend::Sqlite).await;
    app.get("/overview")
        .await
        .assert_error(Status::NotFound, "not_found");
}
