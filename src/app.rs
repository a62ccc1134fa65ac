//! Everything a running tbseq needs, opened in order: data folder, secret key, database
//! (migrated and seeded), file store.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use crate::cache::{ResponseCache, Snapshot};
use crate::config::Config;
use crate::db::{migrate, seed, Db};
use crate::domain::catalogue::Gene;
use crate::identity::Identity;
use crate::metrics::Metrics;
use crate::notify::Mailer;
use crate::storage::FileStore;

/// Shared state handed to the HTTP layer and the CLI.
#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub db: Db,
    pub store: FileStore,
    /// 64 hex characters; never logged.
    pub secret_key: Arc<str>,
    pub cache: Arc<ResponseCache>,
    /// The reference genome's genes, searched in memory (a few thousand rows).
    pub genes: Arc<Snapshot<Vec<Gene>>>,
    pub metrics: Arc<Metrics>,
    /// Tokens, sessions, passwords and the identity provider.
    pub identity: Arc<Identity>,
    /// Wakes the notification worker; call `app.mailer.notify_one()` after committing a
    /// transaction that queued e-mails.
    pub mailer: Arc<Mailer>,
}

/// What `open` did, for the start-up message.
#[derive(Debug)]
pub struct OpenReport {
    pub migrations_applied: usize,
    pub seed: seed::SeedReport,
}

impl App {
    /// Opens the database (migrating and seeding it) and the file store.
    pub async fn open(config: Config) -> anyhow::Result<(App, OpenReport)> {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!(
                "cannot create the data folder {}",
                config.data_dir.display()
            )
        })?;
        // Local overrides of the admin's templates go here (see `api::admin::assets`).
        let templates = crate::api::admin::override_dir(&config.data_dir);
        std::fs::create_dir_all(&templates)
            .with_context(|| format!("cannot create {}", templates.display()))?;
        let secret_key: Arc<str> = match &config.secret_key {
            Some(key) => key.as_str().into(),
            None => load_or_create_secret(&config.data_dir)?.into(),
        };
        let db = Db::connect(&config.database_url(), config.database_pool_size).await?;
        let migrations_applied = migrate::run(&db).await?;
        let seed = seed::run(&db).await?;
        let store = FileStore::open(&config)?;
        let identity = Arc::new(Identity::new(&config, db.clone())?);
        Ok((
            App {
                config: Arc::new(config),
                db,
                store,
                secret_key,
                cache: Arc::default(),
                genes: Arc::default(),
                metrics: Arc::default(),
                identity,
                mailer: Arc::default(),
            },
            OpenReport {
                migrations_applied,
                seed,
            },
        ))
    }
}

/// Reads `<data_dir>/secret_key`, creating it (mode 0600) with a random 256-bit key on the
/// first start, so that sessions and signed links survive restarts.
fn load_or_create_secret(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join("secret_key");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let key = text.trim().to_string();
            anyhow::ensure!(
                key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()),
                "{} does not hold a 64-character hexadecimal key; delete it to generate a new one",
                path.display()
            );
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = hex::encode(rand::random::<[u8; 32]>());
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options
                .open(&path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            file.write_all(key.as_bytes())?;
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}
