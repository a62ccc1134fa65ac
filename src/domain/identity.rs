//! Identity rules with neither HTTP nor SQL: the `Authorization` header, mapping a provider's
//! claims onto a user, password policy, same-origin redirect targets, login throttling,
//! session expiry, and the shape of secrets (API tokens, session ids) and their hashes.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

/// The header messages of the original (django_auth_adfs), word for word.
pub const NO_CREDENTIALS: &str = "Invalid authorization header. No credentials provided.";
pub const TOKEN_HAS_SPACES: &str =
    "Invalid authorization header. Access token should not contain spaces.";
pub const INVALID_TOKEN: &str = "Invalid access token.";
pub const USER_INACTIVE: &str = "User inactive or deleted.";
pub const NOT_AUTHENTICATED: &str = "Authentication credentials were not provided.";
pub const PERMISSION_DENIED: &str = "You do not have permission to perform this action.";

/// Where `next` goes when it is missing or not a same-origin path.
pub const DEFAULT_NEXT: &str = "/admin/";

/// A user as the rest of tbseq sees it (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    /// Group names, sorted.
    pub groups: Vec<String>,
    pub date_joined: OffsetDateTime,
    pub last_login: Option<OffsetDateTime>,
    pub external_issuer: Option<String>,
    pub external_subject: Option<String>,
}

/// `GET /api/v1/identity/user/`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub groups: Vec<String>,
}

impl From<&User> for UserProfile {
    fn from(u: &User) -> Self {
        UserProfile {
            username: u.username.clone(),
            email: u.email.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            is_staff: u.is_staff,
            is_superuser: u.is_superuser,
            groups: u.groups.clone(),
        }
    }
}

/// What an `Authorization` header asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials<'a> {
    /// No header, or another scheme (`Basic …`): the request is anonymous.
    None,
    Bearer(&'a str),
    /// A `Bearer` header that cannot be read; the message is the original's.
    Malformed(&'static str),
}

/// Reads an `Authorization` header the way django_auth_adfs does: the scheme is
/// case-insensitive, other schemes are ignored, and the token is one word.
pub fn parse_authorization(header: Option<&str>) -> Credentials<'_> {
    let Some(header) = header else {
        return Credentials::None;
    };
    let mut words = header.split_whitespace();
    match words.next() {
        Some(scheme) if scheme.eq_ignore_ascii_case("bearer") => {}
        _ => return Credentials::None,
    }
    match (words.next(), words.next()) {
        (None, _) => Credentials::Malformed(NO_CREDENTIALS),
        (Some(_), Some(_)) => Credentials::Malformed(TOKEN_HAS_SPACES),
        (Some(token), None) => Credentials::Bearer(token),
    }
}

/// A user as a provider describes it in a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalIdentity {
    pub issuer: String,
    /// `oid` when present (Entra ID), else `sub`; also the username.
    pub subject: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// The role claim's values, sorted and deduplicated; mirrored into groups.
    pub roles: Vec<String>,
    /// Whether the roles hold the admin role: staff and superuser.
    pub is_admin: bool,
}

/// Longest username, as Django's `auth_user.username`.
pub const MAX_USERNAME: usize = 150;

/// Maps verified claims onto a user: username from `oid`, else `sub`; names and email from
/// `given_name`, `family_name`, `email`; roles from `role_claim` (a string or a list of
/// strings); staff and superuser when the roles hold `admin_role`.
pub fn identity_from_claims(
    claims: &Map<String, Value>,
    role_claim: &str,
    admin_role: &str,
) -> Option<ExternalIdentity> {
    let text = |key: &str| {
        claims
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let issuer = text("iss")?;
    let subject = text("oid").or_else(|| text("sub"))?;
    if subject.chars().count() > MAX_USERNAME || subject.chars().any(char::is_control) {
        return None;
    }
    let mut roles: Vec<String> = match claims.get(role_claim) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    roles.retain(|r| !r.trim().is_empty() && r.chars().count() <= 150);
    roles.sort();
    roles.dedup();
    let is_admin = roles.iter().any(|r| r == admin_role);
    Some(ExternalIdentity {
        issuer,
        subject,
        email: text("email"),
        first_name: text("given_name"),
        last_name: text("family_name"),
        roles,
        is_admin,
    })
}

/// Whether a stored user already matches what the provider says, so that nothing needs
/// writing.
pub fn identity_matches(user: &User, id: &ExternalIdentity) -> bool {
    let same = |stored: &str, claimed: &Option<String>| match claimed {
        Some(c) => stored == c,
        None => true,
    };
    user.username == id.subject
        && same(&user.email, &id.email)
        && same(&user.first_name, &id.first_name)
        && same(&user.last_name, &id.last_name)
        && user.is_staff == id.is_admin
        && user.is_superuser == id.is_admin
        && user.groups == id.roles
}

/// `next` if it is a path on this site, else `/admin/`. Anything a browser could read as
/// another origin is refused: `//host`, `/\host`, schemes, backslashes, whitespace and
/// control characters (browsers drop tabs and newlines inside URLs).
pub fn safe_next(next: Option<&str>) -> String {
    let Some(next) = next else {
        return DEFAULT_NEXT.into();
    };
    let acceptable = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2000
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    if acceptable {
        next.to_string()
    } else {
        DEFAULT_NEXT.into()
    }
}

/// Minimum length of a local password (Django's default validator).
pub const MIN_PASSWORD_LENGTH: usize = 8;

const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "12345678",
    "123456789",
    "1234567890",
    "qwertyui",
    "qwerty123",
    "iloveyou",
    "admin123",
    "welcome1",
    "letmein1",
    "changeme",
    "abc12345",
    "passw0rd",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "trustno1",
    "administrator",
];

