//! Admin exports (CSV and XLSX of the filtered list, all pages) and imports (upload →
//! preview → confirm, all or nothing) on both databases: variant grades linked to their
//! variants, gene–drug associations (XLSX), ECOFFs (round trip of an export), samples and
//! sample aliases with their admin package; rejected rows, hostile files, CSRF and
//! permissions.

use crate::admin_ui::staff;
use crate::common;
use crate::identity_admin::{post_form, sign_in, sign_out, user, HERE};

use calamine::Reader;
use common::{Reply, TestApp};
use rocket::http::{ContentType, Status};

const BOUNDARY: &str = "tbseq-test-boundary";

/// A multipart upload of `bytes` as `filename`, with the CSRF token when given.
async fn upload(
    app: &TestApp,
    uri: &str,
    csrf: Option<&str>,
    filename: &str,
    bytes: &[u8],
) -> Reply {
    let mut body = Vec::new();
    if let Some(csrf) = csrf {
        body.extend(format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n{csrf}\r\n"
        ).bytes());
    }
    body.extend(
        format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
        .bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").bytes());
    let mut req = app.client.post(uri.to_string());
    req.add_header(ContentType::new("multipart", "form-data").with_params(("boundary", BOUNDARY)));
    req.set_body(body);
    Reply::read(req.dispatch().await).await
}

fn token_of(body: &str) -> Option<String> {
    let marker = "name=\"token\" value=\"";
    let start = body.find(marker)? + marker.len();
    Some(body[start..].split('"').next()?.to_string())
}

async fn confirm(app: &TestApp, path: &str, csrf: &str, token: &str) -> Reply {
    let uri = format!("{path}import/confirm/");
    post_form(
        app,
        &uri,
        &[("csrfmiddlewaretoken", csrf), ("token", token)],
        HERE,
    )
    .await
}

/// Uploads `csv` to the resource at `path`, checks the preview's counts, confirms it and
/// checks the redirect; returns the preview page.
async fn import(app: &TestApp, path: &str, csrf: &str, csv: &str, counts: (usize, usize)) -> Reply {
    let page = upload(
        app,
        &format!("{path}import/"),
        Some(csrf),
        "data.csv",
        csv.as_bytes(),
    )
    .await;
    assert_eq!(page.status, Status::Ok, "{}", page.body);
    let expected = format!(
        "{} to create, {} to update, 0 rejected.",
        counts.0, counts.1
    );
    assert!(page.body.contains(&expected), "{expected}: {}", page.body);
    let token = token_of(&page.body).expect("a confirmation form");
    let reply = confirm(app, path, csrf, &token).await;
    assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
    assert_eq!(reply.header("location"), Some(path));
    page
}

async fn bytes(app: &TestApp, uri: &str) -> (Status, Option<ContentType>, Vec<u8>) {
    let res = app.client.get(uri.to_string()).dispatch().await;
    let (status, ct) = (res.status(), res.content_type());
    (status, ct, res.into_bytes().await.unwrap_or_default())
}

