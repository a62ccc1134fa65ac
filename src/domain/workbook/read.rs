//! Reads one sheet of an `.xlsx` upload into memory, defensively: the bytes come from any
//! user. The zip's inflated size is checked before anything is inflated for real, the
//! sheet is streamed cell by cell (so a sparse sheet with a cell at XFD1048576 does not
//! allocate a dense rectangle), and rows, cell sizes and the memory held are capped.

use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};
use time::{Date, Month};

use super::cell::Value;
use super::{Limits, WorkbookError};

/// What pandas said for anything that is not an xlsx file (the original's message).
pub const NOT_EXCEL: &str =
    "Excel file format cannot be determined, you must specify an engine manually.";
pub const TOO_LARGE: &str = "The workbook is too large once uncompressed.";
/// Excel's own column limit; anything further is hostile.
const MAX_COLUMNS: u32 = 16_384;

/// A sheet as sparse rows: `rows[0]` is the header row, each row sorted by column and
/// holding only non-empty cells. Trailing empty rows are dropped; `width` is one past the
/// rightmost non-empty column of any row (pandas' frame width).
#[derive(Debug, Default)]
pub struct Sheet {
    pub rows: Vec<Vec<(u32, Value)>>,
    pub width: u32,
}

impl Sheet {
    pub fn get(&self, row: usize, col: u32) -> Option<&Value> {
        let cells = self.rows.get(row)?;
        cells
            .binary_search_by_key(&col, |(c, _)| *c)
            .ok()
            .map(|i| &cells[i].1)
    }
}

/// Reads the sheet called `name`, or the first sheet when `None`.
pub fn read_sheet(
    bytes: &[u8],
    name: Option<&str>,
    limits: &Limits,
) -> Result<Sheet, WorkbookError> {
    check_zip(bytes, limits)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let name = match name {
        Some(name) => name.to_string(),
        None => workbook
            .sheet_names()
            .first()
            .cloned()
            .ok_or_else(|| WorkbookError::file("The workbook has no sheet."))?,
    };
    let mut cells = workbook
        .worksheet_cells_reader(&name)
        .map_err(|e| match e {
            calamine::XlsxError::WorksheetNotFound(_) => {
                WorkbookError::file(format!("Worksheet named '{name}' not found"))
            }
            other => unreadable(other),
        })?;
    let mut sheet = Sheet::default();
    let mut held: u64 = 0;
    let cell_cost = std::mem::size_of::<(u32, Value)>() as u64;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, col) = cell.get_position();
        let Some(value) = convert(cell.get_value()) else {
            continue;
        };
        if row as usize > limits.max_rows {
            return Err(WorkbookError::file(format!(
                "The sheet has more than {} rows.",
                limits.max_rows
            )));
        }
        if col >= MAX_COLUMNS {
            return Err(WorkbookError::file(format!(
                "The sheet has more than {MAX_COLUMNS} columns."
            )));
        }
        if let Value::Text(text) = &value {
            if text.len() > limits.max_cell_chars && text.chars().count() > limits.max_cell_chars {
                return Err(WorkbookError::file(format!(
                    "A cell holds more than {} characters.",
                    limits.max_cell_chars
                )));
            }
            held += text.len() as u64;
        }
        held += cell_cost;
        if held > limits.max_uncompressed_bytes {
            return Err(WorkbookError::file(TOO_LARGE));
        }
        let row = row as usize;
        if sheet.rows.len() <= row {
            // Rows are as wide as the header, usually: sized so, a 9-column row holds 9
            // cells instead of the 16 that doubling would reserve.
            let width = sheet.rows.first().map_or(0, Vec::len);
            sheet
                .rows
                .resize_with(row + 1, || Vec::with_capacity(width));
        }
        sheet.rows[row].push((col, value));
        sheet.width = sheet.width.max(col + 1);
    }
    for row in &mut sheet.rows {
        // Cells come in file order, normally sorted; a repeated position keeps the last.
        row.reverse();
        row.sort_by_key(|(c, _)| *c);
        row.dedup_by_key(|(c, _)| *c);
    }
    while sheet
        .rows
        .last()
        .is_some_and(|r| r.iter().all(|(_, v)| v.is_blank()))
    {
        sheet.rows.pop();
    }
    Ok(sheet)
}

/// Refuses what is not an xlsx zip, and zip bombs: the sizes declared in the central
/// directory first (cheap), then the real inflated sizes, streamed into nothing, because
/// a hostile zip can declare small sizes and calamine loads shared strings whole.
fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), WorkbookError> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(WorkbookError::file(NOT_EXCEL));
    }
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| WorkbookError::file(NOT_EXCEL))?;
    if zip.index_for_name("xl/workbook.xml").is_none() {
        return Err(WorkbookError::file(NOT_EXCEL));
    }
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(unreadable)?;
        declared = declared.saturating_add(entry.size());
    }
    if declared > limits.max_uncompressed_bytes {
        return Err(WorkbookError::file(TOO_LARGE));
    }
    let mut inflated: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(unreadable)?;
        let budget = limits.max_uncompressed_bytes - inflated;
        let read =
            std::io::copy(&mut entry.take(budget + 1), &mut std::io::sink()).map_err(unreadable)?;
        inflated += read;
        if inflated > limits.max_uncompressed_bytes {
            return Err(WorkbookError::file(TOO_LARGE));
        }
    }
    Ok(())
}

fn unreadable(error: impl std::fmt::Display) -> WorkbookError {
    WorkbookError::file(format!(
        "The file could not be read as an Excel workbook: {error}."
    ))
}

/// calamine's cell → our value; `None` for empty cells and empty strings.
fn convert(data: &DataRef<'_>) -> Option<Value> {
    let value = match data {
        DataRef::Empty => return None,
        DataRef::String(s) | DataRef::DurationIso(s) => Value::Text(s.clone()),
        DataRef::SharedString(s) => Value::Text((*s).to_owned()),
        DataRef::Int(i) => Value::Number(*i as f64),
        DataRef::Float(x) => Value::Number(*x),
        DataRef::Bool(b) => Value::Bool(*b),
        DataRef::Error(e) => Value::Error(e.to_string()),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            match calendar(i32::from(y), m, d) {
                Some(date) => Value::DateTime {
                    date,
                    seconds: u32::from(h) * 3600 + u32::from(mi) * 60 + u32::from(s),
                },
                None => Value::Number(dt.as_f64()),
            }
        }
        DataRef::DateTime(dt) => Value::Number(dt.as_f64()),
        DataRef::DateTimeIso(s) => iso_datetime(s).unwrap_or_else(|| Value::Text(s.clone())),
    };
    match &value {
        Value::Text(s) if s.is_empty() => None,
        _ => Some(value),
    }
}

fn calendar(year: i32, month: u8, day: u8) -> Option<Date> {
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// `2011-11-30T08:30:00` (cells of type `d`).
fn iso_datetime(text: &str) -> Option<Value> {
    let (date, time) = text.split_once('T').unwrap_or((text, ""));
    let mut parts = date.split('-').map(|p| p.parse::<i32>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    let date = calendar(y, u8::try_from(m).ok()?, u8::try_from(d).ok()?)?;
    let mut hms = time
        .split(':')
        .map(|p| p.split('.').next().and_then(|p| p.parse::<u32>().ok()));
    let seconds = hms.next().flatten().unwrap_or(0) * 3600
        + hms.next().flatten().unwrap_or(0) * 60
        + hms.next().flatten().unwrap_or(0);
    Some(Value::DateTime {
        date,
        seconds: seconds.min(86_399),
    })
}
