//! Who is calling: provider access tokens, personal API tokens, browser sessions and local
//! passwords. Uses the repositories for storage and [`crate::domain::identity`] for the
//! rules; knows nothing of HTTP.
//!
//! Authenticated bearer tokens are cached by their SHA-256: a provider token's signature is
//! checked once, and its user is read again whenever this process wrote to the database or
//! [`crate::cache::MAX_AGE`] passed (so that a user disabled by another process is refused
//! within that bound).

pub mod http;
pub mod oidc;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};
use std::time::{Duration, Instant};

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use time::OffsetDateTime;

use crate::cache::MAX_AGE;
use crate::config::{Config, Environment};
use crate::db::repo::{ExternalUser, IdentityStore, NewUser, SessionRecord};
use crate::db::{Db, DbError};
use crate::domain::identity::{
    digest, generate_password, hash_secret, identity_from_claims, is_api_token, new_api_token,
    random_secret, throttle, ExternalIdentity, SessionPolicy, Throttle, ThrottlePolicy, User,
    INVALID_TOKEN, USER_INACTIVE,
};
use oidc::{Oidc, OidcError};

/// Why a bearer token was refused.
#[derive(Debug)]
pub enum AuthError {
    /// 401 `authentication_failed` with this message.
    Failed(&'static str),
    /// The provider could not be reached to check the token.
    Unavailable,
    Db(DbError),
}

impl From<DbError> for AuthError {
    fn from(e: DbError) -> Self {
        AuthError::Db(e)
    }
}

/// Why a password sign-in was refused.
#[derive(Debug)]
pub enum LoginError {
    Invalid,
    Throttled { retry_after: u64 },
    Db(DbError),
}

impl From<DbError> for LoginError {
    fn from(e: DbError) -> Self {
        LoginError::Db(e)
    }
}

#[derive(Clone)]
enum Verified {
    Jwt(Arc<ExternalIdentity>),
    ApiToken,
}

struct Entry {
    verified: Verified,
    /// Unix time after which the credential itself is no longer valid.
    valid_until: i64,
    user: Arc<User>,
    generation: u64,
    filled: Instant,
}

/// Most entries kept before the cache is swept.
const CACHE_LIMIT: usize = 10_000;

#[derive(Default)]
struct TokenCache {
    entries: RwLock<HashMap<[u8; 32], Entry>>,
}

enum Cached {
    User(Arc<User>),
    /// Checked before (until the given time), but the user must be read again.
    Verified(Verified, i64),
    Miss,
}

impl TokenCache {
    fn get(&self, key: &[u8; 32], generation: u64, now: i64) -> Cached {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        match entries.get(key) {
            Some(e) if now < e.valid_until => {
                if e.generation == generation && e.filled.elapsed() < MAX_AGE {
                    Cached::User(e.user.clone())
                } else {
                    Cached::Verified(e.verified.clone(), e.valid_until)
                }
            }
            _ => Cached::Miss,
        }
    }

    fn put(&self, key: [u8; 32], entry: Entry, now: i64) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CACHE_LIMIT {
            entries.retain(|_, e| now < e.valid_until);
            if entries.len() >= CACHE_LIMIT {
                entries.clear();
            }
        }
        entries.insert(key, entry);
    }
}

/// A new browser session: the cookie value (shown once) and its CSRF token.
pub struct NewSession {
    pub secret: String,
    pub csrf_token: String,
    pub lifetime: Duration,
}

pub struct Identity {
    db: Db,
    pub oidc: Option<Oidc>,
    role_claim: String,
    admin_role: String,
    leeway: i64,
    pub local_login: bool,
    pub sessions: SessionPolicy,
    pub throttling: ThrottlePolicy,
    cache: TokenCache,
}

impl Identity {
    pub fn new(config: &Config, db: Db) -> anyhow::Result<Identity> {
        Ok(Identity {
            db,
            oidc: Oidc::new(&config.oidc)?,
            role_claim: config.oidc.role_claim.clone(),
            admin_role: config.oidc.admin_role.clone(),
            leeway: config.oidc.leeway as i64,
            local_login: config.auth.local_login,
            sessions: SessionPolicy {
                idle: Duration::from_secs(config.auth.session_idle_minutes * 60),
                absolute: Duration::from_secs(config.auth.session_max_hours * 3600),
            },
            throttling: ThrottlePolicy::default(),
            cache: TokenCache::default(),
        })
    }

    /// The claims of a verified token as a user, or why not.
    pub fn identity(
        &self,
        claims: &serde_json::Map<String, serde_json::Value>,
    ) -> Option<ExternalIdentity> {
        identity_from_claims(claims, &self.role_claim, &self.admin_role)
    }

