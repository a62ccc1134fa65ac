//! The test kit: every test gets its own running app on a fresh database, and the
//! `both_backends!` macro runs each API test once on SQLite and once on PostgreSQL.
//!
//! PostgreSQL is a real server: `TBSEQ_TEST_POSTGRES_URL` points at a database whose user may
//! create databases (`scripts/test` starts a throwaway cluster and sets it). Each test creates
//! its own database and drops it afterwards.

#![allow(dead_code)]

pub mod browser;
pub mod oidc;

use std::path::PathBuf;

use rocket::http::{ContentType, Header, Method, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use serde_json::Value as Json;
use tbseq::app::App;
use tbseq::config::{Config, Environment};
use tbseq::db::Db;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The admin URL of the test PostgreSQL server; a clear failure when it is missing, so that a
/// run without PostgreSQL never passes silently.
pub fn postgres_admin_url() -> String {
    std::env::var("TBSEQ_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "TBSEQ_TEST_POSTGRES_URL is not set: run scripts/test (it starts PostgreSQL), \
             or point it at a server where this user may create databases"
        )
    })
}

/// A scratch database on the test server, dropped when this value is dropped.
pub struct ScratchPostgres {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl ScratchPostgres {
    pub async fn create() -> ScratchPostgres {
        let admin_url = postgres_admin_url();
        let name = format!("tbseq_test_{}", hex_id());
        let (client, conn) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
            .await
            .expect("connect to the test PostgreSQL server");
        let task = tokio::spawn(conn);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create a scratch database");
        drop(client);
        let _ = task.await;
        let mut url = url::Url::parse(&admin_url).expect("TBSEQ_TEST_POSTGRES_URL is a URL");
        url.set_path(&format!("/{name}"));
        ScratchPostgres {
            admin_url,
            name,
            url: url.to_string(),
        }
    }
}

impl Drop for ScratchPostgres {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime; do the async work on a thread of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok((client, conn)) =
                    tokio_postgres::connect(&admin_url, tokio_postgres::NoTls).await
                {
                    let task = tokio::spawn(conn);
                    let _ = client
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    drop(client);
                    let _ = task.await;
                }
            });
        })
        .join();
    }
}

pub fn hex_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "{}_{}_{}",
        std::process::id(),
        n,
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}

/// A running app on a fresh database, with an in-process HTTP client (and, for
/// [`TestApp::live`], a real listening server as well).
pub struct TestApp {
    pub backend: Backend,
    pub client: Client,
    pub db: Db,
    pub app: App,
    pub data_dir: PathBuf,
    /// `http://127.0.0.1:PORT` of the listening server ([`TestApp::live`] only).
    pub base_url: Option<String>,
    shutdown: Option<rocket::Shutdown>,
    _tmp: tempfile::TempDir,
    _pg: Option<ScratchPostgres>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            shutdown.notify();
        }
    }
}

impl TestApp {
    pub async fn new(backend: Backend) -> TestApp {
        TestApp::with_config(backend, |_| {}).await
    }

    /// Like [`TestApp::new`], with a chance to adjust the configuration first.
    pub async fn with_config(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let tmp = tempfile::tempdir().expect("temp dir");
        let mut config = Config {
            data_dir: tmp.path().join("data"),
            environment: Environment::Testing,
            log_level: "off".into(),
            database_pool_size: 4,
            ..Config::default()
        };
        adjust(&mut config);
        // A test that names its own database keeps it; others get a fresh one.
        let pg = match backend {
            Backend::Postgres if config.database_url.is_none() => {
                Some(ScratchPostgres::create().await)
            }
            _ => None,
        };
        if config.database_url.is_none() {
            config.database_url = Some(match &pg {
                None => format!("sqlite://{}", tmp.path().join("test.sqlite3").display()),
                Some(pg) => pg.url.clone(),
            });
        }
        let data_dir = config.data_dir.clone();
        let (app, _) = App::open(config).await.expect("open the app");
        let db = app.db.clone();
        let client = Client::tracked(tbseq::build_rocket(app.clone()))
            .await
            .expect("a valid rocket");
        TestApp {
            backend,
            client,
            db,
            app,
            data_dir,
            base_url: None,
            shutdown: None,
            _tmp: tmp,
            _pg: pg,
        }
    }

    /// An app on an existing database (for tests that prepare one themselves).
    pub async fn on_database(url: &str) -> TestApp {
        let backend = if url.starts_with("sqlite") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let url = url.to_string();
        TestApp::with_config(backend, move |c| c.database_url = Some(url)).await
    }

