//! Matching a package (spec §5) on both databases: the original's `test_data_matching.py`
//! and the semantic cases of `test_state_management.py`, with exact verdict lists. Each case
//! matches through `POST …/match/` as the package's owner and reads what the API shows
//! (alias and link verdicts, match sources, the matching state); SQL reads only what the API
//! does not show (which sample an alias or a file points to, the samples themselves).

use crate::common;

use common::{Caller, Reply, TestApp};
use rocket::http::{Method, Status};
use serde_json::{json, Value as Json};
use tbseq::db::repo::{MatchError, MatchingStore};
use tbseq::db::Db;
use tbseq::params;

const PACKAGES: &str = "/api/v1/submission/packages/";
const BUSY: &str = "Package is already being processed";
const NOT_EDITABLE: &str = "The package cannot be edited.";

/// Fixtures written with plain SQL, like the original's factories.
mod fx {
    use super::*;

    pub async fn id(db: &Db, sql: &str, args: Vec<tbseq::db::Value>) -> i64 {
        db.query_one(sql, args).await.unwrap().get(0).unwrap()
    }

    /// A user without a token (for packages nobody calls the API about).
    pub async fn user(db: &Db, name: &str) -> i64 {
        id(
            db,
            "INSERT INTO auth_user (username, email, first_name, last_name) \
             VALUES ($1, $2, $3, 'Nameson') RETURNING id",
            params![name, format!("{name}@example.com"), name],
        )
        .await
    }

    pub async fn package(db: &Db, owner: i64, state: &str, origin: &str) -> i64 {
        let pkg = id(
            db,
            "INSERT INTO submission_package (name, owner_id, state, origin) \
             VALUES ('empty package', $1, $2, $3) RETURNING id",
            params![owner, state, origin],
        )
        .await;
        db.execute(
            "INSERT INTO submission_packagestats (package_id) VALUES ($1)",
            params![pkg],
        )
        .await
        .unwrap();
        pkg
    }
    /// A plain sample with the first taxon.
    pub async fn sample(db: &Db) -> i64 {
        id(
            db,
            "INSERT INTO submission_sample (ncbi_taxon_id, origin) \
             VALUES ((SELECT ncbi_taxon_id FROM biosql_taxon ORDER BY taxon_id LIMIT 1), 'TbKb') \
             RETURNING id",
            params![],
        )
        .await
    }

    pub struct Alias<'a> {
        pub name: &'a str,
        pub prefix: Option<&'a str>,
        pub sample: Option<i64>,
        pub origin: &'a str,
        pub country: Option<&'a str>,
        pub dates: Option<(&'a str, &'a str)>,
    }

    pub fn named(name: &str) -> Alias<'_> {
        Alias {
            name,
            prefix: None,
            sample: None,
            origin: "TBKB",
            country: None,
            dates: None,
        }
    }

    pub async fn alias(db: &Db, package: i64, a: Alias<'_>) -> i64 {
        id(
            db,
            "INSERT INTO submission_samplealias (package_id, name, fastq_prefix, sample_id, origin, \
               country_id, sampling_date_start, sampling_date_end) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            params![
                package,
                a.name,
                a.prefix,
                a.sample,
                a.origin,
                a.country,
                a.dates.map(|d| d.0),
                a.dates.map(|d| d.1)
            ],
        )
        .await
    }

    /// Sequencing data (`TB-Kb` unless `ncbi`), an MD5 row and the package link.
    /// Returns (link id, sequencing data id).
    pub async fn fastq(
        db: &Db,
        package: i64,
        filename: &str,
        library_name: &str,
        sample: Option<i64>,
    ) -> (i64, i64) {
        let data = id(
            db,
            "INSERT INTO submission_sequencingdata (library_name, file_path, data_location, sample_id) \
             VALUES ($1, $2, 'TB-Kb', $3) RETURNING id",
            params![library_name, format!("persistent/{}", common::hex_id()), sample],
        )
        .await;
        let hash = id(
            db,
            "INSERT INTO submission_sequencingdatahash (sequencing_data_id, algorithm, value) \
             VALUES ($1, 'MD5', $2) RETURNING id",
            params![data, common::hex_id()],
        )
        .await;
        let link = id(
            db,
            "INSERT INTO submission_packagesequencingdata \
               (package_id, sequencing_data_id, sequencing_data_hash_id, filename) \
             VALUES ($1, $2, $3, $4) RETURNING id",
            params![package, data, hash, filename],
        )
        .await;
        (link, data)
    }

    pub async fn mic_test(db: &Db, package: i64, alias: i64) -> i64 {
        id(
            db,
            "INSERT INTO submission_mictest (plate, range_lower, range_upper, range_bounds, \
               sample_alias_id, drug_id, package_id) \
             VALUES ('A PLATE', 0, 1, '[)', $1, \
               (SELECT drug_id FROM genphen_drug WHERE drug_code = 'INH'), $2) RETURNING id",
            params![alias, package],
        )
        .await
    }

    pub async fn pds_test(db: &Db, package: i64, alias: i64) -> i64 {
        id(
            db,
            "INSERT INTO submission_pdstest (concentration, test_result, sample_alias_id, drug_id, \
               method_id, package_id) \
             VALUES (0.5, 'S', $1, (SELECT drug_id FROM genphen_drug WHERE drug_code = 'INH'), \
               (SELECT MIN(method_id) FROM genphen_pdsassessmentmethod), $2) RETURNING id",
            params![alias, package],
        )
        .await
    }

    pub async fn int(db: &Db, sql: &str, arg: i64) -> Option<i64> {
        db.query_one(sql, params![arg])
            .await
            .unwrap()
            .get(0)
            .unwrap()
    }

    pub async fn text(db: &Db, sql: &str, arg: i64) -> Option<String> {
        db.query_one(sql, params![arg])
            .await
            .unwrap()
            .get(0)
            .unwrap()
    }

    pub async fn alias_sample(db: &Db, alias: i64) -> Option<i64> {
        int(
            db,
            "SELECT sample_id FROM submission_samplealias WHERE id = $1",
            alias,
        )
        .await
    }

    pub async fn data_sample(db: &Db, data: i64) -> Option<i64> {
        int(
            db,
            "SELECT sample_id FROM submission_sequencingdata WHERE id = $1",
            data,
        )
        .await
    }

    pub async fn created_samples(db: &Db, package: i64) -> i64 {
        int(
            db,
            "SELECT COUNT(*) FROM submission_sample WHERE package_id = $1",
            package,
        )
        .await
        .unwrap()
    }

    /// The ids of the samples the package created, in id order.
    pub async fn created_sample_ids(db: &Db, package: i64) -> Vec<i64> {
        db.query(
            "SELECT id FROM submission_sample WHERE package_id = $1 ORDER BY id",
            params![package],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0).unwrap())
        .collect()
    }

    pub async fn set_changed(db: &Db, package: i64) {
        db.execute(
            "UPDATE submission_package SET matching_state = 'CHANGED' WHERE id = $1",
            params![package],
        )
        .await
        .unwrap();
    }
}

