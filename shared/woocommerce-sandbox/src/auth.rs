//! REST authentication like `WC_REST_Authentication` over HTTPS: query-string
//! `consumer_key`/`consumer_secret` first, else HTTP Basic. Unknown key = no user (401
//! `woocommerce_rest_cannot_*`), wrong secret = 401 `woocommerce_rest_authentication_error`, and the key's
//! permission must allow the method.

use super::rest::ApiError;
use super::state::{ApiKey, State};
use axum::http::{header, HeaderMap, Method};
use base64::Engine;
use subtle::ConstantTimeEq;

/// Credentials found on a request.
struct Credentials {
    key: String,
    secret: String,
}

fn from_query(query: Option<&str>) -> Option<Credentials> {
    let mut key = None;
    let mut secret = None;
    for (k, v) in url::form_urlencoded::parse(query?.as_bytes()) {
        match k.as_ref() {
            "consumer_key" => key = Some(v.into_owned()),
            "consumer_secret" => secret = Some(v.into_owned()),
            _ => {}
        }
    }
    Some(Credentials {
        key: key?,
        secret: secret?,
    })
}

fn from_basic(headers: &HeaderMap) -> Option<Credentials> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (key, secret) = text.split_once(':')?;
    Some(Credentials {
        key: key.to_string(),
        secret: secret.to_string(),
    })
}

/// The 401 WooCommerce gives a request without a user, by what the route does.
fn no_user_error(method: &Method, path: &str) -> ApiError {
    let single = path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.chars().all(|c| c.is_ascii_digit()) && !last.is_empty());
    let batch = path.ends_with("/batch");
    let (code, message) = match *method {
        Method::GET | Method::HEAD if single => (
            "woocommerce_rest_cannot_view",
            "Sorry, you cannot view this resource.",
        ),
        Method::GET | Method::HEAD => (
            "woocommerce_rest_cannot_view",
            "Sorry, you cannot list resources.",
        ),
        Method::POST if batch => (
            "woocommerce_rest_cannot_batch",
            "Sorry, you are not allowed to batch manipulate this resource.",
        ),
        Method::POST => (
            "woocommerce_rest_cannot_create",
            "Sorry, you are not allowed to create resources.",
        ),
        Method::DELETE => (
            "woocommerce_rest_cannot_delete",
            "Sorry, you are not allowed to delete this resource.",
        ),
        _ => (
            "woocommerce_rest_cannot_edit",
            "Sorry, you are not allowed to edit this resource.",
        ),
    };
    ApiError::new(401, code, message)
}

/// Checks a REST request; returns the key it authenticated with.
pub fn authenticate(
    state: &State,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<ApiKey, ApiError> {
    let creds = from_query(query).or_else(|| from_basic(headers));
    let Some(creds) = creds else {
        return Err(no_user_error(method, path));
    };
    let Some(key) = state
        .keys
        .iter()
        .find(|k| bool::from(k.consumer_key.as_bytes().ct_eq(creds.key.as_bytes())))
    else {
        return Err(no_user_error(method, path));
    };
    if !bool::from(
        key.consumer_secret
            .as_bytes()
            .ct_eq(creds.secret.as_bytes()),
    ) {
        return Err(ApiError::new(
            401,
            "woocommerce_rest_authentication_error",
            "Consumer secret is invalid.",
        ));
    }
    let allowed = match *method {
        Method::GET | Method::HEAD => key.permissions.can_read(),
        Method::OPTIONS => true,
        _ => key.permissions.can_write(),
    };
    if !allowed {
        let what = if matches!(*method, Method::GET | Method::HEAD) {
            "read"
        } else {
            "write"
        };
        return Err(ApiError::new(
            401,
            "woocommerce_rest_authentication_error",
            &format!("The API key provided does not have {what} permissions."),
        ));
    }
    Ok(key.clone())
}
