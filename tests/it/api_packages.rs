//! Packages and what hangs under them over HTTP, on both databases: the representation the
//! frontend reads, the original's API tests (§11.2), who may do what, and the lifecycle.

use crate::common;

use common::{Reply, TestApp};
use rocket::http::{ContentType, Method, Status};
use serde_json::{json, Value};

const PACKAGES: &str = "/api/v1/submission/packages/";

async fn set(app: &TestApp, package: i64, column: &str, value: &str) {
    app.db
        .execute(
            &format!("UPDATE submission_package SET {column} = $1 WHERE id = $2"),
            vec![value.into(), package.into()],
        )
        .await
        .unwrap();
}

async fn package_field(app: &TestApp, package: i64, column: &str) -> String {
    app.db
        .query_one(
            &format!("SELECT CAST({column} AS TEXT) FROM submission_package WHERE id = $1"),
            vec![package.into()],
        )
        .await
        .unwrap()
        .get(0)
        .unwrap()
}

async fn new_alias(app: &TestApp, package: i64, name: &str, verdicts: &str) -> i64 {
    app.db
        .query_one(
            "INSERT INTO submission_samplealias (name, package_id, verdicts) VALUES ($1, $2, $3) RETURNING id",
            vec![name.into(), package.into(), verdicts.into()],
        )
        .await
        .unwrap()
        .get(0)
        .unwrap()
}

async fn new_sample(app: &TestApp) -> i64 {
    app.db
        .query_one(
            "INSERT INTO submission_sample (ncbi_taxon_id, origin) \
             VALUES ((SELECT MIN(ncbi_taxon_id) FROM biosql_taxon), 'TbKb') RETURNING id",
            vec![],
        )
        .await
        .unwrap()
        .get(0)
        .unwrap()
}

/// A stored FASTQ (`data_location`, `library_name`) with an MD5 row, linked to the package
/// under `filename`.
async fn new_link(
    app: &TestApp,
    package: i64,
    filename: &str,
    location: &str,
    library: &str,
) -> (i64, i64) {
    let data: i64 = app
        .db
        .query_one(
            "INSERT INTO submission_sequencingdata (data_location, library_name) VALUES ($1, $2) RETURNING id",
            vec![location.into(), library.into()],
        )
        .await
        .unwrap()
        .get(0)
        .unwrap();
    let hash: i64 = app
        .db
        .query_one(
            "INSERT INTO submission_sequencingdatahash (sequencing_data_id, algorithm, value) \
             VALUES ($1, 'MD5', '1234ff') RETURNING id",
            vec![data.into()],
        )
        .await
        .unwrap()
        .get(0)
        .unwrap();
    let link: i64 = app
        .db
        .query_one(
            "INSERT INTO submission_packagesequencingdata (package_id, sequencing_data_id, \
             sequencing_data_hash_id, filename) VALUES ($1, $2, $3, $4) RETURNING id",
            vec![package.into(), data.into(), hash.into(), filename.into()],
        )
        .await
        .unwrap()
        .get(0)
        .unwrap();
    (link, data)
}

fn url(app_path: &str) -> String {
    format!("http://localhost{app_path}")
}

