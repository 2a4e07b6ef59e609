//! Order refunds as WooCommerce 8.9 makes them (`wc_create_refund` behind `POST /orders/{id}/refunds`),
//! checked against the captures in `cases-changes/` (README facts 1–7):
//!
//! - the request: `amount` (positive; computed from the lines when absent), `reason`, `api_refund`
//!   (default true: no sandbox gateway refunds money, so it is refused as WooCommerce refuses a
//!   gateway without refund support), `api_restock` (default true), and `line_items[{id, quantity,
//!   refund_total, refund_tax:[{id, refund_total}]}]` where `id` is any item of the order (product,
//!   fee or shipping line);
//! - the refund object: negative copies of the refunded items (`price` positive, meta
//!   `_refunded_item_id`), `tax_lines` per rate (item and fee rates first, then shipping-only rates),
//!   positive `amount`, no `total`; an amount-only refund has every list empty;
//! - the parent: `refunds[]` summary `{id, reason, total}` (negative, newest first), status `refunded`
//!   once the refunded sum reaches the total, totals never netted; restock of refunded quantities
//!   with the note "Item #N stock increased from A to B." and the line meta `_reduced_stock` /
//!   `_restock_refunded_items`;
//! - refused: more than the remaining amount → HTTP 500 "Invalid refund amount." (`"data":500`);
//! - webhooks per refund: `action.woocommerce_order_(partially|fully)_refunded`, `order.updated`
//!   (the parent after the refund), `action.woocommerce_refund_created` (arg = refund id),
//!   `action.woocommerce_order_refunded`;
//! - `GET` list (newest first) and one (a refund of another order: HTTP 500 with `"data":404`),
//!   `DELETE ?force=true`: the refund is gone, the order keeps its status, nothing fires.

use super::money::{fmt_dp, parse_value};
use super::order_model::{FeeLine, Href, ItemTax, LineItem, Links, Meta, ShippingLine, TaxLine};
use super::rest::{self, ApiError, ApiResult};
use super::state::{now_wc, State};
use super::{order_build, webhooks, Shared};
use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxState};
use axum::http::{header, HeaderValue, StatusCode};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

type Q = Query<HashMap<String, String>>;

/// A refund as stored: amounts positive, rendered negative.
#[derive(Debug, Clone)]
pub struct RefundRecord {
    pub id: u64,
    pub order_id: u64,
    pub date_created: String,
    pub amount: Decimal,
    pub reason: String,
    pub refunded_payment: bool,
    pub items: Vec<RefundedItem>,
    /// `(refund tax item id, rate id)` in WooCommerce's order (item/fee rates, then shipping rates).
    pub tax_line_ids: Vec<(u64, u64)>,
    /// The parent's tax lines when the refund was made (labels, codes, percentages).
    pub parent_tax_lines: Vec<TaxLine>,
}

/// One refunded item: a copy of the parent's item with the refunded quantity and amounts.
#[derive(Debug, Clone)]
pub struct RefundedItem {
    pub id: u64,
    pub meta_id: u64,
    pub parent_item_id: u64,
    pub kind: ItemKind,
    /// Refunded units (positive; products only).
    pub quantity: i64,
    /// Refunded net amount (positive).
    pub total: Decimal,
    /// Refunded tax per rate id (positive).
    pub taxes: Vec<(u64, Decimal)>,
}

/// The parent item a refund item copies.
#[derive(Debug, Clone)]
pub enum ItemKind {
    Line(LineItem),
    Shipping(ShippingLine),
    Fee(FeeLine),
}

/// What a refund request asks for one item.
struct Asked {
    quantity: i64,
    total: Decimal,
    taxes: Vec<(u64, Decimal)>,
}

/// The outcome of a created refund, for the webhooks.
pub struct Created {
    pub refund: Value,
    pub order_id: u64,
    pub refund_id: u64,
    pub fully_refunded: bool,
}

