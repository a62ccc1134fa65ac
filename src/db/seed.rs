//! Reference data every tbseq database starts with: the rows the original's migrations insert
//! (drugs, synonyms, countries, media, methods, plate concentrations, ECOFFs) and the 4,008
//! genes of the H37Rv reference. The files are embedded, so a fresh machine needs nothing else.
//!
//! Seeding is idempotent (every insert skips existing rows) and runs in one transaction. A
//! fingerprint of the embedded files is kept in `tbseq_meta`, so that starting a seeded
//! database costs one query.

use super::{Db, DbError, Tx, Value};
use crate::params;

const COUNTRIES: &str = include_str!("seed/countries.tsv");
const DRUGS: &str = include_str!("seed/drugs.tsv");
const SYNONYMS: &str = include_str!("seed/drug_synonyms.tsv");
const ECOFFS: &str = include_str!("seed/ecoffs.tsv");
const PLATES: &str = include_str!("seed/plate_concentrations.tsv");
const MEDIA: &str = include_str!("seed/growth_media.tsv");
const METHODS: &str = include_str!("seed/assessment_methods.tsv");
const GENES: &str = include_str!("seed/genes.tsv");

/// Gene dbxref ids start here, so that dnaA is 7, dnaN 8 and Rv0004 10 as in the original's
/// test database (its ids 1–6 were record-level cross-references).
const FIRST_GENE_DBXREF: i64 = 7;

/// The reference sequence every seeded gene lies on.
pub const CHROMOSOME: &str = "NC_000962.3";

/// NCBI taxa: *M. tuberculosis* (species) and H37Rv (the reference strain).
const TAXA: &[(i64, Option<i64>, &str, &str)] = &[
    (1773, None, "species", "Mycobacterium tuberculosis"),
    (
        83332,
        Some(1773),
        "strain",
        "Mycobacterium tuberculosis H37Rv",
    ),
];

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// False when the database already held this exact seed.
    pub applied: bool,
    pub rows_inserted: u64,
}

