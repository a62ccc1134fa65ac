//! Matching a package (spec §5) in one transaction: lock, reset the previous run, read a
//! snapshot with a bounded number of set-based queries, run the pure plan of
//! [`crate::domain::matching`], write it back, mark the package MATCHED.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use time::{Date, OffsetDateTime};

use super::package_state::{lock_package, recompute_stats};
use crate::db::{Db, DbError, Tx, Value};
use crate::domain::matching::{
    accession_kind, plan, Accession, AliasIn, Candidates, LinkIn, Plan, SampleRef, Snapshot,
};
use crate::domain::submission::{verdicts_json, MatchingState};
use crate::params;

/// Why a package was not matched.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    /// No package with that id.
    #[error("Package matching query does not exist.")]
    NotFound,
    /// The package is not DRAFT or REJECTED.
    #[error("Package matching query does not exist.")]
    NotEditable,
    /// Another transaction holds the package (PostgreSQL refused the row lock).
    #[error("Package is already being processed")]
    Busy,
    #[error("Package has no data")]
    NoData,
    #[error(transparent)]
    Db(DbError),
}

impl From<DbError> for MatchError {
    fn from(e: DbError) -> MatchError {
        match e {
            DbError::Locked(_) => MatchError::Busy,
            e => MatchError::Db(e),
        }
    }
}

/// What a call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchReport {
    /// `false`: the package was already MATCHED and nothing was done.
    pub ran: bool,
    pub aliases: usize,
    /// Aliases that got a sample.
    pub matched: usize,
    pub new_samples: usize,
}

pub trait MatchingStore {
    /// Matches the package's aliases to samples. The caller checks who may ask.
    fn match_package(
        &self,
        package_id: i64,
    ) -> impl Future<Output = Result<MatchReport, MatchError>> + Send;
}

impl MatchingStore for Db {
    async fn match_package(&self, package_id: i64) -> Result<MatchReport, MatchError> {
        let mut tx = self.begin().await?;
        let package = lock_package(&mut tx, package_id)
            .await?
            .ok_or(MatchError::NotFound)?;
        if !package.state.is_editable() {
            return Err(MatchError::NotEditable);
        }
        if package.matching_state == MatchingState::Matched {
            return Ok(MatchReport {
                ran: false,
                aliases: 0,
                matched: 0,
                new_samples: 0,
            });
        }
        if !has_data(&mut tx, package_id).await? {
            return Err(MatchError::NoData);
        }
        let previous = if package.matching_state != MatchingState::NeverMatched {
            reset(&mut tx, package_id).await?
        } else {
            None
        };
        let snapshot = load_snapshot(&mut tx, package_id).await?;
        let plan = plan(&snapshot);
        apply(&mut tx, package_id, &plan).await?;
        drop_samples(&mut tx, package_id, previous).await?;
        tx.execute(
            "UPDATE submission_package SET matching_state = 'MATCHED' WHERE id = $1",
            params![package_id],
        )
        .await?;
        recompute_stats(&mut tx, package_id).await?;
        tx.commit().await?;
        Ok(MatchReport {
            ran: true,
            aliases: plan.aliases.len(),
            matched: plan.matched(),
            new_samples: plan.new_samples.len(),
        })
    }
}

async fn has_data(tx: &mut Tx, package: i64) -> Result<bool, DbError> {
    let row = tx
        .query_opt(
            "SELECT (SELECT COUNT(*) FROM submission_samplealias WHERE package_id = $1) \
                  + (SELECT COUNT(*) FROM submission_packagesequencingdata WHERE package_id = $1)",
            params![package],
        )
        .await?;
    Ok(row.map(|r| r.get::<i64>(0)).transpose()?.unwrap_or(0) > 0)
}

