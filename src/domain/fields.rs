//! Validation of request bodies field by field, with Django REST framework's codes and
//! messages (the frontend shows `errors[0].detail` as it is).

use serde_json::{Map, Value};

/// One field's problem; `attr` is the snake_case path (`contributors.0.first_name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub attr: String,
    pub code: &'static str,
    pub detail: String,
}

impl FieldError {
    pub fn new(attr: impl Into<String>, code: &'static str, detail: impl Into<String>) -> Self {
        FieldError {
            attr: attr.into(),
            code,
            detail: detail.into(),
        }
    }
}

pub const REQUIRED: &str = "This field is required.";

/// How a text field is checked.
#[derive(Debug, Clone, Copy)]
pub struct TextRule {
    pub required: bool,
    pub allow_blank: bool,
    pub allow_null: bool,
    pub max_chars: usize,
}

impl TextRule {
    /// Required, non-blank, not null.
    pub const fn required(max_chars: usize) -> TextRule {
        TextRule {
            required: true,
            allow_blank: false,
            allow_null: false,
            max_chars,
        }
    }
}

/// What a body said about one text field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    Absent,
    Null,
    Value(String),
}

/// Reads `key` of `body` under `rule`; problems are pushed to `errors` under `prefix+key`.
/// In a partial update (`partial`), a missing required field is fine.
pub fn text(
    body: &Map<String, Value>,
    prefix: &str,
    key: &str,
    rule: TextRule,
    partial: bool,
    errors: &mut Vec<FieldError>,
) -> Text {
    let attr = format!("{prefix}{key}");
    match body.get(key) {
        None => {
            if rule.required && !partial {
                errors.push(FieldError::new(attr, "required", REQUIRED));
            }
            Text::Absent
        }
        Some(Value::Null) => {
            if !rule.allow_null {
                errors.push(FieldError::new(attr, "null", "This field may not be null."));
            }
            Text::Null
        }
        Some(value) => {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
                _ => {
                    errors.push(FieldError::new(attr, "invalid", "Not a valid string."));
                    return Text::Absent;
                }
            };
            // DRF trims surrounding whitespace of char fields.
            let text = text.trim().to_string();
            if text.is_empty() && !rule.allow_blank {
                errors.push(FieldError::new(
                    attr,
                    "blank",
                    "This field may not be blank.",
                ));
            } else if text.chars().count() > rule.max_chars {
                errors.push(FieldError::new(
                    attr,
                    "max_length",
                    format!(
                        "Ensure this field has no more than {} characters.",
                        rule.max_chars
                    ),
                ));
            }
            Text::Value(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(body: Value, rule: TextRule, partial: bool) -> (Text, Vec<FieldError>) {
        let mut errors = vec![];
        let map = body.as_object().unwrap().clone();
        (text(&map, "", "name", rule, partial, &mut errors), errors)
    }

    #[test]
    fn text_fields_follow_drf() {
        let rule = TextRule::required(5);
        assert_eq!(
            check(json!({"name": " ab "}), rule, false),
            (Text::Value("ab".into()), vec![])
        );
        assert_eq!(check(json!({}), rule, false).1[0].code, "required");
        assert!(check(json!({}), rule, true).1.is_empty());
        assert_eq!(check(json!({"name": ""}), rule, false).1[0].code, "blank");
        assert_eq!(check(json!({"name": null}), rule, false).1[0].code, "null");
        let long = check(json!({"name": "abcdef"}), rule, false).1;
        assert_eq!(
            long[0].detail,
            "Ensure this field has no more than 5 characters."
        );
        assert_eq!(
            check(json!({"name": [1]}), rule, false).1[0].detail,
            "Not a valid string."
        );
    }
}
