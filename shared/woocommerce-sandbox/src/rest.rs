//! REST plumbing shared by the routes: WordPress error bodies (`{code, message, data:{status}}`),
//! PHP-encoded JSON responses, `page`/`per_page` paging with `X-WP-Total`/`X-WP-TotalPages`/`Link`, and
//! `_fields` trimming.

use super::phpjson;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A WordPress REST error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Extra members of `data` besides `status`.
    pub data: Map<String, Value>,
    /// `data` as a bare number: a `WP_Error` made with a plain code instead of
    /// `array('status' => N)` (WordPress then answers HTTP 500 whatever the number).
    pub bare_data: Option<u16>,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: &str) -> Self {
        Self {
            status,
            code: code.to_string(),
            message: message.to_string(),
            data: Map::new(),
            bare_data: None,
        }
    }
    /// A `WP_Error` whose data is a bare number (`"data":404`): HTTP 500, as
    /// WordPress answers it (`woocommerce_rest_invalid_order_refund_id`, ...).
    pub fn bare(code: &str, message: &str, data: u16) -> Self {
        Self {
            bare_data: Some(data),
            ..Self::new(500, code, message)
        }
    }
    pub fn with_data(mut self, key: &str, value: Value) -> Self {
        self.data.insert(key.to_string(), value);
        self
    }
    pub fn body(&self) -> Value {
        if let Some(n) = self.bare_data {
            return serde_json::json!({"code": self.code, "message": self.message, "data": n});
        }
        let mut data = Map::new();
        data.insert("status".into(), Value::from(self.status));
        for (k, v) in &self.data {
            data.insert(k.clone(), v.clone());
        }
        serde_json::json!({"code": self.code, "message": self.message, "data": data})
    }
    pub fn not_found_route() -> Self {
        Self::new(
            404,
            "rest_no_route",
            "No route was found matching the URL and request method.",
        )
    }
    pub fn invalid_id(code: &str) -> Self {
        Self::new(404, code, "Invalid ID.")
    }
    pub fn bad_json() -> Self {
        Self::new(400, "rest_invalid_json", "Invalid JSON body passed.")
    }
}

/// The error body with WordPress' member order (`code`, `message`, `data.status` first).
#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    data: ErrorData<'a>,
}

#[derive(Serialize)]
struct ErrorData<'a> {
    status: u16,
    #[serde(flatten)]
    extra: &'a Map<String, Value>,
}

/// The error body of a `WP_Error` whose data is a bare number.
#[derive(Serialize)]
struct BareErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    data: u16,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(n) = self.bare_data {
            return json_response(
                status,
                &BareErrorBody {
                    code: &self.code,
                    message: &self.message,
                    data: n,
                },
            );
        }
        let body = ErrorBody {
            code: &self.code,
            message: &self.message,
            data: ErrorData {
                status: self.status,
                extra: &self.data,
            },
        };
        let mut resp = json_response(status, &body);
        if self.code == "woocommerce_rest_authentication_error" {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"WooCommerce Sandbox\""),
            );
        }
        resp
    }
}

pub type ApiResult = Result<Response, ApiError>;

/// A JSON response rendered like `wp_json_encode`.
pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    match phpjson::encode(body) {
        Ok(text) => (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
            text,
        )
            .into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "serialisation failed").into_response(),
    }
}

/// `200` with the body trimmed to `_fields` when asked.
pub fn ok_fields<T: Serialize>(q: &HashMap<String, String>, body: &T) -> ApiResult {
    let value = serde_json::to_value(body).map_err(|_| {
        ApiError::new(
            500,
            "internal_server_error",
            "Could not render the response.",
        )
    })?;
    match fields_of(q) {
        Some(f) => Ok(json_response(StatusCode::OK, &trim_fields(&value, &f))),
        None => Ok(json_response(StatusCode::OK, body)),
    }
}