/// Step 2 of §5: forget what the previous run decided. The samples it created lose every
/// reference now (what the schema's `ON DELETE SET NULL` would do), so that no lookup can
/// find them, but their rows go only after the new samples exist ([`drop_samples`]): SQLite
/// would otherwise hand the new samples the ids just freed. Returns the largest such id.
async fn reset(tx: &mut Tx, package: i64) -> Result<Option<i64>, DbError> {
    for sql in [
        "UPDATE submission_samplealias SET verdicts = '[]', match_source = NULL, sample_id = NULL \
         WHERE package_id = $1",
        "UPDATE submission_mictest SET sample_id = NULL WHERE package_id = $1",
        "UPDATE submission_pdstest SET sample_id = NULL WHERE package_id = $1",
        "UPDATE submission_packagesequencingdata SET verdicts = '[]' WHERE package_id = $1",
    ] {
        tx.execute(sql, params![package]).await?;
    }
    for table in [
        "submission_sequencingdata",
        "submission_samplealias",
        "submission_mictest",
        "submission_pdstest",
    ] {
        tx.execute(
            &format!(
                "UPDATE {table} SET sample_id = NULL \
                 WHERE sample_id IN (SELECT id FROM submission_sample WHERE package_id = $1)"
            ),
            params![package],
        )
        .await?;
    }
    let row = tx
        .query_opt(
            "SELECT MAX(id) FROM submission_sample WHERE package_id = $1",
            params![package],
        )
        .await?;
    Ok(row.map(|r| r.get(0)).transpose()?.flatten())
}

/// Deletes the samples the previous run created (ids up to `last`; new ones come after).
async fn drop_samples(tx: &mut Tx, package: i64, last: Option<i64>) -> Result<(), DbError> {
    if let Some(last) = last {
        tx.execute(
            "DELETE FROM submission_sample WHERE package_id = $1 AND id <= $2",
            params![package, last],
        )
        .await?;
    }
    Ok(())
}

/// Names per `IN (…)` list: well under both databases' parameter limits.
const CHUNK: usize = 500;

async fn load_snapshot(tx: &mut Tx, package: i64) -> Result<Snapshot, DbError> {
    let owner: Option<i64> = tx
        .query_opt(
            "SELECT owner_id FROM submission_package WHERE id = $1",
            params![package],
        )
        .await?
        .map(|r| r.get(0))
        .transpose()?
        .flatten();
    let aliases = load_aliases(tx, package).await?;
    let links = load_links(tx, package).await?;

    // Step 0 looks names up by their accession kind only; the others go to step 1.
    let mut by_kind: HashMap<Accession, Vec<String>> = HashMap::new();
    let mut plain = Vec::new();
    for a in &aliases {
        match accession_kind(&a.name) {
            Some(kind) => by_kind.entry(kind).or_default().push(a.name_key.clone()),
            None => plain.push(a.name_key.clone()),
        }
    }
    let mut c = Candidates::default();
    for (&kind, names) in &by_kind {
        let Some(origin) = kind.alias_origin() else {
            continue;
        };
        let found = newest(
            tx,
            "SELECT upper(a.name), a.sample_id FROM submission_samplealias a \
             WHERE a.origin = $1 AND a.sample_id IS NOT NULL AND upper(a.name) IN ({}) \
             ORDER BY a.created_at DESC, a.id DESC",
            vec![Value::from(origin)],
            names,
        )
        .await?;
        c.accession.insert(kind, found);
    }
    let mut library_names = plain.clone();
    library_names.extend(by_kind.get(&Accession::Run).into_iter().flatten().cloned());
    c.library = newest(
        tx,
        "SELECT upper(sd.library_name), sd.sample_id FROM submission_sequencingdata sd \
         WHERE sd.sample_id IS NOT NULL AND upper(sd.library_name) IN ({}) \
         ORDER BY sd.created_at DESC, sd.id DESC",
        vec![],
        &library_names,
    )
    .await?;
    c.ncbi_alias = newest(
        tx,
        "SELECT upper(a.name), a.sample_id FROM submission_samplealias a \
         JOIN submission_package p ON p.id = a.package_id \
         WHERE upper(p.origin) IN ('NCBI', 'SRA') AND a.sample_id IS NOT NULL \
           AND upper(a.name) IN ({}) \
         ORDER BY a.created_at DESC, a.id DESC",
        vec![],
        &plain,
    )
    .await?;
    // The original filters on `package__owner=owner`, which is `IS NULL` for no owner.
    c.user_alias = newest(
        tx,
        "SELECT upper(a.name), a.sample_id FROM submission_samplealias a \
         JOIN submission_package p ON p.id = a.package_id \
         WHERE p.state = 'ACCEPTED' AND (p.owner_id = $1 OR ($1 IS NULL AND p.owner_id IS NULL)) \
           AND a.sample_id IS NOT NULL AND upper(a.name) IN ({}) \
         ORDER BY a.created_at DESC, a.id DESC",
        vec![Value::from(owner)],
        &plain,
    )
    .await?;
    let accession_samples: Vec<i64> = c
        .accession
        .values()
        .flat_map(|m| m.values().copied())
        .chain(
            by_kind
                .get(&Accession::Run)
                .into_iter()
                .flatten()
                .filter_map(|k| c.library.get(k).copied()),
        )
        .collect::<HashSet<i64>>()
        .into_iter()
        .collect();
    c.with_sequencing_data = samples_with_data(tx, &accession_samples).await?;
    Ok(Snapshot {
        aliases,
        links,
        candidates: c,
    })
}

