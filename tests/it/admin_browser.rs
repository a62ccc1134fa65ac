//! The admin UI in real headless Chromium (`tests/browser/admin.mjs`), on both databases:
//! sign in with a local staff account, search and filter lists, edit a drug (saved, then a
//! validation error inline), the delete confirmation, review a package (Pending, then
//! Rejected with a reason), an import through its preview; no page logs an error or breaks
//! its Content-Security-Policy. Screenshots of every page go to
//! `<target dir>/admin-screenshots/<backend>/`.

use crate::common;
use crate::identity_admin::user;

use common::{browser, Backend, TestApp};
use std::path::PathBuf;

const PASSWORD: &str = "correct horse battery";
const RENAMED: &str = "Streptomycin B";
const REASON: &str = "The plates are unreadable.";
const MEDIUM: &str = "Browser medium";

async fn live(backend: Backend) -> TestApp {
    TestApp::live(backend, |_| {}).await
}

/// A fresh screenshot folder for this backend, beside the build's `tmp` folder.
fn screenshots(backend: Backend) -> PathBuf {
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dir = target
        .parent()
        .unwrap_or(&target)
        .join("admin-screenshots")
        .join(format!("{backend:?}").to_lowercase());
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The PNG files in `dir`.
fn pngs(dir: &PathBuf) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::read(p).unwrap().starts_with(b"\x89PNG\r\n\x1a\n"))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    found.sort();
    found
}

both_backends_with! { live;
    async fn staff_work_through_the_admin_in_chromium(app) {
        if !browser::enabled() {
            return;
        }
        user(&app, "ada", PASSWORD, true).await;
        let owner = app.caller("olga", false).await;
        let package = app.new_package(&owner, "Reviewed in the browser").await;
        app.db.execute("UPDATE submission_package SET state = 'DRAFT', matching_state = 'MATCHED' WHERE id = $1", tbseq::params![package]).await.unwrap();
        let id = app.scalar("SELECT drug_id FROM genphen_drug WHERE drug_name = 'Streptomycin'").await;
        let shots = screenshots(app.backend);
        let fixtures = serde_json::json!({
            "username": "ada",
            "password": PASSWORD,
            "renamedDrug": RENAMED,
            "packageId": package,
            "rejectReason": REASON,
            "importedMedium": MEDIUM,
        });
        let base = app.base_url.clone().unwrap();
        browser::run("admin.mjs", vec![base, shots.display().to_string(), fixtures.to_string()]).await;
        println!("screenshots of the admin pages: {}", shots.display());

        // The browser's work is in the database: the rename saved, the blank code refused,
        // the drug not deleted, and the audit log has the sign-in and the one change.
        let row = app.db.query_one(&format!("SELECT drug_name, drug_code FROM genphen_drug WHERE drug_id = {id}"), vec![]).await.unwrap();
        assert_eq!((row.get::<String>(0).unwrap(), row.get::<String>(1).unwrap()), (RENAMED.to_string(), "STR".to_string()));
        assert_eq!(app.scalar("SELECT COUNT(*) FROM admin_auditlog WHERE action = 'change' AND model = 'genphen.drug'").await, 1);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM admin_auditlog WHERE action = 'delete'").await, 0);
        assert!(app.scalar("SELECT COUNT(*) FROM admin_auditlog WHERE action = 'login'").await >= 1);

        let row = app.db.query_one(&format!("SELECT state, rejection_reason FROM submission_package WHERE id = {package}"), vec![]).await.unwrap();
        assert_eq!((row.get::<String>(0).unwrap(), row.get::<String>(1).unwrap()), ("REJECTED".to_string(), REASON.to_string()));
        assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM genphen_epidemcutoffvalue WHERE medium_name = '{MEDIUM}' AND value = 0.25")).await, 1);

        // Every page visited was saved as a PNG.
        let saved = pngs(&shots);
        for step in ["login-form", "dashboard", "drugs-search", "synonyms-filtered", "drug-saved", "drug-invalid", "drug-delete", "package-rejected", "import-preview", "import-applied"] {
            assert!(saved.iter().any(|f| f.ends_with(&format!("-{step}.png"))), "no screenshot of {step}: {saved:?}");
        }
        assert!(!saved.iter().any(|f| f.contains("failure")), "{saved:?}");
    }
}
