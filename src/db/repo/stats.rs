//! Reading the summary tables: resistance statistics, the global resistance summary, the
//! variant table (`overview_genedrugstats`) and the gene–drug associations.

use std::future::Future;

use super::Conditions;
use crate::db::{Db, DbError, FromValue, Row};
use crate::domain::catalogue::Drug;
use crate::domain::stats::{Counts, GlobalResistance, ResistanceType, YearWindow};
use crate::domain::variants::{
    group_gene_associations, GeneAssociation, GradeVersion, OrderKey, VariantColumn, VariantFilter,
    VariantInfo,
};
use crate::params;

/// Filters of the resistance statistics.
#[derive(Debug, Clone, Default)]
pub struct ResistanceQuery {
    pub drug: Option<i64>,
    pub resistance_type: Option<ResistanceType>,
    /// Three-letter country codes; empty means every country.
    pub countries: Vec<String>,
    pub years: YearWindow,
}

pub trait StatsStore {
    /// Summed counts per drug, by drug id.
    fn resistance_by_drug(
        &self,
        query: &ResistanceQuery,
    ) -> impl Future<Output = Result<Vec<(i64, Counts)>, DbError>> + Send;
    /// Summed counts per country, by country code (samples without a country last).
    fn resistance_by_country(
        &self,
        query: &ResistanceQuery,
    ) -> impl Future<Output = Result<Vec<(Option<String>, Counts)>, DbError>> + Send;
    /// The global summary; `None` before the first refresh.
    fn global_resistance(
        &self,
    ) -> impl Future<Output = Result<Option<GlobalResistance>, DbError>> + Send;
    fn count_variant_stats(
        &self,
        filter: &VariantFilter,
    ) -> impl Future<Output = Result<u64, DbError>> + Send;
    /// Rows of the variant table in the filter's order; `page` is (offset, limit).
    fn variant_stats(
        &self,
        filter: &VariantFilter,
        page: Option<(u64, u64)>,
    ) -> impl Future<Output = Result<Vec<VariantInfo>, DbError>> + Send;
    /// One entry per associated gene (ordered by gene id) with all its drugs; `drug` keeps
    /// genes associated with that drug, `gene` keeps that gene only.
    fn gene_associations(
        &self,
        drug: Option<i64>,
        gene: Option<i64>,
    ) -> impl Future<Output = Result<Vec<GeneAssociation>, DbError>> + Send;
}

fn resistance_conditions(query: &ResistanceQuery) -> Conditions {
    let mut c = Conditions::default();
    if let Some(drug) = query.drug {
        let p = c.bind(drug);
        c.push(format!("drug_id = {p}"));
    }
    if let Some(kind) = query.resistance_type {
        let p = c.bind(kind.as_str());
        c.push(format!("resistance_type = {p}"));
    }
    c.one_of("country_id", &query.countries);
    // A sampling period [start, end) overlaps the window; no date at all always counts.
    if let Some(from) = query.years.from {
        let p = c.bind(from);
        c.push(format!(
            "(sampling_date_end IS NULL OR sampling_date_end > {p})"
        ));
    }
    if let Some(until) = query.years.until {
        let p = c.bind(until);
        c.push(format!(
            "(sampling_date_start IS NULL OR sampling_date_start < {p})"
        ));
    }
    c
}

async fn resistance_by<K: FromValue>(
    db: &Db,
    key: &str,
    query: &ResistanceQuery,
) -> Result<Vec<(K, Counts)>, DbError> {
    let c = resistance_conditions(query);
    let sql = format!(
        "SELECT {key}, CAST(SUM(susceptible) AS BIGINT), CAST(SUM(resistant) AS BIGINT), \
         CAST(SUM(intermediate) AS BIGINT) FROM overview_sampledrugresultstats{} \
         GROUP BY {key} ORDER BY {key} IS NULL, {key}",
        c.sql()
    );
    db.query(&sql, c.into_args())
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.get(0)?,
                Counts {
                    susceptible: r.get(1)?,
                    resistant: r.get(2)?,
                    intermediate: r.get(3)?,
                },
            ))
        })
        .collect()
}

