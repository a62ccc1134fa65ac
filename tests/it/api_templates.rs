//! `GET /static_files/submission/resistance_templates_1.zip`: the MIC and PDST templates.

use std::io::{Cursor, Read};

use rocket::http::{ContentType, Status};

const PATH: &str = "/static_files/submission/resistance_templates_1.zip";

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
        let bytes = response.into_bytes().await.expect("a body");
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
        let mut names: Vec<String> = zip
            .file_names()
            .map(|n| n.expect("a member name").into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["MIC.xlsx", "phenotypicDST.xlsx"]);
        for name in names {
            let mut workbook = Vec::new();
            zip.by_name(&name).unwrap().read_to_end(&mut workbook).unwrap();
            // Each member is itself an xlsx (a zip holding xl/workbook.xml).
            let inner = zip::ZipArchive::new(Cursor::new(workbook)).expect("an xlsx");
            assert!(inner.index_for_name("xl/workbook.xml").is_some(), "{name}");
        }
    }
}
