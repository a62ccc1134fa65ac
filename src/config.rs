//! Configuration: built-in defaults ← TOML file (`Rocket.toml` or `--config` / `TBSEQ_CONFIG`)
//! ← `TBSEQ_*` environment variables (`__` separates nesting levels, e.g. `TBSEQ_STORAGE__KIND`).
//!
//! Figment keeps the provenance of every value, which `tbseq config` and the admin diagnostics
//! page show next to the (redacted) value.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::{Figment, Profile};
use serde::{Deserialize, Serialize};

/// Keys whose values are never printed.
const SECRET_KEYS: &[&str] = &[
    "secret_key",
    "metrics_token",
    "storage.s3.secret_access_key",
    "oidc.client_secret",
    "mail.smtp_url",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    #[default]
    Production,
    Development,
    Testing,
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Environment::Production => "production",
            Environment::Development => "development",
            Environment::Testing => "testing",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    #[default]
    Local,
    S3,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct S3Config {
    pub bucket: String,
    pub region: String,
    pub endpoint: Option<String>,
    pub path_style: bool,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    pub kind: StorageKind,
    /// Folder of the local store; `<data_dir>/files` when unset.
    pub local_dir: Option<PathBuf>,
    pub s3: S3Config,
    /// Largest FASTQ upload the local store receives, in bytes (default 50 GiB).
    pub upload_max_bytes: Option<u64>,
    /// Uploads no larger than this are checked within the fetch request; larger ones are
    /// accepted (202) and checked in the background (default 1 GiB).
    pub inline_check_max_bytes: Option<u64>,
    /// Temporary uploads never fetched are removed after this many hours (default 24).
    pub temporary_max_age_hours: Option<u64>,
    /// Lifetime of upload and download links, in seconds (default 3600, as S3 presigning).
    pub link_seconds: Option<u64>,
}

impl StorageConfig {
    pub fn upload_max_bytes(&self) -> u64 {
        self.upload_max_bytes.unwrap_or(50 << 30)
    }
    pub fn inline_check_max_bytes(&self) -> u64 {
        self.inline_check_max_bytes.unwrap_or(1 << 30)
    }
    pub fn temporary_max_age_hours(&self) -> u64 {
        self.temporary_max_age_hours.unwrap_or(24)
    }
    pub fn link_seconds(&self) -> u64 {
        self.link_seconds.unwrap_or(3600)
    }
}

/// An OpenID Connect provider (Entra ID, Keycloak, Authentik, …) whose access tokens the API
/// accepts and through which the admin UI signs in. Unset issuer and tenant: no provider.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OidcConfig {
    /// Issuer URL, exactly as the provider's discovery document spells it
    /// (`https://login.example.org/realms/tb`).
    pub issuer: Option<String>,
    /// Entra ID tenant id: sets the issuer to `https://login.microsoftonline.com/<tenant>/v2.0`
    /// and also accepts v1 tokens (`https://sts.windows.net/<tenant>/`).
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    /// For the browser sign-in (authorization code flow).
    pub client_secret: Option<String>,
    /// Accepted `aud` values of access tokens; default the client id and `api://<client id>`.
    pub audience: Vec<String>,
    /// Claim holding the user's roles (mirrored into groups).
    pub role_claim: String,
    /// The role that makes a user staff and superuser.
    pub admin_role: String,
    /// Clock leeway for `exp` and `nbf`, in seconds.
    pub leeway: u64,
    /// Scopes asked for in the browser sign-in.
    pub scopes: Vec<String>,
    /// An unknown key id refetches the provider's keys at most once per this many seconds.
    pub jwks_min_refresh_seconds: u64,
    /// The discovery document and keys are fetched again after this many seconds.
    pub metadata_max_age_seconds: u64,
}

impl Default for OidcConfig {
    fn default() -> Self {
        OidcConfig {
            issuer: None,
            tenant_id: None,
            client_id: None,
            client_secret: None,
            audience: Vec::new(),
            role_claim: "roles".into(),
            admin_role: "admins".into(),
            leeway: 0,
            scopes: vec!["openid".into(), "email".into(), "profile".into()],
            jwks_min_refresh_seconds: 60,
            metadata_max_age_seconds: 24 * 3600,
        }
    }
}

