//! MIC and PDST workbooks over HTTP, on both databases: the original's API and service tests
//! (§11.2, §11.3) with its own fixture workbooks, every refusal with its exact message, and
//! hostile files — each refused with nothing written.

use crate::common;

use common::{original_fixture as fixture, Caller, Reply, TestApp};
use rocket::http::{ContentType, Header, Method, Status};
use serde_json::{json, Value};

const PACKAGES: &str = "/api/v1/submission/packages/";
async fn upload(
    app: &TestApp,
    who: &Caller,
    pk: i64,
    kind: &str,
    filename: &str,
    bytes: &[u8],
) -> Reply {
    app.upload(who, &format!("{PACKAGES}{pk}/{kind}/"), filename, bytes)
        .await
}

async fn package(app: &TestApp, who: &Caller) -> i64 {
    let reply = app
        .call(
            Method::Post,
            PACKAGES,
            Some(who),
            Some(&json!({"name": "Le Package"})),
        )
        .await;
    reply.json()["pk"].as_i64().unwrap()
}

/// Every table an import writes, counted: a refused import must leave these unchanged.
async fn footprint(app: &TestApp) -> Vec<i64> {
    let mut counts = vec![];
    for table in [
        "submission_samplealias",
        "submission_mictest",
        "submission_pdstest",
        "submission_attachment",
    ] {
        counts.push(app.scalar(&format!("SELECT COUNT(*) FROM {table}")).await);
    }
    let files = walk(&app.data_dir);
    counts.push(files as i64);
    counts
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let path = e.path();
                    if path.is_dir() {
                        walk(&path)
                    } else {
                        usize::from(path.to_string_lossy().contains("attachments"))
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn assert_refused(reply: &Reply, attr: Option<&str>, detail: &str) {
    assert_eq!(reply.status, Status::BadRequest, "{}", reply.body);
    let body = reply.json();
    assert_eq!(
        body,
        json!({"type": if attr.is_some() { "validation_error" } else { "client_error" },
               "errors": [{"code": "invalid", "detail": detail, "attr": attr}]}),
    );
}

async fn count_where(app: &TestApp, sql: &str, name: &str) -> i64 {
    app.db
        .query_one(sql, vec![name.into()])
        .await
        .unwrap()
        .get(0)
        .unwrap()
}

both_backends! {
    async fn mic_upload_and_clear(app) {
        let alice = app.caller("alice", false).await;
        let pk = package(&app, &alice).await;
        let reply = upload(&app, &alice, pk, "mic-tests", "mic_valid.xlsx", &fixture("packages_api/mic_valid.xlsx")).await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        let body = reply.json();
        assert_eq!(body["micTestsCount"], 27);
        assert_eq!(body["sampleAliasesCount"], 2);
        assert_eq!(body["micDrugsCount"], body["micDrugs"].as_array().unwrap().len());
        assert!(body["micDrugs"].as_array().unwrap().contains(&json!("BDQ")));
        let attachment = &body["attachments"][0];
        assert_eq!(attachment["type"], "MIC");
        assert_eq!(attachment["originalFilename"], "mic_valid.xlsx");
        assert_eq!(attachment["metadata"], json!({}));
        // The stored workbook downloads through its signed link.
        let link = attachment["file"].as_str().unwrap().replace("http://localhost", "");
        let download = app.client.get(link.clone()).dispatch().await;
        assert_eq!(download.status(), Status::Ok);
        let bytes = download.into_bytes().await.unwrap();
        assert_eq!(bytes, fixture("packages_api/mic_valid.xlsx"));
        let tampered = link.replace("signature=", "signature=00");
        assert_eq!(app.get(&tampered).await.status, Status::Forbidden);

        let aliases = app.call(Method::Get, &format!("{PACKAGES}{pk}/sample-aliases/"), Some(&alice), None).await.json();
        assert_eq!(aliases.as_array().unwrap().len(), 2);
        assert_eq!(aliases[0]["name"], "SRR000010");
        assert_eq!(aliases[0]["fastqPrefix"], "abc");
        assert_eq!(aliases[0]["micTestsCount"], 14);
        assert_eq!(aliases[1]["micTestsCount"], 13);
        let metrics = app.get("/metrics").await.body;
        assert!(metrics.contains("tbseq_imports_total{kind=\"mic\",outcome=\"accepted\"} 1"), "{metrics}");
        assert!(metrics.contains("tbseq_import_rows_total{kind=\"mic\"} 27"), "{metrics}");

        let reply = app.call(Method::Post, &format!("{PACKAGES}{pk}/mic-tests/clear/"), Some(&alice), None).await;
        assert_eq!(reply.status, Status::Ok);
        assert_eq!(reply.json()["micTestsCount"], 0);
        assert_eq!(reply.json()["attachments"], json!([]));
        assert_eq!(footprint(&app).await, vec![0, 0, 0, 0, 0]);
    }

    async fn pds_uploads_of_the_api_tests(app) {
        let alice = app.caller("alice", false).await;
        for (file, tests, aliases) in [("pdst1__valid.xlsx", 24, 2), ("pdst2__valid.xlsx", 19, 2), ("pdst3__valid.xlsx", 4, 2)] {
            let pk = package(&app, &alice).await;
            let reply = upload(&app, &alice, pk, "pds-tests", file, &fixture(&format!("packages_api/{file}"))).await;
            assert_eq!(reply.status, Status::Ok, "{file}: {}", reply.body);
            assert_eq!(reply.json()["pdsTestsCount"], tests, "{file}");
            assert_eq!(reply.json()["sampleAliasesCount"], aliases, "{file}");
            assert_eq!(reply.json()["attachments"][0]["type"], "PDS");
            let reply = app.call(Method::Post, &format!("{PACKAGES}{pk}/pds-tests/clear/"), Some(&alice), None).await;
            assert_eq!(reply.json()["pdsTestsCount"], 0);
            assert_eq!(reply.json()["sampleAliasesCount"], 0);
        }
        assert_eq!(footprint(&app).await, vec![0, 0, 0, 0, 0]);
    }

    async fn the_service_tests_of_the_original(app) {
        let alice = app.caller("alice", false).await;
        let pk = package(&app, &alice).await;
        let reply = upload(&app, &alice, pk, "mic-tests", "mic_valid.xlsx", &fixture("file_import/mic_valid.xlsx")).await;
        assert_eq!(reply.json()["micTestsCount"], 30, "{}", reply.body);
        assert_eq!(reply.json()["sampleAliasesCount"], 3);
        let per_alias = "SELECT COUNT(*) FROM submission_mictest t JOIN submission_samplealias a ON a.id = t.sample_alias_id WHERE a.name = $1";
        assert_eq!(count_where(&app, per_alias, "SRR000010").await, 15);
        assert_eq!(count_where(&app, per_alias, "SRR000011").await, 13);
        let country = "SELECT COUNT(*) FROM submission_samplealias WHERE name = $1 AND country_id = 'CHE'";
        assert_eq!(count_where(&app, country, "SRR000010").await, 1);

        let pk = package(&app, &alice).await;
        let reply = upload(&app, &alice, pk, "pds-tests", "pdst2__valid.xlsx", &fixture("file_import/pdst2__valid.xlsx")).await;
        assert_eq!(reply.json()["pdsTestsCount"], 25, "{}", reply.body);
        let dates = app.db.query(
            "SELECT name, CAST(sampling_date_start AS TEXT), CAST(sampling_date_end AS TEXT), country_id FROM submission_samplealias WHERE package_id = $1 ORDER BY name",
            vec![pk.into()]).await.unwrap();
        type AliasRow = (String, Option<String>, Option<String>, Option<String>);
        let rows: Vec<AliasRow> = dates.iter()
            .map(|r| (r.get(0).unwrap(), r.get(1).unwrap(), r.get(2).unwrap(), r.get(3).unwrap())).collect();
        let find = |n: &str| rows.iter().find(|r| r.0 == n).cloned().unwrap();
        assert_eq!(find("962-13").1.as_deref(), Some("2011-01-01"));
        assert_eq!(find("962-13").2.as_deref(), Some("2012-01-01"));
        assert_eq!(find("915-2015").1.as_deref(), Some("2011-11-30"));
        assert_eq!(find("915-2015").2.as_deref(), Some("2011-12-01"));
        assert_eq!(find("901").3.as_deref(), Some("CHE"));
        assert_eq!(find("962-13").3.as_deref(), Some("FRA"));

        let pk = package(&app, &alice).await;
        let reply = upload(&app, &alice, pk, "pds-tests", "pds_unknown_drug_code.xlsx", &fixture("file_import/pds_unknown_drug_code.xlsx")).await;
        let unused = reply.json()["attachments"][0]["metadata"]["notUsedColumns"].clone();
        assert_eq!(unused.as_array().unwrap().len(), 4, "{unused}");
        assert!(unused.as_array().unwrap().contains(&json!("HHH (0.1)")));

        let pk = package(&app, &alice).await;
        let reply = upload(&app, &alice, pk, "pds-tests", "pds_same_name_different_dst.xlsx", &fixture("file_import/pds_same_name_different_dst.xlsx")).await;
        assert_eq!(reply.json()["pdsTestsCount"], 17);
        assert_eq!(reply.json()["sampleAliasesCount"], 1);
    }

    async fn each_service_case_of_the_original(app) {
        let alice = app.caller("alice", false).await;
        // Imports one fixture of file_import/ into a fresh package; `before` runs first.
        let imported = |kind: &'static str, file: &'static str| {
            let app = &app;
            let alice = &alice;
            async move {
                let pk = package(app, alice).await;
                let reply = upload(app, alice, pk, kind, file, &fixture(&format!("file_import/{file}"))).await;
                assert_eq!(reply.status, Status::Ok, "{file}: {}", reply.body);
                (pk, reply.json())
            }
        };
        // (name, country, sampling date start, end, fastq prefix, MIC + PDS tests) of a package's aliases.
        type AliasRow = (String, Option<String>, Option<String>, Option<String>, Option<String>, i64);
        let aliases = |pk: i64| {
            let app = &app;
            async move {
                let rows = app.db.query(
                    "SELECT a.name, a.country_id, CAST(a.sampling_date_start AS TEXT), CAST(a.sampling_date_end AS TEXT), \
                     a.fastq_prefix, (SELECT COUNT(*) FROM submission_mictest t WHERE t.sample_alias_id = a.id) \
                       + (SELECT COUNT(*) FROM submission_pdstest t WHERE t.sample_alias_id = a.id) \
                     FROM submission_samplealias a WHERE a.package_id = $1 ORDER BY a.name", vec![pk.into()]).await.unwrap();
                rows.iter().map(|r| -> AliasRow {
                    (r.get(0).unwrap(), r.get(1).unwrap(), r.get(2).unwrap(), r.get(3).unwrap(), r.get(4).unwrap(), r.get(5).unwrap())
                }).collect::<Vec<_>>()
            }
        };
        let s = |v: &str| Some(v.to_string());

        // test_new_sample_has_country, test_new_sample_has_sampling_date, test_imported_tests_count,
        // test_new_sample_marked_as_created_within_package (pdst1 and pdst2).
        let (pk, body) = imported("pds-tests", "pdst1__valid.xlsx").await;
        assert_eq!(body["pdsTestsCount"], 27);
        assert_eq!(aliases(pk).await, vec![
            ("STRAIN1".into(), s("FRA"), s("2016-01-01"), s("2017-01-01"), s("yty"), 14),
            ("STRAIN2".into(), s("CHE"), s("2019-01-01"), s("2020-01-01"), s("bcd"), 13),
        ]);
        // test_attachment_created_after_import
        assert_eq!(body["attachments"][0]["type"], "PDS");
        assert_eq!(body["attachments"][0]["originalFilename"], "pdst1__valid.xlsx");
        let (pk, body) = imported("pds-tests", "pdst2__valid.xlsx").await;
        assert_eq!(body["pdsTestsCount"], 25);
        let rows = aliases(pk).await;
        let find = |name: &str| rows.iter().find(|r| r.0 == name).cloned().unwrap_or_else(|| panic!("{name}"));
        let facts = |r: AliasRow| (r.1, r.2, r.3, r.5);
        assert_eq!(facts(find("962-13")), (s("FRA"), s("2011-01-01"), s("2012-01-01"), 10));
        assert_eq!(facts(find("915-2015")), (s("FRA"), s("2011-11-30"), s("2011-12-01"), 13));
        assert_eq!((find("901").1, find("901").2, find("901").3), (s("CHE"), s("2010-01-01"), s("2011-01-01")));
        // test_sample_has_assessment_method: the single LJ test was read by resistance ratio.
        let methods = app.db.query(
            "SELECT m.method_name FROM submission_pdstest t JOIN genphen_growthmedium g ON g.medium_id = t.medium_id \
             LEFT JOIN genphen_pdsassessmentmethod m ON m.method_id = t.method_id \
             WHERE t.package_id = $1 AND g.medium_name = 'LJ'", vec![pk.into()]).await.unwrap();
        let methods: Vec<Option<String>> = methods.iter().map(|r| r.get(0).unwrap()).collect();
        assert_eq!(methods, vec![s("Resistance Ratio")]);

        // MIC: counts per alias, countries, the attachment.
        let (pk, body) = imported("mic-tests", "mic_valid.xlsx").await;
        assert_eq!(body["micTestsCount"], 30);
        assert_eq!(body["attachments"][0]["type"], "MIC");
        assert_eq!(body["attachments"][0]["originalFilename"], "mic_valid.xlsx");
        let rows = aliases(pk).await;
        assert_eq!(rows.len(), 3);
        let find = |name: &str| rows.iter().find(|r| r.0 == name).cloned().unwrap_or_else(|| panic!("{name}"));
        assert_eq!((find("SRR000010").1, find("SRR000010").5), (s("CHE"), 15));
        assert_eq!((find("SRR000011").1, find("SRR000011").5), (s("FRA"), 13));
        // test_clear_mic_data
        let reply = app.call(Method::Post, &format!("{PACKAGES}{pk}/mic-tests/clear/"), Some(&alice), None).await;
        assert_eq!((reply.json()["micTestsCount"].clone(), reply.json()["sampleAliasesCount"].clone()), (json!(0), json!(0)));
        assert_eq!(reply.json()["attachments"], json!([]));
        assert!(aliases(pk).await.is_empty());

        // test_alias_without_country, test_alias_without_year_of_isolation
        let (pk, _) = imported("pds-tests", "pds_no_country.xlsx").await;
        assert!(aliases(pk).await.iter().all(|r| r.1.is_none()), "{:?}", aliases(pk).await);
        let (pk, _) = imported("pds-tests", "pds_no_yoi.xlsx").await;
        assert!(aliases(pk).await.iter().all(|r| r.2.is_none() && r.3.is_none()), "{:?}", aliases(pk).await);

        // test_skip_alias_without_results (PDS and MIC)
        let (pk, _) = imported("pds-tests", "pds_contains_alias_without_results.xlsx").await;
        let names: Vec<String> = aliases(pk).await.into_iter().map(|r| r.0).collect();
        assert_eq!(names, vec!["STRAIN1"]);
        let (pk, _) = imported("mic-tests", "mic_contains_alias_without_results.xlsx").await;
        let rows = aliases(pk).await;
        assert_eq!((rows.len(), rows[0].0.as_str(), rows[0].5), (1, "SRR000011", 13));

        // test_alias_inherits_country_and_yoi, test_existing_alias_updates_fastq_prefix: an alias
        // the package already has takes the workbook's values.
        for (kind, file, name, expected) in [
            ("pds-tests", "pdst1__valid.xlsx", "STRAIN1", (s("FRA"), s("2016-01-01"), s("2017-01-01"), s("yty"))),
            ("mic-tests", "mic_valid.xlsx", "SRR000010", (None, None, None, s("abc"))),
        ] {
            let pk = package(&app, &alice).await;
            app.db.execute("INSERT INTO submission_samplealias (name, package_id, verdicts) VALUES ($1, $2, '[]')",
                vec![name.into(), pk.into()]).await.unwrap();
            let reply = upload(&app, &alice, pk, kind, file, &fixture(&format!("file_import/{file}"))).await;
            assert_eq!(reply.status, Status::Ok, "{}", reply.body);
            let rows = aliases(pk).await;
            let row = rows.iter().find(|r| r.0 == name).unwrap();
            assert_eq!(rows.iter().filter(|r| r.0 == name).count(), 1, "{file}");
            let got = (row.1.clone(), row.2.clone(), row.3.clone(), row.4.clone());
            if kind == "pds-tests" {
                assert_eq!(got, expected, "{file}");
            } else {
                // MIC only fills a missing prefix (the country follows the sheet's last row
                // of that name, §4.8).
                assert_eq!(got.3, expected.3, "{file}");
            }
        }
    }

    async fn mic_ranges_as_the_original_reads_them(app) {
        // test_range_parse.py (§11.5), through an uploaded MIC sheet: each value in its own row.
        // (value, lower, upper, bounds); None = unbounded.
        let cases: &[(&str, Option<f64>, Option<f64>, &str)] = &[
            ("0.1", Some(0.1), Some(0.1), "[]"), ("0,1", Some(0.1), Some(0.1), "[]"),
            (" 0,1 ", Some(0.1), Some(0.1), "[]"), (".1", Some(0.1), Some(0.1), "[]"),
            (",1", Some(0.1), Some(0.1), "[]"), (" ,1 ", Some(0.1), Some(0.1), "[]"),
            ("1", Some(1.0), Some(1.0), "[]"), ("1.", Some(1.0), Some(1.0), "[]"), (" 1 , ", Some(1.0), Some(1.0), "[]"),
            ("=0.1", Some(0.1), Some(0.1), "[]"), ("==0,1", Some(0.1), Some(0.1), "[]"),
            ("> 0,1 ", Some(0.1), None, "(]"), (" > = . 1 ", Some(0.1), None, "[]"), (" ≥ ,1 ", Some(0.1), None, "[]"),
            ("< 0,1 ", Some(0.0), Some(0.1), "[)"), (" < = . 1 ", Some(0.0), Some(0.1), "[]"), (" ≤ ,1 ", Some(0.0), Some(0.1), "[]"),
            ("[1.2,2.2]", Some(1.2), Some(2.2), "[]"), ("(1,2,2,2] ", Some(1.2), Some(2.2), "(]"),
            (" [ 1.2 , 2,2 ) ", Some(1.2), Some(2.2), "[)"),
            (".1 or 2,2", Some(0.1), Some(2.2), "(]"), (" ,1 - 2.2 ", Some(0.1), Some(2.2), "(]"),
            ("0.1 / 2.2", Some(0.1), Some(2.2), "(]"), ("0,1 | 2,2", Some(0.1), Some(2.2), "(]"),
        ];
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name("MIC").unwrap();
        for (c, h) in ["Sample Id", "DST Method", "BDQ"].iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        for (i, (value, ..)) in cases.iter().enumerate() {
            let r = i as u32 + 1;
            sheet.write_string(r, 0, format!("R{r}")).unwrap();
            sheet.write_string(r, 1, "UKMYC5").unwrap();
            sheet.write_string(r, 2, *value).unwrap();
        }
        let alice = app.caller("alice", false).await;
        let pk = package(&app, &alice).await;
        let reply = upload(&app, &alice, pk, "mic-tests", "ranges.xlsx", &workbook.save_to_buffer().unwrap()).await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        assert_eq!(reply.json()["micTestsCount"], cases.len());
        for (i, (value, lower, upper, bounds)) in cases.iter().enumerate() {
            let row = app.db.query_one(
                "SELECT t.range_lower, t.range_upper, t.range_bounds FROM submission_mictest t \
                 JOIN submission_samplealias a ON a.id = t.sample_alias_id WHERE a.name = $1",
                vec![format!("R{}", i + 1).into()]).await.unwrap();
            let got: (Option<f64>, Option<f64>, String) = (row.get(0).unwrap(), row.get(1).unwrap(), row.get(2).unwrap());
            let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-9,
                (a, b) => a == b,
            };
            assert!(close(got.0, *lower) && close(got.1, *upper) && got.2 == *bounds,
                "{value:?}: got {got:?}, want ({lower:?}, {upper:?}, {bounds})");
        }
    }

    async fn the_originals_crashes_and_silent_losses_are_fixed(app) {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        // A sheet of `rows` (strings; "" leaves the cell empty) named `sheet`.
        let book = |sheet_name: &str, rows: &[&[&str]]| {
            let mut workbook = Workbook::new();
            let sheet = workbook.add_worksheet();
            sheet.set_name(sheet_name).unwrap();
            for (r, row) in rows.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    if !cell.is_empty() {
                        sheet.write_string(r as u32, c as u16, *cell).unwrap();
                    }
                }
            }
            workbook
        };
        let alice = app.caller("alice", false).await;
        let tests_of = |pk: i64, sql: &'static str| {
            let app = &app;
            async move {
                app.db.query(sql, vec![pk.into()]).await.unwrap().iter()
                    .map(|r| (r.get::<String>(0).unwrap(), r.get::<Option<String>>(1).unwrap()))
                    .collect::<Vec<_>>()
            }
        };

        // A concentration written with a decimal comma is that number (500 in the original).
        let pk = package(&app, &alice).await;
        let mut workbook = book("PDST", &[&["Sample Id", "DST Method", "INH (0,4)"], &["S1", "", "R"]]);
        let reply = upload(&app, &alice, pk, "pds-tests", "comma.xlsx", &workbook.save_to_buffer().unwrap()).await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        assert_eq!(tests_of(pk, "SELECT test_result, CAST(concentration AS TEXT) FROM submission_pdstest WHERE package_id = $1").await,
            vec![("R".to_string(), Some("0.4".to_string()))]);

        // Headers with surrounding spaces are their stripped selves (500 in the original).
        let pk = package(&app, &alice).await;
        let mut workbook = book("PDST", &[&[" Sample Id ", "DST Method", "Country ", " RIF "], &["S1", "MGIT", "fr", "S"]]);
        let reply = upload(&app, &alice, pk, "pds-tests", "spaces.xlsx", &workbook.save_to_buffer().unwrap()).await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        assert_eq!(tests_of(pk, "SELECT name, country_id FROM submission_samplealias WHERE package_id = $1").await,
            vec![("S1".to_string(), Some("FRA".to_string()))]);

        // A blank row inside the sheet is skipped (the original refused the sheet), and an
        // Excel date cell is that day (the original stored no date).
        let pk = package(&app, &alice).await;
        let mut workbook = book("PDST", &[&["Sample Id", "DST Method", "Sampling date", "INH (0.1)"], &["S1", "MGIT", "", "R"], &[], &["S2", "MGIT", "2011", "S"]]);
        let sheet = workbook.worksheet_from_name("PDST").unwrap();
        let day = ExcelDateTime::from_ymd(2011, 11, 30).unwrap();
        sheet.write_datetime_with_format(1, 2, &day, &Format::new().set_num_format("yyyy-mm-dd")).unwrap();
        let reply = upload(&app, &alice, pk, "pds-tests", "blank.xlsx", &workbook.save_to_buffer().unwrap()).await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        assert_eq!(reply.json()["pdsTestsCount"], 2);
        assert_eq!(tests_of(pk, "SELECT name, CAST(sampling_date_start AS TEXT) || '/' || CAST(sampling_date_end AS TEXT) \
                                 FROM submission_samplealias WHERE package_id = $1 ORDER BY name").await,
            vec![("S1".to_string(), Some("2011-11-30/2011-12-01".to_string())),
                 ("S2".to_string(), Some("2011-01-01/2012-01-01".to_string()))]);

        // Refusals where the original crashed; nothing is written.
        let pk = package(&app, &alice).await;
        let before = footprint(&app).await;
        let mut no_plate = book("MIC", &[&["Sample Id", "DST Method", "BDQ"], &["S1", "", "0.5"]]);
        let reply = upload(&app, &alice, pk, "mic-tests", "plate.xlsx", &no_plate.save_to_buffer().unwrap()).await;
        assert_refused(&reply, Some("file"), "DST Method: Empty values in mandatory column.");
        let mut numeric = Workbook::new();
        let sheet = numeric.add_worksheet();
        sheet.set_name("PDST").unwrap();
        sheet.write(0, 0, 1).unwrap();
        sheet.write(0, 1, 2).unwrap();
        sheet.write(1, 0, "x").unwrap();
        let reply = upload(&app, &alice, pk, "pds-tests", "numeric.xlsx", &numeric.save_to_buffer().unwrap()).await;
        assert_refused(&reply, Some("file"), "Not all columns names are string.");
        assert_eq!(footprint(&app).await, before);
    }

    async fn every_invalid_workbook_with_its_message(app) {
        let alice = app.caller("alice", false).await;
        let pk = package(&app, &alice).await;
        let cases: &[(&str, &str, &str)] = &[
            ("mic-tests", "empty_table.xlsx", "An empty table received."),
            ("pds-tests", "empty_table.xlsx", "An empty table received."),
            ("mic-tests", "duplicated_column_names.xlsx", "duplicated columns: BDQ"),
            ("pds-tests", "duplicated_column_names.xlsx", "duplicated columns: INH (0.1)"),
            ("mic-tests", "declared_column_missing.xlsx", "DST Method: declared column is missing."),
            ("pds-tests", "declared_column_missing.xlsx", "DST Method: declared column is missing."),
            ("mic-tests", "empty_cells_in_mandatory_column.xlsx", "Sample Id: Empty values in mandatory column."),
            ("pds-tests", "empty_cells_in_mandatory_column.xlsx", "Sample Id: Empty values in mandatory column."),
            ("mic-tests", "broken_excel.xlsx", "Excel file format cannot be determined, you must specify an engine manually."),
            ("pds-tests", "broken_excel.xlsx", "Excel file format cannot be determined, you must specify an engine manually."),
            ("mic-tests", "duplicate_values.xlsx", "['Sample Id', 'DST Method']: Duplicated values in unique column(s)."),
            ("pds-tests", "duplicate_values.xlsx", "['Sample Id', 'DST Method']: Duplicated values in unique column(s)."),
            ("mic-tests", "incorrect_date.xlsx", "Sampling date: Wrong value at SRR000011: 2060-10-01."),
            ("pds-tests", "incorrect_date.xlsx", "Sampling date: Wrong value at SRR000010: 2050."),
            ("mic-tests", "mic_unknown_drug_code.xlsx", "WWW: Unknown drug code. Please check the column header values."),
            ("mic-tests", "mic_wrong_range_value.xlsx", "BDQ: Wrong range at SRR000010: ambiguous range format."),
            ("mic-tests", "mic_no_tests.xlsx", "No data found."),
            ("pds-tests", "pds_unknown_test_result.xlsx", "INH (0.1): Wrong test result at STRAIN1."),
            ("pds-tests", "pds_unknown_country.xlsx", "Country: Wrong value at STRAIN1: UWU."),
            ("pds-tests", "pds_zero_tests.xlsx", "No data found."),
            ("mic-tests", "pdst1__valid.xlsx", "Worksheet named 'MIC' not found"),
            ("pds-tests", "mic_valid.xlsx", "Worksheet named 'PDST' not found"),
        ];
        for (kind, file, message) in cases {
            let reply = upload(&app, &alice, pk, kind, file, &fixture(&format!("file_import/{file}"))).await;
            assert_refused(&reply, Some("file"), message);
        }
        assert_eq!(footprint(&app).await, vec![0, 0, 0, 0, 0]);
        let metrics = app.get("/metrics").await.body;
        for kind in ["mic", "pds"] {
            let refused = cases.iter().filter(|c| c.0 == format!("{kind}-tests")).count();
            let line = format!("tbseq_imports_total{{kind=\"{kind}\",outcome=\"refused\"}} {refused}\n");
            assert!(metrics.contains(&line), "{line} in {metrics}");
        }

        // No file at all.
        let mut req = app.client.post(format!("{PACKAGES}{pk}/mic-tests/"));
        req.add_header(Header::new("Authorization", format!("Bearer {}", alice.token)));
        req.add_header(ContentType::JSON);
        req.set_body("{}");
        assert_refused(&Reply::read(req.dispatch().await).await, Some("file"), "This field is required.");
    }

    async fn a_prefix_clash_between_imports_changes_nothing(app) {
        let alice = app.caller("alice", false).await;
        for (first, second) in [("mic-tests", "pds-tests"), ("pds-tests", "mic-tests")] {
            let pk = package(&app, &alice).await;
            let bytes = fixture("file_import/duplicate_fastq_on_upsert.xlsx");
            let reply = upload(&app, &alice, pk, first, "d.xlsx", &bytes).await;
            assert_eq!(reply.status, Status::Ok, "{}", reply.body);
            let before = footprint(&app).await;
            let reply = upload(&app, &alice, pk, second, "d.xlsx", &bytes).await;
            assert_refused(&reply, None, "fastq_prefix: Duplicated value \"abc\".");
            assert_eq!(footprint(&app).await, before);
        }
    }

    async fn imports_need_an_editable_own_package(app) {
        let alice = app.caller("alice", false).await;
        let john = app.caller("john", false).await;
        let pk = package(&app, &alice).await;
        let bytes = fixture("packages_api/mic_valid.xlsx");
        let reply = upload(&app, &john, pk, "mic-tests", "m.xlsx", &bytes).await;
        reply.assert_error(Status::Forbidden, "permission_denied");
        app.db.execute("UPDATE submission_package SET state = 'PENDING' WHERE id = $1", vec![pk.into()]).await.unwrap();
        let reply = upload(&app, &alice, pk, "mic-tests", "m.xlsx", &bytes).await;
        reply.assert_error(Status::Forbidden, "permission_denied");
        app.call(Method::Post, &format!("{PACKAGES}{pk}/mic-tests/clear/"), Some(&alice), None).await
            .assert_error(Status::Forbidden, "permission_denied");
        app.call(Method::Get, &format!("{PACKAGES}{pk}/mic-tests/"), Some(&alice), None).await
            .assert_error(Status::MethodNotAllowed, "method_not_allowed");
        // A rejected package returns to draft when its data changes.
        app.db.execute("UPDATE submission_package SET state = 'REJECTED', matching_state = 'MATCHED' WHERE id = $1", vec![pk.into()]).await.unwrap();
        let reply = upload(&app, &alice, pk, "mic-tests", "m.xlsx", &bytes).await;
        assert_eq!(reply.json()["state"], "DRAFT");
        assert_eq!(reply.json()["matchingState"], "CHANGED");
        assert_eq!(footprint(&app).await[4], 1);
    }

    async fn hostile_workbooks_are_refused_and_change_nothing(app) {
        let alice = app.caller("alice", false).await;
        let pk = package(&app, &alice).await;
        let before = footprint(&app).await;
        for (name, bytes) in hostile::all() {
            let reply = upload(&app, &alice, pk, "pds-tests", "hostile.xlsx", &bytes).await;
            assert_eq!(reply.status, Status::BadRequest, "{name}: {}", reply.body);
            let body: Value = reply.json();
            assert_eq!(body["errors"][0]["attr"], "file", "{name}");
            assert!(!body["errors"][0]["detail"].as_str().unwrap().is_empty());
        }
        assert_eq!(footprint(&app).await, before);
    }
}

