//! The browser sign-in, driven over real HTTP: a listening tbseq, the real OpenID provider's
//! login and consent forms, a cookie jar like a browser's. Ends in an admin session; then
//! sign-out, and every way the callback can fail.

use crate::common;

use common::oidc::{self, live_app};
use reqwest::{Client, Response, StatusCode};
use tbseq::db::repo::IdentityStore;

fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `Location` of a response, made absolute (the provider sends relative ones).
fn location(response: &Response) -> String {
    let value = response
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location on {} {}", response.status(), response.url()))
        .to_str()
        .unwrap();
    response.url().join(value).unwrap().to_string()
}

/// Starts a sign-in at tbseq and goes through the provider's login and consent forms as
/// `login`; returns the callback URL the provider sends the browser back to.
async fn through_provider(b: &Client, base: &str, next: &str, login: &str) -> String {
    let start = b
        .get(format!("{base}/api/v1/oauth2/login"))
        .query(&[("next", next)])
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::FOUND);
    let authorize = url::Url::parse(&location(&start)).unwrap();
    assert!(
        authorize.as_str().starts_with(&oidc::issuer()),
        "{authorize}"
    );
    let query: std::collections::HashMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], oidc::CLIENT_ID);
    assert_eq!(query["code_challenge_method"], "S256", "PKCE");
    assert!(query["nonce"].len() >= 16 && query["state"].len() >= 16);
    let callback = format!("{base}/api/v1/oauth2/callback");
    assert_eq!(query["redirect_uri"], callback);

    let mut next_url = location(&b.get(authorize).send().await.unwrap());
    for _ in 0..10 {
        if next_url.starts_with(&callback) {
            return next_url;
        }
        let response = if next_url.contains("/interaction/") {
            let page = b.get(&next_url).send().await.unwrap().text().await.unwrap();
            let fields: Vec<(&str, &str)> = if page.contains("name=\"prompt\" value=\"login\"") {
                vec![("prompt", "login"), ("login", login), ("password", "any")]
            } else {
                vec![("prompt", "consent")]
            };
            b.post(&next_url).form(&fields).send().await.unwrap()
        } else {
            b.get(&next_url).send().await.unwrap()
        };
        next_url = location(&response);
    }
    panic!("the provider never sent the browser back; last at {next_url}");
}

async fn text(response: Response) -> (StatusCode, String) {
    (response.status(), response.text().await.unwrap())
}

both_backends_with! { live_app;
    async fn a_full_sign_in_ends_in_an_admin_session(app) {
        let base = app.base_url.clone().unwrap();
        let b = browser();
        let r = b.get(format!("{base}/admin/")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FOUND);
        assert_eq!(location(&r), format!("{base}/admin/login/?next=/admin/"));
        let (status, page) = text(b.get(location(&r)).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("href=\"/api/v1/oauth2/login?next=%2Fadmin%2F\""), "{page}");

        let callback = through_provider(&b, &base, "/admin/", "alice").await;
        assert!(callback.contains("code=") && callback.contains("state="));
        let r = b.get(&callback).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FOUND, "{}", r.text().await.unwrap());
        assert_eq!(location(&r), format!("{base}/admin/"));
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|v| v.starts_with("tbseq_session="))
            .expect("a session cookie");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");

        let (status, page) = text(b.get(format!("{base}/admin/")).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("Alice Baxter (00000000-0000-4000-8000-0000000a11ce)"), "{page}");
        assert!(page.contains("superuser"));
        let me: serde_json::Value = b.get(format!("{base}/api/v1/identity/user/")).send().await.unwrap().json().await.unwrap();
        assert_eq!(me["isStaff"], true);
        assert_eq!(me["groups"], serde_json::json!(["admins"]));
        assert_eq!(me["email"], "alice@example.com");
        let (user, _) = app.db.user_with_password("00000000-0000-4000-8000-0000000a11ce").await.unwrap().unwrap();
        assert!(user.last_login.is_some());

        // Sign-out ends the session here and sends the browser to the provider's.
        let r = b.get(format!("{base}/api/v1/oauth2/logout")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let end = url::Url::parse(&location(&r)).unwrap();
        assert!(end.as_str().starts_with(&format!("{}/session/end", oidc::issuer())), "{end}");
        assert!(end.query_pairs().any(|(k, v)| k == "post_logout_redirect_uri" && v == format!("{base}/admin/login/")));
        let (status, _) = text(b.get(end).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::OK, "the provider's sign-out page");
        let r = b.get(format!("{base}/admin/")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FOUND, "signed out");
    }

    async fn next_is_kept_on_this_site_and_non_staff_get_a_notice(app) {
        let base = app.base_url.clone().unwrap();
        for next in ["//evil.example", "https://evil.example", "/\\evil.example"] {
            let b = browser();
            let callback = through_provider(&b, &base, next, "bob").await;
            let r = b.get(&callback).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::FOUND);
            assert_eq!(location(&r), format!("{base}/admin/"), "{next}");
            let (status, page) = text(b.get(format!("{base}/admin/")).send().await.unwrap()).await;
            assert_eq!(status, StatusCode::FORBIDDEN);
            assert!(page.contains("Bob Builder (bob)") && page.contains("may not use the administration site"), "{page}");
        }
    }

    async fn the_callback_fails_cleanly(app) {
        let base = app.base_url.clone().unwrap();
        let b = browser();
        let (status, page) = text(b.get(format!("{base}/api/v1/oauth2/callback")).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("No authorization code was provided."), "{page}");
        let (status, page) = text(b.get(format!("{base}/api/v1/oauth2/callback?code=x&state=unknown")).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(page.contains("Login failed."));
        // The provider refused (user cancelled): no code.
        let (status, _) = text(b.get(format!("{base}/api/v1/oauth2/callback?error=access_denied&state=x")).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // A callback taken to another browser (no state cookie) fails…
        let callback = through_provider(&b, &base, "/admin/", "bob").await;
        let (status, page) = text(browser().get(&callback).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{page}");
        // …and so does replaying one that was used.
        let b = browser();
        let callback = through_provider(&b, &base, "/admin/", "bob").await;
        assert_eq!(b.get(&callback).send().await.unwrap().status(), StatusCode::FOUND);
        let (status, page) = text(b.get(&callback).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(page.contains("Login failed."));

        // A disabled account is told so.
        assert!(app.db.set_active("bob", false).await.unwrap());
        let b = browser();
        let callback = through_provider(&b, &base, "/admin/", "bob").await;
        let (status, page) = text(b.get(&callback).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(page.contains("Your account is disabled."));
        // Used sign-ins are gone; only the one taken to another browser waits for its expiry.
        let left: i64 = app.db.query_one("SELECT COUNT(*) FROM identity_oidcstate", vec![]).await.unwrap().get(0).unwrap();
        assert_eq!(left, 1);
    }
}