both_backends! {
    async fn the_list_shows_the_original_representation(app) {
        let alice = app.caller("alice", false).await;
        let reply = app.call(Method::Get, PACKAGES, Some(&alice), None).await;
        assert_eq!(reply.status, Status::Ok);
        assert_eq!(reply.json(), json!([]));

        let pk = app.new_package(&alice, "Alice empty package").await;
        let reply = app.call(Method::Get, PACKAGES, Some(&alice), None).await;
        let list = reply.json();
        let item = &list[0];
        let base = url(&format!("{PACKAGES}{pk}/"));
        let expected = json!({
            "attachments": [],
            "contributors": format!("{base}contributors/"),
            "description": "Alice empty package description",
            "matchingState": "NEVER_MATCHED",
            "messages": format!("{base}messages/"),
            "messagesCount": 0,
            "micDrugs": [],
            "micDrugsCount": 0,
            "micTests": format!("{base}mic-tests/"),
            "micTestsCount": 0,
            "name": "Alice empty package",
            "origin": "TBKB",
            "pdsDrugConcentrationCount": 0,
            "pdsDrugs": [],
            "pdsDrugsCount": 0,
            "pdsTests": format!("{base}pds-tests/"),
            "pdsTestsCount": 0,
            "pk": pk,
            "rejectionReason": "",
            "sampleAliases": format!("{base}sample-aliases/"),
            "sampleAliasesCount": 0,
            "sequencingData": format!("{base}sequencing-data/"),
            "sequencingDataCount": 0,
            "state": "DRAFT",
            "stateChangedOn": item["stateChangedOn"],
            "url": base,
        });
        assert_eq!(item, &expected);
        assert_eq!(item.as_object().unwrap().len(), 26);
        let changed = item["stateChangedOn"].as_str().unwrap();
        assert!(changed.ends_with('Z') && changed.len() == 27, "{changed}");

        let detail = app.call(Method::Get, &format!("{PACKAGES}{pk}"), Some(&alice), None).await;
        assert_eq!(detail.json(), expected);
    }

    async fn create_answers_201_with_location_from_json_or_forms(app) {
        let alice = app.caller("alice", false).await;
        let reply = app
            .call(Method::Post, PACKAGES, Some(&alice), Some(&json!({"name": "The package", "description": "The package description"})))
            .await;
        assert_eq!(reply.status, Status::Created);
        let pk = reply.json()["pk"].as_i64().unwrap();
        assert_eq!(reply.header("location"), Some(url(&format!("{PACKAGES}{pk}/")).as_str()));
        assert_eq!(package_field(&app, pk, "name").await, "The package");

        let mut req = app.client.post(PACKAGES);
        req.add_header(ContentType::Form);
        req.add_header(rocket::http::Header::new("Authorization", format!("Bearer {}", alice.token)));
        req.set_body("name=From+a+form&description=d");
        let reply = Reply::read(req.dispatch().await).await;
        assert_eq!(reply.status, Status::Created, "{}", reply.body);
        assert_eq!(reply.json()["name"], "From a form");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_packagestats").await, 2);

        let reply = app.call(Method::Post, PACKAGES, Some(&alice), Some(&json!({"description": "x"}))).await;
        assert_eq!(reply.status, Status::BadRequest);
        assert_eq!(reply.json(), json!({"type": "validation_error", "errors": [
            {"code": "required", "detail": "This field is required.", "attr": "name"}]}));
        let reply = app.call(Method::Post, PACKAGES, Some(&alice), Some(&json!({"name": "x".repeat(1025)}))).await;
        assert_eq!(reply.json()["errors"][0]["detail"], "Ensure this field has no more than 1024 characters.");

        let mut req = app.client.post(PACKAGES);
        req.add_header(ContentType::Plain);
        req.add_header(rocket::http::Header::new("Authorization", format!("Bearer {}", alice.token)));
        req.set_body("name");
        Reply::read(req.dispatch().await).await.assert_error(Status::UnsupportedMediaType, "unsupported_media_type");
        let reply = app.call(Method::Post, PACKAGES, Some(&alice), None).await;
        assert_eq!(reply.status, Status::BadRequest);
    }

    async fn edits_follow_the_state(app) {
        let alice = app.caller("alice", false).await;
        let pk = app.new_package(&alice, "P").await;
        let path = format!("{PACKAGES}{pk}/");
        // The frontend sends an extra packageId key.
        let reply = app.call(Method::Patch, &path, Some(&alice), Some(&json!({"name": "Renamed", "packageId": pk}))).await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        assert_eq!(reply.json()["name"], "Renamed");
        assert_eq!(reply.json()["description"], "P description");
        let reply = app.call(Method::Put, &path, Some(&alice), Some(&json!({"description": "only"}))).await;
        assert_eq!(reply.json()["errors"][0]["attr"], "name");
        let reply = app.call(Method::Put, &path, Some(&alice), Some(&json!({"name": "Full", "description": null}))).await;
        assert_eq!(reply.json()["description"], Value::Null);
        // Metadata edits do not ask for a new matching.
        assert_eq!(package_field(&app, pk, "matching_state").await, "NEVER_MATCHED");

        for state in ["PENDING", "ACCEPTED"] {
            set(&app, pk, "state", state).await;
            let reply = app.call(Method::Patch, &path, Some(&alice), Some(&json!({"name": "No"}))).await;
            reply.assert_error(Status::Forbidden, "permission_denied");
            assert_eq!(reply.json()["errors"][0]["detail"], "The package cannot be edited.");
            app.call(Method::Delete, &path, Some(&alice), None).await.assert_error(Status::Forbidden, "permission_denied");
            // Reading and messaging still work.
            assert_eq!(app.call(Method::Get, &path, Some(&alice), None).await.status, Status::Ok);
            let reply = app.call(Method::Post, &format!("{path}messages/"), Some(&alice), Some(&json!({"content": "hey"}))).await;
            assert_eq!(reply.status, Status::Created);
        }
        set(&app, pk, "state", "REJECTED").await;
        let sample = new_sample(&app).await;
        app.db.execute("UPDATE submission_sample SET package_id = $1 WHERE id = $2", vec![pk.into(), sample.into()]).await.unwrap();
        new_alias(&app, pk, "A1", "[]").await;
        let reply = app.call(Method::Delete, &path, Some(&alice), None).await;
        assert_eq!(reply.status, Status::NoContent);
        assert_eq!(app.call(Method::Get, &path, Some(&alice), None).await.status, Status::NotFound);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_samplealias").await, 0);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_message").await, 0);
        // Samples the package created stay, without package.
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_sample WHERE package_id IS NULL").await, 1);
    }

    async fn every_route_under_packages_checks_who_calls(app) {
        let alice = app.caller("alice", false).await;
        let john = app.caller("john", false).await;
        let admin = app.caller("admin", true).await;
        let rows = matrix::rows();
        // The table must name every route the server mounts under packages, so a new route
        // cannot go untested.
        let mounted: std::collections::BTreeSet<String> = app.client.rocket().routes()
            .filter(|r| r.uri.path().starts_with("/api/v1/submission/packages"))
            .map(|r| format!("{} {}", r.method, r.uri.path()))
            .collect();
        let listed: std::collections::BTreeSet<String> = rows.iter()
            .map(|r| format!("{} /api/v1/submission/packages{}", r.method, r.route))
            .collect();
        assert_eq!(mounted, listed);

        for row in &rows {
            let what = format!("{} {}", row.method, row.route);
            let scene = matrix::Scene::new(&app, &alice, row.state).await;
            let path = scene.path(row.route);
            let call = |who| matrix::send(&app, row, &path, who);
            let before = scene.snapshot(&app, &alice).await;
            let anonymous = call(None).await;
            anonymous.assert_error(Status::Unauthorized, "not_authenticated");
            assert!(anonymous.header("www-authenticate").is_some(), "{what}");
            let strangers: &[&common::Caller] = match row.access {
                matrix::Access::Collection => &[],
                matrix::Access::Review => &[&john, &alice],
                _ => &[&john, &admin],
            };
            for who in strangers {
                let reply = call(Some(who)).await;
                match row.access {
                    matrix::Access::Package => {
                        reply.assert_error(Status::NotFound, "not_found");
                    }
                    matrix::Access::Nested => assert_eq!(reply.json(), json!({"type": "client_error", "errors": [
                        {"code": "permission_denied", "detail": "User should own the package.", "attr": "detail"},
                        {"code": "permission_denied", "detail": "403", "attr": "status"}]}), "{what}"),
                    _ => {
                        reply.assert_error(Status::Forbidden, "permission_denied");
                    }
                }
            }
            assert_eq!(scene.snapshot(&app, &alice).await, before, "{what}: a refused call changed the package");
            let actor = if row.access == matrix::Access::Review { &admin } else { &alice };
            let reply = call(Some(actor)).await;
            assert_eq!(reply.status, row.status, "{what}: {}", reply.body);
            if let Some(detail) = row.detail {
                assert_eq!(reply.json()["errors"][0]["detail"], detail, "{what}");
            }
        }
        // Nothing of alice's shows in the others' lists.
        for other in [&john, &admin] {
            assert_eq!(app.call(Method::Get, PACKAGES, Some(other), None).await.json(), json!([]));
        }
        // Bad ids name nothing.
        app.call(Method::Get, &format!("{PACKAGES}abc/"), Some(&alice), None).await.assert_error(Status::NotFound, "not_found");
        app.call(Method::Get, &format!("{PACKAGES}abc/messages/"), Some(&alice), None).await.assert_error(Status::Forbidden, "permission_denied");
        // The original answered these with 500.
        for action in ["match", "submit"] {
            for pk in ["999999", "abc"] {
                app.call(Method::Post, &format!("{PACKAGES}{pk}/{action}/"), Some(&alice), None).await
                    .assert_error(Status::NotFound, "not_found");
            }
        }
    }

    async fn every_transition_from_every_state(app) {
        let alice = app.caller("alice", false).await;
        let john = app.caller("john", false).await;
        let admin = app.caller("admin", true).await;
        // The spec's table (§2.2): (action, from, matching) → the state it leads to, or the
        // refusal. tbseq adds `to-draft` for staff.
        const NOT_MET: &str = "Transition conditions have not been met for method 'to_pending'";
        let cannot = |state: &str, method: &str| format!("Can't switch from state '{state}' using method '{method}'");
        let mut cases = 0;
        for state in ["DRAFT", "PENDING", "ACCEPTED", "REJECTED"] {
            for matching in ["NEVER_MATCHED", "MATCHED", "CHANGED"] {
                for action in ["submit", "accept", "reject", "to-draft"] {
                    let expected: Result<&str, String> = match (action, state) {
                        ("submit", "DRAFT" | "REJECTED") if matching == "MATCHED" => Ok("PENDING"),
                        ("submit", "DRAFT" | "REJECTED") => Err(NOT_MET.to_string()),
                        ("submit", _) => Err(cannot(state, "to_pending")),
                        ("accept", "PENDING") => Ok("ACCEPTED"),
                        ("accept", _) => Err(cannot(state, "pending_to_accepted")),
                        ("reject", "PENDING") => Ok("REJECTED"),
                        ("reject", _) => Err(cannot(state, "pending_to_rejected")),
                        ("to-draft", "PENDING" | "REJECTED") => Ok("DRAFT"),
                        (_, _) => Err(cannot(state, "to_draft")),
                    };
                    let pk = app.new_package(&alice, "P").await;
                    set(&app, pk, "state", state).await;
                    set(&app, pk, "matching_state", matching).await;
                    let changed_on = package_field(&app, pk, "state_changed_on").await;
                    let path = format!("{PACKAGES}{pk}/{action}/");
                    let body = (action == "reject").then(|| json!({"reason": "ugly data"}));
                    let what = format!("{action} from {state}/{matching}");
                    // Who may not fire it, whatever the state.
                    let (actor, refused): (&common::Caller, Vec<(&common::Caller, Status)>) = if action == "submit" {
                        (&alice, vec![(&john, Status::NotFound), (&admin, Status::NotFound)])
                    } else {
                        (&admin, vec![(&alice, Status::Forbidden), (&john, Status::Forbidden)])
                    };
                    for (who, status) in refused {
                        let reply = app.call(Method::Post, &path, Some(who), body.as_ref()).await;
                        assert_eq!(reply.status, status, "{what}: {}", reply.body);
                    }
                    let reply = app.call(Method::Post, &path, Some(actor), body.as_ref()).await;
                    match expected {
                        Ok(target) => {
                            assert_eq!(reply.status, Status::Ok, "{what}: {}", reply.body);
                            assert_eq!(reply.json()["state"], target, "{what}");
                            assert_eq!(package_field(&app, pk, "state").await, target, "{what}");
                            assert_ne!(package_field(&app, pk, "state_changed_on").await, changed_on, "{what}");
                        }
                        Err(message) => {
                            reply.assert_error(Status::Conflict, "conflict");
                            assert_eq!(reply.json()["errors"][0]["detail"], message, "{what}");
                            assert_eq!(package_field(&app, pk, "state").await, state, "{what}");
                            assert_eq!(package_field(&app, pk, "state_changed_on").await, changed_on, "{what}");
                        }
                    }
                    assert_eq!(package_field(&app, pk, "matching_state").await, matching, "{what}");
                    cases += 1;
                }
            }
        }
        assert_eq!(cases, 48);
    }

    async fn messages_contributors_and_aliases(app) {
        let alice = app.caller("alice", false).await;
        let pk = app.new_package(&alice, "P").await;
        let p = format!("{PACKAGES}{pk}/");
        let reply = app.call(Method::Post, &format!("{p}messages/"), Some(&alice), Some(&json!({"content": "hey", "pk": pk}))).await;
        assert_eq!(reply.status, Status::Created);
        let m = reply.json();
        assert_eq!(m["sender"], json!({"username": "alice", "email": "alice@example.com", "firstName": "Alice", "lastName": "Aliceson"}));
        assert_eq!(m["content"], "hey");
        let reply = app.call(Method::Post, &format!("{p}messages/"), Some(&alice), Some(&json!({}))).await;
        assert_eq!(reply.json()["errors"][0], json!({"code": "required", "detail": "This field is required.", "attr": "content"}));
        let reply = app.call(Method::Post, &format!("{p}messages/"), Some(&alice), Some(&json!({"content": "x".repeat(2001)}))).await;
        assert_eq!(reply.json()["errors"][0]["code"], "max_length");
        app.call(Method::Patch, &format!("{p}messages/{}/", m["pk"]), Some(&alice), Some(&json!({"content": "no"}))).await
            .assert_error(Status::MethodNotAllowed, "method_not_allowed");
        let detail = app.call(Method::Get, &format!("{p}messages/{}/", m["pk"]), Some(&alice), None).await;
        assert_eq!(detail.json(), m);
        assert_eq!(app.call(Method::Get, &p, Some(&alice), None).await.json()["messagesCount"], 1);
        // Without staff, the owner's message reaches nobody; a staff reply reaches the owner.
        assert_eq!(app.scalar("SELECT COUNT(*) FROM notification_outbox").await, 0);

        let reply = app.call(Method::Post, &format!("{p}contributors/"), Some(&alice), Some(&json!({"contributors": [
            {"firstName": "Ann", "lastName": "Smith", "role": "Head of lab"},
            {"firstName": "John", "lastName": "Smith", "role": "Scientist"}]}))).await;
        assert_eq!(reply.status, Status::Created);
        let created = reply.json()["contributors"].clone();
        let list = app.call(Method::Get, &format!("{p}contributors/"), Some(&alice), None).await.json();
        assert_eq!(list, created);
        let first = created[0]["pk"].as_i64().unwrap();
        assert_eq!(created[0], json!({"pk": first, "url": url(&format!("{p}contributors/{first}/")),
            "firstName": "Ann", "lastName": "Smith", "role": "Head of lab"}));
        let reply = app.call(Method::Post, &format!("{p}contributors/"), Some(&alice), Some(&json!({"contributors": [
            {"firstName": "Ann", "lastName": "Smith", "role": "r"}, {"lastName": "Smith", "role": "r"}]}))).await;
        assert_eq!(reply.json()["errors"][0]["attr"], "contributors.1.firstName");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_contributor").await, 2);
        let reply = app.call(Method::Patch, &format!("{p}contributors/{first}/"), Some(&alice), Some(&json!({"role": "Boss"}))).await;
        assert_eq!(reply.json()["role"], "Boss");
        assert_eq!(reply.json()["firstName"], "Ann");

        let a1 = new_alias(&app, pk, "A1", r#"[{"verdict":"v","level":"info"},{"verdict":"e","level":"error"}]"#).await;
        let b2 = new_alias(&app, pk, "B2", "[]").await;
        let list = app.call(Method::Get, &format!("{p}sample-aliases/"), Some(&alice), None).await.json();
        assert_eq!(list[1], json!({"pk": b2, "name": "B2", "fastqPrefix": null, "verdicts": [], "micTestsCount": 0, "pdsTestsCount": 0, "matchSource": null}));
        assert_eq!(list[0]["verdicts"][1], json!({"verdict": "e", "level": "error"}));
        set(&app, pk, "matching_state", "MATCHED").await;
        let reply = app.call(Method::Patch, &format!("{p}sample-aliases/{a1}/"), Some(&alice), Some(&json!({"name": "ht"}))).await;
        assert_eq!(reply.status, Status::Ok);
        assert_eq!(reply.json(), json!({"pk": a1, "name": "HT", "fastqPrefix": null, "verdicts": [], "micTestsCount": 0, "pdsTestsCount": 0, "matchSource": null}));
        assert_eq!(package_field(&app, pk, "matching_state").await, "CHANGED");
        let reply = app.call(Method::Put, &format!("{p}sample-aliases/{a1}/"), Some(&alice), Some(&json!({"name": "b2"}))).await;
        assert_eq!(reply.status, Status::BadRequest);
        assert_eq!(reply.json(), json!({"type": "validation_error", "errors": [{"code": "invalid", "detail": "Such sample name already exists.", "attr": "name"}]}));
        app.call(Method::Get, &format!("{p}sample-aliases/999999/"), Some(&alice), None).await.assert_error(Status::NotFound, "not_found");
    }

    async fn sequencing_links_list_and_unlink(app) {
        let alice = app.caller("alice", false).await;
        let pk = app.new_package(&alice, "P").await;
        let p = format!("{PACKAGES}{pk}/");
        let (l0, d0) = new_link(&app, pk, "0.fastq.gz", "NCBI", "whatever0").await;
        let (l1, _) = new_link(&app, pk, "1.fastq.gz", "TB-Kb", "whatever1").await;
        let list = app.call(Method::Get, &format!("{p}sequencing-data/"), Some(&alice), None).await.json();
        assert_eq!(list.as_array().unwrap().len(), 2);
        assert_eq!(list[0], json!({"pk": l0, "url": url(&format!("{p}sequencing-data/{l0}/")), "createdAt": list[0]["createdAt"],
            "filename": "0.fastq.gz", "verdicts": [], "validationState": "VALID", "validationError": null,
            "sequencingData": {"pk": d0, "filename": "", "filePath": null, "fileUrl": "", "fileSize": null, "libraryName": "whatever0", "dataLocation": "NCBI"}}));
        assert_eq!(list[1]["pk"], l1);
        set(&app, pk, "matching_state", "MATCHED").await;
        let reply = app.call(Method::Delete, &format!("{p}sequencing-data/{l0}/"), Some(&alice), None).await;
        assert_eq!(reply.status, Status::NoContent);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_packagesequencingdata").await, 1);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_sequencingdata").await, 2);
        assert_eq!(package_field(&app, pk, "matching_state").await, "CHANGED");
        assert_eq!(app.call(Method::Get, &p, Some(&alice), None).await.json()["sequencingDataCount"], 1);
    }

    async fn the_lifecycle_from_draft_to_accepted(app) {
        let alice = app.caller("alice", false).await;
        let admin = app.caller("admin", true).await;
        let pk = app.new_package(&alice, "Le Package").await;
        let other_draft = app.new_package(&alice, "Other").await;
        let other_rejected = app.new_package(&alice, "Rejected").await;
        let p = format!("{PACKAGES}{pk}/");

        let reply = app.call(Method::Post, &format!("{p}submit/"), Some(&alice), None).await;
        reply.assert_error(Status::Conflict, "conflict");
        assert_eq!(reply.json()["errors"][0]["detail"], "Transition conditions have not been met for method 'to_pending'");
        set(&app, pk, "matching_state", "MATCHED").await;
        // Only staff review.
        app.call(Method::Post, &format!("{p}accept/"), Some(&alice), None).await.assert_error(Status::Forbidden, "permission_denied");
        app.call(Method::Post, &format!("{p}accept/"), Some(&admin), None).await.assert_error(Status::Conflict, "conflict");

        let before = package_field(&app, pk, "state_changed_on").await;
        let reply = app.call(Method::Post, &format!("{p}submit/"), Some(&alice), None).await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        assert_eq!(reply.json()["state"], "PENDING");
        assert_ne!(package_field(&app, pk, "state_changed_on").await, before);
        let reply = app.call(Method::Post, &format!("{p}submit/"), Some(&alice), None).await;
        assert_eq!(reply.json()["errors"][0]["detail"], "Can't switch from state 'PENDING' using method 'to_pending'");
        // Staff on duty hear of the submission, through the outbox.
        let mail = app.db.query_one(
            "SELECT recipient, subject, body FROM notification_outbox WHERE kind = 'package_submitted'", vec![]).await.unwrap();
        assert_eq!(mail.get::<String>(0).unwrap(), "admin@example.com");
        assert_eq!(mail.get::<String>(1).unwrap(), "New data package submission");
        assert_eq!(mail.get::<String>(2).unwrap().trim_end(),
            "New data package 'Le Package' has been submitted for review by Alice Aliceson.");

        let reply = app.call(Method::Post, &format!("{p}reject/"), Some(&admin), Some(&json!({"reason": "no"}))).await;
        assert_eq!(reply.json()["errors"][0]["attr"], "reason");
        let reply = app.call(Method::Post, &format!("{p}reject/"), Some(&admin), Some(&json!({"reason": "ugly data"}))).await;
        assert_eq!(reply.status, Status::Ok);
        assert_eq!(reply.json()["state"], "REJECTED");
        assert_eq!(reply.json()["rejectionReason"], "ugly data");
        let mail = app.db.query_one(
            "SELECT recipient, subject, body FROM notification_outbox WHERE kind = 'package_rejected'", vec![]).await.unwrap();
        assert_eq!(mail.get::<String>(0).unwrap(), "alice@example.com");
        assert_eq!(mail.get::<String>(1).unwrap(), "Package 'Le Package' has been rejected");
        assert!(mail.get::<String>(2).unwrap().contains("rejected with reason:\nugly data"));
        // Rejected packages are editable again; submitting again needs no new match here.
        app.call(Method::Post, &format!("{p}submit/"), Some(&alice), None).await;
        assert_eq!(package_field(&app, pk, "state").await, "PENDING");
        let reply = app.call(Method::Post, &format!("{p}to-draft/"), Some(&admin), None).await;
        assert_eq!(reply.json()["state"], "DRAFT");
        app.call(Method::Post, &format!("{p}submit/"), Some(&alice), None).await;

        // Accepting unstages the results that have a sample and re-opens the owner's other work.
        let alias = new_alias(&app, pk, "A1", "[]").await;
        let sample = new_sample(&app).await;
        for (with_sample, drug) in [(true, 1i64), (false, 2)] {
            app.db.execute(
                "INSERT INTO submission_pdstest (test_result, staging, sample_alias_id, sample_id, drug_id, package_id) VALUES ('R', TRUE, $1, $2, $3, $4)",
                vec![alias.into(), if with_sample { sample.into() } else { tbseq::db::Value::Null }, drug.into(), pk.into()],
            ).await.unwrap();
        }
        set(&app, other_draft, "matching_state", "MATCHED").await;
        set(&app, other_rejected, "state", "REJECTED").await;
        set(&app, other_rejected, "matching_state", "MATCHED").await;
        let reply = app.call(Method::Post, &format!("{p}accept/"), Some(&admin), None).await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        assert_eq!(reply.json()["state"], "ACCEPTED");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_pdstest WHERE staging = FALSE").await, 1);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_pdstest WHERE staging = TRUE AND sample_id IS NULL").await, 1);
        assert_eq!(package_field(&app, other_draft, "matching_state").await, "CHANGED");
        assert_eq!(package_field(&app, other_rejected, "state").await, "DRAFT");
        assert_eq!(package_field(&app, other_rejected, "matching_state").await, "CHANGED");
        // Nothing moves an accepted package.
        for action in ["submit", "accept", "to-draft"] {
            let who = if action == "submit" { &alice } else { &admin };
            app.call(Method::Post, &format!("{p}{action}/"), Some(who), None).await.assert_error(Status::Conflict, "conflict");
        }
    }

    async fn concurrent_submits_leave_one_effect(app) {
        let alice = app.caller("alice", false).await;
        let pk = app.new_package(&alice, "P").await;
        set(&app, pk, "matching_state", "MATCHED").await;
        let path = format!("{PACKAGES}{pk}/submit/");
        let (a, b, c) = tokio::join!(
            app.call(Method::Post, &path, Some(&alice), None),
            app.call(Method::Post, &path, Some(&alice), None),
            app.call(Method::Post, &path, Some(&alice), None),
        );
        let ok = [&a, &b, &c].iter().filter(|r| r.status == Status::Ok).count();
        assert_eq!(ok, 1, "{} {} {}", a.body, b.body, c.body);
        for r in [&a, &b, &c] {
            assert!([Status::Ok, Status::Conflict, Status::Forbidden].contains(&r.status), "{}", r.body);
        }
        assert_eq!(package_field(&app, pk, "state").await, "PENDING");
    }
}

