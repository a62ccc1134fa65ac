//! Matching a package (spec §5) on both databases: the original's `test_data_matching.py`
//! and the semantic cases of `test_state_management.py`, with exact verdict lists.

use crate::common;

use serde_json::{json, Value as Json};
use tbseq::db::repo::{MatchError, MatchingStore};
use tbseq::db::Db;
use tbseq::params;

/// Fixtures written with plain SQL, like the original's factories.
mod fx {
    use super::*;

    pub async fn id(db: &Db, sql: &str, args: Vec<tbseq::db::Value>) -> i64 {
        db.query_one(sql, args).await.unwrap().get(0).unwrap()
    }

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

    pub async fn source(db: &Db, alias: i64) -> Option<String> {
        text(
            db,
            "SELECT match_source FROM submission_samplealias WHERE id = $1",
            alias,
        )
        .await
    }

    pub async fn alias_verdicts(db: &Db, alias: i64) -> Json {
        let t = text(
            db,
            "SELECT verdicts FROM submission_samplealias WHERE id = $1",
            alias,
        )
        .await;
        serde_json::from_str(&t.unwrap()).unwrap()
    }

    pub async fn link_verdicts(db: &Db, link: i64) -> Json {
        let t = text(
            db,
            "SELECT verdicts FROM submission_packagesequencingdata WHERE id = $1",
            link,
        )
        .await;
        serde_json::from_str(&t.unwrap()).unwrap()
    }

