//! Submission packages, their review, and what hangs under them: messages, contributors,
//! sample aliases, MIC and pDST workbooks (src/api/packages.rs, package_items.rs,
//! package_tests.rs).

use super::schemas::{array, r};
use super::{op, Op};

const PACKAGE: &str = "/api/v1/submission/packages/{id}/";

fn package_op(method: &str, tail: &str, tag: &str, summary: &str) -> Op {
    op(method, &format!("{PACKAGE}{tail}"), tag, summary)
        .auth()
        .path_doc("id", "The package id.")
}

/// Nested routes answer 403 "User should own the package." for another user's package (or
/// none), so as to reveal nothing.
fn nested(method: &str, tail: &str, tag: &str, summary: &str) -> Op {
    package_op(method, tail, tag, summary).error_with(
        403,
        "Not the caller's package, or the package cannot be edited.",
    )
}

fn workbook(kind: &str, name: &str) -> Vec<Op> {
    vec![
        nested(
            "post",
            &format!("{kind}/"),
            "resistance tests",
            &format!("Import {name} results"),
        )
        .describe(&format!(
            "A {name} workbook (from the templates), imported all or nothing: tests, \
                 sample aliases and the attachment. The package must be editable."
        ))
        .body_of(
            "multipart/form-data",
            r("WorkbookUpload"),
            "The workbook in the field `file`.",
        )
        .ok(200, "The package, updated.", r("Package"))
        .errors(&[400, 413, 415]),
        nested(
            "post",
            &format!("{kind}/clear/"),
            "resistance tests",
            &format!("Remove every {name} result"),
        )
        .ok(200, "The package, updated.", r("Package")),
    ]
}

pub fn operations() -> Vec<Op> {
    let mut ops = vec![
        // ---- packages -----------------------------------------------------------------
        op(
            "get",
            "/api/v1/submission/packages/",
            "packages",
            "The caller's packages",
        )
        .auth()
        .ok(200, "Every package the caller owns.", array(r("Package"))),
        op(
            "post",
            "/api/v1/submission/packages/",
            "packages",
            "Create a package",
        )
        .auth()
        .json_body(r("PackageInput"), true)
        .ok(201, "The new package (`Location` names it).", r("Package"))
        .error(400),
        package_op("get", "", "packages", "One package")
            .ok(200, "The package.", r("Package"))
            .error_with(404, "No such package, or another user's."),
        package_op("put", "", "packages", "Replace a package's fields")
            .json_body(r("PackageInput"), true)
            .ok(200, "The package.", r("Package"))
            .errors(&[400, 403, 404]),
        package_op("patch", "", "packages", "Change some of a package's fields")
            .describe("Unknown keys (the frontend sends `packageId`) are ignored.")
            .json_body(r("PackagePatch"), true)
            .ok(200, "The package.", r("Package"))
            .errors(&[400, 403, 404]),
        package_op("delete", "", "packages", "Delete a package")
            .describe("Only while editable (DRAFT or REJECTED).")
            .empty(204, "Deleted.")
            .errors(&[403, 404]),
        package_op("post", "match/", "packages", "Match the package's samples")
            .describe(
                "Matches sample names with samples and FASTQ files; a matched package is left \
                 as it is. The frontend's body (`{name}`) is ignored.",
            )
            .ok(200, "The package, matched.", r("Package"))
            .error_with(400, "The package has no data.")
            .errors(&[403, 404]),
        package_op("post", "submit/", "packages", "Send the package for review")
            .ok(200, "The package, PENDING.", r("Package"))
            .errors(&[403, 404, 409]),
        package_op("post", "accept/", "packages", "Accept a package")
            .staff()
            .ok(200, "The package, ACCEPTED.", r("Package"))
            .errors(&[404, 409]),
        package_op("post", "reject/", "packages", "Reject a package")
            .staff()
            .json_body(r("RejectInput"), true)
            .ok(200, "The package, REJECTED.", r("Package"))
            .errors(&[400, 404, 409]),
        package_op("post", "to-draft/", "packages", "Return a package to DRAFT")
            .staff()
            .ok(200, "The package, DRAFT.", r("Package"))
            .errors(&[404, 409]),
        // ---- messages -----------------------------------------------------------------
        nested(
            "get",
            "messages/",
            "package items",
            "The package's messages",
        )
        .ok(200, "Oldest first.", array(r("Message"))),
        nested("post", "messages/", "package items", "Send a message")
            .describe("Works in any package state; staff are notified by e-mail.")
            .json_body(r("MessageInput"), true)
            .ok(201, "The new message.", r("Message"))
            .error(400),
        nested(
            "get",
            "messages/{messageId}/",
            "package items",
            "One message",
        )
        .ok(200, "The message.", r("Message"))
        .error(404),
        // ---- contributors -------------------------------------------------------------
        nested(
            "get",
            "contributors/",
            "package items",
            "The package's contributors",
        )
        .ok(200, "The contributors.", array(r("Contributor"))),
        nested("post", "contributors/", "package items", "Add contributors")
            .describe("Bulk create, all or none (errors under `contributors.<n>.<field>`).")
            .json_body(r("ContributorsInput"), true)
            .ok(201, "The new contributors.", r("Contributors"))
            .error(400),
        nested(
            "get",
            "contributors/{contributorId}/",
            "package items",
            "One contributor",
        )
        .ok(200, "The contributor.", r("Contributor"))
        .error(404),
        nested(
            "put",
            "contributors/{contributorId}/",
            "package items",
            "Replace a contributor",
        )
        .json_body(r("ContributorInput"), true)
        .ok(200, "The contributor.", r("Contributor"))
        .errors(&[400, 404]),
        nested(
            "patch",
            "contributors/{contributorId}/",
            "package items",
            "Change a contributor",
        )
        .json_body(r("ContributorPatch"), true)
        .ok(200, "The contributor.", r("Contributor"))
        .errors(&[400, 404]),
        nested(
            "delete",
            "contributors/{contributorId}/",
            "package items",
            "Remove a contributor",
        )
        .empty(204, "Removed.")
        .error(404),
        // ---- sample aliases -----------------------------------------------------------
        nested(
            "get",
            "sample-aliases/",
            "package items",
            "The package's sample names",
        )
        .ok(200, "The aliases.", array(r("SampleAlias"))),
        nested(
            "get",
            "sample-aliases/{aliasId}/",
            "package items",
            "One sample name",
        )
        .ok(200, "The alias.", r("SampleAlias"))
        .error(404),
        nested(
            "put",
            "sample-aliases/{aliasId}/",
            "package items",
            "Rename a sample",
        )
        .json_body(r("SampleAliasInput"), true)
        .ok(200, "The alias, renamed.", r("SampleAlias"))
        .errors(&[400, 404]),
        nested(
            "patch",
            "sample-aliases/{aliasId}/",
            "package items",
            "Rename a sample",
        )
        .describe("Marks the package CHANGED; a duplicate name is a 400.")
        .json_body(r("SampleAliasInput"), true)
        .ok(200, "The alias, renamed.", r("SampleAlias"))
        .errors(&[400, 404]),
    ];
    ops.extend(workbook("mic-tests", "MIC"));
    ops.extend(workbook("pds-tests", "pDST"));
    ops
}