/// The permission matrix: every route under packages, the state its package starts in, and
/// what its rightful caller gets.
mod matrix {
    use super::*;
    use common::Caller;

    pub fn fixture(file: &str) -> Vec<u8> {
        common::original_fixture(&format!("packages_api/{file}"))
    }

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum Access {
        /// The list and create: any signed-in user, about their own packages.
        Collection,
        /// One package: another user's is not found.
        Package,
        /// Under a package: another user's is refused.
        Nested,
        /// A staff review; the submitter may not fire it.
        Review,
    }

    pub struct Row {
        pub method: Method,
        /// Mounted path under `/api/v1/submission/packages`.
        pub route: &'static str,
        pub access: Access,
        /// The package's state before the call.
        pub state: &'static str,
        /// A workbook from the fixtures, sent as multipart.
        pub upload: Option<&'static str>,
        pub status: Status,
        pub detail: Option<&'static str>,
    }

    /// The row's request: its workbook as multipart when it has one and a caller, else JSON.
    pub async fn send(app: &TestApp, row: &Row, path: &str, who: Option<&Caller>) -> common::Reply {
        match (row.upload, who) {
            (Some(file), Some(c)) => app.upload(c, path, file, &fixture(file)).await,
            _ => app.call(row.method, path, who, row.body().as_ref()).await,
        }
    }

