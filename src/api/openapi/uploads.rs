//! FASTQ files of a package and the upload flow (`upload-link` → PUT → `fetch`), signed
//! file links, and the submission templates (src/api/package_items.rs, sequencing.rs,
//! files.rs, static_files.rs).

use serde_json::json;

use super::schemas::{array, int, r, string};
use super::{op, Op};

const PACKAGE: &str = "/api/v1/submission/packages/{id}/";

fn nested(method: &str, tail: &str, summary: &str) -> Op {
    op(
        method,
        &format!("{PACKAGE}{tail}"),
        "sequencing data",
        summary,
    )
    .auth()
    .path_doc("id", "The package id.")
    .error_with(
        403,
        "Not the caller's package, or the package cannot be edited.",
    )
}

fn signed(o: Op) -> Op {
    o.public()
        .path_doc("key", "The stored object's key (may contain `/`).")
        .query_required("user", int(), "The user the link was made for.")
        .query_required(
            "expires",
            int(),
            "Unix time after which the link is refused.",
        )
        .query_required(
            "signature",
            string(),
            "HMAC of method, key, user and expiry.",
        )
}

pub fn operations() -> Vec<Op> {
    vec![
        nested("get", "sequencing-data/", "The package's FASTQ files").ok(
            200,
            "The linked files.",
            array(r("PackageSequencingData")),
        ),
        nested(
            "get",
            "sequencing-data/{linkId}/",
            "One FASTQ file of the package",
        )
        .ok(200, "The linked file.", r("PackageSequencingData"))
        .error(404),
        nested("delete", "sequencing-data/{linkId}/", "Unlink a FASTQ file")
            .describe("The stored file stays (other packages may use it).")
            .empty(204, "Unlinked.")
            .error(404),
        nested(
            "post",
            "sequencing-data/upload-link/",
            "Where to upload a FASTQ file",
        )
        .describe(
            "Step 1 of the upload: answers the URL to PUT the raw `.fastq.gz` bytes to \
                 (a presigned S3 URL, or a single-use link of tbseq's local store). Then PUT \
                 the file there and call `sequencing-data/fetch/`.",
        )
        .json_body(r("FastqName"), true)
        .ok(200, "The upload URL.", r("UploadLink"))
        .error_with(400, "Invalid file name, or a name clash.")
        .error_with(
            409,
            "The file is already uploaded (go straight to `sequencing-data/fetch/`).",
        ),
        nested(
            "post",
            "sequencing-data/fetch/",
            "Take in an uploaded FASTQ file",
        )
        .describe(
            "Step 3 of the upload: checks the uploaded file (gzip, at least one FASTQ \
                 record), deduplicates it by MD5, stores it and links it to the package. A \
                 large file is checked in the background (202; the link's `validationState` \
                 tells when it is done).",
        )
        .json_body(r("FastqName"), true)
        .ok(201, "The new link.", r("PackageSequencingData"))
        .ok(202, "The link, being checked.", r("PackageSequencingData"))
        .error_with(400, "Not a FASTQ file, or already attached to the package.")
        .error_with(404, "No uploaded file of that name.")
        .error(413),
        signed(op("get", "/files/{key}", "files", "Download a stored file"))
            .describe(
                "A link tbseq signed (what a presigned S3 GET URL is in the original): \
                 `fileUrl` of FASTQ files and `file` of attachments. Needs no token.",
            )
            .content(
                200,
                "The file, as an attachment.",
                "application/octet-stream",
                json!({ "type": "string", "format": "binary" }),
            )
            .error_with(403, "The link is not valid (tampered or expired).")
            .error(404),
        signed(op(
            "put",
            "/files/{key}",
            "files",
            "Upload a file to the local store",
        ))
        .describe(
            "Step 2 of the FASTQ upload when files are stored locally: the `url` that \
                 `upload-link` answered, used once.",
        )
        .query_required("upload", int(), "The upload the link was issued for.")
        .body_of(
            "application/octet-stream",
            json!({ "type": "string", "format": "binary" }),
            "The raw file.",
        )
        .empty(200, "Stored (`ETag` is the MD5, as S3 answers).")
        .error_with(403, "The link is not valid, expired or already used.")
        .errors(&[400, 413]),
        op(
            "get",
            "/static_files/submission/resistance_templates_1.zip",
            "files",
            "The MIC and pDST workbook templates",
        )
        .public()
        .content(
            200,
            "A zip of the two templates.",
            "application/zip",
            json!({ "type": "string", "format": "binary" }),
        ),
    ]
}