const VARIANT_COLUMNS: &str = "SELECT s.drug_id, d.drug_name, s.gene_db_crossref, s.gene_name, \
     s.variant_name, s.variant_grade, s.variant_grade_version, s.nucleodic_ann_name, \
     s.proteic_ann_name, s.consequence, s.resistant_count, s.susceptible_count, \
     s.intermediate_count, s.global_frequency, s.total_counts, s.start_pos, s.end_pos \
     FROM overview_genedrugstats s JOIN genphen_drug d ON d.drug_id = s.drug_id";

fn variant(row: &Row) -> Result<VariantInfo, DbError> {
    Ok(VariantInfo {
        drug_id: row.get(0)?,
        drug_name: row.get(1)?,
        gene_db_crossref_id: row.get(2)?,
        gene_name: row.get(3)?,
        variant_name: row.get(4)?,
        variant_grade: row.get(5)?,
        variant_grade_version: row.get(6)?,
        nucleodic_ann_name: row.get(7)?,
        proteic_ann_name: row.get(8)?,
        consequence: row.get(9)?,
        resistant_count: row.get(10)?,
        susceptible_count: row.get(11)?,
        intermediate_count: row.get(12)?,
        global_frequency: row.get(13)?,
        total_counts: row.get(14)?,
        start_pos: row.get(15)?,
        end_pos: row.get(16)?,
    })
}

/// The filter as conditions on `overview_genedrugstats s`. The summary table holds one row
/// per (variant, drug, gene, annotation, grade version), so the original's `GROUP BY` over
/// every column with summed counts is the identity and is left out.
fn variant_conditions(f: &VariantFilter) -> Conditions {
    let mut c = Conditions::default();
    let substrings = [
        ("s.gene_name", &f.gene_name),
        ("s.variant_name", &f.variant_name),
        ("s.nucleodic_ann_name", &f.nucleodic_ann_name),
        ("s.proteic_ann_name", &f.proteic_ann_name),
        ("s.variant_grade", &f.variant_grade),
    ];
    for (column, term) in substrings {
        if let Some(term) = term {
            c.contains(column, term);
        }
    }
    if let Some(consequence) = &f.consequence {
        let p = c.bind(consequence.to_lowercase());
        c.push(format!("lower(s.consequence) = {p}"));
    }
    c.one_of("s.drug_id", &f.drugs);
    c.one_of("s.gene_db_crossref", &f.genes);
    match f.grade_version {
        // The latest version over the whole table; when nothing is graded every row has a
        // NULL version and passes.
        GradeVersion::Latest => c.push(
            "(s.variant_grade_version IS NULL OR s.variant_grade_version = \
             (SELECT MAX(variant_grade_version) FROM overview_genedrugstats))",
        ),
        GradeVersion::Exactly(v) => {
            let p = c.bind(v);
            c.push(format!("s.variant_grade_version = {p}"));
        }
    }
    c
}

fn order_by(keys: &[OrderKey]) -> String {
    let mut parts: Vec<String> = keys
        .iter()
        .map(|k| {
            let column = match k.column {
                VariantColumn::ResistantCount => "s.resistant_count",
                VariantColumn::SusceptibleCount => "s.susceptible_count",
                VariantColumn::IntermediateCount => "s.intermediate_count",
                VariantColumn::GlobalFrequency => "s.global_frequency",
                VariantColumn::TotalCounts => "s.total_counts",
            };
            format!("{column}{}", if k.descending { " DESC" } else { "" })
        })
        .collect();
    // The default order, then enough keys for a stable order across pages.
    parts.extend(
        [
            "s.start_pos IS NULL",
            "s.start_pos",
            "s.variant_id",
            "s.drug_id",
            "s.gene_db_crossref",
            "s.variant_grade_version IS NULL",
            "s.variant_grade_version",
            "s.nucleodic_ann_name",
            "s.proteic_ann_name IS NULL",
            "s.proteic_ann_name",
            "s.consequence",
        ]
        .map(String::from),
    );
    format!(" ORDER BY {}", parts.join(", "))
}

