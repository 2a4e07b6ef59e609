//! Order routes: list (`status`, `after`/`before`, `modified_after`/`modified_before`, `orderby`,
//! `order`, paging), get, create (computing totals), update, and order notes. New orders fire
//! `order.created` and `order.updated`, updates fire `order.updated`; notes fire nothing.

use super::order_build;
use super::rest::{self, ApiError, ApiResult};
use super::state::now_wc;
use super::{webhooks, Shared};
use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxState};
use axum::http::{header, HeaderValue, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

type Q = Query<HashMap<String, String>>;

/// Normalises a date filter to the stored `YYYY-MM-DDTHH:MM:SS` (UTC) form.
fn date_param(q: &HashMap<String, String>, name: &str) -> Result<Option<String>, ApiError> {
    let Some(raw) = q.get(name) else {
        return Ok(None);
    };
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(
            dt.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string(),
        ));
    }
    if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S") {
        return Ok(Some(dt.format("%Y-%m-%dT%H:%M:%S").to_string()));
    }
    Err(rest::invalid_param(
        name,
        &format!("{name} is not a valid date."),
    ))
}

pub async fn list_orders(AxState(s): AxState<Arc<Shared>>, Query(q): Q) -> ApiResult {
    let after = date_param(&q, "after")?;
    let before = date_param(&q, "before")?;
    let modified_after = date_param(&q, "modified_after")?;
    let modified_before = date_param(&q, "modified_before")?;
    let statuses: Vec<String> = q
        .get("status")
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let st = s.lock();
    let mut docs: Vec<&super::order_model::OrderDoc> = st
        .orders
        .values()
        .map(|r| &r.doc)
        // `any` and no filter leave out the trash, as WooCommerce does.
        .filter(|d| {
            if statuses.is_empty() {
                d.status != "trash"
            } else {
                statuses
                    .iter()
                    .any(|s| (s == "any" && d.status != "trash") || *s == d.status)
            }
        })
        .filter(|d| {
            after
                .as_ref()
                .is_none_or(|a| d.date_created_gmt.as_ref().is_some_and(|c| c > a))
        })
        .filter(|d| {
            before
                .as_ref()
                .is_none_or(|b| d.date_created_gmt.as_ref().is_some_and(|c| c < b))
        })
        .filter(|d| {
            modified_after
                .as_ref()
                .is_none_or(|a| d.date_modified_gmt.as_ref().is_some_and(|m| m > a))
        })
        .filter(|d| {
            modified_before
                .as_ref()
                .is_none_or(|b| d.date_modified_gmt.as_ref().is_some_and(|m| m < b))
        })
        .collect();
    match q.get("orderby").map(String::as_str).unwrap_or("date") {
        "id" => docs.sort_by_key(|d| d.id),
        "modified" => {
            docs.sort_by(|a, b| (&a.date_modified_gmt, a.id).cmp(&(&b.date_modified_gmt, b.id)))
        }
        "date" => {
            docs.sort_by(|a, b| (&a.date_created_gmt, a.id).cmp(&(&b.date_created_gmt, b.id)))
        }
        other => {
            if !["include", "title", "slug"].contains(&other) {
                return Err(rest::invalid_param(
                    "orderby",
                    "orderby is not one of date, id, include, title, slug, and modified.",
                ));
            }
            docs.sort_by_key(|d| d.id);
        }
    }
    match q.get("order").map(String::as_str).unwrap_or("desc") {
        "asc" => {}
        "desc" => docs.reverse(),
        _ => {
            return Err(rest::invalid_param(
                "order",
                "order is not one of asc and desc.",
            ))
        }
    }
    let items: Vec<Value> = docs
        .into_iter()
        .filter_map(|d| serde_json::to_value(d).ok())
        .collect();
    rest::paged(&st.base_url, "/wp-json/wc/v3/orders", &q, items)
}