impl OidcConfig {
    /// Whether a provider is configured.
    pub fn enabled(&self) -> bool {
        self.issuer.is_some() || self.tenant_id.is_some()
    }

    /// The issuer URL discovery starts from.
    pub fn issuer_url(&self) -> Option<String> {
        match (&self.issuer, &self.tenant_id) {
            (Some(issuer), _) => Some(issuer.clone()),
            (None, Some(tenant)) => {
                Some(format!("https://login.microsoftonline.com/{tenant}/v2.0"))
            }
            (None, None) => None,
        }
    }

    /// Every accepted `iss` value.
    pub fn issuers(&self) -> Vec<String> {
        let mut all: Vec<String> = self.issuer_url().into_iter().collect();
        if let Some(tenant) = &self.tenant_id {
            all.push(format!("https://sts.windows.net/{tenant}/"));
        }
        all
    }

    /// Every accepted `aud` value.
    pub fn audiences(&self) -> Vec<String> {
        if !self.audience.is_empty() {
            return self.audience.clone();
        }
        match &self.client_id {
            Some(id) => vec![id.clone(), format!("api://{id}")],
            None => Vec::new(),
        }
    }
}

/// Notification e-mails (package transitions, messages): queued in the database and
/// delivered by a background worker, over SMTP or as `.eml` files.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// The `From:` of every e-mail (the original's `DEFAULT_FROM_EMAIL`).
    pub from: String,
    /// `smtp://host:25`, `smtps://user:pass@host:465`, `smtp://host:587?tls=required`
    /// (STARTTLS) or `?tls=opportunistic`. May hold a password: never printed. Unset: e-mails
    /// are written as files into `eml_dir` instead.
    pub smtp_url: Option<String>,
    /// Folder of the `.eml` files when no SMTP server is set; `<data_dir>/outbox` when unset.
    pub eml_dir: Option<PathBuf>,
    /// The worker looks for due e-mails this often (it is also woken after each change).
    pub poll_seconds: u64,
    /// An e-mail that failed this many times is kept, with its last error, and not retried.
    pub max_attempts: u32,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            from: "tbseq <noreply@localhost>".into(),
            smtp_url: None,
            eml_dir: None,
            poll_seconds: 5,
            max_attempts: 8,
        }
    }
}

impl fmt::Debug for MailConfig {
    // The SMTP URL may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailConfig")
            .field("from", &self.from)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("eml_dir", &self.eml_dir)
            .field("poll_seconds", &self.poll_seconds)
            .field("max_attempts", &self.max_attempts)
            .finish()
    }
}

