//! Resistance statistics on both databases: `/overview/global-drugs/`, `/map`,
//! `/overview/global-samples/` (the original's T-13, T-14, T-15), year windows, genotypic
//! predictions, countries, and validation.

use crate::catalogue_fixtures;
use crate::common;

use catalogue_fixtures::*;
use rocket::http::Status;
use serde_json::{json, Value};
use tbseq::domain::stats::decimal_string;

fn rows(reply: &common::Reply) -> Vec<Value> {
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    reply.json().as_array().expect("a bare array").clone()
}

/// The expected item for counts, ratios computed here with real division.
fn numbers(s: i64, r: i64, i: i64) -> serde_json::Map<String, Value> {
    let total = s + r + i;
    let ratio = |x: i64| {
        if total == 0 {
            "0.0".to_string()
        } else {
            decimal_string(x as f64 * 100.0 / total as f64, 1)
        }
    };
    let v = json!({
        "susceptible": s, "resistant": r, "intermediate": i, "total": total,
        "ratioSusceptible": ratio(s), "ratioResistant": ratio(r), "ratioIntermediate": ratio(i),
    });
    v.as_object().unwrap().clone()
}

fn drug_item(drug: i64, s: i64, r: i64, i: i64) -> Value {
    let mut m = numbers(s, r, i);
    m.insert("drug".into(), json!(drug));
    Value::Object(m)
}

fn country_item(country: Option<&str>, s: i64, r: i64, i: i64) -> Value {
    let mut m = numbers(s, r, i);
    m.insert("countryId".into(), json!(country));
    Value::Object(m)
}

