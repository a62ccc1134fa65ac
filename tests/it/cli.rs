//! The real binary: configuration precedence and errors, `config`, `check`, `--help`, and a
//! smoke test that starts `tbseq` in an empty folder with no configuration at all.

use crate::common;

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tbseq");

/// `tbseq ARGS` in `dir` with only the given environment.
fn tbseq(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir).args(args).env_clear();
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run tbseq")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["seed", "--help"],
        vec!["config", "--help"],
        vec!["check", "--help"],
        vec!["import", "--help"],
        vec!["db", "copy", "--help"],
        vec!["backup", "--help"],
        vec!["restore", "--help"],
        vec!["ping", "--help"],
    ] {
        let out = tbseq(dir.path(), &args, &[]);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        assert!(text(&out).contains("Usage"), "{args:?}");
    }
}

#[test]
fn a_malformed_config_file_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Rocket.toml"),
        "[default]\nport = \"eighty\"\n",
    )
    .unwrap();
    let out = tbseq(dir.path(), &["check"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("port"), "{}", text(&out));

    std::fs::write(dir.path().join("Rocket.toml"), "[default\nport = 1").unwrap();
    let out = tbseq(dir.path(), &["config"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    std::fs::write(dir.path().join("Rocket.toml"), "[default]\nprot = 9000\n").unwrap();
    let out = tbseq(dir.path(), &["config"], &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "unknown keys are typos: {}",
        text(&out)
    );
    assert!(text(&out).contains("prot"), "{}", text(&out));

    let out = tbseq(dir.path(), &["--config", "missing.toml", "config"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("missing.toml"));
}

#[test]
fn a_wrongly_typed_environment_value_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = tbseq(dir.path(), &["config"], &[("TBSEQ_PORT", "ninety")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("port"), "{}", text(&out));
}

#[test]
fn config_shows_values_sources_and_hides_secrets() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Rocket.toml"),
        "[default]\ndata_dir = \"./state\"\nport = 8100\n",
    )
    .unwrap();
    let secret = "ab".repeat(32);
    let out = tbseq(
        dir.path(),
        &["config"],
        &[
            ("TBSEQ_PORT", "9000"),
            ("TBSEQ_SECRET_KEY", secret.as_str()),
            ("TBSEQ_DATABASE_URL", "postgres://u:hunter2@db/tbseq"),
            ("TBSEQ_STORAGE__KIND", "local"),
        ],
    );
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    let line = |key: &str| {
        shown
            .lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("no line for {key} in:\n{shown}"))
            .to_string()
    };
    // Environment beats the file, the file beats the defaults.
    assert!(line("port").contains("9000") && line("port").contains("TBSEQ_PORT"));
    assert!(line("data_dir").contains("./state") && line("data_dir").contains("Rocket.toml"));
    assert!(line("address").contains("127.0.0.1") && line("address").contains("default"));
    assert!(line("storage.kind").contains("TBSEQ_STORAGE__KIND"));
    assert!(line("secret_key").contains("***"));
    assert!(
        !shown.contains(&secret) && !shown.contains("hunter2"),
        "{shown}"
    );
}

#[test]
fn database_url_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    for (url, expected) in [
        ("mysql://localhost/tbseq", "unsupported database URL"),
        ("./tbseq.sqlite3", "unsupported database URL"),
        ("sqlite://./no/such/folder/x.sqlite3", "does not exist"),
        (
            "postgres://tbseq:pw@127.0.0.1:1/tbseq",
            "cannot connect to PostgreSQL",
        ),
    ] {
        let out = tbseq(dir.path(), &["migrate"], &[("TBSEQ_DATABASE_URL", url)]);
        assert!(!out.status.success(), "{url}");
        assert!(text(&out).contains(expected), "{url}: {}", text(&out));
        assert!(!text(&out).contains(":pw@"), "password leaked");
    }
    // Nothing was created for the mistyped path.
    assert!(!dir.path().join("no").exists());
}

