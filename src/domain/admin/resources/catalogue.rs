//! Curation tables of the genotype–phenotype catalogue (`genphen`, `overview`).

use crate::domain::admin::resource::{
    Access, Column, Field, Filter, FilterOptions, Inline, Kind, OnDelete, Resource, Search,
};

const fn by_drug() -> Filter {
    Filter {
        param: "drug",
        label: "Drug",
        expr: "t.drug_id",
        kind: Kind::Int,
        options: FilterOptions::Ref("drug"),
    }
}

const fn distinct(
    param: &'static str,
    label: &'static str,
    expr: &'static str,
    kind: Kind,
) -> Filter {
    Filter {
        param,
        label,
        expr,
        kind,
        options: FilterOptions::Distinct,
    }
}

const DRUG_FIELD: Field = Field::fk("drug_id", "Drug", "drug").required();
const GENE_FIELD: Field = Field::fk("gene_db_crossref_id", "Gene", "gene")
    .required()
    .raw()
    .on_delete(OnDelete::Protect);

pub const DRUG: Resource = Resource {
    pk: "drug_id",
    title: "CAST(t.drug_id AS TEXT) || ' - ' || t.drug_name",
    columns: &[
        Column::field("drug_id", "Drug id"),
        Column::field("drug_name", "Drug name"),
        Column::field("drug_code", "Drug code"),
    ],
    search: &[
        Search::Contains("t.drug_name"),
        Search::Contains("t.drug_code"),
    ],
    ordering: "drug_name",
    fields: &[
        Field::text("drug_name", "Drug name").required(),
        Field::text("drug_code", "Drug code").required(),
    ],
    inlines: &[Inline {
        label: "Drug synonyms",
        resource: "drugsynonym",
        fk: "drug_id",
    }],
    ..Resource::new("genphen", "drug", "Drug", "Drugs", "genphen_drug")
};

pub const DRUG_SYNONYM: Resource = Resource {
    title: "t.drug_name_synonym",
    columns: &[
        Column::field("drug_name_synonym", "Synonym"),
        Column::field("drug_id", "Drug"),
        Column::field("code", "Code"),
    ],
    search: &[Search::Contains("t.drug_name_synonym")],
    filters: &[by_drug()],
    ordering: "drug_name_synonym",
    fields: &[
        Field::text("drug_name_synonym", "Synonym").required(),
        DRUG_FIELD,
        Field::new(
            "code",
            "Code",
            Kind::Choice(&[("three_letter_code", "Three letter code")]),
        ),
    ],
    ..Resource::new(
        "genphen",
        "drugsynonym",
        "Drug synonym",
        "Drug synonyms",
        "genphen_drugsynonym",
    )
};

pub const COUNTRY: Resource = Resource {
    pk: "three_letters_code",
    pk_kind: Kind::Text,
    title: "t.country_usual_name",
    columns: &[
        Column::field("three_letters_code", "Code"),
        Column::field("two_letters_code", "Two-letter code"),
        Column::field("country_usual_name", "Name"),
        Column::field("country_official_name", "Official name"),
        Column::field("country_id", "Numeric code"),
    ],
    search: &[
        Search::Contains("t.country_usual_name"),
        Search::Contains("t.country_official_name"),
        Search::Contains("t.three_letters_code"),
    ],
    ordering: "country_usual_name",
    fields: &[
        Field::text("three_letters_code", "Three-letter code")
            .required()
            .max_len(3),
        Field::text("two_letters_code", "Two-letter code")
            .required()
            .max_len(2),
        Field::int("country_id", "Numeric code").required(),
        Field::text("country_usual_name", "Name").required(),
        Field::text("country_official_name", "Official name"),
    ],
    ..Resource::new(
        "genphen",
        "country",
        "Country",
        "Countries",
        "genphen_country",
    )
};

pub const GROWTH_MEDIUM: Resource = Resource {
    pk: "medium_id",
    title: "t.medium_name",
    columns: &[
        Column::field("medium_id", "Id"),
        Column::field("medium_name", "Name"),
    ],
    search: &[Search::Contains("t.medium_name")],
    ordering: "medium_name",
    fields: &[Field::text("medium_name", "Name").required()],
    ..Resource::new(
        "genphen",
        "growthmedium",
        "Growth medium",
        "Growth media",
        "genphen_growthmedium",
    )
};

