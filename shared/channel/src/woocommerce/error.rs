//! Errors of the WooCommerce client and parsers, and the REST error body
//! `{"code": "...", "message": "...", "data": {"status": N}}` they come from.
//!
//! No variant ever carries a credential or a full URL: messages name the
//! endpoint path at most.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::de;

/// The WordPress/WooCommerce REST error body. Also the `error` object of a
/// failed item inside a batch response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    #[serde(default, deserialize_with = "de::string")]
    pub code: String,
    #[serde(default, deserialize_with = "de::string")]
    pub message: String,
    /// `data.status`, when the body carries one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

impl ApiErrorBody {
    /// Reads an error body; `None` when `body` is not one (no `code`).
    pub fn parse(body: &[u8]) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        Self::from_value(&value)
    }

    /// Reads an error object already parsed as JSON; `None` without a string `code`.
    pub fn from_value(value: &serde_json::Value) -> Option<Self> {
        let obj = value.as_object()?;
        let code = obj.get("code")?.as_str()?.to_owned();
        let message = obj
            .get("message")
            .and_then(|m| m.as_str())
            .unwrap_or_default()
            .to_owned();
        let status = obj
            .get("data")
            .and_then(|d| d.get("status"))
            .and_then(|s| de::u64_from_value(s).ok().flatten())
            .and_then(|s| u16::try_from(s).ok());
        Some(Self {
            code,
            message,
            status,
        })
    }
}

/// Errors of the WooCommerce client and of the payload parsers.
#[derive(Debug, thiserror::Error)]
pub enum WooError {
    /// Any other non-success answer with WooCommerce's error body.
    #[error("woocommerce answered {status} {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// 401/403: unknown key (`woocommerce_rest_cannot_view`), wrong secret
    /// (`woocommerce_rest_authentication_error`), missing permission.
    #[error("woocommerce refused the credentials ({status} {code}): {message}")]
    Unauthorized {
        status: u16,
        code: String,
        message: String,
    },
    /// 413 `woocommerce_rest_request_entity_too_large` (more than 100 batch items).
    #[error("woocommerce refused the request as too large ({code}): {message}")]
    TooLarge { code: String, message: String },
    /// 404: no such route or object.
    #[error("woocommerce: not found ({code}): {message}")]
    NotFound { code: String, message: String },
    /// 429, with the `Retry-After` the server asked for.
    #[error("woocommerce rate limited the request (retry after {retry_after:?})")]
    RateLimited { retry_after: Option<Duration> },
    /// The per-request timeout elapsed.
    #[error("woocommerce request timed out")]
    Timeout,
    /// Connection, TLS or protocol failure (message without the URL).
    #[error("woocommerce transport error: {0}")]
    Transport(String),
    /// The answer was not the JSON we expected.
    #[error("woocommerce answer could not be read: {0}")]
    Decode(String),
    /// An order that reads but must not be processed (no id, negative
    /// total, a key given twice).
    #[error("the order is refused: {0}")]
    Refused(#[from] super::order::OrderRefused),
    /// The caller passed something unusable (bad base URL, ...).
    #[error("invalid input for woocommerce: {0}")]
    InvalidInput(String),
    /// Paging did not end within the configured number of pages.
    #[error("woocommerce paging of {endpoint} did not end within {pages} pages")]
    TooManyPages { endpoint: String, pages: u32 },
}

impl WooError {
    /// Whether repeating the same request later may succeed: timeouts,
    /// transport errors, 429 and 5xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            WooError::RateLimited { .. } | WooError::Timeout | WooError::Transport(_) => true,
            WooError::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// The typed error for a non-success HTTP status and its body.
    pub fn from_response(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Self {
        let parsed = ApiErrorBody::parse(body).unwrap_or_else(|| ApiErrorBody {
            code: format!("http_{status}"),
            message: body_excerpt(body),
            status: Some(status),
        });
        let ApiErrorBody { code, message, .. } = parsed;
        match status {
            401 | 403 => WooError::Unauthorized {
                status,
                code,
                message,
            },
            404 => WooError::NotFound { code, message },
            413 => WooError::TooLarge { code, message },
            429 => WooError::RateLimited { retry_after },
            _ => WooError::Api {
                status,
                code,
                message,
            },
        }
    }

    /// The WooCommerce error code, when the error carries one.
    pub fn code(&self) -> Option<&str> {
        match self {
            WooError::Api { code, .. }
            | WooError::Unauthorized { code, .. }
            | WooError::TooLarge { code, .. }
            | WooError::NotFound { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// The first characters of a non-JSON error body (an HTML error page, ...).
fn body_excerpt(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    match trimmed.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None => trimmed.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_maps_to_typed_errors() {
        let body = br#"{"code":"woocommerce_rest_request_entity_too_large","message":"Unable to accept more than 100 items for this request.","data":{"status":413}}"#;
        let err = WooError::from_response(413, None, body);
        assert!(
            matches!(&err, WooError::TooLarge { code, .. } if code == "woocommerce_rest_request_entity_too_large")
        );
        assert!(!err.is_retryable());
        let err = WooError::from_response(502, None, b"<html>Bad gateway</html>");
        assert!(matches!(&err, WooError::Api { status: 502, code, .. } if code == "http_502"));
        assert!(err.is_retryable());
        let err = WooError::from_response(429, Some(Duration::from_secs(3)), b"");
        assert!(matches!(err, WooError::RateLimited { retry_after: Some(d) } if d.as_secs() == 3));
    }

    #[test]
    fn error_body_status_may_be_a_string() {
        let body = ApiErrorBody::parse(br#"{"code":"x","message":"m","data":{"status":"404"}}"#);
        assert_eq!(body.and_then(|b| b.status), Some(404));
        assert!(ApiErrorBody::parse(br#"{"id":5}"#).is_none());
    }
}
