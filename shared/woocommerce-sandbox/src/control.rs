//! Control and inspection API under `/__sandbox/` (a path WordPress never serves; no auth): seed the
//! catalogue, change store settings, create/replay/update orders, mark paid, list deliveries, notes, webhooks and wc-auth
//! callbacks, set/clear faults and the crash switch, reset.

use super::config::{CrashMode, Faults};
use super::rest::{self, ApiError, ApiResult};
use super::{faults, order_build, seed, webhooks, Shared};
use axum::body::Bytes;
use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// The `/__sandbox` routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/__sandbox/reset", post(reset))
        .route("/__sandbox/seed", post(seed_json))
        .route("/__sandbox/seed/demo", post(seed_demo))
        .route("/__sandbox/settings", get(get_settings).put(set_settings))
        .route("/__sandbox/orders", post(create_order).get(list_orders))
        .route("/__sandbox/orders/raw", post(store_raw))
        .route("/__sandbox/orders/{id}", post(update_order))
        .route("/__sandbox/orders/{id}/paid", post(mark_paid))
        .route(
            "/__sandbox/orders/{id}/restore",
            post(super::lifecycle::restore_route),
        )
        .route("/__sandbox/deliveries", get(deliveries))
        .route("/__sandbox/notes/{id}", get(notes))
        .route("/__sandbox/webhooks", get(list_webhooks))
        .route("/__sandbox/auth-callbacks", get(auth_callbacks))
        .route(
            "/__sandbox/faults",
            get(get_faults).put(set_faults).delete(clear_faults),
        )
}

fn ok(v: &impl serde::Serialize) -> ApiResult {
    Ok(rest::json_response(StatusCode::OK, v))
}

async fn reset(AxState(s): AxState<Arc<Shared>>) -> ApiResult {
    s.reset();
    ok(&json!({"reset": true}))
}

