//! The error envelope every API error uses, as the original's drf-standardized-errors renders
//! it: `{"type": …, "errors": [{"code", "detail", "attr"}]}`.

use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde::Serialize;

use crate::db::DbError;
use crate::domain::casing::snake_to_camel;
use crate::domain::filters::FilterError;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorItem {
    pub code: String,
    pub detail: String,
    pub attr: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: Status,
    pub errors: Vec<ErrorItem>,
    /// Sent as `WWW-Authenticate` on 401.
    pub authenticate: Option<String>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    errors: &'a [ErrorItem],
}

impl ApiError {
    pub fn new(status: Status, code: &str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            errors: vec![ErrorItem {
                code: code.into(),
                detail: detail.into(),
                attr: None,
            }],
            authenticate: None,
        }
    }

    /// A 400 validation error about one field; `attr` is given in snake_case and served in
    /// camelCase, as the original does.
    pub fn invalid(attr: &str, code: &str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status: Status::BadRequest,
            errors: vec![ErrorItem {
                code: code.into(),
                detail: detail.into(),
                attr: Some(snake_to_camel(attr)),
            }],
            authenticate: None,
        }
    }

    pub fn not_found() -> ApiError {
        ApiError::new(Status::NotFound, "not_found", "Not found.")
    }

    pub fn method_not_allowed(method: &str) -> ApiError {
        ApiError::new(
            Status::MethodNotAllowed,
            "method_not_allowed",
            format!("Method \"{method}\" not allowed."),
        )
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            Status::InternalServerError,
            "error",
            "A server error occurred.",
        )
    }

    fn kind(&self) -> &'static str {
        if self.status == Status::BadRequest && self.errors.iter().any(|e| e.attr.is_some()) {
            "validation_error"
        } else if self.status.code >= 500 {
            "server_error"
        } else {
            "client_error"
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&Envelope {
            kind: self.kind(),
            errors: &self.errors,
        })
        .expect("the envelope always serialises")
    }
}

/// The answer to text holding a NUL character, which no table can store.
pub const NUL_IN_TEXT: &str = "Text may not contain NUL characters.";

impl From<DbError> for ApiError {
    fn from(e: DbError) -> ApiError {
        if let DbError::NulInText = e {
            return ApiError::new(Status::BadRequest, "invalid", NUL_IN_TEXT);
        }
        // The cause goes to the server log, never to the client.
        tracing::error!("database error: {e}");
        ApiError::internal()
    }
}

impl From<FilterError> for ApiError {
    fn from(e: FilterError) -> ApiError {
        ApiError::invalid(&e.attr, e.code, e.detail)
    }
}

impl<'r> Responder<'r, 'static> for ApiError {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let body = self.to_json();
        let mut response = Response::build();
        response
            .status(self.status)
            .header(ContentType::JSON)
            .sized_body(body.len(), std::io::Cursor::new(body));
        if let Some(challenge) = self.authenticate {
            response.header(Header::new("WWW-Authenticate", challenge));
        }
        response.ok()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_camel_case_their_attr() {
        let e = ApiError::invalid("is_associated", "invalid", "bad");
        assert_eq!(
            e.to_json(),
            r#"{"type":"validation_error","errors":[{"code":"invalid","detail":"bad","attr":"isAssociated"}]}"#
        );
        assert_eq!(
            ApiError::not_found().to_json(),
            r#"{"type":"client_error","errors":[{"code":"not_found","detail":"Not found.","attr":null}]}"#
        );
        assert!(ApiError::internal().to_json().contains("server_error"));
    }
}