pub const ASSESSMENT_METHOD: Resource = Resource {
    pk: "method_id",
    title: "t.method_name",
    columns: &[
        Column::field("method_id", "Id"),
        Column::field("method_name", "Name"),
    ],
    search: &[Search::Contains("t.method_name")],
    ordering: "method_name",
    fields: &[Field::text("method_name", "Name").required()],
    ..Resource::new(
        "genphen",
        "pdsassessmentmethod",
        "PDS assessment method",
        "PDS assessment methods",
        "genphen_pdsassessmentmethod",
    )
};

pub const PLATE_CONCENTRATION: Resource = Resource {
    title: "t.plate || ' ' || CAST(t.concentration AS TEXT)",
    columns: &[
        Column::field("plate", "Plate"),
        Column::field("drug_id", "Drug"),
        Column::field("concentration", "Concentration"),
    ],
    search: &[Search::Contains("t.plate")],
    filters: &[distinct("plate", "Plate", "t.plate", Kind::Text), by_drug()],
    ordering: "plate",
    fields: &[
        Field::text("plate", "Plate").required(),
        DRUG_FIELD,
        Field::float("concentration", "Concentration").required(),
    ],
    ..Resource::new(
        "genphen",
        "microdilutionplateconcentration",
        "Plate concentration",
        "Plate concentrations",
        "genphen_microdilutionplateconcentration",
    )
};

pub const LINEAGE: Resource = Resource {
    title: "t.lineage_numbering || ' - ' || t.lineage_name",
    columns: &[
        Column::field("lineage_numbering", "Lineage numbering"),
        Column::field("lineage_name", "Lineage name"),
    ],
    search: &[
        Search::Contains("t.lineage_numbering"),
        Search::Contains("t.lineage_name"),
    ],
    ordering: "lineage_numbering",
    fields: &[
        Field::text("lineage_numbering", "Lineage numbering").required(),
        Field::text("lineage_name", "Lineage name").required(),
    ],
    ..Resource::new(
        "genphen",
        "lineage",
        "Lineage",
        "Lineages",
        "genphen_lineage",
    )
};

pub const VARIANT_LINEAGE_ASSOCIATION: Resource = Resource {
    columns: &[
        Column::field("position", "Position"),
        Column::field("alternative_nucleotide", "Alternative"),
        Column::field("count_presence", "Presence"),
        Column::field("lineage_id", "Lineage"),
        Column::field("variant_id", "Variant"),
    ],
    search: &[Search::ExactInt("t.position")],
    filters: &[Filter {
        param: "lineage",
        label: "Lineage",
        expr: "t.lineage_id",
        kind: Kind::Int,
        options: FilterOptions::Ref("lineage"),
    }],
    ordering: "position",
    fields: &[
        Field::fk("variant_id", "Variant", "variant")
            .raw()
            .read_only(),
        Field::int("position", "Position"),
        Field::text("alternative_nucleotide", "Alternative nucleotide"),
        Field::new("count_presence", "Presence", Kind::Bool),
        Field::fk("lineage_id", "Lineage", "lineage")
            .required()
            .read_only(),
    ],
    ..Resource::new(
        "genphen",
        "variantlineageassociation",
        "Variant–lineage association",
        "Variant–lineage associations",
        "genphen_variantlineageassociation",
    )
};

pub const VARIANT_ADDITIONAL_INFO: Resource = Resource {
    columns: &[
        Column::field("position", "Position"),
        Column::field("reference_nucleotide", "Reference"),
        Column::field("alternative_nucleotide", "Alternative"),
        Column::field("v1_annotation", "V1 annotation"),
        Column::field("variant_id", "Variant"),
    ],
    search: &[
        Search::ExactInt("t.position"),
        Search::Contains("t.v1_annotation"),
    ],
    ordering: "position",
    fields: &[
        Field::int("position", "Position"),
        Field::text("alternative_nucleotide", "Alternative nucleotide"),
        Field::text("reference_nucleotide", "Reference nucleotide"),
        Field::fk("variant_id", "Variant", "variant")
            .raw()
            .read_only(),
        Field::text("v1_annotation", "V1 annotation").required(),
    ],
    ..Resource::new(
        "genphen",
        "variantadditionalinfo",
        "Variant additional info",
        "Variant additional info",
        "genphen_variantadditionalinfo",
    )
};

