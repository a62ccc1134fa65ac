//! Graceful shutdown of the real binary during an import over HTTP
//! (`POST /api/v1/imports/<kind>`), on SQLite and PostgreSQL:
//!
//! - SIGTERM while the request body is still arriving, and the body never completes within the
//!   grace period: the request is cut off, nothing of the file is in the database, no temporary
//!   file remains, and after a restart the same import succeeds;
//! - SIGTERM while a long import is being written, which outlasts the grace period: the
//!   process stops, the import's transaction is rolled back, and the retry succeeds;
//! - SIGTERM while a short import is in flight: it finishes within the grace period and its
//!   client gets the answer.
//!
//!
//! And the same for a FASTQ upload to the local store (`PUT /files/temporary/…`): cut off, no
//! partial file remains and the same link works after the restart; finished within the grace
//! period, the file is complete and links.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tbseq");

/// Tables an import of phenotypes writes to.
const TABLES: &[&str] = &[
    "submission_package",
    "submission_sample",
    "submission_samplealias",
    "submission_pdstest",
];

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One deployment: a data folder and a database, shared by successive server processes.
struct Site {
    dir: tempfile::TempDir,
    database_url: String,
}

impl Site {
    fn new(database_url: Option<String>) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let database_url = database_url
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("tbseq.sqlite3").display()));
        Site { dir, database_url }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(self.dir.path())
            .env_clear()
            .env("TBSEQ_DATABASE_URL", &self.database_url)
            .env("TBSEQ_DATA_DIR", self.data_dir())
            .env("TBSEQ_LOG_REQUESTS", "false");
        cmd
    }

    /// Runs a command to completion and returns its standard output.
    fn run(&self, args: &[&str], stdin: &str) -> String {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "tbseq {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// A staff user's personal API token.
    fn staff_token(&self) -> String {
        self.run(&["migrate"], "");
        self.run(
            &[
                "user",
                "create",
                "pipeline",
                "--email",
                "pipeline@example.org",
                "--staff",
                "--password-stdin",
            ],
            "a long enough password 123\n",
        );
        self.run(&["token", "create", "pipeline"], "")
            .trim()
            .to_string()
    }

    fn start(&self, grace_seconds: u32) -> Server {
        let port = common::free_port();
        let mut child = self
            .command()
            .env("TBSEQ_PORT", port.to_string())
            .env("TBSEQ_SHUTDOWN_GRACE", grace_seconds.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        loop {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = s.write_all(b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                let mut answer = String::new();
                let _ = s.read_to_string(&mut answer);
                if answer.starts_with("HTTP/1.1 200") {
                    break;
                }
            }
            assert!(child.try_wait().unwrap().is_none(), "tbseq exited early");
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no answer on /ping"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Server { child, port }
    }

    fn count(&self, table: &str) -> i64 {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let db = tbseq::db::Db::connect(&self.database_url, 1).await.unwrap();
            db.query_one(&format!("SELECT COUNT(*) FROM {table}"), vec![])
                .await
                .unwrap()
                .get::<i64>(0)
                .unwrap()
        })
    }

    fn counts(&self) -> Vec<i64> {
        TABLES.iter().map(|t| self.count(t)).collect()
    }

    /// Files left under the import's temporary folder.
    fn leftovers(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![self.data_dir().join("tmp")];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    found.push(path);
                }
            }
        }
        found
    }
}

/// A phenotype CSV of `samples` samples, each with a result for two drugs.
fn phenotypes(samples: usize) -> Vec<u8> {
    let mut csv = String::from("sample,drug,result\n");
    for i in 0..samples {
        let result = if i % 3 == 0 { "R" } else { "S" };
        csv.push_str(&format!("SD{i:07},INH,{result}\nSD{i:07},RIF,S\n"));
    }
    csv.into_bytes()
}

fn request_head(token: &str, length: usize) -> String {
    format!(
        "POST /api/v1/imports/phenotypes?filename=lab.csv&source=Shutdown%20lab HTTP/1.1\r\n\
         Host: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: text/csv\r\n\
         Content-Length: {length}\r\nConnection: close\r\n\r\n"
    )
}

