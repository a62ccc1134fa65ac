//! The variant tables of the drug, gene and mutation pages (`/overview/drug-gene-infos/`) and
//! the gene–drug associations behind them: filters, ordering and the JSON shapes the frontend
//! reads (misspelt keys `susceptbleCount` and `nucleodicAnnName` included).

use serde::Serialize;

use super::catalogue::Drug;
use super::filters::{integer, integer_list, FilterError};
use super::stats::decimal_string;

/// A column the variant table can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariantColumn {
    ResistantCount,
    SusceptibleCount,
    IntermediateCount,
    GlobalFrequency,
    TotalCounts,
}

/// One key of the `order` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderKey {
    pub column: VariantColumn,
    pub descending: bool,
}

/// Parses `order`: comma-separated column names, each optionally prefixed with `-`. The
/// frontend's misspelling `susceptbleCount` is accepted next to `susceptibleCount` (the
/// original rejected it with a 400).
pub fn parse_order(value: &str) -> Result<Vec<OrderKey>, FilterError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (descending, name) = match item.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, item),
            };
            let column = match name {
                "resistantCount" => VariantColumn::ResistantCount,
                "susceptibleCount" | "susceptbleCount" => VariantColumn::SusceptibleCount,
                "intermediateCount" => VariantColumn::IntermediateCount,
                "globalFrequency" => VariantColumn::GlobalFrequency,
                "totalCounts" => VariantColumn::TotalCounts,
                _ => return Err(FilterError::invalid_choice("order", item)),
            };
            Ok(OrderKey { column, descending })
        })
        .collect()
}

/// Which grade version the table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GradeVersion {
    /// The latest version found in the whole table, plus ungraded rows (the default).
    Latest,
    /// Exactly this version (ungraded rows excluded).
    Exactly(i64),
}

/// Every filter of `/overview/drug-gene-infos/`.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantFilter {
    /// Case-insensitive substrings.
    pub gene_name: Option<String>,
    pub variant_name: Option<String>,
    pub nucleodic_ann_name: Option<String>,
    pub proteic_ann_name: Option<String>,
    pub variant_grade: Option<String>,
    /// Case-insensitive equality.
    pub consequence: Option<String>,
    /// Drug ids (`drug=1,2`), not checked for existence, as in the original.
    pub drugs: Vec<i64>,
    /// Gene cross-reference ids (`geneDbCrossrefId=7,8`).
    pub genes: Vec<i64>,
    pub grade_version: GradeVersion,
    /// Replaces the default order (start position); ties always end on start position, then
    /// variant id.
    pub order: Vec<OrderKey>,
}

impl VariantFilter {
    /// Reads the filters through `get`, which returns a parameter's non-empty value by its
    /// snake_case name.
    pub fn parse<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<VariantFilter, FilterError> {
        let text = |key: &str| get(key).map(str::to_string);
        let ids = |key: &str| get(key).map_or(Ok(Vec::new()), |v| integer_list(key, v));
        Ok(VariantFilter {
            gene_name: text("gene_name"),
            variant_name: text("variant_name"),
            nucleodic_ann_name: text("nucleodic_ann_name"),
            proteic_ann_name: text("proteic_ann_name"),
            variant_grade: text("variant_grade"),
            consequence: text("consequence"),
            drugs: ids("drug")?,
            genes: ids("gene_db_crossref_id")?,
            grade_version: match get("variant_grade_version") {
                None => GradeVersion::Latest,
                Some(v) => GradeVersion::Exactly(integer("variant_grade_version", v)?),
            },
            order: get("order").map_or(Ok(Vec::new()), parse_order)?,
        })
    }
}

/// One row of the variant table, as served: the original's keys (misspellings included), the
/// global frequency as a decimal string with two places (e.g. `"50.00"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantInfo {
    #[serde(rename = "drug")]
    pub drug_id: i64,
    pub drug_name: String,
    pub gene_db_crossref_id: i64,
    pub gene_name: String,
    pub variant_name: String,
    pub variant_grade: String,
    pub variant_grade_version: Option<i64>,
    pub nucleodic_ann_name: String,
    pub proteic_ann_name: Option<String>,
    pub consequence: String,
    pub resistant_count: i64,
    /// Served as `susceptbleCount` (sic), which the frontend reads.
    #[serde(rename = "susceptbleCount")]
    pub susceptible_count: i64,
    pub intermediate_count: i64,
    #[serde(serialize_with = "two_decimals")]
    pub global_frequency: f64,
    pub total_counts: i64,
    pub start_pos: Option<i64>,
    pub end_pos: Option<i64>,
}

fn two_decimals<S: serde::Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&decimal_string(*value, 2))
}

/// The CSV export's header: the JSON keys, in the JSON order.
pub const VARIANT_CSV_HEADER: [&str; 17] = [
    "drug",
    "drugName",
    "geneDbCrossrefId",
    "geneName",
    "variantName",
    "variantGrade",
    "variantGradeVersion",
    "nucleodicAnnName",
    "proteicAnnName",
    "consequence",
    "resistantCount",
    "susceptbleCount",
    "intermediateCount",
    "globalFrequency",
    "totalCounts",
    "startPos",
    "endPos",
];