impl MailConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::Invalid(format!(
                "mail.from: {:?} is not an address such as \"tbseq <noreply@example.org>\"",
                self.from
            )));
        }
        if let Some(url) = &self.smtp_url {
            // Never echo the URL: it may hold a password.
            let bad = |why: &str| ConfigError::Invalid(format!("mail.smtp_url: {why}"));
            let parsed = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
            if parsed.host_str().unwrap_or("").is_empty() {
                return Err(bad("names no host"));
            }
            let tls = parsed
                .query_pairs()
                .find(|(k, _)| k == "tls")
                .map(|(_, v)| v.into_owned());
            match (parsed.scheme(), tls.as_deref()) {
                ("smtps", None) | ("smtp", None | Some("required" | "opportunistic")) => {}
                _ => {
                    return Err(bad(
                        "use smtp://HOST:PORT (plain), smtp://…?tls=required (STARTTLS), \
                         smtp://…?tls=opportunistic or smtps://HOST:PORT (TLS)",
                    ))
                }
            }
        }
        if self.poll_seconds == 0 || self.max_attempts == 0 {
            return Err(ConfigError::Invalid(
                "mail.poll_seconds and mail.max_attempts: must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// Local accounts and browser sessions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Whether local accounts may sign in to the admin UI with a password.
    pub local_login: bool,
    /// A session unused for this many minutes ends.
    pub session_idle_minutes: u64,
    /// Every session ends this many hours after sign-in.
    pub session_max_hours: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            local_login: true,
            session_idle_minutes: 60,
            session_max_hours: 12,
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub address: IpAddr,
    pub port: u16,
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://…`; `sqlite://<data_dir>/tbseq.sqlite3` when unset.
    pub database_url: Option<String>,
    /// Connections per pool.
    pub database_pool_size: u32,
    /// Absolute base URL clients use to reach this server (behind a proxy); taken from the
    /// request when unset.
    pub public_url: Option<String>,
    pub environment: Environment,
    /// Origins allowed to call the API from a browser (`*` allows any).
    pub cors_origins: Vec<String>,
    /// 256-bit key (64 hex characters) for cookies and signed URLs; generated into
    /// `<data_dir>/secret_key` on first start when unset.
    pub secret_key: Option<String>,
    pub storage: StorageConfig,
    pub oidc: OidcConfig,
    pub auth: AuthConfig,
    pub mail: MailConfig,
    /// Rocket's own log level: `off`, `critical`, `normal` or `debug`.
    pub log_level: String,
    /// `human` or `json` lines on standard error.
    pub log_format: LogFormat,
    /// Which log events to keep, as `RUST_LOG` (`info`, `tbseq=debug,info`, …).
    pub log_filter: String,
    /// Log one line per request (method, route, status, time, request id).
    pub log_requests: bool,
    /// When set, `/metrics` requires `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// Record request metrics and serve `/metrics`; when false, nothing is recorded and
    /// `/metrics` answers 404.
    pub metrics_enabled: bool,
    /// Worker threads; the number of cores when 0.
    pub workers: usize,
    /// A built frontend (the React app's `build/` folder) to serve from `/`.
    pub frontend_dir: Option<PathBuf>,
    /// The admin's title, on every admin page.
    pub site_header: String,
    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT.
    pub shutdown_grace: u32,
    /// Largest file the import API accepts, in bytes.
    pub import_max_bytes: u64,
    /// Largest MIC/PDST workbook a submitter may upload, in bytes.
    pub workbook_max_bytes: u64,
    /// A variant counts as present in a sample when its allele frequency reaches this value
    /// (the WHO catalogue's own threshold by default).
    pub variant_presence_threshold: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            address: IpAddr::from([127, 0, 0, 1]),
            port: 8000,
            data_dir: PathBuf::from("./data"),
            database_url: None,
            database_pool_size: 8,
            public_url: None,
            environment: Environment::Production,
            cors_origins: Vec::new(),
            secret_key: None,
            storage: StorageConfig::default(),
            oidc: OidcConfig::default(),
            auth: AuthConfig::default(),
            mail: MailConfig::default(),
            log_level: "critical".into(),
            log_format: LogFormat::Human,
            log_filter: "info".into(),
            log_requests: true,
            metrics_token: None,
            metrics_enabled: true,
            workers: 0,
            variant_presence_threshold: 0.75,
            frontend_dir: None,
            site_header: "TbKb WHO administration (INTERNAL USE ONLY)".into(),
            shutdown_grace: 10,
            import_max_bytes: 1 << 30,
            workbook_max_bytes: 32 << 20,
        }
    }
}

