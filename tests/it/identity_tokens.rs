//! Bearer tokens against a real OpenID provider (panva oidc-provider on loopback): discovery,
//! client-credentials tokens, claims mapped onto users, every rejected token answered 401 in
//! the envelope, key rotation, and personal API tokens.

use crate::common;

use common::oidc::{self, app, token_for};
use common::{Backend, Reply, TestApp};
use rocket::http::{Method, Status};
use serde_json::json;
use tbseq::db::repo::{IdentityStore, NewUser};
use tbseq::domain::identity::{INVALID_TOKEN, NO_CREDENTIALS, TOKEN_HAS_SPACES, USER_INACTIVE};

const ME: &str = "/api/v1/identity/user/";

async fn me(app: &TestApp, token: &str) -> Reply {
    let header = format!("Bearer {token}");
    app.request(Method::Get, ME, &[("Authorization", &header)])
        .await
}

/// A 401 `authentication_failed` with this detail and the Bearer challenge.
fn assert_refused(reply: &Reply, detail: &str, case: &str) {
    assert_eq!(reply.status, Status::Unauthorized, "{case}: {}", reply.body);
    reply.assert_error(Status::Unauthorized, "authentication_failed");
    assert_eq!(reply.json()["errors"][0]["detail"], detail, "{case}");
    assert!(
        reply
            .header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer")),
        "{case}: no WWW-Authenticate"
    );
}

