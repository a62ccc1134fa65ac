//! `tbseq db copy` between SQLite and PostgreSQL, backup under write load, restore.

use crate::common;

use std::path::Path;

use common::{Backend, ScratchPostgres, TestApp};
use tbseq::db::copy::{backup, copy, CopyError};
use tbseq::db::Db;
use tbseq::import::{import_file, Kind, Options};
use tbseq::params;

const PATHS: &[&str] = &[
    "/api/v1/genphen/drugs/?isAssociated=1",
    "/api/v1/genphen/countries/",
    "/api/v1/overview/genes/?search=rpo",
    "/api/v1/overview/genes/?page=3",
    "/api/v1/overview/genes/1936/",
    "/api/v1/overview/gene-search-history/",
];

async fn answers(app: &TestApp) -> Vec<String> {
    let mut out = Vec::new();
    for path in PATHS {
        let reply = app.get(path).await;
        assert_eq!(reply.status.code, 200, "{path}: {}", reply.body);
        out.push(reply.body);
    }
    out
}

/// Compares answers path by path, naming the first that differs (bodies are long).
fn same_answers(got: &[String], expected: &[String]) {
    for ((path, g), e) in PATHS.iter().zip(got).zip(expected) {
        assert!(
            g == e,
            "{path} differs after the copy:\n{:.300}\n{:.300}",
            g,
            e
        );
    }
}

async fn counts(db: &Db) -> Vec<(String, i64)> {
    let tables: Vec<String> = db
        .query(db.dialect().tables(), params![])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0).unwrap())
        .collect();
    let mut out = Vec::new();
    for t in tables {
        let n: i64 = db
            .query_one(&format!("SELECT COUNT(*) FROM \"{t}\""), params![])
            .await
            .unwrap()
            .get(0)
            .unwrap();
        out.push((t, n));
    }
    out
}

/// A SQLite database with catalogue data, search history and timestamps in it.
async fn populated(dir: &Path) -> (String, TestApp) {
    let url = format!("sqlite://{}", dir.join("source.sqlite3").display());
    let app = TestApp::on_database(&url).await;
    let catalogue =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/catalogue-2023");
    for (kind, file) in [
        (Kind::Phenotypes, "phenotypes/Pretomanid.csv.gz"),
        (Kind::Genotypes, "genotypes/Pretomanid_tier1.csv.gz"),
    ] {
        import_file(&app.db, kind, &catalogue.join(file), &Options::default())
            .await
            .unwrap();
    }
    app.get("/api/v1/overview/genes/?search=katG").await;
    app.get("/api/v1/overview/genes/?search=katG").await;
    (url, app)
}

#[rocket::async_test]
async fn sqlite_to_postgres_to_sqlite_gives_identical_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (source_url, source) = populated(dir.path()).await;
    let expected = answers(&source).await;
    let expected_counts = counts(&source.db).await;
    assert!(expected_counts
        .iter()
        .any(|(t, n)| t == "submission_genotype" && *n > 100));

    let pg = ScratchPostgres::create().await;
    let pg_db = Db::connect(&pg.url, 2).await.unwrap();
    let report = copy(&source.db, &pg_db, false).await.unwrap();
    assert_eq!(
        report.rows() as i64,
        expected_counts.iter().map(|(_, n)| n).sum::<i64>()
    );
    assert_eq!(counts(&pg_db).await, expected_counts);
    let on_pg = TestApp::on_database(&pg.url).await;
    assert_eq!(on_pg.backend, Backend::Postgres);
    same_answers(&answers(&on_pg).await, &expected);
    // Identity sequences continue after the copied ids.
    let next: i64 = pg_db
        .query_one(
            "INSERT INTO submission_package (name) VALUES ('after copy') RETURNING id",
            params![],
        )
        .await
        .unwrap()
        .get(0)
        .unwrap();
    let max_before: i64 = source
        .db
        .query_one("SELECT MAX(id) FROM submission_package", params![])
        .await
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(next, max_before + 1);
    pg_db
        .execute(
            "DELETE FROM submission_package WHERE name = 'after copy'",
            params![],
        )
        .await
        .unwrap();

    let back_url = format!("sqlite://{}", dir.path().join("back.sqlite3").display());
    let back = Db::connect(&back_url, 2).await.unwrap();
    copy(&pg_db, &back, false).await.unwrap();
    assert_eq!(counts(&back).await, expected_counts);
    let on_back = TestApp::on_database(&back_url).await;
    same_answers(&answers(&on_back).await, &expected);
    drop(source_url);
}

#[rocket::async_test]
async fn a_target_with_data_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let (_, source) = populated(dir.path()).await;
    // A target a tbseq has started on already holds the seed.
    let target = TestApp::new(Backend::Postgres).await;
    let err = copy(&source.db, &target.db, false).await.unwrap_err();
    assert!(matches!(err, CopyError::NotEmpty(_)), "{err}");
    copy(&source.db, &target.db, true).await.unwrap();
    assert_eq!(counts(&target.db).await, counts(&source.db).await);
}

#[rocket::async_test]
async fn backup_under_write_load_is_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("live.sqlite3").display());
    let app = TestApp::on_database(&url).await;
    let writer_db = app.db.clone();
    let writer = tokio::spawn(async move {
        for i in 0..400 {
            let mut tx = writer_db.begin().await.unwrap();
            // Two rows per transaction: a consistent copy never holds an odd number.
            for half in ["a", "b"] {
                tx.execute(
                    "INSERT INTO genphen_lineage (lineage_numbering, lineage_name) VALUES ($1, $2)",
                    params![format!("{i}"), format!("L{i}{half}")],
                )
                .await
                .unwrap();
            }
            tx.commit().await.unwrap();
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let file = dir.path().join("backup.sqlite3");
    backup(&app.db, &file).await.unwrap();
    writer.await.unwrap();
    assert!(
        backup(&app.db, &file).await.is_err(),
        "an existing file is never overwritten"
    );

    let copy_db = Db::connect(&format!("sqlite://{}", file.display()), 1)
        .await
        .unwrap();
    let check: String = copy_db
        .query_one("PRAGMA integrity_check", params![])
        .await
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(check, "ok");
    let n: i64 = copy_db
        .query_one("SELECT COUNT(*) FROM genphen_lineage", params![])
        .await
        .unwrap()
        .get(0)
        .unwrap();
    assert!(n % 2 == 0 && n <= 800, "{n}");
    // Restoring it into another database gives the same rows.
    let restored = TestApp::new(Backend::Sqlite).await;
    copy(&copy_db, &restored.db, true).await.unwrap();
    assert_eq!(counts(&restored.db).await, counts(&copy_db).await);

    // PostgreSQL is backed up with pg_dump, and says so.
    let pg = TestApp::new(Backend::Postgres).await;
    let err = backup(&pg.db, &dir.path().join("pg.sqlite3"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("pg_dump"), "{err}");
}