async fn seed_json(AxState(s): AxState<Arc<Shared>>, body: Bytes) -> ApiResult {
    let body = rest::parse_body(&body)?;
    let mut st = s.lock();
    let list = |k: &str| {
        body.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    for p in list("products") {
        if let Some(id) = p.get("id").and_then(Value::as_u64) {
            st.products.insert(id, p);
        }
    }
    for v in list("variations") {
        if let Some(id) = v.get("id").and_then(Value::as_u64) {
            st.variations.insert(id, v);
        }
    }
    if body.get("taxes").is_some() {
        st.taxes = list("taxes");
    }
    if body.get("tax_classes").is_some() {
        st.tax_classes = list("tax_classes");
    }
    if body.get("gateways").is_some() {
        st.gateways = list("gateways");
    }
    if body.get("coupons").is_some() {
        st.coupons = list("coupons");
    }
    ok(
        &json!({"products": st.products.len(), "variations": st.variations.len(), "taxes": st.taxes.len()}),
    )
}

async fn seed_demo(AxState(s): AxState<Arc<Shared>>) -> ApiResult {
    let mut st = s.lock();
    seed::demo(&mut st);
    ok(&json!({"products": st.products.len(), "variations": st.variations.len()}))
}

async fn get_settings(AxState(s): AxState<Arc<Shared>>) -> ApiResult {
    ok(&s.lock().settings)
}

/// Body (all optional): `{"prices_include_tax":true,"tax_round_at_subtotal":false,"wc_version":"9.0.0",
/// "currency":"EUR","decimals":2,"base_country":"LV"}`.
async fn set_settings(AxState(s): AxState<Arc<Shared>>, body: Bytes) -> ApiResult {
    let b = rest::parse_body(&body)?;
    let mut st = s.lock();
    let set = &mut st.settings;
    if let Some(v) = b.get("prices_include_tax").and_then(Value::as_bool) {
        set.prices_include_tax = v;
    }
    if let Some(v) = b.get("tax_round_at_subtotal").and_then(Value::as_bool) {
        set.tax_round_at_subtotal = v;
    }
    if let Some(v) = b.get("wc_version").and_then(Value::as_str) {
        set.wc_version = v.to_string();
    }
    if let Some(v) = b.get("currency").and_then(Value::as_str) {
        set.currency = v.to_string();
    }
    if let Some(v) = b
        .get("decimals")
        .and_then(Value::as_u64)
        .and_then(|d| u32::try_from(d).ok())
    {
        set.decimals = v.min(6);
    }
    if let Some(v) = b.get("base_country").and_then(Value::as_str) {
        set.base_country = v.to_string();
    }
    ok(&st.settings)
}

async fn create_order(AxState(s): AxState<Arc<Shared>>, body: Bytes) -> ApiResult {
    let body = rest::parse_body(&body)?;
    let doc = s.create_order(&body)?;
    Ok(rest::json_response(StatusCode::CREATED, &doc))
}

async fn list_orders(AxState(s): AxState<Arc<Shared>>) -> ApiResult {
    let st = s.lock();
    let docs: Vec<&super::order_model::OrderDoc> = st.orders.values().map(|r| &r.doc).collect();
    ok(&docs)
}

async fn store_raw(AxState(s): AxState<Arc<Shared>>, body: Bytes) -> ApiResult {
    let body = rest::parse_body(&body)?;
    let id = s.store_order(body)?;
    ok(&json!({"id": id}))
}

async fn update_order(
    AxState(s): AxState<Arc<Shared>>,
    Path(id): Path<u64>,
    body: Bytes,
) -> ApiResult {
    let body = rest::parse_body(&body)?;
    let doc = s.update_order(id, &body)?;
    ok(&doc)
}

async fn mark_paid(AxState(s): AxState<Arc<Shared>>, Path(id): Path<u64>) -> ApiResult {
    let doc = {
        let mut st = s.lock();
        let mut record = st
            .orders
            .get(&id)
            .cloned()
            .ok_or_else(|| ApiError::invalid_id("woocommerce_rest_shop_order_invalid_id"))?;
        order_build::mark_paid(&mut st, &mut record.doc);
        let doc = record.doc.clone();
        st.orders.insert(id, record);
        doc
    };
    webhooks::order_event(&s, id, &["order.updated"]);
    ok(&doc)
}

async fn deliveries(AxState(s): AxState<Arc<Shared>>) -> ApiResult {
    ok(&s.lock().deliveries)
}

async fn notes(AxState(s): AxState<Arc<Shared>>, Path(id): Path<u64>) -> ApiResult {
    let st = s.lock();
    ok(&st.notes.get(&id).cloned().unwrap_or_default())
}

async fn list_webhooks(AxState(s): AxState<Arc<Shared>>) -> ApiResult {
    let st = s.lock();
    let hooks: Vec<Value> = st
        .webhooks
        .values()
        .map(|w| {
            json!({
                "id": w.id, "name": w.name, "status": w.status, "topic": w.topic, "delivery_url": w.delivery_url,
                "failure_count": w.failure_count, "pending_delivery": w.pending_delivery,
            })
        })
        .collect();
    ok(&hooks)
}

async fn auth_callbacks(AxState(s): AxState<Arc<Shared>>) -> ApiResult {
    let st = s.lock();
    let calls: Vec<Value> = st
        .auth_callbacks
        .iter()
        .map(|c| json!({"callback_url": c.callback_url, "response_status": c.response_status, "error": c.error}))
        .collect();
    ok(&calls)
}

async fn get_faults(AxState(s): AxState<Arc<Shared>>) -> ApiResult {
    ok(&faults::describe(&s.faults()))
}

/// Body: `{"error_rate":0.5,"route":"/orders","route_status":503,"timeout_route":"/products",
/// "timeout_ms":2000,"crash":"http500"|"connection_close"|null}`.
async fn set_faults(AxState(s): AxState<Arc<Shared>>, body: Bytes) -> ApiResult {
    let b = rest::parse_body(&body)?;
    let text = |k: &str| b.get(k).and_then(Value::as_str).map(str::to_string);
    let crash = match b.get("crash").and_then(Value::as_str) {
        None => None,
        Some("http500") => Some(CrashMode::Http500),
        Some("connection_close") => Some(CrashMode::ConnectionClose),
        Some(_) => {
            return Err(rest::invalid_param(
                "crash",
                "crash is not one of http500 and connection_close.",
            ))
        }
    };
    let f = Faults {
        error_rate: b.get("error_rate").and_then(Value::as_f64).unwrap_or(0.0),
        route: text("route"),
        route_status: b
            .get("route_status")
            .and_then(Value::as_u64)
            .and_then(|v| u16::try_from(v).ok()),
        timeout_route: text("timeout_route"),
        timeout: b
            .get("timeout_ms")
            .and_then(Value::as_u64)
            .map(Duration::from_millis),
        crash,
    };
    s.set_faults(f.clone());
    ok(&faults::describe(&f))
}

async fn clear_faults(AxState(s): AxState<Arc<Shared>>) -> ApiResult {
    s.set_faults(Faults::default());
    ok(&faults::describe(&Faults::default()))
}
