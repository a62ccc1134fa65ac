//! Catalogue data for the overview tests, written with plain SQL the way the import engine
//! writes it (samples with aliases in a system package, non-staging DST results, genotypes
//! with read counts or an allele frequency, annotations per gene, associations, grades).

#![allow(dead_code)]

use serde_json::Value as Json;
use tbseq::db::repo::{RefreshOptions, RefreshReport, SummaryStore};
use tbseq::db::{Db, Value};
use tbseq::params;
use time::{Date, Month};

use crate::common::TestApp;

/// Gene cross-reference ids of the seeded H37Rv genes the tests use.
pub const DNAA: i64 = 7;
pub const DNAN: i64 = 8;
pub const RV0004: i64 = 10;

pub struct Fixtures {
    pub db: Db,
    pub package: i64,
}

/// A sampling period: the calendar year `[Jan 1, Jan 1 of the next year)`.
pub fn year(y: i32) -> (Date, Date) {
    (
        Date::from_calendar_date(y, Month::January, 1).unwrap(),
        Date::from_calendar_date(y + 1, Month::January, 1).unwrap(),
    )
}

async fn id(db: &Db, sql: &str, args: Vec<Value>) -> i64 {
    db.query_one(sql, args)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
        .unwrap()
}

impl Fixtures {
    pub async fn new(app: &TestApp) -> Fixtures {
        let db = app.db.clone();
        let package = id(
            &db,
            "INSERT INTO submission_package (name, origin, state, matching_state) \
             VALUES ('catalogue fixtures', 'NCBI', 'ACCEPTED', '') RETURNING id",
            params![],
        )
        .await;
        Fixtures { db, package }
    }