    impl Row {
        pub fn body(&self) -> Option<Value> {
            if matches!(self.method, Method::Get | Method::Delete) {
                return None;
            }
            Some(
                json!({"name": "N", "content": "c", "firstName": "F", "lastName": "L", "role": "R",
                "contributors": [], "reason": "long enough", "filename": "x_1.fastq.gz"}),
            )
        }
    }

    pub fn rows() -> Vec<Row> {
        use Access::*;
        let row = |method, route, access, state, status| Row {
            method,
            route,
            access,
            state,
            upload: None,
            status,
            detail: None,
        };
        let mut rows = vec![
            row(Method::Get, "", Collection, "DRAFT", Status::Ok),
            row(Method::Post, "", Collection, "DRAFT", Status::Created),
            row(Method::Get, "/<pk>", Package, "DRAFT", Status::Ok),
            row(Method::Put, "/<pk>", Package, "DRAFT", Status::Ok),
            row(Method::Patch, "/<pk>", Package, "DRAFT", Status::Ok),
            row(Method::Delete, "/<pk>", Package, "DRAFT", Status::NoContent),
            row(Method::Post, "/<pk>/match", Package, "DRAFT", Status::Ok),
            row(Method::Post, "/<pk>/submit", Package, "DRAFT", Status::Ok),
            row(Method::Post, "/<pk>/accept", Review, "PENDING", Status::Ok),
            row(Method::Post, "/<pk>/reject", Review, "PENDING", Status::Ok),
            row(
                Method::Post,
                "/<pk>/to-draft",
                Review,
                "PENDING",
                Status::Ok,
            ),
            row(Method::Get, "/<pk>/messages", Nested, "DRAFT", Status::Ok),
            row(
                Method::Post,
                "/<pk>/messages",
                Nested,
                "ACCEPTED",
                Status::Created,
            ),
            row(
                Method::Get,
                "/<pk>/messages/<id>",
                Nested,
                "DRAFT",
                Status::Ok,
            ),
            row(
                Method::Get,
                "/<pk>/contributors",
                Nested,
                "DRAFT",
                Status::Ok,
            ),
            row(
                Method::Post,
                "/<pk>/contributors",
                Nested,
                "DRAFT",
                Status::Created,
            ),
            row(
                Method::Get,
                "/<pk>/contributors/<id>",
                Nested,
                "DRAFT",
                Status::Ok,
            ),
            row(
                Method::Put,
                "/<pk>/contributors/<id>",
                Nested,
                "DRAFT",
                Status::Ok,
            ),
            row(
                Method::Patch,
                "/<pk>/contributors/<id>",
                Nested,
                "DRAFT",
                Status::Ok,
            ),
            row(
                Method::Delete,
                "/<pk>/contributors/<id>",
                Nested,
                "DRAFT",
                Status::NoContent,
            ),
            row(
                Method::Get,
                "/<pk>/sample-aliases",
                Nested,
                "DRAFT",
                Status::Ok,
            ),
            row(
                Method::Get,
                "/<pk>/sample-aliases/<id>",
                Nested,
                "DRAFT",
                Status::Ok,
            ),
            row(
                Method::Put,
                "/<pk>/sample-aliases/<id>",
                Nested,
                "DRAFT",
                Status::Ok,
            ),
            row(
                Method::Patch,
                "/<pk>/sample-aliases/<id>",
                Nested,
                "DRAFT",
                Status::Ok,
            ),
            row(
                Method::Get,
                "/<pk>/sequencing-data",
                Nested,
                "DRAFT",
                Status::Ok,
            ),
            row(
                Method::Get,
                "/<pk>/sequencing-data/<id>",
                Nested,
                "DRAFT",
                Status::Ok,
            ),
            row(
                Method::Delete,
                "/<pk>/sequencing-data/<id>",
                Nested,
                "DRAFT",
                Status::NoContent,
            ),
            row(
                Method::Post,
                "/<pk>/sequencing-data/upload-link",
                Nested,
                "DRAFT",
                Status::Ok,
            ),
            Row {
                detail: Some(tbseq::domain::sequencing::NOT_ON_S3),
                ..row(
                    Method::Post,
                    "/<pk>/sequencing-data/fetch",
                    Nested,
                    "DRAFT",
                    Status::NotFound,
                )
            },
            row(
                Method::Post,
                "/<pk>/mic-tests/clear",
                Nested,
                "REJECTED",
                Status::Ok,
            ),
            row(
                Method::Post,
                "/<pk>/pds-tests/clear",
                Nested,
                "DRAFT",
                Status::Ok,
            ),
        ];
        for (route, file) in [
            ("/<pk>/mic-tests", "mic_valid.xlsx"),
            ("/<pk>/pds-tests", "pdst1__valid.xlsx"),
        ] {
            rows.push(Row {
                upload: Some(file),
                ..row(Method::Post, route, Nested, "DRAFT", Status::Ok)
            });
        }
        rows
    }