/// `wc_create_refund` for a REST body; the refund as `GET` renders it.
pub fn create_refund(st: &mut State, order_id: u64, body: &Value) -> Result<Created, ApiError> {
    let record = st.orders.get(&order_id).cloned().ok_or_else(|| {
        ApiError::bare(
            "woocommerce_rest_invalid_order_id",
            "Invalid order ID.",
            404,
        )
    })?;
    let mut doc = record.doc;
    let dp = st.settings.decimals;
    let asked = asked_items(body)?;
    let amount = match body.get("amount").filter(|v| !v.is_null()) {
        Some(v) => parse_value(v)
            .ok_or_else(|| rest::invalid_param("amount", "amount is not of type string."))?,
        // `RestApiUtil::adjust_create_refund_request_parameters`: the lines' sum.
        None => asked
            .iter()
            .map(|(_, a)| a.total + a.taxes.iter().map(|(_, t)| *t).sum::<Decimal>())
            .sum(),
    };
    if amount <= Decimal::ZERO {
        return Err(ApiError::new(
            400,
            "woocommerce_rest_invalid_order_refund",
            "Refund amount must be greater than zero.",
        ));
    }
    let total = parse_value(&Value::from(doc.total.clone())).unwrap_or_default();
    let refunded: Decimal = refunds_of(st, order_id).iter().map(|r| r.amount).sum();
    let remaining = total - refunded;
    if amount > remaining {
        return Err(ApiError::bare(
            "woocommerce_rest_cannot_create_order_refund",
            "Invalid refund amount.",
            500,
        ));
    }
    if body
        .get("api_refund")
        .and_then(Value::as_bool)
        .unwrap_or(true)
    {
        return Err(ApiError::bare(
            "woocommerce_rest_cannot_create_order_refund",
            "Payment gateway does not support refunds.",
            500,
        ));
    }
    let refund_id = st.next_post_id();
    // Items in WooCommerce's order: products, fees, shipping.
    let parents: Vec<(u64, ItemKind)> = doc
        .line_items
        .iter()
        .map(|l| (l.id, ItemKind::Line(l.clone())))
        .chain(
            doc.fee_lines
                .iter()
                .map(|f| (f.id, ItemKind::Fee(f.clone()))),
        )
        .chain(
            doc.shipping_lines
                .iter()
                .map(|s| (s.id, ItemKind::Shipping(s.clone()))),
        )
        .collect();
    let mut items = Vec::new();
    for (parent_id, kind) in parents {
        let Some((_, a)) = asked.iter().find(|(id, _)| *id == parent_id) else {
            continue;
        };
        if a.quantity == 0 && a.total.is_zero() && a.taxes.is_empty() {
            continue;
        }
        items.push(RefundedItem {
            id: st.next_item_id(),
            meta_id: st.next_meta_id(),
            parent_item_id: parent_id,
            quantity: if matches!(kind, ItemKind::Line(_)) {
                a.quantity
            } else {
                0
            },
            total: a.total,
            taxes: a.taxes.clone(),
            kind,
        });
    }
    let mut rates: Vec<u64> = Vec::new();
    for item in items
        .iter()
        .filter(|i| !matches!(i.kind, ItemKind::Shipping(_)))
    {
        push_rates(&mut rates, &item.taxes);
    }
    for item in items
        .iter()
        .filter(|i| matches!(i.kind, ItemKind::Shipping(_)))
    {
        push_rates(&mut rates, &item.taxes);
    }
    let tax_line_ids = rates
        .into_iter()
        .map(|rate| (st.next_item_id(), rate))
        .collect();
    let now = now_wc();
    let refund = RefundRecord {
        id: refund_id,
        order_id,
        date_created: now,
        amount,
        reason: body
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        refunded_payment: false,
        items,
        tax_line_ids,
        parent_tax_lines: doc.tax_lines.clone(),
    };
    if body
        .get("api_restock")
        .and_then(Value::as_bool)
        .unwrap_or(true)
    {
        restock(st, &mut doc, &refund);
    }
    doc.refunds.insert(
        0,
        json!({"id": refund_id, "reason": refund.reason, "total": fmt_dp(-amount, dp)}),
    );
    let fully_refunded = remaining - amount <= Decimal::ZERO;
    if fully_refunded && doc.status != "refunded" {
        let note = format!(
            "Order status changed from {} to Refunded.",
            super::lifecycle::status_label(&doc.status)
        );
        doc.status = "refunded".into();
        add_note(st, order_id, &note);
    }
    order_build::touch(&mut doc);
    order_build::refresh_flags(st, &mut doc);
    if let Some(r) = st.orders.get_mut(&order_id) {
        r.doc = doc;
    }
    let rendered = render(&refund, &st.base_url, dp);
    st.refunds.insert(refund_id, refund);
    Ok(Created {
        refund: rendered,
        order_id,
        refund_id,
        fully_refunded,
    })
}

