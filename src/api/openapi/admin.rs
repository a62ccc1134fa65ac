//! Loading data and refreshing the statistics over HTTP, for staff and pipelines
//! (src/api/imports.rs).

use serde_json::json;

use super::schemas::{int, r, string};
use super::{op, Op};

pub fn operations() -> Vec<Op> {
    vec![
        op(
            "post",
            "/api/v1/imports/{kind}",
            "imports",
            "Import a data file",
        )
        .describe(
            "The same import as `tbseq import`: the file (CSV, plain or gzip) is the \
                 request body; all or nothing; the statistics are refreshed afterwards.",
        )
        .staff()
        .path_doc(
            "kind",
            "`phenotypes`, `genotypes`, `associations`, `grades` or `genotype-resistance`.",
        )
        .query(
            "filename",
            string(),
            "The file's name (catalogue files carry their drug and tier in it); letters, \
                 digits, `.`, `_` and `-`.",
        )
        .query("source", string(), "Where the data comes from.")
        .query(
            "drug",
            string(),
            "The drug, when the file name does not say.",
        )
        .query("gradeVersion", int(), "The grading version (default 2).")
        .body_of(
            "application/octet-stream",
            json!({ "type": "string", "format": "binary" }),
            "The file, CSV or gzip-compressed CSV.",
        )
        .ok(200, "What was imported.", r("ImportReport"))
        .error_with(400, "Rejected rows (one error per row, `attr` = `file`).")
        .errors(&[404, 413]),
        op(
            "post",
            "/api/v1/summaries/refresh",
            "imports",
            "Rebuild the statistics tables",
        )
        .staff()
        .ok(200, "The tables rebuilt.", r("RefreshReport")),
    ]
}
