//! `/api/v1/submission/genotype-resistance/` (public) and `/static/media/GenotypeResistance.csv`,
//! on both databases.

use crate::catalogue_fixtures;
use crate::common;

use catalogue_fixtures::*;
use rocket::http::Status;
use serde_json::{json, Value};
use tbseq::params;

struct Predictions {
    inh: i64,
    rif: i64,
    emb: i64,
    s1: i64,
    s2: i64,
}

/// Two public samples (one with a BioSample accession alias created after another alias, one
/// with a plain alias only) and one user-submitted sample, with predictions of versions 1 and 2.
async fn predictions(fx: &Fixtures) -> Predictions {
    let (inh, rif, emb) = (
        fx.drug("INH").await,
        fx.drug("RIF").await,
        fx.drug("EMB").await,
    );
    let s1 = fx.sample(None, None).await;
    fx.alias(Some(s1), "ERR1234", None, false).await;
    fx.alias(Some(s1), "SAMN0001", None, true).await;
    let s2 = fx.sample(None, None).await;
    fx.alias(Some(s2), "sample-two", None, false).await;
    let s3 = fx.sample_from("TbKb", None, None).await;
    fx.alias(Some(s3), "SAMN0003", None, true).await;
    fx.prediction(s1, inh, 1, "R", "katG_p.Ser315Thr").await;
    fx.prediction(s1, inh, 2, "R", "katG_p.Ser315Thr").await;
    fx.prediction(s1, rif, 2, "S", "").await;
    fx.prediction(s2, inh, 2, "U", "inhA_deletion").await;
    fx.prediction(s2, emb, 1, "S", "embB_p.Met306Val (0.4)")
        .await;
    fx.prediction(s3, inh, 2, "R", "katG_p.Ser315Thr").await;
    Predictions {
        inh,
        rif,
        emb,
        s1,
        s2,
    }
}

fn list(reply: &common::Reply) -> Vec<Value> {
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    reply.json().as_array().expect("a bare array").clone()
}

fn row(drug: &str, name: &str, flag: &str, variant: &str) -> Value {
    json!({"drugName": drug, "sampleAliasesName": name, "resistanceFlag": flag, "variant": variant})
}

