//! Submissions (packages and what hangs off them) and samples & sequencing data.

use crate::domain::admin::resource::{
    Access, Area, Column, Field, Filter, FilterOptions, Inline, Kind, OnDelete, Resource, Search,
};
use crate::domain::admin::review::SCHEDULE_ANALYSIS;

const PACKAGE_STATES: &[(&str, &str)] = &[
    ("DRAFT", "Draft"),
    ("PENDING", "Pending"),
    ("ACCEPTED", "Accepted"),
    ("REJECTED", "Rejected"),
];

/// The sort order of the original's "State" column.
const STATE_ORDER: &str = "CASE t.state WHEN 'PENDING' THEN 0 WHEN 'DRAFT' THEN 1 \
     WHEN 'REJECTED' THEN 2 WHEN 'ACCEPTED' THEN 3 ELSE 4 END";

const SAMPLES_COUNT: &str = "(SELECT COUNT(DISTINCT a.sample_id) FROM submission_samplealias a \
     WHERE a.package_id = t.id)";

/// Distinct samples of the package's aliases with a non-staged PDS result or MIC range,
/// from any package (§8.1).
const UNSTAGED_SAMPLES: &str = "(SELECT COUNT(DISTINCT a.sample_id) FROM submission_samplealias a \
     WHERE a.package_id = t.id AND a.sample_id IS NOT NULL AND (\
     EXISTS (SELECT 1 FROM submission_pdstest p WHERE p.sample_id = a.sample_id \
     AND p.staging = FALSE AND p.test_result IS NOT NULL) OR \
     EXISTS (SELECT 1 FROM submission_mictest m WHERE m.sample_id = a.sample_id \
     AND m.staging = FALSE AND m.range_bounds IS NOT NULL)))";

const fn by_package() -> Field {
    Field::fk("package_id", "Package", "package")
        .required()
        .raw()
        .read_only()
}

/// The sample a row was matched to; deleting the sample keeps the row.
const fn of_sample() -> Field {
    Field::fk("sample_id", "Sample", "sample")
        .raw()
        .on_delete(OnDelete::SetNull)
}

/// A test's drug: a drug that tests name cannot be deleted.
const fn tested_drug() -> Field {
    Field::fk("drug_id", "Drug", "drug")
        .read_only()
        .on_delete(OnDelete::Protect)
}

const fn inline(label: &'static str, resource: &'static str, fk: &'static str) -> Inline {
    Inline {
        label,
        resource,
        fk,
    }
}

/// Rows only shown inside another page, never changed through the admin.
const fn read_only(resource: Resource) -> Resource {
    Resource {
        in_nav: false,
        access: Access::ReadOnly,
        creatable: false,
        deletable: false,
        ..resource
    }
}

