//! The OpenID Connect provider: its discovery document and signing keys (fetched on first
//! use, cached, fetched again after `metadata_max_age_seconds`, and on an unknown key id at
//! most once per `jwks_min_refresh_seconds`), access-token validation with jsonwebtoken, and
//! the authorization-code sign-in (PKCE, nonce) with openidconnect.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
    CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde_json::{Map, Value};

use super::http::HttpClient;
use crate::config::OidcConfig;
use crate::domain::identity::may_refetch_keys;

/// The only signature algorithms accepted, for access tokens and ID tokens alike.
pub const ALLOWED_ALGORITHMS: [Algorithm; 4] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::ES256,
];

/// After a failed discovery, callers get the error at once for this long instead of each
/// waiting for the provider again.
const FAILURE_BACKOFF: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, thiserror::Error)]
pub enum OidcError {
    #[error("the token is not valid")]
    InvalidToken,
    #[error("the identity provider cannot be reached: {0}")]
    Unavailable(String),
    #[error("sign-in failed: {0}")]
    Login(String),
}

struct Key {
    decoding: DecodingKey,
    /// The key's own `alg`, when it names one.
    alg: Option<Algorithm>,
}

struct Keys {
    by_kid: HashMap<String, Arc<Key>>,
    /// The key to use for tokens without `kid`, when the set holds exactly one.
    only: Option<Arc<Key>>,
    core: CoreJsonWebKeySet,
    fetched: Instant,
}

impl Keys {
    fn find(&self, kid: Option<&str>) -> Option<Arc<Key>> {
        match kid {
            Some(kid) => self.by_kid.get(kid).cloned(),
            None => self.only.clone(),
        }
    }
}

struct Discovered {
    metadata: CoreProviderMetadata,
    jwks_uri: String,
    end_session: Option<String>,
    fetched: Instant,
}

/// What the browser is sent to, and what must be kept until the callback.
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

pub struct Oidc {
    config: OidcConfig,
    issuer: String,
    http: HttpClient,
    validations: Vec<(Algorithm, Validation)>,
    discovered: RwLock<Option<Arc<Discovered>>>,
    keys: RwLock<Option<Arc<Keys>>>,
    /// One fetch at a time.
    fetching: tokio::sync::Mutex<()>,
    last_failure: Mutex<Option<(Instant, String)>>,
    key_fetches: AtomicU64,
}

fn fetch_error(e: impl std::fmt::Display) -> OidcError {
    OidcError::Unavailable(e.to_string())
}

impl Oidc {
    /// `None` when no provider is configured.
    pub fn new(config: &OidcConfig) -> anyhow::Result<Option<Oidc>> {
        let Some(issuer) = config.issuer_url() else {
            return Ok(None);
        };
        let (issuers, audiences) = (config.issuers(), config.audiences());
        let validations = ALLOWED_ALGORITHMS
            .iter()
            .map(|&alg| {
                let mut v = Validation::new(alg);
                v.leeway = config.leeway;
                v.validate_nbf = true;
                v.set_issuer(&issuers);
                v.set_audience(&audiences);
                v.set_required_spec_claims(&["exp", "iss", "aud"]);
                (alg, v)
            })
            .collect();
        Ok(Some(Oidc {
            config: config.clone(),
            issuer,
            http: HttpClient::new()?,
            validations,
            discovered: RwLock::default(),
            keys: RwLock::default(),
            fetching: tokio::sync::Mutex::new(()),
            last_failure: Mutex::default(),
            key_fetches: AtomicU64::new(0),
        }))
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// How many times the signing keys were fetched (diagnostics and tests).
    pub fn key_fetches(&self) -> u64 {
        self.key_fetches.load(Ordering::Relaxed)
    }

    fn current(&self) -> (Option<Arc<Discovered>>, Option<Arc<Keys>>) {
        let discovered = self.discovered.read().unwrap_or_else(|e| e.into_inner());
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        (discovered.clone(), keys.clone())
    }

    fn fresh(&self, discovered: &Discovered) -> bool {
        discovered.fetched.elapsed() < Duration::from_secs(self.config.metadata_max_age_seconds)
    }

    /// The discovery document and keys, fetched when missing or too old.
    async fn provider(&self) -> Result<(Arc<Discovered>, Arc<Keys>), OidcError> {
        if let (Some(d), Some(k)) = self.current() {
            if self.fresh(&d) {
                return Ok((d, k));
            }
        }
        let _guard = self.fetching.lock().await;
        if let (Some(d), Some(k)) = self.current() {
            if self.fresh(&d) {
                return Ok((d, k));
            }
        }
        if let Some((at, reason)) = &*self.last_failure.lock().unwrap_or_else(|e| e.into_inner()) {
            if at.elapsed() < FAILURE_BACKOFF {
                return Err(OidcError::Unavailable(reason.clone()));
            }
        }
        match self.discover().await {
            Ok((d, k)) => {
                *self.discovered.write().unwrap_or_else(|e| e.into_inner()) = Some(d.clone());
                *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Some(k.clone());
                Ok((d, k))
            }
            Err(e) => {
                tracing::warn!("identity provider {}: {e}", self.issuer);
                *self.last_failure.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((Instant::now(), e.to_string()));
                Err(e)
            }
        }
    }

    async fn discover(&self) -> Result<(Arc<Discovered>, Arc<Keys>), OidcError> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let doc = self.http.get_json(&url).await.map_err(fetch_error)?;
        let metadata: CoreProviderMetadata = serde_json::from_value(doc.clone())
            .map_err(|e| fetch_error(format!("{url}: not a discovery document ({e})")))?;
        if metadata.issuer().as_str() != self.issuer {
            return Err(fetch_error(format!(
                "{url} names the issuer {:?}, not {:?} (set oidc.issuer to exactly that)",
                metadata.issuer().as_str(),
                self.issuer
            )));
        }
        let jwks_uri = metadata.jwks_uri().url().to_string();
        let end_session = doc
            .get("end_session_endpoint")
            .and_then(Value::as_str)
            .map(str::to_string);
        let keys = self.fetch_keys(&jwks_uri).await?;
        Ok((
            Arc::new(Discovered {
                metadata,
                jwks_uri,
                end_session,
                fetched: Instant::now(),
            }),
            keys,
        ))
    }

