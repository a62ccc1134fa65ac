//! The embedded admin UI: access rules, the generic resource pages (list, search, filter,
//! sort, pages, add, change, delete), the audit log, CSRF, security headers and assets.

use crate::common;
use crate::identity_admin::{csrf_of, post_form, sign_in, sign_out, user, HERE};

use common::{Reply, TestApp};
use rocket::http::Status;

const PASSWORD: &str = "correct horse battery";

/// Signs in a new staff member (optionally superuser); returns their session's CSRF token.
pub(crate) async fn staff(app: &TestApp, name: &str, superuser: bool) -> String {
    user(app, name, PASSWORD, true).await;
    if superuser {
        app.db
            .execute(
                "UPDATE auth_user SET is_superuser = $1 WHERE username = $2",
                tbseq::params![true, name],
            )
            .await
            .unwrap();
    }
    let reply = sign_in(app, name, PASSWORD, "/admin/", HERE).await;
    assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
    csrf_of(&app.get("/admin/").await.body)
}

async fn post(app: &TestApp, uri: &str, pairs: &[(&str, &str)]) -> Reply {
    post_form(app, uri, pairs, HERE).await
}

fn rows(body: &str) -> usize {
    body.matches("/change/\"").count()
}

async fn text(app: &TestApp, sql: &str) -> String {
    app.db.query_one(sql, vec![]).await.unwrap().get(0).unwrap()
}