pub const PACKAGE: Resource = Resource {
    area: Area::Submissions,
    title: "t.name",
    columns: &[
        Column::field("name", "Name"),
        Column::field("bioproject_id", "BioProject ID")
            .link("https://www.ncbi.nlm.nih.gov/bioproject/"),
        Column::field("owner_id", "Owner"),
        Column::computed("samples_count", "Samples", SAMPLES_COUNT),
        Column::computed(
            "unstaged",
            "Samples with unstaged pDST/MIC.",
            UNSTAGED_SAMPLES,
        ),
        Column::field("state", "State").sort_by(STATE_ORDER),
        Column::field("state_changed_on", "State changed on"),
    ],
    search: &[Search::Contains("t.name")],
    filters: &[
        Filter {
            param: "state",
            label: "State",
            expr: "t.state",
            kind: Kind::Text,
            options: FilterOptions::Fixed(PACKAGE_STATES),
        },
        Filter {
            param: "origin",
            label: "Package origin",
            expr: "",
            kind: Kind::Text,
            options: FilterOptions::Clauses(&[
                ("", "TbKb", "t.owner_id IS NOT NULL"),
                ("ncbi", "NCBI", "t.owner_id IS NULL"),
                ("admin", "Admin", "t.origin = 'Admin'"),
                ("all", "All", ""),
            ]),
        },
        Filter {
            param: "owner",
            label: "Owner",
            expr: "t.owner_id",
            kind: Kind::Int,
            options: FilterOptions::Ref("user"),
        },
    ],
    ordering: "-state_changed_on",
    fields: &[
        Field::text("name", "Name").read_only(),
        Field::new("description", "Description", Kind::LongText).read_only(),
        Field::new("state", "State", Kind::Choice(PACKAGE_STATES)).read_only(),
        Field::new("state_changed_on", "State changed on", Kind::Timestamp).read_only(),
        Field::new("submitted_on", "Submitted on", Kind::Timestamp).read_only(),
        Field::fk("owner_id", "Owner", "user")
            .read_only()
            .on_delete(OnDelete::SetNull),
        Field::int("bioproject_id", "BioProject ID").read_only(),
        Field::text("matching_state", "Matching state").read_only(),
        Field::new("rejection_reason", "Rejection reason", Kind::LongText).read_only(),
        Field::text("origin", "Origin").required(),
    ],
    inlines: &[
        // Attachments, sequencing data files and messages are parts of the review page
        // (`api::admin::review`), with download links and the reply box.
        inline("Package stats", "packagestats", "package_id"),
        inline("Contributors", "contributor", "package_id"),
    ],
    actions: &[SCHEDULE_ANALYSIS],
    creatable: false,
    deletable: false,
    ..Resource::new(
        "submission",
        "package",
        "Package",
        "Packages",
        "submission_package",
    )
};

pub const PACKAGE_STATS: Resource = read_only(Resource {
    area: Area::Submissions,
    columns: &[
        Column::field("cnt_mic_tests", "MIC tests"),
        Column::field("cnt_pds_tests", "PDS tests"),
        Column::field("cnt_pds_drug_concentration", "PDS drug/concentrations"),
        Column::field("cnt_sample_aliases", "Sample aliases"),
        Column::field("cnt_samples_matched", "Matched samples"),
        Column::field("cnt_samples_created", "Created samples"),
        Column::field("cnt_sequencing_data", "Sequencing data files"),
    ],
    fields: &[by_package()],
    ..Resource::new(
        "submission",
        "packagestats",
        "Package stats",
        "Package stats",
        "submission_packagestats",
    )
});

pub const ATTACHMENT: Resource = read_only(Resource {
    area: Area::Submissions,
    title: "t.original_filename",
    columns: &[
        Column::field("type", "Type"),
        Column::field("original_filename", "Original filename"),
        Column::field("size", "Size"),
        Column::field("created_at", "Created at"),
    ],
    fields: &[
        by_package(),
        Field::text("type", "Type").read_only(),
        Field::text("file", "File").read_only(),
        Field::text("original_filename", "Original filename").read_only(),
        Field::int("size", "Size").read_only(),
        Field::new("metadata", "Metadata", Kind::Json).read_only(),
    ],
    ..Resource::new(
        "submission",
        "attachment",
        "Attachment",
        "Attachments",
        "submission_attachment",
    )
});

pub const PACKAGE_SEQUENCING_DATA: Resource = read_only(Resource {
    area: Area::Submissions,
    title: "t.filename",
    columns: &[
        Column::field("filename", "File name"),
        Column::field("sequencing_data_id", "Sequencing data"),
        Column::field("validation_state", "Validation"),
        Column::field("verdicts", "Verdicts"),
    ],
    fields: &[
        by_package(),
        Field::fk("sequencing_data_id", "Sequencing data", "sequencingdata")
            .raw()
            .read_only(),
        Field::text("filename", "File name").read_only(),
        Field::text("validation_state", "Validation").read_only(),
        Field::new("verdicts", "Verdicts", Kind::Json).read_only(),
    ],
    ..Resource::new(
        "submission",
        "packagesequencingdata",
        "Package sequencing data",
        "Package sequencing data",
        "submission_packagesequencingdata",
    )
});