    async fn fetch_keys(&self, jwks_uri: &str) -> Result<Arc<Keys>, OidcError> {
        self.key_fetches.fetch_add(1, Ordering::Relaxed);
        let doc = self.http.get_json(jwks_uri).await.map_err(fetch_error)?;
        parse_keys(&doc).map(Arc::new).map_err(fetch_error)
    }

    /// Fetches the keys again after `seen` did not hold a key, unless another caller just
    /// did, or the last fetch is more recent than the floor.
    async fn refetch_keys(&self, seen: &Arc<Keys>) -> Result<Arc<Keys>, OidcError> {
        let _guard = self.fetching.lock().await;
        let (discovered, current) = self.current();
        let (Some(discovered), Some(current)) = (discovered, current) else {
            return Err(OidcError::InvalidToken);
        };
        if !Arc::ptr_eq(&current, seen) {
            return Ok(current);
        }
        let floor = Duration::from_secs(self.config.jwks_min_refresh_seconds);
        if !may_refetch_keys(Some(current.fetched.elapsed()), floor) {
            return Ok(current);
        }
        let keys = self.fetch_keys(&discovered.jwks_uri).await?;
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Some(keys.clone());
        Ok(keys)
    }

    /// Fetches the discovery document and keys now (for `tbseq check`); returns how many
    /// signing keys the provider publishes.
    pub async fn check(&self) -> Result<usize, OidcError> {
        let (_, keys) = self.provider().await?;
        Ok(keys.by_kid.len().max(usize::from(keys.only.is_some())))
    }

    /// Validates an access token: an allowed algorithm, a known key, the signature, `iss`,
    /// `aud`, `exp` and `nbf`. Returns its claims.
    pub async fn validate(&self, token: &str) -> Result<Map<String, Value>, OidcError> {
        let header = decode_header(token).map_err(|_| OidcError::InvalidToken)?;
        let validation = self
            .validations
            .iter()
            .find(|(alg, _)| *alg == header.alg)
            .map(|(_, v)| v)
            .ok_or(OidcError::InvalidToken)?;
        let (_, keys) = self.provider().await?;
        let key = match keys.find(header.kid.as_deref()) {
            Some(key) => key,
            None => self
                .refetch_keys(&keys)
                .await?
                .find(header.kid.as_deref())
                .ok_or(OidcError::InvalidToken)?,
        };
        if key.alg.is_some_and(|alg| alg != header.alg) {
            return Err(OidcError::InvalidToken);
        }
        decode::<Map<String, Value>>(token, &key.decoding, validation)
            .map(|data| data.claims)
            .map_err(|_| OidcError::InvalidToken)
    }