/// Opens a connection to `server` and sends a request head and (part of) its body.
fn send(server: &Server, head: &str, body: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    s
}

/// Sends the whole import and returns the status and body of the answer.
fn import(server: &Server, token: &str, body: &[u8]) -> (u16, String) {
    let mut s = send(server, &request_head(token, body.len()), body);
    read_answer(&mut s)
}

fn read_answer(s: &mut TcpStream) -> (u16, String) {
    s.set_read_timeout(Some(Duration::from_secs(600))).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn sigterm(server: &Server) {
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_exit(server: &mut Server, limit: Duration) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            return status;
        }
        assert!(
            started.elapsed() < limit,
            "tbseq did not stop within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The retry on a restarted server imports the file in full.
fn retry_succeeds(site: &Site, token: &str, body: &[u8], samples: i64) {
    let server = site.start(10);
    let (status, answer) = import(&server, token, body);
    assert_eq!(status, 200, "the retry failed: {answer}");
    assert_eq!(site.count("submission_pdstest"), 2 * samples);
    assert!(site.leftovers().is_empty(), "{:?}", site.leftovers());
}

fn body_cut_off(database_url: Option<String>) {
    let site = Site::new(database_url);
    let token = site.staff_token();
    let samples = 20_000;
    let body = phenotypes(samples);
    let mut server = site.start(2);
    let before = site.counts();

    // A third of the body, then SIGTERM; the rest never comes.
    let mut s = send(
        &server,
        &request_head(&token, body.len()),
        &body[..body.len() / 3],
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !site.leftovers().is_empty(),
        "the body is not being received into a temporary file"
    );
    sigterm(&server);
    // Still inside the grace period: more of the body is received.
    std::thread::sleep(Duration::from_millis(500));
    let _ = s.write_all(&body[body.len() / 3..body.len() / 2]);
    let status = wait_exit(&mut server, Duration::from_secs(2 + 5 + 10));
    assert!(status.success(), "{status}");
    drop(s);

    assert_eq!(site.counts(), before, "part of the import was written");
    assert!(site.leftovers().is_empty(), "{:?}", site.leftovers());
    retry_succeeds(&site, &token, &body, samples as i64);
}

fn import_cut_off(database_url: Option<String>) {
    let site = Site::new(database_url);
    let token = site.staff_token();
    let samples = 150_000;
    let body = phenotypes(samples);
    let mut server = site.start(1);
    let before = site.counts();

    let mut s = send(&server, &request_head(&token, body.len()), &body);
    // The body is in; the import is running.
    std::thread::sleep(Duration::from_millis(1500));
    sigterm(&server);
    let started = Instant::now();
    let (status, answer) = read_answer(&mut s);
    let exit = wait_exit(&mut server, Duration::from_secs(60));
    assert_eq!(
        status,
        0,
        "the import finished within the grace period ({status} after {:?}: {answer}); \
         make it larger",
        started.elapsed()
    );
    // Rocket gives up on the request after grace (1 s) + mercy (5 s) + 1 s.
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        !exit.success(),
        "the cut-off import was reported as a clean stop"
    );

    assert_eq!(site.counts(), before, "part of the import was written");
    assert!(site.leftovers().is_empty(), "{:?}", site.leftovers());
    retry_succeeds(&site, &token, &body, samples as i64);
}

fn import_finishes_within_grace(database_url: Option<String>) {
    let site = Site::new(database_url);
    let token = site.staff_token();
    let samples = 2_000;
    let body = phenotypes(samples);
    let mut server = site.start(20);

    // Half the body, SIGTERM, then the rest: the request completes within the grace period.
    let mut s = send(
        &server,
        &request_head(&token, body.len()),
        &body[..body.len() / 2],
    );
    std::thread::sleep(Duration::from_millis(300));
    sigterm(&server);
    std::thread::sleep(Duration::from_millis(300));
    s.write_all(&body[body.len() / 2..]).unwrap();
    let (status, answer) = read_answer(&mut s);
    assert_eq!(status, 200, "{answer}");
    let exit = wait_exit(&mut server, Duration::from_secs(30));
    assert!(exit.success(), "{exit}");
    assert_eq!(site.count("submission_pdstest"), 2 * samples as i64);
    assert!(site.leftovers().is_empty(), "{:?}", site.leftovers());
}

/// Sends one request and reads the answer.
fn call(server: &Server, method: &str, path: &str, token: &str, json: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
        server.port,
        json.len()
    )
    .unwrap();
    read_answer(&mut s)
}

