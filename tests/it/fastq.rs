//! FASTQ uploads end to end, on both databases and on both file stores: the local folder
//! (tbseq signs and serves the upload links) and S3 (a real S3-compatible server that checks
//! SigV4 signatures: `s3s-fs`, started by scripts/test, which exports
//! `TBSEQ_TEST_S3_ENDPOINT`, `TBSEQ_TEST_S3_ACCESS_KEY`, `TBSEQ_TEST_S3_SECRET_KEY` and
//! `TBSEQ_TEST_S3_DIR`, the folder it serves: a bucket is a sub-folder there).

use crate::common;

use std::io::Write;

use common::{Backend, Caller, TestApp};
use flate2::write::GzEncoder;
use md5::{Digest, Md5};
use rocket::http::{Method, Status};
use serde_json::{json, Value};
use tbseq::config::{S3Config, StorageKind};

const PACKAGES: &str = "/api/v1/submission/packages/";
const VALID_MD5: &str = "8a425ebabf702b8914fe341ad0fc49c6";
const LENGTHS: &str =
    "Lengths of sequence and quality values differs for SRR19739149.1.1 1 length=4 (4 and 5).";

fn fixture(name: &str) -> Vec<u8> {
    common::original_fixture(&format!("sequencing_data/{name}"))
}

fn gz(text: &str) -> Vec<u8> {
    gz_bytes(text.as_bytes())
}

pub fn gz_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Store {
    Local,
    S3,
}

fn s3_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run scripts/test (it starts s3s-fs), or start an S3 server \
             that checks signatures and set TBSEQ_TEST_S3_ENDPOINT, TBSEQ_TEST_S3_ACCESS_KEY, \
             TBSEQ_TEST_S3_SECRET_KEY and TBSEQ_TEST_S3_DIR"
        )
    })
}

/// A fresh bucket on the test S3 server.
fn s3_config() -> S3Config {
    let bucket = format!("tbseq-{}", common::hex_id().replace('_', "-"));
    std::fs::create_dir_all(std::path::Path::new(&s3_env("TBSEQ_TEST_S3_DIR")).join(&bucket))
        .expect("create the bucket folder");
    S3Config {
        bucket,
        region: "us-east-1".into(),
        endpoint: Some(s3_env("TBSEQ_TEST_S3_ENDPOINT")),
        path_style: true,
        access_key_id: Some(s3_env("TBSEQ_TEST_S3_ACCESS_KEY")),
        secret_access_key: Some(s3_env("TBSEQ_TEST_S3_SECRET_KEY")),
    }
}

async fn app_with(
    backend: Backend,
    store: Store,
    adjust: impl FnOnce(&mut tbseq::config::Config),
) -> TestApp {
    TestApp::with_config(backend, |c| {
        if store == Store::S3 {
            c.storage.kind = StorageKind::S3;
            c.storage.s3 = s3_config();
        }
        adjust(c)
    })
    .await
}

/// Runs each body on SQLite and PostgreSQL, with the local store and with S3.
macro_rules! all_setups {
    ($(async fn $name:ident($app:ident, $store:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: TestApp, $store: Store) $body

            #[rocket::async_test]
            async fn sqlite_local() {
                run(app_with(Backend::Sqlite, Store::Local, |_| {}).await, Store::Local).await
            }
            #[rocket::async_test]
            async fn postgres_local() {
                run(app_with(Backend::Postgres, Store::Local, |_| {}).await, Store::Local).await
            }
            #[rocket::async_test]
            async fn sqlite_s3() {
                run(app_with(Backend::Sqlite, Store::S3, |_| {}).await, Store::S3).await
            }
            #[rocket::async_test]
            async fn postgres_s3() {
                run(app_with(Backend::Postgres, Store::S3, |_| {}).await, Store::S3).await
            }
        }
    )*};
}

fn seq_path(package: i64, action: &str) -> String {
    format!("{PACKAGES}{package}/sequencing-data/{action}")
}

async fn upload_link(app: &TestApp, who: &Caller, package: i64, name: &str) -> common::Reply {
    app.call(
        Method::Post,
        &seq_path(package, "upload-link/"),
        Some(who),
        Some(&json!({ "filename": name })),
    )
    .await
}