    /// Like [`TestApp::with_config`], and also listening on a free loopback port, for flows
    /// that a real browser (or another server) drives over HTTP.
    pub async fn live(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let port = free_port();
        let mut app = TestApp::with_config(backend, |c| {
            c.port = port;
            adjust(c)
        })
        .await;
        let rocket = tbseq::build_rocket(app.app.clone())
            .ignite()
            .await
            .expect("a valid rocket");
        app.shutdown = Some(rocket.shutdown());
        tokio::spawn(rocket.launch());
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if http.get(format!("{base}/ping")).send().await.is_ok() {
                app.base_url = Some(base);
                return app;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the test server did not start on {base}");
    }

    pub async fn get(&self, uri: &str) -> Reply {
        Reply::read(self.client.get(uri.to_string()).dispatch().await).await
    }

    pub async fn request(&self, method: Method, uri: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = self.client.req(method, uri.to_string());
        for (name, value) in headers {
            req.add_header(Header::new(name.to_string(), value.to_string()));
        }
        Reply::read(req.dispatch().await).await
    }
}

/// A free TCP port on loopback.
/// A file of the original project's test fixtures (`../shared/reference/original-fixtures`),
/// by its path below that folder.
pub fn original_fixture(path: &str) -> Vec<u8> {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/original-fixtures")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A response read whole: status, headers and body.
pub struct Reply {
    pub status: Status,
    pub content_type: Option<ContentType>,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub async fn read(res: LocalResponse<'_>) -> Reply {
        let status = res.status();
        let content_type = res.content_type();
        let headers = res
            .headers()
            .iter()
            .map(|h| {
                (
                    h.name().as_str().to_ascii_lowercase(),
                    h.value().to_string(),
                )
            })
            .collect();
        let body = res.into_string().await.unwrap_or_default();
        Reply {
            status,
            content_type,
            headers,
            body,
        }
    }

    pub fn json(&self) -> Json {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Asserts the error envelope with one error of this status and code.
    pub fn assert_error(&self, status: Status, code: &str) -> &Reply {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.content_type, Some(ContentType::JSON));
        let body = self.json();
        let kind = body["type"].as_str().expect("envelope type");
        assert!(
            ["validation_error", "client_error", "server_error"].contains(&kind),
            "type {kind}"
        );
        assert_eq!(body["errors"][0]["code"], code, "body: {}", self.body);
        assert!(body["errors"][0]["detail"].is_string());
        self
    }
}

/// Like `both_backends!`, with the app made by `$make` (an `async fn(Backend) -> TestApp`):
///
/// ```ignore
/// both_backends_with! { with_provider;
///     async fn accepts_tokens(app) { … }
/// }
/// ```
#[macro_export]
macro_rules! both_backends_with {
    ($make:path; $(async fn $name:ident($app:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::common::TestApp) $body

            #[rocket::async_test]
            async fn sqlite() {
                run($make($crate::common::Backend::Sqlite).await).await
            }

            #[rocket::async_test]
            async fn postgres() {
                run($make($crate::common::Backend::Postgres).await).await
            }
        }
    )*};
}

/// Runs each test body on SQLite and on PostgreSQL:
///
/// ```ignore
/// both_backends! {
///     async fn lists_drugs(app) { … }
/// }
/// ```
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($app:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::common::TestApp) $body

            #[rocket::async_test]
            async fn sqlite() {
                run($crate::common::TestApp::new($crate::common::Backend::Sqlite).await).await
            }

            #[rocket::async_test]
            async fn postgres() {
                run($crate::common::TestApp::new($crate::common::Backend::Postgres).await).await
            }
        }
    )*};
}

/// A signed-in API caller: a new user (first name from the username, last name
/// `<Name>son`, e-mail `<username>@example.com`, as the original's fixtures) and a personal
/// API token.
pub struct Caller {
    pub id: i64,
    pub token: String,
}

impl TestApp {
    pub async fn caller(&self, username: &str, staff: bool) -> Caller {
        use tbseq::db::repo::{IdentityStore, NewUser};
        let mut first = username.to_string();
        if let Some(c) = first.get_mut(0..1) {
            c.make_ascii_uppercase();
        }
        let id = self
            .db
            .create_user(&NewUser {
                username: username.into(),
                email: format!("{username}@example.com"),
                first_name: first.clone(),
                last_name: format!("{first}son"),
                password_hash: None,
                is_staff: staff,
                is_superuser: false,
            })
            .await
            .expect("create a user");
        let token = tbseq::identity::create_api_token(&self.db, id, "test", None)
            .await
            .expect("create a token")
            .1;
        Caller { id, token }
    }

    /// A new package of `owner`'s, created over the API; its id.
    pub async fn new_package(&self, owner: &Caller, name: &str) -> i64 {
        let reply = self
            .call(
                Method::Post,
                "/api/v1/submission/packages/",
                Some(owner),
                Some(&serde_json::json!({"name": name, "description": format!("{name} description")})),
            )
            .await;
        assert_eq!(reply.status, Status::Created, "{}", reply.body);
        reply.json()["pk"].as_i64().unwrap()
    }

    /// A request with an optional bearer token and an optional JSON body.
    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        caller: Option<&Caller>,
        body: Option<&Json>,
    ) -> Reply {
        let mut req = self.client.req(method, uri.to_string());
        if let Some(c) = caller {
            req.add_header(Header::new("Authorization", format!("Bearer {}", c.token)));
        }
        if let Some(b) = body {
            req.add_header(ContentType::JSON);
            req.set_body(b.to_string());
        }
        Reply::read(req.dispatch().await).await
    }

    /// A multipart POST as the frontend sends a workbook: the `file` plus its `type` and `pk`
    /// fields.
    pub async fn upload(&self, caller: &Caller, uri: &str, filename: &str, bytes: &[u8]) -> Reply {
        let boundary = "----tbseqboundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, value) in [("type", "pds-tests"), ("pk", "1")] {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
                 Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut req = self.client.post(uri.to_string());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        req.add_header(ContentType::parse_flexible(&content_type).unwrap());
        req.add_header(Header::new(
            "Authorization",
            format!("Bearer {}", caller.token),
        ));
        req.set_body(body);
        Reply::read(req.dispatch().await).await
    }

    /// The first column of the first row of a query, as an integer.
    pub async fn scalar(&self, sql: &str) -> i64 {
        self.db
            .query_one(sql, vec![])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .get(0)
            .unwrap()
    }
}
