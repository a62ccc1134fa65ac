//! The import and refresh API: staff users and API tokens load data over HTTP, with the same
//! all-or-nothing engine as `tbseq import`.

use crate::common;

use common::{Reply, TestApp};
use rocket::http::{Header, Status};
use tbseq::params;

/// A user's personal API token.
async fn token(app: &TestApp, username: &str, staff: bool) -> String {
    app.caller(username, staff).await.token
}

async fn post(app: &TestApp, uri: &str, token: Option<&str>, body: &[u8]) -> Reply {
    let mut req = app.client.post(uri.to_string()).body(body);
    if let Some(t) = token {
        req.add_header(Header::new("Authorization", format!("Bearer {t}")));
    }
    Reply::read(req.dispatch().await).await
}

async fn count(app: &TestApp, table: &str) -> i64 {
    app.db
        .query_one(&format!("SELECT COUNT(*) FROM {table}"), params![])
        .await
        .unwrap()
        .get(0)
        .unwrap()
}

const CSV: &[u8] = b"sample,drug,result,country,sampling_year\nS1,INH,R,FRA,2020\nS2,INH,S,FRA,2020\nS3,RIF,R,KAZ,2021\n";

both_backends! {
    async fn staff_tokens_import_and_the_statistics_follow(app) {
        let staff = token(&app, "pipeline", true).await;
        let reply = post(&app, "/api/v1/imports/phenotypes?filename=lab.csv&source=Lab%20A", Some(&staff), CSV).await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        let body = reply.json();
        assert_eq!(body["file"], "lab.csv");
        assert_eq!(body["rows"], 3);
        assert_eq!(body["written"]["samples"], 3);
        assert_eq!(body["written"]["tests"], 3);
        assert!(body["refreshSeconds"].as_f64().is_some());
        // The summaries were refreshed: the statistics show the new results at once.
        let drugs = app.get("/api/v1/overview/global-drugs/?resistanceType=Pheno").await.json();
        let total: i64 = drugs.as_array().unwrap().iter().map(|d| d["total"].as_i64().unwrap()).sum();
        assert_eq!(total, 3);
        // Catalogue files keep their name, which carries the drug.
        let catalogue = b"sample_id,phenotypic_category,phenotype,box\n1,WHO,S,WHO_current\n2,WHO,R,WHO_current\n";
        let reply = post(&app, "/api/v1/imports/phenotypes?filename=Rifampicin.csv", Some(&staff), catalogue).await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        assert_eq!(count(&app, "submission_pdstest").await, 5);
        // Both imports and their refreshes are counted in /metrics.
        let metrics = app.get("/metrics").await.body;
        assert!(metrics.contains("tbseq_imports_total{kind=\"phenotypes\",outcome=\"accepted\"} 2"), "{metrics}");
        assert!(metrics.contains("tbseq_import_rows_total{kind=\"phenotypes\"} 10"), "{metrics}");
        assert!(metrics.contains("tbseq_summary_refresh_duration_seconds_count 2"), "{metrics}");
    }

    async fn a_bad_file_lists_its_rows_and_writes_nothing(app) {
        let staff = token(&app, "pipeline", true).await;
        let before = count(&app, "submission_pdstest").await;
        let reply = post(&app, "/api/v1/imports/phenotypes?filename=bad.csv", Some(&staff), b"sample,drug,result\nS1,Aspirin,R\nS2,INH,X\n").await;
        reply.assert_error(Status::BadRequest, "invalid");
        let errors = reply.json()["errors"].as_array().unwrap().clone();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0]["detail"], "bad.csv:2: unknown drug \"Aspirin\"");
        assert_eq!(errors[0]["attr"], "file");
        assert_eq!(errors[1]["detail"], "bad.csv:3: result \"X\" is not R, S or I");
        assert_eq!(count(&app, "submission_pdstest").await, before);
        let metrics = app.get("/metrics").await.body;
        assert!(metrics.contains("tbseq_imports_total{kind=\"phenotypes\",outcome=\"refused\"} 1"), "{metrics}");
        assert!(!metrics.contains("outcome=\"accepted\""), "{metrics}");
        // Not gzip, not text, unknown kinds and unsafe names are 4xx too.
        let reply = post(&app, "/api/v1/imports/genotypes?filename=x.csv.gz", Some(&staff), &[0x1f, 0x8b, 0, 1, 2]).await;
        assert_eq!(reply.status, Status::BadRequest, "{}", reply.body);
        post(&app, "/api/v1/imports/everything", Some(&staff), CSV).await.assert_error(Status::NotFound, "not_found");
        // Folders in a file name are dropped: the upload stays in its own folder.
        let reply = post(&app, "/api/v1/imports/phenotypes?filename=../../etc/passwd.csv", Some(&staff), CSV).await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        assert_eq!(reply.json()["file"], "passwd.csv");
        let reply = post(&app, "/api/v1/imports/phenotypes?filename=%2E%2E", Some(&staff), CSV).await;
        reply.assert_error(Status::BadRequest, "invalid");
        // Nothing is left in the upload folder.
        let leftovers = std::fs::read_dir(app.data_dir.join("tmp")).map(|d| d.count()).unwrap_or(0);
        assert_eq!(leftovers, 0);
    }

    async fn only_staff_may_import_or_refresh(app) {
        let user = token(&app, "someone", false).await;
        post(&app, "/api/v1/imports/phenotypes", None, CSV).await.assert_error(Status::Unauthorized, "not_authenticated");
        post(&app, "/api/v1/imports/phenotypes", Some(&user), CSV).await.assert_error(Status::Forbidden, "permission_denied");
        post(&app, "/api/v1/summaries/refresh", None, b"").await.assert_error(Status::Unauthorized, "not_authenticated");
        post(&app, "/api/v1/summaries/refresh", Some(&user), b"").await.assert_error(Status::Forbidden, "permission_denied");
        assert_eq!(count(&app, "submission_pdstest").await, 0);
        let staff = token(&app, "admin2", true).await;
        let reply = post(&app, "/api/v1/summaries/refresh", Some(&staff), b"").await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        let tables = reply.json()["tables"].as_array().unwrap().len();
        assert_eq!(tables, tbseq::db::repo::SUMMARY_TABLES.len());
    }
}

#[rocket::async_test]
async fn files_over_the_limit_are_refused() {
    let app = TestApp::with_config(common::Backend::Sqlite, |c| c.import_max_bytes = 64).await;
    let staff = token(&app, "pipeline", true).await;
    let reply = post(
        &app,
        "/api/v1/imports/phenotypes?filename=big.csv",
        Some(&staff),
        CSV,
    )
    .await;
    reply.assert_error(Status::PayloadTooLarge, "too_large");
    assert_eq!(count(&app, "submission_pdstest").await, 0);
}