/// Checks a new local password with Django's default rules; the errors are Django's texts.
pub fn check_password(password: &str, username: &str) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    if password.chars().count() < MIN_PASSWORD_LENGTH {
        errors.push(format!(
            "This password is too short. It must contain at least {MIN_PASSWORD_LENGTH} characters."
        ));
    }
    if !password.is_empty() && password.chars().all(|c| c.is_ascii_digit()) {
        errors.push("This password is entirely numeric.".into());
    }
    let lower = password.to_lowercase();
    if !username.is_empty()
        && (lower == username.to_lowercase() || lower.contains(&username.to_lowercase()))
    {
        errors.push("The password is too similar to the username.".into());
    }
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        errors.push("This password is too common.".into());
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Checks a username for local accounts: 1–150 characters of letters, digits and `@.+-_`
/// (Django's rule).
pub fn check_username(username: &str) -> Result<(), String> {
    let ok = !username.is_empty()
        && username.chars().count() <= MAX_USERNAME
        && username
            .chars()
            .all(|c| c.is_alphanumeric() || "@.+-_".contains(c));
    if ok {
        Ok(())
    } else {
        Err("Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.".into())
    }
}

/// Limits on failed sign-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub window: Duration,
    /// Failures for one username within the window before it is locked.
    pub per_account: u32,
    /// Failures from one address within the window before it is locked.
    pub per_address: u32,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            window: Duration::from_secs(15 * 60),
            per_account: 5,
            per_address: 20,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    Allowed,
    /// Try again after this many seconds.
    Blocked {
        retry_after: u64,
    },
}

/// Whether another sign-in attempt may be checked, given the recent failures for the
/// username and for the address.
pub fn throttle(policy: &ThrottlePolicy, account_failures: u64, address_failures: u64) -> Throttle {
    if account_failures >= u64::from(policy.per_account)
        || address_failures >= u64::from(policy.per_address)
    {
        Throttle::Blocked {
            retry_after: policy.window.as_secs(),
        }
    } else {
        Throttle::Allowed
    }
}

/// Session lifetime rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Ends a session unused for this long.
    pub idle: Duration,
    /// Ends every session this long after sign-in.
    pub absolute: Duration,
}

impl SessionPolicy {
    pub fn is_live(
        &self,
        created: OffsetDateTime,
        last_seen: OffsetDateTime,
        now: OffsetDateTime,
    ) -> bool {
        now < created + self.absolute && now < last_seen + self.idle
    }

    /// Whether `last_seen` is old enough to be worth a write (at most one a minute).
    pub fn needs_touch(&self, last_seen: OffsetDateTime, now: OffsetDateTime) -> bool {
        let idle = time::Duration::try_from(self.idle / 4).unwrap_or(time::Duration::MAX);
        now - last_seen >= time::Duration::seconds(60).min(idle)
    }
}

/// Whether the signing keys may be fetched again now, given the last fetch: an unknown key
/// triggers a fetch at most once per `floor`, so a flood of forged tokens cannot turn into a
/// flood of requests to the provider.
pub fn may_refetch_keys(since_last_fetch: Option<Duration>, floor: Duration) -> bool {
    since_last_fetch.is_none_or(|elapsed| elapsed >= floor)
}

/// Prefix of tbseq's personal API tokens (JWTs never start with it).
pub const API_TOKEN_PREFIX: &str = "tbseq_";

/// 256 random bits, base64url without padding.
pub fn random_secret() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// A new personal API token: `tbseq_` and 256 random bits.
pub fn new_api_token() -> String {
    format!("{API_TOKEN_PREFIX}{}", random_secret())
}

