//! Writing a parsed MIC/PDST workbook into a package, all or nothing, and the reference
//! lookups the parser needs.

use std::collections::HashMap;
use std::future::Future;

use time::OffsetDateTime;

use super::package_items::{Edit, TestKind};
use super::package_state::{lock_package, mark_changed};
use crate::db::{Db, DbError, Tx, Value};
use crate::domain::submission::DateRange;
use crate::domain::workbook::{
    plan, AliasRef, ExistingAlias, Parsed, References, Test, WorkbookError,
};
use crate::params;

/// Aliases or results written per batch (one or two multi-row statements).
const TEST_BATCH: usize = 3_750;

/// The stored workbook to record with the import.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub kind: TestKind,
    /// Name under `attachments/` in the file store (already written).
    pub file: String,
    pub original_filename: Option<String>,
    pub size: i64,
    pub metadata: serde_json::Value,
}

/// What an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub aliases_created: usize,
    pub aliases_updated: usize,
    pub tests: usize,
}

pub trait WorkbookStore {
    /// Drugs (by upper-cased name and synonym), countries, growth media and methods.
    fn workbook_references(&self) -> impl Future<Output = Result<References, DbError>> + Send;
    /// Applies the workbook to an editable package in one transaction (the plan is made
    /// against the aliases as they are under the package lock). A plan refusal (a FASTQ
    /// prefix clash) writes nothing.
    fn import_workbook(
        &self,
        package: i64,
        parsed: &Parsed,
        attachment: &NewAttachment,
    ) -> impl Future<Output = Result<Edit<Result<ImportCounts, WorkbookError>>, DbError>> + Send;
}

fn upper_map<T: Clone>(rows: &[(String, T)]) -> HashMap<String, T> {
    rows.iter()
        .map(|(k, v)| (k.to_uppercase(), v.clone()))
        .collect()
}

impl WorkbookStore for Db {
    async fn workbook_references(&self) -> Result<References, DbError> {
        let pairs = |rows: Vec<crate::db::Row>| -> Result<Vec<(String, i64)>, DbError> {
            rows.iter().map(|r| Ok((r.get(0)?, r.get(1)?))).collect()
        };
        let synonyms = pairs(
            self.query(
                "SELECT drug_name_synonym, drug_id FROM genphen_drugsynonym",
                params![],
            )
            .await?,
        )?;
        let names = pairs(
            self.query("SELECT drug_name, drug_id FROM genphen_drug", params![])
                .await?,
        )?;
        // Names win over synonyms on a clash, as in the original.
        let mut drugs = upper_map(&synonyms);
        drugs.extend(upper_map(&names));
        let mut countries = HashMap::new();
        for row in self
            .query(
                "SELECT three_letters_code, two_letters_code, country_usual_name, \
                 country_official_name FROM genphen_country",
                params![],
            )
            .await?
        {
            let code: String = row.get(0)?;
            for i in 0..4 {
                if let Some(key) = row.get::<Option<String>>(i)? {
                    countries
                        .entry(key.to_uppercase())
                        .or_insert_with(|| code.clone());
                }
            }
        }
        let media = pairs(
            self.query(
                "SELECT medium_name, medium_id FROM genphen_growthmedium",
                params![],
            )
            .await?,
        )?;
        let methods = pairs(
            self.query(
                "SELECT method_name, method_id FROM genphen_pdsassessmentmethod",
                params![],
            )
            .await?,
        )?;
        Ok(References {
            drugs,
            countries,
            media: upper_map(&media),
            methods: upper_map(&methods),
        })
    }

