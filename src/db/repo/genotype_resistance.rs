//! Predicted (genotypic) resistance of public samples: the biosample search table and the
//! `GenotypeResistance.csv` download. Public samples are those from public archives (`origin`
//! `NCBI`, the original's only kind) and those loaded by an administrator (`Admin`, which is
//! what `tbseq import` writes); samples users submit in packages (`TbKb`) are not shown.

use std::future::Future;

use super::Conditions;
use crate::db::{Db, DbError, Row};
use crate::domain::filters::contains_pattern;
use crate::domain::genotype::{GenotypeResistance, GenotypeResistanceFilter};
use crate::params;

pub trait GenotypeResistanceStore {
    fn sample_exists(&self, id: i64) -> impl Future<Output = Result<bool, DbError>> + Send;
    /// The version a filter shows: `None` when it asks for every version (or nothing
    /// matches), else the greatest version among the rows the other filters keep.
    fn genotype_resistance_version(
        &self,
        filter: &GenotypeResistanceFilter,
    ) -> impl Future<Output = Result<Option<i64>, DbError>> + Send;
    fn count_genotype_resistance(
        &self,
        filter: &GenotypeResistanceFilter,
        version: Option<i64>,
    ) -> impl Future<Output = Result<u64, DbError>> + Send;
    /// Rows by id; `page` is (offset, limit).
    fn genotype_resistance(
        &self,
        filter: &GenotypeResistanceFilter,
        version: Option<i64>,
        page: Option<(u64, u64)>,
    ) -> impl Future<Output = Result<Vec<GenotypeResistance>, DbError>> + Send;
    /// Up to `limit` rows of the download (every drug, one version) with an id above
    /// `after`, by id, each with its id.
    fn genotype_resistance_export(
        &self,
        version: i64,
        after: i64,
        limit: u64,
    ) -> impl Future<Output = Result<Vec<(i64, GenotypeResistance)>, DbError>> + Send;
}

/// Samples whose predictions are public.
const PUBLIC: &str = "s.origin IN ('NCBI', 'Admin')";

const FROM: &str = " FROM submission_genotyperesistance gr \
     JOIN submission_sample s ON s.id = gr.sample_id \
     JOIN genphen_drug d ON d.drug_id = gr.drug_id";

/// The name shown for a sample: its first BioSample accession alias ("Sample name"), else
/// its first alias of any kind.
const ALIAS_NAME: &str = "COALESCE(\
     (SELECT a.name FROM submission_samplealias a WHERE a.sample_id = gr.sample_id \
      AND a.origin = 'BioSample' AND a.origin_label = 'Sample name' ORDER BY a.id LIMIT 1), \
     (SELECT a.name FROM submission_samplealias a WHERE a.sample_id = gr.sample_id ORDER BY a.id LIMIT 1))";

const COLUMNS: &str = "SELECT gr.id, d.drug_name, gr.variant, gr.resistance_flag";

fn conditions(filter: &GenotypeResistanceFilter, version: Option<i64>) -> Conditions {
    let mut c = Conditions::default();
    c.push(PUBLIC);
    if let Some(name) = &filter.sample_aliases_name {
        let p = c.bind(contains_pattern(name));
        // Uncorrelated, so that the aliases are searched once, not once per row.
        c.push(format!(
            "gr.sample_id IN (SELECT a.sample_id FROM submission_samplealias a \
             WHERE a.sample_id IS NOT NULL AND lower(a.name) LIKE {p} ESCAPE '\\')"
        ));
    }
    c.one_of("gr.drug_id", &filter.drugs);
    if let Some(variant) = &filter.variant {
        c.contains("gr.variant", variant);
    }
    if let Some(sample) = filter.sample {
        let p = c.bind(sample);
        c.push(format!("gr.sample_id = {p}"));
    }
    if let Some(version) = version {
        let p = c.bind(version);
        c.push(format!("gr.version = {p}"));
    }
    c
}

fn row(r: &Row) -> Result<(i64, GenotypeResistance), DbError> {
    Ok((
        r.get(0)?,
        GenotypeResistance {
            drug_name: r.get(1)?,
            variant: r.get(2)?,
            resistance_flag: r.get(3)?,
            sample_aliases_name: r.get(4)?,
        },
    ))
}

impl GenotypeResistanceStore for Db {
    async fn sample_exists(&self, id: i64) -> Result<bool, DbError> {
        Ok(self
            .query_opt("SELECT 1 FROM submission_sample WHERE id = $1", params![id])
            .await?
            .is_some())
    }

    async fn genotype_resistance_version(
        &self,
        filter: &GenotypeResistanceFilter,
    ) -> Result<Option<i64>, DbError> {
        if filter.all_versions {
            return Ok(None);
        }
        // The newest version that has a matching row: each EXISTS stops at its first match,
        // where MAX over the filtered rows would read them all.
        let mut c = conditions(filter, None);
        c.push("gr.version = v.version");
        let sql = format!(
            "SELECT v.version FROM (SELECT DISTINCT version FROM submission_genotyperesistance) v \
             WHERE EXISTS (SELECT 1{FROM}{}) ORDER BY v.version DESC LIMIT 1",
            c.sql()
        );
        Ok(match self.query_opt(&sql, c.into_args()).await? {
            Some(row) => row.get(0)?,
            None => None,
        })
    }

    async fn count_genotype_resistance(
        &self,
        filter: &GenotypeResistanceFilter,
        version: Option<i64>,
    ) -> Result<u64, DbError> {
        let c = conditions(filter, version);
        let sql = format!("SELECT COUNT(*){FROM}{}", c.sql());
        let n: i64 = self.query_one(&sql, c.into_args()).await?.get(0)?;
        Ok(n as u64)
    }

    async fn genotype_resistance(
        &self,
        filter: &GenotypeResistanceFilter,
        version: Option<i64>,
        page: Option<(u64, u64)>,
    ) -> Result<Vec<GenotypeResistance>, DbError> {
        let mut c = conditions(filter, version);
        let mut sql = format!("{COLUMNS}, {ALIAS_NAME}{FROM}{} ORDER BY gr.id", c.sql());
        sql.push_str(&c.page(page));
        self.query(&sql, c.into_args())
            .await?
            .iter()
            .map(|r| row(r).map(|(_, g)| g))
            .collect()
    }

    async fn genotype_resistance_export(
        &self,
        version: i64,
        after: i64,
        limit: u64,
    ) -> Result<Vec<(i64, GenotypeResistance)>, DbError> {
        // Walks the primary key from `after`: `CROSS JOIN` keeps SQLite on the predictions
        // first and `+ 0` keeps it off the version index, which would sort every row of the
        // version for each chunk. PostgreSQL plans it as the same inner join.
        let sql = format!(
            "{COLUMNS}, {ALIAS_NAME} FROM submission_genotyperesistance gr \
             CROSS JOIN submission_sample s CROSS JOIN genphen_drug d \
             WHERE s.id = gr.sample_id AND d.drug_id = gr.drug_id AND {PUBLIC} \
             AND gr.version + 0 = $1 AND gr.id > $2 ORDER BY gr.id LIMIT $3"
        );
        self.query(&sql, params![version, after, limit as i64])
            .await?
            .iter()
            .map(row)
            .collect()
    }
}
