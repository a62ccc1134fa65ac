//! The values that cross the storage layer, and their mapping to each driver.
//!
//! SQL is written once for both databases, so parameters and results use one neutral type.
//! SQLite stores timestamps and dates as ISO-8601 text; PostgreSQL as TIMESTAMPTZ / DATE.

use std::sync::Arc;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::DbError;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Timestamp(OffsetDateTime),
    Date(Date),
}

macro_rules! from_value_impls {
    ($($t:ty => $variant:ident $(as $cast:ty)?),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self { Value::$variant(v $(as $cast)?) }
        }
    )*};
}

from_value_impls!(
    bool => Bool,
    i64 => Int,
    i32 => Int as i64,
    u32 => Int as i64,
    f64 => Float,
    String => Text,
    OffsetDateTime => Timestamp,
    Date => Date,
);

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(Value::Null)
    }
}

/// Builds a `Vec<Value>` of statement parameters.
#[macro_export]
macro_rules! params {
    () => { Vec::<$crate::db::Value>::new() };
    ($($v:expr),+ $(,)?) => { vec![$($crate::db::Value::from($v)),+] };
}

/// Timestamps are stored in SQLite as RFC 3339 UTC text with microseconds, so that text
/// order is time order.
pub fn format_timestamp(ts: OffsetDateTime) -> String {
    let ts = ts.to_offset(UtcOffset::UTC);
    ts.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    ))
    .expect("formatting a UTC timestamp cannot fail")
}

pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    if let Ok(ts) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(ts);
    }
    // SQLite's CURRENT_TIMESTAMP form, `YYYY-MM-DD HH:MM:SS`, in UTC.
    PrimitiveDateTime::parse(
        text,
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
    )
    .ok()
    .map(PrimitiveDateTime::assume_utc)
}

pub fn format_date(date: Date) -> String {
    date.format(format_description!("[year]-[month]-[day]"))
        .expect("formatting a date cannot fail")
}

pub fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]")).ok()
}

/// One result row; columns are looked up by position or by name.
#[derive(Debug, Clone)]
pub struct Row {
    pub(crate) columns: Arc<[String]>,
    pub(crate) values: Vec<Value>,
}

impl Row {
    pub fn get<T: FromValue>(&self, index: usize) -> Result<T, DbError> {
        let value = self
            .values
            .get(index)
            .ok_or_else(|| DbError::Decode(format!("no column {index}")))?;
        T::from_value(value).map_err(|e| {
            let name = self.columns.get(index).map(String::as_str).unwrap_or("?");
            DbError::Decode(format!("column {name}: {e}"))
        })
    }

    pub fn get_named<T: FromValue>(&self, name: &str) -> Result<T, DbError> {
        let index = self
            .columns
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| DbError::Decode(format!("no column named {name}")))?;
        self.get(index)
    }

    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    pub fn values(&self) -> &[Value] {
        &self.values
    }
}

/// Conversion from a neutral value, tolerant of how each driver reports a type (SQLite has
/// no booleans, timestamps or dates of its own).
pub trait FromValue: Sized {
    fn from_value(value: &Value) -> Result<Self, String>;
}

fn mismatch(expected: &str, got: &Value) -> String {
    format!("expected {expected}, found {got:?}")
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Int(i) => Ok(*i),
            Value::Bool(b) => Ok(*b as i64),
            other => Err(mismatch("an integer", other)),
        }
    }
}

impl FromValue for i32 {
    fn from_value(value: &Value) -> Result<Self, String> {
        i64::from_value(value)
            .and_then(|i| i32::try_from(i).map_err(|_| format!("{i} does not fit in 32 bits")))
    }
}

impl FromValue for f64 {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Float(f) => Ok(*f),
            Value::Int(i) => Ok(*i as f64),
            other => Err(mismatch("a number", other)),
        }
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Bool(b) => Ok(*b),
            Value::Int(i) => Ok(*i != 0),
            other => Err(mismatch("a boolean", other)),
        }
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Text(s) => Ok(s.clone()),
            other => Err(mismatch("text", other)),
        }
    }
}

impl FromValue for OffsetDateTime {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Timestamp(ts) => Ok(*ts),
            Value::Text(s) => parse_timestamp(s).ok_or_else(|| mismatch("a timestamp", value)),
            other => Err(mismatch("a timestamp", other)),
        }
    }
}

impl FromValue for Date {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Date(d) => Ok(*d),
            Value::Text(s) => parse_date(s).ok_or_else(|| mismatch("a date", value)),
            other => Err(mismatch("a date", other)),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_round_trip_through_text() {
        let ts = datetime!(2024-05-01 12:34:56.123456 UTC);
        let text = format_timestamp(ts);
        assert_eq!(text, "2024-05-01T12:34:56.123456Z");
        assert_eq!(parse_timestamp(&text), Some(ts));
        assert_eq!(
            parse_timestamp("2024-05-01 12:34:56"),
            Some(datetime!(2024-05-01 12:34:56 UTC))
        );
    }

    #[test]
    fn sqlite_integers_read_as_booleans() {
        assert!(bool::from_value(&Value::Int(1)).unwrap());
        assert!(!bool::from_value(&Value::Int(0)).unwrap());
        assert!(bool::from_value(&Value::Text("x".into())).is_err());
    }
}