both_backends_with! { app;
    async fn a_client_credentials_token_is_accepted(app) {
        // Discovery and keys are fetched from the provider on first use.
        let token = oidc::client_credentials().await;
        let reply = me(&app, &token).await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        assert_eq!(
            reply.json(),
            json!({"username": "svc", "email": "", "firstName": "", "lastName": "",
                   "isStaff": false, "isSuperuser": false, "groups": ["pipelines"]})
        );
        assert_eq!(app.app.identity.oidc.as_ref().unwrap().key_fetches(), 1);
        // A second call is served from the cache: no new fetch, same user.
        assert_eq!(me(&app, &token).await.json()["username"], "svc");
        let (user, _) = app.db.user_with_password("svc").await.unwrap().unwrap();
        assert_eq!(user.external_issuer.as_deref(), Some(oidc::issuer().as_str()));
    }

    async fn claims_become_the_user_and_roles_are_recomputed_every_time(app) {
        let admin = token_for("carol", json!({
            "oid": "0c0c0c0c-1111-4222-8333-444455556666", "email": "carol@example.org",
            "given_name": "Carol", "family_name": "Doe", "roles": ["admins", "curators"]
        })).await;
        let reply = me(&app, &admin).await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        assert_eq!(
            reply.json(),
            json!({"username": "0c0c0c0c-1111-4222-8333-444455556666", "email": "carol@example.org",
                   "firstName": "Carol", "lastName": "Doe", "isStaff": true, "isSuperuser": true,
                   "groups": ["admins", "curators"]})
        );
        // The same user with another token and fewer roles loses staff, superuser and a group.
        let demoted = token_for("carol", json!({
            "oid": "0c0c0c0c-1111-4222-8333-444455556666", "roles": ["curators"]
        })).await;
        let body = me(&app, &demoted).await.json();
        assert_eq!(body["isStaff"], false);
        assert_eq!(body["isSuperuser"], false);
        assert_eq!(body["groups"], json!(["curators"]));
        assert_eq!(body["email"], "carol@example.org", "claims that are absent keep their value");
        // Without oid the username is sub; a single role may be a string.
        let reply = me(&app, &token_for("dave", json!({"roles": "admins"})).await).await;
        assert_eq!(reply.json()["username"], "dave");
        assert_eq!(reply.json()["isStaff"], true);
        assert_eq!(app.db.count_users().await.unwrap(), 2);
    }

    async fn other_algorithms_of_the_allowed_list_are_accepted(app) {
        for (key, alg) in [("rs384", "RS384"), ("rs512", "RS512"), ("ec", "ES256")] {
            let token = oidc::sign(json!({"sub": format!("user-{alg}")}), key, alg, None).await;
            let reply = me(&app, &token).await;
            assert_eq!(reply.status, Status::Ok, "{alg}: {}", reply.body);
        }
    }

    async fn rejected_tokens_get_401_in_the_envelope(app) {
        let valid = token_for("erin", json!({})).await;
        let mut parts: Vec<String> = valid.split('.').map(str::to_string).collect();
        parts[2] = parts[2].chars().rev().collect();
        let bad_signature = parts.join(".");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let b64 = |v: serde_json::Value| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let alg_none = format!(
            "{}.{}.",
            b64(json!({"alg": "none", "typ": "JWT"})),
            b64(json!({"sub": "erin", "iss": oidc::issuer(), "aud": oidc::AUDIENCE, "exp": now + 600}))
        );
        let cases = vec![
            ("bad signature", bad_signature),
            ("other issuer", oidc::sign(json!({"sub": "erin", "iss": "https://evil.example"}), "rsa", "RS256", None).await),
            ("other audience", oidc::sign(json!({"sub": "erin", "aud": "api://other"}), "rsa", "RS256", None).await),
            ("expired", oidc::sign(json!({"sub": "erin", "exp": now - 120, "iat": now - 720}), "rsa", "RS256", None).await),
            ("not yet valid", oidc::sign(json!({"sub": "erin", "nbf": now + 600, "exp": now + 1200}), "rsa", "RS256", None).await),
            ("no expiry", oidc::sign(json!({"sub": "erin", "exp": null}), "rsa", "RS256", None).await),
            ("no subject", oidc::sign(json!({}), "rsa", "RS256", None).await),
            ("alg none", alg_none),
            ("HS256 signed with the public key", oidc::sign(json!({"sub": "erin"}), "public-as-hmac", "HS256", None).await),
            ("unknown kid", oidc::sign(json!({"sub": "erin"}), "foreign", "RS256", Some("not-published")).await),
            ("known kid, other key", oidc::sign(json!({"sub": "erin"}), "foreign", "RS256", Some(&oidc::kid(&valid))).await),
            ("RSA key id with ES256", oidc::sign(json!({"sub": "erin"}), "ec", "ES256", Some(&oidc::kid(&valid))).await),
            ("RS256 key id with RS512", oidc::sign(json!({"sub": "erin"}), "rs512", "RS512", Some(&oidc::kid(&valid))).await),
            ("garbage", "garbage".into()),
            ("three garbage parts", "abc.def.ghi".into()),
            ("an unknown API token", "tbseq_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into()),
        ];
        for (case, token) in &cases {
            assert_refused(&me(&app, token).await, INVALID_TOKEN, case);
        }
        // None of them created a user.
        assert_eq!(app.db.count_users().await.unwrap(), 0);
        // The valid one still works.
        assert_eq!(me(&app, &valid).await.status, Status::Ok);
    }

    async fn malformed_headers_and_inactive_users(app) {
        let reply = app.request(Method::Get, ME, &[("Authorization", "Bearer")]).await;
        assert_refused(&reply, NO_CREDENTIALS, "no token");
        let reply = app.request(Method::Get, ME, &[("Authorization", "Bearer a b")]).await;
        assert_refused(&reply, TOKEN_HAS_SPACES, "spaces");
        // No header, or another scheme: anonymous, 401 not_authenticated.
        for headers in [vec![], vec![("Authorization", "Basic YWxpY2U6eA==")]] {
            let reply = app.request(Method::Get, ME, &headers).await;
            reply.assert_error(Status::Unauthorized, "not_authenticated");
            assert!(reply.header("www-authenticate").is_some_and(|h| h.starts_with("Bearer")));
        }
        // A disabled user is refused with the original's message, cached token or not.
        let token = token_for("frank", json!({})).await;
        assert_eq!(me(&app, &token).await.status, Status::Ok);
        assert!(app.db.set_active("frank", false).await.unwrap());
        assert_refused(&me(&app, &token).await, USER_INACTIVE, "inactive user");
        let fresh = token_for("frank", json!({"jti": "another"})).await;
        assert_refused(&me(&app, &fresh).await, USER_INACTIVE, "inactive user, new token");
    }

    async fn a_bad_token_on_a_public_route_is_ignored(app) {
        for header in ["Bearer garbage", "Bearer a b", "Bearer", "Basic x", "Bearer tbseq_nope"] {
            let reply = app
                .request(Method::Get, "/api/v1/genphen/drugs/", &[("Authorization", header)])
                .await;
            assert_eq!(reply.status, Status::Ok, "{header}: {}", reply.body);
        }
    }

    async fn staff_only_routes_answer_403_to_others(app) {
        let reader = token_for("gina", json!({"roles": ["readers"]})).await;
        let header = format!("Bearer {reader}");
        let reply = app
            .request(Method::Get, "/api/v1/identity/users/", &[("Authorization", &header)])
            .await;
        reply.assert_error(Status::Forbidden, "permission_denied");
        let admin = token_for("hank", json!({"roles": ["admins"]})).await;
        let header = format!("Bearer {admin}");
        let reply = app
            .request(Method::Get, "/api/v1/identity/users/", &[("Authorization", &header)])
            .await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        assert_eq!(reply.json().as_array().unwrap().len(), 2);
        app.get("/api/v1/identity/users/")
            .await
            .assert_error(Status::Unauthorized, "not_authenticated");
    }

    async fn a_new_signing_key_is_picked_up(app) {
        let before = token_for("ivan", json!({})).await;
        assert_eq!(me(&app, &before).await.status, Status::Ok);
        let fetches = app.app.identity.oidc.as_ref().unwrap().key_fetches();
        let new_kid = oidc::rotate().await;
        let after = token_for("ivan", json!({"jti": "after-rotation"})).await;
        assert_eq!(oidc::kid(&after), new_kid);
        let reply = me(&app, &after).await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        assert_eq!(
            app.app.identity.oidc.as_ref().unwrap().key_fetches(),
            fetches + 1,
            "one refetch for the unknown kid"
        );
        // Tokens signed with the previous key (still published) keep working.
        let old_key = oidc::sign(json!({"sub": "ivan", "jti": "old"}), "rsa", "RS256", None).await;
        assert_eq!(me(&app, &old_key).await.status, Status::Ok);
    }

    async fn personal_api_tokens_work_next_to_provider_tokens(app) {
        let id = app.db.create_user(&NewUser {
            username: "pipeline".into(), email: "p@example.org".into(), first_name: String::new(),
            last_name: String::new(), password_hash: None, is_staff: false, is_superuser: false,
        }).await.unwrap();
        let (token_id, token) = tbseq::identity::create_api_token(&app.db, id, "ci", Some(30)).await.unwrap();
        assert!(token.starts_with("tbseq_"));
        let reply = me(&app, &token).await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        assert_eq!(reply.json()["username"], "pipeline");
        // Only a hash is stored; the token is listed without itself.
        let listed = app.db.api_tokens().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].last_used_at.is_some());
        assert!(listed[0].expires_at.is_some());
        let dump = format!("{:?}", app.db.query("SELECT * FROM identity_apitoken", vec![]).await.unwrap());
        assert!(!dump.contains(&token[6..]), "the token is stored in clear");
        // Revoked: refused at once.
        assert!(app.db.revoke_api_token(token_id, time::OffsetDateTime::now_utc()).await.unwrap());
        assert_refused(&me(&app, &token).await, INVALID_TOKEN, "revoked");
        // Expired: refused.
        let (old_id, old) = tbseq::identity::create_api_token(&app.db, id, "old", None).await.unwrap();
        app.db.query(
            "UPDATE identity_apitoken SET expires_at = $1 WHERE id = $2",
            tbseq::params![time::OffsetDateTime::now_utc() - time::Duration::hours(1), old_id],
        ).await.unwrap();
        assert_refused(&me(&app, &old).await, INVALID_TOKEN, "expired");
    }
}