    /// Finds or creates the user for a provider identity.
    pub async fn external_user(&self, identity: &ExternalIdentity) -> Result<User, AuthError> {
        match self.db.upsert_external_user(identity).await? {
            ExternalUser::User(user) => Ok(*user),
            ExternalUser::UsernameTaken => {
                tracing::warn!(
                    "refused a token from {} for {:?}: a local account or another \
                     provider's user already has that username",
                    identity.issuer,
                    identity.subject
                );
                Err(AuthError::Failed(INVALID_TOKEN))
            }
        }
    }

    /// The user behind `Authorization: Bearer <token>`: a personal API token or a provider
    /// access token.
    pub async fn authenticate_bearer(&self, token: &str) -> Result<Arc<User>, AuthError> {
        let key = digest(token);
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let known = match self.cache.get(&key, self.db.write_generation(), now) {
            Cached::User(user) => return active(user),
            Cached::Verified(verified, until) => Some((verified, until)),
            Cached::Miss => None,
        };
        let (verified, user, valid_until) = match known {
            Some((Verified::Jwt(identity), until)) => {
                let user = self.external_user(&identity).await?;
                (Verified::Jwt(identity), user, until)
            }
            _ if is_api_token(token) => {
                let (user, until) = self.api_token_user(token).await?;
                (Verified::ApiToken, user, until)
            }
            _ => {
                let (identity, until) = self.verify_jwt(token).await?;
                let user = self.external_user(&identity).await?;
                (Verified::Jwt(Arc::new(identity)), user, until)
            }
        };
        let user = Arc::new(user);
        self.cache.put(
            key,
            Entry {
                verified,
                valid_until,
                user: user.clone(),
                generation: self.db.write_generation(),
                filled: Instant::now(),
            },
            now,
        );
        active(user)
    }

    async fn verify_jwt(&self, token: &str) -> Result<(ExternalIdentity, i64), AuthError> {
        let Some(oidc) = &self.oidc else {
            return Err(AuthError::Failed(INVALID_TOKEN));
        };
        let claims = oidc.validate(token).await.map_err(|e| match e {
            OidcError::Unavailable(_) => AuthError::Unavailable,
            _ => AuthError::Failed(INVALID_TOKEN),
        })?;
        let exp = claims
            .get("exp")
            .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
            .ok_or(AuthError::Failed(INVALID_TOKEN))?;
        let identity = self
            .identity(&claims)
            .ok_or(AuthError::Failed(INVALID_TOKEN))?;
        Ok((identity, exp.saturating_add(self.leeway)))
    }

    async fn api_token_user(&self, token: &str) -> Result<(User, i64), AuthError> {
        let owner = self
            .db
            .api_token_owner(&hash_secret(token))
            .await?
            .ok_or(AuthError::Failed(INVALID_TOKEN))?;
        let now = OffsetDateTime::now_utc();
        if owner.revoked_at.is_some() || owner.expires_at.is_some_and(|e| e <= now) {
            return Err(AuthError::Failed(INVALID_TOKEN));
        }
        if owner
            .last_used_at
            .is_none_or(|t| now - t > time::Duration::minutes(1))
        {
            self.db.touch_api_token(owner.token_id, now).await?;
        }
        let until = owner.expires_at.map_or(i64::MAX, |e| e.unix_timestamp());
        Ok((owner.user, until))
    }

    /// Starts a browser session for a user who just signed in.
    pub async fn start_session(
        &self,
        user: &User,
        user_agent: Option<&str>,
        address: Option<&str>,
    ) -> Result<NewSession, DbError> {
        let now = OffsetDateTime::now_utc();
        let _ = self.db.purge_expired(now).await;
        let secret = random_secret();
        let csrf_token = random_secret();
        let agent = user_agent.map(|a| a.chars().take(300).collect::<String>());
        self.db
            .create_session(
                &hash_secret(&secret),
                user.id,
                &csrf_token,
                now,
                now + self.sessions.absolute,
                agent.as_deref(),
                address,
            )
            .await?;
        self.db.record_login(user.id, now).await?;
        Ok(NewSession {
            secret,
            csrf_token,
            lifetime: self.sessions.absolute,
        })
    }

    /// The signed-in, active user of a session cookie, if the session is still live.
    pub async fn session_user(
        &self,
        secret: &str,
    ) -> Result<Option<(User, SessionRecord)>, DbError> {
        let hash = hash_secret(secret);
        let Some(session) = self.db.session(&hash).await? else {
            return Ok(None);
        };
        let now = OffsetDateTime::now_utc();
        if now >= session.expires_at
            || !self
                .sessions
                .is_live(session.created_at, session.last_seen_at, now)
        {
            self.db.delete_session(&hash).await?;
            return Ok(None);
        }
        let Some(user) = self.db.user(session.user_id).await? else {
            return Ok(None);
        };
        if !user.is_active {
            return Ok(None);
        }
        if self.sessions.needs_touch(session.last_seen_at, now) {
            self.db.touch_session(session.id, now).await?;
        }
        Ok(Some((user, session)))
    }

