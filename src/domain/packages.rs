//! Data submission packages and what hangs under them, as the API and the admin see them,
//! and the rules for what a submitter may write.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::fields::{text, FieldError, Text, TextRule};
use super::submission::{MatchingState, State, Verdict};

/// The counters kept per package (`submission_packagestats`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageStats {
    pub mic_tests: i64,
    pub pds_tests: i64,
    pub pds_drug_concentrations: i64,
    pub messages: i64,
    pub sample_aliases: i64,
    pub samples_matched: i64,
    pub samples_created: i64,
    pub sequencing_data: i64,
    /// Drug codes, in drug order.
    pub mic_drugs: Vec<String>,
    pub pds_drugs: Vec<String>,
}

/// A file attached to a package (the submitted workbooks).
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub id: i64,
    pub created_at: OffsetDateTime,
    pub kind: String,
    /// The stored object's name under `attachments/`.
    pub file: String,
    pub size: Option<i64>,
    pub original_filename: Option<String>,
    pub metadata: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub origin: String,
    pub state: State,
    pub matching_state: MatchingState,
    pub submitted_on: OffsetDateTime,
    pub state_changed_on: OffsetDateTime,
    pub rejection_reason: String,
    pub owner_id: Option<i64>,
    /// `None` for packages written by pipelines without a counters row.
    pub stats: Option<PackageStats>,
    pub attachments: Vec<Attachment>,
}

/// What a submitter may set on a package; `None` = not given (partial update).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageInput {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub origin: Option<String>,
}

pub const NAME_MAX: usize = 1024;
pub const DESCRIPTION_MAX: usize = 8192;
pub const ORIGIN_MAX: usize = 1024;

/// Reads a package body (create and `PUT`: `partial = false`; `PATCH`: true). Unknown keys
/// (the frontend sends `packageId`) are ignored, as in the original.
pub fn package_input(
    body: &Map<String, Value>,
    partial: bool,
) -> Result<PackageInput, Vec<FieldError>> {
    let mut errors = vec![];
    let name = text(
        body,
        "",
        "name",
        TextRule::required(NAME_MAX),
        partial,
        &mut errors,
    );
    let description = text(
        body,
        "",
        "description",
        TextRule {
            required: false,
            allow_blank: true,
            allow_null: true,
            max_chars: DESCRIPTION_MAX,
        },
        partial,
        &mut errors,
    );
    let origin = text(
        body,
        "",
        "origin",
        TextRule {
            required: false,
            allow_blank: true,
            allow_null: false,
            max_chars: ORIGIN_MAX,
        },
        partial,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PackageInput {
        name: match name {
            Text::Value(v) => Some(v),
            _ => None,
        },
        description: match description {
            Text::Value(v) => Some(Some(v)),
            Text::Null => Some(None),
            Text::Absent => None,
        },
        origin: match origin {
            Text::Value(v) => Some(v),
            _ => None,
        },
    })
}

/// A person as messages show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: i64,
    pub sender: Sender,
    pub timestamp: OffsetDateTime,
    pub content: Option<String>,
}

pub const MESSAGE_MAX: usize = 2000;