pub const MESSAGE: Resource = Resource {
    area: Area::Submissions,
    in_nav: false,
    title: "'From: ' || CAST(t.sender_id AS TEXT)",
    columns: &[
        Column::field("sender_id", "Sender"),
        Column::field("timestamp", "Timestamp"),
        Column::field("content", "Content"),
    ],
    ordering: "timestamp",
    fields: &[
        by_package(),
        Field::fk("sender_id", "Sender", "user")
            .required()
            .read_only(),
        Field::new("timestamp", "Timestamp", Kind::Timestamp).read_only(),
        Field::new("content", "Content", Kind::LongText).required(),
    ],
    creatable: false,
    ..Resource::new(
        "submission",
        "message",
        "Message",
        "Messages",
        "submission_message",
    )
};

pub const CONTRIBUTOR: Resource = read_only(Resource {
    area: Area::Submissions,
    title: "t.first_name || ' ' || t.last_name",
    columns: &[
        Column::field("first_name", "First name"),
        Column::field("last_name", "Last name"),
        Column::field("role", "Role"),
    ],
    fields: &[
        by_package(),
        Field::text("first_name", "First name").read_only(),
        Field::text("last_name", "Last name").read_only(),
        Field::text("role", "Role").read_only(),
    ],
    ..Resource::new(
        "submission",
        "contributor",
        "Contributor",
        "Contributors",
        "submission_contributor",
    )
});

const BIOANALYSIS: &[(&str, &str)] = &[
    ("Unprocessed", "Unprocessed"),
    ("Processing", "Processing"),
    ("Extracted", "Extracted"),
    ("Failed to extract", "Failed to extract"),
    ("Uploaded to S3", "Uploaded to S3"),
    ("Failed to upload", "Failed to upload"),
    ("Inserted", "Inserted"),
    ("Annotated", "Annotated"),
];
const SAMPLE_ORIGINS: &[(&str, &str)] = &[("NCBI", "NCBI"), ("TbKb", "TbKb"), ("Admin", "Admin")];

pub const SAMPLE: Resource = Resource {
    area: Area::Sequencing,
    columns: &[
        Column::field("id", "Id"),
        Column::field("biosample_id", "BioSample ID")
            .link("https://www.ncbi.nlm.nih.gov/biosample/"),
        Column::field("submission_date", "Submission date"),
        Column::field("bioanalysis_status", "Bioanalysis status"),
        Column::field("origin", "Origin"),
    ],
    search: &[
        Search::Related {
            table: "submission_samplealias",
            fk: "sample_id",
            column: "name",
        },
        Search::ExactInt("t.id"),
        Search::ExactInt("t.biosample_id"),
    ],
    filters: &[
        Filter {
            param: "status",
            label: "Bioanalysis status",
            expr: "t.bioanalysis_status",
            kind: Kind::Text,
            options: FilterOptions::Fixed(BIOANALYSIS),
        },
        Filter {
            param: "origin",
            label: "Origin",
            expr: "t.origin",
            kind: Kind::Text,
            options: FilterOptions::Fixed(SAMPLE_ORIGINS),
        },
        Filter {
            param: "country",
            label: "Country",
            expr: "t.country_id",
            kind: Kind::Text,
            options: FilterOptions::Ref("country"),
        },
    ],
    ordering: "-id",
    fields: &[
        Field::int("biosample_id", "BioSample ID"),
        Field::new("submission_date", "Submission date", Kind::Date),
        Field::new("sampling_date_start", "Sampling date (from)", Kind::Date),
        Field::new("sampling_date_end", "Sampling date (before)", Kind::Date),
        Field::fk("country_id", "Country", "country").on_delete(OnDelete::Protect),
        Field::text(
            "additional_geographical_information",
            "Additional geographical information",
        ),
        Field::text("latitude", "Latitude"),
        Field::text("longitude", "Longitude"),
        Field::text("isolation_source", "Isolation source"),
        Field::int("ncbi_taxon_id", "NCBI taxon id").required(),
        Field::fk("package_id", "Package", "package")
            .raw()
            .on_delete(OnDelete::SetNull),
        Field::new("origin", "Origin", Kind::Choice(SAMPLE_ORIGINS)),
        Field::new(
            "bioanalysis_status",
            "Bioanalysis status",
            Kind::Choice(BIOANALYSIS),
        ),
    ],
    inlines: &[
        inline("Sample aliases", "samplealias", "sample_id"),
        inline("Sequencing data", "sequencingdata", "sample_id"),
        inline("pDST tests", "pdstest", "sample_id"),
        inline("MIC tests", "mictest", "sample_id"),
    ],
    ..Resource::new(
        "submission",
        "sample",
        "Sample",
        "Samples",
        "submission_sample",
    )
};

