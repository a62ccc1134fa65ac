//! Migrations and seed data: both migration folders hold the same versions and produce the
//! same tables and columns; seeding is complete and idempotent; a newer schema is refused.

use crate::common;

use common::{Backend, TestApp};
use tbseq::db::repo::SystemStore;
use tbseq::db::{migrate, seed, Db, Dialect};
use tbseq::params;

fn migration_files(dialect: &str) -> Vec<String> {
    let dir = format!("{}/migrations/{dialect}", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn migration_folders_hold_the_same_versions() {
    let sqlite = migration_files("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, migration_files("postgres"));
    assert_eq!(
        migrate::embedded(Dialect::Sqlite),
        migrate::embedded(Dialect::Postgres)
    );
}

#[rocket::async_test]
async fn both_databases_get_the_same_tables_and_columns() {
    let sqlite = TestApp::new(Backend::Sqlite).await;
    let postgres = TestApp::new(Backend::Postgres).await;
    let mut a = sqlite.db.schema_columns().await.unwrap();
    let mut b = postgres.db.schema_columns().await.unwrap();
    // refinery's own bookkeeping differs by driver and is not part of our schema.
    a.retain(|c| c.table != "refinery_schema_history");
    b.retain(|c| c.table != "refinery_schema_history");
    a.sort();
    b.sort();
    assert!(a.len() > 400, "only {} columns", a.len());
    let only_sqlite: Vec<_> = a.iter().filter(|c| !b.contains(c)).collect();
    let only_postgres: Vec<_> = b.iter().filter(|c| !a.contains(c)).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "sqlite only: {only_sqlite:?}\npostgres only: {only_postgres:?}"
    );
    // The whole data model is there, not only what the first endpoints serve.
    for table in [
        "overview_gene",
        "genphen_variant",
        "genphen_variantgrade",
        "auth_user",
        "submission_package",
        "submission_sequencingdata",
        "submission_genotype",
        "overview_genedrugstats",
        "notification_outbox",
    ] {
        assert!(a.iter().any(|c| c.table == table), "missing {table}");
    }
}

/// Lines in an embedded seed file, counted here without the seeder.
fn seed_lines(file: &str) -> i64 {
    let path = format!("{}/src/db/seed/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .count() as i64
}

async fn count(db: &Db, table: &str) -> i64 {
    db.query_one(&format!("SELECT COUNT(*) FROM {table}"), params![])
        .await
        .unwrap()
        .get(0)
        .unwrap()
}

async fn counts(db: &Db) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "genphen_drug",
        "genphen_drugsynonym",
        "genphen_country",
        "genphen_growthmedium",
        "genphen_pdsassessmentmethod",
        "genphen_epidemcutoffvalue",
        "genphen_microdilutionplateconcentration",
        "overview_gene",
        "biosql_dbxref",
        "biosql_taxon",
    ] {
        out.push(count(db, table).await);
    }
    out
}

async fn seed_is_complete_and_idempotent(backend: Backend) {
    let app = TestApp::new(backend).await;
    let db = &app.db;
    let first = counts(db).await;
    // Every row of every seed file, and the numbers the original's migrations create.
    assert_eq!(first[0], seed_lines("drugs.tsv"));
    assert_eq!(first[0], 30);
    assert_eq!(first[1], seed_lines("drug_synonyms.tsv"));
    assert_eq!(first[1], 70);
    assert_eq!(first[2], seed_lines("countries.tsv"));
    assert_eq!(first[2], 249);
    assert_eq!(first[3], 10);
    assert_eq!(first[4], 5);
    assert_eq!(first[5], seed_lines("ecoffs.tsv"));
    assert_eq!(first[6], seed_lines("plate_concentrations.tsv"));
    assert_eq!(first[7], seed_lines("genes.tsv"));
    assert_eq!(first[7], 4008);

    // The original's test database pins these gene ids.
    let gene = |id: i64| async move {
        db.query_one("SELECT locus_tag, gene_name, start_pos, end_pos, strand FROM overview_gene WHERE gene_db_crossref_id = $1", params![id])
            .await
            .unwrap()
    };
    let dnaa = gene(7).await;
    assert_eq!(dnaa.get::<String>(0).unwrap(), "Rv0001");
    assert_eq!(
        dnaa.get::<Option<String>>(1).unwrap().as_deref(),
        Some("dnaA")
    );
    assert_eq!(
        gene(8).await.get::<Option<String>>(1).unwrap().as_deref(),
        Some("dnaN")
    );
    let rv0004 = gene(10).await;
    assert_eq!(rv0004.get::<Option<String>>(1).unwrap(), None);
    assert_eq!(
        (rv0004.get::<i64>(2).unwrap(), rv0004.get::<i64>(3).unwrap()),
        (4434, 4997)
    );

    // A second run is a no-op; a forced re-run inserts nothing new.
    assert!(!seed::run(db).await.unwrap().applied);
    db.execute("DELETE FROM tbseq_meta", params![])
        .await
        .unwrap();
    let again = seed::run(db).await.unwrap();
    assert!(again.applied);
    assert_eq!(again.rows_inserted, 0);
    assert_eq!(counts(db).await, first);

    // Identity sequences continue after the seeded ids (PostgreSQL needs them reset).
    let row = db
        .query_one("INSERT INTO genphen_drug (drug_name, drug_code) VALUES ('Testomycin', 'TST') RETURNING drug_id", params![])
        .await
        .unwrap();
    assert_eq!(row.get::<i64>(0).unwrap(), 31);
}

#[rocket::async_test]
async fn seed_sqlite() {
    seed_is_complete_and_idempotent(Backend::Sqlite).await;
}

#[rocket::async_test]
async fn seed_postgres() {
    seed_is_complete_and_idempotent(Backend::Postgres).await;
}

async fn newer_schema_is_refused(db: Db) {
    assert_eq!(migrate::run(&db).await.unwrap(), 0, "already migrated");
    db.execute(
        "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'from_the_future', '2030-01-01T00:00:00Z', '0')",
        params![],
    )
    .await
    .unwrap();
    let err = migrate::run(&db).await.unwrap_err().to_string();
    assert!(
        err.contains("version 999") && err.contains("newer"),
        "{err}"
    );
}

#[rocket::async_test]
async fn newer_schema_is_refused_sqlite() {
    let app = TestApp::new(Backend::Sqlite).await;
    newer_schema_is_refused(app.db.clone()).await;
}

#[rocket::async_test]
async fn newer_schema_is_refused_postgres() {
    let app = TestApp::new(Backend::Postgres).await;
    newer_schema_is_refused(app.db.clone()).await;
}

#[rocket::async_test]
async fn transactions_roll_back_when_dropped() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::new(backend).await;
        {
            let mut tx = app.db.begin().await.unwrap();
            tx.execute(
                "INSERT INTO genphen_growthmedium (medium_name) VALUES ('Lost')",
                params![],
            )
            .await
            .unwrap();
            // dropped without commit
        }
        assert_eq!(
            count(&app.db, "genphen_growthmedium").await,
            10,
            "{backend:?}"
        );
        let mut tx = app.db.begin().await.unwrap();
        tx.execute(
            "INSERT INTO genphen_growthmedium (medium_name) VALUES ('Kept')",
            params![],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            count(&app.db, "genphen_growthmedium").await,
            11,
            "{backend:?}"
        );
        // A unique violation is reported as a conflict, not a generic error.
        let err = app
            .db
            .execute(
                "INSERT INTO genphen_growthmedium (medium_name) VALUES ('Kept')",
                params![],
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, tbseq::db::DbError::Conflict(_)),
            "{backend:?}: {err}"
        );
    }
}

#[rocket::async_test]
async fn an_unreachable_postgres_fails_clearly() {
    let err = Db::connect("postgres://tbseq:secret@127.0.0.1:1/nothing", 1)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("cannot connect to PostgreSQL"), "{err}");
    assert!(!err.contains("secret"), "password leaked: {err}");
}
