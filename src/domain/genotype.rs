//! Predicted (genotypic) resistance per sample and drug: the biosample search table
//! (`/submission/genotype-resistance/`) and the `GenotypeResistance.csv` download.

use serde::Serialize;

use super::filters::{integer_list, model_id, FilterError};

/// Every filter of `/submission/genotype-resistance/`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GenotypeResistanceFilter {
    /// Case-insensitive substring of the name of any alias of the sample.
    pub sample_aliases_name: Option<String>,
    /// Drug ids (`drug=1,5`).
    pub drugs: Vec<i64>,
    /// Case-insensitive substring of the variant list.
    pub variant: Option<String>,
    /// Exactly this sample (its existence is checked by the caller).
    pub sample: Option<i64>,
    /// `version` given with any value: every version; otherwise only the latest version
    /// among the rows the other filters keep (the original's presence switch).
    pub all_versions: bool,
}

impl GenotypeResistanceFilter {
    /// Reads the filters through `get`, which returns a parameter's non-empty value by its
    /// snake_case name.
    pub fn parse<'a>(
        get: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<GenotypeResistanceFilter, FilterError> {
        Ok(GenotypeResistanceFilter {
            sample_aliases_name: get("sample_aliases_name").map(str::to_string),
            drugs: get("drug").map_or(Ok(Vec::new()), |v| integer_list("drug", v))?,
            variant: get("variant").map(str::to_string),
            sample: get("sample").map(|v| model_id("sample", v)).transpose()?,
            all_versions: get("version").is_some(),
        })
    }
}

/// One row, as served.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GenotypeResistance {
    pub drug_name: String,
    pub sample_aliases_name: Option<String>,
    pub variant: String,
    pub resistance_flag: String,
}

/// The header of `GenotypeResistance.csv` (tab-separated), as the original pipeline wrote it.
pub const GENOTYPE_RESISTANCE_CSV_HEADER: [&str; 4] = [
    "BioSample Accession",
    "Drug",
    "Genotypic Resistance",
    "Variant",
];

impl GenotypeResistance {
    /// The row in [`GENOTYPE_RESISTANCE_CSV_HEADER`] order.
    pub fn csv_fields(&self) -> [&str; 4] {
        [
            self.sample_aliases_name.as_deref().unwrap_or(""),
            &self.drug_name,
            &self.resistance_flag,
            &self.variant,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_a_presence_switch() {
        let f =
            GenotypeResistanceFilter::parse(|k| (k == "version").then_some("anything")).unwrap();
        assert!(f.all_versions);
        let f = GenotypeResistanceFilter::parse(|_| None).unwrap();
        assert_eq!(f, GenotypeResistanceFilter::default());
    }

    #[test]
    fn bad_ids_are_errors() {
        let err = GenotypeResistanceFilter::parse(|k| (k == "sample").then_some("x")).unwrap_err();
        assert_eq!((err.attr.as_str(), err.code), ("sample", "invalid_choice"));
        let err = GenotypeResistanceFilter::parse(|k| (k == "drug").then_some("1,b")).unwrap_err();
        assert_eq!((err.attr.as_str(), err.code), ("drug", "invalid"));
        let f = GenotypeResistanceFilter::parse(|k| (k == "drug").then_some("1,5")).unwrap();
        assert_eq!(f.drugs, vec![1, 5]);
    }
}