impl StatsStore for Db {
    async fn resistance_by_drug(
        &self,
        query: &ResistanceQuery,
    ) -> Result<Vec<(i64, Counts)>, DbError> {
        resistance_by(self, "drug_id", query).await
    }

    async fn resistance_by_country(
        &self,
        query: &ResistanceQuery,
    ) -> Result<Vec<(Option<String>, Counts)>, DbError> {
        resistance_by(self, "country_id", query).await
    }

    async fn global_resistance(&self) -> Result<Option<GlobalResistance>, DbError> {
        self.query_opt(
            "SELECT total_samples, mono_resistant, poly_resistant, multidrug_resistant, \
             extensive_drug_resistant, rifampicin_resistant FROM overview_globalresistancestats",
            params![],
        )
        .await?
        .map(|r| {
            Ok(GlobalResistance {
                total_samples: r.get(0)?,
                mono_resistant: r.get(1)?,
                poly_resistant: r.get(2)?,
                multidrug_resistant: r.get(3)?,
                extensive_drug_resistant: r.get(4)?,
                rifampicin_resistant: r.get(5)?,
            })
        })
        .transpose()
    }

    async fn count_variant_stats(&self, filter: &VariantFilter) -> Result<u64, DbError> {
        let c = variant_conditions(filter);
        let sql = format!("SELECT COUNT(*) FROM overview_genedrugstats s{}", c.sql());
        let n: i64 = self.query_one(&sql, c.into_args()).await?.get(0)?;
        Ok(n as u64)
    }

    async fn variant_stats(
        &self,
        filter: &VariantFilter,
        page: Option<(u64, u64)>,
    ) -> Result<Vec<VariantInfo>, DbError> {
        let mut c = variant_conditions(filter);
        let mut sql = format!("{VARIANT_COLUMNS}{}{}", c.sql(), order_by(&filter.order));
        sql.push_str(&c.page(page));
        self.query(&sql, c.into_args())
            .await?
            .iter()
            .map(variant)
            .collect()
    }

    async fn gene_associations(
        &self,
        drug: Option<i64>,
        gene: Option<i64>,
    ) -> Result<Vec<GeneAssociation>, DbError> {
        let mut c = Conditions::default();
        if let Some(drug) = drug {
            let p = c.bind(drug);
            c.push(format!(
                "a.gene_db_crossref_id IN (SELECT gene_db_crossref_id \
                 FROM genphen_genedrugresistanceassociation WHERE drug_id = {p})"
            ));
        }
        if let Some(gene) = gene {
            let p = c.bind(gene);
            c.push(format!("a.gene_db_crossref_id = {p}"));
        }
        let sql = format!(
            "SELECT a.gene_db_crossref_id, g.gene_name, d.drug_id, d.drug_name, d.drug_code \
             FROM genphen_genedrugresistanceassociation a \
             JOIN genphen_drug d ON d.drug_id = a.drug_id \
             LEFT JOIN overview_gene g ON g.gene_db_crossref_id = a.gene_db_crossref_id{} \
             ORDER BY a.gene_db_crossref_id, d.drug_id",
            c.sql()
        );
        let rows = self
            .query(&sql, c.into_args())
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.get::<i64>(0)?,
                    r.get::<Option<String>>(1)?,
                    Drug {
                        drug_id: r.get(2)?,
                        drug_name: r.get(3)?,
                        code: r.get(4)?,
                    },
                ))
            })
            .collect::<Result<Vec<_>, DbError>>()?;
        Ok(group_gene_associations(rows))
    }
}