both_backends! {
    // T-13 (the body is the original's, literally)
    async fn pheno_resistance_by_drug(app) {
        let fx = Fixtures::new(&app).await;
        let (inh, rif) = (fx.drug("INH").await, fx.drug("RIF").await);
        for (drug, result) in [(rif, "S"), (rif, "R"), (inh, "R"), (inh, "R"), (inh, "R")] {
            fx.tested_sample(Some("ABW"), Some(year(2022)), &[(drug, result)]).await;
        }
        fx.refresh().await;
        let reply = app.get("/api/v1/overview/global-drugs/?yearGte=2022&resistanceType=Pheno").await;
        assert_eq!(reply.status, Status::Ok);
        assert_eq!(reply.json(), json!([
            {"drug": inh, "intermediate": 0, "ratioIntermediate": "0.0", "ratioResistant": "100.0", "ratioSusceptible": "0.0", "resistant": 3, "susceptible": 0, "total": 3},
            {"drug": rif, "intermediate": 0, "ratioIntermediate": "0.0", "ratioResistant": "50.0", "ratioSusceptible": "50.0", "resistant": 1, "susceptible": 1, "total": 2}
        ]));
    }

    // T-14 (the body is the original's, literally)
    async fn pheno_resistance_by_country(app) {
        let fx = Fixtures::new(&app).await;
        let (inh, rif) = (fx.drug("INH").await, fx.drug("RIF").await);
        for (country, drug, result) in [
            ("FRA", rif, "S"), ("FRA", rif, "R"), ("FRA", inh, "R"),
            ("KAZ", inh, "I"), ("KAZ", inh, "I"), ("KAZ", inh, "I"),
        ] {
            fx.tested_sample(Some(country), Some(year(2020)), &[(drug, result)]).await;
        }
        fx.refresh().await;
        // Without a trailing slash, as the frontend calls it.
        let reply = app.get("/api/v1/overview/global-drugs/map?countryID=FRA&resistanceType=Pheno").await;
        assert_eq!(reply.status, Status::Ok);
        assert_eq!(reply.json(), json!([
            {"countryId": "FRA", "intermediate": 0, "ratioIntermediate": "0.0", "ratioResistant": "66.7", "ratioSusceptible": "33.3", "resistant": 2, "susceptible": 1, "total": 3}
        ]));
        // Repeated keys in any spelling; one drug.
        let list = rows(&app.get(&format!("/api/v1/overview/global-drugs/map/?countryId=FRA&country_id=KAZ&drug={inh}")).await);
        assert_eq!(list, vec![country_item(Some("FRA"), 0, 1, 0), country_item(Some("KAZ"), 0, 0, 3)]);
        // Codes are not validated: an unknown one matches nothing.
        assert!(rows(&app.get("/api/v1/overview/global-drugs/map/?countryId=XXX").await).is_empty());
        // The drugs chart of a region.
        let list = rows(&app.get("/api/v1/overview/global-drugs/?countryId=KAZ&countryId=ABW").await);
        assert_eq!(list, vec![drug_item(inh, 0, 0, 3)]);
    }

    // T-15 (the body is the original's, literally)
    async fn global_samples_of_bare_samples(app) {
        let fx = Fixtures::new(&app).await;
        // Before any refresh: zeros rather than the original's 500.
        let reply = app.get("/api/v1/overview/global-samples/").await;
        assert_eq!(reply.status, Status::Ok);
        assert_eq!(reply.json()["total"]["totalSum"], 0);
        fx.sample(None, None).await;
        fx.sample(None, None).await;
        fx.refresh().await;
        let reply = app.get("/api/v1/overview/global-samples/").await;
        assert_eq!(reply.json(), json!({"countries": [], "total": {
            "extDrugResSum": 0, "monoResSum": 0, "multiDrugResSum": 0, "polyResSum": 0,
            "ratioExtDrugRes": 0.0, "ratioMonoRes": 0.0, "ratioMultiDrugRes": 0.0, "ratioPolyRes": 0.0,
            "ratioRifRes": 0.0, "rifResSum": 0, "totalSum": 2
        }}));
    }

    async fn global_samples_count_resistance_patterns_as_sets(app) {
        let fx = Fixtures::new(&app).await;
        let d = |code: &'static str| { let fx = &fx; async move { fx.drug(code).await } };
        let (inh, rif, emb, strep, lfx, amk) = (d("INH").await, d("RIF").await, d("EMB").await, d("STR").await, d("LFX").await, d("AMK").await);
        let r = |drugs: Vec<i64>| drugs.into_iter().map(|x| (x, "R")).collect::<Vec<_>>();
        fx.tested_sample(None, None, &r(vec![rif])).await; // mono, RR
        fx.tested_sample(None, None, &r(vec![rif, inh])).await; // MDR, RR; not poly in any order
        fx.tested_sample(None, None, &r(vec![rif, inh, emb])).await; // poly, MDR, RR
        fx.tested_sample(None, None, &r(vec![inh, strep])).await; // neither mono nor poly
        fx.tested_sample(None, None, &r(vec![inh, rif, lfx, amk])).await; // poly, MDR, XDR, RR
        let geno_only = fx.sample(None, None).await;
        fx.prediction(geno_only, rif, 1, "R", "rpoB_p.Ser450Leu").await; // RR by prediction
        fx.tested_sample(None, None, &r(vec![emb])).await; // mono
        fx.tested_sample(None, None, &[(inh, "S")]).await;
        fx.refresh().await;
        let total = fx.count("SELECT COUNT(*) FROM submission_sample").await;
        let (mono, poly, mdr, xdr, rr) = (2, 2, 3, 1, 5);
        let pct = |x: i64| x as f64 * 100.0 / total as f64;
        let body = app.get("/api/v1/overview/global-samples").await.json();
        assert_eq!(body["total"], json!({
            "totalSum": total, "monoResSum": mono, "polyResSum": poly, "multiDrugResSum": mdr,
            "extDrugResSum": xdr, "rifResSum": rr,
            "ratioMonoRes": pct(mono), "ratioPolyRes": pct(poly), "ratioMultiDrugRes": pct(mdr),
            "ratioExtDrugRes": pct(xdr), "ratioRifRes": pct(rr)
        }));
    }

    async fn year_filters_count_dated_samples_in_the_window_and_undated_always(app) {
        let fx = Fixtures::new(&app).await;
        let inh = fx.drug("INH").await;
        let span = (
            time::Date::from_calendar_date(2018, time::Month::June, 1).unwrap(),
            time::Date::from_calendar_date(2020, time::Month::June, 1).unwrap(),
        );
        fx.tested_sample(Some("FRA"), Some(year(2019)), &[(inh, "R")]).await;
        fx.tested_sample(Some("FRA"), Some(year(2021)), &[(inh, "R")]).await;
        fx.tested_sample(Some("KAZ"), Some(year(2021)), &[(inh, "S")]).await;
        fx.tested_sample(Some("KAZ"), None, &[(inh, "S")]).await;
        fx.tested_sample(Some("KAZ"), Some(span), &[(inh, "I")]).await;
        fx.refresh().await;
        let by_drug = |q: &str| {
            let app = &app;
            let q = q.to_string();
            async move { rows(&app.get(&format!("/api/v1/overview/global-drugs/?{q}")).await) }
        };
        assert_eq!(by_drug("yearGte=2020&yearLte=2021").await, vec![drug_item(inh, 2, 1, 1)]);
        assert_eq!(by_drug("yearGte=2022").await, vec![drug_item(inh, 1, 0, 0)]);
        assert_eq!(by_drug("yearLte=2018").await, vec![drug_item(inh, 1, 0, 1)]);
        assert_eq!(by_drug("year_gte=2019&year_lte=2019").await, vec![drug_item(inh, 1, 1, 1)]);
        assert_eq!(by_drug("yearGte=1964&yearLte=2026").await, vec![drug_item(inh, 2, 2, 1)]);
        assert_eq!(by_drug("").await, vec![drug_item(inh, 2, 2, 1)]);
        assert_eq!(by_drug("yearGte=2025&yearLte=2020").await, vec![drug_item(inh, 1, 0, 0)]);
        let map = rows(&app.get(&format!("/api/v1/overview/global-drugs/map?drug={inh}&yearGte=2020&yearLte=2021")).await);
        assert_eq!(map, vec![country_item(Some("FRA"), 0, 1, 0), country_item(Some("KAZ"), 2, 0, 1)]);
    }

    async fn geno_stats_use_the_latest_prediction_that_agrees(app) {
        let fx = Fixtures::new(&app).await;
        let (inh, strep) = (fx.drug("INH").await, fx.drug("STR").await);
        let s1 = fx.tested_sample(Some("FRA"), None, &[(inh, "R")]).await;
        let s2 = fx.sample(Some("FRA"), None).await;
        let s3 = fx.sample(Some("FRA"), None).await;
        let s4 = fx.sample(Some("FRA"), None).await;
        fx.prediction(s1, inh, 1, "R", "katG_p.Ser315Thr").await;
        fx.prediction(s1, inh, 2, "S", "").await;
        fx.prediction(s2, inh, 2, "R", "katG_p.Ser315Thr").await;
        fx.prediction(s3, inh, 2, "U", "katG_deletion").await;
        fx.prediction(s3, strep, 2, "U", "rpsL_deletion").await;
        fx.prediction(s4, inh, 2, "R", "a").await;
        fx.prediction(s4, inh, 2, "S", "b").await;
        fx.refresh().await;
        let by_drug = |q: &str| {
            let app = &app;
            let q = q.to_string();
            async move { rows(&app.get(&format!("/api/v1/overview/global-drugs/?{q}")).await) }
        };
        // s1: S (version 2 replaces version 1); s2: R; s3: U counts nowhere; s4 contradicts.
        assert_eq!(by_drug("resistanceType=Geno").await, vec![drug_item(inh, 1, 1, 0), drug_item(strep, 0, 0, 0)]);
        // A total of 0 gives 0.0 ratios, not an error.
        assert_eq!(by_drug(&format!("resistanceType=Geno&drug={strep}")).await, vec![drug_item(strep, 0, 0, 0)]);
        // Without a type, phenotypes and predictions add up.
        assert_eq!(by_drug(&format!("drug={inh}")).await, vec![drug_item(inh, 1, 2, 0)]);
        assert_eq!(by_drug("resistanceType=Pheno").await, vec![drug_item(inh, 0, 1, 0)]);
    }

    async fn countries_come_from_aliases_and_samples_without_alias_count(app) {
        let fx = Fixtures::new(&app).await;
        let inh = fx.drug("INH").await;
        let a = fx.sample(Some("FRA"), None).await;
        let alias_a = fx.alias(Some(a), "a", Some("KAZ"), true).await;
        let b = fx.sample(Some("FRA"), None).await;
        let alias_b = fx.alias(Some(b), "b1", Some("ABW"), true).await;
        fx.alias(Some(b), "b2", Some("CHE"), false).await;
        fx.alias(Some(b), "b3", None, false).await;
        let c = fx.sample(Some("FRA"), None).await;
        let d = fx.sample(None, None).await;
        let unlinked = fx.alias(None, "unlinked", Some("KAZ"), false).await;
        fx.pds(a, alias_a, inh, Some("R"), false).await;
        fx.pds(b, alias_b, inh, Some("R"), false).await;
        fx.pds(c, unlinked, inh, Some("R"), false).await;
        fx.pds(d, unlinked, inh, Some("S"), false).await;
        fx.refresh().await;
        let map = rows(&app.get("/api/v1/overview/global-drugs/map/").await);
        assert_eq!(map, vec![
            country_item(Some("CHE"), 0, 1, 0),
            country_item(Some("FRA"), 0, 1, 0),
            country_item(Some("KAZ"), 0, 1, 0),
            country_item(None, 1, 0, 0),
        ]);
    }

    async fn statistics_validate_their_filters(app) {
        for (query, attr, code) in [
            ("drug=99999", "drug", "invalid_choice"),
            ("drug=INH", "drug", "invalid_choice"),
            ("resistanceType=Both", "resistanceType", "invalid_choice"),
            ("resistance_type=pheno", "resistanceType", "invalid_choice"),
            ("yearGte=abc", "yearGte", "invalid"),
            ("yearLte=20x", "yearLte", "invalid"),
            ("yearLte=100000", "yearLte", "invalid"),
        ] {
            for path in ["global-drugs/", "global-drugs/map", "global-drugs"] {
                let reply = app.get(&format!("/api/v1/overview/{path}?{query}")).await;
                reply.assert_error(Status::BadRequest, code);
                let body = reply.json();
                assert_eq!(body["type"], "validation_error", "{query}");
                assert_eq!(body["errors"][0]["attr"], attr, "{query}");
            }
        }
        let reply = app.get("/api/v1/overview/global-drugs/?resistanceType=Both").await;
        assert_eq!(reply.json()["errors"][0]["detail"], "Select a valid choice. Both is not one of the available choices.");
        // Empty values mean "no filter"; an empty table answers an empty list.
        assert!(rows(&app.get("/api/v1/overview/global-drugs/?drug=&resistanceType=&yearGte=&countryId=").await).is_empty());
    }
}