impl fmt::Debug for Config {
    // Never print secrets, not even by accident through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("address", &self.address)
            .field("port", &self.port)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// The merged configuration together with the figment it came from (for provenance).
pub struct Loaded {
    pub config: Config,
    pub figment: Figment,
    pub file: Option<PathBuf>,
}

impl Config {
    /// Loads configuration. `file` is an explicit `--config` path (must exist); otherwise
    /// `TBSEQ_CONFIG`, then `./Rocket.toml` if present.
    pub fn load(file: Option<&Path>) -> Result<Loaded, ConfigError> {
        let explicit = file
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("TBSEQ_CONFIG").map(PathBuf::from));
        let file = match explicit {
            Some(path) if !path.is_file() => return Err(ConfigError::MissingFile(path)),
            Some(path) => Some(path),
            None => Some(PathBuf::from("Rocket.toml")).filter(|p| p.is_file()),
        };
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = &file {
            // `[default]` holds the settings; `[global]` overrides them (Rocket's convention).
            figment = figment.merge(Toml::file(path).nested());
        }
        figment = figment.merge(
            Env::prefixed("TBSEQ_")
                .split("__")
                .ignore(&[
                    "config",
                    "test_postgres_url",
                    "test_skip_postgres",
                    "test_oidc_issuer",
                    "test_smtp_python",
                ])
                .global(),
        );
        let figment = figment.select(Profile::Default);
        let config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Invalid(describe(e)))?;
        config.validate()?;
        Ok(Loaded {
            config,
            figment,
            file,
        })
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.public_url {
            let parsed = url::Url::parse(url)
                .map_err(|e| ConfigError::Invalid(format!("public_url: {e}")))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(ConfigError::Invalid(
                    "public_url: must start with http:// or https://".into(),
                ));
            }
        }
        if let Some(key) = &self.secret_key {
            if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(ConfigError::Invalid(
                    "secret_key: must be 64 hexadecimal characters (256 bits)".into(),
                ));
            }
        }
        if !(self.variant_presence_threshold > 0.0 && self.variant_presence_threshold <= 1.0) {
            return Err(ConfigError::Invalid(
                "variant_presence_threshold: must be above 0 and at most 1".into(),
            ));
        }
        if let Some(dir) = &self.frontend_dir {
            if !dir.join("index.html").is_file() {
                return Err(ConfigError::Invalid(format!(
                    "frontend_dir: {} holds no index.html (point it at the frontend's build folder)",
                    dir.display()
                )));
            }
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log_filter).is_err() {
            return Err(ConfigError::Invalid(format!(
                "log_filter: {:?} is not a filter such as \"info\" or \"tbseq=debug,warn\"",
                self.log_filter
            )));
        }
        if self.database_pool_size == 0 {
            return Err(ConfigError::Invalid(
                "database_pool_size: must be at least 1".into(),
            ));
        }
        if !matches!(
            self.log_level.as_str(),
            "off" | "critical" | "normal" | "debug"
        ) {
            return Err(ConfigError::Invalid(
                "log_level: must be one of off, critical, normal, debug".into(),
            ));
        }
        self.validate_oidc()?;
        self.mail.validate()?;
        if self.auth.session_idle_minutes == 0 || self.auth.session_max_hours == 0 {
            return Err(ConfigError::Invalid(
                "auth.session_idle_minutes and auth.session_max_hours: must be at least 1".into(),
            ));
        }
        for origin in &self.cors_origins {
            if origin != "*" && url::Url::parse(origin).is_err() {
                return Err(ConfigError::Invalid(format!(
                    "cors_origins: {origin:?} is not an origin such as https://portal.example.org"
                )));
            }
        }
        Ok(())
    }

    fn validate_oidc(&self) -> Result<(), ConfigError> {
        let oidc = &self.oidc;
        if !oidc.enabled() {
            return Ok(());
        }
        if let Some(issuer) = &oidc.issuer {
            let parsed = url::Url::parse(issuer)
                .map_err(|e| ConfigError::Invalid(format!("oidc.issuer: {e}")))?;
            let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
            if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
                return Err(ConfigError::Invalid(
                    "oidc.issuer: must be an https:// URL (http:// only on loopback)".into(),
                ));
            }
        }
        if oidc.client_id.as_deref().unwrap_or("").is_empty() && oidc.audience.is_empty() {
            return Err(ConfigError::Invalid(
                "oidc.client_id: required when a provider is configured (or set oidc.audience)"
                    .into(),
            ));
        }
        if oidc.role_claim.is_empty() {
            return Err(ConfigError::Invalid(
                "oidc.role_claim: must not be empty".into(),
            ));
        }
        Ok(())
    }

    /// The database URL in force (the default one under the data directory when unset).
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}",
                self.data_dir.join("tbseq.sqlite3").to_string_lossy()
            ),
        }
    }

    /// Where e-mails are written as files when no SMTP server is set.
    pub fn mail_eml_dir(&self) -> PathBuf {
        self.mail
            .eml_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("outbox"))
    }

    pub fn local_storage_dir(&self) -> PathBuf {
        self.storage
            .local_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("files"))
    }
}

