//! Notification e-mails end to end: queued in a transaction, delivered by the background
//! worker as `.eml` files, to a real SMTP server (Python's aiosmtpd on loopback), or retried
//! with backoff when the server cannot be reached.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, Backend, TestApp};
use tbseq::db::repo::outbox::{enqueue, staff_emails};
use tbseq::db::repo::{IdentityStore, NewUser, OutboxMessage, OutboxStatus, OutboxStore};
use tbseq::domain::notifications::{package_accepted, package_rejected, Mail, Person};
use time::OffsetDateTime;

fn ann() -> Person {
    Person {
        username: "ann".into(),
        first_name: "Ann".into(),
        last_name: "Lee".into(),
        email: "ann@example.org".into(),
    }
}

/// Queues `mail` the way request handlers do: in a transaction, then wakes the worker.
async fn queue(app: &TestApp, mail: &Mail) {
    let mut tx = app.db.begin().await.unwrap();
    enqueue(&mut tx, mail).await.unwrap();
    tx.commit().await.unwrap();
    app.app.mailer.notify_one();
}

async fn messages(app: &TestApp) -> Vec<OutboxMessage> {
    let mut all = app.db.recent_messages(100).await.unwrap();
    all.reverse();
    all
}

/// Waits (at most 20 s) until every queued message satisfies `done`.
async fn wait_for(app: &TestApp, done: impl Fn(&OutboxMessage) -> bool) -> Vec<OutboxMessage> {
    let start = Instant::now();
    loop {
        let all = messages(app).await;
        if !all.is_empty() && all.iter().all(&done) {
            return all;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the worker did not get there: {all:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Headers (unfolded, names in lower case) and decoded body of an RFC 5322 message.
fn parse(raw: &str) -> (Vec<(String, String)>, String) {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").expect("a header block");
    let head = head.replace("\n ", " ").replace("\n\t", " ");
    let headers: Vec<(String, String)> = head
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    let body = match header(&headers, "content-transfer-encoding") {
        "quoted-printable" => quoted_printable(body),
        "7bit" | "8bit" => body.to_string(),
        other => panic!("unexpected transfer encoding {other}"),
    };
    (headers, body)
}

/// Lines longer than 78 characters travel quoted-printable.
fn quoted_printable(text: &str) -> String {
    let text = text.replace("=\n", "");
    let mut out = Vec::new();
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b == b'=' {
            let hex = [bytes.next().unwrap(), bytes.next().unwrap()];
            out.push(u8::from_str_radix(std::str::from_utf8(&hex).unwrap(), 16).unwrap());
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).unwrap()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

both_backends! {
    async fn writes_eml_files_without_smtp(app) {
        let mail = package_rejected(0, "Ann's data", &ann(), "Row 4: unknown drug");
        let mail = Mail {
            recipients: vec!["ann@example.org".into(), "boss@example.org".into()],
            package_id: None,
            ..mail
        };
        queue(&app, &mail).await;
        let sent = wait_for(&app, |m| m.sent_at.is_some()).await;
        assert_eq!(sent.len(), 2);
        let dir = app.data_dir.join("outbox");
        for (message, to) in sent.iter().zip(["ann@example.org", "boss@example.org"]) {
            assert_eq!(message.status(8), OutboxStatus::Sent);
            assert_eq!(message.recipient, to);
            let file = dir.join(format!("{}-package_rejected.eml", message.id));
            let raw = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let (headers, body) = parse(&raw);
            assert_eq!(header(&headers, "to"), to);
            assert_eq!(header(&headers, "from"), "tbseq <noreply@localhost>");
            assert_eq!(
                header(&headers, "subject"),
                "Package \"Ann's data\" has been rejected"
            );
            assert!(header(&headers, "content-type").starts_with("text/plain"));
            assert!(!header(&headers, "message-id").is_empty());
            assert_eq!(
                body,
                "Hi Ann Lee, your package \"Ann's data\" has been reviewed and rejected with reason:\n\
                 Row 4: unknown drug"
            );
        }
        // Only the finished files: temporary names are renamed away.
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names.iter().all(|n| n.ends_with("-package_rejected.eml")));
        let counts = app.db.outbox_counts(8).await.unwrap();
        assert_eq!((counts.pending, counts.failed, counts.sent), (0, 0, 2));
    }

    async fn a_rolled_back_change_never_mails(app) {
        let mut tx = app.db.begin().await.unwrap();
        enqueue(&mut tx, &package_accepted(0, "P", &ann()).without_package()).await.unwrap();
        drop(tx);
        let mut tx = app.db.begin().await.unwrap();
        // No recipient: nothing is queued at all.
        let nobody = Person { email: String::new(), ..ann() };
        enqueue(&mut tx, &package_accepted(0, "P", &nobody).without_package()).await.unwrap();
        tx.commit().await.unwrap();
        assert!(messages(&app).await.is_empty());
    }

    async fn staff_emails_are_active_staff_with_an_address(app) {
        for (name, email, staff, active) in [
            ("s1", "s1@who.int", true, true),
            ("s2", "", true, true),
            ("s3", "s3@who.int", true, false),
            ("u1", "u1@example.org", false, true),
            ("s4", "s4@who.int", true, true),
        ] {
            app.db
                .create_user(&NewUser {
                    username: name.into(),
                    email: email.into(),
                    first_name: String::new(),
                    last_name: String::new(),
                    password_hash: None,
                    is_staff: staff,
                    is_superuser: false,
                })
                .await
                .unwrap();
            if !active {
                app.db.set_active(name, false).await.unwrap();
            }
        }
        let mut tx = app.db.begin().await.unwrap();
        assert_eq!(staff_emails(&mut tx).await.unwrap(), vec!["s1@who.int", "s4@who.int"]);
    }
}

/// Test mails name no package, so that no package row is needed.
trait WithoutPackage {
    fn without_package(self) -> Mail;
}

impl WithoutPackage for Mail {
    fn without_package(self) -> Mail {
        Mail {
            package_id: None,
            ..self
        }
    }
}

/// An app whose SMTP server is `smtp://127.0.0.1:PORT` on a free port where nothing listens
/// (yet: the SMTP test starts its server there).
async fn with_smtp_port(backend: Backend) -> TestApp {
    let port = free_port();
    TestApp::with_config(backend, move |c| {
        c.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.mail.from = "TB portal <portal@who.example>".into();
    })
    .await
}

fn smtp_port(app: &TestApp) -> u16 {
    let url = app.app.config.mail.smtp_url.as_deref().unwrap();
    url.rsplit(':').next().unwrap().parse().unwrap()
}

/// Python's aiosmtpd on loopback, storing what it receives in a maildir; stopped on drop.
struct SmtpServer {
    child: Child,
    maildir: PathBuf,
    _tmp: tempfile::TempDir,
}

impl SmtpServer {
    fn start(port: u16) -> SmtpServer {
        let python = std::env::var("TBSEQ_TEST_SMTP_PYTHON").unwrap_or_else(|_| "python3".into());
        let importable = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            importable,
            "{python} cannot import aiosmtpd: run scripts/test (it installs aiosmtpd and sets \
             TBSEQ_TEST_SMTP_PYTHON), or point TBSEQ_TEST_SMTP_PYTHON at a Python that has it"
        );
        let tmp = tempfile::tempdir().unwrap();
        let maildir = tmp.path().join("maildir");
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let server = SmtpServer {
            child,
            maildir,
            _tmp: tmp,
        };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "aiosmtpd did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// The messages received so far.
    fn received(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        entries
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn no_file_under(dir: &Path) -> bool {
    !dir.exists() || std::fs::read_dir(dir).unwrap().next().is_none()
}

both_backends_with! { with_smtp_port;
    async fn delivers_over_smtp(app) {
        let server = SmtpServer::start(smtp_port(&app));
        queue(&app, &package_accepted(0, "P1", &ann()).without_package()).await;
        let sent = wait_for(&app, |m| m.sent_at.is_some()).await;
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].attempts, 1);
        assert_eq!(sent[0].last_error, None);
        let received = server.received();
        assert_eq!(received.len(), 1, "{received:?}");
        let (headers, body) = parse(&received[0]);
        assert_eq!(header(&headers, "to"), "ann@example.org");
        assert_eq!(header(&headers, "from"), "\"TB portal\" <portal@who.example>");
        assert_eq!(header(&headers, "subject"), "Package 'P1' has been accepted");
        // The envelope, as the server saw it.
        assert_eq!(header(&headers, "x-mailfrom"), "portal@who.example");
        assert_eq!(header(&headers, "x-rcptto"), "ann@example.org");
        assert_eq!(
            body.trim_end(),
            "Hi Ann Lee, your package 'P1' has been reviewed and approved."
        );
        assert!(no_file_under(&app.data_dir.join("outbox")));
    }

    async fn retries_later_when_the_server_is_down(app) {
        let started = Instant::now();
        queue(&app, &package_accepted(0, "P1", &ann()).without_package()).await;
        // Queuing is an insert: it never waits for the mail server.
        assert!(started.elapsed() < Duration::from_secs(2));
        let failed = wait_for(&app, |m| m.attempts >= 1).await;
        let message = &failed[0];
        assert_eq!(message.sent_at, None);
        assert_eq!(message.status(8), OutboxStatus::Pending);
        let error = message.last_error.as_deref().expect("the error is kept");
        assert!(!error.is_empty());
        let retry = message.next_attempt_at.expect("a retry is planned");
        assert!(retry > OffsetDateTime::now_utc() + time::Duration::seconds(30), "{retry}");
        assert!(retry < OffsetDateTime::now_utc() + time::Duration::minutes(2), "{retry}");
        // Not due again before then, even when woken.
        app.app.mailer.notify_one();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(messages(&app).await[0].attempts, 1);
        let counts = app.db.outbox_counts(8).await.unwrap();
        assert_eq!((counts.pending, counts.failed, counts.sent), (1, 0, 0));
        assert_eq!(app.db.outbox_counts(1).await.unwrap().failed, 1);
        // Giving up (a permanent error, or the last attempt) keeps the row, visibly failed.
        app.db.mark_failed(message.id, "550 no such user", None, 8).await.unwrap();
        let message = &messages(&app).await[0];
        assert_eq!(message.attempts, 8);
        assert_eq!(message.status(8), OutboxStatus::Failed);
        assert_eq!(message.last_error.as_deref(), Some("550 no such user"));
        let now = OffsetDateTime::now_utc() + time::Duration::days(1);
        assert!(app.db.due_messages(now, 8, 10).await.unwrap().is_empty());
        let counts = app.db.outbox_counts(8).await.unwrap();
        assert_eq!((counts.pending, counts.failed, counts.sent), (0, 1, 0));
    }
}

/// `tbseq config` in an empty folder with only `env`.
fn tbseq_config(env: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tbseq"));
    cmd.current_dir(dir.path()).arg("config").env_clear();
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run tbseq");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_smtp_url_is_never_printed() {
    let (ok, shown) = tbseq_config(&[
        (
            "TBSEQ_MAIL__SMTP_URL",
            "smtps://tb:hunter2@mail.example.org:465",
        ),
        // The test kit's own variables are not settings.
        ("TBSEQ_TEST_SMTP_PYTHON", "/usr/bin/python3"),
    ]);
    assert!(ok, "{shown}");
    let line = |key: &str| {
        shown
            .lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("no line for {key} in:\n{shown}"))
            .to_string()
    };
    assert!(line("mail.smtp_url").contains("***"));
    assert!(line("mail.smtp_url").contains("TBSEQ_MAIL__SMTP_URL"));
    assert!(line("mail.from").contains("noreply@localhost"));
    assert!(line("mail.max_attempts").contains('8'));
    assert!(!shown.contains("hunter2"), "{shown}");

    // A malformed URL is refused, named, and not echoed either.
    let (ok, shown) = tbseq_config(&[(
        "TBSEQ_MAIL__SMTP_URL",
        "smtp://tb:hunter2@mail.example.org:587?tls=starttls",
    )]);
    assert!(!ok);
    assert!(shown.contains("mail.smtp_url"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}
