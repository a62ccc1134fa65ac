//! From a table of text cells to a plan: each row parsed by its column's kind, its lookups
//! and variant resolved against what the store found, and then created, updated (its
//! import key matches an existing row) or rejected with the reason.

use std::collections::HashMap;

use super::specs::{ImportSpec, VariantLink};
use super::table::{Table, TransferError};
use crate::domain::admin::form::parse_field;
use crate::domain::admin::resource::Kind;
use crate::domain::admin::scalar::Scalar;

/// One data row, parsed: a value per spec column (the typed cell for lookups), or why not.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub line: usize,
    /// The cells as written, in spec column order (for the preview).
    pub texts: Vec<String>,
    pub cells: Vec<Scalar>,
    pub error: Option<String>,
}

/// A variant that may link rows by position and nucleotides.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantRow {
    pub id: i64,
    pub position: i64,
    pub reference: String,
    pub alternative: String,
}

/// What the store found for the candidates.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// Per spec column (empty maps for plain columns): [`key_text`] of a cell → the keys of
    /// the rows it names.
    pub lookups: Vec<HashMap<String, Vec<Scalar>>>,
    /// Variants at the candidates' positions.
    pub variants: Vec<VariantRow>,
    /// The import key ([`row_key`]) of every existing row → its ids.
    pub existing: HashMap<String, Vec<i64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update(i64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub line: usize,
    pub action: Action,
    pub texts: Vec<String>,
    /// Column values to write (lookups resolved, variant and fixed values added).
    pub values: Vec<(&'static str, Scalar)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub line: usize,
    pub texts: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub planned: Vec<Planned>,
    pub rejected: Vec<Rejected>,
}

impl Plan {
    pub fn count(&self, creates: bool) -> usize {
        self.planned
            .iter()
            .filter(|p| (p.action == Action::Create) == creates)
            .count()
    }
}

/// A value as a comparable text, by the kind of its column: SQLite gives booleans as
/// integers and may give whole floats as integers.
pub fn key_text(kind: Kind, value: &Scalar) -> String {
    match (kind, value) {
        (_, Scalar::Null) => "\u{0}".into(),
        (Kind::Bool, Scalar::Int(i)) => (*i != 0).to_string(),
        (Kind::Float, Scalar::Int(i)) => (*i as f64).to_string(),
        (_, other) => other.to_input(),
    }
}

/// The import key of a row from its key values, kinds in the spec's key order.
pub fn row_key(kinds: &[Kind], values: &[Scalar]) -> String {
    kinds
        .iter()
        .zip(values)
        .map(|(k, v)| key_text(*k, v))
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

impl ImportSpec {
    /// (field, stored kind) of each key field, in key order.
    pub fn key_fields(&self) -> Vec<(&'static str, Kind)> {
        self.key
            .iter()
            .filter_map(|k| self.columns.iter().find(|c| c.field.name == *k))
            .map(|c| (c.field.name, c.stored_kind()))
            .collect()
    }

    /// Distinct typed cells of each lookup column (empty for plain columns).
    pub fn lookup_values(&self, candidates: &[Candidate]) -> Vec<Vec<Scalar>> {
        (0..self.columns.len())
            .map(|i| {
                let Some(lookup) = self.columns[i].lookup else {
                    return Vec::new();
                };
                let mut seen = HashMap::new();
                for c in candidates.iter().filter(|c| c.error.is_none()) {
                    let v = &c.cells[i];
                    if !v.is_null() {
                        seen.entry(key_text(lookup.attr_kind, v))
                            .or_insert_with(|| v.clone());
                    }
                }
                seen.into_values().collect()
            })
            .collect()
    }

    /// Distinct positions of the candidates, when rows are linked to variants.
    pub fn positions(&self, candidates: &[Candidate]) -> Vec<i64> {
        let Some(i) = self
            .index("position")
            .filter(|_| self.variant != VariantLink::None)
        else {
            return Vec::new();
        };
        let mut out: Vec<i64> = candidates
            .iter()
            .filter_map(|c| match c.cells[i] {
                Scalar::Int(p) => Some(p),
                _ => None,
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn index(&self, field: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.field.name == field)
    }
}

/// Checks the headers and parses every row. Headers must name every column of the spec
/// (other columns are ignored, as the original ignored them).
pub fn parse_rows(spec: &ImportSpec, table: &Table) -> Result<Vec<Candidate>, TransferError> {
    let headers: Vec<&str> = table.headers.iter().map(|h| h.trim()).collect();
    let indexes: Vec<Option<usize>> = spec
        .columns
        .iter()
        .map(|c| headers.iter().position(|h| *h == c.header()))
        .collect();
    let missing: Vec<String> = spec
        .columns
        .iter()
        .zip(&indexes)
        .filter(|(_, i)| i.is_none())
        .map(|(c, _)| format!("“{}”", c.header()))
        .collect();
    if !missing.is_empty() {
        let expected: Vec<&str> = spec.columns.iter().map(|c| c.header()).collect();
        return Err(TransferError(format!(
            "The file's header row lacks the column{} {}. Expected columns: {}.",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            expected.join(", ")
        )));
    }
    Ok(table
        .rows
        .iter()
        .map(|(line, row)| {
            let texts: Vec<String> = indexes
                .iter()
                .map(|i| {
                    i.and_then(|i| row.get(i))
                        .map_or(String::new(), |t| t.trim().to_string())
                })
                .collect();
            let mut cells = Vec::with_capacity(texts.len());
            let mut errors = Vec::new();
            for (column, text) in spec.columns.iter().zip(&texts) {
                match parse_cell(&column.field, text) {
                    Ok(v) => cells.push(v),
                    Err(e) => {
                        errors.push(format!("{}: {e}", column.header()));
                        cells.push(Scalar::Null);
                    }
                }
            }
            Candidate {
                line: *line,
                texts,
                cells,
                error: (!errors.is_empty()).then(|| errors.join(" ")),
            }
        })
        .collect())
}

/// A form field's parsing, plus what files hold and forms do not: booleans written as
/// `True`/`False`/`1`/`0` (a form's unticked box is simply absent), and dates with a time
/// of day (Excel date cells).
fn parse_cell(field: &crate::domain::admin::resource::Field, text: &str) -> Result<Scalar, String> {
    match field.kind {
        Kind::Bool => match text.to_ascii_lowercase().as_str() {
            "" if !field.required => Ok(Scalar::Null),
            "true" | "t" | "1" | "yes" => Ok(Scalar::Bool(true)),
            "false" | "f" | "0" | "no" => Ok(Scalar::Bool(false)),
            _ => Err("Enter True or False.".into()),
        },
        Kind::Date if text.len() > 10 && text.is_char_boundary(10) => {
            let (date, rest) = text.split_at(10);
            if rest.starts_with([' ', 'T']) {
                parse_field(field, Some(date))
            } else {
                parse_field(field, Some(text))
            }
        }
        _ => parse_field(field, Some(text)),
    }
}

/// Decides each row's fate. Rows with the same key in one file are refused after the first
/// (the original would have let the last silently win).
pub fn plan(spec: &ImportSpec, candidates: Vec<Candidate>, resolved: &Resolved) -> Plan {
    let key_fields = spec.key_fields();
    let key_kinds: Vec<Kind> = key_fields.iter().map(|(_, k)| *k).collect();
    let mut by_position: HashMap<i64, Vec<&VariantRow>> = HashMap::new();
    for v in &resolved.variants {
        by_position.entry(v.position).or_default().push(v);
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Plan::default();
    for candidate in candidates {
        let line = candidate.line;
        let outcome = candidate
            .error
            .clone()
            .map_or_else(|| values_of(spec, &candidate, resolved, &by_position), Err);
        let values = match outcome {
            Ok(values) => values,
            Err(reason) => {
                out.rejected.push(Rejected {
                    line,
                    texts: candidate.texts,
                    reason,
                });
                continue;
            }
        };
        let key_values: Vec<Scalar> = key_fields
            .iter()
            .map(|(name, _)| {
                values
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(Scalar::Null, |(_, v)| v.clone())
            })
            .collect();
        let key = row_key(&key_kinds, &key_values);
        let action = match (
            seen.get(&key),
            resolved.existing.get(&key).map(Vec::as_slice),
        ) {
            (Some(first), _) => Err(format!("Same import key as row {first}.")),
            (None, None | Some([])) => Ok(Action::Create),
            (None, Some([id])) => Ok(Action::Update(*id)),
            (None, Some(ids)) => Err(format!(
                "Its import key matches {} existing rows; remove the duplicates first.",
                ids.len()
            )),
        };
        match action {
            Ok(action) => {
                seen.insert(key, line);
                out.planned.push(Planned {
                    line,
                    action,
                    texts: candidate.texts,
                    values,
                });
            }
            Err(reason) => out.rejected.push(Rejected {
                line,
                texts: candidate.texts,
                reason,
            }),
        }
    }
    out
}

/// The values to write for a parsed row, or why it cannot be imported.
fn values_of(
    spec: &ImportSpec,
    candidate: &Candidate,
    resolved: &Resolved,
    by_position: &HashMap<i64, Vec<&VariantRow>>,
) -> Result<Vec<(&'static str, Scalar)>, String> {
    let mut values = Vec::with_capacity(spec.columns.len() + spec.fixed.len() + 1);
    for (i, column) in spec.columns.iter().enumerate() {
        let cell = &candidate.cells[i];
        let value = match column.lookup {
            Some(lookup) if !cell.is_null() => {
                let found = resolved
                    .lookups
                    .get(i)
                    .and_then(|m| m.get(&key_text(lookup.attr_kind, cell)));
                match found.map(Vec::as_slice) {
                    Some([key]) => key.clone(),
                    Some([_, _, ..]) => {
                        return Err(format!(
                            "{} “{}” matches several rows.",
                            column.header(),
                            candidate.texts[i]
                        ))
                    }
                    _ => {
                        return Err(format!(
                            "{} “{}” does not exist.",
                            column.header(),
                            candidate.texts[i]
                        ))
                    }
                }
            }
            _ => cell.clone(),
        };
        values.push((column.field.name, value));
    }
    if spec.variant != VariantLink::None {
        values.push(("variant_id", variant_of(spec, &values, by_position)?));
    }
    for (name, fixed) in spec.fixed {
        values.push((
            *name,
            fixed.map_or(Scalar::Null, |t| Scalar::Text(t.into())),
        ));
    }
    Ok(values)
}

/// The variant at the row's position with its nucleotides (the reference only where the
/// file has one).
fn variant_of(
    spec: &ImportSpec,
    values: &[(&'static str, Scalar)],
    by_position: &HashMap<i64, Vec<&VariantRow>>,
) -> Result<Scalar, String> {
    let get = |name: &str| values.iter().find(|(n, _)| *n == name).map(|(_, v)| v);
    let position = match get("position") {
        Some(Scalar::Int(p)) => *p,
        _ => return Ok(Scalar::Null),
    };
    let alternative = get("alternative_nucleotide").map(Scalar::to_input);
    let reference = get("reference_nucleotide").map(Scalar::to_input);
    let matches: Vec<&&VariantRow> = by_position
        .get(&position)
        .map(|vs| {
            vs.iter()
                .filter(|v| alternative.as_deref().is_none_or(|a| a == v.alternative))
                .filter(|v| reference.as_deref().is_none_or(|r| r == v.reference))
                .collect()
        })
        .unwrap_or_default();
    let describe = || {
        format!(
            "position {position} with reference “{}” and alternative “{}”",
            reference.as_deref().unwrap_or("any"),
            alternative.as_deref().unwrap_or("any")
        )
    };
    match (matches.as_slice(), spec.variant) {
        ([v], _) => Ok(Scalar::Int(v.id)),
        (_, VariantLink::Optional) => Ok(Scalar::Null),
        ([], _) => Err(format!(
            "No variant at {}: add the variant first (grades are linked to variants).",
            describe()
        )),
        _ => Err(format!("Several variants at {}.", describe())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::admin::transfer::spec_for;

    fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| (i + 2, r.iter().map(|c| c.to_string()).collect()))
                .collect(),
        }
    }

    const GRADE_HEADERS: &[&str] = &[
        "Drug name",
        "Position",
        "Reference Nucleotide",
        "Alternative Nucleotide",
        "Grade",
        "Grade version",
    ];

    #[test]
    fn grades_link_to_variants_update_by_key_and_reject_with_reasons() {
        let spec = spec_for("variantgrade").unwrap();
        let t = table(
            GRADE_HEADERS,
            &[
                &["Isoniazid", "100", "C", "T", "1", "2"],
                &["Isoniazid", "100", "C", "G", "2", "2"],
                &["Nope", "100", "C", "T", "1", "2"],
                &["Rifampicin", "x", "C", "T", "1", "2"],
                &["Rifampicin", "100", "C", "T", "3", "2"],
                &["Rifampicin", "100", "C", "T", "1", "2"],
            ],
        );
        let candidates = parse_rows(spec, &t).unwrap();
        assert_eq!(spec.positions(&candidates), vec![100]);
        let mut drugs = HashMap::new();
        drugs.insert("Isoniazid".to_string(), vec![Scalar::Int(1)]);
        drugs.insert("Rifampicin".to_string(), vec![Scalar::Int(2)]);
        let mut lookups = vec![HashMap::new(); spec.columns.len()];
        lookups[3] = drugs;
        let mut existing = HashMap::new();
        let kinds: Vec<Kind> = spec.key_fields().iter().map(|(_, k)| *k).collect();
        let key = row_key(
            &kinds,
            &[
                Scalar::Int(2),
                Scalar::Int(100),
                Scalar::Text("C".into()),
                Scalar::Text("T".into()),
                Scalar::Int(2),
            ],
        );
        existing.insert(key, vec![77]);
        let resolved = Resolved {
            lookups,
            variants: vec![VariantRow {
                id: 9,
                position: 100,
                reference: "C".into(),
                alternative: "T".into(),
            }],
            existing,
        };
        let p = plan(spec, candidates, &resolved);
        assert_eq!(p.count(true), 1);
        assert_eq!(p.planned[0].action, Action::Create);
        assert!(p.planned[0]
            .values
            .contains(&("variant_id", Scalar::Int(9))));
        assert_eq!(p.planned[1].action, Action::Update(77));
        let reasons: Vec<(usize, &str)> = p
            .rejected
            .iter()
            .map(|r| (r.line, r.reason.as_str()))
            .collect();
        assert_eq!(reasons.len(), 4);
        assert_eq!(reasons[0].0, 3);
        assert!(reasons[0].1.starts_with("No variant at position 100"));
        assert_eq!(reasons[1], (4, "Drug name “Nope” does not exist."));
        assert_eq!(reasons[2], (5, "Position: Enter a whole number."));
        assert_eq!(reasons[3], (7, "Same import key as row 6."));
    }

    #[test]
    fn wrong_headers_refuse_the_file() {
        let spec = spec_for("epidemcutoffvalue").unwrap();
        let e = parse_rows(spec, &table(&["Drug", "Medium"], &[])).unwrap_err();
        assert!(e.0.contains("lacks the column “Value”"), "{e}");
    }

    #[test]
    fn keys_compare_across_databases() {
        assert_eq!(
            key_text(Kind::Bool, &Scalar::Int(1)),
            key_text(Kind::Bool, &Scalar::Bool(true))
        );
        assert_eq!(
            key_text(Kind::Float, &Scalar::Int(2)),
            key_text(Kind::Float, &Scalar::Float(2.0))
        );
        assert_ne!(
            key_text(Kind::Text, &Scalar::Null),
            key_text(Kind::Text, &Scalar::Text(String::new()))
        );
    }
}
