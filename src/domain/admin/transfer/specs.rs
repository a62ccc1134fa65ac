//! The import-export resources of the original, one per importable table: column headers
//! (in the model's field order, as its exports write them), lookups and import keys.

use super::{FileColumn, Lookup};
use crate::domain::admin::resource::{Field, Kind};
use crate::domain::admin::resources::DATA_LOCATIONS;

/// How rows are linked to `genphen_variant` by their position and nucleotides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariantLink {
    None,
    /// A row no variant matches is rejected (variant grades: the summaries only count
    /// linked grades, so an unlinked grade would be silently useless).
    Required,
    /// Linked when exactly one variant matches, left empty otherwise (as the original
    /// always left it).
    Optional,
}

#[derive(Debug, Clone, Copy)]
pub struct ImportSpec {
    /// The admin resource (slug) whose table is imported into.
    pub resource: &'static str,
    pub columns: &'static [FileColumn],
    /// Field names whose values decide update (a row has them) or create.
    pub key: &'static [&'static str],
    /// Values every imported row gets, whatever the file says.
    pub fixed: &'static [(&'static str, Option<&'static str>)],
    /// Each import first creates a package of this name (origin Admin, owned by the
    /// importing admin) and puts every imported row in it (`package_id`).
    pub package: Option<&'static str>,
    pub variant: VariantLink,
}

const fn value(header: &'static str, field: &'static str, kind: Kind) -> FileColumn {
    FileColumn {
        field: Field::new(field, header, kind).required(),
        lookup: None,
    }
}

const fn optional(column: FileColumn) -> FileColumn {
    let mut column = column;
    column.field.required = false;
    column
}

const fn text_or_empty(header: &'static str, field: &'static str) -> FileColumn {
    FileColumn {
        field: Field::text(field, header).empty_text(),
        lookup: None,
    }
}

const fn by(header: &'static str, field: &'static str, lookup: Lookup) -> FileColumn {
    FileColumn {
        field: Field::new(field, header, lookup.attr_kind).required(),
        lookup: Some(lookup),
    }
}

const fn lookup(
    table: &'static str,
    key: &'static str,
    attr: &'static str,
    attr_kind: Kind,
) -> Lookup {
    Lookup {
        table,
        key,
        key_kind: Kind::Int,
        attr,
        attr_kind,
    }
}

const DRUG: Lookup = lookup("genphen_drug", "drug_id", "drug_name", Kind::Text);
const GENE: Lookup = lookup(
    "overview_gene",
    "gene_db_crossref_id",
    "locus_tag",
    Kind::Text,
);
const LINEAGE: Lookup = lookup("genphen_lineage", "id", "lineage_numbering", Kind::Text);
const MEDIUM: Lookup = lookup(
    "genphen_growthmedium",
    "medium_id",
    "medium_name",
    Kind::Text,
);
const METHOD: Lookup = lookup(
    "genphen_pdsassessmentmethod",
    "method_id",
    "method_name",
    Kind::Text,
);
const TAXON: Lookup = lookup("biosql_taxon", "ncbi_taxon_id", "ncbi_taxon_id", Kind::Int);
const SAMPLE: Lookup = lookup("submission_sample", "id", "biosample_id", Kind::Int);
const COUNTRY: Lookup = Lookup {
    key_kind: Kind::Text,
    ..lookup(
        "genphen_country",
        "three_letters_code",
        "three_letters_code",
        Kind::Text,
    )
};

const POSITION: FileColumn = value("Position", "position", Kind::Int);
const ALTERNATIVE: FileColumn = value(
    "Alternative Nucleotide",
    "alternative_nucleotide",
    Kind::Text,
);
const REFERENCE: FileColumn = value("Reference Nucleotide", "reference_nucleotide", Kind::Text);

const fn spec(resource: &'static str, columns: &'static [FileColumn]) -> ImportSpec {
    ImportSpec {
        resource,
        columns,
        key: &[],
        fixed: &[],
        package: None,
        variant: VariantLink::None,
    }
}

/// Deliberate difference: the original's key also held `grade`, so a changed grade made a
/// second row for the same variant, drug and version (which the schema's unique key
/// refuses); here a new grade updates the existing one.
const VARIANT_GRADE: ImportSpec = ImportSpec {
    key: &[
        "drug_id",
        "position",
        "reference_nucleotide",
        "alternative_nucleotide",
        "grade_version",
    ],
    variant: VariantLink::Required,
    ..spec(
        "variantgrade",
        &[
            POSITION,
            ALTERNATIVE,
            REFERENCE,
            by("Drug name", "drug_id", DRUG),
            value("Grade", "grade", Kind::Int),
            value("Grade version", "grade_version", Kind::Int),
        ],
    )
};

const GENE_DRUG: ImportSpec = ImportSpec {
    key: &["drug_id", "gene_db_crossref_id", "tier"],
    ..spec(
        "genedrugresistanceassociation",
        &[
            by("Locus tag", "gene_db_crossref_id", GENE),
            by("Drug name", "drug_id", DRUG),
            value("Tier", "tier", Kind::Int),
        ],
    )
};

const LINEAGES: ImportSpec = ImportSpec {
    key: &["lineage_numbering", "lineage_name"],
    ..spec(
        "lineage",
        &[
            value("Lineage numbering", "lineage_numbering", Kind::Text),
            value("Lineage name", "lineage_name", Kind::Text),
        ],
    )
};

