//! Package review in the admin (transitions, reason form, messages, the schedule action,
//! signed downloads) and the System pages (diagnostics, summary refresh, API tokens).

use crate::common;
use crate::identity_admin::{csrf_of, post_form, sign_in, user, HERE};

use common::{Reply, TestApp};
use rocket::http::Status;

const PASSWORD: &str = "correct horse battery";
const SECRET: &str = "5e0d1b2c3a4f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445";

/// A signed-in staff member with an e-mail address; returns the CSRF token.
async fn staff(app: &TestApp) -> String {
    user(app, "ada", PASSWORD, true).await;
    app.db
        .execute(
            "UPDATE auth_user SET email = 'ada@example.com' WHERE username = 'ada'",
            vec![],
        )
        .await
        .unwrap();
    let reply = sign_in(app, "ada", PASSWORD, "/admin/", HERE).await;
    assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
    csrf_of(&app.get("/admin/").await.body)
}

async fn post(app: &TestApp, uri: &str, pairs: &[(&str, &str)]) -> Reply {
    post_form(app, uri, pairs, HERE).await
}

async fn text(app: &TestApp, sql: &str) -> String {
    app.db.query_one(sql, vec![]).await.unwrap().get(0).unwrap()
}

/// A package of a new submitter in `state`, matched; (package id, owner id).
async fn package_in(app: &TestApp, state: &str) -> (i64, i64) {
    let owner = app.caller("sam", false).await;
    let id = app.new_package(&owner, "Lab one").await;
    app.db
        .execute(
            "UPDATE submission_package SET state = $1, matching_state = 'MATCHED' WHERE id = $2",
            tbseq::params![state, id],
        )
        .await
        .unwrap();
    (id, owner.id)
}

/// The titles of the transition buttons on a package page.
fn buttons(body: &str) -> Vec<String> {
    body.split("name=\"transition\" value=\"")
        .skip(1)
        .filter_map(|rest| {
            let title = rest.split("<button type=\"submit\">").nth(1)?;
            Some(title.split('<').next()?.to_string())
        })
        .collect()
}

fn transition_uri(id: i64) -> String {
    format!("/admin/submission/package/{id}/transition/")
}

async fn state_of(app: &TestApp, id: i64) -> String {
    text(
        app,
        &format!("SELECT state FROM submission_package WHERE id = {id}"),
    )
    .await
}

