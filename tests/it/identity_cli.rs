//! The real binary: `tbseq user …`, `tbseq token …`, `tbseq seed --sample-users`, the
//! generated first admin, and the identity settings of `tbseq config`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tbseq");

fn tbseq_with_input(dir: &Path, args: &[&str], env: &[(&str, &str)], input: &str) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .args(args)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run tbseq");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn tbseq(dir: &Path, args: &[&str]) -> Output {
    tbseq_with_input(dir, args, &[], "")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn text(out: &Output) -> String {
    format!("{}{}", stdout(out), String::from_utf8_lossy(&out.stderr))
}

/// A running `tbseq` and the lines it printed on stderr.
struct Server {
    child: Child,
    port: u16,
    stderr: Vec<String>,
}

impl Server {
    fn start(dir: &Path, env: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new(BIN);
        cmd.current_dir(dir)
            .env_clear()
            .env("TBSEQ_PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start tbseq");
        let (tx, rx) = mpsc::channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stderr = Vec::new();
        let started = Instant::now();
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => {
                    let done = line.contains("listening on");
                    stderr.push(line);
                    if done {
                        break;
                    }
                }
                Err(_) => {
                    if let Some(status) = child.try_wait().unwrap() {
                        panic!("tbseq exited with {status}: {stderr:?}");
                    }
                    assert!(
                        started.elapsed() < Duration::from_secs(30),
                        "no start: {stderr:?}"
                    );
                }
            }
        }
        Server {
            child,
            port,
            stderr,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_new_commands_have_help() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["user", "--help"],
        vec!["user", "create", "--help"],
        vec!["user", "set-password", "--help"],
        vec!["user", "list", "--help"],
        vec!["user", "disable", "--help"],
        vec!["token", "--help"],
        vec!["token", "create", "--help"],
        vec!["token", "list", "--help"],
        vec!["token", "revoke", "--help"],
        vec!["seed", "--help"],
    ] {
        let out = tbseq(dir.path(), &args);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        assert!(text(&out).contains("Usage"), "{args:?}");
    }
    assert!(text(&tbseq(dir.path(), &["seed", "--help"])).contains("--sample-users"));
}