both_backends! {
    async fn anonymous_visitors_are_sent_to_sign_in(app) {
        let reply = app.get("/admin/genphen/drug/?q=rif").await;
        assert_eq!(reply.status, Status::Found);
        assert_eq!(reply.header("location"), Some("/admin/login/?next=/admin/genphen/drug/%3Fq%3Drif"));
        let reply = post(&app, "/admin/genphen/drug/add/", &[("drug_name", "X"), ("drug_code", "X")]).await;
        assert_eq!(reply.status, Status::Found);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM genphen_drug WHERE drug_name = 'X'").await, 0);
        let page = app.get("/admin/login/").await;
        assert!(page.body.contains("TbKb WHO administration (INTERNAL USE ONLY)"), "{}", page.body);
    }

    async fn non_staff_see_a_notice(app) {
        user(&app, "carl", PASSWORD, false).await;
        sign_in(&app, "carl", PASSWORD, "/admin/", HERE).await;
        let page = app.get("/admin/genphen/drug/").await;
        assert_eq!(page.status, Status::Forbidden);
        assert!(page.body.contains("may not use the administration site"), "{}", page.body);
        assert!(page.body.contains("action=\"/admin/logout/\""));
        assert!(!page.body.contains("Isoniazid"));
        let csrf = csrf_of(&page.body);
        let reply = post(&app, "/admin/genphen/drug/add/", &[("csrfmiddlewaretoken", &csrf), ("drug_name", "X"), ("drug_code", "X")]).await;
        assert_eq!(reply.status, Status::Forbidden);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM genphen_drug WHERE drug_name = 'X'").await, 0);
    }

    async fn staff_list_search_filter_sort_and_page(app) {
        staff(&app, "ada", false).await;
        let page = app.get("/admin/genphen/drug/").await;
        assert_eq!(page.status, Status::Ok, "{}", page.body);
        assert!(page.body.contains("30 results"), "{}", page.body);
        // Default ordering by name: Amikacin before Isoniazid.
        assert!(page.body.find(">Amikacin<").unwrap() < page.body.find(">Isoniazid<").unwrap());
        let page = app.get("/admin/genphen/drug/?o=-drug_name").await;
        assert!(page.body.find(">Amikacin<").unwrap() > page.body.find(">Isoniazid<").unwrap());
        assert!(page.body.contains("class=\"sort desc\""));
        let page = app.get("/admin/genphen/drug/?q=RIFAMP").await;
        assert!(page.body.contains("1 result") && page.body.contains(">Rifampicin<"), "{}", page.body);
        assert!(!page.body.contains(">Isoniazid<"));
        // Filter synonyms by drug.
        let rif = app.scalar("SELECT drug_id FROM genphen_drug WHERE drug_name = 'Rifampicin'").await;
        let page = app.get(&format!("/admin/genphen/drugsynonym/?drug={rif}")).await;
        let expected = app.scalar(&format!("SELECT COUNT(*) FROM genphen_drugsynonym WHERE drug_id = {rif}")).await;
        assert!(page.body.contains(&format!("{expected} results")), "{}", page.body);
        assert!(page.body.contains(">RIF<") && !page.body.contains(">INH<"));
        // 249 countries: 100 per page.
        let page = app.get("/admin/genphen/country/").await;
        assert_eq!(rows(&page.body), 100);
        assert!(page.body.contains("href=\"?p=3\""));
        let page = app.get("/admin/genphen/country/?p=3").await;
        assert_eq!(rows(&page.body), 49);
        // Packages: the original's columns, and the origin filter's default (with an owner).
        let page = app.get("/admin/submission/package/").await;
        assert!(page.body.contains("Samples with unstaged pDST/MIC.") && page.body.contains("0 results"), "{}", page.body);
    }

    async fn searches_bind_only_what_the_fields_use(app) {
        // PostgreSQL refuses a parameter a statement never uses: a number searched where only
        // text is searched, text where only numbers are.
        staff(&app, "ada", false).await;
        app.db.execute("INSERT INTO genphen_variant (chromosome, position, reference_nucleotide, alternative_nucleotide) VALUES ('NC_000962.3', 761155, 'C', 'T')", vec![]).await.unwrap();
        for (uri, count) in [
            ("/admin/genphen/variant/?q=761155", "1 result "),
            ("/admin/genphen/variant/?q=rpoB", "0 results "),
            ("/admin/genphen/drug/?q=761155", "0 results "),
        ] {
            let page = app.get(uri).await;
            assert_eq!(page.status, Status::Ok, "{uri}: {}", page.body);
            assert!(page.body.contains(&format!("class=\"count\">{count}")), "{uri}: {}", page.body);
        }
    }

    async fn create_shows_errors_inline_then_saves_and_audits(app) {
        staff(&app, "ada", false).await;
        let csrf = csrf_of(&app.get("/admin/genphen/epidemcutoffvalue/add/").await.body);
        let before = app.scalar("SELECT COUNT(*) FROM genphen_epidemcutoffvalue").await;
        let rif = app.scalar("SELECT drug_id FROM genphen_drug WHERE drug_name = 'Rifampicin'").await.to_string();
        let uri = "/admin/genphen/epidemcutoffvalue/add/";
        let reply = post(&app, uri, &[("csrfmiddlewaretoken", &csrf), ("drug_id", &rif), ("medium_name", "MGIT"), ("value", "abc")]).await;
        assert_eq!(reply.status, Status::Ok);
        assert!(reply.body.contains("<p class=\"error\" id=\"err_value\">Enter a number.</p>"), "{}", reply.body);
        assert!(reply.body.contains("value=\"MGIT\""), "submitted values are kept");
        let reply = post(&app, uri, &[("csrfmiddlewaretoken", &csrf), ("drug_id", "99999"), ("medium_name", "MGIT"), ("value", "1")]).await;
        assert!(reply.body.contains("id=\"err_drug_id\">Select a valid choice."), "{}", reply.body);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM genphen_epidemcutoffvalue").await, before);
        let reply = post(&app, uri, &[("csrfmiddlewaretoken", &csrf), ("drug_id", &rif), ("medium_name", "MGIT"), ("value", "0.5")]).await;
        assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
        assert_eq!(reply.header("location"), Some("/admin/genphen/epidemcutoffvalue/"));
        assert_eq!(app.scalar("SELECT COUNT(*) FROM genphen_epidemcutoffvalue WHERE medium_name = 'MGIT'").await, 1);
        let page = app.get("/admin/genphen/epidemcutoffvalue/").await;
        assert!(page.body.contains("was added successfully."), "{}", page.body);
        let after = text(&app, "SELECT after_json FROM admin_auditlog WHERE action = 'create'").await;
        let after: serde_json::Value = serde_json::from_str(&after).unwrap();
        assert_eq!(after["medium_name"], "MGIT");
        assert_eq!(after["value"], 0.5);
        assert_eq!(text(&app, "SELECT model FROM admin_auditlog WHERE action = 'create'").await, "genphen.epidemcutoffvalue");
        // A duplicate is refused with a message, not a server error.
        let reply = post(&app, "/admin/genphen/drug/add/", &[("csrfmiddlewaretoken", &csrf), ("drug_name", "Rifampicin"), ("drug_code", "ZZZ")]).await;
        assert_eq!(reply.status, Status::Ok);
        assert!(reply.body.contains("A drug with these values already exists."), "{}", reply.body);
    }

    async fn edit_records_before_and_after(app) {
        let csrf = staff(&app, "ada", false).await;
        let id = app.scalar("SELECT drug_id FROM genphen_drug WHERE drug_name = 'Streptomycin'").await;
        let uri = format!("/admin/genphen/drug/{id}/change/");
        let page = app.get(&uri).await;
        assert!(page.body.contains("value=\"Streptomycin\"") && page.body.contains("Drug synonyms"), "{}", page.body);
        let reply = post(&app, &uri, &[("csrfmiddlewaretoken", &csrf), ("drug_name", "Streptomycin B"), ("drug_code", "STR")]).await;
        assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
        assert_eq!(text(&app, &format!("SELECT drug_name FROM genphen_drug WHERE drug_id = {id}")).await, "Streptomycin B");
        let before = text(&app, "SELECT before_json FROM admin_auditlog WHERE action = 'change'").await;
        let after = text(&app, "SELECT after_json FROM admin_auditlog WHERE action = 'change'").await;
        assert!(before.contains("\"Streptomycin\"") && after.contains("\"Streptomycin B\""), "{before} {after}");
        assert_eq!(text(&app, "SELECT object_repr FROM admin_auditlog WHERE action = 'change'").await, format!("{id} - Streptomycin B"));
        // The audit log lists it, filtered by model and user, and the sign-in too.
        let ada = app.scalar("SELECT id FROM auth_user WHERE username = 'ada'").await;
        let log = app.get(&format!("/admin/admin/auditlog/?model=genphen.drug&user={ada}")).await;
        assert!(log.body.contains("1 result") && log.body.contains("Streptomycin B"), "{}", log.body);
        let log = app.get("/admin/admin/auditlog/?action=login").await;
        assert!(log.body.contains("1 result"), "{}", log.body);
        let log = app.get("/admin/admin/auditlog/?created_at__gte=2000-01-01&created_at__lte=2000-12-31").await;
        assert!(log.body.contains("0 results"), "{}", log.body);
        let short = app.get("/admin/auditlog/?model=genphen.drug").await;
        assert_eq!(short.header("location"), Some("/admin/admin/auditlog/?model=genphen.drug"));
        // The dashboard shows counts and the recent activity.
        let home = app.get("/admin/").await;
        assert!(home.body.contains("Streptomycin B") && home.body.contains(">30<"), "{}", home.body);
    }

    async fn delete_confirms_with_what_goes_with_it(app) {
        let csrf = staff(&app, "ada", false).await;
        let id = app.scalar("SELECT drug_id FROM genphen_drug WHERE drug_name = 'Rifampicin'").await;
        let synonyms = app.scalar(&format!("SELECT COUNT(*) FROM genphen_drugsynonym WHERE drug_id = {id}")).await;
        let uri = format!("/admin/genphen/drug/{id}/delete/");
        let page = app.get(&uri).await;
        assert_eq!(page.status, Status::Ok, "{}", page.body);
        assert!(page.body.contains(&format!("{synonyms} drug synonyms — deleted with it")), "{}", page.body);
        assert!(page.body.contains(">RIF<"));
        let reply = post(&app, &uri, &[("csrfmiddlewaretoken", &csrf)]).await;
        assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
        assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM genphen_drug WHERE drug_id = {id}")).await, 0);
        assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM genphen_drugsynonym WHERE drug_id = {id}")).await, 0);
        let before = text(&app, "SELECT before_json FROM admin_auditlog WHERE action = 'delete'").await;
        assert!(before.contains("\"Rifampicin\""), "{before}");
        // A growth medium in use by a PDS category cannot go.
        app.db.execute("INSERT INTO genphen_growthmedium (medium_id, medium_name) VALUES (900, 'Kept')", vec![]).await.unwrap();
        app.db.execute("INSERT INTO genphen_pdstestcategory (drug_id, medium_id, category) VALUES (1, 900, 'WHO')", vec![]).await.unwrap();
        let page = app.get("/admin/genphen/growthmedium/900/delete/").await;
        assert!(page.body.contains("is not possible") && !page.body.contains("Yes, delete it"), "{}", page.body);
    }

    async fn forms_without_the_session_token_are_refused(app) {
        staff(&app, "ada", false).await;
        let id = app.scalar("SELECT drug_id FROM genphen_drug WHERE drug_name = 'Isoniazid'").await;
        let uri = format!("/admin/genphen/drug/{id}/change/");
        for token in [None, Some("forged")] {
            let mut pairs = vec![("drug_name", "Changed"), ("drug_code", "INH")];
            if let Some(token) = token {
                pairs.push(("csrfmiddlewaretoken", token));
            }
            let reply = post(&app, &uri, &pairs).await;
            assert_eq!(reply.status, Status::Forbidden);
            assert!(reply.body.contains("CSRF verification failed."), "{}", reply.body);
        }
        let reply = post(&app, &format!("/admin/genphen/drug/{id}/delete/"), &[("csrfmiddlewaretoken", "forged")]).await;
        assert_eq!(reply.status, Status::Forbidden);
        assert_eq!(text(&app, &format!("SELECT drug_name FROM genphen_drug WHERE drug_id = {id}")).await, "Isoniazid");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM admin_auditlog WHERE action <> 'login'").await, 0);
    }

    async fn pages_carry_a_strict_policy_and_assets_are_cached(app) {
        staff(&app, "ada", false).await;
        for uri in ["/admin/", "/admin/genphen/drug/", "/admin/login/", "/admin/nowhere/at-all/"] {
            let reply = app.get(uri).await;
            let csp = reply.header("content-security-policy").unwrap_or_default();
            assert_eq!(csp, tbseq::api::admin::CONTENT_SECURITY_POLICY, "{uri}");
            assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
            assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{uri}");
            assert!(!reply.body.contains("<script>") && !reply.body.contains("style=\""), "{uri}");
        }
        let url = tbseq::api::admin::asset_url("admin.css");
        assert!(url.contains("?v="), "{url}");
        let css = app.get(&url).await;
        assert_eq!(css.status, Status::Ok);
        assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
        assert!(css.header("cache-control").unwrap().contains("immutable"));
        assert!(css.body.contains(":root"));
        assert!(app.get("/admin/").await.body.contains(&url));
        assert_eq!(app.get("/admin/static/nothing.css").await.status, Status::NotFound);
    }

    async fn only_superusers_change_users_and_packages_only_their_origin(app) {
        let csrf = staff(&app, "ada", false).await;
        let ada = app.scalar("SELECT id FROM auth_user WHERE username = 'ada'").await;
        let page = app.get(&format!("/admin/identity/user/{ada}/change/")).await;
        assert_eq!(page.status, Status::Ok);
        assert!(!page.body.contains(">Save<"), "read-only for staff");
        let reply = post(&app, &format!("/admin/identity/user/{ada}/change/"), &[("csrfmiddlewaretoken", &csrf), ("username", "ada"), ("is_staff", "on"), ("is_superuser", "on")]).await;
        assert_eq!(reply.status, Status::Forbidden);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM auth_user WHERE is_superuser = TRUE").await, 0);

        sign_out(&app).await;
        let csrf = staff(&app, "root", true).await;
        let reply = post(&app, &format!("/admin/identity/user/{ada}/change/"), &[("csrfmiddlewaretoken", &csrf), ("username", "ada"), ("first_name", "Ada"), ("is_active", "on")]).await;
        assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
        assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM auth_user WHERE id = {ada} AND is_staff = FALSE")).await, 1);

        app.db.execute("INSERT INTO submission_package (name, origin, owner_id) VALUES ('P1', 'TBKB', $1)", tbseq::params![ada]).await.unwrap();
        let id = app.scalar("SELECT id FROM submission_package").await;
        let reply = post(&app, &format!("/admin/submission/package/{id}/change/"), &[("csrfmiddlewaretoken", &csrf), ("name", "Renamed"), ("origin", "Admin")]).await;
        assert_eq!(reply.status, Status::SeeOther, "{}", reply.body);
        assert_eq!(text(&app, "SELECT name || '/' || origin FROM submission_package").await, "P1/Admin");
        assert_eq!(app.get(&format!("/admin/submission/package/{id}/delete/")).await.status, Status::Forbidden);
    }
}