const VARIANT_LINEAGE: ImportSpec = ImportSpec {
    key: &[
        "position",
        "alternative_nucleotide",
        "lineage_id",
        "count_presence",
    ],
    variant: VariantLink::Optional,
    ..spec(
        "variantlineageassociation",
        &[
            POSITION,
            ALTERNATIVE,
            value("Presence", "count_presence", Kind::Bool),
            by("Lineage", "lineage_id", LINEAGE),
        ],
    )
};

const PROMOTER_DISTANCE: ImportSpec = ImportSpec {
    key: &["gene_db_crossref_id", "start", "end"],
    ..spec(
        "promoterdistance",
        &[
            by("Locus tag", "gene_db_crossref_id", GENE),
            value("Start", "start", Kind::Int),
            value("End", "end", Kind::Int),
        ],
    )
};

const PDS_TEST_CATEGORY: ImportSpec = ImportSpec {
    key: &[
        "drug_id",
        "medium_id",
        "method_id",
        "concentration",
        "category",
    ],
    ..spec(
        "pdstestcategory",
        &[
            by("Drug", "drug_id", DRUG),
            optional(value("Concentration", "concentration", Kind::Float)),
            optional(by("Medium", "medium_id", MEDIUM)),
            optional(by("Method", "method_id", METHOD)),
            value("Category", "category", Kind::Text),
        ],
    )
};

const ECOFF: ImportSpec = ImportSpec {
    key: &["drug_id", "medium_name", "value"],
    ..spec(
        "epidemcutoffvalue",
        &[
            by("Drug", "drug_id", DRUG),
            value("Medium", "medium_name", Kind::Text),
            value("Value", "value", Kind::Float),
        ],
    )
};

const VARIANT_ADDITIONAL_INFO: ImportSpec = ImportSpec {
    key: &[
        "position",
        "alternative_nucleotide",
        "reference_nucleotide",
        "v1_annotation",
    ],
    variant: VariantLink::Optional,
    ..spec(
        "variantadditionalinfo",
        &[
            value("Position", "position", Kind::Int),
            value(
                "AlternativeNucleotide",
                "alternative_nucleotide",
                Kind::Text,
            ),
            value("ReferenceNucleotide", "reference_nucleotide", Kind::Text),
            value("V1", "v1_annotation", Kind::Text),
        ],
    )
};

/// The name of the package each sample import creates (§8.2, no final period).
pub const SAMPLE_PACKAGE: &str = "Django package created from file uploaded via the admin panel";

const SAMPLES: ImportSpec = ImportSpec {
    key: &["biosample_id"],
    fixed: &[("origin", Some("Admin"))],
    package: Some(SAMPLE_PACKAGE),
    ..spec(
        "sample",
        &[
            value("BioSampleId", "biosample_id", Kind::Int),
            optional(value("ReleaseDate", "submission_date", Kind::Date)),
            optional(by("Country", "country_id", COUNTRY)),
            by("TaxID", "ncbi_taxon_id", TAXON),
        ],
    )
};

/// §8.3: the alias import's package name has a final period.
const SAMPLE_ALIASES: ImportSpec = ImportSpec {
    key: &["sample_id", "origin", "origin_label"],
    package: Some("Django package created from file uploaded via the admin panel."),
    ..spec(
        "samplealias",
        &[
            value("Name", "name", Kind::Text),
            value("Origin", "origin", Kind::Text),
            text_or_empty("Label", "origin_label"),
            by("BioSampleId", "sample_id", SAMPLE),
        ],
    )
};

const SEQUENCING_DATA: ImportSpec = ImportSpec {
    key: &["sample_id", "library_name", "data_location", "file_path"],
    fixed: &[("s3_storage_class", None)],
    ..spec(
        "sequencingdata",
        &[
            text_or_empty("SeqId", "library_name"),
            optional(value("FilePath", "file_path", Kind::Text)),
            value(
                "DataLocation",
                "data_location",
                Kind::Choice(DATA_LOCATIONS),
            ),
            optional(value(
                "LibraryStrategy",
                "library_preparation_strategy",
                Kind::Text,
            )),
            optional(value("LibrarySource", "dna_source", Kind::Text)),
            optional(value("LibrarySelection", "dna_selection", Kind::Text)),
            optional(value("Platform", "sequencing_platform", Kind::Text)),
            optional(value("LibraryLayout", "library_layout", Kind::Text)),
            by("BioSampleId", "sample_id", SAMPLE),
        ],
    )
};

static ALL: &[ImportSpec] = &[
    VARIANT_GRADE,
    GENE_DRUG,
    LINEAGES,
    VARIANT_LINEAGE,
    PROMOTER_DISTANCE,
    PDS_TEST_CATEGORY,
    ECOFF,
    VARIANT_ADDITIONAL_INFO,
    SAMPLES,
    SAMPLE_ALIASES,
    SEQUENCING_DATA,
];

/// The import of the resource with this slug, if the original imports it.
pub fn spec_for(slug: &str) -> Option<&'static ImportSpec> {
    ALL.iter().find(|s| s.resource == slug)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::admin::resources::by_slug;

    #[test]
    fn specs_name_real_fields_of_their_resources() {
        for spec in ALL {
            let r = by_slug(spec.resource).unwrap_or_else(|| panic!("{}", spec.resource));
            assert_eq!(r.pk, "id", "{}", spec.resource);
            for c in spec.columns {
                assert!(
                    r.field(c.field.name).is_some(),
                    "{}.{}",
                    r.slug,
                    c.field.name
                );
            }
            for k in spec.key {
                assert!(spec.columns.iter().any(|c| c.field.name == *k), "{k}");
            }
        }
    }
}