/// The request's `line_items`, keyed by the parent item id.
fn asked_items(body: &Value) -> Result<Vec<(u64, Asked)>, ApiError> {
    let invalid = |m: &str| rest::invalid_param("line_items", m);
    let mut out = Vec::new();
    for item in body
        .get("line_items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = item
            .get("id")
            .and_then(parse_value)
            .and_then(|d| u64::try_from(d).ok())
            .ok_or_else(|| invalid("line_items[].id is not of type integer."))?;
        let quantity = item
            .get("quantity")
            .and_then(parse_value)
            .and_then(|d| i64::try_from(d).ok())
            .unwrap_or(0);
        let total = item
            .get("refund_total")
            .and_then(parse_value)
            .unwrap_or_default();
        let taxes = item
            .get("refund_tax")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| {
                let rate = t.get("id").and_then(parse_value)?;
                let amount = t.get("refund_total").and_then(parse_value)?;
                Some((u64::try_from(rate).ok()?, amount))
            })
            .filter(|(_, amount)| !amount.is_zero())
            .collect();
        out.push((
            id,
            Asked {
                quantity,
                total,
                taxes,
            },
        ));
    }
    Ok(out)
}

fn push_rates(rates: &mut Vec<u64>, taxes: &[(u64, Decimal)]) {
    for (rate, _) in taxes {
        if !rates.contains(rate) {
            rates.push(*rate);
        }
    }
}

/// `wc_restock_refunded_items`: refunded units of stock-managed products go back to stock.
fn restock(st: &mut State, doc: &mut super::order_model::OrderDoc, refund: &RefundRecord) {
    for item in &refund.items {
        let ItemKind::Line(parent) = &item.kind else {
            continue;
        };
        if item.quantity <= 0 {
            continue;
        }
        let target = if parent.variation_id > 0 {
            parent.variation_id
        } else {
            parent.product_id
        };
        let managed = st
            .any_product(target)
            .and_then(|p| p.get("manage_stock"))
            .is_some_and(|m| m == &Value::Bool(true));
        if !managed {
            continue;
        }
        let Some((_, old, new)) = st.add_stock(target, item.quantity) else {
            continue;
        };
        if let Some(line) = doc
            .line_items
            .iter_mut()
            .find(|l| l.id == item.parent_item_id)
        {
            let reduced = meta_int(&line.meta_data, "_reduced_stock");
            if let Some(reduced) = reduced {
                set_item_meta(
                    st,
                    &mut line.meta_data,
                    "_reduced_stock",
                    reduced - item.quantity,
                );
                let before = meta_int(&line.meta_data, "_restock_refunded_items").unwrap_or(0);
                set_item_meta(
                    st,
                    &mut line.meta_data,
                    "_restock_refunded_items",
                    before + item.quantity,
                );
            }
        }
        add_note(
            st,
            doc.id,
            &format!("Item #{target} stock increased from {old} to {new}."),
        );
    }
}

fn meta_int(meta: &[Meta], key: &str) -> Option<i64> {
    meta.iter()
        .find(|m| m.key == key)
        .and_then(|m| parse_value(&m.value))
        .and_then(|d| i64::try_from(d).ok())
}

fn set_item_meta(st: &mut State, meta: &mut Vec<Meta>, key: &str, value: i64) {
    match meta.iter_mut().find(|m| m.key == key) {
        Some(m) => {
            m.value = Value::from(value.to_string());
            m.display_value = Some(Value::from(value.to_string()));
        }
        None => {
            let id = st.next_meta_id();
            meta.push(Meta::item(id, key, key, &value.to_string()));
        }
    }
}

/// A system note on an order (author "WooCommerce", not a customer note).
pub fn add_note(st: &mut State, order_id: u64, text: &str) {
    let note_id = st.next_comment_id();
    let now = now_wc();
    let base = st.base_url.clone();
    st.notes.entry(order_id).or_default().push(json!({
        "id": note_id,
        "author": "WooCommerce",
        "date_created": now,
        "date_created_gmt": now,
        "note": text,
        "customer_note": false,
        "_links": {
            "self": [{"href": format!("{base}/wp-json/wc/v3/orders/{order_id}/notes/{note_id}")}],
            "collection": [{"href": format!("{base}/wp-json/wc/v3/orders/{order_id}/notes")}],
            "up": [{"href": format!("{base}/wp-json/wc/v3/orders/{order_id}")}],
        }
    }));
}

/// The refunds of an order, oldest first.
pub fn refunds_of(st: &State, order_id: u64) -> Vec<&RefundRecord> {
    st.refunds
        .values()
        .filter(|r| r.order_id == order_id)
        .collect()
}

/// The refund object as `GET /orders/{id}/refunds/{rid}` renders it, with `dp` decimals.
#[derive(Serialize)]
struct RefundView {
    id: u64,
    date_created: String,
    date_created_gmt: String,
    amount: String,
    reason: String,
    refunded_by: u64,
    refunded_payment: bool,
    meta_data: Vec<Meta>,
    line_items: Vec<LineItem>,
    shipping_lines: Vec<ShippingLine>,
    tax_lines: Vec<TaxLine>,
    fee_lines: Vec<FeeLine>,
    #[serde(rename = "_links")]
    links: Links,
}

