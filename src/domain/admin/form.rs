//! Server-side validation of a submitted admin form: every writable field parsed by its
//! kind, with the error shown next to it. Foreign keys are only checked for shape here; the
//! handler asks the database whether the target exists.

use std::collections::HashMap;

use super::resource::{Field, Kind, Resource};
use super::resources::by_slug;
use super::scalar::Scalar;

pub const REQUIRED: &str = "This field is required.";

/// A parsed form: values of the writable fields, and errors by field name.
#[derive(Debug, Default)]
pub struct Parsed {
    pub values: Vec<(&'static str, Scalar)>,
    pub errors: HashMap<String, String>,
}

impl Parsed {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Parses the submitted `form` for `resource` (creating a row, or changing one).
pub fn parse(resource: &Resource, form: &HashMap<String, String>, creating: bool) -> Parsed {
    let mut parsed = Parsed::default();
    for field in resource.writable_fields(creating) {
        let raw = form.get(field.name).map(String::as_str);
        match parse_field(field, raw) {
            Ok(value) => parsed.values.push((field.name, value)),
            Err(message) => {
                parsed.errors.insert(field.name.to_string(), message);
            }
        }
    }
    parsed
}

/// One field's value; `raw` is `None` when the browser sent nothing (an unticked box).
pub fn parse_field(field: &Field, raw: Option<&str>) -> Result<Scalar, String> {
    if field.kind == Kind::Bool {
        return Ok(Scalar::Bool(matches!(raw, Some("on" | "true" | "1"))));
    }
    let text = raw.unwrap_or("");
    let trimmed = text.trim();
    if trimmed.is_empty() {
        if field.required {
            return Err(REQUIRED.into());
        }
        let text_like = matches!(field.kind, Kind::Text | Kind::LongText | Kind::Choice(_));
        return Ok(if text_like && field.empty_text {
            Scalar::Text(String::new())
        } else {
            Scalar::Null
        });
    }
    if let Some(max) = field.max_len {
        let length = trimmed.chars().count();
        if length > max {
            return Err(format!(
                "Ensure this value has at most {max} characters (it has {length})."
            ));
        }
    }
    match field.kind {
        Kind::Text | Kind::LongText => Ok(Scalar::Text(trimmed.to_string())),
        Kind::Int => int(trimmed),
        Kind::Float => trimmed
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Scalar::Float)
            .ok_or_else(|| "Enter a number.".to_string()),
        Kind::Date => time::Date::parse(
            trimmed,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map(|_| Scalar::Text(trimmed.to_string()))
        .map_err(|_| "Enter a valid date (YYYY-MM-DD).".to_string()),
        Kind::Timestamp => {
            time::OffsetDateTime::parse(trimmed, &time::format_description::well_known::Rfc3339)
                .map(|_| Scalar::Text(trimmed.to_string()))
                .map_err(|_| "Enter a valid date and time.".to_string())
        }
        Kind::Choice(choices) => {
            if choices.iter().any(|(v, _)| *v == trimmed) {
                Ok(Scalar::Text(trimmed.to_string()))
            } else {
                Err(format!(
                    "Select a valid choice. {trimmed} is not one of the available choices."
                ))
            }
        }
        // Keys are typed as the target's (integers, or countries' three-letter codes).
        Kind::Ref { to, .. } => match by_slug(to).map(|target| target.pk_kind) {
            Some(Kind::Text) => Ok(Scalar::Text(trimmed.to_string())),
            _ => int(trimmed).map_err(|_| {
                "Select a valid choice. That choice is not one of the available choices.".into()
            }),
        },
        Kind::Json => serde_json::from_str::<serde_json::Value>(trimmed)
            .map(|_| Scalar::Text(trimmed.to_string()))
            .map_err(|_| "Enter a valid JSON.".to_string()),
        Kind::Bool => unreachable!("handled above"),
    }
}

fn int(text: &str) -> Result<Scalar, String> {
    text.parse::<i64>()
        .map(Scalar::Int)
        .map_err(|_| "Enter a whole number.".to_string())
}

/// A key from a URL segment, typed as the resource's key column.
pub fn parse_key(resource: &Resource, raw: &str) -> Option<Scalar> {
    match resource.pk_kind {
        Kind::Int => raw.parse().ok().map(Scalar::Int),
        _ => Some(Scalar::Text(raw.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::admin::resources::find;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn fields_are_parsed_and_errors_kept_by_name() {
        let ecoff = find("genphen", "epidemcutoffvalue").unwrap();
        let parsed = parse(
            ecoff,
            &form(&[("drug_id", "x"), ("medium_name", " 7H9 "), ("value", "abc")]),
            true,
        );
        assert_eq!(parsed.errors["value"], "Enter a number.");
        assert!(parsed.errors["drug_id"].starts_with("Select a valid choice."));
        assert_eq!(
            parsed.values,
            vec![("medium_name", Scalar::Text("7H9".into()))]
        );
        let parsed = parse(ecoff, &form(&[]), true);
        assert_eq!(parsed.errors["medium_name"], REQUIRED);
    }

    #[test]
    fn kinds_parse_as_expected() {
        let f = Field::new("b", "B", Kind::Bool);
        assert_eq!(parse_field(&f, None), Ok(Scalar::Bool(false)));
        assert_eq!(parse_field(&f, Some("on")), Ok(Scalar::Bool(true)));
        let f = Field::text("t", "T");
        assert_eq!(parse_field(&f, Some("  ")), Ok(Scalar::Null));
        assert_eq!(
            parse_field(&f.empty_text(), Some("")),
            Ok(Scalar::Text(String::new()))
        );
        assert!(parse_field(&f.max_len(2), Some("abc")).is_err());
        let f = Field::new("d", "D", Kind::Date);
        assert!(parse_field(&f, Some("2024-02-30")).is_err());
        assert!(parse_field(&f, Some("2024-02-29")).is_ok());
        let f = Field::new("c", "C", Kind::Choice(&[("S", "S")]));
        assert!(parse_field(&f, Some("X")).is_err());
        let f = Field::new("j", "J", Kind::Json);
        assert!(parse_field(&f, Some("{")).is_err());
    }
}