both_backends! {
    async fn buttons_follow_the_state(app) {
        staff(&app).await;
        let (id, _) = package_in(&app, "PENDING").await;
        let page = app.get(&format!("/admin/submission/package/{id}/change/")).await;
        assert_eq!(page.status, Status::Ok, "{}", page.body);
        assert!(page.body.contains("id=\"package-state\">Pending<"), "{}", page.body);
        assert_eq!(buttons(&page.body), ["Accepted", "Rejected", "Draft"]);
        for (state, expected) in [("DRAFT", vec!["Pending"]), ("ACCEPTED", vec![]), ("REJECTED", vec!["Pending", "Draft"])] {
            app.db.execute("UPDATE submission_package SET state = $1 WHERE id = $2", tbseq::params![state, id]).await.unwrap();
            let page = app.get(&format!("/admin/submission/package/{id}/change/")).await;
            assert_eq!(buttons(&page.body), expected, "{state}");
        }
    }

    async fn reject_asks_for_a_reason_then_applies_it(app) {
        let csrf = staff(&app).await;
        let (id, _) = package_in(&app, "PENDING").await;
        let uri = transition_uri(id);
        // The button shows the form; nothing changes yet.
        let form = post(&app, &uri, &[("csrfmiddlewaretoken", &csrf), ("transition", "pending_to_rejected")]).await;
        assert_eq!(form.status, Status::Ok, "{}", form.body);
        assert!(form.body.contains("name=\"reason\"") && !form.body.contains("id=\"err_reason\""), "{}", form.body);
        let short = post(&app, &uri, &[("csrfmiddlewaretoken", &csrf), ("transition", "pending_to_rejected"), ("reason", " no ")]).await;
        assert_eq!(short.status, Status::Ok);
        assert!(short.body.contains("id=\"err_reason\">The reason must be 4 to 2048 characters long."), "{}", short.body);
        assert_eq!(state_of(&app, id).await, "PENDING");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM admin_auditlog WHERE action = 'transition'").await, 0);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM notification_outbox").await, 0);
        let long = "x".repeat(2049);
        let reply = post(&app, &uri, &[("csrfmiddlewaretoken", &csrf), ("transition", "pending_to_rejected"), ("reason", &long)]).await;
        assert!(reply.body.contains("id=\"err_reason\""));
        assert_eq!(state_of(&app, id).await, "PENDING");

        let reply = post(&app, &uri, &[("csrfmiddlewaretoken", &csrf), ("transition", "pending_to_rejected"), ("reason", "Plates are unreadable")]).await;
        assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
        assert_eq!(reply.header("location"), Some(format!("/admin/submission/package/{id}/change/").as_str()));
        assert_eq!(state_of(&app, id).await, "REJECTED");
        assert_eq!(text(&app, &format!("SELECT rejection_reason FROM submission_package WHERE id = {id}")).await, "Plates are unreadable");
        let page = app.get(&format!("/admin/submission/package/{id}/change/")).await;
        assert!(page.body.contains("Transition Rejected applied"), "{}", page.body);
        let before = text(&app, "SELECT before_json FROM admin_auditlog WHERE action = 'transition'").await;
        let after = text(&app, "SELECT after_json FROM admin_auditlog WHERE action = 'transition'").await;
        assert!(before.contains("\"PENDING\"") && after.contains("\"REJECTED\""), "{before} {after}");
        assert_eq!(text(&app, "SELECT model FROM admin_auditlog WHERE action = 'transition'").await, "submission.package");
        assert_eq!(text(&app, "SELECT recipient FROM notification_outbox").await, "sam@example.com");
        assert!(text(&app, "SELECT body FROM notification_outbox").await.contains("Plates are unreadable"));
    }

    async fn accept_and_refuse_what_is_not_allowed(app) {
        let csrf = staff(&app).await;
        let (id, _) = package_in(&app, "PENDING").await;
        let uri = transition_uri(id);
        let reply = post(&app, &uri, &[("csrfmiddlewaretoken", &csrf), ("transition", "pending_to_accepted")]).await;
        assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
        assert_eq!(state_of(&app, id).await, "ACCEPTED");
        assert!(app.get(&format!("/admin/submission/package/{id}/change/")).await.body.contains("Transition Accepted applied"));
        assert_eq!(text(&app, "SELECT subject FROM notification_outbox").await, "Package 'Lab one' has been accepted");
        // Accepted again: not allowed, nothing changes.
        let audits = app.scalar("SELECT COUNT(*) FROM admin_auditlog").await;
        let reply = post(&app, &uri, &[("csrfmiddlewaretoken", &csrf), ("transition", "pending_to_accepted")]).await;
        assert_eq!(reply.status, Status::SeeOther);
        let page = app.get(&format!("/admin/submission/package/{id}/change/")).await;
        assert!(page.body.contains("Transition Accepted is not allowed"), "{}", page.body);
        assert_eq!(state_of(&app, id).await, "ACCEPTED");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM admin_auditlog").await, audits);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM notification_outbox").await, 1);
        let reply = post(&app, &uri, &[("csrfmiddlewaretoken", &csrf), ("transition", "delete_everything")]).await;
        assert_eq!(reply.status, Status::BadRequest);
        assert!(reply.body.contains("delete_everything is not a transition method"));
    }

    async fn review_forms_need_the_session_token(app) {
        let csrf = staff(&app).await;
        let (id, _) = package_in(&app, "PENDING").await;
        let reply = post(&app, &transition_uri(id), &[("transition", "pending_to_accepted")]).await;
        assert_eq!(reply.status, Status::Forbidden);
        let reply = post(&app, &format!("/admin/submission/package/{id}/message/"), &[("content", "hi")]).await;
        assert_eq!(reply.status, Status::Forbidden);
        let reply = post(&app, "/admin/submission/package/action/", &[("action", "schedule_analysis"), ("_selected_action", &id.to_string())]).await;
        assert_eq!(reply.status, Status::Forbidden);
        let reply = post(&app, "/admin/system/refresh/", &[("csrfmiddlewaretoken", "forged")]).await;
        assert_eq!(reply.status, Status::Forbidden);
        assert_eq!(state_of(&app, id).await, "PENDING");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_message").await, 0);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM summary_refresh").await, 0);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM admin_auditlog WHERE action <> 'login'").await, 0);
        assert!(!csrf.is_empty());
    }

    async fn replies_are_sent_as_the_admin(app) {
        let csrf = staff(&app).await;
        let (id, owner) = package_in(&app, "PENDING").await;
        let uri = format!("/admin/submission/package/{id}/message/");
        let reply = post(&app, &uri, &[("csrfmiddlewaretoken", &csrf), ("content", "  ")]).await;
        assert_eq!(reply.status, Status::Ok);
        assert!(reply.body.contains("id=\"err_content\">Set required field"), "{}", reply.body);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_message").await, 0);
        let reply = post(&app, &uri, &[("csrfmiddlewaretoken", &csrf), ("content", "Please add the MGIT results")]).await;
        assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
        let ada = app.scalar("SELECT id FROM auth_user WHERE username = 'ada'").await;
        assert_eq!(app.scalar("SELECT sender_id FROM submission_message").await, ada);
        assert_eq!(app.scalar("SELECT cnt_messages FROM submission_packagestats").await, 1);
        assert_eq!(text(&app, "SELECT recipient FROM notification_outbox").await, "sam@example.com");
        assert_eq!(text(&app, "SELECT body FROM notification_outbox").await, "Please add the MGIT results");
        assert_eq!(text(&app, "SELECT model FROM admin_auditlog WHERE action = 'create'").await, "submission.message");
        let page = app.get(&format!("/admin/submission/package/{id}/change/")).await;
        assert!(page.body.contains("Please add the MGIT results") && page.body.contains("Message sent."), "{}", page.body);
        assert!(owner > 0);
    }

    async fn schedule_marks_only_unscheduled_tuberculosis_samples(app) {
        let csrf = staff(&app).await;
        let (id, _) = package_in(&app, "ACCEPTED").await;
        let (other, _) = {
            let owner = app.caller("tom", false).await;
            (app.new_package(&owner, "Other").await, owner.id)
        };
        let not_tb = app.scalar("SELECT MIN(ncbi_taxon_id) FROM biosql_taxon WHERE ncbi_taxon_id <> 1773").await;
        // 1: TB, unscheduled (twice through aliases); 2: TB, already processing; 3: not TB;
        // 4: TB in another package.
        for (sample, taxon, status) in [(1, 1773, None), (2, 1773, Some("Processing")), (3, not_tb, None), (4, 1773, None)] {
            app.db.execute("INSERT INTO submission_sample (id, ncbi_taxon_id, bioanalysis_status) VALUES ($1, $2, $3)", tbseq::params![sample as i64, taxon, status]).await.unwrap();
        }
        for (name, sample, package) in [("a", 1, id), ("b", 1, id), ("c", 2, id), ("d", 3, id), ("e", 4, other)] {
            app.db.execute("INSERT INTO submission_samplealias (name, package_id, sample_id) VALUES ($1, $2, $3)", tbseq::params![name, package, sample as i64]).await.unwrap();
        }
        let list = app.get("/admin/submission/package/?origin=all").await;
        assert!(list.body.contains("Schedule associated samples for bionformatic analysis.") && list.body.contains("name=\"_selected_action\""), "{}", list.body);
        let reply = post(&app, "/admin/submission/package/action/", &[("csrfmiddlewaretoken", &csrf), ("action", "schedule_analysis"), ("_selected_action", &id.to_string())]).await;
        assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
        assert!(app.get("/admin/submission/package/").await.body.contains("1 samples were scheduled for analysis."));
        let statuses = |s: i64| format!("SELECT COALESCE(bioanalysis_status, '-') FROM submission_sample WHERE id = {s}");
        assert_eq!(text(&app, &statuses(1)).await, "Unprocessed");
        assert_eq!(text(&app, &statuses(2)).await, "Processing");
        assert_eq!(text(&app, &statuses(3)).await, "-");
        assert_eq!(text(&app, &statuses(4)).await, "-");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM admin_auditlog WHERE model = 'submission.sample' AND action = 'change'").await, 1);
        // Nothing selected: nothing changes.
        let reply = post(&app, "/admin/submission/package/action/", &[("csrfmiddlewaretoken", &csrf), ("action", "schedule_analysis")]).await;
        assert_eq!(reply.status, Status::SeeOther);
        assert_eq!(text(&app, &statuses(4)).await, "-");
    }

    async fn package_files_download_through_signed_links(app) {
        staff(&app).await;
        let (id, _) = package_in(&app, "PENDING").await;
        app.app.store.put_bytes(&tbseq::storage::attachment_key("abc.mic.xlsx"), b"workbook".to_vec()).await.unwrap();
        app.db.execute("INSERT INTO submission_attachment (package_id, type, file, size, original_filename, metadata) VALUES ($1, 'MIC', 'abc.mic.xlsx', 8, 'mic.xlsx', '{}')", tbseq::params![id]).await.unwrap();
        let page = app.get(&format!("/admin/submission/package/{id}/change/")).await;
        let href = page.body.split("class=\"download\"").next().unwrap().rsplit("href=\"").next().unwrap().split('"').next().unwrap().replace("&amp;", "&");
        assert!(href.contains("signature="), "{href}");
        let path = href.split_once("://").map(|(_, rest)| &rest[rest.find('/').unwrap()..]).unwrap_or(&href).to_string();
        let file = app.get(&path).await;
        assert_eq!(file.status, Status::Ok, "{path}");
        assert_eq!(file.body, "workbook");
        let forged = app.get(&path.replace("signature=", "signature=0")).await;
        assert_eq!(forged.status, Status::Forbidden);
    }

    async fn tokens_are_listed_without_secrets_and_revoked(app) {
        let csrf = staff(&app).await;
        let caller = app.caller("tim", false).await;
        let page = app.get("/admin/identity/apitoken/").await;
        assert_eq!(page.status, Status::Ok, "{}", page.body);
        assert!(page.body.contains(">tim<") && page.body.contains("Last used"), "{}", page.body);
        let hash = text(&app, "SELECT token_hash FROM identity_apitoken").await;
        assert!(!page.body.contains(&caller.token) && !page.body.contains(&hash));
        let token = app.scalar("SELECT id FROM identity_apitoken").await.to_string();
        assert!(!app.get(&format!("/admin/identity/apitoken/{token}/change/")).await.body.contains(&hash));
        let reply = post(&app, "/admin/identity/apitoken/action/", &[("csrfmiddlewaretoken", &csrf), ("action", "revoke_tokens"), ("_selected_action", &token)]).await;
        assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM identity_apitoken WHERE revoked_at IS NOT NULL").await, 1);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM admin_auditlog WHERE model = 'identity.apitoken'").await, 1);
        let api = app.call(rocket::http::Method::Get, "/api/v1/submission/packages/", Some(&caller), None).await;
        assert_eq!(api.status, Status::Unauthorized);
    }

    async fn refresh_button_records_its_run(app) {
        let csrf = staff(&app).await;
        let page = app.get("/admin/system/").await;
        assert!(page.body.contains("Never rebuilt."), "{}", page.body);
        let reply = post(&app, "/admin/system/refresh/", &[("csrfmiddlewaretoken", &csrf)]).await;
        assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
        let page = app.get("/admin/system/").await;
        assert!(page.body.contains("The summary tables were rebuilt in"), "{}", page.body);
        let last = page.body.split("id=\"last-refresh\">").nth(1).unwrap().split('<').next().unwrap().to_string();
        assert!(last.starts_with("Last rebuilt 20"), "{last}");
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        post(&app, "/admin/system/refresh/", &[("csrfmiddlewaretoken", &csrf)]).await;
        let again = app.get("/admin/system/").await;
        let later = again.body.split("id=\"last-refresh\">").nth(1).unwrap().split('<').next().unwrap().to_string();
        assert_ne!(last, later);
    }
}