pub fn is_api_token(token: &str) -> bool {
    token.starts_with(API_TOKEN_PREFIX)
}

/// SHA-256 of a secret, in hex: what is stored for tokens, sessions and login states.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The raw SHA-256 of a secret, for in-memory cache keys.
pub fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A random password for a generated account: 20 letters and digits (~119 bits).
pub fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn authorization_headers_follow_the_original() {
        assert_eq!(parse_authorization(None), Credentials::None);
        assert_eq!(parse_authorization(Some("Basic abc")), Credentials::None);
        assert_eq!(parse_authorization(Some("Token abc")), Credentials::None);
        assert_eq!(
            parse_authorization(Some("Bearer")),
            Credentials::Malformed(NO_CREDENTIALS)
        );
        assert_eq!(
            parse_authorization(Some("bearer a b")),
            Credentials::Malformed(TOKEN_HAS_SPACES)
        );
        assert_eq!(
            parse_authorization(Some("BEARER x.y.z")),
            Credentials::Bearer("x.y.z")
        );
    }

    fn claims(value: serde_json::Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn claims_map_onto_a_user() {
        let id = identity_from_claims(
            &claims(
                json!({"iss": "https://op", "sub": "s1", "oid": "o1", "email": "a@x",
                "given_name": "A", "family_name": "B", "roles": ["admins", "readers", "admins"]}),
            ),
            "roles",
            "admins",
        )
        .unwrap();
        assert_eq!(id.subject, "o1");
        assert_eq!(id.roles, vec!["admins", "readers"]);
        assert!(id.is_admin);
        assert_eq!(id.first_name.as_deref(), Some("A"));

        let id = identity_from_claims(
            &claims(json!({"iss": "https://op", "sub": "s1", "groups": "x"})),
            "groups",
            "admins",
        )
        .unwrap();
        assert_eq!(id.subject, "s1");
        assert_eq!(id.roles, vec!["x"]);
        assert!(!id.is_admin && id.email.is_none());

        assert!(identity_from_claims(&claims(json!({"iss": "i"})), "roles", "admins").is_none());
        assert!(identity_from_claims(&claims(json!({"sub": "s"})), "roles", "admins").is_none());
    }

    #[test]
    fn next_stays_on_this_site() {
        for bad in [
            "//evil",
            "https://evil",
            "/\\evil",
            "\\\\evil",
            "/\t/evil",
            "evil",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/admin/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/admin/");
        assert_eq!(safe_next(Some("/admin/x?y=1")), "/admin/x?y=1");
    }

    #[test]
    fn passwords_follow_django_rules() {
        assert!(check_password("correct horse battery", "alice").is_ok());
        let errors = check_password("1234567", "alice").unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(check_password("alice2024!", "alice").is_err());
        assert!(check_password("password", "bob").is_err());
        assert!(check_username("alice.b@x").is_ok());
        assert!(check_username("a b").is_err());
        assert!(check_username("").is_err());
    }

    #[test]
    fn throttling_counts_account_and_address() {
        let p = ThrottlePolicy::default();
        assert_eq!(throttle(&p, 4, 19), Throttle::Allowed);
        assert!(matches!(throttle(&p, 5, 0), Throttle::Blocked { .. }));
        assert!(matches!(throttle(&p, 0, 20), Throttle::Blocked { .. }));
    }

    #[test]
    fn key_refetch_has_a_floor() {
        let floor = Duration::from_secs(30);
        assert!(may_refetch_keys(None, floor));
        assert!(!may_refetch_keys(Some(Duration::from_secs(5)), floor));
        assert!(may_refetch_keys(Some(Duration::from_secs(30)), floor));
    }

    #[test]
    fn sessions_expire_idle_and_absolute() {
        let p = SessionPolicy {
            idle: Duration::from_secs(3600),
            absolute: Duration::from_secs(8 * 3600),
        };
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let h = time::Duration::hours(1);
        assert!(p.is_live(t0, t0, t0 + h / 2));
        assert!(!p.is_live(t0, t0, t0 + h * 2), "idle");
        assert!(!p.is_live(t0, t0 + h * 8, t0 + h * 8), "absolute");
        assert!(!p.needs_touch(t0, t0 + time::Duration::seconds(10)));
        assert!(p.needs_touch(t0, t0 + time::Duration::seconds(61)));
    }

    #[test]
    fn secrets_have_their_shape() {
        let t = new_api_token();
        assert!(is_api_token(&t) && t.len() == 6 + 43);
        assert_ne!(t, new_api_token());
        assert_eq!(hash_secret("x").len(), 64);
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("a", "ab"));
        let p = generate_password();
        assert_eq!(p.len(), 20);
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;"
        );
    }
}
