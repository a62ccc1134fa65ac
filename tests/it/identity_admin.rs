//! Local accounts and the admin's front door: the sign-in form (CSRF), wrong passwords and
//! throttling, disabled users, sessions (cookie flags, idle and absolute expiry), sign-out,
//! the non-staff notice and same-origin `next` redirects.

use crate::common;

use common::{Backend, Reply, TestApp};
use rocket::http::{ContentType, Header, Method, Status};
use tbseq::db::repo::{IdentityStore, NewUser};

pub(crate) async fn user(app: &TestApp, username: &str, password: &str, staff: bool) -> i64 {
    app.db
        .create_user(&NewUser {
            username: username.into(),
            email: format!("{username}@example.org"),
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            password_hash: Some(tbseq::identity::hash_password(password)),
            is_staff: staff,
            is_superuser: false,
        })
        .await
        .unwrap()
}

pub(crate) fn csrf_of(html: &str) -> String {
    let start = html
        .find("name=\"csrfmiddlewaretoken\" value=\"")
        .unwrap_or_else(|| panic!("no CSRF token in {html}"))
        + "name=\"csrfmiddlewaretoken\" value=\"".len();
    html[start..].split('"').next().unwrap().to_string()
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

pub(crate) async fn post_form(
    app: &TestApp,
    uri: &str,
    pairs: &[(&str, &str)],
    remote: &str,
) -> Reply {
    let mut req = app.client.req(Method::Post, uri.to_string());
    req.add_header(ContentType::Form);
    req.set_remote(remote.parse().unwrap());
    req.set_body(form(pairs));
    common::Reply::read(req.dispatch().await).await
}

/// Signs in through the form, from `remote`; returns the answer to the POST.
pub(crate) async fn sign_in(
    app: &TestApp,
    username: &str,
    password: &str,
    next: &str,
    remote: &str,
) -> Reply {
    let page = app.get("/admin/login/").await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    let csrf = csrf_of(&page.body);
    post_form(
        app,
        "/admin/login/",
        &[
            ("username", username),
            ("password", password),
            ("csrfmiddlewaretoken", &csrf),
            ("next", next),
        ],
        remote,
    )
    .await
}

pub(crate) const HERE: &str = "192.0.2.1:4000";

/// The `Set-Cookie` of the session.
fn session_cookie(reply: &Reply) -> String {
    reply
        .headers
        .iter()
        .find(|(n, v)| n == "set-cookie" && v.starts_with("tbseq_session="))
        .map(|(_, v)| v.clone())
        .expect("a session cookie")
}

pub(crate) async fn sign_out(app: &TestApp) {
    let page = app.get("/admin/").await;
    let csrf = csrf_of(&page.body);
    let reply = post_form(
        app,
        "/admin/logout/",
        &[("csrfmiddlewaretoken", &csrf)],
        HERE,
    )
    .await;
    assert_eq!(reply.status, Status::SeeOther);
}

both_backends! {
    async fn staff_read_the_notification_outbox(app) {
        let reply = app.get("/admin/outbox/").await;
        assert_eq!(reply.status, Status::Found);
        app.db.execute(
            "INSERT INTO notification_outbox (recipient, subject, body, kind, attempts, last_error) \
             VALUES ('ops@example.org', 'Package <b>x</b> has been rejected', 'body', 'package_rejected', 8, 'connection refused')",
            vec![],
        ).await.unwrap();
        user(&app, "bob", "correct horse battery", false).await;
        sign_in(&app, "bob", "correct horse battery", "/admin/", HERE).await;
        assert_eq!(app.get("/admin/outbox/").await.status, Status::Forbidden);
        sign_out(&app).await;
        user(&app, "ada", "correct horse battery", true).await;
        sign_in(&app, "ada", "correct horse battery", "/admin/", HERE).await;
        let page = app.get("/admin/outbox/").await;
        assert_eq!(page.status, Status::Ok);
        assert!(page.body.contains("0 pending, 1 failed, 0 sent."), "{}", page.body);
        assert!(page.body.contains("Package &lt;b&gt;x&lt;/b&gt; has been rejected"));
        assert!(page.body.contains("ops@example.org") && page.body.contains("connection refused"));
        assert!(app.get("/admin/").await.body.contains("/admin/outbox/"));
    }

    async fn a_local_account_signs_in_to_the_admin(app) {
        user(&app, "ada", "correct horse battery", true).await;
        let reply = app.get("/admin/").await;
        assert_eq!(reply.status, Status::Found);
        assert_eq!(reply.header("location"), Some("/admin/login/?next=/admin/"));

        let reply = sign_in(&app, "ada", "correct horse battery", "/admin/", HERE).await;
        assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
        assert_eq!(reply.header("location"), Some("/admin/"));
        let cookie = session_cookie(&reply);
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain http: {cookie}");

        let reply = app.get("/admin/").await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        assert!(reply.body.contains("Ada Lovelace (ada)"), "{}", reply.body);
        assert!(reply.body.contains("action=\"/admin/logout/\""));
        assert!(!reply.body.contains("<script"));
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        // Outside production the session also authenticates the API.
        let reply = app.get("/api/v1/identity/user/").await;
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        assert_eq!(reply.json()["username"], "ada");
        // The session is stored hashed, and last_login is set.
        let row = app.db.query_one("SELECT session_hash FROM identity_session", vec![]).await.unwrap();
        assert_eq!(row.get::<String>(0).unwrap().len(), 64);
        let (ada, _) = app.db.user_with_password("ada").await.unwrap().unwrap();
        assert!(ada.last_login.is_some());
        // Signed in, the login page sends staff on.
        assert_eq!(app.get("/admin/login/?next=/admin/x").await.header("location"), Some("/admin/x"));
    }

    async fn sign_out_ends_the_session(app) {
        user(&app, "ada", "correct horse battery", true).await;
        sign_in(&app, "ada", "correct horse battery", "/admin/", HERE).await;
        let page = app.get("/admin/").await;
        let csrf = csrf_of(&page.body);
        // A forged sign-out (wrong token) is refused.
        let reply = post_form(&app, "/admin/logout/", &[("csrfmiddlewaretoken", "forged")], HERE).await;
        assert_eq!(reply.status, Status::Forbidden);
        assert!(reply.body.contains("CSRF verification failed."));
        assert_eq!(app.get("/admin/").await.status, Status::Ok);
        let reply = post_form(&app, "/admin/logout/", &[("csrfmiddlewaretoken", &csrf)], HERE).await;
        assert_eq!(reply.status, Status::SeeOther);
        assert_eq!(reply.header("location"), Some("/admin/login/"));
        assert_eq!(app.get("/admin/").await.status, Status::Found);
        let sessions: i64 = app.db.query_one("SELECT COUNT(*) FROM identity_session", vec![]).await.unwrap().get(0).unwrap();
        assert_eq!(sessions, 0);
    }

    async fn the_sign_in_form_needs_its_csrf_token(app) {
        user(&app, "ada", "correct horse battery", true).await;
        let reply = post_form(&app, "/admin/login/", &[("username", "ada"), ("password", "correct horse battery")], HERE).await;
        assert_eq!(reply.status, Status::Forbidden);
        assert!(reply.body.contains("CSRF verification failed."));
        app.get("/admin/login/").await;
        let reply = post_form(&app, "/admin/login/", &[("username", "ada"), ("password", "correct horse battery"), ("csrfmiddlewaretoken", "guess")], HERE).await;
        assert_eq!(reply.status, Status::Forbidden);
        assert_eq!(app.get("/admin/").await.status, Status::Found, "not signed in");
    }

    async fn wrong_passwords_are_refused_then_throttled(app) {
        user(&app, "ada", "correct horse battery", true).await;
        user(&app, "bob", "another good password", true).await;
        for _ in 0..5 {
            let reply = sign_in(&app, "ada", "wrong password", "/admin/", HERE).await;
            assert_eq!(reply.status, Status::Unauthorized);
            assert!(reply.body.contains("Please enter a correct username and password."));
        }
        // The account is locked, even for the right password, and from another address.
        for remote in [HERE, "198.51.100.7:4000"] {
            let reply = sign_in(&app, "ada", "correct horse battery", "/admin/", remote).await;
            assert_eq!(reply.status, Status::TooManyRequests, "{}", reply.body);
            assert_eq!(reply.header("retry-after"), Some("900"));
            assert!(reply.body.contains("Too many failed sign-in attempts."));
        }
        // Other accounts are not affected.
        let reply = sign_in(&app, "bob", "another good password", "/admin/", HERE).await;
        assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
        // Only checked attempts are recorded.
        let attempts: i64 = app.db.query_one("SELECT COUNT(*) FROM identity_loginattempt", vec![]).await.unwrap().get(0).unwrap();
        assert_eq!(attempts, 6);
    }

    async fn one_address_trying_many_accounts_is_throttled(app) {
        user(&app, "ada", "correct horse battery", true).await;
        for i in 0..20 {
            let reply = sign_in(&app, &format!("nobody{i}"), "wrong password", "/admin/", HERE).await;
            assert_eq!(reply.status, Status::Unauthorized);
        }
        let reply = sign_in(&app, "ada", "correct horse battery", "/admin/", HERE).await;
        assert_eq!(reply.status, Status::TooManyRequests);
        let reply = sign_in(&app, "ada", "correct horse battery", "/admin/", "198.51.100.7:4000").await;
        assert_eq!(reply.status, Status::SeeOther);
    }

    async fn disabled_users_cannot_sign_in_and_lose_their_session(app) {
        user(&app, "ada", "correct horse battery", true).await;
        sign_in(&app, "ada", "correct horse battery", "/admin/", HERE).await;
        assert_eq!(app.get("/admin/").await.status, Status::Ok);
        assert!(app.db.set_active("ada", false).await.unwrap());
        assert_eq!(app.get("/admin/").await.status, Status::Found);
        app.get("/api/v1/identity/user/").await.assert_error(Status::Unauthorized, "not_authenticated");
        let reply = sign_in(&app, "ada", "correct horse battery", "/admin/", HERE).await;
        assert_eq!(reply.status, Status::Unauthorized);
    }

    async fn non_staff_see_a_notice_and_a_way_out(app) {
        user(&app, "carl", "correct horse battery", false).await;
        let reply = sign_in(&app, "carl", "correct horse battery", "/admin/", HERE).await;
        assert_eq!(reply.status, Status::SeeOther);
        let reply = app.get("/admin/").await;
        assert_eq!(reply.status, Status::Forbidden);
        assert!(reply.body.contains("may not use the administration site"), "{}", reply.body);
        assert!(reply.body.contains("Sign out"));
        assert!(reply.body.contains("csrfmiddlewaretoken"));
    }

    async fn next_only_goes_to_this_site(app) {
        user(&app, "ada", "correct horse battery", true).await;
        for next in ["//evil.example", "https://evil.example", "/\\evil.example", "/\t/evil.example", "javascript:alert(1)"] {
            let reply = sign_in(&app, "ada", "correct horse battery", next, HERE).await;
            assert_eq!(reply.status, Status::SeeOther, "{next}");
            assert_eq!(reply.header("location"), Some("/admin/"), "{next}");
            sign_out(&app).await;
        }
        let reply = sign_in(&app, "ada", "correct horse battery", "/admin/genphen/drug/?q=1", HERE).await;
        assert_eq!(reply.header("location"), Some("/admin/genphen/drug/?q=1"));
        // The login page escapes what it echoes.
        let reply = app.get("/admin/login/?next=/%22%3E%3Cscript%3E").await;
        assert!(!reply.body.contains("\"><script>"));
    }

    async fn sessions_expire_when_idle_and_at_their_limit(app) {
        user(&app, "ada", "correct horse battery", true).await;
        sign_in(&app, "ada", "correct horse battery", "/admin/", HERE).await;
        assert_eq!(app.get("/admin/").await.status, Status::Ok);
        let now = time::OffsetDateTime::now_utc();
        app.db.query("UPDATE identity_session SET last_seen_at = $1", tbseq::params![now - time::Duration::hours(2)]).await.unwrap();
        assert_eq!(app.get("/admin/").await.status, Status::Found, "idle for longer than an hour");

        sign_in(&app, "ada", "correct horse battery", "/admin/", HERE).await;
        assert_eq!(app.get("/admin/").await.status, Status::Ok);
        app.db.query("UPDATE identity_session SET created_at = $1", tbseq::params![now - time::Duration::hours(13)]).await.unwrap();
        assert_eq!(app.get("/admin/").await.status, Status::Found, "older than twelve hours");
    }

    async fn bad_form_input_gets_a_4xx(app) {
        app.get("/admin/login/").await;
        let mut req = app.client.req(Method::Post, "/admin/login/");
        req.add_header(ContentType::JSON);
        req.set_body("{\"username\": 1}");
        let reply = common::Reply::read(req.dispatch().await).await;
        assert!(reply.status.code >= 400 && reply.status.code < 500, "{}", reply.status);
        let mut req = app.client.req(Method::Post, "/admin/logout/");
        req.add_header(Header::new("Content-Type", "application/x-www-form-urlencoded"));
        req.set_body("%%%");
        let reply = common::Reply::read(req.dispatch().await).await;
        assert!(reply.status.code < 500, "{}", reply.status);
    }
}

async fn behind_https(backend: Backend) -> TestApp {
    TestApp::with_config(backend, |c| {
        c.public_url = Some("https://tbseq.example.org".into());
        c.environment = tbseq::config::Environment::Production;
    })
    .await
}

both_backends_with! { behind_https;
    async fn cookies_are_secure_behind_https_and_production_apis_need_tokens(app) {
        user(&app, "ada", "correct horse battery", true).await;
        let reply = sign_in(&app, "ada", "correct horse battery", "/admin/", HERE).await;
        let cookie = session_cookie(&reply);
        assert!(cookie.contains("Secure"), "{cookie}");
        assert_eq!(app.get("/admin/").await.status, Status::Ok);
        // In production the session is for the admin only; the API wants a token.
        app.get("/api/v1/identity/user/").await.assert_error(Status::Unauthorized, "not_authenticated");
    }
}

async fn provider_only(backend: Backend) -> TestApp {
    TestApp::with_config(backend, |c| c.auth.local_login = false).await
}

both_backends_with! { provider_only;
    async fn password_sign_in_can_be_switched_off(app) {
        user(&app, "ada", "correct horse battery", true).await;
        let page = app.get("/admin/login/").await;
        assert_eq!(page.status, Status::Ok);
        assert!(!page.body.contains("type=\"password\""));
        assert!(page.body.contains("No sign-in method is configured"));
        let reply = post_form(&app, "/admin/login/", &[("username", "ada"), ("password", "correct horse battery")], HERE).await;
        assert_eq!(reply.status, Status::Forbidden);
        assert_eq!(app.get("/admin/").await.status, Status::Found);
    }
}
