//! Request bodies as the original's parsers read them: JSON, URL-encoded forms and
//! multipart forms, keys camelCase or snake_case, all turned into one snake_case object.

use std::collections::HashMap;

use rocket::data::{self, Data, FromData, ToByteUnit};
use rocket::form::Form;
use rocket::http::Status;
use rocket::request::Request;
use serde_json::{Map, Value};

use super::error::ApiError;
use crate::domain::casing::snake_keys;
use crate::domain::fields::FieldError;

/// A body object with snake_case keys.
pub struct Body(pub Map<String, Value>);

/// JSON bodies of the submission API are small; workbooks come as multipart files through
/// their own guard.
const JSON_LIMIT: u64 = 1 << 20;

/// Whether a multipart form failed because a part (the file) was over its size limit.
pub fn over_limit(errors: &rocket::form::Errors<'_>) -> bool {
    errors
        .iter()
        .any(|e| matches!(e.kind, rocket::form::error::ErrorKind::InvalidLength { .. }))
}

fn parse_error(detail: String) -> ApiError {
    ApiError::new(Status::BadRequest, "parse_error", detail)
}

#[rocket::async_trait]
impl<'r> FromData<'r> for Body {
    type Error = ApiError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let fail = |e: ApiError| data::Outcome::Error((e.status, e));
        let content_type = req.content_type().cloned();
        let is_form = content_type
            .as_ref()
            .is_some_and(|c| c.is_form() || c.is_form_data());
        if is_form {
            return match Form::<HashMap<String, String>>::from_data(req, data).await {
                data::Outcome::Success(form) => {
                    let map = form
                        .into_inner()
                        .into_iter()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect();
                    data::Outcome::Success(Body(snake_keys(&map)))
                }
                _ => fail(parse_error(
                    "Multipart form parse error - Invalid boundary in multipart: None".into(),
                )),
            };
        }
        match &content_type {
            // A missing type is read as JSON, as most clients mean it.
            Some(c) if !c.is_json() => {
                return fail(ApiError::new(
                    Status::UnsupportedMediaType,
                    "unsupported_media_type",
                    format!("Unsupported media type \"{c}\" in request."),
                ))
            }
            _ => {}
        }
        let text = match data.open(JSON_LIMIT.bytes()).into_string().await {
            Ok(s) if s.is_complete() => s.into_inner(),
            Ok(_) => {
                return fail(ApiError::new(
                    Status::PayloadTooLarge,
                    "too_large",
                    "The request body is too large.",
                ))
            }
            Err(e) => return fail(parse_error(format!("JSON parse error - {e}"))),
        };
        if text.trim().is_empty() {
            return data::Outcome::Success(Body(Map::new()));
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => data::Outcome::Success(Body(snake_keys(&map))),
            Ok(_) => fail(ApiError::new(
                Status::BadRequest,
                "invalid",
                "Invalid data. Expected a dictionary.",
            )),
            Err(e) => fail(parse_error(format!("JSON parse error - {e}"))),
        }
    }
}

/// Field errors as one 400 `validation_error` (attrs camelCased by the envelope).
pub fn field_errors(errors: Vec<FieldError>) -> ApiError {
    let mut error = ApiError::invalid(&errors[0].attr, errors[0].code, errors[0].detail.clone());
    for e in &errors[1..] {
        error.errors.push(
            ApiError::invalid(&e.attr, e.code, e.detail.clone())
                .errors
                .remove(0),
        );
    }
    error
}
