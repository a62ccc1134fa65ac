//! One stored value as the admin sees it, independent of the database: what a form parses
//! into, what a page shows, and what the audit log records as JSON.

use super::resource::Kind;

#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Text, and dates and timestamps in ISO form.
    Text(String),
}

impl Scalar {
    pub fn is_null(&self) -> bool {
        matches!(self, Scalar::Null)
    }

    /// The value as a form input holds it.
    pub fn to_input(&self) -> String {
        match self {
            Scalar::Null => String::new(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Text(s) => s.clone(),
        }
    }

    /// The value as a page shows it, given its column type: booleans as Yes/No (SQLite
    /// stores them as integers), choices by label, timestamps to the second.
    pub fn display(&self, kind: &Kind) -> String {
        match (self, kind) {
            (Scalar::Null, _) => "-".into(),
            (Scalar::Bool(b), _) => yes_no(*b).into(),
            (Scalar::Int(i), Kind::Bool) => yes_no(*i != 0).into(),
            (Scalar::Text(s), Kind::Choice(choices)) => choices
                .iter()
                .find(|(v, _)| v == s)
                .map_or_else(|| s.clone(), |(_, label)| label.to_string()),
            (Scalar::Text(s), Kind::Timestamp) => {
                let s = s.replacen('T', " ", 1);
                s.get(..19).unwrap_or(&s).to_string()
            }
            (other, _) => other.to_input(),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Scalar::Null => serde_json::Value::Null,
            Scalar::Bool(b) => (*b).into(),
            Scalar::Int(i) => (*i).into(),
            Scalar::Float(f) => (*f).into(),
            Scalar::Text(s) => s.as_str().into(),
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "Yes"
    } else {
        "No"
    }
}

/// Field values (name, value) as one JSON object, for the audit log.
pub fn snapshot(values: &[(&str, Scalar)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = values
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_json()))
        .collect();
    serde_json::Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_display_by_kind() {
        assert_eq!(Scalar::Int(1).display(&Kind::Bool), "Yes");
        assert_eq!(Scalar::Int(1).display(&Kind::Int), "1");
        assert_eq!(Scalar::Null.display(&Kind::Text), "-");
        assert_eq!(
            Scalar::Text("2024-05-01T12:34:56.123456Z".into()).display(&Kind::Timestamp),
            "2024-05-01 12:34:56"
        );
        assert_eq!(
            Scalar::Text("R".into()).display(&Kind::Choice(&[("R", "Resistant")])),
            "Resistant"
        );
        assert_eq!(
            snapshot(&[("a", Scalar::Int(1)), ("b", Scalar::Null)]),
            r#"{"a":1,"b":null}"#
        );
    }
}