use fx::{alias, fastq, named};

fn verdict(level: &str, text: &str) -> Json {
    json!([{"level": level, "verdict": text}])
}

/// The error envelope of one error without attribute.
fn envelope(code: &str, detail: &str) -> Json {
    json!({"type": "client_error", "errors": [{"code": code, "detail": detail, "attr": null}]})
}

fn package_path(pkg: i64) -> String {
    format!("{PACKAGES}{pkg}/")
}

/// Alice, with an API token, and her new DRAFT package (created over the API).
async fn alice_package(app: &TestApp) -> (Caller, i64) {
    let alice = app.caller("alice", false).await;
    let pkg = app.new_package(&alice, "Alice package").await;
    (alice, pkg)
}

/// `POST …/match/` as `caller`.
async fn post_match(app: &TestApp, caller: &Caller, pkg: i64) -> Reply {
    let path = format!("{}match/", package_path(pkg));
    app.call(Method::Post, &path, Some(caller), None).await
}

/// Asserts that a match answer is the matched package; returns its JSON.
fn assert_matched(reply: &Reply, pkg: i64) -> Json {
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["pk"], pkg, "{body}");
    assert_eq!(body["matchingState"], "MATCHED", "{body}");
    body
}

/// Matches the package as its owner; the answer must be the matched package.
async fn run_match(app: &TestApp, owner: &Caller, pkg: i64) -> Json {
    assert_matched(&post_match(app, owner, pkg).await, pkg)
}

async fn get_ok(app: &TestApp, caller: &Caller, path: &str) -> Json {
    let reply = app.call(Method::Get, path, Some(caller), None).await;
    assert_eq!(reply.status, Status::Ok, "GET {path}: {}", reply.body);
    reply.json()
}

/// The package as `GET …/{pk}/` shows it.
async fn package_view(app: &TestApp, owner: &Caller, pkg: i64) -> Json {
    get_ok(app, owner, &package_path(pkg)).await
}

async fn matching_state(app: &TestApp, owner: &Caller, pkg: i64) -> String {
    package_view(app, owner, pkg).await["matchingState"]
        .as_str()
        .expect("matchingState")
        .to_string()
}

/// One item (by `pk`) of a package's list endpoint (`sample-aliases`, `sequencing-data`).
async fn item(app: &TestApp, owner: &Caller, pkg: i64, list: &str, pk: i64) -> Json {
    let path = format!("{}{list}/", package_path(pkg));
    let items = get_ok(app, owner, &path).await;
    items
        .as_array()
        .expect("a list")
        .iter()
        .find(|i| i["pk"] == pk)
        .unwrap_or_else(|| panic!("{pk} is not in {path}: {items}"))
        .clone()
}

