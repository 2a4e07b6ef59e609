//! Latency, error injection and the crash switch, applied in front of the shop's public routes
//! (never in front of `/__sandbox/`).

use super::config::{CrashMode, Faults};
use super::rest::ApiError;
use super::Shared;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use std::sync::Arc;

/// Middleware: sleeps the configured latency, then applies the active faults.
pub async fn apply(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/__sandbox") {
        return next.run(req).await;
    }
    if !shared.cfg.latency.is_zero() {
        tokio::time::sleep(shared.cfg.latency).await;
    }
    let faults = shared.faults();
    if let Some(mode) = faults.crash {
        return crashed(mode);
    }
    if let (Some(route), Some(wait)) = (&faults.timeout_route, faults.timeout) {
        if path.contains(route.as_str()) {
            tokio::time::sleep(wait).await;
        }
    }
    if let Some(route) = &faults.route {
        if path.contains(route.as_str()) {
            let status = faults.route_status.unwrap_or(500);
            return injected(status);
        }
    }
    if faults.error_rate > 0.0 && rand::rng().random_bool(faults.error_rate.clamp(0.0, 1.0)) {
        return injected(500);
    }
    next.run(req).await
}

fn injected(status: u16) -> Response {
    ApiError::new(
        status,
        "internal_server_error",
        "There has been a critical error on this website.",
    )
    .into_response()
}

fn crashed(mode: CrashMode) -> Response {
    match mode {
        CrashMode::Http500 => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [("content-type", "text/html; charset=UTF-8")],
            "<html><body><p>There has been a critical error on this website.</p></body></html>",
        )
            .into_response(),
        CrashMode::ConnectionClose => {
            // A body that fails at once makes hyper abort the connection: the client sees a
            // transport error, not an HTTP answer.
            let stream = futures::stream::once(async {
                Err::<bytes::Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "sandbox crash switch",
                ))
            });
            Response::new(Body::from_stream(stream))
        }
    }
}

/// Faults as JSON for the control API.
pub fn describe(f: &Faults) -> serde_json::Value {
    serde_json::json!({
        "error_rate": f.error_rate,
        "route": f.route,
        "route_status": f.route_status,
        "timeout_route": f.timeout_route,
        "timeout_ms": f.timeout.map(|d| d.as_millis() as u64),
        "crash": f.crash.map(|c| match c { CrashMode::Http500 => "http500", CrashMode::ConnectionClose => "connection_close" }),
    })
}