fn json_field(body: &str, field: &str) -> serde_json::Value {
    let value: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    value[field].clone()
}

/// A package and an upload link for `name` in it: (package id, the link's path and query).
fn upload_target(server: &Server, token: &str, name: &str) -> (i64, String) {
    let packages = "/api/v1/submission/packages/";
    let (status, body) = call(
        server,
        "POST",
        packages,
        token,
        r#"{"name":"shutdown","description":"d"}"#,
    );
    assert_eq!(status, 201, "{body}");
    let package = json_field(&body, "pk").as_i64().unwrap();
    let (status, body) = call(
        server,
        "POST",
        &format!("{packages}{package}/sequencing-data/upload-link/"),
        token,
        &format!(r#"{{"filename":"{name}"}}"#),
    );
    assert_eq!(status, 200, "{body}");
    let url = json_field(&body, "url").as_str().unwrap().to_string();
    // The link's host is the server's; only its path and query survive a restart.
    let path = url[url.find("/files/").unwrap()..].to_string();
    (package, path)
}

/// A FASTQ.gz of about a megabyte: reads with varied bases, so that it compresses as reads do.
fn fastq_gz() -> Vec<u8> {
    let mut text = String::new();
    let mut state = 7u64;
    for i in 0..12_000 {
        let seq: String = (0..100)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                b"ACGT"[(state >> 62) as usize] as char
            })
            .collect();
        text.push_str(&format!("@r{i}\n{seq}\n+\n{}\n", "I".repeat(100)));
    }
    crate::fastq::gz_bytes(text.as_bytes())
}

fn put_head(path: &str, length: usize) -> String {
    format!(
        "PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\n\
         Connection: close\r\n\r\n"
    )
}

/// Every file in the local store, as paths relative to it.
fn stored_files(site: &Site) -> Vec<String> {
    let root = site.data_dir().join("files");
    let mut found = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(&root).unwrap().display().to_string());
            }
        }
    }
    found.sort();
    found
}

/// The retry of `path` on a restarted server is stored, and the file links to the package.
fn upload_retry_links(site: &Site, token: &str, package: i64, path: &str, name: &str, file: &[u8]) {
    let server = site.start(10);
    let mut s = send(&server, &put_head(path, file.len()), file);
    let (status, answer) = read_answer(&mut s);
    assert_eq!(status, 200, "the retried upload failed: {answer}");
    fetch_links(&server, token, package, name);
}

