//! §4.8: how parsed rows become alias updates, new aliases and tests, decided without the
//! database. The original learnt about a `fastq_prefix` clash from PostgreSQL's unique
//! index on (package, fastq_prefix); here the plan detects it up front.

use std::collections::{HashMap, HashSet};

use super::{Kind, Parsed, Test, WorkbookError};
use crate::domain::submission::DateRange;

/// An alias the package already has.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingAlias {
    pub id: i64,
    pub name: String,
    pub fastq_prefix: Option<String>,
    pub country: Option<String>,
    pub sampling_date: Option<DateRange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasRef {
    Existing(i64),
    /// Index into [`ImportPlan::new_aliases`].
    New(usize),
}

/// The full new values of an existing alias's three writable fields.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasUpdate {
    pub id: i64,
    pub fastq_prefix: Option<String>,
    pub country: Option<String>,
    pub sampling_date: Option<DateRange>,
}

/// A new alias (origin `TBKB`, no verdicts, no sample: the caller fills those).
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlias {
    pub name: String,
    pub fastq_prefix: Option<String>,
    pub country: Option<String>,
    pub sampling_date: Option<DateRange>,
}

/// A parsed test and the alias it goes to. The test is borrowed from the parsed sheet: a
/// 50,000-row sheet holds 300,000 of them, and a copy would cost ~20 MB at the import's peak.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedTest<'a> {
    pub alias: AliasRef,
    pub test: &'a Test,
}

/// Write in this order: updates, new aliases, tests.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportPlan<'a> {
    pub updates: Vec<AliasUpdate>,
    pub new_aliases: Vec<NewAlias>,
    pub tests: Vec<PlannedTest<'a>>,
}

/// Maps rows onto the package's aliases, matched by exact (case-sensitive) name.
///
/// MIC sets an existing alias's country from every row but persists it only if a row also
/// fills its missing FASTQ prefix; it never touches the sampling date. PDST always updates
/// country and sampling date (last row wins, even with empty values) and fills a missing
/// prefix. Unknown names become one new alias, from their first row that has tests.
pub fn plan<'a>(
    parsed: &'a Parsed,
    existing: &[ExistingAlias],
) -> Result<ImportPlan<'a>, WorkbookError> {
    let by_name: HashMap<&str, usize> = existing
        .iter()
        .enumerate()
        .rev() // the first of equal names wins
        .map(|(i, a)| (a.name.as_str(), i))
        .collect();
    let mut current: Vec<AliasUpdate> = existing
        .iter()
        .map(|a| AliasUpdate {
            id: a.id,
            fastq_prefix: a.fastq_prefix.clone(),
            country: a.country.clone(),
            sampling_date: a.sampling_date,
        })
        .collect();
    let mut scheduled: Vec<usize> = Vec::new();
    let mut is_scheduled = vec![false; existing.len()];
    let mut plan = ImportPlan::default();
    let mut new_by_name: HashMap<&str, usize> = HashMap::new();

    for row in &parsed.rows {
        let alias = if let Some(&i) = by_name.get(row.name.as_str()) {
            let alias = &mut current[i];
            alias.country = row.country.clone();
            let mut schedule = parsed.kind == Kind::Pds;
            if parsed.kind == Kind::Pds {
                alias.sampling_date = row.sampling_date;
            }
            if alias.fastq_prefix.is_none() && row.fastq_prefix.is_some() {
                alias.fastq_prefix = row.fastq_prefix.clone();
                schedule = true;
            }
            if schedule && !is_scheduled[i] {
                is_scheduled[i] = true;
                scheduled.push(i);
            }
            AliasRef::Existing(alias.id)
        } else if row.tests.is_empty() {
            continue;
        } else if let Some(&n) = new_by_name.get(row.name.as_str()) {
            AliasRef::New(n)
        } else {
            plan.new_aliases.push(NewAlias {
                name: row.name.clone(),
                fastq_prefix: row.fastq_prefix.clone(),
                country: row.country.clone(),
                sampling_date: row.sampling_date,
            });
            new_by_name.insert(&row.name, plan.new_aliases.len() - 1);
            AliasRef::New(plan.new_aliases.len() - 1)
        };
        plan.tests
            .extend(row.tests.iter().map(|test| PlannedTest { alias, test }));
    }

    plan.updates = scheduled.iter().map(|&i| current[i].clone()).collect();
    check_prefixes(existing, &is_scheduled, &plan)?;
    Ok(plan)
}

/// The unique (package, fastq_prefix) index, in the order the writes would hit it:
/// untouched aliases, then updates, then inserts.
fn check_prefixes(
    existing: &[ExistingAlias],
    is_scheduled: &[bool],
    plan: &ImportPlan<'_>,
) -> Result<(), WorkbookError> {
    let untouched = existing
        .iter()
        .enumerate()
        .filter(|&(i, _)| !is_scheduled[i])
        .map(|(_, a)| &a.fastq_prefix);
    let prefixes = untouched
        .chain(plan.updates.iter().map(|u| &u.fastq_prefix))
        .chain(plan.new_aliases.iter().map(|a| &a.fastq_prefix))
        .flatten();
    let mut seen = HashSet::new();
    for prefix in prefixes {
        if !seen.insert(prefix.as_str()) {
            return Err(WorkbookError {
                message: format!("fastq_prefix: Duplicated value \"{prefix}\"."),
                attr: None,
            });
        }
    }
    Ok(())
}