pub const SAMPLE_ALIAS: Resource = Resource {
    area: Area::Sequencing,
    title: "t.name",
    columns: &[
        Column::field("name", "Name"),
        Column::field("package_id", "Package"),
        Column::field("sample_id", "Sample"),
        Column::field("origin", "Origin"),
        Column::field("origin_label", "Origin label"),
        Column::field("match_source", "Match source"),
    ],
    search: &[Search::Contains("t.name")],
    ordering: "-id",
    fields: &[
        Field::text("name", "Name").required(),
        Field::fk("package_id", "Package", "package")
            .required()
            .raw(),
        of_sample(),
        Field::text("origin", "Origin").required(),
        Field::text("origin_label", "Origin label").empty_text(),
        Field::fk("country_id", "Country", "country").on_delete(OnDelete::SetNull),
    ],
    ..Resource::new(
        "submission",
        "samplealias",
        "Sample alias",
        "Sample aliases",
        "submission_samplealias",
    )
};

pub const DATA_LOCATIONS: &[(&str, &str)] =
    &[("NCBI", "NCBI"), ("TB-Kb", "TB-Kb"), ("CNCB", "CNCB")];
const STORAGE_CLASSES: &[(&str, &str)] =
    &[("STANDARD", "STANDARD"), ("DEEP_ARCHIVE", "DEEP_ARCHIVE")];

pub const SEQUENCING_DATA: Resource = Resource {
    area: Area::Sequencing,
    title: "'Sequencing data #' || CAST(t.id AS TEXT) || ' ' || t.data_location",
    columns: &[
        Column::computed(
            "label",
            "Sequencing data",
            "'Sequencing data #' || CAST(t.id AS TEXT) || ' ' || t.data_location",
        )
        .sort_by("t.id"),
        Column::field("library_name", "Library name").link("https://www.ncbi.nlm.nih.gov/sra/"),
        Column::field("created_at", "Created at"),
    ],
    search: &[
        Search::Contains("t.library_name"),
        Search::ExactInt("t.id"),
        Search::Related {
            table: "submission_packagesequencingdata",
            fk: "sequencing_data_id",
            column: "filename",
        },
    ],
    filters: &[
        Filter {
            param: "location",
            label: "Data location",
            expr: "t.data_location",
            kind: Kind::Text,
            options: FilterOptions::Fixed(DATA_LOCATIONS),
        },
        Filter {
            param: "storage",
            label: "S3 storage class",
            expr: "t.s3_storage_class",
            kind: Kind::Text,
            options: FilterOptions::Fixed(STORAGE_CLASSES),
        },
    ],
    ordering: "-label",
    fields: &[
        Field::text("library_name", "Library name").empty_text(),
        Field::new(
            "data_location",
            "Data location",
            Kind::Choice(DATA_LOCATIONS),
        )
        .required(),
        Field::new(
            "s3_storage_class",
            "S3 storage class",
            Kind::Choice(STORAGE_CLASSES),
        ),
        Field::text("filename", "File name").read_only(),
        Field::text("file_path", "File path").read_only(),
        Field::int("file_size", "File size").read_only(),
        Field::text("library_preparation_strategy", "Library strategy"),
        Field::text("dna_source", "Library source"),
        Field::text("dna_selection", "Library selection"),
        Field::text("sequencing_platform", "Platform"),
        Field::text("library_layout", "Library layout"),
        of_sample(),
    ],
    inlines: &[inline("Hashes", "sequencingdatahash", "sequencing_data_id")],
    ..Resource::new(
        "submission",
        "sequencingdata",
        "Sequencing data",
        "Sequencing data",
        "submission_sequencingdata",
    )
};