    pub async fn end_session(&self, secret: &str) -> Result<(), DbError> {
        self.db.delete_session(&hash_secret(secret)).await
    }

    /// Checks a local password, with throttling per username and per address. Every
    /// checked attempt is recorded; a throttled one is refused without checking.
    pub async fn password_login(
        &self,
        username: &str,
        password: &str,
        address: &str,
    ) -> Result<User, LoginError> {
        let username: String = username.chars().take(150).collect();
        let now = OffsetDateTime::now_utc();
        let since = now - self.throttling.window;
        let (account, from_address) = self.db.recent_failures(&username, address, since).await?;
        if let Throttle::Blocked { retry_after } = throttle(&self.throttling, account, from_address)
        {
            return Err(LoginError::Throttled { retry_after });
        }
        let found = self.db.user_with_password(&username).await?;
        let (user, hash) = match found {
            Some((user, Some(hash))) => (Some(user), hash),
            // Same work for unknown users and users without a password.
            _ => (None, DUMMY_HASH.clone()),
        };
        let password = password.to_string();
        let matches = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
            .await
            .unwrap_or(false);
        let user = user.filter(|u| matches && u.is_active);
        self.db
            .record_login_attempt(&username, address, user.is_some(), now)
            .await?;
        user.ok_or(LoginError::Invalid)
    }
}

fn active(user: Arc<User>) -> Result<Arc<User>, AuthError> {
    if user.is_active {
        Ok(user)
    } else {
        Err(AuthError::Failed(USER_INACTIVE))
    }
}

/// A hash checked when the user has none, so that unknown usernames take as long.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password(&random_secret()));

/// An argon2id PHC string (argon2 crate defaults: 19 MiB, 2 passes, 1 lane).
pub fn hash_password(password: &str) -> String {
    let salt =
        SaltString::encode_b64(&rand::random::<[u8; 16]>()).expect("16 bytes make a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters cannot fail")
        .to_string()
}

/// Checks a password against a PHC string (constant time inside argon2).
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Outside production, on a database without users, creates the superuser `admin` with a
/// generated password and returns it (to be shown once). Otherwise `None`.
pub async fn ensure_first_admin(
    db: &Db,
    environment: Environment,
) -> Result<Option<String>, DbError> {
    if environment == Environment::Production || db.count_users().await? > 0 {
        return Ok(None);
    }
    let password = generate_password();
    let hash = {
        let password = password.clone();
        tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| DbError::Query(e.to_string()))?
    };
    let admin = NewUser {
        username: "admin".into(),
        email: String::new(),
        first_name: String::new(),
        last_name: String::new(),
        password_hash: Some(hash),
        is_staff: true,
        is_superuser: true,
    };
    match db.create_user(&admin).await {
        Ok(_) => Ok(Some(password)),
        // Another process created users in the meantime.
        Err(DbError::Conflict(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The original's sample users (`postmigrate` outside production): user, alice, john and the
/// superuser admin, all with the password `123123`. Existing users are left alone. Returns
/// (username, email, created).
pub async fn seed_sample_users(db: &Db) -> Result<Vec<(String, String, bool)>, DbError> {
    let hash = tokio::task::spawn_blocking(|| hash_password(SAMPLE_PASSWORD))
        .await
        .map_err(|e| DbError::Query(e.to_string()))?;
    let mut report = Vec::new();
    for (username, first, last, admin) in [
        ("user", "User", "Name", false),
        ("alice", "Alice", "Baxter", false),
        ("john", "John", "Tailor", false),
        ("admin", "", "", true),
    ] {
        let email = format!("{username}@example.com");
        let user = NewUser {
            username: username.into(),
            email: email.clone(),
            first_name: first.into(),
            last_name: last.into(),
            password_hash: Some(hash.clone()),
            is_staff: admin,
            is_superuser: admin,
        };
        let created = match db.create_user(&user).await {
            Ok(_) => true,
            Err(DbError::Conflict(_)) => false,
            Err(e) => return Err(e),
        };
        report.push((username.to_string(), email, created));
    }
    Ok(report)
}

/// The sample users' password, as in the original.
pub const SAMPLE_PASSWORD: &str = "123123";

/// Creates a personal API token for a user; returns its id and the token (shown once).
pub async fn create_api_token(
    db: &Db,
    user_id: i64,
    name: &str,
    expires_in_days: Option<u32>,
) -> Result<(i64, String), DbError> {
    let token = new_api_token();
    let now = OffsetDateTime::now_utc();
    let expires = expires_in_days.map(|d| now + time::Duration::days(d.into()));
    let id = db
        .create_api_token(user_id, name, &hash_secret(&token), now, expires)
        .await?;
    Ok((id, token))
}
