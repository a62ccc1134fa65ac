//! The public catalogue on both databases: the summary refresh and every overview endpoint,
//! with the original's test catalogue (T-03, T-04, T-09, T-10, T-13, T-14, T-15) and the
//! cases that follow from the specification. Expected numbers are computed from the fixtures.

use crate::catalogue_fixtures;
use crate::common;

use catalogue_fixtures::*;
use rocket::http::Status;
use serde_json::{json, Value};

both_backends! {
    // T-03
    async fn drug_gene_infos_paginate_with_the_original_links(app) {
        let fx = Fixtures::new(&app).await;
        let a = annotations(&fx).await;
        let (start, end) = fx.gene_start_end(RV0004).await;
        let reply = app.get("/api/v1/overview/drug-gene-infos/?paginated=true&order=-globalFrequency&pageSize=1").await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        let body = reply.json();
        assert_eq!(body["count"], 2);
        assert_eq!(body["previous"], Value::Null);
        assert_eq!(body["next"], "http://localhost/api/v1/overview/drug-gene-infos/?order=-globalFrequency&page=2&pageSize=1&paginated=true");
        let carriers = a.samples.len() as i64 / 2;
        assert_eq!(body["results"][0], json!({
            "drug": a.inh, "drugName": "Isoniazid", "geneDbCrossrefId": RV0004, "geneName": "Rv0004",
            "variantName": "2160001-TAGA-GTAA", "variantGrade": "1", "variantGradeVersion": 1,
            "nucleodicAnnName": "AAA", "proteicAnnName": "BBB", "consequence": "UPSTREAM",
            "resistantCount": 0, "susceptbleCount": carriers, "intermediateCount": 0,
            "globalFrequency": format!("{:.2}", carriers as f64 * 100.0 / a.samples.len() as f64),
            "totalCounts": carriers, "startPos": start + 78, "endPos": end + 78
        }));
    }

    // T-04
    async fn drug_gene_infos_without_pagination_are_a_bare_array(app) {
        let fx = Fixtures::new(&app).await;
        annotations(&fx).await;
        let body = app.get("/api/v1/overview/drug-gene-infos/?order=totalCounts").await.json();
        let rows = body.as_array().expect("a bare array");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["variantName"], "2160001-TAGA-GTAA");
        assert_eq!(rows[1]["variantName"], "2160002-TAGA-GTAA");
    }
}

/// The rows of a bare-array answer.
fn rows(app_reply: &common::Reply) -> Vec<Value> {
    assert_eq!(app_reply.status, Status::Ok, "{}", app_reply.body);
    app_reply.json().as_array().expect("a bare array").clone()
}

fn variant_names(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|r| r["variantName"].as_str().unwrap().to_string())
        .collect()
}

