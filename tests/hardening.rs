//! Hardening: one test (or more) per finding of the security and fault probe (issue 17).

#[path = "hardening/inputs.rs"]
mod inputs;
#[path = "hardening/routes.rs"]
mod routes;
#[path = "hardening/serve.rs"]
mod serve;
#[path = "hardening/store.rs"]
mod store;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;

/// Runs one request through a router (as API Gateway or `local` would pass
/// it) and reads the answer: status and JSON body (`Null` when not JSON).
/// Twenty seconds at most: these routes answer without waiting on anyone.
async fn answer(router: axum::Router, request: Request<Body>) -> (StatusCode, Value) {
    let response =
        tokio::time::timeout(std::time::Duration::from_secs(20), router.oneshot(request))
            .await
            .expect("the route answers without waiting on anyone")
            .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}
