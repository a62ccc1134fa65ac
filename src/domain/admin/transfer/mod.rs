//! Admin imports and exports, apart from HTTP and SQL: which columns a resource's file has
//! (the original's django-import-export resources, `catalogue-and-overview.md` §8 and
//! `submission-and-api.md` §8.2–§8.4), reading an uploaded CSV or XLSX into a table, and
//! planning what each row creates, updates or is rejected for. The store resolves the
//! lookups the plan asks for and applies it; the handlers only move bytes.

mod plan;
mod specs;
mod table;

pub use plan::{
    key_text, parse_rows, plan, row_key, Action, Candidate, Plan, Planned, Rejected, Resolved,
    VariantRow,
};
pub use specs::{spec_for, ImportSpec, VariantLink};
pub use table::{read_upload, Table, TransferError, MAX_ROWS};

use super::listing::column_sql;
use super::resource::{Field, Kind, Resource};
use super::resources::by_slug;
use super::scalar::Scalar;

/// A foreign key given in a file by another attribute of the target (django-import-export's
/// `ForeignKeyWidget(Model, field=attr)`): `SELECT key FROM table WHERE attr = cell`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lookup {
    pub table: &'static str,
    pub key: &'static str,
    /// The key column's kind (Int, or Text for countries).
    pub key_kind: Kind,
    pub attr: &'static str,
    /// How a cell is parsed before the lookup (Int or Text).
    pub attr_kind: Kind,
}

/// One column of an import file: its header, the field it fills (name, kind, required,
/// empty-text rule, as a form field), and the lookup when the cell names a related row.
#[derive(Debug, Clone, Copy)]
pub struct FileColumn {
    pub field: Field,
    pub lookup: Option<Lookup>,
}

impl FileColumn {
    pub fn header(&self) -> &'static str {
        self.field.label
    }

    /// The kind of the value stored in the column (the key's kind for lookups).
    pub fn stored_kind(&self) -> Kind {
        self.lookup.map_or(self.field.kind, |l| l.key_kind)
    }
}

/// A related row's text in an export: `SELECT key, text FROM table t WHERE key IN (…)`.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLookup {
    pub table: &'static str,
    pub key: &'static str,
    /// SQL over `t` (static text of a definition).
    pub text: String,
}

/// One column of an export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportColumn {
    pub header: &'static str,
    /// SQL over the resource's table `t`.
    pub expr: String,
    pub kind: Kind,
    /// Shown as the related row's text rather than its key.
    pub lookup: Option<TextLookup>,
}

/// What an export writes: the import columns where the original has an import-export
/// resource (foreign keys as the lookup attribute, so the file imports back), otherwise the
/// list columns with foreign keys as the related row's title.
pub fn export_columns(r: &Resource) -> Vec<ExportColumn> {
    if let Some(spec) = spec_for(r.slug) {
        return spec
            .columns
            .iter()
            .map(|c| ExportColumn {
                header: c.header(),
                expr: format!("t.\"{}\"", c.field.name),
                kind: c.lookup.map_or(c.field.kind, |l| l.attr_kind),
                lookup: c.lookup.map(|l| TextLookup {
                    table: l.table,
                    key: l.key,
                    text: format!("t.\"{}\"", l.attr),
                }),
            })
            .collect();
    }
    r.columns
        .iter()
        .map(|c| {
            let kind = r.field(c.key).map_or(Kind::Text, |f| f.kind);
            let lookup = match (kind, c.expr) {
                (Kind::Ref { to, .. }, None) => by_slug(to).map(|target| TextLookup {
                    table: target.table,
                    key: target.pk,
                    text: target.title.to_string(),
                }),
                _ => None,
            };
            ExportColumn {
                header: c.label,
                expr: column_sql(c),
                kind: if lookup.is_some() { Kind::Text } else { kind },
                lookup,
            }
        })
        .collect()
}

/// A cell of an export as text: empty for NULL, booleans as `True`/`False` (as the
/// original's exports wrote them, and as imports read them back).
pub fn export_text(kind: Kind, value: &Scalar) -> String {
    let word = |b: bool| if b { "True" } else { "False" }.to_string();
    match (kind, value) {
        (_, Scalar::Null) => String::new(),
        (Kind::Bool, Scalar::Int(i)) => word(*i != 0),
        (_, Scalar::Bool(b)) => word(*b),
        (_, other) => other.to_input(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::admin::resources::find;

    #[test]
    fn exports_use_the_import_headers_where_the_original_has_them() {
        let grades = find("genphen", "variantgrade").unwrap();
        let headers: Vec<&str> = export_columns(grades).iter().map(|c| c.header).collect();
        assert_eq!(
            headers,
            [
                "Position",
                "Alternative Nucleotide",
                "Reference Nucleotide",
                "Drug name",
                "Grade",
                "Grade version"
            ]
        );
        let drug = &export_columns(grades)[3];
        assert_eq!(drug.lookup.as_ref().unwrap().text, "t.\"drug_name\"");
        let synonyms = find("genphen", "drugsynonym").unwrap();
        let columns = export_columns(synonyms);
        assert_eq!(columns[1].header, "Drug");
        assert_eq!(columns[1].lookup.as_ref().unwrap().table, "genphen_drug");
    }
}
