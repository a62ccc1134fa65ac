//! Public catalogue and overview: `genphen/…`, `overview/…`, the biosample predictions and
//! the `GenotypeResistance.csv` export (src/api/genphen.rs, overview.rs, submission.rs,
//! downloads.rs).

use serde_json::json;

use super::schemas::{array, boolean, int, r, string};
use super::{op, Op};

const PLUGGABLE: &str = "Without `paginated`, every row as an array; with `paginated=true`, a \
                         page `{count, next, previous, results}`.";

fn variant_filters(o: Op) -> Op {
    o.query("drug", string(), "Drug ids, comma-separated.")
        .query("geneDbCrossrefId", string(), "Gene ids, comma-separated.")
        .query("geneName", string(), "Substring, case-insensitive.")
        .query("variantName", string(), "Substring, case-insensitive.")
        .query("nucleodicAnnName", string(), "Substring, case-insensitive.")
        .query("proteicAnnName", string(), "Substring, case-insensitive.")
        .query(
            "consequence",
            string(),
            "Exact, case-insensitive (e.g. `missense_variant`).",
        )
        .query(
            "variantGrade",
            string(),
            "`1`…`5` or `Ungraded` (substring).",
        )
        .query(
            "variantGradeVersion",
            int(),
            "Exact version; by default the latest version and ungraded rows.",
        )
        .query(
            "order",
            string(),
            "`resistantCount`, `susceptibleCount` (or `susceptbleCount`), `intermediateCount`, \
             `globalFrequency`, `totalCounts`, each optionally prefixed with `-`; \
             comma-separated. Default: start position.",
        )
}

fn resistance_filters(o: Op) -> Op {
    o.query("drug", int(), "An existing drug id.")
        .query(
            "resistanceType",
            json!({ "type": "string", "enum": ["Pheno", "Geno"] }),
            "Phenotypic or genotypic results.",
        )
        .query(
            "countryId",
            array(string()),
            "ISO alpha-3 codes; repeat the key for several (`countryID` too).",
        )
        .query("yearGte", int(), "First sampling year.")
        .query("yearLte", int(), "Last sampling year.")
}