/// A message body: `content` is required (the original answered a missing one with 500),
/// may be blank or null, at most 2000 characters.
pub fn message_content(body: &Map<String, Value>) -> Result<Option<String>, Vec<FieldError>> {
    let mut errors = vec![];
    let content = text(
        body,
        "",
        "content",
        TextRule {
            required: true,
            allow_blank: true,
            allow_null: true,
            max_chars: MESSAGE_MAX,
        },
        false,
        &mut errors,
    );
    match content {
        _ if !errors.is_empty() => Err(errors),
        Text::Value(v) => Ok(Some(v)),
        _ => Ok(None),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contributor {
    pub id: i64,
    pub package_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
}

/// The three fields of a contributor; `None` = not given (partial update).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContributorInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: Option<String>,
}

pub const CONTRIBUTOR_FIELD_MAX: usize = 1024;

/// One contributor object; errors are reported under `prefix` (`contributors.0.`).
pub fn contributor_input(
    body: &Map<String, Value>,
    prefix: &str,
    partial: bool,
    errors: &mut Vec<FieldError>,
) -> ContributorInput {
    let mut field = |key: &str| match text(
        body,
        prefix,
        key,
        TextRule::required(CONTRIBUTOR_FIELD_MAX),
        partial,
        errors,
    ) {
        Text::Value(v) => Some(v),
        _ => None,
    };
    ContributorInput {
        first_name: field("first_name"),
        last_name: field("last_name"),
        role: field("role"),
    }
}

/// `{"contributors": [{…}, …]}` of a bulk create.
pub fn contributors_input(
    body: &Map<String, Value>,
) -> Result<Vec<ContributorInput>, Vec<FieldError>> {
    let items = match body.get("contributors") {
        None => {
            return Err(vec![FieldError::new(
                "contributors",
                "required",
                super::fields::REQUIRED,
            )])
        }
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(vec![FieldError::new(
                "contributors",
                "not_a_list",
                "Expected a list of items but got type \"dict\".",
            )])
        }
    };
    let mut errors = vec![];
    let mut out = vec![];
    for (i, item) in items.iter().enumerate() {
        let prefix = format!("contributors.{i}.");
        match item {
            Value::Object(map) => {
                let map = super::casing::snake_keys(map);
                out.push(contributor_input(&map, &prefix, false, &mut errors));
            }
            _ => errors.push(FieldError::new(
                format!("contributors.{i}.non_field_errors"),
                "invalid",
                "Invalid data. Expected a dictionary, but got str.",
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A sample name as a package knows it, with what matching found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub id: i64,
    pub name: String,
    pub fastq_prefix: Option<String>,
    pub verdicts: Vec<Verdict>,
    pub mic_tests: i64,
    pub pds_tests: i64,
    pub match_source: Option<String>,
}

pub const ALIAS_NAME_MAX: usize = 2048;

/// A rename: the new name is upper-cased, as in the original.
pub fn alias_name(
    body: &Map<String, Value>,
    partial: bool,
) -> Result<Option<String>, Vec<FieldError>> {
    let mut errors = vec![];
    let name = text(
        body,
        "",
        "name",
        TextRule::required(ALIAS_NAME_MAX),
        partial,
        &mut errors,
    );
    match name {
        _ if !errors.is_empty() => Err(errors),
        Text::Value(v) => Ok(Some(v.to_uppercase())),
        _ => Ok(None),
    }
}

/// The stored FASTQ a link points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequencingFile {
    pub id: i64,
    pub filename: Option<String>,
    pub file_path: Option<String>,
    pub file_size: Option<i64>,
    pub library_name: String,
    pub data_location: String,
}

/// A package's link to a FASTQ file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequencingLink {
    pub id: i64,
    pub created_at: OffsetDateTime,
    /// The name the submitter uploaded it under (matching reads prefixes from it).
    pub filename: String,
    pub verdicts: Vec<Verdict>,
    pub file: SequencingFile,
    /// `VALID`, or `PENDING`/`VALIDATING`/`INVALID` while or after a background check.
    pub validation_state: String,
    pub validation_error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn package_bodies() {
        let input = package_input(
            &map(json!({"name": "P", "description": null, "package_id": 3})),
            false,
        )
        .unwrap();
        assert_eq!(input.name.as_deref(), Some("P"));
        assert_eq!(input.description, Some(None));
        assert_eq!(input.origin, None);
        let errors = package_input(&map(json!({})), false).unwrap_err();
        assert_eq!(errors[0].attr, "name");
        assert!(package_input(&map(json!({"description": "d"})), true).is_ok());
    }

    #[test]
    fn contributor_errors_carry_their_index() {
        let errors = contributors_input(&map(json!({"contributors": [
            {"firstName": "Ann", "lastName": "S", "role": "r"},
            {"lastName": "S", "role": "r"}
        ]})))
        .unwrap_err();
        assert_eq!(errors[0].attr, "contributors.1.first_name");
        assert_eq!(errors[0].code, "required");
        assert_eq!(
            contributors_input(&map(json!({"contributors": []}))).unwrap(),
            vec![]
        );
    }

    #[test]
    fn alias_names_are_upper_cased_and_messages_need_content() {
        assert_eq!(
            alias_name(&map(json!({"name": "t9"})), false).unwrap(),
            Some("T9".into())
        );
        assert_eq!(
            message_content(&map(json!({}))).unwrap_err()[0].code,
            "required"
        );
        assert_eq!(
            message_content(&map(json!({"content": ""}))).unwrap(),
            Some(String::new())
        );
    }
}