fn fields_of(q: &HashMap<String, String>) -> Option<Vec<String>> {
    q.get("_fields").map(|f| {
        f.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

/// WordPress' `_fields`: keeps the listed top-level fields, `a.b` keeps `b` inside `a`.
pub fn trim_fields(v: &Value, fields: &[String]) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.iter().map(|i| trim_fields(i, fields)).collect()),
        Value::Object(obj) => {
            let mut out = Map::new();
            for f in fields {
                let mut parts = f.splitn(2, '.');
                let head = parts.next().unwrap_or_default();
                let Some(inner) = obj.get(head) else { continue };
                match parts.next() {
                    None => {
                        out.insert(head.to_string(), inner.clone());
                    }
                    Some(rest) => {
                        let trimmed = trim_fields(inner, &[rest.to_string()]);
                        match (out.get_mut(head), trimmed) {
                            (Some(Value::Object(existing)), Value::Object(add)) => {
                                existing.extend(add)
                            }
                            (Some(_), _) => {}
                            (None, t) => {
                                out.insert(head.to_string(), t);
                            }
                        }
                    }
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// Validated paging parameters.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: usize,
    pub per_page: usize,
}

impl Paging {
    /// Reads `page` (>= 1) and `per_page` (1..=100, default 10); out of range is `rest_invalid_param`.
    pub fn from_query(q: &HashMap<String, String>) -> Result<Self, ApiError> {
        let per_page = match q.get("per_page") {
            None => 10,
            Some(s) => match s.parse::<usize>() {
                Ok(n) if (1..=100).contains(&n) => n,
                _ => {
                    return Err(invalid_param(
                        "per_page",
                        "per_page must be between 1 (inclusive) and 100 (inclusive)",
                    ))
                }
            },
        };
        let page = match q.get("page") {
            None => 1,
            Some(s) => match s.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(invalid_param(
                        "page",
                        "page must be greater than or equal to 1",
                    ))
                }
            },
        };
        Ok(Self { page, per_page })
    }
}

/// WordPress' `rest_invalid_param` error.
pub fn invalid_param(name: &str, detail: &str) -> ApiError {
    ApiError::new(400, "rest_invalid_param", &format!("Invalid parameter(s): {name}"))
        .with_data("params", serde_json::json!({ name: detail }))
        .with_data(
            "details",
            serde_json::json!({ name: {"code": "rest_invalid_param", "message": detail, "data": null} }),
        )
}

/// A page of `items` with the collection headers.
pub fn paged(
    base_url: &str,
    path: &str,
    q: &HashMap<String, String>,
    items: Vec<Value>,
) -> ApiResult {
    let paging = Paging::from_query(q)?;
    let total = items.len();
    let pages = total.div_ceil(paging.per_page);
    let start = (paging.page - 1).saturating_mul(paging.per_page);
    let page_items: Vec<Value> = items
        .into_iter()
        .skip(start)
        .take(paging.per_page)
        .collect();
    let body = match fields_of(q) {
        Some(f) => trim_fields(&Value::Array(page_items), &f),
        None => Value::Array(page_items),
    };
    let mut resp = json_response(StatusCode::OK, &body);
    let headers = resp.headers_mut();
    insert(headers, "X-WP-Total", &total.to_string());
    insert(headers, "X-WP-TotalPages", &pages.to_string());
    let link = link_header(base_url, path, q, paging.page, pages);
    if !link.is_empty() {
        insert(headers, "Link", &link);
    }
    Ok(resp)
}

fn insert(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(name, v);
    }
}

fn link_header(
    base: &str,
    path: &str,
    q: &HashMap<String, String>,
    page: usize,
    pages: usize,
) -> String {
    let url_for = |p: usize| {
        let mut pairs: Vec<(String, String)> = q
            .iter()
            .filter(|(k, _)| k.as_str() != "page")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        pairs.sort();
        pairs.push(("page".into(), p.to_string()));
        let qs = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("{base}{path}?{qs}")
    };
    let mut links = Vec::new();
    if page > 1 && pages > 0 {
        links.push(format!(
            "<{}>; rel=\"prev\"",
            url_for((page - 1).min(pages))
        ));
    }
    if page < pages {
        links.push(format!("<{}>; rel=\"next\"", url_for(page + 1)));
    }
    links.join(", ")
}

/// Parses a JSON request body (empty = `{}`).
pub fn parse_body(bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(bytes).map_err(|_| ApiError::bad_json())
}

/// `{"self":[{"href":...}],"collection":[{"href":...}]}` links.
pub fn links(base: &str, self_path: &str, collection_path: &str) -> Value {
    serde_json::json!({
        "self": [{"href": format!("{base}{self_path}")}],
        "collection": [{"href": format!("{base}{collection_path}")}],
    })
}
