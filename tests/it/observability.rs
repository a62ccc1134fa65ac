//! Request ids, metrics and structured logs.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Backend, TestApp};
use rocket::http::{Method, Status};

both_backends! {
    async fn every_response_carries_a_request_id(app) {
        let reply = app.get("/api/v1/genphen/drugs/").await;
        let id = reply.header("x-request-id").unwrap().to_string();
        assert_eq!(id.len(), 16);
        assert_ne!(app.get("/ping").await.header("x-request-id").unwrap(), id);
        let given = app.request(Method::Get, "/ping", &[("X-Request-Id", "abc-123")]).await;
        assert_eq!(given.header("x-request-id"), Some("abc-123"));
        // Odd ids are not echoed back into headers or logs.
        let odd = app.request(Method::Get, "/ping", &[("X-Request-Id", "a b<script>")]).await;
        assert_ne!(odd.header("x-request-id"), Some("a b<script>"));
        // Errors have one too.
        assert!(app.get("/nope").await.header("x-request-id").is_some());
    }

    async fn metrics_count_requests_by_route(app) {
        for id in [1, 2, 3] {
            app.get(&format!("/api/v1/genphen/drugs/{id}/")).await;
        }
        app.get("/api/v1/genphen/drugs/99999/").await;
        let reply = app.get("/metrics").await;
        assert_eq!(reply.status, Status::Ok);
        let text = reply.body;
        // One series per route template, not per id.
        assert!(text.contains("tbseq_http_requests_total{route=\"/api/v1/genphen/drugs/<id>\",method=\"GET\",status=\"200\"} 3"), "{text}");
        assert!(text.contains("tbseq_http_requests_total{route=\"/api/v1/genphen/drugs/<id>\",method=\"GET\",status=\"404\"} 1"), "{text}");
        assert!(text.contains("tbseq_http_request_duration_seconds_bucket{route=\"/api/v1/genphen/drugs/<id>\",method=\"GET\",status=\"200\",le=\"+Inf\"} 3"));
        assert!(text.contains("# TYPE tbseq_http_request_duration_seconds histogram"));
        assert!(text.contains("tbseq_db_pool_max_connections 4"), "{text}");
    }
}

#[rocket::async_test]
async fn metrics_can_require_a_token() {
    let app = TestApp::with_config(Backend::Sqlite, |c| {
        c.metrics_token = Some("s3cret-token".into())
    })
    .await;
    let reply = app.get("/metrics").await;
    reply.assert_error(Status::Unauthorized, "not_authenticated");
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    let wrong = app
        .request(Method::Get, "/metrics", &[("Authorization", "Bearer nope")])
        .await;
    assert_eq!(wrong.status, Status::Unauthorized);
    let right = app
        .request(
            Method::Get,
            "/metrics",
            &[("Authorization", "Bearer s3cret-token")],
        )
        .await;
    assert_eq!(right.status, Status::Ok);
    assert!(right.body.contains("tbseq_http_requests_total"));
}

#[test]
fn json_logs_have_request_ids_and_no_query_strings() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tbseq"))
        .current_dir(dir.path())
        .env_clear()
        .env("TBSEQ_PORT", port.to_string())
        .env("TBSEQ_LOG_FORMAT", "json")
        .env("TBSEQ_SECRET_KEY", "cd".repeat(32))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let collected = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            collected.lock().unwrap().push(line);
        }
    });
    let started = Instant::now();
    loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            s.write_all(b"GET /api/v1/overview/genes/?search=secretterm HTTP/1.1\r\nHost: x\r\nX-Request-Id: trace-42\r\nConnection: close\r\n\r\n").unwrap();
            let mut body = String::new();
            let _ = s.read_to_string(&mut body);
            if body.starts_with("HTTP/1.1 200") {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not answer"
        );
        std::thread::sleep(Duration::from_millis(30));
    }
    std::thread::sleep(Duration::from_millis(300));
    let _ = child.kill();
    let _ = child.wait();
    let lines = lines.lock().unwrap().clone();
    let request = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["request_id"] == "trace-42")
        .unwrap_or_else(|| panic!("no JSON line for the request in:\n{}", lines.join("\n")));
    assert_eq!(request["status"], 200);
    assert_eq!(request["path"], "/api/v1/overview/genes");
    assert!(request["micros"].as_u64().is_some());
    let all = lines.join("\n");
    assert!(
        !all.contains("secretterm"),
        "query strings must not be logged"
    );
    assert!(!all.contains(&"cd".repeat(32)), "the secret key was logged");
    assert!(
        lines
            .iter()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()),
        "a line is not JSON:\n{all}"
    );
}
