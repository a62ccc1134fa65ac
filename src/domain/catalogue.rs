//! Reference data of the catalogue, in the shape the API serves it.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Drug {
    pub drug_id: i64,
    pub drug_name: String,
    /// The preferred code (`drug_code` in the database).
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Country {
    pub country_id: i64,
    pub two_letters_code: String,
    pub three_letters_code: String,
    pub country_usual_name: String,
    pub country_official_name: Option<String>,
}
