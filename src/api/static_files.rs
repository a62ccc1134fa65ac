//! `GET /static_files/submission/resistance_templates_1.zip`: the MIC and PDST templates
//! (§4.1). The original shipped a fixed zip; here it is generated from the drug codes in
//! the database (for the drop-down lists), once per process since drugs are seed data.

use std::sync::OnceLock;

use rocket::http::ContentType;
use rocket::{get, routes, Route, State};

use super::downloads::Attachment;
use super::error::ApiResult;
use crate::app::App;
use crate::db::repo::CatalogueStore;
use crate::domain::workbook::template::templates_zip;

pub fn routes() -> Vec<Route> {
    routes![resistance_templates]
}

static TEMPLATES: OnceLock<Vec<u8>> = OnceLock::new();

#[get("/static_files/submission/resistance_templates_1.zip")]
async fn resistance_templates(
    app: &State<App>,
) -> ApiResult<Attachment<(ContentType, &'static [u8])>> {
    let bytes = match TEMPLATES.get() {
        Some(bytes) => bytes,
        None => {
            let codes: Vec<String> = app
                .db
                .drugs(None)
                .await?
                .into_iter()
                .map(|d| d.code)
                .collect();
            // Two first requests may both build it; either result is the same.
            TEMPLATES.get_or_init(|| templates_zip(&codes))
        }
    };
    Ok(Attachment {
        filename: "resistance_templates_1.zip".into(),
        inner: (ContentType::ZIP, bytes.as_slice()),
    })
}