fn xlsx_rows(data: Vec<u8>) -> Vec<Vec<String>> {
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(data)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

async fn drug_id(app: &TestApp, name: &str) -> i64 {
    app.scalar(&format!(
        "SELECT drug_id FROM genphen_drug WHERE drug_name = '{name}'"
    ))
    .await
}

const GRADES: &str = "/admin/genphen/variantgrade/";

async fn variants(app: &TestApp) {
    app.db
        .execute(
            "INSERT INTO genphen_variant (chromosome, position, reference_nucleotide, alternative_nucleotide) \
             VALUES ('NC_000962.3', 761155, 'C', 'T'), ('NC_000962.3', 7582, 'A', 'G')",
            vec![],
        )
        .await
        .unwrap();
}

both_backends! {
    async fn lists_export_their_filtered_rows_as_csv_and_xlsx(app) {
        staff(&app, "ada", false).await;
        let rif = drug_id(&app, "Rifampicin").await;
        let ecoffs: Vec<(String, f64)> = app.db
            .query(&format!("SELECT medium_name, value FROM genphen_epidemcutoffvalue WHERE drug_id = {rif} ORDER BY id"), vec![])
            .await.unwrap().iter().map(|r| (r.get(0).unwrap(), r.get(1).unwrap())).collect();
        assert!(!ecoffs.is_empty());
        // An import resource: the original's headers, the drug by name.
        let reply = app.get(&format!("/admin/genphen/epidemcutoffvalue/export/csv/?drug={rif}")).await;
        assert_eq!(reply.status, Status::Ok);
        assert!(reply.header("content-disposition").unwrap().starts_with("attachment; filename=\"epidemcutoffvalue-"));
        let mut expected = String::from("Drug,Medium,Value\n");
        for (medium, value) in &ecoffs {
            expected.push_str(&format!("Rifampicin,{medium},{value}\n"));
        }
        assert_eq!(reply.body, expected);
        // The list page links to the exports with its filters.
        let page = app.get(&format!("/admin/genphen/epidemcutoffvalue/?drug={rif}&p=1")).await;
        assert!(page.body.contains(&format!("href=\"/admin/genphen/epidemcutoffvalue/export/xlsx/?drug={rif}\"")), "{}", page.body);
        let (status, ct, data) = bytes(&app, &format!("/admin/genphen/epidemcutoffvalue/export/xlsx/?drug={rif}")).await;
        assert_eq!(status, Status::Ok);
        assert_eq!(ct.unwrap().sub().as_str(), "vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        let rows = xlsx_rows(data);
        assert_eq!(rows[0], ["Drug", "Medium", "Value"]);
        assert_eq!(rows.len(), ecoffs.len() + 1);
        for (row, (medium, value)) in rows[1..].iter().zip(&ecoffs) {
            assert_eq!(row, &[ "Rifampicin".to_string(), medium.clone(), value.to_string()]);
        }
        // Other resources: the list columns, foreign keys as titles; searched and sorted.
        let reply = app.get(&format!("/admin/genphen/drugsynonym/export/csv/?drug={rif}&o=-drug_name_synonym")).await;
        let synonyms: Vec<String> = app.db
            .query(&format!("SELECT drug_name_synonym FROM genphen_drugsynonym WHERE drug_id = {rif} ORDER BY drug_name_synonym DESC"), vec![])
            .await.unwrap().iter().map(|r| r.get(0).unwrap()).collect();
        let lines: Vec<&str> = reply.body.lines().collect();
        assert_eq!(lines[0], "Synonym,Drug,Code");
        assert_eq!(lines.len(), synonyms.len() + 1);
        assert!(lines[1].starts_with(&format!("{},{rif} - Rifampicin,", synonyms[0])), "{}", reply.body);
        // Every page, not just the first hundred.
        let reply = app.get("/admin/genphen/country/export/csv/").await;
        assert_eq!(reply.body.lines().count(), 250);
        let reply = app.get("/admin/genphen/country/export/csv/?q=france").await;
        assert_eq!(reply.body.lines().count(), 2, "{}", reply.body);
        assert_eq!(app.get("/admin/genphen/country/export/pdf/").await.status, Status::NotFound);
    }

    async fn variant_grades_import_linked_to_variants_and_update_on_reimport(app) {
        let csrf = staff(&app, "ada", false).await;
        variants(&app).await;
        let csv = "Drug name,Position,Reference Nucleotide,Alternative Nucleotide,Grade,Grade version\n\
                   Rifampicin,761155,C,T,1,2\nIsoniazid,7582,A,G,3,2\n";
        let page = upload(&app, &format!("{GRADES}import/"), Some(&csrf), "grades.csv", csv.as_bytes()).await;
        assert!(page.body.contains("2 to create, 0 to update, 0 rejected."), "{}", page.body);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM genphen_variantgrade").await, 0, "a preview writes nothing");
        let token = token_of(&page.body).unwrap();
        let reply = confirm(&app, GRADES, &csrf, &token).await;
        assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM genphen_variantgrade").await, 2);
        let linked = app.scalar("SELECT COUNT(*) FROM genphen_variantgrade g JOIN genphen_variant v ON v.variant_id = g.variant_id \
                                 AND v.position = g.position AND v.alternative_nucleotide = g.alternative_nucleotide").await;
        assert_eq!(linked, 2);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM admin_auditlog WHERE action = 'import' AND model = 'genphen.variantgrade'").await, 1);
        assert!(app.get(GRADES).await.body.contains("Imported grades.csv: 2 created, 0 updated."));
        // A token is used once.
        assert_eq!(confirm(&app, GRADES, &csrf, &token).await.status, Status::BadRequest);
        // The same file again, with a new grade: updates, no duplicates.
        let csv = csv.replace("Rifampicin,761155,C,T,1,2", "Rifampicin,761155,C,T,2,2");
        import(&app, GRADES, &csrf, &csv, (0, 2)).await;
        assert_eq!(app.scalar("SELECT COUNT(*) FROM genphen_variantgrade").await, 2);
        assert_eq!(app.scalar("SELECT grade FROM genphen_variantgrade WHERE position = 761155").await, 2);
        // A grade whose variant does not exist is rejected with its row number.
        let bad = format!("{csv}Rifampicin,999,G,A,1,2\n");
        let page = upload(&app, &format!("{GRADES}import/"), Some(&csrf), "bad.csv", bad.as_bytes()).await;
        assert!(page.body.contains("0 to create, 2 to update, 1 rejected."), "{}", page.body);
        assert!(page.body.contains("<td>4</td><td>No variant at position 999 with reference “G” and alternative “A”"), "{}", page.body);
        assert!(token_of(&page.body).is_none(), "a rejected file cannot be confirmed");
    }

    async fn a_rejected_file_or_a_stale_preview_changes_nothing(app) {
        let csrf = staff(&app, "ada", false).await;
        variants(&app).await;
        let csv = "Drug name,Position,Reference Nucleotide,Alternative Nucleotide,Grade,Grade version\n\
                   Rifampicin,761155,C,T,1,2\nNoSuchDrug,7582,A,G,3,2\n";
        let page = upload(&app, &format!("{GRADES}import/"), Some(&csrf), "grades.csv", csv.as_bytes()).await;
        assert!(page.body.contains("1 to create, 0 to update, 1 rejected."), "{}", page.body);
        assert!(page.body.contains("<td>3</td><td>Drug name “NoSuchDrug” does not exist.</td>"), "{}", page.body);
        for token in ["", "0123456789abcdef0123456789abcdef", "../../secret_key"] {
            assert_eq!(confirm(&app, GRADES, &csrf, token).await.status, Status::BadRequest);
        }
        // A good preview whose variant is deleted before confirming: nothing is written.
        let good = "Drug name,Position,Reference Nucleotide,Alternative Nucleotide,Grade,Grade version\n\
                    Rifampicin,761155,C,T,1,2\nIsoniazid,7582,A,G,3,2\n";
        let page = upload(&app, &format!("{GRADES}import/"), Some(&csrf), "grades.csv", good.as_bytes()).await;
        let token = token_of(&page.body).unwrap();
        app.db.execute("DELETE FROM genphen_variant WHERE position = 7582", vec![]).await.unwrap();
        let reply = confirm(&app, GRADES, &csrf, &token).await;
        assert_eq!(reply.status, Status::Conflict);
        assert!(reply.body.contains("Nothing was imported") && reply.body.contains("No variant at position 7582"), "{}", reply.body);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM genphen_variantgrade").await, 0);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM admin_auditlog WHERE action = 'import'").await, 0);
    }

    async fn gene_drug_associations_import_from_xlsx(app) {
        let csrf = staff(&app, "ada", false).await;
        let path = "/admin/genphen/genedrugresistanceassociation/";
        let before = app.scalar("SELECT COUNT(*) FROM genphen_genedrugresistanceassociation").await;
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (row, cells) in [["Locus tag", "Drug name", "Tier"], ["Rv0667", "Rifampicin", "1"], ["Rv1908c", "Isoniazid", "2"]].iter().enumerate() {
            for (col, cell) in cells.iter().enumerate() {
                match cell.parse::<f64>() {
                    Ok(n) => sheet.write_number(row as u32, col as u16, n).unwrap(),
                    Err(_) => sheet.write_string(row as u32, col as u16, *cell).unwrap(),
                };
            }
        }
        let data = book.save_to_buffer().unwrap();
        for counts in ["2 to create, 0 to update", "0 to create, 2 to update"] {
            let page = upload(&app, &format!("{path}import/"), Some(&csrf), "gda.xlsx", &data).await;
            assert!(page.body.contains(counts), "{counts}: {}", page.body);
            let reply = confirm(&app, path, &csrf, &token_of(&page.body).unwrap()).await;
            assert_eq!(reply.status, Status::SeeOther);
            assert_eq!(app.scalar("SELECT COUNT(*) FROM genphen_genedrugresistanceassociation").await, before + 2);
        }
        let tier = app.scalar("SELECT a.tier FROM genphen_genedrugresistanceassociation a \
                               JOIN overview_gene g ON g.gene_db_crossref_id = a.gene_db_crossref_id WHERE g.locus_tag = 'Rv1908c'").await;
        assert_eq!(tier, 2);
        // The export writes locus tags and drug names back.
        let reply = app.get(&format!("{path}export/csv/?o=tier")).await;
        assert!(reply.body.starts_with("Locus tag,Drug name,Tier\n") && reply.body.contains("Rv1908c,Isoniazid,2\n"), "{}", reply.body);
    }

    async fn ecoffs_round_trip_through_an_export(app) {
        let csrf = staff(&app, "ada", false).await;
        let path = "/admin/genphen/epidemcutoffvalue/";
        let total = app.scalar("SELECT COUNT(*) FROM genphen_epidemcutoffvalue").await;
        let rif = drug_id(&app, "Rifampicin").await;
        let mine = app.scalar(&format!("SELECT COUNT(*) FROM genphen_epidemcutoffvalue WHERE drug_id = {rif}")).await as usize;
        let exported = app.get(&format!("{path}export/csv/?drug={rif}")).await.body;
        import(&app, path, &csrf, &exported, (0, mine)).await;
        assert_eq!(app.scalar("SELECT COUNT(*) FROM genphen_epidemcutoffvalue").await, total);
        let more = format!("{exported}Rifampicin,Test medium,0.25\n");
        import(&app, path, &csrf, &more, (1, mine)).await;
        assert_eq!(app.scalar("SELECT COUNT(*) FROM genphen_epidemcutoffvalue").await, total + 1);
        import(&app, path, &csrf, &more, (0, mine + 1)).await;
        assert_eq!(app.scalar("SELECT COUNT(*) FROM genphen_epidemcutoffvalue WHERE medium_name = 'Test medium' AND value = 0.25").await, 1);
        // Wrong headers, binary junk and bad encodings are refused as a whole.
        for (file, message) in [
            (&b"Drug,Medium\nRifampicin,MGIT\n"[..], "lacks the column “Value”"),
            (&b"\x00\x01\x02binary"[..], "neither a CSV file nor an Excel"),
            (&b"Drug,Medium,Value\nRifamp\xe9cine,MGIT,1\n"[..], "UTF-8"),
            (&b"PK\x03\x04not a zip"[..], "neither a CSV file nor an Excel"),
        ] {
            let page = upload(&app, &format!("{path}import/"), Some(&csrf), "x.csv", file).await;
            assert_eq!(page.status, Status::BadRequest, "{}", page.body);
            assert!(page.body.contains(message), "{message}: {}", page.body);
        }
        assert_eq!(app.scalar("SELECT COUNT(*) FROM genphen_epidemcutoffvalue").await, total + 1);
    }

    async fn samples_and_aliases_import_into_an_admin_package(app) {
        let csrf = staff(&app, "ada", false).await;
        let ada = app.scalar("SELECT id FROM auth_user WHERE username = 'ada'").await;
        let samples = "/admin/submission/sample/";
        let csv = "BioSampleId,ReleaseDate,Country,TaxID\n1001,2020-01-31,FRA,1773\n1002,,,1773\n";
        import(&app, samples, &csrf, csv, (2, 0)).await;
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_sample WHERE origin = 'Admin'").await, 2);
        let package = app.scalar("SELECT id FROM submission_package WHERE name = 'Django package created from file uploaded via the admin panel'").await;
        assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM submission_package WHERE id = {package} AND origin = 'Admin' AND owner_id = {ada}")).await, 1);
        assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM submission_sample WHERE package_id = {package}")).await, 2);
        let country: String = app.db.query_one("SELECT country_id FROM submission_sample WHERE biosample_id = 1001", vec![]).await.unwrap().get(0).unwrap();
        assert_eq!(country, "FRA");
        import(&app, samples, &csrf, csv, (0, 2)).await;
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_sample").await, 2);
        let bad = format!("{csv}1003,2020-02-30,XXX,9999\n");
        let page = upload(&app, &format!("{samples}import/"), Some(&csrf), "s.csv", bad.as_bytes()).await;
        assert!(page.body.contains("0 to create, 2 to update, 1 rejected.") && page.body.contains("<td>4</td><td>ReleaseDate: Enter a valid date"), "{}", page.body);
        // Aliases name their sample by BioSample id, and go into their own package.
        let aliases = "/admin/submission/samplealias/";
        let csv = "Name,BioSampleId,Origin,Label\nalias-1,1001,NCBI,BioSample\nalias-2,1002,NCBI,\n";
        import(&app, aliases, &csrf, csv, (2, 0)).await;
        let package = app.scalar("SELECT id FROM submission_package WHERE name = 'Django package created from file uploaded via the admin panel.'").await;
        assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM submission_samplealias a JOIN submission_sample s ON s.id = a.sample_id \
                                        WHERE a.package_id = {package} AND (s.biosample_id = 1001 AND a.name = 'alias-1' AND a.origin_label = 'BioSample' \
                                        OR s.biosample_id = 1002 AND a.origin_label = '')")).await, 2);
        import(&app, aliases, &csrf, &csv.replace("alias-1", "alias-one"), (0, 2)).await;
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_samplealias").await, 2);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submission_samplealias WHERE name = 'alias-one'").await, 1);
        let page = upload(&app, &format!("{aliases}import/"), Some(&csrf), "a.csv", b"Name,BioSampleId,Origin,Label\nx,4242,NCBI,\n").await;
        assert!(page.body.contains("BioSampleId “4242” does not exist."), "{}", page.body);
    }

    async fn imports_need_the_csrf_token_and_a_staff_user(app) {
        let csrf = staff(&app, "ada", false).await;
        variants(&app).await;
        let csv = b"Drug name,Position,Reference Nucleotide,Alternative Nucleotide,Grade,Grade version\nRifampicin,761155,C,T,1,2\n";
        let reply = upload(&app, &format!("{GRADES}import/"), None, "g.csv", csv).await;
        assert_eq!(reply.status, Status::Forbidden);
        assert!(reply.body.contains("CSRF verification failed"), "{}", reply.body);
        let reply = upload(&app, &format!("{GRADES}import/"), Some("forged"), "g.csv", csv).await;
        assert_eq!(reply.status, Status::Forbidden);
        let page = upload(&app, &format!("{GRADES}import/"), Some(&csrf), "g.csv", csv).await;
        let token = token_of(&page.body).unwrap();
        let uri = format!("{GRADES}import/confirm/");
        assert_eq!(post_form(&app, &uri, &[("token", token.as_str())], HERE).await.status, Status::Forbidden);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM genphen_variantgrade").await, 0);
        // Lists without an import have no import page.
        assert_eq!(app.get("/admin/genphen/drug/import/").await.status, Status::NotFound);
        // A signed-in non-staff user can neither see the form nor upload, nor confirm.
        sign_out(&app).await;
        user(&app, "carl", "correct horse battery", false).await;
        sign_in(&app, "carl", "correct horse battery", "/admin/", HERE).await;
        assert_eq!(app.get(&format!("{GRADES}import/")).await.status, Status::Forbidden);
        assert_eq!(app.get(&format!("{GRADES}export/csv/")).await.status, Status::Forbidden);
        let notice = app.get("/admin/").await;
        let carl_csrf = crate::identity_admin::csrf_of(&notice.body);
        assert_eq!(upload(&app, &format!("{GRADES}import/"), Some(&carl_csrf), "g.csv", csv).await.status, Status::Forbidden);
        assert_eq!(confirm(&app, GRADES, &carl_csrf, &token).await.status, Status::Forbidden);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM genphen_variantgrade").await, 0);
    }
}

