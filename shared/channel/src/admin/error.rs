//! The admin API's error answers: one JSON shape for all of them,
//! `{"error": code, "message": text, "fields": {field: problem}}`, with
//! 400 for validation (field by field), 401 without credentials, 404 for an
//! unknown channel or order, 409 for a request the current state forbids
//! (and, with `Retry-After`, for a write that kept losing races with other
//! writes to the same record: sending it again is safe),
//! 422 for an unmet activation requirement, 502 when the shop or PayTraq
//! fails. Messages never carry a secret: the errors they are built from
//! never do (see `WooError`, `PaytraqError`, `Secret`).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use schemars::JsonSchema;
use serde::Serialize;

use crate::store::StoreError;
use crate::Error;

/// Seconds a client waits before sending a contended write again.
const CONTENDED_RETRY_AFTER_SECS: &str = "1";

/// Problems with a request body or query, by field path (`settings.daily_sync_hour`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, problem: impl Into<String>) {
        self.0.entry(field.into()).or_insert_with(|| problem.into());
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// `Ok(value)` when no problem was recorded.
    pub fn into_result<T>(self, value: T) -> Result<T, ApiError> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(ApiError::Invalid(self))
        }
    }
    pub fn one(field: &str, problem: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, problem);
        errors
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request is invalid")]
    Invalid(FieldErrors),
    #[error("missing or wrong admin credentials")]
    Unauthorized,
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// Other writes to the same record kept winning the race, through every
    /// retry: nothing was changed, and the request can be sent again.
    #[error("{0} was changed by other requests at the same time, through every retry; nothing was changed: send the request again")]
    Contended(String),
    /// An activation requirement is not met; `code` names which.
    #[error("{message}")]
    Requirement { code: &'static str, message: String },
    #[error("{0}")]
    Upstream(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Invalid(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::Contended(_) => StatusCode::CONFLICT,
            ApiError::Requirement { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Upstream(_) => StatusCode::BAD_GATEWAY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Invalid(_) => "validation_failed",
            ApiError::Unauthorized => "unauthorized",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::Contended(_) => "write_conflict",
            ApiError::Requirement { code, .. } => code,
            ApiError::Upstream(_) => "upstream_failed",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn channel_not_found(id: &str) -> Self {
        ApiError::NotFound(format!("channel {id}"))
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::NotFound(what) => ApiError::NotFound(what),
            Error::Invalid(msg) => ApiError::Invalid(FieldErrors::one("body", msg)),
            Error::WooCommerce(e) => ApiError::Upstream(format!("shop: {e}")),
            Error::Paytraq(e) => ApiError::Upstream(format!("PayTraq: {e}")),
            Error::Config(msg) => ApiError::Conflict(msg),
            Error::Store(StoreError::Conflict(what)) => ApiError::Contended(what),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Error::from(e).into()
    }
}

impl From<crate::secrets::SecretsError> for ApiError {
    fn from(e: crate::secrets::SecretsError) -> Self {
        Error::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(code = self.code(), error = %self, "admin request failed");
        }
        let message = match &self {
            // Internal details stay in the log.
            ApiError::Internal(_) => "internal error".to_string(),
            other => other.to_string(),
        };
        let error = self.code();
        let retry_after = matches!(self, ApiError::Contended(_));
        let fields = match self {
            ApiError::Invalid(fields) => Some(fields.0),
            _ => None,
        };
        let body = ErrorBody {
            error,
            message,
            fields,
        };
        let mut response = (status, Json(body)).into_response();
        if retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(CONTENDED_RETRY_AFTER_SECS),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_that_loses_every_race_is_409_with_retry_after_never_500() {
        let e = ApiError::from(Error::Store(StoreError::Conflict("channel shop-1".into())));
        assert_eq!(e.status(), StatusCode::CONFLICT);
        assert_eq!(e.code(), "write_conflict");
        assert!(e.to_string().contains("send the request again"), "{e}");
        let response = e.into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(response.headers()[axum::http::header::RETRY_AFTER], "1");
    }
}

/// The body of every error answer.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "Error")]
pub struct ErrorBody {
    /// What went wrong, for programs: `validation_failed`, `not_found`, ….
    pub error: &'static str,
    /// What went wrong, in words.
    pub message: String,
    /// Validation failed: each wrong field (`settings.daily_sync_hour`) and its problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}