/// An alias's verdicts, from `GET …/sample-aliases/`.
async fn alias_verdicts(app: &TestApp, owner: &Caller, pkg: i64, alias: i64) -> Json {
    item(app, owner, pkg, "sample-aliases", alias).await["verdicts"].clone()
}

/// An alias's `matchSource`, from `GET …/sample-aliases/`.
async fn source(app: &TestApp, owner: &Caller, pkg: i64, alias: i64) -> Option<String> {
    let a = item(app, owner, pkg, "sample-aliases", alias).await;
    match &a["matchSource"] {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        other => panic!("matchSource {other}"),
    }
}

/// A package file link's verdicts, from `GET …/sequencing-data/`.
async fn link_verdicts(app: &TestApp, owner: &Caller, pkg: i64, link: i64) -> Json {
    item(app, owner, pkg, "sequencing-data", link).await["verdicts"].clone()
}

/// The original's `test_2_4_6_amount_of_fastq_files_allowed[n]`.
async fn group_of(app: &TestApp, n: usize) {
    let db = &app.db;
    let alice = app.caller(&format!("alice{n}"), false).await;
    let pkg = app.new_package(&alice, "P").await;
    alias(
        db,
        pkg,
        fx::Alias {
            prefix: Some("prefix"),
            ..named("A1")
        },
    )
    .await;
    let mut links = Vec::new();
    for j in 0..n {
        links.push(
            fastq(db, pkg, &format!("prefix_{j}.fastq.gz"), "", None)
                .await
                .0,
        );
    }
    run_match(app, &alice, pkg).await;
    let mut wrong = false;
    for l in links {
        wrong |= link_verdicts(app, &alice, pkg, l)
            .await
            .to_string()
            .contains("Wrong FASTQ files count for a prefix");
    }
    assert_eq!(wrong, !matches!(n, 2 | 4 | 6), "n = {n}");
}