both_backends! {
    async fn predictions_of_public_samples_latest_version_by_default(app) {
        let fx = Fixtures::new(&app).await;
        let p = predictions(&fx).await;
        let url = "/api/v1/submission/genotype-resistance/";
        assert_eq!(list(&app.get(url).await), vec![
            row("Isoniazid", "SAMN0001", "R", "katG_p.Ser315Thr"),
            row("Rifampicin", "SAMN0001", "S", ""),
            row("Isoniazid", "sample-two", "U", "inhA_deletion"),
        ]);
        // Any value of `version` lifts the restriction (the value itself is ignored).
        assert_eq!(list(&app.get(&format!("{url}?version=1")).await).len(), 5);
        // The latest version is the latest among the rows the other filters keep.
        assert_eq!(list(&app.get(&format!("{url}?drug={}", p.emb)).await), vec![
            row("Ethambutol", "sample-two", "S", "embB_p.Met306Val (0.4)"),
        ]);
        assert_eq!(list(&app.get(&format!("{url}?drug={},{}", p.inh, p.rif)).await).len(), 3);
        let names = |q: String| {
            let app = &app;
            async move {
                list(&app.get(&format!("{url}?{q}")).await).iter()
                    .map(|r| r["sampleAliasesName"].as_str().unwrap().to_string()).collect::<Vec<_>>()
            }
        };
        // The name filter matches any alias of the sample, ignoring case.
        assert_eq!(names("sampleAliasesName=err12".into()).await, vec!["SAMN0001", "SAMN0001"]);
        assert_eq!(names("sample_aliases_name=TWO".into()).await, vec!["sample-two"]);
        assert_eq!(names("sampleAliasesName=SAMN0003".into()).await, Vec::<String>::new());
        assert_eq!(names("variant=KATG".into()).await, vec!["SAMN0001"]);
        assert_eq!(names(format!("sample={}", p.s2)).await, vec!["sample-two"]);
        assert_eq!(names(format!("sample={}&version=x", p.s1)).await.len(), 3);
        // `order`, which the frontend may send, changes nothing (the original has no ordering).
        assert_eq!(names("order=-drugName".into()).await.len(), 3);
        // Samples an administrator imported are public too; users' own samples are not.
        let imported = fx.sample_from("Admin", None, None).await;
        fx.alias(Some(imported), "lab-7", None, false).await;
        fx.prediction(imported, p.inh, 2, "R", "katG_p.Ser315Thr").await;
        assert_eq!(names(String::new()).await, vec!["SAMN0001", "SAMN0001", "sample-two", "lab-7"]);
    }

    async fn predictions_paginate_only_when_asked(app) {
        let fx = Fixtures::new(&app).await;
        predictions(&fx).await;
        let body = app.get("/api/v1/submission/genotype-resistance/?paginated=true&pageSize=2").await.json();
        assert_eq!(body["count"], 3);
        assert_eq!(body["previous"], Value::Null);
        assert_eq!(body["next"], "http://localhost/api/v1/submission/genotype-resistance/?page=2&pageSize=2&paginated=true");
        assert_eq!(body["results"].as_array().unwrap().len(), 2);
        assert_eq!(keys(&body["results"][0]), vec!["drugName", "resistanceFlag", "sampleAliasesName", "variant"]);
        let body = app.get("/api/v1/submission/genotype-resistance?paginated=true&pageSize=2&page=2").await.json();
        assert_eq!(body["results"], json!([row("Isoniazid", "sample-two", "U", "inhA_deletion")]));
        app.get("/api/v1/submission/genotype-resistance/?paginated=true&page=9").await
            .assert_error(Status::NotFound, "not_found");
    }

    async fn prediction_filters_are_validated(app) {
        let fx = Fixtures::new(&app).await;
        predictions(&fx).await;
        for (query, attr, code) in [
            ("sample=999999", "sample", "invalid_choice"),
            ("sample=SAMN0001", "sample", "invalid_choice"),
            ("drug=1,x", "drug", "invalid"),
        ] {
            let reply = app.get(&format!("/api/v1/submission/genotype-resistance/?{query}")).await;
            reply.assert_error(Status::BadRequest, code);
            assert_eq!(reply.json()["errors"][0]["attr"], attr, "{query}");
        }
        // Public: no token needed, and other methods are not allowed.
        let reply = app.request(rocket::http::Method::Post, "/api/v1/submission/genotype-resistance/", &[]).await;
        reply.assert_error(Status::MethodNotAllowed, "method_not_allowed");
    }

    async fn genotype_resistance_csv_is_generated_from_the_data(app) {
        let fx = Fixtures::new(&app).await;
        let reply = app.get("/static/media/GenotypeResistance.csv").await;
        assert_eq!(reply.status, Status::Ok);
        assert_eq!(reply.body, "BioSample Accession\tDrug\tGenotypic Resistance\tVariant\n");
        let p = predictions(&fx).await;
        let reply = app.get("/static/media/GenotypeResistance.csv").await;
        assert_eq!(reply.content_type.as_ref().map(|c| c.to_string()), Some("text/csv; charset=utf-8".into()));
        assert_eq!(reply.header("content-disposition"), Some("attachment; filename=\"GenotypeResistance.csv\""));
        assert_eq!(reply.body, "BioSample Accession\tDrug\tGenotypic Resistance\tVariant\n\
            SAMN0001\tIsoniazid\tR\tkatG_p.Ser315Thr\n\
            SAMN0001\tRifampicin\tS\t\n\
            sample-two\tIsoniazid\tU\tinhA_deletion\n");

        // Many rows stream in chunks, in id order, none lost.
        let many = 12_345i64;
        fx.exec(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $3) \
             INSERT INTO submission_genotyperesistance (sample_id, drug_id, version, resistance_flag, variant) \
             SELECT $1, $2, 2, 'R', 'v' || CAST(i AS TEXT) FROM n",
            params![p.s2, p.rif, many],
        ).await;
        let body = app.get("/static/media/GenotypeResistance.csv").await.body;
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines.len() as i64, 1 + 3 + many);
        assert_eq!(lines[4], "sample-two\tRifampicin\tR\tv1");
        assert_eq!(lines.last().copied(), Some(format!("sample-two\tRifampicin\tR\tv{many}").as_str()));
    }
}
