//! The notification worker: delivers the e-mails queued in the outbox
//! (`db::repo::outbox`), over SMTP when `mail.smtp_url` is set, otherwise as `.eml` files in
//! `mail.eml_dir`.
//!
//! Requests never send mail themselves: they queue rows in their own transaction and wake
//! the worker ([`Mailer::notify_one`]) after committing, so a slow or unreachable mail
//! server never delays or fails a request. The worker also looks for due rows every
//! `mail.poll_seconds`; failures are retried with exponential backoff up to
//! `mail.max_attempts`, then kept with their last error.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use time::OffsetDateTime;
use tokio::sync::Notify;

use crate::app::App;
use crate::config::{redact_url, Config};
use crate::db::repo::{OutboxMessage, OutboxStore};
use crate::db::{Db, DbError};
use crate::domain::notifications::retry_delay;

/// Rows taken per round trip.
const BATCH: u32 = 50;
/// How long a claimed row is left to one worker before another may take it again (a
/// worker that died mid-send).
const LEASE: time::Duration = time::Duration::minutes(5);
/// Longest wait for an SMTP server, per message.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The handle request handlers wake the worker with; shared by every clone of [`App`].
#[derive(Default)]
pub struct Mailer {
    wake: Notify,
    /// One worker per [`App`], however many servers are built from it.
    running: AtomicBool,
}

impl Mailer {
    /// Asks the worker to look at the outbox now (call it after committing queued mail).
    pub fn notify_one(&self) {
        self.wake.notify_one();
    }
}

/// The Rocket fairing that starts the worker when the server lifts off (not in CLI
/// commands, which never launch Rocket) and stops it when the server shuts down.
pub fn fairing() -> rocket::fairing::AdHoc {
    rocket::fairing::AdHoc::on_liftoff("notifications", |rocket| {
        Box::pin(async move {
            if let Some(app) = rocket.state::<App>() {
                spawn(app.clone(), rocket.shutdown());
            }
        })
    })
}

/// Starts the worker on the current runtime unless one already runs for this app.
pub fn spawn(app: App, shutdown: rocket::Shutdown) {
    if app.mailer.running.swap(true, Ordering::AcqRel) {
        return;
    }
    tokio::spawn(async move {
        let worker = Worker::new(&app);
        tracing::info!(delivery = %worker.transport.describe(), "notification worker started");
        tokio::select! {
            _ = worker.run(&app) => {}
            _ = shutdown => {}
        }
        app.mailer.running.store(false, Ordering::Release);
    });
}

enum Transport {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// The URL without its password, for logs.
        shown: String,
    },
    Files(PathBuf),
    /// The SMTP settings could not be turned into a transport: every attempt fails with this.
    Broken(String),
}

impl Transport {
    fn new(config: &Config) -> Transport {
        let Some(url) = &config.mail.smtp_url else {
            return Transport::Files(config.mail_eml_dir());
        };
        match AsyncSmtpTransport::<Tokio1Executor>::from_url(url) {
            Ok(builder) => Transport::Smtp {
                transport: builder.timeout(Some(SMTP_TIMEOUT)).build(),
                shown: redact_url(url),
            },
            Err(e) => Transport::Broken(format!("mail.smtp_url is unusable: {e}")),
        }
    }

    fn describe(&self) -> String {
        match self {
            Transport::Smtp { shown, .. } => format!("SMTP {shown}"),
            Transport::Files(dir) => format!(".eml files in {}", dir.display()),
            Transport::Broken(why) => why.clone(),
        }
    }
}

/// Why one delivery failed, and whether trying again could help.
struct Failure {
    error: String,
    permanent: bool,
}

impl Failure {
    fn permanent(error: impl ToString) -> Failure {
        Failure {
            error: error.to_string(),
            permanent: true,
        }
    }

    fn transient(error: impl ToString) -> Failure {
        Failure {
            error: error.to_string(),
            permanent: false,
        }
    }
}

struct Worker {
    db: Db,
    from: Option<Mailbox>,
    transport: Transport,
    poll: Duration,
    max_attempts: u32,
}

impl Worker {
    fn new(app: &App) -> Worker {
        let mail = &app.config.mail;
        Worker {
            db: app.db.clone(),
            // Checked when the configuration was loaded.
            from: mail.from.parse().ok(),
            transport: Transport::new(&app.config),
            poll: Duration::from_secs(mail.poll_seconds.max(1)),
            max_attempts: mail.max_attempts.max(1),
        }
    }