pub fn render(r: &RefundRecord, base: &str, dp: u32) -> Value {
    let neg = |d: Decimal| fmt_dp(-d, dp);
    let taxes = |item: &RefundedItem, with_subtotal: bool| -> Vec<ItemTax> {
        item.taxes
            .iter()
            // Stored as `wc_format_refund_total` wrote them: not re-rendered with `dp`.
            .map(|(rate, t)| ItemTax {
                id: *rate,
                total: (-*t).normalize().to_string(),
                subtotal: if with_subtotal {
                    (-*t).normalize().to_string()
                } else {
                    String::new()
                },
            })
            .collect()
    };
    let refunded_meta = |item: &RefundedItem| {
        vec![Meta::item(
            item.meta_id,
            "_refunded_item_id",
            "_refunded_item_id",
            &item.parent_item_id.to_string(),
        )]
    };
    let tax_sum = |item: &RefundedItem| item.taxes.iter().map(|(_, t)| *t).sum::<Decimal>();
    let mut view = RefundView {
        id: r.id,
        date_created: r.date_created.clone(),
        date_created_gmt: r.date_created.clone(),
        amount: fmt_dp(r.amount, dp),
        reason: r.reason.clone(),
        refunded_by: 1,
        refunded_payment: r.refunded_payment,
        meta_data: Vec::new(),
        line_items: Vec::new(),
        shipping_lines: Vec::new(),
        tax_lines: Vec::new(),
        fee_lines: Vec::new(),
        links: Links {
            self_: Href::new(format!(
                "{base}/wp-json/wc/v3/orders/{}/refunds/{}",
                r.order_id, r.id
            )),
            collection: Href::new(format!(
                "{base}/wp-json/wc/v3/orders/{}/refunds",
                r.order_id
            )),
            up: Href::new(format!("{base}/wp-json/wc/v3/orders/{}", r.order_id)),
            ..Links::default()
        },
    };
    for item in &r.items {
        match &item.kind {
            ItemKind::Line(parent) => {
                let mut line = parent.clone();
                line.id = item.id;
                line.quantity = -item.quantity;
                line.subtotal = neg(item.total);
                line.total = neg(item.total);
                line.subtotal_tax = neg(tax_sum(item));
                line.total_tax = neg(tax_sum(item));
                line.taxes = taxes(item, true);
                line.meta_data = refunded_meta(item);
                // `get_total() / get_quantity()` in PHP floats (13.05 / 3 = 4.3500000000000005).
                line.price = match (item.total.to_f64(), item.quantity) {
                    (Some(total), q) if q != 0 => serde_json::Number::from_f64(total / q as f64)
                        .map_or(Value::from(0), Value::Number),
                    _ => Value::from(0),
                };
                view.line_items.push(line);
            }
            ItemKind::Shipping(parent) => {
                let mut ship = parent.clone();
                ship.id = item.id;
                ship.total = neg(item.total);
                ship.total_tax = neg(tax_sum(item));
                ship.taxes = taxes(item, false);
                ship.meta_data = refunded_meta(item);
                view.shipping_lines.push(ship);
            }
            ItemKind::Fee(parent) => {
                let mut fee = parent.clone();
                fee.id = item.id;
                fee.amount = neg(item.total);
                fee.total = neg(item.total);
                fee.total_tax = neg(tax_sum(item));
                fee.taxes = taxes(item, false);
                fee.meta_data = refunded_meta(item);
                view.fee_lines.push(fee);
            }
        }
    }
    for (tax_item_id, rate) in &r.tax_line_ids {
        let of = |shipping: bool| -> Decimal {
            r.items
                .iter()
                .filter(|i| matches!(i.kind, ItemKind::Shipping(_)) == shipping)
                .flat_map(|i| i.taxes.iter())
                .filter(|(id, _)| id == rate)
                .map(|(_, t)| *t)
                .sum()
        };
        let parent = r.parent_tax_lines.iter().find(|t| t.rate_id == *rate);
        view.tax_lines.push(TaxLine {
            id: *tax_item_id,
            rate_code: parent.map(|t| t.rate_code.clone()).unwrap_or_default(),
            rate_id: *rate,
            label: parent.map(|t| t.label.clone()).unwrap_or_default(),
            compound: parent.is_some_and(|t| t.compound),
            tax_total: neg(of(false)),
            shipping_tax_total: neg(of(true)),
            rate_percent: parent
                .map(|t| t.rate_percent.clone())
                .unwrap_or(Value::Null),
            meta_data: Vec::new(),
            extra: Default::default(),
        });
    }
    serde_json::to_value(view).unwrap_or(Value::Null)
}