#[test]
fn users_round_trip_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let create = |args: &[&str], password: &str| {
        let mut all = vec!["user", "create"];
        all.extend_from_slice(args);
        all.push("--password-stdin");
        tbseq_with_input(d, &all, &[], &format!("{password}\n"))
    };
    let out = create(
        &["alice", "--email", "alice@example.org", "--staff"],
        "correct horse battery",
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = create(&["alice", "--email", "a@b"], "correct horse battery");
    assert!(!out.status.success());
    assert!(text(&out).contains("already exists"), "{}", text(&out));
    let out = create(&["bob", "--email", "bob@example.org"], "1234");
    assert!(!out.status.success());
    assert!(text(&out).contains("too short"), "{}", text(&out));
    let out = create(&["bad name", "--email", "x@y"], "correct horse battery");
    assert!(!out.status.success());
    let out = create(
        &["root", "--email", "root@example.org", "--superuser"],
        "another good one",
    );
    assert!(out.status.success(), "{}", text(&out));
    // Without a terminal and without --password-stdin: a clear error.
    let out = tbseq(d, &["user", "create", "carol", "--email", "c@x"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("--password-stdin"), "{}", text(&out));

    let list = stdout(&tbseq(d, &["user", "list"]));
    let line = |name: &str| {
        list.lines()
            .find(|l| l.split('\t').nth(1) == Some(name))
            .unwrap_or_else(|| panic!("{name} not in {list}"))
            .split('\t')
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        line("alice")[2..6],
        ["alice@example.org", "true", "true", "false"]
    );
    assert_eq!(
        line("root")[3..6],
        ["true", "true", "true"],
        "a superuser is staff"
    );
    assert!(!list.contains("argon2"), "no password hashes in the list");

    let out = tbseq_with_input(
        d,
        &["user", "set-password", "alice", "--password-stdin"],
        &[],
        "a brand new secret\n",
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = tbseq_with_input(
        d,
        &["user", "set-password", "nobody", "--password-stdin"],
        &[],
        "a brand new secret\n",
    );
    assert!(!out.status.success());
    let out = tbseq(d, &["user", "disable", "alice"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        line_of(&stdout(&tbseq(d, &["user", "list"])), "alice")[3],
        "false"
    );
    assert!(!tbseq(d, &["user", "disable", "nobody"]).status.success());

    // The new password works and the disabled account cannot sign in; enabled again, it can.
    let server = Server::start(d, &[]);
    assert_eq!(sign_in(&server, "alice", "a brand new secret"), 401);
    server_stop(server);
    assert!(tbseq(d, &["user", "enable", "alice"]).status.success());
    let server = Server::start(d, &[]);
    assert_eq!(sign_in(&server, "alice", "correct horse battery"), 401);
    assert_eq!(sign_in(&server, "alice", "a brand new secret"), 303);
}

fn line_of(list: &str, name: &str) -> Vec<String> {
    list.lines()
        .find(|l| l.split('\t').nth(1) == Some(name))
        .unwrap_or_else(|| panic!("{name} not in {list}"))
        .split('\t')
        .map(str::to_string)
        .collect()
}

fn server_stop(server: Server) {
    drop(server);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Signs in through the admin form over HTTP; returns the status of the POST.
fn sign_in(server: &Server, username: &str, password: &str) -> u16 {
    runtime().block_on(async {
        let b = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = b
            .get(server.url("/admin/login/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let marker = "name=\"csrfmiddlewaretoken\" value=\"";
        let start = page.find(marker).expect("a sign-in form") + marker.len();
        let csrf = page[start..].split('"').next().unwrap();
        let reply = b
            .post(server.url("/admin/login/"))
            .form(&[
                ("username", username),
                ("password", password),
                ("csrfmiddlewaretoken", csrf),
                ("next", "/admin/"),
            ])
            .send()
            .await
            .unwrap();
        let status = reply.status().as_u16();
        if status == 303 {
            let admin = b.get(server.url("/admin/")).send().await.unwrap();
            // Staff see the admin, others the notice; both name the user.
            assert!(matches!(admin.status().as_u16(), 200 | 403));
            assert!(admin.text().await.unwrap().contains(username));
        }
        status
    })
}

fn get_me(server: &Server, token: &str) -> u16 {
    runtime().block_on(async {
        reqwest::Client::new()
            .get(server.url("/api/v1/identity/user/"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    })
}

#[test]
fn tokens_are_printed_once_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = tbseq_with_input(
        d,
        &[
            "user",
            "create",
            "bot",
            "--email",
            "bot@example.org",
            "--password-stdin",
        ],
        &[],
        "correct horse battery\n",
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = tbseq(
        d,
        &[
            "token",
            "create",
            "bot",
            "--name",
            "nightly import",
            "--expires",
            "30",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let token = stdout(&out).trim().to_string();
    assert!(token.starts_with("tbseq_") && token.len() == 49, "{token}");
    assert!(!tbseq(d, &["token", "create", "nobody"]).status.success());
    assert!(!tbseq(d, &["token", "create", "bot", "--expires", "0"])
        .status
        .success());

    let list = stdout(&tbseq(d, &["token", "list"]));
    assert!(list.contains("\tbot\tnightly import\t"), "{list}");
    assert!(
        !list.contains(&token[6..]),
        "the token itself is never listed"
    );

    let server = Server::start(d, &[]);
    assert_eq!(get_me(&server, &token), 200);
    let out = tbseq(d, &["token", "revoke", "1"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !tbseq(d, &["token", "revoke", "1"]).status.success(),
        "already revoked"
    );
    // Revoked from another process: refused within the cache bound (10 s).
    let started = Instant::now();
    while get_me(&server, &token) != 401 {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still accepted"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let list = stdout(&tbseq(d, &["token", "list"]));
    let row: Vec<&str> = list.lines().nth(1).unwrap().split('\t').collect();
    assert_ne!(row[5], "-", "last use recorded");
    assert_ne!(row[6], "-", "revocation recorded");
}

#[test]
fn the_first_start_outside_production_creates_an_admin_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let env = [("TBSEQ_ENVIRONMENT", "development")];
    let server = Server::start(d, &env);
    let line = server
        .stderr
        .iter()
        .find(|l| l.contains("with the password"))
        .unwrap_or_else(|| panic!("no password shown: {:?}", server.stderr))
        .clone();
    let password = line.rsplit(' ').next().unwrap().to_string();
    assert_eq!(password.len(), 20);
    assert_eq!(sign_in(&server, "admin", &password), 303);
    drop(server);
    // Never again, and never in a file.
    let server = Server::start(d, &env);
    assert!(
        !server.stderr.iter().any(|l| l.contains("password")),
        "{:?}",
        server.stderr
    );
    drop(server);
    for entry in walk(d) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&password),
            "{} holds the password",
            entry.display()
        );
    }
    let list = stdout(&tbseq_with_input(d, &["user", "list"], &env, ""));
    assert_eq!(line_of(&list, "admin")[3..6], ["true", "true", "true"]);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().map_while(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn production_starts_without_users_and_refuses_sample_users() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = Server::start(d, &[]);
    assert!(!server.stderr.iter().any(|l| l.contains("password")));
    drop(server);
    let list = stdout(&tbseq(d, &["user", "list"]));
    assert_eq!(list.lines().count(), 1, "only the header: {list}");
    let out = tbseq(d, &["seed", "--sample-users"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("refused in production"),
        "{}",
        text(&out)
    );
}

#[test]
fn sample_users_are_the_originals() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let env = [("TBSEQ_ENVIRONMENT", "development")];
    let out = tbseq_with_input(d, &["seed", "--sample-users"], &env, "");
    assert!(out.status.success(), "{}", text(&out));
    for name in ["user", "alice", "john", "admin"] {
        assert!(
            stdout(&out).contains(&format!(
                "'{name}' ({name}@example.com) created with password '123123'"
            )),
            "{}",
            stdout(&out)
        );
    }
    let out = tbseq_with_input(d, &["seed", "--sample-users"], &env, "");
    assert!(stdout(&out).contains("'alice' (alice@example.com) already exists"));
    let list = stdout(&tbseq(d, &["user", "list"]));
    assert_eq!(line_of(&list, "admin")[4..6], ["true", "true"]);
    assert_eq!(line_of(&list, "alice")[4..6], ["false", "false"]);
    // A seeded database has users: no generated admin on start.
    let server = Server::start(d, &env);
    assert!(!server.stderr.iter().any(|l| l.contains("password")));
    assert_eq!(sign_in(&server, "alice", "123123"), 303);
}

#[test]
fn identity_settings_are_shown_and_secrets_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("TBSEQ_OIDC__ISSUER", "https://login.example.org/realms/tb"),
        ("TBSEQ_OIDC__CLIENT_ID", "tbseq"),
        ("TBSEQ_OIDC__CLIENT_SECRET", "hunter3-secret"),
        ("TBSEQ_AUTH__SESSION_IDLE_MINUTES", "30"),
    ];
    let out = tbseq_with_input(dir.path(), &["config"], &env, "");
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(!shown.contains("hunter3"), "{shown}");
    let line = |key: &str| {
        shown
            .lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("no {key} in {shown}"))
            .to_string()
    };
    assert!(line("oidc.client_secret").contains("***"));
    assert!(line("oidc.issuer").contains("TBSEQ_OIDC__ISSUER"));
    assert!(line("oidc.role_claim").contains("roles"));
    assert!(line("oidc.admin_role").contains("admins"));
    assert!(line("auth.session_idle_minutes").contains("30"));
    // A provider over plain http (other than loopback) is refused, naming the key.
    let out = tbseq_with_input(
        dir.path(),
        &["config"],
        &[
            ("TBSEQ_OIDC__ISSUER", "http://login.example.org"),
            ("TBSEQ_OIDC__CLIENT_ID", "x"),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("oidc.issuer"));
    let out = tbseq_with_input(
        dir.path(),
        &["config"],
        &[("TBSEQ_OIDC__ISSUER", "https://login.example.org")],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("oidc.client_id"));
}

#[test]
fn check_reports_the_identity_provider() {
    let dir = tempfile::tempdir().unwrap();
    let issuer = std::env::var("TBSEQ_TEST_OIDC_ISSUER")
        .expect("TBSEQ_TEST_OIDC_ISSUER is not set: run scripts/test");
    let env = [
        ("TBSEQ_OIDC__ISSUER", issuer.as_str()),
        ("TBSEQ_OIDC__CLIENT_ID", "tbseq"),
    ];
    let out = tbseq_with_input(dir.path(), &["check"], &env, "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("ok    identity provider"),
        "{}",
        text(&out)
    );
    // The issuer must be spelled exactly as the provider does.
    let wrong = format!("{issuer}/");
    let env = [
        ("TBSEQ_OIDC__ISSUER", wrong.as_str()),
        ("TBSEQ_OIDC__CLIENT_ID", "tbseq"),
    ];
    let out = tbseq_with_input(dir.path(), &["check"], &env, "");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("FAIL  identity provider"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("names the issuer"), "{}", text(&out));
}