fn fetch_links(server: &Server, token: &str, package: i64, name: &str) {
    let (status, body) = call(
        server,
        "POST",
        &format!("/api/v1/submission/packages/{package}/sequencing-data/fetch/"),
        token,
        &format!(r#"{{"filename":"{name}"}}"#),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(json_field(&body, "validationState"), "VALID");
}

/// An upload in progress: a third of the file sent and being received, the rest held back.
struct Partial {
    site: Site,
    token: String,
    file: Vec<u8>,
    server: Server,
    package: i64,
    path: String,
    socket: TcpStream,
}

fn partial_upload(database_url: Option<String>, name: &str) -> Partial {
    let site = Site::new(database_url);
    let token = site.staff_token();
    let file = fastq_gz();
    let server = site.start(1);
    let (package, path) = upload_target(&server, &token, name);
    let socket = send(
        &server,
        &put_head(&path, file.len()),
        &file[..file.len() / 3],
    );
    std::thread::sleep(Duration::from_millis(500));
    let files = stored_files(&site);
    assert!(
        files.iter().any(|f| f.starts_with("_tbseq/incoming/")),
        "the upload is not being received: {files:?}"
    );
    Partial {
        site,
        token,
        file,
        server,
        package,
        path,
        socket,
    }
}

fn upload_cut_off(database_url: Option<String>) {
    let mut p = partial_upload(database_url, "cut.fastq.gz");
    // SIGTERM; the rest never comes.
    sigterm(&p.server);
    wait_exit(&mut p.server, Duration::from_secs(1 + 5 + 10));
    drop(p.socket);
    assert_eq!(
        stored_files(&p.site),
        Vec::<String>::new(),
        "part of the upload remains"
    );
    upload_retry_links(
        &p.site,
        &p.token,
        p.package,
        &p.path,
        "cut.fastq.gz",
        &p.file,
    );
}

/// SIGKILL mid-upload leaves a partial file and a taken link; the next start clears both.
fn upload_killed(database_url: Option<String>) {
    let mut p = partial_upload(database_url, "killed.fastq.gz");
    p.server.child.kill().unwrap();
    wait_exit(&mut p.server, Duration::from_secs(10));
    drop(p.socket);
    let left = stored_files(&p.site);
    assert!(
        left.iter().any(|f| f.starts_with("_tbseq/incoming/")),
        "{left:?}"
    );
    upload_retry_links(
        &p.site,
        &p.token,
        p.package,
        &p.path,
        "killed.fastq.gz",
        &p.file,
    );
    assert!(
        !stored_files(&p.site)
            .iter()
            .any(|f| f.starts_with("_tbseq/")),
        "{:?}",
        stored_files(&p.site)
    );
}

fn upload_finishes_within_grace(database_url: Option<String>) {
    let site = Site::new(database_url);
    let token = site.staff_token();
    let file = fastq_gz();
    let mut server = site.start(20);
    let (package, path) = upload_target(&server, &token, "grace.fastq.gz");

    // Half the file, SIGTERM, then the rest: the upload completes within the grace period.
    let mut s = send(
        &server,
        &put_head(&path, file.len()),
        &file[..file.len() / 2],
    );
    std::thread::sleep(Duration::from_millis(300));
    sigterm(&server);
    std::thread::sleep(Duration::from_millis(300));
    s.write_all(&file[file.len() / 2..]).unwrap();
    let (status, answer) = read_answer(&mut s);
    assert_eq!(status, 200, "{answer}");
    let exit = wait_exit(&mut server, Duration::from_secs(30));
    assert!(exit.success(), "{exit}");
    let files = stored_files(&site);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].starts_with("temporary/"), "{files:?}");
    // The complete, verified upload links after the restart.
    let server = site.start(10);
    fetch_links(&server, &token, package, "grace.fastq.gz");
}

fn on_postgres(test: fn(Option<String>)) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let scratch = rt.block_on(common::ScratchPostgres::create());
    test(Some(scratch.url.clone()));
    drop(scratch);
}

#[test]
fn sigterm_while_the_body_arrives_sqlite() {
    body_cut_off(None);
}

#[test]
fn sigterm_while_the_body_arrives_postgres() {
    on_postgres(body_cut_off);
}

#[test]
fn an_import_cut_off_by_shutdown_rolls_back_sqlite() {
    import_cut_off(None);
}

#[test]
fn an_import_cut_off_by_shutdown_rolls_back_postgres() {
    on_postgres(import_cut_off);
}

#[test]
fn an_import_in_flight_finishes_within_the_grace_period_sqlite() {
    import_finishes_within_grace(None);
}

#[test]
fn an_import_in_flight_finishes_within_the_grace_period_postgres() {
    on_postgres(import_finishes_within_grace);
}

#[test]
fn sigterm_during_an_upload_leaves_nothing_sqlite() {
    upload_cut_off(None);
}

#[test]
fn sigterm_during_an_upload_leaves_nothing_postgres() {
    on_postgres(upload_cut_off);
}

#[test]
fn an_upload_in_flight_finishes_within_the_grace_period_sqlite() {
    upload_finishes_within_grace(None);
}

#[test]
fn an_upload_in_flight_finishes_within_the_grace_period_postgres() {
    on_postgres(upload_finishes_within_grace);
}

#[test]
fn a_killed_upload_is_cleared_at_the_next_start_sqlite() {
    upload_killed(None);
}

#[test]
fn a_killed_upload_is_cleared_at_the_next_start_postgres() {
    on_postgres(upload_killed);
}
