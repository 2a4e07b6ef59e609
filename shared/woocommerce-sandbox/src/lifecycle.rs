//! What happens to an order after it was placed, besides refunds (README facts 9 and 11 of
//! `cases-changes/`):
//!
//! - trash (`DELETE /orders/{id}` without `force`): the answer shows the order as it was, the status
//!   becomes `trash`, and only `order.deleted` fires, with the body `{"id":N}`; a second trash is
//!   refused (410 `woocommerce_rest_already_trashed`);
//! - restore (wp-admin's bulk "Restore", here [`restore`] and `POST /__sandbox/orders/{id}/restore`):
//!   the status from before the trash comes back with the note "Order status changed from trash to
//!   …", and only `order.restored` fires, with the full order;
//! - permanent deletion (`DELETE ?force=true`): the order, its notes and refunds are gone, no
//!   `order.*` topic fires (only `action.woocommerce_delete_order`), and `GET` answers 404;
//! - cancellation of an order whose stock was reduced gives the stock back ("Stock levels
//!   increased: …", the lines' `_reduced_stock` removed); totals and `date_paid` stay.

use super::order_build;
use super::order_model::OrderDoc;
use super::refunds::add_note;
use super::rest::{self, ApiError, ApiResult};
use super::state::State;
use super::{webhooks, Shared};
use axum::extract::{Path, Query, State as AxState};
use axum::http::StatusCode;
use std::collections::HashMap;
use std::sync::Arc;

type Q = Query<HashMap<String, String>>;

/// The status names WooCommerce writes in its notes (`wc_get_order_status_name`).
pub fn status_label(status: &str) -> String {
    match status {
        "pending" => "Pending payment".into(),
        "processing" => "Processing".into(),
        "on-hold" => "On hold".into(),
        "completed" => "Completed".into(),
        "cancelled" => "Cancelled".into(),
        "refunded" => "Refunded".into(),
        "failed" => "Failed".into(),
        "checkout-draft" => "Draft".into(),
        other => other.to_string(),
    }
}

/// `DELETE /orders/{id}`: trash, or with `force=true` delete for good.
pub async fn delete_order(
    AxState(s): AxState<Arc<Shared>>,
    Path(id): Path<u64>,
    Query(q): Q,
) -> ApiResult {
    let force = q.get("force").map(String::as_str) == Some("true");
    let before = {
        let mut st = s.lock();
        let before = st
            .orders
            .get(&id)
            .map(|r| r.doc.clone())
            .ok_or_else(|| ApiError::invalid_id("woocommerce_rest_shop_order_invalid_id"))?;
        if force {
            delete_for_good(&mut st, id);
        } else {
            trash(&mut st, id)?;
        }
        before
    };
    if force {
        webhooks::events(&s, &[("action.woocommerce_delete_order", id)]);
    } else {
        webhooks::events(&s, &[("order.deleted", id)]);
    }
    rest::ok_fields(&q, &before)
}

fn trash(st: &mut State, id: u64) -> Result<(), ApiError> {
    let record = st
        .orders
        .get_mut(&id)
        .ok_or_else(|| ApiError::invalid_id("woocommerce_rest_shop_order_invalid_id"))?;
    if record.doc.status == "trash" {
        return Err(ApiError::new(
            410,
            "woocommerce_rest_already_trashed",
            "The order has already been deleted.",
        ));
    }
    record.doc.pre_trash_status = Some(record.doc.status.clone());
    record.doc.status = "trash".into();
    order_build::touch(&mut record.doc);
    Ok(())
}

fn delete_for_good(st: &mut State, id: u64) {
    st.orders.remove(&id);
    st.notes.remove(&id);
    st.refunds.retain(|_, r| r.order_id != id);
}

/// Takes an order out of the trash (wp-admin's "Restore"), firing only `order.restored`.
pub fn restore(s: &Arc<Shared>, id: u64) -> Result<OrderDoc, ApiError> {
    let doc = {
        let mut st = s.lock();
        let record = st
            .orders
            .get_mut(&id)
            .ok_or_else(|| ApiError::invalid_id("woocommerce_rest_shop_order_invalid_id"))?;
        if record.doc.status != "trash" {
            return Err(ApiError::new(
                400,
                "sandbox_not_in_trash",
                "The order is not in the trash.",
            ));
        }
        let status = record
            .doc
            .pre_trash_status
            .take()
            .unwrap_or_else(|| "pending".into());
        record.doc.status = status.clone();
        order_build::touch(&mut record.doc);
        let doc = record.doc.clone();
        add_note(
            &mut st,
            id,
            &format!(
                "Order status changed from trash to {}.",
                status_label(&status)
            ),
        );
        doc
    };
    webhooks::events(s, &[("order.restored", id)]);
    Ok(doc)
}

/// `POST /__sandbox/orders/{id}/restore`.
pub async fn restore_route(AxState(s): AxState<Arc<Shared>>, Path(id): Path<u64>) -> ApiResult {
    let doc = restore(&s, id)?;
    Ok(rest::json_response(StatusCode::OK, &doc))
}

/// `wc_maybe_increase_stock_levels` on cancellation: the reduced stock of each line goes back.
pub fn increase_stock(st: &mut State, doc: &mut OrderDoc) {
    let mut changes = Vec::new();
    for line in &mut doc.line_items {
        let Some(pos) = line
            .meta_data
            .iter()
            .position(|m| m.key == "_reduced_stock")
        else {
            continue;
        };
        let reduced = super::money::parse_value(&line.meta_data[pos].value)
            .and_then(|d| i64::try_from(d).ok())
            .unwrap_or(0);
        line.meta_data.remove(pos);
        let target = if line.variation_id > 0 {
            line.variation_id
        } else {
            line.product_id
        };
        let Some((sku, old, new)) = st.add_stock(target, reduced) else {
            continue;
        };
        changes.push(format!("{} ({sku}) {old}&rarr;{new}", line.name));
    }
    doc.stock_reduced = false;
    if !changes.is_empty() {
        add_note(
            st,
            doc.id,
            &format!("Stock levels increased: {}", changes.join(", ")),
        );
    }
}