pub const SEQUENCING_DATA_HASH: Resource = Resource {
    area: Area::Sequencing,
    title: "t.algorithm || ' ' || t.value",
    columns: &[
        Column::field("sequencing_data_id", "Sequencing data"),
        Column::field("algorithm", "Algorithm"),
        Column::field("value", "Value"),
    ],
    search: &[Search::Contains("t.value")],
    fields: &[
        Field::fk("sequencing_data_id", "Sequencing data", "sequencingdata")
            .required()
            .raw(),
        Field::text("algorithm", "Algorithm").required(),
        Field::text("value", "Value").required(),
    ],
    ..Resource::new(
        "submission",
        "sequencingdatahash",
        "Sequencing data hash",
        "Sequencing data hashes",
        "submission_sequencingdatahash",
    )
};

/// A sample's phenotypic tests (§8.2: inlines of the sample page only).
pub const PDS_TEST: Resource = read_only(Resource {
    area: Area::Sequencing,
    columns: &[
        Column::field("drug_id", "Drug"),
        Column::field("medium_id", "Medium"),
        Column::field("method_id", "Method"),
        Column::field("concentration", "Concentration"),
        Column::field("test_result", "Result"),
        Column::field("package_id", "Package"),
    ],
    fields: &[
        of_sample().read_only(),
        tested_drug(),
        Field::fk("medium_id", "Medium", "growthmedium")
            .read_only()
            .on_delete(OnDelete::Protect),
        Field::fk("method_id", "Method", "pdsassessmentmethod")
            .read_only()
            .on_delete(OnDelete::Protect),
        Field::float("concentration", "Concentration").read_only(),
        Field::text("test_result", "Result").read_only(),
        by_package(),
    ],
    ..Resource::new(
        "submission",
        "pdstest",
        "PDS test",
        "PDS Tests",
        "submission_pdstest",
    )
});

/// The range as the original prints it, e.g. `[0.5,1.0)`.
const MIC_RANGE: &str = "CASE WHEN t.range_bounds IS NULL THEN NULL ELSE \
     substr(t.range_bounds, 1, 1) || COALESCE(CAST(t.range_lower AS TEXT), '') || ',' || \
     COALESCE(CAST(t.range_upper AS TEXT), '') || substr(t.range_bounds, 2, 1) END";

pub const MIC_TEST: Resource = read_only(Resource {
    area: Area::Sequencing,
    columns: &[
        Column::field("drug_id", "Drug"),
        Column::field("plate", "Plate"),
        Column::computed("range", "Range", MIC_RANGE),
        Column::field("package_id", "Package"),
    ],
    fields: &[
        of_sample().read_only(),
        tested_drug(),
        Field::text("plate", "Plate").read_only(),
        Field::float("range_lower", "Range lower").read_only(),
        Field::float("range_upper", "Range upper").read_only(),
        Field::text("range_bounds", "Range bounds").read_only(),
        by_package(),
    ],
    ..Resource::new(
        "submission",
        "mictest",
        "MIC test",
        "MIC tests",
        "submission_mictest",
    )
});
