//! The `/wc-auth/v1/` key flow (§2 of the reference): the authorize page, approval creating a key and
//! POSTing it to `callback_url` (which must answer exactly 200, else the key is deleted and the
//! merchant sees an error without redirect), then a 302 to `return_url` with `success=1&user_id=...`.
//! Denial redirects with `success=0`. The merchant is taken to be logged in as an administrator.
//! A `callback_url` that is not `https://` is refused, and one on a port WordPress does not call fails
//! like a transport error (see [`crate::outbound`]).

use super::outbound;
use super::state::{AuthCallback, KeyPermissions};
use super::Shared;
use axum::body::Bytes;
use axum::extract::{Query, State as AxState};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// Validated authorize parameters.
struct AuthRequest {
    app_name: String,
    scope: KeyPermissions,
    user_id: String,
    return_url: String,
    callback_url: String,
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#039;")
}

fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html><head><title>{}</title></head><body id=\"error-page\"><div class=\"wp-die-message\"><p>Error: {}</p></div></body></html>",
        html_escape(title),
        html_escape(message)
    );
    (status, Html(body)).into_response()
}

fn parse(
    params: &HashMap<String, String>,
    allow_insecure_loopback: bool,
) -> Result<AuthRequest, String> {
    let get = |k: &str| {
        params
            .get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let app_name = get("app_name");
    if app_name.is_empty() {
        return Err("app_name is required.".into());
    }
    let scope = KeyPermissions::parse(&get("scope"))
        .ok_or_else(|| "Invalid scope ".to_string() + &get("scope"))?;
    let user_id = get("user_id");
    if user_id.is_empty() {
        return Err("user_id is required.".into());
    }
    let mut return_url = get("return_url");
    if return_url.is_empty() {
        return Err("return_url is required.".into());
    }
    if !return_url.contains("://") {
        return_url = format!("https://{return_url}");
    }
    if url::Url::parse(&return_url).is_err() {
        return Err("The return_url is not a valid URL.".into());
    }
    let callback_url = get("callback_url");
    if url::Url::parse(&callback_url).is_err() {
        return Err("The callback_url is not a valid URL.".into());
    }
    if !outbound::callback_scheme_allowed(&callback_url, allow_insecure_loopback) {
        return Err(outbound::CALLBACK_NOT_SSL.into());
    }
    Ok(AuthRequest {
        app_name,
        scope,
        user_id,
        return_url,
        callback_url,
    })
}

fn with_params(url: &str, pairs: &[(&str, &str)]) -> String {
    let qs = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{qs}")
}

/// `GET /wc-auth/v1/authorize`: the grant page.
pub async fn authorize(
    AxState(s): AxState<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let req = match parse(&q, s.cfg.allow_insecure_loopback_callbacks) {
        Ok(r) => r,
        Err(msg) => return error_page(StatusCode::BAD_REQUEST, "WordPress › Error", &msg),
    };
    let hidden: String = [
        ("app_name", req.app_name.as_str()),
        ("scope", req.scope.as_str()),
        ("user_id", req.user_id.as_str()),
        ("return_url", req.return_url.as_str()),
        ("callback_url", req.callback_url.as_str()),
    ]
    .iter()
    .map(|(k, v)| {
        format!(
            "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
            html_escape(v)
        )
    })
    .collect();
    let deny = with_params(
        &req.return_url,
        &[("success", "0"), ("user_id", &req.user_id)],
    );
    let page = format!(
        "<!DOCTYPE html><html><head><title>Application authentication request</title></head><body>\
<h1>{app} would like to connect to your store</h1>\
<p>This will give \"{app}\" {scope} access.</p>\
<form method=\"post\" action=\"/wc-auth/v1/access_granted\">{hidden}\
<button type=\"submit\" class=\"button button-primary wc-auth-approve\">Approve</button></form>\
<a href=\"{deny}\" class=\"button wc-auth-deny\">Deny</a></body></html>",
        app = html_escape(&req.app_name),
        scope = req.scope.as_str(),
        deny = html_escape(&deny),
    );
    Html(page).into_response()
}

/// `POST /wc-auth/v1/access_granted` (form body or query): creates the key, POSTs it to the callback
/// and redirects on a 200.
pub async fn access_granted(
    AxState(s): AxState<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let mut params = q;
    for (k, v) in url::form_urlencoded::parse(&body) {
        params.insert(k.into_owned(), v.into_owned());
    }
    let req = match parse(&params, s.cfg.allow_insecure_loopback_callbacks) {
        Ok(r) => r,
        Err(msg) => return error_page(StatusCode::BAD_REQUEST, "WordPress › Error", &msg),
    };
    let key = {
        let mut st = s.lock();
        let description = format!(
            "{} - API ({})",
            req.app_name,
            chrono::Utc::now().format("%Y-%m-%d %H:%M:%S")
        );
        st.create_key(&description, req.scope)
    };
    let payload = json!({
        "key_id": key.key_id,
        "user_id": req.user_id,
        "consumer_key": key.consumer_key,
        "consumer_secret": key.consumer_secret,
        "key_permissions": key.permissions.as_str(),
    });
    let body = payload.to_string();
    let (status, error) = if outbound::safe_request_allowed(
        &req.callback_url,
        s.cfg.allow_insecure_loopback_callbacks,
    ) {
        let result = s
            .http
            .post(&req.callback_url)
            .timeout(std::time::Duration::from_secs(60))
            .header(header::CONTENT_TYPE, "application/json;charset=UTF-8")
            .body(body.clone())
            .send()
            .await;
        match &result {
            Ok(r) => (Some(r.status().as_u16()), None),
            Err(e) => (
                None,
                Some(if e.is_timeout() {
                    "timeout".to_string()
                } else {
                    "connection failed".to_string()
                }),
            ),
        }
    } else {
        // `wp_safe_remote_post()` refuses the port before connecting.
        (None, Some(outbound::NOT_ALLOWED.to_string()))
    };
    let ok = status == Some(200);
    {
        let mut st = s.lock();
        st.auth_callbacks.push(AuthCallback {
            callback_url: req.callback_url.clone(),
            body,
            response_status: status,
            error: error.clone(),
        });
        if !ok {
            st.keys.retain(|k| k.key_id != key.key_id);
        }
    }
    if !ok {
        // WooCommerce shows WordPress' own text for a refused URL, its generic one otherwise.
        let message = match error.as_deref() {
            Some(outbound::NOT_ALLOWED) => outbound::NOT_ALLOWED,
            _ => "An error occurred in the request and at the time were unable to send the consumer data",
        };
        return error_page(StatusCode::UNAUTHORIZED, "Access denied", message);
    }
    let location = with_params(
        &req.return_url,
        &[("success", "1"), ("user_id", &req.user_id)],
    );
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// `GET /wc-auth/v1/access_denied`: what the Deny link does (redirect with `success=0`).
pub async fn access_denied(
    AxState(s): AxState<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match parse(&q, s.cfg.allow_insecure_loopback_callbacks) {
        Ok(req) => {
            let location = with_params(
                &req.return_url,
                &[("success", "0"), ("user_id", &req.user_id)],
            );
            (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
        }
        Err(msg) => error_page(StatusCode::BAD_REQUEST, "WordPress › Error", &msg),
    }
}
