//! Query strings: keys arrive in camelCase or snake_case and mean the same thing; the original
//! pairs are kept for pagination links.

use std::convert::Infallible;

use rocket::request::{FromRequest, Outcome, Request};

use super::error::ApiError;
use crate::domain::casing::camel_to_snake;

pub struct Query {
    /// (snake_case key, value) in request order.
    pairs: Vec<(String, String)>,
    /// The pairs as sent.
    raw: Vec<(String, String)>,
}

impl Query {
    pub fn parse(query: &str) -> Query {
        let raw: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let pairs = raw
            .iter()
            .map(|(k, v)| (camel_to_snake(k), v.clone()))
            .collect();
        Query { pairs, raw }
    }

    /// The last value of a key (as Django's `QueryDict.get`), empty values included.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A non-empty value of a key; an empty value means "no filter" in the original.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn raw(&self) -> &[(String, String)] {
        &self.raw
    }

    /// A boolean filter: `true`/`false`/`1`/`0` in any case; anything else is a 400.
    pub fn boolean(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.value(key) {
            None => Ok(None),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(ApiError::invalid(
                    key,
                    "invalid",
                    format!("“{v}” is not a valid boolean: use true, false, 1 or 0."),
                )),
            },
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Query {
    type Error = Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(Query::parse(
            req.uri().query().map(|q| q.as_str()).unwrap_or(""),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_and_snake_keys_are_one() {
        let q = Query::parse("isAssociated=1&page_size=3&countryId=FRA&countryId=KAZ&empty=");
        assert_eq!(q.boolean("is_associated").unwrap(), Some(true));
        assert_eq!(q.get("page_size"), Some("3"));
        assert_eq!(q.all("country_id").collect::<Vec<_>>(), vec!["FRA", "KAZ"]);
        assert_eq!(q.value("empty"), None);
        assert_eq!(q.raw()[0].0, "isAssociated");
    }

    #[test]
    fn booleans_are_strict() {
        let q = Query::parse("is_associated=maybe");
        let err = q.boolean("is_associated").unwrap_err();
        assert_eq!(err.status.code, 400);
        assert_eq!(err.errors[0].attr.as_deref(), Some("isAssociated"));
        assert_eq!(Query::parse("a=FALSE").boolean("a").unwrap(), Some(false));
    }
}