/// A deployment's own sign-in page, from `<data_dir>/templates/admin/`.
async fn branded(backend: common::Backend) -> TestApp {
    TestApp::with_config(backend, |c| {
        let dir = c.data_dir.join("templates/admin");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("login.html"), "<p>Lab {{ site_header }} & co</p>").unwrap();
        c.site_header = "Lab <admin>".into();
    })
    .await
}

both_backends_with! { branded;
    async fn templates_can_be_overridden_and_stay_escaped(app) {
        let page = app.get("/admin/login/").await;
        assert_eq!(page.status, Status::Ok);
        assert!(page.body.contains("<p>Lab Lab &lt;admin&gt; & co</p>"), "{}", page.body);
    }
}

/// The first row's change link of a list page, if it has rows.
fn first_row(body: &str, path: &str) -> Option<String> {
    let marker = format!("href=\"{path}");
    body.match_indices(&marker).find_map(|(at, _)| {
        let start = at + "href=\"".len();
        let href = &body[start..start + body[start..].find('"')?];
        href.ends_with("/change/").then(|| href.to_string())
    })
}

both_backends! {
    async fn every_resource_answers_every_page(app) {
        use tbseq::domain::admin::resource::Kind;
        use tbseq::domain::admin::resources::ALL;
        // A package, so that submission resources have a row too.
        let owner = app.caller("olga", false).await;
        app.new_package(&owner, "every resource").await;
        staff(&app, "root", true).await;
        let mut visited = 0;
        for r in ALL {
            let path = r.path();
            let list = app.get(&path).await;
            assert_eq!(list.status, Status::Ok, "{path}: {}", list.body);
            assert!(list.body.contains(r.plural), "{path} does not name its rows");
            let mut pages = vec![format!("{path}?q=1"), format!("{path}?q=x%27%22"), format!("{path}?p=999")];
            for c in r.columns.iter().filter(|c| c.sortable) {
                pages.push(format!("{path}?o={}", c.key));
                pages.push(format!("{path}?o=-{}", c.key));
            }
            for f in r.filters {
                let value = match f.kind {
                    Kind::Bool => "true",
                    Kind::Date | Kind::Timestamp => "2024-01-01",
                    _ => "1",
                };
                pages.push(format!("{path}?{}={value}", f.param));
                pages.push(format!("{path}?{}=%00nonsense", f.param));
            }
            for page in pages {
                let reply = app.get(&page).await;
                // A bad value may be refused, but never with a server error.
                assert!(reply.status.code < 500, "{page}: {} {}", reply.status, reply.body);
            }
            let csv = app.get(&format!("{path}export/csv/")).await;
            assert_eq!(csv.status, Status::Ok, "{path} CSV: {}", csv.body);
            assert!(!csv.body.lines().next().unwrap_or("").is_empty(), "{path}: a CSV without a header");
            let xlsx = app.client.get(format!("{path}export/xlsx/")).dispatch().await;
            assert_eq!(xlsx.status(), Status::Ok, "{path} XLSX");
            assert!(xlsx.into_bytes().await.unwrap().starts_with(b"PK"), "{path}: not an XLSX");
            if r.creatable && r.access != tbseq::domain::admin::resource::Access::ReadOnly {
                let add = app.get(&format!("{path}add/")).await;
                assert_eq!(add.status, Status::Ok, "{path}add/: {}", add.body);
            }
            if let Some(change) = first_row(&list.body, &path) {
                visited += 1;
                let reply = app.get(&change).await;
                assert_eq!(reply.status, Status::Ok, "{change}: {}", reply.body);
                if r.deletable && r.access != tbseq::domain::admin::resource::Access::ReadOnly {
                    let delete = change.replace("/change/", "/delete/");
                    let reply = app.get(&delete).await;
                    assert_eq!(reply.status, Status::Ok, "{delete}: {}", reply.body);
                }
            }
        }
        assert!(visited >= 10, "only {visited} resources had a row to open");
    }
}