async fn load_aliases(tx: &mut Tx, package: i64) -> Result<Vec<AliasIn>, DbError> {
    let rows = tx
        .query(
            "SELECT id, name, upper(name), fastq_prefix, upper(fastq_prefix), country_id, \
               sampling_date_start, sampling_date_end \
             FROM submission_samplealias WHERE package_id = $1 ORDER BY id",
            params![package],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AliasIn {
                id: r.get(0)?,
                name: r.get(1)?,
                name_key: r.get(2)?,
                fastq_prefix: r.get(3)?,
                prefix_key: r.get(4)?,
                country: r.get(5)?,
                sampling_start: r.get::<Option<Date>>(6)?,
                sampling_end: r.get::<Option<Date>>(7)?,
            })
        })
        .collect()
}

async fn load_links(tx: &mut Tx, package: i64) -> Result<Vec<LinkIn>, DbError> {
    let rows = tx
        .query(
            "SELECT l.id, upper(l.filename), l.sequencing_data_id, sd.sample_id, sd.data_location \
             FROM submission_packagesequencingdata l \
             JOIN submission_sequencingdata sd ON sd.id = l.sequencing_data_id \
             WHERE l.package_id = $1 ORDER BY l.id",
            params![package],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(LinkIn {
                id: r.get(0)?,
                filename_key: r.get(1)?,
                sequencing_data_id: r.get(2)?,
                sample_id: r.get(3)?,
                data_location: r.get(4)?,
            })
        })
        .collect()
}

/// Runs `sql` (its `IN ({})` filled with placeholders for a chunk of `keys`, after the fixed
/// `args`) and keeps, per key, the sample of the first row: the query orders newest first.
async fn newest(
    tx: &mut Tx,
    sql: &str,
    args: Vec<Value>,
    keys: &[String],
) -> Result<HashMap<String, i64>, DbError> {
    let mut found = HashMap::new();
    let mut unique: Vec<&String> = keys.iter().collect::<HashSet<_>>().into_iter().collect();
    unique.sort();
    for chunk in unique.chunks(CHUNK) {
        let placeholders: Vec<String> = (0..chunk.len())
            .map(|i| format!("${}", args.len() + i + 1))
            .collect();
        let mut values = args.clone();
        values.extend(chunk.iter().map(|k| Value::from(*k)));
        for row in tx
            .query(&sql.replace("{}", &placeholders.join(", ")), values)
            .await?
        {
            found.entry(row.get(0)?).or_insert(row.get(1)?);
        }
    }
    Ok(found)
}