    pub async fn matching_state(db: &Db, package: i64) -> String {
        text(
            db,
            "SELECT matching_state FROM submission_package WHERE id = $1",
            package,
        )
        .await
        .unwrap()
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

    /// Alice's DRAFT package.
    pub async fn alice_package(db: &Db) -> (i64, i64) {
        let alice = user(db, "alice").await;
        (alice, package(db, alice, "DRAFT", "TBKB").await)
    }
}

use fx::{alias, fastq, named};

fn verdict(level: &str, text: &str) -> Json {
    json!([{"level": level, "verdict": text}])
}

/// The original's `test_2_4_6_amount_of_fastq_files_allowed[n]`.
async fn group_of(db: &Db, n: usize) {
    let (_, pkg) = fx::alice_package(db).await;
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
    db.match_package(pkg).await.unwrap();
    let mut wrong = false;
    for l in links {
        wrong |= fx::link_verdicts(db, l)
            .await
            .to_string()
            .contains("Wrong FASTQ files count for a prefix");
    }
    assert_eq!(wrong, !matches!(n, 2 | 4 | 6), "n = {n}");
}

both_backends! {
    async fn empty_package_has_no_data(app) {
        let (_, pkg) = fx::alice_package(&app.db).await;
        let err = app.db.match_package(pkg).await.unwrap_err();
        assert!(matches!(err, MatchError::NoData));
        assert_eq!(err.to_string(), "Package has no data");
        assert_eq!(fx::matching_state(&app.db, pkg).await, "NEVER_MATCHED");
    }

    async fn missing_and_not_editable_packages(app) {
        assert!(matches!(app.db.match_package(999_999).await, Err(MatchError::NotFound)));
        let alice = fx::user(&app.db, "alice").await;
        for state in ["PENDING", "ACCEPTED"] {
            let pkg = fx::package(&app.db, alice, state, "TBKB").await;
            alias(&app.db, pkg, named("A1")).await;
            assert!(matches!(app.db.match_package(pkg).await, Err(MatchError::NotEditable)));
        }
        // REJECTED packages are editable.
        let pkg = fx::package(&app.db, alice, "REJECTED", "TBKB").await;
        alias(&app.db, pkg, named("A1")).await;
        assert!(app.db.match_package(pkg).await.unwrap().ran);
    }

    async fn new_sample_created_from_alias(app) {
        let db = &app.db;
        let (_, pkg) = fx::alice_package(db).await;
        let a = alias(db, pkg, fx::Alias {
            prefix: Some("12345"),
            country: Some("ABW"),
            dates: Some(("2021-01-01", "2021-12-31")),
            ..named("SAMPLE1")
        }).await;
        let (_, d1) = fastq(db, pkg, "12345_file1.fastq.gz", "", None).await;
        let (_, d2) = fastq(db, pkg, "12345_file2.fastq.gz", "", None).await;
        let report = db.match_package(pkg).await.unwrap();
        assert!(report.ran);
        assert_eq!((report.aliases, report.matched, report.new_samples), (1, 1, 1));
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
        assert_eq!(fx::source(db, a).await.as_deref(), Some("FASTQ_UPLOADED_NEW_SAMPLE"));
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
        let (_, pkg) = fx::alice_package(db).await;
        let a = alias(db, pkg, fx::Alias {
            country: Some("ABW"),
            dates: Some(("2021-01-01", "2021-12-31")),
            ..named("SAMPLE1")
        }).await;
        let (_, d1) = fastq(db, pkg, "SAMPLE1_R1.fastq.gz", "", None).await;
        let (_, d2) = fastq(db, pkg, "SAMPLE1_R2.fastq.gz", "", None).await;
        db.match_package(pkg).await.unwrap();
        let s = fx::alias_sample(db, a).await.expect("alias got a sample");
        assert_eq!(fx::data_sample(db, d1).await, Some(s));
        assert_eq!(fx::data_sample(db, d2).await, Some(s));
        let country = fx::text(db, "SELECT country_id FROM submission_sample WHERE id = $1", s).await;
        assert_eq!(country.as_deref(), Some("ABW"));
    }

    async fn new_sample_no_fastq_by_prefix_interrupted(app) {
        let db = &app.db;
        let (_, pkg) = fx::alice_package(db).await;
        let a = alias(db, pkg, fx::Alias { prefix: Some("12345"), ..named("SAMPLE1") }).await;
        db.match_package(pkg).await.unwrap();
        assert_eq!(
            fx::alias_verdicts(db, a).await,
            verdict("warning", "No FASTQ files with such prefix provided")
        );
        assert_eq!(fx::source(db, a).await.as_deref(), Some("NO_MATCH"));
    }

    async fn different_samples_for_same_prefix_group(app) {
        let db = &app.db;
        let (_, pkg) = fx::alice_package(db).await;
        let a = alias(db, pkg, fx::Alias { prefix: Some("12345"), ..named("SAMPLE1") }).await;
        let (s1, s2) = (fx::sample(db).await, fx::sample(db).await);
        let (l1, _) = fastq(db, pkg, "12345_file1.fastq.gz", "", Some(s1)).await;
        let (l2, _) = fastq(db, pkg, "12345_file2.fastq.gz", "", Some(s2)).await;
        db.match_package(pkg).await.unwrap();
        let link_error = verdict("error", "Some of files with same prefix point to different samples");
        assert_eq!(fx::link_verdicts(db, l1).await, link_error);
        assert_eq!(fx::link_verdicts(db, l2).await, link_error);
        assert_eq!(
            fx::alias_verdicts(db, a).await,
            verdict("error", "Some of FASTQ files with such prefix point to different samples")
        );
        assert_eq!(fx::source(db, a).await.as_deref(), Some("NO_MATCH"));
        assert_eq!(fx::alias_sample(db, a).await, None);
    }

    async fn fastqs_with_same_prefix_share_same_sample(app) {
        let db = &app.db;
        let (_, pkg) = fx::alice_package(db).await;
        let a = alias(db, pkg, fx::Alias { prefix: Some("PREFIX"), ..named("SAMPLE1") }).await;
        let s = fx::sample(db).await;
        let (l1, d1) = fastq(db, pkg, "prefix_file1.fastq.gz", "", Some(s)).await;
        let (_, d2) = fastq(db, pkg, "prefix_file2.fastq.gz", "", None).await;
        db.match_package(pkg).await.unwrap();
        assert_eq!(fx::data_sample(db, d1).await, Some(s));
        assert_eq!(fx::data_sample(db, d2).await, Some(s));
        assert_eq!(fx::alias_sample(db, a).await, Some(s));
        assert_eq!(fx::source(db, a).await.as_deref(), Some("FASTQ_UPLOADED"));
        assert_eq!(fx::link_verdicts(db, l1).await, verdict("info", "was used in matching"));
        assert_eq!(fx::created_samples(db, pkg).await, 0);
    }

    async fn mic_pds_tests_associated_with_sample_when_matched(app) {
        let db = &app.db;
        let (_, pkg) = fx::alice_package(db).await;
        let a = alias(db, pkg, fx::Alias { prefix: Some("12345"), ..named("SAMPLE1") }).await;
        let mic = fx::mic_test(db, pkg, a).await;
        let pds = fx::pds_test(db, pkg, a).await;
        let s = fx::sample(db).await;
        fastq(db, pkg, "12345_file1.fastq.gz", "", Some(s)).await;
        fastq(db, pkg, "12345_file2.fastq.gz", "", Some(s)).await;
        db.match_package(pkg).await.unwrap();
        assert_eq!(fx::alias_sample(db, a).await, Some(s));
        assert_eq!(fx::int(db, "SELECT sample_id FROM submission_mictest WHERE id = $1", mic).await, Some(s));
        assert_eq!(fx::int(db, "SELECT sample_id FROM submission_pdstest WHERE id = $1", pds).await, Some(s));
    }

    async fn match_alias_by_name_among_ncbi_aliases(app) {
        let db = &app.db;
        let john = fx::user(db, "john").await;
        let (_, pkg) = fx::alice_package(db).await;
        for origin in ["NCBI", "SRA"] {
            let theirs = fx::package(db, john, "ACCEPTED", origin).await;
            let s = fx::sample(db).await;
            let name = format!("123qwerty{origin}");
            alias(db, theirs, fx::Alias { sample: Some(s), ..named(&name) }).await;
            let mine = alias(db, pkg, named(&name.to_uppercase())).await;
            db.execute("UPDATE submission_package SET matching_state = 'CHANGED' WHERE id = $1", params![pkg]).await.unwrap();
            db.match_package(pkg).await.unwrap();
            assert_eq!(fx::alias_sample(db, mine).await, Some(s), "{origin}");
            assert_eq!(fx::source(db, mine).await.as_deref(), Some("NCBI"));
        }
    }

    async fn match_alias_by_name_among_fastq_library_names(app) {
        let db = &app.db;
        let (_, pkg) = fx::alice_package(db).await;
        let other = fx::package(db, fx::user(db, "john").await, "ACCEPTED", "TBKB").await;
        let s = fx::sample(db).await;
        fastq(db, other, "x.fastq.gz", "123qwerty", Some(s)).await;
        let a = alias(db, pkg, named("123QWERTY")).await;
        db.match_package(pkg).await.unwrap();
        assert_eq!(fx::alias_sample(db, a).await, Some(s));
        assert_eq!(fx::source(db, a).await.as_deref(), Some("FASTQ_EXISTING"));
    }

    async fn match_alias_by_name_among_own_previous_aliases(app) {
        let db = &app.db;
        let (alice, pkg) = fx::alice_package(db).await;
        let accepted = fx::package(db, alice, "ACCEPTED", "TBKB").await;
        let s = fx::sample(db).await;
        alias(db, accepted, fx::Alias { sample: Some(s), ..named("SAMPLE33") }).await;
        // Another owner's accepted alias of the same name does not count.
        let john = fx::user(db, "john").await;
        let johns = fx::package(db, john, "ACCEPTED", "TBKB").await;
        let other = fx::sample(db).await;
        alias(db, johns, fx::Alias { sample: Some(other), ..named("sample34") }).await;
        let a = alias(db, pkg, named("sample33")).await;
        let b = alias(db, pkg, named("SAMPLE34")).await;
        db.match_package(pkg).await.unwrap();
        assert_eq!(fx::alias_sample(db, a).await, Some(s));
        assert_eq!(fx::source(db, a).await.as_deref(), Some("USER_ALIAS"));
        assert_eq!(fx::alias_sample(db, b).await, None);
        assert_eq!(fx::source(db, b).await.as_deref(), Some("NO_MATCH"));
    }

    async fn accessions_match_archive_aliases(app) {
        let db = &app.db;
        let (_, pkg) = fx::alice_package(db).await;
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
        db.match_package(pkg).await.unwrap();
        assert_eq!(fx::alias_sample(db, a).await, Some(new));
        assert_eq!(fx::source(db, a).await.as_deref(), Some("NCBI"));
        assert_eq!(
            fx::alias_verdicts(db, a).await,
            verdict("warning", "Accession exists but has no sequencing data linked")
        );
        assert_eq!(fx::alias_sample(db, b).await, Some(with_data));
        assert_eq!(fx::alias_verdicts(db, b).await, json!([]));
        assert_eq!(fx::source(db, c).await.as_deref(), Some("NO_MATCH"));
        assert_eq!(
            fx::alias_verdicts(db, c).await,
            verdict("error", "Accession not found, match again later")
        );
    }

    async fn two_four_six_amount_of_fastq_files_allowed(app) {
        for n in 1..=8 {
            group_of(&app.db, n).await;
            app.db.execute("DELETE FROM submission_package", params![]).await.unwrap();
            app.db.execute("DELETE FROM auth_user", params![]).await.unwrap();
        }
    }

    async fn mark_fastq_not_used_in_matching(app) {
        let db = &app.db;
        let (_, pkg) = fx::alice_package(db).await;
        let (l, _) = fastq(db, pkg, "whatever.fastq.gz", "", None).await;
        db.match_package(pkg).await.unwrap();
        assert_eq!(fx::link_verdicts(db, l).await, verdict("warning", "was not used in matching"));
    }

    async fn rematching_clears_previous_matching_results(app) {
        let db = &app.db;
        let (_, pkg) = fx::alice_package(db).await;
        let a1 = alias(db, pkg, fx::Alias { prefix: Some("gg"), ..named("A1") }).await;
        let a2 = alias(db, pkg, fx::Alias { prefix: Some("bb"), ..named("A2") }).await;
        let mic = fx::mic_test(db, pkg, a1).await;
        let (l1, d1) = fastq(db, pkg, "gg_1.fastq.gz", "", None).await;
        fastq(db, pkg, "gg_2.fastq.gz", "", None).await;
        db.match_package(pkg).await.unwrap();
        let first = fx::alias_sample(db, a1).await.expect("A1 matched");
        let no_files = verdict("warning", "No FASTQ files with such prefix provided");
        assert_eq!(fx::alias_verdicts(db, a2).await, no_files);
        assert_eq!(fx::matching_state(db, pkg).await, "MATCHED");

        db.execute("UPDATE submission_package SET matching_state = 'CHANGED' WHERE id = $1", params![pkg]).await.unwrap();
        let report = db.match_package(pkg).await.unwrap();
        assert!(report.ran);
        let second = fx::alias_sample(db, a1).await.expect("A1 matched again");
        assert_ne!(first, second);
        assert_eq!(fx::alias_verdicts(db, a2).await, no_files);
        assert_eq!(fx::link_verdicts(db, l1).await, verdict("info", "was used in matching"));
        assert_eq!(fx::data_sample(db, d1).await, Some(second));
        assert_eq!(fx::int(db, "SELECT sample_id FROM submission_mictest WHERE id = $1", mic).await, Some(second));
        assert_eq!(fx::int(db, "SELECT COUNT(*) FROM submission_sample WHERE id = $1", first).await, Some(0));
        assert_eq!(fx::created_samples(db, pkg).await, 1);
    }

    async fn package_marked_matched_and_matching_again_is_a_no_op(app) {
        let db = &app.db;
        let (_, pkg) = fx::alice_package(db).await;
        let a = alias(db, pkg, named("A1")).await;
        assert!(db.match_package(pkg).await.unwrap().ran);
        assert_eq!(fx::matching_state(db, pkg).await, "MATCHED");
        db.execute("UPDATE submission_samplealias SET verdicts = '[]' WHERE id = $1", params![a]).await.unwrap();
        let again = db.match_package(pkg).await.unwrap();
        assert!(!again.ran);
        assert_eq!(fx::alias_verdicts(db, a).await, json!([]), "a no-op wrote verdicts");
    }

    async fn package_being_locked_while_matching(app) {
        let db = &app.db;
        let (_, pkg) = fx::alice_package(db).await;
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
                    assert_eq!(MatchError::Busy.to_string(), "Package is already being processed");
                }
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
        assert_eq!(ran, 1);
        assert_eq!(fx::created_samples(db, pkg).await, 1);
        assert_eq!(fx::matching_state(db, pkg).await, "MATCHED");
    }
}