/// The values a browser would submit from an admin form, read from its HTML (inputs,
/// checkboxes, text areas and selects as rendered; the CSRF token included).
fn form_values(html: &str) -> Vec<(String, String)> {
    fn attr(tag: &str, name: &str) -> Option<String> {
        let marker = format!(" {name}=\"");
        let start = tag.find(&marker)? + marker.len();
        let end = start + tag[start..].find('"')?;
        Some(unescape(&tag[start..end]))
    }
    fn unescape(s: &str) -> String {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }
    let Some(start) = html.find("<form method=\"post\" class=\"record\">") else {
        return Vec::new();
    };
    let form = &html[start..start + html[start..].find("</form>").unwrap_or(0)];
    let mut values = Vec::new();
    let mut rest = form;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        if tag.starts_with("<input") {
            if let Some(name) = attr(tag, "name") {
                if attr(tag, "type").as_deref() == Some("checkbox") {
                    if tag.contains(" checked") {
                        values.push((name, "on".into()));
                    }
                } else {
                    values.push((name, attr(tag, "value").unwrap_or_default()));
                }
            }
        } else if tag.starts_with("<textarea") {
            let body = &rest[end + 1..];
            let text = &body[..body.find("</textarea>").unwrap_or(0)];
            values.push((attr(tag, "name").unwrap_or_default(), unescape(text)));
        } else if tag.starts_with("<select") {
            let body = &rest[end + 1..];
            let options = &body[..body.find("</select>").unwrap_or(0)];
            let selected = options
                .split("<option")
                .find(|o| o.contains(" selected"))
                .and_then(|o| attr(o, "value"))
                .unwrap_or_default();
            values.push((attr(tag, "name").unwrap_or_default(), selected));
        }
        rest = &rest[end.min(rest.len())..];
        if rest.len() <= 1 {
            break;
        }
        rest = &rest[1..];
    }
    values
}

both_backends! {
    async fn every_editable_resource_saves_its_own_form(app) {
        use tbseq::domain::admin::resource::Access;
        use tbseq::domain::admin::resources::ALL;
        let owner = app.caller("olga", false).await;
        app.new_package(&owner, "every form").await;
        staff(&app, "root", true).await;
        let mut saved = 0;
        for r in ALL.iter().filter(|r| r.access != Access::ReadOnly) {
            let path = r.path();
            let Some(change) = first_row(&app.get(&path).await.body, &path) else {
                continue;
            };
            let page = app.get(&change).await;
            let values = form_values(&page.body);
            if !values.iter().any(|(k, _)| k != "csrfmiddlewaretoken") {
                continue; // nothing editable on this row
            }
            let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            // Submitting the form as shown saves it: what the page renders, it accepts.
            let reply = post(&app, &change, &pairs).await;
            assert!(reply.status == Status::SeeOther || reply.status == Status::Found, "{change} with {pairs:?}: {} {}", reply.status, reply.body);
            saved += 1;
        }
        assert!(saved >= 8, "only {saved} resources had a row to save");
    }
}