async fn fetch(app: &TestApp, who: &Caller, package: i64, name: &str) -> common::Reply {
    app.call(
        Method::Post,
        &seq_path(package, "fetch/"),
        Some(who),
        Some(&json!({ "filename": name })),
    )
    .await
}

/// PUTs bytes to an upload URL as a browser would (no extra headers): a tbseq link through
/// the in-process client, an S3 URL over HTTP. Returns the status code and body.
pub(crate) async fn put(app: &TestApp, url: &str, bytes: Vec<u8>) -> (u16, String) {
    if let Some(path) = url.strip_prefix("http://localhost") {
        let reply = app
            .client
            .put(path.to_string())
            .header(rocket::http::ContentType::new("application", "gzip"))
            .body(bytes)
            .dispatch()
            .await;
        let status = reply.status().code;
        (status, reply.into_string().await.unwrap_or_default())
    } else {
        let reply = reqwest::Client::new()
            .put(url)
            .header("Content-Type", "application/gzip")
            .body(bytes)
            .send()
            .await
            .expect("PUT to S3");
        (
            reply.status().as_u16(),
            reply.text().await.unwrap_or_default(),
        )
    }
}

/// GETs a download URL (tbseq's or S3's).
async fn download(app: &TestApp, url: &str) -> (u16, Vec<u8>) {
    if let Some(path) = url.strip_prefix("http://localhost") {
        let reply = app.client.get(path.to_string()).dispatch().await;
        let status = reply.status().code;
        (status, reply.into_bytes().await.unwrap_or_default())
    } else {
        let reply = reqwest::get(url).await.expect("GET from S3");
        (
            reply.status().as_u16(),
            reply.bytes().await.unwrap_or_default().to_vec(),
        )
    }
}

/// upload-link, PUT, fetch: the frontend's three steps.
async fn upload(
    app: &TestApp,
    who: &Caller,
    package: i64,
    name: &str,
    bytes: Vec<u8>,
) -> common::Reply {
    let link = upload_link(app, who, package, name).await;
    assert_eq!(link.status, Status::Ok, "{}", link.body);
    let url = link.json()["url"].as_str().unwrap().to_string();
    let (status, body) = put(app, &url, bytes).await;
    assert_eq!(status, 200, "PUT {url}: {body}");
    fetch(app, who, package, name).await
}

async fn objects(app: &TestApp, prefix: &str) -> Vec<String> {
    app.app
        .store
        .list(prefix)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect()
}

async fn links(app: &TestApp, who: &Caller, package: i64) -> Value {
    let reply = app
        .call(Method::Get, &seq_path(package, ""), Some(who), None)
        .await;
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    reply.json()
}

fn is_stored_name(name: &str, rest: &str) -> bool {
    name.len() == 32 + rest.len()
        && name[..32].bytes().all(|b| b.is_ascii_hexdigit())
        && name.ends_with(rest)
}