/// Workbooks built to hurt: every one must be a clear 400.
mod hostile {
    use rust_xlsxwriter::{Formula, Workbook};
    use std::io::Write;

    fn pdst(rows: u32, cell: impl Fn(u32) -> String) -> Vec<u8> {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name("PDST").unwrap();
        for (c, h) in ["Sample Id", "DST Method", "INH (0.1)"].iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        for r in 1..=rows {
            sheet.write_string(r, 0, format!("S{r}")).unwrap();
            sheet.write_string(r, 1, "MGIT").unwrap();
            sheet.write_string(r, 2, cell(r)).unwrap();
        }
        workbook.save_to_buffer().unwrap()
    }

    /// A zip whose sheet inflates to 1 GiB of spaces.
    fn zip_bomb() -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        zip.start_file("[Content_Types].xml", options).unwrap();
        zip.write_all(b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>").unwrap();
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..1024 {
            zip.write_all(&chunk).unwrap();
        }
        zip.finish().unwrap();
        out.into_inner()
    }

    pub fn all() -> Vec<(&'static str, Vec<u8>)> {
        let mut formulas = Workbook::new();
        let sheet = formulas.add_worksheet();
        sheet.set_name("PDST").unwrap();
        for (c, h) in ["Sample Id", "DST Method", "INH (0.1)"].iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        sheet.write_string(1, 0, "S1").unwrap();
        sheet.write_string(1, 1, "MGIT").unwrap();
        sheet.write_formula(1, 2, Formula::new("=1/0")).unwrap();
        let mut wrong_sheet = Workbook::new();
        wrong_sheet.add_worksheet().set_name("Results").unwrap();
        vec![
            ("not a zip", b"this is not a workbook at all".to_vec()),
            ("empty zip", {
                let mut out = std::io::Cursor::new(Vec::new());
                zip::ZipWriter::new(&mut out).finish().unwrap();
                out.into_inner()
            }),
            ("zip bomb", zip_bomb()),
            ("200,000 rows", pdst(200_000, |_| "S".into())),
            ("formula error", formulas.save_to_buffer().unwrap()),
            ("huge string", pdst(1, |_| "R".repeat(32_000))),
            ("wrong sheet name", wrong_sheet.save_to_buffer().unwrap()),
        ]
    }
}
