//! The table-level rules of §4.5, in the original's order (first failure wins): empty
//! table, header types, duplicated headers, mandatory columns, uniqueness.

use std::collections::{HashMap, HashSet};

use super::read::Sheet;
use super::{Kind, WorkbookError};

pub const SAMPLE_ID: &str = "Sample Id";
pub const DST_METHOD: &str = "DST Method";
pub const FASTQ_PREFIX: &str = "FASTQ prefix";
pub const COUNTRY: &str = "Country";
pub const SAMPLING_DATE: &str = "Sampling date";
pub const ASSESSMENT_METHOD: &str = "Assessment method";

/// Columns both importers recognise (matched case-sensitively), in parsing order; the
/// ones not listed as constants above are accepted and ignored.
const SHARED: [&str; 9] = [
    SAMPLE_ID,
    COUNTRY,
    SAMPLING_DATE,
    "Sample type",
    "Unique isolate",
    FASTQ_PREFIX,
    "Host disease",
    "FASTQ",
    "NGS Instrument",
];

/// Whether a (stripped) header is a named, non-test column of this importer.
pub fn is_named(kind: Kind, header: &str) -> bool {
    SHARED.contains(&header)
        || header == DST_METHOD
        || (kind == Kind::Pds && header == ASSESSMENT_METHOD)
}

/// A validated sheet: stripped headers, the data rows to read, named column positions.
#[derive(Debug)]
pub struct Table {
    pub headers: Vec<String>,
    /// Indices into `Sheet::rows` of the non-blank data rows, in file order.
    pub data_rows: Vec<usize>,
    positions: HashMap<String, u32>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<u32> {
        self.positions.get(name).copied()
    }

    pub fn validate(kind: Kind, sheet: &Sheet) -> Result<Table, WorkbookError> {
        // Fully blank rows inside the sheet are skipped (the original rejected them).
        let data_rows: Vec<usize> = (1..sheet.rows.len())
            .filter(|&r| sheet.rows[r].iter().any(|(_, v)| !v.is_blank()))
            .collect();
        if data_rows.is_empty() {
            return Err(WorkbookError::file("An empty table received."));
        }
        let headers = headers(sheet)?;
        let duplicated = duplicated(&headers);
        if !duplicated.is_empty() {
            return Err(WorkbookError::file(format!(
                "duplicated columns: {}",
                duplicated.join(", ")
            )));
        }
        let positions: HashMap<String, u32> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), i as u32))
            .collect();
        let table = Table {
            headers,
            data_rows,
            positions,
        };
        table.mandatory(kind, sheet)?;
        table.unique(sheet)?;
        Ok(table)
    }

    fn texts<'a>(&'a self, sheet: &'a Sheet, col: u32) -> impl Iterator<Item = String> + 'a {
        self.data_rows.iter().map(move |&r| text(sheet, r, col))
    }

    fn mandatory(&self, kind: Kind, sheet: &Sheet) -> Result<(), WorkbookError> {
        let missing =
            |name: &str| WorkbookError::file(format!("{name}: declared column is missing."));
        let empty =
            |name: &str| WorkbookError::file(format!("{name}: Empty values in mandatory column."));
        let sample = self.column(SAMPLE_ID).ok_or_else(|| missing(SAMPLE_ID))?;
        if self.texts(sheet, sample).any(|t| t.trim().is_empty()) {
            return Err(empty(SAMPLE_ID));
        }
        let method = self.column(DST_METHOD).ok_or_else(|| missing(DST_METHOD))?;
        // MIC tests need a plate: the original crashed on an empty one.
        if kind == Kind::Mic && self.texts(sheet, method).any(|t| t.trim().is_empty()) {
            return Err(empty(DST_METHOD));
        }
        Ok(())
    }

    /// (Sample Id, DST Method) upper-cased, then FASTQ prefix as written; combinations
    /// with an empty value may repeat.
    fn unique(&self, sheet: &Sheet) -> Result<(), WorkbookError> {
        let (Some(sample), Some(method)) = (self.column(SAMPLE_ID), self.column(DST_METHOD)) else {
            return Ok(());
        };
        let pairs = self.texts(sheet, sample).zip(self.texts(sheet, method));
        if has_duplicates(
            pairs
                .filter(|(s, m)| !s.is_empty() && !m.is_empty())
                .map(|(s, m)| (s.to_uppercase(), m.to_uppercase())),
        ) {
            return Err(WorkbookError::file(
                "['Sample Id', 'DST Method']: Duplicated values in unique column(s).",
            ));
        }
        if let Some(prefix) = self.column(FASTQ_PREFIX) {
            if has_duplicates(self.texts(sheet, prefix).filter(|p| !p.is_empty())) {
                return Err(WorkbookError::file(
                    "['FASTQ prefix']: Duplicated values in unique column(s).",
                ));
            }
        }
        Ok(())
    }
}

/// A cell's pandas text, `""` when empty.
pub fn text(sheet: &Sheet, row: usize, col: u32) -> String {
    sheet.get(row, col).map(|v| v.text()).unwrap_or_default()
}

fn has_duplicates<T: std::hash::Hash + Eq>(items: impl Iterator<Item = T>) -> bool {
    let mut seen = HashSet::new();
    items.into_iter().any(|item| !seen.insert(item))
}

/// Stripped header names; blank ones get pandas' `Unnamed: <index>`. Numbers, dates and
/// booleans are not names (pandas kept them as non-string labels).
fn headers(sheet: &Sheet) -> Result<Vec<String>, WorkbookError> {
    (0..sheet.width)
        .map(|col| match sheet.get(0, col) {
            None => Ok(format!("Unnamed: {col}")),
            Some(v) if v.is_blank() => Ok(format!("Unnamed: {col}")),
            Some(super::cell::Value::Text(s)) => Ok(s.trim().to_string()),
            Some(_) => Err(WorkbookError::file("Not all columns names are string.")),
        })
        .collect()
}

/// Each header that repeats an earlier one, once, in sheet order.
fn duplicated(headers: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut duplicated: Vec<String> = Vec::new();
    for header in headers {
        if !seen.insert(header.as_str()) && !duplicated.contains(header) {
            duplicated.push(header.clone());
        }
    }
    duplicated
}