async fn with_secrets(backend: common::Backend) -> TestApp {
    TestApp::with_config(backend, |c| {
        c.secret_key = Some(SECRET.into());
        c.mail.smtp_url = Some("smtp://mailer:hunter2hunter2@127.0.0.1:2525".into());
    })
    .await
}

both_backends_with! { with_secrets;
    async fn diagnostics_show_kinds_and_never_secrets(app) {
        staff(&app).await;
        let page = app.get("/admin/system/").await;
        assert_eq!(page.status, Status::Ok, "{}", page.body);
        let kind = match app.backend { common::Backend::Sqlite => "sqlite", common::Backend::Postgres => "postgres" };
        assert!(page.body.contains(&format!("id=\"database\">{kind}<")), "{}", page.body);
        let level = app.scalar("SELECT MAX(version) FROM refinery_schema_history").await;
        assert!(page.body.contains(&format!("id=\"migration\">{level} ")), "{}", page.body);
        assert!(page.body.contains("id=\"storage\">local") && page.body.contains("id=\"storage-check\">ok<"), "{}", page.body);
        assert!(page.body.contains(">secret_key<") && page.body.contains(">***<"), "{}", page.body);
        assert!(page.body.contains(">default<"));
        assert!(!page.body.contains(SECRET) && !page.body.contains("hunter2"), "a secret leaked");
        assert!(page.body.contains(env!("CARGO_PKG_VERSION")));
        assert!(app.get("/admin/").await.body.contains("href=\"/admin/system/\""));
    }
}