both_backends! {
    async fn empty_package_has_no_data(app) {
        let (alice, pkg) = alice_package(&app).await;
        let reply = post_match(&app, &alice, pkg).await;
        reply.assert_error(Status::BadRequest, "invalid");
        assert_eq!(reply.json(), envelope("invalid", "Package has no data"));
        assert_eq!(matching_state(&app, &alice, pkg).await, "NEVER_MATCHED");
    }

    async fn missing_and_not_editable_packages(app) {
        let (alice, _) = alice_package(&app).await;
        for missing in [format!("{PACKAGES}999999/match/"), format!("{PACKAGES}abc/match/")] {
            app.call(Method::Post, &missing, Some(&alice), None).await
                .assert_error(Status::NotFound, "not_found");
        }
        // Another user's package is none of alice's business, whatever its state.
        let john = app.caller("john", false).await;
        let johns = app.new_package(&john, "John's").await;
        alias(&app.db, johns, named("J1")).await;
        let reply = post_match(&app, &alice, johns).await;
        reply.assert_error(Status::NotFound, "not_found");
        assert_eq!(reply.json(), envelope("not_found", "Not found."));
        assert_eq!(matching_state(&app, &john, johns).await, "NEVER_MATCHED");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_samplealias WHERE match_source IS NOT NULL").await, 0);
        for state in ["PENDING", "ACCEPTED"] {
            let pkg = fx::package(&app.db, alice.id, state, "TBKB").await;
            alias(&app.db, pkg, named("A1")).await;
            let reply = post_match(&app, &alice, pkg).await;
            reply.assert_error(Status::Forbidden, "permission_denied");
            assert_eq!(reply.json(), envelope("permission_denied", NOT_EDITABLE), "{state}");
            assert_eq!(matching_state(&app, &alice, pkg).await, "NEVER_MATCHED", "{state}");
        }
        // The store checks again under the package lock: the state may change between the
        // handler's check and the lock.
        assert!(matches!(app.db.match_package(999_999).await, Err(MatchError::NotFound)));
        let pending = fx::package(&app.db, alice.id, "PENDING", "TBKB").await;
        alias(&app.db, pending, named("A1")).await;
        assert!(matches!(app.db.match_package(pending).await, Err(MatchError::NotEditable)));
        // REJECTED packages are editable.
        let pkg = fx::package(&app.db, alice.id, "REJECTED", "TBKB").await;
        let a = alias(&app.db, pkg, named("A1")).await;
        assert_eq!(matching_state(&app, &alice, pkg).await, "NEVER_MATCHED");
        let body = run_match(&app, &alice, pkg).await;
        assert_eq!(body["state"], "REJECTED");
        assert_eq!(source(&app, &alice, pkg, a).await.as_deref(), Some("NO_MATCH"));
    }

    async fn new_sample_created_from_alias(app) {
        let db = &app.db;
        let (alice, pkg) = alice_package(&app).await;
        let a = alias(db, pkg, fx::Alias {
            prefix: Some("12345"),
            country: Some("ABW"),
            dates: Some(("2021-01-01", "2021-12-31")),
            ..named("SAMPLE1")
        }).await;
        let (_, d1) = fastq(db, pkg, "12345_file1.fastq.gz", "", None).await;
        let (_, d2) = fastq(db, pkg, "12345_file2.fastq.gz", "", None).await;
        assert_eq!(matching_state(&app, &alice, pkg).await, "NEVER_MATCHED");
        // The answer is the package as it is after matching, with fresh counters.
        let reply = post_match(&app, &alice, pkg).await;
        let body = assert_matched(&reply, pkg);
        assert_eq!(body, package_view(&app, &alice, pkg).await);
        assert_eq!(body["state"], "DRAFT");
        assert_eq!(body["sampleAliasesCount"], 1);
        assert_eq!(body["sequencingDataCount"], 2);
        assert_eq!(body["url"], format!("http://localhost{}", package_path(pkg)));
        assert_eq!(body.as_object().unwrap().len(), 26);
        // One alias, matched, to one new sample.
        assert_eq!(fx::created_samples(db, pkg).await, 1);
        let s = fx::alias_sample(db, a).await.expect("alias got a sample");
        let row = db.query_one(
            "SELECT country_id, sampling_date_start, sampling_date_end, package_id, origin, \
               ncbi_taxon_id = (SELECT ncbi_taxon_id FROM biosql_taxon ORDER BY taxon_id LIMIT 1) \
             FROM submission_sample WHERE id = $1",
            params![s],
        ).await.unwrap();
        assert_eq!(row.get::<String>(0).unwrap(), "ABW");
        assert_eq!(tbseq::db::format_date(row.get(1).unwrap()), "2021-01-01");
        assert_eq!(tbseq::db::format_date(row.get(2).unwrap()), "2021-12-31");
        assert_eq!(row.get::<i64>(3).unwrap(), pkg);
        assert_eq!(row.get::<String>(4).unwrap(), "TbKb");
        assert!(row.get::<bool>(5).unwrap());
        assert_eq!(fx::data_sample(db, d1).await, Some(s));
        assert_eq!(fx::data_sample(db, d2).await, Some(s));
        assert_eq!(source(&app, &alice, pkg, a).await.as_deref(), Some("FASTQ_UPLOADED_NEW_SAMPLE"));
        // The counters the API does not show.
        let stats = db.query_one(
            "SELECT cnt_sample_aliases, cnt_samples_matched, cnt_samples_created, cnt_sequencing_data \
             FROM submission_packagestats WHERE package_id = $1",
            params![pkg],
        ).await.unwrap();
        let counts: Vec<i64> = (0..4).map(|i| stats.get(i).unwrap()).collect();
        assert_eq!(counts, vec![1, 1, 1, 2]);
    }

    async fn new_sample_created_from_alias_no_fastq_prefix(app) {
        let db = &app.db;
        let (alice, pkg) = alice_package(&app).await;
        let a = alias(db, pkg, fx::Alias {
            country: Some("ABW"),
            dates: Some(("2021-01-01", "2021-12-31")),
            ..named("SAMPLE1")
        }).await;
        let (_, d1) = fastq(db, pkg, "SAMPLE1_R1.fastq.gz", "", None).await;
        let (_, d2) = fastq(db, pkg, "SAMPLE1_R2.fastq.gz", "", None).await;
        run_match(&app, &alice, pkg).await;
        let s = fx::alias_sample(db, a).await.expect("alias got a sample");
        assert_eq!(fx::data_sample(db, d1).await, Some(s));
        assert_eq!(fx::data_sample(db, d2).await, Some(s));
        let country = fx::text(db, "SELECT country_id FROM submission_sample WHERE id = $1", s).await;
        assert_eq!(country.as_deref(), Some("ABW"));
    }

    async fn new_sample_no_fastq_by_prefix_interrupted(app) {
        let db = &app.db;
        let (alice, pkg) = alice_package(&app).await;
        let a = alias(db, pkg, fx::Alias { prefix: Some("12345"), ..named("SAMPLE1") }).await;
        run_match(&app, &alice, pkg).await;
        assert_eq!(
            alias_verdicts(&app, &alice, pkg, a).await,
            verdict("warning", "No FASTQ files with such prefix provided")
        );
        assert_eq!(source(&app, &alice, pkg, a).await.as_deref(), Some("NO_MATCH"));
    }

    async fn different_samples_for_same_prefix_group(app) {
        let db = &app.db;
        let (alice, pkg) = alice_package(&app).await;
        let a = alias(db, pkg, fx::Alias { prefix: Some("12345"), ..named("SAMPLE1") }).await;
        let (s1, s2) = (fx::sample(db).await, fx::sample(db).await);
        let (l1, _) = fastq(db, pkg, "12345_file1.fastq.gz", "", Some(s1)).await;
        let (l2, _) = fastq(db, pkg, "12345_file2.fastq.gz", "", Some(s2)).await;
        run_match(&app, &alice, pkg).await;
        let link_error = verdict("error", "Some of files with same prefix point to different samples");
        assert_eq!(link_verdicts(&app, &alice, pkg, l1).await, link_error);
        assert_eq!(link_verdicts(&app, &alice, pkg, l2).await, link_error);
        assert_eq!(
            alias_verdicts(&app, &alice, pkg, a).await,
            verdict("error", "Some of FASTQ files with such prefix point to different samples")
        );
        assert_eq!(source(&app, &alice, pkg, a).await.as_deref(), Some("NO_MATCH"));
        assert_eq!(fx::alias_sample(db, a).await, None);
    }

    async fn fastqs_with_same_prefix_share_same_sample(app) {
        let db = &app.db;
        let (alice, pkg) = alice_package(&app).await;
        let a = alias(db, pkg, fx::Alias { prefix: Some("PREFIX"), ..named("SAMPLE1") }).await;
        let s = fx::sample(db).await;
        let (l1, d1) = fastq(db, pkg, "prefix_file1.fastq.gz", "", Some(s)).await;
        let (_, d2) = fastq(db, pkg, "prefix_file2.fastq.gz", "", None).await;
        run_match(&app, &alice, pkg).await;
        assert_eq!(fx::data_sample(db, d1).await, Some(s));
        assert_eq!(fx::data_sample(db, d2).await, Some(s));
        assert_eq!(fx::alias_sample(db, a).await, Some(s));
        assert_eq!(source(&app, &alice, pkg, a).await.as_deref(), Some("FASTQ_UPLOADED"));
        assert_eq!(link_verdicts(&app, &alice, pkg, l1).await, verdict("info", "was used in matching"));
        assert_eq!(fx::created_samples(db, pkg).await, 0);
    }

    async fn mic_pds_tests_associated_with_sample_when_matched(app) {
        let db = &app.db;
        let (alice, pkg) = alice_package(&app).await;
        let a = alias(db, pkg, fx::Alias { prefix: Some("12345"), ..named("SAMPLE1") }).await;
        let mic = fx::mic_test(db, pkg, a).await;
        let pds = fx::pds_test(db, pkg, a).await;
        let s = fx::sample(db).await;
        fastq(db, pkg, "12345_file1.fastq.gz", "", Some(s)).await;
        fastq(db, pkg, "12345_file2.fastq.gz", "", Some(s)).await;
        run_match(&app, &alice, pkg).await;
        assert_eq!(fx::alias_sample(db, a).await, Some(s));
        assert_eq!(fx::int(db, "SELECT sample_id FROM submission_mictest WHERE id = $1", mic).await, Some(s));
        assert_eq!(fx::int(db, "SELECT sample_id FROM submission_pdstest WHERE id = $1", pds).await, Some(s));
    }

    async fn match_alias_by_name_among_ncbi_aliases(app) {
        let db = &app.db;
        let john = fx::user(db, "john").await;
        let (alice, pkg) = alice_package(&app).await;
        for origin in ["NCBI", "SRA"] {
            let theirs = fx::package(db, john, "ACCEPTED", origin).await;
            let s = fx::sample(db).await;
            let name = format!("123qwerty{origin}");
            alias(db, theirs, fx::Alias { sample: Some(s), ..named(&name) }).await;
            let mine = alias(db, pkg, named(&name.to_uppercase())).await;
            fx::set_changed(db, pkg).await;
            run_match(&app, &alice, pkg).await;
            assert_eq!(fx::alias_sample(db, mine).await, Some(s), "{origin}");
            assert_eq!(source(&app, &alice, pkg, mine).await.as_deref(), Some("NCBI"));
        }
    }

    async fn match_alias_by_name_among_fastq_library_names(app) {
        let db = &app.db;
        let (alice, pkg) = alice_package(&app).await;
        let other = fx::package(db, fx::user(db, "john").await, "ACCEPTED", "TBKB").await;
        let s = fx::sample(db).await;
        fastq(db, other, "x.fastq.gz", "123qwerty", Some(s)).await;
        let a = alias(db, pkg, named("123QWERTY")).await;
        run_match(&app, &alice, pkg).await;
        assert_eq!(fx::alias_sample(db, a).await, Some(s));
        assert_eq!(source(&app, &alice, pkg, a).await.as_deref(), Some("FASTQ_EXISTING"));
    }

    async fn match_alias_by_name_among_own_previous_aliases(app) {
        let db = &app.db;
        let (alice, pkg) = alice_package(&app).await;
        let accepted = fx::package(db, alice.id, "ACCEPTED", "TBKB").await;
        let s = fx::sample(db).await;
        alias(db, accepted, fx::Alias { sample: Some(s), ..named("SAMPLE33") }).await;
        // Another owner's accepted alias of the same name does not count.
        let john = fx::user(db, "john").await;
        let johns = fx::package(db, john, "ACCEPTED", "TBKB").await;
        let other = fx::sample(db).await;
        alias(db, johns, fx::Alias { sample: Some(other), ..named("sample34") }).await;
        let a = alias(db, pkg, named("sample33")).await;
        let b = alias(db, pkg, named("SAMPLE34")).await;
        run_match(&app, &alice, pkg).await;
        assert_eq!(fx::alias_sample(db, a).await, Some(s));
        assert_eq!(source(&app, &alice, pkg, a).await.as_deref(), Some("USER_ALIAS"));
        assert_eq!(fx::alias_sample(db, b).await, None);
        assert_eq!(source(&app, &alice, pkg, b).await.as_deref(), Some("NO_MATCH"));
    }

    async fn accessions_match_archive_aliases(app) {
        let db = &app.db;
        let (alice, pkg) = alice_package(&app).await;
        let ncbi = fx::package(db, fx::user(db, "ncbi").await, "ACCEPTED", "NCBI").await;
        let (old, new) = (fx::sample(db).await, fx::sample(db).await);
        alias(db, ncbi, fx::Alias { sample: Some(old), origin: "BioSample", ..named("SAMN0001") }).await;
        // Same name, newer alias (another package): the newest wins.
        let ncbi2 = fx::package(db, fx::user(db, "sra").await, "ACCEPTED", "NCBI").await;
        alias(db, ncbi2, fx::Alias { sample: Some(new), origin: "BioSample", ..named("SAMN0001") }).await;
        let with_data = fx::sample(db).await;
        fastq(db, ncbi, "ERR1_1.fastq.gz", "ERR0001", Some(with_data)).await;
        let a = alias(db, pkg, named("samn0001")).await;
        let b = alias(db, pkg, named("ERR0001")).await;
        let c = alias(db, pkg, fx::Alias { prefix: Some("x"), ..named("SAMC42") }).await;
        run_match(&app, &alice, pkg).await;
        assert_eq!(fx::alias_sample(db, a).await, Some(new));
        assert_eq!(source(&app, &alice, pkg, a).await.as_deref(), Some("NCBI"));
        assert_eq!(
            alias_verdicts(&app, &alice, pkg, a).await,
            verdict("warning", "Accession exists but has no sequencing data linked")
        );
        assert_eq!(fx::alias_sample(db, b).await, Some(with_data));
        assert_eq!(alias_verdicts(&app, &alice, pkg, b).await, json!([]));
        assert_eq!(source(&app, &alice, pkg, c).await.as_deref(), Some("NO_MATCH"));
        assert_eq!(
            alias_verdicts(&app, &alice, pkg, c).await,
            verdict("error", "Accession not found, match again later")
        );
    }

    async fn two_four_six_amount_of_fastq_files_allowed(app) {
        for n in 1..=8 {
            group_of(&app, n).await;
            app.db.execute("DELETE FROM submission_package", params![]).await.unwrap();
        }
    }

    async fn mark_fastq_not_used_in_matching(app) {
        let db = &app.db;
        let (alice, pkg) = alice_package(&app).await;
        let (l, _) = fastq(db, pkg, "whatever.fastq.gz", "", None).await;
        run_match(&app, &alice, pkg).await;
        assert_eq!(link_verdicts(&app, &alice, pkg, l).await, verdict("warning", "was not used in matching"));
    }

    async fn rematching_clears_previous_matching_results(app) {
        let db = &app.db;
        let (alice, pkg) = alice_package(&app).await;
        let a1 = alias(db, pkg, fx::Alias { prefix: Some("gg"), ..named("A1") }).await;
        let a2 = alias(db, pkg, fx::Alias { prefix: Some("bb"), ..named("A2") }).await;
        let mic = fx::mic_test(db, pkg, a1).await;
        let (l1, d1) = fastq(db, pkg, "gg_1.fastq.gz", "", None).await;
        fastq(db, pkg, "gg_2.fastq.gz", "", None).await;
        run_match(&app, &alice, pkg).await;
        let first = fx::alias_sample(db, a1).await.expect("A1 matched");
        let no_files = verdict("warning", "No FASTQ files with such prefix provided");
        assert_eq!(alias_verdicts(&app, &alice, pkg, a2).await, no_files);
        assert_eq!(matching_state(&app, &alice, pkg).await, "MATCHED");

        fx::set_changed(db, pkg).await;
        assert_eq!(matching_state(&app, &alice, pkg).await, "CHANGED");
        run_match(&app, &alice, pkg).await;
        let second = fx::alias_sample(db, a1).await.expect("A1 matched again");
        assert_ne!(first, second);
        assert_eq!(alias_verdicts(&app, &alice, pkg, a2).await, no_files);
        assert_eq!(link_verdicts(&app, &alice, pkg, l1).await, verdict("info", "was used in matching"));
        assert_eq!(fx::data_sample(db, d1).await, Some(second));
        assert_eq!(fx::int(db, "SELECT sample_id FROM submission_mictest WHERE id = $1", mic).await, Some(second));
        assert_eq!(fx::int(db, "SELECT COUNT(*) FROM submission_sample WHERE id = $1", first).await, Some(0));
        assert_eq!(fx::created_samples(db, pkg).await, 1);
    }

    async fn package_marked_matched_and_matching_again_is_a_no_op(app) {
        let db = &app.db;
        let (alice, pkg) = alice_package(&app).await;
        let a = alias(db, pkg, named("A1")).await;
        // A second alias whose matching creates a sample: a second run would replace it.
        let b = alias(db, pkg, fx::Alias { prefix: Some("bb"), ..named("B1") }).await;
        fastq(db, pkg, "bb_1.fastq.gz", "", None).await;
        fastq(db, pkg, "bb_2.fastq.gz", "", None).await;
        assert_eq!(matching_state(&app, &alice, pkg).await, "NEVER_MATCHED");
        run_match(&app, &alice, pkg).await;
        assert_eq!(matching_state(&app, &alice, pkg).await, "MATCHED");
        // A run writes A1's verdicts...
        assert_eq!(
            alias_verdicts(&app, &alice, pkg, a).await,
            verdict("warning", "No FASTQ files with such prefix provided")
        );
        let samples = fx::created_sample_ids(db, pkg).await;
        assert_eq!(samples.len(), 1);
        assert_eq!(fx::alias_sample(db, b).await, Some(samples[0]));
        db.execute("UPDATE submission_samplealias SET verdicts = '[]' WHERE id = $1", params![a]).await.unwrap();
        let before = package_view(&app, &alice, pkg).await;
        // ...matching a MATCHED package again answers the package and changes nothing.
        let again = run_match(&app, &alice, pkg).await;
        assert_eq!(again, before);
        assert_eq!(alias_verdicts(&app, &alice, pkg, a).await, json!([]), "a no-op wrote verdicts");
        assert_eq!(fx::created_sample_ids(db, pkg).await, samples, "a no-op made samples");
        assert_eq!(fx::alias_sample(db, b).await, Some(samples[0]));
        assert_eq!(source(&app, &alice, pkg, b).await.as_deref(), Some("FASTQ_UPLOADED_NEW_SAMPLE"));
        assert_eq!(matching_state(&app, &alice, pkg).await, "MATCHED");
    }

    // The storage layer on its own: concurrent runs on one package, one effect.
    async fn package_being_locked_while_matching(app) {
        let db = &app.db;
        let (_, pkg) = alice_package(&app).await;
        alias(db, pkg, named("A1")).await;
        fastq(db, pkg, "A1_1.fastq.gz", "", None).await;
        fastq(db, pkg, "A1_2.fastq.gz", "", None).await;
        let (r1, r2, r3) = tokio::join!(db.match_package(pkg), db.match_package(pkg), db.match_package(pkg));
        let mut ran = 0;
        for r in [r1, r2, r3] {
            match r {
                Ok(report) if report.ran => ran += 1,
                Ok(_) => {}
                Err(MatchError::Busy) => {
                    assert_eq!(MatchError::Busy.to_string(), BUSY);
                }
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
        assert_eq!(ran, 1);
        assert_eq!(fx::created_samples(db, pkg).await, 1);
        assert_eq!(fx::text(db, "SELECT matching_state FROM submission_package WHERE id = $1", pkg).await.as_deref(), Some("MATCHED"));
    }

    // The owner's three `POST …/match/` at once: each answers the matched package or that the
    // package is busy, and the package is matched once.
    async fn package_being_locked_while_matching_over_http(app) {
        let db = &app.db;
        let (alice, pkg) = alice_package(&app).await;
        let a = alias(db, pkg, named("A1")).await;
        let (l1, d1) = fastq(db, pkg, "A1_1.fastq.gz", "", None).await;
        let (_, d2) = fastq(db, pkg, "A1_2.fastq.gz", "", None).await;
        let (r1, r2, r3) = tokio::join!(
            post_match(&app, &alice, pkg),
            post_match(&app, &alice, pkg),
            post_match(&app, &alice, pkg),
        );
        let mut ok = 0;
        for r in [&r1, &r2, &r3] {
            if r.status == Status::Ok {
                assert_matched(r, pkg);
                ok += 1;
            } else {
                r.assert_error(Status::Forbidden, "permission_denied");
                assert_eq!(r.json(), envelope("permission_denied", BUSY));
            }
        }
        assert!(ok >= 1, "{} {} {}", r1.body, r2.body, r3.body);
        // One run: one sample (a second run would have made a second one, or replaced it).
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_sample").await, 1);
        let samples = fx::created_sample_ids(db, pkg).await;
        assert_eq!(samples.len(), 1);
        assert_eq!(fx::alias_sample(db, a).await, Some(samples[0]));
        assert_eq!(fx::data_sample(db, d1).await, Some(samples[0]));
        assert_eq!(fx::data_sample(db, d2).await, Some(samples[0]));
        assert_eq!(source(&app, &alice, pkg, a).await.as_deref(), Some("FASTQ_UPLOADED_NEW_SAMPLE"));
        assert_eq!(link_verdicts(&app, &alice, pkg, l1).await, verdict("info", "was used in matching"));
        assert_eq!(matching_state(&app, &alice, pkg).await, "MATCHED");

        // On PostgreSQL, a package that another transaction holds is refused (SQLite runs
        // one transaction at a time, so a held one would only make the request wait).
        if app.backend == common::Backend::Postgres {
            let other = app.new_package(&alice, "Held").await;
            let a = alias(db, other, named("H1")).await;
            let mut held = db.begin().await.unwrap();
            held.query_opt("SELECT id FROM submission_package WHERE id = $1 FOR UPDATE", params![other])
                .await
                .unwrap()
                .expect("the package row");
            let reply = post_match(&app, &alice, other).await;
            reply.assert_error(Status::Forbidden, "permission_denied");
            assert_eq!(reply.json(), envelope("permission_denied", BUSY));
            held.commit().await.unwrap();
            assert_eq!(matching_state(&app, &alice, other).await, "NEVER_MATCHED");
            assert_eq!(source(&app, &alice, other, a).await, None);
            run_match(&app, &alice, other).await;
            assert_eq!(source(&app, &alice, other, a).await.as_deref(), Some("NO_MATCH"));
        }
    }

    // Matching and submitting at once: every answer is one of the outcomes of some order
    // of the three calls, and the package's end state agrees with the answers.
    async fn matching_and_submitting_at_once(app) {
        let db = &app.db;
        let alice = app.caller("alice", false).await;
        for round in 0..3 {
            let pkg = app.new_package(&alice, &format!("P{round}")).await;
            let a = alias(db, pkg, named("A1")).await;
            fastq(db, pkg, "A1_1.fastq.gz", "", None).await;
            fastq(db, pkg, "A1_2.fastq.gz", "", None).await;
            let submit = format!("{}submit/", package_path(pkg));
            let (m1, s, m2) = tokio::join!(
                post_match(&app, &alice, pkg),
                app.call(Method::Post, &submit, Some(&alice), None),
                post_match(&app, &alice, pkg),
            );
            let all = format!("round {round}: {} | {} | {}", m1.body, s.body, m2.body);
            let mut matched = false;
            for m in [&m1, &m2] {
                if m.status == Status::Ok {
                    assert_matched(m, pkg);
                    matched = true;
                } else {
                    m.assert_error(Status::Forbidden, "permission_denied");
                    let detail = m.json()["errors"][0]["detail"].as_str().unwrap().to_string();
                    // Busy, or the submit went through first (after the other match).
                    assert!(detail == BUSY || detail == NOT_EDITABLE, "{all}");
                    assert_eq!(m.json(), envelope("permission_denied", &detail));
                }
            }
            let submitted = if s.status == Status::Ok {
                assert_eq!(s.json()["state"], "PENDING", "{all}");
                assert_eq!(s.json()["matchingState"], "MATCHED", "{all}");
                true
            } else if s.status == Status::Conflict {
                assert_eq!(s.json(), envelope("conflict",
                    "Transition conditions have not been met for method 'to_pending'"), "{all}");
                false
            } else {
                assert_eq!(s.status, Status::Forbidden, "{all}");
                assert_eq!(s.json(), envelope("permission_denied", BUSY), "{all}");
                false
            };
            // A submit needs the package matched first.
            assert!(!submitted || matched, "{all}");
            for m in [&m1, &m2] {
                if m.status == Status::Forbidden && m.json()["errors"][0]["detail"] == NOT_EDITABLE {
                    assert!(submitted, "{all}");
                }
            }
            let view = package_view(&app, &alice, pkg).await;
            assert_eq!(view["state"], if submitted { "PENDING" } else { "DRAFT" }, "{all}");
            assert_eq!(view["matchingState"], if matched { "MATCHED" } else { "NEVER_MATCHED" }, "{all}");
            let samples = fx::created_sample_ids(db, pkg).await;
            assert_eq!(samples.len(), usize::from(matched), "{all}");
            assert_eq!(fx::alias_sample(db, a).await, samples.first().copied(), "{all}");
            assert_eq!(
                source(&app, &alice, pkg, a).await.as_deref(),
                matched.then_some("FASTQ_UPLOADED_NEW_SAMPLE"),
                "{all}"
            );
        }
    }
}
