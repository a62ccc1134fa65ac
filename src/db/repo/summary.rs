//! The summary tables that replace the original's materialized views, and their rebuild.
//!
//! Every table is rebuilt with `DELETE` + `INSERT … SELECT` (one SQL text for SQLite and
//! PostgreSQL), in dependency order, inside **one** transaction: a reader sees either every
//! table as it was or every table rebuilt, never a half-built one. Each rebuild is recorded in
//! `summary_refresh` (row count, duration).
//!
//! What the tables hold (the original's definitions, `catalogue-and-overview.md` §2, with the
//! deliberate fixes listed in `docs/compatibility.md`):
//!
//! * A **phenotype** of a sample for a drug is its DST result when all its non-staging,
//!   non-NULL results for that drug agree; contradicting results leave the pair out.
//! * A **predicted (genotypic) resistance** of a sample for a drug is taken from the latest
//!   `version` in `submission_genotyperesistance`, by the same agreement rule.
//! * A sample's **country** is the greatest country of its aliases, else its own; samples
//!   without aliases are kept.
//! * A variant is **present** in a sample when its allele frequency (`allele_frequency`, else
//!   `alternative_ad / total_dp`) reaches the presence threshold, whatever the genotyper.
//! * Counts are numbers of distinct samples.

use std::future::Future;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::config::Config;
use crate::db::{Db, DbError, Tx, Value};
use crate::params;

/// How the summaries are computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RefreshOptions {
    /// Allele frequency from which a variant counts as present in a sample.
    pub presence_threshold: f64,
}

impl Default for RefreshOptions {
    fn default() -> Self {
        RefreshOptions {
            presence_threshold: 0.75,
        }
    }
}

impl From<&Config> for RefreshOptions {
    fn from(config: &Config) -> Self {
        RefreshOptions {
            presence_threshold: config.variant_presence_threshold,
        }
    }
}

/// What one table's rebuild did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRefresh {
    pub table: &'static str,
    pub rows: u64,
    pub duration: Duration,
}

/// What a whole refresh did, table by table in the order they were rebuilt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshReport {
    pub tables: Vec<TableRefresh>,
    pub duration: Duration,
}

/// When the summary tables were last rebuilt, and how long the rebuild of all of them took
/// (from `summary_refresh`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastRefresh {
    pub at: OffsetDateTime,
    pub duration: Duration,
}

pub trait SummaryStore {
    /// The latest rebuild; `None` before the first.
    fn last_refresh(&self) -> impl Future<Output = Result<Option<LastRefresh>, DbError>> + Send;
    /// Rebuilds every summary table in one transaction.
    fn refresh_summaries(
        &self,
        options: &RefreshOptions,
    ) -> impl Future<Output = Result<RefreshReport, DbError>> + Send;
}

/// The summary tables, in the order they are rebuilt (each only reads tables before it).
pub const SUMMARY_TABLES: [&str; 8] = [
    "genphen_rankedannotation",
    "genphen_preferredannotation",
    "genphen_multiplevariantdecomposition",
    "overview_druggene",
    "overview_sampledrugresult",
    "overview_sampledrugresultstats",
    "overview_genedrugstats",
    "overview_globalresistancestats",
];

/// Greatest alias country per sample.
const ALIAS_COUNTRY: &str = "(SELECT sample_id, MAX(country_id) AS country_id \
     FROM submission_samplealias WHERE sample_id IS NOT NULL GROUP BY sample_id)";

/// Predicted resistance per (sample, drug): the latest version only, and only when every flag
/// of the pair agrees.
const GENO_RESULTS: &str = "(SELECT sample_id, drug_id, MIN(resistance_flag) AS resistance_flag \
     FROM submission_genotyperesistance \
     WHERE version = (SELECT MAX(version) FROM submission_genotyperesistance) \
     GROUP BY sample_id, drug_id HAVING MIN(resistance_flag) = MAX(resistance_flag))";

