//! An uploaded file as a table of text cells: an `.xlsx` workbook (its first sheet, read by
//! the workbook reader with its zip-bomb and size checks) or UTF-8 CSV. Anything else is
//! refused as a whole with a message for the person who uploaded it.

use serde::{Deserialize, Serialize};

use crate::domain::workbook::{read_sheet, Limits};

/// Data rows one import may hold.
pub const MAX_ROWS: usize = 200_000;
/// Characters in one cell.
const MAX_CELL_CHARS: usize = 32_767;

/// Why a whole upload is refused (nothing of it is imported).
#[derive(Debug, Clone, PartialEq)]
pub struct TransferError(pub String);

impl std::fmt::Display for TransferError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Headers and data rows, each with its 1-based row number in the file (the header row is
/// row 1). Fully blank rows are left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    fn push(&mut self, line: usize, cells: Vec<String>) -> Result<(), TransferError> {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return Ok(());
        }
        if self.rows.len() >= MAX_ROWS {
            return Err(TransferError(format!(
                "The file has more than {MAX_ROWS} rows; split it into smaller files."
            )));
        }
        if cells.iter().any(|c| c.chars().count() > MAX_CELL_CHARS) {
            return Err(TransferError(format!(
                "Row {line} has a cell longer than {MAX_CELL_CHARS} characters."
            )));
        }
        self.rows.push((line, cells));
        Ok(())
    }
}

/// Reads `bytes` as XLSX (by its zip signature) or CSV.
pub fn read_upload(bytes: &[u8]) -> Result<Table, TransferError> {
    if bytes.is_empty() {
        return Err(TransferError("The file is empty.".into()));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, TransferError> {
    let limits = Limits {
        max_rows: MAX_ROWS,
        max_cell_chars: MAX_CELL_CHARS,
        ..Limits::default()
    };
    let sheet = read_sheet(bytes, None, &limits).map_err(|e| {
        TransferError(if e.message == crate::domain::workbook::NOT_EXCEL {
            "The file is neither a CSV file nor an Excel (.xlsx) workbook.".into()
        } else {
            e.message
        })
    })?;
    let width = sheet.width as usize;
    let mut table = Table::default();
    for (index, row) in sheet.rows.iter().enumerate() {
        let mut cells = vec![String::new(); width];
        for (col, value) in row {
            cells[*col as usize] = value.text();
        }
        if index == 0 {
            table.headers = cells;
        } else {
            table.push(index + 1, cells)?;
        }
    }
    Ok(table)
}

fn read_csv(bytes: &[u8]) -> Result<Table, TransferError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        TransferError(format!(
            "The file is neither an Excel (.xlsx) workbook nor UTF-8 text (invalid byte at \
             offset {}); save CSV files as UTF-8.",
            e.valid_up_to()
        ))
    })?;
    if text.contains('\0') {
        return Err(TransferError(
            "The file is neither a CSV file nor an Excel (.xlsx) workbook.".into(),
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut table = Table::default();
    for (index, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| TransferError(format!("The CSV file is malformed: {e}")))?;
        let line = record.position().map_or(index + 1, |p| p.line() as usize);
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if index == 0 {
            table.headers = cells;
        } else {
            table.push(line, cells)?;
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_keep_their_line_numbers_and_blank_rows_are_skipped() {
        let t = read_upload("\u{feff}A,B\n1,2\n,\n\"x\ny\",3\n".as_bytes()).unwrap();
        assert_eq!(t.headers, ["A", "B"]);
        assert_eq!(t.rows[0], (2, vec!["1".to_string(), "2".to_string()]));
        assert_eq!(t.rows[1].0, 4);
        assert_eq!(t.rows.len(), 2);
    }

    #[test]
    fn hostile_files_are_refused_with_a_reason() {
        assert!(read_upload(b"").unwrap_err().0.contains("empty"));
        assert!(read_upload(b"A,B\n\xff\xfe,1\n")
            .unwrap_err()
            .0
            .contains("UTF-8"));
        assert!(read_upload(b"PK\x03\x04garbage")
            .unwrap_err()
            .0
            .contains("neither"));
        assert!(read_upload(b"A\0B").unwrap_err().0.contains("neither"));
    }
}