both_backends! {
    async fn without_a_provider_jwts_are_refused(app) {
        let token = token_for("judy", json!({})).await;
        assert_refused(&me(&app, &token).await, INVALID_TOKEN, "no provider configured");
    }
}

/// An app whose provider is down: tokens that need it get 503, garbage still 401.
async fn unreachable_provider(backend: Backend) -> TestApp {
    TestApp::with_config(backend, |c| {
        c.oidc.issuer = Some(format!("http://127.0.0.1:{}", common::free_port()));
        c.oidc.client_id = Some("tbseq".into());
    })
    .await
}

both_backends_with! { unreachable_provider;
    async fn an_unreachable_provider_is_a_clear_503(app) {
        let token = token_for("kim", json!({})).await;
        let reply = me(&app, &token).await;
        reply.assert_error(Status::ServiceUnavailable, "service_unavailable");
        assert_refused(&me(&app, "garbage").await, INVALID_TOKEN, "garbage needs no provider");
        assert_eq!(app.get("/api/v1/genphen/drugs/").await.status, Status::Ok);
    }
}

/// The default floor: an unknown key id fetches the keys again only once per floor.
async fn default_floor(backend: Backend) -> TestApp {
    TestApp::with_config(backend, |c| {
        oidc::configure(c);
        c.oidc.jwks_min_refresh_seconds =
            tbseq::config::OidcConfig::default().jwks_min_refresh_seconds;
    })
    .await
}

both_backends_with! { default_floor;
    async fn unknown_keys_cannot_flood_the_provider(app) {
        assert_eq!(me(&app, &token_for("leo", json!({})).await).await.status, Status::Ok);
        let oidc = app.app.identity.oidc.as_ref().unwrap();
        assert_eq!(oidc.key_fetches(), 1);
        for i in 0..5 {
            let forged = common::oidc::sign(json!({"sub": "leo"}), "foreign", "RS256", Some(&format!("forged-{i}"))).await;
            assert_refused(&me(&app, &forged).await, INVALID_TOKEN, "forged kid");
        }
        assert_eq!(oidc.key_fetches(), 1, "the keys were fetched within the floor");
    }
}