    /// A package of alice's with one of everything, in `state` (matched, so it may be
    /// submitted).
    pub struct Scene {
        pk: i64,
        message: i64,
        contributor: i64,
        alias: i64,
        link: i64,
    }

    impl Scene {
        pub async fn new(app: &TestApp, alice: &Caller, state: &str) -> Scene {
            let pk = app.new_package(alice, "P").await;
            let p = format!("{PACKAGES}{pk}/");
            let alias = new_alias(app, pk, "A1", "[]").await;
            let (link, _) = new_link(app, pk, "A1_1.fastq.gz", "TB-Kb", "").await;
            new_link(app, pk, "A1_2.fastq.gz", "TB-Kb", "").await;
            let reply = app.call(Method::Post, &format!("{p}contributors/"), Some(alice),
                Some(&json!({"contributors": [{"firstName": "Ann", "lastName": "Smith", "role": "Head"}]}))).await;
            let contributor = reply.json()["contributors"][0]["pk"].as_i64().unwrap();
            let reply = app
                .call(
                    Method::Post,
                    &format!("{p}messages/"),
                    Some(alice),
                    Some(&json!({"content": "hi"})),
                )
                .await;
            let message = reply.json()["pk"].as_i64().unwrap();
            set(app, pk, "matching_state", "MATCHED").await;
            set(app, pk, "state", state).await;
            Scene {
                pk,
                message,
                contributor,
                alias,
                link,
            }
        }

        /// The request path for a route template.
        pub fn path(&self, route: &str) -> String {
            let id = if route.contains("/messages/") {
                self.message
            } else if route.contains("/contributors/") {
                self.contributor
            } else if route.contains("/sample-aliases/") {
                self.alias
            } else {
                self.link
            };
            let path = route
                .replace("<pk>", &self.pk.to_string())
                .replace("<id>", &id.to_string());
            match path.strip_prefix('/') {
                Some(rest) => format!("{PACKAGES}{rest}/"),
                None => PACKAGES.to_string(),
            }
        }

        /// What the owner sees of the package and everything under it.
        pub async fn snapshot(&self, app: &TestApp, alice: &Caller) -> Vec<Value> {
            let p = format!("{PACKAGES}{}/", self.pk);
            // Not the whole list: other packages' attachments carry signed links whose
            // expiry moves with the clock.
            let mut seen = vec![];
            for nested in [
                "",
                "messages/",
                "contributors/",
                "sample-aliases/",
                "sequencing-data/",
            ] {
                seen.push(
                    app.call(Method::Get, &format!("{p}{nested}"), Some(alice), None)
                        .await
                        .json(),
                );
            }
            seen
        }
    }
}