#[test]
fn check_passes_on_defaults_and_fails_on_a_bad_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = tbseq(dir.path(), &["check"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("ok    storage"));
    let out = tbseq(
        dir.path(),
        &["check"],
        &[("TBSEQ_DATABASE_URL", "postgres://x@127.0.0.1:1/x")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("FAIL  database"));
}

#[test]
fn migrate_and_seed_commands_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = tbseq(dir.path(), &["migrate"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .count();
    let applied = format!("applied {migrations} migration");
    assert!(text(&out).contains(&applied), "{applied}: {}", text(&out));
    let out = tbseq(dir.path(), &["seed"], &[]);
    assert!(text(&out).contains("seeded"), "{}", text(&out));
    let out = tbseq(dir.path(), &["seed"], &[]);
    assert!(text(&out).contains("already up to date"), "{}", text(&out));
    assert!(dir.path().join("data/tbseq.sqlite3").exists());
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal HTTP/1.1 GET over a plain socket; returns (status, body).
fn http_get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn smoke_the_binary_starts_in_an_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    // No configuration and no environment at all; only if something else holds the default
    // port do we move to another one.
    let mut env: Vec<(&str, String)> = Vec::new();
    let port = if port_is_free(8000) {
        8000
    } else {
        let p = free_port();
        env.push(("TBSEQ_PORT", p.to_string()));
        p
    };
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir.path())
        .env_clear()
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in &env {
        cmd.env(k, v);
    }
    let mut server = Server(cmd.spawn().expect("start tbseq"));

    let started = Instant::now();
    loop {
        if let Ok((200, body)) = http_get(port, "/ping") {
            assert_eq!(body, "pong");
            break;
        }
        if let Some(status) = server.0.try_wait().unwrap() {
            let mut err = String::new();
            server
                .0
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("tbseq exited with {status}: {err}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no answer on /ping"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (status, body) = http_get(port, "/api/v1/genphen/drugs/").unwrap();
    assert_eq!(status, 200);
    let drugs: serde_json::Value = serde_json::from_str(body.trim()).unwrap_or_else(|_| {
        // A chunked body: take the JSON between the chunk sizes.
        let start = body.find('[').unwrap();
        let end = body.rfind(']').unwrap();
        serde_json::from_str(&body[start..=end]).unwrap()
    });
    assert_eq!(drugs.as_array().unwrap().len(), 30);
    assert!(dir.path().join("data/tbseq.sqlite3").exists());
    let key = dir.path().join("data/secret_key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    drop(server);
}

/// Kills `tbseq import` part-way through a file and checks that nothing of it is visible,
/// then runs it again to completion.
fn interrupted_import(database_url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/catalogue-2023/phenotypes/Rifampicin.csv.gz");
    let env = [("TBSEQ_DATABASE_URL", database_url)];
    // Migrate and seed first, so that the import itself is what gets interrupted.
    assert!(tbseq(dir.path(), &["seed"], &env).status.success());
    let mut child = Command::new(BIN)
        .current_dir(dir.path())
        .env_clear()
        .env("TBSEQ_DATABASE_URL", database_url)
        .args(["import", "phenotypes"])
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import finished before it could be interrupted"
    );
    child.kill().unwrap();
    child.wait().unwrap();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let count = |table: &str| {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        rt.block_on(async {
            let db = tbseq::db::Db::connect(database_url, 1).await.unwrap();
            db.query_one(&sql, vec![])
                .await
                .unwrap()
                .get::<i64>(0)
                .unwrap()
        })
    };
    for table in [
        "submission_sample",
        "submission_samplealias",
        "submission_pdstest",
        "submission_package",
    ] {
        assert_eq!(
            count(table),
            0,
            "{table} holds part of an interrupted import"
        );
    }
    let out = tbseq(
        dir.path(),
        &["import", "phenotypes", file.to_str().unwrap()],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(count("submission_pdstest") > 0);
}

#[test]
fn an_interrupted_import_leaves_nothing_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    interrupted_import(&format!(
        "sqlite://{}",
        dir.path().join("i.sqlite3").display()
    ));
}

#[test]
fn an_interrupted_import_leaves_nothing_postgres() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let scratch = rt.block_on(common::ScratchPostgres::create());
    interrupted_import(&scratch.url);
    drop(scratch);
}

/// Starts `tbseq` on a free port in `dir` and waits until it answers.
fn start_server(dir: &Path) -> (Server, u16) {
    let port = free_port();
    let mut child = Command::new(BIN)
        .current_dir(dir)
        .env_clear()
        .env("TBSEQ_PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while http_get(port, "/ping").map(|(s, _)| s).ok() != Some(200) {
        assert!(child.try_wait().unwrap().is_none(), "tbseq exited early");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no answer on /ping"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (Server(child), port)
}

fn signal(server: &Server, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_exit(server: &mut Server, limit: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            return status;
        }
        assert!(
            started.elapsed() < limit,
            "tbseq did not stop within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, port) = start_server(dir.path());
    signal(&server, "TERM");
    let status = wait_exit(&mut server, Duration::from_secs(15));
    assert!(status.success(), "{status}");
    assert!(
        http_get(port, "/ping").is_err(),
        "still answering after shutdown"
    );
    // The database was closed cleanly: it opens and checks out.
    let out = tbseq(dir.path(), &["check"], &[]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_second_signal_stops_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, port) = start_server(dir.path());
    // A request that never finishes keeps the graceful shutdown waiting for its grace period.
    let mut slow = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::io::Write::write_all(&mut slow, b"GET /ping HTTP/1.1\r\nHost: x\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    signal(&server, "INT");
    std::thread::sleep(Duration::from_millis(200));
    signal(&server, "INT");
    let status = wait_exit(&mut server, Duration::from_secs(3));
    assert_eq!(status.code(), Some(130), "{status}");
}

#[test]
fn storage_gc_is_a_dry_run_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let stored = dir.path().join("data/files/persistent");
    std::fs::create_dir_all(&stored).unwrap();
    std::fs::write(stored.join("orphan.fastq.gz"), b"x").unwrap();
    let args = ["storage", "gc", "--min-age-hours", "0"];
    let out = tbseq(dir.path(), &args, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("would remove 1 stored file(s)"),
        "{}",
        text(&out)
    );
    assert!(stored.join("orphan.fastq.gz").exists());
    let out = tbseq(dir.path(), &[&args[..], &["--delete"]].concat(), &[]);
    assert!(
        text(&out).contains("removed 1 stored file(s)"),
        "{}",
        text(&out)
    );
    assert!(!stored.join("orphan.fastq.gz").exists());
}
