//! Row parsing (§4.5 named columns, §4.6 MIC values, §4.7 PDST results): the first failing
//! row in file order wins; within a row the named columns come first, then the test
//! columns from left to right.

use time::Date;

use super::cell::Value;
use super::columns::{self, is_named, text, Table};
use super::date::{excel_day, parse_sampling_date};
use super::range::parse_range;
use super::read::Sheet;
use super::{Kind, Parsed, References, Row, Test, WorkbookError};

/// A test column: where it is, its header, its drug and (PDST) its concentration.
struct TestColumn<'a> {
    col: u32,
    header: &'a str,
    drug_id: i64,
    concentration: Option<f64>,
}

pub fn parse_rows(
    kind: Kind,
    sheet: &Sheet,
    table: &Table,
    refs: &References,
    today: Date,
) -> Result<Parsed, WorkbookError> {
    let (tests, not_used_columns) = test_columns(kind, table, refs)?;
    let mut rows = Vec::with_capacity(table.data_rows.len());
    for &r in &table.data_rows {
        rows.push(parse_row(kind, sheet, table, refs, today, &tests, r)?);
    }
    if rows.iter().all(|row| row.tests.is_empty()) {
        return Err(WorkbookError::file("No data found."));
    }
    Ok(Parsed {
        kind,
        rows,
        not_used_columns,
    })
}

/// MIC: every other header must be a drug (checked before any row). PDST: `CODE` or
/// `CODE (concentration)` headers of known drugs; anything else is metadata.
fn test_columns<'a>(
    kind: Kind,
    table: &'a Table,
    refs: &References,
) -> Result<(Vec<TestColumn<'a>>, Vec<String>), WorkbookError> {
    let mut tests = Vec::new();
    let mut not_used = Vec::new();
    for (col, header) in table.headers.iter().enumerate() {
        if is_named(kind, header) {
            continue;
        }
        let col = col as u32;
        match kind {
            Kind::Mic => match refs.drugs.get(&header.to_uppercase()) {
                Some(&drug_id) => tests.push(TestColumn {
                    col,
                    header,
                    drug_id,
                    concentration: None,
                }),
                None => {
                    return Err(WorkbookError::file(format!(
                        "{header}: Unknown drug code. Please check the column header values."
                    )))
                }
            },
            Kind::Pds => match pds_header(header)
                .and_then(|(code, conc)| Some((*refs.drugs.get(&code.to_uppercase())?, conc)))
            {
                Some((drug_id, concentration)) => tests.push(TestColumn {
                    col,
                    header,
                    drug_id,
                    concentration,
                }),
                None => not_used.push(header.clone()),
            },
        }
    }
    Ok((tests, not_used))
}