/// `?dp=N` (WooCommerce's `dp` argument), else the shop's decimals.
fn dp_of(st: &State, q: &HashMap<String, String>) -> u32 {
    q.get("dp")
        .and_then(|d| d.parse::<u32>().ok())
        .map_or(st.settings.decimals, |d| d.min(12))
}

// ---- routes ---------------------------------------------------------------------------------------

pub async fn create(
    AxState(s): AxState<Arc<Shared>>,
    Path(order_id): Path<u64>,
    body: Bytes,
) -> ApiResult {
    let body = rest::parse_body(&body)?;
    let created = create_refund(&mut s.lock(), order_id, &body)?;
    fire(&s, &created);
    let mut resp = rest::json_response(StatusCode::CREATED, &created.refund);
    if let Ok(loc) = HeaderValue::from_str(&format!(
        "{}/wp-json/wc/v3/orders/{order_id}/refunds/{}",
        s.base_url(),
        created.refund_id
    )) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(resp)
}

/// The deliveries of one refund, in the order WooCommerce fires them (fact 1).
pub fn fire(s: &Arc<Shared>, created: &Created) {
    let share = if created.fully_refunded {
        "action.woocommerce_order_fully_refunded"
    } else {
        "action.woocommerce_order_partially_refunded"
    };
    webhooks::events(
        s,
        &[
            (share, created.order_id),
            ("order.updated", created.order_id),
            ("action.woocommerce_refund_created", created.refund_id),
            ("action.woocommerce_order_refunded", created.order_id),
        ],
    );
}

pub async fn list(
    AxState(s): AxState<Arc<Shared>>,
    Path(order_id): Path<u64>,
    Query(q): Q,
) -> ApiResult {
    let st = s.lock();
    if !st.orders.contains_key(&order_id) {
        return Err(ApiError::bare(
            "woocommerce_rest_invalid_order_id",
            "Invalid order ID.",
            404,
        ));
    }
    let dp = dp_of(&st, &q);
    let items: Vec<Value> = refunds_of(&st, order_id)
        .into_iter()
        .rev()
        .map(|r| render(r, &st.base_url, dp))
        .collect();
    rest::paged(
        &st.base_url,
        &format!("/wp-json/wc/v3/orders/{order_id}/refunds"),
        &q,
        items,
    )
}

/// The refund `refund_id` of `order_id`, or WooCommerce's error for it.
fn lookup(st: &State, order_id: u64, refund_id: u64) -> Result<&RefundRecord, ApiError> {
    let refund = st
        .refunds
        .get(&refund_id)
        .ok_or_else(|| ApiError::invalid_id("woocommerce_rest_shop_order_refund_invalid_id"))?;
    if refund.order_id != order_id {
        return Err(ApiError::bare(
            "woocommerce_rest_invalid_order_refund_id",
            "Invalid order refund ID.",
            404,
        ));
    }
    Ok(refund)
}

pub async fn get(
    AxState(s): AxState<Arc<Shared>>,
    Path((order_id, refund_id)): Path<(u64, u64)>,
    Query(q): Q,
) -> ApiResult {
    let st = s.lock();
    let refund = lookup(&st, order_id, refund_id)?;
    rest::ok_fields(&q, &render(refund, &st.base_url, dp_of(&st, &q)))
}

/// `DELETE ?force=true`: the refund goes, the order's `refunds[]` loses it, its status stays, and
/// nothing is delivered (fact 6).
pub async fn delete(
    AxState(s): AxState<Arc<Shared>>,
    Path((order_id, refund_id)): Path<(u64, u64)>,
    Query(q): Q,
) -> ApiResult {
    let mut st = s.lock();
    let rendered = render(
        lookup(&st, order_id, refund_id)?,
        &st.base_url,
        dp_of(&st, &q),
    );
    if q.get("force").map(String::as_str) != Some("true") {
        return Err(ApiError::new(
            501,
            "woocommerce_rest_trash_not_supported",
            "Refunds do not support trashing.",
        ));
    }
    st.refunds.remove(&refund_id);
    if let Some(r) = st.orders.get_mut(&order_id) {
        r.doc
            .refunds
            .retain(|e| e.get("id").and_then(Value::as_u64) != Some(refund_id));
    }
    Ok(rest::json_response(StatusCode::OK, &rendered))
}