    async fn import_workbook(
        &self,
        package: i64,
        parsed: &Parsed,
        attachment: &NewAttachment,
    ) -> Result<Edit<Result<ImportCounts, WorkbookError>>, DbError> {
        let mut tx = self.begin().await?;
        match lock_package(&mut tx, package).await? {
            None => return Ok(Edit::NotFound),
            Some(p) if !p.state.is_editable() => return Ok(Edit::NotEditable),
            Some(_) => {}
        }
        let existing = existing_aliases(&mut tx, package).await?;
        let plan = match plan(parsed, &existing) {
            Ok(plan) => plan,
            Err(e) => return Ok(Edit::Done(Err(e))),
        };
        for update in &plan.updates {
            let (start, end) = range_values(update.sampling_date);
            tx.execute(
                "UPDATE submission_samplealias SET fastq_prefix = $2, country_id = $3, \
                 sampling_date_start = $4, sampling_date_end = $5 WHERE id = $1",
                params![
                    update.id,
                    update.fastq_prefix.clone(),
                    update.country.clone(),
                    start,
                    end
                ],
            )
            .await?;
        }
        let now = OffsetDateTime::now_utc();
        for batch in plan.new_aliases.chunks(TEST_BATCH) {
            let rows: Vec<Vec<Value>> = batch
                .iter()
                .map(|a| {
                    let (start, end) = range_values(a.sampling_date);
                    params![
                        a.name.clone(),
                        a.fastq_prefix.clone(),
                        a.country.clone(),
                        start,
                        end,
                        package,
                        now,
                        "[]"
                    ]
                })
                .collect();
            tx.insert_values(
                "INSERT INTO submission_samplealias (name, fastq_prefix, country_id, \
                 sampling_date_start, sampling_date_end, package_id, created_at, verdicts)",
                "",
                rows,
            )
            .await?;
        }
        // Names are unique per package: read the new ids back by name.
        let ids: HashMap<String, i64> = tx
            .query(
                "SELECT name, id FROM submission_samplealias WHERE package_id = $1",
                params![package],
            )
            .await?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect::<Result<_, DbError>>()?;
        let alias_id = |alias: &AliasRef| -> Result<i64, DbError> {
            match alias {
                AliasRef::Existing(id) => Ok(*id),
                AliasRef::New(i) => ids
                    .get(&plan.new_aliases[*i].name)
                    .copied()
                    .ok_or_else(|| DbError::Decode("a new alias was not written".into())),
            }
        };
        // Rows are built one batch at a time: a 50,000-row sheet holds 300,000 results, and
        // their parameters all at once would cost ~100 MB.
        const MIC_SQL: &str = "INSERT INTO submission_mictest (plate, range_lower, range_upper, \
             range_bounds, staging, sample_alias_id, drug_id, package_id)";
        const PDS_SQL: &str = "INSERT INTO submission_pdstest (concentration, test_result, \
             staging, sample_alias_id, drug_id, medium_id, method_id, package_id)";
        for batch in plan.tests.chunks(TEST_BATCH) {
            let mut mic = vec![];
            let mut pds = vec![];
            for planned in batch {
                let alias = alias_id(&planned.alias)?;
                match planned.test {
                    Test::Mic {
                        drug_id,
                        plate,
                        range,
                    } => mic.push(params![
                        plate.clone(),
                        range.lower,
                        range.upper,
                        range.bounds.as_str(),
                        true,
                        alias,
                        *drug_id,
                        package
                    ]),
                    Test::Pds {
                        drug_id,
                        concentration,
                        result,
                        medium_id,
                        method_id,
                    } => pds.push(params![
                        *concentration,
                        result.to_string(),
                        true,
                        alias,
                        *drug_id,
                        *medium_id,
                        *method_id,
                        package
                    ]),
                }
            }
            tx.insert_values(MIC_SQL, "", mic).await?;
            tx.insert_values(PDS_SQL, "", pds).await?;
        }
        tx.execute(
            "INSERT INTO submission_attachment (created_at, type, file, size, original_filename, \
             package_id, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            params![
                now,
                attachment.kind.attachment_type(),
                attachment.file.clone(),
                attachment.size,
                attachment.original_filename.clone(),
                package,
                attachment.metadata.to_string()
            ],
        )
        .await?;
        mark_changed(&mut tx, package).await?;
        tx.commit().await?;
        Ok(Edit::Done(Ok(ImportCounts {
            aliases_created: plan.new_aliases.len(),
            aliases_updated: plan.updates.len(),
            tests: plan.tests.len(),
        })))
    }
}

fn range_values(range: Option<DateRange>) -> (Option<time::Date>, Option<time::Date>) {
    match range {
        Some(r) => (Some(r.start), Some(r.end)),
        None => (None, None),
    }
}

async fn existing_aliases(tx: &mut Tx, package: i64) -> Result<Vec<ExistingAlias>, DbError> {
    let rows = tx
        .query(
            "SELECT id, name, fastq_prefix, country_id, sampling_date_start, sampling_date_end \
             FROM submission_samplealias WHERE package_id = $1 ORDER BY id",
            params![package],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let start: Option<time::Date> = r.get(4)?;
            let end: Option<time::Date> = r.get(5)?;
            Ok(ExistingAlias {
                id: r.get(0)?,
                name: r.get(1)?,
                fastq_prefix: r.get(2)?,
                country: r.get(3)?,
                sampling_date: match (start, end) {
                    (Some(start), Some(end)) => Some(DateRange { start, end }),
                    _ => None,
                },
            })
        })
        .collect()
}
