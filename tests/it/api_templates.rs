//! `GET /static_files/submission/resistance_templates_1.zip`: the MIC and PDST templates,
//! checked against the original's zip and uploaded back as a submitter would.

use std::io::{Cursor, Read};

use calamine::{Reader, Xlsx};
use rocket::http::{ContentType, Method, Status};
use serde_json::json;

const PATH: &str = "/static_files/submission/resistance_templates_1.zip";

fn member(zip: &[u8], name: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).expect("a zip");
    let mut bytes = Vec::new();
    archive
        .by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
}

/// Each sheet's name and header row (trailing blanks dropped).
fn headers(workbook: &[u8]) -> Vec<(String, Vec<String>)> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(workbook.to_vec())).expect("an xlsx");
    book.sheet_names()
        .into_iter()
        .map(|sheet| {
            let range = book.worksheet_range(&sheet).unwrap();
            let mut row: Vec<String> = range
                .rows()
                .next()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .unwrap_or_default();
            while row.last().is_some_and(String::is_empty) {
                row.pop();
            }
            (sheet, row)
        })
        .collect()
}

/// The list drop-downs of every worksheet in an xlsx, as their XML.
fn drop_downs(workbook: &[u8]) -> Vec<String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(workbook)).expect("an xlsx");
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.expect("a member name").into_owned())
        .filter(|n| n.starts_with("xl/worksheets/sheet"))
        .collect();
    let mut found = vec![];
    for name in names {
        let mut xml = String::new();
        archive
            .by_name(&name)
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        found.extend(
            xml.split("<dataValidation ")
                .skip(1)
                .filter(|v| v.contains("type=\"list\""))
                .map(|v| v.split("</dataValidation>").next().unwrap().to_string()),
        );
    }
    found
}

both_backends! {
    async fn templates_download_as_a_zip_of_both_workbooks(app) {
        let response = app.client.get(PATH).dispatch().await;
        assert_eq!(response.status(), Status::Ok);
        assert_eq!(response.content_type(), Some(ContentType::ZIP));
        let disposition = response.headers().get_one("Content-Disposition").map(str::to_string);
        assert_eq!(
            disposition.as_deref(),
            Some("attachment; filename=\"resistance_templates_1.zip\"")
        );
        let zip = response.into_bytes().await.expect("a body");
        let original = crate::common::original_fixture("resistance_templates_1.zip");
        let mut names: Vec<String> = zip::ZipArchive::new(Cursor::new(&zip))
            .unwrap()
            .file_names()
            .map(|n| n.expect("a member name").into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["MIC.xlsx", "phenotypicDST.xlsx"]);
        for name in &names {
            // The same sheets and columns as the original's templates.
            assert_eq!(headers(&member(&zip, name)), headers(&member(&original, name)), "{name}");
        }
        // Drop-down lists: drug codes in the MIC header, results and methods in the PDST sheet.
        let has_drug_list = |lists: &[String]| {
            lists.iter().any(|v| v.contains("BDQ") || v.contains("Accepted drug codes"))
        };
        let mic = drop_downs(&member(&zip, "MIC.xlsx"));
        assert!(has_drug_list(&mic), "{mic:?}");
        let pdst = drop_downs(&member(&zip, "phenotypicDST.xlsx"));
        assert!(has_drug_list(&pdst), "{pdst:?}");
        assert!(pdst.iter().any(|v| v.contains("\"R,S,I\"")), "{pdst:?}");
        assert!(pdst.iter().any(|v| v.contains("MGIT") && v.contains("LJ")), "{pdst:?}");

        // The example rows of each template import as they are.
        let alice = app.caller("alice", false).await;
        for (kind, name, count) in [("mic-tests", "MIC.xlsx", "micTestsCount"), ("pds-tests", "phenotypicDST.xlsx", "pdsTestsCount")] {
            let pk = app.new_package(&alice, name).await;
            let reply = app
                .upload(&alice, &format!("/api/v1/submission/packages/{pk}/{kind}/"), name, &member(&zip, name))
                .await;
            assert_eq!(reply.status, Status::Ok, "{name}: {}", reply.body);
            assert!(reply.json()[count].as_i64().unwrap() > 0, "{name}");
            let aliases = app
                .call(Method::Get, &format!("/api/v1/submission/packages/{pk}/sample-aliases/"), Some(&alice), None)
                .await;
            assert_ne!(aliases.json(), json!([]), "{name}");
        }
    }
}
