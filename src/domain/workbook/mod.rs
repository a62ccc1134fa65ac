//! The MIC and PDST Excel import (§4 of the spec): reading an uploaded workbook into rows
//! of tests, with the original's validation messages, and planning how those rows map onto
//! the package's sample aliases (§4.8). Pure: the caller does the database work.
//!
//! Deliberate departures from the original, all where it lost data or crashed:
//! fully blank rows inside a sheet are skipped (it rejected them as empty Sample Ids);
//! Excel date cells in `Sampling date` are that day (it stored null); an empty MIC
//! `DST Method`, a comma concentration (`INH (0,4)`), numeric headers and headers with
//! surrounding spaces get a message or simply work (it answered 500); and `duplicated
//! columns` names the real header (it stripped `.`/`1` characters off the ends).

mod cell;
mod columns;
mod date;
mod plan;
mod range;
mod read;
mod rows;
pub mod template;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use crate::domain::submission::{DateRange, NumRange};

pub use cell::Value as CellValue;
pub use plan::{plan, AliasRef, AliasUpdate, ExistingAlias, ImportPlan, NewAlias, PlannedTest};
pub use range::parse_range;
pub use read::{read_sheet, Sheet, NOT_EXCEL};

/// Which importer: the sheet it reads and the test type it produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Sheet `MIC`.
    Mic,
    /// Sheet `PDST`.
    Pds,
}

impl Kind {
    pub fn sheet(self) -> &'static str {
        match self {
            Kind::Mic => "MIC",
            Kind::Pds => "PDST",
        }
    }
}

/// The reference data the import resolves names against (§4.3). Keys are UPPER-cased.
#[derive(Debug, Clone, Default)]
pub struct References {
    /// Synonym or drug name → drug id (names win over synonyms).
    pub drugs: HashMap<String, i64>,
    /// Two-letter, three-letter, usual and official name → three-letter code.
    pub countries: HashMap<String, String>,
    /// Growth medium name → medium id.
    pub media: HashMap<String, i64>,
    /// Assessment method name → method id.
    pub methods: HashMap<String, i64>,
}

/// One data row of the sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The Sample Id, trimmed, in its original case.
    pub name: String,
    pub fastq_prefix: Option<String>,
    /// Three-letter country code.
    pub country: Option<String>,
    pub sampling_date: Option<DateRange>,
    pub tests: Vec<Test>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Mic {
        drug_id: i64,
        /// The `DST Method` text as written.
        plate: String,
        range: NumRange,
    },
    Pds {
        drug_id: i64,
        concentration: Option<f64>,
        /// `S`, `R` or `I`.
        result: char,
        medium_id: Option<i64>,
        method_id: Option<i64>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub kind: Kind,
    pub rows: Vec<Row>,
    /// PDST headers that are neither named columns nor drugs, in sheet order (stored in the
    /// attachment's metadata as `not_used_columns`). Always empty for MIC.
    pub not_used_columns: Vec<String>,
}

/// A refusal, worded as the original worded it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkbookError {
    pub message: String,
    /// `Some("file")` for everything wrong with the upload itself; `None` for the
    /// `fastq_prefix` clash, which the original reported without an attribute.
    pub attr: Option<&'static str>,
}

impl WorkbookError {
    pub(crate) fn file(message: impl Into<String>) -> WorkbookError {
        WorkbookError {
            message: message.into(),
            attr: Some("file"),
        }
    }
}

impl std::fmt::Display for WorkbookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WorkbookError {}

/// Caps on what one upload may cost, whatever it claims to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Data rows (the header row not counted).
    pub max_rows: usize,
    /// Characters in one cell (Excel's own limit by default).
    pub max_cell_chars: usize,
    /// Inflated size of the whole zip, and of the cells held in memory.
    pub max_uncompressed_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_rows: 100_000,
            max_cell_chars: 32_767,
            max_uncompressed_bytes: 256 * 1024 * 1024,
        }
    }
}

/// Reads and validates the `MIC` or `PDST` sheet. `today` bounds sampling dates.
pub fn parse(
    kind: Kind,
    bytes: &[u8],
    refs: &References,
    today: time::Date,
    limits: &Limits,
) -> Result<Parsed, WorkbookError> {
    let sheet = read::read_sheet(bytes, Some(kind.sheet()), limits)?;
    let table = columns::Table::validate(kind, &sheet)?;
    rows::parse_rows(kind, &sheet, &table, refs, today)
}