    fn client_parts(&self) -> Result<(ClientId, Option<ClientSecret>), OidcError> {
        let id = self
            .config
            .client_id
            .clone()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| OidcError::Login("oidc.client_id is not configured".into()))?;
        Ok((
            ClientId::new(id),
            self.config.client_secret.clone().map(ClientSecret::new),
        ))
    }

    /// Starts an authorization-code sign-in that returns to `redirect_uri`.
    pub async fn authorize(&self, redirect_uri: &str) -> Result<Authorization, OidcError> {
        let (discovered, _) = self.provider().await?;
        let (id, secret) = self.client_parts()?;
        let redirect =
            RedirectUrl::new(redirect_uri.into()).map_err(|e| OidcError::Login(e.to_string()))?;
        let client = CoreClient::from_provider_metadata(discovered.metadata.clone(), id, secret)
            .set_redirect_uri(redirect);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in self.config.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(Authorization {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Finishes a sign-in: exchanges the code (with the PKCE verifier), verifies the ID token
    /// (signature, issuer, audience, expiry, nonce) and returns its claims, completed by those
    /// of the access token when that is a valid token for this API.
    pub async fn complete(
        &self,
        redirect_uri: &str,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<Map<String, Value>, OidcError> {
        let (discovered, keys) = self.provider().await?;
        let (id, secret) = self.client_parts()?;
        let redirect =
            RedirectUrl::new(redirect_uri.into()).map_err(|e| OidcError::Login(e.to_string()))?;
        let client_with = |keys: &Keys| {
            let metadata = discovered.metadata.clone().set_jwks(keys.core.clone());
            CoreClient::from_provider_metadata(metadata, id.clone(), secret.clone())
                .set_redirect_uri(redirect.clone())
        };
        let client = client_with(&keys);
        let response = client
            .exchange_code(AuthorizationCode::new(code.into()))
            .map_err(|e| OidcError::Login(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.into()))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::Login(format!("token request: {e}")))?;
        let id_token = response
            .id_token()
            .ok_or_else(|| OidcError::Login("the provider sent no ID token".into()))?;
        let nonce = Nonce::new(nonce.into());
        let algorithms = vec![
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
            CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        ];
        let verified = id_token
            .claims(
                &client
                    .id_token_verifier()
                    .set_allowed_algs(algorithms.clone()),
                &nonce,
            )
            .map(|_| ());
        if verified.is_err() {
            // Perhaps the provider rotated its keys: fetch them (floor permitting) and retry.
            let keys = self.refetch_keys(&keys).await?;
            let client = client_with(&keys);
            id_token
                .claims(
                    &client.id_token_verifier().set_allowed_algs(algorithms),
                    &nonce,
                )
                .map_err(|e| OidcError::Login(format!("ID token: {e}")))?;
        }
        let raw = serde_json::to_value(id_token)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .ok_or_else(|| OidcError::Login("unreadable ID token".into()))?;
        let mut claims: Map<String, Value> = jsonwebtoken::dangerous::insecure_decode(&raw)
            .map(|d| d.claims)
            .map_err(|_| OidcError::Login("unreadable ID token".into()))?;
        if let Ok(access) = self.validate(response.access_token().secret()).await {
            claims.extend(access);
        }
        Ok(claims)
    }

    /// Where to send the browser to end the provider's session too, if it has such an
    /// endpoint.
    pub async fn end_session_url(&self, post_logout_redirect: &str) -> Option<String> {
        let (discovered, _) = self.provider().await.ok()?;
        let mut url = url::Url::parse(discovered.end_session.as_deref()?).ok()?;
        url.query_pairs_mut()
            .append_pair("post_logout_redirect_uri", post_logout_redirect);
        if let Some(id) = &self.config.client_id {
            url.query_pairs_mut().append_pair("client_id", id);
        }
        Some(url.to_string())
    }
}

/// Reads a JWKS: signature keys only, each with its `kid` and `alg`; keys of unknown types
/// are skipped rather than failing the whole set.
fn parse_keys(doc: &Value) -> Result<Keys, String> {
    let core: CoreJsonWebKeySet =
        serde_json::from_value(doc.clone()).map_err(|e| format!("unreadable key set: {e}"))?;
    let raw = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("the key set has no keys")?;
    let mut by_kid = HashMap::new();
    let mut all = Vec::new();
    for raw in raw {
        let Ok(jwk) = serde_json::from_value::<Jwk>(raw.clone()) else {
            continue;
        };
        if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
            continue;
        }
        let alg = match &jwk.common.key_algorithm {
            None => None,
            Some(a) => match Algorithm::from_str(&format!("{a:?}")) {
                Ok(alg) => Some(alg),
                Err(_) => continue,
            },
        };
        let Ok(decoding) = DecodingKey::from_jwk(&jwk) else {
            continue;
        };
        let key = Arc::new(Key { decoding, alg });
        if let Some(kid) = &jwk.common.key_id {
            by_kid.insert(kid.clone(), key.clone());
        }
        all.push(key);
    }
    let only = if all.len() == 1 { all.pop() } else { None };
    Ok(Keys {
        by_kid,
        only,
        core,
        fetched: Instant::now(),
    })
}