/// First-line drugs (mono- and poly-resistance), by name as in the original.
const FIRST_LINE: &str = "('Ethambutol', 'Isoniazid', 'Pyrazinamide', 'Rifampicin')";
/// Any fluoroquinolone (XDR); the original only knew the drug literally named
/// "Fluoroquinolones".
const FLUOROQUINOLONES: &str = "('Fluoroquinolones', 'Ofloxacin', 'Levofloxacin', 'Moxifloxacin', \
     'Gatifloxacin', 'Ciprofloxacin', 'Sitafloxacin')";
/// Second-line injectables (XDR).
const INJECTABLES: &str = "('Capreomycin', 'Kanamycin', 'Amikacin')";

fn ranked_annotation() -> String {
    "INSERT INTO genphen_rankedannotation \
     (variant_id, annotation_id, gene_name, predicted_effect, hgvs_value, distance_to_reference, rank) \
     SELECT variant_id, annotation_id, gene_name, predicted_effect, hgvs_value, distance_to_reference, \
     RANK() OVER (PARTITION BY variant_id ORDER BY priority IS NULL, priority) \
     FROM (SELECT vta.variant_id, a.annotation_id, COALESCE(g.gene_name, g.locus_tag) AS gene_name, \
       a.predicted_effect, a.hgvs_value, a.distance_to_reference, \
       CASE \
         WHEN (a.predicted_effect <> 'synonymous_variant' AND gp.protein_db_crossref_id IS NOT NULL) \
           OR a.predicted_effect = 'non_coding_transcript_exon_variant' THEN 1 \
         WHEN a.predicted_effect = 'synonymous_variant' AND gl.locus_tag IS NOT NULL THEN 2 \
         WHEN a.predicted_effect IN ('upstream_gene_variant', 'downstream_gene_variant') \
           THEN a.distance_to_reference + 2 \
       END AS priority \
       FROM genphen_varianttoannotation vta \
       JOIN genphen_annotation a ON a.annotation_id = vta.annotation_id \
       LEFT JOIN overview_gene gl ON gl.gene_db_crossref_id = a.reference_db_crossref_id \
       LEFT JOIN overview_gene gp ON gp.protein_db_crossref_id = a.reference_db_crossref_id \
       JOIN overview_gene g ON g.gene_db_crossref_id = COALESCE(gp.gene_db_crossref_id, gl.gene_db_crossref_id) \
     ) annotated"
        .into()
}

fn preferred_annotation() -> String {
    "INSERT INTO genphen_preferredannotation (variant_id, gene_name, predicted_effect, hgvs_value, mii) \
     SELECT variant_id, gene_name, predicted_effect, hgvs_value, distance_to_reference \
     FROM genphen_rankedannotation WHERE rank = 1"
        .into()
}

/// Splits each multi-nucleotide substitution (reference and alternative of equal length > 1)
/// into the single-nucleotide changes it is made of, linked to the SNV on the same chromosome
/// when one was observed.
fn multiple_variant_decomposition() -> String {
    "WITH RECURSIVE mnv AS (SELECT variant_id, chromosome, position, reference_nucleotide AS ref, \
       alternative_nucleotide AS alt FROM genphen_variant \
       WHERE length(reference_nucleotide) > 1 AND length(reference_nucleotide) = length(alternative_nucleotide)), \
     shifts(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM shifts \
       WHERE n + 1 < (SELECT COALESCE(MAX(length(ref)), 0) FROM mnv)) \
     INSERT INTO genphen_multiplevariantdecomposition (mnv_variant_id, single_variant_id) \
     SELECT z.variant_id, v.variant_id FROM mnv z \
     JOIN shifts s ON s.n < length(z.ref) \
     LEFT JOIN genphen_variant v ON v.chromosome = z.chromosome AND v.position = z.position + s.n \
       AND v.reference_nucleotide = substr(z.ref, s.n + 1, 1) \
       AND v.alternative_nucleotide = substr(z.alt, s.n + 1, 1) \
     WHERE substr(z.ref, s.n + 1, 1) <> substr(z.alt, s.n + 1, 1)"
        .into()
}

