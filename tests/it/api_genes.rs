//! `/api/v1/overview/genes/…` and the gene search history, on both databases: pagination,
//! search, the single-match counter, genome context.

use crate::common;

use rocket::http::Status;
use serde_json::{json, Value};
use tbseq::params;

async fn gene_count(app: &common::TestApp) -> i64 {
    app.db
        .query_one("SELECT COUNT(*) FROM overview_gene", params![])
        .await
        .unwrap()
        .get(0)
        .unwrap()
}

async fn counter(app: &common::TestApp, id: i64) -> Option<i64> {
    app.db
        .query_opt(
            "SELECT counter FROM overview_genesearchhistory WHERE gene_db_crossref_id = $1",
            params![id],
        )
        .await
        .unwrap()
        .map(|r| r.get(0).unwrap())
}

both_backends! {
    // T-05
    async fn genes_are_paginated_by_twelve(app) {
        let reply = app.get("/api/v1/overview/genes/").await;
        assert_eq!(reply.status, Status::Ok);
        let body = reply.json();
        assert_eq!(body["count"], gene_count(&app).await);
        assert_eq!(body["previous"], Value::Null);
        assert_eq!(body["next"], "http://localhost/api/v1/overview/genes/?page=2");
        let results = body["results"].as_array().unwrap();
        assert_eq!(results.len(), 12);
        let ids: Vec<i64> = results.iter().map(|g| g["geneDbCrossrefId"].as_i64().unwrap()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert_eq!(results[0], json!({
            "geneName": "dnaA", "geneDbCrossrefId": 7, "locusTag": "Rv0001", "ncbiId": null,
            "geneDescription": null, "geneType": null, "startPos": 1, "strand": 1, "endPos": 1524,
            "proteinLength": null
        }));

        // Page 2 links back to page 1 without a page parameter; keys keep their spelling.
        let body = app.get("/api/v1/overview/genes?pageSize=5&page=2").await.json();
        assert_eq!(body["results"].as_array().unwrap().len(), 5);
        assert_eq!(body["previous"], "http://localhost/api/v1/overview/genes/?pageSize=5");
        assert_eq!(body["next"], "http://localhost/api/v1/overview/genes/?page=3&pageSize=5");
        assert_eq!(body["results"][0]["geneDbCrossrefId"], 12);

        // Sizes above the maximum are capped; invalid sizes fall back to the default.
        let body = app.get("/api/v1/overview/genes/?page_size=100000").await.json();
        assert_eq!(body["results"].as_array().unwrap().len(), 1500);
        let body = app.get("/api/v1/overview/genes/?pageSize=abc").await.json();
        assert_eq!(body["results"].as_array().unwrap().len(), 12);
        let body = app.get("/api/v1/overview/genes/?page=last").await.json();
        assert!(body["next"].is_null() && !body["previous"].is_null());
    }

    async fn bad_pages_are_404_in_the_envelope(app) {
        for query in ["page=abc", "page=0", "page=-2", "page=100000"] {
            let reply = app.get(&format!("/api/v1/overview/genes/?{query}")).await;
            reply.assert_error(Status::NotFound, "not_found");
            assert_eq!(reply.json()["errors"][0]["detail"], "Invalid page.", "{query}");
        }
    }

    // T-06 and the single-match counter.
    async fn search_matches_every_term_and_counts_single_matches(app) {
        let body = app.get("/api/v1/overview/genes/?search=dnaA").await.json();
        assert_eq!(body["count"], 1);
        assert_eq!(body["results"][0]["geneName"], "dnaA");
        assert_eq!(body["results"][0]["locusTag"], "Rv0001");
        assert_eq!(body["results"][0]["endPos"], 1524);
        assert_eq!(counter(&app, 7).await, Some(1));
        app.get("/api/v1/overview/genes/?search=DNAA").await;
        assert_eq!(counter(&app, 7).await, Some(2));

        // Several matches: no counter moves.
        let body = app.get("/api/v1/overview/genes/?search=rpo").await.json();
        let n = body["count"].as_i64().unwrap();
        assert!(n > 1);
        for g in body["results"].as_array().unwrap() {
            let name = g["geneName"].as_str().unwrap_or("").to_lowercase();
            let tag = g["locusTag"].as_str().unwrap().to_lowercase();
            assert!(name.contains("rpo") || tag.contains("rpo"), "{g}");
        }
        let counted: i64 = app.db.query_one("SELECT COUNT(*) FROM overview_genesearchhistory", params![]).await.unwrap().get(0).unwrap();
        assert_eq!(counted, 1);

        // Every term must match (AND); a term may match any field (OR).
        let body = app.get("/api/v1/overview/genes/?search=rpoB%20Rv0667").await.json();
        assert_eq!(body["count"], 1);
        assert_eq!(body["results"][0]["geneName"], "rpoB");
        // LIKE wildcards in a term are plain characters.
        let body = app.get("/api/v1/overview/genes/?search=%25").await.json();
        assert_eq!(body["count"], 0);
        let body = app.get("/api/v1/overview/genes/?search=Rv000_").await.json();
        assert_eq!(body["count"], 0);
    }

    async fn concurrent_single_match_searches_all_count(app) {
        let requests = (0..16).map(|_| app.client.get("/api/v1/overview/genes/?search=katG").dispatch());
        let replies = futures::future::join_all(requests).await;
        assert!(replies.iter().all(|r| r.status() == Status::Ok));
        let id: i64 = app.db.query_one("SELECT gene_db_crossref_id FROM overview_gene WHERE gene_name = 'katG'", params![]).await.unwrap().get(0).unwrap();
        assert_eq!(counter(&app, id).await, Some(16));
    }

    // T-07
    async fn gene_detail_lists_associated_drugs(app) {
        let body = app.get("/api/v1/overview/genes/7/").await.json();
        assert_eq!(body["genesOverview"]["geneDbCrossrefId"], 7);
        assert_eq!(body["genesOverview"]["geneName"], "dnaA");
        assert_eq!(body["genes"], json!({"dnaA": []}));
        for code in ["INH", "RIF", "INH"] {
            app.db.execute(
                "INSERT INTO genphen_genedrugresistanceassociation (gene_db_crossref_id, drug_id, tier) \
                 SELECT 7, drug_id, 1 FROM genphen_drug WHERE drug_code = $1",
                params![code],
            ).await.unwrap();
        }
        let body = app.get("/api/v1/overview/genes/7").await.json();
        assert_eq!(body["genes"], json!({"dnaA": ["Isoniazid", "Rifampicin"]}));
        // A gene without a name is keyed "null".
        let body = app.get("/api/v1/overview/genes/10/").await.json();
        assert_eq!(body["genes"], json!({"null": []}));
        // The search applies to the detail too.
        app.get("/api/v1/overview/genes/7/?search=katG").await.assert_error(Status::NotFound, "not_found");
        app.get("/api/v1/overview/genes/999999/").await.assert_error(Status::NotFound, "not_found");
        app.get("/api/v1/overview/genes/x/").await.assert_error(Status::NotFound, "not_found");
    }

    // T-08
    async fn genome_context_lists_overlapping_genes(app) {
        let body = app.get("/api/v1/overview/genes/genome-context/?startPos=100000&endPos=200000").await.json();
        let genes = body.as_array().unwrap();
        assert!(genes.len() > 50);
        let starts: Vec<i64> = genes.iter().map(|g| g["startPos"].as_i64().unwrap()).collect();
        assert!(starts.windows(2).all(|w| w[0] <= w[1]));
        for g in genes {
            let (s, e) = (g["startPos"].as_i64().unwrap(), g["endPos"].as_i64().unwrap());
            assert!(s <= 200000 && e >= 100000, "{g}");
        }
        let body = app.get("/api/v1/overview/genes/genome-context/?start_pos=1600&end_pos=2100").await.json();
        let tags: Vec<&str> = body.as_array().unwrap().iter().map(|g| g["locusTag"].as_str().unwrap()).collect();
        assert_eq!(tags, vec!["Rv0002"]);
        let reply = app.get("/api/v1/overview/genes/genome-context/?startPos=5").await;
        assert_eq!(reply.status, Status::Ok);
        assert_eq!(reply.json(), json!({"detail": "Please add genome positions."}));
        let reply = app.get("/api/v1/overview/genes/genome-context/?startPos=a&endPos=9").await;
        reply.assert_error(Status::BadRequest, "invalid");
        assert_eq!(reply.json()["errors"][0]["attr"], "startPos");
    }

    // T-11 and T-12
    async fn search_history_by_count_and_by_date(app) {
        app.db.execute(
            "INSERT INTO overview_genesearchhistory (gene_db_crossref_id, counter, date) VALUES (7, 1, $1), (8, 2, $2)",
            params![
                time::macros::datetime!(2026-11-28 10:00:00 UTC),
                time::macros::datetime!(2026-11-27 10:00:00 UTC)
            ],
        ).await.unwrap();
        let body = app.get("/api/v1/overview/gene-search-history/").await.json();
        assert_eq!(body, json!([
            {"counter": 2, "date": "2026-11-27 10:00:00", "geneDbCrossrefId": 8, "geneName": "dnaN", "locusTag": "Rv0002"},
            {"counter": 1, "date": "2026-11-28 10:00:00", "geneDbCrossrefId": 7, "geneName": "dnaA", "locusTag": "Rv0001"}
        ]));
        let body = app.get("/api/v1/overview/gene-search-history/recently").await.json();
        assert_eq!(body[0]["geneDbCrossrefId"], 7);
        assert_eq!(body[1]["geneDbCrossrefId"], 8);
    }
}
