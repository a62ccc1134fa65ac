//! The real OpenID provider of the tests (panva oidc-provider, `tests/oidc/op.mjs`), started
//! by `scripts/test` (`start_oidc` in `scripts/lib/services.sh`), which exports its issuer.

use serde_json::{json, Value};
use tbseq::config::Config;

use super::{Backend, TestApp};

/// The audience the test provider puts in access tokens.
pub const AUDIENCE: &str = "api://tbseq";
pub const CLIENT_ID: &str = "tbseq";
pub const CLIENT_SECRET: &str = "tbseq-secret";

/// The provider's issuer URL; a clear failure when it is not running, so that these tests
/// never pass by skipping.
pub fn issuer() -> String {
    std::env::var("TBSEQ_TEST_OIDC_ISSUER").unwrap_or_else(|_| {
        panic!(
            "TBSEQ_TEST_OIDC_ISSUER is not set: run scripts/test (it installs and starts the \
             OpenID provider of tests/oidc), or start `node tests/oidc/op.mjs PORT` and export \
             TBSEQ_TEST_OIDC_ISSUER=http://127.0.0.1:PORT"
        )
    })
}

/// Points tbseq at the test provider.
pub fn configure(config: &mut Config) {
    config.oidc.issuer = Some(issuer());
    config.oidc.client_id = Some(CLIENT_ID.into());
    config.oidc.client_secret = Some(CLIENT_SECRET.into());
    config.oidc.audience = vec![AUDIENCE.into()];
    // Many tests share one provider, and one of them rotates its keys: let every app pick
    // up a new key at once. The floor itself is tested with its default.
    config.oidc.jwks_min_refresh_seconds = 0;
}

/// An in-process app that trusts the test provider.
pub async fn app(backend: Backend) -> TestApp {
    TestApp::with_config(backend, configure).await
}

/// A listening app that trusts the test provider (for browser sign-in).
pub async fn live_app(backend: Backend) -> TestApp {
    TestApp::live(backend, configure).await
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Sends a request to the provider and returns one string field of its JSON answer.
async fn field(request: reqwest::RequestBuilder, name: &str) -> String {
    let response: Value = request
        .send()
        .await
        .expect("the OpenID provider answers")
        .json()
        .await
        .unwrap();
    response[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {response}"))
        .to_string()
}

/// An access token from the client-credentials grant (client `svc`, roles `pipelines`).
pub async fn client_credentials() -> String {
    let request = http()
        .post(format!("{}/token", issuer()))
        .basic_auth("svc", Some("svc-secret"))
        .form(&[("grant_type", "client_credentials"), ("scope", "api:read")]);
    field(request, "access_token").await
}

/// A token the provider signs with `key` (`rsa`, `ec`, `foreign` or `public-as-hmac`) and
/// `alg`, with these claims over the defaults (issuer, audience, an expiry in ten minutes;
/// a `null` removes a default).
pub async fn sign(claims: Value, key: &str, alg: &str, kid: Option<&str>) -> String {
    let mut body = json!({"claims": claims, "key": key, "alg": alg});
    if let Some(kid) = kid {
        body["kid"] = json!(kid);
    }
    field(
        http().post(format!("{}/__test/sign", issuer())).json(&body),
        "token",
    )
    .await
}

/// A valid RS256 token for `sub` with these extra claims.
pub async fn token_for(sub: &str, extra: Value) -> String {
    let mut claims = json!({"sub": sub});
    claims
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().cloned().unwrap_or_default());
    sign(claims, "rsa", "RS256", None).await
}

/// Makes the provider sign with a new key; returns its key id.
pub async fn rotate() -> String {
    field(http().post(format!("{}/__test/rotate", issuer())), "kid").await
}

/// The `kid` of a JWT's header.
pub fn kid(token: &str) -> String {
    use base64::Engine;
    let header = token.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    serde_json::from_slice::<Value>(&bytes).unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_string()
}