    pub async fn exec(&self, sql: &str, args: Vec<Value>) {
        self.db
            .execute(sql, args)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    pub async fn count(&self, sql: &str) -> i64 {
        id(&self.db, sql, params![]).await
    }

    pub async fn drug(&self, code: &str) -> i64 {
        id(
            &self.db,
            "SELECT drug_id FROM genphen_drug WHERE drug_code = $1",
            params![code],
        )
        .await
    }

    /// A public (NCBI) sample.
    pub async fn sample(&self, country: Option<&str>, period: Option<(Date, Date)>) -> i64 {
        self.sample_from("NCBI", country, period).await
    }

    pub async fn sample_from(
        &self,
        origin: &str,
        country: Option<&str>,
        period: Option<(Date, Date)>,
    ) -> i64 {
        id(
            &self.db,
            "INSERT INTO submission_sample (ncbi_taxon_id, origin, country_id, package_id, \
             sampling_date_start, sampling_date_end) VALUES (1773, $1, $2, $3, $4, $5) RETURNING id",
            params![
                origin,
                country,
                self.package,
                period.map(|p| p.0),
                period.map(|p| p.1)
            ],
        )
        .await
    }

    /// An alias of `sample` (or of no sample); origin BioSample / "Sample name" when
    /// `accession` is true.
    pub async fn alias(
        &self,
        sample: Option<i64>,
        name: &str,
        country: Option<&str>,
        accession: bool,
    ) -> i64 {
        let (origin, label) = if accession {
            ("BioSample", "Sample name")
        } else {
            ("TBKB", "")
        };
        id(
            &self.db,
            "INSERT INTO submission_samplealias (name, sample_id, country_id, package_id, origin, origin_label) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            params![name, sample, country, self.package, origin, label],
        )
        .await
    }

    /// A sample with one linked accession alias named `S<id>`.
    pub async fn named_sample(
        &self,
        country: Option<&str>,
        period: Option<(Date, Date)>,
    ) -> (i64, i64) {
        let s = self.sample(country, period).await;
        let a = self.alias(Some(s), &format!("S{s}"), None, true).await;
        (s, a)
    }

    pub async fn pds(
        &self,
        sample: i64,
        alias: i64,
        drug: i64,
        result: Option<&str>,
        staging: bool,
    ) {
        self.exec(
            "INSERT INTO submission_pdstest (test_result, staging, sample_alias_id, sample_id, drug_id, package_id, concentration) \
             VALUES ($1, $2, $3, $4, $5, $6, 0.5)",
            params![result, staging, alias, sample, drug, self.package],
        )
        .await;
    }

    /// A sample (with a linked alias) tested once, non-staging, per (drug, result) pair.
    pub async fn tested_sample(
        &self,
        country: Option<&str>,
        period: Option<(Date, Date)>,
        results: &[(i64, &str)],
    ) -> i64 {
        let (s, a) = self.named_sample(country, period).await;
        for &(drug, result) in results {
            self.pds(s, a, drug, Some(result), false).await;
        }
        s
    }

    pub async fn variant(&self, position: i64, reference: &str, alternative: &str) -> i64 {
        id(
            &self.db,
            "INSERT INTO genphen_variant (chromosome, position, reference_nucleotide, alternative_nucleotide) \
             VALUES ('NC_000962.3', $1, $2, $3) RETURNING variant_id",
            params![position, reference, alternative],
        )
        .await
    }

    /// A call with read counts.
    pub async fn call(
        &self,
        sample: i64,
        variant: i64,
        genotyper: &str,
        alt_ad: i64,
        total_dp: i64,
    ) {
        self.exec(
            "INSERT INTO submission_genotype (sample_id, variant_id, genotyper, quality, reference_ad, alternative_ad, total_dp, genotype_value) \
             VALUES ($1, $2, $3, 150.0, $4, $5, $6, 'ABCDEF')",
            params![sample, variant, genotyper, total_dp - alt_ad, alt_ad, total_dp],
        )
        .await;
    }

    /// A call known only by its allele frequency (the WHO catalogue's `max(af)`).
    pub async fn call_af(&self, sample: i64, variant: i64, af: f64) {
        self.exec(
            "INSERT INTO submission_genotype (sample_id, variant_id, genotyper, allele_frequency) \
             VALUES ($1, $2, 'catalogue', $3)",
            params![sample, variant, af],
        )
        .await;
    }

    pub async fn annotate(
        &self,
        variant: i64,
        gene: i64,
        effect: &str,
        nucleotidic: &str,
        proteic: Option<&str>,
        distance: Option<i64>,
    ) {
        self.exec(
            "INSERT INTO genphen_formattedannotationpergene (variant_id, gene_db_crossref_id, predicted_effect, \
             nucleotidic_annotation, proteic_annotation, distance_to_reference) VALUES ($1, $2, $3, $4, $5, $6)",
            params![variant, gene, effect, nucleotidic, proteic, distance],
        )
        .await;
    }

    pub async fn associate(&self, gene: i64, drug: i64, tier: i64) {
        self.exec(
            "INSERT INTO genphen_genedrugresistanceassociation (gene_db_crossref_id, drug_id, tier) VALUES ($1, $2, $3)",
            params![gene, drug, tier],
        )
        .await;
    }

    pub async fn grade(&self, variant: i64, drug: i64, grade: i64, version: i64) {
        self.exec(
            "INSERT INTO genphen_variantgrade (variant_id, drug_id, grade, grade_version) VALUES ($1, $2, $3, $4)",
            params![variant, drug, grade, version],
        )
        .await;
    }

    pub async fn prediction(
        &self,
        sample: i64,
        drug: i64,
        version: i64,
        flag: &str,
        variant: &str,
    ) {
        self.exec(
            "INSERT INTO submission_genotyperesistance (sample_id, drug_id, version, resistance_flag, variant) \
             VALUES ($1, $2, $3, $4, $5)",
            params![sample, drug, version, flag, variant],
        )
        .await;
    }

    pub async fn gene_start_end(&self, gene: i64) -> (i64, i64) {
        let row = self
            .db
            .query_one(
                "SELECT start_pos, end_pos FROM overview_gene WHERE gene_db_crossref_id = $1",
                params![gene],
            )
            .await
            .unwrap();
        (row.get(0).unwrap(), row.get(1).unwrap())
    }

    pub async fn refresh(&self) -> RefreshReport {
        self.refresh_with(0.75).await
    }

    pub async fn refresh_with(&self, threshold: f64) -> RefreshReport {
        self.db
            .refresh_summaries(&RefreshOptions {
                presence_threshold: threshold,
            })
            .await
            .expect("refresh the summary tables")
    }

    /// Every row of a table, each as text, sorted: a comparable snapshot.
    pub async fn snapshot(&self, table: &str) -> Vec<String> {
        let rows = self
            .db
            .query(&format!("SELECT * FROM {table}"), params![])
            .await
            .unwrap();
        let mut out: Vec<String> = rows.iter().map(|r| format!("{:?}", r.values())).collect();
        out.sort();
        out
    }
}

/// The original's `annotations` fixture (T-03, T-04): 20 samples susceptible to isoniazid,
/// the even ones carrying variant 1 and the odd ones variant 2, both annotated upstream of
/// Rv0004 and graded for isoniazid. The read counts put the allele frequency at 850/900, above
/// the presence threshold (the original's 510/900 would be below it; see
/// `a_variant_counts_from_the_presence_threshold`).
pub struct Annotations {
    pub inh: i64,
    pub variants: [i64; 2],
    pub samples: Vec<i64>,
}

pub async fn annotations(fx: &Fixtures) -> Annotations {
    let inh = fx.drug("INH").await;
    let v1 = fx.variant(2160001, "TAGA", "GTAA").await;
    let v2 = fx.variant(2160002, "TAGA", "GTAA").await;
    fx.grade(v1, inh, 1, 1).await;
    fx.grade(v2, inh, 2, 1).await;
    let mut samples = Vec::new();
    for i in 0..20 {
        let s = fx.sample(None, None).await;
        let a = fx.alias(Some(s), &format!("A{i}"), None, true).await;
        fx.pds(s, a, inh, Some("S"), false).await;
        fx.call(s, if i % 2 == 0 { v1 } else { v2 }, "freebayes", 850, 900)
            .await;
        samples.push(s);
    }
    fx.annotate(v1, RV0004, "UPSTREAM", "AAA", Some("BBB"), Some(78))
        .await;
    fx.annotate(v2, RV0004, "UPSTREAM", "AAA", Some("BBB"), Some(141))
        .await;
    fx.associate(RV0004, inh, 1).await;
    fx.refresh().await;
    Annotations {
        inh,
        variants: [v1, v2],
        samples,
    }
}

/// The keys of a JSON object, sorted.
pub fn keys(value: &Json) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}