    async fn run(&self, app: &App) {
        loop {
            if let Err(e) = self.deliver_due().await {
                tracing::warn!(error = %e, "notification worker: the outbox could not be read");
            }
            tokio::select! {
                _ = app.mailer.wake.notified() => {}
                _ = tokio::time::sleep(self.poll) => {}
            }
        }
    }

    /// Delivers every due row, a batch at a time.
    async fn deliver_due(&self) -> Result<(), DbError> {
        loop {
            let now = OffsetDateTime::now_utc();
            let due = self.db.due_messages(now, self.max_attempts, BATCH).await?;
            let mut handled = 0;
            for message in &due {
                if !self.db.claim(message.id, now, now + LEASE).await? {
                    continue;
                }
                handled += 1;
                self.deliver_one(message).await?;
            }
            if due.len() < BATCH as usize || handled == 0 {
                return Ok(());
            }
        }
    }

    async fn deliver_one(&self, message: &OutboxMessage) -> Result<(), DbError> {
        match self.send(message).await {
            Ok(()) => {
                tracing::info!(
                    id = message.id,
                    kind = %message.kind,
                    to = %message.recipient,
                    "e-mail delivered"
                );
                self.db
                    .mark_sent(message.id, OffsetDateTime::now_utc())
                    .await
            }
            Err(failure) => {
                let attempts = u32::try_from(message.attempts + 1).unwrap_or(u32::MAX);
                let retry_at = (!failure.permanent && attempts < self.max_attempts).then(|| {
                    let delay = time::Duration::try_from(retry_delay(attempts))
                        .unwrap_or(time::Duration::HOUR);
                    OffsetDateTime::now_utc() + delay
                });
                tracing::warn!(
                    id = message.id,
                    kind = %message.kind,
                    to = %message.recipient,
                    attempts,
                    error = %failure.error,
                    retry_at = ?retry_at,
                    "e-mail not delivered"
                );
                self.db
                    .mark_failed(message.id, &failure.error, retry_at, self.max_attempts)
                    .await
            }
        }
    }

    async fn send(&self, message: &OutboxMessage) -> Result<(), Failure> {
        let email = self.build(message)?;
        match &self.transport {
            Transport::Smtp { transport, .. } => {
                transport.send(email).await.map(drop).map_err(|e| Failure {
                    permanent: e.is_permanent(),
                    error: e.to_string(),
                })
            }
            Transport::Files(dir) => write_eml(dir, message, &email.formatted())
                .await
                .map_err(|e| Failure::transient(format!("{}: {e}", dir.display()))),
            Transport::Broken(why) => Err(Failure::transient(why)),
        }
    }

    fn build(&self, message: &OutboxMessage) -> Result<Message, Failure> {
        let from = self
            .from
            .clone()
            .ok_or_else(|| Failure::permanent("mail.from is not an address"))?;
        let to: Mailbox = message.recipient.parse().map_err(|e| {
            Failure::permanent(format!("invalid address {:?}: {e}", message.recipient))
        })?;
        Message::builder()
            .from(from)
            .to(to)
            .subject(message.subject.as_str())
            .message_id(None)
            .header(ContentType::TEXT_PLAIN)
            .body(message.body.clone())
            .map_err(Failure::permanent)
    }
}

/// Writes one message as `<id>-<kind>.eml`: first under a hidden temporary name, then
/// renamed, so that a reader of the folder never sees half a file.
async fn write_eml(dir: &Path, message: &OutboxMessage, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let name = format!("{}-{}.eml", message.id, message.kind);
    let temporary = dir.join(format!(".{name}.tmp"));
    tokio::fs::write(&temporary, bytes).await?;
    tokio::fs::rename(&temporary, dir.join(name)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transports_follow_the_settings() {
        let mut config = Config {
            data_dir: "/srv/tb".into(),
            ..Config::default()
        };
        assert_eq!(
            Transport::new(&config).describe(),
            ".eml files in /srv/tb/outbox"
        );
        config.mail.smtp_url = Some("smtps://u:hunter2@mail.example.org:465".into());
        let shown = Transport::new(&config).describe();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.starts_with("SMTP smtps://u:***@mail.example.org"),
            "{shown}"
        );
    }
}