pub async fn get_order(
    AxState(s): AxState<Arc<Shared>>,
    Path(id): Path<u64>,
    Query(q): Q,
) -> ApiResult {
    let st = s.lock();
    let record = st
        .orders
        .get(&id)
        .ok_or_else(|| ApiError::invalid_id("woocommerce_rest_shop_order_invalid_id"))?;
    rest::ok_fields(&q, &record.doc)
}

pub async fn create_order(AxState(s): AxState<Arc<Shared>>, body: Bytes) -> ApiResult {
    let body = rest::parse_body(&body)?;
    let (id, doc) = {
        let mut st = s.lock();
        let id = order_build::create_order(&mut st, &body)?;
        (id, st.orders.get(&id).map(|r| r.doc.clone()))
    };
    webhooks::order_event(&s, id, &["order.created", "order.updated"]);
    let mut resp = rest::json_response(StatusCode::CREATED, &doc);
    if let Ok(loc) = HeaderValue::from_str(&format!("{}/wp-json/wc/v3/orders/{id}", s.base_url())) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(resp)
}

pub async fn update_order(
    AxState(s): AxState<Arc<Shared>>,
    Path(id): Path<u64>,
    body: Bytes,
) -> ApiResult {
    let body = rest::parse_body(&body)?;
    let doc = {
        let mut st = s.lock();
        order_build::update_order(&mut st, id, &body)?;
        st.orders.get(&id).map(|r| r.doc.clone())
    };
    webhooks::order_event(&s, id, &["order.updated"]);
    Ok(rest::json_response(StatusCode::OK, &doc))
}

pub async fn create_note(
    AxState(s): AxState<Arc<Shared>>,
    Path(id): Path<u64>,
    body: Bytes,
) -> ApiResult {
    let body = rest::parse_body(&body)?;
    let note_text = body
        .get("note")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                400,
                "rest_missing_callback_param",
                "Missing parameter(s): note",
            )
            .with_data("params", json!(["note"]))
        })?;
    let mut st = s.lock();
    if !st.orders.contains_key(&id) {
        return Err(ApiError::invalid_id("woocommerce_rest_order_invalid_id"));
    }
    let note_id = st.next_comment_id();
    let now = now_wc();
    let by_user = body
        .get("added_by_user")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let base = st.base_url.clone();
    let note = json!({
        "id": note_id,
        "author": if by_user { "admin" } else { "WooCommerce" },
        "date_created": now,
        "date_created_gmt": now,
        "note": note_text,
        "customer_note": body.get("customer_note").and_then(Value::as_bool).unwrap_or(false),
        "_links": {
            "self": [{"href": format!("{base}/wp-json/wc/v3/orders/{id}/notes/{note_id}")}],
            "collection": [{"href": format!("{base}/wp-json/wc/v3/orders/{id}/notes")}],
            "up": [{"href": format!("{base}/wp-json/wc/v3/orders/{id}")}],
        }
    });
    st.notes.entry(id).or_default().push(note.clone());
    let mut resp = rest::json_response(StatusCode::CREATED, &note);
    if let Ok(loc) =
        HeaderValue::from_str(&format!("{base}/wp-json/wc/v3/orders/{id}/notes/{note_id}"))
    {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(resp)
}

pub async fn list_notes(
    AxState(s): AxState<Arc<Shared>>,
    Path(id): Path<u64>,
    Query(q): Q,
) -> ApiResult {
    let st = s.lock();
    if !st.orders.contains_key(&id) {
        return Err(ApiError::invalid_id("woocommerce_rest_order_invalid_id"));
    }
    let kind = q.get("type").map(String::as_str).unwrap_or("any");
    let notes: Vec<Value> = st
        .notes
        .get(&id)
        .map(|n| {
            n.iter()
                .filter(|n| {
                    let customer = n
                        .get("customer_note")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    match kind {
                        "customer" => customer,
                        "internal" => !customer,
                        _ => true,
                    }
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    rest::ok_fields(&q, &notes)
}