both_backends! {
    async fn drug_gene_infos_filter_on_every_column(app) {
        let fx = Fixtures::new(&app).await;
        let a = annotations(&fx).await;
        let rif = fx.drug("RIF").await;
        let get = |q: String| {
            let app = &app;
            async move { rows(&app.get(&format!("/api/v1/overview/drug-gene-infos/?{q}")).await).len() }
        };
        for (query, expected) in [
            ("geneName=rv00".to_string(), 2),
            ("geneName=katG".to_string(), 0),
            ("variantName=2160002".to_string(), 1),
            ("variant_name=TAGA-G".to_string(), 2),
            ("nucleodicAnnName=aa".to_string(), 2),
            ("proteicAnnName=bbb".to_string(), 2),
            ("proteicAnnName=zzz".to_string(), 0),
            ("consequence=upstream".to_string(), 2),
            ("consequence=UPSTR".to_string(), 0),
            (format!("drug={}", a.inh), 2),
            (format!("drug={rif}"), 0),
            (format!("drug={rif},{}", a.inh), 2),
            ("drug=99999".to_string(), 0),
            (format!("geneDbCrossrefId={RV0004}"), 2),
            (format!("geneDbCrossrefId={DNAA},{RV0004}"), 2),
            (format!("gene_db_crossref_id={DNAA}"), 0),
            ("variantGrade=2".to_string(), 1),
            ("variantGrade=ungraded".to_string(), 0),
            ("geneName=&drug=&order=".to_string(), 2),
            ("variantName=%25".to_string(), 0),
        ] {
            assert_eq!(get(query.clone()).await, expected, "{query}");
        }
        let list = rows(&app.get("/api/v1/overview/drug-gene-infos/?variantName=2160002").await);
        assert_eq!(list[0]["variantGrade"], "2");
        assert_eq!(list[0]["endPos"], fx.gene_start_end(RV0004).await.1 + 141);
    }

    async fn drug_gene_infos_order_by_every_column_in_both_spellings(app) {
        let fx = Fixtures::new(&app).await;
        let a = annotations(&fx).await;
        // A third variant carried by three samples that are resistant.
        let v3 = fx.variant(2160003, "C", "T").await;
        for &s in &a.samples[..3] {
            fx.call(s, v3, "freebayes", 900, 900).await;
        }
        let alias = fx.alias(None, "unlinked", None, false).await;
        for &s in &a.samples[..3] {
            // A second, contradicting result leaves these samples out of the counts.
            fx.pds(s, alias, a.inh, Some("R"), false).await;
        }
        fx.annotate(v3, RV0004, "missense_variant", "c.3C>T", None, Some(5)).await;
        fx.refresh().await;
        let order = |q: &str| {
            let app = &app;
            let q = q.to_string();
            async move { variant_names(&rows(&app.get(&format!("/api/v1/overview/drug-gene-infos/?order={q}")).await)) }
        };
        let (v1, v2, v3n) = ("2160001-TAGA-GTAA", "2160002-TAGA-GTAA", "2160003-C-T");
        // Default: start position (Rv0004 + 5 < + 78 < + 141).
        let default = variant_names(&rows(&app.get("/api/v1/overview/drug-gene-infos/").await));
        assert_eq!(default, vec![v3n, v1, v2]);
        // Carriers: v1 and v2 ten each, v3 three; the three v3 carriers contradict, so v3 has
        // no counted result and v1/v2 lose the ones among them.
        assert_eq!(order("totalCounts").await, vec![v3n, v1, v2]);
        assert_eq!(order("-totalCounts").await, vec![v1, v2, v3n]);
        assert_eq!(order("globalFrequency").await, vec![v3n, v1, v2]);
        assert_eq!(order("susceptbleCount").await, vec![v3n, v1, v2]);
        assert_eq!(order("-susceptibleCount").await, vec![v2, v1, v3n]);
        assert_eq!(order("resistantCount").await, vec![v3n, v1, v2]);
        assert_eq!(order("-intermediateCount,-susceptbleCount").await, vec![v2, v1, v3n]);
        let list = rows(&app.get("/api/v1/overview/drug-gene-infos/?order=-susceptibleCount").await);
        // Samples 0 and 2 carry v1 and contradict; sample 1 carries v2 and contradicts.
        assert_eq!(list[0]["susceptbleCount"], 9);
        assert_eq!(list[1]["susceptbleCount"], 8);
        assert_eq!(list[2]["susceptbleCount"], 0);
        assert_eq!(list[2]["totalCounts"], 3);
        assert_eq!(list[2]["proteicAnnName"], Value::Null);
        assert_eq!(list[2]["variantGrade"], "Ungraded");
        assert_eq!(list[2]["variantGradeVersion"], Value::Null);
        assert_eq!(list[2]["globalFrequency"], "15.00");
        for bad in ["startPos", "susceptible", "-", "totalCounts,nope"] {
            let reply = app.get(&format!("/api/v1/overview/drug-gene-infos/?order={bad}")).await;
            reply.assert_error(Status::BadRequest, "invalid_choice");
            assert_eq!(reply.json()["errors"][0]["attr"], "order");
        }
    }

    async fn drug_gene_infos_show_the_latest_grade_version_unless_asked(app) {
        let fx = Fixtures::new(&app).await;
        let a = annotations(&fx).await;
        let [v1, _] = a.variants;
        let v3 = fx.variant(2160003, "C", "T").await;
        fx.call(a.samples[0], v3, "freebayes", 900, 900).await;
        fx.annotate(v3, RV0004, "missense_variant", "c.3C>T", None, Some(5)).await;
        fx.grade(v1, a.inh, 3, 2).await;
        fx.refresh().await;
        let list = |q: &str| {
            let app = &app;
            let q = q.to_string();
            async move { rows(&app.get(&format!("/api/v1/overview/drug-gene-infos/?{q}")).await) }
        };
        // Latest version (2) plus the ungraded v3; v2's only grade is version 1.
        let latest = list("").await;
        assert_eq!(variant_names(&latest), vec!["2160003-C-T", "2160001-TAGA-GTAA"]);
        assert_eq!(latest[1]["variantGrade"], "3");
        assert_eq!(latest[1]["variantGradeVersion"], 2);
        let v1_rows = list("variantGradeVersion=1").await;
        assert_eq!(variant_names(&v1_rows), vec!["2160001-TAGA-GTAA", "2160002-TAGA-GTAA"]);
        assert_eq!(v1_rows[0]["variantGrade"], "1");
        assert_eq!(variant_names(&list("variant_grade_version=2").await), vec!["2160001-TAGA-GTAA"]);
        assert!(list("variantGradeVersion=7").await.is_empty());
        let reply = app.get("/api/v1/overview/drug-gene-infos/?variantGradeVersion=two").await;
        reply.assert_error(Status::BadRequest, "invalid");
        assert_eq!(reply.json()["errors"][0]["attr"], "variantGradeVersion");

        // Without any grade, every row shows.
        fx.exec("DELETE FROM genphen_variantgrade", tbseq::params![]).await;
        fx.refresh().await;
        assert_eq!(list("").await.len(), 3);
    }

    async fn drug_gene_infos_count_each_sample_once(app) {
        let fx = Fixtures::new(&app).await;
        let rif = fx.drug("RIF").await;
        let v = fx.variant(5, "A", "T").await;
        let other = fx.variant(6, "G", "C").await;
        let tested = |results: Vec<Option<&'static str>>, staging: bool| {
            let fx = &fx;
            async move {
                let (s, a) = fx.named_sample(None, None).await;
                for r in results {
                    fx.pds(s, a, rif, r, staging).await;
                }
                s
            }
        };
        let twice_r = tested(vec![Some("R"), Some("R")], false).await;
        let s = tested(vec![Some("S")], false).await;
        let contradicting = tested(vec![Some("R"), Some("S")], false).await;
        let staged = tested(vec![Some("R")], true).await;
        let intermediate = tested(vec![Some("I")], false).await;
        let below_threshold = tested(vec![Some("R")], false).await;
        let null_and_r = tested(vec![None, Some("R")], false).await;
        let untested = fx.sample(None, None).await;
        for sample in [twice_r, s, contradicting, staged, null_and_r] {
            fx.call(sample, v, "freebayes", 95, 100).await;
        }
        fx.call_af(intermediate, v, 0.8).await;
        fx.call_af(below_threshold, v, 0.5).await;
        fx.call(untested, other, "delly", 10, 10).await;
        // Identical annotation rows and a gene associated twice must not multiply counts;
        // two different protein annotations are two rows.
        fx.annotate(v, DNAA, "missense_variant", "c.1A>T", Some("p.Met1Leu"), None).await;
        fx.annotate(v, DNAA, "missense_variant", "c.1A>T", Some("p.Met1Leu"), None).await;
        fx.annotate(v, DNAA, "missense_variant", "c.1A>T", Some("p.M1L"), None).await;
        fx.associate(DNAA, rif, 1).await;
        fx.associate(DNAA, rif, 2).await;
        fx.refresh().await;
        let list = rows(&app.get(&format!("/api/v1/overview/drug-gene-infos/?drug={rif}")).await);
        assert_eq!(list.len(), 2);
        let present = 6; // every carrier but the one below the threshold
        let genotyped = 8; // every sample with a call, present or not
        for row in &list {
            assert_eq!(row["geneName"], "dnaA");
            assert_eq!(row["variantName"], "5-A-T");
            assert_eq!(row["resistantCount"], 2, "{row}"); // twice_r, null_and_r
            assert_eq!(row["susceptbleCount"], 1, "{row}");
            assert_eq!(row["intermediateCount"], 1, "{row}");
            assert_eq!(row["totalCounts"], present);
            let expected = present as f64 * 100.0 / genotyped as f64;
            assert_eq!(row["globalFrequency"], format!("{expected:.2}"));
            assert_eq!(row["startPos"], Value::Null);
            assert_eq!(row["endPos"], Value::Null);
        }
        let proteins: Vec<&str> = list.iter().map(|r| r["proteicAnnName"].as_str().unwrap()).collect();
        assert!(proteins.contains(&"p.M1L") && proteins.contains(&"p.Met1Leu"));
    }

    async fn catalogue_variants_are_named_by_position_and_name(app) {
        let fx = Fixtures::new(&app).await;
        let inh = fx.drug("INH").await;
        let v = fx.variant(2155168, "", "katG_p.Ser315Thr").await;
        let s = fx.sample(None, None).await;
        fx.call_af(s, v, 1.0).await;
        let katg: i64 = fx.count("SELECT gene_db_crossref_id FROM overview_gene WHERE gene_name = 'katG'").await;
        fx.annotate(v, katg, "missense_variant", "c.944G>C", Some("p.Ser315Thr"), Some(0)).await;
        fx.associate(katg, inh, 1).await;
        fx.refresh().await;
        let list = rows(&app.get("/api/v1/overview/drug-gene-infos/?geneName=katg").await);
        assert_eq!(variant_names(&list), vec!["2155168-katG_p.Ser315Thr"]);
        assert_eq!(list[0]["globalFrequency"], "100.00");
        assert_eq!(list[0]["startPos"], fx.gene_start_end(katg).await.0);
    }

    async fn a_variant_counts_from_the_presence_threshold(app) {
        let fx = Fixtures::new(&app).await;
        let inh = fx.drug("INH").await;
        let v = fx.variant(100, "A", "G").await;
        let (s1, _) = fx.named_sample(None, None).await;
        let (s2, _) = fx.named_sample(None, None).await;
        let (s3, _) = fx.named_sample(None, None).await;
        fx.call(s1, v, "freebayes", 510, 900).await; // 0.567, the original fixture's reads
        fx.call(s2, v, "freebayes", 0, 0).await; // no depth: never present
        // An allele frequency wins over the read counts.
        fx.exec(
            "INSERT INTO submission_genotype (sample_id, variant_id, genotyper, alternative_ad, total_dp, allele_frequency) VALUES ($1, $2, 'x', 1, 100, 0.9)",
            tbseq::params![s3, v],
        ).await;
        fx.annotate(v, DNAA, "upstream_gene_variant", "c.-5A>G", None, Some(-5)).await;
        fx.associate(DNAA, inh, 1).await;
        fx.refresh().await;
        let total = |list: Vec<Value>| list.first().map(|r| r["totalCounts"].as_i64().unwrap());
        let url = "/api/v1/overview/drug-gene-infos/";
        assert_eq!(total(rows(&app.get(url).await)), Some(1));
        fx.refresh_with(0.5).await;
        assert_eq!(total(rows(&app.get(url).await)), Some(2));
        fx.refresh_with(0.95).await;
        assert_eq!(total(rows(&app.get(url).await)), None);
        // The threshold comes from the configuration.
        let err = tbseq::db::repo::SummaryStore::refresh_summaries(&fx.db, &tbseq::db::repo::RefreshOptions { presence_threshold: 0.0 }).await;
        assert!(err.is_err());
    }

    async fn drug_gene_infos_paginated_switch_and_pages(app) {
        let fx = Fixtures::new(&app).await;
        annotations(&fx).await;
        let body = app.get("/api/v1/overview/drug-gene-infos/?paginated=1&page=2&pageSize=1").await.json();
        assert_eq!(body["count"], 2);
        assert_eq!(body["next"], Value::Null);
        assert_eq!(body["previous"], "http://localhost/api/v1/overview/drug-gene-infos/?pageSize=1&paginated=1");
        assert_eq!(body["results"][0]["variantName"], "2160002-TAGA-GTAA");
        // Any non-empty value switches pagination on, even "false"; an empty one does not.
        let body = app.get("/api/v1/overview/drug-gene-infos/?paginated=false").await.json();
        assert_eq!(body["count"], 2);
        assert_eq!(body["results"].as_array().unwrap().len(), 2);
        assert!(app.get("/api/v1/overview/drug-gene-infos/?paginated=").await.json().is_array());
        app.get("/api/v1/overview/drug-gene-infos/?paginated=true&page=3&pageSize=1").await
            .assert_error(Status::NotFound, "not_found");
        // Before any data: an empty page and an empty array.
        let body = app.get("/api/v1/overview/drug-gene-infos/?paginated=true&geneName=none").await.json();
        assert_eq!(body, json!({"count": 0, "next": null, "previous": null, "results": []}));
    }

    async fn drug_gene_infos_export_as_csv(app) {
        let fx = Fixtures::new(&app).await;
        annotations(&fx).await;
        let json_rows = rows(&app.get("/api/v1/overview/drug-gene-infos/?order=-totalCounts").await);
        let reply = app.get("/api/v1/overview/drug-gene-infos/export/?order=-totalCounts&paginated=true").await;
        assert_eq!(reply.status, Status::Ok);
        assert_eq!(reply.content_type.as_ref().map(|c| c.to_string()), Some("text/csv; charset=utf-8".into()));
        assert_eq!(reply.header("content-disposition"), Some("attachment; filename=\"drug-gene-infos.csv\""));
        let lines: Vec<&str> = reply.body.lines().collect();
        assert_eq!(lines.len(), json_rows.len() + 1);
        let header: Vec<&str> = lines[0].split(',').collect();
        assert_eq!(header, tbseq::domain::variants::VARIANT_CSV_HEADER.to_vec());
        for (line, row) in lines[1..].iter().zip(&json_rows) {
            let fields: Vec<&str> = line.split(',').collect();
            for (key, field) in header.iter().zip(&fields) {
                let expected = match &row[*key] {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                assert_eq!(*field, expected, "{key}");
            }
        }
        let only_header = app.get("/api/v1/overview/drug-gene-infos/export?geneName=nothing").await;
        assert_eq!(only_header.body.lines().count(), 1);
        app.get("/api/v1/overview/drug-gene-infos/export/?order=bad").await
            .assert_error(Status::BadRequest, "invalid_choice");
        // There is no detail route.
        app.get("/api/v1/overview/drug-gene-infos/1/").await.assert_error(Status::NotFound, "not_found");
    }

    async fn gene_drug_resistance_associations_filter_and_order(app) {
        let fx = Fixtures::new(&app).await;
        let (inh, rif) = (fx.drug("INH").await, fx.drug("RIF").await);
        fx.associate(DNAA, inh, 2).await;
        fx.associate(RV0004, inh, 1).await;
        fx.associate(DNAN, rif, 1).await;
        let unknown_gene: i64 = fx.count("INSERT INTO biosql_dbxref (dbname, accession) VALUES ('GeneID', '999999') RETURNING dbxref_id").await;
        fx.associate(unknown_gene, rif, 3).await;
        let url = "/api/v1/genphen/gene-drug-resistance-associations/";
        let list = rows(&app.get(url).await);
        let genes: Vec<i64> = list.iter().map(|r| r["geneDbCrossrefId"].as_i64().unwrap()).collect();
        assert_eq!(genes, vec![DNAN, RV0004, DNAA, unknown_gene]);
        assert_eq!(list[1], json!({"drugId": inh, "geneDbCrossrefId": RV0004, "locusTag": "Rv0004", "geneName": null, "tier": 1}));
        assert_eq!(list[2]["geneName"], "dnaA");
        assert_eq!(list[3]["locusTag"], Value::Null);
        let genes_of = |q: String| {
            let app = &app;
            async move {
                rows(&app.get(&format!("{url}?{q}")).await).iter().map(|r| r["geneDbCrossrefId"].as_i64().unwrap()).collect::<Vec<_>>()
            }
        };
        assert_eq!(genes_of(format!("drugId={inh}")).await, vec![RV0004, DNAA]);
        assert_eq!(genes_of(format!("drug_id={rif}&tier=1")).await, vec![DNAN]);
        assert_eq!(genes_of("tier=2".into()).await, vec![DNAA]);
        assert_eq!(genes_of("drugId=&tier=".into()).await.len(), 4);
        for (query, attr, code) in [
            ("drugId=99999", "drugId", "invalid_choice"),
            ("drugId=abc", "drugId", "invalid_choice"),
            ("tier=first", "tier", "invalid"),
        ] {
            let reply = app.get(&format!("{url}?{query}")).await;
            reply.assert_error(Status::BadRequest, code);
            let body = reply.json();
            assert_eq!(body["type"], "validation_error");
            assert_eq!(body["errors"][0]["attr"], attr);
        }
        let reply = app.get(&format!("{url}?drugId=99999")).await;
        assert_eq!(reply.json()["errors"][0]["detail"], "Select a valid choice. That choice is not one of the available choices.");
    }

    // T-09, T-10
    async fn gene_associations_one_entry_per_gene(app) {
        let fx = Fixtures::new(&app).await;
        assert_eq!(rows(&app.get("/api/v1/overview/gene-associations/").await), Vec::<Value>::new());
        let (inh, rif, emb) = (fx.drug("INH").await, fx.drug("RIF").await, fx.drug("EMB").await);
        fx.associate(DNAA, rif, 1).await;
        fx.associate(DNAA, inh, 1).await;
        fx.associate(DNAA, inh, 2).await;
        fx.associate(RV0004, emb, 2).await;
        fx.refresh().await;
        let list = rows(&app.get("/api/v1/overview/gene-associations/").await);
        let distinct_genes = fx.count("SELECT COUNT(DISTINCT gene_db_crossref) FROM overview_druggene").await;
        assert_eq!(list.len() as i64, distinct_genes);
        let drug_json = |id: i64, name: &str, code: &str| json!({"drugId": id, "drugName": name, "code": code});
        let dnaa = json!({"geneDbCrossref": DNAA, "geneName": "dnaA", "drugs": [
            drug_json(inh, "Isoniazid", "INH"), drug_json(rif, "Rifampicin", "RIF")
        ]});
        assert_eq!(list[0], dnaa);
        assert_eq!(list[1], json!({"geneDbCrossref": RV0004, "geneName": null, "drugs": [drug_json(emb, "Ethambutol", "EMB")]}));
        // The drug filter keeps genes associated with it, with all their drugs.
        let list = rows(&app.get(&format!("/api/v1/overview/gene-associations/?drug={rif}")).await);
        assert_eq!(list, vec![dnaa.clone()]);
        let reply = app.get("/api/v1/overview/gene-associations/?drug=99999").await;
        reply.assert_error(Status::BadRequest, "invalid_choice");
        assert_eq!(reply.json()["errors"][0]["attr"], "drug");
        // Detail by gene cross-reference id.
        let reply = app.get(&format!("/api/v1/overview/gene-associations/{DNAA}/")).await;
        assert_eq!(reply.status, Status::Ok);
        assert_eq!(reply.json(), dnaa);
        app.get(&format!("/api/v1/overview/gene-associations/{DNAN}")).await.assert_error(Status::NotFound, "not_found");
        app.get("/api/v1/overview/gene-associations/dnaA/").await.assert_error(Status::NotFound, "not_found");
    }
}