both_backends! {
    async fn every_import_refuses_a_bad_row_and_writes_nothing(app) {
        use tbseq::domain::admin::resources::ALL;
        use tbseq::domain::admin::transfer::spec_for;
        let csrf = staff(&app, "imports", false).await;
        let mut imports = 0;
        for r in ALL.iter().filter(|r| spec_for(r.slug).is_some()) {
            imports += 1;
            let path = r.path();
            // The export's header is the import's: a file of it and one bad row (the first
            // cell empty, the others nonsense).
            let export = app.get(&format!("{path}export/csv/")).await;
            assert_eq!(export.status, Status::Ok, "{path}: {}", export.body);
            let header = export.body.lines().next().unwrap().to_string();
            let nonsense = format!(",{}", vec!["??"; header.matches(',').count()].join(","));
            let before = app.scalar(&format!("SELECT COUNT(*) FROM {}", r.table)).await;
            let page = upload(&app, &format!("{path}import/"), Some(&csrf), "bad.csv", format!("{header}\n{nonsense}\n").as_bytes()).await;
            assert_eq!(page.status, Status::Ok, "{path}: {}", page.body);
            assert!(page.body.contains("0 to create, 0 to update, 1 rejected."), "{path}: {}", page.body);
            assert!(token_of(&page.body).is_none(), "{path}: a rejected file can be confirmed");
            assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM {}", r.table)).await, before, "{path}");
        }
        assert_eq!(imports, 11, "the original imports eleven tables");
    }
}