/// `^([A-Za-z0-9-/]+)\s*(\(\s*(<number>(\s*mg/L)?|CC)\s*\))?$` → (drug part, concentration).
/// A decimal comma is read as a decimal point (the original crashed storing it).
fn pds_header(header: &str) -> Option<(&str, Option<f64>)> {
    let end = header
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '/'))
        .unwrap_or(header.len());
    let (code, rest) = header.split_at(end);
    if code.is_empty() {
        return None;
    }
    let rest = rest.trim_start();
    if rest.is_empty() {
        return Some((code, None));
    }
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?.trim();
    if inner == "CC" {
        return Some((code, None));
    }
    let number = inner.strip_suffix("mg/L").map_or(inner, str::trim_end);
    let (int, frac) = match number.split_once(['.', ',']) {
        Some((int, frac)) => (int, Some(frac)),
        None => (number, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    let value = number.replace(',', ".").parse::<f64>().ok()?;
    Some((code, Some(value)))
}

fn parse_row(
    kind: Kind,
    sheet: &Sheet,
    table: &Table,
    refs: &References,
    today: Date,
    tests: &[TestColumn<'_>],
    r: usize,
) -> Result<Row, WorkbookError> {
    let cell = |name: &str| {
        table
            .column(name)
            .map(|c| text(sheet, r, c))
            .unwrap_or_default()
    };
    let sample = cell(columns::SAMPLE_ID);
    // Messages quote the Sample Id upper-cased and untrimmed, as the original did.
    let id = sample.to_uppercase();
    let wrong =
        |name: &str, raw: &str| WorkbookError::file(format!("{name}: Wrong value at {id}: {raw}."));

    let raw_country = cell(columns::COUNTRY);
    let country = match raw_country.trim() {
        "" => None,
        c => Some(
            refs.countries
                .get(&c.to_uppercase())
                .cloned()
                .ok_or_else(|| wrong(columns::COUNTRY, &raw_country))?,
        ),
    };

    let date_cell = table
        .column(columns::SAMPLING_DATE)
        .and_then(|c| sheet.get(r, c));
    let sampling_date = match date_cell {
        None => None,
        Some(Value::DateTime { date, .. }) => Some(excel_day(*date, today)),
        Some(v) => parse_sampling_date(&v.text(), today).transpose(),
    }
    .transpose()
    .map_err(|_| {
        wrong(
            columns::SAMPLING_DATE,
            &date_cell.map(Value::text).unwrap_or_default(),
        )
    })?;

    let prefix = cell(columns::FASTQ_PREFIX);
    let prefix = prefix.trim().trim_end_matches('_');
    let fastq_prefix = (!prefix.is_empty()).then(|| prefix.to_string());

    let method_text = cell(columns::DST_METHOD);
    let lookup =
        |name: &str, raw: &str, map: &std::collections::HashMap<String, i64>| match raw.trim() {
            "" => Ok(None),
            v => map
                .get(&v.to_uppercase())
                .copied()
                .map(Some)
                .ok_or_else(|| wrong(name, raw)),
        };
    let (medium_id, method_id) = match kind {
        Kind::Mic => (None, None),
        Kind::Pds => (
            lookup(columns::DST_METHOD, &method_text, &refs.media)?,
            lookup(
                columns::ASSESSMENT_METHOD,
                &cell(columns::ASSESSMENT_METHOD),
                &refs.methods,
            )?,
        ),
    };

    let mut row_tests = Vec::new();
    for column in tests {
        let value = text(sheet, r, column.col);
        let test = match kind {
            Kind::Mic => {
                if value.trim().is_empty() {
                    continue;
                }
                let range = parse_range(&value).map_err(|reason| {
                    WorkbookError::file(format!(
                        "{}: Wrong range at {id}: {reason}.",
                        column.header
                    ))
                })?;
                Test::Mic {
                    drug_id: column.drug_id,
                    plate: method_text.clone(),
                    range,
                }
            }
            Kind::Pds => {
                let result = match value.trim().to_uppercase().as_str() {
                    "" | "NA" | "N/A" | "N\\A" | "NONE" | "NO" => continue,
                    "S" => 'S',
                    "R" => 'R',
                    "I" => 'I',
                    _ => {
                        return Err(WorkbookError::file(format!(
                            "{}: Wrong test result at {id}.",
                            column.header
                        )))
                    }
                };
                Test::Pds {
                    drug_id: column.drug_id,
                    concentration: column.concentration,
                    result,
                    medium_id,
                    method_id,
                }
            }
        };
        row_tests.push(test);
    }
    Ok(Row {
        name: sample.trim().to_string(),
        fastq_prefix,
        country,
        sampling_date,
        tests: row_tests,
    })
}

#[cfg(test)]
mod tests {
    use super::pds_header;

    #[test]
    fn pds_headers() {
        assert_eq!(pds_header("INH (0.1)"), Some(("INH", Some(0.1))));
        assert_eq!(pds_header("INH (0,4)"), Some(("INH", Some(0.4))));
        assert_eq!(pds_header("PZA ( 50 )"), Some(("PZA", Some(50.0))));
        assert_eq!(pds_header("STR (2.0 mg/L)"), Some(("STR", Some(2.0))));
        assert_eq!(pds_header("MFX (CC)"), Some(("MFX", None)));
        assert_eq!(pds_header("DLM"), Some(("DLM", None)));
        assert_eq!(pds_header("AMX/CLV"), Some(("AMX/CLV", None)));
        assert_eq!(
            pds_header("Amoxicillin-Clavulanate"),
            Some(("Amoxicillin-Clavulanate", None))
        );
        assert_eq!(pds_header("MFX (cc)"), None);
        assert_eq!(pds_header("(add columns for metadata available)"), None);
        assert_eq!(pds_header("Accession numbers from SRA database"), None);
        assert_eq!(pds_header("INH (0.1"), None);
        assert_eq!(pds_header("INH (.1)"), None);
    }
}