fn drug_gene() -> String {
    "INSERT INTO overview_druggene (gene_db_crossref, drug, gene_name, drug_name) \
     SELECT DISTINCT a.gene_db_crossref_id, a.drug_id, COALESCE(g.gene_name, g.locus_tag), d.drug_name \
     FROM genphen_genedrugresistanceassociation a \
     JOIN overview_gene g ON g.gene_db_crossref_id = a.gene_db_crossref_id \
     JOIN genphen_drug d ON d.drug_id = a.drug_id"
        .into()
}

fn sample_drug_result() -> String {
    format!(
        "INSERT INTO overview_sampledrugresult \
         (sample_id, sampling_date_start, sampling_date_end, country_id, drug_id, test_result) \
         SELECT r.sample_id, s.sampling_date_start, s.sampling_date_end, \
           COALESCE(ac.country_id, s.country_id), r.drug_id, r.test_result \
         FROM (SELECT sample_id, drug_id, MIN(test_result) AS test_result FROM submission_pdstest \
           WHERE staging = FALSE AND sample_id IS NOT NULL AND drug_id IS NOT NULL AND test_result IS NOT NULL \
           GROUP BY sample_id, drug_id HAVING MIN(test_result) = MAX(test_result)) r \
         JOIN submission_sample s ON s.id = r.sample_id \
         LEFT JOIN {ALIAS_COUNTRY} ac ON ac.sample_id = r.sample_id"
    )
}