/// One figment error per line, each naming its key and where the value came from.
fn describe(err: figment::Error) -> String {
    err.into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let source = e
                .metadata
                .as_ref()
                .map(|m| format!(" (from {})", m.name))
                .unwrap_or_default();
            if key.is_empty() {
                format!("{}{source}", e.kind)
            } else {
                format!("{key}: {}{source}", e.kind)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Replaces the password of a URL with `***`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// One line of `tbseq config`: key, redacted value, and where it came from.
#[derive(Debug, Serialize)]
pub struct Effective {
    pub key: String,
    pub value: String,
    pub source: String,
}

/// The effective settings of the running server, as `tbseq config` prints them (managed
/// Rocket state for the admin's diagnostics page).
pub struct Settings(pub Vec<Effective>);

impl Loaded {
    /// A configuration a program built rather than loaded (tests, embedding): every value
    /// counts as a default.
    pub fn built(config: Config) -> Loaded {
        Loaded {
            figment: Figment::from(Serialized::defaults(config.clone())),
            config,
            file: None,
        }
    }

    /// Every setting with its value (secrets redacted) and provenance.
    pub fn effective(&self) -> Vec<Effective> {
        let tree = serde_json::to_value(&self.config).unwrap_or_default();
        let mut out = Vec::new();
        flatten("", &tree, &mut out);
        out.into_iter()
            .map(|(key, value)| {
                let source = self.source_of(&key);
                let value = if SECRET_KEYS.contains(&key.as_str()) && value != "null" {
                    "***".to_string()
                } else if key == "database_url" {
                    redact_url(&self.config.database_url())
                } else if value == "null" {
                    "(unset)".to_string()
                } else {
                    value
                };
                Effective { key, value, source }
            })
            .collect()
    }

    fn source_of(&self, key: &str) -> String {
        match self.figment.find_metadata(key) {
            Some(meta) if meta.name.contains("environment") => {
                format!(
                    "environment TBSEQ_{}",
                    key.replace('.', "__").to_uppercase()
                )
            }
            Some(meta) if meta.name != std::any::type_name::<Config>() => match &meta.source {
                Some(src) => format!("{} {src}", meta.name),
                None => meta.name.to_string(),
            },
            _ => "default".to_string(),
        }
    }
}

fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("sqlite://./x.db"), "sqlite://./x.db");
    }

    #[test]
    fn entra_tenants_and_default_audiences() {
        let mut oidc = OidcConfig {
            tenant_id: Some("t1".into()),
            client_id: Some("c1".into()),
            ..OidcConfig::default()
        };
        assert!(oidc.enabled());
        assert_eq!(
            oidc.issuers(),
            vec![
                "https://login.microsoftonline.com/t1/v2.0".to_string(),
                "https://sts.windows.net/t1/".to_string()
            ]
        );
        assert_eq!(
            oidc.audiences(),
            vec!["c1".to_string(), "api://c1".to_string()]
        );
        oidc.audience = vec!["x".into()];
        assert_eq!(oidc.audiences(), vec!["x".to_string()]);
        assert!(!OidcConfig::default().enabled());
    }

    #[test]
    fn mail_settings_are_checked() {
        let ok = |url: &str| {
            MailConfig {
                smtp_url: Some(url.into()),
                ..MailConfig::default()
            }
            .validate()
            .is_ok()
        };
        assert!(MailConfig::default().validate().is_ok());
        assert!(ok("smtp://127.0.0.1:25"));
        assert!(ok("smtps://u:p@mail.example.org:465"));
        assert!(ok("smtp://mail.example.org:587?tls=required"));
        assert!(!ok("smtp://mail.example.org:587?tls=starttls"));
        assert!(!ok("smtps://mail.example.org?tls=required"));
        assert!(!ok("http://mail.example.org"));
        assert!(!ok("mail.example.org:25"));
        let bad_from = MailConfig {
            from: "not an address".into(),
            ..MailConfig::default()
        };
        assert!(bad_from.validate().is_err());
        let secret = MailConfig {
            smtp_url: Some("smtps://u:hunter2@h:465".into()),
            ..MailConfig::default()
        };
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn flatten_nests_with_dots() {
        let mut out = Vec::new();
        flatten("", &serde_json::json!({"a": {"b": 1}, "c": "x"}), &mut out);
        assert_eq!(
            out,
            vec![("a.b".into(), "1".into()), ("c".into(), "x".into())]
        );
    }
}