pub const GENE_DRUG_ASSOCIATION: Resource = Resource {
    title: "CAST(t.gene_db_crossref_id AS TEXT) || ' / ' || CAST(t.drug_id AS TEXT)",
    columns: &[
        Column::field("gene_db_crossref_id", "Gene"),
        Column::field("drug_id", "Drug"),
        Column::field("tier", "Tier"),
    ],
    search: &[Search::Related {
        table: "overview_gene",
        fk: "gene_db_crossref_id",
        column: "locus_tag",
    }],
    filters: &[by_drug(), distinct("tier", "Tier", "t.tier", Kind::Int)],
    ordering: "tier",
    fields: &[
        GENE_FIELD,
        DRUG_FIELD,
        Field::int("tier", "Tier").required(),
    ],
    ..Resource::new(
        "genphen",
        "genedrugresistanceassociation",
        "Gene–drug resistance association",
        "Gene–drug resistance associations",
        "genphen_genedrugresistanceassociation",
    )
};

pub const PROMOTER_DISTANCE: Resource = Resource {
    columns: &[
        Column::field("gene_db_crossref_id", "Gene"),
        Column::field("start", "Start"),
        Column::field("end", "End"),
    ],
    ordering: "gene_db_crossref_id",
    fields: &[
        GENE_FIELD,
        Field::int("start", "Start").required(),
        Field::int("end", "End").required(),
    ],
    ..Resource::new(
        "genphen",
        "promoterdistance",
        "Promoter distance",
        "Promoter distances",
        "genphen_promoterdistance",
    )
};

pub const PDS_TEST_CATEGORY: Resource = Resource {
    title: "t.category",
    columns: &[
        Column::field("drug_id", "Drug"),
        Column::field("medium_id", "Medium"),
        Column::field("method_id", "Method"),
        Column::field("concentration", "Concentration"),
        Column::field("category", "Category"),
    ],
    search: &[Search::Contains("t.category")],
    filters: &[
        by_drug(),
        distinct("category", "Category", "t.category", Kind::Text),
        Filter {
            param: "medium",
            label: "Medium",
            expr: "t.medium_id",
            kind: Kind::Int,
            options: FilterOptions::Ref("growthmedium"),
        },
    ],
    ordering: "drug_id",
    fields: &[
        DRUG_FIELD,
        Field::fk("medium_id", "Medium", "growthmedium").on_delete(OnDelete::Protect),
        Field::fk("method_id", "Method", "pdsassessmentmethod").on_delete(OnDelete::Protect),
        Field::float("concentration", "Concentration"),
        Field::text("category", "Category").required(),
    ],
    ..Resource::new(
        "genphen",
        "pdstestcategory",
        "PDS test category",
        "PDS Test Categories",
        "genphen_pdstestcategory",
    )
};

pub const ECOFF: Resource = Resource {
    title: "t.medium_name || ' ' || CAST(t.value AS TEXT)",
    columns: &[
        Column::field("drug_id", "Drug"),
        Column::field("medium_name", "Medium"),
        Column::field("value", "Value"),
    ],
    search: &[Search::Contains("t.medium_name")],
    filters: &[
        by_drug(),
        distinct("medium", "Medium", "t.medium_name", Kind::Text),
    ],
    ordering: "drug_id",
    fields: &[
        DRUG_FIELD,
        Field::text("medium_name", "Medium").required(),
        Field::float("value", "Value").required(),
    ],
    ..Resource::new(
        "genphen",
        "epidemcutoffvalue",
        "Epidemiological cut-off value",
        "Epidemiological cut-off values",
        "genphen_epidemcutoffvalue",
    )
};