async fn samples_with_data(tx: &mut Tx, samples: &[i64]) -> Result<HashSet<i64>, DbError> {
    let mut with = HashSet::new();
    for chunk in samples.chunks(CHUNK) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT DISTINCT sample_id FROM submission_sequencingdata WHERE sample_id IN ({})",
            placeholders.join(", ")
        );
        for row in tx
            .query(&sql, chunk.iter().map(|&s| Value::from(s)).collect())
            .await?
        {
            with.insert(row.get(0)?);
        }
    }
    Ok(with)
}

/// Writes the plan: new samples, aliases and their tests, sequencing data, link verdicts.
async fn apply(tx: &mut Tx, package: i64, plan: &Plan) -> Result<(), DbError> {
    let created = create_samples(tx, package, plan).await?;
    let id_of = |s: SampleRef| match s {
        SampleRef::Existing(id) => id,
        SampleRef::New(i) => created[i],
    };
    tx.execute_many(
        "UPDATE submission_samplealias SET sample_id = $1, match_source = $2, verdicts = $3 \
         WHERE id = $4",
        plan.aliases
            .iter()
            .map(|a| {
                params![
                    a.sample.map(id_of),
                    a.match_source.as_str(),
                    verdicts_json(&a.verdicts),
                    a.alias_id
                ]
            })
            .collect(),
    )
    .await?;
    // "Associate": the tests of every matched alias follow it to its sample.
    for table in ["submission_mictest", "submission_pdstest"] {
        tx.execute(
            &format!(
                "UPDATE {table} SET sample_id = (SELECT a.sample_id FROM submission_samplealias a \
                   WHERE a.id = {table}.sample_alias_id) \
                 WHERE sample_alias_id IN (SELECT id FROM submission_samplealias \
                   WHERE package_id = $1 AND sample_id IS NOT NULL)"
            ),
            params![package],
        )
        .await?;
    }
    tx.execute_many(
        "UPDATE submission_sequencingdata SET sample_id = $1 WHERE id = $2 AND sample_id IS NULL",
        plan.sequencing_data
            .iter()
            .map(|&(data, sample)| params![id_of(sample), data])
            .collect(),
    )
    .await?;
    tx.execute_many(
        "UPDATE submission_packagesequencingdata SET verdicts = $1 WHERE id = $2",
        plan.links
            .iter()
            .map(|l| params![verdicts_json(&l.verdicts), l.link_id])
            .collect(),
    )
    .await?;
    Ok(())
}

/// Inserts the plan's new samples and returns their ids in plan order. Their taxon is the
/// first taxon row, as in the original (which marks it TODO).
async fn create_samples(tx: &mut Tx, package: i64, plan: &Plan) -> Result<Vec<i64>, DbError> {
    if plan.new_samples.is_empty() {
        return Ok(Vec::new());
    }
    let taxon: Option<i64> = tx
        .query_opt(
            "SELECT ncbi_taxon_id FROM biosql_taxon ORDER BY taxon_id LIMIT 1",
            params![],
        )
        .await?
        .map(|r| r.get(0))
        .transpose()?
        .flatten();
    let taxon = taxon.ok_or_else(|| DbError::Query("no taxon to give new samples".into()))?;
    let today = OffsetDateTime::now_utc().date();
    let mut ids = Vec::with_capacity(plan.new_samples.len());
    for s in &plan.new_samples {
        let row = tx
            .query_opt(
                "INSERT INTO submission_sample (ncbi_taxon_id, country_id, sampling_date_start, \
                   sampling_date_end, package_id, origin, submission_date) \
                 VALUES ($1, $2, $3, $4, $5, 'TbKb', $6) RETURNING id",
                params![
                    taxon,
                    s.country.clone(),
                    s.sampling_start,
                    s.sampling_end,
                    package,
                    today
                ],
            )
            .await?
            .ok_or_else(|| DbError::Decode("INSERT … RETURNING gave no row".into()))?;
        ids.push(row.get(0)?);
    }
    Ok(ids)
}
