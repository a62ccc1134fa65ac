//! `/api/v1/genphen/drugs` and `/countries`, on both databases.

use crate::common;

use rocket::http::Status;
use serde_json::Value;
use tbseq::domain::collate::sort_key;
use tbseq::params;

/// Rows of an embedded seed table, read here independently of the seeder.
fn seed_rows(file: &str) -> Vec<Vec<String>> {
    let path = format!("{}/src/db/seed/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn names(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .expect("a JSON array")
        .iter()
        .map(|d| d[key].as_str().unwrap().to_string())
        .collect()
}

/// Links gene Rv0001 (dbxref 7) to a drug, as `tbseq import associations` will.
async fn associate(app: &common::TestApp, drug_code: &str) -> i64 {
    let row = app
        .db
        .query_one(
            "SELECT drug_id FROM genphen_drug WHERE drug_code = $1",
            params![drug_code],
        )
        .await
        .unwrap();
    let drug_id: i64 = row.get(0).unwrap();
    app.db
        .execute(
            "INSERT INTO genphen_genedrugresistanceassociation (gene_db_crossref_id, drug_id, tier) VALUES (7, $1, 1)",
            params![drug_id],
        )
        .await
        .unwrap();
    drug_id
}

both_backends! {
    // T-01: the whole seeded list, ordered by name, in the original's shape.
    async fn drugs_list_every_seeded_drug_by_name(app) {
        let reply = app.get("/api/v1/genphen/drugs/").await;
        assert_eq!(reply.status, Status::Ok);
        let list = reply.json();
        let seeded = seed_rows("drugs.tsv");
        assert_eq!(list.as_array().unwrap().len(), seeded.len());
        let served = names(&list, "drugName");
        let mut expected: Vec<String> = seeded.iter().map(|r| r[1].clone()).collect();
        expected.sort_by_key(|n| sort_key(n));
        assert_eq!(served, expected);
        assert_eq!(list[0]["drugName"], "Amikacin");
        assert_eq!(list[0]["code"], "AMK");
        let first = list[0].as_object().unwrap();
        assert_eq!(first.keys().cloned().collect::<Vec<_>>(), vec!["code", "drugId", "drugName"]);
        for row in &seeded {
            let item = list.as_array().unwrap().iter().find(|d| d["drugName"] == row[1].as_str()).unwrap();
            assert_eq!(item["drugId"], row[0].parse::<i64>().unwrap());
            assert_eq!(item["code"], row[2].as_str());
        }
    }

    // T-02
    async fn drug_detail_by_id(app) {
        let list = app.get("/api/v1/genphen/drugs").await.json();
        let rif = list.as_array().unwrap().iter().find(|d| d["code"] == "RIF").unwrap().clone();
        let id = rif["drugId"].as_i64().unwrap();
        for path in [format!("/api/v1/genphen/drugs/{id}/"), format!("/api/v1/genphen/drugs/{id}")] {
            let reply = app.get(&path).await;
            assert_eq!(reply.status, Status::Ok);
            assert_eq!(reply.json(), serde_json::json!({"drugId": id, "drugName": "Rifampicin", "code": "RIF"}));
        }
        app.get("/api/v1/genphen/drugs/999999/").await.assert_error(Status::NotFound, "not_found");
        app.get("/api/v1/genphen/drugs/abc/").await.assert_error(Status::NotFound, "not_found");
    }

    async fn drugs_filter_on_associations(app) {
        let inh = associate(&app, "INH").await;
        let total = app.get("/api/v1/genphen/drugs/").await.json().as_array().unwrap().len();
        for query in ["is_associated=1", "is_associated=true", "isAssociated=True"] {
            let list = app.get(&format!("/api/v1/genphen/drugs/?{query}")).await.json();
            assert_eq!(names(&list, "code"), vec!["INH"], "{query}");
        }
        for query in ["is_associated=0", "isAssociated=false"] {
            let list = app.get(&format!("/api/v1/genphen/drugs/?{query}")).await.json();
            assert_eq!(list.as_array().unwrap().len(), total - 1, "{query}");
            assert!(!names(&list, "code").contains(&"INH".to_string()));
        }
        // An empty value means no filter.
        let list = app.get("/api/v1/genphen/drugs/?is_associated=").await.json();
        assert_eq!(list.as_array().unwrap().len(), total);
        // The filter applies to the detail route too.
        assert_eq!(app.get(&format!("/api/v1/genphen/drugs/{inh}/?is_associated=1")).await.status, Status::Ok);
        app.get(&format!("/api/v1/genphen/drugs/{inh}/?is_associated=0")).await.assert_error(Status::NotFound, "not_found");
    }

    // The lists are cached; a write through tbseq shows at once.
    async fn cached_lists_follow_writes(app) {
        let before = app.get("/api/v1/genphen/drugs/?isAssociated=1").await.json();
        assert_eq!(before, serde_json::json!([]));
        associate(&app, "RIF").await;
        let after = app.get("/api/v1/genphen/drugs/?isAssociated=1").await.json();
        assert_eq!(names(&after, "code"), vec!["RIF"]);
        let all = app.get("/api/v1/genphen/drugs/?isAssociated=0").await.json();
        assert!(!names(&all, "code").contains(&"RIF".to_string()));
    }

    async fn malformed_filter_is_a_validation_error(app) {
        for path in ["/api/v1/genphen/drugs/?is_associated=maybe", "/api/v1/genphen/drugs/1/?isAssociated=2"] {
            let reply = app.get(path).await;
            reply.assert_error(Status::BadRequest, "invalid");
            let body = reply.json();
            assert_eq!(body["type"], "validation_error");
            assert_eq!(body["errors"][0]["attr"], "isAssociated");
        }
    }

    async fn countries_list_and_detail(app) {
        let reply = app.get("/api/v1/genphen/countries/").await;
        assert_eq!(reply.status, Status::Ok);
        let list = reply.json();
        let seeded = seed_rows("countries.tsv");
        assert_eq!(list.as_array().unwrap().len(), seeded.len());
        let served = names(&list, "countryUsualName");
        let mut sorted = served.clone();
        sorted.sort_by_key(|n| sort_key(n));
        assert_eq!(served, sorted);
        // Accents do not push a name to the end, as they would with a byte order.
        let pos = |n: &str| served.iter().position(|s| s == n).unwrap();
        assert!(pos("Afghanistan") < pos("Åland Islands") && pos("Åland Islands") < pos("Albania"));

        let fra = seeded.iter().find(|r| r[0] == "FRA").unwrap();
        let reply = app.get("/api/v1/genphen/countries/FRA").await;
        assert_eq!(reply.status, Status::Ok);
        assert_eq!(reply.json(), serde_json::json!({
            "countryId": fra[1].parse::<i64>().unwrap(),
            "twoLettersCode": fra[2],
            "threeLettersCode": "FRA",
            "countryUsualName": fra[3],
            "countryOfficialName": fra[4],
        }));
        // Lookup is exact and case-sensitive.
        app.get("/api/v1/genphen/countries/fra/").await.assert_error(Status::NotFound, "not_found");
        app.get("/api/v1/genphen/countries/XXX/").await.assert_error(Status::NotFound, "not_found");
    }
}