pub const VARIANT: Resource = Resource {
    pk: "variant_id",
    title: "t.chromosome || ':' || CAST(t.position AS TEXT) || ' ' || t.reference_nucleotide || '>' || t.alternative_nucleotide",
    columns: &[
        Column::field("variant_id", "Id"),
        Column::field("chromosome", "Chromosome"),
        Column::field("position", "Position"),
        Column::field("reference_nucleotide", "Reference"),
        Column::field("alternative_nucleotide", "Alternative"),
    ],
    search: &[Search::ExactInt("t.position"), Search::ExactInt("t.variant_id")],
    ordering: "position",
    fields: &[
        Field::text("chromosome", "Chromosome").required(),
        Field::int("position", "Position").required(),
        Field::text("reference_nucleotide", "Reference nucleotide").required(),
        Field::text("alternative_nucleotide", "Alternative nucleotide").required(),
    ],
    inlines: &[Inline {
        label: "Grades",
        resource: "variantgrade",
        fk: "variant_id",
    }],
    ..Resource::new("genphen", "variant", "Variant", "Variants", "genphen_variant")
};

pub const VARIANT_GRADE: Resource = Resource {
    columns: &[
        Column::field("drug_id", "Drug"),
        Column::field("position", "Position"),
        Column::field("reference_nucleotide", "Reference"),
        Column::field("alternative_nucleotide", "Alternative"),
        Column::field("variant_id", "Variant"),
        Column::field("grade", "Grade"),
        Column::field("grade_version", "Grade version"),
    ],
    search: &[Search::ExactInt("t.position")],
    filters: &[
        by_drug(),
        distinct("grade", "Grade", "t.grade", Kind::Int),
        distinct("version", "Grade version", "t.grade_version", Kind::Int),
    ],
    ordering: "position",
    fields: &[
        Field::int("position", "Position"),
        Field::text("reference_nucleotide", "Reference nucleotide"),
        Field::text("alternative_nucleotide", "Alternative nucleotide"),
        Field::fk("variant_id", "Variant", "variant").raw(),
        DRUG_FIELD,
        Field::int("grade", "Grade").required(),
        Field::int("grade_version", "Grade version").required(),
    ],
    ..Resource::new(
        "genphen",
        "variantgrade",
        "Variant grade",
        "Variant grades",
        "genphen_variantgrade",
    )
};

/// The reference genome's genes: seed data, read-only, the target of gene keys.
pub const GENE: Resource = Resource {
    pk: "gene_db_crossref_id",
    title: "t.locus_tag",
    columns: &[
        Column::field("locus_tag", "Locus tag"),
        Column::field("gene_name", "Gene name"),
        Column::field("start_pos", "Start"),
        Column::field("end_pos", "End"),
        Column::field("strand", "Strand"),
    ],
    search: &[
        Search::Contains("t.locus_tag"),
        Search::Contains("t.gene_name"),
    ],
    ordering: "start_pos",
    fields: &[
        Field::text("locus_tag", "Locus tag").read_only(),
        Field::text("gene_name", "Gene name").read_only(),
        Field::text("gene_description", "Description").read_only(),
        Field::int("start_pos", "Start").read_only(),
        Field::int("end_pos", "End").read_only(),
        Field::int("strand", "Strand").read_only(),
    ],
    access: Access::ReadOnly,
    creatable: false,
    deletable: false,
    ..Resource::new("overview", "gene", "Gene", "Genes", "overview_gene")
};

/// Variant annotations (HGVS values and predicted effects per gene), written by the
/// annotation pipeline. The gene is a cross-reference id, not a key of `overview_gene`.
pub const ANNOTATION: Resource = Resource {
    pk: "annotation_id",
    title: "t.hgvs_value || ' (' || t.predicted_effect || ')'",
    columns: &[
        Column::field("annotation_id", "Id"),
        Column::field("reference_db_crossref_id", "Gene cross-reference"),
        Column::field("hgvs_value", "HGVS value"),
        Column::field("predicted_effect", "Predicted effect"),
        Column::field("distance_to_reference", "Distance to reference"),
    ],
    search: &[
        Search::Contains("t.hgvs_value"),
        Search::ExactInt("t.annotation_id"),
    ],
    filters: &[distinct(
        "effect",
        "Predicted effect",
        "t.predicted_effect",
        Kind::Text,
    )],
    ordering: "annotation_id",
    fields: &[
        Field::int("reference_db_crossref_id", "Gene cross-reference").required(),
        Field::text("hgvs_value", "HGVS value").required(),
        Field::text("predicted_effect", "Predicted effect").required(),
        Field::int("distance_to_reference", "Distance to reference"),
    ],
    ..Resource::new(
        "genphen",
        "annotation",
        "Annotation",
        "Annotations",
        "genphen_annotation",
    )
};