all_setups! {
    async fn the_original_fixtures_through_the_whole_flow(app, store) {
        let alice = app.caller("alice", false).await;
        let package = app.new_package(&alice, "fastq").await;

        // valid.fastq.gz (the original's test_validate_uploaded_file).
        let valid = fixture("valid.fastq.gz");
        let reply = upload(&app, &alice, package, "anything.fastq.gz", valid.clone()).await;
        assert_eq!(reply.status, Status::Created, "{}", reply.body);
        let link = reply.json();
        assert_eq!(link["filename"], "anything.fastq.gz");
        assert_eq!(link["validationState"], "VALID");
        let data = &link["sequencingData"];
        let stored = data["filename"].as_str().unwrap().to_string();
        assert!(is_stored_name(&stored, ".fastq.gz"), "{stored}");
        assert_eq!(data["filePath"], format!("persistent/{stored}"));
        assert_eq!(data["dataLocation"], "TB-Kb");
        assert_eq!(data["fileSize"], valid.len() as i64);
        assert_eq!(data["libraryName"], "");
        let sd = data["pk"].as_i64().unwrap();
        assert_eq!(
            app.scalar(&format!("SELECT COUNT(*) FROM submission_sequencingdatahash WHERE sequencing_data_id = {sd}")).await,
            1
        );
        let row = app
            .db
            .query_one(
                "SELECT h.algorithm, h.value, sd.sha256, sd.read_count, sd.base_count, sd.sequencing_platform \
                 FROM submission_sequencingdata sd JOIN submission_sequencingdatahash h ON h.sequencing_data_id = sd.id \
                 WHERE sd.id = $1",
                vec![sd.into()],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<String>(0).unwrap(), "MD5");
        assert_eq!(row.get::<String>(1).unwrap(), VALID_MD5);
        assert_eq!(row.get::<String>(2).unwrap().len(), 64);
        assert!(row.get::<i64>(3).unwrap() > 0);
        assert!(row.get::<i64>(4).unwrap() > 0);
        assert_eq!(row.get::<String>(5).unwrap(), "ILLUMINA");
        // The temporary object is gone; the stored one is there, and downloads.
        assert!(objects(&app, "temporary/").await.is_empty());
        assert_eq!(objects(&app, "persistent/").await, vec![format!("persistent/{stored}")]);
        let url = data["fileUrl"].as_str().unwrap();
        if store == Store::S3 {
            assert!(url.contains("X-Amz-Signature="), "{url}");
        } else {
            assert!(url.starts_with("http://localhost/files/persistent/"), "{url}");
        }
        let (status, bytes) = download(&app, url).await;
        assert_eq!(status, 200);
        assert_eq!(md5_hex(&bytes), VALID_MD5);
        // The package was marked changed: its counter counts the link.
        assert_eq!(
            app.scalar(&format!("SELECT cnt_sequencing_data FROM submission_packagestats WHERE package_id = {package}")).await,
            1
        );

        // invalid.fastq.gz (test_failed_validate_uploaded_file): the exact body, temp deleted.
        let reply = upload(&app, &alice, package, "bad.fastq.gz", fixture("invalid.fastq.gz")).await;
        assert_eq!(reply.status, Status::BadRequest);
        assert_eq!(
            reply.json(),
            json!({"type": "validation_error", "errors": [
                {"code": "invalid", "detail": LENGTHS, "attr": "uploadedFile"}]})
        );
        assert!(objects(&app, "temporary/").await.is_empty());

        // a1 … a10: all valid, all different.
        let mut bytes = valid.len();
        for i in 1..=10 {
            let name = format!("a{i}_SRR000002.fastq.gz");
            bytes += fixture(&name).len();
            let reply = upload(&app, &alice, package, &name, fixture(&name)).await;
            assert_eq!(reply.status, Status::Created, "{name}: {}", reply.body);
            let stored = reply.json()["sequencingData"]["filename"].as_str().unwrap().to_string();
            assert!(is_stored_name(&stored, ".fastq.gz"), "{stored}");
        }
        let list = links(&app, &alice, package).await;
        assert_eq!(list.as_array().unwrap().len(), 11);
        assert_eq!(objects(&app, "persistent/").await.len(), 11);
        // Every checked upload is counted in /metrics, whichever store holds it.
        let metrics = app.get("/metrics").await.body;
        assert!(metrics.contains("tbseq_uploads_total{outcome=\"accepted\"} 11"), "{metrics}");
        assert!(metrics.contains("tbseq_uploads_total{outcome=\"refused\"} 1"), "{metrics}");
        assert!(metrics.contains(&format!("tbseq_upload_bytes_total {bytes}\n")), "{metrics}");

        // Deleting a link keeps the stored file and its row.
        let first = list[0]["pk"].as_i64().unwrap();
        let reply = app
            .call(Method::Delete, &seq_path(package, &format!("{first}/")), Some(&alice), None)
            .await;
        assert_eq!(reply.status, Status::NoContent, "{}", reply.body);
        assert_eq!(objects(&app, "persistent/").await.len(), 11);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_sequencingdata").await, 11);
    }

    async fn conflicts_missing_files_and_duplicates(app, store) {
        let alice = app.caller("alice", false).await;
        let bob = app.caller("bob", false).await;
        let mine = app.new_package(&alice, "mine").await;
        let theirs = app.new_package(&bob, "theirs").await;

        // fetch before any upload: 404, the original's text.
        let reply = fetch(&app, &alice, mine, "x.fastq.gz").await;
        assert_eq!(reply.status, Status::NotFound);
        assert_eq!(
            reply.json(),
            json!({"type": "client_error", "errors": [
                {"code": "not_found", "detail": "file is not found on S3.", "attr": null}]})
        );

        // Uploaded but not fetched: a second upload-link is a 409.
        let link = upload_link(&app, &alice, mine, "x.fastq.gz").await;
        let url = link.json()["url"].as_str().unwrap().to_string();
        assert_eq!(put(&app, &url, fixture("valid.fastq.gz")).await.0, 200);
        let reply = upload_link(&app, &alice, mine, "x.fastq.gz").await;
        assert_eq!(reply.status, Status::Conflict);
        assert_eq!(
            reply.json(),
            json!({"type": "client_error", "errors": [{"code": "conflict",
                "detail": "file is already uploaded, proceed to fetch directly.", "attr": null}]})
        );
        assert_eq!(fetch(&app, &alice, mine, "x.fastq.gz").await.status, Status::Created);

        // The same content from another user, in another package: stored once.
        let reply = upload(&app, &bob, theirs, "copy.fastq.gz", fixture("valid.fastq.gz")).await;
        assert_eq!(reply.status, Status::Created, "{}", reply.body);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_sequencingdata").await, 1);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_packagesequencingdata").await, 2);
        assert_eq!(objects(&app, "persistent/").await.len(), 1);

        // The same content under another name in the same package: already attached.
        let reply = upload(&app, &alice, mine, "again.fastq.gz", fixture("valid.fastq.gz")).await;
        assert_eq!(reply.status, Status::BadRequest);
        assert_eq!(
            reply.json()["errors"],
            json!([{"code": "invalid", "detail": "The file is already attached to the package.", "attr": null}])
        );
        assert!(objects(&app, "temporary/").await.is_empty());

        // Names: the original's pattern; no way out of the temporary prefix.
        for bad in ["../x.fastq.gz", "a/b.fastq.gz", "x.fastq", "%2e%2e.fastq.gz"] {
            let reply = upload_link(&app, &alice, mine, bad).await;
            reply.assert_error(Status::BadRequest, "invalid");
            assert_eq!(reply.json()["errors"][0]["attr"], "filename", "{bad}");
            assert_eq!(
                reply.json()["errors"][0]["detail"],
                "This value does not match the required pattern."
            );
        }
        upload_link(&app, &alice, mine, "").await.assert_error(Status::BadRequest, "blank");
        let reply = app
            .call(Method::Post, &seq_path(mine, "upload-link/"), Some(&alice), Some(&json!({})))
            .await;
        reply.assert_error(Status::BadRequest, "required");
        // Odd Unicode and spaces are fine, and stay in the link's name only.
        let name = "ñandú Ω,1.R1.fastq.gz";
        let reply = upload(&app, &alice, mine, name, gz("@r\nACGT\n+\nIIII\n")).await;
        assert_eq!(reply.status, Status::Created, "{}", reply.body);
        assert_eq!(reply.json()["filename"], name);
        let stored = reply.json()["sequencingData"]["filename"].as_str().unwrap().to_string();
        assert!(is_stored_name(&stored, ".R1.fastq.gz"), "{stored}");

        // Another user's package: 403, as every nested route.
        upload_link(&app, &bob, mine, "y.fastq.gz").await.assert_error(Status::Forbidden, "permission_denied");
        fetch(&app, &bob, mine, "y.fastq.gz").await.assert_error(Status::Forbidden, "permission_denied");
        let _ = store;
    }

    async fn bad_files_get_clear_answers(app, store) {
        let alice = app.caller("alice", false).await;
        let package = app.new_package(&alice, "bad").await;
        let good = gz(&"@r\nACGT\n+\nIIII\n".repeat(2000));
        let mut two_members = gz("@a\nAC\n+\nII\n");
        two_members.extend(gz("@b\nGT\n+\nII\n"));
        let cases: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
            ("truncated", good[..good.len() / 2].to_vec(), Some("truncated")),
            ("plain", b"@r\nACGT\n+\nIIII\n".to_vec(), Some("not gzip-compressed")),
            ("empty", vec![], Some("no sequences found in the FASTQ file")),
            ("emptygz", gz(""), Some("no sequences found in the FASTQ file")),
            ("short", gz("@r1\nACGT\n+\nIII\n"), Some("Lengths of sequence and quality values differs for r1 (4 and 3).")),
            ("noat", gz("r1\nACGT\n+\nIIII\n"), Some("Records in Fastq files should start with '@' character")),
            ("latin1", gz_bytes(b"@r\n\xe9\n+\nI\n"), Some("Line 2 is not UTF-8 text.")),
            ("members", two_members, None),
            ("crlf", gz("@r\r\nACGT\r\n+\r\nIIII\r\n"), None),
            ("longheader", gz(&format!("@{}\nA\n+\nI\n", "h".repeat(10_000))), None),
        ];
        for (name, bytes, error) in cases {
            let file = format!("{name}.fastq.gz");
            let reply = upload(&app, &alice, package, &file, bytes).await;
            match error {
                Some(text) => {
                    assert_eq!(reply.status, Status::BadRequest, "{name}: {}", reply.body);
                    let detail = reply.json()["errors"][0]["detail"].as_str().unwrap().to_string();
                    assert!(detail.contains(text), "{name}: {detail}");
                    assert_eq!(reply.json()["errors"][0]["attr"], "uploadedFile");
                }
                None => assert_eq!(reply.status, Status::Created, "{name}: {}", reply.body),
            }
        }
        assert!(objects(&app, "temporary/").await.is_empty());
        let _ = store;
    }

    async fn large_files_are_checked_in_the_background(app, store) {
        let alice = app.caller("alice", false).await;
        let package = app.new_package(&alice, "big").await;
        // A second app on the same database and store, with every file counted as large.
        let url = app.app.config.database_url();
        let storage = app.app.config.storage.clone();
        let data_dir = app.data_dir.clone();
        let big = TestApp::with_config(app.backend, move |c| {
            c.database_url = Some(url);
            c.storage = storage;
            c.storage.inline_check_max_bytes = Some(0);
            c.data_dir = data_dir;
        })
        .await;
        let reply = upload(&big, &alice, package, "one.fastq.gz", fixture("valid.fastq.gz")).await;
        assert_eq!(reply.status, Status::Accepted, "{}", reply.body);
        let state = reply.json()["validationState"].as_str().unwrap().to_string();
        assert!(["PENDING", "VALIDATING", "VALID"].contains(&state.as_str()), "{state}");
        let reply = upload(&big, &alice, package, "two.fastq.gz", fixture("invalid.fastq.gz")).await;
        assert_eq!(reply.status, Status::Accepted, "{}", reply.body);
        let mut list = Value::Null;
        for _ in 0..200 {
            list = links(&big, &alice, package).await;
            if list.as_array().unwrap().iter().all(|l| {
                l["validationState"] == "VALID" || l["validationState"] == "INVALID"
            }) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(list[0]["validationState"], "VALID", "{list}");
        assert!(list[0]["sequencingData"]["filePath"].as_str().unwrap().starts_with("persistent/"));
        assert_eq!(list[1]["validationState"], "INVALID", "{list}");
        assert_eq!(list[1]["validationError"], LENGTHS);
        assert!(objects(&big, "temporary/").await.is_empty());
        // The same content again, in the background: the package already has it.
        let reply = upload(&big, &alice, package, "three.fastq.gz", fixture("valid.fastq.gz")).await;
        assert_eq!(reply.status, Status::Accepted);
        for _ in 0..200 {
            list = links(&big, &alice, package).await;
            if list[2]["validationState"] == "INVALID" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(list[2]["validationError"], "The file is already attached to the package.");
        assert_eq!(objects(&big, "persistent/").await.len(), 1);
        let _ = store;
    }

    async fn housekeeping_and_garbage_collection(app, store) {
        use tbseq::storage::housekeeping::{collect_garbage, sweep_temporary};
        let alice = app.caller("alice", false).await;
        let package = app.new_package(&alice, "gc").await;
        let reply = upload(&app, &alice, package, "kept.fastq.gz", fixture("valid.fastq.gz")).await;
        assert_eq!(reply.status, Status::Created);
        let kept = reply.json()["sequencingData"]["filePath"].as_str().unwrap().to_string();
        app.app.store.put_bytes("persistent/orphan.fastq.gz", b"x".to_vec()).await.unwrap();
        // Dry run: reported, kept.
        let found = collect_garbage(&app.app.store, &app.db, true, 0).await.unwrap();
        assert_eq!(found.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(), vec!["persistent/orphan.fastq.gz"]);
        assert_eq!(objects(&app, "persistent/").await.len(), 2);
        // Young files are left alone.
        assert!(collect_garbage(&app.app.store, &app.db, false, 3600).await.unwrap().is_empty());
        // For real.
        let removed = collect_garbage(&app.app.store, &app.db, false, 0).await.unwrap();
        assert_eq!(removed.len(), 1);
        assert_eq!(objects(&app, "persistent/").await, vec![kept]);

        // A temporary upload nobody fetched: kept while young, removed when old.
        let link = upload_link(&app, &alice, package, "late.fastq.gz").await;
        let url = link.json()["url"].as_str().unwrap().to_string();
        assert_eq!(put(&app, &url, fixture("valid.fastq.gz")).await.0, 200);
        assert!(sweep_temporary(&app.app.store, &app.db, 3600).await.unwrap().is_empty());
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let removed = sweep_temporary(&app.app.store, &app.db, 0).await.unwrap();
        assert_eq!(removed.len(), 1, "{removed:?}");
        assert!(objects(&app, "temporary/").await.is_empty());
        assert_eq!(app.scalar("SELECT COUNT(*) FROM storage_upload").await, 0);
        // The link works again after the sweep.
        assert_eq!(upload_link(&app, &alice, package, "late.fastq.gz").await.status, Status::Ok);
        let _ = store;
    }
}

// ---- the local store's own upload links ----------------------------------------------------

fn with_query(url: &str, key: &str, value: &str) -> String {
    let mut parsed = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == key {
                value.to_string()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.to_string()
}

both_backends! {
    async fn local_links_are_signed_single_use_and_limited(app) {
        let alice = app.caller("alice", false).await;
        let bob = app.caller("bob", false).await;
        let package = app.new_package(&alice, "links").await;
        let link = upload_link(&app, &alice, package, "s.fastq.gz").await;
        let url = link.json()["url"].as_str().unwrap().to_string();
        assert!(url.starts_with("http://localhost/files/temporary/"), "{url}");
        let body = fixture("valid.fastq.gz");

        // Tampered: signature, user, expiry, or another file.
        let sig = url::Url::parse(&url).unwrap().query_pairs().find(|(k, _)| k == "signature").unwrap().1.into_owned();
        let mut flipped = sig.clone().into_bytes();
        flipped[0] = if flipped[0] == b'a' { b'b' } else { b'a' };
        for bad in [
            with_query(&url, "signature", std::str::from_utf8(&flipped).unwrap()),
            with_query(&url, "user", &bob.id.to_string()),
            with_query(&url, "expires", "99999999999"),
            url.replace("s.fastq.gz", "t.fastq.gz"),
        ] {
            let (status, text) = put(&app, &bad, body.clone()).await;
            assert_eq!(status, 403, "{bad}: {text}");
        }
        assert!(objects(&app, "temporary/").await.is_empty());

        // Once, and only once.
        assert_eq!(put(&app, &url, body.clone()).await.0, 200);
        let (status, text) = put(&app, &url, body.clone()).await;
        assert_eq!(status, 403, "{text}");
        assert!(text.contains("used already"), "{text}");
        assert_eq!(fetch(&app, &alice, package, "s.fastq.gz").await.status, Status::Created);
        assert_eq!(put(&app, &url, body.clone()).await.0, 403);
    }

    async fn expired_and_oversized_uploads_are_refused(app) {
        let alice = app.caller("alice", false).await;
        let package = app.new_package(&alice, "limits").await;
        let url = app.app.config.database_url();
        let data_dir = app.data_dir.clone();
        let strict = TestApp::with_config(app.backend, move |c| {
            c.database_url = Some(url);
            c.data_dir = data_dir;
            c.storage.link_seconds = Some(0);
            c.storage.upload_max_bytes = Some(500);
        })
        .await;
        let link = upload_link(&strict, &alice, package, "e.fastq.gz").await;
        let url = link.json()["url"].as_str().unwrap().to_string();
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let (status, text) = put(&strict, &url, gz("@r\nA\n+\nI\n")).await;
        assert_eq!(status, 403, "{text}");
        assert!(text.contains("expired"), "{text}");

        let data_dir = app.data_dir.clone();
        let url = app.app.config.database_url();
        let small = TestApp::with_config(app.backend, move |c| {
            c.database_url = Some(url);
            c.data_dir = data_dir;
            c.storage.upload_max_bytes = Some(500);
        })
        .await;
        let link = upload_link(&small, &alice, package, "big.fastq.gz").await;
        let url = link.json()["url"].as_str().unwrap().to_string();
        let (status, text) = put(&small, &url, vec![7u8; 5000]).await;
        assert_eq!(status, 413, "{text}");
        assert!(objects(&small, "temporary/").await.is_empty());
        assert!(objects(&small, "_tbseq/").await.is_empty());
        // The link was given back: a file within the limit still goes through.
        assert_eq!(put(&small, &url, gz("@r\nA\n+\nI\n")).await.0, 200);
    }
}

/// The browser's connection drops in the middle of the PUT: nothing becomes visible, and the
/// same link works on the retry.
#[rocket::async_test]
async fn a_dropped_upload_leaves_nothing_and_can_be_retried() {
    use std::io::Read;
    let app = TestApp::live(Backend::Sqlite, |_| {}).await;
    let base = app.base_url.clone().unwrap();
    let alice = app.caller("alice", false).await;
    let package = app.new_package(&alice, "drop").await;
    let reply = reqwest::Client::new()
        .post(format!("{base}{}", seq_path(package, "upload-link/")))
        .bearer_auth(&alice.token)
        .json(&json!({"filename": "d.fastq.gz"}))
        .send()
        .await
        .unwrap();
    let url: String = reply.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .into();
    assert!(
        url.starts_with(&base),
        "{url} should use the request's host"
    );
    let target = url.strip_prefix(&base).unwrap().to_string();
    let port = base.rsplit(':').next().unwrap().to_string();
    tokio::task::spawn_blocking(move || {
        let mut socket = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
        write!(
            socket,
            "PUT {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n"
        )
        .unwrap();
        socket.write_all(&[1u8; 300_000]).unwrap();
        socket.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
        socket.shutdown(std::net::Shutdown::Both).unwrap();
        let mut rest = vec![];
        let _ = socket.read_to_end(&mut rest);
    })
    .await
    .unwrap();
    // The server notices and cleans up.
    let mut clean = false;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let state: String = app
            .db
            .query_one("SELECT state FROM storage_upload", vec![])
            .await
            .unwrap()
            .get(0)
            .unwrap();
        if state == "ISSUED"
            && objects(&app, "temporary/").await.is_empty()
            && objects(&app, "_tbseq/").await.is_empty()
        {
            clean = true;
            break;
        }
    }
    assert!(clean, "a partial upload stayed visible");
    assert_eq!(
        fetch(&app, &alice, package, "d.fastq.gz").await.status,
        Status::NotFound
    );
    // Retry with the same link.
    let reply = reqwest::Client::new()
        .put(&url)
        .body(fixture("valid.fastq.gz"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 200);
    assert_eq!(
        fetch(&app, &alice, package, "d.fastq.gz").await.status,
        Status::Created
    );
}

// ---- S3 presigned URLs: the server checks them ----------------------------------------------

both_backends_with! { s3_app;
    async fn s3_presigned_urls_are_checked(app) {
        let alice = app.caller("alice", false).await;
        let package = app.new_package(&alice, "s3").await;
        let link = upload_link(&app, &alice, package, "p.fastq.gz").await;
        let url = link.json()["url"].as_str().unwrap().to_string();
        assert!(url.contains("X-Amz-Signature="), "{url}");
        let sig = url::Url::parse(&url).unwrap().query_pairs().find(|(k, _)| k == "X-Amz-Signature").unwrap().1.into_owned();
        let mut flipped = sig.clone().into_bytes();
        flipped[0] = if flipped[0] == b'a' { b'b' } else { b'a' };
        let tampered = with_query(&url, "X-Amz-Signature", std::str::from_utf8(&flipped).unwrap());
        let (status, text) = put(&app, &tampered, fixture("valid.fastq.gz")).await;
        assert_eq!(status, 403, "{text}");
        assert!(text.contains("SignatureDoesNotMatch"), "{text}");
        let other = url.replace("p.fastq.gz", "q.fastq.gz");
        assert_eq!(put(&app, &other, fixture("valid.fastq.gz")).await.0, 403);
        assert!(objects(&app, "temporary/").await.is_empty());
        // The genuine URL works.
        assert_eq!(put(&app, &url, fixture("valid.fastq.gz")).await.0, 200);
        let reply = fetch(&app, &alice, package, "p.fastq.gz").await;
        assert_eq!(reply.status, Status::Created, "{}", reply.body);
        let download_url = reply.json()["sequencingData"]["fileUrl"].as_str().unwrap().to_string();
        let tampered = download_url.replace("persistent/", "persistent/x");
        assert_eq!(download(&app, &tampered).await.0, 403);

        // Expired URLs: an app whose links live one second.
        let db = app.app.config.database_url();
        let storage = app.app.config.storage.clone();
        let short = TestApp::with_config(app.backend, move |c| {
            c.database_url = Some(db);
            c.storage = storage;
            c.storage.link_seconds = Some(1);
        })
        .await;
        let link = upload_link(&short, &alice, package, "late.fastq.gz").await;
        let url = link.json()["url"].as_str().unwrap().to_string();
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        let (status, text) = put(&short, &url, fixture("valid.fastq.gz")).await;
        assert_eq!(status, 403, "{text}");
        assert!(text.to_lowercase().contains("expired"), "{text}");
    }
}

async fn s3_app(backend: Backend) -> TestApp {
    app_with(backend, Store::S3, |_| {}).await
}

/// `tbseq check` writes, reads and deletes a probe object: it passes on a reachable bucket
/// and fails with a wrong secret (the server checks signatures).
#[test]
fn check_verifies_the_s3_store() {
    let s3 = s3_config();
    let dir = tempfile::tempdir().unwrap();
    let run = |secret: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tbseq"))
            .current_dir(dir.path())
            .arg("check")
            .env_clear()
            .env("TBSEQ_STORAGE__KIND", "s3")
            .env("TBSEQ_STORAGE__S3__BUCKET", &s3.bucket)
            .env("TBSEQ_STORAGE__S3__REGION", &s3.region)
            .env(
                "TBSEQ_STORAGE__S3__ENDPOINT",
                s3.endpoint.as_deref().unwrap(),
            )
            .env("TBSEQ_STORAGE__S3__PATH_STYLE", "true")
            .env(
                "TBSEQ_STORAGE__S3__ACCESS_KEY_ID",
                s3.access_key_id.as_deref().unwrap(),
            )
            .env("TBSEQ_STORAGE__S3__SECRET_ACCESS_KEY", secret)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    };
    let (code, text) = run(s3.secret_access_key.as_deref().unwrap());
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(&format!("s3 store at s3://{} is writable", s3.bucket)),
        "{text}"
    );
    let (code, text) = run("wrong-secret");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("FAIL  storage"), "{text}");
}