fn fingerprint() -> String {
    // FNV-1a: stable across builds, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in [
        COUNTRIES, DRUGS, SYNONYMS, ECOFFS, PLATES, MEDIA, METHODS, GENES,
    ] {
        for byte in file.bytes().chain(std::iter::once(0)) {
            hash ^= byte as u64;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// Data lines of an embedded TSV file (header skipped), split into fields.
fn rows(file: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    file.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').collect())
}

fn text_or_null(field: &str) -> Value {
    if field.is_empty() {
        Value::Null
    } else {
        Value::Text(field.to_string())
    }
}

fn int(field: &str) -> Value {
    Value::Int(
        field
            .parse()
            .expect("embedded seed data holds valid integers"),
    )
}

fn float(field: &str) -> Value {
    Value::Float(
        field
            .parse()
            .expect("embedded seed data holds valid numbers"),
    )
}

pub async fn run(db: &Db) -> Result<SeedReport, DbError> {
    let current = fingerprint();
    let stored = db
        .query_opt(
            "SELECT value FROM tbseq_meta WHERE key = 'seed_fingerprint'",
            params![],
        )
        .await?;
    if let Some(row) = stored {
        if row.get::<String>(0)? == current {
            return Ok(SeedReport::default());
        }
    }

    let mut tx = db.begin().await?;
    let mut inserted = 0;
    inserted += seed_taxa(&mut tx).await?;
    inserted += seed_reference(&mut tx).await?;
    inserted += seed_genes(&mut tx).await?;
    for (table, column) in [
        ("genphen_drug", "drug_id"),
        ("genphen_growthmedium", "medium_id"),
        ("genphen_pdsassessmentmethod", "method_id"),
        ("biosql_dbxref", "dbxref_id"),
    ] {
        if let Some(sql) = db.dialect().reset_identity(table, column) {
            tx.query(&sql, params![]).await?;
        }
    }
    tx.execute(
        "INSERT INTO tbseq_meta (key, value) VALUES ('seed_fingerprint', $1) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![current],
    )
    .await?;
    tx.commit().await?;
    Ok(SeedReport {
        applied: true,
        rows_inserted: inserted,
    })
}

async fn seed_taxa(tx: &mut Tx) -> Result<u64, DbError> {
    let mut inserted = 0;
    for &(ncbi_id, parent, rank, name) in TAXA {
        inserted += tx
            .execute(
                "INSERT INTO biosql_taxon (ncbi_taxon_id, parent_taxon_id, node_rank) \
                 VALUES ($1, (SELECT taxon_id FROM biosql_taxon WHERE ncbi_taxon_id = $2), $3) \
                 ON CONFLICT (ncbi_taxon_id) DO NOTHING",
                params![ncbi_id, parent, rank],
            )
            .await?;
        inserted += tx
            .execute(
                "INSERT INTO biosql_taxon_name (taxon_id, name, name_class) \
                 SELECT taxon_id, $2, 'scientific name' FROM biosql_taxon WHERE ncbi_taxon_id = $1 \
                 ON CONFLICT DO NOTHING",
                params![ncbi_id, name],
            )
            .await?;
    }
    Ok(inserted)
}

async fn seed_reference(tx: &mut Tx) -> Result<u64, DbError> {
    let mut inserted = 0;
    inserted += tx
        .insert_values(
            "INSERT INTO genphen_country (three_letters_code, country_id, two_letters_code, \
         country_usual_name, country_official_name)",
            "ON CONFLICT DO NOTHING",
            rows(COUNTRIES)
                .map(|r| {
                    vec![
                        r[0].into(),
                        int(r[1]),
                        r[2].into(),
                        r[3].into(),
                        r[4].into(),
                    ]
                })
                .collect(),
        )
        .await?;
    inserted += tx
        .insert_values(
            "INSERT INTO genphen_drug (drug_id, drug_name, drug_code)",
            "ON CONFLICT DO NOTHING",
            rows(DRUGS)
                .map(|r| vec![int(r[0]), r[1].into(), r[2].into()])
                .collect(),
        )
        .await?;
    inserted += tx
        .insert_values(
            "INSERT INTO genphen_growthmedium (medium_id, medium_name)",
            "ON CONFLICT DO NOTHING",
            rows(MEDIA).map(|r| vec![int(r[0]), r[1].into()]).collect(),
        )
        .await?;
    inserted += tx
        .insert_values(
            "INSERT INTO genphen_pdsassessmentmethod (method_id, method_name)",
            "ON CONFLICT DO NOTHING",
            rows(METHODS)
                .map(|r| vec![int(r[0]), r[1].into()])
                .collect(),
        )
        .await?;
    // Rows that name their drug resolve it by name; the WHERE clause also lets SQLite parse
    // `INSERT … SELECT … ON CONFLICT` unambiguously.
    inserted += tx
        .execute_many(
            "INSERT INTO genphen_drugsynonym (drug_name_synonym, drug_id, code) \
             SELECT $1, drug_id, $3 FROM genphen_drug WHERE drug_name = $2 ON CONFLICT DO NOTHING",
            rows(SYNONYMS)
                .map(|r| {
                    vec![
                        r[0].into(),
                        r[1].into(),
                        text_or_null(r.get(2).copied().unwrap_or("")),
                    ]
                })
                .collect(),
        )
        .await?;
    inserted += tx
        .execute_many(
            "INSERT INTO genphen_microdilutionplateconcentration (plate, drug_id, concentration) \
             SELECT $1, drug_id, $3 FROM genphen_drug WHERE drug_name = $2 ON CONFLICT DO NOTHING",
            rows(PLATES)
                .map(|r| vec![r[0].into(), r[1].into(), float(r[2])])
                .collect(),
        )
        .await?;
    // ECOFFs have no natural key in the schema, so skip pairs that already exist.
    inserted += tx
        .execute_many(
            "INSERT INTO genphen_epidemcutoffvalue (drug_id, medium_name, value) \
             SELECT d.drug_id, $2, $3 FROM genphen_drug d WHERE d.drug_name = $1 \
             AND NOT EXISTS (SELECT 1 FROM genphen_epidemcutoffvalue e \
                             WHERE e.drug_id = d.drug_id AND e.medium_name = $2)",
            rows(ECOFFS)
                .map(|r| vec![r[0].into(), r[1].into(), float(r[2])])
                .collect(),
        )
        .await?;
    Ok(inserted)
}

async fn seed_genes(tx: &mut Tx) -> Result<u64, DbError> {
    let genes: Vec<Vec<&str>> = rows(GENES).collect();
    let ids = (FIRST_GENE_DBXREF..).take(genes.len());
    let mut inserted = tx
        .insert_values(
            "INSERT INTO biosql_dbxref (dbxref_id, dbname, accession, version)",
            "ON CONFLICT DO NOTHING",
            ids.clone()
                .zip(&genes)
                .map(|(id, g)| {
                    vec![
                        Value::Int(id),
                        "LocusTag".into(),
                        g[0].into(),
                        Value::Int(0),
                    ]
                })
                .collect(),
        )
        .await?;
    inserted += tx
        .insert_values(
            "INSERT INTO overview_gene (gene_db_crossref_id, chromosome, locus_tag, gene_name, \
         start_pos, end_pos, strand, biotype)",
            "ON CONFLICT DO NOTHING",
            ids.zip(&genes)
                .map(|(id, g)| {
                    let strand = match g[4] {
                        "+" => 1,
                        "-" => -1,
                        _ => 0,
                    };
                    vec![
                        Value::Int(id),
                        CHROMOSOME.into(),
                        g[0].into(),
                        text_or_null(g[1]),
                        int(g[2]),
                        int(g[3]),
                        Value::Int(strand),
                        text_or_null(g[5]),
                    ]
                })
                .collect(),
        )
        .await?;
    Ok(inserted)
}
