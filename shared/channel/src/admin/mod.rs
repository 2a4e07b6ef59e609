//! The admin API and the activation routes (one router for the `admin`
//! Lambda and for `local`).
//!
//! | module         | what it is for                                                |
//! |----------------|---------------------------------------------------------------|
//! | [`activation`] | create, key-flow callback, manual keys, checks, deactivation  |
//! | `routes`       | the HTTP handlers of settings, mappings, inbox, sync, health  |
//! | [`mappings`]   | tax/payment mapping bodies and the unmapped check             |
//! | [`validate`]   | field-level request validation, body limit                    |
//! | [`openapi`]    | the OpenAPI document: routes plus schemas derived from types  |
//! | [`token`]      | single-use, expiring activation tokens                        |
//! | [`auth`]       | IAM (trust the gateway) or bearer token (`local`)             |
//! | [`error`]      | the JSON error answers                                        |
//!
//! Public routes: `POST /activation/{id}/callback`, `GET /activation/{id}/return`
//! (their answers carry a strict `Content-Security-Policy`, `nosniff` and
//! `Referrer-Policy: no-referrer`). A body over the limit is 413 with the JSON
//! error shape on every route ([`crate::request_body`]).
//! The operator console ([`crate::console`]) is mounted here too, under
//! `/console/`, with its own sign-in (the admin auth layer does not apply).
//! Everything under `/admin/` needs [`AdminAuth`]. The routes are described
//! in `openapi.json` next to this file, the bodies by their types; [`openapi`]
//! puts the two together (served at `GET /admin/openapi.json`).

pub mod activation;
pub mod auth;
pub mod error;
pub mod mappings;
pub mod openapi;
pub(crate) mod routes;
pub mod token;
pub mod validate;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

pub use auth::AdminAuth;
pub use error::{ApiError, FieldErrors};

use crate::App;

/// How the admin router behaves in one deployment.
#[derive(Clone, Debug)]
pub struct AdminConfig {
    pub auth: AdminAuth,
    /// How long an activation link stays valid.
    pub token_ttl: chrono::Duration,
    /// The application name the shop owner sees on the approval page.
    pub app_name: String,
    /// Largest request body (bytes).
    pub max_body_bytes: usize,
}

impl AdminConfig {
    pub fn new(auth: AdminAuth) -> Self {
        Self {
            auth,
            token_ttl: chrono::Duration::hours(1),
            app_name: "PayTraq Connector".into(),
            max_body_bytes: validate::MAX_BODY_BYTES,
        }
    }
}

/// What every handler gets.
#[derive(Clone)]
pub struct Ctx {
    pub app: App,
    pub cfg: Arc<AdminConfig>,
}

/// The admin and activation routes with the default configuration.
pub fn router(app: App, auth: AdminAuth) -> Router {
    router_with(app, AdminConfig::new(auth))
}

/// The admin and activation routes.
pub fn router_with(app: App, cfg: AdminConfig) -> Router {
    let limit = cfg.max_body_bytes;
    let auth = cfg.auth.clone();
    let ctx = Ctx {
        app,
        cfg: Arc::new(cfg),
    };
    let admin = routes::admin_routes()
        .route("/admin/openapi.json", get(serve_openapi))
        .layer(axum::middleware::from_fn_with_state(auth, auth::require));
    let public = Router::new()
        .route(
            "/activation/{channel_id}/callback",
            post(routes::activation_callback),
        )
        .route(
            "/activation/{channel_id}/return",
            get(routes::activation_return),
        )
        .layer(axum::middleware::map_response(routes::page_headers));
    admin
        .merge(public)
        .merge(crate::console::router())
        .fallback(no_route)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            limit,
            crate::request_body::limit,
        ))
        .with_state(ctx)
}

async fn serve_openapi() -> impl IntoResponse {
    match openapi::document() {
        Ok(doc) => Json(doc).into_response(),
        Err(e) => ApiError::Internal(format!("openapi.json: {e}")).into_response(),
    }
}

/// The base URL the shop reaches us at: the configured public URL, else the
/// request's `Host` (with `X-Forwarded-Proto`, default `https`; `http` for
/// loopback hosts).
pub fn public_base(ctx: &Ctx, headers: &HeaderMap) -> Result<String, ApiError> {
    if let Some(base) = &ctx.app.options.public_base_url {
        return Ok(base.trim_end_matches('/').to_string());
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::trim)
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .ok_or_else(|| {
            ApiError::Invalid(FieldErrors::one(
                "host",
                "the request has no usable Host header",
            ))
        })?;
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .map(str::trim);
    let loopback =
        host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]");
    let scheme = match forwarded {
        Some("http") => "http",
        Some("https") => "https",
        _ if loopback => "http",
        _ => "https",
    };
    Ok(format!("{scheme}://{host}"))
}

/// The fallback for routes that do not exist (distinct from "no such
/// channel"). Under `/admin` it answers only a caller the admin routes would
/// let in: anyone else gets 401, as on every admin route, so probing paths
/// tells a stranger nothing about which admin routes exist.
async fn no_route(State(ctx): State<Ctx>, request: Request) -> Response {
    let path = request.uri().path();
    let under_admin = path == "/admin" || path.starts_with("/admin/");
    let authorization = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if under_admin && !ctx.cfg.auth.allows(authorization) {
        return ApiError::Unauthorized.into_response();
    }
    (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({"error": "no_route", "message": "no such route"})),
    )
        .into_response()
}
