//! The frontend's data-submission pages (`frontend-and-pipelines.md` §A.7 #18–#34), call by
//! call as the frontend makes them — its paths with and without the trailing slash, its extra
//! body keys, its multipart fields — checking the fields and values the pages read. On both
//! databases.

use crate::common;

use crate::catalogue_fixtures::keys as sorted_keys;
use common::{original_fixture as fixture, Caller, TestApp};
use rocket::http::{Method, Status};
use serde_json::{json, Value};

const API: &str = "/api/v1/submission/packages";
/// A 2xx answer's body.
async fn ok(
    app: &TestApp,
    method: Method,
    uri: &str,
    alice: &Caller,
    body: Option<Value>,
) -> Value {
    let reply = app.call(method, uri, Some(alice), body.as_ref()).await;
    assert!(
        reply.status.code / 100 == 2,
        "{method} {uri}: {} {}",
        reply.status,
        reply.body
    );
    reply.json()
}

/// `item` carries at least these keys.
fn reads(item: &Value, wanted: &[&str], what: &str) {
    let keys = sorted_keys(item);
    for key in wanted {
        assert!(keys.iter().any(|k| k == key), "{what}: no {key} in {item}");
    }
}

both_backends! {
    async fn the_data_submission_pages_calls(app) {
        let alice = app.caller("alice", false).await;

        // #19 create, then #18 the list page.
        ok(&app, Method::Post, &format!("{API}/"), &alice, Some(json!({"name": "Lab 7", "description": "Spring batch"}))).await;
        let list = ok(&app, Method::Get, &format!("{API}/"), &alice, None).await;
        let row = &list.as_array().expect("a plain array")[0];
        reads(row, &["pk", "name", "description", "state", "sampleAliasesCount", "pdsTestsCount", "micTestsCount",
            "sequencingDataCount", "messagesCount"], "#18");
        let pk = row["pk"].as_i64().unwrap();
        assert_eq!((row["name"].as_str(), row["state"].as_str()), (Some("Lab 7"), Some("DRAFT")));

        // #22 the edit form sends an extra packageId.
        ok(&app, Method::Patch, &format!("{API}/{pk}/"), &alice,
            Some(json!({"name": "Lab 7 (spring)", "description": "Spring batch", "packageId": pk}))).await;

        // #23 workbooks as multipart with `type` and `pk`; a refusal shows errors[0].detail.
        let reply = app.upload(&alice, &format!("{API}/{pk}/pds-tests/"), "pdst1__valid.xlsx", &fixture("packages_api/pdst1__valid.xlsx")).await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        let reply = app.upload(&alice, &format!("{API}/{pk}/mic-tests/"), "broken.xlsx", &fixture("file_import/broken_excel.xlsx")).await;
        assert_eq!(reply.status, Status::BadRequest);
        assert!(reply.json()["errors"][0]["detail"].as_str().is_some_and(|d| !d.is_empty()), "{}", reply.body);

        // #20 the package page reads the detail without the trailing slash.
        let detail = ok(&app, Method::Get, &format!("{API}/{pk}"), &alice, None).await;
        reads(&detail, &["name", "description", "state", "matchingState", "attachments", "micDrugsCount", "pdsDrugsCount",
            "pdsDrugConcentrationCount", "micDrugs", "pdsDrugs"], "#20");
        assert_eq!(detail["name"], "Lab 7 (spring)");
        assert_eq!(detail["matchingState"], "NEVER_MATCHED");
        let attachment = &detail["attachments"][0];
        assert_eq!((attachment["type"].as_str(), attachment["originalFilename"].as_str()), (Some("PDS"), Some("pdst1__valid.xlsx")));
        assert!(attachment["metadata"]["notUsedColumns"].is_array(), "{attachment}");
        assert!(detail["pdsDrugs"].as_array().unwrap().iter().all(|d| d.is_string()), "drug codes: {}", detail["pdsDrugs"]);
        assert!(detail["pdsDrugsCount"].as_i64().unwrap() > 0);

        // #21 the samples tabs (no trailing slash): pDST tab, all unprocessed.
        let aliases = ok(&app, Method::Get, &format!("{API}/{pk}/sample-aliases"), &alice, None).await;
        let aliases = aliases.as_array().expect("a plain array").clone();
        assert_eq!(aliases.len(), 2);
        for alias in &aliases {
            assert_eq!(sorted_keys(alias), ["fastqPrefix", "matchSource", "micTestsCount", "name", "pdsTestsCount", "pk", "verdicts"]);
            assert!(alias["pdsTestsCount"].as_i64().unwrap() > 0 && alias["matchSource"].is_null(), "{alias}");
        }

        // #25 renaming a sample answers with the alias (the toast needs a body).
        let strain2 = aliases.iter().find(|a| a["name"] == "STRAIN2").expect("STRAIN2");
        let renamed = ok(&app, Method::Patch, &format!("{API}/{pk}/sample-aliases/{}/", strain2["pk"]), &alice,
            Some(json!({"name": "strain-2b"}))).await;
        assert_eq!(renamed["name"], "STRAIN-2B");
        let clash = app.call(Method::Patch, &format!("{API}/{pk}/sample-aliases/{}/", strain2["pk"]), Some(&alice),
            Some(&json!({"name": "strain1"}))).await;
        assert_eq!(clash.status, Status::BadRequest);
        assert_eq!(clash.json()["errors"][0]["detail"], "Such sample name already exists.");

        // #27 upload link ({packageId, filename}), PUT, #28 fetch — for both reads of STRAIN1's
        // prefix and one extra file.
        let strain1_prefix = aliases.iter().find(|a| a["name"] == "STRAIN1").unwrap()["fastqPrefix"].as_str().unwrap().to_string();
        let files = [
            (format!("{strain1_prefix}_R1.fastq.gz"), "sequencing_data/a1_SRR000002.fastq.gz"),
            (format!("{strain1_prefix}_R2.fastq.gz"), "sequencing_data/a2_SRR000002.fastq.gz"),
            ("spare.fastq.gz".to_string(), "sequencing_data/a3_SRR000002.fastq.gz"),
        ];
        for (name, path) in &files {
            let link = ok(&app, Method::Post, &format!("{API}/{pk}/sequencing-data/upload-link/"), &alice,
                Some(json!({"packageId": pk, "filename": name}))).await;
            let url = link["url"].as_str().expect("{url}").to_string();
            let (status, body) = crate::fastq::put(&app, &url, fixture(path)).await;
            assert_eq!(status, 200, "PUT {name}: {body}");
            let linked = ok(&app, Method::Post, &format!("{API}/{pk}/sequencing-data/fetch/"), &alice,
                Some(json!({"filename": name}))).await;
            reads(&linked["sequencingData"], &["pk", "filename", "filePath", "fileUrl", "fileSize", "libraryName", "dataLocation"], "#28");
        }
        // #26 the files table; #29 removes one row.
        let links = ok(&app, Method::Get, &format!("{API}/{pk}/sequencing-data/"), &alice, None).await;
        let links = links.as_array().expect("a plain array").clone();
        assert_eq!(links.len(), 3);
        for link in &links {
            reads(link, &["pk", "url", "createdAt", "filename", "sequencingData", "verdicts"], "#26");
            assert!(link["sequencingData"]["fileSize"].as_i64().unwrap() > 0, "{link}");
            assert!(link["sequencingData"]["fileUrl"].as_str().is_some_and(|u| !u.is_empty()), "{link}");
            assert_ne!(link["sequencingData"]["dataLocation"], "NCBI");
        }
        let spare = links.iter().find(|l| l["filename"] == "spare.fastq.gz").unwrap();
        let reply = app.call(Method::Delete, &format!("{API}/{pk}/sequencing-data/{}/", spare["pk"]), Some(&alice), None).await;
        assert_eq!(reply.status, Status::NoContent);

        // #30 match (the frontend sends the package name), then the tabs again.
        ok(&app, Method::Post, &format!("{API}/{pk}/match/"), &alice, Some(json!({"name": "Lab 7 (spring)"}))).await;
        let detail = ok(&app, Method::Get, &format!("{API}/{pk}"), &alice, None).await;
        assert_eq!(detail["matchingState"], "MATCHED");
        let aliases = ok(&app, Method::Get, &format!("{API}/{pk}/sample-aliases"), &alice, None).await;
        let source = |name: &str| aliases.as_array().unwrap().iter().find(|a| a["name"] == name).unwrap()["matchSource"].clone();
        assert_eq!(source("STRAIN1"), "FASTQ_UPLOADED_NEW_SAMPLE");
        assert_eq!(source("STRAIN-2B"), "NO_MATCH");
        for alias in aliases.as_array().unwrap() {
            for verdict in alias["verdicts"].as_array().unwrap() {
                assert!(["info", "warning", "error"].contains(&verdict["level"].as_str().unwrap()), "{verdict}");
                assert!(verdict["verdict"].is_string(), "{verdict}");
            }
        }

        // #31 contributors, #34 a chat message as the frontend's optimistic object, #33 the chat.
        ok(&app, Method::Post, &format!("{API}/{pk}/contributors/"), &alice,
            Some(json!({"contributors": [{"firstName": "Ann", "lastName": "Smith", "role": "Head of lab"}]}))).await;
        let optimistic = json!({"pk": pk, "sender": {"username": "alice", "email": "alice@example.com", "firstName": "Alice", "lastName": "Aliceson"},
            "timestamp": "2026-11-28T10:00:00.000Z", "content": "Results attached."});
        ok(&app, Method::Post, &format!("{API}/{pk}/messages/"), &alice, Some(optimistic)).await;
        let chat = ok(&app, Method::Get, &format!("{API}/{pk}/messages/"), &alice, None).await;
        let message = &chat.as_array().expect("a plain array")[0];
        assert_eq!(sorted_keys(message), ["content", "pk", "sender", "timestamp"]);
        assert_eq!(message["content"], "Results attached.");
        assert_eq!(sorted_keys(&message["sender"]), ["email", "firstName", "lastName", "username"]);
        assert!(time::OffsetDateTime::parse(message["timestamp"].as_str().unwrap(), &time::format_description::well_known::Iso8601::DEFAULT).is_ok(),
            "{message}");

        // #32 submit; then the page's controls are locked and the server agrees.
        ok(&app, Method::Post, &format!("{API}/{pk}/submit/"), &alice, None).await;
        let detail = ok(&app, Method::Get, &format!("{API}/{pk}"), &alice, None).await;
        assert_eq!(detail["state"], "PENDING");
        assert_eq!(detail["messagesCount"], 1);
        assert_eq!(detail["sequencingDataCount"], 2);
        let reply = app.call(Method::Patch, &format!("{API}/{pk}/"), Some(&alice), Some(&json!({"name": "late"}))).await;
        assert_eq!(reply.status, Status::Forbidden);
        assert!(reply.json()["errors"][0]["detail"].is_string());
        let list = ok(&app, Method::Get, &format!("{API}/"), &alice, None).await;
        assert_eq!(list[0]["sampleAliasesCount"], 2);
        assert_eq!(list[0]["messagesCount"], 1);
    }
}
