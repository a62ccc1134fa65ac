//! The component schemas: what the handlers build (serde structs and `json!` objects),
//! written out by hand. Keys are camelCase as served, typos (`susceptbleCount`,
//! `nucleodicAnnName`) included.

use serde_json::{json, Map, Value};

/// `{"$ref": "#/components/schemas/<name>"}`.
pub fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

pub fn array(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

pub fn string() -> Value {
    json!({ "type": "string" })
}

pub fn text(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

pub fn int() -> Value {
    json!({ "type": "integer", "format": "int64" })
}

pub fn number() -> Value {
    json!({ "type": "number", "format": "double" })
}

pub fn boolean() -> Value {
    json!({ "type": "boolean" })
}

pub fn date_time() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

pub fn uri() -> Value {
    json!({ "type": "string", "format": "uri" })
}

pub fn enumeration(values: &[&str]) -> Value {
    json!({ "type": "string", "enum": values })
}

/// The same schema, `null` allowed (OpenAPI 3.0 style; a `$ref` is wrapped in `allOf`).
pub fn nullable(schema: Value) -> Value {
    match schema {
        Value::Object(mut map) if !map.contains_key("$ref") => {
            map.insert("nullable".into(), Value::Bool(true));
            Value::Object(map)
        }
        other => json!({ "allOf": [other], "nullable": true }),
    }
}

/// An object whose properties are all present (`required` lists every key), as the
/// handlers always write every key.
pub fn object(properties: &[(&str, Value)]) -> Value {
    let keys: Vec<&str> = properties.iter().map(|(k, _)| *k).collect();
    object_with(properties, &keys)
}

/// An object with only `required` keys required (request bodies, partial answers).
pub fn object_with(properties: &[(&str, Value)], required: &[&str]) -> Value {
    let mut props = Map::new();
    for (key, schema) in properties {
        props.insert((*key).to_string(), schema.clone());
    }
    let mut out = json!({ "type": "object", "properties": props });
    if !required.is_empty() {
        out["required"] = json!(required);
    }
    out
}

/// With a description.
pub fn described(mut schema: Value, description: &str) -> Value {
    if let Value::Object(map) = &mut schema {
        if map.contains_key("$ref") {
            return json!({ "allOf": [schema], "description": description });
        }
        map.insert("description".into(), Value::String(description.into()));
    }
    schema
}

/// The page-number envelope of a paginated list of `item`.
pub fn paginated(item: &str) -> Value {
    object(&[
        ("count", int()),
        ("next", nullable(uri())),
        ("previous", nullable(uri())),
        ("results", array(r(item))),
    ])
}

/// A "pluggable" list: every row as an array, or a page with `paginated=true`.
pub fn pluggable(item: &str) -> Value {
    json!({ "oneOf": [array(r(item)), r(&format!("Paginated{item}"))] })
}

fn resistance_numbers(first: (&str, Value)) -> Value {
    object(&[
        first,
        ("susceptible", int()),
        ("resistant", int()),
        ("intermediate", int()),
        ("total", int()),
        (
            "ratioSusceptible",
            text("A percentage with one decimal, e.g. \"12.5\"."),
        ),
        ("ratioResistant", text("A percentage with one decimal.")),
        ("ratioIntermediate", text("A percentage with one decimal.")),
    ])
}

fn verdict() -> Value {
    object(&[
        ("level", enumeration(&["info", "warning", "error"])),
        ("verdict", string()),
    ])
}

/// Every component schema.
pub fn components() -> Map<String, Value> {
    let gene_fields = || {
        vec![
            ("geneName", nullable(string())),
            ("geneDbCrossrefId", int()),
            ("locusTag", nullable(string())),
            ("ncbiId", nullable(string())),
            ("geneDescription", nullable(string())),
            (
                "geneType",
                described(nullable(string()), "The protein accession."),
            ),
            ("startPos", int()),
            ("strand", int()),
            ("endPos", int()),
            ("proteinLength", nullable(int())),
        ]
    };
    let package_state = enumeration(&["DRAFT", "PENDING", "ACCEPTED", "REJECTED"]);
    let matching_state = enumeration(&["NEVER_MATCHED", "MATCHED", "CHANGED"]);
    let match_source = nullable(enumeration(&[
        "NO_MATCH",
        "FASTQ_UPLOADED",
        "FASTQ_UPLOADED_NEW_SAMPLE",
        "FASTQ_EXISTING",
        "NCBI",
        "NCBI_FASTQ",
        "USER_ALIAS",
    ]));
    let counter = || nullable(int());
    let list: Vec<(&str, Value)> = vec![
        // ---- errors -------------------------------------------------------------------
        (
            "ErrorItem",
            object(&[
                (
                    "code",
                    text("Machine-readable, e.g. `not_found`, `invalid`, `required`."),
                ),
                ("detail", text("A message for people.")),
                (
                    "attr",
                    described(nullable(string()), "The camelCase field at fault, or null."),
                ),
            ]),
        ),
        (
            "Error",
            described(
                object(&[
                    (
                        "type",
                        enumeration(&["validation_error", "client_error", "server_error"]),
                    ),
                    ("errors", array(r("ErrorItem"))),
                ]),
                "The error envelope of every API error (drf-standardized-errors).",
            ),
        ),
        // ---- catalogue ----------------------------------------------------------------
        (
            "Drug",
            object(&[
                ("drugId", int()),
                ("drugName", string()),
                ("code", string()),
            ]),
        ),
        (
            "Country",
            object(&[
                ("countryId", int()),
                ("twoLettersCode", string()),
                ("threeLettersCode", string()),
                ("countryUsualName", string()),
                ("countryOfficialName", nullable(string())),
            ]),
        ),
        (
            "GeneDrugAssociation",
            object(&[
                ("drugId", int()),
                ("geneDbCrossrefId", int()),
                ("locusTag", nullable(string())),
                ("geneName", nullable(string())),
                ("tier", int()),
            ]),
        ),
        ("Gene", object(&gene_fields())),
        ("PaginatedGene", paginated("Gene")),
        (
            "GeneDetail",
            object(&[
                ("genesOverview", r("Gene")),
                (
                    "genes",
                    described(
                        json!({ "type": "object", "additionalProperties": array(string()) }),
                        "`{gene name (or \"null\"): [drug names]}`.",
                    ),
                ),
            ]),
        ),
        (
            "GenomePositionsMissing",
            object(&[("detail", text("\"Please add genome positions.\""))]),
        ),
        (
            "GeneSearch",
            object(&[
                ("counter", int()),
                ("geneName", nullable(string())),
                ("geneDbCrossrefId", int()),
                ("locusTag", nullable(string())),
                ("date", text("`YYYY-MM-DD HH:MM:SS`, UTC.")),
            ]),
        ),
        (
            "GeneAssociation",
            object(&[
                ("geneDbCrossref", int()),
                ("geneName", nullable(string())),
                ("drugs", array(r("Drug"))),
            ]),
        ),
        (
            "DrugResistance",
            resistance_numbers(("drug", described(int(), "The drug id."))),
        ),
        (
            "CountryResistance",
            resistance_numbers((
                "countryId",
                described(nullable(string()), "ISO 3166 alpha-3 code."),
            )),
        ),
        (
            "GlobalSamples",
            object(&[
                ("countries", array(string())),
                (
                    "total",
                    object(&[
                        ("totalSum", int()),
                        ("monoResSum", int()),
                        ("polyResSum", int()),
                        ("multiDrugResSum", int()),
                        ("extDrugResSum", int()),
                        ("rifResSum", int()),
                        ("ratioMonoRes", number()),
                        ("ratioPolyRes", number()),
                        ("ratioMultiDrugRes", number()),
                        ("ratioExtDrugRes", number()),
                        ("ratioRifRes", number()),
                    ]),
                ),
            ]),
        ),
        (
            "VariantInfo",
            object(&[
                ("drug", described(int(), "The drug id.")),
                ("drugName", string()),
                ("geneDbCrossrefId", int()),
                ("geneName", string()),
                ("variantName", string()),
                ("variantGrade", string()),
                ("variantGradeVersion", nullable(int())),
                ("nucleodicAnnName", string()),
                ("proteicAnnName", nullable(string())),
                ("consequence", string()),
                ("resistantCount", int()),
                (
                    "susceptbleCount",
                    described(int(), "Sic: the original's key."),
                ),
                ("intermediateCount", int()),
                (
                    "globalFrequency",
                    text("A percentage with two decimals, e.g. \"50.00\"."),
                ),
                ("totalCounts", int()),
                ("startPos", nullable(int())),
                ("endPos", nullable(int())),
            ]),
        ),
        ("PaginatedVariantInfo", paginated("VariantInfo")),
        (
            "GenotypeResistance",
            object(&[
                ("drugName", string()),
                ("sampleAliasesName", nullable(string())),
                ("variant", string()),
                ("resistanceFlag", text("R, S or U.")),
            ]),
        ),
        (
            "PaginatedGenotypeResistance",
            paginated("GenotypeResistance"),
        ),
        // ---- identity -----------------------------------------------------------------
        (
            "UserProfile",
            object(&[
                ("username", string()),
                ("email", string()),
                ("firstName", string()),
                ("lastName", string()),
                ("isStaff", boolean()),
                ("isSuperuser", boolean()),
                ("groups", array(string())),
            ]),
        ),
        // ---- submission ---------------------------------------------------------------
        ("Verdict", verdict()),
        (
            "Attachment",
            object(&[
                ("pk", int()),
                ("createdAt", date_time()),
                ("type", enumeration(&["MIC", "PDS"])),
                (
                    "file",
                    described(uri(), "A signed download link (one hour)."),
                ),
                ("size", nullable(int())),
                ("originalFilename", nullable(string())),
                (
                    "metadata",
                    described(
                        json!({ "type": "object", "additionalProperties": true }),
                        "What the import noted, e.g. `notUsedColumns`.",
                    ),
                ),
            ]),
        ),
        (
            "Package",
            object(&[
                ("pk", int()),
                ("url", uri()),
                ("name", string()),
                ("description", nullable(string())),
                ("origin", nullable(string())),
                ("matchingState", matching_state),
                ("state", package_state),
                ("stateChangedOn", nullable(date_time())),
                ("rejectionReason", nullable(string())),
                ("attachments", array(r("Attachment"))),
                ("messagesCount", counter()),
                ("messages", uri()),
                ("sequencingData", uri()),
                ("sequencingDataCount", counter()),
                ("micTests", uri()),
                ("micTestsCount", counter()),
                ("micDrugs", nullable(array(text("A drug code.")))),
                ("micDrugsCount", counter()),
                ("pdsTests", uri()),
                ("pdsTestsCount", counter()),
                ("pdsDrugsCount", counter()),
                ("pdsDrugConcentrationCount", counter()),
                ("pdsDrugs", nullable(array(text("A drug code.")))),
                ("sampleAliases", uri()),
                ("sampleAliasesCount", counter()),
                ("contributors", uri()),
            ]),
        ),
        (
            "PackageInput",
            object_with(
                &[
                    ("name", json!({ "type": "string", "maxLength": 1024 })),
                    (
                        "description",
                        nullable(json!({ "type": "string", "maxLength": 8192 })),
                    ),
                    (
                        "origin",
                        nullable(json!({ "type": "string", "maxLength": 1024 })),
                    ),
                ],
                &["name"],
            ),
        ),
        (
            "PackagePatch",
            described(
                object_with(
                    &[
                        ("name", json!({ "type": "string", "maxLength": 1024 })),
                        (
                            "description",
                            nullable(json!({ "type": "string", "maxLength": 8192 })),
                        ),
                        (
                            "origin",
                            nullable(json!({ "type": "string", "maxLength": 1024 })),
                        ),
                    ],
                    &[],
                ),
                "Only the keys given change.",
            ),
        ),
        (
            "RejectInput",
            object_with(
                &[("reason", text("Why the package is rejected."))],
                &["reason"],
            ),
        ),
        (
            "Message",
            object(&[
                ("pk", int()),
                (
                    "sender",
                    object(&[
                        ("username", string()),
                        ("email", string()),
                        ("firstName", string()),
                        ("lastName", string()),
                    ]),
                ),
                ("timestamp", date_time()),
                ("content", string()),
            ]),
        ),
        (
            "MessageInput",
            described(
                object_with(&[("content", string())], &["content"]),
                "Other keys the frontend sends (`pk`, `sender`, `timestamp`) are ignored.",
            ),
        ),
        (
            "Contributor",
            object(&[
                ("pk", int()),
                ("url", uri()),
                ("firstName", string()),
                ("lastName", string()),
                ("role", string()),
            ]),
        ),
        (
            "ContributorInput",
            object_with(
                &[
                    ("firstName", json!({ "type": "string", "maxLength": 1024 })),
                    ("lastName", json!({ "type": "string", "maxLength": 1024 })),
                    ("role", json!({ "type": "string", "maxLength": 1024 })),
                ],
                &["firstName", "lastName", "role"],
            ),
        ),
        (
            "ContributorPatch",
            described(
                object_with(
                    &[
                        ("firstName", json!({ "type": "string", "maxLength": 1024 })),
                        ("lastName", json!({ "type": "string", "maxLength": 1024 })),
                        ("role", json!({ "type": "string", "maxLength": 1024 })),
                    ],
                    &[],
                ),
                "Only the keys given change.",
            ),
        ),
        (
            "Contributors",
            object(&[("contributors", array(r("Contributor")))]),
        ),
        (
            "ContributorsInput",
            object(&[("contributors", array(r("ContributorInput")))]),
        ),
        (
            "SampleAlias",
            object(&[
                ("pk", int()),
                ("name", string()),
                ("fastqPrefix", nullable(string())),
                ("verdicts", array(r("Verdict"))),
                ("micTestsCount", int()),
                ("pdsTestsCount", int()),
                ("matchSource", match_source),
            ]),
        ),
        (
            "SampleAliasInput",
            described(
                object_with(&[("name", string())], &["name"]),
                "The name is upper-cased; the alias's verdicts are cleared.",
            ),
        ),
        (
            "SequencingData",
            object(&[
                ("pk", int()),
                ("filename", string()),
                ("filePath", nullable(string())),
                (
                    "fileUrl",
                    described(string(), "A signed download link; empty for NCBI data."),
                ),
                ("fileSize", nullable(int())),
                ("libraryName", nullable(string())),
                ("dataLocation", text("`TB-Kb` (uploaded) or `NCBI`.")),
            ]),
        ),
        (
            "PackageSequencingData",
            object_with(
                &[
                    ("pk", int()),
                    ("url", uri()),
                    ("createdAt", date_time()),
                    ("filename", text("The name the user uploaded it under.")),
                    ("sequencingData", r("SequencingData")),
                    ("verdicts", array(r("Verdict"))),
                    (
                        "validationState",
                        described(
                            enumeration(&["PENDING", "VALIDATING", "VALID", "INVALID"]),
                            "Whether the uploaded file was checked (large files are checked \
                             in the background after `fetch/` answers 202).",
                        ),
                    ),
                    (
                        "validationError",
                        described(nullable(string()), "Why the check failed (INVALID)."),
                    ),
                ],
                &[
                    "pk",
                    "url",
                    "createdAt",
                    "filename",
                    "sequencingData",
                    "verdicts",
                ],
            ),
        ),
        (
            "FastqName",
            described(
                object_with(
                    &[
                        (
                            "filename",
                            json!({ "type": "string", "pattern": "^[\\w,\\.\\s-]+\\.fastq\\.gz$" }),
                        ),
                        (
                            "packageId",
                            described(int(), "Ignored (the path names the package)."),
                        ),
                    ],
                    &["filename"],
                ),
                "A FASTQ file name (`*.fastq.gz`).",
            ),
        ),
        (
            "UploadLink",
            object(&[(
                "url",
                described(
                    uri(),
                    "Where to PUT the file's bytes: a presigned S3 URL, or a single-use \
                     `/files/…` link of the local store.",
                ),
            )]),
        ),
        (
            "WorkbookUpload",
            object_with(
                &[
                    (
                        "file",
                        json!({ "type": "string", "format": "binary", "description": "The .xlsx (or .xls) workbook, from the templates." }),
                    ),
                    ("type", text("Ignored (`mic-tests` or `pds-tests`).")),
                    ("pk", text("Ignored (the package id).")),
                ],
                &["file"],
            ),
        ),
        // ---- imports and operations ---------------------------------------------------
        (
            "ImportReport",
            object(&[
                ("file", string()),
                ("rows", int()),
                (
                    "written",
                    json!({ "type": "object", "additionalProperties": int(), "description": "Rows written per table." }),
                ),
                ("warnings", array(string())),
                ("refreshSeconds", number()),
            ]),
        ),
        (
            "RefreshReport",
            object(&[
                (
                    "tables",
                    array(object(&[
                        ("table", string()),
                        ("rows", int()),
                        ("seconds", number()),
                    ])),
                ),
                ("seconds", number()),
            ]),
        ),
        (
            "ReadinessCheck",
            object_with(
                &[
                    ("ok", boolean()),
                    (
                        "kind",
                        text("`sqlite`/`postgres`, or the file store's kind."),
                    ),
                    ("schemaVersion", int()),
                    ("error", string()),
                ],
                &["ok", "kind"],
            ),
        ),
        (
            "Readiness",
            object(&[
                ("status", enumeration(&["ok", "unavailable"])),
                ("database", r("ReadinessCheck")),
                ("storage", r("ReadinessCheck")),
            ]),
        ),
    ];
    list.into_iter()
        .map(|(name, schema)| (name.to_string(), schema))
        .collect()
}