impl VariantInfo {
    /// The row's fields in [`VARIANT_CSV_HEADER`] order; absent values are empty.
    pub fn csv_fields(&self) -> [String; 17] {
        let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        [
            self.drug_id.to_string(),
            self.drug_name.clone(),
            self.gene_db_crossref_id.to_string(),
            self.gene_name.clone(),
            self.variant_name.clone(),
            self.variant_grade.clone(),
            opt(self.variant_grade_version),
            self.nucleodic_ann_name.clone(),
            self.proteic_ann_name.clone().unwrap_or_default(),
            self.consequence.clone(),
            self.resistant_count.to_string(),
            self.susceptible_count.to_string(),
            self.intermediate_count.to_string(),
            decimal_string(self.global_frequency, 2),
            self.total_counts.to_string(),
            opt(self.start_pos),
            opt(self.end_pos),
        ]
    }
}

/// An item of `/genphen/gene-drug-resistance-associations/`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneDrugAssociation {
    pub drug_id: i64,
    pub gene_db_crossref_id: i64,
    pub locus_tag: Option<String>,
    pub gene_name: Option<String>,
    pub tier: i64,
}

/// An item of the legacy `/overview/gene-associations/`: a gene and every drug it is
/// associated with.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneAssociation {
    pub gene_db_crossref: i64,
    /// The gene name only (not the locus tag), null for unnamed genes.
    pub gene_name: Option<String>,
    pub drugs: Vec<Drug>,
}

/// Groups (gene id, gene name, drug) rows ordered by gene into one entry per gene; drugs keep
/// their row order and appear once.
pub fn group_gene_associations(
    rows: impl IntoIterator<Item = (i64, Option<String>, Drug)>,
) -> Vec<GeneAssociation> {
    let mut out: Vec<GeneAssociation> = Vec::new();
    for (gene, name, drug) in rows {
        match out.last_mut() {
            Some(last) if last.gene_db_crossref == gene => {
                if !last.drugs.iter().any(|d| d.drug_id == drug.drug_id) {
                    last.drugs.push(drug);
                }
            }
            _ => out.push(GeneAssociation {
                gene_db_crossref: gene,
                gene_name: name,
                drugs: vec![drug],
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_accepts_both_spellings_and_directions() {
        let keys = parse_order("-globalFrequency,susceptbleCount, -susceptibleCount").unwrap();
        assert_eq!(
            keys,
            vec![
                OrderKey {
                    column: VariantColumn::GlobalFrequency,
                    descending: true
                },
                OrderKey {
                    column: VariantColumn::SusceptibleCount,
                    descending: false
                },
                OrderKey {
                    column: VariantColumn::SusceptibleCount,
                    descending: true
                },
            ]
        );
        let err = parse_order("startPos").unwrap_err();
        assert_eq!((err.attr.as_str(), err.code), ("order", "invalid_choice"));
        assert!(parse_order("global_frequency").is_err());
    }

    #[test]
    fn filters_parse_lists_and_the_grade_version() {
        let pairs = [
            ("drug", "1,2"),
            ("gene_db_crossref_id", "7"),
            ("gene_name", "kat"),
            ("order", "-totalCounts"),
        ];
        let get = |k: &str| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
        let f = VariantFilter::parse(get).unwrap();
        assert_eq!(f.drugs, vec![1, 2]);
        assert_eq!(f.genes, vec![7]);
        assert_eq!(f.gene_name.as_deref(), Some("kat"));
        assert_eq!(f.grade_version, GradeVersion::Latest);
        assert_eq!(f.order.len(), 1);
        let f = VariantFilter::parse(|k| (k == "variant_grade_version").then_some("2")).unwrap();
        assert_eq!(f.grade_version, GradeVersion::Exactly(2));
        let err = VariantFilter::parse(|k| (k == "drug").then_some("x")).unwrap_err();
        assert_eq!(err.attr, "drug");
        let err =
            VariantFilter::parse(|k| (k == "variant_grade_version").then_some("v2")).unwrap_err();
        assert_eq!(err.attr, "variant_grade_version");
    }

    #[test]
    fn rows_serialise_with_the_original_spellings() {
        let info = VariantInfo {
            drug_id: 1,
            drug_name: "Isoniazid".into(),
            gene_db_crossref_id: 10,
            gene_name: "Rv0004".into(),
            variant_name: "2160001-TAGA-GTAA".into(),
            variant_grade: "1".into(),
            variant_grade_version: Some(1),
            nucleodic_ann_name: "AAA".into(),
            proteic_ann_name: None,
            consequence: "UPSTREAM".into(),
            resistant_count: 0,
            susceptible_count: 10,
            intermediate_count: 0,
            global_frequency: 50.0,
            total_counts: 10,
            start_pos: Some(4512),
            end_pos: None,
        };
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(json["susceptbleCount"], 10);
        assert_eq!(json["nucleodicAnnName"], "AAA");
        assert_eq!(json["globalFrequency"], "50.00");
        assert_eq!(json["proteicAnnName"], serde_json::Value::Null);
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        let mut header = VARIANT_CSV_HEADER.to_vec();
        header.sort();
        let mut keys = keys;
        keys.sort();
        assert_eq!(keys, header);
        assert_eq!(info.csv_fields()[8], "");
        assert_eq!(info.csv_fields()[13], "50.00");
    }

    #[test]
    fn associations_group_by_gene_with_distinct_drugs() {
        let drug = |id: i64| Drug {
            drug_id: id,
            drug_name: format!("d{id}"),
            code: format!("D{id}"),
        };
        let grouped = group_gene_associations(vec![
            (7, Some("dnaA".into()), drug(1)),
            (7, Some("dnaA".into()), drug(1)),
            (7, Some("dnaA".into()), drug(2)),
            (10, None, drug(2)),
        ]);
        assert_eq!(grouped.len(), 2);
        assert_eq!(grouped[0].drugs.len(), 2);
        assert_eq!(grouped[1].gene_name, None);
    }
}