/// `SUM(CASE WHEN column = 'X' THEN 1 ELSE 0 END)` for S, R and I.
fn sri_sums(column: &str) -> String {
    ["S", "R", "I"]
        .iter()
        .map(|v| format!("CAST(SUM(CASE WHEN {column} = '{v}' THEN 1 ELSE 0 END) AS BIGINT)"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn sample_drug_result_stats() -> String {
    format!(
        "INSERT INTO overview_sampledrugresultstats \
         (drug_id, country_id, sampling_date_start, sampling_date_end, susceptible, resistant, intermediate, resistance_type) \
         SELECT drug_id, country_id, sampling_date_start, sampling_date_end, {pheno}, 'Pheno' \
         FROM overview_sampledrugresult \
         GROUP BY drug_id, country_id, sampling_date_start, sampling_date_end \
         UNION ALL \
         SELECT g.drug_id, COALESCE(ac.country_id, s.country_id), s.sampling_date_start, s.sampling_date_end, {geno}, 'Geno' \
         FROM {GENO_RESULTS} g \
         JOIN submission_sample s ON s.id = g.sample_id \
         LEFT JOIN {ALIAS_COUNTRY} ac ON ac.sample_id = g.sample_id \
         GROUP BY g.drug_id, COALESCE(ac.country_id, s.country_id), s.sampling_date_start, s.sampling_date_end",
        pheno = sri_sums("test_result"),
        geno = sri_sums("g.resistance_flag"),
    )
}

/// `$1` is the presence threshold. `CROSS JOIN` fixes SQLite's join order for the test counts
/// (carriers, then their variant's drugs, then each carrier's result for that drug): without
/// table statistics SQLite would otherwise walk every result of a drug for every variant.
/// PostgreSQL plans it as an inner join.
fn gene_drug_stats() -> String {
    format!(
        "WITH present AS (SELECT DISTINCT variant_id, sample_id FROM submission_genotype \
           WHERE COALESCE(allele_frequency, CASE WHEN total_dp > 0 \
             THEN CAST(alternative_ad AS DOUBLE PRECISION) / CAST(total_dp AS DOUBLE PRECISION) END) >= $1), \
         genotyped AS (SELECT CAST(COUNT(DISTINCT sample_id) AS DOUBLE PRECISION) AS n FROM submission_genotype), \
         frequencies AS (SELECT variant_id, COUNT(*) AS total_counts, \
           CAST(COUNT(*) AS DOUBLE PRECISION) * 100.0 / (SELECT n FROM genotyped) AS global_frequency \
           FROM present GROUP BY variant_id), \
         annotations AS (SELECT DISTINCT f.variant_id, a.drug_id, f.gene_db_crossref_id, f.predicted_effect, \
           f.nucleotidic_annotation, f.proteic_annotation, f.distance_to_reference \
           FROM genphen_formattedannotationpergene f \
           JOIN genphen_genedrugresistanceassociation a ON a.gene_db_crossref_id = f.gene_db_crossref_id), \
         variant_drugs AS (SELECT DISTINCT variant_id, drug_id FROM annotations), \
         test_counts AS (SELECT p.variant_id, r.drug_id, {sums} \
           FROM present p CROSS JOIN variant_drugs vd CROSS JOIN overview_sampledrugresult r \
           WHERE vd.variant_id = p.variant_id AND r.sample_id = p.sample_id AND r.drug_id = vd.drug_id \
           GROUP BY p.variant_id, r.drug_id) \
         INSERT INTO overview_genedrugstats (gene_name, gene_db_crossref, start_pos, end_pos, variant_id, \
           variant_name, nucleodic_ann_name, proteic_ann_name, consequence, total_counts, global_frequency, \
           drug_id, susceptible_count, resistant_count, intermediate_count, variant_grade, variant_grade_version) \
         SELECT COALESCE(g.gene_name, g.locus_tag), g.gene_db_crossref_id, \
           g.start_pos + fa.distance_to_reference, g.end_pos + fa.distance_to_reference, fa.variant_id, \
           CASE WHEN v.reference_nucleotide = '' \
             THEN CAST(v.position AS TEXT) || '-' || v.alternative_nucleotide \
             ELSE CAST(v.position AS TEXT) || '-' || v.reference_nucleotide || '-' || v.alternative_nucleotide END, \
           fa.nucleotidic_annotation, fa.proteic_annotation, fa.predicted_effect, fr.total_counts, fr.global_frequency, \
           fa.drug_id, COALESCE(tc.s, 0), COALESCE(tc.r, 0), COALESCE(tc.i, 0), \
           COALESCE(CAST(vg.grade AS TEXT), 'Ungraded'), vg.grade_version \
         FROM overview_gene g \
         JOIN annotations fa ON fa.gene_db_crossref_id = g.gene_db_crossref_id \
         JOIN genphen_variant v ON v.variant_id = fa.variant_id \
         JOIN frequencies fr ON fr.variant_id = fa.variant_id \
         LEFT JOIN test_counts tc ON tc.variant_id = fa.variant_id AND tc.drug_id = fa.drug_id \
         LEFT JOIN genphen_variantgrade vg ON vg.variant_id = fa.variant_id AND vg.drug_id = fa.drug_id",
        sums = ["s", "r", "i"]
            .iter()
            .map(|c| format!(
                "CAST(SUM(CASE WHEN r.test_result = '{}' THEN 1 ELSE 0 END) AS BIGINT) AS {c}",
                c.to_ascii_uppercase()
            ))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

fn global_resistance_stats() -> String {
    format!(
        "WITH resistant AS (SELECT r.sample_id, COUNT(*) AS n_drugs, \
           SUM(CASE WHEN d.drug_name IN {FIRST_LINE} THEN 1 ELSE 0 END) AS n_first_line, \
           MAX(CASE WHEN d.drug_name = 'Isoniazid' THEN 1 ELSE 0 END) AS inh, \
           MAX(CASE WHEN d.drug_name = 'Rifampicin' THEN 1 ELSE 0 END) AS rif, \
           MAX(CASE WHEN d.drug_name IN {FLUOROQUINOLONES} THEN 1 ELSE 0 END) AS fq, \
           MAX(CASE WHEN d.drug_name IN {INJECTABLES} THEN 1 ELSE 0 END) AS inj \
           FROM overview_sampledrugresult r JOIN genphen_drug d ON d.drug_id = r.drug_id \
           WHERE r.test_result = 'R' GROUP BY r.sample_id), \
         rifampicin AS (SELECT r.sample_id FROM overview_sampledrugresult r \
             JOIN genphen_drug d ON d.drug_id = r.drug_id \
             WHERE d.drug_name = 'Rifampicin' AND r.test_result = 'R' \
           UNION SELECT g.sample_id FROM {GENO_RESULTS} g \
             JOIN genphen_drug d ON d.drug_id = g.drug_id \
             WHERE d.drug_name = 'Rifampicin' AND g.resistance_flag = 'R') \
         INSERT INTO overview_globalresistancestats (total_samples, mono_resistant, poly_resistant, \
           multidrug_resistant, extensive_drug_resistant, rifampicin_resistant) \
         SELECT (SELECT COUNT(*) FROM submission_sample), \
           (SELECT COUNT(*) FROM resistant WHERE n_drugs = 1 AND n_first_line = 1), \
           (SELECT COUNT(*) FROM resistant WHERE n_first_line > 1 AND NOT (n_drugs = 2 AND inh = 1 AND rif = 1)), \
           (SELECT COUNT(*) FROM resistant WHERE inh = 1 AND rif = 1), \
           (SELECT COUNT(*) FROM resistant WHERE inh = 1 AND rif = 1 AND fq = 1 AND inj = 1), \
           (SELECT COUNT(*) FROM rifampicin)"
    )
}

/// The statement that fills each table (same order as [`SUMMARY_TABLES`]) and whether it takes
/// the presence threshold as `$1`.
fn fill_statements() -> [(&'static str, String, bool); 8] {
    [
        (SUMMARY_TABLES[0], ranked_annotation(), false),
        (SUMMARY_TABLES[1], preferred_annotation(), false),
        (SUMMARY_TABLES[2], multiple_variant_decomposition(), false),
        (SUMMARY_TABLES[3], drug_gene(), false),
        (SUMMARY_TABLES[4], sample_drug_result(), false),
        (SUMMARY_TABLES[5], sample_drug_result_stats(), false),
        (SUMMARY_TABLES[6], gene_drug_stats(), true),
        (SUMMARY_TABLES[7], global_resistance_stats(), false),
    ]
}

async fn rebuild(
    tx: &mut Tx,
    table: &'static str,
    fill: &str,
    params: Vec<Value>,
) -> Result<TableRefresh, DbError> {
    let started = Instant::now();
    tx.execute(&format!("DELETE FROM {table}"), params![])
        .await?;
    let rows = tx.execute(fill, params).await?;
    let duration = started.elapsed();
    tx.execute(
        "INSERT INTO summary_refresh (name, refreshed_at, duration_ms, row_count) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO UPDATE SET refreshed_at = excluded.refreshed_at, \
         duration_ms = excluded.duration_ms, row_count = excluded.row_count",
        params![
            table,
            OffsetDateTime::now_utc(),
            duration.as_millis() as i64,
            rows as i64
        ],
    )
    .await?;
    Ok(TableRefresh {
        table,
        rows,
        duration,
    })
}

impl SummaryStore for Db {
    async fn last_refresh(&self) -> Result<Option<LastRefresh>, DbError> {
        // One refresh writes every row in one transaction: the latest time is its end.
        let row = self
            .query_one(
                "SELECT MAX(refreshed_at), CAST(SUM(duration_ms) AS BIGINT) FROM summary_refresh",
                params![],
            )
            .await?;
        let at: Option<OffsetDateTime> = row.get(0)?;
        let millis: Option<i64> = row.get(1)?;
        Ok(at.map(|at| LastRefresh {
            at,
            duration: Duration::from_millis(millis.unwrap_or(0).max(0) as u64),
        }))
    }

    async fn refresh_summaries(&self, options: &RefreshOptions) -> Result<RefreshReport, DbError> {
        let threshold = options.presence_threshold;
        if !(threshold > 0.0 && threshold <= 1.0) {
            return Err(DbError::Query(format!(
                "presence threshold {threshold} is not in (0, 1]"
            )));
        }
        let started = Instant::now();
        if let Some(analyze) = self.dialect().analyze() {
            self.execute(analyze, params![]).await?;
        }
        let mut tx = self.begin().await?;
        if let Some(lock) = self.dialect().serialize_refresh() {
            tx.execute(lock, params![]).await?;
        }
        let mut tables = Vec::with_capacity(SUMMARY_TABLES.len());
        for (table, fill, takes_threshold) in fill_statements() {
            let params = if takes_threshold {
                params![threshold]
            } else {
                params![]
            };
            tables.push(rebuild(&mut tx, table, &fill, params).await?);
        }
        tx.commit().await?;
        Ok(RefreshReport {
            tables,
            duration: started.elapsed(),
        })
    }
}