pub fn operations() -> Vec<Op> {
    let assoc = || json!({ "type": "string", "description": "Any value filters to drugs with a gene-drug resistance association (`1`, `true`)." });
    vec![
        op("get", "/api/v1/genphen/drugs/", "catalogue", "All drugs")
            .public()
            .describe("Ordered by name; not paginated.")
            .query("is_associated", assoc(), "")
            .ok(200, "The drugs.", array(r("Drug")))
            .error(400),
        op(
            "get",
            "/api/v1/genphen/drugs/{id}/",
            "catalogue",
            "One drug",
        )
        .public()
        .path_doc("id", "The drug id.")
        .query("is_associated", assoc(), "")
        .ok(200, "The drug.", r("Drug"))
        .errors(&[400, 404]),
        op(
            "get",
            "/api/v1/genphen/countries/",
            "catalogue",
            "All countries",
        )
        .public()
        .ok(200, "Ordered by usual name.", array(r("Country"))),
        op(
            "get",
            "/api/v1/genphen/countries/{code}/",
            "catalogue",
            "One country",
        )
        .public()
        .path_doc("code", "The three-letter code.")
        .ok(200, "The country.", r("Country"))
        .error(404),
        op(
            "get",
            "/api/v1/genphen/gene-drug-resistance-associations/",
            "catalogue",
            "Gene–drug resistance associations",
        )
        .public()
        .describe("Ordered by tier, then gene.")
        .query("drugId", int(), "An existing drug id.")
        .query("tier", int(), "")
        .ok(200, "The associations.", array(r("GeneDrugAssociation")))
        .error(400),
        op("get", "/api/v1/overview/genes/", "overview", "Search genes")
            .public()
            .describe(
                "Always paginated (12 per page). When exactly one gene matches, its search \
                 history counter goes up.",
            )
            .query(
                "search",
                string(),
                "Terms (white space or comma separated, quotes keep a phrase) matched against \
                 every field.",
            )
            .pages()
            .ok(200, "A page of genes.", r("PaginatedGene"))
            .errors(&[400, 404]),
        op(
            "get",
            "/api/v1/overview/genes/{id}/",
            "overview",
            "One gene",
        )
        .public()
        .path_doc("id", "The gene's cross-reference id (`geneDbCrossrefId`).")
        .query(
            "search",
            string(),
            "As for the list; the gene must match it.",
        )
        .ok(200, "The gene and its associated drugs.", r("GeneDetail"))
        .error(404),
        op(
            "get",
            "/api/v1/overview/genes/genome-context/",
            "overview",
            "Genes in a genome window",
        )
        .public()
        .query("startPos", int(), "Window start.")
        .query("endPos", int(), "Window end.")
        .ok(
            200,
            "The overlapping genes, or `{detail}` when a position is missing.",
            json!({ "oneOf": [array(r("Gene")), r("GenomePositionsMissing")] }),
        )
        .error(400),
        op(
            "get",
            "/api/v1/overview/gene-search-history/",
            "overview",
            "Most searched genes",
        )
        .public()
        .ok(200, "Top 10 by counter.", array(r("GeneSearch"))),
        op(
            "get",
            "/api/v1/overview/gene-search-history/recently/",
            "overview",
            "Recently searched genes",
        )
        .public()
        .ok(200, "Top 10 by date.", array(r("GeneSearch"))),
        resistance_filters(op(
            "get",
            "/api/v1/overview/global-drugs/",
            "overview",
            "Resistance statistics by drug",
        ))
        .public()
        .ok(200, "One item per drug.", array(r("DrugResistance")))
        .error(400),
        resistance_filters(op(
            "get",
            "/api/v1/overview/global-drugs/map/",
            "overview",
            "Resistance statistics by country",
        ))
        .public()
        .ok(200, "One item per country.", array(r("CountryResistance")))
        .error(400),
        op(
            "get",
            "/api/v1/overview/global-samples/",
            "overview",
            "Global resistance totals",
        )
        .public()
        .describe("Zeros before the first statistics refresh.")
        .ok(200, "The totals.", r("GlobalSamples")),
        op(
            "get",
            "/api/v1/overview/gene-associations/",
            "overview",
            "Genes with their associated drugs",
        )
        .public()
        .query("drug", int(), "An existing drug id.")
        .ok(200, "One item per gene.", array(r("GeneAssociation")))
        .error(400),
        op(
            "get",
            "/api/v1/overview/gene-associations/{id}/",
            "overview",
            "One gene's associated drugs",
        )
        .public()
        .path_doc("id", "The gene's cross-reference id.")
        .ok(200, "The gene's drugs.", r("GeneAssociation"))
        .error_with(404, "Unknown gene, or a gene without association."),
        variant_filters(op(
            "get",
            "/api/v1/overview/drug-gene-infos/",
            "overview",
            "The variant table",
        ))
        .public()
        .describe(PLUGGABLE)
        .query("paginated", boolean(), "Present: paginate (any value).")
        .pages()
        .ok(200, "The rows.", super::schemas::pluggable("VariantInfo"))
        .errors(&[400, 404]),
        variant_filters(op(
            "get",
            "/api/v1/overview/drug-gene-infos/export/",
            "overview",
            "The variant table as CSV",
        ))
        .public()
        .describe("Every row for the filters, never paginated; the header is the JSON keys.")
        .content(200, "A CSV attachment.", "text/csv", string())
        .error(400),
        op(
            "get",
            "/api/v1/submission/genotype-resistance/",
            "overview",
            "Predicted resistance of public samples",
        )
        .public()
        .describe(PLUGGABLE)
        .query(
            "sampleAliasesName",
            string(),
            "Substring, case-insensitive.",
        )
        .query("drug", string(), "Drug ids, comma-separated.")
        .query("variant", string(), "Substring.")
        .query("sample", int(), "An existing sample id.")
        .query(
            "version",
            string(),
            "Any value: every prediction version (else the latest).",
        )
        .query("paginated", boolean(), "Present: paginate (any value).")
        .pages()
        .ok(
            200,
            "The rows.",
            super::schemas::pluggable("GenotypeResistance"),
        )
        .errors(&[400, 404]),
        op(
            "get",
            "/static/media/GenotypeResistance.csv",
            "files",
            "Predicted resistance of public samples, as a file",
        )
        .public()
        .describe(
            "Tab-separated: `BioSample Accession, Drug, Genotypic Resistance, Variant`; \
             generated from the data and streamed.",
        )
        .content(200, "A tab-separated attachment.", "text/csv", string()),
    ]
}
